//! `write_models` for Rails: a schema written as app/models and db/schema.rb reads back, through
//! the Rails reader, to the same schema; Active Record itself loads the written schema.rb into
//! the same database as the original one.

use migrex_model::{Dialect, Schema};
use migrex_render_orm::Target;
use migrex_source_orm::Framework;
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_orm/tests/fixtures/rails")
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
Dir["app/models/*.rb"].sort.each { |f| require File.expand_path(f) }
# The associations resolve against the loaded tables.
Post.reflect_on_all_associations.each { |a| a.klass.table_name }
puts Post.reflect_on_association(:tags).join_table
puts TblCustomer.table_name
puts Order.reflect_on_association(:tbl_customer).klass.primary_key
"#;

fn without_internal(mut s: Schema) -> Schema {
    for ns in s.namespaces.values_mut() {
        ns.tables.shift_remove("ar_internal_metadata");
        ns.tables.shift_remove("schema_migrations");
    }
    s
}

fn round_trip(dialect: Dialect) {
    let original = migrex_source_orm::read(Framework::Rails, &fixture("blog"), dialect)
        .expect("reads")
        .loaded
        .schema;
    let files = migrex_render_orm::write_models(Target::Rails, &original).expect("writes");
    let dir = tempfile::tempdir().expect("temp");
    migrex_render_orm::save(dir.path(), &files).expect("saves");
    let text = |p: &str| std::fs::read_to_string(dir.path().join(p)).expect(p);
    let post = text("app/models/post.rb");
    assert!(post.contains("belongs_to :author"), "{post}");
    assert!(post.contains("has_and_belongs_to_many :tags"), "{post}");
    assert!(text("app/models/author.rb").contains("has_many :posts"));
    let customer = text("app/models/tbl_customer.rb");
    assert!(
        customer.contains("self.primary_key = \"customer_no\""),
        "{customer}"
    );
    assert!(!dir.path().join("app/models/posts_tag.rb").exists());
    let order = text("app/models/order.rb");
    assert!(
        order.contains("belongs_to :tbl_customer, foreign_key: \"customer_no\", optional: true"),
        "{order}"
    );
    let comment = text("app/models/comment.rb");
    assert!(
        comment.contains("belongs_to :commentable, polymorphic: true"),
        "{comment}"
    );
    if std::env::var("RAILS_SHOW").is_ok() {
        for f in &files {
            eprintln!("== {}\n{}", f.path.display(), f.contents);
        }
    }
    let back = migrex_source_orm::read(Framework::Rails, dir.path(), dialect).expect("reads back");
    let d = schema_differences(&original, &back.loaded.schema);
    assert!(
        d.is_empty(),
        "original (left) vs written and read back (right):\n{}\n{}",
        d.join("\n"),
        text("db/schema.rb")
    );
    // Active Record loads the written files into the schema the reader promised.
    let Some(rb) = runner("MIGREX_RUBY") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let script = dir.path().join("load.rb");
    std::fs::write(&script, LOAD_RB).expect("script");
    let out = std::process::Command::new(rb)
        .arg(&script)
        .arg(db.url_string())
        .arg(dir.path())
        .output()
        .expect("ruby runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "posts_tags\ntbl_customers\ncustomer_no\n"
    );
    let live = without_internal(db.introspect().schema);
    let d = schema_differences(&original, &live);
    assert!(
        d.is_empty(),
        "original (left) vs Active Record's load of the written schema.rb (right):\n{}",
        d.join("\n")
    );
}

#[test]
fn rails_models_round_trip_sqlite() {
    round_trip(Dialect::Sqlite);
}

#[test]
fn rails_models_round_trip_postgres() {
    round_trip(Dialect::Postgres);
}

#[test]
fn rails_models_round_trip_mysql() {
    round_trip(Dialect::Mysql);
}
