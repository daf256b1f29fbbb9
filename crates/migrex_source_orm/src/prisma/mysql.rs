//! The SQL Prisma's schema engine writes for a schema on MySQL/MariaDB (`migrate diff
//! --from-empty --script`), in the engine's own layout, so the text can be compared with the
//! engine's recorded output.
//!
//! The WASM schema engine that runs here has no MySQL connector ("Unsupported adapter provider:
//! Mysql"), so these rules are ported from prisma-engines' source and checked against the
//! expected SQL its own tests record (see `tests/prisma_read.rs`):
//! - column types: `psl/psl-core/src/builtin_connectors/mysql_datamodel_connector.rs`
//!   (`SCALAR_TYPE_DEFAULTS`: String `VARCHAR(191)`, Int `INTEGER`, BigInt `BIGINT`, Float
//!   `DOUBLE`, Decimal `DECIMAL(65, 30)`, Boolean `TinyInt` rendered `BOOLEAN`, DateTime
//!   `DATETIME(3)`, Json `JSON`, Bytes `LONGBLOB`) and `.../native_types.rs` (the `@db.*` types
//!   and the scalar types each one accepts);
//! - rendering: `schema-engine/connectors/sql-schema-connector/src/flavour/mysql/renderer.rs`
//!   (`render_column_type`, `render_default`: `now()` is `CURRENT_TIMESTAMP(p)` with the
//!   column's precision or 3, JSON and non-`dbgenerated` binary defaults are not written, strings
//!   only double `'`) and `libs/sql-ddl/src/mysql.rs` (`NOT NULL`/`NULL`, `AUTO_INCREMENT`,
//!   `DEFAULT`; indexes and `PRIMARY KEY` inside `CREATE TABLE` with `length` and sort order,
//!   `DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`; foreign keys afterwards with
//!   `ALTER TABLE ... ADD CONSTRAINT`);
//! - inline enums: `sql_schema_calculator_flavour/mysql.rs` (`ENUM('a', 'b')` per column, values
//!   by their `@map` names);
//! - names: `psl/psl-core/src/datamodel_connector/constraint_names.rs` (`<table>_<cols>_key`,
//!   `_idx` for `@@index` and `@@fulltext`, `_fkey`, cut to MySQL's 64 bytes before the
//!   suffix); the primary key is always MySQL's `PRIMARY` (MySQL has no named primary keys, so
//!   psl refuses `map:` on `@id`/`@@id`);
//! - statement order: `psl/parser-database/src/attributes.rs` resolves a model's field
//!   `@unique`s, then `@@index`es, then `@@unique`s, then `@@fulltext`s, the order of the index
//!   clauses; a lone legacy `name:` on `@@index` is its database name;
//! - implicit many-to-many tables: `sql_schema_calculator.rs` (`push_relation_tables`): columns
//!   `A` and `B` typed like the two ids, `UNIQUE INDEX <t>_AB_unique(A, B)` (MySQL keeps the
//!   unique index; only PostgreSQL switched to a primary key), `INDEX <t>_B_index(B)`, foreign
//!   keys `<t>_A_fkey`/`<t>_B_fkey` with `ON DELETE CASCADE ON UPDATE CASCADE`;
//! - `relationMode = "prisma"`: no foreign keys at all (`push_inline_relations` is skipped).
//!
//! MySQL itself adds an index for a foreign key whose columns lead no index, named after the
//! constraint; `migrex_source_sql` models that, so no rule here writes it.

use super::ddl::{
    Ctx, ModelRef, NamedField, Origins, RelationKey, action, check_other_side, column_name,
    columns_of, constraint_name, enum_block, enum_values, err, is_autoincrement, is_model, lit,
    mapped, models, name_list, num_args, relation_key, relation_name, str_arg, uses_foreign_keys,
};
use super::parse::{Arg, Attribute, Field, File, Pos, Value};
use crate::OrmError;
use migrex_model::Dialect;
use std::fmt::Write;

