//! PostgreSQL declarative partitioning and exclusion constraints.
//!
//! A partition (`CREATE TABLE p PARTITION OF parent FOR VALUES ...`, or pg_dump's `CREATE TABLE
//! p (...)` + `ALTER TABLE ONLY parent ATTACH PARTITION p FOR VALUES ...`) has exactly its
//! parent's columns (as PostgreSQL copies them: no identity, no comment) and a bound spelled the
//! way `pg_get_expr(relpartbound)` prints it. Keys, indexes and foreign keys a partition gets
//! from its parent are the parent's: pg_dump's `ALTER INDEX parent_idx ATTACH PARTITION
//! child_idx` takes the child's copy out of the model.
//!
//! sqlparser 0.63 reads `PARTITION OF` and `PARTITION BY` but not PostgreSQL's `ATTACH
//! PARTITION`, `DETACH PARTITION` or `ALTER INDEX ... ATTACH PARTITION`: those are read here with
//! sqlparser's `Parser` primitives. Bound literals are rewritten by hand to PostgreSQL's output
//! form (integers bare, dates and timestamps in ISO form, `timestamptz` in UTC), which needs the
//! key column's type and so cannot come from a generic expression normalizer.

use super::super::Lower;
use crate::SqlError;
use crate::split::Piece;
use migrex_dialect::postgres as pg;
use migrex_model::{
    ColumnType, Expr, IndexKey, PartitionOf, Partitioning, QualifiedName, Schema, Table, TextKind,
};
use sqlparser::ast::{self, Expr as AstExpr};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::collections::HashSet;

/// A bound as written, before it is spelled the way PostgreSQL prints it.
enum Bound {
    Default,
    In(Vec<AstExpr>),
    Range(Vec<Value>, Vec<Value>),
    Hash(u64, u64),
}

enum Value {
    Min,
    Max,
    Expr(Box<AstExpr>),
}

