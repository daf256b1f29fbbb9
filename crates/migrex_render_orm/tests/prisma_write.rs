//! Prisma output proved with Prisma's own engines (WASM builds from npm, driven by
//! tests/prisma/engine.mjs in the folder `scripts/orm-env` prints as MIGREX_PRISMA):
//! - every schema.prisma migrex writes validates with prisma-schema-wasm, and reading it back
//!   gives the schema it was written from;
//! - a migration migrex writes from reader(before) to reader(after) is applied by the schema
//!   engine's `applyMigrations` on top of the engine's own migration for `before`, the database
//!   then equals reader(after), and the engine's drift check against `after` finds nothing;
//!   the down.sql beside it brings back `before`.
//!
//! On MySQL/MariaDB the schema engine cannot run here (its WASM build has no MySQL connector), so
//! the SQL Prisma would write is migrex's port of the engine's MySQL rules, itself checked
//! against prisma-engines' recorded output in `migrex_source_orm/tests/prisma_read.rs`: written
//! schemas still validate with prisma-schema-wasm, and written migrations are run on MariaDB
//! (migration.sql gives the target, down.sql the source).

use migrex_model::{Dialect, Loaded, Renames, Schema};
use migrex_render_orm::{MigrationInput, Target, save, write_migration, write_models};
use migrex_source_orm::{Framework, read};
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_orm/tests/fixtures/prisma")
        .join(name)
}

