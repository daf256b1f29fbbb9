//! One statement of a migration file → what it does: session and transaction control, or the
//! `Action`s it performs (an ALTER TABLE with several operations gives several), plus the
//! column types it declares (for the hygiene rules).
//!
//! sqlparser parses the statement; the forms it does not know but a migration often holds
//! (`DROP INDEX CONCURRENTLY`, `REINDEX`, `CLUSTER`, `VACUUM FULL`, `ALTER TYPE ... ADD VALUE`,
//! `ATTACH/DETACH PARTITION`, `REFRESH MATERIALIZED VIEW`) are read from the statement's words,
//! which sqlparser's tokenizer gives without quoting mistakes.

use migrex_model::{ColumnType, Dialect, QualifiedName};
use migrex_safety::{Action, DefaultKind, IndexMethod, MysqlAlgorithm, MysqlLockClause};
use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, ColumnOption, ObjectName, ObjectNamePart,
    Spanned, Statement, TableConstraint,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

/// What one statement is.
#[derive(Debug, Clone, PartialEq)]
pub enum Lowered {
    Begin,
    /// COMMIT, END, ROLLBACK.
    Commit,
    /// `SET [LOCAL|SESSION] name = value` of a timeout that bounds lock waits (`enabled` false
    /// when set to 0 / DEFAULT).
    Timeout {
        lock: bool,
        enabled: bool,
    },
    /// Another SET, SELECT, a comment-only statement: nothing to judge.
    Harmless,
    /// DROP DATABASE.
    DropDatabase,
    Actions(Statement2),
    /// sqlparser could not read it and no word rule knows it.
    NotAnalysed {
        reason: String,
    },
}

/// The actions of a statement and the facts the rules need beside them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Statement2 {
    pub actions: Vec<Action>,
    /// MySQL `ALGORITHM=` / `LOCK=` of an ALTER TABLE.
    pub algorithm: Option<MysqlAlgorithm>,
    pub lock: Option<MysqlLockClause>,
    /// Columns declared (CREATE TABLE, ADD COLUMN): table, column, type as written, whether it
    /// is (part of) the primary key or named like a key.
    pub declared: Vec<Declared>,
    /// CHECK constraints added with their name and the column they prove NOT NULL, if any.
    pub not_null_checks: Vec<(Option<String>, String)>,
    /// `TRUNCATE ... CASCADE`.
    pub cascade: bool,
    /// Where in the statement the clause of each action starts (1-based line and column of the
    /// statement text), by the action's index; `None` when sqlparser gives no span (findings
    /// then point at the statement). Lets a finding on the third clause of a multi-operation
    /// ALTER TABLE point at that clause.
    pub positions: Vec<Option<(u64, u64)>>,
    /// A `USING col::varchar(n)`-style cast that silently truncates (PostgreSQL, E.1).
    pub truncating_using: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub table: QualifiedName,
    pub column: String,
    pub ty: ColumnType,
    pub spelled: String,
    pub key: bool,
}

/// The uppercase words of a statement (quoted identifiers and strings excluded) and its
/// tokens, for the word rules.
fn words(text: &str, dialect: Dialect) -> Vec<String> {
    let d = migrex_dialect::parser_dialect(dialect);
    let Ok(tokens) = Tokenizer::new(d.as_ref(), text).tokenize() else {
        return text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
    };
    tokens
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            Token::Word(w) => Some(format!("\"{}\"", w.value)),
            Token::Number(n, _) => Some(n),
            Token::SingleQuotedString(s) => Some(format!("'{s}'")),
            Token::Eq => Some("=".into()),
            _ => None,
        })
        .collect()
}

/// A name as written in the words list (`"Foo"` keeps its case, `foo` folds).
fn word_name(w: &str) -> String {
    match w.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(q) => q.to_string(),
        None => w.to_ascii_lowercase(),
    }
}

fn qn_from_words(ws: &[String]) -> QualifiedName {
    // Words of a dotted name arrive separately (dots are not words): `a . b` → two words; the
    // caller passes the one or two words that make the name.
    match ws {
        [ns, name] => QualifiedName::new(word_name(ns), word_name(name)),
        [name] => QualifiedName::new("", word_name(name)),
        _ => QualifiedName::new("", "?"),
    }
}

