//! Outcomes grouped for the report: per-dialect totals over every file, failures by category and
//! skips by reason.
//!
//! A failure's category is the stage that failed and the shape of its first finding, with the
//! names taken out, so that cases failing for the same reason land in one group:
//! - a database error (up, down, loading): its message with quoted names as `"…"` and numbers as
//!   `N` (`up failed: collation "…" for encoding "…" does not exist`);
//! - a parse error of `desired`: the parser's message without its position, keeping the token it
//!   stopped at (the unsupported construct: `found: POLICY`);
//! - a difference (after up, after down, on re-diff): the kinds of change migrex still plans, and
//!   for an alteration the fields that differ (`not idempotent: alter_column (default)`).

use crate::{FileResult, Outcome};
use migrex_model::{Change, Dialect};
use std::collections::BTreeMap;
use std::fmt::Write;

/// A message with the names taken out: first line, no `query failed on URL:` or server source
/// position, quoted text as `"…"`/`'…'`/`` `…` ``, digit runs as `N`, at most 120 characters.
pub fn shape(message: &str) -> String {
    let line = message.lines().next().unwrap_or("").trim();
    let line = line
        .rsplit_once("error returned from database: ")
        .map_or(line, |(_, m)| m);
    let line = strip_line_suffix(line);
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                // A closing quote must follow; an apostrophe in prose stays as it is.
                let rest: String = chars.clone().collect();
                match rest.find(c) {
                    Some(end) => {
                        out.push(c);
                        out.push('…');
                        out.push(c);
                        for _ in 0..=rest[..end].chars().count() {
                            chars.next();
                        }
                    }
                    None => out.push(c),
                }
            }
            d if d.is_ascii_digit() => {
                while chars.peek().is_some_and(char::is_ascii_digit) {
                    chars.next();
                }
                out.push('N');
            }
            c => out.push(c),
        }
    }
    if out.chars().count() > 120 {
        out = out.chars().take(119).collect::<String>() + "…";
    }
    out
}

/// PostgreSQL errors as sqlx prints them end with the server's source line (`at line 3697`).
fn strip_line_suffix(s: &str) -> &str {
    match s.rsplit_once(" at line ") {
        Some((head, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => head,
        _ => s,
    }
}

/// A parse error without its `file:line:column:` position.
pub fn parse_error_shape(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let mut rest = first;
    // `desired:3:29: Expected ...`: drop up to three `word:` prefixes that are the position.
    for _ in 0..3 {
        match rest.split_once(':') {
            Some((head, tail))
                if !head.contains(' ')
                    && (head == "desired" || head.chars().all(|c| c.is_ascii_digit())) =>
            {
                rest = tail.trim_start();
            }
            _ => break,
        }
    }
    // Keep the token the parser stopped at: it names the construct it does not know.
    match rest.split_once("found: ") {
        Some((head, found)) => {
            let token = found.split(" at Line").next().unwrap_or(found).trim();
            let token = if token.starts_with('\'') || token.chars().any(|c| c.is_ascii_digit()) {
                shape(token)
            } else {
                token.to_string()
            };
            // `shape` trims the space before `found`.
            format!("{} found: {token}", shape(head))
        }
        None => shape(rest),
    }
}

/// The kind of one change: its operation, and for an alteration the fields that differ.
pub fn change_kind(change: &Change) -> String {
    let Ok(value) = serde_yaml_ng::to_value(change) else {
        return change.describe();
    };
    let op = value
        .get("op")
        .and_then(|v| v.as_str())
        .unwrap_or("change")
        .to_string();
    match (value.get("from"), value.get("to")) {
        (Some(serde_yaml_ng::Value::Mapping(from)), Some(serde_yaml_ng::Value::Mapping(to))) => {
            let mut fields: Vec<String> = from
                .iter()
                .filter(|(k, v)| to.get(*k) != Some(*v))
                .chain(to.iter().filter(|(k, _)| !from.contains_key(*k)))
                .filter_map(|(k, _)| k.as_str().map(str::to_string))
                .collect();
            fields.dedup();
            if fields.is_empty() {
                op
            } else {
                format!("{op} ({})", fields.join(", "))
            }
        }
        _ => op,
    }
}

/// The kinds of a list of changes, distinct and in order of first appearance (at most three).
pub fn changes_kind(changes: &[Change]) -> String {
    let mut kinds: Vec<String> = Vec::new();
    for c in changes {
        let k = change_kind(c);
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    let more = kinds.len().saturating_sub(3);
    kinds.truncate(3);
    let mut s = kinds.join(" + ");
    if more > 0 {
        let _ = write!(s, " + {more} more");
    }
    s
}

/// Cases that share a category, as `file: case`.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub category: String,
    pub cases: Vec<String>,
}

/// One dialect's results over the files it ran.
#[derive(Debug, Clone)]
pub struct Summary {
    pub dialect: Dialect,
    pub files: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Files not run at all, with the reason.
    pub files_skipped: Vec<(String, String)>,
    /// Failures by category, largest group first.
    pub failures: Vec<Group>,
    /// Skips by reason, largest group first.
    pub skips: Vec<Group>,
}

fn groups(items: Vec<(String, String)>) -> Vec<Group> {
    let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (category, case) in items {
        by.entry(category).or_default().push(case);
    }
    let mut out: Vec<Group> = by
        .into_iter()
        .map(|(category, cases)| Group { category, cases })
        .collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.cases.len()));
    out
}

