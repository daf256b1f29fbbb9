//! PostgreSQL domains and composite types.
//!
//! sqlparser 0.63 reads `CREATE DOMAIN` without its `NOT NULL` / `NULL` clauses and has no
//! `ALTER DOMAIN` or `ALTER TYPE ... ATTRIBUTE`: those clauses are read here with sqlparser's own
//! `Parser` primitives (names, data types and expressions still come from sqlparser), and the
//! nullability words are taken out of `CREATE DOMAIN` token by token before it is parsed.

use super::super::Lower;
use crate::SqlError;
use crate::split::Piece;
use migrex_dialect as dia;
use migrex_model::{Check, CompositeAttribute, CompositeType, Dialect, Domain, QualifiedName};
use sqlparser::ast;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer};

impl Lower<'_> {
    /// `CREATE DOMAIN`, `ALTER DOMAIN` and `ALTER TYPE ... ATTRIBUTE`; `None` for other statements.
    pub(in crate::lower) fn pg_type_piece(
        &mut self,
        piece: &Piece,
    ) -> Option<Result<(), SqlError>> {
        let w = super::super::leading_words(&piece.text, 2);
        match w.as_str() {
            "CREATE DOMAIN" => Some(self.pg_create_domain_text(piece)),
            "ALTER DOMAIN" => {
                self.pg_alter_domain(piece);
                Some(Ok(()))
            }
            "ALTER TYPE" if has_attribute_clause(&piece.text) => {
                self.pg_alter_composite(piece);
                Some(Ok(()))
            }
            _ => None,
        }
    }

    fn pg_create_domain_text(&mut self, piece: &Piece) -> Result<(), SqlError> {
        let (text, not_null) = strip_nullability(&piece.text);
        let st = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(&text)
            .and_then(|mut p| p.parse_statement());
        match st {
            Ok(ast::Statement::CreateDomain(d)) => {
                self.pg_create_domain(piece, &d, not_null);
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(e) => Err(self.error_at(piece, &e.to_string())),
        }
    }

    pub(in crate::lower) fn pg_create_domain(
        &mut self,
        piece: &Piece,
        d: &ast::CreateDomain,
        not_null: bool,
    ) {
        let qn = self.qname(&d.name);
        let mut checks = Vec::new();
        for c in &d.constraints {
            match c {
                ast::TableConstraint::Check(ch) => checks.push(Check {
                    name: ch.name.as_ref().map(|n| self.ident(n)),
                    expr: self.expr(&ch.expr),
                    no_inherit: false,
                }),
                other => self.warn(
                    piece,
                    format!("constraint `{other}` of domain {qn} is not modeled"),
                ),
            }
        }
        let domain = Domain {
            name: qn.name.clone(),
            base: dia::parse_type(Dialect::Postgres, &d.data_type.to_string()),
            default: d.default.as_ref().map(|e| self.expr(e)),
            not_null,
            collation: d.collation.as_ref().map(|c| c.value.clone()),
            checks,
            comment: None,
        };
        self.provenance
            .locations
            .insert(format!("domain {qn}"), self.loc(piece));
        self.schema
            .namespace_mut(&qn.namespace)
            .domains
            .insert(qn.name.clone(), domain);
    }

    pub(in crate::lower) fn pg_create_composite(
        &mut self,
        piece: &Piece,
        qn: &QualifiedName,
        attributes: &[ast::UserDefinedTypeCompositeAttributeDef],
    ) {
        let attributes = attributes
            .iter()
            .map(|a| CompositeAttribute {
                name: self.ident(&a.name),
                ty: dia::parse_type(Dialect::Postgres, &a.data_type.to_string()),
                collation: a.collation.as_ref().map(super::super::unquote_name),
            })
            .collect();
        self.provenance
            .locations
            .insert(format!("type {qn}"), self.loc(piece));
        self.schema.namespace_mut(&qn.namespace).composites.insert(
            qn.name.clone(),
            CompositeType {
                name: qn.name.clone(),
                attributes,
                comment: None,
            },
        );
    }

    /// `ALTER DOMAIN d SET DEFAULT e | DROP DEFAULT | SET NOT NULL | DROP NOT NULL |
    /// ADD [CONSTRAINT n] CHECK (e) | DROP CONSTRAINT [IF EXISTS] n | RENAME CONSTRAINT a TO b |
    /// RENAME TO n | OWNER TO r | VALIDATE CONSTRAINT n`.
    fn pg_alter_domain(&mut self, piece: &Piece) {
        let d = PostgreSqlDialect {};
        let result = Parser::new(&d).try_with_sql(&piece.text).and_then(|mut p| {
            p.expect_keywords(&[Keyword::ALTER, Keyword::DOMAIN])?;
            let name = p.parse_object_name(false)?;
            let qn = self.qname(&name);
            let op = if p.parse_keywords(&[Keyword::SET, Keyword::DEFAULT]) {
                DomainOp::Default(Some(p.parse_expr()?))
            } else if p.parse_keywords(&[Keyword::DROP, Keyword::DEFAULT]) {
                DomainOp::Default(None)
            } else if p.parse_keywords(&[Keyword::SET, Keyword::NOT, Keyword::NULL]) {
                DomainOp::NotNull(true)
            } else if p.parse_keywords(&[Keyword::DROP, Keyword::NOT, Keyword::NULL]) {
                DomainOp::NotNull(false)
            } else if p.parse_keyword(Keyword::ADD) {
                match p.parse_optional_table_constraint()? {
                    Some(ast::TableConstraint::Check(ch)) => DomainOp::AddCheck(ch),
                    _ => DomainOp::Other,
                }
            } else if p.parse_keywords(&[Keyword::DROP, Keyword::CONSTRAINT]) {
                let _ = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
                DomainOp::DropConstraint(p.parse_identifier()?)
            } else if p.parse_keywords(&[Keyword::RENAME, Keyword::CONSTRAINT]) {
                let from = p.parse_identifier()?;
                p.expect_keyword(Keyword::TO)?;
                DomainOp::RenameConstraint(from, p.parse_identifier()?)
            } else if p.parse_keywords(&[Keyword::RENAME, Keyword::TO]) {
                DomainOp::Rename(p.parse_identifier()?)
            } else if p.parse_keywords(&[Keyword::OWNER, Keyword::TO]) {
                DomainOp::Owner
            } else {
                DomainOp::Other
            };
            Ok((qn, op))
        });
        let (qn, op) = match result {
            Ok(x) => x,
            Err(e) => return self.pg_types_warn_parse(piece, "ALTER DOMAIN", &e),
        };
        if matches!(op, DomainOp::Owner) {
            self.ignore("OWNER", "ownership is not modeled");
            return;
        }
        let check = match &op {
            DomainOp::AddCheck(ch) => Some(Check {
                name: ch.name.as_ref().map(|n| self.ident(n)),
                expr: self.expr(&ch.expr),
                no_inherit: false,
            }),
            _ => None,
        };
        let fold = |s: &Self, i: &ast::Ident| s.ident(i);
        let names = match &op {
            DomainOp::DropConstraint(n) => Some((fold(self, n), String::new())),
            DomainOp::RenameConstraint(a, b) => Some((fold(self, a), fold(self, b))),
            DomainOp::Rename(n) => Some((fold(self, n), String::new())),
            _ => None,
        };
        let default = match &op {
            DomainOp::Default(e) => Some(e.as_ref().map(|e| self.expr(e))),
            _ => None,
        };
        let Some(ns) = self.schema.namespaces.get_mut(&qn.namespace) else {
            return self.warn(
                piece,
                format!("ALTER DOMAIN on unknown domain {qn} skipped"),
            );
        };
        let Some(dom) = ns.domains.get_mut(&qn.name) else {
            return self.warn(
                piece,
                format!("ALTER DOMAIN on unknown domain {qn} skipped"),
            );
        };
        match op {
            DomainOp::Default(_) => dom.default = default.flatten(),
            DomainOp::NotNull(v) => dom.not_null = v,
            DomainOp::AddCheck(_) => dom.checks.extend(check),
            DomainOp::DropConstraint(_) => {
                let (n, _) = names.unwrap_or_default();
                dom.checks.retain(|c| c.name.as_deref() != Some(&n));
            }
            DomainOp::RenameConstraint(..) => {
                let (a, b) = names.unwrap_or_default();
                for c in &mut dom.checks {
                    if c.name.as_deref() == Some(&a) {
                        c.name = Some(b.clone());
                    }
                }
            }
            DomainOp::Rename(_) => {
                let (n, _) = names.unwrap_or_default();
                if let Some(mut d) = ns.domains.shift_remove(&qn.name) {
                    d.name = n.clone();
                    ns.domains.insert(n, d);
                }
            }
            DomainOp::Owner => {}
            DomainOp::Other => self.warn(piece, format!("ALTER DOMAIN {qn}: clause not modeled")),
        }
    }

    /// `ALTER TYPE t ADD ATTRIBUTE a type | DROP ATTRIBUTE [IF EXISTS] a | ALTER ATTRIBUTE a
    /// [SET DATA] TYPE type`, comma separated.
    fn pg_alter_composite(&mut self, piece: &Piece) {
        let d = PostgreSqlDialect {};
        let result = Parser::new(&d).try_with_sql(&piece.text).and_then(|mut p| {
            p.expect_keywords(&[Keyword::ALTER, Keyword::TYPE])?;
            let name = p.parse_object_name(false)?;
            let mut ops = Vec::new();
            loop {
                if p.parse_keyword(Keyword::ADD) {
                    expect_attribute(&mut p)?;
                    let n = p.parse_identifier()?;
                    let ty = p.parse_data_type()?;
                    let coll = if p.parse_keyword(Keyword::COLLATE) {
                        Some(p.parse_object_name(false)?)
                    } else {
                        None
                    };
                    ops.push(AttrOp::Add(n, ty, coll));
                } else if p.parse_keyword(Keyword::DROP) {
                    expect_attribute(&mut p)?;
                    let _ = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
                    ops.push(AttrOp::Drop(p.parse_identifier()?));
                } else if p.parse_keyword(Keyword::ALTER) {
                    expect_attribute(&mut p)?;
                    let n = p.parse_identifier()?;
                    let _ = p.parse_keywords(&[Keyword::SET, Keyword::DATA]);
                    p.expect_keyword(Keyword::TYPE)?;
                    let ty = p.parse_data_type()?;
                    let coll = if p.parse_keyword(Keyword::COLLATE) {
                        Some(p.parse_object_name(false)?)
                    } else {
                        None
                    };
                    ops.push(AttrOp::Alter(n, ty, coll));
                } else {
                    return Err(ParserError::ParserError(
                        "expected ADD, DROP or ALTER ATTRIBUTE".into(),
                    ));
                }
                let _ = p.parse_keywords(&[Keyword::CASCADE]) || p.parse_keyword(Keyword::RESTRICT);
                if !p.consume_token(&Token::Comma) {
                    break;
                }
            }
            Ok((self.qname(&name), ops))
        });
        let (qn, ops) = match result {
            Ok(x) => x,
            Err(e) => return self.pg_types_warn_parse(piece, "ALTER TYPE", &e),
        };
        let ops: Vec<AttrEdit> = ops
            .into_iter()
            .map(|op| match op {
                AttrOp::Add(n, t, c) => (
                    self.ident(&n),
                    Some((
                        dia::parse_type(Dialect::Postgres, &t.to_string()),
                        c.as_ref().map(super::super::unquote_name),
                    )),
                    true,
                ),
                AttrOp::Alter(n, t, c) => (
                    self.ident(&n),
                    Some((
                        dia::parse_type(Dialect::Postgres, &t.to_string()),
                        c.as_ref().map(super::super::unquote_name),
                    )),
                    false,
                ),
                AttrOp::Drop(n) => (self.ident(&n), None, false),
            })
            .collect();
        let Some(ty) = self
            .schema
            .namespaces
            .get_mut(&qn.namespace)
            .and_then(|n| n.composites.get_mut(&qn.name))
        else {
            return self.warn(
                piece,
                format!("ALTER TYPE on unknown composite type {qn} skipped"),
            );
        };
        for (name, def, add) in ops {
            match def {
                None => ty.attributes.retain(|a| a.name != name),
                Some((t, collation)) if add => ty.attributes.push(CompositeAttribute {
                    name,
                    ty: t,
                    collation,
                }),
                Some((t, collation)) => {
                    if let Some(a) = ty.attributes.iter_mut().find(|a| a.name == name) {
                        a.ty = t;
                        a.collation = collation;
                    }
                }
            }
        }
    }
}

