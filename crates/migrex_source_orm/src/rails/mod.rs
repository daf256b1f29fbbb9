//! Rails projects (`rails:PATH`), Active Record 6.1.
//!
//! Columns live in `db/schema.rb` (or `db/structure.sql`), not in the model classes. The reader
//! interprets schema.rb's statements ([`dsl`]), writes the SQL Active Record's adapter for the
//! dialect runs to load it ([`ddl`], SQLite's table rebuilds included), and reads that SQL with
//! `migrex_source_sql`, so the schema equals what `load "db/schema.rb"` builds, names
//! included. The model classes ([`models`]) give associations, single-table inheritance and
//! enums, checked against the columns and kept for the writer; `db/migrate` gives the history
//! ([`history`]); `config/database.yml` the configured adapter.

pub mod ddl;
pub mod dsl;
pub mod history;
pub mod inflect;
pub mod models;
pub mod names;
pub mod ruby;

use crate::{History, OrmError, Project, Reader};
use migrex_model::{Dialect, Loaded, QualifiedName, Warning};
use std::path::{Path, PathBuf};

pub use dsl::{ArColumn, ArForeignKey, ArIndex, ArSchema, ArTable};
pub use history::MigrationFile;
pub use models::{Association, AssociationKind, ModelClass};

/// What the Rails writer needs beyond the schema.
#[derive(Debug, Clone, Default)]
pub struct Models {
    pub classes: Vec<ModelClass>,
    /// `db/schema.rb` as written (absent for `structure.sql` projects).
    pub schema_rb: Option<ArSchema>,
    /// The existing migrations, by version.
    pub migrations: Vec<MigrationFile>,
    /// The `Migration[x.y]` version the newest migration uses.
    pub migration_version: Option<String>,
}

impl Models {
    /// The model class of a table (the STI base when several share it).
    pub fn class_for_table(&self, table: &str) -> Option<&ModelClass> {
        self.classes
            .iter()
            .find(|c| c.table_name.as_deref() == Some(table) && c.sti_parent.is_none())
    }
}

pub struct RailsReader;

impl Reader for RailsReader {
    fn detect(&self, root: &Path) -> bool {
        let schema = root.join("db").join("schema.rb");
        root.join("config").join("application.rb").is_file()
            || std::fs::read_to_string(&schema).is_ok_and(|t| t.contains("ActiveRecord::Schema"))
            || (root.join("app").join("models").is_dir()
                && root.join("db").join("migrate").is_dir())
    }

    fn read(&self, root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
        read(root, dialect)
    }

    fn configured_dialect(&self, root: &Path) -> Option<Dialect> {
        let text = std::fs::read_to_string(root.join("config").join("database.yml")).ok()?;
        adapter_dialect(&text)
    }
}

/// The `adapter:` of `config/database.yml` (the first one, normally the shared default).
/// A line scan rather than a YAML parser: the file is ERB-templated YAML, which a YAML parser
/// rejects, and only this one key is wanted.
pub fn adapter_dialect(text: &str) -> Option<Dialect> {
    text.lines().find_map(|l| {
        let l = l.trim();
        let v = l.strip_prefix("adapter:")?.trim().trim_matches(['"', '\'']);
        match v {
            "sqlite3" | "sqlite" => Some(Dialect::Sqlite),
            "postgresql" | "postgres" | "postgis" => Some(Dialect::Postgres),
            "mysql2" | "mysql" | "trilogy" => Some(Dialect::Mysql),
            _ => None,
        }
    })
}

