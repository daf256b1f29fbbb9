//! Ordering: every change gets a rank (its place in the global order, see the crate doc) and
//! explicit dependencies on the changes it needs; a topological sort that always takes the
//! lowest-ranked ready change yields the steps. Ties go by object order: the namespace, then the
//! object's position in the new schema for creations, in the old schema for drops.

use super::{Item, Slot, view_reads};
use crate::names::mentions;
use migrex_model::{Change, Column, Dialect, Phase, QualifiedName, Schema, Step, Table};
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

// Ranks of the global order.
const CREATE_NAMESPACES: usize = 0;
const CREATE_TYPES: usize = 1;
const RENAMES: usize = 2;
const DROP_CONSTRAINTS: usize = 3;
const DROP_VIEWS: usize = 4;
const ALTER_TABLES: usize = 5;
const CREATE_TABLES: usize = 6;
const ADD_CONSTRAINTS: usize = 7;
const CREATE_VIEWS: usize = 8;
const DROP_TABLES: usize = 9;
const DROP_TYPES: usize = 10;
const DROP_NAMESPACES: usize = 11;

/// Sort key: rank, then sub-rank and object position (object first inside the table-change
/// rank, so one table's changes stay together), then creation order.
type Key = (usize, usize, usize, usize);

/// Object positions for tie-breaking.
struct Positions {
    new: HashMap<QualifiedName, usize>,
    old: HashMap<QualifiedName, usize>,
    new_ns: HashMap<String, usize>,
    old_ns: HashMap<String, usize>,
}

impl Positions {
    fn of(schema: &Schema) -> (HashMap<QualifiedName, usize>, HashMap<String, usize>) {
        let mut objects = HashMap::new();
        let mut namespaces = HashMap::new();
        let mut n = 0;
        for (i, (ns_name, ns)) in schema.namespaces.iter().enumerate() {
            namespaces.insert(ns_name.clone(), i);
            let names = ns
                .enums
                .keys()
                .chain(ns.sequences.keys())
                .chain(ns.tables.keys())
                .chain(ns.views.keys());
            for name in names {
                objects
                    .entry(QualifiedName::new(ns_name.clone(), name.clone()))
                    .or_insert(n);
                n += 1;
            }
        }
        (objects, namespaces)
    }

    fn new(working: &Schema, to: &Schema) -> Positions {
        let (new, new_ns) = Positions::of(to);
        let (old, old_ns) = Positions::of(working);
        Positions {
            new,
            old,
            new_ns,
            old_ns,
        }
    }

    fn object(&self, name: &QualifiedName, drop: bool) -> usize {
        let (first, second) = if drop {
            (&self.old, &self.new)
        } else {
            (&self.new, &self.old)
        };
        first
            .get(name)
            .or_else(|| second.get(name))
            .copied()
            .unwrap_or(usize::MAX)
    }

    fn namespace(&self, name: &str, drop: bool) -> usize {
        let (first, second) = if drop {
            (&self.old_ns, &self.new_ns)
        } else {
            (&self.new_ns, &self.old_ns)
        };
        first
            .get(name)
            .or_else(|| second.get(name))
            .copied()
            .unwrap_or(usize::MAX)
    }
}