impl Lower<'_> {
    /// pg_dump's `ALTER TABLE [ONLY] parent ATTACH|DETACH PARTITION ...` and `ALTER INDEX parent
    /// ATTACH PARTITION child`; `None` for other statements.
    pub(in crate::lower) fn pg_partition_piece(
        &mut self,
        piece: &Piece,
    ) -> Option<Result<(), SqlError>> {
        let w = super::super::leading_words(&piece.text, 2);
        // pg_dump's `CREATE INDEX i ON ONLY parent`: the partitioned table's own index (its
        // partitions' copies are attached to it below); sqlparser does not read `ONLY` there.
        if w == "CREATE INDEX" || w == "CREATE UNIQUE" {
            let upper = piece.text.to_ascii_uppercase();
            let at = upper.find(" ON ONLY ")?;
            let mut fixed = piece.clone();
            fixed.text = format!("{} ON {}", &piece.text[..at], &piece.text[at + 9..]);
            return Some(self.piece(&fixed));
        }
        if w == "CREATE TABLE" && piece.text.to_ascii_uppercase().contains("WITH OPTIONS") {
            return self.pg_partition_with_options(piece);
        }
        if w != "ALTER TABLE" && w != "ALTER INDEX" {
            return None;
        }
        let d = PostgreSqlDialect {};
        let mut p = Parser::new(&d).try_with_sql(&piece.text).ok()?;
        p.expect_keyword(Keyword::ALTER).ok()?;
        let index = p.parse_keyword(Keyword::INDEX);
        if !index {
            p.expect_keyword(Keyword::TABLE).ok()?;
        }
        let _ = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
        let _ = p.parse_keyword(Keyword::ONLY);
        let parent = p.parse_object_name(false).ok()?;
        let attach = p.parse_keywords(&[Keyword::ATTACH, Keyword::PARTITION]);
        let detach = !attach && p.parse_keywords(&[Keyword::DETACH, Keyword::PARTITION]);
        if !attach && !detach {
            return None;
        }
        let parent = self.qname(&parent);
        let result = (|| -> Result<(), ParserError> {
            let child = p.parse_object_name(false)?;
            let child = self.qname(&child);
            if index {
                self.pg_attach_index(piece, &parent, &child);
            } else if attach {
                let bound = parse_bound(&mut p)?;
                self.pg_attach(piece, &parent, &child, &bound);
            } else {
                self.pg_detach(piece, &child);
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.pg_types_warn_parse(piece, "ATTACH/DETACH PARTITION", &e);
        }
        Some(Ok(()))
    }

    /// `CREATE TABLE p PARTITION OF parent (c WITH OPTIONS DEFAULT x NOT NULL, ...) ...`, which
    /// sqlparser does not read: the column items are taken out of the list, the rest is read as
    /// usual, and each item's options are then read as those of a column definition and set on
    /// the partition's column.
    fn pg_partition_with_options(&mut self, piece: &Piece) -> Option<Result<(), SqlError>> {
        let d = PostgreSqlDialect {};
        let tokens = sqlparser::tokenizer::Tokenizer::new(&d, &piece.text)
            .tokenize()
            .ok()?;
        let open = tokens.iter().position(|t| *t == Token::LParen)?;
        // Items of the top-level list: (start, end) token ranges.
        let (mut depth, mut start, mut items, mut close) = (0i32, open + 1, Vec::new(), None);
        for (i, t) in tokens.iter().enumerate().skip(open) {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        items.push((start, i));
                        close = Some(i);
                        break;
                    }
                }
                Token::Comma if depth == 1 => {
                    items.push((start, i));
                    start = i + 1;
                }
                _ => {}
            }
        }
        let close = close?;
        let words = |r: (usize, usize)| -> Vec<&Token> {
            tokens[r.0..r.1]
                .iter()
                .filter(|t| !matches!(t, Token::Whitespace(_)))
                .collect()
        };
        let is_with_options = |r: (usize, usize)| {
            let w = words(r);
            w.len() >= 3
                && matches!(w[1], Token::Word(x) if x.keyword == Keyword::WITH)
                && matches!(w[2], Token::Word(x) if x.value.eq_ignore_ascii_case("OPTIONS"))
        };
        let (opts, kept): (Vec<_>, Vec<_>) = items.into_iter().partition(|r| is_with_options(*r));
        if opts.is_empty() {
            return None;
        }
        let text_of = |a: usize, b: usize| -> String {
            tokens[a..b].iter().map(ToString::to_string).collect()
        };
        let mut rest = text_of(0, open);
        if !kept.is_empty() {
            let list: Vec<String> = kept.iter().map(|r| text_of(r.0, r.1)).collect();
            rest.push_str(&format!("({})", list.join(",")));
        }
        rest.push_str(&text_of(close + 1, tokens.len()));
        let mut stripped = piece.clone();
        stripped.text = rest;
        if let Err(e) = self.piece(&stripped) {
            return Some(Err(e));
        }
        // The options, read as a column definition's.
        let st = Parser::new(&d)
            .try_with_sql(&stripped.text)
            .and_then(|mut p| p.parse_statement());
        let Ok(ast::Statement::CreateTable(ct)) = st else {
            return Some(Ok(()));
        };
        let qn = self.qname(&ct.name);
        for r in opts {
            let w = words(r);
            let col = w[0].to_string();
            let after = tokens[r.0..r.1]
                .iter()
                .position(
                    |t| matches!(t, Token::Word(x) if x.value.eq_ignore_ascii_case("OPTIONS")),
                )
                .map_or(r.1, |p| r.0 + p + 1);
            let options = text_of(after, r.1);
            let def = format!("CREATE TABLE x ({col} integer {options})");
            let parsed = Parser::new(&d)
                .try_with_sql(&def)
                .and_then(|mut p| p.parse_statement());
            let Ok(ast::Statement::CreateTable(ct)) = parsed else {
                self.warn(
                    piece,
                    format!("column options `{options}` of {qn}.{col} not read"),
                );
                continue;
            };
            let Some(cd) = ct.columns.first() else {
                continue;
            };
            let name = self.ident(&cd.name);
            let Some(mut table) = self.schema.table(&qn).cloned() else {
                continue;
            };
            let Some(mut column) = table.columns.get(&name).cloned() else {
                self.warn(piece, format!("WITH OPTIONS on unknown column {qn}.{name}"));
                continue;
            };
            for o in &cd.options {
                self.column_option(
                    piece,
                    &qn,
                    &mut table,
                    &mut column,
                    o.name.as_ref(),
                    &o.option,
                );
            }
            table.columns.insert(name, column);
            self.schema
                .namespace_mut(&qn.namespace)
                .tables
                .insert(qn.name.clone(), table);
        }
        Some(Ok(()))
    }

    /// `CREATE TABLE p PARTITION OF parent [(constraints)] FOR VALUES ... [PARTITION BY ...]`.
    pub(in crate::lower) fn pg_create_partition(
        &mut self,
        piece: &Piece,
        ct: ast::CreateTable,
    ) -> Result<(), SqlError> {
        let qn = self.qname(&ct.name);
        let Some(parent_name) = &ct.partition_of else {
            return Ok(());
        };
        let parent_q = self.qname(parent_name);
        let Some(parent) = self.schema.table(&parent_q).cloned() else {
            self.warn(
                piece,
                format!("partition {qn} of unknown table {parent_q} skipped"),
            );
            return Ok(());
        };
        let bound = match &ct.for_values {
            Some(ast::ForValues::Default) | None => Bound::Default,
            Some(ast::ForValues::In(v)) => Bound::In(v.clone()),
            Some(ast::ForValues::From { from, to }) => {
                let conv = |v: &[ast::PartitionBoundValue]| {
                    v.iter()
                        .map(|b| match b {
                            ast::PartitionBoundValue::MinValue => Value::Min,
                            ast::PartitionBoundValue::MaxValue => Value::Max,
                            ast::PartitionBoundValue::Expr(e) => Value::Expr(Box::new(e.clone())),
                        })
                        .collect()
                };
                Bound::Range(conv(from), conv(to))
            }
            Some(ast::ForValues::With { modulus, remainder }) => Bound::Hash(*modulus, *remainder),
        };
        let mut table = Table::new(qn.name.clone());
        self.info.table(&qn);
        table.options = parent.options.clone();
        if let migrex_model::TableOptions::Postgres(o) = &mut table.options {
            o.row_level_security = false;
            o.force_row_level_security = false;
            o.inherits.clear();
        }
        for (name, c) in &parent.columns {
            table
                .columns
                .insert(name.clone(), pg::partition_column(&parent_q, c));
        }
        for c in ct.constraints.clone() {
            self.table_constraint(piece, &qn, &mut table, c, false);
        }
        table.partitioning = ct
            .partition_by
            .as_deref()
            .and_then(pg::partitioning_from_ast);
        table.partition_of = Some(PartitionOf {
            parent: parent_q.clone(),
            bound: bound_expr(&bound, &parent, &self.schema),
        });
        self.provenance
            .locations
            .insert(format!("table {qn}"), self.loc(piece));
        self.schema
            .namespace_mut(&qn.namespace)
            .tables
            .insert(qn.name.clone(), table);
        Ok(())
    }

    /// The `PARTITION BY` of a `CREATE TABLE`, or a warning when it is not one PostgreSQL has.
    pub(in crate::lower) fn pg_partition_by(
        &mut self,
        piece: &Piece,
        qn: &QualifiedName,
        e: &AstExpr,
    ) -> Option<Partitioning> {
        let p = pg::partitioning_from_ast(e);
        if p.is_none() {
            self.warn(
                piece,
                format!("partitioning `PARTITION BY {e}` of {qn} is not modeled"),
            );
        }
        p
    }

    /// An `EXCLUDE` constraint of a table; named by `finalize` when unnamed.
    pub(in crate::lower) fn pg_exclusion(&mut self, table: &mut Table, x: &ast::ExcludeConstraint) {
        let mut e = pg::exclusion_from_ast(x);
        if let Some(n) = &x.name {
            e.name = self.ident(n);
        }
        table.exclusions.push(e);
    }

    fn pg_attach(
        &mut self,
        piece: &Piece,
        parent_q: &QualifiedName,
        child: &QualifiedName,
        b: &Bound,
    ) {
        let Some(parent) = self.schema.table(parent_q).cloned() else {
            return self.warn(
                piece,
                format!("ATTACH PARTITION to unknown table {parent_q} skipped"),
            );
        };
        let bound = bound_expr(b, &parent, &self.schema);
        let Some(t) = self.schema.table_mut(child) else {
            return self.warn(
                piece,
                format!("ATTACH PARTITION of unknown table {child} skipped"),
            );
        };
        t.partition_of = Some(PartitionOf {
            parent: parent_q.clone(),
            bound,
        });
    }

    fn pg_detach(&mut self, piece: &Piece, child: &QualifiedName) {
        match self.schema.table_mut(child) {
            Some(t) => t.partition_of = None,
            None => self.warn(
                piece,
                format!("DETACH PARTITION of unknown table {child} skipped"),
            ),
        }
    }

    /// `ALTER INDEX parent_idx ATTACH PARTITION child_idx`: the child's index (or the key or
    /// exclusion constraint it implements) is the parent's.
    fn pg_attach_index(&mut self, piece: &Piece, _parent: &QualifiedName, child: &QualifiedName) {
        let Some(ns) = self.schema.namespaces.get_mut(&child.namespace) else {
            return;
        };
        let n = child.name.as_str();
        let mut found = false;
        for t in ns.tables.values_mut() {
            if t.partition_of.is_none() {
                continue;
            }
            if t.primary_key
                .as_ref()
                .is_some_and(|p| p.name.as_deref() == Some(n))
            {
                t.primary_key = None;
                found = true;
            }
            let before = t.uniques.len() + t.indexes.len() + t.exclusions.len();
            t.uniques.retain(|u| u.name.as_deref() != Some(n));
            t.indexes.retain(|i| i.name != n);
            t.exclusions.retain(|x| x.name != n);
            found |= before != t.uniques.len() + t.indexes.len() + t.exclusions.len();
        }
        if !found {
            self.warn(
                piece,
                format!("ALTER INDEX ... ATTACH PARTITION names unknown index {child}; skipped"),
            );
        }
    }
}

