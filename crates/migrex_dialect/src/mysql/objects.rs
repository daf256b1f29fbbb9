//! MySQL / MariaDB routines and partitioning: the normal forms both sources (DDL reader, live
//! introspection) bring their text to, so a routine's signature or a table's partitions read from
//! a file equal what the catalog reports after loading it.
//!
//! - Routine parameter and return types: the column type spelling (`INT` and `int(11)` are both
//!   `int`), followed by `CHARACTER SET cs [COLLATE c]` only when a string type's character set
//!   or collation is not the database's (the catalog reports one for every string parameter).
//! - Partition keys: bare columns as columns, anything else as an expression.
//! - Partition bounds: the text between the parentheses of `VALUES LESS THAN (...)` /
//!   `VALUES IN (...)` as `information_schema.PARTITIONS.PARTITION_DESCRIPTION` prints it; the key
//!   ignores spacing and, for lists, the order of the values (MariaDB sorts them).
//! - HASH/KEY partitions that are just `p0..p(n-1)` (what `PARTITIONS n` creates) become the
//!   count `n`, and one partition (the default) no count at all.

use super::{Flavor, format_type, parse_type, table_charset};
use crate::expr_key;
use migrex_model::{
    ColumnType, Dialect, Expr, IndexKey, IndexPart, PartitionStrategy, Partitioning,
};

/// A string type spelled with its character set and collation clauses, split into the type and
/// the clauses: `varchar(20) CHARSET latin1 COLLATE latin1_bin` →
/// (`varchar(20)`, `latin1`, `latin1_bin`). The `BINARY` attribute is the `_bin` collation of
/// the type's character set (`db_charset` when none is written).
pub fn split_type_charset(
    spelled: &str,
    db_charset: &str,
) -> (String, Option<String>, Option<String>) {
    let words: Vec<&str> = spelled.split_whitespace().collect();
    let mut ty: Vec<&str> = Vec::new();
    let mut charset: Option<String> = None;
    let mut collation = None;
    let mut binary = false;
    let mut i = 0;
    let word = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase());
    while i < words.len() {
        let w = word(i).unwrap_or_default();
        let unquote = |s: &str| {
            s.trim_matches(|c| c == '\'' || c == '"' || c == '`')
                .to_string()
        };
        match w.as_str() {
            "CHARSET" if i + 1 < words.len() => {
                charset = Some(unquote(words[i + 1]).to_ascii_lowercase());
                i += 2;
            }
            "CHARACTER" | "CHAR" if word(i + 1).as_deref() == Some("SET") && !ty.is_empty() => {
                if let Some(cs) = words.get(i + 2) {
                    charset = Some(unquote(cs).to_ascii_lowercase());
                }
                i += 3;
            }
            "COLLATE" if i + 1 < words.len() => {
                collation = Some(unquote(words[i + 1]).to_ascii_lowercase());
                i += 2;
            }
            // `varchar(10) BINARY`, not the `BINARY(n)` type.
            "BINARY" if !ty.is_empty() => {
                binary = true;
                i += 1;
            }
            _ => {
                ty.push(words[i]);
                i += 1;
            }
        }
    }
    if binary && collation.is_none() {
        let cs = charset.as_deref().unwrap_or(db_charset);
        collation = Some(format!("{}_bin", cs.to_ascii_lowercase()));
    }
    (ty.join(" "), charset, collation)
}

/// A routine parameter's or return value's type in the model's form (see the module doc).
/// `charset`/`collation` are what the DDL declares or the catalog reports; `db_charset` and
/// `db_collation` are the database's defaults, which a string parameter without a clause takes.
pub fn routine_type(
    flavor: Flavor,
    spelled: &str,
    charset: Option<&str>,
    collation: Option<&str>,
    db_charset: &str,
    db_collation: &str,
) -> String {
    let ty = parse_type(spelled);
    let mut out = format_type(&ty);
    let stringy = matches!(
        ty,
        ColumnType::Text { .. } | ColumnType::Enum { .. } | ColumnType::Set { .. }
    );
    if stringy {
        let (cs, coll) = table_charset(charset, collation, db_charset, db_collation, |cs: &str| {
            flavor.default_collation(cs).map(str::to_string)
        });
        if let Some(cs) = cs {
            out.push_str(&format!(" CHARACTER SET {cs}"));
        }
        if let Some(c) = coll {
            out.push_str(&format!(" COLLATE {c}"));
        }
    }
    out
}

