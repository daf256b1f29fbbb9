//! Shared helpers: finding tables and columns (with errors naming them), SQL spelling, names.

use crate::RefactorError;
use migrex_model::{
    Column, ColumnType, DataOp, Dialect, ForeignKey, Index, IndexKey, IndexPart, PrimaryKey,
    QualifiedName, Schema, Table,
};

/// Resolves `t` or `ns.t` to a table of `schema`.
pub(crate) fn table_name(schema: &Schema, spelled: &str) -> Result<QualifiedName, RefactorError> {
    let name = new_table_name(schema, spelled);
    if schema.table(&name).is_some() {
        return Ok(name);
    }
    // PostgreSQL: a bare name found in exactly one other namespace.
    if !spelled.contains('.') {
        let hits: Vec<QualifiedName> = schema
            .tables()
            .map(|(n, _)| n)
            .filter(|n| n.name == spelled)
            .collect();
        if hits.len() == 1 {
            return Ok(hits[0].clone());
        }
    }
    Err(RefactorError::UnknownTable(spelled.to_string()))
}

/// The qualified name for a table that may not exist yet (default namespace unless `ns.t`).
pub(crate) fn new_table_name(schema: &Schema, spelled: &str) -> QualifiedName {
    match spelled.split_once('.') {
        Some((ns, t)) if schema.dialect == Dialect::Postgres => QualifiedName::new(ns, t),
        _ => QualifiedName::new(schema.dialect.default_namespace(), spelled),
    }
}

/// `name` in the namespace of `like`.
pub(crate) fn sibling(like: &QualifiedName, spelled: &str) -> QualifiedName {
    match spelled.split_once('.') {
        Some((ns, t)) if !like.namespace.is_empty() => QualifiedName::new(ns, t),
        _ => QualifiedName::new(like.namespace.clone(), spelled),
    }
}

pub(crate) fn table<'a>(
    schema: &'a Schema,
    name: &QualifiedName,
) -> Result<&'a Table, RefactorError> {
    schema
        .table(name)
        .ok_or_else(|| RefactorError::UnknownTable(name.to_string()))
}

pub(crate) fn table_mut<'a>(
    schema: &'a mut Schema,
    name: &QualifiedName,
) -> Result<&'a mut Table, RefactorError> {
    schema
        .table_mut(name)
        .ok_or_else(|| RefactorError::UnknownTable(name.to_string()))
}

/// A column of a table of `schema`, to change it.
pub(crate) fn column_mut<'a>(
    schema: &'a mut Schema,
    table: &QualifiedName,
    column: &str,
) -> Result<&'a mut migrex_model::Column, RefactorError> {
    table_mut(schema, table)?
        .columns
        .get_mut(column)
        .ok_or_else(|| RefactorError::UnknownColumn {
            table: table.to_string(),
            column: column.to_string(),
        })
}

pub(crate) fn column<'a>(
    t: &'a Table,
    name: &QualifiedName,
    column: &str,
) -> Result<&'a Column, RefactorError> {
    t.columns
        .get(column)
        .ok_or_else(|| RefactorError::UnknownColumn {
            table: name.to_string(),
            column: column.to_string(),
        })
}

/// `TABLE.COLUMN` (or `ns.TABLE.COLUMN`) split at the last dot.
pub(crate) fn split_column(
    recipe: &str,
    param: &str,
    spelled: &str,
) -> Result<(String, String), RefactorError> {
    spelled
        .rsplit_once('.')
        .filter(|(t, c)| !t.is_empty() && !c.is_empty())
        .map(|(t, c)| (t.to_string(), c.to_string()))
        .ok_or_else(|| RefactorError::BadParam {
            recipe: recipe.into(),
            param: param.into(),
            message: format!("expected TABLE.COLUMN, got '{spelled}'"),
        })
}

/// The primary key columns of a table; `why` says what the recipe needs it for.
pub(crate) fn primary_key(
    t: &Table,
    name: &QualifiedName,
    why: &str,
) -> Result<Vec<String>, RefactorError> {
    t.primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| RefactorError::NoPrimaryKey {
            table: name.to_string(),
            why: why.to_string(),
        })
}

