//! Syntax the databases accept but sqlparser does not, rewritten to an equivalent it reads.
//!
//! Each repair is driven by the parser's own error position, so it touches only the token the
//! parser stopped at, and the statement is parsed again:
//! - MySQL `VARCHAR(40) BINARY` (the `_bin` collation of the column's character set) becomes
//!   `COLLATE __migrex_binary__`, resolved to `<charset>_bin` by `lower/mysql.rs`.
//! - SQLite type names of several words (`BLOB SUB_TYPE TEXT`, `UNSIGNED BIG INT`), which SQLite
//!   stores verbatim, become one quoted name.

use migrex_model::Dialect;

/// The marker collation standing for MySQL's `BINARY` column attribute.
pub(crate) const MYSQL_BINARY_COLLATION: &str = "__migrex_binary__";

/// Words that end a SQLite type name inside a column definition.
const SQLITE_CONSTRAINT_WORDS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

/// A repaired statement, or `None` when no repair applies to this error.
pub(crate) fn repair(dialect: Dialect, text: &str, error: &str) -> Option<String> {
    // PostgreSQL (and pg_dump) write sequence options in any order; sqlparser wants one order.
    if dialect == Dialect::Postgres
        && let Some(fixed) =
            reorder_sequence_options(text).or_else(|| reorder_identity_options(text))
        && fixed != text
    {
        return Some(fixed);
    }
    let at = error_offset(text, error)?;
    let word: String = text[at..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    match dialect {
        Dialect::Mysql if word.eq_ignore_ascii_case("BINARY") => Some(format!(
            "{}COLLATE {MYSQL_BINARY_COLLATION}{}",
            &text[..at],
            &text[at + word.len()..]
        )),
        // SQLite reads a single-quoted column name as an identifier.
        Dialect::Sqlite
            if error.contains("column name or constraint definition")
                && text[at..].starts_with('\'') =>
        {
            let end = text[at + 1..].find('\'')? + at + 1;
            let name = &text[at + 1..end];
            Some(format!(
                "{}\"{}\"{}",
                &text[..at],
                name.replace('"', "\"\""),
                &text[end + 1..]
            ))
        }
        // `) STRICT, WITHOUT ROWID`: sqlparser reads both options only as `WITHOUT ROWID STRICT`.
        Dialect::Sqlite if error.contains("end of statement") && text[at..].starts_with(',') => {
            let before = text[..at].trim_end();
            let after = text[at + 1..].trim_start();
            let upper_after = after.to_ascii_uppercase();
            if before.to_ascii_uppercase().ends_with("STRICT")
                && upper_after.starts_with("WITHOUT ROWID")
            {
                let cut = before.len() - "STRICT".len();
                return Some(format!(
                    "{}WITHOUT ROWID STRICT{}",
                    &text[..cut],
                    &after["WITHOUT ROWID".len()..]
                ));
            }
            if before.to_ascii_uppercase().ends_with("WITHOUT ROWID")
                && upper_after.starts_with("STRICT")
            {
                return Some(format!("{} {}", before, after));
            }
            None
        }
        Dialect::Sqlite if error.contains("after column definition") && !word.is_empty() => {
            // The type's last word is the word before the one the parser stopped at.
            let before = text[..at].trim_end();
            let prev_start = before
                .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map_or(0, |i| i + 1);
            let prev = &before[prev_start..];
            if prev.is_empty()
                || SQLITE_CONSTRAINT_WORDS
                    .iter()
                    .any(|w| prev.eq_ignore_ascii_case(w))
            {
                return None;
            }
            let mut end = at;
            let mut words = vec![prev.to_string()];
            loop {
                let rest = &text[end..];
                let skip = rest.len() - rest.trim_start().len();
                let w: String = rest[skip..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if w.is_empty()
                    || SQLITE_CONSTRAINT_WORDS
                        .iter()
                        .any(|k| w.eq_ignore_ascii_case(k))
                {
                    break;
                }
                words.push(w.clone());
                end += skip + w.len();
            }
            Some(format!(
                "{}\"{}\"{}",
                &text[..prev_start],
                words.join(" "),
                &text[end..]
            ))
        }
        _ => None,
    }
}

/// `CREATE SEQUENCE s START WITH 1 INCREMENT BY 1 NO MINVALUE ...` with its options in the order
/// sqlparser reads (AS, INCREMENT, MINVALUE, MAXVALUE, START, CACHE, CYCLE, OWNED BY). `None`
/// when the statement is not a CREATE SEQUENCE or has an option this does not know.
/// (Added by the PostgreSQL helper: pg_dump writes START before INCREMENT.)
fn reorder_sequence_options(text: &str) -> Option<String> {
    let body = text.trim().trim_end_matches(';');
    let words: Vec<&str> = body.split_whitespace().collect();
    let up = |i: usize| {
        words
            .get(i)
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default()
    };
    if up(0) != "CREATE" {
        return None;
    }
    let seq = (1..words.len().min(3)).find(|&i| up(i) == "SEQUENCE")?;
    let mut i = seq + 1;
    if up(i) == "IF" && up(i + 1) == "NOT" && up(i + 2) == "EXISTS" {
        i += 3;
    }
    let head = words.get(..=i)?.join(" ");
    i += 1;
    let ordered = ordered_sequence_options(&words[i..])?;
    let mut out = head;
    if !ordered.is_empty() {
        out.push(' ');
        out.push_str(&ordered);
    }
    Some(out)
}

/// Sequence options in sqlparser's order (AS, INCREMENT, MINVALUE, MAXVALUE, START, CACHE, CYCLE,
/// OWNED BY); `None` on an option this does not know.
fn ordered_sequence_options(words: &[&str]) -> Option<String> {
    let up = |i: usize| {
        words
            .get(i)
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default()
    };
    let mut i = 0;
    let mut slots: [Vec<&str>; 8] = Default::default();
    while i < words.len() {
        let (slot, n) = match (up(i).as_str(), up(i + 1).as_str()) {
            ("AS", _) => (0, 2),
            ("INCREMENT", "BY") => (1, 3),
            ("INCREMENT", _) => (1, 2),
            ("MINVALUE", _) => (2, 2),
            ("NO", "MINVALUE") => (2, 2),
            ("MAXVALUE", _) => (3, 2),
            ("NO", "MAXVALUE") => (3, 2),
            ("START", "WITH") => (4, 3),
            ("START", _) => (4, 2),
            ("CACHE", _) => (5, 2),
            ("CYCLE", _) => (6, 1),
            ("NO", "CYCLE") => (6, 2),
            ("OWNED", "BY") => (7, 3),
            _ => return None,
        };
        let end = (i + n).min(words.len());
        slots[slot] = words[i..end].to_vec();
        i = end;
    }
    Some(
        slots
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.join(" "))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// `GENERATED ... AS IDENTITY (SEQUENCE NAME s START WITH 1 INCREMENT BY 1 ...)` as pg_dump writes
/// it: options reordered for sqlparser, and `SEQUENCE NAME` dropped (an identity's sequence is
/// owned by its column and not modeled apart from it).
fn reorder_identity_options(text: &str) -> Option<String> {
    // Every identity column of the statement, each after the one before.
    let mut out = String::new();
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = rest.to_ascii_uppercase().find("AS IDENTITY") {
        let at = at + "AS IDENTITY".len();
        match reorder_one_identity(rest, at) {
            Some((done, tail)) => {
                changed = true;
                out.push_str(&done);
                rest = &rest[tail..];
            }
            None => {
                out.push_str(&rest[..at]);
                rest = &rest[at..];
            }
        }
    }
    out.push_str(rest);
    changed.then_some(out).filter(|o| o != text)
}

/// The identity option list after `at` reordered: the text up to its end, and where the rest
/// of `text` starts.
fn reorder_one_identity(text: &str, at: usize) -> Option<(String, usize)> {
    let open = at + text[at..].find(|c: char| !c.is_whitespace())?;
    if !text[open..].starts_with('(') {
        return None;
    }
    let close = open + text[open..].find(')')?;
    let inner: Vec<&str> = text[open + 1..close].split_whitespace().collect();
    let mut kept = Vec::new();
    let mut i = 0;
    while i < inner.len() {
        if inner[i].eq_ignore_ascii_case("SEQUENCE")
            && inner
                .get(i + 1)
                .is_some_and(|w| w.eq_ignore_ascii_case("NAME"))
        {
            i += 3;
            continue;
        }
        kept.push(inner[i]);
        i += 1;
    }
    let ordered = ordered_sequence_options(&kept)?;
    let replacement = if ordered.is_empty() {
        String::new()
    } else {
        format!("({ordered})")
    };
    Some((format!("{}{}", &text[..open], replacement), close + 1))
}
/// Byte offset of sqlparser's "at Line: L, Column: C" inside `text`.
pub(crate) fn error_offset(text: &str, error: &str) -> Option<usize> {
    let at = error.rfind(" at Line: ")?;
    let mut nums = error[at + 10..].split(", Column: ");
    let line: usize = nums.next()?.trim().parse().ok()?;
    let column: usize = nums.next()?.trim().parse().ok()?;
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let line_text = &text[start..];
    Some(
        start
            + line_text
                .char_indices()
                .nth(column.saturating_sub(1))
                .map_or(line_text.len(), |(i, _)| i),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser_error(d: Dialect, t: &str) -> String {
        let pd = migrex_dialect::parser_dialect(d);
        sqlparser::parser::Parser::parse_sql(pd.as_ref(), t)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn sqlite_multiword_type() {
        let t = "CREATE TABLE f (d BLOB SUB_TYPE TEXT DEFAULT NULL)";
        let e = parser_error(Dialect::Sqlite, t);
        assert_eq!(
            repair(Dialect::Sqlite, t, &e).unwrap(),
            "CREATE TABLE f (d \"BLOB SUB_TYPE TEXT\" DEFAULT NULL)"
        );
    }

    #[test]
    fn sqlite_quoted_column_and_option_list() {
        let t = "CREATE TABLE t ('data' TEXT) STRICT, WITHOUT ROWID";
        let mut text = t.to_string();
        for _ in 0..4 {
            let d = migrex_dialect::parser_dialect(Dialect::Sqlite);
            match sqlparser::parser::Parser::parse_sql(d.as_ref(), &text) {
                Ok(_) => break,
                Err(e) => {
                    text = repair(Dialect::Sqlite, &text, &e.to_string())
                        .unwrap_or_else(|| panic!("no repair for {e} in {text}"))
                }
            }
        }
        assert_eq!(text, "CREATE TABLE t (\"data\" TEXT) WITHOUT ROWID STRICT");
    }

    #[test]
    fn pg_dump_identity_options() {
        let t = "ALTER TABLE public.t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (\n    SEQUENCE NAME public.t_id_seq\n    START WITH 5\n    INCREMENT BY 2\n    NO MINVALUE\n    NO MAXVALUE\n    CACHE 1\n)";
        let e = parser_error(Dialect::Postgres, t);
        let fixed = repair(Dialect::Postgres, t, &e).expect("repaired");
        assert_eq!(
            fixed,
            "ALTER TABLE public.t ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY 2 NO MINVALUE NO MAXVALUE START WITH 5 CACHE 1)"
        );
        let d = migrex_dialect::parser_dialect(Dialect::Postgres);
        assert!(sqlparser::parser::Parser::parse_sql(d.as_ref(), &fixed).is_ok());
    }

    #[test]
    fn mysql_binary_attribute() {
        let t = "CREATE TABLE s (p VARCHAR(40) BINARY DEFAULT NULL)";
        let e = parser_error(Dialect::Mysql, t);
        assert_eq!(
            repair(Dialect::Mysql, t, &e).unwrap(),
            "CREATE TABLE s (p VARCHAR(40) COLLATE __migrex_binary__ DEFAULT NULL)"
        );
    }
}
