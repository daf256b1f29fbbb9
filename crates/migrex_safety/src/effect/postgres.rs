//! PostgreSQL 12–17: ddl-behavior.md section A (lock per operation A.1/A.2, rewrite-free type
//! changes A.3, statements outside a transaction A.4, version notes A.7) and E.1.

use super::{Effect, LockLevel, LockSpan, unknown};
use crate::{Action, DefaultKind, Target};
use migrex_model::{ColumnType, TextKind};

use LockLevel::{
    AccessExclusive as AE, AccessShare, Exclusive, RowExclusive, RowShare, Share,
    ShareRowExclusive as SRE, ShareUpdateExclusive as SUE,
};
use LockSpan::{Brief, Statement};

pub(super) fn effect(target: &Target, action: &Action) -> Effect {
    use Action::*;
    match action {
        CreateTable { .. } => {
            let mut e = Effect::none();
            e.note("a new table: nobody else uses it yet");
            e
        }
        DropTable { table } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.loses_data = true;
            e.note("ACCESS EXCLUSIVE, catalog only; a table with foreign keys also takes ACCESS EXCLUSIVE on each referenced table (A.2: trigger removal)");
            e
        }
        RenameTable { from, .. } => {
            let mut e = Effect::locking(from, AE, Brief);
            e.note("catalog only, but running clients still use the old name (A.2)");
            e
        }
        TruncateTable { table } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.loses_data = true;
            e.note("TRUNCATE takes ACCESS EXCLUSIVE and replaces the table's files (A.2)");
            e
        }
        AddColumn {
            table,
            ty,
            not_null,
            default,
            stored_generated,
            identity,
            inline_constraint,
            ..
        } => add_column(
            table,
            ty.as_ref(),
            *not_null,
            *default,
            *stored_generated,
            *identity,
            *inline_constraint,
        ),
        DropColumn { table, .. } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.loses_data = true;
            e.note("catalog only: the column is hidden, its space comes back as rows are rewritten later; its indexes and constraints are dropped too (A.2)");
            e
        }
        RenameColumn { table, .. } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.note("catalog only, but running clients still use the old name (A.2)");
            e
        }
        AlterColumnType {
            table,
            from,
            to,
            using,
            ..
        } => alter_type(target, table, from.as_ref(), to, *using),
        SetNotNull {
            table,
            proven_by_check,
            ..
        } => {
            if *proven_by_check {
                let mut e = Effect::locking(table, AE, Brief);
                e.note("PostgreSQL 12+: a validated CHECK (col IS NOT NULL) proves it, no scan (A.2, A.5)");
                e
            } else {
                let mut e = Effect::locking(table, AE, Statement);
                e.scans = true;
                e.can_fail_on_data = true;
                e.note("scans the whole table under ACCESS EXCLUSIVE to check for NULLs; fails if one exists. Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (A.5)");
                e
            }
        }
        DropNotNull { table, .. } | DropDefault { table, .. } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.note("catalog only (A.2)");
            e
        }
        SetDefault { table, .. } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.note("catalog only: affects future rows, existing rows keep their values (A.2)");
            e
        }
        AddPrimaryKey { table, using_index }
        | AddUnique {
            table, using_index, ..
        } => {
            let what = if matches!(action, AddPrimaryKey { .. }) {
                "primary key"
            } else {
                "unique constraint"
            };
            if *using_index {
                let mut e = Effect::locking(table, AE, Brief);
                e.note(format!("{what} USING INDEX: the index built beforehand becomes the constraint, catalog only (A.2, A.5)"));
                if matches!(action, AddPrimaryKey { .. }) {
                    e.assume("the key columns are assumed NOT NULL already; otherwise PostgreSQL sets NOT NULL and scans (A.2)");
                }
                e
            } else {
                let mut e = Effect::locking(table, AE, Statement);
                e.scans = true;
                e.can_fail_on_data = true;
                e.note(format!("builds the {what}'s index under ACCESS EXCLUSIVE (reads and writes wait); fails on duplicates. Build a unique index CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX (A.5)"));
                e
            }
        }
        DropPrimaryKey { table } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.note("catalog only; its index is dropped (A.2)");
            e
        }
        AddForeignKey {
            table,
            references,
            not_valid,
        } => {
            if *not_valid {
                let mut e = Effect::locking(table, SRE, Brief);
                e.lock(references, SRE, Brief);
                e.note("NOT VALID: SHARE ROW EXCLUSIVE on both tables, no scan; new writes are checked from commit; VALIDATE in a separate transaction (A.2, A.5). PostgreSQL 12–17 refuse NOT VALID when the referencing table is partitioned");
                e
            } else {
                let mut e = Effect::locking(table, SRE, Statement);
                e.lock(references, SRE, Statement);
                e.scans = true;
                e.can_fail_on_data = true;
                e.note("SHARE ROW EXCLUSIVE on both tables (writes wait) while every row is checked; add it NOT VALID, then VALIDATE CONSTRAINT (A.2, A.5)");
                e
            }
        }
        AddCheck {
            table, not_valid, ..
        } => {
            if *not_valid {
                let mut e = Effect::locking(table, AE, Brief);
                e.note("NOT VALID: catalog only, new writes are checked; VALIDATE later takes only SHARE UPDATE EXCLUSIVE (A.2)");
                e
            } else {
                let mut e = Effect::locking(table, AE, Statement);
                e.scans = true;
                e.can_fail_on_data = true;
                e.note("scans every row under ACCESS EXCLUSIVE; add it NOT VALID, then VALIDATE CONSTRAINT (A.2)");
                e
            }
        }
        AddExclusion { table } => {
            let mut e = Effect::locking(table, AE, Statement);
            e.scans = true;
            e.can_fail_on_data = true;
            e.note("builds its index under ACCESS EXCLUSIVE; there is no USING INDEX path (A.2)");
            e
        }
        ValidateConstraint {
            table, references, ..
        } => {
            let mut e = Effect::locking(table, SUE, Statement);
            if let Some(r) = references {
                e.lock(r, RowShare, Statement);
            }
            e.scans = true;
            e.can_fail_on_data = true;
            e.note("SHARE UPDATE EXCLUSIVE (reads and writes continue) while it scans; run it in its own transaction (A.2)");
            e
        }
        DropConstraint {
            table, references, ..
        } => {
            let mut e = Effect::locking(table, AE, Brief);
            if let Some(r) = references {
                e.lock(r, AE, Brief);
                e.note("dropping a foreign key also takes ACCESS EXCLUSIVE on the referenced table (A.2)");
            } else {
                e.note("catalog only (A.2); a foreign key would also lock the referenced table");
            }
            e
        }
        RenameConstraint { table } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.note("catalog only (A.1: most ALTER TABLE forms take ACCESS EXCLUSIVE)");
            e
        }
        CreateIndex {
            table,
            unique,
            concurrently,
            ..
        } => {
            let mut e = if *concurrently {
                let mut e = Effect::locking(table, SUE, Statement);
                e.transactional = false;
                e.note("CONCURRENTLY: SHARE UPDATE EXCLUSIVE, reads and writes continue; two scans; cannot run in a transaction block; a failure leaves an INVALID index to drop (A.2)");
                if target.at_least(14, 0) && !target.at_least(14, 4) {
                    e.note("PostgreSQL 14.0–14.3 can build corrupt indexes CONCURRENTLY: upgrade to 14.4+ (A.2, A.7)");
                }
                e
            } else {
                let mut e = Effect::locking(table, Share, Statement);
                e.note("SHARE lock: writes wait for the whole build (reads continue); use CREATE INDEX CONCURRENTLY (A.2)");
                e
            };
            e.scans = true;
            e.can_fail_on_data = *unique;
            e
        }
        DropIndex {
            table,
            concurrently,
            ..
        } => {
            let (level, note) = if *concurrently {
                (
                    SUE,
                    "CONCURRENTLY: waits for transactions using the table instead of blocking them; cannot run in a transaction block (A.2)",
                )
            } else {
                (
                    AE,
                    "ACCESS EXCLUSIVE on the table, catalog only; DROP INDEX CONCURRENTLY avoids it (A.2)",
                )
            };
            let mut e = Effect::none();
            match table {
                Some(t) => e.lock(t, level, Brief),
                None => {
                    e.assume("the index's table is not known here");
                }
            }
            e.transactional = !*concurrently;
            e.note(note);
            e
        }
        RenameIndex { .. } => {
            let mut e = Effect::none();
            e.note("ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE on the index only (PostgreSQL 12+), not on its table; catalog only");
            e
        }
        Reindex {
            table,
            concurrently,
        } => {
            let mut e = Effect::none();
            if let Some(t) = table {
                e.lock(t, if *concurrently { SUE } else { Share }, Statement);
            } else {
                e.assume("the reindexed table is not known here");
            }
            e.scans = true;
            if *concurrently {
                e.transactional = false;
                e.note("REINDEX CONCURRENTLY (PostgreSQL 12+): SHARE UPDATE EXCLUSIVE, cannot run in a transaction block; a failure leaves a _ccnew index (A.2)");
                if target.at_least(14, 0) && !target.at_least(14, 4) {
                    e.note("PostgreSQL 14.0–14.3 can build corrupt indexes CONCURRENTLY: upgrade to 14.4+ (A.7)");
                }
            } else {
                e.note("SHARE on the table (writes wait) and ACCESS EXCLUSIVE on each index rebuilt (reads using it wait) (A.2)");
            }
            e
        }
        CreateView { name, materialized } => {
            let mut e = Effect::none();
            if *materialized {
                e.scans = true;
                e.note(format!(
                    "materialized view {name} is filled by running its query (ACCESS SHARE on the tables it reads)"
                ));
            } else {
                e.note("catalog only");
            }
            e
        }
        ReplaceView { name } => {
            let mut e = Effect::locking(name, AE, Brief);
            e.note("CREATE OR REPLACE VIEW takes ACCESS EXCLUSIVE on the view, catalog only");
            e
        }
        DropView { name, .. } => {
            let mut e = Effect::locking(name, AE, Brief);
            e.note("ACCESS EXCLUSIVE on the view, catalog only");
            e
        }
        RefreshMaterializedView { name, concurrently } => {
            let mut e = if *concurrently {
                let mut e = Effect::locking(name, Exclusive, Statement);
                e.note("REFRESH ... CONCURRENTLY: EXCLUSIVE, reads of the view continue (A.1)");
                e
            } else {
                let mut e = Effect::locking(name, AE, Statement);
                e.note(
                    "REFRESH takes ACCESS EXCLUSIVE: reads of the view wait for the refresh (A.1)",
                );
                e
            };
            e.scans = true;
            e
        }
        ReadRows { .. } => {
            let mut e = Effect::none();
            e.scans = true;
            e.note("reads rows under MVCC: blocks no writer");
            e
        }
        CatalogOnly { what } => {
            let mut e = Effect::none();
            e.note(format!("{what}: catalog only, no table lock"));
            e
        }
        AddEnumValue { .. } => {
            let mut e = Effect::none();
            if target.at_least(12, 0) {
                e.note("PostgreSQL 12+: may run in a transaction, but the new label cannot be used until it commits (A.2)");
            } else {
                e.transactional = false;
                e.note("before PostgreSQL 12 ALTER TYPE ... ADD VALUE cannot run in a transaction block (A.2)");
            }
            e
        }
        AlterDomainAddConstraint { name, not_valid } => {
            let mut e = Effect::none();
            if *not_valid {
                e.note(format!(
                    "NOT VALID: {name}'s existing values are not checked"
                ));
            } else {
                e.scans = true;
                e.can_fail_on_data = true;
                e.assume(format!(
                    "every column of domain {name} is scanned under a lock on its table; which tables is not known here"
                ));
            }
            e
        }
        CreateTrigger { table } => {
            let mut e = Effect::locking(table, SRE, Brief);
            e.note("SHARE ROW EXCLUSIVE: writes wait briefly, catalog only (A.2)");
            e
        }
        DropTrigger { table } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.note("ACCESS EXCLUSIVE, catalog only (A.2)");
            e
        }
        RowSecurity { table } => {
            let mut e = Effect::locking(table, AE, Brief);
            e.note("policies and row security take ACCESS EXCLUSIVE, catalog only; enabling RLS hides every row from non-owners until a policy allows them (A.2)");
            e
        }
        AttachPartition {
            parent,
            partition,
            proven_by_check,
        } => {
            let mut e = Effect::locking(parent, SUE, Brief);
            if *proven_by_check {
                e.lock(partition, AE, Brief);
                e.note("SHARE UPDATE EXCLUSIVE on the parent (PostgreSQL 12+); a validated CHECK implies the bound, so the partition is not scanned (A.2, A.5)");
            } else {
                e.lock(partition, AE, Statement);
                e.scans = true;
                e.can_fail_on_data = true;
                e.note("SHARE UPDATE EXCLUSIVE on the parent (PostgreSQL 12+); ACCESS EXCLUSIVE on the partition while it is scanned to prove the bound (and on a DEFAULT partition, scanned too). Add a matching CHECK NOT VALID and VALIDATE it first (A.2, A.5)");
            }
            e
        }
        DetachPartition {
            parent,
            partition,
            concurrently,
        } => {
            if *concurrently {
                let mut e = Effect::locking(parent, SUE, Brief);
                e.lock(partition, SUE, Brief);
                e.transactional = false;
                if target.at_least(14, 0) {
                    e.note("DETACH CONCURRENTLY (PostgreSQL 14+): SHARE UPDATE EXCLUSIVE, two internal transactions, cannot run in a transaction block; not with a DEFAULT partition (A.2)");
                } else {
                    e.refused = Some(format!(
                        "DETACH PARTITION ... CONCURRENTLY needs PostgreSQL 14 (target {})",
                        target.effective_version()
                    ));
                    e.note("before PostgreSQL 14 only the plain DETACH exists: ACCESS EXCLUSIVE on parent and partition (A.7)");
                }
                e
            } else {
                let mut e = Effect::locking(parent, AE, Brief);
                e.lock(partition, AE, Brief);
                e.note("ACCESS EXCLUSIVE on the parent and the partition, catalog only; PostgreSQL 14+ has DETACH ... CONCURRENTLY (A.2)");
                e
            }
        }
        CreatePartition { parent, .. } => {
            let mut e = Effect::locking(parent, AE, Brief);
            e.note("CREATE TABLE ... PARTITION OF takes ACCESS EXCLUSIVE on the parent (all its partitions wait briefly); CREATE TABLE then ATTACH PARTITION takes only SHARE UPDATE EXCLUSIVE (A.2)");
            e
        }
        RebuildTable { table } => {
            let mut e = Effect::locking(table, AE, Statement);
            e.rewrites = true;
            e.note("the table is rewritten under ACCESS EXCLUSIVE (VACUUM FULL, CLUSTER: A.2); VACUUM FULL cannot run in a transaction block");
            e
        }
        AlterTableOptions { table, rewrites } => {
            if *rewrites {
                let mut e = Effect::locking(table, AE, Statement);
                e.rewrites = true;
                e.note("SET TABLESPACE / SET LOGGED / SET ACCESS METHOD copy the table under ACCESS EXCLUSIVE (A.1)");
                e
            } else {
                let mut e = Effect::locking(table, SUE, Brief);
                e.note("comments and most storage parameters take SHARE UPDATE EXCLUSIVE, catalog only; the exact level depends on the parameter (A.1)");
                e
            }
        }
        UpdateRows { table, bounded } | DeleteRows { table, bounded } => {
            let mut e = Effect::locking(table, RowExclusive, Statement);
            e.loses_data = matches!(action, DeleteRows { .. });
            if *bounded {
                e.note("row locks on the rows of one batch (D.2)");
            } else {
                e.note("row locks on every row written, held to commit; one statement over the whole table: batch it outside the DDL transaction (D.1), then VACUUM (ANALYZE) (A.6)");
            }
            e
        }
        InsertRows { table } => {
            let mut e = Effect::locking(table, RowExclusive, Statement);
            e.note("ROW EXCLUSIVE: does not block reads or writes of other rows");
            e
        }
        LockTable { table, mode } => {
            let level = lock_mode(mode);
            let mut e = Effect::locking(table, level.unwrap_or(AE), Statement);
            if level.is_none() {
                e.assume(format!("unknown lock mode {mode:?}"));
            }
            e.note("an explicit lock is held until the transaction ends");
            e
        }
        Maintenance { table, what } => {
            let mut e = Effect::none();
            let w = what.to_ascii_lowercase();
            if let Some(t) = table {
                e.lock(t, SUE, Statement);
            }
            e.scans = true;
            if w.contains("vacuum") {
                e.transactional = false;
                e.note("VACUUM: SHARE UPDATE EXCLUSIVE, cannot run in a transaction block (A.2)");
            } else {
                e.note("ANALYZE: SHARE UPDATE EXCLUSIVE, samples the table (A.2)");
            }
            e
        }
        Other { what } => unknown(action, AE, what),
    }
}

