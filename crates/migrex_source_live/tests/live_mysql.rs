//! Live MariaDB/MySQL: every fixture under `tests/fixtures/mysql/` loaded into a scratch database
//! and introspected must equal the same file read by the DDL reader.
//!
//! Run with `MIGREX_TEST_MYSQL=mysql://root@127.0.0.1:3306/test cargo test -p migrex_source_live --test live_mysql`.

use migrex_model::{ColumnType, Dialect, Loaded, Schema};
use migrex_test_support::TestDb;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mysql");
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
    assert!(out.len() >= 8, "fixtures missing in {}", dir.display());
    out
}

/// The schema as JSON with every expression replaced by its comparison key, so the diff shows
/// only what `==` sees.
fn keyed_json(s: &Schema) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.len() == 2
                    && let (Some(Value::String(_)), Some(Value::String(key))) =
                        (m.get("sql"), m.get("key"))
                {
                    *v = Value::String(format!("key: {key}"));
                    return;
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(s).expect("json");
    walk(&mut v);
    v
}

/// Every path where two JSON values differ. Maps compare by key (the model's maps are
/// order-insensitive), lists element by element.
fn json_diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
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
        _ if a != b => out.push(format!(
            "{path}:\n    left:  {}\n    right: {}",
            serde_json::to_string_pretty(a).unwrap_or_default(),
            serde_json::to_string_pretty(b).unwrap_or_default()
        )),
        _ => {}
    }
}

/// The differences between two schemas, empty when they are equal.
fn differences(left: &Schema, right: &Schema) -> Vec<String> {
    if left == right {
        return Vec::new();
    }
    let mut diffs = Vec::new();
    json_diff("schema", &keyed_json(left), &keyed_json(right), &mut diffs);
    if diffs.is_empty() {
        diffs.push("schemas differ but their JSON is equal".into());
    }
    diffs
}

fn parse(name: &str, sql: &str) -> Loaded {
    migrex_source_sql::parse(sql, Dialect::Mysql, name)
        .unwrap_or_else(|e| panic!("DDL reader failed on {name}: {e}"))
}

fn introspect(db: &TestDb) -> Loaded {
    db.connect()
        .introspect()
        .unwrap_or_else(|e| panic!("introspection failed: {e}"))
}

