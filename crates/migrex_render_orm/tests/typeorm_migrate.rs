//! TypeORM migrations migrex writes, proved with real TypeORM 1.1.1 (the npm folder
//! `scripts/orm-env` prints as MIGREX_TYPEORM, driven by
//! migrex_source_orm/tests/typeorm/driver.cjs, or its own CLI `typeorm-ts-node-commonjs` with a
//! data source in the project), on SQLite and PostgreSQL:
//! - TypeORM's CLI builds the database for the `before` entities (`schema:sync`);
//! - migrex's migration from reader(before) to reader(after) is placed in the project, whose
//!   entities are now `after`; `migration:run` applies it;
//! - `migration:generate --check` finds nothing left, and the database equals reader(after);
//! - `migration:revert` brings back reader(before).

use migrex_model::{Dialect, Loaded, Renames, Schema};
use migrex_render_orm::{MigrationInput, Target, save, write_migration};
use migrex_source_orm::{Framework, read};
use migrex_test_support::{TestDb, copy_dir, runner, schema_differences};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_orm/tests/fixtures/typeorm")
        .join(name)
}

fn driver(node_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrex_source_orm/tests/typeorm/driver.cjs");
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .env("NODE_PATH", node_dir.join("node_modules"))
        .output()
        .expect("node runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The project's data source for TypeORM's CLI: the database comes from the environment.
const DATA_SOURCE: &str = r#"import "reflect-metadata";
import { DataSource } from "typeorm";

export default new DataSource({
  ...(process.env.MIGREX_DB_TYPE === "postgres" || process.env.MIGREX_DB_TYPE === "mariadb"
    ? { type: process.env.MIGREX_DB_TYPE, url: process.env.MIGREX_DB }
    : { type: "better-sqlite3", database: process.env.MIGREX_DB }),
  entities: [__dirname + "/entity/**/*.ts"],
  migrations: [__dirname + "/migration/*.{ts,js}"],
});
"#;

/// A plain-JS migration already in the project: migrex's next one is JavaScript too.
const BASELINE_JS: &str = "module.exports = class Baseline1700000000000 {\n    name = 'Baseline1700000000000'\n    async up(queryRunner) {}\n    async down(queryRunner) {}\n}\n";

/// Runs TypeORM's own CLI (`typeorm-ts-node-commonjs`) in the project, as a user would.
fn cli(
    node_dir: &Path,
    project: &Path,
    dialect: Dialect,
    db: &TestDb,
    args: &[&str],
) -> (i32, String, String) {
    let script = node_dir.join("node_modules/typeorm/cli-ts-node-commonjs.js");
    let d = match dialect {
        Dialect::Postgres => "postgres",
        // The test server is MariaDB: TypeORM's `mysql` type misreads its nullable columns'
        // defaults, so the project says `mariadb`.
        Dialect::Mysql => "mariadb",
        Dialect::Sqlite => "sqlite",
    };
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .args(["-d", "src/data-source.ts"])
        .current_dir(project)
        .env("NODE_PATH", node_dir.join("node_modules"))
        // Type checking would need @types/node resolvable from the project.
        .env("TS_NODE_TRANSPILE_ONLY", "true")
        .env("MIGREX_DB_TYPE", d)
        .env("MIGREX_DB", db.path_or_url())
        .output()
        .expect("node runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The live schema without TypeORM's own bookkeeping table.
fn without_migrations_table(mut loaded: Loaded) -> Schema {
    for ns in loaded.schema.namespaces.values_mut() {
        ns.tables.shift_remove("migrations");
    }
    loaded.schema
}

fn assert_no_differences(what: &str, left: &Schema, right: &Schema) {
    let d = schema_differences(
        &migrex_diff::canonical(left),
        &migrex_diff::canonical(right),
    );
    assert!(d.is_empty(), "{what}:\n{}", d.join("\n"));
}

/// `js`: the project's migrations are plain JavaScript (a baseline one is there already).
fn migration_proof(before: &str, after: &str, dialect: Dialect, js: bool) {
    let Some(node_dir) = runner("MIGREX_TYPEORM") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let project = tempfile::tempdir().unwrap();
    let proj = project.path();
    copy_dir(&fixture(before), proj);
    std::fs::write(proj.join("src/data-source.ts"), DATA_SOURCE).unwrap();
    if js {
        std::fs::create_dir_all(proj.join("src/migration")).unwrap();
        std::fs::write(
            proj.join("src/migration/1700000000000-Baseline.js"),
            BASELINE_JS,
        )
        .unwrap();
    }

    // TypeORM builds `before`.
    let (code, out, err) = cli(&node_dir, proj, dialect, &db, &["schema:sync"]);
    assert_eq!(code, 0, "schema:sync failed: {out}{err}");

    // migrex writes the migration into the project.
    let from = read(Framework::Typeorm, &fixture(before), dialect).unwrap();
    let to = read(Framework::Typeorm, &fixture(after), dialect).unwrap();
    let up = migrex_diff::plan(&from.loaded.schema, &to.loaded.schema, &Renames::default());
    let down = migrex_diff::down(&from.loaded.schema, &to.loaded.schema, &Renames::default());
    let files = write_migration(
        Target::Typeorm,
        &MigrationInput {
            up: &up,
            down: &down,
            from: &from.loaded.schema,
            to: &to.loaded.schema,
            from_project: Some(&from),
            to_project: Some(&to),
            out_dir: proj,
            name: Some("release 2"),
            now: 1_764_026_096,
        },
    )
    .unwrap();
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    let (file, class_line) = if js {
        (
            "src/migration/1764026096000-Release2.js",
            "module.exports = class Release21764026096000 {",
        )
    } else {
        (
            "src/migration/1764026096000-Release2.ts",
            "export class Release21764026096000 implements MigrationInterface",
        )
    };
    assert_eq!(names, [file]);
    assert!(
        files[0].contents.contains(class_line),
        "{}",
        files[0].contents
    );
    save(proj, &files).unwrap();
    // The project's entities are now `after`.
    std::fs::remove_dir_all(proj.join("src/entity")).unwrap();
    copy_dir(&fixture(after).join("src/entity"), &proj.join("src/entity"));

    let (code, ran, err) = cli(&node_dir, proj, dialect, &db, &["migration:run"]);
    assert_eq!(
        code, 0,
        "migration:run failed: {ran}{err}\n{}",
        files[0].contents
    );
    assert!(
        ran.contains("Migration Release21764026096000 has been executed successfully"),
        "{ran}"
    );
    let (code, out, err) = cli(
        &node_dir,
        proj,
        dialect,
        &db,
        &[
            "migration:generate",
            "src/migration/Check",
            "--check",
            "--dryrun",
        ],
    );
    assert_eq!(
        code, 0,
        "migration:generate --check finds changes after migrex's migration:\n{out}{err}\n{}",
        files[0].contents
    );
    assert!(
        out.contains("No changes in database schema were found"),
        "{out}"
    );
    assert_no_differences(
        "database after migration:run vs reader(after)",
        &without_migrations_table(db.introspect()),
        &to.loaded.schema,
    );

    let (code, out, err) = cli(&node_dir, proj, dialect, &db, &["migration:revert"]);
    assert_eq!(
        code, 0,
        "migration:revert failed: {out}{err}\n{}",
        files[0].contents
    );
    assert!(
        out.contains("Migration Release21764026096000 has been reverted successfully"),
        "{out}"
    );
    assert_no_differences(
        "database after migration:revert vs reader(before)",
        &without_migrations_table(db.introspect()),
        &from.loaded.schema,
    );
}

#[test]
fn typeorm_migration_runs_checks_and_reverts_sqlite() {
    migration_proof("release1", "release2", Dialect::Sqlite, false);
}

#[test]
fn typeorm_migration_runs_checks_and_reverts_postgres() {
    migration_proof("release1", "release2", Dialect::Postgres, false);
}

#[test]
fn typeorm_migration_runs_checks_and_reverts_mysql() {
    migration_proof("release1", "release2", Dialect::Mysql, false);
}

#[test]
fn typeorm_javascript_migration_runs_and_reverts_sqlite_and_postgres() {
    migration_proof("release1", "release2", Dialect::Sqlite, true);
    migration_proof("release1", "release2", Dialect::Postgres, true);
}

#[test]
fn typeorm_migration_follows_the_last_one_and_the_project_extension() {
    let dir = tempfile::tempdir().unwrap();
    let mig = dir.path().join("db/migrations");
    std::fs::create_dir_all(&mig).unwrap();
    std::fs::write(
        dir.path().join("data-source.js"),
        "const { DataSource } = require(\"typeorm\");\nmodule.exports = new DataSource({ type: \"better-sqlite3\", database: \"x.db\", migrations: [\"db/migrations/*.js\"] });\n",
    )
    .unwrap();
    std::fs::write(
        mig.join("1999999999999-Later.js"),
        "module.exports = class Later1999999999999 { async up() {} async down() {} }\n",
    )
    .unwrap();
    let from = Schema::default();
    let plan = migrex_diff::plan(&from, &from, &Renames::default());
    let files = write_migration(
        Target::Typeorm,
        &MigrationInput {
            up: &plan,
            down: &plan,
            from: &from,
            to: &from,
            from_project: None,
            to_project: None,
            out_dir: dir.path(),
            name: None,
            now: 1_764_026_096,
        },
    )
    .unwrap();
    assert_eq!(
        files[0].path,
        PathBuf::from("db/migrations/2000000000000-Migrex.js")
    );
    assert!(
        files[0]
            .contents
            .contains("module.exports = class Migrex2000000000000")
    );
}

/// Entity files migrex writes read back as the schema they were written from, and TypeORM's
/// synchronize builds that schema from them.
fn models_round_trip(fixture_name: &str, dialect: Dialect, prelude: &str) {
    let schema = read(Framework::Typeorm, &fixture(fixture_name), dialect)
        .unwrap()
        .loaded
        .schema;
    let files = migrex_render_orm::write_models(Target::Typeorm, &schema).unwrap();
    let project = tempfile::tempdir().unwrap();
    save(project.path(), &files).unwrap();
    let dump = || {
        files
            .iter()
            .map(|f| format!("// {}\n{}", f.path.display(), f.contents))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let back = read(Framework::Typeorm, project.path(), dialect)
        .unwrap_or_else(|e| panic!("{e}\n{}", dump()))
        .loaded
        .schema;
    let d = schema_differences(
        &migrex_diff::canonical(&schema),
        &migrex_diff::canonical(&back),
    );
    assert!(d.is_empty(), "{}\ndifferences:\n{}", dump(), d.join("\n"));
    let Some(node_dir) = runner("MIGREX_TYPEORM") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    if !prelude.is_empty() {
        db.run(prelude);
    }
    let d_arg = match dialect {
        Dialect::Postgres => "postgres",
        Dialect::Mysql => "mysql",
        Dialect::Sqlite => "sqlite",
    };
    let (code, _, err) = driver(
        &node_dir,
        &[
            "sync",
            d_arg,
            &db.path_or_url(),
            project.path().to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "synchronize failed: {err}\n{}", dump());
    assert_no_differences(
        &format!("{fixture_name}: TypeORM-built database from the written entities vs the schema"),
        &db.introspect().schema,
        &schema,
    );
}

#[test]
fn typeorm_models_round_trip_sqlite() {
    models_round_trip("release1", Dialect::Sqlite, "");
    models_round_trip("release2", Dialect::Sqlite, "");
    models_round_trip("blog", Dialect::Sqlite, "");
    models_round_trip("edge", Dialect::Sqlite, "");
}

#[test]
fn typeorm_models_round_trip_postgres() {
    models_round_trip("release2", Dialect::Postgres, "");
    models_round_trip("blog", Dialect::Postgres, "");
    models_round_trip("edge", Dialect::Postgres, "");
    models_round_trip("shop_pg", Dialect::Postgres, "CREATE SCHEMA shop;");
}

#[test]
fn typeorm_models_round_trip_mysql() {
    models_round_trip("release1", Dialect::Mysql, "");
    models_round_trip("release2", Dialect::Mysql, "");
    models_round_trip("blog", Dialect::Mysql, "");
    models_round_trip("edge", Dialect::Mysql, "");
    models_round_trip("shop_mysql", Dialect::Mysql, "");
}
