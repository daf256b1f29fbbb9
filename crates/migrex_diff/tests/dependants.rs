//! Views and triggers dropped and created again around a change of what they depend on
//! (`plan/dependants.rs`): the plan's shape, and every invariant of `check_pair` (simulate up and
//! down, re-diff empty).

mod common;

use common::{check_pair, describe, descriptions};
use migrex_model::{
    Dialect, Function, FunctionAttributes, Plan, QualifiedName, Renames, RoutineKind, Schema,
    Trigger, TriggerAction, TriggerEvent, TriggerTiming,
};

fn read(d: Dialect, sql: &str) -> Schema {
    let l = migrex_source_sql::parse(sql, d, "t.sql").unwrap_or_else(|e| panic!("{e}"));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    l.schema
}

fn pair(case: &str, from: &Schema, to: &Schema) -> Plan {
    check_pair(case, from, to, &Renames::default())
}

/// The position of the step described `what`.
fn at(p: &Plan, what: &str) -> usize {
    descriptions(p)
        .iter()
        .position(|d| d == what)
        .unwrap_or_else(|| panic!("no step `{what}` in\n{}", describe(p)))
}

fn count(p: &Plan, what: &str) -> usize {
    descriptions(p).iter().filter(|d| *d == what).count()
}

const SQLITE_SHOP: &str = "
CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, price TEXT, note TEXT);
CREATE TABLE audit (id INTEGER PRIMARY KEY, item_id INTEGER, what TEXT);
CREATE TABLE other (id INTEGER PRIMARY KEY, v TEXT);
CREATE VIEW priced AS SELECT id, name, price FROM item WHERE price IS NOT NULL;
CREATE VIEW cheap AS SELECT id, name FROM priced WHERE price < 10;
CREATE VIEW others AS SELECT id, v FROM other;
CREATE TRIGGER item_ai AFTER INSERT ON item BEGIN
  INSERT INTO audit (item_id, what) VALUES (new.id, 'insert');
END;
CREATE TRIGGER item_bu BEFORE UPDATE OF price ON item WHEN new.price < 0 BEGIN
  SELECT RAISE(ABORT, 'negative price');
END;
CREATE TRIGGER cheap_ii INSTEAD OF INSERT ON cheap BEGIN
  INSERT INTO item (name, price) VALUES (new.name, 1);
END;
CREATE TRIGGER other_ai AFTER INSERT ON other BEGIN
  INSERT INTO audit (item_id, what) VALUES (new.id, 'other');
END;
";

#[test]
fn sqlite_rebuild_recreates_views_over_views_and_the_tables_triggers() {
    let d = Dialect::Sqlite;
    let from = read(d, SQLITE_SHOP);
    // A type change: only the rebuild can do it.
    let to = read(d, &SQLITE_SHOP.replace("price TEXT", "price NUMERIC"));
    let up = pair("sqlite rebuild", &from, &to);
    let rebuild = at(&up, "rebuild table item");
    // Views: readers first, back in dependency order.
    assert!(at(&up, "drop view cheap") < at(&up, "drop view priced"));
    assert!(at(&up, "drop view priced") < rebuild);
    assert!(rebuild < at(&up, "create view priced"));
    assert!(at(&up, "create view priced") < at(&up, "create view cheap"));
    // The table's triggers: dropped before DROP TABLE would take them, created after.
    for t in ["item_ai", "item_bu"] {
        assert!(at(&up, &format!("drop trigger {t} on item")) < rebuild);
        assert!(rebuild < at(&up, &format!("create trigger {t} on item")));
    }
    // The INSTEAD OF trigger goes with its view and comes back after it.
    assert_eq!(
        count(&up, "drop trigger cheap_ii on cheap"),
        0,
        "{}",
        describe(&up)
    );
    assert!(at(&up, "create view cheap") < at(&up, "create trigger cheap_ii on cheap"));
    // Nothing else is touched.
    let all = descriptions(&up);
    assert!(
        !all.iter()
            .any(|s| s.contains("others") || s.contains("other_ai")),
        "{}",
        describe(&up)
    );
    assert_eq!(all.len(), 1 + 4 + 4 + 1, "{}", describe(&up));
}

