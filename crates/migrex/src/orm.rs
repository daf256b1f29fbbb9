//! ORM projects as SOURCEs (`django:PATH`, `sqlalchemy:PATH`, `rails:PATH`, or a folder whose
//! framework is detected) and migrations written in a framework's own format.

use crate::{Error, Migration};
use migrex_model::{Dialect, Loaded};
use migrex_source_orm::{Framework, OrmError, Project};
use std::path::{Path, PathBuf};

pub use migrex_render_orm::{OutputFile, Target};

/// The framework and project folder a SOURCE names, when it names an ORM project: an explicit
/// `FRAMEWORK:PATH`, or an existing folder (whose framework must then be recognisable).
pub fn orm_source(source: &str) -> Result<Option<(Framework, PathBuf)>, Error> {
    if let Some((framework, path)) = migrex_source_orm::split_source(source) {
        return Ok(Some((framework, PathBuf::from(path))));
    }
    let path = Path::new(source);
    if path.is_dir() {
        let framework = migrex_source_orm::detect(path).map_err(orm_error)?;
        return Ok(Some((framework, path.to_path_buf())));
    }
    Ok(None)
}

/// The dialect an ORM SOURCE's project is configured for (settings, alembic.ini, database.yml).
pub fn orm_dialect(source: &str) -> Option<Dialect> {
    let (framework, path) = orm_source(source).ok()??;
    migrex_source_orm::configured_dialect(framework, &path)
}

/// Reads an ORM project for `dialect`: the one given, else the project's configured one, else
/// SQLite (the embedded default).
pub fn load_project(
    framework: Framework,
    path: &Path,
    dialect: Option<Dialect>,
) -> Result<Project, Error> {
    let dialect = dialect
        .or_else(|| migrex_source_orm::configured_dialect(framework, path))
        .unwrap_or(Dialect::Sqlite);
    migrex_source_orm::read(framework, path, dialect).map_err(orm_error)
}

/// A loaded SOURCE, with its project when it was an ORM project.
#[derive(Debug, Clone)]
pub struct Source {
    pub loaded: Loaded,
    pub project: Option<Project>,
}

/// Reads any SOURCE, keeping the ORM project (field definitions, migration history) that a
/// migration written for that framework needs.
pub fn load_source(source: &str, dialect: Option<Dialect>) -> Result<Source, Error> {
    if let Some((framework, path)) = orm_source(source)? {
        let project = load_project(framework, &path, dialect)?;
        return Ok(Source {
            loaded: project.loaded.clone(),
            project: Some(project),
        });
    }
    Ok(Source {
        loaded: crate::load(source, dialect)?,
        project: None,
    })
}

/// When one side of a comparison is an ORM project, the other side is read without that
/// framework's bookkeeping tables (`django_migrations`, `alembic_version`,
/// `schema_migrations`...): a database the framework migrated holds them, its models never do.
pub fn align_sources(a: &mut Source, b: &mut Source) {
    fn strip(side: &mut Source, framework: Framework) {
        if side.project.is_some() {
            return;
        }
        let tables = framework.bookkeeping_tables();
        for ns in side.loaded.schema.namespaces.values_mut() {
            ns.tables.retain(|name, _| !tables.contains(&name.as_str()));
        }
    }
    if let Some(f) = a.project.as_ref().map(|p| p.framework) {
        strip(b, f);
    }
    if let Some(f) = b.project.as_ref().map(|p| p.framework) {
        strip(a, f);
    }
}

/// Writes a migration as `target`'s migration files under `out_dir` (a project root: each
/// framework puts them where it looks) and returns the paths written. `now` is seconds since
/// the Unix epoch (names and headers carry it).
pub fn write_orm_migration(
    target: Target,
    migration: &Migration,
    from: &Source,
    to: &Source,
    out_dir: &Path,
    name: Option<&str>,
    now: i64,
) -> Result<Vec<PathBuf>, Error> {
    let plans = OrmPlans {
        up: &migration.up,
        down: &migration.down,
        to: &to.loaded.schema,
        to_project: to.project.as_ref(),
    };
    write_orm_plans(target, &plans, from, out_dir, name, now)
}

/// An up and a down plan to write as ORM migration files, and the schema they lead to.
pub struct OrmPlans<'a> {
    pub up: &'a migrex_model::Plan,
    pub down: &'a migrex_model::Plan,
    pub to: &'a migrex_model::Schema,
    /// The project the target schema was read from, when it was one.
    pub to_project: Option<&'a Project>,
}

/// `write_orm_migration` for plans that do not come from a diff (a refactor recipe's schema
/// and data steps).
pub fn write_orm_plans(
    target: Target,
    plans: &OrmPlans,
    from: &Source,
    out_dir: &Path,
    name: Option<&str>,
    now: i64,
) -> Result<Vec<PathBuf>, Error> {
    let input = migrex_render_orm::MigrationInput {
        up: plans.up,
        down: plans.down,
        from: &from.loaded.schema,
        to: plans.to,
        from_project: from.project.as_ref(),
        to_project: plans.to_project,
        out_dir,
        name,
        now,
    };
    let files = migrex_render_orm::write_migration(target, &input).map_err(write_error)?;
    migrex_render_orm::save_migration(target, out_dir, &files).map_err(write_error)
}

/// Writes model files for `target` that describe a schema (`migrex convert`).
pub fn write_orm_models(
    target: Target,
    loaded: &Loaded,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, Error> {
    let files = migrex_render_orm::write_models(target, &loaded.schema).map_err(write_error)?;
    migrex_render_orm::save(out_dir, &files).map_err(write_error)
}

/// The folder a migration for `target` goes under when no `--out` is given: the project TO was
/// read from (or, for a refactor, the project it starts from), when it is one of that framework.
pub fn default_out_dir(target: Target, to: &Source) -> Option<PathBuf> {
    let project = to.project.as_ref()?;
    let same = matches!(
        (target, project.framework),
        (Target::Django, Framework::Django)
            | (Target::Alembic, Framework::Sqlalchemy)
            | (Target::Rails, Framework::Rails)
            | (Target::Prisma, Framework::Prisma)
            | (Target::Typeorm, Framework::Typeorm)
            | (Target::Knex, Framework::Knex)
            | (Target::Efcore, Framework::Efcore)
    );
    same.then(|| project.root.clone())
}

fn orm_error(e: OrmError) -> Error {
    match e {
        OrmError::Input {
            diagnostic,
            source_text,
        } => Error::Input {
            diagnostic_line: format!(
                "{}:{}:{}: {}",
                diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.message
            ),
            diagnostic,
            source_text,
        },
        OrmError::Io { path, message } => Error::Io { path, message },
        OrmError::Usage(message) => Error::Usage(message),
    }
}

fn write_error(e: migrex_render_orm::WriteError) -> Error {
    match e {
        migrex_render_orm::WriteError::Io { path, message } => Error::Io { path, message },
        migrex_render_orm::WriteError::Render(r) => Error::Render(r),
        other => Error::Usage(other.to_string()),
    }
}
