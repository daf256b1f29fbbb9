//! The migration file `migrex apply` reads: `migration.json` (written by `migrex diff --out`),
//! a directory of them, or a plain `.sql` file.

use crate::ApplyError;
use migrex_model::Dialect;
use migrex_render_sql::RenderedStep;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// How `down` relates to `up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DownMode {
    /// `down` undoes the whole migration (the reverse plan of `migrex diff`): it can only run
    /// when every up step is applied.
    #[default]
    Whole,
    /// Each down step undoes the up step whose number it carries in `step`; a partly applied
    /// migration is rolled back by the down steps of its applied up steps.
    PerStep,
}

/// One migration: its up steps, and the down steps that undo them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationFile {
    /// `migrex-migration/1`.
    pub format: String,
    /// Names the migration in the history table: stable across runs.
    pub id: String,
    pub description: String,
    pub dialect: Dialect,
    pub up: Vec<RenderedStep>,
    pub down: Vec<RenderedStep>,
    #[serde(default)]
    pub down_mode: DownMode,
}

pub const FORMAT: &str = "migrex-migration/1";

/// The name of the file in a migration directory.
pub const FILE_NAME: &str = "migration.json";

impl MigrationFile {
    pub fn new(
        id: impl Into<String>,
        description: impl Into<String>,
        dialect: Dialect,
        up: Vec<RenderedStep>,
        down: Vec<RenderedStep>,
    ) -> MigrationFile {
        MigrationFile {
            format: FORMAT.into(),
            id: id.into(),
            description: description.into(),
            dialect,
            up,
            down,
            down_mode: DownMode::Whole,
        }
    }

    /// A migration id from a time (seconds since the epoch, UTC) and a name:
    /// `20261124T194500_add_email` (sorts by time, as the directories of `read_dir_all`).
    pub fn make_id(unix_seconds: u64, name: &str) -> String {
        let days = unix_seconds / 86_400;
        let secs = unix_seconds % 86_400;
        let (y, m, d) = civil_from_days(days as i64);
        let slug: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        let slug = slug.trim_matches('_');
        format!(
            "{y:04}{m:02}{d:02}T{:02}{:02}{:02}{}{slug}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60,
            if slug.is_empty() { "" } else { "_" }
        )
    }

    /// SHA-256 (hex) of the canonical JSON of `up` and `down`: what the history table records,
    /// so that an applied migration edited afterwards is noticed.
    pub fn checksum(&self) -> String {
        // Struct fields serialize in declaration order: the JSON is canonical for one version
        // of migrex.
        let json = serde_json::to_string(&(&self.up, &self.down, self.down_mode))
            .unwrap_or_else(|e| format!("unserializable: {e}"));
        let digest = Sha256::digest(json.as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes `migration.json` into `dir`.
    pub fn write_to_dir(&self, dir: &Path) -> Result<PathBuf, ApplyError> {
        let path = dir.join(FILE_NAME);
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&path, self.to_json() + "\n"))
            .map_err(|e| bad(&path, &e.to_string()))?;
        Ok(path)
    }

    /// The migrations at `path`, in the order they apply: a `migration.json` file, a directory
    /// holding one, a directory of directories each holding one (by name: `read_dir_all`), or a
    /// plain `.sql` file of `dialect` (one migration, one step per statement, no down steps).
    pub fn read(path: &Path, dialect: Dialect) -> Result<Vec<MigrationFile>, ApplyError> {
        if path.is_dir() {
            let own = path.join(FILE_NAME);
            if own.is_file() {
                return Ok(vec![read_json(&own)?]);
            }
            return read_dir_all(path);
        }
        if path.extension().and_then(|e| e.to_str()) == Some("sql") {
            return Ok(vec![read_sql(path, dialect)?]);
        }
        Ok(vec![read_json(path)?])
    }
}

fn bad(path: &Path, message: &str) -> ApplyError {
    ApplyError::BadMigration {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

fn read_json(path: &Path) -> Result<MigrationFile, ApplyError> {
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, &e.to_string()))?;
    let m: MigrationFile = serde_json::from_str(&text).map_err(|e| bad(path, &e.to_string()))?;
    if m.format != FORMAT {
        return Err(bad(
            path,
            &format!("format `{}` is not `{FORMAT}`", m.format),
        ));
    }
    if m.id.trim().is_empty() {
        return Err(bad(path, "the migration has no id"));
    }
    if m.up.iter().chain(&m.down).any(|s| s.dialect != m.dialect) {
        return Err(bad(path, "a step's dialect differs from the migration's"));
    }
    Ok(m)
}

