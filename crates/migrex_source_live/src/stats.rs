//! Table sizes for the safety analysis of a plan (how long a rewrite or a scan takes).
//!
//! PostgreSQL: `pg_class.reltuples` (the planner's estimate) and `pg_total_relation_size`
//! (heap, indexes and TOAST); a partitioned table sums its partitions. MySQL/MariaDB:
//! `information_schema.TABLES.TABLE_ROWS` (an estimate for InnoDB) and `DATA_LENGTH +
//! INDEX_LENGTH`. SQLite: `count(*)`, and the bytes of the table and its indexes from the
//! `dbstat` table when the library has it, else the database's `page_count * page_size` shared
//! out by rows. Estimates of small tables (under 64 MiB) are replaced by an exact `count(*)`,
//! which is cheap there and right for tables statistics have not seen yet.

use crate::{Db, LiveError};
use migrex_dialect::quote_ident;
use migrex_model::{Dialect, QualifiedName};

/// The size of one table. `None`: not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStat {
    pub table: QualifiedName,
    pub rows: Option<u64>,
    pub bytes: Option<u64>,
}

const EXACT_COUNT_BELOW: u64 = 64 * 1024 * 1024;

fn num(cell: &Option<String>) -> Option<f64> {
    cell.as_deref().and_then(|s| s.trim().parse::<f64>().ok())
}

/// Exact counts are asked for this many tables per query (`UNION ALL`): one round trip each
/// instead of one per table.
const COUNTS_PER_QUERY: usize = 100;

impl Db {
    /// Rows and bytes of every table of the connected database.
    pub fn table_stats(&mut self) -> Result<Vec<TableStat>, LiveError> {
        self.stats(None)
    }

    /// `table_stats` of the tables named only (those that exist); cheaper on a large database:
    /// PostgreSQL's sizes open every table they measure.
    pub fn table_stats_of(
        &mut self,
        tables: &[QualifiedName],
    ) -> Result<Vec<TableStat>, LiveError> {
        self.stats(Some(tables))
    }

    fn stats(&mut self, only: Option<&[QualifiedName]>) -> Result<Vec<TableStat>, LiveError> {
        let dialect = self.dialect();
        let mut out = match dialect {
            Dialect::Postgres => self.pg_stats(only)?,
            Dialect::Mysql => self.mysql_stats()?,
            Dialect::Sqlite => self.sqlite_stats()?,
        };
        if let Some(only) = only {
            out.retain(|s| only.contains(&s.table));
        }
        if dialect == Dialect::Sqlite {
            return Ok(out);
        }
        let small: Vec<usize> = (0..out.len())
            .filter(|&i| out[i].bytes.is_some_and(|b| b < EXACT_COUNT_BELOW))
            .collect();
        for chunk in small.chunks(COUNTS_PER_QUERY) {
            let sql = chunk
                .iter()
                .map(|&i| {
                    let t = &out[i].table;
                    let name = if t.namespace.is_empty() {
                        quote_ident(dialect, &t.name)
                    } else {
                        format!(
                            "{}.{}",
                            quote_ident(dialect, &t.namespace),
                            quote_ident(dialect, &t.name)
                        )
                    };
                    format!("SELECT {i}, count(*) FROM {name}")
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            for r in self.query(&sql)? {
                let (Some(i), Some(n)) = (
                    r.first().and_then(num).map(|i| i as usize),
                    r.get(1).and_then(num),
                ) else {
                    continue;
                };
                if let Some(s) = out.get_mut(i) {
                    s.rows = Some(n as u64);
                }
            }
        }
        Ok(out)
    }

    fn pg_stats(&mut self, only: Option<&[QualifiedName]>) -> Result<Vec<TableStat>, LiveError> {
        // The tables named, as two text arrays (`{"a","b"}`) zipped by unnest.
        let array = |f: &dyn Fn(&QualifiedName) -> &str| {
            let items: Vec<String> = only
                .unwrap_or_default()
                .iter()
                .map(|t| format!("\"{}\"", f(t).replace('\\', "\\\\").replace('"', "\\\"")))
                .collect();
            format!("{{{}}}", items.join(","))
        };
        let (namespaces, names) = (array(&|t| &t.namespace), array(&|t| &t.name));
        let (filter, params): (&str, Vec<&str>) = match only {
            Some(_) => (
                "AND (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
                vec![&namespaces, &names],
            ),
            None => ("", Vec::new()),
        };
        let rows = self.query_bind(
            &format!(
                "SELECT n.nspname, c.relname, c.reltuples::float8::text, \
                        CASE WHEN c.relkind = 'p' \
                             THEN (SELECT sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) t)::text \
                             ELSE pg_total_relation_size(c.oid)::text END \
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p', 'm') \
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                   AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
                   {filter} \
                 ORDER BY 1, 2"
            ),
            &params,
        )?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let reltuples = num(&r[2]);
                TableStat {
                    table: QualifiedName::new(
                        r[0].clone().unwrap_or_default(),
                        r[1].clone().unwrap_or_default(),
                    ),
                    // -1 (PostgreSQL 14+) means never analyzed: unknown.
                    rows: reltuples.filter(|n| *n >= 0.0).map(|n| n as u64),
                    bytes: num(&r[3]).map(|n| n as u64),
                }
            })
            .collect())
    }

    fn mysql_stats(&mut self) -> Result<Vec<TableStat>, LiveError> {
        let rows = self.query(
            "SELECT TABLE_NAME, CAST(TABLE_ROWS AS CHAR), CAST(DATA_LENGTH + INDEX_LENGTH AS CHAR) \
             FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        )?;
        Ok(rows
            .into_iter()
            .map(|r| TableStat {
                table: QualifiedName::new("", r[0].clone().unwrap_or_default()),
                rows: num(&r[1]).map(|n| n as u64),
                bytes: num(&r[2]).map(|n| n as u64),
            })
            .collect())
    }

    fn sqlite_stats(&mut self) -> Result<Vec<TableStat>, LiveError> {
        let names: Vec<String> = self
            .query(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            )?
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect();
        let mut out = Vec::new();
        for name in names {
            let q = quote_ident(Dialect::Sqlite, &name);
            let rows = self
                .query(&format!("SELECT count(*) FROM {q}"))?
                .first()
                .and_then(|r| r.first())
                .and_then(num)
                .map(|n| n as u64);
            // dbstat is optional in SQLite builds; an error means it is missing.
            let bytes = self
                .query_bind(
                    "SELECT sum(pgsize) FROM dbstat WHERE name = ?1 \
                     OR name IN (SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ?1)",
                    &[&name],
                )
                .ok()
                .and_then(|r| r.first().and_then(|r| r.first()).and_then(num))
                .map(|n| n as u64);
            out.push(TableStat {
                table: QualifiedName::new("", name),
                rows,
                bytes,
            });
        }
        if out.iter().any(|s| s.bytes.is_none()) {
            let total = self
                .query(
                    "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                )?
                .first()
                .and_then(|r| r.first())
                .and_then(num)
                .unwrap_or(0.0);
            let all_rows: u64 = out.iter().filter_map(|s| s.rows).sum();
            for s in &mut out {
                if s.bytes.is_none() {
                    let share = match (s.rows, all_rows) {
                        (Some(r), n) if n > 0 => r as f64 / n as f64,
                        _ => 0.0,
                    };
                    s.bytes = Some((total * share) as u64);
                }
            }
        }
        Ok(out)
    }
}
