//! Proving a migration on a scratch database: load FROM, apply up, introspect equals TO, apply
//! down, introspect equals FROM.

use crate::{ApplyError, apply};
use migrex_model::{Dialect, Renames, Schema};
use migrex_render_sql::{RenderedStep, render_plan};
use migrex_source_live::{Db, DbUrl};
use serde::Serialize;

/// Where the scratch database lives.
#[derive(Debug, Clone)]
pub enum Scratch {
    /// A temporary SQLite file (the default for SQLite).
    SqliteTemp,
    /// A server named by a `--dev` URL: a uniquely named database is created there and dropped after.
    Server(String),
}

/// The verdict of `verify`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VerifyReport {
    pub ok: bool,
    pub dialect: Dialect,
    /// The scratch database used (password redacted).
    pub scratch: String,
    pub up_steps: usize,
    pub down_steps: usize,
    /// Each stage in order with its outcome.
    pub stages: Vec<StageReport>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StageReport {
    pub name: String,
    pub ok: bool,
    /// What differed (changes still needed to reach the expected schema), or the error.
    pub differences: Vec<String>,
}

/// A scratch database dropped when this value goes away.
struct ScratchDb {
    url: DbUrl,
    admin: Option<Db>,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl ScratchDb {
    fn create(dialect: Dialect, scratch: &Scratch) -> Result<ScratchDb, ApplyError> {
        let name = format!(
            "migrex_verify_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() % 1_000_000_000)
                .unwrap_or(0)
        );
        match scratch {
            Scratch::SqliteTemp => {
                if dialect != Dialect::Sqlite {
                    return Err(ApplyError::Other(format!(
                        "verifying a {dialect} migration needs a scratch server: pass --dev {}://user@host/db",
                        dialect.name()
                    )));
                }
                let dir = tempfile::tempdir()
                    .map_err(|e| ApplyError::Other(format!("cannot create a temp dir: {e}")))?;
                let path = dir.path().join(format!("{name}.db"));
                let url = DbUrl::parse(&format!("sqlite://{}", path.display()))?;
                Ok(ScratchDb {
                    url,
                    admin: None,
                    name,
                    _dir: Some(dir),
                })
            }
            Scratch::Server(url) => {
                let parsed = DbUrl::parse(url)?;
                if parsed.dialect != dialect {
                    return Err(ApplyError::Other(format!(
                        "--dev {} is a {} server but the schemas are {dialect}",
                        parsed, parsed.dialect
                    )));
                }
                if dialect == Dialect::Sqlite {
                    return ScratchDb::create(dialect, &Scratch::SqliteTemp);
                }
                let mut admin = Db::connect_url(parsed)?;
                let url = admin.create_database(&name)?;
                Ok(ScratchDb {
                    url,
                    admin: Some(admin),
                    name,
                    _dir: None,
                })
            }
        }
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if let Some(admin) = &mut self.admin {
            let _ = admin.drop_database(&self.name);
        }
    }
}

/// Proves `plan(from, to)` on a scratch database (see the module doc). Runtime failures (cannot
/// reach the server) are `Err`; a migration that does not do what it should is `ok: false`.
pub fn verify(
    from: &Schema,
    to: &Schema,
    renames: &Renames,
    scratch: &Scratch,
) -> Result<VerifyReport, ApplyError> {
    let up = render_plan(&migrex_diff::plan(from, to, renames)).map_err(|e| e.to_string());
    let down = render_plan(&migrex_diff::down(from, to, renames)).map_err(|e| e.to_string());
    run(from, to, up, down, scratch)
}

/// `verify` of a migration already rendered: the steps exactly as they will run (an online
/// plan's concurrent builds, NOT VALID constraints and batched backfills, or a plan for a given
/// server version), not a plan made again from the schemas.
pub fn verify_rendered(
    from: &Schema,
    to: &Schema,
    up: &[RenderedStep],
    down: &[RenderedStep],
    scratch: &Scratch,
) -> Result<VerifyReport, ApplyError> {
    run(from, to, Ok(up.to_vec()), Ok(down.to_vec()), scratch)
}

type Steps = Result<Vec<RenderedStep>, String>;

fn run(
    from: &Schema,
    to: &Schema,
    up: Steps,
    down: Steps,
    scratch: &Scratch,
) -> Result<VerifyReport, ApplyError> {
    let dialect = to.dialect;
    let sdb = ScratchDb::create(dialect, scratch)?;
    let mut db = Db::connect_url(sdb.url.clone())?;
    let count = |s: &Steps| s.as_ref().map_or(0, Vec::len);
    let mut report = VerifyReport {
        ok: false,
        dialect,
        scratch: sdb.url.to_string(),
        up_steps: count(&up),
        down_steps: count(&down),
        stages: Vec::new(),
    };
    let load = render_plan(&migrex_diff::plan(
        &Schema::new(dialect),
        from,
        &Renames::default(),
    ))
    .map_err(|e| e.to_string());
    let stages: [(&str, Steps, &Schema); 3] = [
        ("load FROM", load, from),
        ("apply up, compare with TO", up, to),
        ("apply down, compare with FROM", down, from),
    ];
    for (name, steps, expected) in stages {
        let outcome = run_stage(&mut db, steps, expected);
        let ok = outcome.is_empty();
        report.stages.push(StageReport {
            name: name.to_string(),
            ok,
            differences: outcome,
        });
        if !ok {
            return Ok(report);
        }
    }
    report.ok = true;
    Ok(report)
}

/// Applies rendered steps and compares the database with `expected`; returns the differences.
fn run_stage(db: &mut Db, steps: Steps, expected: &Schema) -> Vec<String> {
    let steps = match steps {
        Ok(s) => s,
        Err(e) => return vec![format!("cannot render: {e}")],
    };
    if let Err(e) = apply(db, &steps) {
        return vec![e.to_string()];
    }
    match db.introspect() {
        Ok(actual) => migrex_diff::diff(&actual.schema, expected, &Renames::default())
            .iter()
            .map(|c| format!("still needed: {}", c.describe()))
            .collect(),
        Err(e) => vec![format!("cannot introspect: {e}")],
    }
}
