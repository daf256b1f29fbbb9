//! SQL of data steps (`Change::Data`): a set-based script a human can run, and the `DataTask`
//! the executor (`migrex_apply::exec`) runs batch by batch.
//!
//! Keyset batches: the executor captures the greatest key at the start (the loop's end, stored in
//! its history so a resumed run ends at the same key), asks for the last key of the next batch,
//! and writes the rows of the key range `(lo, hi]`. Key values are text read from the database
//! and always written back as string literals with the dialect's quoting (the server converts
//! them to the key's type; PostgreSQL resolves an untyped literal to the column's type, so the
//! index is used; MySQL compares an integer column with a string constant numerically and uses
//! the index as well).

use crate::RenderError;
use migrex_dialect::{qualified, quote_ident, quote_string};
use migrex_model::{DataOp, Dialect, QualifiedName};
use serde::{Deserialize, Serialize};

/// The alias `Copy` values and filters use for the source row.
const SRC: &str = "src";

/// What the executor runs for a data step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "snake_case")]
pub enum DataTask {
    /// Batched `UPDATE` over the key ranges of the written table.
    Update(BatchUpdate),
    /// Batched `INSERT ... SELECT` over the key ranges of the source (and `DELETE` of the copied
    /// rows from the source in the same transaction when moving).
    Copy(BatchCopy),
    /// Statements run in one transaction.
    Sql { statements: Vec<String> },
    /// Any row of `query` stops the migration before anything changed.
    Preflight {
        description: String,
        query: String,
        limit: u32,
    },
    /// Count and checksum of `query`, recorded under `name`.
    ProofCapture { name: String, proof: Proof },
    /// Count and checksum of `query`, compared with what `ProofCapture` of `name` recorded.
    ProofCheck { name: String, proof: Proof },
}

impl DataTask {
    pub fn is_batched(&self) -> bool {
        matches!(self, DataTask::Update(_) | DataTask::Copy(_))
    }
}

/// Walks one table's key in ranges of at most `batch_size` rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyset {
    pub dialect: Dialect,
    /// The walked table, qualified and quoted.
    pub table: String,
    /// The alias the table has in the batch statements (`src` for a copy), if any.
    pub alias: Option<String>,
    /// The key columns, quoted.
    pub key: Vec<String>,
    /// Rows outside it are neither written nor counted.
    pub filter: Option<String>,
    pub batch_size: u32,
}

impl Keyset {
    /// The key columns as the batch statements refer to them.
    fn cols(&self) -> Vec<String> {
        match &self.alias {
            Some(a) => self.key.iter().map(|k| format!("{a}.{k}")).collect(),
            None => self.key.clone(),
        }
    }

    fn from(&self) -> String {
        match &self.alias {
            Some(a) => format!("{} AS {a}", self.table),
            None => self.table.clone(),
        }
    }

    fn literal(&self, v: &str) -> String {
        quote_string(self.dialect, v)
    }

    /// `k > lo` (single column, so that MySQL uses the index) or `(a, b) > ('x', 'y')`.
    fn compare(&self, op: &str, values: &[String]) -> String {
        let cols = self.cols();
        if cols.len() == 1 && values.len() == 1 {
            format!("{} {op} {}", cols[0], self.literal(&values[0]))
        } else {
            let v: Vec<String> = values.iter().map(|v| self.literal(v)).collect();
            format!("({}) {op} ({})", cols.join(", "), v.join(", "))
        }
    }

    /// The rows of the range `(lo, hi]` (from the first key when `lo` is `None`) that pass the
    /// filter.
    pub fn range(&self, lo: Option<&[String]>, hi: &[String]) -> String {
        let mut parts = Vec::new();
        if let Some(lo) = lo {
            parts.push(self.compare(">", lo));
        }
        parts.push(self.compare("<=", hi));
        if let Some(f) = &self.filter {
            parts.push(format!("({f})"));
        }
        parts.join(" AND ")
    }

