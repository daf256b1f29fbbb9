//! A live PostgreSQL database's views, column defaults and index expressions against the same
//! written by hand, as the server prints them (`Db::reprint_*`).

use crate::Error;
use migrex_model::{Dialect, Index, IndexKey, Schema};
use migrex_source_live::{Db, DefaultExpr, IndexExprs, ViewQuery};

/// Whether `align_with_live` has anything to ask the server (it needs no connection otherwise).
pub fn needs_server_printing(live: &Schema, other: &Schema) -> bool {
    !view_candidates(live, other).is_empty()
        || !default_candidates(live, other).is_empty()
        || !index_candidates(live, other).is_empty()
}

/// Only PostgreSQL is asked (the other databases keep the text as written, or none).
fn both_postgres(live: &Schema, other: &Schema) -> bool {
    live.dialect == Dialect::Postgres && other.dialect == Dialect::Postgres
}

/// `align_view_definitions`, `align_column_defaults` and `align_index_expressions`. Returns how
/// many objects were aligned.
pub fn align_with_live(db: &mut Db, live: &Schema, other: &mut Schema) -> Result<usize, Error> {
    Ok(align_view_definitions(db, live, other)?
        + align_column_defaults(db, live, other)?
        + align_index_expressions(db, live, other)?)
}

/// Makes the expressions and predicates of `other`'s PostgreSQL table indexes read as `live`'s
/// where the server, building the index as written on an empty copy of the table, prints what
/// it holds (`lower(email)` on a varchar is `lower((email)::text)` there). Indexes that differ in
/// anything else, or still differ, are left as written. Returns how many were aligned.
pub fn align_index_expressions(
    db: &mut Db,
    live: &Schema,
    other: &mut Schema,
) -> Result<usize, Error> {
    let candidates = index_candidates(live, other);
    if candidates.is_empty() {
        return Ok(0);
    }
    let tables: Vec<String> = candidates
        .iter()
        .map(|(ns, t, _)| {
            format!(
                "{}.{}",
                migrex_dialect::quote_ident(Dialect::Postgres, ns),
                migrex_dialect::quote_ident(Dialect::Postgres, t)
            )
        })
        .collect();
    let probes: Vec<IndexExprs> = candidates
        .iter()
        .zip(&tables)
        .map(|((ns, t, i), table)| {
            let ix = &other.namespaces[ns].tables[t].indexes[*i];
            IndexExprs {
                table,
                parts: ix
                    .parts
                    .iter()
                    .map(|p| match &p.key {
                        IndexKey::Column(c) => migrex_dialect::quote_ident(Dialect::Postgres, c),
                        IndexKey::Expr(e) => format!("({})", e.sql),
                    })
                    .collect(),
                method: ix.method.as_deref(),
                predicate: ix.predicate.as_ref().map(|p| p.sql.as_str()),
            }
        })
        .collect();
    let printed = db.reprint_index_expressions(&probes)?;
    let mut aligned = 0;
    for ((ns, t, i), printed) in candidates.iter().zip(printed) {
        let Some(printed) = printed else { continue };
        let mine = &other.namespaces[ns].tables[t].indexes[*i];
        let Some(held) = live.namespaces[ns].tables[t]
            .indexes
            .iter()
            .find(|h| h.name == mine.name)
        else {
            continue;
        };
        let key = |p: &str| migrex_dialect::expr(Dialect::Postgres, p).key;
        let parts_match = held
            .parts
            .iter()
            .zip(&printed.parts)
            .all(|(h, p)| match (&h.key, p) {
                (IndexKey::Expr(e), Some(p)) => key(p) == e.key,
                (IndexKey::Column(_), None) => true,
                _ => false,
            });
        let predicate_matches = match (&held.predicate, &printed.predicate) {
            (Some(h), Some(p)) => key(p) == h.key,
            (None, None) => true,
            _ => false,
        };
        if parts_match
            && predicate_matches
            && let Some(ix) = other
                .namespaces
                .get_mut(ns)
                .and_then(|n| n.tables.get_mut(t))
                .and_then(|t| t.indexes.get_mut(*i))
        {
            for (part, h) in ix.parts.iter_mut().zip(&held.parts) {
                part.key = h.key.clone();
            }
            ix.predicate = held.predicate.clone();
            aligned += 1;
        }
    }
    Ok(aligned)
}

