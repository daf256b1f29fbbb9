//! Running the real Django on a copy of a fixture project (shared by the reader's and the
//! writer's tests: the writer's include this file by path).
#![allow(dead_code)]

use migrex_model::{Dialect, Schema};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_orm/tests/fixtures/django")
        .join(name)
}

/// Copies a folder recursively (skipping caches).
/// A project copy wired to a scratch database through `migrex_test_settings.py`.
pub struct DjangoProject {
    pub python: PathBuf,
    pub dir: PathBuf,
    pub url: String,
}

impl DjangoProject {
    pub fn new(python: PathBuf, dir: PathBuf, url: String) -> DjangoProject {
        let settings = r#"import os
from urllib.parse import urlparse

from config.settings import *  # noqa: F401,F403

_url = urlparse(os.environ["MIGREX_DJANGO_DB"])
if _url.scheme == "sqlite":
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _url.path}}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends."
            + ("mysql" if _url.scheme == "mysql" else "postgresql"),
            "NAME": _url.path.lstrip("/"),
            "USER": _url.username or "",
            "PASSWORD": _url.password or "",
            "HOST": _url.hostname or "",
            "PORT": str(_url.port or ""),
        }
    }
"#;
        std::fs::write(dir.join("migrex_test_settings.py"), settings).unwrap();
        DjangoProject { python, dir, url }
    }

    /// `manage.py ARGS`: (exit code, stdout + stderr).
    pub fn manage(&self, args: &[&str]) -> (i32, String) {
        let out = Command::new(&self.python)
            .arg("manage.py")
            .args(args)
            .current_dir(&self.dir)
            .env("DJANGO_SETTINGS_MODULE", "migrex_test_settings")
            .env("MIGREX_DJANGO_DB", &self.url)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("python runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }

    #[track_caller]
    pub fn manage_ok(&self, args: &[&str]) -> String {
        let (code, text) = self.manage(args);
        assert_eq!(code, 0, "manage.py {} failed:\n{text}", args.join(" "));
        text
    }
}

/// The introspected schema without Django's own bookkeeping table.
pub fn without_django_tables(mut schema: Schema) -> Schema {
    for ns in schema.namespaces.values_mut() {
        ns.tables.shift_remove("django_migrations");
        ns.sequences
            .retain(|k, _| !k.starts_with("django_migrations"));
    }
    schema
        .namespaces
        .retain(|_, ns| !ns.is_empty() || ns.name == "public");
    schema
}

/// On MySQL, Django's schema editor creates a plain index for a foreign key's column before it
/// drops a composed index that was covering it (`_create_missing_fk_index`, MySQL bug #37910),
/// so a database migrated through such a change keeps an index a fresh `migrate` of the same
/// models does not build. Those indexes (single-column, on a foreign key's leading column, not
/// in `expected`) are removed from `live` before comparing.
pub fn without_django_mysql_fk_indexes(mut live: Schema, expected: &Schema) -> Schema {
    if live.dialect != Dialect::Mysql {
        return live;
    }
    for (ns_name, ns) in live.namespaces.iter_mut() {
        let Some(expected_ns) = expected.namespaces.get(ns_name) else {
            continue;
        };
        for (name, t) in ns.tables.iter_mut() {
            let Some(et) = expected_ns.tables.get(name) else {
                continue;
            };
            let fk_leads: Vec<String> = t
                .foreign_keys
                .iter()
                .filter_map(|f| f.columns.first().cloned())
                .collect();
            t.indexes.retain(|ix| {
                let added_by_django = !ix.unique
                    && ix.parts.len() == 1
                    && matches!(&ix.parts[0].key,
                        migrex_model::IndexKey::Column(c) if fk_leads.contains(c))
                    && !et.indexes.iter().any(|e| e.name == ix.name);
                !added_by_django
            });
        }
    }
    live
}

pub fn dialects() -> [Dialect; 3] {
    [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql]
}

/// SQLite lists indexes and foreign keys in creation order (`pragma index_list` seq,
/// `foreign_key_list` id), and Django's creation order depends on how `makemigrations` split
/// and `migrate` remade the tables; the order carries no meaning, so SQLite comparisons sort it.
pub fn canonical_order(mut schema: Schema) -> Schema {
    if schema.dialect != Dialect::Sqlite {
        return schema;
    }
    for ns in schema.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            t.foreign_keys.sort_by(|a, b| a.columns.cmp(&b.columns));
            t.uniques
                .sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
            t.checks.sort_by(|a, b| {
                (&a.name, format!("{:?}", a.expr)).cmp(&(&b.name, format!("{:?}", b.expr)))
            });
        }
    }
    schema
}
