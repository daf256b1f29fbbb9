//! Connections: URL parsing (with password redaction), a blocking wrapper over sqlx, scratch databases.

use migrex_model::Dialect;
use sqlx::{AssertSqlSafe, Connection, Row, ValueRef};
use std::fmt;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    #[error("invalid database URL `{url}`: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("query failed on {url}: {message}\n  while running: {sql}")]
    Query {
        url: String,
        sql: String,
        message: String,
    },
    #[error("{0}")]
    Other(String),
}

/// A parsed database URL. `Display` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl {
    pub dialect: Dialect,
    /// The URL as sqlx wants it (`mariadb://` becomes `mysql://`, `sqlite:` paths normalized).
    raw: String,
}

impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbUrl({})", redact_url(&self.raw))
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact_url(&self.raw))
    }
}

/// Replaces the password of a URL with `***` (for every message a user or log can see).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => match (url.find("://"), url.rfind('@')) {
            // Unparseable but credential-shaped: hide everything between scheme and host.
            (Some(s), Some(at)) if at > s => format!("{}***{}", &url[..s + 3], &url[at..]),
            _ => url.to_string(),
        },
    }
}

impl DbUrl {
    /// True when the string looks like a database URL rather than a file path.
    pub fn looks_like_url(s: &str) -> bool {
        [
            "postgres://",
            "postgresql://",
            "mysql://",
            "mariadb://",
            "sqlite:",
        ]
        .iter()
        .any(|p| s.starts_with(p))
    }

    pub fn parse(s: &str) -> Result<DbUrl, LiveError> {
        let bad = |reason: &str| LiveError::BadUrl {
            url: redact_url(s),
            reason: reason.to_string(),
        };
        if let Some(rest) = s.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            if path == ":memory:" {
                return Ok(DbUrl {
                    dialect: Dialect::Sqlite,
                    raw: "sqlite::memory:".into(),
                });
            }
            if path.is_empty() {
                return Err(bad(
                    "no file path (use sqlite://path/to/file.db or sqlite::memory:)",
                ));
            }
            return Ok(DbUrl {
                dialect: Dialect::Sqlite,
                raw: format!("sqlite://{path}"),
            });
        }
        let (dialect, raw) = if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            (Dialect::Postgres, s.to_string())
        } else if let Some(rest) = s.strip_prefix("mariadb://") {
            (Dialect::Mysql, format!("mysql://{rest}"))
        } else if s.starts_with("mysql://") {
            (Dialect::Mysql, s.to_string())
        } else {
            return Err(bad(
                "unknown scheme (expected postgres://, mysql://, mariadb:// or sqlite://)",
            ));
        };
        let parsed = url::Url::parse(&raw).map_err(|e| bad(&e.to_string()))?;
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("no host"));
        }
        Ok(DbUrl { dialect, raw })
    }

    /// The URL with credentials, for the driver only. Never print it.
    pub fn secret(&self) -> &str {
        &self.raw
    }

    /// The database name in the URL path (`test` in `postgres://u@h/test`), or the SQLite file.
    pub fn database(&self) -> Option<String> {
        if self.dialect == Dialect::Sqlite {
            return self
                .raw
                .strip_prefix("sqlite://")
                .map(|p| p.split('?').next().unwrap_or(p).to_string());
        }
        let u = url::Url::parse(&self.raw).ok()?;
        let db = u.path().trim_start_matches('/');
        (!db.is_empty()).then(|| {
            percent_encoding::percent_decode_str(db)
                .decode_utf8_lossy()
                .into_owned()
        })
    }

    /// The same server with another database name.
    pub fn with_database(&self, db: &str) -> DbUrl {
        if self.dialect == Dialect::Sqlite {
            return DbUrl {
                dialect: Dialect::Sqlite,
                raw: format!("sqlite://{db}"),
            };
        }
        let mut u = url::Url::parse(&self.raw).expect("validated in parse");
        u.set_path(&format!("/{db}"));
        DbUrl {
            dialect: self.dialect,
            raw: u.to_string(),
        }
    }
}

