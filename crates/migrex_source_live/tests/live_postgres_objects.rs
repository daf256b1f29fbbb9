//! Live PostgreSQL: functions, procedures, triggers, extensions, policies, row-level security
//! flags and the comments on them, on the real server.
//!
//! (a) a DDL file read by the DDL reader equals the same file loaded and introspected;
//! (b) the plan from empty, applied to a scratch database, gives the same live schema;
//! (c) the plan from one version to another, applied, gives the new version, a second diff is
//!     empty, and the down plan gives the first version back.
//!
//! Run with `MIGREX_TEST_PG=postgres://postgres@127.0.0.1:5432/test cargo test -p migrex_source_live --test live_postgres_objects`.

use migrex_model::{Dialect, Loaded, Schema};
use migrex_test_support::{
    TestDb, assert_same_schema, assert_up_then_down, first_column, load_and_introspect,
    migration_script, plan_and_render, read_ddl, script_from_empty,
};
use std::path::Path;

const PG: Dialect = Dialect::Postgres;

/// Version A: the shared fixture.
fn version_a() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/postgres/routines_triggers_policies.sql");
    std::fs::read_to_string(path).expect("fixture")
}

/// Version B: A with bodies, signatures, attributes, triggers, policies, flags and comments
/// changed.
const VERSION_B: &str = r#"
CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE mood IS 'how it feels now';

CREATE TABLE accounts (
    id integer PRIMARY KEY,
    owner text NOT NULL,
    balance numeric(12,2) NOT NULL DEFAULT 0,
    feeling mood,
    updated_at timestamp with time zone
);
CREATE INDEX accounts_owner_idx ON accounts (owner);
COMMENT ON INDEX accounts_owner_idx IS 'accounts by owner';
CREATE TABLE app.audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    op text,
    n integer
);
CREATE SEQUENCE app.ticket;
COMMENT ON SEQUENCE app.ticket IS NULL;
CREATE VIEW account_names AS SELECT id, owner FROM accounts;

-- New body.
CREATE FUNCTION add(a integer, b integer) RETURNS integer
    LANGUAGE sql IMMUTABLE AS $$ SELECT b + a $$;
CREATE FUNCTION add(a numeric, b numeric DEFAULT 0) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT a + b $$;
COMMENT ON FUNCTION add(integer, integer) IS 'sum of two integers';

-- An OUT argument changes type: dropped and created again.
CREATE FUNCTION split_name(full_name varchar(200), OUT first text, OUT last varchar)
    LANGUAGE plpgsql AS $$
BEGIN
    first := split_part(full_name, ' ', 1);
    last := split_part(full_name, ' ', 2);
END
$$;

-- A new signature: the old one goes, the new one comes.
CREATE FUNCTION rich(min_balance integer) RETURNS TABLE(id integer, "Owner" text)
    LANGUAGE sql STABLE
    AS $$ SELECT id, owner FROM accounts WHERE balance >= min_balance $$;

CREATE FUNCTION app.moody(m mood, VARIADIC tags text[]) RETURNS SETOF accounts
    LANGUAGE sql STABLE COST 50 ROWS 30
    SET search_path = public, pg_temp
    SET work_mem = '8MB'
    AS 'SELECT * FROM accounts WHERE feeling = m';
COMMENT ON FUNCTION app.moody IS 'accounts in a mood';

-- No longer SECURITY DEFINER.
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

-- A new body.
CREATE FUNCTION log_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO app.audit (op, n) VALUES (TG_OP, 0);
    RETURN NULL;
END
$$;

CREATE FUNCTION view_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts (id, owner) VALUES (NEW.id, NEW.owner);
    RETURN NEW;
END
$$;

CREATE FUNCTION check_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.balance < 0 THEN
        RAISE EXCEPTION 'negative balance';
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION app.audited(n integer) RETURNS bigint LANGUAGE sql IMMUTABLE
    RETURN n * 2;

CREATE PROCEDURE transfer(IN src integer, IN dst integer, INOUT amount numeric DEFAULT 0)
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET balance = balance - amount WHERE id = src;
    UPDATE accounts SET balance = balance + amount WHERE id = dst;
    COMMIT;
END
$$;
COMMENT ON PROCEDURE transfer IS 'moves money';

