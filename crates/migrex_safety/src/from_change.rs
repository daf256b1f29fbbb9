//! The planner's steps lowered to actions. A `Change` knows the schema on both sides, so every
//! `Option` of an action is filled (the old type of a column, the table a foreign key references).

use crate::{Action, DefaultKind, IndexMethod, MysqlAlgorithm, MysqlLockClause};
use migrex_model::{
    Change, Column, DataOp, Dialect, Expr, Identity, Index, QualifiedName, TableOptions,
};

/// The actions the server executes for one change, in order.
pub fn actions_of(change: &Change, dialect: Dialect) -> Vec<Action> {
    use Change as C;
    let catalog = |what: String| vec![Action::CatalogOnly { what }];
    // Variants added after this lowering fall to the last arm until they get their own.
    #[allow(unreachable_patterns)]
    match change {
        C::CreateNamespace { .. }
        | C::DropNamespace { .. }
        | C::SetNamespaceComment { .. }
        | C::CreateEnum { .. }
        | C::DropEnum { .. }
        | C::CreateSequence { .. }
        | C::DropSequence { .. }
        | C::AlterSequence { .. }
        | C::SetViewComment { .. }
        | C::CreateExtension { .. }
        | C::DropExtension { .. }
        | C::AlterExtension { .. }
        | C::CreateDomain { .. }
        | C::DropDomain { .. }
        | C::CreateCompositeType { .. }
        | C::DropCompositeType { .. }
        | C::AlterCompositeType { .. }
        | C::CreateFunction { .. }
        | C::DropFunction { .. }
        | C::ReplaceFunction { .. }
        | C::SetComment { .. } => catalog(change.describe()),
        C::AddEnumValue { name, .. } => vec![Action::AddEnumValue { name: name.clone() }],
        C::CreateTable { name, table } => {
            let mut out = vec![match &table.partition_of {
                Some(p) if dialect == Dialect::Postgres => Action::CreatePartition {
                    parent: p.parent.clone(),
                    partition: name.clone(),
                },
                _ => Action::CreateTable {
                    table: name.clone(),
                },
            }];
            // PostgreSQL: an inline foreign key locks the referenced table like ADD FOREIGN KEY
            // (A.2). MySQL takes a brief metadata lock there; SQLite has only its database lock.
            for fk in &table.foreign_keys {
                if fk.ref_table != *name && dialect == Dialect::Postgres {
                    out.push(Action::AddForeignKey {
                        table: name.clone(),
                        references: fk.ref_table.clone(),
                        not_valid: false,
                    });
                }
            }
            out
        }
        C::DropTable { name, table } => {
            let mut out = vec![Action::DropTable {
                table: name.clone(),
            }];
            // PostgreSQL removes its foreign keys' triggers from each referenced table (A.2).
            for fk in &table.foreign_keys {
                if fk.ref_table != *name && dialect == Dialect::Postgres {
                    out.push(Action::DropConstraint {
                        table: name.clone(),
                        name: fk.name.clone().unwrap_or_default(),
                        references: Some(fk.ref_table.clone()),
                    });
                }
            }
            out
        }
        C::RenameTable { from, to } => vec![Action::RenameTable {
            from: from.clone(),
            to: to.clone(),
        }],
        C::AddColumn { table, column } => vec![add_column(table, column, dialect)],
        C::DropColumn { table, column } => vec![Action::DropColumn {
            table: table.clone(),
            column: column.name.clone(),
        }],
        C::RenameColumn { table, from, to } => vec![Action::RenameColumn {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        }],
        C::AlterColumn { table, from, to } => alter_column(table, from, to, dialect),
        C::AddPrimaryKey { table, .. } => vec![Action::AddPrimaryKey {
            table: table.clone(),
            using_index: false,
        }],
        C::DropPrimaryKey { table, .. } => vec![Action::DropPrimaryKey {
            table: table.clone(),
        }],
        C::AddUnique { table, unique } => vec![Action::AddUnique {
            table: table.clone(),
            name: unique.name.clone(),
            using_index: false,
        }],
        C::DropUnique { table, unique } => vec![Action::DropConstraint {
            table: table.clone(),
            name: unique.name.clone().unwrap_or_default(),
            references: None,
        }],
        C::AddForeignKey { table, foreign_key } => vec![Action::AddForeignKey {
            table: table.clone(),
            references: foreign_key.ref_table.clone(),
            not_valid: false,
        }],
        C::DropForeignKey { table, foreign_key } => vec![Action::DropConstraint {
            table: table.clone(),
            name: foreign_key.name.clone().unwrap_or_default(),
            references: Some(foreign_key.ref_table.clone()),
        }],
        C::AddCheck { table, check } => vec![Action::AddCheck {
            table: table.clone(),
            name: check.name.clone(),
            not_valid: false,
        }],
        C::DropCheck { table, check } => vec![Action::DropConstraint {
            table: table.clone(),
            name: check.name.clone().unwrap_or_default(),
            references: None,
        }],
        C::AddExclusion { table, .. } => vec![Action::AddExclusion {
            table: table.clone(),
        }],
        C::DropExclusion { table, exclusion } => vec![Action::DropConstraint {
            table: table.clone(),
            name: exclusion.name.clone(),
            references: None,
        }],
        C::CreateIndex { table, index } => vec![create_index(table, index, false)],
        C::DropIndex { table, index } => vec![Action::DropIndex {
            name: QualifiedName::new(table.namespace.clone(), index.name.clone()),
            table: Some(table.clone()),
            concurrently: false,
        }],
        C::RenameIndex { table, .. } => vec![Action::RenameIndex {
            table: Some(table.clone()),
        }],
        C::RenameConstraint { table, .. } => vec![Action::RenameConstraint {
            table: table.clone(),
        }],
        C::SetTableComment { table, .. } => vec![Action::AlterTableOptions {
            table: table.clone(),
            rewrites: false,
        }],
        C::AlterTableOptions { table, from, to } => table_options(table, from, to),
        C::RebuildTable { name, .. } => vec![Action::RebuildTable {
            table: name.clone(),
        }],
        C::CreateView { name, view } => vec![Action::CreateView {
            name: name.clone(),
            materialized: view.materialized,
        }],
        C::DropView { name, view } => vec![Action::DropView {
            name: name.clone(),
            materialized: view.materialized,
        }],
        C::RecreateEnum { name, columns, .. } => {
            let mut out = catalog(format!("create the new {name} and drop the old one"));
            // Every column of the type is converted through text: a rewrite (A.2, A.3).
            for (table, column) in columns {
                out.push(Action::AlterColumnType {
                    table: table.clone(),
                    column: column.name.clone(),
                    from: Some(column.ty.clone()),
                    to: column.ty.clone(),
                    using: true,
                    full_redefinition: false,
                });
            }
            out
        }
        C::AlterDomain { name, from, to } => {
            let new_checks = to.checks.iter().any(|c| !from.checks.contains(c));
            if new_checks || (to.not_null && !from.not_null) {
                vec![Action::AlterDomainAddConstraint {
                    name: name.clone(),
                    not_valid: false,
                }]
            } else {
                catalog(change.describe())
            }
        }
        C::CreateTrigger { trigger } => vec![Action::CreateTrigger {
            table: trigger.table.clone(),
        }],
        C::DropTrigger { trigger } => vec![Action::DropTrigger {
            table: trigger.table.clone(),
        }],
        C::CreatePolicy { table, .. }
        | C::DropPolicy { table, .. }
        | C::AlterPolicy { table, .. } => {
            vec![Action::RowSecurity {
                table: table.clone(),
            }]
        }
        C::AttachPartition {
            table,
            partition_of,
        } => vec![Action::AttachPartition {
            parent: partition_of.parent.clone(),
            partition: table.clone(),
            proven_by_check: false,
        }],
        C::DetachPartition {
            table,
            partition_of,
        } => vec![Action::DetachPartition {
            parent: partition_of.parent.clone(),
            partition: table.clone(),
            concurrently: false,
        }],
        // A rule is created and dropped under ACCESS EXCLUSIVE on its table, catalog only, as a
        // trigger is dropped (A.1: rule changes take ACCESS EXCLUSIVE).
        C::CreateRule { rule } | C::DropRule { rule } => vec![Action::DropTrigger {
            table: rule.table.clone(),
        }],
        // CLUSTER ON / SET WITHOUT CLUSTER: SHARE UPDATE EXCLUSIVE, catalog only (A.1).
        C::SetClusterOn { table, .. } => vec![Action::AlterTableOptions {
            table: table.clone(),
            rewrites: false,
        }],
        // MySQL PARTITION BY / REMOVE PARTITIONING copy the table.
        C::AlterPartitioning { table, .. } => vec![Action::AlterTableOptions {
            table: table.clone(),
            rewrites: true,
        }],
        // Data steps: row writes under row locks, no DDL lock; the executor runs the batched
        // ones in key ranges, one short transaction each (hence `bounded`).
        C::Data { table, operation } => data_actions(table, operation),
        other => vec![Action::Other {
            what: other.describe(),
        }],
    }
}

