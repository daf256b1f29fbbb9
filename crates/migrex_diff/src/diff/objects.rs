//! Objects beside tables and views: extensions, domains, composite types, routines, triggers,
//! row-level security policies, partitions, and the comments of objects that have no comment
//! change of their own.
//!
//! What the database removes together with its owner is not dropped separately: a dropped
//! table takes its triggers and policies along, a dropped (or recreated) view its triggers.
//! Triggers that lose their object that way, or whose function is dropped and created again, are
//! created again when the new schema still has them.

use migrex_model::{
    Change, CommentTarget, Dialect, Function, Namespace, Policy, QualifiedName, Schema, Trigger,
    TriggerAction,
};
use std::collections::HashSet;

pub(crate) fn compare(
    working: &Schema,
    to: &Schema,
    changes: &mut Vec<Change>,
    notes: &mut Vec<String>,
) {
    extensions(working, to, changes);
    let empty = Namespace::default();
    let mut recreated_functions: HashSet<QualifiedName> = HashSet::new();
    for (ns_name, ns) in &to.namespaces {
        let old = working.namespaces.get(ns_name).unwrap_or(&empty);
        domains(ns_name, old, ns, changes, notes);
        composites(ns_name, old, ns, changes);
        functions(ns_name, old, ns, changes, &mut recreated_functions);
        comments_of_types(ns_name, old, ns, changes);
    }
    for (ns_name, old) in &working.namespaces {
        let new = to.namespaces.get(ns_name).unwrap_or(&empty);
        for (name, d) in &old.domains {
            if !new.domains.contains_key(name) {
                changes.push(Change::DropDomain {
                    name: QualifiedName::new(ns_name.clone(), name.clone()),
                    domain: d.clone(),
                });
            }
        }
        for (name, c) in &old.composites {
            if !new.composites.contains_key(name) {
                changes.push(Change::DropCompositeType {
                    name: QualifiedName::new(ns_name.clone(), name.clone()),
                    composite: c.clone(),
                });
            }
        }
        for (id, f) in &old.functions {
            if !new.functions.contains_key(id) {
                changes.push(Change::DropFunction {
                    name: QualifiedName::new(ns_name.clone(), f.name.clone()),
                    function: f.clone(),
                });
            }
        }
    }
    triggers(working, to, changes, &recreated_functions);
    rules(working, to, changes);
    view_indexes(working, to, changes);
    cluster_marks(working, to, changes);
    for (qn, t) in to.tables() {
        let Some(w) = working.table(&qn) else {
            for p in &t.policies {
                changes.push(Change::CreatePolicy {
                    table: qn.clone(),
                    policy: p.clone(),
                });
            }
            continue;
        };
        policies(&qn, &w.policies, &t.policies, changes);
        partitions(to.dialect, &qn, w, t, changes, notes);
    }
}

fn extensions(working: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    for (name, e) in &to.extensions {
        match working.extensions.get(name) {
            None => changes.push(Change::CreateExtension {
                extension: e.clone(),
            }),
            Some(w) => {
                let differs =
                    |a: &Option<String>, b: &Option<String>| a.is_some() && b.is_some() && a != b;
                // Both readers keep `public` (where an unqualified CREATE EXTENSION puts it) as
                // `None`, so a move into or out of `public` is a change too.
                let schema = |x: &Option<String>| x.clone().unwrap_or_else(|| "public".into());
                if schema(&w.schema) != schema(&e.schema) || differs(&w.version, &e.version) {
                    changes.push(Change::AlterExtension {
                        from: w.clone(),
                        to: e.clone(),
                    });
                }
                if w.comment != e.comment {
                    changes.push(Change::SetComment {
                        target: CommentTarget::Extension { name: name.clone() },
                        from: w.comment.clone(),
                        to: e.comment.clone(),
                    });
                }
            }
        }
    }
    for (name, w) in &working.extensions {
        if !to.extensions.contains_key(name) {
            changes.push(Change::DropExtension {
                extension: w.clone(),
            });
        }
    }
}

