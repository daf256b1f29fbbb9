//! `migrex-bench backfill`: a batched UPDATE through the executor (`migrex_apply::run_up`) vs
//! one set-based UPDATE of an identical table, on PostgreSQL and MariaDB.
//!
//! Reports the rows/s of each (median of `runs`), their ratio, and how long the batches held
//! their row locks (each batch's transaction: max and p99). The executor's goal: at least half
//! the single statement's throughput with no batch over 200 ms.

use migrex::model::{Assignment, DataOp, Dialect, QualifiedName};
use migrex_apply::{ExecOptions, MigrationFile, Progress};
use migrex_render_sql::{RenderedStep, data_statements, data_task};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BackfillArgs {
    /// Rows of each table.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Runs per measurement; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Batch sizes to measure (default: the executor's default from the recipe, 5000).
    #[arg(long, value_delimiter = ',', default_value = "5000")]
    batch_sizes: Vec<u32>,
    /// The executor's target for a batch transaction in ms (it shrinks slower batches); 0
    /// keeps every batch at the batch size.
    #[arg(long, default_value_t = 100)]
    max_batch_ms: u64,
    /// A PostgreSQL server where the bench may create and drop databases `migrex_bf_*`.
    #[arg(long, env = "MIGREX_TEST_PG")]
    pg: Option<String>,
    /// A MariaDB/MySQL server, likewise.
    #[arg(long, env = "MIGREX_TEST_MYSQL")]
    mysql: Option<String>,
}

type Res<T> = Result<T, String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

struct Scratch {
    admin: migrex::Db,
    name: String,
    url: String,
}

