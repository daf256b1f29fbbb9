//! migrex as a library: the pipeline's entry points in one place (what the CLI and, later, the
//! MCP server call).
//!
//! `load` reads a SOURCE (a DDL file or a database URL) into the model; `migration` diffs two
//! loaded schemas into up and down plans with their SQL; `inspect_sql` renders a schema as DDL;
//! `verify` proves a migration on a scratch database.
//!
//! Renames: `merge_renames` merges the DDL's `-- @renamed` hints with `--rename` arguments;
//! `rename_candidates` lists likely renames (for a caller that can ask a person; this crate
//! never asks); `migration_with` plans with the confirmed renames and turns every likely rename
//! left unconfirmed (and not declined) into a warning giving the argument that confirms it.

pub use migrex_apply::{ApplyReport, Scratch, VerifyReport};
pub use migrex_diagnostics::{Diagnostic, Severity};
pub use migrex_model as model;
pub use migrex_render_sql::{RenderedStep, to_script};
pub use migrex_source_live::{Db, DbUrl, redact_url, set_concurrent_reads};
pub use renames::{RenameArg, merge_renames, rename_option, rename_question};

mod advice;
mod live_rules;
mod orm;
mod renames;
mod reprint;

pub use migrex_source_orm::{Framework, Project};
pub use orm::{
    OrmPlans, OutputFile, Source, Target, align_sources, default_out_dir, load_project,
    load_source, orm_dialect, orm_source, write_orm_migration, write_orm_models, write_orm_plans,
};

pub use advice::{
    AdviceMeasurement, QueryCost, UnusedIndex, measure_advice, recorded_workload, unused_indexes,
};
pub use live_rules::live_findings;
pub use migrex_analyze as analyze;
pub use reprint::{
    align_column_defaults, align_index_expressions, align_view_definitions, align_with_live,
    needs_server_printing,
};

use migrex_model::{Dialect, Loaded, Plan, RenameCandidate, Renames, Schema, Warning};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed input, with the source text for a snippet.
    #[error("{diagnostic_line}")]
    Input {
        diagnostic: Diagnostic,
        source_text: String,
        diagnostic_line: String,
    },
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Live(#[from] migrex_source_live::LiveError),
    #[error(transparent)]
    Render(#[from] migrex_render_sql::RenderError),
    #[error(transparent)]
    Apply(#[from] migrex_apply::ApplyError),
}

impl Error {
    /// The error as a person should read it (with a source snippet for input errors).
    pub fn render(&self) -> String {
        match self {
            Error::Input {
                diagnostic,
                source_text,
                ..
            } => migrex_diagnostics::render(diagnostic, source_text),
            other => format!("error: {other}"),
        }
    }
}

/// True when SOURCE names a database rather than a file.
pub fn is_url(source: &str) -> bool {
    DbUrl::looks_like_url(source)
}

/// The dialect a SOURCE is known to have without reading a file: URLs say it.
pub fn url_dialect(source: &str) -> Option<Dialect> {
    is_url(source)
        .then(|| DbUrl::parse(source).ok().map(|u| u.dialect))
        .flatten()
}

/// Reads a SOURCE. An ORM project (`django:PATH`, or a folder) is read for the dialect given,
/// else the one it is configured for, else SQLite. A file needs a dialect: the one given, or one inferred from its text
/// (`infer_dialect`); an ambiguous file is a usage error asking for `--dialect`.
pub fn load(source: &str, dialect: Option<Dialect>) -> Result<Loaded, Error> {
    if let Some((framework, path)) = orm_source(source)? {
        return Ok(load_project(framework, &path, dialect)?.loaded);
    }
    if is_url(source) {
        let mut db = Db::connect(source)?;
        if let Some(d) = dialect
            && d != db.dialect()
        {
            return Err(Error::Usage(format!(
                "{} is a {} database but --dialect {d} was given",
                redact_url(source),
                db.dialect()
            )));
        }
        let mut loaded = db.introspect()?;
        // migrex's own bookkeeping (`migrex apply`) is not part of the user's schema: a diff
        // against the DDL it came from must not propose dropping it.
        for ns in loaded.schema.namespaces.values_mut() {
            ns.tables
                .retain(|name, _| !migrex_apply::BOOKKEEPING_TABLES.contains(&name.as_str()));
        }
        return Ok(loaded);
    }
    let path = Path::new(source);
    let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
        path: source.to_string(),
        message: e.to_string(),
    })?;
    let dialect = match dialect {
        Some(d) => d,
        None => infer_dialect(&text).ok_or_else(|| {
            Error::Usage(format!(
                "cannot tell the dialect of {source}: pass --dialect postgres|mysql|sqlite"
            ))
        })?,
    };
    parse_sql(&text, dialect, source)
}

