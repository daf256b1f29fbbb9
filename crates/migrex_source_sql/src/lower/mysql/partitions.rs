//! MySQL / MariaDB partitioning from DDL: the `PARTITION BY ...` clause of `CREATE TABLE`, and
//! `ALTER TABLE t PARTITION BY ... | REMOVE PARTITIONING | ADD PARTITION (...) | DROP PARTITION`.
//!
//! Read from tokens: sqlparser 0.63 stops at a MySQL `PARTITION BY` after the table options
//! ("Expected: end of statement"), so the clause is cut off the `CREATE TABLE` before the rest
//! is parsed, and read here with sqlparser's tokenizer. Keys and bounds are sliced from the text
//! and brought to the normal form live introspection uses (`migrex_dialect::mysql`).
//! Subpartitions are not modeled: a clear warning, and the table is read without them.

use super::tokens::Cursor;
use migrex_dialect::mysql as my;
use migrex_model::{PartitionDef, PartitionStrategy, Partitioning};
use sqlparser::tokenizer::Token;

/// Splits a `CREATE TABLE` into the statement without its partitioning clause and the clause,
/// when it has one (a top-level `PARTITION BY` after the column list).
pub(crate) fn cut(text: &str) -> Option<(String, String)> {
    let c = Cursor::new(text).ok()?;
    if c.kw_at(0).as_deref() != Some("CREATE") {
        return None;
    }
    let mut depth = 0i32;
    let mut seen_columns = false;
    for (k, t) in c.toks.iter().enumerate() {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    seen_columns = true;
                }
            }
            Token::Word(w)
                if depth == 0
                    && seen_columns
                    && w.quote_style.is_none()
                    && w.value.eq_ignore_ascii_case("PARTITION")
                    && matches!(c.toks.get(k + 1).map(|n| &n.token),
                        Some(Token::Word(b)) if b.value.eq_ignore_ascii_case("BY")) =>
            {
                let clause = text[t.start..].trim().trim_end_matches(';').trim_end();
                return Some((text[..t.start].to_string(), clause.to_string()));
            }
            _ => {}
        }
    }
    None
}

/// A read partitioning with what it could not read.
pub(crate) struct Read {
    pub(crate) partitioning: Partitioning,
    pub(crate) warnings: Vec<String>,
}

/// Reads `PARTITION BY ...` (the cursor is at `PARTITION`).
fn partition_by(c: &mut Cursor) -> Result<Read, String> {
    let mut warnings = Vec::new();
    c.expect_kw("PARTITION")?;
    c.expect_kw("BY")?;
    let linear = c.eat_kw("LINEAR");
    let method = c.peek_kw().unwrap_or_default();
    let strategy = match method.as_str() {
        "RANGE" => PartitionStrategy::Range,
        "LIST" => PartitionStrategy::List,
        "HASH" => PartitionStrategy::Hash,
        "KEY" => PartitionStrategy::Key,
        other => return Err(format!("PARTITION BY {other} is not modeled")),
    };
    c.i += 1;
    let columns = c.eat_kw("COLUMNS");
    if strategy == PartitionStrategy::Key && c.eat_kw("ALGORITHM") {
        c.eat(&Token::Eq);
        c.i += 1;
    }
    let key = my::partition_key(strategy, columns, c.group()?);
    let mut p = Partitioning {
        strategy,
        columns,
        linear,
        key,
        partitions: Vec::new(),
        count: None,
    };
    if c.eat_kw("PARTITIONS") {
        p.count = Some(number(c)?);
    }
    if c.is_kw("SUBPARTITION") {
        warnings.push("subpartitioning is not modeled; the table is read without it".into());
        c.i += 2;
        c.eat_kw("LINEAR");
        c.i += 1;
        if c.eat_kw("ALGORITHM") {
            c.eat(&Token::Eq);
            c.i += 1;
        }
        c.group()?;
        if c.eat_kw("SUBPARTITIONS") {
            number(c)?;
        }
    }
    if c.peek() == Some(&Token::LParen) {
        c.i += 1;
        loop {
            p.partitions.push(definition(c, strategy, &mut warnings)?);
            if c.eat(&Token::Comma) {
                continue;
            }
            c.expect(&Token::RParen)?;
            break;
        }
    }
    my::normalize_partitioning(&mut p);
    Ok(Read {
        partitioning: p,
        warnings,
    })
}

