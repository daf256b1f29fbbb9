//! The planner: the differ's changes, adapted to the dialect and ordered into steps.

mod dependants;
mod mysql;
mod order;
pub(crate) mod sqlite;

use crate::diff;
use crate::names::mentions;
use migrex_model::{
    Change, Column, Dialect, ForeignKey, Identity, IndexKey, Plan, QualifiedName, Renames, Schema,
    Sequence,
};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{HashMap, HashSet};

/// A change on its way to becoming a step.
pub(crate) struct Item {
    pub change: Change,
    pub slot: Slot,
}

/// Where a change goes when its kind's usual place is wrong for it (MySQL only so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    Usual,
    /// A `DropIndex` that must wait until the new indexes exist, because a foreign key that
    /// stays needs an index on its columns at every moment.
    AfterKeyAdds,
    /// An `AlterColumn` taking `AUTO_INCREMENT` off a column before the key it relies on goes
    /// ("there can be only one auto column and it must be defined as a key").
    BeforeKeyDrops,
    /// An `AlterColumn` putting `AUTO_INCREMENT` on a column once its key exists.
    AfterKeyAddsColumn,
}

impl Item {
    fn new(change: Change) -> Item {
        Item {
            change,
            slot: Slot::Usual,
        }
    }
}

pub(crate) fn build(from: &Schema, to: &Schema, renames: &Renames) -> Plan {
    let dialect = to.dialect;
    let diff::Diff {
        mut changes,
        mut notes,
        working,
    } = diff::compute(from, to, renames);
    match dialect {
        Dialect::Sqlite => {
            sqlite::collapse(&mut changes, &working, to);
            sqlite::split_case_only_renames(&mut changes);
        }
        Dialect::Mysql | Dialect::Postgres => {
            replace_generated_columns(&mut changes, &working, dialect);
            release_foreign_keys(&mut changes, &working, to, dialect);
            if dialect == Dialect::Mysql {
                mysql::keep_foreign_key_index_names(&mut changes, &working, to);
            }
        }
    }
    split_sequence_owners(&mut changes);
    break_cycles(&mut changes, dialect, &mut notes);
    dependants::recreate(&mut changes, &working, to);
    crate::diff::objects::drop_parts_of_recreated_views(&mut changes);
    let mut items: Vec<Item> = changes.into_iter().map(Item::new).collect();
    if dialect == Dialect::Mysql {
        mysql_auto_increment(&mut items, &working, to, &mut notes);
        mark_late_index_drops(&mut items, &working, to);
    }
    let steps = order::order(items, &working, to, &mut notes);
    Plan {
        dialect,
        steps,
        notes,
    }
}

fn without_owner(s: &Sequence) -> Sequence {
    Sequence {
        owned_by: None,
        ..s.clone()
    }
}

/// PostgreSQL `OWNED BY`: a sequence is created before the tables (their defaults use it) and
/// owned once its table exists; before its owner table or column goes, the ownership is
/// removed, or dropping the owner would silently drop the sequence too.
fn split_sequence_owners(changes: &mut Vec<Change>) {
    let mut extra = Vec::new();
    for c in changes.iter_mut() {
        match c {
            Change::CreateSequence { name, sequence } if sequence.owned_by.is_some() => {
                let bare = without_owner(sequence);
                extra.push(Change::AlterSequence {
                    name: name.clone(),
                    from: bare.clone(),
                    to: sequence.clone(),
                });
                *sequence = bare;
            }
            Change::DropSequence { name, sequence } if sequence.owned_by.is_some() => {
                let bare = without_owner(sequence);
                extra.push(Change::AlterSequence {
                    name: name.clone(),
                    from: sequence.clone(),
                    to: bare.clone(),
                });
                *sequence = bare;
            }
            Change::AlterSequence { name, from, to }
                if from.owned_by.is_some()
                    && to.owned_by.is_some()
                    && from.owned_by != to.owned_by =>
            {
                let bare = without_owner(from);
                extra.push(Change::AlterSequence {
                    name: name.clone(),
                    from: from.clone(),
                    to: bare.clone(),
                });
                *from = bare;
            }
            _ => {}
        }
    }
    changes.extend(extra);
}