    /// The key columns as text: the executor stores them in its history as JSON strings.
    fn key_text(&self, alias: &str) -> String {
        self.key
            .iter()
            .map(|k| match self.dialect {
                Dialect::Postgres => format!("CAST({alias}.{k} AS text)"),
                _ => format!("{alias}.{k}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn order(&self, alias: &str, desc: bool) -> String {
        self.key
            .iter()
            .map(|k| format!("{alias}.{k}{}", if desc { " DESC" } else { "" }))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The greatest key passing the filter now: the loop's end.
    pub fn top_sql(&self) -> String {
        let a = self.alias.clone().unwrap_or_else(|| "migrex_t".into());
        let filter = self
            .filter
            .as_ref()
            .map_or(String::new(), |f| format!(" WHERE ({f})"));
        format!(
            "SELECT {} FROM {} AS {a}{filter} ORDER BY {} LIMIT 1",
            self.key_text(&a),
            self.table,
            self.order(&a, true)
        )
    }

    /// The last key of the next batch after `lo`, up to `top`; no row when the loop is done.
    pub fn next_sql(&self, lo: Option<&[String]>, top: &[String]) -> String {
        format!(
            "SELECT {} FROM (SELECT {} FROM {} WHERE {} ORDER BY {} LIMIT {}) AS migrex_batch ORDER BY {} LIMIT 1",
            self.key_text("migrex_batch"),
            self.cols().join(", "),
            self.from(),
            self.range(lo, top),
            self.cols().join(", "),
            self.batch_size.max(1),
            self.order("migrex_batch", true)
        )
    }

    /// The number of rows left in `(lo, top]` (the progress total).
    pub fn count_sql(&self, lo: Option<&[String]>, top: &[String]) -> String {
        format!(
            "SELECT COUNT(*) FROM {} WHERE {}",
            self.from(),
            self.range(lo, top)
        )
    }
}

/// A batched `UPDATE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchUpdate {
    pub keyset: Keyset,
    /// `"col" = value, ...`.
    pub set: String,
}

impl BatchUpdate {
    /// The statement of the batch `(lo, hi]`.
    pub fn batch_sql(&self, lo: Option<&[String]>, hi: &[String]) -> Vec<String> {
        vec![format!(
            "UPDATE {} SET {} WHERE {}",
            self.keyset.table,
            self.set,
            self.keyset.range(lo, hi)
        )]
    }
}

/// A batched copy (or move) of rows of `keyset.table` (aliased `src`) into `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCopy {
    pub keyset: Keyset,
    /// The written table, qualified and quoted.
    pub target: String,
    /// The written columns, quoted.
    pub columns: Vec<String>,
    /// Their values, SQL over `src`.
    pub values: Vec<String>,
    pub delete_source: bool,
}

impl BatchCopy {
    /// The statements of the batch `(lo, hi]`, run in one transaction. The first one's row
    /// count is the number of rows copied.
    pub fn batch_sql(&self, lo: Option<&[String]>, hi: &[String]) -> Vec<String> {
        copy_sql(self, &self.keyset.range(lo, hi))
    }
}

/// `INSERT ... SELECT` of the source rows passing `predicate`, and the `DELETE` of the same rows
/// when moving. PostgreSQL moves in one statement (`WITH ... DELETE ... RETURNING` feeding the
/// INSERT): one snapshot, so a row inserted into the source meanwhile is either moved or left.
/// MySQL/MariaDB: `INSERT ... SELECT` takes shared next-key locks on the source range (InnoDB,
/// REPEATABLE READ), so the DELETE after it in the same transaction deletes exactly those rows;
/// SQLite holds the database write lock for the whole transaction.
fn copy_sql(c: &BatchCopy, predicate: &str) -> Vec<String> {
    let k = &c.keyset;
    let cols = c.columns.join(", ");
    let values = c.values.join(", ");
    let where_ = if predicate.is_empty() {
        String::new()
    } else {
        format!(" WHERE {predicate}")
    };
    if c.delete_source && k.dialect == Dialect::Postgres {
        return vec![format!(
            "WITH migrex_moved AS (DELETE FROM {} AS {SRC}{where_} RETURNING {SRC}.*) INSERT INTO {} ({cols}) SELECT {values} FROM migrex_moved AS {SRC}",
            k.table, c.target
        )];
    }
    let mut out = vec![format!(
        "INSERT INTO {} ({cols}) SELECT {values} FROM {} AS {SRC}{where_}",
        c.target, k.table
    )];
    if c.delete_source {
        out.push(match k.dialect {
            // Single-table DELETE takes no alias before MySQL 8.0.16; the multi-table form does.
            Dialect::Mysql => format!("DELETE {SRC} FROM {} AS {SRC}{where_}", k.table),
            _ => format!("DELETE FROM {} AS {SRC}{where_}", k.table),
        });
    }
    out
}

/// How the executor computes a proof's count and checksum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub dialect: Dialect,
    /// The projection whose rows are counted and hashed.
    pub query: String,
}

impl Proof {
    /// PostgreSQL: one query returning the count and an order-independent checksum (the sum of
    /// the first 60 bits of the md5 of each row's text; `sum(bigint)` is numeric, so it does not
    /// overflow).
    pub fn pg_sql(&self) -> String {
        format!(
            "SELECT CAST(count(*) AS text), CAST(coalesce(sum(CAST(CAST(('x' || substr(md5(CAST(migrex_q AS text)), 1, 15)) AS bit(60)) AS bigint)), 0) AS text) FROM ({}) AS migrex_q",
            self.query
        )
    }

