//! Splitting a script into statements with their positions.
//!
//! sqlparser parses a whole script at once and stops at the first statement it does not know;
//! migrex must read the statements it models and warn about the others (functions, grants, SET
//! lines of a pg_dump), so it splits first, with sqlparser's own tokenizer (which knows quoting,
//! comments and PostgreSQL dollar quotes), and parses statement by statement.
//! Two things the tokenizer cannot know are handled here: MySQL client `DELIMITER` lines and psql
//! meta-commands (`\connect`), and `BEGIN ... END` bodies of triggers and routines, whose inner
//! semicolons do not end the statement.

use migrex_model::Dialect;
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) text: String,
    /// 1-based line and column of the statement's first character in the file.
    pub(crate) line: u64,
    pub(crate) column: u64,
    /// `-- comment` text that directly follows the statement's end on the same line or inside it
    /// (rename hints live there).
    pub(crate) comments: Vec<(u64, String)>,
}

/// A tokenizer failure, with its position in the file.
#[derive(Debug, Clone)]
pub(crate) struct SplitError {
    pub(crate) line: u64,
    pub(crate) column: u64,
    pub(crate) message: String,
}

/// Splits `sql` into statements.
pub(crate) fn split(sql: &str, dialect: Dialect) -> Result<Vec<Piece>, SplitError> {
    let mut pieces = Vec::new();
    let unwrapped;
    let sql = if dialect == Dialect::Mysql {
        unwrapped = unwrap_executable_comments(sql);
        unwrapped.as_str()
    } else {
        sql
    };
    for region in regions(sql, dialect) {
        match region.delimiter {
            None => split_region(&region.text, region.line, dialect, &mut pieces)?,
            Some(delim) => split_custom(&region.text, region.line, &delim, &mut pieces),
        }
    }
    Ok(pieces)
}

struct Region {
    text: String,
    /// 1-based line where the region starts.
    line: u64,
    /// A custom MySQL delimiter in force, or `None` for `;`.
    delimiter: Option<String>,
}

/// Cuts out client-side lines (MySQL `DELIMITER`, psql `\commands`) and groups the rest by the
/// delimiter in force. Lines that are cut are blanked, so positions stay true.
fn regions(sql: &str, dialect: Dialect) -> Vec<Region> {
    let mut out = Vec::new();
    let mut delimiter: Option<String> = None;
    let mut current = String::new();
    let mut start_line = 1u64;
    for (i, line) in sql.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        let is_delimiter = dialect == Dialect::Mysql
            && trimmed.len() > 10
            && trimmed[..10].eq_ignore_ascii_case("delimiter ");
        if is_delimiter {
            out.push(Region {
                text: std::mem::take(&mut current),
                line: start_line,
                delimiter: delimiter.clone(),
            });
            let d = trimmed[10..].trim();
            delimiter = if d == ";" || d.is_empty() {
                None
            } else {
                Some(d.to_string())
            };
            start_line = i as u64 + 2;
            continue;
        }
        if dialect == Dialect::Postgres && trimmed.starts_with('\\') {
            current.push('\n');
            continue;
        }
        current.push_str(line);
    }
    out.push(Region {
        text: current,
        line: start_line,
        delimiter,
    });
    out.retain(|r| !r.text.trim().is_empty());
    out
}

