//! PostgreSQL triggers: `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER`, `DROP TRIGGER`,
//! `ALTER TRIGGER ... RENAME TO`, `COMMENT ON TRIGGER`.
//!
//! Kept as `pg_trigger` holds them (the live reader parses `pg_get_triggerdef` with this code):
//! events in the order insert, update, delete, truncate; `UPDATE OF` columns as written; arguments
//! as the strings the function receives; an unqualified function in the search path's first
//! schema, or in `pg_catalog` for PostgreSQL's own trigger functions
//! (`tsvector_update_trigger`...) when the schema has no function of that name.

use super::super::Lower;
use super::objects::{expect_word, is_word, string_value, word, words};
use crate::split::Piece;
use migrex_model::{
    Deferrable, Dialect, QualifiedName, Trigger, TriggerAction, TriggerEvent, TriggerTiming,
};
use sqlparser::ast;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// The trigger functions of `pg_catalog` a trigger may name without a schema.
const CATALOG_TRIGGER_FUNCTIONS: &[&str] = &[
    "tsvector_update_trigger",
    "tsvector_update_trigger_column",
    "suppress_redundant_updates_trigger",
];

struct TriggerDef {
    constraint: bool,
    name: ast::Ident,
    timing: TriggerTiming,
    events: Vec<(u8, TriggerEvent)>,
    update_of: Vec<ast::Ident>,
    table: ast::ObjectName,
    from: Option<ast::ObjectName>,
    deferrable: Option<Deferrable>,
    old_table: Option<ast::Ident>,
    new_table: Option<ast::Ident>,
    for_each_row: bool,
    when: Option<ast::Expr>,
    function: ast::ObjectName,
    args: Vec<String>,
}

