//! postgres: what the database adds to a schema on its own (implicit names, implicit indexes), so the
//! schema read from DDL equals the one introspected after loading it.
//!
//! - Names longer than 63 bytes are truncated, as PostgreSQL does with a NOTICE.
//! - Unnamed constraints and indexes get the names PostgreSQL chooses (`t_pkey`, `t_a_b_key`,
//!   `t_a_fkey`, `t_a_check` / `t_check`, `t_a_idx` / `t_lower_idx`), with the numeric suffix it
//!   adds on collisions with names already used in the schema.
//! - `serial` columns get their sequence's real name (`t_c_seq`, truncated/suffixed the same way);
//!   the pg_dump spelling of a serial (sequence + `OWNED BY` + `DEFAULT nextval(...)`) is folded
//!   into `Identity::Serial` exactly as live introspection folds it.
//! - Primary-key, identity and serial columns are NOT NULL; `DEFAULT NULL` is no default;
//!   sequence options equal to the defaults are dropped; constraints and indexes are listed by name.

mod aggregates;
mod objects;
mod partitions;
mod routines;
mod rules;
mod security;
mod triggers;
mod types;

use super::info::LowerInfo;
use migrex_dialect::postgres as pg;
use migrex_model::{
    ColumnType, Identity, IndexKey, QualifiedName, Schema, SequenceOptions, Table, Warning,
};
use std::collections::HashSet;

/// The comment PostgreSQL 15 puts on the `public` schema of every new database.
const PUBLIC_COMMENT: &str = "standard public schema";

/// Fills in what postgres would: called once after every statement of the file has been lowered.
pub(crate) fn finalize(schema: &mut Schema, info: &LowerInfo, warnings: &mut Vec<Warning>) {
    truncate_names(schema);
    partitions::finalize(schema);
    normalize_sequences(schema);
    fold_serial_sequences(schema);
    let namespaces: Vec<String> = schema.namespaces.keys().cloned().collect();
    for ns in namespaces {
        name_objects(schema, &ns, info, warnings);
    }
    for ns in schema.namespaces.values_mut() {
        if ns.name == "public" && ns.comment.as_deref() == Some(PUBLIC_COMMENT) {
            ns.comment = None;
        }
        for t in ns.tables.values_mut() {
            normalize_table(t);
        }
    }
    if schema
        .namespaces
        .get("public")
        .is_some_and(|n| n.is_empty() && n.comment.is_none())
    {
        schema.namespaces.shift_remove("public");
    }
}