fn split_region(
    text: &str,
    first_line: u64,
    dialect: Dialect,
    out: &mut Vec<Piece>,
) -> Result<(), SplitError> {
    let d = migrex_dialect::parser_dialect(dialect);
    let tokens = Tokenizer::new(d.as_ref(), text)
        .tokenize_with_location()
        .map_err(|e| SplitError {
            line: e.location.line + first_line - 1,
            column: e.location.column,
            message: e.message,
        })?;
    // Byte offset of each line start, to slice statements out of the original text (re-printing
    // tokens would change escapes and shift the columns of later errors).
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
    let mut current: Vec<&sqlparser::tokenizer::TokenWithSpan> = Vec::new();
    let mut depth = 0i32;
    let mut body_statement = false;
    let mut comments: Vec<(u64, String)> = Vec::new();
    let flush = |current: &mut Vec<&sqlparser::tokenizer::TokenWithSpan>,
                 comments: &mut Vec<(u64, String)>,
                 out: &mut Vec<Piece>| {
        let first = current.iter().position(|t| !is_trivia(&t.token));
        if let Some(first) = first {
            let start = &current[first];
            let end = current
                .iter()
                .rev()
                .find(|t| !is_trivia(&t.token))
                .map_or(*start, |t| *t);
            let body =
                &text[offset(start.span.start)..offset(end.span.end).max(offset(start.span.start))];
            out.push(Piece {
                text: body.trim_end().to_string(),
                line: start.span.start.line + first_line - 1,
                column: start.span.start.column,
                comments: std::mem::take(comments),
            });
        } else if let Some(last) = out.last_mut() {
            // Comments after the last `;` on its line belong to the previous statement.
            last.comments.append(comments);
        }
        current.clear();
    };
    // `END IF|LOOP|WHILE|REPEAT` closes a block whose opening word was not counted.
    let mut skip_next_word = false;
    for (i, tok) in tokens.iter().enumerate() {
        if let Token::Whitespace(Whitespace::SingleLineComment { comment, .. }) = &tok.token {
            let line = tok.span.start.line + first_line - 1;
            // A comment on the line the previous statement ended belongs to that statement.
            let belongs_to_previous = current.iter().all(|t| is_trivia(&t.token))
                && out
                    .last()
                    .is_some_and(|p| p.line <= line && ends_on_line(p, line));
            if belongs_to_previous {
                if let Some(p) = out.last_mut() {
                    p.comments.push((line, comment.trim().to_string()));
                }
            } else {
                comments.push((line, comment.trim().to_string()));
            }
        }
        if let Token::Word(w) = &tok.token {
            let kw = w.value.to_ascii_uppercase();
            if current.iter().all(|t| is_trivia(&t.token)) {
                body_statement = false;
            }
            if !body_statement && kw_is_body_start(&current, &kw) {
                body_statement = true;
            }
            if std::mem::take(&mut skip_next_word) {
            } else if body_statement && w.quote_style.is_none() {
                match kw.as_str() {
                    "BEGIN" | "CASE" => depth += 1,
                    "END" => match next_word(&tokens[i + 1..]).as_deref() {
                        Some("IF" | "LOOP" | "WHILE" | "REPEAT") => skip_next_word = true,
                        Some("CASE") => {
                            skip_next_word = true;
                            depth = (depth - 1).max(0);
                        }
                        _ => depth = (depth - 1).max(0),
                    },
                    _ => {}
                }
            }
        }
        if tok.token == Token::SemiColon && depth == 0 {
            flush(&mut current, &mut comments, out);
            continue;
        }
        current.push(tok);
    }
    flush(&mut current, &mut comments, out);
    Ok(())
}

/// `CREATE SCHEMA name [AUTHORIZATION r] CREATE TABLE ... CREATE VIEW ... GRANT ...`: the schema's
/// name and its elements as separate statements (positions kept). `None` for a plain CREATE SCHEMA.
pub(crate) fn schema_elements(piece: &Piece) -> Option<(String, Vec<Piece>)> {
    let d = migrex_dialect::parser_dialect(Dialect::Postgres);
    let tokens = Tokenizer::new(d.as_ref(), &piece.text)
        .tokenize_with_location()
        .ok()?;
    let words: Vec<(usize, &sqlparser::tokenizer::TokenWithSpan)> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !is_trivia(&t.token))
        .collect();
    let word = |i: usize| match words.get(i).map(|(_, t)| &t.token) {
        Some(Token::Word(w)) => Some(w),
        _ => None,
    };
    let mut i = 2;
    if word(i).is_some_and(|w| w.value.eq_ignore_ascii_case("IF")) {
        i += 3;
    }
    let name_word = word(i)?;
    let name = match name_word.quote_style {
        Some(_) => format!("\"{}\"", name_word.value),
        None => name_word.value.clone(),
    };
    i += 1;
    if word(i).is_some_and(|w| w.value.eq_ignore_ascii_case("AUTHORIZATION")) {
        i += 2;
    }
    if i >= words.len() {
        return None;
    }
    // Elements start at each top-level CREATE or GRANT.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(piece.text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |loc: sqlparser::tokenizer::Location| -> usize {
        let start = line_starts
            .get(loc.line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(piece.text.len());
        let line = &piece.text[start..];
        start
            + line
                .char_indices()
                .nth(loc.column.saturating_sub(1) as usize)
                .map_or(line.len(), |(i, _)| i)
    };
    let mut depth = 0i32;
    let mut starts = Vec::new();
    for (_, t) in &words[i..] {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Word(w)
                if depth == 0
                    && w.quote_style.is_none()
                    && (w.value.eq_ignore_ascii_case("CREATE")
                        || w.value.eq_ignore_ascii_case("GRANT")) =>
            {
                starts.push(t.span.start);
            }
            _ => {}
        }
    }
    let mut elements = Vec::new();
    for (k, start) in starts.iter().enumerate() {
        let from = offset(*start);
        let to = starts.get(k + 1).map_or(piece.text.len(), |s| offset(*s));
        let text = piece.text[from..to].trim_end().to_string();
        let line = piece.line + start.line - 1;
        let column = if start.line == 1 {
            piece.column + start.column - 1
        } else {
            start.column
        };
        let comments = piece
            .comments
            .iter()
            .filter(|(l, _)| *l >= line)
            .cloned()
            .collect();
        elements.push(Piece {
            text,
            line,
            column,
            comments,
        });
    }
    Some((name, elements))
}

