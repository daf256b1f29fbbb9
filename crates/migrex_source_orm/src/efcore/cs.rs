//! C# source read with tree-sitter-c-sharp (a real parser), lowered to the little the EF Core
//! reader needs: classes with their attributes and properties, enums, and method bodies as
//! lists of statements whose expressions keep the shape of fluent-API chains.

use crate::OrmError;
use std::path::{Path, PathBuf};
use tree_sitter::{Node, Parser, Tree};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

/// An expression of a fluent-API chain or attribute argument.
#[derive(Debug, Clone)]
pub enum Expr {
    Ident(String, Pos),
    Member(Box<Expr>, String, Pos),
    Call {
        target: Option<Box<Expr>>,
        name: String,
        generics: Vec<TypeRef>,
        args: Vec<Arg>,
        pos: Pos,
    },
    Str(String, Pos),
    Int(i64, Pos),
    Real(String, Pos),
    Bool(bool, Pos),
    Null(Pos),
    Lambda {
        params: Vec<String>,
        body: Vec<Stmt>,
        pos: Pos,
    },
    /// `new { x.A, x.B }`
    Anon(Vec<Expr>, Pos),
    /// `new[] { "A", "B" }` or `new string[] { ... }`
    Array(Vec<Expr>, Pos),
    /// `new T(...)`
    New(TypeRef, Vec<Arg>, Pos),
    TypeOf(TypeRef, Pos),
    /// Anything else, kept as its text for the error message.
    Other(String, Pos),
}