impl Summary {
    pub fn new(dialect: Dialect, results: &[FileResult]) -> Summary {
        let (mut passed, mut failed, mut skipped) = (0, 0, 0);
        let mut failures = Vec::new();
        let mut skips = Vec::new();
        for r in results {
            let (p, f, s) = r.count();
            passed += p;
            failed += f;
            skipped += s;
            for (name, o) in &r.cases {
                let case = format!("{}: {name}", r.file);
                match o {
                    Outcome::Failed(why) => failures.push((why.category.clone(), case)),
                    Outcome::Skipped(why) => skips.push((why.category.clone(), case)),
                    Outcome::Passed => {}
                }
            }
        }
        Summary {
            dialect,
            files: results.len(),
            passed,
            failed,
            skipped,
            files_skipped: results
                .iter()
                .filter_map(|r| Some((r.file.clone(), r.skipped_whole.clone()?)))
                .collect(),
            failures: groups(failures),
            skips: groups(skips),
        }
    }

    /// Percent of the cases run (passed or failed) that passed; 0 when none ran.
    pub fn rate(&self) -> f64 {
        let run = self.passed + self.failed;
        if run == 0 {
            0.0
        } else {
            100.0 * self.passed as f64 / run as f64
        }
    }

    /// The totals line, the files skipped whole, failures by category and skips by reason, each
    /// group with up to `examples` of its cases.
    pub fn render(&self, examples: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} over {} files: passed {}, failed {}, skipped {}: {:.1}% of the {} cases run",
            self.dialect,
            self.files,
            self.passed,
            self.failed,
            self.skipped,
            self.rate(),
            self.passed + self.failed
        );
        for (file, why) in &self.files_skipped {
            let _ = writeln!(out, "  file skipped whole: {file}: {why}");
        }
        let list = |out: &mut String, title: &str, groups: &[Group]| {
            if groups.is_empty() {
                return;
            }
            let _ = writeln!(out, "  {title}:");
            for g in groups {
                let shown: Vec<&str> = g.cases.iter().take(examples).map(String::as_str).collect();
                let more = g.cases.len().saturating_sub(examples);
                let _ = write!(out, "  {:>5}  {}", g.cases.len(), g.category);
                if !shown.is_empty() {
                    let _ = write!(out, "  [{}", shown.join("; "));
                    if more > 0 {
                        let _ = write!(out, "; +{more}");
                    }
                    out.push(']');
                }
                out.push('\n');
            }
        };
        list(&mut out, "failed, by category", &self.failures);
        list(&mut out, "skipped, by reason", &self.skips);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_errors_lose_names_numbers_and_positions() {
        assert_eq!(
            shape(
                "step 0 (create table public.test) failed: error returned from database: collation \"en_US\" for encoding \"UTF8\" does not exist at line 3697"
            ),
            "collation \"…\" for encoding \"…\" does not exist"
        );
        assert_eq!(
            shape("RESTART value (-200) cannot be less than MINVALUE (-100)"),
            "RESTART value (-N) cannot be less than MINVALUE (-N)"
        );
        // An apostrophe without a closing one is prose.
        assert_eq!(shape("can't read"), "can't read");
    }

    #[test]
    fn parse_errors_keep_the_token_they_stopped_at() {
        assert_eq!(
            parse_error_shape(
                "desired:3:29: Expected: ',' or ')' after column definition, found: '1.00'"
            ),
            "Expected: '…' or '…' after column definition, found: '…'"
        );
        assert_eq!(
            parse_error_shape("desired:1:8: Expected: an object type after CREATE, found: POLICY"),
            "Expected: an object type after CREATE, found: POLICY"
        );
    }

    #[test]
    fn alterations_name_the_fields_that_differ() {
        use migrex_model::{Column, ColumnType, QualifiedName};
        let from = Column::new("a", ColumnType::Bool);
        let mut to = from.clone();
        to.nullable = !from.nullable;
        let c = Change::AlterColumn {
            table: QualifiedName::new("public", "t"),
            from,
            to,
        };
        assert_eq!(change_kind(&c), "alter_column (nullable)");
        assert_eq!(changes_kind(&[c.clone(), c]), "alter_column (nullable)");
    }
}