/// True when a piece's last line is `line` (for comments trailing a statement).
fn ends_on_line(p: &Piece, line: u64) -> bool {
    p.line + p.text.matches('\n').count() as u64 == line
}

/// `CREATE [OR REPLACE] [TEMP] TRIGGER|FUNCTION|PROCEDURE|EVENT`: bodies may hold `;`.
fn kw_is_body_start(current: &[&sqlparser::tokenizer::TokenWithSpan], kw: &str) -> bool {
    if !matches!(kw, "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT") {
        return false;
    }
    let words: Vec<String> = current
        .iter()
        .filter_map(|t| match &t.token {
            Token::Word(w) => Some(w.value.to_ascii_uppercase()),
            _ => None,
        })
        .collect();
    words.first().is_some_and(|w| w == "CREATE")
}

/// The next word after `tokens`' leading whitespace, uppercased (unquoted words only).
fn next_word(tokens: &[sqlparser::tokenizer::TokenWithSpan]) -> Option<String> {
    match &tokens.iter().find(|t| !is_trivia(&t.token))?.token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
        _ => None,
    }
}

/// MySQL executable comments `/*!50100 ... */` and MariaDB's `/*M!100100 ... */` (what dump
/// tools wrap version-specific clauses in: `PARTITION BY`, `DEFINER=`, whole trigger headers)
/// are SQL to the server; their markers are blanked out (positions stay true) so the content is
/// read as the server reads it. Version `999999` (MariaDB dumps' client commands) stays a comment.
fn unwrap_executable_comments(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    // Start of the executable comment whose `*/` is still to come.
    let mut open = false;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' && q != b'`' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' | b'`' => quote = Some(c),
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| i + p);
                continue;
            }
            b'#' => {
                i = b[i..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| i + p);
                continue;
            }
            b'*' if open && b.get(i + 1) == Some(&b'/') => {
                out[i] = b' ';
                out[i + 1] = b' ';
                open = false;
                i += 2;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let marker = match (b.get(i + 2), b.get(i + 3)) {
                    (Some(b'!'), _) => Some(3),
                    (Some(b'M'), Some(b'!')) => Some(4),
                    _ => None,
                };
                // `999999` is no server version: MariaDB dumps mark client commands so.
                let never = |len: usize| {
                    let digits: String = b[i + len..]
                        .iter()
                        .take_while(|x| x.is_ascii_digit())
                        .map(|&x| x as char)
                        .collect();
                    digits.parse::<u64>().is_ok_and(|v| v >= 999_999)
                };
                match marker {
                    Some(len) if !open && !never(len) => {
                        let digits = b[i + len..]
                            .iter()
                            .take_while(|x| x.is_ascii_digit())
                            .count();
                        for o in &mut out[i..i + len + digits] {
                            *o = b' ';
                        }
                        open = true;
                        i += len + digits;
                    }
                    _ => {
                        // An ordinary comment: skip it whole.
                        i = b[i + 2..]
                            .windows(2)
                            .position(|w| w == b"*/")
                            .map_or(b.len(), |p| i + 2 + p + 2);
                    }
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by spaces, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| sql.to_string())
}

fn is_trivia(t: &Token) -> bool {
    matches!(t, Token::Whitespace(_))
}

/// A region under a custom MySQL delimiter: split on the delimiter outside quotes.
fn split_custom(text: &str, first_line: u64, delim: &str, out: &mut Vec<Piece>) {
    let bytes = text.as_bytes();
    let mut quote: Option<u8> = None;
    let mut start = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else if c == b'\'' || c == b'"' || c == b'`' {
            quote = Some(c);
        } else if c == b'#' || (c == b'-' && bytes.get(i + 1) == Some(&b'-')) {
            // A comment runs to the end of its line (a quote in it opens nothing).
            i = bytes[i..]
                .iter()
                .position(|&x| x == b'\n')
                .map_or(bytes.len(), |p| i + p);
            continue;
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = bytes[i + 2..]
                .windows(2)
                .position(|w| w == b"*/")
                .map_or(bytes.len(), |p| i + 2 + p + 2);
            continue;
        } else if bytes[i..].starts_with(delim.as_bytes()) {
            push_custom(&text[start..i], text, start, first_line, out);
            i += delim.len();
            start = i;
            continue;
        }
        i += 1;
    }
    push_custom(&text[start..], text, start, first_line, out);
}

