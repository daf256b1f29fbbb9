//! The executor on real databases (PostgreSQL and MariaDB from MIGREX_TEST_PG /
//! MIGREX_TEST_MYSQL, SQLite in a temporary file): history and re-runs, checksums, the lock,
//! pre-flight checks, proofs, --to and rollback, batched copies.

use migrex_apply::exec::lock;
use migrex_apply::{
    ApplyError, DownMode, ExecOptions, MigrationFile, Outcome, Progress, run_down, run_up,
};
use migrex_model::{Assignment, DataOp, Dialect, QualifiedName};
use migrex_render_sql::{RenderedStep, data_statements, data_task};
use migrex_source_live::Db;
use migrex_test_support::TestDb;

fn name(t: &str) -> QualifiedName {
    QualifiedName::new("", t)
}

fn plain(d: Dialect, step: usize, sql: &[&str]) -> RenderedStep {
    RenderedStep {
        step,
        description: format!("step {step}"),
        statements: sql.iter().map(|s| s.to_string()).collect(),
        transactional: true,
        dialect: d,
        isolated: false,
        backfill: None,
        data: None,
    }
}

fn data(d: Dialect, step: usize, table: &str, op: DataOp) -> RenderedStep {
    RenderedStep {
        step,
        description: op.describe(&name(table)),
        statements: data_statements(d, &name(table), &op).unwrap(),
        transactional: true,
        dialect: d,
        isolated: false,
        backfill: None,
        data: Some(data_task(d, &name(table), &op).unwrap()),
    }
}

/// `t (id, v, x)` with `n` rows: v = id % 97, x NULL.
fn fill_sql(d: Dialect, table: &str, n: u64) -> String {
    let create =
        format!("CREATE TABLE {table} (id bigint PRIMARY KEY, v integer NOT NULL, x integer)");
    let insert = match d {
        Dialect::Postgres => format!(
            "INSERT INTO {table} (id, v) SELECT g, g % 97 FROM generate_series(1, {n}) AS g"
        ),
        Dialect::Mysql => {
            format!("INSERT INTO {table} (id, v) SELECT seq, seq % 97 FROM seq_1_to_{n}")
        }
        Dialect::Sqlite => format!(
            "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {n}) INSERT INTO {table} (id, v) SELECT n, n % 97 FROM s"
        ),
    };
    format!("{create};\n{insert};\n")
}

fn scalar(db: &mut Db, sql: &str) -> String {
    db.query(sql).unwrap()[0][0].clone().unwrap_or_default()
}

fn quiet(_: Progress) {}

fn states(db: &mut Db, id: &str) -> Vec<(String, String)> {
    db.query(&format!(
        "SELECT step, state FROM migrex_history WHERE migration_id = '{id}' ORDER BY step"
    ))
    .unwrap()
    .into_iter()
    .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
    .collect()
}

fn dbs() -> Vec<(Dialect, TestDb)> {
    Dialect::ALL
        .into_iter()
        .filter_map(|d| TestDb::new(d).map(|db| (d, db)))
        .collect()
}

/// add column, batched update, plain data SQL.
fn backfill_migration(d: Dialect) -> MigrationFile {
    MigrationFile::new(
        "0001_backfill",
        "add y and fill it",
        d,
        vec![
            plain(d, 1, &["ALTER TABLE t ADD COLUMN y integer"]),
            data(
                d,
                2,
                "t",
                DataOp::Update {
                    key: vec!["id".into()],
                    set: vec![Assignment {
                        column: "y".into(),
                        value: "v * 2".into(),
                    }],
                    filter: None,
                    batch_size: 700,
                },
            ),
            data(
                d,
                3,
                "t",
                DataOp::Sql {
                    description: "mark row 1".into(),
                    statements: vec!["UPDATE t SET x = 1 WHERE id = 1".into()],
                },
            ),
        ],
        vec![],
    )
}