/// The single primary key column.
pub(crate) fn single_key(
    recipe: &str,
    t: &Table,
    name: &QualifiedName,
    why: &str,
) -> Result<String, RefactorError> {
    let pk = primary_key(t, name, why)?;
    if pk.len() != 1 {
        return Err(RefactorError::Unsupported {
            recipe: recipe.into(),
            message: format!(
                "table '{name}' has a composite primary key ({}): {why} needs a single-column key",
                pk.join(", ")
            ),
        });
    }
    Ok(pk[0].clone())
}

pub(crate) fn exists_error(schema: &Schema, name: &QualifiedName) -> Result<(), RefactorError> {
    if schema.table(name).is_some() || schema.view(name).is_some() {
        return Err(RefactorError::Exists {
            object: format!("table '{name}'"),
        });
    }
    Ok(())
}

pub(crate) struct Sql {
    pub d: Dialect,
}

impl Sql {
    pub fn q(&self, name: &str) -> String {
        migrex_dialect::quote_ident(self.d, name)
    }

    pub fn t(&self, name: &QualifiedName) -> String {
        migrex_dialect::qualified(self.d, name)
    }

    /// `alias.col` quoted.
    pub fn c(&self, alias: &str, col: &str) -> String {
        format!("{alias}.{}", self.q(col))
    }

