//! Ruby files of a Rails project, parsed with lib-ruby-parser (typed AST, byte locations):
//! the few shapes `db/schema.rb`, migrations and models are written in (method calls with
//! literal arguments and keyword options, blocks, class bodies), as plain values.

use crate::OrmError;
use lib_ruby_parser::{Node, Parser, ParserOptions};
use std::path::{Path, PathBuf};

/// A parsed Ruby file with its text (for positions and errors).
pub struct RubyFile {
    pub path: PathBuf,
    pub text: String,
    pub ast: Option<Box<Node>>,
}

impl RubyFile {
    pub fn read(path: &Path) -> Result<RubyFile, OrmError> {
        let text = std::fs::read_to_string(path).map_err(|e| OrmError::io(path, e))?;
        RubyFile::parse(path, text)
    }

    pub fn parse(path: &Path, text: String) -> Result<RubyFile, OrmError> {
        let options = ParserOptions {
            buffer_name: path.display().to_string(),
            record_tokens: false,
            ..Default::default()
        };
        let result = Parser::new(text.as_bytes().to_vec(), options).do_parse();
        let file = RubyFile {
            path: path.to_path_buf(),
            text,
            ast: None,
        };
        if let Some(d) = result
            .diagnostics
            .iter()
            .find(|d| matches!(d.level, lib_ruby_parser::ErrorLevel::Error))
        {
            return Err(file.error_at(d.loc.begin, d.render_message()));
        }
        Ok(RubyFile {
            ast: result.ast,
            ..file
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (u64, u64) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_boundary(&self.text, offset)];
        let line = before.matches('\n').count() as u64 + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
        (line, col)
    }

    /// `file:line:column` of a byte offset, for provenance.
    pub fn location(&self, offset: usize) -> String {
        let (l, c) = self.position(offset);
        format!("{}:{l}:{c}", self.path.display())
    }

    pub fn error_at(&self, offset: usize, message: String) -> OrmError {
        let (l, c) = self.position(offset);
        OrmError::at(&self.path, &self.text, l, c, message)
    }

    /// The source text of a node.
    pub fn source(&self, node: &Node) -> &str {
        let loc = node.expression();
        self.text.get(loc.begin..loc.end).unwrap_or("")
    }

    /// The top-level statements.
    pub fn statements(&self) -> &[Node] {
        match self.ast.as_deref() {
            Some(n) => body_statements(n),
            None => &[],
        }
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The statements of a body node (a `begin` groups several; anything else is one).
pub fn body_statements(node: &Node) -> &[Node] {
    match node {
        Node::Begin(b) => &b.statements,
        Node::KwBegin(b) => &b.statements,
        other => std::slice::from_ref(other),
    }
}

/// A literal value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Sym(String),
    Int(i64),
    /// A float literal as written (`0.5`).
    Float(String),
    Bool(bool),
    Nil,
    Array(Vec<Value>),
    Hash(Vec<(Value, Value)>),
    /// `-> { "SQL" }`: a default given as SQL (the string the lambda returns).
    Lambda(Option<String>),
    /// A constant (`Foo::Bar`).
    Const(String),
    /// Anything else (method calls, interpolated strings...), as its source text.
    Other(String),
}

impl Value {
    /// A string or symbol's text.
    pub fn as_name(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Sym(s) => Some(s),
            _ => None,
        }
    }

    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    /// A hash's value for a key written as a symbol or string.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Hash(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_name() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A string, symbol, or array of them as a list of names.
    pub fn names(&self) -> Option<Vec<String>> {
        match self {
            Value::Array(items) => items
                .iter()
                .map(|v| v.as_name().map(str::to_string))
                .collect(),
            v => v.as_name().map(|s| vec![s.to_string()]),
        }
    }
}

/// The value of a literal node.
pub fn value(file: &RubyFile, node: &Node) -> Value {
    match node {
        Node::Str(s) => Value::Str(s.value.to_string_lossy()),
        Node::Heredoc(h) if h.parts.iter().all(|p| matches!(p, Node::Str(_))) => Value::Str(
            h.parts
                .iter()
                .map(|p| match p {
                    Node::Str(s) => s.value.to_string_lossy(),
                    _ => String::new(),
                })
                .collect(),
        ),
        Node::Dstr(d) if d.parts.iter().all(|p| matches!(p, Node::Str(_))) => Value::Str(
            d.parts
                .iter()
                .map(|p| match p {
                    Node::Str(s) => s.value.to_string_lossy(),
                    _ => String::new(),
                })
                .collect(),
        ),
        Node::Sym(s) => Value::Sym(s.name.to_string_lossy()),
        Node::Int(i) => match i.value.replace('_', "").parse::<i64>() {
            Ok(n) => Value::Int(n),
            Err(_) => Value::Other(file.source(node).to_string()),
        },
        Node::Float(f) => Value::Float(f.value.replace('_', "")),
        Node::True(_) => Value::Bool(true),
        Node::False(_) => Value::Bool(false),
        Node::Nil(_) => Value::Nil,
        Node::Array(a) => Value::Array(a.elements.iter().map(|e| value(file, e)).collect()),
        Node::Hash(h) => Value::Hash(pairs(file, &h.pairs)),
        Node::Kwargs(h) => Value::Hash(pairs(file, &h.pairs)),
        Node::Const(_) => Value::Const(file.source(node).to_string()),
        Node::Block(b) if matches!(&*b.call, Node::Lambda(_)) => {
            let body = b.body.as_deref().map(|n| value(file, n));
            Value::Lambda(match body {
                Some(Value::Str(s)) => Some(s),
                _ => None,
            })
        }
        _ => Value::Other(file.source(node).to_string()),
    }
}

fn pairs(file: &RubyFile, nodes: &[Node]) -> Vec<(Value, Value)> {
    nodes
        .iter()
        .filter_map(|p| match p {
            Node::Pair(p) => Some((value(file, &p.key), value(file, &p.value))),
            _ => None,
        })
        .collect()
}

/// A method call as written: `recv.name(args, key: value) do |param| body end`.
pub struct Call<'a> {
    pub recv: Option<&'a Node>,
    pub name: &'a str,
    /// Positional arguments (the trailing keyword hash is in `options`).
    pub args: Vec<&'a Node>,
    /// The trailing keyword options, as a hash value (empty when none).
    pub options: Value,
    /// The block's first parameter and its statements.
    pub block: Option<(Option<String>, &'a [Node])>,
    /// Where the call starts (byte offset).
    pub offset: usize,
}

/// The call a statement makes (with or without a block); `None` for other statements.
pub fn call<'a>(file: &RubyFile, node: &'a Node) -> Option<Call<'a>> {
    let (send, block) = match node {
        Node::Send(s) => (s, None),
        Node::Block(b) => match &*b.call {
            Node::Send(s) => (s, Some(b)),
            _ => return None,
        },
        _ => return None,
    };
    let mut args: Vec<&Node> = send.args.iter().collect();
    let mut options = Value::Hash(Vec::new());
    if let Some(last) = args.last()
        && matches!(last, Node::Kwargs(_) | Node::Hash(_))
    {
        options = value(file, last);
        args.pop();
    }
    let block = block.map(|b| {
        let param = b.args.as_deref().and_then(|a| match a {
            Node::Args(a) => a.args.first().and_then(|p| match p {
                Node::Arg(x) => Some(x.name.clone()),
                Node::Procarg0(p) => p.args.first().and_then(|x| match x {
                    Node::Arg(x) => Some(x.name.clone()),
                    _ => None,
                }),
                _ => None,
            }),
            _ => None,
        });
        let body = b.body.as_deref().map(body_statements).unwrap_or(&[]);
        (param, body)
    });
    Some(Call {
        recv: send.recv.as_deref(),
        name: &send.method_name,
        args,
        options,
        block,
        offset: node.expression().begin,
    })
}

