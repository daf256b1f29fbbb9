//! Online plans (`diff --online`) on the real servers: for each online form, load FROM with rows,
//! apply the online up plan through `migrex_apply`, and check that the database equals TO, the
//! rows are intact (count and checksum), a new diff is empty; then the same for the down plan
//! back to FROM. The rendered SQL is checked for the online statements each form promises.
//!
//! Run with `MIGREX_TEST_PG=postgres://postgres@127.0.0.1:5432/test
//! MIGREX_TEST_MYSQL=mysql://root@127.0.0.1:3306/test cargo test -p migrex --test live_online`.

use migrex::{Migration, PlanOptions};
use migrex_model::{Dialect, Renames};
use migrex_source_live::Db;
use migrex_test_support::{TestDb, assert_same_schema, introspect};

struct Case {
    dialect: Dialect,
    from: &'static str,
    to: &'static str,
    /// Rows loaded into FROM.
    seed: &'static str,
    /// One row whose cells sum up the data that must survive both ways.
    checksum: &'static str,
    /// Text every rendered up plan must contain.
    up_has: &'static [&'static str],
    down_has: &'static [&'static str],
}

fn one_row(db: &mut Db, sql: &str) -> Vec<Option<String>> {
    db.query(sql)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .next()
        .unwrap_or_default()
}

fn script(m: &[migrex::RenderedStep]) -> String {
    migrex::to_script(m)
}

fn run(case: &Case) -> Option<Migration> {
    let d = case.dialect;
    let (_to_db, to) = TestDb::introspected(d, case.to)?;
    let db = TestDb::with_sql(d, case.from)?;
    let mut conn = db.connect();
    conn.execute_script(case.seed)
        .unwrap_or_else(|e| panic!("seed: {e}"));
    let from = introspect(&mut conn);
    let before = one_row(&mut conn, case.checksum);
    let options = PlanOptions {
        online: true,
        // Small batches, so that a backfill runs several.
        batch_size: Some(7),
        lock_timeout_ms: Some(1500),
        ..Default::default()
    };
    let m = migrex::migration_with_options(&from, &to, &Renames::default(), &[], &options)
        .unwrap_or_else(|e| panic!("{e}"));
    let up = script(&m.up_sql);
    let down = script(&m.down_sql);
    for want in case.up_has {
        assert!(up.contains(want), "up plan lacks {want}:\n{up}");
    }
    for want in case.down_has {
        assert!(down.contains(want), "down plan lacks {want}:\n{down}");
    }
    // Every step is isolated; statements that cannot run in a transaction are in steps marked so.
    for s in m.up_sql.iter().chain(&m.down_sql) {
        assert!(s.isolated, "step {} not isolated", s.step);
        if d == Dialect::Postgres && s.statements.iter().any(|x| x.contains("CONCURRENTLY")) {
            assert!(
                !s.transactional,
                "{} is marked transactional",
                s.description
            );
        }
        if !s.statements.is_empty() && d != Dialect::Sqlite {
            assert!(
                s.statements[0].contains("lock_timeout")
                    || s.statements[0].contains("lock_wait_timeout"),
                "step {} has no lock timeout first: {:?}",
                s.step,
                s.statements
            );
        }
    }
    let report = migrex_apply::apply(&mut conn, &m.up_sql)
        .unwrap_or_else(|e| panic!("up failed: {e}\n{up}"));
    let after_up = introspect(&mut conn);
    assert_same_schema("online up vs TO", &to.schema, &after_up.schema);
    assert_eq!(
        before,
        one_row(&mut conn, case.checksum),
        "rows changed by the up plan"
    );
    let again = migrex::migration(&after_up, &to).unwrap_or_else(|e| panic!("{e}"));
    assert!(again.is_empty(), "diff after up:\n{}", again.up_script());
    migrex_apply::apply(&mut conn, &m.down_sql)
        .unwrap_or_else(|e| panic!("down failed: {e}\n{down}"));
    let after_down = introspect(&mut conn);
    assert_same_schema("online down vs FROM", &from.schema, &after_down.schema);
    assert_eq!(
        before,
        one_row(&mut conn, case.checksum),
        "rows changed by the down plan"
    );
    let back = migrex::migration(&after_down, &from).unwrap_or_else(|e| panic!("{e}"));
    assert!(back.is_empty(), "diff after down:\n{}", back.up_script());
    let _ = report;
    Some(m)
}

