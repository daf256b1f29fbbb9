//! TypeORM entity files parsed with oxc (TypeScript and JavaScript with decorators) into what
//! the DDL builder needs: classes with their decorators and properties, decorator arguments as
//! literal values, and TypeScript enums (the `enum:` option of enum columns). Anything dynamic
//! (a computed argument, a variable) is kept as [`Val::Dynamic`] so that the builder reports it
//! at its position when it matters, and ignores it when it does not.

use crate::OrmError;
use oxc_allocator::Allocator;
use oxc_ast::ast::{
    Argument, ArrayExpressionElement, Class, ClassElement, Declaration,
    ExportDefaultDeclarationKind, Expression, ObjectPropertyKind, PropertyKey, Statement,
    TSEnumMemberName, TSType, TSTypeName,
};
use oxc_span::{GetSpan, SourceType};
use std::path::{Path, PathBuf};

/// A 1-based position in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Undefined,
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
    /// A name (`Author`, `Role`).
    Ident(String),
    /// A dotted name (`Role.Admin`, `a.books`).
    Member(Vec<String>),
    /// An arrow function: its parameter names and the expression it returns.
    Arrow(Vec<String>, Box<Value>),
    /// Something migrex does not evaluate (calls, operators, spreads).
    Dynamic,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub val: Val,
    pub pos: Pos,
}

impl Value {
    pub fn str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.val {
            Val::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Decorator {
    pub name: String,
    pub args: Vec<Value>,
    pub pos: Pos,
}

/// The TypeScript type of a property as `emitDecoratorMetadata` reflects it.
#[derive(Debug, Clone, PartialEq)]
pub enum TsType {
    String,
    Number,
    Boolean,
    Date,
    /// A named type (a class, an enum, `Relation<T>`), with its type arguments' names.
    Named(String),
    Array,
    /// Anything else, or no annotation (reflected as `Object`).
    Other,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub ty: TsType,
    pub decorators: Vec<Decorator>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct ClassDef {
    pub name: String,
    pub extends: Option<String>,
    pub decorators: Vec<Decorator>,
    pub properties: Vec<Property>,
    pub pos: Pos,
    /// Index into the parsed files.
    pub file: usize,
}

#[derive(Debug, Clone)]
pub struct EnumDef {
    pub name: String,
    pub members: Vec<String>,
    pub values: Vec<Value>,
}

#[derive(Debug, Clone)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
    pub classes: Vec<ClassDef>,
    pub enums: Vec<EnumDef>,
}

struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }
    fn pos(&self, text: &str, offset: u32) -> Pos {
        let offset = offset as usize;
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = text
            .get(start..offset.min(text.len()))
            .map_or(1, |s| s.chars().count() + 1);
        Pos {
            line: line as u64,
            column: column as u64,
        }
    }
}

struct Ctx<'t> {
    text: &'t str,
    lines: Lines,
    strict: bool,
}

