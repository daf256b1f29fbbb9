//! The migration executor behind `migrex apply` / `migrex rollback`.
//!
//! A run takes the database's migration lock (`lock`), records every up step in the
//! `migrex_history` table (`history`) and skips the steps already `done`, so running a migration
//! again finishes it. Each step runs in a transaction of its own where the database allows it
//! (PostgreSQL, SQLite; MySQL/MariaDB commit each DDL statement), and its history row turns
//! `done` in that same transaction. Batched data steps (`DataTask::Update`/`Copy`) commit per
//! batch, and each batch's transaction also writes the batch's last key (`cursor`) and the rows
//! done into the history row: a run killed at any point resumes after the last committed batch,
//! so no row is processed twice or skipped, which matters for copies (not idempotent). The end of
//! the key range is captured at the first start and kept in the history, so a resumed run ends
//! where the first one would have.
//!
//! Pre-flight checks of the whole migration run before its first step; proofs record a count and
//! checksum before the data steps and compare them after.

mod file;
mod history;
pub mod lock;
mod proof;

pub use file::{DownMode, FILE_NAME, FORMAT, MigrationFile, read_dir_all};
pub use history::TABLE as HISTORY_TABLE;
pub use proof::row_hash;

use crate::{ApplyError, ApplyOptions, is_lock_timeout};
use history::{DONE, FAILED, History, ROLLED_BACK, RUNNING, Row};
use migrex_model::Dialect;
use migrex_render_sql::{DataTask, Keyset, RenderedStep};
use migrex_source_live::{Db, LiveError};

type TextRow = Vec<Option<String>>;
use serde::Serialize;
use std::time::{Duration, Instant};

/// How a run behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOptions {
    /// Up: run the steps up to this number (inclusive). Rollback: undo the steps after it.
    pub to_step: Option<usize>,
    /// Say what would run (and run the read-only pre-flight checks); change nothing.
    pub dry_run: bool,
    /// Overrides the batch size of every batched data step.
    pub batch_size: Option<u32>,
    /// A pause between batches, giving the server room for other work.
    pub pause_ms: u64,
    /// The longest a statement waits for a lock before it fails (and is retried).
    pub lock_timeout_ms: u64,
    /// The longest a statement may run; `None` leaves the server's setting.
    pub statement_timeout_ms: Option<u64>,
    /// Attempts after the first when a statement fails on a lock timeout or a deadlock.
    pub max_retries: u32,
    /// The wait before the first retry, doubled for each later one up to `max_backoff_ms`.
    pub backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// When a step fails (a proof mismatch included), run the down steps of the applied part.
    pub rollback_on_failure: bool,
    /// Keep each batch's transaction (the time it holds its row locks) under this: a slower
    /// batch makes the next ones smaller, fast ones grow back up to the batch size. `None`:
    /// every batch has the batch size.
    pub target_batch_ms: Option<u64>,
}

impl ExecOptions {
    /// The online applier's options for a step that runs through it.
    fn apply_options(&self) -> ApplyOptions {
        ApplyOptions {
            lock_retries: self.max_retries,
            backoff_ms: self.backoff_ms,
            max_backoff_ms: self.max_backoff_ms,
            batch_pause_ms: self.pause_ms,
        }
    }
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            to_step: None,
            dry_run: false,
            batch_size: None,
            pause_ms: 0,
            lock_timeout_ms: 5000,
            statement_timeout_ms: None,
            max_retries: 6,
            backoff_ms: 200,
            max_backoff_ms: 30_000,
            rollback_on_failure: false,
            target_batch_ms: Some(100),
        }
    }
}

/// What a run reports while it works (the CLI draws progress bars from these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    MigrationStart {
        migration: String,
        steps: usize,
        pending: usize,
    },
    StepStart {
        migration: String,
        step: usize,
        description: String,
        batched: bool,
    },
    /// A batched step's rows: done so far (from an earlier run too) and the total estimate.
    Rows {
        migration: String,
        step: usize,
        rows_done: u64,
        total_rows: u64,
    },
    Batch {
        migration: String,
        step: usize,
        rows_done: u64,
        total_rows: u64,
        /// How long the batch's transaction held its row locks.
        batch_ms: u64,
    },
    StepDone {
        migration: String,
        step: usize,
        rows: u64,
        ms: u64,
    },
    Retry {
        message: String,
    },
}