/// Table names as the file writes them: unquoted parts fold to lowercase (PostgreSQL; MySQL
/// and SQLite compare them case-insensitively anyway).
pub fn qn(name: &ObjectName) -> QualifiedName {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) if i.quote_style.is_none() => {
                i.value.to_ascii_lowercase()
            }
            ObjectNamePart::Identifier(i) => i.value.clone(),
            other => other.to_string(),
        })
        .collect();
    match parts.as_slice() {
        [] => QualifiedName::new("", ""),
        [one] => QualifiedName::new("", one.clone()),
        [.., ns, last] => QualifiedName::new(ns.clone(), last.clone()),
    }
}

fn ident(i: &ast::Ident) -> String {
    if i.quote_style.is_none() {
        i.value.to_ascii_lowercase()
    } else {
        i.value.clone()
    }
}

/// Lowers one statement.
pub fn lower(text: &str, dialect: Dialect) -> Vec<Lowered> {
    let ws = words(text, dialect);
    if let Some(l) = by_words(&ws, dialect) {
        return vec![l];
    }
    let d = migrex_dialect::parser_dialect(dialect);
    match Parser::parse_sql(d.as_ref(), text) {
        Ok(stmts) => stmts.iter().map(|s| lower_ast(s, dialect, &ws)).collect(),
        Err(e) => vec![Lowered::NotAnalysed {
            reason: e.to_string(),
        }],
    }
}

fn w(ws: &[String], i: usize) -> &str {
    ws.get(i).map_or("", String::as_str)
}

fn has(ws: &[String], word: &str) -> bool {
    ws.iter().any(|x| x == word)
}

fn pos(ws: &[String], word: &str) -> Option<usize> {
    ws.iter().position(|x| x == word)
}

/// The name after position `i`: one word, or two when the text had `a.b` (the caller cannot see
/// dots in `ws`, so a name followed by a keyword is one word).
fn name_at(ws: &[String], i: usize, stop: &[&str]) -> QualifiedName {
    let a = w(ws, i);
    let b = w(ws, i + 1);
    let is_kw = |x: &str| x.is_empty() || stop.contains(&x);
    if !is_kw(b) && !b.starts_with('\'') {
        qn_from_words(&[a.to_string(), b.to_string()])
    } else {
        qn_from_words(&[a.to_string()])
    }
}

