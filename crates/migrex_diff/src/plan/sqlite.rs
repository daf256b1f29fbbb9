//! SQLite: what `ALTER TABLE` cannot do becomes one `RebuildTable` per table.
//!
//! SQLite's ALTER TABLE can rename a table or column, add a column and (3.35+) drop a column,
//! each with restrictions (see `alterable`); indexes have CREATE/DROP INDEX. Every other change
//! of a table (column definition, key, unique, foreign key, check, options) needs the 12-step
//! rebuild, which recreates the table from its full new definition, indexes included. Renames
//! stay separate steps before the rebuild, whose `from` is the table after them.

use crate::names::mentions;
use migrex_model::{Change, Column, IndexKey, QualifiedName, Schema, Table};
use std::collections::{HashMap, HashSet};

pub(crate) fn collapse(changes: &mut Vec<Change>, working: &Schema, to: &Schema) {
    let mut per_table: HashMap<QualifiedName, Vec<usize>> = HashMap::new();
    let mut order: Vec<QualifiedName> = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let table = match c {
            Change::CreateTable { .. }
            | Change::DropTable { .. }
            | Change::RenameTable { .. }
            | Change::RenameColumn { .. } => continue,
            Change::AddColumn { table, .. }
            | Change::DropColumn { table, .. }
            | Change::AlterColumn { table, .. }
            | Change::AddPrimaryKey { table, .. }
            | Change::DropPrimaryKey { table, .. }
            | Change::AddUnique { table, .. }
            | Change::DropUnique { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::AddCheck { table, .. }
            | Change::DropCheck { table, .. }
            | Change::CreateIndex { table, .. }
            | Change::DropIndex { table, .. }
            | Change::RenameIndex { table, .. }
            | Change::RenameConstraint { table, .. }
            | Change::SetTableComment { table, .. }
            | Change::AlterTableOptions { table, .. } => table,
            _ => continue,
        };
        let entry = per_table.entry(table.clone()).or_default();
        if entry.is_empty() {
            order.push(table.clone());
        }
        entry.push(i);
    }
    if per_table.is_empty() {
        return;
    }
    // Columns other tables' foreign keys point at cannot be dropped in place.
    let referenced: HashSet<(QualifiedName, String)> = working
        .tables()
        .flat_map(|(_, t)| {
            t.foreign_keys.iter().flat_map(|fk| {
                fk.ref_columns
                    .iter()
                    .map(|c| (fk.ref_table.clone(), c.clone()))
            })
        })
        .collect();

    let mut remove = vec![false; changes.len()];
    let mut rebuilds = Vec::new();
    for qn in order {
        let (Some(w), Some(t)) = (working.table(&qn), to.table(&qn)) else {
            continue;
        };
        let idxs = &per_table[&qn];
        let dropped_indexes: HashSet<&str> = idxs
            .iter()
            .filter_map(|&i| match &changes[i] {
                Change::DropIndex { index, .. } => Some(index.name.as_str()),
                _ => None,
            })
            .collect();
        let ok = idxs.iter().all(|&i| match &changes[i] {
            Change::CreateIndex { .. } | Change::DropIndex { .. } => true,
            Change::AddColumn { column, .. } => can_add(column, t),
            Change::DropColumn { column, .. } => {
                can_drop(&column.name, &qn, w, &dropped_indexes, &referenced)
            }
            _ => false,
        });
        if !ok {
            for &i in idxs {
                remove[i] = true;
            }
            rebuilds.push(Change::RebuildTable {
                name: qn.clone(),
                from: w.clone(),
                to: t.clone(),
            });
        }
    }
    let mut i = 0;
    changes.retain(|_| {
        i += 1;
        !remove[i - 1]
    });
    changes.extend(rebuilds);
}

/// SQLite refuses `ALTER TABLE Users RENAME TO users` ("there is already another table or
/// index with this name"): a case-only rename goes through a temporary name.
pub(crate) fn split_case_only_renames(changes: &mut Vec<Change>) {
    let mut out = Vec::with_capacity(changes.len());
    for c in changes.drain(..) {
        match c {
            Change::RenameTable { from, to }
                if from.namespace == to.namespace
                    && from.name != to.name
                    && from.name.eq_ignore_ascii_case(&to.name) =>
            {
                let tmp =
                    QualifiedName::new(to.namespace.clone(), format!("{}__migrex_tmp", to.name));
                out.push(Change::RenameTable {
                    from,
                    to: tmp.clone(),
                });
                out.push(Change::RenameTable { from: tmp, to });
            }
            other => out.push(other),
        }
    }
    *changes = out;
}

