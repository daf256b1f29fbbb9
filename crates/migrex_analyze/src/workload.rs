//! Index advice from a query workload.
//!
//! Each query (a file of SQL, or `pg_stat_statements` with call counts) is parsed with
//! sqlparser; per table it gives the columns compared with `=`/`IN` (equality), with `<`, `>`,
//! `BETWEEN`, `LIKE 'prefix%'` (range), used in joins and in ORDER BY. A query's candidate
//! index puts equality and join columns first (any order serves them; the schema's column order
//! keeps it stable), then one range column, then the sort columns when no range column comes
//! before them (a btree serves a sort only after equality columns). Candidates that are a
//! prefix of another merge into it; candidates an existing index (or key) already serves are
//! dropped. What is left is advice, weighted by how many executions it would serve.

use migrex_dialect::{qualified, quote_ident, quote_list};
use migrex_model::{Dialect, Index, IndexKey, IndexPart, QualifiedName, Schema, Table};
use serde::Serialize;
use sqlparser::ast::{
    BinaryOperator, Expr, FromTable, JoinConstraint, JoinOperator, OrderByKind, Query, Select,
    SetExpr, Statement, TableFactor, TableWithJoins,
};
use sqlparser::parser::Parser;
use std::collections::{BTreeMap, HashMap};

/// One query of the workload and how often it runs.
#[derive(Debug, Clone)]
pub struct WorkloadQuery {
    pub sql: String,
    pub calls: u64,
}

/// A proposed index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexAdvice {
    pub table: QualifiedName,
    pub name: String,
    pub columns: Vec<String>,
    /// Executions of the workload this index serves.
    pub calls: u64,
    /// Queries it serves (by position in the workload, 1-based).
    pub queries: Vec<usize>,
    pub reason: String,
    /// The online statement that builds it.
    pub sql: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkloadReport {
    pub queries: usize,
    pub advice: Vec<IndexAdvice>,
    /// Queries that could not be read: (position, reason).
    pub unparsed: Vec<(usize, String)>,
}

/// Splits a workload file into queries (`;`-separated; `-- calls: N` before a query weights
/// it).
pub fn parse_workload(text: &str) -> Vec<WorkloadQuery> {
    let mut out = Vec::new();
    let mut calls = 1u64;
    let mut current = String::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some(n) = t
            .strip_prefix("-- calls:")
            .and_then(|n| n.trim().parse().ok())
        {
            calls = n;
            continue;
        }
        if t.starts_with("--") || t.is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if t.ends_with(';') {
            out.push(WorkloadQuery {
                sql: std::mem::take(&mut current),
                calls,
            });
            calls = 1;
        }
    }
    if !current.trim().is_empty() {
        out.push(WorkloadQuery {
            sql: current,
            calls,
        });
    }
    out
}

/// How one query uses one table's columns.
#[derive(Debug, Default, Clone)]
struct Use {
    eq: Vec<String>,
    range: Vec<String>,
    order: Vec<String>,
    /// Columns compared with another table's column: each is looked up on its own when the
    /// join reaches this table.
    join: Vec<String>,
}

impl Use {
    fn add(list: &mut Vec<String>, c: &str) {
        if !list.iter().any(|x| x == c) {
            list.push(c.to_string());
        }
    }
}

/// The tables of one SELECT/UPDATE/DELETE: alias (or name) → table.
struct Scope<'a> {
    schema: &'a Schema,
    tables: Vec<(String, QualifiedName)>,
    uses: BTreeMap<QualifiedName, Use>,
}

enum Side {
    Column(QualifiedName, String),
    Constant,
    Other,
}

impl<'a> Scope<'a> {
    fn table_of(&self, qualifier: Option<&str>, column: &str) -> Option<(QualifiedName, String)> {
        let find_col = |t: &Table| {
            t.columns
                .keys()
                .find(|c| c.eq_ignore_ascii_case(column))
                .cloned()
        };
        let candidates: Vec<&QualifiedName> = match qualifier {
            Some(q) => self
                .tables
                .iter()
                .filter(|(a, _)| a.eq_ignore_ascii_case(q))
                .map(|(_, t)| t)
                .collect(),
            None => self.tables.iter().map(|(_, t)| t).collect(),
        };
        for q in candidates {
            if let Some(t) = self.schema.table(q)
                && let Some(c) = find_col(t)
            {
                return Some((q.clone(), c));
            }
        }
        None
    }

