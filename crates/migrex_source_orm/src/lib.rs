//! ORM projects as sources: `django:PATH`, `sqlalchemy:PATH` and `rails:PATH` (or a plain folder,
//! whose framework is detected) read into the same schema model as DDL files and live databases.
//!
//! Reading is exact: the schema of a project read for a dialect is the one the framework's own
//! engine builds from those models on that database (Django's migrate, SQLAlchemy's create_all,
//! Active Record's schema load), index and constraint names included. Each framework is one
//! module behind [`Reader`]; [`Framework`] is the registry (an exhaustive match lists every place
//! a new framework must be added).
//!
//! Besides the schema, a [`Project`] carries what the framework knows and SQL does not (model
//! and field names, field definitions as written) for the writers of `migrex_render_orm`, and
//! the project's migration history: where the next migration goes and what it follows.

pub mod django;
pub mod efcore;
pub mod knex;
pub mod prisma;
pub mod python;
pub mod rails;
pub mod sqlalchemy;
pub mod typeorm;

use migrex_diagnostics::{Diagnostic, Severity};
use migrex_model::{Dialect, Loaded};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The ORM frameworks migrex reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    Django,
    Sqlalchemy,
    Rails,
    Prisma,
    Typeorm,
    Knex,
    Efcore,
}

impl Framework {
    pub const ALL: [Framework; 7] = [
        Framework::Django,
        Framework::Sqlalchemy,
        Framework::Rails,
        Framework::Prisma,
        Framework::Typeorm,
        Framework::Knex,
        Framework::Efcore,
    ];

    /// The SOURCE prefix (`django:PATH`).
    pub fn name(self) -> &'static str {
        match self {
            Framework::Django => "django",
            Framework::Sqlalchemy => "sqlalchemy",
            Framework::Rails => "rails",
            Framework::Prisma => "prisma",
            Framework::Typeorm => "typeorm",
            Framework::Knex => "knex",
            Framework::Efcore => "efcore",
        }
    }

    /// The framework a SOURCE prefix names (`alembic` is SQLAlchemy's migration tool).
    pub fn from_prefix(prefix: &str) -> Option<Framework> {
        match prefix.to_ascii_lowercase().as_str() {
            "django" => Some(Framework::Django),
            "sqlalchemy" | "alembic" => Some(Framework::Sqlalchemy),
            "rails" | "activerecord" => Some(Framework::Rails),
            "prisma" => Some(Framework::Prisma),
            "typeorm" => Some(Framework::Typeorm),
            "knex" => Some(Framework::Knex),
            "efcore" | "ef" => Some(Framework::Efcore),
            _ => None,
        }
    }

    /// The tables the framework's migration runner keeps in the database: not part of the
    /// models, so a database compared with a project of this framework is read without them.
    pub fn bookkeeping_tables(self) -> &'static [&'static str] {
        match self {
            Framework::Django => &["django_migrations"],
            Framework::Sqlalchemy => &["alembic_version"],
            Framework::Rails => &["schema_migrations", "ar_internal_metadata"],
            Framework::Prisma => &["_prisma_migrations"],
            Framework::Typeorm => &["migrations"],
            Framework::Knex => &["knex_migrations", "knex_migrations_lock"],
            Framework::Efcore => &["__EFMigrationsHistory", "__EFMigrationsLock"],
        }
    }

    fn reader(self) -> &'static dyn Reader {
        match self {
            Framework::Django => &django::DjangoReader,
            Framework::Sqlalchemy => &sqlalchemy::SqlalchemyReader,
            Framework::Rails => &rails::RailsReader,
            Framework::Prisma => &prisma::PrismaReader,
            Framework::Typeorm => &typeorm::TypeormReader,
            Framework::Knex => &knex::KnexReader,
            Framework::Efcore => &efcore::EfcoreReader,
        }
    }
}

impl std::fmt::Display for Framework {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One framework's reader.
pub trait Reader: Sync {
    /// Whether the folder looks like a project of this framework (cheap: file names and a
    /// glance at their text, no parsing).
    fn detect(&self, root: &Path) -> bool;

