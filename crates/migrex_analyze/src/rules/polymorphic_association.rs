//! MA211 polymorphic-association.

use super::{ALL, AnalyzeRule, Context, Hit, table_object};
use crate::RelationshipKind;
use migrex_lint::Rule;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA211",
        name: "polymorphic-association",
        severity: Severity::Info,
        dialects: ALL,
        summary: "A `*_type` + `*_id` pair refers to rows of several tables: the database cannot enforce it",
        doc: "Rails `belongs_to :commentable, polymorphic: true` and Django's GenericForeignKey store a table name and an id. No foreign key can cover that, so deleting a post leaves its comments pointing nowhere, and every join needs the type in its condition.\n\nWhen the set of target tables is small and known, one nullable foreign key per target with a CHECK that exactly one is set keeps integrity:\n\n    ALTER TABLE comments ADD COLUMN post_id bigint REFERENCES posts, ADD COLUMN photo_id bigint REFERENCES photos,\n      ADD CONSTRAINT comments_one_target CHECK (num_nonnulls(post_id, photo_id) = 1);",
    },
    check,
};

fn check(cx: &Context) -> Vec<Hit> {
    cx.relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::Polymorphic)
        .map(|r| {
            Hit::new(
                table_object(&r.table),
                r.description.clone(),
                "one nullable foreign key per target table and a CHECK that exactly one is set"
                    .to_string(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::objects;
    use migrex_model::Dialect;

    #[test]
    fn ok() {
        let sql = "CREATE TABLE posts (id int PRIMARY KEY);\nCREATE TABLE c (id int PRIMARY KEY, post_id int REFERENCES posts, post_type text);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE c (id int PRIMARY KEY, commentable_type varchar(50), commentable_id bigint);\nCREATE TABLE t (id int PRIMARY KEY, content_type_id int, object_id text);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec!["table public.c", "table public.t"]
        );
    }
}