const PG_SEED: &str =
    "INSERT INTO t (id, v, note) SELECT g, g * 3, 'n' || g FROM generate_series(1, 50) g";
const PG_SUM: &str = "SELECT count(*), sum(id)::numeric::text, sum(v)::numeric::text, md5(string_agg(id::text || ':' || v::text || ':' || coalesce(note, ''), ',' ORDER BY id)) FROM t";

#[test]
fn pg_not_null_column_with_default_and_index() {
    let Some(m) = run(&Case {
        dialect: Dialect::Postgres,
        from: "CREATE TABLE t (id integer PRIMARY KEY, v integer, note text);",
        to: "CREATE TABLE t (id integer PRIMARY KEY, v integer, note text, flag boolean NOT NULL DEFAULT false);
             CREATE INDEX t_v_idx ON t (v);",
        seed: PG_SEED,
        checksum: PG_SUM,
        up_has: &[
            "SET lock_timeout = '1500ms'",
            "CREATE INDEX CONCURRENTLY \"t_v_idx\"",
            "NOT i.indisvalid",
            // A constant default is catalog-only on PostgreSQL 11+: one statement.
            "ADD COLUMN \"flag\" boolean DEFAULT false NOT NULL",
        ],
        down_has: &["DROP INDEX CONCURRENTLY IF EXISTS \"t_v_idx\""],
    }) else {
        return;
    };
    assert!(m.up_sql.iter().all(|s| s.backfill.is_none()));
}

#[test]
fn pg_volatile_default_is_backfilled() {
    let Some(m) = run(&Case {
        dialect: Dialect::Postgres,
        from: "CREATE TABLE t (id integer PRIMARY KEY, v integer, note text);",
        to: "CREATE TABLE t (id integer PRIMARY KEY, v integer, note text, r double precision NOT NULL DEFAULT random());",
        seed: PG_SEED,
        checksum: PG_SUM,
        up_has: &[
            "IS NULL",
            "CHECK (\"r\" IS NOT NULL) NOT VALID",
            "VALIDATE CONSTRAINT \"t_r_not_null\"",
            "SET NOT NULL",
        ],
        down_has: &[],
    }) else {
        return;
    };
    assert!(m.up_sql.iter().any(|s| s.backfill.is_some()));
}

#[test]
fn pg_int_to_bigint_expand_contract() {
    let Some(m) = run(&Case {
        dialect: Dialect::Postgres,
        from:
            "CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL CHECK (v >= 0), note text);
               CREATE INDEX t_v_idx ON t (v, note);
               CREATE TABLE c (id integer PRIMARY KEY, t_id integer REFERENCES t (id));",
        to: "CREATE TABLE t (id bigint PRIMARY KEY, v bigint NOT NULL CHECK (v >= 0), note text);
             CREATE INDEX t_v_idx ON t (v, note);
             CREATE TABLE c (id integer PRIMARY KEY, t_id integer REFERENCES t (id));",
        seed: "INSERT INTO t (id, v, note) SELECT g, g * 3, 'n' || g FROM generate_series(1, 50) g;
               INSERT INTO c SELECT g, g FROM generate_series(1, 20) g;",
        checksum: PG_SUM,
        up_has: &[
            "ADD COLUMN \"v_migrex_new\" bigint",
            "CREATE TRIGGER",
            "CREATE INDEX CONCURRENTLY \"t_v_idx_migrex_new\"",
            "CREATE UNIQUE INDEX CONCURRENTLY \"t_pkey_migrex_new\"",
            "PRIMARY KEY USING INDEX \"t_pkey_migrex_new\"",
            "RENAME COLUMN \"v_migrex_new\" TO \"v\"",
            "FOREIGN KEY (\"t_id\") REFERENCES \"t\" (\"id\") NOT VALID",
            "VALIDATE CONSTRAINT \"c_t_id_fkey\"",
            "CHECKPOINT: deploy application code",
            "BEGIN;",
        ],
        down_has: &["ADD COLUMN \"v_migrex_new\" integer"],
    }) else {
        return;
    };
    let backfills = m.up_sql.iter().filter(|s| s.backfill.is_some()).count();
    assert_eq!(backfills, 2, "one backfill per column");
}

