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

/// One statement of a script as written, with where it starts and the `--` comments around it
/// (those before it since the previous statement, inside it, and trailing it on its last line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatement {
    pub text: String,
    /// 1-based line and column (in characters) of the statement's first character.
    pub line: u64,
    pub column: u64,
    /// `(line, text)` of each `--` comment, the marker stripped and the text trimmed.
    pub comments: Vec<(u64, String)>,
}

/// Splits a script into statements with their positions, as the DDL reader does (quoting,
/// dollar quotes, trigger and routine bodies, MySQL `DELIMITER` and executable comments, psql
/// meta-commands). An error is the tokenizer's, with its position.
pub fn split_statements(sql: &str, dialect: Dialect) -> Result<Vec<SourceStatement>, SqlError> {
    split::split(sql, dialect)
        .map(|pieces| {
            pieces
                .into_iter()
                .map(|p| SourceStatement {
                    text: p.text,
                    line: p.line,
                    column: p.column,
                    comments: p.comments,
                })
                .collect()
        })
        .map_err(|e| SqlError {
            file: String::new(),
            line: e.line,
            column: e.column,
            message: e.message,
        })
}

/// Reads a DDL script of `dialect`. `file` names the source in errors and provenance.
pub fn parse(sql: &str, dialect: Dialect, file: &str) -> Result<Loaded, SqlError> {
    lower::lower_script(sql, dialect, file)
}

/// Reads one DDL statement of `dialect` (a trailing `;` is allowed), as a database's catalog
/// prints a definition (`pg_get_functiondef`, `pg_get_triggerdef`): `parse` without the pass
/// that cuts a script into statements, which tokenized each definition a second time.
pub fn parse_statement(sql: &str, dialect: Dialect, file: &str) -> Result<Loaded, SqlError> {
    lower::lower_statement(sql, dialect, file)
}
