//! View queries as the server prints them back.
//!
//! PostgreSQL keeps a view as a parse tree and prints it in its own form (`pg_get_viewdef`):
//! qualified columns, explicit casts, its own parentheses. A query written by hand in a DDL
//! file rarely reads the same, so comparing the two as text would find a change after every
//! migration. The server itself prints the hand-written query: each is created as a temporary
//! view, printed and dropped, inside one transaction that is rolled back.

use crate::{Db, LiveError};
use migrex_dialect::quote_ident;
use migrex_model::Dialect;

/// A query to print: its explicit column names (`CREATE VIEW v (a, b)`) and its text.
pub struct ViewQuery<'a> {
    pub columns: &'a [String],
    pub query: &'a str,
}

impl Db {
    /// Each query as this server prints it as a view's definition; `None` for one the server
    /// cannot create here (an object it reads is missing or different) and for all of them on a
    /// server that allows no temporary view (a read-only standby, no TEMPORARY privilege).
    /// Nothing is left behind: the transaction is rolled back.
    pub fn reprint_view_queries(
        &mut self,
        queries: &[ViewQuery],
    ) -> Result<Vec<Option<String>>, LiveError> {
        if self.dialect() != Dialect::Postgres || queries.is_empty() {
            return Ok(vec![None; queries.len()]);
        }
        self.execute("BEGIN")?;
        let out = self.reprint_in_transaction(queries);
        let end = self.execute("ROLLBACK");
        let out = out?;
        end?;
        Ok(out)
    }

    fn reprint_in_transaction(
        &mut self,
        queries: &[ViewQuery],
    ) -> Result<Vec<Option<String>>, LiveError> {
        let mut out = Vec::with_capacity(queries.len());
        for (i, q) in queries.iter().enumerate() {
            self.execute("SAVEPOINT migrex_reprint")?;
            let name = format!("pg_temp.migrex_reprint_{i}");
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
            // Sent as a prepared statement: the server takes exactly one statement, so a query
            // text cannot carry another one.
            let create = format!("CREATE TEMPORARY VIEW {name}{columns} AS {}", q.query);
            let printed = match self.query(&create) {
                Ok(_) => self
                    .query_bind("SELECT pg_get_viewdef($1::regclass, true)", &[&name])?
                    .into_iter()
                    .next()
                    .and_then(|r| r.into_iter().next().flatten()),
                Err(_) => None,
            };
            self.execute("ROLLBACK TO SAVEPOINT migrex_reprint")?;
            out.push(printed);
        }
        Ok(out)
    }
}
