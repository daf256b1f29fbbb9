//! Helpers shared by the CLI's end-to-end tests: run the built `migrex` binary, write input
//! files, read its output.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs `migrex` with `args`; `MIGREX_DB` from the caller's environment never leaks in.
pub fn migrex(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migrex"))
        .args(args)
        .env_remove("MIGREX_DB")
        .output()
        .expect("migrex runs")
}

/// Writes `text` to `dir/name` and returns the path as an argument.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("writable temp dir");
    p.display().to_string()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Checks SARIF logs against the SARIF 2.1.0 JSON schema of Microsoft's SARIF SDK (npm, installed
/// by scripts/orm-env; `MIGREX_SARIF` names the folder). Skips when unset, unless servers and
/// runners are required.
pub fn assert_valid_sarif(logs: &[&str]) {
    let Some(node_dir) = migrex_test_support::runner("MIGREX_SARIF") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sarif/validate.cjs").to_string(),
        node_dir.display().to_string(),
    ];
    for (i, log) in logs.iter().enumerate() {
        args.push(write(dir.path(), &format!("log{i}.sarif"), log));
    }
    let o = std::process::Command::new("node")
        .args(&args)
        .output()
        .expect("run node");
    assert!(
        o.status.success(),
        "SARIF schema errors:\n{}{}",
        stdout(&o),
        stderr(&o)
    );
}
