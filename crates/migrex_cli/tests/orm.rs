//! ORM projects through the `migrex` binary: inspect, diff with `--target`, convert, and
//! errors, on the ORM crates' fixture projects. The Django flow runs the real Django (the
//! framework runners are proved per framework in `migrex_render_orm`'s tests; this proves
//! the command line wires them up).

mod common;

use common::{migrex, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_orm/tests/fixtures")
        .join(rel)
}

use migrex_test_support::copy_dir;

/// A Django project configured for a SQLite file in its own folder.
fn sqlite_settings(project: &Path) {
    let settings = project.join("config/settings.py");
    let text = std::fs::read_to_string(&settings).unwrap();
    // The fixtures name PostgreSQL.
    let text = text
        .replace(
            "\"ENGINE\": \"django.db.backends.postgresql\"",
            "\"ENGINE\": \"django.db.backends.sqlite3\"",
        )
        .replace("\"NAME\": \"shop\"", "\"NAME\": BASE_DIR / \"db.sqlite3\"");
    std::fs::write(settings, text).unwrap();
}

fn python(python: &Path, project: &Path, args: &[&str]) -> std::process::Output {
    Command::new(python)
        .arg("manage.py")
        .args(args)
        .current_dir(project)
        .output()
        .expect("python runs")
}

