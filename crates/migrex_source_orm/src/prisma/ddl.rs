//! The SQL Prisma's schema engine writes for a schema (`migrate diff --from-empty`), per
//! provider: the same tables, column types, defaults, and constraint and index names. The
//! reader parses this SQL with `migrex_source_sql`, which normalizes it exactly as the live
//! introspection of the database Prisma builds (checked against the engine in the tests).
//!
//! Ported from prisma-engines: scalar defaults from `psl/psl-core/src/builtin_connectors/*`
//! (`SCALAR_TYPE_DEFAULTS`), names from `ConstraintNames` (`<table>_pkey`, `<table>_<cols>_key`,
//! `<table>_<cols>_idx`, `<table>_<cols>_fkey`, truncated to the database's identifier limit
//! before the suffix), implicit many-to-many tables from `sql_schema_calculator`.

use super::parse::{Arg, Attribute, Block, BlockKind, Field, FieldType, File, Pos, Value};
use crate::OrmError;
use migrex_model::Dialect;
use std::collections::BTreeMap;
use std::fmt::Write;

pub const SCALARS: [&str; 9] = [
    "String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes",
];

/// Where a generated object came from, for provenance (`table public.users` -> file:line:col).
pub type Origins = Vec<(String, String)>;

pub(super) struct Ctx<'a> {
    pub(super) files: &'a [File],
    pub(super) dialect: Dialect,
    pub(super) provider: Dialect,
    pub(super) default_ns: String,
}

pub(super) struct ModelRef<'a> {
    pub(super) file: &'a File,
    pub(super) block: &'a Block,
    pub(super) table: String,
    pub(super) ns: String,
}

pub(super) fn err(file: &File, pos: Pos, msg: String) -> OrmError {
    OrmError::at(&file.path, &file.text, pos.line, pos.column, msg)
}

/// The field `name` of model `m`, named at `pos` of `file` (the file naming it, which for a
/// `references:` list is not the model's own); `what` ends the error ("" or " to reference").
pub(super) fn field_of<'a>(
    m: &ModelRef<'a>,
    name: &str,
    file: &File,
    pos: Pos,
    what: &str,
) -> Result<&'a Field, OrmError> {
    m.block
        .fields
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| {
            err(
                file,
                pos,
                format!("model `{}` has no field `{name}`{what}", m.block.name),
            )
        })
}

/// The foreign key a relation field with `fields:` declares (the same on every database): the
/// referenced model, the local and referenced columns, and whether a local field is optional.
pub(super) struct RelationKey<'m, 'a> {
    pub(super) target: &'m ModelRef<'a>,
    pub(super) columns: Vec<String>,
    pub(super) ref_columns: Vec<String>,
    pub(super) optional: bool,
}

pub(super) fn relation_key<'m, 'a>(
    m: &ModelRef,
    models: &'m [ModelRef<'a>],
    ty: &FieldType,
    rel: &Attribute,
    fields_arg: &Arg,
) -> Result<RelationKey<'m, 'a>, OrmError> {
    let file = m.file;
    let target = models
        .iter()
        .find(|t| t.block.name == ty.name)
        .ok_or_else(|| {
            err(
                file,
                ty.pos,
                format!("model `{}` is ignored or not a table", ty.name),
            )
        })?;
    let Some(refs_arg) = rel.arg("references") else {
        return Err(err(
            file,
            rel.pos,
            "@relation with `fields` needs `references`".into(),
        ));
    };
    let local = name_list(file, fields_arg)?;
    let refs = name_list(file, refs_arg)?;
    if refs.len() != local.len() {
        return Err(err(
            file,
            rel.pos,
            "`fields` and `references` differ in length".into(),
        ));
    }
    let mut columns = Vec::new();
    let mut optional = false;
    for (n, _, pos) in &local {
        let f = field_of(m, n, file, *pos, "")?;
        optional |= f.ty.as_ref().is_some_and(|t| t.optional);
        columns.push(column_name(file, f)?.to_string());
    }
    let mut ref_columns = Vec::new();
    for (r, _, pos) in &refs {
        let f = field_of(target, r, file, *pos, " to reference")?;
        ref_columns.push(column_name(target.file, f)?.to_string());
    }
    Ok(RelationKey {
        target,
        columns,
        ref_columns,
        optional,
    })
}

/// The columns of the fields `names` of model `m`, in order.
pub(super) fn columns_of(m: &ModelRef, names: &[NamedField]) -> Result<Vec<String>, OrmError> {
    names
        .iter()
        .map(|(n, _, pos)| {
            column_name(m.file, field_of(m, n, m.file, *pos, "")?).map(str::to_string)
        })
        .collect()
}

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub(super) fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Prisma's identifier limits (`Connector::max_identifier_length`).
fn max_ident(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Postgres => 63,
        Dialect::Mysql => 64,
        Dialect::Sqlite => 10_000,
    }
}

