//! postgres: type spelling, expression-key rules and the names PostgreSQL gives to unnamed
//! objects.
//!
//! `parse_type` accepts both what users write in DDL (`int`, `varchar(20)`, `timestamptz`,
//! `serial`, `float(10)`) and what the catalog prints (`format_type(atttypid, atttypmod)`:
//! `integer`, `character varying(20)`, `timestamp with time zone`), and maps both to one model
//! value. `format_type` prints the model value the way PostgreSQL's `format_type` does, so a
//! rendered type reads like the catalog.

mod objects;
pub use objects::{
    exclusion_from_ast, exclusion_from_text, index_part, partitioning_from_ast,
    partitioning_from_text,
};

use migrex_model::{BinaryKind, ColumnType, QualifiedName, TextKind};
use sqlparser::ast::{
    self, BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator,
    Value,
};

/// PostgreSQL identifiers are at most NAMEDATALEN - 1 = 63 bytes.
pub const MAX_IDENT_BYTES: usize = 63;

/// Parses a postgres type spelling into the model form.
pub fn parse_type(spelled: &str) -> ColumnType {
    let s = spelled.trim();
    let (base, array) = strip_array(s);
    if array {
        // PostgreSQL does not enforce dimensions: `int[][]` and `int[3]` are `integer[]`.
        return ColumnType::Array {
            element: Box::new(parse_base(base)),
        };
    }
    parse_base(base)
}

/// The integer width of a `serial` spelling (`serial` → 4, `bigserial` → 8, `smallserial` → 2),
/// `None` for any other type.
pub fn serial_bytes(spelled: &str) -> Option<u8> {
    match spelled.trim().to_ascii_lowercase().as_str() {
        "smallserial" | "serial2" => Some(2),
        "serial" | "serial4" => Some(4),
        "bigserial" | "serial8" => Some(8),
        _ => None,
    }
}

/// The `serial` keyword rendering a column of this type with an owned sequence, when there is one.
pub fn serial_keyword(ty: &ColumnType) -> Option<&'static str> {
    match ty {
        ColumnType::Integer { bytes: 2, .. } => Some("smallserial"),
        ColumnType::Integer { bytes: 4, .. } => Some("serial"),
        ColumnType::Integer { bytes: 8, .. } => Some("bigserial"),
        _ => None,
    }
}

/// Strips every trailing array marker (`[]`, `[3]`, ` ARRAY`, ` ARRAY[3]`) outside quotes.
fn strip_array(s: &str) -> (&str, bool) {
    let mut cur = s.trim_end();
    let mut array = false;
    loop {
        if cur.ends_with(']') && !in_quotes_at_end(cur) {
            if let Some(open) = cur.rfind('[') {
                let inner = &cur[open + 1..cur.len() - 1];
                if inner.trim().chars().all(|c| c.is_ascii_digit()) {
                    cur = cur[..open].trim_end();
                    array = true;
                    continue;
                }
            }
            break;
        }
        let lower = cur.to_ascii_lowercase();
        if lower.ends_with(" array") && !in_quotes_at_end(cur) {
            cur = cur[..cur.len() - " array".len()].trim_end();
            array = true;
            continue;
        }
        break;
    }
    (cur, array)
}

/// True when the last character of `s` is inside a double-quoted identifier.
fn in_quotes_at_end(s: &str) -> bool {
    let mut inside = false;
    let mut last_inside = false;
    for c in s.chars() {
        if c == '"' {
            inside = !inside;
            last_inside = true;
        } else {
            last_inside = inside;
        }
    }
    last_inside && inside
}

/// A type spelling split into its parts: the words before the modifier list, the modifiers, and
/// the words after (`timestamp(3) with time zone`).
struct Spelling {
    /// Name parts separated by dots; unquoted parts lower-cased, quoted parts kept with a flag.
    parts: Vec<(String, bool)>,
    args: Option<Vec<String>>,
    tail: String,
}

fn split_spelling(s: &str) -> Option<Spelling> {
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    let mut args = None;
    let mut rest = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                // A quoted part: read to the closing quote, `""` being one quote.
                let mut q = String::new();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            q.push('"');
                        }
                        Some('"') => break,
                        Some(ch) => q.push(ch),
                        None => return None,
                    }
                }
                cur.push_str(&q);
                quoted = true;
            }
            '.' => {
                parts.push((std::mem::take(&mut cur), quoted));
                quoted = false;
            }
            '(' => {
                let mut depth = 1;
                let mut inner = String::new();
                for ch in chars.by_ref() {
                    match ch {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(ch);
                }
                if depth != 0 {
                    return None;
                }
                args = Some(
                    inner
                        .split(',')
                        .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
                        .collect(),
                );
                rest = chars.by_ref().collect();
                break;
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() && !cur.ends_with(' ') {
                    cur.push(' ');
                }
            }
            c => {
                if quoted {
                    cur.push(c);
                } else {
                    cur.extend(c.to_lowercase());
                }
            }
        }
    }
    parts.push((cur.trim_end().to_string(), quoted));
    Some(Spelling {
        parts,
        args,
        tail: rest
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" "),
    })
}

