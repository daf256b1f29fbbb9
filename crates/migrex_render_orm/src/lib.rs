//! Plans written as an ORM's own migration files (`migrex diff ... --target django|alembic|rails`)
//! and schemas written as its model files (`migrex convert SOURCE --to ...`).
//!
//! Each framework is one module behind [`Writer`]; [`Target`] is the registry. A writer uses
//! the framework's own operations where it has them, the plan's SQL (from `migrex_render_sql`)
//! as a raw-SQL operation where it has not, and, when the target schema was read from a project
//! of the same framework, that project's field definitions as written, so that the framework's
//! own autodetector finds nothing left to do after the migration.

pub mod alembic;
pub mod django;
pub mod efcore;
pub mod knex;
pub mod prisma;
pub mod rails;
pub mod typeorm;

use migrex_model::{Plan, Schema};
use migrex_source_orm::Project;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The migration formats migrex writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Django,
    Alembic,
    Rails,
    Prisma,
    Typeorm,
    Knex,
    Efcore,
}

impl Target {
    pub const ALL: [Target; 7] = [
        Target::Django,
        Target::Alembic,
        Target::Rails,
        Target::Prisma,
        Target::Typeorm,
        Target::Knex,
        Target::Efcore,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::Django => "django",
            Target::Alembic => "alembic",
            Target::Rails => "rails",
            Target::Prisma => "prisma",
            Target::Typeorm => "typeorm",
            Target::Knex => "knex",
            Target::Efcore => "efcore",
        }
    }

    /// The target a `--target`/`--to` value names (`sqlalchemy` writes Alembic revisions and
    /// SQLAlchemy models).
    pub fn from_name(name: &str) -> Option<Target> {
        match name.to_ascii_lowercase().as_str() {
            "django" => Some(Target::Django),
            "alembic" | "sqlalchemy" => Some(Target::Alembic),
            "rails" | "activerecord" => Some(Target::Rails),
            "prisma" => Some(Target::Prisma),
            "typeorm" => Some(Target::Typeorm),
            "knex" => Some(Target::Knex),
            "efcore" | "ef" => Some(Target::Efcore),
            _ => None,
        }
    }

    fn writer(self) -> &'static dyn Writer {
        match self {
            Target::Django => &django::DjangoWriter,
            Target::Alembic => &alembic::AlembicWriter,
            Target::Rails => &rails::RailsWriter,
            Target::Prisma => &prisma::PrismaWriter,
            Target::Typeorm => &typeorm::TypeormWriter,
            Target::Knex => &knex::KnexWriter,
            Target::Efcore => &efcore::EfcoreWriter,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a migration is written from.
#[derive(Debug, Clone, Copy)]
pub struct MigrationInput<'a> {
    /// The up plan and its reverse (`migrex::Migration`).
    pub up: &'a Plan,
    pub down: &'a Plan,
    pub from: &'a Schema,
    pub to: &'a Schema,
    /// The projects the two schemas were read from, when they were ORM projects.
    pub from_project: Option<&'a Project>,
    pub to_project: Option<&'a Project>,
    /// The project root the files are written under (each writer puts them where its framework
    /// looks: `<app>/migrations/`, the Alembic versions folder, `db/migrate/`). Migrations
    /// already there decide the number, the chain and the version the new one follows.
    pub out_dir: &'a Path,
    /// A name for the migration (`--name`); writers derive one from the plan when absent.
    pub name: Option<&'a str>,
    /// Now, in seconds since the Unix epoch (UTC), for timestamps in names and headers.
    pub now: i64,
}

/// A file to write, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputFile {
    pub path: PathBuf,
    pub contents: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The plan holds a change the target cannot express, not even as raw SQL.
    #[error("{0}")]
    Unsupported(String),
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error(transparent)]
    Render(#[from] migrex_render_sql::RenderError),
}

/// One framework's writer.
pub trait Writer: Sync {
    /// The migration files for a plan (one migration; Django may need one per app).
    fn write_migration(&self, input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError>;

    /// Model files that describe `schema` (`migrex convert`).
    fn write_models(&self, schema: &Schema) -> Result<Vec<OutputFile>, WriteError>;

    /// Whether a written file replaces the one already at `path`: only a file the framework
    /// itself rewrites on every migration (EF Core's model snapshot); any other existing file
    /// stops the write.
    fn replaces(&self, _path: &Path) -> bool {
        false
    }
}

/// Writes the migration files of a plan for `target`.
pub fn write_migration(
    target: Target,
    input: &MigrationInput,
) -> Result<Vec<OutputFile>, WriteError> {
    target.writer().write_migration(input)
}

/// Writes model files describing `schema` for `target`.
pub fn write_models(target: Target, schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
    target.writer().write_models(schema)
}

/// A JavaScript/TypeScript string literal in `quote` (`'` or `"`): backslashes, the quote,
/// line breaks and other control characters escaped, so any text survives byte for byte.
pub(crate) fn js_string(s: &str, quote: char) -> String {
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A Unix time as UTC calendar fields, for the timestamps migration names and headers carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utc {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
}

impl Utc {
    pub(crate) fn of(secs: i64) -> Utc {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Utc {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
        }
    }
}

/// Writes files under `dir`, creating folders; an existing file is never overwritten.
pub fn save(dir: &Path, files: &[OutputFile]) -> Result<Vec<PathBuf>, WriteError> {
    save_with(dir, files, |_| false)
}

/// Writes a migration's files for `target` under `dir`: an existing file is never overwritten,
/// except one the framework rewrites on every migration ([`Writer::replaces`]).
pub fn save_migration(
    target: Target,
    dir: &Path,
    files: &[OutputFile],
) -> Result<Vec<PathBuf>, WriteError> {
    save_with(dir, files, |p| target.writer().replaces(p))
}

fn save_with(
    dir: &Path,
    files: &[OutputFile],
    replaces: impl Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, WriteError> {
    // Nothing is written when any file would be refused.
    for file in files {
        let path = dir.join(&file.path);
        if path.exists() && !replaces(&file.path) {
            return Err(WriteError::Io {
                path: path.display().to_string(),
                message: "already exists; migrex does not overwrite files".into(),
            });
        }
    }
    let mut written = Vec::new();
    for file in files {
        let path = dir.join(&file.path);
        let io = |e: std::io::Error| WriteError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        if replaces(&file.path) {
            options.create(true).truncate(true);
        } else {
            options.create_new(true);
        }
        let mut out = options.open(&path).map_err(io)?;
        std::io::Write::write_all(&mut out, file.contents.as_bytes()).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::{Utc, js_string};

    #[test]
    fn js_strings_escape_what_would_end_or_change_them() {
        assert_eq!(js_string("it's", '\''), r"'it\'s'");
        assert_eq!(js_string("say \"hi\"", '"'), r#""say \"hi\"""#);
        assert_eq!(js_string("a\\b\r\n\u{1}", '"'), r#""a\\b\r\n\u0001""#);
    }

    #[test]
    fn utc_calendar_fields() {
        let leap_day = Utc::of(951_782_400 + 3_661);
        assert_eq!((leap_day.year, leap_day.month, leap_day.day), (2000, 2, 29));
        assert_eq!((leap_day.hour, leap_day.minute, leap_day.second), (1, 1, 1));
        let before_epoch = Utc::of(-1);
        assert_eq!(
            (
                before_epoch.year,
                before_epoch.month,
                before_epoch.day,
                before_epoch.hour
            ),
            (1969, 12, 31, 23)
        );
    }
}
