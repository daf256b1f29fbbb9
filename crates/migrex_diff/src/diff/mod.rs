//! The differ: two schemas in, unordered atomic changes out (plus notes for what the change
//! vocabulary cannot express yet, and the old schema with renames applied for the planner).

pub(crate) mod objects;
pub(crate) mod partitions;
pub(crate) mod rename;
pub(crate) mod table;

use migrex_model::{Change, QualifiedName, Renames, Schema, View};
use std::borrow::Cow;

/// The differ's result.
pub(crate) struct Diff<'a> {
    pub changes: Vec<Change>,
    pub notes: Vec<String>,
    /// The old schema after the rename changes (what the database holds once they ran): the old
    /// schema itself when nothing was renamed (a copy of a large schema costs as much as the
    /// comparison).
    pub working: Cow<'a, Schema>,
}

pub(crate) fn compute<'a>(from: &'a Schema, to: &Schema, renames: &Renames) -> Diff<'a> {
    let dialect = to.dialect;
    let mut notes = Vec::new();
    let mut changes = Vec::new();
    if from.dialect != to.dialect {
        notes.push(format!(
            "the old schema is {} and the new one {}; the plan is for {}",
            from.dialect, to.dialect, to.dialect
        ));
    }
    let default_ns = dialect.default_namespace();

    // Namespaces are compared before renames: a rename into a new namespace needs it created.
    for (name, ns) in &to.namespaces {
        let old = from.namespaces.get(name);
        if old.is_none() && name != default_ns {
            changes.push(Change::CreateNamespace { name: name.clone() });
        }
        let old_comment = old.and_then(|o| o.comment.clone());
        if old_comment != ns.comment {
            changes.push(Change::SetNamespaceComment {
                name: name.clone(),
                from: old_comment,
                to: ns.comment.clone(),
            });
        }
    }
    for name in from.namespaces.keys() {
        if !to.namespaces.contains_key(name) && name != default_ns {
            changes.push(Change::DropNamespace { name: name.clone() });
        }
    }

    let mut working = Cow::Borrowed(from);
    if working.dialect != dialect {
        working.to_mut().dialect = dialect;
    }
    let applied = rename::apply(&mut working, to, renames, &mut notes);
    for (from, to) in &applied.tables {
        changes.push(Change::RenameTable {
            from: from.clone(),
            to: to.clone(),
        });
    }
    for (table, from, to) in &applied.columns {
        changes.push(Change::RenameColumn {
            table: table.clone(),
            from: from.clone(),
            to: to.clone(),
        });
    }

    // Types and sequences, namespace by namespace.
    let empty = migrex_model::Namespace::default();
    for (ns_name, ns) in &to.namespaces {
        let old = working.namespaces.get(ns_name).unwrap_or(&empty);
        for (name, e) in &ns.enums {
            let qn = QualifiedName::new(ns_name.clone(), name.clone());
            match old.enums.get(name) {
                None => changes.push(Change::CreateEnum {
                    name: qn,
                    enum_type: e.clone(),
                }),
                Some(o) => {
                    if !enum_values(&qn, &o.values, &e.values, &mut changes) {
                        let columns = to
                            .tables()
                            // Partitions follow their parent's conversion.
                            .filter(|(tq, t)| {
                                working.table(tq).is_some() && t.partition_of.is_none()
                            })
                            .flat_map(|(tq, t)| {
                                t.columns
                                    .values()
                                    .filter(|c| c.ty.user_type() == Some(&qn))
                                    .map(move |c| (tq.clone(), c.clone()))
                            })
                            .collect();
                        changes.push(Change::RecreateEnum {
                            name: qn.clone(),
                            from: o.clone(),
                            to: e.clone(),
                            columns,
                        });
                    }
                }
            }
        }
        for (name, s) in &ns.sequences {
            let qn = QualifiedName::new(ns_name.clone(), name.clone());
            match old.sequences.get(name) {
                None => changes.push(Change::CreateSequence {
                    name: qn,
                    sequence: s.clone(),
                }),
                Some(o) if o != s => changes.push(Change::AlterSequence {
                    name: qn,
                    from: o.clone(),
                    to: s.clone(),
                }),
                Some(_) => {}
            }
        }
    }
    for (ns_name, old) in &working.namespaces {
        let new = to.namespaces.get(ns_name).unwrap_or(&empty);
        for (name, e) in &old.enums {
            if !new.enums.contains_key(name) {
                changes.push(Change::DropEnum {
                    name: QualifiedName::new(ns_name.clone(), name.clone()),
                    enum_type: e.clone(),
                });
            }
        }
        for (name, s) in &old.sequences {
            if !new.sequences.contains_key(name) {
                changes.push(Change::DropSequence {
                    name: QualifiedName::new(ns_name.clone(), name.clone()),
                    sequence: s.clone(),
                });
            }
        }
    }

    // Tables.
    for (qn, t) in to.tables() {
        match working.table(&qn) {
            None => {
                // Policies are created by their own changes (see `objects`).
                let mut table = t.clone();
                table.policies.clear();
                changes.push(Change::CreateTable { name: qn, table });
            }
            Some(w) => {
                // A partition staying under the same parent follows the parent's column changes.
                let expected = match (&w.partition_of, &t.partition_of) {
                    (Some(a), Some(b)) if a.parent == b.parent => working
                        .table(&a.parent)
                        .zip(to.table(&a.parent))
                        .map(|(pw, pt)| partitions::expected_partition(w, &a.parent, pw, pt)),
                    _ => None,
                };
                table::compare(
                    dialect,
                    &qn,
                    expected.as_ref().unwrap_or(w),
                    t,
                    &mut changes,
                )
            }
        }
    }
    for (qn, w) in working.tables() {
        if to.table(&qn).is_none() {
            changes.push(Change::DropTable {
                name: qn,
                table: w.clone(),
            });
        }
    }
    // Likely table and column renames are noted (indexes and constraints were renamed above).
    notes.extend(
        rename::candidates(&working, to)
            .iter()
            .filter(|c| c.kind.asks())
            .map(rename::candidate_note),
    );

    // Views.
    for (qn, v) in to.views() {
        match working.view(&qn) {
            None => changes.push(Change::CreateView {
                name: qn,
                view: v.clone(),
            }),
            Some(w) if !same_view_body(w, v) => {
                changes.push(Change::DropView {
                    name: qn.clone(),
                    view: w.clone(),
                });
                changes.push(Change::CreateView {
                    name: qn,
                    view: v.clone(),
                });
            }
            Some(w) if w.comment != v.comment => changes.push(Change::SetViewComment {
                name: qn,
                materialized: v.materialized,
                from: w.comment.clone(),
                to: v.comment.clone(),
            }),
            Some(_) => {}
        }
    }
    for (qn, w) in working.views() {
        if to.view(&qn).is_none() {
            changes.push(Change::DropView {
                name: qn,
                view: w.clone(),
            });
        }
    }
    objects::compare(&working, to, &mut changes, &mut notes);

    Diff {
        changes,
        notes,
        working,
    }
}