#[test]
fn sqlite_triggers_the_plan_changes_are_not_doubled() {
    let d = Dialect::Sqlite;
    let from = read(d, SQLITE_SHOP);
    let to = read(
        d,
        &SQLITE_SHOP
            .replace("price TEXT", "price NUMERIC")
            // item_bu changes, item_ai goes, a new trigger comes, cheap_ii changes.
            .replace("WHEN new.price < 0", "WHEN new.price <= 0")
            .replace(
                "CREATE TRIGGER item_ai AFTER INSERT ON item BEGIN",
                "CREATE TRIGGER item_ad AFTER DELETE ON item BEGIN",
            )
            .replace("VALUES (new.id, 'insert')", "VALUES (old.id, 'delete')")
            .replace("VALUES (new.name, 1)", "VALUES (new.name, 2)"),
    );
    let up = pair("sqlite rebuild with trigger changes", &from, &to);
    let rebuild = at(&up, "rebuild table item");
    for (what, n) in [
        ("drop trigger item_ai on item", 1),
        ("drop trigger item_bu on item", 1),
        ("create trigger item_bu on item", 1),
        ("create trigger item_ad on item", 1),
        ("create trigger item_ai on item", 0),
        ("drop trigger cheap_ii on cheap", 0),
        ("create trigger cheap_ii on cheap", 1),
    ] {
        assert_eq!(count(&up, what), n, "{what}\n{}", describe(&up));
    }
    assert!(at(&up, "drop trigger item_ai on item") < rebuild);
    assert!(at(&up, "drop trigger item_bu on item") < rebuild);
    assert!(rebuild < at(&up, "create trigger item_ad on item"));
}

#[test]
fn sqlite_drop_column_in_place_moves_what_names_the_column() {
    let d = Dialect::Sqlite;
    let sql = "
        CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, note TEXT);
        CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
        CREATE VIEW named AS SELECT id, name FROM item;
        CREATE VIEW noted AS SELECT id, note FROM item;
        CREATE TRIGGER item_note AFTER UPDATE OF note ON item BEGIN
          INSERT INTO log (msg) VALUES (new.note);
        END;
        CREATE TRIGGER item_name AFTER UPDATE OF name ON item BEGIN
          INSERT INTO log (msg) VALUES (new.name);
        END;
        CREATE TRIGGER log_ai AFTER INSERT ON log BEGIN
          UPDATE item SET note = NULL WHERE id = new.id;
        END;";
    let from = read(d, sql);
    // `note` goes; the view and triggers naming it are changed by the new schema.
    let to = read(
        d,
        &sql.replace(", note TEXT", "")
            .replace("SELECT id, note FROM item", "SELECT id FROM item")
            .replace("AFTER UPDATE OF note ON item", "AFTER UPDATE ON item")
            .replace("VALUES (new.note)", "VALUES ('updated')")
            .replace("SET note = NULL", "SET name = name"),
    );
    let up = pair("sqlite drop column", &from, &to);
    let drop = at(&up, "drop column item.note");
    for t in [
        "drop trigger item_note on item",
        "drop trigger log_ai on log",
    ] {
        assert!(at(&up, t) < drop, "{t}\n{}", describe(&up));
    }
    assert!(at(&up, "drop view noted") < drop);
    // What does not name the column stays.
    let all = descriptions(&up);
    assert!(
        !all.iter()
            .any(|s| s.contains("item_name") || s.contains("view named")),
        "{}",
        describe(&up)
    );
}

const PG_STACK: &str = "
CREATE TABLE item (id integer PRIMARY KEY, name text, price numeric(10,2), note text);
CREATE VIEW priced AS SELECT id, name, price FROM item WHERE price IS NOT NULL;
CREATE VIEW cheap AS SELECT id, name FROM priced WHERE price < 10;
CREATE MATERIALIZED VIEW price_stats AS SELECT count(*) AS n, max(price) AS top FROM item;
CREATE VIEW names AS SELECT id, name FROM item;
CREATE VIEW everything AS SELECT * FROM item;
";

