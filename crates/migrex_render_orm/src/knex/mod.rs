//! Knex migrations (`migrations/<YYYYMMDDHHMMSS>_<name>.js`, or the project's folder and file
//! kind): `exports.up`/`exports.down` (ES modules: `export async function`; TypeScript: typed)
//! that make the plan's changes in order: with the schema builder where it expresses a step
//! exactly ([`builder`]: checked against the Knex reader's model of Knex's SQL), otherwise with
//! the plan's SQL from `migrex_render_sql`, one `knex.raw` per statement. Knex's builder writes
//! its own types and, on SQLite, rebuilds tables from their current definition, so a builder
//! call is only used when every type, default and name round-trips (on MySQL, whose Knex client
//! rewrites columns from what it reads back, only drops, renames of tables and index drops). A
//! plan with a step that cannot run in a transaction sets `exports.config = { transaction: false }`.
//!
//! `convert --to knex` writes one initial migration creating the schema (from the empty schema).

pub mod builder;

use crate::{MigrationInput, OutputFile, WriteError, Writer};
use migrex_model::{Change, Dialect, Plan, Schema, Step};
use migrex_source_orm::{Models, Project};
use std::path::PathBuf;

pub struct KnexWriter;

fn knex_models(p: Option<&Project>) -> Option<&migrex_source_orm::knex::Models> {
    match &p?.models {
        Models::Knex(m) => Some(m),
        _ => None,
    }
}

/// A JavaScript string literal holding `sql` as `knex.raw` must receive it: on PostgreSQL Knex
/// turns every unescaped `?` into a `$n` placeholder, so `?` is written `\?`.
pub fn js_sql(sql: &str, dialect: Dialect) -> String {
    let mut out = String::from("\"");
    for c in sql.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '?' if dialect == Dialect::Postgres => out.push_str("\\\\?"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Knex's `migrate:make` name form: the name as given, spaces as `_`.
fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.trim_matches('_').to_string()
}

/// The body of `up` or `down`: each step's statements as awaited `knex.raw` calls.
fn body(plan: &Plan, indent: &str) -> Result<String, WriteError> {
    let steps = migrex_render_sql::render_plan(plan)?;
    let mut out = String::new();
    for s in &steps {
        out.push_str(&format!(
            "{indent}// {}\n",
            s.description.replace('\n', " ")
        ));
        let change = plan
            .steps
            .iter()
            .find(|p| p.id == s.step)
            .map(|p| &p.change);
        if let Some(code) = change.and_then(|c| builder::step(plan.dialect, c, indent)) {
            out.push_str(&code);
            continue;
        }
        for st in &s.statements {
            let st = st.trim().trim_end_matches(';');
            if st.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "{indent}await knex.raw({});\n",
                js_sql(st, plan.dialect)
            ));
        }
    }
    Ok(out)
}

fn needs_no_transaction(plan: &Plan) -> bool {
    plan.steps.iter().any(|s: &Step| !s.transactional)
}

/// The file kind: `js` (CommonJS), `cjs`, `mjs`/ESM `js`, or `ts`.
struct Kind {
    ext: String,
    esm: bool,
}

fn file(kind: &Kind, header: &str, up: &str, down: &str, no_tx: bool) -> String {
    let mut out = format!("// {header}\n");
    let ts = kind.ext == "ts";
    if ts {
        out.push_str("import type { Knex } from 'knex';\n\n");
    } else {
        out.push('\n');
    }
    let param = if ts { "knex: Knex" } else { "knex" };
    let ret = if ts { ": Promise<void>" } else { "" };
    let esm = kind.esm || ts || kind.ext == "mjs";
    for (name, b) in [("up", up), ("down", down)] {
        if !ts {
            out.push_str("/**\n * @param { import(\"knex\").Knex } knex\n * @returns { Promise<void> }\n */\n");
        }
        if esm {
            out.push_str(&format!(
                "export async function {name}({param}){ret} {{\n{b}}}\n\n"
            ));
        } else {
            out.push_str(&format!(
                "exports.{name} = async function ({param}) {{\n{b}}};\n\n"
            ));
        }
    }
    if no_tx {
        out.push_str("// A step cannot run inside a transaction.\n");
        if esm {
            out.push_str("export const config = { transaction: false };\n");
        } else {
            out.push_str("exports.config = { transaction: false };\n");
        }
    }
    out
}

