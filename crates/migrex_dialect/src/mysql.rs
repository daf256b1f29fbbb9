//! MySQL / MariaDB facts: type spellings, default and expression normalization, implicit names.
//!
//! Both SQL sources go through this module: the DDL reader (with its `finalize` hook) and live
//! introspection, so `INT` in a file equals `int(11)` from MariaDB's catalog and `DEFAULT 1.5` on
//! a `decimal(6,3)` equals the catalog's `1.500`. What differs between MariaDB and MySQL 8 is kept
//! in one place: `Flavor`.

mod objects;

pub use objects::{
    normalize_partitioning, partition_bound, partition_key, partition_method, routine_type,
    split_top_level, split_type_charset,
};

use migrex_model::BinaryKind;
use migrex_model::{ColumnType, Dialect, Expr as ModelExpr, FkAction, TextKind};
use sqlparser::ast::{
    self, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, JoinOperator, SelectItem, Value,
    VisitMut, VisitorMut,
};
use sqlparser::parser::Parser;
use std::ops::ControlFlow;

/// Which server of the MySQL family: the differences that matter to reading and writing DDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Flavor {
    /// MariaDB (10.5+): column-level `REFERENCES` creates a foreign key, checks are named after
    /// their column or `CONSTRAINT_n`, `JSON` is `longtext` plus a `json_valid` check.
    #[default]
    MariaDb,
    /// MySQL 8: checks are named `<table>_chk_<n>`, native `JSON`, expression defaults marked
    /// `DEFAULT_GENERATED` and literal defaults unquoted in `information_schema`.
    Mysql,
}

impl Flavor {
    /// From `SELECT VERSION()`: `10.11.19-MariaDB-0+deb12u1` or `8.0.36`.
    pub fn from_version(version: &str) -> Flavor {
        if version.to_ascii_lowercase().contains("mariadb") {
            Flavor::MariaDb
        } else {
            Flavor::Mysql
        }
    }

    /// The server's default collation for a character set, for the charsets in common use.
    pub fn default_collation(self, charset: &str) -> Option<&'static str> {
        Some(match (self, charset.to_ascii_lowercase().as_str()) {
            (Flavor::Mysql, "utf8mb4") => "utf8mb4_0900_ai_ci",
            (Flavor::MariaDb, "utf8mb4") => "utf8mb4_general_ci",
            (_, "utf8" | "utf8mb3") => "utf8mb3_general_ci",
            (_, "latin1") => "latin1_swedish_ci",
            (_, "latin2") => "latin2_general_ci",
            (_, "ascii") => "ascii_general_ci",
            (_, "binary") => "binary",
            (_, "ucs2") => "ucs2_general_ci",
            (_, "utf16") => "utf16_general_ci",
            (_, "utf32") => "utf32_general_ci",
            (_, "cp1250") => "cp1250_general_ci",
            (_, "cp1251") => "cp1251_general_ci",
            (_, "cp1252" | "latin7") => "latin7_general_ci",
            (_, "greek") => "greek_general_ci",
            (_, "hebrew") => "hebrew_general_ci",
            (_, "gbk") => "gbk_chinese_ci",
            (_, "gb2312") => "gb2312_chinese_ci",
            (_, "big5") => "big5_chinese_ci",
            (_, "sjis") => "sjis_japanese_ci",
            (_, "ujis") => "ujis_japanese_ci",
            (_, "euckr") => "euckr_korean_ci",
            _ => return None,
        })
    }

    /// The name the server gives the `n`-th (1-based) unnamed CHECK of `table`. MariaDB names a
    /// column-level check after its column and counts only unnamed table-level checks; MySQL 8
    /// counts every unnamed check.
    pub fn check_name(self, table: &str, column: Option<&str>, n: usize) -> String {
        match (self, column) {
            (Flavor::MariaDb, Some(col)) => col.to_string(),
            (Flavor::MariaDb, None) => format!("CONSTRAINT_{n}"),
            (Flavor::Mysql, _) => format!("{table}_chk_{n}"),
        }
    }
}

/// A table's character set and collation as the model keeps them: `(None, None)` when the
/// effective collation is the database default, otherwise the charset only when it differs from
/// the database's, and the collation only when it is not the default of its charset.
/// `charset`/`collation` are what the table declares (or the catalog reports);
/// `default_of(charset)` gives the default collation of a charset on the server.
pub fn table_charset(
    charset: Option<&str>,
    collation: Option<&str>,
    db_charset: &str,
    db_collation: &str,
    default_of: impl Fn(&str) -> Option<String>,
) -> (Option<String>, Option<String>) {
    let cs = charset
        .map(str::to_ascii_lowercase)
        .or_else(|| collation.map(|c| collation_charset(c).to_ascii_lowercase()))
        .unwrap_or_else(|| db_charset.to_ascii_lowercase());
    // `utf8` is an alias of `utf8mb3` in MariaDB 10.6+ and MySQL 8.
    let cs = if cs == "utf8" {
        "utf8mb3".to_string()
    } else {
        cs
    };
    let coll = collation
        .map(str::to_ascii_lowercase)
        .or_else(|| default_of(&cs))
        .unwrap_or_else(|| db_collation.to_ascii_lowercase());
    let coll = match coll.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None => coll,
    };
    if coll.eq_ignore_ascii_case(db_collation) {
        return (None, None);
    }
    if cs.eq_ignore_ascii_case(db_charset) {
        return (None, Some(coll));
    }
    let is_default = default_of(&cs).is_some_and(|d| d.eq_ignore_ascii_case(&coll));
    (Some(cs), (!is_default).then_some(coll))
}

/// A collation name as the catalog prints it: lower case, `utf8_` (an alias) as `utf8mb3_`.
pub fn canonical_collation(collation: &str) -> String {
    let c = collation.to_ascii_lowercase();
    match c.strip_prefix("utf8_") {
        Some(rest) => format!("utf8mb3_{rest}"),
        None => c,
    }
}

/// The tables and views a view's query reads (last name part, in order of first appearance).
pub fn view_dependencies(sql: &str) -> Vec<String> {
    let d = sqlparser::dialect::MySqlDialect {};
    let Ok(q) = Parser::new(&d)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query())
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let _ = ast::visit_relations(&q, |rel| {
        if let Some(ast::ObjectNamePart::Identifier(id)) = rel.0.last()
            && !out.contains(&id.value)
        {
            out.push(id.value.clone());
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

/// `sql` without the database qualifier of the references `strip(db, object)` accepts:
/// `` `app`.`users`.`id` `` becomes `` `users`.`id` ``. MariaDB qualifies every table of a view
/// with the view's database (and so do dumps of it); a schema file means its own tables, whatever
/// the database it is loaded into is called. The text is edited in place (string literals and
/// comments untouched); SQL that does not tokenize is returned as is.
pub fn strip_db_qualifiers(sql: &str, strip: impl Fn(&str, &str) -> bool) -> String {
    use sqlparser::tokenizer::{Location, Token, Tokenizer};
    let d = sqlparser::dialect::MySqlDialect {};
    let Ok(tokens) = Tokenizer::new(&d, sql).tokenize_with_location() else {
        return sql.to_string();
    };
    // Byte offset of a (1-based line, 1-based char column) location.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |l: Location| -> Option<usize> {
        let start = *line_starts.get(usize::try_from(l.line).ok()?.checked_sub(1)?)?;
        let col = usize::try_from(l.column).ok()?.checked_sub(1)?;
        let rest = sql.get(start..)?;
        Some(start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i))
    };
    let significant: Vec<_> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut cut: Vec<(usize, usize)> = Vec::new();
    for (i, w) in significant.windows(3).enumerate() {
        let (Token::Word(db), Token::Period, Token::Word(obj)) =
            (&w[0].token, &w[1].token, &w[2].token)
        else {
            continue;
        };
        // `a.b.c`: only the first part can be a database.
        if i > 0 && significant[i - 1].token == Token::Period {
            continue;
        }
        if strip(&db.value, &obj.value)
            && let (Some(from), Some(to)) = (offset(w[0].span.start), offset(w[2].span.start))
        {
            cut.push((from, to));
        }
    }
    let mut out = String::with_capacity(sql.len());
    let mut pos = 0;
    for (from, to) in cut {
        if from < pos || to > sql.len() {
            return sql.to_string();
        }
        out.push_str(&sql[pos..from]);
        pos = to;
    }
    out.push_str(&sql[pos..]);
    out
}

/// The databases a query names its tables with (`app` of `app.users`).
pub fn view_databases(sql: &str) -> Vec<String> {
    let d = sqlparser::dialect::MySqlDialect {};
    let Ok(q) = Parser::new(&d)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query())
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let _ = ast::visit_relations(&q, |rel| {
        if rel.0.len() == 2
            && let Some(ast::ObjectNamePart::Identifier(id)) = rel.0.first()
            && !out.contains(&id.value)
        {
            out.push(id.value.clone());
        }
        ControlFlow::<()>::Continue(())
    });
    out
}

