//! MySQL / MariaDB: the index InnoDB generated for a foreign key keeps its name.
//!
//! InnoDB creates an index for a foreign key whose columns lead no index, and marks it as
//! generated. Dropping the foreign key leaves that index; adding a named foreign key later on the
//! same columns makes the server replace the generated index by a new one named after the
//! constraint (`posts_ibfk_1` instead of `author_id`), so the database no longer matches the
//! schema the plan was made for. An index created by `CREATE INDEX` is never replaced, so the
//! plan drops the generated-looking index after the foreign key goes and creates it again
//! (now an ordinary index) before the foreign key is added.

use migrex_model::{Change, ForeignKey, Index, IndexKey, Schema, Table};

pub(crate) fn keep_foreign_key_index_names(
    changes: &mut Vec<Change>,
    working: &Schema,
    to: &Schema,
) {
    let mut extra = Vec::new();
    for c in changes.iter() {
        let Change::AddForeignKey { table, foreign_key } = c else {
            continue;
        };
        let (Some(w), Some(t)) = (working.table(table), to.table(table)) else {
            continue;
        };
        let covering: Vec<&Index> = w
            .indexes
            .iter()
            .filter(|ix| leads_with(ix, &foreign_key.columns))
            .collect();
        let [ix] = covering.as_slice() else {
            continue;
        };
        let unchanged = t.indexes.iter().any(|n| n == *ix);
        let touched = changes.iter().chain(&extra).any(|c| match c {
            Change::DropIndex { table: tt, index } | Change::CreateIndex { table: tt, index } => {
                tt == table && index.name.eq_ignore_ascii_case(&ix.name)
            }
            _ => false,
        });
        if !unchanged
            || touched
            || foreign_key.name.as_deref() == Some(ix.name.as_str())
            || !looks_generated(ix, foreign_key, w)
            || serves_kept_foreign_key(ix, w, t)
        {
            continue;
        }
        extra.push(Change::DropIndex {
            table: table.clone(),
            index: (*ix).clone(),
        });
        extra.push(Change::CreateIndex {
            table: table.clone(),
            index: (*ix).clone(),
        });
    }
    changes.extend(extra);
}

/// Named the way InnoDB names the index it generates: after the first column (`author_id`,
/// `author_id_2`) or after a foreign key of the table.
fn looks_generated(ix: &Index, fk: &ForeignKey, w: &Table) -> bool {
    let first = &fk.columns[0];
    let name = ix.name.to_ascii_lowercase();
    let col = first.to_ascii_lowercase();
    name == col
        || name
            .strip_prefix(&format!("{col}_"))
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
        || w.foreign_keys.iter().any(|f| {
            f.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&ix.name))
        })
}

/// True when a foreign key kept by the plan relies on `ix` (it could not be dropped).
fn serves_kept_foreign_key(ix: &Index, w: &Table, t: &Table) -> bool {
    w.foreign_keys
        .iter()
        .any(|fk| t.foreign_keys.contains(fk) && leads_with(ix, &fk.columns))
}

fn leads_with(ix: &Index, columns: &[String]) -> bool {
    !columns.is_empty()
        && ix.method.is_none()
        && ix.parts.len() >= columns.len()
        && ix.parts.iter().zip(columns).all(|(p, c)| {
            p.prefix_len.is_none()
                && matches!(&p.key, IndexKey::Column(k) if k.eq_ignore_ascii_case(c))
        })
}
