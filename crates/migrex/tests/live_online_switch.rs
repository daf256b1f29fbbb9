//! Online column renames (PostgreSQL, MariaDB) and MariaDB type changes that only a table copy
//! could do, on the real servers while application code writes: a table with rows, the online
//! plan applied step by step while a writer thread runs "old code" (writes naming the old
//! column) until the deploy point and "new code" (naming the new column) after it, with writes
//! between every two steps. Each write goes to a control table in the same transaction, so
//! that at the end every row of the migrated table must equal the control table (count and
//! checksum). The database then introspects equal to TO and a new diff is empty; the down plan
//! (online too, the writer's roles reversed) brings FROM back with the data intact.
//!
//! Run with `MIGREX_TEST_PG=postgres://postgres@127.0.0.1:5432/test
//! MIGREX_TEST_MYSQL=mysql://root@127.0.0.1:3306/test cargo test -p migrex --test live_online_switch`.

use migrex::{Migration, PlanOptions, RenderedStep};
use migrex_model::{Dialect, QualifiedName, Renames};
use migrex_safety::{Flavor, Target, Version};
use migrex_source_live::Db;
use migrex_test_support::{TestDb, assert_same_schema, introspect};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Rows seeded into the table.
const ROWS: u64 = 20_000;
/// Rows of `c` that reference `t` (their `t` rows are never updated by the writer).
const REFERENCED: u64 = 100;

struct Writer {
    /// The column the running code names: 0 the old one, 1 the new one.
    new_code: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
    handle: std::thread::JoinHandle<Vec<String>>,
}

/// One transaction of application code naming `col`: a new row and an update of an existing
/// row, each mirrored into `ctl`.
fn write(db: &mut Db, d: Dialect, col: &str, id: u64, round: u64) -> Result<(), String> {
    let q = |s: &str| migrex_dialect::quote_ident(d, s);
    let c = q(col);
    let k = REFERENCED + 1 + (round * 7919) % (ROWS - REFERENCED);
    let stmts = [
        if d == Dialect::Postgres {
            "BEGIN".to_string()
        } else {
            "START TRANSACTION".to_string()
        },
        format!(
            "INSERT INTO {} ({}, {c}, {}) VALUES ({id}, {}, 'w{round}')",
            q("t"),
            q("id"),
            q("note"),
            id * 1000
        ),
        format!(
            "INSERT INTO {} ({}, {}) VALUES ({id}, {})",
            q("ctl"),
            q("id"),
            q("v"),
            id * 1000
        ),
        format!(
            "UPDATE {} SET {c} = {c} + 1 WHERE {} = {k}",
            q("t"),
            q("id")
        ),
        format!(
            "UPDATE {} SET {} = {} + 1 WHERE {} = {k}",
            q("ctl"),
            q("v"),
            q("v"),
            q("id")
        ),
        "COMMIT".to_string(),
    ];
    for s in &stmts {
        if let Err(e) = db.execute(s) {
            let _ = db.execute("ROLLBACK");
            return Err(format!("{s}: {e}"));
        }
    }
    Ok(())
}

impl Writer {
    /// Starts writing through its own connection, naming `old` (then `new` once told).
    fn start(url: String, d: Dialect, old: &str, new: &str, first_id: u64) -> Writer {
        let new_code = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let (n, s, c) = (new_code.clone(), stop.clone(), done.clone());
        let (old, new) = (old.to_string(), new.to_string());
        let handle = std::thread::spawn(move || {
            let mut db = Db::connect(&url).unwrap_or_else(|e| panic!("writer: {e}"));
            let mut failures = Vec::new();
            let mut round = 0;
            while !s.load(Ordering::SeqCst) {
                let col = if n.load(Ordering::SeqCst) { &new } else { &old };
                if let Err(e) = write(&mut db, d, col, first_id + round, round) {
                    failures.push(e);
                }
                round += 1;
                c.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
            }
            failures
        });
        Writer {
            new_code,
            stop,
            done,
            handle,
        }
    }

