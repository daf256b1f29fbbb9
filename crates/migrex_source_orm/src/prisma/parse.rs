//! The Prisma Schema Language (`.prisma` files) as a small typed AST with source positions.
//!
//! Hand-written on purpose: Prisma's own parser (`psl` in prisma-engines, a pest grammar) is not
//! published on crates.io, and the language is a handful of block kinds (`model`, `view`,
//! `enum`, `datasource`, `generator`, `type`) made of `name Type? @attr(args)` lines and
//! `@@attr(args)` lines, whose arguments are strings, numbers, identifiers, function calls and
//! arrays. A tokenizer plus a recursive-descent parser over that is ~300 lines and keeps exact
//! line:column positions for every error, which is what the reader's diagnostics need.

use crate::OrmError;
use std::path::{Path, PathBuf};

/// A position in a schema file (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

/// One parsed `.prisma` file.
#[derive(Debug, Clone)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockKind {
    Model,
    View,
    Enum,
    Datasource,
    Generator,
    /// MongoDB composite types; not tables.
    Type,
}

/// A top-level block.
#[derive(Debug, Clone)]
pub struct Block {
    pub kind: BlockKind,
    pub name: String,
    pub pos: Pos,
    /// Model/view/type fields; enum values (type empty); datasource/generator `key = value`
    /// entries (type empty, value in `value`).
    pub fields: Vec<Field>,
    /// `@@attr(...)` lines.
    pub attributes: Vec<Attribute>,
    /// `///` comments right above the block.
    pub doc: Option<String>,
}

/// A field line `name Type? @a @b(...)`, an enum value `NAME @map("x")`, or a config entry.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub pos: Pos,
    pub ty: Option<FieldType>,
    pub attributes: Vec<Attribute>,
    /// Config blocks: the entry's value.
    pub value: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldType {
    pub name: String,
    pub pos: Pos,
    pub optional: bool,
    pub list: bool,
    /// `Unsupported("circle")`: the type text.
    pub unsupported: Option<String>,
}

/// `@name(args)` / `@@name(args)`; `name` keeps dots (`db.VarChar`).
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub pos: Pos,
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<String>,
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    /// Numbers as written (`10`, `1.5`, `-3`).
    Num(String),
    /// Identifiers, `true`/`false`, enum values, field references.
    Ident(String),
    /// `now()`, `title(sort: Desc)`, `env("X")`.
    Call(String, Vec<Arg>),
    Array(Vec<Value>),
}

impl Attribute {
    /// The argument named `name`, or the first unnamed one when `name` is `""`.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        if name.is_empty() {
            self.args.iter().find(|a| a.name.is_none())
        } else {
            self.args.iter().find(|a| a.name.as_deref() == Some(name))
        }
    }

    /// The named argument, or the unnamed first one (Prisma lets `map`/`fields` be positional
    /// in some attributes: `@@index([a])`, `@map("x")`).
    pub fn arg_or_first(&self, name: &str) -> Option<&Arg> {
        self.arg(name).or_else(|| self.arg(""))
    }
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl Block {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

impl Field {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    /// `@` or `@@`, with the name that follows (dots included).
    At(bool, String),
    Punct(char),
    /// End of a line (fields and attributes are line-based).
    Newline,
    /// `///` documentation comment text.
    Doc(String),
}

struct Lexer<'a> {
    chars: Vec<char>,
    i: usize,
    line: u64,
    col: u64,
    path: &'a Path,
    text: &'a str,
}

impl<'a> Lexer<'a> {
    fn err(&self, pos: Pos, msg: String) -> OrmError {
        OrmError::at(self.path, self.text, pos.line, pos.column, msg)
    }

