//! MA103 duplicate-index.

use super::{ALL, AnalyzeRule, Context, Hit};
use migrex_dialect::{qualified, quote_ident};
use migrex_lint::Rule;
use migrex_model::{Dialect, Index, IndexKey, IndexPart, QualifiedName, Table};
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA103",
        name: "duplicate-index",
        severity: Severity::Warning,
        dialects: ALL,
        summary: "Two indexes (or an index and a key) on the same columns: every write maintains both, reads use one",
        doc: "An index with the same columns, order, expressions, method and predicate as another index, the primary key or a unique key adds nothing for reads and costs every INSERT, UPDATE and DELETE, plus disk, cache and vacuum work. A unique index makes a plain index on the same columns redundant; the reverse is not true, so the plain one is reported.\n\nFix (PostgreSQL, without blocking writes):\n\n    DROP INDEX CONCURRENTLY users_email_idx2;\n\nMySQL: `ALTER TABLE users DROP INDEX users_email_idx2, ALGORITHM=INPLACE, LOCK=NONE`.",
    },
    check,
};

/// What makes two btree-like indexes answer the same queries: parts and their modifiers,
/// method, predicate, included columns.
pub(crate) fn signature(i: &Index) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}",
        i.parts,
        i.method.as_deref().map(str::to_ascii_lowercase),
        i.predicate,
        i.include
    )
}

fn key_signature(cols: &[String]) -> String {
    signature(&Index {
        name: String::new(),
        unique: true,
        parts: cols.iter().map(|c| IndexPart::column(c.clone())).collect(),
        method: None,
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct: false,
        comment: None,
    })
}

pub(crate) fn index_object(t: &QualifiedName, i: &Index) -> String {
    format!("index {t}.{}", i.name)
}

pub(crate) fn drop_sql(d: Dialect, t: &QualifiedName, i: &Index) -> String {
    match d {
        Dialect::Postgres => format!(
            "DROP INDEX CONCURRENTLY {}",
            qualified(d, &QualifiedName::new(t.namespace.clone(), i.name.clone()))
        ),
        Dialect::Mysql => format!(
            "ALTER TABLE {} DROP INDEX {}, ALGORITHM=INPLACE, LOCK=NONE",
            qualified(d, t),
            quote_ident(d, &i.name)
        ),
        Dialect::Sqlite => format!("DROP INDEX {}", quote_ident(d, &i.name)),
    }
}

fn plain_columns(i: &Index) -> bool {
    i.parts.iter().all(|p| matches!(p.key, IndexKey::Column(_)))
}

fn duplicates(t: &Table) -> Vec<(&Index, String)> {
    let mut out = Vec::new();
    let mut keys: Vec<(String, String)> = Vec::new();
    if let Some(pk) = &t.primary_key {
        keys.push((key_signature(&pk.columns), "the primary key".into()));
    }
    for u in &t.uniques {
        keys.push((
            key_signature(&u.columns),
            format!(
                "unique key {}",
                u.name
                    .clone()
                    .unwrap_or_else(|| format!("({})", u.columns.join(", ")))
            ),
        ));
    }
    for (n, i) in t.indexes.iter().enumerate() {
        let sig = signature(i);
        if plain_columns(i)
            && let Some((_, what)) = keys.iter().find(|(k, _)| *k == sig)
        {
            out.push((i, what.clone()));
            continue;
        }
        // The same index earlier; a unique one keeps priority over a plain one.
        let twin = t.indexes.iter().enumerate().find(|(m, j)| {
            *m != n
                && signature(j) == sig
                && ((j.unique && !i.unique) || (j.unique == i.unique && *m < n))
        });
        if let Some((_, j)) = twin {
            out.push((i, format!("index {}", j.name)));
        }
    }
    out
}

fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.schema.dialect;
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        for (i, what) in duplicates(t) {
            out.push(Hit::new(
                index_object(&q, i),
                format!("index {} on {q} duplicates {what}", i.name),
                drop_sql(d, &q, i),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::objects;

    #[test]
    fn ok() {
        let sql = "CREATE TABLE t (id int PRIMARY KEY, a int, b int);\nCREATE INDEX t_a ON t (a);\nCREATE INDEX t_ab ON t (a, b);\nCREATE INDEX t_a_part ON t (a) WHERE b > 0;\nCREATE INDEX t_a_desc ON t (a DESC);\nCREATE INDEX t_lower ON t ((a + 1));";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE t (id int PRIMARY KEY, a int, b int, UNIQUE (b));\nCREATE INDEX t_a ON t (a);\nCREATE INDEX t_a2 ON t (a);\nCREATE INDEX t_id ON t (id);\nCREATE INDEX t_b ON t (b);\nCREATE INDEX t_ab ON t (a, b);\nCREATE UNIQUE INDEX t_ab_u ON t (a, b);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec![
                "index public.t.t_a2",
                "index public.t.t_ab",
                "index public.t.t_b",
                "index public.t.t_id"
            ]
        );
        assert_eq!(
            objects(
                &RULE,
                Dialect::Mysql,
                "CREATE TABLE t (id int PRIMARY KEY, a int, KEY k1 (a), KEY k2 (a));"
            ),
            vec!["index t.k2"]
        );
    }
}
