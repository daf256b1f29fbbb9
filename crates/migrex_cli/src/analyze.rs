//! `migrex analyze SOURCE`: what a schema is (relationships) and what is wrong with it (the
//! analysis rules), as text, JSON, SARIF or a Markdown review document.

use crate::DialectArg;
use crate::lint::LintFailOn;
use clap::{Args, ValueEnum};
use migrex_analyze::output;
use migrex_safety::Severity;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum AnalyzeFormat {
    Human,
    Json,
    Sarif,
    Markdown,
    /// One self-contained page: summary, the diagram (inline SVG), findings with fixes, the
    /// proposed migration.
    Html,
}

#[derive(Args)]
pub struct AnalyzeArgs {
    /// A .sql file or a database URL.
    source: String,
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    #[arg(long, value_enum, default_value = "human")]
    format: AnalyzeFormat,
    /// Exit 1 when a finding reaches this severity.
    #[arg(long, value_enum, default_value = "warning")]
    fail_on: LintFailOn,
    /// A file of SQL queries (`;`-separated, `-- calls: N` before a query weights it) to
    /// advise indexes for. With a live PostgreSQL SOURCE and no file, the workload recorded
    /// in pg_stat_statements is used when that extension is installed.
    #[arg(long, value_name = "FILE")]
    workload: Option<PathBuf>,
    /// PostgreSQL: estimate each query's cost before and after the advised indexes on this
    /// database (hypothetical indexes with hypopg; with --scratch, real indexes in a
    /// rolled-back transaction, which blocks writers meanwhile: only on a scratch copy).
    #[arg(long, value_name = "URL")]
    measure: Option<String>,
    /// Allow real indexes for --measure (the database is a scratch copy).
    #[arg(long, requires = "measure")]
    scratch: bool,
}

