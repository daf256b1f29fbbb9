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
    /// application code that knows only `source` reach the new column too. `both_ways` (a
    /// rename: both columns have the same type): a write that names only `target` (new code)
    /// is copied back into `source` too, so code that still reads the old column sees it.
    CreateSyncTrigger {
        source: Column,
        target: Column,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        both_ways: bool,
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
    /// MySQL/MariaDB, whose DDL cannot be grouped in a transaction: the changes of the table
    /// are one `ALTER TABLE` (sync triggers dropped first under `LOCK TABLES ... WRITE`), with
    /// `algorithm` (and `LOCK=NONE` when `lock_none`) so that the server refuses the statement
    /// rather than copy the table under a write lock. A group of one change is how an online
    /// plan asks for a plain change's `ALGORITHM=`/`LOCK=` clause.
    Group {
        description: String,
        changes: Vec<Change>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        algorithm: Option<AlterAlgorithm>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        lock_none: bool,
    },
    /// A point where the plan waits for people: deploy application code that does `message`.
    Checkpoint {
        message: String,
    },
}

/// MySQL/MariaDB `ALGORITHM=` of an online `ALTER TABLE`: the least efficient algorithm the
/// statement accepts (MariaDB: `INPLACE` also admits `NOCOPY` and `INSTANT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlterAlgorithm {
    Instant,
    /// MariaDB only: in place without rebuilding the clustered index.
    Nocopy,
    Inplace,
}

impl AlterAlgorithm {
    pub fn sql(self) -> &'static str {
        match self {
            AlterAlgorithm::Instant => "INSTANT",
            AlterAlgorithm::Nocopy => "NOCOPY",
            AlterAlgorithm::Inplace => "INPLACE",
        }
    }
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
            OnlineOp::CreateSyncTrigger {
                source,
                target,
                both_ways: false,
            } => format!(
                "create trigger keeping {table}.{} in step with {table}.{}",
                target.name, source.name
            ),
            OnlineOp::CreateSyncTrigger { source, target, .. } => format!(
                "create triggers keeping {table}.{} and {table}.{} equal, whichever one a write names",
                source.name, target.name
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
