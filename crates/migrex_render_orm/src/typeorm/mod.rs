//! TypeORM migrations (`src/migration/<13-digit ms timestamp>-<Name>.ts`, or the folder the
//! project's data source names) and entity files (`migrex convert --to typeorm`).
//!
//! A migration is a class `<Name><timestamp>` implementing `MigrationInterface` whose `up` and
//! `down` run the plan's SQL (from `migrex_render_sql`) with `queryRunner.query(...)`, which is
//! what TypeORM's own `migration:generate` writes. Steps that cannot run inside a transaction
//! (SQLite table rebuilds, `CREATE INDEX CONCURRENTLY`) go through a small helper in the file
//! that steps out of TypeORM's transaction when it has to (see [`outside_helper`]).

mod models;

use crate::{MigrationInput, OutputFile, WriteError, Writer};
use migrex_model::{Dialect, Schema};
use migrex_render_sql::RenderedStep;
use migrex_source_orm::{Models, Project};
use std::path::PathBuf;

pub use models::entity_files;

pub struct TypeormWriter;

fn typeorm_models(p: Option<&Project>) -> Option<&migrex_source_orm::typeorm::Models> {
    match &p?.models {
        Models::Typeorm(m) => Some(m),
        _ => None,
    }
}

/// The class name TypeORM's CLI derives from a migration name (`camelCase(name, true)`), kept to
/// identifier characters.
pub fn class_name(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Migration");
    }
    out
}

/// A JavaScript template literal holding `s` verbatim.
pub fn template_literal(s: &str) -> String {
    let escaped = s
        .replace('\\', "\\\\")
        .replace('`', "\\`")
        .replace("${", "\\${");
    format!("`{escaped}`")
}

/// The helper a migration with steps that cannot run in a transaction defines (SQLite table
/// rebuilds switch `PRAGMA foreign_keys`, PostgreSQL's `CREATE INDEX CONCURRENTLY`).
///
/// Not `transaction = false`: TypeORM's CLI refuses that override under its default
/// transaction mode "all", and `migration:revert` opens a transaction regardless. Instead the
/// step leaves the transaction TypeORM opened (committing what ran before it) and opens a new one
/// for TypeORM to finish. On SQLite, `migration:run` turns foreign keys off before its
/// transaction, so there the step stays inside it and the run stays atomic; only a revert (run
/// with foreign keys on, its transaction still empty) leaves.
fn outside_helper(dialect: Dialect, js: bool) -> String {
    let sig = if js {
        "async function outsideTransaction(queryRunner, statements) {"
    } else {
        "async function outsideTransaction(queryRunner: QueryRunner, statements: string[]): Promise<void> {"
    };
    let check = if dialect == Dialect::Sqlite {
        "    let leave = queryRunner.isTransactionActive;\n    if (leave) {\n        const [{ foreign_keys }] = await queryRunner.query(\"PRAGMA foreign_keys\");\n        leave = foreign_keys === 1;\n    }\n"
    } else {
        "    const leave = queryRunner.isTransactionActive;\n"
    };
    let why = if dialect == Dialect::Sqlite {
        "SQLite table rebuilds turn PRAGMA foreign_keys off; migration:run already did"
    } else {
        "CREATE INDEX CONCURRENTLY and the like"
    };
    format!(
        "/**\n * Runs statements that cannot run inside a transaction ({why}). TypeORM opens one\n * around migrations (migration:revert always does): step out of it when needed, and open a\n * new one for TypeORM to finish.\n */\n\
         {sig}\n{check}\
         \x20   if (leave) await queryRunner.commitTransaction();\n\
         \x20   for (const sql of statements) await queryRunner.query(sql);\n\
         \x20   if (leave) await queryRunner.startTransaction();\n}}\n\n"
    )
}

fn body(steps: &[RenderedStep], indent: &str) -> String {
    let mut out = String::new();
    for s in steps {
        let statements: Vec<String> = s
            .statements
            .iter()
            .map(|st| st.trim().trim_end_matches(';').trim_end().to_string())
            .filter(|st| !st.is_empty())
            .collect();
        let description = s.description.replace('\n', " ");
        if s.transactional {
            out.push_str(&format!("{indent}// {description}\n"));
            for st in statements {
                out.push_str(&format!(
                    "{indent}await queryRunner.query({});\n",
                    template_literal(&st)
                ));
            }
        } else {
            out.push_str(&format!(
                "{indent}// {description} (outside a transaction)\n{indent}await outsideTransaction(queryRunner, [\n"
            ));
            for st in statements {
                out.push_str(&format!("{indent}    {},\n", template_literal(&st)));
            }
            out.push_str(&format!("{indent}]);\n"));
        }
    }
    out
}

