//! Runs the catalog queries of one introspection, several at once.
//!
//! The connection of the `Db` opens a `REPEATABLE READ READ ONLY` transaction, reads the
//! namespaces and exports its snapshot; more connections to the same URL (`EXTRA`, or a share of
//! them when several reads run at once: `set_concurrent_reads`) run the other queries, the most
//! expensive first, each to the next free connection. Each query (or chain of
//! queries, see `Query::then`) runs in a transaction of its own that imports the snapshot
//! (`SET TRANSACTION SNAPSHOT`): every query sees one and the same catalog, and the locks the
//! catalog functions take (`pg_get_expr` opens the table it reads) are released after each
//! query as they were when the queries ran one by one, instead of piling up in the server's
//! shared lock table. The gain is the server working on several queries at a time.
//!
//! Every query runs with `jit` off (and, on the extra connections, without parallel workers):
//! the planner's cost estimates for catalog joins are high enough to trigger JIT compilation,
//! which costs seconds and saves nothing on a few thousand rows. Settings are changed with
//! `set_config(..., true)`, local to the transaction.
//!
//! Fallbacks: if no extra connection can be opened (e.g. no free connection slots) or the
//! snapshot cannot be exported or imported, all queries run one after the other on the `Db`'s
//! connection, in its one transaction. If that connection is already inside a transaction (a
//! caller's, whose uncommitted changes only it can see), the queries run in that transaction,
//! and the settings changed for them are put back afterwards.

use super::{Row, RowBuilder};
use crate::conn::pg_query_error;
use crate::{Db, DbUrl, LiveError};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Connection};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::Duration;

/// Connections a read opens besides the `Db`'s when it is the only one running.
const EXTRA: usize = 3;

/// How many live reads the process runs at once (`set_concurrent_reads`).
static CONCURRENT_READS: AtomicUsize = AtomicUsize::new(1);

/// Tells the PostgreSQL reader that `n` reads run at once in this process (e.g. `diff` of two
/// databases): each then opens its share of the connections one read alone would. On a server
/// that is also busy with the other reads, more connections only add server processes that each
/// build their own catalog caches (measured: two reads of 1,000 tables take 15% less server CPU
/// with one extra connection each than with three).
pub fn set_concurrent_reads(n: usize) {
    CONCURRENT_READS.store(n.max(1), Ordering::Relaxed);
}

/// Connections opened besides the `Db`'s: at least one, so that each query still runs in a
/// transaction of its own (see the module doc).
fn extra_connections() -> usize {
    ((EXTRA + 1) / CONCURRENT_READS.load(Ordering::Relaxed)).max(2) - 1
}

/// The `search_path` a query runs under.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum SearchPath {
    /// The session's, as the `Db`'s connection has it.
    Session,
    /// `pg_catalog` alone: printed definitions qualify every name outside it.
    Catalog,
}

/// One catalog query. `$1`, when present, is bound to the oids of the namespaces read.
pub(super) struct Query {
    pub(super) key: &'static str,
    pub(super) sql: String,
    pub(super) path: SearchPath,
    /// Relative cost, to start the expensive queries first.
    pub(super) cost: u32,
    /// Queries run right after this one on the same connection.
    next: Vec<Query>,
}

impl Query {
    pub(super) fn new(key: &'static str, cost: u32, sql: impl Into<String>) -> Query {
        Query {
            key,
            sql: sql.into(),
            path: SearchPath::Session,
            cost,
            next: Vec::new(),
        }
    }

    /// Runs `next` right after this query on the same connection, in the same transaction: a
    /// server process caches the tables the catalog functions open, so two queries that open
    /// the same tables are cheaper together.
    pub(super) fn then(mut self, next: Query) -> Query {
        self.next.push(next);
        self
    }

    fn total_cost(&self) -> u32 {
        self.cost + self.next.iter().map(Query::total_cost).sum::<u32>()
    }

    pub(super) fn in_catalog_path(mut self) -> Query {
        self.path = SearchPath::Catalog;
        self
    }
}