/// The character set a collation belongs to (`utf8mb4_bin` → `utf8mb4`).
pub fn collation_charset(collation: &str) -> &str {
    if collation == "binary" {
        return "binary";
    }
    collation.split('_').next().unwrap_or(collation)
}

/// The name InnoDB gives the `n`-th (1-based) unnamed foreign key of `table`.
pub fn fk_name(table: &str, n: usize) -> String {
    format!("{table}_ibfk_{n}")
}

/// A unique index name from `base` the way the server picks one: `base`, then `base_2`, `base_3`…
/// skipping names `taken` reports as used (MySQL compares index names case-insensitively).
pub fn unique_index_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) && !base.eq_ignore_ascii_case("PRIMARY") {
        return base.to_string();
    }
    (2..)
        .map(|i| format!("{base}_{i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

/// `information_schema.REFERENTIAL_CONSTRAINTS` rule → model action, as stored. MariaDB stores
/// an unwritten action as RESTRICT and keeps a written NO ACTION (its `SHOW CREATE TABLE` prints
/// it), so the DDL reader reads an unwritten action as `Restrict` and both compare equal.
pub fn fk_action(rule: &str) -> FkAction {
    match rule.trim().to_ascii_uppercase().as_str() {
        "CASCADE" => FkAction::Cascade,
        "SET NULL" => FkAction::SetNull,
        "SET DEFAULT" => FkAction::SetDefault,
        "NO ACTION" => FkAction::NoAction,
        _ => FkAction::Restrict,
    }
}

/// The index method kept in the model: `None` when it is the engine's default (BTREE for InnoDB
/// and MyISAM, HASH for MEMORY; InnoDB silently builds BTREE for `USING HASH`).
pub fn index_method(engine: Option<&str>, method: &str) -> Option<String> {
    let method = method.trim().to_ascii_uppercase();
    let engine = engine.unwrap_or("InnoDB").to_ascii_uppercase();
    let memory = engine == "MEMORY" || engine == "HEAP";
    match method.as_str() {
        "" => None,
        "BTREE" if memory => Some(method),
        "BTREE" => None,
        "HASH" if memory => None,
        // InnoDB and MyISAM accept USING HASH and build a BTREE.
        "HASH" if engine == "INNODB" || engine == "MYISAM" || engine == "ARIA" => None,
        _ => Some(method),
    }
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// The display width MariaDB (and MySQL before 8.0.19) prints when none is given.
fn default_int_width(bytes: u8, unsigned: bool) -> u32 {
    match (bytes, unsigned) {
        (1, false) => 4,
        (1, true) => 3,
        (2, false) => 6,
        (2, true) => 5,
        (3, false) => 9,
        (3, true) => 8,
        (4, false) => 11,
        (4, true) => 10,
        (_, _) => 20,
    }
}

/// A type spelling split into its words, its parenthesized arguments and the words after them.
struct Spelling {
    base: String,
    args: Vec<String>,
    unsigned: bool,
    zerofill: bool,
}

fn split_spelling(spelled: &str) -> Spelling {
    let s = spelled.trim();
    let (head, args, tail) = match s.find('(') {
        Some(open) => {
            let (args, close) = split_args(&s[open + 1..]);
            (&s[..open], args, &s[(open + 1 + close).min(s.len())..])
        }
        None => (s, Vec::new(), ""),
    };
    let mut base_words = Vec::new();
    let mut unsigned = false;
    let mut zerofill = false;
    // Attribute words may follow the base name (`INT UNSIGNED`) or the arguments.
    let mut after_attr = false;
    for w in head.split_whitespace().chain(tail.split_whitespace()) {
        let lw = w.to_ascii_lowercase();
        match lw.as_str() {
            "unsigned" => {
                unsigned = true;
                after_attr = true;
            }
            "signed" => after_attr = true,
            "zerofill" => {
                zerofill = true;
                after_attr = true;
            }
            // Charset and collation clauses are column attributes, not part of the type.
            "character" | "charset" | "collate" | "binary" | "ascii" | "unicode" | "byte"
                if !base_words.is_empty() && after_attr_or_known(&base_words) =>
            {
                break;
            }
            _ if after_attr => {}
            _ => base_words.push(lw),
        }
    }
    Spelling {
        base: base_words.join(" "),
        args,
        unsigned: unsigned || zerofill,
        zerofill,
    }
}

/// True when the words so far already name a complete type, so a following `binary` or
/// `character set` is an attribute (`varchar(10) binary`) rather than part of the name
/// (`long varbinary`, `character varying`).
fn after_attr_or_known(words: &[String]) -> bool {
    let joined = words.join(" ");
    !matches!(joined.as_str(), "long" | "national" | "char" | "double")
}

/// Splits `a, 'b,c', d)` into its arguments, returning them and the index just past the `)`.
fn split_args(s: &str) -> (Vec<String>, usize) {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut chars = s.char_indices().peekable();
    let mut in_str = false;
    while let Some((i, c)) = chars.next() {
        if in_str {
            cur.push(c);
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        cur.push(n);
                    }
                }
                '\'' => {
                    if chars.peek().map(|(_, n)| *n) == Some('\'') {
                        if let Some((_, n)) = chars.next() {
                            cur.push(n);
                        }
                    } else {
                        in_str = false;
                    }
                }
                _ => {}
            }
            continue;
        }
        match c {
            '\'' => {
                in_str = true;
                cur.push(c);
            }
            ',' => {
                args.push(cur.trim().to_string());
                cur.clear();
            }
            ')' => {
                if !cur.trim().is_empty() || !args.is_empty() {
                    args.push(cur.trim().to_string());
                }
                return (args, i + 1);
            }
            _ => cur.push(c),
        }
    }
    if !cur.trim().is_empty() {
        args.push(cur.trim().to_string());
    }
    (args, s.len())
}

/// The value of a quoted enum/set member: `'b''c'` → `b'c`, `'d\\e'` → `d\e`. A backslash before
/// any other character is kept (sqlparser prints MySQL strings with their escapes resolved, the
/// catalog prints them escaped; keeping unknown escapes makes both read the same).
fn unquote_member(s: &str) -> String {
    let s = s.trim();
    let inner = s
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .or_else(|| s.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
        .unwrap_or(s);
    let mut out = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some('\\') | Some('\'') | Some('"') => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                _ => out.push('\\'),
            },
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            _ => out.push(c),
        }
    }
    out
}

fn num_arg(args: &[String], i: usize) -> Option<u32> {
    args.get(i).and_then(|a| a.trim().parse().ok())
}

