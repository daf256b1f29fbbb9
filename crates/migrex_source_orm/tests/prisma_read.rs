//! Reading Prisma schemas is exact: the SQL Prisma's own schema engine writes for a fixture
//! (`diff` from empty, the WASM engine from npm driven by `engine.mjs`) is run on a scratch
//! database, and migrex's live introspection of it equals what the Prisma reader built.

use migrex_model::Dialect;
use migrex_source_orm::prisma::parse::{self, Pos, Value};
use migrex_source_orm::{Framework, Models, OrmError, read};
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/prisma")
        .join(name)
}

/// Runs engine.mjs in the npm folder `scripts/orm-env` prints as MIGREX_PRISMA.
fn engine(node_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrex_render_orm/tests/prisma/engine.mjs");
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

fn engine_builds_what_migrex_reads(fixture_name: &str, dialect: Dialect) {
    let Some(node_dir) = runner("MIGREX_PRISMA") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let root = fixture(fixture_name);
    let (_, files, _) = migrex_source_orm::prisma::locate(&root).expect("a Prisma fixture");
    let db_s = db.path_or_url();
    let mut args = vec!["diff-empty", db_s.as_str()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let (code, sql, err) = engine(&node_dir, &args);
    assert_eq!(code, 0, "engine diff failed: {err}");
    assert!(
        sql.contains("CREATE TABLE"),
        "the engine wrote no tables:\n{sql}"
    );
    db.run(&sql);
    let live = db.introspect();
    let project = read(Framework::Prisma, &root, dialect).expect("the fixture reads");
    let d = schema_differences(&live.schema, &project.loaded.schema);
    assert!(
        d.is_empty(),
        "engine SQL:\n{sql}\ndifferences (live vs reader):\n{}",
        d.join("\n")
    );
    assert!(matches!(project.models, Models::Prisma(_)));
}

#[test]
fn prisma_read_exact_sqlite() {
    engine_builds_what_migrex_reads("blog_sqlite", Dialect::Sqlite);
}

#[test]
fn prisma_read_exact_postgres() {
    engine_builds_what_migrex_reads("blog_pg", Dialect::Postgres);
}

#[test]
fn prisma_read_exact_sqlite_second_release_and_multifile() {
    engine_builds_what_migrex_reads("blog_sqlite_v2", Dialect::Sqlite);
    engine_builds_what_migrex_reads("shop_multifile_sqlite", Dialect::Sqlite);
}

#[test]
fn prisma_read_exact_postgres_second_release() {
    engine_builds_what_migrex_reads("blog_pg_v2", Dialect::Postgres);
}

#[test]
fn prisma_read_exact_postgres_native_types_and_list_defaults() {
    engine_builds_what_migrex_reads("edge_pg", Dialect::Postgres);
}

// MySQL/MariaDB. Prisma's WASM schema engine has no MySQL connector ("Unsupported adapter
// provider: Mysql"), so it cannot build these databases here. The evidence instead: the SQL
// migrex builds is compared with the SQL prisma-engines' own tests record for the same schemas,
// that recorded SQL is run on MariaDB and introspected back equal to what the reader built, and
// every schema is validated by `@prisma/prisma-schema-wasm`, which knows the `mysql` provider.

/// Runs prisma-schema-wasm's `validate` on a schema's files.
fn validate(files: &[PathBuf]) {
    let Some(node_dir) = runner("MIGREX_PRISMA") else {
        return;
    };
    let mut args = vec!["validate"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let (code, _, err) = engine(&node_dir, &args);
    assert_eq!(code, 0, "prisma-schema-wasm rejects {files:?}: {err}");
}

/// The SQL the MySQL reader builds for a schema text, and the folder holding it.
fn mysql_sql(schema: &str) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.prisma");
    std::fs::write(&path, schema).unwrap();
    let file = parse::parse(&path, schema).unwrap();
    let (sql, _) = migrex_source_orm::prisma::mysql::schema_sql(&[file], Dialect::Mysql).unwrap();
    (sql, dir)
}

/// What a recorded MySQL migration builds on MariaDB equals what the reader builds.
fn recorded_sql_builds_what_migrex_reads(what: &str, root: &Path, sql: &str) {
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    db.run(sql);
    let live = db.introspect();
    let project = read(Framework::Prisma, root, Dialect::Mysql).expect("the schema reads");
    let d = schema_differences(&live.schema, &project.loaded.schema);
    assert!(
        d.is_empty(),
        "{what}: SQL:\n{sql}\ndifferences (MariaDB vs reader):\n{}",
        d.join("\n")
    );
}

const MYSQL_DATASOURCE: &str = "datasource db {\n  provider = \"mysql\"\n}\n";

/// Schemas and the migration prisma-engines' tests expect `migrate dev` to write for them on
/// MySQL, copied from the files named (the datasource blocks without their `url`, which Prisma 7
/// no longer accepts in the schema).
const RECORDED: &[(&str, &str, &str)] = &[
    (
        "schema-engine/sql-migration-tests/tests/single_migration_tests/mysql/create_constraint_name_tests_w_implicit_names.prisma",
        r#"datasource mydb {
    provider = "mysql"
    relationMode = "prisma"
}

model A {
    id   Int    @id
    name String @unique
    a    String
    b    String
    B    B[]    @relation("AtoB")
    @@unique([a, b], name: "compound")
    @@index([a])
}

model B {
    a   String
    b   String
    aId Int
    A   A      @relation("AtoB", fields: [aId], references: [id])
    @@index([a,b])
    @@id([a, b])
}
"#,
        "-- CreateTable
CREATE TABLE `A` (
    `id` INTEGER NOT NULL,
    `name` VARCHAR(191) NOT NULL,
    `a` VARCHAR(191) NOT NULL,
    `b` VARCHAR(191) NOT NULL,

    UNIQUE INDEX `A_name_key`(`name`),
    INDEX `A_a_idx`(`a`),
    UNIQUE INDEX `A_a_b_key`(`a`, `b`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `B` (
    `a` VARCHAR(191) NOT NULL,
    `b` VARCHAR(191) NOT NULL,
    `aId` INTEGER NOT NULL,

    INDEX `B_a_b_idx`(`a`, `b`),
    PRIMARY KEY (`a`, `b`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
",
    ),
    (
        "schema-engine/sql-migration-tests/tests/single_migration_tests/mysql/create_constraint_name_tests_w_explicit_names.prisma",
        r#"datasource mydb {
    provider = "mysql"
    relationMode = "prisma"
}

model A {
    id   Int    @id
    name String @unique(map: "SingleUnique")
    a    String
    b    String
    B    B[]    @relation("AtoB")
    @@unique([a, b], name: "compound", map:"NamedCompoundUnique")
    @@unique([a, b], map:"UnNamedCompoundUnique")
    @@index([a], map: "SingleIndex")
}

model B {
    a   String
    b   String
    aId Int
    A   A      @relation("AtoB", fields: [aId], references: [id], map: "ForeignKey")
    @@index([a,b], map: "CompoundIndex")
    @@id([a, b])
}
"#,
        "-- CreateTable
CREATE TABLE `A` (
    `id` INTEGER NOT NULL,
    `name` VARCHAR(191) NOT NULL,
    `a` VARCHAR(191) NOT NULL,
    `b` VARCHAR(191) NOT NULL,

    UNIQUE INDEX `SingleUnique`(`name`),
    INDEX `SingleIndex`(`a`),
    UNIQUE INDEX `NamedCompoundUnique`(`a`, `b`),
    UNIQUE INDEX `UnNamedCompoundUnique`(`a`, `b`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateTable
CREATE TABLE `B` (
    `a` VARCHAR(191) NOT NULL,
    `b` VARCHAR(191) NOT NULL,
    `aId` INTEGER NOT NULL,

    INDEX `CompoundIndex`(`a`, `b`),
    PRIMARY KEY (`a`, `b`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
",
    ),
    (
        "schema-engine/sql-migration-tests/tests/single_migration_tests/mysql/enums/enum_fields.prisma",
        r#"datasource mydb {
    provider = "mysql"
}

model MyTable {
    id Int @id
    k Kind? @default(error)
    r Result @default(succeeded)
}

enum Result {
  succeeded
  failed
}

enum Kind {
  info
  warning
  error
}
"#,
        "-- CreateTable
CREATE TABLE `MyTable` (
    `id` INTEGER NOT NULL,
    `k` ENUM('info', 'warning', 'error') NULL DEFAULT 'error',
    `r` ENUM('succeeded', 'failed') NOT NULL DEFAULT 'succeeded',

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
",
    ),
    (
        "schema-engine/sql-migration-tests/tests/migrations/mysql.rs (datetime_dbgenerated_defaults)",
        r#"datasource db {
  provider = "mysql"
}

model A {
  id Int       @id @default(autoincrement())
  d1 DateTime @default(dbgenerated("'2020-01-01'")) @db.Date
  d2 DateTime @default(dbgenerated("'2038-01-19 03:14:08'")) @db.DateTime(0)
  d3 DateTime @default(dbgenerated("'16:20:00'")) @db.Time(0)
}
"#,
        "-- CreateTable
CREATE TABLE `A` (
    `id` INTEGER NOT NULL AUTO_INCREMENT,
    `d1` DATE NOT NULL DEFAULT '2020-01-01',
    `d2` DATETIME(0) NOT NULL DEFAULT '2038-01-19 03:14:08',
    `d3` TIME(0) NOT NULL DEFAULT '16:20:00',

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
",
    ),
    (
        "schema-engine/sql-migration-tests/tests/migrations/mysql.rs (bigint_defaults_work)",
        r#"datasource mypg {
    provider = "mysql"
}

model foo {
  id  String @id
  bar BigInt @default(0)
}
"#,
        "-- CreateTable
CREATE TABLE `foo` (
    `id` VARCHAR(191) NOT NULL,
    `bar` BIGINT NOT NULL DEFAULT 0,

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
",
    ),
];

#[test]
fn prisma_mysql_sql_is_what_prisma_engines_records() {
    for (source, schema, expected) in RECORDED {
        let (sql, dir) = mysql_sql(schema);
        assert_eq!(sql, *expected, "{source}");
        validate(&[dir.path().join("schema.prisma")]);
        recorded_sql_builds_what_migrex_reads(source, dir.path(), expected);
    }
    // mysql.rs `default_current_timestamp_precision_follows_column_precision`: now() takes the
    // column's precision. (Not run: MariaDB's datetime precision stops at 6.)
    let (sql, _dir) = mysql_sql(&format!(
        "{MYSQL_DATASOURCE}model A {{\n  id Int @id\n  createdAt DateTime @db.DateTime(7) @default(now())\n}}\n"
    ));
    assert_eq!(
        sql,
        "-- CreateTable
CREATE TABLE `A` (
    `id` INTEGER NOT NULL,
    `createdAt` DATETIME(7) NOT NULL DEFAULT CURRENT_TIMESTAMP(7),

    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
"
    );
    // indexes.rs `indexes_with_an_automatically_truncated_name_are_idempotent`: 64 bytes.
    let (sql, _dir) = mysql_sql(&format!(
        "{MYSQL_DATASOURCE}model TestModelWithALongName {{\n  id Int @id\n  looooooooooooongfield String\n  evenLongerFieldNameWth String\n  omgWhatEvenIsThatLongFieldName String\n\n  @@index([looooooooooooongfield, evenLongerFieldNameWth, omgWhatEvenIsThatLongFieldName])\n}}\n"
    ));
    assert!(
        sql.contains("INDEX `TestModelWithALongName_looooooooooooongfield_evenLongerField_idx`("),
        "{sql}"
    );
    // mysql.rs `alter_constraint_name`: a foreign key's statement, with its `map:` name.
    let (sql, _dir) = mysql_sql(&format!(
        "{MYSQL_DATASOURCE}model A {{\n  id Int @id\n  B B[] @relation(\"AtoB\")\n}}\nmodel B {{\n  a String\n  b String\n  aId Int\n  A A @relation(\"AtoB\", map: \"CustomFK\", fields: [aId], references: [id])\n  @@index([a,b], map: \"AnotherCustomIndex\")\n  @@id([a, b])\n}}\n"
    ));
    assert!(
        sql.contains("-- AddForeignKey\nALTER TABLE `B` ADD CONSTRAINT `CustomFK` FOREIGN KEY (`aId`) REFERENCES `A`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;\n"),
        "{sql}"
    );
    // mysql.rs `dropping_m2m_relation_from_datamodel_works`: the join table's key names.
    let (sql, _dir) = mysql_sql(&format!(
        "{MYSQL_DATASOURCE}model Puppy {{\n  name String @id\n  motherId String\n  mother Dog @relation(fields: [motherId], references: [name])\n  dogFriends Dog[] @relation(\"puppyFriendships\")\n}}\nmodel Dog {{\n  name String @id\n  puppies Puppy[]\n  puppyFriends Puppy[] @relation(\"puppyFriendships\")\n}}\n"
    ));
    for name in ["`_puppyFriendships_A_fkey`", "`_puppyFriendships_B_fkey`"] {
        assert!(
            sql.contains(&format!(
                "ALTER TABLE `_puppyFriendships` ADD CONSTRAINT {name}"
            )),
            "{sql}"
        );
    }
}

#[test]
fn prisma_read_exact_mysql() {
    for name in ["blog_mysql", "blog_mysql_v2"] {
        let root = fixture(name);
        let (_, files, _) = migrex_source_orm::prisma::locate(&root).expect("a Prisma fixture");
        validate(&files);
        let parsed: Vec<parse::File> = files
            .iter()
            .map(|p| parse::parse(p, &std::fs::read_to_string(p).unwrap()).unwrap())
            .collect();
        let (sql, _) =
            migrex_source_orm::prisma::mysql::schema_sql(&parsed, Dialect::Mysql).unwrap();
        recorded_sql_builds_what_migrex_reads(name, &root, &sql);
    }
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Prisma, &fixture("blog_mysql")),
        Some(Dialect::Mysql)
    );
}

#[test]
fn prisma_mysql_errors_point_at_the_schema() {
    let head = "datasource db {\n  provider = \"mysql\"\n}\n\n";
    let err = |text: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("schema.prisma"), text).unwrap();
        match read(Framework::Prisma, dir.path(), Dialect::Mysql) {
            Err(e @ OrmError::Input { .. }) => {
                let s = e.to_string();
                s[s.find("schema.prisma").unwrap()..].to_string()
            }
            other => panic!("expected an input error, got {other:?}"),
        }
    };
    assert_eq!(
        err(&format!(
            "{head}model A {{\n  id Int @id(map: \"pk\")\n}}\n"
        )),
        "schema.prisma:6:14: MySQL primary keys have no name of their own (always PRIMARY): `map` is not supported here"
    );
    assert_eq!(
        err(&format!(
            "{head}model A {{\n  id Int @id @db.VarChar(3)\n}}\n"
        )),
        "schema.prisma:6:14: native type @db.VarChar is not compatible with type `Int`"
    );
    assert_eq!(
        err(&format!(
            "{head}model A {{\n  id Int @id\n  t String[]\n}}\n"
        )),
        "schema.prisma:7:5: scalar lists (`String[]`) are only supported on PostgreSQL"
    );
}

#[test]
fn prisma_views_are_reported_not_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("schema.prisma"),
        "generator client {\n  provider        = \"prisma-client\"\n  previewFeatures = [\"views\"]\n}\n\ndatasource db {\n  provider = \"sqlite\"\n}\n\nmodel A {\n  id Int @id\n}\n\nview ActiveA {\n  id Int @unique\n}\n",
    )
    .unwrap();
    let project = read(Framework::Prisma, dir.path(), Dialect::Sqlite).unwrap();
    assert_eq!(project.loaded.schema.table_count(), 1);
    let w = &project.loaded.warnings;
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message.starts_with("view `ActiveA` is not read"),
        "{}",
        w[0]
    );
    assert!(
        w[0].location
            .as_deref()
            .unwrap()
            .ends_with("schema.prisma:14:6"),
        "{}",
        w[0]
    );
}

#[test]
fn prisma_read_exact_postgres_multischema_and_long_names() {
    engine_builds_what_migrex_reads("multischema_pg", Dialect::Postgres);
}

#[test]
fn prisma_configured_dialect_and_history() {
    let root = fixture("blog_pg");
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Prisma, &root),
        Some(Dialect::Postgres)
    );
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Prisma, &fixture("blog_sqlite")),
        Some(Dialect::Sqlite)
    );
    let project = read(Framework::Prisma, &fixture("blog_sqlite"), Dialect::Sqlite).unwrap();
    assert_eq!(
        project.history.migrations,
        vec!["20250101000000_init".to_string()]
    );
    assert_eq!(
        project.history.heads,
        vec!["20250101000000_init".to_string()]
    );
    assert!(
        project
            .history
            .dir
            .as_ref()
            .unwrap()
            .ends_with("prisma/migrations")
    );
    // The history's SQL (the engine's own init migration) builds the schema the models describe.
    let state = project
        .history
        .state
        .as_ref()
        .expect("the migrations replay");
    let d = schema_differences(&state.schema, &project.loaded.schema);
    assert!(d.is_empty(), "{}", d.join("\n"));
    assert!(
        project.loaded.warnings.is_empty(),
        "{:?}",
        project.loaded.warnings
    );
    // The provenance points at the model file.
    let loc = &project.loaded.provenance.locations["table users"];
    assert!(loc.ends_with("schema.prisma:26:7"), "{loc}");
}

