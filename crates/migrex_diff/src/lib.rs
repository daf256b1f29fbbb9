//! DIFF and PLAN: two schemas in, the ordered steps that turn one into the other out.
//!
//! Input: two `Schema`s of one dialect and the user's `Renames`. Output: unordered atomic
//! `Change`s (`diff`), an ordered `Plan` for the new schema's dialect (`plan`, `down`), and the
//! model after a plan (`simulate`). Allowed dependencies: model, dialect, petgraph,
//! thiserror (dev: the DDL reader for fixtures, insta). No I/O, no printing.
//!
//! # Diff
//! - Objects are matched by name, as the database compares names: PostgreSQL exactly; MySQL
//!   column, index and constraint names case-insensitively (table names exactly, as with the
//!   default `lower_case_table_names=0` on Linux); SQLite every name case-insensitively. A
//!   case-only difference is a rename (`RenameTable`/`RenameColumn`), since names are stored as
//!   written.
//! - Declared renames (`Renames`, old -> new) become `RenameTable`/`RenameColumn` and the objects
//!   are then compared as one. Foreign keys, view dependencies and sequence owners follow a
//!   rename (the databases do the same); expression text does not, so a check or view that
//!   names a renamed column is recreated. A hint that cannot apply (missing object, target name
//!   still taken, e.g. a swap) is ignored with a note.
//! - Constraints and indexes are matched by name when both sides have one, else by content
//!   (SQLite keeps unnamed constraints unnamed). Same content under another name is
//!   `RenameConstraint` (PostgreSQL) / `RenameIndex` (PostgreSQL, MySQL), else drop + add.
//! - A changed column is one `AlterColumn { from, to }` of whole columns. New columns are
//!   appended; a difference in column order alone is not a change (nothing here reorders
//!   columns in place, and the model's column map compares without order).
//! - Views whose query, columns, kind or check option differ are dropped and created again
//!   (`CREATE OR REPLACE` is a renderer's choice); a comment alone is `SetViewComment`.
//! - A declared rename whose target name is taken in the old schema (or whose objects do not
//!   exist) is ignored with a note starting `rename hint ignored`; callers that prefer an error
//!   can look for it.
//! - Enum values added anywhere are `AddEnumValue` (with `before`); removed or reordered values,
//!   extensions, functions, triggers, policies, partitioning and schema/enum comments are not
//!   planned yet and are reported in `Plan::notes`, as are likely renames (a table or column
//!   dropped and another added with the same definition).
//! - The dialect's default namespace (`public`, or `""`) is never created or dropped.
//!
//! # Plan
//! The global order, each rank after the previous one unless an explicit dependency says
//! otherwise; ties go by namespace, then position in the new schema for creations and in the old
//! schema for drops:
//!  0. create namespaces
//!  1. create enums, add enum values, create sequences (without `OWNED BY`), alter sequences
//!  2. renames: tables, columns, then indexes and constraints
//!  3. drop foreign keys, (MySQL) `AUTO_INCREMENT` off, checks, uniques, indexes, primary keys
//!     (dropped or recreated), and release sequences from owners about to go
//!  4. drop views that change or read a table whose columns change shape
//!  5. per table: options, add columns, alter columns, drop columns, SQLite rebuild, comment
//!  6. create tables, in foreign key order (a table after the tables it references)
//!  7. add primary keys, uniques, indexes, (MySQL) `AUTO_INCREMENT` back on, checks, then
//!     foreign keys (including those cut from cycles); own sequences; MySQL index drops that a
//!     remaining foreign key needed
//!  8. create views (after the tables and views they read), set view comments
//!  9. drop tables (a table before the tables it references)
//! 10. drop sequences, then enums
//! 11. drop namespaces
//!
//! Dialect handling (`to.dialect`):
//! - Foreign key cycles (PostgreSQL, MySQL): tables are created without the foreign keys inside
//!   the cycle, which follow as `AddForeignKey`; a self-reference stays inline. Tables dropped
//!   together lose the foreign keys between them first. SQLite keeps cycles inline (it checks no
//!   foreign key in DDL).
//! - SQLite: a table change ALTER TABLE cannot make (anything but rename, add column, drop
//!   column and index DDL, each within SQLite's restrictions) collapses all of that table's
//!   changes into one `RebuildTable { from, to }` (`from` after renames), which recreates the
//!   indexes too. The rebuild runs outside a transaction (`transactional: false`): it must turn
//!   foreign key enforcement off first.
//! - SQLite: a case-only table rename goes through a temporary name (`t__migrex_tmp`), as
//!   SQLite refuses `ALTER TABLE Users RENAME TO users`.
//! - MySQL: every step is `transactional: false` (DDL commits implicitly); foreign keys on a
//!   column whose type changes are dropped before and added back after; an index a remaining
//!   foreign key needs is dropped only after the new indexes exist; an `AUTO_INCREMENT` column
//!   stays keyed at every moment (`AUTO_INCREMENT` comes off before its key is dropped and goes
//!   on after its new key exists).
//! - PostgreSQL: every step is transactional except `AddEnumValue`.
//! - PostgreSQL and MySQL: foreign keys that point at a key, unique index or column being
//!   dropped are dropped first (and added back after when they stay). A generated column whose
//!   expression or kind changes, or a plain column that becomes generated, is dropped and added
//!   again with its indexes and constraints (PostgreSQL keeps a generated column that becomes
//!   plain as an `AlterColumn`: `DROP EXPRESSION` keeps its values).
//! - Views reading a table whose column types change, whose columns are dropped or which is
//!   rebuilt are dropped first and created again (PostgreSQL refuses the change otherwise).
//!
//! Each step's `depends_on` lists the steps it needs; step ids are positions in `Plan::steps`.
//! Drops of tables, columns, sequences, enums, namespaces and views are `Phase::Contract`, the
//! rest `Phase::Expand`.
//!
//! # Simulate
//! `simulate(from, &plan(from, to, r))` equals `to` up to the order of each table's
//! constraint and index lists (a step appends what it adds), an empty default namespace and an
//! all-default `TableOptions` spelled `None`: compare with [`canonical`]. The simulator refuses
//! what the databases refuse (see `simulate.rs`), so it checks a plan's order as well.

