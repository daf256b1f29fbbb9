//! The steps of online (zero-downtime) plans: what `migrex diff --online` puts in place of a
//! change that would lock or rewrite a busy table (see the shared ddl-behavior notes A.5, B, D).
//!
//! Each operation is one `Change::Online` on a table. Model-wise most of them are either the
//! plain change they stand for (a concurrent index is an index) or nothing (a validation, a
//! trigger that keeps two columns in step, a backfill, a deploy point): `simulate` of an online
//! plan still ends at the target schema.

use crate::{Change, Check, Column, ForeignKey, Index, PrimaryKey, UniqueConstraint};
use serde::{Deserialize, Serialize};

/// One online operation on a table.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "online", rename_all = "snake_case")]
pub enum OnlineOp {
    /// PostgreSQL `CREATE INDEX CONCURRENTLY` (an INVALID index of the same name, left by a
    /// failed build, is dropped first); MySQL `ALGORITHM=INPLACE, LOCK=NONE`.
    CreateIndex {
        index: Index,
    },
    /// PostgreSQL `DROP INDEX CONCURRENTLY`; MySQL `ALGORITHM=INPLACE, LOCK=NONE`.
    DropIndex {
        index: Index,
    },
    /// `ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID` (PostgreSQL); `name` is the constraint's
    /// name, the model's or the one PostgreSQL would give it.
    AddForeignKeyNotValid {
        foreign_key: ForeignKey,
        name: String,
    },
    /// `ADD CONSTRAINT ... CHECK (...) NOT VALID` (PostgreSQL).
    AddCheckNotValid {
        check: Check,
        name: String,
    },
    /// `VALIDATE CONSTRAINT`: a scan under a lock that lets reads and writes through.
    ValidateConstraint {
        name: String,
    },
    /// `ADD CONSTRAINT name UNIQUE USING INDEX name` over an index built concurrently.
    AddUniqueUsingIndex {
        unique: UniqueConstraint,
        index: String,
    },
    /// `ADD CONSTRAINT name PRIMARY KEY USING INDEX index`.
    AddPrimaryKeyUsingIndex {
        primary_key: PrimaryKey,
        index: String,
    },
    /// A trigger copying `source` into `target` on every insert and update, so writes of
    /// application code that knows only `source` reach the new column too.
    CreateSyncTrigger {
        source: Column,
        target: Column,
    },
    DropSyncTrigger {
        source: Column,
        target: Column,
    },
    /// `UPDATE ... SET target = value` in batches over the primary key (`key`), each batch its
    /// own transaction, touching only rows not yet in step (so a batch can run again): rows
    /// where `target` is NULL (`only_null`), else where it is distinct from `value`. `value` is
    /// SQL of the plan's dialect computed from the row itself.
    Backfill {
        key: Vec<String>,
        target: Column,
        value: String,
        only_null: bool,
        batch_size: u32,
    },
    /// Refreshes the planner's statistics after a backfill (PostgreSQL `ANALYZE`).
    Analyze,
    /// Several changes that must run in one short transaction (the switch of an expand/contract).
    Group {
        description: String,
        changes: Vec<Change>,
    },
    /// A point where the plan waits for people: deploy application code that does `message`.
    Checkpoint {
        message: String,
    },
}

impl OnlineOp {
    /// True when the operation cannot run inside a transaction block (PostgreSQL).
    pub fn outside_transaction(&self) -> bool {
        matches!(
            self,
            OnlineOp::CreateIndex { .. }
                | OnlineOp::DropIndex { .. }
                | OnlineOp::Backfill { .. }
                | OnlineOp::Checkpoint { .. }
        )
    }

    pub fn describe(&self, table: &crate::QualifiedName) -> String {
        match self {
            OnlineOp::CreateIndex { index } => {
                format!("create index {} on {table} concurrently", index.name)
            }
            OnlineOp::DropIndex { index } => {
                format!("drop index {} on {table} concurrently", index.name)
            }
            OnlineOp::AddForeignKeyNotValid { name, .. } => {
                format!("add foreign key {name} on {table} not valid")
            }
            OnlineOp::AddCheckNotValid { name, .. } => {
                format!("add check {name} on {table} not valid")
            }
            OnlineOp::ValidateConstraint { name } => {
                format!("validate constraint {name} on {table}")
            }
            OnlineOp::AddUniqueUsingIndex { index, .. } => {
                format!("add unique constraint {index} on {table} using its index")
            }
            OnlineOp::AddPrimaryKeyUsingIndex { index, .. } => {
                format!("add primary key on {table} using index {index}")
            }
            OnlineOp::CreateSyncTrigger { source, target } => format!(
                "create trigger keeping {table}.{} in step with {table}.{}",
                target.name, source.name
            ),
            OnlineOp::DropSyncTrigger { source, target } => format!(
                "drop the trigger keeping {table}.{} in step with {table}.{}",
                target.name, source.name
            ),
            OnlineOp::Backfill {
                value,
                target,
                batch_size,
                ..
            } => format!(
                "backfill {table}.{} with {value} in batches of {batch_size}",
                target.name
            ),
            OnlineOp::Analyze => format!("analyze {table}"),
            OnlineOp::Group { description, .. } => description.clone(),
            OnlineOp::Checkpoint { message } => {
                format!("CHECKPOINT: deploy application code that {message}")
            }
        }
    }
}
