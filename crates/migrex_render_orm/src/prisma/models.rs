//! A `schema.prisma` for a schema, in the form `prisma db pull` gives: models named after their
//! tables (`@@map` only when a table name is not a valid model name), fields after their
//! columns (`@map` likewise), both sides of every relation, and `map:` on keys and indexes
//! whose names differ from the ones Prisma derives. Reading the result with migrex's Prisma
//! reader gives back the schema (tested, and validated by prisma-schema-wasm).
//!
//! On MySQL, types map back through `SCALAR_TYPE_DEFAULTS` (a plain scalar) or `@db.*`, each
//! inline `ENUM(...)` column gets its own enum named `<table>_<column>` as `prisma db pull` names
//! it, the primary key never takes `map:` (it is always `PRIMARY`), prefix lengths and sort
//! orders become `length:`/`sort:`, FULLTEXT indexes `@@fulltext`, and a JSON column's default,
//! which Prisma never writes on MySQL, is left as a comment.

use crate::WriteError;
use migrex_model::{
    BinaryKind, Column, ColumnType, Dialect, FkAction, ForeignKey, Identity, IndexKey,
    QualifiedName, Schema, Table, TextKind,
};
use migrex_source_orm::prisma::ddl::constraint_name;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

/// A valid Prisma identifier for a database name (letters, digits, `_`; starts with a letter).
fn ident(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s = s
        .trim_start_matches(|c: char| !c.is_ascii_alphabetic())
        .to_string();
    if s.is_empty() {
        s = "unnamed".into();
    }
    const RESERVED: [&str; 6] = ["model", "enum", "view", "type", "datasource", "generator"];
    if RESERVED.contains(&s.as_str())
        || migrex_source_orm::prisma::ddl::SCALARS.contains(&s.as_str())
    {
        s.push('_');
    }
    s
}

fn string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn action(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "NoAction",
        FkAction::Restrict => "Restrict",
        FkAction::Cascade => "Cascade",
        FkAction::SetNull => "SetNull",
        FkAction::SetDefault => "SetDefault",
    }
}

struct Names {
    /// Table -> model name.
    models: BTreeMap<QualifiedName, String>,
    /// Enum -> Prisma enum name.
    enums: BTreeMap<QualifiedName, String>,
    /// MySQL inline `ENUM(...)` columns -> the Prisma enum declared for each (named
    /// `<table>_<column>`, as `prisma db pull` names them).
    column_enums: BTreeMap<(QualifiedName, String), (String, Vec<String>)>,
}

/// The Prisma type of a MySQL column: the scalar whose default native type it is
/// (`mysql_datamodel_connector.rs` `SCALAR_TYPE_DEFAULTS`), else the scalar with `@db.*`.
fn mysql_field_type(ty: &ColumnType) -> (String, bool, Option<String>) {
    let plain = |s: &str| (s.to_string(), false, None);
    let native = |s: &str, n: &str| (s.to_string(), false, Some(format!("@db.{n}")));
    let int = |unsigned: bool, signed: &str| {
        if unsigned {
            format!("Unsigned{signed}")
        } else {
            signed.to_string()
        }
    };
    let prec = |p: &Option<u32>| format!("({})", p.unwrap_or(0));
    match ty {
        // BOOLEAN is tinyint(1), the Boolean scalar's default native type.
        ColumnType::Integer {
            bytes: 1,
            unsigned: false,
            display_width: Some(1),
            zerofill: false,
        } => plain("Boolean"),
        ColumnType::Integer {
            bytes,
            unsigned,
            display_width: None,
            zerofill: false,
        } => match (bytes, unsigned) {
            (4, false) => plain("Int"),
            (8, false) => plain("BigInt"),
            (8, true) => native("BigInt", "UnsignedBigInt"),
            (4, true) => native("Int", "UnsignedInt"),
            (3, u) => native("Int", &int(*u, "MediumInt")),
            (2, u) => native("Int", &int(*u, "SmallInt")),
            (_, u) => native("Int", &int(*u, "TinyInt")),
        },
        ColumnType::Decimal {
            precision: Some(65),
            scale: Some(30),
            unsigned: false,
        } => plain("Decimal"),
        ColumnType::Decimal {
            precision: Some(p),
            scale,
            unsigned: false,
        } => native("Decimal", &format!("Decimal({p}, {})", scale.unwrap_or(0))),
        ColumnType::Float {
            bytes: 8,
            unsigned: false,
        } => plain("Float"),
        ColumnType::Float {
            bytes: 4,
            unsigned: false,
        } => native("Float", "Float"),
        ColumnType::Text {
            kind: TextKind::Varchar,
            max_len: Some(191),
        } => plain("String"),
        ColumnType::Text {
            kind: TextKind::Varchar,
            max_len: Some(n),
        } => native("String", &format!("VarChar({n})")),
        ColumnType::Text {
            kind: TextKind::Char,
            max_len,
        } => native("String", &format!("Char({})", max_len.unwrap_or(1))),
        ColumnType::Text { kind, max_len: _ } if *kind != TextKind::Varchar => native(
            "String",
            match kind {
                TextKind::TinyText => "TinyText",
                TextKind::MediumText => "MediumText",
                TextKind::LongText => "LongText",
                _ => "Text",
            },
        ),
        ColumnType::Binary {
            kind: BinaryKind::LongBlob,
            ..
        } => plain("Bytes"),
        ColumnType::Binary {
            kind: kind @ (BinaryKind::Binary | BinaryKind::VarBinary),
            max_len: Some(n),
        } => native(
            "Bytes",
            &format!(
                "{}({n})",
                if *kind == BinaryKind::Binary {
                    "Binary"
                } else {
                    "VarBinary"
                }
            ),
        ),
        ColumnType::Binary {
            kind: kind @ (BinaryKind::TinyBlob | BinaryKind::Blob | BinaryKind::MediumBlob),
            ..
        } => native("Bytes", &format!("{kind:?}")),
        ColumnType::Bit {
            varying: false,
            len,
        } => match len.unwrap_or(1) {
            1 => native("Boolean", "Bit(1)"),
            n => native("Bytes", &format!("Bit({n})")),
        },
        ColumnType::Date => native("DateTime", "Date"),
        ColumnType::Time { precision, .. } => {
            native("DateTime", &format!("Time{}", prec(precision)))
        }
        ColumnType::DateTime { precision: Some(3) } => plain("DateTime"),
        ColumnType::DateTime { precision } => {
            native("DateTime", &format!("DateTime{}", prec(precision)))
        }
        ColumnType::Timestamp { precision, .. } => {
            native("DateTime", &format!("Timestamp{}", prec(precision)))
        }
        ColumnType::Year => native("Int", "Year"),
        ColumnType::Json { .. } => plain("Json"),
        other => (
            format!(
                "Unsupported({})",
                string(&migrex_dialect::format_type(Dialect::Mysql, other))
            ),
            false,
            None,
        ),
    }
}