/// `<table>_<cols>_<suffix>`, the prefix cut to leave room for the suffix (`ConstraintNames`).
pub fn constraint_name(dialect: Dialect, table: &str, columns: &[&str], suffix: &str) -> String {
    let mut base = table.to_string();
    for c in columns {
        base.push('_');
        base.push_str(c);
    }
    let limit = max_ident(dialect).saturating_sub(suffix.len() + 1);
    if base.len() > limit {
        let mut cut = limit;
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        base.truncate(cut);
    }
    format!("{base}_{suffix}")
}

pub(super) fn str_arg<'b>(
    file: &File,
    arg: Option<&'b Arg>,
    what: &str,
) -> Result<Option<&'b str>, OrmError> {
    match arg {
        None => Ok(None),
        Some(a) => match &a.value {
            Value::Str(s) => Ok(Some(s)),
            _ => Err(err(file, a.pos, format!("{what} must be a string"))),
        },
    }
}

/// The database name of a model, field or enum value (`@map`/`@@map`), else its own.
pub(super) fn mapped<'b>(
    file: &File,
    attr: Option<&'b super::parse::Attribute>,
    own: &'b str,
) -> Result<&'b str, OrmError> {
    Ok(match attr {
        Some(a) => str_arg(file, a.arg_or_first("name"), "@map's name")?.unwrap_or(own),
        None => own,
    })
}

/// A field named in a list argument: its name, its arguments (`title(sort: Desc)`), and the
/// argument's position.
pub(super) type NamedField<'b> = (String, Option<&'b [Arg]>, Pos);

/// The `fields: [a, b]` style list of field names in an argument.
pub(super) fn name_list<'b>(file: &File, arg: &'b Arg) -> Result<Vec<NamedField<'b>>, OrmError> {
    let items = match &arg.value {
        Value::Array(items) => items.iter().collect::<Vec<_>>(),
        single => vec![single],
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::Ident(n) => Ok((n.clone(), None, arg.pos)),
            Value::Call(n, args) => Ok((n.clone(), Some(args.as_slice()), arg.pos)),
            _ => Err(err(file, arg.pos, "expected a list of field names".into())),
        })
        .collect()
}

pub(super) fn is_model(ctx: &Ctx, name: &str) -> bool {
    ctx.files
        .iter()
        .flat_map(|f| &f.blocks)
        .any(|b| matches!(b.kind, BlockKind::Model | BlockKind::View) && b.name == name)
}

pub(super) fn enum_block<'a>(ctx: &Ctx<'a>, name: &str) -> Option<(&'a File, &'a Block)> {
    ctx.files.iter().find_map(|f| {
        f.blocks
            .iter()
            .find(|b| b.kind == BlockKind::Enum && b.name == name)
            .map(|b| (f, b))
    })
}

fn block_ns(ctx: &Ctx, file: &File, block: &Block) -> Result<String, OrmError> {
    Ok(match block.attribute("schema") {
        Some(a) if ctx.dialect == Dialect::Postgres => str_arg(file, a.arg(""), "@@schema")?
            .unwrap_or(&ctx.default_ns)
            .to_string(),
        _ => ctx.default_ns.clone(),
    })
}

fn qualified(ctx: &Ctx, ns: &str, name: &str) -> String {
    if ctx.dialect == Dialect::Postgres && ns != ctx.default_ns {
        format!("{}.{}", q(ns), q(name))
    } else {
        q(name)
    }
}

/// The models (tables) of the schema, in file order.
pub(super) fn models<'a>(ctx: &Ctx<'a>) -> Result<Vec<ModelRef<'a>>, OrmError> {
    let mut out = Vec::new();
    for file in ctx.files {
        for block in &file.blocks {
            // `@@ignore` models are left out of the client, not of the database.
            if block.kind != BlockKind::Model {
                continue;
            }
            let table = mapped(file, block.attribute("map"), &block.name)?.to_string();
            let ns = block_ns(ctx, file, block)?;
            out.push(ModelRef {
                file,
                block,
                table,
                ns,
            });
        }
    }
    Ok(out)
}

pub(super) fn column_name<'b>(file: &File, field: &'b Field) -> Result<&'b str, OrmError> {
    mapped(file, field.attribute("map"), &field.name)
}

pub(super) fn num_args(file: &File, a: &super::parse::Attribute) -> Result<Vec<String>, OrmError> {
    a.args
        .iter()
        .map(|arg| match &arg.value {
            Value::Num(n) => Ok(n.clone()),
            _ => Err(err(file, arg.pos, format!("@{} takes numbers", a.name))),
        })
        .collect()
}

