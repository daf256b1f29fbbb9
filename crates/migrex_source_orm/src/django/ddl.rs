//! The DDL Django's schema editor runs for a set of models (`create_model` per model, its
//! deferred SQL, auto-created many-to-many tables), per backend. The script is read back with
//! `migrex_source_sql`, which normalizes it exactly as live introspection does.
//!
//! Ported from `django/db/backends/base/schema.py` (`table_sql`, `column_sql`,
//! `_field_indexes_sql`, `_create_unique_sql`, `_create_fk_sql`), the PostgreSQL editor's
//! `_create_like_index_sql`, and SQLite's inline foreign keys.

use super::fields::{db_type, is_auto, rel_db_type, type_check};
use super::names::{create_index_name, fk_constraint_name};
use super::project::{ConstraintDef, Field, Models, QExpr, RelKind};
use crate::python::Literal;
use migrex_model::Dialect;

/// `quote_name` of the backend.
fn q(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// One table's worth of SQL, with the model's location for provenance.
pub struct TableSql {
    pub table: String,
    pub location: String,
    /// `(column, location)`.
    pub columns: Vec<(String, String)>,
}

/// A column the schema editor creates (a model field, or a through table's column).
struct Col {
    column: String,
    internal: String,
    ty: String,
    null: bool,
    primary_key: bool,
    unique: bool,
    db_index: bool,
    default: Option<String>,
    collation: Option<String>,
    comment: Option<String>,
    /// `(table, column)` this column references, when it has a database constraint.
    references: Option<(String, String)>,
    /// Referencing column without a constraint still gets its index (db_index).
    auto: bool,
}

/// The script for every model of every app.
pub fn script(models: &Models, dialect: Dialect) -> Result<(String, Vec<TableSql>), String> {
    let mut out = String::new();
    let mut deferred = Vec::new();
    let mut tables = Vec::new();
    for app in &models.apps {
        for m in app.models.iter().filter(|m| m.managed) {
            let mut cols = Vec::new();
            for f in &m.fields {
                if f.column.is_some() {
                    cols.push(column(models, dialect, f)?);
                }
            }
            let mut table_constraints = Vec::new();
            for c in &m.constraints {
                match c {
                    ConstraintDef::Check {
                        name, condition, ..
                    } => table_constraints.push(format!(
                        "CONSTRAINT {} CHECK ({})",
                        q(dialect, name),
                        condition_sql(models, m, condition, dialect)?
                    )),
                    ConstraintDef::Unique {
                        name,
                        fields,
                        condition: None,
                        ..
                    } => table_constraints.push(format!(
                        "CONSTRAINT {} UNIQUE ({})",
                        q(dialect, name),
                        field_columns(m, fields)?
                            .iter()
                            .map(|c| q(dialect, c))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    ConstraintDef::Unique {
                        name,
                        fields,
                        condition: Some(cond),
                        ..
                    } if dialect == Dialect::Mysql => {
                        // `_unique_supported`: no partial indexes, so Django skips the
                        // constraint on MySQL (system check models.W036 says so).
                    }
                    ConstraintDef::Unique {
                        name,
                        fields,
                        condition: Some(cond),
                        ..
                    } => deferred.push(format!(
                        "CREATE UNIQUE INDEX {} ON {} ({}) WHERE {};",
                        q(dialect, name),
                        q(dialect, &m.db_table),
                        field_columns(m, fields)?
                            .iter()
                            .map(|c| q(dialect, c))
                            .collect::<Vec<_>>()
                            .join(", "),
                        condition_sql(models, m, cond, dialect)?
                    )),
                }
            }
            let unique_together: Vec<Vec<String>> = m
                .unique_together
                .iter()
                .map(|fs| field_columns(m, fs))
                .collect::<Result<_, _>>()?;
            emit_table(
                dialect,
                &m.db_table,
                &cols,
                &table_constraints,
                &unique_together,
                &mut out,
                &mut deferred,
            );
            if let Some(cm) = &m.db_table_comment {
                match dialect {
                    Dialect::Postgres => out.push_str(&format!(
                        "COMMENT ON TABLE {} IS {};\n",
                        q(dialect, &m.db_table),
                        quote_value(dialect, cm)
                    )),
                    // Django's `ALTER TABLE t COMMENT = '...'` right after the CREATE, as the
                    // table option it sets.
                    Dialect::Mysql => {
                        if out.ends_with(");\n") {
                            out.truncate(out.len() - ";\n".len());
                            out.push_str(&format!(" COMMENT = {};\n", quote_value(dialect, cm)));
                        }
                    }
                    Dialect::Sqlite => {}
                }
            }
            // Meta.indexes.
            for idx in &m.indexes {
                let mut parts = Vec::new();
                for f in &idx.fields {
                    let (name, desc) = match f.strip_prefix('-') {
                        Some(n) => (n, " DESC"),
                        None => (f.as_str(), ""),
                    };
                    let col = field_columns(m, &[name.to_string()])?.remove(0);
                    parts.push(format!("{}{desc}", q(dialect, &col)));
                }
                let mut sql = format!(
                    "CREATE INDEX {} ON {} ({})",
                    q(dialect, &idx.name),
                    q(dialect, &m.db_table),
                    parts.join(", ")
                );
                // MySQL has no partial indexes: Django drops the condition (models.W037).
                if let Some(c) = &idx.condition
                    && dialect != Dialect::Mysql
                {
                    sql.push_str(&format!(" WHERE {}", condition_sql(models, m, c, dialect)?));
                }
                deferred.push(format!("{sql};"));
            }
            tables.push(TableSql {
                table: m.db_table.clone(),
                location: m.location.clone(),
                columns: m
                    .fields
                    .iter()
                    .filter_map(|f| Some((f.column.clone()?, f.location.clone())))
                    .collect(),
            });
            // Auto-created many-to-many tables.
            for f in &m.fields {
                let Some(r) = &f.relation else { continue };
                if r.kind != RelKind::ManyToMany || r.through.is_some() {
                    continue;
                }
                let target = model(models, &r.to)?;
                let (from, to) = if target.key() == m.key() {
                    (
                        format!("from_{}_id", m.name.to_lowercase()),
                        format!("to_{}_id", m.name.to_lowercase()),
                    )
                } else {
                    (
                        format!("{}_id", m.name.to_lowercase()),
                        format!("{}_id", target.name.to_lowercase()),
                    )
                };
                let auto = models.default_auto_field.clone();
                let pk = |k: &str| -> Result<(String, String), String> {
                    let t = model(models, k)?;
                    let p = t.pk().ok_or_else(|| format!("{k} has no primary key"))?;
                    let ty = rel_db_type(
                        dialect,
                        &p.internal,
                        p.max_length,
                        p.max_digits,
                        p.decimal_places,
                    )
                    .ok_or_else(|| unsupported(dialect, &p.internal))?;
                    Ok((
                        t.db_table.clone(),
                        format!("{}\u{0}{ty}", p.column.clone().unwrap_or_default()),
                    ))
                };
                let (from_table, from_pk) = pk(&m.key())?;
                let (to_table, to_pk) = pk(&target.key())?;
                let split = |s: &str| {
                    let (c, t) = s.split_once('\u{0}').unwrap_or((s, ""));
                    (c.to_string(), t.to_string())
                };
                let (from_pk_col, from_ty) = split(&from_pk);
                let (to_pk_col, to_ty) = split(&to_pk);
                let fk = |column: &str, ty: String, table: String, pk_col: String| Col {
                    column: column.to_string(),
                    internal: "ForeignKey".into(),
                    ty,
                    null: false,
                    primary_key: false,
                    unique: false,
                    db_index: true,
                    default: None,
                    collation: None,
                    comment: None,
                    references: r.db_constraint.then_some((table, pk_col)),
                    auto: false,
                };
                let through_cols = vec![
                    Col {
                        column: "id".into(),
                        internal: auto.clone(),
                        ty: db_type(dialect, &auto, None, None, None)
                            .ok_or_else(|| unsupported(dialect, &auto))?,
                        null: false,
                        primary_key: true,
                        unique: true,
                        db_index: false,
                        default: None,
                        collation: None,
                        comment: None,
                        references: None,
                        auto: true,
                    },
                    fk(&from, from_ty, from_table, from_pk_col),
                    fk(&to, to_ty, to_table, to_pk_col),
                ];
                emit_table(
                    dialect,
                    &r.m2m_table,
                    &through_cols,
                    &[],
                    &[vec![from.clone(), to.clone()]],
                    &mut out,
                    &mut deferred,
                );
                tables.push(TableSql {
                    table: r.m2m_table.clone(),
                    location: f.location.clone(),
                    columns: vec![
                        ("id".into(), f.location.clone()),
                        (from, f.location.clone()),
                        (to, f.location.clone()),
                    ],
                });
            }
        }
    }
    for d in deferred {
        out.push_str(&d);
        out.push('\n');
    }
    Ok((out, tables))
}

fn unsupported(dialect: Dialect, internal: &str) -> String {
    format!("{internal} on {dialect} is not supported by migrex's Django reader yet")
}

fn model<'a>(models: &'a Models, key: &str) -> Result<&'a super::project::Model, String> {
    models
        .apps
        .iter()
        .flat_map(|a| &a.models)
        .find(|m| m.key() == key)
        .ok_or_else(|| format!("model {key} not found"))
}

/// The columns of field names (a relation's name or its attname).
fn field_columns(m: &super::project::Model, names: &[String]) -> Result<Vec<String>, String> {
    names
        .iter()
        .map(|n| {
            m.field(n)
                .and_then(|f| f.column.clone())
                .ok_or_else(|| format!("{}: no field `{n}` with a column", m.key()))
        })
        .collect()
}

fn column(models: &Models, dialect: Dialect, f: &Field) -> Result<Col, String> {
    let col_name = f.column.clone().unwrap_or_default();
    let (ty, references) = match &f.relation {
        Some(r) => {
            let target = model(models, &r.to)?;
            let tf = match &r.to_field {
                Some(n) => target
                    .field(n)
                    .ok_or_else(|| format!("{}: to_field `{n}` not found", r.to))?,
                None => target
                    .pk()
                    .ok_or_else(|| format!("{} has no primary key", r.to))?,
            };
            let ty = rel_db_type(
                dialect,
                &tf.internal,
                tf.max_length,
                tf.max_digits,
                tf.decimal_places,
            )
            .ok_or_else(|| unsupported(dialect, &tf.internal))?;
            let refs = r.db_constraint.then(|| {
                (
                    target.db_table.clone(),
                    tf.column.clone().unwrap_or_default(),
                )
            });
            (ty, refs)
        }
        None => (
            db_type(
                dialect,
                &f.internal,
                f.max_length,
                f.max_digits,
                f.decimal_places,
            )
            .ok_or_else(|| unsupported(dialect, &f.internal))?,
            None,
        ),
    };
    let default = f.db_default.as_ref().map(|v| literal_sql(v, dialect));
    Ok(Col {
        collation: f.db_collation.clone(),
        comment: f.db_comment.clone(),
        column: col_name,
        internal: f.internal.clone(),
        ty,
        null: f.null,
        primary_key: f.primary_key,
        unique: f.unique,
        db_index: f.db_index,
        default,
        references,
        auto: is_auto(&f.internal),
    })
}

/// A string as the backend's `quote_value` writes it (MySQL's driver also escapes backslashes).
fn quote_value(dialect: Dialect, s: &str) -> String {
    let s = s.replace('\'', "''");
    match dialect {
        Dialect::Mysql => format!("'{}'", s.replace('\\', "\\\\")),
        _ => format!("'{s}'"),
    }
}

/// A literal as `quote_value` writes it for a default.
fn literal_sql(v: &Literal, dialect: Dialect) -> String {
    match v {
        Literal::Bool(b) => match dialect {
            Dialect::Postgres => if *b { "true" } else { "false" }.into(),
            _ => if *b { "1" } else { "0" }.into(),
        },
        Literal::Int(i) => i.to_string(),
        Literal::Float(f) => format!("{f:?}"),
        Literal::Str(s) => format!("'{}'", s.replace('\'', "''")),
        Literal::None => "NULL".into(),
        Literal::List(_) | Literal::Dict(_) => "NULL".into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn emit_table(
    dialect: Dialect,
    table: &str,
    cols: &[Col],
    table_constraints: &[String],
    unique_together: &[Vec<String>],
    out: &mut String,
    deferred: &mut Vec<String>,
) {
    let mut defs = Vec::new();
    for c in cols {
        let mut d = format!("{} {}", q(dialect, &c.column), c.ty);
        // `_collate_sql`: quoted, except on SQLite.
        if let Some(coll) = &c.collation {
            d.push_str(&match dialect {
                Dialect::Sqlite => format!(" COLLATE {coll}"),
                _ => format!(" COLLATE {}", q(dialect, coll)),
            });
        }
        // Inline comments on MySQL only (`supports_comments_inline`).
        if dialect == Dialect::Mysql
            && let Some(cm) = &c.comment
        {
            d.push_str(&format!(" COMMENT {}", quote_value(dialect, cm)));
        }
        if let Some(def) = &c.default {
            d.push_str(&format!(" DEFAULT {def}"));
        }
        d.push_str(if c.null { " NULL" } else { " NOT NULL" });
        if c.primary_key {
            d.push_str(" PRIMARY KEY");
            // MySQL's auto types carry AUTO_INCREMENT in `data_types` already.
            if c.auto {
                d.push_str(match dialect {
                    Dialect::Postgres => " GENERATED BY DEFAULT AS IDENTITY",
                    Dialect::Sqlite => " AUTOINCREMENT",
                    Dialect::Mysql => "",
                });
            }
        } else if c.unique {
            d.push_str(" UNIQUE");
        }
        if let Some(check) = type_check(dialect, &c.internal, &c.column) {
            d.push_str(&format!(" CHECK ({check})"));
        }
        if let Some((t, col)) = &c.references {
            match dialect {
                Dialect::Sqlite => d.push_str(&format!(
                    " REFERENCES {} ({}) DEFERRABLE INITIALLY DEFERRED",
                    q(dialect, t),
                    q(dialect, col)
                )),
                _ => deferred.push(format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){};",
                    q(dialect, table),
                    q(
                        dialect,
                        &fk_constraint_name(dialect, table, &c.column, t, col)
                    ),
                    q(dialect, &c.column),
                    q(dialect, t),
                    q(dialect, col),
                    // `ops.deferrable_sql()`: MySQL has no deferrable constraints.
                    if dialect == Dialect::Mysql {
                        ""
                    } else {
                        " DEFERRABLE INITIALLY DEFERRED"
                    }
                )),
            }
        }
        defs.push(d);
    }
    defs.extend(table_constraints.iter().cloned());
    out.push_str(&format!(
        "CREATE TABLE {} ({});\n",
        q(dialect, table),
        defs.join(", ")
    ));
    // PostgreSQL comments follow the table (`COMMENT ON COLUMN`); SQLite has none.
    if dialect == Dialect::Postgres {
        for c in cols {
            if let Some(cm) = &c.comment {
                out.push_str(&format!(
                    "COMMENT ON COLUMN {}.{} IS {};\n",
                    q(dialect, table),
                    q(dialect, &c.column),
                    quote_value(dialect, cm)
                ));
            }
        }
    }
    for cols in unique_together {
        let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
        let name = create_index_name(dialect, table, &refs, "_uniq");
        let list = cols
            .iter()
            .map(|c| q(dialect, c))
            .collect::<Vec<_>>()
            .join(", ");
        deferred.push(match dialect {
            Dialect::Sqlite => {
                format!(
                    "CREATE UNIQUE INDEX {} ON {} ({list});",
                    q(dialect, &name),
                    q(dialect, table)
                )
            }
            _ => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({list});",
                q(dialect, table),
                q(dialect, &name)
            ),
        });
    }
    // `_field_indexes_sql` per column.
    for c in cols {
        if c.db_index && !c.unique && should_index_on_mysql(dialect, c) {
            deferred.push(format!(
                "CREATE INDEX {} ON {} ({});",
                q(
                    dialect,
                    &create_index_name(dialect, table, &[&c.column], "")
                ),
                q(dialect, table),
                q(dialect, &c.column)
            ));
        }
        if dialect == Dialect::Postgres && (c.db_index || c.unique) {
            let opclass = if c.ty.starts_with("varchar") {
                Some("varchar_pattern_ops")
            } else if c.ty.starts_with("text") {
                Some("text_pattern_ops")
            } else {
                None
            };
            if let Some(op) = opclass {
                deferred.push(format!(
                    "CREATE INDEX {} ON {} ({} {op});",
                    q(
                        dialect,
                        &create_index_name(dialect, table, &[&c.column], "_like")
                    ),
                    q(dialect, table),
                    q(dialect, &c.column)
                ));
            }
        }
    }
}

