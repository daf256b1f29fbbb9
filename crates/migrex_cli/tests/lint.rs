//! `migrex lint` and `migrex rule` end to end: exit codes (0 clean, 1 a finding at --fail-on,
//! 2 usage or unreadable file), the human, JSON and SARIF outputs, suppressions, rule docs.

mod common;
use common::{assert_valid_sarif, migrex, stdout, write};

use serde_json::Value;

const UNSAFE: &str = "-- add an index\nCREATE INDEX users_email_idx ON users (email);\n";
const SAFE: &str = "SET lock_timeout = '2s';\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCREATE TABLE t (id bigint PRIMARY KEY, name varchar(20));\n";

#[test]
fn exit_codes_follow_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.sql", UNSAFE);
    let good = write(dir.path(), "good.sql", SAFE);
    let o = migrex(&["lint", &bad, "--dialect", "postgres"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(
        text.contains("bad.sql:2:1: warning[MX101 require-concurrent-index-creation]"),
        "{text}"
    );
    assert!(text.contains("2 | CREATE INDEX users_email_idx"), "{text}");
    assert!(text.contains("  | ^"), "{text}");
    assert!(text.contains("= help: CREATE INDEX CONCURRENTLY"), "{text}");
    // Only warnings: --fail-on error passes.
    let o = migrex(&["lint", &bad, "--dialect", "postgres", "--fail-on", "error"]);
    assert_eq!(o.status.code(), Some(0));
    // The safe file has hygiene (info) only: exit 0 with the default --fail-on warning, 1 with info.
    let o = migrex(&["lint", &good]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("info[MX202 prefer-text-over-varchar]"));
    let o = migrex(&["lint", &good, "--fail-on", "info"]);
    assert_eq!(o.status.code(), Some(1));
    // Unreadable file, bad version: exit 2.
    let o = migrex(&["lint", "/nonexistent/x.sql"]);
    assert_eq!(o.status.code(), Some(2));
    let o = migrex(&["lint", &good, "--server-version", "banana"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn assume_transaction_and_suppressions() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "a.sql", SAFE);
    let o = migrex(&["lint", &f, "--assume-transaction", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = v["files"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"MX103"), "{codes:?}");
    let sup = "-- migrex:ignore-file prefer-text-over-varchar\nSET lock_timeout = '2s';\nCREATE INDEX i ON users (a); -- migrex:ignore MX101\n-- migrex:ignore renaming-table\nCREATE TABLE t (id bigint PRIMARY KEY, name varchar(20));\n";
    let f = write(dir.path(), "s.sql", sup);
    let o = migrex(&["lint", &f, "--dialect", "postgres", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = v["files"][0]["findings"].as_array().unwrap();
    let codes: Vec<&str> = findings
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["MX902"], "{findings:#?}");
    assert_eq!(findings[0]["line"], 4);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn json_is_stable_and_documented() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bad.sql", UNSAFE);
    let o = migrex(&["lint", &f, "--dialect", "postgres", "--format", "json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["warning"], 2);
    let file = &v["files"][0];
    assert_eq!(file["dialect"], "postgres");
    assert_eq!(file["statements"], 1);
    let f0 = &file["findings"][0];
    for key in [
        "code", "name", "severity", "message", "help", "line", "column",
    ] {
        assert!(f0.get(key).is_some(), "missing {key}: {f0}");
    }
}

/// SARIF 2.1.0 as GitHub code scanning reads it: valid against the SARIF 2.1.0 JSON schema
/// (Microsoft's SARIF SDK), with the fields code scanning needs.
#[test]
fn sarif_has_the_fields_code_scanning_needs() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "bad.sql", UNSAFE);
    let o = migrex(&["lint", &f, "--dialect", "postgres", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(1));
    assert_valid_sarif(&[&stdout(&o)]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &v["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "migrex");
    assert!(driver["version"].is_string() && driver["informationUri"].is_string());
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() >= 30);
    for r in rules {
        assert!(r["id"].is_string() && r["name"].is_string());
        assert!(r["shortDescription"]["text"].is_string());
        assert!(r["fullDescription"]["text"].is_string());
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["note", "warning", "error"].contains(&level));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        assert!(res["message"]["text"].is_string());
        let loc = &res["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .ends_with("bad.sql")
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
}

#[test]
fn rule_lists_and_documents() {
    let o = migrex(&["rule"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.lines().count() >= 30);
    assert!(text.starts_with("MX101"));
    let o = migrex(&["rule", "missing-lock-timeout"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    assert!(text.starts_with("MX118 missing-lock-timeout (warning; postgres, mysql)"));
    assert!(text.contains("SET lock_timeout"));
    assert_eq!(migrex(&["rule", "MX999"]).status.code(), Some(2));
}

/// Every rule's findings, on every unsafe and safe fixture of each dialect, and a clean run,
/// give SARIF that the SARIF 2.1.0 schema accepts.
#[test]
fn sarif_of_every_fixture_is_valid_against_the_schema() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrex_lint/tests/fixtures");
    let mut logs = Vec::new();
    for kind in ["unsafe", "safe"] {
        for dialect in ["postgres", "mysql", "sqlite"] {
            let dir = format!("{root}/{kind}/{dialect}");
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .flatten()
                .map(|e| e.path().display().to_string())
                .collect();
            files.sort();
            let mut args = vec!["lint", "--dialect", dialect, "--format", "sarif"];
            args.extend(files.iter().map(String::as_str));
            let o = migrex(&args);
            assert!(o.status.code() != Some(2), "{}", common::stderr(&o));
            let log = stdout(&o);
            let v: Value = serde_json::from_str(&log).unwrap();
            if kind == "unsafe" {
                assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
            }
            logs.push(log);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let clean = write(
        dir.path(),
        "clean.sql",
        "CREATE TABLE t (id bigint PRIMARY KEY);\n",
    );
    logs.push(stdout(&migrex(&["lint", &clean, "--format", "sarif"])));
    assert_valid_sarif(&logs.iter().map(String::as_str).collect::<Vec<_>>());
}
