//! EF Core migrations written by migrex. No .NET runs here, so the proof is: every file written
//! parses with tree-sitter-c-sharp without ERROR or MISSING nodes; migrex's EF Core reader,
//! reading the project with the new files, finds the new migration id last in the history and
//! a snapshot whose model is the target schema; and the plan the operations were written from,
//! run on a real database holding the source schema, gives the target (and back).

use migrex_model::{Dialect, Schema};
use migrex_render_orm::{MigrationInput, OutputFile, Target, write_migration};
use migrex_source_orm::efcore::cs::syntax_error;
use migrex_source_orm::{Framework, read};
use migrex_test_support::{
    TestDb, assert_up_then_down, copy_dir, plan_and_render, schema_differences,
};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_orm/tests/fixtures/efcore")
        .join(name)
}

/// Writes the files as `dotnet ef migrations add` does: the snapshot is rewritten.
fn save(dir: &Path, files: &[OutputFile]) {
    for f in files {
        let p = dir.join(&f.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &f.contents).unwrap();
    }
}

fn target(dialect: Dialect, base_sql: &str, change_sql: &str) -> Schema {
    migrex_source_sql::parse(&format!("{base_sql}\n{change_sql}"), dialect, "target.sql")
        .unwrap_or_else(|e| panic!("{e}"))
        .schema
}

fn round_trip(fixture_name: &str, dialect: Dialect, change_sql: &str, expect_ops: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("proj");
    copy_dir(&fixture(fixture_name), &root);
    let project = read(Framework::Efcore, &root, dialect).expect("the fixture reads");
    let before_ids = project.history.migrations.clone();
    let from = project.loaded.schema.clone();
    let base_sql = migrex_source_orm::efcore::project_sql(&root, dialect).unwrap();
    let to = target(dialect, &base_sql, change_sql);
    let (up, _) = plan_and_render(&from, &to);
    let (down, _) = plan_and_render(&to, &from);
    assert!(!up.is_empty());
    let input = MigrationInput {
        up: &up,
        down: &down,
        from: &from,
        to: &to,
        from_project: Some(&project),
        to_project: None,
        out_dir: &root,
        name: Some("AddComments"),
        now: 1_764_026_096,
    };
    let files = write_migration(Target::Efcore, &input).expect("the migration is written");
    assert_eq!(files.len(), 3);
    for f in &files {
        assert!(
            syntax_error(&f.contents).is_none(),
            "{} does not parse: {:?}\n{}",
            f.path.display(),
            syntax_error(&f.contents),
            f.contents
        );
    }
    let migration = &files[0].contents;
    for op in expect_ops {
        assert!(migration.contains(op), "no {op} in:\n{migration}");
    }
    assert!(
        files[1]
            .contents
            .contains("[Migration(\"20251124231456_AddComments\")]")
    );
    // The snapshot keeps the EF Core version the project's own snapshot was written by.
    if let migrex_source_orm::Models::Efcore(m) = &project.models {
        let v = m.product_version.as_deref().unwrap_or("9.0.8");
        assert!(
            files[2]
                .contents
                .contains(&format!("\"ProductVersion\", \"{v}\"")),
            "{}",
            files[2].contents
        );
    }
    save(&root, &files);
    let again = read(Framework::Efcore, &root, dialect).expect("the project reads back");
    let mut ids = before_ids.clone();
    ids.push("20251124231456_AddComments".into());
    assert_eq!(again.history.migrations, ids);
    let state = again.history.state.expect("the new snapshot reads");
    let d = schema_differences(&to, &state.schema);
    assert!(
        d.is_empty(),
        "target (left) vs snapshot read back (right):\n{}\n{}",
        d.join("\n"),
        files[2].contents
    );
    // The SQL the written Up and Down operations stand for (each MigrationBuilder operation
    // rendered as EF's SQL generator does), on a real database holding FROM.
    let written: Vec<PathBuf> = files.iter().map(|f| root.join(&f.path)).collect();
    let up_sql = migrex_source_orm::efcore::ops::files_sql(&written[..1], "Up", dialect).unwrap();
    let down_sql =
        migrex_source_orm::efcore::ops::files_sql(&written[..1], "Down", dialect).unwrap();
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    db.run(&base_sql);
    db.run(&up_sql[0].1);
    let d = schema_differences(&to, &db.introspect().schema);
    assert!(
        d.is_empty(),
        "target (left) vs database after Up (right):\n{}\n{}",
        d.join("\n"),
        up_sql[0].1
    );
    db.run(&down_sql[0].1);
    let d = schema_differences(&from, &db.introspect().schema);
    assert!(
        d.is_empty(),
        "source (left) vs database after Down (right):\n{}\n{}",
        d.join("\n"),
        down_sql[0].1
    );
    // And the planner's own script agrees.
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    db.run(&base_sql);
    assert_up_then_down(
        &db,
        &migrex_test_support::migration_script(&from, &to),
        &from,
        &to,
    );
}

