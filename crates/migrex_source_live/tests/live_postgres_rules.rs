//! Live PostgreSQL: aggregates, rules, CLUSTER marks and indexes on materialized views, with
//! their comments, on the real server.
//!
//! (a) a DDL file read by the DDL reader equals the same file loaded and introspected, and
//!     pg_dump's output of it reads the same too;
//! (b) the plan from empty, applied to a scratch database, gives the same live schema, and its
//!     down direction empties the database;
//! (c) the plan from one version to another, applied, gives the new version, a second diff is
//!     empty, and the down plan gives the first version back.
//!
//! Run with `MIGREX_TEST_PG=postgres://postgres@127.0.0.1:5432/test cargo test -p migrex_source_live --test live_postgres_rules`.

use migrex_model::{Dialect, Loaded, Schema};
use migrex_test_support::{
    TestDb, assert_same_schema, assert_up_then_down, load_and_introspect, migration_script,
    plan_and_render, read_ddl, script_from_empty,
};

const PG: Dialect = Dialect::Postgres;

/// Version A.
const VERSION_A: &str = r#"
CREATE SCHEMA app;
CREATE TABLE payment (
    id integer PRIMARY KEY,
    amount numeric(8,2) NOT NULL,
    paid_on date NOT NULL,
    note text
);
CREATE INDEX payment_paid_on ON payment (paid_on);
CREATE TABLE payment_2024 (
    id integer PRIMARY KEY,
    amount numeric(8,2) NOT NULL,
    paid_on date NOT NULL,
    note text
);
CREATE TABLE audit (id serial PRIMARY KEY, what text);
CREATE TABLE app.items (id integer PRIMARY KEY, name text UNIQUE);
CLUSTER payment USING payment_pkey;
ALTER TABLE app.items CLUSTER ON items_name_key;

