//! Live MariaDB/MySQL: triggers, stored routines and partitioned tables.
//! (a) the DDL reader's schema equals the introspection of the same DDL loaded;
//! (b) the plan from an empty database, applied, introspects to the same schema;
//! (c) the plan between two versions (changed bodies, dropped and added triggers, routines with
//!     new signatures, added and dropped partitions, a changed partitioning scheme), applied,
//!     re-diffs empty, and its down plan returns to the first version.
//!
//! Run with `MIGREX_TEST_MYSQL=mysql://root@127.0.0.1:3306/test cargo test -p migrex_source_live --test live_mysql_objects`.

use migrex_model::{Dialect, Loaded, Renames, Schema, TriggerAction};
use migrex_render_sql::RenderedStep;
use migrex_test_support::{TestDb, assert_same_schema, plan_and_render, read_ddl};

const V1: &str = r#"
CREATE TABLE film (
  film_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(255) NOT NULL,
  description TEXT,
  rental_rate DECIMAL(4,2) NOT NULL DEFAULT 4.99,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
);
CREATE TABLE film_text (film_id INT UNSIGNED NOT NULL PRIMARY KEY, title VARCHAR(255), description TEXT);
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(100), at DATETIME);

CREATE TRIGGER ins_film AFTER INSERT ON film FOR EACH ROW BEGIN
    -- keep film_text in step
    INSERT INTO film_text (film_id, title, description)
        VALUES (new.film_id, new.title, new.description);
  END;
CREATE DEFINER=CURRENT_USER TRIGGER upd_film AFTER UPDATE ON film FOR EACH ROW BEGIN
    IF (old.title != new.title) OR (old.description != new.description)
    THEN
        UPDATE film_text
            SET title=new.title, description=new.description
        WHERE film_id=old.film_id;
    END IF;
  END;
CREATE TRIGGER del_film AFTER DELETE ON film FOR EACH ROW
  DELETE FROM film_text WHERE film_id = old.film_id;
CREATE TRIGGER film_bi BEFORE INSERT ON film FOR EACH ROW
  SET NEW.title = TRIM(NEW.title);
CREATE TRIGGER film_bu BEFORE UPDATE ON film FOR EACH ROW
  lbl: BEGIN
    DECLARE n INT DEFAULT 0;
    IF NEW.rental_rate < 0 THEN
      SET NEW.rental_rate = 0;
      LEAVE lbl;
    END IF;
    SET n = CASE WHEN NEW.rental_rate > 10 THEN 1 ELSE 0 END;
    INSERT INTO audit (msg, at) VALUES (CONCAT('rate; ', n), NOW());
  END lbl;

CREATE FUNCTION rate_label(p_rate DECIMAL(4,2), p_prefix VARCHAR(10) CHARSET latin1) RETURNS VARCHAR(40)
    DETERMINISTIC
    NO SQL
    COMMENT 'a label for a rate'
BEGIN
  # the label
  DECLARE v VARCHAR(40);
  SET v = CONCAT(p_prefix, ': ', p_rate);
  RETURN v;
END;
CREATE FUNCTION film_count() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM film);
CREATE PROCEDURE film_stats(IN p_min DECIMAL(4,2), OUT p_count INT, INOUT p_note TEXT)
  READS SQL DATA
  SQL SECURITY INVOKER
proc: BEGIN
  IF p_min IS NULL THEN
    LEAVE proc;
  END IF;
  SELECT COUNT(*) INTO p_count FROM film WHERE rental_rate >= p_min;
  SET p_note = CONCAT(p_note, '; counted');
END;
CREATE PROCEDURE touch_all(IN p_code VARCHAR(5) BINARY, IN p_c CHAR(2) CHARACTER SET ascii COLLATE ascii_bin, p_e ENUM('a','b'))
  MODIFIES SQL DATA UPDATE film SET title = CONCAT(title, p_code, p_c, p_e);