fn domains(
    ns_name: &str,
    old: &Namespace,
    new: &Namespace,
    changes: &mut Vec<Change>,
    notes: &mut Vec<String>,
) {
    for (name, d) in &new.domains {
        let qn = QualifiedName::new(ns_name, name.clone());
        let Some(w) = old.domains.get(name) else {
            changes.push(Change::CreateDomain {
                name: qn,
                domain: d.clone(),
            });
            continue;
        };
        if w.base != d.base || w.collation != d.collation {
            notes.push(format!(
                "domain {qn} changes its base type or collation, which ALTER DOMAIN cannot do: it is dropped and created again, so columns using it must be changed first"
            ));
            changes.push(Change::DropDomain {
                name: qn.clone(),
                domain: w.clone(),
            });
            changes.push(Change::CreateDomain {
                name: qn,
                domain: d.clone(),
            });
            continue;
        }
        let mut a = w.clone();
        a.comment = d.comment.clone();
        if a != *d {
            changes.push(Change::AlterDomain {
                name: qn.clone(),
                from: w.clone(),
                to: d.clone(),
            });
        }
        if w.comment != d.comment {
            changes.push(Change::SetComment {
                target: CommentTarget::Domain { name: qn },
                from: w.comment.clone(),
                to: d.comment.clone(),
            });
        }
    }
}

fn composites(ns_name: &str, old: &Namespace, new: &Namespace, changes: &mut Vec<Change>) {
    for (name, c) in &new.composites {
        let qn = QualifiedName::new(ns_name, name.clone());
        let Some(w) = old.composites.get(name) else {
            changes.push(Change::CreateCompositeType {
                name: qn,
                composite: c.clone(),
            });
            continue;
        };
        if w.attributes != c.attributes {
            changes.push(Change::AlterCompositeType {
                name: qn.clone(),
                from: w.clone(),
                to: c.clone(),
            });
        }
        if w.comment != c.comment {
            changes.push(Change::SetComment {
                target: CommentTarget::CompositeType { name: qn },
                from: w.comment.clone(),
                to: c.comment.clone(),
            });
        }
    }
}

/// Comments of enums and sequences (their other changes are planned by the main differ).
fn comments_of_types(ns_name: &str, old: &Namespace, new: &Namespace, changes: &mut Vec<Change>) {
    for (name, e) in &new.enums {
        if let Some(w) = old.enums.get(name)
            && w.comment != e.comment
        {
            changes.push(Change::SetComment {
                target: CommentTarget::Enum {
                    name: QualifiedName::new(ns_name, name.clone()),
                },
                from: w.comment.clone(),
                to: e.comment.clone(),
            });
        }
    }
}

/// True when `CREATE OR REPLACE` can turn `from` into `to`: PostgreSQL refuses to change the
/// return type, argument names or modes, or to remove argument defaults.
fn replaceable(from: &Function, to: &Function) -> bool {
    // An aggregate's result type follows its state type and final function.
    let same_result = match (&from.aggregate, &to.aggregate) {
        (Some(a), Some(b)) => {
            a.stype == b.stype
                && a.finalfunc == b.finalfunc
                && a.direct_args == b.direct_args
                && a.hypothetical == b.hypothetical
        }
        _ => true,
    };
    same_result
        && from.kind == to.kind
        && from.returns == to.returns
        && from.args.len() == to.args.len()
        && from.args.iter().zip(&to.args).all(|(a, b)| {
            a.mode == b.mode && a.name == b.name && a.ty == b.ty && a.default == b.default
        })
}

fn same_routine(a: &Function, b: &Function) -> bool {
    a.kind == b.kind
        && a.args == b.args
        && a.returns == b.returns
        && a.language.eq_ignore_ascii_case(&b.language)
        && a.body == b.body
        && a.attributes == b.attributes
        && a.aggregate == b.aggregate
}

