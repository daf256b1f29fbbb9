//! DIALECT FACTS: identifier quoting, type spelling and expression normalization per dialect.
//!
//! Input: names, type spellings and expressions as read from DDL or catalogs. Output: the model's
//! normalized forms (`ColumnType`, `Expr`) and their rendering back to SQL.
//! Allowed dependencies: model, sqlparser. Per-dialect facts live in `postgres.rs`, `mysql.rs`,
//! `sqlite.rs`; every function here is one exhaustive `match` over `Dialect`.
//!
//! Both SQL sources (DDL reader, live introspection) must go through `parse_type` and `expr`, so
//! a schema read from a file equals the one introspected after loading that file.

pub mod mysql;
mod normalize;
pub mod postgres;
pub mod sqlite;

use migrex_model::{ColumnType, Dialect, Expr, QualifiedName};

pub use normalize::{expr_key, query_key, statements_key};

/// Quotes an identifier by the dialect's rules, always (a hostile or reserved name can never
/// become SQL): PostgreSQL and SQLite `"a""b"`, MySQL `` `a``b` ``.
pub fn quote_ident(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Postgres | Dialect::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
    }
}

/// A table or type name as the dialect writes it: PostgreSQL qualifies every namespace but
/// `public`; MySQL and SQLite have a single namespace.
pub fn qualified(dialect: Dialect, name: &QualifiedName) -> String {
    match dialect {
        Dialect::Postgres if !name.namespace.is_empty() && name.namespace != "public" => {
            format!(
                "{}.{}",
                quote_ident(dialect, &name.namespace),
                quote_ident(dialect, &name.name)
            )
        }
        _ => quote_ident(dialect, &name.name),
    }
}

/// A comma-separated list of quoted identifiers.
pub fn quote_list(dialect: Dialect, names: &[String]) -> String {
    names
        .iter()
        .map(|n| quote_ident(dialect, n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A string literal: `'it''s'`. MySQL also escapes backslashes (its default `sql_mode` treats
/// them as escapes inside strings).
pub fn quote_string(dialect: Dialect, s: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''")),
        Dialect::Postgres | Dialect::Sqlite => format!("'{}'", s.replace('\'', "''")),
    }
}

/// Parses a type as spelled in DDL or printed by the catalog (`int4`, `character varying(20)`,
/// `int(10) unsigned`, `NVARCHAR(160)`) into its normalized model form.
pub fn parse_type(dialect: Dialect, spelled: &str) -> ColumnType {
    match dialect {
        Dialect::Postgres => postgres::parse_type(spelled),
        Dialect::Mysql => mysql::parse_type(spelled),
        Dialect::Sqlite => sqlite::parse_type(spelled),
    }
}

/// Renders a model type in the dialect's spelling.
pub fn format_type(dialect: Dialect, ty: &ColumnType) -> String {
    match dialect {
        Dialect::Postgres => postgres::format_type(ty),
        Dialect::Mysql => mysql::format_type(ty),
        Dialect::Sqlite => sqlite::format_type(ty),
    }
}

/// An expression as read (`sql`) with its normalized comparison key.
pub fn expr(dialect: Dialect, sql: &str) -> Expr {
    let sql = sql.trim();
    Expr::with_key(sql, expr_key(dialect, sql))
}

/// A query (view definition) as read, with its normalized comparison key.
pub fn query_expr(dialect: Dialect, sql: &str) -> Expr {
    let sql = sql.trim();
    Expr::with_key(sql, query_key(dialect, sql))
}

/// A routine or trigger body as stored, with a key that ignores whitespace and comments (the
/// databases keep bodies verbatim, but a dump tool may re-indent them). Keywords and
/// identifiers keep their case: inside a body they may be string contents of dynamic SQL.
/// A body the tokenizer rejects keys on its whitespace-collapsed text.
pub fn body(dialect: Dialect, sql: &str) -> Expr {
    let sql = sql.trim();
    Expr::with_key(sql, body_key(dialect, sql))
}

pub fn body_key(dialect: Dialect, sql: &str) -> String {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let d = parser_dialect(dialect);
    match Tokenizer::new(d.as_ref(), sql).tokenize() {
        Ok(tokens) => {
            let mut out = String::with_capacity(sql.len());
            for t in tokens {
                if matches!(t, Token::Whitespace(_)) {
                    continue;
                }
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(&t.to_string());
            }
            out.trim_end_matches([';', ' ']).to_string()
        }
        Err(_) => sql.split_whitespace().collect::<Vec<_>>().join(" "),
    }
}

/// The sqlparser dialect used to parse this dialect's SQL.
pub fn parser_dialect(dialect: Dialect) -> Box<dyn sqlparser::dialect::Dialect> {
    match dialect {
        Dialect::Postgres => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
        Dialect::Mysql => Box::new(sqlparser::dialect::MySqlDialect {}),
        Dialect::Sqlite => Box::new(sqlparser::dialect::SQLiteDialect {}),
    }
}

#[cfg(test)]
mod body_tests {
    use super::*;

    #[test]
    fn body_keys_ignore_layout_and_comments_but_not_case() {
        let a = body(
            Dialect::Postgres,
            "\n  BEGIN\n    -- bump\n    NEW.n := NEW.n + 1;\n    RETURN NEW;\n  END;\n",
        );
        let b = body(
            Dialect::Postgres,
            "BEGIN NEW.n := NEW.n + 1; /* c */ RETURN NEW; END",
        );
        assert_eq!(a, b);
        let c = body(
            Dialect::Postgres,
            "BEGIN new.n := NEW.n + 1; RETURN NEW; END",
        );
        assert_ne!(a, c);
        let s1 = body(Dialect::Mysql, "SET NEW.x = 'a  b'");
        let s2 = body(Dialect::Mysql, "SET NEW.x = 'a b'");
        assert_ne!(s1, s2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_stay_identifiers() {
        assert_eq!(
            quote_ident(Dialect::Postgres, "a\"; DROP TABLE x; --"),
            "\"a\"\"; DROP TABLE x; --\""
        );
        assert_eq!(quote_ident(Dialect::Mysql, "a`b"), "`a``b`");
        assert_eq!(quote_string(Dialect::Mysql, "it's \\"), "'it''s \\\\'");
    }

    #[test]
    fn qualification() {
        assert_eq!(
            qualified(Dialect::Postgres, &QualifiedName::new("public", "t")),
            "\"t\""
        );
        assert_eq!(
            qualified(Dialect::Postgres, &QualifiedName::new("s", "t")),
            "\"s\".\"t\""
        );
        assert_eq!(
            qualified(Dialect::Mysql, &QualifiedName::new("", "t")),
            "`t`"
        );
    }
}
