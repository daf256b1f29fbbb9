//! The Rails reader against Active Record 6.1 itself: the fixture's db/schema.rb loaded by
//! `load "db/schema.rb"` into a scratch database, introspected by migrex, equals what the reader
//! builds for that dialect (names of indexes and constraints included). Plus the model classes,
//! the migration history and the configured adapter.

use migrex_model::{Dialect, QualifiedName, Schema};
use migrex_source_orm::rails::{self, AssociationKind};
use migrex_source_orm::{Framework, Models};
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rails")
        .join(name)
}

const LOAD_RB: &str = r#"
require "active_record"
url, root = ARGV
conn = url.start_with?("sqlite") ? { adapter: "sqlite3", database: url.sub(%r{\Asqlite://}, "") } : url.sub(%r{\Amysql://}, "mysql2://")
ActiveRecord::Base.establish_connection(conn)
ActiveRecord::Migration.verbose = false
Dir.chdir(root)
load "db/schema.rb"
"#;

/// Runs Ruby with Active Record on `script` and its arguments; panics with its output on failure.
fn ruby(ruby: &Path, script: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("run.rb");
    std::fs::write(&path, script).expect("write script");
    let out = std::process::Command::new(ruby)
        .arg(&path)
        .args(args)
        .output()
        .expect("ruby runs");
    assert!(
        out.status.success(),
        "ruby failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The schema without Active Record's own bookkeeping tables.
fn without_internal(mut s: Schema) -> Schema {
    for ns in s.namespaces.values_mut() {
        ns.tables.shift_remove("ar_internal_metadata");
        ns.tables.shift_remove("schema_migrations");
    }
    s
}

fn check_exact(dialect: Dialect) {
    check_exact_fixture(dialect, "blog_v2");
    check_exact_fixture(dialect, "blog_v3");
    check_exact_fixture(dialect, "dsl");
    if dialect == Dialect::Postgres {
        check_exact_fixture(dialect, "pg_types");
    }
    check_exact_fixture(dialect, "blog");
}

fn check_exact_fixture(dialect: Dialect, name: &str) {
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let root = fixture(name);
    ruby(
        &rb,
        LOAD_RB,
        &[&db.url_string(), &root.display().to_string()],
    );
    let live = without_internal(db.introspect().schema);
    let project = migrex_source_orm::read(Framework::Rails, &root, dialect).expect("reads");
    let diff = schema_differences(&project.loaded.schema, &live);
    assert!(
        diff.is_empty(),
        "{name}: reader (left) vs Active Record's load on {dialect} (right):\n{}",
        diff.join("\n")
    );
    // The fixture is not trivially equal: it has the tables, keys and names it claims.
    let t = |n: &str| {
        project
            .loaded
            .schema
            .table(&QualifiedName::new(dialect.default_namespace(), n))
            .unwrap_or_else(|| panic!("table {n}"))
    };
    match name {
        "blog" => {}
        "dsl" => {
            let projects = t("projects");
            assert_eq!(projects.foreign_keys.len(), 2);
            assert!(
                projects
                    .indexes
                    .iter()
                    .any(|i| i.name == "index_projects_on_owner_id")
            );
            let notes = t("notes");
            assert!(notes.column("notable_type").is_some());
            assert!(
                notes
                    .indexes
                    .iter()
                    .any(|i| i.name == "index_notes_on_notable")
            );
            assert!(
                t("people")
                    .indexes
                    .iter()
                    .any(|i| i.name == "index_people_on_code" && i.unique)
            );
            assert!(t("people_projects").primary_key.is_none());
            return;
        }
        _ => return,
    }
    assert_eq!(project.loaded.schema.table_count(), 7);
    let posts = t("posts");
    assert!(
        posts
            .foreign_keys
            .iter()
            .any(|f| f.name.as_deref() == Some("fk_rails_04d13ef8c7"))
    );
    assert!(
        posts
            .checks
            .iter()
            .any(|c| c.name.as_deref() == Some("price_non_negative"))
    );
    assert!(
        posts
            .indexes
            .iter()
            // MySQL has no partial indexes: Active Record drops `where:` there.
            .any(|i| i.name == "index_posts_on_published_on_published"
                && i.predicate.is_some() == (dialect != Dialect::Mysql))
    );
    assert_eq!(t("posts_tags").foreign_keys.len(), 2);
    assert!(t("posts_tags").primary_key.is_none());
    assert_eq!(
        t("tbl_customers")
            .primary_key
            .as_ref()
            .map(|p| p.columns.clone()),
        Some(vec!["customer_no".to_string()])
    );
}

#[test]
fn rails_read_equals_active_record_load_on_sqlite() {
    check_exact(Dialect::Sqlite);
}

#[test]
fn rails_read_equals_active_record_load_on_postgres() {
    check_exact(Dialect::Postgres);
}

#[test]
fn rails_read_equals_active_record_load_on_mysql() {
    check_exact(Dialect::Mysql);
}

#[test]
fn rails_read_models_history_and_diagnostics() {
    let root = fixture("blog");
    let project = migrex_source_orm::read(Framework::Rails, &root, Dialect::Sqlite).expect("reads");
    let Models::Rails(models) = &project.models else {
        panic!("rails models")
    };
    let class = |n: &str| {
        models
            .classes
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("class {n}"))
    };
    assert_eq!(class("Post").table_name.as_deref(), Some("posts"));
    // STI: Article lives in posts.
    assert_eq!(class("Article").table_name.as_deref(), Some("posts"));
    assert_eq!(class("Article").sti_parent.as_deref(), Some("Post"));
    // Legacy table and key.
    let customer = class("Customer");
    assert_eq!(customer.table_name.as_deref(), Some("tbl_customers"));
    assert!(customer.explicit_table_name);
    assert_eq!(customer.primary_key.as_deref(), Some("customer_no"));
    assert!(class("ApplicationRecord").abstract_class);
    // HABTM: the join table Active Record derives.
    let tags = class("Post")
        .associations
        .iter()
        .find(|a| a.kind == AssociationKind::HasAndBelongsToMany)
        .expect("habtm");
    assert_eq!(tags.join_table.as_deref(), Some("posts_tags"));
    assert_eq!(tags.foreign_key, "post_id");
    // Polymorphic: two columns, no foreign key.
    let commentable = &class("Comment").associations[0];
    assert!(commentable.polymorphic);
    assert_eq!(commentable.foreign_key, "commentable_id");
    assert_eq!(class("Post").enums[0].0, "status");
    // A belongs_to whose column does not exist is reported at its line.
    let w: Vec<String> = project
        .loaded
        .warnings
        .iter()
        .map(|w| w.to_string())
        .collect();
    assert!(
        w.iter()
            .any(|m| m.contains("order.rb:3:1") && m.contains("coupon_id")),
        "{w:#?}"
    );
    assert_eq!(
        w.iter().filter(|m| m.contains("does not exist")).count(),
        1,
        "{w:#?}"
    );
    // History.
    assert_eq!(
        project.history.migrations,
        vec!["20240301090000".to_string(), "20240302120000".to_string()]
    );
    assert_eq!(project.history.heads, vec!["20240302120000".to_string()]);
    assert_eq!(models.migrations[1].class_name, "CreatePostsAndShop");
    assert_eq!(models.migration_version.as_deref(), Some("6.1"));
    assert_eq!(
        models
            .schema_rb
            .as_ref()
            .and_then(|s| s.version.clone())
            .as_deref(),
        Some("20240302120000")
    );
    // Provenance points at schema.rb lines.
    let loc = project
        .loaded
        .provenance
        .locations
        .get("column posts.title")
        .expect("provenance");
    assert!(loc.ends_with("schema.rb:20:5"), "{loc}");
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Rails, &root),
        Some(Dialect::Postgres)
    );
    assert_eq!(
        migrex_source_orm::detect(&root).ok(),
        Some(Framework::Rails)
    );
    assert_eq!(
        rails::adapter_dialect("  adapter: sqlite3\n"),
        Some(Dialect::Sqlite)
    );
}

#[test]
fn rails_read_errors_point_at_the_line() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::create_dir_all(dir.path().join("db")).expect("mkdir");
    std::fs::write(
        dir.path().join("db/schema.rb"),
        "ActiveRecord::Schema.define(version: 1) do\n  create_table \"a\" do |t|\n    t.string \"x\"\n    t.string \"x\"\n  end\nend\n",
    )
    .expect("write");
    let err = migrex_source_orm::read(Framework::Rails, dir.path(), Dialect::Sqlite)
        .expect_err("duplicate column is an error");
    let msg = err.to_string();
    assert!(msg.contains("schema.rb:4:5"), "{msg}");
    assert!(msg.contains("already defined column"), "{msg}");

    // A column type Active Record does not have, and one of another adapter.
    std::fs::write(
        dir.path().join("db/schema.rb"),
        "ActiveRecord::Schema.define(version: 1) do\n  create_table \"a\" do |t|\n    t.jsonb \"j\"\n    t.strnig \"x\"\n  end\nend\n",
    )
    .expect("write");
    let msg = migrex_source_orm::read(Framework::Rails, dir.path(), Dialect::Postgres)
        .expect_err("unknown column method")
        .to_string();
    assert!(
        msg.contains("schema.rb:4:5") && msg.contains("`strnig`"),
        "{msg}"
    );
    std::fs::write(
        dir.path().join("db/schema.rb"),
        "ActiveRecord::Schema.define(version: 1) do\n  create_table \"a\" do |t|\n    t.jsonb \"j\"\n  end\nend\n",
    )
    .expect("write");
    assert!(migrex_source_orm::read(Framework::Rails, dir.path(), Dialect::Postgres).is_ok());
    let msg = migrex_source_orm::read(Framework::Rails, dir.path(), Dialect::Sqlite)
        .expect_err("jsonb is PostgreSQL's")
        .to_string();
    assert!(
        msg.contains("schema.rb:3:5") && msg.contains("sqlite3"),
        "{msg}"
    );
}

#[test]
fn rails_history_problems_are_reported() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path();
    std::fs::create_dir_all(root.join("db/migrate")).expect("mkdir");
    std::fs::write(
        root.join("db/schema.rb"),
        "ActiveRecord::Schema.define(version: 2024_01_01_000001) do\n  create_table \"a\" do |t|\n  end\nend\n",
    )
    .expect("write");
    let write = |file: &str, text: &str| {
        std::fs::write(root.join("db/migrate").join(file), text).expect("write migration")
    };
    write(
        "20240101000001_create_a.rb",
        "class CreateA < ActiveRecord::Migration[6.1]\n  def change\n    create_table :a\n  end\nend\n",
    );
    write(
        "20240101000002_add_b.rb",
        "class AddB < ActiveRecord::Migration[7.1]\n  def change\n  end\nend\n",
    );
    write(
        "20240101000003_fix_c.rb",
        "class FixSomething < ActiveRecord::Migration[6.1]\n  def change\n  end\nend\n",
    );
    let project = migrex_source_orm::read(Framework::Rails, root, Dialect::Sqlite).expect("reads");
    let w: Vec<String> = project
        .loaded
        .warnings
        .iter()
        .map(|w| w.to_string())
        .collect();
    assert!(
        w.iter()
            .any(|m| m.contains("Unknown migration version \"7.1\"")),
        "{w:#?}"
    );
    assert!(
        w.iter()
            .any(|m| m.contains("FixSomething") && m.contains("FixC")),
        "{w:#?}"
    );
    assert!(
        w.iter()
            .any(|m| m.contains("20240101000002, 20240101000003 are newer")),
        "{w:#?}"
    );
    assert_eq!(project.history.heads, vec!["20240101000003".to_string()]);
}

