//! Live MariaDB/MySQL: the MySQL-specific column and table features changed by a plan — views,
//! generated columns (VIRTUAL/STORED), ENUM/SET values, AUTO_INCREMENT, `ON UPDATE
//! CURRENT_TIMESTAMP`, engine, charset and collation per table and column, UNSIGNED, FULLTEXT
//! and SPATIAL indexes, table and column comments. For each pair: the DDL read equals the live
//! read, the up plan applied introspects to the target and re-diffs empty, the down plan
//! returns to the start.
//!
//! Run with `MIGREX_TEST_MYSQL=mysql://root@127.0.0.1:3306/test cargo test -p migrex_source_live --test live_mysql_changes`.

use migrex_model::{Dialect, Renames, Schema};
use migrex_render_sql::RenderedStep;
use migrex_test_support::{TestDb, assert_same_schema, plan_and_render, read_ddl};

const A: &str = r#"
CREATE TABLE items (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL COMMENT 'the name',
  price DECIMAL(10,2) UNSIGNED NOT NULL DEFAULT 0,
  qty INT NOT NULL DEFAULT 1,
  total DECIMAL(12,2) AS (price * qty) VIRTUAL,
  total_s DECIMAL(12,2) AS (price * qty) STORED,
  status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new',
  tags SET('a','b','c'),
  notes TEXT CHARACTER SET latin1 COLLATE latin1_bin,
  created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  loc POINT NOT NULL,
  FULLTEXT KEY ft_name (name),
  SPATIAL KEY sp_loc (loc),
  KEY idx_total (total_s)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='items on sale';
CREATE TABLE legacy (id INT NOT NULL PRIMARY KEY, v VARCHAR(10)) ENGINE=MyISAM DEFAULT CHARSET=latin1;
CREATE VIEW paid AS SELECT id, name FROM items WHERE status = 'paid';
"#;

const B: &str = r#"
CREATE TABLE items (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL COMMENT 'what it is called',
  price DECIMAL(10,2) NOT NULL DEFAULT 0,
  qty BIGINT UNSIGNED NOT NULL DEFAULT 1,
  total DECIMAL(12,2) AS (price * qty * 2) VIRTUAL,
  total_s DECIMAL(12,2) AS (price * qty) VIRTUAL,
  status ENUM('new','paid','shipped','cancelled') NOT NULL DEFAULT 'new',
  tags SET('a','b','c','d'),
  notes TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci,
  created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  loc POINT NOT NULL,
  FULLTEXT KEY ft_name_notes (name, notes),
  SPATIAL KEY sp_loc (loc),
  KEY idx_total (total_s)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE legacy (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(10) COLLATE latin1_bin) ENGINE=InnoDB DEFAULT CHARSET=latin1 COMMENT='migrated';
CREATE VIEW paid AS SELECT id, name, qty FROM items WHERE status IN ('paid', 'shipped');
"#;

fn run(db: &TestDb, what: &str, steps: &[RenderedStep]) {
    let mut conn = db.connect();
    for s in steps {
        for stmt in &s.statements {
            conn.execute(stmt)
                .unwrap_or_else(|e| panic!("{what}: step {} failed: {e}\n{stmt}", s.description));
        }
    }
}

/// DDL == live for both versions, then up, re-diff, down on a database loaded with `a`.
fn round_trip(a: &str, b: &str) {
    for (name, sql) in [("a", a), ("b", b)] {
        let Some((_db, live)) = TestDb::introspected(Dialect::Mysql, sql) else {
            eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
            return;
        };
        let file = read_ddl(Dialect::Mysql, sql, name);
        let bad: Vec<String> = file
            .warnings
            .iter()
            .chain(&live.warnings)
            .map(ToString::to_string)
            .collect();
        assert!(bad.is_empty(), "{name}: warnings {bad:#?}");
        assert_same_schema(
            &format!("{name}: DDL (left) vs introspected (right)"),
            &file.schema,
            &live.schema,
        );
    }
    let target = read_ddl(Dialect::Mysql, b, "b").schema;
    let Some(db) = TestDb::with_sql(Dialect::Mysql, a) else {
        return;
    };
    let before = db.introspect().schema;
    run(&db, "up", &plan_and_render(&before, &target).1);
    let after = db.introspect().schema;
    assert_same_schema("after up (left) vs b (right)", &after, &target);
    let again = migrex_diff::plan(&after, &target, &Renames::default());
    assert!(
        again.steps.is_empty(),
        "re-diff after up: {:#?}",
        again
            .steps
            .iter()
            .map(|s| s.change.describe())
            .collect::<Vec<_>>()
    );
    let down = migrex_diff::down(&before, &target, &Renames::default());
    run(
        &db,
        "down",
        &migrex_render_sql::render_plan(&down).expect("down renders"),
    );
    let back: Schema = db.introspect().schema;
    assert_same_schema("after down (left) vs a (right)", &back, &before);
}

#[test]
fn mysql_column_and_table_features_change_and_come_back() {
    round_trip(A, B);
}

/// Enum values removed or reordered, a column made unsigned and back, AUTO_INCREMENT moved.
#[test]
fn enum_reorder_and_auto_increment_moves() {
    round_trip(
        "CREATE TABLE e (id INT NOT NULL AUTO_INCREMENT, k INT NOT NULL, s ENUM('x','y','z') DEFAULT 'y', PRIMARY KEY (id), UNIQUE KEY (k));",
        "CREATE TABLE e (id INT NOT NULL, k INT UNSIGNED NOT NULL AUTO_INCREMENT, s ENUM('z','y') DEFAULT 'y', PRIMARY KEY (id), UNIQUE KEY (k));",
    );
}
