//! Test harness (dev-dependency only): a uniquely named scratch database per test on the servers
//! named by `MIGREX_TEST_PG` / `MIGREX_TEST_MYSQL`, or a temporary SQLite file.
//!
//! When a server URL is unset the test prints `SKIP` and returns; with `MIGREX_REQUIRE_SERVERS=1`
//! (set by `.ci/run`) a missing server fails the test instead, so CI cannot pass by skipping.

use migrex_model::{Dialect, Loaded, Plan, Renames, Schema};
use migrex_render_sql::RenderedStep;
use migrex_source_live::{Db, DbUrl};
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A scratch database that is dropped when the value is dropped.
pub struct TestDb {
    pub url: DbUrl,
    admin: Option<Db>,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

fn env_url(dialect: Dialect) -> Option<String> {
    let var = match dialect {
        Dialect::Postgres => "MIGREX_TEST_PG",
        Dialect::Mysql => "MIGREX_TEST_MYSQL",
        Dialect::Sqlite => return Some("sqlite::memory:".into()),
    };
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var("MIGREX_REQUIRE_SERVERS").as_deref() != Ok("1"),
                "{var} is unset but MIGREX_REQUIRE_SERVERS=1: this live test must run"
            );
            eprintln!("SKIP live {dialect} test: {var} unset");
            None
        }
    }
}

/// True when tests for this dialect can run (prints the skip reason otherwise).
pub fn available(dialect: Dialect) -> bool {
    env_url(dialect).is_some()
}

impl TestDb {
    /// A fresh empty database of `dialect`, or `None` (after printing SKIP) when its server is not
    /// configured.
    pub fn new(dialect: Dialect) -> Option<TestDb> {
        let base = env_url(dialect)?;
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("migrex_t{}_{}_{}", std::process::id(), n, nanos());
        if dialect == Dialect::Sqlite {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join(format!("{name}.db"));
            let url = DbUrl::parse(&format!("sqlite://{}", path.display())).expect("sqlite url");
            return Some(TestDb {
                url,
                admin: None,
                name,
                _dir: Some(dir),
            });
        }
        let mut admin = Db::connect(&base)
            .unwrap_or_else(|e| panic!("cannot reach {dialect} test server: {e}"));
        let url = admin
            .create_database(&name)
            .unwrap_or_else(|e| panic!("cannot create scratch database: {e}"));
        Some(TestDb {
            url,
            admin: Some(admin),
            name,
            _dir: None,
        })
    }

    /// A new connection to the scratch database.
    pub fn connect(&self) -> Db {
        Db::connect_url(self.url.clone())
            .unwrap_or_else(|e| panic!("cannot connect to scratch database: {e}"))
    }

    /// The URL with credentials, for commands under test.
    pub fn url_string(&self) -> String {
        self.url.secret().to_string()
    }

    /// The database as a framework runner's command line names it: a SQLite file's path, else
    /// the URL with credentials.
    pub fn path_or_url(&self) -> String {
        let url = self.url_string();
        url.strip_prefix("sqlite://")
            .map(str::to_string)
            .unwrap_or(url)
    }

    /// A fresh database loaded with `sql`.
    pub fn with_sql(dialect: Dialect, sql: &str) -> Option<TestDb> {
        let db = TestDb::new(dialect)?;
        db.connect()
            .execute_script(sql)
            .unwrap_or_else(|e| panic!("loading fixture failed: {e}"));
        Some(db)
    }

    /// A fresh database loaded with `sql`, and its introspected schema.
    pub fn introspected(dialect: Dialect, sql: &str) -> Option<(TestDb, Loaded)> {
        let db = TestDb::with_sql(dialect, sql)?;
        let loaded = db.introspect();
        Some((db, loaded))
    }

    /// The schema of the scratch database, read through a new connection.
    pub fn introspect(&self) -> Loaded {
        introspect(&mut self.connect())
    }

