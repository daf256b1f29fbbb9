//! `write_models` round trip: the fixture project's schema -> models.py -> the Django reader
//! gives the same schema, and the real Django builds exactly that schema from the file.

#[path = "../../migrex_source_orm/tests/django_support/mod.rs"]
mod django_support;

use django_support::{DjangoProject, canonical_order, dialects, fixture, without_django_tables};
use migrex_render_orm::{Target, save, write_models};
use migrex_source_orm::{Framework, read};
use migrex_test_support::{TestDb, runner, schema_differences};

#[test]
fn models_round_trip_through_the_reader_and_django() {
    for dialect in dialects() {
        let source = read(Framework::Django, &fixture("shop"), dialect).unwrap();
        let files = write_models(Target::Django, &source.loaded.schema).unwrap();
        let models = &files[0].contents;
        assert!(
            !models.contains("# migrex:"),
            "{dialect}: something was not expressible:\n{models}"
        );

        let tmp = tempfile::tempdir().unwrap();
        save(&tmp.path().join("app"), &files).unwrap();
        std::fs::write(tmp.path().join("app/__init__.py"), "").unwrap();
        std::fs::create_dir_all(tmp.path().join("config")).unwrap();
        std::fs::write(tmp.path().join("config/__init__.py"), "").unwrap();
        std::fs::write(
            tmp.path().join("config/settings.py"),
            "SECRET_KEY = 'x'\nINSTALLED_APPS = ['app']\nUSE_TZ = True\n\
             DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\n",
        )
        .unwrap();
        std::fs::copy(
            fixture("shop").join("manage.py"),
            tmp.path().join("manage.py"),
        )
        .unwrap();

        let back = read(Framework::Django, tmp.path(), dialect).unwrap();
        let diff = schema_differences(
            &canonical_order(source.loaded.schema.clone()),
            &canonical_order(back.loaded.schema.clone()),
        );
        assert!(
            diff.is_empty(),
            "{dialect}: source (left) != models.py read back (right):\n{}\n{models}",
            diff.join("\n")
        );

        // The real engine builds the same schema from the written file.
        let Some(python) = runner("MIGREX_PYTHON") else {
            continue;
        };
        let Some(db) = TestDb::new(dialect) else {
            continue;
        };
        let project = DjangoProject::new(python, tmp.path().into(), db.url_string());
        let (code, text) = project.manage(&["makemigrations", "app", "--noinput"]);
        assert_eq!(
            code, 0,
            "{dialect}: makemigrations failed:\n{text}\n{models}"
        );
        project.manage_ok(&["migrate", "--noinput"]);
        let live = canonical_order(without_django_tables(db.introspect().schema));
        let diff = schema_differences(&live, &canonical_order(back.loaded.schema.clone()));
        assert!(
            diff.is_empty(),
            "{dialect}: live (left) != reader (right):\n{}\n{models}",
            diff.join("\n")
        );
    }
}