/// `LOCK TABLE ... IN <mode> MODE` spelled any way.
pub(crate) fn lock_mode(mode: &str) -> Option<LockLevel> {
    let m = mode
        .to_ascii_uppercase()
        .replace('_', " ")
        .trim_end_matches(" MODE")
        .trim()
        .to_string();
    Some(match m.as_str() {
        "ACCESS SHARE" => AccessShare,
        "ROW SHARE" => RowShare,
        "ROW EXCLUSIVE" => RowExclusive,
        "SHARE UPDATE EXCLUSIVE" => SUE,
        "SHARE" => Share,
        "SHARE ROW EXCLUSIVE" => SRE,
        "EXCLUSIVE" => Exclusive,
        "ACCESS EXCLUSIVE" | "" => AE,
        _ => return None,
    })
}

fn add_column(
    table: &migrex_model::QualifiedName,
    ty: Option<&ColumnType>,
    not_null: bool,
    default: DefaultKind,
    stored_generated: bool,
    identity: bool,
    inline_constraint: bool,
) -> Effect {
    let mut e = Effect::locking(table, AE, Brief);
    if identity || stored_generated {
        e.lock(table, AE, Statement);
        e.rewrites = true;
        e.note(if identity {
            "an identity or serial column gets a value per row: the table is rewritten under ACCESS EXCLUSIVE (A.2)"
        } else {
            "a stored generated column is computed into every row: the table is rewritten under ACCESS EXCLUSIVE (A.2)"
        });
    } else {
        match default {
            DefaultKind::Volatile => {
                e.lock(table, AE, Statement);
                e.rewrites = true;
                e.note("a volatile default (random(), clock_timestamp(), nextval(), gen_random_uuid()) is written into every row: the table is rewritten under ACCESS EXCLUSIVE. Add the column without it, SET DEFAULT, then backfill in batches (A.2)");
            }
            DefaultKind::Unknown => {
                e.lock(table, AE, Statement);
                e.rewrites = true;
                e.assume("the default's volatility is not known: a rewrite is assumed (A.2)");
            }
            DefaultKind::Constant => {
                e.note("a non-volatile default is stored once in the catalog (PostgreSQL 11+), no rewrite (A.2)");
            }
            DefaultKind::None => {
                if not_null {
                    e.lock(table, AE, Statement);
                    e.scans = true;
                    e.can_fail_on_data = true;
                    e.note("NOT NULL without a default fails on any table that has rows (A.2)");
                } else {
                    e.note("nullable without a default: catalog only (A.2)");
                }
            }
        }
    }
    if let Some(ColumnType::UserDefined { name }) = ty {
        e.note(format!(
            "if {name} is a domain with constraints, adding the column rewrites the table (A.2)"
        ));
    }
    if inline_constraint {
        e.lock(table, AE, Statement);
        e.scans = true;
        e.can_fail_on_data = true;
        e.assume("an inline REFERENCES, UNIQUE, PRIMARY KEY or CHECK validates or indexes the rows under the lock (A.2)");
    }
    e
}

