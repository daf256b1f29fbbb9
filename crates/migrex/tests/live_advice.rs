//! Index advice from a workload, measured on a real PostgreSQL database: 300,000 orders and
//! 20,000 customers, a workload of filters, joins, sorts and a parameterized query; building
//! the advised indexes must cut the planner's estimated cost of the workload by more than half,
//! and lower every query it targets.

use migrex::analyze::workload::{advise, parse_workload};
use migrex::model::Dialect;
use migrex_test_support::TestDb;

const SCHEMA: &str = "
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, country text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), status text NOT NULL, total numeric(12,2) NOT NULL, created_at timestamptz NOT NULL);
";

const DATA: &str = "
INSERT INTO customers SELECT g, 'c' || g || '@example.com', (ARRAY['NL','DE','FR','US','JP'])[1 + g % 5], now() - (g || ' minutes')::interval FROM generate_series(1, 20000) g;
INSERT INTO orders SELECT g, 1 + (g::bigint * 7919) % 20000, (ARRAY['open','paid','shipped','cancelled'])[1 + g % 4], (g % 1000) / 10.0, now() - ((g % 100000) || ' minutes')::interval FROM generate_series(1, 300000) g;
ANALYZE customers; ANALYZE orders;
";

const WORKLOAD: &str = "
-- calls: 5000
SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20;
-- calls: 800
SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.email = 'c42@example.com';
-- calls: 300
SELECT count(*) FROM orders WHERE status = 'open' AND created_at > now() - interval '1 day';
-- calls: 50
SELECT * FROM customers WHERE id = 7;
";

#[test]
fn advised_indexes_lower_the_workload_cost() {
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    db.run(SCHEMA);
    db.run(DATA);
    let loaded = db.introspect();
    let workload = parse_workload(WORKLOAD);
    let report = advise(&loaded.schema, &workload);
    let advised: Vec<(String, Vec<String>)> = report
        .advice
        .iter()
        .map(|a| (a.table.name.clone(), a.columns.clone()))
        .collect();
    let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert!(
        advised.contains(&("orders".into(), s(&["customer_id", "created_at"]))),
        "{advised:?}"
    );
    assert!(
        advised.contains(&("customers".into(), s(&["email"]))),
        "{advised:?}"
    );
    assert!(
        advised.contains(&("orders".into(), s(&["status", "created_at"]))),
        "{advised:?}"
    );
    assert!(
        !advised
            .iter()
            .any(|(t, c)| t == "customers" && c == &s(&["id"])),
        "the key serves it"
    );

    let mut conn = db.connect();
    let m = migrex::measure_advice(&mut conn, &workload, &report, true).expect("measures");
    assert!(m.skipped.is_empty(), "{:?}", m.skipped);
    assert_eq!(m.costs.len(), 4);
    for c in &m.costs[..3] {
        assert!(
            c.after < c.before,
            "query {} did not get cheaper: {c:?}",
            c.query
        );
    }
    assert!(
        m.total_after() * 2.0 < m.total_before(),
        "workload cost {} -> {}",
        m.total_before(),
        m.total_after()
    );
    // The measurement left nothing behind.
    let after = migrex::load(&db.url_string(), None).expect("loads");
    assert_eq!(after.schema, loaded.schema);

    // An index nothing reads is a drop candidate; keys are not.
    db.run("CREATE INDEX orders_total_idx ON orders (total); CREATE UNIQUE INDEX customers_email_key ON customers (email);");
    let unused = migrex::unused_indexes(&mut conn).expect("reads statistics");
    let names: Vec<&str> = unused.iter().map(|u| u.index.as_str()).collect();
    assert_eq!(names, vec!["orders_total_idx"]);
    assert_eq!(
        unused[0].sql,
        "DROP INDEX CONCURRENTLY \"orders_total_idx\""
    );
    eprintln!(
        "advice measured ({}): workload cost {:.0} -> {:.0}",
        m.method,
        m.total_before(),
        m.total_after()
    );
}

/// MySQL/MariaDB: the workload comes from performance_schema's statement digests when the
/// server records them, and is `None` (not an empty workload) when performance_schema is off.
#[test]
fn mariadb_recorded_workload_follows_performance_schema() {
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    db.run(
        "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, created_at datetime);
         INSERT INTO orders VALUES (1, 7, '2024-01-01');",
    );
    let mut conn = db.connect();
    let on = conn
        .query("SELECT CAST(@@performance_schema AS CHAR)")
        .expect("reads")
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .is_some_and(|v| v == "1");
    conn.query("SELECT * FROM orders WHERE customer_id = 7 ORDER BY created_at")
        .expect("runs");
    let recorded = migrex::recorded_workload(&mut conn).expect("reads");
    if on {
        let queries = recorded.expect("performance_schema is on");
        assert!(
            queries.iter().any(|q| q.sql.contains("`customer_id` = ?")),
            "{queries:?}"
        );
    } else {
        assert!(recorded.is_none(), "{recorded:?}");
    }
}
