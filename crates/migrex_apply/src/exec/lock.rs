//! The lock that keeps two `migrex apply` runs on one database from interleaving.
//!
//! PostgreSQL: a session advisory lock (`pg_try_advisory_lock`), released at disconnect;
//! MySQL/MariaDB: `GET_LOCK` on a name that includes the database (lock names are server-wide),
//! released at disconnect. SQLite has neither, so a row of `migrex_lock` holds the holder's pid
//! and host name; a row whose process is gone (no `/proc/<pid>` on the same host) is stale
//! (a killed run) and is taken over.

use crate::ApplyError;
use migrex_dialect::quote_string;
use migrex_model::Dialect;
use migrex_source_live::Db;

/// `'mgrx'` and 1: the two-int4 advisory lock key (shown as classid/objid in `pg_locks`).
const PG_KEY: (i64, i64) = (0x6d67_7278, 1);
const LITE_TABLE: &str = "\"migrex_lock\"";

fn first(rows: Vec<Vec<Option<String>>>) -> Option<String> {
    rows.into_iter().next()?.into_iter().next().flatten()
}

/// This host's name, for the SQLite lock row.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

fn mysql_name() -> &'static str {
    "CONCAT('migrex_apply.', LEFT(DATABASE(), 50))"
}

/// Takes the lock or fails at once naming who holds it.
pub fn acquire(db: &mut Db) -> Result<(), ApplyError> {
    match db.dialect() {
        Dialect::Postgres => {
            let got = first(db.query(&format!(
                "SELECT CAST(pg_try_advisory_lock({}, {}) AS text)",
                PG_KEY.0, PG_KEY.1
            ))?);
            if got.as_deref() == Some("true") {
                return Ok(());
            }
            let holder = db
                .query(&format!(
                    "SELECT CAST(a.pid AS text), coalesce(a.usename, ''), coalesce(CAST(a.client_addr AS text), 'local socket'), coalesce(a.application_name, ''), CAST(a.backend_start AS text) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {} AND l.objid = {} AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                    PG_KEY.0, PG_KEY.1
                ))?
                .into_iter()
                .next()
                .map(|r| {
                    let c = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                    format!(
                        "PostgreSQL backend pid {} (user {}, from {}, application '{}', connected at {})",
                        c(0),
                        c(1),
                        c(2),
                        c(3),
                        c(4)
                    )
                })
                .unwrap_or_else(|| "another session (it has just released it: try again)".into());
            Err(ApplyError::Locked { holder })
        }
        Dialect::Mysql => {
            let got = first(db.query(&format!("SELECT GET_LOCK({}, 0)", mysql_name()))?);
            if got.as_deref() == Some("1") {
                return Ok(());
            }
            let id = first(db.query(&format!("SELECT IS_USED_LOCK({})", mysql_name()))?);
            let holder = match id {
                Some(id) if id.chars().all(|c| c.is_ascii_digit()) => db
                    .query(&format!(
                        "SELECT USER, HOST, CAST(TIME AS CHAR) FROM information_schema.PROCESSLIST WHERE ID = {id}"
                    ))?
                    .into_iter()
                    .next()
                    .map(|r| {
                        let c = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                        format!(
                            "connection {id} (user {}, from {}, for {} s)",
                            c(0),
                            c(1),
                            c(2)
                        )
                    })
                    .unwrap_or_else(|| format!("connection {id}")),
                _ => "another session (it has just released it: try again)".into(),
            };
            Err(ApplyError::Locked { holder })
        }
        Dialect::Sqlite => acquire_sqlite(db),
    }
}

fn acquire_sqlite(db: &mut Db) -> Result<(), ApplyError> {
    let d = Dialect::Sqlite;
    db.execute(&format!(
        "CREATE TABLE IF NOT EXISTS {LITE_TABLE} (\"id\" INTEGER PRIMARY KEY CHECK (\"id\" = 1), \"pid\" INTEGER NOT NULL, \"host\" TEXT NOT NULL, \"started_at\" TEXT NOT NULL)"
    ))?;
    let me = std::process::id();
    let host = host_name();
    // IMMEDIATE: the write lock from the start, so two runs cannot both see the table empty.
    db.execute("BEGIN IMMEDIATE")?;
    let result = (|| -> Result<(), ApplyError> {
        let row = db
            .query(&format!(
                "SELECT CAST(\"pid\" AS TEXT), \"host\", \"started_at\" FROM {LITE_TABLE} WHERE \"id\" = 1"
            ))?
            .into_iter()
            .next();
        if let Some(r) = row {
            let c = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            let (pid, their_host, since) = (c(0), c(1), c(2));
            let stale = their_host == host
                && pid.parse::<u32>().is_ok_and(|p| {
                    p != me && !std::path::Path::new(&format!("/proc/{p}")).exists()
                });
            if !stale {
                return Err(ApplyError::Locked {
                    holder: format!(
                        "process {pid} on host {their_host} (since {since}; if it is gone and runs on another host, delete the row of migrex_lock)"
                    ),
                });
            }
            db.execute(&format!("DELETE FROM {LITE_TABLE} WHERE \"id\" = 1"))?;
        }
        db.execute(&format!(
            "INSERT INTO {LITE_TABLE} (\"id\", \"pid\", \"host\", \"started_at\") VALUES (1, {me}, {}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            quote_string(d, &host)
        ))?;
        Ok(())
    })();
    match result {
        Ok(()) => {
            db.execute("COMMIT")?;
            Ok(())
        }
        Err(e) => {
            let _ = db.execute("ROLLBACK");
            Err(e)
        }
    }
}

/// Releases the lock taken by `acquire` on this connection.
pub fn release(db: &mut Db) -> Result<(), ApplyError> {
    match db.dialect() {
        Dialect::Postgres => {
            db.query(&format!(
                "SELECT CAST(pg_advisory_unlock({}, {}) AS text)",
                PG_KEY.0, PG_KEY.1
            ))?;
        }
        Dialect::Mysql => {
            db.query(&format!("SELECT RELEASE_LOCK({})", mysql_name()))?;
        }
        Dialect::Sqlite => {
            db.execute(&format!(
                "DELETE FROM {LITE_TABLE} WHERE \"pid\" = {} AND \"host\" = {}",
                std::process::id(),
                quote_string(Dialect::Sqlite, &host_name())
            ))?;
        }
    }
    Ok(())
}