fn alter_type(
    target: &Target,
    table: &migrex_model::QualifiedName,
    from: Option<&ColumnType>,
    to: &ColumnType,
    using: bool,
) -> Effect {
    let Some(from) = from else {
        let mut e = Effect::locking(table, AE, Statement);
        e.rewrites = true;
        e.can_fail_on_data = true;
        e.assume("the column's current type is not known: a rewrite of the table and its indexes under ACCESS EXCLUSIVE is assumed (A.3)");
        return e;
    };
    let conv = pg_conversion(from, to);
    let mut e;
    if using {
        e = Effect::locking(table, AE, Statement);
        e.rewrites = true;
        e.assume("a USING expression is assumed to change the stored values: rewrite (A.3)");
    } else if conv.rewrite {
        e = Effect::locking(table, AE, Statement);
        e.rewrites = true;
        e.note("the table and all its indexes are rewritten under ACCESS EXCLUSIVE (A.3); a new column, a sync trigger and a batched backfill avoid it (D.5)");
    } else {
        e = Effect::locking(table, AE, Brief);
        e.note("binary-coercible: no rewrite, catalog only (A.3)");
    }
    if conv.index_rebuild && !e.rewrites {
        e.lock(table, AE, Statement);
        e.scans = true;
        e.note("indexes on the column are rebuilt (A.3)");
    }
    e.can_fail_on_data = conv.can_fail;
    e.loses_data = conv.loses;
    if let Some(n) = conv.note {
        e.note(n);
    }
    if matches!(
        (from, to),
        (ColumnType::Timestamp { tz: a, .. }, ColumnType::Timestamp { tz: b, .. }) if a != b
    ) && target.at_least(12, 0)
    {
        e.note("PostgreSQL 12+ skips this rewrite when the session TimeZone is UTC (SET LOCAL TimeZone = 'UTC'); values are read in the session zone (A.3, E.1)");
    }
    e
}

