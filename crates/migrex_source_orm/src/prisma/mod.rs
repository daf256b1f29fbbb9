//! Prisma projects (`prisma:PATH`): a `schema.prisma` file, a folder holding `prisma/schema.prisma`
//! or `schema.prisma`, or a multi-file schema (`prisma/schema/*.prisma`).
//!
//! The schema is built from the SQL Prisma's own schema engine writes for the models
//! ([`ddl`]; [`mysql`] for MySQL/MariaDB), parsed by `migrex_source_sql`, so types, defaults and
//! every index and constraint name are the engine's. On SQLite and PostgreSQL the tests compare
//! with the engine's own `diff` applied to a real database. On MySQL the engine cannot run here
//! (its WASM build has no MySQL connector: "Unsupported adapter provider: Mysql"), so the tests
//! compare migrex's SQL with the SQL prisma-engines' own tests record for the same schemas, run
//! that recorded SQL on MariaDB and introspect it back, and validate every fixture with
//! `@prisma/prisma-schema-wasm` (which does know the `mysql` provider).
//! Views (`view` blocks) are not created by Prisma Migrate and are reported as warnings. The
//! history is `migrations/<timestamp>_<name>/migration.sql` beside the schema, with
//! `migration_lock.toml`.

pub mod ddl;
pub mod mysql;
pub mod parse;

use crate::{History, OrmError, Project, Reader};
use migrex_model::{Dialect, Loaded, Provenance, Warning};
use std::path::{Path, PathBuf};

/// The Prisma schema as written, for the Prisma writer.
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// The parsed schema files.
    pub files: Vec<parse::File>,
    /// The datasource provider as written (`postgresql`, `sqlite`, ...).
    pub provider: Option<String>,
    /// The migrations folder, relative to the project root (`prisma/migrations`).
    pub migrations_dir: PathBuf,
}

pub struct PrismaReader;

/// The schema files of a project, and the project root (the folder holding `prisma/`, or the
/// schema's own folder).
pub fn locate(root: &Path) -> Option<(PathBuf, Vec<PathBuf>, PathBuf)> {
    if root.is_file() {
        let dir = root.parent().unwrap_or(Path::new(".")).to_path_buf();
        let project = if dir.file_name().is_some_and(|n| n == "prisma") {
            dir.parent().unwrap_or(Path::new(".")).to_path_buf()
        } else {
            dir.clone()
        };
        let migrations = dir.join("migrations");
        let rel = migrations
            .strip_prefix(&project)
            .map(Path::to_path_buf)
            .unwrap_or(migrations);
        return Some((project, vec![root.to_path_buf()], rel));
    }
    let prisma_files = |dir: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "prisma"))
            .collect();
        v.sort();
        v
    };
    for (schema_dir, rel) in [
        (root.join("prisma"), PathBuf::from("prisma/migrations")),
        (
            root.join("prisma/schema"),
            PathBuf::from("prisma/schema/migrations"),
        ),
        (root.to_path_buf(), PathBuf::from("migrations")),
        (root.join("schema"), PathBuf::from("schema/migrations")),
    ] {
        let files = prisma_files(&schema_dir);
        if !files.is_empty() {
            // Multi-file schemas keep migrations beside the folder of schema files' parent.
            let rel = if schema_dir.ends_with("prisma/schema")
                && !root.join("prisma/schema/migrations").exists()
            {
                PathBuf::from("prisma/migrations")
            } else {
                rel
            };
            return Some((root.to_path_buf(), files, rel));
        }
    }
    None
}

fn read_files(paths: &[PathBuf]) -> Result<Vec<parse::File>, OrmError> {
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| OrmError::io(p, e))?;
            parse::parse(p, &text)
        })
        .collect()
}

/// The migration history in `dir`: migration folder names in the order Prisma applies them
/// (lexicographic), the last one as the head.
pub fn history(dir: &Path) -> History {
    let mut migrations: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("migration.sql").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    migrations.sort();
    History {
        dir: Some(dir.to_path_buf()),
        heads: migrations.last().cloned().into_iter().collect(),
        migrations,
        state: None,
    }
}

