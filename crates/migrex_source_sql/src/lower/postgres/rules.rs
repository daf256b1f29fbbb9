//! PostgreSQL rules and CLUSTER marks: `CREATE [OR REPLACE] RULE`, `DROP RULE`,
//! `COMMENT ON RULE`, `CLUSTER t USING i` / `CLUSTER i ON t`, `ALTER TABLE|MATERIALIZED VIEW ...
//! CLUSTER ON i` and `SET WITHOUT CLUSTER`.
//!
//! sqlparser 0.63 reads none of these, so they are read here with its `Parser` primitives.
//! A rule is kept as `pg_rewrite` holds it (the live reader parses `pg_get_ruledef` with this
//! code): the event, INSTEAD or not, the condition as an expression and the actions as the text
//! after `DO [ALSO|INSTEAD]`, keyed by `migrex_dialect::statements_key` (layout, case, redundant
//! parentheses and casts, and the `public.` qualifier do not count).
//! A `CLUSTER` statement sorts the table once and marks the index; only the mark is schema.

use super::super::Lower;
use super::objects::{at_end, expect_word, offset, rest_of, word, words};
use crate::split::Piece;
use migrex_model::{Dialect, QualifiedName, Rule};
use sqlparser::ast;
use sqlparser::parser::{Parser, ParserError};
use std::ops::ControlFlow;

const PG: Dialect = Dialect::Postgres;

struct RuleDef {
    name: ast::Ident,
    event: String,
    table: ast::ObjectName,
    condition: Option<String>,
    instead: bool,
    actions: String,
}

fn parse_rule(p: &mut Parser, text: &str) -> Result<RuleDef, ParserError> {
    expect_word(p, "CREATE")?;
    words(p, &["OR", "REPLACE"]);
    expect_word(p, "RULE")?;
    let name = p.parse_identifier()?;
    expect_word(p, "AS")?;
    expect_word(p, "ON")?;
    let event = ["SELECT", "INSERT", "UPDATE", "DELETE"]
        .into_iter()
        .find(|e| word(p, e))
        .ok_or_else(|| {
            ParserError::ParserError("expected SELECT, INSERT, UPDATE or DELETE".into())
        })?
        .to_string();
    expect_word(p, "TO")?;
    let table = p.parse_object_name(false)?;
    let condition = if word(p, "WHERE") {
        let start = offset(text, p.peek_token().span.start);
        p.parse_expr()?;
        let end = offset(text, p.peek_token().span.start);
        Some(text[start..end].trim().to_string())
    } else {
        None
    };
    expect_word(p, "DO")?;
    let instead = if word(p, "INSTEAD") {
        true
    } else {
        word(p, "ALSO");
        false
    };
    if at_end(p) {
        return p.expected("the rule's actions", p.peek_token());
    }
    let actions = rest_of(p, text);
    Ok(RuleDef {
        name,
        event,
        table,
        condition,
        instead,
        actions,
    })
}

/// The actions' statements: `(a; b)` without its parentheses; empty for `NOTHING`.
fn action_statements(actions: &str) -> &str {
    let t = actions.trim();
    if t.eq_ignore_ascii_case("NOTHING") {
        return "";
    }
    t.strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(t)
        .trim()
        .trim_end_matches(';')
}

/// The comparison form of a rule's actions.
pub fn actions_expr(actions: &str) -> migrex_model::Expr {
    let stmts = action_statements(actions);
    let key = if stmts.is_empty() {
        "NOTHING".to_string()
    } else {
        migrex_dialect::statements_key(PG, stmts)
    };
    migrex_model::Expr::with_key(actions.trim(), key)
}

/// `CLUSTER [VERBOSE] table USING index` or the old `CLUSTER index ON table`: (table, index).
fn parse_cluster(p: &mut Parser) -> Result<Option<(ast::ObjectName, ast::Ident)>, ParserError> {
    expect_word(p, "CLUSTER")?;
    word(p, "VERBOSE");
    if at_end(p) {
        // Re-clusters every marked table: no schema change.
        return Ok(None);
    }
    let first = p.parse_object_name(false)?;
    if word(p, "USING") {
        let index = p.parse_identifier()?;
        return Ok(Some((first, index)));
    }
    if word(p, "ON") {
        let table = p.parse_object_name(false)?;
        let index = first
            .0
            .last()
            .and_then(|x| x.as_ident())
            .cloned()
            .ok_or_else(|| ParserError::ParserError("expected an index name".into()))?;
        return Ok(Some((table, index)));
    }
    if at_end(p) {
        // `CLUSTER t` re-clusters on the marked index.
        return Ok(None);
    }
    p.expected("USING or ON", p.peek_token())
}