enum Conn {
    Pg(sqlx::PgConnection),
    My(sqlx::MySqlConnection),
    Lite(sqlx::SqliteConnection),
}

/// A blocking connection to one database.
pub struct Db {
    rt: tokio::runtime::Runtime,
    conn: Conn,
    url: DbUrl,
}

/// One result row with every cell as text (`None` for NULL).
pub type TextRow = Vec<Option<String>>;

impl Db {
    pub fn connect(url: &str) -> Result<Db, LiveError> {
        Db::connect_url(DbUrl::parse(url)?)
    }

    pub fn connect_url(url: DbUrl) -> Result<Db, LiveError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| LiveError::Other(format!("cannot start runtime: {e}")))?;
        let err = |e: sqlx::Error| LiveError::Connect {
            url: url.to_string(),
            message: scrub(&e.to_string(), &url),
        };
        let conn = rt.block_on(async {
            let timeout = std::time::Duration::from_secs(15);
            let fut = async {
                Ok::<Conn, sqlx::Error>(match url.dialect {
                    Dialect::Postgres => Conn::Pg(sqlx::PgConnection::connect(url.secret()).await?),
                    Dialect::Mysql => Conn::My(sqlx::MySqlConnection::connect(url.secret()).await?),
                    Dialect::Sqlite => {
                        use std::str::FromStr;
                        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url.secret())?
                            .create_if_missing(true)
                            .foreign_keys(true);
                        Conn::Lite(sqlx::SqliteConnection::connect_with(&opts).await?)
                    }
                })
            };
            match tokio::time::timeout(timeout, fut).await {
                Ok(r) => r.map_err(err),
                Err(_) => Err(LiveError::Connect {
                    url: url.to_string(),
                    message: "timed out after 15s".into(),
                }),
            }
        })?;
        Ok(Db { rt, conn, url })
    }

    pub fn dialect(&self) -> Dialect {
        self.url.dialect
    }

    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    fn query_err(&self, sql: &str, e: &sqlx::Error) -> LiveError {
        let sql = if sql.len() > 400 {
            format!("{}...", &sql[..sql.floor_char_boundary(400)])
        } else {
            sql.to_string()
        };
        LiveError::Query {
            url: self.url.to_string(),
            sql,
            message: scrub(&e.to_string(), &self.url),
        }
    }

    /// Runs one statement (or, on SQLite, several) and returns the rows affected.
    pub fn execute(&mut self, sql: &str) -> Result<u64, LiveError> {
        let q = sqlx::raw_sql(AssertSqlSafe(sql.to_string()));
        let r = match &mut self.conn {
            Conn::Pg(c) => self.rt.block_on(q.execute(c)).map(|r| r.rows_affected()),
            Conn::My(c) => self.rt.block_on(q.execute(c)).map(|r| r.rows_affected()),
            Conn::Lite(c) => self.rt.block_on(q.execute(c)).map(|r| r.rows_affected()),
        };
        r.map_err(|e| self.query_err(sql, &e))
    }

    /// Runs a whole script of statements (simple query protocol; PostgreSQL `$$` bodies are fine).
    /// MySQL `DELIMITER` lines are a client feature and are not understood here.
    pub fn execute_script(&mut self, sql: &str) -> Result<(), LiveError> {
        self.execute(sql).map(|_| ())
    }

    /// Runs a query and returns every cell as text.
    pub fn query(&mut self, sql: &str) -> Result<Vec<TextRow>, LiveError> {
        self.query_bind(sql, &[])
    }

    /// Runs a query with text parameters (`$1` on PostgreSQL, `?` on MySQL and SQLite).
    pub fn query_bind(&mut self, sql: &str, params: &[&str]) -> Result<Vec<TextRow>, LiveError> {
        let owned = AssertSqlSafe(sql.to_string());
        let r = match &mut self.conn {
            Conn::Pg(c) => {
                let mut q = sqlx::query(owned);
                for p in params {
                    q = q.bind(p.to_string());
                }
                self.rt
                    .block_on(q.fetch_all(c))
                    .map(|rows| rows.iter().map(pg_row).collect())
            }
            Conn::My(c) => {
                let mut q = sqlx::query(owned);
                for p in params {
                    q = q.bind(p.to_string());
                }
                self.rt
                    .block_on(q.fetch_all(c))
                    .map(|rows| rows.iter().map(my_row).collect())
            }
            Conn::Lite(c) => {
                let mut q = sqlx::query(owned);
                for p in params {
                    q = q.bind(p.to_string());
                }
                self.rt
                    .block_on(q.fetch_all(c))
                    .map(|rows| rows.iter().map(lite_row).collect())
            }
        };
        r.map_err(|e| self.query_err(sql, &e))
    }

    /// Runs a query and hands each row to `each` as it arrives (a stream: the result is never
    /// held in memory whole). Returns the number of rows.
    pub fn for_each_row(
        &mut self,
        sql: &str,
        mut each: impl FnMut(TextRow),
    ) -> Result<u64, LiveError> {
        use futures_util::TryStreamExt;
        let owned = AssertSqlSafe(sql.to_string());
        let mut n = 0u64;
        let r = match &mut self.conn {
            Conn::Pg(c) => self.rt.block_on(async {
                let mut s = sqlx::query(owned).fetch(c);
                while let Some(row) = s.try_next().await? {
                    each(pg_row(&row));
                    n += 1;
                }
                Ok::<(), sqlx::Error>(())
            }),
            Conn::My(c) => self.rt.block_on(async {
                let mut s = sqlx::query(owned).fetch(c);
                while let Some(row) = s.try_next().await? {
                    each(my_row(&row));
                    n += 1;
                }
                Ok(())
            }),
            Conn::Lite(c) => self.rt.block_on(async {
                let mut s = sqlx::query(owned).fetch(c);
                while let Some(row) = s.try_next().await? {
                    each(lite_row(&row));
                    n += 1;
                }
                Ok(())
            }),
        };
        r.map(|()| n).map_err(|e| self.query_err(sql, &e))
    }

    /// Runs a query and returns its column names (empty when there is no row) and its rows.
    pub fn query_named(&mut self, sql: &str) -> Result<(Vec<String>, Vec<TextRow>), LiveError> {
        fn names<R: Row>(rows: &[R]) -> Vec<String> {
            use sqlx::Column;
            rows.first()
                .map(|r| r.columns().iter().map(|c| c.name().to_string()).collect())
                .unwrap_or_default()
        }
        let owned = AssertSqlSafe(sql.to_string());
        let r = match &mut self.conn {
            Conn::Pg(c) => self
                .rt
                .block_on(sqlx::query(owned).fetch_all(c))
                .map(|rows| (names(&rows), rows.iter().map(pg_row).collect())),
            Conn::My(c) => self
                .rt
                .block_on(sqlx::query(owned).fetch_all(c))
                .map(|rows| (names(&rows), rows.iter().map(my_row).collect())),
            Conn::Lite(c) => self
                .rt
                .block_on(sqlx::query(owned).fetch_all(c))
                .map(|rows| (names(&rows), rows.iter().map(lite_row).collect())),
        };
        r.map_err(|e| self.query_err(sql, &e))
    }

    /// The server's version string (`15.19`, `10.11.19-MariaDB`, `3.46.0`).
    pub fn server_version(&mut self) -> Result<String, LiveError> {
        let sql = match self.dialect() {
            Dialect::Postgres => "SHOW server_version",
            Dialect::Mysql => "SELECT VERSION()",
            Dialect::Sqlite => "SELECT sqlite_version()",
        };
        Ok(self
            .query(sql)?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
            .unwrap_or_default())
    }

    /// Creates a fresh database `name` on this server (PostgreSQL, MySQL) and returns its URL.
    /// On SQLite `name` is a file path.
    pub fn create_database(&mut self, name: &str) -> Result<DbUrl, LiveError> {
        match self.dialect() {
            Dialect::Postgres => {
                self.execute(&format!(
                    "CREATE DATABASE \"{}\"",
                    name.replace('"', "\"\"")
                ))?;
            }
            Dialect::Mysql => {
                self.execute(&format!("CREATE DATABASE `{}`", name.replace('`', "``")))?;
            }
            Dialect::Sqlite => {}
        }
        Ok(self.url.with_database(name))
    }

    /// Drops database `name` (forcing other sessions off on PostgreSQL).
    pub fn drop_database(&mut self, name: &str) -> Result<(), LiveError> {
        match self.dialect() {
            Dialect::Postgres => {
                self.execute(&format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    name.replace('"', "\"\"")
                ))?;
            }
            Dialect::Mysql => {
                self.execute(&format!(
                    "DROP DATABASE IF EXISTS `{}`",
                    name.replace('`', "``")
                ))?;
            }
            Dialect::Sqlite => {
                let _ = std::fs::remove_file(name);
            }
        }
        Ok(())
    }
}

