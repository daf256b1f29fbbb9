//! MA107 key-near-overflow (needs a live database: `migrex::live_findings`).

use super::{AnalyzeRule, Context, Hit};
use migrex_lint::Rule;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA107",
        name: "key-near-overflow",
        severity: Severity::Warning,
        dialects: &["postgres", "mysql", "sqlite"],
        summary: "An integer key has used half or more of its type's range: inserts will fail when it runs out",
        doc: "When a 4-byte `integer`/`int` key reaches 2,147,483,647, every insert fails and no quick fix exists: widening the key rewrites the table and every table referring to it. The time to change it is long before, while it can be done online.\n\nReported when the source is a live database: the greatest value of each single-column integer primary key (read from the key's index) against the type's maximum; a warning from 50%, an error from 85%.\n\nFix:\n\n    migrex refactor change-pk --table orders --to bigint   -- every referencing column follows",
    },
    check: needs_live_data,
};

/// The values come from the database: a schema read from DDL has none.
fn needs_live_data(_: &Context) -> Vec<Hit> {
    Vec::new()
}
