//! Renderings of a `Report`: human text, JSON, SARIF 2.1.0 and a Markdown review document.

use crate::{RULES, Relationship, RelationshipKind, Report};
use migrex_safety::Severity;
use serde_json::{Value, json};
use std::fmt::Write;

fn kind_name(k: RelationshipKind) -> &'static str {
    match k {
        RelationshipKind::OneToOne => "one-to-one",
        RelationshipKind::OneToMany => "one-to-many",
        RelationshipKind::ManyToMany => "many-to-many",
        RelationshipKind::SelfReference => "self-reference",
        RelationshipKind::Polymorphic => "polymorphic",
        RelationshipKind::MissingForeignKey => "missing foreign key",
        RelationshipKind::Cycle => "cycle",
    }
}

const ORDER: [RelationshipKind; 7] = [
    RelationshipKind::OneToMany,
    RelationshipKind::OneToOne,
    RelationshipKind::ManyToMany,
    RelationshipKind::SelfReference,
    RelationshipKind::Polymorphic,
    RelationshipKind::MissingForeignKey,
    RelationshipKind::Cycle,
];

fn counts(r: &Report) -> (usize, usize, usize) {
    let n = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning), n(Severity::Info))
}

/// Text for a terminal: relationships by kind, then findings, most severe first.
pub fn human(r: &Report) -> String {
    let mut s = String::new();
    let (e, w, i) = counts(r);
    let _ = writeln!(
        s,
        "{} tables, {} relationships; {e} errors, {w} warnings, {i} infos",
        r.tables,
        r.relationships.len()
    );
    for kind in ORDER {
        let rels: Vec<&Relationship> = r.relationships.iter().filter(|x| x.kind == kind).collect();
        if rels.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{} ({}):", kind_name(kind), rels.len());
        for x in rels {
            let _ = writeln!(s, "  {}", x.description);
        }
    }
    if !r.findings.is_empty() {
        let _ = writeln!(s, "\nfindings:");
    }
    for f in &r.findings {
        let at = f
            .location
            .as_deref()
            .map(|l| format!(" at {l}"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{}[{}] {}: {}{at}",
            f.severity.as_str(),
            f.code,
            f.name,
            f.message
        );
        if let Some(h) = &f.help {
            let _ = writeln!(s, "  = fix: {h}");
        }
    }
    s
}

pub fn json(r: &Report) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one run, the rules that fired in `tool.driver.rules`, physical locations from
/// the source's provenance (`file:line:column`), logical ones naming the object otherwise.
pub fn sarif(r: &Report, tool_version: &str) -> Value {
    let mut used: Vec<&str> = r.findings.iter().map(|f| f.code).collect();
    used.sort();
    used.dedup();
    let rules: Vec<Value> = RULES
        .iter()
        .filter(|x| used.contains(&x.meta.code))
        .map(|x| {
            json!({
                "id": x.meta.code,
                "name": x.meta.name,
                "shortDescription": {"text": x.meta.summary},
                "fullDescription": {"text": x.meta.doc},
                "defaultConfiguration": {"level": sarif_level(x.meta.severity)},
            })
        })
        .collect();
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let physical = f.location.as_deref().and_then(|l| {
                let mut it = l.rsplitn(3, ':');
                let col: u64 = it.next()?.parse().ok()?;
                let line: u64 = it.next()?.parse().ok()?;
                let file = it.next()?;
                Some(json!({"physicalLocation": {
                    "artifactLocation": {"uri": file},
                    "region": {"startLine": line, "startColumn": col}
                }}))
            });
            let mut loc = physical.unwrap_or_else(|| json!({}));
            loc["logicalLocations"] = json!([{"fullyQualifiedName": f.object}]);
            let mut res = json!({
                "ruleId": f.code,
                "level": sarif_level(f.severity),
                "message": {"text": f.message},
                "locations": [loc],
            });
            if let Some(h) = &f.help {
                res["properties"] = json!({"fix": h});
            }
            res
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "migrex", "version": tool_version, "informationUri": "https://example.invalid/migrex", "rules": rules}},
            "results": results,
        }]
    })
}

