//! The Alembic writer's models and revision chaining: a schema written as SQLAlchemy models
//! reads back to the same schema (and the real `create_all` builds it), several heads make a
//! merge revision, online index steps run in Alembic's autocommit block.

use migrex_model::{
    Change, Dialect, Index, IndexPart, OnlineOp, Plan, QualifiedName, Schema, Step,
};
use migrex_render_orm::{MigrationInput, Target, save, write_migration, write_models};
use migrex_source_orm::{Framework, read};
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrex_source_orm/tests/fixtures/sqlalchemy")
}

fn sqlalchemy_url(db: &TestDb) -> String {
    let url = db.url_string();
    if let Some(path) = url.strip_prefix("sqlite://") {
        format!("sqlite:///{path}")
    } else if let Some(rest) = url.strip_prefix("postgres://") {
        format!("postgresql+psycopg2://{rest}")
    } else if let Some(rest) = url.strip_prefix("mysql://") {
        format!("mysql+mysqldb://{rest}")
    } else {
        url
    }
}

fn canonical_diff(a: &Schema, b: &Schema) -> Vec<String> {
    schema_differences(&migrex_diff::canonical(a), &migrex_diff::canonical(b))
}

/// blog fixture -> schema -> models.py -> reader and the real create_all -> same schema.
fn models_round_trip(project: &str, dialect: Dialect) {
    let original = read(Framework::Sqlalchemy, &fixtures().join(project), dialect)
        .expect("read fixture")
        .loaded
        .schema;
    let files = write_models(Target::Alembic, &original).expect("write models");
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), &files).unwrap();
    let text = &files[0].contents;
    let again = read(Framework::Sqlalchemy, dir.path(), dialect)
        .unwrap_or_else(|e| panic!("reading the written models: {e}\n{text}"))
        .loaded
        .schema;
    let diff = canonical_diff(&original, &again);
    assert!(
        diff.is_empty(),
        "{project} on {dialect}: schema (left) vs written models read back (right):\n{}\n{text}",
        diff.join("\n")
    );
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let out = Command::new(python)
        // Fixture modules are imported from the source tree: leave no __pycache__ there.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(fixtures().join("create_all.py"))
        .arg(dir.path())
        .arg(sqlalchemy_url(&db))
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "create_all of the written models failed:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live = db.introspect().schema;
    let diff = canonical_diff(&original, &live);
    assert!(
        diff.is_empty(),
        "{project} on {dialect}: schema (left) vs create_all of the written models (right):\n{}\n{text}",
        diff.join("\n")
    );
}

#[test]
fn blog_models_round_trip_sqlite() {
    models_round_trip("blog", Dialect::Sqlite);
}

#[test]
fn blog_models_round_trip_postgres() {
    models_round_trip("blog", Dialect::Postgres);
}

#[test]
fn plain_models_round_trip_postgres() {
    models_round_trip("plain", Dialect::Postgres);
}

#[test]
fn plain_models_round_trip_mysql() {
    models_round_trip("plain", Dialect::Mysql);
}

