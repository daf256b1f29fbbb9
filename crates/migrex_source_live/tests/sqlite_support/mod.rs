//! Helpers shared by the SQLite live tests (`live_sqlite.rs`, `corpus_sqlite.rs`).

#![allow(dead_code)] // each test file uses a different subset

use migrex_model::{Dialect, Namespace, Schema};
use migrex_source_live::Db;

pub const D: Dialect = Dialect::Sqlite;

/// A readable account of how two schemas differ (`expected` on the left); empty when equal.
/// Stricter than `==` in one way: the columns of a table must also come in the same order (the
/// model's maps compare regardless of order).
pub fn schema_difference(expected: &Schema, actual: &Schema) -> String {
    let no_objects = |s: &Schema| s.namespaces.values().all(Namespace::is_empty);
    // A schema with no objects is the same database whether or not it lists its "" namespace.
    if no_objects(expected) && no_objects(actual) {
        return String::new();
    }
    let mut out = migrex_test_support::schema_differences(expected, actual);
    for (name, x) in expected.tables() {
        if let Some(y) = actual.table(&name)
            && x.columns.keys().ne(y.columns.keys())
        {
            out.push(format!(
                "table {}: column order {:?} vs {:?}",
                name.name,
                x.columns.keys().collect::<Vec<_>>(),
                y.columns.keys().collect::<Vec<_>>()
            ));
        }
    }
    out.join("\n")
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
