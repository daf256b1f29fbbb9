//! Actions of online plan steps (`Change::Online`, built by `migrex_diff::online`).

use crate::{Action, MysqlAlgorithm, MysqlLockClause, actions_of, create_index};
use migrex_model::{Change, Dialect, OnlineOp, QualifiedName};

/// The actions the server executes for one online step.
pub(crate) fn actions(table: &QualifiedName, op: &OnlineOp, dialect: Dialect) -> Vec<Action> {
    let t = || table.clone();
    let pg = dialect == Dialect::Postgres;
    match op {
        OnlineOp::CreateIndex { index } => {
            let mut a = create_index(table, index, pg);
            if let Action::CreateIndex {
                algorithm, lock, ..
            } = &mut a
                && dialect == Dialect::Mysql
            {
                *algorithm = MysqlAlgorithm::Inplace;
                *lock = MysqlLockClause::None;
            }
            vec![a]
        }
        OnlineOp::DropIndex { index } => vec![Action::DropIndex {
            name: QualifiedName::new(table.namespace.clone(), index.name.clone()),
            table: Some(t()),
            concurrently: pg,
        }],
        OnlineOp::AddForeignKeyNotValid { foreign_key, .. } => vec![Action::AddForeignKey {
            table: t(),
            references: foreign_key.ref_table.clone(),
            not_valid: true,
        }],
        OnlineOp::AddCheckNotValid { name, .. } => vec![Action::AddCheck {
            table: t(),
            name: Some(name.clone()),
            not_valid: true,
        }],
        OnlineOp::ValidateConstraint { name } => vec![Action::ValidateConstraint {
            table: t(),
            name: name.clone(),
            references: None,
        }],
        OnlineOp::AddUniqueUsingIndex { unique, .. } => vec![Action::AddUnique {
            table: t(),
            name: unique.name.clone(),
            using_index: true,
        }],
        OnlineOp::AddPrimaryKeyUsingIndex { .. } => vec![Action::AddPrimaryKey {
            table: t(),
            using_index: true,
        }],
        OnlineOp::CreateSyncTrigger { .. } => vec![Action::CreateTrigger { table: t() }],
        OnlineOp::DropSyncTrigger { .. } => vec![Action::DropTrigger { table: t() }],
        OnlineOp::Backfill { .. } => vec![Action::UpdateRows {
            table: t(),
            bounded: true,
        }],
        OnlineOp::Analyze => vec![Action::Maintenance {
            table: Some(t()),
            what: "ANALYZE".into(),
        }],
        OnlineOp::Group { changes, .. } => changes
            .iter()
            .flat_map(|c: &Change| actions_of(c, dialect))
            .collect(),
        OnlineOp::Checkpoint { message } => vec![Action::Other {
            what: format!("deploy application code that {message}"),
        }],
    }
}