    pub fn list(&self, alias: &str, cols: &[String]) -> String {
        cols.iter()
            .map(|c| self.c(alias, c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn ty(&self, ty: &ColumnType) -> String {
        migrex_dialect::format_type(self.d, ty)
    }

    pub fn string(&self, s: &str) -> String {
        migrex_dialect::quote_string(self.d, s)
    }

    /// `CAST(expr AS type)` with a target MySQL's CAST accepts.
    pub fn cast(&self, expr: &str, ty: &ColumnType) -> String {
        match self.d {
            Dialect::Postgres => format!("CAST({expr} AS {})", self.ty(ty)),
            Dialect::Sqlite => format!(
                "CAST({expr} AS {})",
                match family(self.d, ty) {
                    Family::Integer | Family::Bool => "INTEGER",
                    Family::Float => "REAL",
                    Family::Numeric => "NUMERIC",
                    Family::Binary => "BLOB",
                    _ => "TEXT",
                }
            ),
            Dialect::Mysql => {
                let target = match ty {
                    ColumnType::Integer { unsigned: true, .. } => "UNSIGNED".to_string(),
                    ColumnType::Integer { .. } | ColumnType::Bool | ColumnType::Year => {
                        "SIGNED".into()
                    }
                    ColumnType::Decimal {
                        precision, scale, ..
                    } => format!(
                        "DECIMAL({},{})",
                        precision.unwrap_or(10),
                        scale.unwrap_or(0)
                    ),
                    ColumnType::Float { bytes: 4, .. } => "FLOAT".into(),
                    ColumnType::Float { .. } => "DOUBLE".into(),
                    ColumnType::Date => "DATE".into(),
                    ColumnType::DateTime { precision }
                    | ColumnType::Timestamp { precision, .. } => {
                        format!("DATETIME({})", precision.unwrap_or(0))
                    }
                    ColumnType::Time { precision, .. } => {
                        format!("TIME({})", precision.unwrap_or(0))
                    }
                    ColumnType::Json { .. } => "JSON".into(),
                    ColumnType::Binary { .. } => "BINARY".into(),
                    _ => "CHAR".into(),
                };
                format!("CAST({expr} AS {target})")
            }
        }
    }

    /// A value as text, for comparisons and text targets.
    pub fn text(&self, expr: &str) -> String {
        match self.d {
            Dialect::Mysql => format!("CAST({expr} AS CHAR)"),
            Dialect::Postgres | Dialect::Sqlite => format!("CAST({expr} AS TEXT)"),
        }
    }

    /// A new random UUID value (SQLite: a version-4 shaped hex string from `randomblob`).
    pub fn new_uuid(&self) -> String {
        match self.d {
            Dialect::Postgres => "gen_random_uuid()".into(),
            Dialect::Mysql => "UUID()".into(),
            Dialect::Sqlite => "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))".into(),
        }
    }
}

/// The kind of values a type holds, for conversion checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Integer,
    Numeric,
    Float,
    Bool,
    Text,
    Binary,
    Date,
    Time,
    Timestamp,
    Uuid,
    Json,
    Other,
}

pub(crate) fn family(d: Dialect, ty: &ColumnType) -> Family {
    match ty {
        ColumnType::Integer { .. } | ColumnType::Year => Family::Integer,
        ColumnType::Decimal { .. } => Family::Numeric,
        ColumnType::Float { .. } => Family::Float,
        ColumnType::Bool => Family::Bool,
        ColumnType::Text { .. } | ColumnType::Enum { .. } | ColumnType::Set { .. } => Family::Text,
        ColumnType::Binary { .. } => Family::Binary,
        ColumnType::Date => Family::Date,
        ColumnType::Time { .. } => Family::Time,
        ColumnType::Timestamp { .. } | ColumnType::DateTime { .. } => Family::Timestamp,
        ColumnType::Uuid => Family::Uuid,
        ColumnType::Json { .. } => Family::Json,
        ColumnType::Other { name } if d == Dialect::Sqlite => sqlite_family(name),
        _ => Family::Other,
    }
}

/// SQLite's affinity rules (section 3.1 of its datatype page), refined by the common names.
fn sqlite_family(name: &str) -> Family {
    let n = name.to_ascii_uppercase();
    if n.contains("INT") {
        Family::Integer
    } else if n.contains("BOOL") {
        Family::Bool
    } else if n.contains("UUID") {
        Family::Uuid
    } else if n.contains("JSON") {
        Family::Json
    } else if n.contains("CHAR") || n.contains("CLOB") || n.contains("TEXT") {
        Family::Text
    } else if n.contains("BLOB") || n.is_empty() {
        Family::Binary
    } else if n.contains("REAL") || n.contains("FLOA") || n.contains("DOUB") {
        Family::Float
    } else if n.contains("DATETIME") || n.contains("TIMESTAMP") {
        Family::Timestamp
    } else if n.contains("DATE") {
        Family::Date
    } else if n.contains("TIME") {
        Family::Time
    } else {
        Family::Numeric
    }
}

/// Whether values of `from` can become values of `to` by a cast (possibly failing per row,
/// which the pre-flight check lists).
pub(crate) fn convertible(from: Family, to: Family) -> bool {
    use Family::*;
    if from == to || matches!(to, Text | Other) || matches!(from, Text | Other) {
        return true;
    }
    matches!(
        (from, to),
        (Integer | Numeric | Float, Integer | Numeric | Float)
            | (Integer | Bool, Bool | Integer)
            | (Date | Timestamp, Date | Timestamp)
            | (Time | Timestamp, Time)
            | (Binary, Uuid)
            | (Json, Json)
    )
}

/// A name the database would accept (PostgreSQL cuts at 63 bytes, MySQL at 64).
/// The singular of a table name for a key column (`products` → `product_id`, `categories` →
/// `category_id`): English plurals only, anything else is kept as it is.
pub(crate) fn singular(name: &str) -> String {
    let l = name.to_ascii_lowercase();
    if let Some(stem) = name.strip_suffix("ies").filter(|_| l.len() > 4) {
        return format!("{stem}y");
    }
    for es in ["sses", "xes", "ches", "shes", "zes"] {
        if l.ends_with(es) {
            return name[..name.len() - 2].to_string();
        }
    }
    if l.ends_with('s')
        && !l.ends_with("ss")
        && !l.ends_with("us")
        && !l.ends_with("is")
        && l.len() > 2
    {
        return name[..name.len() - 1].to_string();
    }
    name.to_string()
}

pub(crate) fn fit(name: String) -> String {
    if name.len() <= 63 {
        return name;
    }
    let mut end = 63;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

/// A constraint name in the table: PostgreSQL's own convention (`t_col_fkey`), an explicit name
/// on MySQL, unnamed on SQLite (which keeps unnamed constraints unnamed).
pub(crate) fn constraint_name(
    d: Dialect,
    table: &str,
    cols: &[String],
    suffix: &str,
) -> Option<String> {
    match d {
        Dialect::Sqlite => None,
        Dialect::Postgres | Dialect::Mysql => {
            Some(fit(format!("{table}_{}_{suffix}", cols.join("_"))))
        }
    }
}

pub(crate) fn pk(d: Dialect, table: &str, cols: &[String]) -> PrimaryKey {
    PrimaryKey {
        name: match d {
            Dialect::Postgres => Some(fit(format!("{table}_pkey"))),
            Dialect::Mysql | Dialect::Sqlite => None,
        },
        columns: cols.to_vec(),
    }
}

pub(crate) fn index(table: &str, cols: &[String], unique: bool) -> Index {
    Index {
        name: fit(format!(
            "{table}_{}_{}",
            cols.join("_"),
            if unique { "key" } else { "idx" }
        )),
        unique,
        parts: cols.iter().map(IndexPart::column).collect(),
        method: None,
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct: false,
        comment: None,
    }
}

pub(crate) fn foreign_key(
    d: Dialect,
    table: &str,
    cols: &[String],
    ref_table: &QualifiedName,
    ref_cols: &[String],
) -> ForeignKey {
    ForeignKey {
        name: constraint_name(d, table, cols, "fkey"),
        columns: cols.to_vec(),
        ref_table: ref_table.clone(),
        ref_columns: ref_cols.to_vec(),
        on_delete: default_action(d),
        on_update: default_action(d),
        deferrable: None,
        match_full: false,
    }
}

/// The action an unwritten `ON DELETE` reads back as (MariaDB stores RESTRICT).
pub(crate) fn default_action(d: Dialect) -> migrex_model::FkAction {
    match d {
        Dialect::Mysql => migrex_model::FkAction::Restrict,
        Dialect::Postgres | Dialect::Sqlite => migrex_model::FkAction::NoAction,
    }
}

/// A plain copy of a column for a new table: same type, no identity, default or generation.
pub(crate) fn plain_column(c: &Column, name: &str, nullable: bool) -> Column {
    let mut out = Column::new(name, c.ty.clone());
    out.nullable = nullable;
    out.collation = c.collation.clone();
    out
}

/// A new surrogate key column: PostgreSQL `bigint GENERATED BY DEFAULT AS IDENTITY`, MySQL
/// `bigint AUTO_INCREMENT`, SQLite `INTEGER` (the rowid alias of an `INTEGER PRIMARY KEY`).
pub(crate) fn surrogate_key(d: Dialect, name: &str) -> Column {
    let mut c = match d {
        Dialect::Postgres => {
            let mut c = Column::new(name, ColumnType::int(8));
            c.identity = Some(migrex_model::Identity::ByDefault {
                sequence: Default::default(),
            });
            c
        }
        Dialect::Mysql => {
            let mut c = Column::new(name, ColumnType::int(8));
            c.identity = Some(migrex_model::Identity::AutoIncrement);
            c
        }
        Dialect::Sqlite => Column::new(name, migrex_dialect::parse_type(d, "INTEGER")),
    };
    c.nullable = false;
    c
}

/// The type of a column that references `c` (no identity: `serial` references are `integer`).
pub(crate) fn reference_column(c: &Column, name: &str, nullable: bool) -> Column {
    plain_column(c, name, nullable)
}

/// True when an index or a key of `t` already starts with `cols` (MySQL needs one per FK).
pub(crate) fn has_leading_index(t: &Table, cols: &[String]) -> bool {
    let starts = |keys: &[String]| keys.len() >= cols.len() && keys[..cols.len()] == *cols;
    t.primary_key.as_ref().is_some_and(|p| starts(&p.columns))
        || t.uniques.iter().any(|u| starts(&u.columns))
        || t.indexes.iter().any(|i| {
            let keys: Vec<String> = i
                .parts
                .iter()
                .filter_map(|p| match &p.key {
                    IndexKey::Column(c) => Some(c.clone()),
                    IndexKey::Expr(_) => None,
                })
                .collect();
            keys.len() == i.parts.len() && starts(&keys)
        })
}

/// Whether `expr` names `column` as an identifier (outside string literals).
pub(crate) fn mentions(expr: &str, column: &str) -> bool {
    let mut word = String::new();
    let mut in_str: Option<char> = None;
    let lower = column.to_ascii_lowercase();
    for ch in expr.chars().chain(std::iter::once(' ')) {
        if let Some(q) = in_str {
            if ch == q {
                in_str = None;
            }
            continue;
        }
        if ch == '\'' {
            in_str = Some(ch);
            word.clear();
            continue;
        }
        if ch.is_alphanumeric() || ch == '_' || ch == '$' {
            word.push(ch);
        } else {
            if !word.is_empty() && word.to_ascii_lowercase() == lower {
                return true;
            }
            word.clear();
        }
    }
    false
}

/// The objects of `t` (other than the primary key) that use `col`: indexes, uniques, foreign
/// keys, checks, and other columns' generation expressions.
pub(crate) fn users_of(t: &Table, col: &str) -> Vec<String> {
    let mut out = Vec::new();
    for i in &t.indexes {
        let uses = i.parts.iter().any(|p| match &p.key {
            IndexKey::Column(c) => c == col,
            IndexKey::Expr(e) => mentions(&e.sql, col),
        }) || i.include.iter().any(|c| c == col)
            || i.predicate.as_ref().is_some_and(|p| mentions(&p.sql, col));
        if uses {
            out.push(format!("index {}", i.name));
        }
    }
    for u in &t.uniques {
        if u.columns.iter().any(|c| c == col) {
            out.push(format!("unique ({})", u.columns.join(", ")));
        }
    }
    for f in &t.foreign_keys {
        if f.columns.iter().any(|c| c == col) {
            out.push(format!("foreign key ({})", f.columns.join(", ")));
        }
    }
    for c in &t.checks {
        if mentions(&c.expr.sql, col) {
            out.push(format!("check ({})", c.expr.sql));
        }
    }
    for c in t.columns.values() {
        if c.generated
            .as_ref()
            .is_some_and(|g| mentions(&g.expr.sql, col))
        {
            out.push(format!("generated column {}", c.name));
        }
    }
    out
}

/// Every (table, foreign key) of `schema` that references `target`.
pub(crate) fn referencing(
    schema: &Schema,
    target: &QualifiedName,
) -> Vec<(QualifiedName, ForeignKey)> {
    schema
        .tables()
        .flat_map(|(n, t)| {
            t.foreign_keys
                .iter()
                .filter(|f| f.ref_table == *target)
                .map(move |f| (n.clone(), f.clone()))
        })
        .collect()
}

/// Proof steps: capture on `table` with `before`, and the matching check with `after`.
pub(crate) fn proof(name: &str, before: String, after: String) -> (DataOp, DataOp) {
    (
        DataOp::ProofCapture {
            name: name.into(),
            query: before,
        },
        DataOp::ProofCheck {
            name: name.into(),
            query: after,
        },
    )
}

/// `SELECT e1 AS migrex_c1, ... rest`: proof projections name every column, so that two
/// sides compare by position and MySQL's derived table never sees a duplicate name.
pub(crate) fn projection(exprs: &[String], rest: &str) -> String {
    let cols: Vec<String> = exprs
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{e} AS migrex_c{}", i + 1))
        .collect();
    format!("SELECT {} {rest}", cols.join(", "))
}

/// `alias.col` for each column, quoted.
pub(crate) fn cols_of(s: &Sql, alias: &str, cols: &[String]) -> Vec<String> {
    cols.iter().map(|c| s.c(alias, c)).collect()
}

/// A type the user spelled, in the model's form. SQLite reports declared types upper-cased
/// (live introspection), so the user's spelling is upper-cased too.
pub(crate) fn parse_type(d: Dialect, spelled: &str) -> ColumnType {
    match d {
        Dialect::Sqlite => migrex_dialect::parse_type(d, &spelled.to_ascii_uppercase()),
        Dialect::Postgres | Dialect::Mysql => migrex_dialect::parse_type(d, spelled),
    }
}

#[cfg(test)]
mod singular_tests {
    #[test]
    fn english_plurals() {
        for (p, s) in [
            ("products", "product"),
            ("categories", "category"),
            ("boxes", "box"),
            ("addresses", "address"),
            ("status", "status"),
            ("person", "person"),
            ("Posts", "Post"),
        ] {
            assert_eq!(super::singular(p), s);
        }
    }
}
