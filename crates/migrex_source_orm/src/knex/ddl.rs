//! Knex schema-builder calls rendered as the SQL Knex 3.3's own clients (`pg`, `better-sqlite3`,
//! `mysql2`) send for them, following `lib/schema/*compiler.js` and
//! `lib/dialects/{postgres,sqlite3,mysql}`:
//! the same types, defaults, and default names (`<table>_<cols>_unique|index|foreign`, the
//! lower-cased `_indexCommand`, `<table>_pkey`). Statements that are equivalent for the schema
//! are written in the form `migrex_source_sql` reads (e.g. `RENAME COLUMN`).
//!
//! What Knex does from a table's current definition (SQLite: rebuilding the table to alter or
//! drop columns, add or drop foreign and primary keys, change nullability; MySQL: `modify` with
//! a definition read back from the database; column placement with `after`/`first`) and what
//! the database does implicitly (PostgreSQL keeps constraint names across `renameTable` and drops
//! dependents with a column) needs that definition: those steps are [`Piece::Patch`]es the
//! replay applies to the schema built so far.

use super::js::{Call, Op, Pos, Val};
use migrex_model::Dialect;

/// A change Knex makes from the table's current state.
#[derive(Debug, Clone)]
pub enum Patch {
    /// `renameTable` on PostgreSQL: the names PostgreSQL gave the table's constraints when it
    /// was created (`<old>_pkey`, `<old>_check`, ...) stay.
    RenameTable(String),
    /// MySQL `first()`/`after(col)` on an added or altered column: its place.
    Position {
        column: String,
        after: Option<String>,
    },
    /// `alter()` on SQLite: the column's type, default and NOT NULL are replaced.
    AlterColumn {
        column: String,
        type_sql: String,
        default: Option<String>,
        not_null: bool,
        /// MySQL: the whole definition Knex's `modify` writes (type and every modifier).
        definition: Option<String>,
    },
    /// `dropColumn(s)`: indexes, keys and constraints on the columns go with them.
    DropColumns(Vec<String>),
    DropForeign {
        columns: Vec<String>,
        name: Option<String>,
    },
    DropPrimary(Option<String>),
    Primary {
        columns: Vec<String>,
        name: Option<String>,
    },
    Foreign(Foreign),
    SetNullable {
        column: String,
        nullable: bool,
    },
}

