//! Partition keys, exclusion constraints and their index elements, read from sqlparser's AST.
//! The DDL reader parses what the file says and the live reader parses what PostgreSQL prints
//! (`pg_get_partkeydef`, `pg_get_constraintdef`) with the same functions, so both sides produce
//! the same model for the same object.

use migrex_model::{
    Deferrable, Dialect, Exclusion, ExclusionElement, IndexKey, IndexPart, PartitionStrategy,
    Partitioning,
};
use sqlparser::ast::{self, Expr as AstExpr};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

fn ident(id: &ast::Ident) -> String {
    if id.quote_style.is_some() {
        id.value.clone()
    } else {
        id.value.to_lowercase()
    }
}

/// An operator class or collation name as introspection reports it: unquoted, without
/// `pg_catalog.`.
fn object_name(n: &ast::ObjectName) -> String {
    let parts: Vec<String> =
        n.0.iter()
            .map(|p| match p.as_ident() {
                Some(i) => ident(i),
                None => p.to_string(),
            })
            .collect();
    match parts.as_slice() {
        [ns, name] if ns == "pg_catalog" || ns == "public" => name.clone(),
        _ => parts.join("."),
    }
}

/// One index element (`col`, `(expr)`, `col COLLATE "C" opclass DESC NULLS FIRST`), with the
/// same normalization as the readers' index parts.
pub fn index_part(
    e: &AstExpr,
    opclass: Option<&ast::ObjectName>,
    desc: bool,
    nulls_first: Option<bool>,
) -> IndexPart {
    let mut e = e;
    while let AstExpr::Nested(inner) = e {
        e = inner;
    }
    let (e, collation) = match e {
        AstExpr::Collate { expr, collation } => (expr.as_ref(), Some(object_name(collation))),
        other => (other, None),
    };
    let mut part = match e {
        AstExpr::Identifier(id) => IndexPart::column(ident(id)),
        other => {
            let mut inner = other;
            while let AstExpr::Nested(n) = inner {
                inner = n;
            }
            IndexPart {
                key: IndexKey::Expr(crate::expr(Dialect::Postgres, &inner.to_string())),
                ..IndexPart::column("")
            }
        }
    };
    part.collation = collation;
    part.descending = desc;
    part.nulls_first = nulls_first.filter(|n| *n != desc);
    part.opclass = opclass
        .map(object_name)
        .filter(|o| !super::is_default_opclass(None, o));
    part
}

fn index_column_part(ic: &ast::IndexColumn) -> IndexPart {
    index_part(
        &ic.column.expr,
        ic.operator_class.as_ref(),
        matches!(ic.column.options.sort, Some(ast::OrderBySort::Desc)),
        ic.column.options.nulls_first,
    )
}

/// `PARTITION BY RANGE (a, (b + 1))` as sqlparser reads it (a call of `RANGE`): the strategy and
/// the key. `None` when it is not one of PostgreSQL's three strategies.
pub fn partitioning_from_ast(e: &AstExpr) -> Option<Partitioning> {
    let AstExpr::Function(f) = e else { return None };
    let strategy = match f.name.to_string().to_ascii_uppercase().as_str() {
        "RANGE" => PartitionStrategy::Range,
        "LIST" => PartitionStrategy::List,
        "HASH" => PartitionStrategy::Hash,
        _ => return None,
    };
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let mut key = Vec::new();
    for a in &list.args {
        let ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) = a else {
            return None;
        };
        key.push(index_part(e, None, false, None));
    }
    Some(Partitioning {
        strategy,
        columns: false,
        linear: false,
        key,
        partitions: Vec::new(),
        count: None,
    })
}

/// What `pg_get_partkeydef` prints (`RANGE (a, d)`), read like a `PARTITION BY` clause.
pub fn partitioning_from_text(text: &str) -> Option<Partitioning> {
    let e = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(text)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    partitioning_from_ast(&e)
}

fn deferrable(c: Option<&ast::ConstraintCharacteristics>) -> Option<Deferrable> {
    let c = c?;
    match (c.deferrable, c.initially) {
        (Some(true), Some(ast::DeferrableInitial::Deferred)) => Some(Deferrable::InitiallyDeferred),
        (Some(true), _) => Some(Deferrable::InitiallyImmediate),
        (None, Some(ast::DeferrableInitial::Deferred)) => Some(Deferrable::InitiallyDeferred),
        _ => None,
    }
}

/// An `EXCLUDE` constraint; the name is `""` when it was not written (the DDL reader names it).
pub fn exclusion_from_ast(x: &ast::ExcludeConstraint) -> Exclusion {
    let predicate = x.where_clause.as_ref().map(|w| {
        let mut e = w.as_ref();
        while let AstExpr::Nested(inner) = e {
            e = inner;
        }
        crate::expr(Dialect::Postgres, &e.to_string())
    });
    Exclusion {
        name: x.name.as_ref().map(ident).unwrap_or_default(),
        method: x
            .index_method
            .as_ref()
            .map(|m| m.value.to_lowercase())
            .unwrap_or_else(|| "btree".into()),
        elements: x
            .elements
            .iter()
            .map(|el| ExclusionElement {
                part: index_column_part(&el.column),
                operator: match &el.operator {
                    ast::ExcludeConstraintOperator::Token(t) => t.clone(),
                    ast::ExcludeConstraintOperator::PGOperator(parts) => {
                        let parts: Vec<&str> = parts
                            .iter()
                            .map(String::as_str)
                            .filter(|p| *p != "pg_catalog")
                            .collect();
                        parts.join(".")
                    }
                },
            })
            .collect(),
        include: x.include.iter().map(ident).collect(),
        predicate,
        deferrable: deferrable(x.characteristics.as_ref()),
    }
}

/// What `pg_get_constraintdef` prints for an exclusion constraint, read back.
pub fn exclusion_from_text(name: &str, def: &str) -> Option<Exclusion> {
    let sql = format!("ALTER TABLE t ADD {def}");
    let st = Parser::new(&PostgreSqlDialect {})
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_statement())
        .ok()?;
    let ast::Statement::AlterTable(at) = st else {
        return None;
    };
    let Some(ast::AlterTableOperation::AddConstraint {
        constraint: ast::TableConstraint::Exclude(x),
        ..
    }) = at.operations.first()
    else {
        return None;
    };
    let mut out = exclusion_from_ast(x);
    out.name = name.to_string();
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_keys() {
        let p = partitioning_from_text("RANGE (a, ((a + 1)), lower(b))").expect("reads");
        assert_eq!(p.strategy, PartitionStrategy::Range);
        assert_eq!(p.key.len(), 3);
        assert_eq!(p.key[0].key, IndexKey::Column("a".into()));
        assert!(matches!(p.key[1].key, IndexKey::Expr(_)));
    }

    #[test]
    fn exclusions_read_back() {
        let x = exclusion_from_text(
            "r_excl",
            "EXCLUDE USING gist (room WITH =, during WITH &&) WHERE ((id > 0)) DEFERRABLE",
        )
        .expect("reads");
        assert_eq!(x.method, "gist");
        assert_eq!(x.elements.len(), 2);
        assert_eq!(x.elements[1].operator, "&&");
        assert_eq!(x.deferrable, Some(Deferrable::InitiallyImmediate));
        assert!(x.predicate.is_some());
    }
}