/// The SQL type of a scalar or enum field on `ctx.dialect`, and whether it is autoincrement.
fn column_type(ctx: &Ctx, file: &File, field: &Field, serial: bool) -> Result<String, OrmError> {
    let ty = field.ty.as_ref().expect("model fields have types");
    if let Some(u) = &ty.unsupported {
        return Ok(u.clone());
    }
    let native = field.attributes.iter().find(|a| a.name.starts_with("db."));
    let base = if let Some(n) = native {
        if ctx.provider != ctx.dialect || ctx.dialect == Dialect::Sqlite {
            return Err(err(
                file,
                n.pos,
                format!(
                    "native type @{} is not available for {}",
                    n.name, ctx.dialect
                ),
            ));
        }
        let args = num_args(file, n)?;
        let with = |name: &str| {
            if args.is_empty() {
                name.to_string()
            } else {
                format!("{name}({})", args.join(","))
            }
        };
        let kind = &n.name[3..];
        match (ctx.dialect, kind) {
            (Dialect::Postgres, "DoublePrecision") => "DOUBLE PRECISION".into(),
            (Dialect::Postgres, "SmallInt") if serial => "SMALLSERIAL".into(),
            (Dialect::Postgres, "Integer") if serial => "SERIAL".into(),
            (Dialect::Postgres, "BigInt") if serial => "BIGSERIAL".into(),
            (
                Dialect::Postgres,
                "Text" | "Char" | "VarChar" | "Bit" | "VarBit" | "Uuid" | "Xml" | "Inet" | "Citext"
                | "Boolean" | "Integer" | "SmallInt" | "Oid" | "BigInt" | "Real" | "Decimal"
                | "Money" | "Timestamp" | "Timestamptz" | "Date" | "Time" | "Timetz" | "Json"
                | "JsonB" | "ByteA",
            ) => with(&kind.to_ascii_uppercase()),
            _ => {
                return Err(err(
                    file,
                    n.pos,
                    format!("unknown native type @{} for {}", n.name, ctx.dialect),
                ));
            }
        }
    } else if SCALARS.contains(&ty.name.as_str()) {
        let s = ty.name.as_str();
        match ctx.dialect {
            Dialect::Postgres => match s {
                "Int" if serial => "SERIAL",
                "BigInt" if serial => "BIGSERIAL",
                "String" => "TEXT",
                "Int" => "INTEGER",
                "BigInt" => "BIGINT",
                "Float" => "DOUBLE PRECISION",
                "Decimal" => "DECIMAL(65,30)",
                "Boolean" => "BOOLEAN",
                "DateTime" => "TIMESTAMP(3)",
                "Json" => "JSONB",
                _ => "BYTEA",
            },
            Dialect::Sqlite => match s {
                "String" => "TEXT",
                "Int" => "INTEGER",
                "BigInt" => "BIGINT",
                "Float" => "REAL",
                "Decimal" => "DECIMAL",
                "Boolean" => "BOOLEAN",
                "DateTime" => "DATETIME",
                "Json" => "JSONB",
                _ => "BLOB",
            },
            Dialect::Mysql => match s {
                "String" => "VARCHAR(191)",
                "Int" => "INTEGER",
                "BigInt" => "BIGINT",
                "Float" => "DOUBLE",
                "Decimal" => "DECIMAL(65,30)",
                "Boolean" => "BOOLEAN",
                "DateTime" => "DATETIME(3)",
                "Json" => "JSON",
                _ => "LONGBLOB",
            },
        }
        .to_string()
    } else if let Some((efile, e)) = enum_block(ctx, &ty.name) {
        match ctx.dialect {
            Dialect::Postgres => {
                let name = mapped(efile, e.attribute("map"), &e.name)?;
                qualified(ctx, &block_ns(ctx, efile, e)?, name)
            }
            Dialect::Sqlite => "TEXT".into(),
            Dialect::Mysql => {
                let values = enum_values(efile, e)?;
                format!(
                    "ENUM({})",
                    values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ")
                )
            }
        }
    } else {
        return Err(err(
            file,
            ty.pos,
            format!(
                "type `{}` is neither a scalar type, a model nor an enum",
                ty.name
            ),
        ));
    };
    if ty.list {
        if ctx.dialect != Dialect::Postgres {
            return Err(err(
                file,
                ty.pos,
                format!(
                    "scalar lists (`{}[]`) are only supported on PostgreSQL",
                    ty.name
                ),
            ));
        }
        return Ok(format!("{base}[]"));
    }
    Ok(base)
}

pub(super) fn enum_values(file: &File, e: &Block) -> Result<Vec<String>, OrmError> {
    e.fields
        .iter()
        .map(|v| mapped(file, v.attribute("map"), &v.name).map(str::to_string))
        .collect()
}

