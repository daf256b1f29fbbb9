//! MySQL 8.0 and MariaDB 10.11 (InnoDB): ddl-behavior.md section B (B.1 algorithms and
//! `LOCK=`, B.2 the operation table, B.3 INSTANT limits, B.4 MariaDB differences) and E.2.
//!
//! Every operation is described by what the server supports (INSTANT, INPLACE with or without a
//! rebuild, concurrent DML); the algorithm and lock then follow B.1's rules for the flavor and
//! the statement's `ALGORITHM=`/`LOCK=` clauses, including the refusals.

use super::{Effect, LockLevel, LockSpan, unknown};
use crate::{Action, DefaultKind, Flavor, MysqlAlgorithm, MysqlLockClause, Target, Version};
use migrex_model::{BinaryKind, ColumnType, QualifiedName, TextKind};

use LockLevel::{MetadataExclusive, MetadataSharedOnline, MetadataSharedReadOnly};
use LockSpan::{Brief, Statement};

/// What the server can do for one operation (B.2/B.4). COPY is always possible.
#[derive(Debug, Clone, Copy, Default)]
struct Support {
    instant: bool,
    inplace: bool,
    /// INPLACE rebuilds the clustered index (the table is rewritten in place).
    rebuild: bool,
    /// Concurrent DML is allowed during INPLACE.
    dml: bool,
    /// INPLACE only changes metadata (brief).
    metadata_only: bool,
    /// The rows are read (an index build, a validation).
    scans: bool,
}

const INSTANT: Support = Support {
    instant: true,
    inplace: true,
    rebuild: false,
    dml: true,
    metadata_only: true,
    scans: false,
};
const INPLACE_META: Support = Support {
    instant: false,
    inplace: true,
    rebuild: false,
    dml: true,
    metadata_only: true,
    scans: false,
};
const INPLACE_REBUILD: Support = Support {
    instant: false,
    inplace: true,
    rebuild: true,
    dml: true,
    metadata_only: false,
    scans: true,
};
const INPLACE_BUILD: Support = Support {
    instant: false,
    inplace: true,
    rebuild: false,
    dml: true,
    metadata_only: false,
    scans: true,
};
const COPY_ONLY: Support = Support {
    instant: false,
    inplace: false,
    rebuild: false,
    dml: false,
    metadata_only: false,
    scans: true,
};

fn at_least(t: &Target, major: u32, minor: u32, patch: u32) -> bool {
    t.effective_version() >= Version::new(major, minor, patch)
}

fn maria(t: &Target) -> bool {
    t.flavor == Flavor::Mariadb
}

/// Assumed bytes per character of a VARCHAR: utf8mb4, the default character set of MySQL 8.0
/// (and the worst case for the 255-byte length-prefix boundary).
const BYTES_PER_CHAR: u32 = 4;

