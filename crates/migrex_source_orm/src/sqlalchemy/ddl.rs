//! `Base.metadata.create_all(engine)` ported: the DDL SQLAlchemy 2.1 emits for the models on
//! a dialect (type compilation of each dialect's type compiler, naming conventions of
//! `sqlalchemy.sql.naming` with the compiler's truncation, SERIAL for the autoincrement column on
//! PostgreSQL, CREATE TYPE for native enums). The script is read back by migrex's DDL reader,
//! which names unnamed constraints the way each database does.

use super::model::*;
use md5::{Digest, Md5};
use migrex_model::Dialect;

/// SQLAlchemy dialects' `max_identifier_length` (`max_index_name_length` /
/// `max_constraint_name_length` for MySQL); SQLite uses the default dialect's 9999.
pub fn max_identifier_length(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Postgres => 63,
        Dialect::Mysql => 64,
        Dialect::Sqlite => 9999,
    }
}

/// A DDL problem at a model position (a type the dialect cannot compile, a name too long).
#[derive(Debug)]
pub struct DdlError {
    pub location: String,
    pub message: String,
}

fn err(location: &str, message: impl Into<String>) -> DdlError {
    DdlError {
        location: location.to_string(),
        message: message.into(),
    }
}

/// `IdentifierPreparer.quote`: always quoted here (quoting never changes a lower-case name and
/// keeps any other exactly as SQLAlchemy's own quoting does).
pub fn quote(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

fn qtable(dialect: Dialect, t: &TableDef) -> String {
    match (&t.schema, dialect) {
        (Some(s), Dialect::Postgres | Dialect::Mysql) => {
            format!("{}.{}", quote(dialect, s), quote(dialect, &t.name))
        }
        _ => quote(dialect, &t.name),
    }
}

fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The dialect's type compiler.
pub fn type_sql(ty: &SaType, dialect: Dialect) -> Result<String, String> {
    use Dialect::*;
    Ok(match ty {
        SaType::Integer => "INTEGER".into(),
        SaType::BigInteger => "BIGINT".into(),
        SaType::SmallInteger => "SMALLINT".into(),
        SaType::String(Some(n)) => format!("VARCHAR({n})"),
        SaType::String(None) => {
            if dialect == Mysql {
                return Err(
                    "VARCHAR requires a length on dialect mysql: give String(length)".into(),
                );
            }
            "VARCHAR".into()
        }
        SaType::Char(Some(n)) => format!("CHAR({n})"),
        SaType::Char(None) => "CHAR".into(),
        SaType::Text => "TEXT".into(),
        SaType::Boolean => match dialect {
            Mysql => "BOOL".into(),
            _ => "BOOLEAN".into(),
        },
        SaType::Float(None) => "FLOAT".into(),
        SaType::Float(Some(p)) => format!("FLOAT({p})"),
        SaType::Real => "REAL".into(),
        SaType::Double => match dialect {
            Postgres => "DOUBLE PRECISION".into(),
            _ => "DOUBLE".into(),
        },
        SaType::Numeric {
            precision,
            scale,
            decimal,
        } => {
            let n = if *decimal { "DECIMAL" } else { "NUMERIC" };
            match (precision, scale) {
                (Some(p), Some(s)) => format!("{n}({p}, {s})"),
                (Some(p), None) => format!("{n}({p})"),
                _ => n.into(),
            }
        }
        SaType::DateTime { timezone } => match dialect {
            Postgres => tz("TIMESTAMP", *timezone),
            _ => "DATETIME".into(),
        },
        SaType::Timestamp { timezone } => match dialect {
            Postgres => tz("TIMESTAMP", *timezone),
            _ => "TIMESTAMP".into(),
        },
        SaType::Date => "DATE".into(),
        SaType::Time { timezone } => match dialect {
            Postgres => tz("TIME", *timezone),
            _ => "TIME".into(),
        },
        SaType::Interval => match dialect {
            Postgres => "INTERVAL".into(),
            _ => "DATETIME".into(),
        },
        SaType::LargeBinary => match dialect {
            Postgres => "BYTEA".into(),
            _ => "BLOB".into(),
        },
        SaType::Json => "JSON".into(),
        SaType::Jsonb => match dialect {
            Postgres => "JSONB".into(),
            _ => return Err("JSONB is a PostgreSQL type".into()),
        },
        // SQLAlchemy uses a native uuid where the server has one: PostgreSQL, and MariaDB
        // 10.7+ (the MySQL flavor migrex models); MySQL 8 and SQLite get CHAR(32).
        SaType::Uuid => match dialect {
            Postgres | Mysql => "UUID".into(),
            _ => "CHAR(32)".into(),
        },
        SaType::Enum(e) => {
            if e.native && dialect == Postgres {
                match &e.name {
                    Some(n) => quote(dialect, n),
                    None => {
                        return Err(
                            "PostgreSQL ENUM type requires a name (Enum(..., name=...))".into()
                        );
                    }
                }
            } else if e.native && dialect == Mysql {
                format!(
                    "ENUM({})",
                    e.values
                        .iter()
                        .map(|v| sql_str(v))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            } else {
                format!("VARCHAR({})", enum_length(e))
            }
        }
        SaType::Array(inner) => match dialect {
            Postgres => format!("{}[]", type_sql(inner, dialect)?),
            _ => return Err("ARRAY is a PostgreSQL type".into()),
        },
    })
}

/// `Enum._enum_init`: the longest value, unless `length=` is given.
pub fn enum_length(e: &EnumDef) -> u32 {
    e.length.unwrap_or_else(|| {
        e.values
            .iter()
            .map(|v| v.chars().count() as u32)
            .max()
            .unwrap_or(0)
    })
}

fn tz(base: &str, timezone: bool) -> String {
    format!(
        "{base} {} TIME ZONE",
        if timezone { "WITH" } else { "WITHOUT" }
    )
}

/// `DDLCompiler.get_column_default_string` for the dialect.
pub fn default_sql(d: &ServerDefault, dialect: Dialect) -> String {
    match d {
        ServerDefault::Str(s) => sql_str(s),
        ServerDefault::Text(s) => s.clone(),
        ServerDefault::Bool(b) => match (dialect, b) {
            (Dialect::Sqlite, true) => "1".into(),
            (Dialect::Sqlite, false) => "0".into(),
            (_, true) => "true".into(),
            (_, false) => "false".into(),
        },
        ServerDefault::Func { name, args } => {
            let lower = name.to_ascii_lowercase();
            // ANSI functions SQLAlchemy renders without parentheses.
            if args.is_empty()
                && matches!(
                    lower.as_str(),
                    "current_timestamp"
                        | "current_date"
                        | "current_time"
                        | "localtime"
                        | "localtimestamp"
                        | "current_user"
                        | "session_user"
                        | "user"
                )
            {
                return lower.to_ascii_uppercase();
            }
            if lower == "now" && args.is_empty() && dialect == Dialect::Sqlite {
                return "CURRENT_TIMESTAMP".into();
            }
            format!("{name}({})", args.join(", "))
        }
    }
}

/// What a naming convention template can refer to.
pub struct ConventionContext<'a> {
    pub table: &'a str,
    pub schema: Option<&'a str>,
    pub columns: &'a [String],
    pub referred_table: Option<&'a str>,
    pub referred_columns: &'a [String],
    pub constraint_name: Option<&'a str>,
}

/// `ConventionDict` of `sqlalchemy.sql.naming`: `%(token)s` replaced.
pub fn apply_convention(template: &str, cx: &ConventionContext) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("%(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find(")s") else {
            return Err(format!("bad naming convention template {template:?}"));
        };
        out.push_str(&token(&after[..end], cx)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out.replace("%%", "%"))
}