mod diff;
mod names;
mod online;
mod plan;
mod simulate;

use migrex_model::{Change, Plan, RenameCandidate, Renames, Schema, TableOptions};

pub use online::{OnlineOptions, online, pg_rewrites};
pub use simulate::SimulateError;

/// The atomic changes from `from` to `to`, unordered, with `renames` (old -> new) honoured.
pub fn diff(from: &Schema, to: &Schema, renames: &Renames) -> Vec<Change> {
    diff::compute(from, to, renames).changes
}

/// The likely renames from `from` to `to` with `renames` applied: tables dropped and created
/// with the same columns (or the same column definitions in order, half of them under the same
/// names) and columns dropped and added in one table with the same definition
/// (to be confirmed by the user: `RenameKind::asks`), then indexes and constraints with the same
/// definition under a new name (renamed by the differ without asking). Every pairing is listed;
/// confirm one into `renames` and call again, as a confirmed table rename changes which columns
/// compare.
pub fn rename_candidates(from: &Schema, to: &Schema, renames: &Renames) -> Vec<RenameCandidate> {
    diff::rename::candidates_between(from, to, renames)
}

/// The plan note for a likely table or column rename (in `-- @renamed` hint terms), so a caller
/// that reports the candidate its own way can leave the note out.
pub fn rename_candidate_note(c: &RenameCandidate) -> String {
    diff::rename::candidate_note(c)
}

/// The ordered migration from `from` to `to` for `to.dialect`.
pub fn plan(from: &Schema, to: &Schema, renames: &Renames) -> Plan {
    plan::build(from, to, renames)
}

/// The reverse migration: `plan(to, from, renames.reversed())` (a rename goes back).
pub fn down(from: &Schema, to: &Schema, renames: &Renames) -> Plan {
    plan::build(to, from, &renames.reversed())
}

/// Applies every step of `plan` to a copy of `schema`.
pub fn simulate(schema: &Schema, plan: &Plan) -> Result<Schema, SimulateError> {
    simulate::run(schema, plan)
}

/// The schema in a form where the order of per-table constraint and index lists does not
/// matter, empty default namespaces are absent and all-default table options are `None`.
/// `canonical(simulate(from, plan(from, to))) == canonical(to)`.
pub fn canonical(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    let default_ns = s.dialect.default_namespace();
    s.namespaces
        .retain(|name, ns| !(name == default_ns && ns.is_empty() && ns.comment.is_none()));
    for ns in s.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            if t.options.is_default() {
                t.options = TableOptions::None;
            }
            t.uniques
                .sort_by_cached_key(|u| format!("{:?}", (&u.name, u)));
            t.foreign_keys
                .sort_by_cached_key(|f| format!("{:?}", (&f.name, f)));
            t.checks
                .sort_by_cached_key(|c| (c.name.clone(), c.expr.key.clone(), c.no_inherit));
            t.indexes
                .sort_by_cached_key(|i| (i.name.clone(), format!("{i:?}")));
            t.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
    s
}
