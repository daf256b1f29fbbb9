//! The names Active Record 6.1 gives what the schema statements create
//! (`SchemaStatements#index_name`, `#foreign_key_name`, `#check_constraint_name`,
//! `#foreign_key_column_for`, `ModelSchema.derive_join_table_name`).

use super::inflect;
use sha2::{Digest, Sha256};

/// `index_<table>_on_<col>_and_<col>`.
pub fn index_name(table: &str, columns: &[String]) -> String {
    format!("index_{table}_on_{}", columns.join("_and_"))
}

fn sha10(identifier: &str) -> String {
    let digest = Sha256::digest(identifier.as_bytes());
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(10)
        .collect()
}

/// `fk_rails_<first 10 hex digits of SHA256("<table>_<column>_fk")>`.
pub fn foreign_key_name(table: &str, column: &str) -> String {
    format!("fk_rails_{}", sha10(&format!("{table}_{column}_fk")))
}

/// `chk_rails_<first 10 hex digits of SHA256("<table>_<expression>_chk")>`.
pub fn check_name(table: &str, expression: &str) -> String {
    format!("chk_rails_{}", sha10(&format!("{table}_{expression}_chk")))
}

/// The column a foreign key to `to_table` uses by default: `<to_table singular>_id`.
pub fn foreign_key_column(to_table: &str) -> String {
    format!("{}_id", inflect::singularize(to_table))
}

/// The join table of two tables (`has_and_belongs_to_many`, `create_join_table`): both names
/// in lexical order joined by `_`, a common `prefix_` written once
/// (`catalog_categories` + `catalog_products` → `catalog_categories_products`).
pub fn join_table_name(first: &str, second: &str) -> String {
    let (a, b) = if first <= second {
        (first, second)
    } else {
        (second, first)
    };
    // `/^(.*_)(.+)\0\1(.+)/`: the longest `_`-terminated prefix of `a` that `b` shares, with
    // something left of both.
    let mut ends: Vec<usize> = a.match_indices('_').map(|(i, _)| i + 1).collect();
    ends.reverse();
    for end in ends {
        let prefix = &a[..end];
        if end < a.len() && b.starts_with(prefix) && b.len() > end {
            return format!("{prefix}{}_{}", &a[end..], &b[end..]);
        }
    }
    format!("{a}_{b}")
}