/// Parses a MySQL/MariaDB type as written in DDL or printed in `COLUMN_TYPE` into its model form.
pub fn parse_type(spelled: &str) -> ColumnType {
    let sp = split_spelling(spelled);
    let int = |bytes: u8| {
        let width = num_arg(&sp.args, 0);
        ColumnType::Integer {
            bytes,
            unsigned: sp.unsigned,
            display_width: width.filter(|w| *w != default_int_width(bytes, sp.unsigned)),
            zerofill: sp.zerofill,
        }
    };
    let text = |kind: TextKind, default_len: Option<u32>| ColumnType::Text {
        kind,
        max_len: num_arg(&sp.args, 0).or(default_len),
    };
    let precision = || num_arg(&sp.args, 0).filter(|p| *p > 0);
    match sp.base.as_str() {
        "tinyint" | "int1" => int(1),
        "bool" | "boolean" => ColumnType::Integer {
            bytes: 1,
            unsigned: false,
            display_width: Some(1),
            zerofill: false,
        },
        "smallint" | "int2" => int(2),
        "mediumint" | "middleint" | "int3" => int(3),
        "int" | "integer" | "int4" => int(4),
        "bigint" | "int8" => int(8),
        // SERIAL is BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE; the type part is here.
        "serial" => ColumnType::Integer {
            bytes: 8,
            unsigned: true,
            display_width: None,
            zerofill: false,
        },
        "decimal" | "dec" | "numeric" | "fixed" if !sp.zerofill => ColumnType::Decimal {
            precision: Some(num_arg(&sp.args, 0).unwrap_or(10)),
            scale: Some(num_arg(&sp.args, 1).unwrap_or(0)),
            unsigned: sp.unsigned,
        },
        "float" | "float4" if sp.args.len() < 2 && !sp.zerofill => ColumnType::Float {
            bytes: if num_arg(&sp.args, 0).is_some_and(|p| p > 24) {
                8
            } else {
                4
            },
            unsigned: sp.unsigned,
        },
        "double" | "double precision" | "real" | "float8" if sp.args.is_empty() && !sp.zerofill => {
            ColumnType::Float {
                bytes: 8,
                unsigned: sp.unsigned,
            }
        }
        "char" | "character" | "nchar" | "national char" | "national character" => {
            text(TextKind::Char, Some(1))
        }
        "varchar"
        | "character varying"
        | "nvarchar"
        | "national varchar"
        | "varcharacter"
        | "national character varying"
        | "nchar varchar"
        | "nchar varying" => text(TextKind::Varchar, None),
        "tinytext" => text(TextKind::TinyText, None),
        "text" => match num_arg(&sp.args, 0) {
            // TEXT(n) picks the smallest type holding n characters (utf8mb4: 4 bytes each).
            Some(n) => ColumnType::Text {
                kind: match u64::from(n) * 4 {
                    0..=255 => TextKind::TinyText,
                    256..=65_535 => TextKind::Text,
                    65_536..=16_777_215 => TextKind::MediumText,
                    _ => TextKind::LongText,
                },
                max_len: None,
            },
            None => text(TextKind::Text, None),
        },
        "mediumtext" | "long" | "long varchar" => ColumnType::Text {
            kind: TextKind::MediumText,
            max_len: None,
        },
        "longtext" => text(TextKind::LongText, None),
        "binary" => ColumnType::Binary {
            kind: BinaryKind::Binary,
            max_len: num_arg(&sp.args, 0).or(Some(1)),
        },
        "varbinary" => ColumnType::Binary {
            kind: BinaryKind::VarBinary,
            max_len: num_arg(&sp.args, 0),
        },
        "tinyblob" => blob(BinaryKind::TinyBlob),
        "blob" => match num_arg(&sp.args, 0) {
            Some(n) => blob(match n {
                0..=255 => BinaryKind::TinyBlob,
                256..=65_535 => BinaryKind::Blob,
                65_536..=16_777_215 => BinaryKind::MediumBlob,
                _ => BinaryKind::LongBlob,
            }),
            None => blob(BinaryKind::Blob),
        },
        "mediumblob" | "long varbinary" => blob(BinaryKind::MediumBlob),
        "longblob" => blob(BinaryKind::LongBlob),
        "bit" => ColumnType::Bit {
            varying: false,
            len: num_arg(&sp.args, 0).or(Some(1)),
        },
        "date" => ColumnType::Date,
        "time" => ColumnType::Time {
            tz: false,
            precision: precision(),
        },
        "datetime" => ColumnType::DateTime {
            precision: precision(),
        },
        "timestamp" => ColumnType::Timestamp {
            tz: true,
            precision: precision(),
        },
        "year" => ColumnType::Year,
        "json" => ColumnType::Json { binary: false },
        "uuid" => ColumnType::Uuid,
        "enum" => ColumnType::Enum {
            values: sp.args.iter().map(|a| unquote_member(a)).collect(),
        },
        "set" => ColumnType::Set {
            values: sp.args.iter().map(|a| unquote_member(a)).collect(),
        },
        _ => ColumnType::other(canonical_other(&sp)),
    }
}

fn blob(kind: BinaryKind) -> ColumnType {
    ColumnType::Binary {
        kind,
        max_len: None,
    }
}

/// Types the model has no variant for, spelled as `COLUMN_TYPE` prints them: lower case, no
/// spaces in the argument list (`float(7,3) unsigned`, `point`).
fn canonical_other(sp: &Spelling) -> String {
    let base = match sp.base.as_str() {
        "float4" => "float",
        "float8" | "double precision" | "real" => "double",
        "dec" | "numeric" | "fixed" => "decimal",
        other => other,
    };
    let mut out = base.to_string();
    if !sp.args.is_empty() {
        out.push('(');
        out.push_str(&sp.args.join(","));
        out.push(')');
    }
    if sp.unsigned {
        out.push_str(" unsigned");
    }
    if sp.zerofill {
        out.push_str(" zerofill");
    }
    out
}

/// Renders a model type in MySQL's spelling. Types MySQL has no equivalent for get their closest
/// spelling (`bytea` → `longblob`); the renderer refuses the ones that cannot exist
/// (`unsupported_type`).
pub fn format_type(ty: &ColumnType) -> String {
    let with_len = |name: &str, len: &Option<u32>| match len {
        Some(n) => format!("{name}({n})"),
        None => name.to_string(),
    };
    let with_prec = |name: &str, p: &Option<u32>| match p {
        Some(p) if *p > 0 => format!("{name}({p})"),
        _ => name.to_string(),
    };
    match ty {
        ColumnType::Integer {
            bytes,
            unsigned,
            display_width,
            zerofill,
        } => {
            let name = match bytes {
                1 => "tinyint",
                2 => "smallint",
                3 => "mediumint",
                4 => "int",
                _ => "bigint",
            };
            let mut s = with_len(name, display_width);
            if *unsigned || *zerofill {
                s.push_str(" unsigned");
            }
            if *zerofill {
                s.push_str(" zerofill");
            }
            s
        }
        ColumnType::Decimal {
            precision,
            scale,
            unsigned,
        } => {
            let mut s = match (precision, scale) {
                (Some(p), Some(sc)) => format!("decimal({p},{sc})"),
                (Some(p), None) => format!("decimal({p})"),
                (None, _) => "decimal".to_string(),
            };
            if *unsigned {
                s.push_str(" unsigned");
            }
            s
        }
        ColumnType::Float { bytes, unsigned } => {
            let mut s = if *bytes <= 4 { "float" } else { "double" }.to_string();
            if *unsigned {
                s.push_str(" unsigned");
            }
            s
        }
        ColumnType::Bool => "tinyint(1)".into(),
        ColumnType::Text { kind, max_len } => match kind {
            TextKind::Char => with_len("char", &max_len.or(Some(1))),
            // A varchar without a length (PostgreSQL) is unbounded: text holds it.
            TextKind::Varchar => match max_len {
                Some(n) => format!("varchar({n})"),
                None => "longtext".into(),
            },
            TextKind::Text => "text".into(),
            TextKind::TinyText => "tinytext".into(),
            TextKind::MediumText => "mediumtext".into(),
            TextKind::LongText => "longtext".into(),
        },
        ColumnType::Binary { kind, max_len } => match kind {
            BinaryKind::Bytea => "longblob".into(),
            BinaryKind::Binary => with_len("binary", &max_len.or(Some(1))),
            BinaryKind::VarBinary => match max_len {
                Some(n) => format!("varbinary({n})"),
                None => "longblob".into(),
            },
            BinaryKind::TinyBlob => "tinyblob".into(),
            BinaryKind::Blob => "blob".into(),
            BinaryKind::MediumBlob => "mediumblob".into(),
            BinaryKind::LongBlob => "longblob".into(),
        },
        ColumnType::Bit { len, .. } => with_len("bit", &len.or(Some(1))),
        ColumnType::Date => "date".into(),
        ColumnType::Time { precision, .. } => with_prec("time", precision),
        ColumnType::Timestamp { precision, .. } => with_prec("timestamp", precision),
        ColumnType::DateTime { precision } => with_prec("datetime", precision),
        ColumnType::Year => "year".into(),
        ColumnType::Interval { .. } => "interval".into(),
        ColumnType::Json { .. } => "json".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Enum { values } => format!("enum({})", quoted_members(values)),
        ColumnType::Set { values } => format!("set({})", quoted_members(values)),
        ColumnType::Array { .. } => "json".into(),
        ColumnType::UserDefined { name } => name.name.clone(),
        ColumnType::Other { name } => name.clone(),
    }
}