#[test]
fn postgres_type_change_recreates_the_views_that_read_the_column() {
    let d = Dialect::Postgres;
    let from = read(d, PG_STACK);
    let to = read(
        d,
        &PG_STACK.replace("price numeric(10,2)", "price numeric(12,2)"),
    );
    let up = pair("pg type change", &from, &to);
    let alter = at(&up, "alter column public.item.price");
    for v in ["priced", "cheap", "everything"] {
        assert!(at(&up, &format!("drop view public.{v}")) < alter, "{v}");
        assert!(alter < at(&up, &format!("create view public.{v}")), "{v}");
    }
    assert!(at(&up, "drop view public.cheap") < at(&up, "drop view public.priced"));
    assert!(at(&up, "create view public.priced") < at(&up, "create view public.cheap"));
    assert!(at(&up, "drop materialized view public.price_stats") < alter);
    // `names` does not read price.
    assert!(
        !descriptions(&up).iter().any(|s| s.contains("public.names")),
        "{}",
        describe(&up)
    );
    // Down: the same recreation around the change back.
    let back = migrex_diff::down(&from, &to, &Renames::default());
    assert_eq!(
        count(&back, "drop view public.cheap"),
        1,
        "{}",
        describe(&back)
    );
}

#[test]
fn postgres_drop_column_recreates_only_its_readers() {
    let d = Dialect::Postgres;
    let from = read(d, PG_STACK);
    let to = read(
        d,
        &PG_STACK
            .replace(", note text", "")
            // `everything` reads every column: it keeps reading every column there is.
            .replace("SELECT * FROM item", "SELECT id, name, price FROM item"),
    );
    let up = pair("pg drop column", &from, &to);
    let drop = at(&up, "drop column public.item.note");
    assert!(at(&up, "drop view public.everything") < drop);
    assert_eq!(descriptions(&up).len(), 3, "{}", describe(&up));
}

fn pg_trigger(name: &str, table: &str, of: &[&str], when: Option<&str>) -> Trigger {
    let d = Dialect::Postgres;
    Trigger {
        name: name.into(),
        table: QualifiedName::new("public", table),
        timing: TriggerTiming::Before,
        events: vec![TriggerEvent::Update {
            columns: of.iter().map(|c| c.to_string()).collect(),
        }],
        for_each_row: true,
        when: when.map(|w| migrex_dialect::expr(d, w)),
        action: TriggerAction::Function {
            function: QualifiedName::new("public", "touch"),
            args: vec![],
        },
        constraint: None,
        old_table: None,
        new_table: None,
        order: None,
        comment: None,
    }
}

fn add_pg_triggers(s: &mut Schema, triggers: Vec<Trigger>) {
    let ns = s.namespace_mut("public");
    let f = Function {
        name: "touch".into(),
        kind: RoutineKind::Function,
        args: vec![],
        returns: Some("trigger".into()),
        language: "plpgsql".into(),
        body: migrex_dialect::body(Dialect::Postgres, "BEGIN RETURN NEW; END"),
        attributes: FunctionAttributes::default(),
        comment: None,
        depends_on: vec![],
        aggregate: None,
    };
    ns.functions.insert(f.identity(), f);
    for t in triggers {
        ns.triggers.insert(t.key(), t);
    }
}

#[test]
fn postgres_triggers_naming_a_retyped_column_are_recreated() {
    let d = Dialect::Postgres;
    let sql = "CREATE TABLE item (id integer PRIMARY KEY, name text, price numeric(10,2));
               CREATE VIEW names AS SELECT id, name FROM item;";
    let triggers = || {
        vec![
            pg_trigger("on_price", "item", &["price"], None),
            pg_trigger("when_price", "item", &[], Some("NEW.price > 0")),
            pg_trigger("on_name", "item", &["name"], None),
        ]
    };
    let mut from = read(d, sql);
    add_pg_triggers(&mut from, triggers());
    let mut to = read(d, &sql.replace("numeric(10,2)", "numeric(12,2)"));
    add_pg_triggers(&mut to, triggers());
    let up = pair("pg trigger on retyped column", &from, &to);
    let alter = at(&up, "alter column public.item.price");
    for t in ["on_price", "when_price"] {
        assert!(at(&up, &format!("drop trigger {t} on public.item")) < alter);
        assert!(alter < at(&up, &format!("create trigger {t} on public.item")));
    }
    assert!(
        !descriptions(&up)
            .iter()
            .any(|s| s.contains("on_name") || s.contains("names")),
        "{}",
        describe(&up)
    );
}