/// Statements read from their words: transaction control, timeouts, and the PostgreSQL forms
/// sqlparser does not read.
fn by_words(ws: &[String], dialect: Dialect) -> Option<Lowered> {
    let first = w(ws, 0);
    let second = w(ws, 1);
    match first {
        "BEGIN" | "START" if ws.len() <= 3 || second == "TRANSACTION" || second == "WORK" => {
            return Some(Lowered::Begin);
        }
        "COMMIT" | "END" | "ROLLBACK" | "ABORT" if !has(ws, "TO") => {
            return Some(Lowered::Commit);
        }
        // Savepoints stay inside the transaction.
        "SAVEPOINT" | "RELEASE" | "ROLLBACK" => return Some(Lowered::Harmless),
        "SET" => {
            let mut i = 1;
            while matches!(w(ws, i), "LOCAL" | "SESSION" | "GLOBAL" | "PERSIST") {
                i += 1;
            }
            let var = w(ws, i).trim_start_matches('@').to_ascii_uppercase();
            let var = var.trim_start_matches("SESSION.").to_string();
            let value = ws[i + 1..]
                .iter()
                .find(|x| *x != "=" && *x != "TO")
                .cloned()
                .unwrap_or_default();
            let v = value.trim_matches('\'').to_ascii_lowercase();
            let enabled = !(v == "0" || v == "default" || v.is_empty() || v == "0s" || v == "0ms");
            let lock = match var.as_str() {
                "LOCK_TIMEOUT" | "LOCK_WAIT_TIMEOUT" | "INNODB_LOCK_WAIT_TIMEOUT" => true,
                "STATEMENT_TIMEOUT" | "MAX_EXECUTION_TIME" | "MAX_STATEMENT_TIME" => false,
                _ => return Some(Lowered::Harmless),
            };
            return Some(Lowered::Timeout { lock, enabled });
        }
        "VACUUM" => {
            let full = has(ws, "FULL");
            let table = ws
                .iter()
                .skip(1)
                .position(|x| {
                    !matches!(
                        x.as_str(),
                        "FULL" | "FREEZE" | "VERBOSE" | "ANALYZE" | "ANALYSE" | "TRUE" | "FALSE"
                    )
                })
                .map(|i| name_at(ws, i + 1, &[]));
            let action = match (full, table) {
                (true, Some(t)) => Action::RebuildTable { table: t },
                (true, None) => Action::RebuildTable {
                    table: QualifiedName::new("", "(every table)"),
                },
                (false, t) => Action::Maintenance {
                    table: t,
                    what: "VACUUM".into(),
                },
            };
            return Some(actions(vec![action]));
        }
        "CLUSTER" if dialect == Dialect::Postgres => {
            let i = if second == "VERBOSE" { 2 } else { 1 };
            let table = if w(ws, i).is_empty() {
                QualifiedName::new("", "(every clustered table)")
            } else {
                name_at(ws, i, &["USING"])
            };
            return Some(actions(vec![Action::RebuildTable { table }]));
        }
        "REINDEX" if dialect == Dialect::Postgres => {
            let concurrently = has(ws, "CONCURRENTLY");
            let kind = w(ws, 1);
            let name_pos = ws
                .iter()
                .enumerate()
                .skip(2)
                .find(|(_, x)| *x != "CONCURRENTLY" && *x != "VERBOSE")
                .map(|(i, _)| i);
            let table = match (kind, name_pos) {
                ("TABLE", Some(i)) => Some(name_at(ws, i, &[])),
                _ => None,
            };
            return Some(actions(vec![Action::Reindex {
                table,
                concurrently,
            }]));
        }
        "REFRESH" if second == "MATERIALIZED" => {
            let concurrently = has(ws, "CONCURRENTLY");
            let i = if concurrently { 4 } else { 3 };
            return Some(actions(vec![Action::RefreshMaterializedView {
                name: name_at(ws, i, &["WITH"]),
                concurrently,
            }]));
        }
        "DROP" if second == "DATABASE" || (second == "SCHEMA" && dialect == Dialect::Mysql) => {
            return Some(Lowered::DropDatabase);
        }
        "DROP" if second == "INDEX" && dialect == Dialect::Postgres => {
            let concurrently = has(ws, "CONCURRENTLY");
            let mut i = 2;
            if concurrently {
                i += 1;
            }
            if w(ws, i) == "IF" {
                i += 2;
            }
            let name = name_at(ws, i, &["CASCADE", "RESTRICT"]);
            return Some(actions(vec![Action::DropIndex {
                name,
                table: None,
                concurrently,
            }]));
        }
        "ALTER" if second == "TYPE" && has(ws, "ADD") && has(ws, "VALUE") => {
            return Some(actions(vec![Action::AddEnumValue {
                name: name_at(ws, 2, &["ADD"]),
            }]));
        }
        "ALTER" if second == "TABLE" && (has(ws, "ATTACH") || has(ws, "DETACH")) => {
            let mut i = 2;
            if w(ws, i) == "IF" {
                i += 2;
            }
            if w(ws, i) == "ONLY" {
                i += 1;
            }
            let parent = name_at(ws, i, &["ATTACH", "DETACH"]);
            let k = pos(ws, "PARTITION")?;
            let partition = name_at(ws, k + 1, &["FOR", "CONCURRENTLY", "FINALIZE", "DEFAULT"]);
            let action = if has(ws, "ATTACH") {
                Action::AttachPartition {
                    parent,
                    partition,
                    proven_by_check: false,
                }
            } else {
                Action::DetachPartition {
                    parent,
                    partition,
                    concurrently: has(ws, "CONCURRENTLY"),
                }
            };
            return Some(actions(vec![action]));
        }
        "LOCK" if second == "TABLE" || dialect == Dialect::Postgres => {
            let i = if second == "TABLE" { 2 } else { 1 };
            let table = name_at(ws, i, &["IN", "NOWAIT"]);
            let mode = match pos(ws, "IN") {
                Some(k) => ws[k + 1..ws.len().saturating_sub(1)].join(" "),
                None => "ACCESS EXCLUSIVE".into(),
            };
            return Some(actions(vec![Action::LockTable { table, mode }]));
        }
        "SELECT" | "SHOW" | "EXPLAIN" | "PRAGMA" | "COMMENT" | "GRANT" | "REVOKE" | "USE" => {
            if first == "COMMENT" {
                return Some(actions(vec![Action::CatalogOnly {
                    what: "COMMENT".into(),
                }]));
            }
            return Some(Lowered::Harmless);
        }
        _ => {}
    }
    None
}

