//! The effect of an action on a target: locks, what they block, rewrite, scan, transaction.
//!
//! One file per dialect (`postgres`, `mysql`, `sqlite`); each rule cites its section of
//! ../shared/docs/ddl-behavior.md. Version-dependent facts check `Target::at_least` and say the
//! version in a note.

mod mysql;
mod postgres;
mod sqlite;

use crate::{Action, Flavor, MysqlAlgorithm, MysqlLockClause, Target};
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
    /// MySQL/MariaDB: the algorithm the server uses (the best it supports, or the one the
    /// statement names). `None` elsewhere.
    pub algorithm: Option<MysqlAlgorithm>,
    /// The server refuses the statement as written (an `ALGORITHM=`/`LOCK=` it cannot honour, a
    /// form the version lacks, an ALTER SQLite does not have), with why.
    pub refused: Option<String>,
}

impl LockLevel {
    /// What a lock of this level stops other sessions from doing (A.1; B.1 `LOCK=`; C.3).
    pub fn blocks(self) -> Blocks {
        use LockLevel::*;
        match self {
            AccessExclusive | MetadataExclusive => Blocks {
                reads: true,
                writes: true,
            },
            Share | ShareRowExclusive | Exclusive | MetadataSharedReadOnly | DatabaseWrite => {
                Blocks {
                    reads: false,
                    writes: true,
                }
            }
            None | AccessShare | RowShare | RowExclusive | ShareUpdateExclusive
            | MetadataSharedOnline => Blocks::default(),
        }
    }

    /// PostgreSQL's `pg_locks.mode` spelling (`AccessExclusiveLock`), for the PostgreSQL levels.
    pub fn pg_locks_mode(self) -> Option<&'static str> {
        use LockLevel::*;
        Some(match self {
            AccessShare => "AccessShareLock",
            RowShare => "RowShareLock",
            RowExclusive => "RowExclusiveLock",
            ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            Share => "ShareLock",
            ShareRowExclusive => "ShareRowExclusiveLock",
            Exclusive => "ExclusiveLock",
            AccessExclusive => "AccessExclusiveLock",
            _ => return Option::None,
        })
    }
}

impl TableLock {
    pub fn new(table: &QualifiedName, level: LockLevel, span: LockSpan) -> TableLock {
        TableLock {
            table: table.clone(),
            level,
            blocks: level.blocks(),
            span,
        }
    }
}

impl Effect {
    /// Nothing locked, nothing scanned, transactional, no assumption: the start every rule
    /// builds on.
    pub fn none() -> Effect {
        Effect {
            locks: Vec::new(),
            rewrites: false,
            scans: false,
            transactional: true,
            can_fail_on_data: false,
            loses_data: false,
            notes: Vec::new(),
            assumed: false,
            algorithm: None,
            refused: None,
        }
    }

    /// One lock on `table`.
    pub fn locking(table: &QualifiedName, level: LockLevel, span: LockSpan) -> Effect {
        let mut e = Effect::none();
        e.lock(table, level, span);
        e
    }

    /// Adds a lock (merged with an existing lock on the same table: the stronger level, the
    /// longer span).
    pub fn lock(&mut self, table: &QualifiedName, level: LockLevel, span: LockSpan) {
        self.add_lock(TableLock::new(table, level, span));
    }

    fn add_lock(&mut self, l: TableLock) {
        if let Some(have) = self.locks.iter_mut().find(|h| h.table == l.table) {
            if l.level > have.level {
                have.level = l.level;
            }
            have.blocks = Blocks {
                reads: have.blocks.reads || l.blocks.reads,
                writes: have.blocks.writes || l.blocks.writes,
            };
            if l.span == LockSpan::Statement {
                have.span = LockSpan::Statement;
            }
        } else {
            self.locks.push(l);
        }
    }

    pub fn note(&mut self, text: impl Into<String>) -> &mut Effect {
        self.notes.push(text.into());
        self
    }

    /// A fact had to be assumed: say which.
    pub fn assume(&mut self, text: impl Into<String>) -> &mut Effect {
        self.assumed = true;
        self.notes.push(text.into());
        self
    }

    /// The effect of several actions run as one step: every lock (per table the strongest level
    /// and the longer span), strongest first; any rewrite, scan, failure, loss or assumption;
    /// transactional only when all are.
    pub fn merge(effects: impl IntoIterator<Item = Effect>) -> Effect {
        let mut out = Effect::none();
        for e in effects {
            for l in e.locks {
                out.add_lock(l);
            }
            out.rewrites |= e.rewrites;
            out.scans |= e.scans;
            out.transactional &= e.transactional;
            out.can_fail_on_data |= e.can_fail_on_data;
            out.loses_data |= e.loses_data;
            out.assumed |= e.assumed;
            for n in e.notes {
                if !out.notes.contains(&n) {
                    out.notes.push(n);
                }
            }
            // The least online algorithm decides how the step behaves.
            out.algorithm = match (out.algorithm, e.algorithm) {
                (Some(a), Some(b)) => Some(least_online(a, b)),
                (a, b) => a.or(b),
            };
            if out.refused.is_none() {
                out.refused = e.refused;
            }
        }
        out.locks.sort_by(|a, b| {
            (b.span == LockSpan::Statement)
                .cmp(&(a.span == LockSpan::Statement))
                .then(b.level.cmp(&a.level))
        });
        out
    }

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

fn least_online(a: MysqlAlgorithm, b: MysqlAlgorithm) -> MysqlAlgorithm {
    let rank = |x: MysqlAlgorithm| match x {
        MysqlAlgorithm::Copy => 0,
        MysqlAlgorithm::Inplace | MysqlAlgorithm::Default => 1,
        MysqlAlgorithm::Nocopy => 2,
        MysqlAlgorithm::Instant => 3,
    };
    if rank(a) <= rank(b) { a } else { b }
}

/// The effect of `action` on `target`. An `ALGORITHM=`/`LOCK=` clause of a MySQL ALTER TABLE
/// (other than on `CreateIndex`, which carries its own) is passed with [`effect_with_clauses`].
pub fn effect(target: &Target, action: &Action) -> Effect {
    effect_with_clauses(
        target,
        action,
        MysqlAlgorithm::Default,
        MysqlLockClause::Default,
    )
}

/// [`effect`] with the `ALGORITHM=` and `LOCK=` clauses of a MySQL/MariaDB ALTER TABLE
/// (ignored elsewhere). A `CreateIndex` action's own clauses win over these when not `Default`.
pub fn effect_with_clauses(
    target: &Target,
    action: &Action,
    algorithm: MysqlAlgorithm,
    lock: MysqlLockClause,
) -> Effect {
    match target.flavor {
        Flavor::Postgres => postgres::effect(target, action),
        Flavor::Mysql | Flavor::Mariadb => mysql::effect(target, action, algorithm, lock),
        Flavor::Sqlite => sqlite::effect(target, action),
    }
}

/// What nothing is known about: an exclusive lock held for the statement, never silently safe.
pub(crate) fn unknown(action: &Action, level: LockLevel, why: &str) -> Effect {
    let mut e = Effect::none();
    if let Some(t) = action.table() {
        e.lock(t, level, LockSpan::Statement);
    }
    e.assume(format!("{why}: the worst is assumed"));
    e
}