/// Driver messages sometimes echo the connection string; never let a password through.
fn scrub(message: &str, url: &DbUrl) -> String {
    let mut out = message.replace(url.secret(), &url.to_string());
    if let Ok(u) = url::Url::parse(url.secret())
        && let Some(pw) = u.password()
        && !pw.is_empty()
    {
        out = out.replace(pw, "***");
    }
    out
}

/// Oids of the text types (`text`, `name`, `varchar`, `bpchar`): their values are their UTF-8
/// bytes in both wire formats.
const PG_TEXT_OIDS: [u32; 4] = [25, 19, 1043, 1042];

fn pg_row(row: &sqlx::postgres::PgRow) -> TextRow {
    (0..row.columns().len())
        .map(|i| {
            Some(match pg_cell(row, i)? {
                PgCell::Text(s) => s.to_owned(),
                PgCell::Other(s) => s,
            })
        })
        .collect()
}

/// A cell of a PostgreSQL row as text: borrowed when the value is text on the wire.
pub(crate) enum PgCell<'r> {
    Text(&'r str),
    Other(String),
}

impl PgCell<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            PgCell::Text(s) => s,
            PgCell::Other(s) => s,
        }
    }
}

/// Values of this type are text on the wire, in both formats.
pub(crate) fn is_pg_text(t: &sqlx::postgres::PgTypeInfo) -> bool {
    t.oid().is_some_and(|oid| PG_TEXT_OIDS.contains(&oid.0))
}

