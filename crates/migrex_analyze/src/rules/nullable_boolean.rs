//! MA203 nullable-boolean.

use super::{ALL, AnalyzeRule, Context, Hit, column_object};
use migrex_lint::Rule;
use migrex_model::ColumnType;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA203",
        name: "nullable-boolean",
        severity: Severity::Info,
        dialects: ALL,
        summary: "A nullable boolean has three states: NOT col and col = false stop meaning the same thing",
        doc: "NULL in a boolean is a third value nobody designed: `WHERE NOT active` skips the NULL rows, application code maps NULL to false (or crashes), and the meaning of unknown is never written down. When the third state is real, an enum or a nullable timestamp (`verified_at`) says what it is.\n\nFix:\n\n    UPDATE users SET active = false WHERE active IS NULL;   -- in batches on a large table\n    ALTER TABLE users ALTER COLUMN active SET DEFAULT false, ALTER COLUMN active SET NOT NULL;\n\nMySQL `tinyint(1)` (BOOLEAN) columns count as booleans.",
    },
    check,
};

fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        for (n, c) in &t.columns {
            let boolean = matches!(
                super::semantic(cx.schema.dialect, &c.ty),
                ColumnType::Bool
                    | ColumnType::Integer {
                        bytes: 1,
                        display_width: Some(1),
                        ..
                    }
            );
            if boolean && c.nullable && c.generated.is_none() {
                out.push(Hit::new(
                    column_object(&q, n),
                    format!("{q}.{n} is a nullable boolean"),
                    format!("backfill NULLs, then make {n} NOT NULL with a default (`migrex refactor add-column` style backfill)"),
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
        assert!(
            objects(
                &RULE,
                Dialect::Postgres,
                "CREATE TABLE t (a boolean NOT NULL DEFAULT false, b int);"
            )
            .is_empty()
        );
        assert!(
            objects(
                &RULE,
                Dialect::Mysql,
                "CREATE TABLE t (a tinyint(1) NOT NULL, b tinyint);"
            )
            .is_empty()
        );
    }

    #[test]
    fn err() {
        assert_eq!(
            objects(&RULE, Dialect::Postgres, "CREATE TABLE t (a boolean);"),
            vec!["column public.t.a"]
        );
        assert_eq!(
            objects(&RULE, Dialect::Mysql, "CREATE TABLE t (a BOOLEAN);"),
            vec!["column t.a"]
        );
    }
}
