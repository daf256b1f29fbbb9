//! The `migrex` command. Commands mirror the pipeline; every command builds a report and this file
//! is the one place that prints. Exit codes: 0 ok, 1 a verdict or findings, 2 usage or runtime error.

/// `print!` for the command's output: when the reader stops early (`migrex diff | head`), the
/// process ends quietly instead of panicking on the closed pipe as `print!` does.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::write_out(format_args!($($arg)*))
    };
}

/// `println!` for the command's output (see `out!`).
macro_rules! outln {
    () => {
        $crate::write_out(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::write_out(format_args!("{}\n", format_args!($($arg)*)))
    };
}

mod analyze;
mod apply;
mod erd;
mod lint;
mod plan;
mod prompt;
mod refactor;

use clap::{Args, Parser, Subcommand, ValueEnum};
use migrex::model::{Dialect, Loaded, RenameCandidate, Renames};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

// Reading a large schema allocates millions of small strings and vectors, from two threads when
// two databases are read at once: with mimalloc instead of the system allocator, `migrex inspect`
// of a 1,000-table PostgreSQL database went from 468 to 357 ms. Without transparent huge pages
// (see `main`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "migrex", version, about = "Database schema migrations: read, diff, plan, render and verify", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Do not print warnings about objects that are not modeled.
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum DialectArg {
    Postgres,
    Mysql,
    Mariadb,
    Sqlite,
}

impl From<DialectArg> for Dialect {
    fn from(d: DialectArg) -> Dialect {
        match d {
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Mysql | DialectArg::Mariadb => Dialect::Mysql,
            DialectArg::Sqlite => Dialect::Sqlite,
        }
    }
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum SqlOrJson {
    Sql,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum HumanOrJson {
    Human,
    Json,
}

/// Renames stated on the command line, and whether to ask about likely ones.
#[derive(Args)]
struct RenameOpts {
    /// Plan a rename (repeatable): `users=accounts` renames a table, `users.name=full_name` a
    /// column (TABLE.OLD=NEW), `app.users=app.accounts` a table in a namespace. Merged with the
    /// `-- @renamed from=` hints in TO; a contradiction is an error.
    #[arg(long = "rename", value_name = "OLD=NEW")]
    rename: Vec<migrex::RenameArg>,
    /// Never ask about likely renames. Without a terminal nothing is asked anyway: each likely
    /// rename is planned as drop and add, with a warning giving the --rename that confirms it.
    #[arg(long)]
    no_input: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Plan a refactor recipe (split a table, change a key, archive rows...): up and down SQL
    /// with the data steps, pre-flight checks and proofs (`--list` for the recipes).
    Refactor(Box<refactor::RefactorArgs>),
    /// Read a schema from a DDL file or a live database and print it.
    #[command(
        after_help = "Examples:\n  migrex inspect schema.sql --dialect postgres\n  migrex inspect postgres://user@localhost/app --format json\n  migrex inspect sqlite://app.db > schema.sql"
    )]
    Inspect {
        /// A .sql file or a database URL (postgres://, mysql://, mariadb://, sqlite://).
        source: String,
        /// The dialect of a .sql file (inferred when the file makes it unambiguous).
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        /// `sql` prints DDL that recreates the schema in an empty database; `json` the model.
        #[arg(long, value_enum, default_value = "sql")]
        format: SqlOrJson,
    },
    /// Print the migration from one schema to another (the up SQL, or the plan as JSON).
    #[command(
        after_help = "Examples:\n  migrex diff postgres://user@localhost/app desired.sql\n  migrex diff v1.sql v2.sql --dialect sqlite --out migrations/0002\n  migrex diff old.sql new.sql --dialect mysql --format json\n  migrex diff v1.sql v2.sql --rename users=accounts --rename accounts.name=full_name\n\nRenames: write `-- @renamed from=old_name` after a column definition (or on the CREATE TABLE\nline) in TO, or pass --rename. A table or column dropped while another with the same definition\nis added is a likely rename: on a terminal migrex asks about each one ([y/N]); otherwise (or\nwith --no-input) it plans drop and add and warns with the --rename that would confirm it."
    )]
    Diff {
        /// The current schema: a .sql file or a database URL.
        from: String,
        /// The desired schema: a .sql file or a database URL.
        to: String,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        #[arg(long, value_enum, default_value = "sql")]
        format: SqlOrJson,
        /// Also write up.sql, down.sql and plan.json into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Then prove the migration on a scratch database (as `migrex verify`); exit 1 if it fails.
        #[arg(long)]
        verify: bool,
        /// With --verify: a server where a scratch database may be created (postgres, mysql).
        #[arg(long, requires = "verify")]
        dev: Option<String>,
        /// Plan for a busy database: concurrent indexes, constraints added NOT VALID then
        /// validated, expand/backfill/contract for rewriting type changes, a lock timeout before
        /// every step (see the README's "Online plans").
        /// (Default when FROM is a live PostgreSQL or MySQL database and a table the plan touches
        /// holds at least --online-above rows.)
        #[arg(long)]
        online: bool,
        /// Never choose the online plan on my behalf (a live FROM with large tables otherwise
        /// gets one).
        #[arg(long, conflicts_with = "online")]
        plain: bool,
        /// Rows from which a table of a live FROM makes the plan online.
        #[arg(long, default_value_t = 1_000_000)]
        online_above: u64,
        /// With --online: rows per backfill batch.
        #[arg(long, requires = "online", default_value_t = 1000)]
        batch_size: u32,
        /// With --online: the lock timeout before every step, in milliseconds.
        #[arg(long, requires = "online", default_value_t = 2000)]
        lock_timeout: u64,
        /// In an online plan, rename columns with one RENAME COLUMN instead of expand/contract
        /// (a new column kept equal by a trigger until a deploy point): simpler, but running
        /// code that names the old column fails from the rename on.
        #[arg(long)]
        plain_renames: bool,
        /// The server version the migration runs on (`16.4`, `8.0.36`, `10.11.6`): decides which
        /// online forms it may use; default: FROM's when it is a URL, else the oldest supported.
        #[arg(long, value_name = "V")]
        server_version: Option<String>,
        /// MySQL or MariaDB (their online DDL differs); default: FROM's when it is a URL.
        #[arg(long, value_enum)]
        flavor: Option<plan::FlavorArg>,
        /// Write the migration as this framework's migration files (under --out, or under the
        /// project TO was read from): django, alembic, rails, prisma, typeorm, knex or efcore.
        #[arg(long, value_parser = parse_target)]
        target: Option<migrex::Target>,
        /// With --target: the migration's name (derived from its changes when absent).
        #[arg(long, requires = "target")]
        name: Option<String>,
        #[command(flatten)]
        renames: RenameOpts,
    },
    /// Prove a migration on a scratch database: load FROM, apply up, compare with TO, apply down,
    /// compare with FROM.
    #[command(
        after_help = "Examples:\n  migrex verify v1.sql v2.sql --dialect sqlite\n  migrex verify v1.sql v2.sql --dialect sqlite --rename users.name=full_name\n  migrex verify v1.sql v2.sql --dialect postgres --dev postgres://postgres@localhost/postgres\n  migrex verify v1.sql v2.sql --dialect postgres --online --dev postgres://postgres@localhost/postgres\n\nSQLite uses a temporary file. PostgreSQL and MySQL need --dev: a server where migrex may\ncreate (and afterwards drop) its own scratch database."
    )]
    Verify {
        from: String,
        to: String,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
        /// A server URL where a scratch database can be created (required for postgres and mysql).
        #[arg(long)]
        dev: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: HumanOrJson,
        /// Prove the online plan (`diff --online`: concurrent index builds, NOT VALID then
        /// VALIDATE, batched backfills, expand/contract) instead of the plain one.
        #[arg(long)]
        online: bool,
        #[command(flatten)]
        renames: RenameOpts,
    },
    /// Print the migration step by step with what each does to a running database: locks, what
    /// they block and how long, rewrite or scan, risk, duration estimate, rollback, verification.
    #[command(
        after_help = "Examples:\n  migrex plan postgres://user@localhost/app desired.sql\n  migrex plan v1.sql v2.sql --dialect postgres --server-version 16.4 --format json\n  migrex plan mysql://root@localhost/app desired.sql --fail-on warning\n  migrex plan v1.sql v2.sql --dialect mysql --flavor mariadb --server-version 10.11\n\nExit codes: 0 no step reaches --fail-on (default error), 1 one does, 2 usage or runtime error.\nA live FROM gives the server version and table sizes (for duration estimates)."
    )]
    Plan(plan::PlanArgs),
    /// Write model files describing a schema in a framework's format (to move a project from
    /// one framework to another, or to start models for an existing database).
    #[command(
        after_help = "Examples:\n  migrex convert django:shop --to rails --out ../shop-rails\n  migrex convert schema.sql --dialect postgres --to sqlalchemy --out app\n  migrex convert sqlite://app.db --to django --out legacy\n\nFiles that already exist are never overwritten."
    )]
    Convert {
        /// The schema: a .sql file, a database URL or an ORM project (django:PATH, ...).
        source: String,
        /// The framework to write models for: django, sqlalchemy, rails, prisma, typeorm, efcore,
        /// or knex (an initial migration: Knex has no models).
        #[arg(long, value_parser = parse_target)]
        to: migrex::Target,
        /// The folder to write into (created when missing).
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum)]
        dialect: Option<DialectArg>,
    },
    /// Lint hand-written migration files: hazards to a running database or its data (warning,
    /// error) and hygiene (info), per dialect and server version.
    #[command(
        after_help = "Examples:\n  migrex lint migrations/*.sql --dialect postgres --server-version 16\n  migrex lint db/migrate.sql --assume-transaction --format sarif > lint.sarif\n  migrex lint alter.sql --dialect mysql --flavor mariadb --fail-on error\n\nSuppress a finding with `-- migrex:ignore CODE_OR_NAME[, ...]` on the line before the\nstatement or at its end, or `-- migrex:ignore-file CODE_OR_NAME` anywhere in the file.\nExit codes: 0 no finding reaches --fail-on (default warning), 1 one does, 2 usage or\nunreadable file. `migrex rule CODE` explains a rule."
    )]
    Lint(lint::LintArgs),
    /// List the lint rules, or print one rule's documentation (`migrex rule MX101`).
    Rule(lint::RuleArgs),
    /// What a schema is and what is wrong with it: relationships, anti-patterns, index advice
    /// from a query workload (`--workload FILE`, or pg_stat_statements of a live source).
    #[command(
        after_help = "Examples:\n  migrex analyze schema.sql\n  migrex analyze postgres://app@localhost/app --format markdown > review.md\n  migrex analyze schema.sql --workload queries.sql --measure postgres://localhost/scratch --scratch\n\nExit codes: 0 no finding at --fail-on (default warning), 1 findings, 2 usage or runtime error."
    )]
    Analyze(analyze::AnalyzeArgs),
    /// Draw the entity-relationship diagram (text, mermaid, dot, svg, png).
    #[command(
        after_help = "Examples:\n  migrex erd schema.sql\n  migrex erd postgres://app@localhost/app --format png --out erd.png\n  migrex erd schema.sql --format mermaid --all-columns"
    )]
    Erd(erd::ErdArgs),
    /// Apply a migration (`migrex diff --out DIR` output, a directory of them, or a .sql file)
    /// with a history table, a lock, per-step transactions and resumable batched data steps.
    #[command(
        after_help = "Examples:\n  migrex apply migrations/0002 --db postgres://app@localhost/app\n  MIGREX_DB=mysql://root@localhost/app migrex apply migrations --dry-run\n  migrex apply migrations/0002 --db sqlite://app.db --to 3 --batch-size 5000 --pause 50\n\nA run killed in the middle resumes where it stopped: run it again. Exit codes: 0 applied,\n2 a step failed (the message says what the database holds now) or usage error."
    )]
    Apply(apply::ApplyArgs),
    /// Undo an applied migration with its down steps (`--to STEP` keeps the steps up to STEP).
    Rollback(apply::ApplyArgs),
}