/// The rows of every query, by key.
pub(super) struct Results(HashMap<&'static str, Vec<Row>>);

impl Results {
    /// The rows of query `key` (empty when there was no such query).
    pub(super) fn take(&mut self, key: &str) -> Vec<Row> {
        self.0.remove(key).unwrap_or_default()
    }
}

/// What the first queries on the `Db`'s connection tell.
pub(super) struct Start {
    pub(super) version: i64,
    /// The rows of the first query (the namespaces).
    pub(super) first: Vec<Row>,
}

/// Runs `first` on the `Db`'s connection, then the queries `plan` makes from its result, all in
/// one snapshot. `oids` (the `$1` of the planned queries) is also made by `plan`.
pub(super) fn run(
    db: &mut Db,
    first: &str,
    plan: impl FnOnce(&Start) -> (String, Vec<Query>),
) -> Result<(Start, Results), LiveError> {
    let Some((rt, main, url)) = db.pg_parts() else {
        return Err(LiveError::Other(
            "PostgreSQL introspection on a connection that is not PostgreSQL".into(),
        ));
    };
    let url = url.clone();
    rt.block_on(run_async(main, &url, first, plan))
}

/// How the `Db`'s connection takes part.
struct Session {
    /// Already inside a transaction when we came: leave it open, put settings back.
    in_caller_tx: bool,
    search_path: String,
    /// `jit` as it was (`None`: the server has no such setting).
    jit: Option<String>,
    /// The server has `max_parallel_workers_per_gather` (9.6 and later).
    parallel_gather: bool,
}

impl Session {
    /// What an extra connection's transaction sets besides its search path: `set_config` calls
    /// for the settings this server has (asked once here: looking them up in `pg_settings` in
    /// every transaction built the whole settings view each time, 1 ms per query).
    fn local_settings(&self) -> String {
        let mut out = String::new();
        if self.jit.is_some() {
            out.push_str(", set_config('jit', 'off', true)");
        }
        if self.parallel_gather {
            out.push_str(", set_config('max_parallel_workers_per_gather', '0', true)");
        }
        out
    }
}

async fn run_async(
    main: &mut sqlx::PgConnection,
    url: &DbUrl,
    first: &str,
    plan: impl FnOnce(&Start) -> (String, Vec<Query>),
) -> Result<(Start, Results), LiveError> {
    // The extra connections are opened while the main one reads what the plan needs.
    let (extras, setup) = join2(connect_extras(url), start(main, url, first)).await;
    let (session, snapshot, start) = setup?;
    let (oids, queries) = plan(&start);
    let settings = session.local_settings();
    let mut owned: Vec<sqlx::PgConnection> = Vec::new();
    if let Some(snapshot) = &snapshot {
        let probed = join_all(
            extras
                .into_iter()
                .map(|c| probe_snapshot(c, snapshot, &settings))
                .collect(),
        )
        .await;
        owned = probed.into_iter().flatten().collect();
    }
    let mut workers: Vec<Worker> = Vec::new();
    for c in &mut owned {
        workers.push(Worker {
            conn: c,
            path: SearchPath::Session,
            snapshot: snapshot.as_deref(),
        });
    }
    // The main connection holds the snapshot and works only when it is alone.
    if workers.is_empty() {
        workers.push(Worker {
            conn: &mut *main,
            path: SearchPath::Session,
            snapshot: None,
        });
    }
    let result = run_queries(
        &mut workers,
        Shared::new(url, &oids, &session.search_path, &settings, queries),
    )
    .await;
    drop(workers);
    join_all(owned.into_iter().map(|c| c.close()).collect()).await;
    let end = finish(main, url, &session, result.is_ok()).await;
    let results = result?;
    end?;
    Ok((start, results))
}

async fn start(
    main: &mut sqlx::PgConnection,
    url: &DbUrl,
    first: &str,
) -> Result<(Session, Option<String>, Start), LiveError> {
    // Outside a transaction block each statement is its own transaction and starts with it;
    // inside one, the statement starts later than the transaction did. (Simple query protocol:
    // in the extended one, Execute restarts the statement's clock after Bind started the
    // transaction.)
    let sql = "SELECT current_setting('server_version_num'), current_setting('search_path'), \
                      (statement_timestamp() <> transaction_timestamp())::text, \
                      current_setting('jit', true), \
                      current_setting('max_parallel_workers_per_gather', true)";
    let row: Vec<Row> = sqlx::raw_sql(sql)
        .fetch_all(&mut *main)
        .await
        .map(|rows| {
            let mut builder = RowBuilder::default();
            rows.iter().map(|r| builder.build(r)).collect()
        })
        .map_err(|e| pg_query_error(url, sql, &e))?;
    let row = row.first().cloned().unwrap_or_default();
    let cell = |i: usize| row.get(i).map(str::to_string);
    let session = Session {
        in_caller_tx: cell(2).as_deref() == Some("true"),
        search_path: cell(1).unwrap_or_default(),
        jit: cell(3),
        parallel_gather: cell(4).is_some(),
    };
    let version = cell(0).and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut snapshot = None;
    if !session.in_caller_tx {
        exec(main, url, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        match fetch(main, url, "SELECT pg_export_snapshot()", None).await {
            Ok(rows) => snapshot = rows.first().and_then(|r| r.get(0)).map(str::to_string),
            Err(_) => {
                // No snapshot to share (a server that cannot export one): one connection.
                exec(main, url, "ROLLBACK").await?;
                exec(main, url, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
            }
        }
    }
    if session.jit.is_some()
        && let Err(e) = exec(main, url, "SELECT set_config('jit', 'off', true)").await
    {
        abandon(main, &session).await;
        return Err(e);
    }
    match fetch(main, url, first, None).await {
        Ok(first) => Ok((session, snapshot, Start { version, first })),
        Err(e) => {
            abandon(main, &session).await;
            Err(e)
        }
    }
}

/// Ends the transaction this module opened, or puts back the settings it changed in the
/// caller's.
async fn finish(
    main: &mut sqlx::PgConnection,
    url: &DbUrl,
    session: &Session,
    ok: bool,
) -> Result<(), LiveError> {
    if !session.in_caller_tx {
        return exec(main, url, if ok { "COMMIT" } else { "ROLLBACK" }).await;
    }
    let mut sql = "SELECT set_config('search_path', $1, true)".to_string();
    let mut params = vec![session.search_path.as_str()];
    if let Some(jit) = &session.jit {
        sql.push_str(", set_config('jit', $2, true)");
        params.push(jit);
    }
    let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
    for p in params {
        q = q.bind(p.to_string());
    }
    q.execute(&mut *main)
        .await
        .map(|_| ())
        .map_err(|e| pg_query_error(url, &sql, &e))
}

/// After a failure in `start`: ends the transaction this module opened.
async fn abandon(main: &mut sqlx::PgConnection, session: &Session) {
    if !session.in_caller_tx {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *main).await;
    }
}

async fn connect_extras(url: &DbUrl) -> Vec<sqlx::PgConnection> {
    let connect = |_| async {
        let fut = sqlx::PgConnection::connect(url.secret());
        match tokio::time::timeout(Duration::from_secs(5), fut).await {
            Ok(Ok(c)) => Some(c),
            // Not a failure of the introspection: it runs on fewer connections.
            _ => None,
        }
    };
    join_all((0..extra_connections()).map(connect).collect())
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// The statements that start a transaction of an extra connection: in the main one's
/// snapshot, with `path` as search path, no JIT and no parallel workers (the reader runs its
/// own queries side by side; a worker process per query costs more than it saves on a catalog).
fn prologue(snapshot: &str, path: &str, settings: &str) -> String {
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}; \
         SELECT set_config('search_path', {}, true){settings}",
        lit(snapshot),
        lit(path)
    )
}

/// `Some(c)` if connection `c` can import the snapshot (it is not used otherwise).
async fn probe_snapshot(
    mut c: sqlx::PgConnection,
    snapshot: &str,
    settings: &str,
) -> Option<sqlx::PgConnection> {
    let sql = format!("{}; COMMIT", prologue(snapshot, "pg_catalog", settings));
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut c)
        .await
        .ok()?;
    Some(c)
}

