//! MA201 redundant-index.

use super::duplicate_index::{drop_sql, index_object};
use super::{ALL, AnalyzeRule, Context, Hit};
use migrex_lint::Rule;
use migrex_model::{Index, IndexKey, IndexPart};
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA201",
        name: "redundant-index",
        severity: Severity::Info,
        dialects: ALL,
        summary: "A plain index whose columns are the leading columns of another index: the longer one serves its queries",
        doc: "A btree index on (a) answers nothing that an index on (a, b) cannot: the longer index's leading column is sorted the same way. The shorter one costs writes and memory. It is a hint, not a hazard: the shorter index is smaller and can be slightly faster to scan, and a unique index is never reported (it enforces something).\n\nFix:\n\n    DROP INDEX CONCURRENTLY orders_customer_id_idx;   -- (customer_id, created_at) covers it\n\nExact duplicates are MA103 (duplicate-index).",
    },
    check,
};

fn btree(i: &Index) -> bool {
    i.method
        .as_deref()
        .is_none_or(|m| m.eq_ignore_ascii_case("btree"))
        && i.predicate.is_none()
        && i.include.is_empty()
}

fn is_prefix(short: &[IndexPart], long: &[IndexPart]) -> bool {
    short.len() < long.len() && short.iter().zip(long).all(|(a, b)| a == b)
}

fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.schema.dialect;
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        let mut longer: Vec<(String, Vec<IndexPart>)> = Vec::new();
        if let Some(pk) = &t.primary_key {
            longer.push((
                "the primary key".into(),
                pk.columns.iter().cloned().map(IndexPart::column).collect(),
            ));
        }
        for u in &t.uniques {
            longer.push((
                format!("unique key ({})", u.columns.join(", ")),
                u.columns.iter().cloned().map(IndexPart::column).collect(),
            ));
        }
        for i in t.indexes.iter().filter(|i| btree(i)) {
            longer.push((format!("index {}", i.name), i.parts.clone()));
        }
        for i in t.indexes.iter().filter(|i| btree(i) && !i.unique) {
            if i.parts.iter().any(|p| matches!(p.key, IndexKey::Expr(_))) {
                continue;
            }
            if let Some((by, _)) = longer.iter().find(|(_, parts)| is_prefix(&i.parts, parts)) {
                out.push(Hit::new(
                    index_object(&q, i),
                    format!("index {} on {q} is a prefix of {by}", i.name),
                    drop_sql(d, &q, i),
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
        let sql = "CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nCREATE UNIQUE INDEX t_a_u ON t (a);\nCREATE INDEX t_ab ON t (a, b);\nCREATE INDEX t_b ON t (b) WHERE a > 0;\nCREATE INDEX t_ba ON t (b DESC, a);\nCREATE INDEX t_bb ON t (b);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b));\nCREATE INDEX t_a ON t (a);\nCREATE INDEX t_bc ON t (b, c);\nCREATE INDEX t_b ON t (b);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec!["index public.t.t_a", "index public.t.t_b"]
        );
    }
}
