//! Reading TypeORM entities is exact: real TypeORM 1.1.1 (the npm folder `scripts/orm-env`
//! prints as MIGREX_TYPEORM, driven by tests/typeorm/driver.cjs) synchronizes each fixture's
//! entities into a scratch database, and migrex's live introspection of it equals what the
//! TypeORM reader built, names included. On MySQL the server is MariaDB (MIGREX_TEST_MYSQL),
//! driven with TypeORM's `mysql` and `mariadb` driver types.

use migrex_model::Dialect;
use migrex_source_orm::typeorm::ddl;
use migrex_source_orm::{Framework, Models, OrmError, read};
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/typeorm")
        .join(name)
}

/// Runs driver.cjs with TypeORM from the npm folder.
fn driver(node_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/typeorm/driver.cjs");
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

fn dialect_arg(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "postgres",
        Dialect::Mysql => "mysql",
        Dialect::Sqlite => "sqlite",
    }
}

fn typeorm_builds_what_migrex_reads(fixture_name: &str, dialect: Dialect, prelude: &str) {
    let d = dialect_arg(dialect);
    builds_and_checks(fixture_name, dialect, prelude, d, Some(d));
}

/// `sync_as` is the TypeORM driver type that builds the database, `check_as` the one whose
/// `migration:generate --check` must then find nothing to change. On MariaDB that is
/// `mariadb`: the `mysql` type reads MariaDB's COLUMN_DEFAULT 'NULL' as a default and so
/// reports every nullable column as changed.
fn builds_and_checks(
    fixture_name: &str,
    dialect: Dialect,
    prelude: &str,
    sync_as: &str,
    check_as: Option<&str>,
) {
    let Some(node_dir) = runner("MIGREX_TYPEORM") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    if !prelude.is_empty() {
        // What the project's first migration does before TypeORM's synchronize can run.
        db.run(prelude);
    }
    let root = fixture(fixture_name);
    let db_s = db.path_or_url();
    let (code, _, err) = driver(&node_dir, &["sync", sync_as, &db_s, root.to_str().unwrap()]);
    assert_eq!(code, 0, "TypeORM synchronize failed: {err}");
    let live = db.introspect();
    let project = read(Framework::Typeorm, &root, dialect).expect("the fixture reads");
    let d = schema_differences(&live.schema, &project.loaded.schema);
    assert!(
        d.is_empty(),
        "differences (TypeORM-built database vs reader):\n{}",
        d.join("\n")
    );
    assert!(matches!(project.models, Models::Typeorm(_)));
    // And TypeORM finds nothing to change in that database.
    let Some(check_as) = check_as else {
        return;
    };
    let (code, out, err) = driver(
        &node_dir,
        &["check", check_as, &db_s, root.to_str().unwrap()],
    );
    assert_eq!(code, 0, "TypeORM sees changes: {out}{err}");
}

#[test]
fn typeorm_read_exact_sqlite() {
    typeorm_builds_what_migrex_reads("blog", Dialect::Sqlite, "");
}

#[test]
fn typeorm_read_exact_postgres() {
    typeorm_builds_what_migrex_reads("blog", Dialect::Postgres, "");
}

#[test]
fn typeorm_read_exact_mysql() {
    // Built with the `mysql` driver type (uuid keys as varchar(36)); the `mariadb` type would
    // check them against MariaDB's native uuid, so TypeORM's own check is not run here.
    builds_and_checks("blog", Dialect::Mysql, "", "mysql", None);
}

#[test]
fn typeorm_read_exact_mysql_types_uuid_keys_defaults() {
    // MySQL's own types and conventions; uuid keys, so TypeORM's check is not run (see above).
    builds_and_checks("shop_mysql", Dialect::Mysql, "", "mysql", None);
    let root = fixture("shop_mysql");
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Typeorm, &root),
        Some(Dialect::Mysql)
    );
    // TypeORM's MySQL driver writes no CHECK: said, not silently dropped.
    let project = read(Framework::Typeorm, &root, Dialect::Mysql).unwrap();
    assert!(
        project.loaded.warnings.iter().any(|w| w
            .message
            .contains("does not create @Check constraints: those of `customer`")),
        "{:?}",
        project.loaded.warnings
    );
}

#[test]
fn typeorm_read_exact_edge_cases_mysql() {
    builds_and_checks("edge", Dialect::Mysql, "", "mysql", Some("mariadb"));
    // Without uuid keys the `mariadb` driver type builds the same tables.
    builds_and_checks("edge", Dialect::Mysql, "", "mariadb", Some("mariadb"));
    builds_and_checks("release2", Dialect::Mysql, "", "mariadb", Some("mariadb"));
}