/// A connection that runs queries.
struct Worker<'c> {
    conn: &'c mut sqlx::PgConnection,
    /// The search path its transaction has now.
    path: SearchPath,
    /// `Some`: an extra connection, which runs each query in a transaction of its own in this
    /// snapshot; `None`: the main connection, in its one transaction.
    snapshot: Option<&'c str>,
}

/// What the workers share.
struct Shared<'a> {
    url: &'a DbUrl,
    oids: &'a str,
    search_path: &'a str,
    /// `Session::local_settings`.
    settings: &'a str,
    /// Popped from the end: the most expensive last.
    queue: RefCell<Vec<Query>>,
    results: RefCell<HashMap<&'static str, Vec<Row>>>,
    failed: RefCell<Option<LiveError>>,
}

impl<'a> Shared<'a> {
    fn new(
        url: &'a DbUrl,
        oids: &'a str,
        search_path: &'a str,
        settings: &'a str,
        mut queries: Vec<Query>,
    ) -> Shared<'a> {
        queries.sort_by_key(Query::total_cost);
        Shared {
            url,
            oids,
            search_path,
            settings,
            queue: RefCell::new(queries),
            results: RefCell::new(HashMap::new()),
            failed: RefCell::new(None),
        }
    }
}

async fn run_queries(workers: &mut [Worker<'_>], shared: Shared<'_>) -> Result<Results, LiveError> {
    join_all(workers.iter_mut().map(|w| work(w, &shared)).collect()).await;
    if let Some(e) = shared.failed.into_inner() {
        return Err(e);
    }
    Ok(Results(shared.results.into_inner()))
}

/// Runs queries from the queue on one connection until the queue is empty or a query failed.
async fn work(w: &mut Worker<'_>, shared: &Shared<'_>) {
    loop {
        if shared.failed.borrow().is_some() {
            return;
        }
        let Some(q) = shared.queue.borrow_mut().pop() else {
            return;
        };
        if let Err(e) = run_chain(w, shared, q).await {
            shared.failed.borrow_mut().get_or_insert(e);
            return;
        }
    }
}

/// Runs a query and those chained to it, in a transaction of their own on an extra connection.
async fn run_chain(w: &mut Worker<'_>, shared: &Shared<'_>, q: Query) -> Result<(), LiveError> {
    if let Some(snapshot) = w.snapshot {
        let sql = prologue(snapshot, path_value(q.path, shared), shared.settings);
        sqlx::raw_sql(AssertSqlSafe(sql.clone()))
            .execute(&mut *w.conn)
            .await
            .map_err(|e| pg_query_error(shared.url, &sql, &e))?;
        w.path = q.path;
    }
    let mut chain = vec![q];
    while let Some(q) = chain.pop() {
        let rows = run_one(w, shared, &q).await?;
        shared.results.borrow_mut().insert(q.key, rows);
        chain.extend(q.next.into_iter().rev());
    }
    if w.snapshot.is_some() {
        exec(w.conn, shared.url, "COMMIT").await?;
    }
    Ok(())
}

fn path_value<'a>(path: SearchPath, shared: &Shared<'a>) -> &'a str {
    match path {
        SearchPath::Session => shared.search_path,
        SearchPath::Catalog => "pg_catalog",
    }
}

