//! mysql: type spelling and expression-key rules.

use migrex_model::ColumnType;
use sqlparser::ast::Expr;

/// Parses a mysql type spelling into the model form.
pub fn parse_type(spelled: &str) -> ColumnType {
    ColumnType::other(spelled.trim())
}

/// Renders a model type in mysql's spelling.
pub fn format_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Other { name } => name.clone(),
        other => format!("{other:?}"),
    }
}

/// mysql-specific rewrites of an expression tree for its comparison key.
pub(crate) fn normalize_expr(_e: &mut Expr) {}
