//! The SQL Active Record 6.1 runs for the schema statements, per adapter (sqlite3,
//! postgresql, mysql2): `NATIVE_DATABASE_TYPES` and each adapter's `type_to_sql`,
//! `quote_default_expression`, `SchemaCreation` (column options, inline foreign keys and
//! checks, `CREATE INDEX`), PostgreSQL's separate `COMMENT ON`, and SQLite's `alter_table`,
//! which rebuilds the table through `copy_table` for every `add_foreign_key` and
//! `add_check_constraint`: columns come back through the adapter's type map (`bigint` reads
//! as `integer`), the key loses `AUTOINCREMENT`, nullable columns get `DEFAULT NULL`, existing
//! foreign keys come back from `PRAGMA foreign_key_list` (newest first, names re-derived), and
//! indexes keep name, uniqueness and `WHERE` only.
//!
//! The script is read by `migrex_source_sql`, which normalizes it exactly as live
//! introspection reads what Active Record built.

use super::dsl::{ArCheck, ArColumn, ArForeignKey, ArIndex, ArSchema, ArTable, Later};
use super::names;
use super::ruby::Value;
use migrex_model::Dialect;

/// The DDL script Active Record runs to load `schema` on `dialect`.
pub fn script(schema: &ArSchema, dialect: Dialect) -> Result<String, String> {
    let mut out = Vec::new();
    if dialect == Dialect::Postgres {
        for (ext, _) in &schema.extensions {
            out.push(format!("CREATE EXTENSION IF NOT EXISTS {}", quote_pg(ext)));
        }
    }
    for table in schema.tables.values() {
        if dialect == Dialect::Sqlite && !table.later.is_empty() {
            // What the last rebuild leaves (SQLite checks references only when used).
            out.extend(sqlite_rebuild(table).map_err(|e| format!("table `{}`: {e}", table.name))?);
        } else {
            table_sql(table, dialect, &mut out)?;
        }
    }
    // Foreign keys and checks added after the tables (schema.rb lists them at the end).
    if dialect != Dialect::Sqlite {
        for table in schema.tables.values() {
            later_sql(table, dialect, &mut out)?;
        }
    }
    Ok(out
        .into_iter()
        .map(|s| format!("{s};\n"))
        .collect::<String>())
}

fn quote(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => quote_pg(name),
    }
}

fn quote_pg(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_string(dialect: Dialect, s: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        _ => format!("'{}'", s.replace('\'', "''")),
    }
}