CREATE TABLE sales (
  id INT NOT NULL,
  sold DATE NOT NULL,
  amount DECIMAL(10,2),
  PRIMARY KEY (id, sold)
) PARTITION BY RANGE (YEAR(sold)) (
  PARTITION p2022 VALUES LESS THAN (2023) COMMENT = 'old',
  PARTITION p2023 VALUES LESS THAN (2024)
);
CREATE TABLE regions (
  id INT NOT NULL,
  country VARCHAR(10) NOT NULL,
  PRIMARY KEY (id, country)
) PARTITION BY LIST COLUMNS (country) (
  PARTITION p_am VALUES IN ('US', 'CA', 'MX'),
  PARTITION p_eu VALUES IN ('UK', 'DE')
);
CREATE TABLE sessions (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT) PARTITION BY HASH (id) PARTITIONS 4;
CREATE TABLE messages (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b)) PARTITION BY KEY (a, b);
CREATE TABLE logs (id INT NOT NULL, lvl INT NOT NULL, PRIMARY KEY (id, lvl)) PARTITION BY LINEAR KEY () PARTITIONS 3;
CREATE TABLE ranged (a INT NOT NULL, b DATE NOT NULL) PARTITION BY RANGE COLUMNS (a, b) (
  PARTITION r0 VALUES LESS THAN (10, '2020-01-01'),
  PARTITION r1 VALUES LESS THAN (MAXVALUE, MAXVALUE)
);
CREATE TABLE listed (a INT) PARTITION BY LIST (a) (PARTITION l0 VALUES IN (3, 1, NULL), PARTITION l1 VALUES IN (2));
"#;

/// V1 with: changed trigger and routine bodies, a dropped and an added trigger, a routine with a
/// new signature, a dropped and an added routine, changed routine attributes and comment, added
/// RANGE and LIST partitions, a dropped partition, a changed HASH count, a KEY table made RANGE,
/// and a partitioning removed.
const V2: &str = r#"
CREATE TABLE film (
  film_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(255) NOT NULL,
  description TEXT,
  rental_rate DECIMAL(4,2) NOT NULL DEFAULT 4.99,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
);
CREATE TABLE film_text (film_id INT UNSIGNED NOT NULL PRIMARY KEY, title VARCHAR(255), description TEXT);
CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, msg VARCHAR(100), at DATETIME);

CREATE TRIGGER ins_film AFTER INSERT ON film FOR EACH ROW BEGIN
    INSERT INTO film_text (film_id, title, description)
        VALUES (new.film_id, UPPER(new.title), new.description);
  END;
CREATE TRIGGER upd_film AFTER UPDATE ON film FOR EACH ROW BEGIN
    IF (old.title != new.title) OR (old.description != new.description)
    THEN
        UPDATE film_text
            SET title=new.title, description=new.description
        WHERE film_id=old.film_id;
    END IF;
  END;
CREATE TRIGGER film_bi BEFORE INSERT ON film FOR EACH ROW
  SET NEW.title = UPPER(TRIM(NEW.title));
CREATE TRIGGER audit_bi BEFORE INSERT ON audit FOR EACH ROW
  SET NEW.at = COALESCE(NEW.at, NOW());

CREATE FUNCTION rate_label(p_rate DECIMAL(4,2), p_prefix VARCHAR(10) CHARSET latin1) RETURNS VARCHAR(40)
    NO SQL
    COMMENT 'the label of a rate'
BEGIN
  DECLARE v VARCHAR(40);
  SET v = CONCAT(p_prefix, ' = ', p_rate);
  RETURN v;
END;
CREATE FUNCTION film_count(p_min DECIMAL(4,2)) RETURNS BIGINT READS SQL DATA
  RETURN (SELECT COUNT(*) FROM film WHERE rental_rate >= p_min);
CREATE PROCEDURE film_stats(IN p_min DECIMAL(4,2), OUT p_count INT, INOUT p_note TEXT)
  READS SQL DATA
  SQL SECURITY INVOKER
proc: BEGIN
  IF p_min IS NULL THEN
    LEAVE proc;
  END IF;
  SELECT COUNT(*) INTO p_count FROM film WHERE rental_rate >= p_min;