/// What A.3 and E.1 say about one conversion.
pub(crate) struct Conversion {
    pub rewrite: bool,
    pub index_rebuild: bool,
    pub can_fail: bool,
    pub loses: bool,
    pub note: Option<&'static str>,
}

fn conv(rewrite: bool, can_fail: bool, loses: bool) -> Conversion {
    Conversion {
        rewrite,
        index_rebuild: rewrite,
        can_fail,
        loses,
        note: None,
    }
}

/// A `None` precision or length is "no limit" (the widest).
fn wider_or_same(from: Option<u32>, to: Option<u32>) -> bool {
    match (from, to) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => b >= a,
    }
}

pub(crate) fn pg_conversion(from: &ColumnType, to: &ColumnType) -> Conversion {
    use ColumnType as T;
    if from == to {
        // Same type: only the collation (or nothing) changes.
        let mut c = conv(false, false, false);
        c.index_rebuild = true;
        c.note = Some(
            "same type, new collation: no rewrite, but indexes on the column are rebuilt and uniqueness may change (A.3, E.1)",
        );
        return c;
    }
    match (from, to) {
        (
            T::Text {
                kind: TextKind::Varchar,
                max_len: a,
            },
            T::Text {
                kind: TextKind::Varchar,
                max_len: b,
            },
        ) => {
            if wider_or_same(*a, *b) {
                conv(false, false, false)
            } else {
                let mut c = conv(true, true, false);
                c.note = Some("a shorter varchar fails on longer values (E.1)");
                c
            }
        }
        (
            T::Text {
                kind: TextKind::Varchar,
                ..
            },
            T::Text {
                kind: TextKind::Text,
                ..
            },
        ) => conv(false, false, false),
        (
            T::Text {
                kind: TextKind::Text,
                ..
            },
            T::Text {
                kind: TextKind::Varchar,
                max_len,
            },
        ) => {
            if max_len.is_none() {
                conv(false, false, false)
            } else {
                let mut c = conv(true, true, false);
                c.note = Some("text to varchar(n) fails on longer values (E.1)");
                c
            }
        }
        (
            T::Decimal {
                precision: p,
                scale: s,
                ..
            },
            T::Decimal {
                precision: p2,
                scale: s2,
                ..
            },
        ) => {
            if (p2.is_none() && s2.is_none()) || (s == s2 && wider_or_same(*p, *p2)) {
                conv(false, false, false)
            } else {
                let scale_down = match (s, s2) {
                    (Some(a), Some(b)) => b < a,
                    (None, Some(_)) => true,
                    _ => false,
                };
                let mut c = conv(true, true, scale_down);
                c.note = Some(if scale_down {
                    "a smaller scale silently rounds values; fewer integer digits fail with numeric field overflow (E.1)"
                } else {
                    "fewer integer digits fail with numeric field overflow (E.1)"
                });
                c
            }
        }
        (
            T::Timestamp {
                tz: a,
                precision: p,
            },
            T::Timestamp {
                tz: b,
                precision: p2,
            },
        ) => {
            if a == b {
                if wider_or_same(*p, *p2) {
                    conv(false, false, false)
                } else {
                    conv(true, false, true)
                }
            } else {
                // Values are reinterpreted in the session zone (E.1); the rewrite is skipped only
                // under UTC, which the analysis cannot see.
                let mut c = conv(true, false, *a && !*b);
                c.note = Some(
                    "timestamp and timestamptz: existing values are read in the session TimeZone; a wrong zone shifts every row (E.1)",
                );
                c
            }
        }
        (
            T::Time {
                tz: a,
                precision: p,
            },
            T::Time {
                tz: b,
                precision: p2,
            },
        ) if a == b => {
            if wider_or_same(*p, *p2) {
                conv(false, false, false)
            } else {
                conv(true, false, true)
            }
        }
        (
            T::Interval {
                fields: f,
                precision: p,
            },
            T::Interval {
                fields: f2,
                precision: p2,
            },
        ) if f == f2 => {
            if wider_or_same(*p, *p2) {
                conv(false, false, false)
            } else {
                conv(true, false, true)
            }
        }
        (
            T::Bit {
                varying: false,
                len: _,
            },
            T::Bit {
                varying: true,
                len: None,
            },
        ) => conv(false, false, false),
        (
            T::Bit {
                varying: true,
                len: a,
            },
            T::Bit {
                varying: true,
                len: b,
            },
        ) if wider_or_same(*a, *b) => conv(false, false, false),
        (T::Other { name: a }, T::Other { name: b }) if a == "cidr" && b == "inet" => {
            conv(false, false, false)
        }
        (
            T::Other { name },
            T::Text {
                kind,
                max_len: None,
            },
        ) if name == "xml" && matches!(kind, TextKind::Text | TextKind::Varchar) => {
            conv(false, false, false)
        }
        (
            T::Other { name },
            T::Text {
                kind,
                max_len: None,
            },
        )
        | (
            T::Text {
                kind,
                max_len: None,
            },
            T::Other { name },
        ) if name == "citext" && matches!(kind, TextKind::Text) => {
            let mut c = conv(false, false, false);
            c.index_rebuild = true;
            c.note = Some(
                "text and citext compare differently: no rewrite, but indexes on the column are rebuilt (A.3)",
            );
            c
        }
        (T::Integer { bytes: a, .. }, T::Integer { bytes: b, .. }) => {
            let mut c = conv(true, b < a, false);
            c.note = Some(if b < a {
                "a narrower integer fails with integer out of range on large values (E.1)"
            } else {
                "a wider integer has another width: the table is rewritten (A.3)"
            });
            c
        }
        (
            T::Integer { .. },
            T::Decimal {
                precision: None, ..
            },
        ) => conv(true, false, false),
        (T::Float { bytes: 4, .. }, T::Float { bytes: 8, .. }) => conv(true, false, false),
        (T::Float { .. } | T::Decimal { .. }, T::Integer { .. }) => {
            let mut c = conv(true, true, true);
            c.note = Some(
                "to an integer type rounds fractions and fails on NaN, Infinity and overflow (E.1)",
            );
            c
        }
        (T::Text { .. }, T::Text { .. }) => {
            // char(n) pads, and any shorter limit can fail.
            conv(true, true, false)
        }
        (T::Text { .. }, _) => {
            let mut c = conv(true, true, false);
            c.note =
                Some("from text the ALTER aborts on the first value that does not parse (E.1)");
            c
        }
        (_, T::Text { max_len: None, .. }) => conv(true, false, false),
        (_, T::UserDefined { .. }) | (T::UserDefined { .. }, _) => {
            let mut c = conv(true, true, false);
            c.note = Some(
                "to or from a user-defined type (enum, domain): rewritten unless it is an unconstrained domain over the same type (A.3)",
            );
            c
        }
        _ => conv(true, true, false),
    }
}

