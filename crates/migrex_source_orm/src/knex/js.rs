//! The `up` function of a Knex migration, parsed by oxc and evaluated symbolically into the
//! schema-builder calls it makes ([`Op`]), in order.
//!
//! Only what a migration can say statically is evaluated: literals, `knex.raw`/`knex.fn.now()`,
//! `const` bindings of literals, `for...of`/`.forEach` over literal arrays, `await`, chained
//! schema-builder calls, `.then(() => ...)`, `Promise.all([...])`, `knex.transaction(trx => ...)`,
//! and conditions on `hasTable`/`hasColumn` (answered by a [`Prober`] from the schema the
//! migrations built so far, as the database would). Anything else that could change the schema
//! (other conditions, helper functions, computed names) is an error at its position, never a
//! guess; data statements (`knex('t').insert(...)`) are recognised and skipped.
//!
//! oxc (a maintained JS/TS parser) does the parsing; this module is only the evaluator.

use oxc_allocator::Allocator;
use oxc_ast::ast::*;
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType, Span};
use std::collections::HashMap;
use std::path::Path;

/// A JavaScript value a migration passes to the schema builder.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Str(String),
    /// A number as JavaScript prints it.
    Num(String),
    Bool(bool),
    Null,
    Undef,
    Arr(Vec<Val>),
    Obj(Vec<(String, Val)>),
    /// `knex.raw(sql, bindings)` with the bindings already substituted (identifiers unquoted:
    /// `??` is kept for the renderer, which knows the dialect's quoting).
    Raw(String, Vec<Val>),
    /// `knex.fn.uuid()`: the SQL depends on the client.
    FnUuid,
}

impl Val {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// JavaScript truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Val::Str(s) => !s.is_empty(),
            Val::Num(n) => n != "0" && n != "NaN",
            Val::Bool(b) => *b,
            Val::Null | Val::Undef => false,
            _ => true,
        }
    }

    /// `String(value)`.
    pub fn to_js_string(&self) -> String {
        match self {
            Val::Str(s) | Val::Num(s) => s.clone(),
            Val::Bool(b) => b.to_string(),
            Val::Null => "null".into(),
            Val::Undef => "undefined".into(),
            Val::Arr(v) => v
                .iter()
                .map(|x| match x {
                    Val::Null | Val::Undef => String::new(),
                    x => x.to_js_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            Val::Obj(_) => "[object Object]".into(),
            Val::Raw(s, _) => s.clone(),
            Val::FnUuid => "[object Object]".into(),
        }
    }

    /// `JSON.stringify(value)`.
    pub fn to_json(&self) -> String {
        match self {
            Val::Str(s) => {
                let mut out = String::from("\"");
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('"');
                out
            }
            Val::Num(n) => n.clone(),
            Val::Bool(b) => b.to_string(),
            Val::Null | Val::Undef | Val::Raw(..) | Val::FnUuid => "null".into(),
            Val::Arr(v) => format!(
                "[{}]",
                v.iter().map(Val::to_json).collect::<Vec<_>>().join(",")
            ),
            Val::Obj(kv) => format!(
                "{{{}}}",
                kv.iter()
                    .map(|(k, v)| format!("{}:{}", Val::Str(k.clone()).to_json(), v.to_json()))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }
}

/// 1-based line and column of a call, for diagnostics and provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

/// One method call of a chain: `.string('name', 100)`.
#[derive(Debug, Clone)]
pub struct Call {
    pub name: String,
    pub args: Vec<Val>,
    pub pos: Pos,
}

/// What a migration's `up` does to the schema, in order.
#[derive(Debug, Clone)]
pub enum Op {
    /// `createTable`/`createTableIfNotExists`/`alterTable`/`table` with the chains its callback
    /// runs on the table builder (each chain: the builder call, then its modifiers).
    Table {
        method: String,
        schema: Option<String>,
        name: String,
        chains: Vec<Vec<Call>>,
        pos: Pos,
    },
    /// Any other schema-builder call (`dropTable`, `renameTable`, `raw`, `createSchema`, ...).
    Schema { schema: Option<String>, call: Call },
    /// `knex.raw(sql)` run as a statement.
    Raw { sql: String, pos: Pos },
}

/// An error at a position of the file.
#[derive(Debug, Clone)]
pub struct JsError {
    pub pos: Pos,
    pub message: String,
}

type R<T> = Result<T, JsError>;

/// Line starts of a text, for offset → line:column.
struct Lines {
    starts: Vec<usize>,
    text: String,
}

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i + 1);
            }
        }
        Lines {
            starts,
            text: text.to_string(),
        }
    }

    fn pos(&self, offset: u32) -> Pos {
        let off = offset as usize;
        let line = self.starts.partition_point(|&s| s <= off) - 1;
        let start = self.starts[line];
        let column = self.text[start..off.min(self.text.len())].chars().count() + 1;
        Pos {
            line: line as u64 + 1,
            column: column as u64,
        }
    }
}

/// The source type Knex (Node) loads a file with.
pub fn source_type(path: &Path) -> SourceType {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("js");
    match ext {
        "ts" | "mts" | "cts" => SourceType::ts(),
        "mjs" => SourceType::mjs(),
        "cjs" => SourceType::cjs(),
        // `.js` may be either module kind; the unambiguous grammar accepts both.
        _ => SourceType::unambiguous(),
    }
}

