//! The analysis rules that need the data, not only the schema: integer keys close to their
//! type's maximum (every dialect), free-text columns that hold an enumeration (PostgreSQL,
//! from the planner's statistics) and columns that depend on another non-key column
//! (functional dependencies on a bounded sample of each table's rows).

use crate::Error;
use migrex_analyze::{Finding, RULES};
use migrex_dialect::{qualified, quote_ident};
use migrex_model::{ColumnType, Dialect, QualifiedName, Schema, TextKind};
use migrex_safety::Severity;
use migrex_source_live::Db;

fn rule(code: &str) -> &'static migrex_lint::Rule {
    &RULES
        .iter()
        .find(|r| r.meta.code == code)
        .expect("the live rules are in the catalogue")
        .meta
}

fn finding(
    code: &str,
    severity: Severity,
    object: String,
    message: String,
    help: String,
) -> Finding {
    let r = rule(code);
    Finding {
        code: r.code,
        name: r.name,
        severity,
        object,
        message,
        help: Some(help),
        location: None,
    }
}

/// The greatest value an integer column can hold.
fn integer_max(d: Dialect, ty: &ColumnType) -> Option<f64> {
    let ty = match (d, ty) {
        (Dialect::Sqlite, ColumnType::Other { name }) => {
            migrex_dialect::parse_type(Dialect::Mysql, name)
        }
        _ => ty.clone(),
    };
    match ty {
        // SQLite stores every INTEGER in up to 8 bytes, whatever its declared width.
        ColumnType::Integer { .. } if d == Dialect::Sqlite => Some(i64::MAX as f64),
        ColumnType::Integer {
            bytes, unsigned, ..
        } => {
            let bits = u32::from(bytes) * 8 - u32::from(!unsigned);
            Some(2f64.powi(bits as i32) - 1.0)
        }
        _ => None,
    }
}

/// Rows read per table to look for functional dependencies: enough for evidence, bounded so
/// that a large table costs one short read.
const DEPENDENCY_SAMPLE: usize = 5000;
/// Columns per table compared pairwise (the first ones of a wide table).
const DEPENDENCY_COLUMNS: usize = 24;

/// Findings of MA214 (transitive-dependency): per table, a sample of the rows read as text and
/// checked for one non-key column determining others.
fn dependency_findings(db: &mut Db, schema: &Schema) -> Result<Vec<Finding>, Error> {
    let d = db.dialect();
    let text = match d {
        Dialect::Postgres => "text",
        Dialect::Mysql => "CHAR",
        Dialect::Sqlite => "TEXT",
    };
    let mut out = Vec::new();
    for (q, t) in schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        let key: Vec<&String> = t.primary_key.iter().flat_map(|p| &p.columns).collect();
        let columns: Vec<String> = t
            .columns
            .iter()
            .filter(|(n, c)| {
                !key.contains(n)
                    && c.generated.is_none()
                    && matches!(
                        migrex_analyze::rules::semantic(d, &c.ty),
                        ColumnType::Text { .. }
                            | ColumnType::Enum { .. }
                            | ColumnType::Integer { .. }
                            | ColumnType::Decimal { .. }
                            | ColumnType::Date
                    )
            })
            .map(|(n, _)| n.clone())
            .take(DEPENDENCY_COLUMNS)
            .collect();
        if columns.len() < 2 {
            continue;
        }
        let list = columns
            .iter()
            .map(|c| format!("CAST({} AS {text})", quote_ident(d, c)))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = db.query(&format!(
            "SELECT {list} FROM {} LIMIT {DEPENDENCY_SAMPLE}",
            qualified(d, &q)
        ))?;
        for dep in migrex_analyze::dependencies(&columns, &rows) {
            let a = &dep.determinant;
            let referenced = t
                .foreign_keys
                .iter()
                .find(|f| f.columns.len() == 1 && &f.columns[0] == a)
                .map(|f| f.ref_table.clone());
            let moved: Vec<&String> = dep.dependents.iter().chain(&dep.equivalent).collect();
            let moved_list = moved
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let mut message = if dep.dependents.is_empty() {
                format!("in {q}, {a} and {moved_list} determine each other")
            } else {
                format!("in {q}, {a} determines {}", dep.dependents.join(", "))
            };
            message.push_str(&format!(" on {} sampled rows", rows.len()));
            if !dep.dependents.is_empty() && !dep.equivalent.is_empty() {
                message.push_str(&format!(
                    " ({} determine(s) {a} back)",
                    dep.equivalent.join(", ")
                ));
            }
            let help = match referenced {
                Some(parent) => format!(
                    "{moved_list} belong(s) in {parent}, which {a} references: read them through the join and drop them here"
                ),
                None => format!(
                    "migrex refactor extract-lookup --column {}.{a}, then move {moved_list} into the lookup table",
                    q.name
                ),
            };
            out.push(finding(
                "MA214",
                Severity::Info,
                format!("column {q}.{a}"),
                message,
                help,
            ));
        }
    }
    Ok(out)
}