#[cfg(test)]
mod tests {
    use crate::{
        Action, DefaultKind, Flavor, IndexMethod, LockLevel, LockSpan, MysqlAlgorithm,
        MysqlLockClause, Target, Version, effect,
    };
    use migrex_model::{ColumnType, QualifiedName, TextKind};

    fn pg(major: u32, minor: u32) -> Target {
        Target::new(Flavor::Postgres, Some(Version::new(major, minor, 0)))
    }
    fn t(name: &str) -> QualifiedName {
        QualifiedName::new("public", name)
    }
    fn add(default: DefaultKind, not_null: bool) -> Action {
        Action::AddColumn {
            table: t("users"),
            column: "c".into(),
            ty: Some(ColumnType::int(4)),
            not_null,
            default,
            stored_generated: false,
            identity: false,
            positioned: false,
            inline_constraint: false,
        }
    }
    fn varchar(n: Option<u32>) -> ColumnType {
        ColumnType::Text {
            kind: TextKind::Varchar,
            max_len: n,
        }
    }
    fn alter(from: ColumnType, to: ColumnType) -> Action {
        Action::AlterColumnType {
            table: t("users"),
            column: "c".into(),
            from: Some(from),
            to,
            using: false,
            full_redefinition: false,
        }
    }

    #[test]
    fn add_column_constant_default_is_catalog_only_volatile_rewrites() {
        let e = effect(&pg(16, 0), &add(DefaultKind::Constant, true));
        assert_eq!(e.locks[0].level, LockLevel::AccessExclusive);
        assert_eq!(e.locks[0].span, LockSpan::Brief);
        assert!(!e.rewrites && !e.scans && !e.blocks_for_the_statement());
        let e = effect(&pg(16, 0), &add(DefaultKind::Volatile, false));
        assert!(e.rewrites && e.blocks_for_the_statement());
        let e = effect(&pg(16, 0), &add(DefaultKind::None, true));
        assert!(e.can_fail_on_data && e.scans);
        let e = effect(&pg(16, 0), &add(DefaultKind::Unknown, false));
        assert!(e.rewrites && e.assumed);
    }

