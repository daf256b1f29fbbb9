//! Comparison keys for expressions.
//!
//! A key is the expression parsed by sqlparser, rewritten to drop what databases add or users
//! vary (redundant parentheses, implicit casts, keyword and identifier case, quoting, PostgreSQL's
//! `= ANY (ARRAY[...])` for `IN (...)`), then printed. Two spellings of the same expression get the
//! same key. It is used only for equality, never rendered, so dropping a cast cannot produce SQL
//! that changes meaning. When the parser fails, the key is the text with whitespace collapsed.

use migrex_model::Dialect;
use sqlparser::ast::{self, BinaryOperator, Expr as E, visit_expressions_mut};
use sqlparser::parser::Parser;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::ControlFlow;

/// Keys already made on this thread, per dialect: a schema repeats its expressions (`now()`,
/// `0`, the same check on every table), and parsing one costs more than the rest of reading it.
type KeyCache = [HashMap<String, String>; 3];

thread_local! {
    static EXPR_KEYS: RefCell<KeyCache> = RefCell::default();
}

/// Bounds the cache: past this many keys per dialect it starts over.
const EXPR_KEYS_MAX: usize = 200_000;

/// The normalized comparison key of one expression.
pub fn expr_key(dialect: Dialect, sql: &str) -> String {
    let slot = dialect as usize;
    if let Some(key) = EXPR_KEYS.with_borrow(|c| c[slot].get(sql).cloned()) {
        return key;
    }
    let key = make_expr_key(dialect, sql);
    EXPR_KEYS.with_borrow_mut(|c| {
        let keys = &mut c[slot];
        if keys.len() >= EXPR_KEYS_MAX {
            keys.clear();
        }
        keys.insert(sql.to_string(), key.clone());
    });
    key
}

fn make_expr_key(dialect: Dialect, sql: &str) -> String {
    let d = crate::parser_dialect(dialect);
    let parsed = Parser::new(d.as_ref()).try_with_sql(sql).and_then(|mut p| {
        let e = p.parse_expr()?;
        // Trailing tokens mean we did not understand the whole expression.
        if p.peek_token().token != sqlparser::tokenizer::Token::EOF {
            return Err(sqlparser::parser::ParserError::ParserError(
                "trailing tokens".into(),
            ));
        }
        Ok(e)
    });
    match parsed {
        Ok(mut e) => {
            normalize_ast(dialect, &mut e);
            e.to_string()
        }
        Err(_) => collapse_ws(sql).to_lowercase(),
    }
}

/// The normalized comparison key of a query (a view's definition): expressions normalized as in
/// `expr_key`, relation names folded and PostgreSQL's `public.` dropped.
pub fn query_key(dialect: Dialect, sql: &str) -> String {
    let d = crate::parser_dialect(dialect);
    let parsed = Parser::new(d.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_query());
    match parsed {
        Ok(mut q) => {
            let _ = visit_expressions_mut(&mut *q, |x| {
                normalize_ast(dialect, x);
                ControlFlow::<()>::Continue(())
            });
            let _ = ast::visit_relations_mut(&mut *q, |name| {
                for part in name.0.iter_mut() {
                    if let ast::ObjectNamePart::Identifier(id) = part {
                        fold_ident(dialect, id);
                    }
                }
                if dialect == Dialect::Postgres
                    && name.0.len() == 2
                    && name.0[0].to_string() == "public"
                {
                    name.0.remove(0);
                }
                ControlFlow::<()>::Continue(())
            });
            normalize_set_expr(dialect, &mut q.body, true);
            q.to_string()
        }
        Err(_) => collapse_ws(sql).to_lowercase(),
    }
}

