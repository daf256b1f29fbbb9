//! A live PostgreSQL database's views against the same views written by hand.

use crate::Error;
use migrex_model::{Dialect, Schema};
use migrex_source_live::{Db, ViewQuery};

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
    if live.dialect != Dialect::Postgres || other.dialect != Dialect::Postgres {
        return Ok(0);
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