END;
CREATE PROCEDURE purge_audit(IN p_days INT) MODIFIES SQL DATA
  DELETE FROM audit WHERE at < NOW() - INTERVAL p_days DAY;

CREATE TABLE sales (
  id INT NOT NULL,
  sold DATE NOT NULL,
  amount DECIMAL(10,2),
  PRIMARY KEY (id, sold)
) PARTITION BY RANGE (YEAR(sold)) (
  PARTITION p2022 VALUES LESS THAN (2023) COMMENT = 'old',
  PARTITION p2023 VALUES LESS THAN (2024),
  PARTITION p2024 VALUES LESS THAN (2025),
  PARTITION pmax VALUES LESS THAN MAXVALUE
);
CREATE TABLE regions (
  id INT NOT NULL,
  country VARCHAR(10) NOT NULL,
  PRIMARY KEY (id, country)
) PARTITION BY LIST COLUMNS (country) (
  PARTITION p_am VALUES IN ('US', 'CA', 'MX'),
  PARTITION p_eu VALUES IN ('UK', 'DE'),
  PARTITION p_as VALUES IN ('JP', 'KR')
);
CREATE TABLE sessions (id BIGINT NOT NULL PRIMARY KEY, user_id BIGINT) PARTITION BY HASH (id) PARTITIONS 8;
CREATE TABLE messages (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b)) PARTITION BY RANGE (a) (
  PARTITION m0 VALUES LESS THAN (100), PARTITION m1 VALUES LESS THAN MAXVALUE);
CREATE TABLE logs (id INT NOT NULL, lvl INT NOT NULL, PRIMARY KEY (id, lvl));
CREATE TABLE ranged (a INT NOT NULL, b DATE NOT NULL) PARTITION BY RANGE COLUMNS (a, b) (
  PARTITION r0 VALUES LESS THAN (10, '2020-01-01')
);
CREATE TABLE listed (a INT) PARTITION BY LIST (a) (PARTITION l0 VALUES IN (NULL, 1, 3), PARTITION l1 VALUES IN (2));
"#;

/// Runs rendered steps one statement at a time, as the driver does.
fn run(db: &TestDb, what: &str, steps: &[RenderedStep]) {
    let mut conn = db.connect();
    for s in steps {
        for stmt in &s.statements {
            conn.execute(stmt)
                .unwrap_or_else(|e| panic!("{what}: step {} failed: {e}\n{stmt}", s.description));
        }
    }
}

/// `from` migrated to `to` on `db` by the rendered plan.
fn apply(db: &TestDb, from: &Schema, to: &Schema) {
    run(db, "apply", &plan_and_render(from, to).1);
}

fn no_unmodeled_warnings(what: &str, l: &Loaded) {
    let bad: Vec<String> = l
        .warnings
        .iter()
        .map(ToString::to_string)
        .filter(|w| w.contains("not modeled") || w.contains("not read"))
        .collect();
    assert!(bad.is_empty(), "{what}: {bad:#?}");
}

#[test]
fn ddl_reads_what_the_database_stores() {
    for (name, sql) in [("v1", V1), ("v2", V2)] {
        let Some((_db, live)) = TestDb::introspected(Dialect::Mysql, sql) else {
            eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
            return;
        };
        let file = read_ddl(Dialect::Mysql, sql, name);
        no_unmodeled_warnings(name, &file);
        no_unmodeled_warnings(name, &live);
        assert_same_schema(
            &format!("{name}: DDL (left) vs introspected (right)"),
            &file.schema,
            &live.schema,
        );
        let ns = &live.schema.namespaces[""];
        assert_eq!(ns.triggers.len(), if name == "v1" { 5 } else { 4 });
        assert_eq!(ns.functions.len(), 4);
        assert_eq!(
            ns.tables
                .values()
                .filter(|t| t.partitioning.is_some())
                .count(),
            if name == "v1" { 7 } else { 6 }
        );
    }
}