    /// A query returning at most one row of `query`, whose column names the MySQL checksum
    /// needs (no row: count and checksum are 0).
    pub fn probe_sql(&self) -> String {
        format!("SELECT * FROM ({}) AS migrex_q LIMIT 1", self.query)
    }

    /// MySQL/MariaDB: count and the sum of the first 60 bits of the md5 of each row's cells
    /// joined by 0x1f (NULL written `\N`, which CONCAT_WS would otherwise skip). SUM of
    /// unsigned integers is an exact DECIMAL.
    pub fn mysql_sql(&self, columns: &[String]) -> String {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                format!(
                    "COALESCE(migrex_q.{}, '\\\\N')",
                    quote_ident(Dialect::Mysql, c)
                )
            })
            .collect();
        format!(
            "SELECT CAST(COUNT(*) AS CHAR), CAST(COALESCE(SUM(CAST(CONV(LEFT(MD5(CONCAT_WS(x'1f', {})), 15), 16, 10) AS UNSIGNED)), 0) AS CHAR) FROM ({}) AS migrex_q",
            cells.join(", "),
            self.query
        )
    }
}

fn unsupported(dialect: Dialect, table: &QualifiedName, op: &DataOp, hint: &str) -> RenderError {
    RenderError::Unsupported {
        dialect,
        change: op.describe(table),
        hint: hint.to_string(),
    }
}

fn keyset(
    dialect: Dialect,
    table: &QualifiedName,
    alias: Option<&str>,
    key: &[String],
    filter: &Option<String>,
    batch_size: u32,
) -> Keyset {
    Keyset {
        dialect,
        table: qualified(dialect, table),
        alias: alias.map(str::to_string),
        key: key.iter().map(|k| quote_ident(dialect, k)).collect(),
        filter: filter.clone(),
        batch_size: batch_size.max(1),
    }
}

