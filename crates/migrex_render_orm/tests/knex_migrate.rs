//! Knex migrations migrex writes, proved with Knex's own migrator (tests/knex/run.cjs, in the
//! npm folder `scripts/orm-env` prints as MIGREX_KNEX), on SQLite, PostgreSQL and MariaDB:
//! a project at `before` is migrated by Knex; migrex's migration from reader(before) to
//! reader(after) is added; `migrate.latest` applies it and the database equals reader(after)
//! (and reading the project with the new file gives after); `rollback` brings back
//! reader(before); rolling back everything leaves only Knex's own tables. A data step (with a
//! `?` Knex must not take for a binding) runs in order. `convert --to knex` output run on an
//! empty database builds the schema.

use migrex_model::{Change, DataOp, Dialect, Phase, Schema, Step};
use migrex_render_orm::{MigrationInput, Target, save, write_migration, write_models};
use migrex_source_orm::{Framework, read};
use migrex_test_support::{TestDb, copy_dir, plan_and_render, runner, schema_differences};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/knex")
        .join(name)
}

fn knex(node_dir: &Path, cmd: &str, db: &TestDb, migrations: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/knex/run.cjs");
    let url = db.url_string();
    let (client, conn) = match url.strip_prefix("sqlite://") {
        Some(file) => ("better-sqlite3", file.to_string()),
        None if url.starts_with("mysql") => ("mysql2", url),
        None => ("pg", url),
    };
    let out = Command::new("node")
        .arg(script)
        .args([cmd, client, &conn, migrations.to_str().unwrap()])
        .env("NODE_PATH", node_dir.join("node_modules"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "knex {cmd} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The live schema without Knex's tables, indexes and keys in name order (SQLite lists them in
/// creation order, which a migration changes without the schema being any different).
fn live(db: &TestDb) -> Schema {
    let mut s = db.introspect().schema;
    for ns in s.namespaces.values_mut() {
        for t in Framework::Knex.bookkeeping_tables() {
            ns.tables.shift_remove(*t);
        }
    }
    migrex_diff::canonical(&s)
}

fn same(what: &str, left: &Schema, right: &Schema) {
    let d = schema_differences(
        &migrex_diff::canonical(left),
        &migrex_diff::canonical(right),
    );
    assert!(d.is_empty(), "{what}:\n{}", d.join("\n"));
}

fn round_trip(dialect: Dialect) {
    let Some(node_dir) = runner("MIGREX_KNEX") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let before = read(Framework::Knex, &fixture("before"), dialect).unwrap();
    let after = read(Framework::Knex, &fixture("after"), dialect).unwrap();
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixture("before"), work.path());
    let migrations = work.path().join("migrations");
    knex(&node_dir, "latest", &db, &migrations);
    same("knex built before", &live(&db), &before.loaded.schema);

    // A row that the data step below fills in.
    db.run("INSERT INTO customers (name, email) VALUES ('Ada', 'ada@example.com')");
    let (mut up, _) = plan_and_render(&before.loaded.schema, &after.loaded.schema);
    // A data step right after `phone` is added (plans from recipes carry such steps).
    let at = up
        .steps
        .iter()
        .position(|s| match &s.change {
            Change::AddColumn { column, .. } => column.name == "phone",
            // SQLite adds it by rebuilding the table.
            Change::RebuildTable { to, .. } => to.columns.contains_key("phone"),
            _ => false,
        })
        .expect("the plan adds phone");
    let customers = match &up.steps[at].change {
        Change::AddColumn { table, .. } => table.clone(),
        Change::RebuildTable { name, .. } => name.clone(),
        _ => unreachable!(),
    };
    up.steps.insert(
        at + 1,
        Step {
            id: 10_000,
            change: Change::Data {
                table: customers,
                operation: DataOp::Sql {
                    description: "phone numbers are unknown until asked".into(),
                    statements: vec![
                        "UPDATE customers SET phone = 'unknown?' WHERE phone IS NULL".into(),
                    ],
                },
            },
            phase: Phase::Backfill,
            depends_on: Vec::new(),
            transactional: true,
        },
    );
    let (down, _) = plan_and_render(&after.loaded.schema, &before.loaded.schema);
    assert!(!up.steps.is_empty());
    let files = write_migration(
        Target::Knex,
        &MigrationInput {
            up: &up,
            down: &down,
            from: &before.loaded.schema,
            to: &after.loaded.schema,
            from_project: Some(&before),
            to_project: Some(&after),
            out_dir: work.path(),
            name: Some("evolve"),
            now: 1_764_000_000,
        },
    )
    .unwrap();
    assert_eq!(files.len(), 1);
    assert!(
        files[0].path.starts_with("migrations"),
        "{:?}",
        files[0].path
    );
    assert!(
        files[0]
            .contents
            .contains("exports.up = async function (knex)")
    );
    // The schema builder where it says the step exactly, knex.raw for the rest.
    let js = &files[0].contents;
    assert!(js.contains("await knex.schema.dropTable('notes');"), "{js}");
    if dialect != Dialect::Mysql {
        assert!(
            js.contains("await knex.schema.createTable('products', (table) => {"),
            "{js}"
        );
        assert!(js.contains("table.increments('id');"), "{js}");
    }
    if dialect == Dialect::Postgres {
        assert!(js.contains("table.dropColumn('legacy_code');"), "{js}");
        assert!(js.contains("table.bigInteger('age').alter();"), "{js}");
        assert!(
            js.contains(".references(['id']).inTable('customers').onDelete('CASCADE');"),
            "{js}"
        );
    } else if dialect == Dialect::Sqlite {
        // SQLite's table rebuilds cannot run inside Knex's transaction.
        assert!(
            js.contains("exports.config = { transaction: false };"),
            "{js}"
        );
    }
    save(work.path(), &files).unwrap();

    let log = knex(&node_dir, "latest", &db, &migrations);
    assert!(log.contains("_evolve.js"), "{log}");
    same("after migrate:latest", &live(&db), &after.loaded.schema);
    let phones = db.connect().query("SELECT phone FROM customers").unwrap();
    assert_eq!(phones, vec![vec![Some("unknown?".to_string())]]);
    // migrex reading the project with its own migration gives `after`.
    let reread = read(Framework::Knex, work.path(), dialect).unwrap();
    same(
        "reader of the migrated project",
        &reread.loaded.schema,
        &after.loaded.schema,
    );

    knex(&node_dir, "rollback", &db, &migrations);
    same("after migrate:rollback", &live(&db), &before.loaded.schema);
    knex(&node_dir, "latest", &db, &migrations);
    knex(&node_dir, "rollback-all", &db, &migrations);
    assert_eq!(live(&db).table_count(), 0);
}

#[test]
fn knex_migration_round_trip_sqlite() {
    round_trip(Dialect::Sqlite);
}

#[test]
fn knex_migration_round_trip_postgres() {
    round_trip(Dialect::Postgres);
}

#[test]
fn knex_migration_round_trip_mysql() {
    round_trip(Dialect::Mysql);
}

fn initial_migration(dialect: Dialect) {
    let Some(node_dir) = runner("MIGREX_KNEX") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let after = read(Framework::Knex, &fixture("after"), dialect).unwrap();
    let files = write_models(Target::Knex, &after.loaded.schema).unwrap();
    let work = tempfile::tempdir().unwrap();
    save(work.path(), &files).unwrap();
    knex(&node_dir, "latest", &db, &work.path().join("migrations"));
    same(
        "convert --to knex, migrated",
        &live(&db),
        &after.loaded.schema,
    );
    knex(
        &node_dir,
        "rollback-all",
        &db,
        &work.path().join("migrations"),
    );
    assert_eq!(live(&db).table_count(), 0);
}

#[test]
fn knex_initial_migration_sqlite() {
    initial_migration(Dialect::Sqlite);
}

#[test]
fn knex_initial_migration_postgres() {
    initial_migration(Dialect::Postgres);
}

#[test]
fn knex_initial_migration_mysql() {
    initial_migration(Dialect::Mysql);
}
