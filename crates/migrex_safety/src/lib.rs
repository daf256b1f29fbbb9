//! What a schema change does to a running database, per dialect and server version.
//!
//! Two producers share one vocabulary: the planner's steps (`Change`s, which know the schema on
//! both sides) and the linter's statements (SQL written by hand, which may not). Both are
//! lowered to [`Action`]s: one DDL or data operation as the server executes it, with what is
//! known about it (an unknown field is `None`, and the analysis then assumes the worse case and
//! says so). [`effect`] turns an action on a [`Target`] (dialect, flavor, version) into an
//! [`Effect`]: the locks taken and on which tables, what they block, whether the table is
//! rewritten or scanned under the lock, and whether the statement can run in a transaction.
//! The facts come from ../shared/docs/ddl-behavior.md (each rule cites its section).

mod action;
mod analyze;
mod effect;
mod from_change;
mod severity;
mod target;
mod verify_query;

pub use action::{Action, DefaultKind, IndexMethod, MysqlAlgorithm, MysqlLockClause};
pub use analyze::{Assumptions, Reason, StepSafety, TableSize, TableStats, analyze, analyze_with};
pub use effect::{Blocks, Effect, LockLevel, LockSpan, TableLock, effect, effect_with_clauses};
pub use from_change::{actions_of, create_index, default_kind};
pub use severity::Severity;
pub use target::{Flavor, Target, Version};
pub use verify_query::verification_query;