fn push_custom(stmt: &str, whole: &str, offset: usize, first_line: u64, out: &mut Vec<Piece>) {
    let lead = stmt.len() - stmt.trim_start().len();
    let body = stmt.trim();
    if body.is_empty() {
        return;
    }
    let before = &whole[..offset + lead];
    let line = first_line + before.matches('\n').count() as u64;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    out.push(Piece {
        text: body.to_string(),
        line,
        column,
        comments: Vec::new(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_positions_and_trailing_comments() {
        let sql =
            "CREATE TABLE a (x int); -- one\n\nCREATE TABLE b (\n  y int -- @renamed from=z\n);\n";
        let p = split(sql, Dialect::Postgres).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].line, p[0].column), (1, 1));
        assert_eq!(p[0].comments, vec![(1, "one".to_string())]);
        assert_eq!((p[1].line, p[1].column), (3, 1));
        assert_eq!(p[1].comments, vec![(4, "@renamed from=z".to_string())]);
    }

    #[test]
    fn trigger_bodies_and_dollar_quotes_stay_whole() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 1; END;\nCREATE TABLE c (x int);";
        assert_eq!(split(sql, Dialect::Sqlite).unwrap().len(), 2);
        let pg = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nCREATE TABLE c (x int);";
        assert_eq!(split(pg, Dialect::Postgres).unwrap().len(), 2);
    }

    #[test]
    fn mysql_compound_bodies_without_delimiter() {
        // `END IF` / `END LOOP` / `END CASE` close blocks inside the body, labels included.
        let sql = "CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW begin\nif x then\nif y then\ndelete from a;\nend if;\nelse\nset @v = case when 1 then 2 end;\nend if;\nlbl: loop\nleave lbl;\nend loop lbl;\ncase 1 when 1 then set @w = 1; end case;\nwhile 0 do set @z = 1; end while;\nend;\nCREATE TABLE c (x int);";
        let p = split(sql, Dialect::Mysql).unwrap();
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p[0].text.ends_with("end while;\nend"));
        let proc = "CREATE PROCEDURE p() proc: BEGIN DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; END; REPEAT SET @a = 1; UNTIL 1 END REPEAT; END proc;\nSELECT 1;";
        assert_eq!(split(proc, Dialect::Mysql).unwrap().len(), 2);
    }

    #[test]
    fn mysql_executable_comments_are_sql() {
        let sql = "CREATE TABLE t (a int) /*!50100 PARTITION BY HASH (`a`) */;\n/* plain; comment */ CREATE TABLE u (b int);";
        let p = split(sql, Dialect::Mysql).unwrap();
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(
            p[0].text.contains("PARTITION BY HASH (`a`)"),
            "{}",
            p[0].text
        );
        assert!(!p[0].text.contains("*/"));
        assert_eq!((p[1].line, p[1].column), (2, 22));
        let sandbox = "/*M!999999\\- enable the sandbox mode */ \nCREATE TABLE v (c int);";
        assert_eq!(split(sandbox, Dialect::Mysql).unwrap().len(), 1);
        let dump = "/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`%`*/ /*!50003 TRIGGER x BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1 */;";
        let p = split(dump, Dialect::Mysql).unwrap();
        let words: Vec<&str> = p[0].text.split_whitespace().collect();
        assert_eq!(
            words.join(" "),
            "CREATE DEFINER=`root`@`%` TRIGGER x BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1"
        );
    }

    #[test]
    fn mysql_delimiter_regions_skip_quotes_in_comments() {
        let sql = "DELIMITER //\nCREATE PROCEDURE p() BEGIN\n  -- don't stop here //\n  # nor 'here //\n  SELECT 1; /* it's // fine */\nEND //\nDELIMITER ;\n";
        let p = split(sql, Dialect::Mysql).unwrap();
        assert_eq!(p.len(), 1, "{p:#?}");
        assert!(p[0].text.ends_with("END"));
    }

    #[test]
    fn mysql_delimiter_regions() {
        let sql = "CREATE TABLE a (x int);\nDELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; END;;\nDELIMITER ;\nCREATE TABLE b (y int);\n";
        let p = split(sql, Dialect::Mysql).unwrap();
        assert_eq!(p.len(), 3, "{p:#?}");
        assert_eq!(p[2].line, 5);
    }
}