/// PostgreSQL truncates every identifier to 63 bytes; a long name in DDL is stored truncated.
fn truncate_names(schema: &mut Schema) {
    let long = |s: &str| s.len() > pg::MAX_IDENT_BYTES;
    let any_long = schema.namespaces.values().any(|n| {
        long(&n.name)
            || n.tables.values().any(|t| {
                long(&t.name)
                    || t.columns.keys().any(|c| long(c))
                    || t.constraint_names().any(long)
                    || t.foreign_keys
                        .iter()
                        .any(|f| long(&f.ref_table.name) || f.ref_columns.iter().any(|c| long(c)))
            })
            || n.sequences.keys().any(|s| long(s))
            || n.views.keys().any(|v| long(v))
            || n.enums.keys().any(|e| long(e))
    });
    if !any_long {
        return;
    }
    let tr = |s: &str| pg::truncate_ident(s);
    let trq = |q: &QualifiedName| QualifiedName::new(tr(&q.namespace), tr(&q.name));
    let trv = |v: &[String]| v.iter().map(|c| tr(c)).collect::<Vec<_>>();
    let namespaces = std::mem::take(&mut schema.namespaces);
    for (_, mut ns) in namespaces {
        ns.name = tr(&ns.name);
        let tables = std::mem::take(&mut ns.tables);
        for (_, mut t) in tables {
            t.name = tr(&t.name);
            let cols = std::mem::take(&mut t.columns);
            for (_, mut c) in cols {
                c.name = tr(&c.name);
                if let Some(Identity::Serial { sequence }) = &mut c.identity {
                    *sequence = tr(sequence);
                }
                t.columns.insert(c.name.clone(), c);
            }
            if let Some(pk) = &mut t.primary_key {
                pk.name = pk.name.as_deref().map(tr);
                pk.columns = trv(&pk.columns);
            }
            for u in &mut t.uniques {
                u.name = u.name.as_deref().map(tr);
                u.columns = trv(&u.columns);
            }
            for f in &mut t.foreign_keys {
                f.name = f.name.as_deref().map(tr);
                f.columns = trv(&f.columns);
                f.ref_table = trq(&f.ref_table);
                f.ref_columns = trv(&f.ref_columns);
            }
            for c in &mut t.checks {
                c.name = c.name.as_deref().map(tr);
            }
            for i in &mut t.indexes {
                i.name = tr(&i.name);
                i.include = trv(&i.include);
                for p in &mut i.parts {
                    if let IndexKey::Column(c) = &mut p.key {
                        *c = tr(c);
                    }
                }
            }
            ns.tables.insert(t.name.clone(), t);
        }
        let seqs = std::mem::take(&mut ns.sequences);
        for (_, mut s) in seqs {
            s.name = tr(&s.name);
            if let Some((t, c)) = &mut s.owned_by {
                *t = trq(t);
                *c = tr(c);
            }
            ns.sequences.insert(s.name.clone(), s);
        }
        let views = std::mem::take(&mut ns.views);
        for (_, mut v) in views {
            v.name = tr(&v.name);
            v.columns = trv(&v.columns);
            ns.views.insert(v.name.clone(), v);
        }
        let enums = std::mem::take(&mut ns.enums);
        for (_, mut e) in enums {
            e.name = tr(&e.name);
            ns.enums.insert(e.name.clone(), e);
        }
        schema.namespaces.insert(ns.name.clone(), ns);
    }
}

fn int_bytes(ty: &ColumnType) -> u8 {
    match ty {
        ColumnType::Integer { bytes, .. } => *bytes,
        _ => 8,
    }
}

/// Sequence and identity options equal to PostgreSQL's defaults are `None`, as introspection reads them.
fn normalize_sequences(schema: &mut Schema) {
    for ns in schema.namespaces.values_mut() {
        for s in ns.sequences.values_mut() {
            let bytes = pg::sequence_bytes(s.data_type.as_ref());
            s.options = pg::normalize_sequence_options(&s.options, bytes);
            if matches!(s.data_type, Some(ColumnType::Integer { bytes: 8, .. })) {
                s.data_type = None;
            }
        }
        for t in ns.tables.values_mut() {
            for c in t.columns.values_mut() {
                let bytes = int_bytes(&c.ty);
                if let Some(Identity::Always { sequence } | Identity::ByDefault { sequence }) =
                    &mut c.identity
                {
                    *sequence = pg::normalize_sequence_options(sequence, bytes);
                }
            }
        }
    }
}

/// The sequence a `nextval('seq')` default draws from, resolved like the default search path.
fn nextval_target(sql: &str) -> Option<QualifiedName> {
    let d = sqlparser::dialect::PostgreSqlDialect {};
    let e = sqlparser::parser::Parser::new(&d)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    let mut e = &e;
    while let sqlparser::ast::Expr::Nested(inner) = e {
        e = inner;
    }
    let sqlparser::ast::Expr::Function(f) = e else {
        return None;
    };
    if !f.name.to_string().eq_ignore_ascii_case("nextval") {
        return None;
    }
    let sqlparser::ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let [sqlparser::ast::FunctionArg::Unnamed(sqlparser::ast::FunctionArgExpr::Expr(arg))] =
        list.args.as_slice()
    else {
        return None;
    };
    let mut arg = arg;
    while let sqlparser::ast::Expr::Cast { expr, .. } | sqlparser::ast::Expr::Nested(expr) = arg {
        arg = expr;
    }
    let sqlparser::ast::Expr::Value(v) = arg else {
        return None;
    };
    let sqlparser::ast::Value::SingleQuotedString(s) = &v.value else {
        return None;
    };
    match pg::split_qualified(s).as_slice() {
        [name] => Some(QualifiedName::new("public", name.clone())),
        [ns, name] => Some(QualifiedName::new(ns.clone(), name.clone())),
        _ => None,
    }
}

