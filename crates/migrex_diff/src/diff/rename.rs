//! Renames: resolving the user's hints (plus case-only renames the database treats as renames)
//! and applying them to a schema. `simulate` applies `RenameTable`/`RenameColumn` with the same
//! functions, so the differ's "from after renames" is exactly what the database holds after the
//! rename steps ran: foreign keys, view dependencies and sequence owners follow the rename (as they
//! do in PostgreSQL, MySQL and SQLite 3.26+); expression text (checks, defaults, view queries)
//! is not rewritten, so such objects compare as changed and are recreated.

use crate::names::{Kind, fold};
use migrex_model::{Dialect, IndexKey, QualifiedName, Renames, Schema, Table};
use std::collections::HashMap;

/// The renames that were applied, in application order.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub tables: Vec<(QualifiedName, QualifiedName)>,
    /// (table by its new name, old column, new column)
    pub columns: Vec<(QualifiedName, String, String)>,
}

/// Applies declared and implied renames to `working` (a copy of the old schema) so it can be
/// compared object by object with `to`.
pub(crate) fn apply(
    working: &mut Schema,
    to: &Schema,
    renames: &Renames,
    notes: &mut Vec<String>,
) -> Applied {
    let dialect = to.dialect;
    let mut applied = Applied::default();

    // Declared table renames. A rename whose target is still taken waits for another rename to
    // free it (a -> b, b -> c); what never becomes possible (swaps) is reported and ignored.
    let mut pending: Vec<(QualifiedName, QualifiedName)> = Vec::new();
    for (old, new) in &renames.tables {
        if old == new {
            continue;
        }
        if working.table(old).is_none() {
            notes.push(format!(
                "rename hint ignored: table {old} does not exist in the old schema"
            ));
        } else if to.table(new).is_none() {
            notes.push(format!(
                "rename hint ignored: table {new} does not exist in the new schema"
            ));
        } else {
            pending.push((old.clone(), new.clone()));
        }
    }
    loop {
        let before = pending.len();
        pending.retain(|(old, new)| {
            if working.table(new).is_some() {
                return true;
            }
            move_table(working, old, new);
            applied.tables.push((old.clone(), new.clone()));
            false
        });
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    for (old, new) in pending {
        notes.push(format!(
            "rename hint ignored: table {old} cannot become {new} because {new} already exists in the old schema"
        ));
    }

    // Case-only table renames where the database compares table names case-insensitively.
    for (ns_name, ns) in &to.namespaces {
        let Some(wns) = working.namespaces.get(ns_name) else {
            continue;
        };
        let mut unmatched: HashMap<String, String> = HashMap::new();
        for name in wns.tables.keys() {
            if !ns.tables.contains_key(name) {
                unmatched.insert(
                    fold(dialect, Kind::Relation, name).into_owned(),
                    name.clone(),
                );
            }
        }
        if unmatched.is_empty() {
            continue;
        }
        let mut found = Vec::new();
        for name in ns.tables.keys() {
            if wns.tables.contains_key(name) {
                continue;
            }
            if let Some(old) = unmatched.remove(fold(dialect, Kind::Relation, name).as_ref()) {
                found.push((
                    QualifiedName::new(ns_name.clone(), old),
                    QualifiedName::new(ns_name.clone(), name.clone()),
                ));
            }
        }
        for (old, new) in found {
            move_table(working, &old, &new);
            applied.tables.push((old, new));
        }
    }
    if !applied.tables.is_empty() {
        let map: HashMap<_, _> = applied.tables.iter().cloned().collect();
        retarget_tables(working, &map);
    }

    // Declared column renames, then case-only ones.
    let mut col_map: HashMap<(QualifiedName, String), String> = HashMap::new();
    for ((table, old), new) in &renames.columns {
        if old == new {
            continue;
        }
        let (Some(wt), Some(tt)) = (working.table(table), to.table(table)) else {
            notes.push(format!(
                "rename hint ignored: table {table} (of column {old}) is not in both schemas"
            ));
            continue;
        };
        if !wt.columns.contains_key(old) {
            notes.push(format!(
                "rename hint ignored: column {table}.{old} does not exist in the old schema"
            ));
        } else if !tt.columns.contains_key(new) {
            notes.push(format!(
                "rename hint ignored: column {table}.{new} does not exist in the new schema"
            ));
        } else if wt.columns.contains_key(new) {
            notes.push(format!(
                "rename hint ignored: column {table}.{old} cannot become {new} because {new} already exists in the old schema"
            ));
        } else if let Some(t) = working.table_mut(table) {
            rename_column_in_table(t, old, new);
            applied
                .columns
                .push((table.clone(), old.clone(), new.clone()));
            col_map.insert((table.clone(), old.clone()), new.clone());
        }
    }
    if dialect != Dialect::Postgres {
        let mut found = Vec::new();
        for (qn, tt) in to.tables() {
            let Some(wt) = working.table(&qn) else {
                continue;
            };
            let mut unmatched: HashMap<String, String> = HashMap::new();
            for name in wt.columns.keys() {
                if !tt.columns.contains_key(name) {
                    unmatched.insert(fold(dialect, Kind::Column, name).into_owned(), name.clone());
                }
            }
            if unmatched.is_empty() {
                continue;
            }
            for name in tt.columns.keys() {
                if wt.columns.contains_key(name) {
                    continue;
                }
                if let Some(old) = unmatched.remove(fold(dialect, Kind::Column, name).as_ref()) {
                    found.push((qn.clone(), old, name.clone()));
                }
            }
        }
        for (qn, old, new) in found {
            if let Some(t) = working.table_mut(&qn) {
                rename_column_in_table(t, &old, &new);
                col_map.insert((qn.clone(), old.clone()), new.clone());
                applied.columns.push((qn, old, new));
            }
        }
    }
    if !col_map.is_empty() {
        retarget_columns(working, &col_map);
    }
    applied
}

/// Moves a table to a new name (possibly another namespace), keeping its position inside the
/// namespace when it stays there. Returns false when `from` does not exist.
pub(crate) fn move_table(schema: &mut Schema, from: &QualifiedName, to: &QualifiedName) -> bool {
    let Some(ns) = schema.namespaces.get_mut(&from.namespace) else {
        return false;
    };
    let Some((index, _, mut table)) = ns.tables.shift_remove_full(&from.name) else {
        return false;
    };
    table.name = to.name.clone();
    if from.namespace == to.namespace {
        ns.tables.shift_insert(index, to.name.clone(), table);
    } else {
        schema
            .namespace_mut(&to.namespace)
            .tables
            .insert(to.name.clone(), table);
    }
    true
}

/// Rewrites every reference to a renamed table: foreign key targets, view dependencies,
/// sequence owners and trigger tables. `map` holds old -> new names, looked up once (not chained).
pub(crate) fn retarget_tables(schema: &mut Schema, map: &HashMap<QualifiedName, QualifiedName>) {
    for ns in schema.namespaces.values_mut() {
        for table in ns.tables.values_mut() {
            for fk in &mut table.foreign_keys {
                if let Some(new) = map.get(&fk.ref_table) {
                    fk.ref_table = new.clone();
                }
            }
        }
        for view in ns.views.values_mut() {
            for dep in &mut view.depends_on {
                if let Some(new) = map.get(dep) {
                    *dep = new.clone();
                }
            }
        }
        for seq in ns.sequences.values_mut() {
            if let Some((owner, _)) = &mut seq.owned_by
                && let Some(new) = map.get(owner)
            {
                *owner = new.clone();
            }
        }
        for table in ns.tables.values_mut() {
            if let Some(p) = &mut table.partition_of
                && let Some(new) = map.get(&p.parent)
            {
                p.parent = new.clone();
            }
        }
        // Trigger keys hold the table's name: rebuild the map.
        if ns.triggers.values().any(|t| map.contains_key(&t.table)) {
            let triggers = std::mem::take(&mut ns.triggers);
            ns.triggers = triggers
                .into_values()
                .map(|mut t| {
                    if let Some(new) = map.get(&t.table) {
                        t.table = new.clone();
                    }
                    (t.key(), t)
                })
                .collect();
        }
    }
}

/// Renames a column inside its table (keeping its position) and in the table's key, unique,
/// index and foreign key column lists. Returns false when the column does not exist.
pub(crate) fn rename_column_in_table(table: &mut Table, from: &str, to: &str) -> bool {
    let Some((index, _, mut column)) = table.columns.shift_remove_full(from) else {
        return false;
    };
    column.name = to.to_string();
    table.columns.shift_insert(index, to.to_string(), column);
    let swap = |cols: &mut Vec<String>| {
        for c in cols.iter_mut() {
            if c == from {
                *c = to.to_string();
            }
        }
    };
    if let Some(pk) = &mut table.primary_key {
        swap(&mut pk.columns);
    }
    for u in &mut table.uniques {
        swap(&mut u.columns);
    }
    for fk in &mut table.foreign_keys {
        swap(&mut fk.columns);
    }
    for index in &mut table.indexes {
        for part in &mut index.parts {
            if let IndexKey::Column(c) = &mut part.key
                && c == from
            {
                *c = to.to_string();
            }
        }
        swap(&mut index.include);
    }
    true
}

/// Rewrites references to renamed columns from anywhere in the schema: foreign key target
/// columns (including self-references) and sequence owners. `map` is (table, old) -> new.
pub(crate) fn retarget_columns(
    schema: &mut Schema,
    map: &HashMap<(QualifiedName, String), String>,
) {
    for ns in schema.namespaces.values_mut() {
        for table in ns.tables.values_mut() {
            for fk in &mut table.foreign_keys {
                for c in &mut fk.ref_columns {
                    if let Some(new) = map.get(&(fk.ref_table.clone(), c.clone())) {
                        *c = new.clone();
                    }
                }
            }
        }
        for seq in ns.sequences.values_mut() {
            if let Some((owner, col)) = &mut seq.owned_by
                && let Some(new) = map.get(&(owner.clone(), col.clone()))
            {
                *col = new.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{Column, ColumnType, FkAction, ForeignKey, Index, IndexPart, PrimaryKey};

    fn qn(n: &str) -> QualifiedName {
        QualifiedName::new("public", n)
    }

    fn schema() -> Schema {
        let mut s = Schema::new(Dialect::Postgres);
        let mut p = Table::new("p");
        p.columns
            .insert("id".into(), Column::new("id", ColumnType::int(4)));
        p.primary_key = Some(PrimaryKey {
            name: Some("p_pkey".into()),
            columns: vec!["id".into()],
        });
        let mut c = Table::new("c");
        c.columns
            .insert("a".into(), Column::new("a", ColumnType::int(4)));
        c.columns
            .insert("pid".into(), Column::new("pid", ColumnType::int(4)));
        c.foreign_keys.push(ForeignKey {
            name: Some("c_pid_fkey".into()),
            columns: vec!["pid".into()],
            ref_table: qn("p"),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: None,
            match_full: false,
        });
        c.indexes.push(Index {
            name: "c_pid".into(),
            unique: false,
            parts: vec![IndexPart::column("pid")],
            method: None,
            include: vec![],
            predicate: None,
            nulls_not_distinct: false,
            comment: None,
        });
        let ns = s.namespace_mut("public");
        ns.tables.insert("p".into(), p);
        ns.tables.insert("c".into(), c);
        s
    }

    #[test]
    fn table_rename_retargets_foreign_keys_and_keeps_position() {
        let mut s = schema();
        assert!(move_table(&mut s, &qn("p"), &qn("parent")));
        retarget_tables(&mut s, &HashMap::from([(qn("p"), qn("parent"))]));
        let names: Vec<_> = s.namespaces["public"].tables.keys().cloned().collect();
        assert_eq!(names, ["parent", "c"]);
        assert_eq!(
            s.table(&qn("c")).unwrap().foreign_keys[0].ref_table,
            qn("parent")
        );
        assert_eq!(s.table(&qn("parent")).unwrap().name, "parent");
        assert!(!move_table(&mut s, &qn("p"), &qn("x")));
    }

    #[test]
    fn column_rename_follows_everywhere() {
        let mut s = schema();
        let t = s.table_mut(&qn("c")).unwrap();
        assert!(rename_column_in_table(t, "pid", "parent_id"));
        assert_eq!(
            t.columns.keys().cloned().collect::<Vec<_>>(),
            ["a", "parent_id"]
        );
        assert_eq!(t.foreign_keys[0].columns, ["parent_id"]);
        assert_eq!(
            t.indexes[0].parts[0].key,
            IndexKey::Column("parent_id".into())
        );
        let p = s.table_mut(&qn("p")).unwrap();
        rename_column_in_table(p, "id", "pk");
        retarget_columns(
            &mut s,
            &HashMap::from([((qn("p"), "id".to_string()), "pk".to_string())]),
        );
        assert_eq!(
            s.table(&qn("c")).unwrap().foreign_keys[0].ref_columns,
            ["pk"]
        );
        assert_eq!(
            s.table(&qn("p"))
                .unwrap()
                .primary_key
                .as_ref()
                .unwrap()
                .columns,
            ["pk"]
        );
    }

    #[test]
    fn hints_resolve_chains_and_report_impossible_ones() {
        let from = schema();
        // to: p -> parent, c stays; plus a bogus hint and a hint onto an existing name.
        let mut to = schema();
        move_table(&mut to, &qn("p"), &qn("parent"));
        retarget_tables(&mut to, &HashMap::from([(qn("p"), qn("parent"))]));
        let mut renames = Renames::default();
        renames.tables.insert(qn("p"), qn("parent"));
        renames.tables.insert(qn("nope"), qn("c"));
        renames.tables.insert(qn("c"), qn("c"));
        let mut working = from.clone();
        let mut notes = Vec::new();
        let applied = apply(&mut working, &to, &renames, &mut notes);
        assert_eq!(applied.tables, vec![(qn("p"), qn("parent"))]);
        assert_eq!(working, to);
        assert_eq!(notes.len(), 1, "{notes:?}");
    }

    #[test]
    fn case_only_renames_in_case_insensitive_dialects() {
        let mut from = Schema::new(Dialect::Sqlite);
        let mut t = Table::new("Users");
        t.columns.insert(
            "Email".into(),
            Column::new("Email", ColumnType::other("TEXT")),
        );
        from.namespace_mut("").tables.insert("Users".into(), t);
        let mut to = Schema::new(Dialect::Sqlite);
        let mut t = Table::new("users");
        t.columns.insert(
            "email".into(),
            Column::new("email", ColumnType::other("TEXT")),
        );
        to.namespace_mut("").tables.insert("users".into(), t);
        let mut working = from.clone();
        let applied = apply(&mut working, &to, &Renames::default(), &mut Vec::new());
        assert_eq!(applied.tables.len(), 1);
        assert_eq!(applied.columns.len(), 1);
        assert_eq!(working, to);

        // PostgreSQL compares exactly: no implied rename.
        let mut pg_from = from.clone();
        pg_from.dialect = Dialect::Postgres;
        let mut pg_to = to.clone();
        pg_to.dialect = Dialect::Postgres;
        let mut working = pg_from.clone();
        let applied = apply(&mut working, &pg_to, &Renames::default(), &mut Vec::new());
        assert!(applied.tables.is_empty() && applied.columns.is_empty());
    }
}
