//! `migrex apply` / `migrex rollback` end to end, and the kill test: a batched copy of 1,000,000
//! rows killed with SIGKILL in the middle, run again, and every row copied exactly once.

mod common;
use common::migrex;

use migrex::Db;
use migrex_apply::MigrationFile;
use migrex_model::{DataOp, Dialect, QualifiedName};
use migrex_render_sql::{RenderedStep, data_statements, data_task};
use migrex_test_support::TestDb;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn scalar(db: &mut Db, sql: &str) -> String {
    db.query(sql).unwrap()[0][0].clone().unwrap_or_default()
}

fn copy_step(d: Dialect, batch_size: u32) -> RenderedStep {
    let table = QualifiedName::new("", "t2");
    let op = DataOp::Copy {
        source: QualifiedName::new("", "t"),
        key: vec!["id".into()],
        columns: vec!["id".into(), "v".into()],
        values: vec!["src.id".into(), "src.v * 3".into()],
        filter: None,
        batch_size,
        delete_source: false,
    };
    RenderedStep {
        step: 1,
        description: op.describe(&table),
        statements: data_statements(d, &table, &op).unwrap(),
        transactional: true,
        dialect: d,
        isolated: false,
        backfill: None,
        data: Some(data_task(d, &table, &op).unwrap()),
    }
}

/// `t (id, v)` with `n` rows generated set-based, and an empty `t2` without a key (so that a
/// row copied twice would show).
fn setup(d: Dialect, n: u64) -> String {
    let rows = match d {
        Dialect::Postgres => {
            format!("INSERT INTO t (id, v) SELECT g, g % 1000 FROM generate_series(1, {n}) AS g")
        }
        Dialect::Mysql => format!("INSERT INTO t (id, v) SELECT seq, seq % 1000 FROM seq_1_to_{n}"),
        Dialect::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) INSERT INTO t (id, v) SELECT n, n % 1000 FROM s"
        ),
    };
    format!(
        "CREATE TABLE t (id bigint PRIMARY KEY, v integer NOT NULL);\n{rows};\nCREATE TABLE t2 (id bigint, v integer);\n"
    )
}

fn write_migration(dir: &Path, d: Dialect, batch_size: u32) -> String {
    let m = MigrationFile::new(
        "0001_copy",
        "copy t into t2",
        d,
        vec![copy_step(d, batch_size)],
        vec![RenderedStep {
            step: 1,
            description: "empty t2".into(),
            statements: vec!["DELETE FROM t2".into()],
            transactional: true,
            dialect: d,
            isolated: false,
            backfill: None,
            data: None,
        }],
    );
    m.write_to_dir(dir).unwrap();
    dir.display().to_string()
}

fn rows_done(db: &mut Db) -> Option<u64> {
    db.query("SELECT rows_done FROM migrex_history WHERE migration_id = '0001_copy' AND step = 1")
        .ok()?
        .into_iter()
        .next()?
        .into_iter()
        .next()
        .flatten()?
        .parse()
        .ok()
}

