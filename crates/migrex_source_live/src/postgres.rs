//! postgres catalog introspection.
//!
//! A fixed number of queries over `pg_catalog` (not one per table), so a database with thousands
//! of tables reads in a few round trips. Every object of a non-system schema that is not part of
//! an extension is read; what the model cannot hold yet becomes a `Warning`.

mod fetch;
mod reprint;
mod routines;
mod rules;
mod types;

use crate::{Db, LiveError};
use fetch::Query;
pub use fetch::set_concurrent_reads;
use indexmap::IndexMap;
use migrex_dialect::postgres as pg;
use migrex_model::{
    Check, Column, ColumnType, Deferrable, Dialect, EnumType, FkAction, ForeignKey, Generated,
    Identity, Index, IndexKey, IndexPart, Loaded, Namespace, PgTableOptions, PrimaryKey,
    QualifiedName, Schema, Sequence, SequenceOptions, Table, TableOptions, UniqueConstraint, View,
    Warning,
};
pub use reprint::{DefaultExpr, IndexExprs, PrintedIndex, ViewQuery};
use std::collections::HashMap;

/// One row of a catalog query, its cells' text in one buffer: a large catalog read holds
/// hundreds of thousands of cells, and this is one allocation per row instead of one per cell.
#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    text: Box<str>,
    /// Byte range of each cell in `text`; `NULL_CELL` for NULL.
    cells: Box<[(u32, u32)]>,
}

const NULL_CELL: (u32, u32) = (u32::MAX, u32::MAX);

/// Makes `Row`s from the rows of one query, reusing its buffers from row to row.
#[derive(Default)]
struct RowBuilder {
    /// Per column: text on the wire (known from the first row: every row of a query has the
    /// same column types).
    text_columns: Option<Vec<bool>>,
    text: String,
    cells: Vec<(u32, u32)>,
}

impl RowBuilder {
    fn build(&mut self, row: &sqlx::postgres::PgRow) -> Row {
        use sqlx::{Column as _, Row as _, ValueRef as _};
        let text_columns = self.text_columns.get_or_insert_with(|| {
            row.columns()
                .iter()
                .map(|c| crate::conn::is_pg_text(c.type_info()))
                .collect()
        });
        self.text.clear();
        self.cells.clear();
        for (i, &is_text) in text_columns.iter().enumerate() {
            let start = self.text.len();
            let value = if is_text {
                match row.try_get_raw(i) {
                    Ok(raw) if !raw.is_null() => raw.as_str().ok().map(|s| self.text.push_str(s)),
                    _ => None,
                }
            } else {
                crate::conn::pg_cell(row, i).map(|c| self.text.push_str(c.as_str()))
            };
            // A catalog row is far below 4 GiB.
            self.cells.push(match value {
                Some(()) => (start as u32, self.text.len() as u32),
                None => NULL_CELL,
            });
        }
        Row {
            text: self.text.as_str().into(),
            cells: self.cells.as_slice().into(),
        }
    }
}

impl Row {
    fn get(&self, i: usize) -> Option<&str> {
        match *self.cells.get(i)? {
            NULL_CELL => None,
            (start, end) => self.text.get(start as usize..end as usize),
        }
    }
}

/// A column of a table: (table oid, attnum), as numbers (hashing two strings per lookup was a
/// seventh of a large read's modeling time).
type AttKey = (u32, i16);

fn att_key(rel: &str, attnum: &str) -> Option<AttKey> {
    Some((rel.parse().ok()?, attnum.parse().ok()?))
}

fn cell(r: &Row, i: usize) -> Option<&str> {
    r.get(i)
}

fn text(r: &Row, i: usize) -> String {
    cell(r, i).unwrap_or_default().to_string()
}

fn float(r: &Row, i: usize) -> Option<f64> {
    cell(r, i).and_then(|s| s.parse().ok())
}

fn flag(r: &Row, i: usize) -> bool {
    matches!(cell(r, i), Some("true" | "t"))
}

fn int(r: &Row, i: usize) -> Option<i64> {
    cell(r, i).and_then(|s| s.parse().ok())
}

/// Parses a PostgreSQL array literal of names (`{a,"b c","d\"e"}`); NULL elements are skipped.
fn text_array(s: &str) -> Vec<String> {
    let inner = s.trim().trim_start_matches('{').trim_end_matches('}');
    let mut out = Vec::new();
    if inner.is_empty() {
        return out;
    }
    let mut chars = inner.chars().peekable();
    loop {
        let mut cur = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            cur.push(n);
                        }
                    }
                    '"' => break,
                    c => cur.push(c),
                }
            }
        }
        for c in chars.by_ref() {
            if c == ',' {
                break;
            }
            cur.push(c);
        }
        if quoted || cur != "NULL" {
            out.push(cur);
        }
        if chars.peek().is_none() {
            break;
        }
    }
    out
}

/// Drops one pair of parentheses around the whole expression (`(a > 0)` → `a > 0`).
fn strip_outer_parens(s: &str) -> &str {
    let t = s.trim();
    if !(t.starts_with('(') && t.ends_with(')')) {
        return t;
    }
    let mut depth = 0i32;
    let mut in_str = false;
    for (i, c) in t.char_indices() {
        match c {
            '\'' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth == 0 && i != t.len() - 1 {
                    return t;
                }
            }
            _ => {}
        }
    }
    &t[1..t.len() - 1]
}