    fn bump(&mut self) -> Option<char> {
        let c = *self.chars.get(self.i)?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn ident(&mut self) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0) {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                s.push(c);
                self.bump();
            } else {
                break;
            }
        }
        s
    }

    fn tokens(mut self) -> Result<Vec<(Tok, Pos)>, OrmError> {
        let mut out = Vec::new();
        while let Some(c) = self.peek(0) {
            let pos = Pos {
                line: self.line,
                column: self.col,
            };
            match c {
                '\n' => {
                    self.bump();
                    out.push((Tok::Newline, pos));
                }
                c if c.is_whitespace() => {
                    self.bump();
                }
                '/' if self.peek(1) == Some('/') => {
                    let doc = self.peek(2) == Some('/');
                    let mut text = String::new();
                    while let Some(c) = self.peek(0) {
                        if c == '\n' {
                            break;
                        }
                        text.push(c);
                        self.bump();
                    }
                    if doc {
                        out.push((Tok::Doc(text[3..].trim().to_string()), pos));
                    }
                }
                '"' => {
                    self.bump();
                    let mut s = String::new();
                    loop {
                        match self.bump() {
                            None | Some('\n') => {
                                return Err(self.err(pos, "unterminated string".into()));
                            }
                            Some('"') => break,
                            Some('\\') => match self.bump() {
                                Some('n') => s.push('\n'),
                                Some('t') => s.push('\t'),
                                Some(c) => s.push(c),
                                None => return Err(self.err(pos, "unterminated string".into())),
                            },
                            Some(c) => s.push(c),
                        }
                    }
                    out.push((Tok::Str(s), pos));
                }
                '@' => {
                    self.bump();
                    let block = self.peek(0) == Some('@');
                    if block {
                        self.bump();
                    }
                    let mut name = self.ident();
                    while self.peek(0) == Some('.') {
                        self.bump();
                        name.push('.');
                        name.push_str(&self.ident());
                    }
                    if name.is_empty() {
                        return Err(self.err(pos, "expected an attribute name after `@`".into()));
                    }
                    out.push((Tok::At(block, name), pos));
                }
                c if c.is_ascii_digit()
                    || (c == '-' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) =>
                {
                    let mut s = String::new();
                    s.push(c);
                    self.bump();
                    while let Some(d) = self.peek(0) {
                        if d.is_ascii_digit() || d == '.' {
                            s.push(d);
                            self.bump();
                        } else {
                            break;
                        }
                    }
                    out.push((Tok::Num(s), pos));
                }
                c if c.is_alphabetic() || c == '_' => {
                    let s = self.ident();
                    out.push((Tok::Ident(s), pos));
                }
                '{' | '}' | '(' | ')' | '[' | ']' | ',' | ':' | '=' | '?' | '.' => {
                    self.bump();
                    out.push((Tok::Punct(c), pos));
                }
                other => {
                    return Err(self.err(pos, format!("unexpected character `{other}`")));
                }
            }
        }
        out.push((
            Tok::Newline,
            Pos {
                line: self.line,
                column: self.col,
            },
        ));
        Ok(out)
    }
}

struct Parser<'a> {
    toks: Vec<(Tok, Pos)>,
    i: usize,
    path: &'a Path,
    text: &'a str,
}

