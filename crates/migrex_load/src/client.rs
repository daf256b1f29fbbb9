//! One load client: its own connection, a mix of point reads and writes until told to stop,
//! every transaction logged.
//!
//! Statements go by the simple query protocol (no prepared statements): a prepared
//! `SELECT` can fail with "cached plan must not change result type" after a column type
//! change, which would measure the driver, not the migration. Inserts name their columns, so a
//! column added with a default does not break them; values are literals that fit integer and
//! bigint alike.

use sqlx::{AssertSqlSafe, Connection};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What a transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `SELECT ... FROM item WHERE id = $1`
    Read,
    /// `UPDATE item SET hits = hits + 1 WHERE id = $1`
    Update,
    /// `INSERT INTO item (...) VALUES (...)` of a new id
    Insert,
    /// `UPDATE account SET balance = balance + 1 WHERE id = $1` (the foreign key's parent)
    UpdateParent,
}

/// One transaction (one autocommitted statement).
#[derive(Debug, Clone)]
pub struct Txn {
    pub op: Op,
    /// From the start of the run.
    pub start: Duration,
    pub latency: Duration,
    /// `SQLSTATE message` when it failed.
    pub error: Option<String>,
}

/// Everything one client did, and the committed changes the checks expect to find.
#[derive(Debug, Clone, Default)]
pub struct ClientLog {
    pub index: usize,
    /// When its connection was ready, from the start of the run.
    pub started: Duration,
    pub txns: Vec<Txn>,
    pub inserted: i64,
    pub hits_added: i64,
    pub balance_added: i64,
}

pub(crate) struct Spec {
    pub url: String,
    pub index: usize,
    pub rows: u64,
    pub accounts: u64,
    pub think: Duration,
    pub statement_timeout: Duration,
}

/// xorshift64*: enough randomness for picking rows, without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn kind(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(d) => format!("{} {}", d.code().as_deref().unwrap_or("?????"), d.message()),
        None => format!("client error: {e}"),
    }
}

async fn connect(spec: &Spec) -> Result<sqlx::PgConnection, String> {
    let mut c = sqlx::PgConnection::connect(&spec.url)
        .await
        .map_err(|e| format!("load client {}: cannot connect: {e}", spec.index))?;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "SET statement_timeout = {}",
        spec.statement_timeout.as_millis()
    )))
    .execute(&mut c)
    .await
    .map_err(|e| format!("load client {}: {e}", spec.index))?;
    Ok(c)
}

/// Runs transactions until `stop`; fails only when it cannot connect at all.
pub(crate) fn run(spec: Spec, stop: Arc<AtomicBool>, t0: Instant) -> Result<ClientLog, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("load client {}: no runtime: {e}", spec.index))?;
    let mut conn = Some(rt.block_on(connect(&spec))?);
    let mut log = ClientLog {
        index: spec.index,
        started: t0.elapsed(),
        ..ClientLog::default()
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((spec.index as u64 + 1) * 0x1000_0001));
    // New ids above the generated rows, disjoint per client.
    let mut next_id = spec.rows + 1_000_000_000 * (spec.index as u64 + 1);
    while !stop.load(Ordering::Relaxed) {
        let roll = rng.below(100);
        let id = rng.below(spec.rows) + 1;
        let (op, sql) = match roll {
            0..45 => (
                Op::Read,
                format!("SELECT id, account_id, qty, note, hits FROM item WHERE id = {id}"),
            ),
            45..75 => (
                Op::Update,
                format!("UPDATE item SET hits = hits + 1 WHERE id = {id}"),
            ),
            75..90 => {
                next_id += 1;
                let account = rng.below(spec.accounts) + 1;
                (
                    Op::Insert,
                    format!(
                        "INSERT INTO item (id, account_id, qty, note) VALUES ({next_id}, {account}, {}, 'client {}')",
                        id % 100,
                        spec.index
                    ),
                )
            }
            _ => (
                Op::UpdateParent,
                format!(
                    "UPDATE account SET balance = balance + 1 WHERE id = {}",
                    rng.below(spec.accounts) + 1
                ),
            ),
        };
        let start = t0.elapsed();
        let began = Instant::now();
        let result = match conn.as_mut() {
            Some(c) => rt
                .block_on(sqlx::raw_sql(AssertSqlSafe(sql)).execute(c))
                .map(|r| r.rows_affected())
                .map_err(|e| kind(&e)),
            None => Err("client error: no connection".to_string()),
        };
        let latency = began.elapsed();
        let error = match result {
            Ok(n) => {
                let n = n as i64;
                match op {
                    Op::Read => {}
                    Op::Update => log.hits_added += n,
                    Op::Insert => log.inserted += n,
                    Op::UpdateParent => log.balance_added += n,
                }
                None
            }
            Err(kind) => {
                // A broken connection is reconnected (the attempt counts as the failure).
                if kind.starts_with("client error") {
                    conn = rt.block_on(connect(&spec)).ok();
                }
                Some(kind)
            }
        };
        log.txns.push(Txn {
            op,
            start,
            latency,
            error,
        });
        if !spec.think.is_zero() {
            std::thread::sleep(spec.think);
        }
    }
    Ok(log)
}
