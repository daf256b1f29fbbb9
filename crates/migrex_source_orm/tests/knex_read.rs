//! Reading Knex migrations is exact: Knex's own migrator (`migrate.latest`, driven by
//! `tests/knex/run.cjs` of migrex_render_orm with the npm folder `scripts/orm-env` prints as
//! MIGREX_KNEX) runs a fixture's migrations on a scratch database (SQLite through
//! better-sqlite3, PostgreSQL through pg, MariaDB through mysql2), and migrex's live
//! introspection of it (without Knex's bookkeeping tables) equals what the Knex reader replays;
//! then Knex rolls every migration back and only its own tables are left.

use migrex_model::{Dialect, Schema};
use migrex_source_orm::{Framework, Models, OrmError, read};
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/knex")
        .join(name)
}

/// Runs Knex's migrator (`latest`, `rollback`, `rollback-all`) on the database.
fn knex(node_dir: &Path, cmd: &str, db: &TestDb, migrations: &Path) -> String {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrex_render_orm/tests/knex/run.cjs");
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

fn without_bookkeeping(mut s: Schema) -> Schema {
    for ns in s.namespaces.values_mut() {
        for t in Framework::Knex.bookkeeping_tables() {
            ns.tables.shift_remove(*t);
        }
    }
    s
}

fn knex_builds_what_migrex_reads(name: &str, dialect: Dialect) {
    let Some(node_dir) = runner("MIGREX_KNEX") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let root = fixture(name);
    let project = read(Framework::Knex, &root, dialect).expect("the fixture reads");
    let dir = project.history.dir.clone().expect("a migrations folder");
    let log = knex(&node_dir, "latest", &db, &dir);
    assert!(log.contains(project.history.heads[0].as_str()), "{log}");
    let live = without_bookkeeping(db.introspect().schema);
    let d = schema_differences(&live, &project.loaded.schema);
    assert!(
        d.is_empty(),
        "differences (live vs reader):\n{}",
        d.join("\n")
    );
    assert!(matches!(project.models, Models::Knex(_)));
    assert!(project.loaded.schema.table_count() > 0);
    // Rolling everything back leaves only Knex's own tables.
    knex(&node_dir, "rollback-all", &db, &dir);
    let after = without_bookkeeping(db.introspect().schema);
    assert_eq!(after.table_count(), 0, "{:?}", after);
}

#[test]
fn knex_read_exact_sqlite() {
    knex_builds_what_migrex_reads("shop", Dialect::Sqlite);
}

#[test]
fn knex_read_exact_postgres() {
    knex_builds_what_migrex_reads("shop", Dialect::Postgres);
}

#[test]
fn knex_read_exact_postgres_native_enums_schemas_and_options() {
    knex_builds_what_migrex_reads("pg_features", Dialect::Postgres);
}

#[test]
fn knex_read_exact_sqlite_table_rebuilds() {
    knex_builds_what_migrex_reads("rebuilds", Dialect::Sqlite);
}

#[test]
fn knex_read_exact_postgres_same_calls_as_sqlite_rebuilds() {
    knex_builds_what_migrex_reads("rebuilds", Dialect::Postgres);
}

#[test]
fn knex_read_exact_mysql() {
    knex_builds_what_migrex_reads("shop", Dialect::Mysql);
}

#[test]
fn knex_read_exact_mysql_modify_and_rebuilds() {
    knex_builds_what_migrex_reads("rebuilds", Dialect::Mysql);
}

#[test]
fn knex_configured_dialect_history_and_detection() {
    let root = fixture("shop");
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Knex, &root),
        Some(Dialect::Sqlite)
    );
    assert_eq!(migrex_source_orm::detect(&root).unwrap(), Framework::Knex);
    let project = read(Framework::Knex, &root, Dialect::Sqlite).unwrap();
    assert_eq!(
        project.history.migrations,
        vec![
            "20240101000000_init.js".to_string(),
            "20240102000000_tags_and_orders.js".into(),
            "20240103000000_reshape.js".into()
        ]
    );
    assert_eq!(
        project.history.heads,
        vec!["20240103000000_reshape.js".to_string()]
    );
    assert!(
        project
            .history
            .dir
            .as_ref()
            .unwrap()
            .ends_with("db/migrations")
    );
    let loc = &project.loaded.provenance.locations["table authors"];
    assert!(loc.ends_with("20240101000000_init.js:5:21"), "{loc}");
}

