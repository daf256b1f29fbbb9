//! Corpus round trip on MariaDB: load Chinook and Sakila with the `mariadb` client (Sakila uses
//! `DELIMITER` for its triggers and routines), introspect, render the schema from empty, load that
//! script (with its `DELIMITER` lines) into a fresh database, and compare the introspections, the
//! DDL reader's schema of the file and of the server's own dump, and `mariadb-dump --no-data
//! --triggers --routines` of both databases. Nothing is skipped: Sakila's views (one
//! `SQL SECURITY INVOKER`), triggers, functions and procedures are all compared; what the dumps
//! print differently without being schema is normalized in both and listed at the comparison.
//!
//! Run with `MIGREX_TEST_MYSQL=mysql://root@127.0.0.1:3306/test cargo test -p migrex_source_live --test corpus_mysql`.

use migrex_model::{Dialect, Schema};
use migrex_test_support::{
    TestDb, assert_same_schema, one_sided, read_ddl, script_from_empty, shared_path,
};
use std::process::{Command, Stdio};

/// Connection arguments for the `mariadb` / `mariadb-dump` clients, from the test server URL.
/// The password (if any) goes through `MYSQL_PWD`, never the command line.
struct Client {
    args: Vec<String>,
    password: Option<String>,
}

impl Client {
    fn from_env() -> Option<Client> {
        let raw = std::env::var("MIGREX_TEST_MYSQL").ok()?;
        let u = url::Url::parse(&raw.replacen("mariadb://", "mysql://", 1)).ok()?;
        let mut args = vec![format!("-h{}", u.host_str().unwrap_or("127.0.0.1"))];
        if let Some(p) = u.port() {
            args.push(format!("-P{p}"));
        }
        if !u.username().is_empty() {
            args.push(format!("-u{}", u.username()));
        }
        let password = u.password().map(str::to_string);
        Some(Client { args, password })
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.args(&self.args);
        if let Some(p) = &self.password {
            c.env("MYSQL_PWD", p);
        }
        c
    }