    #[test]
    fn alter_type_rewrite_rules_of_a3() {
        let target = pg(15, 0);
        let no = [
            (varchar(Some(10)), varchar(Some(20))),
            (varchar(Some(10)), varchar(None)),
            (
                varchar(Some(10)),
                ColumnType::Text {
                    kind: TextKind::Text,
                    max_len: None,
                },
            ),
            (
                ColumnType::Decimal {
                    precision: Some(10),
                    scale: Some(2),
                    unsigned: false,
                },
                ColumnType::Decimal {
                    precision: Some(12),
                    scale: Some(2),
                    unsigned: false,
                },
            ),
            (
                ColumnType::Timestamp {
                    tz: true,
                    precision: Some(3),
                },
                ColumnType::Timestamp {
                    tz: true,
                    precision: None,
                },
            ),
            (ColumnType::other("cidr"), ColumnType::other("inet")),
        ];
        for (from, to) in no {
            let e = effect(&target, &alter(from.clone(), to.clone()));
            assert!(!e.rewrites, "{from:?} -> {to:?} should not rewrite");
            assert_eq!(e.locks[0].span, LockSpan::Brief, "{from:?} -> {to:?}");
            assert!(!e.can_fail_on_data);
        }
        let yes = [
            (ColumnType::int(4), ColumnType::int(8)),
            (varchar(Some(20)), varchar(Some(10))),
            (
                ColumnType::Decimal {
                    precision: Some(10),
                    scale: Some(2),
                    unsigned: false,
                },
                ColumnType::Decimal {
                    precision: Some(10),
                    scale: Some(1),
                    unsigned: false,
                },
            ),
            (
                ColumnType::Timestamp {
                    tz: false,
                    precision: None,
                },
                ColumnType::Timestamp {
                    tz: true,
                    precision: None,
                },
            ),
            (
                ColumnType::Json { binary: false },
                ColumnType::Json { binary: true },
            ),
        ];
        for (from, to) in yes {
            let e = effect(&target, &alter(from.clone(), to.clone()));
            assert!(e.rewrites, "{from:?} -> {to:?} should rewrite");
            assert!(e.blocks_for_the_statement());
            assert_eq!(e.locks[0].level, LockLevel::AccessExclusive);
        }
        // Narrowing can fail; a scale decrease rounds silently.
        assert!(effect(&target, &alter(varchar(Some(20)), varchar(Some(10)))).can_fail_on_data);
        assert!(!effect(&target, &alter(ColumnType::int(4), ColumnType::int(8))).can_fail_on_data);
        assert!(effect(&target, &alter(ColumnType::int(8), ColumnType::int(4))).can_fail_on_data);
        let e = effect(
            &target,
            &alter(
                ColumnType::Decimal {
                    precision: Some(10),
                    scale: Some(2),
                    unsigned: false,
                },
                ColumnType::Decimal {
                    precision: Some(10),
                    scale: Some(1),
                    unsigned: false,
                },
            ),
        );
        assert!(e.loses_data);
        // Unknown old type: the worst, said.
        let e = effect(
            &target,
            &Action::AlterColumnType {
                table: t("users"),
                column: "c".into(),
                from: None,
                to: ColumnType::int(8),
                using: false,
                full_redefinition: false,
            },
        );
        assert!(e.rewrites && e.assumed);
    }