/// The normalized comparison key of a list of statements (a PostgreSQL rule's actions):
/// expressions and relation names normalized as in `query_key` (PostgreSQL's `public.`
/// dropped), statements joined by `; `. Unparsable text keys on its collapsed, lowercased text.
pub fn statements_key(dialect: Dialect, sql: &str) -> String {
    let d = crate::parser_dialect(dialect);
    let parsed = Parser::new(d.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements());
    match parsed {
        Ok(mut statements) => {
            let mut out = Vec::new();
            for st in &mut statements {
                let _ = visit_expressions_mut(st, |x| {
                    normalize_ast(dialect, x);
                    ControlFlow::<()>::Continue(())
                });
                let _ = ast::visit_relations_mut(st, |name| {
                    for part in name.0.iter_mut() {
                        if let ast::ObjectNamePart::Identifier(id) = part {
                            fold_ident(dialect, id);
                        }
                    }
                    if dialect == Dialect::Postgres
                        && name.0.len() == 2
                        && name.0[0].to_string() == "public"
                    {
                        name.0.remove(0);
                    }
                    ControlFlow::<()>::Continue(())
                });
                out.push(st.to_string());
            }
            out.join("; ")
        }
        Err(_) => collapse_ws(sql).to_lowercase(),
    }
}

