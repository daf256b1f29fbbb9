//! MA205 foreign-key-cycle.

use super::{ALL, AnalyzeRule, Context, Hit, table_object};
use crate::RelationshipKind;
use migrex_lint::Rule;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA205",
        name: "foreign-key-cycle",
        severity: Severity::Info,
        dialects: ALL,
        summary: "Tables that refer to each other in a cycle: loading, copying and deleting need a careful order or deferred keys",
        doc: "With `a -> b -> a`, no insertion order satisfies both keys unless one column is nullable (insert, then update) or the constraint is DEFERRABLE (PostgreSQL, SQLite: checked at COMMIT). Dumps, test fixtures and table copies all have to break the cycle. When every key in the cycle is NOT NULL and immediate, no first row can ever be inserted: that is a warning.\n\nFix: make one key of the cycle nullable or DEFERRABLE INITIALLY DEFERRED (PostgreSQL), or reconsider which side owns the relationship (store the 'current' pointer in a separate table).",
    },
    check,
};

fn check(cx: &Context) -> Vec<Hit> {
    cx.relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Cycle)
        .map(|r| {
            let mut h = Hit::new(
                table_object(&r.table),
                r.description.clone(),
                "make one key of the cycle nullable or DEFERRABLE INITIALLY DEFERRED".to_string(),
            );
            if !r.optional {
                h.severity = Some(Severity::Warning);
            }
            h
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::hits;
    use migrex_model::Dialect;

    #[test]
    fn ok() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY, parent int REFERENCES a);\nCREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);";
        assert!(hits(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b_id int NOT NULL);\nCREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);\nALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;";
        let h = hits(&RULE, Dialect::Postgres, sql);
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].severity, None, "a nullable key breaks the cycle");
        let sql = "CREATE TABLE a (id int PRIMARY KEY, b_id int NOT NULL);\nCREATE TABLE b (id int PRIMARY KEY, a_id int NOT NULL REFERENCES a);\nALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;";
        let h = hits(&RULE, Dialect::Postgres, sql);
        assert_eq!(h[0].severity, Some(Severity::Warning));
    }
}
