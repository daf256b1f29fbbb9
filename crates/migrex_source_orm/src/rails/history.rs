//! `db/migrate/<version>_<name>.rb`: versions in the order Active Record runs them, class
//! names (each must be the CamelCase of its file name's suffix and unique), and the
//! `ActiveRecord::Migration[x.y]` version the project writes.

use super::inflect;
use super::ruby::{self, RubyFile};
use crate::OrmError;
use migrex_model::Warning;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// The timestamp prefix (`20240302120000`).
    pub version: String,
    /// The file name's suffix (`create_posts`).
    pub name: String,
    /// The class defined in the file (`CreatePosts`).
    pub class_name: String,
    /// `Migration[6.1]` → `6.1`; `None` for a bare `ActiveRecord::Migration`.
    pub ar_version: Option<String>,
    pub path: PathBuf,
}

/// The migrations of `root/db/migrate`, sorted by version.
pub fn read_migrations(root: &Path) -> Result<Vec<MigrationFile>, OrmError> {
    let dir = root.join("db").join("migrate");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = file_name.strip_suffix(".rb") else {
            continue;
        };
        // `MigrationFilenameRegexp = /\A([0-9]+)_([_a-z0-9]*)\.?([_a-z0-9]*)?\.rb\z/`.
        let Some((version, name)) = stem.split_once('_') else {
            continue;
        };
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let file = RubyFile::read(&path)?;
        let expected = inflect::camelize(name.split('.').next().unwrap_or(name));
        let mut class_name = None;
        let mut ar_version = None;
        for def in ruby::classes(&file) {
            let Some(sup) = def.superclass else { continue };
            let (base, ver) = match sup {
                lib_ruby_parser::Node::Index(i) => (
                    ruby::const_name(&i.recv),
                    i.indexes.first().map(|n| file.source(n).to_string()),
                ),
                other => (ruby::const_name(other), None),
            };
            if base.as_deref().is_some_and(|b| b.ends_with("Migration")) {
                class_name = Some(def.name.clone());
                ar_version = ver;
                break;
            }
        }
        let Some(class_name) = class_name else {
            return Err(file.error_at(
                0,
                format!(
                    "no migration class in {file_name} (expected `class {expected} < \
                     ActiveRecord::Migration[6.1]`)"
                ),
            ));
        };
        out.push(MigrationFile {
            version: version.to_string(),
            name: name.to_string(),
            class_name,
            ar_version,
            path,
        });
    }
    out.sort_by(|a, b| {
        a.version
            .parse::<u128>()
            .unwrap_or(0)
            .cmp(&b.version.parse::<u128>().unwrap_or(0))
            .then_with(|| a.version.cmp(&b.version))
    });
    Ok(out)
}

/// What `rails db:migrate` would refuse or report: two migrations with one version or one class
/// name (`DuplicateMigrationVersionError` / `DuplicateMigrationNameError`), a class that is not
/// the CamelCase of its file name (`NameError` when it is loaded), a `Migration[x.y]` Active
/// Record 6.1 does not know, and migrations newer than the schema.rb `version:` (pending).
pub fn check(migrations: &[MigrationFile], schema_version: Option<&str>) -> Vec<Warning> {
    let mut out = Vec::new();
    let at = |m: &MigrationFile| Some(format!("{}:1:1", m.path.display()));
    for (i, m) in migrations.iter().enumerate() {
        let earlier = &migrations[..i];
        if earlier.iter().any(|e| e.version == m.version) {
            out.push(Warning {
                message: format!("Multiple migrations have the version number {}", m.version),
                location: at(m),
            });
        }
        if earlier.iter().any(|e| e.class_name == m.class_name) {
            out.push(Warning {
                message: format!("Multiple migrations have the name {}", m.class_name),
                location: at(m),
            });
        }
        let expected = inflect::camelize(m.name.split('.').next().unwrap_or(&m.name));
        if m.class_name != expected && !m.class_name.ends_with(&format!("::{expected}")) {
            out.push(Warning {
                message: format!(
                    "the class is {} but Active Record loads {expected} from this file name",
                    m.class_name
                ),
                location: at(m),
            });
        }
        if let Some(v) = &m.ar_version
            && !["4.2", "5.0", "5.1", "5.2", "6.0", "6.1"].contains(&v.as_str())
        {
            out.push(Warning {
                message: format!(
                    "Unknown migration version \"{v}\"; Active Record 6.1 expects one of \
                     \"4.2\", \"5.0\", \"5.1\", \"5.2\", \"6.0\", \"6.1\""
                ),
                location: at(m),
            });
        }
    }
    if let Some(sv) = schema_version.and_then(|v| v.parse::<u128>().ok()) {
        let pending: Vec<&str> = migrations
            .iter()
            .filter(|m| m.version.parse::<u128>().is_ok_and(|v| v > sv))
            .map(|m| m.version.as_str())
            .collect();
        if !pending.is_empty() {
            out.push(Warning {
                message: format!(
                    "db/schema.rb is at version {sv} but migrations {} are newer: run them \
                     (rails db:migrate) so schema.rb describes them",
                    pending.join(", ")
                ),
                location: None,
            });
        }
    }
    out
}

/// The schema the migrations build, replayed statement by statement (`def change`, or `def up`)
/// through the schema DSL: `None` when a migration uses a statement the replay does not model
/// (its SQL would then be a guess), runs SQL or Ruby of its own, or, on SQLite, changes a table
/// in a way Active Record does by rebuilding it at that point.
pub fn replay(
    migrations: &[MigrationFile],
    dialect: migrex_model::Dialect,
) -> Result<Option<super::dsl::ArSchema>, OrmError> {
    let mut schema = super::dsl::ArSchema::default();
    for m in migrations {
        let file = RubyFile::read(&m.path)?;
        let Some(class) = ruby::classes(&file)
            .into_iter()
            .find(|c| c.name == m.class_name)
        else {
            return Ok(None);
        };
        let body = class.body.iter().find_map(|n| match n {
            lib_ruby_parser::Node::Def(d) if d.name == "change" => Some(d),
            _ => None,
        });
        let body = body.or_else(|| {
            class.body.iter().find_map(|n| match n {
                lib_ruby_parser::Node::Def(d) if d.name == "up" => Some(d),
                _ => None,
            })
        });
        let Some(def) = body else {
            return Ok(None);
        };
        let statements = def
            .body
            .as_deref()
            .map(ruby::body_statements)
            .unwrap_or(&[]);
        for s in statements {
            match super::dsl::migration_statement(&file, s, &mut schema)? {
                super::dsl::Replayed::Exact => {}
                super::dsl::Replayed::NotOnSqlite if dialect != migrex_model::Dialect::Sqlite => {}
                _ => return Ok(None),
            }
        }
        schema.version = Some(m.version.clone());
    }
    Ok(Some(schema))
}