fn number(c: &mut Cursor) -> Result<u32, String> {
    match c.peek() {
        Some(Token::Number(n, _)) => {
            let n = n.parse().map_err(|_| format!("bad number {n}"))?;
            c.i += 1;
            Ok(n)
        }
        _ => Err(format!("expected a number, found {}", c.describe())),
    }
}

/// `PARTITION name [VALUES ...] [options] [(subpartitions)]`.
fn definition(
    c: &mut Cursor,
    strategy: PartitionStrategy,
    warnings: &mut Vec<String>,
) -> Result<PartitionDef, String> {
    c.expect_kw("PARTITION")?;
    let name = c.name()?;
    let mut bound = None;
    if c.eat_kw("VALUES") {
        if c.eat_kws(&["LESS", "THAN"]) {
            bound = Some(if c.eat_kw("MAXVALUE") {
                my::partition_bound(strategy, "MAXVALUE")
            } else {
                my::partition_bound(strategy, c.group()?)
            });
        } else {
            c.expect_kw("IN")?;
            bound = Some(my::partition_bound(strategy, c.group()?));
        }
    }
    let mut comment = None;
    loop {
        c.eat_kw("STORAGE");
        let Some(kw) = c.peek_kw() else { break };
        match kw.as_str() {
            // The partitions' engine is the table's.
            "ENGINE" => {
                c.i += 1;
                c.eat(&Token::Eq);
                c.name()?;
            }
            "COMMENT" => {
                c.i += 1;
                c.eat(&Token::Eq);
                let text = c.string()?;
                comment = (!text.is_empty()).then_some(text);
            }
            "DATA" | "INDEX" | "MAX_ROWS" | "MIN_ROWS" | "TABLESPACE" | "NODEGROUP" => {
                let start = c.offset();
                c.i += 1;
                c.eat_kw("DIRECTORY");
                c.eat(&Token::Eq);
                c.i += 1;
                warnings.push(format!(
                    "partition option `{}` of partition {name} is not modeled",
                    &c.text[start..c.prev_end()]
                ));
            }
            _ => break,
        }
    }
    if c.peek() == Some(&Token::LParen) {
        c.group()?;
        warnings.push(format!(
            "subpartitions of partition {name} are not modeled; read without them"
        ));
    }
    Ok(PartitionDef {
        name,
        bound,
        comment,
    })
}

/// Reads a `CREATE TABLE`'s partitioning clause (from `cut`).
pub(crate) fn read_clause(clause: &str) -> Result<Read, String> {
    let mut c = Cursor::new(clause)?;
    let r = partition_by(&mut c)?;
    if !c.at_end() {
        return Err(format!(
            "unexpected {} after the partitioning clause",
            c.describe()
        ));
    }
    Ok(r)
}

/// A partitioning change by `ALTER TABLE`.
pub(crate) enum Alter {
    Set(Read),
    Remove,
    Add(Vec<PartitionDef>),
    Drop(Vec<String>),
}

