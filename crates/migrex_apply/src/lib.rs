//! APPLY/VERIFY: run rendered plans against a database; prove a migration on a scratch database.
//!
//! Input: rendered steps and a `Db`. Output: what ran, or exactly which step failed and what state
//! the database is in. Allowed dependencies: model, dialect, diff, render_sql, source_live.
//! Per-dialect differences here are transaction behaviour only: PostgreSQL and SQLite run DDL in
//! one transaction (steps that cannot run in a transaction run after it, each on its own);
//! MySQL/MariaDB commit each DDL statement implicitly, so a failure leaves earlier steps applied
//! and the report says so.

pub mod exec;
mod online;
mod verify;

pub use online::{ApplyOptions, apply_with, is_lock_timeout};

pub use verify::{Scratch, VerifyReport, verify, verify_rendered};

pub use exec::{
    DownMode, ExecOptions, ExecReport, MigrationFile, Outcome, Progress, StepOutcome, run_down,
    run_up,
};

use migrex_model::Dialect;
use migrex_render_sql::RenderedStep;
use migrex_source_live::{Db, LiveError};
use serde::Serialize;

/// The tables `migrex apply` keeps in the database it migrates (history, and the SQLite lock
/// row): schema readers leave them out.
pub const BOOKKEEPING_TABLES: &[&str] = &["migrex_history", "migrex_lock"];

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyError {
    /// A statement failed. `state` says what the database holds now.
    #[error(
        "step {step} ({description}) failed: {message}\n  statement: {statement}\n  database state: {state}"
    )]
    StepFailed {
        step: usize,
        description: String,
        statement: String,
        message: String,
        state: String,
    },
    #[error(transparent)]
    Live(#[from] LiveError),
    /// An applied migration whose steps changed since.
    #[error(
        "migration {migration} was applied with checksum {recorded}, but its file now has checksum {now}: an applied migration must not be edited (write a new migration, or roll this one back first)"
    )]
    ChecksumChanged {
        migration: String,
        recorded: String,
        now: String,
    },
    /// Another run holds the migration lock.
    #[error("another migrex run holds the migration lock of this database: {holder}")]
    Locked { holder: String },
    #[error(
        "migration {migration}: pre-flight check of step {step} failed: {description}; nothing was changed. First {} row(s) (at most {limit}):\n  {}", rows.len(), rows.join("\n  ")
    )]
    PreflightFailed {
        migration: String,
        step: usize,
        description: String,
        limit: u32,
        rows: Vec<String>,
    },
    #[error("{0}")]
    ProofMismatch(Box<ProofMismatch>),
    /// A step failed and `rollback_on_failure` ran the down steps.
    #[error("{cause}\n  {note}")]
    RolledBack {
        cause: Box<ApplyError>,
        note: String,
    },
    #[error("cannot read migration {path}: {message}")]
    BadMigration { path: String, message: String },
    #[error("{0}")]
    Other(String),
}

/// A proof whose count or checksum changed across the data steps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "migration {migration}: proof '{name}' (step {step}) does not hold: before the data steps {count_before} rows with checksum {checksum_before}, after them {count_after} rows with checksum {checksum_after}\n  database state: {state}"
)]
pub struct ProofMismatch {
    pub migration: String,
    pub step: usize,
    pub name: String,
    pub count_before: String,
    pub checksum_before: String,
    pub count_after: String,
    pub checksum_after: String,
    pub state: String,
}

/// What an apply did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct ApplyReport {
    pub steps_applied: usize,
    pub statements_run: usize,
    /// Online plans: each retry after a lock timeout, as a sentence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<String>,
    /// Online plans: backfill batches run and rows they changed.
    pub batches: usize,
    pub rows_backfilled: u64,
}