#[test]
fn plan_from_empty_recreates_everything() {
    let file = read_ddl(Dialect::Mysql, V1, "v1");
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
        return;
    };
    apply(&db, &Schema::new(Dialect::Mysql), &file.schema);
    let live = db.introspect();
    assert_same_schema(
        "rendered from empty (left) vs DDL (right)",
        &live.schema,
        &file.schema,
    );
    // The triggers run: the body came through whole.
    let mut c = db.connect();
    c.execute("INSERT INTO film (title, description) VALUES ('  x  ', 'd')")
        .expect("insert");
    let rows = c
        .query("SELECT title FROM film_text")
        .expect("film_text is filled by ins_film");
    assert_eq!(rows, vec![vec![Some("x".to_string())]]);
}

#[test]
fn plans_between_versions_apply_rediff_empty_and_go_back() {
    let a = read_ddl(Dialect::Mysql, V1, "v1");
    let b = read_ddl(Dialect::Mysql, V2, "v2");
    let Some(db) = TestDb::with_sql(Dialect::Mysql, V1) else {
        eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
        return;
    };
    let before = db.introspect();
    let up = plan_and_render(&before.schema, &b.schema).1;
    let down = migrex_diff::down(&before.schema, &b.schema, &Renames::default());
    let down = migrex_render_sql::render_plan(&down).expect("down renders");
    let statements: Vec<&String> = up.iter().flat_map(|s| &s.statements).collect();
    let has = |needle: &str| statements.iter().any(|s| s.contains(needle));
    // Trailing partitions are added and dropped in place, not by re-partitioning.
    assert!(has("ALTER TABLE `sales` ADD PARTITION"), "{statements:#?}");
    assert!(
        has("ALTER TABLE `regions` ADD PARTITION"),
        "{statements:#?}"
    );
    assert!(
        has("ALTER TABLE `ranged` DROP PARTITION `r1`"),
        "{statements:#?}"
    );
    assert!(
        has("ALTER TABLE `logs` REMOVE PARTITIONING"),
        "{statements:#?}"
    );
    assert!(has("DROP TRIGGER `del_film`"), "{statements:#?}");
    run(&db, "up", &up);
    let after = db.introspect();
    assert_same_schema("after up (left) vs v2 (right)", &after.schema, &b.schema);
    let again = migrex_diff::plan(&after.schema, &b.schema, &Renames::default());
    assert!(
        again.steps.is_empty(),
        "re-diff after up is not empty: {:#?}",
        again
            .steps
            .iter()
            .map(|s| s.change.describe())
            .collect::<Vec<_>>()
    );
    run(&db, "down", &down);
    let back = db.introspect();
    assert_same_schema(
        "after down (left) vs v1 (right)",
        &back.schema,
        &before.schema,
    );
    assert_same_schema(
        "after down (left) vs v1 DDL (right)",
        &back.schema,
        &a.schema,
    );
}

/// Bodies compare by their tokens: a re-indented or commented body is the same body, a changed
/// string literal is not.
#[test]
fn body_layout_is_not_a_change() {
    let sql = "CREATE TABLE t (a INT);\nCREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN\n  SET NEW.a = 1; -- one\nEND;";
    let Some((_db, live)) = TestDb::introspected(Dialect::Mysql, sql) else {
        eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
        return;
    };
    let same = read_ddl(
        Dialect::Mysql,
        "CREATE TABLE t (a INT);\nCREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 1; END;",
        "same",
    );
    assert!(
        migrex_diff::plan(&live.schema, &same.schema, &Renames::default())
            .steps
            .is_empty()
    );
    let other = read_ddl(
        Dialect::Mysql,
        "CREATE TABLE t (a INT);\nCREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN SET NEW.a = 2; END;",
        "other",
    );
    let plan = migrex_diff::plan(&live.schema, &other.schema, &Renames::default());
    assert_eq!(plan.steps.len(), 2, "drop and create the trigger");
    let t = &other.schema.namespaces[""].triggers["t.t_bi"];
    assert!(matches!(&t.action, TriggerAction::Body { body } if body.sql.ends_with("END")));
}

