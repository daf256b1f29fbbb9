//! `migrex apply PLAN_OR_DIR --db URL` and `migrex rollback PLAN_OR_DIR --db URL`: run a
//! migration written by `migrex diff --out DIR` (or a .sql file) with history, lock, per-step
//! transactions and resumable batched data steps (`migrex_apply::exec`).

use crate::HumanOrJson;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use migrex_apply::{ExecOptions, ExecReport, MigrationFile, Outcome, Progress};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct ApplyArgs {
    /// A migration.json, a directory holding one (`migrex diff --out DIR`), a directory of
    /// such directories (applied in name order), or a plain .sql file.
    path: PathBuf,
    /// The database URL (default: the MIGREX_DB environment variable).
    #[arg(long, env = "MIGREX_DB", hide_env_values = true)]
    db: String,
    /// Say what would run and run the pre-flight checks; change nothing.
    #[arg(long)]
    dry_run: bool,
    /// apply: run the steps up to this one (inclusive); rollback: undo the steps after it.
    #[arg(long, value_name = "STEP")]
    to: Option<usize>,
    /// Rows per batch of every batched data step (overrides the migration's).
    #[arg(long, value_name = "N")]
    batch_size: Option<u32>,
    /// Pause between batches, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pause: u64,
    /// The longest a statement waits for a lock before it fails and is retried, in ms.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    lock_timeout: u64,
    /// The longest a statement may run, in ms (default: the server's setting).
    #[arg(long, value_name = "MS")]
    statement_timeout: Option<u64>,
    /// Retries after a lock timeout or deadlock, with exponential backoff.
    #[arg(long, value_name = "N", default_value_t = 6)]
    max_retries: u32,
    /// Size batches so that none holds its row locks longer than this (ms; they aim at a third
    /// of it); 0 keeps every batch at the batch size.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    max_batch_ms: u64,
    /// apply: when a step fails (or a proof does not hold), run the down steps of the
    /// applied part.
    #[arg(long)]
    rollback_on_failure: bool,
    #[arg(long, value_enum, default_value = "human")]
    format: HumanOrJson,
}

fn options(a: &ApplyArgs) -> ExecOptions {
    ExecOptions {
        to_step: a.to,
        dry_run: a.dry_run,
        batch_size: a.batch_size,
        pause_ms: a.pause,
        lock_timeout_ms: a.lock_timeout,
        statement_timeout_ms: a.statement_timeout,
        max_retries: a.max_retries,
        rollback_on_failure: a.rollback_on_failure,
        target_batch_ms: (a.max_batch_ms > 0).then_some(a.max_batch_ms),
        ..Default::default()
    }
}

/// Progress bars on a terminal: one per batched step (rows done, rate, ETA), a line per step.
struct Bars {
    on: bool,
    bar: Option<ProgressBar>,
}

impl Bars {
    fn event(&mut self, p: Progress) {
        if !self.on {
            return;
        }
        match p {
            Progress::StepStart {
                step, description, ..
            } => eprintln!("step {step}: {description}"),
            Progress::Rows {
                rows_done,
                total_rows,
                ..
            } => {
                let bar = ProgressBar::new(total_rows);
                if let Ok(style) = ProgressStyle::with_template(
                    "  [{bar:30}] {pos}/{len} rows  {per_sec}  ETA {eta}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_position(rows_done);
                bar.reset_eta();
                self.bar = Some(bar);
            }
            Progress::Batch {
                rows_done,
                total_rows,
                ..
            } => {
                if let Some(b) = &self.bar {
                    b.set_length(total_rows);
                    b.set_position(rows_done);
                }
            }
            Progress::StepDone { ms, .. } => {
                if let Some(b) = self.bar.take() {
                    b.finish();
                }
                eprintln!("  done in {ms} ms");
            }
            Progress::Retry { message } => match &self.bar {
                Some(b) => b.println(format!("  {message}")),
                None => eprintln!("  {message}"),
            },
            Progress::MigrationStart {
                migration,
                steps,
                pending,
            } => eprintln!("migration {migration}: {pending} of {steps} step(s) to run"),
        }
    }
}

pub fn run(args: ApplyArgs, rollback: bool) -> Result<ExitCode, migrex::Error> {
    let mut db = migrex::Db::connect(&args.db)?;
    let mut files = MigrationFile::read(&args.path, db.dialect())?;
    if files.len() > 1 && args.to.is_some() {
        return Err(migrex::Error::Usage(format!(
            "{} holds {} migrations: --to names a step of one migration (pass its directory)",
            args.path.display(),
            files.len()
        )));
    }
    if rollback {
        // The latest migration is undone first.
        files.reverse();
    }
    let opts = options(&args);
    let mut bars = Bars {
        on: args.format == HumanOrJson::Human && std::io::stderr().is_terminal(),
        bar: None,
    };
    let mut reports: Vec<ExecReport> = Vec::new();
    for f in &files {
        let r = if rollback {
            migrex_apply::run_down(&mut db, f, &opts, &mut |p| bars.event(p))
        } else {
            migrex_apply::run_up(&mut db, f, &opts, &mut |p| bars.event(p))
        };
        if let Some(b) = bars.bar.take() {
            b.abandon();
        }
        reports.push(r?);
    }
    match args.format {
        HumanOrJson::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "database": migrex::redact_url(&args.db),
                "migrations": reports,
            }))
            .unwrap_or_default()
        ),
        HumanOrJson::Human => out!("{}", human(&reports, &args, rollback)),
    }
    Ok(ExitCode::SUCCESS)
}

fn human(reports: &[ExecReport], args: &ApplyArgs, rollback: bool) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!(
            "migration {} on {}{}\n",
            r.migration,
            migrex::redact_url(&args.db),
            if r.dry_run { " (dry run)" } else { "" }
        ));
        if r.steps.is_empty() {
            out.push_str(if rollback {
                "  nothing to roll back\n"
            } else {
                "  nothing to apply\n"
            });
        }
        for s in &r.steps {
            let what = match s.outcome {
                Outcome::Applied => "applied",
                Outcome::AlreadyDone => "already done",
                Outcome::WouldRun => "would run",
                Outcome::RolledBack => "rolled back",
                Outcome::WouldRollBack => "would roll back",
            };
            out.push_str(&format!("  step {}: {what}: {}", s.step, s.description));
            if s.batches > 0 {
                out.push_str(&format!(
                    " ({} rows in {} batches, longest batch {} ms)",
                    s.rows, s.batches, s.max_batch_ms
                ));
            }
            if matches!(s.outcome, Outcome::Applied | Outcome::RolledBack) {
                out.push_str(&format!(" [{} ms]", s.ms));
            }
            out.push('\n');
        }
        for retry in &r.retries {
            out.push_str(&format!("  retry: {retry}\n"));
        }
    }
    out
}
