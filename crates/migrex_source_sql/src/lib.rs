//! SOURCE 1: SQL DDL files → model.
//!
//! Input: DDL text of one dialect. Output: `Loaded` (schema, rename hints, warnings, provenance),
//! or an `SqlError` with file, line and column. Allowed dependencies: model, dialect, sqlparser.
//! Generic lowering of sqlparser's AST is in `lower/mod.rs`; what each database adds on its own
//! (implicit names, implicit indexes) is in `lower/{postgres,mysql,sqlite}.rs`.

mod lower;
mod repair;
mod split;

use migrex_model::{Dialect, Loaded};

/// A problem in the input that stops the read, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct SqlError {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

/// Reads a DDL script of `dialect`. `file` names the source in errors and provenance.
pub fn parse(sql: &str, dialect: Dialect, file: &str) -> Result<Loaded, SqlError> {
    lower::lower_script(sql, dialect, file)
}