fn quoted_members(values: &[String]) -> String {
    values
        .iter()
        .map(|v| crate::quote_string(Dialect::Mysql, v))
        .collect::<Vec<_>>()
        .join(",")
}

/// Why a model type cannot be a MySQL column type, if it cannot.
pub fn unsupported_type(ty: &ColumnType) -> Option<String> {
    match ty {
        ColumnType::Interval { .. } => {
            Some("MySQL has no interval type (store seconds in a bigint or a time)".into())
        }
        ColumnType::Array { .. } => Some("MySQL has no array type (use json)".into()),
        ColumnType::UserDefined { name } => Some(format!(
            "MySQL has no user-defined type `{name}` (inline an enum(...) instead)"
        )),
        ColumnType::Bit { varying: true, .. } => {
            Some("MySQL has no bit varying (use bit(n) or varbinary)".into())
        }
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/// MySQL-specific rewrites of one expression node for its comparison key (the generic pass has
/// already stripped parentheses and casts and folded identifiers).
pub(crate) fn normalize_expr(e: &mut Expr) {
    match e {
        // `_utf8mb4'x'`: MySQL 8 prints charset introducers in catalogs.
        Expr::Prefixed { value, .. } => *e = (**value).clone(),
        Expr::Value(v) => normalize_value(&mut v.value),
        Expr::Function(f) => {
            if let FunctionArguments::List(l) = &mut f.args {
                for c in l.clauses.iter_mut() {
                    if let ast::FunctionArgumentClause::OrderBy(v) = c {
                        v.iter_mut().for_each(normalize_order);
                    }
                }
            }
            let name = f.name.to_string().to_ascii_lowercase();
            match name.as_str() {
                // MariaDB prints `current_timestamp()` for CURRENT_TIMESTAMP, NOW(), LOCALTIME...
                "current_timestamp" | "now" | "localtime" | "localtimestamp" => {
                    let precision = match &f.args {
                        FunctionArguments::List(l) => match l.args.as_slice() {
                            [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))] => {
                                match &v.value {
                                    Value::Number(n, _) if n != "0" => Some(n.clone()),
                                    _ => None,
                                }
                            }
                            _ => None,
                        },
                        _ => None,
                    };
                    let sql = match precision {
                        Some(p) => format!("current_timestamp({p})"),
                        None => "current_timestamp()".to_string(),
                    };
                    if let Some(parsed) = parse_expr(&sql) {
                        *e = parsed;
                    }
                }
                // MariaDB stores LENGTH() as octet_length() in view definitions.
                "length" => {
                    if let Some(ast::ObjectNamePart::Identifier(id)) = f.name.0.last_mut() {
                        id.value = "octet_length".into();
                    }
                }
                // MariaDB stores `count(*)` as `count(0)` in view definitions.
                "count" => {
                    if let FunctionArguments::List(l) = &mut f.args
                        && let [FunctionArg::Unnamed(arg)] = l.args.as_mut_slice()
                        && let FunctionArgExpr::Expr(Expr::Value(v)) = arg
                        && matches!(&v.value, Value::Number(n, _) if n == "0")
                    {
                        *arg = FunctionArgExpr::Wildcard;
                    }
                }
                // MariaDB stores MID(s, p, n) as substr(s, p, n).
                "mid" => {
                    if let FunctionArguments::List(l) = &f.args
                        && let [s, p, rest @ ..] = l.args.as_slice()
                        && rest.len() <= 1
                    {
                        let arg = |a: &FunctionArg| match a {
                            FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => Some(x.clone()),
                            _ => None,
                        };
                        let len = match rest.first() {
                            Some(a) => arg(a).map(Some),
                            None => Some(None),
                        };
                        if let (Some(s), Some(p), Some(len)) = (arg(s), arg(p), len) {
                            *e = Expr::Substring {
                                expr: Box::new(s),
                                substring_from: Some(Box::new(p)),
                                substring_for: len.map(Box::new),
                                special: true,
                                shorthand: true,
                            };
                        }
                    }
                }
                _ => {}
            }
        }
        // `SUBSTRING(s FROM p FOR n)` is stored as `substr(s,p,n)`.
        Expr::Substring {
            special, shorthand, ..
        } => {
            *special = true;
            *shorthand = true;
        }
        _ => {}
    }
}

/// `ORDER BY x ASC` is `ORDER BY x` (MariaDB prints the ASC).
fn normalize_order(o: &mut ast::OrderByExpr) {
    if matches!(o.options.sort, Some(ast::OrderBySort::Asc)) {
        o.options.sort = None;
    }
}

fn normalize_value(v: &mut Value) {
    match v {
        Value::DoubleQuotedString(s) => *v = Value::SingleQuotedString(std::mem::take(s)),
        Value::Boolean(b) => *v = Value::Number(if *b { "1" } else { "0" }.into(), false),
        Value::Number(n, _) => {
            let canon = canonical_number(n);
            if canon != *n {
                *n = canon;
            }
        }
        _ => {}
    }
}

/// `1.50` → `1.5`, `2.0` → `2`, `007` → `7`; other spellings (exponents) unchanged.
fn canonical_number(n: &str) -> String {
    let (sign, digits) = match n.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", n),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return n.to_string();
    }
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.contains('.') {
        return n.to_string();
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    let body = if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    };
    if body == "0" {
        body
    } else {
        format!("{sign}{body}")
    }
}

fn parse_expr(sql: &str) -> Option<Expr> {
    let d = sqlparser::dialect::MySqlDialect {};
    let mut p = Parser::new(&d).try_with_sql(sql).ok()?;
    let e = p.parse_expr().ok()?;
    (p.peek_token().token == sqlparser::tokenizer::Token::EOF).then_some(e)
}

/// A literal as the server would store it for a column default.
enum Literal {
    Null,
    Number(String),
    Str(String),
    Bits(String),
    Hex(String),
}

fn literal_of(e: &Expr) -> Option<Literal> {
    match e {
        Expr::Nested(inner) => literal_of(inner),
        Expr::Prefixed { value, .. } => literal_of(value),
        Expr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match literal_of(expr)? {
            Literal::Number(n) => Some(Literal::Number(format!("-{n}"))),
            _ => None,
        },
        Expr::UnaryOp {
            op: ast::UnaryOperator::Plus,
            expr,
        } => literal_of(expr),
        Expr::Value(v) => match &v.value {
            Value::Null => Some(Literal::Null),
            Value::Number(n, _) => Some(Literal::Number(n.clone())),
            Value::Boolean(b) => Some(Literal::Number(if *b { "1" } else { "0" }.into())),
            Value::SingleQuotedString(s)
            | Value::DoubleQuotedString(s)
            | Value::NationalStringLiteral(s) => Some(Literal::Str(s.clone())),
            Value::SingleQuotedByteStringLiteral(s) | Value::DoubleQuotedByteStringLiteral(s) => {
                Some(Literal::Bits(s.clone()))
            }
            Value::HexStringLiteral(s) => Some(Literal::Hex(s.clone())),
            _ => None,
        },
        _ => None,
    }
}

fn hex_bytes(h: &str) -> Option<Vec<u8>> {
    let h = if h.len() % 2 == 1 {
        format!("0{h}")
    } else {
        h.to_string()
    };
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok())
        .collect()
}

