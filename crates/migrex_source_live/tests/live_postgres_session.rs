//! Live PostgreSQL: introspection runs its catalog queries over several connections in one
//! exported snapshot (see `postgres/fetch.rs`). These tests check what the caller's connection
//! sees of that: its session settings are used by every connection and come back unchanged, and
//! inside a caller's open transaction the uncommitted changes are read and the transaction is
//! left open.

use migrex_model::{Dialect, QualifiedName};
use migrex_source_live::Db;
use migrex_test_support::{TestDb, first_column};

fn value(db: &mut Db, sql: &str) -> String {
    first_column(db.query(sql).expect(sql))
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// A savepoint can only be set inside a transaction block.
fn in_transaction(db: &mut Db) -> bool {
    let ok = db.execute("SAVEPOINT probe").is_ok();
    if ok {
        db.execute("RELEASE SAVEPOINT probe").expect("release");
    }
    ok
}

fn default_of(loaded: &migrex_model::Loaded, table: &str, column: &str) -> String {
    loaded
        .schema
        .table(&QualifiedName::new("app", table))
        .and_then(|t| t.columns.get(column))
        .and_then(|c| c.default.as_ref())
        .map(|d| d.sql.clone())
        .unwrap_or_else(|| panic!("no default on app.{table}.{column}"))
}

#[test]
fn session_search_path_is_used_and_settings_come_back() {
    let Some(tdb) = TestDb::with_sql(
        Dialect::Postgres,
        "CREATE SCHEMA app; CREATE SEQUENCE app.s; \
         CREATE TABLE app.t (id bigint DEFAULT nextval('app.s'), n int);",
    ) else {
        return;
    };
    let mut db = tdb.connect();
    let jit = value(&mut db, "SHOW jit");
    let plain = db.introspect().expect("introspects");
    assert_eq!(default_of(&plain, "t", "id"), "nextval('app.s'::regclass)");

    // With `app` on the search path PostgreSQL prints the sequence unqualified: every
    // connection of the introspection must use the caller's path.
    db.execute("SET search_path = app, public").expect("set");
    let on_path = db.introspect().expect("introspects");
    assert_eq!(default_of(&on_path, "t", "id"), "nextval('s'::regclass)");
    assert_eq!(value(&mut db, "SHOW search_path"), "app, public");
    assert_eq!(value(&mut db, "SHOW jit"), jit);
    assert!(
        !in_transaction(&mut db),
        "the introspection's transaction is over"
    );
    assert_eq!(
        value(&mut db, "SHOW transaction_read_only"),
        "off",
        "the read-only transaction of the introspection is over"
    );
}

#[test]
fn a_callers_open_transaction_is_read_and_left_open() {
    let Some(tdb) = TestDb::with_sql(Dialect::Postgres, "CREATE TABLE a (id int);") else {
        return;
    };
    let mut db = tdb.connect();
    let jit = value(&mut db, "SHOW jit");
    db.execute("BEGIN").expect("begin");
    db.execute("CREATE TABLE b (id int)").expect("create");
    db.execute("SET LOCAL search_path = pg_catalog, public")
        .expect("set");
    let loaded = db.introspect().expect("introspects");
    let public = QualifiedName::new("public", "b");
    assert!(
        loaded.schema.table(&public).is_some(),
        "the uncommitted table is read"
    );
    assert!(in_transaction(&mut db), "the transaction is open");
    assert_eq!(value(&mut db, "SHOW search_path"), "pg_catalog, public");
    assert_eq!(value(&mut db, "SHOW jit"), jit);
    db.execute("ROLLBACK").expect("rollback");
    let after = db.introspect().expect("introspects");
    assert!(after.schema.table(&public).is_none());
    assert!(
        after
            .schema
            .table(&QualifiedName::new("public", "a"))
            .is_some()
    );
}
