//! `migrex plan`: the migration with what each step does to a running database (locks, what
//! they block and for how long, rewrite or scan, transaction), its risk, a duration estimate,
//! its rollback and a query that verifies it.

use crate::{DialectArg, RenameOpts, decide_renames, load_pair, print_rename_warnings};
use clap::{Args, ValueEnum};
use migrex::model::{Change, Dialect, Plan};
use migrex_safety::{
    Assumptions, Flavor, LockSpan, Severity, StepSafety, TableSize, TableStats, Target, Version,
    analyze_with, verification_query,
};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FlavorArg {
    Mysql,
    Mariadb,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Info,
    Warning,
    Error,
    None,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Args)]
pub struct PlanArgs {
    /// The current schema: a .sql file or a database URL (a URL also gives the server version
    /// and the table sizes).
    from: String,
    /// The desired schema: a .sql file or a database URL.
    to: String,
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// The server version the plan runs on (`16.4`, `8.0.36`, `10.11.6`); default: FROM's when it
    /// is a URL, else the oldest supported (PostgreSQL 12, MySQL 8.0.0, MariaDB 10.11).
    #[arg(long, value_name = "V")]
    server_version: Option<String>,
    /// MySQL or MariaDB (they differ in online DDL); default: FROM's when it is a URL, else mysql.
    #[arg(long, value_enum)]
    flavor: Option<FlavorArg>,
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Exit 1 when a step's risk reaches this level (`none`: always exit 0).
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Plan with online DDL (expand, backfill, contract) instead of the plain plan.
    #[arg(long)]
    online: bool,
    /// With --online: rename columns with one RENAME COLUMN instead of expand/contract
    /// (running code that names the old column fails from the rename on).
    #[arg(long, requires = "online")]
    plain_renames: bool,
    #[command(flatten)]
    renames: RenameOpts,
}

#[derive(Serialize)]
struct LockReport {
    table: String,
    level: &'static str,
    blocks_reads: bool,
    blocks_writes: bool,
    /// `brief` (catalog only) or `statement` (held while the table is scanned or rewritten).
    span: LockSpan,
}

#[derive(Serialize)]
struct Rollback {
    /// The down step's SQL, when one down step undoes exactly this step.
    sql: Vec<String>,
    /// True when no single down step matches: the rollback is the whole down script.
    whole_down_script: bool,
}

#[derive(Serialize)]
struct StepOut {
    id: usize,
    phase: migrex::model::Phase,
    description: String,
    sql: Vec<String>,
    transactional: bool,
    locks: Vec<LockReport>,
    rewrites: bool,
    scans: bool,
    can_fail_on_data: bool,
    loses_data: bool,
    /// MySQL/MariaDB: the algorithm the server uses.
    algorithm: Option<migrex_safety::MysqlAlgorithm>,
    refused: Option<String>,
    risk: Severity,
    reasons: Vec<migrex_safety::Reason>,
    /// Seconds at the assumed throughput; null when a table's size is unknown.
    duration_seconds: Option<f64>,
    rollback: Rollback,
    /// A SELECT that is true when the step's effect is present (null: no catalog check).
    verify: Option<String>,
    notes: Vec<String>,
    /// True when part of the analysis is an assumption (said in `notes`).
    assumed: bool,
}

#[derive(Serialize)]
struct TargetOut {
    flavor: Flavor,
    version: String,
    /// `server` (read from FROM), `option` (--server-version) or `default` (oldest supported).
    version_from: &'static str,
}

#[derive(Serialize)]
struct PlanOut {
    dialect: Dialect,
    target: TargetOut,
    /// Whether table sizes were read from FROM (a live database).
    table_sizes: bool,
    assumptions: Assumptions,
    fail_on: &'static str,
    /// The highest risk over all steps (`info` when there are none).
    risk: Severity,
    steps: Vec<StepOut>,
    notes: Vec<String>,
    warnings: Vec<String>,
}