/// `type_to_sql(type, limit:, precision:, scale:, array:)` of the adapter.
pub fn type_sql(dialect: Dialect, col: &ArColumn) -> Result<String, String> {
    let ty = col.ty.as_str();
    let native: Option<(&str, Option<i64>)> = match (dialect, ty) {
        (Dialect::Sqlite, "primary_key") => {
            return Ok("integer PRIMARY KEY AUTOINCREMENT NOT NULL".into());
        }
        (Dialect::Postgres, "primary_key") => return Ok("bigserial primary key".into()),
        (Dialect::Mysql, "primary_key") => return Ok("bigint auto_increment PRIMARY KEY".into()),
        (Dialect::Sqlite, "string") => Some(("varchar", None)),
        (Dialect::Sqlite, "binary") => Some(("blob", None)),
        (
            Dialect::Sqlite,
            t @ ("text" | "integer" | "float" | "decimal" | "datetime" | "time" | "date"
            | "boolean" | "json"),
        ) => Some((t, None)),
        (Dialect::Postgres, "string") => Some(("character varying", None)),
        (Dialect::Postgres, "integer") => {
            let base = match col.limit {
                Some(1 | 2) => "smallint",
                None | Some(3 | 4) => "integer",
                Some(5..=8) => "bigint",
                Some(n) => {
                    return Err(format!(
                        "No integer type has byte size {n}. Use a numeric with scale 0 instead."
                    ));
                }
            };
            return Ok(pg_array(base.to_string(), col));
        }
        (Dialect::Postgres, t @ ("text" | "binary")) => {
            let base = if t == "text" { "text" } else { "bytea" };
            return Ok(pg_array(base.to_string(), col));
        }
        (Dialect::Postgres, "datetime") => Some(("timestamp", None)),
        (
            Dialect::Postgres,
            t @ ("float" | "decimal" | "time" | "date" | "daterange" | "numrange" | "tsrange"
            | "tstzrange" | "int4range" | "int8range" | "boolean" | "xml" | "tsvector"
            | "hstore" | "inet" | "cidr" | "macaddr" | "uuid" | "json" | "jsonb" | "ltree"
            | "citext" | "point" | "line" | "lseg" | "box" | "path" | "polygon" | "circle"
            | "bit" | "money" | "interval" | "oid"),
        ) => Some((t, None)),
        (Dialect::Postgres, "bit_varying") => Some(("bit varying", None)),
        (Dialect::Mysql, "integer") => {
            return Ok(match col.limit {
                Some(1) => "tinyint",
                Some(2) => "smallint",
                Some(3) => "mediumint",
                None | Some(4) => "int",
                Some(5..=8) => "bigint",
                Some(n) => return Err(format!("No integer type has byte size {n}")),
            }
            .to_string());
        }
        (Dialect::Mysql, "text" | "blob") => {
            return type_with_size(&col.ty, col.size.as_deref(), col.limit);
        }
        (Dialect::Mysql, "binary") => {
            return match col.limit {
                Some(n @ 0..=0xfff) => Ok(format!("varbinary({n})")),
                l => type_with_size("blob", col.size.as_deref(), l),
            };
        }
        (Dialect::Mysql, "string") => Some(("varchar", Some(255))),
        (Dialect::Mysql, "float") => Some(("float", Some(24))),
        (Dialect::Mysql, "boolean") => Some(("tinyint", Some(1))),
        (Dialect::Mysql, t @ ("decimal" | "datetime" | "timestamp" | "time" | "date" | "json")) => {
            Some((t, None))
        }
        _ => None,
    };
    let Some((name, native_limit)) = native else {
        // Not a native type: Active Record writes the type's name as it is.
        return Ok(pg_array_if(dialect, ty.to_string(), col));
    };
    let mut sql = name.to_string();
    if ty == "decimal" {
        match (col.precision, col.scale) {
            (Some(p), Some(s)) => sql.push_str(&format!("({p},{s})")),
            (Some(p), None) => sql.push_str(&format!("({p})")),
            (None, Some(_)) => {
                return Err(
                    "Error adding decimal column: precision cannot be empty if scale is specified"
                        .into(),
                );
            }
            (None, None) => {}
        }
    } else if matches!(ty, "datetime" | "timestamp" | "time" | "interval")
        && col.precision.is_some()
    {
        let p = col.precision.unwrap_or_default();
        if !(0..=6).contains(&p) {
            return Err(format!(
                "No {ty} type has precision of {p}. The allowed range of precision is from 0 to 6"
            ));
        }
        sql.push_str(&format!("({p})"));
    } else if let Some(l) = col.limit.or(native_limit) {
        sql.push_str(&format!("({l})"));
    }
    Ok(pg_array_if(dialect, sql, col))
}

/// `type_with_size_to_sql`: an explicit `size:` names the variant, else the limit decides.
fn type_with_size(base: &str, size: Option<&str>, limit: Option<i64>) -> Result<String, String> {
    match size {
        None => Ok(mysql_sized(base, limit)),
        Some(s @ ("tiny" | "medium" | "long")) => Ok(format!("{s}{base}")),
        Some(other) => Err(format!(
            ":{other} is invalid :size value. Only :tiny, :medium, and :long are allowed."
        )),
    }
}

fn mysql_sized(base: &str, limit: Option<i64>) -> String {
    // `limit_to_size`: the smallest of tiny/-/medium/long that holds `limit` bytes.
    match limit {
        Some(0..=0xff) => format!("tiny{base}"),
        None | Some(0x100..=0xffff) => base.to_string(),
        Some(0x10000..=0xffffff) => format!("medium{base}"),
        Some(_) => format!("long{base}"),
    }
}

