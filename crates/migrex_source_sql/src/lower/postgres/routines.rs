//! PostgreSQL functions and procedures: `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, `DROP`,
//! `ALTER ... RENAME TO / SET SCHEMA / OWNER TO`, `COMMENT ON FUNCTION|PROCEDURE`.
//!
//! What is kept is what `pg_proc` stores, so a file and the database it was loaded into read the
//! same (the live reader parses `pg_get_functiondef` with this same code):
//! - argument and result types as `format_type(oid, NULL)` prints them: no type modifiers
//!   (`varchar(10)` is `character varying`, `char(3)` is `bpchar`), user types qualified, an
//!   unqualified one in the schema of the search path that holds it;
//! - the result of a routine with OUT arguments and no `RETURNS` (their type, or `record`);
//! - the body as `prosrc` holds it (the text between the dollar quotes); a SQL-standard body
//!   (`RETURN expr`, `BEGIN ATOMIC ... END`) as written;
//! - attributes at PostgreSQL's defaults are the model's defaults (`COST 100`, or 1 for C and
//!   internal functions; `ROWS 1000` for set-returning functions; `VOLATILE`, `PARALLEL UNSAFE`);
//! - `SET name = value` as `proconfig` holds it (`search_path=public, pg_temp`).

use super::super::Lower;
use super::objects::{at_end, expect_word, is_word, rest_of, string_value, word, words};
use crate::split::Piece;
use migrex_dialect::postgres as pg;
use migrex_model::{
    ArgMode, ColumnType, Dialect, Function, FunctionArg, FunctionAttributes, QualifiedName,
    RoutineKind, Volatility,
};
use sqlparser::ast;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

const PG: Dialect = Dialect::Postgres;

/// Types of `pg_catalog` that `parse_type` does not know (pseudo-types and internal types),
/// spelled plainly so they are not taken for user types of `public`.
const CATALOG_TYPES: &[&str] = &[
    "trigger",
    "event_trigger",
    "void",
    "record",
    "cstring",
    "internal",
    "language_handler",
    "fdw_handler",
    "table_am_handler",
    "index_am_handler",
    "tsm_handler",
    "any",
    "anyelement",
    "anyarray",
    "anynonarray",
    "anyenum",
    "anyrange",
    "anymultirange",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anycompatiblemultirange",
    "unknown",
    "pg_ddl_command",
    "int2vector",
    "oidvector",
    "pg_node_tree",
    "gtsvector",
];

/// One argument as written.
#[derive(Debug, Clone)]
pub(super) struct ArgDef {
    pub(super) mode: ArgMode,
    pub(super) name: Option<ast::Ident>,
    pub(super) ty: String,
    pub(super) default: Option<ast::Expr>,
}

enum Returns {
    Type(String),
    SetOf(String),
    Table(Vec<(ast::Ident, String)>),
}

enum Body {
    /// `AS 'text'`; a second literal is a C function's link symbol.
    Quoted(String, Option<String>),
    /// `RETURN expr` or `BEGIN ATOMIC ... END`, as written, with the expression of a RETURN.
    Standard(String, Option<String>),
}

/// A `CREATE FUNCTION|PROCEDURE` as written.
struct RoutineDef {
    kind: RoutineKind,
    name: ast::ObjectName,
    args: Vec<ArgDef>,
    returns: Option<Returns>,
    language: Option<String>,
    body: Option<Body>,
    attributes: FunctionAttributes,
    cost: Option<f64>,
    rows: Option<f64>,
    window: bool,
    /// Clauses the model has no place for, for one warning.
    unmodeled: Vec<String>,
}

/// `(arg, ...)`: the argument list of a routine definition or reference.
pub(super) fn parse_args(p: &mut Parser) -> Result<Vec<ArgDef>, ParserError> {
    p.expect_token(&Token::LParen)?;
    let mut args = Vec::new();
    // An aggregate without arguments is referenced as `name(*)`.
    if p.consume_token(&Token::RParen)
        || (p.consume_token(&Token::Mul) && p.consume_token(&Token::RParen))
    {
        return Ok(args);
    }
    loop {
        // An ordered-set aggregate's reference: `(direct ORDER BY aggregated)`.
        words(p, &["ORDER", "BY"]);
        args.push(parse_arg(p)?);
        if p.consume_token(&Token::RParen) {
            return Ok(args);
        }
        if is_word(&p.peek_token().token, "ORDER") {
            continue;
        }
        p.expect_token(&Token::Comma)?;
    }
}

