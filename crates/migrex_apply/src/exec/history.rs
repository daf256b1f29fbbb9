//! The `migrex_history` table: one row per (migration, up step) with its state, the cursor of a
//! batched step (the last committed key, written in the batch's own transaction) and the
//! proofs' count and checksum.

use migrex_dialect::{quote_ident, quote_string};
use migrex_model::Dialect;
use migrex_source_live::{Db, LiveError};

pub const TABLE: &str = "migrex_history";

/// One history row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Row {
    pub step: usize,
    pub checksum: String,
    pub state: String,
    pub rows_done: u64,
    /// The last committed key of a batched step (a JSON array of strings).
    pub cursor: Option<Vec<String>>,
    /// The end of a batched step's key range, captured at its first start.
    pub top_key: Option<Vec<String>>,
    pub proof_count: Option<String>,
    pub proof_checksum: Option<String>,
}

pub const DONE: &str = "done";
pub const RUNNING: &str = "running";
pub const FAILED: &str = "failed";
pub const ROLLED_BACK: &str = "rolled_back";

/// Builds the SQL of history reads and writes for one dialect and migration.
#[derive(Debug, Clone)]
pub struct History {
    pub dialect: Dialect,
    pub migration: String,
}

fn q(d: Dialect, s: &str) -> String {
    quote_ident(d, s)
}

impl History {
    fn t(&self) -> String {
        q(self.dialect, TABLE)
    }

    fn lit(&self, s: &str) -> String {
        quote_string(self.dialect, s)
    }

    fn opt(&self, s: Option<&str>) -> String {
        s.map_or("NULL".into(), |s| self.lit(s))
    }