#[test]
fn typeorm_read_exact_postgres_schemas_enums_arrays_identity() {
    typeorm_builds_what_migrex_reads("shop_pg", Dialect::Postgres, "CREATE SCHEMA shop;");
}

#[test]
fn typeorm_read_exact_edge_cases_sqlite() {
    typeorm_builds_what_migrex_reads("edge", Dialect::Sqlite, "");
}

#[test]
fn typeorm_read_exact_edge_cases_postgres() {
    typeorm_builds_what_migrex_reads("edge", Dialect::Postgres, "");
}

#[test]
fn typeorm_naming_strategy_hashes() {
    // Checked against TypeORM 1.1.1 (frameworks.md 5.1 and the fixtures' real builds).
    assert_eq!(
        ddl::foreign_key_name("books", &["authorId".into()]),
        "FK_54f49efe2dd4d2850e736e9ab86"
    );
    assert_eq!(
        ddl::primary_key_name("books", &["id".into()]),
        "PK_f3f2f25a099d24e12545b70b022"
    );
    assert_eq!(
        ddl::index_name("tag", &["label".into()], None),
        "IDX_647c189a51deb35bc452751bc4"
    );
    assert_eq!(
        ddl::index_name("posts", &["slug".into()], Some("\"deletedAt\" IS NULL")).len(),
        30
    );
    assert_eq!(ddl::snake_case("BlogPostCategory"), "blog_post_category");
    assert_eq!(ddl::snake_case("HTMLPage2Link"), "html_page2_link");
    assert_eq!(ddl::camel_case("books_tags_tag"), "booksTagsTag");
    assert_eq!(ddl::camel_case("Tag_slug"), "tagSlug");
}

#[test]
fn typeorm_history_in_timestamp_order_and_configured_dialect() {
    let root = fixture("shop_pg");
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Typeorm, &root),
        Some(Dialect::Postgres)
    );
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Typeorm, &fixture("blog")),
        Some(Dialect::Sqlite)
    );
    let project = read(Framework::Typeorm, &root, Dialect::Postgres).unwrap();
    // extensions.ts sorts after 1735689600000-Init.ts by name, but runs first.
    assert_eq!(
        project.history.migrations,
        ["Extensions1700000000000", "Init1735689600000"]
    );
    assert_eq!(project.history.heads, ["Init1735689600000"]);
    assert!(project.history.dir.unwrap().ends_with("src/migration"));
    assert_eq!(
        migrex_source_orm::detect(&fixture("blog")).unwrap(),
        Framework::Typeorm
    );
}

fn read_error(files: &[(&str, &str)], dialect: Dialect) -> String {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    match read(Framework::Typeorm, dir.path(), dialect) {
        Err(OrmError::Input { diagnostic, .. }) => format!(
            "{}:{}:{}: {}",
            Path::new(&diagnostic.file)
                .file_name()
                .unwrap()
                .to_string_lossy(),
            diagnostic.line,
            diagnostic.column,
            diagnostic.message
        ),
        Err(e) => format!("other: {e}"),
        Ok(_) => "read".into(),
    }
}

