//! `migrex-bench load`: the figures of issue 4 part 5 (see `migrex_load`): per scenario and
//! plan, the longest client stall, p99 latency, failed transactions and the migration's time.

use migrex_load::{Harness, LoadConfig, PlanKind, TABLE_HEADER, scenarios};

pub(crate) struct Options {
    pub rows: u64,
    pub clients: usize,
    pub plans: Vec<String>,
    pub only: Vec<String>,
    pub sql: bool,
    pub url: String,
}

pub(crate) fn run(o: &Options) -> Result<(), String> {
    let plans = o
        .plans
        .iter()
        .map(|p| match p.as_str() {
            "naive" => Ok(PlanKind::Naive),
            "online" => Ok(PlanKind::Online),
            other => Err(format!("unknown plan `{other}` (naive, online)")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cfg = LoadConfig {
        rows: o.rows,
        clients: o.clients.max(1),
        ..LoadConfig::default()
    };
    eprintln!("preparing {} rows, {} clients...", cfg.rows, cfg.clients);
    let mut h = Harness::new(&o.url, cfg)?;
    let mut rows = Vec::new();
    for s in scenarios() {
        if !o.only.is_empty() && !o.only.iter().any(|p| s.name.starts_with(p.as_str())) {
            continue;
        }
        for &plan in &plans {
            eprintln!("{} ({}) with the {} plan...", s.name, s.title, plan.name());
            match h.run(&s, plan) {
                Ok(r) => {
                    if o.sql {
                        eprintln!("{}", r.plan_sql);
                    }
                    eprint!("{}", r.details());
                    rows.push(r.row());
                }
                Err(e) => {
                    eprintln!("  failed: {e}");
                    rows.push(format!(
                        "| {} | {} | failed: {} | | | |",
                        s.name,
                        plan.name(),
                        e.lines().next().unwrap_or("")
                    ));
                }
            }
        }
    }
    h.close()?;
    println!("{TABLE_HEADER}");
    for r in rows {
        println!("{r}");
    }
    Ok(())
}
