//! Domains, composite types, enum recreation, partitions and exclusion constraints.

use super::{collate, comment_value, default_sql, q, qn, unsupported};
use crate::RenderError;
use migrex_dialect::postgres as pg;
use migrex_dialect::quote_string;
use migrex_model::{
    Change, Column, ColumnType, CompositeType, Deferrable, Domain, EnumType, Exclusion, IndexKey,
    IndexPart, PartitionOf, PartitionStrategy, Partitioning, QualifiedName, Table,
};

const PG: migrex_model::Dialect = migrex_model::Dialect::Postgres;

pub(super) fn render(change: &Change) -> Result<Vec<String>, RenderError> {
    use Change::*;
    Ok(match change {
        CreateDomain { name, domain } => create_domain(name, domain),
        DropDomain { name, .. } => vec![format!("DROP DOMAIN {}", qn(name))],
        AlterDomain { name, from, to } => alter_domain(change, name, from, to)?,
        CreateCompositeType { name, composite } => create_composite(name, composite),
        DropCompositeType { name, .. } => vec![format!("DROP TYPE {}", qn(name))],
        AlterCompositeType { name, from, to } => alter_composite(name, from, to),
        RecreateEnum {
            name,
            from,
            to,
            columns,
        } => recreate_enum(name, from, to, columns),
        AttachPartition {
            table,
            partition_of,
        } => vec![format!(
            "ALTER TABLE {} ATTACH PARTITION {} {}",
            qn(&partition_of.parent),
            qn(table),
            partition_of.bound.sql
        )],
        DetachPartition {
            table,
            partition_of,
        } => vec![format!(
            "ALTER TABLE {} DETACH PARTITION {}",
            qn(&partition_of.parent),
            qn(table)
        )],
        AddExclusion { table, exclusion } => vec![format!(
            "ALTER TABLE {} ADD {}",
            qn(table),
            exclusion_clause(exclusion)
        )],
        DropExclusion { table, exclusion } => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            qn(table),
            q(&exclusion.name)
        )],
        _ => return Err(unsupported(change, "not a type or partition change")),
    })
}

fn check_clause(c: &migrex_model::Check) -> String {
    format!(
        "{}CHECK ({})",
        c.name
            .as_deref()
            .map_or_else(String::new, |n| format!("CONSTRAINT {} ", q(n))),
        c.expr.sql
    )
}

fn create_domain(name: &QualifiedName, d: &Domain) -> Vec<String> {
    let mut s = format!("CREATE DOMAIN {} AS {}", qn(name), pg::format_type(&d.base));
    if let Some(c) = &d.collation {
        s.push_str(&format!(" COLLATE {}", collate(c)));
    }
    if let Some(e) = &d.default {
        s.push_str(&format!(" DEFAULT {}", default_sql(&e.sql)));
    }
    if d.not_null {
        s.push_str(" NOT NULL");
    }
    for c in &d.checks {
        s.push(' ');
        s.push_str(&check_clause(c));
    }
    let mut out = vec![s];
    if let Some(c) = &d.comment {
        out.push(format!(
            "COMMENT ON DOMAIN {} IS {}",
            qn(name),
            quote_string(PG, c)
        ));
    }
    out
}

fn alter_domain(
    change: &Change,
    name: &QualifiedName,
    from: &Domain,
    to: &Domain,
) -> Result<Vec<String>, RenderError> {
    if from.base != to.base || from.collation != to.collation {
        return Err(unsupported(
            change,
            "ALTER DOMAIN cannot change the base type or collation",
        ));
    }
    let d = qn(name);
    let mut out = Vec::new();
    let same =
        |a: &migrex_model::Check, b: &migrex_model::Check| a.name == b.name && a.expr == b.expr;
    for c in &from.checks {
        if !to.checks.iter().any(|t| same(c, t)) {
            match &c.name {
                Some(n) => out.push(format!("ALTER DOMAIN {d} DROP CONSTRAINT {}", q(n))),
                None => {
                    return Err(unsupported(
                        change,
                        "an unnamed domain check cannot be dropped by name",
                    ));
                }
            }
        }
    }
    if from.default != to.default {
        out.push(match &to.default {
            Some(e) => format!("ALTER DOMAIN {d} SET DEFAULT {}", default_sql(&e.sql)),
            None => format!("ALTER DOMAIN {d} DROP DEFAULT"),
        });
    }
    if from.not_null != to.not_null {
        out.push(format!(
            "ALTER DOMAIN {d} {} NOT NULL",
            if to.not_null { "SET" } else { "DROP" }
        ));
    }
    for c in &to.checks {
        if !from.checks.iter().any(|f| same(f, c)) {
            out.push(format!("ALTER DOMAIN {d} ADD {}", check_clause(c)));
        }
    }
    if from.comment != to.comment {
        out.push(format!(
            "COMMENT ON DOMAIN {d} IS {}",
            comment_value(to.comment.as_deref())
        ));
    }
    Ok(out)
}

