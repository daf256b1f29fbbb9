//! Renames: resolving the user's hints (plus case-only renames the database treats as renames)
//! and applying them to a schema. `simulate` applies `RenameTable`/`RenameColumn` with the same
//! functions, so the differ's "from after renames" is exactly what the database holds after the
//! rename steps ran: foreign keys, view dependencies and sequence owners follow the rename (as they
//! do in PostgreSQL, MySQL and SQLite 3.26+); expression text (checks, defaults, view queries)
//! is not rewritten, so such objects compare as changed and are recreated.

use super::table::{Pairing, pair};
use crate::names::{Kind, fold};
use migrex_model::{
    Check, Column, Dialect, ForeignKey, Index, IndexKey, QualifiedName, RenameCandidate,
    RenameKind, Renames, Schema, Table, UniqueConstraint,
};
use std::borrow::Cow;
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
    working: &mut Cow<'_, Schema>,
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
            move_table(working.to_mut(), old, new);
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
            move_table(working.to_mut(), &old, &new);
            applied.tables.push((old, new));
        }
    }
    if !applied.tables.is_empty() {
        let map: HashMap<_, _> = applied.tables.iter().cloned().collect();
        retarget_tables(working.to_mut(), &map);
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
        } else if let Some(t) = working.to_mut().table_mut(table) {
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
            if let Some(t) = working.to_mut().table_mut(&qn) {
                rename_column_in_table(t, &old, &new);
                col_map.insert((qn.clone(), old.clone()), new.clone());
                applied.columns.push((qn, old, new));
            }
        }
    }
    if !col_map.is_empty() {
        retarget_columns(working.to_mut(), &col_map);
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

/// The likely renames from `from` to `to` once `renames` are applied (see [`candidates`]).
pub(crate) fn candidates_between(
    from: &Schema,
    to: &Schema,
    renames: &Renames,
) -> Vec<RenameCandidate> {
    let mut working = Cow::Borrowed(from);
    if working.dialect != to.dialect {
        working.to_mut().dialect = to.dialect;
    }
    apply(&mut working, to, renames, &mut Vec::new());
    candidates(&working, to)
}

/// The likely renames between `working` (the old schema with the declared renames applied) and
/// `to`: tables dropped and created with the same columns (or the same column definitions in
/// order, at least half under the same names), columns dropped and added in one
/// table with the same definition, and indexes and constraints of one table with the same
/// definition under another name (those the differ renames by itself; they are listed so a
/// caller can report them).
///
/// Every pairing is a candidate: two identical columns dropped and one added give two
/// candidates for the added one, asked about in turn (as Django does); once one is confirmed
/// and the diff recomputed, the other is gone. Tables come first (a confirmed table rename
/// turns its columns into comparable ones), then columns, then indexes and constraints.
pub(crate) fn candidates(working: &Schema, to: &Schema) -> Vec<RenameCandidate> {
    let dialect = to.dialect;
    let mut out = Vec::new();

    // Tables: the dropped ones bucketed by their column names (any order) and by their column
    // types in order, then compared in full.
    let mut by_names: HashMap<String, Vec<(QualifiedName, &Table)>> = HashMap::new();
    let mut by_types: HashMap<String, Vec<(QualifiedName, &Table)>> = HashMap::new();
    for (qn, t) in working.tables() {
        if to.table(&qn).is_none() && !t.columns.is_empty() {
            by_names
                .entry(column_names_key(t))
                .or_default()
                .push((qn.clone(), t));
            by_types
                .entry(column_types_key(t))
                .or_default()
                .push((qn, t));
        }
    }
    if !by_names.is_empty() {
        for (qn, t) in to.tables() {
            if working.table(&qn).is_some() {
                continue;
            }
            let exact = by_names.get(&column_names_key(t)).into_iter().flatten();
            let alike = by_types.get(&column_types_key(t)).into_iter().flatten();
            let mut seen: Vec<&QualifiedName> = Vec::new();
            // (exact, similarity of the names, candidate): the likeliest is asked first, and
            // once confirmed the other pairings for this table are gone.
            let mut found: Vec<(bool, usize, RenameCandidate)> = Vec::new();
            for (old, ot) in exact.chain(alike) {
                if seen.contains(&old) {
                    continue;
                }
                let exact = same_columns(ot, t);
                let description = if exact {
                    describe_columns(t)
                } else if alike_columns(ot, t) {
                    format!(
                        "{}; before: {}",
                        describe_columns(t),
                        describe_columns(ot).trim_start_matches("columns ")
                    )
                } else {
                    continue;
                };
                seen.push(old);
                found.push((
                    exact,
                    similarity(&old.name, &qn.name),
                    RenameCandidate {
                        kind: RenameKind::Table,
                        from_table: old.clone(),
                        table: qn.clone(),
                        from: old.name.clone(),
                        to: qn.name.clone(),
                        description,
                    },
                ));
            }
            found.sort_by_key(|(exact, sim, _)| std::cmp::Reverse((*exact, *sim)));
            out.extend(found.into_iter().map(|(_, _, c)| c));
        }
    }

    // Columns, then indexes and constraints, table by table.
    let mut objects = Vec::new();
    for (qn, t) in to.tables() {
        let Some(w) = working.table(&qn) else {
            continue;
        };
        if w == t {
            continue;
        }
        let added: Vec<&Column> = t
            .columns
            .values()
            .filter(|c| !w.columns.contains_key(&c.name))
            .collect();
        if !added.is_empty() {
            let gone: Vec<&Column> = w
                .columns
                .values()
                .filter(|c| !t.columns.contains_key(&c.name))
                .collect();
            for new in &added {
                let mut olds: Vec<&&Column> = gone
                    .iter()
                    .filter(|old| same_definition(old, new))
                    .collect();
                olds.sort_by_key(|old| std::cmp::Reverse(similarity(&old.name, &new.name)));
                for old in olds {
                    out.push(RenameCandidate {
                        kind: RenameKind::Column,
                        from_table: qn.clone(),
                        table: qn.clone(),
                        from: old.name.clone(),
                        to: new.name.clone(),
                        description: describe_column(dialect, new),
                    });
                }
            }
        }
        object_candidates(dialect, &qn, w, t, &mut objects);
    }
    out.extend(objects);
    out
}

/// Indexes and constraints of one table with the same content under a new name.
fn object_candidates(
    dialect: Dialect,
    qn: &QualifiedName,
    w: &Table,
    t: &Table,
    out: &mut Vec<RenameCandidate>,
) {
    let mut push = |kind, from: &str, to: &str, description: String| {
        out.push(RenameCandidate {
            kind,
            from_table: qn.clone(),
            table: qn.clone(),
            from: from.to_string(),
            to: to.to_string(),
            description,
        });
    };
    if let (Some(a), Some(b)) = (&w.primary_key, &t.primary_key)
        && a.columns == b.columns
        && let (Some(from), Some(to)) = (&a.name, &b.name)
        && from != to
    {
        push(
            RenameKind::Constraint,
            from,
            to,
            format!("primary key ({})", a.columns.join(", ")),
        );
    }
    for (i, j) in renamed_pairs(
        dialect,
        &w.uniques,
        &t.uniques,
        |u| u.name.as_deref(),
        |u| UniqueConstraint {
            name: None,
            ..u.clone()
        },
    ) {
        let (a, b) = (&w.uniques[i], &t.uniques[j]);
        if let (Some(from), Some(to)) = (&a.name, &b.name) {
            push(
                RenameKind::Constraint,
                from,
                to,
                format!("unique ({})", a.columns.join(", ")),
            );
        }
    }
    for (i, j) in renamed_pairs(
        dialect,
        &w.foreign_keys,
        &t.foreign_keys,
        |f| f.name.as_deref(),
        |f| ForeignKey {
            name: None,
            ..f.clone()
        },
    ) {
        let (a, b) = (&w.foreign_keys[i], &t.foreign_keys[j]);
        if let (Some(from), Some(to)) = (&a.name, &b.name) {
            push(
                RenameKind::Constraint,
                from,
                to,
                format!(
                    "foreign key ({}) references {} ({})",
                    a.columns.join(", "),
                    a.ref_table,
                    a.ref_columns.join(", ")
                ),
            );
        }
    }
    for (i, j) in renamed_pairs(
        dialect,
        &w.checks,
        &t.checks,
        |c| c.name.as_deref(),
        |c| Check {
            name: None,
            ..c.clone()
        },
    ) {
        let (a, b) = (&w.checks[i], &t.checks[j]);
        if let (Some(from), Some(to)) = (&a.name, &b.name) {
            push(
                RenameKind::Constraint,
                from,
                to,
                format!("check ({})", a.expr.sql),
            );
        }
    }
    for (i, j) in renamed_pairs(
        dialect,
        &w.indexes,
        &t.indexes,
        |x| Some(x.name.as_str()),
        |x| Index {
            name: String::new(),
            ..x.clone()
        },
    ) {
        let (a, b) = (&w.indexes[i], &t.indexes[j]);
        push(RenameKind::Index, &a.name, &b.name, describe_index(a));
    }
}

/// The (old, new) positions the differ pairs as renamed: same content, another name.
fn renamed_pairs<T: PartialEq>(
    dialect: Dialect,
    from: &[T],
    to: &[T],
    name: impl Fn(&T) -> Option<&str>,
    unnamed: impl Fn(&T) -> T,
) -> Vec<(usize, usize)> {
    if from.is_empty() || to.is_empty() {
        return Vec::new();
    }
    pair(dialect, from, to, &name, |a, b| unnamed(a) == unnamed(b))
        .into_iter()
        .filter_map(|p| match p {
            Pairing::Renamed(i, j) => Some((i, j)),
            _ => None,
        })
        .collect()
}

/// Two columns whose definitions agree but for name and comment.
fn same_definition(a: &Column, b: &Column) -> bool {
    let mut a = a.clone();
    a.name.clone_from(&b.name);
    a.comment.clone_from(&b.comment);
    a == *b
}

/// Same column names and definitions, in any order (column order alone is not a change).
fn same_columns(a: &Table, b: &Table) -> bool {
    a.columns.len() == b.columns.len()
        && a.columns
            .iter()
            .all(|(name, c)| b.columns.get(name).is_some_and(|d| same_definition(c, d)))
}

/// Same column definitions in the same order, at least half of them under the same name: a
/// table renamed along with some of its columns (the columns are asked about once the table
/// rename is confirmed).
fn alike_columns(a: &Table, b: &Table) -> bool {
    let shared = a
        .columns
        .keys()
        .filter(|n| b.columns.contains_key(*n))
        .count();
    a.columns.len() == b.columns.len()
        && shared * 2 >= a.columns.len()
        && a.columns
            .values()
            .zip(b.columns.values())
            .all(|(c, d)| same_definition(c, d))
}

fn column_types_key(t: &Table) -> String {
    t.columns
        .values()
        .map(|c| format!("{:?}", c.ty))
        .collect::<Vec<_>>()
        .join("\u{1}")
}

/// How alike two names look: the length of their common prefix plus that of their common
/// suffix, case-insensitively (`t250` and `t250_old` share 4, `name` and `full_name` 4).
fn similarity(a: &str, b: &str) -> usize {
    let (a, b) = (a.to_lowercase(), b.to_lowercase());
    let prefix = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count();
    let suffix = a
        .chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (prefix + suffix).min(a.chars().count().min(b.chars().count()))
}

fn column_names_key(t: &Table) -> String {
    let mut names: Vec<&str> = t.columns.keys().map(String::as_str).collect();
    names.sort_unstable();
    names.join("\u{1}")
}

/// A column's definition in words, in the dialect's spelling: `varchar(100) NOT NULL DEFAULT ''`.
pub(crate) fn describe_column(dialect: Dialect, c: &Column) -> String {
    let mut s = migrex_dialect::format_type(dialect, &c.ty);
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(" DEFAULT ");
        s.push_str(&d.sql);
    }
    if c.identity.is_some() {
        s.push_str(" identity");
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" generated as ({})", g.expr.sql));
    }
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    s
}