fn fk_action(c: Option<&str>) -> FkAction {
    match c {
        Some("r") => FkAction::Restrict,
        Some("c") => FkAction::Cascade,
        Some("n") => FkAction::SetNull,
        Some("d") => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}

fn deferrable(deferrable: bool, deferred: bool) -> Option<Deferrable> {
    match (deferrable, deferred) {
        (false, _) => None,
        (true, false) => Some(Deferrable::InitiallyImmediate),
        (true, true) => Some(Deferrable::InitiallyDeferred),
    }
}

fn expr(sql: &str) -> migrex_model::Expr {
    migrex_dialect::expr(Dialect::Postgres, sql)
}

/// The comment PostgreSQL 15 puts on the `public` schema of every new database.
const PUBLIC_COMMENT: &str = "standard public schema";

/// Filter on extension membership: objects created by `CREATE EXTENSION` are the extension's.
fn not_ext(catalog: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '{catalog}'::regclass \
         AND xd.objid = {oid} AND xd.deptype = 'e')"
    )
}

struct Rel {
    name: QualifiedName,
    kind: char,
}

pub(crate) fn introspect(db: &mut Db) -> Result<Loaded, LiveError> {
    let mut schema = Schema::new(Dialect::Postgres);
    let mut warnings: Vec<Warning> = Vec::new();
    let mut provenance = migrex_model::Provenance::default();
    let origin = db.url().to_string();
    let warn = |w: &mut Vec<Warning>, loc: String, msg: String| {
        w.push(Warning {
            message: msg,
            location: Some(loc),
        })
    };

    // Namespaces first: the other queries read those.
    let ns_sql = format!(
        "SELECT n.oid::text, n.nspname, obj_description(n.oid, 'pg_namespace') \
         FROM pg_namespace n \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
           AND {} \
         ORDER BY n.oid",
        not_ext("pg_namespace", "n.oid")
    );
    let (start, mut res) = fetch::run(db, &ns_sql, |start| {
        let oids: Vec<String> = start.first.iter().map(|r| text(r, 0)).collect();
        let version = start.version;
        let mut all = queries(version >= 150000);
        all.extend(types::queries());
        all.extend(routines::queries(version >= 130000));
        all.extend(rules::queries());
        (format!("{{{}}}", oids.join(",")), all)
    })?;
    for r in &start.first {
        let name = text(r, 1);
        let mut comment = cell(r, 2).map(str::to_string);
        if name == "public" && comment.as_deref() == Some(PUBLIC_COMMENT) {
            comment = None;
        }
        schema.namespaces.insert(
            name.clone(),
            Namespace {
                name,
                comment,
                ..Namespace::default()
            },
        );
    }

    // Relations: tables, partitioned tables, views, materialized views, foreign tables.
    let rel_rows = res.take("relations");
    let mut rels: HashMap<String, Rel> = HashMap::new();
    let mut rows = RowEstimates::default();
    // Each row is freed once read: the rows of every query are in memory at once.
    for row in rel_rows {
        let r = &row;
        let oid = text(r, 0);
        let name = QualifiedName::new(text(r, 1), text(r, 2));
        let kind = text(r, 3).chars().next().unwrap_or('r');
        if matches!(kind, 'r' | 'p') {
            let parent = match (cell(r, 15), cell(r, 16)) {
                (Some(pns), Some(parent)) => Some(QualifiedName::new(pns, parent)),
                _ => None,
            };
            rows.add(name.clone(), float(r, 17), float(r, 18), parent);
        }
        let comment = cell(r, 7).map(str::to_string);
        let path = format!(
            "{} {name}",
            if matches!(kind, 'v' | 'm') {
                "view"
            } else {
                "table"
            }
        );
        provenance.locations.insert(path.clone(), origin.clone());
        match kind {
            'v' | 'm' => {
                let def = cell(r, 8).unwrap_or_default().trim().trim_end_matches(';');
                let check_option = cell(r, 9).and_then(|o| {
                    o.split(',')
                        .find_map(|kv| kv.strip_prefix("check_option="))
                        .map(str::to_string)
                });
                if let Some(opts) = cell(r, 9)
                    && opts.split(',').any(|kv| !kv.starts_with("check_option="))
                {
                    warn(
                        &mut warnings,
                        path.clone(),
                        format!("view options ({opts}) are not modeled"),
                    );
                }
                let ns = schema.namespace_mut(&name.namespace);
                ns.views.insert(
                    name.name.clone(),
                    View {
                        name: name.name.clone(),
                        definition: migrex_dialect::query_expr(Dialect::Postgres, def.trim()),
                        columns: Vec::new(),
                        materialized: kind == 'm',
                        check_option,
                        security_invoker: false,
                        comment,
                        depends_on: Vec::new(),
                        indexes: Vec::new(),
                        cluster_on: None,
                    },
                );
            }
            _ => {
                if kind == 'f' {
                    warn(
                        &mut warnings,
                        path.clone(),
                        "foreign table read as a plain table (server and options are not modeled)"
                            .into(),
                    );
                }
                let partition_of = match (cell(r, 10), cell(r, 15), cell(r, 16)) {
                    (Some(bound), Some(pns), Some(parent)) => Some(migrex_model::PartitionOf {
                        parent: QualifiedName::new(pns, parent),
                        bound: migrex_model::Expr::with_key(bound, bound),
                    }),
                    _ => None,
                };
                let partitioning = cell(r, 11).and_then(|key| {
                    let p = pg::partitioning_from_text(key);
                    if p.is_none() {
                        warn(
                            &mut warnings,
                            path.clone(),
                            format!("partitioning `PARTITION BY {key}` is not modeled"),
                        );
                    }
                    p
                });
                if let Some(opts) = cell(r, 9) {
                    warn(
                        &mut warnings,
                        path.clone(),
                        format!("storage parameters ({opts}) are not modeled"),
                    );
                }
                let inherits: Vec<QualifiedName> = match (cell(r, 13), cell(r, 14)) {
                    (Some(ns), Some(names)) => text_array(ns)
                        .into_iter()
                        .zip(text_array(names))
                        .map(|(n, t)| QualifiedName::new(n, t))
                        .collect(),
                    _ => Vec::new(),
                };
                let pg_opts = PgTableOptions {
                    unlogged: cell(r, 4) == Some("u"),
                    inherits,
                    row_level_security: flag(r, 5),
                    force_row_level_security: false,
                };
                let mut table = Table::new(name.name.clone());
                table.comment = comment;
                table.options = TableOptions::Postgres(pg_opts);
                table.partition_of = partition_of;
                table.partitioning = partitioning;
                schema
                    .namespace_mut(&name.namespace)
                    .tables
                    .insert(name.name.clone(), table);
            }
        }
        rels.insert(oid, Rel { name, kind });
    }

    // Columns.
    let col_rows = res.take("columns");
    // (table oid, attnum) -> column name, for sequence ownership and constraint columns.
    let mut attnames: HashMap<AttKey, String> = HashMap::with_capacity(col_rows.len());
    // (table oid, attnum) -> collation oid, for index key columns.
    let mut attcolls: HashMap<AttKey, String> = HashMap::with_capacity(col_rows.len());
    for row in col_rows {
        let r = &row;
        let oid = text(r, 0);
        let name = text(r, 2);
        if let Some(key) = att_key(&oid, cell(r, 1).unwrap_or_default()) {
            attnames.insert(key, name.clone());
            attcolls.insert(key, text(r, 13));
        }
        let Some(rel) = rels.get(&oid) else { continue };
        let ty = pg::parse_type(&text(r, 3));
        let mut col = Column::new(name.clone(), ty);
        col.nullable = !flag(r, 4);
        let def = cell(r, 5).map(str::to_string);
        match cell(r, 7) {
            Some("s") => {
                col.generated = def.map(|d| Generated {
                    expr: expr(strip_outer_parens(&d)),
                    stored: true,
                });
            }
            // `DEFAULT NULL` on a varchar is stored as `NULL::character varying`: no default.
            _ => col.default = def.map(|d| expr(&d)).filter(|e| !is_null_default(e)),
        }
        col.identity = match cell(r, 6) {
            Some("a") => Some(Identity::Always {
                sequence: SequenceOptions::default(),
            }),
            Some("d") => Some(Identity::ByDefault {
                sequence: SequenceOptions::default(),
            }),
            _ => None,
        };
        col.collation = cell(r, 8).map(|c| match cell(r, 9) {
            Some(ns) if ns != "pg_catalog" && ns != "public" => format!("{ns}.{c}"),
            _ => c.to_string(),
        });
        col.comment = cell(r, 10).map(str::to_string);
        if !flag(r, 11) {
            // A column only inherited from an `INHERITS` parent is the parent's: the child's
            // `CREATE TABLE ... INHERITS` creates it. A partition has its parent's columns.
            if !flag(r, 12) {
                continue;
            }
        }
        if let Some(t) = schema.table_mut(&rel.name) {
            t.columns.insert(name, col);
        }
    }

    // Sequences: free ones, serial ones (folded into their column), identity ones.
    let seq_rows = res.take("sequences");
    for row in seq_rows {
        let r = &row;
        let name = QualifiedName::new(text(r, 1), text(r, 2));
        let ty = pg::parse_type(&text(r, 3));
        let bytes = pg::sequence_bytes(Some(&ty));
        let raw = SequenceOptions {
            start: int(r, 4),
            increment: int(r, 5),
            min_value: int(r, 6),
            max_value: int(r, 7),
            cache: int(r, 8),
            cycle: flag(r, 9),
        };
        let opts = pg::normalize_sequence_options(&raw, bytes);
        let owner = match (cell(r, 11), cell(r, 12)) {
            (Some(rel), Some(att)) => rels.get(rel).and_then(|rl| {
                att_key(rel, att)
                    .and_then(|key| attnames.get(&key))
                    .map(|c| (rl.name.clone(), c.clone()))
            }),
            _ => None,
        };
        let deptype = cell(r, 13);
        if deptype == Some("i") {
            if let Some((tname, cname)) = &owner
                && let Some(col) = schema
                    .table_mut(tname)
                    .and_then(|t| t.columns.get_mut(cname))
            {
                let col_bytes = match &col.ty {
                    ColumnType::Integer { bytes, .. } => *bytes,
                    _ => 8,
                };
                let o = pg::normalize_sequence_options(&raw, col_bytes);
                if let Some(Identity::Always { sequence } | Identity::ByDefault { sequence }) =
                    &mut col.identity
                {
                    *sequence = o;
                }
                let implicit = pg::make_object_name(&tname.name, Some(cname), "seq");
                if name.name != implicit || name.namespace != tname.namespace {
                    warn(
                        &mut warnings,
                        format!("column {tname}.{cname}"),
                        format!("identity sequence name `{name}` is not modeled"),
                    );
                }
            }
            continue;
        }
        // A serial: owned by a column whose default is nextval() of this sequence, with default
        // options of the column's own type.
        if deptype == Some("a")
            && let Some((tname, cname)) = &owner
            && tname.namespace == name.namespace
            && let Some(col) = schema
                .table_mut(tname)
                .and_then(|t| t.columns.get_mut(cname))
            && col.ty == ty
            && col.identity.is_none()
            && opts == SequenceOptions::default()
            && col
                .default
                .as_ref()
                .is_some_and(|d| nextval_target(&d.sql).as_ref() == Some(&name))
        {
            col.default = None;
            col.identity = Some(Identity::Serial {
                sequence: name.name.clone(),
            });
            if let Some(comment) = cell(r, 10) {
                warn(
                    &mut warnings,
                    format!("sequence {name}"),
                    format!("comment `{comment}` on a serial column's sequence is not modeled"),
                );
            }
            continue;
        }
        provenance
            .locations
            .insert(format!("sequence {name}"), origin.clone());
        let data_type = match ty {
            ColumnType::Integer { bytes: 8, .. } => None,
            other => Some(other),
        };
        schema.namespace_mut(&name.namespace).sequences.insert(
            name.name.clone(),
            Sequence {
                name: name.name.clone(),
                data_type,
                options: opts,
                owned_by: if deptype == Some("a") { owner } else { None },
                comment: cell(r, 10).map(str::to_string),
            },
        );
    }

    // Constraints.
    let con_rows = res.take("constraints");
    for row in con_rows {
        let r = &row;
        let Some(rel) = rels.get(&text(r, 0)) else {
            continue;
        };
        let tname = rel.name.clone();
        let cname = text(r, 1);
        let path = format!("constraint {cname} on {tname}");
        // Inherited from an `INHERITS` parent (and recreated by it), or a partition's copy of
        // its parent's constraint.
        if !flag(r, 18) || cell(r, 20).is_some_and(|p| p != "0") {
            continue;
        }
        let kind = text(r, 2);
        let names = |rel: &str, attnums: &str| -> Vec<String> {
            text_array(attnums)
                .into_iter()
                .map(|n| {
                    att_key(rel, &n)
                        .and_then(|key| attnames.get(&key))
                        .cloned()
                        .unwrap_or(n)
                })
                .collect()
        };
        let columns = names(&text(r, 0), &text(r, 3));
        if !flag(r, 15) {
            warn(
                &mut warnings,
                path.clone(),
                "NOT VALID is not modeled; read as a valid constraint".into(),
            );
        }
        if let Some(c) = cell(r, 16) {
            warn(
                &mut warnings,
                path.clone(),
                format!("constraint comment `{c}` is not modeled"),
            );
        }
        let Some(table) = schema.table_mut(&tname) else {
            continue;
        };
        let defer = deferrable(flag(r, 10), flag(r, 11));
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: Some(cname),
                    columns,
                })
            }
            "u" => table.uniques.push(UniqueConstraint {
                name: Some(cname),
                columns,
                nulls_not_distinct: flag(r, 14),
                deferrable: defer,
            }),
            "f" => {
                if cell(r, 9) == Some("p") {
                    warn(
                        &mut warnings,
                        path.clone(),
                        "MATCH PARTIAL is not modeled".into(),
                    );
                }
                table.foreign_keys.push(ForeignKey {
                    name: Some(cname),
                    columns,
                    ref_table: QualifiedName::new(text(r, 4), text(r, 5)),
                    ref_columns: match cell(r, 6) {
                        Some(named) => text_array(named),
                        None => names(&text(r, 21), &text(r, 22)),
                    },
                    on_update: fk_action(cell(r, 7)),
                    on_delete: fk_action(cell(r, 8)),
                    deferrable: defer,
                    match_full: cell(r, 9) == Some("f"),
                })
            }
            "c" => table.checks.push(Check {
                name: Some(cname),
                expr: expr(strip_outer_parens(cell(r, 13).unwrap_or_default())),
                no_inherit: flag(r, 12),
            }),
            "x" => match pg::exclusion_from_text(&cname, cell(r, 17).unwrap_or_default()) {
                Some(x) => table.exclusions.push(x),
                None => warn(
                    &mut warnings,
                    path,
                    format!(
                        "exclusion constraint `{}` is not modeled",
                        cell(r, 17).unwrap_or_default()
                    ),
                ),
            },
            // NOT NULL constraints (PostgreSQL 17+) are the column's `nullable`.
            "n" => {}
            _ => warn(
                &mut warnings,
                path,
                format!(
                    "constraint `{}` is not modeled",
                    cell(r, 17).unwrap_or_default()
                ),
            ),
        }
    }

    // Indexes that do not implement a constraint (those only for their CLUSTER mark).
    let ix_rows = res.take("indexes");
    let part_rows = res.take("index_parts");
    let mut parts_by_index: HashMap<String, Vec<&Row>> = HashMap::new();
    for r in &part_rows {
        parts_by_index.entry(text(r, 0)).or_default().push(r);
    }
    for row in ix_rows {
        let r = &row;
        let Some(rel) = rels.get(&text(r, 0)) else {
            continue;
        };
        let iname = text(r, 2);
        let path = format!("index {iname} on {}", rel.name);
        // The CLUSTER mark, also on the index of a primary key or unique constraint.
        if flag(r, 10) {
            if let Some(t) = schema.table_mut(&rel.name) {
                t.cluster_on = Some(iname.clone());
            } else if let Some(v) = schema.view_mut(&rel.name) {
                v.cluster_on = Some(iname.clone());
            }
        }
        // The index of a constraint is the constraint's.
        if flag(r, 11) {
            continue;
        }
        if let Some(o) = cell(r, 9) {
            warn(
                &mut warnings,
                path.clone(),
                format!("index storage parameters ({o}) are not modeled"),
            );
        }
        let nkey = int(r, 5).unwrap_or(0);
        let method = text(r, 4);
        let mut index = Index {
            name: iname,
            unique: flag(r, 3),
            parts: Vec::new(),
            method: (method != "btree").then_some(method),
            include: Vec::new(),
            predicate: cell(r, 6).map(|p| expr(strip_outer_parens(p))),
            nulls_not_distinct: flag(r, 7),
            comment: cell(r, 8).map(str::to_string),
        };
        for p in parts_by_index.get(&text(r, 1)).into_iter().flatten() {
            let n = int(p, 1).unwrap_or(0);
            let attnum = text(p, 3);
            let is_column = attnum != "0";
            let key = att_key(cell(p, 8).unwrap_or_default(), &attnum);
            // A column's name as stored; an expression as pg_get_indexdef prints it.
            let def = match cell(p, 2) {
                Some(d) => d.to_string(),
                None => key
                    .and_then(|key| attnames.get(&key))
                    .cloned()
                    .unwrap_or_default(),
            };
            // A collation other than the column's (an expression's: the default, 100).
            let own_collation = if is_column {
                cell(p, 10)
                    .map(str::to_string)
                    .or_else(|| key.and_then(|key| attcolls.get(&key)).cloned())
            } else {
                Some("100".to_string())
            };
            let collation = cell(p, 9)
                .filter(|c| *c != "0" && Some(*c) != own_collation.as_deref())
                .and_then(|_| cell(p, 7))
                .map(str::to_string);
            if n > nkey {
                index
                    .include
                    .push(if is_column { def } else { unquote_ident(&def) });
                continue;
            }
            let key = if is_column {
                IndexKey::Column(def)
            } else {
                IndexKey::Expr(expr(strip_outer_parens(&def)))
            };
            let opt = int(p, 4).unwrap_or(0);
            let descending = opt & 1 != 0;
            let nulls_first = opt & 2 != 0;
            index.parts.push(IndexPart {
                key,
                descending,
                nulls_first: (nulls_first != descending).then_some(nulls_first),
                collation,
                opclass: cell(p, 5).map(|o| match cell(p, 6) {
                    Some(ns) if ns != "pg_catalog" && ns != "public" => format!("{ns}.{o}"),
                    _ => o.to_string(),
                }),
                prefix_len: None,
            });
        }
        if let Some(t) = schema.table_mut(&rel.name) {
            t.indexes.push(index);
        } else if rel.kind == 'm'
            && let Some(v) = schema.view_mut(&rel.name)
        {
            provenance
                .locations
                .insert(format!("index {}.{}", rel.name, index.name), origin.clone());
            v.indexes.push(index);
        }
    }

    // Enums, values in their sort order.
    let enum_rows = res.take("enums");
    for r in &enum_rows {
        let (ns, name) = (text(r, 1), text(r, 2));
        let e = schema
            .namespace_mut(&ns)
            .enums
            .entry(name.clone())
            .or_insert_with(|| EnumType {
                name: name.clone(),
                values: Vec::new(),
                comment: cell(r, 4).map(str::to_string),
            });
        e.values.push(text(r, 3));
    }

    // What views read, for ordering.
    let dep_rows = res.take("view_deps");
    for r in &dep_rows {
        let (Some(view), Some(dep)) = (rels.get(&text(r, 0)), rels.get(&text(r, 1))) else {
            continue;
        };
        if let Some(v) = schema
            .namespaces
            .get_mut(&view.name.namespace)
            .and_then(|n| n.views.get_mut(&view.name.name))
            && !v.depends_on.contains(&dep.name)
        {
            v.depends_on.push(dep.name.clone());
        }
    }

    types::read(&mut res, &mut schema);

    let mut sink = routines::Sink {
        schema: &mut schema,
        warnings: &mut warnings,
        provenance: &mut provenance,
        origin: &origin,
    };
    routines::read(&mut res, &mut sink);
    rules::read(&mut res, &mut sink);

    // Objects the model does not hold yet.
    let other_rows = res.take("others");
    for r in &other_rows {
        let kind = text(r, 0);
        let what = text(r, 1);
        warn(
            &mut warnings,
            format!("{kind} {what}"),
            format!("{kind}s are not modeled yet; {kind} {what} was not read"),
        );
    }

    // The `public` schema exists in every database: an empty one with its stock comment is
    // not part of the schema (a DDL file that never mentions it reads the same).
    if schema
        .namespaces
        .get("public")
        .is_some_and(|n| n.is_empty() && n.comment.is_none())
    {
        schema.namespaces.shift_remove("public");
    }
    sort_constraints(&mut schema);
    Ok(Loaded {
        schema,
        warnings,
        provenance,
        row_estimates: Some(rows.finish()),
        ..Loaded::default()
    })
}

