//! MA102 unindexed-foreign-key.

use super::{AnalyzeRule, Context, Hit, table_object};
use migrex_dialect::{qualified, quote_ident, quote_list};
use migrex_lint::Rule;
use migrex_model::{Dialect, IndexKey, Table};
use migrex_safety::Severity;
use std::collections::BTreeSet;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA102",
        name: "unindexed-foreign-key",
        severity: Severity::Warning,
        // MySQL/MariaDB create an index for every foreign key that lacks one.
        dialects: &["postgres", "sqlite"],
        summary: "A foreign key whose columns lead no index: every delete or key update in the parent scans the child",
        doc: "The database checks a foreign key from both sides. Inserting a child looks up the parent's key (indexed by its primary key), but deleting a parent row, or changing its key, must find the children: without an index whose leading columns are the foreign key's, that is a sequential scan of the child table for every parent row, under the lock of the delete. Joins from parent to children scan too.\n\nFix (PostgreSQL, without blocking writes):\n\n    CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\n\nAn index, primary key or unique key counts when the foreign key's columns are its first columns, in any order. MySQL and MariaDB create such an index themselves and are not checked.",
    },
    check,
};

/// True when some index of `t` starts with exactly `cols` (as a set).
pub(crate) fn is_indexed(t: &Table, cols: &[String]) -> bool {
    let want: BTreeSet<&str> = cols.iter().map(String::as_str).collect();
    let n = want.len();
    let leads = |lead: Vec<&str>| {
        lead.len() >= n && lead[..n].iter().copied().collect::<BTreeSet<_>>() == want
    };
    if let Some(pk) = &t.primary_key
        && leads(pk.columns.iter().map(String::as_str).collect())
    {
        return true;
    }
    if t.uniques
        .iter()
        .any(|u| leads(u.columns.iter().map(String::as_str).collect()))
    {
        return true;
    }
    t.indexes.iter().any(|i| {
        i.predicate.is_none()
            && i.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case("btree"))
            && leads(
                i.parts
                    .iter()
                    .map_while(|p| match &p.key {
                        IndexKey::Column(c) => Some(c.as_str()),
                        IndexKey::Expr(_) => None,
                    })
                    .collect(),
            )
    })
}

fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.schema.dialect;
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        // A partition's indexes come from its parent's, which is reported instead.
        if t.partition_of.is_some() {
            continue;
        }
        for fk in &t.foreign_keys {
            if is_indexed(t, &fk.columns) {
                continue;
            }
            let name = format!("{}_{}_idx", t.name, fk.columns.join("_"));
            let concurrently = if d == Dialect::Postgres {
                " CONCURRENTLY"
            } else {
                ""
            };
            out.push(Hit::new(
                table_object(&q),
                format!(
                    "{q}.({}) refers to {} without an index: each delete or key update there scans {q}",
                    fk.columns.join(", "),
                    fk.ref_table,
                ),
                format!(
                    "CREATE INDEX{concurrently} {} ON {} ({})",
                    quote_ident(d, &name),
                    qualified(d, &q),
                    quote_list(d, &fk.columns)
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::{hits, objects};

    const PARENT: &str = "CREATE TABLE p (id int PRIMARY KEY, a int, b int, UNIQUE (a, b));\n";

    #[test]
    fn ok() {
        let sql = format!(
            "{PARENT}CREATE TABLE c1 (id int PRIMARY KEY, p_id int REFERENCES p);\nCREATE INDEX c1_p ON c1 (p_id, id);\n\
             CREATE TABLE c2 (p_id int REFERENCES p, x int, PRIMARY KEY (p_id, x));\n\
             CREATE TABLE c3 (id int PRIMARY KEY, a int, b int, FOREIGN KEY (b, a) REFERENCES p (b, a));\nCREATE INDEX c3_ab ON c3 (a, b);"
        );
        assert!(objects(&RULE, Dialect::Postgres, &sql).is_empty());
    }

    #[test]
    fn err() {
        // A partial index, an index that does not lead with the key, and no index.
        let sql = format!(
            "{PARENT}CREATE TABLE c1 (id int PRIMARY KEY, p_id int REFERENCES p);\nCREATE INDEX c1_p ON c1 (p_id) WHERE p_id > 0;\n\
             CREATE TABLE c2 (id int PRIMARY KEY, x int, p_id int REFERENCES p);\nCREATE INDEX c2_x ON c2 (x, p_id);\n\
             CREATE TABLE c3 (id int PRIMARY KEY, p_id int REFERENCES p);"
        );
        let h = hits(&RULE, Dialect::Postgres, &sql);
        assert_eq!(h.len(), 3, "{h:?}");
        assert_eq!(
            h[2].help.as_deref(),
            Some("CREATE INDEX CONCURRENTLY \"c3_p_id_idx\" ON \"c3\" (\"p_id\")")
        );
        assert_eq!(
            objects(
                &RULE,
                Dialect::Sqlite,
                "CREATE TABLE p (id integer PRIMARY KEY);\nCREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id));"
            ),
            vec!["table c"]
        );
    }
}