fn parse_base(s: &str) -> ColumnType {
    let Some(sp) = split_spelling(s) else {
        return ColumnType::other(s);
    };
    let mut parts = sp.parts;
    // `pg_catalog.int4` is `int4`.
    if parts.len() == 2 && parts[0].0 == "pg_catalog" {
        parts.remove(0);
    }
    if parts.len() == 1 {
        let (name, quoted) = &parts[0];
        let known = if *quoted {
            // Only the lower-case internal names resolve when quoted; `"char"` is its own type.
            if name == "char" {
                Some(ColumnType::other("\"char\""))
            } else if !name.contains(' ') && name.chars().all(|c| !c.is_uppercase()) {
                builtin(name, sp.args.as_deref(), &sp.tail)
            } else {
                None
            }
        } else {
            builtin(name, sp.args.as_deref(), &sp.tail)
        };
        if let Some(t) = known {
            return t;
        }
    }
    // A user-defined (or extension) type: with modifiers it cannot be a plain name reference.
    if sp.args.is_some() || !sp.tail.is_empty() || parts.len() > 2 {
        return ColumnType::other(canonical_other(&parts, sp.args.as_deref(), &sp.tail));
    }
    let (ns, name) = if parts.len() == 2 {
        (parts[0].0.clone(), parts[1].0.clone())
    } else {
        ("public".to_string(), parts[0].0.clone())
    };
    if name.is_empty() || ns.is_empty() {
        return ColumnType::other(s);
    }
    ColumnType::UserDefined {
        name: QualifiedName::new(ns, name),
    }
}