#[test]
fn pg_foreign_key_not_valid_then_validated() {
    run(&Case {
        dialect: Dialect::Postgres,
        from: "CREATE TABLE p (id integer PRIMARY KEY);
               CREATE TABLE t (id integer PRIMARY KEY, v integer, note text);",
        to: "CREATE TABLE p (id integer PRIMARY KEY);
             CREATE TABLE t (id integer PRIMARY KEY, v integer REFERENCES p (id), note text);",
        seed:
            "INSERT INTO p SELECT g * 3 FROM generate_series(1, 50) g;
               INSERT INTO t (id, v, note) SELECT g, g * 3, 'n' || g FROM generate_series(1, 50) g;",
        checksum: PG_SUM,
        up_has: &[
            "ADD CONSTRAINT \"t_v_fkey\" FOREIGN KEY (\"v\") REFERENCES \"p\" (\"id\") NOT VALID",
            "ALTER TABLE \"t\" VALIDATE CONSTRAINT \"t_v_fkey\"",
        ],
        down_has: &["DROP CONSTRAINT \"t_v_fkey\""],
    });
}

#[test]
fn pg_set_not_null_unique_and_check() {
    run(&Case {
        dialect: Dialect::Postgres,
        from: "CREATE TABLE t (id integer PRIMARY KEY, v integer, note text);",
        to: "CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL UNIQUE, note text CHECK (note <> ''));",
        seed: PG_SEED,
        checksum: PG_SUM,
        up_has: &[
            "CHECK (\"v\" IS NOT NULL) NOT VALID",
            "VALIDATE CONSTRAINT \"t_v_not_null\"",
            "ALTER COLUMN \"v\" SET NOT NULL",
            "DROP CONSTRAINT \"t_v_not_null\"",
            "CREATE UNIQUE INDEX CONCURRENTLY \"t_v_key\"",
            "ADD CONSTRAINT \"t_v_key\" UNIQUE USING INDEX \"t_v_key\"",
            "NOT VALID",
            "VALIDATE CONSTRAINT \"t_note_check\"",
        ],
        down_has: &[],
    });
}

#[test]
fn mariadb_indexes_inplace_without_locks() {
    run(&Case {
        dialect: Dialect::Mysql,
        from: "CREATE TABLE t (id int PRIMARY KEY, v int, note varchar(20), KEY t_note (note)) ENGINE=InnoDB;",
        to: "CREATE TABLE t (id int PRIMARY KEY, v int, note varchar(20), KEY t_v (v)) ENGINE=InnoDB;",
        seed: "INSERT INTO t (id, v, note) SELECT seq, seq * 3, CONCAT('n', seq) FROM seq_1_to_50;",
        checksum: "SELECT count(*), sum(id), sum(v), md5(group_concat(id, ':', v, ':', note ORDER BY id)) FROM t",
        up_has: &[
            "SET SESSION lock_wait_timeout = 2",
            "CREATE INDEX `t_v` ON `t` (`v`) ALGORITHM=INPLACE LOCK=NONE",
            "ALTER TABLE `t` DROP INDEX `t_note`, ALGORITHM=INPLACE, LOCK=NONE",
        ],
        down_has: &["CREATE INDEX `t_note` ON `t` (`note`) ALGORITHM=INPLACE LOCK=NONE"],
    });
}
