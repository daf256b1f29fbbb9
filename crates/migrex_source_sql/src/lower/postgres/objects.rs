//! PostgreSQL routines, triggers, policies, extensions and their comments: which statements go
//! where, and the small parsing helpers the three readers share.
//!
//! sqlparser 0.63 reads `CREATE POLICY`, `ALTER POLICY`, `CREATE EXTENSION` and the `DROP` forms
//! into its AST, and those arrive through `Lower::statement`. It does not read what pg_dump
//! writes for routines and triggers (`COST`, `ROWS`, `LEAKPROOF`, `SUPPORT`, `WINDOW`,
//! `BEGIN ATOMIC`, procedures with dollar-quoted bodies, trigger arguments that are string
//! literals, `COMMENT ON FUNCTION f(integer)`, `COMMENT ON TRIGGER t ON tbl`), so those
//! statements are read here clause by clause with sqlparser's own `Parser` primitives
//! (keywords, identifiers, data types and expressions still come from sqlparser).

use super::super::Lower;
use crate::SqlError;
use crate::split::Piece;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token};

impl Lower<'_> {
    /// Statements of this module's object kinds that sqlparser cannot read; `None` for any other
    /// statement (it goes through sqlparser).
    pub(in crate::lower) fn pg_object_piece(
        &mut self,
        piece: &Piece,
    ) -> Option<Result<(), SqlError>> {
        let w = super::super::leading_words(&piece.text, 5);
        let starts = |p: &str| w == p || w.starts_with(&format!("{p} "));
        let routine = ["FUNCTION", "PROCEDURE"]
            .iter()
            .any(|k| starts(&format!("CREATE {k}")) || starts(&format!("CREATE OR REPLACE {k}")));
        if routine {
            self.pg_create_routine(piece);
            return Some(Ok(()));
        }
        let trigger = [
            "CREATE TRIGGER",
            "CREATE OR REPLACE TRIGGER",
            "CREATE CONSTRAINT TRIGGER",
        ]
        .iter()
        .any(|k| starts(k));
        if trigger {
            self.pg_create_trigger(piece);
            return Some(Ok(()));
        }
        if starts("CREATE AGGREGATE") || starts("CREATE OR REPLACE AGGREGATE") {
            self.pg_create_aggregate(piece);
            return Some(Ok(()));
        }
        if starts("CREATE RULE") || starts("CREATE OR REPLACE RULE") {
            self.pg_create_rule(piece);
            return Some(Ok(()));
        }
        if starts("DROP RULE") {
            self.pg_drop_rule(piece);
            return Some(Ok(()));
        }
        if starts("CLUSTER")
            || ((starts("ALTER TABLE") || starts("ALTER MATERIALIZED VIEW"))
                && piece.text.to_ascii_uppercase().contains("CLUSTER"))
        {
            // An ALTER TABLE with other actions goes on to sqlparser.
            if self.pg_cluster(piece) {
                return Some(Ok(()));
            }
        }
        let comment_kinds = [
            "FUNCTION",
            "PROCEDURE",
            "ROUTINE",
            "AGGREGATE",
            "TRIGGER",
            "POLICY",
            "RULE",
        ];
        if let Some(kind) = comment_kinds
            .iter()
            .find(|k| starts(&format!("COMMENT ON {k}")))
        {
            self.pg_comment(piece, kind);
            return Some(Ok(()));
        }
        let alter_kinds = [
            "FUNCTION",
            "PROCEDURE",
            "ROUTINE",
            "AGGREGATE",
            "TRIGGER",
            "EXTENSION",
        ];
        if let Some(kind) = alter_kinds.iter().find(|k| starts(&format!("ALTER {k}"))) {
            self.pg_alter(piece, kind);
            return Some(Ok(()));
        }
        None
    }

    /// A warning at the position a parser error names (relative to the statement), or at the
    /// statement's start.
    pub(super) fn warn_parse(&mut self, piece: &Piece, what: &str, e: &ParserError) {
        let at = self.error_at(piece, &e.to_string());
        self.warnings.push(migrex_model::Warning {
            message: format!("{what} not read: {}", at.message),
            location: Some(format!("{}:{}:{}", at.file, at.line, at.column)),
        });
    }

    fn pg_comment(&mut self, piece: &Piece, kind: &str) {
        let d = sqlparser::dialect::PostgreSqlDialect {};
        let result = Parser::new(&d).try_with_sql(&piece.text).and_then(|mut p| {
            // COMMENT ON <kind>
            p.next_token();
            p.next_token();
            p.next_token();
            match kind {
                "TRIGGER" | "POLICY" | "RULE" => {
                    let name = p.parse_identifier()?;
                    expect_word(&mut p, "ON")?;
                    let table = p.parse_object_name(false)?;
                    let text = comment_text(&mut p)?;
                    Ok(Comment::OnTable { name, table, text })
                }
                _ => {
                    let name = p.parse_object_name(false)?;
                    let args = if p.peek_token().token == Token::LParen {
                        Some(super::routines::parse_args(&mut p)?)
                    } else {
                        None
                    };
                    let text = comment_text(&mut p)?;
                    Ok(Comment::Routine { name, args, text })
                }
            }
        });
        match result {
            Ok(Comment::OnTable { name, table, text }) => {
                let name = self.ident(&name);
                let table = self.qname(&table);
                if kind == "TRIGGER" {
                    self.comment_trigger(piece, &table, &name, text);
                } else if kind == "RULE" {
                    self.comment_rule(piece, &table, &name, text);
                } else {
                    self.comment_policy(piece, &table, &name, text);
                }
            }
            Ok(Comment::Routine { name, args, text }) => {
                self.comment_routine(piece, &name, args.as_deref(), text);
            }
            Err(e) => self.warn_parse(piece, &format!("COMMENT ON {kind}"), &e),
        }
    }

    fn pg_alter(&mut self, piece: &Piece, kind: &str) {
        let d = sqlparser::dialect::PostgreSqlDialect {};
        let parsed = Parser::new(&d).try_with_sql(&piece.text);
        let mut p = match parsed {
            Ok(p) => p,
            Err(e) => return self.warn_parse(piece, &format!("ALTER {kind}"), &e),
        };
        p.next_token();
        p.next_token();
        let result = match kind {
            "TRIGGER" => self.alter_trigger(piece, &mut p),
            "EXTENSION" => self.alter_extension(piece, &mut p),
            _ => self.alter_routine(piece, &mut p, kind),
        };
        if let Err(e) = result {
            self.warn_parse(piece, &format!("ALTER {kind}"), &e);
        }
    }
}

