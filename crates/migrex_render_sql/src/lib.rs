//! RENDER 1: plan → SQL statements per dialect.
//!
//! Input: `Plan` (or one `Change`). Output: SQL statements, identifiers always quoted by
//! `migrex_dialect::quote_ident`. Allowed dependencies: model, dialect. Per-dialect rendering lives
//! in `postgres.rs`, `mysql.rs`, `sqlite.rs` (SQLite's table rebuild in `sqlite.rs` too).
//! A renderer never panics: what a dialect cannot express is `RenderError::Unsupported`.

mod mysql;
mod postgres;
mod sqlite;

use migrex_model::{Change, Dialect, Plan};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("{dialect} cannot {change}: {hint}")]
    Unsupported {
        dialect: Dialect,
        change: String,
        hint: String,
    },
}

/// Renders changes for one dialect.
pub trait SqlRenderer: Sync {
    fn dialect(&self) -> Dialect;

    /// The statements (without trailing `;`) that carry out `change`, in order.
    fn render_change(&self, change: &Change) -> Result<Vec<String>, RenderError>;
}

/// The renderer of a dialect.
pub fn renderer(dialect: Dialect) -> &'static dyn SqlRenderer {
    match dialect {
        Dialect::Postgres => &postgres::PostgresRenderer,
        Dialect::Mysql => &mysql::MysqlRenderer,
        Dialect::Sqlite => &sqlite::SqliteRenderer,
    }
}

/// One step of a plan with its SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedStep {
    pub step: usize,
    pub description: String,
    pub statements: Vec<String>,
    /// False when the step must run outside a transaction.
    pub transactional: bool,
}

/// Renders every step of a plan.
pub fn render_plan(plan: &Plan) -> Result<Vec<RenderedStep>, RenderError> {
    let r = renderer(plan.dialect);
    plan.steps
        .iter()
        .map(|s| {
            Ok(RenderedStep {
                step: s.id,
                description: s.change.describe(),
                statements: r.render_change(&s.change)?,
                transactional: s.transactional,
            })
        })
        .collect()
}

/// A SQL script of rendered steps: each step headed by a `-- description` comment, each statement
/// ended by `;`. Empty when there are no steps.
pub fn to_script(steps: &[RenderedStep]) -> String {
    let mut out = String::new();
    for s in steps {
        out.push_str("-- ");
        out.push_str(&s.description);
        out.push('\n');
        for stmt in &s.statements {
            out.push_str(stmt);
            out.push_str(";\n");
        }
    }
    out
}