-- WHEN changed, comment gone.
CREATE TRIGGER accounts_touch BEFORE INSERT OR UPDATE OF balance, owner ON accounts
    FOR EACH ROW WHEN (NEW.balance > 0) EXECUTE FUNCTION touch();
CREATE TRIGGER accounts_log AFTER UPDATE ON accounts
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION log_change();
COMMENT ON TRIGGER accounts_log ON accounts IS 'logs statements';
CREATE CONSTRAINT TRIGGER accounts_check AFTER UPDATE OR INSERT ON accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION check_balance();
CREATE TRIGGER names_insert INSTEAD OF INSERT ON account_names
    FOR EACH ROW EXECUTE FUNCTION view_insert();
CREATE TRIGGER audit_log AFTER INSERT ON app.audit
    FOR EACH ROW EXECUTE FUNCTION log_change(true);

ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY owner_all ON accounts USING (owner = SESSION_USER) WITH CHECK (balance >= 0);
COMMENT ON POLICY owner_all ON accounts IS 'owners see their own rows';
CREATE POLICY monitor_read ON accounts AS RESTRICTIVE FOR SELECT
    TO pg_monitor USING (id > 0);
CREATE POLICY no_delete ON accounts AS RESTRICTIVE FOR DELETE TO pg_monitor USING (false);
CREATE POLICY no_update ON accounts FOR UPDATE USING (balance > 0) WITH CHECK (balance > 0);
COMMENT ON POLICY no_update ON accounts IS 'no updates of empty accounts';
"#;

/// Extensions, when this server has them: `(A part, B part)`.
fn extension_parts() -> Option<(&'static str, &'static str)> {
    let db = TestDb::new(PG)?;
    let have = first_column(
        db.connect()
            .query(
                "SELECT name FROM pg_available_extensions \
                 WHERE name IN ('citext', 'hstore', 'pg_trgm')",
            )
            .expect("pg_available_extensions"),
    );
    if have.len() < 3 {
        eprintln!(
            "SKIP extension cases: citext, hstore and pg_trgm are not all available here (found {have:?})"
        );
        return None;
    }
    Some((
        "
CREATE SCHEMA ext;
CREATE SCHEMA ext2;
CREATE EXTENSION citext;
COMMENT ON EXTENSION citext IS 'case-insensitive text';
CREATE EXTENSION hstore WITH SCHEMA ext;
CREATE TABLE tags (name citext PRIMARY KEY);
CREATE FUNCTION tag_key(t citext) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT lower(t::text) $$;
COMMENT ON FUNCTION tag_key(citext) IS 'tag key';
",
        "
CREATE SCHEMA ext;
CREATE SCHEMA ext2;
CREATE EXTENSION citext;
COMMENT ON EXTENSION citext IS 'case-insensitive strings';
CREATE EXTENSION hstore;
CREATE EXTENSION pg_trgm;
COMMENT ON EXTENSION pg_trgm IS 'trigrams';
CREATE TABLE tags (name citext PRIMARY KEY);
CREATE FUNCTION tag_key(t citext) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT lower(t::text) $$;
COMMENT ON FUNCTION tag_key(citext) IS 'tag key';
",
    ))
}

fn versions() -> Option<(String, String)> {
    TestDb::new(PG)?;
    let (a, b) = (version_a(), VERSION_B.to_string());
    Some(match extension_parts() {
        Some((xa, xb)) => (format!("{a}\n{xa}"), format!("{b}\n{xb}")),
        None => (a, b),
    })
}

/// The warnings of a read that concern this test's object kinds.
fn object_warnings(l: &Loaded) -> Vec<String> {
    l.warnings
        .iter()
        .map(ToString::to_string)
        .filter(|w| {
            [
                "function",
                "procedure",
                "trigger",
                "policy",
                "extension",
                "routine",
                "comment",
            ]
            .iter()
            .any(|k| w.contains(k))
        })
        .collect()
}

#[test]
fn ddl_reader_equals_introspection() {
    let Some((a, b)) = versions() else { return };
    for (name, sql) in [("A", &a), ("B", &b)] {
        let ddl = read_ddl(PG, sql, name);
        assert!(
            object_warnings(&ddl).is_empty(),
            "{name}: DDL reader warnings: {:#?}",
            ddl.warnings
        );
        let (_db, live) = TestDb::introspected(PG, sql).expect("server");
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
        let ns = live.schema.namespaces.get("public").expect("public");
        assert!(ns.functions.len() >= 8, "{name}: functions not read");
        assert!(ns.triggers.len() >= 4, "{name}: triggers not read");
    }
}