enum DomainOp {
    Default(Option<ast::Expr>),
    NotNull(bool),
    AddCheck(ast::CheckConstraint),
    DropConstraint(ast::Ident),
    RenameConstraint(ast::Ident, ast::Ident),
    Rename(ast::Ident),
    Owner,
    Other,
}

/// An attribute's name, its new type and collation (`None` when dropped), and whether it is new.
type AttrEdit = (
    String,
    Option<(migrex_model::ColumnType, Option<String>)>,
    bool,
);

enum AttrOp {
    Add(ast::Ident, ast::DataType, Option<ast::ObjectName>),
    Drop(ast::Ident),
    Alter(ast::Ident, ast::DataType, Option<ast::ObjectName>),
}

/// sqlparser has no ATTRIBUTE keyword.
fn expect_attribute(p: &mut Parser) -> Result<(), ParserError> {
    let t = p.next_token();
    match &t.token {
        Token::Word(w) if w.value.eq_ignore_ascii_case("ATTRIBUTE") => Ok(()),
        _ => Err(ParserError::ParserError(format!(
            "expected ATTRIBUTE, found {t}"
        ))),
    }
}

fn has_attribute_clause(text: &str) -> bool {
    let d = PostgreSqlDialect {};
    Tokenizer::new(&d, text).tokenize().is_ok_and(|tokens| {
        tokens
            .iter()
            .any(|t| matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("ATTRIBUTE")))
    })
}