    #[test]
    fn not_null_foreign_keys_checks_and_validation() {
        let target = pg(12, 0);
        let set = |proven| Action::SetNotNull {
            table: t("users"),
            column: "c".into(),
            proven_by_check: proven,
        };
        let e = effect(&target, &set(false));
        assert!(e.scans && e.can_fail_on_data && e.blocks_for_the_statement());
        let e = effect(&target, &set(true));
        assert!(!e.scans && !e.blocks_for_the_statement());

        let fk = |not_valid| Action::AddForeignKey {
            table: t("orders"),
            references: t("users"),
            not_valid,
        };
        let e = effect(&target, &fk(true));
        assert_eq!(e.locks.len(), 2);
        assert!(
            e.locks
                .iter()
                .all(|l| l.level == LockLevel::ShareRowExclusive
                    && l.span == LockSpan::Brief
                    && l.blocks.writes
                    && !l.blocks.reads)
        );
        let e = effect(&target, &fk(false));
        assert!(e.scans && e.locks.iter().all(|l| l.span == LockSpan::Statement));

        let e = effect(
            &target,
            &Action::ValidateConstraint {
                table: t("orders"),
                name: "fk".into(),
                references: Some(t("users")),
            },
        );
        assert_eq!(e.locks[0].level, LockLevel::ShareUpdateExclusive);
        assert_eq!(e.locks[1].level, LockLevel::RowShare);
        assert!(!e.blocks().reads && !e.blocks().writes && e.scans);

        let e = effect(
            &target,
            &Action::DropConstraint {
                table: t("orders"),
                name: "fk".into(),
                references: Some(t("users")),
            },
        );
        assert!(
            e.locks
                .iter()
                .all(|l| l.level == LockLevel::AccessExclusive)
        );
        assert_eq!(e.locks.len(), 2);
    }