impl Lower<'_> {
    /// A warning at the position a parser error names (relative to the statement).
    pub(super) fn pg_types_warn_parse(&mut self, piece: &Piece, what: &str, e: &ParserError) {
        let at = self.error_at(piece, &e.to_string());
        self.warnings.push(migrex_model::Warning {
            message: format!("{what} not read: {}", at.message),
            location: Some(format!("{}:{}:{}", at.file, at.line, at.column)),
        });
    }
}

/// `DEFAULT`, `FOR VALUES IN (...)`, `FOR VALUES FROM (...) TO (...)` or `FOR VALUES WITH
/// (MODULUS m, REMAINDER r)`.
fn parse_bound(p: &mut Parser) -> Result<Bound, ParserError> {
    if p.parse_keyword(Keyword::DEFAULT) {
        return Ok(Bound::Default);
    }
    p.expect_keywords(&[Keyword::FOR, Keyword::VALUES])?;
    if p.parse_keyword(Keyword::IN) {
        p.expect_token(&Token::LParen)?;
        let v = p.parse_comma_separated(Parser::parse_expr)?;
        p.expect_token(&Token::RParen)?;
        return Ok(Bound::In(v));
    }
    if p.parse_keyword(Keyword::WITH) {
        p.expect_token(&Token::LParen)?;
        p.expect_keyword(Keyword::MODULUS)?;
        let m = p.parse_literal_uint()?;
        p.expect_token(&Token::Comma)?;
        p.expect_keyword(Keyword::REMAINDER)?;
        let r = p.parse_literal_uint()?;
        p.expect_token(&Token::RParen)?;
        return Ok(Bound::Hash(m, r));
    }
    let list = |p: &mut Parser| -> Result<Vec<Value>, ParserError> {
        p.expect_token(&Token::LParen)?;
        let v = p.parse_comma_separated(|p| {
            if p.parse_keyword(Keyword::MINVALUE) {
                Ok(Value::Min)
            } else if p.parse_keyword(Keyword::MAXVALUE) {
                Ok(Value::Max)
            } else {
                p.parse_expr().map(|e| Value::Expr(Box::new(e)))
            }
        })?;
        p.expect_token(&Token::RParen)?;
        Ok(v)
    };
    p.expect_keyword(Keyword::FROM)?;
    let from = list(p)?;
    p.expect_keyword(Keyword::TO)?;
    let to = list(p)?;
    Ok(Bound::Range(from, to))
}