CREATE FUNCTION _concat(text, text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN $1 IS NULL THEN $2 ELSE $1 || ', ' || $2 END $$;
CREATE AGGREGATE concat_all(text) (SFUNC = _concat, STYPE = text);
COMMENT ON AGGREGATE concat_all(text) IS 'joins texts';
CREATE AGGREGATE app.total(numeric) (
    SFUNC = numeric_add, STYPE = numeric, INITCOND = '0', COMBINEFUNC = numeric_add,
    PARALLEL = SAFE
);
CREATE AGGREGATE app.pct(double precision ORDER BY double precision) (
    SFUNC = ordered_set_transition, STYPE = internal,
    FINALFUNC = percentile_cont_float8_final
);
CREATE AGGREGATE app.cnt(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '0');

CREATE VIEW notes AS SELECT concat_all(note) AS notes FROM payment;

CREATE RULE payment_2024_insert AS ON INSERT TO payment
    WHERE new.paid_on >= '2024-01-01'::date
    DO INSTEAD INSERT INTO payment_2024 (id, amount, paid_on, note)
        VALUES (new.id, new.amount, new.paid_on, new.note);
COMMENT ON RULE payment_2024_insert ON payment IS 'route 2024';
CREATE RULE audit_delete AS ON DELETE TO payment
    DO ALSO INSERT INTO audit (what) VALUES ('deleted ' || old.id);
CREATE RULE no_update AS ON UPDATE TO app.items DO INSTEAD NOTHING;

CREATE MATERIALIZED VIEW totals AS
    SELECT paid_on, sum(amount) AS total FROM payment GROUP BY paid_on;
CREATE UNIQUE INDEX totals_paid_on ON totals (paid_on);
CREATE INDEX totals_total ON totals (total DESC);
COMMENT ON INDEX totals_total IS 'by total';
CLUSTER totals USING totals_paid_on;
"#;

/// Version B: aggregates, rules, marks and matview indexes changed.
const VERSION_B: &str = r#"
CREATE SCHEMA app;
CREATE TABLE payment (
    id integer PRIMARY KEY,
    amount numeric(8,2) NOT NULL,
    paid_on date NOT NULL,
    note text
);
CREATE INDEX payment_paid_on ON payment (paid_on);
CREATE TABLE payment_2024 (
    id integer PRIMARY KEY,
    amount numeric(8,2) NOT NULL,
    paid_on date NOT NULL,
    note text
);
CREATE TABLE audit (id serial PRIMARY KEY, what text);
CREATE TABLE app.items (id integer PRIMARY KEY, name text UNIQUE);
-- The mark moves to another index; app.items loses its mark.
ALTER TABLE payment CLUSTER ON payment_paid_on;

CREATE FUNCTION _concat(text, text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN $1 IS NULL THEN $2 ELSE $1 || '; ' || $2 END $$;
-- An initial state now: replaced in place.
CREATE AGGREGATE concat_all(text) (SFUNC = _concat, STYPE = text, INITCOND = '');
COMMENT ON AGGREGATE concat_all(text) IS 'joins all texts';
-- A new state type: dropped and created again.
CREATE AGGREGATE app.total(numeric) (
    SFUNC = numeric_avg_accum, STYPE = internal, FINALFUNC = numeric_sum,
    COMBINEFUNC = numeric_avg_combine, SERIALFUNC = numeric_avg_serialize,
    DESERIALFUNC = numeric_avg_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE app.cnt(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '0');
COMMENT ON AGGREGATE app.cnt(*) IS 'counts';

CREATE VIEW notes AS SELECT concat_all(note) AS notes FROM payment;

-- Condition changed.
CREATE RULE payment_2024_insert AS ON INSERT TO payment
    WHERE new.paid_on >= '2024-01-01'::date AND new.paid_on < '2025-01-01'::date
    DO INSTEAD INSERT INTO payment_2024 (id, amount, paid_on, note)
        VALUES (new.id, new.amount, new.paid_on, new.note);
COMMENT ON RULE payment_2024_insert ON payment IS 'route 2024 only';
CREATE RULE audit_delete AS ON DELETE TO payment
    DO ALSO INSERT INTO audit (what) VALUES ('deleted ' || old.id);
COMMENT ON RULE audit_delete ON payment IS 'audit deletes';

CREATE MATERIALIZED VIEW totals AS
    SELECT paid_on, sum(amount) AS total FROM payment GROUP BY paid_on;
CREATE UNIQUE INDEX totals_paid_on ON totals (paid_on);
CREATE INDEX totals_by_total ON totals (total DESC);
COMMENT ON INDEX totals_by_total IS 'by total';
CREATE INDEX totals_recent ON totals (paid_on) WHERE paid_on > '2020-01-01'::date;
CLUSTER totals USING totals_by_total;
"#;

/// The warnings of a read that concern this test's object kinds.
fn object_warnings(l: &Loaded) -> Vec<String> {
    l.warnings
        .iter()
        .map(ToString::to_string)
        .filter(|w| {
            [
                "aggregate",
                "rule",
                "cluster",
                "index",
                "comment",
                "not modeled",
            ]
            .iter()
            .any(|k| w.to_lowercase().contains(k))
        })
        .collect()
}

#[test]
fn ddl_reader_equals_introspection_and_pg_dump() {
    if TestDb::new(PG).is_none() {
        return;
    }
    for (name, sql) in [("A", VERSION_A), ("B", VERSION_B)] {
        let ddl = read_ddl(PG, sql, name);
        assert!(
            object_warnings(&ddl).is_empty(),
            "{name}: DDL reader warnings: {:#?}",
            ddl.warnings
        );
        let (db, live) = TestDb::introspected(PG, sql).expect("server");
        assert!(
            object_warnings(&live).is_empty(),
            "{name}: introspection warnings: {:#?}",
            live.warnings
        );
        assert_same_schema(
            &format!("{name}: ddl (left) vs live (right)"),
            &ddl.schema,
            &live.schema,
        );
        let public = &live.schema.namespaces["public"];
        assert!(public.functions.contains_key("concat_all(text)"), "{name}");
        assert!(public.rules.contains_key("payment.audit_delete"), "{name}");
        assert!(public.views["totals"].indexes.len() >= 2, "{name}");
        assert!(public.views["totals"].cluster_on.is_some(), "{name}");
        assert!(public.tables["payment"].cluster_on.is_some(), "{name}");

        let out = std::process::Command::new("pg_dump")
            .args(["--schema-only", "--no-owner", "--no-privileges", "-d"])
            .arg(db.url_string())
            .output()
            .expect("pg_dump runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dump = read_ddl(PG, &String::from_utf8_lossy(&out.stdout), "pg_dump");
        assert!(
            object_warnings(&dump).is_empty(),
            "{name}: pg_dump output read with warnings: {:#?}",
            dump.warnings
        );
        assert_same_schema(
            &format!("{name}: pg_dump read (left) vs live (right)"),
            &dump.schema,
            &live.schema,
        );
    }
}

#[test]
fn plan_from_empty_recreates_the_schema() {
    if TestDb::new(PG).is_none() {
        return;
    }
    for (name, sql) in [("A", VERSION_A), ("B", VERSION_B)] {
        let (_db, live) = TestDb::introspected(PG, sql).expect("server");
        let script = script_from_empty(&live.schema);
        let again = load_and_introspect(PG, &script)
            .expect("server")
            .unwrap_or_else(|e| panic!("{name}: the plan from empty failed: {e}\n{script}"));
        assert_same_schema(
            &format!("{name}: original (left) vs recreated (right)"),
            &live.schema,
            &again.schema,
        );
        assert!(
            script
                .lines()
                .filter(|l| !l.starts_with("--") && l.contains("CLUSTER"))
                .all(|l| l.contains("CLUSTER ON")),
            "{name}: a mark must not run CLUSTER:\n{script}"
        );
        let db = TestDb::with_sql(PG, &script).expect("server");
        let down = migration_script(&live.schema, &Schema::new(PG));
        db.run(&down);
        let after = db.introspect().schema;
        assert!(after.is_empty(), "{name}: down to empty left {after:#?}");
    }
}

#[test]
fn changes_apply_then_rediff_is_empty_and_down_returns() {
    if TestDb::new(PG).is_none() {
        return;
    }
    let (db, live_a) = TestDb::introspected(PG, VERSION_A).expect("server");
    let (_db_b, live_b) = TestDb::introspected(PG, VERSION_B).expect("server");
    let (plan, steps) = plan_and_render(&live_a.schema, &live_b.schema);
    let kinds: Vec<String> = plan.steps.iter().map(|s| s.change.describe()).collect();
    for needle in [
        "replace aggregate public.concat_all(text)",
        "drop aggregate app.total(numeric)",
        "create aggregate app.total(numeric)",
        "drop aggregate app.pct",
        "set comment on function app.cnt()",
        "drop rule payment_2024_insert on public.payment",
        "create rule payment_2024_insert on public.payment",
        "drop rule no_update on app.items",
        "set comment on rule audit_delete",
        "mark index payment_paid_on for CLUSTER on public.payment",
        "remove the CLUSTER mark on app.items",
        "rename index totals_total to totals_by_total on public.totals",
        "create index totals_recent on public.totals",
        "mark index totals_by_total for CLUSTER on public.totals",
    ] {
        assert!(
            kinds.iter().any(|k| k.contains(needle)),
            "no step `{needle}` in:\n{}",
            kinds.join("\n")
        );
    }
    let up = migrex_render_sql::to_script(&steps);
    assert!(
        up.lines()
            .filter(|l| !l.starts_with("--") && l.contains("CLUSTER"))
            .all(|l| l.contains("CLUSTER ON") || l.contains("WITHOUT CLUSTER")),
        "a mark change must not run CLUSTER:\n{up}"
    );
    assert_up_then_down(&db, &up, &live_a.schema, &live_b.schema);
}

/// A materialized view created again (a column it reads changes type) gets its indexes and
/// CLUSTER mark back, and a rule follows its table being dropped.
#[test]
fn recreated_matview_keeps_its_indexes() {
    if TestDb::new(PG).is_none() {
        return;
    }
    let a = "CREATE TABLE t (id integer PRIMARY KEY, v integer);
             CREATE MATERIALIZED VIEW m AS SELECT id, v FROM t;
             CREATE UNIQUE INDEX m_id ON m (id);
             CLUSTER m USING m_id;";
    let b = "CREATE TABLE t (id integer PRIMARY KEY, v bigint);
             CREATE MATERIALIZED VIEW m AS SELECT id, v FROM t;
             CREATE UNIQUE INDEX m_id ON m (id);
             CLUSTER m USING m_id;";
    let (db, live_a) = TestDb::introspected(PG, a).expect("server");
    let (_db_b, live_b) = TestDb::introspected(PG, b).expect("server");
    let up = migration_script(&live_a.schema, &live_b.schema);
    db.run(&up);
    let after = db.introspect();
    assert_same_schema(
        "B (left) vs A migrated (right)",
        &live_b.schema,
        &after.schema,
    );
}