fn data_actions(table: &QualifiedName, op: &DataOp) -> Vec<Action> {
    let t = || table.clone();
    match op {
        DataOp::Update { .. } => vec![Action::UpdateRows {
            table: t(),
            bounded: true,
        }],
        DataOp::Copy {
            source,
            delete_source,
            ..
        } => {
            let mut out = vec![Action::InsertRows { table: t() }];
            if *delete_source {
                out.push(Action::DeleteRows {
                    table: source.clone(),
                    bounded: true,
                });
            }
            out
        }
        // Hand-written statements: what they lock is not known here.
        DataOp::Sql { description, .. } => vec![Action::Other {
            what: description.clone(),
        }],
        DataOp::Preflight { .. } | DataOp::ProofCapture { .. } | DataOp::ProofCheck { .. } => {
            vec![Action::ReadRows { table: t() }]
        }
    }
}

/// A default expression as DefaultKind: what the server must evaluate per row (A.2).
pub fn default_kind(expr: Option<&Expr>, dialect: Dialect) -> DefaultKind {
    let Some(expr) = expr else {
        return DefaultKind::None;
    };
    let sql = expr.sql.to_ascii_lowercase();
    const VOLATILE: [&str; 11] = [
        "nextval(",
        "random(",
        "clock_timestamp(",
        "gen_random_uuid(",
        "uuid_generate_",
        "timeofday(",
        "uuid(",
        "uuid_short(",
        "rand(",
        "sysdate(",
        "randomblob(",
    ];
    if VOLATILE.iter().any(|f| sql.contains(f)) {
        return DefaultKind::Volatile;
    }
    // Functions that are evaluated once per statement (stable) or are pure casts.
    const ONCE: [&str; 12] = [
        "now(",
        "current_timestamp",
        "current_date",
        "current_time",
        "localtimestamp",
        "localtime",
        "transaction_timestamp(",
        "statement_timestamp(",
        "current_user",
        "session_user",
        "cast(",
        "array[",
    ];
    let mut rest = sql.clone();
    for f in ONCE {
        rest = rest.replace(f, "");
    }
    // Literals cannot call anything: strip quoted text before looking for calls.
    let unquoted: String = {
        let mut out = String::new();
        let mut in_quote = false;
        for c in rest.chars() {
            if c == '\'' {
                in_quote = !in_quote;
            } else if !in_quote {
                out.push(c);
            }
        }
        out
    };
    let calls = unquoted.char_indices().any(|(i, c)| {
        c == '('
            && unquoted[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_alphanumeric() || p == '_')
    });
    if calls {
        return DefaultKind::Unknown;
    }
    // SQLite: CURRENT_TIMESTAMP and expressions are refused by ADD COLUMN, say so via Volatile.
    if dialect == Dialect::Sqlite && (sql.contains("current_") || sql.trim_start().starts_with('('))
    {
        return DefaultKind::Volatile;
    }
    DefaultKind::Constant
}