fn actions(a: Vec<Action>) -> Lowered {
    Lowered::Actions(Statement2 {
        actions: a,
        ..Statement2::default()
    })
}

fn lower_ast(stmt: &Statement, dialect: Dialect, ws: &[String]) -> Lowered {
    let mut out = Statement2::default();
    match stmt {
        Statement::StartTransaction { .. } => return Lowered::Begin,
        Statement::Commit { .. } | Statement::Rollback { .. } => return Lowered::Commit,
        Statement::Query(_) | Statement::Set(_) => return Lowered::Harmless,
        Statement::CreateTable(ct) => {
            let table = qn(&ct.name);
            if let Some(parent) = &ct.partition_of {
                out.actions.push(Action::CreatePartition {
                    parent: qn(parent),
                    partition: table.clone(),
                });
            } else {
                out.actions.push(Action::CreateTable {
                    table: table.clone(),
                });
            }
            let pk_cols: Vec<String> = ct
                .constraints
                .iter()
                .filter_map(|c| match c {
                    TableConstraint::PrimaryKey(pk) => Some(
                        pk.columns
                            .iter()
                            .map(|c| c.column.expr.to_string().to_ascii_lowercase())
                            .collect::<Vec<_>>(),
                    ),
                    _ => None,
                })
                .flatten()
                .collect();
            for col in &ct.columns {
                let name = ident(&col.name);
                let inline_pk = col
                    .options
                    .iter()
                    .any(|o| matches!(o.option, ColumnOption::PrimaryKey(_)));
                declare(
                    &mut out,
                    dialect,
                    &table,
                    &name,
                    &col.data_type,
                    inline_pk || pk_cols.contains(&name),
                );
            }
            for c in &ct.constraints {
                if let TableConstraint::ForeignKey(fk) = c {
                    // A new table's foreign key still locks the parent (SHARE ROW EXCLUSIVE).
                    out.actions.push(Action::CreateTrigger {
                        table: qn(&fk.foreign_table),
                    });
                }
            }
            for col in &ct.columns {
                for o in &col.options {
                    if let ColumnOption::ForeignKey(fk) = &o.option {
                        out.actions.push(Action::CreateTrigger {
                            table: qn(&fk.foreign_table),
                        });
                    }
                }
            }
        }
        Statement::CreateIndex(ci) => {
            let table = qn(&ci.table_name);
            let method = ci
                .using
                .as_ref()
                .map(|u| u.to_string().to_ascii_lowercase());
            let mut algorithm = MysqlAlgorithm::Default;
            let mut lock = MysqlLockClause::Default;
            for op in &ci.alter_options {
                clauses(op, &mut algorithm, &mut lock);
            }
            out.actions.push(Action::CreateIndex {
                table,
                name: ci.name.as_ref().map(|n| qn(n).name),
                unique: ci.unique,
                concurrently: ci.concurrently,
                method: match method.as_deref() {
                    None | Some("btree") => IndexMethod::Btree,
                    Some("hash") => IndexMethod::Hash,
                    Some("gin") => IndexMethod::Gin,
                    Some("gist") => IndexMethod::Gist,
                    Some("brin") => IndexMethod::Brin,
                    Some(o) => IndexMethod::Other(o.to_string()),
                },
                algorithm,
                lock,
                fulltext_or_spatial: has(ws, "FULLTEXT") || has(ws, "SPATIAL"),
            });
        }
        Statement::AlterTable(at) => {
            let table = qn(&at.name);
            let mut algorithm = MysqlAlgorithm::Default;
            let mut lock = MysqlLockClause::Default;
            for op in &at.operations {
                clauses(op, &mut algorithm, &mut lock);
                let first = out.actions.len();
                alter_op(&mut out, dialect, &table, op);
                let span = op.span();
                let at = (span.start.line > 0).then_some((span.start.line, span.start.column));
                out.positions.resize(first, None);
                out.positions.resize(out.actions.len(), at);
            }
            if dialect == Dialect::Mysql {
                out.algorithm = Some(algorithm);
                out.lock = Some(lock);
            }
        }
        Statement::RenameTable(r) => {
            for rt in r {
                out.actions.push(Action::RenameTable {
                    from: qn(&rt.old_name),
                    to: qn(&rt.new_name),
                });
            }
        }
        Statement::Drop {
            object_type,
            names,
            cascade,
            table,
            ..
        } => {
            use ast::ObjectType as O;
            for n in names {
                let name = qn(n);
                out.actions.push(match object_type {
                    O::Table => Action::DropTable { table: name },
                    O::View => Action::DropView {
                        name,
                        materialized: false,
                    },
                    O::MaterializedView => Action::DropView {
                        name,
                        materialized: true,
                    },
                    O::Index => Action::DropIndex {
                        name,
                        table: table.as_ref().map(qn),
                        concurrently: false,
                    },
                    other => Action::CatalogOnly {
                        what: format!("DROP {other}"),
                    },
                });
            }
            out.cascade = *cascade;
        }
        Statement::Truncate(t) => {
            for tn in &t.table_names {
                out.actions.push(Action::TruncateTable {
                    table: qn(&tn.name),
                });
            }
            out.cascade = matches!(t.cascade, Some(ast::CascadeOption::Cascade));
        }
        Statement::Update(u) => {
            if let ast::TableFactor::Table { name, .. } = &u.table.relation {
                out.actions.push(Action::UpdateRows {
                    table: qn(name),
                    bounded: u.selection.is_some() || u.limit.is_some(),
                });
            }
        }
        Statement::Delete(d) => {
            let tables: Vec<QualifiedName> = match &d.from {
                ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t
                    .iter()
                    .filter_map(|t| match &t.relation {
                        ast::TableFactor::Table { name, .. } => Some(qn(name)),
                        _ => None,
                    })
                    .collect(),
            };
            for t in tables {
                out.actions.push(Action::DeleteRows {
                    table: t,
                    bounded: d.selection.is_some() || d.limit.is_some(),
                });
            }
        }
        Statement::Insert(i) => {
            if let ast::TableObject::TableName(name) = &i.table {
                out.actions.push(Action::InsertRows { table: qn(name) });
            }
        }
        Statement::CreateView(v) => out.actions.push(if v.or_replace {
            Action::ReplaceView { name: qn(&v.name) }
        } else {
            Action::CreateView {
                name: qn(&v.name),
                materialized: v.materialized,
            }
        }),
        Statement::CreateTrigger(t) => out.actions.push(Action::CreateTrigger {
            table: qn(&t.table_name),
        }),
        Statement::DropTrigger(t) => match &t.table_name {
            Some(table) => out.actions.push(Action::DropTrigger { table: qn(table) }),
            None => out.actions.push(Action::CatalogOnly {
                what: "DROP TRIGGER".into(),
            }),
        },
        Statement::CreatePolicy(p) => out.actions.push(Action::RowSecurity {
            table: qn(&p.table_name),
        }),
        Statement::Analyze(_) => out.actions.push(Action::Maintenance {
            table: None,
            what: "ANALYZE".into(),
        }),
        Statement::OptimizeTable { name, .. } => out.actions.push(Action::Maintenance {
            table: Some(qn(name)),
            what: "OPTIMIZE".into(),
        }),
        Statement::CreateType { .. }
        | Statement::CreateDomain(_)
        | Statement::CreateExtension(_)
        | Statement::CreateFunction(_)
        | Statement::CreateSequence { .. }
        | Statement::CreateSchema { .. }
        | Statement::DropFunction(_)
        | Statement::DropExtension(_)
        | Statement::AlterType(_)
        | Statement::Comment { .. }
        | Statement::Grant(_)
        | Statement::Revoke(_)
        | Statement::CreateRole(_)
        | Statement::AlterIndex { .. }
        | Statement::Pragma { .. } => out.actions.push(Action::CatalogOnly {
            what: first_words(ws),
        }),
        other => {
            let what = first_words(ws);
            let _ = other;
            out.actions.push(Action::Other { what });
        }
    }
    Lowered::Actions(out)
}