/// The name of a local variable receiver (`t` in `t.string`).
pub fn lvar_name(node: &Node) -> Option<&str> {
    match node {
        Node::Lvar(l) => Some(&l.name),
        Node::Send(s) if s.recv.is_none() && s.args.is_empty() => Some(&s.method_name),
        _ => None,
    }
}

/// A constant's full name (`ActiveRecord::Migration`), `None` for other nodes.
pub fn const_name(node: &Node) -> Option<String> {
    match node {
        Node::Const(c) => Some(match c.scope.as_deref() {
            Some(Node::Cbase(_)) | None => c.name.clone(),
            Some(scope) => format!("{}::{}", const_name(scope)?, c.name),
        }),
        _ => None,
    }
}

/// A class definition found at the top level or inside modules.
pub struct ClassDef<'a> {
    pub name: String,
    /// The superclass as written (`ApplicationRecord`, `ActiveRecord::Migration[6.1]`).
    pub superclass: Option<&'a Node>,
    pub body: &'a [Node],
    pub offset: usize,
    /// The modules it is written in, outermost first, by full name (`Admin`, `Admin::Reports`).
    pub modules: Vec<String>,
}

/// `module Admin; def self.table_name_prefix; "admin_"; end; end`: each module's prefix.
pub fn table_name_prefixes(file: &RubyFile) -> Vec<(String, String)> {
    fn walk(file: &RubyFile, nodes: &[Node], prefix: &str, out: &mut Vec<(String, String)>) {
        for n in nodes {
            let Node::Module(m) = n else { continue };
            let name = const_name(&m.name).unwrap_or_default();
            let full = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}::{name}")
            };
            let body = m.body.as_deref().map(body_statements).unwrap_or(&[]);
            for b in body {
                if let Node::Defs(d) = b
                    && d.name == "table_name_prefix"
                    && matches!(&*d.definee, Node::Self_(_))
                    && let Some(Value::Str(v)) = d.body.as_deref().map(|x| value(file, x))
                {
                    out.push((full.clone(), v));
                }
            }
            walk(file, body, &full, out);
        }
    }
    let mut out = Vec::new();
    walk(file, file.statements(), "", &mut out);
    out
}

