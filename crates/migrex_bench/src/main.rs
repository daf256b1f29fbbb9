//! `migrex-bench`: performance of migrex on generated schemas.
//! - `migrex-bench [SIZES...] [--runs N]`: in process, DDL-file inspect and diff for each dialect
//!   and live SQLite inspect (see `ddl`).
//! - `migrex-bench pg [SIZES...] [--runs N]`: live PostgreSQL, the migrex CLI side by side with
//!   `pg_dump --schema-only` and migra, as separate processes (see `pg`; `scripts/bench-pg`
//!   installs migra and runs it).
//! - `migrex-bench load [--rows N] [--clients C] [--plans naive,online]`: live PostgreSQL, each
//!   scenario of issue 4 part 5 applied under a read/write load (see `migrex_load`).
//!
//! Build with optimizations: `cargo build --profile release -p migrex_bench -p migrex_cli`.

mod backfill;
mod ddl;
mod load;
mod pg;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "migrex-bench", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// Table counts (default 100 1000 5000).
    sizes: Vec<usize>,
    /// Runs per measurement; the median is reported.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Internal: run one size in this process.
    #[arg(long, hide = true)]
    one: Option<usize>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Live PostgreSQL/MariaDB: batched UPDATE through the executor vs one set-based UPDATE.
    Backfill(backfill::BackfillArgs),
    /// Live PostgreSQL: migrex inspect vs pg_dump --schema-only, migrex diff vs migra.
    Pg {
        /// Table counts (default 1000 5000).
        sizes: Vec<usize>,
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// A server where the bench may create and drop databases `migrex_bench_*`.
        #[arg(long, env = "MIGREX_TEST_PG")]
        pg: String,
        /// The migrex CLI (default: `migrex` next to this executable).
        #[arg(long)]
        migrex: Option<PathBuf>,
        /// The migra command (default: `migra` on PATH; without one its rows are left out).
        #[arg(long)]
        migra: Option<PathBuf>,
        #[arg(long, default_value = "pg_dump")]
        pg_dump: PathBuf,
        #[arg(long, default_value = "psql")]
        psql: PathBuf,
        /// Keep the generated databases afterwards.
        #[arg(long)]
        keep: bool,
    },
    /// Live PostgreSQL: naive vs online plans applied while clients read and write the table.
    Load {
        /// Rows of the migrated table.
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Client threads, each with its own connection.
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// Plans to compare, comma-separated: naive, online.
        #[arg(long, value_delimiter = ',', default_value = "naive,online")]
        plans: Vec<String>,
        /// Only scenarios whose name starts with one of these (a, b, c).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        /// Print each plan's SQL too.
        #[arg(long)]
        sql: bool,
        /// A server where the bench may create and drop databases `migrex_load_*`.
        #[arg(long, env = "MIGREX_TEST_PG")]
        pg: String,
    },
}

/// The middle of the sorted samples (the upper one of the two middles for an even count).
pub(crate) fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// `name` on PATH, if there.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runs = cli.runs.max(1);
    let result = match cli.command {
        None => {
            if let Some(n) = cli.one {
                ddl::run_size(n, runs);
                Ok(())
            } else {
                let sizes = if cli.sizes.is_empty() {
                    vec![100, 1000, 5000]
                } else {
                    cli.sizes
                };
                ddl::run_all(&sizes, runs)
            }
        }
        Some(Cmd::Pg {
            sizes,
            runs,
            pg,
            migrex,
            migra,
            pg_dump,
            psql,
            keep,
        }) => {
            let migrex = migrex.unwrap_or_else(|| {
                std::env::current_exe()
                    .ok()
                    .and_then(|e| Some(e.parent()?.join("migrex")))
                    .unwrap_or_else(|| PathBuf::from("migrex"))
            });
            pg::run(&pg::Options {
                sizes: if sizes.is_empty() {
                    vec![1000, 5000]
                } else {
                    sizes
                },
                runs: runs.max(1),
                url: pg,
                migrex,
                migra: migra.or_else(|| on_path("migra")),
                pg_dump,
                psql,
                keep,
            })
        }
        Some(Cmd::Backfill(a)) => backfill::run(&a),
        Some(Cmd::Load {
            rows,
            clients,
            plans,
            only,
            sql,
            pg,
        }) => load::run(&load::Options {
            rows,
            clients,
            plans,
            only,
            sql,
            url: pg,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