fn first_words(ws: &[String]) -> String {
    ws.iter()
        .take(2)
        .filter(|x| !x.starts_with('"') && !x.starts_with('\''))
        .cloned()
        .collect::<Vec<_>>()
        .join(" ")
}

fn clauses(op: &AlterTableOperation, algorithm: &mut MysqlAlgorithm, lock: &mut MysqlLockClause) {
    match op {
        AlterTableOperation::Algorithm { algorithm: a, .. } => {
            *algorithm = match a {
                ast::AlterTableAlgorithm::Default => MysqlAlgorithm::Default,
                ast::AlterTableAlgorithm::Instant => MysqlAlgorithm::Instant,
                ast::AlterTableAlgorithm::Inplace => MysqlAlgorithm::Inplace,
                ast::AlterTableAlgorithm::Copy => MysqlAlgorithm::Copy,
            }
        }
        AlterTableOperation::Lock { lock: l, .. } => {
            *lock = match l {
                ast::AlterTableLock::Default => MysqlLockClause::Default,
                ast::AlterTableLock::None => MysqlLockClause::None,
                ast::AlterTableLock::Shared => MysqlLockClause::Shared,
                ast::AlterTableLock::Exclusive => MysqlLockClause::Exclusive,
            }
        }
        _ => {}
    }
}

