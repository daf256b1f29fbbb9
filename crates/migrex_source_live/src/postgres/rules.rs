//! PostgreSQL aggregates and rules, read the way routines and triggers are (see `routines`):
//! a rule from `pg_get_ruledef`, an aggregate from a `CREATE AGGREGATE` printed from
//! `pg_aggregate` (PostgreSQL has no function that prints one), both parsed by the DDL reader,
//! so a file and the database it was loaded into read the same by construction.
//!
//! Support functions are printed qualified (`pg_catalog.int4pl` too) and types with
//! `format_type` under a `search_path` of `pg_catalog` alone, as the DDL reader keeps them.
//! A view's `_RETURN` rule is its definition and is not read here.

use super::cell;
use super::fetch::{Query, Results};
use super::routines::Sink;
use migrex_model::Dialect;

fn parse(sql: &str, what: &str) -> Result<migrex_model::Loaded, String> {
    migrex_source_sql::parse(sql, Dialect::Postgres, what).map_err(|e| e.message)
}

/// The queries `read` reads the results of.
pub(super) fn queries() -> Vec<Query> {
    vec![
        // Support functions and types printed under a search path of pg_catalog alone.
        Query::new(
            "aggregates",
            5,
            format!(
                "SELECT format('%I.%I', n.nspname, p.proname), pg_get_function_arguments(p.oid), \
                        a.aggkind::text, a.aggnumdirectargs::text, \
                        {sfunc}, format_type(a.aggtranstype, NULL), a.aggtransspace::text, \
                        {ffunc}, a.aggfinalextra::text, a.aggfinalmodify::text, {cfunc}, \
                        {serial}, {deserial}, a.agginitval, {msfunc}, {minvfunc}, \
                        CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END, \
                        a.aggmtransspace::text, {mffunc}, a.aggmfinalextra::text, \
                        a.aggmfinalmodify::text, a.aggminitval, \
                        (SELECT o.oprname FROM pg_operator o WHERE o.oid = a.aggsortop), \
                        p.proparallel::text, d.description, p.oid::regprocedure::text \
                 FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid \
                 JOIN pg_namespace n ON n.oid = p.pronamespace \
                 LEFT JOIN pg_description d ON d.objoid = p.oid \
                      AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0 \
                 WHERE p.pronamespace = ANY($1::oid[]) AND {not_ext} \
                 ORDER BY p.oid",
                sfunc = func("a.aggtransfn"),
                ffunc = func("a.aggfinalfn"),
                cfunc = func("a.aggcombinefn"),
                serial = func("a.aggserialfn"),
                deserial = func("a.aggdeserialfn"),
                msfunc = func("a.aggmtransfn"),
                minvfunc = func("a.aggminvtransfn"),
                mffunc = func("a.aggmfinalfn"),
                not_ext = super::not_ext("pg_proc", "p.oid"),
            ),
        )
        .in_catalog_path(),
        Query::new(
            "rules",
            3,
            "SELECT n.nspname, c.relname, r.rulename, pg_get_ruledef(r.oid), d.description \
             FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_description d ON d.objoid = r.oid \
                  AND d.classoid = 'pg_rewrite'::regclass AND d.objsubid = 0 \
             WHERE r.rulename <> '_RETURN' AND c.relnamespace = ANY($1::oid[]) \
             ORDER BY c.oid, r.rulename",
        ),
    ]
}

/// Reads the results of `queries` into `sink`.
pub(super) fn read(res: &mut Results, sink: &mut Sink) {
    aggregates(res.take("aggregates"), sink);
    rules(res.take("rules"), sink);
}

/// `format('%I.%I')` of the function whose oid is `col`, NULL for none.
fn func(col: &str) -> String {
    format!(
        "(SELECT format('%I.%I', fn.nspname, f.proname) FROM pg_proc f \
          JOIN pg_namespace fn ON fn.oid = f.pronamespace WHERE f.oid = {col} AND {col} <> 0)"
    )
}