    /// Waits until the writer has committed a few more transactions.
    fn settle(&self) {
        let start = self.done.load(Ordering::SeqCst);
        let t0 = Instant::now();
        while self.done.load(Ordering::SeqCst) < start + 3 {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "the writer is stuck"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn finish(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::SeqCst);
        let failures = self.handle.join().expect("writer thread");
        (self.done.load(Ordering::SeqCst), failures)
    }
}

/// Count and checksum of `(id, col)` of `table`.
fn checksum(db: &mut Db, d: Dialect, table: &str, col: &str) -> Vec<Option<String>> {
    let q = |s: &str| migrex_dialect::quote_ident(d, s);
    let sql = match d {
        Dialect::Postgres => format!(
            "SELECT count(*), md5(string_agg({id}::text || ':' || coalesce({c}::text, '-'), ',' ORDER BY {id})) FROM {t}",
            id = q("id"),
            c = q(col),
            t = q(table)
        ),
        _ => format!(
            "SELECT count(*), md5(group_concat({id}, ':', coalesce({c}, '-') ORDER BY {id} SEPARATOR ',')) FROM {t}",
            id = q("id"),
            c = q(col),
            t = q(table)
        ),
    };
    db.query(&sql)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Applies `steps` one by one while the writer runs: old code until the deploy point (the
/// checkpoint step), new code after it, and writes between every two steps; no write may fail.
fn apply_under_writes(
    db: &TestDb,
    conn: &mut Db,
    steps: &[RenderedStep],
    old: &str,
    new: &str,
    script_backfill: bool,
) {
    let d = conn.dialect();
    let first_id = next_id_block(conn, d) + 1;
    let w = Writer::start(db.url_string(), d, old, new, first_id);
    w.settle();
    let mut deployed = false;
    for step in steps {
        let mut step = step.clone();
        if script_backfill && step.backfill.is_some() {
            // The script's own loop (a MySQL procedure) instead of the applier's.
            step.backfill = None;
        }
        migrex_apply::apply(conn, std::slice::from_ref(&step))
            .unwrap_or_else(|e| panic!("step {} failed: {e}", step.description));
        if step.description.starts_with("CHECKPOINT") {
            w.new_code.store(true, Ordering::SeqCst);
            deployed = true;
        }
        w.settle();
    }
    assert!(deployed, "no deploy point in the plan");
    let (writes, failures) = w.finish();
    assert!(
        failures.is_empty(),
        "{} of {writes} writes failed: {failures:#?}",
        failures.len()
    );
    assert!(writes >= 3 * steps.len() as u64);
}

/// The greatest id written so far (seeded or by an earlier writer).
fn next_id_block(conn: &mut Db, d: Dialect) -> u64 {
    let q = |s: &str| migrex_dialect::quote_ident(d, s);
    let max = conn
        .query(&format!("SELECT max({}) FROM {}", q("id"), q("ctl")))
        .unwrap_or_else(|e| panic!("{e}"));
    max.first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
}

struct Case {
    dialect: Dialect,
    from: &'static str,
    to: &'static str,
    seed: &'static str,
    /// The column renamed (old, new); for a type change both are the same.
    column: (&'static str, &'static str),
    up_has: &'static [&'static str],
    /// Run the backfill through the script's statements rather than the applier's loop.
    script_backfill: bool,
}

fn run(case: &Case) -> Option<Migration> {
    let d = case.dialect;
    let (_to_db, to) = TestDb::introspected(d, case.to)?;
    let db = TestDb::with_sql(d, case.from)?;
    let mut conn = db.connect();
    conn.execute_script(case.seed)
        .unwrap_or_else(|e| panic!("seed: {e}"));
    let from = introspect(&mut conn);
    let (old, new) = case.column;
    let mut renames = Renames::default();
    if old != new {
        let t: QualifiedName = to
            .schema
            .tables()
            .map(|(q, _)| q.clone())
            .find(|q| q.name == "t")
            .expect("table t");
        renames
            .columns
            .insert((t, old.to_string()), new.to_string());
    }
    let target = match d {
        Dialect::Mysql => Target::new(Flavor::Mariadb, Some(Version::new(10, 11, 0))),
        _ => Target::of_dialect(d, Some(Version::new(12, 0, 0))),
    };
    let options = PlanOptions {
        online: true,
        target: Some(target),
        batch_size: Some(1000),
        lock_timeout_ms: Some(2000),
        ..Default::default()
    };
    let m = migrex::migration_with_options(&from, &to, &renames, &[], &options)
        .unwrap_or_else(|e| panic!("{e}"));
    let up = m.up_script();
    for want in case.up_has {
        assert!(up.contains(want), "up plan lacks {want}:\n{up}");
    }
    assert!(
        !up.contains(&format!(
            "RENAME COLUMN {}",
            migrex_dialect::quote_ident(d, old)
        )) || old == new,
        "a plain rename in the online plan:\n{up}"
    );
    assert_eq!(
        checksum(&mut conn, d, "t", old),
        checksum(&mut conn, d, "ctl", "v")
    );
    apply_under_writes(&db, &mut conn, &m.up_sql, old, new, case.script_backfill);
    let after_up = introspect(&mut conn);
    assert_same_schema("online up vs TO", &to.schema, &after_up.schema);
    let again = migrex::migration(&after_up, &to).unwrap_or_else(|e| panic!("{e}"));
    assert!(again.is_empty(), "diff after up:\n{}", again.up_script());
    assert_eq!(
        checksum(&mut conn, d, "t", new),
        checksum(&mut conn, d, "ctl", "v"),
        "rows differ from the control table after the up plan"
    );
    // Down: the code now running names the new column; the code deployed names the old one.
    apply_under_writes(&db, &mut conn, &m.down_sql, new, old, case.script_backfill);
    let after_down = introspect(&mut conn);
    assert_same_schema("online down vs FROM", &from.schema, &after_down.schema);
    let back = migrex::migration(&after_down, &from).unwrap_or_else(|e| panic!("{e}"));
    assert!(back.is_empty(), "diff after down:\n{}", back.up_script());
    assert_eq!(
        checksum(&mut conn, d, "t", old),
        checksum(&mut conn, d, "ctl", "v"),
        "rows differ from the control table after the down plan"
    );
    Some(m)
}

const PG_FROM: &str = "CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL DEFAULT 0 CONSTRAINT t_a_check CHECK (a >= 0), note text, CONSTRAINT t_a_key UNIQUE (a));
CREATE INDEX t_a_idx ON t (a, note);
CREATE TABLE c (id integer PRIMARY KEY, t_a integer CONSTRAINT c_t_a_fkey REFERENCES t (a));
CREATE TABLE ctl (id integer PRIMARY KEY, v integer NOT NULL);";

#[test]
fn pg_rename_under_writes() {
    run(&Case {
        dialect: Dialect::Postgres,
        from: PG_FROM,
        to: "CREATE TABLE t (id integer PRIMARY KEY, b integer NOT NULL DEFAULT 0 CONSTRAINT t_a_check CHECK (b >= 0), note text, CONSTRAINT t_a_key UNIQUE (b));
CREATE INDEX t_a_idx ON t (b, note);
CREATE TABLE c (id integer PRIMARY KEY, t_a integer CONSTRAINT c_t_a_fkey REFERENCES t (b));
CREATE TABLE ctl (id integer PRIMARY KEY, v integer NOT NULL);",
        seed: "INSERT INTO t (id, a, note) SELECT g, g * 1000, 'n' || g FROM generate_series(1, 20000) g;
INSERT INTO ctl SELECT g, g * 1000 FROM generate_series(1, 20000) g;
INSERT INTO c SELECT g, g * 1000 FROM generate_series(1, 100) g;",
        column: ("a", "b"),
        up_has: &[
            "ADD COLUMN \"b\" integer",
            "TG_OP = 'INSERT'",
            "CREATE UNIQUE INDEX CONCURRENTLY \"t_a_key_migrex_new\"",
            "CREATE INDEX CONCURRENTLY \"t_a_idx_migrex_new\"",
            "CHECK (\"b\" IS NOT NULL) NOT VALID",
            "ADD CONSTRAINT \"t_a_key\" UNIQUE USING INDEX \"t_a_key_migrex_new\"",
            "FOREIGN KEY (\"t_a\") REFERENCES \"t\" (\"b\") NOT VALID",
            "VALIDATE CONSTRAINT \"c_t_a_fkey\"",
            "CHECKPOINT: deploy application code that reads and writes",
            "DROP COLUMN \"a\"",
        ],
        script_backfill: false,
    });
}

const MARIA_FROM: &str = "CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL DEFAULT 0, note varchar(20), KEY t_a (a, note), UNIQUE KEY t_a_u (a)) ENGINE=InnoDB;
CREATE TABLE ctl (id int PRIMARY KEY, v int NOT NULL) ENGINE=InnoDB;";
const MARIA_SEED: &str =
    "INSERT INTO t (id, a, note) SELECT seq, seq * 1000, CONCAT('n', seq) FROM seq_1_to_20000;
INSERT INTO ctl SELECT seq, seq * 1000 FROM seq_1_to_20000;";

#[test]
fn mariadb_rename_under_writes() {
    run(&Case {
        dialect: Dialect::Mysql,
        from: MARIA_FROM,
        to: "CREATE TABLE t (id int PRIMARY KEY, b int NOT NULL DEFAULT 0, note varchar(20), KEY t_a (b, note), UNIQUE KEY t_a_u (b)) ENGINE=InnoDB;
CREATE TABLE ctl (id int PRIMARY KEY, v int NOT NULL) ENGINE=InnoDB;",
        seed: MARIA_SEED,
        column: ("a", "b"),
        up_has: &[
            "ADD COLUMN `b` int, ALGORITHM=INSTANT",
            "BEFORE INSERT ON `t` FOR EACH ROW BEGIN IF NEW.`b` IS NULL",
            "BEFORE UPDATE ON `t`",
            "CREATE PROCEDURE",
            "ALGORITHM=INPLACE, LOCK=NONE",
            "CREATE UNIQUE INDEX `t_a_u_migrex_new`",
            "LOCK TABLES `t` WRITE",
            "DROP COLUMN `a`",
            "RENAME INDEX `t_a_migrex_new` TO `t_a`",
            "ALGORITHM=NOCOPY, LOCK=NONE",
            "UNLOCK TABLES",
        ],
        // The script's procedure is what runs the backfill here.
        script_backfill: true,
    });
}

#[test]
fn mariadb_copy_type_change_under_writes() {
    run(&Case {
        dialect: Dialect::Mysql,
        from: "CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL, s varchar(20), note varchar(20), KEY t_a (a)) ENGINE=InnoDB;
CREATE TABLE ctl (id int PRIMARY KEY, v bigint NOT NULL) ENGINE=InnoDB;",
        to: "CREATE TABLE t (id int PRIMARY KEY, a bigint NOT NULL, s varchar(25), note varchar(20), KEY t_a (a)) ENGINE=InnoDB;
CREATE TABLE ctl (id int PRIMARY KEY, v bigint NOT NULL) ENGINE=InnoDB;",
        seed: MARIA_SEED,
        column: ("a", "a"),
        up_has: &[
            "ADD COLUMN `a_migrex_new` bigint, ALGORITHM=INSTANT",
            "SET NEW.`a_migrex_new` = NEW.`a`",
            "MODIFY COLUMN `s` varchar(25), ALGORITHM=INSTANT",
            "CHANGE COLUMN `a_migrex_new` `a` bigint NOT NULL",
            "ALGORITHM=NOCOPY, LOCK=NONE",
        ],
        script_backfill: false,
    });
}
