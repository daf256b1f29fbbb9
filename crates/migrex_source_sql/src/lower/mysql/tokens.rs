//! A cursor over sqlparser's tokens of one MySQL statement, with each token's byte range in the
//! statement text, for the clauses sqlparser cannot parse (see `routines.rs`, `partitions.rs`):
//! headers are read token by token and bodies, keys and bounds are sliced out of the original
//! text, so they stay exactly as written.

use sqlparser::tokenizer::{Token, Tokenizer};

/// A significant token (whitespace and comments dropped) and where it is in the text.
#[derive(Debug, Clone)]
pub(crate) struct Tok {
    pub(crate) token: Token,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

pub(crate) struct Cursor<'a> {
    pub(crate) text: &'a str,
    pub(crate) toks: Vec<Tok>,
    pub(crate) i: usize,
}

impl<'a> Cursor<'a> {
    /// Tokenizes `text` with MySQL's rules.
    pub(crate) fn new(text: &'a str) -> Result<Cursor<'a>, String> {
        let d = sqlparser::dialect::MySqlDialect {};
        let tokens = Tokenizer::new(&d, text)
            .tokenize_with_location()
            .map_err(|e| e.message)?;
        let line_starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let offset = |loc: sqlparser::tokenizer::Location| -> usize {
            let start = line_starts
                .get(loc.line.saturating_sub(1) as usize)
                .copied()
                .unwrap_or(text.len());
            let line = &text[start..];
            start
                + line
                    .char_indices()
                    .nth(loc.column.saturating_sub(1) as usize)
                    .map_or(line.len(), |(i, _)| i)
        };
        let toks = tokens
            .into_iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .map(|t| Tok {
                start: offset(t.span.start),
                end: offset(t.span.end),
                token: t.token,
            })
            .collect();
        Ok(Cursor { text, toks, i: 0 })
    }

    pub(crate) fn at_end(&self) -> bool {
        self.i >= self.toks.len()
    }

    pub(crate) fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i).map(|t| &t.token)
    }

    /// The unquoted keyword at `i + ahead`, uppercased.
    pub(crate) fn kw_at(&self, ahead: usize) -> Option<String> {
        match &self.toks.get(self.i + ahead)?.token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }

    pub(crate) fn peek_kw(&self) -> Option<String> {
        self.kw_at(0)
    }

    pub(crate) fn is_kw(&self, kw: &str) -> bool {
        self.peek_kw().as_deref() == Some(kw)
    }

    pub(crate) fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Eats the keywords `kws` when they all come next.
    pub(crate) fn eat_kws(&mut self, kws: &[&str]) -> bool {
        if kws
            .iter()
            .enumerate()
            .all(|(k, kw)| self.kw_at(k).as_deref() == Some(*kw))
        {
            self.i += kws.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn expect_kw(&mut self, kw: &str) -> Result<(), String> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(format!("expected {kw}, found {}", self.describe()))
        }
    }

    pub(crate) fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, t: &Token) -> Result<(), String> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(format!("expected {t}, found {}", self.describe()))
        }
    }

    /// What is next, for error messages.
    pub(crate) fn describe(&self) -> String {
        match self.peek() {
            Some(t) => format!("`{t}`"),
            None => "the end of the statement".into(),
        }
    }

    /// An identifier, quoted or not; of a qualified `db.name` the last part.
    pub(crate) fn name(&mut self) -> Result<String, String> {
        let mut last = None;
        while let Some(Token::Word(w)) = self.peek() {
            last = Some(w.value.clone());
            self.i += 1;
            if !self.eat(&Token::Period) {
                break;
            }
        }
        last.ok_or_else(|| format!("expected a name, found {}", self.describe()))
    }

    /// A string literal's value.
    pub(crate) fn string(&mut self) -> Result<String, String> {
        match self.peek() {
            Some(Token::SingleQuotedString(s) | Token::DoubleQuotedString(s)) => {
                let s = s.clone();
                self.i += 1;
                Ok(s)
            }
            _ => Err(format!("expected a string, found {}", self.describe())),
        }
    }

    /// Skips a parenthesized group starting at the cursor (which must be `(`) and returns the
    /// text between its parentheses.
    pub(crate) fn group(&mut self) -> Result<&'a str, String> {
        let open = self
            .toks
            .get(self.i)
            .filter(|t| t.token == Token::LParen)
            .ok_or_else(|| format!("expected (, found {}", self.describe()))?
            .end;
        let mut depth = 0i32;
        while let Some(t) = self.toks.get(self.i) {
            match t.token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        let close = t.start;
                        self.i += 1;
                        return Ok(&self.text[open..close]);
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        Err("unbalanced parentheses".into())
    }

    /// Byte offset where the token at the cursor starts (the text's end at the end).
    pub(crate) fn offset(&self) -> usize {
        self.toks.get(self.i).map_or(self.text.len(), |t| t.start)
    }

    /// Byte offset where the token before the cursor ends.
    pub(crate) fn prev_end(&self) -> usize {
        self.i
            .checked_sub(1)
            .and_then(|p| self.toks.get(p))
            .map_or(0, |t| t.end)
    }

    /// Skips `DEFINER = user` (any spelling of the account: `x`, `'x'@'%'`, `CURRENT_USER()`).
    pub(crate) fn skip_definer(&mut self) {
        if !self.eat_kw("DEFINER") {
            return;
        }
        self.eat(&Token::Eq);
        // The account ends where the next object keyword starts.
        while !self.at_end() {
            if let Some(kw) = self.peek_kw()
                && matches!(
                    kw.as_str(),
                    "TRIGGER"
                        | "FUNCTION"
                        | "PROCEDURE"
                        | "AGGREGATE"
                        | "EVENT"
                        | "VIEW"
                        | "SQL"
                        | "ALGORITHM"
                )
            {
                return;
            }
            self.i += 1;
        }
    }
}
