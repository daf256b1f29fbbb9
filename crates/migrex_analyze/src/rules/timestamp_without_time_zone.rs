//! MA202 timestamp-without-time-zone.

use super::{AnalyzeRule, Context, Hit, column_object};
use migrex_dialect::{qualified, quote_ident};
use migrex_lint::Rule;
use migrex_model::ColumnType;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA202",
        name: "timestamp-without-time-zone",
        severity: Severity::Info,
        dialects: &["postgres"],
        summary: "timestamp without time zone stores wall-clock readings: instants become ambiguous across zones and DST",
        doc: "PostgreSQL `timestamp` keeps the digits it was given and forgets the zone: the same column holds UTC from one client and local time from another, and an hour repeats at every DST change. `timestamptz` stores an instant (UTC inside) and converts on the way in and out; it costs the same 8 bytes.\n\nFix (rewrites the table; run it through an online plan on a large table):\n\n    ALTER TABLE events ALTER COLUMN created_at TYPE timestamptz USING created_at AT TIME ZONE 'UTC';\n\nKeep `timestamp` for genuinely zone-less readings (a store's opening hour), and suppress the finding there.",
    },
    check,
};

fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.schema.dialect;
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        for (n, c) in &t.columns {
            if matches!(c.ty, ColumnType::Timestamp { tz: false, .. }) {
                let col = quote_ident(d, n);
                out.push(Hit::new(
                    column_object(&q, n),
                    format!("{q}.{n} is timestamp without time zone"),
                    format!(
                        "ALTER TABLE {} ALTER COLUMN {col} TYPE timestamptz USING {col} AT TIME ZONE 'UTC'",
                        qualified(d, &q)
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
        assert!(
            objects(
                &RULE,
                Dialect::Postgres,
                "CREATE TABLE t (a timestamptz, b date, c time);"
            )
            .is_empty()
        );
    }

    #[test]
    fn err() {
        assert_eq!(
            objects(
                &RULE,
                Dialect::Postgres,
                "CREATE TABLE t (a timestamp, b timestamp(3) without time zone);"
            ),
            vec!["column public.t.a", "column public.t.b"]
        );
    }
}