impl Expr {
    pub fn pos(&self) -> Pos {
        match self {
            Expr::Ident(_, p)
            | Expr::Member(_, _, p)
            | Expr::Str(_, p)
            | Expr::Int(_, p)
            | Expr::Real(_, p)
            | Expr::Bool(_, p)
            | Expr::Null(p)
            | Expr::Anon(_, p)
            | Expr::Array(_, p)
            | Expr::New(_, _, p)
            | Expr::TypeOf(_, p)
            | Expr::Other(_, p) => *p,
            Expr::Call { pos, .. } | Expr::Lambda { pos, .. } => *pos,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Arg {
    pub name: Option<String>,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub enum Stmt {
    Expr(Expr),
    /// `var x = expr;`
    Let(String, Expr),
    /// `return expr;` / an arrow body
    Return(Expr),
    Other(String, Pos),
}

/// A type as written: `List<Post>`, `int?`, `byte[]`, `System.String`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    /// The last segment of the name, without namespace (`List`, `int`).
    pub name: String,
    pub args: Vec<TypeRef>,
    pub nullable: bool,
    pub array: bool,
}

impl TypeRef {
    pub fn simple(name: &str) -> TypeRef {
        TypeRef {
            name: name.to_string(),
            args: vec![],
            nullable: false,
            array: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Attr {
    pub name: String,
    pub args: Vec<Arg>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Prop {
    pub name: String,
    pub ty: TypeRef,
    pub attrs: Vec<Attr>,
    pub pos: Pos,
    pub is_static: bool,
    /// `public int X => 1;` and properties with only a computed getter are not mapped.
    pub computed: bool,
}

#[derive(Debug, Clone)]
pub struct Method {
    pub name: String,
    pub params: Vec<(TypeRef, String)>,
    pub body: Vec<Stmt>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Class {
    pub name: String,
    pub namespace: String,
    pub bases: Vec<TypeRef>,
    pub attrs: Vec<Attr>,
    pub props: Vec<Prop>,
    pub methods: Vec<Method>,
    pub file: usize,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Enum {
    pub name: String,
    pub underlying: Option<String>,
    /// Members with their values (implicit ones counted on from the previous).
    pub members: Vec<(String, Option<i64>)>,
}

impl Enum {
    pub fn value_of(&self, member: &str) -> Option<i64> {
        let mut next = 0;
        for (n, v) in &self.members {
            let v = v.unwrap_or(next);
            if n == member {
                return Some(v);
            }
            next = v + 1;
        }
        None
    }
}

#[derive(Debug, Clone)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
    /// `using` directives (namespaces), for resolving class names.
    pub usings: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub files: Vec<File>,
    pub classes: Vec<Class>,
    pub enums: Vec<Enum>,
}

impl Sources {
    pub fn err(&self, file: usize, pos: Pos, msg: String) -> OrmError {
        let f = &self.files[file];
        OrmError::at(&f.path, &f.text, pos.line, pos.column, msg)
    }

    pub fn class(&self, name: &str) -> Option<&Class> {
        self.classes.iter().find(|c| c.name == name)
    }
}

pub fn parser() -> Parser {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_c_sharp::LANGUAGE.into())
        .expect("the C# grammar loads");
    p
}

/// Parses C# text; the first ERROR or MISSING node, if any, as (line, column, what).
pub fn syntax_error(text: &str) -> Option<(u64, u64, String)> {
    let tree = parser().parse(text, None)?;
    first_error(tree.root_node(), text)
}

fn first_error(node: Node, text: &str) -> Option<(u64, u64, String)> {
    if node.is_error() || node.is_missing() {
        let p = node.start_position();
        let what = if node.is_missing() {
            format!("missing {}", node.kind())
        } else {
            let t = &text[node.byte_range()];
            format!(
                "syntax error near `{}`",
                t.chars().take(40).collect::<String>()
            )
        };
        return Some((p.row as u64 + 1, p.column as u64 + 1, what));
    }
    if !node.has_error() {
        return None;
    }
    let mut c = node.walk();
    for ch in node.children(&mut c) {
        if let Some(e) = first_error(ch, text) {
            return Some(e);
        }
    }
    None
}

/// Reads and parses one file into `out`.
pub fn add_file(out: &mut Sources, path: &Path) -> Result<(), OrmError> {
    let text = std::fs::read_to_string(path).map_err(|e| OrmError::io(path, e))?;
    let Some(tree) = parser().parse(&text, None) else {
        return Err(OrmError::at(path, &text, 1, 1, "C# parser failed".into()));
    };
    if let Some((line, col, what)) = first_error(tree.root_node(), &text) {
        return Err(OrmError::at(path, &text, line, col, what));
    }
    let idx = out.files.len();
    out.files.push(File {
        path: path.to_path_buf(),
        text: text.clone(),
        usings: vec![],
    });
    let mut l = Lower {
        text: &text,
        file: idx,
        out,
    };
    l.unit(&tree);
    Ok(())
}

struct Lower<'a> {
    text: &'a str,
    file: usize,
    out: &'a mut Sources,
}

fn pos(n: Node) -> Pos {
    let p = n.start_position();
    Pos {
        line: p.row as u64 + 1,
        column: p.column as u64 + 1,
    }
}

fn named(n: Node) -> Vec<Node> {
    let mut c = n.walk();
    n.named_children(&mut c).collect()
}

impl<'a> Lower<'a> {
    fn t(&self, n: Node) -> &'a str {
        &self.text[n.byte_range()]
    }

    fn unit(&mut self, tree: &Tree) {
        let root = tree.root_node();
        let mut ns = String::new();
        for ch in named(root) {
            if ch.kind() == "file_scoped_namespace_declaration" {
                if let Some(n) = ch.child_by_field_name("name") {
                    ns = self.t(n).to_string();
                }
                // Older grammars nest the declarations in the node itself.
                for d in named(ch) {
                    self.decl(d, &ns);
                }
            } else {
                self.decl(ch, &ns);
            }
        }
    }

    fn decl(&mut self, n: Node, ns: &str) {
        match n.kind() {
            "using_directive" if n.child_by_field_name("name").is_none() => {
                if let Some(t) = named(n).last() {
                    let u = self.t(*t).to_string();
                    self.out.files[self.file].usings.push(u);
                }
            }
            "namespace_declaration" => {
                let name = n
                    .child_by_field_name("name")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                let full = if ns.is_empty() {
                    name
                } else {
                    format!("{ns}.{name}")
                };
                if let Some(body) = n.child_by_field_name("body") {
                    for d in named(body) {
                        self.decl(d, &full);
                    }
                }
            }
            "class_declaration" | "record_declaration" => self.class(n, ns),
            "enum_declaration" => {
                let name = n
                    .child_by_field_name("name")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                let underlying = named(n)
                    .into_iter()
                    .find(|c| c.kind() == "base_list")
                    .map(|b| self.t(b).trim_start_matches(':').trim().to_string());
                let mut members = vec![];
                if let Some(body) = n.child_by_field_name("body") {
                    for m in named(body) {
                        if m.kind() != "enum_member_declaration" {
                            continue;
                        }
                        let mname = m
                            .child_by_field_name("name")
                            .map(|x| self.t(x).to_string())
                            .unwrap_or_default();
                        let value = m.child_by_field_name("value").map(|v| self.expr(v));
                        let value = match value {
                            Some(Expr::Int(v, _)) => Some(v),
                            _ => None,
                        };
                        members.push((mname, value));
                    }
                }
                self.out.enums.push(Enum {
                    name,
                    underlying,
                    members,
                });
            }
            _ => {}
        }
    }

    fn class(&mut self, n: Node, ns: &str) {
        let name = n
            .child_by_field_name("name")
            .map(|x| self.t(x).to_string())
            .unwrap_or_default();
        let mut class = Class {
            name,
            namespace: ns.to_string(),
            bases: vec![],
            attrs: vec![],
            props: vec![],
            methods: vec![],
            file: self.file,
            pos: pos(n),
        };
        for ch in named(n) {
            match ch.kind() {
                "attribute_list" => class.attrs.extend(self.attrs(ch)),
                "base_list" => {
                    for b in named(ch) {
                        match b.kind() {
                            "argument_list" => {}
                            // `class C(...) : DbContext(options)`
                            "primary_constructor_base_type" => {
                                if let Some(t) = named(b).first() {
                                    class.bases.push(self.ty(*t));
                                }
                            }
                            _ => class.bases.push(self.ty(b)),
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(body) = n.child_by_field_name("body") {
            for m in named(body) {
                match m.kind() {
                    "property_declaration" => {
                        let mut attrs = vec![];
                        let mut is_static = false;
                        for c in named(m) {
                            match c.kind() {
                                "attribute_list" => attrs.extend(self.attrs(c)),
                                "modifier" if self.t(c) == "static" => is_static = true,
                                _ => {}
                            }
                        }
                        let computed = match m.child_by_field_name("accessors") {
                            None => true,
                            Some(acc) => named(acc).iter().all(|a| {
                                a.child_by_field_name("body").is_some()
                                    && self.t(*a).trim_start().starts_with("get")
                            }),
                        } && m
                            .child_by_field_name("value")
                            .is_none_or(|v| v.kind() == "arrow_expression_clause");
                        let prop = Prop {
                            name: m
                                .child_by_field_name("name")
                                .map(|x| self.t(x).to_string())
                                .unwrap_or_default(),
                            ty: m
                                .child_by_field_name("type")
                                .map(|t| self.ty(t))
                                .unwrap_or_else(|| TypeRef::simple("?")),
                            attrs,
                            pos: pos(m),
                            is_static,
                            computed,
                        };
                        class.props.push(prop);
                    }
                    "method_declaration" => {
                        let name = m
                            .child_by_field_name("name")
                            .map(|x| self.t(x).to_string())
                            .unwrap_or_default();
                        let params = m
                            .child_by_field_name("parameters")
                            .map(|ps| {
                                named(ps)
                                    .into_iter()
                                    .filter(|p| p.kind() == "parameter")
                                    .map(|p| {
                                        (
                                            p.child_by_field_name("type")
                                                .map(|t| self.ty(t))
                                                .unwrap_or_else(|| TypeRef::simple("?")),
                                            p.child_by_field_name("name")
                                                .map(|x| self.t(x).to_string())
                                                .unwrap_or_default(),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        let body = match m.child_by_field_name("body") {
                            Some(b) if b.kind() == "block" => self.block(b),
                            Some(b) => named(b)
                                .first()
                                .map(|e| vec![Stmt::Expr(self.expr(*e))])
                                .unwrap_or_default(),
                            None => vec![],
                        };
                        class.methods.push(Method {
                            name,
                            params,
                            body,
                            pos: pos(m),
                        });
                    }
                    "class_declaration" | "record_declaration" | "enum_declaration" => {
                        self.decl(m, ns)
                    }
                    _ => {}
                }
            }
        }
        self.out.classes.push(class);
    }

    fn attrs(&self, list: Node) -> Vec<Attr> {
        named(list)
            .into_iter()
            .filter(|a| a.kind() == "attribute")
            .map(|a| {
                let raw = a
                    .child_by_field_name("name")
                    .map(|x| self.t(x))
                    .unwrap_or_default();
                let last = raw.rsplit('.').next().unwrap_or(raw);
                let name = last.strip_suffix("Attribute").unwrap_or(last).to_string();
                let args = named(a)
                    .into_iter()
                    .filter(|c| c.kind() == "attribute_argument_list")
                    .flat_map(named)
                    .filter(|c| c.kind() == "attribute_argument")
                    .map(|arg| {
                        let name = arg
                            .child_by_field_name("name")
                            .map(|x| self.t(x).to_string());
                        let value = named(arg)
                            .into_iter()
                            .rfind(|c| {
                                Some(c.id()) != arg.child_by_field_name("name").map(|x| x.id())
                            })
                            .map(|e| self.expr(e))
                            .unwrap_or(Expr::Other(String::new(), pos(arg)));
                        Arg { name, value }
                    })
                    .collect();
                Attr {
                    name,
                    args,
                    pos: pos(a),
                }
            })
            .collect()
    }

    fn ty(&self, n: Node) -> TypeRef {
        match n.kind() {
            "nullable_type" => {
                let mut t = n
                    .child_by_field_name("type")
                    .map(|x| self.ty(x))
                    .unwrap_or_else(|| TypeRef::simple("?"));
                t.nullable = true;
                t
            }
            "array_type" => {
                let mut t = n
                    .child_by_field_name("type")
                    .map(|x| self.ty(x))
                    .unwrap_or_else(|| TypeRef::simple("?"));
                // `byte[]` is a scalar; keep the element's nullability apart from the array's.
                t = TypeRef {
                    name: t.name.clone(),
                    args: vec![t],
                    nullable: false,
                    array: true,
                };
                t
            }
            "qualified_name" => n
                .child_by_field_name("name")
                .map(|x| self.ty(x))
                .unwrap_or_else(|| TypeRef::simple(self.t(n))),
            "generic_name" => {
                let kids = named(n);
                let name = kids
                    .iter()
                    .find(|k| k.kind() == "identifier")
                    .map(|k| self.t(*k).to_string())
                    .unwrap_or_default();
                let args = kids
                    .iter()
                    .find(|k| k.kind() == "type_argument_list")
                    .map(|l| named(*l).into_iter().map(|a| self.ty(a)).collect())
                    .unwrap_or_default();
                TypeRef {
                    name,
                    args,
                    nullable: false,
                    array: false,
                }
            }
            "alias_qualified_name" => {
                TypeRef::simple(self.t(n).rsplit("::").next().unwrap_or_default())
            }
            _ => TypeRef::simple(self.t(n)),
        }
    }

    fn block(&self, b: Node) -> Vec<Stmt> {
        named(b).into_iter().filter_map(|s| self.stmt(s)).collect()
    }

    fn stmt(&self, s: Node) -> Option<Stmt> {
        match s.kind() {
            "comment" | "empty_statement" => None,
            "expression_statement" => named(s).first().map(|e| Stmt::Expr(self.expr(*e))),
            "return_statement" => named(s).first().map(|e| Stmt::Return(self.expr(*e))),
            "local_declaration_statement" => {
                // var x = expr;
                let decl = named(s)
                    .into_iter()
                    .find(|c| c.kind() == "variable_declaration")?;
                let vars: Vec<Node> = named(decl)
                    .into_iter()
                    .filter(|c| c.kind() == "variable_declarator")
                    .collect();
                if vars.len() == 1 {
                    let v = vars[0];
                    let name = v
                        .child_by_field_name("name")
                        .map(|x| self.t(x).to_string())
                        .unwrap_or_default();
                    let init = named(v)
                        .into_iter()
                        .rfind(|c| c.kind() != "identifier" || self.t(*c) != name);
                    if let Some(e) = init {
                        let e = if e.kind() == "equals_value_clause" {
                            named(e).first().copied().unwrap_or(e)
                        } else {
                            e
                        };
                        return Some(Stmt::Let(name, self.expr(e)));
                    }
                }
                Some(Stmt::Other(self.t(s).to_string(), pos(s)))
            }
            "preproc_pragma" | "preproc_nullable" | "preproc_region" | "preproc_endregion" => None,
            _ => Some(Stmt::Other(self.t(s).to_string(), pos(s))),
        }
    }

    fn args(&self, list: Node) -> Vec<Arg> {
        named(list)
            .into_iter()
            .filter(|a| a.kind() == "argument")
            .map(|a| {
                let name_node = a.child_by_field_name("name");
                let value = named(a)
                    .into_iter()
                    .rfind(|c| Some(c.id()) != name_node.map(|x| x.id()))
                    .map(|e| self.expr(e))
                    .unwrap_or(Expr::Other(String::new(), pos(a)));
                Arg {
                    name: name_node.map(|x| self.t(x).to_string()),
                    value,
                }
            })
            .collect()
    }

    fn string(&self, n: Node) -> String {
        let mut s = String::new();
        for c in named(n) {
            let t = self.t(c);
            match c.kind() {
                "string_literal_content" | "string_content" => s.push_str(t),
                "escape_sequence" => s.push_str(&unescape(t)),
                _ => {}
            }
        }
        s
    }

    fn expr(&self, n: Node) -> Expr {
        let p = pos(n);
        match n.kind() {
            "identifier" => Expr::Ident(self.t(n).to_string(), p),
            "this_expression" | "this" => Expr::Ident("this".into(), p),
            "base_expression" | "base" => Expr::Ident("base".into(), p),
            "predefined_type" => Expr::Ident(self.t(n).to_string(), p),
            "parenthesized_expression" => named(n)
                .first()
                .map(|e| self.expr(*e))
                .unwrap_or(Expr::Other(String::new(), p)),
            "cast_expression" => n
                .child_by_field_name("value")
                .map(|e| self.expr(e))
                .unwrap_or(Expr::Other(self.t(n).to_string(), p)),
            "member_access_expression" => {
                let target = n
                    .child_by_field_name("expression")
                    .map(|e| self.expr(e))
                    .unwrap_or(Expr::Other(String::new(), p));
                let name = n
                    .child_by_field_name("name")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                Expr::Member(Box::new(target), name, p)
            }
            "qualified_name" => {
                let q = n
                    .child_by_field_name("qualifier")
                    .map(|e| self.expr(e))
                    .unwrap_or(Expr::Other(String::new(), p));
                let name = n
                    .child_by_field_name("name")
                    .map(|x| self.t(x).to_string())
                    .unwrap_or_default();
                Expr::Member(Box::new(q), name, p)
            }
            "invocation_expression" => {
                let args = n
                    .child_by_field_name("arguments")
                    .map(|a| self.args(a))
                    .unwrap_or_default();
                let f = n.child_by_field_name("function");
                let (target, fname) = match f {
                    Some(f) if f.kind() == "member_access_expression" => {
                        let target = f.child_by_field_name("expression").map(|e| self.expr(e));
                        (target, f.child_by_field_name("name"))
                    }
                    Some(f) => (None, Some(f)),
                    None => (None, None),
                };
                let (name, generics) = match fname {
                    Some(x) if x.kind() == "generic_name" => {
                        let t = self.ty(x);
                        (t.name, t.args)
                    }
                    Some(x) if x.kind() == "identifier" => (self.t(x).to_string(), vec![]),
                    Some(x) => return Expr::Other(self.t(x).to_string(), p),
                    None => (String::new(), vec![]),
                };
                Expr::Call {
                    target: target.map(Box::new),
                    name,
                    generics,
                    args,
                    pos: p,
                }
            }
            "string_literal" => Expr::Str(self.string(n), p),
            "verbatim_string_literal" => {
                let t = self.t(n);
                let inner = t
                    .strip_prefix("@\"")
                    .and_then(|x| x.strip_suffix('"'))
                    .unwrap_or(t);
                Expr::Str(inner.replace("\"\"", "\""), p)
            }
            "raw_string_literal" => Expr::Str(
                named(n)
                    .into_iter()
                    .filter(|c| c.kind() == "raw_string_content")
                    .map(|c| self.t(c))
                    .collect(),
                p,
            ),
            "integer_literal" => {
                let t = self.t(n).replace('_', "");
                let t = t.trim_end_matches(['L', 'l', 'U', 'u']);
                let v = if let Some(h) = t.strip_prefix("0x").or(t.strip_prefix("0X")) {
                    i64::from_str_radix(h, 16).ok()
                } else {
                    t.parse().ok()
                };
                match v {
                    Some(v) => Expr::Int(v, p),
                    None => Expr::Other(t.to_string(), p),
                }
            }
            "real_literal" => Expr::Real(
                self.t(n)
                    .trim_end_matches(['m', 'M', 'd', 'D', 'f', 'F'])
                    .to_string(),
                p,
            ),
            "boolean_literal" => Expr::Bool(self.t(n) == "true", p),
            "null_literal" => Expr::Null(p),
            "prefix_unary_expression" => {
                let t = self.t(n);
                match named(n).first().map(|e| self.expr(*e)) {
                    Some(Expr::Int(v, _)) if t.starts_with('-') => Expr::Int(-v, p),
                    Some(Expr::Real(v, _)) if t.starts_with('-') => Expr::Real(format!("-{v}"), p),
                    _ => Expr::Other(t.to_string(), p),
                }
            }
            "lambda_expression" => {
                let params = match n.child_by_field_name("parameters") {
                    Some(ps) if ps.kind() == "implicit_parameter" => vec![self.t(ps).to_string()],
                    Some(ps) => named(ps)
                        .into_iter()
                        .filter_map(|x| x.child_by_field_name("name"))
                        .map(|x| self.t(x).to_string())
                        .collect(),
                    None => vec![],
                };
                let body = match n.child_by_field_name("body") {
                    Some(b) if b.kind() == "block" => self.block(b),
                    Some(b) => vec![Stmt::Return(self.expr(b))],
                    None => vec![],
                };
                Expr::Lambda {
                    params,
                    body,
                    pos: p,
                }
            }
            "anonymous_object_creation_expression" => {
                Expr::Anon(named(n).into_iter().map(|e| self.expr(e)).collect(), p)
            }
            "implicit_array_creation_expression" | "array_creation_expression" => {
                let items = named(n)
                    .into_iter()
                    .filter(|c| c.kind() == "initializer_expression")
                    .flat_map(named)
                    .map(|e| self.expr(e))
                    .collect();
                Expr::Array(items, p)
            }
            "collection_expression" => Expr::Array(
                named(n)
                    .into_iter()
                    .filter(|c| c.kind() != "comment")
                    .map(|e| match named(e).first() {
                        Some(inner) if e.kind() == "collection_element" => self.expr(*inner),
                        _ => self.expr(e),
                    })
                    .collect(),
                p,
            ),
            "object_creation_expression" => {
                let ty = n
                    .child_by_field_name("type")
                    .map(|t| self.ty(t))
                    .unwrap_or_else(|| TypeRef::simple("?"));
                let args = n
                    .child_by_field_name("arguments")
                    .map(|a| self.args(a))
                    .unwrap_or_default();
                Expr::New(ty, args, p)
            }
            "typeof_expression" => Expr::TypeOf(
                n.child_by_field_name("type")
                    .map(|t| self.ty(t))
                    .unwrap_or_else(|| TypeRef::simple("?")),
                p,
            ),
            _ => Expr::Other(self.t(n).to_string(), p),
        }
    }
}

fn unescape(t: &str) -> String {
    match t {
        "\\n" => "\n".into(),
        "\\r" => "\r".into(),
        "\\t" => "\t".into(),
        "\\\\" => "\\".into(),
        "\\\"" => "\"".into(),
        "\\'" => "'".into(),
        "\\0" => "\0".into(),
        _ if t.starts_with("\\u") => u32::from_str_radix(&t[2..], 16)
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_else(|| t.to_string()),
        _ => t.to_string(),
    }
}