/// Makes `other`'s PostgreSQL column defaults read as `live`'s where the server, printing
/// `other`'s default for a column of the same type, prints the default it holds (`interval
/// '90' minute` is `'01:30:00'::interval` there). Columns of another type, generated or
/// identity columns, and defaults that still differ are left as written. Returns how many
/// defaults were aligned.
pub fn align_column_defaults(
    db: &mut Db,
    live: &Schema,
    other: &mut Schema,
) -> Result<usize, Error> {
    let candidates = default_candidates(live, other);
    if candidates.is_empty() {
        return Ok(0);
    }
    let defaults: Vec<DefaultExpr> = candidates
        .iter()
        .map(|(_, _, _, ty, default)| DefaultExpr { ty, default })
        .collect();
    let printed = db.reprint_column_defaults(&defaults)?;
    let mut aligned = 0;
    for ((ns, tname, cname, _, _), printed) in candidates.iter().zip(printed) {
        let Some(printed) = printed else { continue };
        let held = live.namespaces[ns].tables[tname].columns[cname]
            .default
            .clone();
        let reprinted = migrex_dialect::expr(Dialect::Postgres, &printed);
        if let Some(held) = held
            && reprinted.key == held.key
            && let Some(col) = other
                .namespaces
                .get_mut(ns)
                .and_then(|n| n.tables.get_mut(tname))
                .and_then(|t| t.columns.get_mut(cname))
        {
            col.default = Some(held);
            aligned += 1;
        }
    }
    Ok(aligned)
}

/// Makes `other`'s PostgreSQL views read as `live`'s where the server, printing `other`'s query
/// (`Db::reprint_view_queries`), prints the query it holds: a view written by hand and the same
/// view as PostgreSQL prints it then compare equal, and diffing again after a migration is
/// applied finds nothing. Views `live` does not hold, and views that still differ, are left as
/// written. `db` is the database `live` was read from. Returns how many views were aligned.
pub fn align_view_definitions(
    db: &mut Db,
    live: &Schema,
    other: &mut Schema,
) -> Result<usize, Error> {
    let candidates = view_candidates(live, other);
    if candidates.is_empty() {
        return Ok(0);
    }
    let views: Vec<&migrex_model::View> = candidates
        .iter()
        .map(|(ns, name)| &other.namespaces[ns].views[name])
        .collect();
    let queries: Vec<ViewQuery> = views
        .iter()
        .map(|v| ViewQuery {
            columns: &v.columns,
            query: &v.definition.sql,
        })
        .collect();
    let printed = db.reprint_view_queries(&queries)?;
    let mut aligned = 0;
    for ((ns, name), printed) in candidates.iter().zip(printed) {
        let Some(printed) = printed else { continue };
        let held = &live.namespaces[ns].views[name];
        let reprinted =
            migrex_dialect::query_expr(Dialect::Postgres, printed.trim().trim_end_matches(';'));
        if reprinted.key == held.definition.key
            && let Some(view) = other
                .namespaces
                .get_mut(ns)
                .and_then(|n| n.views.get_mut(name))
        {
            // The same query reads the same tables: the live side's list of them too.
            view.definition = held.definition.clone();
            view.columns = held.columns.clone();
            view.depends_on = held.depends_on.clone();
            aligned += 1;
        }
    }
    Ok(aligned)
}