fn add_column(table: &QualifiedName, column: &Column, dialect: Dialect) -> Action {
    let default = default_kind(column.default.as_ref(), dialect);
    Action::AddColumn {
        table: table.clone(),
        column: column.name.clone(),
        ty: Some(column.ty.clone()),
        not_null: !column.nullable,
        default,
        stored_generated: column.generated.as_ref().is_some_and(|g| g.stored),
        identity: column.identity.is_some(),
        // The renderer appends new columns at the end.
        positioned: false,
        inline_constraint: false,
    }
}

fn alter_column(
    table: &QualifiedName,
    from: &Column,
    to: &Column,
    dialect: Dialect,
) -> Vec<Action> {
    let mut out = Vec::new();
    let full = dialect == Dialect::Mysql;
    if from.ty != to.ty || from.collation != to.collation {
        out.push(Action::AlterColumnType {
            table: table.clone(),
            column: to.name.clone(),
            from: Some(from.ty.clone()),
            to: to.ty.clone(),
            using: false,
            full_redefinition: full,
        });
    }
    if from.nullable && !to.nullable {
        out.push(Action::SetNotNull {
            table: table.clone(),
            column: to.name.clone(),
            proven_by_check: false,
        });
    } else if !from.nullable && to.nullable {
        out.push(Action::DropNotNull {
            table: table.clone(),
            column: to.name.clone(),
        });
    }
    let serial_default = |c: &Column| matches!(c.identity, Some(Identity::Serial { .. }));
    if from.default != to.default && !(serial_default(from) && serial_default(to)) {
        out.push(match &to.default {
            Some(d) => Action::SetDefault {
                table: table.clone(),
                column: to.name.clone(),
                default: default_kind(Some(d), dialect),
            },
            None => Action::DropDefault {
                table: table.clone(),
                column: to.name.clone(),
            },
        });
    }
    if from.on_update != to.on_update {
        out.push(Action::SetDefault {
            table: table.clone(),
            column: to.name.clone(),
            default: DefaultKind::Constant,
        });
    }
    if from.identity != to.identity {
        out.push(Action::Other {
            what: format!("change the identity of {table}.{}", to.name),
        });
    }
    if from.generated != to.generated {
        out.push(Action::Other {
            what: format!("change the generation expression of {table}.{}", to.name),
        });
    }
    if from.comment != to.comment {
        out.push(Action::AlterTableOptions {
            table: table.clone(),
            rewrites: false,
        });
    }
    out
}