/// Everything of a view but its comment; a difference means drop and create (`CREATE OR
/// REPLACE` is a renderer's choice).
pub(crate) fn same_view_body(a: &View, b: &View) -> bool {
    a.definition == b.definition
        && a.columns == b.columns
        && a.materialized == b.materialized
        && a.check_option == b.check_option
        && a.security_invoker == b.security_invoker
        && a.depends_on == b.depends_on
}

/// Enum values: new values become `AddEnumValue` (placed before the next old value, or
/// appended). Returns false when values were removed or reordered: the type must be recreated.
fn enum_values(
    qn: &QualifiedName,
    old: &[String],
    new: &[String],
    changes: &mut Vec<Change>,
) -> bool {
    if old == new {
        return true;
    }
    let kept: Vec<&String> = new.iter().filter(|v| old.contains(v)).collect();
    if kept.len() != old.len() || kept.iter().zip(old).any(|(a, b)| *a != b) {
        return false;
    }
    for (i, v) in new.iter().enumerate() {
        if old.contains(v) {
            continue;
        }
        let before = new[i + 1..].iter().find(|n| old.contains(n)).cloned();
        changes.push(Change::AddEnumValue {
            name: qn.clone(),
            value: v.clone(),
            before,
        });
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn enum_values_inserted_and_appended() {
        let qn = QualifiedName::new("public", "mood");
        let mut changes = Vec::new();
        assert!(enum_values(
            &qn,
            &vals(&["a", "b"]),
            &vals(&["x", "a", "n1", "n2", "b", "z"]),
            &mut changes,
        ));
        let got: Vec<_> = changes
            .iter()
            .map(|c| match c {
                Change::AddEnumValue { value, before, .. } => (value.clone(), before.clone()),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("x".into(), Some("a".into())),
                ("n1".into(), Some("b".into())),
                ("n2".into(), Some("b".into())),
                ("z".into(), None)
            ]
        );
    }

    #[test]
    fn enum_values_removed_or_reordered_needs_recreation() {
        let qn = QualifiedName::new("public", "mood");
        for new in [vals(&["a"]), vals(&["b", "a"])] {
            let mut changes = Vec::new();
            assert!(!enum_values(&qn, &vals(&["a", "b"]), &new, &mut changes));
            assert!(changes.is_empty());
        }
    }
}
