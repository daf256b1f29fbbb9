//! Live MariaDB/MySQL: every fixture under `tests/fixtures/mysql/` loaded into a scratch database
//! and introspected must equal the same file read by the DDL reader.
//!
//! Run with `MIGREX_TEST_MYSQL=mysql://root@127.0.0.1:3306/test cargo test -p migrex_source_live --test live_mysql`.

use migrex_model::{ColumnType, Dialect};
use migrex_test_support::{
    TestDb, load_and_introspect, migration_script, read_ddl, schema_mismatch, script_from_empty,
    sql_fixtures,
};
use std::path::Path;

fn fixtures() -> Vec<(String, String)> {
    let files = sql_fixtures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mysql"));
    assert!(files.len() >= 8, "fixtures missing in tests/fixtures/mysql");
    files
}

#[test]
fn every_fixture_introspects_to_its_ddl() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let Some((_db, live)) = TestDb::introspected(Dialect::Mysql, &sql) else {
            return;
        };
        let file = read_ddl(Dialect::Mysql, &sql, &name);
        for w in &file.warnings {
            eprintln!("{name}: DDL warning: {w}");
        }
        for w in &live.warnings {
            eprintln!("{name}: live warning: {w}");
        }
        failures.extend(schema_mismatch(
            &format!("== {name}: DDL (left) != introspected (right)"),
            &file.schema,
            &live.schema,
        ));
    }
    assert!(failures.is_empty(), "\n{}\n", failures.join("\n\n"));
}

/// Catalog facts the DDL reader cannot see (sqlparser does not read `WITH CHECK OPTION`), and
/// warnings for objects the model does not hold (events).
#[test]
fn introspection_reads_check_options_and_warns_about_the_rest() {
    let sql = "CREATE TABLE p (id INT PRIMARY KEY, a INT);
        CREATE VIEW v AS SELECT id, a FROM p WHERE a > 1 WITH CHECK OPTION;
        CREATE VIEW w AS SELECT id FROM v WITH LOCAL CHECK OPTION;
        CREATE TRIGGER p_bi BEFORE INSERT ON p FOR EACH ROW SET NEW.a = 1;
        CREATE PROCEDURE proc1() SELECT 1;
        CREATE TABLE parts (id INT) PARTITION BY HASH (id) PARTITIONS 2;
        CREATE EVENT ev1 ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM p;";
    let Some(db) = TestDb::with_sql(Dialect::Mysql, sql) else {
        return;
    };
    let live = db.introspect();
    let ns = &live.schema.namespaces[""];
    assert_eq!(ns.views["v"].check_option.as_deref(), Some("CASCADED"));
    assert_eq!(ns.views["w"].check_option.as_deref(), Some("LOCAL"));
    assert_eq!(
        ns.views["w"].depends_on,
        vec![migrex_model::QualifiedName::new("", "v")]
    );
    let messages: Vec<String> = live.warnings.iter().map(|w| w.message.clone()).collect();
    assert!(ns.triggers.contains_key("p.p_bi"));
    assert!(ns.functions.contains_key("proc1()"));
    assert!(ns.tables["parts"].partitioning.is_some());
    // Events are not modeled: the one in the fixture is warned about.
    assert!(
        messages.iter().any(|m| m.starts_with("ev1: event")),
        "no warning `ev1: event` in {messages:#?}"
    );
}

/// MariaDB stores JSON as longtext + utf8mb4_bin + `CHECK (json_valid(col))`; that is read back
/// as JSON, but a longtext with another check stays longtext.
#[test]
fn mariadb_json_reads_back_as_json() {
    let sql = "CREATE TABLE j (a JSON, b LONGTEXT COLLATE utf8mb4_bin CHECK (json_length(b) > 0), c LONGTEXT);";
    let Some(db) = TestDb::with_sql(Dialect::Mysql, sql) else {
        return;
    };
    let live = db.introspect();
    let t = &live.schema.namespaces[""].tables["j"];
    assert_eq!(t.columns["a"].ty, ColumnType::Json { binary: false });
    assert_eq!(t.columns["a"].collation, None);
    assert!(matches!(t.columns["b"].ty, ColumnType::Text { .. }));
    assert_eq!(t.columns["b"].collation.as_deref(), Some("utf8mb4_bin"));
    assert_eq!(t.checks.len(), 1, "{:?}", t.checks);
    assert_eq!(t.checks[0].name.as_deref(), Some("b"));
}

/// The rendering of every fixture's schema, loaded into a fresh database and introspected, gives
/// the schema back.
#[test]
fn every_fixture_renders_back_to_itself() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let Some((_db, live)) = TestDb::introspected(Dialect::Mysql, &sql) else {
            return;
        };
        let script = script_from_empty(&live.schema);
        assert!(
            script.contains("CREATE TABLE"),
            "{name}: nothing rendered:\n{script}"
        );
        eprintln!("-- {name} rendered:\n{script}");
        let Some(reloaded) = load_and_introspect(Dialect::Mysql, &script) else {
            return;
        };
        let again = match reloaded {
            Ok(again) => again,
            Err(e) => {
                failures.push(format!("== {name}: rendered script failed: {e}\n{script}"));
                continue;
            }
        };
        let what = format!("== {name}: introspected (left) != rendered and reloaded (right)");
        if let Some(m) = schema_mismatch(&what, &live.schema, &again.schema) {
            failures.push(format!("{m}\n-- script:\n{script}"));
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
    let from = read_ddl(Dialect::Mysql, from_sql, "from.sql").schema;
    let to = read_ddl(Dialect::Mysql, to_sql, "to.sql").schema;
    for (name, a, b) in [("up", &from, &to), ("down", &to, &from)] {
        let Some(db) = TestDb::new(Dialect::Mysql) else {
            return;
        };
        let mut conn = db.connect();
        conn.execute_script(&script_from_empty(a))
            .unwrap_or_else(|e| panic!("{name}: loading the start failed: {e}"));
        let script = migration_script(a, b);
        eprintln!("-- {name}:\n{script}");
        assert!(
            script.contains("ALTER TABLE"),
            "{name}: no ALTER in\n{script}"
        );
        conn.execute_script(&script)
            .unwrap_or_else(|e| panic!("{name}: migration failed: {e}\n{script}"));
        if let Some(m) = schema_mismatch(
            &format!("{name}: target (left) != migrated (right)"),
            b,
            &db.introspect().schema,
        ) {
            panic!("{m}\n-- script:\n{script}");
        }
    }
}