fn mode_word(p: &mut Parser) -> Option<ArgMode> {
    if word(p, "IN") {
        // `IN OUT` is `INOUT`.
        if word(p, "OUT") {
            return Some(ArgMode::InOut);
        }
        Some(ArgMode::In)
    } else if word(p, "OUT") {
        Some(ArgMode::Out)
    } else if word(p, "INOUT") {
        Some(ArgMode::InOut)
    } else if word(p, "VARIADIC") {
        Some(ArgMode::Variadic)
    } else {
        None
    }
}

fn is_mode(t: &Token) -> bool {
    ["IN", "OUT", "INOUT", "VARIADIC"]
        .iter()
        .any(|w| is_word(t, w))
}

/// `[mode] [name] type [DEFAULT expr | = expr]` (PostgreSQL also takes `name mode type`).
pub(super) fn parse_arg(p: &mut Parser) -> Result<ArgDef, ParserError> {
    let mut mode = mode_word(p);
    let mut name = None;
    if mode.is_none() && is_mode(&p.peek_nth_token(1).token) {
        name = Some(p.parse_identifier()?);
        mode = mode_word(p);
    }
    let first = p.peek_token();
    let mut ty = p.parse_data_type()?.to_string();
    if name.is_none() {
        // `a integer`: what read as a type was the name.
        let second = p.maybe_parse(|p| {
            // `ORDER BY` separates an ordered-set aggregate's arguments.
            if ["DEFAULT", "ORDER"]
                .iter()
                .any(|w| is_word(&p.peek_token().token, w))
            {
                return p.expected("a type", p.peek_token());
            }
            p.parse_data_type()
        })?;
        if let Some(t) = second {
            match first.token {
                Token::Word(w) => name = Some(w.into_ident(first.span)),
                _ => return p.expected("an argument name", first),
            }
            ty = t.to_string();
        }
    }
    let default = if word(p, "DEFAULT") || p.consume_token(&Token::Eq) {
        Some(p.parse_expr()?)
    } else {
        None
    };
    Ok(ArgDef {
        mode: mode.unwrap_or_default(),
        name,
        ty,
        default,
    })
}

fn parse_number(p: &mut Parser) -> Result<f64, ParserError> {
    let t = p.next_token();
    match &t.token {
        Token::Number(n, _) => n
            .parse()
            .map_err(|_| ParserError::ParserError(format!("bad number {n}"))),
        _ => p.expected("a number", t),
    }
}

