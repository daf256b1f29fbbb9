//! Every fixture under tests/fixtures: `safe/<dialect>/*.sql` must give no warning or error;
//! `unsafe/<dialect>/*.sql` must give exactly the codes of its `-- expect:` header (as a set,
//! info findings included). The dialect is the folder name.

use migrex_lint::{Options, lint};
use migrex_model::Dialect;
use migrex_safety::{Severity, Target};
use std::collections::BTreeSet;
use std::path::Path;

fn dialect_of(dir: &str) -> Dialect {
    match dir {
        "postgres" => Dialect::Postgres,
        "mysql" => Dialect::Mysql,
        _ => Dialect::Sqlite,
    }
}

fn files(kind: &str) -> Vec<(Dialect, std::path::PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut out = Vec::new();
    for d in std::fs::read_dir(&root).unwrap() {
        let d = d.unwrap().path();
        let dialect = dialect_of(d.file_name().unwrap().to_str().unwrap());
        for f in std::fs::read_dir(&d).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "sql") {
                out.push((dialect, f));
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

fn run(dialect: Dialect, path: &Path) -> migrex_lint::FileReport {
    let text = std::fs::read_to_string(path).unwrap();
    let opts = Options {
        // MySQL fixtures are judged for a current 8.0 (INSTANT ADD COLUMN needs 8.0.12).
        target: Target::of_dialect(
            dialect,
            (dialect == Dialect::Mysql).then(|| migrex_safety::Version::new(8, 0, 36)),
        ),
        assume_transaction: false,
    };
    lint(&text, &path.display().to_string(), dialect, &opts)
}

#[test]
fn safe_migrations_have_no_warning_or_error() {
    let mut bad = Vec::new();
    let all = files("safe");
    assert!(all.len() >= 8);
    for (dialect, path) in all {
        let r = run(dialect, &path);
        for f in &r.findings {
            if f.severity >= Severity::Warning {
                bad.push(format!(
                    "{}:{}: {} {} {}",
                    path.display(),
                    f.line,
                    f.code,
                    f.name,
                    f.message
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn unsafe_migrations_give_exactly_the_expected_codes() {
    let mut bad = Vec::new();
    let all = files("unsafe");
    assert!(all.len() >= 15);
    for (dialect, path) in all {
        let text = std::fs::read_to_string(&path).unwrap();
        let header = text.lines().next().unwrap_or("");
        let expected: BTreeSet<String> = header
            .trim_start_matches("-- expect:")
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let r = run(dialect, &path);
        let got: BTreeSet<String> = r.findings.iter().map(|f| f.code.to_string()).collect();
        if got != expected {
            bad.push(format!(
                "{}: expected {:?}, got {:?}\n{:#?}",
                path.display(),
                expected,
                got,
                r.findings
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n\n"));
}

#[test]
fn assume_transaction_flags_concurrently() {
    let opts = Options {
        target: Target::of_dialect(Dialect::Postgres, None),
        assume_transaction: true,
    };
    let r = lint(
        "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY i ON t (a);\n",
        "m.sql",
        Dialect::Postgres,
        &opts,
    );
    let codes: Vec<_> = r.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, vec!["MX103"]);
    assert_eq!((r.findings[0].line, r.findings[0].column), (2, 1));
}

#[test]
fn unparsable_statement_is_reported_at_its_position_not_a_crash() {
    let opts = Options {
        target: Target::of_dialect(Dialect::Postgres, None),
        assume_transaction: false,
    };
    let r = lint(
        "SET lock_timeout = '2s';\n\n  FROBNICATE TABLE users WITH VIGOUR;\n",
        "m.sql",
        Dialect::Postgres,
        &opts,
    );
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    let f = &r.findings[0];
    assert_eq!(
        (f.code, f.severity, f.line, f.column),
        ("MX901", Severity::Info, 3, 3)
    );
}

/// Every .sql file of the repository (DDL fixtures, examples, sqldef cases when present) lints
/// without a panic, in each dialect.
#[test]
fn real_sql_files_lint_without_crashing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut stack = vec![
        root.join("crates"),
        root.join("examples"),
        root.join("../shared/conformance"),
    ];
    let mut n = 0;
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("target") {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "sql") {
                let Ok(text) = std::fs::read_to_string(&p) else {
                    continue;
                };
                let dialect = migrex_lint::infer_dialect(&text).unwrap_or(Dialect::Postgres);
                let opts = Options {
                    target: Target::of_dialect(dialect, None),
                    assume_transaction: true,
                };
                let _ = lint(&text, &p.display().to_string(), dialect, &opts);
                n += 1;
            }
        }
    }
    assert!(n > 10, "only {n} files found");
}

/// A finding on one clause of a multi-operation ALTER TABLE points at that clause (its column),
/// on the statement's first line and on a later one.
#[test]
fn findings_point_at_their_clause_inside_alter_table() {
    let opts = Options {
        target: Target::of_dialect(Dialect::Postgres, None),
        assume_transaction: false,
    };
    let r = lint(
        "SET lock_timeout = '2s';\n  ALTER TABLE users ADD COLUMN note text, ALTER COLUMN age TYPE bigint,\n    ALTER COLUMN email SET NOT NULL;\n",
        "m.sql",
        Dialect::Postgres,
        &opts,
    );
    let at: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| (f.code, f.line, f.column))
        .collect();
    let retype = at.iter().find(|(_, l, _)| *l == 2).copied();
    let not_null = at.iter().find(|(_, l, _)| *l == 3).copied();
    // `age` starts at column 56 of line 2; `email` at column 18 of line 3.
    assert_eq!(retype.map(|(_, l, c)| (l, c)), Some((2, 56)), "{at:?}");
    assert_eq!(not_null.map(|(_, l, c)| (l, c)), Some((3, 18)), "{at:?}");
}