/// Reads a Rails project for `dialect`.
pub fn read(root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
    let mut warnings = Vec::new();
    let schema_path = root.join("db").join("schema.rb");
    let structure_path = root.join("db").join("structure.sql");
    let (mut loaded, schema_rb) = if schema_path.is_file() {
        let file = ruby::RubyFile::read(&schema_path)?;
        let ar = dsl::read_schema_rb(&file, &mut warnings)?;
        let loaded = load_schema(&file, &ar, dialect)?;
        (loaded, Some(ar))
    } else if structure_path.is_file() {
        let text = std::fs::read_to_string(&structure_path)
            .map_err(|e| OrmError::io(&structure_path, e))?;
        let loaded =
            migrex_source_sql::parse(&text, dialect, &structure_path.display().to_string())
                .map_err(|e| {
                    OrmError::at(&structure_path, &text, e.line, e.column, e.message.clone())
                })?;
        (loaded, None)
    } else {
        return Err(OrmError::Usage(format!(
            "{} has neither db/schema.rb nor db/structure.sql: Active Record keeps the columns \
             there (run `rails db:schema:dump`)",
            root.display()
        )));
    };
    let classes = models::read_models(root, &mut warnings)?;
    check_models(&classes, &loaded, dialect, &mut warnings);
    for c in &classes {
        loaded.provenance.locations.insert(
            format!("model {}", c.name),
            format!("{}:{}:1", c.file.display(), c.line),
        );
    }
    let migrations = history::read_migrations(root)?;
    warnings.extend(history::check(
        &migrations,
        schema_rb.as_ref().and_then(|s| s.version.as_deref()),
    ));
    loaded.warnings.extend(warnings);
    let migration_version = migrations.iter().rev().find_map(|m| m.ar_version.clone());
    // The migrations replayed, when every statement is one the schema DSL models.
    let state = match history::replay(&migrations, dialect)? {
        Some(ar) if !migrations.is_empty() => match ddl::script(&ar, dialect) {
            Ok(sql) => migrex_source_sql::parse(&sql, dialect, "db/migrate").ok(),
            Err(_) => None,
        },
        _ => None,
    };
    let history = History {
        dir: Some(root.join("db").join("migrate")),
        migrations: migrations.iter().map(|m| m.version.clone()).collect(),
        heads: migrations
            .last()
            .map(|m| m.version.clone())
            .into_iter()
            .collect(),
        state,
    };
    Ok(Project {
        framework: crate::Framework::Rails,
        root: root.to_path_buf(),
        loaded,
        models: crate::Models::Rails(Models {
            classes,
            schema_rb,
            migrations,
            migration_version,
        }),
        history,
    })
}

/// The schema Active Record builds from `ar` on `dialect`, with provenance at schema.rb.
pub fn load_schema(
    file: &ruby::RubyFile,
    ar: &ArSchema,
    dialect: Dialect,
) -> Result<Loaded, OrmError> {
    // A column method of another adapter (`t.jsonb` on SQLite) is a NoMethodError there.
    for t in ar.tables.values() {
        for c in t.columns.iter().filter(|c| c.method) {
            if !dsl::column_method_exists(dialect, &c.ty) {
                let adapter = match dialect {
                    Dialect::Postgres => "postgresql",
                    Dialect::Mysql => "mysql2",
                    Dialect::Sqlite => "sqlite3",
                };
                return Err(file.error_at(
                    c.offset,
                    format!(
                        "undefined method `{}' for the {adapter} TableDefinition: `t.{}` is a column type of another database",
                        c.ty, c.ty
                    ),
                ));
            }
        }
    }
    let sql = ddl::script(ar, dialect).map_err(|e| file.error_at(0, e))?;
    let name = file.path.display().to_string();
    let mut loaded = migrex_source_sql::parse(&sql, dialect, &name).map_err(|e| {
        file.error_at(
            0,
            format!("the SQL Active Record runs for this schema does not read back: {e}\n{sql}"),
        )
    })?;
    let ns = dialect.default_namespace();
    let locations = &mut loaded.provenance.locations;
    locations.clear();
    for t in ar.tables.values() {
        let qn = QualifiedName::new(ns, t.name.clone());
        locations.insert(format!("table {qn}"), file.location(t.offset));
        for c in &t.columns {
            locations.insert(format!("column {qn}.{}", c.name), file.location(c.offset));
        }
        for i in &t.indexes {
            locations.insert(format!("index {qn}.{}", i.name), file.location(i.offset));
        }
        for f in t.all_foreign_keys() {
            locations.insert(
                format!("foreign_key {qn}.{}", f.name),
                file.location(f.offset),
            );
        }
        for c in t.all_checks() {
            locations.insert(format!("check {qn}.{}", c.name), file.location(c.offset));
        }
    }
    Ok(loaded)
}