/// The rank and sub-rank of a change.
fn rank(item: &Item) -> (usize, usize) {
    use Change::*;
    match item.slot {
        Slot::AfterKeyAdds => return (ADD_CONSTRAINTS, 7),
        Slot::BeforeKeyDrops => return (DROP_CONSTRAINTS, 1),
        Slot::AfterKeyAddsColumn => return (ADD_CONSTRAINTS, 3),
        Slot::Usual => {}
    }
    match &item.change {
        CreateNamespace { .. } => (CREATE_NAMESPACES, 0),
        SetNamespaceComment { .. } => (CREATE_NAMESPACES, 1),
        CreateExtension { .. } => (CREATE_NAMESPACES, 2),
        AlterExtension { .. } => (CREATE_NAMESPACES, 3),
        CreateEnum { .. } => (CREATE_TYPES, 0),
        AddEnumValue { .. } => (CREATE_TYPES, 1),
        CreateSequence { .. } => (CREATE_TYPES, 2),
        CreateDomain { .. } => (CREATE_TYPES, 4),
        CreateCompositeType { .. } => (CREATE_TYPES, 5),
        AlterCompositeType { .. } => (CREATE_TYPES, 6),
        AlterDomain { .. } => (CREATE_TYPES, 7),
        // Functions before tables (defaults, checks and indexes call them); bodies are not
        // checked at creation (the PostgreSQL renderer turns check_function_bodies off), and a
        // signature naming a table gets an explicit dependency.
        CreateFunction { .. } => (CREATE_TYPES, 8),
        ReplaceFunction { .. } => (CREATE_TYPES, 9),
        AlterSequence { from, to, .. } => {
            if from.owned_by.is_some() && to.owned_by.is_none() {
                (DROP_CONSTRAINTS, 6)
            } else if to.owned_by.is_some() && from.owned_by != to.owned_by {
                (ADD_CONSTRAINTS, 6)
            } else {
                (CREATE_TYPES, 3)
            }
        }
        RenameTable { .. } => (RENAMES, 0),
        RenameColumn { .. } => (RENAMES, 1),
        RenameIndex { .. } | RenameConstraint { .. } => (RENAMES, 2),
        DropForeignKey { .. } => (DROP_CONSTRAINTS, 0),
        DropCheck { .. } | DropExclusion { .. } => (DROP_CONSTRAINTS, 2),
        DropUnique { .. } => (DROP_CONSTRAINTS, 3),
        DropIndex { .. } => (DROP_CONSTRAINTS, 4),
        DropPrimaryKey { .. } => (DROP_CONSTRAINTS, 5),
        DropView { .. } => (DROP_VIEWS, 0),
        DropTrigger { .. } => (DROP_VIEWS, 1),
        DropPolicy { .. } => (DROP_VIEWS, 2),
        DetachPartition { .. } => (DROP_VIEWS, 3),
        // Renames the old type away and converts the columns before new tables use the new one.
        RecreateEnum { .. } => (ALTER_TABLES, 0),
        AlterTableOptions { .. } => (ALTER_TABLES, 0),
        AddColumn { .. } => (ALTER_TABLES, 1),
        AlterColumn { .. } => (ALTER_TABLES, 2),
        // Online steps are made from an ordered plan, never ordered again.
        Online { .. } => (ALTER_TABLES, 2),
        // Recipes order their data steps themselves.
        Data { .. } => (ALTER_TABLES, 2),
        DropColumn { .. } => (ALTER_TABLES, 3),
        RebuildTable { .. } => (ALTER_TABLES, 4),
        SetTableComment { .. } => (ALTER_TABLES, 5),
        AlterPartitioning { .. } => (ALTER_TABLES, 6),
        CreateTable { .. } => (CREATE_TABLES, 0),
        AddPrimaryKey { .. } => (ADD_CONSTRAINTS, 0),
        AddUnique { .. } => (ADD_CONSTRAINTS, 1),
        CreateIndex { .. } => (ADD_CONSTRAINTS, 2),
        AddCheck { .. } | AddExclusion { .. } => (ADD_CONSTRAINTS, 4),
        AddForeignKey { .. } => (ADD_CONSTRAINTS, 5),
        AttachPartition { .. } => (ADD_CONSTRAINTS, 8),
        CreateView { .. } => (CREATE_VIEWS, 0),
        SetViewComment { .. } => (CREATE_VIEWS, 1),
        CreateTrigger { .. } => (CREATE_VIEWS, 2),
        CreatePolicy { .. } => (CREATE_VIEWS, 3),
        AlterPolicy { .. } => (CREATE_VIEWS, 4),
        SetComment { .. } => (CREATE_VIEWS, 5),
        // Rules name tables and views in their actions: after all of them, dropped before.
        CreateRule { .. } => (CREATE_VIEWS, 2),
        DropRule { .. } => (DROP_CONSTRAINTS, 0),
        // A catalog mark on an index: once the index exists.
        SetClusterOn { .. } => (CREATE_VIEWS, 6),
        DropTable { .. } => (DROP_TABLES, 0),
        DropFunction { .. } => (DROP_TYPES, 0),
        DropSequence { .. } => (DROP_TYPES, 1),
        DropDomain { .. } => (DROP_TYPES, 2),
        DropCompositeType { .. } => (DROP_TYPES, 3),
        DropEnum { .. } => (DROP_TYPES, 4),
        DropExtension { .. } => (DROP_NAMESPACES, 0),
        DropNamespace { .. } => (DROP_NAMESPACES, 1),
    }
}

fn is_drop(c: &Change) -> bool {
    use Change::*;
    matches!(
        c,
        DropNamespace { .. }
            | DropEnum { .. }
            | DropSequence { .. }
            | DropTable { .. }
            | DropColumn { .. }
            | DropPrimaryKey { .. }
            | DropUnique { .. }
            | DropForeignKey { .. }
            | DropCheck { .. }
            | DropExclusion { .. }
            | DropIndex { .. }
            | DropView { .. }
            | DropExtension { .. }
            | DropDomain { .. }
            | DropCompositeType { .. }
            | DropFunction { .. }
            | DropTrigger { .. }
            | DropPolicy { .. }
            | DropRule { .. }
            | DetachPartition { .. }
    )
}

fn namespace_of(c: &Change) -> Option<&str> {
    match c {
        Change::CreateNamespace { .. }
        | Change::DropNamespace { .. }
        | Change::SetNamespaceComment { .. } => None,
        other => other.subject().map(|q| q.namespace.as_str()),
    }
}

fn is_constraint_drop(item: &Item) -> bool {
    use Change::*;
    item.slot == Slot::Usual
        && matches!(
            item.change,
            DropForeignKey { .. }
                | DropCheck { .. }
                | DropExclusion { .. }
                | DropUnique { .. }
                | DropIndex { .. }
                | DropPrimaryKey { .. }
        )
}

fn is_key_add(c: &Change) -> bool {
    use Change::*;
    matches!(
        c,
        AddPrimaryKey { .. } | AddUnique { .. } | CreateIndex { .. }
    )
}

