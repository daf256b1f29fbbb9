//! MA207 list-in-column.

use super::{ALL, AnalyzeRule, Context, Hit, column_object};
use migrex_lint::Rule;
use migrex_model::ColumnType;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA207",
        name: "list-in-column",
        severity: Severity::Info,
        dialects: ALL,
        summary: "A list of keys kept in one text, JSON or array column: a relationship without a foreign key, an index or a join",
        doc: "`tag_ids = '3,17,42'` (or a JSON/array of ids) is a many-to-many relationship the database cannot see: no foreign key keeps the ids valid, removing one id rewrites the string, `LIKE '%,17,%'` cannot use an index, and the list has no room for attributes of the link.\n\nFix: a junction table with one row per link and a foreign key on each side, filled from the list once:\n\n    CREATE TABLE post_tags (post_id bigint REFERENCES posts, tag_id bigint REFERENCES tags, PRIMARY KEY (post_id, tag_id));\n    INSERT INTO post_tags SELECT p.id, t::bigint FROM posts p, unnest(string_to_array(p.tag_ids, ',')) AS t;   -- PostgreSQL\n\nReported by name (`*_ids`, `*_list`, `*Ids`) on text, JSON and array columns; with a live database the values can confirm it.",
    },
    check,
};

fn list_named(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.ends_with("_ids")
        || l.ends_with("_list")
        || (name.ends_with("Ids") && name.len() > 3)
        || l == "ids"
}

fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        for (n, c) in &t.columns {
            let holds_list = matches!(
                super::semantic(cx.schema.dialect, &c.ty),
                ColumnType::Text { .. } | ColumnType::Json { .. } | ColumnType::Array { .. }
            );
            if holds_list && list_named(n) {
                out.push(Hit::new(
                    column_object(&q, n),
                    format!("{q}.{n} keeps a list of keys in one column"),
                    "a junction table with a foreign key on each side, filled from the list"
                        .to_string(),
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
        let sql = "CREATE TABLE t (id int PRIMARY KEY, user_id int, tags text, idsx text, watch_list_id int);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE t (id int PRIMARY KEY, tag_ids text, role_ids jsonb, owner_ids int[], email_list varchar(500));";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec![
                "column public.t.tag_ids",
                "column public.t.role_ids",
                "column public.t.owner_ids",
                "column public.t.email_list"
            ]
        );
    }
}