/// The rows of each table by the statistics: the larger of the planner's estimate
/// (`reltuples`, from the last ANALYZE or VACUUM; -1 or 0 when there was none) and the
/// statistics system's count of live rows (kept current as rows are written, so it knows a
/// table loaded since). Reading both costs the catalog query nothing measurable, where sizing
/// and counting the tables a plan touches took a connection and 20 ms more per `diff`.
#[derive(Default)]
struct RowEstimates {
    own: IndexMap<QualifiedName, u64>,
    /// Partition -> its parent: a partitioned table holds no rows itself.
    parents: Vec<(QualifiedName, QualifiedName)>,
}

impl RowEstimates {
    fn add(
        &mut self,
        table: QualifiedName,
        reltuples: Option<f64>,
        live: Option<f64>,
        parent: Option<QualifiedName>,
    ) {
        let rows = [reltuples, live]
            .into_iter()
            .flatten()
            .filter(|n| *n >= 0.0)
            .fold(0.0, f64::max);
        if let Some(parent) = parent {
            self.parents.push((table.clone(), parent));
        }
        self.own.insert(table, rows as u64);
    }

    /// Each partitioned table gets the sum of its partitions when that is more than its own
    /// estimate (set by an ANALYZE of it, if any).
    fn finish(self) -> IndexMap<QualifiedName, u64> {
        let RowEstimates { mut own, parents } = self;
        let mut children: HashMap<&QualifiedName, Vec<&QualifiedName>> = HashMap::new();
        for (child, parent) in &parents {
            children.entry(parent).or_default().push(child);
        }
        fn total(
            t: &QualifiedName,
            own: &IndexMap<QualifiedName, u64>,
            children: &HashMap<&QualifiedName, Vec<&QualifiedName>>,
            depth: usize,
        ) -> u64 {
            let mine = own.get(t).copied().unwrap_or(0);
            match children.get(t) {
                // Partition trees are shallow; the depth bound only guards a malformed catalog.
                Some(kids) if depth < 64 => mine.max(
                    kids.iter()
                        .map(|k| total(k, own, children, depth + 1))
                        .sum(),
                ),
                _ => mine,
            }
        }
        let totals: Vec<(QualifiedName, u64)> = children
            .keys()
            .map(|t| ((*t).clone(), total(t, &own, &children, 0)))
            .collect();
        for (t, n) in totals {
            own.insert(t, n);
        }
        own
    }
}

