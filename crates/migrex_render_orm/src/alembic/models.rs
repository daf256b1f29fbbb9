//! A schema as SQLAlchemy 2.0 declarative models (`models.py`): `Mapped[...]` annotations,
//! `mapped_column` with the exact type, every constraint and index named as the schema names
//! it, so `create_all` builds the same schema.

use super::types::{key_constraints, schema_type};
use crate::{OutputFile, WriteError};
use migrex_model::{ColumnType, Dialect, FkAction, Identity, IndexKey, Schema};
use migrex_source_orm::sqlalchemy::model::py_str;

fn class_name(table: &str, taken: &mut Vec<String>) -> String {
    let mut name: String = table
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().chain(cs).collect::<String>(),
                None => String::new(),
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name = format!("T{name}");
    }
    let base = name.clone();
    let mut n = 2;
    while taken.contains(&name) || name == "Base" {
        name = format!("{base}{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

fn attr_name(column: &str) -> Option<String> {
    let ok = column
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && column
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !PY_KEYWORDS.contains(&column)
        && !column.starts_with("__")
        && !matches!(column, "metadata" | "registry");
    ok.then(|| column.to_string())
}

const PY_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

fn python_type(ty: &ColumnType) -> &'static str {
    match ty {
        ColumnType::Integer { .. } => "int",
        ColumnType::Decimal { .. } => "decimal.Decimal",
        ColumnType::Float { .. } => "float",
        ColumnType::Bool => "bool",
        ColumnType::Text { .. } | ColumnType::Enum { .. } | ColumnType::UserDefined { .. } => "str",
        ColumnType::Binary { .. } => "bytes",
        ColumnType::Date => "datetime.date",
        ColumnType::Time { .. } => "datetime.time",
        ColumnType::Timestamp { .. } | ColumnType::DateTime { .. } => "datetime.datetime",
        ColumnType::Interval { .. } => "datetime.timedelta",
        ColumnType::Uuid => "uuid.UUID",
        _ => "Any",
    }
}

/// The model type of a column: enums as `sa.Enum` so `create_all` creates their type.
fn model_type(ty: &ColumnType, schema: &Schema) -> Result<String, WriteError> {
    if let ColumnType::UserDefined { name } = ty
        && let Some(e) = schema
            .namespaces
            .get(&name.namespace)
            .and_then(|n| n.enums.get(&name.name))
    {
        let mut args: Vec<String> = e.values.iter().map(|v| py_str(v)).collect();
        args.push(format!("name={}", py_str(&e.name)));
        return Ok(format!("sa.Enum({})", args.join(", ")));
    }
    schema_type(ty, schema)
}

pub fn write(schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
    let dialect = schema.dialect;
    let mut out = String::from(
        "\"\"\"Models written by migrex from a schema.\"\"\"\n\
         import datetime\nimport decimal\nimport uuid\nfrom typing import Any, Optional\n\n\
         import sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql\n\
         from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n\n\
         class Base(DeclarativeBase):\n    pass\n",
    );
    let skipped = not_modeled(schema);
    if !skipped.is_empty() {
        out.push_str(
            "\n\n# Not expressible as SQLAlchemy models (keep them in migrations or raw SQL):\n",
        );
        for s in skipped {
            out.push_str(&format!("#   {s}\n"));
        }
    }
    let mut taken = Vec::new();
    for (qn, t) in schema.tables() {
        let mut args: Vec<String> = Vec::new();
        args.extend(key_constraints(t, name_kw));
        for fk in &t.foreign_keys {
            let prefix = if fk.ref_table.namespace.is_empty()
                || fk.ref_table.namespace == dialect.default_namespace()
            {
                fk.ref_table.name.clone()
            } else {
                format!("{}.{}", fk.ref_table.namespace, fk.ref_table.name)
            };
            let refs: Vec<String> = fk
                .ref_columns
                .iter()
                .map(|c| py_str(&format!("{prefix}.{c}")))
                .collect();
            let mut s = format!(
                "sa.ForeignKeyConstraint([{}], [{}]{}",
                fk.columns
                    .iter()
                    .map(|c| py_str(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                refs.join(", "),
                name_kw(&fk.name)
            );
            if fk.on_delete != FkAction::NoAction {
                s.push_str(&format!(", ondelete={}", py_str(fk.on_delete.sql())));
            }
            if fk.on_update != FkAction::NoAction {
                s.push_str(&format!(", onupdate={}", py_str(fk.on_update.sql())));
            }
            s.push(')');
            args.push(s);
        }
        for ix in &t.indexes {
            let mut parts = vec![py_str(&ix.name)];
            for p in &ix.parts {
                parts.push(match &p.key {
                    IndexKey::Column(c) if !p.descending => py_str(c),
                    IndexKey::Column(c) => format!(
                        "sa.text({})",
                        py_str(&format!("{} DESC", migrex_dialect::quote_ident(dialect, c)))
                    ),
                    IndexKey::Expr(e) => format!("sa.text({})", py_str(&e.sql)),
                });
            }
            if ix.unique {
                parts.push("unique=True".into());
            }
            if let Some(p) = &ix.predicate {
                match dialect {
                    Dialect::Postgres => {
                        parts.push(format!("postgresql_where=sa.text({})", py_str(&p.sql)))
                    }
                    Dialect::Sqlite => {
                        parts.push(format!("sqlite_where=sa.text({})", py_str(&p.sql)))
                    }
                    Dialect::Mysql => {}
                }
            }
            if let Some(m) = &ix.method
                && dialect == Dialect::Postgres
            {
                parts.push(format!("postgresql_using={}", py_str(m)));
            }
            args.push(format!("sa.Index({})", parts.join(", ")));
        }
        let mut opts: Vec<(&str, String)> = Vec::new();
        if qn.namespace != dialect.default_namespace() && !qn.namespace.is_empty() {
            opts.push(("schema", py_str(&qn.namespace)));
        }
        if let Some(c) = &t.comment {
            opts.push(("comment", py_str(c)));
        }
        if dialect == Dialect::Sqlite
            && t.columns
                .values()
                .any(|c| c.identity == Some(Identity::AutoIncrement))
        {
            opts.push(("sqlite_autoincrement", "True".into()));
        }
        let columns = columns(t, schema)?;
        if t.primary_key.is_none() {
            // The ORM maps only tables with a primary key: this one is a Table object.
            let base = format!(
                "{}_table",
                attr_name(&t.name.to_lowercase()).unwrap_or_else(|| "t".into())
            );
            let mut var = base.clone();
            let mut n = 2;
            while taken.contains(&var) {
                var = format!("{base}{n}");
                n += 1;
            }
            taken.push(var.clone());
            out.push_str(&format!(
                "\n\n{var} = sa.Table(\n    {},\n    Base.metadata,\n",
                py_str(&t.name)
            ));
            for (_, _, kws) in &columns {
                out.push_str(&format!("    sa.Column({kws}),\n"));
            }
            for a in &args {
                out.push_str(&format!("    {a},\n"));
            }
            for (k, v) in &opts {
                out.push_str(&format!("    {k}={v},\n"));
            }
            out.push_str(")\n");
            continue;
        }
        let class = class_name(&t.name, &mut taken);
        out.push_str(&format!(
            "\n\nclass {class}(Base):\n    __tablename__ = {}\n",
            py_str(&t.name)
        ));
        if !opts.is_empty() {
            let items: Vec<String> = opts.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
            args.push(format!("{{{}}}", items.join(", ")));
        }
        if !args.is_empty() {
            out.push_str("    __table_args__ = (\n");
            for a in args {
                out.push_str(&format!("        {a},\n"));
            }
            out.push_str("    )\n");
        }
        out.push('\n');
        for (attr, ann, kws) in columns {
            out.push_str(&format!(
                "    {attr}: Mapped[{ann}] = mapped_column({kws})\n"
            ));
        }
    }
    Ok(vec![OutputFile {
        path: "models.py".into(),
        contents: out,
    }])
}

/// Each column as (attribute, annotation, `mapped_column`/`Column` arguments).
fn columns(
    t: &migrex_model::Table,
    schema: &Schema,
) -> Result<Vec<(String, String, String)>, WriteError> {
    let dialect = schema.dialect;
    let mut out = Vec::new();
    let pk_cols: Vec<String> = t
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    for c in t.columns.values() {
        let ty = model_type(&c.ty, schema)?;
        let mut kws = vec![py_str(&c.name), ty];
        if let Some(g) = &c.generated {
            kws.push(format!(
                "sa.Computed({}, persisted={})",
                py_str(&g.expr.sql),
                if g.stored { "True" } else { "False" }
            ));
        }
        if let Some(Identity::Always { sequence } | Identity::ByDefault { sequence }) = &c.identity
        {
            let mut args = Vec::new();
            if matches!(c.identity, Some(Identity::Always { .. })) {
                args.push("always=True".to_string());
            }
            for (k, v) in [
                ("start", sequence.start),
                ("increment", sequence.increment),
                ("minvalue", sequence.min_value),
                ("maxvalue", sequence.max_value),
                ("cache", sequence.cache),
            ] {
                if let Some(v) = v {
                    args.push(format!("{k}={v}"));
                }
            }
            if sequence.cycle {
                args.push("cycle=True".into());
            }
            kws.push(format!("sa.Identity({})", args.join(", ")));
        }
        if pk_cols.len() == 1
            && pk_cols[0] == c.name
            && c.ty.is_integer()
            && !matches!(
                c.identity,
                Some(Identity::Always { .. } | Identity::ByDefault { .. })
            )
        {
            kws.push(format!(
                "autoincrement={}",
                if matches!(c.identity, Some(Identity::Serial { .. }))
                    || dialect != Dialect::Postgres
                {
                    "True"
                } else {
                    "False"
                }
            ));
        }
        if let Some(d) = &c.default
            && !matches!(c.identity, Some(Identity::Serial { .. }))
        {
            kws.push(format!("server_default=sa.text({})", py_str(&d.sql)));
        }
        kws.push(format!(
            "nullable={}",
            if c.nullable { "True" } else { "False" }
        ));
        if let Some(cm) = &c.comment {
            kws.push(format!("comment={}", py_str(cm)));
        }
        let pyt = python_type(&c.ty);
        let ann = if c.nullable {
            format!("Optional[{pyt}]")
        } else {
            pyt.to_string()
        };
        let attr = attr_name(&c.name).unwrap_or_else(|| {
            let cleaned: String = c
                .name
                .chars()
                .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
                .collect();
            format!("col_{cleaned}")
        });
        out.push((attr, ann, kws.join(", ")));
    }
    Ok(out)
}

/// Schema objects the models cannot hold, one line each.
fn not_modeled(schema: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let used_enums: Vec<&migrex_model::QualifiedName> = schema
        .tables()
        .flat_map(|(_, t)| t.columns.values().filter_map(|c| c.ty.user_type()))
        .collect();
    for e in &schema.extensions {
        out.push(format!("extension {}", e.0));
    }
    for (ns, n) in &schema.namespaces {
        let q = |name: &str| {
            if ns.is_empty() {
                name.to_string()
            } else {
                format!("{ns}.{name}")
            }
        };
        for v in n.views.keys() {
            out.push(format!("view {}", q(v)));
        }
        for e in n.enums.keys() {
            let qn = migrex_model::QualifiedName::new(ns.clone(), e.clone());
            if !used_enums.contains(&&qn) {
                out.push(format!("enum type {} (no column uses it)", q(e)));
            }
        }
        for s in n.sequences.keys() {
            out.push(format!("sequence {}", q(s)));
        }
        for d in n.domains.keys() {
            out.push(format!("domain {}", q(d)));
        }
        for c in n.composites.keys() {
            out.push(format!("composite type {}", q(c)));
        }
        for f in n.functions.keys() {
            out.push(format!("function {}", q(f)));
        }
        for t in n.triggers.keys() {
            out.push(format!("trigger {}", q(t)));
        }
        for r in n.rules.keys() {
            out.push(format!("rule {}", q(r)));
        }
        for t in n.tables.values() {
            for p in &t.policies {
                out.push(format!("policy {} on {}", p.name, q(&t.name)));
            }
        }
    }
    out
}

fn name_kw(name: &Option<String>) -> String {
    match name {
        Some(n) => format!(", name={}", py_str(n)),
        None => String::new(),
    }
}