#[test]
fn history_makes_a_rerun_skip_done_steps_and_a_changed_file_is_refused() {
    for (d, tdb) in dbs() {
        tdb.run(&fill_sql(d, "t", 5000));
        let mut db = tdb.connect();
        let m = backfill_migration(d);
        let mut batches = 0;
        let fixed = ExecOptions {
            target_batch_ms: None,
            ..Default::default()
        };
        let r = run_up(&mut db, &m, &fixed, &mut |p| {
            if let Progress::Batch { .. } = p {
                batches += 1;
            }
        })
        .unwrap_or_else(|e| panic!("{d}: {e}"));
        assert!(
            r.steps.iter().all(|s| s.outcome == Outcome::Applied),
            "{d}: {r:?}"
        );
        assert_eq!(r.steps[1].rows, 5000, "{d}");
        assert_eq!(batches, 8, "{d}: 5000 rows in batches of 700");
        assert_eq!(
            scalar(
                &mut db,
                "SELECT COUNT(*) FROM t WHERE y IS NULL OR y <> v * 2"
            ),
            "0",
            "{d}"
        );
        assert_eq!(
            states(&mut db, "0001_backfill"),
            [("1", "done"), ("2", "done"), ("3", "done")].map(|(a, b)| (a.into(), b.into())),
            "{d}"
        );
        // Again: nothing runs (ADD COLUMN would fail if it did).
        let again = run_up(&mut db, &m, &ExecOptions::default(), &mut quiet).unwrap();
        assert!(
            again
                .steps
                .iter()
                .all(|s| s.outcome == Outcome::AlreadyDone),
            "{d}: {again:?}"
        );
        // The same id with other steps: refused, naming the migration.
        let mut edited = m.clone();
        edited.up[2].statements[0] = "UPDATE t SET x = 2 WHERE id = 1".into();
        let err = run_up(&mut db, &edited, &ExecOptions::default(), &mut quiet).unwrap_err();
        assert!(
            matches!(err, ApplyError::ChecksumChanged { .. }),
            "{d}: {err}"
        );
        assert!(err.to_string().contains("0001_backfill"), "{err}");
    }
}

#[test]
fn a_second_run_is_refused_while_the_lock_is_held() {
    for (d, tdb) in dbs() {
        tdb.run(&fill_sql(d, "t", 10));
        let mut holder = tdb.connect();
        lock::acquire(&mut holder).unwrap();
        let mut db = tdb.connect();
        let err = run_up(
            &mut db,
            &backfill_migration(d),
            &ExecOptions::default(),
            &mut quiet,
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, ApplyError::Locked { .. }), "{d}: {text}");
        let names_holder = match d {
            Dialect::Postgres => text.contains("backend pid"),
            Dialect::Mysql => text.contains("connection "),
            Dialect::Sqlite => text.contains(&format!("process {}", std::process::id())),
        };
        assert!(names_holder, "{d}: {text}");
        // Nothing ran.
        assert_eq!(
            scalar(&mut db, "SELECT COUNT(*) FROM t WHERE x IS NOT NULL"),
            "0"
        );
        lock::release(&mut holder).unwrap();
        run_up(
            &mut db,
            &backfill_migration(d),
            &ExecOptions::default(),
            &mut quiet,
        )
        .unwrap_or_else(|e| panic!("{d}: {e}"));
    }
}

#[test]
fn a_failing_preflight_stops_before_the_first_step_and_lists_rows() {
    for (d, tdb) in dbs() {
        tdb.run(&fill_sql(d, "t", 100));
        let mut db = tdb.connect();
        let m = MigrationFile::new(
            "0002_preflight",
            "",
            d,
            vec![
                plain(d, 1, &["ALTER TABLE t ADD COLUMN y integer"]),
                data(
                    d,
                    2,
                    "t",
                    DataOp::Preflight {
                        description: "rows with v = 5".into(),
                        query: "SELECT id, v FROM t WHERE v = 5 ORDER BY id".into(),
                        limit: 1,
                    },
                ),
            ],
            vec![],
        );
        let err = run_up(&mut db, &m, &ExecOptions::default(), &mut quiet).unwrap_err();
        let text = err.to_string();
        let ApplyError::PreflightFailed { rows, step, .. } = &err else {
            panic!("{d}: {text}")
        };
        assert_eq!(*step, 2);
        assert_eq!(rows, &vec!["id=5, v=5".to_string()], "{d}");
        assert!(text.contains("nothing was changed"), "{text}");
        // Step 1 did not run: adding the column works.
        db.execute("ALTER TABLE t ADD COLUMN y integer").unwrap();
    }
}

fn proof_migration(d: Dialect, change: &str) -> MigrationFile {
    MigrationFile::new(
        "0003_proof",
        "",
        d,
        vec![
            data(
                d,
                1,
                "t",
                DataOp::ProofCapture {
                    name: "values".into(),
                    query: "SELECT id, v FROM t".into(),
                },
            ),
            data(
                d,
                2,
                "t",
                DataOp::Sql {
                    description: "change".into(),
                    statements: vec![change.into()],
                },
            ),
            data(
                d,
                3,
                "t",
                DataOp::ProofCheck {
                    name: "values".into(),
                    query: "SELECT id, v FROM t".into(),
                },
            ),
        ],
        vec![],
    )
}

