//! SQLite: ddl-behavior.md section C. Any write takes the database-wide write lock (one writer;
//! readers continue in WAL mode); what ALTER TABLE cannot do is the 12-step rebuild (C.2).

use super::{Effect, LockLevel, LockSpan, unknown};
use crate::{Action, DefaultKind, Target};
use migrex_model::QualifiedName;

use LockLevel::DatabaseWrite;
use LockSpan::{Brief, Statement};

fn brief(table: &QualifiedName, note: &str) -> Effect {
    let mut e = Effect::locking(table, DatabaseWrite, Brief);
    e.note(note);
    e
}

/// The 12-step rebuild: the database write lock for the whole copy (C.2, C.3).
fn rebuild(table: &QualifiedName) -> Effect {
    let mut e = Effect::locking(table, DatabaseWrite, Statement);
    e.rewrites = true;
    e.scans = true;
    e.note("12-step rebuild: the table is copied into a new one under the database write lock (other writers wait; readers continue in WAL mode); PRAGMA foreign_keys=OFF must be set before BEGIN (C.2, C.3)");
    e
}

fn needs_rebuild(table: &QualifiedName, what: &str) -> Effect {
    let mut e = rebuild(table);
    e.refused = Some(format!(
        "SQLite's ALTER TABLE cannot {what}: it needs the 12-step table rebuild (C.1)"
    ));
    e
}

pub(super) fn effect(target: &Target, action: &Action) -> Effect {
    use Action::*;
    match action {
        CreateTable { .. } => {
            let mut e = Effect::none();
            e.note("a new table: nobody else uses it yet");
            e
        }
        DropTable { table } => {
            let mut e = brief(
                table,
                "with foreign_keys=ON, DROP TABLE first deletes every row (firing ON DELETE actions) (C.2)",
            );
            e.loses_data = true;
            e
        }
        TruncateTable { table } | DeleteRows { table, .. } => {
            let mut e = Effect::locking(table, DatabaseWrite, Statement);
            e.loses_data = true;
            e.note("rows deleted under the database write lock (C.3)");
            e
        }
        RenameTable { from, .. } => brief(
            from,
            "catalog only; since 3.26.0 foreign keys, triggers and views that name it follow the rename (C.1)",
        ),
        RenameColumn { table, .. } => {
            let mut e = brief(
                table,
                "3.25.0+: renames it in the table and every index, trigger and view (C.1)",
            );
            if !target.at_least(3, 25) {
                e.refused = Some("RENAME COLUMN needs SQLite 3.25.0".into());
            }
            e
        }
        AddColumn {
            table,
            not_null,
            default,
            stored_generated,
            inline_constraint,
            identity,
            ..
        } => {
            let mut e = brief(
                table,
                "ADD COLUMN edits the schema text: the same time for any table size (C.1)",
            );
            if *stored_generated {
                e.refused = Some("SQLite cannot ADD a STORED generated column (C.1)".into());
            } else if *identity {
                e.refused = Some(
                    "SQLite cannot ADD a PRIMARY KEY or AUTOINCREMENT column: rebuild (C.1)".into(),
                );
            } else if *not_null && *default == DefaultKind::None {
                e.refused =
                    Some("SQLite: ADD COLUMN NOT NULL needs a non-NULL default (C.1)".into());
            } else if *default == DefaultKind::Volatile {
                e.refused = Some(
                    "SQLite: ADD COLUMN's default may not be CURRENT_TIME/DATE/TIMESTAMP or an expression (C.1)"
                        .into(),
                );
            }
            if *inline_constraint {
                if target.at_least(3, 37) {
                    e.lock(table, DatabaseWrite, Statement);
                    e.scans = true;
                    e.can_fail_on_data = true;
                    e.note("3.37.0+: a CHECK on the new column is tested against every row (C.1)");
                } else {
                    e.assume("an inline constraint on the new column: a UNIQUE or PRIMARY KEY is refused by SQLite (C.1)");
                }
            }
            e
        }
        DropColumn { table, .. } => {
            let mut e = Effect::locking(table, DatabaseWrite, Statement);
            e.rewrites = true;
            e.loses_data = true;
            e.note("3.35.0+: DROP COLUMN rewrites the whole table; it fails if the column is indexed, in a key, a constraint, a trigger or a view (C.1)");
            if !target.at_least(3, 35) {
                e.refused = Some("DROP COLUMN needs SQLite 3.35.0: rebuild the table (C.1)".into());
            }
            e
        }
        AlterColumnType { table, .. } => {
            let mut e = needs_rebuild(table, "change a column's type");
            e.note("values are converted by type affinity in the copy; a value that does not convert is kept unchanged, no error (E.3)");
            e
        }
        SetNotNull { table, .. } => {
            let mut e = needs_rebuild(table, "add NOT NULL");
            e.can_fail_on_data = true;
            e
        }
        DropNotNull { table, .. } => needs_rebuild(table, "drop NOT NULL"),
        SetDefault { table, .. } | DropDefault { table, .. } => {
            needs_rebuild(table, "change a default")
        }
        AddPrimaryKey { table, .. } | AddUnique { table, .. } | AddCheck { table, .. } => {
            let mut e = needs_rebuild(table, "add a constraint");
            e.can_fail_on_data = true;
            e
        }
        AddForeignKey { table, .. } => {
            let mut e = needs_rebuild(table, "add a foreign key");
            e.can_fail_on_data = true;
            e.note("run PRAGMA foreign_key_check before COMMIT (C.2)");
            e
        }
        DropPrimaryKey { table } | DropConstraint { table, .. } => {
            needs_rebuild(table, "drop a constraint")
        }
        RenameConstraint { table } => needs_rebuild(table, "rename a constraint"),
        RebuildTable { table } => rebuild(table),
        CreateIndex { table, unique, .. } => {
            let mut e = Effect::locking(table, DatabaseWrite, Statement);
            e.scans = true;
            e.can_fail_on_data = *unique;
            e.note("the index is built under the database write lock (C.3)");
            e
        }
        DropIndex { table, .. } | RenameIndex { table } | Reindex { table, .. } => {
            let mut e = Effect::none();
            match table {
                Some(t) => e.lock(
                    t,
                    DatabaseWrite,
                    if matches!(action, Reindex { .. }) {
                        Statement
                    } else {
                        Brief
                    },
                ),
                None => {
                    e.note("the database write lock, briefly");
                }
            }
            if matches!(action, RenameIndex { .. }) {
                e.refused = Some("SQLite cannot rename an index: drop and create it (C.1)".into());
            }
            if matches!(action, Reindex { .. }) {
                e.scans = true;
            }
            e
        }
        ReadRows { .. } => {
            let mut e = Effect::none();
            e.scans = true;
            e.note("reads only (a shared lock on the database while it runs)");
            e
        }
        CreateView { .. } | ReplaceView { .. } | DropView { .. } | CatalogOnly { .. } => {
            let mut e = Effect::none();
            e.note("catalog only (the database write lock, briefly)");
            e
        }
        CreateTrigger { table } | DropTrigger { table } => {
            brief(table, "catalog only under the database write lock (C.3)")
        }
        UpdateRows { table, bounded } => {
            let mut e = Effect::locking(table, DatabaseWrite, Statement);
            if !*bounded {
                e.note("one statement over the whole table holds the database write lock; batch 1k–10k rows per transaction (D.2)");
            }
            e
        }
        InsertRows { table } => Effect::locking(table, DatabaseWrite, Statement),
        Maintenance { table, what } => {
            let mut e = Effect::none();
            if let Some(t) = table {
                e.lock(t, DatabaseWrite, Statement);
            }
            e.scans = true;
            if what.to_ascii_lowercase().contains("vacuum") {
                e.rewrites = true;
                e.transactional = false;
                e.note("VACUUM rewrites the whole database file and cannot run in a transaction");
            }
            e
        }
        AddExclusion { .. }
        | ValidateConstraint { .. }
        | RefreshMaterializedView { .. }
        | AddEnumValue { .. }
        | AlterDomainAddConstraint { .. }
        | RowSecurity { .. }
        | AttachPartition { .. }
        | DetachPartition { .. }
        | CreatePartition { .. }
        | AlterTableOptions { .. }
        | LockTable { .. } => {
            let mut e = Effect::none();
            e.refused = Some("SQLite has no such statement".into());
            e
        }
        Other { what } => unknown(action, DatabaseWrite, what),
    }
}