/// MySQL's `_field_should_be_indexed`: InnoDB indexes a foreign key's column on its own (the
/// index takes the constraint's name), and long text/blob/JSON columns cannot be indexed whole.
fn should_index_on_mysql(dialect: Dialect, c: &Col) -> bool {
    if dialect != Dialect::Mysql {
        return true;
    }
    let limited = [
        "tinyblob",
        "blob",
        "mediumblob",
        "longblob",
        "tinytext",
        "text",
        "mediumtext",
        "longtext",
        "json",
    ];
    let innodb_indexes_it = c.internal == "ForeignKey" && c.references.is_some();
    !innodb_indexes_it && !limited.contains(&c.ty.to_ascii_lowercase().as_str())
}

/// A `Q(...)` condition as the compiler writes it for a constraint or partial index
/// (unqualified columns, values inlined with `quote_value`).
pub fn condition_sql(
    models: &Models,
    m: &super::project::Model,
    e: &QExpr,
    dialect: Dialect,
) -> Result<String, String> {
    Ok(match e {
        QExpr::And(parts) | QExpr::Or(parts) => {
            let conn = if matches!(e, QExpr::And(_)) {
                " AND "
            } else {
                " OR "
            };
            let sqls = parts
                .iter()
                .map(|p| condition_sql(models, m, p, dialect))
                .collect::<Result<Vec<_>, _>>()?;
            if sqls.len() > 1 {
                format!("({})", sqls.join(conn))
            } else {
                sqls.join(conn)
            }
        }
        QExpr::Not(inner) => format!("NOT ({})", condition_sql(models, m, inner, dialect)?),
        QExpr::Lookup {
            field,
            lookup,
            value,
        } => {
            let f = m
                .field(field)
                .ok_or_else(|| format!("{}: no field `{field}`", m.key()))?;
            let col = q(
                dialect,
                f.column
                    .as_deref()
                    .ok_or_else(|| format!("`{field}` has no column"))?,
            );
            let internal = match &f.relation {
                Some(r) => {
                    let t = model(models, &r.to)?;
                    t.pk().map(|p| p.internal.clone()).unwrap_or_default()
                }
                None => f.internal.clone(),
            };
            let val = |v: &Literal| value_sql(&internal, v, dialect);
            match (lookup.as_str(), value) {
                ("isnull", Literal::Bool(true)) => format!("{col} IS NULL"),
                ("isnull", Literal::Bool(false)) => format!("{col} IS NOT NULL"),
                ("exact", Literal::None) => format!("{col} IS NULL"),
                ("exact", Literal::Bool(b)) if f.internal == "BooleanField" => {
                    if *b {
                        col
                    } else {
                        format!("NOT {col}")
                    }
                }
                ("in", Literal::List(items)) => format!(
                    "{col} IN ({})",
                    items
                        .iter()
                        .map(val)
                        .collect::<Result<Vec<_>, _>>()?
                        .join(", ")
                ),
                (op, v) => {
                    let op = match op {
                        "exact" => "=",
                        "gt" => ">",
                        "gte" => ">=",
                        "lt" => "<",
                        "lte" => "<=",
                        other => return Err(format!("lookup `{other}` is not translated")),
                    };
                    format!("{col} {op} {}", val(v)?)
                }
            }
        }
    })
}

fn value_sql(internal: &str, v: &Literal, dialect: Dialect) -> Result<String, String> {
    let number = |s: String| match (internal, dialect) {
        // SQLite adapts decimals to strings.
        ("DecimalField", Dialect::Sqlite) => format!("'{s}'"),
        _ => s,
    };
    Ok(match v {
        Literal::Int(i) => number(i.to_string()),
        Literal::Float(f) => number(format!("{f:?}")),
        Literal::Str(s) => format!("'{}'", s.replace('\'', "''")),
        Literal::Bool(b) => literal_sql(&Literal::Bool(*b), dialect),
        Literal::None => "NULL".into(),
        _ => return Err("a list or dict value is not translated".into()),
    })
}