#[test]
fn proofs_pass_when_the_projection_is_unchanged_and_fail_when_it_changed() {
    for (d, tdb) in dbs() {
        tdb.run(&fill_sql(d, "t", 1000));
        let mut db = tdb.connect();
        // x is outside the projection: the proof holds.
        run_up(
            &mut db,
            &proof_migration(d, "UPDATE t SET x = 7"),
            &ExecOptions::default(),
            &mut quiet,
        )
        .unwrap_or_else(|e| panic!("{d}: {e}"));
        // Swapping two values keeps the count, not the checksum.
        let mut m = proof_migration(
            d,
            "UPDATE t SET v = CASE WHEN id = 1 THEN 2 WHEN id = 2 THEN 1 ELSE v END",
        );
        m.id = "0004_proof".into();
        let err = run_up(&mut db, &m, &ExecOptions::default(), &mut quiet).unwrap_err();
        let ApplyError::ProofMismatch(p) = &err else {
            panic!("{d}: {err}")
        };
        let migrex_apply::ProofMismatch {
            count_before,
            count_after,
            checksum_before,
            checksum_after,
            state,
            ..
        } = p.as_ref();
        assert_eq!(
            (count_before.as_str(), count_after.as_str()),
            ("1000", "1000")
        );
        assert_ne!(checksum_before, checksum_after, "{d}");
        assert!(state.contains("cannot be undone"), "{state}");
        assert_eq!(states(&mut db, "0004_proof")[2].1, "failed", "{d}");
    }
}

#[test]
fn to_step_then_the_rest_then_rollback_step_by_step() {
    for (d, tdb) in dbs() {
        tdb.run(&fill_sql(d, "t", 300));
        let mut db = tdb.connect();
        let mut m = MigrationFile::new(
            "0005_steps",
            "",
            d,
            vec![
                plain(d, 1, &["CREATE TABLE a (id integer PRIMARY KEY)"]),
                plain(d, 2, &["ALTER TABLE t ADD COLUMN y integer"]),
                data(
                    d,
                    3,
                    "t",
                    DataOp::Update {
                        key: vec!["id".into()],
                        set: vec![Assignment {
                            column: "y".into(),
                            value: "v + 1".into(),
                        }],
                        filter: Some("v > 50".into()),
                        batch_size: 64,
                    },
                ),
            ],
            vec![
                data(
                    d,
                    3,
                    "t",
                    DataOp::Sql {
                        description: "clear y".into(),
                        statements: vec!["UPDATE t SET y = NULL".into()],
                    },
                ),
                plain(d, 2, &["ALTER TABLE t DROP COLUMN y"]),
                plain(d, 1, &["DROP TABLE a"]),
            ],
        );
        m.down_mode = DownMode::PerStep;
        let to2 = ExecOptions {
            to_step: Some(2),
            ..Default::default()
        };
        let r = run_up(&mut db, &m, &to2, &mut quiet).unwrap_or_else(|e| panic!("{d}: {e}"));
        assert_eq!(r.steps.len(), 2);
        assert_eq!(states(&mut db, "0005_steps").len(), 2);
        let r = run_up(&mut db, &m, &ExecOptions::default(), &mut quiet).unwrap();
        let outcomes: Vec<Outcome> = r.steps.iter().map(|s| s.outcome).collect();
        assert_eq!(
            outcomes,
            [Outcome::AlreadyDone, Outcome::AlreadyDone, Outcome::Applied]
        );
        assert_eq!(
            scalar(&mut db, "SELECT COUNT(*) FROM t WHERE y IS NOT NULL"),
            scalar(&mut db, "SELECT COUNT(*) FROM t WHERE v > 50"),
            "{d}: the filter bounds the update"
        );
        // Keep step 1: steps 3 and 2 are undone.
        let keep1 = ExecOptions {
            to_step: Some(1),
            ..Default::default()
        };
        let dry = run_down(
            &mut db,
            &m,
            &ExecOptions {
                dry_run: true,
                ..keep1.clone()
            },
            &mut quiet,
        )
        .unwrap();
        assert_eq!(dry.steps.len(), 2);
        assert!(
            dry.steps
                .iter()
                .all(|s| s.outcome == Outcome::WouldRollBack)
        );
        let r = run_down(&mut db, &m, &keep1, &mut quiet).unwrap_or_else(|e| panic!("{d}: {e}"));
        assert_eq!(r.steps.iter().map(|s| s.step).collect::<Vec<_>>(), [3, 2]);
        assert!(db.query("SELECT y FROM t").is_err(), "{d}: y is dropped");
        let st = states(&mut db, "0005_steps");
        assert_eq!(st[0].1, "done");
        assert_eq!(
            (st[1].1.as_str(), st[2].1.as_str()),
            ("rolled_back", "rolled_back")
        );
        // Apply again re-runs the rolled-back steps; then roll back everything.
        run_up(&mut db, &m, &ExecOptions::default(), &mut quiet).unwrap();
        run_down(&mut db, &m, &ExecOptions::default(), &mut quiet).unwrap();
        assert!(db.query("SELECT id FROM a").is_err(), "{d}: a is dropped");
        assert!(
            states(&mut db, "0005_steps")
                .iter()
                .all(|(_, s)| s == "rolled_back")
        );
    }
}