fn functions(
    ns_name: &str,
    old: &Namespace,
    new: &Namespace,
    changes: &mut Vec<Change>,
    recreated: &mut HashSet<QualifiedName>,
) {
    for (id, f) in &new.functions {
        let qn = QualifiedName::new(ns_name, f.name.clone());
        let Some(w) = old.functions.get(id) else {
            changes.push(Change::CreateFunction {
                name: qn,
                function: f.clone(),
            });
            continue;
        };
        if !same_routine(w, f) {
            if replaceable(w, f) {
                changes.push(Change::ReplaceFunction {
                    name: qn.clone(),
                    from: w.clone(),
                    to: f.clone(),
                });
            } else {
                recreated.insert(qn.clone());
                changes.push(Change::DropFunction {
                    name: qn.clone(),
                    function: w.clone(),
                });
                changes.push(Change::CreateFunction {
                    name: qn.clone(),
                    function: f.clone(),
                });
                continue;
            }
        }
        if w.comment != f.comment {
            changes.push(Change::SetComment {
                target: CommentTarget::Function {
                    name: qn,
                    function: f.clone(),
                },
                from: w.comment.clone(),
                to: f.comment.clone(),
            });
        }
    }
}

fn triggers(
    working: &Schema,
    to: &Schema,
    changes: &mut Vec<Change>,
    recreated_functions: &HashSet<QualifiedName>,
) {
    // Tables and views whose triggers go with them in this plan.
    let gone: HashSet<QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { name, .. } | Change::DropView { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    let uses_recreated = |t: &Trigger| matches!(&t.action, TriggerAction::Function { function, .. } if recreated_functions.contains(function));
    let empty = Namespace::default();
    for (ns_name, ns) in &to.namespaces {
        let old = working.namespaces.get(ns_name).unwrap_or(&empty);
        for (key, t) in &ns.triggers {
            match old.triggers.get(key) {
                Some(w) if gone.contains(&w.table) => {
                    changes.push(Change::CreateTrigger { trigger: t.clone() })
                }
                Some(w) if !w.same_definition(t) || uses_recreated(w) => {
                    changes.push(Change::DropTrigger { trigger: w.clone() });
                    changes.push(Change::CreateTrigger { trigger: t.clone() });
                }
                Some(w) => {
                    if w.comment != t.comment {
                        changes.push(Change::SetComment {
                            target: CommentTarget::Trigger { trigger: t.clone() },
                            from: w.comment.clone(),
                            to: t.comment.clone(),
                        });
                    }
                }
                None => changes.push(Change::CreateTrigger { trigger: t.clone() }),
            }
        }
    }
    for (ns_name, old) in &working.namespaces {
        let new = to.namespaces.get(ns_name).unwrap_or(&empty);
        for (key, w) in &old.triggers {
            if !new.triggers.contains_key(key) && !gone.contains(&w.table) {
                changes.push(Change::DropTrigger { trigger: w.clone() });
            }
        }
    }
    if to.dialect == Dialect::Mysql {
        keep_firing_order(working, to, changes);
    }
}

/// MySQL fires the triggers of one table, timing and event in the order they were created (the
/// new schema's order): a trigger created again would fire last, so the ones after it are
/// created again too, and all are created in the new schema's order. Groups with a written
/// `FOLLOWS`/`PRECEDES` keep the order they state.
fn keep_firing_order(working: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let created: HashSet<(String, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTrigger { trigger } => {
                Some((trigger.table.namespace.clone(), trigger.key()))
            }
            _ => None,
        })
        .collect();
    if created.is_empty() {
        return;
    }
    let empty = Namespace::default();
    let mut again = Vec::new();
    for (ns_name, ns) in &to.namespaces {
        let old = working.namespaces.get(ns_name).unwrap_or(&empty);
        let mut groups: Vec<Vec<&Trigger>> = Vec::new();
        for t in ns.triggers.values() {
            match groups.iter_mut().find(|g| {
                g[0].table == t.table && g[0].timing == t.timing && g[0].events == t.events
            }) {
                Some(g) => g.push(t),
                None => groups.push(vec![t]),
            }
        }
        for g in groups
            .iter()
            .filter(|g| g.iter().all(|t| t.order.is_none()))
        {
            let mut after_created = false;
            for t in g {
                if created.contains(&(ns_name.clone(), t.key())) {
                    after_created = true;
                } else if after_created && let Some(w) = old.triggers.get(&t.key()) {
                    again.push(Change::DropTrigger { trigger: w.clone() });
                    again.push(Change::CreateTrigger {
                        trigger: (*t).clone(),
                    });
                }
            }
        }
    }
    changes.extend(again);
    // The creations, in the new schema's order, after everything else (same rank).
    let position = |t: &Trigger| {
        to.namespaces.get_index_of(&t.table.namespace).zip(
            to.namespaces
                .get(&t.table.namespace)
                .and_then(|ns| ns.triggers.get_index_of(&t.key())),
        )
    };
    let mut creates: Vec<Change> = Vec::new();
    changes.retain(|c| {
        if matches!(c, Change::CreateTrigger { .. }) {
            creates.push(c.clone());
            false
        } else {
            true
        }
    });
    creates.sort_by_key(|c| match c {
        Change::CreateTrigger { trigger } => position(trigger),
        _ => None,
    });
    changes.extend(creates);
}