/// Every class in the file, with module nesting flattened (`Admin::User`).
pub fn classes(file: &RubyFile) -> Vec<ClassDef<'_>> {
    fn walk<'a>(nodes: &'a [Node], prefix: &str, modules: &[String], out: &mut Vec<ClassDef<'a>>) {
        for n in nodes {
            match n {
                Node::Class(c) => {
                    let name = const_name(&c.name).unwrap_or_default();
                    let full = if prefix.is_empty() {
                        name
                    } else {
                        format!("{prefix}::{name}")
                    };
                    let body = c.body.as_deref().map(body_statements).unwrap_or(&[]);
                    // `class Admin::Report` is written in `Admin` too.
                    let mut mods = modules.to_vec();
                    if let Some((outer, _)) = full.rsplit_once("::")
                        && !mods.iter().any(|m| m == outer)
                    {
                        mods.push(outer.to_string());
                    }
                    out.push(ClassDef {
                        name: full.clone(),
                        superclass: c.superclass.as_deref(),
                        body,
                        offset: n.expression().begin,
                        modules: mods,
                    });
                    walk(body, &full, modules, out);
                }
                Node::Module(m) => {
                    let name = const_name(&m.name).unwrap_or_default();
                    let full = if prefix.is_empty() {
                        name
                    } else {
                        format!("{prefix}::{name}")
                    };
                    let body = m.body.as_deref().map(body_statements).unwrap_or(&[]);
                    let mut mods = modules.to_vec();
                    mods.push(full.clone());
                    walk(body, &full, &mods, out);
                }
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(file.statements(), "", &[], &mut out);
    out
}
