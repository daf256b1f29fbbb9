//! The million-row tests, per dialect: split a table, int -> bigint key with a
//! referencing table, 1:N -> M:N; each on 1,000,000 rows generated set-based, run through the
//! executor (batched, with its proofs), then counts and checksums compared and duplicates
//! looked for.

mod common;

use common::params;
use migrex_apply::exec::{ExecOptions, MigrationFile, run_up};
use migrex_model::Dialect;
use migrex_refactor::{Options, refactor};
use migrex_test_support::TestDb;
use std::time::Instant;

const N: u64 = 1_000_000;

/// `INSERT INTO table SELECT exprs FROM <1..n>`, `{g}` in `exprs` standing for the number.
fn fill(d: Dialect, table: &str, exprs: &str, n: u64) -> String {
    match d {
        Dialect::Postgres => format!(
            "INSERT INTO {table} SELECT {} FROM generate_series(1, {n}) AS s(g)",
            exprs.replace("{g}", "g")
        ),
        Dialect::Mysql => format!(
            "INSERT INTO {table} SELECT {} FROM seq_1_to_{n}",
            exprs.replace("{g}", "seq")
        ),
        Dialect::Sqlite => format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) INSERT INTO {table} SELECT {} FROM c",
            exprs.replace("{g}", "x")
        ),
    }
}

fn concat(d: Dialect, a: &str, b: &str) -> String {
    match d {
        Dialect::Mysql => format!("CONCAT({a}, {b})"),
        _ => format!("{a} || {b}"),
    }
}