fn canonical_other(parts: &[(String, bool)], args: Option<&[String]>, tail: &str) -> String {
    let mut out = parts
        .iter()
        .map(|(p, q)| {
            if *q {
                format!("\"{}\"", p.replace('"', "\"\""))
            } else {
                p.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(".");
    if let Some(args) = args {
        out.push('(');
        out.push_str(&args.join(","));
        out.push(')');
    }
    if !tail.is_empty() {
        out.push(' ');
        out.push_str(tail);
    }
    out
}

fn num_arg(args: Option<&[String]>, i: usize) -> Option<u32> {
    args.and_then(|a| a.get(i))
        .and_then(|a| a.trim().parse().ok())
}

/// Types of `pg_catalog` that the model keeps as `Other`, spelled as `format_type` prints them.
const OTHER_BUILTINS: &[&str] = &[
    "money",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "point",
    "line",
    "lseg",
    "box",
    "path",
    "polygon",
    "circle",
    "tsvector",
    "tsquery",
    "xml",
    "oid",
    "regclass",
    "regtype",
    "regproc",
    "regprocedure",
    "regoper",
    "regoperator",
    "regnamespace",
    "regrole",
    "regconfig",
    "regdictionary",
    "regcollation",
    "pg_lsn",
    "txid_snapshot",
    "pg_snapshot",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "int4multirange",
    "int8multirange",
    "nummultirange",
    "tsmultirange",
    "tstzmultirange",
    "datemultirange",
    "name",
    "xid",
    "xid8",
    "cid",
    "tid",
    "jsonpath",
    "aclitem",
    "record",
    "refcursor",
    "anyelement",
    "anyarray",
];

/// A built-in type from its lower-cased name words, modifiers and trailing words.
fn builtin(name: &str, args: Option<&[String]>, tail: &str) -> Option<ColumnType> {
    let full = if tail.is_empty() {
        name.to_string()
    } else {
        format!("{name} {tail}")
    };
    let p0 = num_arg(args, 0);
    let int = |bytes| Some(ColumnType::int(bytes));
    let text = |kind, max_len| Some(ColumnType::Text { kind, max_len });
    let t = match full.as_str() {
        "smallint" | "int2" | "smallserial" | "serial2" => return int(2),
        "integer" | "int" | "int4" | "serial" | "serial4" => return int(4),
        "bigint" | "int8" | "bigserial" | "serial8" => return int(8),
        "numeric" | "decimal" | "dec" => {
            let precision = p0;
            // `numeric(10)` is stored as `numeric(10,0)`.
            let scale = precision.map(|_| num_arg(args, 1).unwrap_or(0));
            return Some(ColumnType::Decimal {
                precision,
                scale,
                unsigned: false,
            });
        }
        "real" | "float4" => {
            return Some(ColumnType::Float {
                bytes: 4,
                unsigned: false,
            });
        }
        "double precision" | "float8" => {
            return Some(ColumnType::Float {
                bytes: 8,
                unsigned: false,
            });
        }
        "float" => {
            let bytes = match p0 {
                Some(p) if p <= 24 => 4,
                _ => 8,
            };
            return Some(ColumnType::Float {
                bytes,
                unsigned: false,
            });
        }
        "boolean" | "bool" => return Some(ColumnType::Bool),
        "character varying"
        | "varchar"
        | "char varying"
        | "national character varying"
        | "national char varying" => return text(TextKind::Varchar, p0),
        "character" | "char" | "nchar" | "national character" | "national char" => {
            // `char` without a length is `char(1)`.
            return text(TextKind::Char, Some(p0.unwrap_or(1)));
        }
        "bpchar" => return text(TextKind::Char, p0),
        "text" => return text(TextKind::Text, None),
        "bytea" => {
            return Some(ColumnType::Binary {
                kind: BinaryKind::Bytea,
                max_len: None,
            });
        }
        "bit" => {
            return Some(ColumnType::Bit {
                varying: false,
                len: Some(p0.unwrap_or(1)),
            });
        }
        "bit varying" | "varbit" => {
            return Some(ColumnType::Bit {
                varying: true,
                len: p0,
            });
        }
        "date" => return Some(ColumnType::Date),
        "time" | "time without time zone" => {
            return Some(ColumnType::Time {
                tz: false,
                precision: p0,
            });
        }
        "timetz" | "time with time zone" => {
            return Some(ColumnType::Time {
                tz: true,
                precision: p0,
            });
        }
        "timestamp" | "timestamp without time zone" => {
            return Some(ColumnType::Timestamp {
                tz: false,
                precision: p0,
            });
        }
        "timestamptz" | "timestamp with time zone" => {
            return Some(ColumnType::Timestamp {
                tz: true,
                precision: p0,
            });
        }
        "json" => return Some(ColumnType::Json { binary: false }),
        "jsonb" => return Some(ColumnType::Json { binary: true }),
        "uuid" => return Some(ColumnType::Uuid),
        other => other,
    };
    if let Some(fields) = t.strip_prefix("interval") {
        let fields = fields.trim();
        let valid = fields.is_empty()
            || fields.split(' ').all(|w| {
                matches!(
                    w,
                    "year" | "month" | "day" | "hour" | "minute" | "second" | "to"
                )
            });
        if valid {
            return Some(ColumnType::Interval {
                fields: (!fields.is_empty()).then(|| fields.to_string()),
                precision: p0,
            });
        }
        return None;
    }
    if args.is_none() && tail.is_empty() && OTHER_BUILTINS.contains(&t) {
        return Some(ColumnType::other(t));
    }
    None
}

/// Renders a model type the way PostgreSQL's `format_type` prints it. Types of other dialects map
/// to their nearest PostgreSQL type.
pub fn format_type(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Integer {
            bytes, unsigned, ..
        } => match (bytes, unsigned) {
            (1 | 2, false) | (1, true) => "smallint".into(),
            (3 | 4, false) | (2 | 3, true) => "integer".into(),
            (4, true) | (5..=8, false) => "bigint".into(),
            _ => "numeric(20,0)".into(),
        },
        ColumnType::Decimal {
            precision, scale, ..
        } => match (precision, scale) {
            (Some(p), Some(s)) => format!("numeric({p},{s})"),
            (Some(p), None) => format!("numeric({p})"),
            _ => "numeric".into(),
        },
        ColumnType::Float { bytes, .. } => {
            if *bytes <= 4 {
                "real".into()
            } else {
                "double precision".into()
            }
        }
        ColumnType::Bool => "boolean".into(),
        ColumnType::Text { kind, max_len } => match (kind, max_len) {
            (TextKind::Varchar, Some(n)) => format!("character varying({n})"),
            (TextKind::Varchar, None) => "character varying".into(),
            (TextKind::Char, Some(n)) => format!("character({n})"),
            (TextKind::Char, None) => "bpchar".into(),
            _ => "text".into(),
        },
        ColumnType::Binary { .. } => "bytea".into(),
        ColumnType::Bit { varying, len } => {
            let base = if *varying { "bit varying" } else { "bit" };
            match len {
                Some(n) => format!("{base}({n})"),
                None => base.into(),
            }
        }
        ColumnType::Date => "date".into(),
        ColumnType::Time { tz, precision } => with_precision("time", *precision, Some(*tz)),
        ColumnType::Timestamp { tz, precision } => {
            with_precision("timestamp", *precision, Some(*tz))
        }
        ColumnType::DateTime { precision } => with_precision("timestamp", *precision, Some(false)),
        ColumnType::Year => "smallint".into(),
        ColumnType::Interval { fields, precision } => {
            let mut s = String::from("interval");
            if let Some(f) = fields {
                s.push(' ');
                s.push_str(f);
            }
            if let Some(p) = precision {
                s.push_str(&format!("({p})"));
            }
            s
        }
        ColumnType::Json { binary } => if *binary { "jsonb" } else { "json" }.into(),
        ColumnType::Uuid => "uuid".into(),
        // MySQL inline ENUM/SET have no PostgreSQL column type; their values fit in text.
        ColumnType::Enum { .. } | ColumnType::Set { .. } => "text".into(),
        ColumnType::Array { element } => format!("{}[]", format_type(element)),
        ColumnType::UserDefined { name } => crate::qualified(migrex_model::Dialect::Postgres, name),
        ColumnType::Other { name } => name.clone(),
    }
}

fn with_precision(base: &str, precision: Option<u32>, tz: Option<bool>) -> String {
    let mut s = base.to_string();
    if let Some(p) = precision {
        s.push_str(&format!("({p})"));
    }
    match tz {
        Some(true) => s.push_str(" with time zone"),
        Some(false) => s.push_str(" without time zone"),
        None => {}
    }
    s
}

/// The value range of a sequence (or identity/serial column) of an integer type of `bytes` bytes.
fn int_range(bytes: u8) -> (i64, i64) {
    match bytes {
        2 => (i16::MIN.into(), i16::MAX.into()),
        4 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Sequence options with every value that equals PostgreSQL's default for a sequence of an
/// integer type of `bytes` bytes set to `None` (increment 1, minvalue 1 or the type's minimum,
/// maxvalue the type's maximum or -1, start at minvalue or maxvalue, cache 1), so options read
/// from DDL and from `pg_sequence` compare equal.
pub fn normalize_sequence_options(
    opts: &migrex_model::SequenceOptions,
    bytes: u8,
) -> migrex_model::SequenceOptions {
    let (tmin, tmax) = int_range(bytes);
    let inc = opts.increment.unwrap_or(1);
    let (dmin, dmax) = if inc > 0 { (1, tmax) } else { (tmin, -1) };
    let min = opts.min_value.unwrap_or(dmin);
    let max = opts.max_value.unwrap_or(dmax);
    let dstart = if inc > 0 { min } else { max };
    migrex_model::SequenceOptions {
        start: opts.start.filter(|s| *s != dstart),
        increment: Some(inc).filter(|i| *i != 1),
        min_value: Some(min).filter(|m| *m != dmin),
        max_value: Some(max).filter(|m| *m != dmax),
        cache: opts.cache.filter(|c| *c != 1),
        cycle: opts.cycle,
    }
}

/// The integer width of a sequence's `AS` type (`None` is bigint).
pub fn sequence_bytes(ty: Option<&ColumnType>) -> u8 {
    match ty {
        Some(ColumnType::Integer { bytes, .. }) => *bytes,
        _ => 8,
    }
}

// ---------------------------------------------------------------------------------------------
// Implicit names, as PostgreSQL chooses them (src/backend/commands/indexcmds.c, catalog/pg_constraint.c).

/// Truncates `s` to at most `max` bytes without splitting a character (`pg_mbcliplen`).
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// An identifier as PostgreSQL stores it: at most 63 bytes (longer names are truncated).
pub fn truncate_ident(name: &str) -> String {
    clip(name, MAX_IDENT_BYTES).to_string()
}

/// `makeObjectName(name1, name2, label)`: `name1_name2_label`, shortening the longer of name1
/// and name2 until the whole fits in 63 bytes; the label is never shortened.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = 0;
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    if name2.is_some() {
        overhead += 1;
    }
    let avail = MAX_IDENT_BYTES.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let mut out = clip(name1, n1).to_string();
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(clip(n, n2));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// `ChooseRelationName` / `ChooseConstraintName`: the first of `name1_name2_label`,
/// `name1_name2_label1`, `..._label2`, ... for which `taken` is false.
pub fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut pass = 0u32;
    let mut modlabel = label.to_string();
    loop {
        let name = make_object_name(name1, name2, &modlabel);
        if !taken(&name) {
            return name;
        }
        pass += 1;
        modlabel = format!("{label}{pass}");
    }
}

/// `ChooseIndexNameAddition` / `ChooseForeignKeyConstraintNameAddition`: column names joined by
/// `_`, stopping once the result reaches NAMEDATALEN bytes (makeObjectName clips it further).
pub fn name_addition(names: &[String]) -> String {
    let mut buf = String::new();
    for n in names {
        if !buf.is_empty() {
            buf.push('_');
        }
        buf.push_str(clip(n, MAX_IDENT_BYTES));
        if buf.len() > MAX_IDENT_BYTES {
            break;
        }
    }
    buf
}

/// `ChooseIndexColumnNames`: one name per index column (key and INCLUDE columns), a repeated name
/// getting a number (`lower`, `lower1`).
pub fn index_column_names(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for orig in names {
        let mut i = 0u32;
        loop {
            let cur = if i == 0 {
                clip(orig, MAX_IDENT_BYTES).to_string()
            } else {
                let suffix = i.to_string();
                format!("{}{suffix}", clip(orig, MAX_IDENT_BYTES - suffix.len()))
            };
            if !out.contains(&cur) {
                out.push(cur);
                break;
            }
            i += 1;
        }
    }
    out
}

/// The name PostgreSQL gives an index column that is an expression (`FigureIndexColname`):
/// a function's name, a cast column's name, `case`, ... and `expr` when nothing fits.
pub fn index_expr_colname(sql: &str) -> String {
    let d = sqlparser::dialect::PostgreSqlDialect {};
    match sqlparser::parser::Parser::new(&d)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
    {
        Ok(e) => figure_colname(&e).map_or_else(|| "expr".to_string(), |(n, _)| n),
        Err(_) => "expr".to_string(),
    }
}

/// `FigureColnameInternal`: a name and its strength (2 = a column or function name, 1 = a
/// fallback such as a cast's type name or `case`).
fn figure_colname(e: &Expr) -> Option<(String, u8)> {
    match e {
        Expr::Identifier(id) => Some((ident_value(id), 2)),
        Expr::CompoundIdentifier(ids) => ids.last().map(|id| (ident_value(id), 2)),
        Expr::Nested(inner) => figure_colname(inner),
        Expr::Function(f) => f.name.0.last().map(|p| match p {
            ast::ObjectNamePart::Identifier(id) => (ident_value(id), 2),
            other => (other.to_string().to_lowercase(), 2),
        }),
        Expr::Cast {
            expr, data_type, ..
        } => match figure_colname(expr) {
            Some((n, s)) if s > 1 => Some((n, s)),
            _ => {
                let t = data_type.to_string().to_lowercase();
                let last = t.split(['(', ' ', '[']).next().unwrap_or(&t).to_string();
                let name = match parse_type(&t) {
                    ColumnType::Integer { bytes: 2, .. } => "int2".into(),
                    ColumnType::Integer { bytes: 4, .. } => "int4".into(),
                    ColumnType::Integer { bytes: 8, .. } => "int8".into(),
                    ColumnType::Text {
                        kind: TextKind::Varchar,
                        ..
                    } => "varchar".into(),
                    ColumnType::Text {
                        kind: TextKind::Char,
                        ..
                    } => "bpchar".into(),
                    ColumnType::Bool => "bool".into(),
                    ColumnType::Float { bytes: 4, .. } => "float4".into(),
                    ColumnType::Float { bytes: 8, .. } => "float8".into(),
                    ColumnType::Timestamp { tz: true, .. } => "timestamptz".into(),
                    ColumnType::Decimal { .. } => "numeric".into(),
                    _ => last,
                };
                Some((name, 1))
            }
        },
        Expr::Case { .. } => Some(("case".into(), 1)),
        Expr::Array(_) => Some(("array".into(), 2)),
        Expr::Exists { .. } => Some(("exists".into(), 2)),
        Expr::Extract { .. } => Some(("extract".into(), 2)),
        Expr::Substring { .. } => Some(("substring".into(), 2)),
        Expr::Trim { .. } => Some(("btrim".into(), 2)),
        Expr::Position { .. } => Some(("position".into(), 2)),
        Expr::Overlay { .. } => Some(("overlay".into(), 2)),
        Expr::Ceil { .. } => Some(("ceil".into(), 2)),
        Expr::Floor { .. } => Some(("floor".into(), 2)),
        _ => None,
    }
}

fn ident_value(id: &ast::Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// The columns an expression refers to (for `CHECK` naming: PostgreSQL names a check
/// `<table>_<col>_check` when its expression references exactly one column).
pub fn referenced_columns(sql: &str) -> Option<Vec<String>> {
    let d = sqlparser::dialect::PostgreSqlDialect {};
    let e = sqlparser::parser::Parser::new(&d)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    let mut cols: Vec<String> = Vec::new();
    let _ = ast::visit_expressions(&e, |x| {
        let name = match x {
            Expr::Identifier(id) => Some(ident_value(id)),
            Expr::CompoundIdentifier(ids) => ids.last().map(ident_value),
            _ => None,
        };
        if let Some(n) = name
            && !cols.contains(&n)
        {
            cols.push(n);
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
    Some(cols)
}

/// True when `opclass` (unqualified or `pg_catalog.`) is a default operator class of the index
/// method (`None` is btree) in PostgreSQL 15's catalog. Introspection reports no operator class
/// when the index uses a default one, so a DDL file naming it explicitly (`name text_ops`) drops it.
pub fn is_default_opclass(method: Option<&str>, opclass: &str) -> bool {
    const BTREE: &[&str] = &[
        "array_ops",
        "bit_ops",
        "bool_ops",
        "bpchar_ops",
        "bytea_ops",
        "char_ops",
        "date_ops",
        "enum_ops",
        "float4_ops",
        "float8_ops",
        "inet_ops",
        "int2_ops",
        "int4_ops",
        "int8_ops",
        "interval_ops",
        "jsonb_ops",
        "macaddr8_ops",
        "macaddr_ops",
        "money_ops",
        "multirange_ops",
        "name_ops",
        "numeric_ops",
        "oid_ops",
        "oidvector_ops",
        "pg_lsn_ops",
        "range_ops",
        "record_ops",
        "text_ops",
        "tid_ops",
        "time_ops",
        "timestamp_ops",
        "timestamptz_ops",
        "timetz_ops",
        "tsquery_ops",
        "tsvector_ops",
        "uuid_ops",
        "varbit_ops",
        "xid8_ops",
    ];
    const HASH: &[&str] = &[
        "aclitem_ops",
        "array_ops",
        "bool_ops",
        "bpchar_ops",
        "bytea_ops",
        "char_ops",
        "cid_ops",
        "date_ops",
        "enum_ops",
        "float4_ops",
        "float8_ops",
        "inet_ops",
        "int2_ops",
        "int4_ops",
        "int8_ops",
        "interval_ops",
        "jsonb_ops",
        "macaddr8_ops",
        "macaddr_ops",
        "multirange_ops",
        "name_ops",
        "numeric_ops",
        "oid_ops",
        "oidvector_ops",
        "pg_lsn_ops",
        "range_ops",
        "record_ops",
        "text_ops",
        "tid_ops",
        "time_ops",
        "timestamp_ops",
        "timestamptz_ops",
        "timetz_ops",
        "uuid_ops",
        "xid8_ops",
        "xid_ops",
    ];
    const GIN: &[&str] = &["array_ops", "jsonb_ops", "tsvector_ops"];
    const GIST: &[&str] = &[
        "box_ops",
        "circle_ops",
        "multirange_ops",
        "point_ops",
        "poly_ops",
        "range_ops",
        "tsquery_ops",
        "tsvector_ops",
    ];
    const SPGIST: &[&str] = &[
        "box_ops",
        "inet_ops",
        "poly_ops",
        "quad_point_ops",
        "range_ops",
        "text_ops",
    ];
    let name = opclass.strip_prefix("pg_catalog.").unwrap_or(opclass);
    let name = name.trim_matches('"').to_lowercase();
    let method = method.map_or_else(|| "btree".to_string(), str::to_lowercase);
    match method.as_str() {
        "btree" => BTREE.contains(&name.as_str()),
        "hash" => HASH.contains(&name.as_str()),
        "gin" => GIN.contains(&name.as_str()),
        "gist" => GIST.contains(&name.as_str()),
        "spgist" => SPGIST.contains(&name.as_str()),
        // BRIN's defaults are `<type>_minmax_ops` and a few `_inclusion_ops`.
        "brin" => {
            (name.ends_with("_minmax_ops") && !name.contains("multi"))
                || matches!(
                    name.as_str(),
                    "box_inclusion_ops" | "inet_inclusion_ops" | "range_inclusion_ops"
                )
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Expression keys.

/// postgres-specific rewrites of an expression tree for its comparison key: what PostgreSQL
/// itself rewrites when it stores an expression (`BETWEEN` → two comparisons, `LIKE` → `~~`,
/// `-1` → `'-1'::integer`, `x IN ('a')` → `x = 'a'`, `AT TIME ZONE` → `timezone()`,
/// `interval '1 day'` → `'1 day'::interval`).
pub(crate) fn normalize_expr(e: &mut Expr) {
    match e {
        Expr::Value(v) => {
            if let Some(n) = numeric_literal(&v.value) {
                v.value = Value::Number(n, false);
            }
            // Bit strings are stored as their binary digits: `x'1F'` and `B'00011111'` are
            // `'00011111'::"bit"`.
            let bits = match &v.value {
                Value::HexStringLiteral(h) => hex_bits(h),
                Value::SingleQuotedByteStringLiteral(b)
                    if !b.is_empty() && b.chars().all(|c| c == '0' || c == '1') =>
                {
                    Some(b.clone())
                }
                _ => None,
            };
            if let Some(b) = bits {
                v.value = Value::SingleQuotedString(b);
            }
        }
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => {
            if let Expr::Value(v) = expr.as_ref()
                && let Value::Number(n, _) = &v.value
                && !n.starts_with('-')
            {
                let mut nv = v.clone();
                nv.value = Value::Number(canonical_number(&format!("-{n}")), false);
                *e = Expr::Value(nv);
            }
        }
        Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => {
            if matches!(expr.as_ref(), Expr::Value(_)) {
                *e = (**expr).clone();
            }
        }
        Expr::TypedString(ts) => {
            let mut v = ts.value.clone();
            // `boolean 'true'` is stored as the keyword `true`.
            if matches!(ts.data_type, ast::DataType::Boolean | ast::DataType::Bool)
                && let Value::SingleQuotedString(s) = &v.value
                && let Some(b) = bool_literal(s)
            {
                v.value = Value::Boolean(b);
            }
            *e = Expr::Value(v);
        }
        // `ROW(a, b)` is how PostgreSQL prints the row constructor `(a, b)`.
        Expr::Function(f)
            if f.name.to_string().eq_ignore_ascii_case("row")
                && f.filter.is_none()
                && f.over.is_none() =>
        {
            if let FunctionArguments::List(list) = &f.args
                && list.duplicate_treatment.is_none()
                && list.clauses.is_empty()
            {
                let items: Option<Vec<Expr>> = list
                    .args
                    .iter()
                    .map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => Some(x.clone()),
                        _ => None,
                    })
                    .collect();
                if let Some(items) = items
                    && items.len() > 1
                {
                    *e = Expr::Tuple(items);
                }
            }
        }
        Expr::Interval(iv)
            if iv.leading_field.is_none()
                && iv.last_field.is_none()
                && iv.fractional_seconds_precision.is_none() =>
        {
            *e = (*iv.value).clone();
        }
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let (lo_op, hi_op, join) = if *negated {
                (BinaryOperator::Lt, BinaryOperator::Gt, BinaryOperator::Or)
            } else {
                (
                    BinaryOperator::GtEq,
                    BinaryOperator::LtEq,
                    BinaryOperator::And,
                )
            };
            *e = Expr::BinaryOp {
                left: Box::new(Expr::BinaryOp {
                    left: expr.clone(),
                    op: lo_op,
                    right: low.clone(),
                }),
                op: join,
                right: Box::new(Expr::BinaryOp {
                    left: expr.clone(),
                    op: hi_op,
                    right: high.clone(),
                }),
            };
        }
        Expr::Like {
            negated,
            any: false,
            expr,
            pattern,
            escape_char: None,
        } => {
            let op = if *negated {
                BinaryOperator::PGNotLikeMatch
            } else {
                BinaryOperator::PGLikeMatch
            };
            *e = Expr::BinaryOp {
                left: expr.clone(),
                op,
                right: pattern.clone(),
            };
        }
        Expr::ILike {
            negated,
            any: false,
            expr,
            pattern,
            escape_char: None,
        } => {
            let op = if *negated {
                BinaryOperator::PGNotILikeMatch
            } else {
                BinaryOperator::PGILikeMatch
            };
            *e = Expr::BinaryOp {
                left: expr.clone(),
                op,
                right: pattern.clone(),
            };
        }
        Expr::InList {
            expr,
            list,
            negated,
        } if list.len() == 1 => {
            let op = if *negated {
                BinaryOperator::NotEq
            } else {
                BinaryOperator::Eq
            };
            *e = Expr::BinaryOp {
                left: expr.clone(),
                op,
                right: Box::new(list[0].clone()),
            };
        }
        Expr::AtTimeZone {
            timestamp,
            time_zone,
        } => {
            if let Some(f) = reparse(&format!("timezone({time_zone}, {timestamp})")) {
                *e = f;
            }
        }
        Expr::Function(f) => normalize_function(f),
        _ => {}
    }
}

/// The value of a boolean string literal (`'t'`, `'yes'`, `'1'`, `'off'`...), as PostgreSQL's
/// `boolin` reads it.
fn bool_literal(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The binary digits of a hexadecimal bit string (`1F` → `00011111`), four per digit.
fn hex_bits(h: &str) -> Option<String> {
    let mut out = String::new();
    for c in h.chars() {
        let d = c.to_digit(16)?;
        out.push_str(&format!("{d:04b}"));
    }
    (!out.is_empty()).then_some(out)
}

/// `nextval('public.seq'::regclass)` and `nextval('seq')` name the same sequence; CURRENT_*
/// spelled as functions print without parentheses.
fn normalize_function(f: &mut ast::Function) {
    let name = f.name.to_string().to_lowercase();
    if matches!(name.as_str(), "nextval" | "currval" | "setval")
        && let FunctionArguments::List(list) = &mut f.args
        && let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))) =
            list.args.first_mut()
        && let Value::SingleQuotedString(s) = &v.value
    {
        v.value = Value::SingleQuotedString(canonical_regclass(s));
    }
}

/// A partitioned table's column as its partitions have it: PostgreSQL copies the type,
/// collation, NOT NULL, default and generation expression, but not the identity (PostgreSQL 15)
/// nor the comment; a serial's partitions draw from the parent's sequence by default.
pub fn partition_column(parent: &QualifiedName, c: &migrex_model::Column) -> migrex_model::Column {
    let mut out = c.clone();
    out.comment = None;
    match out.identity.take() {
        Some(migrex_model::Identity::Serial { sequence }) => {
            let seq = QualifiedName::new(parent.namespace.clone(), sequence);
            let lit = crate::quote_string(
                migrex_model::Dialect::Postgres,
                &crate::qualified(migrex_model::Dialect::Postgres, &seq),
            );
            out.default = Some(crate::expr(
                migrex_model::Dialect::Postgres,
                &format!("nextval({lit}::regclass)"),
            ));
        }
        Some(migrex_model::Identity::AutoIncrement) | None => {}
        Some(_) => out.nullable = false,
    }
    out
}

/// A partition's column after `ALTER TABLE parent ALTER COLUMN` turned the parent's `from` into
/// `to`: what changed on the parent (type, collation, NOT NULL, default, generation) recurses to
/// the partitions, overriding their own setting; identity and comment do not.
pub fn inherit_column_change(
    from: &migrex_model::Column,
    to: &migrex_model::Column,
    child: &migrex_model::Column,
) -> migrex_model::Column {
    let mut out = child.clone();
    out.name = to.name.clone();
    if from.ty != to.ty {
        out.ty = to.ty.clone();
    }
    if from.collation != to.collation {
        out.collation = to.collation.clone();
    }
    if from.nullable != to.nullable {
        out.nullable = to.nullable;
    }
    if from.default != to.default {
        out.default = to.default.clone();
    }
    if from.generated != to.generated {
        out.generated = to.generated.clone();
    }
    out
}

/// A `regclass` literal in canonical form: unquoted parts folded to lower case, `public.` dropped.
pub fn canonical_regclass(s: &str) -> String {
    let parts = split_qualified(s);
    let parts: Vec<String> = if parts.len() == 2 && parts[0] == "public" {
        parts[1..].to_vec()
    } else {
        parts
    };
    parts.join(".")
}

/// Splits `a."B".c` into its parts, folding unquoted parts to lower case.
pub fn split_qualified(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        cur.push('"');
                    }
                    Some('"') | None => break,
                    Some(ch) => cur.push(ch),
                }
            },
            '.' => out.push(std::mem::take(&mut cur)),
            c => cur.extend(c.to_lowercase()),
        }
    }
    out.push(cur);
    out
}