impl Ctx<'_> {
    fn pos(&self, span: oxc_span::Span) -> Pos {
        self.lines.pos(self.text, span.start)
    }

    fn value(&self, e: &Expression) -> Value {
        let pos = self.pos(e.span());
        let val = match e {
            Expression::StringLiteral(s) => Val::Str(s.value.to_string()),
            Expression::NumericLiteral(n) => Val::Num(n.value),
            Expression::BooleanLiteral(b) => Val::Bool(b.value),
            Expression::NullLiteral(_) => Val::Null,
            Expression::TemplateLiteral(t) if t.expressions.is_empty() => Val::Str(
                t.quasis
                    .iter()
                    .map(|q| {
                        q.value
                            .cooked
                            .as_ref()
                            .map_or("", |c| c.as_str())
                            .to_string()
                    })
                    .collect(),
            ),
            Expression::Identifier(i) if i.name == "undefined" => Val::Undefined,
            Expression::Identifier(i) => Val::Ident(i.name.to_string()),
            Expression::UnaryExpression(u)
                if u.operator == oxc_ast::ast::UnaryOperator::UnaryNegation =>
            {
                match self.value(&u.argument).val {
                    Val::Num(n) => Val::Num(-n),
                    _ => Val::Dynamic,
                }
            }
            Expression::StaticMemberExpression(m) => match self.value(&m.object).val {
                Val::Ident(o) => Val::Member(vec![o, m.property.name.to_string()]),
                Val::Member(mut v) => {
                    v.push(m.property.name.to_string());
                    Val::Member(v)
                }
                _ => Val::Dynamic,
            },
            Expression::ArrayExpression(a) => Val::Arr(
                a.elements
                    .iter()
                    .map(|el| match el {
                        ArrayExpressionElement::SpreadElement(s) => Value {
                            val: Val::Dynamic,
                            pos: self.pos(s.span),
                        },
                        ArrayExpressionElement::Elision(s) => Value {
                            val: Val::Dynamic,
                            pos: self.pos(s.span),
                        },
                        other => self.value(other.to_expression()),
                    })
                    .collect(),
            ),
            Expression::ObjectExpression(o) => {
                let mut fields = Vec::new();
                for p in &o.properties {
                    match p {
                        ObjectPropertyKind::ObjectProperty(p) if !p.computed => {
                            let key = match &p.key {
                                PropertyKey::StaticIdentifier(i) => i.name.to_string(),
                                PropertyKey::StringLiteral(s) => s.value.to_string(),
                                _ => {
                                    fields.push((
                                        String::new(),
                                        Value {
                                            val: Val::Dynamic,
                                            pos: self.pos(p.span),
                                        },
                                    ));
                                    continue;
                                }
                            };
                            fields.push((key, self.value(&p.value)));
                        }
                        other => fields.push((
                            String::new(),
                            Value {
                                val: Val::Dynamic,
                                pos: self.pos(other.span()),
                            },
                        )),
                    }
                }
                Val::Obj(fields)
            }
            Expression::ArrowFunctionExpression(a) => {
                let params = a
                    .params
                    .items
                    .iter()
                    .map(|p| {
                        p.pattern
                            .get_identifier_name()
                            .map_or(String::new(), |n| n.to_string())
                    })
                    .collect();
                let body = match a.get_expression() {
                    Some(e) => self.value(e),
                    None => {
                        // `() => { return X; }`
                        let stmts = a.get_function_body().map(|b| &b.statements);
                        let ret = stmts.into_iter().flatten().find_map(|s| match s {
                            Statement::ReturnStatement(r) => r.argument.as_ref(),
                            _ => None,
                        });
                        match ret {
                            Some(e) => self.value(e),
                            None => Value {
                                val: Val::Dynamic,
                                pos,
                            },
                        }
                    }
                };
                Val::Arrow(params, Box::new(body))
            }
            Expression::ParenthesizedExpression(p) => return self.value(&p.expression),
            Expression::TSAsExpression(a) => return self.value(&a.expression),
            Expression::TSSatisfiesExpression(a) => return self.value(&a.expression),
            _ => Val::Dynamic,
        };
        Value { val, pos }
    }

    fn decorators(&self, decos: &[oxc_ast::ast::Decorator]) -> Vec<Decorator> {
        decos
            .iter()
            .filter_map(|d| {
                let pos = self.pos(d.span);
                match &d.expression {
                    Expression::CallExpression(c) => {
                        let name = match &c.callee {
                            Expression::Identifier(i) => i.name.to_string(),
                            Expression::StaticMemberExpression(m) => m.property.name.to_string(),
                            _ => return None,
                        };
                        let args = c
                            .arguments
                            .iter()
                            .map(|a| match a {
                                Argument::SpreadElement(s) => Value {
                                    val: Val::Dynamic,
                                    pos: self.pos(s.span),
                                },
                                other => self.value(other.to_expression()),
                            })
                            .collect();
                        Some(Decorator { name, args, pos })
                    }
                    Expression::Identifier(i) => Some(Decorator {
                        name: i.name.to_string(),
                        args: Vec::new(),
                        pos,
                    }),
                    _ => None,
                }
            })
            .collect()
    }

    fn class(&self, c: &Class, file: usize) -> Option<ClassDef> {
        let name = c.id.as_ref()?.name.to_string();
        let extends = c.heritage.as_ref().and_then(|h| match &h.expression {
            Expression::Identifier(i) => Some(i.name.to_string()),
            _ => None,
        });
        let mut properties = Vec::new();
        for el in &c.body.body {
            let (key, decos, ty, span) = match el {
                ClassElement::PropertyDefinition(p) => (
                    &p.key,
                    &p.decorators,
                    p.type_annotation.as_ref().map(|t| &t.type_annotation),
                    p.span,
                ),
                ClassElement::AccessorProperty(p) => (
                    &p.key,
                    &p.decorators,
                    p.type_annotation.as_ref().map(|t| &t.type_annotation),
                    p.span,
                ),
                _ => continue,
            };
            let Some(name) = key.static_name() else {
                continue;
            };
            properties.push(Property {
                name: name.to_string(),
                ty: ty.map_or(TsType::Other, |t| ts_type(t, self.strict)),
                decorators: self.decorators(decos),
                pos: self.pos(span),
            });
        }
        Some(ClassDef {
            name,
            extends,
            decorators: self.decorators(&c.decorators),
            properties,
            pos: self.pos(c.span),
            file,
        })
    }
}