/// The pg_dump spelling of a serial column (a sequence owned by the column, with default options
/// of the column's type, and `DEFAULT nextval('seq')`) is the column's `Identity::Serial`.
fn fold_serial_sequences(schema: &mut Schema) {
    let mut folds: Vec<(QualifiedName, String, String)> = Vec::new();
    for (ns_name, ns) in &schema.namespaces {
        for (seq_name, seq) in &ns.sequences {
            let Some((owner, col)) = &seq.owned_by else {
                continue;
            };
            if owner.namespace != *ns_name || seq.options != SequenceOptions::default() {
                continue;
            }
            let Some(c) = ns.tables.get(&owner.name).and_then(|t| t.columns.get(col)) else {
                continue;
            };
            let seq_bytes = pg::sequence_bytes(seq.data_type.as_ref());
            let col_int = matches!(c.ty, ColumnType::Integer { .. });
            let target = c.default.as_ref().and_then(|d| nextval_target(&d.sql));
            if col_int
                && int_bytes(&c.ty) == seq_bytes
                && c.identity.is_none()
                && target == Some(QualifiedName::new(ns_name.clone(), seq_name.clone()))
            {
                folds.push((owner.clone(), col.clone(), seq_name.clone()));
            }
        }
    }
    for (table, col, seq) in folds {
        if let Some(ns) = schema.namespaces.get_mut(&table.namespace) {
            ns.sequences.shift_remove(&seq);
        }
        if let Some(c) = schema
            .table_mut(&table)
            .and_then(|t| t.columns.get_mut(&col))
        {
            c.default = None;
            c.identity = Some(Identity::Serial { sequence: seq });
        }
    }
}

/// Names already taken in one namespace: relations (`pg_class`: tables, views, sequences,
/// indexes) and constraints (`pg_constraint`).
#[derive(Default)]
struct Taken {
    rels: HashSet<String>,
    cons: HashSet<String>,
}

fn name_objects(schema: &mut Schema, ns_name: &str, info: &LowerInfo, warnings: &mut Vec<Warning>) {
    let Some(ns) = schema.namespaces.get_mut(ns_name) else {
        return;
    };
    let mut taken = Taken::default();
    taken.rels.extend(ns.tables.keys().cloned());
    taken.rels.extend(ns.views.keys().cloned());
    taken.rels.extend(ns.sequences.keys().cloned());
    for t in ns.tables.values() {
        if let Some(n) = t.primary_key.as_ref().and_then(|p| p.name.clone()) {
            taken.rels.insert(n.clone());
            taken.cons.insert(n);
        }
        for u in &t.uniques {
            if let Some(n) = &u.name {
                taken.rels.insert(n.clone());
                taken.cons.insert(n.clone());
            }
        }
        taken
            .cons
            .extend(t.foreign_keys.iter().filter_map(|f| f.name.clone()));
        taken
            .cons
            .extend(t.checks.iter().filter_map(|c| c.name.clone()));
        taken.rels.extend(
            t.indexes
                .iter()
                .filter(|i| !i.name.is_empty())
                .map(|i| i.name.clone()),
        );
    }
    for (tname, t) in ns.tables.iter_mut() {
        let qn = QualifiedName::new(ns_name, tname.clone());
        let serials = info.tables.get(&qn).map(|i| &i.serial_columns);
        name_table(t, serials, &mut taken);
        if t.indexes.iter().any(|i| i.name.is_empty()) {
            warnings.push(Warning {
                message: format!("an index on {qn} could not be named"),
                location: None,
            });
        }
    }
}

