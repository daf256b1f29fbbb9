//! Live PostgreSQL: every fixture under `tests/fixtures/postgres/` loaded into a scratch database
//! and introspected must equal the same file read by the DDL reader; rendering a schema from
//! empty, loading it into a fresh database and introspecting must give the schema back.
//!
//! Run with `MIGREX_TEST_PG=postgres://postgres@127.0.0.1:5432/test cargo test -p migrex_source_live --test live_postgres`.

use migrex_model::{Dialect, Schema};
use migrex_test_support::TestDb;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/postgres");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("read fixture"))
        })
        .collect();
    out.sort();
    assert!(out.len() >= 5, "fixtures missing in {}", dir.display());
    out
}

/// Every path where two JSON values differ, as `path: left != right` lines. Maps are compared
/// by key (the model's maps are order-insensitive), lists element by element.
fn json_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        // An expression: equal when its keys are (the SQL text may differ).
        (Value::Object(x), Value::Object(y)) if x.contains_key("key") && x.contains_key("sql") => {
            let differs = x.get("key") != y.get("key");
            if differs {
                out.push(format!(
                    "{path}:\n    left:  {} (key {})\n    right: {} (key {})",
                    x["sql"],
                    x["key"],
                    y.get("sql").unwrap_or(&Value::Null),
                    y.get("key").unwrap_or(&Value::Null)
                ));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = format!("{path}.{k}");
                match y.get(k) {
                    Some(vb) => json_diff(&p, va, vb, out),
                    None => out.push(format!("{p}: only on the left: {va}")),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    out.push(format!("{path}.{k}: only on the right: {vb}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                json_diff(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ if a != b => out.push(format!("{path}:\n    left:  {a}\n    right: {b}")),
        _ => {}
    }
}

/// Asserts two schemas are equal, printing where they differ. Expressions compare by key, so the
/// JSON diff shows keys and sql; only differences that `==` also sees fail.
#[track_caller]
fn assert_same(what: &str, left_name: &str, left: &Schema, right_name: &str, right: &Schema) {
    if left == right {
        return;
    }
    let a = serde_json::to_value(left).expect("json");
    let b = serde_json::to_value(right).expect("json");
    let mut diffs = Vec::new();
    json_diff("schema", &a, &b, &mut diffs);
    panic!(
        "{what}: {left_name} (left) != {right_name} (right)\n{}\n",
        diffs.join("\n")
    );
}

fn introspect(db: &TestDb) -> migrex_model::Loaded {
    db.connect()
        .introspect()
        .unwrap_or_else(|e| panic!("introspection failed: {e}"))
}

#[test]
fn introspection_equals_ddl_reader() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let Some(db) = TestDb::with_sql(Dialect::Postgres, &sql) else {
            return;
        };
        let live = introspect(&db);
        let ddl = match migrex_source_sql::parse(&sql, Dialect::Postgres, &name) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{name}: DDL reader failed: {e}"));
                continue;
            }
        };
        let r = std::panic::catch_unwind(|| {
            assert_same(&name, "ddl", &ddl.schema, "live", &live.schema)
        });
        if let Err(e) = r {
            failures.push(
                e.downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| format!("{name}: mismatch")),
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unmodeled_objects_are_warned_about() {
    let sql = "
        CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
        CREATE TYPE pair AS (a int, b int);
        CREATE TABLE t (id int PRIMARY KEY, n posint);
        CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
        CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();
        ALTER TABLE t ENABLE ROW LEVEL SECURITY;
        CREATE POLICY p ON t USING (id > 0);
        CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING;
        CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
        CREATE TABLE parted_2024 PARTITION OF parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    ";
    let Some(db) = TestDb::with_sql(Dialect::Postgres, sql) else {
        return;
    };
    let live = introspect(&db);
    let all: Vec<String> = live.warnings.iter().map(ToString::to_string).collect();
    let text = all.join("\n");
    for needle in [
        "domain public.posint",
        "composite type public.pair",
        "function f()",
        "trigger tr on public.t",
        "policy p on public.t",
        "rule r on public.t",
        "partition bound",
        "PARTITION BY RANGE (at)",
    ] {
        assert!(text.contains(needle), "no warning about {needle}:\n{text}");
    }
    let t = live
        .schema
        .table(&migrex_model::QualifiedName::new("public", "t"))
        .expect("table t");
    assert_eq!(
        t.options,
        migrex_model::TableOptions::Postgres(migrex_model::PgTableOptions {
            row_level_security: true,
            ..Default::default()
        })
    );
}

#[test]
fn extension_objects_are_skipped() {
    let Some(db) = TestDb::with_sql(
        Dialect::Postgres,
        "CREATE EXTENSION IF NOT EXISTS citext; CREATE TABLE t (e citext);",
    ) else {
        return;
    };
    let live = introspect(&db);
    let ns = &live.schema.namespaces["public"];
    assert_eq!(ns.tables.len(), 1);
    assert!(ns.functions.is_empty() && ns.enums.is_empty());
    let text: Vec<String> = live.warnings.iter().map(ToString::to_string).collect();
    assert!(
        text.iter().any(|w| w.contains("extension citext")),
        "{text:?}"
    );
    // The extension's own functions are not reported one by one.
    assert!(
        !text.iter().any(|w| w.contains("function citext")),
        "{text:?}"
    );
    let col = &ns.tables["t"].columns["e"];
    assert_eq!(
        col.ty,
        migrex_dialect::parse_type(Dialect::Postgres, "citext")
    );
}

/// The SQL that creates `schema` from an empty database, through the planner and the renderer.
fn render_from_empty(schema: &Schema) -> String {
    let plan = migrex_diff::plan(
        &Schema::new(Dialect::Postgres),
        schema,
        &migrex_model::Renames::default(),
    );
    let steps = migrex_render_sql::render_plan(&plan).unwrap_or_else(|e| panic!("render: {e}"));
    migrex_render_sql::to_script(&steps)
}

#[test]
fn rendered_schema_loads_back_equal() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let Some(db) = TestDb::with_sql(Dialect::Postgres, &sql) else {
            return;
        };
        let mut live = introspect(&db).schema;
        // Known gap: the change vocabulary has no way to set a schema's comment yet.
        for ns in live.namespaces.values_mut() {
            if let Some(c) = ns.comment.take() {
                eprintln!("{name}: not compared: comment `{c}` on schema {}", ns.name);
            }
        }
        let script = render_from_empty(&live);
        let Some(fresh) = TestDb::new(Dialect::Postgres) else {
            return;
        };
        if let Err(e) = fresh.connect().execute_script(&script) {
            failures.push(format!("{name}: rendered script failed: {e}\n{script}"));
            continue;
        }
        let back = introspect(&fresh).schema;
        let r = std::panic::catch_unwind(|| {
            assert_same(&name, "introspected", &live, "rendered and reloaded", &back)
        });
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_else(|| format!("{name}: mismatch"));
            failures.push(format!("{msg}\n--- script ---\n{script}"));
        }
        // The rendered script read back by the DDL reader is the same schema too.
        match migrex_source_sql::parse(&script, Dialect::Postgres, "rendered.sql") {
            Ok(l) => {
                let r = std::panic::catch_unwind(|| {
                    assert_same(
                        &name,
                        "introspected",
                        &live,
                        "rendered then read",
                        &l.schema,
                    )
                });
                if let Err(e) = r {
                    failures.push(
                        e.downcast_ref::<String>()
                            .cloned()
                            .unwrap_or_else(|| format!("{name}: mismatch")),
                    );
                }
            }
            Err(e) => failures.push(format!("{name}: rendered script does not read back: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