/// What the replay runs, in order.
#[derive(Debug, Clone)]
pub enum Piece {
    Sql(String, Pos),
    Patch {
        schema: Option<String>,
        table: String,
        patch: Patch,
        pos: Pos,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Foreign {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: Option<String>,
    pub on_update: Option<String>,
    pub deferrable: Option<String>,
    pub name: Option<String>,
}

/// A rendering error at a call.
#[derive(Debug, Clone)]
pub struct DdlError {
    pub pos: Pos,
    pub message: String,
}

type R<T> = Result<T, DdlError>;

fn err<T>(pos: Pos, message: impl Into<String>) -> R<T> {
    Err(DdlError {
        pos,
        message: message.into(),
    })
}

/// Quotes an identifier the way Knex's client wraps it (`"a"."b"` for dotted names).
pub fn wrap(dialect: Dialect, name: &str) -> String {
    let (q, esc) = match dialect {
        Dialect::Postgres => ('"', "\"\""),
        _ => ('`', "``"),
    };
    name.split('.')
        .map(|p| {
            if p == "*" {
                p.to_string()
            } else {
                format!("{q}{}{q}", p.replace(q, esc))
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn columnize(dialect: Dialect, cols: &[String]) -> String {
    cols.iter()
        .map(|c| wrap(dialect, c))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A string literal as Knex's client escapes a binding.
pub fn escape_str(dialect: Dialect, s: &str) -> String {
    if dialect == Dialect::Postgres && s.contains('\\') {
        format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// A binding value as SQL (`client._escapeBinding`).
fn escape_binding(dialect: Dialect, v: &Val) -> String {
    match v {
        Val::Str(s) => escape_str(dialect, s),
        Val::Num(n) => n.clone(),
        Val::Bool(b) => {
            if dialect == Dialect::Postgres {
                b.to_string()
            } else {
                (if *b { "1" } else { "0" }).to_string()
            }
        }
        Val::Null | Val::Undef => "NULL".into(),
        Val::Arr(items) => items
            .iter()
            .map(|i| escape_binding(dialect, i))
            .collect::<Vec<_>>()
            .join(", "),
        Val::Obj(_) => escape_str(dialect, &v.to_json()),
        Val::Raw(sql, b) => raw_sql(dialect, sql, b),
        Val::FnUuid => fn_uuid(dialect).into(),
    }
}

/// `knex.fn.uuid()` as Knex's client writes it.
fn fn_uuid(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "(gen_random_uuid())",
        Dialect::Mysql => "(UUID())",
        Dialect::Sqlite => {
            "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))),2) || '-' || substr('89ab',abs(random()) % 4 + 1, 1) || substr(lower(hex(randomblob(2))),2) || '-' || lower(hex(randomblob(6))))"
        }
    }
}

/// `knex.raw(sql, bindings)` as the SQL Knex sends: `??` a quoted identifier, `?` a value,
/// `\?` a literal question mark.
pub fn raw_sql(dialect: Dialect, sql: &str, bindings: &[Val]) -> String {
    if bindings.is_empty() {
        return sql.replace("\\?", "?");
    }
    let mut out = String::new();
    let mut it = bindings.iter();
    let b = sql.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'?') {
            out.push('?');
            i += 2;
        } else if b[i] == b'?' && b.get(i + 1) == Some(&b'?') {
            match it.next() {
                Some(Val::Str(s)) => out.push_str(&wrap(dialect, s)),
                Some(v) => out.push_str(&escape_binding(dialect, v)),
                None => out.push_str("??"),
            }
            i += 2;
        } else if b[i] == b'?' {
            match it.next() {
                Some(v) => out.push_str(&escape_binding(dialect, v)),
                None => out.push('?'),
            }
            i += 1;
        } else {
            let ch = sql[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// `_indexCommand`: `<table>_<cols>_<type>`, lower-cased, `.`/`-` of the table as `_`.
pub fn index_name(table: &str, columns: &[String], kind: &str) -> String {
    format!(
        "{}_{}_{}",
        table.replace(['.', '-'], "_"),
        columns.join("_"),
        kind
    )
    .to_lowercase()
}

fn str_list(v: Option<&Val>) -> Vec<String> {
    match v {
        Some(Val::Str(s)) => vec![s.clone()],
        Some(Val::Arr(a)) => a.iter().map(Val::to_js_string).collect(),
        _ => Vec::new(),
    }
}

fn num_or(v: Option<&Val>, d: &str) -> String {
    match v {
        Some(Val::Num(n)) => n.clone(),
        Some(Val::Str(s)) if s.parse::<f64>().is_ok() => s.clone(),
        _ => d.to_string(),
    }
}

/// A column builder call (`t.string('name', 100)` and its modifiers).
#[derive(Debug, Clone)]
struct ColumnDef {
    kind: String,
    name: String,
    args: Vec<Val>,
    pos: Pos,
    nullable: Option<bool>,
    default: Option<Val>,
    comment: Option<Option<String>>,
    checks: Vec<(String, Option<String>)>,
    alter: Option<(bool, bool)>,
    primary: bool,
    unsigned: bool,
    collate: Option<String>,
    /// MySQL `after(col)` (`Some(Some(col))`) or `first()` (`Some(None)`).
    position: Option<Option<String>>,
}

/// One statement of a table builder, in the order the callback made it.
#[derive(Debug, Clone)]
enum Stmt {
    Column,
    Method(String, Vec<Val>, Pos),
    Foreign(Foreign, Pos),
}

/// The column builder methods and the Knex type each stands for.
fn column_kind(name: &str) -> Option<&'static str> {
    Some(match name {
        "increments" => "increments",
        "bigIncrements" | "bigincrements" => "bigincrements",
        "integer" => "integer",
        "bigInteger" | "biginteger" | "bigint" => "biginteger",
        "tinyint" => "tinyint",
        "smallint" => "smallint",
        "mediumint" => "mediumint",
        "string" => "varchar",
        "text" => "text",
        "float" => "floating",
        "double" => "double",
        "decimal" => "decimal",
        "boolean" | "bool" => "bool",
        "date" => "date",
        "datetime" | "dateTime" => "datetime",
        "time" => "time",
        "timestamp" => "timestamp",
        "binary" => "binary",
        "enu" | "enum" => "enu",
        "json" => "json",
        "jsonb" => "jsonb",
        "uuid" => "uuid",
        "specificType" => "specifictype",
        "bit" => "bit",
        _ => return None,
    })
}

/// The column type Knex's client writes.
fn column_type(
    dialect: Dialect,
    c: &ColumnDef,
    table_has_primary: bool,
    enum_types: &mut Vec<String>,
    schema: Option<&str>,
) -> R<String> {
    let a = |i: usize| c.args.get(i);
    let pg = dialect == Dialect::Postgres;
    let opts_pk = |v: Option<&Val>, default: bool| -> bool {
        match v.and_then(|o| o.get("primaryKey")) {
            Some(x) => x.truthy(),
            None => default,
        }
    };
    if dialect == Dialect::Mysql {
        return mysql_type(c, opts_pk(a(0), true) && !table_has_primary);
    }
    Ok(match c.kind.as_str() {
        "increments" | "bigincrements" => {
            if pg {
                let base = if c.kind == "increments" {
                    "serial"
                } else {
                    "bigserial"
                };
                if opts_pk(a(0), true) && !table_has_primary {
                    format!("{base} primary key")
                } else {
                    base.to_string()
                }
            } else {
                "integer not null primary key autoincrement".into()
            }
        }
        "integer" | "mediumint" => "integer".into(),
        "smallint" => {
            if pg {
                "smallint".into()
            } else {
                "integer".into()
            }
        }
        "tinyint" => {
            if pg {
                "smallint".into()
            } else {
                "tinyint".into()
            }
        }
        "biginteger" => "bigint".into(),
        "varchar" => format!("varchar({})", num_or(a(0), "255")),
        "text" => "text".into(),
        "floating" => {
            if pg {
                "real".into()
            } else {
                "float".into()
            }
        }
        "double" => {
            if pg {
                "double precision".into()
            } else {
                "float".into()
            }
        }
        "decimal" => {
            if !pg {
                "float".into()
            } else if matches!(a(0), Some(Val::Null)) {
                "decimal".into()
            } else {
                format!("decimal({}, {})", num_or(a(0), "8"), num_or(a(1), "2"))
            }
        }
        "bool" => "boolean".into(),
        "date" => "date".into(),
        "time" => "time".into(),
        "datetime" | "timestamp" => {
            if !pg {
                "datetime".into()
            } else {
                let (use_tz, precision) = match a(0) {
                    Some(o @ Val::Obj(_)) => (
                        o.get("useTz").map(|v| v.truthy()).unwrap_or(true),
                        o.get("precision").cloned(),
                    ),
                    Some(v) => (!v.truthy(), a(1).cloned()),
                    None => (true, None),
                };
                let p = match precision {
                    Some(Val::Num(n)) => format!("({n})"),
                    _ => String::new(),
                };
                format!("{}{p}", if use_tz { "timestamptz" } else { "timestamp" })
            }
        }
        "binary" => {
            if pg {
                "bytea".into()
            } else {
                "blob".into()
            }
        }
        "json" => "json".into(),
        "jsonb" => {
            if pg {
                "jsonb".into()
            } else {
                "json".into()
            }
        }
        "uuid" => {
            if pg {
                if opts_pk(a(0), false) && !table_has_primary {
                    "uuid primary key".into()
                } else {
                    "uuid".into()
                }
            } else if a(0)
                .and_then(|o| o.get("useBinaryUuid"))
                .is_some_and(Val::truthy)
            {
                "binary(16)".into()
            } else {
                "char(36)".into()
            }
        }
        "specifictype" => match a(0) {
            Some(Val::Str(s)) => s.clone(),
            _ => return err(c.pos, "specificType needs a literal type"),
        },
        "bit" => {
            if pg {
                match a(0).and_then(|o| o.get("length")) {
                    Some(Val::Num(n)) => format!("bit({n})"),
                    _ => "bit".into(),
                }
            } else {
                "text".into()
            }
        }
        "enu" => {
            let values: Vec<String> = match a(0) {
                Some(Val::Arr(v)) => v.iter().map(Val::to_js_string).collect(),
                Some(Val::Null) | None => Vec::new(),
                _ => return err(c.pos, "enu needs a literal array of values"),
            };
            let opts = a(1);
            let native = pg
                && opts
                    .and_then(|o| o.get("useNative"))
                    .is_some_and(Val::truthy);
            if native {
                let Some(Val::Str(en)) = opts.and_then(|o| o.get("enumName")) else {
                    return err(c.pos, "a native enum needs enumName");
                };
                let sch = opts
                    .and_then(|o| o.get("schemaName"))
                    .and_then(Val::as_str)
                    .or(schema);
                let qualified = match sch {
                    Some(s) => format!("\"{s}\".\"{en}\""),
                    None => format!("\"{en}\""),
                };
                if !opts
                    .and_then(|o| o.get("existingType"))
                    .is_some_and(Val::truthy)
                {
                    enum_types.push(format!(
                        "create type {qualified} as enum ('{}')",
                        values.join("', '")
                    ));
                }
                qualified
            } else {
                format!(
                    "text check ({} in ('{}'))",
                    wrap(dialect, &c.name),
                    values.join("', '")
                )
            }
        }
        other => return err(c.pos, format!("column type `{other}` is not known")),
    })
}

/// `ColumnCompiler_MySQL`'s types (`mysql`/`mysql2` clients).
fn mysql_type(c: &ColumnDef, add_pk: bool) -> R<String> {
    let a = |i: usize| c.args.get(i);
    let len = |v: Option<&Val>| match v {
        Some(Val::Num(n)) => Some(n.clone()),
        _ => None,
    };
    let precision = |v: Option<&Val>| match v {
        Some(o @ Val::Obj(_)) => len(o.get("precision")),
        v => len(v),
    };
    Ok(match c.kind.as_str() {
        "increments" | "bigincrements" => format!(
            "{} unsigned not null{}",
            if c.kind == "increments" {
                "int"
            } else {
                "bigint"
            },
            if add_pk {
                " auto_increment primary key"
            } else {
                ""
            }
        ),
        "integer" => match len(a(0)) {
            Some(l) => format!("int({l})"),
            None => "int".into(),
        },
        "tinyint" => match len(a(0)) {
            Some(l) => format!("tinyint({l})"),
            None => "tinyint".into(),
        },
        "smallint" => "smallint".into(),
        "mediumint" => "mediumint".into(),
        "biginteger" => "bigint".into(),
        "varchar" => format!("varchar({})", num_or(a(0), "255")),
        "text" => match a(0).and_then(Val::as_str) {
            Some("medium" | "mediumtext") => "mediumtext".into(),
            Some("long" | "longtext") => "longtext".into(),
            _ => "text".into(),
        },
        "floating" => format!("float({}, {})", num_or(a(0), "8"), num_or(a(1), "2")),
        "double" => match a(0) {
            Some(p) if p.truthy() => {
                format!("double({}, {})", num_or(Some(p), "8"), num_or(a(1), "2"))
            }
            _ => "double".into(),
        },
        "decimal" => {
            if matches!(a(0), Some(Val::Null)) {
                return err(
                    c.pos,
                    "Specifying no precision on decimal columns is not supported for MySQL (Knex refuses it)",
                );
            }
            format!("decimal({}, {})", num_or(a(0), "8"), num_or(a(1), "2"))
        }
        "bool" => "boolean".into(),
        "date" => "date".into(),
        "datetime" | "timestamp" | "time" => {
            let base = if c.kind == "time" {
                "time"
            } else if c.kind == "datetime" {
                "datetime"
            } else {
                "timestamp"
            };
            match precision(a(0)) {
                Some(p) => format!("{base}({p})"),
                None => base.into(),
            }
        }
        "binary" => match len(a(0)) {
            Some(l) => format!("varbinary({l})"),
            None => "blob".into(),
        },
        "json" | "jsonb" => "json".into(),
        "uuid" => {
            if a(0)
                .and_then(|o| o.get("useBinaryUuid"))
                .is_some_and(Val::truthy)
            {
                "binary(16)".into()
            } else {
                "char(36)".into()
            }
        }
        "specifictype" => match a(0) {
            Some(Val::Str(s)) => s.clone(),
            _ => return err(c.pos, "specificType needs a literal type"),
        },
        "bit" => match len(a(0)) {
            Some(l) => format!("bit({l})"),
            None => "bit".into(),
        },
        "enu" => {
            let values: Vec<String> = match a(0) {
                Some(Val::Arr(v)) => v.iter().map(Val::to_js_string).collect(),
                _ => return err(c.pos, "enu needs a literal array of values"),
            };
            format!(
                "enum('{}')",
                values
                    .iter()
                    .map(|v| v.replace('\'', "''"))
                    .collect::<Vec<_>>()
                    .join("', '")
            )
        }
        other => return err(c.pos, format!("column type `{other}` is not known")),
    })
}

/// `formatDefault`.
fn format_default(dialect: Dialect, kind: &str, v: &Val) -> String {
    match v {
        Val::Undef => String::new(),
        Val::Null => "null".into(),
        Val::Raw(sql, b) => raw_sql(dialect, sql, b),
        Val::FnUuid => fn_uuid(dialect).into(),
        _ if kind == "bool" => {
            let truthy = !matches!(v, Val::Str(s) if s == "false") && v.truthy();
            // Knex writes '1'/'0'; PostgreSQL stores them as true/false.
            match dialect {
                Dialect::Postgres => truthy.to_string(),
                _ => format!("'{}'", if truthy { 1 } else { 0 }),
            }
        }
        Val::Obj(_) | Val::Arr(_) if kind == "json" || kind == "jsonb" => {
            format!("'{}'", v.to_json())
        }
        _ => escape_str(dialect, &v.to_js_string()),
    }
}

fn modifiers(
    dialect: Dialect,
    c: &ColumnDef,
    alter_mode: bool,
    table: &str,
    extra: &mut Vec<String>,
) -> String {
    let incr = c.kind.contains("increments");
    let mut out = Vec::new();
    if dialect == Dialect::Mysql {
        // ColumnCompiler_MySQL: unsigned, nullable, defaultTo, comment, collate (then checks).
        if !incr {
            if c.unsigned {
                out.push("unsigned".to_string());
            }
            if let Some(n) = c.nullable {
                out.push(if n { "null" } else { "not null" }.to_string());
            }
            match &c.default {
                None | Some(Val::Null) | Some(Val::Undef) => {}
                // MySQL's text and blob columns take no default: Knex leaves it out.
                Some(_) if c.kind == "text" => {}
                Some(d @ (Val::Obj(_) | Val::Arr(_))) if c.kind == "json" || c.kind == "jsonb" => {
                    out.push(format!("default ('{}')", d.to_json().replace('\'', "''")))
                }
                Some(d) => out.push(format!("default {}", format_default(dialect, &c.kind, d))),
            }
        }
        if let Some(Some(cm)) = &c.comment {
            out.push(format!("comment {}", escape_str(dialect, cm)));
        }
        if !incr {
            if let Some(co) = &c.collate {
                out.push(format!("collate '{co}'"));
            }
            for (pred, name) in &c.checks {
                match name {
                    Some(n) => out.push(format!("constraint {n} check ({pred})")),
                    None => out.push(format!("check ({pred})")),
                }
            }
        }
        return if out.is_empty() {
            String::new()
        } else {
            format!(" {}", out.join(" "))
        };
    }
    let _ = alter_mode;
    if !incr {
        if let Some(n) = c.nullable {
            out.push(if n { "null" } else { "not null" }.to_string());
        }
        if let Some(d) = &c.default {
            let s = format_default(dialect, &c.kind, d);
            if !s.is_empty() {
                out.push(format!("default {s}"));
            }
        }
        for (i, (pred, name)) in c.checks.iter().enumerate() {
            if alter_mode {
                let name = name
                    .clone()
                    .unwrap_or_else(|| format!("{table}_{}_{}", c.name, i + 1));
                extra.push(format!(
                    "alter table {} add constraint {name} check({pred})",
                    wrap(dialect, table)
                ));
            } else {
                match name {
                    Some(n) => out.push(format!("constraint {n} check ({pred})")),
                    None => out.push(format!("check ({pred})")),
                }
            }
        }
    }
    if out.is_empty() {
        String::new()
    } else {
        format!(" {}", out.join(" "))
    }
}

/// Renders one migration's operations as replay pieces.
pub fn render(dialect: Dialect, ops: &[Op]) -> R<Vec<Piece>> {
    let mut out = Vec::new();
    for op in ops {
        match op {
            Op::Raw { sql, pos } => out.push(Piece::Sql(sql.clone(), *pos)),
            Op::Schema { schema, call } => schema_call(dialect, schema.as_deref(), call, &mut out)?,
            Op::Table {
                method,
                schema,
                name,
                chains,
                pos,
            } => table(
                dialect,
                method,
                schema.as_deref(),
                name,
                chains,
                *pos,
                &mut out,
            )?,
        }
    }
    Ok(out)
}

fn qualified(dialect: Dialect, schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) => format!("{}.{}", wrap(dialect, s), wrap(dialect, name)),
        None => wrap(dialect, name),
    }
}

fn schema_call(dialect: Dialect, schema: Option<&str>, call: &Call, out: &mut Vec<Piece>) -> R<()> {
    let s = |i: usize| -> R<String> {
        match call.args.get(i) {
            Some(Val::Str(s)) => Ok(s.clone()),
            _ => err(call.pos, format!("{} needs a literal name", call.name)),
        }
    };
    let pos = call.pos;
    let sql = match call.name.as_str() {
        "dropTable" => format!("drop table {}", qualified(dialect, schema, &s(0)?)),
        "dropTableIfExists" => format!(
            "drop table if exists {}",
            qualified(dialect, schema, &s(0)?)
        ),
        "renameTable" if dialect != Dialect::Sqlite => {
            out.push(Piece::Patch {
                schema: schema.map(str::to_string),
                table: s(0)?,
                patch: Patch::RenameTable(s(1)?),
                pos,
            });
            return Ok(());
        }
        "renameTable" => format!(
            "alter table {} rename to {}",
            qualified(dialect, schema, &s(0)?),
            wrap(dialect, &s(1)?)
        ),
        "raw" => match call.args.first() {
            Some(Val::Str(sql)) => raw_sql(
                dialect,
                sql,
                &call
                    .args
                    .get(1)
                    .map(|b| match b {
                        Val::Arr(a) => a.clone(),
                        v => vec![v.clone()],
                    })
                    .unwrap_or_default(),
            ),
            Some(Val::Raw(sql, b)) => raw_sql(dialect, sql, b),
            _ => return err(pos, "schema.raw needs a literal SQL string"),
        },
        "createSchema" if dialect == Dialect::Postgres => {
            format!("create schema {}", wrap(dialect, &s(0)?))
        }
        "createSchemaIfNotExists" if dialect == Dialect::Postgres => {
            format!("create schema if not exists {}", wrap(dialect, &s(0)?))
        }
        "dropSchema" | "dropSchemaIfExists" if dialect == Dialect::Postgres => format!(
            "drop schema {}{}{}",
            if call.name == "dropSchemaIfExists" {
                "if exists "
            } else {
                ""
            },
            wrap(dialect, &s(0)?),
            if call.args.get(1).is_some_and(Val::truthy) {
                " cascade"
            } else {
                ""
            }
        ),
        "createExtension" | "createExtensionIfNotExists" if dialect == Dialect::Postgres => {
            format!(
                "create extension {}{}",
                if call.name == "createExtensionIfNotExists" {
                    "if not exists "
                } else {
                    ""
                },
                wrap(dialect, &s(0)?)
            )
        }
        "dropExtension" | "dropExtensionIfExists" if dialect == Dialect::Postgres => format!(
            "drop extension {}{}",
            if call.name == "dropExtensionIfExists" {
                "if exists "
            } else {
                ""
            },
            wrap(dialect, &s(0)?)
        ),
        "then" | "catch" | "finally" | "toString" | "toSQL" | "debug" | "transacting"
        | "connection" | "queryContext" => {
            return Ok(());
        }
        other => {
            return err(
                pos,
                format!("knex.schema.{other} is not replayed by migrex"),
            );
        }
    };
    out.push(Piece::Sql(sql, pos));
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn table(
    dialect: Dialect,
    method: &str,
    schema: Option<&str>,
    name: &str,
    chains: &[Vec<Call>],
    pos: Pos,
    out: &mut Vec<Piece>,
) -> R<()> {
    let my = dialect == Dialect::Mysql;
    let pg = dialect == Dialect::Postgres;
    let create = method == "createTable" || method == "createTableIfNotExists";
    let qt = qualified(dialect, schema, name);
    let mut cols: Vec<ColumnDef> = Vec::new();
    let mut stmts: Vec<Stmt> = Vec::new();
    let mut table_comment = None;
    let (mut engine, mut charset, mut table_collate) =
        (None::<String>, None::<String>, None::<String>);
    for chain in chains {
        let Some(first) = chain.first() else { continue };
        if let Some(kind) = column_kind(&first.name) {
            let cname = match first.args.first() {
                Some(Val::Str(s)) => s.clone(),
                None | Some(Val::Undef) | Some(Val::Obj(_)) if kind.contains("increments") => {
                    "id".into()
                }
                _ => {
                    return err(
                        first.pos,
                        format!("{} needs a literal column name", first.name),
                    );
                }
            };
            let args: Vec<Val> = first.args.iter().skip(1).cloned().collect();
            let args =
                if kind.contains("increments") && matches!(first.args.first(), Some(Val::Obj(_))) {
                    first.args.clone()
                } else {
                    args
                };
            let mut c = ColumnDef {
                kind: kind.to_string(),
                name: cname.clone(),
                args,
                pos: first.pos,
                nullable: None,
                default: None,
                comment: None,
                checks: Vec::new(),
                alter: None,
                primary: false,
                unsigned: false,
                collate: None,
                position: None,
            };
            let mut pending_fk: Option<usize> = None;
            stmts.push(Stmt::Column);
            for m in &chain[1..] {
                let arg = |i: usize| m.args.get(i);
                match m.name.as_str() {
                    "notNullable" => c.nullable = Some(false),
                    "nullable" => c.nullable = Some(true),
                    "defaultTo" => {
                        c.default = Some(arg(0).cloned().unwrap_or(Val::Undef));
                        if let Some(Val::Obj(o)) = arg(1)
                            && o.iter().any(|(k, _)| k == "constraintName")
                            && pg
                        {
                            return err(m.pos, "defaultTo with a constraintName is MSSQL-only");
                        }
                    }
                    "comment" => {
                        c.comment = Some(arg(0).and_then(|v| v.as_str().map(str::to_string)))
                    }
                    "unsigned" => c.unsigned = true,
                    "collate" => c.collate = arg(0).and_then(Val::as_str).map(str::to_string),
                    "first" => c.position = Some(None),
                    "after" => c.position = Some(arg(0).and_then(Val::as_str).map(str::to_string)),
                    "charset" | "queryContext" => {}
                    "alter" => {
                        let o = arg(0);
                        c.alter = Some((
                            o.and_then(|o| o.get("alterNullable"))
                                .map(Val::truthy)
                                .unwrap_or(true),
                            o.and_then(|o| o.get("alterType"))
                                .map(Val::truthy)
                                .unwrap_or(true),
                        ));
                    }
                    "primary" => {
                        c.primary = true;
                        let name = match arg(0) {
                            Some(Val::Str(s)) => Some(s.clone()),
                            Some(o @ Val::Obj(_)) => o
                                .get("constraintName")
                                .and_then(Val::as_str)
                                .map(str::to_string),
                            _ => None,
                        };
                        stmts.push(Stmt::Method(
                            "primary".into(),
                            vec![
                                Val::Arr(vec![Val::Str(cname.clone())]),
                                name.map(Val::Str).unwrap_or(Val::Undef),
                            ],
                            m.pos,
                        ));
                    }
                    "unique" => stmts.push(Stmt::Method(
                        "unique".into(),
                        vec![
                            Val::Arr(vec![Val::Str(cname.clone())]),
                            arg(0).cloned().unwrap_or(Val::Undef),
                        ],
                        m.pos,
                    )),
                    "index" => stmts.push(Stmt::Method(
                        "index".into(),
                        vec![
                            Val::Arr(vec![Val::Str(cname.clone())]),
                            arg(0).cloned().unwrap_or(Val::Undef),
                            arg(1).cloned().unwrap_or(Val::Undef),
                        ],
                        m.pos,
                    )),
                    "references" => {
                        let (tbl, col) = match arg(0) {
                            Some(Val::Str(s)) => match s.rsplit_once('.') {
                                Some((t, c)) => (Some(t.to_string()), c.to_string()),
                                None => (None, s.clone()),
                            },
                            _ => return err(m.pos, "references needs a literal column"),
                        };
                        let fk = Foreign {
                            columns: vec![cname.clone()],
                            ref_table: tbl.unwrap_or_default(),
                            ref_columns: vec![col],
                            ..Foreign::default()
                        };
                        pending_fk = Some(stmts.len());
                        stmts.push(Stmt::Foreign(fk, m.pos));
                    }
                    "inTable" | "on" | "onDelete" | "onUpdate" | "withKeyName" | "deferrable" => {
                        let Some(i) = pending_fk else {
                            return err(m.pos, format!("{} without references()", m.name));
                        };
                        if let Stmt::Foreign(fk, _) = &mut stmts[i] {
                            let v = arg(0).map(Val::to_js_string);
                            match m.name.as_str() {
                                "inTable" | "on" => fk.ref_table = v.unwrap_or_default(),
                                "onDelete" => fk.on_delete = v,
                                "onUpdate" => fk.on_update = v,
                                "withKeyName" => fk.name = v,
                                _ => fk.deferrable = v,
                            }
                        }
                    }
                    "checkPositive" | "checkNegative" => {
                        let op = if m.name == "checkPositive" { ">" } else { "<" };
                        c.checks.push((
                            format!("{} {op} 0", wrap(dialect, &cname)),
                            arg(0).and_then(Val::as_str).map(str::to_string),
                        ));
                    }
                    "checkIn" | "checkNotIn" => {
                        let vals = match arg(0) {
                            Some(Val::Arr(v)) => v
                                .iter()
                                .map(|v| escape_binding(dialect, v))
                                .collect::<Vec<_>>()
                                .join(","),
                            _ => return err(m.pos, format!("{} needs a literal array", m.name)),
                        };
                        let not = if m.name == "checkNotIn" { "not " } else { "" };
                        c.checks.push((
                            format!("{} {not}in ({vals})", wrap(dialect, &cname)),
                            arg(1).and_then(Val::as_str).map(str::to_string),
                        ));
                    }
                    "checkBetween" => {
                        let intervals = match arg(0) {
                            Some(Val::Arr(v)) if v.len() == 2 && !matches!(v[0], Val::Arr(_)) => {
                                vec![Val::Arr(v.clone())]
                            }
                            Some(Val::Arr(v)) => v.clone(),
                            _ => return err(m.pos, "checkBetween needs a literal array"),
                        };
                        let parts: Vec<String> = intervals
                            .iter()
                            .map(|iv| match iv {
                                Val::Arr(p) if p.len() == 2 => format!(
                                    "{} between {} and {}",
                                    wrap(dialect, &cname),
                                    escape_binding(dialect, &p[0]),
                                    escape_binding(dialect, &p[1])
                                ),
                                _ => String::new(),
                            })
                            .collect();
                        c.checks.push((
                            parts.join(" or "),
                            arg(1).and_then(Val::as_str).map(str::to_string),
                        ));
                    }
                    "checkLength" => {
                        let op = arg(0).map(Val::to_js_string).unwrap_or_default();
                        let n = num_or(arg(1), "0");
                        c.checks.push((
                            format!("length({}) {op} {n}", wrap(dialect, &cname)),
                            arg(2).and_then(Val::as_str).map(str::to_string),
                        ));
                    }
                    "checkRegex" if pg => {
                        let re = arg(0)
                            .map(|v| escape_binding(dialect, v))
                            .unwrap_or_default();
                        c.checks.push((
                            format!("{} ~ {re}", wrap(dialect, &cname)),
                            arg(1).and_then(Val::as_str).map(str::to_string),
                        ));
                    }
                    other => {
                        return err(
                            m.pos,
                            format!("column modifier `{other}` is not replayed by migrex"),
                        );
                    }
                }
            }
            cols.push(c);
            continue;
        }
        // Table-level methods.
        let arg = |i: usize| first.args.get(i);
        match first.name.as_str() {
            "timestamps" => {
                let (use_ts, now, camel) = match arg(0) {
                    Some(o @ Val::Obj(_)) => (
                        o.get("useTimestamps")
                            .is_some_and(|v| *v == Val::Bool(true)),
                        o.get("defaultToNow").is_some_and(|v| *v == Val::Bool(true)),
                        o.get("useCamelCase").is_some_and(Val::truthy),
                    ),
                    _ => (
                        arg(0) == Some(&Val::Bool(true)),
                        arg(1) == Some(&Val::Bool(true)),
                        arg(2).is_some_and(Val::truthy),
                    ),
                };
                for n in if camel {
                    ["createdAt", "updatedAt"]
                } else {
                    ["created_at", "updated_at"]
                } {
                    cols.push(ColumnDef {
                        kind: if use_ts { "timestamp" } else { "datetime" }.into(),
                        name: n.into(),
                        args: Vec::new(),
                        pos: first.pos,
                        nullable: now.then_some(false),
                        default: now.then(|| Val::Raw("CURRENT_TIMESTAMP".into(), vec![])),
                        comment: None,
                        checks: Vec::new(),
                        alter: None,
                        primary: false,
                        unsigned: false,
                        collate: None,
                        position: None,
                    });
                    stmts.push(Stmt::Column);
                }
            }
            "foreign" => {
                let mut fk = Foreign {
                    columns: str_list(arg(0)),
                    name: arg(1).and_then(Val::as_str).map(str::to_string),
                    ..Foreign::default()
                };
                for m in &chain[1..] {
                    let a0 = m.args.first();
                    match m.name.as_str() {
                        "references" => {
                            let cols = str_list(a0);
                            if cols.len() == 1 && cols[0].contains('.') {
                                let (t, c) = cols[0].rsplit_once('.').unwrap_or_default();
                                fk.ref_table = t.to_string();
                                fk.ref_columns = vec![c.to_string()];
                            } else {
                                fk.ref_columns = cols;
                            }
                        }
                        "inTable" | "on" => {
                            fk.ref_table = a0.map(Val::to_js_string).unwrap_or_default()
                        }
                        "onDelete" => fk.on_delete = a0.map(Val::to_js_string),
                        "onUpdate" => fk.on_update = a0.map(Val::to_js_string),
                        "withKeyName" => fk.name = a0.map(Val::to_js_string),
                        "deferrable" => fk.deferrable = a0.map(Val::to_js_string),
                        other => {
                            return err(
                                m.pos,
                                format!("foreign key modifier `{other}` is not replayed"),
                            );
                        }
                    }
                }
                stmts.push(Stmt::Foreign(fk, first.pos));
            }
            "comment" => table_comment = arg(0).and_then(Val::as_str).map(str::to_string),
            "engine" => engine = arg(0).and_then(Val::as_str).map(str::to_string),
            "charset" => charset = arg(0).and_then(Val::as_str).map(str::to_string),
            "collate" => table_collate = arg(0).and_then(Val::as_str).map(str::to_string),
            "queryContext" => {}
            "dropTimestamps" => {
                let camel = arg(0) == Some(&Val::Bool(true));
                let cols = if camel {
                    ["createdAt", "updatedAt"]
                } else {
                    ["created_at", "updated_at"]
                };
                stmts.push(Stmt::Method(
                    "dropColumn".into(),
                    cols.iter().map(|c| Val::Str(c.to_string())).collect(),
                    first.pos,
                ));
            }
            m @ ("dropColumn" | "dropColumns" | "renameColumn" | "index" | "dropIndex"
            | "unique" | "dropUnique" | "dropForeign" | "primary" | "dropPrimary"
            | "check" | "setNullable" | "dropNullable" | "dropChecks") => {
                if chain.len() > 1 {
                    return err(
                        chain[1].pos,
                        format!("`{}` after {m}() is not replayed", chain[1].name),
                    );
                }
                stmts.push(Stmt::Method(m.to_string(), first.args.clone(), first.pos));
            }
            other => {
                return err(
                    first.pos,
                    format!("table builder method `{other}` is not replayed by migrex"),
                );
            }
        }
    }

    let table_has_primary = stmts
        .iter()
        .any(|s| matches!(s, Stmt::Method(m, _, _) if m == "primary"));
    let mut enum_types = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    let mut pieces: Vec<Piece> = Vec::new();
    if create {
        let mut defs = Vec::new();
        // PostgreSQL names an inline primary key after the table when it is created (a later
        // renameTable keeps the name): written as the named constraint it becomes.
        let mut inline_pk: Option<String> = None;
        for c in &cols {
            if c.alter.is_some() {
                return err(c.pos, "alter() inside createTable");
            }
            let mut ty = column_type(dialect, c, table_has_primary, &mut enum_types, schema)?;
            if pg && let Some(t) = ty.strip_suffix(" primary key") {
                inline_pk = Some(c.name.clone());
                ty = t.to_string();
            }
            defs.push(format!(
                "{} {ty}{}",
                wrap(dialect, &c.name),
                modifiers(dialect, c, false, name, &mut extra)
            ));
        }
        let mut sql = format!(
            "create table {}{qt} ({}",
            if method == "createTableIfNotExists" {
                "if not exists "
            } else {
                ""
            },
            defs.join(", ")
        );
        let pks: Vec<(Vec<String>, Option<String>)> = stmts
            .iter()
            .filter_map(|s| match s {
                Stmt::Method(m, a, _) if m == "primary" => {
                    Some((str_list(a.first()), pk_name(a.get(1))))
                }
                _ => None,
            })
            .collect();
        if dialect == Dialect::Sqlite {
            for s in &stmts {
                if let Stmt::Foreign(fk, _) = s {
                    let cn = fk
                        .name
                        .as_ref()
                        .map(|n| format!(" constraint {}", wrap(dialect, n)))
                        .unwrap_or_default();
                    sql.push_str(&format!(
                        ",{cn} foreign key({}) references {}({})",
                        columnize(dialect, &fk.columns),
                        wrap(dialect, &fk.ref_table),
                        columnize(dialect, &fk.ref_columns)
                    ));
                    if let Some(d) = &fk.on_delete {
                        sql.push_str(&format!(" on delete {d}"));
                    }
                    if let Some(u) = &fk.on_update {
                        sql.push_str(&format!(" on update {u}"));
                    }
                }
            }
        }
        if let Some(col) = &inline_pk {
            sql.push_str(&format!(
                ", constraint {} primary key ({})",
                wrap(dialect, &format!("{name}_pkey")),
                wrap(dialect, col)
            ));
        }
        if let Some((pcols, pname)) = pks.first() {
            if pg {
                let n = pname.clone().unwrap_or_else(|| format!("{name}_pkey"));
                sql.push_str(&format!(
                    ", constraint {} primary key ({})",
                    wrap(dialect, &n),
                    columnize(dialect, pcols)
                ));
            } else if my {
                sql.push_str(&format!(", primary key ({})", columnize(dialect, pcols)));
            } else {
                let cn = pname
                    .as_ref()
                    .map(|n| format!(" constraint {}", wrap(dialect, n)))
                    .unwrap_or_default();
                let has_incr = cols.iter().any(|c| c.kind == "increments");
                sql.push_str(&format!(
                    ",{cn} {} ({})",
                    if has_incr { "unique" } else { "primary key" },
                    columnize(dialect, pcols)
                ));
            }
        }
        for s in &stmts {
            if let Stmt::Method(m, a, _) = s
                && m == "check"
            {
                let pred = check_pred(dialect, a);
                match a.get(2).and_then(Val::as_str) {
                    Some(n) => sql.push_str(&format!(", constraint {n} check ({pred})")),
                    None => sql.push_str(&format!(", check ({pred})")),
                }
            }
        }
        sql.push(')');
        if my {
            if let Some(c) = &charset {
                sql.push_str(&format!(" default character set {c}"));
            }
            if let Some(c) = &table_collate {
                sql.push_str(&format!(" collate {c}"));
            }
            if let Some(e) = &engine {
                sql.push_str(&format!(" engine = {e}"));
            }
            if let Some(c) = &table_comment {
                sql.push_str(&format!(" comment = {}", escape_str(dialect, c)));
            }
        }
        for e in enum_types.drain(..) {
            pieces.push(Piece::Sql(e, pos));
        }
        pieces.push(Piece::Sql(sql, pos));
        if pg {
            if let Some(c) = &table_comment {
                pieces.push(Piece::Sql(
                    format!("comment on table {qt} is {}", escape_str(dialect, c)),
                    pos,
                ));
            }
            for c in &cols {
                if let Some(cm) = &c.comment {
                    pieces.push(Piece::Sql(
                        comment_sql(dialect, &qt, &c.name, cm.as_deref()),
                        c.pos,
                    ));
                }
            }
        }
    } else {
        // alterTable: added columns, altered columns, then the statements in order.
        let added: Vec<&ColumnDef> = cols.iter().filter(|c| c.alter.is_none()).collect();
        if dialect == Dialect::Sqlite
            && let Some(c) = cols.iter().find(|c| !c.checks.is_empty())
        {
            // What Knex's SQLite client throws.
            return err(
                c.pos,
                "Knex cannot add a check constraint to an existing SQLite table",
            );
        }
        let mut add_defs = Vec::new();
        for c in &added {
            let mut ty = column_type(dialect, c, table_has_primary, &mut enum_types, schema)?;
            if pg && let Some(t) = ty.strip_suffix(" primary key") {
                ty = t.to_string();
                extra.push(format!(
                    "alter table {qt} add constraint {} primary key ({})",
                    wrap(dialect, &format!("{name}_pkey")),
                    wrap(dialect, &c.name)
                ));
            }
            add_defs.push(format!(
                "{} {ty}{}",
                wrap(dialect, &c.name),
                modifiers(dialect, c, true, name, &mut extra)
            ));
        }
        for e in enum_types.drain(..) {
            pieces.push(Piece::Sql(e, pos));
        }
        for d in &add_defs {
            pieces.push(Piece::Sql(format!("alter table {qt} add column {d}"), pos));
        }
        // MySQL `first()`/`after()`: the column's place (the DDL reader appends columns).
        if my {
            for c in &added {
                if let Some(after) = &c.position {
                    pieces.push(Piece::Patch {
                        schema: schema.map(str::to_string),
                        table: name.to_string(),
                        patch: Patch::Position {
                            column: c.name.clone(),
                            after: after.clone(),
                        },
                        pos: c.pos,
                    });
                }
            }
        }
        for c in cols.iter().filter(|c| c.alter.is_some()) {
            let (alter_nullable, alter_type) = c.alter.unwrap_or((true, true));
            let ty = column_type(dialect, c, table_has_primary, &mut enum_types, schema)?;
            for e in enum_types.drain(..) {
                pieces.push(Piece::Sql(e, c.pos));
            }
            let col = wrap(dialect, &c.name);
            let default = c
                .default
                .as_ref()
                .map(|d| format_default(dialect, &c.kind, d))
                .filter(|s| !s.is_empty());
            if my {
                // `modify`: MariaDB drops the column's own check with its old definition.
                let def = format!("{ty}{}", modifiers(dialect, c, true, name, &mut extra));
                pieces.push(Piece::Patch {
                    schema: schema.map(str::to_string),
                    table: name.to_string(),
                    patch: Patch::AlterColumn {
                        column: c.name.clone(),
                        type_sql: ty.clone(),
                        default: None,
                        not_null: false,
                        definition: Some(def),
                    },
                    pos: c.pos,
                });
                if let Some(after) = &c.position {
                    pieces.push(Piece::Patch {
                        schema: schema.map(str::to_string),
                        table: name.to_string(),
                        patch: Patch::Position {
                            column: c.name.clone(),
                            after: after.clone(),
                        },
                        pos: c.pos,
                    });
                }
            } else if pg {
                pieces.push(Piece::Sql(
                    format!("alter table {qt} alter column {col} drop default"),
                    c.pos,
                ));
                if alter_nullable {
                    pieces.push(Piece::Sql(
                        format!("alter table {qt} alter column {col} drop not null"),
                        c.pos,
                    ));
                }
                if alter_type {
                    let ty_only = ty.strip_suffix(" primary key").unwrap_or(&ty);
                    pieces.push(Piece::Sql(
                        format!("alter table {qt} alter column {col} type {ty_only}"),
                        c.pos,
                    ));
                }
                if let Some(d) = &default {
                    pieces.push(Piece::Sql(
                        format!("alter table {qt} alter column {col} set default {d}"),
                        c.pos,
                    ));
                }
                if alter_nullable && c.nullable == Some(false) {
                    pieces.push(Piece::Sql(
                        format!("alter table {qt} alter column {col} set not null"),
                        c.pos,
                    ));
                }
                for (i, (pred, n)) in c.checks.iter().enumerate() {
                    let n = n
                        .clone()
                        .unwrap_or_else(|| format!("{name}_{}_{}", c.name, i + 1));
                    extra.push(format!("alter table {qt} add constraint {n} check({pred})"));
                }
            } else {
                pieces.push(Piece::Patch {
                    schema: schema.map(str::to_string),
                    table: name.to_string(),
                    patch: Patch::AlterColumn {
                        column: c.name.clone(),
                        type_sql: ty,
                        default,
                        not_null: c.nullable == Some(false),
                        definition: None,
                    },
                    pos: c.pos,
                });
            }
        }
        if my && let Some(c) = &table_comment {
            pieces.push(Piece::Sql(
                format!("alter table {qt} comment = {}", escape_str(dialect, c)),
                pos,
            ));
        }
        if pg {
            for c in &cols {
                if let Some(cm) = &c.comment {
                    pieces.push(Piece::Sql(
                        comment_sql(dialect, &qt, &c.name, cm.as_deref()),
                        c.pos,
                    ));
                }
            }
            if let Some(c) = &table_comment {
                pieces.push(Piece::Sql(
                    format!("comment on table {qt} is {}", escape_str(dialect, c)),
                    pos,
                ));
            }
        }
    }
    for e in extra.drain(..) {
        pieces.push(Piece::Sql(e, pos));
    }
    // The statements (column-level unique/index/references included), in order.
    for s in &stmts {
        match s {
            Stmt::Column => {}
            Stmt::Foreign(fk, p) => {
                if fk.ref_table.is_empty() || fk.ref_columns.is_empty() {
                    return err(*p, "foreign key without references()/inTable()");
                }
                if pg || my {
                    let n = fk
                        .name
                        .clone()
                        .unwrap_or_else(|| index_name(name, &fk.columns, "foreign"));
                    let mut sql = format!(
                        "alter table {qt} add constraint {} foreign key ({}) references {} ({})",
                        wrap(dialect, &n),
                        columnize(dialect, &fk.columns),
                        wrap(dialect, &fk.ref_table),
                        columnize(dialect, &fk.ref_columns)
                    );
                    if let Some(u) = &fk.on_update {
                        sql.push_str(&format!(" on update {u}"));
                    }
                    if let Some(d) = &fk.on_delete {
                        sql.push_str(&format!(" on delete {d}"));
                    }
                    if let Some(d) = fk.deferrable.as_ref().filter(|_| pg) {
                        sql.push_str(&format!(" deferrable initially {}", d.to_lowercase()));
                    }
                    pieces.push(Piece::Sql(sql, *p));
                } else if !create {
                    pieces.push(Piece::Patch {
                        schema: schema.map(str::to_string),
                        table: name.to_string(),
                        patch: Patch::Foreign(fk.clone()),
                        pos: *p,
                    });
                }
            }
            Stmt::Method(m, a, p) => {
                if let Some(piece) = table_method(dialect, create, schema, name, &qt, m, a, *p)? {
                    pieces.push(piece);
                }
            }
        }
    }
    out.extend(pieces);
    Ok(())
}

fn pk_name(v: Option<&Val>) -> Option<String> {
    match v {
        Some(Val::Str(s)) => Some(s.clone()),
        Some(o @ Val::Obj(_)) => o
            .get("constraintName")
            .and_then(Val::as_str)
            .map(str::to_string),
        _ => None,
    }
}

fn check_pred(dialect: Dialect, a: &[Val]) -> String {
    let sql = a.first().map(Val::to_js_string).unwrap_or_default();
    let b = match a.get(1) {
        Some(Val::Arr(b)) => b.clone(),
        Some(Val::Undef) | Some(Val::Null) | None => Vec::new(),
        Some(v) => vec![v.clone()],
    };
    raw_sql(dialect, &sql, &b)
}

fn comment_sql(dialect: Dialect, qt: &str, col: &str, comment: Option<&str>) -> String {
    let c = match comment {
        Some(c) if !c.is_empty() => escape_str(dialect, c),
        _ => "NULL".into(),
    };
    format!("comment on column {qt}.{} is {c}", wrap(dialect, col))
}

#[allow(clippy::too_many_arguments)]
fn table_method(
    dialect: Dialect,
    create: bool,
    schema: Option<&str>,
    name: &str,
    qt: &str,
    m: &str,
    a: &[Val],
    pos: Pos,
) -> R<Option<Piece>> {
    let pg = dialect == Dialect::Postgres;
    let sql = |s: String| Ok(Some(Piece::Sql(s, pos)));
    let patch = |p: Patch| {
        Ok(Some(Piece::Patch {
            schema: schema.map(str::to_string),
            table: name.to_string(),
            patch: p,
            pos,
        }))
    };
    let cols = str_list(a.first());
    let index_schema = |n: &str| match schema {
        Some(s) if pg => format!("{}.{}", wrap(dialect, s), wrap(dialect, n)),
        _ => wrap(dialect, n),
    };
    if dialect == Dialect::Mysql {
        let nm = |i: usize, kind: &str| {
            a.get(i)
                .and_then(Val::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| index_name(name, &cols, kind))
        };
        return match m {
            "dropColumn" | "dropColumns" => {
                let cols: Vec<String> = a.iter().flat_map(|v| str_list(Some(v))).collect();
                patch(Patch::DropColumns(cols))
            }
            "renameColumn" => {
                let (Some(Val::Str(f)), Some(Val::Str(t))) = (a.first(), a.get(1)) else {
                    return err(pos, "renameColumn needs literal names");
                };
                sql(format!(
                    "alter table {qt} rename column {} to {}",
                    wrap(dialect, f),
                    wrap(dialect, t)
                ))
            }
            "index" => {
                let (kind, using) = match a.get(2) {
                    Some(Val::Str(t)) => (Some(t.clone()), None),
                    Some(o @ Val::Obj(_)) => (
                        o.get("indexType").and_then(Val::as_str).map(str::to_string),
                        o.get("storageEngineIndexType")
                            .and_then(Val::as_str)
                            .map(str::to_string),
                    ),
                    _ => (None, None),
                };
                sql(format!(
                    "alter table {qt} add{} index {}({}){}",
                    kind.map(|k| format!(" {k}")).unwrap_or_default(),
                    wrap(dialect, &nm(1, "index")),
                    columnize(dialect, &cols),
                    using.map(|u| format!(" using {u}")).unwrap_or_default()
                ))
            }
            "unique" => {
                let (n, using) = match a.get(1) {
                    Some(o @ Val::Obj(_)) => (
                        o.get("indexName").and_then(Val::as_str).map(str::to_string),
                        o.get("storageEngineIndexType")
                            .and_then(Val::as_str)
                            .map(str::to_string),
                    ),
                    Some(Val::Str(s)) => (Some(s.clone()), None),
                    _ => (None, None),
                };
                let n = n.unwrap_or_else(|| index_name(name, &cols, "unique"));
                sql(format!(
                    "alter table {qt} add unique {}({}){}",
                    wrap(dialect, &n),
                    columnize(dialect, &cols),
                    using.map(|u| format!(" using {u}")).unwrap_or_default()
                ))
            }
            "dropIndex" => sql(format!(
                "alter table {qt} drop index {}",
                wrap(dialect, &nm(1, "index"))
            )),
            "dropUnique" => sql(format!(
                "alter table {qt} drop index {}",
                wrap(dialect, &nm(1, "unique"))
            )),
            "dropForeign" => sql(format!(
                "alter table {qt} drop foreign key {}",
                wrap(dialect, &nm(1, "foreign"))
            )),
            "primary" if create => Ok(None),
            "primary" => sql(format!(
                "alter table {qt} add primary key ({})",
                columnize(dialect, &cols)
            )),
            "dropPrimary" => sql(format!("alter table {qt} drop primary key")),
            "check" if create => Ok(None),
            "check" => {
                let Some(n) = a.get(2).and_then(Val::as_str) else {
                    return err(
                        pos,
                        "check() in alterTable without a constraint name: Knex 3.3 writes invalid SQL for it",
                    );
                };
                sql(format!(
                    "alter table {qt} add constraint {n} check({})",
                    check_pred(dialect, a)
                ))
            }
            "dropChecks" => {
                let names = str_list(a.first());
                sql(format!(
                    "alter table {qt} {}",
                    names
                        .iter()
                        .map(|n| format!("drop constraint {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            "setNullable" | "dropNullable" => {
                let Some(Val::Str(c)) = a.first() else {
                    return err(pos, format!("{m} needs a literal column"));
                };
                patch(Patch::SetNullable {
                    column: c.clone(),
                    nullable: m == "setNullable",
                })
            }
            other => err(
                pos,
                format!("table builder method `{other}` is not replayed by migrex"),
            ),
        };
    }
    match m {
        "dropColumn" | "dropColumns" => {
            let cols: Vec<String> = a.iter().flat_map(|v| str_list(Some(v))).collect();
            patch(Patch::DropColumns(cols))
        }
        "renameColumn" => {
            let (Some(Val::Str(f)), Some(Val::Str(t))) = (a.first(), a.get(1)) else {
                return err(pos, "renameColumn needs literal names");
            };
            sql(format!(
                "alter table {qt} rename column {} to {}",
                wrap(dialect, f),
                wrap(dialect, t)
            ))
        }
        "index" => {
            let n = a
                .get(1)
                .and_then(Val::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| index_name(name, &cols, "index"));
            let opts = a.get(2);
            let (method, predicate, unique) = match opts {
                Some(Val::Str(s)) => (Some(s.clone()), None, false),
                Some(o @ Val::Obj(_)) => (
                    o.get("storageEngineIndexType")
                        .and_then(Val::as_str)
                        .map(str::to_string),
                    o.get("predicate").cloned(),
                    // Only Knex's PostgreSQL client reads indexType (SQLite's ignores it).
                    pg && o
                        .get("indexType")
                        .and_then(Val::as_str)
                        .is_some_and(|t| t.eq_ignore_ascii_case("unique")),
                ),
                _ => (None, None, false),
            };
            if predicate.is_some() {
                return err(
                    pos,
                    "index predicates (knex.whereX builders) are not replayed; write the index with knex.raw",
                );
            }
            let using = match (&method, pg) {
                (Some(m), true) => format!(" using {m}"),
                _ => String::new(),
            };
            sql(format!(
                "create{} index {} on {qt}{using} ({})",
                if unique { " unique" } else { "" },
                wrap(dialect, &n),
                columnize(dialect, &cols)
            ))
        }
        "unique" => {
            let (n, deferrable, use_constraint, predicate) = match a.get(1) {
                Some(Val::Str(s)) => (Some(s.clone()), None, true, None),
                Some(o @ Val::Obj(_)) => {
                    let d = o
                        .get("deferrable")
                        .and_then(Val::as_str)
                        .map(str::to_string);
                    let p = o.get("predicate").cloned();
                    let uc = match o.get("useConstraint") {
                        Some(v) => v.truthy(),
                        None => d.is_some() || p.is_none(),
                    };
                    (
                        o.get("indexName").and_then(Val::as_str).map(str::to_string),
                        d,
                        uc,
                        p,
                    )
                }
                _ => (None, None, true, None),
            };
            if predicate.is_some() {
                return err(
                    pos,
                    "unique predicates (knex.whereX builders) are not replayed; write the index with knex.raw",
                );
            }
            let n = n.unwrap_or_else(|| index_name(name, &cols, "unique"));
            if pg && use_constraint {
                let d = deferrable
                    .map(|d| format!(" deferrable initially {d}"))
                    .unwrap_or_default();
                sql(format!(
                    "alter table {qt} add constraint {} unique ({}){d}",
                    wrap(dialect, &n),
                    columnize(dialect, &cols)
                ))
            } else {
                sql(format!(
                    "create unique index {} on {qt} ({})",
                    wrap(dialect, &n),
                    columnize(dialect, &cols)
                ))
            }
        }
        "dropIndex" => {
            let n = a
                .get(1)
                .and_then(Val::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| index_name(name, &cols, "index"));
            sql(format!("drop index {}", index_schema(&n)))
        }
        "dropUnique" => {
            let n = a
                .get(1)
                .and_then(Val::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| index_name(name, &cols, "unique"));
            if pg {
                sql(format!(
                    "alter table {qt} drop constraint {}",
                    wrap(dialect, &n)
                ))
            } else {
                sql(format!("drop index {}", wrap(dialect, &n)))
            }
        }
        "dropForeign" => {
            let given = a.get(1).and_then(Val::as_str).map(str::to_string);
            if pg {
                let n = given.unwrap_or_else(|| index_name(name, &cols, "foreign"));
                sql(format!(
                    "alter table {qt} drop constraint {}",
                    wrap(dialect, &n)
                ))
            } else {
                patch(Patch::DropForeign {
                    columns: cols,
                    name: given,
                })
            }
        }
        "primary" => {
            if create {
                return Ok(None);
            }
            let n = pk_name(a.get(1));
            if pg {
                let n = n.unwrap_or_else(|| format!("{name}_pkey"));
                sql(format!(
                    "alter table {qt} add constraint {} primary key ({})",
                    wrap(dialect, &n),
                    columnize(dialect, &cols)
                ))
            } else {
                patch(Patch::Primary {
                    columns: cols,
                    name: n,
                })
            }
        }
        "dropPrimary" => {
            let n = a.first().and_then(Val::as_str).map(str::to_string);
            if pg {
                let n = n.unwrap_or_else(|| format!("{name}_pkey"));
                sql(format!(
                    "alter table {qt} drop constraint {}",
                    wrap(dialect, &n)
                ))
            } else {
                patch(Patch::DropPrimary(n))
            }
        }
        "check" => {
            if create {
                return Ok(None);
            }
            if !pg {
                return err(
                    pos,
                    "Knex cannot add a check constraint to an existing SQLite table",
                );
            }
            let Some(n) = a.get(2).and_then(Val::as_str) else {
                return err(
                    pos,
                    "check() in alterTable without a constraint name: Knex 3.3 writes invalid SQL for it (`\"table\"_1`)",
                );
            };
            sql(format!(
                "alter table {qt} add constraint {n} check({})",
                check_pred(dialect, a)
            ))
        }
        "dropChecks" => {
            let names = str_list(a.first());
            if !pg {
                return err(pos, "Knex cannot drop check constraints on SQLite");
            }
            sql(format!(
                "alter table {qt} {}",
                names
                    .iter()
                    .map(|n| format!("drop constraint {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }
        "setNullable" | "dropNullable" => {
            let Some(Val::Str(c)) = a.first() else {
                return err(pos, format!("{m} needs a literal column"));
            };
            let nullable = m == "setNullable";
            if pg {
                sql(format!(
                    "alter table {qt} alter column {} {}",
                    wrap(dialect, c),
                    if nullable {
                        "drop not null"
                    } else {
                        "set not null"
                    }
                ))
            } else {
                patch(Patch::SetNullable {
                    column: c.clone(),
                    nullable,
                })
            }
        }
        other => err(
            pos,
            format!("table builder method `{other}` is not replayed by migrex"),
        ),
    }
}