/// `ALTER TABLE ADD COLUMN`: not part of the primary key, a unique or a foreign key; no stored
/// generated column; a constant default; NOT NULL only with a non-NULL default.
fn can_add(c: &Column, t: &Table) -> bool {
    let name = c.name.as_str();
    let has = |cols: &[String]| cols.iter().any(|x| x == name);
    if t.primary_key.as_ref().is_some_and(|p| has(&p.columns))
        || t.uniques.iter().any(|u| has(&u.columns))
        || t.foreign_keys.iter().any(|f| has(&f.columns))
        || c.identity.is_some()
    {
        return false;
    }
    if let Some(g) = &c.generated {
        return !g.stored;
    }
    match &c.default {
        None => c.nullable,
        Some(d) => is_constant(&d.sql) && (c.nullable || !is_null(&d.sql)),
    }
}

/// `ALTER TABLE DROP COLUMN` (3.35+): not in the primary key, a unique, a foreign key (either
/// side), a check, a generated column or an index that stays.
fn can_drop(
    col: &str,
    qn: &QualifiedName,
    w: &Table,
    dropped_indexes: &HashSet<&str>,
    referenced: &HashSet<(QualifiedName, String)>,
) -> bool {
    let has = |cols: &[String]| cols.iter().any(|x| x == col);
    if w.primary_key.as_ref().is_some_and(|p| has(&p.columns))
        || w.uniques.iter().any(|u| has(&u.columns))
        || w.foreign_keys.iter().any(|f| has(&f.columns))
        || w.checks.iter().any(|c| mentions(&c.expr.key, col))
        || referenced.contains(&(qn.clone(), col.to_string()))
    {
        return false;
    }
    if w.columns.values().any(|c| {
        c.name != col
            && c.generated
                .as_ref()
                .is_some_and(|g| mentions(&g.expr.key, col))
    }) {
        return false;
    }
    w.indexes.iter().all(|i| {
        let uses = i.parts.iter().any(|p| match &p.key {
            IndexKey::Column(c) => c == col,
            IndexKey::Expr(e) => mentions(&e.key, col),
        }) || i.predicate.as_ref().is_some_and(|p| mentions(&p.key, col));
        !uses || dropped_indexes.contains(i.name.as_str())
    })
}

fn strip_parens(sql: &str) -> &str {
    let mut s = sql.trim();
    while s.len() >= 2 && s.starts_with('(') && s.ends_with(')') {
        s = s[1..s.len() - 1].trim();
    }
    s
}

fn is_null(sql: &str) -> bool {
    strip_parens(sql).eq_ignore_ascii_case("null")
}

/// A literal SQLite accepts as an ADD COLUMN default: number (signed), string, blob, NULL,
/// TRUE/FALSE, optionally parenthesized. CURRENT_TIMESTAMP and function calls are not constant.
pub(crate) fn is_constant(sql: &str) -> bool {
    let s = strip_parens(sql);
    if ["null", "true", "false"]
        .iter()
        .any(|k| s.eq_ignore_ascii_case(k))
    {
        return true;
    }
    if let Some(body) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return !body.replace("''", "").contains('\'');
    }
    if let Some(hex) = s
        .strip_prefix(['x', 'X'])
        .and_then(|r| r.strip_prefix('\''))
        .and_then(|r| r.strip_suffix('\''))
    {
        return hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let n = s.strip_prefix(['-', '+']).unwrap_or(s).trim_start();
    if let Some(hex) = n.strip_prefix("0x").or_else(|| n.strip_prefix("0X")) {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    !n.is_empty()
        && n.parse::<f64>().is_ok()
        && n.chars().all(|c| c.is_ascii_digit() || ".eE+-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants() {
        for ok in [
            "1", "-1", "+1.5", "1e3", "'a''b'", "x'00'", "NULL", "TRUE", "(1)", "0x1F", "''",
        ] {
            assert!(is_constant(ok), "{ok}");
        }
        for bad in [
            "CURRENT_TIMESTAMP",
            "datetime('now')",
            "(random())",
            "'a'||'b'",
            "abc",
            "1 + 1",
            "inf",
            "NaN",
        ] {
            assert!(!is_constant(bad), "{bad}");
        }
        assert!(is_null("(NULL)"));
    }
}
