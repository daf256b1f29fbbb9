//! The SQLAlchemy reader against the real SQLAlchemy: `Base.metadata.create_all(engine)` on a
//! scratch database, introspected by migrex, equals what the reader says the models build.

use migrex_model::Dialect;
use migrex_source_orm::{Framework, OrmError, read};
use migrex_test_support::{TestDb, runner, schema_differences};
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sqlalchemy")
}

/// The scratch database's URL as SQLAlchemy spells it.
fn sqlalchemy_url(db: &TestDb) -> String {
    let url = db.url_string();
    if let Some(path) = url.strip_prefix("sqlite://") {
        format!("sqlite:///{path}")
    } else if let Some(rest) = url.strip_prefix("postgres://") {
        format!("postgresql+psycopg2://{rest}")
    } else if let Some(rest) = url.strip_prefix("postgresql://") {
        format!("postgresql+psycopg2://{rest}")
    } else if let Some(rest) = url.strip_prefix("mysql://") {
        format!("mysql+mysqldb://{rest}")
    } else {
        url
    }
}

fn create_all(python: &Path, project: &Path, db: &TestDb) {
    let out = Command::new(python)
        // Fixture modules are imported from the source tree: leave no __pycache__ there.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(fixtures().join("create_all.py"))
        .arg(project)
        .arg(sqlalchemy_url(db))
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "create_all failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_exact(project: &str, dialect: Dialect) {
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let root = fixtures().join(project);
    let ours = read(Framework::Sqlalchemy, &root, dialect)
        .unwrap_or_else(|e| panic!("reading {project}: {e}"));
    create_all(&python, &root, &db);
    let live = db.introspect();
    // SQLAlchemy creates a table's indexes in set order (random from run to run), which SQLite
    // reports back: compare with list order ignored.
    let diff = schema_differences(
        &migrex_diff::canonical(&ours.loaded.schema),
        &migrex_diff::canonical(&live.schema),
    );
    assert!(
        diff.is_empty(),
        "{project} on {dialect}: reader (left) vs create_all (right):\n{}",
        diff.join("\n")
    );
    assert!(ours.loaded.schema.table_count() > 0);
}

#[test]
fn blog_reads_exactly_on_sqlite() {
    check_exact("blog", Dialect::Sqlite);
}

#[test]
fn blog_reads_exactly_on_postgres() {
    check_exact("blog", Dialect::Postgres);
}

#[test]
fn plain_reads_exactly_on_sqlite() {
    check_exact("plain", Dialect::Sqlite);
}

#[test]
fn plain_reads_exactly_on_postgres() {
    check_exact("plain", Dialect::Postgres);
}

#[test]
fn identity_and_computed_read_exactly() {
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql] {
        check_exact("generated", dialect);
    }
}

#[test]
fn plain_reads_exactly_on_mysql() {
    check_exact("plain", Dialect::Mysql);
}

fn read_text(text: &str, dialect: Dialect) -> Result<migrex_source_orm::Project, OrmError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("models.py"), text).unwrap();
    read(Framework::Sqlalchemy, dir.path(), dialect)
}

fn input_error(r: Result<migrex_source_orm::Project, OrmError>) -> (u64, String) {
    match r {
        Err(OrmError::Input { diagnostic, .. }) => (diagnostic.line, diagnostic.message),
        Err(other) => panic!("not an input error: {other}"),
        Ok(_) => panic!("read succeeded"),
    }
}

#[test]
fn unknown_type_is_a_diagnostic_at_its_line() {
    let text = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\
                from geoalchemy2 import Geometry\n\
                class Base(DeclarativeBase):\n    pass\n\
                class Place(Base):\n    __tablename__ = 'places'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    \
                where: Mapped[str] = mapped_column(Geometry('POINT'))\n";
    let (line, message) = input_error(read_text(text, Dialect::Postgres));
    assert_eq!(line, 8, "{message}");
    assert!(
        message.contains("unknown column type Geometry"),
        "{message}"
    );
}

#[test]
fn string_without_length_is_an_error_on_mysql_only() {
    let text = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\
                class Base(DeclarativeBase):\n    pass\n\
                class Note(Base):\n    __tablename__ = 'notes'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    \
                body: Mapped[str]\n";
    let (line, message) = input_error(read_text(text, Dialect::Mysql));
    assert_eq!(line, 7, "{message}");
    assert!(message.contains("VARCHAR requires a length"), "{message}");
    assert!(read_text(text, Dialect::Sqlite).is_ok());
}

#[test]
fn dynamic_tablename_is_a_diagnostic() {
    let text = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, declared_attr\n\
                class Base(DeclarativeBase):\n    pass\n\
                class Named:\n    @declared_attr.directive\n    def __tablename__(cls):\n        return 't_' + cls.__name__\n\
                class Note(Named, Base):\n    id: Mapped[int] = mapped_column(primary_key=True)\n";
    let (line, message) = input_error(read_text(text, Dialect::Sqlite));
    assert_eq!(line, 7, "{message}");
    assert!(message.contains("__tablename__"), "{message}");
}