fn read_one(file: &str, text: &str, dialect: Dialect) -> Result<Schema, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join("migrations").join(file), text).unwrap();
    match read(Framework::Knex, dir.path(), dialect) {
        Ok(p) => Ok(p.loaded.schema),
        Err(e @ OrmError::Input { .. }) => {
            let s = e.to_string();
            Err(s[s.find(file).unwrap()..].to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn knex_esm_and_typescript_migrations_read() {
    let esm = "export async function up(knex) {\n  await knex.schema.createTable('a', (t) => { t.increments(); t.string('n', 10); });\n}\nexport async function down(knex) {}\n";
    let s = read_one("20240101_a.js", esm, Dialect::Postgres).unwrap();
    assert_eq!(s.table_count(), 1);
    let ts = "import { Knex } from 'knex';\n\nexport async function up(knex: Knex): Promise<void> {\n  await knex.schema.createTable('b', (t: Knex.CreateTableBuilder) => {\n    t.uuid('id').primary();\n    t.string('n' as string).notNullable();\n  });\n}\n\nexport async function down(knex: Knex): Promise<void> {}\n";
    let s = read_one("20240101_b.ts", ts, Dialect::Sqlite).unwrap();
    assert_eq!(s.table_count(), 1);
}

#[test]
fn knex_dynamic_code_is_an_error_at_its_position() {
    let text = "exports.up = async (knex) => {\n  if (process.env.SKIP) return;\n  await knex.schema.createTable('a', (t) => t.increments());\n};\n";
    let e = read_one("1_a.js", text, Dialect::Sqlite).unwrap_err();
    assert!(
        e.starts_with("1_a.js:2:7: a condition migrex cannot know statically"),
        "{e}"
    );
    let text = "const cols = require('./cols');\nexports.up = (knex) => knex.schema.createTable('a', (t) => {\n  cols.forEach((c) => t.string(c));\n});\n";
    let e = read_one("1_a.js", text, Dialect::Sqlite).unwrap_err();
    assert!(e.starts_with("1_a.js:3:"), "{e}");
    let e = read_one(
        "1_a.js",
        "exports.up = (knex) => knex.schema.createTable(",
        Dialect::Sqlite,
    )
    .unwrap_err();
    assert!(e.contains("syntax error"), "{e}");
}

fn config_of(knexfile: &str, text: &str) -> migrex_source_orm::knex::Config {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(knexfile), text).unwrap();
    migrex_source_orm::knex::config(dir.path())
}

#[test]
fn knex_knexfile_forms() {
    // ESM default export, a named constant, a path.join directory.
    let c = config_of(
        "knexfile.mjs",
        "import path from 'path';\nconst config = { client: 'pg', migrations: { directory: path.join(__dirname, 'db/migrations'), loadExtensions: ['.mjs'] } };\nexport default config;\n",
    );
    assert_eq!(c.client.as_deref(), Some("pg"));
    assert_eq!(c.migrations_dir, PathBuf::from("db/migrations"));
    assert_eq!(c.load_extensions, vec!["mjs".to_string()]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    // Environments: `development` is what Knex's CLI uses by default.
    let c = config_of(
        "knexfile.ts",
        "import type { Knex } from 'knex';\nconst config: { [key: string]: Knex.Config } = {\n  production: { client: 'pg' },\n  development: { client: 'better-sqlite3', migrations: { directory: './src/migrations' } },\n};\nmodule.exports = config;\n",
    );
    assert_eq!(c.client.as_deref(), Some("better-sqlite3"));
    assert_eq!(c.migrations_dir, PathBuf::from("src/migrations"));
    // Values only known at run time: a warning, and Knex's defaults.
    let c = config_of(
        "knexfile.js",
        "module.exports = { client: process.env.DB_CLIENT, migrations: { directory: process.env.DIR } };\n",
    );
    assert_eq!(c.client, None);
    assert_eq!(c.migrations_dir, PathBuf::from("migrations"));
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
    assert!(
        c.warnings[0]
            .location
            .as_deref()
            .unwrap()
            .ends_with("knexfile.js")
    );
    assert_eq!(
        migrex_source_orm::knex::client_dialect("mysql2"),
        Some(Dialect::Mysql)
    );
    assert_eq!(
        migrex_source_orm::knex::client_dialect("postgres"),
        Some(Dialect::Postgres)
    );
}

#[test]
fn knex_this_is_the_table_builder_in_function_callbacks() {
    let text = "exports.up = function (knex) {\n  return knex.schema.createTable('old_style', function () {\n    this.increments();\n    this.string('name').notNullable();\n  });\n};\n";
    let s = read_one("1_old.js", text, Dialect::Postgres).unwrap();
    let t = s
        .namespaces
        .values()
        .find_map(|ns| ns.tables.get("old_style"))
        .unwrap();
    assert_eq!(t.columns.keys().collect::<Vec<_>>(), ["id", "name"]);
    assert!(t.primary_key.is_some());
}

#[test]
fn knex_has_table_and_has_column_are_answered_from_the_replayed_schema() {
    let text = "exports.up = async (knex) => {\n  await knex.schema.createTable('a', (t) => t.increments());\n  if (!(await knex.schema.hasTable('a'))) {\n    await knex.schema.createTable('never', (t) => t.increments());\n  }\n  const hasB = await knex.schema.hasColumn('a', 'b');\n  if (!hasB) await knex.schema.table('a', (t) => t.string('b'));\n  return knex.schema.hasTable('c').then((exists) => {\n    if (!exists) return knex.schema.createTable('c', (t) => t.increments());\n    return knex.schema.createTable('never2', (t) => t.increments());\n  });\n};\n";
    let s = read_one("1_a.js", text, Dialect::Sqlite).unwrap();
    let names: Vec<&str> = s
        .namespaces
        .values()
        .flat_map(|ns| ns.tables.keys().map(String::as_str))
        .collect();
    assert_eq!(names, ["a", "c"]);
    let a = s
        .namespaces
        .values()
        .find_map(|ns| ns.tables.get("a"))
        .unwrap();
    assert_eq!(a.columns.keys().collect::<Vec<_>>(), ["id", "b"]);
}

#[test]
fn knex_literal_loops_and_promise_chains_replay() {
    let text = "const COLS = ['a', 'b'];\nexports.up = function (knex, Promise) {\n  return Promise.all([\n    knex.schema.createTable('t', (t) => {\n      t.increments();\n      COLS.forEach((c) => t.string(c, 10));\n      for (const n of [1, 2]) {\n        t.integer(`n${n}`);\n      }\n    }),\n  ]).then(() => knex.schema.table('t', (t) => t.dropColumn('b')));\n};\n";
    let s = read_one("1_t.js", text, Dialect::Sqlite).unwrap();
    let t = s
        .namespaces
        .values()
        .find_map(|ns| ns.tables.get("t"))
        .unwrap();
    let cols: Vec<&str> = t.columns.keys().map(String::as_str).collect();
    assert_eq!(cols, ["id", "a", "n1", "n2"]);
}