fn reparse(sql: &str) -> Option<Expr> {
    let d = sqlparser::dialect::PostgreSqlDialect {};
    sqlparser::parser::Parser::new(&d)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()
}

/// A literal that holds a number: PostgreSQL prints `DEFAULT -1` as `'-1'::integer` and a float
/// default `0.0` as `'0'::double precision`, so numeric strings and numbers share one key.
fn numeric_literal(v: &Value) -> Option<String> {
    let s = match v {
        Value::Number(n, _) => n.as_str(),
        Value::SingleQuotedString(s) => s.as_str(),
        _ => return None,
    };
    let t = s.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let mut digits = 0;
    let mut dots = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => dots += 1,
            _ => return None,
        }
    }
    if digits == 0 || dots > 1 {
        return None;
    }
    let canon = canonical_number(t);
    match v {
        Value::Number(n, _) if *n == canon => None,
        _ => Some(canon),
    }
}

/// `+01.50` → `1.5`, `-0` → `0`, `2.` → `2`.
fn canonical_number(s: &str) -> String {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let mut out = String::new();
    let zero = int == "0" && frac.is_empty();
    if neg && !zero {
        out.push('-');
    }
    out.push_str(int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr_key;
    use migrex_model::Dialect;

    #[track_caller]
    fn rt(spelled: &str, printed: &str) {
        let t = parse_type(spelled);
        assert_eq!(format_type(&t), printed, "{spelled} -> {t:?}");
        assert_eq!(parse_type(printed), t, "{printed} does not parse back");
    }

    #[test]
    fn types_round_trip_in_catalog_spelling() {
        rt("int", "integer");
        rt("INT4", "integer");
        rt("serial", "integer");
        rt("bigserial", "bigint");
        rt("smallserial", "smallint");
        rt("int8", "bigint");
        rt("decimal(10, 2)", "numeric(10,2)");
        rt("numeric(10)", "numeric(10,0)");
        rt("numeric", "numeric");
        rt("float", "double precision");
        rt("float(10)", "real");
        rt("float(25)", "double precision");
        rt("float8", "double precision");
        rt("bool", "boolean");
        rt("varchar(20)", "character varying(20)");
        rt("VARCHAR", "character varying");
        rt("char", "character(1)");
        rt("char(3)", "character(3)");
        rt("bpchar", "bpchar");
        rt("\"char\"", "\"char\"");
        rt("text", "text");
        rt("bytea", "bytea");
        rt("bit", "bit(1)");
        rt("varbit(4)", "bit varying(4)");
        rt("timestamptz", "timestamp with time zone");
        rt("timestamp(3) with time zone", "timestamp(3) with time zone");
        rt(
            "TIMESTAMP (6) WITHOUT TIME ZONE",
            "timestamp(6) without time zone",
        );
        rt("time", "time without time zone");
        rt("timetz(2)", "time(2) with time zone");
        rt("interval", "interval");
        rt("interval(3)", "interval(3)");
        rt("INTERVAL DAY TO SECOND(3)", "interval day to second(3)");
        rt("jsonb", "jsonb");
        rt("uuid", "uuid");
        rt("inet", "inet");
        rt("int[]", "integer[]");
        rt("integer[][]", "integer[]");
        rt("text ARRAY[4]", "text[]");
        rt("varchar(5)[]", "character varying(5)[]");
        rt("pg_catalog.int4", "integer");
        rt("mood", "\"mood\"");
        rt("Public.Mood", "\"mood\"");
        rt("s.\"My Type\"", "\"s\".\"My Type\"");
        rt("\"My Type\"[]", "\"My Type\"[]");
        rt("geometry(Point, 4326)", "geometry(Point,4326)");
    }

    #[test]
    fn user_types_resolve_to_public() {
        assert_eq!(
            parse_type("citext"),
            ColumnType::UserDefined {
                name: QualifiedName::new("public", "citext")
            }
        );
        assert_eq!(
            parse_type("app.status[]").user_type(),
            Some(&QualifiedName::new("app", "status"))
        );
    }

    #[test]
    fn implicit_names() {
        assert_eq!(make_object_name("t", None, "pkey"), "t_pkey");
        assert_eq!(make_object_name("t", Some("a_b"), "key"), "t_a_b_key");
        let long = "a".repeat(70);
        let n = make_object_name(&long, Some("col"), "fkey");
        assert_eq!(n.len(), 63);
        assert_eq!(n, format!("{}_col_fkey", "a".repeat(54)));
        let n = make_object_name(&"t".repeat(40), Some(&"c".repeat(40)), "key");
        assert_eq!(n, format!("{}_{}_key", "t".repeat(29), "c".repeat(29)));
        let taken = ["t_a_check".to_string(), "t_a_check1".to_string()];
        assert_eq!(
            choose_name("t", Some("a"), "check", |n| taken.iter().any(|t| t == n)),
            "t_a_check2"
        );
        assert_eq!(
            index_column_names(&["lower".into(), "lower".into(), "a".into()]),
            vec!["lower", "lower1", "a"]
        );
        assert_eq!(name_addition(&["a".into(), "b".into()]), "a_b");
        // Multi-byte characters are never split.
        let n = make_object_name(&"é".repeat(40), None, "pkey");
        assert!(n.len() <= 63 && n.ends_with("_pkey"));
        assert_eq!(truncate_ident(&"x".repeat(80)).len(), 63);
    }

    #[test]
    fn index_expression_names() {
        assert_eq!(index_expr_colname("lower(name)"), "lower");
        assert_eq!(index_expr_colname("(a + b)"), "expr");
        assert_eq!(index_expr_colname("a::text"), "a");
        assert_eq!(index_expr_colname("(data ->> 'k')"), "expr");
        assert_eq!(index_expr_colname("public.f(x)"), "f");
        assert_eq!(
            referenced_columns("a > 0 AND a < lower(b)"),
            Some(vec!["a".to_string(), "b".to_string()])
        );
    }

    #[test]
    fn default_operator_classes() {
        assert!(is_default_opclass(None, "text_ops"));
        assert!(is_default_opclass(Some("BTREE"), "pg_catalog.int4_ops"));
        assert!(is_default_opclass(Some("gin"), "jsonb_ops"));
        assert!(!is_default_opclass(Some("gin"), "jsonb_path_ops"));
        assert!(!is_default_opclass(None, "text_pattern_ops"));
        assert!(!is_default_opclass(None, "varchar_ops"));
        assert!(is_default_opclass(Some("brin"), "int4_minmax_ops"));
        assert!(!is_default_opclass(Some("brin"), "int4_minmax_multi_ops"));
    }

    #[track_caller]
    fn same(a: &str, b: &str) {
        assert_eq!(
            expr_key(Dialect::Postgres, a),
            expr_key(Dialect::Postgres, b),
            "{a}  vs  {b}"
        );
    }

    #[test]
    fn stored_forms_compare_equal() {
        same("-1", "'-1'::integer");
        same("0.0", "'0'::double precision");
        same("1.50", "1.5");
        same("x BETWEEN 1 AND 10", "((x >= 1) AND (x <= 10))");
        same("x NOT BETWEEN 1 AND 10", "((x < 1) OR (x > 10))");
        same("name LIKE 'a%'", "((name)::text ~~ 'a%'::text)");
        same("name NOT ILIKE 'a%'", "((name)::text !~~* 'a%'::text)");
        same("x IN ('a')", "((x)::text = 'a'::text)");
        same("now() AT TIME ZONE 'utc'", "timezone('utc'::text, now())");
        same("interval '1 day'", "'1 day'::interval");
        same("DATE '2020-01-01'", "'2020-01-01'::date");
        same("boolean 'true'", "true");
        same("bool 'off'", "false");
        same("x'1F'", "'00011111'::\"bit\"");
        same("x'A'", "'1010'::\"bit\"");
        same("B'00011111'", "'00011111'::\"bit\"");
        same("(a, b) > (0, 0)", "(ROW(a, b) > ROW(0, 0))");
        assert_ne!(
            expr_key(Dialect::Postgres, "x'1F'"),
            expr_key(Dialect::Postgres, "'00011110'::\"bit\"")
        );
        same("nextval('public.\"Seq\"')", "nextval('\"Seq\"'::regclass)");
        same(
            "nextval('Public.t_id_seq')",
            "nextval('t_id_seq'::regclass)",
        );
        assert_ne!(
            expr_key(Dialect::Postgres, "x BETWEEN 1 AND 10"),
            expr_key(Dialect::Postgres, "x BETWEEN 1 AND 11")
        );
        assert_ne!(
            expr_key(Dialect::Postgres, "-1"),
            expr_key(Dialect::Postgres, "1")
        );
    }
}
