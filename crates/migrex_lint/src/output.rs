//! Rendering findings: human text like a compiler, JSON, SARIF 2.1.0 (GitHub code scanning).

use crate::{FileReport, Finding, rules};
use migrex_safety::Severity;
use serde_json::{Value, json};
use std::fmt::Write;

/// `file:line:col: severity[CODE name]: message`, the statement line with a caret, and the help.
pub fn human(report: &FileReport, source: &str) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = source.lines().collect();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{} {}]: {}",
            report.file, f.line, f.column, f.severity, f.code, f.name, f.message
        );
        if let Some(text) = lines.get(f.line.saturating_sub(1) as usize) {
            let n = f.line.to_string();
            let pad = " ".repeat(n.len());
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{n} | {text}");
            let caret_pad: String = text
                .chars()
                .take(f.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, "{pad} | {caret_pad}^");
            if let Some(h) = &f.help {
                let _ = writeln!(out, "{pad} = help: {h}");
            }
        } else if let Some(h) = &f.help {
            let _ = writeln!(out, "  = help: {h}");
        }
    }
    out
}

/// Counts of findings per severity over several files.
pub fn summary(reports: &[FileReport]) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for f in reports.iter().flat_map(|r| &r.findings) {
        match f.severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
            Severity::Info => c.2 += 1,
        }
    }
    c
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "code": f.code,
        "name": f.name,
        "severity": f.severity,
        "message": f.message,
        "help": f.help,
        "line": f.line,
        "column": f.column,
    })
}

/// The JSON document: `{version: 1, files: [{file, dialect, statements, findings: [{code, name,
/// severity, message, help, line, column}]}], summary: {error, warning, info}}`.
pub fn json(reports: &[FileReport]) -> Value {
    let (e, w, i) = summary(reports);
    json!({
        "version": 1,
        "files": reports.iter().map(|r| json!({
            "file": r.file,
            "dialect": r.dialect,
            "statements": r.statements,
            "findings": r.findings.iter().map(finding_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "summary": {"error": e, "warning": w, "info": i},
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one run, the whole rule catalogue in `tool.driver.rules`, one result per finding.
pub fn sarif(reports: &[FileReport], tool_version: &str) -> Value {
    let rules: Vec<Value> = rules::RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.doc},
                "help": {"text": r.doc},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"tags": r.dialects},
            })
        })
        .collect();
    let mut results = Vec::new();
    for rep in reports {
        for f in &rep.findings {
            let index = rules::RULES
                .iter()
                .position(|r| r.code == f.code)
                .unwrap_or(0);
            let mut text = f.message.clone();
            if let Some(h) = &f.help {
                text.push_str(&format!(" Help: {h}"));
            }
            results.push(json!({
                "ruleId": f.code,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&rep.file)},
                        "region": {"startLine": f.line.max(1), "startColumn": f.column.max(1)},
                    }
                }],
            }));
        }
    }
    json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "migrex",
                "version": tool_version,
                "informationUri": "https://example.invalid/migrex",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

/// A relative path as a URI reference (forward slashes, spaces escaped).
fn uri(path: &str) -> String {
    path.replace('\\', "/").replace(' ', "%20")
}