fn main() -> ExitCode {
    // A short-lived process touches each page of its heap a few times: with transparent huge
    // pages the kernel zeroes 2 MiB at each first touch, which was half of `migrex diff`'s own
    // CPU time on two 1,000-table databases (and its peak memory 115 MiB instead of 72).
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::from(2)
        }
    }
}

/// The largest table of a live PostgreSQL/MySQL FROM that the plain migration `plain` touches,
/// when it holds at least `threshold` rows: such a database is taken to be in use, and gets the
/// online plan.
/// Writes to standard output; a closed pipe ends the process (its reader has what it wanted),
/// another failure ends it with an error.
fn write_out(args: std::fmt::Arguments) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing the output: {e}");
        std::process::exit(1);
    }
}

fn large_live_table(
    from: &str,
    from_loaded: &Loaded,
    plain: &migrex::Migration,
    threshold: u64,
) -> Result<Option<(migrex::model::QualifiedName, u64)>, migrex::Error> {
    if !migrex::is_url(from) || plain.dialect == Dialect::Sqlite {
        return Ok(None);
    }
    let touched: std::collections::HashSet<&migrex::model::QualifiedName> = plain
        .up
        .steps
        .iter()
        .filter_map(|s| s.change.table())
        .collect();
    if touched.is_empty() {
        return Ok(None);
    }
    // The read's own estimates when it made them (PostgreSQL); else the tables are measured.
    if let Some(estimates) = &from_loaded.row_estimates {
        // By name first: of tables as large, the note names the same one every time.
        let mut touched: Vec<_> = touched.into_iter().collect();
        touched.sort();
        return Ok(touched
            .into_iter()
            .filter_map(|t| Some((t.clone(), *estimates.get(t)?)))
            .filter(|(_, rows)| *rows >= threshold)
            .max_by_key(|(_, rows)| *rows));
    }
    let mut db = migrex::Db::connect(from)?;
    // Only the touched tables are measured: sizing every table of a large database costs more
    // than reading its schema.
    let touched_list: Vec<_> = touched.iter().map(|t| (*t).clone()).collect();
    Ok(db
        .table_stats_of(&touched_list)?
        .into_iter()
        .filter(|s| touched.contains(&s.table))
        .filter_map(|s| Some((s.table, s.rows?)))
        .filter(|(_, rows)| *rows >= threshold)
        .max_by_key(|(_, rows)| *rows))
}