/// Applies rendered steps in order.
///
/// Where the database has transactional DDL (PostgreSQL, SQLite), runs of transactional steps go
/// in one transaction each: a failure rolls back that run and says which earlier runs were
/// committed. A step that cannot run in a transaction (PostgreSQL `ALTER TYPE ... ADD VALUE`
/// before 12) ends the current transaction and runs on its own, keeping the plan's order.
///
/// An online plan (steps marked `isolated`) runs through `apply_with` with default options.
pub fn apply(db: &mut Db, steps: &[RenderedStep]) -> Result<ApplyReport, ApplyError> {
    if steps.iter().any(|s| s.isolated) {
        return apply_with(db, steps, &ApplyOptions::default());
    }
    if db.dialect() == Dialect::Sqlite {
        return apply_sqlite(db, steps);
    }
    let transactional_ddl = db.dialect() == Dialect::Postgres;
    let mut report = ApplyReport::default();
    let mut i = 0;
    while i < steps.len() {
        if !(transactional_ddl && steps[i].transactional) {
            run_autocommit(db, &steps[i], &mut report, steps)?;
            i += 1;
            continue;
        }
        let end = steps[i..]
            .iter()
            .position(|s| !s.transactional)
            .map_or(steps.len(), |p| i + p);
        db.execute("BEGIN")?;
        let mut statements = 0;
        for step in &steps[i..end] {
            for stmt in &step.statements {
                if let Err(e) = db.execute(stmt) {
                    let _ = db.execute("ROLLBACK");
                    let state = if report.steps_applied == 0 {
                        "unchanged: the transaction was rolled back".to_string()
                    } else {
                        format!(
                            "steps before {} were committed; this transaction (steps {}..{}) was rolled back",
                            steps[i].step,
                            steps[i].step,
                            steps[end - 1].step
                        )
                    };
                    return Err(step_failed(step, stmt, &e, state));
                }
                statements += 1;
            }
        }
        db.execute("COMMIT")?;
        report.statements_run += statements;
        report.steps_applied += end - i;
        i = end;
    }
    Ok(report)
}

/// SQLite: the whole plan in one transaction, with foreign-key enforcement off around it and
/// `PRAGMA foreign_key_check` before the commit — the procedure SQLite documents for changes
/// ALTER TABLE cannot make (`PRAGMA foreign_keys` is a no-op inside a transaction, hence outside).
fn apply_sqlite(db: &mut Db, steps: &[RenderedStep]) -> Result<ApplyReport, ApplyError> {
    let mut report = ApplyReport::default();
    if steps.is_empty() {
        return Ok(report);
    }
    let fk_on = db
        .query("PRAGMA foreign_keys")?
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .as_deref()
        == Some("1");
    if fk_on {
        db.execute("PRAGMA foreign_keys = OFF")?;
    }
    let result = (|| -> Result<(), ApplyError> {
        db.execute("BEGIN")?;
        for step in steps {
            for stmt in &step.statements {
                if let Err(e) = db.execute(stmt) {
                    let _ = db.execute("ROLLBACK");
                    return Err(step_failed(
                        step,
                        stmt,
                        &e,
                        "unchanged: the transaction was rolled back".into(),
                    ));
                }
                report.statements_run += 1;
            }
            report.steps_applied += 1;
        }
        if fk_on {
            let violations = db.query("PRAGMA foreign_key_check")?;
            if let Some(v) = violations.first() {
                let _ = db.execute("ROLLBACK");
                let table = v.first().cloned().flatten().unwrap_or_default();
                let parent = v.get(2).cloned().flatten().unwrap_or_default();
                return Err(ApplyError::StepFailed {
                    step: steps.last().map_or(0, |s| s.step),
                    description: "foreign key check after the migration".into(),
                    statement: "PRAGMA foreign_key_check".into(),
                    message: format!(
                        "{} row(s) violate foreign keys (first: table {table} referencing {parent})",
                        violations.len()
                    ),
                    state: "unchanged: the transaction was rolled back".into(),
                });
            }
        }
        db.execute("COMMIT")?;
        Ok(())
    })();
    if fk_on {
        db.execute("PRAGMA foreign_keys = ON")?;
    }
    result.map(|()| report)
}

fn run_autocommit(
    db: &mut Db,
    step: &RenderedStep,
    report: &mut ApplyReport,
    all: &[RenderedStep],
) -> Result<(), ApplyError> {
    for (i, stmt) in step.statements.iter().enumerate() {
        if let Err(e) = db.execute(stmt) {
            let done: Vec<String> = all
                .iter()
                .take(report.steps_applied)
                .map(|s| s.step.to_string())
                .collect();
            let state = format!(
                "partially migrated: steps [{}] are applied{}; this step and the later ones are not (DDL on {} commits each statement)",
                done.join(", "),
                if i > 0 {
                    format!(", and {i} statement(s) of this step")
                } else {
                    String::new()
                },
                db.dialect()
            );
            return Err(step_failed(step, stmt, &e, state));
        }
        report.statements_run += 1;
    }
    report.steps_applied += 1;
    Ok(())
}

fn step_failed(step: &RenderedStep, stmt: &str, e: &LiveError, state: String) -> ApplyError {
    let message = match e {
        LiveError::Query { message, .. } => message.clone(),
        other => other.to_string(),
    };
    ApplyError::StepFailed {
        step: step.step,
        description: step.description.clone(),
        statement: stmt.to_string(),
        message,
        state,
    }
}
