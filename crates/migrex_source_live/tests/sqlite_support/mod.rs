//! Helpers shared by the SQLite live tests (`live_sqlite.rs`, `corpus_sqlite.rs`).

#![allow(dead_code)] // each test file uses a different subset

use migrex_model::{Dialect, Loaded, Plan, Renames, Schema};
use migrex_source_live::Db;

pub const D: Dialect = Dialect::Sqlite;

/// Pretty JSON of any model value (a macro: serde itself is not a dependency of this crate).
macro_rules! json {
    ($v:expr) => {
        serde_json::to_string_pretty(&$v).unwrap_or_else(|e| format!("<unserializable: {e}>"))
    };
}

/// A readable account of how two schemas differ, object by object; empty when equal.
pub fn schema_difference(expected: &Schema, actual: &Schema) -> String {
    let mut out = String::new();
    let ns = D.default_namespace();
    let empty = migrex_model::Namespace::default();
    let e = expected.namespaces.get(ns).unwrap_or(&empty);
    let a = actual.namespaces.get(ns).unwrap_or(&empty);
    let mut names: Vec<&String> = e.tables.keys().collect();
    names.extend(a.tables.keys().filter(|k| !e.tables.contains_key(*k)));
    for n in names {
        let (x, y) = (e.tables.get(n), a.tables.get(n));
        if x != y {
            out.push_str(&format!(
                "table {n}:\n--- expected\n{}\n--- actual\n{}\n",
                json!(x),
                json!(y)
            ));
        } else if let (Some(x), Some(y)) = (x, y)
            && x.columns.keys().ne(y.columns.keys())
        {
            out.push_str(&format!(
                "table {n}: column order {:?} vs {:?}\n",
                x.columns.keys().collect::<Vec<_>>(),
                y.columns.keys().collect::<Vec<_>>()
            ));
        }
    }
    let mut views: Vec<&String> = e.views.keys().collect();
    views.extend(a.views.keys().filter(|k| !e.views.contains_key(*k)));
    for n in views {
        let (x, y) = (e.views.get(n), a.views.get(n));
        if x != y {
            out.push_str(&format!(
                "view {n}:\n--- expected\n{}\n--- actual\n{}\n",
                json!(x),
                json!(y)
            ));
        }
    }
    let is_empty = |s: &Schema| s.namespaces.values().all(|n| n.is_empty());
    if out.is_empty() && expected != actual && !(is_empty(expected) && is_empty(actual)) {
        out = format!(
            "schemas differ outside the default namespace:\n{}\nvs\n{}",
            json!(expected),
            json!(actual)
        );
    }
    out
}

pub fn introspect(db: &mut Db) -> Loaded {
    db.introspect()
        .unwrap_or_else(|e| panic!("introspection failed: {e}"))
}

/// The planner's migration from `from` to `to`, rendered for SQLite.
pub fn planned_statements(from: &Schema, to: &Schema) -> (Plan, Vec<String>) {
    let plan = migrex_diff::plan(from, to, &Renames::default());
    let steps = migrex_render_sql::render_plan(&plan)
        .unwrap_or_else(|e| panic!("render failed: {e}\nplan: {}", json!(plan)));
    let stmts = steps.into_iter().flat_map(|s| s.statements).collect();
    (plan, stmts)
}

/// Runs statements the way `migrex_apply` runs a SQLite plan: foreign key enforcement off
/// around one transaction, `PRAGMA foreign_key_check` before the commit.
pub fn apply(db: &mut Db, stmts: &[String]) -> Result<(), String> {
    db.execute("PRAGMA foreign_keys = OFF")
        .map_err(|e| e.to_string())?;
    let result = (|| {
        db.execute("BEGIN").map_err(|e| e.to_string())?;
        for s in stmts {
            if let Err(e) = db.execute(s) {
                let _ = db.execute("ROLLBACK");
                return Err(format!("{e}\n  in: {s}"));
            }
        }
        let violations = db
            .query("PRAGMA foreign_key_check")
            .map_err(|e| e.to_string())?;
        if !violations.is_empty() {
            let _ = db.execute("ROLLBACK");
            return Err(format!("foreign key violations: {violations:?}"));
        }
        db.execute("COMMIT").map(|_| ()).map_err(|e| e.to_string())
    })();
    db.execute("PRAGMA foreign_keys = ON")
        .map_err(|e| e.to_string())?;
    result
}
