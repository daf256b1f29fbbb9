//! Proof under load (issue 4, part 5): a migrex plan applied to a PostgreSQL table of a million
//! rows while client threads read and write it, measuring what the clients felt.
//!
//! One run: a scratch database copied from a prepared template (FROM schema and data), client
//! threads (one connection each) running point SELECTs, UPDATEs and INSERTs for a warm-up, the
//! migration applied with `migrex_apply` from another connection, a cool-down, then the checks:
//! the database introspects to TO (diff empty) and the rows are intact (counts, sums the clients
//! account for, a checksum over the columns nobody writes). Every client transaction is logged
//! with its start, latency and outcome (SQLSTATE on failure), so a stall can be matched with the
//! migration step that was running.

mod client;
mod scenario;

pub use client::{ClientLog, Op, Txn};
pub use scenario::{FROM_SQL, Scenario, scenarios};

use migrex_model::{Dialect, Renames};
use migrex_source_live::{Db, DbUrl};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How big the table is and how hard the clients push.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Rows of `item` (the table migrated).
    pub rows: u64,
    /// Rows of `account` (the parent of the foreign key).
    pub accounts: u64,
    /// Client threads, each with its own connection.
    pub clients: usize,
    /// Load before the migration starts and after it ends.
    pub warmup: Duration,
    pub cooldown: Duration,
    /// A client's pause between transactions: an application, not a benchmark at full tilt.
    pub think: Duration,
    /// Every client statement's `statement_timeout`, so nothing hangs forever.
    pub statement_timeout: Duration,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            rows: 1_000_000,
            accounts: 1_000,
            clients: 8,
            warmup: Duration::from_millis(1500),
            cooldown: Duration::from_millis(1000),
            think: Duration::from_millis(2),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Which plan a run applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    /// `migration_with`: the plain plan, applied in one transaction.
    Naive,
    /// The online plan (`PlanOptions { online: true }`), applied step by step.
    Online,
}

impl PlanKind {
    pub fn name(self) -> &'static str {
        match self {
            PlanKind::Naive => "naive",
            PlanKind::Online => "online",
        }
    }
}

/// When one migration step ran, from the start of the run.
#[derive(Debug, Clone)]
pub struct StepTiming {
    pub label: String,
    pub start: Duration,
    pub end: Duration,
}

/// The longest time one client went without completing a transaction.
#[derive(Debug, Clone, Default)]
pub struct Stall {
    pub length: Duration,
    /// From the start of the run.
    pub start: Duration,
    pub client: usize,
    /// The migration steps running at any point of the stall.
    pub steps: Vec<String>,
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub scenario: String,
    pub plan: PlanKind,
    pub stall: Stall,
    /// The 99th percentile latency of transactions that started while the migration ran.
    pub p99_migration: Duration,
    pub p99_all: Duration,
    pub max_latency: Duration,
    pub transactions: usize,
    pub failed: usize,
    /// Failures by kind (`SQLSTATE message`), with counts.
    pub failure_kinds: BTreeMap<String, usize>,
    pub migration_time: Duration,
    pub steps: Vec<StepTiming>,
    pub plan_sql: String,
    /// Problems found by the checks after the run: empty when the database equals TO and the
    /// rows are intact.
    pub problems: Vec<String>,
}

/// The load phases of one run, from the start of the run.
struct Window {
    start: Duration,
    end: Duration,
}