/// `CREATE DOMAIN` without its top-level `[CONSTRAINT name] NOT NULL` and `NULL` clauses, and
/// whether NOT NULL was among them.
fn strip_nullability(text: &str) -> (String, bool) {
    let d = PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&d, text).tokenize() else {
        return (text.to_string(), false);
    };
    let is = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k);
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut not_null = false;
    let mut depth = 0i32;
    let mut i = 0;
    // Index (in `out`) of a pending `CONSTRAINT name` that may name a NOT NULL.
    let mut pending: Option<usize> = None;
    while i < tokens.len() {
        let t = &tokens[i];
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if depth == 0 && is(t, Keyword::CONSTRAINT) {
            pending = Some(out.len());
        }
        let next_word = |from: usize| {
            tokens[from..]
                .iter()
                .position(|t| !matches!(t, Token::Whitespace(_)))
                .map(|p| from + p)
        };
        if depth == 0
            && is(t, Keyword::NOT)
            && let Some(j) = next_word(i + 1)
            && is(&tokens[j], Keyword::NULL)
        {
            not_null = true;
            if let Some(p) = pending.take() {
                out.truncate(p);
            }
            i = j + 1;
            continue;
        }
        if depth == 0 && is(t, Keyword::NULL) {
            if let Some(p) = pending.take() {
                out.truncate(p);
            }
            i += 1;
            continue;
        }
        if depth == 0 && (is(t, Keyword::CHECK) || is(t, Keyword::DEFAULT)) {
            pending = None;
        }
        out.push(t.clone());
        i += 1;
    }
    (
        with_as(&out).iter().map(ToString::to_string).collect(),
        not_null,
    )
}