/// Reads DDL text.
pub fn parse_sql(text: &str, dialect: Dialect, file: &str) -> Result<Loaded, Error> {
    migrex_source_sql::parse(text, dialect, file).map_err(|e| {
        let diagnostic = Diagnostic {
            severity: Severity::Error,
            file: e.file.clone(),
            line: e.line,
            column: e.column,
            message: e.message.clone(),
        };
        Error::Input {
            diagnostic,
            source_text: text.to_string(),
            diagnostic_line: e.to_string(),
        }
    })
}

/// Guesses a DDL file's dialect from syntax only one dialect has; `None` when nothing tells.
pub fn infer_dialect(sql: &str) -> Option<Dialect> {
    let lower = sql.to_ascii_lowercase();
    let score = |needles: &[&str]| needles.iter().filter(|n| lower.contains(*n)).count();
    let mysql = score(&[
        "`",
        "auto_increment",
        "engine=",
        "engine =",
        "unsigned",
        "default charset",
        "delimiter ",
        "tinyint",
        "mediumtext",
        "longtext",
    ]);
    let pg = score(&[
        "serial",
        "::",
        "$$",
        "create extension",
        "bytea",
        "jsonb",
        "create type",
        "timestamptz",
        "public.",
        "owner to",
        "create schema",
        "generated always as identity",
        "character varying",
    ]);
    let sqlite = score(&["autoincrement", "without rowid", "pragma ", ") strict"]);
    let best = [
        (Dialect::Mysql, mysql),
        (Dialect::Postgres, pg),
        (Dialect::Sqlite, sqlite),
    ];
    let max = best.iter().map(|b| b.1).max().unwrap_or(0);
    let winners: Vec<_> = best.iter().filter(|b| b.1 == max).collect();
    (max > 0 && winners.len() == 1).then(|| winners[0].0)
}

/// How a plan is built beyond the two schemas and their renames.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Expand, backfill and contract with online DDL (`diff --online`) instead of the plain plan.
    pub online: bool,
    /// The server the plan is for: lock facts depend on flavor and version. None: read from a
    /// live source, else the oldest supported release of the dialect.
    pub target: Option<migrex_safety::Target>,
    /// Online plans: rows per backfill batch (default 1000).
    pub batch_size: Option<u32>,
    /// Online plans: the lock timeout set before every step, in milliseconds (default 2000).
    pub lock_timeout_ms: Option<u64>,
    /// Online plans: keep a column rename one `RENAME COLUMN` (running code that names the old
    /// column fails from then on) instead of expand/contract.
    pub plain_renames: bool,
}

/// An up and a down migration between two schemas.
#[derive(Debug, Clone, Serialize)]
pub struct Migration {
    pub dialect: Dialect,
    pub up: Plan,
    pub down: Plan,
    pub up_sql: Vec<RenderedStep>,
    pub down_sql: Vec<RenderedStep>,
    pub renames: Renames,
    /// Likely table and column renames nobody confirmed or declined: planned as drop and add,
    /// each with a warning in `warnings`.
    pub rename_candidates: Vec<RenameCandidate>,
    /// The warnings about `rename_candidates`, one per new object (also in `warnings`).
    pub rename_warnings: Vec<Warning>,
    /// The sources' warnings, then `rename_warnings`.
    pub warnings: Vec<Warning>,
}

impl Migration {
    pub fn is_empty(&self) -> bool {
        self.up.steps.is_empty()
    }

    pub fn up_script(&self) -> String {
        to_script(&self.up_sql)
    }

    pub fn down_script(&self) -> String {
        to_script(&self.down_sql)
    }
}

/// Diffs two loaded schemas; renames declared in `to` (`-- @renamed from=`) are honoured.
pub fn migration(from: &Loaded, to: &Loaded) -> Result<Migration, Error> {
    same_dialect(from, to)?;
    let renames = merge_renames(from, to, &[])?;
    migration_with(from, to, &renames, &[])
}

