//! A runner for the sqldef diff suite (YAML cases of `current`/`desired` DDL), judged on the real
//! database, not by comparing text with sqldef's own output:
//! 1. load `current` into a fresh database, introspect it (FROM), read `desired` as a file (TO),
//!    plan and apply migrex's up migration, introspect: it must match `desired` loaded into another
//!    fresh database;
//! 2. re-diff the migrated database against TO: it must be empty (idempotency);
//! 3. apply migrex's down migration: the database must match FROM again.
//!
//! Input: the suite folder (never copied into the project) and server URLs. Output: per-case
//! outcomes with the first difference; `Summary` prints passed/failed/skipped per file.

use indexmap::IndexMap;
use migrex_model::{Dialect, Renames, Schema};
use migrex_source_live::{Db, DbUrl};
use serde::Deserialize;
use std::path::{Path, PathBuf};

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
    Failed(String),
    Skipped(String),
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

pub fn read_cases(path: &Path) -> Result<IndexMap<String, Case>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    // Some files hold non-case top-level values (e.g. config); read each entry on its own.
    let raw: IndexMap<String, serde_yaml_ng::Value> =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(raw
        .into_iter()
        .filter_map(|(k, v)| serde_yaml_ng::from_value::<Case>(v).ok().map(|c| (k, c)))
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

/// Why a case is not run here, if it is not.
fn skip_reason(case: &Case, dialect: Dialect, info: &ServerInfo) -> Option<String> {
    if case.offline == Some(true) {
        return Some("offline-only case (no database to judge on)".into());
    }
    if case.user.is_some() || case.managed_roles.is_some() || case.manage.is_some() {
        return Some("privileges, roles and managed objects are not modeled yet".into());
    }
    if case.config.is_some() {
        return Some("sqldef-specific config options".into());
    }
    if case.enable_drop == Some(false) {
        return Some("enable_drop: false (migrex has no drop-suppression mode yet)".into());
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
            return Some(format!(
                "flavor {f} (server is {})",
                if ours.is_empty() { "plain" } else { ours }
            ));
        }
    }
    let mysql_versions_on_mariadb =
        dialect == Dialect::Mysql && info.mariadb && case.flavor.as_deref() != Some("mariadb");
    if let Some(min) = &case.min_version {
        if mysql_versions_on_mariadb {
            return Some(format!(
                "min_version {min} is a MySQL version; the server is MariaDB {}",
                info.version
            ));
        }
        if version_lt(&info.version, min) {
            return Some(format!(
                "needs version >= {min}, server is {}",
                info.version
            ));
        }
    }
    if let Some(max) = &case.max_version {
        if mysql_versions_on_mariadb {
            return Some(format!(
                "max_version {max} is a MySQL version; the server is MariaDB {}",
                info.version
            ));
        }
        if version_lt(max, &info.version) {
            return Some(format!(
                "needs version <= {max}, server is {}",
                info.version
            ));
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

fn differences(actual: &Schema, expected: &Schema) -> Vec<String> {
    migrex_diff::diff(actual, expected, &Renames::default())
        .iter()
        .map(|c| c.describe())
        .collect()
}

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
    let tag = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(24)
        .collect::<String>()
        .to_lowercase();
    let current = own_database(dialect, case.current.as_deref().unwrap_or_default());
    let desired = own_database(dialect, case.desired.as_deref().unwrap_or_default());
    let run = || -> Result<Outcome, String> {
        let a = Scratch::new(dialect, servers, &format!("a{tag}"))?;
        let mut db = a.connect()?;
        if let Err(e) = load(&mut db, &current) {
            return Ok(Outcome::Skipped(format!(
                "`current` does not load on this server: {e}"
            )));
        }
        let from = db
            .introspect()
            .map_err(|e| format!("introspect current: {e}"))?;
        let to = match migrex::parse_sql(&desired, dialect, "desired") {
            Ok(l) => l,
            Err(_) if case.error.is_some() => return Ok(Outcome::Passed),
            Err(e) => {
                // Syntax of a newer server (MariaDB 11.7 VECTOR) is judged where it runs.
                let b = Scratch::new(dialect, servers, &format!("b{tag}"))?;
                if let Err(le) = load(&mut b.connect()?, &desired) {
                    return Ok(Outcome::Skipped(format!(
                        "`desired` does not load on this server: {le}"
                    )));
                }
                return Ok(Outcome::Failed(format!("reading desired: {e}")));
            }
        };
        // A case about objects the model does not hold yet would pass without testing anything.
        if let Some(w) = from
            .warnings
            .iter()
            .chain(&to.warnings)
            .find(|w| is_unmodeled(&w.message))
        {
            return Ok(Outcome::Skipped(format!(
                "not modeled yet: {}",
                first_line(&w.message)
            )));
        }
        let migration = match migrex::migration(&from, &to) {
            Ok(m) => m,
            Err(_) if case.error.is_some() => return Ok(Outcome::Passed),
            Err(e) => return Ok(Outcome::Failed(format!("planning: {e}"))),
        };
        // An expected error the tool did not raise: the migration must then at least fail to apply.
        let applied = migrex_apply::apply(&mut db, &migration.up_sql);
        if case.error.is_some() {
            return Ok(match applied {
                Err(_) => Outcome::Passed,
                Ok(_) => Outcome::Failed(format!(
                    "expected an error ({}) but migrex planned and applied it",
                    first_line(case.error.as_deref().unwrap_or(""))
                )),
            });
        }
        if let Err(e) = applied {
            return Ok(Outcome::Failed(format!(
                "up failed: {}",
                first_line(&e.to_string())
            )));
        }
        let after_up = db
            .introspect()
            .map_err(|e| format!("introspect after up: {e}"))?;
        let b = Scratch::new(dialect, servers, &format!("b{tag}"))?;
        let mut expected_db = b.connect()?;
        if let Err(e) = load(&mut expected_db, &desired) {
            return Ok(Outcome::Skipped(format!(
                "`desired` does not load on this server: {e}"
            )));
        }
        let expected = expected_db
            .introspect()
            .map_err(|e| format!("introspect desired: {e}"))?;
        let diff = differences(&after_up.schema, &expected.schema);
        if !diff.is_empty() {
            return Ok(Outcome::Failed(format!(
                "after up, still differs from desired: {}",
                diff.join("; ")
            )));
        }
        let again = migrex_diff::plan(&after_up.schema, &to.schema, &Renames::default());
        if !again.steps.is_empty() {
            let d: Vec<String> = again.steps.iter().map(|s| s.change.describe()).collect();
            return Ok(Outcome::Failed(format!(
                "not idempotent: re-diff after up plans {}",
                d.join("; ")
            )));
        }
        if let Err(e) = migrex_apply::apply(&mut db, &migration.down_sql) {
            return Ok(Outcome::Failed(format!(
                "down failed: {}",
                first_line(&e.to_string())
            )));
        }
        let after_down = db
            .introspect()
            .map_err(|e| format!("introspect after down: {e}"))?;
        let diff = differences(&after_down.schema, &from.schema);
        if !diff.is_empty() {
            return Ok(Outcome::Failed(format!(
                "after down, differs from current: {}",
                diff.join("; ")
            )));
        }
        Ok(Outcome::Passed)
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => Outcome::Failed(e),
        Err(_) => Outcome::Failed("panicked".into()),
    }
}

/// Results of one file.
pub struct FileResult {
    pub file: String,
    pub cases: Vec<(String, Outcome)>,
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
        let cases = read_cases(&path)?;
        let mut result = FileResult {
            file,
            cases: Vec::new(),
        };
        for (name, case) in &cases {
            let outcome = run_case(name, case, dialect, servers, &info);
            result.cases.push((name.clone(), outcome));
        }
        progress(&result);
        out.push(result);
    }
    Ok(out)
}
