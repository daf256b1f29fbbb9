//! View queries and column defaults as the server prints them back.
//!
//! PostgreSQL keeps a view or a default as a parse tree and prints it in its own form
//! (`pg_get_viewdef`, `pg_get_expr`): qualified columns, explicit casts, its own parentheses,
//! `interval '90' minute` as `'01:30:00'::interval`. Text written by hand in a DDL file rarely
//! reads the same, so comparing the two as text would find a change after every migration. The
//! server itself prints the hand-written text: each is created as a temporary view or table,
//! printed and dropped, inside one transaction that is rolled back.

use crate::{Db, LiveError};
use migrex_dialect::quote_ident;
use migrex_model::Dialect;

/// A query to print: its explicit column names (`CREATE VIEW v (a, b)`) and its text.
pub struct ViewQuery<'a> {
    pub columns: &'a [String],
    pub query: &'a str,
}

/// An index to print: its table (as SQL), its parts as written (expressions and quoted
/// columns), its access method and predicate.
pub struct IndexExprs<'a> {
    pub table: &'a str,
    pub parts: Vec<String>,
    pub method: Option<&'a str>,
    pub predicate: Option<&'a str>,
}

/// An index as the server printed it: per part its expression (`None` for a column), and its
/// predicate; both without the parentheses around them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedIndex {
    pub parts: Vec<Option<String>>,
    pub predicate: Option<String>,
}

/// The first cell of each printed row.
fn first_cells(rows: Vec<Option<Vec<Option<String>>>>) -> Vec<Option<String>> {
    rows.into_iter()
        .map(|r| r.and_then(|r| r.into_iter().next().flatten()))
        .collect()
}

/// A column default to print: the column's type and the default's text.
pub struct DefaultExpr<'a> {
    pub ty: &'a str,
    pub default: &'a str,
}

impl Db {
    /// Each query as this server prints it as a view's definition; `None` for one the server
    /// cannot create here (an object it reads is missing or different) and for all of them on a
    /// server that allows no temporary object (a read-only standby, no TEMPORARY privilege).
    /// Nothing is left behind: the transaction is rolled back.
    pub fn reprint_view_queries(
        &mut self,
        queries: &[ViewQuery],
    ) -> Result<Vec<Option<String>>, LiveError> {
        let creates = queries
            .iter()
            .map(|q| {
                let columns = if q.columns.is_empty() {
                    String::new()
                } else {
                    let names: Vec<String> = q
                        .columns
                        .iter()
                        .map(|c| quote_ident(Dialect::Postgres, c))
                        .collect();
                    format!(" ({})", names.join(", "))
                };
                vec![format!(
                    "CREATE TEMPORARY VIEW {{name}}{columns} AS {}",
                    q.query
                )]
            })
            .collect();
        Ok(first_cells(self.reprint(
            creates,
            "SELECT pg_get_viewdef($1::regclass, true)",
        )?))
    }

    /// Each default as this server prints it for a column of its type (as the reader reads
    /// defaults: `pg_get_expr` without the table); `None` as for `reprint_view_queries`.
    pub fn reprint_column_defaults(
        &mut self,
        defaults: &[DefaultExpr],
    ) -> Result<Vec<Option<String>>, LiveError> {
        let creates = defaults
            .iter()
            .map(|d| {
                vec![format!(
                    "CREATE TEMPORARY TABLE {{name}} (c {} DEFAULT {})",
                    d.ty, d.default
                )]
            })
            .collect();
        Ok(first_cells(self.reprint(
            creates,
            "SELECT pg_get_expr(d.adbin, 0) FROM pg_attrdef d WHERE d.adrelid = $1::regclass",
        )?))
    }

    /// Each index's expressions and predicate as this server prints them, built on an empty
    /// copy of its table (`LIKE`): per part, the printed expression (`None` for a column), and
    /// the predicate; `None` as for `reprint_view_queries`.
    pub fn reprint_index_expressions(
        &mut self,
        indexes: &[IndexExprs],
    ) -> Result<Vec<Option<PrintedIndex>>, LiveError> {
        let creates = indexes
            .iter()
            .map(|ix| {
                let method = ix
                    .method
                    .map(|m| format!(" USING {}", quote_ident(Dialect::Postgres, m)))
                    .unwrap_or_default();
                let predicate = ix
                    .predicate
                    .map(|p| format!(" WHERE {p}"))
                    .unwrap_or_default();
                vec![
                    format!("CREATE TEMPORARY TABLE {{name}} (LIKE {})", ix.table),
                    format!(
                        "CREATE INDEX ON {{name}}{method} ({}){predicate}",
                        ix.parts.join(", ")
                    ),
                ]
            })
            .collect();
        let rows = self.reprint(
            creates,
            "SELECT (SELECT string_agg(CASE WHEN i.indkey[k.n - 1] = 0 \
                                            THEN pg_get_indexdef(i.indexrelid, k.n, true) \
                                            ELSE '' END, E'\\x1f' ORDER BY k.n) \
                     FROM generate_series(1, i.indnkeyatts) k(n)), \
                    pg_get_expr(i.indpred, i.indrelid) \
             FROM pg_index i WHERE i.indrelid = $1::regclass",
        )?;
        Ok(rows
            .into_iter()
            .zip(indexes)
            .map(|(row, ix)| {
                let row = row?;
                let parts: Vec<Option<String>> = row
                    .first()
                    .cloned()
                    .flatten()?
                    .split('\u{1f}')
                    .map(|p| (!p.is_empty()).then(|| super::strip_outer_parens(p).to_string()))
                    .collect();
                (parts.len() == ix.parts.len()).then(|| PrintedIndex {
                    parts,
                    predicate: row
                        .get(1)
                        .cloned()
                        .flatten()
                        .map(|p| super::strip_outer_parens(&p).to_string()),
                })
            })
            .collect())
    }

    /// Runs each probe's statements (`{name}` replaced by a temporary object's name) and then
    /// `print` (`$1` bound to that name), in a transaction that is rolled back: per probe, the
    /// first row printed, `None` where a statement failed.
    fn reprint(
        &mut self,
        creates: Vec<Vec<String>>,
        print: &str,
    ) -> Result<Vec<Option<Vec<Option<String>>>>, LiveError> {
        if self.dialect() != Dialect::Postgres || creates.is_empty() {
            return Ok(vec![None; creates.len()]);
        }
        // A table another session holds locked (a migration running) makes its probe give up
        // after a moment instead of waiting: that text is then compared as written.
        self.execute("BEGIN; SET LOCAL lock_timeout = '2s'")?;
        let out = self.reprint_in_transaction(&creates, print);
        let end = self.execute("ROLLBACK");
        let out = out?;
        end?;
        Ok(out)
    }

    fn reprint_in_transaction(
        &mut self,
        creates: &[Vec<String>],
        print: &str,
    ) -> Result<Vec<Option<Vec<Option<String>>>>, LiveError> {
        let mut out = Vec::with_capacity(creates.len());
        for (i, statements) in creates.iter().enumerate() {
            self.execute("SAVEPOINT migrex_reprint")?;
            let name = format!("pg_temp.migrex_reprint_{i}");
            // Each sent as a prepared statement: the server takes exactly one statement, so the
            // text of a query or an expression cannot carry another one.
            let created = statements
                .iter()
                .all(|st| self.query(&st.replacen("{name}", &name, 1)).is_ok());
            let printed = if created {
                self.query_bind(print, &[&name])?.into_iter().next()
            } else {
                None
            };
            self.execute("ROLLBACK TO SAVEPOINT migrex_reprint")?;
            out.push(printed);
        }
        Ok(out)
    }
}
