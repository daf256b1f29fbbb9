//! PostgreSQL partitions share their parent's columns: a column added to, dropped from or
//! altered on a partitioned table is added, dropped or altered on every partition by the same
//! statement (it recurses). So the differ compares a partition with what the parent's changes
//! make of it, and plans only what is left (a partition's own default, say); the simulator makes
//! the same recursion.

use migrex_dialect::postgres as pg;
use migrex_model::{Change, Column, QualifiedName, Schema, Table};

/// The partition `child` (old side) as the parent's column changes leave it, the parent going
/// from `parent_from` to `parent_to`.
pub(crate) fn expected_partition(
    child: &Table,
    parent: &QualifiedName,
    parent_from: &Table,
    parent_to: &Table,
) -> Table {
    let mut out = child.clone();
    out.columns.clear();
    for (name, pc) in &parent_to.columns {
        let col = match (parent_from.columns.get(name), child.columns.get(name)) {
            (None, _) => pg::partition_column(parent, pc),
            (Some(from), Some(c)) => pg::inherit_column_change(from, pc, c),
            (Some(_), None) => continue,
        };
        out.columns.insert(name.clone(), col);
    }
    // Columns the parent never had stay as they are (a table becoming a partition).
    for (name, c) in &child.columns {
        if !parent_from.columns.contains_key(name) && !parent_to.columns.contains_key(name) {
            out.columns.insert(name.clone(), c.clone());
        }
    }
    out
}

/// The partitions of `parent` in `s`, all levels down.
fn partitions_of(s: &Schema, parent: &QualifiedName) -> Vec<QualifiedName> {
    let mut out: Vec<QualifiedName> = Vec::new();
    let mut queue = vec![parent.clone()];
    while let Some(p) = queue.pop() {
        for (qn, t) in s.tables() {
            if t.partition_of.as_ref().is_some_and(|po| po.parent == p) && !out.contains(&qn) {
                queue.push(qn.clone());
                out.push(qn);
            }
        }
    }
    out
}

/// An edit applied to each partition of a changed table.
type PartitionEdit = Box<dyn Fn(&mut Table)>;

/// Applies to the partitions of the table a column change acted on what PostgreSQL's recursion
/// does to them (after the change itself was applied to the table).
pub(crate) fn propagate(s: &mut Schema, change: &Change) {
    let (table, edit): (&QualifiedName, PartitionEdit) = match change {
        Change::AddColumn { table, column } => {
            let c = pg::partition_column(table, column);
            (
                table,
                Box::new(move |t: &mut Table| {
                    t.columns.insert(c.name.clone(), c.clone());
                }),
            )
        }
        Change::DropColumn { table, column } => {
            let name = column.name.clone();
            (
                table,
                Box::new(move |t: &mut Table| {
                    t.columns.shift_remove(&name);
                }),
            )
        }
        Change::AlterColumn { table, from, to } => {
            let (from, to): (Column, Column) = (from.clone(), to.clone());
            (
                table,
                Box::new(move |t: &mut Table| {
                    if let Some(c) = t.columns.get_mut(&from.name) {
                        *c = pg::inherit_column_change(&from, &to, c);
                    }
                }),
            )
        }
        Change::RenameColumn { table, from, to } => {
            let (from, to) = (from.clone(), to.clone());
            (
                table,
                Box::new(move |t: &mut Table| {
                    if let Some(idx) = t.columns.get_index_of(&from)
                        && let Some((_, mut c)) = t.columns.shift_remove_index(idx)
                    {
                        c.name = to.clone();
                        t.columns.insert(to.clone(), c);
                        let last = t.columns.len() - 1;
                        t.columns.move_index(last, idx);
                    }
                }),
            )
        }
        _ => return,
    };
    if s.table(table).is_none_or(|t| t.partitioning.is_none()) {
        return;
    }
    for p in partitions_of(s, table) {
        if let Some(t) = s.table_mut(&p) {
            edit(t);
        }
    }
}
