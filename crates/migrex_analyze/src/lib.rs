//! ANALYZE: what a schema is (its relationships) and what is wrong with it (anti-pattern and
//! normalization rules), for any source the readers load.
//!
//! Input: a `Loaded` schema (its provenance gives findings a file:line). Output: a `Report`.
//! Allowed dependencies: model, safety (severity), lint (the rule catalogue's shape, so that
//! `migrex rule CODE` documents analysis rules the same way as lint rules). No I/O.

pub mod output;
pub mod relationships;
pub mod rules;
pub mod workload;

use migrex_model::{Dialect, Loaded};
use migrex_safety::Severity;
use serde::Serialize;

pub use relationships::{Relationship, RelationshipKind, find_relationships};
pub use rules::transitive_dependency::{Dependency, dependencies};
pub use rules::{AnalyzeRule, RULES};

/// One finding of a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// The object it is about: `table public.users`, `column public.users.email`,
    /// `index public.users.users_email_idx`, `schema` for findings on the whole schema.
    pub object: String,
    pub message: String,
    /// The fix, one line (SQL or the refactor recipe that applies it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// `file:line:column` of the object when the source knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// Everything `analyze` found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dialect: Dialect,
    pub tables: usize,
    pub relationships: Vec<Relationship>,
    /// Most severe first, then by object.
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// Analyzes a loaded schema with every rule.
pub fn analyze(loaded: &Loaded) -> Report {
    let schema = &loaded.schema;
    let relationships = find_relationships(schema);
    let cx = rules::Context {
        schema,
        relationships: &relationships,
    };
    let mut findings = Vec::new();
    for rule in RULES {
        if !rule
            .meta
            .dialects
            .iter()
            .any(|d| *d == schema.dialect.name())
        {
            continue;
        }
        for hit in (rule.check)(&cx) {
            let location = location_of(loaded, &hit.object);
            findings.push(Finding {
                code: rule.meta.code,
                name: rule.meta.name,
                severity: hit.severity.unwrap_or(rule.meta.severity),
                object: hit.object,
                message: hit.message,
                help: hit.help,
                location,
            });
        }
    }
    sort_findings(&mut findings);
    Report {
        dialect: schema.dialect,
        tables: schema.tables().count(),
        relationships,
        findings,
    }
}

/// The provenance of an object, or of the table it belongs to.
fn location_of(loaded: &Loaded, object: &str) -> Option<String> {
    let locs = &loaded.provenance.locations;
    if let Some(l) = locs.get(object) {
        return Some(l.clone());
    }
    // `column ns.t.c` / `index ns.t.i` → `table ns.t`.
    let (kind, path) = object.split_once(' ')?;
    if matches!(kind, "column" | "index" | "foreign-key") {
        let (table, _) = path.rsplit_once('.')?;
        return locs.get(&format!("table {table}")).cloned();
    }
    None
}

/// Sorts findings the way `analyze` does: most severe first, then by code and object (for
/// callers that add findings of their own, such as those that need a live database).
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.code.cmp(b.code))
            .then_with(|| a.object.cmp(&b.object))
    });
}

/// The rule documentation `migrex rule` prints, by code or name.
pub fn rule(code_or_name: &str) -> Option<&'static migrex_lint::Rule> {
    RULES.iter().map(|r| &r.meta).find(|r| {
        r.code.eq_ignore_ascii_case(code_or_name) || r.name.eq_ignore_ascii_case(code_or_name)
    })
}
