//! A runner for the sqldef diff suite (YAML cases of `current`/`desired` DDL), judged on the real
//! database, not by comparing text with sqldef's own output:
//! 1. load `current` into a fresh database, introspect it (FROM), read `desired` as a file (TO),
//!    plan and apply migrex's up migration, introspect: it must match `desired` loaded into another
//!    fresh database;
//! 2. re-diff the migrated database against TO: it must be empty (idempotency);
//! 3. apply migrex's down migration: the database must match FROM again.
//!
//! Input: the suite folder (never copied into the project) and server URLs. Output: per-case
//! outcomes; a failure carries its category (see `summary`), a skip its reason, and a file that
//! cannot be run at all says why. `Summary` totals a dialect over its files and groups failures
//! by category and skips by reason.

mod summary;

pub use summary::{Group, Summary, change_kind, changes_kind, parse_error_shape, shape};

use indexmap::IndexMap;
use migrex_model::{Change, Dialect, Renames, Schema};
use migrex_source_live::{Db, DbUrl};
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One case as the suite writes it.
#[derive(Debug, Deserialize, Default)]
pub struct Case {
    #[serde(default)]
    pub current: Option<String>,
    #[serde(default)]
    pub desired: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub min_version: Option<String>,
    #[serde(default)]
    pub max_version: Option<String>,
    #[serde(default)]
    pub flavor: Option<String>,
    #[serde(default)]
    pub enable_drop: Option<bool>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub managed_roles: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub manage: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub config: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub offline: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(Finding),
    Skipped(Finding),
}

/// Why a case failed or was skipped: a category shared by cases with the same cause (no names),
/// and the full message (with names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub category: String,
    pub message: String,
}

impl Finding {
    pub fn new(category: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            category: category.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

fn failed(category: impl Into<String>, message: impl Into<String>) -> Outcome {
    Outcome::Failed(Finding::new(category, message))
}

fn skipped(category: impl Into<String>, message: impl Into<String>) -> Outcome {
    Outcome::Skipped(Finding::new(category, message))
}

/// A database error as a failure of `stage`: categorized by the error's shape.
fn db_failure(stage: &str, message: &str) -> Outcome {
    failed(
        format!("{stage}: {}", shape(message)),
        format!("{stage}: {}", first_line(message)),
    )
}

/// Remaining differences as a failure of `stage`: categorized by the kinds of change.
fn diff_failure(stage: &str, changes: &[Change]) -> Outcome {
    let described: Vec<String> = changes.iter().map(Change::describe).collect();
    failed(
        format!("{stage}: {}", changes_kind(changes)),
        format!("{stage}: {}", described.join("; ")),
    )
}

/// Where cases run.
pub struct Servers {
    pub postgres: Option<String>,
    pub mysql: Option<String>,
}

/// The folder and dialect of each suite part.
pub fn suite_files(root: &Path, dialect: Dialect) -> Vec<PathBuf> {
    let dir = root.join("cmd").join(match dialect {
        Dialect::Postgres => "psqldef",
        Dialect::Mysql => "mysqldef",
        Dialect::Sqlite => "sqlite3def",
    });
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

const NOT_A_CASE: &str = "not a test case";

/// The entries of a suite file: each a case, or the reason it is not one (a top-level value
/// that is not a mapping is sqldef configuration, e.g. `skip_tables: comments`; a mapping that
/// does not read as a case says why). Err: the file cannot be read at all.
pub fn read_cases(path: &Path) -> Result<IndexMap<String, Result<Case, String>>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let raw: IndexMap<String, serde_yaml_ng::Value> =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("not a YAML mapping of cases: {e}"))?;
    Ok(raw
        .into_iter()
        .map(|(k, v)| {
            let entry = if v.is_mapping() {
                serde_yaml_ng::from_value::<Case>(v).map_err(|e| format!("unreadable case: {e}"))
            } else {
                let value = serde_yaml_ng::to_string(&v).unwrap_or_default();
                Err(format!(
                    "{NOT_A_CASE}: top-level `{k}: {}` is sqldef configuration",
                    value.trim()
                ))
            };
            (k, entry)
        })
        .collect())
}

/// A scratch database on a server, dropped afterwards.
struct Scratch {
    admin: Option<Db>,
    name: String,
    url: DbUrl,
    _dir: Option<tempfile::TempDir>,
}

impl Scratch {
    fn new(dialect: Dialect, servers: &Servers, tag: &str) -> Result<Scratch, String> {
        let name = format!("migrex_conf_{}_{tag}", std::process::id());
        match dialect {
            Dialect::Sqlite => {
                let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
                let url = DbUrl::parse(&format!("sqlite://{}", dir.path().join("c.db").display()))
                    .map_err(|e| e.to_string())?;
                Ok(Scratch {
                    admin: None,
                    name,
                    url,
                    _dir: Some(dir),
                })
            }
            _ => {
                let base = match dialect {
                    Dialect::Postgres => servers.postgres.as_deref(),
                    _ => servers.mysql.as_deref(),
                }
                .ok_or("no server")?;
                let mut admin = Db::connect(base).map_err(|e| e.to_string())?;
                let _ = admin.drop_database(&name);
                let url = admin.create_database(&name).map_err(|e| e.to_string())?;
                Ok(Scratch {
                    admin: Some(admin),
                    name,
                    url,
                    _dir: None,
                })
            }
        }
    }