/// The catalog queries of `introspect` (the namespaces' oids are `$1`), run all at once by
/// `fetch`.
fn queries(pg15: bool) -> Vec<Query> {
    let mut out = Vec::new();
    let nnd = if pg15 {
        "COALESCE(ix.indnullsnotdistinct, false)::text"
    } else {
        "'false'"
    };
    let nnd_ix = if pg15 {
        "i.indnullsnotdistinct::text"
    } else {
        "'false'"
    };
    out.push(Query::new(
        "relations",
        50,
        format!(
            "SELECT c.oid::text, n.nspname, c.relname, c.relkind::text, c.relpersistence::text, \
                    c.relrowsecurity::text, c.relispartition::text, dsc.description, \
                    CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END, \
                    array_to_string(c.reloptions, ','), \
                    CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, \
                    CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, \
                    (SELECT array_agg(format('%s.%s', pn.nspname, p.relname) ORDER BY i.inhseqno)::text \
                       FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
                       JOIN pg_namespace pn ON pn.oid = p.relnamespace \
                      WHERE i.inhrelid = c.oid AND NOT c.relispartition), \
                    (SELECT array_agg(pn.nspname ORDER BY i.inhseqno)::text \
                       FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
                       JOIN pg_namespace pn ON pn.oid = p.relnamespace \
                      WHERE i.inhrelid = c.oid AND NOT c.relispartition), \
                    (SELECT array_agg(p.relname ORDER BY i.inhseqno)::text \
                       FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
                      WHERE i.inhrelid = c.oid AND NOT c.relispartition), \
                    (SELECT format('%s', pn.nspname) FROM pg_inherits i \
                       JOIN pg_class p ON p.oid = i.inhparent \
                       JOIN pg_namespace pn ON pn.oid = p.relnamespace \
                      WHERE i.inhrelid = c.oid AND c.relispartition), \
                    (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent \
                      WHERE i.inhrelid = c.oid AND c.relispartition), \
                    CASE WHEN c.relkind IN ('r', 'p') THEN c.reltuples::float8::text END, \
                    CASE WHEN c.relkind IN ('r', 'p') \
                         THEN pg_stat_get_live_tuples(c.oid)::text END \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_description dsc ON dsc.objoid = c.oid \
                  AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0 \
             WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
               AND {} \
             ORDER BY c.oid",
            not_ext("pg_class", "c.oid")
        ),
    ));
    // Column numbers are named from the columns query (`attnames`), which has every column of
    // the tables read; the referenced columns of a foreign key to any other table are named here.
    let constraints = Query::new(
        "constraints",
        40,
        format!(
            "SELECT co.conrelid::text, co.conname, co.contype::text, co.conkey::text, \
                    rn.nspname, rc.relname, \
                    CASE WHEN co.contype = 'f' AND NOT (rc.relnamespace = ANY($1::oid[]) \
                                                        AND rc.relkind IN ('r', 'p', 'f')) \
                         THEN ARRAY(SELECT a.attname FROM unnest(co.confkey) WITH ORDINALITY k(n, i) \
                                    JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.n \
                                    ORDER BY k.i)::text END, \
                    co.confupdtype::text, co.confdeltype::text, co.confmatchtype::text, \
                    co.condeferrable::text, co.condeferred::text, co.connoinherit::text, \
                    pg_get_expr(co.conbin, co.conrelid), {nnd}, co.convalidated::text, \
                    dsc.description, \
                    CASE WHEN co.contype NOT IN ('p', 'u', 'f', 'c', 'n') \
                         THEN pg_get_constraintdef(co.oid) END, \
                    co.conislocal::text, c.relispartition::text, co.conparentid::text, \
                    co.confrelid::text, co.confkey::text \
             FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
             LEFT JOIN pg_class rc ON rc.oid = co.confrelid \
             LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
             LEFT JOIN pg_index ix ON ix.indexrelid = co.conindid \
             LEFT JOIN pg_description dsc ON dsc.objoid = co.oid \
                  AND dsc.classoid = 'pg_constraint'::regclass AND dsc.objsubid = 0 \
             WHERE c.relnamespace = ANY($1::oid[]) \
             ORDER BY co.conrelid, co.oid"
        ),
    );
    // A default cannot refer to columns, so it is printed without its table (relid 0): with the
    // table, `pg_get_expr` opens it, which costs every server process a cache entry per table.
    // A generated column's expression refers to columns.
    //
    // A type outside pg_catalog is named with its schema (whatever the search path), an array
    // of one as its element's name with `[]`: those names are made once per type in a derived
    // table (`ut`) rather than per column through three more joins.
    out.push(Query::new(
        "columns",
        60,
        "SELECT a.attrelid::text, a.attnum::text, a.attname, \
                COALESCE(CASE WHEN a.atttypmod <> -1 THEN format_type(a.atttypid, a.atttypmod) END, \
                         ut.name, format_type(a.atttypid, a.atttypmod)), \
                a.attnotnull::text, \
                CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, 0) \
                     ELSE pg_get_expr(ad.adbin, ad.adrelid) END, \
                a.attidentity::text, \
                a.attgenerated::text, \
                CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END, \
                CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN cn.nspname END, \
                dsc.description, a.attislocal::text, c.relispartition::text, \
                a.attcollation::text \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN (SELECT ty.oid, format('%I.%I', bn.nspname, bt.typname) \
                               || CASE WHEN ty.typcategory = 'A' THEN '[]' ELSE '' END AS name \
                    FROM pg_type ty \
                    JOIN pg_type bt ON bt.oid = CASE WHEN ty.typcategory = 'A' AND ty.typelem <> 0 \
                                                     THEN ty.typelem ELSE ty.oid END \
                    JOIN pg_namespace bn ON bn.oid = bt.typnamespace \
                    WHERE bn.nspname <> 'pg_catalog') ut ON ut.oid = a.atttypid \
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation \
         LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
         LEFT JOIN pg_description dsc ON dsc.objoid = a.attrelid \
              AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = a.attnum \
         WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('r', 'p', 'f') \
           AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attrelid, a.attnum",
    ));
    out.push(constraints);
    // The owner of each sequence is looked up by index (`OFFSET 0` keeps the lookup per
    // sequence): joined, the planner scans all of pg_depend, the largest catalog.
    out.push(Query::new(
        "sequences",
        20,
        format!(
            "SELECT s.seqrelid::text, n.nspname, c.relname, format_type(s.seqtypid, NULL), \
                    s.seqstart::text, s.seqincrement::text, s.seqmin::text, s.seqmax::text, \
                    s.seqcache::text, s.seqcycle::text, dsc.description, \
                    d.refobjid::text, d.refobjsubid::text, d.deptype::text \
             FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_description dsc ON dsc.objoid = c.oid \
                  AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0 \
             LEFT JOIN LATERAL (SELECT d.refobjid, d.refobjsubid, d.deptype FROM pg_depend d \
                                WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid \
                                  AND d.refclassid = 'pg_class'::regclass \
                                  AND d.deptype IN ('a', 'i') OFFSET 0) d ON true \
             WHERE c.relnamespace = ANY($1::oid[]) AND {} \
             ORDER BY s.seqrelid",
            not_ext("pg_class", "c.oid")
        ),
    ));
    // Key columns of tables are named from the columns query (`attnames`), as in constraints.
    let index_parts = Query::new(
        "index_parts",
        30,
        "SELECT i.indexrelid::text, k.n::text, \
                CASE WHEN k.attnum = 0 THEN pg_get_indexdef(i.indexrelid, k.n::int, true) \
                     WHEN c.relkind NOT IN ('r', 'p', 'f') \
                     THEN (SELECT a.attname FROM pg_attribute a \
                           WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum) END, \
                k.attnum::text, i.indoption[k.n - 1]::text, \
                CASE WHEN NOT opc.opcdefault THEN opc.opcname END, opn.nspname, \
                coll.collname, i.indrelid::text, i.indcollation[k.n - 1]::text, \
                CASE WHEN k.attnum <> 0 AND c.relkind NOT IN ('r', 'p', 'f') \
                     THEN (SELECT a.attcollation FROM pg_attribute a \
                           WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum)::text END \
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
         LEFT JOIN pg_opclass opc ON k.n <= i.indnkeyatts AND opc.oid = i.indclass[k.n - 1] \
         LEFT JOIN pg_namespace opn ON opn.oid = opc.opcnamespace \
         LEFT JOIN pg_collation coll ON coll.oid = i.indcollation[k.n - 1] \
         WHERE c.relnamespace = ANY($1::oid[]) \
         ORDER BY i.indexrelid, k.n",
    );
    out.push(Query::new(
        "indexes",
        40,
        format!(
            "SELECT i.indrelid::text, i.indexrelid::text, ic.relname, i.indisunique::text, am.amname, \
                    i.indnkeyatts::text, pg_get_expr(i.indpred, i.indrelid), {nnd_ix}, \
                    dsc.description, array_to_string(ic.reloptions, ','), i.indisclustered::text, \
                    EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid \
                            AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x'))::text \
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
             JOIN pg_class c ON c.oid = i.indrelid JOIN pg_am am ON am.oid = ic.relam \
             LEFT JOIN pg_description dsc ON dsc.objoid = i.indexrelid \
                  AND dsc.classoid = 'pg_class'::regclass AND dsc.objsubid = 0 \
             WHERE c.relnamespace = ANY($1::oid[]) \
               AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = i.indexrelid) \
             ORDER BY i.indrelid, ic.relname"
        ),
    )
    // Both open the tables of expression and partial indexes.
    .then(index_parts));
    out.push(Query::new(
        "enums",
        5,
        format!(
            "SELECT t.oid::text, n.nspname, t.typname, e.enumlabel, obj_description(t.oid, 'pg_type') \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             JOIN pg_enum e ON e.enumtypid = t.oid \
             WHERE t.typnamespace = ANY($1::oid[]) AND {} \
             ORDER BY t.oid, e.enumsortorder",
            not_ext("pg_type", "t.oid")
        ),
    ));
    out.push(Query::new(
        "view_deps",
        5,
        "SELECT DISTINCT r.ev_class::text, d.refobjid::text \
         FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class \
         JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid \
              AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class \
         WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind IN ('v', 'm') \
         ORDER BY 1, 2",
    ));
    out.push(Query::new(
        "others",
        3,
        format!(
            "SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'c' THEN 'composite type' \
                    WHEN 'r' THEN 'range type' ELSE 'type' END, format('%s.%s', n.nspname, t.typname) \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             LEFT JOIN pg_class c ON c.oid = t.typrelid \
             WHERE t.typnamespace = ANY($1::oid[]) AND {} \
               AND (t.typtype = 'r' \
                    OR (t.typtype = 'b' AND t.typcategory <> 'A')) \
             UNION ALL \
             SELECT 'statistics object', format('%s.%s', n.nspname, s.stxname) \
             FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace \
             WHERE s.stxnamespace = ANY($1::oid[]) \
             UNION ALL \
             SELECT 'collation', format('%s.%s', n.nspname, co.collname) \
             FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace \
             WHERE co.collnamespace = ANY($1::oid[]) AND {} \
             UNION ALL \
             SELECT 'event trigger', e.evtname FROM pg_event_trigger e WHERE {}",
            not_ext("pg_type", "t.oid"),
            not_ext("pg_collation", "co.oid"),
            not_ext("pg_event_trigger", "e.oid"),
        ),
    ));
    out
}

