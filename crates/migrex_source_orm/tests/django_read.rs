//! The Django reader against the real Django: `makemigrations` + `migrate` build the fixture
//! project on SQLite and PostgreSQL; the introspected database equals what the reader read.

mod django_support;

use django_support::{DjangoProject, canonical_order, dialects, fixture, without_django_tables};
use migrex_source_orm::{Framework, Models, OrmError, read};
use migrex_test_support::copy_dir;
use migrex_test_support::{TestDb, runner, schema_differences};

#[test]
fn reader_matches_what_django_builds() {
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    for (dialect, name) in dialects()
        .into_iter()
        .flat_map(|d| [(d, "shop"), (d, "shop_after")])
    {
        let Some(db) = TestDb::new(dialect) else {
            continue;
        };
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&fixture(name), tmp.path());
        let project = DjangoProject::new(python.clone(), tmp.path().to_path_buf(), db.url_string());
        let Models::Django(models) = read(Framework::Django, tmp.path(), dialect).unwrap().models
        else {
            panic!("not Django models")
        };
        let mut args = vec!["makemigrations"];
        args.extend(models.apps.iter().map(|a| a.label.as_str()));
        args.push("--noinput");
        project.manage_ok(&args);
        project.manage_ok(&["migrate", "--noinput"]);
        let live = canonical_order(without_django_tables(db.introspect().schema));
        let read = read(Framework::Django, tmp.path(), dialect).unwrap();
        let diff = schema_differences(&live, &canonical_order(read.loaded.schema.clone()));
        assert!(
            diff.is_empty(),
            "{name} on {dialect}: live (left) != reader (right):\n{}",
            diff.join("\n")
        );
        // The history the reader sees is the one makemigrations wrote.
        let heads: Vec<String> = models
            .apps
            .iter()
            .map(|a| format!("{}.0001_initial", a.label))
            .collect();
        assert_eq!(read.history.heads, heads);
        assert_eq!(
            read.history.migrations.first().map(String::as_str),
            Some("core.0001_initial")
        );
    }
}

#[test]
fn project_structure_is_resolved() {
    let project = read(
        Framework::Django,
        &fixture("shop"),
        migrex_model::Dialect::Postgres,
    )
    .unwrap();
    let Models::Django(models) = &project.models else {
        panic!("not Django models")
    };
    let labels: Vec<&str> = models.apps.iter().map(|a| a.label.as_str()).collect();
    assert_eq!(labels, ["core", "catalog", "orders"]);
    let catalog = models.app("catalog").unwrap();
    let names: Vec<&str> = catalog.models.iter().map(|m| m.name.as_str()).collect();
    // Abstract bases and the proxy have no table; the MTI child has one.
    assert_eq!(
        names,
        [
            "Category",
            "Product",
            "DigitalProduct",
            "Supplier",
            "ProductSupplier"
        ]
    );
    let digital = catalog
        .models
        .iter()
        .find(|m| m.name == "DigitalProduct")
        .unwrap();
    assert_eq!(
        digital.pk().unwrap().column.as_deref(),
        Some("product_ptr_id")
    );
    let product = models.model_by_table("catalog_product").unwrap();
    let sku = product.field("sku").unwrap();
    assert_eq!(
        sku.definition,
        "core.fields.CodeField(max_length=20, unique=True)"
    );
    let category = product.field("category").unwrap();
    assert!(
        category.definition.contains("to='catalog.category'"),
        "{}",
        category.definition
    );
    assert_eq!(catalog.default_auto_field, "BigAutoField");
    assert_eq!(models.app("core").unwrap().default_auto_field, "AutoField");
    assert!(models.m2m_by_table("catalog_product_tags").is_some());
    let order = models.model_by_table("shop_orders").unwrap();
    assert!(
        order
            .field("status")
            .unwrap()
            .definition
            .contains("orders.models.order.Order.Status.choices"),
        "{}",
        order.field("status").unwrap().definition
    );
    assert_eq!(
        migrex_source_orm::configured_dialect(Framework::Django, &fixture("shop")),
        Some(migrex_model::Dialect::Postgres)
    );
    assert!(
        project
            .loaded
            .provenance
            .locations
            .get("column public.catalog_product.sku")
            .is_some_and(|l| l.ends_with("catalog/models.py:19:11")),
        "{:?}",
        project
            .loaded
            .provenance
            .locations
            .get("column public.catalog_product.sku")
    );
}

#[test]
fn generic_relations_have_no_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("notes");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("models.py"),
        "from django.contrib.contenttypes.fields import GenericForeignKey\n\
         from django.db import models\n\n\n\
         class Note(models.Model):\n    \
             object_id = models.PositiveIntegerField()\n    \
             target = GenericForeignKey(\"content_type\", \"object_id\")\n",
    )
    .unwrap();
    let project = read(Framework::Django, tmp.path(), migrex_model::Dialect::Sqlite).unwrap();
    let table = &project.loaded.schema.namespaces[""].tables["notes_note"];
    let columns: Vec<&String> = table.columns.keys().collect();
    assert_eq!(columns, ["id", "object_id"]);
}

#[test]
fn an_app_folder_reads_alone() {
    let project = read(
        Framework::Django,
        &fixture("shop").join("core"),
        migrex_model::Dialect::Sqlite,
    )
    .unwrap();
    let tables: Vec<&String> = project.loaded.schema.namespaces[""].tables.keys().collect();
    assert_eq!(tables, ["legacy_countries", "core_tag", "core_currency"]);
    // An app that points into another app cannot be read alone: a diagnostic names the field.
    let err = read(
        Framework::Django,
        &fixture("shop").join("orders"),
        migrex_model::Dialect::Sqlite,
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("orders/models/customer.py:6:16"),
        "{err}"
    );
    assert!(err.to_string().contains("TimeStampedModel"), "{err}");
}