async fn run_one(
    w: &mut Worker<'_>,
    shared: &Shared<'_>,
    q: &Query,
) -> Result<Vec<Row>, LiveError> {
    if q.path != w.path {
        let sql = "SELECT set_config('search_path', $1, true)";
        sqlx::query(sql)
            .bind(path_value(q.path, shared).to_string())
            .execute(&mut *w.conn)
            .await
            .map_err(|e| pg_query_error(shared.url, sql, &e))?;
        w.path = q.path;
    }
    let bind = q.sql.contains("$1").then_some(shared.oids);
    fetch(w.conn, shared.url, &q.sql, bind).await
}

async fn fetch(
    conn: &mut sqlx::PgConnection,
    url: &DbUrl,
    sql: &str,
    param: Option<&str>,
) -> Result<Vec<Row>, LiveError> {
    let mut q = sqlx::query(AssertSqlSafe(sql.to_string()));
    if let Some(p) = param {
        q = q.bind(p.to_string());
    }
    // Each row is made a `Row` as it arrives: its wire buffer goes back to the connection at
    // once instead of all of a query's rows being held twice.
    let mut stream = q.fetch(conn);
    let mut builder = RowBuilder::default();
    let mut rows = Vec::new();
    while let Some(row) = stream
        .try_next()
        .await
        .map_err(|e| pg_query_error(url, sql, &e))?
    {
        rows.push(builder.build(&row));
    }
    Ok(rows)
}

async fn exec(
    conn: &mut sqlx::PgConnection,
    url: &DbUrl,
    sql: &'static str,
) -> Result<(), LiveError> {
    sqlx::raw_sql(sql)
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(|e| pg_query_error(url, sql, &e))
}

/// Polls the futures side by side on this thread until all are done.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// `join_all` of two futures of different types.
async fn join2<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    let (mut a, mut b) = (Box::pin(a), Box::pin(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                ra = x;
                rb = y;
                Poll::Pending
            }
        }
    })
    .await
}
