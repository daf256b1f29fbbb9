//! `migrex plan` end to end: the report per step, --fail-on exit codes, usage errors, and on a
//! live PostgreSQL the server version and table sizes behind a duration estimate.

mod common;
use common::{migrex, write};

use migrex_model::Dialect;
use migrex_test_support::TestDb;
use serde_json::Value;
use std::process::Output;

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn step<'a>(report: &'a Value, description_part: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| {
            s["description"]
                .as_str()
                .is_some_and(|d| d.contains(description_part))
        })
        .unwrap_or_else(|| panic!("no step {description_part:?} in {report:#}"))
}

const V1: &str = "CREATE TABLE users (id int PRIMARY KEY, name varchar(50), age int);\n";
const V2_SAFE: &str =
    "CREATE TABLE users (id int PRIMARY KEY, name varchar(100), age int, email text);\n";
const V2_REWRITE: &str = "CREATE TABLE users (id int PRIMARY KEY, name varchar(50), age bigint);\n";

#[test]
fn postgres_report_locks_rewrite_rollback_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "v1.sql", V1);
    let b = write(dir.path(), "v2.sql", V2_REWRITE);
    let o = migrex(&[
        "plan",
        &a,
        &b,
        "--dialect",
        "postgres",
        "--server-version",
        "16.4",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "default --fail-on error: a rewrite under ACCESS EXCLUSIVE fails"
    );
    let r = json(&o);
    assert_eq!(r["target"]["version"], "16.4.0");
    assert_eq!(r["target"]["version_from"], "option");
    assert_eq!(r["risk"], "error");
    let s = step(&r, "alter column public.users.age");
    assert_eq!(s["rewrites"], true);
    assert_eq!(s["locks"][0]["level"], "ACCESS EXCLUSIVE");
    assert_eq!(s["locks"][0]["blocks_reads"], true);
    assert_eq!(s["locks"][0]["span"], "statement");
    assert_eq!(s["risk"], "error");
    assert!(s["duration_seconds"].is_null(), "no sizes from a file");
    assert_eq!(s["rollback"]["whole_down_script"], false);
    assert!(
        s["rollback"]["sql"][0]
            .as_str()
            .unwrap()
            .contains("TYPE integer")
    );
    assert!(s["verify"].as_str().unwrap().contains("format_type"));
    assert_eq!(
        migrex(&["plan", &a, &b, "--dialect", "postgres", "--fail-on", "none"])
            .status
            .code(),
        Some(0)
    );
    // A varchar widening and a nullable column: catalog only, info.
    let safe = write(dir.path(), "safe.sql", V2_SAFE);
    let o = migrex(&[
        "plan",
        &a,
        &safe,
        "--dialect",
        "postgres",
        "--format",
        "json",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let r = json(&o);
    assert_eq!(r["risk"], "info");
    let s = step(&r, "alter column public.users.name");
    assert_eq!(s["rewrites"], false);
    assert_eq!(s["locks"][0]["span"], "brief");
    assert_eq!(s["duration_seconds"], 0.0);
    assert_eq!(
        migrex(&[
            "plan",
            &a,
            &safe,
            "--dialect",
            "postgres",
            "--fail-on",
            "info"
        ])
        .status
        .code(),
        Some(1)
    );
}

#[test]
fn human_report_names_locks_and_assumptions() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "v1.sql", V1);
    let b = write(dir.path(), "v2.sql", V2_REWRITE);
    let o = migrex(&["plan", &a, &b, "--dialect", "postgres", "--fail-on", "none"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("lock:      ACCESS EXCLUSIVE on public.users, blocks reads and writes for the whole statement"), "{out}");
    assert!(out.contains("work:      rewrites the table"), "{out}");
    assert!(out.contains("rewrite at 50 MiB/s"), "{out}");
    assert!(out.contains("rollback:  ALTER TABLE"), "{out}");
    assert!(out.contains("Highest risk: error"), "{out}");
    let help = migrex(&["plan", "--help"]);
    assert!(String::from_utf8_lossy(&help.stdout).contains("Examples:"));
}

#[test]
fn mysql_flavors_differ_and_bad_options_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "v1.sql",
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(20)) DEFAULT CHARSET=utf8mb4;\n",
    );
    let b = write(
        dir.path(),
        "v2.sql",
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(100)) DEFAULT CHARSET=utf8mb4;\n",
    );
    let plan = |flavor: &str| {
        json(&migrex(&[
            "plan",
            &a,
            &b,
            "--dialect",
            "mysql",
            "--flavor",
            flavor,
            "--format",
            "json",
            "--fail-on",
            "none",
        ]))
    };
    // 80 -> 400 bytes: MariaDB extends it instantly, MySQL copies (255-byte prefix boundary).
    let maria = plan("mariadb");
    assert_eq!(maria["target"]["flavor"], "mariadb");
    assert_eq!(step(&maria, "alter column")["algorithm"], "instant");
    let mysql = plan("mysql");
    assert_eq!(step(&mysql, "alter column")["algorithm"], "copy");
    assert_eq!(
        step(&mysql, "alter column")["locks"][0]["blocks_writes"],
        true
    );
    let o = migrex(&[
        "plan",
        &a,
        &b,
        "--dialect",
        "mysql",
        "--server-version",
        "banana",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--server-version"));
    let o = migrex(&[
        "plan",
        &a,
        &b,
        "--dialect",
        "postgres",
        "--flavor",
        "mariadb",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn sqlite_rebuild_holds_the_database_write_lock() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "v1.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, age int);\n",
    );
    let b = write(
        dir.path(),
        "v2.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, age text NOT NULL);\n",
    );
    let o = migrex(&["plan", &a, &b, "--dialect", "sqlite", "--format", "json"]);
    let r = json(&o);
    let s = step(&r, "rebuild table");
    assert_eq!(s["locks"][0]["level"], "database write lock");
    assert_eq!(s["rewrites"], true);
    assert_eq!(s["rollback"]["whole_down_script"], false);
}

#[test]
fn live_postgres_sizes_give_a_duration_and_the_server_version() {
    let Some(db) = TestDb::with_sql(
        Dialect::Postgres,
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(50), age int);
         INSERT INTO users SELECT g, 'name ' || g, g FROM generate_series(1, 20000) g;
         ANALYZE users;",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let b = write(dir.path(), "v2.sql", V2_REWRITE);
    let url = db.url_string();
    let o = migrex(&["plan", &url, &b, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = json(&o);
    assert_eq!(r["target"]["version_from"], "server");
    assert_eq!(r["table_sizes"], true);
    let s = step(&r, "alter column public.users.age");
    assert_eq!(s["rewrites"], true);
    let d = s["duration_seconds"]
        .as_f64()
        .expect("a duration from the live sizes");
    assert!(d > 0.0, "{s:#}");
    let reasons = s["reasons"].to_string();
    assert!(reasons.contains("20000 rows"), "{reasons}");
    // The human report says the estimate.
    let o = migrex(&["plan", &url, &b, "--fail-on", "none"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("read from FROM") && out.contains("with table sizes read from FROM"),
        "{out}"
    );
    assert!(!out.contains("duration:  unknown"), "{out}");
}

#[test]
fn live_mariadb_flavor_and_sizes_come_from_the_server() {
    let Some(db) = TestDb::with_sql(
        Dialect::Mysql,
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(20), age int) DEFAULT CHARSET=utf8mb4;
         INSERT INTO users SELECT seq, CONCAT('n', seq), seq FROM seq_1_to_5000;",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let b = write(
        dir.path(),
        "v2.sql",
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(20), age bigint) DEFAULT CHARSET=utf8mb4;\n",
    );
    let o = migrex(&[
        "plan",
        &db.url_string(),
        &b,
        "--format",
        "json",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = json(&o);
    assert_eq!(r["target"]["flavor"], "mariadb");
    assert_eq!(r["target"]["version_from"], "server");
    let s = step(&r, "alter column");
    // A type change is a COPY: writes wait, reads continue, the table is rewritten.
    assert_eq!(s["algorithm"], "copy");
    assert_eq!(s["locks"][0]["blocks_writes"], true);
    assert_eq!(s["locks"][0]["blocks_reads"], false);
    assert_eq!(s["transactional"], false);
    assert!(
        s["duration_seconds"].as_f64().is_some_and(|d| d > 0.0),
        "{s:#}"
    );
    assert!(s["reasons"].to_string().contains("5000 rows"), "{s:#}");
}

#[test]
fn live_postgres_with_a_large_table_gets_the_online_plan_unless_told_plain() {
    let Some(db) = TestDb::with_sql(
        Dialect::Postgres,
        "CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL);
         INSERT INTO items SELECT g, 'sku ' || g FROM generate_series(1, 3000) g;
         ANALYZE items;",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let b = write(
        dir.path(),
        "v2.sql",
        "CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL);
         CREATE INDEX items_sku ON items (sku);",
    );
    let url = db.url_string();
    let run = |extra: &[&str]| {
        let mut args = vec!["diff", url.as_str(), b.as_str(), "--dialect", "postgres"];
        args.extend_from_slice(extra);
        let o = migrex(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // 3,000 rows is above a threshold of 1,000: online, and the reason is said.
    let (sql, err) = run(&["--online-above", "1000"]);
    assert!(sql.contains("CREATE INDEX CONCURRENTLY"), "{sql}");
    assert!(
        err.contains("online plan") && err.contains("3000 rows"),
        "{err}"
    );
    // --plain overrides; below the default threshold of a million rows the plan stays plain.
    for extra in [&["--online-above", "1000", "--plain"][..], &[][..]] {
        let (sql, err) = run(extra);
        assert!(
            sql.contains("CREATE INDEX") && !sql.contains("CONCURRENTLY"),
            "{sql}"
        );
        assert!(!err.contains("online plan"), "{err}");
    }
}
