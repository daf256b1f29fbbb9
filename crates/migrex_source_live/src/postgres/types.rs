//! Domains and composite types: two queries whatever the schema size (a domain's checks and a
//! composite's attributes come aggregated on its row).

use super::fetch::{Query, Results};
use super::{cell, flag, not_ext, strip_outer_parens, text, text_array};
use migrex_dialect::postgres as pg;
use migrex_model::{Check, CompositeAttribute, CompositeType, Dialect, Domain, Schema};

fn expr(sql: &str) -> migrex_model::Expr {
    migrex_dialect::expr(Dialect::Postgres, sql)
}

/// A type as the column query spells it: built-ins by `format_type`, others qualified.
const TYPE_SQL: &str = "CASE WHEN bn.nspname = 'pg_catalog' OR {typmod} <> -1 \
     THEN format_type({oid}, {typmod}) \
     ELSE format('%I.%I', bn.nspname, bt.typname) \
          || CASE WHEN t2.typcategory = 'A' THEN '[]' ELSE '' END END";

fn type_sql(oid: &str, typmod: &str) -> String {
    TYPE_SQL.replace("{oid}", oid).replace("{typmod}", typmod)
}

/// The queries `read` reads the results of.
pub(super) fn queries() -> Vec<Query> {
    vec![
        Query::new(
            "domains",
            10,
            format!(
                "SELECT n.nspname, t.typname, {}, t.typnotnull::text, \
                    pg_get_expr(t.typdefaultbin, 0), \
                    CASE WHEN t.typcollation <> 0 AND t.typcollation <> t2.typcollation \
                         THEN co.collname END, \
                    obj_description(t.oid, 'pg_type'), \
                    ARRAY(SELECT c.conname FROM pg_constraint c WHERE c.contypid = t.oid \
                          AND c.contype = 'c' ORDER BY c.conname)::text, \
                    ARRAY(SELECT pg_get_expr(c.conbin, 0) FROM pg_constraint c \
                          WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname)::text \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_type t2 ON t2.oid = t.typbasetype \
             JOIN pg_type bt ON bt.oid = CASE WHEN t2.typcategory = 'A' AND t2.typelem <> 0 \
                                              THEN t2.typelem ELSE t2.oid END \
             JOIN pg_namespace bn ON bn.oid = bt.typnamespace \
             LEFT JOIN pg_collation co ON co.oid = t.typcollation \
             WHERE t.typtype = 'd' AND t.typnamespace = ANY($1::oid[]) AND {} \
             ORDER BY t.oid",
                type_sql("t.typbasetype", "t.typtypmod"),
                not_ext("pg_type", "t.oid")
            ),
        ),
        Query::new(
            "composites",
            5,
            format!(
                "SELECT n.nspname, t.typname, obj_description(t.oid, 'pg_type'), a.attname, {}, \
                    CASE WHEN a.attcollation <> 0 AND a.attcollation <> t2.typcollation \
                         THEN co.collname END \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c' \
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
             JOIN pg_type t2 ON t2.oid = a.atttypid \
             JOIN pg_type bt ON bt.oid = CASE WHEN t2.typcategory = 'A' AND t2.typelem <> 0 \
                                              THEN t2.typelem ELSE t2.oid END \
             JOIN pg_namespace bn ON bn.oid = bt.typnamespace \
             LEFT JOIN pg_collation co ON co.oid = a.attcollation \
             WHERE t.typtype = 'c' AND t.typnamespace = ANY($1::oid[]) AND {} \
             ORDER BY t.oid, a.attnum",
                type_sql("a.atttypid", "a.atttypmod"),
                not_ext("pg_type", "t.oid")
            ),
        ),
    ]
}

pub(super) fn read(res: &mut Results, schema: &mut Schema) {
    let domain_rows = res.take("domains");
    for r in &domain_rows {
        let (ns, name) = (text(r, 0), text(r, 1));
        let names = text_array(&text(r, 7));
        let exprs = text_array(&text(r, 8));
        let checks = names
            .into_iter()
            .zip(exprs)
            .map(|(n, e)| Check {
                name: Some(n),
                expr: expr(strip_outer_parens(&e)),
                no_inherit: false,
            })
            .collect();
        let domain = Domain {
            name: name.clone(),
            base: pg::parse_type(&text(r, 2)),
            default: cell(r, 4).map(expr),
            not_null: flag(r, 3),
            collation: cell(r, 5).map(str::to_string),
            checks,
            comment: cell(r, 6).map(str::to_string),
        };
        schema.namespace_mut(&ns).domains.insert(name, domain);
    }

    let comp_rows = res.take("composites");
    for r in &comp_rows {
        let (ns, name) = (text(r, 0), text(r, 1));
        let ty = schema
            .namespace_mut(&ns)
            .composites
            .entry(name.clone())
            .or_insert_with(|| CompositeType {
                name: name.clone(),
                attributes: Vec::new(),
                comment: cell(r, 2).map(str::to_string),
            });
        ty.attributes.push(CompositeAttribute {
            name: text(r, 3),
            ty: pg::parse_type(&text(r, 4)),
            collation: cell(r, 5).map(str::to_string),
        });
    }
}