impl Scratch {
    fn new(server: &str) -> Res<Scratch> {
        let mut admin = migrex::Db::connect(server).map_err(err)?;
        let name = format!("migrex_bf_{}", std::process::id());
        let _ = admin.drop_database(&name);
        let url = admin.create_database(&name).map_err(err)?;
        Ok(Scratch {
            admin,
            name,
            url: url.secret().to_string(),
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self.admin.drop_database(&self.name);
    }
}

fn fill(d: Dialect, table: &str, n: u64) -> String {
    let rows = match d {
        Dialect::Postgres => format!(
            "INSERT INTO {table} (id, v) SELECT g, g % 1000 FROM generate_series(1, {n}) AS g"
        ),
        _ => format!("INSERT INTO {table} (id, v) SELECT seq, seq % 1000 FROM seq_1_to_{n}"),
    };
    format!("CREATE TABLE {table} (id bigint PRIMARY KEY, v integer NOT NULL, w integer)|{rows}")
}

fn step(d: Dialect, table: &str, batch_size: u32) -> RenderedStep {
    let t = QualifiedName::new("", table);
    let op = DataOp::Update {
        key: vec!["id".into()],
        set: vec![Assignment {
            column: "w".into(),
            value: "v * 2 + 1".into(),
        }],
        filter: None,
        batch_size,
    };
    RenderedStep {
        step: 1,
        description: op.describe(&t),
        statements: data_statements(d, &t, &op).unwrap_or_default(),
        transactional: true,
        dialect: d,
        isolated: false,
        backfill: None,
        data: data_task(d, &t, &op).ok(),
    }
}

struct Sample {
    single: Duration,
    batched: Duration,
    batch_ms: Vec<u64>,
}

fn once(db: &mut migrex::Db, d: Dialect, a: &BackfillArgs, batch: u32, run: usize) -> Res<Sample> {
    let rows = a.rows;
    for t in ["bf_single", "bf_batched"] {
        db.execute(&format!("DROP TABLE IF EXISTS {t}"))
            .map_err(err)?;
        for s in fill(d, t, rows).split('|') {
            db.execute(s).map_err(err)?;
        }
    }
    if d == Dialect::Postgres {
        db.execute("VACUUM ANALYZE bf_single").map_err(err)?;
        db.execute("VACUUM ANALYZE bf_batched").map_err(err)?;
    }
    settle(db, d)?;
    let t0 = Instant::now();
    db.execute("UPDATE bf_single SET w = v * 2 + 1")
        .map_err(err)?;
    let single = t0.elapsed();
    settle(db, d)?;
    let m = MigrationFile::new(
        format!("bench_{batch}_{run}"),
        "bench",
        d,
        vec![step(d, "bf_batched", batch)],
        vec![],
    );
    let mut batch_ms = Vec::new();
    let t0 = Instant::now();
    let options = ExecOptions {
        target_batch_ms: (a.max_batch_ms > 0).then_some(a.max_batch_ms),
        ..Default::default()
    };
    migrex_apply::run_up(db, &m, &options, &mut |p| {
        if let Progress::Batch { batch_ms: ms, .. } = p {
            batch_ms.push(ms);
        }
    })
    .map_err(err)?;
    let batched = t0.elapsed();
    let wrong = db
        .query("SELECT COUNT(*) FROM bf_batched WHERE w IS NULL OR w <> v * 2 + 1")
        .map_err(err)?;
    if wrong
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .as_deref()
        != Some("0")
    {
        return Err("the batched update missed rows".into());
    }
    Ok(Sample {
        single,
        batched,
        batch_ms,
    })
}

/// Waits until the server has written out what the previous work left dirty, so that each
/// measurement starts from the same state instead of paying for the one before (InnoDB's page
/// cleaner flushing the fill or the single UPDATE would otherwise slow the next run's batches).
fn settle(db: &mut migrex::Db, d: Dialect) -> Res<()> {
    if d == Dialect::Postgres {
        return db.execute("CHECKPOINT").map(drop).map_err(err);
    }
    let status = |db: &mut migrex::Db, name: &str| -> Res<u64> {
        let rows = db
            .query(&format!(
                "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = '{name}'"
            ))
            .map_err(err)?;
        Ok(rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    };
    let total = status(db, "Innodb_buffer_pool_pages_total")?.max(1);
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if status(db, "Innodb_buffer_pool_pages_dirty")? * 100 <= total {
            break;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Ok(())
}

fn rate(rows: u64, d: Duration) -> f64 {
    rows as f64 / d.as_secs_f64().max(1e-9)
}

fn bench(d: Dialect, server: &str, a: &BackfillArgs) -> Res<()> {
    let scratch = Scratch::new(server)?;
    let mut db = migrex::Db::connect(&scratch.url).map_err(err)?;
    let version = db.server_version().map_err(err)?;
    for &batch in &a.batch_sizes {
        let mut samples = Vec::new();
        for run in 0..a.runs.max(1) {
            samples.push(once(&mut db, d, a, batch, run)?);
        }
        let single = crate::median(samples.iter().map(|s| s.single).collect());
        let batched = crate::median(samples.iter().map(|s| s.batched).collect());
        let mut all: Vec<u64> = samples.iter().flat_map(|s| s.batch_ms.clone()).collect();
        all.sort_unstable();
        let max = all.last().copied().unwrap_or(0);
        let p99 = all
            .get((all.len() * 99 / 100).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0);
        let (rs, rb) = (rate(a.rows, single), rate(a.rows, batched));
        println!(
            "{d} {version}, {} rows, batch {batch}: single UPDATE {:.0} rows/s ({:.2} s), batched {:.0} rows/s ({:.2} s), ratio {:.0}%, batch transaction max {max} ms, p99 {p99} ms ({} batches/run){}",
            a.rows,
            rs,
            single.as_secs_f64(),
            rb,
            batched.as_secs_f64(),
            100.0 * rb / rs,
            all.len() / samples.len().max(1),
            if rb >= rs / 2.0 && max <= 200 {
                "  [goal met]"
            } else {
                "  [goal NOT met]"
            }
        );
    }
    Ok(())
}

pub fn run(a: &BackfillArgs) -> Result<(), String> {
    if a.pg.is_none() && a.mysql.is_none() {
        return Err("pass --pg and/or --mysql (or set MIGREX_TEST_PG / MIGREX_TEST_MYSQL)".into());
    }
    if let Some(pg) = &a.pg {
        bench(Dialect::Postgres, pg, a)?;
    }
    if let Some(my) = &a.mysql {
        bench(Dialect::Mysql, my, a)?;
    }
    Ok(())
}
