//! The `migrex` binary end to end: real commands, their output and exit codes.

mod common;
use common::{migrex, stderr, stdout, write};

use std::path::Path;
use std::process::Command;

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/shop")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn help_of_every_command_has_an_example() {
    for cmd in ["inspect", "diff", "verify", "convert"] {
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

/// `diff --server-version` is checked like `plan`'s: a version that is not one is a usage error,
/// and a flavor only applies to MySQL.
#[test]
fn diff_server_version_and_flavor_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.sql",
        "CREATE TABLE t (id int PRIMARY KEY);\n",
    );
    let b = write(
        dir.path(),
        "b.sql",
        "CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);\n",
    );
    let ok = migrex(&[
        "diff",
        &a,
        &b,
        "--dialect",
        "postgres",
        "--online",
        "--server-version",
        "16.4",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("ADD COLUMN"), "{}", stdout(&ok));
    let bad = migrex(&[
        "diff",
        &a,
        &b,
        "--dialect",
        "postgres",
        "--server-version",
        "sixteen",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("is not a version"),
        "{}",
        stderr(&bad)
    );
    let flavor = migrex(&[
        "diff",
        &a,
        &b,
        "--dialect",
        "postgres",
        "--flavor",
        "mariadb",
    ]);
    assert_eq!(flavor.status.code(), Some(2));
    assert!(
        stderr(&flavor).contains("--flavor applies to MySQL"),
        "{}",
        stderr(&flavor)
    );
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

/// `verify --online` proves the online plan (more steps than the plain one: NOT VALID then
/// VALIDATE, a NOT NULL through a validated check, concurrent index builds) on the live servers,
/// and `diff --online --verify` proves exactly what it printed.
#[test]
fn verify_online_proves_the_online_plan() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            migrex_model::Dialect::Postgres,
            "MIGREX_TEST_PG",
            "CREATE TABLE a (id int PRIMARY KEY, email text);\nCREATE TABLE b (id int PRIMARY KEY, a_id int, n int);",
            "CREATE TABLE a (id int PRIMARY KEY, email text NOT NULL, CONSTRAINT a_email_key UNIQUE (email));\nCREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a (id), n bigint CHECK (n >= 0));\nCREATE INDEX b_a_id ON b (a_id);",
        ),
        (
            migrex_model::Dialect::Mysql,
            "MIGREX_TEST_MYSQL",
            "CREATE TABLE a (id int PRIMARY KEY, email varchar(100));",
            "CREATE TABLE a (id int PRIMARY KEY, email varchar(100));\nCREATE INDEX a_email ON a (email);",
        ),
    ];
    for (dialect, var, v1, v2) in cases {
        if !migrex_test_support::available(dialect) {
            continue;
        }
        let url = std::env::var(var).unwrap();
        let f1 = write(dir.path(), &format!("{dialect}1.sql"), v1);
        let f2 = write(dir.path(), &format!("{dialect}2.sql"), v2);
        let steps = |online: bool| {
            let mut args = vec![
                "verify",
                &f1,
                &f2,
                "--dialect",
                dialect.name(),
                "--dev",
                &url,
                "--format",
                "json",
            ];
            if online {
                args.push("--online");
            }
            let o = migrex(&args);
            assert_eq!(
                o.status.code(),
                Some(0),
                "{dialect} online={online}: {}{}",
                stdout(&o),
                stderr(&o)
            );
            let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
            assert_eq!(v["ok"], true);
            v["up_steps"].as_u64().unwrap()
        };
        let (plain, online) = (steps(false), steps(true));
        if dialect == migrex_model::Dialect::Postgres {
            assert!(
                online > plain,
                "{dialect}: online {online} steps, plain {plain}"
            );
        }
        let o = migrex(&[
            "diff",
            &f1,
            &f2,
            "--dialect",
            dialect.name(),
            "--online",
            "--verify",
            "--dev",
            &url,
        ]);
        let text = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{dialect}: {text}{}", stderr(&o));
        assert!(
            text.contains(&format!("PASS: up ({online} steps)")),
            "{dialect}: {text}"
        );
        if dialect == migrex_model::Dialect::Postgres {
            assert!(
                text.contains("NOT VALID") && text.contains("CONCURRENTLY"),
                "{text}"
            );
        }
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

// ---- Renames: --rename, questions on a terminal, warnings without one ----

const RENAME_V1: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name TEXT NOT NULL,\n  bio TEXT\n);\nCREATE TABLE logs (id INTEGER PRIMARY KEY, msg TEXT);\nCREATE INDEX logs_msg ON logs (msg);\n";
const RENAME_V2: &str = "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT NOT NULL,\n  about TEXT\n);\nCREATE TABLE events (id INTEGER PRIMARY KEY, msg TEXT);\nCREATE INDEX events_msg ON events (msg);\n";