/// Cell `i` of `row` as text, `None` for NULL.
pub(crate) fn pg_cell(row: &sqlx::postgres::PgRow, i: usize) -> Option<PgCell<'_>> {
    let raw = row.try_get_raw(i).ok()?;
    if raw.is_null() {
        return None;
    }
    // The catalog queries select text: read its bytes without `try_get`'s per-cell type
    // check and decoder lookup (a tenth of a large introspection's client time).
    if is_pg_text(&raw.type_info())
        && let Ok(s) = raw.as_str()
    {
        return Some(PgCell::Text(s));
    }
    row.try_get::<String, _>(i)
        .ok()
        .or_else(|| row.try_get::<i64, _>(i).ok().map(|v| v.to_string()))
        .or_else(|| row.try_get::<i32, _>(i).ok().map(|v| v.to_string()))
        .or_else(|| row.try_get::<i16, _>(i).ok().map(|v| v.to_string()))
        .or_else(|| row.try_get::<bool, _>(i).ok().map(|v| v.to_string()))
        .or_else(|| row.try_get::<f64, _>(i).ok().map(|v| v.to_string()))
        .or_else(|| {
            row.try_get::<Vec<String>, _>(i)
                .ok()
                .map(|v| v.join("\u{1f}"))
        })
        .or_else(|| row.try_get::<i8, _>(i).ok().map(|v| v.to_string()))
        .map(PgCell::Other)
}

