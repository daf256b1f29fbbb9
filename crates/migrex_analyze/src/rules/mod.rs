//! The analysis rules: one file each, with its catalogue entry (code, kebab-case name, default
//! severity, dialects, summary, documentation printed by `migrex rule CODE`) and its `ok`/`err`
//! tests. MA1xx are hazards (a warning means data can go wrong or the database works against
//! the application), MA2xx design hints (info).

use crate::Relationship;
use migrex_lint::Rule;
use migrex_model::{ColumnType, Dialect, QualifiedName, Schema};
use migrex_safety::Severity;

mod duplicate_index;
mod duplicated_one_to_one_column;
mod eav_table;
mod enum_as_text;
mod float_for_money;
mod foreign_key_cycle;
mod inconsistent_naming;
mod key_near_overflow;
mod list_in_column;
mod mismatched_key_type;
mod missing_foreign_key;
mod no_primary_key;
mod nullable_boolean;
mod polymorphic_association;
mod redundant_index;
mod repeating_column_group;
mod timestamp_without_time_zone;
pub mod transitive_dependency;
mod unindexed_foreign_key;
mod varchar_limit;
mod wide_table;

/// What a rule sees.
pub struct Context<'a> {
    pub schema: &'a Schema,
    pub relationships: &'a [Relationship],
}

/// One hit of a rule; the severity when it differs from the rule's default.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub object: String,
    pub message: String,
    pub help: Option<String>,
    pub severity: Option<Severity>,
}

impl Hit {
    pub fn new(object: String, message: String, help: impl Into<Option<String>>) -> Hit {
        Hit {
            object,
            message,
            help: help.into(),
            severity: None,
        }
    }
}

pub struct AnalyzeRule {
    pub meta: Rule,
    pub check: fn(&Context) -> Vec<Hit>,
}

pub static RULES: &[&AnalyzeRule] = &[
    &no_primary_key::RULE,
    &unindexed_foreign_key::RULE,
    &duplicate_index::RULE,
    &float_for_money::RULE,
    &missing_foreign_key::RULE,
    &mismatched_key_type::RULE,
    &key_near_overflow::RULE,
    &foreign_key_cycle::RULE,
    &redundant_index::RULE,
    &timestamp_without_time_zone::RULE,
    &nullable_boolean::RULE,
    &varchar_limit::RULE,
    &eav_table::RULE,
    &list_in_column::RULE,
    &repeating_column_group::RULE,
    &wide_table::RULE,
    &inconsistent_naming::RULE,
    &polymorphic_association::RULE,
    &enum_as_text::RULE,
    &duplicated_one_to_one_column::RULE,
    &transitive_dependency::RULE,
];

pub(crate) const ALL: &[&str] = &["postgres", "mysql", "sqlite"];

/// The portable reading of a column type: SQLite keeps declarations verbatim (`Other`), so
/// they are read with MySQL's type grammar (`varchar(3)`, `double`, `boolean`) to judge them.
pub fn semantic(d: Dialect, ty: &ColumnType) -> ColumnType {
    match (d, ty) {
        (Dialect::Sqlite, ColumnType::Other { name }) => {
            migrex_dialect::parse_type(Dialect::Mysql, name)
        }
        _ => ty.clone(),
    }
}

pub(crate) fn table_object(t: &QualifiedName) -> String {
    format!("table {t}")
}

pub(crate) fn column_object(t: &QualifiedName, c: &str) -> String {
    format!("column {t}.{c}")
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;

    /// The hits of `rule` on a schema read from `sql`.
    pub fn hits(rule: &AnalyzeRule, dialect: Dialect, sql: &str) -> Vec<Hit> {
        let loaded = migrex_source_sql::parse(sql, dialect, "t.sql").expect("fixture parses");
        let rels = crate::find_relationships(&loaded.schema);
        (rule.check)(&Context {
            schema: &loaded.schema,
            relationships: &rels,
        })
    }

    pub fn objects(rule: &AnalyzeRule, dialect: Dialect, sql: &str) -> Vec<String> {
        hits(rule, dialect, sql)
            .into_iter()
            .map(|h| h.object)
            .collect()
    }
}