fn attribute(a: &migrex_model::CompositeAttribute) -> String {
    let mut s = format!("{} {}", q(&a.name), pg::format_type(&a.ty));
    if let Some(c) = &a.collation {
        s.push_str(&format!(" COLLATE {}", collate(c)));
    }
    s
}

fn create_composite(name: &QualifiedName, c: &CompositeType) -> Vec<String> {
    let attrs: Vec<String> = c.attributes.iter().map(attribute).collect();
    let mut out = vec![format!(
        "CREATE TYPE {} AS ({})",
        qn(name),
        attrs.join(", ")
    )];
    if let Some(cm) = &c.comment {
        out.push(format!(
            "COMMENT ON TYPE {} IS {}",
            qn(name),
            quote_string(PG, cm)
        ));
    }
    out
}

/// Attributes dropped, altered (type or collation) and added, in one `ALTER TYPE`. Attribute
/// order cannot change in place: an attribute that moved is dropped and added again at the end.
fn alter_composite(name: &QualifiedName, from: &CompositeType, to: &CompositeType) -> Vec<String> {
    let mut clauses = Vec::new();
    // The longest prefix of `to` that keeps `from`'s order decides which attributes stay.
    let kept: Vec<&str> = {
        let mut k = Vec::new();
        let mut fi = 0;
        for a in &to.attributes {
            if let Some(pos) = from.attributes[fi..].iter().position(|f| f.name == a.name) {
                fi += pos + 1;
                k.push(a.name.as_str());
            } else if from.attributes.iter().any(|f| f.name == a.name) {
                break;
            }
        }
        k
    };
    for f in &from.attributes {
        if !kept.contains(&f.name.as_str()) {
            clauses.push(format!("DROP ATTRIBUTE {}", q(&f.name)));
        }
    }
    for t in &to.attributes {
        match from.attributes.iter().find(|f| f.name == t.name) {
            Some(f) if kept.contains(&t.name.as_str()) => {
                if f.ty != t.ty || f.collation != t.collation {
                    let mut c = format!(
                        "ALTER ATTRIBUTE {} TYPE {}",
                        q(&t.name),
                        pg::format_type(&t.ty)
                    );
                    if let Some(coll) = &t.collation {
                        c.push_str(&format!(" COLLATE {}", collate(coll)));
                    }
                    clauses.push(c);
                }
            }
            _ => clauses.push(format!("ADD ATTRIBUTE {}", attribute(t))),
        }
    }
    let mut out = Vec::new();
    if !clauses.is_empty() {
        out.push(format!("ALTER TYPE {} {}", qn(name), clauses.join(", ")));
    }
    if from.comment != to.comment {
        out.push(format!(
            "COMMENT ON TYPE {} IS {}",
            qn(name),
            comment_value(to.comment.as_deref())
        ));
    }
    out
}

/// Rename the old type away, create the new one, convert every column through text (defaults
/// dropped first: they are typed by the old enum), drop the old type.
fn recreate_enum(
    name: &QualifiedName,
    _from: &EnumType,
    to: &EnumType,
    columns: &[(QualifiedName, Column)],
) -> Vec<String> {
    let old_name = pg::truncate_ident(&format!("{}__migrex_old", name.name));
    let old = QualifiedName::new(name.namespace.clone(), old_name.clone());
    let mut out = vec![format!(
        "ALTER TYPE {} RENAME TO {}",
        qn(name),
        q(&old_name)
    )];
    let values: Vec<String> = to.values.iter().map(|v| quote_string(PG, v)).collect();
    out.push(format!(
        "CREATE TYPE {} AS ENUM ({})",
        qn(name),
        values.join(", ")
    ));
    for (table, col) in columns {
        let alter = |clause: String| {
            format!(
                "ALTER TABLE {} ALTER COLUMN {} {clause}",
                qn(table),
                q(&col.name)
            )
        };
        // Always: the old default (which the new schema may no longer have) cannot be cast to
        // the new type; dropping a missing default is a no-op.
        out.push(alter("DROP DEFAULT".into()));
        let (via, ty) = match &col.ty {
            ColumnType::Array { .. } => ("::text[]", pg::format_type(&col.ty)),
            other => ("::text", pg::format_type(other)),
        };
        out.push(alter(format!(
            "TYPE {ty} USING {}{via}::{ty}",
            q(&col.name)
        )));
        if let Some(d) = &col.default {
            out.push(alter(format!("SET DEFAULT {}", default_sql(&d.sql))));
        }
    }
    out.push(format!("DROP TYPE {}", qn(&old)));
    if to.comment.is_some() {
        out.push(format!(
            "COMMENT ON TYPE {} IS {}",
            qn(name),
            comment_value(to.comment.as_deref())
        ));
    }
    out
}

