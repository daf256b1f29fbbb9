//! Django projects (`django:PATH`, a project folder or one app's folder).
//!
//! The models are parsed (never run), resolved as Django's model metaclass does, and turned
//! into the DDL Django's schema editor would run for them on the chosen backend; that script is
//! read with `migrex_source_sql`, so the schema is normalized exactly as live introspection
//! normalizes the database `manage.py migrate` builds. Provenance points at the model files.

pub mod contrib;
mod ddl;
pub mod fields;
pub mod history;
pub mod names;
pub mod project;

pub use ddl::condition_sql;
pub use project::{
    App, ConstraintDef, Field, IndexDef, MigrationFile, Model, Models, QExpr, RelKind, Relation,
    Settings, py_str,
};

use crate::{OrmError, Project, Reader};
use migrex_model::Dialect;
use std::path::Path;

pub struct DjangoReader;

impl Reader for DjangoReader {
    fn detect(&self, root: &Path) -> bool {
        if root.join("manage.py").exists() {
            return true;
        }
        let models = root.join("models.py");
        let package = root.join("models").join("__init__.py");
        [models, package]
            .iter()
            .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("django.db")))
    }

    fn read(&self, root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
        let models = project::read_models(root, dialect)?;
        if models.apps.iter().all(|a| a.models.is_empty()) {
            return Err(OrmError::Usage(format!(
                "{}: no Django models found (no models.py with models.Model subclasses in an \
                 installed app)",
                root.display()
            )));
        }
        let (sql, tables) = ddl::script(&models, dialect).map_err(OrmError::Usage)?;
        let mut loaded = migrex_source_sql::parse(&sql, dialect, "django").map_err(|e| {
            OrmError::Usage(format!("internal: Django DDL did not parse: {e}\n{sql}"))
        })?;
        // Provenance: the model files, not the generated script.
        loaded.provenance.locations.clear();
        let ns = dialect.default_namespace();
        let qualify = |t: &str| {
            if ns.is_empty() {
                t.to_string()
            } else {
                format!("{ns}.{t}")
            }
        };
        for t in &tables {
            loaded
                .provenance
                .locations
                .insert(format!("table {}", qualify(&t.table)), t.location.clone());
            for (c, loc) in &t.columns {
                loaded
                    .provenance
                    .locations
                    .insert(format!("column {}.{c}", qualify(&t.table)), loc.clone());
            }
        }
        let history = history::history(&models.apps, root);
        Ok(Project {
            framework: crate::Framework::Django,
            root: root.to_path_buf(),
            loaded,
            models: crate::Models::Django(models),
            history,
        })
    }

    fn configured_dialect(&self, root: &Path) -> Option<Dialect> {
        let settings = project::read_settings(root).ok()?;
        project::engine_dialect(settings.engine.as_deref()?)
    }
}

/// The DDL Django would run for the project's models on `dialect` (for tests and `--explain`).
pub fn django_ddl(models: &Models, dialect: Dialect) -> Result<String, OrmError> {
    ddl::script(models, dialect)
        .map(|(sql, _)| sql)
        .map_err(OrmError::Usage)
}