#[test]
fn mysql_column_changes_leave_views_alone() {
    let d = Dialect::Mysql;
    let sql = "CREATE TABLE item (id int PRIMARY KEY, name varchar(50), price decimal(10,2));
               CREATE VIEW priced AS SELECT id, name, price FROM item;";
    let from = read(d, sql);
    let to = read(d, &sql.replace("decimal(10,2)", "decimal(12,2)"));
    let up = pair("mysql type change", &from, &to);
    assert_eq!(descriptions(&up), ["alter column item.price"]);
}

#[test]
fn a_recreated_view_keeps_no_stale_trigger_drop() {
    // The plan changes the INSTEAD OF trigger of a view that a rebuild recreates: its drop would
    // run after DROP VIEW took the trigger, so only the new trigger's creation remains.
    let d = Dialect::Sqlite;
    let sql = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT);
               CREATE VIEW v AS SELECT id, a FROM t;
               CREATE TRIGGER v_ii INSTEAD OF INSERT ON v BEGIN INSERT INTO t (a) VALUES (new.a); END;";
    let from = read(d, sql);
    let to = read(
        d,
        &sql.replace("a TEXT", "a TEXT NOT NULL DEFAULT ''")
            .replace("VALUES (new.a)", "VALUES (upper(new.a))"),
    );
    let up = pair("view trigger", &from, &to);
    assert_eq!(
        descriptions(&up),
        [
            "drop view v",
            "rebuild table t",
            "create view v",
            "create trigger v_ii on v"
        ],
        "{}",
        describe(&up)
    );
}

#[test]
fn postgres_enum_recreation_moves_the_views_reading_its_columns() {
    let d = Dialect::Postgres;
    let sql = "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
               CREATE TABLE person (id integer PRIMARY KEY, name text, mood mood);
               CREATE VIEW moods AS SELECT id, mood FROM person;
               CREATE VIEW names AS SELECT id, name FROM person;";
    let from = read(d, sql);
    let to = read(d, &sql.replace("'sad', 'ok', 'happy'", "'sad', 'happy'"));
    let up = pair("pg enum recreation", &from, &to);
    let recreate = at(&up, "recreate enum public.mood with new values");
    assert!(at(&up, "drop view public.moods") < recreate);
    assert!(recreate < at(&up, "create view public.moods"));
    assert!(
        !descriptions(&up).iter().any(|s| s.contains("public.names")),
        "{}",
        describe(&up)
    );
}

/// Many tables, each under a view and a trigger, all changed: recreating their dependants stays
/// fast (SQLite's views record no dependencies, so they are found by name).
#[test]
fn many_dependants_plan_fast() {
    for d in [Dialect::Postgres, Dialect::Sqlite] {
        let n = 3000;
        let mut a = String::new();
        for i in 0..n {
            a.push_str(&format!(
                "CREATE TABLE t{i} (id integer PRIMARY KEY, v integer, w text);\n\
                 CREATE VIEW v{i} AS SELECT id, v FROM t{i};\n"
            ));
            if d == Dialect::Sqlite {
                a.push_str(&format!(
                    "CREATE TRIGGER tr{i} AFTER UPDATE OF v ON t{i} BEGIN SELECT new.v; END;\n"
                ));
            }
        }
        let from = read(d, &a);
        let to = read(d, &a.replace(" v integer", " v bigint"));
        let start = std::time::Instant::now();
        let up = migrex_diff::plan(&from, &to, &Renames::default());
        let took = start.elapsed();
        println!("{d}: {} steps in {took:?}", up.steps.len());
        let per_table = if d == Dialect::Sqlite { 5 } else { 3 };
        assert_eq!(up.steps.len(), n * per_table, "{d}");
        assert!(took.as_secs_f64() < 5.0, "{d}: {took:?}");
    }
}