/// Adds results of a check outside the rule catalogue (index advice from a workload, unused
/// indexes) to a document made by [`sarif`]: its rule in `tool.driver.rules`, then one `note`
/// per `(object, message, fix)`, located at the object like the rules' findings.
pub fn sarif_extra(v: &mut Value, rule: (&str, &str), results: &[(String, String, String)]) {
    if results.is_empty() {
        return;
    }
    let (id, summary) = rule;
    let Some(run) = v.get_mut("runs").and_then(|r| r.get_mut(0)) else {
        return;
    };
    if let Some(rules) = run["tool"]["driver"]["rules"].as_array_mut() {
        rules.push(json!({
            "id": id,
            "name": id,
            "shortDescription": {"text": summary},
            "defaultConfiguration": {"level": "note"},
        }));
    }
    if let Some(out) = run["results"].as_array_mut() {
        for (object, message, fix) in results {
            out.push(json!({
                "ruleId": id,
                "level": "note",
                "message": {"text": message},
                "locations": [{"logicalLocations": [{"fullyQualifiedName": object}]}],
                "properties": {"fix": fix},
            }));
        }
    }
}

/// A Mermaid-safe entity name.
fn entity(q: &migrex_model::QualifiedName) -> String {
    q.to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A Markdown document a team can review: summary, a Mermaid diagram of the relationships,
/// findings by severity with the fix for each.
pub fn markdown(r: &Report, title: &str) -> String {
    let mut s = String::new();
    let (e, w, i) = counts(r);
    let _ = writeln!(s, "# Schema review: {title}\n");
    let _ = writeln!(
        s,
        "{} tables ({}), {} relationships. Findings: **{e} errors, {w} warnings, {i} infos**.\n",
        r.tables,
        r.dialect.name(),
        r.relationships.len()
    );
    let lines: Vec<String> = r
        .relationships
        .iter()
        .filter_map(|x| {
            let child = entity(&x.table);
            let label = x.columns.join(", ").replace('"', "'");
            match x.kind {
                RelationshipKind::OneToMany | RelationshipKind::SelfReference => Some(format!(
                    "    {} ||--o{{ {child} : \"{label}\"",
                    entity(&x.references[0])
                )),
                RelationshipKind::OneToOne => Some(format!(
                    "    {} ||--o| {child} : \"{label}\"",
                    entity(&x.references[0])
                )),
                RelationshipKind::ManyToMany => Some(
                    x.references
                        .iter()
                        .map(|p| format!("    {} ||--o{{ {child} : \"many-to-many\"", entity(p)))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
                RelationshipKind::MissingForeignKey => Some(format!(
                    "    {} |o..o{{ {child} : \"{label} (no FK)\"",
                    entity(&x.references[0])
                )),
                _ => None,
            }
        })
        .collect();
    if !lines.is_empty() {
        let _ = writeln!(
            s,
            "## Relationships\n\n```mermaid\nerDiagram\n{}\n```\n",
            lines.join("\n")
        );
    }
    for kind in ORDER {
        let rels: Vec<&Relationship> = r.relationships.iter().filter(|x| x.kind == kind).collect();
        if rels.is_empty() {
            continue;
        }
        let _ = writeln!(s, "- **{}** ({}):", kind_name(kind), rels.len());
        for x in rels {
            let _ = writeln!(s, "  - {}", x.description);
        }
    }
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        let fs: Vec<_> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if fs.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n## {} ({})\n", sev.as_str(), fs.len());
        for f in fs {
            let at = f
                .location
                .as_deref()
                .map(|l| format!(" (`{l}`)"))
                .unwrap_or_default();
            let _ = writeln!(s, "- `{}` {}: {}{at}", f.code, f.name, f.message);
            if let Some(h) = &f.help {
                let _ = writeln!(s, "  - fix: `{}`", h.replace('`', "'"));
            }
        }
    }
    s
}