/// PostgreSQL and MySQL check a foreign key's target when it is created, so tables that
/// reference each other are created without the foreign keys of the cycle, which are added
/// afterwards (a self-reference stays inline). Tables dropped together that reference each
/// other lose those foreign keys first. SQLite checks nothing in DDL: its cycles stay inline.
fn break_cycles(changes: &mut Vec<Change>, dialect: Dialect, notes: &mut Vec<String>) {
    let created: Vec<usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Change::CreateTable { .. }))
        .map(|(i, _)| i)
        .collect();
    let dropped: Vec<usize> = changes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Change::DropTable { .. }))
        .map(|(i, _)| i)
        .collect();
    let mut extra = Vec::new();
    for (set, creating) in [(created, true), (dropped, false)] {
        let tables = set
            .iter()
            .filter_map(|&i| table_change(&changes[i]).map(|(n, t)| (i, n, t)));
        for scc in fk_cycles(tables) {
            let members: HashSet<QualifiedName> = scc
                .iter()
                .filter_map(|&i| table_change(&changes[i]).map(|(n, _)| n.clone()))
                .collect();
            if dialect == Dialect::Sqlite {
                if !creating {
                    let mut names: Vec<String> = members.iter().map(|n| n.to_string()).collect();
                    names.sort();
                    notes.push(format!(
                        "tables {} reference each other and are all dropped; SQLite's DROP TABLE deletes their rows first, so run the migration with PRAGMA foreign_keys=OFF if they hold data",
                        names.join(", ")
                    ));
                }
                continue;
            }
            for &i in &scc {
                let (name, table) = match &mut changes[i] {
                    Change::CreateTable { name, table } | Change::DropTable { name, table } => {
                        (name.clone(), table)
                    }
                    _ => continue,
                };
                let (cut, keep): (Vec<ForeignKey>, Vec<ForeignKey>) = table
                    .foreign_keys
                    .drain(..)
                    .partition(|fk| fk.ref_table != name && members.contains(&fk.ref_table));
                table.foreign_keys = keep;
                for fk in cut {
                    extra.push(if creating {
                        Change::AddForeignKey {
                            table: name.clone(),
                            foreign_key: fk,
                        }
                    } else {
                        Change::DropForeignKey {
                            table: name.clone(),
                            foreign_key: fk,
                        }
                    });
                }
            }
        }
    }
    changes.extend(extra);
}

pub(crate) fn table_change(c: &Change) -> Option<(&QualifiedName, &migrex_model::Table)> {
    match c {
        Change::CreateTable { name, table } | Change::DropTable { name, table } => {
            Some((name, table))
        }
        _ => None,
    }
}

/// The strongly connected components (of more than one table) of the foreign key graph among
/// these tables, as the ids they were given.
pub(crate) fn fk_cycles<'a>(
    tables: impl Iterator<Item = (usize, &'a QualifiedName, &'a migrex_model::Table)>,
) -> Vec<Vec<usize>> {
    let tables: Vec<_> = tables.collect();
    let mut graph: DiGraph<usize, ()> = DiGraph::new();
    let mut node: HashMap<&QualifiedName, NodeIndex> = HashMap::new();
    for &(id, name, _) in &tables {
        node.insert(name, graph.add_node(id));
    }
    for &(_, name, table) in &tables {
        for fk in &table.foreign_keys {
            if &fk.ref_table != name
                && let Some(&target) = node.get(&fk.ref_table)
            {
                graph.add_edge(target, node[name], ());
            }
        }
    }
    tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| scc.len() > 1)
        .map(|scc| {
            let mut v: Vec<usize> = scc.into_iter().map(|n| graph[n]).collect();
            v.sort_unstable();
            v
        })
        .collect()
}

