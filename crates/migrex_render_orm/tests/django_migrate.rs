//! Migration proof with the real Django: the before project is built by its own
//! `makemigrations` + `migrate`; migrex writes the migration from the reader's before schema to
//! its after schema; Django applies it; the database equals the after schema, `makemigrations
//! --check` finds nothing left, and migrating back gives the before schema again.

#[path = "../../migrex_source_orm/tests/django_support/mod.rs"]
mod django_support;

use django_support::{
    DjangoProject, canonical_order, dialects, fixture, without_django_mysql_fk_indexes,
    without_django_tables,
};
use migrex_diff::OnlineOptions;
use migrex_model::{Change, DataOp, Dialect, Phase, QualifiedName, Renames, Step};
use migrex_render_orm::{MigrationInput, Target, save, write_migration};
use migrex_source_orm::{Framework, read};
use migrex_test_support::copy_dir;
use migrex_test_support::{TestDb, runner, schema_differences};

#[test]
fn migration_applies_checks_clean_and_rolls_back() {
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    for dialect in dialects() {
        let Some(db) = TestDb::new(dialect) else {
            continue;
        };
        let before_dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture("shop"), before_dir.path());
        let before_run =
            DjangoProject::new(python.clone(), before_dir.path().into(), db.url_string());
        before_run.manage_ok(&["makemigrations", "core", "catalog", "orders", "--noinput"]);
        before_run.manage_ok(&["migrate", "--noinput"]);
        let before = read(Framework::Django, before_dir.path(), dialect).unwrap();
        // A row for the data step to fill.
        db.run(
            "INSERT INTO catalog_category (id, slug, name) VALUES (1, 'tools', 'Tools');\n\
             INSERT INTO catalog_product (id, created_at, updated_at, sku, name, description, \
             price, stock, is_active, attributes, category_id) VALUES (1, '2026-01-01', \
             '2026-01-01', 'HAMMER', 'Hammer', '', 9.5, 3, TRUE, '{}', 1);",
        );

        // The edited project: the after models with the before project's migrations.
        let after_dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture("shop_after"), after_dir.path());
        for app in ["core", "catalog", "orders"] {
            copy_dir(
                &before_dir.path().join(app).join("migrations"),
                &after_dir.path().join(app).join("migrations"),
            );
        }
        let after = read(Framework::Django, after_dir.path(), dialect).unwrap();

        let ns = dialect.default_namespace();
        let mut renames = Renames::default();
        renames.columns.insert(
            (
                QualifiedName::new(ns, "catalog_supplier"),
                "name".to_string(),
            ),
            "company_name".to_string(),
        );
        let mut up = migrex_diff::plan(&before.loaded.schema, &after.loaded.schema, &renames);
        if dialect == Dialect::Postgres {
            // An online plan: its concurrent index builds become AddIndexConcurrently.
            up = migrex_diff::online(up, &before.loaded.schema, &OnlineOptions::default());
        }
        let mut down = migrex_diff::down(&before.loaded.schema, &after.loaded.schema, &renames);
        // A data step (as a refactor recipe adds them): fill the new column.
        up.steps.push(Step {
            id: up.steps.len(),
            change: Change::Data {
                table: QualifiedName::new(ns, "catalog_product"),
                operation: DataOp::Sql {
                    description: "weigh existing products".into(),
                    statements: vec![
                        "UPDATE catalog_product SET weight_grams = 0 WHERE weight_grams IS NULL"
                            .into(),
                    ],
                },
            },
            phase: Phase::Backfill,
            depends_on: Vec::new(),
            transactional: true,
        });
        // And one the down plan undoes (a refactor's copy back): the category's name.
        let category_name = |name: &str| Step {
            id: 0,
            change: Change::Data {
                table: QualifiedName::new(ns, "catalog_category"),
                operation: DataOp::Sql {
                    description: "name the category".into(),
                    statements: vec![format!(
                        "UPDATE catalog_category SET name = '{name}' WHERE slug = 'tools'"
                    )],
                },
            },
            phase: Phase::Backfill,
            depends_on: Vec::new(),
            transactional: true,
        };
        up.steps.push(Step {
            id: up.steps.len(),
            ..category_name("Tools and more")
        });
        down.steps.push(Step {
            id: down.steps.len(),
            ..category_name("Tools")
        });
        let files = write_migration(
            Target::Django,
            &MigrationInput {
                up: &up,
                down: &down,
                from: &before.loaded.schema,
                to: &after.loaded.schema,
                from_project: Some(&before),
                to_project: Some(&after),
                out_dir: after_dir.path(),
                name: None,
                now: 1_795_559_640,
            },
        )
        .unwrap();
        let all: String = files
            .iter()
            .map(|f| format!("# {}\n{}\n", f.path.display(), f.contents))
            .collect();
        let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "core/migrations/0002_delete_currency.py",
                "catalog/migrations/0002_auto_20261124_2234.py",
                "orders/migrations/0002_remove_customer_orders_customer_created_coupon_and_more.py",
                "reviews/migrations/0001_initial.py",
                "reviews/migrations/__init__.py",
            ],
            "{dialect}\n{all}"
        );
        let catalog = &files[1].contents;
        if dialect == Dialect::Postgres {
            assert!(
                catalog.contains("AddIndexConcurrently(") && catalog.contains("atomic = False"),
                "{all}"
            );
        } else {
            assert!(
                catalog.contains("migrations.AddIndex(") && !catalog.contains("atomic"),
                "{all}"
            );
        }
        let reviews = &files[3].contents;
        assert!(
            reviews.contains("initial = True")
                && reviews.contains("('catalog', '0002_auto_20261124_2234')")
                && reviews.contains(
                    "('orders', '0002_remove_customer_orders_customer_created_coupon_and_more')"
                ),
            "{all}"
        );
        save(after_dir.path(), &files).unwrap();

        let after_run =
            DjangoProject::new(python.clone(), after_dir.path().into(), db.url_string());
        let out = after_run.manage(&["migrate", "--noinput"]);
        assert_eq!(out.0, 0, "{dialect}: migrate failed:\n{}\n{all}", out.1);
        let live = canonical_order(without_django_mysql_fk_indexes(
            without_django_tables(db.introspect().schema),
            &after.loaded.schema,
        ));
        let diff = schema_differences(&live, &canonical_order(after.loaded.schema.clone()));
        assert!(
            diff.is_empty(),
            "{dialect}: after migrate, live (left) != after (right):\n{}\n{all}",
            diff.join("\n")
        );

        let weights = db
            .connect()
            .query("SELECT weight_grams FROM catalog_product")
            .unwrap();
        assert_eq!(
            format!("{weights:?}"),
            r#"[[Some("0")]]"#,
            "{dialect}: the data step did not run"
        );
        let category = |db: &TestDb| {
            format!(
                "{:?}",
                db.connect()
                    .query("SELECT name FROM catalog_category")
                    .unwrap()
            )
        };
        assert_eq!(category(&db), r#"[[Some("Tools and more")]]"#, "{all}");

        let (code, text) =
            after_run.manage(&["makemigrations", "--check", "--dry-run", "--noinput"]);
        assert_eq!(
            code, 0,
            "{dialect}: Django still sees changes:\n{text}\n{all}"
        );

        // Back to where each app was.
        for (app, previous) in [
            ("reviews", "zero"),
            ("orders", "0001_initial"),
            ("catalog", "0001_initial"),
            ("core", "0001_initial"),
        ] {
            after_run.manage_ok(&["migrate", app, previous, "--noinput"]);
        }
        // The down plan's data step ran on the way back.
        assert_eq!(category(&db), r#"[[Some("Tools")]]"#, "{all}");
        let live = canonical_order(without_django_mysql_fk_indexes(
            without_django_tables(db.introspect().schema),
            &before.loaded.schema,
        ));
        let diff = schema_differences(&live, &canonical_order(before.loaded.schema.clone()));
        assert!(
            diff.is_empty(),
            "{dialect}: after rollback, live (left) != before (right):\n{}\n{all}",
            diff.join("\n")
        );
    }
}

