//! Views and triggers around the column changes they block, on the real servers: the planner
//! drops and recreates them (`migrex_diff`'s `plan/dependants.rs`) where the database requires
//! it, and leaves them alone where it does not. Both schemas are read live, so the plan is the
//! one a user comparing two databases gets.
//!
//! Run with `MIGREX_TEST_PG=postgres://postgres@127.0.0.1:5432/test
//! MIGREX_TEST_MYSQL=mysql://root@127.0.0.1:3306/test cargo test -p migrex_source_live --test
//! live_dependants`.

use migrex_model::{Change, Dialect, Loaded, Plan};
use migrex_source_live::Db;
use migrex_test_support::{TestDb, assert_same_schema, introspect, planned_statements};

fn one(db: &mut Db, sql: &str) -> String {
    db.query(sql)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
        .unwrap_or_default()
}

/// The schema `sql` gives on a fresh database of `d` (`None` when the server is not set up).
fn live_schema(d: Dialect, sql: &str) -> Option<Loaded> {
    TestDb::introspected(d, sql).map(|(_db, l)| l)
}

fn kinds(p: &Plan) -> Vec<String> {
    p.steps.iter().map(|s| s.change.describe()).collect()
}

/// Runs a plan's statements; PostgreSQL's in one transaction (every step here is transactional).
fn run(db: &mut Db, d: Dialect, stmts: &[String]) {
    let tx = d == Dialect::Postgres;
    if tx {
        db.execute("BEGIN").expect("begin");
    }
    for s in stmts {
        if let Err(e) = db.execute(s) {
            if tx {
                let _ = db.execute("ROLLBACK");
            }
            panic!("{e}\n  in: {s}\nall:\n{}", stmts.join(";\n"));
        }
    }
    if tx {
        db.execute("COMMIT").expect("commit");
    }
}

const PG_V1: &str = "
CREATE TABLE item (id integer PRIMARY KEY, name text, price numeric(10,2), qty integer);
CREATE VIEW priced AS SELECT id, name, price FROM item WHERE price IS NOT NULL;
CREATE VIEW cheap AS SELECT id, name, price FROM priced WHERE price < 10;
CREATE MATERIALIZED VIEW price_stats AS SELECT count(*) AS n, max(price) AS top FROM item;
CREATE VIEW names AS SELECT id, name FROM item;
CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.qty := coalesce(NEW.qty, 0) + 1;
  RETURN NEW;
END
$$;
CREATE TRIGGER price_change BEFORE UPDATE OF price ON item FOR EACH ROW EXECUTE FUNCTION bump();
CREATE TRIGGER big_price BEFORE INSERT ON item FOR EACH ROW WHEN (NEW.price > 100)
  EXECUTE FUNCTION bump();
CREATE TRIGGER name_change BEFORE UPDATE OF name ON item FOR EACH ROW EXECUTE FUNCTION bump();
";

const PG_ROWS: &str =
    "INSERT INTO item VALUES (1, 'pen', 1.50, 0), (2, 'ink', 12, 0), (3, 'cap', 0.5, 0);";

#[test]
fn postgres_type_change_under_a_two_level_view_stack_and_triggers() {
    let d = Dialect::Postgres;
    let Some(db) = TestDb::with_sql(d, &format!("{PG_V1}{PG_ROWS}")) else {
        return;
    };
    let v2 = PG_V1.replace("price numeric(10,2)", "price numeric(12,3)");
    let Some(b) = live_schema(d, &v2) else { return };
    let mut conn = db.connect();
    let a = introspect(&mut conn);
    // Without the recreation PostgreSQL refuses: prove the premise on this server.
    let err = conn
        .execute("ALTER TABLE item ALTER COLUMN price TYPE numeric(12,3)")
        .expect_err("a view reads price");
    assert!(err.to_string().contains("used by a view or rule"), "{err}");

    let (plan, stmts) = planned_statements(&a.schema, &b.schema);
    let k = kinds(&plan);
    for v in [
        "view public.priced",
        "view public.cheap",
        "materialized view public.price_stats",
    ] {
        assert!(k.contains(&format!("drop {v}")), "{v}: {k:?}");
        assert!(k.contains(&format!("create {v}")), "{v}: {k:?}");
    }
    for t in ["price_change", "big_price"] {
        assert!(
            k.contains(&format!("drop trigger {t} on public.item")),
            "{k:?}"
        );
    }
    assert!(
        !k.iter()
            .any(|s| s.contains("public.names") || s.contains("name_change")),
        "what does not read price stays: {k:?}"
    );
    run(&mut conn, d, &stmts);

    let after = introspect(&mut conn);
    assert_same_schema("after up (left: target)", &b.schema, &after.schema);
    let (again, _) = planned_statements(&after.schema, &b.schema);
    assert!(again.steps.is_empty(), "re-diff: {:?}", kinds(&again));
    assert_eq!(
        one(
            &mut conn,
            "SELECT string_agg(name, ',' ORDER BY id) FROM cheap"
        ),
        "pen,cap"
    );
    assert_eq!(one(&mut conn, "SELECT n FROM price_stats"), "3", "refilled");
    // The recreated triggers fire.
    conn.execute("UPDATE item SET price = 2 WHERE id = 1")
        .expect("update");
    assert_eq!(one(&mut conn, "SELECT qty FROM item WHERE id = 1"), "1");
    conn.execute("INSERT INTO item VALUES (4, 'gold', 500, 0)")
        .expect("insert");
    assert_eq!(one(&mut conn, "SELECT qty FROM item WHERE id = 4"), "1");

    // Down: the same recreation around the change back.
    let (_, down) = planned_statements(&after.schema, &a.schema);
    run(&mut conn, d, &down);
    let back = introspect(&mut conn);
    assert_same_schema("after down (left: source)", &a.schema, &back.schema);
    assert_eq!(
        one(
            &mut conn,
            "SELECT string_agg(name, ',' ORDER BY id) FROM cheap"
        ),
        "pen,cap",
        "the views work after the way back"
    );
}