fn read_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schema.prisma"), text).unwrap();
    match read(Framework::Prisma, dir.path(), Dialect::Sqlite) {
        Err(e @ OrmError::Input { .. }) => {
            let s = e.to_string();
            s[s.find("schema.prisma").unwrap()..].to_string()
        }
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn prisma_errors_point_at_the_schema() {
    let head = "datasource db {\n  provider = \"sqlite\"\n}\n\n";
    assert_eq!(
        read_error(&format!("{head}model A {{\n  id Int @id\n  x  Strin\n}}\n")),
        "schema.prisma:7:6: type `Strin` is neither a scalar type, a model nor an enum"
    );
    assert_eq!(
        read_error(&format!(
            "{head}model A {{\n  id Int @id\n  bId Int\n  b B @relation(fields: [bId], references: [nope])\n}}\nmodel B {{\n  id Int @id\n  a A[]\n}}\n"
        )),
        "schema.prisma:8:32: model `B` has no field `nope` to reference"
    );
    assert_eq!(
        read_error(&format!(
            "{head}model A {{\n  id Int @id\n  b  B\n}}\nmodel B {{\n  id Int @id\n  as A[]\n}}\n"
        )),
        "schema.prisma:7:3: relation field `b` must say `fields` and `references`: the other side, `B.as`, is a list"
    );
    assert_eq!(
        read_error(&format!(
            "{head}model A {{\n  id Int @id\n  b  B?\n}}\nmodel B {{\n  id Int @id\n}}\n"
        )),
        "schema.prisma:7:3: relation field `b` has no opposite relation field in model `B`"
    );
    assert_eq!(
        read_error(&format!(
            "{head}model A {{\n  id Int @id @db.VarChar(3)\n}}\n"
        )),
        "schema.prisma:6:14: native type @db.VarChar is not available for sqlite"
    );
}

// The schema parser (unit level).

#[test]
fn prisma_parser_keeps_fields_attributes_and_positions() {
    let src = "datasource db {\n  provider = \"sqlite\"\n}\n\nmodel A {\n  id Int @id @default(autoincrement())\n  b  String? @db.VarChar(20)\n  @@index([b(sort: Desc)], map: \"x\")\n}\n";
    let f = parse::parse(Path::new("s.prisma"), src).unwrap();
    assert_eq!(f.blocks.len(), 2);
    let m = &f.blocks[1];
    assert_eq!(m.fields[1].name, "b");
    assert_eq!(m.fields[1].pos, Pos { line: 7, column: 3 });
    assert!(m.fields[1].ty.as_ref().unwrap().optional);
    assert_eq!(m.fields[1].attributes[0].name, "db.VarChar");
    let idx = &m.attributes[0];
    assert_eq!(idx.arg("map").unwrap().value, Value::Str("x".into()));
    let Value::Array(items) = &idx.arg("").unwrap().value else {
        panic!("not an array")
    };
    assert!(
        matches!(&items[0], Value::Call(n, a) if n == "b" && a[0].name.as_deref() == Some("sort"))
    );
}

#[test]
fn prisma_parser_errors_have_positions() {
    let e = parse::parse(Path::new("s.prisma"), "model A {\n  id Int @id(\n}\n").unwrap_err();
    assert!(e.to_string().starts_with("s.prisma:3:1:"), "{e}");
}
