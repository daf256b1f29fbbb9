//! MA208 repeating-column-group.

use super::{ALL, AnalyzeRule, Context, Hit, table_object};
use migrex_lint::Rule;
use migrex_safety::Severity;
use std::collections::BTreeMap;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA208",
        name: "repeating-column-group",
        severity: Severity::Info,
        dialects: ALL,
        summary: "Numbered columns of one type (phone1, phone2, phone3): a repeating group that belongs in a child table",
        doc: "A fixed number of slots for a list (first normal form, broken): the day someone has a fourth phone the schema changes, searching means `WHERE phone1 = ? OR phone2 = ? OR ...`, and empty slots are NULLs.\n\nFix: a child table with one row per value, filled from the columns, then the columns dropped:\n\n    migrex refactor split-table --table contacts --into contact_phones --columns phone1,phone2,phone3\n\nTwo numbered columns of the same type are reported; a bare column plus numbered ones (address, address2) counts the bare one too.",
    },
    check,
};

/// `phone_2` → ("phone", 2).
fn numbered(name: &str) -> Option<(String, u32)> {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits == name.len() {
        return None;
    }
    let (stem, n) = name.split_at(name.len() - digits);
    let stem = stem.trim_end_matches('_').to_ascii_lowercase();
    if stem.is_empty() {
        return None;
    }
    Some((stem, n.parse().ok()?))
}

fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        let mut groups: BTreeMap<String, Vec<&String>> = BTreeMap::new();
        for n in t.columns.keys() {
            if let Some((stem, _)) = numbered(n) {
                groups.entry(stem).or_default().push(n);
            }
        }
        for (stem, mut cols) in groups {
            if let Some(bare) = t.columns.keys().find(|c| c.to_ascii_lowercase() == stem) {
                cols.insert(0, bare);
            }
            let numbered_count = cols.iter().filter(|c| numbered(c).is_some()).count();
            let same_type = cols
                .windows(2)
                .all(|w| t.columns[w[0]].ty == t.columns[w[1]].ty);
            if numbered_count >= 2
                && cols.len() >= 3 - usize::from(numbered_count >= 2)
                && same_type
            {
                let list: Vec<&str> = cols.iter().map(|c| c.as_str()).collect();
                out.push(Hit::new(
                    table_object(&q),
                    format!(
                        "{q} repeats {stem} in {} columns ({})",
                        cols.len(),
                        list.join(", ")
                    ),
                    format!(
                        "migrex refactor split-table --table {} --into {}_{stem}s --columns {}",
                        q.name,
                        q.name,
                        list.join(",")
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::objects;
    use migrex_model::Dialect;

    #[test]
    fn ok() {
        let sql = "CREATE TABLE t (id int PRIMARY KEY, address text, address2 text, sha256 text, md5 text, x1 int, x2 text);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE t (id int PRIMARY KEY, phone1 text, phone2 text, phone3 text);\nCREATE TABLE u (id int PRIMARY KEY, tag text, tag_2 text, tag_3 text);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec!["table public.t", "table public.u"]
        );
    }
}