/// The types of a partitioned table's key, `None` for expressions (and unknown columns).
fn key_types(parent: &Table, schema: &Schema) -> Vec<Option<ColumnType>> {
    let Some(p) = &parent.partitioning else {
        return Vec::new();
    };
    p.key
        .iter()
        .map(|k| match &k.key {
            IndexKey::Column(c) => parent.columns.get(c).map(|c| base_type(&c.ty, schema)),
            IndexKey::Expr(_) => None,
        })
        .collect()
}

/// A domain's base type (PostgreSQL prints a bound of a domain-typed key like its base type).
fn base_type(ty: &ColumnType, schema: &Schema) -> ColumnType {
    if let ColumnType::UserDefined { name } = ty
        && let Some(d) = schema
            .namespaces
            .get(&name.namespace)
            .and_then(|n| n.domains.get(&name.name))
    {
        return d.base.clone();
    }
    ty.clone()
}

fn bound_expr(b: &Bound, parent: &Table, schema: &Schema) -> Expr {
    let types = key_types(parent, schema);
    let ty = |i: usize| types.get(i).cloned().flatten();
    let text = match b {
        Bound::Default => "DEFAULT".to_string(),
        Bound::Hash(m, r) => format!("FOR VALUES WITH (modulus {m}, remainder {r})"),
        Bound::In(v) => {
            let t = ty(0);
            let items: Vec<String> = v.iter().map(|e| literal(e, t.as_ref())).collect();
            format!("FOR VALUES IN ({})", items.join(", "))
        }
        Bound::Range(from, to) => {
            let side = |v: &[Value]| -> String {
                v.iter()
                    .enumerate()
                    .map(|(i, x)| match x {
                        Value::Min => "MINVALUE".to_string(),
                        Value::Max => "MAXVALUE".to_string(),
                        Value::Expr(e) => literal(e, ty(i).as_ref()),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("FOR VALUES FROM ({}) TO ({})", side(from), side(to))
        }
    };
    Expr::with_key(text.clone(), text)
}

/// A bound value as PostgreSQL prints a constant of the key's type.
fn literal(e: &AstExpr, ty: Option<&ColumnType>) -> String {
    let mut e = e;
    loop {
        match e {
            AstExpr::Nested(inner) => e = inner,
            AstExpr::Cast { expr, .. } => e = expr,
            _ => break,
        }
    }
    let raw: Option<String> = match e {
        AstExpr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => Some(s.clone()),
            ast::Value::Number(n, _) => Some(n.clone()),
            ast::Value::Boolean(b) => Some(b.to_string()),
            ast::Value::Null => return "NULL".into(),
            _ => None,
        },
        AstExpr::UnaryOp {
            op: ast::UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            AstExpr::Value(v) => match &v.value {
                ast::Value::Number(n, _) => Some(format!("-{n}")),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    };
    let Some(raw) = raw else {
        return e.to_string();
    };
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    match ty {
        Some(ColumnType::Integer { .. }) => {
            let v = raw.trim().trim_start_matches('+');
            match v.parse::<i64>() {
                Ok(n) if n < 0 => quote(&n.to_string()),
                Ok(n) => n.to_string(),
                Err(_) => quote(&raw),
            }
        }
        Some(ColumnType::Decimal { .. }) => {
            let v = raw.trim();
            if v.starts_with(|c: char| c.is_ascii_digit()) && v.contains(['.', 'e', 'E']) {
                v.to_string()
            } else {
                quote(v)
            }
        }
        Some(ColumnType::Bool) => match raw.to_ascii_lowercase().as_str() {
            "t" | "true" | "yes" | "on" | "1" | "y" => "true".into(),
            _ => "false".into(),
        },
        Some(ColumnType::Date) => quote(&datetime(&raw, Kind::Date).unwrap_or(raw)),
        Some(ColumnType::Timestamp { tz: false, .. }) => {
            quote(&datetime(&raw, Kind::Timestamp).unwrap_or(raw))
        }
        Some(ColumnType::Timestamp { tz: true, .. }) => {
            quote(&datetime(&raw, Kind::TimestampTz).unwrap_or(raw))
        }
        Some(ColumnType::Text {
            kind: TextKind::Text | TextKind::Varchar | TextKind::Char,
            ..
        }) => quote(&raw),
        _ => match e {
            AstExpr::Value(v) if matches!(v.value, ast::Value::SingleQuotedString(_)) => {
                quote(&raw)
            }
            _ => raw,
        },
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Date,
    Timestamp,
    TimestampTz,
}

/// `2022-1-1`, `2022-01-01 05:00`, `2022-04-01 01:00:00+01` in PostgreSQL's output form;
/// `timestamptz` values in UTC (the live reader reads with `TimeZone` UTC, and a value without
/// an offset is taken as UTC). `None` for anything else (`infinity`, BC dates...).
fn datetime(s: &str, kind: Kind) -> Option<String> {
    let s = s.trim();
    let (date, rest) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let mut d = date.split('-');
    let (y, m, dd): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    if kind == Kind::Date {
        return rest.is_empty().then(|| format!("{y:04}-{m:02}-{dd:02}"));
    }
    // Time and offset.
    let (time, offset) = match rest.find(['+', '-']) {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let time = match time.trim() {
        "" => "0",
        t => t,
    };
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next().map_or(Some(0), |x| x.parse().ok())?;
    let sec = t.next().unwrap_or("0");
    let (sec, frac) = match sec.split_once('.') {
        Some((a, b)) => (a, b.trim_end_matches('0')),
        None => (sec, ""),
    };
    let sec: i64 = sec.parse().ok()?;
    let mut total = days_from_civil(y, m, dd) * 86_400 + h * 3600 + mi * 60 + sec;
    if kind == Kind::TimestampTz
        && let Some(o) = offset
    {
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let o = &o[1..];
        let (oh, om) = match o.split_once(':') {
            Some((a, b)) => (a.parse::<i64>().ok()?, b.parse::<i64>().ok()?),
            None if o.len() == 4 => (o[..2].parse().ok()?, o[2..].parse().ok()?),
            None => (o.parse().ok()?, 0),
        };
        total -= sign * (oh * 3600 + om * 60);
    } else if offset.is_some() {
        return None;
    }
    let (days, secs) = (total.div_euclid(86_400), total.rem_euclid(86_400));
    let (y, m, dd) = civil_from_days(days);
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    let tz = if kind == Kind::TimestampTz { "+00" } else { "" };
    Some(format!(
        "{y:04}-{m:02}-{dd:02} {:02}:{:02}:{:02}{frac}{tz}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    ))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Names unnamed exclusion constraints as PostgreSQL does (`<table>_<columns>_excl`, like an
/// index), names unnamed domain checks (`<domain>_check`), and sorts exclusions by name.
pub(in crate::lower) fn finalize(schema: &mut Schema) {
    for ns in schema.namespaces.values_mut() {
        let mut taken: HashSet<String> = HashSet::new();
        for (tn, t) in &ns.tables {
            taken.insert(tn.clone());
            taken.extend(t.constraint_names().map(str::to_string));
        }
        taken.extend(ns.views.keys().cloned());
        taken.extend(ns.sequences.keys().cloned());
        for t in ns.tables.values_mut() {
            let tname = t.name.clone();
            for x in t.exclusions.iter_mut().filter(|x| x.name.is_empty()) {
                let names: Vec<String> = x
                    .elements
                    .iter()
                    .map(|e| match &e.part.key {
                        IndexKey::Column(c) => c.clone(),
                        IndexKey::Expr(ex) => pg::index_expr_colname(&ex.sql),
                    })
                    .chain(x.include.iter().cloned())
                    .collect();
                let add = pg::name_addition(&pg::index_column_names(&names));
                let n = pg::choose_name(&tname, Some(&add), "excl", |n| taken.contains(n));
                taken.insert(n.clone());
                x.name = n;
            }
            for x in &mut t.exclusions {
                if x.method == "btree" {
                    for e in &mut x.elements {
                        e.part.opclass = e
                            .part
                            .opclass
                            .take()
                            .filter(|o| !pg::is_default_opclass(None, o));
                    }
                }
            }
            t.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        }
        for d in ns.domains.values_mut() {
            let dname = d.name.clone();
            for c in d.checks.iter_mut().filter(|c| c.name.is_none()) {
                let n = pg::choose_name(&dname, None, "check", |n| taken.contains(n));
                taken.insert(n.clone());
                c.name = Some(n);
            }
            d.checks.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Kind, datetime};

    #[test]
    fn bound_datetimes() {
        assert_eq!(
            datetime("2020-1-1", Kind::Date).as_deref(),
            Some("2020-01-01")
        );
        assert_eq!(
            datetime("2022-04-01 01:00:00+01", Kind::TimestampTz).as_deref(),
            Some("2022-04-01 00:00:00+00")
        );
        assert_eq!(
            datetime("2021-01-01", Kind::TimestampTz).as_deref(),
            Some("2021-01-01 00:00:00+00")
        );
        assert_eq!(
            datetime("2020-01-01 05:00+02", Kind::TimestampTz).as_deref(),
            Some("2020-01-01 03:00:00+00")
        );
        assert_eq!(
            datetime("2020-02-01 10:11:12.50", Kind::Timestamp).as_deref(),
            Some("2020-02-01 10:11:12.5")
        );
        assert_eq!(
            datetime("2024-01-01", Kind::Timestamp).as_deref(),
            Some("2024-01-01 00:00:00")
        );
        assert_eq!(datetime("infinity", Kind::Timestamp), None);
    }
}
