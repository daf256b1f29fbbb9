//! PostgreSQL aggregates: `CREATE [OR REPLACE] AGGREGATE name (args) (option = value, ...)`,
//! ordered-set ones (`(direct ORDER BY aggregated)`), and through the routine code their
//! comments, `ALTER`s and `DROP`s (an aggregate is a routine of kind `Aggregate`).
//!
//! sqlparser 0.63 has no `CREATE AGGREGATE`, and the option list is a bag of `NAME = value`
//! whose values are function names, types, string literals, numbers, operators or keywords
//! depending on the name: the argument list goes through the routine parser, the option list is
//! split by hand on its top-level commas and each value read for what its option holds.
//!
//! Kept as `pg_aggregate` holds it (the live reader prints a `CREATE AGGREGATE` from the catalog
//! and parses it with this code): support functions qualified (an unqualified one is the
//! schema's when the file defines a function of that name there, else `pg_catalog`'s), types
//! like routine argument types, options at their defaults left out.

use super::super::Lower;
use super::objects::{expect_word, is_word, rest_of, words};
use super::routines::{ArgDef, parse_arg};
use crate::split::Piece;
use migrex_model::{
    Aggregate, Function, FunctionArg, FunctionAttributes, QualifiedName, RoutineKind,
};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

struct AggregateDef {
    name: sqlparser::ast::ObjectName,
    args: Vec<ArgDef>,
    /// Ordered-set: the number of direct arguments.
    direct: Option<usize>,
    /// The `(option = value, ...)` list as written, with its parentheses.
    options: String,
}

fn parse_aggregate(p: &mut Parser, text: &str) -> Result<AggregateDef, ParserError> {
    expect_word(p, "CREATE")?;
    words(p, &["OR", "REPLACE"]);
    expect_word(p, "AGGREGATE")?;
    let name = p.parse_object_name(false)?;
    p.expect_token(&Token::LParen)?;
    if matches!(p.peek_token().token, Token::Word(_)) && p.peek_nth_token(1).token == Token::Eq {
        return Err(ParserError::ParserError(
            "the old CREATE AGGREGATE syntax (BASETYPE = ...) is not read".into(),
        ));
    }
    let mut args = Vec::new();
    let mut direct = None;
    if p.consume_token(&Token::Mul) {
        p.expect_token(&Token::RParen)?;
    } else if !p.consume_token(&Token::RParen) {
        loop {
            if words(p, &["ORDER", "BY"]) {
                direct = Some(args.len());
            }
            args.push(parse_arg(p)?);
            if p.consume_token(&Token::RParen) {
                break;
            }
            if is_word(&p.peek_token().token, "ORDER") {
                continue;
            }
            p.expect_token(&Token::Comma)?;
        }
    }
    if p.peek_token().token != Token::LParen {
        return p.expected("the aggregate's option list", p.peek_token());
    }
    Ok(AggregateDef {
        name,
        args,
        direct,
        options: rest_of(p, text),
    })
}

/// The top-level comma-separated items of `(a = b, c, ...)`, respecting quotes and parentheses.
fn option_items(list: &str) -> Result<Vec<String>, ParserError> {
    let inner = list
        .trim()
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| ParserError::ParserError("expected a parenthesized option list".into()))?;
    let mut items = vec![String::new()];
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut dollar = false;
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let cur = items.last_mut().expect("never empty");
        match quote {
            Some(q) => {
                cur.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if dollar => {
                cur.push(c);
                if c == '$' && chars.get(i + 1) == Some(&'$') {
                    cur.push('$');
                    i += 1;
                    dollar = false;
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '$' if chars.get(i + 1) == Some(&'$') => {
                    cur.push_str("$$");
                    i += 1;
                    dollar = true;
                }
                '(' => {
                    depth += 1;
                    cur.push(c);
                }
                ')' => {
                    depth -= 1;
                    cur.push(c);
                }
                ',' if depth == 0 => items.push(String::new()),
                _ => cur.push(c),
            },
        }
        i += 1;
    }
    Ok(items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect())
}

/// A literal value: a quoted string's contents, or the bare text.
fn literal(v: &str) -> String {
    if let Some(s) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return s.replace("''", "'");
    }
    if let Some(s) = v.strip_prefix("$$").and_then(|s| s.strip_suffix("$$")) {
        return s.to_string();
    }
    v.to_string()
}