/// The migrations of the subdirectories of `dir` that hold a `migration.json`, by directory
/// name (ids made by `make_id` sort by time).
pub fn read_dir_all(dir: &Path) -> Result<Vec<MigrationFile>, ApplyError> {
    let entries = std::fs::read_dir(dir).map_err(|e| bad(dir, &e.to_string()))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join(FILE_NAME).is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(bad(
            dir,
            "no migration.json here nor in any subdirectory (write one with `migrex diff --out DIR`)",
        ));
    }
    dirs.iter().map(|d| read_json(&d.join(FILE_NAME))).collect()
}

/// A plain SQL file: one step per statement; PostgreSQL statements that cannot run in a
/// transaction block (`CONCURRENTLY`, `VACUUM`) run outside one.
fn read_sql(path: &Path, dialect: Dialect) -> Result<MigrationFile, ApplyError> {
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, &e.to_string()))?;
    let statements = migrex_source_sql::split_statements(&text, dialect)
        .map_err(|e| bad(path, &format!("line {}: {}", e.line, e.message)))?;
    let up = statements
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            let upper = s.text.to_ascii_uppercase();
            let outside = dialect == Dialect::Postgres
                && (upper.contains(" CONCURRENTLY ") || upper.trim_start().starts_with("VACUUM"));
            let first_line = s.text.lines().next().unwrap_or_default();
            let mut description: String = first_line.chars().take(70).collect();
            if description.len() < first_line.len() || s.text.contains('\n') {
                description.push_str(" ...");
            }
            RenderedStep {
                step: i + 1,
                description: format!("line {}: {description}", s.line),
                statements: vec![s.text],
                transactional: !outside,
                dialect,
                isolated: false,
                backfill: None,
                data: None,
            }
        })
        .collect();
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("migration")
        .to_string();
    Ok(MigrationFile::new(
        id,
        format!("statements of {}", path.display()),
        dialect,
        up,
        Vec::new(),
    ))
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's algorithm; saves a date-time dependency for one timestamp).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_sort_by_time() {
        assert_eq!(
            MigrationFile::make_id(1_795_549_500, "Add e-mail!"),
            "20261124T194500_add_e_mail"
        );
        assert_eq!(MigrationFile::make_id(0, ""), "19700101T000000");
    }

    #[test]
    fn checksum_changes_with_the_steps() {
        let step = |sql: &str| RenderedStep {
            step: 1,
            description: "d".into(),
            statements: vec![sql.into()],
            transactional: true,
            dialect: Dialect::Sqlite,
            isolated: false,
            backfill: None,
            data: None,
        };
        let a = MigrationFile::new("m", "", Dialect::Sqlite, vec![step("SELECT 1")], vec![]);
        let mut b = a.clone();
        assert_eq!(a.checksum(), b.checksum());
        assert_eq!(a.checksum().len(), 64);
        b.up[0].statements[0] = "SELECT 2".into();
        assert_ne!(a.checksum(), b.checksum());
        let back: MigrationFile = serde_json::from_str(&a.to_json()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn reads_sql_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let sql = dir.path().join("0001_init.sql");
        std::fs::write(
            &sql,
            "CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY ia ON a (id);\n",
        )
        .unwrap();
        let m = MigrationFile::read(&sql, Dialect::Postgres).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].id, "0001_init");
        assert_eq!(m[0].up.len(), 2);
        assert!(m[0].up[0].transactional && !m[0].up[1].transactional);
        let root = dir.path().join("migrations");
        for id in ["0002_b", "0001_a"] {
            MigrationFile::new(id, "", Dialect::Postgres, vec![], vec![])
                .write_to_dir(&root.join(id))
                .unwrap();
        }
        let all = MigrationFile::read(&root, Dialect::Postgres).unwrap();
        let ids: Vec<&str> = all.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["0001_a", "0002_b"]);
        let one = MigrationFile::read(&root.join("0002_b"), Dialect::Postgres).unwrap();
        assert_eq!(one[0].id, "0002_b");
        assert!(MigrationFile::read(dir.path(), Dialect::Postgres).is_err());
    }
}