/// A SQLite database holding `ddl` and two rows in each of users and logs.
fn seeded_sqlite(dir: &Path, ddl: &str) -> String {
    let url = format!("sqlite://{}", dir.join("app.db").display());
    let mut db = migrex::Db::connect(&url).unwrap();
    db.execute_script(ddl).unwrap();
    db.execute_script(
        "INSERT INTO users (id, name, bio) VALUES (1, 'Ada', 'math'), (2, 'Linus', 'kernels');\nINSERT INTO logs (id, msg) VALUES (1, 'boot'), (2, 'halt');",
    )
    .unwrap();
    url
}

fn rows(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    migrex::Db::connect(url).unwrap().query(sql).unwrap()
}

fn texts(v: &[&str]) -> Vec<Vec<Option<String>>> {
    v.iter().map(|s| vec![Some(s.to_string())]).collect()
}

#[test]
fn rename_options_are_planned_and_keep_the_rows_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "v1.sql", RENAME_V1);
    let v2 = write(dir.path(), "v2.sql", RENAME_V2);
    let renames = [
        "--rename",
        "users.name=full_name",
        "--rename",
        "logs=events",
        // The table's new name or its old one: both find it.
        "--rename",
        "events.msg=msg",
        "--rename",
        "users.bio=about",
    ];
    let mut args = vec!["diff", &v1, &v2, "--dialect", "sqlite"];
    args.extend(renames);
    let o = migrex(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let up = stdout(&o);
    for want in [
        "ALTER TABLE \"users\" RENAME COLUMN \"name\" TO \"full_name\";",
        "ALTER TABLE \"users\" RENAME COLUMN \"bio\" TO \"about\";",
        "ALTER TABLE \"logs\" RENAME TO \"events\";",
    ] {
        assert!(up.contains(want), "{want} missing from:\n{up}");
    }
    assert!(!up.contains("DROP TABLE"), "{up}");
    assert!(!up.contains("DROP COLUMN"), "{up}");
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));

    // On a real SQLite database the renamed column and table keep their rows.
    let url = seeded_sqlite(dir.path(), RENAME_V1);
    let mut db = migrex::Db::connect(&url).unwrap();
    db.execute_script(&up).unwrap();
    drop(db);
    assert_eq!(
        rows(&url, "SELECT full_name FROM users ORDER BY id"),
        texts(&["Ada", "Linus"])
    );
    assert_eq!(
        rows(&url, "SELECT about FROM users ORDER BY id"),
        texts(&["math", "kernels"])
    );
    assert_eq!(
        rows(&url, "SELECT msg FROM events ORDER BY id"),
        texts(&["boot", "halt"])
    );
    // And the database now is TO: nothing left to do.
    let o = migrex(&["diff", &url, &v2]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");

    // verify takes the same options and proves the plan.
    let mut args = vec!["verify", &v1, &v2, "--dialect", "sqlite"];
    args.extend(renames);
    let o = migrex(&args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("PASS"), "{}", stdout(&o));
}