/// The migration file for a class: TypeScript as `migration:generate` writes it, or CommonJS
/// for projects whose migrations are `.js`.
pub fn migration_file(
    class: &str,
    dialect: Dialect,
    up: &[RenderedStep],
    down: &[RenderedStep],
    js: bool,
) -> String {
    let outside = up.iter().chain(down).any(|s| !s.transactional);
    let helper = if outside {
        outside_helper(dialect, js)
    } else {
        String::new()
    };
    let mut out = String::new();
    if js {
        out.push_str("/**\n * @typedef {import('typeorm').MigrationInterface} MigrationInterface\n * @typedef {import('typeorm').QueryRunner} QueryRunner\n */\n\n");
        out.push_str(&helper);
        out.push_str("/** Written by migrex. @implements {MigrationInterface} */\n");
        out.push_str(&format!("module.exports = class {class} {{\n"));
        out.push_str(&format!("    name = '{class}'\n"));
        out.push_str(
            "\n    /** @param {QueryRunner} queryRunner */\n    async up(queryRunner) {\n",
        );
        out.push_str(&body(up, "        "));
        out.push_str(
            "    }\n\n    /** @param {QueryRunner} queryRunner */\n    async down(queryRunner) {\n",
        );
        out.push_str(&body(down, "        "));
        out.push_str("    }\n}\n");
    } else {
        out.push_str("import { MigrationInterface, QueryRunner } from \"typeorm\";\n\n");
        out.push_str(&helper);
        out.push_str("/** Written by migrex. */\n");
        out.push_str(&format!(
            "export class {class} implements MigrationInterface {{\n    name = '{class}'\n"
        ));
        out.push_str("\n    public async up(queryRunner: QueryRunner): Promise<void> {\n");
        out.push_str(&body(up, "        "));
        out.push_str("    }\n\n    public async down(queryRunner: QueryRunner): Promise<void> {\n");
        out.push_str(&body(down, "        "));
        out.push_str("    }\n}\n");
    }
    out
}

impl Writer for TypeormWriter {
    fn write_migration(&self, input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError> {
        let known = typeorm_models(input.to_project).or(typeorm_models(input.from_project));
        let dir: PathBuf = match known {
            Some(m) => m.migrations_dir.clone(),
            None => migrex_source_orm::typeorm::migrations_dir(input.out_dir),
        };
        let (history, ext) = migrex_source_orm::typeorm::history(&input.out_dir.join(&dir));
        let ext = ext
            .or_else(|| known.map(|m| m.extension.clone()))
            .unwrap_or_else(|| "ts".into());
        let js = matches!(ext.as_str(), "js" | "cjs" | "mjs");
        let mut ts = u64::try_from(input.now.max(0)).unwrap_or(0) * 1000;
        // TypeORM runs migrations in timestamp order: the new one must come last.
        if let Some(last) = history
            .migrations
            .last()
            .and_then(|m| migrex_source_orm::typeorm::migration_timestamp(m))
            && last >= ts
        {
            ts = last + 1;
        }
        let name = class_name(input.name.unwrap_or("Migrex"));
        let class = format!("{name}{ts:013}");
        let up = migrex_render_sql::render_plan(input.up)?;
        let down = migrex_render_sql::render_plan(input.down)?;
        Ok(vec![OutputFile {
            path: dir.join(format!("{ts:013}-{name}.{}", if js { "js" } else { "ts" })),
            contents: migration_file(&class, input.up.dialect, &up, &down, js),
        }])
    }

    fn write_models(&self, schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
        entity_files(schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_escapes() {
        assert_eq!(class_name("add user.email!"), "AddUserEmail");
        assert_eq!(class_name("release 2"), "Release2");
        assert_eq!(class_name("2nd"), "Migration2nd");
        assert_eq!(
            template_literal("SELECT `a`, '${x}' \\n"),
            "`SELECT \\`a\\`, '\\${x}' \\\\n`"
        );
    }
}