/// Gives the unnamed objects of one table PostgreSQL's names, in the order PostgreSQL creates
/// them for `CREATE TABLE`: sequences, checks, primary key, uniques, foreign keys, then indexes.
fn name_table(t: &mut Table, serials: Option<&HashSet<String>>, taken: &mut Taken) {
    let tname = t.name.clone();
    // Serial and identity sequences are relations of the schema.
    for c in t.columns.values_mut() {
        let declared_serial = serials.is_some_and(|s| s.contains(&c.name));
        match &mut c.identity {
            Some(Identity::Serial { sequence }) if declared_serial => {
                let n = pg::choose_name(&tname, Some(&c.name), "seq", |n| taken.rels.contains(n));
                *sequence = n.clone();
                taken.rels.insert(n);
            }
            Some(Identity::Always { .. } | Identity::ByDefault { .. }) => {
                let n = pg::choose_name(&tname, Some(&c.name), "seq", |n| taken.rels.contains(n));
                taken.rels.insert(n);
            }
            _ => {}
        }
    }
    let columns: Vec<String> = t.columns.keys().cloned().collect();
    for ch in t.checks.iter_mut().filter(|c| c.name.is_none()) {
        // PostgreSQL names a check after its column when the expression references exactly one.
        let refs: Vec<String> = pg::referenced_columns(&ch.expr.sql)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| columns.contains(c))
            .collect();
        let col = (refs.len() == 1).then(|| refs[0].clone());
        let n = pg::choose_name(&tname, col.as_deref(), "check", |n| taken.cons.contains(n));
        taken.cons.insert(n.clone());
        ch.name = Some(n);
    }
    // Uniques identical to the primary key or to an earlier unique are one index in PostgreSQL.
    let pk_cols = t.primary_key.as_ref().map(|p| p.columns.clone());
    let mut seen: Vec<Vec<String>> = Vec::new();
    t.uniques.retain(|u| {
        let dup = u.name.is_none()
            && !u.nulls_not_distinct
            && u.deferrable.is_none()
            && (pk_cols.as_ref() == Some(&u.columns) || seen.contains(&u.columns));
        seen.push(u.columns.clone());
        !dup
    });
    if let Some(pk) = &mut t.primary_key
        && pk.name.is_none()
    {
        let n = pg::choose_name(&tname, None, "pkey", |n| {
            taken.rels.contains(n) || taken.cons.contains(n)
        });
        taken.rels.insert(n.clone());
        taken.cons.insert(n.clone());
        pk.name = Some(n);
    }
    for u in t.uniques.iter_mut().filter(|u| u.name.is_none()) {
        let add = pg::name_addition(&pg::index_column_names(&u.columns));
        let n = pg::choose_name(&tname, Some(&add), "key", |n| {
            taken.rels.contains(n) || taken.cons.contains(n)
        });
        taken.rels.insert(n.clone());
        taken.cons.insert(n.clone());
        u.name = Some(n);
    }
    for f in t.foreign_keys.iter_mut().filter(|f| f.name.is_none()) {
        let add = pg::name_addition(&f.columns);
        let n = pg::choose_name(&tname, Some(&add), "fkey", |n| taken.cons.contains(n));
        taken.cons.insert(n.clone());
        f.name = Some(n);
    }
    for i in t.indexes.iter_mut().filter(|i| i.name.is_empty()) {
        let mut names: Vec<String> = i
            .parts
            .iter()
            .map(|p| match &p.key {
                IndexKey::Column(c) => c.clone(),
                IndexKey::Expr(e) => pg::index_expr_colname(&e.sql),
            })
            .collect();
        names.extend(i.include.iter().cloned());
        let add = pg::name_addition(&pg::index_column_names(&names));
        let n = pg::choose_name(&tname, Some(&add), "idx", |n| taken.rels.contains(n));
        taken.rels.insert(n.clone());
        i.name = n;
    }
}