/// The likely renames from `from` to `to` once `renames` are applied (see
/// `migrex_diff::rename_candidates`); only those whose `kind.asks()` need an answer.
pub fn rename_candidates(from: &Loaded, to: &Loaded, renames: &Renames) -> Vec<RenameCandidate> {
    migrex_diff::rename_candidates(&from.schema, &to.schema, renames)
}

/// Diffs two loaded schemas with `renames` (from `merge_renames`, plus what a person
/// confirmed). Each likely table or column rename that is neither in `renames` nor in
/// `declined` stays a drop and an add, with a warning naming the `--rename` argument that would
/// confirm it (and no plan note repeating it).
pub fn migration_with(
    from: &Loaded,
    to: &Loaded,
    renames: &Renames,
    declined: &[RenameCandidate],
) -> Result<Migration, Error> {
    migration_with_options(from, to, renames, declined, &PlanOptions::default())
}

/// `migration_with`, planned with `options`: with `options.online` both the up and the down
/// plan are online plans (`migrex_diff::online`): concurrent index builds, constraints added
/// NOT VALID and validated apart, expand/backfill/contract for rewriting type changes, a lock
/// timeout before every step; `migrex_apply::apply` runs each of their steps in its own
/// transaction and retries lock timeouts.
pub fn migration_with_options(
    from: &Loaded,
    to: &Loaded,
    renames: &Renames,
    declined: &[RenameCandidate],
    options: &PlanOptions,
) -> Result<Migration, Error> {
    same_dialect(from, to)?;
    check_renames(&from.schema, &to.schema, renames)?;
    let dialect = to.schema.dialect;
    let render = migrex_render_sql::OnlineRender {
        lock_timeout_ms: options.lock_timeout_ms.unwrap_or(2000),
    };
    let online = options.online.then(|| {
        let target = options
            .target
            .unwrap_or_else(|| migrex_safety::Target::of_dialect(dialect, None));
        migrex_diff::OnlineOptions {
            pg_major: target.effective_version().major,
            batch_size: options.batch_size.unwrap_or(1000),
            mariadb: target.flavor == migrex_safety::Flavor::Mariadb,
            plain_renames: options.plain_renames,
        }
    });
    // One direction: planned, made online when asked (from the schema it starts from), rendered.
    let direction = |plan: Plan, start: &Schema| -> Result<(Plan, Vec<RenderedStep>), Error> {
        match &online {
            Some(online) => {
                let plan = migrex_diff::online(plan, start, online);
                let sql = migrex_render_sql::render_online_plan(&plan, &render)?;
                Ok((plan, sql))
            }
            None => {
                let sql = migrex_render_sql::render_plan(&plan)?;
                Ok((plan, sql))
            }
        }
    };
    // The two directions are independent: on a large schema each is worth a core.
    let (up, down) = std::thread::scope(|s| {
        let down = s.spawn(|| {
            direction(
                migrex_diff::down(&from.schema, &to.schema, renames),
                &to.schema,
            )
        });
        let up = direction(
            migrex_diff::plan(&from.schema, &to.schema, renames),
            &from.schema,
        );
        let down = down
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (up, down)
    });
    let ((mut up, up_sql), (down, down_sql)) = (up?, down?);
    let candidates: Vec<RenameCandidate> = rename_candidates(from, to, renames)
        .into_iter()
        .filter(|c| c.kind.asks())
        .collect();
    // The differ notes each candidate in DDL-hint terms; the warning below says more.
    let notes: Vec<String> = candidates
        .iter()
        .map(migrex_diff::rename_candidate_note)
        .collect();
    up.notes.retain(|n| !notes.contains(n));
    let mut warnings = from.warnings.clone();
    warnings.extend(to.warnings.iter().cloned());
    let undecided: Vec<RenameCandidate> = candidates
        .into_iter()
        .filter(|c| !declined.contains(c))
        .collect();
    let rename_warnings = rename_warnings(to, &undecided);
    warnings.extend(rename_warnings.iter().cloned());
    Ok(Migration {
        dialect,
        up,
        down,
        up_sql,
        down_sql,
        renames: renames.clone(),
        rename_candidates: undecided,
        rename_warnings,
        warnings,
    })
}

