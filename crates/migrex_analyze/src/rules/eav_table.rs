//! MA206 eav-table.

use super::{ALL, AnalyzeRule, Context, Hit, table_object};
use migrex_lint::Rule;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA206",
        name: "eav-table",
        severity: Severity::Info,
        dialects: ALL,
        summary: "An entity-attribute-value table: attributes as rows lose types, constraints and simple queries",
        doc: "A table of (entity, attribute name, value) rows stores every attribute as text, so the database can check neither types nor NOT NULL nor foreign keys, and reading one entity back takes a pivot (one join or aggregate per attribute).\n\nFix: real columns for the attributes every entity has (`migrex refactor` can move them), and a JSON document column (jsonb with a GIN index on PostgreSQL) for the truly open-ended rest.",
    },
    check,
};

const NAME: &[&str] = &[
    "attribute",
    "attr",
    "attribute_name",
    "attr_name",
    "key",
    "meta_key",
    "property",
    "prop",
    "field",
    "field_name",
    "param",
    "parameter",
    "setting",
    "option_name",
    "name",
];
const VALUE: &[&str] = &[
    "value",
    "val",
    "attribute_value",
    "attr_value",
    "meta_value",
    "property_value",
    "field_value",
    "param_value",
    "setting_value",
    "option_value",
];

fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        if t.columns.len() > 7 || t.partition_of.is_some() {
            continue;
        }
        let lower: Vec<String> = t.columns.keys().map(|c| c.to_ascii_lowercase()).collect();
        let name = lower.iter().find(|c| NAME.contains(&c.as_str()));
        let value = lower.iter().find(|c| VALUE.contains(&c.as_str()));
        let entity = !t.foreign_keys.is_empty()
            || lower.iter().any(|c| {
                c.ends_with("_id")
                    && t.primary_key.as_ref().is_none_or(|pk| {
                        pk.columns.len() > 1 || !pk.columns[0].eq_ignore_ascii_case(c)
                    })
            });
        if let (Some(n), Some(v), true) = (name, value, entity) {
            out.push(Hit::new(
                table_object(&q),
                format!(
                    "{q} stores attributes as rows ({n}, {v}): an entity-attribute-value table"
                ),
                "real columns for common attributes; a JSON column for open-ended ones".to_string(),
            ));
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
        let sql = "CREATE TABLE settings (name text PRIMARY KEY, value text);\nCREATE TABLE products (id int PRIMARY KEY, name text, value numeric, a int, b int, c int, d int, e int);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE products (id int PRIMARY KEY);\nCREATE TABLE product_attributes (product_id int REFERENCES products, attribute text, value text, PRIMARY KEY (product_id, attribute));\nCREATE TABLE wp_postmeta (meta_id bigint PRIMARY KEY, post_id bigint, meta_key varchar(255), meta_value text);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec![
                "table public.product_attributes",
                "table public.wp_postmeta"
            ]
        );
    }
}