    fn side(&self, e: &Expr) -> Side {
        match e {
            Expr::Identifier(i) => self
                .table_of(None, &i.value)
                .map_or(Side::Other, |(t, c)| Side::Column(t, c)),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let col = &parts[parts.len() - 1].value;
                let q = &parts[parts.len() - 2].value;
                self.table_of(Some(q), col)
                    .map_or(Side::Other, |(t, c)| Side::Column(t, c))
            }
            Expr::Nested(e) => self.side(e),
            // No column inside: a constant for the query (`now() - interval '7 days'`, `$1`).
            e if !has_column(e) => Side::Constant,
            _ => Side::Other,
        }
    }

    fn mark(&mut self, table: QualifiedName, col: String, kind: u8) {
        let u = self.uses.entry(table).or_default();
        match kind {
            0 => Use::add(&mut u.eq, &col),
            1 => Use::add(&mut u.range, &col),
            2 => Use::add(&mut u.order, &col),
            _ => Use::add(&mut u.join, &col),
        }
    }

    /// Walks the AND-ed conditions of a WHERE or ON clause.
    fn predicate(&mut self, e: &Expr) {
        match e {
            Expr::BinaryOp { left, op, right } => {
                match op {
                    BinaryOperator::And => {
                        self.predicate(left);
                        self.predicate(right);
                    }
                    BinaryOperator::Eq => match (self.side(left), self.side(right)) {
                        (Side::Column(t, c), Side::Constant)
                        | (Side::Constant, Side::Column(t, c)) => self.mark(t, c, 0),
                        // A join: both sides are looked up by their column.
                        (Side::Column(t1, c1), Side::Column(t2, c2)) => {
                            self.mark(t1, c1, 3);
                            self.mark(t2, c2, 3);
                        }
                        _ => {}
                    },
                    BinaryOperator::Lt
                    | BinaryOperator::LtEq
                    | BinaryOperator::Gt
                    | BinaryOperator::GtEq => match (self.side(left), self.side(right)) {
                        (Side::Column(t, c), Side::Constant)
                        | (Side::Constant, Side::Column(t, c)) => self.mark(t, c, 1),
                        _ => {}
                    },
                    _ => {}
                }
            }
            Expr::Nested(e) => self.predicate(e),
            Expr::InList {
                expr,
                negated: false,
                ..
            } => {
                if let Side::Column(t, c) = self.side(expr) {
                    self.mark(t, c, 0)
                }
            }
            Expr::InSubquery {
                expr,
                negated: false,
                subquery,
            } => {
                if let Side::Column(t, c) = self.side(expr) {
                    self.mark(t, c, 0)
                }
                self.nested_query(subquery);
            }
            Expr::Between {
                expr,
                negated: false,
                ..
            } => {
                if let Side::Column(t, c) = self.side(expr) {
                    self.mark(t, c, 1)
                }
            }
            Expr::Like {
                expr,
                pattern,
                negated: false,
                ..
            } => {
                let prefix = matches!(&**pattern, Expr::Value(v) if v.to_string().trim_matches('\'').chars().next().is_some_and(|c| c != '%' && c != '_'));
                if prefix && let Side::Column(t, c) = self.side(expr) {
                    self.mark(t, c, 1)
                }
            }
            Expr::IsNull(e) => {
                if let Side::Column(t, c) = self.side(e) {
                    self.mark(t, c, 0)
                }
            }
            Expr::Exists { subquery, .. } => self.nested_query(subquery),
            _ => {}
        }
    }

    fn nested_query(&mut self, q: &Query) {
        let mut inner = Scope {
            schema: self.schema,
            tables: self.tables.clone(),
            uses: BTreeMap::new(),
        };
        inner.query(q);
        for (t, u) in inner.uses {
            let e = self.uses.entry(t).or_default();
            for c in u.eq {
                Use::add(&mut e.eq, &c);
            }
            for c in u.range {
                Use::add(&mut e.range, &c);
            }
            for c in u.join {
                Use::add(&mut e.join, &c);
            }
        }
    }

    fn relation(&mut self, f: &TableFactor) {
        match f {
            TableFactor::Table { name, alias, .. } => {
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                    .collect();
                let q = match parts.as_slice() {
                    [t] => self.resolve(None, t),
                    [s, t] => self.resolve(Some(s), t),
                    _ => None,
                };
                if let Some(q) = q {
                    let a = alias
                        .as_ref()
                        .map_or(q.name.clone(), |a| a.name.value.clone());
                    self.tables.push((a, q.clone()));
                    if alias.is_some() {
                        self.tables.push((q.name.clone(), q));
                    }
                }
            }
            TableFactor::Derived { subquery, .. } => self.nested_query(subquery),
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.from(std::slice::from_ref(table_with_joins)),
            _ => {}
        }
    }

    fn resolve(&self, ns: Option<&str>, name: &str) -> Option<QualifiedName> {
        self.schema
            .tables()
            .map(|(q, _)| q)
            .filter(|q| q.name.eq_ignore_ascii_case(name))
            .find(|q| ns.is_none_or(|n| q.namespace.eq_ignore_ascii_case(n)))
    }

    fn from(&mut self, from: &[TableWithJoins]) {
        for twj in from {
            self.relation(&twj.relation);
            for j in &twj.joins {
                self.relation(&j.relation);
            }
        }
        for twj in from {
            for j in &twj.joins {
                let c = match &j.join_operator {
                    JoinOperator::Join(c)
                    | JoinOperator::Inner(c)
                    | JoinOperator::Left(c)
                    | JoinOperator::LeftOuter(c)
                    | JoinOperator::Right(c)
                    | JoinOperator::RightOuter(c)
                    | JoinOperator::FullOuter(c) => Some(c),
                    _ => None,
                };
                if let Some(JoinConstraint::On(e)) = c {
                    self.predicate(e);
                }
            }
        }
    }

    fn select(&mut self, s: &Select) {
        self.from(&s.from);
        if let Some(w) = &s.selection {
            self.predicate(w);
        }
    }

    fn query(&mut self, q: &Query) {
        if let SetExpr::Select(s) = &*q.body {
            self.select(s);
        }
        if let Some(ob) = &q.order_by
            && let OrderByKind::Expressions(list) = &ob.kind
        {
            for o in list {
                if let Side::Column(t, c) = self.side(&o.expr) {
                    self.mark(t, c, 2);
                }
            }
        }
    }
}