/// MySQL's identifier limit (`Connector::max_identifier_length`).
const MAX_IDENT: usize = 64;

/// What the renderer appends to every `CREATE TABLE`.
const TABLE_OPTIONS: &str = "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";

fn bq(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The scalar types a MySQL native type accepts (`native_types.rs`), its SQL, and how many
/// numeric arguments it takes (`min..=max`).
fn native(kind: &str) -> Option<(&'static [&'static str], &'static str, usize, usize)> {
    const INT: &[&str] = &["Int"];
    const INT_BOOL: &[&str] = &["Int", "Boolean"];
    const BIG: &[&str] = &["BigInt"];
    const STR: &[&str] = &["String"];
    const BYTES: &[&str] = &["Bytes"];
    const DT: &[&str] = &["DateTime"];
    Some(match kind {
        "Int" => (INT, "INTEGER", 0, 0),
        "UnsignedInt" => (INT, "INTEGER UNSIGNED", 0, 0),
        "SmallInt" => (INT, "SMALLINT", 0, 0),
        "UnsignedSmallInt" => (INT, "SMALLINT UNSIGNED", 0, 0),
        "TinyInt" => (INT_BOOL, "TINYINT", 0, 0),
        "UnsignedTinyInt" => (INT_BOOL, "TINYINT UNSIGNED", 0, 0),
        "MediumInt" => (INT, "MEDIUMINT", 0, 0),
        "UnsignedMediumInt" => (INT, "MEDIUMINT UNSIGNED", 0, 0),
        "BigInt" => (BIG, "BIGINT", 0, 0),
        "UnsignedBigInt" => (BIG, "BIGINT UNSIGNED", 0, 0),
        "Decimal" => (&["Decimal"], "DECIMAL", 0, 2),
        "Float" => (&["Float"], "FLOAT", 0, 0),
        "Double" => (&["Float"], "DOUBLE", 0, 0),
        "Bit" => (&["Boolean", "Bytes"], "BIT", 1, 1),
        "Char" => (STR, "CHAR", 1, 1),
        "VarChar" => (STR, "VARCHAR", 1, 1),
        "Binary" => (BYTES, "BINARY", 1, 1),
        "VarBinary" => (BYTES, "VARBINARY", 1, 1),
        "TinyBlob" => (BYTES, "TINYBLOB", 0, 0),
        "Blob" => (BYTES, "BLOB", 0, 0),
        "MediumBlob" => (BYTES, "MEDIUMBLOB", 0, 0),
        "LongBlob" => (BYTES, "LONGBLOB", 0, 0),
        "TinyText" => (STR, "TINYTEXT", 0, 0),
        "Text" => (STR, "TEXT", 0, 0),
        "MediumText" => (STR, "MEDIUMTEXT", 0, 0),
        "LongText" => (STR, "LONGTEXT", 0, 0),
        "Date" => (DT, "DATE", 0, 0),
        "Time" => (DT, "TIME", 0, 1),
        "DateTime" => (DT, "DATETIME", 0, 1),
        "Timestamp" => (DT, "TIMESTAMP", 0, 1),
        "Year" => (INT, "YEAR", 0, 0),
        "Json" => (&["Json"], "JSON", 0, 0),
        _ => return None,
    })
}