pub fn run(args: AnalyzeArgs, quiet: bool) -> Result<ExitCode, migrex::Error> {
    let loaded = migrex::load(&args.source, args.dialect.map(Into::into))?;
    if !quiet {
        for w in &loaded.warnings {
            eprintln!("warning: {w}");
        }
    }
    let mut report = migrex_analyze::analyze(&loaded);
    let live = migrex::DbUrl::looks_like_url(&args.source);
    if live {
        // The rules that need the data (key ranges, value statistics).
        let mut db = migrex::Db::connect(&args.source)?;
        report
            .findings
            .extend(migrex::live_findings(&mut db, &loaded.schema)?);
        migrex_analyze::sort_findings(&mut report.findings);
    }
    // The workload: a file, else what a live PostgreSQL recorded.
    let workload = match &args.workload {
        Some(path) => Some(migrex_analyze::workload::parse_workload(
            &std::fs::read_to_string(path).map_err(|e| migrex::Error::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            })?,
        )),
        None if live => {
            let mut db = migrex::Db::connect(&args.source)?;
            let recorded = migrex::recorded_workload(&mut db)?;
            if recorded.is_none() && !quiet && db.dialect() != migrex::model::Dialect::Sqlite {
                eprintln!(
                    "note: no recorded workload (PostgreSQL: install pg_stat_statements; MySQL/MariaDB: start the server with performance_schema=ON): pass --workload FILE for index advice"
                );
            }
            recorded
        }
        None => None,
    };
    let advice = workload
        .as_ref()
        .map(|w| migrex_analyze::workload::advise(&loaded.schema, w));
    let unused = if live {
        let mut db = migrex::Db::connect(&args.source)?;
        migrex::unused_indexes(&mut db)?
    } else {
        Vec::new()
    };
    let measured = match (&args.measure, &workload, &advice) {
        (Some(url), Some(w), Some(a)) => {
            let mut db = migrex::Db::connect(url)?;
            Some(migrex::measure_advice(&mut db, w, a, args.scratch)?)
        }
        (Some(_), _, _) => {
            return Err(migrex::Error::Usage(
                "--measure needs a workload (--workload FILE, or pg_stat_statements on a live source)".into(),
            ));
        }
        _ => None,
    };
    let text = match args.format {
        AnalyzeFormat::Human => output::human(&report),
        AnalyzeFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&output::json(&report)).unwrap_or_default()
        ),
        AnalyzeFormat::Sarif => format!(
            "{}\n",
            serde_json::to_string_pretty(&output::sarif(&report, env!("CARGO_PKG_VERSION")))
                .unwrap_or_default()
        ),
        AnalyzeFormat::Markdown => output::markdown(&report, &migrex::redact_url(&args.source)),
        AnalyzeFormat::Html => String::new(),
    };
    let text = match args.format {
        AnalyzeFormat::Json | AnalyzeFormat::Sarif if advice.is_some() || !unused.is_empty() => {
            // One JSON document: the analysis with the workload advice beside it.
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if args.format == AnalyzeFormat::Json {
                v["index_advice"] = serde_json::to_value(&advice).unwrap_or_default();
                v["unused_indexes"] = serde_json::to_value(&unused).unwrap_or_default();
                v["advice_measured"] = serde_json::to_value(&measured).unwrap_or_default();
            } else {
                // SARIF consumers (code scanning) see the advice as notes beside the findings.
                let advised: Vec<(String, String, String)> = advice
                    .iter()
                    .flat_map(|a| &a.advice)
                    .map(|a| {
                        (
                            format!("table {}", a.table),
                            format!(
                                "index on {}({}) would serve {} execution(s) of the workload: {}",
                                a.table,
                                a.columns.join(", "),
                                a.calls,
                                a.reason
                            ),
                            a.sql.clone(),
                        )
                    })
                    .collect();
                output::sarif_extra(
                    &mut v,
                    ("index-advice", "An index the workload's queries would use"),
                    &advised,
                );
                let unused: Vec<(String, String, String)> = unused
                    .iter()
                    .map(|u| {
                        (
                            format!("index {}", u.index),
                            format!(
                                "index {} on {} ({} bytes) has not been used since the statistics were reset",
                                u.index, u.table, u.size_bytes
                            ),
                            u.sql.clone(),
                        )
                    })
                    .collect();
                output::sarif_extra(
                    &mut v,
                    (
                        "unused-index",
                        "An index no query has used and that enforces nothing",
                    ),
                    &unused,
                );
            }
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        AnalyzeFormat::Human | AnalyzeFormat::Markdown => {
            let mut t = text;
            let md = args.format == AnalyzeFormat::Markdown;
            if let Some(a) = &advice {
                t.push_str(&advice_text(a, measured.as_ref(), md));
            }
            if !unused.is_empty() {
                t.push_str(if md {
                    "\n## Unused indexes\n\n"
                } else {
                    "\nunused indexes (idx_scan = 0 since the statistics were reset):\n"
                });
                for u in &unused {
                    t.push_str(&format!(
                        "{}{}.{} ({} bytes): {}\n",
                        if md { "- " } else { "  " },
                        u.table,
                        u.index,
                        u.size_bytes,
                        u.sql
                    ));
                }
            }
            t
        }
        AnalyzeFormat::Html => html(
            &report,
            &migrex::redact_url(&args.source),
            &migrex_report::Erd::new(&loaded.schema, migrex_report::ErdOptions::default()).svg(),
            advice.as_ref(),
            &unused,
            measured.as_ref(),
        ),
        _ => text,
    };
    let text = if args.format == AnalyzeFormat::Markdown {
        let mut t = text;
        t.push_str(&proposed_migration(&report, advice.as_ref(), &unused, true));
        t
    } else {
        text
    };
    {
        use std::io::Write;
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
    let fail = match args.fail_on {
        LintFailOn::Info => Severity::Info,
        LintFailOn::Warning => Severity::Warning,
        LintFailOn::Error => Severity::Error,
    };
    Ok(if report.max_severity().is_some_and(|w| w >= fail) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn advice_text(
    a: &migrex_analyze::workload::WorkloadReport,
    measured: Option<&migrex::AdviceMeasurement>,
    md: bool,
) -> String {
    let mut t = String::new();
    t.push_str(if md {
        "\n## Index advice\n\n"
    } else {
        "\nindex advice:\n"
    });
    if a.advice.is_empty() {
        t.push_str(&format!(
            "{}the {} queries are served by the existing indexes\n",
            if md { "" } else { "  " },
            a.queries
        ));
    }
    for x in &a.advice {
        t.push_str(&format!(
            "{}{} ({})\n{}{}\n",
            if md { "- " } else { "  " },
            x.sql,
            x.reason,
            if md { "  - queries: " } else { "    queries: " },
            x.queries
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (n, why) in &a.unparsed {
        t.push_str(&format!("  query {n} not read: {why}\n"));
    }
    if let Some(m) = measured {
        t.push_str(&format!(
            "{}estimated workload cost {:.0} -> {:.0} ({})\n",
            if md { "\n" } else { "  " },
            m.total_before(),
            m.total_after(),
            m.method
        ));
        for c in &m.costs {
            t.push_str(&format!(
                "{}query {}: {:.0} -> {:.0}\n",
                if md { "- " } else { "    " },
                c.query,
                c.before,
                c.after
            ));
        }
    }
    t
}

/// The fixes that are SQL statements, in an order that can run: drops of duplicates first,
/// then new keys and indexes.
fn fix_statements(
    report: &migrex_analyze::Report,
    advice: Option<&migrex_analyze::workload::WorkloadReport>,
    unused: &[migrex::UnusedIndex],
) -> Vec<String> {
    let sql = |h: &str| {
        let u = h.trim_start().to_ascii_uppercase();
        ["ALTER ", "CREATE ", "DROP "]
            .iter()
            .any(|k| u.starts_with(k))
    };
    let mut out: Vec<String> = report
        .findings
        .iter()
        .filter_map(|f| f.help.as_deref())
        .filter(|h| sql(h))
        .map(|h| h.replace("; then ", ";\n"))
        .collect();
    out.sort_by_key(|s| !s.starts_with("DROP"));
    out.dedup();
    if let Some(a) = advice {
        out.extend(a.advice.iter().map(|x| x.sql.clone()));
    }
    out.extend(unused.iter().map(|u| u.sql.clone()));
    out
}

fn proposed_migration(
    report: &migrex_analyze::Report,
    advice: Option<&migrex_analyze::workload::WorkloadReport>,
    unused: &[migrex::UnusedIndex],
    md: bool,
) -> String {
    let stmts = fix_statements(report, advice, unused);
    if stmts.is_empty() {
        return String::new();
    }
    let body: String = stmts.iter().map(|s| format!("{s};\n")).collect();
    if md {
        format!(
            "\n## Proposed migration\n\nReview each statement; CONCURRENTLY statements run outside a transaction.\n\n```sql\n{body}```\n"
        )
    } else {
        body
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn html(
    report: &migrex_analyze::Report,
    title: &str,
    svg: &str,
    advice: Option<&migrex_analyze::workload::WorkloadReport>,
    unused: &[migrex::UnusedIndex],
    measured: Option<&migrex::AdviceMeasurement>,
) -> String {
    use migrex_safety::Severity;
    let n = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    let mut h = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Schema review: {t}</title>\n<style>body{{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em}}table{{border-collapse:collapse;width:100%}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}code,pre{{background:#f5f5f5}}pre{{padding:1em;overflow-x:auto}}.error{{color:#b00}}.warning{{color:#a60}}.info{{color:#555}}.erd{{overflow:auto;border:1px solid #ddd}}</style></head><body>\n<h1>Schema review: {t}</h1>\n<p>{} tables ({}), {} relationships. Findings: <b>{} errors, {} warnings, {} infos</b>.</p>\n",
        report.tables,
        report.dialect.name(),
        report.relationships.len(),
        n(Severity::Error),
        n(Severity::Warning),
        n(Severity::Info),
        t = esc(title)
    );
    let svg_body = svg.find("<svg").map_or("", |i| &svg[i..]);
    h.push_str(&format!(
        "<h2>Diagram</h2>\n<div class=\"erd\">{svg_body}</div>\n<h2>Relationships</h2>\n<ul>\n"
    ));
    for r in &report.relationships {
        h.push_str(&format!("<li>{}</li>\n", esc(&r.description)));
    }
    h.push_str("</ul>\n");
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        let fs: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == sev)
            .collect();
        if fs.is_empty() {
            continue;
        }
        h.push_str(&format!(
            "<h2 class=\"{0}\">{0} ({1})</h2>\n<table><tr><th>rule</th><th>finding</th><th>fix</th></tr>\n",
            sev.as_str(),
            fs.len()
        ));
        for f in fs {
            h.push_str(&format!(
                "<tr><td><code>{}</code> {}</td><td>{}{}</td><td><code>{}</code></td></tr>\n",
                f.code,
                f.name,
                esc(&f.message),
                f.location
                    .as_deref()
                    .map(|l| format!(" <small>({})</small>", esc(l)))
                    .unwrap_or_default(),
                esc(f.help.as_deref().unwrap_or(""))
            ));
        }
        h.push_str("</table>\n");
    }
    if let Some(a) = advice {
        h.push_str("<h2>Index advice</h2>\n<pre>");
        h.push_str(&esc(&advice_text(a, measured, false)));
        h.push_str("</pre>\n");
    }
    let plan = proposed_migration(report, advice, unused, false);
    if !plan.is_empty() {
        h.push_str("<h2>Proposed migration</h2>\n<p>Review each statement; CONCURRENTLY statements run outside a transaction.</p>\n<pre>");
        h.push_str(&esc(&plan));
        h.push_str("</pre>\n");
    }
    h.push_str("</body></html>\n");
    h
}