/// Foreign keys that would block a change of what they point at are dropped before it and
/// added back after it (or, when their table is dropped anyway, dropped early instead of with
/// the table): a key or unique index being dropped or recreated, a column being dropped
/// (PostgreSQL, MySQL), a column whose type changes (MySQL refuses it on either side).
fn release_foreign_keys(
    changes: &mut Vec<Change>,
    working: &Schema,
    to: &Schema,
    dialect: Dialect,
) {
    let mut keys: Vec<(&QualifiedName, Vec<&String>)> = Vec::new();
    let mut columns: Vec<(&QualifiedName, &String)> = Vec::new();
    let mut retyped: Vec<(&QualifiedName, &String)> = Vec::new();
    let dropped_tables: HashSet<&QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    for c in changes.iter() {
        match c {
            Change::DropUnique { table, unique } => {
                keys.push((table, unique.columns.iter().collect()));
            }
            Change::DropPrimaryKey { table, primary_key } => {
                keys.push((table, primary_key.columns.iter().collect()));
            }
            Change::DropIndex { table, index } if index.unique => keys.push((
                table,
                index
                    .parts
                    .iter()
                    .filter_map(|p| match &p.key {
                        IndexKey::Column(c) => Some(c),
                        IndexKey::Expr(_) => None,
                    })
                    .collect(),
            )),
            Change::DropColumn { table, column } => columns.push((table, &column.name)),
            Change::AlterColumn { table, from, to }
                if dialect == Dialect::Mysql && from.ty != to.ty =>
            {
                retyped.push((table, &from.name));
            }
            _ => {}
        }
    }
    if keys.is_empty() && columns.is_empty() && retyped.is_empty() {
        return;
    }
    // By table, so the check per foreign key does not scan every change (5,000-table plans).
    let mut keys_by: HashMap<&QualifiedName, Vec<&Vec<&String>>> = HashMap::new();
    for (t, cols) in &keys {
        keys_by.entry(*t).or_default().push(cols);
    }
    let mut columns_by: HashMap<&QualifiedName, Vec<&String>> = HashMap::new();
    for (t, c) in &columns {
        columns_by.entry(*t).or_default().push(*c);
    }
    let mut retyped_by: HashMap<&QualifiedName, Vec<&String>> = HashMap::new();
    for (t, c) in &retyped {
        retyped_by.entry(*t).or_default().push(*c);
    }
    let blocked = |tq: &QualifiedName, fk: &ForeignKey| {
        let r = &fk.ref_table;
        keys_by.get(r).is_some_and(|ks| {
            ks.iter().any(|cols| {
                cols.len() == fk.ref_columns.len()
                    && fk.ref_columns.iter().all(|c| cols.contains(&c))
            })
        }) || columns_by
            .get(r)
            .is_some_and(|cs| cs.iter().any(|c| fk.ref_columns.contains(c)))
            || retyped_by
                .get(tq)
                .is_some_and(|cs| cs.iter().any(|c| fk.columns.contains(c)))
            || retyped_by
                .get(r)
                .is_some_and(|cs| cs.iter().any(|c| fk.ref_columns.contains(c)))
    };
    let already: Vec<(&QualifiedName, &ForeignKey)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropForeignKey { table, foreign_key } => Some((table, foreign_key)),
            _ => None,
        })
        .collect();
    let mut extra = Vec::new();
    let mut strip: Vec<(QualifiedName, ForeignKey)> = Vec::new();
    for (tq, t) in working.tables() {
        for fk in &t.foreign_keys {
            if !blocked(&tq, fk) || already.contains(&(&tq, fk)) {
                continue;
            }
            if dropped_tables.contains(&tq) {
                strip.push((tq.clone(), fk.clone()));
            } else if to.table(&tq).is_some_and(|tt| tt.foreign_keys.contains(fk)) {
                extra.push(Change::AddForeignKey {
                    table: tq.clone(),
                    foreign_key: fk.clone(),
                });
            } else {
                // The differ drops it already (its table changed it or lost it).
                continue;
            }
            extra.push(Change::DropForeignKey {
                table: tq.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    // A dropped table's foreign key dropped early is no longer part of the table it drops.
    if !strip.is_empty() {
        for c in changes.iter_mut() {
            if let Change::DropTable { name, table } = c {
                table
                    .foreign_keys
                    .retain(|fk| !strip.iter().any(|(t, f)| t == name && f == fk));
            }
        }
    }
    changes.extend(extra);
}

/// A view reads these tables or views: its recorded dependencies or, when the reader recorded
/// none, the candidates its query mentions.
pub(crate) fn view_reads<'a>(
    view: &'a migrex_model::View,
    candidates: impl Iterator<Item = &'a QualifiedName>,
) -> Vec<QualifiedName> {
    if !view.depends_on.is_empty() {
        return view.depends_on.clone();
    }
    candidates
        .filter(|c| mentions(&view.definition.key, &c.name))
        .cloned()
        .collect()
}

/// MySQL: an index a remaining foreign key relies on cannot be dropped before its replacement
/// exists ("needed in a foreign key constraint"), so such drops wait for the new indexes.
fn mark_late_index_drops(items: &mut [Item], working: &Schema, to: &Schema) {
    let dropped_columns: HashSet<(QualifiedName, String)> = items
        .iter()
        .filter_map(|i| match &i.change {
            Change::DropColumn { table, column } => Some((table.clone(), column.name.clone())),
            _ => None,
        })
        .collect();
    let created_names: HashSet<(QualifiedName, String)> = items
        .iter()
        .filter_map(|i| match &i.change {
            Change::CreateIndex { table, index } => {
                Some((table.clone(), index.name.to_lowercase()))
            }
            _ => None,
        })
        .collect();
    for item in items.iter_mut() {
        let Change::DropIndex { table, index } = &item.change else {
            continue;
        };
        let (Some(w), Some(t)) = (working.table(table), to.table(table)) else {
            continue;
        };
        let cols: Vec<&String> = index
            .parts
            .iter()
            .filter_map(|p| match &p.key {
                IndexKey::Column(c) => Some(c),
                IndexKey::Expr(_) => None,
            })
            .collect();
        if cols
            .iter()
            .any(|c| dropped_columns.contains(&(table.clone(), (*c).clone())))
            || created_names.contains(&(table.clone(), index.name.to_lowercase()))
        {
            continue;
        }
        let supports_kept_fk = w.foreign_keys.iter().any(|fk| {
            t.foreign_keys.contains(fk)
                && fk.columns.len() <= cols.len()
                && fk
                    .columns
                    .iter()
                    .all(|c| cols[..fk.columns.len()].contains(&c))
        });
        if supports_kept_fk {
            item.slot = Slot::AfterKeyAdds;
        }
    }
}

/// Neither MySQL nor PostgreSQL (before 17) can turn a column into a generated one, change a
/// generation expression or switch STORED/VIRTUAL in place: the column is dropped and added
/// again (its values are computed anyway), with the indexes and constraints that use it.
/// PostgreSQL keeps the values of a generated column that becomes a plain one (`DROP
/// EXPRESSION`), so that stays an `AlterColumn`.
fn replace_generated_columns(changes: &mut Vec<Change>, working: &Schema, dialect: Dialect) {
    let mut replaced: Vec<(QualifiedName, String)> = Vec::new();
    let mut adds = Vec::new();
    for c in changes.iter_mut() {
        let Change::AlterColumn { table, from, to } = c else {
            continue;
        };
        if from.generated == to.generated
            || (dialect == Dialect::Postgres && to.generated.is_none())
        {
            continue;
        }
        replaced.push((table.clone(), from.name.clone()));
        adds.push(Change::AddColumn {
            table: table.clone(),
            column: to.clone(),
        });
        *c = Change::DropColumn {
            table: table.clone(),
            column: from.clone(),
        };
    }
    if replaced.is_empty() {
        return;
    }
    let mut extra = Vec::new();
    for (table, name) in &replaced {
        let Some(w) = working.table(table) else {
            continue;
        };
        let uses = |cols: &[String]| cols.iter().any(|c| c == name);
        let mut around = |drop: Change, add: Change| {
            if !changes.contains(&drop) && !extra.contains(&drop) {
                extra.push(drop);
                extra.push(add);
            }
        };
        for u in w.uniques.iter().filter(|u| uses(&u.columns)) {
            around(
                Change::DropUnique {
                    table: table.clone(),
                    unique: u.clone(),
                },
                Change::AddUnique {
                    table: table.clone(),
                    unique: u.clone(),
                },
            );
        }
        for i in &w.indexes {
            let on = i.parts.iter().any(|p| match &p.key {
                IndexKey::Column(c) => c == name,
                IndexKey::Expr(e) => mentions(&e.key, name),
            }) || uses(&i.include)
                || i.predicate.as_ref().is_some_and(|p| mentions(&p.key, name));
            if on {
                around(
                    Change::DropIndex {
                        table: table.clone(),
                        index: i.clone(),
                    },
                    Change::CreateIndex {
                        table: table.clone(),
                        index: i.clone(),
                    },
                );
            }
        }
        for k in w.checks.iter().filter(|k| mentions(&k.expr.key, name)) {
            around(
                Change::DropCheck {
                    table: table.clone(),
                    check: k.clone(),
                },
                Change::AddCheck {
                    table: table.clone(),
                    check: k.clone(),
                },
            );
        }
        for f in w.foreign_keys.iter().filter(|f| uses(&f.columns)) {
            around(
                Change::DropForeignKey {
                    table: table.clone(),
                    foreign_key: f.clone(),
                },
                Change::AddForeignKey {
                    table: table.clone(),
                    foreign_key: f.clone(),
                },
            );
        }
    }
    changes.extend(adds);
    changes.extend(extra);
}

fn is_auto_increment(c: &Column) -> bool {
    matches!(c.identity, Some(Identity::AutoIncrement))
}

fn without_auto_increment(c: &Column) -> Column {
    Column {
        identity: None,
        ..c.clone()
    }
}

/// The columns of a key a change drops (`true`) or adds (`false`).
fn index_cols(i: &migrex_model::Index) -> Vec<&String> {
    i.parts
        .iter()
        .filter_map(|p| match &p.key {
            IndexKey::Column(c) => Some(c),
            IndexKey::Expr(_) => None,
        })
        .collect()
}

fn key_change(c: &Change) -> Option<(&QualifiedName, Vec<&String>, bool)> {
    match c {
        Change::DropPrimaryKey { table, primary_key } => {
            Some((table, primary_key.columns.iter().collect(), true))
        }
        Change::AddPrimaryKey { table, primary_key } => {
            Some((table, primary_key.columns.iter().collect(), false))
        }
        Change::DropUnique { table, unique } => {
            Some((table, unique.columns.iter().collect(), true))
        }
        Change::AddUnique { table, unique } => {
            Some((table, unique.columns.iter().collect(), false))
        }
        Change::DropIndex { table, index } => Some((table, index_cols(index), true)),
        Change::CreateIndex { table, index } => Some((table, index_cols(index), false)),
        _ => None,
    }
}

/// MySQL: an `AUTO_INCREMENT` column must be a key at every moment. When its key is dropped,
/// `AUTO_INCREMENT` comes off first (and goes back on once the new key exists, if the column
/// keeps it); a column that gets `AUTO_INCREMENT` together with its key gets it after the key.
fn mysql_auto_increment(
    items: &mut Vec<Item>,
    working: &Schema,
    to: &Schema,
    notes: &mut Vec<String>,
) {
    // One AUTO_INCREMENT column per table: where it moves to another column, the column taking
    // it waits until the one giving it up is altered (after the key additions).
    let giving_up: HashSet<QualifiedName> = items
        .iter()
        .filter_map(|i| match &i.change {
            Change::AlterColumn { table, from, to }
                if is_auto_increment(from) && !is_auto_increment(to) =>
            {
                Some(table.clone())
            }
            Change::DropColumn { table, column } if is_auto_increment(column) => {
                Some(table.clone())
            }
            _ => None,
        })
        .collect();
    for item in items.iter_mut() {
        if let Change::AlterColumn { table, from, to } = &item.change
            && is_auto_increment(to)
            && !is_auto_increment(from)
            && giving_up.contains(table)
        {
            item.slot = Slot::AfterKeyAddsColumn;
        }
    }
    let mut dropped_keys: HashSet<(QualifiedName, String)> = HashSet::new();
    let mut added_keys: HashSet<(QualifiedName, String)> = HashSet::new();
    for item in items.iter() {
        if let Some((table, cols, drop)) = key_change(&item.change) {
            let set = if drop {
                &mut dropped_keys
            } else {
                &mut added_keys
            };
            for c in cols {
                set.insert((table.clone(), c.clone()));
            }
        }
    }
    if dropped_keys.is_empty() && added_keys.is_empty() {
        return;
    }
    let mut extra = Vec::new();
    let mut remove = vec![false; items.len()];
    // Columns losing their key.
    for (tq, w) in working.tables() {
        let Some(t) = to.table(&tq) else { continue };
        for old in w.columns.values().filter(|c| is_auto_increment(c)) {
            if !dropped_keys.contains(&(tq.clone(), old.name.clone())) {
                continue;
            }
            let bare = without_auto_increment(old);
            extra.push(Item {
                change: Change::AlterColumn {
                    table: tq.clone(),
                    from: old.clone(),
                    to: bare.clone(),
                },
                slot: Slot::BeforeKeyDrops,
            });
            let new = t.columns.get(&old.name);
            let mut handled = false;
            for (k, item) in items.iter_mut().enumerate() {
                match &mut item.change {
                    Change::DropColumn { table, column }
                        if *table == tq && column.name == old.name =>
                    {
                        *column = bare.clone();
                        handled = true;
                    }
                    Change::AlterColumn { table, from, to }
                        if *table == tq && from.name == old.name =>
                    {
                        handled = true;
                        if is_auto_increment(to) {
                            remove[k] = true;
                        } else {
                            *from = bare.clone();
                            if from == to {
                                remove[k] = true;
                            }
                        }
                    }
                    _ => {}
                }
            }
            if let Some(new) = new
                && is_auto_increment(new)
            {
                extra.push(Item {
                    change: Change::AlterColumn {
                        table: tq.clone(),
                        from: bare,
                        to: new.clone(),
                    },
                    slot: Slot::AfterKeyAddsColumn,
                });
            } else if !handled {
                // Unchanged otherwise and no longer AUTO_INCREMENT cannot happen (that would be
                // an AlterColumn); nothing more to do.
            }
        }
    }
    // Columns getting AUTO_INCREMENT with a key added in the same plan.
    for (k, item) in items.iter_mut().enumerate() {
        if remove[k] {
            continue;
        }
        let (table, new) = match &mut item.change {
            Change::AddColumn { table, column } if is_auto_increment(column) => {
                let new = column.clone();
                if !added_keys.contains(&(table.clone(), new.name.clone())) {
                    continue;
                }
                *column = without_auto_increment(&new);
                if !new.nullable && new.default.is_none() {
                    notes.push(format!(
                        "MySQL: {table}.{} is added without AUTO_INCREMENT, keyed, then made AUTO_INCREMENT; on a table that already has rows the key sees duplicate zeros, so add such a column in one statement by hand",
                        new.name
                    ));
                }
                (table.clone(), new)
            }
            Change::AlterColumn { table, from, to }
                if is_auto_increment(to) && !is_auto_increment(from) =>
            {
                if !added_keys.contains(&(table.clone(), to.name.clone())) {
                    continue;
                }
                let new = to.clone();
                *to = without_auto_increment(&new);
                if from == to {
                    remove[k] = true;
                }
                (table.clone(), new)
            }
            _ => continue,
        };
        extra.push(Item {
            change: Change::AlterColumn {
                table,
                from: without_auto_increment(&new),
                to: new,
            },
            slot: Slot::AfterKeyAddsColumn,
        });
    }
    let mut k = 0;
    items.retain(|_| {
        k += 1;
        !remove[k - 1]
    });
    items.extend(extra);
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{ColumnType, FkAction, SequenceOptions, Table};

    fn qn(n: &str) -> QualifiedName {
        QualifiedName::new("public", n)
    }

    fn fk(target: &str) -> ForeignKey {
        ForeignKey {
            name: Some(format!("to_{target}")),
            columns: vec!["x".into()],
            ref_table: qn(target),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: None,
            match_full: false,
        }
    }

    fn table(name: &str, targets: &[&str]) -> Table {
        let mut t = Table::new(name);
        t.foreign_keys = targets.iter().map(|t| fk(t)).collect();
        t
    }

    #[test]
    fn cycles_are_found_and_cut() {
        let mut changes = vec![
            Change::CreateTable {
                name: qn("a"),
                table: table("a", &["b", "a"]),
            },
            Change::CreateTable {
                name: qn("b"),
                table: table("b", &["a"]),
            },
            Change::CreateTable {
                name: qn("c"),
                table: table("c", &["a"]),
            },
        ];
        let tables = changes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| table_change(c).map(|(n, t)| (i, n, t)));
        assert_eq!(fk_cycles(tables), vec![vec![0, 1]]);
        break_cycles(&mut changes, Dialect::Postgres, &mut Vec::new());
        let Change::CreateTable { table: a, .. } = &changes[0] else {
            unreachable!()
        };
        assert_eq!(a.foreign_keys, vec![fk("a")], "the self-reference stays");
        let cut: Vec<_> = changes[3..].iter().map(Change::describe).collect();
        assert_eq!(
            cut,
            [
                "add foreign key public.a(x) -> public.b",
                "add foreign key public.b(x) -> public.a"
            ]
        );
        // SQLite keeps them inline.
        let mut sqlite = changes[..3].to_vec();
        sqlite[0] = Change::CreateTable {
            name: qn("a"),
            table: table("a", &["b"]),
        };
        let before = sqlite.clone();
        break_cycles(&mut sqlite, Dialect::Sqlite, &mut Vec::new());
        assert_eq!(sqlite, before);
    }

    #[test]
    fn owned_sequences_are_owned_after_their_table_exists() {
        let seq = Sequence {
            name: "s".into(),
            data_type: None,
            options: SequenceOptions::default(),
            owned_by: Some((qn("t"), "id".into())),
            comment: None,
        };
        let mut changes = vec![Change::CreateSequence {
            name: qn("s"),
            sequence: seq.clone(),
        }];
        split_sequence_owners(&mut changes);
        assert_eq!(changes.len(), 2);
        assert!(
            matches!(&changes[0], Change::CreateSequence { sequence, .. } if sequence.owned_by.is_none())
        );
        assert!(matches!(&changes[1], Change::AlterSequence { to, .. } if *to == seq));
    }

    #[test]
    fn mysql_type_change_releases_foreign_keys_on_both_sides() {
        let mut working = Schema::new(Dialect::Mysql);
        let mut parent = Table::new("p");
        parent
            .columns
            .insert("id".into(), Column::new("id", ColumnType::int(4)));
        let mut child = table("c", &["p"]);
        child
            .columns
            .insert("x".into(), Column::new("x", ColumnType::int(4)));
        working
            .namespace_mut("public")
            .tables
            .insert("p".into(), parent.clone());
        working
            .namespace_mut("public")
            .tables
            .insert("c".into(), child);
        let to = working.clone();
        let mut changes = vec![Change::AlterColumn {
            table: qn("p"),
            from: Column::new("id", ColumnType::int(4)),
            to: Column::new("id", ColumnType::int(8)),
        }];
        release_foreign_keys(&mut changes, &working, &to, Dialect::Mysql);
        let kinds: Vec<_> = changes.iter().map(Change::describe).collect();
        assert_eq!(
            kinds,
            [
                "alter column public.p.id",
                "add foreign key public.c(x) -> public.p",
                "drop foreign key public.c(x) -> public.p"
            ]
        );
        // PostgreSQL changes such types in place.
        let mut changes = changes[..1].to_vec();
        release_foreign_keys(&mut changes, &working, &to, Dialect::Postgres);
        assert_eq!(changes.len(), 1);
    }
}