/// MySQL: the script the reader builds (the mysql2 adapter's SQL, ported) runs on the server
/// as written and reads back to what the reader gives (Active Record's own load of the same
/// fixture is `rails_read_equals_active_record_load_on_mysql`).
#[test]
fn rails_read_mysql_ddl_runs_and_reads_back() {
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    let project =
        migrex_source_orm::read(Framework::Rails, &fixture("dsl"), Dialect::Mysql).expect("reads");
    let Models::Rails(models) = &project.models else {
        panic!("rails models")
    };
    let ar = models.schema_rb.as_ref().expect("schema.rb");
    let sql = rails::ddl::script(ar, Dialect::Mysql).expect("ddl");
    assert!(
        sql.contains("`id` bigint auto_increment PRIMARY KEY"),
        "{sql}"
    );
    db.run(&sql);
    let diff = schema_differences(&project.loaded.schema, &db.introspect().schema);
    assert!(
        diff.is_empty(),
        "reader (left) vs MySQL (right):\n{}\n{sql}",
        diff.join("\n")
    );
}

/// A project that keeps `db/structure.sql` instead of schema.rb (`config.active_record.
/// schema_format = :sql`): the SQL SQLite holds after Active Record loaded the blog fixture, as
/// `.schema` prints it, reads to the same schema as the database.
#[test]
fn rails_read_structure_sql() {
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let Some(db) = TestDb::new(Dialect::Sqlite) else {
        return;
    };
    let root = fixture("blog");
    let dump = r##"
require "active_record"
url, root, out = ARGV
ActiveRecord::Base.establish_connection(adapter: "sqlite3", database: url.sub(%r{\Asqlite://}, ""))
ActiveRecord::Migration.verbose = false
Dir.chdir(root) { load "db/schema.rb" }
sql = ActiveRecord::Base.connection.select_values(
  "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
File.write(out, sql.map { |s| "#{s};\n" }.join)
"##;
    let dir = tempfile::tempdir().expect("temp");
    std::fs::create_dir_all(dir.path().join("db")).expect("mkdir");
    let out = dir.path().join("db/structure.sql");
    ruby(
        &rb,
        dump,
        &[
            &db.url_string(),
            &root.display().to_string(),
            &out.display().to_string(),
        ],
    );
    let project =
        migrex_source_orm::read(Framework::Rails, dir.path(), Dialect::Sqlite).expect("reads");
    let live = db.introspect().schema;
    let diff = schema_differences(&project.loaded.schema, &live);
    assert!(
        diff.is_empty(),
        "structure.sql (left) vs database (right):\n{}",
        diff.join("\n")
    );
    assert!(project.loaded.schema.table_count() >= 7);
}

/// The history replayed (`History::state`) equals what Active Record's own `migrate` builds
/// from the same db/migrate on an empty database; on SQLite this is not the schema.rb load
/// (a table created with its foreign keys inline is never rebuilt).
#[test]
fn rails_history_replay_equals_active_record_migrate() {
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let migrate = r#"
require "active_record"
url, root = ARGV
conn = url.start_with?("sqlite") ? { adapter: "sqlite3", database: url.sub(%r{\Asqlite://}, "") } : url.sub(%r{\Amysql://}, "mysql2://")
ActiveRecord::Base.establish_connection(conn)
ActiveRecord::Migration.verbose = false
Dir.chdir(root)
ActiveRecord::MigrationContext.new("db/migrate", ActiveRecord::SchemaMigration).migrate
"#;
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let Some(db) = TestDb::new(dialect) else {
            return;
        };
        let root = fixture("blog");
        ruby(
            &rb,
            migrate,
            &[&db.url_string(), &root.display().to_string()],
        );
        let live = without_internal(db.introspect().schema);
        let project = migrex_source_orm::read(Framework::Rails, &root, dialect).expect("reads");
        let state = project
            .history
            .state
            .as_ref()
            .expect("the blog migrations replay");
        let diff = schema_differences(&state.schema, &live);
        assert!(
            diff.is_empty(),
            "{dialect}: replayed history (left) vs Active Record's migrate (right):\n{}",
            diff.join("\n")
        );
    }
}

/// Migrations that change tables (add_column, add_reference, change_column_default/null,
/// remove_index, add_timestamps, remove_column, drop_table) replay to what Active Record's
/// `migrate` builds on PostgreSQL; on SQLite, where Active Record rebuilds tables for several
/// of them, the replay says it does not know rather than guess.
#[test]
fn rails_history_replay_of_table_changes() {
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let migrate = r#"
require "active_record"
url, root = ARGV
ActiveRecord::Base.establish_connection(url)
ActiveRecord::Migration.verbose = false
Dir.chdir(root)
ActiveRecord::MigrationContext.new("db/migrate", ActiveRecord::SchemaMigration).migrate
"#;
    let root = fixture("shop");
    let sqlite = migrex_source_orm::read(Framework::Rails, &root, Dialect::Sqlite).expect("reads");
    assert!(sqlite.history.state.is_none());
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    ruby(
        &rb,
        migrate,
        &[&db.url_string(), &root.display().to_string()],
    );
    let live = without_internal(db.introspect().schema);
    let project =
        migrex_source_orm::read(Framework::Rails, &root, Dialect::Postgres).expect("reads");
    let state = project
        .history
        .state
        .as_ref()
        .expect("the shop migrations replay");
    let diff = schema_differences(&state.schema, &live);
    assert!(
        diff.is_empty(),
        "replayed history (left) vs Active Record's migrate (right):\n{}",
        diff.join("\n")
    );
    assert_eq!(state.schema.table_count(), 2);
    // schema.rb has not been dumped since: the reader says the migrations are pending.
    assert!(
        project
            .loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("20240105000000")),
        "{:?}",
        project.loaded.warnings
    );
}

/// Models in modules: a module's `table_name_prefix` (what `rails g model admin/report`
/// writes) prefixes the tables of its classes; Active Record itself names them the same.
#[test]
fn rails_namespaced_models_take_the_module_prefix() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path();
    let write = |p: &str, text: &str| {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "db/schema.rb",
        "ActiveRecord::Schema.define(version: 1) do\n  create_table \"admin_reports\" do |t|\n  end\n  create_table \"invoices\" do |t|\n    t.bigint \"admin_report_id\"\n  end\nend\n",
    );
    write(
        "app/models/application_record.rb",
        "class ApplicationRecord < ActiveRecord::Base\n  self.abstract_class = true\nend\n",
    );
    write(
        "app/models/admin.rb",
        "module Admin\n  def self.table_name_prefix\n    \"admin_\"\n  end\nend\n",
    );
    write(
        "app/models/admin/report.rb",
        "module Admin\n  class Report < ApplicationRecord\n  end\nend\n",
    );
    write(
        "app/models/billing/invoice.rb",
        "module Billing\n  class Invoice < ApplicationRecord\n    belongs_to :admin_report, class_name: \"Admin::Report\", optional: true\n  end\nend\n",
    );
    let project = migrex_source_orm::read(Framework::Rails, root, Dialect::Sqlite).expect("reads");
    let Models::Rails(models) = &project.models else {
        panic!("rails models")
    };
    let table = |n: &str| {
        models
            .classes
            .iter()
            .find(|c| c.name == n)
            .and_then(|c| c.table_name.clone())
    };
    assert_eq!(table("Admin::Report").as_deref(), Some("admin_reports"));
    assert_eq!(table("Billing::Invoice").as_deref(), Some("invoices"));
    assert!(
        project
            .loaded
            .warnings
            .iter()
            .all(|w| !w.message.contains("does not")),
        "{:?}",
        project.loaded.warnings
    );
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let names = ruby(
        &rb,
        r#"
require "active_record"
Dir.chdir(ARGV[0])
%w[application_record admin admin/report billing/invoice].each { |f| require File.expand_path("app/models/#{f}.rb") }
puts Admin::Report.table_name, Billing::Invoice.table_name
"#,
        &[&root.display().to_string()],
    );
    assert_eq!(names, "admin_reports\ninvoices\n");
}