/// `ALTER TABLE [IF EXISTS] [ONLY] t CLUSTER ON i | SET WITHOUT CLUSTER` (or `ALTER MATERIALIZED
/// VIEW`) as its only action: (relation, index or `None`). `Ok(None)` for any other ALTER.
#[allow(clippy::type_complexity)]
fn parse_alter_cluster(
    p: &mut Parser,
) -> Result<Option<(ast::ObjectName, Option<ast::Ident>)>, ParserError> {
    expect_word(p, "ALTER")?;
    if !word(p, "TABLE") && !words(p, &["MATERIALIZED", "VIEW"]) {
        return Ok(None);
    }
    words(p, &["IF", "EXISTS"]);
    word(p, "ONLY");
    let name = p.parse_object_name(false)?;
    let index = if words(p, &["CLUSTER", "ON"]) {
        Some(p.parse_identifier()?)
    } else if words(p, &["SET", "WITHOUT", "CLUSTER"]) {
        None
    } else {
        return Ok(None);
    };
    if !at_end(p) {
        return Ok(None);
    }
    Ok(Some((name, index)))
}

impl Lower<'_> {
    pub(super) fn pg_create_rule(&mut self, piece: &Piece) {
        let d = sqlparser::dialect::PostgreSqlDialect {};
        let parsed = Parser::new(&d)
            .try_with_sql(&piece.text)
            .and_then(|mut p| parse_rule(&mut p, &piece.text));
        let def = match parsed {
            Ok(def) => def,
            Err(e) => return self.warn_parse(piece, "rule", &e),
        };
        let table = self.qname(&def.table);
        if self.schema.table(&table).is_none() && self.schema.view(&table).is_none() {
            self.warn(
                piece,
                format!("rule {} on unknown table {table} skipped", def.name),
            );
            return;
        }
        let mut depends_on: Vec<QualifiedName> = Vec::new();
        let stmts = action_statements(&def.actions);
        if let Ok(parsed) = Parser::parse_sql(&d, stmts) {
            for st in &parsed {
                let _ = ast::visit_relations(st, |n| {
                    let q = self.qname(n);
                    if q != table && !depends_on.contains(&q) {
                        depends_on.push(q);
                    }
                    ControlFlow::<()>::Continue(())
                });
            }
        }
        let rule = Rule {
            name: self.ident(&def.name),
            table: table.clone(),
            event: def.event,
            instead: def.instead,
            condition: def
                .condition
                .as_deref()
                .map(|c| migrex_dialect::expr(PG, c)),
            actions: actions_expr(&def.actions),
            comment: None,
            depends_on,
        };
        self.provenance
            .locations
            .insert(format!("rule {} on {table}", rule.name), self.loc(piece));
        let key = rule.key();
        let ns = self.schema.namespace_mut(&table.namespace);
        // `CREATE OR REPLACE` keeps the comment of the rule it replaces.
        let comment = ns.rules.get(&key).and_then(|r| r.comment.clone());
        ns.rules.insert(key, Rule { comment, ..rule });
    }

    pub(super) fn comment_rule(
        &mut self,
        piece: &Piece,
        table: &QualifiedName,
        name: &str,
        text: Option<String>,
    ) {
        let key = format!("{}.{name}", table.name);
        match self
            .schema
            .namespaces
            .get_mut(&table.namespace)
            .and_then(|n| n.rules.get_mut(&key))
        {
            Some(r) => r.comment = text,
            None => self.warn(
                piece,
                format!("comment on unknown rule {name} on {table} skipped"),
            ),
        }
    }

    /// `DROP RULE [IF EXISTS] name ON table [CASCADE | RESTRICT]`.
    pub(super) fn pg_drop_rule(&mut self, piece: &Piece) {
        let d = sqlparser::dialect::PostgreSqlDialect {};
        let parsed = Parser::new(&d).try_with_sql(&piece.text).and_then(|mut p| {
            expect_word(&mut p, "DROP")?;
            expect_word(&mut p, "RULE")?;
            let if_exists = words(&mut p, &["IF", "EXISTS"]);
            let name = p.parse_identifier()?;
            expect_word(&mut p, "ON")?;
            let table = p.parse_object_name(false)?;
            Ok((if_exists, name, table))
        });
        let (if_exists, name, table) = match parsed {
            Ok(x) => x,
            Err(e) => return self.warn_parse(piece, "DROP RULE", &e),
        };
        let table = self.qname(&table);
        let key = format!("{}.{}", table.name, self.ident(&name));
        let removed = self
            .schema
            .namespaces
            .get_mut(&table.namespace)
            .and_then(|n| n.rules.shift_remove(&key));
        if removed.is_none() && !if_exists {
            self.warn(
                piece,
                format!("DROP of unknown rule {} on {table} skipped", name.value),
            );
        }
    }

    /// `CLUSTER ... USING` marks the index; `ALTER ... CLUSTER ON` / `SET WITHOUT CLUSTER` set or
    /// clear the mark. Returns false when the statement is none of these (an ALTER TABLE with
    /// other actions).
    pub(super) fn pg_cluster(&mut self, piece: &Piece) -> bool {
        let d = sqlparser::dialect::PostgreSqlDialect {};
        let cluster = super::super::leading_words(&piece.text, 1) == "CLUSTER";
        let parsed = Parser::new(&d).try_with_sql(&piece.text).and_then(|mut p| {
            if cluster {
                Ok(parse_cluster(&mut p)?.map(|(t, i)| (t, Some(i))))
            } else {
                parse_alter_cluster(&mut p)
            }
        });
        let (rel, index) = match parsed {
            Ok(Some(x)) => x,
            Ok(None) => return cluster,
            Err(e) => {
                if cluster {
                    self.warn_parse(piece, "CLUSTER", &e);
                }
                return cluster;
            }
        };
        let qn = self.qname(&rel);
        let index = index.map(|i| self.ident(&i));
        if let Some(t) = self.schema.table_mut(&qn) {
            t.cluster_on = index;
        } else if let Some(v) = self.schema.view_mut(&qn).filter(|v| v.materialized) {
            v.cluster_on = index;
        } else {
            self.warn(piece, format!("CLUSTER mark on unknown table {qn} skipped"));
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use migrex_model::{Dialect, Schema};

    fn read(sql: &str) -> (Schema, Vec<String>) {
        let l = crate::parse(sql, Dialect::Postgres, "t.sql").unwrap_or_else(|e| panic!("{e}"));
        (
            l.schema,
            l.warnings.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn rules_read_with_their_parts_and_compare_by_key() {
        let (s, w) = read(
            "CREATE TABLE t (id int, v int);
             CREATE TABLE log (id int);
             CREATE RULE r AS ON INSERT TO t WHERE new.v > 0 DO ALSO INSERT INTO log (id) VALUES (new.id);
             CREATE RULE n AS ON DELETE TO public.t DO INSTEAD NOTHING;
             COMMENT ON RULE n ON t IS 'no deletes';
             CREATE RULE gone AS ON UPDATE TO t DO INSTEAD NOTHING;
             DROP RULE gone ON t;
             CREATE RULE x AS ON INSERT TO nowhere DO NOTHING;",
        );
        let ns = &s.namespaces["public"];
        let keys: Vec<&String> = ns.rules.keys().collect();
        assert_eq!(keys, vec!["t.r", "t.n"]);
        let r = &ns.rules["t.r"];
        assert_eq!((r.event.as_str(), r.instead), ("INSERT", false));
        assert_eq!(
            r.condition.as_ref().map(|c| c.sql.as_str()),
            Some("new.v > 0")
        );
        assert_eq!(r.depends_on.len(), 1);
        let (s2, _) = read(
            "CREATE TABLE t (id int, v int);
             CREATE TABLE log (id int);
             create rule r as on insert to public.t where ((new.v > 0))
               do insert into public.log (id)
               values (new.id);",
        );
        assert!(r.same_definition(&s2.namespaces["public"].rules["t.r"]));
        assert_eq!(ns.rules["t.n"].comment.as_deref(), Some("no deletes"));
        assert!(
            w.iter().any(|w| w.contains("unknown table public.nowhere")),
            "{w:?}"
        );
    }

    #[test]
    fn cluster_marks() {
        let (s, w) = read(
            "CREATE TABLE t (id int PRIMARY KEY, v int);
             CREATE INDEX t_v ON t (v);
             CLUSTER t USING t_pkey;
             CREATE TABLE u (id int PRIMARY KEY);
             ALTER TABLE ONLY u CLUSTER ON u_pkey;
             ALTER TABLE u SET WITHOUT CLUSTER;
             CREATE TABLE x (id int PRIMARY KEY);
             CLUSTER x_pkey ON x;
             CREATE MATERIALIZED VIEW m AS SELECT id FROM t;
             CREATE UNIQUE INDEX m_id ON m (id);
             CLUSTER m USING m_id;
             ALTER INDEX m_id RENAME TO m_id2;",
        );
        assert!(w.is_empty(), "{w:?}");
        let ns = &s.namespaces["public"];
        assert_eq!(ns.tables["t"].cluster_on.as_deref(), Some("t_pkey"));
        assert_eq!(ns.tables["u"].cluster_on, None);
        assert_eq!(ns.tables["x"].cluster_on.as_deref(), Some("x_pkey"));
        let m = &ns.views["m"];
        assert_eq!(m.indexes.len(), 1);
        assert_eq!(m.indexes[0].name, "m_id2");
        assert_eq!(m.cluster_on.as_deref(), Some("m_id2"));
    }
}
