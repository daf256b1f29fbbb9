//! Performance sanity: planning between two 5,000-table schemas stays fast in a debug build.

mod common;

use common::*;
use migrex_diff::{canonical, plan, simulate};
use migrex_model::*;
use std::time::{Duration, Instant};

fn big(d: Dialect, n: usize, variant: usize) -> (Schema, Renames) {
    let mut tables = Vec::with_capacity(n);
    let mut renames = Renames::default();
    for i in 0..n {
        // The new side drops every 50th table, renames every 70th and changes every 10th.
        if variant == 1 && i % 50 == 7 {
            continue;
        }
        let name = if variant == 1 && i % 70 == 3 {
            renames
                .tables
                .insert(qn(d, &format!("t{i}")), qn(d, &format!("t{i}_new")));
            format!("t{i}_new")
        } else {
            format!("t{i}")
        };
        let mut t = table(
            d,
            &name,
            &[
                col("a", int(d)),
                col("b", text(d)),
                col("p", int(d)),
                col("q", int(d)),
            ],
        );
        t.indexes
            .push(index(&format!("{name}_b_idx"), &["b"], false));
        // References to earlier and later tables; some cycles.
        for (k, c) in [(i * 7 + 1) % n, (i * 13 + 5) % n]
            .into_iter()
            .zip(["p", "q"])
        {
            if variant == 1 && k % 50 == 7 {
                continue;
            }
            let target = if variant == 1 && k % 70 == 3 {
                format!("t{k}_new")
            } else {
                format!("t{k}")
            };
            t.foreign_keys
                .push(fk(d, &format!("{name}_{c}_fkey"), &[c], &target, &["id"]));
            if d == Dialect::Mysql {
                t.indexes
                    .push(index(&format!("{name}_{c}_fkey"), &[c], false));
            }
        }
        if variant == 1 && i % 10 == 0 {
            t.columns.insert("extra".into(), col("extra", text(d)));
            t.columns.get_mut("a").unwrap().nullable = false;
            t.indexes
                .push(index(&format!("{name}_a_idx"), &["a"], false));
        }
        tables.push(t);
    }
    if variant == 1 {
        for i in 0..100 {
            let mut t = table(d, &format!("new{i}"), &[col("p", int(d))]);
            t.foreign_keys.push(fk(
                d,
                &format!("new{i}_p_fkey"),
                &["p"],
                &format!("new{}", (i + 1) % 100),
                &["id"],
            ));
            if d == Dialect::Mysql {
                t.indexes
                    .push(index(&format!("new{i}_p_fkey"), &["p"], false));
            }
            tables.push(t);
        }
    }
    (schema(d, tables), renames)
}

#[test]
fn plan_5000_tables_is_fast() {
    for d in Dialect::ALL {
        let (from, _) = big(d, 5000, 0);
        let (to, renames) = big(d, 5000, 1);
        let start = Instant::now();
        let up = plan(&from, &to, &renames);
        let took = start.elapsed();
        println!("{d}: {} steps in {took:?}", up.steps.len());
        assert!(up.steps.len() > 1000, "{d}: {} steps", up.steps.len());
        assert!(
            took < Duration::from_secs(5),
            "{d}: planning 5,000 tables took {took:?}"
        );
        let start = Instant::now();
        let same = plan(&to, &to, &Renames::default());
        assert!(same.is_empty());
        println!("{d}: identical schemas in {:?}", start.elapsed());
        let got = simulate(&from, &up).expect("the plan applies");
        assert_eq!(canonical(&got), canonical(&to));
    }
}