#[test]
fn a_killed_copy_resumes_without_copying_a_row_twice() {
    const N: u64 = 1_000_000;
    for d in Dialect::ALL {
        let Some(tdb) = TestDb::with_sql(d, &setup(d, N)) else {
            continue;
        };
        let started = Instant::now();
        let dir = tempfile::tempdir().unwrap();
        let path = write_migration(dir.path(), d, 2000);
        let url = tdb.url_string();
        let mut child = Command::new(env!("CARGO_BIN_EXE_migrex"))
            .args(["apply", &path, "--format", "json"])
            // --db from the environment, as a deployment would pass it.
            .env("MIGREX_DB", &url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut watch = tdb.connect();
        let at_kill = loop {
            // Well into the copy (a tenth of it), not just after the first batch.
            if let Some(n) = rows_done(&mut watch)
                && n >= N / 10
            {
                child.kill().unwrap();
                break n;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{d}: the run ended ({status}) before it could be killed");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{d}: no progress"
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        child.wait().unwrap();
        drop(watch);
        let mut db = tdb.connect();
        // The server ends the killed session when it notices (after the statement in flight):
        // until then its lock is held (and its open transaction may still commit or roll back).
        let t0 = Instant::now();
        while let Err(e) = migrex_apply::exec::lock::acquire(&mut db) {
            assert!(t0.elapsed() < Duration::from_secs(30), "{d}: {e}");
            std::thread::sleep(Duration::from_millis(50));
        }
        migrex_apply::exec::lock::release(&mut db).unwrap();
        let committed = rows_done(&mut db).unwrap();
        assert!(
            at_kill < N && committed < N,
            "{d}: killed after {committed} rows"
        );
        // What the history says is exactly what is in the table: the cursor moved with the
        // batches.
        assert_eq!(
            scalar(&mut db, "SELECT COUNT(*) FROM t2")
                .parse::<u64>()
                .unwrap(),
            committed,
            "{d}"
        );
        drop(db);
        let out = migrex(&["apply", &path, "--db", &url, "--format", "json"]);
        assert!(
            out.status.success(),
            "{d}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let rows_second_run = report["migrations"][0]["steps"][0]["rows"]
            .as_u64()
            .unwrap();
        assert_eq!(
            rows_second_run + committed,
            N,
            "{d}: the second run did the rest"
        );
        let mut db = tdb.connect();
        let copied = db
            .query("SELECT COUNT(*), COUNT(DISTINCT id), SUM(v), MIN(id), MAX(id) FROM t2")
            .unwrap()
            .remove(0);
        let reference = db
            .query("SELECT COUNT(*), COUNT(id), SUM(v * 3), MIN(id), MAX(id) FROM t")
            .unwrap()
            .remove(0);
        assert_eq!(copied, reference, "{d}: every row once, with its value");
        assert_eq!(rows_done(&mut db), Some(N), "{d}");
        eprintln!(
            "{d}: killed after {committed} rows; {:?} in all",
            started.elapsed()
        );
    }
}

#[test]
fn apply_dry_run_rollback_and_a_redacted_url() {
    let Some(tdb) = TestDb::with_sql(Dialect::Sqlite, &setup(Dialect::Sqlite, 50)) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = write_migration(dir.path(), Dialect::Sqlite, 7);
    let url = tdb.url_string();
    let dry = migrex(&["apply", &path, "--db", &url, "--dry-run"]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains("(dry run)") && text.contains("step 1: would run"),
        "{text}"
    );
    let out = migrex(&["apply", &path, "--db", &url, "--max-batch-ms", "0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("50 rows in 8 batches"), "{text}");
    let again = migrex(&["apply", &path, "--db", &url]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already done"));
    let back = migrex(&["rollback", &path, "--db", &url, "--format", "json"]);
    assert!(
        back.status.success(),
        "{}",
        String::from_utf8_lossy(&back.stderr)
    );
    let mut db = tdb.connect();
    assert_eq!(scalar(&mut db, "SELECT COUNT(*) FROM t2"), "0");
    // A password never reaches the output.
    let bad = migrex(&[
        "apply",
        &path,
        "--db",
        "postgres://app:s3cret@127.0.0.1:1/none",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&bad.stdout),
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(!all.contains("s3cret") && all.contains("***"), "{all}");
}

#[test]
fn diff_out_writes_a_migration_that_apply_runs() {
    let Some(tdb) = TestDb::with_sql(Dialect::Sqlite, "CREATE TABLE a (id integer PRIMARY KEY);")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("v1.sql");
    let to = dir.path().join("v2.sql");
    std::fs::write(&from, "CREATE TABLE a (id integer PRIMARY KEY);\n").unwrap();
    std::fs::write(&to, "CREATE TABLE a (id integer PRIMARY KEY, name text);\n").unwrap();
    let out_dir = dir.path().join("0002_name");
    let out = migrex(&[
        "diff",
        from.to_str().unwrap(),
        to.to_str().unwrap(),
        "--dialect",
        "sqlite",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out_dir.join("migration.json").is_file());
    let url = tdb.url_string();
    let applied = migrex(&["apply", out_dir.to_str().unwrap(), "--db", &url]);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let mut db = tdb.connect();
    db.query("SELECT name FROM a").unwrap();
    let back = migrex(&["rollback", out_dir.to_str().unwrap(), "--db", &url]);
    assert!(
        back.status.success(),
        "{}",
        String::from_utf8_lossy(&back.stderr)
    );
    assert!(tdb.connect().query("SELECT name FROM a").is_err());
}