/// Findings of MA107 (key-near-overflow), MA212 (enum-as-text) and MA214
/// (transitive-dependency) on a live database.
pub fn live_findings(db: &mut Db, schema: &Schema) -> Result<Vec<Finding>, Error> {
    let d = db.dialect();
    let mut out = Vec::new();
    for (q, t) in schema.tables() {
        let Some(pk) = &t.primary_key else { continue };
        let [col] = pk.columns.as_slice() else {
            continue;
        };
        let Some(c) = t.columns.get(col) else {
            continue;
        };
        let Some(max) = integer_max(d, &c.ty) else {
            continue;
        };
        // max() of a key is read from the end of its index: no scan.
        let sql = format!(
            "SELECT CAST(max({}) AS CHAR(40)) FROM {}",
            quote_ident(d, col),
            qualified(d, &q)
        );
        let sql = if d == Dialect::Postgres {
            sql.replace("AS CHAR(40)", "AS text")
        } else {
            sql
        };
        let top: Option<f64> = db
            .query(&sql)?
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|v| v.parse().ok());
        let Some(top) = top else { continue };
        let used = top / max;
        if used >= 0.5 {
            let severity = if used >= 0.85 {
                Severity::Error
            } else {
                Severity::Warning
            };
            out.push(finding(
                "MA107",
                severity,
                format!("column {q}.{col}"),
                format!(
                    "{q}.{col} has used {:.0}% of its type's range (greatest value {top:.0} of {max:.0})",
                    used * 100.0
                ),
                format!("migrex refactor change-pk --table {} --to bigint", q.name),
            ));
        }
    }
    if d == Dialect::Postgres {
        let rows = db.query(
            "SELECT s.schemaname::text, s.tablename::text, s.attname::text, s.n_distinct::text, c.reltuples::bigint::text \
             FROM pg_stats s JOIN pg_namespace n ON n.nspname = s.schemaname \
             JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename \
             WHERE s.n_distinct BETWEEN 1 AND 10 AND c.reltuples >= 1000 \
               AND s.schemaname NOT IN ('pg_catalog', 'information_schema') \
             ORDER BY 1, 2, 3",
        )?;
        for r in rows {
            let cell = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
            let q = QualifiedName::new(cell(0), cell(1));
            let col = cell(2);
            let Some(t) = schema.table(&q) else { continue };
            let Some(c) = t.columns.get(&col) else {
                continue;
            };
            let text = matches!(
                c.ty,
                ColumnType::Text {
                    kind: TextKind::Text | TextKind::Varchar | TextKind::Char,
                    ..
                }
            );
            let keyed = t
                .primary_key
                .as_ref()
                .is_some_and(|p| p.columns.contains(&col))
                || t.foreign_keys.iter().any(|f| f.columns.contains(&col))
                || t.checks.iter().any(|k| k.expr.to_string().contains(&col));
            if !text || keyed {
                continue;
            }
            out.push(finding(
                "MA212",
                Severity::Info,
                format!("column {q}.{col}"),
                format!(
                    "{q}.{col} is free text but holds {} distinct values over about {} rows",
                    cell(3),
                    cell(4)
                ),
                format!("migrex refactor extract-lookup --column {}.{col}", q.name),
            ));
        }
    }
    out.extend(dependency_findings(db, schema)?);
    Ok(out)
}
