//! The effect of an action on a target: locks, what they block, rewrite, scan, transaction.

use crate::{Action, Target};
use migrex_model::QualifiedName;
use serde::Serialize;

/// A lock as the server names it. PostgreSQL's eight table-lock modes; MySQL/MariaDB's metadata
/// lock, whose strength during the operation is what `LOCK=` says (an exclusive MDL is taken
/// briefly at the start and the end of every online ALTER: `Brief`); SQLite's database-wide
/// write lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockLevel {
    None,
    // PostgreSQL, weakest first.
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
    // MySQL/MariaDB: what the table allows while the ALTER runs.
    MetadataSharedOnline,
    MetadataSharedReadOnly,
    MetadataExclusive,
    // SQLite.
    DatabaseWrite,
}

impl LockLevel {
    /// PostgreSQL's spelling (`ACCESS EXCLUSIVE`), MySQL's description, SQLite's name.
    pub fn name(self) -> &'static str {
        match self {
            LockLevel::None => "none",
            LockLevel::AccessShare => "ACCESS SHARE",
            LockLevel::RowShare => "ROW SHARE",
            LockLevel::RowExclusive => "ROW EXCLUSIVE",
            LockLevel::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockLevel::Share => "SHARE",
            LockLevel::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockLevel::Exclusive => "EXCLUSIVE",
            LockLevel::AccessExclusive => "ACCESS EXCLUSIVE",
            LockLevel::MetadataSharedOnline => "metadata lock, concurrent DML allowed (LOCK=NONE)",
            LockLevel::MetadataSharedReadOnly => "shared metadata lock, reads only (LOCK=SHARED)",
            LockLevel::MetadataExclusive => "exclusive metadata lock (LOCK=EXCLUSIVE)",
            LockLevel::DatabaseWrite => "database write lock",
        }
    }
}

/// What a lock stops other sessions from doing while it is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Blocks {
    pub reads: bool,
    pub writes: bool,
}

/// How long a lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockSpan {
    /// Only a catalog update: milliseconds, once the lock is granted (but a queued strong lock
    /// still blocks everyone behind it while it waits: see `lock_timeout`).
    Brief,
    /// For the whole statement (a scan or a rewrite of the table), and to the end of the
    /// transaction in PostgreSQL.
    Statement,
}

/// One lock on one table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableLock {
    pub table: QualifiedName,
    pub level: LockLevel,
    pub blocks: Blocks,
    pub span: LockSpan,
}

/// What an action does to a running database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effect {
    /// Every table locked, the altered table first (a foreign key also locks its parent).
    pub locks: Vec<TableLock>,
    /// Every row is rewritten (a new copy of the table and its indexes).
    pub rewrites: bool,
    /// The whole table is read while the lock is held (validation, index build).
    pub scans: bool,
    /// May run inside a transaction block.
    pub transactional: bool,
    /// Can fail on existing rows (NOT NULL, CHECK, UNIQUE, FK, a narrowing type change).
    pub can_fail_on_data: bool,
    /// Destroys data (DROP, TRUNCATE, a narrowing conversion).
    pub loses_data: bool,
    /// Why, with the section of ddl-behavior.md or the version the fact depends on.
    pub notes: Vec<String>,
    /// True when the analysis had to assume (a missing fact, an unknown statement).
    pub assumed: bool,
}

impl Effect {
    /// The strongest lock's blocks, over every table.
    pub fn blocks(&self) -> Blocks {
        self.locks.iter().fold(Blocks::default(), |acc, l| Blocks {
            reads: acc.reads || l.blocks.reads,
            writes: acc.writes || l.blocks.writes,
        })
    }

    /// True when reads or writes of some table wait for the whole statement.
    pub fn blocks_for_the_statement(&self) -> bool {
        self.locks
            .iter()
            .any(|l| l.span == LockSpan::Statement && (l.blocks.reads || l.blocks.writes))
    }
}

/// The effect of `action` on `target`.
pub fn effect(target: &Target, action: &Action) -> Effect {
    // The per-dialect tables are filled in by the safety work of issue 4; until then every
    // action is judged the worst way: an exclusive lock held for the statement, with the
    // assumption said, never silently safe.
    let _ = target;
    Effect {
        locks: action
            .table()
            .map(|t| TableLock {
                table: t.clone(),
                level: LockLevel::AccessExclusive,
                blocks: Blocks {
                    reads: true,
                    writes: true,
                },
                span: LockSpan::Statement,
            })
            .into_iter()
            .collect(),
        rewrites: false,
        scans: false,
        transactional: true,
        can_fail_on_data: false,
        loses_data: false,
        notes: vec!["no analysis for this action yet: the worst is assumed".into()],
        assumed: true,
    }
}