    /// Runs a script on the scratch database, panicking with the script when it fails.
    #[track_caller]
    pub fn run(&self, script: &str) {
        self.connect()
            .execute_script(script)
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"));
    }
}

/// The migration round trip on a live database that holds `from`: after the `up` script it
/// equals `to` and diffs to nothing against it; migrex's down script then brings back `from`.
#[track_caller]
pub fn assert_up_then_down(db: &TestDb, up: &str, from: &Schema, to: &Schema) {
    db.run(up);
    let after = db.introspect();
    assert_same_schema("TO (left) vs migrated up (right)", to, &after.schema);
    let (again, _) = plan_and_render(&after.schema, to);
    assert!(
        again.is_empty(),
        "diff after applying is not empty: {:?}",
        again
            .steps
            .iter()
            .map(|s| s.change.describe())
            .collect::<Vec<_>>()
    );
    db.run(&migration_script(&after.schema, from));
    let back = db.introspect();
    assert_same_schema("FROM (left) vs migrated down (right)", from, &back.schema);
    let (again, _) = plan_and_render(&back.schema, from);
    assert!(again.is_empty(), "diff after down is not empty");
}

fn nanos() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(admin) = &mut self.admin {
            let _ = admin.drop_database(&self.name);
        }
    }
}

/// The path of a file under `../shared` (corpus, conformance), from the workspace root.
pub fn shared_path(rel: &str) -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    root.join(rel)
}

/// The schema behind a connection (kept open by callers that set connection state first).
pub fn introspect(db: &mut Db) -> Loaded {
    db.introspect()
        .unwrap_or_else(|e| panic!("introspection failed: {e}"))
}

/// `sql` read by the DDL reader; `file` names it in the panic when the reader fails.
pub fn read_ddl(dialect: Dialect, sql: &str, file: &str) -> Loaded {
    migrex_source_sql::parse(sql, dialect, file)
        .unwrap_or_else(|e| panic!("DDL reader failed on {file}: {e}"))
}

/// The planner's migration from `from` to `to` (no rename hints) and its rendered steps.
pub fn plan_and_render(from: &Schema, to: &Schema) -> (Plan, Vec<RenderedStep>) {
    let plan = migrex_diff::plan(from, to, &Renames::default());
    let steps = migrex_render_sql::render_plan(&plan).unwrap_or_else(|e| {
        let json = serde_json::to_string_pretty(&plan)
            .unwrap_or_else(|e| format!("<unserializable: {e}>"));
        panic!("rendering the plan failed: {e}\nplan: {json}")
    });
    (plan, steps)
}

/// The planner's migration from `from` to `to` as statements (without the trailing `;`).
pub fn planned_statements(from: &Schema, to: &Schema) -> (Plan, Vec<String>) {
    let (plan, steps) = plan_and_render(from, to);
    let stmts = steps.into_iter().flat_map(|s| s.statements).collect();
    (plan, stmts)
}

/// The planner's migration from `from` to `to` as a SQL script.
pub fn migration_script(from: &Schema, to: &Schema) -> String {
    migrex_render_sql::to_script(&plan_and_render(from, to).1)
}

/// The SQL script that creates `schema` in an empty database of its dialect, through the planner
/// and the renderer.
pub fn script_from_empty(schema: &Schema) -> String {
    migration_script(&Schema::new(schema.dialect), schema)
}

/// Runs `script` in a fresh database of `dialect` and introspects the result: `None` (after
/// printing SKIP) when the server is not configured, `Err` with the database's message when the
/// script fails.
pub fn load_and_introspect(dialect: Dialect, script: &str) -> Option<Result<Loaded, String>> {
    let db = TestDb::new(dialect)?;
    Some(match db.connect().execute_script(script) {
        Ok(_) => Ok(db.introspect()),
        Err(e) => Err(e.to_string()),
    })
}

/// The first cell of each row, rows whose first cell is NULL left out (name listings).
pub fn first_column(rows: Vec<Vec<Option<String>>>) -> Vec<String> {
    rows.into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect()
}