fn is_numeric_type(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::Integer { .. }
            | ColumnType::Decimal { .. }
            | ColumnType::Float { .. }
            | ColumnType::Bool
            | ColumnType::Year
    )
}

fn is_string_type(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::Text { .. }
            | ColumnType::Binary { .. }
            | ColumnType::Enum { .. }
            | ColumnType::Set { .. }
            | ColumnType::Json { .. }
            | ColumnType::Uuid
            | ColumnType::Date
            | ColumnType::Time { .. }
            | ColumnType::DateTime { .. }
            | ColumnType::Timestamp { .. }
    )
}

/// A number spelled as MariaDB prints the default of a column of type `ty`.
fn canonical_numeric_default(ty: &ColumnType, n: &str) -> Option<String> {
    let n = n.trim();
    match ty {
        ColumnType::Integer { .. } | ColumnType::Year | ColumnType::Bool => {
            if let Ok(i) = n.parse::<i128>() {
                return Some(i.to_string());
            }
            let f: f64 = n.parse().ok()?;
            // The server rounds a fractional default for an integer column.
            Some(format!("{}", f.round() as i128))
        }
        ColumnType::Decimal { scale, .. } => {
            let scale = scale.unwrap_or(0) as usize;
            let canon = canonical_number(n);
            let (sign, digits) = match canon.strip_prefix('-') {
                Some(r) => ("-", r),
                None => ("", canon.as_str()),
            };
            if !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
                let f: f64 = n.parse().ok()?;
                return Some(format!("{f:.scale$}"));
            }
            let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
            if frac.len() > scale {
                let f: f64 = n.parse().ok()?;
                return Some(format!("{f:.scale$}"));
            }
            if scale == 0 {
                Some(format!("{sign}{int}"))
            } else {
                Some(format!("{sign}{int}.{frac:0<scale$}"))
            }
        }
        ColumnType::Float { .. } => {
            let f: f64 = n.parse().ok()?;
            Some(format!("{f}"))
        }
        _ => None,
    }
}

/// `2020-1-2 3:04:05.5` → `2020-01-02 03:04:05.50` for precision 2 (what the catalog prints).
fn canonical_datetime(s: &str, precision: u32, with_date: bool, with_time: bool) -> Option<String> {
    let s = s.trim();
    let (date_part, time_part) = if with_date {
        match s.split_once([' ', 'T']) {
            Some((d, t)) => (Some(d), Some(t)),
            None => (Some(s), None),
        }
    } else {
        (None, Some(s))
    };
    let mut out = String::new();
    if let Some(d) = date_part {
        let parts: Vec<&str> = d.split('-').collect();
        let [y, m, dd] = parts.as_slice() else {
            return None;
        };
        let y: u32 = y.parse().ok()?;
        let m: u32 = m.parse().ok()?;
        let dd: u32 = dd.parse().ok()?;
        out.push_str(&format!("{y:04}-{m:02}-{dd:02}"));
    }
    if with_time {
        let t = time_part.unwrap_or("00:00:00");
        let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
        let parts: Vec<&str> = hms.split(':').collect();
        let nums: Option<Vec<i64>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
        let nums = nums?;
        let (h, mi, se) = match nums.as_slice() {
            [h, m, s] => (*h, *m, *s),
            [h, m] => (*h, *m, 0),
            _ => return None,
        };
        if !frac.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        let sign = if h < 0 { "-" } else { "" };
        out.push_str(&format!("{sign}{:02}:{mi:02}:{se:02}", h.abs()));
        if precision > 0 {
            let p = precision as usize;
            let mut f: String = frac.chars().take(p).collect();
            while f.len() < p {
                f.push('0');
            }
            out.push('.');
            out.push_str(&f);
        }
    }
    Some(out)
}

/// The default of a column of type `ty` in the form MariaDB's catalog shows it, or `None` for
/// `DEFAULT NULL` (the same as no default). Literals are coerced to the column's type the way the
/// server does (`'5'` on an int is `5`, `5` on a varchar is `'5'`, `1.5` on a `decimal(6,3)` is
/// `1.500`, `'2020-01-01'` on a datetime is `'2020-01-01 00:00:00'`); expressions keep their text
/// and get the normal expression key. Both the DDL reader and live introspection call this.
pub fn default_expr(ty: &ColumnType, sql: &str) -> Option<ModelExpr> {
    let sql = sql.trim();
    let Some(parsed) = parse_expr(sql) else {
        return Some(crate::expr(Dialect::Mysql, sql));
    };
    let Some(lit) = literal_of(&parsed) else {
        return Some(crate::expr(Dialect::Mysql, sql));
    };
    let quote = |s: &str| crate::quote_string(Dialect::Mysql, s);
    let canon: Option<String> = match lit {
        Literal::Null => return None,
        Literal::Number(n) => {
            if is_numeric_type(ty) {
                canonical_numeric_default(ty, &n)
            } else if let ColumnType::Bit { .. } = ty {
                n.parse::<u128>().ok().map(|v| format!("b'{v:b}'"))
            } else if is_string_type(ty) {
                string_default(ty, &n).map(|s| quote(&s))
            } else {
                None
            }
        }
        Literal::Str(s) => {
            if is_numeric_type(ty) {
                canonical_numeric_default(ty, &s)
            } else if is_string_type(ty) {
                string_default(ty, &s).map(|s| quote(&s))
            } else {
                None
            }
        }
        Literal::Bits(b) => {
            let v = u128::from_str_radix(if b.is_empty() { "0" } else { &b }, 2).ok();
            match ty {
                ColumnType::Bit { .. } => v.map(|v| format!("b'{v:b}'")),
                _ if is_numeric_type(ty) => v.map(|v| v.to_string()),
                _ => None,
            }
        }
        Literal::Hex(h) => {
            let bytes = hex_bytes(&h);
            match ty {
                ColumnType::Bit { .. } => u128::from_str_radix(&h, 16)
                    .ok()
                    .map(|v| format!("b'{v:b}'")),
                _ if is_numeric_type(ty) => {
                    u128::from_str_radix(&h, 16).ok().map(|v| v.to_string())
                }
                _ if is_string_type(ty) => bytes
                    .and_then(|b| String::from_utf8(b).ok())
                    .map(|s| quote(&s)),
                _ => None,
            }
        }
    };
    let canon = canon.unwrap_or_else(|| sql.to_string());
    Some(crate::expr(Dialect::Mysql, &canon))
}

/// A string default coerced to temporal types; other string types keep the value.
fn string_default(ty: &ColumnType, s: &str) -> Option<String> {
    match ty {
        ColumnType::Date => canonical_datetime(s, 0, true, false).or_else(|| Some(s.to_string())),
        ColumnType::DateTime { precision } | ColumnType::Timestamp { precision, .. } => {
            canonical_datetime(s, precision.unwrap_or(0), true, true)
                .or_else(|| Some(s.to_string()))
        }
        ColumnType::Time { precision, .. } => {
            canonical_datetime(s, precision.unwrap_or(0), false, true)
                .or_else(|| Some(s.to_string()))
        }
        _ => Some(s.to_string()),
    }
}

