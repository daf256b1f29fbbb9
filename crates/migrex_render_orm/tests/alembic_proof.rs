//! Alembic revisions written by migrex, run by the real Alembic on SQLite and PostgreSQL: an
//! initial revision builds the "before" models, the next one (before -> after: create/drop
//! table, add/alter/rename column, index, unique, check, foreign key, M:N table, a data step)
//! upgrades to exactly what the reader says the "after" models build, `alembic check` finds
//! nothing left, and `alembic downgrade -1` returns to "before".

use migrex_model::{Change, DataOp, Dialect, Plan, QualifiedName, Renames, Schema, Step};
use migrex_render_orm::{MigrationInput, Target, save, write_migration};
use migrex_source_orm::{Framework, Project, read};
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
    } else if let Some(rest) = url.strip_prefix("postgresql://") {
        format!("postgresql+psycopg2://{rest}")
    } else if let Some(rest) = url.strip_prefix("mysql://") {
        format!("mysql+mysqldb://{rest}")
    } else {
        url
    }
}

use migrex_test_support::copy_dir;

/// An Alembic project around the fixture's `app` package.
fn alembic_project(dir: &Path, models: &Path, url: &str, sqlite: bool) {
    copy_dir(&models.join("app"), &dir.join("app"));
    std::fs::create_dir_all(dir.join("alembic/versions")).unwrap();
    std::fs::write(
        dir.join("alembic.ini"),
        format!(
            "[alembic]\nscript_location = %(here)s/alembic\nprepend_sys_path = .\n\
             sqlalchemy.url = {}\n",
            url.replace('%', "%%")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("alembic/env.py"),
        format!(
            "import pathlib\nimport sys\n\nfrom alembic import context\n\
             from sqlalchemy import engine_from_config, pool\n\n\
             config = context.config\n\
             sys.path.insert(0, str(pathlib.Path(config.config_file_name).resolve().parent))\n\
             from app.db import Base  # noqa: E402\nimport app.models  # noqa: E402,F401\n\n\
             target_metadata = Base.metadata\n\n\
             connectable = engine_from_config(config.get_section(config.config_ini_section), \
             prefix=\"sqlalchemy.\", poolclass=pool.NullPool)\n\
             with connectable.connect() as connection:\n    \
             context.configure(connection=connection, target_metadata=target_metadata, \
             render_as_batch={})\n    \
             with context.begin_transaction():\n        context.run_migrations()\n",
            if sqlite { "True" } else { "False" }
        ),
    )
    .unwrap();
}

fn alembic(python: &Path, dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(python)
        .args(["-m", "alembic", "-c"])
        .arg(dir.join("alembic.ini"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run alembic");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn assert_db(db: &TestDb, expected: &Schema, what: &str, revision: &str) {
    let mut live = db.introspect().schema;
    // Alembic's own bookkeeping table is not part of the models.
    for ns in live.namespaces.values_mut() {
        ns.tables.shift_remove("alembic_version");
    }
    let diff = schema_differences(
        &migrex_diff::canonical(expected),
        &migrex_diff::canonical(&live),
    );
    assert!(
        diff.is_empty(),
        "{what}: models (left) vs database (right):\n{}\n--- revision ---\n{revision}",
        diff.join("\n")
    );
}

fn migration(
    dir: &Path,
    (from, from_project): (&Schema, Option<&Project>),
    to_project: &Project,
    renames: &Renames,
    data: Option<(Step, Step)>,
    name: &str,
    now: i64,
) -> String {
    let to = &to_project.loaded.schema;
    let mut up: Plan = migrex_diff::plan(from, to, renames);
    let mut down: Plan = migrex_diff::down(from, to, renames);
    if let Some((u, d)) = data {
        up.steps.push(Step {
            id: up.steps.len() + 1000,
            ..u
        });
        down.steps.insert(
            0,
            Step {
                id: down.steps.len() + 1000,
                ..d
            },
        );
    }
    let files = write_migration(
        Target::Alembic,
        &MigrationInput {
            up: &up,
            down: &down,
            from,
            to,
            from_project,
            to_project: Some(to_project),
            out_dir: dir,
            name: Some(name),
            now,
        },
    )
    .unwrap_or_else(|e| panic!("writing the revision: {e}"));
    save(dir, &files).unwrap();
    assert_eq!(files.len(), 1);
    assert!(
        files[0].path.starts_with("alembic/versions"),
        "{:?}",
        files[0].path
    );
    files[0].contents.clone()
}

fn data_step(table: &QualifiedName, sql: &str) -> Step {
    Step {
        id: 0,
        change: Change::Data {
            table: table.clone(),
            operation: DataOp::Sql {
                description: "fill phone".into(),
                statements: vec![sql.into()],
            },
        },
        phase: Default::default(),
        depends_on: Vec::new(),
        transactional: true,
    }
}

fn proof(dialect: Dialect) {
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    let Some(db) = TestDb::new(dialect) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let url = sqlalchemy_url(&db);
    let before_src = fixtures().join("shop_before");
    let after_src = fixtures().join("shop_after");
    alembic_project(dir, &before_src, &url, dialect == Dialect::Sqlite);

    let before = read(Framework::Sqlalchemy, &before_src, dialect).expect("read before");
    let after = read(Framework::Sqlalchemy, &after_src, dialect).expect("read after");
    let empty = Schema::new(dialect);

    // 1. The initial revision, written by migrex from nothing to the before models.
    let first = migration(
        dir,
        (&empty, None),
        &before,
        &Renames::default(),
        None,
        "initial schema",
        1_700_000_000,
    );
    let (ok, out) = alembic(&python, dir, &["upgrade", "head"]);
    assert!(
        ok,
        "upgrade to the initial revision failed:\n{out}\n{first}"
    );
    assert_db(
        &db,
        &before.loaded.schema,
        "after the initial revision",
        &first,
    );
    let (ok, out) = alembic(&python, dir, &["check"]);
    assert!(
        ok,
        "alembic check after the initial revision:\n{out}\n{first}"
    );

    // 2. before -> after, with a column rename and a data step.
    let ns = dialect.default_namespace();
    let customers = QualifiedName::new(ns, "customers");
    let mut renames = Renames::default();
    renames
        .columns
        .insert((customers.clone(), "fullname".into()), "full_name".into());
    renames.tables.insert(
        QualifiedName::new(ns, "tags"),
        QualifiedName::new(ns, "labels"),
    );
    let data = (
        data_step(
            &customers,
            "UPDATE customers SET phone = 'n/a' WHERE phone IS NULL",
        ),
        data_step(&customers, "UPDATE customers SET phone = NULL"),
    );
    let second = migration(
        dir,
        (&before.loaded.schema, Some(&before)),
        &after,
        &renames,
        Some(data),
        "shop v2",
        1_700_000_100,
    );
    assert!(second.contains("down_revision"), "{second}");
    // Alembic's own operations, with the target models' types.
    for op in [
        "alter_column(",
        "type_=sa.String(length=200)",
        "create_table(\"reviews\"",
        "drop_table(\"legacy_notes\")",
        "create_index(op.f(\"ix_orders_placed_at\")",
        "create_check_constraint(op.f(\"ck_products_price_nonnegative\")",
        "create_foreign_key(op.f(\"fk_orders_coupon_id_coupons\")",
        "rename_table(\"tags\", \"labels\")",
    ] {
        assert!(second.contains(op), "no {op} in:\n{second}");
    }
    // MySQL keeps a unique constraint as a unique index, and migrex models it as one.
    let unique = if dialect == Dialect::Mysql {
        "create_index(op.f(\"uq_order_items_order_id_product_id\"), \"order_items\", [\"order_id\", \"product_id\"], unique=True)"
    } else {
        "create_unique_constraint(op.f(\"uq_order_items_order_id_product_id\")"
    };
    assert!(second.contains(unique), "no {unique} in:\n{second}");
    // MySQL renames with the server's RENAME COLUMN (Alembic's CHANGE restates the column).
    let rename = if dialect == Dialect::Mysql {
        "RENAME COLUMN `fullname` TO `full_name`"
    } else {
        "new_column_name=\"full_name\""
    };
    assert!(second.contains(rename), "no {rename} in:\n{second}");
    if dialect == Dialect::Sqlite {
        assert!(
            second.contains("op.batch_alter_table("),
            "no batch mode on SQLite:\n{second}"
        );
    }
    assert!(
        second.contains("op.execute(sa.text(\"UPDATE customers SET phone = 'n/a'"),
        "{second}"
    );

    // The application now runs the after models.
    std::fs::remove_dir_all(dir.join("app")).unwrap();
    copy_dir(&after_src.join("app"), &dir.join("app"));
    let (ok, out) = alembic(&python, dir, &["upgrade", "head"]);
    assert!(
        ok,
        "upgrade to the second revision failed:\n{out}\n{second}"
    );
    assert_db(&db, &after.loaded.schema, "after upgrade", &second);
    let (ok, out) = alembic(&python, dir, &["check"]);
    assert!(ok, "alembic check found differences:\n{out}\n{second}");

    // 3. Rollback.
    let (ok, out) = alembic(&python, dir, &["downgrade", "-1"]);
    assert!(ok, "downgrade failed:\n{out}\n{second}");
    assert_db(&db, &before.loaded.schema, "after downgrade", &second);

    // 4. And the initial revision's downgrade empties the database (enum types included).
    let (ok, out) = alembic(&python, dir, &["downgrade", "base"]);
    assert!(ok, "downgrade to base failed:\n{out}\n{first}");
    assert_db(&db, &empty, "after downgrade to base", &first);

    // 5. The history as the reader sees it now: two revisions, one head.
    let h = migrex_source_orm::sqlalchemy::history::history(dir).unwrap();
    assert_eq!(h.migrations.len(), 2);
    assert_eq!(h.heads.len(), 1);
}

#[test]
fn alembic_migration_proof_sqlite() {
    proof(Dialect::Sqlite);
}

#[test]
fn alembic_migration_proof_postgres() {
    proof(Dialect::Postgres);
}

#[test]
fn alembic_migration_proof_mysql() {
    proof(Dialect::Mysql);
}

/// An online plan's concurrent index, run by Alembic on PostgreSQL: `CREATE INDEX CONCURRENTLY`
/// cannot run in a transaction, so it goes in `op.get_context().autocommit_block()`.
#[test]
fn alembic_online_index_postgres() {
    use migrex_model::{Index, IndexPart, OnlineOp};
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    let Some(db) = TestDb::new(Dialect::Postgres) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let src = fixtures().join("shop_before");
    alembic_project(dir, &src, &sqlalchemy_url(&db), false);
    let before = read(Framework::Sqlalchemy, &src, Dialect::Postgres).expect("read");
    let empty = Schema::new(Dialect::Postgres);
    let first = migration(
        dir,
        (&empty, None),
        &before,
        &Renames::default(),
        None,
        "initial",
        1_700_000_000,
    );
    let (ok, out) = alembic(&python, dir, &["upgrade", "head"]);
    assert!(ok, "{out}\n{first}");

    let orders = QualifiedName::new("public", "orders");
    let index = Index {
        name: "ix_orders_note".into(),
        unique: false,
        parts: vec![IndexPart::column("note")],
        method: None,
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct: false,
        comment: None,
    };
    let step = |operation: OnlineOp| Step {
        id: 1,
        change: Change::Online {
            table: orders.clone(),
            operation,
        },
        phase: Default::default(),
        depends_on: Vec::new(),
        transactional: false,
    };
    let up = Plan {
        dialect: Dialect::Postgres,
        steps: vec![step(OnlineOp::CreateIndex {
            index: index.clone(),
        })],
        notes: Vec::new(),
    };
    let down = Plan {
        steps: vec![step(OnlineOp::DropIndex {
            index: index.clone(),
        })],
        ..up.clone()
    };
    let mut target = before.loaded.schema.clone();
    target.table_mut(&orders).unwrap().indexes.push(index);
    let files = write_migration(
        Target::Alembic,
        &MigrationInput {
            up: &up,
            down: &down,
            from: &before.loaded.schema,
            to: &target,
            from_project: Some(&before),
            to_project: None,
            out_dir: dir,
            name: Some("index orders by note"),
            now: 1_700_000_200,
        },
    )
    .unwrap();
    save(dir, &files).unwrap();
    let text = &files[0].contents;
    assert!(text.contains("autocommit_block()"), "{text}");
    let (ok, out) = alembic(&python, dir, &["upgrade", "head"]);
    assert!(ok, "{out}\n{text}");
    assert_db(&db, &target, "after the online revision", text);
    let (ok, out) = alembic(&python, dir, &["downgrade", "-1"]);
    assert!(ok, "{out}\n{text}");
    assert_db(&db, &before.loaded.schema, "after its downgrade", text);
}
