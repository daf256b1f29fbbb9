//! MA106 mismatched-key-type.

use super::{ALL, AnalyzeRule, Context, Hit, column_object};
use migrex_dialect::format_type;
use migrex_lint::Rule;
use migrex_model::ColumnType;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA106",
        name: "mismatched-key-type",
        severity: Severity::Warning,
        dialects: ALL,
        summary: "A foreign key column whose type differs from the key it references: overflow, casts in every join, or a failed insert",
        doc: "An `integer` column referring to a `bigint` key fails once the parent's ids pass 2^31; a `varchar(20)` referring to a `varchar(36)` rejects valid keys; differing types make every join cast. MySQL refuses some mismatches outright and accepts others (signedness, width) silently.\n\nFix: give the referencing column the referenced key's type:\n\n    migrex refactor change-type orders.customer_id bigint",
    },
    check,
};

/// Types that differ only in MySQL display width are the same.
fn comparable(t: &ColumnType) -> ColumnType {
    match t {
        ColumnType::Integer {
            bytes, unsigned, ..
        } => ColumnType::Integer {
            bytes: *bytes,
            unsigned: *unsigned,
            display_width: None,
            zerofill: false,
        },
        other => other.clone(),
    }
}

fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.schema.dialect;
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        for fk in &t.foreign_keys {
            let Some(parent) = cx.schema.table(&fk.ref_table) else {
                continue;
            };
            for (c, r) in fk.columns.iter().zip(&fk.ref_columns) {
                let (Some(col), Some(key)) = (t.columns.get(c), parent.columns.get(r)) else {
                    continue;
                };
                if comparable(&super::semantic(d, &col.ty))
                    != comparable(&super::semantic(d, &key.ty))
                {
                    let want = format_type(d, &key.ty);
                    out.push(Hit::new(
                        column_object(&q, c),
                        format!(
                            "{q}.{c} is {} but refers to {}.{r}, which is {want}",
                            format_type(d, &col.ty),
                            fk.ref_table
                        ),
                        format!("migrex refactor change-type {}.{c} '{want}'", q.name),
                    ));
                }
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
        let sql = "CREATE TABLE p (id bigint PRIMARY KEY);\nCREATE TABLE c (id int PRIMARY KEY, p_id bigint REFERENCES p);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE p (id bigint PRIMARY KEY);\nCREATE TABLE c (id int PRIMARY KEY, p_id int REFERENCES p);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec!["column public.c.p_id"]
        );
    }
}
