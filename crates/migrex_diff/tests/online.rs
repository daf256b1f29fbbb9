//! Online plans keep the plan invariant: simulating the online up plan from FROM gives TO, and
//! the online down plan from TO gives FROM (PostgreSQL and MySQL; SQLite plans stay plain).

use migrex_diff::{OnlineOptions, canonical, down, online, plan, simulate};
use migrex_model::{Change, Dialect, OnlineOp, Renames, Schema};

fn read(d: Dialect, sql: &str) -> Schema {
    migrex_source_sql::parse(sql, d, "t.sql")
        .unwrap_or_else(|e| panic!("{e}"))
        .schema
}

fn check(d: Dialect, a: &str, b: &str) -> migrex_model::Plan {
    let (from, to) = (read(d, a), read(d, b));
    let opts = OnlineOptions::default();
    let r = Renames::default();
    let up = online(plan(&from, &to, &r), &from, &opts);
    let dn = online(down(&from, &to, &r), &to, &opts);
    let got = simulate(&from, &up).unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(
        canonical(&got),
        canonical(&to),
        "online up does not reach TO"
    );
    let back = simulate(&to, &dn).unwrap_or_else(|e| panic!("down: {e}"));
    assert_eq!(
        canonical(&back),
        canonical(&from),
        "online down does not reach FROM"
    );
    up
}

fn ops(p: &migrex_model::Plan) -> Vec<String> {
    p.steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::Online { operation, .. } => Some(format!("{operation:?}")),
            _ => None,
        })
        .collect()
}

#[test]
fn pg_type_change_with_key_index_and_references() {
    let up = check(
        Dialect::Postgres,
        "CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL CHECK (v >= 0), note text);
         CREATE INDEX t_v_idx ON t (v, note);
         CREATE TABLE c (id integer PRIMARY KEY, t_id integer REFERENCES t (id));",
        "CREATE TABLE t (id bigint PRIMARY KEY, v bigint NOT NULL CHECK (v >= 0), note text);
         CREATE INDEX t_v_idx ON t (v, note);
         CREATE TABLE c (id integer PRIMARY KEY, t_id integer REFERENCES t (id));",
    );
    let o = ops(&up).join("\n");
    assert!(o.contains("Backfill"), "{o}");
    assert!(
        o.contains("AddPrimaryKeyUsingIndex") || o.contains("Group"),
        "{o}"
    );
    assert!(up.steps.iter().any(|s| matches!(
        &s.change,
        Change::Online {
            operation: OnlineOp::Checkpoint { .. },
            ..
        }
    )));
    // Concurrent index builds are outside a transaction.
    for s in &up.steps {
        if let Change::Online {
            operation: OnlineOp::CreateIndex { .. },
            ..
        } = &s.change
        {
            assert!(!s.transactional);
        }
    }
}

#[test]
fn pg_constraints_and_columns() {
    check(
        Dialect::Postgres,
        "CREATE TABLE p (id integer PRIMARY KEY);
         CREATE TABLE t (id integer PRIMARY KEY, v integer, note text);",
        "CREATE TABLE p (id integer PRIMARY KEY);
         CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL UNIQUE REFERENCES p (id),
           note text CHECK (note <> ''), r float8 NOT NULL DEFAULT random(), f boolean NOT NULL DEFAULT false);
         CREATE INDEX t_note_idx ON t (note);",
    );
}

#[test]
fn new_tables_and_sqlite_stay_plain() {
    let up = check(
        Dialect::Postgres,
        "CREATE TABLE a (id integer PRIMARY KEY);",
        "CREATE TABLE a (id integer PRIMARY KEY);
         CREATE TABLE b (id integer PRIMARY KEY, a_id integer REFERENCES a (id));
         CREATE INDEX b_a ON b (a_id);",
    );
    assert!(ops(&up).is_empty(), "{:?}", ops(&up));
    let up = check(
        Dialect::Sqlite,
        "CREATE TABLE a (id integer PRIMARY KEY, v integer);",
        "CREATE TABLE a (id integer PRIMARY KEY, v integer);
         CREATE INDEX a_v ON a (v);",
    );
    assert!(
        up.notes
            .iter()
            .any(|n| n.contains("SQLite has no online DDL"))
    );
}

#[test]
fn mysql_indexes() {
    let up = check(
        Dialect::Mysql,
        "CREATE TABLE t (id int PRIMARY KEY, v int, KEY k_old (v)) ENGINE=InnoDB;",
        "CREATE TABLE t (id int PRIMARY KEY, v int, KEY k_new (id, v)) ENGINE=InnoDB;",
    );
    assert_eq!(ops(&up).len(), 2, "{:?}", ops(&up));
}