/// The column type of a scalar or enum field, and the precision `now()` takes on it.
fn column_type(ctx: &Ctx, file: &File, field: &Field) -> Result<(String, u32), OrmError> {
    let ty = field.ty.as_ref().expect("model fields have types");
    if ty.list {
        return Err(err(
            file,
            ty.pos,
            format!(
                "scalar lists (`{}[]`) are only supported on PostgreSQL",
                ty.name
            ),
        ));
    }
    if let Some(u) = &ty.unsupported {
        return Ok((u.clone(), 3));
    }
    if let Some(n) = field.attributes.iter().find(|a| a.name.starts_with("db.")) {
        if ctx.provider != Dialect::Mysql {
            return Err(err(
                file,
                n.pos,
                format!("native type @{} is not available for mysql", n.name),
            ));
        }
        let kind = &n.name[3..];
        let Some((scalars, sql, min, max)) = native(kind) else {
            return Err(err(
                file,
                n.pos,
                format!("unknown native type @{} for mysql", n.name),
            ));
        };
        if !scalars.contains(&ty.name.as_str()) {
            return Err(err(
                file,
                n.pos,
                format!(
                    "native type @{} is not compatible with type `{}`",
                    n.name, ty.name
                ),
            ));
        }
        let args = num_args(file, n)?;
        if args.len() < min || args.len() > max || (kind == "Decimal" && args.len() == 1) {
            return Err(err(
                file,
                n.pos,
                format!("@{} takes {min} to {max} arguments", n.name),
            ));
        }
        // `render_column_type`: TinyInt on a Boolean is written BOOLEAN; Decimal's arguments
        // are separated by ", ".
        let sql = if kind == "TinyInt" && ty.name == "Boolean" {
            "BOOLEAN".to_string()
        } else if args.is_empty() {
            sql.to_string()
        } else {
            format!("{sql}({})", args.join(", "))
        };
        let precision = match kind {
            "Time" | "DateTime" | "Timestamp" => args.first().and_then(|p| p.parse().ok()),
            _ => None,
        };
        return Ok((sql, precision.unwrap_or(3)));
    }
    let sql = match ty.name.as_str() {
        "String" => "VARCHAR(191)",
        "Int" => "INTEGER",
        "BigInt" => "BIGINT",
        "Float" => "DOUBLE",
        "Decimal" => "DECIMAL(65, 30)",
        "Boolean" => "BOOLEAN",
        "DateTime" => "DATETIME(3)",
        "Json" => "JSON",
        "Bytes" => "LONGBLOB",
        _ => {
            let Some((efile, e)) = enum_block(ctx, &ty.name) else {
                return Err(err(
                    file,
                    ty.pos,
                    format!(
                        "type `{}` is neither a scalar type, a model nor an enum",
                        ty.name
                    ),
                ));
            };
            let values: Vec<String> = enum_values(efile, e)?.iter().map(|v| lit(v)).collect();
            return Ok((format!("ENUM({})", values.join(", ")), 3));
        }
    };
    Ok((sql.to_string(), 3))
}