fn token(key: &str, cx: &ConventionContext) -> Result<String, String> {
    let label = |c: &str| match cx.schema {
        Some(s) => format!("{}_{}_{c}", s.replace('.', "_"), cx.table),
        None => format!("{}_{c}", cx.table),
    };
    match key {
        "table_name" => return Ok(cx.table.to_string()),
        "referred_table_name" => return Ok(cx.referred_table.unwrap_or_default().to_string()),
        "constraint_name" => {
            return cx.constraint_name.map(String::from).ok_or_else(|| {
                "Naming convention including %(constraint_name)s token requires that constraint \
                 is explicitly named"
                    .to_string()
            });
        }
        _ => {}
    }
    // column_0_name, column_0N_name, column_0_N_name, referred_column_0_name, ..._label, ..._key
    let (referred, rest) = match key.strip_prefix("referred_") {
        Some(r) => (true, r),
        None => (false, key),
    };
    let Some(rest) = rest.strip_prefix("column_") else {
        return Err(format!("unknown naming convention token %({key})s"));
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return Err(format!("unknown naming convention token %({key})s"));
    }
    let rest = &rest[digits.len()..];
    let (multi, sep, attr) = if let Some(a) = rest.strip_prefix("_N_") {
        (true, "_", a)
    } else if let Some(a) = rest.strip_prefix("N_") {
        (true, "", a)
    } else if let Some(a) = rest.strip_prefix('_') {
        (false, "", a)
    } else {
        return Err(format!("unknown naming convention token %({key})s"));
    };
    let cols = if referred {
        cx.referred_columns
    } else {
        cx.columns
    };
    let render = |c: &String| -> Result<String, String> {
        match (attr, referred) {
            ("name" | "key", _) => Ok(c.clone()),
            ("label", false) => Ok(label(c)),
            _ => Err(format!("unknown naming convention token %({key})s")),
        }
    };
    if multi {
        Ok(cols
            .iter()
            .map(render)
            .collect::<Result<Vec<_>, _>>()?
            .join(sep))
    } else {
        let idx: usize = digits.parse().map_err(|_| format!("bad token %({key})s"))?;
        match cols.get(idx) {
            Some(c) => render(c),
            None => Ok(String::new()),
        }
    }
}

