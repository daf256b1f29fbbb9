//! sqlite: type spelling and expression-key rules.
//!
//! SQLite has no fixed set of types: a column's declared type is any sequence of names (with an
//! optional `(n)` or `(n, m)`), stored as written and reported back by `pragma table_xinfo`; only
//! its affinity matters to the engine. So the model keeps the declaration verbatim as
//! `ColumnType::Other` and a rendered schema reproduces the pragmas exactly.

use migrex_model::{BinaryKind, ColumnType, TextKind};
use sqlparser::ast::{Expr, UnaryOperator, Value};

/// The type names SQLite recognizes case-insensitively and reports back in upper case (the types
/// a STRICT table allows; SQLite canonicalizes them in every table, not only STRICT ones).
const STANDARD_TYPES: [&str; 6] = ["INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"];

/// Parses a sqlite type declaration into the model form: the declared text with whitespace
/// normalized (runs collapsed, none around parentheses and commas) and its case kept, except the
/// standard names SQLite itself upper-cases (`integer` is reported as `INTEGER`). A type written
/// as one quoted name (`"my type"`) is reported by SQLite without its quotes.
pub fn parse_type(spelled: &str) -> ColumnType {
    let text = unquote_whole(spelled.trim());
    let normalized = normalize_spacing(&text);
    if let Some(std) = STANDARD_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(&normalized))
    {
        return ColumnType::other(*std);
    }
    ColumnType::other(normalized)
}

/// `"my type"` / `[my type]` / `` `my type` `` / `'my type'` → `my type`, when the whole text is
/// one quoted token.
fn unquote_whole(s: &str) -> String {
    let pairs = [('"', '"'), ('[', ']'), ('`', '`'), ('\'', '\'')];
    for (open, close) in pairs {
        if s.len() >= 2 && s.starts_with(open) && s.ends_with(close) {
            let inner = &s[open.len_utf8()..s.len() - close.len_utf8()];
            // A doubled closing quote inside is an escaped one; a lone one ends the token early,
            // so the text is not a single quoted name.
            if open == close {
                let doubled = format!("{close}{close}");
                let rest = inner.replace(&doubled, "");
                if rest.contains(close) {
                    continue;
                }
                return inner.replace(&doubled, &close.to_string());
            }
            if inner.contains(close) {
                continue;
            }
            return inner.to_string();
        }
    }
    s.to_string()
}

/// Collapses whitespace runs to one space and drops spaces next to `(`, `)` and `,`:
/// `NVARCHAR ( 160 )` → `NVARCHAR(160)`, `decimal(10, 2)` → `decimal(10,2)`.
fn normalize_spacing(s: &str) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(collapsed.len());
    let chars: Vec<char> = collapsed.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let tight = |x: Option<char>| matches!(x, Some('(' | ')' | ','));
            if tight(prev) || tight(next) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Renders a model type in sqlite's spelling. A declared SQLite type is written back verbatim;
/// portable types (from another dialect's schema) get the usual SQLite spelling with the same
/// affinity as their meaning: integers `INTEGER` (so a single-column integer primary key is the
/// rowid), strings `TEXT`/`VARCHAR(n)`, `REAL`, `NUMERIC`, `BLOB`. JSON, UUID, enums and arrays
/// are `TEXT`: a name like `UUID` or `JSON` would get NUMERIC affinity and turn `'1e5'` into a
/// number.
pub fn format_type(ty: &ColumnType) -> String {
    let with_len = |base: &str, n: &Option<u32>| match n {
        Some(n) => format!("{base}({n})"),
        None => base.to_string(),
    };
    match ty {
        ColumnType::Other { name } => name.clone(),
        ColumnType::Integer { .. } => "INTEGER".into(),
        ColumnType::Decimal {
            precision, scale, ..
        } => match (precision, scale) {
            (Some(p), Some(s)) => format!("NUMERIC({p},{s})"),
            (Some(p), None) => format!("NUMERIC({p})"),
            _ => "NUMERIC".into(),
        },
        ColumnType::Float { .. } => "REAL".into(),
        ColumnType::Bool => "BOOLEAN".into(),
        ColumnType::Text { kind, max_len } => match kind {
            TextKind::Char => with_len("CHAR", max_len),
            TextKind::Varchar => with_len("VARCHAR", max_len),
            TextKind::Text | TextKind::TinyText | TextKind::MediumText | TextKind::LongText => {
                "TEXT".into()
            }
        },
        ColumnType::Binary { kind, max_len } => match kind {
            BinaryKind::Binary | BinaryKind::VarBinary if max_len.is_some() => {
                with_len("BLOB", max_len)
            }
            _ => "BLOB".into(),
        },
        ColumnType::Bit { .. } => "INTEGER".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time { .. } => "TIME".into(),
        ColumnType::Timestamp { .. } => "TIMESTAMP".into(),
        ColumnType::DateTime { .. } => "DATETIME".into(),
        ColumnType::Year => "INTEGER".into(),
        ColumnType::Json { binary: true } => "BLOB".into(),
        ColumnType::Interval { .. }
        | ColumnType::Json { binary: false }
        | ColumnType::Uuid
        | ColumnType::Enum { .. }
        | ColumnType::Set { .. }
        | ColumnType::Array { .. }
        | ColumnType::UserDefined { .. } => "TEXT".into(),
    }
}