/// What PostgreSQL stores differently from how it was written, per table.
fn normalize_table(t: &mut Table) {
    let pk_cols: Vec<String> = t
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    for c in t.columns.values_mut() {
        if pk_cols.contains(&c.name) || c.identity.is_some() {
            c.nullable = false;
        }
        // `DEFAULT NULL` stores no default at all.
        if c.default
            .as_ref()
            .is_some_and(|d| d.key.eq_ignore_ascii_case("null"))
        {
            c.default = None;
        }
        c.collation = c
            .collation
            .take()
            .and_then(|coll| normalize_collation(&coll));
    }
    let col_collations: std::collections::HashMap<String, Option<String>> = t
        .columns
        .values()
        .map(|c| (c.name.clone(), c.collation.clone()))
        .collect();
    for i in &mut t.indexes {
        if i.method
            .as_deref()
            .is_some_and(|m| m.eq_ignore_ascii_case("btree"))
        {
            i.method = None;
        }
        if let Some(m) = &mut i.method {
            *m = m.to_lowercase();
        }
        for p in &mut i.parts {
            // `col COLLATE "C"` is the column with a collation.
            if let IndexKey::Expr(e) = &p.key
                && let Some((col, coll)) = collated_column(&e.sql)
                && col_collations.contains_key(&col)
            {
                p.key = IndexKey::Column(col);
                p.collation = Some(coll);
            }
            if let Some(coll) = p.collation.take() {
                let own = match &p.key {
                    IndexKey::Column(c) => col_collations.get(c).cloned().flatten(),
                    IndexKey::Expr(_) => None,
                };
                p.collation = normalize_collation(&coll).filter(|c| Some(c) != own.as_ref());
            }
            // NULLS LAST is the default ascending, NULLS FIRST descending.
            if p.nulls_first == Some(p.descending) {
                p.nulls_first = None;
            }
            // A default operator class is not reported by introspection either.
            if let Some(o) = &p.opclass {
                p.opclass = Some(o.strip_prefix("pg_catalog.").unwrap_or(o).to_string())
                    .filter(|o| !pg::is_default_opclass(i.method.as_deref(), o));
            }
        }
    }
    t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    t.checks.sort_by(|a, b| a.name.cmp(&b.name));
    t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
}

/// A collation as introspection reports it: `"C"` → `C`, `pg_catalog."C"` → `C`; the database
/// default is no collation.
fn normalize_collation(c: &str) -> Option<String> {
    let parts: Vec<String> = c
        .split('.')
        .map(|p| p.trim().trim_matches('"').to_string())
        .collect();
    let name = match parts.as_slice() {
        [ns, n] if ns == "pg_catalog" || ns == "public" => n.clone(),
        [ns, n] => format!("{ns}.{n}"),
        _ => parts.join("."),
    };
    (name != "default").then_some(name)
}

/// `col COLLATE "C"` as (column, collation).
fn collated_column(sql: &str) -> Option<(String, String)> {
    let d = sqlparser::dialect::PostgreSqlDialect {};
    let e = sqlparser::parser::Parser::new(&d)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    let sqlparser::ast::Expr::Collate { expr, collation } = e else {
        return None;
    };
    let sqlparser::ast::Expr::Identifier(id) = expr.as_ref() else {
        return None;
    };
    let col = if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    };
    Some((col, collation.to_string()))
}

#[cfg(test)]
mod tests {
    use migrex_model::{Dialect, QualifiedName};

    fn read(sql: &str) -> migrex_model::Schema {
        crate::parse(sql, Dialect::Postgres, "t.sql")
            .unwrap_or_else(|e| panic!("{e}"))
            .schema
    }