/// A routine's comment alone changes in place (`ALTER FUNCTION ... COMMENT`); a changed return
/// type drops and creates the function under the same name; a trigger moving to another table
/// keeps its name.
#[test]
fn comments_return_types_and_moved_triggers() {
    let a = "CREATE TABLE t (a INT); CREATE TABLE u (a INT);
        CREATE FUNCTION f(x INT) RETURNS INT DETERMINISTIC COMMENT 'one' RETURN x + 1;
        CREATE FUNCTION g() RETURNS INT RETURN 1;
        CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;";
    let b = "CREATE TABLE t (a INT); CREATE TABLE u (a INT);
        CREATE FUNCTION f(x INT) RETURNS INT DETERMINISTIC COMMENT 'two' RETURN x + 1;
        CREATE FUNCTION g() RETURNS BIGINT RETURN 1;
        CREATE TRIGGER trg BEFORE INSERT ON u FOR EACH ROW SET NEW.a = 1;";
    let Some(db) = TestDb::with_sql(Dialect::Mysql, a) else {
        eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
        return;
    };
    let before = db.introspect().schema;
    let target = read_ddl(Dialect::Mysql, b, "b").schema;
    let up = plan_and_render(&before, &target).1;
    let statements: Vec<&String> = up.iter().flat_map(|s| &s.statements).collect();
    assert!(
        statements
            .iter()
            .any(|s| *s == "ALTER FUNCTION `f` COMMENT 'two'"),
        "{statements:#?}"
    );
    assert!(
        !statements
            .iter()
            .any(|s| s.starts_with("DROP FUNCTION `f`")),
        "{statements:#?}"
    );
    run(&db, "up", &up);
    let after = db.introspect().schema;
    assert_same_schema("after up (left) vs b (right)", &after, &target);
    assert!(
        migrex_diff::plan(&after, &target, &Renames::default())
            .steps
            .is_empty()
    );
    let down = migrex_diff::down(&before, &target, &Renames::default());
    run(
        &db,
        "down",
        &migrex_render_sql::render_plan(&down).expect("down renders"),
    );
    assert_same_schema(
        "after down (left) vs a (right)",
        &db.introspect().schema,
        &before,
    );
}

/// MySQL fires a table's triggers of one timing and event in creation order: changing the first
/// one's body creates the ones after it again too, so the order stays.
#[test]
fn trigger_firing_order_is_kept() {
    let triggers = |first: &str| {
        format!(
            "CREATE TABLE t (a INT, log VARCHAR(20) DEFAULT '');
             CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW SET NEW.log = CONCAT(NEW.log, '{first}');
             CREATE TRIGGER t2 BEFORE INSERT ON t FOR EACH ROW SET NEW.log = CONCAT(NEW.log, 'b');
             CREATE TRIGGER t3 BEFORE INSERT ON t FOR EACH ROW SET NEW.log = CONCAT(NEW.log, 'c');
             CREATE TRIGGER t4 AFTER INSERT ON t FOR EACH ROW SET @x = 1;"
        )
    };
    let Some(db) = TestDb::with_sql(Dialect::Mysql, &triggers("a")) else {
        eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
        return;
    };
    let before = db.introspect().schema;
    let target = read_ddl(Dialect::Mysql, &triggers("A"), "target").schema;
    let up = plan_and_render(&before, &target).1;
    run(&db, "up", &up);
    let mut c = db.connect();
    c.execute("INSERT INTO t (a) VALUES (1)").expect("insert");
    let rows = c.query("SELECT log FROM t").expect("select");
    assert_eq!(rows, vec![vec![Some("Abc".to_string())]]);
    let after = db.introspect().schema;
    assert!(
        migrex_diff::plan(&after, &target, &Renames::default())
            .steps
            .is_empty()
    );
    // The AFTER trigger was not touched.
    let statements: Vec<&String> = up.iter().flat_map(|s| &s.statements).collect();
    assert!(
        !statements.iter().any(|s| s.contains("`t4`")),
        "{statements:#?}"
    );
}
