//! The live PostgreSQL bench (`migrex-bench pg`): on generated databases (see `schema`), times
//! in the same run, as separate processes each:
//! - `migrex inspect URL` against `pg_dump --schema-only URL` (the usual floor for reading a
//!   catalog);
//! - `migrex diff URL_A URL_B` against `migra --unsafe URL_A URL_B`.
//!
//! Each process's wall time is measured here and its peak memory (max RSS) by GNU time
//! (`/usr/bin/time -f %M`), which reads it from the kernel's `wait4` rusage of that one child.
//! Runs alternate between the tools (after one untimed warm-up each) so that drift on the machine
//! hits all of them alike. Outputs go to temporary files, so writing them costs each tool the
//! same, and are summarized (statements, warnings) to show that each tool did the whole job.

mod schema;

use crate::median;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Options {
    pub sizes: Vec<usize>,
    pub runs: usize,
    /// A server URL where the bench may create and drop its databases.
    pub url: String,
    pub migrex: PathBuf,
    /// None: migra is not installed; its rows say so.
    pub migra: Option<PathBuf>,
    pub pg_dump: PathBuf,
    pub psql: PathBuf,
    /// Keep the generated databases (e.g. to profile by hand).
    pub keep: bool,
}

const GNU_TIME: &str = "/usr/bin/time";

/// One process run.
struct Sample {
    wall: Duration,
    max_rss_kib: u64,
    stdout: String,
    stderr: String,
}

/// The runs of one tool.
#[derive(Default)]
struct Series {
    walls: Vec<Duration>,
    max_rss_kib: u64,
    /// The warm-up run's summary of its output.
    output: String,
}

impl Series {
    fn add(&mut self, s: &Sample) {
        self.walls.push(s.wall);
        self.max_rss_kib = self.max_rss_kib.max(s.max_rss_kib);
    }

    fn median(&self) -> Duration {
        median(self.walls.clone())
    }

    fn mib(&self) -> f64 {
        self.max_rss_kib as f64 / 1024.0
    }
}

/// Runs `program args` under GNU time; `ok_codes` are the exit codes that mean success.
fn run_measured(program: &Path, args: &[&str], ok_codes: &[i32]) -> Result<Sample, String> {
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let rss = dir.path().join("rss");
    let out = dir.path().join("out");
    let err = dir.path().join("err");
    let file = |p: &Path| std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()));
    let start = Instant::now();
    let status = Command::new(GNU_TIME)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file(&out)?)
        .stderr(file(&err)?)
        .status()
        .map_err(|e| format!("{GNU_TIME} {}: {e}", program.display()))?;
    let wall = start.elapsed();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let stderr = read(&err);
    let code = status.code().unwrap_or(-1);
    if !ok_codes.contains(&code) {
        return Err(format!(
            "{} {} exited with {code}: {}",
            program.display(),
            redact(&args.join(" ")),
            stderr.lines().take(5).collect::<Vec<_>>().join(" | ")
        ));
    }
    // GNU time writes "Command exited with non-zero status N" before the figure when N != 0.
    let max_rss_kib = read(&rss)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .next_back()
        .ok_or_else(|| format!("{GNU_TIME} printed no max RSS for {}", program.display()))?;
    Ok(Sample {
        wall,
        max_rss_kib,
        stdout: read(&out),
        stderr,
    })
}