fn is_constraint_add(c: &Change) -> bool {
    use Change::*;
    is_key_add(c)
        || matches!(
            c,
            AddCheck { .. } | AddExclusion { .. } | AddForeignKey { .. }
        )
}

/// A change of a table's columns, options or comment in its usual place.
fn is_table_alter(item: &Item) -> bool {
    use Change::*;
    item.slot == Slot::Usual
        && matches!(
            item.change,
            AddColumn { .. }
                | AlterColumn { .. }
                | DropColumn { .. }
                | RebuildTable { .. }
                | AlterTableOptions { .. }
                | SetTableComment { .. }
        )
}

/// Columns a change brings in (new side) and takes away (old side), for type and sequence
/// dependencies.
fn new_columns(c: &Change) -> Vec<&Column> {
    match c {
        Change::CreateTable { table, .. } | Change::RebuildTable { to: table, .. } => {
            table.columns.values().collect()
        }
        Change::AddColumn { column, .. } | Change::AlterColumn { to: column, .. } => vec![column],
        _ => Vec::new(),
    }
}

fn old_columns(c: &Change) -> Vec<&Column> {
    match c {
        Change::DropTable { table, .. } | Change::RebuildTable { from: table, .. } => {
            table.columns.values().collect()
        }
        Change::DropColumn { column, .. } | Change::AlterColumn { from: column, .. } => {
            vec![column]
        }
        _ => Vec::new(),
    }
}

fn fks_of(c: &Change) -> &[migrex_model::ForeignKey] {
    match c {
        Change::CreateTable { table, .. } => &table.foreign_keys,
        Change::AddForeignKey { foreign_key, .. } => std::slice::from_ref(foreign_key),
        _ => &[],
    }
}

fn old_table(c: &Change) -> Option<&Table> {
    match c {
        Change::DropTable { table, .. } | Change::RebuildTable { from: table, .. } => Some(table),
        _ => None,
    }
}

struct Edges {
    graph: DiGraph<usize, ()>,
    nodes: Vec<NodeIndex>,
}

impl Edges {
    /// `after` depends on `before`.
    fn add(&mut self, before: usize, after: usize) {
        if before != after {
            self.graph
                .update_edge(self.nodes[before], self.nodes[after], ());
        }
    }
}

