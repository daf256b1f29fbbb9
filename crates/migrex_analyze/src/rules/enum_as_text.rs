//! MA212 enum-as-text (needs a live PostgreSQL database: `migrex::live_findings`).

use super::{AnalyzeRule, Context, Hit};
use migrex_lint::Rule;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA212",
        name: "enum-as-text",
        severity: Severity::Info,
        dialects: &["postgres"],
        summary: "A free-text column that holds a handful of distinct values over many rows: an enumeration nothing enforces",
        doc: "`status text` holding 'open', 'paid' and 'shipped' across a million rows is an enumeration: a typo ('shiped') is accepted, the set of values is written down nowhere, and every row repeats the text.\n\nReported when the source is a live PostgreSQL database, from the planner's statistics (`pg_stats.n_distinct` at most 10 on a table of at least 1,000 rows; run ANALYZE first): no table is scanned.\n\nFix: a CHECK constraint listing the values, an enum type, or a lookup table with a foreign key:\n\n    migrex refactor extract-lookup --column orders.status",
    },
    check: needs_live_data,
};

/// The values come from the database's statistics: a schema read from DDL has none.
fn needs_live_data(_: &Context) -> Vec<Hit> {
    Vec::new()
}
