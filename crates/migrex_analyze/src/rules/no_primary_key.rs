//! MA101 no-primary-key.

use super::{ALL, AnalyzeRule, Context, Hit, table_object};
use crate::relationships::unique_sets;
use migrex_dialect::{qualified, quote_list};
use migrex_lint::Rule;
use migrex_model::{Dialect, TableOptions};
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA101",
        name: "no-primary-key",
        severity: Severity::Warning,
        dialects: ALL,
        summary: "A table without a primary key: rows cannot be addressed, replicated or updated one by one reliably",
        doc: "Without a primary key a row has no identity: duplicates cannot be told apart, UPDATE/DELETE of one row needs every column, logical replication (PostgreSQL REPLICA IDENTITY), MySQL group replication and most ORMs refuse or misbehave, and InnoDB invents a hidden 6-byte key that nothing can use.\n\nFix: promote a unique key of NOT NULL columns, or add a surrogate key:\n\n    ALTER TABLE events ADD PRIMARY KEY (event_uid);\n    ALTER TABLE events ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;   -- PostgreSQL\n\nPartitions inherit their parent's key and are not reported.",
    },
    check,
};

fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.schema.dialect;
    cx.schema
        .tables()
        .filter(|(_, t)| t.primary_key.is_none() && t.partition_of.is_none())
        .map(|(q, t)| {
            let not_null_key = unique_sets(t).into_iter().find(|k| {
                k.iter()
                    .all(|c| t.columns.get(c).is_some_and(|col| !col.nullable))
            });
            let help = match not_null_key {
                Some(k) => {
                    let cols: Vec<String> = k.into_iter().collect();
                    format!(
                        "promote its unique key: ALTER TABLE {} ADD PRIMARY KEY ({})",
                        qualified(d, &q),
                        quote_list(d, &cols)
                    )
                }
                None => match d {
                    Dialect::Postgres => format!(
                        "ALTER TABLE {} ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                        qualified(d, &q)
                    ),
                    Dialect::Mysql => format!(
                        "ALTER TABLE {} ADD COLUMN id bigint UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY FIRST",
                        qualified(d, &q)
                    ),
                    Dialect::Sqlite => "rebuild it with an INTEGER PRIMARY KEY column (migrex diff with the key added to the desired schema)".into(),
                },
            };
            Hit::new(
                table_object(&q),
                {
                let inherits = match &t.options {
                    TableOptions::Postgres(o) => o.inherits.as_slice(),
                    _ => &[],
                };
                if inherits.is_empty() {
                    format!("{q} has no primary key ({} columns)", t.columns.len())
                } else {
                    let parents: Vec<String> = inherits.iter().map(ToString::to_string).collect();
                    format!(
                        "{q} has no primary key (an inheritance child of {}: keys are not inherited)",
                        parents.join(", ")
                    )
                }
                },
                help,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{hits, objects};

    #[test]
    fn ok() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE p (k int) PARTITION BY RANGE (k);\nCREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (10);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec!["table public.p"]
        );
    }

    #[test]
    fn err() {
        let h = hits(
            &RULE,
            Dialect::Postgres,
            "CREATE TABLE e (uid text NOT NULL UNIQUE, body text);\nCREATE TABLE f (x int);",
        );
        assert_eq!(h.len(), 2);
        assert!(
            h[0].help
                .as_deref()
                .unwrap()
                .contains("ADD PRIMARY KEY (\"uid\")"),
            "{h:?}"
        );
        assert!(h[1].help.as_deref().unwrap().contains("IDENTITY"), "{h:?}");
        assert_eq!(
            objects(&RULE, Dialect::Mysql, "CREATE TABLE f (x int);"),
            vec!["table f"]
        );
    }
}
