//! `migrex lint FILE...` (hand-written migration files judged for a running database) and
//! `migrex rule [CODE|NAME]` (the rule catalogue and each rule's documentation).

use crate::DialectArg;
use crate::plan::FlavorArg;
use clap::{Args, ValueEnum};
use migrex::model::Dialect;
use migrex_lint::{FileReport, Options, output, rules};
use migrex_safety::{Flavor, Severity, Target, Version};
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LintFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LintFailOn {
    Info,
    Warning,
    Error,
}

#[derive(Args)]
pub struct LintArgs {
    /// Migration files (plain SQL).
    #[arg(required = true)]
    files: Vec<String>,
    /// The files' dialect (default: inferred from each file's text, else postgres).
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// The server version the migrations run on (`16.4`, `8.0.36`, `10.11.6`); default: the
    /// oldest supported (PostgreSQL 12, MySQL 8.0.0, MariaDB 10.11).
    #[arg(long, value_name = "V")]
    server_version: Option<String>,
    /// MySQL or MariaDB (they differ in online DDL); default mysql.
    #[arg(long, value_enum)]
    flavor: Option<FlavorArg>,
    #[arg(long, value_enum, default_value = "human")]
    format: LintFormat,
    /// Exit 1 when a finding reaches this severity.
    #[arg(long, value_enum, default_value = "warning")]
    fail_on: LintFailOn,
    /// PostgreSQL: each file runs inside one transaction opened by its framework (Rails,
    /// Django, Flyway, Alembic...), so CONCURRENTLY and VACUUM in it are errors.
    #[arg(long)]
    assume_transaction: bool,
}

/// Prints to stdout; a closed pipe (`migrex rule | head`) is not an error worth a panic.
fn print_out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn usage(message: String) -> migrex::Error {
    migrex::Error::Usage(message)
}

pub fn run(args: LintArgs) -> Result<ExitCode, migrex::Error> {
    let version = match &args.server_version {
        Some(v) => Some(
            Version::parse(v)
                .ok_or_else(|| usage(format!("--server-version {v:?} is not a version")))?,
        ),
        None => None,
    };
    let mut reports = Vec::new();
    let mut sources = Vec::new();
    for file in &args.files {
        let text = std::fs::read_to_string(file).map_err(|e| migrex::Error::Io {
            path: file.clone(),
            message: e.to_string(),
        })?;
        let dialect: Dialect = match args.dialect {
            Some(d) => d.into(),
            None => migrex_lint::infer_dialect(&text)
                .or_else(|| migrex::infer_dialect(&text))
                .unwrap_or(Dialect::Postgres),
        };
        let mut target = Target::of_dialect(dialect, version);
        if dialect == Dialect::Mysql
            && (matches!(args.dialect, Some(DialectArg::Mariadb))
                || args.flavor == Some(FlavorArg::Mariadb))
        {
            target.flavor = Flavor::Mariadb;
        }
        let opts = Options {
            target,
            assume_transaction: args.assume_transaction,
        };
        reports.push(migrex_lint::lint(&text, file, dialect, &opts));
        sources.push(text);
    }
    match args.format {
        LintFormat::Human => {
            for (r, s) in reports.iter().zip(&sources) {
                print_out(&output::human(r, s));
            }
            let (e, w, i) = output::summary(&reports);
            eprintln!(
                "{} file(s), {} statement(s): {e} error(s), {w} warning(s), {i} info",
                reports.len(),
                reports.iter().map(|r| r.statements).sum::<usize>()
            );
        }
        LintFormat::Json => print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&output::json(&reports)).unwrap_or_default()
        )),
        LintFormat::Sarif => print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&output::sarif(&reports, env!("CARGO_PKG_VERSION")))
                .unwrap_or_default()
        )),
    }
    let fail = match args.fail_on {
        LintFailOn::Info => Severity::Info,
        LintFailOn::Warning => Severity::Warning,
        LintFailOn::Error => Severity::Error,
    };
    let worst = reports.iter().filter_map(FileReport::max_severity).max();
    Ok(if worst.is_some_and(|w| w >= fail) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[derive(Args)]
pub struct RuleArgs {
    /// A rule code (MX101) or name (require-concurrent-index-creation); none lists all rules.
    rule: Option<String>,
}

pub fn rule(args: RuleArgs) -> Result<ExitCode, migrex::Error> {
    match &args.rule {
        None => {
            // Lint rules (MX) and schema analysis rules (MA) share the catalogue's shape.
            let mut all: Vec<_> = rules::RULES
                .iter()
                .chain(migrex_analyze::RULES.iter().map(|r| &r.meta))
                .collect();
            // Lint rules first, then the analysis rules, each by code.
            all.sort_by_key(|r| (!r.code.starts_with("MX"), r.code));
            let mut text = String::new();
            for r in all {
                text.push_str(&format!(
                    "{:<6} {:<38} {:<8} {}\n",
                    r.code,
                    r.name,
                    r.severity.as_str(),
                    r.dialects.join(",")
                ));
            }
            print_out(&text);
            Ok(ExitCode::SUCCESS)
        }
        Some(k) => match rules::find(k) {
            Some(r) => {
                print_out(&rules::render_doc(r));
                Ok(ExitCode::SUCCESS)
            }
            None if migrex_analyze::rule(k.trim()).is_some() => {
                let r = migrex_analyze::rule(k.trim()).expect("checked");
                print_out(&format!(
                    "{} {} ({}; {})\n\n{}\n\n{}\n\nReported by `migrex analyze`.\n",
                    r.code,
                    r.name,
                    r.severity,
                    r.dialects.join(", "),
                    r.summary,
                    r.doc
                ));
                Ok(ExitCode::SUCCESS)
            }
            None => Err(usage(format!(
                "no rule {k:?}: `migrex rule` lists the codes and names"
            ))),
        },
    }
}