/// Associations, STI and enums against the columns: what Active Record would fail on at run
/// time is a warning at the model line.
fn check_models(
    classes: &[ModelClass],
    loaded: &Loaded,
    dialect: Dialect,
    warnings: &mut Vec<Warning>,
) {
    let ns = dialect.default_namespace();
    let table = |name: &str| loaded.schema.table(&QualifiedName::new(ns, name));
    let at = |c: &ModelClass, line: u64| Some(format!("{}:{line}:1", c.file.display()));
    for c in classes {
        let Some(tname) = &c.table_name else { continue };
        let Some(t) = table(tname) else {
            warnings.push(Warning {
                message: format!(
                    "model {} maps to table `{tname}`, which the schema does not have",
                    c.name
                ),
                location: at(c, c.line),
            });
            continue;
        };
        if c.sti_parent.is_some() && t.column("type").is_none() {
            warnings.push(Warning {
                message: format!(
                    "{} inherits from {} (single-table inheritance) but `{tname}` has no `type` column",
                    c.name,
                    c.sti_parent.as_deref().unwrap_or_default()
                ),
                location: at(c, c.line),
            });
        }
        if let Some(pk) = &c.primary_key
            && t.column(pk).is_none()
        {
            warnings.push(Warning {
                message: format!(
                    "primary key `{pk}` of {} is not a column of `{tname}`",
                    c.name
                ),
                location: at(c, c.line),
            });
        }
        for (attr, _) in &c.enums {
            if t.column(attr).is_none() {
                warnings.push(Warning {
                    message: format!("enum `{attr}` of {} has no column in `{tname}`", c.name),
                    location: at(c, c.line),
                });
            }
        }
        for a in &c.associations {
            let missing: Vec<String> = match a.kind {
                AssociationKind::BelongsTo => {
                    let mut cols = vec![a.foreign_key.clone()];
                    if a.polymorphic {
                        cols.push(format!("{}_type", a.name));
                    }
                    cols.into_iter()
                        .filter(|col| t.column(col).is_none())
                        .collect()
                }
                AssociationKind::HasAndBelongsToMany => {
                    let jt = a.join_table.clone().unwrap_or_default();
                    if table(&jt).is_none() {
                        vec![format!("join table `{jt}`")]
                    } else {
                        Vec::new()
                    }
                }
                AssociationKind::HasMany | AssociationKind::HasOne => {
                    if a.through.is_some() {
                        Vec::new()
                    } else {
                        let other = classes
                            .iter()
                            .find(|o| {
                                o.name == a.class_name
                                    || o.name.ends_with(&format!("::{}", a.class_name))
                            })
                            .and_then(|o| o.table_name.clone());
                        match other.as_deref().and_then(table) {
                            Some(ot) if ot.column(&a.foreign_key).is_none() => {
                                vec![format!("`{}.{}`", ot.name, a.foreign_key)]
                            }
                            _ => Vec::new(),
                        }
                    }
                }
            };
            for m in missing {
                warnings.push(Warning {
                    message: format!(
                        "{} `{}` of {}: {m} does not exist in the schema",
                        match a.kind {
                            AssociationKind::BelongsTo => "belongs_to",
                            AssociationKind::HasMany => "has_many",
                            AssociationKind::HasOne => "has_one",
                            AssociationKind::HasAndBelongsToMany => "has_and_belongs_to_many",
                        },
                        a.name,
                        c.name
                    ),
                    location: at(c, a.line),
                });
            }
        }
    }
}

/// The project's migration folder.
pub fn migrate_dir(root: &Path) -> PathBuf {
    root.join("db").join("migrate")
}
