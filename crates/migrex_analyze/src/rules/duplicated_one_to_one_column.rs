//! MA213 duplicated-one-to-one-column.

use super::{ALL, AnalyzeRule, Context, Hit, column_object};
use crate::RelationshipKind;
use crate::relationships::BOOKKEEPING;
use migrex_lint::Rule;
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA213",
        name: "duplicated-one-to-one-column",
        severity: Severity::Info,
        dialects: ALL,
        summary: "Two tables in a one-to-one relationship both hold a column of the same name and type: one fact stored twice",
        doc: "When `user_profiles` is keyed by `users.id` (one profile per user) and both tables have `email varchar(254)`, the email is stored twice. Nothing keeps the copies equal: an update that touches one leaves the other stale, and readers disagree about which is right.\n\nKey columns (the relationship's own columns and primary keys) and bookkeeping timestamps (`created_at`, `updated_at`, ...) are not reported: each table legitimately has its own.\n\nFix: keep the column in one table and drop the copy (after checking that they agree), or, when the split has no reason, merge the tables:\n\n    migrex refactor merge-tables --table users --from user_profiles",
    },
    check,
};

fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for rel in cx.relationships {
        if rel.kind != RelationshipKind::OneToOne {
            continue;
        }
        let [parent_name] = rel.references.as_slice() else {
            continue;
        };
        let (Some(child), Some(parent)) =
            (cx.schema.table(&rel.table), cx.schema.table(parent_name))
        else {
            continue;
        };
        let keyed = |t: &migrex_model::Table, c: &str| {
            t.primary_key
                .as_ref()
                .is_some_and(|p| p.columns.iter().any(|k| k == c))
                || t.foreign_keys
                    .iter()
                    .any(|f| f.columns.iter().any(|k| k == c))
        };
        for (name, column) in &child.columns {
            let lower = name.to_ascii_lowercase();
            if rel.columns.contains(name)
                || BOOKKEEPING.contains(&lower.as_str())
                || keyed(child, name)
                || column.generated.is_some()
            {
                continue;
            }
            let Some(twin) = parent.columns.get(name) else {
                continue;
            };
            if twin.ty != column.ty || keyed(parent, name) || twin.generated.is_some() {
                continue;
            }
            out.push(Hit::new(
                column_object(&rel.table, name),
                format!(
                    "{}.{name} repeats {parent_name}.{name} (same type) across a one-to-one relationship",
                    rel.table
                ),
                format!(
                    "keep {name} in one table and drop the copy, or merge the tables: migrex refactor merge-tables --table {} --from {}",
                    parent_name.name, rel.table.name
                ),
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

    const USERS: &str =
        "CREATE TABLE users (id int PRIMARY KEY, email varchar(254), created_at timestamptz);";

    #[test]
    fn ok() {
        // 1:N (the key is not unique): a copy per child row is a different smell, not this one.
        let one_to_many = format!(
            "{USERS} CREATE TABLE orders (id int PRIMARY KEY, user_id int REFERENCES users, email varchar(254));"
        );
        assert!(objects(&RULE, Dialect::Postgres, &one_to_many).is_empty());
        // Same name, other type; bookkeeping timestamps; the key itself.
        let distinct = format!(
            "{USERS} CREATE TABLE profiles (user_id int PRIMARY KEY REFERENCES users, email text, created_at timestamptz);"
        );
        assert!(objects(&RULE, Dialect::Postgres, &distinct).is_empty());
    }

    #[test]
    fn err() {
        let keyed_by_pk = format!(
            "{USERS} CREATE TABLE profiles (user_id int PRIMARY KEY REFERENCES users, email varchar(254), bio text);"
        );
        assert_eq!(
            objects(&RULE, Dialect::Postgres, &keyed_by_pk),
            vec!["column public.profiles.email"]
        );
        let unique_fk = "CREATE TABLE users (id integer PRIMARY KEY, name text);
             CREATE TABLE settings (id integer PRIMARY KEY, user_id integer UNIQUE REFERENCES users(id), name text);";
        assert_eq!(
            objects(&RULE, Dialect::Sqlite, unique_fk),
            vec!["column settings.name"]
        );
    }
}