impl Writer for KnexWriter {
    fn write_migration(&self, input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError> {
        let known = knex_models(input.to_project).or(knex_models(input.from_project));
        let dir: PathBuf = known
            .map(|m| m.migrations_dir.clone())
            .unwrap_or_else(|| PathBuf::from("migrations"));
        let kind = Kind {
            ext: known
                .map(|m| m.extension.clone())
                .unwrap_or_else(|| "js".into()),
            esm: known.is_some_and(|m| m.esm),
        };
        // Knex runs files in name order: the new one sorts after every existing one.
        let abs = input.out_dir.join(&dir);
        let mut ts = crate::prisma::timestamp(input.now);
        let mut existing: Vec<String> = std::fs::read_dir(&abs)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        existing.sort();
        if let Some(last) = existing.last()
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
        let up = body(input.up, "  ")?;
        let down = body(input.down, "  ")?;
        let no_tx = needs_no_transaction(input.up) || needs_no_transaction(input.down);
        Ok(vec![OutputFile {
            path: dir.join(format!("{ts}_{name}.{}", kind.ext)),
            contents: file(&kind, "Written by migrex.", &up, &down, no_tx),
        }])
    }

    fn write_models(&self, schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
        // Knex has no models: the schema is one initial migration creating it, in an order
        // where every referenced table exists first (foreign keys added after the tables).
        let mut up_steps = Vec::new();
        let mut down_steps = Vec::new();
        let mut fks = Vec::new();
        let mut down_fks = Vec::new();
        for (ns_name, ns) in &schema.namespaces {
            for (tname, t) in &ns.tables {
                let name = migrex_model::QualifiedName::new(ns_name.clone(), tname.clone());
                let mut table = t.clone();
                if schema.dialect != Dialect::Sqlite {
                    for fk in table.foreign_keys.drain(..) {
                        down_fks.push(Change::DropForeignKey {
                            table: name.clone(),
                            foreign_key: fk.clone(),
                        });
                        fks.push(Change::AddForeignKey {
                            table: name.clone(),
                            foreign_key: fk,
                        });
                    }
                }
                down_steps.push(Change::DropTable {
                    name: name.clone(),
                    table: t.clone(),
                });
                up_steps.push(Change::CreateTable { name, table });
            }
        }
        up_steps.extend(fks);
        // Down: the foreign keys first, so that no table is dropped while another refers to it.
        down_steps.reverse();
        down_fks.extend(down_steps);
        let down_steps = down_fks;
        let plan = |changes: Vec<Change>| Plan {
            dialect: schema.dialect,
            steps: changes
                .into_iter()
                .enumerate()
                .map(|(i, change)| Step {
                    id: i,
                    change,
                    phase: Default::default(),
                    depends_on: Vec::new(),
                    transactional: true,
                })
                .collect(),
            notes: Vec::new(),
        };
        let kind = Kind {
            ext: "js".into(),
            esm: false,
        };
        let up = body(&plan(up_steps), "  ")?;
        let down = body(&plan(down_steps), "  ")?;
        Ok(vec![OutputFile {
            path: PathBuf::from("migrations/00000000000000_initial.js"),
            contents: file(
                &kind,
                "The initial schema, written by migrex.",
                &up,
                &down,
                false,
            ),
        }])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_strings_are_escaped_for_knex_raw() {
        assert_eq!(
            js_sql("a \"b\" 'c'\n\\", Dialect::Sqlite),
            r#""a \"b\" 'c'\n\\""#
        );
        assert_eq!(js_sql("x ? y", Dialect::Postgres), r#""x \\? y""#);
        assert_eq!(js_sql("x ? y", Dialect::Sqlite), r#""x ? y""#);
        assert_eq!(slug("add user email"), "add_user_email");
    }

    #[test]
    fn module_kinds() {
        let up = "  await knex.raw(\"SELECT 1\");\n";
        let esm = file(
            &Kind {
                ext: "js".into(),
                esm: true,
            },
            "h",
            up,
            "",
            true,
        );
        assert!(
            esm.contains("export async function up(knex) {\n  await knex.raw"),
            "{esm}"
        );
        assert!(
            esm.ends_with("export const config = { transaction: false };\n"),
            "{esm}"
        );
        let ts = file(
            &Kind {
                ext: "ts".into(),
                esm: false,
            },
            "h",
            up,
            "",
            false,
        );
        assert!(ts.contains("import type { Knex } from 'knex';"), "{ts}");
        assert!(
            ts.contains("export async function down(knex: Knex): Promise<void> {"),
            "{ts}"
        );
        assert!(!ts.contains("config"), "{ts}");
        let cjs = file(
            &Kind {
                ext: "cjs".into(),
                esm: false,
            },
            "h",
            up,
            "",
            false,
        );
        assert!(
            cjs.contains("exports.up = async function (knex) {"),
            "{cjs}"
        );
    }
}
