//! Django's generated identifiers, ported from `django/db/backends/utils.py`
//! (`names_digest`, `truncate_name`, `split_identifier`) and
//! `django/db/backends/base/schema.py` (`_create_index_name`, `_fk_constraint_name`).

use md5::{Digest, Md5};
use migrex_model::Dialect;

/// `connection.ops.max_name_length()`: PostgreSQL 63, MySQL 64, SQLite none.
pub fn max_name_length(dialect: Dialect) -> Option<usize> {
    match dialect {
        Dialect::Postgres => Some(63),
        Dialect::Mysql => Some(64),
        Dialect::Sqlite => None,
    }
}

/// `names_digest(*args, length)`: the first `length` hex digits of the MD5 of the arguments
/// concatenated.
pub fn names_digest(args: &[&str], length: usize) -> String {
    let mut h = Md5::new();
    for a in args {
        h.update(a.as_bytes());
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    hex[..length.min(hex.len())].to_string()
}

/// `split_identifier('"ns"."name"')` -> `("ns", "name")`; `("", name)` without a namespace.
pub fn split_identifier(identifier: &str) -> (String, String) {
    match identifier.split_once("\".\"") {
        Some((ns, name)) if !name.contains("\".\"") => (
            ns.trim_matches('"').to_string(),
            name.trim_matches('"').to_string(),
        ),
        _ => (String::new(), identifier.trim_matches('"').to_string()),
    }
}

/// `truncate_name(identifier, length, hash_len=4)`: shortens a name past `length` to its
/// prefix plus a 4-digit hash of the whole name.
pub fn truncate_name(identifier: &str, length: Option<usize>) -> String {
    let hash_len = 4;
    let (namespace, name) = split_identifier(identifier);
    let Some(length) = length else {
        return identifier.to_string();
    };
    if name.chars().count() <= length {
        return identifier.to_string();
    }
    let digest = names_digest(&[&name], hash_len);
    let prefix: String = name.chars().take(length - hash_len).collect();
    if namespace.is_empty() {
        format!("{prefix}{digest}")
    } else {
        format!("{namespace}\".\"{prefix}{digest}")
    }
}

/// `BaseDatabaseSchemaEditor._create_index_name(table_name, column_names, suffix)`.
pub fn create_index_name(dialect: Dialect, table: &str, columns: &[&str], suffix: &str) -> String {
    let (_, table) = split_identifier(table);
    let mut args = vec![table.as_str()];
    args.extend_from_slice(columns);
    let mut hash_suffix = format!("{}{suffix}", names_digest(&args, 8));
    let max = max_name_length(dialect).unwrap_or(200);
    let joined = columns.join("_");
    let name = format!("{table}_{joined}_{hash_suffix}");
    if name.chars().count() <= max {
        return name;
    }
    // Python: `len(hash_suffix_part) > max_length / 3` (true division).
    if hash_suffix.chars().count() * 3 > max {
        hash_suffix = hash_suffix.chars().take(max / 3).collect();
    }
    let other = (max - hash_suffix.chars().count()) / 2 - 1;
    let mut name = format!(
        "{}_{}_{}",
        table.chars().take(other).collect::<String>(),
        joined.chars().take(other).collect::<String>(),
        hash_suffix
    );
    if name.starts_with('_') || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.pop();
        name = format!("D{name}");
    }
    name
}

/// `_fk_constraint_name`: the index name of the column with suffix `_fk_<to_table>_<to_column>`.
pub fn fk_constraint_name(
    dialect: Dialect,
    table: &str,
    column: &str,
    to_table: &str,
    to_column: &str,
) -> String {
    let (_, to_table) = split_identifier(to_table);
    create_index_name(
        dialect,
        table,
        &[column],
        &format!("_fk_{to_table}_{to_column}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Names printed by `manage.py sqlmigrate` (Django 5.2.19) for the fixture project.
    #[test]
    fn names_match_django() {
        let pg = Dialect::Postgres;
        assert_eq!(
            create_index_name(pg, "catalog_product", &["name"], ""),
            "catalog_product_name_924af5bc"
        );
        assert_eq!(
            create_index_name(pg, "legacy_countries", &["code"], "_like"),
            "legacy_countries_code_8feba8a8_like"
        );
        assert_eq!(
            fk_constraint_name(
                pg,
                "catalog_productsupplier",
                "supplier_id",
                "catalog_supplier",
                "id"
            ),
            "catalog_productsuppl_supplier_id_d61a5947_fk_catalog_s"
        );
        assert_eq!(
            fk_constraint_name(
                pg,
                "catalog_product",
                "category_id",
                "catalog_category",
                "id"
            ),
            "catalog_product_category_id_35bf920b_fk_catalog_category_id"
        );
        assert_eq!(
            create_index_name(
                Dialect::Sqlite,
                "catalog_productsupplier",
                &["product_id", "supplier_id"],
                "_uniq"
            ),
            "catalog_productsupplier_product_id_supplier_id_20ec3699_uniq"
        );
        assert_eq!(truncate_name("short", Some(63)), "short");
        assert_eq!(truncate_name(&"x".repeat(70), Some(63)).len(), 63);
    }
}