/// The first row of `sql`, whose columns are aliased `cols`, each cast to text by the
/// database (the driver's text decoding of some aggregate types is not what this test checks).
fn one_of(db: &TestDb, sql: &str, cols: &[&str]) -> Vec<Option<String>> {
    let text = if db.url.dialect == Dialect::Mysql {
        "CHAR"
    } else {
        "TEXT"
    };
    let cast: Vec<String> = cols
        .iter()
        .map(|n| format!("CAST(q.{n} AS {text})"))
        .collect();
    let sql = format!("SELECT {} FROM ({sql}) AS q", cast.join(", "));
    db.connect()
        .query(&sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// `SELECT COUNT(*) AS n ...`: the count as text.
fn count(db: &TestDb, sql: &str) -> Option<String> {
    one_of(db, sql, &["n"]).into_iter().next().flatten()
}

/// Loads `ddl` and the rows, runs the recipe through the executor, returns the elapsed time.
fn run(d: Dialect, db: &TestDb, recipe: &str, list: &[(&str, &str)]) -> std::time::Duration {
    let from = db.introspect().schema;
    let r = refactor(
        &from,
        recipe,
        &params(list),
        &Options {
            batch_size: 50_000,
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{recipe} on {d}: {e}"));
    let file = MigrationFile::new(
        format!("big_{}", recipe.replace('-', "_")),
        recipe,
        d,
        migrex_render_sql::render_plan(&r.up).expect("render"),
        migrex_render_sql::render_plan(&r.down).expect("render"),
    );
    let t0 = Instant::now();
    let report = run_up(
        &mut db.connect(),
        &file,
        &ExecOptions::default(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{recipe} on {d}: {e}"));
    let took = t0.elapsed();
    assert!(!report.steps.is_empty());
    eprintln!("{recipe} on {d}: {} steps in {took:?}", report.steps.len());
    took
}

fn split(d: Dialect) {
    let Some(db) = TestDb::new(d) else { return };
    let num = match d {
        Dialect::Mysql => "decimal(10,2)",
        _ => "numeric(10,2)",
    };
    db.run(&format!(
        "CREATE TABLE items (id integer NOT NULL PRIMARY KEY, name varchar(40) NOT NULL, sku varchar(40) NOT NULL, price {num});\n{};",
        fill(
            d,
            "items",
            &format!(
                "{{g}}, {}, {}, ({{g}} % 1000) + 0.25",
                concat(d, "'item '", "{g}"),
                concat(d, "'SKU-'", "{g}")
            ),
            N
        )
    ));
    let sku_num = |col: &str| match d {
        Dialect::Mysql => format!("SUM(CAST(SUBSTR({col}, 5) AS UNSIGNED))"),
        _ => format!("SUM(CAST(SUBSTR({col}, 5) AS INTEGER))"),
    };
    let before = one_of(
        &db,
        &format!(
            "SELECT COUNT(*) AS n, SUM(id) AS a, {} AS b, SUM(price) AS c FROM items",
            sku_num("sku")
        ),
        &["n", "a", "b", "c"],
    );
    run(
        d,
        &db,
        "split-table",
        &[
            ("table", "items"),
            ("into", "item_variants"),
            ("columns", "sku,price"),
            ("key-name", "item_id"),
        ],
    );
    let after = one_of(
        &db,
        &format!(
            "SELECT COUNT(*) AS n, SUM(i.id) AS a, {} AS b, SUM(v.price) AS c FROM items i JOIN item_variants v ON v.item_id = i.id",
            sku_num("v.sku")
        ),
        &["n", "a", "b", "c"],
    );
    assert_eq!(before, after, "split on {d}");
    assert_eq!(before[0].as_deref(), Some("1000000"));
    let dups = count(
        &db,
        "SELECT COUNT(*) AS n FROM (SELECT item_id FROM item_variants GROUP BY item_id HAVING COUNT(*) > 1) d",
    );
    assert_eq!(dups.as_deref(), Some("0"), "duplicates on {d}");
}

fn bigint(d: Dialect) {
    let Some(db) = TestDb::new(d) else { return };
    db.run(&format!(
        "CREATE TABLE parents (id integer NOT NULL PRIMARY KEY, name varchar(40) NOT NULL);\n\
         CREATE TABLE children (id integer NOT NULL PRIMARY KEY, parent_id integer NOT NULL, CONSTRAINT children_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parents (id));\n\
         CREATE INDEX children_parent_id_idx ON children (parent_id);\n{};\n{};",
        fill(d, "parents", &format!("{{g}}, {}", concat(d, "'p'", "{g}")), N),
        fill(d, "children", "{g}, 1000001 - {g}", N),
    ));
    let q = "SELECT COUNT(*) AS n, SUM(c.id) AS a, SUM(c.parent_id) AS b, SUM(LENGTH(p.name)) AS c FROM children c JOIN parents p ON p.id = c.parent_id";
    let cols = ["n", "a", "b", "c"];
    let before = one_of(&db, q, &cols);
    run(
        d,
        &db,
        "change-pk",
        &[("table", "parents"), ("type", "bigint")],
    );
    assert_eq!(one_of(&db, q, &cols), before, "bigint on {d}");
    assert_eq!(before[0].as_deref(), Some("1000000"));
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM parents").as_deref(),
        Some("1000000")
    );
    let after = db.introspect().schema;
    let ns = d.default_namespace();
    let ty = |t: &str, c: &str| {
        after
            .table(&migrex_model::QualifiedName::new(ns, t))
            .and_then(|t| t.columns.get(c))
            .map(|c| migrex_dialect::format_type(d, &c.ty).to_ascii_lowercase())
    };
    assert_eq!(ty("parents", "id").as_deref(), Some("bigint"));
    assert_eq!(ty("children", "parent_id").as_deref(), Some("bigint"));
}

fn many(d: Dialect) {
    let Some(db) = TestDb::new(d) else { return };
    db.run(&format!(
        "CREATE TABLE authors (id integer NOT NULL PRIMARY KEY, name varchar(40) NOT NULL);\n\
         CREATE TABLE posts (id integer NOT NULL PRIMARY KEY, author_id integer, title varchar(40) NOT NULL, CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES authors (id));\n\
         CREATE INDEX posts_author_id_idx ON posts (author_id);\n{};\n{};",
        fill(d, "authors", &format!("{{g}}, {}", concat(d, "'a'", "{g}")), 1000),
        fill(
            d,
            "posts",
            &format!(
                "{{g}}, CASE WHEN {{g}} % 10 = 0 THEN NULL ELSE ({{g}} % 1000) + 1 END, {}",
                concat(d, "'t'", "{g}")
            ),
            N
        ),
    ));
    let cols = ["n", "a", "b"];
    let before = one_of(
        &db,
        "SELECT COUNT(*) AS n, SUM(id) AS a, SUM(author_id) AS b FROM posts WHERE author_id IS NOT NULL",
        &cols,
    );
    run(
        d,
        &db,
        "to-many-to-many",
        &[("column", "posts.author_id"), ("into", "post_authors")],
    );
    let after = one_of(
        &db,
        "SELECT COUNT(*) AS n, SUM(post_id) AS a, SUM(author_id) AS b FROM post_authors",
        &cols,
    );
    assert_eq!(before, after, "M:N on {d}");
    assert_eq!(before[0].as_deref(), Some("900000"));
    let dups = count(
        &db,
        "SELECT COUNT(*) AS n FROM (SELECT post_id FROM post_authors GROUP BY post_id HAVING COUNT(*) > 1) d",
    );
    assert_eq!(dups.as_deref(), Some("0"));
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM posts").as_deref(),
        Some("1000000")
    );
}

#[test]
fn million_rows_split_postgres() {
    split(Dialect::Postgres);
}
#[test]
fn million_rows_split_mariadb() {
    split(Dialect::Mysql);
}
#[test]
fn million_rows_split_sqlite() {
    split(Dialect::Sqlite);
}
#[test]
fn million_rows_bigint_key_postgres() {
    bigint(Dialect::Postgres);
}
#[test]
fn million_rows_bigint_key_mariadb() {
    bigint(Dialect::Mysql);
}
#[test]
fn million_rows_bigint_key_sqlite() {
    bigint(Dialect::Sqlite);
}
#[test]
fn million_rows_many_to_many_postgres() {
    many(Dialect::Postgres);
}
#[test]
fn million_rows_many_to_many_mariadb() {
    many(Dialect::Mysql);
}
#[test]
fn million_rows_many_to_many_sqlite() {
    many(Dialect::Sqlite);
}