/// A question a migration asks the database (`hasTable`, `hasColumn`).
#[derive(Debug, Clone)]
pub struct Probe {
    pub schema: Option<String>,
    pub table: String,
    pub column: Option<String>,
}

/// Answers a [`Probe`] after the given operations of the migration (and those before it).
pub type Prober<'p> = dyn FnMut(&[Op], &Probe) -> Option<bool> + 'p;

/// The schema operations of a migration's `up`, without a database to ask.
pub fn migration_ops(path: &Path, text: &str) -> R<Vec<Op>> {
    migration_ops_with(path, text, &mut |_, _| None)
}

/// The schema operations of a migration's `up`; `probe` answers `hasTable`/`hasColumn` (from
/// the schema the migrations built so far), so conditions on them replay as Knex runs them.
pub fn migration_ops_with(path: &Path, text: &str, probe: &mut Prober<'_>) -> R<Vec<Op>> {
    let allocator = Allocator::default();
    let lines = Lines::new(text);
    let ret = Parser::new(&allocator, text, source_type(path)).parse();
    if let Some(d) = ret.diagnostics.first() {
        let off = d.labels.first().map(|l| l.offset()).unwrap_or(0);
        return Err(JsError {
            pos: lines.pos(off),
            message: format!("JavaScript syntax error: {}", d.message),
        });
    }
    let program = &ret.program;
    let mut ev = Eval {
        probe,
        returned: false,
        lines: &lines,
        env: HashMap::new(),
        knex: Vec::new(),
        ops: Vec::new(),
        funcs: HashMap::new(),
    };
    // Module-level literal constants and function declarations (`function up(knex) {}` exported
    // later as `exports.up = up` or `{ up }`).
    for st in &program.body {
        match st {
            Statement::VariableDeclaration(d) => ev.bind_consts(d, true),
            Statement::FunctionDeclaration(f) => {
                if let Some(id) = &f.id {
                    ev.funcs.insert(id.name.to_string(), Func::Decl(f));
                }
            }
            Statement::ExportDeclaration(e) => match &e.declaration {
                Declaration::FunctionDeclaration(f) => {
                    if let Some(id) = &f.id {
                        ev.funcs.insert(id.name.to_string(), Func::Decl(f));
                    }
                }
                Declaration::VariableDeclaration(d) => ev.bind_consts(d, true),
                _ => {}
            },
            _ => {}
        }
    }
    let Some(up) = find_up(program, &ev.funcs) else {
        return Err(JsError {
            pos: Pos { line: 1, column: 1 },
            message: "no `up` function found (expected `exports.up = ...`, `module.exports = { up }` or `export async function up`)".into(),
        });
    };
    ev.run_function(&up, &[])?;
    Ok(ev.ops)
}

/// Whether the file has an `up` at all (cheap detection helper).
pub fn has_up(path: &Path, text: &str) -> bool {
    let allocator = Allocator::default();
    let ret = Parser::new(&allocator, text, source_type(path)).parse();
    let funcs = HashMap::new();
    find_up(&ret.program, &funcs).is_some()
}

#[derive(Clone, Copy)]
enum Func<'a, 'b> {
    Decl(&'b Function<'a>),
    Arrow(&'b ArrowFunctionExpression<'a>),
}

fn func_of<'a, 'b>(
    e: &'b Expression<'a>,
    funcs: &HashMap<String, Func<'a, 'b>>,
) -> Option<Func<'a, 'b>> {
    match e {
        Expression::FunctionExpression(f) => Some(Func::Decl(f)),
        Expression::ArrowFunctionExpression(a) => Some(Func::Arrow(a)),
        Expression::Identifier(id) => funcs.get(id.name.as_str()).copied(),
        Expression::ParenthesizedExpression(p) => func_of(&p.expression, funcs),
        _ => None,
    }
}

fn up_in_object<'a, 'b>(
    o: &'b ObjectExpression<'a>,
    funcs: &HashMap<String, Func<'a, 'b>>,
) -> Option<Func<'a, 'b>> {
    for p in &o.properties {
        if let ObjectPropertyKind::ObjectProperty(p) = p
            && p.key.static_name().is_some_and(|n| n == "up")
        {
            return func_of(&p.value, funcs);
        }
    }
    None
}

