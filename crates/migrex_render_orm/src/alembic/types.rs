//! Column types as `sa.*` expressions: the target models' own SQLAlchemy type when the target
//! is a SQLAlchemy project (so `alembic check` compares like with like), else a type mapped
//! from the schema's column type that compiles back to the same DDL on the dialect.

use crate::WriteError;
use migrex_model::{BinaryKind, ColumnType, Dialect, Schema, TextKind};
use migrex_source_orm::sqlalchemy::model::{SaType, py_str};

/// The `sa.*` expression of a model type for a migration: native PostgreSQL enums never create
/// their type (the plan creates it), enum CHECKs come from the schema's checks.
pub fn model_type(ty: &SaType, dialect: Dialect) -> String {
    match ty {
        SaType::Enum(e) if e.native && dialect == Dialect::Postgres => {
            pg_enum(e.name.as_deref().unwrap_or_default(), &e.values)
        }
        SaType::Enum(e) => {
            let mut e = e.clone();
            e.create_constraint = false;
            SaType::Enum(e).python()
        }
        SaType::Array(inner) => format!("postgresql.ARRAY({})", model_type(inner, dialect)),
        other => other.python(),
    }
}

fn pg_enum(name: &str, values: &[String]) -> String {
    let mut args: Vec<String> = values.iter().map(|v| py_str(v)).collect();
    args.push(format!("name={}", py_str(name)));
    args.push("create_type=False".into());
    format!("postgresql.ENUM({})", args.join(", "))
}

/// A schema column type as `sa.*`.
pub fn schema_type(ty: &ColumnType, schema: &Schema) -> Result<String, WriteError> {
    let unsupported = || {
        WriteError::Unsupported(format!(
            "column type {ty:?} has no SQLAlchemy type here: write the models with it first"
        ))
    };
    Ok(match ty {
        ColumnType::Integer { bytes: 2, .. } => "sa.SmallInteger()".into(),
        ColumnType::Integer { bytes: 8, .. } => "sa.BigInteger()".into(),
        ColumnType::Integer { .. } => "sa.Integer()".into(),
        ColumnType::Decimal {
            precision, scale, ..
        } => match (precision, scale) {
            (Some(p), Some(s)) => format!("sa.Numeric(precision={p}, scale={s})"),
            (Some(p), None) => format!("sa.Numeric(precision={p})"),
            _ => "sa.Numeric()".into(),
        },
        ColumnType::Float { bytes: 4, .. } => "sa.REAL()".into(),
        ColumnType::Float { .. } => "sa.Double()".into(),
        ColumnType::Bool => "sa.Boolean()".into(),
        ColumnType::Text { kind, max_len } => match (kind, max_len) {
            (TextKind::Varchar, Some(n)) => format!("sa.String(length={n})"),
            (TextKind::Varchar, None) => "sa.String()".into(),
            (TextKind::Char, Some(n)) => format!("sa.CHAR(length={n})"),
            (TextKind::Char, None) => "sa.CHAR()".into(),
            _ => "sa.Text()".into(),
        },
        ColumnType::Binary {
            kind: BinaryKind::Bytea | BinaryKind::Blob,
            ..
        } => "sa.LargeBinary()".into(),
        ColumnType::Date => "sa.Date()".into(),
        ColumnType::Time { tz, .. } => format!("sa.Time(timezone={})", py_bool(*tz)),
        ColumnType::Timestamp { tz, .. } => format!("sa.DateTime(timezone={})", py_bool(*tz)),
        ColumnType::DateTime { .. } => "sa.DateTime()".into(),
        ColumnType::Interval { .. } => "sa.Interval()".into(),
        ColumnType::Json { binary: false } => "sa.JSON()".into(),
        ColumnType::Json { binary: true } => "postgresql.JSONB()".into(),
        ColumnType::Uuid => "sa.Uuid()".into(),
        ColumnType::Array { element } => {
            format!("postgresql.ARRAY({})", schema_type(element, schema)?)
        }
        ColumnType::UserDefined { name } => {
            let e = schema
                .namespaces
                .get(&name.namespace)
                .and_then(|n| n.enums.get(&name.name))
                .ok_or_else(unsupported)?;
            pg_enum(&e.name, &e.values)
        }
        ColumnType::Enum { values } => format!(
            "sa.Enum({})",
            values
                .iter()
                .map(|v| py_str(v))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        // SQLite keeps the declared type as written: SQLAlchemy's upper-case types print it
        // back verbatim.
        ColumnType::Other { name } => declared_type(name).ok_or_else(unsupported)?,
        _ => return Err(unsupported()),
    })
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// `VARCHAR(200)` -> `sa.VARCHAR(200)`: the upper-case types SQLAlchemy prints as named.
fn declared_type(spelled: &str) -> Option<String> {
    let s = spelled.trim();
    let (base, args) = match s.find('(') {
        Some(i) => (s[..i].trim(), Some(s[i + 1..].trim_end_matches(')').trim())),
        None => (s, None),
    };
    let upper = base.to_ascii_uppercase();
    let known = [
        "INTEGER",
        "BIGINT",
        "SMALLINT",
        "VARCHAR",
        "CHAR",
        "TEXT",
        "BOOLEAN",
        "FLOAT",
        "REAL",
        "DOUBLE",
        "NUMERIC",
        "DECIMAL",
        "DATETIME",
        "DATE",
        "TIME",
        "TIMESTAMP",
        "BLOB",
        "JSON",
        "CLOB",
        "NCHAR",
        "NVARCHAR",
    ];
    if upper == "DOUBLE PRECISION" {
        return Some("sa.DOUBLE_PRECISION()".into());
    }
    if upper == "INT" {
        return Some("sa.INTEGER()".into());
    }
    if !known.contains(&upper.as_str()) {
        return None;
    }
    let args = args.unwrap_or("");
    if !args
        .chars()
        .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
    {
        return None;
    }
    Some(format!("sa.{upper}({args})"))
}

/// `sa.PrimaryKeyConstraint`, `sa.UniqueConstraint` and `sa.CheckConstraint` items of a table,
/// with `name_kw` spelling the name argument (`name="x"` in models, `name=op.f("x")` in
/// revisions, where the name is final and no naming convention applies to it).
pub(super) fn key_constraints(
    t: &migrex_model::Table,
    name_kw: impl Fn(&Option<String>) -> String,
) -> Vec<String> {
    let columns = |cols: &[String]| {
        cols.iter()
            .map(|c| py_str(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut items = Vec::new();
    if let Some(pk) = &t.primary_key {
        items.push(format!(
            "sa.PrimaryKeyConstraint({}{})",
            columns(&pk.columns),
            name_kw(&pk.name)
        ));
    }
    for u in &t.uniques {
        items.push(format!(
            "sa.UniqueConstraint({}{})",
            columns(&u.columns),
            name_kw(&u.name)
        ));
    }
    for c in &t.checks {
        items.push(format!(
            "sa.CheckConstraint({}{})",
            py_str(&c.expr.sql),
            name_kw(&c.name)
        ));
    }
    items
}