/// The Prisma type (scalar or enum), list flag, and native type attribute of a column.
fn field_type(dialect: Dialect, ty: &ColumnType, names: &Names) -> (String, bool, Option<String>) {
    let plain = |s: &str| (s.to_string(), false, None);
    let native = |s: &str, n: String| (s.to_string(), false, Some(format!("@db.{n}")));
    match dialect {
        Dialect::Mysql => mysql_field_type(ty),
        Dialect::Sqlite => {
            let ColumnType::Other { name } = ty else {
                return (
                    format!("Unsupported({})", string(&format!("{ty:?}"))),
                    false,
                    None,
                );
            };
            match name.to_ascii_uppercase().as_str() {
                "TEXT" => plain("String"),
                "INTEGER" => plain("Int"),
                "BIGINT" => plain("BigInt"),
                "REAL" => plain("Float"),
                "DECIMAL" => plain("Decimal"),
                "BOOLEAN" => plain("Boolean"),
                "DATETIME" => plain("DateTime"),
                "JSONB" => plain("Json"),
                "BLOB" => plain("Bytes"),
                _ => (format!("Unsupported({})", string(name)), false, None),
            }
        }
        _ => match ty {
            ColumnType::Integer { bytes: 4, .. } => plain("Int"),
            ColumnType::Integer { bytes: 8, .. } => plain("BigInt"),
            ColumnType::Integer { bytes: 2, .. } => native("Int", "SmallInt".into()),
            ColumnType::Float { bytes: 8, .. } => plain("Float"),
            ColumnType::Float { .. } => native("Float", "Real".into()),
            ColumnType::Decimal {
                precision: Some(65),
                scale: Some(30),
                ..
            } => plain("Decimal"),
            ColumnType::Decimal {
                precision: Some(p),
                scale,
                ..
            } => native("Decimal", format!("Decimal({p}, {})", scale.unwrap_or(0))),
            ColumnType::Bool => plain("Boolean"),
            ColumnType::Text {
                kind: TextKind::Text,
                ..
            } => plain("String"),
            ColumnType::Text {
                kind: TextKind::Varchar,
                max_len,
            } => native(
                "String",
                max_len.map_or("VarChar".into(), |n| format!("VarChar({n})")),
            ),
            ColumnType::Text {
                kind: TextKind::Char,
                max_len,
            } => native("String", format!("Char({})", max_len.unwrap_or(1))),
            ColumnType::Timestamp {
                tz: false,
                precision: Some(3),
            } => plain("DateTime"),
            ColumnType::Timestamp { tz, precision } => native(
                "DateTime",
                format!(
                    "{}{}",
                    if *tz { "Timestamptz" } else { "Timestamp" },
                    precision.map(|p| format!("({p})")).unwrap_or_default()
                ),
            ),
            ColumnType::Date => native("DateTime", "Date".into()),
            ColumnType::Time { tz, precision } => native(
                "DateTime",
                format!(
                    "{}{}",
                    if *tz { "Timetz" } else { "Time" },
                    precision.map(|p| format!("({p})")).unwrap_or_default()
                ),
            ),
            ColumnType::Json { binary: true } => plain("Json"),
            ColumnType::Json { binary: false } => native("Json", "Json".into()),
            ColumnType::Binary { .. } => plain("Bytes"),
            ColumnType::Uuid => native("String", "Uuid".into()),
            ColumnType::UserDefined { name } if names.enums.contains_key(name) => {
                plain(&names.enums[name])
            }
            ColumnType::Bit {
                varying: false,
                len,
            } => native("String", format!("Bit({})", len.unwrap_or(1))),
            ColumnType::Bit { varying: true, len } => native(
                "String",
                len.map_or("VarBit".into(), |n| format!("VarBit({n})")),
            ),
            ColumnType::Other { name } if dialect == Dialect::Postgres => match name.as_str() {
                "money" => native("Decimal", "Money".into()),
                "inet" => native("String", "Inet".into()),
                "citext" => native("String", "Citext".into()),
                "xml" => native("String", "Xml".into()),
                "oid" => native("Int", "Oid".into()),
                _ => (format!("Unsupported({})", string(name)), false, None),
            },
            ColumnType::Array { element } => {
                let (t, _, n) = field_type(dialect, element, names);
                (t, true, n)
            }
            other => (
                format!(
                    "Unsupported({})",
                    string(&migrex_dialect::format_type(dialect, other))
                ),
                false,
                None,
            ),
        },
    }
}