/// `exports.up`, `module.exports.up`, `module.exports = { up }`, `export function up`,
/// `export const up`, `export default { up }`.
fn find_up<'a, 'b>(
    program: &'b Program<'a>,
    funcs: &HashMap<String, Func<'a, 'b>>,
) -> Option<Func<'a, 'b>> {
    for st in &program.body {
        match st {
            Statement::ExpressionStatement(es) => {
                let Expression::AssignmentExpression(a) = &es.expression else {
                    continue;
                };
                let target = match &a.left {
                    AssignmentTarget::StaticMemberExpression(m) => Some(m),
                    _ => None,
                };
                let Some(m) = target else { continue };
                let obj = member_path(&m.object);
                if m.property.name == "up" && (obj == "exports" || obj == "module.exports") {
                    return func_of(&a.right, funcs);
                }
                if m.property.name == "exports"
                    && obj == "module"
                    && let Expression::ObjectExpression(o) = &a.right
                {
                    return up_in_object(o, funcs);
                }
            }
            Statement::ExportDeclaration(e) => match &e.declaration {
                Declaration::FunctionDeclaration(f)
                    if f.id.as_ref().is_some_and(|i| i.name == "up") =>
                {
                    return Some(Func::Decl(f));
                }
                Declaration::VariableDeclaration(d) => {
                    for dec in &d.declarations {
                        if let BindingPattern::BindingIdentifier(id) = &dec.id
                            && id.name == "up"
                            && let Some(init) = &dec.init
                        {
                            return func_of(init, funcs);
                        }
                    }
                }
                _ => {}
            },
            Statement::ExportNamedDeclaration(e) => {
                for s in &e.specifiers {
                    if s.exported.name() == "up" {
                        return funcs.get(s.local.name().as_str()).copied();
                    }
                }
            }
            Statement::ExportDefaultDeclaration(e) => {
                if let ExportDefaultDeclarationKind::ObjectExpression(o) = &e.declaration {
                    return up_in_object(o, funcs);
                }
            }
            _ => {}
        }
    }
    None
}

/// `a.b.c` of a member chain of identifiers, or "" when it is something else.
fn member_path(e: &Expression) -> String {
    match e {
        Expression::Identifier(id) => id.name.to_string(),
        Expression::StaticMemberExpression(m) => {
            let o = member_path(&m.object);
            if o.is_empty() {
                o
            } else {
                format!("{o}.{}", m.property.name)
            }
        }
        _ => String::new(),
    }
}

/// What an expression stands for while a migration is evaluated.
enum Thing {
    Val(Val),
    /// `knex.schema` (optionally `.withSchema(s)`): its calls are operations.
    Schema(Option<String>),
    /// A data query (`knex('t')...`, `knex.select...`): no schema change.
    Data,
    /// A finished operation or promise of one: awaiting it is fine.
    Done,
}

struct Eval<'l, 'a, 'b> {
    probe: &'l mut Prober<'l>,
    /// A `return` ran: the rest of the function does not.
    returned: bool,
    lines: &'l Lines,
    /// Literal bindings in scope.
    env: HashMap<String, Val>,
    /// Names the knex instance has (the `up` parameter, `trx` inside `knex.transaction`).
    knex: Vec<String>,
    ops: Vec<Op>,
    funcs: HashMap<String, Func<'a, 'b>>,
}

impl<'l, 'a, 'b> Eval<'l, 'a, 'b> {
    fn pos(&self, span: Span) -> Pos {
        self.lines.pos(span.start)
    }

    fn err<T>(&self, span: Span, message: impl Into<String>) -> R<T> {
        Err(JsError {
            pos: self.pos(span),
            message: message.into(),
        })
    }

    fn bind_consts(&mut self, d: &VariableDeclaration, top: bool) {
        for dec in &d.declarations {
            if let (BindingPattern::BindingIdentifier(id), Some(init)) = (&dec.id, &dec.init)
                && let Ok(v) = self.value(init)
            {
                self.env.insert(id.name.to_string(), v);
            } else if !top {
                // Non-literal locals are unknown: using them later is an error there.
                if let BindingPattern::BindingIdentifier(id) = &dec.id {
                    self.env.remove(id.name.as_str());
                }
            }
        }
    }

    fn run_function(&mut self, f: &Func, args: &[Val]) -> R<()> {
        let _ = args;
        match f {
            Func::Decl(func) => {
                if let Some(p) = func.params.items.first()
                    && let BindingPattern::BindingIdentifier(id) = &p.pattern
                {
                    self.knex.push(id.name.to_string());
                } else {
                    self.knex.push("knex".into());
                }
                if let Some(body) = &func.body {
                    self.block(&body.statements)?;
                }
            }
            Func::Arrow(a) => {
                if let Some(p) = a.params.items.first()
                    && let BindingPattern::BindingIdentifier(id) = &p.pattern
                {
                    self.knex.push(id.name.to_string());
                } else {
                    self.knex.push("knex".into());
                }
                self.arrow_body(a)?;
            }
        }
        Ok(())
    }

    fn arrow_body(&mut self, a: &ArrowFunctionExpression) -> R<()> {
        match (a.get_expression(), a.get_function_body()) {
            (Some(e), _) => self.effect(e),
            (None, Some(b)) => self.block(&b.statements),
            (None, None) => Ok(()),
        }
    }

    fn block(&mut self, stmts: &[Statement]) -> R<()> {
        for st in stmts {
            if self.returned {
                break;
            }
            self.statement(st)?;
        }
        Ok(())
    }