fn policies(table: &QualifiedName, old: &[Policy], new: &[Policy], changes: &mut Vec<Change>) {
    for p in new {
        match old.iter().find(|o| o.name == p.name) {
            None => changes.push(Change::CreatePolicy {
                table: table.clone(),
                policy: p.clone(),
            }),
            Some(o) if o.command != p.command || o.permissive != p.permissive => {
                changes.push(Change::DropPolicy {
                    table: table.clone(),
                    policy: o.clone(),
                });
                changes.push(Change::CreatePolicy {
                    table: table.clone(),
                    policy: p.clone(),
                });
            }
            Some(o) => {
                if o.roles != p.roles || o.using != p.using || o.with_check != p.with_check {
                    changes.push(Change::AlterPolicy {
                        table: table.clone(),
                        from: o.clone(),
                        to: p.clone(),
                    });
                }
                if o.comment != p.comment {
                    changes.push(Change::SetComment {
                        target: CommentTarget::Policy {
                            table: table.clone(),
                            name: p.name.clone(),
                        },
                        from: o.comment.clone(),
                        to: p.comment.clone(),
                    });
                }
            }
        }
    }
    for o in old {
        if !new.iter().any(|p| p.name == o.name) {
            changes.push(Change::DropPolicy {
                table: table.clone(),
                policy: o.clone(),
            });
        }
    }
}

fn partitions(
    dialect: Dialect,
    qn: &QualifiedName,
    w: &migrex_model::Table,
    t: &migrex_model::Table,
    changes: &mut Vec<Change>,
    notes: &mut Vec<String>,
) {
    if w.partitioning != t.partitioning {
        if dialect == Dialect::Mysql {
            changes.push(Change::AlterPartitioning {
                table: qn.clone(),
                from: w.partitioning.clone(),
                to: t.partitioning.clone(),
            });
        } else {
            notes.push(format!(
                "partitioning of table {qn} differs; PostgreSQL cannot change a table's partitioning in place: create a new partitioned table and move the rows (not planned automatically)"
            ));
        }
    }
    if w.partition_of != t.partition_of {
        if let Some(p) = &w.partition_of {
            changes.push(Change::DetachPartition {
                table: qn.clone(),
                partition_of: p.clone(),
            });
        }
        if let Some(p) = &t.partition_of {
            changes.push(Change::AttachPartition {
                table: qn.clone(),
                partition_of: p.clone(),
            });
        }
    }
}

