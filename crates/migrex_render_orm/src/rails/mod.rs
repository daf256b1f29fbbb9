//! Rails (Active Record 6.1) migrations and models.
//!
//! A migration is `db/migrate/<YYYYMMDDHHMMSS>_<name>.rb`, numbered after the newest one there
//! (as `next_migration_number` does), its class the CamelCase of the name, unique among the
//! existing ones, `< ActiveRecord::Migration[<the project's version, 6.1 by default>]`. The body
//! is `def change` when the `CommandRecorder` can reverse every statement, else `def up` and
//! `def down` written from the plan and its reverse. Steps Active Record has no statement for
//! are `execute`d as migrex's SQL; data steps run in `reversible` blocks.

mod ops;

use crate::{MigrationInput, OutputFile, WriteError, Writer};
use migrex_model::{Change, Dialect, Plan, Schema};
use migrex_source_orm::rails::{self as rails_src, ArSchema, MigrationFile, inflect, names};
use migrex_source_orm::{Models, Project};
use ops::{Context, Op};
use std::path::PathBuf;

pub use ops::{from_model, ruby_str, sym};

pub struct RailsWriter;

fn rails_models(p: Option<&Project>) -> Option<&rails_src::Models> {
    match &p?.models {
        Models::Rails(m) => Some(m),
        _ => None,
    }
}