/// The type `emitDecoratorMetadata` reflects for an annotation. TypeScript elides `null` and
/// `undefined` from unions only without `strictNullChecks`; with it, `string | null` is
/// reflected as `Object`.
fn ts_type(t: &TSType, strict: bool) -> TsType {
    match t {
        TSType::TSStringKeyword(_) => TsType::String,
        TSType::TSNumberKeyword(_) => TsType::Number,
        TSType::TSBooleanKeyword(_) => TsType::Boolean,
        TSType::TSArrayType(_) | TSType::TSTupleType(_) => TsType::Array,
        TSType::TSParenthesizedType(p) => ts_type(&p.type_annotation, strict),
        TSType::TSLiteralType(l) => match &l.literal {
            oxc_ast::ast::TSLiteral::StringLiteral(_) => TsType::String,
            oxc_ast::ast::TSLiteral::NumericLiteral(_) => TsType::Number,
            oxc_ast::ast::TSLiteral::BooleanLiteral(_) => TsType::Boolean,
            _ => TsType::Other,
        },
        TSType::TSUnionType(u)
            if strict
                && u.types.iter().any(|t| {
                    matches!(t, TSType::TSNullKeyword(_) | TSType::TSUndefinedKeyword(_))
                }) =>
        {
            TsType::Other
        }
        TSType::TSUnionType(u) => {
            let kept: Vec<TsType> = u
                .types
                .iter()
                .filter(|t| !matches!(t, TSType::TSNullKeyword(_) | TSType::TSUndefinedKeyword(_)))
                .map(|t| ts_type(t, strict))
                .collect();
            match kept.split_first() {
                Some((first, rest)) if rest.iter().all(|t| t == first) => first.clone(),
                _ => TsType::Other,
            }
        }
        TSType::TSTypeReference(r) => match &r.type_name {
            TSTypeName::IdentifierReference(i) => match i.name.as_str() {
                "Date" => TsType::Date,
                "String" => TsType::String,
                "Number" => TsType::Number,
                "Boolean" => TsType::Boolean,
                "Array" => TsType::Array,
                n => TsType::Named(n.to_string()),
            },
            _ => TsType::Other,
        },
        _ => TsType::Other,
    }
}

/// Parses one file; syntax errors are reported at their position. `strict` is the project's
/// `strictNullChecks` (it changes the types decorators reflect).
pub fn parse(path: &Path, text: &str, index: usize, strict: bool) -> Result<File, OrmError> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(path)
        .unwrap_or_else(|_| SourceType::ts())
        .with_typescript(true);
    let ret = oxc_parser::Parser::new(&allocator, text, source_type).parse();
    let ctx = Ctx {
        text,
        lines: Lines::new(text),
        strict,
    };
    if let Some(e) = ret.diagnostics.first() {
        let offset = e.labels.as_ref().first().map_or(0, |l| l.offset());
        let p = ctx.lines.pos(text, offset);
        return Err(OrmError::at(
            path,
            text,
            p.line,
            p.column,
            format!("syntax error: {}", e.message),
        ));
    }
    let mut classes = Vec::new();
    let mut enums = Vec::new();
    let mut defaults = Vec::new();
    let mut decl = |d: &Declaration| match d {
        Declaration::ClassDeclaration(c) => {
            if let Some(c) = ctx.class(c, index) {
                classes.push(c);
            }
        }
        Declaration::TSEnumDeclaration(e) => {
            let mut next = 0f64;
            let mut values = Vec::new();
            let mut members = Vec::new();
            for m in &e.body.members {
                let pos = ctx.pos(m.span);
                let v = match &m.initializer {
                    Some(init) => ctx.value(init),
                    None => Value {
                        val: Val::Num(next),
                        pos,
                    },
                };
                if let Val::Num(n) = v.val {
                    next = n + 1.0;
                }
                members.push(match &m.id {
                    TSEnumMemberName::Identifier(i) => i.name.to_string(),
                    TSEnumMemberName::String(s) | TSEnumMemberName::ComputedString(s) => {
                        s.value.to_string()
                    }
                    TSEnumMemberName::ComputedTemplateString(_) => String::new(),
                });
                values.push(v);
            }
            enums.push(EnumDef {
                name: e.id.name.to_string(),
                members,
                values,
            });
        }
        _ => {}
    };
    for s in &ret.program.body {
        match s {
            Statement::ExportDeclaration(e) => decl(&e.declaration),
            Statement::ExportDefaultDeclaration(e) => {
                if let ExportDefaultDeclarationKind::ClassDeclaration(c) = &e.declaration {
                    defaults.extend(ctx.class(c, index));
                }
            }
            other => {
                if let Some(d) = other.as_declaration() {
                    decl(d);
                }
            }
        }
    }
    classes.extend(defaults);
    Ok(File {
        path: path.to_path_buf(),
        text: text.to_string(),
        classes,
        enums,
    })
}
