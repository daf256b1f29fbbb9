//! Lints hand-written migration files.
//!
//! A file is split into statements (the DDL reader's splitter, positions kept), each statement
//! is parsed with sqlparser and lowered to `migrex_safety::Action`s, and the file is walked as a
//! sequence: transaction state (BEGIN/COMMIT, or `assume_transaction` for frameworks that wrap
//! every file), tables created earlier in the file (no hazard on a table nobody uses yet),
//! `lock_timeout`/`lock_wait_timeout` set before a lock-taking statement, NOT VALID constraints
//! validated in the same transaction, CHECK (col IS NOT NULL) proofs before SET NOT NULL. Lock,
//! rewrite and scan facts come from `migrex_safety::effect` for the target server; the rules
//! (`rules::RULES`) add what only the statement sequence shows.

pub mod lower;
pub mod output;
pub mod rules;

use lower::{Lowered, Statement2};
use migrex_model::{ColumnType, Dialect, QualifiedName};
use migrex_safety::{Action, Effect, LockSpan, Severity, Target, effect_with_clauses};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

pub use rules::{RULES, Rule};

/// How a file is judged.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub target: Target,
    /// The file runs inside one transaction its framework opens (PostgreSQL: Rails, Django,
    /// Flyway, Alembic and most runners do).
    pub assume_transaction: bool,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The safe alternative, one line.
    pub help: Option<String>,
    /// 1-based line and column (characters) the finding points at.
    pub line: u64,
    pub column: u64,
    /// The clause inside its statement the finding is about (1-based line and column of the
    /// statement text), when it is not the statement's start.
    #[serde(skip)]
    clause: Option<(u64, u64)>,
}

/// The findings of one file, in file order.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub dialect: Dialect,
    pub statements: usize,
    pub findings: Vec<Finding>,
}