/// True when an expression refers to a column (an uncorrelated subquery counts as constant).
fn has_column(e: &Expr) -> bool {
    use std::ops::ControlFlow;
    let flow = sqlparser::ast::visit_expressions(e, |x| match x {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    flow.is_break() && !matches!(e, Expr::Subquery(_))
}

/// True when `index` (its leading plain columns) serves `want` (equality set first, in any
/// order, then the rest in order).
fn serves(index: &[String], eq_len: usize, want: &[String]) -> bool {
    if index.len() < want.len() {
        return false;
    }
    let (ie, ir) = index.split_at(eq_len.min(want.len()));
    let (we, wr) = want.split_at(eq_len.min(want.len()));
    let mut a: Vec<&String> = ie.iter().collect();
    let mut b: Vec<&String> = we.iter().collect();
    a.sort();
    b.sort();
    a == b && ir.iter().zip(wr).all(|(x, y)| x == y)
}

fn existing(t: &Table) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    if let Some(pk) = &t.primary_key {
        out.push(pk.columns.clone());
    }
    for u in &t.uniques {
        out.push(u.columns.clone());
    }
    for i in t.indexes.iter().filter(|i| i.predicate.is_none()) {
        out.push(
            i.parts
                .iter()
                .map_while(|p| match &p.key {
                    IndexKey::Column(c) => Some(c.clone()),
                    IndexKey::Expr(_) => None,
                })
                .collect(),
        );
    }
    out
}

/// A candidate index: table, columns, how many lead with equality, executions, queries.
type Candidate = (QualifiedName, Vec<String>, usize, u64, Vec<usize>);

/// The index advice for a workload.
pub fn advise(schema: &Schema, workload: &[WorkloadQuery]) -> WorkloadReport {
    let d = migrex_dialect::parser_dialect(schema.dialect);
    let mut report = WorkloadReport {
        queries: workload.len(),
        ..Default::default()
    };
    // (table, columns, eq_len) → (calls, queries)
    let mut cands: Vec<Candidate> = Vec::new();
    for (n, q) in workload.iter().enumerate() {
        let stmts = match Parser::parse_sql(d.as_ref(), &q.sql) {
            Ok(s) => s,
            Err(e) => {
                report.unparsed.push((n + 1, e.to_string()));
                continue;
            }
        };
        for st in stmts {
            let mut scope = Scope {
                schema,
                tables: Vec::new(),
                uses: BTreeMap::new(),
            };
            match &st {
                Statement::Query(q) => scope.query(q),
                Statement::Update(u) => {
                    scope.from(std::slice::from_ref(&u.table));
                    if let Some(w) = &u.selection {
                        scope.predicate(w);
                    }
                }
                Statement::Delete(del) => {
                    let (FromTable::WithFromKeyword(f) | FromTable::WithoutKeyword(f)) = &del.from;
                    scope.from(f);
                    if let Some(w) = &del.selection {
                        scope.predicate(w);
                    }
                }
                _ => continue,
            }
            for (table, u) in scope.uses {
                let Some(t) = schema.table(&table) else {
                    continue;
                };
                let order_of = |c: &String| t.columns.get_index_of(c).unwrap_or(usize::MAX);
                let mut eq = u.eq.clone();
                eq.sort_by_key(order_of);
                let mut cols = eq.clone();
                let range = u.range.iter().find(|c| !eq.contains(c));
                if let Some(r) = range {
                    cols.push(r.clone());
                }
                if range.is_none() || u.order.first() == range {
                    for o in &u.order {
                        if !cols.contains(o) {
                            cols.push(o.clone());
                        }
                    }
                }
                cols.truncate(4);
                let mut found: Vec<(Vec<String>, usize)> = Vec::new();
                // Equality on a whole unique key finds at most one row through that key's
                // index: nothing to add.
                let pinned = crate::relationships::unique_sets(t)
                    .iter()
                    .any(|k| !k.is_empty() && k.iter().all(|c| eq.contains(c)));
                if !cols.is_empty() && !pinned {
                    found.push((cols.clone(), eq.len().min(cols.len())));
                }
                for j in &u.join {
                    if cols.first() != Some(j) {
                        found.push((vec![j.clone()], 1));
                    }
                }
                for (cols, eq_len) in found {
                    match cands.iter_mut().find(|c| c.0 == table && c.1 == cols) {
                        Some(c) => {
                            c.3 += q.calls;
                            if !c.4.contains(&(n + 1)) {
                                c.4.push(n + 1);
                            }
                        }
                        None => cands.push((table.clone(), cols, eq_len, q.calls, vec![n + 1])),
                    }
                }
            }
        }
    }
    // A candidate served by a longer one merges into it.
    cands.sort_by_key(|c| std::cmp::Reverse(c.1.len()));
    let mut merged: Vec<Candidate> = Vec::new();
    for c in cands {
        if let Some(m) = merged
            .iter_mut()
            .find(|m| m.0 == c.0 && serves(&m.1, c.2.min(m.2), &c.1))
        {
            m.3 += c.3;
            m.4.extend(c.4);
            continue;
        }
        merged.push(c);
    }
    let dialect = schema.dialect;
    let mut names: HashMap<QualifiedName, usize> = HashMap::new();
    for (table, cols, eq_len, calls, mut queries) in merged {
        let Some(t) = schema.table(&table) else {
            continue;
        };
        if existing(t).iter().any(|ix| serves(ix, eq_len, &cols)) {
            continue;
        }
        queries.sort();
        queries.dedup();
        let n = names.entry(table.clone()).or_default();
        *n += 1;
        let name = truncate(&format!("{}_{}_idx", table.name, cols.join("_")));
        let reason = format!(
            "{} equality/join column(s){}{} in {} of the workload's queries ({} executions)",
            eq_len,
            if cols.len() > eq_len { ", then " } else { "" },
            if cols.len() > eq_len {
                cols[eq_len..].join(", ")
            } else {
                String::new()
            },
            queries.len(),
            calls
        );
        let sql = create_sql(dialect, &table, &name, &cols);
        report.advice.push(IndexAdvice {
            table,
            name,
            columns: cols,
            calls,
            queries,
            reason,
            sql,
        });
    }
    report
        .advice
        .sort_by(|a, b| b.calls.cmp(&a.calls).then(a.name.cmp(&b.name)));
    report
}

fn truncate(name: &str) -> String {
    if name.len() <= 63 {
        name.to_string()
    } else {
        name[..name.floor_char_boundary(63)].to_string()
    }
}

fn create_sql(d: Dialect, table: &QualifiedName, name: &str, cols: &[String]) -> String {
    match d {
        Dialect::Postgres => format!(
            "CREATE INDEX CONCURRENTLY {} ON {} ({})",
            quote_ident(d, name),
            qualified(d, table),
            quote_list(d, cols)
        ),
        Dialect::Mysql => format!(
            "ALTER TABLE {} ADD INDEX {} ({}), ALGORITHM=INPLACE, LOCK=NONE",
            qualified(d, table),
            quote_ident(d, name),
            quote_list(d, cols)
        ),
        Dialect::Sqlite => format!(
            "CREATE INDEX {} ON {} ({})",
            quote_ident(d, name),
            qualified(d, table),
            quote_list(d, cols)
        ),
    }
}

/// The schema with the advised indexes added: the TO of a `diff --online` that builds them.
pub fn with_advice(schema: &Schema, report: &WorkloadReport) -> Schema {
    let mut s = schema.clone();
    for a in &report.advice {
        if let Some(t) = s.table_mut(&a.table) {
            t.indexes.push(Index {
                name: a.name.clone(),
                unique: false,
                parts: a.columns.iter().cloned().map(IndexPart::column).collect(),
                method: None,
                include: Vec::new(),
                predicate: None,
                nulls_not_distinct: false,
                comment: None,
            });
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Schema {
        migrex_source_sql::parse(
            "CREATE TABLE customers (id int PRIMARY KEY, email text, country text, created_at timestamptz);\n\
             CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, status text, total numeric, created_at timestamptz);\n\
             CREATE INDEX orders_status ON orders (status);",
            Dialect::Postgres,
            "s.sql",
        )
        .expect("parses")
        .schema
    }

    fn advice(sql: &str) -> Vec<(String, Vec<String>, u64)> {
        advise(&schema(), &parse_workload(sql))
            .advice
            .into_iter()
            .map(|a| (a.table.name, a.columns, a.calls))
            .collect()
    }

    #[test]
    fn equality_then_range_then_sort() {
        let a = advice(
            "-- calls: 100\nSELECT * FROM orders o WHERE o.customer_id = $1 AND o.created_at > now() - interval '7 days' ORDER BY o.created_at;\n\
             -- calls: 10\nSELECT * FROM orders WHERE customer_id = 5;\n\
             SELECT * FROM customers WHERE lower(email) = 'x';\n",
        );
        // The second query is served by the first's index: one index, 110 executions.
        assert_eq!(
            a,
            vec![(
                "orders".into(),
                vec!["customer_id".into(), "created_at".into()],
                110
            )]
        );
    }

    #[test]
    fn joins_and_existing_indexes() {
        let a = advice(
            "SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.country = 'NL';\n\
             SELECT * FROM orders WHERE status = 'open';\n\
             SELECT * FROM orders WHERE id = 3;\n\
             DELETE FROM orders WHERE created_at < '2020-01-01';\n",
        );
        // customers.id is the primary key and orders.status has an index: no advice for them.
        assert_eq!(
            a,
            vec![
                ("customers".to_string(), vec!["country".to_string()], 1),
                ("orders".to_string(), vec!["created_at".to_string()], 1),
                ("orders".to_string(), vec!["customer_id".to_string()], 1),
            ]
        );
    }

    #[test]
    fn a_unique_key_in_the_equalities_needs_nothing_more() {
        let a = advice(
            "SELECT * FROM customers WHERE id = $1 AND email > 'a';\nSELECT * FROM orders WHERE id = 2 ORDER BY created_at;\n",
        );
        assert!(a.is_empty(), "{a:?}");
    }

    #[test]
    fn unparsable_queries_are_listed() {
        let r = advise(
            &schema(),
            &parse_workload("SELEC nonsense;\nSELECT * FROM orders WHERE total > 10;\n"),
        );
        assert_eq!(r.unparsed.len(), 1);
        assert_eq!(r.unparsed[0].0, 1);
        assert_eq!(r.advice.len(), 1);
    }
}

#[cfg(test)]
mod digest_tests {
    use super::*;

    /// Statement digests as MySQL/MariaDB's performance_schema records them: identifiers in
    /// backticks, literals replaced by `?`.
    #[test]
    fn performance_schema_digests_are_advised() {
        let schema = migrex_source_sql::parse(
            "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status varchar(20), created_at datetime);",
            Dialect::Mysql,
            "s.sql",
        )
        .expect("parses")
        .schema;
        let workload = vec![
            WorkloadQuery {
                sql: "SELECT * FROM `orders` WHERE `customer_id` = ? ORDER BY `created_at` DESC LIMIT ?".into(),
                calls: 40,
            },
            WorkloadQuery {
                sql: "UPDATE `orders` SET `status` = ? WHERE `customer_id` = ? AND `status` IN (...)".into(),
                calls: 2,
            },
        ];
        let r = advise(&schema, &workload);
        let got: Vec<(String, Vec<String>)> = r
            .advice
            .iter()
            .map(|a| (a.table.name.clone(), a.columns.clone()))
            .collect();
        assert_eq!(
            got[0],
            (
                "orders".to_string(),
                vec!["customer_id".to_string(), "created_at".to_string()]
            ),
            "{got:?} unparsed: {:?}",
            r.unparsed
        );
    }
}