pub(crate) fn order(
    items: Vec<Item>,
    working: &Schema,
    to: &Schema,
    notes: &mut Vec<String>,
) -> Vec<Step> {
    let dialect = to.dialect;
    let (sequence, preds) = sort(&items, working, to, notes);
    let mut id_of = vec![0; items.len()];
    for (id, &i) in sequence.iter().enumerate() {
        id_of[i] = id;
    }
    let recreated: HashSet<QualifiedName> = items
        .iter()
        .filter_map(|i| match &i.change {
            Change::CreateView { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    let mut items: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    sequence
        .iter()
        .enumerate()
        .filter_map(|(id, &i)| {
            let mut depends_on: Vec<usize> = preds[i].iter().map(|&j| id_of[j]).collect();
            depends_on.sort_unstable();
            depends_on.dedup();
            let change = items[i].take()?.change;
            let phase = match &change {
                Change::DropTable { .. }
                | Change::DropColumn { .. }
                | Change::DropSequence { .. }
                | Change::DropEnum { .. }
                | Change::DropNamespace { .. } => Phase::Contract,
                Change::DropView { name, .. } if !recreated.contains(name) => Phase::Contract,
                _ => Phase::Expand,
            };
            let transactional = match dialect {
                // ALTER TYPE ... ADD VALUE cannot run in a transaction block before PG 12.
                Dialect::Postgres => !matches!(change, Change::AddEnumValue { .. }),
                // Every MySQL DDL statement commits implicitly.
                Dialect::Mysql => false,
                // The rebuild switches foreign key enforcement off, which only works outside
                // a transaction; it manages its own.
                Dialect::Sqlite => !matches!(change, Change::RebuildTable { .. }),
            };
            Some(Step {
                id,
                change,
                phase,
                depends_on,
                transactional,
            })
        })
        .collect()
}

/// The order of the items (indexes) and, for each item, the items it depends on.
fn sort(
    items: &[Item],
    working: &Schema,
    to: &Schema,
    notes: &mut Vec<String>,
) -> (Vec<usize>, Vec<Vec<usize>>) {
    let dialect = to.dialect;
    let pos = Positions::new(working, to);
    let n = items.len();
    let mut graph = DiGraph::with_capacity(n, n * 2);
    let nodes: Vec<NodeIndex> = (0..n).map(|i| graph.add_node(i)).collect();
    let mut edges = Edges { graph, nodes };

    // Indexes of the changes by what they act on.
    let mut by_table: HashMap<&QualifiedName, Vec<usize>> = HashMap::new();
    let mut create_table: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut drop_table: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut create_view: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut drop_view: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut create_ns: HashMap<&str, usize> = HashMap::new();
    let mut drop_ns: HashMap<&str, usize> = HashMap::new();
    let mut enum_adds: HashMap<&QualifiedName, Vec<usize>> = HashMap::new();
    let mut drop_enum: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut create_seq: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut drop_seq: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut fk_drops_into: HashMap<&QualifiedName, Vec<usize>> = HashMap::new();
    // Routines by name (any overload) and user types by name, for triggers and signatures.
    let mut create_fn: HashMap<&QualifiedName, Vec<usize>> = HashMap::new();
    // MySQL has no overloading: a routine whose signature changes is dropped before it is
    // created again under the same name.
    let mut drop_fn: HashMap<&QualifiedName, Vec<usize>> = HashMap::new();
    let mut create_type: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut drop_type: HashMap<&QualifiedName, usize> = HashMap::new();
    // Table renames sharing a name run in the order the differ applied them (a chain frees a
    // name before it is taken; a case-only rename passes through a temporary name).
    let mut last_rename: HashMap<&QualifiedName, usize> = HashMap::new();
    let mut rename_after: Vec<(usize, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let c = &item.change;
        if let Some(t) = c.table() {
            by_table.entry(t).or_default().push(i);
        }
        match c {
            Change::CreateTable { name, .. } => {
                create_table.insert(name, i);
            }
            Change::DropTable { name, .. } => {
                drop_table.insert(name, i);
            }
            Change::CreateView { name, .. } => {
                create_view.insert(name, i);
            }
            Change::DropView { name, .. } => {
                drop_view.insert(name, i);
            }
            Change::CreateNamespace { name } => {
                create_ns.insert(name, i);
            }
            Change::DropNamespace { name } => {
                drop_ns.insert(name, i);
            }
            Change::RenameTable { from, to } => {
                for name in [from, to] {
                    if let Some(j) = last_rename.insert(name, i) {
                        rename_after.push((j, i));
                    }
                }
            }
            Change::CreateEnum { name, .. } | Change::AddEnumValue { name, .. } => {
                enum_adds.entry(name).or_default().push(i);
            }
            Change::DropEnum { name, .. } => {
                drop_enum.insert(name, i);
            }
            Change::CreateSequence { name, .. } => {
                create_seq.insert(name, i);
            }
            Change::DropSequence { name, .. } => {
                drop_seq.insert(name, i);
            }
            Change::CreateFunction { name, .. } | Change::ReplaceFunction { name, .. } => {
                create_fn.entry(name).or_default().push(i);
            }
            Change::DropFunction { name, .. } if dialect == Dialect::Mysql => {
                drop_fn.entry(name).or_default().push(i);
            }
            Change::CreateDomain { name, .. } | Change::CreateCompositeType { name, .. } => {
                create_type.insert(name, i);
            }
            Change::DropDomain { name, .. } | Change::DropCompositeType { name, .. } => {
                drop_type.insert(name, i);
            }
            Change::DropForeignKey { foreign_key, .. } if item.slot == Slot::Usual => {
                fk_drops_into
                    .entry(&foreign_key.ref_table)
                    .or_default()
                    .push(i);
            }
            _ => {}
        }
    }
    let on = |t: &QualifiedName| by_table.get(t).map(Vec::as_slice).unwrap_or(&[]);
    // Routines dropped, by name, for the aggregates that use them.
    let mut drop_routine: HashMap<&QualifiedName, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Change::DropFunction { name, .. } = &item.change {
            drop_routine.entry(name).or_default().push(i);
        }
    }
    // Trigger functions of the old schema, with the tables and views whose triggers run them.
    let mut trigger_tables: HashMap<&QualifiedName, Vec<&QualifiedName>> = HashMap::new();
    for t in working.triggers() {
        if let migrex_model::TriggerAction::Function { function, .. } = &t.action {
            trigger_tables.entry(function).or_default().push(&t.table);
        }
    }

    // Views being dropped, by what they read (recorded dependencies, else tables and views
    // with changes whose names the query mentions).
    let touched: Vec<&QualifiedName> = by_table
        .keys()
        .copied()
        .chain(drop_view.keys().copied())
        .collect();
    let mut views_over: HashMap<QualifiedName, Vec<usize>> = HashMap::new();
    for (&vq, &i) in &drop_view {
        if let Change::DropView { view, .. } = &items[i].change {
            for dep in view_reads(view, touched.iter().copied()) {
                if &dep != vq {
                    views_over.entry(dep).or_default().push(i);
                }
            }
        }
    }
    let views_reading = |t: &QualifiedName| views_over.get(t).map(Vec::as_slice).unwrap_or(&[]);
    // What a new view may read, for views whose dependencies were not recorded.
    let view_candidates: Vec<&QualifiedName> = create_view
        .keys()
        .copied()
        .chain(by_table.keys().copied())
        .collect();

    // SQLite keeps cyclic foreign keys inline: creation order ignores the cycles' edges.
    let mut same_cycle: HashSet<(QualifiedName, QualifiedName)> = HashSet::new();
    if dialect == Dialect::Sqlite {
        for set in [&create_table, &drop_table] {
            let mut set: Vec<usize> = set.values().copied().collect();
            set.sort_unstable();
            let tables = set
                .iter()
                .filter_map(|&i| super::table_change(&items[i].change).map(|(n, t)| (i, n, t)));
            for scc in super::fk_cycles(tables) {
                let names: Vec<QualifiedName> = scc
                    .iter()
                    .filter_map(|&i| items[i].change.table().cloned())
                    .collect();
                for a in &names {
                    for b in &names {
                        same_cycle.insert((a.clone(), b.clone()));
                    }
                }
            }
        }
    }

    for (i, item) in items.iter().enumerate() {
        let c = &item.change;

        // Indexes and CLUSTER marks of a materialized view come after the view; rules after
        // what they are on and mention, and dropped before those; aggregates after their
        // support functions, and dropped before them.
        match c {
            Change::CreateIndex { table, .. }
            | Change::RenameIndex { table, .. }
            | Change::SetClusterOn { table, .. } => {
                if let Some(&j) = create_view.get(table) {
                    edges.add(j, i);
                }
            }
            Change::CreateRule { rule } => {
                for t in std::iter::once(&rule.table).chain(&rule.depends_on) {
                    for j in create_table.get(t).into_iter().chain(create_view.get(t)) {
                        edges.add(*j, i);
                    }
                }
            }
            Change::DropRule { rule } => {
                for t in std::iter::once(&rule.table).chain(&rule.depends_on) {
                    for j in drop_table.get(t).into_iter().chain(drop_view.get(t)) {
                        edges.add(i, *j);
                    }
                }
            }
            Change::CreateFunction { function, .. }
            | Change::ReplaceFunction { to: function, .. } => {
                for f in function.aggregate.iter().flat_map(|a| a.functions()) {
                    for &j in create_fn.get(f).map(Vec::as_slice).unwrap_or(&[]) {
                        edges.add(j, i);
                    }
                }
            }
            Change::DropFunction { function, .. } => {
                for f in function.aggregate.iter().flat_map(|a| a.functions()) {
                    for &j in drop_routine.get(f).map(Vec::as_slice).unwrap_or(&[]) {
                        edges.add(i, j);
                    }
                }
            }
            _ => {}
        }

        // Namespaces exist before what goes in them and go after it.
        if let Some(ns) = namespace_of(c) {
            if let Some(&j) = create_ns.get(ns) {
                edges.add(j, i);
            }
            if let Some(&j) = drop_ns.get(ns) {
                edges.add(i, j);
            }
        }
        if let Change::RenameTable { from, .. } = c
            && let Some(&j) = drop_ns.get(from.namespace.as_str())
        {
            edges.add(i, j);
        }

        if let Some(t) = c.table() {
            // Renames first.
            if !matches!(c, Change::RenameTable { .. }) {
                for &j in on(t) {
                    let renames_table = matches!(items[j].change, Change::RenameTable { .. });
                    let renames_column = matches!(items[j].change, Change::RenameColumn { .. });
                    if renames_table
                        || (renames_column && !matches!(c, Change::RenameColumn { .. }))
                    {
                        edges.add(j, i);
                    }
                }
            }
            // Shape changes wait for the constraints, indexes and views they would break.
            if is_table_alter(item) {
                for &j in on(t) {
                    if is_constraint_drop(&items[j]) {
                        edges.add(j, i);
                    }
                }
                for &j in fk_drops_into.get(t).map(Vec::as_slice).unwrap_or(&[]) {
                    edges.add(j, i);
                }
                for &j in views_reading(t) {
                    edges.add(j, i);
                }
            }
            // Keys, indexes and checks come after the columns they use and after what they
            // replace.
            if is_constraint_add(c) {
                for &j in on(t) {
                    let other = &items[j];
                    if matches!(other.change, Change::CreateTable { .. })
                        || is_table_alter(other)
                        || is_constraint_drop(other)
                    {
                        edges.add(j, i);
                    }
                }
            }
            match item.slot {
                Slot::AfterKeyAdds | Slot::AfterKeyAddsColumn => {
                    for &j in on(t) {
                        let other = &items[j];
                        if (is_key_add(&other.change) && other.slot == Slot::Usual)
                            || is_table_alter(other)
                            || matches!(other.change, Change::CreateTable { .. })
                        {
                            edges.add(j, i);
                        }
                    }
                }
                Slot::BeforeKeyDrops => {
                    // The key drops and the column's own drop wait for it.
                    for &j in on(t) {
                        let other = &items[j].change;
                        let after = match other {
                            Change::DropPrimaryKey { .. }
                            | Change::DropUnique { .. }
                            | Change::DropIndex { .. } => true,
                            Change::DropColumn { column, .. }
                            | Change::AlterColumn { from: column, .. } => {
                                matches!(c, Change::AlterColumn { from, .. } if from.name == column.name)
                            }
                            _ => false,
                        };
                        if after && j != i {
                            edges.add(i, j);
                        }
                    }
                }
                Slot::Usual => {}
            }
            // A column dropped and added again under the same name (generated columns) goes
            // first; otherwise columns are added before others are dropped (MySQL refuses to
            // drop a table's last column).
            // A generated column goes before the columns its expression reads.
            if let Change::DropColumn { table, column } = c {
                for &j in on(table) {
                    if let Change::DropColumn { column: g, .. } = &items[j].change
                        && g.generated
                            .as_ref()
                            .is_some_and(|x| mentions(&x.expr.key, &column.name))
                    {
                        edges.add(j, i);
                    }
                }
            }
            if let Change::AddColumn { table, column } = c {
                let replaced = |name: &str| {
                    on(table).iter().any(|&k| {
                        matches!(&items[k].change, Change::DropColumn { column: d, .. } if d.name == name)
                    }) && on(table).iter().any(|&k| {
                        matches!(&items[k].change, Change::AddColumn { column: a, .. } if a.name == name)
                    })
                };
                let replacing = replaced(&column.name);
                for &j in on(table) {
                    if let Change::DropColumn { column: d, .. } = &items[j].change {
                        if d.name == column.name {
                            edges.add(j, i);
                        } else if !replacing && !replaced(&d.name) {
                            edges.add(i, j);
                        }
                    }
                }
            }
            // A key that a foreign key uses goes after that foreign key.
            let drops_key = match c {
                Change::DropUnique { .. } | Change::DropPrimaryKey { .. } => true,
                Change::DropIndex { index, .. } => index.unique,
                _ => false,
            };
            if drops_key {
                for &j in fk_drops_into.get(t).map(Vec::as_slice).unwrap_or(&[]) {
                    edges.add(j, i);
                }
            }
        }

        // Foreign key targets exist, with their keys, before the foreign key.
        if dialect != Dialect::Sqlite {
            let own = c.table();
            for fk in fks_of(c) {
                let r = &fk.ref_table;
                if Some(r) == own && matches!(c, Change::CreateTable { .. }) {
                    continue;
                }
                for &j in on(r) {
                    let other = &items[j].change;
                    if matches!(
                        other,
                        Change::CreateTable { .. } | Change::RenameTable { .. }
                    ) || is_table_alter(&items[j])
                        || is_key_add(other)
                    {
                        edges.add(j, i);
                    }
                }
            }
        } else if let Change::CreateTable { name, table } = c {
            for fk in &table.foreign_keys {
                if &fk.ref_table != name
                    && !same_cycle.contains(&(name.clone(), fk.ref_table.clone()))
                    && let Some(&j) = create_table.get(&fk.ref_table)
                {
                    edges.add(j, i);
                }
            }
        }

        match c {
            // Children go before their parents; views and foreign keys into the table go
            // first.
            Change::DropTable { name, .. } => {
                for &j in fk_drops_into.get(name).map(Vec::as_slice).unwrap_or(&[]) {
                    edges.add(j, i);
                }
                for &j in views_reading(name) {
                    edges.add(j, i);
                }
                for &j in on(name) {
                    if is_constraint_drop(&items[j]) {
                        edges.add(j, i);
                    }
                }
            }
            Change::CreateView { name, view } => {
                if let Some(&j) = drop_view.get(name) {
                    edges.add(j, i);
                }
                for dep in view_reads(view, view_candidates.iter().copied()) {
                    if &dep == name {
                        continue;
                    }
                    if let Some(&j) = create_view.get(&dep) {
                        edges.add(j, i);
                    }
                    for &j in on(&dep) {
                        let other = &items[j].change;
                        if !is_drop(other) {
                            edges.add(j, i);
                        }
                    }
                }
            }
            Change::DropView { name, .. } => {
                for &j in views_reading(name) {
                    edges.add(j, i);
                }
            }
            Change::AlterSequence { name, from, to } => {
                if let Some(&j) = create_seq.get(name) {
                    edges.add(j, i);
                }
                if from.owned_by != to.owned_by
                    && let Some((owner, _)) = &to.owned_by
                {
                    for &j in on(owner) {
                        if !is_drop(&items[j].change) {
                            edges.add(j, i);
                        }
                    }
                }
                if to.owned_by.is_none()
                    && let Some((owner, _)) = &from.owned_by
                {
                    for &j in on(owner) {
                        if matches!(
                            items[j].change,
                            Change::DropTable { .. } | Change::DropColumn { .. }
                        ) {
                            edges.add(i, j);
                        }
                    }
                    if let Some(&j) = drop_seq.get(name) {
                        edges.add(i, j);
                    }
                }
            }
            _ => {}
        }

        // Triggers after their function and their view; routines after what their signature
        // names; partitions after their parent, dropped before it.
        match c {
            Change::CreateTrigger { trigger } => {
                if let migrex_model::TriggerAction::Function { function, .. } = &trigger.action {
                    for &j in create_fn.get(function).map(Vec::as_slice).unwrap_or(&[]) {
                        edges.add(j, i);
                    }
                }
                if let Some(&j) = create_view.get(&trigger.table) {
                    edges.add(j, i);
                }
            }
            // A routine goes before the tables its signature names, and before itself created
            // again with the same identity (a change CREATE OR REPLACE cannot make).
            Change::DropFunction { name, function } => {
                for dep in &function.depends_on {
                    if let Some(&j) = drop_table.get(dep) {
                        edges.add(i, j);
                    }
                }
                // The triggers that run it go with their table or view, which goes first.
                for t in trigger_tables.get(name).map(Vec::as_slice).unwrap_or(&[]) {
                    for &j in drop_table.get(t).into_iter().chain(drop_view.get(t)) {
                        edges.add(j, i);
                    }
                }
                for &j in create_fn.get(name).map(Vec::as_slice).unwrap_or(&[]) {
                    let again = match &items[j].change {
                        Change::CreateFunction { function: f, .. } => {
                            f.identity() == function.identity()
                        }
                        _ => false,
                    };
                    if again {
                        edges.add(i, j);
                    }
                }
            }
            Change::CreateFunction { function, name } => {
                for &j in drop_fn.get(name).map(Vec::as_slice).unwrap_or(&[]) {
                    edges.add(j, i);
                }
                for dep in &function.depends_on {
                    let creators = create_table
                        .get(dep)
                        .into_iter()
                        .chain(create_type.get(dep))
                        .chain(enum_adds.get(dep).into_iter().flatten());
                    for &j in creators {
                        edges.add(j, i);
                    }
                }
            }
            Change::CreateTable { table, .. } => {
                if let Some(p) = &table.partition_of
                    && let Some(&j) = create_table.get(&p.parent)
                {
                    edges.add(j, i);
                }
            }
            Change::DropTable { table, .. } => {
                if let Some(p) = &table.partition_of
                    && let Some(&j) = drop_table.get(&p.parent)
                {
                    edges.add(i, j);
                }
            }
            // A domain or composite type after the types it is built on and the functions its
            // checks and default call; dropped before the types it is built on.
            Change::CreateDomain { .. } | Change::CreateCompositeType { .. } => {
                let (uses, exprs): (Vec<&QualifiedName>, Vec<&str>) = match c {
                    Change::CreateDomain { domain, .. } => (
                        domain.base.user_type().into_iter().collect(),
                        domain
                            .checks
                            .iter()
                            .map(|k| k.expr.key.as_str())
                            .chain(domain.default.iter().map(|d| d.key.as_str()))
                            .collect(),
                    ),
                    Change::CreateCompositeType { composite, .. } => (
                        composite
                            .attributes
                            .iter()
                            .filter_map(|a| a.ty.user_type())
                            .collect(),
                        Vec::new(),
                    ),
                    _ => (Vec::new(), Vec::new()),
                };
                for ty in uses {
                    let creators = create_type
                        .get(ty)
                        .into_iter()
                        .chain(enum_adds.get(ty).into_iter().flatten());
                    for &j in creators {
                        edges.add(j, i);
                    }
                }
                for (f, js) in &create_fn {
                    if exprs.iter().any(|e| mentions(e, &f.name)) {
                        for &j in js {
                            edges.add(j, i);
                        }
                    }
                }
            }
            Change::DropDomain { domain, .. } => {
                if let Some(ty) = domain.base.user_type()
                    && let Some(&j) = drop_type.get(ty)
                {
                    edges.add(i, j);
                }
                // Before the functions its checks and default call.
                let exprs: Vec<&str> = domain
                    .checks
                    .iter()
                    .map(|k| k.expr.key.as_str())
                    .chain(domain.default.iter().map(|d| d.key.as_str()))
                    .collect();
                for (j, other) in items.iter().enumerate() {
                    if let Change::DropFunction { name, .. } = &other.change
                        && exprs.iter().any(|e| mentions(e, &name.name))
                    {
                        edges.add(i, j);
                    }
                }
            }
            Change::DropCompositeType { composite, .. } => {
                for ty in composite.attributes.iter().filter_map(|a| a.ty.user_type()) {
                    if let Some(&j) = drop_type.get(ty) {
                        edges.add(i, j);
                    }
                }
            }
            Change::AttachPartition { partition_of, .. } => {
                for &j in on(&partition_of.parent) {
                    if !is_drop(&items[j].change) {
                        edges.add(j, i);
                    }
                }
            }
            _ => {}
        }

        // Types: created (and extended) before the columns that use them, dropped after.
        for col in new_columns(c) {
            if let Some(ty) = col.ty.user_type()
                && let Some(js) = enum_adds.get(ty)
            {
                for &j in js {
                    edges.add(j, i);
                }
            }
            if let Some(d) = &col.default {
                for (sq, &j) in &create_seq {
                    if mentions(&d.key, &sq.name) {
                        edges.add(j, i);
                    }
                }
            }
        }
        for col in old_columns(c) {
            if let Some(ty) = col.ty.user_type()
                && let Some(&j) = drop_enum.get(ty)
            {
                edges.add(i, j);
            }
            if let Some(d) = &col.default {
                for (sq, &j) in &drop_seq {
                    if mentions(&d.key, &sq.name) {
                        edges.add(i, j);
                    }
                }
            }
        }
        // Tables a dropped or rebuilt table references are dropped after it.
        if let Some(t) = old_table(c) {
            let own = c.table();
            for fk in &t.foreign_keys {
                if Some(&fk.ref_table) == own {
                    continue;
                }
                if let (Some(o), true) = (own, dialect == Dialect::Sqlite)
                    && same_cycle.contains(&(o.clone(), fk.ref_table.clone()))
                {
                    continue;
                }
                if let Some(&j) = drop_table.get(&fk.ref_table) {
                    edges.add(i, j);
                }
            }
        }
    }
    for &(j, i) in &rename_after {
        edges.add(j, i);
    }
    // Enum values go in one after the other (a value may be placed before an earlier one).
    for js in enum_adds.values() {
        for w in js.windows(2) {
            edges.add(w[0], w[1]);
        }
    }

    // Topological sort, lowest key first.
    let key = |i: usize| -> Key {
        let item = &items[i];
        let c = &item.change;
        let (r, sub) = rank(item);
        // One table's column changes share one position, or its drops could sort before its
        // adds when the two schemas list the table at different places.
        let drop = is_drop(c) && r != ALTER_TABLES;
        let p = match c {
            Change::CreateNamespace { name } | Change::DropNamespace { name } => {
                pos.namespace(name, drop)
            }
            Change::SetNamespaceComment { name, .. } => pos.namespace(name, false),
            Change::RenameTable { to, .. } => pos.object(to, false),
            other => other
                .subject()
                .map(|q| pos.object(q, drop))
                .unwrap_or(usize::MAX),
        };
        if r == ALTER_TABLES {
            (r, p, sub, i)
        } else {
            (r, sub, p, i)
        }
    };
    let g = &edges.graph;
    let mut indegree: Vec<usize> = (0..n)
        .map(|i| {
            g.neighbors_directed(edges.nodes[i], Direction::Incoming)
                .count()
        })
        .collect();
    let mut ready: BinaryHeap<Reverse<(Key, usize)>> = (0..n)
        .filter(|&i| indegree[i] == 0)
        .map(|i| Reverse((key(i), i)))
        .collect();
    let mut done = vec![false; n];
    let mut sequence: Vec<usize> = Vec::with_capacity(n);
    while sequence.len() < n {
        let next = match ready.pop() {
            Some(Reverse((_, i))) => i,
            None => {
                // A dependency cycle would be a planner bug; keep going in rank order rather
                // than lose steps, and say so.
                let Some(i) = (0..n).filter(|&i| !done[i]).min_by_key(|&i| key(i)) else {
                    break;
                };
                notes.push(format!(
                    "internal: circular step dependencies; step \"{}\" was placed by rank only",
                    items[i].change.describe()
                ));
                i
            }
        };
        if done[next] {
            continue;
        }
        done[next] = true;
        sequence.push(next);
        for m in g.neighbors_directed(edges.nodes[next], Direction::Outgoing) {
            let j = g[m];
            indegree[j] = indegree[j].saturating_sub(1);
            if indegree[j] == 0 && !done[j] {
                ready.push(Reverse((key(j), j)));
            }
        }
    }

    let preds = (0..n)
        .map(|i| {
            g.neighbors_directed(edges.nodes[i], Direction::Incoming)
                .map(|m| g[m])
                .collect()
        })
        .collect();
    (sequence, preds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{Column, ColumnType};

    fn qn(n: &str) -> QualifiedName {
        QualifiedName::new("", n)
    }

    fn schema(tables: &[&str]) -> Schema {
        let mut s = Schema::new(Dialect::Mysql);
        for t in tables {
            s.namespace_mut("")
                .tables
                .insert(t.to_string(), Table::new(*t));
        }
        s
    }

    #[test]
    fn ranks_then_object_order() {
        let to = schema(&["b", "a"]);
        let working = schema(&[]);
        let items = vec![
            Item::new(Change::CreateTable {
                name: qn("a"),
                table: Table::new("a"),
            }),
            Item::new(Change::DropTable {
                name: qn("z"),
                table: Table::new("z"),
            }),
            Item::new(Change::CreateTable {
                name: qn("b"),
                table: Table::new("b"),
            }),
        ];
        let steps = order(items, &working, &to, &mut Vec::new());
        let names: Vec<String> = steps.iter().map(|s| s.change.describe()).collect();
        // Creations before drops; among creations the new schema's order (b before a).
        assert_eq!(names, ["create table b", "create table a", "drop table z"]);
        assert!(
            steps.iter().all(|s| !s.transactional),
            "MySQL DDL commits implicitly"
        );
        assert_eq!(steps[2].phase, Phase::Contract);
    }

    #[test]
    fn one_tables_adds_come_before_its_drops_whatever_the_positions() {
        let working = schema(&["t", "other"]);
        let to = schema(&["other", "t"]);
        let items = vec![
            Item::new(Change::DropColumn {
                table: qn("t"),
                column: Column::new("old", ColumnType::int(4)),
            }),
            Item::new(Change::AddColumn {
                table: qn("t"),
                column: Column::new("new", ColumnType::int(4)),
            }),
        ];
        let steps = order(items, &working, &to, &mut Vec::new());
        assert!(matches!(steps[0].change, Change::AddColumn { .. }));
        assert_eq!(steps[1].depends_on, [0]);
    }
}