fn revision(id: &str, down: &str) -> String {
    format!(
        "\"\"\"r\"\"\"\nrevision: str = \"{id}\"\ndown_revision = {down}\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )
}

fn empty_plan(dialect: Dialect) -> Plan {
    Plan {
        dialect,
        steps: Vec::new(),
        notes: Vec::new(),
    }
}

#[test]
fn two_heads_make_a_merge_revision() {
    let dir = tempfile::tempdir().unwrap();
    let versions = dir.path().join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(versions.join("aaa_base.py"), revision("aaa", "None")).unwrap();
    std::fs::write(versions.join("bbb_left.py"), revision("bbb", "\"aaa\"")).unwrap();
    std::fs::write(versions.join("ccc_right.py"), revision("ccc", "\"aaa\"")).unwrap();
    let schema = Schema::new(Dialect::Postgres);
    let plan = empty_plan(Dialect::Postgres);
    let files = write_migration(
        Target::Alembic,
        &MigrationInput {
            up: &plan,
            down: &plan,
            from: &schema,
            to: &schema,
            from_project: None,
            to_project: None,
            out_dir: dir.path(),
            name: Some("Merge the two branches!"),
            now: 0,
        },
    )
    .unwrap();
    let f = &files[0];
    assert!(f.path.starts_with("migrations/versions"), "{:?}", f.path);
    let file_name = f.path.file_name().unwrap().to_string_lossy().to_string();
    assert!(
        file_name.ends_with("_merge_the_two_branches.py"),
        "{file_name}"
    );
    assert!(
        f.contents
            .contains("down_revision: Union[str, Sequence[str], None] = (\"bbb\", \"ccc\")"),
        "{}",
        f.contents
    );
    assert!(
        f.contents.contains("Create Date: 1970-01-01 00:00:00"),
        "{}",
        f.contents
    );
    save(dir.path(), &files).unwrap();
    let h = migrex_source_orm::sqlalchemy::history::history(dir.path()).unwrap();
    assert_eq!(h.heads.len(), 1);
    assert_eq!(h.migrations.len(), 4);
    assert_eq!(h.migrations.last(), h.heads.first());
}

#[test]
fn online_index_runs_concurrently_in_an_autocommit_block() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::new(Dialect::Postgres);
    let table = QualifiedName::new("public", "books");
    let index = Index {
        name: "ix_books_title".into(),
        unique: false,
        parts: vec![IndexPart::column("title")],
        method: None,
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct: false,
        comment: None,
    };
    let step = |operation: OnlineOp| Step {
        id: 1,
        change: Change::Online {
            table: table.clone(),
            operation,
        },
        phase: Default::default(),
        depends_on: Vec::new(),
        transactional: false,
    };
    let up = Plan {
        steps: vec![step(OnlineOp::CreateIndex {
            index: index.clone(),
        })],
        ..empty_plan(Dialect::Postgres)
    };
    let down = Plan {
        steps: vec![step(OnlineOp::DropIndex { index })],
        ..empty_plan(Dialect::Postgres)
    };
    let files = write_migration(
        Target::Alembic,
        &MigrationInput {
            up: &up,
            down: &down,
            from: &schema,
            to: &schema,
            from_project: None,
            to_project: None,
            out_dir: dir.path(),
            name: None,
            now: 0,
        },
    )
    .unwrap();
    let text = &files[0].contents;
    assert!(
        text.contains(
            "    with op.get_context().autocommit_block():\n        # create index ix_books_title on public.books concurrently\n        op.create_index(op.f(\"ix_books_title\"), \"books\", [\"title\"], unique=False, postgresql_concurrently=True)"
        ),
        "{text}"
    );
    assert!(
        text.contains("op.drop_index(op.f(\"ix_books_title\"), table_name=\"books\", postgresql_concurrently=True)"),
        "{text}"
    );
    assert!(
        text.contains("down_revision: Union[str, Sequence[str], None] = None"),
        "{text}"
    );
}

/// A table without a primary key becomes a `Table(...)` object (the ORM maps only tables with
/// one), and what models cannot hold is listed, not dropped silently.
#[test]
fn models_for_a_table_without_primary_key_and_a_view() {
    let ddl = "CREATE TABLE events (at timestamp NOT NULL, kind varchar(20));\n\
               CREATE INDEX events_at_idx ON events (at);\n\
               CREATE TABLE kinds (id serial PRIMARY KEY, name text UNIQUE);\n\
               CREATE VIEW recent AS SELECT at FROM events;\n";
    let schema = migrex_test_support::read_ddl(Dialect::Postgres, ddl, "t.sql").schema;
    let files = write_models(Target::Alembic, &schema).unwrap();
    let text = &files[0].contents;
    assert!(
        text.contains("events_table = sa.Table(\n    \"events\",\n    Base.metadata,"),
        "{text}"
    );
    assert!(text.contains("#   view public.recent"), "{text}");
    let dir = tempfile::tempdir().unwrap();
    save(dir.path(), &files).unwrap();
    let again = read(Framework::Sqlalchemy, dir.path(), Dialect::Postgres)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .loaded
        .schema;
    let mut tables_only = schema.clone();
    for ns in tables_only.namespaces.values_mut() {
        ns.views.clear();
    }
    let diff = canonical_diff(&tables_only, &again);
    assert!(diff.is_empty(), "{}\n{text}", diff.join("\n"));
}

#[test]
fn identity_and_computed_models_round_trip_postgres() {
    models_round_trip("generated", Dialect::Postgres);
}

#[test]
fn identity_and_computed_models_round_trip_sqlite_and_mysql() {
    models_round_trip("generated", Dialect::Sqlite);
    models_round_trip("generated", Dialect::Mysql);
}