fn parse_trigger(p: &mut Parser) -> Result<TriggerDef, ParserError> {
    expect_word(p, "CREATE")?;
    words(p, &["OR", "REPLACE"]);
    let constraint = word(p, "CONSTRAINT");
    expect_word(p, "TRIGGER")?;
    let name = p.parse_identifier()?;
    let timing = if word(p, "BEFORE") {
        TriggerTiming::Before
    } else if word(p, "AFTER") {
        TriggerTiming::After
    } else if words(p, &["INSTEAD", "OF"]) {
        TriggerTiming::InsteadOf
    } else {
        return p.expected("BEFORE, AFTER or INSTEAD OF", p.peek_token());
    };
    let mut events = Vec::new();
    let mut update_of = Vec::new();
    loop {
        if word(p, "INSERT") {
            events.push((0, TriggerEvent::Insert));
        } else if word(p, "UPDATE") {
            if word(p, "OF") {
                loop {
                    update_of.push(p.parse_identifier()?);
                    if !p.consume_token(&Token::Comma) {
                        break;
                    }
                }
            }
            events.push((
                1,
                TriggerEvent::Update {
                    columns: Vec::new(),
                },
            ));
        } else if word(p, "DELETE") {
            events.push((2, TriggerEvent::Delete));
        } else if word(p, "TRUNCATE") {
            events.push((3, TriggerEvent::Truncate));
        } else {
            return p.expected("INSERT, UPDATE, DELETE or TRUNCATE", p.peek_token());
        }
        if !word(p, "OR") {
            break;
        }
    }
    expect_word(p, "ON")?;
    let table = p.parse_object_name(false)?;
    let mut def = TriggerDef {
        constraint,
        name,
        timing,
        events,
        update_of,
        table,
        from: None,
        deferrable: None,
        old_table: None,
        new_table: None,
        for_each_row: false,
        when: None,
        function: ast::ObjectName(Vec::new()),
        args: Vec::new(),
    };
    loop {
        if word(p, "FROM") {
            def.from = Some(p.parse_object_name(false)?);
        } else if words(p, &["NOT", "DEFERRABLE"]) {
            def.deferrable = None;
        } else if word(p, "DEFERRABLE") {
            def.deferrable.get_or_insert(Deferrable::InitiallyImmediate);
        } else if words(p, &["INITIALLY", "DEFERRED"]) {
            def.deferrable = Some(Deferrable::InitiallyDeferred);
        } else if words(p, &["INITIALLY", "IMMEDIATE"]) {
            def.deferrable.get_or_insert(Deferrable::InitiallyImmediate);
        } else if word(p, "REFERENCING") {
            loop {
                let old = if word(p, "OLD") {
                    true
                } else if word(p, "NEW") {
                    false
                } else {
                    break;
                };
                if !word(p, "TABLE") {
                    word(p, "ROW");
                }
                word(p, "AS");
                let n = p.parse_identifier()?;
                if old {
                    def.old_table = Some(n);
                } else {
                    def.new_table = Some(n);
                }
            }
        } else if word(p, "FOR") {
            word(p, "EACH");
            def.for_each_row = if word(p, "ROW") {
                true
            } else {
                expect_word(p, "STATEMENT")?;
                false
            };
        } else if word(p, "WHEN") {
            p.expect_token(&Token::LParen)?;
            let mut e = p.parse_expr()?;
            p.expect_token(&Token::RParen)?;
            while let ast::Expr::Nested(inner) = e {
                e = *inner;
            }
            fold_identifiers(&mut e);
            def.when = Some(e);
        } else if word(p, "EXECUTE") {
            if !word(p, "FUNCTION") {
                expect_word(p, "PROCEDURE")?;
            }
            def.function = p.parse_object_name(false)?;
            p.expect_token(&Token::LParen)?;
            if !p.consume_token(&Token::RParen) {
                loop {
                    let t = p.next_token();
                    let arg = match &t.token {
                        Token::Number(n, _) => n.clone(),
                        Token::Word(w) if w.quote_style.is_none() => w.value.to_lowercase(),
                        Token::Word(w) => w.value.clone(),
                        other => match string_value(other) {
                            Some(s) => s,
                            None => return p.expected("a trigger argument", t),
                        },
                    };
                    def.args.push(arg);
                    if p.consume_token(&Token::RParen) {
                        break;
                    }
                    p.expect_token(&Token::Comma)?;
                }
            }
            break;
        } else {
            return p.expected("a trigger clause or EXECUTE FUNCTION", p.peek_token());
        }
    }
    if !matches!(p.peek_token().token, Token::EOF | Token::SemiColon) {
        return p.expected("the end of the statement", p.peek_token());
    }
    Ok(def)
}