/// Leaves `data` to the end of the process: freeing the millions of allocations of a large
/// schema one by one took a twentieth of `diff`'s own time, and the process is about to exit.
fn exit_without_freeing<T>(data: T) {
    std::mem::forget(data);
}

fn print_warnings(quiet: bool, loaded: &[&Loaded]) {
    if quiet {
        return;
    }
    for l in loaded {
        for w in &l.warnings {
            eprintln!("warning: {w}");
        }
    }
}

/// Loads FROM and TO; a file side takes its dialect from --dialect, else from the URL side, else
/// from its own text.
fn load_pair(
    from: &str,
    to: &str,
    dialect: Option<DialectArg>,
) -> Result<(Loaded, Loaded), migrex::Error> {
    let (a, b) = load_sources(from, to, dialect)?;
    Ok((a.loaded, b.loaded))
}

/// `load_pair`, keeping the ORM projects (a migration written for a framework needs them). An
/// ORM side without --dialect takes the other side's dialect, else its configured one.
fn load_sources(
    from: &str,
    to: &str,
    dialect: Option<DialectArg>,
) -> Result<(migrex::Source, migrex::Source), migrex::Error> {
    let dialect: Option<Dialect> = dialect
        .map(Into::into)
        .or_else(|| migrex::url_dialect(from))
        .or_else(|| migrex::url_dialect(to))
        .or_else(|| migrex::orm_dialect(to))
        .or_else(|| migrex::orm_dialect(from));
    let dialect = match dialect {
        Some(d) => Some(d),
        None => {
            // Both files: if either tells its dialect, use it for both.
            let guess = |p: &str| {
                std::fs::read_to_string(p)
                    .ok()
                    .and_then(|t| migrex::infer_dialect(&t))
            };
            guess(from).or_else(|| guess(to))
        }
    };
    // Two live databases are read side by side: each read mostly waits for its server.
    if migrex::is_url(from) && migrex::is_url(to) {
        migrex::set_concurrent_reads(2);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| migrex::load_source(from, dialect));
            let b = migrex::load_source(to, dialect);
            (a.join(), b)
        });
        let a = a.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        return Ok((a?, b?));
    }
    let (mut a, mut b) = (
        migrex::load_source(from, dialect)?,
        migrex::load_source(to, dialect)?,
    );
    migrex::align_sources(&mut a, &mut b);
    // A live side prints the other side's views and defaults in its own form, so that what was
    // written by hand and the same read back compare equal.
    if migrex::is_url(from) {
        align_with_live(from, &a.loaded, &mut b.loaded)?;
    } else if migrex::is_url(to) {
        align_with_live(to, &b.loaded, &mut a.loaded)?;
    }
    Ok((a, b))
}