/// Views of `other` that `live` holds under the same name and that read differently.
fn view_candidates(live: &Schema, other: &Schema) -> Vec<(String, String)> {
    if !both_postgres(live, other) {
        return Vec::new();
    }
    let mut candidates = Vec::new();
    for (ns, namespace) in &other.namespaces {
        for (name, view) in &namespace.views {
            let Some(held) = live.namespaces.get(ns).and_then(|n| n.views.get(name)) else {
                continue;
            };
            let same = held.definition.key == view.definition.key
                && held.columns == view.columns
                && held.depends_on == view.depends_on;
            if !same && held.materialized == view.materialized {
                candidates.push((ns.clone(), name.clone()));
            }
        }
    }
    candidates
}

/// Plain columns of `other` whose table and column `live` holds with the same type and another
/// default: (namespace, table, column, type as SQL, default as written).
fn default_candidates(live: &Schema, other: &Schema) -> Vec<DefaultCandidate> {
    if !both_postgres(live, other) {
        return Vec::new();
    }
    let mut candidates = Vec::new();
    for (ns, namespace) in &other.namespaces {
        for (tname, table) in &namespace.tables {
            let Some(held_table) = live.namespaces.get(ns).and_then(|n| n.tables.get(tname)) else {
                continue;
            };
            for (cname, col) in &table.columns {
                let Some(held) = held_table.columns.get(cname) else {
                    continue;
                };
                let (Some(default), Some(held_default)) = (&col.default, &held.default) else {
                    continue;
                };
                let plain =
                    |c: &migrex_model::Column| c.generated.is_none() && c.identity.is_none();
                if default.key != held_default.key && col.ty == held.ty && plain(col) && plain(held)
                {
                    candidates.push((
                        ns.clone(),
                        tname.clone(),
                        cname.clone(),
                        migrex_dialect::format_type(Dialect::Postgres, &col.ty),
                        default.sql.clone(),
                    ));
                }
            }
        }
    }
    candidates
}

type DefaultCandidate = (String, String, String, String, String);

/// Indexes of `other`'s tables that `live` holds under the same name, alike but for the text of
/// their expressions or predicate: (namespace, table, index position).
fn index_candidates(live: &Schema, other: &Schema) -> Vec<(String, String, usize)> {
    if !both_postgres(live, other) {
        return Vec::new();
    }
    let mut candidates = Vec::new();
    for (ns, namespace) in &other.namespaces {
        for (tname, table) in &namespace.tables {
            let Some(held_table) = live.namespaces.get(ns).and_then(|n| n.tables.get(tname)) else {
                continue;
            };
            for (i, ix) in table.indexes.iter().enumerate() {
                let Some(held) = held_table.indexes.iter().find(|h| h.name == ix.name) else {
                    continue;
                };
                if held != ix && differs_only_in_expressions(held, ix) {
                    candidates.push((ns.clone(), tname.clone(), i));
                }
            }
        }
    }
    candidates
}

/// The two indexes are the same but for the text of expression parts and the predicate (and
/// have at least one of those).
fn differs_only_in_expressions(a: &Index, b: &Index) -> bool {
    let has_text = |ix: &Index| {
        ix.predicate.is_some() || ix.parts.iter().any(|p| matches!(p.key, IndexKey::Expr(_)))
    };
    a.unique == b.unique
        && a.method == b.method
        && a.include == b.include
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.predicate.is_some() == b.predicate.is_some()
        && a.parts.len() == b.parts.len()
        && has_text(b)
        && a.parts.iter().zip(&b.parts).all(|(x, y)| {
            let same_kind = match (&x.key, &y.key) {
                (IndexKey::Column(c), IndexKey::Column(d)) => c == d,
                (IndexKey::Expr(_), IndexKey::Expr(_)) => true,
                _ => false,
            };
            same_kind
                && x.descending == y.descending
                && x.nulls_first == y.nulls_first
                && x.collation == y.collation
                && x.opclass == y.opclass
        })
}