/// A server and a template database holding FROM and its rows, copied for every run.
pub struct Harness {
    admin: Db,
    base: DbUrl,
    template: String,
    cfg: LoadConfig,
    from: migrex_model::Loaded,
    dropped: bool,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Harness {
    /// Creates the template database on the PostgreSQL server at `url` (a database the bench
    /// may create others from) and fills it: `cfg.rows` items, `cfg.accounts` accounts.
    pub fn new(url: &str, cfg: LoadConfig) -> Result<Harness, String> {
        let mut admin = Db::connect(url).map_err(err)?;
        if admin.dialect() != Dialect::Postgres {
            return Err(format!(
                "the load harness needs PostgreSQL, not {}",
                admin.dialect()
            ));
        }
        let template = unique("migrex_load_tpl");
        let base = admin.url().clone();
        let tpl_url = admin.create_database(&template).map_err(err)?;
        let mut h = Harness {
            admin,
            base,
            template,
            cfg,
            from: migrex::parse_sql(FROM_SQL, Dialect::Postgres, "from.sql")
                .map_err(|e| e.render())?,
            dropped: false,
        };
        let mut db = Db::connect_url(tpl_url).map_err(err)?;
        db.execute_script(FROM_SQL).map_err(err)?;
        let (rows, accounts) = (h.cfg.rows, h.cfg.accounts);
        db.execute(&format!(
            "INSERT INTO account (id, name, balance) SELECT g, 'account ' || g, 0 FROM generate_series(1, {accounts}) g"
        ))
        .map_err(err)?;
        db.execute(&format!(
            "INSERT INTO item (id, account_id, qty, note, hits) \
             SELECT g, (g % {accounts}) + 1, (g * 7) % 100, md5(g::text), 0 FROM generate_series(1, {rows}) g"
        ))
        .map_err(err)?;
        db.execute("VACUUM ANALYZE").map_err(err)?;
        // The plans start from what the live database says, as `migrex diff postgres://...` would.
        h.from = db.introspect().map_err(err)?;
        Ok(h)
    }

    pub fn config(&self) -> &LoadConfig {
        &self.cfg
    }

    /// Drops the template (also done on drop).
    pub fn close(mut self) -> Result<(), String> {
        self.dropped = true;
        self.admin.drop_database(&self.template).map_err(err)
    }

    /// One run: `scenario` migrated with the `plan` kind under load.
    pub fn run(&mut self, scenario: &Scenario, plan: PlanKind) -> Result<RunResult, String> {
        let name = unique("migrex_load");
        self.admin
            .execute(&format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quote(&name),
                quote(&self.template)
            ))
            .map_err(err)?;
        let url = self.base.with_database(&name);
        let result = self.run_in(&url, scenario, plan);
        let dropped = self.admin.drop_database(&name).map_err(err);
        let r = result?;
        dropped?;
        Ok(r)
    }

    fn run_in(
        &self,
        url: &DbUrl,
        scenario: &Scenario,
        plan: PlanKind,
    ) -> Result<RunResult, String> {
        let to = migrex::parse_sql(&scenario.to_sql, Dialect::Postgres, "to.sql")
            .map_err(|e| e.render())?;
        let migration = plan_for(&self.from, &to, plan)?;
        let plan_sql = migration.up_script();
        let mut db = Db::connect_url(url.clone()).map_err(err)?;
        let before = Tally::read(&mut db, self.cfg.rows)?;

        let stop = Arc::new(AtomicBool::new(false));
        let t0 = Instant::now();
        let handles: Vec<_> = (0..self.cfg.clients)
            .map(|i| {
                let spec = client::Spec {
                    url: url.secret().to_string(),
                    index: i,
                    rows: self.cfg.rows,
                    accounts: self.cfg.accounts,
                    think: self.cfg.think,
                    statement_timeout: self.cfg.statement_timeout,
                };
                let stop = stop.clone();
                std::thread::spawn(move || client::run(spec, stop, t0))
            })
            .collect();
        std::thread::sleep(self.cfg.warmup);

        let m_start = t0.elapsed();
        let applied = apply(&mut db, &migration, plan, t0);
        let m_end = t0.elapsed();
        if applied.is_ok() {
            std::thread::sleep(self.cfg.cooldown);
        }
        stop.store(true, Ordering::SeqCst);
        let load_end = t0.elapsed();
        let mut logs = Vec::new();
        for h in handles {
            logs.push(
                h.join()
                    .map_err(|_| "a load client panicked".to_string())??,
            );
        }
        let steps =
            applied.map_err(|e| format!("applying the {} plan failed: {e}", plan.name()))?;

        let mut problems = Vec::new();
        let after = db.introspect().map_err(err)?;
        let rest = migrex::migration(&after, &to).map_err(|e| e.render())?;
        if !rest.is_empty() {
            problems.push(format!(
                "the database differs from TO after the migration; still to do:\n{}",
                rest.up_script()
            ));
        }
        let now = Tally::read(&mut db, self.cfg.rows)?;
        problems.extend(before.check(&now, &logs));

        Ok(measure(
            scenario,
            plan,
            &logs,
            Window {
                start: m_start,
                end: m_end,
            },
            load_end,
            steps,
            plan_sql,
            problems,
        ))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if !self.dropped {
            let _ = self.admin.drop_database(&self.template);
        }
    }
}