/// What a change is about and which way it goes, to match an up step with the down step that
/// undoes it: (family, direction, identity). Direction `None`: the change is its own kind of
/// inverse (an alter or a rename, from and to swapped).
fn signature(c: &Change) -> Option<(String, Option<bool>, String)> {
    use Change as C;
    let id = |kind: &str, create: bool, name: String| Some((kind.to_string(), Some(create), name));
    let sym = |kind: &str, name: String| Some((kind.to_string(), None, name));
    let pair = |a: String, b: String| {
        if a <= b {
            format!("{a}|{b}")
        } else {
            format!("{b}|{a}")
        }
    };
    match c {
        C::CreateTable { name, .. } => id("table", true, name.to_string()),
        C::DropTable { name, .. } => id("table", false, name.to_string()),
        C::AddColumn { table, column } => id("column", true, format!("{table}.{}", column.name)),
        C::DropColumn { table, column } => id("column", false, format!("{table}.{}", column.name)),
        C::CreateIndex { table, index } => id("index", true, format!("{table}.{}", index.name)),
        C::DropIndex { table, index } => id("index", false, format!("{table}.{}", index.name)),
        C::AddPrimaryKey { table, .. } => id("pk", true, table.to_string()),
        C::DropPrimaryKey { table, .. } => id("pk", false, table.to_string()),
        C::AddUnique { table, unique } => id("unique", true, format!("{table}.{unique:?}")),
        C::DropUnique { table, unique } => id("unique", false, format!("{table}.{unique:?}")),
        C::AddForeignKey { table, foreign_key } => {
            id("fk", true, format!("{table}.{foreign_key:?}"))
        }
        C::DropForeignKey { table, foreign_key } => {
            id("fk", false, format!("{table}.{foreign_key:?}"))
        }
        C::AddCheck { table, check } => id("check", true, format!("{table}.{check:?}")),
        C::DropCheck { table, check } => id("check", false, format!("{table}.{check:?}")),
        C::AddExclusion { table, exclusion } => {
            id("excl", true, format!("{table}.{}", exclusion.name))
        }
        C::DropExclusion { table, exclusion } => {
            id("excl", false, format!("{table}.{}", exclusion.name))
        }
        C::CreateView { name, .. } => id("view", true, name.to_string()),
        C::DropView { name, .. } => id("view", false, name.to_string()),
        C::CreateEnum { name, .. } => id("enum", true, name.to_string()),
        C::DropEnum { name, .. } => id("enum", false, name.to_string()),
        C::CreateSequence { name, .. } => id("sequence", true, name.to_string()),
        C::DropSequence { name, .. } => id("sequence", false, name.to_string()),
        C::CreateDomain { name, .. } => id("domain", true, name.to_string()),
        C::DropDomain { name, .. } => id("domain", false, name.to_string()),
        C::CreateCompositeType { name, .. } => id("type", true, name.to_string()),
        C::DropCompositeType { name, .. } => id("type", false, name.to_string()),
        C::CreateFunction { name, function } => id(
            "function",
            true,
            format!("{}.{}", name.namespace, function.identity()),
        ),
        C::DropFunction { name, function } => id(
            "function",
            false,
            format!("{}.{}", name.namespace, function.identity()),
        ),
        C::CreateTrigger { trigger } => id(
            "trigger",
            true,
            format!("{}.{}", trigger.table, trigger.name),
        ),
        C::DropTrigger { trigger } => id(
            "trigger",
            false,
            format!("{}.{}", trigger.table, trigger.name),
        ),
        C::CreatePolicy { table, policy } => id("policy", true, format!("{table}.{}", policy.name)),
        C::DropPolicy { table, policy } => id("policy", false, format!("{table}.{}", policy.name)),
        C::CreateNamespace { name } => id("schema", true, name.clone()),
        C::DropNamespace { name } => id("schema", false, name.clone()),
        C::CreateExtension { extension } => id("extension", true, extension.name.clone()),
        C::DropExtension { extension } => id("extension", false, extension.name.clone()),
        C::AttachPartition { table, .. } => id("partition", true, table.to_string()),
        C::DetachPartition { table, .. } => id("partition", false, table.to_string()),
        C::RenameTable { from, to } => sym("rename table", pair(from.to_string(), to.to_string())),
        C::RenameColumn { from, to, .. } => sym("rename column", pair(from.clone(), to.clone())),
        C::RenameIndex { table, from, to } => sym(
            "rename index",
            format!("{table}.{}", pair(from.clone(), to.clone())),
        ),
        C::RenameConstraint { table, from, to } => sym(
            "rename constraint",
            format!("{table}.{}", pair(from.clone(), to.clone())),
        ),
        C::AlterColumn { table, to, .. } => sym("alter column", format!("{table}.{}", to.name)),
        C::RebuildTable { name, .. } => sym("rebuild", name.to_string()),
        C::AlterTableOptions { table, .. } => sym("options", table.to_string()),
        C::SetTableComment { table, .. } => sym("table comment", table.to_string()),
        C::AlterSequence { name, .. } => sym("alter sequence", name.to_string()),
        C::AlterDomain { name, .. } => sym("alter domain", name.to_string()),
        C::AlterCompositeType { name, .. } => sym("alter type", name.to_string()),
        C::ReplaceFunction { name, to, .. } => sym(
            "replace function",
            format!("{}.{}", name.namespace, to.identity()),
        ),
        C::AlterPolicy { table, to, .. } => sym("alter policy", format!("{table}.{}", to.name)),
        C::RecreateEnum { name, .. } => sym("recreate enum", name.to_string()),
        C::AlterExtension { to, .. } => sym("alter extension", to.name.clone()),
        C::AlterPartitioning { table, .. } => sym("partitioning", table.to_string()),
        C::SetComment { target, .. } => sym("comment", target.describe()),
        C::SetViewComment { name, .. } => sym("view comment", name.to_string()),
        C::SetNamespaceComment { name, .. } => sym("schema comment", name.clone()),
        C::CreateRule { rule } => id("rule", true, format!("{}.{}", rule.table, rule.name)),
        C::DropRule { rule } => id("rule", false, format!("{}.{}", rule.table, rule.name)),
        C::SetClusterOn { table, .. } => sym("cluster mark", table.to_string()),
        _ => None,
    }
}