/// One key of an index (or exclusion constraint) as CREATE INDEX writes it.
pub(super) fn part_sql(p: &IndexPart) -> String {
    let mut s = match &p.key {
        IndexKey::Column(c) => q(c),
        IndexKey::Expr(e) => format!("({})", e.sql),
    };
    if let Some(c) = &p.collation {
        s.push_str(&format!(" COLLATE {}", collate(c)));
    }
    if let Some(o) = &p.opclass {
        s.push(' ');
        s.push_str(&o.split('.').map(q).collect::<Vec<_>>().join("."));
    }
    if p.descending {
        s.push_str(" DESC");
    }
    match p.nulls_first {
        Some(true) => s.push_str(" NULLS FIRST"),
        Some(false) => s.push_str(" NULLS LAST"),
        None => {}
    }
    s
}

/// `CONSTRAINT n EXCLUDE USING gist (room WITH =, during WITH &&) ...`.
pub(super) fn exclusion_clause(x: &Exclusion) -> String {
    let elements: Vec<String> = x
        .elements
        .iter()
        .map(|e| {
            // A schema-qualified operator needs OPERATOR(schema.op).
            let op = if e.operator.contains('.') {
                format!("OPERATOR({})", e.operator)
            } else {
                e.operator.clone()
            };
            format!("{} WITH {op}", part_sql(&e.part))
        })
        .collect();
    let mut s = format!(
        "CONSTRAINT {} EXCLUDE USING {} ({})",
        q(&x.name),
        q(&x.method),
        elements.join(", ")
    );
    if !x.include.is_empty() {
        let inc: Vec<String> = x.include.iter().map(|c| q(c)).collect();
        s.push_str(&format!(" INCLUDE ({})", inc.join(", ")));
    }
    if let Some(p) = &x.predicate {
        s.push_str(&format!(" WHERE ({})", p.sql));
    }
    match x.deferrable {
        None => {}
        Some(Deferrable::InitiallyImmediate) => s.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        Some(Deferrable::InitiallyDeferred) => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
    }
    s
}

/// ` PARTITION BY RANGE (a, (b + 1))`.
pub(super) fn partition_by(p: &Partitioning) -> String {
    let strategy = match p.strategy {
        PartitionStrategy::Range => "RANGE",
        PartitionStrategy::List => "LIST",
        PartitionStrategy::Hash | PartitionStrategy::Key => "HASH",
    };
    let key: Vec<String> = p.key.iter().map(part_sql).collect();
    format!(" PARTITION BY {strategy} ({})", key.join(", "))
}

/// `CREATE TABLE p PARTITION OF parent (...) FOR VALUES ...`: the columns are the parent's, so
/// only what the partition sets itself is written (a default or NOT NULL of its own, written for
/// every column that has one, which repeats the parent's harmlessly) with its own constraints.
pub(super) fn create_partition(
    name: &QualifiedName,
    t: &Table,
    p: &PartitionOf,
    constraints: Vec<String>,
) -> String {
    let mut items = Vec::new();
    for c in t.columns.values() {
        if c.generated.is_some() {
            continue;
        }
        let mut opts = String::new();
        if let Some(d) = &c.default {
            opts.push_str(&format!(" DEFAULT {}", default_sql(&d.sql)));
        }
        if !c.nullable {
            opts.push_str(" NOT NULL");
        }
        if !opts.is_empty() {
            items.push(format!("{} WITH OPTIONS{opts}", q(&c.name)));
        }
    }
    items.extend(constraints);
    let mut s = format!("CREATE TABLE {} PARTITION OF {}", qn(name), qn(&p.parent));
    if !items.is_empty() {
        s.push_str(&format!(" (\n    {}\n)", items.join(",\n    ")));
    }
    s.push(' ');
    s.push_str(&p.bound.sql);
    if let Some(part) = &t.partitioning {
        s.push_str(&partition_by(part));
    }
    s
}
