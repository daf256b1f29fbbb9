//! Prisma migrations (`prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql` plus
//! `migration_lock.toml`) and schemas (`schema.prisma`).
//!
//! Prisma has no operation DSL: a migration is the SQL to run, which is the plan's SQL from
//! `migrex_render_sql`, grouped under one comment header per step as Prisma's own files are.
//! Prisma migrations are forward-only: the reverse SQL goes to `down.sql` beside, a file Prisma
//! never reads (it only runs `migration.sql`), for `prisma db execute` by hand when rolling back.

mod models;

use crate::{MigrationInput, OutputFile, WriteError, Writer};
use migrex_model::{Change, Dialect, Schema};
use migrex_source_orm::{Models, Project};
use std::path::{Path, PathBuf};

pub use models::schema_prisma;

pub struct PrismaWriter;

/// `YYYYMMDDHHMMSS` (UTC) of a Unix time.
pub fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Prisma's migration name form: lowercase, anything but letters and digits as `_`.
fn slug(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    s.trim_matches('_').chars().take(200).collect()
}

fn prisma_models(p: Option<&Project>) -> Option<&migrex_source_orm::prisma::Models> {
    match &p?.models {
        Models::Prisma(m) => Some(m),
        _ => None,
    }
}

/// The datasource provider Prisma writes for a dialect.
pub fn provider(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "postgresql",
        Dialect::Mysql => "mysql",
        Dialect::Sqlite => "sqlite",
    }
}

/// The comment header Prisma's own migrations put above this kind of change.
fn header(change: &Change) -> Option<&'static str> {
    Some(match change {
        Change::CreateNamespace { .. } => "CreateSchema",
        Change::CreateEnum { .. } => "CreateEnum",
        Change::AddEnumValue { .. } | Change::RecreateEnum { .. } => "AlterEnum",
        Change::DropEnum { .. } => "DropEnum",
        Change::CreateTable { .. } => "CreateTable",
        Change::DropTable { .. } => "DropTable",
        Change::RebuildTable { .. } => "RedefineTables",
        Change::AddColumn { .. }
        | Change::DropColumn { .. }
        | Change::AlterColumn { .. }
        | Change::RenameColumn { .. }
        | Change::AddPrimaryKey { .. }
        | Change::DropPrimaryKey { .. }
        | Change::AddUnique { .. }
        | Change::DropUnique { .. }
        | Change::AddCheck { .. }
        | Change::DropCheck { .. }
        | Change::RenameTable { .. }
        | Change::RenameConstraint { .. } => "AlterTable",
        Change::CreateIndex { .. } => "CreateIndex",
        Change::DropIndex { .. } => "DropIndex",
        Change::RenameIndex { .. } => "RenameIndex",
        Change::AddForeignKey { .. } => "AddForeignKey",
        Change::DropForeignKey { .. } => "DropForeignKey",
        _ => return None,
    })
}

fn script(plan: &migrex_model::Plan, steps: &[migrex_render_sql::RenderedStep]) -> String {
    if steps.is_empty() {
        // What Prisma writes when the schemas do not differ.
        return "-- This is an empty migration.\n".into();
    }
    let mut out = String::new();
    for s in steps {
        let change = plan
            .steps
            .iter()
            .find(|p| p.id == s.step)
            .map(|p| &p.change);
        if let Some(h) = change.and_then(header) {
            out.push_str(&format!("-- {h}\n"));
        }
        out.push_str(&format!(
            "-- migrex: {}\n",
            s.description.replace('\n', " ")
        ));
        for st in &s.statements {
            let st = st.trim_end();
            out.push_str(st);
            if !st.ends_with(';') {
                out.push(';');
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

impl Writer for PrismaWriter {
    fn write_migration(&self, input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError> {
        let to_models = prisma_models(input.to_project);
        let known = to_models.or(prisma_models(input.from_project));
        let dir: PathBuf = known
            .map(|m| m.migrations_dir.clone())
            .unwrap_or_else(|| PathBuf::from("prisma/migrations"));
        let abs = input.out_dir.join(&dir);
        let history = migrex_source_orm::prisma::history(&abs);
        let mut ts = timestamp(input.now);
        // Prisma applies folders in name order: the new one must sort after the last.
        if let Some(last) = history.migrations.last()
            && last.as_str() >= ts.as_str()
        {
            let prefix: String = last.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(n) = prefix.parse::<u64>() {
                ts = format!("{:0width$}", n + 1, width = prefix.len());
            }
        }
        let name = slug(input.name.unwrap_or("migrex"));
        let name = if name.is_empty() {
            "migrex".to_string()
        } else {
            name
        };
        let folder = dir.join(format!("{ts}_{name}"));
        let up = migrex_render_sql::render_plan(input.up)?;
        let down = migrex_render_sql::render_plan(input.down)?;
        let dialect = input.up.dialect;
        let mut files = Vec::new();
        let mut sql = String::from(
            "-- Written by migrex. Prisma migrations run forward only: the reverse SQL is in\n\
             -- down.sql beside this file, which Prisma does not run.\n\n",
        );
        sql.push_str(&script(input.up, &up));
        files.push(OutputFile {
            path: folder.join("migration.sql"),
            contents: sql,
        });
        files.push(OutputFile {
            path: folder.join("down.sql"),
            contents: format!(
                "-- The reverse of migration.sql, written by migrex. Prisma never runs this file:\n\
                 -- to roll back, run it (prisma db execute --file) and then\n\
                 -- prisma migrate resolve --rolled-back {ts}_{name}\n\n{}",
                script(input.down, &down)
            ),
        });
        if !abs.join("migration_lock.toml").exists() {
            let p = known
                .and_then(|m| m.provider.clone())
                .unwrap_or_else(|| provider(dialect).to_string());
            files.push(OutputFile {
                path: dir.join("migration_lock.toml"),
                contents: format!(
                    "# Please do not edit this file manually\n\
                     # It should be added in your version-control system (e.g., Git)\n\
                     provider = \"{p}\"\n"
                ),
            });
        }
        if to_models.is_none() {
            // The target is not a Prisma schema: write the one Prisma needs to match the
            // migrated database. An existing schema.prisma is never overwritten, so then the
            // new schema goes into the migration folder, to be copied over by hand.
            let schema_dir = dir.parent().unwrap_or(Path::new("prisma"));
            let path = if input
                .out_dir
                .join(schema_dir)
                .join("schema.prisma")
                .exists()
            {
                folder.join("schema.prisma")
            } else {
                schema_dir.join("schema.prisma")
            };
            files.push(OutputFile {
                path,
                contents: schema_prisma(input.to)?,
            });
        }
        Ok(files)
    }

    fn write_models(&self, schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
        Ok(vec![OutputFile {
            path: PathBuf::from("prisma/schema.prisma"),
            contents: schema_prisma(schema)?,
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_names() {
        assert_eq!(timestamp(0), "19700101000000");
        assert_eq!(timestamp(1_764_026_096), "20251124231456");
        assert_eq!(slug("Add user.email!"), "add_user_email");
    }
}