#[test]
fn typeorm_errors_point_at_the_entity_source() {
    let head = "import { Entity, Column, PrimaryGeneratedColumn } from \"typeorm\";\n";
    let e = read_error(
        &[(
            "src/entity/A.ts",
            &format!(
                "{head}@Entity()\nexport class A {{\n  @PrimaryGeneratedColumn() id: number;\n  @Column({{ type: \"datetime\" }}) at: Date;\n}}\n"
            ),
        )],
        Dialect::Postgres,
    );
    assert!(e.starts_with("A.ts:5:3: Data type \"datetime\""), "{e}");
    let e = read_error(
        &[(
            "src/entity/A.ts",
            &format!(
                "{head}const len = 10;\n@Entity()\nexport class A {{\n  @PrimaryGeneratedColumn() id: number;\n  @Column({{ length: len }}) name: string;\n}}\n"
            ),
        )],
        Dialect::Sqlite,
    );
    assert!(
        e.starts_with("A.ts:6:21: `length` must be a literal"),
        "{e}"
    );
    let e = read_error(
        &[(
            "src/entity/A.ts",
            &format!(
                "{head}@Entity()\nexport class A {{\n  @PrimaryGeneratedColumn() id: number;\n  @Column() tags: string | number;\n}}\n"
            ),
        )],
        Dialect::Sqlite,
    );
    assert!(
        e.starts_with("A.ts:5:3: the type of `tags` cannot be inferred"),
        "{e}"
    );
    let e = read_error(
        &[(
            "src/entity/A.ts",
            &format!("{head}@Entity(\nexport class A {{}}\n"),
        )],
        Dialect::Sqlite,
    );
    assert!(e.contains("syntax error"), "{e}");
    let e = read_error(
        &[(
            "src/entity/A.ts",
            &format!(
                "{head}@Entity()\nexport class A {{\n  @PrimaryGeneratedColumn(\"identity\") id: number;\n}}\n"
            ),
        )],
        Dialect::Mysql,
    );
    assert!(
        e.starts_with(
            "A.ts:4:3: generation strategy \"identity\" is not supported by TypeORM on MySQL"
        ),
        "{e}"
    );
    let e = read_error(
        &[(
            "src/entity/A.ts",
            &format!(
                "{head}@Entity()\nexport class A {{\n  @PrimaryGeneratedColumn() id: number;\n  @Column({{ default: \"it's\" }}) name: string;\n}}\n"
            ),
        )],
        Dialect::Mysql,
    );
    assert!(
        e.starts_with("A.ts:5:22: TypeORM's MySQL driver writes string defaults unescaped"),
        "{e}"
    );
    let e = read_error(
        &[(
            "src/entity/A.ts",
            &format!(
                "{head}@Entity()\nexport class A {{\n  @PrimaryGeneratedColumn() id: number;\n  @Column(\"json\") data: object;\n}}\n"
            ),
        )],
        Dialect::Mysql,
    );
    assert!(
        e.starts_with("A.ts:5:3: `data`: json columns on MySQL/MariaDB"),
        "{e}"
    );
    let e = read_error(
        &[(
            "src/entity/A.ts",
            &format!(
                "{head}@Entity()\nexport class A {{\n  @PrimaryGeneratedColumn({{ unsigned: true }}) id: number;\n}}\n"
            ),
        )],
        Dialect::Mysql,
    );
    assert!(
        e.starts_with("A.ts:4:39: the column option `unsigned` is not read"),
        "{e}"
    );
    let e = read_error(
        &[
            (
                "src/entity/A.ts",
                &format!(
                    "{head}@Entity()\nexport class A {{\n  @PrimaryGeneratedColumn(\"uuid\") id: string;\n}}\n"
                ),
            ),
            (
                "src/data-source.ts",
                "import { DataSource } from \"typeorm\";\nexport default new DataSource({ type: \"mariadb\" });\n",
            ),
        ],
        Dialect::Mysql,
    );
    assert!(
        e.starts_with("A.ts:4:3: a uuid-generated key with TypeORM's `mariadb`"),
        "{e}"
    );
}

#[test]
fn typeorm_reads_only_the_entities_the_data_source_lists() {
    let entity = |name: &str| {
        format!(
            "import {{ Entity, PrimaryGeneratedColumn }} from \"typeorm\";\n@Entity()\nexport class {name} {{\n  @PrimaryGeneratedColumn() id: number;\n}}\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("src/entity/User.ts", &entity("User"));
    write("src/entity/Order.ts", &entity("Order"));
    write("test/fixtures/Fake.ts", &entity("Fake"));
    let tables = |source: &str| {
        write("src/data-source.ts", source);
        let p = read(Framework::Typeorm, dir.path(), Dialect::Sqlite).unwrap();
        let mut t: Vec<String> = p
            .loaded
            .schema
            .namespaces
            .values()
            .flat_map(|ns| ns.tables.keys().cloned())
            .collect();
        t.sort();
        t
    };
    let head = "import { DataSource } from \"typeorm\";\nexport default new DataSource({ type: \"better-sqlite3\", database: \"x.db\", ";
    assert_eq!(
        tables(&format!(
            "{head}entities: [__dirname + \"/entity/*.ts\"] }});\n"
        )),
        ["order", "user"]
    );
    assert_eq!(
        tables(&format!("{head}entities: [\"src/**/*.ts\"] }});\n")),
        ["order", "user"]
    );
    assert_eq!(tables(&format!("{head}entities: [User] }});\n")), ["user"]);
    // Not evaluated: every decorated class.
    assert_eq!(
        tables(&format!("{head}entities: entityList }});\n")),
        ["fake", "order", "user"]
    );
}
