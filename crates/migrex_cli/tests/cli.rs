//! The `migrex` binary end to end: real commands, their output and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn migrex(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migrex"))
        .args(args)
        .output()
        .expect("migrex runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/shop")
        .join(name)
        .display()
        .to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p: PathBuf = dir.join(name);
    std::fs::write(&p, text).expect("writable temp dir");
    p.display().to_string()
}

#[test]
fn help_of_every_command_has_an_example() {
    for cmd in ["inspect", "diff", "verify"] {
        let o = migrex(&[cmd, "--help"]);
        assert!(o.status.success(), "{cmd} --help failed");
        assert!(
            stdout(&o).contains("Examples:"),
            "{cmd} --help has no example:\n{}",
            stdout(&o)
        );
    }
}

#[test]
fn example_project_diff_writes_files_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = migrex(&[
        "diff",
        &example("v1.sql"),
        &example("v2.sql"),
        "--out",
        out.to_str().unwrap(),
        "--verify",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        stdout(&o),
        stderr(&o)
    );
    let text = stdout(&o);
    assert!(text.contains("rename column"), "{text}");
    assert!(text.contains("PASS"), "{text}");
    for f in ["up.sql", "down.sql", "plan.json"] {
        assert!(out.join(f).exists(), "{f} not written");
    }
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("plan.json")).unwrap()).unwrap();
    assert!(!plan["steps"].as_array().unwrap().is_empty());
    // The down of the rename is a rename back, not a drop and add.
    let down = std::fs::read_to_string(out.join("down.sql")).unwrap();
    assert!(
        down.contains("RENAME COLUMN \"full_name\" TO \"name\""),
        "{down}"
    );
}

#[test]
fn no_changes_print_nothing_and_an_empty_json_plan() {
    let v1 = example("v1.sql");
    let o = migrex(&["diff", &v1, &v1]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    let o = migrex(&["diff", &v1, &v1, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["steps"].as_array().map(Vec::len), Some(0));
}

#[test]
fn inspect_sql_recreates_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let o = migrex(&["inspect", &example("v2.sql")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let ddl = write(dir.path(), "again.sql", &stdout(&o));
    // What inspect printed reads back to the same schema: the diff between the two is empty.
    let o = migrex(&["diff", &example("v2.sql"), &ddl, "--dialect", "sqlite"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "inspect output differs from its source");
    // And it loads into a real empty database, whose introspection equals it.
    let db = dir.path().join("x.db");
    let url = format!("sqlite://{}", db.display());
    let mut conn = migrex::Db::connect(&url).unwrap();
    conn.execute_script(&std::fs::read_to_string(&ddl).unwrap())
        .unwrap();
    drop(conn);
    let o = migrex(&["diff", &url, &example("v2.sql")]);
    assert_eq!(
        stdout(&o),
        "",
        "database loaded from inspect output differs: {}",
        stderr(&o)
    );
}

#[test]
fn malformed_sql_is_reported_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.sql",
        "CREATE TABLE a (\n  id integer,\n  name text NOT NUL\n);\n",
    );
    let o = migrex(&["inspect", &bad, "--dialect", "postgres"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad.sql:3:"), "no file:line:column in:\n{err}");
    assert!(
        err.contains("NOT NUL"),
        "the offending line is not shown:\n{err}"
    );
}

#[test]
fn unreachable_database_never_shows_the_password() {
    let o = migrex(&["inspect", "postgres://alice:hunter2@127.0.0.1:1/app"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cannot connect"), "{err}");
    assert!(!err.contains("hunter2"), "password leaked:\n{err}");
}

#[test]
fn ambiguous_dialect_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "plain.sql", "CREATE TABLE a (id int);\n");
    let o = migrex(&["inspect", &f]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--dialect"), "{}", stderr(&o));
}

/// `verify --dev` on the live servers, when configured.
#[test]
fn verify_on_live_servers() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            migrex_model::Dialect::Postgres,
            "MIGREX_TEST_PG",
            "CREATE TABLE a (id serial PRIMARY KEY, name text NOT NULL);",
            "CREATE TABLE a (id serial PRIMARY KEY, full_name text NOT NULL, -- @renamed from=name\n  age int CHECK (age >= 0));\nCREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id));\nCREATE INDEX b_a ON b (a_id);",
        ),
        (
            migrex_model::Dialect::Mysql,
            "MIGREX_TEST_MYSQL",
            "CREATE TABLE a (id int AUTO_INCREMENT PRIMARY KEY, name varchar(50) NOT NULL);",
            "CREATE TABLE a (id int AUTO_INCREMENT PRIMARY KEY, full_name varchar(50) NOT NULL, -- @renamed from=name\n  age int);\nCREATE TABLE b (id int PRIMARY KEY, a_id int, FOREIGN KEY (a_id) REFERENCES a (id));",
        ),
    ];
    for (dialect, var, v1, v2) in cases {
        if !migrex_test_support::available(dialect) {
            continue;
        }
        let url = std::env::var(var).unwrap();
        let f1 = write(dir.path(), &format!("{dialect}1.sql"), v1);
        let f2 = write(dir.path(), &format!("{dialect}2.sql"), v2);
        let o = migrex(&[
            "verify",
            &f1,
            &f2,
            "--dialect",
            dialect.name(),
            "--dev",
            &url,
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{dialect}: stdout:\n{}\nstderr:\n{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(stdout(&o).contains("PASS"));
    }
}

#[test]
fn a_rename_hint_that_keeps_the_old_column_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(
        dir.path(),
        "v1.sql",
        "CREATE TABLE users (id integer PRIMARY KEY, username text);\n",
    );
    let v2 = write(
        dir.path(),
        "v2.sql",
        "CREATE TABLE users (\n  id integer PRIMARY KEY,\n  username text,\n  user_name text -- @renamed from=username\n);\n",
    );
    let o = migrex(&["diff", &v1, &v2, "--dialect", "sqlite"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("column 'username' still exists"),
        "{}",
        stderr(&o)
    );
}