/// An operator as written without `OPERATOR(schema.` ... `)`.
fn operator(v: &str) -> String {
    let t = v.trim();
    let inner = t
        .get(..9)
        .filter(|p| p.eq_ignore_ascii_case("OPERATOR("))
        .and_then(|_| t[9..].strip_suffix(')'))
        .unwrap_or(t);
    inner.rsplit('.').next().unwrap_or(inner).trim().to_string()
}

impl Lower<'_> {
    /// A support function's name: qualified as written, else the schema's when the file has a
    /// function of that name there, else `pg_catalog`'s.
    fn support_function(&self, v: &str) -> QualifiedName {
        let qn = self.qname_text(v);
        let qualified = super::super::split_dotted(v).len() > 1;
        if qualified
            || self
                .schema
                .namespaces
                .get(&qn.namespace)
                .is_some_and(|n| n.functions.values().any(|f| f.name == qn.name))
        {
            qn
        } else {
            QualifiedName::new("pg_catalog", qn.name)
        }
    }

    pub(super) fn pg_create_aggregate(&mut self, piece: &Piece) {
        let d = sqlparser::dialect::PostgreSqlDialect {};
        let parsed = Parser::new(&d)
            .try_with_sql(&piece.text)
            .and_then(|mut p| parse_aggregate(&mut p, &piece.text))
            .and_then(|def| option_items(&def.options).map(|items| (def, items)));
        let (def, items) = match parsed {
            Ok(x) => x,
            Err(e) => return self.warn_parse(piece, "aggregate", &e),
        };
        let qn = self.qname(&def.name);
        let mut agg = Aggregate {
            direct_args: def.direct,
            ..Aggregate::default()
        };
        let mut attributes = FunctionAttributes::default();
        let mut sfunc = None;
        let mut stype = None;
        let mut depends_on: Vec<QualifiedName> = Vec::new();
        let mut unknown = Vec::new();
        for item in &items {
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_uppercase(), v.trim().to_string()),
                None => (item.trim().to_ascii_uppercase(), String::new()),
            };
            let func = || Some(self.support_function(&value));
            let ty = |deps: &mut Vec<QualifiedName>| {
                let (t, dep) = self.routine_type(&value);
                if let Some(d) = dep
                    && !deps.contains(&d)
                {
                    deps.push(d);
                }
                Some(t)
            };
            let modify = |default: &str| {
                let m = value.to_ascii_lowercase();
                (m != default).then_some(m)
            };
            match key.as_str() {
                "SFUNC" => sfunc = func(),
                "STYPE" => stype = ty(&mut depends_on),
                "SSPACE" => agg.sspace = Some(value.clone()).filter(|v| v != "0"),
                "FINALFUNC" => agg.finalfunc = func(),
                "FINALFUNC_EXTRA" => agg.finalfunc_extra = true,
                "FINALFUNC_MODIFY" => {
                    agg.finalfunc_modify = modify(if def.direct.is_some() {
                        "read_write"
                    } else {
                        "read_only"
                    })
                }
                "COMBINEFUNC" => agg.combinefunc = func(),
                "SERIALFUNC" => agg.serialfunc = func(),
                "DESERIALFUNC" => agg.deserialfunc = func(),
                "INITCOND" => agg.initcond = Some(literal(&value)),
                "MSFUNC" => agg.msfunc = func(),
                "MINVFUNC" => agg.minvfunc = func(),
                "MSTYPE" => agg.mstype = ty(&mut depends_on),
                "MSSPACE" => agg.msspace = Some(value.clone()).filter(|v| v != "0"),
                "MFINALFUNC" => agg.mfinalfunc = func(),
                "MFINALFUNC_EXTRA" => agg.mfinalfunc_extra = true,
                "MFINALFUNC_MODIFY" => agg.mfinalfunc_modify = modify("read_only"),
                "MINITCOND" => agg.minitcond = Some(literal(&value)),
                "SORTOP" => agg.sortop = Some(operator(&value)),
                "PARALLEL" => {
                    let v = literal(&value).to_ascii_lowercase();
                    attributes.parallel = (v != "unsafe").then_some(v);
                }
                "HYPOTHETICAL" => agg.hypothetical = true,
                _ => unknown.push(key),
            }
        }
        let (Some(sfunc), Some(stype)) = (sfunc, stype) else {
            self.warn(
                piece,
                format!("aggregate {qn} skipped: SFUNC and STYPE are required"),
            );
            return;
        };
        if !unknown.is_empty() {
            self.warn(
                piece,
                format!(
                    "aggregate {qn}: unknown options {} not read",
                    unknown.join(", ")
                ),
            );
        }
        agg.sfunc = sfunc;
        agg.stype = stype;
        let mut args = Vec::new();
        for a in &def.args {
            let (ty, dep) = self.routine_type(&a.ty);
            if let Some(d) = dep
                && !depends_on.contains(&d)
            {
                depends_on.push(d);
            }
            args.push(FunctionArg {
                mode: a.mode,
                name: a.name.as_ref().map(|n| self.ident(n)),
                ty,
                default: None,
            });
        }
        let function = Function {
            name: qn.name.clone(),
            kind: RoutineKind::Aggregate,
            args,
            returns: None,
            language: "internal".into(),
            body: migrex_model::Expr::with_key("", ""),
            attributes,
            comment: None,
            depends_on,
            aggregate: Some(Box::new(agg)),
        };
        let id = function.identity();
        self.provenance
            .locations
            .insert(format!("aggregate {}.{id}", qn.namespace), self.loc(piece));
        let ns = self.schema.namespace_mut(&qn.namespace);
        let comment = ns.functions.get(&id).and_then(|f| f.comment.clone());
        ns.functions.insert(
            id,
            Function {
                comment,
                ..function
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use migrex_model::{Dialect, QualifiedName, Schema};

    fn read(sql: &str) -> (Schema, Vec<String>) {
        let l = crate::parse(sql, Dialect::Postgres, "t.sql").unwrap_or_else(|e| panic!("{e}"));
        (
            l.schema,
            l.warnings.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn aggregates_read_with_their_options() {
        let (s, w) = read(
            "CREATE FUNCTION _group_concat(text, text) RETURNS text LANGUAGE sql IMMUTABLE
               AS $$ SELECT $1 || $2 $$;
             CREATE AGGREGATE group_concat(text) (SFUNC = _group_concat, STYPE = text);
             CREATE AGGREGATE public.sum2(integer) (
                 sfunc = int4pl, stype = int4, initcond = '0', combinefunc = int4pl,
                 parallel = safe, finalfunc_modify = read_only, msfunc = int4pl,
                 minvfunc = int4mi, mstype = integer, sortop = OPERATOR(pg_catalog.>));
             CREATE AGGREGATE pct(float8 ORDER BY anyelement) (
                 SFUNC = ordered_set_transition, STYPE = internal,
                 FINALFUNC = percentile_disc_final, FINALFUNC_EXTRA);
             CREATE AGGREGATE cnt(*) (SFUNC = int8inc, STYPE = int8, INITCOND = 0);
             COMMENT ON AGGREGATE group_concat(text) IS 'concat';
             CREATE AGGREGATE old (BASETYPE = int, SFUNC = int4pl, STYPE = int4);",
        );
        let ns = &s.namespaces["public"];
        let keys: Vec<&String> = ns.functions.keys().collect();
        assert_eq!(keys.len(), 5, "{keys:?} {w:?}");
        let g = &ns.functions["group_concat(text)"];
        let a = g.aggregate.as_ref().expect("aggregate");
        assert_eq!(a.sfunc, QualifiedName::new("public", "_group_concat"));
        assert_eq!(a.stype, "text");
        assert_eq!(g.comment.as_deref(), Some("concat"));
        let s2 = &ns.functions["sum2(integer)"];
        let a2 = s2.aggregate.as_ref().expect("aggregate");
        assert_eq!(a2.sfunc, QualifiedName::new("pg_catalog", "int4pl"));
        assert_eq!(a2.stype, "integer");
        assert_eq!(a2.initcond.as_deref(), Some("0"));
        assert_eq!(a2.finalfunc_modify, None);
        assert_eq!(a2.sortop.as_deref(), Some(">"));
        assert_eq!(s2.attributes.parallel.as_deref(), Some("safe"));
        let p = ns.functions["pct(double precision, anyelement)"]
            .aggregate
            .as_ref()
            .expect("aggregate");
        assert_eq!(p.direct_args, Some(1));
        assert!(p.finalfunc_extra);
        assert!(ns.functions.contains_key("cnt()"));
        assert!(
            w.iter().any(|w| w.contains("old CREATE AGGREGATE syntax")),
            "{w:?}"
        );
    }
}