/// One warning per new table or column that likely renames something nobody confirmed: what
/// the plan does instead and the `--rename` argument(s) that would confirm it, located at the
/// table's definition in TO.
pub fn rename_warnings(to: &Loaded, candidates: &[RenameCandidate]) -> Vec<Warning> {
    renames::by_target(candidates)
        .into_iter()
        .map(|group| Warning {
            message: renames::rename_warning(to.schema.dialect, &group),
            location: to
                .provenance
                .locations
                .get(&format!("table {}", group[0].table))
                .cloned(),
        })
        .collect()
}

fn same_dialect(from: &Loaded, to: &Loaded) -> Result<(), Error> {
    if from.schema.dialect != to.schema.dialect {
        return Err(Error::Usage(format!(
            "FROM is {} but TO is {}: both sides must be the same dialect",
            from.schema.dialect, to.schema.dialect
        )));
    }
    Ok(())
}

/// A rename hint whose old name is still in the desired schema contradicts itself (it asks for
/// the object to be renamed away and kept): an error, not a guess. A hint whose old name is gone
/// from the current schema is stale (the rename already ran) and is left to the planner to skip.
fn check_renames(from: &Schema, to: &Schema, renames: &Renames) -> Result<(), Error> {
    for (old, new) in &renames.tables {
        if from.table(old).is_some() && to.table(old).is_some() && old != new {
            return Err(Error::Usage(format!(
                "cannot rename table '{old}' to '{new}' - table '{old}' still exists"
            )));
        }
    }
    for ((table, old), new) in &renames.columns {
        let in_from = renames
            .tables
            .iter()
            .find(|(_, t)| *t == table)
            .map_or(table, |(o, _)| o);
        let old_kept = to.table(table).is_some_and(|t| t.columns.contains_key(old));
        if old_kept
            && from
                .table(in_from)
                .is_some_and(|t| t.columns.contains_key(old))
            && old != new
        {
            return Err(Error::Usage(format!(
                "cannot rename column '{old}' to '{new}' - column '{old}' still exists"
            )));
        }
    }
    Ok(())
}

/// The DDL that recreates `schema` in an empty database of its dialect.
pub fn inspect_sql(schema: &Schema) -> Result<String, Error> {
    let plan = migrex_diff::plan(&Schema::new(schema.dialect), schema, &Renames::default());
    Ok(to_script(&migrex_render_sql::render_plan(&plan)?))
}

/// Proves the migration from `from` to `to` on a scratch database.
pub fn verify(from: &Loaded, to: &Loaded, dev: Option<&str>) -> Result<VerifyReport, Error> {
    verify_with(from, to, &to.renames, dev)
}

/// Proves the migration from `from` to `to` with `renames` on a scratch database.
pub fn verify_with(
    from: &Loaded,
    to: &Loaded,
    renames: &Renames,
    dev: Option<&str>,
) -> Result<VerifyReport, Error> {
    same_dialect(from, to)?;
    let scratch = scratch_of(dev);
    Ok(migrex_apply::verify(
        &from.schema,
        &to.schema,
        renames,
        &scratch,
    )?)
}

/// The scratch database of `verify`: a database created on the `--dev` server, else a temporary
/// SQLite file.
fn scratch_of(dev: Option<&str>) -> Scratch {
    match dev {
        Some(url) => Scratch::Server(url.to_string()),
        None => Scratch::SqliteTemp,
    }
}

/// Proves `migration` as rendered (online or plain, for its server target) on a scratch
/// database: FROM loaded, its up steps give TO, its down steps give FROM again.
pub fn verify_migration(
    migration: &Migration,
    from: &Loaded,
    to: &Loaded,
    dev: Option<&str>,
) -> Result<VerifyReport, Error> {
    same_dialect(from, to)?;
    let scratch = scratch_of(dev);
    Ok(migrex_apply::verify_rendered(
        &from.schema,
        &to.schema,
        &migration.up_sql,
        &migration.down_sql,
        &scratch,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_dialects() {
        assert_eq!(
            infer_dialect("CREATE TABLE `a` (id int AUTO_INCREMENT)"),
            Some(Dialect::Mysql)
        );
        assert_eq!(
            infer_dialect("CREATE TABLE a (id serial, j jsonb)"),
            Some(Dialect::Postgres)
        );
        assert_eq!(
            infer_dialect("CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT)"),
            Some(Dialect::Sqlite)
        );
        assert_eq!(infer_dialect("CREATE TABLE a (id int)"), None);
    }
}