/// `_truncate_and_render_maxlen_name` for a convention-made (`conv`) name.
pub fn truncate(name: &str, max: usize) -> String {
    if name.chars().count() > max {
        let head: String = name.chars().take(max - 8).collect();
        let hex = format!("{:x}", Md5::digest(name.as_bytes()));
        format!("{head}_{}", &hex[hex.len() - 4..])
    } else {
        name.to_string()
    }
}

/// The name SQLAlchemy gives a constraint or index of kind `ix`/`uq`/`ck`/`fk`/`pk`:
/// `_constraint_name_for_table` plus the compiler's truncation.
pub fn constraint_name(
    t: &TableDef,
    kind: &str,
    explicit: Option<&str>,
    cx: &ConventionContext,
    dialect: Dialect,
) -> Result<Option<String>, String> {
    let convention = t.convention.iter().find(|(k, _)| k == kind).map(|(_, v)| v);
    match convention {
        Some(conv) if explicit.is_none() || conv.contains("%(constraint_name)s") => {
            let name = apply_convention(conv, cx)?;
            Ok(Some(truncate(&name, max_identifier_length(dialect))))
        }
        _ => {
            if let Some(n) = explicit
                && n.chars().count() > max_identifier_length(dialect)
            {
                return Err(format!(
                    "Identifier '{n}' exceeds maximum length of {} characters",
                    max_identifier_length(dialect)
                ));
            }
            Ok(explicit.map(String::from))
        }
    }
}

/// The statements `create_all` runs, in order.
pub struct Ddl {
    pub statements: Vec<String>,
}