/// `DEFAULT ...` for a field, or `None` (client-side defaults: uuid(), cuid(), ...).
fn default_sql(ctx: &Ctx, file: &File, field: &Field) -> Result<Option<String>, OrmError> {
    let Some(attr) = field.attribute("default") else {
        return Ok(None);
    };
    let Some(arg) = attr.arg_or_first("value") else {
        return Err(err(file, attr.pos, "@default needs a value".into()));
    };
    let ty = field.ty.as_ref().expect("model fields have types");
    let value = |v: &Value| -> Result<Option<String>, OrmError> {
        Ok(match v {
            Value::Str(s) => Some(lit(s)),
            Value::Num(n) => Some(n.clone()),
            Value::Ident(b) if b == "true" || b == "false" => Some(b.clone()),
            Value::Ident(v) => {
                let Some((efile, e)) = enum_block(ctx, &ty.name) else {
                    return Err(err(
                        file,
                        arg.pos,
                        format!("`{v}` is not a value of `{}`", ty.name),
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
                "now" => Some("CURRENT_TIMESTAMP".into()),
                "autoincrement" | "uuid" | "cuid" | "nanoid" | "ulid" | "sequence" => None,
                "dbgenerated" => match args.first().map(|a| &a.value) {
                    Some(Value::Str(s)) => Some(s.clone()),
                    None => None,
                    Some(_) => return Err(err(file, arg.pos, "dbgenerated takes a string".into())),
                },
                other => {
                    return Err(err(
                        file,
                        arg.pos,
                        format!("unknown default function `{other}()`"),
                    ));
                }
            },
            Value::Array(_) => {
                return Err(err(file, arg.pos, "nested lists are not defaults".into()));
            }
        })
    };
    match &arg.value {
        Value::Array(items) => {
            if !ty.list {
                return Err(err(
                    file,
                    arg.pos,
                    "a list default on a field that is not a list".into(),
                ));
            }
            let parts = items
                .iter()
                .map(|v| value(v).map(|x| x.unwrap_or_default()))
                .collect::<Result<Vec<_>, _>>()?;
            let base = column_type(ctx, file, field, false)?;
            Ok(Some(format!("ARRAY[{}]::{base}", parts.join(", "))))
        }
        v => value(v),
    }
}

pub(super) fn is_autoincrement(field: &Field) -> bool {
    field
        .attribute("default")
        .and_then(|a| a.arg_or_first("value"))
        .is_some_and(|a| matches!(&a.value, Value::Call(f, _) if f == "autoincrement"))
}

/// A relation field's opposite field in the other model.
pub(super) fn relation_name(field: &Field) -> Option<String> {
    let a = field.attribute("relation")?;
    a.arg_or_first("name")
        .and_then(|a| a.value.as_str().map(str::to_string))
}

struct Fk {
    name: String,
    columns: Vec<String>,
    ref_table: String,
    ref_columns: Vec<String>,
    on_delete: &'static str,
    on_update: &'static str,
}

pub(super) fn action(
    file: &File,
    arg: Option<&Arg>,
    default: &'static str,
) -> Result<&'static str, OrmError> {
    let Some(arg) = arg else { return Ok(default) };
    Ok(match &arg.value {
        Value::Ident(a) => match a.as_str() {
            "Cascade" => "CASCADE",
            "Restrict" => "RESTRICT",
            "NoAction" => "NO ACTION",
            "SetNull" => "SET NULL",
            "SetDefault" => "SET DEFAULT",
            other => {
                return Err(err(
                    file,
                    arg.pos,
                    format!("unknown referential action `{other}`"),
                ));
            }
        },
        _ => return Err(err(file, arg.pos, "expected a referential action".into())),
    })
}

/// A relation field without `fields`: the other side must hold the foreign key, which only a
/// singular field with `fields` can (Prisma's "bad relation" errors, at this field).
pub(super) fn check_other_side(
    ctx: &Ctx,
    file: &File,
    model: &Block,
    field: &Field,
) -> Result<(), OrmError> {
    let ty = field.ty.as_ref().expect("model fields have types");
    let name = relation_name(field);
    let other = ctx
        .files
        .iter()
        .flat_map(|f| &f.blocks)
        .find(|b| b.kind == BlockKind::Model && b.name == ty.name);
    let opposite = other.and_then(|o| {
        o.fields.iter().find(|f| {
            f.ty.as_ref().is_some_and(|t| t.name == model.name)
                && relation_name(f) == name
                && !(o.name == model.name && f.name == field.name)
        })
    });
    let msg = match opposite {
        None => format!(
            "relation field `{}` has no opposite relation field in model `{}`",
            field.name, ty.name
        ),
        Some(o) if o.ty.as_ref().is_some_and(|t| t.list) => format!(
            "relation field `{}` must say `fields` and `references`: the other side, `{}.{}`, is a list",
            field.name, ty.name, o.name
        ),
        Some(o)
            if o.attribute("relation")
                .and_then(|r| r.arg("fields"))
                .is_none() =>
        {
            format!(
                "neither side of the one-to-one relation between `{}` and `{}` says `fields` and `references`",
                model.name, ty.name
            )
        }
        Some(_) => return Ok(()),
    };
    Err(err(file, field.pos, msg))
}

/// The SQL for the whole schema, with the origin of each table and column.
pub fn schema_sql(
    files: &[File],
    provider: Dialect,
    dialect: Dialect,
) -> Result<(String, Origins), OrmError> {
    let ctx = Ctx {
        files,
        dialect,
        provider,
        default_ns: if dialect == Dialect::Postgres {
            "public".into()
        } else {
            String::new()
        },
    };
    let models = models(&ctx)?;
    let fks_on = uses_foreign_keys(files);
    let loc =
        |file: &File, pos: Pos| format!("{}:{}:{}", file.path.display(), pos.line, pos.column);
    let mut origins: Origins = Vec::new();
    let mut out = String::new();
    let mut indexes = String::new();
    let mut fks = String::new();

    // Namespaces other than public (multiSchema).
    if dialect == Dialect::Postgres {
        let mut seen = std::collections::BTreeSet::new();
        for m in &models {
            if m.ns != ctx.default_ns && seen.insert(m.ns.clone()) {
                writeln!(out, "CREATE SCHEMA IF NOT EXISTS {};\n", q(&m.ns)).ok();
            }
        }
        for file in files {
            for e in file.blocks.iter().filter(|b| b.kind == BlockKind::Enum) {
                let name = mapped(file, e.attribute("map"), &e.name)?;
                let ns = block_ns(&ctx, file, e)?;
                if ns != ctx.default_ns && seen.insert(ns.clone()) {
                    writeln!(out, "CREATE SCHEMA IF NOT EXISTS {};\n", q(&ns)).ok();
                }
                let values = enum_values(file, e)?;
                writeln!(
                    out,
                    "CREATE TYPE {} AS ENUM ({});\n",
                    qualified(&ctx, &ns, name),
                    values.iter().map(|v| lit(v)).collect::<Vec<_>>().join(", ")
                )
                .ok();
                let qn = format!("{ns}.{name}");
                origins.push((format!("enum {qn}"), loc(file, e.pos)));
            }
        }
    }

    let find_model = |name: &str| models.iter().find(|m| m.block.name == name);
    let qn_key = |m: &ModelRef| {
        if m.ns.is_empty() {
            m.table.clone()
        } else {
            format!("{}.{}", m.ns, m.table)
        }
    };

    // Implicit many-to-many relations, by relation table name.
    let mut implicit: BTreeMap<String, (String, String)> = BTreeMap::new();

    for m in &models {
        let file = m.file;
        origins.push((format!("table {}", qn_key(m)), loc(file, m.block.pos)));
        let mut cols: Vec<String> = Vec::new();
        let mut pk: Option<(Option<String>, Vec<String>)> = None;
        let mut inline_pk_col: Option<String> = None;
        let mut table_fks: Vec<Fk> = Vec::new();
        let columns_of = |names: &[NamedField]| columns_of(m, names);
        let id_fields: Vec<&Field> = m
            .block
            .fields
            .iter()
            .filter(|f| f.attribute("id").is_some())
            .collect();
        let block_id = m.block.attribute("id");
        let single_autoinc_pk =
            block_id.is_none() && id_fields.len() == 1 && is_autoincrement(id_fields[0]);

        for field in &m.block.fields {
            let ty = field.ty.as_ref().expect("model fields have types");
            if is_model(&ctx, &ty.name) {
                // Relation field: the side with `fields:` holds the foreign key.
                let rel = field.attribute("relation");
                let Some((rel, fields_arg)) = rel.and_then(|r| r.arg("fields").map(|f| (r, f)))
                else {
                    if !ty.list {
                        check_other_side(&ctx, file, m.block, field)?;
                    }
                    continue;
                };
                let RelationKey {
                    target,
                    columns,
                    ref_columns,
                    optional,
                } = relation_key(m, &models, ty, rel, fields_arg)?;
                let name = match str_arg(file, rel.arg("map"), "map")? {
                    Some(n) => n.to_string(),
                    None => constraint_name(
                        dialect,
                        &m.table,
                        &columns.iter().map(String::as_str).collect::<Vec<_>>(),
                        "fkey",
                    ),
                };
                // relationMode = "prisma": the client emulates relations, no foreign keys.
                if !fks_on {
                    continue;
                }
                table_fks.push(Fk {
                    name,
                    columns,
                    ref_table: qualified(&ctx, &target.ns, &target.table),
                    ref_columns,
                    on_delete: action(
                        file,
                        rel.arg("onDelete"),
                        if optional { "SET NULL" } else { "RESTRICT" },
                    )?,
                    on_update: action(file, rel.arg("onUpdate"), "CASCADE")?,
                });
                continue;
            }
            if ty.list && is_model(&ctx, &ty.name) {
                continue;
            }
            let col = column_name(file, field)?;
            origins.push((format!("column {}.{col}", qn_key(m)), loc(file, field.pos)));
            let serial = is_autoincrement(field);
            let mut def = format!(
                "{} {}",
                q(col),
                column_type(&ctx, file, field, serial && dialect == Dialect::Postgres)?
            );
            // Scalar lists are nullable columns whatever the field says (the engine's rule).
            if !ty.optional && !ty.list {
                def.push_str(" NOT NULL");
            }
            // SQLite allows AUTOINCREMENT on INTEGER only: a BigInt id is a plain BIGINT key.
            let autoinc_here =
                single_autoinc_pk && field.attribute("id").is_some() && ty.name == "Int";
            if dialect == Dialect::Sqlite && field.attribute("id").is_some() && block_id.is_none() {
                def.push_str(" PRIMARY KEY");
                if autoinc_here {
                    def.push_str(" AUTOINCREMENT");
                }
                inline_pk_col = Some(col.to_string());
            }
            if dialect == Dialect::Mysql && serial {
                def.push_str(" AUTO_INCREMENT");
            }
            if let Some(d) = default_sql(&ctx, file, field)? {
                write!(def, " DEFAULT {d}").ok();
            }
            cols.push(def);
            if let Some(a) = field.attribute("id") {
                let name = str_arg(file, a.arg("map"), "map")?.map(str::to_string);
                pk = Some((name, vec![col.to_string()]));
            }
            if let Some(a) = field.attribute("unique") {
                let name = match str_arg(file, a.arg("map"), "map")? {
                    Some(n) => n.to_string(),
                    None => constraint_name(dialect, &m.table, &[col], "key"),
                };
                writeln!(
                    indexes,
                    "CREATE UNIQUE INDEX {} ON {}({});\n",
                    q(&name),
                    qualified(&ctx, &m.ns, &m.table),
                    q(col)
                )
                .ok();
            }
        }
        if let Some(a) = block_id {
            let Some(fields) = a.arg_or_first("fields") else {
                return Err(err(file, a.pos, "@@id needs a list of fields".into()));
            };
            let columns = columns_of(&name_list(file, fields)?)?;
            let name = str_arg(file, a.arg("map"), "map")?.map(str::to_string);
            pk = Some((name, columns));
        }
        // psl resolves `@@index` attributes before `@@unique` ones (after field `@unique`s):
        // that order is the engine's statement order, which SQLite keeps.
        let block_indexes = m.block.attributes.iter().filter(|a| a.name != "unique");
        let block_uniques = m.block.attributes.iter().filter(|a| a.name == "unique");
        for a in block_indexes.chain(block_uniques) {
            let (unique, suffix) = match a.name.as_str() {
                "unique" => (true, "key"),
                "index" => (false, "idx"),
                "id" | "map" | "schema" | "ignore" => continue,
                "fulltext" => {
                    return Err(err(
                        file,
                        a.pos,
                        "@@fulltext indexes are MySQL/MongoDB only".into(),
                    ));
                }
                other => {
                    return Err(err(
                        file,
                        a.pos,
                        format!("unknown block attribute @@{other}"),
                    ));
                }
            };
            let Some(fields) = a.arg_or_first("fields") else {
                return Err(err(
                    file,
                    a.pos,
                    format!("@@{} needs a list of fields", a.name),
                ));
            };
            let parts = name_list(file, fields)?;
            let columns = columns_of(&parts)?;
            // `name:` is the client's name for a compound key; only `map:` names the index,
            // except on `@@index`, where psl reads a lone legacy `name:` as `map:`.
            let map = match a.arg("map") {
                None if a.name == "index" => a.arg("name"),
                m => m,
            };
            let name = match str_arg(file, map, "map")? {
                Some(n) => n.to_string(),
                None => constraint_name(
                    dialect,
                    &m.table,
                    &columns.iter().map(String::as_str).collect::<Vec<_>>(),
                    suffix,
                ),
            };
            // The access method (`type: Hash`), PostgreSQL only; anything else Prisma accepts
            // there (`clustered:` is SQL Server's) changes nothing here or is refused.
            let mut using = String::new();
            for arg in &a.args {
                match (arg.name.as_deref(), &arg.value) {
                    (None | Some("fields" | "map" | "name"), _) => {}
                    (Some("type"), Value::Ident(t)) if dialect == Dialect::Postgres && !unique => {
                        let method = match t.as_str() {
                            "BTree" => "BTREE",
                            "Hash" => "HASH",
                            "Gin" => "GIN",
                            "Gist" => "GIST",
                            "SpGist" => "SPGIST",
                            "Brin" => "BRIN",
                            other => {
                                return Err(err(
                                    file,
                                    arg.pos,
                                    format!("unknown index type `{other}`"),
                                ));
                            }
                        };
                        using = format!(" USING {method}");
                    }
                    (Some(other), _) => {
                        return Err(err(
                            file,
                            arg.pos,
                            format!("index argument `{other}` is not supported on {dialect}"),
                        ));
                    }
                }
            }
            let mut keys = Vec::new();
            for ((_, args, _), col) in parts.iter().zip(&columns) {
                let mut k = q(col);
                for arg in args.unwrap_or_default() {
                    match (arg.name.as_deref(), &arg.value) {
                        (Some("sort"), Value::Ident(s)) if s == "Desc" => k.push_str(" DESC"),
                        (Some("sort"), Value::Ident(s)) if s == "Asc" => {}
                        (Some("length"), Value::Num(n)) if dialect == Dialect::Mysql => {
                            k = format!("{}({n})", q(col));
                        }
                        _ => {
                            // Operator classes (`ops:`) and the like: not read yet, refused
                            // rather than read into a different index.
                            return Err(err(
                                file,
                                arg.pos,
                                format!(
                                    "index argument `{}` is not supported on {dialect}",
                                    arg.name.as_deref().unwrap_or("")
                                ),
                            ));
                        }
                    }
                }
                keys.push(k);
            }
            writeln!(
                indexes,
                "CREATE {}INDEX {} ON {}{using}({});\n",
                if unique { "UNIQUE " } else { "" },
                q(&name),
                qualified(&ctx, &m.ns, &m.table),
                keys.join(", ")
            )
            .ok();
        }
        // Implicit many-to-many: a list relation whose opposite is a list too.
        for field in &m.block.fields {
            let ty = field.ty.as_ref().expect("model fields have types");
            if !ty.list || !is_model(&ctx, &ty.name) {
                continue;
            }
            let rel = relation_name(field);
            let Some(other) = find_model(&ty.name) else {
                continue;
            };
            let opposite = other.block.fields.iter().find(|f| {
                f.ty.as_ref().is_some_and(|t| t.name == m.block.name)
                    && relation_name(f) == rel
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
            if !opposite.ty.as_ref().is_some_and(|t| t.list) {
                continue;
            }
            let (a, b) = if m.block.name <= other.block.name {
                (m.block.name.clone(), other.block.name.clone())
            } else {
                (other.block.name.clone(), m.block.name.clone())
            };
            let table = format!("_{}", rel.unwrap_or_else(|| format!("{a}To{b}")));
            implicit.entry(table).or_insert((a, b));
        }
        if dialect == Dialect::Sqlite
            && let Some((name, columns)) = &pk
            && inline_pk_col.is_none()
        {
            let quoted: Vec<String> = columns.iter().map(|c| q(c)).collect();
            match name {
                Some(n) => cols.push(format!(
                    "CONSTRAINT {} PRIMARY KEY ({})",
                    q(n),
                    quoted.join(", ")
                )),
                None => cols.push(format!("PRIMARY KEY ({})", quoted.join(", "))),
            }
        } else if dialect != Dialect::Sqlite
            && let Some((name, columns)) = &pk
        {
            let quoted: Vec<String> = columns.iter().map(|c| q(c)).collect();
            let name = name
                .clone()
                .unwrap_or_else(|| constraint_name(dialect, &m.table, &[], "pkey"));
            cols.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                q(&name),
                quoted.join(",")
            ));
        }
        for fk in &table_fks {
            let sql = format!(
                "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {}",
                q(&fk.name),
                fk.columns
                    .iter()
                    .map(|c| q(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                fk.ref_table,
                fk.ref_columns
                    .iter()
                    .map(|c| q(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                fk.on_delete,
                fk.on_update
            );
            if dialect == Dialect::Sqlite {
                cols.push(sql);
            } else {
                writeln!(
                    fks,
                    "ALTER TABLE {} ADD {sql};\n",
                    qualified(&ctx, &m.ns, &m.table)
                )
                .ok();
            }
        }
        writeln!(
            out,
            "CREATE TABLE {} (\n    {}\n);\n",
            qualified(&ctx, &m.ns, &m.table),
            cols.join(",\n    ")
        )
        .ok();
    }

    for (table, (a, b)) in &implicit {
        let id_col = |model: &str| -> Result<(String, String, &ModelRef), OrmError> {
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
            let ty = column_type(&ctx, m.file, id, false)?;
            Ok((column_name(m.file, id)?.to_string(), ty, m))
        };
        let (a_col, a_ty, a_model) = id_col(a)?;
        let (b_col, b_ty, b_model) = id_col(b)?;
        // The join table lives with model A (multiSchema).
        let ns = a_model.ns.clone();
        let tq = qualified(&ctx, &ns, table);
        origins.push((
            format!(
                "table {}",
                if ns.is_empty() {
                    table.clone()
                } else {
                    format!("{ns}.{table}")
                }
            ),
            loc(a_model.file, a_model.block.pos),
        ));
        let fk = |col: &str, m: &ModelRef, ref_col: &str| {
            format!(
                "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE CASCADE ON UPDATE CASCADE",
                q(&constraint_name(dialect, table, &[col], "fkey")),
                q(col),
                qualified(&ctx, &m.ns, &m.table),
                q(ref_col)
            )
        };
        let mut cols = vec![
            format!("\"A\" {a_ty} NOT NULL"),
            format!("\"B\" {b_ty} NOT NULL"),
        ];
        if dialect == Dialect::Sqlite {
            if fks_on {
                cols.push(fk("A", a_model, &a_col));
                cols.push(fk("B", b_model, &b_col));
            }
            writeln!(
                indexes,
                "CREATE UNIQUE INDEX {} ON {tq}(\"A\", \"B\");\n",
                q(&constraint_name(dialect, table, &["AB"], "unique"))
            )
            .ok();
        } else {
            cols.push(format!(
                "CONSTRAINT {} PRIMARY KEY (\"A\",\"B\")",
                q(&constraint_name(dialect, table, &["AB"], "pkey"))
            ));
            if fks_on {
                writeln!(fks, "ALTER TABLE {tq} ADD {};\n", fk("A", a_model, &a_col)).ok();
                writeln!(fks, "ALTER TABLE {tq} ADD {};\n", fk("B", b_model, &b_col)).ok();
            }
        }
        writeln!(
            indexes,
            "CREATE INDEX {} ON {tq}(\"B\");\n",
            q(&constraint_name(dialect, table, &["B"], "index"))
        )
        .ok();
        writeln!(
            out,
            "CREATE TABLE {tq} (\n    {}\n);\n",
            cols.join(",\n    ")
        )
        .ok();
    }
    out.push_str(&indexes);
    out.push_str(&fks);
    Ok((out, origins))
}

/// The provider of the `datasource` block, if any, with its position.
pub fn provider(files: &[File]) -> Option<(String, &File, Pos)> {
    files.iter().find_map(|f| {
        let ds = f.blocks.iter().find(|b| b.kind == BlockKind::Datasource)?;
        let p = ds.fields.iter().find(|e| e.name == "provider")?;
        match &p.value {
            Some(Value::Str(s)) => Some((s.clone(), f, p.pos)),
            _ => None,
        }
    })
}

/// Whether the datasource's `relationMode` (formerly `referentialIntegrity`) leaves relations
/// to the database: `"prisma"` emulates them in the client, and the schema engine then writes no
/// foreign keys at all (`sql_schema_calculator`: `push_inline_relations` and the join tables'
/// keys only when `relation_mode().uses_foreign_keys()`).
pub fn uses_foreign_keys(files: &[File]) -> bool {
    !files
        .iter()
        .flat_map(|f| &f.blocks)
        .filter(|b| b.kind == BlockKind::Datasource)
        .flat_map(|b| &b.fields)
        .any(|e| {
            matches!(e.name.as_str(), "relationMode" | "referentialIntegrity")
                && matches!(&e.value, Some(Value::Str(s)) if s == "prisma")
        })
}

/// The dialect a datasource provider names.
pub fn provider_dialect(provider: &str) -> Option<Dialect> {
    match provider {
        "postgresql" | "postgres" => Some(Dialect::Postgres),
        "sqlite" => Some(Dialect::Sqlite),
        "mysql" => Some(Dialect::Mysql),
        _ => None,
    }
}

/// Checks every field type names a scalar, an enum or a model (before generating SQL, so the
/// error points at the field whatever the order of blocks).
pub fn check_types(files: &[File]) -> Result<(), OrmError> {
    let known: std::collections::HashSet<&str> = files
        .iter()
        .flat_map(|f| &f.blocks)
        .filter(|b| {
            matches!(
                b.kind,
                BlockKind::Model | BlockKind::View | BlockKind::Enum | BlockKind::Type
            )
        })
        .map(|b| b.name.as_str())
        .collect();
    for file in files {
        for block in file
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Model | BlockKind::View))
        {
            for field in &block.fields {
                let ty = field.ty.as_ref().expect("model fields have types");
                if ty.unsupported.is_none()
                    && !SCALARS.contains(&ty.name.as_str())
                    && !known.contains(ty.name.as_str())
                {
                    return Err(err(
                        file,
                        ty.pos,
                        format!(
                            "type `{}` is neither a scalar type, a model nor an enum",
                            ty.name
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}
