//! DDL fixture pairs (`tests/fixtures/<case>/{from,to}.sql`) read by the DDL reader: every
//! invariant per dialect the case is written for (first line `-- dialects: a, b`), and a
//! snapshot of the plans so a change in ordering is reviewed.

mod common;

use common::{check_pair, check_up};
use migrex_model::{Dialect, Plan, Schema};
use std::fmt::Write;
use std::path::Path;

fn dialects(from_sql: &str) -> Vec<Dialect> {
    let first = from_sql.lines().next().unwrap_or_default();
    match first.trim().strip_prefix("-- dialects:") {
        Some(list) => list
            .split(',')
            .map(|d| Dialect::parse(d.trim()).unwrap_or_else(|| panic!("unknown dialect {d}")))
            .collect(),
        None => Dialect::ALL.to_vec(),
    }
}

fn read(sql: &str, d: Dialect, file: &Path) -> migrex_model::Loaded {
    let loaded = migrex_source_sql::parse(sql, d, &file.display().to_string())
        .unwrap_or_else(|e| panic!("{d}: {e}"));
    assert!(
        loaded.warnings.is_empty(),
        "{d} {}: {:?}",
        file.display(),
        loaded.warnings
    );
    loaded
}

fn render(out: &mut String, d: Dialect, p: &Plan) {
    writeln!(out, "== {d}").unwrap();
    for s in &p.steps {
        writeln!(
            out,
            "{:>2} {}{}{}",
            s.id,
            s.change.describe(),
            if s.depends_on.is_empty() {
                String::new()
            } else {
                format!("  after {:?}", s.depends_on)
            },
            if s.transactional {
                ""
            } else {
                "  (no transaction)"
            }
        )
        .unwrap();
    }
    for n in &p.notes {
        writeln!(out, "   note: {n}").unwrap();
    }
}

#[test]
fn fixture_pairs() {
    insta::glob!("fixtures/*/from.sql", |from_path| {
        let dir = from_path.parent().unwrap();
        let case = dir.file_name().unwrap().to_string_lossy().to_string();
        let from_sql = std::fs::read_to_string(from_path).unwrap();
        let to_path = dir.join("to.sql");
        let to_sql = std::fs::read_to_string(&to_path).unwrap();
        let mut out = String::new();
        for d in dialects(&from_sql) {
            let from = read(&from_sql, d, from_path);
            let to = read(&to_sql, d, &to_path);
            let case = format!("{case} ({d})");
            // Enum values cannot be removed yet, so a case that adds some is checked one way.
            let enums_grow = |a: &Schema, b: &Schema| {
                a.namespaces.iter().any(|(n, ns)| {
                    b.namespaces.get(n).is_some_and(|o| {
                        ns.enums.iter().any(|(k, e)| {
                            o.enums
                                .get(k)
                                .is_some_and(|x| x.values.len() > e.values.len())
                        })
                    })
                })
            };
            let up = if enums_grow(&from.schema, &to.schema) {
                check_up(&case, &from.schema, &to.schema, &to.renames)
            } else {
                check_pair(&case, &from.schema, &to.schema, &to.renames)
            };
            render(&mut out, d, &up);
        }
        insta::assert_snapshot!(out);
    });
}
