//! Live PostgreSQL: `Db::reprint_*` prints hand-written view queries, column defaults and index
//! expressions as the server holds them, leaves nothing behind, and gives up on what it cannot
//! create (a missing table, one locked by another session) instead of failing or waiting.

use migrex_model::Dialect;
use migrex_source_live::{DefaultExpr, IndexExprs, ViewQuery};
use migrex_test_support::{TestDb, first_column};

#[test]
fn prints_as_the_server_holds_and_leaves_nothing() {
    let Some(db) = TestDb::with_sql(
        Dialect::Postgres,
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(50), payload jsonb);",
    ) else {
        return;
    };
    let mut conn = db.connect();
    let views = conn
        .reprint_view_queries(&[
            ViewQuery {
                columns: &[],
                query: "select id from t where name = 'x'",
            },
            ViewQuery {
                columns: &[],
                query: "select id from no_such_table",
            },
        ])
        .expect("views");
    assert_eq!(
        views[0].as_deref().map(str::trim),
        Some("SELECT t.id\n   FROM t\n  WHERE t.name::text = 'x'::text;"),
        "{views:?}"
    );
    assert_eq!(views[1], None);
    let defaults = conn
        .reprint_column_defaults(&[DefaultExpr {
            ty: "interval",
            default: "interval '90' minute",
        }])
        .expect("defaults");
    assert_eq!(defaults, [Some("'01:30:00'::interval".to_string())]);
    let indexes = conn
        .reprint_index_expressions(&[IndexExprs {
            table: "public.t",
            parts: vec!["(lower(name))".into(), "\"id\"".into()],
            method: None,
            predicate: Some("name <> ''"),
        }])
        .expect("indexes");
    let printed = indexes[0].clone().expect("printed");
    assert_eq!(
        printed.parts,
        [Some("lower(name::text)".to_string()), None],
        "{printed:?}"
    );
    assert_eq!(
        printed.predicate.as_deref(),
        Some("(name)::text <> ''::text")
    );
    // Nothing created is left, and the session is usable.
    let temp = first_column(
        conn.query("SELECT count(*)::text FROM pg_class WHERE relname LIKE 'migrex_reprint%'")
            .expect("count"),
    );
    assert_eq!(temp, ["0"]);
}

#[test]
fn a_table_locked_elsewhere_is_not_waited_for() {
    let Some(db) = TestDb::with_sql(Dialect::Postgres, "CREATE TABLE t (id int);") else {
        return;
    };
    let mut holder = db.connect();
    holder
        .execute("BEGIN; LOCK TABLE t IN ACCESS EXCLUSIVE MODE")
        .expect("lock");
    // The lock is let go once the probe is back, or after 15 s: a probe that waited for it
    // fails the time check below instead of hanging the test.
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let release = std::thread::spawn(move || {
        let _ = wait.recv_timeout(std::time::Duration::from_secs(15));
        holder.execute("ROLLBACK").expect("unlock");
    });
    let mut conn = db.connect();
    let started = std::time::Instant::now();
    let views = conn
        .reprint_view_queries(&[ViewQuery {
            columns: &[],
            query: "SELECT id FROM t",
        }])
        .expect("views");
    let waited = started.elapsed();
    let _ = done.send(());
    release.join().expect("release");
    assert_eq!(views, [None]);
    assert!(
        waited < std::time::Duration::from_secs(10),
        "waited {waited:?}"
    );
}