    fn statement(&mut self, st: &Statement) -> R<()> {
        match st {
            Statement::ExpressionStatement(es) => self.effect(&es.expression),
            Statement::ReturnStatement(r) => {
                if let Some(e) = &r.argument {
                    self.effect(e)?;
                }
                self.returned = true;
                Ok(())
            }
            Statement::IfStatement(i) => match self.value(&i.test) {
                Ok(v) if v.truthy() => self.statement(&i.consequent),
                Ok(_) => match &i.alternate {
                    Some(a) => self.statement(a),
                    None => Ok(()),
                },
                Err(_) => self.err(
                    i.test.span(),
                    "a condition migrex cannot know statically (hasTable/hasColumn and literals are known)",
                ),
            },
            Statement::BlockStatement(b) => self.block(&b.body),
            Statement::EmptyStatement(_) => Ok(()),
            Statement::VariableDeclaration(d) => {
                for dec in &d.declarations {
                    if let Some(init) = &dec.init {
                        match self.value(init) {
                            Ok(v) => {
                                if let BindingPattern::BindingIdentifier(id) = &dec.id {
                                    self.env.insert(id.name.to_string(), v);
                                }
                            }
                            Err(_) => {
                                // `const rows = await knex('t').select()`: a data query is fine;
                                // anything building schema is evaluated for its effect.
                                self.effect(init)?;
                                if let BindingPattern::BindingIdentifier(id) = &dec.id {
                                    self.env.remove(id.name.as_str());
                                }
                            }
                        }
                    }
                }
                Ok(())
            }
            Statement::ForOfStatement(f) => {
                let items = match self.value(&f.right) {
                    Ok(Val::Arr(items)) => items,
                    _ => {
                        return self.err(
                            f.right.span(),
                            "a loop over a value migrex cannot know statically (only literal arrays are replayed)",
                        );
                    }
                };
                let name = match &f.left {
                    ForStatementLeft::VariableDeclaration(d) => match d.declarations.first().map(|d| &d.id) {
                        Some(BindingPattern::BindingIdentifier(id)) => id.name.to_string(),
                        _ => return self.err(f.span, "destructuring loop variables is not replayed"),
                    },
                    _ => return self.err(f.span, "the loop variable must be declared in the loop"),
                };
                for item in items {
                    self.env.insert(name.clone(), item);
                    self.statement(&f.body)?;
                }
                self.env.remove(&name);
                Ok(())
            }
            Statement::FunctionDeclaration(_) => Ok(()),
            other => self.err(
                other.span(),
                "statement migrex cannot replay statically (conditions and loops over computed values change what the migration does)",
            ),
        }
    }

    /// Evaluates an expression for what it does to the schema.
    fn effect(&mut self, e: &Expression) -> R<()> {
        match self.thing(e)? {
            Thing::Val(Val::Raw(..))
            | Thing::Val(_)
            | Thing::Data
            | Thing::Done
            | Thing::Schema(_) => Ok(()),
        }
    }

    /// `knex.schema[.withSchema(s)].hasTable(...)` / `.hasColumn(...)`.
    fn is_probe(&self, e: &Expression) -> bool {
        let Expression::CallExpression(c) = e else {
            return false;
        };
        let Expression::StaticMemberExpression(m) = &c.callee else {
            return false;
        };
        if m.property.name != "hasTable" && m.property.name != "hasColumn" {
            return false;
        }
        match &m.object {
            Expression::StaticMemberExpression(s) => {
                s.property.name == "schema" && self.is_knex(&s.object)
            }
            Expression::CallExpression(w) => {
                matches!(&w.callee, Expression::StaticMemberExpression(ws)
                if ws.property.name == "withSchema"
                    && matches!(&ws.object, Expression::StaticMemberExpression(s) if s.property.name == "schema" && self.is_knex(&s.object)))
            }
            _ => false,
        }
    }

    fn is_knex(&self, e: &Expression) -> bool {
        matches!(e, Expression::Identifier(id) if self.knex.iter().any(|k| k == id.name.as_str()))
    }