fn describe_columns(t: &Table) -> String {
    const SHOWN: usize = 6;
    let names: Vec<&str> = t.columns.keys().map(String::as_str).collect();
    if names.len() <= SHOWN {
        format!("columns {}", names.join(", "))
    } else {
        format!(
            "columns {}, and {} more",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        )
    }
}

fn describe_index(i: &Index) -> String {
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| match &p.key {
            IndexKey::Column(c) => c.clone(),
            IndexKey::Expr(e) => format!("({})", e.sql),
        })
        .collect();
    let mut s = format!(
        "{}index on ({})",
        if i.unique { "unique " } else { "" },
        parts.join(", ")
    );
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" where {}", p.sql));
    }
    s
}

/// The note the plan carries for a likely table or column rename, in the terms of the DDL hint
/// (callers with options of their own, like the CLI's `--rename`, replace it with theirs).
pub(crate) fn candidate_note(c: &RenameCandidate) -> String {
    match c.kind {
        RenameKind::Table => {
            let hint = if c.from_table.namespace == c.table.namespace {
                format!(
                    "; if it is a rename, add `-- @renamed from={}` on the `CREATE TABLE {}` line",
                    c.from, c.to
                )
            } else {
                String::new()
            };
            format!(
                "table {} was dropped and {} added with columns of the same definitions ({}){hint}",
                c.from_table,
                c.table,
                c.description.trim_start_matches("columns ")
            )
        }
        _ => format!(
            "column {t}.{} was dropped and {t}.{} added with the same definition ({}); if it is a rename, add `-- @renamed from={}` after {}'s definition",
            c.from,
            c.to,
            c.description,
            c.from,
            c.to,
            t = c.table
        ),
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

    fn read(dialect: Dialect, sql: &str) -> Schema {
        migrex_source_sql::parse(sql, dialect, "t.sql")
            .expect("valid DDL")
            .schema
    }

    /// (kind, from table, table, from, to) of each candidate, for compact assertions.
    fn found(
        dialect: Dialect,
        from: &str,
        to: &str,
        renames: &Renames,
    ) -> Vec<(RenameKind, String, String, String, String)> {
        candidates_between(&read(dialect, from), &read(dialect, to), renames)
            .into_iter()
            .map(|c| {
                (
                    c.kind,
                    c.from_table.to_string(),
                    c.table.to_string(),
                    c.from,
                    c.to,
                )
            })
            .collect()
    }

    fn cand(
        kind: RenameKind,
        from_table: &str,
        table: &str,
        from: &str,
        to: &str,
    ) -> (RenameKind, String, String, String, String) {
        (
            kind,
            from_table.into(),
            table.into(),
            from.into(),
            to.into(),
        )
    }

    #[test]
    fn candidate_tables_have_the_same_columns() {
        let d = Dialect::Sqlite;
        let from = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\nCREATE TABLE logs (id INTEGER, msg TEXT);";
        let to = "CREATE TABLE accounts (name TEXT NOT NULL, id INTEGER PRIMARY KEY);\nCREATE TABLE events (id INTEGER, msg TEXT, at TEXT);";
        assert_eq!(
            found(d, from, to, &Renames::default()),
            [cand(
                RenameKind::Table,
                "users",
                "accounts",
                "users",
                "accounts"
            )]
        );
        let c = &candidates_between(&read(d, from), &read(d, to), &Renames::default())[0];
        assert_eq!(c.description, "columns name, id");
        // The plan notes it (with the DDL hint) and still drops and creates.
        let plan = crate::plan(&read(d, from), &read(d, to), &Renames::default());
        assert!(plan.notes.contains(&candidate_note(c)), "{:?}", plan.notes);
        assert!(
            candidate_note(c)
                .contains("`-- @renamed from=users` on the `CREATE TABLE accounts` line")
        );
        // Confirmed, it is no longer a candidate and the plan renames.
        let mut r = Renames::default();
        assert!(r.confirm(c));
        assert!(found(d, from, to, &r).is_empty());
        let plan = crate::plan(&read(d, from), &read(d, to), &r);
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);
        assert!(
            plan.steps
                .iter()
                .any(|s| matches!(&s.change, migrex_model::Change::RenameTable { .. }))
        );
    }

    #[test]
    fn candidate_columns_have_the_same_definition() {
        let d = Dialect::Postgres;
        let from = "CREATE TABLE users (id int PRIMARY KEY, name varchar(100) NOT NULL, age int, note text);";
        let to = "CREATE TABLE users (id int PRIMARY KEY, full_name varchar(100) NOT NULL, years bigint, remark text DEFAULT '');";
        assert_eq!(
            found(d, from, to, &Renames::default()),
            [cand(
                RenameKind::Column,
                "public.users",
                "public.users",
                "name",
                "full_name"
            )]
        );
        let c = &candidates_between(&read(d, from), &read(d, to), &Renames::default())[0];
        assert_eq!(c.description, "character varying(100) NOT NULL");
        assert_eq!(
            candidate_note(c),
            "column public.users.name was dropped and public.users.full_name added with the same definition (character varying(100) NOT NULL); if it is a rename, add `-- @renamed from=name` after full_name's definition"
        );
        // A comment does not make another definition.
        let to2 = "CREATE TABLE users (id int PRIMARY KEY, full_name varchar(100) NOT NULL, age int, note text);\nCOMMENT ON COLUMN users.full_name IS 'the name';";
        assert_eq!(found(d, from, to2, &Renames::default()).len(), 1);
    }

    #[test]
    fn likelier_pairings_come_first() {
        let d = Dialect::Sqlite;
        let from = "CREATE TABLE t (id INTEGER, other TEXT, note_old TEXT);";
        let to = "CREATE TABLE t (id INTEGER, note TEXT);";
        assert_eq!(
            found(d, from, to, &Renames::default()),
            [
                cand(RenameKind::Column, "t", "t", "note_old", "note"),
                cand(RenameKind::Column, "t", "t", "other", "note")
            ]
        );
        // Tables: the same columns before alike ones, then the likelier name.
        let from = "CREATE TABLE a (id INTEGER, v TEXT);\nCREATE TABLE t2 (id INTEGER, v TEXT);\nCREATE TABLE t250 (id INTEGER, w TEXT);";
        let to = "CREATE TABLE t250_old (id INTEGER, v TEXT);";
        let got: Vec<String> = found(d, from, to, &Renames::default())
            .into_iter()
            .map(|c| c.3)
            .collect();
        assert_eq!(got, ["t2", "a", "t250"]);
        assert_eq!(similarity("t250", "t250_old"), 4);
        assert_eq!(similarity("name", "full_name"), 4);
        assert_eq!(similarity("ab", "ab"), 2);
        assert_eq!(similarity("bio", "about"), 0);
    }

    #[test]
    fn ambiguous_columns_give_every_pairing_until_one_is_confirmed() {
        let d = Dialect::Sqlite;
        let from = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);";
        let to = "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT);";
        let all = candidates_between(&read(d, from), &read(d, to), &Renames::default());
        assert_eq!(
            all.iter()
                .map(|c| (c.from.as_str(), c.to.as_str()))
                .collect::<Vec<_>>(),
            [("a", "c"), ("b", "c")]
        );
        // Confirming the second leaves nothing to ask: `a` is dropped, nothing else was added.
        let mut r = Renames::default();
        r.confirm(&all[1]);
        assert!(found(d, from, to, &r).is_empty());
        // Two added and two dropped alike: four pairings, and after one answer, one remains.
        let to = "CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT, e TEXT);";
        let all = candidates_between(&read(d, from), &read(d, to), &Renames::default());
        assert_eq!(all.len(), 4);
        let mut r = Renames::default();
        r.confirm(&all[0]);
        assert_eq!(
            found(d, from, to, &r),
            [cand(RenameKind::Column, "t", "t", "b", "e")]
        );
    }

    #[test]
    fn a_confirmed_table_rename_makes_its_columns_comparable() {
        let d = Dialect::Postgres;
        let from = "CREATE TABLE users (id int PRIMARY KEY, name text);";
        let to = "CREATE TABLE accounts (id int PRIMARY KEY, full_name text);";
        // The same definitions in order, half the names shared: a likely table rename.
        let all = candidates_between(&read(d, from), &read(d, to), &Renames::default());
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].kind, RenameKind::Table);
        assert_eq!(
            all[0].description,
            "columns id, full_name; before: id, name"
        );
        assert!(candidate_note(&all[0]).contains("columns of the same definitions"));
        let mut r = Renames::default();
        r.confirm(&all[0]);
        let got = found(d, from, to, &r);
        assert_eq!(
            got[0],
            cand(
                RenameKind::Column,
                "public.accounts",
                "public.accounts",
                "name",
                "full_name"
            )
        );
        // The primary key keeps its old name until renamed: a constraint candidate.
        assert_eq!(
            got[1],
            cand(
                RenameKind::Constraint,
                "public.accounts",
                "public.accounts",
                "users_pkey",
                "accounts_pkey"
            )
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn tables_not_alike_are_no_candidates() {
        let d = Dialect::Sqlite;
        for (from, to) in [
            // Another column count.
            (
                "CREATE TABLE tags (id INTEGER, name TEXT);",
                "CREATE TABLE categories (id INTEGER, name TEXT, parent INTEGER);",
            ),
            // Fewer than half the names shared.
            (
                "CREATE TABLE a (id INTEGER, b TEXT, c TEXT, d TEXT);",
                "CREATE TABLE x (id INTEGER, y TEXT, z TEXT, w TEXT);",
            ),
            // Other definitions.
            (
                "CREATE TABLE a (id INTEGER, b TEXT);",
                "CREATE TABLE x (id INTEGER, b TEXT NOT NULL);",
            ),
            // No columns at all.
            ("CREATE TABLE a ();", "CREATE TABLE x ();"),
        ] {
            assert!(
                found(d, from, to, &Renames::default()).is_empty(),
                "{from} -> {to}"
            );
        }
        // Two dropped tables alike one created: both pairings are offered.
        let from = "CREATE TABLE a (id INTEGER, v TEXT);\nCREATE TABLE b (id INTEGER, v TEXT);";
        let to = "CREATE TABLE c (id INTEGER, v TEXT);";
        assert_eq!(
            found(d, from, to, &Renames::default()),
            [
                cand(RenameKind::Table, "a", "c", "a", "c"),
                cand(RenameKind::Table, "b", "c", "b", "c")
            ]
        );
    }

    #[test]
    fn indexes_and_constraints_with_a_new_name_are_renames_without_asking() {
        let from = "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int CONSTRAINT t_pk PRIMARY KEY, email text, p_id int, n int,\n  CONSTRAINT t_email_uq UNIQUE (email),\n  CONSTRAINT t_p_fk FOREIGN KEY (p_id) REFERENCES p (id),\n  CONSTRAINT t_n_ck CHECK (n > 0));\nCREATE INDEX t_lower ON t (lower(email)) WHERE n > 1;";
        let to = "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE t (id int CONSTRAINT t_pkey PRIMARY KEY, email text, p_id int, n int,\n  CONSTRAINT t_email_key UNIQUE (email),\n  CONSTRAINT t_p_id_fkey FOREIGN KEY (p_id) REFERENCES p (id),\n  CONSTRAINT t_n_check CHECK (n > 0));\nCREATE INDEX t_lower_email ON t (lower(email)) WHERE n > 1;";
        let d = Dialect::Postgres;
        let all = candidates_between(&read(d, from), &read(d, to), &Renames::default());
        let got: Vec<_> = all
            .iter()
            .map(|c| {
                (
                    c.kind,
                    c.from.as_str(),
                    c.to.as_str(),
                    c.description.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (RenameKind::Constraint, "t_pk", "t_pkey", "primary key (id)"),
                (
                    RenameKind::Constraint,
                    "t_email_uq",
                    "t_email_key",
                    "unique (email)"
                ),
                (
                    RenameKind::Constraint,
                    "t_p_fk",
                    "t_p_id_fkey",
                    "foreign key (p_id) references public.p (id)"
                ),
                (
                    RenameKind::Constraint,
                    "t_n_ck",
                    "t_n_check",
                    "check (n > 0)"
                ),
                (
                    RenameKind::Index,
                    "t_lower",
                    "t_lower_email",
                    "index on ((lower(email))) where n > 1"
                ),
            ]
        );
        assert!(all.iter().all(|c| !c.kind.asks()));
        // PostgreSQL renames each in place; nothing is noted.
        let plan = crate::plan(&read(d, from), &read(d, to), &Renames::default());
        let kinds: Vec<String> = plan.steps.iter().map(|s| s.change.describe()).collect();
        assert_eq!(kinds.len(), 5, "{kinds:?}");
        assert!(kinds.iter().all(|k| k.starts_with("rename ")), "{kinds:?}");
        assert!(plan.notes.is_empty(), "{:?}", plan.notes);

        // SQLite cannot rename an index: still a candidate, planned as drop and create.
        let d = Dialect::Sqlite;
        let from = "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT);\nCREATE UNIQUE INDEX t_e ON t (email);";
        let to = "CREATE TABLE t (id INTEGER PRIMARY KEY, email TEXT);\nCREATE UNIQUE INDEX t_email ON t (email);";
        assert_eq!(
            found(d, from, to, &Renames::default()),
            [cand(RenameKind::Index, "t", "t", "t_e", "t_email")]
        );
        let plan = crate::plan(&read(d, from), &read(d, to), &Renames::default());
        let kinds: Vec<String> = plan.steps.iter().map(|s| s.change.describe()).collect();
        assert_eq!(kinds.len(), 2, "{kinds:?}");
        assert!(
            kinds[0].starts_with("drop index") && kinds[1].starts_with("create"),
            "{kinds:?}"
        );
    }

    #[test]
    fn another_definition_is_no_candidate() {
        let d = Dialect::Mysql;
        let from = "CREATE TABLE t (id int PRIMARY KEY, a varchar(10) NOT NULL, KEY t_a (a));";
        let to = "CREATE TABLE t (id int PRIMARY KEY, b varchar(10) NULL, KEY t_b (id, b));";
        assert!(found(d, from, to, &Renames::default()).is_empty());
        // Identical schemas have nothing to offer.
        assert!(found(d, from, from, &Renames::default()).is_empty());
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
        let mut working = Cow::Borrowed(&from);
        let mut notes = Vec::new();
        let applied = apply(&mut working, &to, &renames, &mut notes);
        assert_eq!(applied.tables, vec![(qn("p"), qn("parent"))]);
        assert_eq!(*working, to);
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
        let mut working = Cow::Borrowed(&from);
        let applied = apply(&mut working, &to, &Renames::default(), &mut Vec::new());
        assert_eq!(applied.tables.len(), 1);
        assert_eq!(applied.columns.len(), 1);
        assert_eq!(*working, to);

        // PostgreSQL compares exactly: no implied rename.
        let mut pg_from = from.clone();
        pg_from.dialect = Dialect::Postgres;
        let mut pg_to = to.clone();
        pg_to.dialect = Dialect::Postgres;
        let mut working = Cow::Borrowed(&pg_from);
        let applied = apply(&mut working, &pg_to, &Renames::default(), &mut Vec::new());
        assert!(applied.tables.is_empty() && applied.columns.is_empty());
        // Nothing renamed: the old schema was not copied.
        assert!(matches!(working, Cow::Borrowed(_)));
    }
}
