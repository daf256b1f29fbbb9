//! MA105 missing-foreign-key.

use super::{ALL, AnalyzeRule, Context, Hit, column_object};
use crate::RelationshipKind;
use migrex_dialect::{qualified, quote_ident, quote_list};
use migrex_lint::Rule;
use migrex_model::Dialect;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA105",
        name: "missing-foreign-key",
        severity: Severity::Warning,
        dialects: ALL,
        summary: "A column named like another table's key, of the same type, without a foreign key: orphans are only a bug away",
        doc: "`orders.customer_id` next to a `customers` table keyed by `id` (or a table whose key column is itself named `customer_id`) is a reference the database does not know about: deleting a customer leaves orders pointing nowhere, and nothing tells the planner or a reader that the two are related.\n\nFix (PostgreSQL: the check of existing rows happens in VALIDATE, which does not block writes; first find orphans):\n\n    SELECT count(*) FROM orders o WHERE customer_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id);\n    ALTER TABLE orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;\n\nPolymorphic pairs (`*_type` + `*_id`) are MA211, not this rule.",
    },
    check,
};

fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.schema.dialect;
    cx.relationships
        .iter()
        .filter(|r| r.kind == RelationshipKind::MissingForeignKey)
        .map(|r| {
            let col = &r.columns[0];
            let parent = &r.references[0];
            let name = format!("{}_{}_fkey", r.table.name, col);
            let add = format!(
                "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
                qualified(d, &r.table),
                quote_ident(d, &name),
                quote_list(d, &r.columns),
                qualified(d, parent),
                quote_list(d, &r.ref_columns)
            );
            let help = match d {
                Dialect::Postgres => format!("{add} NOT VALID; then VALIDATE CONSTRAINT {}", quote_ident(d, &name)),
                Dialect::Mysql => add,
                Dialect::Sqlite => "add the REFERENCES clause in the desired schema and let migrex diff rebuild the table".into(),
            };
            Hit::new(column_object(&r.table, col), r.description.clone(), help)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::objects;

    #[test]
    fn ok() {
        let sql = "CREATE TABLE customers (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers, tracking_id text, owner_id int, owner_type text);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE customers (id bigint PRIMARY KEY);\nCREATE TABLE category (category_id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, customer_id bigint, category_id int, status_id int);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec![
                "column public.orders.customer_id",
                "column public.orders.category_id"
            ]
        );
        // A type of another family is no reference.
        let sql = "CREATE TABLE customers (id int PRIMARY KEY);\nCREATE TABLE orders (id int PRIMARY KEY, customer_id text);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }
}
