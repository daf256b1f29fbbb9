//! SOURCE 2: live databases → model, and the one connection type the rest of migrex uses.
//!
//! Input: a database URL (`postgres://`, `mysql://`/`mariadb://`, `sqlite://`). Output: `Loaded`.
//! Allowed dependencies: model, dialect, source_sql (SQLite's catalog is its stored DDL), sqlx.
//! Per-dialect catalog queries live in `postgres.rs`, `mysql.rs`, `sqlite.rs`.
//!
//! The API is synchronous: `Db` owns a current-thread tokio runtime and blocks on sqlx, so the
//! CLI, apply and verify stay plain functions.

mod conn;
mod mysql;
mod postgres;
mod sqlite;
mod stats;

pub use conn::{Db, DbUrl, LiveError, redact_url};
pub use postgres::{DefaultExpr, IndexExprs, PrintedIndex, ViewQuery, set_concurrent_reads};
pub use stats::TableStat;

use migrex_model::{Dialect, Loaded};

impl Db {
    /// Reads the whole schema of the connected database (PostgreSQL: every non-system schema;
    /// MySQL: the current database; SQLite: the main database).
    pub fn introspect(&mut self) -> Result<Loaded, LiveError> {
        match self.dialect() {
            Dialect::Postgres => postgres::introspect(self),
            Dialect::Mysql => mysql::introspect(self),
            Dialect::Sqlite => sqlite::introspect(self),
        }
    }
}