/// The plan of `kind` from `from` to `to`.
fn plan_for(
    from: &migrex_model::Loaded,
    to: &migrex_model::Loaded,
    kind: PlanKind,
) -> Result<migrex::Migration, String> {
    match kind {
        PlanKind::Naive => {
            migrex::migration_with(from, to, &Renames::default(), &[]).map_err(|e| e.render())
        }
        PlanKind::Online => migrex::migration_with_options(
            from,
            to,
            &Renames::default(),
            &[],
            &migrex::PlanOptions {
                online: true,
                ..migrex::PlanOptions::default()
            },
        )
        .map_err(|e| e.render()),
    }
}

/// Applies the plan and returns when each part ran. The naive plan goes in one call (one
/// transaction, as `migrex apply` runs it); the online plan step by step, which is how the
/// applier runs it anyway (each step its own transaction), so each step gets its own timing.
fn apply(
    db: &mut Db,
    m: &migrex::Migration,
    kind: PlanKind,
    t0: Instant,
) -> Result<Vec<StepTiming>, String> {
    let steps = &m.up_sql;
    if steps.is_empty() {
        return Ok(Vec::new());
    }
    let groups: Vec<&[migrex::RenderedStep]> = match kind {
        PlanKind::Naive => vec![&steps[..]],
        PlanKind::Online => steps.chunks(1).collect(),
    };
    let mut out = Vec::new();
    for g in groups {
        let label = if g.len() == 1 {
            format!("step {} ({})", g[0].step, g[0].description)
        } else {
            format!(
                "steps {}..{} (one transaction)",
                g[0].step,
                g[g.len() - 1].step
            )
        };
        let start = t0.elapsed();
        migrex_apply::apply(db, g).map_err(|e| e.to_string())?;
        out.push(StepTiming {
            label,
            start,
            end: t0.elapsed(),
        });
    }
    Ok(out)
}

/// What the checks compare before and after: row counts, the sums the clients change, and a
/// checksum over the columns no client writes (the original rows only).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tally {
    items: i64,
    hits: i64,
    balance: i64,
    checksum: String,
}

impl Tally {
    fn read(db: &mut Db, rows: u64) -> Result<Tally, String> {
        let r = db
            .query(&format!(
                "SELECT (SELECT count(*) FROM item)::text, (SELECT coalesce(sum(hits), 0) FROM item)::text, \
                 (SELECT coalesce(sum(balance), 0) FROM account)::text, \
                 (SELECT coalesce(sum(hashtextextended(id::text || ':' || account_id || ':' || qty || ':' || note, 0)), 0) \
                  FROM item WHERE id <= {rows})::text"
            ))
            .map_err(err)?;
        let cell = |i: usize| -> String {
            r.first()
                .and_then(|row| row.get(i).cloned().flatten())
                .unwrap_or_default()
        };
        let num = |i: usize| -> Result<i64, String> {
            cell(i)
                .parse::<i64>()
                .map_err(|e| format!("tally column {i} `{}`: {e}", cell(i)))
        };
        Ok(Tally {
            items: num(0)?,
            hits: num(1)?,
            balance: num(2)?,
            checksum: cell(3),
        })
    }

    /// The differences between `now` and what `self` plus the clients' committed writes predict.
    fn check(&self, now: &Tally, logs: &[ClientLog]) -> Vec<String> {
        let sum = |f: fn(&ClientLog) -> i64| logs.iter().map(f).sum::<i64>();
        let expect = Tally {
            items: self.items + sum(|l| l.inserted),
            hits: self.hits + sum(|l| l.hits_added),
            balance: self.balance + sum(|l| l.balance_added),
            checksum: self.checksum.clone(),
        };
        let mut out = Vec::new();
        if now.items != expect.items {
            out.push(format!(
                "item has {} rows, expected {} ({} before + committed inserts)",
                now.items, expect.items, self.items
            ));
        }
        if now.hits != expect.hits {
            out.push(format!(
                "sum(item.hits) is {}, expected {} (committed updates lost or doubled)",
                now.hits, expect.hits
            ));
        }
        if now.balance != expect.balance {
            out.push(format!(
                "sum(account.balance) is {}, expected {}",
                now.balance, expect.balance
            ));
        }
        if now.checksum != expect.checksum {
            out.push(format!(
                "the checksum of the original rows' (id, account_id, qty, note) changed: {} before, {} after",
                self.checksum, now.checksum
            ));
        }
        out
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64) * p).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1]
}