/// `DEFAULT ...` as `render_default` writes it, or `None` when the engine writes none.
fn default_sql(
    ctx: &Ctx,
    file: &File,
    field: &Field,
    precision: u32,
) -> Result<Option<String>, OrmError> {
    let Some(attr) = field.attribute("default") else {
        return Ok(None);
    };
    let Some(arg) = attr.arg_or_first("value") else {
        return Err(err(file, attr.pos, "@default needs a value".into()));
    };
    let ty = field.ty.as_ref().expect("model fields have types");
    let scalar = ty.name.as_str();
    // `render_column`: no default at all on JSON columns (MySQL cannot have one), and on binary
    // columns only a `dbgenerated` one.
    let dbgenerated = matches!(&arg.value, Value::Call(f, _) if f == "dbgenerated");
    if scalar == "Json" || (scalar == "Bytes" && !dbgenerated) {
        return Ok(None);
    }
    Ok(match &arg.value {
        Value::Str(s) if scalar == "DateTime" => {
            return Err(err(
                file,
                arg.pos,
                format!(
                    "a DateTime literal default (`\"{s}\"`) on MySQL is not read by migrex: use dbgenerated(\"'...'\")"
                ),
            ));
        }
        Value::Str(s) => Some(lit(s)),
        Value::Num(n) if matches!(scalar, "Int" | "BigInt") => {
            Some(n.parse::<i64>().map(|v| v.to_string()).unwrap_or(n.clone()))
        }
        Value::Num(n) => Some(n.clone()),
        Value::Ident(b) if scalar == "Boolean" && (b == "true" || b == "false") => Some(b.clone()),
        Value::Ident(v) => {
            let Some((efile, e)) = enum_block(ctx, scalar) else {
                return Err(err(
                    file,
                    arg.pos,
                    format!("`{v}` is not a value of `{scalar}`"),
                ));
            };
            let Some(ev) = e.fields.iter().find(|f| &f.name == v) else {
                return Err(err(
                    file,
                    arg.pos,
                    format!("`{v}` is not a value of enum `{}`", e.name),
                ));
            };
            Some(lit(mapped(efile, ev.attribute("map"), &ev.name)?))
        }
        Value::Call(f, args) => match f.as_str() {
            "now" => Some(format!("CURRENT_TIMESTAMP({precision})")),
            "autoincrement" | "uuid" | "cuid" | "nanoid" | "ulid" => None,
            "dbgenerated" => match args.first().map(|a| &a.value) {
                Some(Value::Str(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Str(_)) | None => None,
                Some(_) => return Err(err(file, arg.pos, "dbgenerated takes a string".into())),
            },
            other => {
                return Err(err(
                    file,
                    arg.pos,
                    format!("default function `{other}()` is not available on MySQL"),
                ));
            }
        },
        Value::Array(_) => {
            return Err(err(
                file,
                arg.pos,
                "list defaults are only supported on PostgreSQL".into(),
            ));
        }
    })
}

/// One index column as `sql-ddl` renders it: `` `col`(length) ASC|DESC``.
fn index_column(
    file: &File,
    col: &str,
    args: &[Arg],
    allow: &[&str],
    what: &str,
) -> Result<String, OrmError> {
    let mut k = bq(col);
    let mut sort = String::new();
    for arg in args {
        match (arg.name.as_deref(), &arg.value) {
            (Some("map" | "name"), _) => {}
            (Some("length"), Value::Num(n)) if allow.contains(&"length") => {
                write!(k, "({n})").ok();
            }
            (Some("sort"), Value::Ident(s)) if allow.contains(&"sort") && s == "Desc" => {
                sort = " DESC".into();
            }
            (Some("sort"), Value::Ident(s)) if allow.contains(&"sort") && s == "Asc" => {
                sort = " ASC".into();
            }
            (name, _) => {
                return Err(err(
                    file,
                    arg.pos,
                    format!(
                        "argument `{}` is not supported on {what} on MySQL",
                        name.unwrap_or("")
                    ),
                ));
            }
        }
    }
    Ok(k + &sort)
}

/// Refuses `map:` on a primary key: MySQL's is always `PRIMARY` (psl rejects it too).
fn no_pk_name(file: &File, a: &Attribute) -> Result<(), OrmError> {
    match a.arg("map") {
        Some(m) => Err(err(
            file,
            m.pos,
            "MySQL primary keys have no name of their own (always PRIMARY): `map` is not supported here"
                .into(),
        )),
        None => Ok(()),
    }
}

struct ForeignKey {
    name: String,
    table: String,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: &'static str,
    on_update: &'static str,
}

fn cols(v: &[String]) -> String {
    v.iter().map(|c| bq(c)).collect::<Vec<_>>().join(", ")
}

/// The migration Prisma's engine writes for the schema on MySQL, with the origin of each table
/// and column.
pub fn schema_sql(files: &[File], provider: Dialect) -> Result<(String, Origins), OrmError> {
    let ctx = Ctx {
        files,
        dialect: Dialect::Mysql,
        provider,
        default_ns: String::new(),
    };
    let models = models(&ctx)?;
    let fks_on = uses_foreign_keys(files);
    let loc =
        |file: &File, pos: Pos| format!("{}:{}:{}", file.path.display(), pos.line, pos.column);
    let find_model = |name: &str| models.iter().find(|m| m.block.name == name);
    let mut origins: Origins = Vec::new();
    let mut steps: Vec<String> = Vec::new();
    let mut fks: Vec<ForeignKey> = Vec::new();
    // Implicit many-to-many tables in the order their relations are met: (table, A, B).
    let mut implicit: Vec<(String, String, String)> = Vec::new();

    for m in &models {
        let file = m.file;
        origins.push((format!("table {}", m.table), loc(file, m.block.pos)));
        let columns_of = |names: &[NamedField]| columns_of(m, names);
        let mut columns: Vec<String> = Vec::new();
        let mut field_uniques: Vec<String> = Vec::new();
        let mut pk: Vec<String> = Vec::new();
        for field in &m.block.fields {
            let ty = field.ty.as_ref().expect("model fields have types");
            if is_model(&ctx, &ty.name) {
                relation(&ctx, m, field, &models, fks_on, &mut fks, &mut implicit)?;
                continue;
            }
            let col = column_name(file, field)?;
            origins.push((format!("column {}.{col}", m.table), loc(file, field.pos)));
            let (sql_type, precision) = column_type(&ctx, file, field)?;
            let mut def = format!(
                "{} {sql_type}{}",
                bq(col),
                if ty.optional { " NULL" } else { " NOT NULL" }
            );
            if is_autoincrement(field) {
                def.push_str(" AUTO_INCREMENT");
            }
            if let Some(d) = default_sql(&ctx, file, field, precision)? {
                write!(def, " DEFAULT {d}").ok();
            }
            columns.push(def);
            if let Some(a) = field.attribute("id") {
                no_pk_name(file, a)?;
                pk = vec![index_column(
                    file,
                    col,
                    &a.args,
                    &["length", "sort"],
                    "@id",
                )?];
            }
            if let Some(a) = field.attribute("unique") {
                let name = match str_arg(file, a.arg("map"), "map")? {
                    Some(n) => n.to_string(),
                    None => constraint_name(Dialect::Mysql, &m.table, &[col], "key"),
                };
                let key = index_column(file, col, &a.args, &["length", "sort"], "@unique")?;
                field_uniques.push(format!("UNIQUE INDEX {}({key})", bq(&name)));
            }
        }
        if let Some(a) = m.block.attribute("id") {
            no_pk_name(file, a)?;
            let Some(fields) = a.arg_or_first("fields") else {
                return Err(err(file, a.pos, "@@id needs a list of fields".into()));
            };
            let parts = name_list(file, fields)?;
            let names = columns_of(&parts)?;
            pk = parts
                .iter()
                .zip(&names)
                .map(|((_, args, _), c)| {
                    index_column(
                        file,
                        c,
                        args.unwrap_or_default(),
                        &["length", "sort"],
                        "@@id",
                    )
                })
                .collect::<Result<_, _>>()?;
        }
        let mut indexes = field_uniques;
        for kind in ["index", "unique", "fulltext"] {
            for a in m.block.attributes.iter().filter(|a| a.name == kind) {
                indexes.push(block_index(file, m, a, &columns_of)?);
            }
        }
        for a in &m.block.attributes {
            if !matches!(
                a.name.as_str(),
                "id" | "map" | "ignore" | "index" | "unique" | "fulltext"
            ) {
                return Err(err(
                    file,
                    a.pos,
                    format!("block attribute @@{} is not supported on MySQL", a.name),
                ));
            }
        }
        let mut body = columns.join(",\n    ");
        if !indexes.is_empty() || !pk.is_empty() {
            body.push_str(",\n\n    ");
            let mut tail = indexes;
            if !pk.is_empty() {
                tail.push(format!("PRIMARY KEY ({})", pk.join(", ")));
            }
            body.push_str(&tail.join(",\n    "));
        }
        steps.push(format!(
            "-- CreateTable\nCREATE TABLE {} (\n    {body}\n) {TABLE_OPTIONS};\n",
            bq(&m.table)
        ));
    }

    for (table, a, b) in &implicit {
        let id = |model: &str| -> Result<(String, String, &ModelRef), OrmError> {
            let m = find_model(model).expect("resolved above");
            let ids: Vec<&Field> = m
                .block
                .fields
                .iter()
                .filter(|f| f.attribute("id").is_some())
                .collect();
            let [id] = ids.as_slice() else {
                return Err(err(
                    m.file,
                    m.block.pos,
                    format!(
                        "model `{model}` needs a single-field @id for an implicit many-to-many relation"
                    ),
                ));
            };
            let (ty, _) = column_type(&ctx, m.file, id)?;
            Ok((column_name(m.file, id)?.to_string(), ty, m))
        };
        let (a_col, a_ty, a_model) = id(a)?;
        let (b_col, b_ty, b_model) = id(b)?;
        origins.push((
            format!("table {table}"),
            loc(a_model.file, a_model.block.pos),
        ));
        let cut = |n: usize| table.chars().take(MAX_IDENT - n).collect::<String>();
        steps.push(format!(
            "-- CreateTable\nCREATE TABLE {} (\n    `A` {a_ty} NOT NULL,\n    `B` {b_ty} NOT NULL,\n\n    \
             UNIQUE INDEX {}(`A`, `B`),\n    INDEX {}(`B`)\n) {TABLE_OPTIONS};\n",
            bq(table),
            bq(&format!("{}_AB_unique", cut(10))),
            bq(&format!("{}_B_index", cut(8)))
        ));
        if fks_on {
            // `push_relation_tables` names these keys itself so that they never collide.
            let max = MAX_IDENT - "_fkey".len() - 2;
            let short = if table.len() > max {
                &table[..table.floor_char_boundary(max)]
            } else {
                table.as_str()
            };
            for (col, m, ref_col) in [("A", a_model, &a_col), ("B", b_model, &b_col)] {
                fks.push(ForeignKey {
                    name: format!("{short}_{col}_fkey"),
                    table: table.clone(),
                    columns: vec![col.to_string()],
                    ref_table: m.table.clone(),
                    ref_columns: vec![ref_col.clone()],
                    on_delete: "CASCADE",
                    on_update: "CASCADE",
                });
            }
        }
    }

    // The differ adds the foreign keys after every table exists, table by table.
    let order = |t: &str| {
        models
            .iter()
            .position(|m| m.table == t)
            .unwrap_or(models.len() + implicit.iter().position(|i| i.0 == t).unwrap_or(0))
    };
    fks.sort_by_key(|f| order(&f.table));
    for f in &fks {
        steps.push(format!(
            "-- AddForeignKey\nALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {};\n",
            bq(&f.table),
            bq(&f.name),
            cols(&f.columns),
            bq(&f.ref_table),
            cols(&f.ref_columns),
            f.on_delete,
            f.on_update
        ));
    }
    Ok((steps.join("\n"), origins))
}

/// The model's column names for a list of its fields.
type ColumnsOf<'c> = dyn Fn(&[NamedField]) -> Result<Vec<String>, OrmError> + 'c;

/// `@@index`, `@@unique` or `@@fulltext` as an index clause of `CREATE TABLE`.
fn block_index(
    file: &File,
    m: &ModelRef,
    a: &Attribute,
    columns_of: &ColumnsOf,
) -> Result<String, OrmError> {
    let Some(fields) = a.arg_or_first("fields") else {
        return Err(err(
            file,
            a.pos,
            format!("@@{} needs a list of fields", a.name),
        ));
    };
    let parts = name_list(file, fields)?;
    let columns = columns_of(&parts)?;
    for arg in &a.args {
        match arg.name.as_deref() {
            None | Some("fields" | "map") => {}
            Some("name") if a.name != "fulltext" => {}
            Some(other) => {
                return Err(err(
                    file,
                    arg.pos,
                    format!("@@{} argument `{other}` is not supported on MySQL", a.name),
                ));
            }
        }
    }
    // A lone legacy `name:` on `@@index` is the index's database name; on `@@unique` it is
    // only the client's name for the compound key.
    let map = match a.arg("map") {
        None if a.name == "index" => a.arg("name"),
        m => m,
    };
    let (prefix, suffix, allow): (&str, &str, &[&str]) = match a.name.as_str() {
        "unique" => ("UNIQUE ", "key", &["length", "sort"]),
        "fulltext" => ("FULLTEXT ", "idx", &[]),
        _ => ("", "idx", &["length", "sort"]),
    };
    let name = match str_arg(file, map, "map")? {
        Some(n) => n.to_string(),
        None => constraint_name(
            Dialect::Mysql,
            &m.table,
            &columns.iter().map(String::as_str).collect::<Vec<_>>(),
            suffix,
        ),
    };
    let keys = parts
        .iter()
        .zip(&columns)
        .map(|((_, args, _), c)| {
            index_column(
                file,
                c,
                args.unwrap_or_default(),
                allow,
                &format!("@@{}", a.name),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("{prefix}INDEX {}({})", bq(&name), keys.join(", ")))
}

/// A relation field: the side with `fields:` holds a foreign key; a list whose opposite is a
/// list is an implicit many-to-many relation.
fn relation(
    ctx: &Ctx,
    m: &ModelRef,
    field: &Field,
    models: &[ModelRef],
    fks_on: bool,
    fks: &mut Vec<ForeignKey>,
    implicit: &mut Vec<(String, String, String)>,
) -> Result<(), OrmError> {
    let file = m.file;
    let find_model = |name: &str| models.iter().find(|m| m.block.name == name);
    let ty = field.ty.as_ref().expect("model fields have types");
    let rel = field.attribute("relation");
    let Some((rel, fields_arg)) = rel.and_then(|r| r.arg("fields").map(|f| (r, f))) else {
        if !ty.list {
            return check_other_side(ctx, file, m.block, field);
        }
        let rel_name = relation_name(field);
        let Some(other) = find_model(&ty.name) else {
            return Ok(());
        };
        let opposite = other.block.fields.iter().find(|f| {
            f.ty.as_ref().is_some_and(|t| t.name == m.block.name)
                && relation_name(f) == rel_name
                && !(other.block.name == m.block.name && f.name == field.name)
        });
        let Some(opposite) = opposite else {
            return Err(err(
                file,
                field.pos,
                format!(
                    "relation field `{}` has no opposite field in model `{}`",
                    field.name, ty.name
                ),
            ));
        };
        if opposite.ty.as_ref().is_some_and(|t| t.list) {
            let (a, b) = if m.block.name <= other.block.name {
                (m.block.name.clone(), other.block.name.clone())
            } else {
                (other.block.name.clone(), m.block.name.clone())
            };
            let table = format!("_{}", rel_name.unwrap_or_else(|| format!("{a}To{b}")));
            let table: String = table.chars().take(MAX_IDENT).collect();
            if !implicit.iter().any(|i| i.0 == table) {
                implicit.push((table, a, b));
            }
        }
        return Ok(());
    };
    let RelationKey {
        target,
        columns,
        ref_columns,
        optional,
    } = relation_key(m, models, ty, rel, fields_arg)?;
    if !fks_on {
        return Ok(());
    }
    let name = match str_arg(file, rel.arg("map"), "map")? {
        Some(n) => n.to_string(),
        None => constraint_name(
            Dialect::Mysql,
            &m.table,
            &columns.iter().map(String::as_str).collect::<Vec<_>>(),
            "fkey",
        ),
    };
    fks.push(ForeignKey {
        name,
        table: m.table.clone(),
        columns,
        ref_table: target.table.clone(),
        ref_columns,
        on_delete: action(
            file,
            rel.arg("onDelete"),
            if optional { "SET NULL" } else { "RESTRICT" },
        )?,
        on_update: action(file, rel.arg("onUpdate"), "CASCADE")?,
    });
    Ok(())
}