const SQLITE_CHANGE: &str = r#"
CREATE TABLE "Comments" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_Comments" PRIMARY KEY AUTOINCREMENT,
    "PostId" INTEGER NOT NULL,
    "Body" TEXT NOT NULL DEFAULT '',
    "Score" REAL NULL,
    CONSTRAINT "FK_Comments_Posts_PostId" FOREIGN KEY ("PostId") REFERENCES "Posts" ("PostId") ON DELETE CASCADE
);
CREATE INDEX "IX_Comments_PostId" ON "Comments" ("PostId");
ALTER TABLE "Blogs" ADD "Subtitle" TEXT NULL;
DROP INDEX "IX_Person_Contact";
"#;

#[test]
fn efcore_write_sqlite_round_trip() {
    round_trip(
        "blog_sqlite",
        Dialect::Sqlite,
        SQLITE_CHANGE,
        &[
            "migrationBuilder.CreateTable(",
            "migrationBuilder.AddColumn<string>(",
            "migrationBuilder.DropIndex(",
            "migrationBuilder.CreateIndex(",
        ],
    );
}

const PG_CHANGE: &str = r#"
CREATE TABLE shop."Reviews" (
    "Id" integer GENERATED BY DEFAULT AS IDENTITY,
    "ProductId" bigint NOT NULL,
    "Stars" smallint NOT NULL DEFAULT 5,
    "Text" character varying(500),
    CONSTRAINT "PK_Reviews" PRIMARY KEY ("Id"),
    CONSTRAINT "CK_Reviews_Stars" CHECK ("Stars" BETWEEN 1 AND 5)
);
ALTER TABLE shop."Reviews" ADD CONSTRAINT "FK_Reviews_Products_ProductId" FOREIGN KEY ("ProductId") REFERENCES shop."Products" ("Id") ON DELETE CASCADE;
CREATE INDEX "IX_Reviews_ProductId" ON shop."Reviews" ("ProductId");
ALTER TABLE shop."Customers" ADD "Phone" text;
ALTER TABLE shop."Customers" ALTER COLUMN "DisplayName" TYPE character varying(120);
COMMENT ON TABLE shop."Customers" IS 'People who order';
"#;

#[test]
fn efcore_write_postgres_round_trip() {
    round_trip(
        "shop_pg",
        Dialect::Postgres,
        PG_CHANGE,
        &[
            "migrationBuilder.CreateTable(",
            "AlterColumn<string>(",
            "oldType: \"text\"",
            "AddColumn<string>(",
        ],
    );
}

const MYSQL_CHANGE: &str = r#"
CREATE TABLE `Reviews` (
    `Id` int NOT NULL AUTO_INCREMENT,
    `ProductSku` varchar(32) CHARACTER SET utf8mb4 NOT NULL,
    `Stars` smallint NOT NULL DEFAULT 5,
    `Body` varchar(500) CHARACTER SET utf8mb4 NULL,
    `ReviewerId` char(36) COLLATE ascii_general_ci NOT NULL,
    `Created` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    `Edited` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
    CONSTRAINT `PK_Reviews` PRIMARY KEY (`Id`),
    CONSTRAINT `CK_Reviews_Stars` CHECK (`Stars` BETWEEN 1 AND 5),
    CONSTRAINT `FK_Reviews_Products_ProductSku` FOREIGN KEY (`ProductSku`) REFERENCES `Products` (`Sku`) ON DELETE CASCADE
) CHARACTER SET=utf8mb4;
CREATE INDEX `IX_Reviews_ProductSku` ON `Reviews` (`ProductSku`);
CREATE INDEX `IX_Reviews_Body` ON `Reviews` (`Body`(20));
ALTER TABLE `Customers` ADD `Phone` varchar(40) CHARACTER SET utf8mb4 NULL;
ALTER TABLE `Customers` MODIFY COLUMN `Name` varchar(120) CHARACTER SET utf8mb4 NOT NULL;
ALTER TABLE `Tags` DROP INDEX `IX_Tags_Name`;
"#;

#[test]
fn efcore_write_mysql_round_trip() {
    round_trip(
        "store_mysql",
        Dialect::Mysql,
        MYSQL_CHANGE,
        &[
            "migrationBuilder.CreateTable(",
            ".Annotation(\"MySql:ValueGenerationStrategy\", MySqlValueGenerationStrategy.IdentityColumn)",
            ".Annotation(\"MySql:ValueGenerationStrategy\", MySqlValueGenerationStrategy.ComputedColumn)",
            ".Annotation(\"MySql:CharSet\", \"utf8mb4\")",
            "collation: \"ascii_general_ci\"",
            ".Annotation(\"MySql:IndexPrefixLength\", new[] { 20 })",
            "AddColumn<string>(",
            "AlterColumn<string>(",
            "oldType: \"longtext\"",
            "DropIndex(",
            "using Microsoft.EntityFrameworkCore.Metadata;",
        ],
    );
}