/// `information_schema.PARTITIONS.PARTITION_METHOD` (or the DDL's words) → strategy, `COLUMNS`,
/// `LINEAR`. `None` for what the model has no strategy for (MariaDB `SYSTEM_TIME`).
pub fn partition_method(method: &str) -> Option<(PartitionStrategy, bool, bool)> {
    let words: Vec<String> = method
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let linear = words.first().is_some_and(|w| w == "LINEAR");
    let rest = &words[usize::from(linear)..];
    let columns = rest.get(1).is_some_and(|w| w == "COLUMNS");
    let strategy = match rest.first()?.as_str() {
        "RANGE" => PartitionStrategy::Range,
        "LIST" => PartitionStrategy::List,
        "HASH" => PartitionStrategy::Hash,
        "KEY" => PartitionStrategy::Key,
        _ => return None,
    };
    Some((strategy, columns, linear))
}

/// The partition key: for `COLUMNS` and `KEY` the listed columns; otherwise the expression, kept
/// as a column when it is one.
pub fn partition_key(strategy: PartitionStrategy, columns: bool, text: &str) -> Vec<IndexPart> {
    let text = text.trim();
    if text.is_empty() {
        return Vec::new();
    }
    if columns || strategy == PartitionStrategy::Key {
        return split_top_level(text)
            .into_iter()
            .map(|c| IndexPart::column(unquote_ident(&c)))
            .collect();
    }
    let inner = strip_parens(text);
    if is_identifier(inner) {
        return vec![IndexPart::column(unquote_ident(inner))];
    }
    vec![IndexPart {
        key: IndexKey::Expr(crate::expr(Dialect::Mysql, inner)),
        ..IndexPart::column("")
    }]
}

/// A partition's bound: `sql` as it goes between the parentheses of `VALUES LESS THAN (...)` or
/// `VALUES IN (...)`, with a key that ignores spacing, case and (for lists) value order.
pub fn partition_bound(strategy: PartitionStrategy, text: &str) -> Expr {
    let sql = text.trim();
    let mut items: Vec<String> = split_top_level(sql)
        .iter()
        .map(|v| {
            let v = v.trim();
            if v.starts_with('(') && v.ends_with(')') {
                // A LIST COLUMNS tuple `('US', 1)`.
                let inner: Vec<String> = split_top_level(strip_parens(v))
                    .iter()
                    .map(|x| value_key(x))
                    .collect();
                format!("({})", inner.join(","))
            } else {
                value_key(v)
            }
        })
        .collect();
    if strategy == PartitionStrategy::List {
        items.sort();
    }
    Expr::with_key(sql, items.join(","))
}

fn value_key(v: &str) -> String {
    let v = v.trim();
    if v.eq_ignore_ascii_case("MAXVALUE") {
        return "MAXVALUE".into();
    }
    expr_key(Dialect::Mysql, v)
}

/// Brings a partitioning to its normal form (see the module doc).
pub fn normalize_partitioning(p: &mut Partitioning) {
    if matches!(p.strategy, PartitionStrategy::Hash | PartitionStrategy::Key) {
        let generated = p.partitions.iter().enumerate().all(|(i, d)| {
            d.name.eq_ignore_ascii_case(&format!("p{i}"))
                && d.bound.is_none()
                && d.comment.is_none()
        });
        if generated {
            let n = if p.partitions.is_empty() {
                p.count.unwrap_or(1)
            } else {
                p.partitions.len() as u32
            };
            p.partitions.clear();
            p.count = (n > 1).then_some(n);
        } else {
            p.count = None;
        }
    } else {
        p.count = None;
    }
}

/// Splits `a, (b, c), 'd,e'` at its top-level commas.
pub fn split_top_level(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            cur.push(c);
            if c == '\\' && q != '`' {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            } else if c == q {
                if chars.peek() == Some(&q) {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                } else {
                    quote = None;
                }
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => {
                quote = Some(c);
                cur.push(c);
            }
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => {
                out.push(cur.trim().to_string());
                cur.clear();
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// `(x)` → `x` when the parentheses enclose the whole text.
fn strip_parens(s: &str) -> &str {
    let t = s.trim();
    if t.starts_with('(') && t.ends_with(')') {
        let inner = &t[1..t.len() - 1];
        // `(a) + (b)` is not one group.
        let mut depth = 0i32;
        for c in inner.chars() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth < 0 {
                        return t;
                    }
                }
                _ => {}
            }
        }
        return inner.trim();
    }
    t
}