/// A column's arguments in an index list: `(length: 10, sort: Desc)`, or nothing.
fn part_args(p: &migrex_model::IndexPart) -> String {
    let mut args = Vec::new();
    if let Some(n) = p.prefix_len {
        args.push(format!("length: {n}"));
    }
    if p.descending {
        args.push("sort: Desc".to_string());
    }
    if args.is_empty() {
        String::new()
    } else {
        format!("({})", args.join(", "))
    }
}

/// `@default(...)` for a column, from its default expression.
fn default_attr(
    dialect: Dialect,
    col: &Column,
    prisma_ty: &str,
    enum_values: Option<&[String]>,
) -> Option<String> {
    if matches!(
        col.identity,
        Some(Identity::Serial { .. }) | Some(Identity::AutoIncrement)
    ) {
        return Some("@default(autoincrement())".into());
    }
    let sql = col.default.as_ref()?.sql.trim().to_string();
    let mut bare = sql.as_str();
    // Casts PostgreSQL adds to literals: 'USER'::"Role", 0::numeric.
    while let Some(i) = bare.rfind("::") {
        let head = &bare[..i];
        if head.ends_with('\'') || head.parse::<f64>().is_ok() || head.starts_with('(') {
            bare = head;
        } else {
            break;
        }
    }
    let bare = bare.trim_start_matches('(').trim_end_matches(')');
    let dbgen = || Some(format!("@default(dbgenerated({}))", string(&sql)));
    if dialect == Dialect::Mysql {
        // `now()` is CURRENT_TIMESTAMP(p) with the column's precision (`render_default`), 3
        // for a plain DateTime.
        let lower = bare.to_ascii_lowercase();
        if let Some(p) = lower
            .strip_prefix("current_timestamp")
            .or_else(|| lower.strip_prefix("now"))
        {
            let p: u32 = p
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
                .parse()
                .unwrap_or(0);
            let column = match &col.ty {
                ColumnType::DateTime { precision }
                | ColumnType::Timestamp { precision, .. }
                | ColumnType::Time { precision, .. } => Some(precision.unwrap_or(0)),
                _ => None,
            };
            return if prisma_ty == "DateTime" && column == Some(p) {
                Some("@default(now())".into())
            } else {
                dbgen()
            };
        }
        if prisma_ty == "Boolean" && (bare == "1" || bare == "0") {
            return Some(format!("@default({})", bare == "1"));
        }
    }
    if bare.eq_ignore_ascii_case("CURRENT_TIMESTAMP") || bare.eq_ignore_ascii_case("now()") {
        return if prisma_ty == "DateTime" {
            Some("@default(now())".into())
        } else {
            dbgen()
        };
    }
    let quoted = bare.len() >= 2 && bare.starts_with('\'') && bare.ends_with('\'');
    if quoted {
        let inner = bare[1..bare.len() - 1].replace("''", "'");
        if let Some(values) = enum_values {
            return if values.contains(&inner) && ident(&inner) == inner {
                Some(format!("@default({inner})"))
            } else {
                dbgen()
            };
        }
        return match prisma_ty {
            "String" | "Json" => Some(format!("@default({})", string(&inner))),
            _ => dbgen(),
        };
    }
    let numeric = bare.parse::<f64>().is_ok();
    match prisma_ty {
        "Int" | "BigInt" if numeric && bare.parse::<i64>().is_ok() => {
            Some(format!("@default({bare})"))
        }
        "Float" | "Decimal" if numeric => Some(format!("@default({bare})")),
        "Boolean" if matches!(bare.to_ascii_lowercase().as_str(), "true" | "false") => {
            Some(format!("@default({})", bare.to_ascii_lowercase()))
        }
        "Boolean" if dialect == Dialect::Sqlite && (bare == "1" || bare == "0") => dbgen(),
        _ => dbgen(),
    }
}

