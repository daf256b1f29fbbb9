//! Issue 4 part 5, proof under load: each scenario (add a NOT NULL column with a default and an
//! index; integer to bigint; add a foreign key) applied to a table of a million rows while 8
//! clients read and write it, with the naive plan and with the online plan in the same run.
//!
//! The naive plan must stall the clients on the rewrite (else the harness measures nothing);
//! the online plan must not fail a transaction or stall one for a second. Both must leave the
//! database equal to TO with every row intact. Figures go to stderr (`--nocapture`).

use migrex_load::{Harness, LoadConfig, PlanKind, RunResult, TABLE_HEADER, scenarios};
use migrex_model::Dialect;
use std::time::Duration;

fn rows() -> u64 {
    std::env::var("MIGREX_LOAD_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

#[test]
fn online_plans_do_not_stall_clients_naive_plans_do() {
    if !migrex_test_support::available(Dialect::Postgres) {
        return;
    }
    let url = std::env::var("MIGREX_TEST_PG").expect("checked by available()");
    let cfg = LoadConfig {
        rows: rows(),
        ..LoadConfig::default()
    };
    let mut h = Harness::new(&url, cfg).expect("preparing the load database");
    let mut results: Vec<RunResult> = Vec::new();
    for s in scenarios() {
        for plan in [PlanKind::Naive, PlanKind::Online] {
            let r = h
                .run(&s, plan)
                .unwrap_or_else(|e| panic!("{} / {}: {e}", s.name, plan.name()));
            eprint!("{}", r.details());
            results.push(r);
        }
    }
    h.close().expect("dropping the template database");
    eprintln!("{TABLE_HEADER}");
    for r in &results {
        eprintln!("{}", r.row());
    }
    for r in &results {
        assert!(
            r.problems.is_empty(),
            "{} / {}: {}",
            r.scenario,
            r.plan.name(),
            r.problems.join("\n")
        );
        assert!(r.transactions > 100, "{}: the load barely ran", r.scenario);
    }
    for r in results.iter().filter(|r| r.plan == PlanKind::Online) {
        assert!(
            r.failed == 0,
            "{} / online: {} transactions failed: {:?}",
            r.scenario,
            r.failed,
            r.failure_kinds
        );
        assert!(
            r.stall.length < Duration::from_secs(1),
            "{} / online: a client stalled for {:?} (during: {})",
            r.scenario,
            r.stall.length,
            r.stall.steps.join("; ")
        );
    }
    let rewrite = results
        .iter()
        .find(|r| r.scenario.starts_with("b:") && r.plan == PlanKind::Naive)
        .expect("the rewrite scenario ran");
    let online = results
        .iter()
        .find(|r| r.scenario.starts_with("b:") && r.plan == PlanKind::Online)
        .expect("the online rewrite ran");
    // The rewrite's stall scales with the machine's speed: it is judged against the online
    // plan's on the same table in the same run, not against a fixed duration.
    assert!(
        rewrite.stall.length >= Duration::from_millis(300)
            && rewrite.stall.length >= online.stall.length * 10,
        "the naive int -> bigint rewrite should stall clients (at least 300 ms and ten times the online plan's {:?}), the harness saw {:?}",
        online.stall.length,
        rewrite.stall.length
    );
}