#[test]
fn unknown_field_and_dynamic_code_are_diagnostics() {
    let cases = [
        (
            "class A(models.Model):\n    x = models.FancyField()\n",
            2,
            "unknown field class",
        ),
        (
            "N = 10\nclass A(models.Model):\n    x = models.CharField(max_length=N)\n",
            3,
            "not a literal",
        ),
        (
            "class A(models.Model):\n    p = models.DecimalField(max_digits=5, decimal_places=2)\n    class Meta:\n        constraints = [models.CheckConstraint(condition=Q(p__gte=F('q')), name='c')]\n",
            4,
            "not a literal",
        ),
        (
            "from django.conf import settings\nclass A(models.Model):\n    u = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)\n",
            3,
            "AUTH_USER_MODEL",
        ),
        (
            "class CiText(models.TextField):\n    def db_type(self, connection):\n        return 'citext'\nclass A(models.Model):\n    x = CiText()\n",
            2,
            "computes its database type",
        ),
    ];
    for (body, line, message) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let app = tmp.path().join("app");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(
            app.join("models.py"),
            format!("from django.db import models\nfrom django.db.models import F, Q\n{body}"),
        )
        .unwrap();
        let err = read(Framework::Django, tmp.path(), migrex_model::Dialect::Sqlite).unwrap_err();
        let OrmError::Input { diagnostic, .. } = &err else {
            panic!("not an input error: {err}")
        };
        assert_eq!(diagnostic.line, line + 2, "{err}");
        assert!(diagnostic.file.ends_with("models.py"), "{err}");
        assert!(diagnostic.message.contains(message), "{err}");
    }
}

/// A project with Django's contrib apps (admin, auth, contenttypes, sessions) and foreign keys
/// to `settings.AUTH_USER_MODEL` and to `auth.Group`: the reader builds the contrib tables from
/// their built-in definitions, and the database Django's `migrate` builds (every contrib
/// migration included) equals it, the many-to-many keys from `DEFAULT_AUTO_FIELD` included.
#[test]
fn contrib_apps_read_like_migrate_builds_them() {
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    for dialect in dialects() {
        let Some(db) = TestDb::new(dialect) else {
            continue;
        };
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&fixture("contrib"), tmp.path());
        let project = DjangoProject::new(python.clone(), tmp.path().to_path_buf(), db.url_string());
        project.manage_ok(&["makemigrations", "blog", "--noinput"]);
        project.manage_ok(&["migrate", "--noinput"]);
        let live = canonical_order(without_django_tables(db.introspect().schema));
        let read = read(Framework::Django, tmp.path(), dialect).unwrap();
        let diff = schema_differences(&live, &canonical_order(read.loaded.schema.clone()));
        assert!(
            diff.is_empty(),
            "contrib on {dialect}: live (left) != reader (right):\n{}",
            diff.join("\n")
        );
        let Models::Django(models) = &read.models else {
            panic!("not Django models")
        };
        let labels: Vec<&str> = models.apps.iter().map(|a| a.label.as_str()).collect();
        assert_eq!(
            labels,
            ["admin", "auth", "contenttypes", "sessions", "blog"]
        );
        // What a new migration of blog depends on when it points at auth.
        assert!(
            read.history
                .heads
                .contains(&"auth.0012_alter_user_first_name_max_length".to_string()),
            "{:?}",
            read.history.heads
        );
    }
}

/// Patterns of real projects: a custom user on `AbstractUser` (auth.User swapped out, its
/// many-to-many tables following the custom user), `settings.AUTH_USER_MODEL` relations, a
/// generic foreign key, choices classes, managers, `db_comment`/`db_table_comment`, an index
/// without a name (Django names it), `unique_together` as a flat tuple, an explicit `through`.
#[test]
fn real_world_patterns_read_like_migrate_builds_them() {
    let Some(python) = runner("MIGREX_PYTHON") else {
        return;
    };
    for dialect in dialects() {
        let Some(db) = TestDb::new(dialect) else {
            continue;
        };
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&fixture("realworld"), tmp.path());
        let project = DjangoProject::new(python.clone(), tmp.path().to_path_buf(), db.url_string());
        project.manage_ok(&["makemigrations", "accounts", "blog", "--noinput"]);
        project.manage_ok(&["migrate", "--noinput"]);
        let live = canonical_order(without_django_tables(db.introspect().schema));
        let read = read(Framework::Django, tmp.path(), dialect).unwrap();
        let diff = schema_differences(&live, &canonical_order(read.loaded.schema.clone()));
        assert!(
            diff.is_empty(),
            "realworld on {dialect}: live (left) != reader (right):\n{}",
            diff.join("\n")
        );
        let schema = &read.loaded.schema;
        let ns = dialect.default_namespace();
        let tables = &schema.namespaces[ns].tables;
        assert!(
            !tables.contains_key("auth_user"),
            "auth.User is swapped out"
        );
        assert!(tables.contains_key("accounts_user_groups"));
        assert!(
            tables["blog_comment"]
                .indexes
                .iter()
                .any(|i| i.name.starts_with("blog_commen_created_") && i.name.ends_with("_idx"))
        );
        // Meta lists built from a base's (`[*Base.Meta.indexes, ...]`, `Base.Meta.indexes + [...]`).
        for table in ["blog_post", "blog_comment"] {
            assert!(
                tables[table]
                    .indexes
                    .iter()
                    .any(|i| i.name == format!("{table}_created")),
                "{table}"
            );
        }
    }
}