/// What happened to one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Applied,
    /// Done by an earlier run.
    AlreadyDone,
    /// Dry run: would run.
    WouldRun,
    RolledBack,
    WouldRollBack,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepOutcome {
    pub step: usize,
    pub description: String,
    pub outcome: Outcome,
    /// Rows written by a data step in this run.
    pub rows: u64,
    pub batches: u64,
    pub ms: u64,
    /// The longest batch transaction (row locks held), batched steps only.
    pub max_batch_ms: u64,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ExecReport {
    pub migration: String,
    pub dry_run: bool,
    pub steps: Vec<StepOutcome>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<String>,
}

/// Applies the up steps of `file` (see the module comment).
pub fn run_up(
    db: &mut Db,
    file: &MigrationFile,
    options: &ExecOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExecReport, ApplyError> {
    with_lock(db, file, options, progress, |r| r.up())
}

/// Runs the down steps of the applied part of `file` (the up steps after `to_step`, all when
/// `None`) and marks those steps `rolled_back`.
pub fn run_down(
    db: &mut Db,
    file: &MigrationFile,
    options: &ExecOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExecReport, ApplyError> {
    with_lock(db, file, options, progress, |r| r.down())
}

fn with_lock(
    db: &mut Db,
    file: &MigrationFile,
    options: &ExecOptions,
    progress: &mut dyn FnMut(Progress),
    run: impl FnOnce(&mut Runner) -> Result<ExecReport, ApplyError>,
) -> Result<ExecReport, ApplyError> {
    if db.dialect() != file.dialect {
        return Err(ApplyError::Other(format!(
            "migration {} is for {}, the database is {}",
            file.id,
            file.dialect,
            db.dialect()
        )));
    }
    // A dry run writes nothing, not even the lock row of SQLite.
    if !options.dry_run {
        lock::acquire(db)?;
    }
    let result = Runner::new(db, file, options, progress).and_then(|mut r| run(&mut r));
    if options.dry_run {
        return result;
    }
    let released = lock::release(db);
    let report = result?;
    released?;
    Ok(report)
}

struct Runner<'a> {
    db: &'a mut Db,
    file: &'a MigrationFile,
    options: &'a ExecOptions,
    progress: &'a mut dyn FnMut(Progress),
    hist: History,
    rows: Vec<Row>,
    report: ExecReport,
    checksum: String,
    /// Proofs captured by the down steps of this run, by name: (count, checksum).
    down_proofs: std::collections::HashMap<String, (String, String)>,
}

/// Counts of a step run.
#[derive(Default)]
struct Stats {
    rows: u64,
    batches: u64,
    max_batch_ms: u64,
}

fn first_row(rows: Vec<TextRow>) -> Option<Vec<String>> {
    rows.into_iter().next()?.into_iter().collect()
}

fn is_retryable(e: &LiveError) -> bool {
    is_lock_timeout(e) || e.to_string().contains("database is locked")
}

fn message_of(e: &LiveError) -> String {
    match e {
        LiveError::Query { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

impl<'a> Runner<'a> {
    fn new(
        db: &'a mut Db,
        file: &'a MigrationFile,
        options: &'a ExecOptions,
        progress: &'a mut dyn FnMut(Progress),
    ) -> Result<Runner<'a>, ApplyError> {
        let hist = History {
            dialect: file.dialect,
            migration: file.id.clone(),
        };
        let mut r = Runner {
            db,
            file,
            options,
            progress,
            hist,
            rows: Vec::new(),
            report: ExecReport {
                migration: file.id.clone(),
                dry_run: options.dry_run,
                ..Default::default()
            },
            checksum: file.checksum(),
            down_proofs: Default::default(),
        };
        if !options.dry_run {
            r.session_settings()?;
            r.db.execute(&r.hist.create_sql())?;
        }
        r.rows = r.hist.load(r.db)?;
        // A migration edited after it was (partly) applied: the history no longer describes it.
        if let Some(row) = r
            .rows
            .iter()
            .find(|row| applied(row) && row.checksum != r.checksum)
        {
            return Err(ApplyError::ChecksumChanged {
                migration: file.id.clone(),
                recorded: row.checksum.clone(),
                now: r.checksum.clone(),
            });
        }
        Ok(r)
    }

    fn session_settings(&mut self) -> Result<(), ApplyError> {
        let lock_ms = self.options.lock_timeout_ms;
        let lock_s = lock_ms.div_ceil(1000).max(1);
        let mut sets = Vec::new();
        match self.db.dialect() {
            Dialect::Postgres => {
                sets.push(format!("SET lock_timeout = {lock_ms}"));
                if let Some(ms) = self.options.statement_timeout_ms {
                    sets.push(format!("SET statement_timeout = {ms}"));
                }
            }
            Dialect::Mysql => {
                let mariadb = self.db.server_version()?.contains("MariaDB");
                sets.push(format!("SET SESSION lock_wait_timeout = {lock_s}"));
                sets.push(format!("SET SESSION innodb_lock_wait_timeout = {lock_s}"));
                if let Some(ms) = self.options.statement_timeout_ms {
                    sets.push(if mariadb {
                        format!("SET SESSION max_statement_time = {:.3}", ms as f64 / 1000.0)
                    } else {
                        // MySQL bounds SELECTs only (max_execution_time).
                        format!("SET SESSION max_execution_time = {ms}")
                    });
                }
            }
            Dialect::Sqlite => sets.push(format!("PRAGMA busy_timeout = {lock_ms}")),
        }
        for s in sets {
            self.db.execute(&s)?;
        }
        Ok(())
    }

    fn row(&self, step: usize) -> Option<&Row> {
        self.rows.iter().find(|r| r.step == step)
    }

    fn is_done(&self, step: usize) -> bool {
        self.row(step).is_some_and(|r| r.state == DONE)
    }

    fn emit(&mut self, p: Progress) {
        (self.progress)(p);
    }

    fn begin(&self) -> &'static str {
        if self.db.dialect() == Dialect::Sqlite {
            // The write lock from the start: no deadlock upgrading a read lock.
            "BEGIN IMMEDIATE"
        } else {
            "BEGIN"
        }
    }

    /// The applied steps, as the sentence an error ends with.
    fn state(&self, failed: &RenderedStep, detail: &str) -> String {
        let done: Vec<String> = self
            .file
            .up
            .iter()
            .filter(|s| self.is_done(s.step))
            .map(|s| s.step.to_string())
            .collect();
        format!(
            "migration {}: steps [{}] are applied and recorded in {}; step {}: {detail}",
            self.file.id,
            done.join(", "),
            history::TABLE,
            failed.step
        )
    }

    fn failed(
        &self,
        step: &RenderedStep,
        statement: &str,
        e: &LiveError,
        detail: &str,
    ) -> ApplyError {
        ApplyError::StepFailed {
            step: step.step,
            description: step.description.clone(),
            statement: statement.to_string(),
            message: message_of(e),
            state: self.state(step, detail),
        }
    }

    fn backoff(&self, n: u32) -> Duration {
        Duration::from_millis(
            self.options
                .backoff_ms
                .saturating_mul(1u64 << (n.saturating_sub(1)).min(20))
                .min(self.options.max_backoff_ms),
        )
    }

    /// Runs `attempt` until it succeeds, fails on something other than a lock timeout, or has
    /// used up the retries. `attempt` rolls back its own transaction when it fails.
    fn retry<T>(
        &mut self,
        step: &RenderedStep,
        detail: &str,
        mut attempt: impl FnMut(&mut Db) -> Result<T, (String, LiveError)>,
    ) -> Result<T, ApplyError> {
        let mut n = 0;
        loop {
            match attempt(self.db) {
                Ok(v) => return Ok(v),
                Err((_, e)) if is_retryable(&e) && n < self.options.max_retries => {
                    n += 1;
                    let wait = self.backoff(n);
                    let message = format!(
                        "step {} ({}): lock timeout, attempt {} of {} in {} ms",
                        step.step,
                        step.description,
                        n + 1,
                        self.options.max_retries + 1,
                        wait.as_millis()
                    );
                    self.report.retries.push(message.clone());
                    self.emit(Progress::Retry { message });
                    std::thread::sleep(wait);
                }
                Err((stmt, e)) => return Err(self.failed(step, &stmt, &e, detail)),
            }
        }
    }

    // ----- up -----

    fn up(&mut self) -> Result<ExecReport, ApplyError> {
        let file = self.file;
        let chosen: Vec<&RenderedStep> = file
            .up
            .iter()
            .filter(|s| self.options.to_step.is_none_or(|t| s.step <= t))
            .collect();
        let pending: Vec<&RenderedStep> = chosen
            .iter()
            .copied()
            .filter(|s| !self.is_done(s.step))
            .collect();
        self.emit(Progress::MigrationStart {
            migration: file.id.clone(),
            steps: chosen.len(),
            pending: pending.len(),
        });
        for s in &chosen {
            if self.is_done(s.step) {
                self.report
                    .steps
                    .push(outcome(s, Outcome::AlreadyDone, Stats::default(), 0));
            }
        }
        // Every pre-flight of the pending part first: nothing changes when one finds rows.
        for s in &pending {
            if let Some(DataTask::Preflight {
                description,
                query,
                limit,
            }) = &s.data
            {
                self.preflight(s, description, query, *limit)?;
            }
        }
        if self.options.dry_run {
            for s in &pending {
                self.report
                    .steps
                    .push(outcome(s, Outcome::WouldRun, Stats::default(), 0));
            }
            return Ok(std::mem::take(&mut self.report));
        }
        for s in pending {
            if let Err(e) = self.up_step(s) {
                return Err(self.after_failure(s, e));
            }
        }
        Ok(std::mem::take(&mut self.report))
    }

    fn preflight(
        &mut self,
        step: &RenderedStep,
        description: &str,
        query: &str,
        limit: u32,
    ) -> Result<(), ApplyError> {
        let sql = format!("SELECT * FROM ({query}) AS migrex_q LIMIT {}", limit.max(1));
        let (columns, rows) = self.db.query_named(&sql).map_err(|e| {
            self.failed(
                step,
                &sql,
                &e,
                "the pre-flight query failed; nothing was changed",
            )
        })?;
        if rows.is_empty() {
            return Ok(());
        }
        let shown = rows
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let v = c.as_deref().unwrap_or("NULL");
                        match columns.get(i) {
                            Some(n) => format!("{n}={v}"),
                            None => v.to_string(),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        Err(ApplyError::PreflightFailed {
            migration: self.file.id.clone(),
            step: step.step,
            description: description.to_string(),
            limit,
            rows: shown,
        })
    }

    /// Marks the step failed (best effort: the connection may be gone) and, when asked, rolls
    /// back the applied part.
    fn after_failure(&mut self, step: &RenderedStep, e: ApplyError) -> ApplyError {
        let message = e.to_string();
        let _ = self
            .db
            .execute(&self.hist.finish_sql(step.step, FAILED, Some(&message)));
        if !self.options.rollback_on_failure {
            return e;
        }
        let mut down_report = Vec::new();
        let result = (|| {
            self.rows = self.hist.load(self.db)?;
            let r = self.down()?;
            down_report = r.steps;
            Ok::<(), ApplyError>(())
        })();
        let rolled: Vec<String> = down_report.iter().map(|s| s.step.to_string()).collect();
        let note = match result {
            Ok(()) => format!(
                "rollback_on_failure: the down steps of the applied part ran (down steps [{}]); the applied up steps are marked rolled_back",
                rolled.join(", ")
            ),
            Err(r) => format!("rollback_on_failure: the rollback failed too: {r}"),
        };
        ApplyError::RolledBack {
            cause: Box::new(e),
            note,
        }
    }

    fn up_step(&mut self, s: &RenderedStep) -> Result<(), ApplyError> {
        let t0 = Instant::now();
        let existing = self.row(s.step).cloned();
        // A batched step interrupted after some batches resumes: its cursor stays.
        let resume = s.data.as_ref().is_some_and(DataTask::is_batched)
            && existing
                .as_ref()
                .is_some_and(|r| r.top_key.is_some() && (r.state == RUNNING || r.state == FAILED));
        let start = if resume {
            self.hist.resume_sql(s.step)
        } else {
            self.hist
                .start_sql(existing.is_some(), s.step, &s.description, &self.checksum)
        };
        self.db.execute(&start)?;
        self.emit(Progress::StepStart {
            migration: self.file.id.clone(),
            step: s.step,
            description: s.description.clone(),
            batched: s.data.as_ref().is_some_and(DataTask::is_batched) || s.backfill.is_some(),
        });
        let done = self.hist.finish_sql(s.step, DONE, None);
        let stats = match (&s.data, &s.backfill) {
            (Some(task @ (DataTask::Update(_) | DataTask::Copy(_))), _) => {
                let row = if resume { existing } else { None };
                let stats = self.batched(s, task, row, true)?;
                self.db.execute(&done)?;
                stats
            }
            (Some(DataTask::Sql { statements }), _) => {
                self.in_transaction(s, statements, Some(&done))?
            }
            (Some(DataTask::Preflight { .. }), _) => {
                // Already run before the first step.
                self.db.execute(&done)?;
                Stats::default()
            }
            (Some(DataTask::ProofCapture { proof, .. }), _) => {
                let (count, sum) = proof::measure(self.db, proof).map_err(|e| {
                    self.failed(
                        s,
                        &proof.query,
                        &e,
                        "the proof query failed; the step changed nothing",
                    )
                })?;
                let record = self.hist.proof_sql(s.step, &count, &sum);
                self.in_transaction(s, &[record], Some(&done))?
            }
            (Some(DataTask::ProofCheck { name, proof }), _) => {
                self.proof_check(s, name, proof)?;
                self.db.execute(&done)?;
                Stats::default()
            }
            (None, Some(_)) => {
                let options = self.options.apply_options();
                let r = crate::apply_with(self.db, std::slice::from_ref(s), &options)?;
                self.report.retries.extend(r.retries);
                self.db.execute(&done)?;
                Stats {
                    rows: r.rows_backfilled,
                    batches: r.batches as u64,
                    max_batch_ms: 0,
                }
            }
            (None, None) => self.plain(s, Some(&done))?,
        };
        if let Some(r) = self.rows.iter_mut().find(|r| r.step == s.step) {
            r.state = DONE.into();
        } else {
            self.rows.push(Row {
                step: s.step,
                checksum: self.checksum.clone(),
                state: DONE.into(),
                ..Default::default()
            });
        }
        let ms = t0.elapsed().as_millis() as u64;
        self.emit(Progress::StepDone {
            migration: self.file.id.clone(),
            step: s.step,
            rows: stats.rows,
            ms,
        });
        self.report
            .steps
            .push(outcome(s, Outcome::Applied, stats, ms));
        Ok(())
    }

    fn proof_check(
        &mut self,
        s: &RenderedStep,
        name: &str,
        proof: &migrex_render_sql::Proof,
    ) -> Result<(), ApplyError> {
        let capture =
            self.file.up.iter().find(
                |c| matches!(&c.data, Some(DataTask::ProofCapture { name: n, .. }) if n == name),
            );
        let recorded = capture
            .and_then(|c| {
                self.hist
                    .load(self.db)
                    .ok()?
                    .into_iter()
                    .find(|r| r.step == c.step)
            })
            .and_then(|r| Some((r.proof_count?, r.proof_checksum?)));
        let Some((count_before, sum_before)) = recorded else {
            return Err(ApplyError::Other(format!(
                "migration {}: step {} checks proof '{name}', but no step of the migration recorded it (a ProofCapture step of that name must run first)",
                self.file.id, s.step
            )));
        };
        let (count, sum) = proof::measure(self.db, proof)
            .map_err(|e| self.failed(s, &proof.query, &e, "the proof query failed"))?;
        if count == count_before && sum == sum_before {
            return Ok(());
        }
        let mut state = self.state(s, "the proof check failed");
        state.push_str(
            ": the data steps before it are committed and cannot be undone by a rollback of this step",
        );
        if !self.options.rollback_on_failure {
            state.push_str("; run `migrex rollback` to run the down steps of the applied part, or inspect the data first");
        }
        Err(ApplyError::ProofMismatch(Box::new(crate::ProofMismatch {
            migration: self.file.id.clone(),
            step: s.step,
            name: name.to_string(),
            count_before,
            checksum_before: sum_before,
            count_after: count,
            checksum_after: sum,
            state,
        })))
    }

    /// Statements and then `finish` in one transaction (data statements: every dialect).
    fn in_transaction(
        &mut self,
        s: &RenderedStep,
        statements: &[String],
        finish: Option<&str>,
    ) -> Result<Stats, ApplyError> {
        let begin = self.begin();
        let rows = self.retry(s, "its transaction was rolled back", |db| {
            let counts = tx(
                db,
                begin,
                statements,
                |_| finish.map(str::to_string),
                |_| None,
            )?;
            Ok(counts.iter().sum())
        })?;
        Ok(Stats {
            rows,
            ..Default::default()
        })
    }

    /// A schema step. PostgreSQL and SQLite: one transaction with the history update (SQLite:
    /// foreign keys off around it and checked before the commit, the procedure SQLite
    /// documents for table rebuilds). MySQL/MariaDB commit each DDL statement, and a step marked
    /// non-transactional (CREATE INDEX CONCURRENTLY) runs outside a transaction block.
    fn plain(&mut self, s: &RenderedStep, done: Option<&str>) -> Result<Stats, ApplyError> {
        let dialect = self.db.dialect();
        if s.transactional && dialect != Dialect::Mysql {
            let begin = self.begin();
            let fk_on = dialect == Dialect::Sqlite
                && first_row(self.db.query("PRAGMA foreign_keys")?).as_deref()
                    == Some(&["1".to_string()][..]);
            if fk_on {
                self.db.execute("PRAGMA foreign_keys = OFF")?;
            }
            let stmts = s.statements.clone();
            let done = done.map(str::to_string);
            let result = self.retry(s, "its transaction was rolled back", |db| {
                let check: &dyn Fn(&mut Db) -> Option<(String, LiveError)> = &|db: &mut Db| {
                    let v = db.query("PRAGMA foreign_key_check").ok()?;
                    let first = v.first()?;
                    Some((
                        "PRAGMA foreign_key_check".into(),
                        LiveError::Other(format!(
                            "{} row(s) violate foreign keys (first: table {} referencing {})",
                            v.len(),
                            first.first().cloned().flatten().unwrap_or_default(),
                            first.get(2).cloned().flatten().unwrap_or_default()
                        )),
                    ))
                };
                tx(
                    db,
                    begin,
                    &stmts,
                    |_| done.clone(),
                    |db| if fk_on { check(db) } else { None },
                )
            });
            if fk_on {
                self.db.execute("PRAGMA foreign_keys = ON")?;
            }
            result?;
            return Ok(Stats::default());
        }
        // Outside a transaction: PostgreSQL starts the step over (an online step first drops
        // what a failed attempt left); MySQL has committed the statements before the failed
        // one, so only that one runs again.
        let restart = dialect == Dialect::Postgres;
        let mut from = 0;
        let detail = if dialect == Dialect::Mysql {
            "partly applied: DDL on MySQL/MariaDB commits each statement, so the statements of this step before the failed one are applied"
        } else {
            "it runs outside a transaction: statements before the failed one may be applied"
        };
        let stmts = s.statements.clone();
        self.retry(s, detail, |db| {
            let start = if restart { 0 } else { from };
            for (i, st) in stmts.iter().enumerate().skip(start) {
                if let Err(e) = db.execute(st) {
                    from = i;
                    return Err((st.clone(), e));
                }
            }
            Ok(())
        })?;
        if let Some(done) = done {
            self.db.execute(done)?;
        }
        Ok(Stats::default())
    }

    /// The batch loop of an Update or Copy. `row`: the history of an interrupted run to resume;
    /// `record`: write cursor and rows into the history (up steps).
    fn batched(
        &mut self,
        s: &RenderedStep,
        task: &DataTask,
        row: Option<Row>,
        record: bool,
    ) -> Result<Stats, ApplyError> {
        let mut keyset: Keyset = match task {
            DataTask::Update(u) => u.keyset.clone(),
            DataTask::Copy(c) => c.keyset.clone(),
            _ => return Ok(Stats::default()),
        };
        if let Some(n) = self.options.batch_size {
            keyset.batch_size = n.max(1);
        }
        let ceiling = keyset.batch_size;
        // With a time budget, start small and let the sizer grow the batches: the first batch
        // must not be the one that holds its locks too long before anything is measured.
        let mut sizer = self.options.target_batch_ms.map(|target| {
            keyset.batch_size = keyset.batch_size.min(SLOW_START_ROWS);
            BatchSizer::new(ceiling, target)
        });
        let batch_sql = |lo: Option<&[String]>, hi: &[String]| match task {
            DataTask::Update(u) => u.batch_sql(lo, hi),
            DataTask::Copy(c) => c.batch_sql(lo, hi),
            _ => Vec::new(),
        };
        let (top, mut lo, mut rows_done) = match row.as_ref().and_then(|r| r.top_key.clone()) {
            Some(top) => {
                let r = row.as_ref().map(|r| (r.cursor.clone(), r.rows_done));
                let (cursor, done) = r.unwrap_or((None, 0));
                (top, cursor, done)
            }
            None => {
                let sql = keyset.top_sql();
                let top = self
                    .db
                    .query(&sql)
                    .map_err(|e| self.failed(s, &sql, &e, "nothing of it was changed"))?;
                let Some(top) = first_row(top) else {
                    return Ok(Stats::default());
                };
                if record {
                    self.db.execute(&self.hist.top_sql(s.step, &top))?;
                }
                (top, None, 0)
            }
        };
        let count_sql = keyset.count_sql(lo.as_deref(), &top);
        let remaining: u64 = first_row(self.db.query(&count_sql)?)
            .and_then(|r| r.first().and_then(|c| c.parse().ok()))
            .unwrap_or(0);
        let total = rows_done + remaining;
        self.emit(Progress::Rows {
            migration: self.file.id.clone(),
            step: s.step,
            rows_done,
            total_rows: total,
        });
        let mut stats = Stats::default();
        let begin = self.begin();
        loop {
            let next = keyset.next_sql(lo.as_deref(), &top);
            let cursor = lo.clone();
            let hi = match self.db.query(&next) {
                Ok(rows) => first_row(rows),
                Err(e) => return Err(self.failed(s, &next, &e, &resume_note(cursor.as_deref()))),
            };
            let Some(hi) = hi else { break };
            let stmts = batch_sql(lo.as_deref(), &hi);
            let hist = self.hist.clone();
            let step = s.step;
            let t0 = Instant::now();
            let counts = self.retry(s, &resume_note(cursor.as_deref()), |db| {
                tx(
                    db,
                    begin,
                    &stmts,
                    // The cursor moves in the batch's own transaction: committed together or
                    // not at all.
                    |c| record.then(|| hist.batch_sql(step, &hi, c.first().copied().unwrap_or(0))),
                    |_| None,
                )
            })?;
            let batch_ms = t0.elapsed().as_millis() as u64;
            let rows = counts.first().copied().unwrap_or(0);
            rows_done += rows;
            stats.rows += rows;
            stats.batches += 1;
            stats.max_batch_ms = stats.max_batch_ms.max(batch_ms);
            if let Some(sizer) = sizer.as_mut() {
                keyset.batch_size = sizer.next(keyset.batch_size, batch_ms);
            }
            self.emit(Progress::Batch {
                migration: self.file.id.clone(),
                step: s.step,
                rows_done,
                total_rows: total.max(rows_done),
                batch_ms,
            });
            lo = Some(hi);
            if self.options.pause_ms > 0 {
                std::thread::sleep(Duration::from_millis(self.options.pause_ms));
            }
        }
        Ok(stats)
    }

    // ----- down -----

    fn down(&mut self) -> Result<ExecReport, ApplyError> {
        let file = self.file;
        // Step numbers start at 0 in planned migrations: no --to undoes them all.
        let keep = self.options.to_step;
        let targets: Vec<usize> = file
            .up
            .iter()
            .filter(|s| keep.is_none_or(|k| s.step > k) && self.row(s.step).is_some_and(applied))
            .map(|s| s.step)
            .collect();
        if targets.is_empty() {
            return Ok(std::mem::take(&mut self.report));
        }
        let downs: Vec<&RenderedStep> = match file.down_mode {
            DownMode::Whole => {
                if keep.is_some() {
                    return Err(ApplyError::Other(format!(
                        "migration {}: its down steps undo the whole migration (a reverse plan), so --to cannot keep a part of it",
                        file.id
                    )));
                }
                let missing: Vec<String> = file
                    .up
                    .iter()
                    .filter(|s| !self.is_done(s.step))
                    .map(|s| s.step.to_string())
                    .collect();
                if !missing.is_empty() {
                    return Err(ApplyError::Other(format!(
                        "migration {} is partly applied (steps [{}] are not done) and its down steps undo the whole migration: finish it with `migrex apply` first, or repair it by hand",
                        file.id,
                        missing.join(", ")
                    )));
                }
                file.down.iter().collect()
            }
            DownMode::PerStep => file
                .down
                .iter()
                .filter(|d| targets.contains(&d.step))
                .collect(),
        };
        if self.options.dry_run {
            for d in downs {
                self.report
                    .steps
                    .push(outcome(d, Outcome::WouldRollBack, Stats::default(), 0));
            }
            return Ok(std::mem::take(&mut self.report));
        }
        let per_step = file.down_mode == DownMode::PerStep;
        for d in downs {
            let t0 = Instant::now();
            self.emit(Progress::StepStart {
                migration: file.id.clone(),
                step: d.step,
                description: d.description.clone(),
                batched: d.data.as_ref().is_some_and(DataTask::is_batched),
            });
            let finish = per_step.then(|| self.hist.finish_sql(d.step, ROLLED_BACK, None));
            let stats = self.down_step(d, finish.as_deref())?;
            let ms = t0.elapsed().as_millis() as u64;
            self.emit(Progress::StepDone {
                migration: file.id.clone(),
                step: d.step,
                rows: stats.rows,
                ms,
            });
            self.report
                .steps
                .push(outcome(d, Outcome::RolledBack, stats, ms));
        }
        // Whole migrations, and up steps without a down step of their own (a proof, a
        // pre-flight): marked once the down steps ran.
        for t in &targets {
            if !per_step || !file.down.iter().any(|d| d.step == *t) {
                self.db
                    .execute(&self.hist.finish_sql(*t, ROLLED_BACK, None))?;
            }
            if let Some(r) = self.rows.iter_mut().find(|r| r.step == *t) {
                r.state = ROLLED_BACK.into();
            }
        }
        Ok(std::mem::take(&mut self.report))
    }

    fn down_step(&mut self, d: &RenderedStep, finish: Option<&str>) -> Result<Stats, ApplyError> {
        let run_finish = |r: &mut Runner| -> Result<(), ApplyError> {
            if let Some(f) = finish {
                r.db.execute(f)?;
            }
            Ok(())
        };
        let stats = match (&d.data, &d.backfill) {
            (Some(task @ (DataTask::Update(_) | DataTask::Copy(_))), _) => {
                let stats = self.batched(d, task, None, false)?;
                run_finish(self)?;
                stats
            }
            (Some(DataTask::Sql { statements }), _) => {
                self.in_transaction(d, statements, finish)?
            }
            (
                Some(DataTask::Preflight {
                    description,
                    query,
                    limit,
                }),
                _,
            ) => {
                self.preflight(d, description, query, *limit)?;
                run_finish(self)?;
                Stats::default()
            }
            // Proofs of a down migration: captured and checked within this run (a rollback
            // interrupted between the two has nothing to compare with and says so).
            (Some(DataTask::ProofCapture { name, proof }), _) => {
                let m = proof::measure(self.db, proof)
                    .map_err(|e| self.failed(d, &proof.query, &e, "the proof query failed"))?;
                self.down_proofs.insert(name.clone(), m);
                run_finish(self)?;
                Stats::default()
            }
            (Some(DataTask::ProofCheck { name, proof }), _) => {
                let Some((count_before, checksum_before)) = self.down_proofs.get(name).cloned()
                else {
                    return Err(ApplyError::Other(format!(
                        "migration {}: down step {} checks proof '{name}', which this rollback did not record (no ProofCapture of that name ran before it in this run)",
                        self.file.id, d.step
                    )));
                };
                let (count, sum) = proof::measure(self.db, proof)
                    .map_err(|e| self.failed(d, &proof.query, &e, "the proof query failed"))?;
                if count != count_before || sum != checksum_before {
                    return Err(ApplyError::ProofMismatch(Box::new(crate::ProofMismatch {
                        migration: self.file.id.clone(),
                        step: d.step,
                        name: name.clone(),
                        count_before,
                        checksum_before,
                        count_after: count,
                        checksum_after: sum,
                        state: format!(
                            "rollback of migration {}: the down steps before this check are committed; the up steps are not marked rolled_back",
                            self.file.id
                        ),
                    })));
                }
                run_finish(self)?;
                Stats::default()
            }
            (None, Some(_)) => {
                let options = self.options.apply_options();
                let r = crate::apply_with(self.db, std::slice::from_ref(d), &options)?;
                run_finish(self)?;
                Stats {
                    rows: r.rows_backfilled,
                    batches: r.batches as u64,
                    max_batch_ms: 0,
                }
            }
            (None, None) => self.plain(d, finish)?,
        };
        Ok(stats)
    }
}

/// The first batch's size when batches adapt to a time budget.
const SLOW_START_ROWS: u32 = 1000;

/// Sizes batches to a time budget. Batch times vary two- to threefold at the same size (I/O,
/// page flushing, other sessions), so a controller steering on the last batch alone overshoots
/// after a lucky one. This one keeps a pessimistic estimate of the time per key (a slower batch
/// raises it at once, faster ones lower it gradually), aims at a third of the budget, and grows
/// by at most half per batch, within 10 rows and the ceiling.
struct BatchSizer {
    ceiling: u32,
    target_ms: u64,
    ms_per_key: Option<f64>,
}

impl BatchSizer {
    fn new(ceiling: u32, target_ms: u64) -> Self {
        BatchSizer {
            ceiling: ceiling.max(1),
            target_ms: target_ms.max(1),
            ms_per_key: None,
        }
    }

    /// The next batch's size after a batch of `size` keys took `batch_ms`.
    fn next(&mut self, size: u32, batch_ms: u64) -> u32 {
        let sample = batch_ms.max(1) as f64 / f64::from(size.max(1));
        let estimate = match self.ms_per_key {
            Some(e) if sample <= e => 0.8 * e + 0.2 * sample,
            _ => sample,
        };
        self.ms_per_key = Some(estimate);
        let aim = self.target_ms as f64 / 3.0;
        let grow = (u64::from(size) * 3 / 2).max(10);
        let hi = grow.min(u64::from(self.ceiling)).max(10);
        ((aim / estimate) as u64).clamp(10, hi) as u32
    }
}

/// The error detail of a failed batch.
fn resume_note(cursor: Option<&[String]>) -> String {
    match cursor {
        Some(c) => format!(
            "batches up to key ({}) are committed and recorded; this batch was rolled back; run again to resume after that key",
            c.join(", ")
        ),
        None => "no batch was committed; run again to start it over".into(),
    }
}

/// True for a history row whose step changed (or may have changed) the database.
fn applied(r: &Row) -> bool {
    r.state == DONE || r.state == RUNNING || (r.state == FAILED && r.rows_done > 0)
}

fn outcome(s: &RenderedStep, outcome: Outcome, stats: Stats, ms: u64) -> StepOutcome {
    StepOutcome {
        step: s.step,
        description: s.description.clone(),
        outcome,
        rows: stats.rows,
        batches: stats.batches,
        ms,
        max_batch_ms: stats.max_batch_ms,
    }
}

/// `begin`, the statements, the statement `finish` makes of their row counts (the history
/// update), `check` (a failure found before the commit), `COMMIT`; rolls back on the first
/// failure. Returns each statement's row count.
fn tx(
    db: &mut Db,
    begin: &str,
    statements: &[String],
    finish: impl Fn(&[u64]) -> Option<String>,
    check: impl Fn(&mut Db) -> Option<(String, LiveError)>,
) -> Result<Vec<u64>, (String, LiveError)> {
    db.execute(begin).map_err(|e| (begin.to_string(), e))?;
    let mut counts = Vec::with_capacity(statements.len());
    for s in statements {
        match db.execute(s) {
            Ok(n) => counts.push(n),
            Err(e) => {
                let _ = db.execute("ROLLBACK");
                return Err((s.clone(), e));
            }
        }
    }
    if let Some(f) = finish(&counts)
        && let Err(e) = db.execute(&f)
    {
        let _ = db.execute("ROLLBACK");
        return Err((f, e));
    }
    if let Some(err) = check(db) {
        let _ = db.execute("ROLLBACK");
        return Err(err);
    }
    if let Err(e) = db.execute("COMMIT") {
        let _ = db.execute("ROLLBACK");
        return Err(("COMMIT".into(), e));
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::BatchSizer;

    #[test]
    fn batches_aim_at_a_third_of_the_budget() {
        // 1000 keys in 30 ms against a 90 ms budget: 0.03 ms per key, aim 30 ms.
        let mut s = BatchSizer::new(50_000, 90);
        assert_eq!(s.next(1000, 30), 1000);
        // Twice as slow: the estimate jumps at once, the size halves.
        assert_eq!(s.next(1000, 60), 500);
    }

    #[test]
    fn fast_batches_grow_by_half_at_most_up_to_the_ceiling() {
        let mut s = BatchSizer::new(2000, 300);
        assert_eq!(s.next(1000, 1), 1500);
        assert_eq!(s.next(1500, 1), 2000);
        assert_eq!(s.next(2000, 1), 2000);
    }

    #[test]
    fn one_lucky_batch_does_not_undo_a_slow_one() {
        let mut s = BatchSizer::new(50_000, 300);
        assert_eq!(s.next(1000, 100), 1000);
        // A batch four times faster lowers the estimate by a fifth of the gap, not to the sample.
        let after = s.next(1000, 25);
        assert!(after > 1000 && after < 1500, "{after}");
        // Never below 10 rows.
        assert_eq!(s.next(after, 1_000_000), 10);
    }
}