fn my_row(row: &sqlx::mysql::MySqlRow) -> TextRow {
    (0..row.columns().len())
        .map(|i| {
            if row.try_get_raw(i).map(|v| v.is_null()).unwrap_or(true) {
                return None;
            }
            row.try_get::<String, _>(i)
                .ok()
                .or_else(|| row.try_get::<i64, _>(i).ok().map(|v| v.to_string()))
                .or_else(|| row.try_get::<u64, _>(i).ok().map(|v| v.to_string()))
                .or_else(|| row.try_get::<f64, _>(i).ok().map(|v| v.to_string()))
                .or_else(|| {
                    row.try_get::<Vec<u8>, _>(i)
                        .ok()
                        .map(|v| String::from_utf8_lossy(&v).into_owned())
                })
        })
        .collect()
}

fn lite_row(row: &sqlx::sqlite::SqliteRow) -> TextRow {
    (0..row.columns().len())
        .map(|i| {
            if row.try_get_raw(i).map(|v| v.is_null()).unwrap_or(true) {
                return None;
            }
            row.try_get::<String, _>(i)
                .ok()
                .or_else(|| row.try_get::<i64, _>(i).ok().map(|v| v.to_string()))
                .or_else(|| row.try_get::<f64, _>(i).ok().map(|v| v.to_string()))
                .or_else(|| {
                    row.try_get::<Vec<u8>, _>(i)
                        .ok()
                        .map(|v| String::from_utf8_lossy(&v).into_owned())
                })
        })
        .collect()
}

/// The runtime, PostgreSQL connection and URL behind a `Db`, for the PostgreSQL catalog reader,
/// which runs its queries over extra connections of its own as well (`postgres::fetch`).
pub(crate) type PgParts<'a> = (
    &'a tokio::runtime::Runtime,
    &'a mut sqlx::PgConnection,
    &'a DbUrl,
);

impl Db {
    pub(crate) fn pg_parts(&mut self) -> Option<PgParts<'_>> {
        match &mut self.conn {
            Conn::Pg(c) => Some((&self.rt, c, &self.url)),
            _ => None,
        }
    }
}

/// `Db::query_err` for a connection that is not a `Db`'s.
pub(crate) fn pg_query_error(url: &DbUrl, sql: &str, e: &sqlx::Error) -> LiveError {
    let sql = if sql.len() > 400 {
        format!("{}...", &sql[..sql.floor_char_boundary(400)])
    } else {
        sql.to_string()
    };
    LiveError::Query {
        url: url.to_string(),
        sql,
        message: scrub(&e.to_string(), url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_never_shown() {
        let u = DbUrl::parse("postgres://bob:s3cret@localhost:5432/app").unwrap();
        assert_eq!(u.to_string(), "postgres://bob:***@localhost:5432/app");
        assert!(!format!("{u:?}").contains("s3cret"));
        assert_eq!(redact_url("mysql://root:pw@h/db"), "mysql://root:***@h/db");
    }

    #[test]
    fn mariadb_scheme_and_database() {
        let u = DbUrl::parse("mariadb://root@127.0.0.1:3306/test").unwrap();
        assert_eq!(u.dialect, Dialect::Mysql);
        assert_eq!(u.database().as_deref(), Some("test"));
        assert_eq!(
            u.with_database("scratch").database().as_deref(),
            Some("scratch")
        );
        assert!(DbUrl::parse("oracle://x").is_err());
        assert_eq!(
            DbUrl::parse("sqlite:///tmp/a.db")
                .unwrap()
                .database()
                .as_deref(),
            Some("/tmp/a.db")
        );
    }
}