pub(super) fn effect(
    target: &Target,
    action: &Action,
    algorithm: MysqlAlgorithm,
    lock: MysqlLockClause,
) -> Effect {
    use Action::*;
    let is_maria = maria(target);
    let (table, support, mut e) = match action {
        CreateTable { .. } => {
            let mut e = ddl();
            e.note("a new table: nobody else uses it yet");
            return e;
        }
        ReadRows { .. } => {
            let mut e = Effect::none();
            e.scans = true;
            e.note("a consistent read (InnoDB): blocks no writer, no implicit commit");
            return e;
        }
        CreateView { .. } | ReplaceView { .. } | DropView { .. } | CatalogOnly { .. } => {
            let mut e = ddl();
            e.note("catalog only, no table lock; implicit commit (B.1)");
            return e;
        }
        DropTable { table } | TruncateTable { table } => {
            let mut e = ddl();
            e.lock(table, MetadataExclusive, Brief);
            e.loses_data = true;
            e.note("exclusive metadata lock, waits for every open transaction on the table (B.1)");
            return e;
        }
        RenameTable { from, .. } => (from, INSTANT, {
            let mut e = Effect::none();
            e.note("RENAME TABLE is instant (a brief exclusive metadata lock), but running clients still use the old name (B.2)");
            e
        }),
        AddColumn {
            table,
            default,
            stored_generated,
            identity,
            positioned,
            inline_constraint,
            ..
        } => {
            let mut e = Effect::none();
            let s = if *stored_generated {
                e.note("a STORED generated column is computed into every row: COPY, writes blocked (B.2)");
                COPY_ONLY
            } else if *identity {
                e.note(
                    "an AUTO_INCREMENT column: rebuilt without concurrent DML, not instant (B.2)",
                );
                Support {
                    dml: false,
                    ..INPLACE_REBUILD
                }
            } else if *inline_constraint {
                e.assume("an inline key or reference on the new column cannot be instant: an in-place rebuild is assumed (B.3)");
                INPLACE_REBUILD
            } else if matches!(default, DefaultKind::Volatile | DefaultKind::Unknown) {
                e.assume("an expression default evaluated per row is assumed not instant: in-place rebuild (B.3)");
                INPLACE_REBUILD
            } else if is_maria {
                e.note("MariaDB 10.4+: ADD COLUMN is instant in any position, unless the table has a FULLTEXT index (B.4)");
                INSTANT
            } else if !at_least(target, 8, 0, 12) {
                e.note("before MySQL 8.0.12 ADD COLUMN is not instant (B.1)");
                INPLACE_REBUILD
            } else if *positioned && !at_least(target, 8, 0, 29) {
                e.note("before MySQL 8.0.29 an instant column can only be added last; FIRST/AFTER rebuilds (B.3)");
                INPLACE_REBUILD
            } else {
                e.note("instant since MySQL 8.0.12 (any position since 8.0.29); not for ROW_FORMAT=COMPRESSED or FULLTEXT tables, at most 64 row versions (TOTAL_ROW_VERSIONS) (B.3)");
                INSTANT
            };
            if !is_maria && s.instant && instant_column_bug(target) {
                e.note("MySQL 8.0.29–8.0.31: avoid INSTANT ADD/DROP COLUMN (crash-recovery corruption, XtraBackup); use ALGORITHM=INPLACE (B.3)");
            }
            (table, s, e)
        }
        DropColumn { table, .. } => {
            let mut e = Effect::none();
            e.loses_data = true;
            let s = if is_maria {
                e.note("MariaDB 10.4+: DROP COLUMN is instant (B.4), but not when the column is part of an index (checked on 10.11)");
                INSTANT
            } else if at_least(target, 8, 0, 29) {
                e.note("MySQL 8.0.29+: DROP COLUMN is instant (B.2)");
                INSTANT
            } else {
                e.note("before MySQL 8.0.29 DROP COLUMN rebuilds the table in place (B.2)");
                INPLACE_REBUILD
            };
            if !is_maria && s.instant && instant_column_bug(target) {
                e.note("MySQL 8.0.29–8.0.31: avoid INSTANT ADD/DROP COLUMN; use ALGORITHM=INPLACE (B.3)");
            }
            (table, s, e)
        }
        RenameColumn { table, .. } => {
            let mut e = Effect::none();
            e.note("running clients still use the old name");
            let s = if is_maria || at_least(target, 8, 0, 28) {
                e.note("instant when only the name changes (MySQL 8.0.28+, MariaDB: B.2, B.4); not instant when another table's foreign key references the column");
                INSTANT
            } else {
                INPLACE_META
            };
            (table, s, e)
        }
        AlterColumnType {
            table, from, to, ..
        } => {
            let (s, e) = alter_type(target, from.as_ref(), to);
            (table, s, e)
        }
        SetNotNull { table, .. } => {
            let mut e = Effect::none();
            e.can_fail_on_data = true;
            e.note("NULL to NOT NULL: an in-place rebuild, fails on NULLs; needs a strict sql_mode (B.2, B.4)");
            (table, INPLACE_REBUILD, e)
        }
        DropNotNull { table, .. } => {
            let mut e = Effect::none();
            e.note(if is_maria {
                "NOT NULL to NULL: an in-place rebuild (instant only with ROW_FORMAT=REDUNDANT) (B.4)"
            } else {
                "NOT NULL to NULL: an in-place rebuild (B.2)"
            });
            (table, INPLACE_REBUILD, e)
        }
        SetDefault { table, .. } | DropDefault { table, .. } => {
            let mut e = Effect::none();
            e.note("a column default is metadata only: instant (B.2)");
            (table, INSTANT, e)
        }
        AddPrimaryKey { table, .. } => {
            let mut e = Effect::none();
            e.can_fail_on_data = true;
            e.note("adding a primary key rebuilds the table in place; not in place when columns must first become NOT NULL (B.2)");
            (table, INPLACE_REBUILD, e)
        }
        DropPrimaryKey { table } => {
            let mut e = Effect::none();
            e.note("dropping a primary key without adding one is a COPY: writes wait (B.2)");
            (table, COPY_ONLY, e)
        }
        AddUnique { table, .. } => {
            let mut e = Effect::none();
            e.can_fail_on_data = true;
            e.note(
                "a unique index is built in place with concurrent DML; fails on duplicates (B.2)",
            );
            (table, INPLACE_BUILD, e)
        }
        AddForeignKey {
            table,
            references,
            not_valid,
        } => {
            let mut e = Effect::none();
            e.lock(references, MetadataExclusive, Brief);
            let s = if *not_valid {
                e.note("with foreign_key_checks=0 the foreign key is added in place without checking existing rows (B.2)");
                INPLACE_META
            } else {
                e.can_fail_on_data = true;
                e.note("with foreign_key_checks=1 (the default) ADD FOREIGN KEY is a COPY: writes wait for the whole copy (B.2)");
                COPY_ONLY
            };
            e.note("the referenced table's metadata is locked too (MySQL 8.0 extends metadata locks to tables related by foreign keys)");
            (table, s, e)
        }
        AddCheck { table, .. } => {
            let mut e = Effect::none();
            e.can_fail_on_data = true;
            e.assume("an enforced CHECK is validated against every row: a table copy is assumed; probe with ALGORITHM=INPLACE (B.2)");
            (table, COPY_ONLY, e)
        }
        AddExclusion { .. }
        | RefreshMaterializedView { .. }
        | AddEnumValue { .. }
        | AlterDomainAddConstraint { .. }
        | RowSecurity { .. } => {
            let mut e = ddl();
            e.refused = Some(format!(
                "{} has no such statement",
                if is_maria { "MariaDB" } else { "MySQL" }
            ));
            return e;
        }
        ValidateConstraint { .. } => {
            let mut e = unknown(action, MetadataSharedReadOnly, "validating a constraint");
            e.transactional = false;
            e.scans = true;
            e.can_fail_on_data = true;
            return e;
        }
        DropConstraint {
            table, references, ..
        } => {
            let mut e = Effect::none();
            let s = if references.is_some() {
                e.note("DROP FOREIGN KEY is in place, metadata only (B.2)");
                if is_maria { INSTANT } else { INPLACE_META }
            } else {
                e.note("DROP CHECK / DROP CONSTRAINT is instant (B.2, B.4)");
                INSTANT
            };
            (table, s, e)
        }
        RenameConstraint { table } | RenameIndex { table: Some(table) } => {
            let mut e = Effect::none();
            if is_maria {
                // Checked on MariaDB 10.11: RENAME INDEX accepts ALGORITHM=INSTANT.
                e.note("MariaDB: renaming an index is instant");
                (table, INSTANT, e)
            } else {
                e.note("renaming an index is in place, metadata only (B.2)");
                (table, INPLACE_META, e)
            }
        }
        DropIndex {
            table: Some(table), ..
        } => {
            let mut e = Effect::none();
            e.note("dropping an index is in place, metadata only (B.2)");
            (table, INPLACE_META, e)
        }
        DropIndex { table: None, .. } | RenameIndex { table: None } => {
            let mut e = ddl();
            e.assume("the index's table is not known here; dropping or renaming an index is metadata only (B.2)");
            return e;
        }
        CreateIndex {
            table,
            unique,
            fulltext_or_spatial,
            algorithm: a,
            lock: l,
            ..
        } => {
            let mut e = Effect::none();
            e.can_fail_on_data = *unique;
            let s = if *fulltext_or_spatial {
                e.note("a FULLTEXT or SPATIAL index is built in place without concurrent DML; the first FULLTEXT index rebuilds the table (B.2, B.4)");
                Support {
                    dml: false,
                    ..INPLACE_BUILD
                }
            } else {
                e.note("a secondary index is built in place with concurrent DML; brief exclusive metadata locks at start and end, and replicas lag by the build time (B.2)");
                INPLACE_BUILD
            };
            // The statement's own clauses win over the ones passed in.
            let algorithm = if *a == MysqlAlgorithm::Default {
                algorithm
            } else {
                *a
            };
            let lock = if *l == MysqlLockClause::Default {
                lock
            } else {
                *l
            };
            return resolve(target, table, s, e, algorithm, lock);
        }
        Reindex { table: Some(t), .. } | RebuildTable { table: t } => {
            let mut e = Effect::none();
            e.note("a null rebuild (ALTER TABLE ... FORCE, ENGINE=InnoDB, OPTIMIZE) runs in place with concurrent DML (B.2)");
            (t, INPLACE_REBUILD, e)
        }
        Reindex { table: None, .. } => {
            return unknown(
                action,
                MetadataSharedOnline,
                "a rebuild of an unknown table",
            );
        }
        AlterTableOptions { table, rewrites } => {
            let mut e = Effect::none();
            let s = if *rewrites {
                e.assume("options that change the storage format: CONVERT TO CHARACTER SET is a COPY (ROW_FORMAT/KEY_BLOCK_SIZE an in-place rebuild); COPY is assumed (B.2)");
                COPY_ONLY
            } else if is_maria {
                e.note("MariaDB: COMMENT and AUTO_INCREMENT= are instant (B.4)");
                INSTANT
            } else {
                e.note("table options like COMMENT and AUTO_INCREMENT are metadata only (B.2)");
                INPLACE_META
            };
            (table, s, e)
        }
        CreateTrigger { table } | DropTrigger { table } => {
            let mut e = ddl();
            e.lock(table, MetadataExclusive, Brief);
            e.note("an exclusive metadata lock on the table, brief");
            return e;
        }
        AttachPartition { parent, .. }
        | DetachPartition { parent, .. }
        | CreatePartition { parent, .. } => {
            let mut e = ddl();
            e.lock(parent, MetadataExclusive, Brief);
            e.assume("partition maintenance takes an exclusive metadata lock on the table");
            return e;
        }
        UpdateRows { table, bounded } | DeleteRows { table, bounded } => {
            let mut e = Effect::locking(table, MetadataSharedOnline, Statement);
            e.loses_data = matches!(action, DeleteRows { .. });
            if !*bounded {
                e.note("row locks on every row written in one statement; batch it by primary-key ranges at READ COMMITTED (D.2)");
            }
            return e;
        }
        InsertRows { table } => {
            return Effect::locking(table, MetadataSharedOnline, Statement);
        }
        LockTable { table, mode } => {
            let write = mode.to_ascii_uppercase().contains("WRITE");
            let mut e = Effect::locking(
                table,
                if write {
                    MetadataExclusive
                } else {
                    MetadataSharedReadOnly
                },
                Statement,
            );
            e.note("LOCK TABLES holds until UNLOCK TABLES");
            return e;
        }
        Maintenance { table, what } => {
            if let Some(t) = table
                && what.to_ascii_lowercase().contains("optimize")
            {
                let mut e = Effect::none();
                e.note("OPTIMIZE TABLE rebuilds the table in place (B.2)");
                return resolve(target, t, INPLACE_REBUILD, e, algorithm, lock);
            }
            let mut e = ddl();
            if let Some(t) = table {
                e.lock(t, MetadataSharedOnline, Statement);
            }
            e.scans = true;
            e.note("ANALYZE TABLE samples the table without blocking DML");
            return e;
        }
        Other { what } => {
            let mut e = unknown(action, MetadataExclusive, what);
            e.transactional = false;
            return e;
        }
    };
    e.transactional = false;
    resolve(target, table, support, e, algorithm, lock)
}