struct Relation<'a> {
    table: QualifiedName,
    fk: &'a ForeignKey,
    /// Explicit relation name when the pair of models has several relations.
    name: Option<String>,
    /// The FK's columns are unique: one-to-one, so the back side is `Model?`.
    one_to_one: bool,
}

fn unique_sets(t: &Table) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = t.uniques.iter().map(|u| u.columns.clone()).collect();
    v.extend(
        t.indexes
            .iter()
            .filter(|i| i.unique && i.predicate.is_none())
            .filter_map(|i| {
                i.parts
                    .iter()
                    .map(|p| match &p.key {
                        IndexKey::Column(c) => Some(c.clone()),
                        IndexKey::Expr(_) => None,
                    })
                    .collect::<Option<Vec<_>>>()
            }),
    );
    if let Some(pk) = &t.primary_key {
        v.push(pk.columns.clone());
    }
    v
}

/// Field lines with their names and types in aligned columns, as `prisma format` lays them
/// out. A type ends at the first space outside quotes (`Unsupported("double precision")`).
fn align(lines: &[String]) -> Vec<String> {
    let split = |l: &str| -> Option<(String, String, String)> {
        if l.starts_with("//") {
            return None;
        }
        let (name, rest) = l.split_once(' ')?;
        let mut quoted = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == ' ' && !quoted
            })
            .map_or(rest.len(), |(i, _)| i);
        Some((
            name.into(),
            rest[..end].into(),
            rest[end..].trim_start().into(),
        ))
    };
    let parts: Vec<Option<(String, String, String)>> = lines.iter().map(|l| split(l)).collect();
    let name_w = parts.iter().flatten().map(|p| p.0.len()).max().unwrap_or(0);
    let type_w = parts.iter().flatten().map(|p| p.1.len()).max().unwrap_or(0);
    lines
        .iter()
        .zip(parts)
        .map(|(l, p)| match p {
            None => l.clone(),
            Some((n, t, a)) if a.is_empty() => format!("{n:name_w$} {t}"),
            Some((n, t, a)) => format!("{n:name_w$} {t:type_w$} {a}"),
        })
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// A field name for many rows of a model (`posts` for `Post`).
fn plural(model: &str) -> String {
    let lower = ident(&model.to_lowercase());
    if lower.ends_with('s') {
        lower
    } else {
        format!("{lower}s")
    }
}

/// A Prisma implicit many-to-many table (`_AToB` with columns `A` and `B`).
struct Implicit {
    a: QualifiedName,
    b: QualifiedName,
    /// The relation name (the table name without `_`).
    relation: String,
}

/// Whether a table is exactly what Prisma builds for an implicit many-to-many relation, so the
/// schema can say `tags Tag[]` on both sides instead of a join model.
fn implicit_m2m(
    dialect: Dialect,
    schema: &Schema,
    names: &Names,
    qn: &QualifiedName,
    t: &Table,
) -> Option<Implicit> {
    let relation = qn.name.strip_prefix('_').filter(|r| !r.is_empty())?;
    let cols: Vec<&String> = t.columns.keys().collect();
    if cols != ["A", "B"] || !t.uniques.is_empty() || !t.checks.is_empty() {
        return None;
    }
    if t.columns
        .values()
        .any(|c| c.nullable || c.default.is_some() || c.identity.is_some())
    {
        return None;
    }
    let side = |col: &str| -> Option<QualifiedName> {
        let fk = t.foreign_keys.iter().find(|f| f.columns == [col])?;
        let target = schema.table(&fk.ref_table)?;
        let pk = target.primary_key.as_ref()?;
        let ok = fk.ref_columns == pk.columns
            && pk.columns.len() == 1
            && fk.on_delete == FkAction::Cascade
            && fk.on_update == FkAction::Cascade
            && fk.name.as_deref() == Some(&constraint_name(dialect, &qn.name, &[col], "fkey"))
            && target.columns[&pk.columns[0]].ty == t.columns[col].ty;
        ok.then(|| fk.ref_table.clone())
    };
    let (a, b) = (side("A")?, side("B")?);
    if t.foreign_keys.len() != 2 || a == b || a.namespace != qn.namespace {
        return None;
    }
    if names.models[&a] >= names.models[&b] {
        return None;
    }
    let b_index = constraint_name(dialect, &qn.name, &["B"], "index");
    let is = |i: &migrex_model::Index, name: &str, unique: bool, cols: &[&str]| {
        i.name == name
            && i.unique == unique
            && i.predicate.is_none()
            && i.method.is_none()
            && i.parts.len() == cols.len()
            && i.parts
                .iter()
                .zip(cols)
                .all(|(p, c)| p.key == IndexKey::Column(c.to_string()) && !p.descending)
    };
    // SQLite and MySQL keep a unique index on (A, B); PostgreSQL a primary key.
    let indexes_ok = match dialect {
        Dialect::Sqlite | Dialect::Mysql => {
            let ab = constraint_name(dialect, &qn.name, &["AB"], "unique");
            t.primary_key.is_none()
                && t.indexes.len() == 2
                && t.indexes.iter().any(|i| is(i, &ab, true, &["A", "B"]))
                && t.indexes.iter().any(|i| is(i, &b_index, false, &["B"]))
        }
        _ => {
            let pk = constraint_name(dialect, &qn.name, &["AB"], "pkey");
            t.primary_key
                .as_ref()
                .is_some_and(|p| p.name.as_deref() == Some(&pk) && p.columns == ["A", "B"])
                && t.indexes.len() == 1
                && is(&t.indexes[0], &b_index, false, &["B"])
        }
    };
    indexes_ok.then(|| Implicit {
        a,
        b,
        relation: relation.to_string(),
    })
}

