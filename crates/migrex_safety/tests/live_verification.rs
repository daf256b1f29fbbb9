//! The verification query of each step on the real databases: after the up migration every
//! step's query returns true, after the down migration (from the up state) false.

use migrex_model::{Dialect, Renames};
use migrex_safety::verification_query;
use migrex_test_support::{TestDb, read_ddl};

fn truthy(v: Option<String>) -> bool {
    matches!(v.as_deref(), Some("1" | "t" | "true"))
}

fn check(dialect: Dialect, from_sql: &str, to_sql: &str, min_checked: usize) {
    let Some(db) = TestDb::with_sql(dialect, from_sql) else {
        return;
    };
    let from = read_ddl(dialect, from_sql, "from.sql").schema;
    let to = read_ddl(dialect, to_sql, "to.sql").schema;
    let renames = Renames::default();
    let up = migrex_diff::plan(&from, &to, &renames);
    let down = migrex_diff::down(&from, &to, &renames);
    let up_sql = migrex_render_sql::render_plan(&up).expect("render up");
    let down_sql = migrex_render_sql::render_plan(&down).expect("render down");
    let mut conn = db.connect();
    let queries: Vec<(String, String)> = up
        .steps
        .iter()
        .filter_map(|s| verification_query(&s.change, dialect).map(|q| (s.change.describe(), q)))
        .collect();
    assert!(
        queries.len() >= min_checked,
        "{dialect}: only {} of {} steps have a verification query",
        queries.len(),
        up.steps.len()
    );
    let eval = |conn: &mut migrex_source_live::Db, q: &str| {
        let rows = conn
            .query(q)
            .unwrap_or_else(|e| panic!("{dialect}: verification query failed: {e}\n{q}"));
        truthy(
            rows.into_iter()
                .next()
                .and_then(|r| r.into_iter().next().flatten()),
        )
    };
    for (what, q) in &queries {
        assert!(
            !eval(&mut conn, q),
            "{dialect}: before up, {what} is already true: {q}"
        );
    }
    for step in &up_sql {
        for stmt in &step.statements {
            conn.execute(stmt)
                .unwrap_or_else(|e| panic!("{dialect}: up failed: {e}"));
        }
    }
    for (what, q) in &queries {
        assert!(
            eval(&mut conn, q),
            "{dialect}: after up, {what} is false: {q}"
        );
    }
    for step in &down_sql {
        for stmt in &step.statements {
            conn.execute(stmt)
                .unwrap_or_else(|e| panic!("{dialect}: down failed: {e}"));
        }
    }
    for (what, q) in &queries {
        assert!(
            !eval(&mut conn, q),
            "{dialect}: after down, {what} is still true: {q}"
        );
    }
}

#[test]
fn postgres_verification_queries() {
    check(
        Dialect::Postgres,
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(50), age int);
         CREATE TABLE old_t (id int);
         CREATE INDEX users_age_idx ON users (age);
         CREATE TYPE mood AS ENUM ('a');",
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(100) NOT NULL, email text, age int);
         CREATE TABLE orders (id int PRIMARY KEY, user_id int);
         ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
         CREATE INDEX users_email_idx ON users (email);
         CREATE VIEW v AS SELECT id FROM users;
         CREATE TYPE mood AS ENUM ('a', 'b');",
        6,
    );
}

#[test]
fn mysql_verification_queries() {
    check(
        Dialect::Mysql,
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(50), age int);
         CREATE TABLE old_t (id int);
         CREATE INDEX users_age_idx ON users (age);",
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(100) NOT NULL, email text, age int);
         CREATE TABLE orders (id int PRIMARY KEY, user_id int,
           CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id));
         CREATE INDEX users_email_idx ON users (email(20));
         CREATE VIEW v AS SELECT id FROM users;",
        6,
    );
}

#[test]
fn sqlite_verification_queries() {
    check(
        Dialect::Sqlite,
        "CREATE TABLE users (id integer PRIMARY KEY, name text, age int);
         CREATE TABLE old_t (id int);
         CREATE INDEX users_age_idx ON users (age);",
        "CREATE TABLE users (id integer PRIMARY KEY, name varchar(100) NOT NULL, email text, age int);
         CREATE TABLE orders (id integer PRIMARY KEY, user_id int REFERENCES users (id));
         CREATE INDEX users_email_idx ON users (email);
         CREATE VIEW v AS SELECT id FROM users;",
        4,
    );
}