fn pg_array(sql: String, col: &ArColumn) -> String {
    if col.array { format!("{sql}[]") } else { sql }
}

fn pg_array_if(dialect: Dialect, sql: String, col: &ArColumn) -> String {
    if dialect == Dialect::Postgres {
        pg_array(sql, col)
    } else {
        sql
    }
}

/// `BigDecimal#to_s("F")` of a decimal literal: no exponent, at least one fraction digit.
pub fn decimal_text(s: &str) -> Option<String> {
    let s = s.trim();
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = if frac.is_empty() { "0" } else { frac };
    let sign = if neg && (int != "0" || frac != "0") {
        "-"
    } else {
        ""
    };
    Some(format!("{sign}{int}.{frac}"))
}

/// Ruby's `Float#to_s` for a literal (`1` → `1.0`).
pub fn float_text(s: &str) -> Option<String> {
    let f: f64 = s.trim().parse().ok()?;
    if f.fract() == 0.0 && f.abs() < 1e16 {
        Some(format!("{f:.1}"))
    } else {
        Some(format!("{f}"))
    }
}

/// `quote_default_expression(default, column)`: the value cast by the column's type and quoted
/// by the adapter; a lambda's SQL as it is.
pub fn default_sql(dialect: Dialect, col: &ArColumn, value: &Value) -> Result<String, String> {
    let (t, f) = match dialect {
        Dialect::Sqlite => ("1", "0"),
        _ => ("TRUE", "FALSE"),
    };
    let scalar = |v: &Value| -> Option<String> {
        match v {
            Value::Str(s) | Value::Sym(s) => Some(s.clone()),
            Value::Int(n) => Some(n.to_string()),
            Value::Float(x) => Some(x.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    let bad = || {
        format!(
            "default {value:?} of column `{}` ({}) is not a literal migrex reads",
            col.name, col.ty
        )
    };
    if let Value::Lambda(sql) = value {
        return sql.clone().ok_or_else(bad);
    }
    if matches!(value, Value::Nil) {
        return Ok("NULL".into());
    }
    if col.array && dialect == Dialect::Postgres {
        let Value::Array(items) = value else {
            return Err(bad());
        };
        let parts: Option<Vec<String>> = items.iter().map(scalar).collect();
        let parts = parts.ok_or_else(bad)?;
        return Ok(quote_string(dialect, &format!("{{{}}}", parts.join(","))));
    }
    Ok(match col.ty.as_str() {
        "boolean" => match value {
            Value::Bool(true) => t.into(),
            Value::Bool(false) => f.into(),
            other => match scalar(other)
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("1" | "t" | "true" | "on" | "y" | "yes") => t.into(),
                Some("") => "NULL".into(),
                Some(_) => f.into(),
                None => return Err(bad()),
            },
        },
        "integer" | "bigint" | "primary_key" => match value {
            Value::Int(n) => n.to_string(),
            Value::Float(x) => x
                .parse::<f64>()
                .map(|f| (f.trunc() as i64).to_string())
                .map_err(|_| bad())?,
            Value::Str(s) => match s.trim().parse::<f64>() {
                Ok(f) => (f.trunc() as i64).to_string(),
                Err(_) => "NULL".into(),
            },
            _ => return Err(bad()),
        },
        "decimal" => decimal_text(&scalar(value).ok_or_else(bad)?).ok_or_else(bad)?,
        "float" => float_text(&scalar(value).ok_or_else(bad)?).ok_or_else(bad)?,
        "json" | "jsonb" => quote_string(dialect, &json_text(value).ok_or_else(bad)?),
        _ => quote_string(dialect, &scalar(value).ok_or_else(bad)?),
    })
}

/// `ActiveSupport::JSON.encode` of a literal hash, array or scalar.
fn json_text(v: &Value) -> Option<String> {
    Some(match v {
        Value::Hash(pairs) => format!(
            "{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| Some(format!("{}:{}", json_string(k.as_name()?), json_text(v)?)))
                .collect::<Option<Vec<_>>>()?
                .join(",")
        ),
        Value::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(json_text)
                .collect::<Option<Vec<_>>>()?
                .join(",")
        ),
        // A string default is already JSON text in schema.rb dumps.
        Value::Str(s) => s.clone(),
        Value::Sym(s) => json_string(s),
        Value::Int(n) => n.to_string(),
        Value::Float(f) => f.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Nil => "null".into(),
        _ => return None,
    })
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `integer_like_primary_key?` holds: an integer key without a default.
fn integer_like_pk(col: &ArColumn) -> bool {
    col.primary_key && matches!(col.ty.as_str(), "integer" | "bigint") && col.default.is_none()
}

/// `visit_ColumnDefinition`: the column's line in `CREATE TABLE`.
pub fn column_sql(dialect: Dialect, col: &ArColumn) -> Result<String, String> {
    let name = quote(dialect, &col.name);
    let mut c = col.clone();
    if dialect == Dialect::Sqlite && col.reference_default {
        c.ty = "integer".into();
    }
    if col.primary_key && col.ty != "primary_key" {
        c.null = Some(false);
        if integer_like_pk(col) {
            match dialect {
                Dialect::Sqlite => c.ty = "primary_key".into(),
                Dialect::Postgres => {
                    c.ty = if col.ty == "bigint" || col.limit == Some(8) {
                        "bigserial".into()
                    } else {
                        "serial".into()
                    };
                }
                Dialect::Mysql => {}
            }
        } else if col.ty == "uuid" && dialect == Dialect::Postgres && col.default.is_none() {
            c.default = Some(Value::Lambda(Some("gen_random_uuid()".into())));
        }
    }
    let sql_type = type_sql(dialect, &c)?;
    let mut sql = format!("{name} {sql_type}");
    if c.ty == "primary_key" {
        return Ok(sql);
    }
    if let Some(coll) = &c.collation {
        match dialect {
            Dialect::Mysql => sql.push_str(&format!(" COLLATE {}", quote_string(dialect, coll))),
            _ => sql.push_str(&format!(" COLLATE \"{coll}\"")),
        }
    }
    if let Some(d) = &c.default
        && !(c.null == Some(false) && matches!(d, Value::Nil))
    {
        sql.push_str(&format!(" DEFAULT {}", default_sql(dialect, &c, d)?));
    }
    if c.null == Some(false) {
        sql.push_str(" NOT NULL");
    }
    if dialect == Dialect::Mysql && integer_like_pk(col) {
        sql.push_str(" AUTO_INCREMENT");
    }
    if let (Dialect::Mysql, Some(comment)) = (dialect, &c.comment) {
        sql.push_str(&format!(" COMMENT {}", quote_string(dialect, comment)));
    }
    if c.primary_key {
        sql.push_str(" PRIMARY KEY");
    }
    Ok(sql)
}

fn action_sql(action: &str, dep: &str) -> Result<String, String> {
    Ok(match dep {
        "nullify" => format!("ON {action} SET NULL"),
        "cascade" => format!("ON {action} CASCADE"),
        "restrict" => format!("ON {action} RESTRICT"),
        other => {
            return Err(format!(
                "'{other}' is not supported for :on_update or :on_delete. Supported values \
                 are: :nullify, :cascade, :restrict"
            ));
        }
    })
}

/// `visit_ForeignKeyDefinition`.
pub fn foreign_key_sql(dialect: Dialect, fk: &ArForeignKey) -> Result<String, String> {
    let mut sql = format!(
        "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
        quote(dialect, &fk.name),
        quote(dialect, &fk.column),
        quote(dialect, &fk.to_table),
        quote(dialect, &fk.primary_key)
    );
    if let Some(d) = &fk.on_delete {
        sql.push(' ');
        sql.push_str(&action_sql("DELETE", d)?);
    }
    if let Some(u) = &fk.on_update {
        sql.push(' ');
        sql.push_str(&action_sql("UPDATE", u)?);
    }
    Ok(sql)
}

fn check_sql(chk: &ArCheck) -> String {
    format!("CONSTRAINT {} CHECK ({})", chk.name, chk.expression)
}

/// The index's column list (`quoted_columns_for_index` with order, opclass and length).
fn index_columns(dialect: Dialect, idx: &ArIndex) -> String {
    if idx.expression {
        return idx.columns.join(", ");
    }
    idx.columns
        .iter()
        .map(|c| {
            let mut s = quote(dialect, c);
            if dialect == Dialect::Mysql
                && let Some(l) = idx.lengths.get(c)
            {
                s.push_str(&format!("({l})"));
            }
            if dialect == Dialect::Postgres
                && let Some(op) = idx.opclass.get(c)
            {
                s.push(' ');
                s.push_str(op);
            }
            // Active Record 6.1's `supports_index_sort_order?` is false on MariaDB (the MySQL
            // flavor migrex models): the order is dropped there.
            if dialect != Dialect::Mysql
                && let Some(o) = idx.orders.get(c)
            {
                s.push(' ');
                s.push_str(&o.to_uppercase());
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CREATE [UNIQUE] INDEX name ON table [USING m] (cols) [WHERE ...]`.
pub fn index_sql(dialect: Dialect, table: &str, idx: &ArIndex) -> String {
    let mut sql = format!(
        "CREATE {}INDEX {} ON {}",
        if idx.unique { "UNIQUE " } else { "" },
        quote(dialect, &idx.name),
        quote(dialect, table)
    );
    if dialect == Dialect::Postgres
        && let Some(u) = &idx.using
    {
        sql.push_str(&format!(" USING {u}"));
    }
    sql.push_str(&format!(" ({})", index_columns(dialect, idx)));
    if dialect != Dialect::Mysql
        && let Some(w) = &idx.where_
    {
        sql.push_str(&format!(" WHERE {w}"));
    }
    sql
}

fn table_sql(table: &ArTable, dialect: Dialect, out: &mut Vec<String>) -> Result<(), String> {
    let ctx = |e: String| format!("table `{}`: {e}", table.name);
    let mut parts = Vec::new();
    for c in &table.columns {
        parts.push(column_sql(dialect, c).map_err(ctx)?);
    }
    if let Some(pk) = &table.composite_pk {
        parts.push(format!(
            "PRIMARY KEY ({})",
            pk.iter()
                .map(|c| quote(dialect, c))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if dialect == Dialect::Mysql {
        for idx in &table.indexes {
            let mut s = format!(
                "{}INDEX {}",
                if idx.unique { "UNIQUE " } else { "" },
                quote(dialect, &idx.name)
            );
            if let Some(u) = &idx.using {
                s.push_str(&format!(" USING {u}"));
            }
            s.push_str(&format!(" ({})", index_columns(dialect, idx)));
            parts.push(s);
        }
    }
    for fk in &table.foreign_keys {
        parts.push(foreign_key_sql(dialect, fk).map_err(ctx)?);
    }
    for chk in &table.checks {
        parts.push(check_sql(chk));
    }
    let mut sql = format!(
        "CREATE TABLE {} ({})",
        quote(dialect, &table.name),
        parts.join(", ")
    );
    if dialect == Dialect::Mysql {
        sql.push_str(" ENGINE=InnoDB");
        if let Some(c) = &table.comment {
            sql.push_str(&format!(" COMMENT {}", quote_string(dialect, c)));
        }
    }
    out.push(sql);
    if dialect != Dialect::Mysql {
        for idx in &table.indexes {
            out.push(index_sql(dialect, &table.name, idx));
        }
    }
    if dialect == Dialect::Postgres {
        if let Some(c) = &table.comment {
            out.push(format!(
                "COMMENT ON TABLE {} IS {}",
                quote_pg(&table.name),
                quote_string(dialect, c)
            ));
        }
        for col in &table.columns {
            if let Some(c) = &col.comment {
                out.push(format!(
                    "COMMENT ON COLUMN {}.{} IS {}",
                    quote_pg(&table.name),
                    quote_pg(&col.name),
                    quote_string(dialect, c)
                ));
            }
        }
    }
    Ok(())
}

fn later_sql(table: &ArTable, dialect: Dialect, out: &mut Vec<String>) -> Result<(), String> {
    if table.later.is_empty() {
        return Ok(());
    }
    let ctx = |e: String| format!("table `{}`: {e}", table.name);
    for l in &table.later {
        match l {
            Later::ForeignKey(fk) => out.push(format!(
                "ALTER TABLE {} ADD {}",
                quote(dialect, &table.name),
                foreign_key_sql(dialect, fk).map_err(ctx)?
            )),
            Later::Check(chk) => out.push(format!(
                "ALTER TABLE {} ADD {}",
                quote(dialect, &table.name),
                check_sql(chk)
            )),
        }
    }
    Ok(())
}

/// A column as SQLite's `PRAGMA table_info` hands it back to `copy_table`.
struct Pragma {
    name: String,
    sql_type: String,
    notnull: bool,
    /// `dflt_value` as stored.
    default: Option<String>,
    pk: bool,
}

/// The statements that leave `table` as Active Record's SQLite adapter does after every
/// `add_foreign_key` / `add_check_constraint` that follows its creation.
fn sqlite_rebuild(table: &ArTable) -> Result<Vec<String>, String> {
    let d = Dialect::Sqlite;
    // The state right after create_table.
    let mut cols: Vec<Pragma> = Vec::new();
    for c in &table.columns {
        let mut cc = c.clone();
        if c.reference_default {
            cc.ty = "integer".into();
        }
        if integer_like_pk(c) {
            cc.ty = "primary_key".into();
        }
        let sql_type = if cc.ty == "primary_key" {
            "integer".to_string()
        } else {
            type_sql(d, &cc)?
        };
        let default = match &c.default {
            Some(v)
                if !(c.null == Some(false) && matches!(v, Value::Nil))
                    && cc.ty != "primary_key" =>
            {
                Some(default_sql(d, &cc, v)?)
            }
            _ => None,
        };
        cols.push(Pragma {
            name: c.name.clone(),
            sql_type,
            notnull: c.null == Some(false) || c.primary_key,
            default,
            pk: c.primary_key,
        });
    }
    let mut fks: Vec<ArForeignKey> = table.foreign_keys.clone();
    let mut checks: Vec<ArCheck> = table.checks.clone();
    for l in &table.later {
        // `foreign_keys(table)` lists the newest first and without names.
        let mut next: Vec<ArForeignKey> = fks
            .iter()
            .rev()
            .map(|f| ArForeignKey {
                given_name: None,
                name: names::foreign_key_name(&table.name, &f.column),
                ..f.clone()
            })
            .collect();
        match l {
            Later::ForeignKey(fk) => next.push(fk.clone()),
            Later::Check(chk) => checks.push(chk.clone()),
        }
        fks = next;
        // `copy_table`: every column through the type map and back.
        for p in &mut cols {
            let ty = sqlite_lookup(&p.sql_type);
            let mut col = ArColumn::new(&p.name, &ty.0, 0);
            col.limit = ty.1;
            col.precision = ty.2;
            col.scale = ty.3;
            let sql_type = type_sql(d, &col)?;
            let raw = p.default.as_deref().map(unquote_default);
            p.default = match raw {
                None | Some(None) if !p.notnull => Some("NULL".into()),
                None | Some(None) => None,
                Some(Some(raw)) => Some(sqlite_requote(&col, &raw)),
            };
            p.sql_type = sql_type;
        }
    }
    let mut parts = Vec::new();
    for p in &cols {
        let mut s = format!("{} {}", quote_pg(&p.name), p.sql_type);
        if let Some(dft) = &p.default {
            s.push_str(&format!(" DEFAULT {dft}"));
        }
        if p.notnull {
            s.push_str(" NOT NULL");
        }
        if p.pk && table.composite_pk.is_none() {
            s.push_str(" PRIMARY KEY");
        }
        parts.push(s);
    }
    if let Some(pk) = &table.composite_pk {
        parts.push(format!(
            "PRIMARY KEY ({})",
            pk.iter()
                .map(|c| quote_pg(c))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for fk in &fks {
        parts.push(foreign_key_sql(d, fk)?);
    }
    for chk in &checks {
        parts.push(check_sql(chk));
    }
    let mut out = vec![format!(
        "CREATE TABLE {} ({})",
        quote_pg(&table.name),
        parts.join(", ")
    )];
    for idx in &table.indexes {
        // `copy_table_indexes` keeps the name, the columns, UNIQUE and WHERE only.
        let kept = ArIndex {
            orders: Default::default(),
            opclass: Default::default(),
            lengths: Default::default(),
            using: None,
            ..idx.clone()
        };
        out.push(index_sql(d, &table.name, &kept));
    }
    Ok(out)
}

/// `new_column_from_field`: `NULL` is no default, quotes are taken off.
fn unquote_default(raw: &str) -> Option<String> {
    if raw.eq_ignore_ascii_case("null") {
        return None;
    }
    if raw.len() >= 2 && raw.starts_with('\'') && raw.ends_with('\'') {
        return Some(raw[1..raw.len() - 1].replace("''", "'"));
    }
    if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        return Some(raw[1..raw.len() - 1].replace("\"\"", "\""));
    }
    Some(raw.to_string())
}

/// The raw default cast by the column's type and quoted again (`quote_default_expression`
/// with a String): a date/time type casts an SQL function to nil, written `NULL`.
fn sqlite_requote(col: &ArColumn, raw: &str) -> String {
    let v = Value::Str(raw.to_string());
    match col.ty.as_str() {
        "datetime" | "date" | "time" => {
            let looks_like_value = raw.chars().next().is_some_and(|c| c.is_ascii_digit());
            if looks_like_value {
                quote_string(Dialect::Sqlite, raw)
            } else {
                "NULL".into()
            }
        }
        "json" => quote_string(Dialect::Sqlite, &json_string(raw)),
        _ => default_sql(Dialect::Sqlite, col, &v)
            .unwrap_or_else(|_| quote_string(Dialect::Sqlite, raw)),
    }
}

/// SQLite3Adapter's type map (abstract `initialize_type_map` plus `%r(int)i`), the newest
/// registration first: (type, limit, precision, scale) of an SQL type.
pub fn sqlite_lookup(sql_type: &str) -> (String, Option<i64>, Option<i64>, Option<i64>) {
    let lower = sql_type.to_ascii_lowercase();
    let args: Vec<i64> = lower
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inner, _)| {
            inner
                .split(',')
                .filter_map(|p| p.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let first = args.first().copied();
    let has = |s: &str| lower.contains(s);
    if has("int") {
        return ("integer".into(), first, None, None);
    }
    if has("decimal") || has("numeric") || has("number") {
        return ("decimal".into(), None, first, args.get(1).copied());
    }
    if lower.starts_with("json") {
        return ("json".into(), None, None, None);
    }
    if has("double") || has("float") {
        return ("float".into(), first, None, None);
    }
    if has("timestamp") || has("datetime") {
        return ("datetime".into(), None, first, None);
    }
    if has("clob") || has("text") {
        return ("text".into(), first, None, None);
    }
    if has("blob") || has("binary") {
        return ("binary".into(), first, None, None);
    }
    if has("time") {
        return ("time".into(), None, first, None);
    }
    if has("date") {
        return ("date".into(), None, first, None);
    }
    if has("char") {
        return ("string".into(), first, None, None);
    }
    if has("boolean") {
        return ("boolean".into(), first, None, None);
    }
    (lower, None, None, None)
}