/// The schema.prisma text for a schema.
pub fn schema_prisma(schema: &Schema) -> Result<String, WriteError> {
    let dialect = schema.dialect;
    let default_ns = if dialect == Dialect::Postgres {
        "public"
    } else {
        ""
    };
    let namespaces: Vec<&String> = schema
        .namespaces
        .iter()
        .filter(|(_, n)| !n.tables.is_empty() || !n.enums.is_empty())
        .map(|(k, _)| k)
        .collect();
    let multi = dialect == Dialect::Postgres && namespaces.iter().any(|n| n.as_str() != default_ns);

    let mut taken = HashSet::new();
    let mut unique_name = |base: String| {
        let mut n = base.clone();
        let mut i = 2;
        while !taken.insert(n.clone()) {
            n = format!("{base}{i}");
            i += 1;
        }
        n
    };
    let mut names = Names {
        models: BTreeMap::new(),
        enums: BTreeMap::new(),
        column_enums: BTreeMap::new(),
    };
    for (qn, _) in schema.tables() {
        let n = unique_name(ident(&qn.name));
        names.models.insert(qn, n);
    }
    for (ns, n) in &schema.namespaces {
        for e in n.enums.keys() {
            let name = unique_name(ident(e));
            names
                .enums
                .insert(QualifiedName::new(ns.clone(), e.clone()), name);
        }
    }
    for (qn, t) in schema.tables() {
        for c in t.columns.values() {
            if let ColumnType::Enum { values } = &c.ty {
                let name = unique_name(ident(&format!("{}_{}", qn.name, c.name)));
                names
                    .column_enums
                    .insert((qn.clone(), c.name.clone()), (name, values.clone()));
            }
        }
    }

    let mut out = String::new();
    out.push_str("// Written by migrex.\n\ngenerator client {\n  provider = \"prisma-client\"\n  output   = \"../generated/prisma\"\n}\n\n");
    writeln!(
        out,
        "datasource db {{\n  provider = \"{}\"",
        super::provider(dialect)
    )
    .ok();
    if multi {
        let list: Vec<String> = namespaces.iter().map(|n| string(n)).collect();
        writeln!(out, "  schemas  = [{}]", list.join(", ")).ok();
    }
    out.push_str("}\n");

    for (name, values) in names.column_enums.values() {
        writeln!(out, "\nenum {name} {{").ok();
        for v in values {
            let id = ident(v);
            if &id == v {
                writeln!(out, "  {v}").ok();
            } else {
                writeln!(out, "  {id} @map({})", string(v)).ok();
            }
        }
        out.push_str("}\n");
    }
    for (qn, name) in &names.enums {
        let e = &schema.namespaces[&qn.namespace].enums[&qn.name];
        writeln!(out, "\nenum {name} {{").ok();
        for v in &e.values {
            let id = ident(v);
            if &id == v {
                writeln!(out, "  {v}").ok();
            } else {
                writeln!(out, "  {id} @map({})", string(v)).ok();
            }
        }
        let mut attrs = Vec::new();
        if name != &qn.name {
            attrs.push(format!("@@map({})", string(&qn.name)));
        }
        if multi {
            attrs.push(format!("@@schema({})", string(&qn.namespace)));
        }
        if !attrs.is_empty() {
            out.push('\n');
            for a in attrs {
                writeln!(out, "  {a}").ok();
            }
        }
        out.push_str("}\n");
    }

    let implicit: BTreeMap<QualifiedName, Implicit> = schema
        .tables()
        .filter_map(|(qn, t)| implicit_m2m(dialect, schema, &names, &qn, t).map(|i| (qn, i)))
        .collect();

    // Relations: every foreign key whose target is a table of the schema.
    let mut relations: Vec<Relation> = Vec::new();
    let mut pair_count: BTreeMap<(QualifiedName, QualifiedName), usize> = BTreeMap::new();
    for (qn, t) in schema.tables().filter(|(qn, _)| !implicit.contains_key(qn)) {
        for fk in &t.foreign_keys {
            if names.models.contains_key(&fk.ref_table) {
                let mut pair = [qn.clone(), fk.ref_table.clone()];
                pair.sort();
                let [a, b] = pair;
                *pair_count.entry((a, b)).or_default() += 1;
            }
        }
    }
    for (qn, t) in schema.tables().filter(|(qn, _)| !implicit.contains_key(qn)) {
        let uniques = unique_sets(t);
        for fk in &t.foreign_keys {
            if !names.models.contains_key(&fk.ref_table) {
                continue;
            }
            let mut pair = [qn.clone(), fk.ref_table.clone()];
            pair.sort();
            let [a, b] = pair;
            let ambiguous = pair_count[&(a, b)] > 1 || qn == fk.ref_table;
            let name = ambiguous.then(|| format!("{}_{}", names.models[&qn], fk.columns.join("_")));
            relations.push(Relation {
                table: qn.clone(),
                fk,
                name,
                one_to_one: uniques.iter().any(|u| {
                    let mut a = u.clone();
                    let mut b = fk.columns.clone();
                    a.sort();
                    b.sort();
                    a == b
                }),
            });
        }
    }

    // Field names of every table's columns (relations refer to other tables' fields).
    let mut fields_of: BTreeMap<QualifiedName, BTreeMap<String, String>> = BTreeMap::new();
    for (qn, t) in schema.tables() {
        let mut taken = HashSet::new();
        let mut map = BTreeMap::new();
        for c in t.columns.keys() {
            let mut f = ident(c);
            while !taken.insert(f.clone()) {
                f.push('_');
            }
            map.insert(c.clone(), f);
        }
        fields_of.insert(qn, map);
    }

    for (qn, t) in schema.tables().filter(|(qn, _)| !implicit.contains_key(qn)) {
        let model = &names.models[&qn];
        let mut lines: Vec<String> = Vec::new();
        let mut block: Vec<String> = Vec::new();
        let field_of = &fields_of[&qn];
        let mut fields_taken: HashSet<String> = field_of.values().cloned().collect();
        let pk_default = constraint_name(dialect, &qn.name, &[], "pkey");
        let single_pk = t.primary_key.as_ref().filter(|p| p.columns.len() == 1);
        let map_arg = |name: Option<&str>, default: &str| -> String {
            match name {
                Some(n) if n != default => format!("map: {}", string(n)),
                _ => String::new(),
            }
        };
        // MySQL's primary key is always PRIMARY: psl refuses `map:` on it there.
        let pk_name = t
            .primary_key
            .as_ref()
            .and_then(|p| p.name.as_deref())
            .filter(|_| dialect != Dialect::Mysql);
        // Single-column unique indexes become @unique on the field.
        let mut field_unique: BTreeMap<String, String> = BTreeMap::new();
        for c in t.columns.values() {
            let inline_enum = names.column_enums.get(&(qn.clone(), c.name.clone()));
            let (ty, list, native) = match inline_enum {
                Some((name, _)) => (name.clone(), false, None),
                None => field_type(dialect, &c.ty, &names),
            };
            let enum_values = match &c.ty {
                ColumnType::UserDefined { name } => schema
                    .namespaces
                    .get(&name.namespace)
                    .and_then(|n| n.enums.get(&name.name))
                    .map(|e| e.values.as_slice()),
                ColumnType::Enum { values } => Some(values.as_slice()),
                _ => None,
            };
            let field = &field_of[&c.name];
            let mut line = format!(
                "{field} {ty}{}",
                if list {
                    "[]"
                } else if c.nullable {
                    "?"
                } else {
                    ""
                }
            );
            if let Some(pk) = single_pk
                && pk.columns[0] == c.name
            {
                let m = map_arg(pk_name, &pk_default);
                line.push_str(&if m.is_empty() {
                    " @id".to_string()
                } else {
                    format!(" @id({m})")
                });
            }
            // Prisma writes no JSON default on MySQL, and binary ones only as dbgenerated
            // (`render_column`): such a default cannot be carried by the schema.
            let lost_default = dialect == Dialect::Mysql && c.default.is_some() && ty == "Json";
            if lost_default {
                lines.push(format!(
                    "// the default of column {} is not expressible in Prisma on MySQL",
                    c.name
                ));
            } else if let Some(d) = default_attr(dialect, c, &ty, enum_values) {
                line.push(' ');
                line.push_str(&d);
            }
            if field != &c.name {
                write!(line, " @map({})", string(&c.name)).ok();
            }
            if let Some(n) = native {
                line.push(' ');
                line.push_str(&n);
            }
            field_unique.insert(c.name.clone(), line);
        }
        // Unique constraints and unique indexes.
        // Each with its columns and their Prisma arguments (`(length: 10, sort: Desc)`, MySQL).
        type UniqueSpec<'t> = (Option<&'t str>, Vec<String>, Vec<String>);
        let mut uniques: Vec<UniqueSpec> = t
            .uniques
            .iter()
            .map(|u| {
                let args = vec![String::new(); u.columns.len()];
                (u.name.as_deref(), u.columns.clone(), args)
            })
            .collect();
        for i in &t.indexes {
            let cols: Option<Vec<(String, String)>> = i
                .parts
                .iter()
                .map(|p| match &p.key {
                    IndexKey::Column(c)
                        if p.collation.is_none()
                            && p.opclass.is_none()
                            && (dialect == Dialect::Mysql
                                || (!p.descending && p.prefix_len.is_none())) =>
                    {
                        Some((c.clone(), part_args(p)))
                    }
                    _ => None,
                })
                .collect();
            if i.unique
                && i.predicate.is_none()
                && i.method.is_none()
                && let Some(cols) = cols
            {
                let (cols, args) = cols.into_iter().unzip();
                uniques.push((Some(i.name.as_str()), cols, args));
            }
        }
        for (name, cols, args) in &uniques {
            let default = constraint_name(
                dialect,
                &qn.name,
                &cols.iter().map(String::as_str).collect::<Vec<_>>(),
                "key",
            );
            let m = map_arg(*name, &default);
            if let [one] = cols.as_slice()
                && args[0].is_empty()
                && let Some(line) = field_unique.get_mut(one)
                && !line.contains(" @unique")
            {
                line.push_str(&if m.is_empty() {
                    " @unique".to_string()
                } else {
                    format!(" @unique({m})")
                });
                continue;
            }
            let fields: Vec<String> = cols
                .iter()
                .zip(args)
                .map(|(c, a)| format!("{}{a}", field_of[c]))
                .collect();
            block.push(format!(
                "@@unique([{}]{})",
                fields.join(", "),
                if m.is_empty() {
                    String::new()
                } else {
                    format!(", {m}")
                }
            ));
        }
        for c in t.columns.keys() {
            lines.push(field_unique[c].clone());
        }
        // Relation fields on this side (the foreign keys) ...
        for r in relations.iter().filter(|r| r.table == qn) {
            let target = &names.models[&r.fk.ref_table];
            let base = if let [one] = r.fk.columns.as_slice() {
                let b = one
                    .trim_end_matches("_id")
                    .trim_end_matches("Id")
                    .trim_end_matches("_ID");
                if b.is_empty() || b == one {
                    format!("{}_rel", ident(one))
                } else {
                    ident(b)
                }
            } else {
                ident(&target.to_lowercase())
            };
            let mut f = base;
            while !fields_taken.insert(f.clone()) {
                f.push('_');
            }
            let optional =
                r.fk.columns
                    .iter()
                    .any(|c| t.columns.get(c).is_some_and(|c| c.nullable));
            let target_fields = &fields_of[&r.fk.ref_table];
            let refs: Vec<String> =
                r.fk.ref_columns
                    .iter()
                    .map(|c| target_fields.get(c).cloned().unwrap_or_else(|| ident(c)))
                    .collect();
            let default_name = constraint_name(
                dialect,
                &qn.name,
                &r.fk.columns.iter().map(String::as_str).collect::<Vec<_>>(),
                "fkey",
            );
            let mut args = Vec::new();
            if let Some(n) = &r.name {
                args.push(string(n));
            }
            args.push(format!(
                "fields: [{}]",
                r.fk.columns
                    .iter()
                    .map(|c| field_of[c].clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            args.push(format!("references: [{}]", refs.join(", ")));
            args.push(format!("onDelete: {}", action(r.fk.on_delete)));
            args.push(format!("onUpdate: {}", action(r.fk.on_update)));
            let m = map_arg(r.fk.name.as_deref(), &default_name);
            if !m.is_empty() {
                args.push(m);
            }
            lines.push(format!(
                "{f} {target}{} @relation({})",
                if optional { "?" } else { "" },
                args.join(", ")
            ));
        }
        // ... and the back sides of relations that point here.
        for r in relations.iter().filter(|r| r.fk.ref_table == qn) {
            let source = &names.models[&r.table];
            let mut f = if r.one_to_one {
                ident(&source.to_lowercase())
            } else {
                plural(source)
            };
            if r.name.is_some() {
                let cols: Vec<String> = r.fk.columns.iter().map(|c| ident(c)).collect();
                f = format!("{f}_{}", cols.join("_"));
            }
            while !fields_taken.insert(f.clone()) {
                f.push('_');
            }
            let name = r
                .name
                .as_ref()
                .map(|n| format!(" @relation({})", string(n)))
                .unwrap_or_default();
            lines.push(format!(
                "{f} {source}{}{name}",
                if r.one_to_one { "?" } else { "[]" }
            ));
        }
        // Implicit many-to-many relations: a list field on each side.
        for i in implicit.values() {
            let other = if i.a == qn {
                &i.b
            } else if i.b == qn {
                &i.a
            } else {
                continue;
            };
            let other_model = &names.models[other];
            let default = format!("{}To{}", names.models[&i.a], names.models[&i.b]);
            let mut f = plural(other_model);
            if i.relation != default {
                f = format!("{f}_{}", ident(&i.relation.to_lowercase()));
            }
            while !fields_taken.insert(f.clone()) {
                f.push('_');
            }
            let name = if i.relation == default {
                String::new()
            } else {
                format!(" @relation({})", string(&i.relation))
            };
            lines.push(format!("{f} {other_model}[]{name}"));
        }
        if let Some(pk) = &t.primary_key
            && pk.columns.len() > 1
        {
            let fields: Vec<&str> = pk.columns.iter().map(|c| field_of[c].as_str()).collect();
            let m = map_arg(pk_name, &pk_default);
            block.insert(
                0,
                format!(
                    "@@id([{}]{})",
                    fields.join(", "),
                    if m.is_empty() {
                        String::new()
                    } else {
                        format!(", {m}")
                    }
                ),
            );
        }
        for i in &t.indexes {
            if i.unique && uniques.iter().any(|(n, _, _)| *n == Some(i.name.as_str())) {
                continue;
            }
            let parts: Option<Vec<String>> = i
                .parts
                .iter()
                .map(|p| match &p.key {
                    IndexKey::Column(c)
                        if p.collation.is_none()
                            && p.opclass.is_none()
                            && (p.prefix_len.is_none() || dialect == Dialect::Mysql) =>
                    {
                        Some(format!("{}{}", field_of[c], part_args(p)))
                    }
                    _ => None,
                })
                .collect();
            // MySQL FULLTEXT indexes are `@@fulltext` (no per-column arguments).
            let fulltext = dialect == Dialect::Mysql
                && i.method
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case("fulltext"))
                && i.parts
                    .iter()
                    .all(|p| !p.descending && p.prefix_len.is_none());
            // PostgreSQL access methods Prisma names with `type:`.
            let method = match i.method.as_deref().map(str::to_ascii_lowercase).as_deref() {
                _ if fulltext => Some(""),
                None => Some(""),
                Some(_) if dialect != Dialect::Postgres => None,
                Some("btree") => Some(""),
                Some("hash") => Some(", type: Hash"),
                Some("gin") => Some(", type: Gin"),
                Some("gist") => Some(", type: Gist"),
                Some("spgist") => Some(", type: SpGist"),
                Some("brin") => Some(", type: Brin"),
                Some(_) => None,
            };
            let (Some(parts), Some(method), None, false) = (parts, method, &i.predicate, i.unique)
            else {
                lines.push(format!(
                    "// index {} is not expressible in Prisma: keep it in a migration's SQL",
                    i.name
                ));
                continue;
            };
            let cols: Vec<&str> = i
                .parts
                .iter()
                .filter_map(|p| match &p.key {
                    IndexKey::Column(c) => Some(c.as_str()),
                    IndexKey::Expr(_) => None,
                })
                .collect();
            let default = constraint_name(dialect, &qn.name, &cols, "idx");
            let m = map_arg(Some(&i.name), &default);
            block.push(format!(
                "@@{}([{}]{}{method})",
                if fulltext { "fulltext" } else { "index" },
                parts.join(", "),
                if m.is_empty() {
                    String::new()
                } else {
                    format!(", {m}")
                }
            ));
        }
        if t.primary_key.is_none() {
            lines
                .push("// no primary key: Prisma needs a unique criteria to use this model".into());
        }
        if !t.checks.is_empty() {
            lines.push("// check constraints are not expressible in Prisma".into());
        }
        if model != &qn.name {
            block.push(format!("@@map({})", string(&qn.name)));
        }
        if multi {
            block.push(format!("@@schema({})", string(&qn.namespace)));
        }
        if t.primary_key.is_none()
            && !uniques
                .iter()
                .any(|(_, c, _)| c.iter().all(|c| !t.columns[c].nullable))
        {
            block.push("@@ignore".into());
        }
        writeln!(out, "\nmodel {model} {{").ok();
        for l in align(&lines) {
            writeln!(out, "  {l}").ok();
        }
        if !block.is_empty() {
            out.push('\n');
            for b in &block {
                writeln!(out, "  {b}").ok();
            }
        }
        out.push_str("}\n");
    }
    // Prisma Migrate creates no views (a `view` block only describes one for the client).
    let views: Vec<String> = schema.views().map(|(qn, _)| qn.to_string()).collect();
    if !views.is_empty() {
        writeln!(
            out,
            "\n// Views not written (Prisma Migrate does not create views; keep their SQL in a \
             migration): {}",
            views.join(", ")
        )
        .ok();
    }
    Ok(out)
}