fn align_with_live(url: &str, live: &Loaded, other: &mut Loaded) -> Result<(), migrex::Error> {
    if !migrex::needs_server_printing(&live.schema, &other.schema) {
        return Ok(());
    }
    let mut db = migrex::Db::connect(url)?;
    migrex::align_with_live(&mut db, &live.schema, &mut other.schema)?;
    Ok(())
}

/// The hint renames merged with --rename, then (on a terminal, unless --no-input) the answers
/// to the questions about likely renames. Returns the renames and the declined candidates.
fn decide_renames(
    a: &Loaded,
    b: &Loaded,
    opts: &RenameOpts,
) -> Result<(Renames, Vec<RenameCandidate>), migrex::Error> {
    let mut renames = migrex::merge_renames(a, b, &opts.rename)?;
    let declined = if !opts.no_input && prompt::interactive() {
        prompt::ask_renames(a, b, &mut renames, &mut prompt::Terminal).map_err(|e| {
            migrex::Error::Io {
                path: "standard input".into(),
                message: e.to_string(),
            }
        })?
    } else {
        Vec::new()
    };
    Ok((renames, declined))
}

/// Rename warnings are printed even with --quiet: they say data would be lost.
fn print_rename_warnings(warnings: &[migrex::model::Warning]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

#[derive(Serialize)]
struct PlanReport<'a> {
    dialect: Dialect,
    steps: Vec<StepReport<'a>>,
    down: Vec<StepReport<'a>>,
    notes: &'a [String],
    warnings: Vec<String>,
    /// Likely renames left unconfirmed (planned as drop and add).
    rename_candidates: Vec<CandidateReport<'a>>,
}