/// What databases rewrite in a query's shape when they store a view: parentheses around the
/// branches of a UNION dropped, the column names of later branches (which the first branch
/// decides) dropped, and PostgreSQL naming an unnamed call after its function (`count(*) AS count`).
fn normalize_set_expr(dialect: Dialect, body: &mut ast::SetExpr, first_branch: bool) {
    use ast::{SelectItem, SetExpr};
    // `(SELECT ...)` as a plain branch is the SELECT itself.
    if let SetExpr::Query(q) = body
        && q.with.is_none()
        && q.order_by.is_none()
        && q.limit_clause.is_none()
        && q.fetch.is_none()
    {
        let inner = std::mem::replace(
            &mut *q.body,
            SetExpr::Values(ast::Values {
                explicit_row: false,
                value_keyword: false,
                rows: Vec::new(),
            }),
        );
        *body = inner;
    }
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            normalize_set_expr(dialect, left, first_branch);
            normalize_set_expr(dialect, right, false);
        }
        SetExpr::Select(select) => {
            for item in &mut select.projection {
                match item {
                    SelectItem::ExprWithAlias { expr, .. } if !first_branch => {
                        *item = SelectItem::UnnamedExpr(expr.clone());
                    }
                    SelectItem::UnnamedExpr(ast::Expr::Function(f))
                        if first_branch && dialect == Dialect::Postgres =>
                    {
                        if let Some(ast::ObjectNamePart::Identifier(id)) = f.name.0.last() {
                            let alias = ast::Ident::new(id.value.to_lowercase());
                            *item = SelectItem::ExprWithAlias {
                                expr: ast::Expr::Function(f.clone()),
                                alias,
                            };
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Rewrites an expression tree into its canonical form (see the module doc).
pub(crate) fn normalize_ast(dialect: Dialect, e: &mut E) {
    // Several passes until stable: removing a cast can expose a Nested, and so on.
    for _ in 0..8 {
        let before = e.clone();
        let _ = visit_expressions_mut(e, |x| {
            rewrite(dialect, x);
            ControlFlow::<()>::Continue(())
        });
        rewrite(dialect, e);
        if *e == before {
            break;
        }
    }
}

fn fold_ident(dialect: Dialect, id: &mut ast::Ident) {
    // PostgreSQL: a quoted name with capitals is another name than its lower-case form; keep its
    // quotes so the key says so (and stays the same on the next pass).
    let case_sensitive_quoted = dialect == Dialect::Postgres
        && id.quote_style.is_some()
        && id.value.chars().any(char::is_uppercase);
    if case_sensitive_quoted {
        id.quote_style = Some('"');
    } else {
        id.value = id.value.to_lowercase();
        id.quote_style = None;
    }
}

fn rewrite(dialect: Dialect, x: &mut E) {
    match x {
        E::Nested(inner) => *x = (**inner).clone(),
        E::Cast { expr, .. } => *x = (**expr).clone(),
        E::Identifier(id) => fold_ident(dialect, id),
        E::CompoundIdentifier(ids) => {
            for id in ids.iter_mut() {
                fold_ident(dialect, id);
            }
            // `t.col` and `col` are the same column inside one table's expression.
            if let Some(last) = ids.last().cloned()
                && ids.len() > 1
            {
                *x = E::Identifier(last);
            }
        }
        E::Function(f) => {
            for part in f.name.0.iter_mut() {
                if let ast::ObjectNamePart::Identifier(id) = part {
                    fold_ident(dialect, id);
                }
            }
            // `pg_catalog.now()` is `now()`; PostgreSQL's `public.f()` (pg_dump qualifies every
            // call) is `f()`, as relation names of `public` are.
            if f.name.0.len() == 2
                && (f.name.0[0].to_string() == "pg_catalog"
                    || (dialect == Dialect::Postgres && f.name.0[0].to_string() == "public"))
            {
                f.name.0.remove(0);
            }
        }
        // PostgreSQL stores `x IN ('a','b')` as `x = ANY (ARRAY['a','b'])`.
        E::AnyOp {
            left,
            compare_op: BinaryOperator::Eq,
            right,
            ..
        } => {
            if let Some(list) = array_elements(right) {
                *x = E::InList {
                    expr: left.clone(),
                    list,
                    negated: false,
                };
            }
        }
        E::AllOp {
            left,
            compare_op: BinaryOperator::NotEq,
            right,
        } => {
            if let Some(list) = array_elements(right) {
                *x = E::InList {
                    expr: left.clone(),
                    list,
                    negated: true,
                };
            }
        }
        _ => {}
    }
    match dialect {
        Dialect::Postgres => crate::postgres::normalize_expr(x),
        Dialect::Mysql => crate::mysql::normalize_expr(x),
        Dialect::Sqlite => crate::sqlite::normalize_expr(x),
    }
}

fn array_elements(e: &E) -> Option<Vec<E>> {
    match e {
        E::Array(a) => Some(a.elem.clone()),
        E::Nested(inner) | E::Cast { expr: inner, .. } => array_elements(inner),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn same(d: Dialect, a: &str, b: &str) {
        assert_eq!(expr_key(d, a), expr_key(d, b), "{a}  vs  {b}");
    }

    #[test]
    fn postgres_rewrites_compare_equal() {
        let pg = Dialect::Postgres;
        same(pg, "price > 0", "(price > (0)::numeric)");
        same(
            pg,
            "status IN ('a', 'b')",
            "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
        );
        same(pg, "NOW()", "now()");
        same(pg, "Amount >= 0", "(amount >= 0)");
    }

    #[test]
    fn different_expressions_differ() {
        let pg = Dialect::Postgres;
        assert_ne!(expr_key(pg, "a > 0"), expr_key(pg, "a > 1"));
        assert_ne!(expr_key(pg, "\"A\" > 0"), expr_key(pg, "a > 0"));
    }

    #[test]
    fn stored_view_shapes_compare_equal() {
        let pg = Dialect::Postgres;
        let same_q =
            |a: &str, b: &str| assert_eq!(query_key(pg, a), query_key(pg, b), "{a}  vs  {b}");
        same_q(
            "(SELECT id FROM users) UNION (SELECT age FROM users)",
            "SELECT users.id FROM users UNION SELECT users.age AS id FROM users",
        );
        same_q(
            "SELECT count(*) FROM users WHERE age > 18",
            "SELECT count(*) AS count FROM users WHERE (users.age > 18)",
        );
        assert_ne!(
            query_key(pg, "SELECT id AS a FROM t"),
            query_key(pg, "SELECT id AS b FROM t")
        );
    }

    #[test]
    fn unparseable_falls_back_to_text() {
        assert_eq!(expr_key(Dialect::Postgres, "a  ???  b"), "a ??? b");
    }
}