/// For each up step, the index of the one down step that undoes it (and nothing else does).
fn match_rollbacks(up: &Plan, down: &Plan) -> Vec<Option<usize>> {
    let sigs: Vec<_> = down.steps.iter().map(|s| signature(&s.change)).collect();
    up.steps
        .iter()
        .map(|u| {
            let (fam, dir, ident) = signature(&u.change)?;
            let hits: Vec<usize> = sigs
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.as_ref().is_some_and(|(f, d, i)| {
                        *f == fam && *i == ident && d.zip(dir).is_none_or(|(a, b)| a != b)
                    })
                })
                .map(|(i, _)| i)
                .collect();
            (hits.len() == 1).then(|| hits[0])
        })
        .collect()
}

fn target_of(
    args: &PlanArgs,
    dialect: Dialect,
    server: Option<&str>,
) -> Result<(Target, &'static str), migrex::Error> {
    target_from(dialect, server, args.flavor, args.server_version.as_deref())
}

/// The server a plan is for: `server` (a live FROM's version string) or the dialect's oldest
/// supported release, then --flavor and --server-version on top. Also says where the version
/// came from ("server", "option" or "default").
pub(crate) fn target_from(
    dialect: Dialect,
    server: Option<&str>,
    flavor: Option<FlavorArg>,
    server_version: Option<&str>,
) -> Result<(Target, &'static str), migrex::Error> {
    let mut target = match server {
        Some(text) => Target::from_server_version(dialect, text),
        None => Target::of_dialect(dialect, None),
    };
    let mut from = if server.is_some() && target.version.is_some() {
        "server"
    } else {
        "default"
    };
    if let Some(f) = flavor {
        if dialect != Dialect::Mysql {
            return Err(migrex::Error::Usage(format!(
                "--flavor applies to MySQL/MariaDB, not {dialect}"
            )));
        }
        target.flavor = match f {
            FlavorArg::Mysql => Flavor::Mysql,
            FlavorArg::Mariadb => Flavor::Mariadb,
        };
    }
    if let Some(v) = server_version {
        let parsed = Version::parse(v).ok_or_else(|| {
            migrex::Error::Usage(format!(
                "--server-version {v:?} is not a version (e.g. 16.4, 8.0.36, 10.11.6)"
            ))
        })?;
        target.version = Some(parsed);
        from = "option";
    }
    Ok((target, from))
}

fn fail_on_level(f: FailOn) -> Option<Severity> {
    match f {
        FailOn::Info => Some(Severity::Info),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Error => Some(Severity::Error),
        FailOn::None => None,
    }
}