/// Without a Django project as the source (a live database, DDL files), the plan is written as
/// `RunSQL` with migrex's SQL and the down plan as `reverse_sql`: Django applies and reverts it.
#[test]
fn sql_migration_applies_and_reverts() {
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    for dialect in dialects() {
        let Some(db) = TestDb::new(dialect) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture("shop"), dir.path());
        let run = DjangoProject::new(python.clone(), dir.path().into(), db.url_string());
        run.manage_ok(&["makemigrations", "core", "catalog", "orders", "--noinput"]);
        run.manage_ok(&["migrate", "--noinput"]);
        let project = read(Framework::Django, dir.path(), dialect).unwrap();
        let from = project.loaded.schema.clone();
        // The target: one more table and a column, as a DDL file would give them.
        let mut to = from.clone();
        let extra = read(Framework::Django, &fixture("shop_after"), dialect).unwrap();
        let ns = dialect.default_namespace();
        let coupon = extra.loaded.schema.namespaces[ns].tables["orders_coupon"].clone();
        to.namespaces[ns]
            .tables
            .insert("orders_coupon".into(), coupon);
        let weight =
            extra.loaded.schema.namespaces[ns].tables["catalog_product"].columns["weight_grams"]
                .clone();
        let product = to.namespaces[ns].tables.get_mut("catalog_product").unwrap();
        product.columns.insert("weight_grams".into(), weight);
        if let Some(check) = extra.loaded.schema.namespaces[ns].tables["catalog_product"]
            .checks
            .iter()
            .find(|c| c.expr.key.starts_with("weight_grams"))
        {
            product.checks.push(check.clone());
            // PostgreSQL lists checks by name.
            if dialect == Dialect::Postgres {
                product.checks.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
        let renames = Renames::default();
        let up = migrex_diff::plan(&from, &to, &renames);
        let down = migrex_diff::down(&from, &to, &renames);
        let files = write_migration(
            Target::Django,
            &MigrationInput {
                up: &up,
                down: &down,
                from: &from,
                to: &to,
                from_project: None,
                to_project: Some(&project),
                out_dir: dir.path(),
                name: Some("add coupons"),
                now: 1_795_559_640,
            },
        )
        .unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(
            files[0].path.display().to_string(),
            "core/migrations/0002_add_coupons.py"
        );
        let text = &files[0].contents;
        assert!(text.contains("reverse_sql=["), "{text}");
        assert!(text.contains("('core', '0001_initial')"), "{text}");
        save(dir.path(), &files).unwrap();
        let out = run.manage(&["migrate", "--noinput"]);
        assert_eq!(out.0, 0, "{dialect}: migrate failed:\n{}\n{text}", out.1);
        let live = canonical_order(without_django_tables(db.introspect().schema));
        let diff = schema_differences(&live, &canonical_order(to.clone()));
        assert!(
            diff.is_empty(),
            "{dialect}: live (left) != target (right):\n{}\n{text}",
            diff.join("\n")
        );
        run.manage_ok(&["migrate", "core", "0001_initial", "--noinput"]);
        let live = canonical_order(without_django_tables(db.introspect().schema));
        let diff = schema_differences(&live, &canonical_order(from.clone()));
        assert!(
            diff.is_empty(),
            "{dialect}: after reverse, live (left) != source (right):\n{}\n{text}",
            diff.join("\n")
        );
    }
}

/// A renamed model (the plan renames its table) becomes RenameModel: Django keeps the rows,
/// repoints the relations (the many-to-many column too), finds nothing left to migrate, and
/// reverts it. Django leaves the old table's name in index and constraint names, so the schema
/// is compared by tables, columns and row counts, not by those names.
#[test]
fn model_rename_keeps_rows() {
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    for dialect in dialects() {
        let Some(db) = TestDb::new(dialect) else {
            continue;
        };
        let before_dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture("shop"), before_dir.path());
        let run = DjangoProject::new(python.clone(), before_dir.path().into(), db.url_string());
        run.manage_ok(&["makemigrations", "core", "catalog", "orders", "--noinput"]);
        run.manage_ok(&["migrate", "--noinput"]);
        db.run("INSERT INTO core_tag (id, created_at, updated_at, name) VALUES (7, '2026-01-01', '2026-01-01', 'sale');");
        let before = read(Framework::Django, before_dir.path(), dialect).unwrap();

        let after_dir = tempfile::tempdir().unwrap();
        copy_dir(before_dir.path(), after_dir.path());
        let edit = |rel: &str, from: &str, to: &str| {
            let path = after_dir.path().join(rel);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains(from), "{rel} has no {from}");
            std::fs::write(&path, text.replace(from, to)).unwrap();
        };
        edit("core/models.py", "class Tag(", "class Label(");
        edit("catalog/models.py", "\"core.Tag\"", "\"core.Label\"");
        let after = read(Framework::Django, after_dir.path(), dialect).unwrap();
        let ns = dialect.default_namespace();
        let mut renames = Renames::default();
        renames.tables.insert(
            QualifiedName::new(ns, "core_tag"),
            QualifiedName::new(ns, "core_label"),
        );
        renames.columns.insert(
            (
                QualifiedName::new(ns, "catalog_product_tags"),
                "tag_id".into(),
            ),
            "label_id".into(),
        );
        let up = migrex_diff::plan(&before.loaded.schema, &after.loaded.schema, &renames);
        let down = migrex_diff::down(&before.loaded.schema, &after.loaded.schema, &renames);
        let files = write_migration(
            Target::Django,
            &MigrationInput {
                up: &up,
                down: &down,
                from: &before.loaded.schema,
                to: &after.loaded.schema,
                from_project: Some(&before),
                to_project: Some(&after),
                out_dir: after_dir.path(),
                name: None,
                now: 1_795_559_640,
            },
        )
        .unwrap();
        let all: String = files
            .iter()
            .map(|f| format!("# {}\n{}\n", f.path.display(), f.contents))
            .collect();
        assert_eq!(
            files[0].path.display().to_string(),
            "core/migrations/0002_rename_tag_label_and_more.py",
            "{all}"
        );
        assert_eq!(files.len(), 1, "only core changes: {all}");
        assert!(
            !all.contains("DeleteModel") && !all.contains("CreateModel"),
            "{all}"
        );
        save(after_dir.path(), &files).unwrap();
        let run = DjangoProject::new(python.clone(), after_dir.path().into(), db.url_string());
        let out = run.manage(&["migrate", "--noinput"]);
        assert_eq!(out.0, 0, "{dialect}: migrate failed:\n{}\n{all}", out.1);
        let rows = db.connect().query("SELECT name FROM core_label").unwrap();
        assert_eq!(format!("{rows:?}"), r#"[[Some("sale")]]"#, "{dialect}");
        let live = without_django_tables(db.introspect().schema);
        let columns = |s: &migrex_model::Schema| -> Vec<(String, Vec<String>)> {
            s.namespaces[ns]
                .tables
                .iter()
                .map(|(t, table)| {
                    (
                        t.clone(),
                        table.columns.keys().cloned().collect::<Vec<String>>(),
                    )
                })
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_iter()
                .map(|(t, mut c)| {
                    c.sort();
                    (t, c)
                })
                .collect()
        };
        assert_eq!(
            columns(&live),
            columns(&after.loaded.schema),
            "{dialect}\n{all}"
        );
        let (code, text) = run.manage(&["makemigrations", "--check", "--dry-run", "--noinput"]);
        assert_eq!(
            code, 0,
            "{dialect}: Django still sees changes:\n{text}\n{all}"
        );
        // Unapplying core's rename unapplies catalog's migration that depends on it first.
        run.manage_ok(&["migrate", "core", "0001_initial", "--noinput"]);
        let rows = db.connect().query("SELECT name FROM core_tag").unwrap();
        assert_eq!(format!("{rows:?}"), r#"[[Some("sale")]]"#, "{dialect}");
        let live = without_django_tables(db.introspect().schema);
        assert_eq!(
            columns(&live),
            columns(&before.loaded.schema),
            "{dialect}\n{all}"
        );
    }
}