/// The DDL of `create_all` for `tables` on `dialect`.
pub fn create_all(tables: &[TableDef], dialect: Dialect) -> Result<Ddl, DdlError> {
    let mut statements = Vec::new();
    // Native PostgreSQL enums: CREATE TYPE once per name, before the tables.
    if dialect == Dialect::Postgres {
        let mut seen: Vec<String> = Vec::new();
        for t in tables {
            for c in &t.columns {
                let e = match &c.ty {
                    SaType::Enum(e) => e,
                    SaType::Array(inner) => match inner.as_ref() {
                        SaType::Enum(e) => e,
                        _ => continue,
                    },
                    _ => continue,
                };
                if !e.native {
                    continue;
                }
                let Some(name) = &e.name else {
                    return Err(err(
                        &c.location,
                        "PostgreSQL ENUM type requires a name (Enum(..., name=...))",
                    ));
                };
                if seen.contains(name) {
                    continue;
                }
                seen.push(name.clone());
                statements.push(format!(
                    "CREATE TYPE {} AS ENUM ({})",
                    quote(dialect, name),
                    e.values
                        .iter()
                        .map(|v| sql_str(v))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    for t in tables {
        statements.extend(create_table(t, dialect)?);
    }
    Ok(Ddl { statements })
}

fn ctx<'a>(t: &'a TableDef, cols: &'a [String]) -> ConventionContext<'a> {
    ConventionContext {
        table: &t.name,
        schema: t.schema.as_deref(),
        columns: cols,
        referred_table: None,
        referred_columns: &[],
        constraint_name: None,
    }
}

/// `CREATE TABLE` with its indexes and comments.
pub fn create_table(t: &TableDef, dialect: Dialect) -> Result<Vec<String>, DdlError> {
    let q = |n: &str| quote(dialect, n);
    let qlist = |cols: &[String]| cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ");
    let named = |name: &Option<String>| match name {
        Some(n) => format!("CONSTRAINT {} ", q(n)),
        None => String::new(),
    };
    let e = |loc: &str, m: String| err(loc, m);
    let mut lines = Vec::new();
    let autoinc = t.autoincrement_column().map(|c| c.name.clone());
    let pk = t.primary_key();
    for c in &t.columns {
        let mut spec = q(&c.name);
        // PostgreSQL: an Identity column is never SERIAL (`has_identity`).
        let serial = dialect == Dialect::Postgres
            && autoinc.as_deref() == Some(c.name.as_str())
            && !c.python_default
            && c.identity.is_none();
        // `visit_computed_column`: PostgreSQL only has stored generated columns.
        let computed = c.computed.as_ref().map(|(sql, persisted)| {
            let kind = match (dialect, persisted) {
                (Dialect::Postgres, _) | (_, Some(true)) => " STORED",
                (_, Some(false)) => " VIRTUAL",
                (_, None) => "",
            };
            format!(" GENERATED ALWAYS AS ({sql}){kind}")
        });
        if serial {
            spec.push_str(match c.ty {
                SaType::BigInteger => " BIGSERIAL",
                SaType::SmallInteger => " SMALLSERIAL",
                _ => " SERIAL",
            });
        } else {
            let ty = type_sql(&c.ty, dialect).map_err(|m| e(&c.location, m))?;
            spec.push(' ');
            spec.push_str(&ty);
        }
        let default = c.server_default.as_ref().map(|d| default_sql(d, dialect));
        match dialect {
            Dialect::Postgres => {
                if let (Some(d), false) = (&default, serial) {
                    spec.push_str(&format!(" DEFAULT {d}"));
                }
                if let Some(g) = &computed {
                    spec.push_str(g);
                }
                match &c.identity {
                    Some(identity) => {
                        spec.push(' ');
                        spec.push_str(identity);
                        if c.nullable {
                            spec.push_str(" NULL");
                        }
                    }
                    None if !c.nullable => spec.push_str(" NOT NULL"),
                    None => {}
                }
            }
            Dialect::Sqlite => {
                if let Some(d) = &default {
                    let wrap = !d.trim_start().starts_with(['\'', '"', '('])
                        && d.chars().any(|ch| !(ch.is_alphanumeric() || ch == '_'));
                    if wrap {
                        spec.push_str(&format!(" DEFAULT ({d})"));
                    } else {
                        spec.push_str(&format!(" DEFAULT {d}"));
                    }
                }
                if !c.nullable {
                    spec.push_str(" NOT NULL");
                }
                if c.primary_key
                    && t.sqlite_autoincrement
                    && pk.len() == 1
                    && matches!(
                        c.ty,
                        SaType::Integer | SaType::BigInteger | SaType::SmallInteger
                    )
                    && c.foreign_key.is_none()
                {
                    spec.push_str(" PRIMARY KEY AUTOINCREMENT");
                }
                if let Some(g) = &computed {
                    spec.push_str(g);
                }
            }
            Dialect::Mysql => {
                let is_ts = matches!(c.ty, SaType::Timestamp { .. });
                if let Some(g) = &computed {
                    spec.push_str(g);
                }
                // The MariaDB compiler leaves a computed column without nullable= nullable
                // (MariaDB refuses NOT NULL there).
                let force_nullable = c.computed.is_some() && !c.nullable_given;
                if !c.nullable && !force_nullable {
                    spec.push_str(" NOT NULL");
                } else if is_ts {
                    spec.push_str(" NULL");
                }
                if let Some(d) = &default {
                    spec.push_str(&format!(" DEFAULT {d}"));
                }
                if autoinc.as_deref() == Some(c.name.as_str()) && c.server_default.is_none() {
                    spec.push_str(" AUTO_INCREMENT");
                }
                if let Some(cm) = &c.comment {
                    spec.push_str(&format!(" COMMENT {}", sql_str(cm)));
                }
            }
        }
        for ck in &c.checks {
            let name = constraint_name(
                t,
                "ck",
                ck.name.as_deref(),
                &ConventionContext {
                    constraint_name: ck.name.as_deref(),
                    ..ctx(t, &[])
                },
                dialect,
            )
            .map_err(|m| e(&ck.location, m))?;
            spec.push_str(&format!(" {}CHECK ({})", named(&name), ck.sql));
        }
        lines.push(spec);
    }
    // Primary key.
    if !pk.is_empty() {
        let name = constraint_name(
            t,
            "pk",
            t.pk_name.as_deref(),
            &ConventionContext {
                constraint_name: t.pk_name.as_deref(),
                ..ctx(t, &pk)
            },
            dialect,
        )
        .map_err(|m| e(&t.location, m))?;
        let inline_sqlite = dialect == Dialect::Sqlite
            && t.sqlite_autoincrement
            && pk.len() == 1
            && t.column(&pk[0]).is_some_and(|c| {
                matches!(
                    c.ty,
                    SaType::Integer | SaType::BigInteger | SaType::SmallInteger
                ) && c.foreign_key.is_none()
            });
        if !inline_sqlite {
            lines.push(format!("{}PRIMARY KEY ({})", named(&name), qlist(&pk)));
        }
    }
    // Column-made constraints (unique=True without index, ForeignKey), then the table args.
    // `Table._sorted_constraints` is creation order: constraints passed as arguments exist
    // before the table, those made by columns (unique=True, ForeignKey) when they attach.
    let mut uniques: Vec<UniqueDef> = t.uniques.clone();
    uniques.extend(
        t.columns
            .iter()
            .filter(|c| c.unique && !c.index)
            .map(|c| UniqueDef {
                name: None,
                columns: vec![c.name.clone()],
                location: c.location.clone(),
            }),
    );
    let mut fks: Vec<FkDef> = t.foreign_keys.clone();
    fks.extend(t.columns.iter().filter_map(|c| c.foreign_key.clone()));
    let mut checks: Vec<(Option<String>, String, String)> = t
        .checks
        .iter()
        .map(|c| (c.name.clone(), c.sql.clone(), c.location.clone()))
        .collect();
    // Non-native enums with create_constraint=True: CHECK (col IN (...)) named after the enum.
    for c in &t.columns {
        if let SaType::Enum(en) = &c.ty
            && en.create_constraint
            && !(en.native && matches!(dialect, Dialect::Postgres | Dialect::Mysql))
        {
            let list = en
                .values
                .iter()
                .map(|v| sql_str(v))
                .collect::<Vec<_>>()
                .join(", ");
            checks.push((
                en.name.clone(),
                format!("{} IN ({list})", q(&c.name)),
                c.location.clone(),
            ));
        }
    }
    for u in &uniques {
        let name = constraint_name(
            t,
            "uq",
            u.name.as_deref(),
            &ConventionContext {
                constraint_name: u.name.as_deref(),
                ..ctx(t, &u.columns)
            },
            dialect,
        )
        .map_err(|m| e(&u.location, m))?;
        lines.push(format!("{}UNIQUE ({})", named(&name), qlist(&u.columns)));
    }
    for (cname, sql, loc) in &checks {
        let name = constraint_name(
            t,
            "ck",
            cname.as_deref(),
            &ConventionContext {
                constraint_name: cname.as_deref(),
                ..ctx(t, &[])
            },
            dialect,
        )
        .map_err(|m| e(loc, m))?;
        lines.push(format!("{}CHECK ({sql})", named(&name)));
    }
    for fk in &fks {
        let name = constraint_name(
            t,
            "fk",
            fk.name.as_deref(),
            &ConventionContext {
                table: &t.name,
                schema: t.schema.as_deref(),
                columns: &fk.columns,
                referred_table: Some(&fk.ref_table),
                referred_columns: &fk.ref_columns,
                constraint_name: fk.name.as_deref(),
            },
            dialect,
        )
        .map_err(|m| e(&fk.location, m))?;
        let target = match (&fk.ref_schema, dialect) {
            (Some(s), Dialect::Postgres | Dialect::Mysql) => {
                format!("{}.{}", q(s), q(&fk.ref_table))
            }
            _ => q(&fk.ref_table),
        };
        let mut s = format!(
            "{}FOREIGN KEY({}) REFERENCES {target} ({})",
            named(&name),
            qlist(&fk.columns),
            qlist(&fk.ref_columns)
        );
        for (what, v) in [("DELETE", &fk.ondelete), ("UPDATE", &fk.onupdate)] {
            if let Some(v) = v {
                let up = v.to_ascii_uppercase();
                if !matches!(
                    up.as_str(),
                    "CASCADE" | "SET NULL" | "SET DEFAULT" | "RESTRICT" | "NO ACTION"
                ) {
                    return Err(e(
                        &fk.location,
                        format!(
                            "Unexpected SQL phrase: {v:?} (matching against \"^(?:RESTRICT|CASCADE|SET NULL|NO ACTION|SET DEFAULT)$\")"
                        ),
                    ));
                }
                s.push_str(&format!(" ON {what} {up}"));
            }
        }
        match fk.deferrable {
            Some(true) => s.push_str(" DEFERRABLE"),
            Some(false) => s.push_str(" NOT DEFERRABLE"),
            None => {}
        }
        if let Some(i) = &fk.initially {
            s.push_str(&format!(" INITIALLY {}", i.to_ascii_uppercase()));
        }
        lines.push(s);
    }
    let mut out = vec![format!(
        "CREATE TABLE {} (\n\t{}\n)",
        qtable(dialect, t),
        lines.join(", \n\t")
    )];
    if dialect == Dialect::Mysql
        && let Some(cm) = &t.comment
    {
        out[0].push_str(&format!(" COMMENT={}", sql_str(cm)));
    }
    // Indexes: index=True columns (unique when unique=True too), then Index(...) args.
    let mut indexes: Vec<IndexDef> = t
        .columns
        .iter()
        .filter(|c| c.index)
        .map(|c| IndexDef {
            name: None,
            elements: vec![IndexElement::Column(c.name.clone())],
            unique: c.unique,
            postgresql_where: None,
            sqlite_where: None,
            postgresql_using: None,
            from_column: true,
            location: c.location.clone(),
        })
        .collect();
    indexes.extend(t.indexes.iter().cloned());
    for ix in &indexes {
        out.push(create_index(t, ix, dialect)?);
    }
    if dialect == Dialect::Postgres {
        if let Some(cm) = &t.comment {
            out.push(format!(
                "COMMENT ON TABLE {} IS {}",
                qtable(dialect, t),
                sql_str(cm)
            ));
        }
        for c in &t.columns {
            if let Some(cm) = &c.comment {
                out.push(format!(
                    "COMMENT ON COLUMN {}.{} IS {}",
                    qtable(dialect, t),
                    q(&c.name),
                    sql_str(cm)
                ));
            }
        }
    }
    Ok(out)
}

/// The column names of an index (a column's attribute key resolved to its name).
pub fn index_columns(t: &TableDef, ix: &IndexDef) -> Vec<String> {
    ix.elements
        .iter()
        .filter_map(|el| match el {
            IndexElement::Column(c) => Some(
                t.column(c)
                    .map(|col| col.name.clone())
                    .unwrap_or_else(|| c.clone()),
            ),
            IndexElement::Expr(_) => None,
        })
        .collect()
}

/// The name of an index as SQLAlchemy compiles it.
pub fn index_name(t: &TableDef, ix: &IndexDef, dialect: Dialect) -> Result<String, DdlError> {
    let cols = index_columns(t, ix);
    let name = constraint_name(
        t,
        "ix",
        ix.name.as_deref(),
        &ConventionContext {
            constraint_name: ix.name.as_deref(),
            ..ctx(t, &cols)
        },
        dialect,
    )
    .map_err(|m| err(&ix.location, m))?;
    name.ok_or_else(|| {
        err(
            &ix.location,
            "an index needs a name: the MetaData's naming convention has no \"ix\" entry",
        )
    })
}

pub fn create_index(t: &TableDef, ix: &IndexDef, dialect: Dialect) -> Result<String, DdlError> {
    let name = index_name(t, ix, dialect)?;
    let q = |n: &str| quote(dialect, n);
    let elements: Vec<String> = ix
        .elements
        .iter()
        .map(|el| match el {
            IndexElement::Column(c) => q(&t
                .column(c)
                .map(|col| col.name.clone())
                .unwrap_or_else(|| c.clone())),
            IndexElement::Expr(s) => s.clone(),
        })
        .collect();
    let mut s = format!(
        "CREATE {}INDEX {} ON {}",
        if ix.unique { "UNIQUE " } else { "" },
        q(&name),
        qtable(dialect, t)
    );
    if dialect == Dialect::Postgres
        && let Some(m) = &ix.postgresql_using
    {
        s.push_str(&format!(" USING {m}"));
    }
    s.push_str(&format!(" ({})", elements.join(", ")));
    let pred = match dialect {
        Dialect::Postgres => ix.postgresql_where.as_ref(),
        Dialect::Sqlite => ix.sqlite_where.as_ref(),
        Dialect::Mysql => None,
    };
    if let Some(p) = pred {
        s.push_str(&format!(" WHERE {p}"));
    }
    Ok(s)
}
