//! `migrex-conformance SUITE_DIR [--dialect D]... [--filter NAME]...`: runs the sqldef suite at
//! SUITE_DIR (e.g. ../shared/conformance/sqldef) and prints passed/failed/skipped per file and in
//! total, with the failing cases and their first difference. Servers come from `--pg`/`--mysql`
//! or `MIGREX_TEST_PG`/`MIGREX_TEST_MYSQL`; SQLite always runs.

use clap::Parser;
use migrex_conformance::{FileResult, Outcome, Servers, Summary, run_dialect};
use migrex_model::Dialect;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "migrex-conformance",
    about = "Run the sqldef diff suite against migrex on real databases"
)]
struct Args {
    /// The suite folder (holding cmd/psqldef, cmd/mysqldef, cmd/sqlite3def).
    suite: PathBuf,
    /// Dialects to run (default: every one whose server is available).
    #[arg(long)]
    dialect: Vec<String>,
    /// Only files whose name contains one of these (e.g. `tables`, `fk_deps`).
    #[arg(long)]
    filter: Vec<String>,
    #[arg(long, env = "MIGREX_TEST_PG")]
    pg: Option<String>,
    #[arg(long, env = "MIGREX_TEST_MYSQL")]
    mysql: Option<String>,
    /// Print every failing case with its reason (default: the first 20 per file).
    #[arg(long)]
    all: bool,
    /// Print skipped cases with their reason too.
    #[arg(long)]
    show_skipped: bool,
    /// Example cases shown per failure category and skip reason in the summary.
    #[arg(long, default_value_t = 3)]
    examples: usize,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let servers = Servers {
        postgres: args.pg.clone(),
        mysql: args.mysql.clone(),
    };
    let dialects: Vec<Dialect> = if args.dialect.is_empty() {
        Dialect::ALL
            .into_iter()
            .filter(|d| match d {
                Dialect::Postgres => servers.postgres.is_some(),
                Dialect::Mysql => servers.mysql.is_some(),
                Dialect::Sqlite => true,
            })
            .collect()
    } else {
        match args
            .dialect
            .iter()
            .map(|d| Dialect::parse(d).ok_or(d))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(v) => v,
            Err(d) => {
                eprintln!("error: unknown dialect {d}");
                return ExitCode::from(2);
            }
        }
    };
    let mut grand = (0, 0, 0);
    for dialect in dialects {
        println!("== {dialect}");
        let print_file = |r: &FileResult| {
            let (p, f, s) = r.count();
            match &r.skipped_whole {
                Some(why) => println!("{:<34} skipped whole: {why}", r.file),
                None => println!(
                    "{:<34} passed {p:>4}  failed {f:>4}  skipped {s:>4}",
                    r.file
                ),
            }
            let mut shown = 0;
            for (name, o) in &r.cases {
                match o {
                    Outcome::Failed(why) if args.all || shown < 20 => {
                        shown += 1;
                        println!(
                            "    FAIL {name}: {}",
                            why.message.chars().take(400).collect::<String>()
                        );
                    }
                    Outcome::Skipped(why) if args.show_skipped => {
                        println!("    skip {name}: {why}")
                    }
                    _ => {}
                }
            }
        };
        match run_dialect(&args.suite, dialect, &servers, &args.filter, print_file) {
            Ok(results) => {
                let summary = Summary::new(dialect, &results);
                print!("{}", summary.render(args.examples));
                grand = (
                    grand.0 + summary.passed,
                    grand.1 + summary.failed,
                    grand.2 + summary.skipped,
                );
            }
            Err(e) => {
                eprintln!("error: {dialect}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    println!(
        "conformance totals: passed {}, failed {}, skipped {}",
        grand.0, grand.1, grand.2
    );
    ExitCode::SUCCESS
}
