//! SQLAlchemy projects (`sqlalchemy:PATH`, a folder or one `.py` file).
//!
//! The model modules are read statically ([`parse`]) into the table metadata `Base.metadata`
//! would hold, compiled into the DDL `create_all` emits on the dialect ([`ddl`], a port of
//! SQLAlchemy 2.1's compilers and naming conventions), and that DDL is read by migrex's DDL
//! reader, which names unnamed constraints the way each database does: the schema equals
//! what the database reports after `Base.metadata.create_all(engine)`. Alembic's revision
//! history comes from the versions folder ([`history`]).

pub mod ddl;
pub mod history;
pub mod model;
pub mod parse;

use crate::python::{PyFile, python_files};
use crate::{Framework, OrmError, Project, Reader};
use migrex_model::{Dialect, QualifiedName};
use model::TableDef;
use std::path::{Path, PathBuf};

/// SQLAlchemy's models as written, for the Alembic writer: the tables with their columns'
/// SQLAlchemy types, names as given and naming conventions.
#[derive(Debug, Clone, Default)]
pub struct Models {
    pub tables: Vec<TableDef>,
}

impl Models {
    /// The table definition of a schema table.
    pub fn table(&self, name: &QualifiedName, dialect: Dialect) -> Option<&TableDef> {
        self.tables.iter().find(|t| {
            t.name == name.name
                && t.schema.as_deref().unwrap_or(dialect.default_namespace()) == name.namespace
        })
    }
}

pub struct SqlalchemyReader;

/// Whether a Python file's text looks like model code (cheap filter before parsing).
fn mentions_models(text: &str) -> bool {
    text.contains("sqlalchemy")
        || text.contains("Mapped[")
        || text.contains("mapped_column(")
        || text.contains("Column(")
}

/// The model files of a project: every Python file that mentions SQLAlchemy, outside the
/// Alembic script folder.
fn model_files(root: &Path) -> Vec<PathBuf> {
    if root.is_file() {
        return vec![root.to_path_buf()];
    }
    let script = history::script_dir(root);
    python_files(root)
        .into_iter()
        .filter(|p| {
            !script.as_ref().is_some_and(|s| p.starts_with(s))
                && !p
                    .strip_prefix(root)
                    .unwrap_or(p)
                    .components()
                    .any(|c| c.as_os_str() == "versions")
                && p.file_name().is_none_or(|n| n != "env.py")
        })
        .filter(|p| std::fs::read_to_string(p).is_ok_and(|t| mentions_models(&t)))
        .collect()
}

impl Reader for SqlalchemyReader {
    fn detect(&self, root: &Path) -> bool {
        if root.join("alembic.ini").is_file() {
            return true;
        }
        if root.is_file() {
            return std::fs::read_to_string(root).is_ok_and(|t| t.contains("sqlalchemy"));
        }
        python_files(root).iter().take(200).any(|p| {
            std::fs::read_to_string(p)
                .is_ok_and(|t| t.contains("from sqlalchemy") || t.contains("import sqlalchemy"))
        }) && !root.join("manage.py").is_file()
    }

    fn read(&self, root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
        let mut files = Vec::new();
        for path in model_files(root) {
            files.push(PyFile::read(&path)?);
        }
        let mut scan = parse::Scan::new(files)?;
        let mut tables = scan.tables()?;
        resolve_fk_types(&mut tables);
        let mut loaded = schema_of(&tables, dialect, &scan)?;
        loaded.warnings.extend(scan.unmapped_tables());
        let project_root = if root.is_file() {
            root.parent().unwrap_or(root).to_path_buf()
        } else {
            root.to_path_buf()
        };
        let history = history::history(&project_root)?;
        Ok(Project {
            framework: Framework::Sqlalchemy,
            root: project_root,
            loaded,
            models: crate::Models::Sqlalchemy(Models { tables }),
            history,
        })
    }

    fn configured_dialect(&self, root: &Path) -> Option<Dialect> {
        let url = history::ini_value(root, "sqlalchemy.url").or_else(|| {
            let env = history::script_dir(root)?.join("env.py");
            let text = std::fs::read_to_string(env).ok()?;
            ["postgresql", "postgres", "sqlite", "mysql", "mariadb"]
                .into_iter()
                .find_map(|s| {
                    text.find(&format!("\"{s}"))
                        .map(|i| text[i + 1..].to_string())
                })
        })?;
        let scheme = url.split([':', '+']).next()?.trim();
        Dialect::parse(scheme)
    }
}

/// `Column(ForeignKey(...))` without a type takes the referenced column's type.
fn resolve_fk_types(tables: &mut [TableDef]) {
    let snapshot: Vec<TableDef> = tables.to_vec();
    for t in tables.iter_mut() {
        for c in &mut t.columns {
            if !c.type_from_fk {
                continue;
            }
            let Some(fk) = &c.foreign_key else { continue };
            if let Some(rc) = snapshot
                .iter()
                .find(|r| r.name == fk.ref_table && r.schema == fk.ref_schema)
                .and_then(|r| r.column(&fk.ref_columns[0]))
            {
                c.ty = rc.ty.clone();
            }
        }
    }
}

fn location_error(location: &str, message: String, scan: &parse::Scan) -> OrmError {
    // `file:line:column` back into an input error with the file's text.
    let mut parts = location.rsplitn(3, ':');
    let col = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
    let line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(1);
    let file = parts.next().unwrap_or(location);
    let text = scan
        .files
        .iter()
        .find(|f| f.path.display().to_string() == file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    OrmError::at(Path::new(file), &text, line, col, message)
}

/// The schema `create_all` builds for the tables on `dialect`.
fn schema_of(
    tables: &[TableDef],
    dialect: Dialect,
    scan: &parse::Scan,
) -> Result<migrex_model::Loaded, OrmError> {
    let ddl = ddl::create_all(tables, dialect)
        .map_err(|e| location_error(&e.location, e.message, scan))?;
    let script: String = ddl.statements.iter().map(|s| format!("{s};\n")).collect();
    let mut loaded = migrex_source_sql::parse(&script, dialect, "<sqlalchemy create_all>")
        .map_err(|e| {
            OrmError::Usage(format!(
                "the DDL SQLAlchemy emits for these models did not read back: {e}\n{script}"
            ))
        })?;
    // Provenance: model positions instead of the generated script's.
    for t in tables {
        let ns = t
            .schema
            .clone()
            .filter(|_| dialect != Dialect::Sqlite)
            .unwrap_or_else(|| dialect.default_namespace().to_string());
        let qn = QualifiedName::new(ns, t.name.clone());
        let prefix = format!("{qn}");
        for (key, loc) in loaded.provenance.locations.iter_mut() {
            if key
                .split(' ')
                .nth(1)
                .is_some_and(|k| k == prefix || k.starts_with(&format!("{prefix}.")))
            {
                *loc = t.location.clone();
            }
        }
        loaded
            .provenance
            .locations
            .insert(format!("table {qn}"), t.location.clone());
        for c in &t.columns {
            loaded
                .provenance
                .locations
                .insert(format!("column {qn}.{}", c.name), c.location.clone());
        }
    }
    Ok(loaded)
}