#[test]
fn plan_from_empty_recreates_the_schema() {
    let Some((a, b)) = versions() else { return };
    for (name, sql) in [("A", &a), ("B", &b)] {
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
        // And the plan's down direction empties the database again.
        let db = TestDb::with_sql(PG, &script).expect("server");
        let down = migration_script(&live.schema, &Schema::new(PG));
        db.run(&down);
        let after = db.introspect().schema;
        assert!(after.is_empty(), "{name}: down to empty left {after:#?}");
    }
}

#[test]
fn changes_apply_then_rediff_is_empty_and_down_returns() {
    let Some((a, b)) = versions() else { return };
    let (db, live_a) = TestDb::introspected(PG, &a).expect("server");
    let (_db_b, live_b) = TestDb::introspected(PG, &b).expect("server");
    let (plan, steps) = plan_and_render(&live_a.schema, &live_b.schema);
    let kinds: Vec<String> = plan.steps.iter().map(|s| s.change.describe()).collect();
    for needle in [
        "replace function public.add(integer, integer)",
        "drop function public.rich(numeric)",
        "create function public.rich(integer)",
        "drop function public.split_name",
        "create function app.audited(integer)",
        "drop trigger accounts_truncate",
        "alter policy owner_all",
        "drop policy audit_insert",
        "create policy no_update",
        "alter options of table public.accounts",
        "replace procedure public.transfer",
    ] {
        assert!(
            kinds.iter().any(|k| k.contains(needle)),
            "no step `{needle}` in:\n{}",
            kinds.join("\n")
        );
    }
    if !live_a.schema.extensions.is_empty() {
        for needle in ["alter extension hstore", "create extension pg_trgm"] {
            assert!(
                kinds.iter().any(|k| k.contains(needle)),
                "no step `{needle}` in:\n{}",
                kinds.join("\n")
            );
        }
    }
    let up = migrex_render_sql::to_script(&steps);
    assert_up_then_down(&db, &up, &live_a.schema, &live_b.schema);
}

#[test]
fn pg_dump_output_reads_like_the_database() {
    let Some((a, _)) = versions() else { return };
    let (db, live) = TestDb::introspected(PG, &a).expect("server");
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
    let dump = String::from_utf8_lossy(&out.stdout);
    let read = read_ddl(PG, &dump, "pg_dump");
    assert!(
        object_warnings(&read).is_empty(),
        "pg_dump output read with warnings: {:#?}",
        read.warnings
    );
    assert_same_schema(
        "pg_dump read (left) vs live (right)",
        &read.schema,
        &live.schema,
    );
}

/// `read(render(m)) == m` without a database, for both versions and the corpus schemas with
/// routines and triggers (the workspace-wide round trip covers every dialect; this one keeps the
/// PostgreSQL objects of this file in view).
#[test]
fn rendered_ddl_reads_back_to_the_same_model() {
    let mut inputs = vec![
        ("A".to_string(), version_a()),
        ("B".to_string(), VERSION_B.to_string()),
    ];
    for rel in [
        "corpus/sakila/postgres-sakila-db/postgres-sakila-schema.sql",
        "corpus/adventureworks-pg/install-ddl.sql",
        "corpus/pagila/pagila-schema-pg15.sql",
    ] {
        let path = migrex_test_support::shared_path(rel);
        inputs.push((
            rel.to_string(),
            std::fs::read_to_string(path).expect("corpus file"),
        ));
    }
    for (name, sql) in inputs {
        let model = read_ddl(PG, &sql, &name);
        let rendered = script_from_empty(&model.schema);
        let again = match migrex_source_sql::parse(&rendered, PG, "rendered.sql") {
            Ok(l) => l,
            Err(e) => panic!("{name}: rendered DDL does not read: {e}\n{rendered}"),
        };
        assert!(
            object_warnings(&again).is_empty(),
            "{name}: rendered DDL read with warnings: {:#?}",
            again.warnings
        );
        assert_same_schema(
            &format!("{name}: read(render(m)) (left) vs m (right)"),
            &again.schema,
            &model.schema,
        );
    }
}