/// The schema the migrations build: their SQL in the order Prisma runs it, read by
/// `migrex_source_sql` (Prisma migrations are plain SQL). `Err` with the reason when it does
/// not parse (hand-written SQL migrex cannot read).
pub fn replay(dir: &Path, migrations: &[String], dialect: Dialect) -> Result<Loaded, String> {
    let mut sql = String::new();
    for m in migrations {
        let path = dir.join(m).join("migration.sql");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        sql.push_str(&text);
        sql.push_str("\n;\n");
    }
    migrex_source_sql::parse(&sql, dialect, &dir.display().to_string()).map_err(|e| e.to_string())
}

/// The provider recorded in `migration_lock.toml`, if any.
pub fn lock_provider(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("migration_lock.toml")).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == "provider").then(|| v.trim().trim_matches('"').to_string())
    })
}

impl Reader for PrismaReader {
    fn detect(&self, root: &Path) -> bool {
        locate(root).is_some()
    }

    fn configured_dialect(&self, root: &Path) -> Option<Dialect> {
        let (_, paths, _) = locate(root)?;
        let files = read_files(&paths).ok()?;
        let (provider, _, _) = ddl::provider(&files)?;
        ddl::provider_dialect(&provider)
    }

    fn read(&self, root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
        let Some((project_root, paths, migrations_dir)) = locate(root) else {
            return Err(OrmError::Usage(format!(
                "{} holds no Prisma schema (schema.prisma, prisma/schema.prisma or prisma/schema/*.prisma)",
                root.display()
            )));
        };
        let files = read_files(&paths)?;
        let provider = ddl::provider(&files);
        let provider_dialect = match &provider {
            Some((p, file, pos)) => ddl::provider_dialect(p).ok_or_else(|| {
                OrmError::at(
                    &file.path,
                    &file.text,
                    pos.line,
                    pos.column,
                    format!("provider `{p}` is not a SQL database migrex reads (postgresql, sqlite, mysql)"),
                )
            })?,
            None => dialect,
        };
        ddl::check_types(&files)?;
        let (sql, origins) = if dialect == Dialect::Mysql {
            mysql::schema_sql(&files, provider_dialect)?
        } else {
            ddl::schema_sql(&files, provider_dialect, dialect)?
        };
        let mut loaded: Loaded =
            migrex_source_sql::parse(&sql, dialect, "schema.prisma").map_err(|e| {
                OrmError::Usage(format!(
                    "internal error: the SQL built for the Prisma schema does not parse: {e}\n{sql}"
                ))
            })?;
        loaded.provenance = Provenance {
            locations: origins.into_iter().collect(),
        };
        for file in &files {
            for b in file
                .blocks
                .iter()
                .filter(|b| b.kind == parse::BlockKind::View)
            {
                loaded.warnings.push(Warning {
                    message: format!(
                        "view `{}` is not read: Prisma Migrate does not create views (their SQL is not in the schema)",
                        b.name
                    ),
                    location: Some(format!("{}:{}:{}", file.path.display(), b.pos.line, b.pos.column)),
                });
            }
        }
        let migrations_abs = project_root.join(&migrations_dir);
        let mut history = history(&migrations_abs);
        if !history.migrations.is_empty() {
            match replay(&migrations_abs, &history.migrations, dialect) {
                Ok(state) => history.state = Some(state),
                Err(e) => loaded.warnings.push(Warning {
                    message: format!(
                        "the migrations' SQL is not read, so their schema is unknown: {e}"
                    ),
                    location: Some(migrations_abs.display().to_string()),
                }),
            }
        }
        if let (Some(lock), Some((p, _, _))) = (lock_provider(&migrations_abs), &provider)
            && &lock != p
        {
            // Prisma refuses such a folder (P3019) until the migrations are redone.
            loaded.warnings.push(Warning {
                message: format!(
                    "migration_lock.toml says provider \"{lock}\" but the datasource says \"{p}\""
                ),
                location: Some(
                    migrations_abs
                        .join("migration_lock.toml")
                        .display()
                        .to_string(),
                ),
            });
        }
        Ok(Project {
            framework: crate::Framework::Prisma,
            root: project_root,
            loaded,
            models: crate::Models::Prisma(Models {
                provider: provider.map(|p| p.0),
                files,
                migrations_dir,
            }),
            history,
        })
    }
}