/// `Time.now.utc.strftime("%Y%m%d%H%M%S")` of a Unix time.
fn timestamp(secs: i64) -> String {
    let t = crate::Utc::of(secs);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// A migration name from the plan: `create_<table>`, `add_<column>_to_<table>`, or
/// `change_<table>` / `change_schema`.
fn derive_name(plan: &Plan) -> String {
    let changes: Vec<&Change> = plan.steps.iter().map(|s| &s.change).collect();
    match changes.as_slice() {
        [Change::CreateTable { name, .. }, rest @ ..]
            if rest.iter().all(|c| c.table() == Some(name)) =>
        {
            format!("create_{}", name.name)
        }
        [Change::AddColumn { table, column }] => format!("add_{}_to_{}", column.name, table.name),
        _ => {
            let mut tables: Vec<&str> = changes
                .iter()
                .filter_map(|c| c.table().map(|t| t.name.as_str()))
                .collect();
            tables.dedup();
            match tables.as_slice() {
                [one] => format!("change_{one}"),
                _ => "change_schema".into(),
            }
        }
    }
}

fn snake(name: &str) -> String {
    let s = inflect::underscore(name);
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let t = out.trim_matches('_').to_string();
    if t.is_empty() { "migration".into() } else { t }
}

fn indent(code: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    code.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The statements of a plan. Foreign keys are added once every table of the plan exists:
/// on SQLite `add_foreign_key` rebuilds the table and copies its rows, which fails while the
/// referenced table is still missing.
fn plan_ops(ctx: &Context, plan: &Plan, data_reversible: bool) -> Result<Vec<Op>, WriteError> {
    let ops = plan_ops_in_order(ctx, plan, data_reversible)?;
    let last_create = ops
        .iter()
        .rposition(|o| o.code.starts_with("create_table "));
    let Some(last_create) = last_create else {
        return Ok(ops);
    };
    let is_fk = |o: &Op| o.code.starts_with("add_foreign_key ");
    let mut before = Vec::new();
    let mut deferred = Vec::new();
    let mut after = Vec::new();
    for (i, o) in ops.into_iter().enumerate() {
        if i <= last_create && is_fk(&o) {
            deferred.push(o);
        } else if i <= last_create {
            before.push(o);
        } else {
            after.push(o);
        }
    }
    before.extend(deferred);
    before.extend(after);
    Ok(before)
}

fn plan_ops_in_order(
    ctx: &Context,
    plan: &Plan,
    data_reversible: bool,
) -> Result<Vec<Op>, WriteError> {
    // Which keys go inside their `create_table` is known before any step is written.
    for step in &plan.steps {
        if let Change::CreateTable { .. } = &step.change {
            ops::step_ops(ctx, step)?;
        }
    }
    let mut out = Vec::new();
    for step in &plan.steps {
        if let Change::Data { .. } = &step.change {
            let sql = ops::execute(&ops::step_sql(plan.dialect, step)?);
            if data_reversible {
                // A data step has no reverse of its own: going down leaves the rows as they are.
                out.push(Op {
                    code: format!(
                        "reversible do |dir|\n  dir.up do\n{}\n  end\nend",
                        indent(&sql, 4)
                    ),
                    reversible: true,
                    outside_transaction: !step.transactional,
                });
            } else {
                out.push(Op {
                    code: sql,
                    reversible: false,
                    outside_transaction: !step.transactional,
                });
            }
            continue;
        }
        match ops::step_ops(ctx, step)? {
            Some(o) => out.extend(o),
            None => out.push(Op {
                code: ops::execute(&ops::step_sql(plan.dialect, step)?),
                reversible: false,
                outside_transaction: !step.transactional,
            }),
        }
    }
    Ok(out)
}

impl Writer for RailsWriter {
    fn write_migration(&self, input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError> {
        let dialect = input.up.dialect;
        let from = rails_models(input.from_project);
        let to = rails_models(input.to_project);
        let dir = input.out_dir.join("db").join("migrate");
        let existing: Vec<MigrationFile> = if dir.is_dir() {
            rails_src::history::read_migrations(input.out_dir).map_err(|e| WriteError::Io {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?
        } else {
            Vec::new()
        };
        let latest = existing
            .iter()
            .filter_map(|m| m.version.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        let now = timestamp(input.now);
        let next = format!("{:014}", latest + 1);
        let version = if now.len() == next.len() && now > next || now.len() > next.len() {
            now
        } else {
            next
        };
        let base = snake(input.name.unwrap_or(&derive_name(input.up)));
        let taken = |n: &str| {
            existing
                .iter()
                .any(|m| m.name == n || m.class_name == inflect::camelize(n))
        };
        let mut name = base.clone();
        let mut i = 2;
        while taken(&name) {
            name = format!("{base}_{i}");
            i += 1;
        }
        let class = inflect::camelize(&name);
        let ar_version = to
            .and_then(|m| m.migration_version.clone())
            .or_else(|| from.and_then(|m| m.migration_version.clone()))
            .or_else(|| existing.iter().rev().find_map(|m| m.ar_version.clone()))
            .unwrap_or_else(|| "6.1".into());
        let target: Option<&ArSchema> = to.and_then(|m| m.schema_rb.as_ref());
        let source: Option<&ArSchema> = from.and_then(|m| m.schema_rb.as_ref());
        let up_ctx = Context::new(dialect, target, source);
        let down_ctx = Context::new(dialect, source, target);
        let up = plan_ops(&up_ctx, input.up, true)?;
        let all_reversible = up.iter().all(|o| o.reversible);
        let mut body = String::new();
        let outside = up.iter().any(|o| o.outside_transaction);
        if outside {
            body.push_str("  disable_ddl_transaction!\n\n");
        }
        if all_reversible {
            body.push_str("  def change\n");
            body.push_str(&join_ops(&up));
            body.push_str("  end\n");
        } else {
            let up = plan_ops(&up_ctx, input.up, false)?;
            let down = plan_ops(&down_ctx, input.down, false)?;
            body.push_str("  def up\n");
            body.push_str(&join_ops(&up));
            body.push_str("  end\n\n  def down\n");
            body.push_str(&join_ops(&down));
            body.push_str("  end\n");
        }
        let contents =
            format!("class {class} < ActiveRecord::Migration[{ar_version}]\n{body}end\n");
        Ok(vec![OutputFile {
            path: PathBuf::from("db")
                .join("migrate")
                .join(format!("{version}_{name}.rb")),
            contents,
        }])
    }

    fn write_models(&self, schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
        write_models(schema)
    }
}

fn join_ops(ops: &[Op]) -> String {
    if ops.is_empty() {
        return String::new();
    }
    ops.iter()
        .map(|o| indent(&o.code, 4))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// A join table of `has_and_belongs_to_many`: no key, two columns, each a foreign key.
fn join_table(table: &migrex_model::Table) -> Option<(String, String)> {
    if table.primary_key.is_some() || table.columns.len() != 2 || table.foreign_keys.len() != 2 {
        return None;
    }
    let a = &table.foreign_keys[0];
    let b = &table.foreign_keys[1];
    if a.columns.len() != 1 || b.columns.len() != 1 {
        return None;
    }
    Some((a.ref_table.name.clone(), b.ref_table.name.clone()))
}

/// `app/models/*.rb` and `db/schema.rb` for a schema.
pub fn write_models(schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
    let dialect = schema.dialect;
    let mut files = vec![OutputFile {
        path: PathBuf::from("app/models/application_record.rb"),
        contents:
            "class ApplicationRecord < ActiveRecord::Base\n  self.abstract_class = true\nend\n"
                .into(),
    }];
    let tables: Vec<(String, &migrex_model::Table)> =
        schema.tables().map(|(q, t)| (q.name.clone(), t)).collect();
    let class_of = |t: &str| inflect::classify(t);
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    for (name, table) in &tables {
        if join_table(table).is_some() {
            continue;
        }
        let mut body = Vec::new();
        let class = class_of(name);
        if inflect::tableize(&class) != *name {
            body.push(format!("self.table_name = {}", ruby_str(name)));
        }
        if let Some(pk) = &table.primary_key
            && pk.columns.len() == 1
            && pk.columns[0] != "id"
        {
            body.push(format!("self.primary_key = {}", ruby_str(&pk.columns[0])));
        }
        for fk in &table.foreign_keys {
            let [col] = fk.columns.as_slice() else {
                continue;
            };
            let target = class_of(&fk.ref_table.name);
            let assoc = match col.strip_suffix("_id") {
                Some(a) => a.to_string(),
                None => inflect::singularize(&fk.ref_table.name),
            };
            let mut a = vec![sym(&assoc)];
            if inflect::camelize(&assoc) != target {
                a.push(format!("class_name: {}", ruby_str(&target)));
            }
            if *col != format!("{assoc}_id") {
                a.push(format!("foreign_key: {}", ruby_str(col)));
            }
            if table.column(col).is_some_and(|c| c.nullable) {
                a.push("optional: true".into());
            }
            body.push(format!("belongs_to {}", a.join(", ")));
        }
        // `<name>_type` + `<name>_id` without a foreign key: a polymorphic belongs_to.
        for c in table.columns.values() {
            let Some(assoc) = c.name.strip_suffix("_type") else {
                continue;
            };
            let id = format!("{assoc}_id");
            let keyed = table.foreign_keys.iter().any(|f| f.columns == [id.clone()]);
            if table.column(&id).is_some() && !keyed && !assoc.is_empty() {
                let mut a = vec![sym(assoc), "polymorphic: true".to_string()];
                if c.nullable {
                    a.push("optional: true".into());
                }
                body.push(format!("belongs_to {}", a.join(", ")));
            }
        }
        // has_many / habtm from the other side.
        for (other_name, other) in &tables {
            if let Some((x, y)) = join_table(other) {
                let partner = if x == *name {
                    Some(y)
                } else if y == *name {
                    Some(x)
                } else {
                    None
                };
                if let Some(p) = partner {
                    let mut a = vec![sym(&p)];
                    if names::join_table_name(name, &p) != *other_name {
                        a.push(format!("join_table: {}", ruby_str(other_name)));
                    }
                    if inflect::classify(&p) != class_of(&p) {
                        a.push(format!("class_name: {}", ruby_str(&class_of(&p))));
                    }
                    body.push(format!("has_and_belongs_to_many {}", a.join(", ")));
                }
                continue;
            }
            for fk in &other.foreign_keys {
                if fk.ref_table.name != *name || fk.columns.len() != 1 {
                    continue;
                }
                let mut a = vec![sym(other_name)];
                let default_fk = format!("{}_id", inflect::underscore(&class));
                if fk.columns[0] != default_fk {
                    a.push(format!("foreign_key: {}", ruby_str(&fk.columns[0])));
                }
                if inflect::classify(other_name) != class_of(other_name) {
                    a.push(format!("class_name: {}", ruby_str(&class_of(other_name))));
                }
                body.push(format!("has_many {}", a.join(", ")));
            }
        }
        lines.push((class, body));
    }
    for (class, body) in lines {
        let mut s = format!("class {class} < ApplicationRecord\n");
        for b in body {
            s.push_str(&format!("  {b}\n"));
        }
        s.push_str("end\n");
        files.push(OutputFile {
            path: PathBuf::from("app/models").join(format!("{}.rb", inflect::underscore(&class))),
            contents: s,
        });
    }
    files.push(OutputFile {
        path: PathBuf::from("db/schema.rb"),
        contents: schema_rb(schema, dialect)?,
    });
    Ok(files)
}

/// A `db/schema.rb` describing `schema`: tables with their columns, indexes and checks, then
/// the foreign keys (as the dumper orders them).
fn schema_rb(schema: &Schema, dialect: Dialect) -> Result<String, WriteError> {
    let ctx = Context::new(dialect, None, None);
    let mut out = String::from("ActiveRecord::Schema.define(version: 0) do\n");
    if dialect == Dialect::Postgres {
        for ext in schema.extensions.keys() {
            out.push_str(&format!("  enable_extension {}\n", ruby_str(ext)));
        }
    }
    let mut fks = Vec::new();
    for (q, table) in schema.tables() {
        let mut t = table.clone();
        fks.extend(t.foreign_keys.drain(..).map(|f| (q.clone(), f)));
        let step = migrex_model::Step {
            id: 0,
            change: Change::CreateTable {
                name: q.clone(),
                table: t,
            },
            phase: migrex_model::Phase::Expand,
            depends_on: Vec::new(),
            transactional: true,
        };
        if let Some(ops) = ops::step_ops(&ctx, &step)? {
            for o in ops {
                out.push('\n');
                out.push_str(&indent(&o.code, 2));
                out.push('\n');
            }
        }
    }
    out.push('\n');
    for (q, fk) in fks {
        let step = migrex_model::Step {
            id: 0,
            change: Change::AddForeignKey {
                table: q,
                foreign_key: fk,
            },
            phase: migrex_model::Phase::Expand,
            depends_on: Vec::new(),
            transactional: true,
        };
        if let Some(ops) = ops::step_ops(&ctx, &step)? {
            for o in ops {
                out.push_str(&indent(&o.code, 2));
                out.push('\n');
            }
        }
    }
    out.push_str("end\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_as_rails_writes_them() {
        assert_eq!(timestamp(0), "19700101000000");
        assert_eq!(timestamp(1_711_965_600), "20240401100000");
        assert_eq!(snake("AddSlugToPosts"), "add_slug_to_posts");
    }
}