#[test]
fn postgres_drop_column_read_by_a_view_of_a_view() {
    let d = Dialect::Postgres;
    let v1 = "CREATE TABLE item (id integer PRIMARY KEY, name text, note text);
              CREATE VIEW noted AS SELECT id, name, note FROM item;
              CREATE VIEW named AS SELECT id, name FROM noted;
              CREATE VIEW everything AS SELECT * FROM item;";
    // `named` keeps its definition, but reads `noted`, which changes.
    let v2 = "CREATE TABLE item (id integer PRIMARY KEY, name text);
              CREATE VIEW noted AS SELECT id, name FROM item;
              CREATE VIEW named AS SELECT id, name FROM noted;
              CREATE VIEW everything AS SELECT * FROM item;";
    let Some(db) = TestDb::with_sql(d, v1) else {
        return;
    };
    let Some(b) = live_schema(d, v2) else { return };
    let mut conn = db.connect();
    let a = introspect(&mut conn);
    let (plan, stmts) = planned_statements(&a.schema, &b.schema);
    assert!(
        plan.steps
            .iter()
            .any(|s| matches!(s.change, Change::DropColumn { .. })),
        "{:?}",
        kinds(&plan)
    );
    run(&mut conn, d, &stmts);
    let after = introspect(&mut conn);
    assert_same_schema("after up (left: target)", &b.schema, &after.schema);
    let (_, down) = planned_statements(&after.schema, &a.schema);
    run(&mut conn, d, &down);
    assert_same_schema(
        "after down (left: source)",
        &a.schema,
        &introspect(&mut conn).schema,
    );
}

#[test]
fn mariadb_type_change_under_a_view_applies_without_touching_it() {
    let d = Dialect::Mysql;
    let v1 = "CREATE TABLE item (id int PRIMARY KEY, name varchar(50), price decimal(10,2));
              CREATE VIEW priced AS SELECT id, name, price FROM item WHERE price IS NOT NULL;
              CREATE VIEW cheap AS SELECT id, name FROM priced WHERE price < 10;
              INSERT INTO item VALUES (1, 'pen', 1.50), (2, 'ink', 12);";
    let v2 = v1
        .replace("price decimal(10,2)", "price decimal(14,4)")
        .replace("name varchar(50)", "name varchar(80)");
    let Some(db) = TestDb::with_sql(d, v1) else {
        return;
    };
    let Some(b) = live_schema(d, &v2) else { return };
    let mut conn = db.connect();
    let a = introspect(&mut conn);
    let (plan, stmts) = planned_statements(&a.schema, &b.schema);
    let k = kinds(&plan);
    assert!(!k.iter().any(|s| s.contains("view")), "{k:?}");
    run(&mut conn, d, &stmts);
    let after = introspect(&mut conn);
    assert_same_schema("after up (left: target)", &b.schema, &after.schema);
    let (again, _) = planned_statements(&after.schema, &b.schema);
    assert!(again.steps.is_empty(), "re-diff: {:?}", kinds(&again));
    assert_eq!(one(&mut conn, "SELECT name FROM cheap"), "pen");
    assert_eq!(
        one(
            &mut conn,
            "SELECT CAST(price AS CHAR) FROM priced WHERE id = 1"
        ),
        "1.5000",
        "the view sees the new type"
    );
    let (_, down) = planned_statements(&after.schema, &a.schema);
    run(&mut conn, d, &down);
    assert_same_schema(
        "after down (left: source)",
        &a.schema,
        &introspect(&mut conn).schema,
    );
}

#[test]
fn postgres_enum_recreation_under_a_view() {
    let d = Dialect::Postgres;
    let v1 = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
              CREATE TABLE person (id integer PRIMARY KEY, name text, mood mood DEFAULT 'happy');
              CREATE VIEW moods AS SELECT id, mood FROM person WHERE mood <> 'sad';
              CREATE VIEW happy AS SELECT id FROM moods WHERE mood = 'happy';";
    let rows = "INSERT INTO person VALUES (1, 'a', 'happy'), (2, 'b', 'sad'), (3, 'c', 'happy');";
    // 'ok' goes and the order changes: only a new type can do that. The default goes too: the
    // old default cannot be cast to the new type, so it must be dropped before the conversion.
    let v2 = v1
        .replace("('sad', 'ok', 'happy')", "('happy', 'sad')")
        .replace(" DEFAULT 'happy'", "");
    let Some(db) = TestDb::with_sql(d, &format!("{v1}{rows}")) else {
        return;
    };
    let Some(b) = live_schema(d, &v2) else { return };
    let mut conn = db.connect();
    let a = introspect(&mut conn);
    let (plan, stmts) = planned_statements(&a.schema, &b.schema);
    let k = kinds(&plan);
    assert!(k.contains(&"drop view public.happy".to_string()), "{k:?}");
    run(&mut conn, d, &stmts);
    let after = introspect(&mut conn);
    assert_same_schema("after up (left: target)", &b.schema, &after.schema);
    let (again, _) = planned_statements(&after.schema, &b.schema);
    assert!(again.steps.is_empty(), "re-diff: {:?}", kinds(&again));
    assert_eq!(one(&mut conn, "SELECT count(*) FROM happy"), "2");
}