    /// Runs `sql` (client syntax: DELIMITER allowed) in database `db`.
    fn load(&self, db: &str, sql: &str) {
        use std::io::Write;
        let mut child = self
            .command("mariadb")
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the mariadb client runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(sql.as_bytes())
            .expect("write to mariadb");
        let out = child.wait_with_output().expect("mariadb finishes");
        assert!(
            out.status.success(),
            "mariadb failed loading into {db}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `mariadb-dump --no-data --triggers --routines` of `db`, as it prints it.
    fn raw_dump(&self, db: &str) -> String {
        let out = self
            .command("mariadb-dump")
            .args(["--no-data", "--triggers", "--routines", db])
            .output()
            .expect("mariadb-dump runs");
        assert!(
            out.status.success(),
            "mariadb-dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The schema dump of `db` with its triggers and routines, without data, comments or
    /// AUTO_INCREMENT counters.
    fn dump(&self, db: &str) -> String {
        let out = self
            .command("mariadb-dump")
            .args([
                "--no-data",
                "--skip-comments",
                "--triggers",
                "--routines",
                "--skip-dump-date",
                db,
            ])
            .output()
            .expect("mariadb-dump runs");
        assert!(
            out.status.success(),
            "mariadb-dump failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(strip_auto_increment)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `) ENGINE=InnoDB AUTO_INCREMENT=17 DEFAULT ...` → without the counter.
fn strip_auto_increment(line: &str) -> String {
    match line.find(" AUTO_INCREMENT=") {
        Some(at) => {
            let rest = &line[at + " AUTO_INCREMENT=".len()..];
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            format!("{}{}", &line[..at], &rest[digits..])
        }
        None => line.to_string(),
    }
}

/// The corpus file without the statements that create, drop or switch to its own database, and
/// without qualifications by that database's name (`sakila.film` in Sakila's views), so it loads
/// into a scratch database.
fn without_database_statements(sql: &str, own_db: &str) -> String {
    let qualifier = format!("{own_db}.");
    let unqualified = sql.replace(&qualifier, "");
    if unqualified.len() != sql.len() {
        eprintln!("{own_db}: `{qualifier}` qualifications removed to load into a scratch database");
    }
    unqualified
        .lines()
        .filter(|l| {
            let u = l.trim_start().to_ascii_uppercase();
            !(u.starts_with("CREATE DATABASE")
                || u.starts_with("CREATE SCHEMA")
                || u.starts_with("DROP DATABASE")
                || u.starts_with("DROP SCHEMA")
                || u.starts_with("USE "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn db_name(db: &TestDb) -> String {
    db.url.database().expect("scratch database name")
}

/// Loads a corpus file, renders its introspected schema into a fresh database and returns both
/// dumps, with the warnings of the introspection.
fn round_trip(rel: &str, own_db: &str) -> Option<(String, String, Vec<String>, Schema)> {
    let client = Client::from_env()?;
    let path = shared_path(rel);
    let sql =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let source = TestDb::new(Dialect::Mysql)?;
    client.load(
        &db_name(&source),
        &without_database_statements(&sql, own_db),
    );
    let loaded = source.introspect();
    let script = script_from_empty(&loaded.schema);
    let target = TestDb::new(Dialect::Mysql)?;
    client.load(&db_name(&target), &script);
    let again = target.introspect();
    assert_same_schema(
        &format!(
            "{rel}: the rendered schema introspects differently; rendered and reloaded (left) vs introspected (right)"
        ),
        &again.schema,
        &loaded.schema,
    );
    // The DDL reader on the same file reads the same schema.
    let file = read_ddl(Dialect::Mysql, &sql, rel);
    assert_same_schema(
        &format!("{rel}: DDL reader (left) vs introspection (right)"),
        &file.schema,
        &loaded.schema,
    );
    // And on the server's own dump (executable comments, DEFINER clauses, `DELIMITER ;;`).
    let raw_dump = client.raw_dump(&db_name(&source));
    let dumped = read_ddl(Dialect::Mysql, &raw_dump, "mariadb-dump");
    assert!(
        dumped.warnings.is_empty(),
        "{rel}: warnings reading the dump: {:#?}",
        dumped.warnings
    );
    assert_same_schema(
        &format!("{rel}: DDL reader on mariadb-dump (left) vs introspection (right)"),
        &dumped.schema,
        &loaded.schema,
    );
    let warnings = loaded.warnings.iter().map(ToString::to_string).collect();
    // Table and view names are the scratch databases' own: make them comparable.
    let a = client
        .dump(&db_name(&source))
        .replace(&db_name(&source), "DB");
    let b = client
        .dump(&db_name(&target))
        .replace(&db_name(&target), "DB");
    Some((a, b, warnings, loaded.schema))
}

/// Sorts each run of `KEY` lines of a `CREATE TABLE` (keeping the trailing commas in place).
fn sort_key_lines(dump: &str) -> String {
    let is_key = |l: &str| {
        let t = l.trim_start();
        l.starts_with("  ")
            && ["KEY ", "UNIQUE KEY ", "FULLTEXT KEY ", "SPATIAL KEY "]
                .iter()
                .any(|k| t.starts_with(k))
    };
    let lines: Vec<&str> = dump.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !is_key(lines[i]) {
            out.push(lines[i].to_string());
            i += 1;
            continue;
        }
        let start = i;
        while i < lines.len() && is_key(lines[i]) {
            i += 1;
        }
        let last_has_comma = lines[i - 1].ends_with(',');
        let mut run: Vec<&str> = lines[start..i]
            .iter()
            .map(|l| l.trim_end_matches(','))
            .collect();
        run.sort_unstable();
        let n = run.len();
        for (j, l) in run.into_iter().enumerate() {
            let comma = j + 1 < n || last_has_comma;
            out.push(format!("{l}{}", if comma { "," } else { "" }));
        }
    }
    out.join("\n")
}

#[track_caller]
fn assert_same_dump(what: &str, a: &str, b: &str) {
    if a == b {
        return;
    }
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let (minus, plus) = one_sided(&la, &lb);
    let mut report: Vec<String> = (minus.iter().map(|l| format!("- {l}")))
        .chain(plus.iter().map(|l| format!("+ {l}")))
        .collect();
    if report.is_empty() {
        // Same lines, another order: show the first place they part.
        let at = la.iter().zip(&lb).position(|(x, y)| x != y).unwrap_or(0);
        report.push(format!(
            "same lines in another order, from line {}:",
            at + 1
        ));
        let from = at.saturating_sub(3);
        for (i, l) in la.iter().enumerate().skip(from).take(11) {
            report.push(format!("  - {l}"));
            report.push(format!("  + {}", lb.get(i).copied().unwrap_or("")));
        }
    }
    panic!(
        "{what}: dump of the original (-) and of the rendered schema (+) differ:\n{}",
        report.join("\n")
    );
}

#[test]
fn chinook_round_trips_exactly() {
    let Some((a, b, warnings, schema)) =
        round_trip("corpus/chinook/Chinook_MySql.ddl.sql", "Chinook")
    else {
        eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
        return;
    };
    assert_eq!(schema.table_count(), 11);
    assert!(warnings.is_empty(), "unexpected warnings: {warnings:#?}");
    assert_same_dump("chinook", &a, &b);
}

#[test]
fn sakila_round_trips_with_triggers_routines_and_views() {
    let Some((a, b, warnings, schema)) = round_trip(
        "corpus/sakila/mysql-sakila-db/mysql-sakila-schema.sql",
        "sakila",
    ) else {
        eprintln!("SKIP: MIGREX_TEST_MYSQL unset");
        return;
    };
    assert_eq!(schema.table_count(), 16);
    assert_eq!(schema.views().count(), 7);
    let ns = &schema.namespaces[""];
    assert_eq!(ns.triggers.len(), 3, "{:?}", ns.triggers.keys());
    assert_eq!(ns.functions.len(), 6, "{:?}", ns.functions.keys());
    assert!(warnings.is_empty(), "unexpected warnings: {warnings:#?}");
    // Normalized in both dumps (each not schema, or not comparable line by line):
    // - the sql_mode a trigger or routine was created under (the corpus file sets TRADITIONAL,
    //   the rendered script runs under the server's mode): a session setting, not modeled;
    // - charset introducers (`_utf8mb3' '`): information_schema.VIEWS, which introspection reads
    //   in one query for all views, prints view queries without them.
    // - the order of the KEY lines of a table: the model keeps indexes in name order (the
    //   catalog has no declaration order to compare), so the rendering declares them so.
    // - the layout of trigger and routine definitions: the server prints the statement as it
    //   was written (`p_id INT` in the corpus, `` `p_id` int `` rendered), so each definition is
    //   compared with whitespace, letter case and identifier quotes normalized.
    let normalize = |d: &str| {
        let kept: String = d
            .lines()
            .filter(|l| !l.contains("SET sql_mode") && !l.contains("SET @saved_sql_mode"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut out = normalize_definitions(&kept);
        for cs in ["_utf8mb3'", "_utf8mb4'", "_utf8'", "_latin1'", "_binary'"] {
            out = out.replace(cs, "'");
        }
        sort_key_lines(&out)
    };
    assert_same_dump("sakila", &normalize(&a), &normalize(&b));
}

/// Each `DELIMITER ;;` block of a dump (a trigger or routine definition) on one line, with
/// whitespace collapsed (none inside parentheses or before commas), identifier quotes removed
/// and letters lowercased.
fn normalize_definitions(dump: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in dump.lines() {
        match &mut block {
            None if line.trim() == "DELIMITER ;;" => block = Some(Vec::new()),
            None => out.push(line.to_string()),
            Some(_) if line.trim() == "DELIMITER ;" => {
                let text = block.take().unwrap_or_default().join(" ");
                let words: Vec<String> = text
                    .replace('`', "")
                    .to_lowercase()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                let joined = words
                    .join(" ")
                    .replace("( ", "(")
                    .replace(" )", ")")
                    .replace(" ,", ",");
                out.push(format!("DELIMITER ;; {joined} DELIMITER ;"));
            }
            Some(b) => b.push(line),
        }
    }
    out.join("\n")
}