#[test]
fn every_fixture_introspects_to_its_ddl() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let Some(db) = TestDb::with_sql(Dialect::Mysql, &sql) else {
            return;
        };
        let file = parse(&name, &sql);
        let live = introspect(&db);
        for w in &file.warnings {
            eprintln!("{name}: DDL warning: {w}");
        }
        for w in &live.warnings {
            eprintln!("{name}: live warning: {w}");
        }
        let diffs = differences(&file.schema, &live.schema);
        if !diffs.is_empty() {
            failures.push(format!(
                "== {name}: DDL (left) != introspected (right)\n{}",
                diffs.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

/// Catalog facts the DDL reader cannot see (sqlparser does not read `WITH CHECK OPTION`), and
/// warnings for objects the model does not hold.
#[test]
fn introspection_reads_check_options_and_warns_about_the_rest() {
    let sql = "CREATE TABLE p (id INT PRIMARY KEY, a INT);
        CREATE VIEW v AS SELECT id, a FROM p WHERE a > 1 WITH CHECK OPTION;
        CREATE VIEW w AS SELECT id FROM v WITH LOCAL CHECK OPTION;
        CREATE TRIGGER p_bi BEFORE INSERT ON p FOR EACH ROW SET NEW.a = 1;
        CREATE PROCEDURE proc1() SELECT 1;
        CREATE TABLE parts (id INT) PARTITION BY HASH (id) PARTITIONS 2;";
    let Some(db) = TestDb::with_sql(Dialect::Mysql, sql) else {
        return;
    };
    let live = introspect(&db);
    let ns = &live.schema.namespaces[""];
    assert_eq!(ns.views["v"].check_option.as_deref(), Some("CASCADED"));
    assert_eq!(ns.views["w"].check_option.as_deref(), Some("LOCAL"));
    assert_eq!(
        ns.views["w"].depends_on,
        vec![migrex_model::QualifiedName::new("", "v")]
    );
    let messages: Vec<String> = live.warnings.iter().map(|w| w.message.clone()).collect();
    for expected in ["p_bi: trigger", "proc1: procedure", "parts: partitioning"] {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "no warning `{expected}` in {messages:#?}"
        );
    }
}

/// MariaDB stores JSON as longtext + utf8mb4_bin + `CHECK (json_valid(col))`; that is read back
/// as JSON, but a longtext with another check stays longtext.
#[test]
fn mariadb_json_reads_back_as_json() {
    let sql = "CREATE TABLE j (a JSON, b LONGTEXT COLLATE utf8mb4_bin CHECK (json_length(b) > 0), c LONGTEXT);";
    let Some(db) = TestDb::with_sql(Dialect::Mysql, sql) else {
        return;
    };
    let live = introspect(&db);
    let t = &live.schema.namespaces[""].tables["j"];
    assert_eq!(t.columns["a"].ty, ColumnType::Json { binary: false });
    assert_eq!(t.columns["a"].collation, None);
    assert!(matches!(t.columns["b"].ty, ColumnType::Text { .. }));
    assert_eq!(t.columns["b"].collation.as_deref(), Some("utf8mb4_bin"));
    assert_eq!(t.checks.len(), 1, "{:?}", t.checks);
    assert_eq!(t.checks[0].name.as_deref(), Some("b"));
}

/// Renders `schema` from empty with the planner and the MySQL renderer.
fn render_from_empty(schema: &Schema) -> String {
    let plan = migrex_diff::plan(
        &Schema::new(Dialect::Mysql),
        schema,
        &migrex_model::Renames::default(),
    );
    let steps =
        migrex_render_sql::render_plan(&plan).unwrap_or_else(|e| panic!("rendering failed: {e}"));
    migrex_render_sql::to_script(&steps)
}

/// The rendering of every fixture's schema, loaded into a fresh database and introspected, gives
/// the schema back.
#[test]
fn every_fixture_renders_back_to_itself() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let Some(db) = TestDb::with_sql(Dialect::Mysql, &sql) else {
            return;
        };
        let live = introspect(&db);
        let script = render_from_empty(&live.schema);
        assert!(
            script.contains("CREATE TABLE"),
            "{name}: nothing rendered:\n{script}"
        );
        eprintln!("-- {name} rendered:\n{script}");
        let Some(fresh) = TestDb::new(Dialect::Mysql) else {
            return;
        };
        if let Err(e) = fresh.connect().execute_script(&script) {
            failures.push(format!("== {name}: rendered script failed: {e}\n{script}"));
            continue;
        }
        let again = introspect(&fresh);
        let diffs = differences(&live.schema, &again.schema);
        if !diffs.is_empty() {
            failures.push(format!(
                "== {name}: introspected (left) != rendered and reloaded (right)\n{}\n-- script:\n{script}",
                diffs.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

/// A migration between two schemas: the planned and rendered ALTER statements, applied to the
/// first schema loaded, introspect to the second (and the reverse plan brings the first back).
#[test]
fn alter_migration_applies_both_ways() {
    let from_sql = "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(10));
        CREATE TABLE t (
          id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
          name VARCHAR(50) NOT NULL DEFAULT 'x',
          old_col INT,
          p_id INT,
          KEY by_name (name),
          CONSTRAINT t_p FOREIGN KEY (p_id) REFERENCES p (id),
          CONSTRAINT pos CHECK (p_id > 0)
        ) ROW_FORMAT=COMPRESSED COMMENT 'before';
        CREATE VIEW v AS SELECT id FROM p;";
    let to_sql =
        "CREATE TABLE p (id INT PRIMARY KEY, code VARCHAR(20) NOT NULL, UNIQUE KEY code (code));
        CREATE TABLE t (
          id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
          name VARCHAR(80) NOT NULL DEFAULT 'y',
          p_id INT,
          created DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3),
          KEY by_name (name, created),
          KEY p_id (p_id),
          CONSTRAINT t_p2 FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE,
          CONSTRAINT pos CHECK (p_id > 1)
        ) COMMENT 'after';
        CREATE VIEW w AS SELECT id, code FROM p;";
    let from = parse("from.sql", from_sql).schema;
    let to = parse("to.sql", to_sql).schema;
    for (name, a, b) in [("up", &from, &to), ("down", &to, &from)] {
        let Some(db) = TestDb::new(Dialect::Mysql) else {
            return;
        };
        let mut conn = db.connect();
        conn.execute_script(&render_from_empty(a))
            .unwrap_or_else(|e| panic!("{name}: loading the start failed: {e}"));
        let plan = migrex_diff::plan(a, b, &migrex_model::Renames::default());
        let steps = migrex_render_sql::render_plan(&plan)
            .unwrap_or_else(|e| panic!("{name}: rendering failed: {e}"));
        let script = migrex_render_sql::to_script(&steps);
        eprintln!("-- {name}:\n{script}");
        assert!(
            script.contains("ALTER TABLE"),
            "{name}: no ALTER in\n{script}"
        );
        conn.execute_script(&script)
            .unwrap_or_else(|e| panic!("{name}: migration failed: {e}\n{script}"));
        let diffs = differences(b, &introspect(&db).schema);
        assert!(
            diffs.is_empty(),
            "{name}: target (left) != migrated (right)\n{}\n-- script:\n{script}",
            diffs.join("\n")
        );
    }
}