    #[test]
    fn indexes_concurrently_and_transactions() {
        let idx = |concurrently| Action::CreateIndex {
            table: t("users"),
            name: None,
            unique: false,
            concurrently,
            method: IndexMethod::Btree,
            algorithm: MysqlAlgorithm::Default,
            lock: MysqlLockClause::Default,
            fulltext_or_spatial: false,
        };
        let e = effect(&pg(16, 0), &idx(false));
        assert_eq!(e.locks[0].level, LockLevel::Share);
        assert!(e.locks[0].blocks.writes && !e.locks[0].blocks.reads && e.transactional);
        let e = effect(&pg(16, 0), &idx(true));
        assert_eq!(e.locks[0].level, LockLevel::ShareUpdateExclusive);
        assert!(!e.transactional && !e.blocks_for_the_statement());
        assert!(
            effect(&pg(14, 2), &idx(true))
                .notes
                .iter()
                .any(|n| n.contains("14.4"))
        );
        assert!(
            !effect(&pg(14, 4), &idx(true))
                .notes
                .iter()
                .any(|n| n.contains("14.4"))
        );
    }

    #[test]
    fn version_switches() {
        let enum_add = Action::AddEnumValue { name: t("mood") };
        assert!(effect(&pg(12, 0), &enum_add).transactional);
        assert!(!effect(&pg(11, 0), &enum_add).transactional);
        let detach = Action::DetachPartition {
            parent: t("m"),
            partition: t("m_1"),
            concurrently: true,
        };
        let e = effect(&pg(14, 0), &detach);
        assert!(e.refused.is_none() && !e.transactional);
        assert_eq!(e.locks[0].level, LockLevel::ShareUpdateExclusive);
        assert!(effect(&pg(13, 0), &detach).refused.is_some());
        let attach = Action::AttachPartition {
            parent: t("m"),
            partition: t("m_1"),
            proven_by_check: false,
        };
        let e = effect(&pg(12, 0), &attach);
        assert_eq!(e.locks[0].level, LockLevel::ShareUpdateExclusive);
        assert_eq!(e.locks[1].level, LockLevel::AccessExclusive);
        assert!(e.scans);
    }

    #[test]
    fn lock_modes_parse() {
        assert_eq!(
            super::lock_mode("share row exclusive mode"),
            Some(LockLevel::ShareRowExclusive)
        );
        assert_eq!(super::lock_mode("bogus"), None);
    }
}