#[cfg(test)]
mod tests {
    use crate::{Action, DefaultKind, Flavor, LockLevel, LockSpan, Target, Version, effect};
    use migrex_model::{ColumnType, QualifiedName};

    fn lite(minor: u32) -> Target {
        Target::new(Flavor::Sqlite, Some(Version::new(3, minor, 0)))
    }
    fn t() -> QualifiedName {
        QualifiedName::new("", "users")
    }

    #[test]
    fn rebuild_holds_the_database_write_lock() {
        let e = effect(&lite(45), &Action::RebuildTable { table: t() });
        assert!(e.rewrites && e.transactional);
        assert_eq!(e.locks[0].level, LockLevel::DatabaseWrite);
        assert_eq!(e.locks[0].span, LockSpan::Statement);
        assert!(e.locks[0].blocks.writes && !e.locks[0].blocks.reads);
        let e = effect(
            &lite(45),
            &Action::AlterColumnType {
                table: t(),
                column: "c".into(),
                from: None,
                to: ColumnType::int(8),
                using: false,
                full_redefinition: false,
            },
        );
        assert!(e.refused.is_some() && e.rewrites);
    }

    #[test]
    fn add_and_drop_column_rules() {
        let add = |not_null, default, inline| Action::AddColumn {
            table: t(),
            column: "c".into(),
            ty: None,
            not_null,
            default,
            stored_generated: false,
            identity: false,
            positioned: false,
            inline_constraint: inline,
        };
        let e = effect(&lite(45), &add(false, DefaultKind::None, false));
        assert!(!e.rewrites && !e.scans && e.refused.is_none());
        assert_eq!(e.locks[0].span, LockSpan::Brief);
        assert!(
            effect(&lite(45), &add(true, DefaultKind::None, false))
                .refused
                .is_some()
        );
        assert!(effect(&lite(45), &add(false, DefaultKind::None, true)).scans);
        assert!(!effect(&lite(36), &add(false, DefaultKind::None, true)).scans);
        let drop = Action::DropColumn {
            table: t(),
            column: "c".into(),
        };
        let e = effect(&lite(35), &drop);
        assert!(e.rewrites && e.loses_data && e.refused.is_none());
        assert!(effect(&lite(34), &drop).refused.is_some());
    }
}
