//! MA204 varchar-limit.

use super::{ALL, AnalyzeRule, Context, Hit, column_object};
use migrex_lint::Rule;
use migrex_model::{ColumnType, Dialect, TextKind};
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA204",
        name: "varchar-limit",
        severity: Severity::Info,
        dialects: ALL,
        summary: "A character limit that does not fit its values: too small for what the column holds, unenforced, or a MySQL TEXT where a bounded VARCHAR belongs",
        doc: "Limits on character columns should come from the data, not habit:\n\n- an e-mail address may be 254 characters (RFC 5321) and a URL commonly 2,000: `varchar(100)` on `email` or `varchar(255)` on `url` rejects real values one day;\n- SQLite does not enforce `varchar(n)` at all: the limit is documentation only (use `CHECK (length(col) <= n)`);\n- MySQL/MariaDB `TEXT`/`MEDIUMTEXT`/`LONGTEXT` for short values (names, codes, e-mail, status, slug) cannot be fully indexed (only a prefix), has no default before 8.0.13, and is stored off-page: `VARCHAR(n)` is the type for them;\n- PostgreSQL `varchar` without a length is `text` under another name: use `text` (and a CHECK when a limit is a rule of the data).",
    },
    check,
};

fn has(name: &str, words: &[&str]) -> bool {
    let l = name.to_ascii_lowercase();
    words
        .iter()
        .any(|w| l == *w || l.ends_with(&format!("_{w}")) || l.ends_with(w))
}

fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.schema.dialect;
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        // SQLite: one finding per table listing its unenforced limits.
        let mut unenforced: Vec<String> = Vec::new();
        for (n, c) in &t.columns {
            let ty = super::semantic(d, &c.ty);
            let ColumnType::Text { kind, max_len } = &ty else {
                continue;
            };
            let obj = column_object(&q, n);
            let bounded = matches!(kind, TextKind::Varchar | TextKind::Char);
            if bounded && let Some(len) = *max_len {
                let floor = if has(n, &["email", "email_address", "mail"]) {
                    Some((254, "an e-mail address may have 254 characters"))
                } else if has(n, &["url", "uri", "link", "website", "homepage"]) {
                    Some((2000, "URLs of 2,000 characters are common"))
                } else {
                    None
                };
                if let Some((min, why)) = floor
                    && len < min
                {
                    out.push(Hit::new(
                        obj.clone(),
                        format!("{q}.{n} is limited to {len} characters; {why}"),
                        format!("widen it to {min} (a catalog-only change on PostgreSQL and, within the same length byte, MySQL)"),
                    ));
                    continue;
                }
                if d == Dialect::Sqlite {
                    unenforced.push(format!("{n} {len}"));
                }
                continue;
            }
            match (d, kind, max_len) {
                (Dialect::Postgres, TextKind::Varchar, None) => out.push(Hit::new(
                    obj,
                    format!("{q}.{n} is varchar without a length: text under another name"),
                    "declare it text".to_string(),
                )),
                (Dialect::Mysql, TextKind::Text | TextKind::MediumText | TextKind::LongText, _)
                    if has(n, &["name", "code", "email", "status", "slug", "title", "type", "username", "sku", "phone"]) =>
                {
                    out.push(Hit::new(
                        obj,
                        format!("{q}.{n} is a MySQL TEXT type for a short value: only a prefix of it can be indexed"),
                        "declare it VARCHAR(n) with the longest real value as n".to_string(),
                    ))
                }
                _ => {}
            }
        }
        if !unenforced.is_empty() {
            out.push(Hit::new(
                super::table_object(&q),
                format!(
                    "SQLite does not enforce the length limits of {q} ({})",
                    unenforced.join(", ")
                ),
                "add CHECK (length(col) <= n) where a limit is a rule of the data".to_string(),
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
        assert!(
            objects(
                &RULE,
                Dialect::Postgres,
                "CREATE TABLE t (email varchar(254), url text, name varchar(40), body text);"
            )
            .is_empty()
        );
        assert!(
            objects(
                &RULE,
                Dialect::Mysql,
                "CREATE TABLE t (name varchar(100), body text);"
            )
            .is_empty()
        );
    }

    #[test]
    fn err() {
        assert_eq!(
            objects(
                &RULE,
                Dialect::Postgres,
                "CREATE TABLE t (email varchar(100), website varchar(255), note varchar);"
            ),
            vec![
                "column public.t.email",
                "column public.t.website",
                "column public.t.note"
            ]
        );
        assert_eq!(
            objects(
                &RULE,
                Dialect::Mysql,
                "CREATE TABLE t (name text, body text);"
            ),
            vec!["column t.name"]
        );
        assert_eq!(
            objects(
                &RULE,
                Dialect::Sqlite,
                "CREATE TABLE t (code varchar(3), name varchar(9));"
            ),
            vec!["table t"]
        );
    }
}