    /// Evaluates an expression that is a value (literal, raw, `knex.fn.now()`).
    fn value(&mut self, e: &Expression) -> R<Val> {
        match e {
            Expression::StringLiteral(s) => Ok(Val::Str(s.value.to_string())),
            Expression::NumericLiteral(n) => Ok(Val::Num(js_number(n.value))),
            Expression::BooleanLiteral(b) => Ok(Val::Bool(b.value)),
            Expression::NullLiteral(_) => Ok(Val::Null),
            Expression::TemplateLiteral(t) => {
                let mut out = String::new();
                for (i, q) in t.quasis.iter().enumerate() {
                    match &q.value.cooked {
                        Some(c) => out.push_str(c),
                        None => out.push_str(&q.value.raw),
                    }
                    if let Some(x) = t.expressions.get(i) {
                        out.push_str(&self.value(x)?.to_js_string());
                    }
                }
                Ok(Val::Str(out))
            }
            Expression::ArrayExpression(a) => {
                let mut out = Vec::new();
                for el in &a.elements {
                    match el.as_expression() {
                        Some(x) => out.push(self.value(x)?),
                        None => {
                            return self.err(
                                el.span(),
                                "spread or hole in an array migrex cannot evaluate",
                            );
                        }
                    }
                }
                Ok(Val::Arr(out))
            }
            Expression::ObjectExpression(o) => {
                let mut out = Vec::new();
                for p in &o.properties {
                    let ObjectPropertyKind::ObjectProperty(p) = p else {
                        return self.err(o.span, "spread in an object migrex cannot evaluate");
                    };
                    let Some(k) = p.key.static_name() else {
                        return self.err(p.span, "computed key migrex cannot evaluate");
                    };
                    out.push((k.to_string(), self.value(&p.value)?));
                }
                Ok(Val::Obj(out))
            }
            Expression::Identifier(id) if id.name == "undefined" => Ok(Val::Undef),
            Expression::Identifier(id) => match self.env.get(id.name.as_str()) {
                Some(v) => Ok(v.clone()),
                None => self.err(
                    id.span,
                    format!("`{}` is not a value migrex can know statically", id.name),
                ),
            },
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::UnaryNegation => {
                match self.value(&u.argument)? {
                    Val::Num(n) => Ok(Val::Num(if let Some(p) = n.strip_prefix('-') {
                        p.to_string()
                    } else {
                        format!("-{n}")
                    })),
                    _ => self.err(u.span, "negation of a non-number"),
                }
            }
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                let (l, r) = (self.value(&b.left)?, self.value(&b.right)?);
                match (&l, &r) {
                    (Val::Num(x), Val::Num(y)) => match (x.parse::<f64>(), y.parse::<f64>()) {
                        (Ok(x), Ok(y)) => Ok(Val::Num(js_number(x + y))),
                        _ => self.err(b.span, "arithmetic migrex cannot evaluate"),
                    },
                    _ => Ok(Val::Str(l.to_js_string() + &r.to_js_string())),
                }
            }
            Expression::ParenthesizedExpression(p) => self.value(&p.expression),
            Expression::AwaitExpression(a) => self.value(&a.argument),
            Expression::UnaryExpression(u) if u.operator == UnaryOperator::LogicalNot => {
                Ok(Val::Bool(!self.value(&u.argument)?.truthy()))
            }
            Expression::CallExpression(c) if self.is_probe(e) => {
                let args = self.args(&c.arguments)?;
                let Expression::StaticMemberExpression(m) = &c.callee else {
                    return self.err(c.span, "hasTable/hasColumn migrex cannot evaluate");
                };
                let schema = match &m.object {
                    Expression::CallExpression(w) => {
                        match w.arguments.first().and_then(|a| a.as_expression()) {
                            Some(x) => self.value(x)?.as_str().map(str::to_string),
                            None => None,
                        }
                    }
                    _ => None,
                };
                let (Some(Val::Str(table)), column) = (args.first(), args.get(1)) else {
                    return self.err(c.span, "hasTable/hasColumn needs a literal table name");
                };
                let q = Probe {
                    schema,
                    table: table.clone(),
                    column: column.and_then(Val::as_str).map(str::to_string),
                };
                match (self.probe)(&self.ops, &q) {
                    Some(b) => Ok(Val::Bool(b)),
                    None => self.err(
                        c.span,
                        "hasTable/hasColumn could not be answered from the migrations before it",
                    ),
                }
            }
            Expression::TSAsExpression(x) => self.value(&x.expression),
            Expression::TSSatisfiesExpression(x) => self.value(&x.expression),
            Expression::TSNonNullExpression(x) => self.value(&x.expression),
            Expression::CallExpression(c) => {
                let callee = member_path(&c.callee);
                let (root, rest) = callee.split_once('.').unwrap_or((callee.as_str(), ""));
                let is_k = self.knex.iter().any(|k| k == root);
                if is_k && rest == "raw" {
                    let args = self.args(&c.arguments)?;
                    return raw_val(self, c.span, args);
                }
                if is_k && rest == "fn.now" {
                    let args = self.args(&c.arguments)?;
                    return Ok(match args.first() {
                        Some(Val::Num(p)) => Val::Raw(format!("CURRENT_TIMESTAMP({p})"), vec![]),
                        _ => Val::Raw("CURRENT_TIMESTAMP".into(), vec![]),
                    });
                }
                if is_k && rest == "fn.uuid" {
                    return Ok(Val::FnUuid);
                }
                if is_k && (rest == "fn.uuidToBin" || rest == "fn.binToUuid") {
                    return self.err(
                        c.span,
                        "knex.fn.uuidToBin/binToUuid defaults are not replayed",
                    );
                }
                if callee == "JSON.stringify" {
                    let args = self.args(&c.arguments)?;
                    return Ok(Val::Str(args.first().map(Val::to_json).unwrap_or_default()));
                }
                self.err(
                    c.span,
                    format!(
                        "call migrex cannot evaluate statically: `{}`",
                        span_text(self, c.span)
                    ),
                )
            }
            other => self.err(
                other.span(),
                format!(
                    "value migrex cannot evaluate statically: `{}`",
                    span_text(self, other.span())
                ),
            ),
        }
    }

    fn args(&mut self, args: &[Argument]) -> R<Vec<Val>> {
        let mut out = Vec::new();
        for a in args {
            match a.as_expression() {
                Some(Expression::ArrowFunctionExpression(_))
                | Some(Expression::FunctionExpression(_)) => out.push(Val::Undef),
                Some(e) => out.push(self.value(e)?),
                None => return self.err(a.span(), "spread arguments migrex cannot evaluate"),
            }
        }
        Ok(out)
    }

    /// Evaluates an expression that may be a schema-builder chain.
    fn thing(&mut self, e: &Expression) -> R<Thing> {
        match e {
            Expression::AwaitExpression(a) => {
                self.thing(&a.argument)?;
                Ok(Thing::Done)
            }
            Expression::ParenthesizedExpression(p) => self.thing(&p.expression),
            Expression::TSAsExpression(x) => self.thing(&x.expression),
            Expression::SequenceExpression(s) => {
                let mut last = Thing::Done;
                for x in &s.expressions {
                    last = self.thing(x)?;
                }
                Ok(last)
            }
            Expression::StaticMemberExpression(m) => {
                if self.is_knex(&m.object) && m.property.name == "schema" {
                    return Ok(Thing::Schema(None));
                }
                match self.thing(&m.object)? {
                    Thing::Data => Ok(Thing::Data),
                    _ => self.err(
                        m.span,
                        format!(
                            "`{}` is not something migrex replays",
                            span_text(self, m.span)
                        ),
                    ),
                }
            }
            Expression::CallExpression(c) => self.call(c),
            Expression::Identifier(_) if self.is_knex(e) => Ok(Thing::Done),
            Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => {
                Ok(Thing::Done)
            }
            other => match self.value(other) {
                Ok(v) => Ok(Thing::Val(v)),
                Err(_) => self.err(
                    other.span(),
                    format!(
                        "expression migrex cannot replay statically: `{}`",
                        span_text(self, other.span())
                    ),
                ),
            },
        }
    }

    fn call(&mut self, c: &CallExpression) -> R<Thing> {
        // knex('table') / knex.from / knex.select...: data, not schema.
        if self.is_knex(&c.callee) {
            return Ok(Thing::Data);
        }
        if let Expression::Identifier(id) = &c.callee {
            if id.name == "Promise" {
                return Ok(Thing::Done);
            }
            return self.err(
                c.span,
                format!("call of `{}`: migrex does not replay helper functions (inline the schema-builder calls)", id.name),
            );
        }
        let Expression::StaticMemberExpression(m) = &c.callee else {
            return self.err(
                c.span,
                format!(
                    "call migrex cannot replay statically: `{}`",
                    span_text(self, c.span)
                ),
            );
        };
        let method = m.property.name.as_str();
        let pos = self.pos(m.property.span);
        // Promise.all([...]) runs its elements (in order of writing: Knex runs them one by one
        // on one connection, as written, when they are schema builders).
        if member_path(&m.object) == "Promise" {
            if method == "all" || method == "allSettled" {
                if let Some(Expression::ArrayExpression(a)) =
                    c.arguments.first().and_then(|a| a.as_expression())
                {
                    for el in &a.elements {
                        if let Some(x) = el.as_expression() {
                            self.thing(x)?;
                        }
                    }
                    return Ok(Thing::Done);
                }
                return self.err(c.span, "Promise.all over a computed array is not replayed");
            }
            if method == "resolve" {
                return Ok(Thing::Done);
            }
        }
        // knex.raw(...) / knex.schema...; knex.transaction(trx => ...).
        if self.is_knex(&m.object) {
            let args = self.args(&c.arguments)?;
            return match method {
                "raw" => {
                    let v = raw_val(self, c.span, args)?;
                    if let Val::Raw(sql, _) = v {
                        self.ops.push(Op::Raw { sql, pos });
                    }
                    Ok(Thing::Done)
                }
                "transaction" => {
                    if let Some(f) = c
                        .arguments
                        .first()
                        .and_then(|a| a.as_expression())
                        .and_then(|e| func_of(e, &HashMap::new()))
                    {
                        let depth = self.knex.len();
                        self.run_function(&f, &[])?;
                        self.knex.truncate(depth);
                        Ok(Thing::Done)
                    } else {
                        self.err(
                            c.span,
                            "knex.transaction without a callback is not replayed",
                        )
                    }
                }
                "select" | "from" | "table" | "insert" | "update" | "delete" | "del" | "into"
                | "queryBuilder" | "with" | "batchInsert" => Ok(Thing::Data),
                _ => self.err(c.span, format!("`knex.{method}` is not replayed")),
            };
        }
        // `.then(fn)`/`.catch`/`.finally` on anything: the receiver runs, then the callback.
        if method == "then" && self.is_probe(&m.object) {
            // `knex.schema.hasTable('t').then((exists) => ...)`.
            let known = self.value(&m.object)?;
            if let Some(f) = c
                .arguments
                .first()
                .and_then(|a| a.as_expression())
                .and_then(|e| func_of(e, &HashMap::new()))
            {
                let param = match f {
                    Func::Decl(func) => first_param(&func.params),
                    Func::Arrow(a) => first_param(&a.params),
                };
                if let Some(p) = &param {
                    self.env.insert(p.clone(), known);
                }
                self.callback(&f)?;
                if let Some(p) = &param {
                    self.env.remove(p);
                }
            }
            return Ok(Thing::Done);
        }
        if method == "then" || method == "finally" {
            let recv = self.thing(&m.object)?;
            if let Some(f) = c
                .arguments
                .first()
                .and_then(|a| a.as_expression())
                .and_then(|e| func_of(e, &HashMap::new()))
            {
                self.callback(&f)?;
            }
            let _ = recv;
            return Ok(Thing::Done);
        }
        if method == "catch" {
            return self.thing(&m.object);
        }
        // `[..].forEach(x => ...)` over a literal array.
        if (method == "forEach" || method == "map")
            && let Ok(Val::Arr(items)) = self.value(&m.object)
        {
            let Some(Expression::ArrowFunctionExpression(a)) =
                c.arguments.first().and_then(|a| a.as_expression())
            else {
                return self.err(c.span, "forEach without an arrow function is not replayed");
            };
            let name = match a.params.items.first().map(|p| &p.pattern) {
                Some(BindingPattern::BindingIdentifier(id)) => id.name.to_string(),
                _ => return self.err(c.span, "forEach callback must take one named parameter"),
            };
            for item in items {
                self.env.insert(name.clone(), item);
                self.arrow_body(a)?;
            }
            self.env.remove(&name);
            return Ok(Thing::Done);
        }
        let recv = self.thing(&m.object)?;
        match recv {
            Thing::Data => Ok(Thing::Data),
            Thing::Schema(schema) => self.schema_call(c, method, schema, pos),
            Thing::Done => Ok(Thing::Done),
            Thing::Val(_) => self.err(c.span, format!("`.{method}` on a value is not replayed")),
        }
    }

    /// A callback run after a promise (`.then(() => knex.schema...)`).
    fn callback(&mut self, f: &Func) -> R<()> {
        let outer = std::mem::replace(&mut self.returned, false);
        match f {
            Func::Decl(func) => {
                if let Some(body) = &func.body {
                    self.block(&body.statements)?;
                }
            }
            Func::Arrow(a) => self.arrow_body(a)?,
        }
        self.returned = outer;
        Ok(())
    }

    fn schema_call(
        &mut self,
        c: &CallExpression,
        method: &str,
        schema: Option<String>,
        pos: Pos,
    ) -> R<Thing> {
        match method {
            "withSchema" => {
                let args = self.args(&c.arguments)?;
                match args.first() {
                    Some(Val::Str(s)) => Ok(Thing::Schema(Some(s.clone()))),
                    _ => self.err(c.span, "withSchema needs a string"),
                }
            }
            "createTable" | "createTableIfNotExists" | "alterTable" | "table" => {
                let name = match c.arguments.first().and_then(|a| a.as_expression()).map(|e| self.value(e)) {
                    Some(Ok(Val::Str(s))) => s,
                    _ => return self.err(c.span, format!("{method} needs a literal table name")),
                };
                let chains = match c.arguments.get(1).and_then(|a| a.as_expression()) {
                    Some(e) => match func_of(e, &HashMap::new()) {
                        Some(f) => self.table_callback(&f)?,
                        None => return self.err(e.span(), "the table callback must be a function written here"),
                    },
                    None => Vec::new(),
                };
                self.ops.push(Op::Table { method: method.to_string(), schema: schema.clone(), name, chains, pos });
                Ok(Thing::Schema(schema))
            }
            "hasTable" | "hasColumn" | "hasView" => self.err(
                c.span,
                format!("`{method}` makes the migration depend on the database; migrex replays only unconditional schema changes"),
            ),
            _ => {
                let args = self.args(&c.arguments)?;
                self.ops.push(Op::Schema { schema: schema.clone(), call: Call { name: method.to_string(), args, pos } });
                Ok(Thing::Schema(schema))
            }
        }
    }

    /// The chains a table callback runs on its builder parameter.
    fn table_callback(&mut self, f: &Func) -> R<Vec<Vec<Call>>> {
        let (param, stmts, expr): (Option<String>, Option<&[Statement]>, Option<&Expression>) =
            match f {
                Func::Decl(func) => (
                    first_param(&func.params),
                    func.body.as_ref().map(|b| &b.statements[..]),
                    None,
                ),
                Func::Arrow(a) => (
                    first_param(&a.params),
                    a.get_function_body().map(|b| &b.statements[..]),
                    a.get_expression(),
                ),
            };
        // Knex also binds the builder to `this` (`function () { this.increments(); }`).
        let param = match (param, f) {
            (Some(p), _) => p,
            (None, Func::Decl(_)) => "this".to_string(),
            (None, Func::Arrow(_)) => return Ok(Vec::new()),
        };
        let mut chains = Vec::new();
        if let Some(e) = expr {
            self.table_expr(&param, e, &mut chains)?;
        }
        if let Some(stmts) = stmts {
            self.table_stmts(&param, stmts, &mut chains)?;
        }
        Ok(chains)
    }

    fn table_stmts(
        &mut self,
        param: &str,
        stmts: &[Statement],
        chains: &mut Vec<Vec<Call>>,
    ) -> R<()> {
        for st in stmts {
            match st {
                Statement::ExpressionStatement(es) => {
                    self.table_expr(param, &es.expression, chains)?
                }
                Statement::BlockStatement(b) => self.table_stmts(param, &b.body, chains)?,
                Statement::EmptyStatement(_) => {}
                Statement::VariableDeclaration(d) => {
                    for dec in &d.declarations {
                        if let Some(init) = &dec.init {
                            // `const col = t.string('x')` then `col.notNullable()` is not
                            // followed; a literal constant is.
                            match self.value(init) {
                                Ok(v) => {
                                    if let BindingPattern::BindingIdentifier(id) = &dec.id {
                                        self.env.insert(id.name.to_string(), v);
                                    }
                                }
                                Err(_) => return self.err(init.span(), "a table-builder value kept in a variable is not replayed (chain the modifiers)"),
                            }
                        }
                    }
                }
                Statement::ForOfStatement(f) => {
                    let items = match self.value(&f.right) {
                        Ok(Val::Arr(items)) => items,
                        _ => return self.err(f.right.span(), "a loop over a value migrex cannot know statically (only literal arrays are replayed)"),
                    };
                    let name = match &f.left {
                        ForStatementLeft::VariableDeclaration(d) => {
                            match d.declarations.first().map(|d| &d.id) {
                                Some(BindingPattern::BindingIdentifier(id)) => id.name.to_string(),
                                _ => {
                                    return self.err(
                                        f.span,
                                        "destructuring loop variables is not replayed",
                                    );
                                }
                            }
                        }
                        _ => {
                            return self
                                .err(f.span, "the loop variable must be declared in the loop");
                        }
                    };
                    for item in items {
                        self.env.insert(name.clone(), item);
                        self.table_stmts(param, std::slice::from_ref(&f.body), chains)?;
                    }
                    self.env.remove(&name);
                }
                other => {
                    return self.err(
                        other.span(),
                        "statement migrex cannot replay statically inside a table callback",
                    );
                }
            }
        }
        Ok(())
    }

    fn table_expr(&mut self, param: &str, e: &Expression, chains: &mut Vec<Vec<Call>>) -> R<()> {
        match e {
            Expression::CallExpression(c) => {
                if let Expression::StaticMemberExpression(m) = &c.callee
                    && (m.property.name == "forEach" || m.property.name == "map")
                    && let Ok(Val::Arr(items)) = self.value(&m.object)
                {
                    let Some(Expression::ArrowFunctionExpression(a)) =
                        c.arguments.first().and_then(|a| a.as_expression())
                    else {
                        return self
                            .err(c.span, "forEach without an arrow function is not replayed");
                    };
                    let name = match a.params.items.first().map(|p| &p.pattern) {
                        Some(BindingPattern::BindingIdentifier(id)) => id.name.to_string(),
                        _ => {
                            return self
                                .err(c.span, "forEach callback must take one named parameter");
                        }
                    };
                    for item in items {
                        self.env.insert(name.clone(), item);
                        if let Some(x) = a.get_expression() {
                            self.table_expr(param, x, chains)?;
                        } else if let Some(b) = a.get_function_body() {
                            self.table_stmts(param, &b.statements, chains)?;
                        }
                    }
                    self.env.remove(&name);
                    return Ok(());
                }
                let mut calls = Vec::new();
                self.chain(param, e, &mut calls)?;
                chains.push(calls);
                Ok(())
            }
            Expression::SequenceExpression(s) => {
                for x in &s.expressions {
                    self.table_expr(param, x, chains)?;
                }
                Ok(())
            }
            Expression::ParenthesizedExpression(p) => self.table_expr(param, &p.expression, chains),
            other => self.err(
                other.span(),
                "expression migrex cannot replay inside a table callback",
            ),
        }
    }

    /// `t.a(..).b(..)` → [a, b].
    fn chain(&mut self, param: &str, e: &Expression, out: &mut Vec<Call>) -> R<()> {
        match e {
            Expression::CallExpression(c) => {
                let Expression::StaticMemberExpression(m) = &c.callee else {
                    return self.err(c.span, "call migrex cannot replay inside a table callback");
                };
                match &m.object {
                    Expression::Identifier(id) if id.name == param => {}
                    Expression::ThisExpression(_) if param == "this" => {}
                    obj => self.chain(param, obj, out)?,
                }
                let args = self.args(&c.arguments)?;
                out.push(Call {
                    name: m.property.name.to_string(),
                    args,
                    pos: self.pos(m.property.span),
                });
                Ok(())
            }
            Expression::ParenthesizedExpression(p) => self.chain(param, &p.expression, out),
            other => self.err(
                other.span(),
                format!(
                    "`{}` is not a call on the table builder `{param}`",
                    span_text(self, other.span())
                ),
            ),
        }
    }
}