/// Unquoted identifiers in lower case, as PostgreSQL stores them (the expression key folds most
/// of them, but not the `OLD.*` of `WHEN (OLD.* IS DISTINCT FROM NEW.*)`).
fn fold_identifiers(e: &mut ast::Expr) {
    let fold = |i: &mut ast::Ident| {
        if i.quote_style.is_none() {
            i.value = i.value.to_lowercase();
        }
    };
    let _ = ast::visit_expressions_mut(e, |x| {
        match x {
            ast::Expr::Identifier(i) => fold(i),
            ast::Expr::CompoundIdentifier(ids) => ids.iter_mut().for_each(fold),
            ast::Expr::QualifiedWildcard(name, _) => {
                for part in name.0.iter_mut() {
                    if let ast::ObjectNamePart::Identifier(i) = part {
                        fold(i);
                    }
                }
            }
            _ => {}
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
}

impl Lower<'_> {
    pub(super) fn pg_create_trigger(&mut self, piece: &Piece) {
        let d = sqlparser::dialect::PostgreSqlDialect {};
        let parsed = Parser::new(&d)
            .try_with_sql(&piece.text)
            .and_then(|mut p| parse_trigger(&mut p));
        let mut def = match parsed {
            Ok(def) => def,
            Err(e) => return self.warn_parse(piece, "trigger", &e),
        };
        let table = self.qname(&def.table);
        let name = self.ident(&def.name);
        if let Some(f) = &def.from {
            self.warn(
                piece,
                format!(
                    "trigger {name} on {table}: FROM {f} (the referenced table of a constraint trigger) is not modeled"
                ),
            );
        }
        def.events.sort_by_key(|(i, _)| *i);
        let columns: Vec<String> = def.update_of.iter().map(|c| self.ident(c)).collect();
        let events = def
            .events
            .into_iter()
            .map(|(_, e)| match e {
                TriggerEvent::Update { .. } => TriggerEvent::Update {
                    columns: columns.clone(),
                },
                other => other,
            })
            .collect();
        let function = self.trigger_function(&def.function);
        let trigger = Trigger {
            name: name.clone(),
            table: table.clone(),
            timing: def.timing,
            events,
            for_each_row: def.for_each_row,
            when: def
                .when
                .map(|e| migrex_dialect::expr(Dialect::Postgres, &e.to_string())),
            action: TriggerAction::Function {
                function,
                args: def.args,
            },
            constraint: def.constraint.then_some(def.deferrable),
            old_table: def.old_table.as_ref().map(|n| self.ident(n)),
            new_table: def.new_table.as_ref().map(|n| self.ident(n)),
            order: None,
            comment: None,
        };
        let key = trigger.key();
        self.provenance
            .locations
            .insert(format!("trigger {name} on {table}"), self.loc(piece));
        let ns = self.schema.namespace_mut(&table.namespace);
        let comment = ns.triggers.get(&key).and_then(|t| t.comment.clone());
        ns.triggers.insert(key, Trigger { comment, ..trigger });
    }

    /// The function a trigger runs: unqualified, in the search path's first schema, else in
    /// `public` or `pg_catalog` where a function of that name is.
    fn trigger_function(&self, name: &ast::ObjectName) -> QualifiedName {
        let qn = self.qname(name);
        if name.0.len() > 1 {
            return qn;
        }
        let has = |ns: &str| {
            self.schema
                .namespaces
                .get(ns)
                .is_some_and(|n| n.functions.values().any(|f| f.name == qn.name))
        };
        if has(&qn.namespace) {
            qn
        } else if has("public") {
            QualifiedName::new("public", qn.name)
        } else if CATALOG_TRIGGER_FUNCTIONS.contains(&qn.name.as_str()) {
            QualifiedName::new("pg_catalog", qn.name)
        } else {
            qn
        }
    }

    pub(super) fn comment_trigger(
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
            .and_then(|n| n.triggers.get_mut(&key))
        {
            Some(t) => t.comment = text,
            None => self.warn(
                piece,
                format!("comment on unknown trigger {name} on {table} skipped"),
            ),
        }
    }

    pub(in crate::lower) fn pg_drop_trigger(&mut self, piece: &Piece, d: &ast::DropTrigger) {
        let name = self.ident(
            d.trigger_name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .unwrap_or(&ast::Ident::new("")),
        );
        let Some(table) = d.table_name.as_ref().map(|t| self.qname(t)) else {
            self.warn(
                piece,
                format!("DROP TRIGGER {name} without ON table skipped"),
            );
            return;
        };
        let key = format!("{}.{name}", table.name);
        let removed = self
            .schema
            .namespaces
            .get_mut(&table.namespace)
            .and_then(|n| n.triggers.shift_remove(&key));
        if removed.is_none() && !d.if_exists {
            self.warn(
                piece,
                format!("DROP of unknown trigger {name} on {table} skipped"),
            );
        }
    }

    /// `ALTER TRIGGER name ON table RENAME TO new` (after `ALTER TRIGGER`).
    pub(super) fn alter_trigger(
        &mut self,
        piece: &Piece,
        p: &mut Parser,
    ) -> Result<(), ParserError> {
        let name = self.ident(&p.parse_identifier()?);
        expect_word(p, "ON")?;
        let table = self.qname(&p.parse_object_name(false)?);
        if words(p, &["RENAME", "TO"]) {
            let new = self.ident(&p.parse_identifier()?);
            let key = format!("{}.{name}", table.name);
            if let Some(ns) = self.schema.namespaces.get_mut(&table.namespace)
                && let Some(idx) = ns.triggers.get_index_of(&key)
            {
                let (_, mut t) = ns.triggers.shift_remove_index(idx).expect("index exists");
                t.name = new;
                ns.triggers.insert(t.key(), t);
            } else {
                self.warn(
                    piece,
                    format!("ALTER TRIGGER on unknown trigger {name} on {table} skipped"),
                );
            }
        } else if is_word(&p.peek_token().token, "NO") || is_word(&p.peek_token().token, "DEPENDS")
        {
            self.ignore(
                "DEPENDS ON EXTENSION",
                "extension dependencies are not modeled",
            );
        } else {
            self.warn(
                piece,
                format!("ALTER TRIGGER {name} on {table}: only RENAME TO is read"),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use migrex_model::{Deferrable, Dialect, TriggerAction, TriggerEvent, TriggerTiming};

    #[test]
    fn triggers_read_as_pg_trigger_holds_them() {
        let sql = "
            CREATE TABLE t (a int, b int);
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
            CREATE TRIGGER x AFTER DELETE OR UPDATE OF b, a OR INSERT ON t
                FOR EACH ROW WHEN ((OLD.a IS DISTINCT FROM NEW.a)) EXECUTE PROCEDURE f('x''y', 42, Word);
            CREATE CONSTRAINT TRIGGER c AFTER INSERT ON t INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION f();
            CREATE TRIGGER ts BEFORE INSERT ON t FOR EACH ROW
                EXECUTE FUNCTION tsvector_update_trigger(a, 'pg_catalog.english', b);
            CREATE TRIGGER s AFTER INSERT ON t REFERENCING NEW TABLE AS n EXECUTE FUNCTION f();
            COMMENT ON TRIGGER s ON t IS 'statement';
            ALTER TRIGGER c ON t RENAME TO c2;
            CREATE TRIGGER gone BEFORE TRUNCATE ON t EXECUTE FUNCTION f();
            DROP TRIGGER gone ON t;
        ";
        let l = crate::parse(sql, Dialect::Postgres, "t.sql").unwrap();
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let ns = &l.schema.namespaces["public"];
        let keys: Vec<&String> = ns.triggers.keys().collect();
        assert_eq!(keys, vec!["t.x", "t.ts", "t.s", "t.c2"]);
        let x = &ns.triggers["t.x"];
        assert_eq!(x.timing, TriggerTiming::After);
        assert_eq!(
            x.events,
            vec![
                TriggerEvent::Insert,
                TriggerEvent::Update {
                    columns: vec!["b".into(), "a".into()]
                },
                TriggerEvent::Delete
            ]
        );
        assert!(x.for_each_row);
        assert_eq!(
            x.when,
            Some(migrex_dialect::expr(
                Dialect::Postgres,
                "old.a IS DISTINCT FROM new.a"
            ))
        );
        assert_eq!(
            x.action,
            TriggerAction::Function {
                function: migrex_model::QualifiedName::new("public", "f"),
                args: vec!["x'y".into(), "42".into(), "word".into()]
            }
        );
        assert_eq!(
            ns.triggers["t.c2"].constraint,
            Some(Some(Deferrable::InitiallyDeferred))
        );
        let TriggerAction::Function { function, .. } = &ns.triggers["t.ts"].action else {
            panic!()
        };
        assert_eq!(function.namespace, "pg_catalog");
        let s = &ns.triggers["t.s"];
        assert_eq!((s.for_each_row, s.new_table.as_deref()), (false, Some("n")));
        assert_eq!(s.comment.as_deref(), Some("statement"));
        // A dropped table takes its triggers along.
        let l = crate::parse(&format!("{sql}\nDROP TABLE t;"), Dialect::Postgres, "t.sql").unwrap();
        assert!(l.schema.namespaces["public"].triggers.is_empty());
    }
}