enum Comment {
    OnTable {
        name: sqlparser::ast::Ident,
        table: sqlparser::ast::ObjectName,
        text: Option<String>,
    },
    Routine {
        name: sqlparser::ast::ObjectName,
        args: Option<Vec<super::routines::ArgDef>>,
        text: Option<String>,
    },
}

/// `IS 'text'` or `IS NULL`.
fn comment_text(p: &mut Parser) -> Result<Option<String>, ParserError> {
    expect_word(p, "IS")?;
    if word(p, "NULL") {
        return Ok(None);
    }
    let t = p.next_token();
    match string_value(&t.token) {
        Some(s) => Ok(Some(s)),
        None => p.expected("a string literal", t),
    }
}

/// Consumes the next token when it is the unquoted word `w` (any case).
pub(super) fn word(p: &mut Parser, w: &str) -> bool {
    if is_word(&p.peek_token().token, w) {
        p.next_token();
        true
    } else {
        false
    }
}

/// Consumes the words `ws` when the next tokens are exactly them.
pub(super) fn words(p: &mut Parser, ws: &[&str]) -> bool {
    let all = ws
        .iter()
        .enumerate()
        .all(|(i, w)| is_word(&p.peek_nth_token(i).token, w));
    if all {
        for _ in ws {
            p.next_token();
        }
    }
    all
}

pub(super) fn expect_word(p: &mut Parser, w: &str) -> Result<(), ParserError> {
    if word(p, w) {
        Ok(())
    } else {
        p.expected(w, p.peek_token())
    }
}

pub(super) fn is_word(t: &Token, w: &str) -> bool {
    matches!(t, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

/// The value of a string literal token of any PostgreSQL spelling.
pub(super) fn string_value(t: &Token) -> Option<String> {
    match t {
        Token::SingleQuotedString(s)
        | Token::EscapedStringLiteral(s)
        | Token::NationalStringLiteral(s)
        | Token::UnicodeStringLiteral(s) => Some(s.clone()),
        Token::DollarQuotedString(d) => Some(d.value.clone()),
        _ => None,
    }
}

/// True at the end of the statement.
pub(super) fn at_end(p: &Parser) -> bool {
    matches!(p.peek_token().token, Token::EOF | Token::SemiColon)
}

/// The byte offset of a tokenizer location in `text`.
pub(super) fn offset(text: &str, loc: Location) -> usize {
    let mut line = 1u64;
    let mut start = 0usize;
    if loc.line > 1 {
        for (i, c) in text.char_indices() {
            if c == '\n' {
                line += 1;
                if line == loc.line {
                    start = i + 1;
                    break;
                }
            }
        }
        if line != loc.line {
            return text.len();
        }
    }
    text[start..]
        .char_indices()
        .nth(loc.column.saturating_sub(1) as usize)
        .map_or(text.len(), |(i, _)| start + i)
}

/// The statement's text from the next token to its end, without the closing `;`.
pub(super) fn rest_of(p: &Parser, text: &str) -> String {
    let at = offset(text, p.peek_token().span.start);
    text[at..]
        .trim()
        .trim_end_matches(';')
        .trim_end()
        .to_string()
}