fn declare(
    out: &mut Statement2,
    dialect: Dialect,
    table: &QualifiedName,
    column: &str,
    ty: &ast::DataType,
    key: bool,
) {
    let spelled = ty.to_string();
    out.declared.push(Declared {
        table: table.clone(),
        column: column.to_string(),
        ty: migrex_dialect::parse_type(dialect, &spelled),
        spelled,
        key,
    });
}

fn default_kind(expr: &ast::Expr, dialect: Dialect) -> DefaultKind {
    let e = migrex_dialect::expr(dialect, &expr.to_string());
    migrex_safety::default_kind(Some(&e), dialect)
}

/// `col IS NOT NULL` as a whole CHECK expression: the column it proves.
fn not_null_column(expr: &ast::Expr) -> Option<String> {
    match expr {
        ast::Expr::IsNotNull(inner) => match inner.as_ref() {
            ast::Expr::Identifier(i) => Some(ident(i)),
            ast::Expr::CompoundIdentifier(parts) => parts.last().map(ident),
            _ => None,
        },
        ast::Expr::Nested(e) => not_null_column(e),
        _ => None,
    }
}

fn column_def(
    out: &mut Statement2,
    dialect: Dialect,
    table: &QualifiedName,
    def: &ast::ColumnDef,
    positioned: bool,
) {
    let name = ident(&def.name);
    let spelled = def.data_type.to_string().to_ascii_lowercase();
    let mut not_null = false;
    let mut default = DefaultKind::None;
    let mut stored_generated = false;
    let mut identity = spelled.contains("serial");
    let mut inline_constraint = false;
    let mut key = false;
    for o in &def.options {
        match &o.option {
            ColumnOption::NotNull => not_null = true,
            ColumnOption::Default(e) => default = default_kind(e, dialect),
            ColumnOption::Generated {
                generated_as,
                generation_expr,
                generation_expr_mode,
                ..
            } => {
                if generation_expr.is_some() {
                    // MySQL's default mode is VIRTUAL; PostgreSQL 12–17 only has STORED.
                    stored_generated = matches!(
                        generation_expr_mode,
                        Some(ast::GeneratedExpressionMode::Stored)
                    ) || (dialect == Dialect::Postgres
                        && !matches!(
                            generation_expr_mode,
                            Some(ast::GeneratedExpressionMode::Virtual)
                        ));
                } else if matches!(
                    generated_as,
                    ast::GeneratedAs::Always | ast::GeneratedAs::ByDefault
                ) {
                    identity = true;
                }
            }
            ColumnOption::Identity(_) => identity = true,
            ColumnOption::DialectSpecific(toks) => {
                let t: String = toks.iter().map(ToString::to_string).collect();
                if t.to_ascii_uppercase().contains("AUTO_INCREMENT")
                    || t.to_ascii_uppercase().contains("AUTOINCREMENT")
                {
                    identity = true;
                }
            }
            ColumnOption::PrimaryKey(_) => {
                inline_constraint = true;
                key = true;
                not_null = true;
            }
            ColumnOption::Unique(_) | ColumnOption::Check(_) => inline_constraint = true,
            ColumnOption::ForeignKey(fk) => {
                inline_constraint = true;
                out.actions.push(Action::AddForeignKey {
                    table: table.clone(),
                    references: qn(&fk.foreign_table),
                    not_valid: false,
                });
            }
            _ => {}
        }
    }
    declare(out, dialect, table, &name, &def.data_type, key);
    out.actions.insert(
        0,
        Action::AddColumn {
            table: table.clone(),
            column: name,
            ty: Some(migrex_dialect::parse_type(
                dialect,
                &def.data_type.to_string(),
            )),
            not_null,
            default,
            stored_generated,
            identity,
            positioned,
            inline_constraint,
        },
    );
}