#[derive(Serialize)]
struct CandidateReport<'a> {
    #[serde(flatten)]
    candidate: &'a RenameCandidate,
    /// The argument that confirms it.
    option: Option<String>,
}

#[derive(Serialize)]
struct StepReport<'a> {
    id: usize,
    description: &'a str,
    phase: migrex::model::Phase,
    transactional: bool,
    loses_data: bool,
    depends_on: &'a [usize],
    sql: &'a [String],
    change: &'a migrex::model::Change,
}

fn steps_report<'a>(
    plan: &'a migrex::model::Plan,
    sql: &'a [migrex::RenderedStep],
) -> Vec<StepReport<'a>> {
    plan.steps
        .iter()
        .zip(sql)
        .map(|(s, r)| StepReport {
            id: s.id,
            description: &r.description,
            phase: s.phase,
            transactional: s.transactional,
            loses_data: s.change.loses_data(),
            depends_on: &s.depends_on,
            sql: &r.statements,
            change: &s.change,
        })
        .collect()
}

fn plan_json(m: &migrex::Migration) -> String {
    let report = PlanReport {
        dialect: m.dialect,
        steps: steps_report(&m.up, &m.up_sql),
        down: steps_report(&m.down, &m.down_sql),
        notes: &m.up.notes,
        warnings: m.warnings.iter().map(ToString::to_string).collect(),
        rename_candidates: m
            .rename_candidates
            .iter()
            .map(|c| CandidateReport {
                candidate: c,
                option: migrex::rename_option(m.dialect, c),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn run(cli: Cli) -> Result<ExitCode, migrex::Error> {
    match cli.command {
        Command::Plan(args) => plan::run(args, cli.quiet),
        Command::Refactor(args) => refactor::run(*args, cli.quiet),
        Command::Lint(args) => lint::run(args),
        Command::Rule(args) => lint::rule(args),
        Command::Analyze(args) => analyze::run(args, cli.quiet),
        Command::Erd(args) => erd::run(args, cli.quiet),
        Command::Apply(args) => apply::run(args, false),
        Command::Rollback(args) => apply::run(args, true),
        Command::Convert {
            source,
            to,
            out,
            dialect,
        } => {
            let loaded = migrex::load(&source, dialect.map(Into::into))?;
            print_warnings(cli.quiet, &[&loaded]);
            let written = migrex::write_orm_models(to, &loaded, &out)?;
            if !cli.quiet {
                for path in &written {
                    eprintln!("wrote {}", path.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Inspect {
            source,
            dialect,
            format,
        } => {
            let loaded = migrex::load(&source, dialect.map(Into::into))?;
            print_warnings(cli.quiet, &[&loaded]);
            match format {
                SqlOrJson::Sql => out!("{}", migrex::inspect_sql(&loaded.schema)?),
                SqlOrJson::Json => outln!("{}", to_json(&loaded.schema)),
            }
            exit_without_freeing(loaded);
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff {
            from,
            to,
            dialect,
            format,
            out,
            verify,
            dev,
            online,
            plain,
            online_above,
            batch_size,
            lock_timeout,
            plain_renames,
            server_version,
            flavor,
            target,
            name,
            renames,
        } => {
            let (from_source, to_source) = load_sources(&from, &to, dialect)?;
            let (a, b) = (&from_source.loaded, &to_source.loaded);
            print_warnings(cli.quiet, &[a, b]);
            let (renames, declined) = decide_renames(a, b, &renames)?;
            let mut options = migrex::PlanOptions {
                target: None,
                online,
                batch_size: Some(batch_size),
                lock_timeout_ms: Some(lock_timeout),
                plain_renames,
            };
            // The plain migration is the answer unless a large live table it touches asks for
            // the online one: it is made once and kept.
            let plain_migration = if online {
                None
            } else {
                Some(migrex::migration_with_options(
                    a, b, &renames, &declined, &options,
                )?)
            };
            let large = match &plain_migration {
                Some(m) if !plain => large_live_table(&from, a, m, online_above)?,
                _ => None,
            };
            if let Some((table, rows)) = &large
                && !cli.quiet
            {
                eprintln!(
                    "note: online plan: {table} holds about {rows} rows (--online-above {online_above}); --plain for the plain plan"
                );
            }
            // A live MySQL-dialect FROM says whether it is MariaDB, whose online forms differ.
            let live_mysql = migrex::is_url(&from)
                && b.schema.dialect == Dialect::Mysql
                && (online || large.is_some());
            let server_target = if server_version.is_some() || flavor.is_some() || live_mysql {
                let server = if migrex::is_url(&from) {
                    Some(migrex::Db::connect(&from)?.server_version()?)
                } else {
                    None
                };
                let dialect = b.schema.dialect;
                Some(
                    plan::target_from(
                        dialect,
                        server.as_deref(),
                        flavor,
                        server_version.as_deref(),
                    )?
                    .0,
                )
            } else {
                None
            };
            options.target = server_target;
            let m = match plain_migration {
                Some(m) if large.is_none() => m,
                _ => {
                    options.online = true;
                    migrex::migration_with_options(a, b, &renames, &declined, &options)?
                }
            };
            print_rename_warnings(&m.rename_warnings);
            if !cli.quiet {
                for note in &m.up.notes {
                    eprintln!("note: {note}");
                }
            }
            if let Some(target) = target {
                let dir = out
                    .clone()
                    .or_else(|| migrex::default_out_dir(target, &to_source))
                    .ok_or_else(|| {
                        migrex::Error::Usage(format!(
                            "--target {target} needs --out DIR (the project root the migration \
                             goes under) when TO is not a {target} project"
                        ))
                    })?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                let written = migrex::write_orm_migration(
                    target,
                    &m,
                    &from_source,
                    &to_source,
                    &dir,
                    name.as_deref(),
                    now,
                )?;
                if !cli.quiet {
                    for path in &written {
                        eprintln!("wrote {}", path.display());
                    }
                }
            } else if let Some(dir) = &out {
                let write = |name: &str, text: &str| {
                    std::fs::create_dir_all(dir)
                        .and_then(|()| std::fs::write(dir.join(name), text))
                        .map_err(|e| migrex::Error::Io {
                            path: dir.join(name).display().to_string(),
                            message: e.to_string(),
                        })
                };
                write("up.sql", &m.up_script())?;
                write("down.sql", &m.down_script())?;
                write("plan.json", &plan_json(&m))?;
                // What `migrex apply DIR` runs.
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                migrex_apply::MigrationFile::new(
                    migrex_apply::MigrationFile::make_id(now, &name),
                    format!(
                        "migrex diff {} {}",
                        migrex::redact_url(&from),
                        migrex::redact_url(&to)
                    ),
                    m.dialect,
                    m.up_sql.clone(),
                    m.down_sql.clone(),
                )
                .write_to_dir(dir)?;
                if !cli.quiet {
                    eprintln!(
                        "wrote up.sql, down.sql, plan.json and migration.json ({} steps) to {}",
                        m.up.steps.len(),
                        dir.display()
                    );
                }
            }
            match format {
                SqlOrJson::Sql => out!("{}", m.up_script()),
                SqlOrJson::Json => outln!("{}", plan_json(&m)),
            }
            if verify {
                // The migration as printed: the online plan when it is online.
                let report = migrex::verify_migration(&m, a, b, dev.as_deref())?;
                // With JSON on stdout the verdict goes to stderr, keeping stdout one document.
                let verdict = verdict_text(&report);
                if format == SqlOrJson::Json {
                    eprint!("{verdict}")
                } else {
                    out!("{verdict}")
                }
                return Ok(if report.ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                });
            }
            exit_without_freeing((m, from_source, to_source));
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify {
            from,
            to,
            dialect,
            dev,
            format,
            online,
            renames,
        } => {
            let (a, b) = load_pair(&from, &to, dialect)?;
            print_warnings(cli.quiet, &[&a, &b]);
            let (renames, declined) = decide_renames(&a, &b, &renames)?;
            let undecided: Vec<RenameCandidate> = migrex::rename_candidates(&a, &b, &renames)
                .into_iter()
                .filter(|c| c.kind.asks() && !declined.contains(c))
                .collect();
            print_rename_warnings(&migrex::rename_warnings(&b, &undecided));
            let report = if online {
                let options = migrex::PlanOptions {
                    online: true,
                    ..Default::default()
                };
                let m = migrex::migration_with_options(&a, &b, &renames, &declined, &options)?;
                migrex::verify_migration(&m, &a, &b, dev.as_deref())?
            } else {
                migrex::verify_with(&a, &b, &renames, dev.as_deref())?
            };
            match format {
                HumanOrJson::Json => outln!("{}", to_json(&report)),
                HumanOrJson::Human => out!("{}", verdict_text(&report)),
            }
            Ok(if report.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// `--target`/`--to` values: the frameworks migrex writes.
pub(crate) fn parse_target(value: &str) -> Result<migrex::Target, String> {
    migrex::Target::from_name(value).ok_or_else(|| {
        format!(
            "unknown framework {value:?}: one of {}",
            migrex::Target::ALL.map(|t| t.name()).join(", ")
        )
    })
}

fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn verdict_text(r: &migrex::VerifyReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "verify on {} scratch database {}",
        r.dialect, r.scratch
    );
    for s in &r.stages {
        let _ = writeln!(out, "  {} {}", if s.ok { "ok  " } else { "FAIL" }, s.name);
        for d in s.differences.iter().take(10) {
            let _ = writeln!(out, "       {d}");
        }
        if s.differences.len() > 10 {
            let _ = writeln!(out, "       ... and {} more", s.differences.len() - 10);
        }
    }
    if r.ok {
        let _ = writeln!(
            out,
            "PASS: up ({} steps) gives TO, down ({} steps) gives FROM",
            r.up_steps, r.down_steps
        );
    } else {
        let _ = writeln!(
            out,
            "FAIL: the migration does not do what it should (see above)"
        );
    }
    out
}
