//! RENDER 1: plan → SQL statements per dialect.
//!
//! Input: `Plan` (or one `Change`). Output: SQL statements, identifiers always quoted by
//! `migrex_dialect::quote_ident`. Allowed dependencies: model, dialect. Per-dialect rendering lives
//! in `postgres.rs`, `mysql.rs`, `sqlite.rs` (SQLite's table rebuild in `sqlite.rs` too).
//! A renderer never panics: what a dialect cannot express is `RenderError::Unsupported`.

mod data;
mod mysql;
mod online;
mod postgres;
mod sqlite;

use migrex_model::{Change, Dialect, Plan};
use serde::{Deserialize, Serialize};

pub use data::{
    BatchCopy, BatchUpdate, DataTask, Keyset, Proof, statements as data_statements,
    task as data_task,
};
pub use online::{BackfillLoop, OnlineRender, backfill_loop, render_online_plan};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedStep {
    pub step: usize,
    pub description: String,
    pub statements: Vec<String>,
    /// False when the step must run outside a transaction.
    pub transactional: bool,
    /// The dialect of the statements: it decides how `to_script` separates them.
    pub dialect: Dialect,
    /// Online plans: the step runs in a transaction of its own (never batched with its
    /// neighbours, so no lock outlives it) and is retried when it hits the lock timeout.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub isolated: bool,
    /// A batched backfill: the applier runs this loop (one transaction per batch) instead of
    /// `statements`, which hold the same loop as one script statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<BackfillLoop>,
    /// A data step (`Change::Data`): what `migrex_apply::exec` runs instead of `statements`
    /// (which hold the set-based equivalent, for scripts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<DataTask>,
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
                dialect: plan.dialect,
                isolated: false,
                backfill: None,
                data: match &s.change {
                    Change::Data { table, operation } => {
                        Some(data::task(plan.dialect, table, operation)?)
                    }
                    _ => None,
                },
            })
        })
        .collect()
}

/// A SQL script of rendered steps: each step headed by a `-- description` comment, each statement
/// ended by `;`. Empty when there are no steps.
///
/// MySQL: a statement with `;` inside (a trigger or routine body) is wrapped in client
/// `DELIMITER` lines, so the `mysql`/`mariadb` command-line client reads it as one statement.
pub fn to_script(steps: &[RenderedStep]) -> String {
    let mut out = String::new();
    for s in steps {
        out.push_str("-- ");
        out.push_str(&s.description);
        out.push('\n');
        // An online step that must be atomic says so in the script (psql runs each statement
        // on its own otherwise).
        let wrap = s.isolated
            && s.transactional
            && s.dialect == Dialect::Postgres
            && s.statements.len() > 2;
        if wrap {
            out.push_str("BEGIN;\n");
        }
        for stmt in &s.statements {
            if s.dialect == Dialect::Mysql && has_inner_semicolon(stmt) {
                let d = ["$$", ";;", "//", "$$$"]
                    .into_iter()
                    .find(|d| !stmt.contains(d))
                    .unwrap_or("$$$$");
                out.push_str(&format!("DELIMITER {d}\n{stmt}{d}\nDELIMITER ;\n"));
                continue;
            }
            out.push_str(stmt);
            out.push_str(";\n");
        }
        if wrap {
            out.push_str("COMMIT;\n");
        }
    }
    out
}

/// True when a MySQL statement holds a `;` outside quotes and comments (the client would end the
/// statement there).
fn has_inner_semicolon(stmt: &str) -> bool {
    let b = stmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' && q != b'`' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b';' => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod script_tests {
    use super::*;

    fn step(dialect: Dialect, statements: &[&str]) -> RenderedStep {
        RenderedStep {
            step: 1,
            description: "d".into(),
            statements: statements.iter().map(|s| s.to_string()).collect(),
            transactional: true,
            dialect,
            isolated: false,
            backfill: None,
            data: None,
        }
    }

    #[test]
    fn mysql_bodies_get_a_delimiter() {
        let body = "CREATE TRIGGER `t` BEFORE INSERT ON `a` FOR EACH ROW\nBEGIN SET NEW.x = 1; END";
        let script = to_script(&[step(
            Dialect::Mysql,
            &[body, "CREATE TABLE `b` (`s` varchar(3) DEFAULT ';')"],
        )]);
        assert_eq!(
            script,
            format!(
                "-- d\nDELIMITER $$\n{body}$$\nDELIMITER ;\nCREATE TABLE `b` (`s` varchar(3) DEFAULT ';');\n"
            )
        );
        // PostgreSQL's dollar-quoted bodies are read whole by psql.
        let pg = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql";
        assert_eq!(
            to_script(&[step(Dialect::Postgres, &[pg])]),
            format!("-- d\n{pg};\n")
        );
    }
}
