//! postgres: type spelling and expression-key rules.

use migrex_model::ColumnType;
use sqlparser::ast::Expr;

/// Parses a postgres type spelling into the model form.
pub fn parse_type(spelled: &str) -> ColumnType {
    ColumnType::other(spelled.trim())
}

/// Renders a model type in postgres's spelling.
pub fn format_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Other { name } => name.clone(),
        other => format!("{other:?}"),
    }
}

/// postgres-specific rewrites of an expression tree for its comparison key.
pub(crate) fn normalize_expr(_e: &mut Expr) {}
