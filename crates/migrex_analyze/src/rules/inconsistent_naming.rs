//! MA210 inconsistent-naming.

use super::{ALL, AnalyzeRule, Context, Hit};
use migrex_lint::Rule;
use migrex_safety::Severity;
use std::collections::BTreeMap;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA210",
        name: "inconsistent-naming",
        severity: Severity::Info,
        dialects: ALL,
        summary: "Table or column names mix styles (snake_case and camelCase/PascalCase), or singular and plural table names",
        doc: "A schema whose names follow one convention can be guessed: `customer_id` or `CustomerId`, `order` or `orders`. Mixed styles cost every reader a lookup, and on PostgreSQL mixed-case names must be double-quoted forever.\n\nReported once per schema with the counts and a few examples of the minority style. Fix: rename the minority (`migrex refactor rename-table` / `rename-column`, with the compatibility view or sync trigger variant for running code).",
    },
    check,
};

fn style(name: &str) -> &'static str {
    let has_upper = name.chars().any(|c| c.is_ascii_uppercase());
    let has_lower = name.chars().any(|c| c.is_ascii_lowercase());
    if !has_upper || !has_lower {
        // all lower (or all upper, SQL shouting): snake-like
        "snake_case"
    } else if name.contains('_') {
        "Mixed_Case"
    } else if name.starts_with(|c: char| c.is_ascii_uppercase()) {
        "PascalCase"
    } else {
        "camelCase"
    }
}

fn plural(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    let last = l.rsplit('_').next().unwrap_or(&l);
    last.ends_with('s')
        && !last.ends_with("ss")
        && !last.ends_with("us")
        && !last.ends_with("is")
        && !last.ends_with("status")
        && last.len() > 3
}

/// A finding when a minority of `names` uses another style than the majority.
fn mixed(what: &str, names: &[String]) -> Option<Hit> {
    let mut by: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for n in names {
        by.entry(style(n)).or_default().push(n);
    }
    if by.len() < 2 {
        return None;
    }
    let mut groups: Vec<(&str, Vec<&String>)> = by.into_iter().collect();
    groups.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
    let (major, mv) = &groups[0];
    let minority: Vec<String> = groups[1..]
        .iter()
        .map(|(s, v)| {
            let ex: Vec<&str> = v.iter().take(3).map(|s| s.as_str()).collect();
            format!("{} {s} ({})", v.len(), ex.join(", "))
        })
        .collect();
    Some(Hit::new(
        "schema".to_string(),
        format!(
            "{what} names mix styles: {} {major}, {}",
            mv.len(),
            minority.join("; ")
        ),
        format!("rename the minority to {major}"),
    ))
}

fn check(cx: &Context) -> Vec<Hit> {
    let tables: Vec<String> = cx
        .schema
        .tables()
        .filter(|(_, t)| t.partition_of.is_none())
        .map(|(q, _)| q.name)
        .collect();
    let columns: Vec<String> = cx
        .schema
        .tables()
        .filter(|(_, t)| t.partition_of.is_none())
        .flat_map(|(_, t)| t.columns.keys().cloned().collect::<Vec<_>>())
        .collect();
    let mut out: Vec<Hit> = [mixed("table", &tables), mixed("column", &columns)]
        .into_iter()
        .flatten()
        .collect();
    let plurals: Vec<&String> = tables.iter().filter(|t| plural(t)).collect();
    let singular = tables.len() - plurals.len();
    let minority = plurals.len().min(singular);
    if minority >= 3 && minority * 5 >= tables.len() {
        let (few, kind) = if plurals.len() < singular {
            (
                plurals
                    .iter()
                    .take(3)
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>(),
                "plural",
            )
        } else {
            (
                tables
                    .iter()
                    .filter(|t| !plural(t))
                    .take(3)
                    .map(String::as_str)
                    .collect(),
                "singular",
            )
        };
        out.push(Hit::new(
            "schema".to_string(),
            format!(
                "table names mix singular ({singular}) and plural ({}): {kind} ones include {}",
                plurals.len(),
                few.join(", ")
            ),
            "pick one number for table names".to_string(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::hits;
    use migrex_model::Dialect;

    #[test]
    fn ok() {
        let sql = "CREATE TABLE users (id int PRIMARY KEY, first_name text);\nCREATE TABLE orders (id int PRIMARY KEY, user_id int, status text);";
        assert!(hits(&RULE, Dialect::Sqlite, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE users (id int PRIMARY KEY, firstName text, last_name text, email text);\nCREATE TABLE \"OrderLines\" (id int PRIMARY KEY);\nCREATE TABLE invoices (id int);";
        let h = hits(&RULE, Dialect::Sqlite, sql);
        let msgs: Vec<&str> = h.iter().map(|h| h.message.as_str()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(
            msgs[0].starts_with("table names mix styles: 2 snake_case, 1 PascalCase (OrderLines)"),
            "{msgs:?}"
        );
        assert!(msgs[1].contains("1 camelCase (firstName)"), "{msgs:?}");
    }
}