    fn connect(&self) -> Result<Db, String> {
        Db::connect_url(self.url.clone()).map_err(|e| e.to_string())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Some(a) = &mut self.admin {
            let _ = a.drop_database(&self.name);
        }
    }
}

/// Numeric comparison of dotted versions (`10.11.19-MariaDB` reads as 10.11.19).
fn version_lt(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Vec<u64> {
        s.split(|c: char| !c.is_ascii_digit() && c != '.')
            .next()
            .unwrap_or("")
            .split('.')
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    parse(a) < parse(b)
}

/// Facts about the server a dialect's cases run on.
pub struct ServerInfo {
    pub version: String,
    pub mariadb: bool,
}

pub fn server_info(dialect: Dialect, servers: &Servers) -> Result<ServerInfo, String> {
    let s = Scratch::new(dialect, servers, "probe")?;
    let version = s.connect()?.server_version().map_err(|e| e.to_string())?;
    let mariadb = version.to_ascii_lowercase().contains("mariadb");
    Ok(ServerInfo { version, mariadb })
}

/// `config:` keys that only shape how sqldef prints its DDL (one ALTER per table, CONCURRENTLY,
/// no BEGIN/COMMIT), not the schema a case ends with: such cases are judged like the others.
const OUTPUT_ONLY_CONFIG: &[&str] = &[
    "bulk_alter",
    "create_index_concurrently",
    "disable_ddl_transaction",
];

/// Why a case is not run here, if it is not.
fn skip_reason(case: &Case, dialect: Dialect, info: &ServerInfo) -> Option<Finding> {
    let skip = |category: &str, message: String| Some(Finding::new(category, message));
    if case.offline == Some(true) {
        return skip(
            "offline-only case",
            "offline-only case (no database to judge on)".into(),
        );
    }
    if case.user.is_some() || case.managed_roles.is_some() || case.manage.is_some() {
        let what: Vec<&str> = [
            ("user", case.user.is_some()),
            ("managed_roles", case.managed_roles.is_some()),
            ("manage", case.manage.is_some()),
        ]
        .iter()
        .filter(|(_, set)| *set)
        .map(|(k, _)| *k)
        .collect();
        return skip(
            "privileges, roles and managed objects are not modeled",
            format!(
                "privileges, roles and managed objects are not modeled yet ({})",
                what.join(", ")
            ),
        );
    }
    if let Some(config) = &case.config {
        let other: Vec<String> = config
            .as_mapping()
            .map(|m| {
                m.keys()
                    .filter_map(|k| k.as_str())
                    .filter(|k| !OUTPUT_ONLY_CONFIG.contains(k))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_else(|| vec!["(not a mapping)".into()]);
        if !other.is_empty() {
            return skip(
                "sqldef config options that change the end state",
                format!("sqldef config options {}", other.join(", ")),
            );
        }
    }
    if case.enable_drop == Some(false) {
        return skip(
            "enable_drop: false (no drop-suppression mode)",
            "enable_drop: false (migrex has no drop-suppression mode yet)".into(),
        );
    }
    if let Some(f) = &case.flavor {
        let ours = if dialect == Dialect::Mysql {
            if info.mariadb { "mariadb" } else { "mysql" }
        } else {
            ""
        };
        let runs = match f.strip_prefix('!') {
            Some(not) => not != ours,
            None => f == ours,
        };
        if !runs {
            let server = if ours.is_empty() { "plain" } else { ours };
            return skip(
                &format!("flavor {f} (server is {server})"),
                format!("flavor {f} (server is {server})"),
            );
        }
    }
    let mysql_versions_on_mariadb =
        dialect == Dialect::Mysql && info.mariadb && case.flavor.as_deref() != Some("mariadb");
    for (bound, version, min) in [
        ("min_version", &case.min_version, true),
        ("max_version", &case.max_version, false),
    ] {
        let Some(v) = version else { continue };
        if mysql_versions_on_mariadb {
            return skip(
                &format!("{bound} is a MySQL version, the server is MariaDB"),
                format!(
                    "{bound} {v} is a MySQL version; the server is MariaDB {}",
                    info.version
                ),
            );
        }
        let out = if min {
            version_lt(&info.version, v)
        } else {
            version_lt(v, &info.version)
        };
        if out {
            return skip(
                &format!(
                    "needs a server version {} {v}",
                    if min { ">=" } else { "<=" }
                ),
                format!(
                    "needs version {} {v}, server is {}",
                    if min { ">=" } else { "<=" },
                    info.version
                ),
            );
        }
    }
    None
}

/// The suite's MySQL cases run in a database named `mysqldef_test` and some qualify names with
/// it (`mysqldef_test.users` in view queries): that is the current database, so the qualifier
/// goes (each case runs in scratch databases of other names).
fn own_database(dialect: Dialect, sql: &str) -> String {
    if dialect != Dialect::Mysql {
        return sql.to_string();
    }
    sql.replace("`mysqldef_test`.", "")
        .replace("mysqldef_test.", "")
}

/// Loads DDL the way the suite means it: as the database runs it.
fn load(db: &mut Db, sql: &str) -> Result<(), String> {
    if sql.trim().is_empty() {
        return Ok(());
    }
    db.execute_script(sql)
        .map_err(|e| first_line(&e.to_string()))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(300).collect()
}

/// A warning saying an object was seen but not modeled (not one about ignored SET lines etc.).
fn is_unmodeled(message: &str) -> bool {
    ["not modeled", "not read", "skipped"]
        .iter()
        .any(|k| message.contains(k))
        && !message.contains("ignored:")
}

fn differences(actual: &Schema, expected: &Schema) -> Vec<Change> {
    migrex_diff::diff(actual, expected, &Renames::default())
}

/// Scratch databases of cases running at the same time need distinct names.
static SCRATCH_SEQ: AtomicUsize = AtomicUsize::new(0);

/// Runs one case.
pub fn run_case(
    name: &str,
    case: &Case,
    dialect: Dialect,
    servers: &Servers,
    info: &ServerInfo,
) -> Outcome {
    if let Some(reason) = skip_reason(case, dialect, info) {
        return Outcome::Skipped(reason);
    }
    let tag = format!(
        "{}{}",
        SCRATCH_SEQ.fetch_add(1, Ordering::Relaxed),
        name.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(20)
            .collect::<String>()
            .to_lowercase()
    );
    let current = own_database(dialect, case.current.as_deref().unwrap_or_default());
    let desired = own_database(dialect, case.desired.as_deref().unwrap_or_default());
    let run = || -> Result<Outcome, Outcome> {
        let setup = |e: String| failed("harness: scratch database", e);
        let introspect = |stage: &str, e: &dyn fmt::Display| {
            let message = e.to_string();
            failed(
                format!("introspect {stage}: {}", shape(&message)),
                format!("introspect {stage}: {}", first_line(&message)),
            )
        };
        let a = Scratch::new(dialect, servers, &format!("a{tag}")).map_err(setup)?;
        let mut db = a.connect().map_err(setup)?;
        if let Err(e) = load(&mut db, &current) {
            return Ok(skipped(
                format!("`current` does not load on this server: {}", shape(&e)),
                format!("`current` does not load on this server: {e}"),
            ));
        }
        let from = db.introspect().map_err(|e| introspect("current", &e))?;
        let mut to = match migrex::parse_sql(&desired, dialect, "desired") {
            Ok(l) => l,
            Err(_) if case.error.is_some() => return Ok(Outcome::Passed),
            Err(e) => {
                // Syntax of a newer server (MariaDB 11.7 VECTOR) is judged where it runs.
                let b = Scratch::new(dialect, servers, &format!("b{tag}")).map_err(setup)?;
                if let Err(le) = load(&mut b.connect().map_err(setup)?, &desired) {
                    return Ok(skipped(
                        format!("`desired` does not load on this server: {}", shape(&le)),
                        format!("`desired` does not load on this server: {le}"),
                    ));
                }
                let message = e.to_string();
                return Ok(failed(
                    format!("reading desired: {}", parse_error_shape(&message)),
                    format!("reading desired: {}", first_line(&message)),
                ));
            }
        };
        // A case about objects the model does not hold yet would pass without testing anything.
        if let Some(w) = from
            .warnings
            .iter()
            .chain(&to.warnings)
            .find(|w| is_unmodeled(&w.message))
        {
            return Ok(skipped(
                format!("not modeled yet: {}", shape(&w.message)),
                format!("not modeled yet: {}", first_line(&w.message)),
            ));
        }
        // As `migrex diff` does with a live side: views and defaults as the server prints them.
        if let Err(e) = migrex::align_with_live(&mut db, &from.schema, &mut to.schema) {
            return Ok(db_failure("aligning with the server", &e.to_string()));
        }
        let migration = match migrex::migration(&from, &to) {
            Ok(m) => m,
            Err(_) if case.error.is_some() => return Ok(Outcome::Passed),
            Err(e) => {
                let message = e.to_string();
                return Ok(failed(
                    format!("planning: {}", shape(&message)),
                    format!("planning: {}", first_line(&message)),
                ));
            }
        };
        // An expected error the tool did not raise: the migration must then at least fail to apply.
        let applied = migrex_apply::apply(&mut db, &migration.up_sql);
        if case.error.is_some() {
            return Ok(match applied {
                Err(_) => Outcome::Passed,
                Ok(_) => failed(
                    "expected an error, migrex planned and applied it",
                    format!(
                        "expected an error ({}) but migrex planned and applied it",
                        first_line(case.error.as_deref().unwrap_or(""))
                    ),
                ),
            });
        }
        if let Err(e) = applied {
            return Ok(db_failure("up failed", &e.to_string()));
        }
        let after_up = db.introspect().map_err(|e| introspect("after up", &e))?;
        let b = Scratch::new(dialect, servers, &format!("b{tag}")).map_err(setup)?;
        let mut expected_db = b.connect().map_err(setup)?;
        if let Err(e) = load(&mut expected_db, &desired) {
            return Ok(skipped(
                format!("`desired` does not load on this server: {}", shape(&e)),
                format!("`desired` does not load on this server: {e}"),
            ));
        }
        let expected = expected_db
            .introspect()
            .map_err(|e| introspect("desired", &e))?;
        let diff = differences(&after_up.schema, &expected.schema);
        if !diff.is_empty() {
            return Ok(diff_failure("after up, still differs from desired", &diff));
        }
        if let Err(e) = migrex::align_with_live(&mut db, &after_up.schema, &mut to.schema) {
            return Ok(db_failure("aligning with the server", &e.to_string()));
        }
        let again = migrex_diff::plan(&after_up.schema, &to.schema, &Renames::default());
        if !again.steps.is_empty() {
            let changes: Vec<Change> = again.steps.iter().map(|s| s.change.clone()).collect();
            return Ok(diff_failure(
                "not idempotent: re-diff after up plans",
                &changes,
            ));
        }
        if let Err(e) = migrex_apply::apply(&mut db, &migration.down_sql) {
            return Ok(db_failure("down failed", &e.to_string()));
        }
        let after_down = db.introspect().map_err(|e| introspect("after down", &e))?;
        let diff = differences(&after_down.schema, &from.schema);
        if !diff.is_empty() {
            return Ok(diff_failure("after down, differs from current", &diff));
        }
        Ok(Outcome::Passed)
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(o) | Err(o)) => o,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failed("panicked", format!("panicked: {}", first_line(&what)))
        }
    }
}

/// Results of one file.
pub struct FileResult {
    pub file: String,
    pub cases: Vec<(String, Outcome)>,
    /// Why the file could not be run at all (its cases are then unknown).
    pub skipped_whole: Option<String>,
}

impl FileResult {
    pub fn count(&self) -> (usize, usize, usize) {
        let p = self.cases.iter().filter(|c| c.1 == Outcome::Passed).count();
        let f = self
            .cases
            .iter()
            .filter(|c| matches!(c.1, Outcome::Failed(_)))
            .count();
        (p, f, self.cases.len() - p - f)
    }
}

/// Cases of one file run at the same time: each holds its own scratch databases and the servers
/// do the work, so a few overlap well even on two cores.
const WORKERS: usize = 3;

/// Runs every case of the files of one dialect whose name contains one of `filters` (all when empty).
pub fn run_dialect(
    root: &Path,
    dialect: Dialect,
    servers: &Servers,
    filters: &[String],
    mut progress: impl FnMut(&FileResult),
) -> Result<Vec<FileResult>, String> {
    let info = server_info(dialect, servers)?;
    let mut out = Vec::new();
    for path in suite_files(root, dialect) {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !filters.is_empty() && !filters.iter().any(|f| file.contains(f.as_str())) {
            continue;
        }
        let mut result = FileResult {
            file,
            cases: Vec::new(),
            skipped_whole: None,
        };
        match read_cases(&path) {
            Err(why) => result.skipped_whole = Some(why),
            // `config3.yml`: sqldef's configuration for other files' runs, no case in it.
            Ok(entries)
                if entries
                    .values()
                    .all(|e| e.as_ref().is_err_and(|why| why.starts_with(NOT_A_CASE))) =>
            {
                result.skipped_whole = Some(format!(
                    "sqldef configuration (keys {}), no test case in it",
                    entries.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            Ok(entries) => {
                let entries: Vec<(String, Result<Case, String>)> = entries.into_iter().collect();
                let outcomes: Vec<Mutex<Option<Outcome>>> =
                    entries.iter().map(|_| Mutex::new(None)).collect();
                let next = AtomicUsize::new(0);
                std::thread::scope(|scope| {
                    for _ in 0..WORKERS.min(entries.len()) {
                        scope.spawn(|| {
                            loop {
                                let i = next.fetch_add(1, Ordering::Relaxed);
                                let Some((name, entry)) = entries.get(i) else {
                                    break;
                                };
                                let outcome = match entry {
                                    Ok(case) => run_case(name, case, dialect, servers, &info),
                                    Err(why) => skipped(
                                        why.split(':').next().unwrap_or(why).to_string(),
                                        why.clone(),
                                    ),
                                };
                                if let Ok(mut slot) = outcomes[i].lock() {
                                    *slot = Some(outcome);
                                }
                            }
                        });
                    }
                });
                for ((name, _), outcome) in entries.into_iter().zip(outcomes) {
                    let outcome = outcome
                        .into_inner()
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| failed("harness: worker lost", "worker lost"));
                    result.cases.push((name, outcome));
                }
            }
        }
        progress(&result);
        out.push(result);
    }
    Ok(out)
}