/// sqlite-specific rewrites of an expression tree for its comparison key: `TRUE`/`FALSE` are the
/// integers 1 and 0 (SQLite has no boolean values), and a unary `+` on a literal is a no-op.
pub(crate) fn normalize_expr(e: &mut Expr) {
    match e {
        Expr::Value(v) => {
            if let Value::Boolean(b) = v.value {
                v.value = Value::Number(if b { "1" } else { "0" }.into(), false);
            }
        }
        Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } if matches!(**expr, Expr::Value(_)) => *e = (**expr).clone(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::Dialect;

    fn name(ty: ColumnType) -> String {
        match ty {
            ColumnType::Other { name } => name,
            other => panic!("expected Other, got {other:?}"),
        }
    }

    #[test]
    fn declared_types_are_kept_verbatim() {
        assert_eq!(name(parse_type("NVARCHAR(160)")), "NVARCHAR(160)");
        assert_eq!(name(parse_type("  NVARCHAR ( 160 ) ")), "NVARCHAR(160)");
        assert_eq!(name(parse_type("double   precision")), "double precision");
        assert_eq!(name(parse_type("decimal( 10 , 2 )")), "decimal(10,2)");
        assert_eq!(name(parse_type("BLOB SUB_TYPE TEXT")), "BLOB SUB_TYPE TEXT");
        assert_eq!(name(parse_type("UNSIGNED BIG INT")), "UNSIGNED BIG INT");
        assert_eq!(name(parse_type("varchar(10)")), "varchar(10)");
        assert_eq!(name(parse_type("")), "");
    }

    #[test]
    fn standard_names_are_upper_cased_like_sqlite_does() {
        assert_eq!(name(parse_type("integer")), "INTEGER");
        assert_eq!(name(parse_type("Int")), "INT");
        assert_eq!(name(parse_type("text")), "TEXT");
        assert_eq!(name(parse_type("any")), "ANY");
        // Only the bare name: with a length SQLite keeps the text.
        assert_eq!(name(parse_type("integer(10)")), "integer(10)");
    }

    #[test]
    fn a_single_quoted_name_loses_its_quotes() {
        assert_eq!(name(parse_type("\"my type\"")), "my type");
        assert_eq!(name(parse_type("[my type]")), "my type");
        assert_eq!(name(parse_type("\"a\"\"b\"")), "a\"b");
        // Two tokens, not one quoted name.
        assert_eq!(name(parse_type("\"a\" \"b\"")), "\"a\" \"b\"");
    }

    #[test]
    fn portable_types_get_sqlite_spellings() {
        assert_eq!(format_type(&ColumnType::int(8)), "INTEGER");
        assert_eq!(
            format_type(&ColumnType::Text {
                kind: TextKind::Varchar,
                max_len: Some(20)
            }),
            "VARCHAR(20)"
        );
        assert_eq!(
            format_type(&ColumnType::Decimal {
                precision: Some(10),
                scale: Some(2),
                unsigned: false
            }),
            "NUMERIC(10,2)"
        );
        assert_eq!(format_type(&ColumnType::Uuid), "TEXT");
        assert_eq!(
            format_type(&ColumnType::other("NVARCHAR(160)")),
            "NVARCHAR(160)"
        );
    }

    #[test]
    fn keys_follow_sqlite_semantics() {
        let k = |s: &str| crate::expr_key(Dialect::Sqlite, s);
        assert_eq!(k("TRUE"), k("1"));
        assert_eq!(k("false"), k("0"));
        assert_eq!(k("+5"), k("5"));
        assert_eq!(k("CURRENT_TIMESTAMP"), k("current_timestamp"));
        assert_eq!(k("([a] > 0)"), k("\"A\" > 0"));
        assert_eq!(k("(datetime('now'))"), k("datetime('now')"));
        assert_ne!(k("'1'"), k("1"));
        assert_ne!(k("1.0"), k("1"));
    }
}