/// Constraints and indexes in name order: PostgreSQL keeps no declaration order, so both readers
/// list them by name.
fn sort_constraints(schema: &mut Schema) {
    for ns in schema.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            t.uniques.sort_by(|a, b| a.name.cmp(&b.name));
            t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
            t.checks.sort_by(|a, b| a.name.cmp(&b.name));
            t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            t.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
}

/// The name in an identifier PostgreSQL printed (quoted when needed).
fn unquote_ident(s: &str) -> String {
    let t = s.trim();
    if t.len() >= 2 && t.starts_with('"') && t.ends_with('"') {
        t[1..t.len() - 1].replace("\"\"", "\"")
    } else {
        t.to_string()
    }
}

/// A default that is only `NULL` (cast or not): the same as no default.
fn is_null_default(e: &migrex_model::Expr) -> bool {
    e.key.eq_ignore_ascii_case("null")
}

/// The sequence of a `nextval('name'::regclass)` default, resolved as the default search path
/// does (unqualified names are in `public`).
fn nextval_target(default: &str) -> Option<QualifiedName> {
    let inner = default
        .trim()
        .strip_prefix("nextval('")?
        .strip_suffix("'::regclass)")?;
    let parts = pg::split_qualified(&inner.replace("''", "'"));
    match parts.as_slice() {
        [name] => Some(QualifiedName::new("public", name.clone())),
        [ns, name] => Some(QualifiedName::new(ns.clone(), name.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_literals() {
        assert_eq!(text_array("{a,b}"), vec!["a", "b"]);
        assert_eq!(
            text_array(r#"{"a b","c\"d",NULL,"NULL"}"#),
            vec!["a b", "c\"d", "NULL"]
        );
        assert!(text_array("{}").is_empty());
    }

    #[test]
    fn outer_parens() {
        assert_eq!(strip_outer_parens("(a > 0)"), "a > 0");
        assert_eq!(
            strip_outer_parens("(a > 0) AND (b > 0)"),
            "(a > 0) AND (b > 0)"
        );
        assert_eq!(strip_outer_parens("(a = ')')"), "a = ')'");
    }

    #[test]
    fn null_defaults_are_no_default() {
        assert!(is_null_default(&expr("NULL::character varying")));
        assert!(is_null_default(&expr("NULL")));
        assert!(!is_null_default(&expr("'NULL'::text")));
    }

    #[test]
    fn nextval_defaults() {
        assert_eq!(
            nextval_target("nextval('t_id_seq'::regclass)"),
            Some(QualifiedName::new("public", "t_id_seq"))
        );
        assert_eq!(
            nextval_target("nextval('app.\"T_id_seq\"'::regclass)"),
            Some(QualifiedName::new("app", "T_id_seq"))
        );
        assert_eq!(nextval_target("now()"), None);
    }
}
