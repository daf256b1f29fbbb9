//! `migrex analyze` and `migrex erd` end to end: exit codes follow --fail-on, the JSON report
//! lists relationships and findings with file:line, workload advice, SARIF, rule docs of the
//! analysis rules, and an ERD written as PNG and Mermaid.

mod common;
use common::{assert_valid_sarif, migrex, stdout, write};

use serde_json::Value;

const SCHEMA: &str = "CREATE TABLE customers (id bigint PRIMARY KEY, email varchar(254) NOT NULL, country text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers (id), price double precision, created_at timestamptz NOT NULL);
CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE order_tags (order_id bigint REFERENCES orders (id), tag_id bigint REFERENCES tags (id), PRIMARY KEY (order_id, tag_id));
CREATE INDEX order_tags_tag ON order_tags (tag_id);
";

#[test]
fn findings_relationships_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "schema.sql", SCHEMA);
    let o = migrex(&["analyze", &f, "--dialect", "postgres", "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "warnings reach the default --fail-on"
    );
    let v: Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    let kinds: Vec<&str> = v["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["one-to-many", "many-to-many"], "{v:#}");
    let codes: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["code"].as_str().unwrap(),
                x["location"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // The unindexed orders.customer_id (line 2) and price as a double (line 2).
    assert!(
        codes
            .iter()
            .any(|(c, l)| *c == "MA102" && l.ends_with("schema.sql:2:1")),
        "{codes:?}"
    );
    assert!(codes.iter().any(|(c, _)| *c == "MA104"), "{codes:?}");
    let o = migrex(&["analyze", &f, "--dialect", "postgres", "--fail-on", "error"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("many-to-many (1):"), "{}", stdout(&o));
    let o = migrex(&[
        "analyze",
        &f,
        "--dialect",
        "postgres",
        "--format",
        "sarif",
        "--fail-on",
        "error",
    ]);
    assert_valid_sarif(&[&stdout(&o)]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("SARIF");
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    let o = migrex(&[
        "analyze",
        &f,
        "--dialect",
        "postgres",
        "--format",
        "html",
        "--fail-on",
        "error",
    ]);
    let page = stdout(&o);
    assert!(page.starts_with("<!doctype html>"), "{page}");
    assert!(
        page.contains("<svg") && page.contains(">orders<"),
        "the diagram is inline"
    );
    assert!(page.contains("<h2>Proposed migration</h2>"), "{page}");
    assert!(
        page.contains("CREATE INDEX CONCURRENTLY &quot;orders_customer_id_idx&quot;"),
        "{page}"
    );
    let o = migrex(&[
        "analyze",
        &f,
        "--dialect",
        "postgres",
        "--format",
        "markdown",
        "--fail-on",
        "error",
    ]);
    assert!(
        stdout(&o).contains("## Proposed migration"),
        "{}",
        stdout(&o)
    );
    let o = migrex(&["rule", "unindexed-foreign-key"]);
    assert!(
        stdout(&o).starts_with("MA102 unindexed-foreign-key"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn workload_advice() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "schema.sql", SCHEMA);
    let w = write(
        dir.path(),
        "queries.sql",
        "-- calls: 900\nSELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10;\nSELECT * FROM customers WHERE id = 1;\n",
    );
    let o = migrex(&[
        "analyze",
        &f,
        "--dialect",
        "postgres",
        "--workload",
        &w,
        "--fail-on",
        "error",
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("CREATE INDEX CONCURRENTLY \"orders_customer_id_created_at_idx\" ON \"orders\" (\"customer_id\", \"created_at\")"),
        "{text}"
    );
    let o = migrex(&[
        "analyze",
        &f,
        "--dialect",
        "postgres",
        "--workload",
        &w,
        "--format",
        "json",
        "--fail-on",
        "error",
    ]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    assert_eq!(v["index_advice"]["advice"][0]["calls"], 900);
    // SARIF: the advice is a note with its statement, and its rule is declared.
    let o = migrex(&[
        "analyze",
        &f,
        "--dialect",
        "postgres",
        "--workload",
        &w,
        "--format",
        "sarif",
        "--fail-on",
        "error",
    ]);
    assert_valid_sarif(&[&stdout(&o)]);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("SARIF");
    let run = &v["runs"][0];
    let advice: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "index-advice")
        .collect();
    assert_eq!(advice.len(), 1, "{run}");
    assert!(
        advice[0]["properties"]["fix"]
            .as_str()
            .unwrap()
            .starts_with("CREATE INDEX CONCURRENTLY \"orders_customer_id_created_at_idx\""),
        "{}",
        advice[0]
    );
    assert_eq!(
        advice[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "table public.orders"
    );
    assert!(
        run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "index-advice"),
        "{run}"
    );
}

#[test]
fn erd_png_and_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "schema.sql", SCHEMA);
    let png = dir.path().join("erd.png");
    let o = migrex(&[
        "erd",
        &f,
        "--dialect",
        "postgres",
        "--format",
        "png",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let bytes = std::fs::read(&png).expect("written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 2000);
    let o = migrex(&["erd", &f, "--dialect", "postgres", "--format", "mermaid"]);
    let m = stdout(&o);
    assert!(
        m.contains("customers ||--o{ orders : \"customer_id\""),
        "{m}"
    );
    assert!(m.contains("orders ||--o{ order_tags : \"order_id\""), "{m}");
}