fn alter_op(
    out: &mut Statement2,
    dialect: Dialect,
    table: &QualifiedName,
    op: &AlterTableOperation,
) {
    use AlterTableOperation as Op;
    let t = || table.clone();
    match op {
        Op::AddColumn {
            column_def: def,
            column_position,
            ..
        } => {
            let mut sub = Statement2::default();
            column_def(&mut sub, dialect, table, def, column_position.is_some());
            out.actions.extend(sub.actions);
            out.declared.extend(sub.declared);
        }
        Op::DropColumn { column_names, .. } => {
            for c in column_names {
                out.actions.push(Action::DropColumn {
                    table: t(),
                    column: ident(c),
                });
            }
        }
        Op::RenameColumn {
            old_column_name,
            new_column_name,
        } => out.actions.push(Action::RenameColumn {
            table: t(),
            from: ident(old_column_name),
            to: ident(new_column_name),
        }),
        Op::RenameTable { table_name } => {
            let to = match table_name {
                ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => qn(n),
            };
            out.actions.push(Action::RenameTable { from: t(), to });
        }
        Op::AlterColumn { column_name, op } => {
            let column = ident(column_name);
            out.actions.push(match op {
                AlterColumnOperation::SetNotNull => Action::SetNotNull {
                    table: t(),
                    column,
                    proven_by_check: false,
                },
                AlterColumnOperation::DropNotNull => Action::DropNotNull { table: t(), column },
                AlterColumnOperation::SetDefault { value } => Action::SetDefault {
                    table: t(),
                    column,
                    default: default_kind(value, dialect),
                },
                AlterColumnOperation::DropDefault => Action::DropDefault { table: t(), column },
                AlterColumnOperation::SetDataType {
                    data_type, using, ..
                } => {
                    if let Some(u) = using {
                        let s = u.to_string().to_ascii_lowercase().replace(' ', "");
                        if s.contains("::varchar(")
                            || s.contains("::char(")
                            || s.contains("::charactervarying(")
                            || s.contains("asvarchar(")
                        {
                            out.truncating_using = true;
                        }
                    }
                    Action::AlterColumnType {
                        table: t(),
                        column,
                        from: None,
                        to: migrex_dialect::parse_type(dialect, &data_type.to_string()),
                        using: using.is_some(),
                        full_redefinition: false,
                    }
                }
                AlterColumnOperation::AddGenerated { .. } => Action::Other {
                    what: "ADD GENERATED AS IDENTITY".into(),
                },
            });
        }
        Op::ModifyColumn {
            col_name,
            data_type,
            options,
            ..
        }
        | Op::ChangeColumn {
            old_name: col_name,
            data_type,
            options,
            ..
        } => {
            let column = ident(col_name);
            if let Op::ChangeColumn { new_name, .. } = op
                && ident(new_name) != column
            {
                out.actions.push(Action::RenameColumn {
                    table: t(),
                    from: column.clone(),
                    to: ident(new_name),
                });
            }
            let _ = options;
            // MySQL restates the whole column; without the old definition the type change is
            // judged as a change (the effect assumes the worst when `from` is unknown).
            out.actions.push(Action::AlterColumnType {
                table: t(),
                column,
                from: None,
                to: migrex_dialect::parse_type(dialect, &data_type.to_string()),
                using: false,
                full_redefinition: true,
            });
        }
        Op::AddConstraint {
            constraint,
            not_valid,
        } => match constraint {
            TableConstraint::ForeignKey(fk) => out.actions.push(Action::AddForeignKey {
                table: t(),
                references: qn(&fk.foreign_table),
                not_valid: *not_valid,
            }),
            TableConstraint::Check(c) => {
                let name = c.name.as_ref().map(ident);
                if let Some(col) = not_null_column(&c.expr) {
                    out.not_null_checks.push((name.clone(), col));
                }
                out.actions.push(Action::AddCheck {
                    table: t(),
                    name,
                    not_valid: *not_valid,
                });
            }
            TableConstraint::Unique(u) => out.actions.push(Action::AddUnique {
                table: t(),
                name: u.name.as_ref().map(ident),
                using_index: false,
            }),
            TableConstraint::UniqueUsingIndex(u) => out.actions.push(Action::AddUnique {
                table: t(),
                name: u.name.as_ref().map(ident),
                using_index: true,
            }),
            TableConstraint::PrimaryKey(_) => out.actions.push(Action::AddPrimaryKey {
                table: t(),
                using_index: false,
            }),
            TableConstraint::PrimaryKeyUsingIndex(_) => out.actions.push(Action::AddPrimaryKey {
                table: t(),
                using_index: true,
            }),
            TableConstraint::Exclude(_) => out.actions.push(Action::AddExclusion { table: t() }),
            TableConstraint::Index(i) => out.actions.push(Action::CreateIndex {
                table: t(),
                name: i.name.as_ref().map(ident),
                unique: false,
                concurrently: false,
                method: IndexMethod::Btree,
                algorithm: MysqlAlgorithm::Default,
                lock: MysqlLockClause::Default,
                fulltext_or_spatial: false,
            }),
            TableConstraint::FulltextOrSpatial(_) => out.actions.push(Action::CreateIndex {
                table: t(),
                name: None,
                unique: false,
                concurrently: false,
                method: IndexMethod::Btree,
                algorithm: MysqlAlgorithm::Default,
                lock: MysqlLockClause::Default,
                fulltext_or_spatial: true,
            }),
        },
        Op::ValidateConstraint { name } => out.actions.push(Action::ValidateConstraint {
            table: t(),
            name: ident(name),
            references: None,
        }),
        Op::DropConstraint { name, .. } => out.actions.push(Action::DropConstraint {
            table: t(),
            name: ident(name),
            references: None,
        }),
        Op::DropForeignKey { name, .. } => out.actions.push(Action::DropConstraint {
            table: t(),
            name: ident(name),
            references: Some(QualifiedName::new("", "(referenced table)")),
        }),
        Op::DropPrimaryKey { .. } => out.actions.push(Action::DropPrimaryKey { table: t() }),
        Op::DropIndex { name } => out.actions.push(Action::DropIndex {
            name: QualifiedName::new("", ident(name)),
            table: Some(t()),
            concurrently: false,
        }),
        Op::RenameConstraint { .. } => out.actions.push(Action::RenameConstraint { table: t() }),
        Op::EnableRowLevelSecurity
        | Op::DisableRowLevelSecurity
        | Op::ForceRowLevelSecurity
        | Op::NoForceRowLevelSecurity => out.actions.push(Action::RowSecurity { table: t() }),
        Op::EnableTrigger { .. }
        | Op::DisableTrigger { .. }
        | Op::EnableAlwaysTrigger { .. }
        | Op::EnableReplicaTrigger { .. } => out.actions.push(Action::CreateTrigger { table: t() }),
        Op::SetLogged | Op::SetUnlogged => out.actions.push(Action::AlterTableOptions {
            table: t(),
            rewrites: true,
        }),
        Op::Algorithm { .. } | Op::Lock { .. } => {}
        Op::AutoIncrement { .. } | Op::OwnerTo { .. } | Op::SetOptionsParens { .. } => {
            out.actions.push(Action::AlterTableOptions {
                table: t(),
                rewrites: false,
            })
        }
        other => out.actions.push(Action::Other {
            what: format!("ALTER TABLE {}", first_op_words(other)),
        }),
    }
}

fn first_op_words(op: &AlterTableOperation) -> String {
    op.to_string()
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}