    /// Reads the project into the schema the framework's own engine builds on `dialect`.
    fn read(&self, root: &Path, dialect: Dialect) -> Result<Project, OrmError>;

    /// The database the project is configured for (Django settings, alembic.ini, Rails
    /// database.yml), used when no `--dialect` is given; `None` when it does not say.
    fn configured_dialect(&self, _root: &Path) -> Option<Dialect> {
        None
    }
}

/// A project read from its models.
#[derive(Debug, Clone)]
pub struct Project {
    pub framework: Framework,
    pub root: PathBuf,
    /// The schema the models describe, with provenance pointing at the model files.
    pub loaded: Loaded,
    /// What writers need beyond the schema.
    pub models: Models,
    pub history: History,
}

/// Framework knowledge the schema cannot hold (model classes, field definitions as written).
#[derive(Debug, Clone)]
pub enum Models {
    Django(django::Models),
    Sqlalchemy(sqlalchemy::Models),
    Rails(rails::Models),
    Prisma(prisma::Models),
    Typeorm(typeorm::Models),
    Knex(knex::Models),
    Efcore(efcore::Models),
}

/// The project's migration history as the framework sees it.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The folder the next migration goes into (Django: the app of the first model whose
    /// table changes is decided by the writer; this is the project's main one).
    pub dir: Option<PathBuf>,
    /// Migration ids in the order the framework runs them (Django `app.0002_name`, Alembic
    /// revision ids, Rails versions).
    pub migrations: Vec<String>,
    /// The ids a new migration follows (Django: per app; Alembic: the heads; Rails: the last).
    pub heads: Vec<String>,
    /// The schema the migrations build, when migrex replays them.
    pub state: Option<Loaded>,
}

/// Why a project could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OrmError {
    /// A problem in a project file, at its position.
    #[error("{}:{}:{}: {}", .diagnostic.file, .diagnostic.line, .diagnostic.column, .diagnostic.message)]
    Input {
        diagnostic: Diagnostic,
        source_text: String,
    },
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{0}")]
    Usage(String),
}

impl OrmError {
    /// An error at `line:column` (1-based) of `file`, whose text is `source_text`.
    pub fn at(file: &Path, source_text: &str, line: u64, column: u64, message: String) -> Self {
        OrmError::Input {
            diagnostic: Diagnostic {
                severity: Severity::Error,
                file: file.display().to_string(),
                line,
                column,
                message,
            },
            source_text: source_text.to_string(),
        }
    }

    pub fn io(path: &Path, error: std::io::Error) -> Self {
        OrmError::Io {
            path: path.display().to_string(),
            message: error.to_string(),
        }
    }
}

/// Splits `django:PATH` into the framework and the path; `None` for anything else.
pub fn split_source(source: &str) -> Option<(Framework, &str)> {
    let (prefix, path) = source.split_once(':')?;
    // `C:\...` and URLs are not framework sources.
    if path.starts_with("//") {
        return None;
    }
    Framework::from_prefix(prefix).map(|f| (f, path))
}

/// The framework of a plain folder, when exactly one reader recognises it.
pub fn detect(root: &Path) -> Result<Framework, OrmError> {
    let found: Vec<Framework> = Framework::ALL
        .into_iter()
        .filter(|f| f.reader().detect(root))
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(OrmError::Usage(format!(
            "{} is not a Django, SQLAlchemy, Rails, Prisma, TypeORM, Knex or EF Core project (no \
             models found): name the framework as django:PATH, sqlalchemy:PATH, rails:PATH, \
             prisma:PATH, typeorm:PATH, knex:PATH or efcore:PATH",
            root.display()
        ))),
        many => Err(OrmError::Usage(format!(
            "{} looks like a project of several frameworks ({}): name one as FRAMEWORK:PATH",
            root.display(),
            many.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The dialect a project is configured for, if it says.
pub fn configured_dialect(framework: Framework, root: &Path) -> Option<Dialect> {
    framework.reader().configured_dialect(root)
}

/// Reads a project for `dialect`.
pub fn read(framework: Framework, root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
    if !root.exists() {
        return Err(OrmError::Io {
            path: root.display().to_string(),
            message: "no such file or folder".into(),
        });
    }
    framework.reader().read(root, dialect)
}