fn aggregates(rows: Vec<super::Row>, sink: &mut Sink) {
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let modify = |c: Option<&str>| match c {
        Some("s") => "SHAREABLE",
        Some("w") => "READ_WRITE",
        _ => "READ_ONLY",
    };
    for r in &rows {
        let signature = cell(r, 25).unwrap_or_default().to_string();
        let location = format!("aggregate {signature}");
        let mut opts = vec![
            format!("SFUNC = {}", cell(r, 4).unwrap_or_default()),
            format!("STYPE = {}", cell(r, 5).unwrap_or_default()),
        ];
        let mut push = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                opts.push(format!("{k} = {v}"));
            }
        };
        let own = |i: usize| cell(r, i).map(str::to_string);
        let space = |i: usize| cell(r, i).filter(|s| *s != "0").map(str::to_string);
        push("SSPACE", space(6));
        push("FINALFUNC", own(7));
        push("FINALFUNC_MODIFY", Some(modify(cell(r, 9)).to_string()));
        push("COMBINEFUNC", own(10));
        push("SERIALFUNC", own(11));
        push("DESERIALFUNC", own(12));
        push("INITCOND", cell(r, 13).map(lit));
        push("MSFUNC", own(14));
        push("MINVFUNC", own(15));
        push("MSTYPE", own(16));
        push("MSSPACE", space(17));
        push("MFINALFUNC", own(18));
        if cell(r, 14).is_some() {
            push("MFINALFUNC_MODIFY", Some(modify(cell(r, 20)).to_string()));
        }
        push("MINITCOND", cell(r, 21).map(lit));
        push(
            "SORTOP",
            cell(r, 22).map(|o| format!("OPERATOR(pg_catalog.{o})")),
        );
        push(
            "PARALLEL",
            Some(
                match cell(r, 23) {
                    Some("s") => "SAFE",
                    Some("r") => "RESTRICTED",
                    _ => "UNSAFE",
                }
                .to_string(),
            ),
        );
        if cell(r, 8) == Some("true") {
            opts.push("FINALFUNC_EXTRA".into());
        }
        if cell(r, 19) == Some("true") {
            opts.push("MFINALFUNC_EXTRA".into());
        }
        if cell(r, 2) == Some("h") {
            opts.push("HYPOTHETICAL".into());
        }
        let args = cell(r, 1).unwrap_or_default();
        let args = if args.is_empty() { "*" } else { args };
        let sql = format!(
            "CREATE AGGREGATE {}({args}) ({})",
            cell(r, 0).unwrap_or_default(),
            opts.join(", ")
        );
        let loaded = match parse(&sql, "pg_aggregate") {
            Ok(l) => l,
            Err(e) => {
                sink.warn(location, format!("definition not read: {e}"));
                continue;
            }
        };
        for w in loaded.warnings {
            sink.warn(location.clone(), w.message);
        }
        let comment = cell(r, 24).map(str::to_string);
        for (ns, parsed) in loaded.schema.namespaces {
            for (id, mut f) in parsed.functions {
                f.comment = comment.clone();
                sink.provenance
                    .locations
                    .insert(format!("aggregate {ns}.{id}"), sink.origin.to_string());
                sink.schema.namespace_mut(&ns).functions.insert(id, f);
            }
        }
    }
}

fn rules(rows: Vec<super::Row>, sink: &mut Sink) {
    for r in &rows {
        let (ns, table, name) = (
            cell(r, 0).unwrap_or_default(),
            cell(r, 1).unwrap_or_default(),
            cell(r, 2).unwrap_or_default(),
        );
        let location = format!("rule {name} on {ns}.{table}");
        let def = cell(r, 3).unwrap_or_default();
        // The rule's table is named as the catalog knows it: the DDL reader needs it to exist.
        let qt = format!(
            "{}.{}",
            migrex_dialect::quote_ident(Dialect::Postgres, ns),
            migrex_dialect::quote_ident(Dialect::Postgres, table)
        );
        let sql = format!("CREATE TABLE {qt} ();\n{def}");
        let loaded = match parse(&sql, "pg_get_ruledef") {
            Ok(l) => l,
            Err(e) => {
                sink.warn(location, format!("definition not read: {e}"));
                continue;
            }
        };
        for w in loaded.warnings {
            sink.warn(location.clone(), w.message);
        }
        let mut found = false;
        for parsed in loaded.schema.namespaces.into_values() {
            for mut rule in parsed.rules.into_values() {
                rule.comment = cell(r, 4).map(str::to_string);
                // Named without schema by pg_get_ruledef when on the search path.
                rule.table = migrex_model::QualifiedName::new(ns, table);
                sink.provenance
                    .locations
                    .insert(location.clone(), sink.origin.to_string());
                sink.schema.namespace_mut(ns).rules.insert(rule.key(), rule);
                found = true;
            }
        }
        if !found {
            sink.warn(location, format!("definition `{def}` not read"));
        }
    }
}