pub fn run(args: PlanArgs, quiet: bool) -> Result<ExitCode, migrex::Error> {
    let dialect_arg = match args.dialect {
        Some(DialectArg::Mariadb) if args.flavor.is_none() => Some(DialectArg::Mysql),
        d => d,
    };
    let (a, b) = load_pair(&args.from, &args.to, dialect_arg)?;
    crate::print_warnings(quiet, &[&a, &b]);
    let dialect = b.schema.dialect;
    // A live FROM tells the server version and the table sizes.
    let mut stats = TableStats::new();
    let mut server = None;
    if migrex::is_url(&args.from) {
        let mut db = migrex::Db::connect(&args.from)?;
        server = Some(db.server_version()?);
        for s in db.table_stats()? {
            stats.insert(
                s.table,
                TableSize {
                    rows: s.rows,
                    bytes: s.bytes,
                },
            );
        }
    }
    let (mut target, version_from) = target_of(&args, dialect, server.as_deref())?;
    if matches!(args.dialect, Some(DialectArg::Mariadb)) && args.flavor.is_none() {
        target.flavor = Flavor::Mariadb;
    }
    let (renames, declined) = decide_renames(&a, &b, &args.renames)?;
    let options = migrex::PlanOptions {
        online: args.online,
        target: Some(target),
        plain_renames: args.plain_renames,
        ..Default::default()
    };
    let m = migrex::migration_with_options(&a, &b, &renames, &declined, &options)?;
    print_rename_warnings(&m.rename_warnings);
    let assumptions = Assumptions::default();
    let safety = analyze_with(&m.up, &target, &stats, &assumptions);
    let rollbacks = match_rollbacks(&m.up, &m.down);
    let steps: Vec<StepOut> =
        m.up.steps
            .iter()
            .zip(&m.up_sql)
            .zip(safety)
            .zip(rollbacks)
            .map(|(((step, rendered), s), rb)| step_out(step, rendered, s, rb, &m, dialect))
            .collect();
    let risk = steps.iter().map(|s| s.risk).max().unwrap_or(Severity::Info);
    let fail = fail_on_level(args.fail_on);
    let out = PlanOut {
        dialect,
        target: TargetOut {
            flavor: target.flavor,
            version: target.effective_version().to_string(),
            version_from,
        },
        table_sizes: !stats.is_empty(),
        assumptions,
        fail_on: fail.map(Severity::as_str).unwrap_or("none"),
        risk,
        steps,
        notes: m.up.notes.clone(),
        warnings: m.warnings.iter().map(ToString::to_string).collect(),
    };
    match args.format {
        Format::Json => outln!("{}", crate::to_json(&out)),
        Format::Human => out!("{}", human(&out)),
    }
    Ok(match fail {
        Some(level) if out.steps.iter().any(|s| s.risk >= level) => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

fn step_out(
    step: &migrex::model::Step,
    rendered: &migrex::RenderedStep,
    s: StepSafety,
    rollback: Option<usize>,
    m: &migrex::Migration,
    dialect: Dialect,
) -> StepOut {
    let e = s.effect;
    StepOut {
        id: step.id,
        phase: step.phase,
        description: rendered.description.clone(),
        sql: rendered.statements.clone(),
        transactional: rendered.transactional && e.transactional,
        locks: e
            .locks
            .iter()
            .map(|l| LockReport {
                table: l.table.to_string(),
                level: l.level.name(),
                blocks_reads: l.blocks.reads,
                blocks_writes: l.blocks.writes,
                span: l.span,
            })
            .collect(),
        rewrites: e.rewrites,
        scans: e.scans,
        can_fail_on_data: e.can_fail_on_data,
        loses_data: e.loses_data,
        algorithm: e.algorithm,
        refused: e.refused,
        risk: s.risk,
        reasons: s.reasons,
        duration_seconds: s.duration_seconds,
        rollback: match rollback.and_then(|i| m.down_sql.get(i)) {
            Some(r) => Rollback {
                sql: r.statements.clone(),
                whole_down_script: false,
            },
            None => Rollback {
                sql: Vec::new(),
                whole_down_script: true,
            },
        },
        verify: verification_query(&step.change, dialect),
        notes: e.notes,
        assumed: e.assumed,
    }
}

fn duration_words(d: Option<f64>) -> String {
    match d {
        None => "unknown (no table sizes: plan from a live database to estimate)".into(),
        Some(0.0) => "instant once the locks are granted".into(),
        Some(s) if s < 1.0 => "under a second".into(),
        Some(s) if s < 120.0 => format!("~{s:.0} s"),
        Some(s) if s < 7200.0 => format!("~{:.0} min", s / 60.0),
        Some(s) => format!("~{:.1} h", s / 3600.0),
    }
}

fn human(p: &PlanOut) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let flavor = match p.target.flavor {
        Flavor::Postgres => "PostgreSQL",
        Flavor::Mysql => "MySQL",
        Flavor::Mariadb => "MariaDB",
        Flavor::Sqlite => "SQLite",
    };
    let _ = writeln!(
        o,
        "Plan: {} step{} for {flavor} {} ({})",
        p.steps.len(),
        if p.steps.len() == 1 { "" } else { "s" },
        p.target.version,
        match p.target.version_from {
            "server" => "read from FROM",
            "option" => "--server-version",
            _ => "oldest supported; pass --server-version",
        }
    );
    let _ = writeln!(
        o,
        "Durations assume a rewrite at {} MiB/s and a scan at {} MiB/s{}.",
        p.assumptions.rewrite_mib_per_s,
        p.assumptions.scan_mib_per_s,
        if p.table_sizes {
            ", with table sizes read from FROM"
        } else {
            "; no table sizes (FROM is not a live database)"
        }
    );
    for s in &p.steps {
        let _ = writeln!(
            o,
            "\nStep {} [{}] {}  (risk: {})",
            s.id,
            match s.phase {
                migrex::model::Phase::Expand => "expand",
                migrex::model::Phase::Backfill => "backfill",
                migrex::model::Phase::Contract => "contract",
            },
            s.description,
            s.risk
        );
        for stmt in &s.sql {
            let _ = writeln!(o, "  sql:       {}", stmt.replace('\n', "\n             "));
        }
        if s.locks.is_empty() {
            let _ = writeln!(o, "  locks:     none on existing tables");
        }
        for l in &s.locks {
            let blocks = match (l.blocks_reads, l.blocks_writes) {
                (true, _) => "blocks reads and writes",
                (false, true) => "blocks writes",
                _ => "blocks neither reads nor writes",
            };
            let span = match l.span {
                LockSpan::Brief => "briefly (catalog only)",
                LockSpan::Statement => "for the whole statement",
            };
            let _ = writeln!(
                o,
                "  lock:      {} on {}, {blocks} {span}",
                l.level, l.table
            );
        }
        let work = match (s.rewrites, s.scans) {
            (true, _) => "rewrites the table",
            (false, true) => "scans the table",
            _ => "catalog only",
        };
        let _ = writeln!(
            o,
            "  work:      {work}{}; {}",
            match s.algorithm {
                Some(a) => format!(" (ALGORITHM={})", format!("{a:?}").to_ascii_uppercase()),
                None => String::new(),
            },
            if s.transactional {
                "in a transaction"
            } else {
                "outside a transaction (cannot be rolled back with the others)"
            }
        );
        let _ = writeln!(o, "  duration:  {}", duration_words(s.duration_seconds));
        if let Some(r) = &s.refused {
            let _ = writeln!(o, "  REFUSED:   {r}");
        }
        for r in &s.reasons {
            let _ = writeln!(o, "  {:<9}  {}", format!("{}:", r.severity), r.message);
        }
        for n in &s.notes {
            let _ = writeln!(o, "  note:      {n}");
        }
        if s.rollback.whole_down_script {
            let _ = writeln!(
                o,
                "  rollback:  no single down step undoes this one: run the whole down script"
            );
        } else {
            for stmt in &s.rollback.sql {
                let _ = writeln!(o, "  rollback:  {}", stmt.replace('\n', "\n             "));
            }
        }
        match &s.verify {
            Some(q) => {
                let _ = writeln!(o, "  verify:    {q}");
            }
            None => {
                let _ = writeln!(o, "  verify:    (no catalog query for this step)");
            }
        }
    }
    let worst: Vec<String> = p
        .steps
        .iter()
        .filter(|s| s.risk == p.risk && p.risk > Severity::Info)
        .map(|s| s.id.to_string())
        .collect();
    let _ = writeln!(
        o,
        "\nHighest risk: {}{}; --fail-on {}",
        p.risk,
        if worst.is_empty() {
            String::new()
        } else {
            format!(" (step {})", worst.join(", "))
        },
        p.fail_on
    );
    o
}