#[test]
fn inspect_reads_each_framework_and_detects_plain_folders() {
    let django = format!("django:{}", fixture("django/shop").display());
    let o = migrex(&[
        "inspect",
        &django,
        "--dialect",
        "postgres",
        "--format",
        "sql",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Django's own names: the hashed `_like` index of a unique varchar on PostgreSQL.
    assert!(
        stdout(&o).contains("CREATE INDEX \"core_tag_name_5f34f44c_like\""),
        "{}",
        stdout(&o)
    );
    // A plain folder: the framework is recognised.
    let rails = fixture("rails/blog").display().to_string();
    let o = migrex(&["inspect", &rails, "--dialect", "sqlite", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("\"posts\""), "{}", stdout(&o));
    let alchemy = format!("sqlalchemy:{}", fixture("sqlalchemy/blog").display());
    let o = migrex(&[
        "inspect",
        &alchemy,
        "--dialect",
        "postgres",
        "--format",
        "sql",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("CREATE TABLE"), "{}", stdout(&o));
}

#[test]
fn bad_models_are_reported_at_their_line_and_unknown_folders_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("shop");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("__init__.py"), "").unwrap();
    std::fs::write(
        app.join("models.py"),
        "from django.db import models\n\n\nclass Item(models.Model):\n    name = models.CharField(max_length=20)\n    blob = models.MadeUpField()\n",
    )
    .unwrap();
    let o = migrex(&[
        "inspect",
        &format!("django:{}", dir.path().display()),
        "--dialect",
        "sqlite",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("models.py:6:"), "{err}");
    assert!(err.contains("MadeUpField"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let o = migrex(&["inspect", &empty.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("django:PATH"), "{}", stderr(&o));
}

#[test]
fn target_writes_each_framework_s_migration_files() {
    // Rails: db/migrate/<14-digit version>_<name>.rb after the project's last migration.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("app");
    copy_dir(&fixture("rails/blog"), &out);
    let before = format!("rails:{}", fixture("rails/blog").display());
    let after = format!("rails:{}", fixture("rails/blog_v2").display());
    let o = migrex(&[
        "diff",
        &before,
        &after,
        "--dialect",
        "postgres",
        "--target",
        "rails",
        "--out",
        &out.display().to_string(),
        "--name",
        "add reviews",
        "--no-input",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written: Vec<String> = std::fs::read_dir(out.join("db/migrate"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("_add_reviews.rb"))
        .collect();
    assert_eq!(written.len(), 1, "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("db/migrate").join(&written[0])).unwrap();
    assert!(
        text.contains("class AddReviews < ActiveRecord::Migration[6.1]"),
        "{text}"
    );
    // Alembic: a revision chained to the head of the project's versions.
    let before = format!("sqlalchemy:{}", fixture("sqlalchemy/shop_before").display());
    let after = format!("sqlalchemy:{}", fixture("sqlalchemy/shop_after").display());
    let out = dir.path().join("alembic-app");
    let o = migrex(&[
        "diff",
        &before,
        &after,
        "--dialect",
        "sqlite",
        "--target",
        "alembic",
        "--out",
        &out.display().to_string(),
        "--no-input",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let revision = walk(&out)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "py"));
    let text = std::fs::read_to_string(revision.expect("a revision file")).unwrap();
    assert!(
        text.contains("def upgrade()") && text.contains("def downgrade()"),
        "{text}"
    );
    assert!(text.contains("down_revision"), "{text}");
    // A target without a project to write into needs --out.
    let sql = common::write(
        dir.path(),
        "a.sql",
        "CREATE TABLE a (id int PRIMARY KEY);\n",
    );
    let sql2 = common::write(
        dir.path(),
        "b.sql",
        "CREATE TABLE a (id int PRIMARY KEY, n int);\n",
    );
    let o = migrex(&[
        "diff",
        &sql,
        &sql2,
        "--dialect",
        "sqlite",
        "--target",
        "django",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The whole Django flow: the project's migrations made by Django, the models changed, migrex
/// writes the next migrations into the project, Django finds nothing left to make, applies
/// them, and the database then equals the models (`migrex diff DB django:PROJECT` is empty).
#[test]
fn django_next_migration_is_what_django_accepts() {
    let Some(py) = migrex_test_support::runner("MIGREX_PYTHON") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    copy_dir(&fixture("django/shop"), &before);
    copy_dir(&fixture("django/shop_after"), &after);
    sqlite_settings(&before);
    sqlite_settings(&after);
    let made = python(
        &py,
        &before,
        &["makemigrations", "core", "catalog", "orders", "--noinput"],
    );
    assert!(made.status.success(), "{}", stderr(&made));
    for app in ["core", "catalog", "orders"] {
        copy_dir(
            &before.join(app).join("migrations"),
            &after.join(app).join("migrations"),
        );
    }
    // The project without migrations refuses: its migration state would not match.
    let fresh = dir.path().join("fresh");
    copy_dir(&fixture("django/shop_after"), &fresh);
    let o = migrex(&[
        "diff",
        &format!("django:{}", before.display()),
        &format!("django:{}", fresh.display()),
        "--target",
        "django",
        "--no-input",
        "--rename",
        "catalog_supplier.name=company_name",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("no migrations"), "{}", stderr(&o));

    let o = migrex(&[
        "diff",
        &format!("django:{}", before.display()),
        &format!("django:{}", after.display()),
        "--target",
        "django",
        "--no-input",
        "--rename",
        "catalog_supplier.name=company_name",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("catalog/migrations/0002_"),
        "{}",
        stderr(&o)
    );
    let check = python(
        &py,
        &after,
        &["makemigrations", "--check", "--dry-run", "--noinput"],
    );
    assert!(
        check.status.success(),
        "makemigrations --check: {}{}",
        stdout(&check),
        stderr(&check)
    );
    let migrate = python(&py, &after, &["migrate", "--noinput"]);
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    let db = format!("sqlite://{}", after.join("db.sqlite3").display());
    let o = migrex(&[
        "diff",
        &db,
        &format!("django:{}", after.display()),
        "--dialect",
        "sqlite",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "the database differs from the models");
}

/// `convert` writes models another framework's reader reads back to the same schema (within
/// one framework: the names are its own).
#[test]
fn convert_round_trips_within_a_framework() {
    let dir = tempfile::tempdir().unwrap();
    for (source, to) in [
        (
            format!("sqlalchemy:{}", fixture("sqlalchemy/blog").display()),
            "sqlalchemy",
        ),
        (
            format!("rails:{}", fixture("rails/blog").display()),
            "rails",
        ),
    ] {
        let out = dir.path().join(to);
        let o = migrex(&[
            "convert",
            &source,
            "--to",
            to,
            "--out",
            &out.display().to_string(),
            "--dialect",
            "postgres",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let back = format!("{to}:{}", out.display());
        let o = migrex(&["diff", &source, &back, "--dialect", "postgres"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "",
            "{to}: converted models differ from the source"
        );
        // Never overwrites.
        let again = migrex(&[
            "convert",
            &source,
            "--to",
            to,
            "--out",
            &out.display().to_string(),
            "--dialect",
            "postgres",
        ]);
        assert_eq!(again.status.code(), Some(2));
    }
}

const RAILS_RB: &str = r#"
require "active_record"
db, root, action = ARGV
ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: db)
ActiveRecord::Migration.verbose = false
Dir.chdir(root)
ctx = ActiveRecord::MigrationContext.new("db/migrate", ActiveRecord::SchemaMigration)
c = ActiveRecord::Base.connection
case action
when "load"
  load "db/schema.rb"
  c.execute("INSERT INTO authors (name, created_at, updated_at) VALUES ('Ada', '2024-01-01', '2024-01-01')")
when "migrate" then ctx.migrate
when "rollback" then ctx.rollback(1)
end
puts c.columns("authors").map(&:name).include?("name_length") ? c.select_value("SELECT name_length FROM authors") : "absent"
"#;

/// A refactor recipe as a Rails migration: Active Record runs its schema step and its batched
/// data step (the new column filled from the row), and rolls both back.
#[test]
fn refactor_target_rails_runs_on_active_record() {
    let Some(ruby) = migrex_test_support::runner("MIGREX_RUBY") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    copy_dir(&fixture("rails/blog"), &app);
    let script = dir.path().join("run.rb");
    std::fs::write(&script, RAILS_RB).unwrap();
    let db = dir.path().join("dev.sqlite3");
    let run = |action: &str| {
        let o = Command::new(&ruby)
            .arg(&script)
            .arg(&db)
            .arg(&app)
            .arg(action)
            .output()
            .expect("ruby runs");
        assert!(o.status.success(), "{action}: {}", stderr(&o));
        stdout(&o).trim().to_string()
    };
    assert_eq!(run("load"), "absent");
    let o = migrex(&[
        "refactor",
        "add-column",
        "--column",
        "authors.name_length",
        "--type",
        "integer",
        "--from",
        "length(name)",
        "--schema",
        &format!("rails:{}", app.display()),
        "--dialect",
        "sqlite",
        "--target",
        "rails",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("db/migrate/"), "{}", stderr(&o));
    assert_eq!(run("migrate"), "3");
    assert_eq!(run("rollback"), "absent");
}

/// TypeORM, Knex and EF Core through the binary: each project is read by its prefix and
/// recognised as a plain folder, and `convert` within the framework reads back unchanged.
#[test]
fn inspect_and_convert_typeorm_knex_and_efcore() {
    for (source, dialect, expect) in [
        ("typeorm:typeorm/blog", "postgres", "CONSTRAINT \"PK_"),
        ("knex:knex/shop", "postgres", "CREATE TABLE"),
        ("efcore:efcore/blog_sqlite", "sqlite", "\"PK_Posts\""),
    ] {
        let (prefix, rel) = source.split_once(':').unwrap();
        let path = fixture(rel).display().to_string();
        let o = migrex(&[
            "inspect",
            &format!("{prefix}:{path}"),
            "--dialect",
            dialect,
            "--format",
            "sql",
        ]);
        assert!(o.status.success(), "{source}: {}", stderr(&o));
        assert!(stdout(&o).contains(expect), "{source}:\n{}", stdout(&o));
        // A plain folder is recognised as the same framework.
        let plain = migrex(&["inspect", &path, "--dialect", dialect, "--format", "sql"]);
        assert!(plain.status.success(), "{source}: {}", stderr(&plain));
        assert_eq!(stdout(&plain), stdout(&o), "{source}");
    }
    let dir = tempfile::tempdir().unwrap();
    for (source, to, dialect) in [
        ("typeorm:typeorm/blog", "typeorm", "postgres"),
        ("efcore:efcore/blog_sqlite", "efcore", "sqlite"),
        ("knex:knex/shop", "knex", "postgres"),
    ] {
        let (prefix, rel) = source.split_once(':').unwrap();
        let source = format!("{prefix}:{}", fixture(rel).display());
        let out = dir.path().join(to);
        let o = migrex(&[
            "convert",
            &source,
            "--to",
            to,
            "--out",
            &out.display().to_string(),
            "--dialect",
            dialect,
        ]);
        assert!(o.status.success(), "{to}: {}", stderr(&o));
        let back = format!("{to}:{}", out.display());
        let o = migrex(&["diff", &source, &back, "--dialect", dialect]);
        assert!(o.status.success(), "{to}: {}", stderr(&o));
        assert_eq!(
            stdout(&o),
            "",
            "{to}: converted files differ from the source"
        );
    }
}

/// `--target efcore` into the project TO was read from: the migration, its Designer, and the
/// model snapshot, which EF Core rewrites on every migration and migrex replaces likewise;
/// the project read again has the new migration last and the snapshot at the target.
#[test]
fn efcore_target_replaces_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("blog");
    copy_dir(&fixture("efcore/blog_sqlite"), &project);
    let post = project.join("Models/Post.cs");
    let text = std::fs::read_to_string(&post).unwrap();
    std::fs::write(
        &post,
        text.replace(
            "public string? Content { get; set; }",
            "public string? Content { get; set; }\n\n        public string? Subtitle { get; set; }",
        ),
    )
    .unwrap();
    let snapshot = project.join("Migrations/BloggingContextModelSnapshot.cs");
    let old_snapshot = std::fs::read_to_string(&snapshot).unwrap();
    let before = format!("efcore:{}", fixture("efcore/blog_sqlite").display());
    let after = format!("efcore:{}", project.display());
    let o = migrex(&[
        "diff",
        &before,
        &after,
        "--dialect",
        "sqlite",
        "--target",
        "efcore",
        "--name",
        "AddSubtitle",
        "--no-input",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written: Vec<String> = std::fs::read_dir(project.join("Migrations"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("_AddSubtitle"))
        .collect();
    assert_eq!(written.len(), 2, "{written:?}");
    let new_snapshot = std::fs::read_to_string(&snapshot).unwrap();
    assert_ne!(new_snapshot, old_snapshot);
    assert!(new_snapshot.contains("Subtitle"), "{new_snapshot}");
    let migration = written
        .iter()
        .find(|n| !n.ends_with(".Designer.cs"))
        .expect("the migration file");
    let text = std::fs::read_to_string(project.join("Migrations").join(migration)).unwrap();
    assert!(
        text.contains("migrationBuilder.AddColumn<string>(") && text.contains("\"Subtitle\""),
        "{text}"
    );
}