/// `ALTER TABLE name <partition operation>`: the table's name and the operation, `None` when
/// the statement is another ALTER TABLE.
pub(crate) fn read_alter(text: &str) -> Option<(String, Result<Alter, String>)> {
    let mut c = Cursor::new(text.trim().trim_end_matches(';')).ok()?;
    if !c.eat_kws(&["ALTER", "TABLE"]) {
        return None;
    }
    let table = c.name().ok()?;
    let op = match c.peek_kw()?.as_str() {
        "PARTITION" if c.kw_at(1).as_deref() == Some("BY") => partition_by(&mut c).map(Alter::Set),
        "REMOVE" if c.kw_at(1).as_deref() == Some("PARTITIONING") => {
            c.i += 2;
            Ok(Alter::Remove)
        }
        "ADD" if c.kw_at(1).as_deref() == Some("PARTITION") => {
            c.i += 2;
            (|| {
                c.expect(&Token::LParen)?;
                let mut defs = Vec::new();
                let mut warnings = Vec::new();
                loop {
                    // The strategy only decides the key order of list bounds, fixed up below.
                    defs.push(definition(&mut c, PartitionStrategy::Range, &mut warnings)?);
                    if c.eat(&Token::Comma) {
                        continue;
                    }
                    c.expect(&Token::RParen)?;
                    break;
                }
                Ok(Alter::Add(defs))
            })()
        }
        "DROP" if c.kw_at(1).as_deref() == Some("PARTITION") => {
            c.i += 2;
            let mut names = Vec::new();
            loop {
                match c.name() {
                    Ok(n) => names.push(n),
                    Err(e) => return Some((table, Err(e))),
                }
                if !c.eat(&Token::Comma) {
                    break;
                }
            }
            Ok(Alter::Drop(names))
        }
        _ => return None,
    };
    let op = match op {
        Ok(_) if !c.at_end() => Err(format!(
            "unexpected {} after the partition operation",
            c.describe()
        )),
        other => other,
    };
    Some((table, op))
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::IndexPart;

    #[test]
    fn cuts_and_reads_the_clause() {
        let sql = "CREATE TABLE t (id int, d date, PRIMARY KEY (id, d)) ENGINE=InnoDB\nPARTITION BY RANGE (year(d))\n(PARTITION p0 VALUES LESS THAN (2020) COMMENT = 'old',\n PARTITION pmax VALUES LESS THAN MAXVALUE ENGINE = InnoDB)";
        let (rest, clause) = cut(sql).expect("has a clause");
        assert_eq!(
            rest.trim_end(),
            "CREATE TABLE t (id int, d date, PRIMARY KEY (id, d)) ENGINE=InnoDB"
        );
        let r = read_clause(&clause).expect("reads");
        assert!(r.warnings.is_empty());
        let p = r.partitioning;
        assert_eq!(p.strategy, PartitionStrategy::Range);
        assert_eq!(p.partitions.len(), 2);
        assert_eq!(p.partitions[0].comment.as_deref(), Some("old"));
        assert_eq!(
            p.partitions[1].bound.as_ref().map(|b| b.sql.as_str()),
            Some("MAXVALUE")
        );
        assert!(cut("CREATE TABLE t (a int, PARTITION int)").is_none());
    }

    #[test]
    fn hash_key_and_list_columns() {
        let r = read_clause("PARTITION BY LINEAR HASH (id) PARTITIONS 4").expect("reads");
        assert!(r.partitioning.linear);
        assert_eq!(r.partitioning.count, Some(4));
        assert_eq!(r.partitioning.key, vec![IndexPart::column("id")]);
        let r = read_clause("PARTITION BY KEY () PARTITIONS 1").expect("reads");
        assert_eq!(r.partitioning.count, None);
        assert!(r.partitioning.key.is_empty());
        let r = read_clause(
            "PARTITION BY LIST COLUMNS (c, id) (PARTITION a VALUES IN (('US',1),('CA',2)))",
        )
        .expect("reads");
        assert!(r.partitioning.columns);
        assert_eq!(r.partitioning.key.len(), 2);
        let r = read_clause(
            "PARTITION BY RANGE (id) SUBPARTITION BY HASH (id) SUBPARTITIONS 2 (PARTITION p0 VALUES LESS THAN (5))",
        )
        .expect("reads");
        assert_eq!(r.warnings.len(), 1);
    }

    #[test]
    fn alter_table_partition_operations() {
        let (t, op) =
            read_alter("ALTER TABLE s ADD PARTITION (PARTITION p3 VALUES LESS THAN (2025))")
                .expect("a partition operation");
        assert_eq!(t, "s");
        assert!(matches!(op, Ok(Alter::Add(d)) if d.len() == 1));
        assert!(matches!(
            read_alter("ALTER TABLE s DROP PARTITION a, b").map(|x| x.1),
            Some(Ok(Alter::Drop(n))) if n.len() == 2
        ));
        assert!(matches!(
            read_alter("ALTER TABLE s REMOVE PARTITIONING").map(|x| x.1),
            Some(Ok(Alter::Remove))
        ));
        assert!(read_alter("ALTER TABLE s ADD COLUMN x int").is_none());
    }
}
