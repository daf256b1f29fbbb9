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