#[test]
fn rename_options_in_a_namespace_and_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(
        dir.path(),
        "v1.sql",
        "CREATE SCHEMA app;\nCREATE TABLE app.users (id int PRIMARY KEY, name text);\n",
    );
    let v2 = write(
        dir.path(),
        "v2.sql",
        "CREATE SCHEMA app;\nCREATE TABLE app.accounts (id int PRIMARY KEY, full_name text);\n",
    );
    let pg = ["--dialect", "postgres"];
    let run = |extra: &[&str]| {
        let mut args = vec!["diff", v1.as_str(), v2.as_str()];
        args.extend(pg);
        args.extend(extra);
        migrex(&args)
    };
    let o = run(&[
        "--rename",
        "app.users=app.accounts",
        "--rename",
        "app.accounts.name=full_name",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let up = stdout(&o);
    assert!(
        up.contains("ALTER TABLE \"app\".\"users\" RENAME TO \"accounts\";"),
        "{up}"
    );
    assert!(
        up.contains("RENAME COLUMN \"name\" TO \"full_name\""),
        "{up}"
    );
    assert!(!up.contains("DROP TABLE"), "{up}");

    // `app.users=accounts` is column `users` of table `app`: the error says how to write the
    // table rename.
    let o = run(&["--rename", "app.users=accounts"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("to rename table app.users write `--rename app.users=app.accounts`"),
        "{}",
        stderr(&o)
    );
    for (args, want) in [
        (&["app.nope=app.accounts"][..], "FROM has no table app.nope"),
        (&["app.users=app.nope"], "TO has no table app.nope"),
        (&["app.users.name=full_name"], "TO has no table app.users"),
        // The table by its old name, once renamed.
        (
            &["app.users=app.accounts", "app.users.nope=full_name"],
            "FROM has no column app.users.nope",
        ),
        (&["a.b.c.d=e"], "expected OLD=NEW"),
    ] {
        let mut extra = Vec::new();
        for a in args {
            extra.extend(["--rename", a]);
        }
        let o = run(&extra);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn a_rename_option_contradicting_a_hint_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "v1.sql", RENAME_V1);
    let v2 = write(
        dir.path(),
        "v2.sql",
        "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  full_name TEXT NOT NULL,\n  display_name TEXT NOT NULL, -- @renamed from=name\n  bio TEXT\n);\nCREATE TABLE events ( -- @renamed from=logs\n  id INTEGER PRIMARY KEY, msg TEXT);\nCREATE TABLE journal (id INTEGER PRIMARY KEY, msg TEXT);\n",
    );
    let o = migrex(&[
        "diff",
        &v1,
        &v2,
        "--dialect",
        "sqlite",
        "--rename",
        "users.name=full_name",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("--rename users.name=full_name"), "{err}");
    assert!(
        err.contains("the hint `-- @renamed from=name` on column users.display_name"),
        "{err}"
    );
    assert!(
        err.contains("v2.sql:1:1"),
        "the hint's table is not located: {err}"
    );

    let o = migrex(&[
        "diff",
        &v1,
        &v2,
        "--dialect",
        "sqlite",
        "--rename",
        "logs=journal",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "--rename logs=journal: contradicts the hint `-- @renamed from=logs` on table events"
        ),
        "{err}"
    );

    // Two options that disagree.
    let o = migrex(&[
        "diff",
        &v1,
        &write(dir.path(), "v3.sql", RENAME_V2),
        "--dialect",
        "sqlite",
        "--rename",
        "users.name=full_name",
        "--rename",
        "users.bio=full_name",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(
            "--rename users.bio=full_name: contradicts --rename users.name=full_name: column users.full_name cannot come from both bio and name"
        ),
        "{}",
        stderr(&o)
    );

    // Agreeing with the hint is fine.
    let o = migrex(&[
        "diff",
        &v1,
        &v2,
        "--dialect",
        "sqlite",
        "--rename",
        "users.name=display_name",
        "--rename",
        "logs=events",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn likely_renames_without_a_terminal_are_warnings_with_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "v1.sql", RENAME_V1);
    let v2 = write(dir.path(), "v2.sql", RENAME_V2);
    // --quiet silences unmodeled-object warnings, not these: data is at stake.
    for extra in [&[][..], &["--no-input"], &["--quiet"]] {
        let mut args = vec!["diff", &v1, &v2, "--dialect", "sqlite"];
        args.extend(extra);
        let o = migrex(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(!err.contains("[y/N]"), "asked without a terminal: {err}");
        let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
        assert_eq!(
            warnings,
            [
                "warning: v2.sql:6:1: table logs was dropped and events created with columns of the same definitions (id, msg): planned as a drop and a create, which loses its rows; if it is a rename, pass `--rename logs=events`",
                "warning: v2.sql:1:1: column users.name was dropped and users.full_name added with the same definition (TEXT NOT NULL): planned as a drop and an add, which loses the column's data; if it is a rename, pass `--rename users.name=full_name`",
                "warning: v2.sql:1:1: column users.bio was dropped and users.about added with the same definition (TEXT): planned as a drop and an add, which loses the column's data; if it is a rename, pass `--rename users.bio=about`",
            ]
            .map(|w| w.replace("v2.sql", &v2)),
            "{extra:?}"
        );
        // The plan notes do not say it a second time.
        assert!(!err.contains("note: column"), "{err}");
        assert!(stdout(&o).contains("DROP TABLE \"logs\""), "{}", stdout(&o));
    }
    // The JSON plan carries them too, with the option.
    let o = migrex(&["diff", &v1, &v2, "--dialect", "sqlite", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let cands = plan["rename_candidates"].as_array().unwrap();
    let options: Vec<&str> = cands
        .iter()
        .map(|c| c["option"].as_str().unwrap())
        .collect();
    assert_eq!(
        options,
        [
            "--rename logs=events",
            "--rename users.name=full_name",
            "--rename users.bio=about"
        ]
    );
    assert_eq!(cands[1]["kind"], "column");
    assert_eq!(cands[1]["description"], "TEXT NOT NULL");
    assert_eq!(plan["warnings"].as_array().unwrap().len(), 3);

    // Each suggested option, passed, confirms its rename and silences its warning.
    let mut args = vec!["diff", &v1, &v2, "--dialect", "sqlite"];
    for opt in &options {
        args.extend(opt.split(' '));
    }
    let o = migrex(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("RENAME TO \"events\""),
        "{}",
        stdout(&o)
    );

    // verify warns the same way.
    let o = migrex(&["verify", &v1, &v2, "--dialect", "sqlite"]);
    assert!(
        stderr(&o).contains("pass `--rename users.name=full_name`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn one_warning_per_new_column_lists_every_likely_source() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(
        dir.path(),
        "v1.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, other TEXT, note_old TEXT);\n",
    );
    let v2 = write(
        dir.path(),
        "v2.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT);\n",
    );
    let o = migrex(&["diff", &v1, &v2, "--dialect", "sqlite"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let warnings: Vec<String> = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .map(String::from)
        .collect();
    // The likelier source (by name) first.
    assert_eq!(
        warnings,
        [format!(
            "warning: {v2}:1:1: column t.note was added with the same definition (TEXT) as 2 dropped columns (t.note_old, t.other): planned as drops and an add, which loses their data; if it is a rename of one of them, pass `--rename t.note_old=note` or `--rename t.other=note`"
        )]
    );
    // Either option confirms it; both at once are a contradiction.
    let o = migrex(&[
        "diff",
        &v1,
        &v2,
        "--dialect",
        "sqlite",
        "--rename",
        "t.other=note",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("RENAME COLUMN \"other\" TO \"note\""),
        "{}",
        stdout(&o)
    );
    let o = migrex(&[
        "diff",
        &v1,
        &v2,
        "--dialect",
        "sqlite",
        "--rename",
        "t.other=note",
        "--rename",
        "t.note_old=note",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stderr(&o).contains("column t.note cannot come from both note_old and other"),
        "{}",
        stderr(&o)
    );
}

/// `--rename` from a live PostgreSQL or MariaDB database (FROM by URL) to a DDL file: the plan
/// renames, the rows stay, and the database then equals TO.
#[test]
fn rename_options_keep_the_rows_on_live_servers() {
    use migrex_model::Dialect;
    let dir = tempfile::tempdir().unwrap();
    for (dialect, v1, v2) in [
        (
            Dialect::Postgres,
            "CREATE TABLE users (id int PRIMARY KEY, name varchar(100) NOT NULL);\nCREATE TABLE logs (id int PRIMARY KEY, msg text);\nCREATE INDEX logs_msg ON logs (msg);",
            "CREATE TABLE users (id int PRIMARY KEY, full_name varchar(100) NOT NULL);\nCREATE TABLE events (id int PRIMARY KEY, msg text);\nCREATE INDEX events_msg ON events (msg);",
        ),
        (
            Dialect::Mysql,
            "CREATE TABLE users (id int PRIMARY KEY, name varchar(100) NOT NULL);\nCREATE TABLE logs (id int PRIMARY KEY, msg varchar(50), KEY logs_msg (msg));",
            "CREATE TABLE users (id int PRIMARY KEY, full_name varchar(100) NOT NULL);\nCREATE TABLE events (id int PRIMARY KEY, msg varchar(50), KEY events_msg (msg));",
        ),
    ] {
        let Some(db) = migrex_test_support::TestDb::with_sql(dialect, v1) else {
            continue;
        };
        let mut conn = db.connect();
        conn.execute_script(
            "INSERT INTO users (id, name) VALUES (1, 'Ada'), (2, 'Linus');\nINSERT INTO logs (id, msg) VALUES (1, 'boot');",
        )
        .unwrap();
        let url = db.url_string();
        let v2 = write(dir.path(), &format!("{dialect}.sql"), v2);
        // Without the options: warnings naming them, and a plan that drops.
        let o = migrex(&["diff", &url, &v2]);
        assert_eq!(o.status.code(), Some(0), "{dialect}: {}", stderr(&o));
        for want in ["`--rename logs=events`", "`--rename users.name=full_name`"] {
            assert!(stderr(&o).contains(want), "{dialect}: {}", stderr(&o));
        }
        let o = migrex(&[
            "diff",
            &url,
            &v2,
            "--rename",
            "logs=events",
            "--rename",
            "users.name=full_name",
        ]);
        assert_eq!(o.status.code(), Some(0), "{dialect}: {}", stderr(&o));
        let up = stdout(&o);
        assert!(!up.contains("DROP TABLE"), "{dialect}: {up}");
        // The index keeps its definition under its new name: renamed in place, not rebuilt.
        assert!(!up.contains("CREATE INDEX"), "{dialect}: {up}");
        conn.execute_script(&up)
            .unwrap_or_else(|e| panic!("{dialect}: {e}\n{up}"));
        assert_eq!(
            conn.query("SELECT full_name FROM users ORDER BY id")
                .unwrap(),
            texts(&["Ada", "Linus"]),
            "{dialect}"
        );
        assert_eq!(
            conn.query("SELECT msg FROM events").unwrap(),
            texts(&["boot"]),
            "{dialect}"
        );
        let o = migrex(&["diff", &url, &v2]);
        assert_eq!(o.status.code(), Some(0), "{dialect}: {}", stderr(&o));
        assert_eq!(stdout(&o), "", "{dialect}: not at TO after the plan");
    }
}

/// `migrex` on a pseudo-terminal (util-linux `script`, which gives the child a terminal for
/// stdin, stdout and stderr), driven like a person: wait for a question, answer it.
struct Terminal {
    child: std::process::Child,
    input: std::process::ChildStdin,
    output: std::sync::Arc<std::sync::Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
    /// How much of `output` earlier `expect`s consumed.
    seen: usize,
}

impl Terminal {
    fn spawn(args: &[&str]) -> Terminal {
        use std::io::Read;
        use std::process::Stdio;
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut cmd = quote(env!("CARGO_BIN_EXE_migrex"));
        for a in args {
            cmd.push(' ');
            cmd.push_str(&quote(a));
        }
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &cmd, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("`script` (util-linux) runs migrex on a pseudo-terminal");
        let input = child.stdin.take().unwrap();
        let mut out = child.stdout.take().unwrap();
        let output = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Terminal {
            child,
            input,
            output,
            reader,
            seen: 0,
        }
    }

    /// Waits (up to 30 s) for `text` after what was already seen; returns what came before it.
    fn expect(&mut self, text: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            {
                let out = self.output.lock().unwrap();
                if let Some(i) = out[self.seen..].find(text) {
                    let before = out[self.seen..self.seen + i].to_string();
                    self.seen += i + text.len();
                    return before;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "timed out waiting for {text:?}; the terminal shows:\n{}",
                    &out[self.seen..]
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn answer(&mut self, line: &str) {
        use std::io::Write;
        writeln!(self.input, "{line}").unwrap();
        self.input.flush().unwrap();
    }

    /// Waits for the exit; returns the code and everything shown after the last `expect`.
    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        // The reader ends at the end of the output: everything shown is in.
        self.reader.join().unwrap();
        let out = self.output.lock().unwrap();
        (status.code(), out[self.seen..].to_string())
    }
}

#[test]
fn on_a_terminal_likely_renames_are_asked_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "v1.sql", RENAME_V1);
    let v2 = write(dir.path(), "v2.sql", RENAME_V2);
    let out = dir.path().join("out");
    let mut t = Terminal::spawn(&[
        "diff",
        &v1,
        &v2,
        "--dialect",
        "sqlite",
        "--out",
        out.to_str().unwrap(),
    ]);
    t.expect("Was table logs renamed to events (columns id, msg)? [y/N] ");
    t.answer("y");
    t.expect("Was users.name renamed to users.full_name (a TEXT NOT NULL column)? [y/N] ");
    t.answer("maybe");
    t.expect("Please answer y or n.");
    t.expect("Was users.name renamed to users.full_name (a TEXT NOT NULL column)? [y/N] ");
    t.answer("yes");
    t.expect("Was users.bio renamed to users.about (a TEXT column)? [y/N] ");
    t.answer("n");
    let (code, rest) = t.finish();
    assert_eq!(code, Some(0), "{rest}");
    assert!(!rest.contains("[y/N]"), "asked again:\n{rest}");
    // The declined one is not warned about: it was answered.
    assert!(!rest.contains("warning:"), "{rest}");

    let up = std::fs::read_to_string(out.join("up.sql")).unwrap();
    assert!(
        up.contains("ALTER TABLE \"logs\" RENAME TO \"events\";"),
        "{up}"
    );
    assert!(
        up.contains("ALTER TABLE \"users\" RENAME COLUMN \"name\" TO \"full_name\";"),
        "{up}"
    );
    assert!(
        up.contains("ALTER TABLE \"users\" DROP COLUMN \"bio\";"),
        "{up}"
    );
    assert!(
        up.contains("ALTER TABLE \"users\" ADD COLUMN \"about\" TEXT;"),
        "{up}"
    );
    let down = std::fs::read_to_string(out.join("down.sql")).unwrap();
    assert!(
        down.contains("ALTER TABLE \"users\" RENAME COLUMN \"full_name\" TO \"name\";"),
        "{down}"
    );

    // Applied to real SQLite: the confirmed renames keep their rows, the declined one does not.
    let url = seeded_sqlite(dir.path(), RENAME_V1);
    migrex::Db::connect(&url)
        .unwrap()
        .execute_script(&up)
        .unwrap();
    assert_eq!(
        rows(&url, "SELECT full_name FROM users ORDER BY id"),
        texts(&["Ada", "Linus"])
    );
    assert_eq!(
        rows(&url, "SELECT msg FROM events ORDER BY id"),
        texts(&["boot", "halt"])
    );
    assert_eq!(
        rows(&url, "SELECT about FROM users ORDER BY id"),
        vec![vec![None], vec![None]]
    );
}

#[test]
fn no_input_never_asks_even_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = write(dir.path(), "v1.sql", RENAME_V1);
    let v2 = write(dir.path(), "v2.sql", RENAME_V2);
    let t = Terminal::spawn(&["diff", &v1, &v2, "--dialect", "sqlite", "--no-input"]);
    let (code, shown) = t.finish();
    assert_eq!(code, Some(0), "{shown}");
    assert!(!shown.contains("[y/N]"), "{shown}");
    assert!(
        shown.contains("pass `--rename users.name=full_name`"),
        "{shown}"
    );
    assert!(shown.contains("DROP TABLE \"logs\""), "{shown}");
}

/// A reader that stops early (`migrex inspect big.sql | head`) ends migrex quietly: no panic on
/// the closed pipe, and a success status.
#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    // Far more output than a pipe buffers, so that writing must meet the closed end.
    let ddl: String = (0..3000)
        .map(|i| format!("CREATE TABLE t{i} (id integer PRIMARY KEY, name text NOT NULL);\n"))
        .collect();
    let file = write(dir.path(), "big.sql", &ddl);
    let mut child = Command::new(env!("CARGO_BIN_EXE_migrex"))
        .args(["inspect", &file, "--dialect", "postgres"])
        .env_remove("MIGREX_DB")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("migrex runs");
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert!(
        !stderr(&o).contains("panicked"),
        "panicked on a closed pipe:\n{}",
        stderr(&o)
    );
    assert!(o.status.success(), "status {:?}: {}", o.status, stderr(&o));
}

/// Views, column defaults and index expressions written by hand against the same read from a
/// live PostgreSQL database: the server prints the hand-written text, so what is unchanged plans
/// nothing in either direction, and what changed is still changed.
#[test]
fn live_postgres_text_written_by_hand_diffs_to_nothing() {
    let ddl = "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(100), kind text,
  ttl interval DEFAULT interval '90' minute, price money DEFAULT '1.00'::money);
CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint, is_deleted boolean, payload jsonb);
CREATE VIEW user_posts (post_id, author) AS
  select p.id, u.name from (posts as p join users as u on ((p.user_id = u.id))) where not p.is_deleted;
CREATE VIEW kinds AS
  select (case kind when 'a' then jsonb_extract_path_text('{}'::jsonb, 'x') end)::numeric(10,2) as amount,
         cast(to_timestamp(1) as date) as day
  from users;
CREATE MATERIALIZED VIEW post_counts AS
  SELECT u.id, count(*) AS n FROM (posts p JOIN users u ON ((p.user_id = u.id))) GROUP BY u.id;
CREATE UNIQUE INDEX users_lower_name ON users (lower(name));
CREATE INDEX posts_live ON posts (user_id) WHERE not is_deleted;
CREATE INDEX posts_foo ON posts (jsonb_extract_path_text(payload, 'foo', 'bar'));
";
    let Some(db) = migrex_test_support::TestDb::with_sql(migrex_model::Dialect::Postgres, ddl)
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "desired.sql", ddl);
    let url = db.url_string();
    for args in [[url.as_str(), file.as_str()], [file.as_str(), url.as_str()]] {
        let o = migrex(&["diff", args[0], args[1], "--dialect", "postgres"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            stdout(&o).trim(),
            "",
            "diff {args:?} planned:\n{}",
            stdout(&o)
        );
    }
    // The up migration from the database to `ddl` with one text replaced.
    let diff_changed = |name: &str, from: &str, to: &str| -> String {
        let changed = write(dir.path(), name, &ddl.replace(from, to));
        let o = migrex(&["diff", &url, &changed, "--dialect", "postgres"]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let out = diff_changed(
        "changed.sql",
        "where not p.is_deleted",
        "where p.is_deleted",
    );
    assert!(out.contains("CREATE VIEW \"user_posts\""), "{out}");
    assert!(
        !out.contains("kinds") && !out.contains("post_counts"),
        "{out}"
    );
    let out = diff_changed(
        "changed_default.sql",
        "interval '90' minute",
        "interval '2' hour",
    );
    assert!(
        out.contains("SET DEFAULT") && out.contains("\"ttl\""),
        "{out}"
    );
    assert!(!out.contains("\"price\""), "{out}");
    let out = diff_changed(
        "changed_index.sql",
        "WHERE not is_deleted",
        "WHERE is_deleted",
    );
    assert!(out.contains("CREATE INDEX \"posts_live\""), "{out}");
    assert!(
        !out.contains("users_lower_name") && !out.contains("posts_foo"),
        "{out}"
    );
}