#[allow(clippy::too_many_arguments)]
fn measure(
    scenario: &Scenario,
    plan: PlanKind,
    logs: &[ClientLog],
    m: Window,
    load_end: Duration,
    steps: Vec<StepTiming>,
    plan_sql: String,
    problems: Vec<String>,
) -> RunResult {
    let mut all = Vec::new();
    let mut during = Vec::new();
    let mut failure_kinds = BTreeMap::new();
    let mut failed = 0;
    let mut stall = Stall::default();
    for log in logs {
        // The longest interval without a completed transaction, the connection's start and
        // the stop counting as completions.
        let mut last = log.started;
        for t in &log.txns {
            let end = t.start + t.latency;
            all.push(t.latency);
            if t.start >= m.start && t.start <= m.end {
                during.push(t.latency);
            }
            if let Some(kind) = &t.error {
                failed += 1;
                *failure_kinds.entry(kind.clone()).or_insert(0) += 1;
            }
            if end.saturating_sub(last) > stall.length {
                stall = Stall {
                    length: end.saturating_sub(last),
                    start: last,
                    client: log.index,
                    steps: Vec::new(),
                };
            }
            last = end;
        }
        if load_end.saturating_sub(last) > stall.length {
            stall = Stall {
                length: load_end.saturating_sub(last),
                start: last,
                client: log.index,
                steps: Vec::new(),
            };
        }
    }
    let stall_end = stall.start + stall.length;
    stall.steps = steps
        .iter()
        .filter(|s| s.start < stall_end && s.end > stall.start)
        .map(|s| s.label.clone())
        .collect();
    all.sort();
    during.sort();
    RunResult {
        scenario: scenario.name.to_string(),
        plan,
        p99_migration: percentile(&during, 0.99),
        p99_all: percentile(&all, 0.99),
        max_latency: all.last().copied().unwrap_or_default(),
        transactions: all.len(),
        stall,
        failed,
        failure_kinds,
        migration_time: m.end.saturating_sub(m.start),
        steps,
        plan_sql,
        problems,
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

impl RunResult {
    /// A table row: scenario, plan, stall, p99, failed, total time.
    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {} | {} / {} | {} |",
            self.scenario,
            self.plan.name(),
            ms(self.stall.length),
            ms(self.p99_migration),
            self.failed,
            self.transactions,
            ms(self.migration_time)
        )
    }

    /// Everything measured, for a log: steps with their times, the stall and what ran then,
    /// failures by kind, problems.
    pub fn details(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} / {}: longest stall {} (client {}, from {:.3}s), max latency {}, p99 {} during the migration ({} overall), {} of {} transactions failed, migration {}",
            self.scenario,
            self.plan.name(),
            ms(self.stall.length),
            self.stall.client,
            self.stall.start.as_secs_f64(),
            ms(self.max_latency),
            ms(self.p99_migration),
            ms(self.p99_all),
            self.failed,
            self.transactions,
            ms(self.migration_time)
        );
        for st in &self.steps {
            let _ = writeln!(
                s,
                "  {:>8.3}s..{:>8.3}s {:>9} {}",
                st.start.as_secs_f64(),
                st.end.as_secs_f64(),
                ms(st.end - st.start),
                st.label
            );
        }
        if !self.stall.steps.is_empty() {
            let _ = writeln!(
                s,
                "  the longest stall overlaps: {}",
                self.stall.steps.join("; ")
            );
        }
        for (kind, n) in &self.failure_kinds {
            let _ = writeln!(s, "  failed {n}x: {kind}");
        }
        for p in &self.problems {
            let _ = writeln!(s, "  PROBLEM: {p}");
        }
        s
    }
}

/// The header of the table `RunResult::row` fills.
pub const TABLE_HEADER: &str = "| scenario | plan | longest stall | p99 (during migration) | failed / txns | migration time |\n|---|---|---|---|---|---|";