#[test]
fn efcore_write_mysql_initial_migration() {
    // A project's first migration: Pomelo's AlterDatabase charset, then the tables; the
    // snapshot in Pomelo's form (AutoIncrementColumns, UseMySqlIdentityColumn).
    let from = Schema::new(Dialect::Mysql);
    let to_sql = "CREATE TABLE `Authors` (`Id` bigint NOT NULL AUTO_INCREMENT, `Key` char(36) COLLATE ascii_general_ci NOT NULL, `Name` varchar(100) CHARACTER SET utf8mb4 NOT NULL, CONSTRAINT `PK_Authors` PRIMARY KEY (`Id`)) CHARACTER SET=utf8mb4;\nCREATE UNIQUE INDEX `IX_Authors_Key` ON `Authors` (`Key`);";
    let to = target(Dialect::Mysql, to_sql, "");
    let (up, _) = plan_and_render(&from, &to);
    let (down, _) = plan_and_render(&to, &from);
    let tmp = tempfile::tempdir().unwrap();
    let input = MigrationInput {
        up: &up,
        down: &down,
        from: &from,
        to: &to,
        from_project: None,
        to_project: None,
        out_dir: tmp.path(),
        name: Some("Initial"),
        now: 1_764_026_096,
    };
    let files = write_migration(Target::Efcore, &input).expect("the migration is written");
    for f in &files {
        assert!(syntax_error(&f.contents).is_none(), "{}", f.contents);
    }
    let m = &files[0].contents;
    assert!(
        m.contains("migrationBuilder.AlterDatabase()\n                .Annotation(\"MySql:CharSet\", \"utf8mb4\");"),
        "{m}"
    );
    assert!(
        !m.split("protected override void Down")
            .nth(1)
            .unwrap()
            .contains("AlterDatabase")
    );
    let snap = &files[2].contents;
    for want in [
        ".HasAnnotation(\"Relational:MaxIdentifierLength\", 64)",
        "MySqlModelBuilderExtensions.AutoIncrementColumns(modelBuilder);",
        "MySqlPropertyBuilderExtensions.UseMySqlIdentityColumn(b.Property<long>(\"Id\"));",
        "b.Property<Guid>(\"Key\")",
    ] {
        assert!(snap.contains(want), "no {want} in\n{snap}");
    }
    save(tmp.path(), &files);
    // A DbContext for the snapshot to name.
    std::fs::write(
        tmp.path().join("AppDbContext.cs"),
        "using Microsoft.EntityFrameworkCore;\nnamespace App;\npublic class AppDbContext : DbContext { }\n",
    )
    .unwrap();
    let written: Vec<PathBuf> = files.iter().map(|f| tmp.path().join(&f.path)).collect();
    let up_sql =
        migrex_source_orm::efcore::ops::files_sql(&written[..1], "Up", Dialect::Mysql).unwrap();
    let down_sql =
        migrex_source_orm::efcore::ops::files_sql(&written[..1], "Down", Dialect::Mysql).unwrap();
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    db.run(&up_sql[0].1);
    let d = schema_differences(&to, &db.introspect().schema);
    assert!(d.is_empty(), "{}\n{}", d.join("\n"), up_sql[0].1);
    db.run(&down_sql[0].1);
    assert_eq!(db.introspect().schema.tables().count(), 0);
}

/// `convert --to efcore`: entity classes and a DbContext that read back to the schema.
fn models_round_trip(fixture_name: &str, dialect: Dialect) {
    let project = read(Framework::Efcore, &fixture(fixture_name), dialect).unwrap();
    let schema = &project.loaded.schema;
    let files =
        migrex_render_orm::write_models(Target::Efcore, schema).expect("models are written");
    for f in &files {
        if f.path.extension().is_some_and(|e| e == "cs") {
            assert!(
                syntax_error(&f.contents).is_none(),
                "{}: {:?}\n{}",
                f.path.display(),
                syntax_error(&f.contents),
                f.contents
            );
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    save(tmp.path(), &files);
    let back = read(Framework::Efcore, tmp.path(), dialect).expect("the models read back");
    let d = schema_differences(schema, &back.loaded.schema);
    assert!(
        d.is_empty(),
        "schema (left) vs models read back (right):\n{}",
        d.join("\n")
    );
}

#[test]
fn efcore_models_sqlite_round_trip() {
    models_round_trip("blog_sqlite", Dialect::Sqlite);
    models_round_trip("school_sqlite", Dialect::Sqlite);
}

#[test]
fn efcore_models_mysql_round_trip() {
    models_round_trip("store_mysql", Dialect::Mysql);
    models_round_trip("school_sqlite", Dialect::Mysql);
}

#[test]
fn efcore_models_postgres_round_trip() {
    models_round_trip("shop_pg", Dialect::Postgres);
    models_round_trip("blog_sqlite", Dialect::Postgres);
}