    #[test]
    fn implicit_names_follow_postgres() {
        let s = read(
            "CREATE TABLE t (id serial PRIMARY KEY, a int UNIQUE CHECK (a > 0), b int,
               CHECK (a > b), CHECK (true), UNIQUE (a, b), FOREIGN KEY (b) REFERENCES t (id));
             CREATE INDEX ON t (a); CREATE INDEX ON t (lower(b::text), a) INCLUDE (id);
             CREATE INDEX ON t ((a + b));",
        );
        let t = s.table(&QualifiedName::new("public", "t")).expect("t");
        assert_eq!(
            t.primary_key.as_ref().and_then(|p| p.name.as_deref()),
            Some("t_pkey")
        );
        let uniques: Vec<&str> = t.uniques.iter().filter_map(|u| u.name.as_deref()).collect();
        assert_eq!(uniques, ["t_a_b_key", "t_a_key"]);
        let checks: Vec<&str> = t.checks.iter().filter_map(|c| c.name.as_deref()).collect();
        assert_eq!(checks, ["t_a_check", "t_check", "t_check1"]);
        assert_eq!(t.foreign_keys[0].name.as_deref(), Some("t_b_fkey"));
        let idx: Vec<&str> = t.indexes.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(idx, ["t_a_idx", "t_expr_idx", "t_lower_a_id_idx"]);
        assert_eq!(
            t.columns["id"].identity,
            Some(migrex_model::Identity::Serial {
                sequence: "t_id_seq".into()
            })
        );
        assert!(!t.columns["id"].nullable);
    }

    #[test]
    fn default_operator_classes_are_dropped() {
        let s = read(
            "CREATE TABLE p (name text, tags jsonb);
             CREATE INDEX a ON p USING btree (name text_ops);
             CREATE INDEX b ON p (name pg_catalog.text_ops);
             CREATE INDEX c ON p USING gin (tags jsonb_ops);
             CREATE INDEX d ON p (name text_pattern_ops);
             CREATE INDEX e ON p USING gin (tags jsonb_path_ops);",
        );
        let t = s.table(&QualifiedName::new("public", "p")).expect("p");
        let opclasses: Vec<Option<&str>> = t
            .indexes
            .iter()
            .map(|i| i.parts[0].opclass.as_deref())
            .collect();
        assert_eq!(
            opclasses,
            [
                None,
                None,
                None,
                Some("text_pattern_ops"),
                Some("jsonb_path_ops")
            ]
        );
    }

    #[test]
    fn long_names_are_truncated_like_postgres() {
        let long = "x".repeat(70);
        let s = read(&format!(
            "CREATE TABLE {long} (id serial PRIMARY KEY, c int UNIQUE);"
        ));
        let t = s
            .table(&QualifiedName::new("public", "x".repeat(63)))
            .expect("truncated table");
        assert_eq!(
            t.primary_key.as_ref().and_then(|p| p.name.clone()),
            Some(format!("{}_pkey", "x".repeat(58)))
        );
        assert_eq!(t.uniques[0].name, Some(format!("{}_c_key", "x".repeat(57))));
    }

    #[test]
    fn pg_dump_serials_fold() {
        let s = read(
            "CREATE TABLE public.t (id integer NOT NULL, n bigint NOT NULL);
             CREATE SEQUENCE public.t_id_seq AS integer START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1 OWNED BY public.t.id;
             CREATE SEQUENCE public.other START WITH 5 OWNED BY public.t.n;
             ALTER TABLE ONLY public.t ALTER COLUMN id SET DEFAULT nextval('public.t_id_seq'::regclass);
             ALTER TABLE ONLY public.t ALTER COLUMN n SET DEFAULT nextval('public.other'::regclass);",
        );
        let ns = &s.namespaces["public"];
        assert!(!ns.sequences.contains_key("t_id_seq"));
        assert_eq!(ns.sequences["other"].options.start, Some(5));
        let t = &ns.tables["t"];
        assert_eq!(
            t.columns["id"].identity,
            Some(migrex_model::Identity::Serial {
                sequence: "t_id_seq".into()
            })
        );
        assert!(t.columns["id"].default.is_none());
        assert!(t.columns["n"].default.is_some());
    }
}