/// Rules: like triggers, created again when their table or view goes and comes back in the
/// plan; a changed rule is dropped and created (its comment follows it).
fn rules(working: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let gone: HashSet<QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { name, .. } | Change::DropView { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    let empty = Namespace::default();
    for (ns_name, ns) in &to.namespaces {
        let old = working.namespaces.get(ns_name).unwrap_or(&empty);
        for (key, r) in &ns.rules {
            match old.rules.get(key) {
                Some(w) if gone.contains(&w.table) => {
                    changes.push(Change::CreateRule { rule: r.clone() });
                }
                Some(w) if !w.same_definition(r) => {
                    changes.push(Change::DropRule { rule: w.clone() });
                    changes.push(Change::CreateRule { rule: r.clone() });
                }
                Some(w) => {
                    if w.comment != r.comment {
                        changes.push(Change::SetComment {
                            target: CommentTarget::Rule { rule: r.clone() },
                            from: w.comment.clone(),
                            to: r.comment.clone(),
                        });
                    }
                }
                None => changes.push(Change::CreateRule { rule: r.clone() }),
            }
        }
    }
    for (ns_name, old) in &working.namespaces {
        let new = to.namespaces.get(ns_name).unwrap_or(&empty);
        for (key, w) in &old.rules {
            if !new.rules.contains_key(key) && !gone.contains(&w.table) {
                changes.push(Change::DropRule { rule: w.clone() });
            }
        }
    }
}

/// Materialized views created (or created again) in this plan.
fn created_views(changes: &[Change]) -> HashSet<QualifiedName> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect()
}

/// Indexes of materialized views that stay: created, dropped and renamed like a table's. A view
/// created in the plan creates its indexes with it.
fn view_indexes(working: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let created = created_views(changes);
    for (qn, v) in to.views() {
        if !v.materialized || created.contains(&qn) {
            continue;
        }
        if let Some(w) = working.view(&qn) {
            super::table::view_indexes(to.dialect, &qn, &w.indexes, &v.indexes, changes);
        }
    }
}

/// CLUSTER marks: set when they differ, and set again when the marked index is (re)created in
/// the plan (a dropped index takes its mark along). A materialized view created in the plan
/// sets its own.
fn cluster_marks(working: &Schema, to: &Schema, changes: &mut Vec<Change>) {
    let created = created_views(changes);
    let made = |changes: &[Change], table: &QualifiedName, index: &str| {
        changes.iter().any(|c| match c {
            Change::CreateIndex { table: t, index: i } => t == table && i.name == index,
            Change::AddPrimaryKey {
                table: t,
                primary_key,
            } => t == table && primary_key.name.as_deref() == Some(index),
            Change::AddUnique { table: t, unique } => {
                t == table && unique.name.as_deref() == Some(index)
            }
            Change::AddExclusion {
                table: t,
                exclusion,
            } => t == table && exclusion.name == index,
            Change::CreateTable { name, .. } => name == table,
            _ => false,
        })
    };
    let mut marks = Vec::new();
    for (qn, t) in to.tables() {
        let from = working.table(&qn).and_then(|w| w.cluster_on.clone());
        let again = t
            .cluster_on
            .as_deref()
            .is_some_and(|i| made(changes, &qn, i));
        if from != t.cluster_on || again {
            marks.push(Change::SetClusterOn {
                table: qn,
                materialized_view: false,
                from,
                to: t.cluster_on.clone(),
            });
        }
    }
    for (qn, v) in to.views() {
        if !v.materialized || created.contains(&qn) {
            continue;
        }
        let from = working.view(&qn).and_then(|w| w.cluster_on.clone());
        let again = v
            .cluster_on
            .as_deref()
            .is_some_and(|i| made(changes, &qn, i));
        if from != v.cluster_on || again {
            marks.push(Change::SetClusterOn {
                table: qn,
                materialized_view: true,
                from,
                to: v.cluster_on.clone(),
            });
        }
    }
    changes.extend(marks);
}

/// A materialized view that the planner drops and creates again (dependants) creates its
/// indexes and CLUSTER mark with it: the plan's own changes of those go.
pub(crate) fn drop_parts_of_recreated_views(changes: &mut Vec<Change>) {
    let created = created_views(changes);
    changes.retain(|c| match c {
        Change::CreateIndex { table, .. }
        | Change::DropIndex { table, .. }
        | Change::RenameIndex { table, .. }
        | Change::SetClusterOn { table, .. } => !created.contains(table),
        _ => true,
    });
}