fn is_identifier(s: &str) -> bool {
    let s = s.trim();
    if s.len() >= 2 && s.starts_with('`') && s.ends_with('`') {
        return !s[1..s.len() - 1].contains('`') || s[1..s.len() - 1].contains("``");
    }
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
        && !s.chars().all(|c| c.is_ascii_digit())
}

fn unquote_ident(s: &str) -> String {
    let s = s.trim();
    match s.strip_prefix('`').and_then(|x| x.strip_suffix('`')) {
        Some(inner) => inner.replace("``", "`"),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::PartitionDef;

    #[test]
    fn routine_types_read_alike_from_ddl_and_catalog() {
        let f = Flavor::MariaDb;
        let ddl = |s: &str| {
            let (ty, cs, coll) = split_type_charset(s, "utf8mb4");
            routine_type(
                f,
                &ty,
                cs.as_deref(),
                coll.as_deref(),
                "utf8mb4",
                "utf8mb4_general_ci",
            )
        };
        let live = |dtd: &str, cs: Option<&str>, coll: Option<&str>| {
            routine_type(f, dtd, cs, coll, "utf8mb4", "utf8mb4_general_ci")
        };
        assert_eq!(ddl("INT"), live("int(11)", None, None));
        assert_eq!(ddl("INT"), "int");
        assert_eq!(
            ddl("DECIMAL(5,2) UNSIGNED"),
            live("decimal(5,2) unsigned", None, None)
        );
        assert_eq!(
            ddl("varchar(20)"),
            live("varchar(20)", Some("utf8mb4"), Some("utf8mb4_general_ci"))
        );
        assert_eq!(
            ddl("varchar(20) charset latin1"),
            live("varchar(20)", Some("latin1"), Some("latin1_swedish_ci"))
        );
        assert_eq!(
            ddl("varchar(20) charset latin1"),
            "varchar(20) CHARACTER SET latin1"
        );
        assert_eq!(
            ddl("VARCHAR(20) COLLATE utf8mb4_bin"),
            live("varchar(20)", Some("utf8mb4"), Some("utf8mb4_bin"))
        );
        assert_eq!(ddl("BOOLEAN"), live("tinyint(1)", None, None));
        assert_eq!(
            ddl("varchar(5) BINARY"),
            live("varchar(5)", Some("utf8mb4"), Some("utf8mb4_bin"))
        );
        assert_eq!(ddl("BINARY(4)"), live("binary(4)", None, None));
    }

    #[test]
    fn partition_keys_and_bounds() {
        let k = partition_key(PartitionStrategy::Range, false, "year(`joined`)");
        let k2 = partition_key(PartitionStrategy::Range, false, "YEAR(joined)");
        assert_eq!(k, k2);
        assert_eq!(
            partition_key(PartitionStrategy::Hash, false, "`id`"),
            vec![IndexPart::column("id")]
        );
        assert_eq!(
            partition_key(PartitionStrategy::List, true, "`c`,`id`"),
            partition_key(PartitionStrategy::List, true, "c, id")
        );
        assert!(partition_key(PartitionStrategy::Key, false, "").is_empty());
        let b = |s: &str| partition_bound(PartitionStrategy::List, s);
        assert_eq!(b("1, 2, NULL"), b("NULL,1,2"));
        assert_eq!(b("('US', 1), ('CA',2)"), b("('CA',2),('US',1)"));
        assert_ne!(b("1, 2"), b("1, 3"));
        let r = |s: &str| partition_bound(PartitionStrategy::Range, s);
        assert_eq!(r("maxvalue"), r("MAXVALUE"));
        assert_eq!(r("10, '2020-01-01'"), r("10,'2020-01-01'"));
    }

    #[test]
    fn generated_hash_partitions_are_a_count() {
        let def = |n: &str| PartitionDef {
            name: n.into(),
            bound: None,
            comment: None,
        };
        let mut p = Partitioning {
            strategy: PartitionStrategy::Hash,
            columns: false,
            linear: false,
            key: vec![IndexPart::column("id")],
            partitions: vec![def("p0"), def("p1"), def("p2")],
            count: None,
        };
        normalize_partitioning(&mut p);
        assert_eq!((p.partitions.len(), p.count), (0, Some(3)));
        let mut one = p.clone();
        one.count = None;
        normalize_partitioning(&mut one);
        assert_eq!(one.count, None);
        let mut named = p.clone();
        named.partitions = vec![def("a"), def("b")];
        named.count = Some(2);
        normalize_partitioning(&mut named);
        assert_eq!((named.partitions.len(), named.count), (2, None));
    }
}
