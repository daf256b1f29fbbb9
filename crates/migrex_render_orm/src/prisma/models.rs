//! A `schema.prisma` for a schema, in the form `prisma db pull` gives: models named after their
//! tables (`@@map` only when a table name is not a valid model name), fields after their
//! columns (`@map` likewise), both sides of every relation, and `map:` on keys and indexes
//! whose names differ from the ones Prisma derives. Reading the result with migrex's Prisma
//! reader gives back the schema (tested, and validated by prisma-schema-wasm).

use crate::WriteError;
use migrex_model::{
    Column, ColumnType, Dialect, FkAction, ForeignKey, Identity, IndexKey, QualifiedName, Schema,
    Table, TextKind,
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
}

/// The Prisma type (scalar or enum), list flag, and native type attribute of a column.
fn field_type(dialect: Dialect, ty: &ColumnType, names: &Names) -> (String, bool, Option<String>) {
    let plain = |s: &str| (s.to_string(), false, None);
    let native = |s: &str, n: String| (s.to_string(), false, Some(format!("@db.{n}")));
    match dialect {
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
    let indexes_ok = match dialect {
        Dialect::Sqlite => {
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
                Some(n) if n != default && dialect != Dialect::Mysql => {
                    format!("map: {}", string(n))
                }
                _ => String::new(),
            }
        };
        // Single-column unique indexes become @unique on the field.
        let mut field_unique: BTreeMap<String, String> = BTreeMap::new();
        for c in t.columns.values() {
            let (ty, list, native) = field_type(dialect, &c.ty, &names);
            let enum_values = match &c.ty {
                ColumnType::UserDefined { name } => schema
                    .namespaces
                    .get(&name.namespace)
                    .and_then(|n| n.enums.get(&name.name))
                    .map(|e| e.values.as_slice()),
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
                let m = map_arg(pk.name.as_deref(), &pk_default);
                line.push_str(&if m.is_empty() {
                    " @id".to_string()
                } else {
                    format!(" @id({m})")
                });
            }
            if let Some(d) = default_attr(dialect, c, &ty, enum_values) {
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
        let mut uniques: Vec<(Option<&str>, Vec<String>)> = t
            .uniques
            .iter()
            .map(|u| (u.name.as_deref(), u.columns.clone()))
            .collect();
        for i in &t.indexes {
            let cols: Option<Vec<String>> = i
                .parts
                .iter()
                .map(|p| match &p.key {
                    IndexKey::Column(c) if !p.descending => Some(c.clone()),
                    _ => None,
                })
                .collect();
            if i.unique
                && i.predicate.is_none()
                && i.method.is_none()
                && let Some(cols) = cols
            {
                uniques.push((Some(i.name.as_str()), cols));
            }
        }
        for (name, cols) in &uniques {
            let default = constraint_name(
                dialect,
                &qn.name,
                &cols.iter().map(String::as_str).collect::<Vec<_>>(),
                "key",
            );
            let m = map_arg(*name, &default);
            if let [one] = cols.as_slice()
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
            let fields: Vec<&str> = cols.iter().map(|c| field_of[c].as_str()).collect();
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
            let m = map_arg(pk.name.as_deref(), &pk_default);
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
            if i.unique && uniques.iter().any(|(n, _)| *n == Some(i.name.as_str())) {
                continue;
            }
            let parts: Option<Vec<String>> = i
                .parts
                .iter()
                .map(|p| match &p.key {
                    IndexKey::Column(c) if p.collation.is_none() && p.opclass.is_none() => {
                        Some(if p.descending {
                            format!("{}(sort: Desc)", field_of[c])
                        } else {
                            field_of[c].clone()
                        })
                    }
                    _ => None,
                })
                .collect();
            // PostgreSQL access methods Prisma names with `type:`.
            let method = match i.method.as_deref().map(str::to_ascii_lowercase).as_deref() {
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
                "@@index([{}]{}{method})",
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
                .any(|(_, c)| c.iter().all(|c| !t.columns[c].nullable))
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