impl FileReport {
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

fn key(t: &QualifiedName) -> String {
    t.name.to_ascii_lowercase()
}

/// A suppression comment and whether it matched.
struct Suppression {
    rules: Vec<String>,
    line: u64,
    column: u64,
    used: bool,
    file_wide: bool,
}

fn parse_suppressions(comments: &[(u64, String)], out: &mut Vec<Suppression>, stmt_range: bool) {
    for (line, text) in comments {
        let t = text.trim();
        let (file_wide, rest) = if let Some(r) = t.strip_prefix("migrex:ignore-file") {
            (true, r)
        } else if let Some(r) = t.strip_prefix("migrex:ignore") {
            (false, r)
        } else {
            continue;
        };
        if !file_wide && !stmt_range {
            continue;
        }
        let rules: Vec<String> = rest
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        out.push(Suppression {
            rules,
            line: *line,
            column: 1,
            used: false,
            file_wide,
        });
    }
}

/// The state of the file so far.
#[derive(Default)]
struct State {
    explicit_tx: bool,
    /// Incremented at every transaction start, so facts can be tied to one transaction.
    tx_id: u32,
    created: HashSet<String>,
    created_indexes: HashSet<String>,
    lock_timeout: bool,
    reported_timeout: bool,
    /// Constraints added NOT VALID: name → (transaction id, severity of validating under the
    /// ADD's lock).
    not_valid: HashMap<String, (u32, Severity)>,
    /// CHECK (col IS NOT NULL) constraints by name → (table, column).
    nn_checks: HashMap<String, (String, String)>,
    /// (table, column) proven NOT NULL by a validated check.
    proven: HashSet<(String, String)>,
    /// Tables replaced by a rebuilt copy later in the file.
    rebuilt: HashSet<String>,
}

/// Lints one file's text.
pub fn lint(source: &str, file: &str, dialect: Dialect, opts: &Options) -> FileReport {
    let mut findings = Vec::new();
    let statements = match migrex_source_sql::split_statements(source, dialect) {
        Ok(s) => s,
        Err(e) => {
            let r = rules::by_code("MX901");
            findings.push(Finding {
                code: r.code,
                name: r.name,
                severity: r.severity,
                message: format!("the file could not be split into statements: {}", e.message),
                help: None,
                line: e.line,
                column: e.column,
                clause: None,
            });
            return FileReport {
                file: file.to_string(),
                dialect,
                statements: 0,
                findings,
            };
        }
    };
    let mut file_sups = Vec::new();
    for s in &statements {
        parse_suppressions(&s.comments, &mut file_sups, false);
    }
    let mut st = State::default();
    // A table dropped and then replaced by a table the file created and renamed to its name is
    // SQLite's (or any hand-made) table rebuild: the rows were copied, nothing is lost.
    {
        let mut created = HashSet::new();
        for s in &statements {
            for l in lower::lower(&s.text, dialect) {
                if let Lowered::Actions(a) = l {
                    for a in &a.actions {
                        match a {
                            Action::CreateTable { table } => {
                                created.insert(key(table));
                            }
                            Action::RenameTable { from, to } if created.contains(&key(from)) => {
                                st.rebuilt.insert(key(to));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    let mut unused: Vec<Suppression> = Vec::new();
    for s in &statements {
        let mut local = Vec::new();
        parse_suppressions(&s.comments, &mut local, true);
        local.retain(|x| !x.file_wide);
        let mut found = Vec::new();
        for l in lower::lower(&s.text, dialect) {
            judge(&l, dialect, opts, &mut st, &mut found);
        }
        for mut f in found {
            // Findings point into the statement: the first line of it unless a rule knows better.
            let (line, column) = locate(s.line, s.column, &f);
            f.line = line;
            f.column = column;
            let hit = |sup: &mut Suppression| {
                let m = sup
                    .rules
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(f.code) || r.eq_ignore_ascii_case(f.name));
                if m {
                    sup.used = true;
                }
                m
            };
            let mut suppressed = false;
            for sup in local.iter_mut().chain(file_sups.iter_mut()) {
                if hit(sup) {
                    suppressed = true;
                }
            }
            if !suppressed {
                findings.push(f);
            }
        }
        unused.extend(local.into_iter().filter(|x| !x.used));
    }
    unused.extend(file_sups.into_iter().filter(|x| !x.used));
    let r = rules::by_code("MX902");
    for u in unused {
        findings.push(Finding {
            code: r.code,
            name: r.name,
            severity: r.severity,
            message: format!(
                "`migrex:{} {}` suppresses nothing here",
                if u.file_wide { "ignore-file" } else { "ignore" },
                u.rules.join(", ")
            ),
            help: Some("remove the comment, or fix the code or name it lists".into()),
            line: u.line,
            column: u.column,
            clause: None,
        });
    }
    findings.sort_by_key(|f| (f.line, f.column));
    FileReport {
        file: file.to_string(),
        dialect,
        statements: statements.len(),
        findings,
    }
}

/// Where a finding points: its clause when known, else the statement start (line, column).
fn locate(line: u64, column: u64, f: &Finding) -> (u64, u64) {
    match f.clause {
        Some((1, c)) => (line, column + c - 1),
        Some((l, c)) => (line + l - 1, c),
        None => (line, column),
    }
}

fn finding(code: &str, severity: Severity, message: String, help: Option<&str>) -> Finding {
    let r = rules::by_code(code);
    Finding {
        code: r.code,
        name: r.name,
        severity,
        message,
        help: help.map(str::to_string),
        line: 0,
        column: 0,
        clause: None,
    }
}

/// Severity of holding a lock for a statement: blocks reads → error, writes → warning.
fn lock_severity(e: &Effect) -> Option<Severity> {
    let held: Vec<_> = e
        .locks
        .iter()
        .filter(|l| l.span == LockSpan::Statement)
        .collect();
    if held.iter().any(|l| l.blocks.reads) {
        Some(Severity::Error)
    } else if held.iter().any(|l| l.blocks.writes) {
        Some(Severity::Warning)
    } else {
        None
    }
}

fn lock_text(e: &Effect) -> String {
    let l = e
        .locks
        .iter()
        .find(|l| l.span == LockSpan::Statement)
        .or(e.locks.first());
    match l {
        Some(l) => {
            let what = match (l.blocks.reads, l.blocks.writes) {
                (true, _) => "reads and writes wait",
                (false, true) => "writes wait",
                _ => "reads and writes continue",
            };
            format!("{} on {} ({what})", l.level.name(), l.table)
        }
        None => "no table lock".into(),
    }
}

fn judge(l: &Lowered, dialect: Dialect, opts: &Options, st: &mut State, out: &mut Vec<Finding>) {
    let pg = dialect == Dialect::Postgres;
    let in_tx = st.explicit_tx || (opts.assume_transaction && pg);
    match l {
        Lowered::Begin => {
            if pg && in_tx {
                out.push(finding(
                    "MX124",
                    Severity::Warning,
                    if st.explicit_tx {
                        "BEGIN inside a transaction that is already open".into()
                    } else {
                        "BEGIN in a file its framework already runs in a transaction (--assume-transaction): the COMMIT ends the framework's transaction".into()
                    },
                    Some("remove BEGIN/COMMIT and let the framework manage the transaction"),
                ));
            }
            st.explicit_tx = true;
            st.tx_id += 1;
        }
        Lowered::Commit => {
            st.explicit_tx = false;
            st.tx_id += 1;
        }
        Lowered::Timeout { lock, enabled } => {
            if *lock {
                st.lock_timeout = *enabled;
            }
        }
        Lowered::Harmless => {}
        Lowered::DropDatabase => out.push(finding(
            "MX117",
            Severity::Error,
            "DROP DATABASE destroys everything in it".into(),
            Some("drop databases by hand, never in a migration"),
        )),
        Lowered::NotAnalysed { reason } => out.push(finding(
            "MX901",
            Severity::Info,
            format!("statement not analysed (sqlparser: {reason}); its locks are not known"),
            None,
        )),
        Lowered::Actions(s) => statement(s, dialect, opts, in_tx, st, out),
    }
}

fn is_existing(st: &State, t: &QualifiedName) -> bool {
    // Temporary tables are the session's own.
    let temp = matches!(
        t.namespace.to_ascii_lowercase().as_str(),
        "temp" | "pg_temp"
    );
    !temp && !st.created.contains(&key(t))
}

fn statement(
    s: &Statement2,
    dialect: Dialect,
    opts: &Options,
    in_tx: bool,
    st: &mut State,
    out: &mut Vec<Finding>,
) {
    note_checks(s, st);
    let pg = dialect == Dialect::Postgres;
    let target = &opts.target;
    let algorithm = s
        .algorithm
        .unwrap_or(migrex_safety::MysqlAlgorithm::Default);
    let lock = s.lock.unwrap_or(migrex_safety::MysqlLockClause::Default);
    // Hygiene of declared columns (new tables and new columns alike).
    for d in &s.declared {
        hygiene(d, dialect, out);
    }
    if dialect == Dialect::Mysql && st.explicit_tx && !s.actions.iter().all(is_dml) {
        out.push(finding(
            "MX207",
            Severity::Info,
            "DDL inside BEGIN: MySQL/MariaDB commit the transaction before and after it".into(),
            Some("make each step idempotent instead of relying on a transaction"),
        ));
    }
    if s.truncating_using && pg {
        out.push(finding(
            "MX126",
            Severity::Warning,
            "USING casts to a bounded character type: longer values are cut without an error"
                .into(),
            Some("check SELECT count(*) ... WHERE char_length(col) > n first, and let the assignment cast fail instead"),
        ));
    }
    let mut timeout_needed: Option<String> = None;
    // The first finding of each action, to point them at its clause afterwards.
    let mut starts = Vec::with_capacity(s.actions.len());
    for a in &s.actions {
        starts.push(out.len());
        // A validated CHECK (col IS NOT NULL) earlier in the file proves SET NOT NULL (PG 12+).
        let proven;
        let a = match a {
            Action::SetNotNull { table, column, .. }
                if st.proven.contains(&(key(table), column.clone())) =>
            {
                proven = Action::SetNotNull {
                    table: table.clone(),
                    column: column.clone(),
                    proven_by_check: true,
                };
                &proven
            }
            other => other,
        };
        let e = effect_with_clauses(target, a, algorithm, lock);
        let existing = match a {
            // The index's table is not written in DROP INDEX / REINDEX INDEX: existing unless
            // the file created the index.
            Action::DropIndex {
                name, table: None, ..
            } => !st.created_indexes.contains(&name.name.to_ascii_lowercase()),
            Action::Reindex { table: None, .. } => true,
            _ => a.table().is_some_and(|t| is_existing(st, t)),
        };
        // Facts the sequence needs, recorded before judging.
        match a {
            Action::CreateTable { table } => {
                st.created.insert(key(table));
                continue;
            }
            Action::RenameTable { from, to } if !is_existing(st, from) => {
                st.created.insert(key(to));
            }
            Action::CreatePartition { partition, .. } => {
                st.created.insert(key(partition));
            }
            Action::CreateView {
                name,
                materialized: true,
            } => {
                st.created.insert(key(name));
            }
            Action::CreateIndex {
                name: Some(n),
                table,
                concurrently,
                ..
            } if !existing || *concurrently => {
                let _ = table;
                st.created_indexes.insert(n.to_ascii_lowercase());
            }
            _ => {}
        }
        if pg && in_tx && !e.transactional {
            out.push(finding(
                "MX103",
                Severity::Error,
                format!(
                    "{} cannot run inside a transaction block{}",
                    action_words(a),
                    if st.explicit_tx {
                        " (a BEGIN earlier in the file opened one)"
                    } else {
                        " (--assume-transaction: the framework runs the file in one)"
                    }
                ),
                Some("run it in a migration without a transaction, or after COMMIT"),
            ));
        }
        if let Some(why) = &e.refused {
            out.push(finding(
                "MX123",
                Severity::Error,
                format!("{why} (target {})", target_text(target)),
                None,
            ));
        }
        let before = out.len();
        if existing {
            specific(a, &e, dialect, in_tx, st, out);
        } else {
            record(a, st, in_tx);
        }
        let claimed = out.len() > before;
        if existing
            && !claimed
            && !matches!(a, Action::Other { .. })
            && let Some(sev) = lock_severity(&e)
        {
            {
                out.push(finding(
                    "MX125",
                    sev,
                    format!(
                        "{}: {} for the whole statement{}",
                        action_words(a),
                        lock_text(&e),
                        if e.rewrites {
                            ", rewriting the table"
                        } else if e.scans {
                            ", scanning the table"
                        } else {
                            ""
                        }
                    ),
                    e.notes.last().map(String::as_str),
                ));
            }
        }
        if let Action::Other { what } = a {
            out.push(finding(
                "MX901",
                Severity::Info,
                format!("{what}: not analysed, its locks are not known"),
                None,
            ));
        }
        // Lock-queue hazard: a lock that blocks reads or writes on a table that existed.
        let unknown_table_lock = existing
            && matches!(
                a,
                Action::DropIndex {
                    table: None,
                    concurrently: false,
                    ..
                } | Action::Reindex {
                    table: None,
                    concurrently: false
                }
            );
        if dialect != Dialect::Sqlite
            && !st.lock_timeout
            && timeout_needed.is_none()
            && unknown_table_lock
        {
            timeout_needed = Some(format!("a lock on the table of {}", action_words(a)));
        }
        if dialect != Dialect::Sqlite
            && !st.lock_timeout
            && timeout_needed.is_none()
            && e.locks.iter().any(|l| {
                (l.blocks.reads || l.blocks.writes || dialect == Dialect::Mysql)
                    && is_existing(st, &l.table)
                    && !l.table.name.starts_with('(')
            })
        {
            let l = e
                .locks
                .iter()
                .find(|l| is_existing(st, &l.table))
                .map(|l| format!("{} on {}", l.level.name(), l.table))
                .unwrap_or_default();
            timeout_needed = Some(l);
        }
    }
    let end = out.len();
    for (i, &first) in starts.iter().enumerate() {
        let last = starts.get(i + 1).copied().unwrap_or(end);
        if let Some(Some(at)) = s.positions.get(i) {
            for f in &mut out[first..last] {
                f.clause = Some(*at);
            }
        }
    }
    if let Some(l) = timeout_needed
        && !st.reported_timeout
    {
        st.reported_timeout = true;
        let (set, var) = if dialect == Dialect::Postgres {
            ("SET lock_timeout = '2s';", "lock_timeout")
        } else {
            ("SET SESSION lock_wait_timeout = 5;", "lock_wait_timeout")
        };
        out.push(finding(
            "MX118",
            Severity::Warning,
            format!(
                "needs {l} with no {var} set: while it waits for running transactions, every later query on the table queues behind it"
            ),
            Some(&format!(
                "{set} before the first lock-taking statement, and retry the migration on timeout"
            )),
        ));
    }
}

fn is_dml(a: &Action) -> bool {
    matches!(
        a,
        Action::UpdateRows { .. } | Action::DeleteRows { .. } | Action::InsertRows { .. }
    )
}

fn target_text(t: &Target) -> String {
    format!("{:?} {}", t.flavor, t.effective_version()).to_ascii_lowercase()
}

/// Facts of a statement on a table created in this file (no hazard, but the sequence needs them).
fn record(a: &Action, st: &mut State, in_tx: bool) {
    let _ = in_tx;
    if let Action::AddCheck {
        name: Some(n),
        not_valid: false,
        table,
    } = a
        && let Some((_, col)) = st.nn_checks.get(n)
    {
        st.proven.insert((key(table), col.clone()));
    }
}

fn action_words(a: &Action) -> String {
    use Action::*;
    match a {
        CreateIndex {
            concurrently: true, ..
        } => "CREATE INDEX CONCURRENTLY".into(),
        CreateIndex { .. } => "CREATE INDEX".into(),
        DropIndex {
            concurrently: true, ..
        } => "DROP INDEX CONCURRENTLY".into(),
        DropIndex { .. } => "DROP INDEX".into(),
        Reindex {
            concurrently: true, ..
        } => "REINDEX CONCURRENTLY".into(),
        Reindex { .. } => "REINDEX".into(),
        DetachPartition {
            concurrently: true, ..
        } => "DETACH PARTITION CONCURRENTLY".into(),
        Maintenance { what, .. } => what.clone(),
        AddEnumValue { .. } => "ALTER TYPE ... ADD VALUE".into(),
        RebuildTable { .. } => "VACUUM FULL / CLUSTER".into(),
        other => {
            let v = serde_json::to_value(other).ok();
            let tag = v
                .as_ref()
                .and_then(|v| v.get("action"))
                .and_then(|t| t.as_str())
                .unwrap_or("statement")
                .replace('_', " ");
            match other.table() {
                Some(t) => format!("{tag} on {t}"),
                None => tag,
            }
        }
    }
}

/// The rules for one action on a table that existed before the file.
fn specific(
    a: &Action,
    e: &Effect,
    dialect: Dialect,
    in_tx: bool,
    st: &mut State,
    out: &mut Vec<Finding>,
) {
    use Action::*;
    let pg = dialect == Dialect::Postgres;
    match a {
        CreateIndex {
            table,
            concurrently: false,
            ..
        } if pg => out.push(finding(
            "MX101",
            Severity::Warning,
            format!("CREATE INDEX on existing table {table} takes SHARE: writes wait for the whole build"),
            Some("CREATE INDEX CONCURRENTLY ... (outside a transaction block)"),
        )),
        DropIndex {
            name,
            concurrently: false,
            ..
        } if pg && !st.created_indexes.contains(&name.name.to_ascii_lowercase()) => {
            out.push(finding(
                "MX208",
                Severity::Info,
                format!("DROP INDEX {name} takes ACCESS EXCLUSIVE on its table (briefly)"),
                Some("DROP INDEX CONCURRENTLY ... (outside a transaction block)"),
            ))
        }
        Reindex {
            concurrently: false,
            ..
        } if pg => out.push(finding(
            "MX121",
            Severity::Warning,
            "REINDEX without CONCURRENTLY: writes wait, and reads using the index".into(),
            Some("REINDEX ... CONCURRENTLY (PostgreSQL 12+, outside a transaction block)"),
        )),
        DetachPartition {
            parent,
            concurrently: false,
            ..
        } if pg => out.push(finding(
            "MX206",
            Severity::Info,
            format!("DETACH PARTITION takes ACCESS EXCLUSIVE on {parent} (briefly)"),
            Some("ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+)"),
        )),
        AddColumn {
            table,
            column,
            not_null,
            default,
            identity,
            stored_generated,
            ..
        } => {
            let per_row = *identity
                || *stored_generated
                || matches!(
                    default,
                    migrex_safety::DefaultKind::Volatile | migrex_safety::DefaultKind::Unknown
                );
            if per_row && (e.rewrites || lock_severity(e).is_some()) {
                let why = if *identity {
                    "an identity/serial/auto-increment column gets a value per row"
                } else if *stored_generated {
                    "a stored generated column is computed into every row"
                } else if *default == migrex_safety::DefaultKind::Unknown {
                    "its default's volatility is not known (a function call); a per-row default rewrites"
                } else {
                    "its volatile default is evaluated for every row"
                };
                let sev = if e.assumed && *default == migrex_safety::DefaultKind::Unknown {
                    Severity::Warning
                } else {
                    lock_severity(e).unwrap_or(Severity::Error)
                };
                out.push(finding(
                    "MX104",
                    sev,
                    format!("adding {table}.{column}: {why}, so the table is rewritten ({})", lock_text(e)),
                    Some("add the column without the default, SET DEFAULT for new rows, backfill in batches"),
                ));
            } else if pg && *not_null && *default == migrex_safety::DefaultKind::None {
                out.push(finding(
                    "MX105",
                    Severity::Error,
                    format!("adding {table}.{column} NOT NULL without a default fails if the table has any row"),
                    Some("give it a constant DEFAULT, or add it nullable, backfill, then NOT NULL via a validated CHECK"),
                ));
            }
        }
        AlterColumnType { table, column, .. } => {
            if let Some(sev) = lock_severity(e).or(e.rewrites.then_some(Severity::Error)) {
                out.push(finding(
                    "MX106",
                    sev,
                    format!(
                        "changing the type of {table}.{column}: {}{}",
                        lock_text(e),
                        if e.rewrites { ", the table is rewritten" } else { "" }
                    ),
                    Some("expand/contract: a new column, a sync trigger, a batched backfill, then switch"),
                ));
            }
        }
        RenameColumn { table, from, to } => out.push(finding(
            "MX107",
            Severity::Warning,
            format!("renaming {table}.{from} to {to} breaks deployed code that uses {from}"),
            Some("add the new column, write both, backfill, switch reads, drop the old one later"),
        )),
        RenameTable { from, to } => out.push(finding(
            "MX108",
            Severity::Warning,
            format!("renaming {from} to {to} breaks deployed code that uses {from}"),
            Some("rename and CREATE VIEW old_name AS SELECT * FROM new_name in one transaction"),
        )),
        AddForeignKey {
            table,
            references,
            not_valid,
        } => {
            if let Some(sev) = lock_severity(e) {
                out.push(finding(
                    "MX109",
                    sev,
                    format!("foreign key {table} → {references} is checked against every row: {}", lock_text(e)),
                    Some(if pg {
                        "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a separate transaction"
                    } else {
                        "an online schema change tool, or add it while the table is small"
                    }),
                ));
            } else if *not_valid {
                remember_not_valid(a, e, st, in_tx);
            }
        }
        AddCheck {
            table,
            name,
            not_valid,
        } => {
            if let Some(sev) = lock_severity(e) {
                out.push(finding(
                    "MX110",
                    sev,
                    format!("CHECK on {table} is checked against every row: {}", lock_text(e)),
                    Some("ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a separate transaction"),
                ));
                record(a, st, in_tx);
            } else if *not_valid {
                let _ = name;
                remember_not_valid(a, e, st, in_tx);
            }
        }
        ValidateConstraint { table, name, .. } => {
            let tx = st.tx_id;
            if let Some((added_tx, sev)) = st.not_valid.get(name).copied()
                && added_tx == tx
                && in_tx
                && pg
            {
                out.push(finding(
                    "MX119",
                    sev,
                    format!("VALIDATE CONSTRAINT {name} runs in the transaction that added it NOT VALID: the ADD's lock on {table} is held during the scan"),
                    Some("COMMIT between the ADD ... NOT VALID and the VALIDATE"),
                ));
            }
            if let Some((t, c)) = st.nn_checks.get(name).cloned() {
                st.proven.insert((t, c));
            }
        }
        SetNotNull { table, column, .. }
            if pg && !st.proven.contains(&(key(table), column.clone())) =>
        {
            {
                out.push(finding(
                    "MX111",
                    Severity::Error,
                    format!("SET NOT NULL on {table}.{column} scans the table under ACCESS EXCLUSIVE (no validated CHECK ({column} IS NOT NULL) before it)"),
                    Some("ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID; VALIDATE it (separate transaction); then SET NOT NULL"),
                ));
            }
        }
        AddUnique {
            table,
            using_index: false,
            ..
        } if pg => out.push(finding(
            "MX112",
            Severity::Error,
            format!("ADD UNIQUE on {table} builds its index under ACCESS EXCLUSIVE"),
            Some("CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX"),
        )),
        AddPrimaryKey {
            table,
            using_index: false,
        } if pg => out.push(finding(
            "MX113",
            Severity::Error,
            format!("ADD PRIMARY KEY on {table} builds its index under ACCESS EXCLUSIVE"),
            Some("CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX"),
        )),
        DropColumn { table, column } => out.push(finding(
            "MX114",
            Severity::Warning,
            format!("dropping {table}.{column} loses its data and breaks deployed code that uses it"),
            Some("stop using the column in a deploy first, then drop it in a later migration"),
        )),
        DropTable { table } if !st.rebuilt.contains(&key(table)) => out.push(finding(
            "MX115",
            Severity::Warning,
            format!("dropping table {table} loses its rows and breaks deployed code that uses it"),
            Some("remove every use and deploy first; rename it aside or archive it before dropping"),
        )),
        TruncateTable { table } => out.push(finding(
            "MX116",
            Severity::Warning,
            format!("TRUNCATE {table} deletes every row"),
            Some("delete the intended rows in batches; never TRUNCATE ... CASCADE in a migration"),
        )),
        RebuildTable { table } if pg => out.push(finding(
            "MX120",
            Severity::Error,
            format!("{table} is rewritten under ACCESS EXCLUSIVE: reads and writes wait"),
            Some("plain VACUUM (ANALYZE), or pg_repack / pg_squeeze online"),
        )),
        UpdateRows {
            table,
            bounded: false,
        }
        | DeleteRows {
            table,
            bounded: false,
        } => out.push(finding(
            "MX122",
            Severity::Warning,
            format!("{} of every row of {table} in one statement: row locks on the whole table until commit", if matches!(a, UpdateRows { .. }) { "UPDATE" } else { "DELETE" }),
            Some("backfill in batches by primary-key range outside the migration transaction"),
        )),
        _ => {}
    }
}

/// A NOT VALID constraint: validating it in the same transaction would run the scan under the
/// ADD's lock.
fn remember_not_valid(a: &Action, e: &Effect, st: &mut State, in_tx: bool) {
    let name = match a {
        Action::AddCheck { name: Some(n), .. } => n.clone(),
        Action::AddForeignKey { .. } => String::new(),
        _ => return,
    };
    let sev = if e.locks.iter().any(|l| l.blocks.reads) {
        Severity::Error
    } else {
        Severity::Warning
    };
    if in_tx && !name.is_empty() {
        st.not_valid.insert(name, (st.tx_id, sev));
    }
}

fn hygiene(d: &lower::Declared, dialect: Dialect, out: &mut Vec<Finding>) {
    let pg = dialect == Dialect::Postgres;
    let spelled = d.spelled.to_ascii_lowercase();
    let col = format!("{}.{}", d.table, d.column);
    if d.key
        && (matches!(d.ty, ColumnType::Integer { bytes, .. } if bytes < 8)
            || spelled == "serial"
            || spelled == "smallserial")
    {
        out.push(finding(
            "MX201",
            Severity::Info,
            format!(
                "key column {col} is {}: it can run out of values",
                d.spelled
            ),
            Some("bigint (bigint GENERATED ALWAYS AS IDENTITY)"),
        ));
    }
    if !pg {
        return;
    }
    if spelled.contains("serial") {
        out.push(finding(
            "MX205",
            Severity::Info,
            format!("{col} is {}: prefer an identity column", d.spelled),
            Some("bigint GENERATED ALWAYS AS IDENTITY"),
        ));
    }
    match &d.ty {
        ColumnType::Text {
            kind: migrex_model::TextKind::Varchar,
            max_len: Some(_),
        } => out.push(finding(
            "MX202",
            Severity::Info,
            format!(
                "{col} is {}: prefer text with a CHECK on its length",
                d.spelled
            ),
            Some("text CHECK (char_length(col) <= n)"),
        )),
        ColumnType::Text {
            kind: migrex_model::TextKind::Char,
            ..
        } => out.push(finding(
            "MX204",
            Severity::Info,
            format!("{col} is {}: char pads with spaces", d.spelled),
            Some("text"),
        )),
        ColumnType::Timestamp { tz: false, .. } => out.push(finding(
            "MX203",
            Severity::Info,
            format!("{col} is timestamp without time zone"),
            Some("timestamptz"),
        )),
        _ => {}
    }
}

/// The dialect a migration file's text makes unambiguous (migration keywords first).
pub fn infer_dialect(sql: &str) -> Option<Dialect> {
    let lower = sql.to_ascii_lowercase();
    let score = |needles: &[&str]| needles.iter().filter(|n| lower.contains(*n)).count();
    let pg = score(&[
        "concurrently",
        "not valid",
        "lock_timeout",
        "statement_timeout",
        "::",
        "$$",
        "jsonb",
        "timestamptz",
        "serial",
        "set not null",
        "using index",
    ]);
    let my = score(&[
        "`",
        "algorithm=",
        "algorithm =",
        "lock_wait_timeout",
        "auto_increment",
        "engine=",
        "modify column",
        "change column",
        "unsigned",
    ]);
    let lite = score(&["pragma ", "autoincrement", "without rowid", ") strict"]);
    let best = [
        (Dialect::Postgres, pg),
        (Dialect::Mysql, my),
        (Dialect::Sqlite, lite),
    ];
    let max = best.iter().map(|b| b.1).max().unwrap_or(0);
    let winners: Vec<_> = best.iter().filter(|b| b.1 == max).collect();
    (max > 0 && winners.len() == 1).then(|| winners[0].0)
}

/// Records CHECK (col IS NOT NULL) constraints of a statement.
fn note_checks(s: &Statement2, st: &mut State) {
    for (name, col) in &s.not_null_checks {
        if let (Some(n), Some(t)) = (name, s.actions.iter().find_map(Action::table)) {
            st.nn_checks.insert(n.clone(), (key(t), col.clone()));
        }
    }
}
