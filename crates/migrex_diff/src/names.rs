//! Dialect-sensitive name comparison and a cheap "does this SQL mention that identifier" test.

use migrex_model::Dialect;
use std::borrow::Cow;

/// What kind of object a name belongs to; case sensitivity differs per kind and dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Tables and views.
    Relation,
    Column,
    /// Constraint and index names.
    Constraint,
}

/// The name as the database compares it: PostgreSQL compares stored names exactly; MySQL column,
/// index and constraint names are case-insensitive (table names follow the file system, which is
/// case-sensitive on Linux with the default `lower_case_table_names=0`); SQLite compares every
/// identifier case-insensitively.
pub(crate) fn fold(dialect: Dialect, kind: Kind, name: &str) -> Cow<'_, str> {
    let insensitive = match dialect {
        Dialect::Postgres => false,
        Dialect::Mysql => kind != Kind::Relation,
        Dialect::Sqlite => true,
    };
    if insensitive && name.chars().any(char::is_uppercase) {
        Cow::Owned(name.to_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// True when `sql` contains `ident` as a whole identifier (case-insensitive, quoted or not),
/// outside single-quoted string literals. Used where the model keeps an expression as text
/// (checks, generated columns, view queries) and a dependency must be guessed conservatively.
pub(crate) fn mentions(sql: &str, ident: &str) -> bool {
    if ident.is_empty() {
        return false;
    }
    let ident = ident.to_lowercase();
    let lower = sql.to_lowercase();
    let bytes = lower.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\'' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'\'' {
            in_string = true;
            i += 1;
            continue;
        }
        if bytes[i..].starts_with(ident.as_bytes()) {
            let before_ok = i == 0 || !is_ident_byte(bytes[i - 1]);
            let end = i + ident.len();
            let after_ok = end >= bytes.len() || !is_ident_byte(bytes[end]);
            if before_ok && after_ok {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// `sql` with every whole identifier `ident` (as [`mentions`] finds it) replaced by `new`:
/// quoted as `quote` does where it stood bare, bare inside quotes.
pub(crate) fn replace_ident(
    sql: &str,
    ident: &str,
    new: &str,
    quote: impl Fn(&str) -> String,
) -> String {
    if ident.is_empty() || !sql.is_ascii() {
        return sql.to_string();
    }
    let lower = sql.to_ascii_lowercase();
    let ident_l = ident.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !in_string && bytes[i..].starts_with(ident_l.as_bytes()) {
            let before_ok = i == 0 || !is_ident_byte(bytes[i - 1]);
            let end = i + ident_l.len();
            let after_ok = end >= bytes.len() || !is_ident_byte(bytes[end]);
            if before_ok && after_ok {
                let quoted = i > 0 && matches!(bytes[i - 1], b'"' | b'`');
                out.push_str(&if quoted { new.to_string() } else { quote(new) });
                i = end;
                continue;
            }
        }
        if b == b'\'' {
            in_string = !in_string;
        }
        out.push(sql.as_bytes()[i] as char);
        i += 1;
    }
    out
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_per_dialect() {
        assert_eq!(fold(Dialect::Postgres, Kind::Column, "Email"), "Email");
        assert_eq!(fold(Dialect::Mysql, Kind::Column, "Email"), "email");
        assert_eq!(fold(Dialect::Mysql, Kind::Relation, "Users"), "Users");
        assert_eq!(fold(Dialect::Sqlite, Kind::Relation, "Users"), "users");
        assert_eq!(fold(Dialect::Mysql, Kind::Constraint, "IDX"), "idx");
    }

    #[test]
    fn mentions_whole_identifiers_outside_strings() {
        assert!(mentions("price > 0", "price"));
        assert!(mentions("\"Price\" > 0", "price"));
        assert!(!mentions("unit_price > 0", "price"));
        assert!(!mentions("status = 'price'", "price"));
        assert!(mentions("a + b", "b"));
        assert!(!mentions("ab", "b"));
        assert!(!mentions("x", ""));
        assert!(mentions("select * from public.users u", "users"));
        assert!(mentions("é = ü + price", "price"));
    }
}