    /// The server's clock now (not the transaction's start).
    fn now(&self) -> &'static str {
        match self.dialect {
            Dialect::Postgres => "clock_timestamp()",
            Dialect::Mysql => "NOW(6)",
            Dialect::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        }
    }

    pub fn create_sql(&self) -> String {
        let d = self.dialect;
        let (id, short, ts, big, tail) = match d {
            Dialect::Postgres => ("text", "text", "timestamptz", "bigint", ""),
            Dialect::Mysql => (
                "varchar(191)",
                "varchar(80)",
                "datetime(6)",
                "bigint",
                " ENGINE=InnoDB",
            ),
            Dialect::Sqlite => ("TEXT", "TEXT", "TEXT", "INTEGER", ""),
        };
        let c = |n: &str| q(d, n);
        format!(
            "CREATE TABLE IF NOT EXISTS {t} ({mid} {id} NOT NULL, {step} integer NOT NULL, {desc} text, {ck} {short} NOT NULL, {state} {short} NOT NULL, {sa} {ts} NULL, {fa} {ts} NULL, {rd} {big} NOT NULL DEFAULT 0, {cur} text, {top} text, {pc} {short}, {pk} {short}, {err} text, PRIMARY KEY ({mid}, {step})){tail}",
            t = self.t(),
            mid = c("migration_id"),
            step = c("step"),
            desc = c("description"),
            ck = c("checksum"),
            state = c("state"),
            sa = c("started_at"),
            fa = c("finished_at"),
            rd = c("rows_done"),
            cur = c("cursor"),
            top = c("top_key"),
            pc = c("proof_count"),
            pk = c("proof_checksum"),
            err = c("error"),
        )
    }

    pub fn exists_sql(&self) -> String {
        match self.dialect {
            Dialect::Postgres => format!(
                "SELECT CAST(count(*) AS text) FROM pg_catalog.pg_tables WHERE tablename = {} AND schemaname = ANY (current_schemas(false))",
                self.lit(TABLE)
            ),
            Dialect::Mysql => format!(
                "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {}",
                self.lit(TABLE)
            ),
            Dialect::Sqlite => format!(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {}",
                self.lit(TABLE)
            ),
        }
    }

    fn key(&self, step: usize) -> String {
        format!(
            "{} = {} AND {} = {step}",
            q(self.dialect, "migration_id"),
            self.lit(&self.migration),
            q(self.dialect, "step")
        )
    }

    pub fn select_sql(&self) -> String {
        let d = self.dialect;
        let cols = [
            "step",
            "checksum",
            "state",
            "rows_done",
            "cursor",
            "top_key",
            "proof_count",
            "proof_checksum",
        ]
        .map(|c| q(d, c))
        .join(", ");
        format!(
            "SELECT {cols} FROM {} WHERE {} = {} ORDER BY {}",
            self.t(),
            q(d, "migration_id"),
            self.lit(&self.migration),
            q(d, "step")
        )
    }

    /// A new row in state `running`, or the existing one reset to it (cursor, counts and
    /// proofs cleared: a step starting over).
    pub fn start_sql(
        &self,
        exists: bool,
        step: usize,
        description: &str,
        checksum: &str,
    ) -> String {
        let d = self.dialect;
        if exists {
            format!(
                "UPDATE {} SET {} = {}, {} = {}, {} = {}, {} = {}, {} = NULL, {} = 0, {} = NULL, {} = NULL, {} = NULL, {} = NULL, {} = NULL WHERE {}",
                self.t(),
                q(d, "description"),
                self.lit(description),
                q(d, "checksum"),
                self.lit(checksum),
                q(d, "state"),
                self.lit(RUNNING),
                q(d, "started_at"),
                self.now(),
                q(d, "finished_at"),
                q(d, "rows_done"),
                q(d, "cursor"),
                q(d, "top_key"),
                q(d, "proof_count"),
                q(d, "proof_checksum"),
                q(d, "error"),
                self.key(step)
            )
        } else {
            format!(
                "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ({}, {step}, {}, {}, {}, {})",
                self.t(),
                q(d, "migration_id"),
                q(d, "step"),
                q(d, "description"),
                q(d, "checksum"),
                q(d, "state"),
                q(d, "started_at"),
                self.lit(&self.migration),
                self.lit(description),
                self.lit(checksum),
                self.lit(RUNNING),
                self.now()
            )
        }
    }

    /// An interrupted batched step running again: its cursor, rows and range end stay.
    pub fn resume_sql(&self, step: usize) -> String {
        let d = self.dialect;
        format!(
            "UPDATE {} SET {} = {}, {} = NULL WHERE {}",
            self.t(),
            q(d, "state"),
            self.lit(RUNNING),
            q(d, "error"),
            self.key(step)
        )
    }

    /// The end of a batched step's key range, recorded at its first start.
    pub fn top_sql(&self, step: usize, top: &[String]) -> String {
        format!(
            "UPDATE {} SET {} = {} WHERE {}",
            self.t(),
            q(self.dialect, "top_key"),
            self.lit(&json(top)),
            self.key(step)
        )
    }

    /// A committed batch: run in the batch's transaction.
    pub fn batch_sql(&self, step: usize, cursor: &[String], rows: u64) -> String {
        let d = self.dialect;
        format!(
            "UPDATE {} SET {} = {}, {rd} = {rd} + {rows} WHERE {}",
            self.t(),
            q(d, "cursor"),
            self.lit(&json(cursor)),
            self.key(step),
            rd = q(d, "rows_done"),
        )
    }

    pub fn proof_sql(&self, step: usize, count: &str, checksum: &str) -> String {
        let d = self.dialect;
        format!(
            "UPDATE {} SET {} = {}, {} = {} WHERE {}",
            self.t(),
            q(d, "proof_count"),
            self.lit(count),
            q(d, "proof_checksum"),
            self.lit(checksum),
            self.key(step)
        )
    }

    /// The step's final state (with an error message for `failed`).
    pub fn finish_sql(&self, step: usize, state: &str, error: Option<&str>) -> String {
        let d = self.dialect;
        format!(
            "UPDATE {} SET {} = {}, {} = {}, {} = {} WHERE {}",
            self.t(),
            q(d, "state"),
            self.lit(state),
            q(d, "finished_at"),
            self.now(),
            q(d, "error"),
            self.opt(error),
            self.key(step)
        )
    }

    /// Reads this migration's rows (none when the table does not exist yet).
    pub fn load(&self, db: &mut Db) -> Result<Vec<Row>, LiveError> {
        let exists = db
            .query(&self.exists_sql())?
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|n| n != "0");
        if !exists {
            return Ok(Vec::new());
        }
        let rows = db.query(&self.select_sql())?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let cell = |i: usize| r.get(i).cloned().flatten();
                Row {
                    step: cell(0).and_then(|s| s.parse().ok()).unwrap_or(0),
                    checksum: cell(1).unwrap_or_default(),
                    state: cell(2).unwrap_or_default(),
                    rows_done: cell(3).and_then(|s| s.parse().ok()).unwrap_or(0),
                    cursor: cell(4).and_then(|s| serde_json::from_str(&s).ok()),
                    top_key: cell(5).and_then(|s| serde_json::from_str(&s).ok()),
                    proof_count: cell(6),
                    proof_checksum: cell(7),
                }
            })
            .collect())
    }
}

fn json(key: &[String]) -> String {
    serde_json::to_string(key).unwrap_or_else(|_| "[]".into())
}