/// An index as the CREATE INDEX action.
pub fn create_index(table: &QualifiedName, index: &Index, concurrently: bool) -> Action {
    let method = index.method.as_deref().map(str::to_ascii_lowercase);
    Action::CreateIndex {
        table: table.clone(),
        name: Some(index.name.clone()),
        unique: index.unique,
        concurrently,
        method: match method.as_deref() {
            None | Some("btree") => IndexMethod::Btree,
            Some("hash") => IndexMethod::Hash,
            Some("gin") => IndexMethod::Gin,
            Some("gist") => IndexMethod::Gist,
            Some("brin") => IndexMethod::Brin,
            Some(other) => IndexMethod::Other(other.to_string()),
        },
        algorithm: MysqlAlgorithm::Default,
        lock: MysqlLockClause::Default,
        fulltext_or_spatial: matches!(method.as_deref(), Some("fulltext" | "spatial")),
    }
}

fn table_options(table: &QualifiedName, from: &TableOptions, to: &TableOptions) -> Vec<Action> {
    let t = || table.clone();
    match (from, to) {
        (TableOptions::Postgres(a), TableOptions::Postgres(b)) => {
            let mut out = Vec::new();
            if a.unlogged != b.unlogged {
                out.push(Action::AlterTableOptions {
                    table: t(),
                    rewrites: true,
                });
            }
            if a.row_level_security != b.row_level_security
                || a.force_row_level_security != b.force_row_level_security
            {
                out.push(Action::RowSecurity { table: t() });
            }
            if a.inherits != b.inherits {
                out.push(Action::Other {
                    what: format!("INHERIT / NO INHERIT on {table}"),
                });
            }
            out
        }
        (TableOptions::Mysql(a), TableOptions::Mysql(b)) => vec![Action::AlterTableOptions {
            table: t(),
            rewrites: a.engine != b.engine
                || a.charset != b.charset
                || a.collation != b.collation
                || a.row_format != b.row_format,
        }],
        _ => vec![Action::AlterTableOptions {
            table: t(),
            rewrites: false,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{Column, ColumnType, TextKind};

    fn e(sql: &str) -> Expr {
        Expr::with_key(sql, sql)
    }

    #[test]
    fn defaults_classified() {
        let d = |s: &str| default_kind(Some(&e(s)), Dialect::Postgres);
        assert_eq!(d("0"), DefaultKind::Constant);
        assert_eq!(d("'a(b)'::text"), DefaultKind::Constant);
        assert_eq!(d("now()"), DefaultKind::Constant);
        assert_eq!(d("nextval('s'::regclass)"), DefaultKind::Volatile);
        assert_eq!(d("gen_random_uuid()"), DefaultKind::Volatile);
        assert_eq!(d("my_func(1)"), DefaultKind::Unknown);
        assert_eq!(default_kind(None, Dialect::Postgres), DefaultKind::None);
    }

    #[test]
    fn alter_column_fills_both_sides() {
        let t = QualifiedName::new("public", "users");
        let mut from = Column::new(
            "name",
            ColumnType::Text {
                kind: TextKind::Varchar,
                max_len: Some(10),
            },
        );
        from.nullable = true;
        let mut to = from.clone();
        to.ty = ColumnType::Text {
            kind: TextKind::Varchar,
            max_len: Some(20),
        };
        to.nullable = false;
        to.default = Some(e("'x'::character varying"));
        let acts = actions_of(
            &Change::AlterColumn {
                table: t.clone(),
                from: from.clone(),
                to,
            },
            Dialect::Postgres,
        );
        assert_eq!(acts.len(), 3);
        assert!(matches!(&acts[0], Action::AlterColumnType { from: Some(f), .. } if *f == from.ty));
        assert!(matches!(acts[1], Action::SetNotNull { .. }));
        assert!(matches!(
            acts[2],
            Action::SetDefault {
                default: DefaultKind::Constant,
                ..
            }
        ));
    }

    #[test]
    fn data_steps_write_rows_in_bounded_batches_without_ddl_locks() {
        let t = QualifiedName::new("", "orders_archive");
        let moved = Change::Data {
            table: t.clone(),
            operation: DataOp::Copy {
                source: QualifiedName::new("", "orders"),
                key: vec!["id".into()],
                columns: vec!["id".into()],
                values: vec!["src.id".into()],
                filter: None,
                batch_size: 1000,
                delete_source: true,
            },
        };
        for d in Dialect::ALL {
            let acts = actions_of(&moved, d);
            assert!(matches!(&acts[0], Action::InsertRows { table } if *table == t));
            assert!(
                matches!(&acts[1], Action::DeleteRows { table, bounded: true } if table.name == "orders")
            );
            let e = crate::effect(&crate::Target::of_dialect(d, None), &acts[0]);
            assert!(!e.blocks().reads, "{d}: {e:?}");
        }
        let proof = Change::Data {
            table: t.clone(),
            operation: DataOp::ProofCheck {
                name: "n".into(),
                query: "SELECT 1".into(),
            },
        };
        assert!(matches!(
            actions_of(&proof, Dialect::Postgres)[0],
            Action::ReadRows { .. }
        ));
    }
}