fn first_param(p: &FormalParameters) -> Option<String> {
    match p.items.first().map(|p| &p.pattern) {
        Some(BindingPattern::BindingIdentifier(id)) => Some(id.name.to_string()),
        _ => None,
    }
}

fn span_text(ev: &Eval<'_, '_, '_>, span: Span) -> String {
    let t = &ev.lines.text[span.start as usize..span.end as usize];
    let t: String = t.chars().take(80).collect();
    t.replace('\n', " ")
}

/// `knex.raw(sql, bindings)`: `?` bindings become SQL literals now; `??` stays for the
/// renderer (it quotes identifiers per dialect) unless bindings fill it.
fn raw_val(ev: &Eval<'_, '_, '_>, span: Span, args: Vec<Val>) -> R<Val> {
    let Some(Val::Str(sql)) = args.first() else {
        return ev.err(span, "knex.raw needs a literal SQL string");
    };
    let bindings = match args.get(1) {
        None | Some(Val::Undef) => Vec::new(),
        Some(Val::Arr(b)) => b.clone(),
        Some(Val::Obj(_)) => return ev.err(span, "named bindings in knex.raw are not replayed"),
        Some(v) => vec![v.clone()],
    };
    Ok(Val::Raw(sql.clone(), bindings))
}

/// A number as JavaScript's `String(n)` prints it (integers without a fraction).
fn js_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e21 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