/// `SET name {TO | =} value, ...` (after `SET`): the name and the value as `proconfig` keeps it;
/// `None` for `FROM CURRENT` and `TO DEFAULT`.
fn parse_set(p: &mut Parser) -> Result<(String, Option<String>), ParserError> {
    let name = p
        .parse_object_name(false)?
        .0
        .iter()
        .map(|part| match part.as_ident() {
            Some(i) => i.value.to_lowercase(),
            None => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".");
    if words(p, &["FROM", "CURRENT"]) {
        return Ok((name, None));
    }
    if !word(p, "TO") && !p.consume_token(&Token::Eq) {
        return p.expected("TO or =", p.peek_token());
    }
    if word(p, "DEFAULT") {
        return Ok((name, None));
    }
    let mut values = Vec::new();
    loop {
        let t = p.next_token();
        let v = match &t.token {
            Token::Minus => {
                let n = p.next_token();
                match &n.token {
                    Token::Number(n, _) => format!("-{n}"),
                    _ => return p.expected("a number", n),
                }
            }
            Token::Number(n, _) => n.clone(),
            // pg_get_functiondef prints every element as a string literal, dequoted
            // (`SET search_path = "$user"` comes back as `'$user'`).
            Token::Word(w) if w.quote_style.is_none() => w.value.to_lowercase(),
            Token::Word(w) => w.value.clone(),
            other => match string_value(other) {
                Some(s) => s,
                None => return p.expected("a setting value", t),
            },
        };
        values.push(v);
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    Ok((name, Some(values.join(", "))))
}

fn parse_routine(p: &mut Parser, text: &str) -> Result<RoutineDef, ParserError> {
    expect_word(p, "CREATE")?;
    words(p, &["OR", "REPLACE"]);
    let kind = if word(p, "FUNCTION") {
        RoutineKind::Function
    } else {
        expect_word(p, "PROCEDURE")?;
        RoutineKind::Procedure
    };
    let name = p.parse_object_name(false)?;
    let args = parse_args(p)?;
    let mut def = RoutineDef {
        kind,
        name,
        args,
        returns: None,
        language: None,
        body: None,
        attributes: FunctionAttributes::default(),
        cost: None,
        rows: None,
        window: false,
        unmodeled: Vec::new(),
    };
    if word(p, "RETURNS") {
        def.returns = Some(if word(p, "SETOF") {
            Returns::SetOf(p.parse_data_type()?.to_string())
        } else if is_word(&p.peek_token().token, "TABLE")
            && p.peek_nth_token(1).token == Token::LParen
        {
            p.next_token();
            p.next_token();
            let mut cols = Vec::new();
            loop {
                let n = p.parse_identifier()?;
                let t = p.parse_data_type()?.to_string();
                cols.push((n, t));
                if p.consume_token(&Token::RParen) {
                    break;
                }
                p.expect_token(&Token::Comma)?;
            }
            Returns::Table(cols)
        } else {
            Returns::Type(p.parse_data_type()?.to_string())
        });
    }
    let a = &mut def.attributes;
    while !at_end(p) {
        if word(p, "LANGUAGE") {
            let t = p.next_token();
            def.language = Some(match &t.token {
                Token::Word(w) => w.value.to_lowercase(),
                other => match string_value(other) {
                    Some(s) => s.to_lowercase(),
                    None => return p.expected("a language name", t),
                },
            });
        } else if word(p, "IMMUTABLE") {
            a.volatility = Volatility::Immutable;
        } else if word(p, "STABLE") {
            a.volatility = Volatility::Stable;
        } else if word(p, "VOLATILE") {
            a.volatility = Volatility::Volatile;
        } else if word(p, "LEAKPROOF") {
            a.leakproof = true;
        } else if words(p, &["NOT", "LEAKPROOF"]) {
            a.leakproof = false;
        } else if word(p, "STRICT") || words(p, &["RETURNS", "NULL", "ON", "NULL", "INPUT"]) {
            a.strict = true;
        } else if words(p, &["CALLED", "ON", "NULL", "INPUT"]) {
            a.strict = false;
        } else if words(p, &["SECURITY", "DEFINER"])
            || words(p, &["EXTERNAL", "SECURITY", "DEFINER"])
        {
            a.security_definer = true;
        } else if words(p, &["SECURITY", "INVOKER"])
            || words(p, &["EXTERNAL", "SECURITY", "INVOKER"])
        {
            a.security_definer = false;
        } else if word(p, "PARALLEL") {
            let t = p.next_token();
            a.parallel = match &t.token {
                Token::Word(w) if w.value.eq_ignore_ascii_case("unsafe") => None,
                Token::Word(w)
                    if w.value.eq_ignore_ascii_case("safe")
                        || w.value.eq_ignore_ascii_case("restricted") =>
                {
                    Some(w.value.to_lowercase())
                }
                _ => return p.expected("SAFE, RESTRICTED or UNSAFE", t),
            };
        } else if word(p, "COST") {
            def.cost = Some(parse_number(p)?);
        } else if word(p, "ROWS") {
            def.rows = Some(parse_number(p)?);
        } else if word(p, "WINDOW") {
            def.window = true;
        } else if word(p, "SUPPORT") {
            let f = p.parse_object_name(false)?;
            def.unmodeled.push(format!("SUPPORT {f}"));
        } else if word(p, "TRANSFORM") {
            loop {
                expect_word(p, "FOR")?;
                expect_word(p, "TYPE")?;
                let t = p.parse_data_type()?;
                def.unmodeled.push(format!("TRANSFORM FOR TYPE {t}"));
                if !p.consume_token(&Token::Comma) {
                    break;
                }
            }
        } else if word(p, "SET") {
            let (n, v) = parse_set(p)?;
            match v {
                Some(v) => {
                    a.set.retain(|(k, _)| *k != n);
                    a.set.push((n, v));
                }
                None => def
                    .unmodeled
                    .push(format!("SET {n} FROM CURRENT / TO DEFAULT")),
            }
        } else if word(p, "AS") {
            let t = p.next_token();
            let Some(src) = string_value(&t.token) else {
                return p.expected("a string or dollar-quoted body", t);
            };
            let link = if p.consume_token(&Token::Comma) {
                let t = p.next_token();
                match string_value(&t.token) {
                    Some(s) => Some(s),
                    None => return p.expected("a link symbol", t),
                }
            } else {
                None
            };
            def.body = Some(Body::Quoted(src, link));
        } else if is_word(&p.peek_token().token, "RETURN") {
            let raw = rest_of(p, text);
            p.next_token();
            let e = p.parse_expr()?;
            def.body = Some(Body::Standard(raw, Some(e.to_string())));
            break;
        } else if is_word(&p.peek_token().token, "BEGIN")
            && is_word(&p.peek_nth_token(1).token, "ATOMIC")
        {
            def.body = Some(Body::Standard(rest_of(p, text), None));
            break;
        } else {
            return p.expected("a routine attribute", p.peek_token());
        }
    }
    Ok(def)
}

/// The default `COST` of a language: 1 for C and internal functions, 100 otherwise.
fn default_cost(language: &str) -> f64 {
    if matches!(language, "c" | "internal") {
        1.0
    } else {
        100.0
    }
}

/// A number as the model keeps it: `5`, `0.5`.
fn number(n: f64) -> String {
    format!("{n}")
}

fn strip_typmods(ty: &mut ColumnType) {
    match ty {
        ColumnType::Text { max_len, .. } | ColumnType::Binary { max_len, .. } => *max_len = None,
        ColumnType::Decimal {
            precision, scale, ..
        } => {
            *precision = None;
            *scale = None;
        }
        ColumnType::Time { precision, .. }
        | ColumnType::Timestamp { precision, .. }
        | ColumnType::DateTime { precision } => *precision = None,
        ColumnType::Interval { fields, precision } => {
            *fields = None;
            *precision = None;
        }
        ColumnType::Bit { len, .. } => *len = None,
        ColumnType::Array { element } => strip_typmods(element),
        ColumnType::Other { name } => {
            if let Some(open) = name.find('(')
                && let Some(close) = name.rfind(')')
            {
                *name = format!("{}{}", &name[..open], &name[close + 1..]);
            }
        }
        _ => {}
    }
}

fn user_type_mut(ty: &mut ColumnType) -> Option<&mut QualifiedName> {
    match ty {
        ColumnType::UserDefined { name } => Some(name),
        ColumnType::Array { element } => user_type_mut(element),
        _ => None,
    }
}

impl Lower<'_> {
    /// A routine's argument or result type as the catalog prints it, and the user type or table
    /// it names.
    pub(super) fn routine_type(&self, spelled: &str) -> (String, Option<QualifiedName>) {
        let s = spelled.trim();
        let mut base = s;
        let mut array = false;
        while let Some(b) = base.strip_suffix(']')
            && let Some(open) = b.rfind('[')
        {
            base = b[..open].trim_end();
            array = true;
        }
        let lower = base.to_ascii_lowercase();
        let bare = lower.strip_prefix("pg_catalog.").unwrap_or(&lower);
        if !base.contains('"') && CATALOG_TYPES.contains(&bare) {
            return (format!("{bare}{}", if array { "[]" } else { "" }), None);
        }
        let mut ty = pg::parse_type(s);
        strip_typmods(&mut ty);
        let ns = self.current_ns.clone();
        if let Some(qn) = user_type_mut(&mut ty)
            && qn.namespace == "public"
            && ns != "public"
            && !base.contains('.')
            && self.names_type(&ns, &qn.name)
        {
            qn.namespace = ns;
        }
        let dep = ty.user_type().cloned();
        (pg::format_type(&ty), dep)
    }

    /// True when namespace `ns` holds a type or relation named `name` (read so far).
    fn names_type(&self, ns: &str, name: &str) -> bool {
        self.schema.namespaces.get(ns).is_some_and(|n| {
            n.tables.contains_key(name)
                || n.views.contains_key(name)
                || n.enums.contains_key(name)
                || n.domains.contains_key(name)
                || n.composites.contains_key(name)
        })
    }

    /// The identity types of an argument list (input arguments only, as PostgreSQL matches them).
    fn identity_types(&self, args: &[ArgDef]) -> Vec<String> {
        args.iter()
            .filter(|a| a.mode.is_input())
            .map(|a| self.routine_type(&a.ty).0)
            .collect()
    }

    pub(super) fn pg_create_routine(&mut self, piece: &Piece) {
        let d = sqlparser::dialect::PostgreSqlDialect {};
        let parsed = Parser::new(&d)
            .try_with_sql(&piece.text)
            .and_then(|mut p| parse_routine(&mut p, &piece.text));
        let def = match parsed {
            Ok(def) => def,
            Err(e) => return self.warn_parse(piece, "routine", &e),
        };
        let qn = self.qname(&def.name);
        let what = match def.kind {
            RoutineKind::Procedure => "procedure",
            _ => "function",
        };
        if def.window {
            self.warn(
                piece,
                format!("window function {qn} skipped: window functions are not modeled"),
            );
            return;
        }
        let language = def.language.clone().unwrap_or_else(|| "sql".into());
        if language == "c" {
            self.warn(
                piece,
                format!("C-language {what} {qn} skipped: its object file is not modeled"),
            );
            return;
        }
        let mut depends_on: Vec<QualifiedName> = Vec::new();
        let mut dep = |d: Option<QualifiedName>| {
            if let Some(d) = d
                && !depends_on.contains(&d)
            {
                depends_on.push(d);
            }
        };
        let mut args = Vec::new();
        for a in &def.args {
            let (ty, d) = self.routine_type(&a.ty);
            dep(d);
            args.push(FunctionArg {
                mode: a.mode,
                name: a.name.as_ref().map(|n| self.ident(n)),
                ty,
                default: a
                    .default
                    .as_ref()
                    .map(|e| migrex_dialect::expr(PG, &e.to_string())),
            });
        }
        let returns = match (def.kind, &def.returns) {
            (RoutineKind::Procedure, _) => None,
            (_, Some(Returns::Type(t))) => {
                let (t, d) = self.routine_type(t);
                dep(d);
                Some(t)
            }
            (_, Some(Returns::SetOf(t))) => {
                let (t, d) = self.routine_type(t);
                dep(d);
                Some(format!("SETOF {t}"))
            }
            (_, Some(Returns::Table(cols))) => {
                let mut parts = Vec::new();
                for (n, t) in cols {
                    let (t, d) = self.routine_type(t);
                    dep(d);
                    parts.push(format!(
                        "{} {t}",
                        migrex_dialect::quote_ident(PG, &self.ident(n))
                    ));
                }
                Some(format!("TABLE({})", parts.join(", ")))
            }
            (_, None) => {
                // The OUT arguments make the result: one is its type, several a record.
                let outs: Vec<&FunctionArg> = args
                    .iter()
                    .filter(|a| matches!(a.mode, ArgMode::Out | ArgMode::InOut))
                    .collect();
                match outs.as_slice() {
                    [] => {
                        self.warn(
                            piece,
                            format!("function {qn} has no RETURNS clause; skipped"),
                        );
                        return;
                    }
                    [one] => Some(one.ty.clone()),
                    _ => Some("record".into()),
                }
            }
        };
        let retset = returns
            .as_deref()
            .is_some_and(|r| r.starts_with("SETOF ") || r.starts_with("TABLE("));
        let mut attributes = def.attributes;
        attributes.cost = def
            .cost
            .filter(|c| *c != default_cost(&language))
            .map(number);
        attributes.rows = def.rows.filter(|r| retset && *r != 1000.0).map(number);
        let body = match def.body {
            Some(Body::Quoted(src, link)) => {
                if link.is_some() {
                    self.warn(
                        piece,
                        format!("{what} {qn}: the link symbol of its body is not modeled"),
                    );
                }
                // Verbatim, as `prosrc` holds it (the key ignores layout).
                let key = migrex_dialect::body_key(PG, &src);
                migrex_model::Expr::with_key(src, key)
            }
            Some(Body::Standard(raw, Some(e))) => migrex_model::Expr::with_key(
                raw,
                format!("RETURN {}", migrex_dialect::expr_key(PG, &e)),
            ),
            Some(Body::Standard(raw, None)) => migrex_dialect::body(PG, &raw),
            None => {
                self.warn(piece, format!("{what} {qn} has no body; skipped"));
                return;
            }
        };
        if !def.unmodeled.is_empty() {
            self.warn(
                piece,
                format!("{what} {qn}: {} not modeled", def.unmodeled.join(", ")),
            );
        }
        let function = Function {
            name: qn.name.clone(),
            kind: def.kind,
            args,
            returns,
            language,
            body,
            attributes,
            comment: None,
            depends_on,
            aggregate: None,
        };
        let id = function.identity();
        self.provenance
            .locations
            .insert(format!("{what} {}.{id}", qn.namespace), self.loc(piece));
        let ns = self.schema.namespace_mut(&qn.namespace);
        // `CREATE OR REPLACE` keeps the comment of the routine it replaces.
        let comment = ns.functions.get(&id).and_then(|f| f.comment.clone());
        ns.functions.insert(
            id,
            Function {
                comment,
                ..function
            },
        );
    }

    /// The key of the routine a reference names: with an argument list, by its input types;
    /// without one, the only routine of that name.
    fn find_routine(&self, qn: &QualifiedName, args: Option<&[ArgDef]>) -> Option<String> {
        let ns = self.schema.namespaces.get(&qn.namespace)?;
        match args {
            Some(args) => {
                let id = format!("{}({})", qn.name, self.identity_types(args).join(", "));
                ns.functions.contains_key(&id).then_some(id)
            }
            None => {
                let mut hits = ns.functions.iter().filter(|(_, f)| f.name == qn.name);
                let first = hits.next().map(|(k, _)| k.clone());
                if hits.next().is_some() { None } else { first }
            }
        }
    }

    pub(super) fn comment_routine(
        &mut self,
        piece: &Piece,
        name: &ast::ObjectName,
        args: Option<&[ArgDef]>,
        text: Option<String>,
    ) {
        let qn = self.qname(name);
        match self.find_routine(&qn, args) {
            Some(id) => {
                if let Some(f) = self
                    .schema
                    .namespaces
                    .get_mut(&qn.namespace)
                    .and_then(|n| n.functions.get_mut(&id))
                {
                    f.comment = text;
                }
            }
            None => self.warn(piece, format!("comment on unknown routine {qn} skipped")),
        }
    }

    /// `DROP FUNCTION|PROCEDURE|ROUTINE [IF EXISTS] f(args), ...`.
    pub(in crate::lower) fn pg_drop_routines(
        &mut self,
        piece: &Piece,
        descs: &[ast::FunctionDesc],
        if_exists: bool,
    ) {
        for d in descs {
            let qn = self.qname(&d.name);
            let args: Option<Vec<ArgDef>> = d.args.as_ref().map(|args| {
                args.iter()
                    .map(|a| ArgDef {
                        mode: match a.mode {
                            Some(ast::ArgMode::Out) => ArgMode::Out,
                            Some(ast::ArgMode::InOut) => ArgMode::InOut,
                            Some(ast::ArgMode::Variadic) => ArgMode::Variadic,
                            _ => ArgMode::In,
                        },
                        name: a.name.clone(),
                        ty: a.data_type.to_string(),
                        default: None,
                    })
                    .collect()
            });
            match self.find_routine(&qn, args.as_deref()) {
                Some(id) => {
                    if let Some(ns) = self.schema.namespaces.get_mut(&qn.namespace) {
                        ns.functions.shift_remove(&id);
                    }
                }
                None if if_exists => {}
                None => self.warn(piece, format!("DROP of unknown routine {qn} skipped")),
            }
        }
    }

    /// `ALTER FUNCTION f(args) RENAME TO n | SET SCHEMA s | OWNER TO r | <attributes>`.
    pub(super) fn alter_routine(
        &mut self,
        piece: &Piece,
        p: &mut Parser,
        kind: &str,
    ) -> Result<(), ParserError> {
        let name = p.parse_object_name(false)?;
        let args = if p.peek_token().token == Token::LParen {
            Some(parse_args(p)?)
        } else {
            None
        };
        let qn = self.qname(&name);
        if words(p, &["OWNER", "TO"]) {
            self.ignore("OWNER", "ownership is not modeled");
            return Ok(());
        }
        let Some(id) = self.find_routine(&qn, args.as_deref()) else {
            self.warn(
                piece,
                format!("ALTER {kind} on unknown routine {qn} skipped"),
            );
            return Ok(());
        };
        if words(p, &["RENAME", "TO"]) {
            let new = self.ident(&p.parse_identifier()?);
            self.move_routine(&qn, &id, &qn.namespace.clone(), &new);
        } else if words(p, &["SET", "SCHEMA"]) {
            let ns = self.ident(&p.parse_identifier()?);
            self.move_routine(&qn, &id, &ns, &qn.name.clone());
        } else {
            self.warn(
                piece,
                format!("ALTER {kind} {qn}: only RENAME TO, SET SCHEMA and OWNER TO are read"),
            );
        }
        Ok(())
    }

    fn move_routine(&mut self, from: &QualifiedName, id: &str, ns: &str, name: &str) {
        let Some(mut f) = self
            .schema
            .namespaces
            .get_mut(&from.namespace)
            .and_then(|n| n.functions.shift_remove(id))
        else {
            return;
        };
        f.name = name.to_string();
        let key = f.identity();
        self.schema.namespace_mut(ns).functions.insert(key, f);
    }
}

#[cfg(test)]
mod tests {
    use migrex_model::{ArgMode, Dialect, RoutineKind, Schema, Volatility};

    fn read(sql: &str) -> (Schema, Vec<String>) {
        let l = crate::parse(sql, Dialect::Postgres, "t.sql").unwrap_or_else(|e| panic!("{e}"));
        (
            l.schema,
            l.warnings.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn attributes_at_their_defaults_read_as_unstated() {
        let (s, w) = read(
            "CREATE FUNCTION f(a varchar(10), b char(3)[], c numeric(10,2) = 1.5) RETURNS SETOF timestamp(3) with time zone
               LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
               NOT LEAKPROOF COST 100 ROWS 1000 AS $$ BEGIN END $$;
             CREATE FUNCTION g() RETURNS integer LANGUAGE sql STABLE STRICT SECURITY DEFINER
               LEAKPROOF PARALLEL RESTRICTED COST 0.5 ROWS 10 SET search_path TO 'a', b
               SET work_mem = 65536 AS 'SELECT 1';",
        );
        assert!(w.is_empty(), "{w:?}");
        let ns = &s.namespaces["public"];
        let f = &ns.functions["f(character varying, bpchar[], numeric)"];
        assert_eq!(f.returns.as_deref(), Some("SETOF timestamp with time zone"));
        assert_eq!(f.attributes, Default::default());
        assert_eq!(
            f.args[2].default.as_ref().map(|d| d.sql.as_str()),
            Some("1.5")
        );
        assert_eq!(f.body.sql, " BEGIN END ");
        let g = &ns.functions["g()"];
        let a = &g.attributes;
        assert_eq!(a.volatility, Volatility::Stable);
        assert!(a.strict && a.security_definer && a.leakproof);
        assert_eq!(a.parallel.as_deref(), Some("restricted"));
        assert_eq!(a.cost.as_deref(), Some("0.5"));
        // ROWS only means something for a set-returning function.
        assert_eq!(a.rows, None);
        assert_eq!(
            a.set,
            vec![
                ("search_path".to_string(), "a, b".to_string()),
                ("work_mem".to_string(), "65536".to_string())
            ]
        );
    }

    #[test]
    fn results_of_out_arguments_and_tables() {
        let (s, _) = read(
            "CREATE FUNCTION one(x int, OUT y text) LANGUAGE sql AS $$ SELECT 'a' $$;
             CREATE FUNCTION two(x int, OUT y text, INOUT z int) LANGUAGE sql AS $$ SELECT 'a', 1 $$;
             CREATE FUNCTION tab(x int) RETURNS TABLE (A int, \"B\" text) LANGUAGE sql AS $$ SELECT 1, 'b' $$;
             CREATE PROCEDURE p(x int, INOUT y int) LANGUAGE sql AS $$ SELECT 1 $$;",
        );
        let ns = &s.namespaces["public"];
        assert_eq!(
            ns.functions["one(integer)"].returns.as_deref(),
            Some("text")
        );
        assert_eq!(
            ns.functions["two(integer, integer)"].returns.as_deref(),
            Some("record")
        );
        assert_eq!(
            ns.functions["tab(integer)"].returns.as_deref(),
            Some("TABLE(\"a\" integer, \"B\" text)")
        );
        let p = &ns.functions["p(integer, integer)"];
        assert_eq!((p.kind, p.returns.as_ref()), (RoutineKind::Procedure, None));
        assert_eq!(p.args[1].mode, ArgMode::InOut);
    }

    #[test]
    fn types_resolve_in_the_search_path_and_make_dependencies() {
        let (s, _) = read(
            "CREATE TABLE t (id int);
             SET search_path = app, public;
             CREATE SCHEMA app;
             CREATE TYPE mood AS ENUM ('a');
             CREATE FUNCTION f(m mood, r t, x pg_catalog.int4, v void) RETURNS SETOF public.t
               LANGUAGE sql AS $$ SELECT * FROM public.t $$;",
        );
        let f = &s.namespaces["app"].functions["f(\"app\".\"mood\", \"t\", integer, void)"];
        assert_eq!(f.returns.as_deref(), Some("SETOF \"t\""));
        let deps: Vec<String> = f.depends_on.iter().map(ToString::to_string).collect();
        assert_eq!(deps, vec!["app.mood", "public.t"]);
    }

    #[test]
    fn comments_drops_renames_and_bad_input() {
        let (s, w) = read(
            "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;
             CREATE FUNCTION f(a text) RETURNS text LANGUAGE sql AS $$ SELECT a $$;
             CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
             COMMENT ON FUNCTION f(integer) IS 'int f';
             COMMENT ON FUNCTION f IS 'ambiguous';
             COMMENT ON FUNCTION g IS 'g';
             ALTER FUNCTION g() RENAME TO h;
             ALTER FUNCTION h() OWNER TO someone;
             DROP FUNCTION f(text);
             DROP FUNCTION IF EXISTS nothing(int);
             CREATE FUNCTION broken(a int RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;",
        );
        let ns = &s.namespaces["public"];
        let keys: Vec<&String> = ns.functions.keys().collect();
        assert_eq!(keys, vec!["f(integer)", "h()"]);
        assert_eq!(ns.functions["f(integer)"].comment.as_deref(), Some("int f"));
        assert_eq!(ns.functions["h()"].comment.as_deref(), Some("g"));
        assert!(
            w.iter().any(|w| w.contains("unknown routine public.f")),
            "{w:?}"
        );
        assert!(
            w.iter()
                .any(|w| w.starts_with("t.sql:11:") && w.contains("routine not read")),
            "{w:?}"
        );
    }
}
