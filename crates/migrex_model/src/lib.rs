//! The one schema model every stage of migrex speaks.
//!
//! Input: nothing (pure data). Output: `Schema` and the change vocabulary (`Change`, `Step`, `Plan`).
//! Allowed dependencies: serde and indexmap only; no I/O, no printing.
//!
//! Conventions that every source (DDL reader, live introspection, ORM reader) keeps, so that two
//! schemas read from different places compare equal with `==`:
//! - Names are stored as the database stores them: unquoted PostgreSQL identifiers folded to lower
//!   case, MySQL and SQLite names as written.
//! - Types, defaults and check expressions are stored in the dialect's normalized form (see
//!   `migrex_dialect::normalize`), never as the user happened to spell them.
//! - Names the database would generate for an unnamed constraint or index are filled in by the
//!   source (PostgreSQL `t_col_key`, MySQL `t_ibfk_1`); SQLite keeps unnamed constraints unnamed.
//! - Source positions are kept beside the model (`Provenance`), never inside it.

mod change;
mod data;
mod expr;
mod online;
mod schema;
mod types;

pub use change::*;
pub use data::*;
pub use expr::*;
pub use online::*;
pub use schema::*;
pub use types::*;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The database family a schema belongs to; MariaDB is a flavor of MySQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    #[default]
    Postgres,
    Mysql,
    Sqlite,
}

impl Dialect {
    pub const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Parses the names users type: `postgres`, `postgresql`, `pg`, `mysql`, `mariadb`, `sqlite`, `sqlite3`.
    pub fn parse(s: &str) -> Option<Dialect> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" | "psql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::Mysql),
            "sqlite" | "sqlite3" => Some(Dialect::Sqlite),
            _ => None,
        }
    }

    /// The namespace objects land in when none is named.
    pub fn default_namespace(self) -> &'static str {
        match self {
            Dialect::Postgres => "public",
            Dialect::Mysql | Dialect::Sqlite => "",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name inside a namespace: `schema.table` on PostgreSQL, just `table` on MySQL and SQLite
/// (whose single namespace is the empty string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct QualifiedName {
    pub namespace: String,
    pub name: String,
}

impl QualifiedName {
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        QualifiedName {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}.{}", self.namespace, self.name)
        }
    }
}

/// Something the reader saw but the model cannot hold (yet), or a problem in the input that did
/// not stop the read. Sources return these beside the schema so nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub message: String,
    /// `file:line:column` or a database object path, when known.
    pub location: Option<String>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