/// `CREATE DOMAIN name type`: PostgreSQL's `AS` is optional, sqlparser's is not.
fn with_as(tokens: &[Token]) -> Vec<Token> {
    let words: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !matches!(t, Token::Whitespace(_)))
        .map(|(i, _)| i)
        .collect();
    // CREATE DOMAIN a[.b] <here>
    let mut k = 2;
    while k + 1 < words.len() && matches!(tokens[words[k + 1]], Token::Period) {
        k += 2;
    }
    let Some(&next) = words.get(k + 1) else {
        return tokens.to_vec();
    };
    if matches!(&tokens[next], Token::Word(w) if w.keyword == Keyword::AS) {
        return tokens.to_vec();
    }
    let mut out = tokens.to_vec();
    out.insert(next, Token::make_keyword("AS "));
    out
}

#[cfg(test)]
mod tests {
    use super::strip_nullability;

    #[test]
    fn domain_nullability() {
        let (t, nn) = strip_nullability(
            "CREATE DOMAIN d AS int CONSTRAINT d_nn NOT NULL DEFAULT 1 CHECK (VALUE IS NOT NULL)",
        );
        assert!(nn);
        assert_eq!(
            t,
            "CREATE DOMAIN d AS int  DEFAULT 1 CHECK (VALUE IS NOT NULL)"
        );
        let (t, nn) = strip_nullability("CREATE DOMAIN d AS text NULL");
        assert!(!nn);
        assert_eq!(t, "CREATE DOMAIN d AS text ");
        let (t, _) = strip_nullability("CREATE DOMAIN \"Name\" varchar(50) NULL;");
        assert_eq!(t, "CREATE DOMAIN \"Name\" AS varchar(50) ;");
    }
}
