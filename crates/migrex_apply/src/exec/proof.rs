//! Count and order-independent checksum of a proof query.
//!
//! PostgreSQL and MySQL/MariaDB compute both server-side (`Proof::pg_sql`, `Proof::mysql_sql`).
//! SQLite has no hash function, so the rows are streamed and hashed here: FNV-1a (64-bit) of the
//! cells joined by 0x1f, NULL written `\N`, summed in a u128. FNV-1a because the result must be
//! stable across Rust versions and machines (std's `DefaultHasher` is explicitly not), it needs
//! no dependency, and a proof guards against mistakes, not against an adversary.

use migrex_model::Dialect;
use migrex_render_sql::Proof;
use migrex_source_live::{Db, LiveError};

type TextRow = Vec<Option<String>>;

/// `(count, checksum)`, both as decimal text.
pub fn measure(db: &mut Db, proof: &Proof) -> Result<(String, String), LiveError> {
    let pair = |rows: Vec<TextRow>| {
        let r = rows.into_iter().next().unwrap_or_default();
        let c = |i: usize| r.get(i).cloned().flatten().unwrap_or_else(|| "0".into());
        (c(0), c(1))
    };
    match db.dialect() {
        Dialect::Postgres => Ok(pair(db.query(&proof.pg_sql())?)),
        Dialect::Mysql => {
            let (columns, rows) = db.query_named(&proof.probe_sql())?;
            if rows.is_empty() {
                return Ok(("0".into(), "0".into()));
            }
            Ok(pair(db.query(&proof.mysql_sql(&columns))?))
        }
        Dialect::Sqlite => {
            let mut sum: u128 = 0;
            let n = db.for_each_row(&proof.query, |row| {
                sum = sum.wrapping_add(u128::from(row_hash(&row)));
            })?;
            Ok((n.to_string(), sum.to_string()))
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The hash of one row (cells by position).
pub fn row_hash(row: &TextRow) -> u64 {
    let mut h = FNV_OFFSET;
    for (i, cell) in row.iter().enumerate() {
        if i > 0 {
            h = fnv1a(h, &[0x1f]);
        }
        h = fnv1a(h, cell.as_deref().unwrap_or("\\N").as_bytes());
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_the_published_function_and_rows_differ() {
        // Test vector of FNV-1a 64: "a" -> 0xaf63dc4c8601ec8c.
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        let r = |a: Option<&str>, b: Option<&str>| vec![a.map(String::from), b.map(String::from)];
        assert_ne!(
            row_hash(&r(Some("ab"), Some("c"))),
            row_hash(&r(Some("a"), Some("bc")))
        );
        assert_ne!(
            row_hash(&r(None, Some("x"))),
            row_hash(&r(Some(""), Some("x")))
        );
    }
}
