//! Measuring index advice on a live PostgreSQL database: the planner's estimated cost of each
//! workload query before and after the advised indexes exist.
//!
//! With the `hypopg` extension the indexes are hypothetical (nothing is built, nothing is
//! locked: safe on production). Without it, and only when the caller allows it (a scratch copy,
//! a test database), the indexes are built for real inside a transaction that is rolled back;
//! building takes a SHARE lock on each table, which blocks its writers meanwhile.

use crate::Error;
use migrex_analyze::workload::{WorkloadQuery, WorkloadReport};
use migrex_dialect::{qualified, quote_ident, quote_list};
use migrex_model::Dialect;
use migrex_source_live::Db;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct QueryCost {
    /// 1-based position in the workload.
    pub query: usize,
    pub before: f64,
    pub after: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdviceMeasurement {
    /// `hypothetical (hypopg)` or `real indexes in a rolled-back transaction`.
    pub method: String,
    pub costs: Vec<QueryCost>,
    /// Queries the planner would not explain, with its reason.
    pub skipped: Vec<(usize, String)>,
}

impl AdviceMeasurement {
    pub fn total_before(&self) -> f64 {
        self.costs.iter().map(|c| c.before).sum()
    }
    pub fn total_after(&self) -> f64 {
        self.costs.iter().map(|c| c.after).sum()
    }
}

/// The highest `$n` placeholder of a query.
fn params(sql: &str) -> usize {
    let b = sql.as_bytes();
    let mut max = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > start
                && let Ok(n) = sql[start..j].parse::<usize>()
            {
                max = max.max(n);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    max
}

/// The planner's total cost estimate (`cost=a..b` of the plan's top node). Queries with `$n`
/// parameters (as pg_stat_statements stores them) are planned generically.
fn cost(db: &mut Db, sql: &str) -> Result<f64, String> {
    let sql = sql.trim().trim_end_matches(';');
    let n = params(sql);
    let explain = if n == 0 {
        format!("EXPLAIN {sql}")
    } else {
        db.execute("SET plan_cache_mode = force_generic_plan")
            .map_err(|e| e.to_string())?;
        // Only our own statement (the driver keeps its own on this session), and only when it
        // exists: a failing statement would abort the transaction of the real-index method.
        let left = db
            .query("SELECT 1 FROM pg_prepared_statements WHERE name = 'migrex_advice_q'")
            .map_err(|e| e.to_string())?;
        if !left.is_empty() {
            db.execute("DEALLOCATE migrex_advice_q")
                .map_err(|e| e.to_string())?;
        }
        db.execute(&format!("PREPARE migrex_advice_q AS {sql}"))
            .map_err(|e| e.to_string())?;
        let nulls = vec!["NULL"; n].join(", ");
        format!("EXPLAIN EXECUTE migrex_advice_q({nulls})")
    };
    let rows = db.query(&explain).map_err(|e| e.to_string());
    if n > 0 {
        db.execute("DEALLOCATE migrex_advice_q")
            .map_err(|e| e.to_string())?;
    }
    let rows = rows?;
    let top = rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .ok_or("no plan")?;
    let c = top.split("cost=").nth(1).ok_or("no cost in the plan")?;
    let total = c.split("..").nth(1).ok_or("no total cost")?;
    total
        .split_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| format!("unreadable cost in {top:?}"))
}

/// Estimates each query's cost without and with the advised indexes. `allow_real` permits the
/// rolled-back real-index method when hypopg is not installed.
pub fn measure_advice(
    db: &mut Db,
    workload: &[WorkloadQuery],
    report: &WorkloadReport,
    allow_real: bool,
) -> Result<AdviceMeasurement, Error> {
    if db.dialect() != Dialect::Postgres {
        return Err(Error::Usage(
            "measuring index advice needs PostgreSQL (its planner's cost estimates)".into(),
        ));
    }
    // Only an extension the database already has: measuring must not install anything.
    let hypopg = !db
        .query("SELECT 1 FROM pg_extension WHERE extname = 'hypopg'")?
        .is_empty();
    if !hypopg && !allow_real {
        return Err(Error::Usage(
            "the hypopg extension is not installed in this database (CREATE EXTENSION hypopg; Debian package postgresql-NN-hypopg): without it the advice can only be measured on a scratch copy, with real indexes".into(),
        ));
    }
    let mut before = Vec::new();
    let mut skipped = Vec::new();
    for (i, q) in workload.iter().enumerate() {
        match cost(db, &q.sql) {
            Ok(c) => before.push((i + 1, c)),
            Err(e) => skipped.push((i + 1, e)),
        }
    }
    let d = Dialect::Postgres;
    let method;
    if hypopg {
        method = "hypothetical indexes (hypopg)".to_string();
        for a in &report.advice {
            let create = format!(
                "CREATE INDEX ON {} ({})",
                qualified(d, &a.table),
                quote_list(d, &a.columns)
            );
            db.query_bind("SELECT * FROM hypopg_create_index($1)", &[&create])?;
        }
    } else {
        method = "real indexes in a rolled-back transaction".to_string();
        db.execute("BEGIN")?;
        for a in &report.advice {
            let create = format!(
                "CREATE INDEX {} ON {} ({})",
                quote_ident(d, &a.name),
                qualified(d, &a.table),
                quote_list(d, &a.columns)
            );
            if let Err(e) = db.execute(&create) {
                let _ = db.execute("ROLLBACK");
                return Err(e.into());
            }
        }
    }
    let mut costs = Vec::new();
    for (n, b) in before {
        // Inside the real-index transaction a query the planner rejects must not abort it.
        if !hypopg {
            db.execute("SAVEPOINT migrex_advice_q")?;
        }
        let after = cost(db, &workload[n - 1].sql);
        if !hypopg {
            if after.is_err() {
                db.execute("ROLLBACK TO SAVEPOINT migrex_advice_q")?;
            }
            db.execute("RELEASE SAVEPOINT migrex_advice_q")?;
        }
        match after {
            Ok(after) => costs.push(QueryCost {
                query: n,
                before: b,
                after,
            }),
            Err(e) => skipped.push((n, e)),
        }
    }
    if hypopg {
        let _ = db.query("SELECT hypopg_reset()");
    } else {
        db.execute("ROLLBACK")?;
    }
    let _ = db.execute("RESET plan_cache_mode");
    Ok(AdviceMeasurement {
        method,
        costs,
        skipped,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders() {
        assert_eq!(super::params("SELECT 1"), 0);
        assert_eq!(
            super::params("SELECT * FROM t WHERE a = $1 AND b > $12"),
            12
        );
        assert_eq!(super::params("SELECT '$$' || $2"), 2);
    }
}

/// The workload the server recorded for the current database (the 1,000 statements with the
/// most total execution time): PostgreSQL's `pg_stat_statements`, or MySQL/MariaDB's
/// `performance_schema` statement digests (literals recorded as `?`). `None` when nothing is
/// recorded: the extension is not installed, or `performance_schema` is off (MariaDB's default).
pub fn recorded_workload(db: &mut Db) -> Result<Option<Vec<WorkloadQuery>>, Error> {
    match db.dialect() {
        Dialect::Postgres => {}
        Dialect::Mysql => return recorded_digests(db),
        Dialect::Sqlite => return Ok(None),
    }
    let installed = !db
        .query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")?
        .is_empty();
    if !installed {
        return Ok(None);
    }
    let rows = db.query(
        "SELECT query, calls::text FROM pg_stat_statements \
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND query ~* '^\\s*(select|update|delete|with)' \
         ORDER BY total_exec_time DESC LIMIT 1000",
    )?;
    Ok(Some(
        rows.into_iter()
            .filter_map(|r| {
                let sql = r.first()?.clone()?;
                let calls = r.get(1)?.as_deref()?.parse().unwrap_or(1);
                Some(WorkloadQuery { sql, calls })
            })
            .collect(),
    ))
}

fn recorded_digests(db: &mut Db) -> Result<Option<Vec<WorkloadQuery>>, Error> {
    let on = db
        .query("SELECT CAST(@@performance_schema AS CHAR)")?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("on"));
    if !on {
        return Ok(None);
    }
    let rows = db.query(
        "SELECT DIGEST_TEXT, CAST(COUNT_STAR AS CHAR) \
         FROM performance_schema.events_statements_summary_by_digest \
         WHERE SCHEMA_NAME = DATABASE() AND DIGEST_TEXT IS NOT NULL \
           AND UPPER(LEFT(LTRIM(DIGEST_TEXT), 6)) IN ('SELECT', 'UPDATE', 'DELETE') \
         ORDER BY SUM_TIMER_WAIT DESC LIMIT 1000",
    )?;
    Ok(Some(
        rows.into_iter()
            .filter_map(|r| {
                let sql = r.first()?.clone()?;
                let calls = r.get(1)?.as_deref()?.parse().unwrap_or(1);
                Some(WorkloadQuery { sql, calls })
            })
            .collect(),
    ))
}

/// An index no query has used since the statistics were last reset.
#[derive(Debug, Clone, Serialize)]
pub struct UnusedIndex {
    pub table: migrex_model::QualifiedName,
    pub index: String,
    pub size_bytes: u64,
    /// The statement that drops it without blocking.
    pub sql: String,
}

/// PostgreSQL indexes with `idx_scan = 0` that enforce nothing (not unique, not a key, not
/// behind an exclusion constraint): candidates to drop, biggest first.
pub fn unused_indexes(db: &mut Db) -> Result<Vec<UnusedIndex>, Error> {
    if db.dialect() != Dialect::Postgres {
        return Ok(Vec::new());
    }
    let rows = db.query(
        "SELECT s.schemaname::text, s.relname::text, s.indexrelname::text, pg_relation_size(s.indexrelid)::text \
         FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid \
         WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = s.indexrelid) \
         ORDER BY pg_relation_size(s.indexrelid) DESC, 1, 2, 3",
    )?;
    let d = Dialect::Postgres;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let ns = r.first()?.clone()?;
            let table = r.get(1)?.clone()?;
            let index = r.get(2)?.clone()?;
            let size_bytes = r.get(3)?.as_deref()?.parse().unwrap_or(0);
            let sql = format!(
                "DROP INDEX CONCURRENTLY {}",
                qualified(
                    d,
                    &migrex_model::QualifiedName::new(ns.clone(), index.clone())
                )
            );
            Some(UnusedIndex {
                table: migrex_model::QualifiedName::new(ns, table),
                index,
                size_bytes,
                sql,
            })
        })
        .collect())
}