/// Hides a password in URLs shown in messages.
fn redact(s: &str) -> String {
    s.split(' ')
        .map(|w| match (w.find("://"), w.find('@')) {
            (Some(a), Some(b)) if b > a => {
                let cred = &w[a + 3..b];
                match cred.split_once(':') {
                    Some((user, _)) => format!("{}{user}:***{}", &w[..a + 3], &w[b..]),
                    None => w.to_string(),
                }
            }
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The URL of database `name` on the server of `base`, keeping user, host, port and parameters.
fn db_url(base: &str, name: &str) -> Result<String, String> {
    let mut u = url::Url::parse(base).map_err(|e| format!("{}: {e}", redact(base)))?;
    u.set_path(&format!("/{name}"));
    Ok(u.to_string())
}

/// migra (SQLAlchemy) takes the `postgresql` scheme only.
fn sqlalchemy_url(url: &str) -> String {
    match url.strip_prefix("postgres://") {
        Some(rest) => format!("postgresql://{rest}"),
        None => url.to_string(),
    }
}

fn psql(o: &Options, url: &str, script: &str) -> Result<(), String> {
    let mut child = Command::new(&o.psql)
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", o.psql.display()))?;
    // A script that fails stops psql (ON_ERROR_STOP) and breaks the pipe: its stderr says why.
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(script.as_bytes()));
    let out = child.wait_with_output().map_err(|e| format!("psql: {e}"))?;
    if !out.status.success() || matches!(written, Some(Err(_))) {
        return Err(format!(
            "psql on {}: {}",
            redact(url),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

fn psql_value(o: &Options, url: &str, query: &str) -> Result<String, String> {
    let out = Command::new(&o.psql)
        .args(["-X", "-A", "-t", "-d", url, "-c", query])
        .output()
        .map_err(|e| format!("{}: {e}", o.psql.display()))?;
    if !out.status.success() {
        return Err(format!(
            "psql: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// DDL statements in a script: lines that start one (bodies of functions do not start with these).
fn statements(sql: &str) -> usize {
    sql.lines()
        .map(|l| l.trim_start().to_ascii_lowercase())
        .filter(|l| {
            ["create ", "alter ", "drop ", "comment on "]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .count()
}

/// `CREATE` statements by kind (`table 100, view 10, ...`), from the lines that start them.
fn creates(sql: &str) -> String {
    let mut kinds: Vec<(&'static str, usize)> = [
        "table", "view", "function", "trigger", "type", "domain", "index", "sequence",
    ]
    .into_iter()
    .map(|k| (k, 0))
    .collect();
    for line in sql.lines() {
        let l = line.to_ascii_lowercase();
        let Some(rest) = l.strip_prefix("create ") else {
            continue;
        };
        let rest = rest.strip_prefix("or replace ").unwrap_or(rest);
        let rest = rest.strip_prefix("unique ").unwrap_or(rest);
        if let Some(k) = kinds
            .iter_mut()
            .find(|(k, _)| rest.strip_prefix(*k).is_some_and(|r| r.starts_with(' ')))
        {
            k.1 += 1;
        }
    }
    kinds
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The system's load averages, to tell a quiet machine from a busy one.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// What a migrex run printed on stderr: its warnings, counted, with the first one as an example.
fn warnings_summary(stderr: &str) -> String {
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    match warnings.first() {
        None => "no warnings".into(),
        Some(first) => format!(
            "{} warnings, e.g. {}",
            warnings.len(),
            first.chars().take(90).collect::<String>()
        ),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Figures of one size, for the closing table.
struct SizeResult {
    n: usize,
    inspect: Series,
    pg_dump: Series,
    diff: Series,
    migra: Option<Series>,
}

/// A tool's command line.
struct Tool<'a> {
    label: &'static str,
    program: &'a Path,
    args: Vec<String>,
    ok_codes: &'static [i32],
}

impl Tool<'_> {
    fn run(&self) -> Result<Sample, String> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        run_measured(self.program, &args, self.ok_codes).map_err(|e| format!("{}: {e}", self.label))
    }
}

fn run_size(o: &Options, n: usize) -> Result<SizeResult, String> {
    let names = [format!("migrex_bench_{n}_a"), format!("migrex_bench_{n}_b")];
    let admin = &o.url;
    let drop_all = || -> Result<(), String> {
        for name in &names {
            psql(
                o,
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE);"),
            )?;
        }
        Ok(())
    };
    drop_all()?;
    let generated = schema::generate(n);
    let c = &generated.counts;
    let url_a = db_url(admin, &names[0])?;
    let url_b = db_url(admin, &names[1])?;
    let setup = Instant::now();
    psql(o, admin, &format!("CREATE DATABASE {};", names[0]))?;
    psql(o, &url_a, &generated.v1)?;
    let load_a = setup.elapsed();
    psql(
        o,
        admin,
        &format!("CREATE DATABASE {} TEMPLATE {};", names[1], names[0]),
    )?;
    psql(o, &url_b, &generated.delta)?;
    // Catalog statistics as a database in use has them, so plans do not change mid-bench when
    // autovacuum gets to them.
    psql(o, &url_a, "ANALYZE;")?;
    psql(o, &url_b, "ANALYZE;")?;
    println!(
        "\n{n} tables: {} views, {} functions, {} triggers, {} enums, {} domains, {} indexes, {} foreign keys (a loaded in {:.1} s, b copied and changed in {:.1} s)",
        c.views,
        c.functions,
        c.triggers,
        c.enums,
        c.domains,
        c.indexes,
        c.foreign_keys,
        load_a.as_secs_f64(),
        (setup.elapsed() - load_a).as_secs_f64()
    );
    println!(
        "  b = a with {} tables changed and {} added, {} views and {} functions changed, {} triggers dropped, {} enums extended",
        c.changed_tables,
        c.added_tables,
        c.changed_views,
        c.changed_functions,
        c.dropped_triggers,
        c.changed_enums
    );
    let result = measure(o, n, &url_a, &url_b);
    if o.keep {
        println!("  kept databases {} and {}", names[0], names[1]);
    } else {
        drop_all()?;
    }
    result
}

fn measure(o: &Options, n: usize, url_a: &str, url_b: &str) -> Result<SizeResult, String> {
    let inspect = Tool {
        label: "migrex inspect",
        program: &o.migrex,
        args: vec!["inspect".into(), url_a.into()],
        ok_codes: &[0],
    };
    let pg_dump = Tool {
        label: "pg_dump --schema-only",
        program: &o.pg_dump,
        args: vec!["--schema-only".into(), "--dbname".into(), url_a.into()],
        ok_codes: &[0],
    };
    let diff = Tool {
        label: "migrex diff",
        program: &o.migrex,
        args: vec!["diff".into(), url_a.into(), url_b.into()],
        ok_codes: &[0],
    };
    let migra = o.migra.as_deref().map(|p| Tool {
        label: "migra --unsafe",
        program: p,
        args: vec![
            "--unsafe".into(),
            sqlalchemy_url(url_a),
            sqlalchemy_url(url_b),
        ],
        // 2: differences found.
        ok_codes: &[0, 2],
    });

    let mut s_inspect = Series::default();
    let mut s_dump = Series::default();
    let mut s_diff = Series::default();
    let mut s_migra = migra.as_ref().map(|_| Series::default());

    // Warm-up (untimed): fills the OS and server caches alike, and shows what each tool printed.
    let w = inspect.run()?;
    s_inspect.output = format!(
        "{} statements (create {}); {}",
        statements(&w.stdout),
        creates(&w.stdout),
        warnings_summary(&w.stderr)
    );
    let w = pg_dump.run()?;
    s_dump.output = format!(
        "{} statements (create {})",
        statements(&w.stdout),
        creates(&w.stdout)
    );
    let w = diff.run()?;
    s_diff.output = format!(
        "{} statements; {}",
        statements(&w.stdout),
        warnings_summary(&w.stderr)
    );
    if let (Some(t), Some(s)) = (&migra, &mut s_migra) {
        let w = t.run()?;
        s.output = format!("{} statements", statements(&w.stdout));
    }

    let progress = std::io::stderr().is_terminal();
    for r in 0..o.runs {
        s_inspect.add(&inspect.run()?);
        s_dump.add(&pg_dump.run()?);
        s_diff.add(&diff.run()?);
        if let (Some(t), Some(s)) = (&migra, &mut s_migra) {
            s.add(&t.run()?);
        }
        if progress {
            eprint!("\r  run {}/{}", r + 1, o.runs);
        }
    }
    if progress {
        eprint!("\r{:20}\r", "");
    }

    let row = |label: &str, s: &Series| {
        let min = s.walls.iter().min().copied().unwrap_or_default();
        let max = s.walls.iter().max().copied().unwrap_or_default();
        println!(
            "  {label:<22} {:>9.1} ms  (min {:>8.1}, max {:>8.1})  peak {:>6.1} MiB   {}",
            ms(s.median()),
            ms(min),
            ms(max),
            s.mib(),
            s.output
        );
    };
    println!(
        "  {:<22} {:>12}  {:>26}  {:>15}   output (warm-up run)",
        "", "median", "", "max RSS"
    );
    row("migrex inspect", &s_inspect);
    row("pg_dump --schema-only", &s_dump);
    row("migrex diff a b", &s_diff);
    match &s_migra {
        Some(s) => row("migra --unsafe a b", s),
        None => println!("  migra --unsafe a b     not installed (scripts/bench-pg installs it)"),
    }
    Ok(SizeResult {
        n,
        inspect: s_inspect,
        pg_dump: s_dump,
        diff: s_diff,
        migra: s_migra,
    })
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

pub fn run(o: &Options) -> Result<(), String> {
    if !Path::new(GNU_TIME).exists() {
        return Err(format!(
            "{GNU_TIME} (GNU time) measures peak memory: install it (apt-get install time)"
        ));
    }
    if !o.migrex.exists() {
        return Err(format!(
            "{} not found: build it with `cargo build --profile release -p migrex_cli` or pass --migrex",
            o.migrex.display()
        ));
    }
    let version = psql_value(o, &o.url, "SHOW server_version")?;
    println!(
        "migrex bench on PostgreSQL {version}: wall time of each process, median of {} runs after one warm-up; peak = max RSS",
        o.runs
    );
    println!("  load average at start: {}", loadavg());
    println!("  migrex: {}", o.migrex.display());
    let mut results = Vec::new();
    for &n in &o.sizes {
        results.push(run_size(o, n)?);
    }

    println!(
        "\n{:>6} | {:>14} {:>12} {:>7} | {:>12} {:>12} {:>8} | peak MiB: {:>7} {:>6} {:>7} {:>6}",
        "tables",
        "migrex inspect",
        "pg_dump -s",
        "ratio",
        "migrex diff",
        "migra",
        "speedup",
        "inspect",
        "diff",
        "pg_dump",
        "migra"
    );
    let mut goals = Vec::new();
    for r in &results {
        let ratio = r.inspect.median().as_secs_f64() / r.pg_dump.median().as_secs_f64();
        let speedup = r
            .migra
            .as_ref()
            .map(|m| m.median().as_secs_f64() / r.diff.median().as_secs_f64());
        println!(
            "{:>6} | {:>11.1} ms {:>9.1} ms {:>6.2}x | {:>9.1} ms {:>12} {:>8} |           {:>7.1} {:>6.1} {:>7.1} {:>6}",
            r.n,
            ms(r.inspect.median()),
            ms(r.pg_dump.median()),
            ratio,
            ms(r.diff.median()),
            r.migra
                .as_ref()
                .map_or("-".into(), |m| format!("{:.1} ms", ms(m.median()))),
            speedup.map_or("-".into(), |s| format!("{s:.1}x")),
            r.inspect.mib(),
            r.diff.mib(),
            r.pg_dump.mib(),
            r.migra
                .as_ref()
                .map_or("-".into(), |m| format!("{:.1}", m.mib())),
        );
        goals.push(format!(
            "{:>6} tables: inspect {:.2}x pg_dump's time (goal < 1x): {}; diff {} (goal >= 10x): {}; migrex peak {:.1} MiB (goal < 300 MiB): {}",
            r.n,
            ratio,
            verdict(ratio < 1.0),
            speedup.map_or("vs migra not measured".into(), |s| format!(
                "{s:.1}x faster than migra"
            )),
            speedup.map_or("unknown", |s| verdict(s >= 10.0)),
            r.inspect.mib().max(r.diff.mib()),
            verdict(r.inspect.mib().max(r.diff.mib()) < 300.0)
        ));
    }
    println!("ratio = migrex inspect / pg_dump time; speedup = migra / migrex diff time");
    println!("load average at end: {}", loadavg());
    println!("\ngoals:");
    for g in goals {
        println!("{g}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_server_and_change_the_database() {
        assert_eq!(
            db_url(
                "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
                "x"
            )
            .unwrap(),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(sqlalchemy_url("postgres://u@h/x"), "postgresql://u@h/x");
        assert_eq!(
            redact("a postgres://u:secret@h/x b"),
            "a postgres://u:***@h/x b"
        );
    }

    #[test]
    fn statements_are_counted_by_their_first_line() {
        let sql = "CREATE TABLE t (\n  id int\n);\nCREATE FUNCTION f() RETURNS int AS $$\n  SELECT 1;\n$$;\n  ALTER TABLE t ADD COLUMN x int;\n";
        assert_eq!(statements(sql), 3);
    }
}