fn engine(node_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/prisma/engine.mjs");
    let out = Command::new("node")
        .arg("--experimental-wasm-modules")
        .arg("--no-warnings")
        .arg(script)
        .args(args)
        .current_dir(node_dir)
        .output()
        .expect("node runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The live schema without Prisma's own bookkeeping table.
fn without_prisma_table(mut loaded: Loaded) -> Schema {
    for ns in loaded.schema.namespaces.values_mut() {
        ns.tables.shift_remove("_prisma_migrations");
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

fn round_trip(fixture_name: &str, dialect: Dialect) {
    let Some(node_dir) = runner("MIGREX_PRISMA") else {
        return;
    };
    let schema = read(Framework::Prisma, &fixture(fixture_name), dialect)
        .unwrap()
        .loaded
        .schema;
    let files = write_models(Target::Prisma, &schema).unwrap();
    assert_eq!(files.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), &files).unwrap();
    let path = dir.path().join("prisma/schema.prisma");
    let (code, _, err) = engine(&node_dir, &["validate", path.to_str().unwrap()]);
    assert_eq!(
        code, 0,
        "prisma-schema-wasm rejects the written schema: {err}\n{}",
        files[0].contents
    );
    let back = read(Framework::Prisma, dir.path(), dialect)
        .unwrap()
        .loaded
        .schema;
    let d = schema_differences(
        &migrex_diff::canonical(&schema),
        &migrex_diff::canonical(&back),
    );
    assert!(
        d.is_empty(),
        "{}\ndifferences:\n{}",
        files[0].contents,
        d.join("\n")
    );
    // Prisma's own engine builds the written schema into the same database (on MySQL, the
    // reader's port of it).
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let sql = if dialect == Dialect::Mysql {
        mysql_sql(&path)
    } else {
        let (code, sql, err) = engine(
            &node_dir,
            &["diff-empty", &db.path_or_url(), path.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{err}");
        sql
    };
    db.run(&sql);
    assert_no_differences(
        &format!("{fixture_name}: engine-built database from the written schema vs the schema"),
        &db.introspect().schema,
        &schema,
    );
}

#[test]
fn prisma_models_round_trip_sqlite() {
    round_trip("blog_sqlite", Dialect::Sqlite);
    round_trip("blog_sqlite_v2", Dialect::Sqlite);
    round_trip("shop_multifile_sqlite", Dialect::Sqlite);
}

/// The SQL Prisma's engine writes for a MySQL schema file, as migrex's reader ports it.
fn mysql_sql(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let file = migrex_source_orm::prisma::parse::parse(path, &text).unwrap();
    migrex_source_orm::prisma::mysql::schema_sql(&[file], Dialect::Mysql)
        .unwrap()
        .0
}

#[test]
fn prisma_models_round_trip_mysql() {
    round_trip("blog_mysql", Dialect::Mysql);
    round_trip("blog_mysql_v2", Dialect::Mysql);
}

#[test]
fn prisma_migration_proof_mysql() {
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    // The project as Prisma left it: the database its first migration built.
    db.run(&mysql_sql(
        &fixture("blog_mysql").join("prisma/schema.prisma"),
    ));
    let from = read(Framework::Prisma, &fixture("blog_mysql"), Dialect::Mysql).unwrap();
    let to = read(Framework::Prisma, &fixture("blog_mysql_v2"), Dialect::Mysql).unwrap();
    let up = migrex_diff::plan(&from.loaded.schema, &to.loaded.schema, &Renames::default());
    let down = migrex_diff::down(&from.loaded.schema, &to.loaded.schema, &Renames::default());
    let out = tempfile::tempdir().unwrap();
    let files = write_migration(
        Target::Prisma,
        &MigrationInput {
            up: &up,
            down: &down,
            from: &from.loaded.schema,
            to: &to.loaded.schema,
            from_project: Some(&from),
            to_project: Some(&to),
            out_dir: out.path(),
            name: Some("release 2"),
            now: 1_764_026_096,
        },
    )
    .unwrap();
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "prisma/migrations/20251124231456_release_2/migration.sql",
            "prisma/migrations/20251124231456_release_2/down.sql",
            "prisma/migrations/migration_lock.toml"
        ]
    );
    assert!(
        files[2].contents.ends_with("provider = \"mysql\"\n"),
        "{}",
        files[2].contents
    );
    assert!(
        files[0].contents.contains("-- CreateTable\n"),
        "{}",
        files[0].contents
    );
    db.run(&files[0].contents);
    assert_no_differences(
        "database after migration.sql vs reader(after)",
        &db.introspect().schema,
        &to.loaded.schema,
    );
    db.run(&files[1].contents);
    assert_no_differences(
        "database after down.sql vs reader(before)",
        &db.introspect().schema,
        &from.loaded.schema,
    );
}

#[test]
fn prisma_convert_from_mysql_sql() {
    let Some(node_dir) = runner("MIGREX_PRISMA") else {
        return;
    };
    // A MySQL schema not written by Prisma: inline enums, unsigned and small integers, prefix,
    // descending and fulltext indexes, foreign keys with the indexes MySQL adds for them. Its
    // tables use the collation Prisma creates tables with, which a schema cannot say.
    let opts = "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci";
    let ddl = format!(
        "CREATE TABLE `account` (`id` int unsigned NOT NULL AUTO_INCREMENT, `e-mail` varchar(120) NOT NULL,          `kind` enum('free','paid','in trial') NOT NULL DEFAULT 'free', `ok` tinyint(1) NOT NULL DEFAULT 1,          `level` smallint NOT NULL DEFAULT 0, `bio` text, `owner` int unsigned DEFAULT NULL,          `seen` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), `at` timestamp(6) NULL,          `ratio` decimal(8,3) DEFAULT NULL, `blob` varbinary(16) DEFAULT NULL,          PRIMARY KEY (`id`), UNIQUE KEY `account_e-mail_key` (`e-mail`), KEY `acc_bio` (`bio`(20)),          KEY `acc_level_desc` (`level` DESC), FULLTEXT KEY `acc_ft` (`bio`),          CONSTRAINT `account_owner_fkey` FOREIGN KEY (`owner`) REFERENCES `account` (`id`) ON DELETE SET NULL ON UPDATE CASCADE) {opts};\n\
         CREATE TABLE `note` (`account_id` int unsigned NOT NULL, `n` int NOT NULL, `body` varchar(191) NOT NULL,          PRIMARY KEY (`account_id`, `n`), CONSTRAINT `note_account` FOREIGN KEY (`account_id`) REFERENCES `account` (`id`)) {opts};\n"
    );
    let to = migrex_test_support::read_ddl(Dialect::Mysql, &ddl, "to.sql");
    let files = write_models(Target::Prisma, &to.schema).unwrap();
    let out = tempfile::tempdir().unwrap();
    save(out.path(), &files).unwrap();
    let path = out.path().join("prisma/schema.prisma");
    let (code, _, err) = engine(&node_dir, &["validate", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}\n{}", files[0].contents);
    assert!(
        files[0].contents.contains("provider = \"mysql\""),
        "{}",
        files[0].contents
    );
    let back = read(Framework::Prisma, out.path(), Dialect::Mysql).unwrap();
    assert_no_differences(
        &format!(
            "schema.prisma read back vs the SQL schema\n{}",
            files[0].contents
        ),
        &back.loaded.schema,
        &to.schema,
    );
    // What Prisma builds from the written schema is the database the SQL builds.
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    db.run(&mysql_sql(&path));
    assert_no_differences(
        "MariaDB built from the written schema vs the SQL schema",
        &db.introspect().schema,
        &to.schema,
    );
}

#[test]
fn prisma_models_round_trip_postgres() {
    round_trip("blog_pg", Dialect::Postgres);
    round_trip("blog_pg_v2", Dialect::Postgres);
    round_trip("multischema_pg", Dialect::Postgres);
    round_trip("edge_pg", Dialect::Postgres);
}

fn migration_proof(before: &str, after: &str, dialect: Dialect) {
    let Some(node_dir) = runner("MIGREX_PRISMA") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let before_schema = fixture(before).join("prisma/schema.prisma");
    let after_schema = fixture(after).join("prisma/schema.prisma");
    let db_s = db.path_or_url();

    // The project as Prisma left it: its first migration, written and applied by the engine.
    let out = tempfile::tempdir().unwrap();
    let init = out.path().join("prisma/migrations/20250101000000_init");
    std::fs::create_dir_all(&init).unwrap();
    let (code, sql, err) = engine(
        &node_dir,
        &["diff-empty", &db_s, before_schema.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{err}");
    std::fs::write(init.join("migration.sql"), sql).unwrap();
    let provider = migrex_render_orm::prisma::provider(dialect);
    std::fs::write(
        out.path().join("prisma/migrations/migration_lock.toml"),
        format!("# Please do not edit this file manually\nprovider = \"{provider}\"\n"),
    )
    .unwrap();
    let migrations = out.path().join("prisma/migrations");
    let (code, applied, err) = engine(
        &node_dir,
        &[
            "apply",
            &db_s,
            migrations.to_str().unwrap(),
            before_schema.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "applying the engine's own init failed: {err}");
    assert!(applied.contains("20250101000000_init"), "{applied}");

    // migrex writes the next migration.
    let from = read(Framework::Prisma, &fixture(before), dialect).unwrap();
    let to = read(Framework::Prisma, &fixture(after), dialect).unwrap();
    let up = migrex_diff::plan(&from.loaded.schema, &to.loaded.schema, &Renames::default());
    let down = migrex_diff::down(&from.loaded.schema, &to.loaded.schema, &Renames::default());
    let files = write_migration(
        Target::Prisma,
        &MigrationInput {
            up: &up,
            down: &down,
            from: &from.loaded.schema,
            to: &to.loaded.schema,
            from_project: Some(&from),
            to_project: Some(&to),
            out_dir: out.path(),
            name: Some("release 2"),
            now: 1_764_026_096,
        },
    )
    .unwrap();
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "prisma/migrations/20251124231456_release_2/migration.sql",
            "prisma/migrations/20251124231456_release_2/down.sql"
        ],
        "the lock file exists and TO is a Prisma schema: nothing else is written"
    );
    save(out.path(), &files).unwrap();

    // Prisma's engine applies it, records it, and finds no drift from `after`.
    let (code, applied, err) = engine(
        &node_dir,
        &[
            "apply",
            &db_s,
            migrations.to_str().unwrap(),
            after_schema.to_str().unwrap(),
        ],
    );
    assert_eq!(
        code, 0,
        "applyMigrations failed: {err}\n{}",
        files[0].contents
    );
    assert!(applied.contains("20251124231456_release_2"), "{applied}");
    let live = without_prisma_table(db.introspect());
    assert_no_differences(
        "database after the migration vs reader(after)",
        &live,
        &to.loaded.schema,
    );
    let (code, drift, err) = engine(&node_dir, &["drift", &db_s, after_schema.to_str().unwrap()]);
    assert_eq!(
        code, 0,
        "Prisma's drift check found differences:\n{drift}{err}\nmigration:\n{}",
        files[0].contents
    );
    assert!(drift.contains("empty migration"), "{drift}");

    // The documented manual rollback brings back `before`.
    db.run(&files[1].contents);
    let live = without_prisma_table(db.introspect());
    assert_no_differences(
        "database after down.sql vs reader(before)",
        &live,
        &from.loaded.schema,
    );
}

#[test]
fn prisma_migration_proof_sqlite() {
    migration_proof("blog_sqlite", "blog_sqlite_v2", Dialect::Sqlite);
}

#[test]
fn prisma_migration_proof_postgres() {
    migration_proof("blog_pg", "blog_pg_v2", Dialect::Postgres);
}

#[test]
fn prisma_migration_from_sql_writes_lock_and_schema() {
    let Some(node_dir) = runner("MIGREX_PRISMA") else {
        return;
    };
    // TO is not a Prisma project (a schema from SQL): the lock file and a schema.prisma are
    // written too, and that schema validates.
    let to = migrex_test_support::read_ddl(
        Dialect::Sqlite,
        "CREATE TABLE \"account\" (\"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, \"e-mail\" TEXT NOT NULL, \"owner\" INTEGER, CONSTRAINT \"account_owner_fkey\" FOREIGN KEY (\"owner\") REFERENCES \"account\" (\"id\") ON DELETE SET NULL ON UPDATE CASCADE);\nCREATE UNIQUE INDEX \"account_e-mail_key\" ON \"account\"(\"e-mail\");\n",
        "to.sql",
    );
    let from = Schema::new(Dialect::Sqlite);
    let up = migrex_diff::plan(&from, &to.schema, &Renames::default());
    let down = migrex_diff::down(&from, &to.schema, &Renames::default());
    let out = tempfile::tempdir().unwrap();
    let files = write_migration(
        Target::Prisma,
        &MigrationInput {
            up: &up,
            down: &down,
            from: &from,
            to: &to.schema,
            from_project: None,
            to_project: None,
            out_dir: out.path(),
            name: None,
            now: 0,
        },
    )
    .unwrap();
    let names: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "prisma/migrations/19700101000000_migrex/migration.sql",
            "prisma/migrations/19700101000000_migrex/down.sql",
            "prisma/migrations/migration_lock.toml",
            "prisma/schema.prisma"
        ]
    );
    assert!(files[2].contents.contains("provider = \"sqlite\""));
    save(out.path(), &files).unwrap();
    let path = out.path().join("prisma/schema.prisma");
    let (code, _, err) = engine(&node_dir, &["validate", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}\n{}", files[3].contents);
    let back = read(Framework::Prisma, out.path(), Dialect::Sqlite).unwrap();
    assert_no_differences(
        "schema.prisma read back vs the SQL schema",
        &back.loaded.schema,
        &to.schema,
    );
    assert_eq!(back.history.migrations, ["19700101000000_migrex"]);
    // Prisma's engine applies the folder, and finds the database matches the written schema.
    let Some(db) = TestDb::new(Dialect::Sqlite) else {
        return;
    };
    let db_s = db.path_or_url();
    let migrations = out.path().join("prisma/migrations");
    let (code, applied, err) = engine(
        &node_dir,
        &[
            "apply",
            &db_s,
            migrations.to_str().unwrap(),
            path.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(applied.contains("19700101000000_migrex"), "{applied}");
    let (code, drift, err) = engine(&node_dir, &["drift", &db_s, path.to_str().unwrap()]);
    assert_eq!(code, 0, "drift:\n{drift}{err}");
}

#[test]
fn prisma_migration_follows_the_last_folder() {
    // A clock behind the last migration still gives a folder Prisma applies after it.
    let out = tempfile::tempdir().unwrap();
    let last = out.path().join("prisma/migrations/20300101000000_future");
    std::fs::create_dir_all(&last).unwrap();
    std::fs::write(last.join("migration.sql"), "SELECT 1;\n").unwrap();
    let to =
        migrex_test_support::read_ddl(Dialect::Postgres, "CREATE TABLE t (id integer);", "t.sql");
    let from = Schema::new(Dialect::Postgres);
    let up = migrex_diff::plan(&from, &to.schema, &Renames::default());
    let down = migrex_diff::down(&from, &to.schema, &Renames::default());
    let files = write_migration(
        Target::Prisma,
        &MigrationInput {
            up: &up,
            down: &down,
            from: &from,
            to: &to.schema,
            from_project: None,
            to_project: None,
            out_dir: out.path(),
            name: Some("Add T"),
            now: 1_764_026_096,
        },
    )
    .unwrap();
    assert_eq!(
        files[0].path,
        Path::new("prisma/migrations/20300101000001_add_t/migration.sql")
    );
    let sql = &files[0].contents;
    assert!(
        sql.contains("-- CreateTable\n-- migrex: create table public.t\nCREATE TABLE"),
        "{sql}"
    );
    assert!(
        files[1].contents.contains("-- DropTable"),
        "{}",
        files[1].contents
    );
    assert!(files.iter().any(
        |f| f.path == Path::new("prisma/migrations/migration_lock.toml")
            && f.contents.contains("provider = \"postgresql\"")
    ));
}

#[test]
fn prisma_empty_migration_says_so() {
    let project = read(Framework::Prisma, &fixture("blog_sqlite"), Dialect::Sqlite).unwrap();
    let schema = &project.loaded.schema;
    let up = migrex_diff::plan(schema, schema, &Renames::default());
    let out = tempfile::tempdir().unwrap();
    let files = write_migration(
        Target::Prisma,
        &MigrationInput {
            up: &up,
            down: &up,
            from: schema,
            to: schema,
            from_project: Some(&project),
            to_project: Some(&project),
            out_dir: out.path(),
            name: Some("nothing"),
            now: 0,
        },
    )
    .unwrap();
    assert!(
        files[0]
            .contents
            .ends_with("-- This is an empty migration.\n"),
        "{}",
        files[0].contents
    );
    // The provider comes from the project; the lock file is missing in this output folder.
    assert!(
        files
            .iter()
            .any(|f| f.path.ends_with("migration_lock.toml") && f.contents.contains("\"sqlite\""))
    );
}