impl Parser<'_> {
    fn err(&self, pos: Pos, msg: String) -> OrmError {
        OrmError::at(self.path, self.text, pos.line, pos.column, msg)
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.i.min(self.toks.len() - 1)].0
    }

    fn pos(&self) -> Pos {
        self.toks[self.i.min(self.toks.len() - 1)].1
    }

    fn next(&mut self) -> (Tok, Pos) {
        let t = self.toks[self.i.min(self.toks.len() - 1)].clone();
        self.i += 1;
        t
    }

    fn at_end(&self) -> bool {
        self.i >= self.toks.len()
    }

    fn skip_newlines(&mut self) {
        while !self.at_end() && matches!(self.peek(), Tok::Newline) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: char) -> Result<Pos, OrmError> {
        let (t, pos) = self.next();
        if t == Tok::Punct(c) {
            Ok(pos)
        } else {
            Err(self.err(pos, format!("expected `{c}`, found {}", describe(&t))))
        }
    }

    fn ident(&mut self, what: &str) -> Result<(String, Pos), OrmError> {
        match self.next() {
            (Tok::Ident(s), pos) => Ok((s, pos)),
            (t, pos) => Err(self.err(pos, format!("expected {what}, found {}", describe(&t)))),
        }
    }

    fn file(&mut self) -> Result<Vec<Block>, OrmError> {
        let mut blocks = Vec::new();
        let mut doc: Vec<String> = Vec::new();
        loop {
            self.skip_newlines();
            if self.at_end() {
                break;
            }
            if let Tok::Doc(d) = self.peek().clone() {
                doc.push(d);
                self.i += 1;
                continue;
            }
            let (kw, pos) = self.ident("a block (model, enum, view, datasource, generator)")?;
            let kind = match kw.as_str() {
                "model" => BlockKind::Model,
                "view" => BlockKind::View,
                "enum" => BlockKind::Enum,
                "datasource" => BlockKind::Datasource,
                "generator" => BlockKind::Generator,
                "type" => BlockKind::Type,
                other => {
                    return Err(self.err(
                        pos,
                        format!(
                            "unknown block `{other}` (expected model, enum, view, datasource, \
                             generator or type)"
                        ),
                    ));
                }
            };
            let (name, npos) = self.ident("a block name")?;
            self.expect('{')?;
            let mut block = Block {
                kind,
                name,
                pos: npos,
                fields: Vec::new(),
                attributes: Vec::new(),
                doc: (!doc.is_empty()).then(|| doc.join("\n")),
            };
            doc.clear();
            self.block_body(&mut block)?;
            blocks.push(block);
        }
        Ok(blocks)
    }

    fn block_body(&mut self, block: &mut Block) -> Result<(), OrmError> {
        loop {
            self.skip_newlines();
            let (t, pos) = self.next();
            match t {
                Tok::Punct('}') => return Ok(()),
                Tok::Doc(_) => {}
                Tok::At(true, name) => {
                    let args = self.maybe_args()?;
                    block.attributes.push(Attribute { name, pos, args });
                }
                Tok::Ident(name) => {
                    let mut field = Field {
                        name,
                        pos,
                        ty: None,
                        attributes: Vec::new(),
                        value: None,
                    };
                    match block.kind {
                        BlockKind::Datasource | BlockKind::Generator => {
                            self.expect('=')?;
                            field.value = Some(self.value()?);
                        }
                        BlockKind::Enum => {}
                        _ => field.ty = Some(self.field_type()?),
                    }
                    while let Tok::At(false, _) = self.peek() {
                        let (Tok::At(_, aname), apos) = self.next() else {
                            unreachable!("peeked an attribute")
                        };
                        let args = self.maybe_args()?;
                        field.attributes.push(Attribute {
                            name: aname,
                            pos: apos,
                            args,
                        });
                    }
                    match self.peek() {
                        Tok::Newline | Tok::Doc(_) | Tok::Punct('}') => {}
                        other => {
                            let msg = format!("unexpected {} in a field line", describe(other));
                            return Err(self.err(self.pos(), msg));
                        }
                    }
                    block.fields.push(field);
                }
                Tok::Newline if self.at_end() => {
                    return Err(self.err(pos, format!("block `{}` is not closed", block.name)));
                }
                other => {
                    return Err(self.err(
                        pos,
                        format!("unexpected {} in block `{}`", describe(&other), block.name),
                    ));
                }
            }
        }
    }

    fn field_type(&mut self) -> Result<FieldType, OrmError> {
        let (name, pos) = self.ident("a field type")?;
        let mut ty = FieldType {
            name,
            pos,
            optional: false,
            list: false,
            unsupported: None,
        };
        if ty.name == "Unsupported" && self.peek() == &Tok::Punct('(') {
            self.next();
            match self.next() {
                (Tok::Str(s), _) => ty.unsupported = Some(s),
                (t, p) => {
                    return Err(self.err(p, format!("expected a string, found {}", describe(&t))));
                }
            }
            self.expect(')')?;
        }
        if self.peek() == &Tok::Punct('[') {
            self.next();
            self.expect(']')?;
            ty.list = true;
        }
        if self.peek() == &Tok::Punct('?') {
            self.next();
            ty.optional = true;
        }
        Ok(ty)
    }

    fn maybe_args(&mut self) -> Result<Vec<Arg>, OrmError> {
        if self.peek() == &Tok::Punct('(') {
            self.next();
            self.args(')')
        } else {
            Ok(Vec::new())
        }
    }

    /// Arguments up to the closing `close` (already past the opener); newlines allowed.
    fn args(&mut self, close: char) -> Result<Vec<Arg>, OrmError> {
        let mut args = Vec::new();
        loop {
            self.skip_newlines();
            if self.peek() == &Tok::Punct(close) {
                self.next();
                return Ok(args);
            }
            let pos = self.pos();
            let mut name = None;
            if let Tok::Ident(n) = self.peek().clone()
                && self.toks.get(self.i + 1).map(|t| &t.0) == Some(&Tok::Punct(':'))
            {
                name = Some(n);
                self.i += 2;
            }
            let value = self.value()?;
            args.push(Arg { name, value, pos });
            self.skip_newlines();
            match self.next() {
                (Tok::Punct(','), _) => {}
                (Tok::Punct(c), _) if c == close => return Ok(args),
                (t, p) => {
                    return Err(self.err(
                        p,
                        format!("expected `,` or `{close}`, found {}", describe(&t)),
                    ));
                }
            }
        }
    }

    fn value(&mut self) -> Result<Value, OrmError> {
        self.skip_newlines();
        let (t, pos) = self.next();
        match t {
            Tok::Str(s) => Ok(Value::Str(s)),
            Tok::Num(n) => Ok(Value::Num(n)),
            Tok::Punct('[') => {
                let args = self.args(']')?;
                Ok(Value::Array(args.into_iter().map(|a| a.value).collect()))
            }
            Tok::Ident(mut s) => {
                while self.peek() == &Tok::Punct('.') {
                    self.next();
                    s.push('.');
                    s.push_str(&self.ident("a name")?.0);
                }
                if self.peek() == &Tok::Punct('(') {
                    self.next();
                    let args = self.args(')')?;
                    Ok(Value::Call(s, args))
                } else {
                    Ok(Value::Ident(s))
                }
            }
            other => Err(self.err(pos, format!("expected a value, found {}", describe(&other)))),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Num(n) => format!("`{n}`"),
        Tok::At(b, n) => format!("`{}{n}`", if *b { "@@" } else { "@" }),
        Tok::Punct(c) => format!("`{c}`"),
        Tok::Newline => "the end of the line".into(),
        Tok::Doc(_) => "a comment".into(),
    }
}

/// Parses one schema file.
pub fn parse(path: &Path, text: &str) -> Result<File, OrmError> {
    let toks = Lexer {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
        path,
        text,
    }
    .tokens()?;
    let blocks = Parser {
        toks,
        i: 0,
        path,
        text,
    }
    .file()?;
    Ok(File {
        path: path.to_path_buf(),
        text: text.to_string(),
        blocks,
    })
}
