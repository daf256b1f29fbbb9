//! MA209 wide-table.

use super::{ALL, AnalyzeRule, Context, Hit, table_object};
use migrex_lint::Rule;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA209",
        name: "wide-table",
        severity: Severity::Info,
        dialects: ALL,
        summary: "A table with more than 50 columns: usually several entities, or optional attributes, in one row",
        doc: "Very wide rows mean every query reads (and every UPDATE rewrites, on PostgreSQL) all of them, most columns are NULL for most rows, and the table mixes facts about several things. Groups of columns that are set together, or only for some rows, are candidates for a 1:1 side table.\n\nFix:\n\n    migrex refactor split-table --table accounts --into account_billing --columns billing_name,billing_street,billing_city",
    },
    check,
};

const LIMIT: usize = 50;

fn check(cx: &Context) -> Vec<Hit> {
    cx.schema
        .tables()
        .filter(|(_, t)| t.columns.len() > LIMIT && t.partition_of.is_none())
        .map(|(q, t)| {
            Hit::new(
                table_object(&q),
                format!("{q} has {} columns", t.columns.len()),
                "move groups of optional or rarely read columns to a 1:1 table (split-table recipe)".to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::objects;
    use migrex_model::Dialect;

    fn table(n: usize) -> String {
        let cols: Vec<String> = (0..n).map(|i| format!("c{i} int")).collect();
        format!("CREATE TABLE t ({});", cols.join(", "))
    }

    #[test]
    fn ok() {
        assert!(objects(&RULE, Dialect::Sqlite, &table(50)).is_empty());
    }

    #[test]
    fn err() {
        assert_eq!(objects(&RULE, Dialect::Sqlite, &table(51)), vec!["table t"]);
    }
}
