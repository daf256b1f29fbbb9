//! Rails migrations written by migrex, run by Active Record 6.1 itself on SQLite and
//! PostgreSQL: the fixture app `blog` (its schema loaded by Active Record, its migrations
//! marked applied) gets the migration migrex writes towards `blog_v2` (and `blog_v3`); `migrate` brings the
//! database to what the reader builds from the target, the `SchemaDumper` output reads back to the
//! same schema, and `rollback(1)` brings back blog.

use migrex_model::{Dialect, QualifiedName, Renames, Schema};
use migrex_render_orm::{MigrationInput, Target};
use migrex_source_orm::Framework;
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_orm/tests/fixtures/rails")
        .join(name)
}

const RUN_RB: &str = r#"
require "active_record"
url, root, action, dump = ARGV
conn = url.start_with?("sqlite") ? { adapter: "sqlite3", database: url.sub(%r{\Asqlite://}, "") } : url.sub(%r{\Amysql://}, "mysql2://")
ActiveRecord::Base.establish_connection(conn)
ActiveRecord::Migration.verbose = false
Dir.chdir(root)
ctx = ActiveRecord::MigrationContext.new("db/migrate", ActiveRecord::SchemaMigration)
case action
when "load" then load "db/schema.rb"
when "migrate" then ctx.migrate
when "rollback" then ctx.rollback(1)
end
puts ctx.current_version
if dump
  FileUtils.mkdir_p(File.join(dump, "db"))
  File.open(File.join(dump, "db", "schema.rb"), "w") { |f| ActiveRecord::SchemaDumper.dump(ActiveRecord::Base.connection, f) }
end
"#;

fn ruby(rb: &Path, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("run.rb");
    std::fs::write(&path, RUN_RB).expect("write script");
    let out = std::process::Command::new(rb)
        .arg(&path)
        .args(args)
        .output()
        .expect("ruby runs");
    assert!(
        out.status.success(),
        "ruby {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

use migrex_test_support::copy_dir;

fn without_internal(mut s: Schema) -> Schema {
    for ns in s.namespaces.values_mut() {
        ns.tables.shift_remove("ar_internal_metadata");
        ns.tables.shift_remove("schema_migrations");
    }
    s
}

/// The schema a dumped schema.rb reads back to through the Rails reader.
fn read_dump(dir: &Path, dialect: Dialect) -> Schema {
    let schema = migrex_source_orm::read(Framework::Rails, dir, dialect)
        .unwrap_or_else(|e| {
            panic!(
                "dumped schema.rb does not read: {e}\n{}",
                std::fs::read_to_string(dir.join("db/schema.rb")).unwrap_or_default()
            )
        })
        .loaded
        .schema;
    fold_mariadb_json_dump(schema)
}

/// Active Record 6.1's dumper sees MariaDB's JSON column as what the catalog holds: it dumps
/// `t.text size: :long, collation: "utf8mb4_bin"` plus a table-level
/// `check_constraint "json_valid(col)", name: "col"`, which loads back as that text column, not
/// as JSON (an Active Record limitation on MariaDB). Such a pair is compared as the JSON column
/// it was dumped from.
fn fold_mariadb_json_dump(mut schema: Schema) -> Schema {
    if schema.dialect != Dialect::Mysql {
        return schema;
    }
    for ns in schema.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            let checks = std::mem::take(&mut t.checks);
            for check in checks {
                let folded = check.name.as_ref().and_then(|n| {
                    let json_check = check.expr.key == format!("json_valid({n})");
                    let col = t.columns.get_mut(n)?;
                    let long_text = matches!(
                        col.ty,
                        migrex_model::ColumnType::Text {
                            kind: migrex_model::TextKind::LongText,
                            ..
                        }
                    );
                    (json_check && long_text && col.collation.as_deref() == Some("utf8mb4_bin"))
                        .then(|| {
                            col.ty = migrex_model::ColumnType::Json { binary: false };
                            col.collation = None;
                        })
                });
                if folded.is_none() {
                    t.checks.push(check);
                }
            }
        }
    }
    schema
}

#[track_caller]
fn same(what: &str, left: &Schema, right: &Schema) {
    let d = schema_differences(left, right);
    assert!(d.is_empty(), "{what}:\n{}", d.join("\n"));
}

/// `after`: blog_v2 changes a column type (`change_column`: `def up`/`def down`); blog_v3 has
/// only statements the `CommandRecorder` reverses (`def change`, rolled back by inversion).
fn migrate_proof(dialect: Dialect, after_fixture: &str) {
    migrate_proof_with(dialect, after_fixture, true);
}

/// `with_projects: false` writes from the schemas alone (as for DDL or live sources), so every
/// definition is derived from the model.
fn migrate_proof_with(dialect: Dialect, after_fixture: &str, with_projects: bool) {
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let url = db.url_string();
    let work = tempfile::tempdir().expect("temp");
    let app = work.path().join("app");
    copy_dir(&fixture("blog"), &app);
    let app_s = app.display().to_string();
    assert_eq!(ruby(&rb, &[&url, &app_s, "load"]), "20240302120000");

    let before =
        migrex_source_orm::read(Framework::Rails, &fixture("blog"), dialect).expect("before");
    let after =
        migrex_source_orm::read(Framework::Rails, &fixture(after_fixture), dialect).expect("after");
    let ns = dialect.default_namespace();
    let mut renames = Renames::default();
    renames.columns.insert(
        (QualifiedName::new(ns, "comments"), "body".to_string()),
        "content".to_string(),
    );
    let up = migrex_diff::plan(&before.loaded.schema, &after.loaded.schema, &renames);
    let down = migrex_diff::down(&before.loaded.schema, &after.loaded.schema, &renames);
    let input = MigrationInput {
        up: &up,
        down: &down,
        from: &before.loaded.schema,
        to: &after.loaded.schema,
        from_project: with_projects.then_some(&before),
        to_project: with_projects.then_some(&after),
        out_dir: &app,
        name: Some("evolve blog"),
        // 2024-04-01 10:00:00 UTC: the version the targets' schema.rb name.
        now: 1_711_965_600,
    };
    let files = migrex_render_orm::write_migration(Target::Rails, &input).expect("writes");
    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(
        file.path,
        PathBuf::from("db/migrate/20240401100000_evolve_blog.rb")
    );
    let text = &file.contents;
    if std::env::var("RAILS_SHOW").is_ok() {
        eprintln!("{text}");
    }
    let reversible = after_fixture == "blog_v3";
    assert_eq!(text.contains("def change"), reversible, "{text}");
    assert_eq!(
        text.contains("change_column :authors, :email, :string, limit: 200"),
        !reversible,
        "{text}"
    );
    for expected in [
        "class EvolveBlog < ActiveRecord::Migration[6.1]",
        "create_table :categories do |t|",
        "t.timestamps",
        "rename_column :comments, :body, :content",
        "change_column_default :posts, :status, from: 0, to: 1",
        "add_check_constraint :authors, \"length(name) > 0\", name: \"authors_name_present\"",
        "add_foreign_key :posts, :categories",
        "drop_table :orders",
        "add_foreign_key :categories_tags, :tags",
        "where: \"slug IS NOT NULL\"",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    // SQLite reports the rebuilt join table's keys as `integer`, which is not what
    // create_join_table makes; from the project's schema.rb the writer knows better.
    if with_projects || dialect == Dialect::Postgres {
        assert!(
            text.contains("create_join_table :categories, :tags do |t|"),
            "{text}"
        );
    }
    migrex_render_orm::save(&app, &files).expect("saves");

    // Up.
    let dump_up = work.path().join("dump_up");
    assert_eq!(
        ruby(
            &rb,
            &[&url, &app_s, "migrate", &dump_up.display().to_string()]
        ),
        "20240401100000",
        "{text}"
    );
    let live = without_internal(db.introspect().schema);
    if dialect != Dialect::Sqlite {
        same(
            &format!("after migrate: reader(after) (left) vs database (right)\n{text}"),
            &after.loaded.schema,
            &live,
        );
    } else {
        sqlite_same_modulo_rebuilds("after migrate", &after.loaded.schema, &live, text);
    }
    same(
        &format!(
            "after migrate: reader(after) (left) vs the dumped schema.rb read back (right)\n{text}"
        ),
        &after.loaded.schema,
        &read_dump(&dump_up, dialect),
    );

    // Down.
    let dump_down = work.path().join("dump_down");
    assert_eq!(
        ruby(
            &rb,
            &[&url, &app_s, "rollback", &dump_down.display().to_string()]
        ),
        "20240302120000"
    );
    let live = without_internal(db.introspect().schema);
    if dialect != Dialect::Sqlite {
        same(
            &format!("after rollback: reader(blog) (left) vs database (right)\n{text}"),
            &before.loaded.schema,
            &live,
        );
    } else {
        sqlite_same_modulo_rebuilds("after rollback", &before.loaded.schema, &live, text);
    }
    same(
        &format!(
            "after rollback: reader(blog) (left) vs the dumped schema.rb read back (right)\n{text}"
        ),
        &before.loaded.schema,
        &read_dump(&dump_down, dialect),
    );
}

/// SQLite: Active Record's migrations rebuild a table for `change_column` and for each key or
/// check they add, and a rebuilt table differs from one `load "db/schema.rb"` creates in ways
/// of Active Record's own making: the key loses AUTOINCREMENT and nullable columns get an
/// explicit `DEFAULT NULL` (and SQLite lists indexes in creation order). Those are the only
/// differences allowed; the dumped schema.rb must still read back exactly.
fn sqlite_same_modulo_rebuilds(what: &str, expected: &Schema, live: &Schema, text: &str) {
    // SQLite lists indexes in creation order, which a migration's history decides.
    let sorted = |s: &Schema| {
        let mut s = s.clone();
        for ns in s.namespaces.values_mut() {
            for t in ns.tables.values_mut() {
                t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
                t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        s
    };
    let d = schema_differences(&sorted(expected), &sorted(live));
    // Each difference is one entry: the path, then the left and the right value.
    let allowed = |entry: &str| {
        entry.contains(".identity:")
            || entry.contains(".default:")
                && entry.contains("left:  null")
                && entry.contains("right: \"key: NULL\"")
    };
    let unexpected: Vec<&String> = d.iter().filter(|e| !allowed(e)).collect();
    assert!(
        unexpected.is_empty(),
        "{what}: reader (left) vs SQLite database (right):\n{}\n{text}",
        d.join("\n")
    );
}

#[test]
fn rails_migration_runs_on_active_record_sqlite() {
    migrate_proof(Dialect::Sqlite, "blog_v2");
}

#[test]
fn rails_migration_runs_on_active_record_postgres() {
    migrate_proof(Dialect::Postgres, "blog_v2");
}

#[test]
fn rails_migration_from_schemas_alone_runs_on_active_record_postgres() {
    migrate_proof_with(Dialect::Postgres, "blog_v3", false);
}

#[test]
fn rails_migration_from_schemas_alone_runs_on_active_record_sqlite() {
    migrate_proof_with(Dialect::Sqlite, "blog_v3", false);
}

#[test]
fn rails_reversible_migration_runs_on_active_record_sqlite() {
    migrate_proof(Dialect::Sqlite, "blog_v3");
}

#[test]
fn rails_reversible_migration_runs_on_active_record_postgres() {
    migrate_proof(Dialect::Postgres, "blog_v3");
}

#[test]
fn rails_migration_runs_on_active_record_mysql() {
    migrate_proof(Dialect::Mysql, "blog_v2");
}

#[test]
fn rails_reversible_migration_runs_on_active_record_mysql() {
    migrate_proof(Dialect::Mysql, "blog_v3");
}

/// An online plan on PostgreSQL (`CREATE INDEX CONCURRENTLY`) with a data step: the migration
/// uses `algorithm: :concurrently` outside a transaction (`disable_ddl_transaction!`) and the
/// data step in a `reversible` block; Active Record runs it up and back down.
#[test]
fn rails_online_index_and_data_step_on_postgres() {
    use migrex_model::{Change, DataOp, Index, IndexPart, Phase, Step};
    let dialect = Dialect::Postgres;
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let url = db.url_string();
    let work = tempfile::tempdir().expect("temp");
    let app = work.path().join("app");
    copy_dir(&fixture("blog"), &app);
    let app_s = app.display().to_string();
    ruby(&rb, &[&url, &app_s, "load"]);
    db.run(
        "INSERT INTO authors (name, created_at, updated_at) VALUES ('Ann', now(), now());
         INSERT INTO posts (author_id, title, created_at, updated_at) SELECT id, 'Hello', now(), now() FROM authors;",
    );

    let before =
        migrex_source_orm::read(Framework::Rails, &fixture("blog"), dialect).expect("before");
    let mut after = before.loaded.schema.clone();
    let posts = QualifiedName::new("public", "posts");
    after.table_mut(&posts).expect("posts").indexes.push(Index {
        name: "index_posts_on_title".into(),
        unique: false,
        parts: vec![IndexPart::column("title")],
        method: None,
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct: false,
        comment: None,
    });
    // PostgreSQL introspection lists indexes by name.
    after
        .table_mut(&posts)
        .expect("posts")
        .indexes
        .sort_by(|a, b| a.name.cmp(&b.name));
    let online = migrex_diff::OnlineOptions {
        pg_major: 15,
        batch_size: 1000,
        ..Default::default()
    };
    let renames = Renames::default();
    let mut up = migrex_diff::online(
        migrex_diff::plan(&before.loaded.schema, &after, &renames),
        &before.loaded.schema,
        &online,
    );
    let down = migrex_diff::online(
        migrex_diff::down(&before.loaded.schema, &after, &renames),
        &after,
        &online,
    );
    up.steps.insert(
        0,
        Step {
            id: 100,
            change: Change::Data {
                table: posts.clone(),
                operation: DataOp::Sql {
                    description: "rate unrated posts".into(),
                    statements: vec!["UPDATE posts SET rating = 0 WHERE rating IS NULL".into()],
                },
            },
            phase: Phase::Backfill,
            depends_on: Vec::new(),
            transactional: true,
        },
    );
    let input = MigrationInput {
        up: &up,
        down: &down,
        from: &before.loaded.schema,
        to: &after,
        from_project: Some(&before),
        to_project: None,
        out_dir: &app,
        name: None,
        now: 1_711_965_600,
    };
    let files = migrex_render_orm::write_migration(Target::Rails, &input).expect("writes");
    let text = &files[0].contents;
    for expected in [
        "disable_ddl_transaction!",
        "def change",
        "add_index :posts, [:title], algorithm: :concurrently",
        "reversible do |dir|",
        "UPDATE posts SET rating = 0 WHERE rating IS NULL",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    assert_eq!(
        files[0].path,
        PathBuf::from("db/migrate/20240401100000_change_posts.rb")
    );
    migrex_render_orm::save(&app, &files).expect("saves");
    assert_eq!(
        ruby(&rb, &[&url, &app_s, "migrate"]),
        "20240401100000",
        "{text}"
    );
    same(
        &format!("after migrate (left: target, right: database)\n{text}"),
        &after,
        &without_internal(db.introspect().schema),
    );
    let rows = db
        .connect()
        .query("SELECT count(*) FROM posts WHERE rating = 0")
        .expect("query");
    assert_eq!(rows[0][0].as_deref(), Some("1"), "the data step ran");
    assert_eq!(ruby(&rb, &[&url, &app_s, "rollback"]), "20240302120000");
    same(
        "after rollback (left: before, right: database)",
        &before.loaded.schema,
        &without_internal(db.introspect().schema),
    );
}

/// From an empty app to the `dsl` fixture (references with foreign keys, a polymorphic pair,
/// a join table, checks, a descending index, defaults of every kind, a string primary key,
/// comments): the migration migrex writes builds it with Active Record and rolls back to nothing.
fn create_everything(dialect: Dialect) {
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let url = db.url_string();
    let work = tempfile::tempdir().expect("temp");
    let app = work.path().join("app");
    std::fs::create_dir_all(app.join("db/migrate")).expect("mkdir");
    std::fs::write(
        app.join("db/schema.rb"),
        "ActiveRecord::Schema.define(version: 0) do\nend\n",
    )
    .expect("write");
    let app_s = app.display().to_string();
    assert_eq!(ruby(&rb, &[&url, &app_s, "load"]), "0");
    let before = migrex_source_orm::read(Framework::Rails, &app, dialect).expect("before");
    let after = migrex_source_orm::read(Framework::Rails, &fixture("dsl"), dialect).expect("after");
    let renames = Renames::default();
    let up = migrex_diff::plan(&before.loaded.schema, &after.loaded.schema, &renames);
    let down = migrex_diff::down(&before.loaded.schema, &after.loaded.schema, &renames);
    let input = MigrationInput {
        up: &up,
        down: &down,
        from: &before.loaded.schema,
        to: &after.loaded.schema,
        from_project: Some(&before),
        to_project: Some(&after),
        out_dir: &app,
        name: None,
        // 2024-05-01 00:00:00 UTC: the dsl fixture's version.
        now: 1_714_521_600,
    };
    let files = migrex_render_orm::write_migration(Target::Rails, &input).expect("writes");
    let text = &files[0].contents;
    assert_eq!(
        files[0].path,
        PathBuf::from("db/migrate/20240501000000_change_schema.rb")
    );
    for expected in [
        "def change",
        "create_join_table :people, :projects do |t|",
        "create_table :settings, id: :string, primary_key: :key do |t|",
        // Where schema.rb has them: inside the block (t.references) or after it.
        "t.foreign_key :people, column: :owner_id, on_delete: :cascade",
        "add_check_constraint :people, \"age >= 0\", name: \"age_positive\"",
        "t.datetime :seen_at, default: -> { \"CURRENT_TIMESTAMP\" }",
        "t.string :name, null: false, comment: \"display name\"",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
    migrex_render_orm::save(&app, &files).expect("saves");
    let dump_up = work.path().join("dump_up");
    assert_eq!(
        ruby(
            &rb,
            &[&url, &app_s, "migrate", &dump_up.display().to_string()]
        ),
        "20240501000000",
        "{text}"
    );
    let live = without_internal(db.introspect().schema);
    if dialect != Dialect::Sqlite {
        same(
            &format!("reader(dsl) (left) vs database (right)\n{text}"),
            &after.loaded.schema,
            &live,
        );
    } else {
        sqlite_same_modulo_rebuilds("after migrate", &after.loaded.schema, &live, text);
    }
    // The dsl schema.rb is hand-written, not a dump: on SQLite, Active Record's own dump of the
    // same database loads differently (its keys move after the tables, which makes SQLite
    // rebuild them), so only PostgreSQL's dump is a fixed point to compare with.
    if dialect == Dialect::Postgres {
        same(
            &format!("reader(dsl) (left) vs the dumped schema.rb read back (right)\n{text}"),
            &after.loaded.schema,
            &read_dump(&dump_up, dialect),
        );
    }
    assert_eq!(ruby(&rb, &[&url, &app_s, "rollback"]), "0");
    let live = without_internal(db.introspect().schema);
    assert_eq!(live.table_count(), 0, "rolled back to nothing\n{text}");
}

#[test]
fn rails_create_everything_on_active_record_sqlite() {
    create_everything(Dialect::Sqlite);
}

#[test]
fn rails_create_everything_on_active_record_postgres() {
    create_everything(Dialect::Postgres);
}