#[test]
fn declared_attr_tablename_and_mixin_order() {
    let text = "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, declared_attr\n\
                class Base(DeclarativeBase):\n    pass\n\
                class Named:\n    @declared_attr.directive\n    def __tablename__(cls) -> str:\n        return cls.__name__.lower()\n    \
                note: Mapped[str | None]\n\
                class Entry(Named, Base):\n    id: Mapped[int] = mapped_column(primary_key=True)\n    title: Mapped[str]\n";
    let p = read_text(text, Dialect::Sqlite).unwrap();
    let t = p.loaded.schema.namespaces[""]
        .tables
        .get("entry")
        .expect("table entry");
    let cols: Vec<&str> = t.columns.keys().map(|s| s.as_str()).collect();
    // Declarative puts the class's own columns before the mixin's.
    assert_eq!(cols, ["id", "title", "note"]);
    assert!(t.columns["note"].nullable && !t.columns["title"].nullable);
}

#[test]
fn history_order_heads_and_merges() {
    let dir = tempfile::tempdir().unwrap();
    let versions = dir.path().join("alembic/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = postgresql+psycopg2://u@h/db\n",
    )
    .unwrap();
    let rev = |id: &str, down: &str| {
        format!("\"\"\"r\"\"\"\nrevision: str = \"{id}\"\ndown_revision = {down}\n")
    };
    std::fs::write(
        versions.join("c_merge.py"),
        rev("ccc", "(\"aaa\", \"bbb\")"),
    )
    .unwrap();
    std::fs::write(versions.join("a_first.py"), rev("aaa", "\"base0\"")).unwrap();
    std::fs::write(versions.join("b_branch.py"), rev("bbb", "\"base0\"")).unwrap();
    std::fs::write(versions.join("base.py"), rev("base0", "None")).unwrap();
    std::fs::write(versions.join("d_other_head.py"), rev("ddd", "\"aaa\"")).unwrap();
    let h = migrex_source_orm::sqlalchemy::history::history(dir.path()).unwrap();
    assert_eq!(h.migrations.len(), 5);
    let pos = |id: &str| h.migrations.iter().position(|m| m == id).unwrap();
    assert!(pos("base0") < pos("aaa") && pos("aaa") < pos("ccc") && pos("bbb") < pos("ccc"));
    assert!(pos("aaa") < pos("ddd"));
    assert_eq!(h.heads, ["ccc", "ddd"]);
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Sqlalchemy, dir.path()),
        Some(Dialect::Postgres)
    );
}

#[test]
fn a_class_without_a_known_base_is_a_warning() {
    let text = "from sqlalchemy.orm import registry, Mapped, mapped_column\n\
                reg = registry()\n\
                @reg.mapped\n\
                class Thing:\n    __tablename__ = 'things'\n    id: Mapped[int] = mapped_column(primary_key=True)\n";
    let p = read_text(text, Dialect::Sqlite).unwrap();
    assert_eq!(p.loaded.schema.table_count(), 0);
    assert_eq!(p.loaded.warnings.len(), 1, "{:?}", p.loaded.warnings);
    let w = &p.loaded.warnings[0];
    assert!(w.message.contains("class Thing"), "{w}");
    assert!(
        w.location
            .as_deref()
            .is_some_and(|l| l.ends_with("models.py:4:1")),
        "{w}"
    );
}

#[test]
fn conventions_read_exactly_on_sqlite() {
    check_exact("conventions", Dialect::Sqlite);
}

#[test]
fn conventions_read_exactly_on_postgres() {
    check_exact("conventions", Dialect::Postgres);
}

#[test]
fn a_single_file_reads_like_its_folder() {
    let dir = read(
        Framework::Sqlalchemy,
        &fixtures().join("plain"),
        Dialect::Postgres,
    )
    .unwrap();
    let file = read(
        Framework::Sqlalchemy,
        &fixtures().join("plain/models.py"),
        Dialect::Postgres,
    )
    .unwrap();
    assert_eq!(dir.loaded.schema, file.loaded.schema);
    assert_eq!(file.loaded.schema.table_count(), 2);
    let loc = &file.loaded.provenance.locations["column public.books.title"];
    assert!(loc.ends_with("plain/models.py:23:13"), "{loc}");
}

#[test]
fn dialect_from_env_py_when_the_ini_has_no_url() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("migrations/versions")).unwrap();
    std::fs::write(
        dir.path().join("migrations/env.py"),
        "from alembic import context\nURL = \"sqlite:///app.db\"\n",
    )
    .unwrap();
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Sqlalchemy, dir.path()),
        Some(Dialect::Sqlite)
    );
}