/// True when a default is a literal (or CURRENT_TIMESTAMP) that MySQL accepts without the
/// parentheses it requires around expression defaults.
pub fn default_is_literal(sql: &str) -> bool {
    let Some(e) = parse_expr(sql) else {
        return false;
    };
    if literal_of(&e).is_some() {
        return true;
    }
    match e {
        Expr::Function(f) => matches!(
            f.name.to_string().to_ascii_lowercase().as_str(),
            "current_timestamp" | "now" | "localtime" | "localtimestamp"
        ),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

/// A view query with its comparison key. The server rewrites a view's query (qualifies every
/// column with database and table, adds `AS` aliases, prints `count(*)` as `count(0)`); the key
/// undoes that, so `CREATE VIEW v AS SELECT a FROM t` equals the catalog's
/// ``select `db`.`t`.`a` AS `a` from `db`.`t` ``.
pub fn view_expr(sql: &str) -> ModelExpr {
    let sql = sql.trim().trim_end_matches(';').trim();
    ModelExpr::with_key(sql, view_key(sql))
}

fn view_key(sql: &str) -> String {
    let d = sqlparser::dialect::MySqlDialect {};
    let parsed = Parser::new(&d)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query());
    match parsed {
        Ok(mut q) => {
            let _ = q.visit(&mut ViewNormalizer);
            q.to_string()
        }
        Err(_) => sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    }
}

struct ViewNormalizer;

impl VisitorMut for ViewNormalizer {
    type Break = ();

    fn post_visit_relation(&mut self, rel: &mut ast::ObjectName) -> ControlFlow<()> {
        // `db`.`t` is `t` inside its own database.
        if rel.0.len() > 1 {
            let last = rel.0.len() - 1;
            rel.0.drain(..last);
        }
        for part in rel.0.iter_mut() {
            if let ast::ObjectNamePart::Identifier(id) = part {
                id.value = id.value.to_lowercase();
                id.quote_style = None;
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        crate::normalize::normalize_ast(Dialect::Mysql, e);
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, select: &mut ast::Select) -> ControlFlow<()> {
        for item in select.projection.iter_mut() {
            if let SelectItem::ExprWithAlias { expr, alias } = item {
                let alias_lower = alias.value.to_lowercase();
                let implied = match &*expr {
                    Expr::Identifier(id) => id.value.to_lowercase() == alias_lower,
                    other => {
                        // MariaDB names an unaliased expression after its text.
                        crate::expr_key(Dialect::Mysql, &alias.value) == other.to_string()
                    }
                };
                if implied {
                    *item = SelectItem::UnnamedExpr(expr.clone());
                } else {
                    alias.value = alias_lower;
                    alias.quote_style = None;
                }
            }
        }
        for twj in select.from.iter_mut() {
            normalize_joins(twj);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, tf: &mut ast::TableFactor) -> ControlFlow<()> {
        match tf {
            ast::TableFactor::NestedJoin {
                table_with_joins, ..
            } => normalize_joins(table_with_joins),
            // `film AS f` and ``film `f` `` are the same alias.
            ast::TableFactor::Table {
                alias: Some(alias), ..
            }
            | ast::TableFactor::Derived {
                alias: Some(alias), ..
            } => {
                alias.explicit = true;
                alias.name.value = alias.name.value.to_lowercase();
                alias.name.quote_style = None;
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<()> {
        let Some(order_by) = &mut q.order_by else {
            return ControlFlow::Continue(());
        };
        let ast::OrderByKind::Expressions(exprs) = &mut order_by.kind else {
            return ControlFlow::Continue(());
        };
        // MariaDB replaces an ORDER BY on a select alias with the aliased expression.
        let aliases: Vec<(String, Expr)> = match q.body.as_ref() {
            ast::SetExpr::Select(sel) => sel
                .projection
                .iter()
                .filter_map(|item| match item {
                    SelectItem::ExprWithAlias { expr, alias } => {
                        Some((alias.value.to_lowercase(), expr.clone()))
                    }
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for o in exprs.iter_mut() {
            if let Expr::Identifier(id) = &o.expr
                && let Some((_, e)) = aliases.iter().find(|(a, _)| *a == id.value.to_lowercase())
            {
                o.expr = e.clone();
            }
            normalize_order(o);
        }
        ControlFlow::Continue(())
    }
}

fn normalize_joins(twj: &mut ast::TableWithJoins) {
    // MariaDB nests every join in parentheses: `((a join b on ..) join c on ..)` is
    // `a join b on .. join c on ..`.
    while let ast::TableFactor::NestedJoin {
        table_with_joins,
        alias: None,
    } = &twj.relation
    {
        let inner = (**table_with_joins).clone();
        let outer = std::mem::take(&mut twj.joins);
        twj.relation = inner.relation;
        twj.joins = inner.joins.into_iter().chain(outer).collect();
    }
    for j in twj.joins.iter_mut() {
        // `JOIN` and `INNER JOIN` are the same join.
        if let JoinOperator::Join(c) = &j.join_operator {
            j.join_operator = JoinOperator::Inner(c.clone());
        }
        if let JoinOperator::LeftOuter(c) = &j.join_operator {
            j.join_operator = JoinOperator::Left(c.clone());
        }
        if let JoinOperator::RightOuter(c) = &j.join_operator {
            j.join_operator = JoinOperator::Right(c.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(bytes: u8, unsigned: bool, width: Option<u32>, zerofill: bool) -> ColumnType {
        ColumnType::Integer {
            bytes,
            unsigned,
            display_width: width,
            zerofill,
        }
    }

    #[test]
    fn integer_display_widths_default_away() {
        assert_eq!(parse_type("int(11)"), parse_type("INT"));
        assert_eq!(parse_type("int(11)"), parse_type("INTEGER"));
        assert_eq!(parse_type("int(10) unsigned"), parse_type("INT UNSIGNED"));
        assert_eq!(parse_type("int(10) unsigned"), int(4, true, None, false));
        assert_eq!(parse_type("tinyint(4)"), parse_type("TINYINT"));
        assert_eq!(
            parse_type("tinyint(3) unsigned"),
            parse_type("tinyint unsigned")
        );
        assert_eq!(parse_type("smallint(6)"), int(2, false, None, false));
        assert_eq!(
            parse_type("smallint(5) unsigned"),
            int(2, true, None, false)
        );
        assert_eq!(parse_type("mediumint(9)"), parse_type("MIDDLEINT"));
        assert_eq!(
            parse_type("mediumint(8) unsigned"),
            int(3, true, None, false)
        );
        assert_eq!(parse_type("bigint(20)"), parse_type("INT8"));
        assert_eq!(parse_type("bigint(20) unsigned"), parse_type("serial"));
        assert_eq!(parse_type("int(5)"), int(4, false, Some(5), false));
        assert_eq!(parse_type("tinyint(1)"), int(1, false, Some(1), false));
        assert_eq!(parse_type("BOOLEAN"), parse_type("tinyint(1)"));
        assert_eq!(parse_type("bool"), parse_type("tinyint(1)"));
        assert_eq!(parse_type("int1"), parse_type("tinyint(4)"));
        // MySQL 8.0.19+ prints no widths at all.
        assert_eq!(parse_type("int unsigned"), parse_type("int(10) unsigned"));
    }

    #[test]
    fn zerofill_implies_unsigned() {
        assert_eq!(
            parse_type("bigint(20) unsigned zerofill"),
            int(8, true, None, true)
        );
        assert_eq!(
            parse_type("int zerofill"),
            parse_type("int(10) unsigned zerofill")
        );
        assert_eq!(parse_type("INT(5) ZEROFILL"), int(4, true, Some(5), true));
    }

    #[test]
    fn numeric_types() {
        let dec = |p, s| ColumnType::Decimal {
            precision: Some(p),
            scale: Some(s),
            unsigned: false,
        };
        assert_eq!(parse_type("decimal(10,2)"), dec(10, 2));
        assert_eq!(parse_type("DECIMAL"), dec(10, 0));
        assert_eq!(parse_type("numeric(5)"), dec(5, 0));
        assert_eq!(parse_type("DEC(4,1)"), dec(4, 1));
        assert_eq!(parse_type("fixed(3, 1)"), dec(3, 1));
        let float = |b| ColumnType::Float {
            bytes: b,
            unsigned: false,
        };
        assert_eq!(parse_type("float"), float(4));
        assert_eq!(parse_type("FLOAT4"), float(4));
        assert_eq!(parse_type("FLOAT(30)"), float(8));
        assert_eq!(parse_type("float(10)"), float(4));
        assert_eq!(parse_type("double"), float(8));
        assert_eq!(parse_type("DOUBLE PRECISION"), float(8));
        assert_eq!(parse_type("REAL"), float(8));
        assert_eq!(parse_type("FLOAT8"), float(8));
        assert_eq!(parse_type("FLOAT(7,3)"), ColumnType::other("float(7,3)"));
        assert_eq!(parse_type("double(8, 2)"), ColumnType::other("double(8,2)"));
        assert_eq!(
            parse_type("double unsigned"),
            ColumnType::Float {
                bytes: 8,
                unsigned: true
            }
        );
    }

    #[test]
    fn string_and_binary_types() {
        let t = |kind, max_len| ColumnType::Text { kind, max_len };
        assert_eq!(parse_type("varchar(255)"), t(TextKind::Varchar, Some(255)));
        assert_eq!(
            parse_type("CHARACTER VARYING(3)"),
            t(TextKind::Varchar, Some(3))
        );
        assert_eq!(parse_type("NVARCHAR(4)"), t(TextKind::Varchar, Some(4)));
        assert_eq!(parse_type("char"), t(TextKind::Char, Some(1)));
        assert_eq!(parse_type("char(1)"), parse_type("CHAR"));
        assert_eq!(parse_type("nchar(3)"), t(TextKind::Char, Some(3)));
        assert_eq!(parse_type("text"), t(TextKind::Text, None));
        assert_eq!(parse_type("TINYTEXT"), t(TextKind::TinyText, None));
        assert_eq!(parse_type("long"), t(TextKind::MediumText, None));
        assert_eq!(parse_type("long varchar"), t(TextKind::MediumText, None));
        assert_eq!(parse_type("longtext"), t(TextKind::LongText, None));
        assert_eq!(
            parse_type("varchar(10) binary"),
            t(TextKind::Varchar, Some(10))
        );
        assert_eq!(
            parse_type("varchar(5) character set latin1"),
            t(TextKind::Varchar, Some(5))
        );
        let b = |kind, max_len| ColumnType::Binary { kind, max_len };
        assert_eq!(parse_type("binary"), b(BinaryKind::Binary, Some(1)));
        assert_eq!(parse_type("binary(1)"), parse_type("BINARY"));
        assert_eq!(
            parse_type("VARBINARY(10)"),
            b(BinaryKind::VarBinary, Some(10))
        );
        assert_eq!(parse_type("blob"), b(BinaryKind::Blob, None));
        assert_eq!(
            parse_type("long varbinary"),
            b(BinaryKind::MediumBlob, None)
        );
        assert_eq!(parse_type("LONGBLOB"), b(BinaryKind::LongBlob, None));
        assert_eq!(
            parse_type("bit"),
            ColumnType::Bit {
                varying: false,
                len: Some(1)
            }
        );
        assert_eq!(parse_type("bit(3)"), parse_type("BIT(3)"));
    }

    #[test]
    fn temporal_types() {
        assert_eq!(parse_type("date"), ColumnType::Date);
        assert_eq!(
            parse_type("time(3)"),
            ColumnType::Time {
                tz: false,
                precision: Some(3)
            }
        );
        assert_eq!(parse_type("time(0)"), parse_type("TIME"));
        assert_eq!(
            parse_type("datetime(6)"),
            ColumnType::DateTime { precision: Some(6) }
        );
        assert_eq!(
            parse_type("TIMESTAMP(2)"),
            ColumnType::Timestamp {
                tz: true,
                precision: Some(2)
            }
        );
        assert_eq!(parse_type("year(4)"), ColumnType::Year);
        assert_eq!(parse_type("year"), ColumnType::Year);
        assert_eq!(parse_type("JSON"), ColumnType::Json { binary: false });
        assert_eq!(parse_type("point"), ColumnType::other("point"));
        assert_eq!(parse_type("GEOMETRY"), ColumnType::other("geometry"));
    }

    #[test]
    fn enum_and_set_members_with_escapes() {
        let e = |v: &[&str]| ColumnType::Enum {
            values: v.iter().map(|s| s.to_string()).collect(),
        };
        // The catalog escapes quotes by doubling and backslashes by doubling.
        assert_eq!(
            parse_type(r"enum('a','b''c','d\\e')"),
            e(&["a", "b'c", r"d\e"])
        );
        // sqlparser prints members with escapes resolved and quotes doubled.
        assert_eq!(
            parse_type(r"ENUM('a', 'b''c', 'd\e')"),
            e(&["a", "b'c", r"d\e"])
        );
        assert_eq!(parse_type("enum('a,b','c)')"), e(&["a,b", "c)"]));
        assert_eq!(
            parse_type("SET('x', 'y')"),
            ColumnType::Set {
                values: vec!["x".into(), "y".into()]
            }
        );
        assert_eq!(
            format_type(&e(&["a", "b'c", r"d\e"])),
            r"enum('a','b''c','d\\e')"
        );
    }

    #[test]
    fn format_then_parse_is_identity() {
        let spellings = [
            "int(11)",
            "int(5)",
            "int(10) unsigned",
            "tinyint(1)",
            "bigint(20) unsigned zerofill",
            "mediumint(3) unsigned",
            "decimal(10,2)",
            "decimal(12,0) unsigned",
            "float",
            "double",
            "float unsigned",
            "float(7,3)",
            "varchar(255)",
            "char(1)",
            "text",
            "tinytext",
            "mediumtext",
            "longtext",
            "binary(16)",
            "varbinary(10)",
            "tinyblob",
            "blob",
            "mediumblob",
            "longblob",
            "bit(3)",
            "date",
            "time(3)",
            "time",
            "datetime(6)",
            "timestamp(2)",
            "year(4)",
            "json",
            "uuid",
            "enum('a','b''c')",
            "set('x','y')",
            "point",
        ];
        for s in spellings {
            let t = parse_type(s);
            assert_eq!(
                parse_type(&format_type(&t)),
                t,
                "{s} -> {}",
                format_type(&t)
            );
        }
        assert_eq!(format_type(&parse_type("INT")), "int");
        assert_eq!(
            format_type(&parse_type("int(5) zerofill")),
            "int(5) unsigned zerofill"
        );
        assert_eq!(format_type(&ColumnType::Bool), "tinyint(1)");
    }

    #[test]
    fn defaults_coerce_like_the_server() {
        let key = |ty: &str, sql: &str| default_expr(&parse_type(ty), sql).map(|e| e.key);
        let same = |ty: &str, ddl: &str, catalog: &str| {
            assert_eq!(key(ty, ddl), key(ty, catalog), "{ty}: {ddl} vs {catalog}");
        };
        same("int", "'5'", "5");
        same("int", "(5)", "5");
        same("int", "-3", "-3");
        same("int unsigned", "0x10", "16");
        same("varchar(5)", "5", "'5'");
        same("varchar(10)", "\"dq\"", "'dq'");
        same("varchar(10)", "x'41'", "'A'");
        same("varchar(10)", "'it''s'", "'it''s'");
        same("datetime", "'2020-01-01'", "'2020-01-01 00:00:00'");
        same(
            "datetime(2)",
            "'2020-01-01 10:00:00.5'",
            "'2020-01-01 10:00:00.50'",
        );
        same("decimal(6,3)", "1.5", "1.500");
        same("decimal(5,2)", "'1.5'", "1.50");
        same("decimal(4,1)", "-0.5", "-0.5");
        same("float", "1e3", "1000");
        same("double", "'2.50'", "2.5");
        same("bit(3)", "5", "b'101'");
        same("bit(2)", "b'01'", "b'1'");
        same("year", "2020", "2020");
        same("time", "'1:2:3'", "'01:02:03'");
        same("tinyint(1)", "true", "1");
        same("tinyint(1)", "FALSE", "0");
        same("datetime", "CURRENT_TIMESTAMP", "current_timestamp()");
        same("datetime", "now()", "current_timestamp()");
        same(
            "timestamp(3)",
            "CURRENT_TIMESTAMP(3)",
            "current_timestamp(3)",
        );
        same("double", "(rand())", "rand()");
        same("varchar(20)", "(concat('a','b'))", "concat('a','b')");
        assert_eq!(key("int", "NULL"), None);
        assert_eq!(key("varchar(4)", "null"), None);
        assert_ne!(key("varchar(4)", "'NULL'"), None);
        assert_ne!(key("int", "5"), key("int", "6"));
        assert_ne!(
            key("timestamp(3)", "current_timestamp(3)"),
            key("timestamp(3)", "current_timestamp()")
        );
    }

    #[test]
    fn literal_defaults_need_no_parentheses() {
        assert!(default_is_literal("5"));
        assert!(default_is_literal("-1.5"));
        assert!(default_is_literal("'x'"));
        assert!(default_is_literal("b'101'"));
        assert!(default_is_literal("current_timestamp(3)"));
        assert!(default_is_literal("CURRENT_TIMESTAMP"));
        assert!(!default_is_literal("rand()"));
        assert!(!default_is_literal("a + 1"));
    }

    #[test]
    fn check_keys_ignore_backticks_and_case() {
        let k = |s: &str| crate::expr_key(Dialect::Mysql, s);
        assert_eq!(k("`s` > 0"), k("s > 0"));
        assert_eq!(k("json_valid(`p`)"), k("JSON_VALID(p)"));
        assert_eq!(k("`t` > `u`"), k("(T > U)"));
        assert_eq!(k("a <> 0"), k("a != 0"));
        assert_eq!(k("_utf8mb4'x' = `a`"), k("'x' = a"));
        assert_eq!(k("a = \"x\""), k("a = 'x'"));
        assert_ne!(k("a > 0"), k("a > 1"));
    }

    #[test]
    fn substring_spellings_share_a_key() {
        let stored = view_expr("select substr(min(202006),1,4) AS `c`,substr('abc',2) AS `d`");
        for sql in [
            "select substring(min(202006) from 1 for 4) AS c, substr('abc' from 2) AS d",
            "select SUBSTRING(min(202006), 1, 4) AS c, mid('abc', 2) AS d",
            "select mid(min(202006), 1, 4) AS c, substring('abc', 2) AS d",
        ] {
            assert_eq!(view_expr(sql).key, stored.key, "{sql}");
        }
        assert_ne!(view_expr("select substr('abc', 1, 2) AS d").key, stored.key);
    }

    #[test]
    fn db_qualifiers_are_stripped_in_place() {
        let sql = "select `db`.`t`.`a`, db.t.b, x.db.c, 'db.t' from `db`.t /* db.t */ join db . u";
        assert_eq!(
            strip_db_qualifiers(sql, |d, o| d == "db" && (o == "t" || o == "u")),
            "select `t`.`a`, t.b, x.db.c, 'db.t' from t /* db.t */ join u"
        );
        assert_eq!(
            view_databases("select 1 from db.t join u join x.y"),
            vec!["db", "x"]
        );
        assert_eq!(
            strip_db_qualifiers("select 'unterminated", |_, _| true),
            "select 'unterminated"
        );
    }

    #[test]
    fn view_keys_undo_server_rewrites() {
        let ddl = "SELECT a, b AS bee, COUNT(*), concat(a, 'x') FROM p GROUP BY a, b";
        let catalog = "select `my_probe`.`p`.`a` AS `a`,`my_probe`.`p`.`b` AS `bee`,count(0) AS `count(*)`,concat(`my_probe`.`p`.`a`,'x') AS `concat(a, 'x')` from `my_probe`.`p` group by `my_probe`.`p`.`a`,`my_probe`.`p`.`b`";
        assert_eq!(view_expr(ddl), view_expr(catalog));
        assert_ne!(
            view_expr("select a as x from p"),
            view_expr("select a as y from p")
        );
        assert_eq!(
            view_expr("select t.a from t inner join u on t.id = u.id"),
            view_expr(
                "select `d`.`t`.`a` AS `a` from (`d`.`t` join `d`.`u` on(`d`.`t`.`id` = `d`.`u`.`id`))"
            )
        );
    }

    #[test]
    fn view_keys_flatten_nested_joins_and_aliases() {
        let ddl = "SELECT c.name AS category, SUM(p.amount) AS total_sales FROM payment AS p \
                   INNER JOIN rental AS r ON p.rental_id = r.rental_id \
                   JOIN category c ON r.id = c.id GROUP BY c.name ORDER BY total_sales DESC";
        let catalog = "select `c`.`name` AS `category`,sum(`p`.`amount`) AS `total_sales` from \
                       ((`d`.`payment` `p` join `d`.`rental` `r` on(`p`.`rental_id` = `r`.`rental_id`)) \
                       join `d`.`category` `c` on(`r`.`id` = `c`.`id`)) group by `c`.`name` \
                       order by sum(`p`.`amount`) desc";
        assert_eq!(view_expr(ddl), view_expr(catalog));
        assert_eq!(
            view_expr(
                "SELECT GROUP_CONCAT(t ORDER BY t SEPARATOR ', ') AS g, LENGTH(t) AS l FROM x"
            ),
            view_expr(
                "select group_concat(`x`.`t` order by `x`.`t` ASC separator ', ') AS `g`,octet_length(`x`.`t`) AS `l` from `x`"
            )
        );
    }

    #[test]
    fn names_and_flavors() {
        assert_eq!(
            Flavor::from_version("10.11.19-MariaDB-0+deb12u1"),
            Flavor::MariaDb
        );
        assert_eq!(Flavor::from_version("8.0.36"), Flavor::Mysql);
        assert_eq!(Flavor::MariaDb.check_name("t", Some("c"), 1), "c");
        assert_eq!(Flavor::MariaDb.check_name("t", None, 2), "CONSTRAINT_2");
        assert_eq!(Flavor::Mysql.check_name("t", Some("c"), 1), "t_chk_1");
        assert_eq!(Flavor::Mysql.check_name("t", None, 3), "t_chk_3");
        assert_eq!(fk_name("orders", 2), "orders_ibfk_2");
        assert_eq!(
            Flavor::MariaDb.default_collation("utf8mb4"),
            Some("utf8mb4_general_ci")
        );
        assert_eq!(
            Flavor::Mysql.default_collation("utf8mb4"),
            Some("utf8mb4_0900_ai_ci")
        );
        assert_eq!(collation_charset("utf8mb4_bin"), "utf8mb4");
        let def = |cs: &str| Flavor::MariaDb.default_collation(cs).map(str::to_string);
        let tc = |cs, coll| table_charset(cs, coll, "utf8mb4", "utf8mb4_general_ci", def);
        assert_eq!(tc(None, None), (None, None));
        assert_eq!(tc(Some("utf8mb4"), None), (None, None));
        assert_eq!(tc(None, Some("utf8mb4_general_ci")), (None, None));
        assert_eq!(tc(Some("latin1"), None), (Some("latin1".into()), None));
        assert_eq!(
            tc(None, Some("latin1_swedish_ci")),
            (Some("latin1".into()), None)
        );
        assert_eq!(tc(Some("utf8"), None), (Some("utf8mb3".into()), None));
        assert_eq!(
            tc(None, Some("utf8mb3_general_ci")),
            (Some("utf8mb3".into()), None)
        );
        assert_eq!(
            tc(None, Some("utf8mb4_unicode_ci")),
            (None, Some("utf8mb4_unicode_ci".into()))
        );
        assert_eq!(
            tc(Some("latin1"), Some("latin1_bin")),
            (Some("latin1".into()), Some("latin1_bin".into()))
        );
        assert_eq!(
            view_dependencies("select a from `db`.`t` join u on t.id = u.id"),
            vec!["t".to_string(), "u".to_string()]
        );
        let taken = ["code", "code_2"];
        assert_eq!(unique_index_name("code", |n| taken.contains(&n)), "code_3");
        assert_eq!(unique_index_name("x", |n| taken.contains(&n)), "x");
        assert_eq!(fk_action("RESTRICT"), FkAction::Restrict);
        assert_eq!(fk_action("NO ACTION"), FkAction::NoAction);
        assert_eq!(fk_action("SET NULL"), FkAction::SetNull);
        assert_eq!(index_method(None, "BTREE"), None);
        assert_eq!(index_method(Some("InnoDB"), "HASH"), None);
        assert_eq!(index_method(Some("MEMORY"), "HASH"), None);
        assert_eq!(index_method(Some("MEMORY"), "BTREE"), Some("BTREE".into()));
        assert_eq!(index_method(None, "FULLTEXT"), Some("FULLTEXT".into()));
    }
}