/// The executor's task of a data step.
pub fn task(dialect: Dialect, table: &QualifiedName, op: &DataOp) -> Result<DataTask, RenderError> {
    Ok(match op {
        DataOp::Update {
            key,
            set,
            filter,
            batch_size,
        } => {
            if key.is_empty() || set.is_empty() {
                return Err(unsupported(
                    dialect,
                    table,
                    op,
                    "a batched update needs a key and at least one assignment",
                ));
            }
            let set: Vec<String> = set
                .iter()
                .map(|a| format!("{} = {}", quote_ident(dialect, &a.column), a.value))
                .collect();
            DataTask::Update(BatchUpdate {
                keyset: keyset(dialect, table, None, key, filter, *batch_size),
                set: set.join(", "),
            })
        }
        DataOp::Copy {
            source,
            key,
            columns,
            values,
            filter,
            batch_size,
            delete_source,
        } => {
            if key.is_empty() || columns.is_empty() || columns.len() != values.len() {
                return Err(unsupported(
                    dialect,
                    table,
                    op,
                    "a copy needs a key and as many values as columns",
                ));
            }
            DataTask::Copy(BatchCopy {
                keyset: keyset(dialect, source, Some(SRC), key, filter, *batch_size),
                target: qualified(dialect, table),
                columns: columns.iter().map(|c| quote_ident(dialect, c)).collect(),
                values: values.clone(),
                delete_source: *delete_source,
            })
        }
        DataOp::Sql { statements, .. } => DataTask::Sql {
            statements: statements.clone(),
        },
        DataOp::Preflight {
            description,
            query,
            limit,
        } => DataTask::Preflight {
            description: description.clone(),
            query: query.clone(),
            limit: (*limit).max(1),
        },
        DataOp::ProofCapture { name, query } => DataTask::ProofCapture {
            name: name.clone(),
            proof: Proof {
                dialect,
                query: query.clone(),
            },
        },
        DataOp::ProofCheck { name, query } => DataTask::ProofCheck {
            name: name.clone(),
            proof: Proof {
                dialect,
                query: query.clone(),
            },
        },
    })
}

/// A comment line: the text on one line, so that it cannot end the comment early.
fn comment(text: &str) -> String {
    format!("-- {}\n", text.replace(['\r', '\n'], " "))
}