/// A DDL statement with no table work: not transactional (implicit commit, B.1).
fn ddl() -> Effect {
    let mut e = Effect::none();
    e.transactional = false;
    e
}

fn instant_column_bug(t: &Target) -> bool {
    at_least(t, 8, 0, 29) && !at_least(t, 8, 0, 32)
}

/// B.1: the algorithm the server uses and the lock it holds, or the refusal.
fn resolve(
    target: &Target,
    table: &QualifiedName,
    s: Support,
    mut e: Effect,
    algorithm: MysqlAlgorithm,
    lock: MysqlLockClause,
) -> Effect {
    use MysqlAlgorithm as A;
    let is_maria = maria(target);
    let server = if is_maria { "MariaDB" } else { "MySQL" };
    e.transactional = false;
    let nocopy = s.inplace && !s.rebuild;
    let best = if s.instant {
        A::Instant
    } else if is_maria && nocopy {
        A::Nocopy
    } else if s.inplace {
        A::Inplace
    } else {
        A::Copy
    };
    let refuse = |e: &mut Effect, why: String| {
        if e.refused.is_none() {
            e.refused = Some(why);
        }
    };
    let chosen = match algorithm {
        A::Default => best,
        A::Copy => A::Copy,
        A::Instant if s.instant => A::Instant,
        A::Nocopy if !is_maria => {
            refuse(&mut e, "MySQL has no ALGORITHM=NOCOPY".into());
            best
        }
        // MariaDB: the named algorithm is the least efficient one accepted (B.1).
        A::Nocopy if s.instant || nocopy => best,
        A::Inplace if is_maria && s.inplace => best,
        // MySQL uses exactly the algorithm named.
        A::Inplace if s.inplace => A::Inplace,
        named => {
            refuse(
                &mut e,
                format!(
                    "{server} refuses ALGORITHM={}: this operation needs {} (B.2)",
                    algo_name(named),
                    algo_name(best)
                ),
            );
            best
        }
    };
    e.algorithm = Some(chosen);
    // What the table allows while the statement runs.
    let (mut level, mut span) = match chosen {
        A::Instant => (MetadataExclusive, Brief),
        A::Inplace | A::Nocopy | A::Default if s.metadata_only => (MetadataExclusive, Brief),
        A::Inplace | A::Nocopy | A::Default if s.dml => (MetadataSharedOnline, Statement),
        A::Inplace | A::Nocopy | A::Default => (MetadataSharedReadOnly, Statement),
        A::Copy => (MetadataSharedReadOnly, Statement),
    };
    let allows_dml = match chosen {
        A::Instant => true,
        A::Copy => false,
        _ => s.dml,
    };
    match lock {
        MysqlLockClause::Default => {}
        _ if chosen == A::Instant && !is_maria => refuse(
            &mut e,
            "MySQL accepts ALGORITHM=INSTANT only with LOCK=DEFAULT (B.1)".into(),
        ),
        MysqlLockClause::None => {
            if !allows_dml {
                refuse(
                    &mut e,
                    format!(
                        "{server} refuses LOCK=NONE: {} blocks concurrent writes (B.1{})",
                        algo_name(chosen),
                        if is_maria {
                            "; online COPY arrives only in MariaDB 11.4, B.4"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
        MysqlLockClause::Shared => {
            if level == MetadataSharedOnline {
                level = MetadataSharedReadOnly;
            }
            if span == Brief && chosen != A::Instant {
                span = Statement;
            }
        }
        MysqlLockClause::Exclusive => {
            level = MetadataExclusive;
            span = Statement;
        }
    }
    e.lock(table, level, span);
    match chosen {
        A::Copy => {
            e.rewrites = true;
            e.scans = true;
            e.note("COPY: the table is copied row by row; writes wait for the whole copy, reads continue (B.1)");
        }
        A::Inplace | A::Nocopy | A::Default if s.rebuild => {
            e.rewrites = true;
            e.scans = true;
        }
        A::Inplace | A::Nocopy | A::Default => e.scans |= s.scans,
        A::Instant => {}
    }
    if span == Statement && level == MetadataSharedOnline {
        e.note("an exclusive metadata lock is taken briefly at the start and the end; set lock_wait_timeout low (B.1)");
    }
    e.note("DDL commits implicitly: it cannot be rolled back (B.1)");
    e
}

fn algo_name(a: MysqlAlgorithm) -> &'static str {
    match a {
        MysqlAlgorithm::Default => "DEFAULT",
        MysqlAlgorithm::Instant => "INSTANT",
        MysqlAlgorithm::Inplace => "INPLACE",
        MysqlAlgorithm::Nocopy => "NOCOPY",
        MysqlAlgorithm::Copy => "COPY",
    }
}

/// Bytes of a VARCHAR/VARBINARY limit, for the length-prefix rule (B.2, B.4).
fn var_bytes(ty: &ColumnType) -> Option<u32> {
    match ty {
        ColumnType::Text {
            kind: TextKind::Varchar,
            max_len: Some(n),
        } => Some(n * BYTES_PER_CHAR),
        ColumnType::Binary {
            kind: BinaryKind::VarBinary,
            max_len: Some(n),
        } => Some(*n),
        _ => None,
    }
}

/// ENUM storage: 1 byte up to 255 members, else 2. SET: one bit per member in 1, 2, 3, 4 or 8 bytes.
fn enum_bytes(n: usize) -> usize {
    if n <= 255 { 1 } else { 2 }
}
fn set_bytes(n: usize) -> usize {
    match n.div_ceil(8) {
        0 | 1 => 1,
        2 => 2,
        3 => 3,
        4 => 4,
        _ => 8,
    }
}

fn alter_type(target: &Target, from: Option<&ColumnType>, to: &ColumnType) -> (Support, Effect) {
    let is_maria = maria(target);
    let mut e = Effect::none();
    let Some(from) = from else {
        e.can_fail_on_data = true;
        e.assume("the column's current type is not known: a table COPY is assumed (B.2)");
        return (COPY_ONLY, e);
    };
    if let (Some(a), Some(b)) = (var_bytes(from), var_bytes(to)) {
        let same_kind = std::mem::discriminant(from) == std::mem::discriminant(to);
        if same_kind && b >= a {
            let same_prefix = (a <= 255) == (b <= 255);
            if is_maria {
                if same_prefix || (a <= 127 && b >= 256) {
                    e.note(format!(
                        "MariaDB: extending a VARCHAR from {a} to {b} bytes (utf8mb4 assumed) is instant (B.4)"
                    ));
                    return (INSTANT, e);
                }
                e.note(format!(
                    "MariaDB: extending a VARCHAR from {a} bytes (128–255) to {b} bytes needs COPY (B.4; utf8mb4 assumed)"
                ));
                return (COPY_ONLY, e);
            }
            if same_prefix {
                e.note(format!(
                    "extending a VARCHAR from {a} to {b} bytes keeps its length prefix: in place, metadata only (B.2; utf8mb4 assumed)"
                ));
                return (INPLACE_META, e);
            }
            e.note(format!(
                "extending a VARCHAR from {a} to {b} bytes crosses the 255-byte length prefix: COPY (B.2; utf8mb4 assumed)"
            ));
            return (COPY_ONLY, e);
        }
        if same_kind {
            e.can_fail_on_data = true;
            e.note(
                "a shorter VARCHAR is a COPY and truncates or fails on longer values (B.2, E.2)",
            );
            return (COPY_ONLY, e);
        }
    }
    match (from, to) {
        (ColumnType::Enum { values: a }, ColumnType::Enum { values: b })
            if b.starts_with(a) && enum_bytes(a.len()) == enum_bytes(b.len()) =>
        {
            e.note(
                "ENUM members appended at the end with the same storage size: instant (B.2, B.4)",
            );
            return (INSTANT, e);
        }
        (ColumnType::Set { values: a }, ColumnType::Set { values: b })
            if b.starts_with(a) && set_bytes(a.len()) == set_bytes(b.len()) =>
        {
            e.note(
                "SET members appended at the end with the same storage size: instant (B.2, B.4)",
            );
            return (INSTANT, e);
        }
        (ColumnType::Enum { values: a }, ColumnType::Enum { values: b })
        | (ColumnType::Set { values: a }, ColumnType::Set { values: b }) => {
            let removed = a.iter().any(|v| !b.contains(v));
            e.can_fail_on_data = removed;
            e.loses_data = removed;
            e.note("ENUM/SET members removed, reordered or inserted in the middle: COPY; a removed value fails or becomes '' (B.2, E.2)");
            return (COPY_ONLY, e);
        }
        _ => {}
    }
    let c = super::postgres::pg_conversion(from, to);
    // The widening rules of E.1 hold for MySQL's conversions too (E.2); only the algorithm differs.
    e.can_fail_on_data = c.can_fail || c.rewrite && narrowing(from, to);
    e.loses_data = c.loses;
    e.note("changing a column's data type is a COPY: writes wait for the whole copy (B.2); in strict sql_mode a bad value fails the ALTER, otherwise it is clamped (E.2)");
    (COPY_ONLY, e)
}

fn narrowing(from: &ColumnType, to: &ColumnType) -> bool {
    match (from, to) {
        (
            ColumnType::Integer {
                bytes: a,
                unsigned: ua,
                ..
            },
            ColumnType::Integer {
                bytes: b,
                unsigned: ub,
                ..
            },
        ) => b < a || ua != ub,
        (
            ColumnType::Timestamp { .. } | ColumnType::DateTime { .. },
            ColumnType::Timestamp { .. },
        ) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        Action, DefaultKind, Flavor, IndexMethod, LockLevel, LockSpan, MysqlAlgorithm,
        MysqlLockClause, Target, Version, effect, effect_with_clauses,
    };
    use migrex_model::{ColumnType, QualifiedName, TextKind};

    fn mysql(patch: u32) -> Target {
        Target::new(Flavor::Mysql, Some(Version::new(8, 0, patch)))
    }
    fn maria() -> Target {
        Target::new(Flavor::Mariadb, Some(Version::new(10, 11, 6)))
    }
    fn t() -> QualifiedName {
        QualifiedName::new("", "users")
    }
    fn add(positioned: bool) -> Action {
        Action::AddColumn {
            table: t(),
            column: "c".into(),
            ty: Some(ColumnType::int(4)),
            not_null: false,
            default: DefaultKind::None,
            stored_generated: false,
            identity: false,
            positioned,
            inline_constraint: false,
        }
    }
    fn varchar(n: u32) -> ColumnType {
        ColumnType::Text {
            kind: TextKind::Varchar,
            max_len: Some(n),
        }
    }
    fn alter(from: ColumnType, to: ColumnType) -> Action {
        Action::AlterColumnType {
            table: t(),
            column: "c".into(),
            from: Some(from),
            to,
            using: false,
            full_redefinition: true,
        }
    }

    #[test]
    fn add_and_drop_column_by_version() {
        let e = effect(&mysql(36), &add(true));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Instant));
        assert_eq!(e.locks[0].span, LockSpan::Brief);
        assert!(!e.rewrites && !e.transactional);
        let e = effect(&mysql(20), &add(true));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Inplace));
        assert!(e.rewrites);
        assert_eq!(e.locks[0].level, LockLevel::MetadataSharedOnline);
        assert_eq!(
            effect(&mysql(20), &add(false)).algorithm,
            Some(MysqlAlgorithm::Instant)
        );
        assert!(
            effect(&mysql(30), &add(false))
                .notes
                .iter()
                .any(|n| n.contains("8.0.29–8.0.31"))
        );
        let drop = Action::DropColumn {
            table: t(),
            column: "c".into(),
        };
        assert_eq!(
            effect(&mysql(28), &drop).algorithm,
            Some(MysqlAlgorithm::Inplace)
        );
        assert_eq!(
            effect(&mysql(29), &drop).algorithm,
            Some(MysqlAlgorithm::Instant)
        );
        assert_eq!(
            effect(&maria(), &drop).algorithm,
            Some(MysqlAlgorithm::Instant)
        );
    }

    #[test]
    fn varchar_length_prefix_rules_differ_by_flavor() {
        // utf8mb4: 4 bytes per character; 63 -> 64 crosses 255 bytes.
        let e = effect(&mysql(36), &alter(varchar(10), varchar(50)));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Inplace));
        assert!(!e.rewrites && !e.blocks_for_the_statement());
        let e = effect(&mysql(36), &alter(varchar(63), varchar(64)));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Copy));
        assert!(e.rewrites && e.locks[0].blocks.writes && !e.locks[0].blocks.reads);
        // MariaDB: old <= 127 bytes to >= 256 is instant; 128–255 to >= 256 is COPY.
        assert_eq!(
            effect(&maria(), &alter(varchar(20), varchar(100))).algorithm,
            Some(MysqlAlgorithm::Instant)
        );
        assert_eq!(
            effect(&maria(), &alter(varchar(40), varchar(100))).algorithm,
            Some(MysqlAlgorithm::Copy)
        );
        let e = effect(&mysql(36), &alter(varchar(50), varchar(10)));
        assert!(e.can_fail_on_data && e.rewrites);
    }

    #[test]
    fn type_change_is_copy_enum_append_is_instant() {
        let e = effect(&mysql(36), &alter(ColumnType::int(4), ColumnType::int(8)));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Copy));
        assert_eq!(e.locks[0].level, LockLevel::MetadataSharedReadOnly);
        let en = |v: &[&str]| ColumnType::Enum {
            values: v.iter().map(|s| s.to_string()).collect(),
        };
        let e = effect(&maria(), &alter(en(&["a", "b"]), en(&["a", "b", "c"])));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Instant));
        let e = effect(&maria(), &alter(en(&["a", "b"]), en(&["b", "a"])));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Copy));
    }

    #[test]
    fn algorithm_and_lock_clauses_accept_or_refuse() {
        let idx = |algorithm, lock, fulltext| Action::CreateIndex {
            table: t(),
            name: None,
            unique: false,
            concurrently: false,
            method: IndexMethod::Btree,
            algorithm,
            lock,
            fulltext_or_spatial: fulltext,
        };
        use MysqlAlgorithm as A;
        use MysqlLockClause as L;
        let e = effect(&mysql(36), &idx(A::Inplace, L::None, false));
        assert!(e.refused.is_none());
        assert_eq!(e.locks[0].level, LockLevel::MetadataSharedOnline);
        assert!(
            effect(&mysql(36), &idx(A::Instant, L::Default, false))
                .refused
                .is_some()
        );
        assert!(
            effect(&maria(), &idx(A::Nocopy, L::None, false))
                .refused
                .is_none()
        );
        assert!(
            effect(&mysql(36), &idx(A::Nocopy, L::Default, false))
                .refused
                .is_some()
        );
        assert!(
            effect(&maria(), &idx(A::Inplace, L::None, true))
                .refused
                .is_some()
        );
        assert!(
            effect(&maria(), &idx(A::Copy, L::None, false))
                .refused
                .is_some()
        );
        // MySQL: INSTANT accepts only LOCK=DEFAULT; MariaDB accepts LOCK=NONE.
        let e = effect_with_clauses(&mysql(36), &add(false), A::Instant, L::None);
        assert!(e.refused.is_some());
        let e = effect_with_clauses(&maria(), &add(false), A::Instant, L::None);
        assert!(e.refused.is_none());
        // A type change cannot be INPLACE.
        let e = effect_with_clauses(
            &maria(),
            &alter(ColumnType::int(4), ColumnType::int(8)),
            A::Inplace,
            L::Default,
        );
        assert!(e.refused.is_some());
        // LOCK=EXCLUSIVE blocks reads for the statement.
        let e = effect(&mysql(36), &idx(A::Default, L::Exclusive, false));
        assert!(e.blocks_for_the_statement() && e.locks[0].blocks.reads);
    }

    #[test]
    fn foreign_keys_copy_unless_checks_off() {
        let fk = |not_valid| Action::AddForeignKey {
            table: t(),
            references: QualifiedName::new("", "accounts"),
            not_valid,
        };
        let e = effect(&mysql(36), &fk(false));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Copy));
        assert!(e.can_fail_on_data);
        let e = effect(&mysql(36), &fk(true));
        assert_eq!(e.algorithm, Some(MysqlAlgorithm::Inplace));
        assert!(!e.blocks_for_the_statement());
        assert_eq!(
            effect(&mysql(36), &Action::DropPrimaryKey { table: t() }).algorithm,
            Some(MysqlAlgorithm::Copy)
        );
    }
}
