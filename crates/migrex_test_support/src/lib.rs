//! Test harness (dev-dependency only): a uniquely named scratch database per test on the servers
//! named by `MIGREX_TEST_PG` / `MIGREX_TEST_MYSQL`, or a temporary SQLite file.
//!
//! When a server URL is unset the test prints `SKIP` and returns; with `MIGREX_REQUIRE_SERVERS=1`
//! (set by `.ci/run`) a missing server fails the test instead, so CI cannot pass by skipping.

use migrex_model::Dialect;
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

    /// A fresh database loaded with `sql`.
    pub fn with_sql(dialect: Dialect, sql: &str) -> Option<TestDb> {
        let db = TestDb::new(dialect)?;
        db.connect()
            .execute_script(sql)
            .unwrap_or_else(|e| panic!("loading fixture failed: {e}"));
        Some(db)
    }
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