#[test]
fn a_batched_move_leaves_each_row_in_exactly_one_table() {
    for (d, tdb) in dbs() {
        tdb.run(&fill_sql(d, "t", 2500));
        tdb.run("CREATE TABLE archive (id bigint PRIMARY KEY, v integer NOT NULL)");
        let mut db = tdb.connect();
        let m = MigrationFile::new(
            "0006_move",
            "",
            d,
            vec![data(
                d,
                1,
                "archive",
                DataOp::Copy {
                    source: name("t"),
                    key: vec!["id".into()],
                    columns: vec!["id".into(), "v".into()],
                    values: vec!["src.id".into(), "src.v".into()],
                    filter: Some("src.v < 10".into()),
                    batch_size: 100,
                    delete_source: true,
                },
            )],
            vec![],
        );
        let r = run_up(&mut db, &m, &ExecOptions::default(), &mut quiet)
            .unwrap_or_else(|e| panic!("{d}: {e}"));
        let moved: u64 = scalar(&mut db, "SELECT COUNT(*) FROM archive")
            .parse()
            .unwrap();
        assert_eq!(r.steps[0].rows, moved, "{d}");
        assert!(moved > 200, "{d}: {moved}");
        assert_eq!(
            scalar(&mut db, "SELECT COUNT(*) FROM t WHERE v < 10"),
            "0",
            "{d}"
        );
        assert_eq!(
            scalar(&mut db, "SELECT COUNT(*) FROM t")
                .parse::<u64>()
                .unwrap()
                + moved,
            2500,
            "{d}"
        );
    }
}

#[test]
fn a_dry_run_changes_nothing() {
    for (d, tdb) in dbs() {
        tdb.run(&fill_sql(d, "t", 10));
        let mut db = tdb.connect();
        let dry = ExecOptions {
            dry_run: true,
            ..Default::default()
        };
        let r = run_up(&mut db, &backfill_migration(d), &dry, &mut quiet).unwrap();
        assert!(r.steps.iter().all(|s| s.outcome == Outcome::WouldRun));
        assert!(db.query("SELECT y FROM t").is_err(), "{d}");
        assert!(db.query("SELECT * FROM migrex_history").is_err(), "{d}");
    }
}

#[test]
fn down_proofs_are_captured_and_checked_within_the_rollback() {
    for (d, tdb) in dbs() {
        tdb.run(&fill_sql(d, "t", 200));
        let mut db = tdb.connect();
        let proof = |step: usize, check: bool| {
            let query = "SELECT id, v FROM t".to_string();
            let op = if check {
                DataOp::ProofCheck {
                    name: "v".into(),
                    query,
                }
            } else {
                DataOp::ProofCapture {
                    name: "v".into(),
                    query,
                }
            };
            data(d, step, "t", op)
        };
        let sql = |step: usize, stmt: &str| {
            data(
                d,
                step,
                "t",
                DataOp::Sql {
                    description: stmt.into(),
                    statements: vec![stmt.into()],
                },
            )
        };
        for (id, undo, holds) in [
            ("0007_ok", "UPDATE t SET x = NULL", true),
            (
                "0008_bad",
                "UPDATE t SET x = NULL, v = v + 1 WHERE id = 3",
                false,
            ),
        ] {
            let m = MigrationFile::new(
                id,
                "",
                d,
                vec![sql(0, "UPDATE t SET x = 1")],
                vec![proof(0, false), sql(1, undo), proof(2, true)],
            );
            run_up(&mut db, &m, &ExecOptions::default(), &mut quiet).unwrap();
            let r = run_down(&mut db, &m, &ExecOptions::default(), &mut quiet);
            match (holds, r) {
                (true, Ok(_)) => assert_eq!(states(&mut db, id)[0].1, "rolled_back"),
                (false, Err(ApplyError::ProofMismatch(p))) => assert_eq!(p.step, 2, "{d}"),
                (_, other) => panic!("{d} {id}: {other:?}"),
            }
        }
    }
}
