//! Data steps: what refactor recipes put between schema steps so that rows move with the schema
//! (see issue "data migrations and refactors").
//!
//! A data step never changes the schema (`simulate` passes over it); it changes, copies or checks
//! rows. Expressions (`value`, `filter`, `query`) are SQL of the plan's dialect, written by the
//! recipe that knows the tables; the renderer only quotes the identifiers it is given and wraps
//! the expressions in the batch loop.
//!
//! Batched operations walk the primary key (`key`) in keyset order, each batch its own
//! transaction; the executor stores the last key of each committed batch in its history table in
//! that same transaction, so a run killed in the middle resumes after the last committed batch,
//! never processing a row twice or skipping one.

use crate::QualifiedName;
use serde::{Deserialize, Serialize};

/// `column = value` in an UPDATE; `value` is SQL over the row being updated (unqualified column
/// names refer to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub column: String,
    pub value: String,
}

/// One data operation. The table a `Change::Data` names is the table it writes (or checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "data", rename_all = "snake_case")]
pub enum DataOp {
    /// `UPDATE table SET assignments WHERE filter` in batches of `batch_size` rows over `key`.
    Update {
        key: Vec<String>,
        set: Vec<Assignment>,
        /// Rows outside it are left alone (and not counted as progress).
        filter: Option<String>,
        batch_size: u32,
    },
    /// `INSERT INTO table (columns) SELECT values FROM source AS src WHERE filter`, in batches of
    /// `batch_size` rows of `source` over its `key`. `values` and `filter` may refer to the source
    /// row as `src`. With `delete_source`, each batch deletes the rows it copied from `source` in
    /// the same transaction (archiving: a row is in exactly one of the two tables at any time).
    Copy {
        source: QualifiedName,
        key: Vec<String>,
        columns: Vec<String>,
        values: Vec<String>,
        filter: Option<String>,
        batch_size: u32,
        delete_source: bool,
    },
    /// Statements run as they are, in one transaction (a set-based step a batch loop would not
    /// help: filling a small lookup table with `INSERT ... SELECT DISTINCT`).
    Sql {
        description: String,
        statements: Vec<String>,
    },
    /// A pre-flight check: `query` returns the rows that would make the next steps fail or lose
    /// data (values that do not convert, a child with several parents). Any row stops the apply
    /// before anything changed, showing the first `limit` rows.
    Preflight {
        description: String,
        query: String,
        limit: u32,
    },
    /// Records the row count and an order-independent checksum of `query`'s rows (a projection
    /// whose columns are compared by position) under `name`, before a data step.
    ProofCapture { name: String, query: String },
    /// Computes the count and checksum of `query` after the data step and fails the apply when
    /// they differ from what `ProofCapture` of the same `name` recorded.
    ProofCheck { name: String, query: String },
}

impl DataOp {
    /// True for the operations the executor runs as a loop of batches.
    pub fn is_batched(&self) -> bool {
        matches!(self, DataOp::Update { .. } | DataOp::Copy { .. })
    }

    pub fn describe(&self, table: &QualifiedName) -> String {
        match self {
            DataOp::Update {
                set, batch_size, ..
            } => {
                let cols: Vec<&str> = set.iter().map(|a| a.column.as_str()).collect();
                format!(
                    "update {table} ({}) in batches of {batch_size}",
                    cols.join(", ")
                )
            }
            DataOp::Copy {
                source,
                delete_source,
                batch_size,
                ..
            } => {
                let verb = if *delete_source { "move" } else { "copy" };
                format!("{verb} rows of {source} into {table} in batches of {batch_size}")
            }
            DataOp::Sql { description, .. } | DataOp::Preflight { description, .. } => {
                description.clone()
            }
            DataOp::ProofCapture { name, .. } => {
                format!("record count and checksum '{name}' of {table}")
            }
            DataOp::ProofCheck { name, .. } => {
                format!("check count and checksum '{name}' of {table} are unchanged")
            }
        }
    }
}
