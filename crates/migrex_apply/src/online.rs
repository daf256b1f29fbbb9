//! Applying online plans: each step in a transaction of its own (PostgreSQL) so that no lock
//! outlives its statement, a step that hits the lock timeout retried with backoff, and batched
//! backfills run batch by batch, each batch its own transaction.

use crate::{ApplyError, ApplyReport, step_failed};
use migrex_model::Dialect;
use migrex_render_sql::{BackfillLoop, RenderedStep};
use migrex_source_live::{Db, LiveError};
use std::time::Duration;

/// How `apply_with` runs an online plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Attempts after the first when a step fails on a lock timeout (or a deadlock).
    pub lock_retries: u32,
    /// The wait before the first retry; doubled for each later one, up to `max_backoff_ms`.
    pub backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// A pause between backfill batches, giving the server room for other work.
    pub batch_pause_ms: u64,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            lock_retries: 6,
            backoff_ms: 500,
            max_backoff_ms: 30_000,
            batch_pause_ms: 0,
        }
    }
}

/// True when a statement failed because it waited too long for a lock (PostgreSQL 55P03,
/// MySQL/MariaDB 1205) or lost a deadlock: trying again later is the cure.
pub fn is_lock_timeout(e: &LiveError) -> bool {
    let m = e.to_string().to_ascii_lowercase();
    m.contains("lock timeout")
        || m.contains("lock wait timeout exceeded")
        || m.contains("could not obtain lock")
        || m.contains("deadlock")
}

struct Runner<'a> {
    db: &'a mut Db,
    options: &'a ApplyOptions,
    report: ApplyReport,
    all: &'a [RenderedStep],
}

/// Applies an online plan's rendered steps in order (see the module comment).
pub fn apply_with(
    db: &mut Db,
    steps: &[RenderedStep],
    options: &ApplyOptions,
) -> Result<ApplyReport, ApplyError> {
    let mut r = Runner {
        db,
        options,
        report: ApplyReport::default(),
        all: steps,
    };
    for step in steps {
        if let Some(b) = &step.backfill {
            r.backfill(step, b)?;
        } else if step.transactional && r.db.dialect() == Dialect::Postgres {
            r.with_retry(step, |db| {
                db.execute("BEGIN").map_err(|e| (0, e))?;
                for (i, s) in step.statements.iter().enumerate() {
                    if let Err(e) = db.execute(s) {
                        let _ = db.execute("ROLLBACK");
                        return Err((i, e));
                    }
                }
                db.execute("COMMIT")
                    .map_err(|e| (step.statements.len(), e))?;
                Ok(())
            })?;
        } else {
            // Outside a transaction: CREATE INDEX CONCURRENTLY and friends start over (the step
            // first drops what a failed attempt left); MySQL DDL commits each statement, so
            // only the failed statement runs again.
            let restart = r.db.dialect() == Dialect::Postgres;
            let mut from = 0;
            r.with_retry(step, |db| {
                let start = if restart { 0 } else { from };
                for (i, s) in step.statements.iter().enumerate().skip(start) {
                    if let Err(e) = db.execute(s) {
                        from = i;
                        return Err((i, e));
                    }
                }
                Ok(())
            })?;
        }
        r.report.statements_run += step.statements.len();
        r.report.steps_applied += 1;
    }
    Ok(r.report)
}

impl Runner<'_> {
    fn state(&self, step: &RenderedStep) -> String {
        let done: Vec<String> = self
            .all
            .iter()
            .take(self.report.steps_applied)
            .map(|s| s.step.to_string())
            .collect();
        format!(
            "steps [{}] are applied; step {} is not (or only partly: each online step is safe to run again) and the later ones are not",
            done.join(", "),
            step.step
        )
    }

    /// Runs `attempt` until it succeeds, fails on something other than a lock timeout, or has
    /// used up its retries; each retry is recorded in the report.
    fn with_retry(
        &mut self,
        step: &RenderedStep,
        mut attempt: impl FnMut(&mut Db) -> Result<(), (usize, LiveError)>,
    ) -> Result<(), ApplyError> {
        let mut n = 0;
        loop {
            match attempt(self.db) {
                Ok(()) => return Ok(()),
                Err((i, e)) if is_lock_timeout(&e) && n < self.options.lock_retries => {
                    n += 1;
                    let wait = self.backoff(n);
                    self.report.retries.push(format!(
                        "step {} ({}): lock timeout, attempt {} of {} in {} ms",
                        step.step,
                        step.description,
                        n + 1,
                        self.options.lock_retries + 1,
                        wait.as_millis()
                    ));
                    let _ = i;
                    std::thread::sleep(wait);
                }
                Err((i, e)) => {
                    let stmt = step.statements.get(i).cloned().unwrap_or_default();
                    let state = self.state(step);
                    return Err(step_failed(step, &stmt, &e, state));
                }
            }
        }
    }

    fn backoff(&self, n: u32) -> Duration {
        let ms = self
            .options
            .backoff_ms
            .saturating_mul(1u64 << (n - 1).min(20))
            .min(self.options.max_backoff_ms);
        Duration::from_millis(ms)
    }

    /// The batch loop: key ranges of at most `batch_size` rows up to the greatest key at the
    /// start, one UPDATE (one transaction) each.
    fn backfill(&mut self, step: &RenderedStep, b: &BackfillLoop) -> Result<(), ApplyError> {
        let fail = |r: &Runner, sql: &str, e: &LiveError| step_failed(step, sql, e, r.state(step));
        // The session settings (lock timeout) that precede the loop in the script.
        for s in step
            .statements
            .iter()
            .filter(|s| s.trim_start().to_ascii_uppercase().starts_with("SET "))
        {
            self.db.execute(s).map_err(|e| fail(self, s, &e))?;
        }
        let key_of = |rows: Vec<Vec<Option<String>>>| -> Option<Vec<String>> {
            let row = rows.into_iter().next()?;
            row.into_iter().collect::<Option<Vec<String>>>()
        };
        let top_sql = b.top_sql();
        let Some(top) = key_of(
            self.db
                .query(&top_sql)
                .map_err(|e| fail(self, &top_sql, &e))?,
        ) else {
            return Ok(());
        };
        let mut lo: Option<Vec<String>> = None;
        loop {
            let next = b.next_sql(lo.as_deref(), &top);
            let Some(hi) = key_of(self.db.query(&next).map_err(|e| fail(self, &next, &e))?) else {
                break;
            };
            let update = b.update_sql(lo.as_deref(), &hi);
            let mut rows = 0;
            self.with_retry(step, |db| {
                rows = db.execute(&update).map_err(|e| (usize::MAX, e))?;
                Ok(())
            })
            .map_err(|e| match e {
                ApplyError::StepFailed {
                    step: s,
                    description,
                    message,
                    state,
                    ..
                } => ApplyError::StepFailed {
                    step: s,
                    description,
                    statement: update.clone(),
                    message,
                    state,
                },
                other => other,
            })?;
            self.report.batches += 1;
            self.report.rows_backfilled += rows;
            lo = Some(hi);
            if self.options.batch_pause_ms > 0 {
                std::thread::sleep(Duration::from_millis(self.options.batch_pause_ms));
            }
        }
        Ok(())
    }
}
