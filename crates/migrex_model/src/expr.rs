//! SQL expressions kept in two forms: as the database or the user spelled them (for rendering),
//! and a normalized comparison key (for equality).

use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

/// A SQL expression: a default, a check, a generated column, an index predicate or key, a view query.
///
/// Databases rewrite what they store: PostgreSQL turns `CHECK (price > 0)` on a numeric column
/// into `CHECK ((price > (0)::numeric))` and `x IN ('a','b')` into `x = ANY (ARRAY[...])`. The
/// rendering must stay valid SQL, so `sql` is kept as read; equality uses `key`, computed by
/// `migrex_dialect::normalize` with the dialect's rules, so a schema read from DDL equals the
/// same schema introspected after loading it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Expr {
    pub sql: String,
    pub key: String,
}

impl Expr {
    /// An expression with an explicit comparison key (sources call `migrex_dialect::expr`).
    pub fn with_key(sql: impl Into<String>, key: impl Into<String>) -> Expr {
        Expr {
            sql: sql.into(),
            key: key.into(),
        }
    }
}

impl PartialEq for Expr {
    fn eq(&self, other: &Expr) -> bool {
        self.key == other.key
    }
}

impl Eq for Expr {}

impl Hash for Expr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl std::fmt::Display for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.sql)
    }
}