/// The items of `a` missing from `b`, and those of `b` missing from `a`, each in its list's order
/// (reports on two lists compared as sets).
pub fn one_sided<'a, T: PartialEq>(a: &'a [T], b: &'a [T]) -> (Vec<&'a T>, Vec<&'a T>) {
    let only_a = a.iter().filter(|x| !b.contains(x)).collect();
    let only_b = b.iter().filter(|y| !a.contains(y)).collect();
    (only_a, only_b)
}

/// The `.sql` files of a fixture folder (relative to the calling crate's manifest dir), sorted,
/// as (file name, text).
pub fn sql_fixtures(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("fixture dir {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, text)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no fixtures in {}", dir.display());
    out
}

/// Where two schemas differ, one line per JSON path (empty when `left == right`). Expressions
/// are shown by their comparison key, since that is what `==` compares.
pub fn schema_differences(left: &Schema, right: &Schema) -> Vec<String> {
    if left == right {
        return Vec::new();
    }
    let mut out = Vec::new();
    json_diff("schema", &keyed_json(left), &keyed_json(right), &mut out);
    if out.is_empty() {
        out.push("schemas differ but their JSON is equal".into());
    }
    out
}

/// `what` followed by every difference, one a line; `None` when the schemas are equal. For tests
/// that collect failures over many fixtures.
pub fn schema_mismatch(what: &str, left: &Schema, right: &Schema) -> Option<String> {
    let d = schema_differences(left, right);
    (!d.is_empty()).then(|| format!("{what}\n{}", d.join("\n")))
}

/// Panics with every difference when two schemas are not equal.
#[track_caller]
pub fn assert_same_schema(what: &str, left: &Schema, right: &Schema) {
    if let Some(m) = schema_mismatch(&format!("{what}: left != right"), left, right) {
        panic!("{m}");
    }
}

fn keyed_json(s: &Schema) -> serde_json::Value {
    use serde_json::Value;
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.len() == 2
                    && let (Some(Value::String(_)), Some(Value::String(key))) =
                        (m.get("sql"), m.get("key"))
                {
                    *v = Value::String(format!("key: {key}"));
                    return;
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(s).expect("the model serializes");
    walk(&mut v);
    v
}

fn json_diff(path: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = format!("{path}.{k}");
                match y.get(k) {
                    Some(vb) => json_diff(&p, va, vb, out),
                    None => out.push(format!("{p}: only on the left: {va}")),
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) {
                    out.push(format!("{path}.{k}: only on the right: {vb}"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                json_diff(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ if a != b => out.push(format!("{path}:\n    left:  {a}\n    right: {b}")),
        _ => {}
    }
}

/// A framework runner's interpreter named by an environment variable (`MIGREX_PYTHON`: the
/// virtual environment's python with Django, Alembic and SQLAlchemy; `MIGREX_RUBY`: a ruby with
/// Active Record), as `scripts/orm-env` prints them. Unset: prints `SKIP` and gives `None`,
/// unless `MIGREX_REQUIRE_SERVERS=1`, which makes a missing runner fail the test.
pub fn runner(var: &str) -> Option<std::path::PathBuf> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v.into()),
        _ => {
            assert!(
                std::env::var("MIGREX_REQUIRE_SERVERS").as_deref() != Ok("1"),
                "{var} is unset but MIGREX_REQUIRE_SERVERS=1: run scripts/orm-env and export \
                 what it prints"
            );
            eprintln!("SKIP framework runner test: {var} unset (see scripts/orm-env)");
            None
        }
    }
}

/// Copies a fixture folder (recursively) into `to`, leaving out Python's `__pycache__`
/// folders a framework run may have left in it.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for e in std::fs::read_dir(from)
        .expect("read the fixture folder")
        .flatten()
    {
        let name = e.file_name();
        if name == "__pycache__" {
            continue;
        }
        let (src, dst) = (e.path(), to.join(&name));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy a fixture file");
        }
    }
}