/// The set-based statements of a data step: what a human runs as a script.
pub fn statements(
    dialect: Dialect,
    table: &QualifiedName,
    op: &DataOp,
) -> Result<Vec<String>, RenderError> {
    let t = task(dialect, table, op)?;
    Ok(match (&t, op) {
        (DataTask::Update(u), _) => {
            let where_ = u
                .keyset
                .filter
                .as_ref()
                .map_or(String::new(), |f| format!(" WHERE ({f})"));
            vec![format!("UPDATE {} SET {}{where_}", u.keyset.table, u.set)]
        }
        (DataTask::Copy(c), _) => copy_sql(
            c,
            &c.keyset
                .filter
                .as_ref()
                .map_or(String::new(), |f| format!("({f})")),
        ),
        (DataTask::Sql { statements }, _) => statements.clone(),
        (
            DataTask::Preflight {
                description,
                query,
                limit,
            },
            _,
        ) => vec![format!(
            "{}{}SELECT * FROM ({query}) AS migrex_q LIMIT {limit}",
            comment(&format!("pre-flight: {description}")),
            comment("any row returned means the next steps would fail or lose data: stop here")
        )],
        (DataTask::ProofCapture { name, proof }, _) | (DataTask::ProofCheck { name, proof }, _) => {
            let what = if matches!(t, DataTask::ProofCapture { .. }) {
                format!("proof '{name}': record this count and checksum before the data steps")
            } else {
                format!("proof '{name}': this count and checksum must equal the recorded ones")
            };
            let sql = match dialect {
                Dialect::Postgres => proof.pg_sql(),
                // The MySQL checksum needs the query's column names and SQLite has no hash
                // function: `migrex apply` computes those; a script shows the count.
                _ => format!("SELECT COUNT(*) FROM ({}) AS migrex_q", proof.query),
            };
            vec![format!("{}{sql}", comment(&what))]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::Assignment;

    fn t(name: &str) -> QualifiedName {
        QualifiedName::new(String::new(), name.to_string())
    }

    fn update() -> DataOp {
        DataOp::Update {
            key: vec!["id".into()],
            set: vec![Assignment {
                column: "email_lower".into(),
                value: "lower(email)".into(),
            }],
            filter: Some("email_lower IS NULL".into()),
            batch_size: 500,
        }
    }

    fn copy(delete_source: bool) -> DataOp {
        DataOp::Copy {
            source: t("orders"),
            key: vec!["id".into()],
            columns: vec!["id".into(), "total".into()],
            values: vec!["src.id".into(), "src.total".into()],
            filter: Some("src.created < '2020-01-01'".into()),
            batch_size: 1000,
            delete_source,
        }
    }

    #[test]
    fn update_script_and_batches() {
        for (d, script, batch) in [
            (
                Dialect::Postgres,
                r#"UPDATE "users" SET "email_lower" = lower(email) WHERE (email_lower IS NULL)"#,
                r#"UPDATE "users" SET "email_lower" = lower(email) WHERE "id" > '10' AND "id" <= '20' AND (email_lower IS NULL)"#,
            ),
            (
                Dialect::Mysql,
                "UPDATE `users` SET `email_lower` = lower(email) WHERE (email_lower IS NULL)",
                "UPDATE `users` SET `email_lower` = lower(email) WHERE `id` > '10' AND `id` <= '20' AND (email_lower IS NULL)",
            ),
            (
                Dialect::Sqlite,
                r#"UPDATE "users" SET "email_lower" = lower(email) WHERE (email_lower IS NULL)"#,
                r#"UPDATE "users" SET "email_lower" = lower(email) WHERE "id" > '10' AND "id" <= '20' AND (email_lower IS NULL)"#,
            ),
        ] {
            assert_eq!(statements(d, &t("users"), &update()).unwrap(), vec![script]);
            let DataTask::Update(u) = task(d, &t("users"), &update()).unwrap() else {
                panic!("not an update")
            };
            assert_eq!(
                u.batch_sql(Some(&["10".into()]), &["20".into()]),
                vec![batch]
            );
        }
        let DataTask::Update(u) = task(Dialect::Postgres, &t("users"), &update()).unwrap() else {
            panic!("not an update")
        };
        assert_eq!(
            u.keyset.top_sql(),
            r#"SELECT CAST(migrex_t."id" AS text) FROM "users" AS migrex_t WHERE (email_lower IS NULL) ORDER BY migrex_t."id" DESC LIMIT 1"#
        );
        assert_eq!(
            u.keyset.next_sql(None, &["99".into()]),
            r#"SELECT CAST(migrex_batch."id" AS text) FROM (SELECT "id" FROM "users" WHERE "id" <= '99' AND (email_lower IS NULL) ORDER BY "id" LIMIT 500) AS migrex_batch ORDER BY migrex_batch."id" DESC LIMIT 1"#
        );
    }

    #[test]
    fn composite_keys_compare_as_tuples_and_values_are_quoted() {
        let op = DataOp::Update {
            key: vec!["a".into(), "b".into()],
            set: vec![Assignment {
                column: "x".into(),
                value: "1".into(),
            }],
            filter: None,
            batch_size: 10,
        };
        let DataTask::Update(u) = task(Dialect::Mysql, &t("t"), &op).unwrap() else {
            panic!("not an update")
        };
        assert_eq!(
            u.batch_sql(
                Some(&["o'k".into(), "a\\b".into()]),
                &["z".into(), "1".into()]
            ),
            vec![
                "UPDATE `t` SET `x` = 1 WHERE (`a`, `b`) > ('o''k', 'a\\\\b') AND (`a`, `b`) <= ('z', '1')"
            ]
        );
    }

    #[test]
    fn copy_and_move_scripts() {
        assert_eq!(
            statements(Dialect::Postgres, &t("orders_archive"), &copy(true)).unwrap(),
            vec![
                r#"WITH migrex_moved AS (DELETE FROM "orders" AS src WHERE (src.created < '2020-01-01') RETURNING src.*) INSERT INTO "orders_archive" ("id", "total") SELECT src.id, src.total FROM migrex_moved AS src"#
            ]
        );
        assert_eq!(
            statements(Dialect::Mysql, &t("orders_archive"), &copy(true)).unwrap(),
            vec![
                "INSERT INTO `orders_archive` (`id`, `total`) SELECT src.id, src.total FROM `orders` AS src WHERE (src.created < '2020-01-01')",
                "DELETE src FROM `orders` AS src WHERE (src.created < '2020-01-01')"
            ]
        );
        assert_eq!(
            statements(Dialect::Sqlite, &t("orders_archive"), &copy(false)).unwrap(),
            vec![
                r#"INSERT INTO "orders_archive" ("id", "total") SELECT src.id, src.total FROM "orders" AS src WHERE (src.created < '2020-01-01')"#
            ]
        );
        let DataTask::Copy(c) = task(Dialect::Sqlite, &t("orders_archive"), &copy(true)).unwrap()
        else {
            panic!("not a copy")
        };
        assert_eq!(
            c.batch_sql(None, &["7".into()]),
            vec![
                r#"INSERT INTO "orders_archive" ("id", "total") SELECT src.id, src.total FROM "orders" AS src WHERE src."id" <= '7' AND (src.created < '2020-01-01')"#,
                r#"DELETE FROM "orders" AS src WHERE src."id" <= '7' AND (src.created < '2020-01-01')"#
            ]
        );
        assert_eq!(
            c.keyset.next_sql(Some(&["7".into()]), &["9".into()]),
            r#"SELECT migrex_batch."id" FROM (SELECT src."id" FROM "orders" AS src WHERE src."id" > '7' AND src."id" <= '9' AND (src.created < '2020-01-01') ORDER BY src."id" LIMIT 1000) AS migrex_batch ORDER BY migrex_batch."id" DESC LIMIT 1"#
        );
    }

    #[test]
    fn preflight_and_proofs() {
        let pf = DataOp::Preflight {
            description: "prices that\nare not numbers".into(),
            query: "SELECT id FROM p WHERE price !~ '^[0-9]+$'".into(),
            limit: 5,
        };
        assert_eq!(
            statements(Dialect::Postgres, &t("p"), &pf).unwrap(),
            vec![
                "-- pre-flight: prices that are not numbers\n-- any row returned means the next steps would fail or lose data: stop here\nSELECT * FROM (SELECT id FROM p WHERE price !~ '^[0-9]+$') AS migrex_q LIMIT 5"
            ]
        );
        let cap = DataOp::ProofCapture {
            name: "prices".into(),
            query: "SELECT id, price FROM p".into(),
        };
        let pg = statements(Dialect::Postgres, &t("p"), &cap).unwrap();
        assert!(pg[0].contains("md5(CAST(migrex_q AS text))"), "{pg:?}");
        let my = statements(Dialect::Mysql, &t("p"), &cap).unwrap();
        assert_eq!(
            my,
            vec![
                "-- proof 'prices': record this count and checksum before the data steps\nSELECT COUNT(*) FROM (SELECT id, price FROM p) AS migrex_q"
            ]
        );
        let DataTask::ProofCapture { proof, .. } = task(Dialect::Mysql, &t("p"), &cap).unwrap()
        else {
            panic!("not a proof")
        };
        assert_eq!(
            proof.mysql_sql(&["id".into(), "price".into()]),
            "SELECT CAST(COUNT(*) AS CHAR), CAST(COALESCE(SUM(CAST(CONV(LEFT(MD5(CONCAT_WS(x'1f', COALESCE(migrex_q.`id`, '\\\\N'), COALESCE(migrex_q.`price`, '\\\\N'))), 15), 16, 10) AS UNSIGNED)), 0) AS CHAR) FROM (SELECT id, price FROM p) AS migrex_q"
        );
    }

    #[test]
    fn bad_ops_are_errors() {
        let op = DataOp::Update {
            key: vec![],
            set: vec![],
            filter: None,
            batch_size: 0,
        };
        assert!(task(Dialect::Postgres, &t("x"), &op).is_err());
    }

    #[test]
    fn rendered_step_round_trips_through_json_with_its_dialect() {
        let step = crate::RenderedStep {
            step: 3,
            description: "d".into(),
            statements: statements(Dialect::Mysql, &t("orders_archive"), &copy(true)).unwrap(),
            transactional: true,
            dialect: Dialect::Mysql,
            isolated: false,
            backfill: None,
            data: Some(task(Dialect::Mysql, &t("orders_archive"), &copy(true)).unwrap()),
        };
        let json = serde_json::to_string(&step).unwrap();
        assert!(json.contains(r#""dialect":"mysql""#), "{json}");
        let back: crate::RenderedStep = serde_json::from_str(&json).unwrap();
        assert_eq!(back, step);
    }
}
