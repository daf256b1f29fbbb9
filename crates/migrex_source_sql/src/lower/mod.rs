//! Generic lowering of sqlparser statements into the model.
//!
//! Statements are applied in file order to one `Schema`, the way a database would run them:
//! `ALTER TABLE ... ADD CONSTRAINT` after `CREATE TABLE`, `DROP TABLE IF EXISTS` before it, and
//! so on. Constraints and indexes whose names were not written keep `None` / `""` here; each
//! dialect's `finalize` (in `postgres.rs`, `mysql.rs`, `sqlite.rs`) gives them the names that
//! database would, and adds what the database adds on its own.

pub(crate) mod info;
mod mysql;
mod postgres;
mod sqlite;

use crate::SqlError;
use crate::split::{Piece, split};
use info::LowerInfo;
use migrex_dialect as dia;
use migrex_model::{
    Check, Column, ColumnType, Deferrable, Dialect, EnumType, FkAction, ForeignKey, Generated,
    Identity, Index, IndexKey, IndexPart, Loaded, MysqlTableOptions, PgTableOptions, PrimaryKey,
    QualifiedName, Schema, Sequence, SequenceOptions, SqliteTableOptions, Table, TableOptions,
    UniqueConstraint, View, Warning,
};
use sqlparser::ast::{
    self, AlterColumnOperation, AlterTableOperation, ColumnOption, CommentObject, Expr as AstExpr,
    ObjectName, ObjectType, Statement, TableConstraint,
};
use sqlparser::parser::Parser;

pub(crate) fn lower_script(sql: &str, dialect: Dialect, file: &str) -> Result<Loaded, SqlError> {
    let pieces = split(sql, dialect).map_err(|e| SqlError {
        file: file.to_string(),
        line: e.line,
        column: e.column,
        message: e.message,
    })?;
    lower_pieces(&pieces, dialect, file)
}

/// `lower_script` of a text known to hold one statement.
pub(crate) fn lower_statement(sql: &str, dialect: Dialect, file: &str) -> Result<Loaded, SqlError> {
    let start = sql.len() - sql.trim_start().len();
    let before = &sql[..start];
    let line = 1 + before.matches('\n').count() as u64;
    let column = 1 + before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64;
    let piece = Piece {
        text: sql.trim().trim_end_matches(';').trim_end().to_string(),
        line,
        column,
        comments: Vec::new(),
    };
    lower_pieces(std::slice::from_ref(&piece), dialect, file)
}

fn lower_pieces(pieces: &[Piece], dialect: Dialect, file: &str) -> Result<Loaded, SqlError> {
    let mut cx = Lower::new(dialect, file);
    for piece in pieces {
        cx.piece(piece)?;
    }
    cx.resolve();
    let Lower {
        mut schema,
        info,
        mut warnings,
        renames,
        provenance,
        ..
    } = cx;
    finalize(dialect, &mut schema, &info, &mut warnings);
    Ok(Loaded {
        schema,
        renames,
        warnings,
        provenance,
        row_estimates: None,
    })
}

fn finalize(dialect: Dialect, schema: &mut Schema, info: &LowerInfo, warnings: &mut Vec<Warning>) {
    match dialect {
        Dialect::Postgres => postgres::finalize(schema, info, warnings),
        Dialect::Mysql => mysql::finalize(schema, info, warnings),
        Dialect::Sqlite => sqlite::finalize(schema, info, warnings),
    }
}

struct Lower<'f> {
    dialect: Dialect,
    file: &'f str,
    schema: Schema,
    info: LowerInfo,
    warnings: Vec<Warning>,
    renames: migrex_model::Renames,
    provenance: migrex_model::Provenance,
    /// Kinds of statements ignored as not schema (SET, INSERT...), counted for one warning each.
    ignored: indexmap::IndexMap<String, (usize, String)>,
    /// Where unqualified names land: the dialect's default, or PostgreSQL's `SET search_path` /
    /// the schema of a `CREATE SCHEMA s CREATE TABLE ...` element.
    current_ns: String,
}

/// Statement kinds that are valid SQL but not schema objects the model holds yet. A statement that
/// fails to parse and starts with one of these is skipped with a warning; any other parse failure
/// is an error.
const NOT_MODELED: &[&str] = &[
    "CREATE FUNCTION",
    "CREATE OR REPLACE FUNCTION",
    "CREATE PROCEDURE",
    "CREATE OR REPLACE PROCEDURE",
    "CREATE TRIGGER",
    "CREATE OR REPLACE TRIGGER",
    "CREATE CONSTRAINT TRIGGER",
    "CREATE TEMP TRIGGER",
    "CREATE TEMPORARY TRIGGER",
    "CREATE DEFINER",
    "CREATE EVENT",
    "CREATE DOMAIN",
    "CREATE EXTENSION",
    "CREATE RULE",
    "CREATE OR REPLACE RULE",
    "CREATE POLICY",
    "CREATE AGGREGATE",
    "CREATE OR REPLACE AGGREGATE",
    "CREATE OPERATOR",
    "CREATE CAST",
    "CREATE COLLATION",
    "CREATE TEXT SEARCH",
    "CREATE CONVERSION",
    "CREATE LANGUAGE",
    "CREATE OR REPLACE LANGUAGE",
    "CREATE SERVER",
    "CREATE FOREIGN",
    "CREATE TABLESPACE",
    "CREATE STATISTICS",
    "CREATE ACCESS METHOD",
    "CREATE PUBLICATION",
    "CREATE SUBSCRIPTION",
    "CREATE ROLE",
    "CREATE USER",
    "CREATE GROUP",
    "CREATE DATABASE",
    "CREATE EVENT TRIGGER",
    "CREATE TRANSFORM",
    "CREATE ALGORITHM",
    "CREATE SQL SECURITY",
    "CREATE VIRTUAL TABLE",
    "ALTER FUNCTION",
    "ALTER PROCEDURE",
    "ALTER AGGREGATE",
    "ALTER DOMAIN",
    "ALTER EXTENSION",
    "ALTER DEFAULT PRIVILEGES",
    "ALTER DATABASE",
    "ALTER ROLE",
    "ALTER USER",
    "ALTER EVENT",
    "ALTER TRIGGER",
    "ALTER TEXT SEARCH",
    "ALTER OPERATOR",
    "ALTER PUBLICATION",
    "ALTER SCHEMA",
    "ALTER LARGE OBJECT",
    "ALTER TYPE",
    "ALTER SEQUENCE",
    "ALTER VIEW",
    "ALTER MATERIALIZED VIEW",
    "ALTER INDEX",
    "ALTER TABLE",
    "ALTER FOREIGN",
    "ALTER SERVER",
    "ALTER POLICY",
    "ALTER RULE",
    "ALTER COLLATION",
    "GRANT",
    "REVOKE",
    "SECURITY LABEL",
    "COMMENT ON",
    "REFRESH",
    "SELECT",
    "INSERT",
    "UPDATE",
    "DELETE",
    "COPY",
    "SET",
    "RESET",
    "BEGIN",
    "COMMIT",
    "START",
    "END",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "USE",
    "LOCK",
    "UNLOCK",
    "DO",
    "ANALYZE",
    "ANALYSE",
    "VACUUM",
    "PRAGMA",
    "CALL",
    "EXECUTE",
    "REINDEX",
    "CLUSTER",
    "NOTIFY",
    "LISTEN",
    "SHOW",
    "DECLARE",
    "PREPARE",
    "TRUNCATE",
    "WITH",
    "VALUES",
    "REPLACE",
    "DROP",
    "DELIMITER",
    "FLUSH",
    "OPTIMIZE",
    "CHECKPOINT",
    "DISCARD",
    "IMPORT",
    "LOAD",
    "DEALLOCATE",
    "CREATE OR REPLACE VIEW",
    "CREATE VIEW",
    "CREATE MATERIALIZED",
    "CREATE TYPE",
    "CREATE SCHEMA",
    "CREATE SEQUENCE",
    "CREATE INDEX",
    "CREATE UNIQUE INDEX",
    "CREATE PROCEDURAL",
    "CREATE OR REPLACE PROCEDURAL",
    "ALTER PROCEDURAL",
    "ALTER LANGUAGE",
    "CREATE TRUSTED",
    "CREATE OR REPLACE TRUSTED",
];

/// Kinds whose every statement is a schema change migrex must understand: a parse failure is an error.
const MODELED_STRICT: &[&str] = &[
    "CREATE TABLE",
    "CREATE TEMPORARY TABLE",
    "CREATE UNLOGGED TABLE",
];

fn leading_words(text: &str, n: usize) -> String {
    text.split(|c: char| c.is_whitespace() || c == '(' || c == '=')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>()
        .join(" ")
}

impl<'f> Lower<'f> {
    fn new(dialect: Dialect, file: &'f str) -> Self {
        Lower {
            dialect,
            file,
            schema: Schema::new(dialect),
            info: LowerInfo::default(),
            warnings: Vec::new(),
            renames: Default::default(),
            provenance: Default::default(),
            ignored: Default::default(),
            current_ns: dialect.default_namespace().to_string(),
        }
    }

    fn loc(&self, piece: &Piece) -> String {
        format!("{}:{}:{}", self.file, piece.line, piece.column)
    }

    fn warn(&mut self, piece: &Piece, message: impl Into<String>) {
        let location = Some(self.loc(piece));
        self.warnings.push(Warning {
            message: message.into(),
            location,
        });
    }

    fn error_at(&self, piece: &Piece, message: &str) -> SqlError {
        // sqlparser reports "... at Line: L, Column: C" relative to the statement.
        let (mut line, mut column) = (piece.line, piece.column);
        if let Some(at) = message.rfind(" at Line: ") {
            let rest = &message[at + 10..];
            let mut nums = rest.split(", Column: ");
            let l: Option<u64> = nums.next().and_then(|s| s.trim().parse().ok());
            let c: Option<u64> = nums.next().and_then(|s| s.trim().parse().ok());
            if let (Some(l), Some(c)) = (l, c) {
                if l <= 1 {
                    column = piece.column + c.saturating_sub(1);
                } else {
                    line = piece.line + l - 1;
                    column = c;
                }
            }
        }
        let message = message.split(" at Line: ").next().unwrap_or(message);
        let message = message.trim_start_matches("sql parser error: ").to_string();
        SqlError {
            file: self.file.to_string(),
            line,
            column,
            message,
        }
    }

    fn piece(&mut self, piece: &Piece) -> Result<(), SqlError> {
        if self.dialect == Dialect::Postgres {
            let words = leading_words(&piece.text, 2);
            if words == "SET SEARCH_PATH" {
                self.set_search_path(&piece.text);
                return Ok(());
            }
            if words == "CREATE SCHEMA"
                && let Some((name, elements)) = crate::split::schema_elements(piece)
            {
                let ns = self.fold_word(&name);
                self.schema.namespace_mut(&ns);
                let saved = std::mem::replace(&mut self.current_ns, ns);
                let result = elements.iter().try_for_each(|e| self.piece(e));
                self.current_ns = saved;
                return result;
            }
        }
        // Routines, triggers and their comments: sqlparser does not read what pg_dump writes.
        if self.dialect == Dialect::Postgres
            && let Some(result) = self.pg_object_piece(piece)
        {
            return result;
        }
        // SQLite triggers: the body is kept as written (see lower/sqlite/triggers.rs).
        if self.dialect == Dialect::Sqlite
            && let Some(result) = self.sqlite_trigger_piece(piece)
        {
            return result;
        }
        // Domains, composite-type attributes and pg_dump's partition attachments.
        if self.dialect == Dialect::Postgres
            && let Some(result) = self
                .pg_type_piece(piece)
                .or_else(|| self.pg_partition_piece(piece))
        {
            return result;
        }
        if self.dialect == Dialect::Postgres && leading_words(&piece.text, 2) == "ALTER SEQUENCE" {
            self.alter_sequence(piece);
            return Ok(());
        }
        // MySQL triggers, routines and partition operations (read from tokens: lower/mysql/).
        if self.dialect == Dialect::Mysql && self.mysql_statement(piece)? {
            return Ok(());
        }
        let d = dia::parser_dialect(self.dialect);
        let (mut text, check_option) = split_check_option(&piece.text);
        // `WITH [NO] DATA` after a GROUP BY reads to sqlparser as a grouping modifier; whether
        // a materialized view is populated is not schema.
        if self.dialect == Dialect::Postgres {
            text = strip_matview_data_clause(&text);
        }
        // A MySQL `PARTITION BY` clause sqlparser cannot parse is read apart (lower/mysql/).
        let mut partition_clause = None;
        if self.dialect == Dialect::Mysql
            && let Some((rest, clause)) = mysql::partitions::cut(&text)
        {
            text = rest;
            partition_clause = Some(clause);
        }
        let mut parsed = Parser::new(d.as_ref())
            .try_with_sql(&text)
            .and_then(|mut p| p.parse_statements());
        // Syntax the database accepts but sqlparser does not: repair and retry (see `repair`).
        for _ in 0..16 {
            let Err(e) = &parsed else { break };
            let Some(fixed) = crate::repair::repair(self.dialect, &text, &e.to_string()) else {
                break;
            };
            text = fixed;
            parsed = Parser::new(d.as_ref())
                .try_with_sql(&text)
                .and_then(|mut p| p.parse_statements());
        }
        if parsed.is_err() && text != piece.text {
            parsed = Parser::new(d.as_ref())
                .try_with_sql(&piece.text)
                .and_then(|mut p| p.parse_statements());
        }
        let statements = match parsed {
            Ok(s) => s,
            Err(e) => {
                let words = leading_words(&piece.text, 4);
                let strict = MODELED_STRICT.iter().any(|k| words.starts_with(k));
                let known = NOT_MODELED
                    .iter()
                    .any(|k| words == *k || words.starts_with(&format!("{k} ")));
                if strict || !known {
                    return Err(self.error_at(piece, &e.to_string()));
                }
                let what = leading_words(&piece.text, 3);
                self.warn(
                    piece,
                    format!("statement not read (the parser does not support it yet): {what} ..."),
                );
                return Ok(());
            }
        };
        for st in statements {
            let view = match &st {
                Statement::CreateView(cv) => Some(self.qname(&cv.name)),
                _ => None,
            };
            let partitioned = match (&st, &partition_clause) {
                (Statement::CreateTable(ct), Some(clause)) => Some((self.qname(&ct.name), clause)),
                _ => None,
            };
            self.statement(piece, st)?;
            if let Some((qn, clause)) = partitioned {
                self.mysql_set_partitioning(piece, &qn, clause);
            }
            if let (Some(qn), Some(opt)) = (view, &check_option)
                && let Some(v) = self.schema.view_mut(&qn)
            {
                v.check_option = Some(opt.clone());
            }
        }
        Ok(())
    }

    /// `ALTER SEQUENCE s OWNED BY t.c | NONE` (sqlparser has no ALTER SEQUENCE; pg_dump writes it
    /// for every serial column). Other options are warned about.
    fn alter_sequence(&mut self, piece: &Piece) {
        let words: Vec<&str> = piece.text.split_whitespace().collect();
        let mut i = 2;
        if words.get(i).is_some_and(|w| w.eq_ignore_ascii_case("IF")) {
            i += 2;
        }
        let Some(name) = words.get(i) else { return };
        let seq = self.qname_text(name);
        let rest: Vec<&str> = words[i + 1..].to_vec();
        let owned = rest
            .windows(3)
            .find(|w| w[0].eq_ignore_ascii_case("OWNED") && w[1].eq_ignore_ascii_case("BY"))
            .map(|w| w[2]);
        let Some(target) = owned else {
            self.warn(
                piece,
                format!("ALTER SEQUENCE {seq}: only OWNED BY is read yet"),
            );
            return;
        };
        let owner = if target.eq_ignore_ascii_case("NONE") {
            None
        } else {
            let parts: Vec<String> = split_dotted(target)
                .iter()
                .map(|p| self.fold_word(p))
                .collect();
            match parts.as_slice() {
                [t, c] => Some((
                    QualifiedName::new(self.current_ns.clone(), t.clone()),
                    c.clone(),
                )),
                [ns, t, c] => Some((QualifiedName::new(ns.clone(), t.clone()), c.clone())),
                _ => None,
            }
        };
        match self.schema.sequence_mut(&seq) {
            Some(s) => s.owned_by = owner,
            None => self.warn(
                piece,
                format!("ALTER SEQUENCE on unknown sequence {seq} skipped"),
            ),
        }
    }

    /// A possibly qualified, possibly quoted name written as text.
    fn qname_text(&self, text: &str) -> QualifiedName {
        let parts: Vec<String> = split_dotted(text.trim_end_matches(';'))
            .iter()
            .map(|p| self.fold_word(p))
            .collect();
        match parts.as_slice() {
            [.., ns, n] if self.dialect == Dialect::Postgres => {
                QualifiedName::new(ns.clone(), n.clone())
            }
            [.., n] => QualifiedName::new(self.current_ns.clone(), n.clone()),
            [] => QualifiedName::new(self.current_ns.clone(), String::new()),
        }
    }

    /// `SET search_path = a, b`: unqualified names land in the first schema.
    fn set_search_path(&mut self, text: &str) {
        let rest = text
            .splitn(3, |c: char| c.is_whitespace())
            .nth(2)
            .unwrap_or("");
        let rest = rest.trim_start().trim_start_matches('=').trim_start();
        let rest = rest
            .strip_prefix("TO ")
            .or_else(|| rest.strip_prefix("to "))
            .unwrap_or(rest);
        if let Some(first) = rest
            .split(',')
            .map(str::trim)
            .find(|s| !s.is_empty() && *s != "\"$user\"")
        {
            let first = first.trim_end_matches(';');
            self.current_ns = if first == "''" {
                "public".into()
            } else {
                self.fold_word(first)
            };
        }
    }

    /// Folds a bare or double-quoted word.
    fn fold_word(&self, w: &str) -> String {
        match w.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
            Some(q) => q.replace("\"\"", "\""),
            None if self.dialect == Dialect::Postgres => w.to_lowercase(),
            None => w.to_string(),
        }
    }

    /// Folds an identifier the way the database stores it.
    fn ident(&self, id: &ast::Ident) -> String {
        match self.dialect {
            Dialect::Postgres if id.quote_style.is_none() => id.value.to_lowercase(),
            _ => id.value.clone(),
        }
    }

    fn qname(&self, name: &ObjectName) -> QualifiedName {
        let parts: Vec<String> = name
            .0
            .iter()
            .map(|p| match p {
                ast::ObjectNamePart::Identifier(id) => self.ident(id),
                other => other.to_string(),
            })
            .collect();
        let default_ns = self.current_ns.clone();
        match (self.dialect, parts.as_slice()) {
            (Dialect::Postgres, [.., ns, n]) => QualifiedName::new(ns.clone(), n.clone()),
            // MySQL `db.table` and SQLite `main.table`: one namespace per read.
            (_, [.., n]) => QualifiedName::new(default_ns, n.clone()),
            (_, []) => QualifiedName::new(default_ns, String::new()),
        }
    }

    fn statement(&mut self, piece: &Piece, st: Statement) -> Result<(), SqlError> {
        match st {
            Statement::CreateTable(ct) => self.create_table(piece, ct)?,
            Statement::CreateIndex(ci) => self.create_index(piece, ci)?,
            Statement::AlterTable(at) => self.alter_table(piece, at)?,
            Statement::CreateView(cv) => self.create_view(piece, cv)?,
            Statement::CreateType {
                name,
                representation,
            } => {
                let qn = self.qname(&name);
                match representation {
                    Some(ast::UserDefinedTypeRepresentation::Enum { labels }) => {
                        let values = labels.iter().map(|l| l.value.clone()).collect();
                        self.schema
                            .namespace_mut(&qn.namespace)
                            .enums
                            .insert(qn.name.clone(), EnumType { name: qn.name.clone(), values, comment: None });
                        self.provenance.locations.insert(format!("enum {qn}"), self.loc(piece));
                    }
                    Some(ast::UserDefinedTypeRepresentation::Composite { attributes }) => {
                        self.pg_create_composite(piece, &qn, &attributes)
                    }
                    _ => self.warn(piece, format!("type {qn} is not an enum; composite and range types are not modeled yet")),
                }
            }
            Statement::AlterType(at) => {
                let qn = self.qname(&at.name);
                match at.operation {
                    ast::AlterTypeOperation::AddValue(add) => {
                        let Some(e) = self.schema.enum_mut(&qn) else {
                            self.warn(piece, format!("ALTER TYPE on unknown enum {qn} ignored"));
                            return Ok(());
                        };
                        let value = add.value.value.clone();
                        if e.values.contains(&value) {
                            return Ok(());
                        }
                        let pos = match &add.position {
                            Some(ast::AlterTypeAddValuePosition::Before(v)) => {
                                e.values.iter().position(|x| *x == v.value)
                            }
                            Some(ast::AlterTypeAddValuePosition::After(v)) => {
                                e.values.iter().position(|x| *x == v.value).map(|p| p + 1)
                            }
                            None => None,
                        };
                        e.values.insert(pos.unwrap_or(e.values.len()), value);
                    }
                    ast::AlterTypeOperation::RenameValue(r) => {
                        if let Some(e) = self.schema.enum_mut(&qn)
                            && let Some(v) = e.values.iter_mut().find(|v| **v == r.from.value)
                        {
                            *v = r.to.value.clone();
                        }
                    }
                    ast::AlterTypeOperation::Rename(r) => {
                        let new = self.ident(&r.new_name);
                        if let Some(ns) = self.schema.namespaces.get_mut(&qn.namespace)
                            && let Some(mut e) = ns.enums.shift_remove(&qn.name)
                        {
                            e.name = new.clone();
                            ns.enums.insert(new, e);
                        }
                    }
                }
            }
            Statement::CreateSequence {
                name,
                data_type,
                sequence_options,
                owned_by,
                ..
            } => {
                let qn = self.qname(&name);
                let data_type = data_type.map(|t| dia::parse_type(self.dialect, &t.to_string()));
                let options = self.sequence_options(&sequence_options);
                let owned_by = owned_by.as_ref().and_then(|o| self.column_ref(o));
                let seq = Sequence {
                    name: qn.name.clone(),
                    data_type,
                    options,
                    owned_by,
                    comment: None,
                };
                self.schema
                    .namespace_mut(&qn.namespace)
                    .sequences
                    .insert(qn.name.clone(), seq);
            }
            Statement::CreateSchema { schema_name, .. } => {
                if self.dialect == Dialect::Postgres {
                    let name = match &schema_name {
                        ast::SchemaName::Simple(n) | ast::SchemaName::NamedAuthorization(n, _) => {
                            n.0.last()
                                .and_then(|p| p.as_ident())
                                .map(|i| self.ident(i))
                                .unwrap_or_default()
                        }
                        ast::SchemaName::UnnamedAuthorization(a) => self.ident(a),
                    };
                    self.schema.namespace_mut(&name);
                } else {
                    self.ignore(
                        "CREATE DATABASE/SCHEMA",
                        "databases are not part of the schema read",
                    );
                }
            }
            Statement::Comment {
                object_type,
                object_name,
                comment,
                ..
            } => {
                self.comment(piece, object_type, &object_name, comment);
            }
            Statement::Drop {
                object_type, names, ..
            } => {
                for name in &names {
                    self.drop(object_type, name);
                }
            }
            Statement::RenameTable(renames) => {
                for r in renames {
                    let from = self.qname(&r.old_name);
                    let to = self.qname(&r.new_name);
                    self.rename_table(&from, &to.name);
                }
            }
            Statement::AlterIndex { name, operation } => {
                let ast::AlterIndexOperation::RenameIndex { index_name } = operation;
                let from = self.qname(&name);
                let to = self.qname(&index_name).name;
                // The CLUSTER mark names the index (or constraint index) it is on.
                let rename = |i: &mut Vec<Index>, mark: &mut Option<String>| {
                    if let Some(i) = i.iter_mut().find(|i| i.name == from.name) {
                        i.name = to.clone();
                    }
                    if mark.as_deref() == Some(from.name.as_str()) {
                        *mark = Some(to.clone());
                    }
                };
                if let Some(ns) = self.schema.namespaces.get_mut(&from.namespace) {
                    for t in ns.tables.values_mut() {
                        rename(&mut t.indexes, &mut t.cluster_on);
                    }
                    for v in ns.views.values_mut() {
                        rename(&mut v.indexes, &mut v.cluster_on);
                    }
                }
            }
            Statement::CreateDomain(d) => self.pg_create_domain(piece, &d, false),
            Statement::DropDomain(d) => {
                let qn = self.qname(&d.name);
                if let Some(ns) = self.schema.namespaces.get_mut(&qn.namespace) {
                    ns.domains.shift_remove(&qn.name);
                }
            }
            Statement::CreateFunction(f) => {
                self.warn(piece, format!("function {} is not modeled yet", f.name))
            }
            Statement::CreateProcedure { name, .. } => {
                self.warn(piece, format!("procedure {name} is not modeled yet"))
            }
            Statement::CreateTrigger(t) => {
                self.warn(piece, format!("trigger {} is not modeled yet", t.name))
            }
            Statement::CreateExtension(e) if self.dialect == Dialect::Postgres => {
                self.pg_create_extension(piece, &e)
            }
            Statement::CreateExtension(e) => {
                self.warn(piece, format!("extension {} is not modeled yet", e.name))
            }
            Statement::CreatePolicy(p) if self.dialect == Dialect::Postgres => {
                self.pg_create_policy(piece, &p)
            }
            Statement::CreatePolicy(p) => {
                self.warn(piece, format!("policy {} is not modeled yet", p.name))
            }
            Statement::AlterPolicy(p) if self.dialect == Dialect::Postgres => {
                self.pg_alter_policy(piece, &p)
            }
            Statement::DropPolicy(p) if self.dialect == Dialect::Postgres => {
                self.pg_drop_policy(piece, &p)
            }
            Statement::DropExtension(e) if self.dialect == Dialect::Postgres => {
                self.pg_drop_extension(piece, &e)
            }
            Statement::DropFunction(f) if self.dialect == Dialect::Postgres => {
                self.pg_drop_routines(piece, &f.func_desc, f.if_exists)
            }
            Statement::DropProcedure {
                if_exists,
                proc_desc,
                ..
            } if self.dialect == Dialect::Postgres => {
                self.pg_drop_routines(piece, &proc_desc, if_exists)
            }
            Statement::DropTrigger(t) if self.dialect == Dialect::Postgres => {
                self.pg_drop_trigger(piece, &t)
            }
            Statement::DropTrigger(t) if self.dialect == Dialect::Sqlite => {
                self.sqlite_drop_trigger(piece, &t)
            }
            Statement::Grant(_) | Statement::Revoke(_) => {
                self.ignore("GRANT/REVOKE", "privileges are not modeled")
            }
            Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Copy { .. } => self.ignore(
                "data",
                "data statements (INSERT, UPDATE, DELETE, COPY) are not part of a schema",
            ),
            Statement::Set(_)
            | Statement::Query(_)
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Use(_)
            | Statement::Pragma { .. }
            | Statement::Lock(_)
            | Statement::UnlockTables
            | Statement::LockTables { .. } => {}
            other => {
                let text = other.to_string();
                let what = leading_words(&text, 3);
                self.warn(
                    piece,
                    format!("statement not modeled yet, skipped: {what} ..."),
                );
            }
        }
        Ok(())
    }

    fn ignore(&mut self, kind: &str, why: &str) {
        self.ignored
            .entry(kind.to_string())
            .or_insert((0, why.to_string()))
            .0 += 1;
    }

    fn column_ref(&self, name: &ObjectName) -> Option<(QualifiedName, String)> {
        let parts: Vec<String> = name
            .0
            .iter()
            .filter_map(|p| p.as_ident())
            .map(|i| self.ident(i))
            .collect();
        match parts.as_slice() {
            [t, c] => Some((
                QualifiedName::new(self.current_ns.clone(), t.clone()),
                c.clone(),
            )),
            [ns, t, c] => Some((QualifiedName::new(ns.clone(), t.clone()), c.clone())),
            _ => None,
        }
    }

    fn sequence_options(&self, opts: &[ast::SequenceOptions]) -> SequenceOptions {
        let num = |e: &AstExpr| -> Option<i64> {
            let s = e.to_string().replace(' ', "");
            s.parse().ok()
        };
        let mut o = SequenceOptions::default();
        for opt in opts {
            match opt {
                ast::SequenceOptions::IncrementBy(e, _) => o.increment = num(e),
                ast::SequenceOptions::MinValue(Some(e)) => o.min_value = num(e),
                ast::SequenceOptions::MaxValue(Some(e)) => o.max_value = num(e),
                ast::SequenceOptions::StartWith(e, _) => o.start = num(e),
                ast::SequenceOptions::Cache(e) => o.cache = num(e),
                ast::SequenceOptions::Cycle(no) => o.cycle = !*no,
                _ => {}
            }
        }
        o
    }

    fn create_table(&mut self, piece: &Piece, ct: ast::CreateTable) -> Result<(), SqlError> {
        let qn = self.qname(&ct.name);
        if ct.temporary {
            self.warn(
                piece,
                format!("temporary table {qn} skipped: not part of the schema"),
            );
            return Ok(());
        }
        if ct.partition_of.is_some() {
            return self.pg_create_partition(piece, ct);
        }
        if ct.query.is_some() || ct.like.is_some() || ct.clone.is_some() {
            self.warn(piece, format!("table {qn} skipped: CREATE TABLE AS/LIKE is not read (its columns come from another object)"));
            return Ok(());
        }
        if ct.if_not_exists && self.schema.table(&qn).is_some() {
            return Ok(());
        }
        let mut table = Table::new(qn.name.clone());
        self.info.table(&qn);
        table.options = match self.dialect {
            Dialect::Postgres => TableOptions::Postgres(PgTableOptions {
                unlogged: ct.unlogged,
                inherits: ct
                    .inherits
                    .iter()
                    .flatten()
                    .map(|n| self.qname(n))
                    .collect(),
                row_level_security: false,
                force_row_level_security: false,
            }),
            Dialect::Mysql => TableOptions::Mysql(MysqlTableOptions::default()),
            Dialect::Sqlite => TableOptions::Sqlite(SqliteTableOptions {
                strict: ct.strict,
                without_rowid: ct.without_rowid,
            }),
        };
        if let Some(e) = &ct.partition_by {
            table.partitioning = self.pg_partition_by(piece, &qn, e);
        }
        self.table_options(piece, &qn, &mut table, &ct);
        for col in &ct.columns {
            self.column_def(piece, &qn, &mut table, col);
        }
        for c in ct.constraints.clone() {
            self.table_constraint(piece, &qn, &mut table, c, false);
        }
        self.rename_hints(piece, &qn, &ct);
        self.provenance
            .locations
            .insert(format!("table {qn}"), self.loc(piece));
        let ns = self.schema.namespace_mut(&qn.namespace);
        ns.tables.insert(qn.name.clone(), table);
        Ok(())
    }

    fn table_options(
        &mut self,
        piece: &Piece,
        qn: &QualifiedName,
        table: &mut Table,
        ct: &ast::CreateTable,
    ) {
        if let Some(c) = &ct.comment {
            table.comment = Some(comment_text(c));
        }
        let opts = match &ct.table_options {
            ast::CreateTableOptions::Plain(o)
            | ast::CreateTableOptions::With(o)
            | ast::CreateTableOptions::Options(o)
            | ast::CreateTableOptions::TableProperties(o) => o.clone(),
            ast::CreateTableOptions::None => Vec::new(),
        };
        for o in opts {
            match o {
                ast::SqlOption::Comment(c) => table.comment = Some(comment_text(&c)),
                other if self.dialect == Dialect::Mysql => {
                    // sqlparser spells MySQL options as several variants; `KEY [=] VALUE` is their text.
                    let text = other.to_string();
                    let (key, value) = match text.split_once('=') {
                        Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
                        None => match text.rsplit_once(' ') {
                            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
                            None => (text.clone(), String::new()),
                        },
                    };
                    let k = key.to_ascii_uppercase().replace('_', " ");
                    let v = value
                        .trim_matches(|c| c == '\'' || c == '"' || c == '`')
                        .to_string();
                    if let TableOptions::Mysql(m) = &mut table.options {
                        match k.as_str() {
                            "ENGINE" => m.engine = Some(v),
                            "CHARSET"
                            | "DEFAULT CHARSET"
                            | "CHARACTER SET"
                            | "DEFAULT CHARACTER SET" => m.charset = Some(v.to_lowercase()),
                            "COLLATE" | "DEFAULT COLLATE" => m.collation = Some(v.to_lowercase()),
                            "ROW FORMAT" => m.row_format = Some(v.to_uppercase()),
                            "AUTO INCREMENT" => {}
                            "COMMENT" => table.comment = Some(v),
                            _ => self.warn(
                                piece,
                                format!("table option `{text}` of {qn} is not modeled"),
                            ),
                        }
                    }
                }
                other => self.warn(
                    piece,
                    format!("table option `{other}` of {qn} is not modeled"),
                ),
            }
        }
    }

    fn column_def(
        &mut self,
        piece: &Piece,
        qn: &QualifiedName,
        table: &mut Table,
        col: &ast::ColumnDef,
    ) {
        let name = self.ident(&col.name);
        let spelled = col.data_type.to_string();
        let lower = spelled.to_ascii_lowercase();
        let serial_bytes = match (self.dialect, lower.as_str()) {
            (Dialect::Postgres, "serial" | "serial4") => Some(4),
            (Dialect::Postgres, "bigserial" | "serial8") => Some(8),
            (Dialect::Postgres, "smallserial" | "serial2") => Some(2),
            _ => None,
        };
        let ty = match serial_bytes {
            Some(b) => ColumnType::int(b),
            None => dia::parse_type(self.dialect, &spelled),
        };
        let mut column = Column::new(name.clone(), ty);
        if serial_bytes.is_some() {
            column.identity = Some(Identity::Serial {
                sequence: format!("{}_{}_seq", qn.name, name),
            });
            column.nullable = false;
            self.info.table(qn).serial_columns.insert(name.clone());
        }
        // MySQL NCHAR/NVARCHAR/NATIONAL ...: the national character set, utf8mb3 (a COLLATE
        // option below overrides it).
        if self.dialect == Dialect::Mysql
            && (lower.starts_with("nchar")
                || lower.starts_with("nvarchar")
                || lower.starts_with("national"))
        {
            column.collation = Some("utf8mb3_general_ci".into());
        }
        for opt in &col.options {
            self.column_option(
                piece,
                qn,
                table,
                &mut column,
                opt.name.as_ref(),
                &opt.option,
            );
        }
        table.columns.insert(name, column);
    }

    fn expr(&self, e: &AstExpr) -> migrex_model::Expr {
        dia::expr(self.dialect, &e.to_string())
    }

    fn column_option(
        &mut self,
        piece: &Piece,
        qn: &QualifiedName,
        table: &mut Table,
        column: &mut Column,
        constraint_name: Option<&ast::Ident>,
        opt: &ColumnOption,
    ) {
        let cname = constraint_name.map(|n| self.ident(n));
        match opt {
            ColumnOption::Null => column.nullable = true,
            ColumnOption::NotNull => column.nullable = false,
            ColumnOption::Default(e) => column.default = Some(self.expr(e)),
            ColumnOption::PrimaryKey(pk) => {
                column.nullable = self.dialect == Dialect::Sqlite && column.nullable;
                table.primary_key = Some(PrimaryKey {
                    name: cname.or_else(|| pk.name.as_ref().map(|n| self.ident(n))),
                    columns: vec![column.name.clone()],
                });
                if let Some(c) = &pk.characteristics {
                    let _ = c;
                }
                if self.dialect == Dialect::Sqlite && sqlite_autoincrement(pk) {
                    column.identity = Some(Identity::AutoIncrement);
                }
            }
            ColumnOption::Unique(u) => {
                let pos = table.uniques.len();
                table.uniques.push(UniqueConstraint {
                    name: cname.or_else(|| u.name.as_ref().map(|n| self.ident(n))),
                    columns: vec![column.name.clone()],
                    nulls_not_distinct: matches!(
                        u.nulls_distinct,
                        ast::NullsDistinctOption::NotDistinct
                    ),
                    deferrable: deferrable(u.characteristics.as_ref()),
                });
                self.info.table(qn).column_uniques.insert(pos);
            }
            ColumnOption::ForeignKey(fk) => {
                let pos = table.foreign_keys.len();
                let mut f = self.foreign_key(fk);
                f.columns = vec![column.name.clone()];
                if f.name.is_none() {
                    f.name = cname;
                }
                table.foreign_keys.push(f);
                self.info.table(qn).column_fks.insert(pos);
            }
            ColumnOption::Check(c) => {
                let pos = table.checks.len();
                table.checks.push(Check {
                    name: cname.or_else(|| c.name.as_ref().map(|n| self.ident(n))),
                    expr: self.expr(&c.expr),
                    no_inherit: c.no_inherit,
                });
                self.info
                    .table(qn)
                    .column_checks
                    .insert(pos, column.name.clone());
            }
            ColumnOption::Collation(c) => column.collation = Some(unquote_name(c)),
            ColumnOption::Comment(c) => column.comment = Some(c.clone()),
            ColumnOption::OnUpdate(e) => column.on_update = Some(self.expr(e)),
            // MySQL: a column character set means its default collation (unless COLLATE names one).
            ColumnOption::CharacterSet(cs)
                if self.dialect == Dialect::Mysql
                    && let Some(default) =
                        dia::mysql::Flavor::MariaDb.default_collation(&unquote_name(cs)) =>
            {
                let keep = column.collation.as_deref().is_some_and(|c| {
                    dia::mysql::collation_charset(c)
                        .eq_ignore_ascii_case(dia::mysql::collation_charset(default))
                });
                if !keep {
                    column.collation = Some(default.to_string());
                }
            }
            ColumnOption::CharacterSet(cs) => self.warn(
                piece,
                format!(
                    "character set {cs} of column {qn}.{} is not modeled (its collation is)",
                    column.name
                ),
            ),
            ColumnOption::Generated {
                generated_as,
                sequence_options,
                generation_expr,
                generation_expr_mode,
                ..
            } => {
                if let Some(e) = generation_expr {
                    let stored = match generation_expr_mode {
                        Some(ast::GeneratedExpressionMode::Stored) => true,
                        Some(ast::GeneratedExpressionMode::Virtual) => false,
                        // PostgreSQL (before 18) only has STORED; MySQL and SQLite default to VIRTUAL.
                        None => {
                            self.dialect == Dialect::Postgres
                                || matches!(generated_as, ast::GeneratedAs::ExpStored)
                        }
                    };
                    column.generated = Some(Generated {
                        expr: self.expr(e),
                        stored,
                    });
                } else {
                    let sequence =
                        self.sequence_options(sequence_options.as_deref().unwrap_or(&[]));
                    column.identity = Some(match generated_as {
                        ast::GeneratedAs::ByDefault => Identity::ByDefault { sequence },
                        _ => Identity::Always { sequence },
                    });
                    column.nullable = false;
                }
            }
            ColumnOption::DialectSpecific(tokens) => {
                let text: String = tokens
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" ");
                let up = text.to_ascii_uppercase();
                if up == "AUTO_INCREMENT" || up == "AUTOINCREMENT" {
                    column.identity = Some(Identity::AutoIncrement);
                } else {
                    self.warn(
                        piece,
                        format!(
                            "column option `{text}` of {qn}.{} is not modeled",
                            column.name
                        ),
                    );
                }
            }
            ColumnOption::Identity(_) => column.identity = Some(Identity::AutoIncrement),
            other => self.warn(
                piece,
                format!(
                    "column option `{other}` of {qn}.{} is not modeled",
                    column.name
                ),
            ),
        }
    }

    fn foreign_key(&self, fk: &ast::ForeignKeyConstraint) -> ForeignKey {
        let action = |a: &Option<ast::ReferentialAction>| match a {
            // MariaDB/InnoDB stores an unwritten action as RESTRICT (a written NO ACTION stays
            // NO ACTION in its catalog and SHOW CREATE TABLE).
            None if self.dialect == Dialect::Mysql => FkAction::Restrict,
            None | Some(ast::ReferentialAction::NoAction) => FkAction::NoAction,
            Some(ast::ReferentialAction::Restrict) => FkAction::Restrict,
            Some(ast::ReferentialAction::Cascade) => FkAction::Cascade,
            Some(ast::ReferentialAction::SetNull) => FkAction::SetNull,
            Some(ast::ReferentialAction::SetDefault) => FkAction::SetDefault,
        };
        ForeignKey {
            name: fk.name.as_ref().map(|n| self.ident(n)),
            columns: fk.columns.iter().map(|c| self.ident(c)).collect(),
            ref_table: self.qname(&fk.foreign_table),
            ref_columns: fk.referred_columns.iter().map(|c| self.ident(c)).collect(),
            on_delete: action(&fk.on_delete),
            on_update: action(&fk.on_update),
            deferrable: deferrable(fk.characteristics.as_ref()),
            match_full: matches!(fk.match_kind, Some(ast::ConstraintReferenceMatchKind::Full)),
        }
    }

    fn index_parts(&self, cols: &[ast::IndexColumn], table: Option<&Table>) -> Vec<IndexPart> {
        cols.iter()
            .map(|ic| {
                let e = &ic.column.expr;
                let mut part = match e {
                    AstExpr::Identifier(id) => IndexPart::column(self.ident(id)),
                    // MySQL prefix index `col(10)` parses as a call of `col`.
                    AstExpr::Function(f)
                        if self.dialect == Dialect::Mysql
                            && f.name.0.len() == 1
                            && prefix_len(f).is_some()
                            && table.is_none_or(|t| {
                                t.columns
                                    .contains_key(&f.name.to_string().trim_matches('`').to_string())
                            }) =>
                    {
                        let mut p =
                            IndexPart::column(f.name.to_string().trim_matches('`').to_string());
                        p.prefix_len = prefix_len(f);
                        p
                    }
                    other => {
                        let inner = match other {
                            AstExpr::Nested(n) => n.as_ref(),
                            x => x,
                        };
                        IndexPart {
                            key: IndexKey::Expr(self.expr(inner)),
                            ..IndexPart::column("")
                        }
                    }
                };
                part.descending = matches!(ic.column.options.sort, Some(ast::OrderBySort::Desc));
                part.nulls_first = ic.column.options.nulls_first;
                part.opclass = ic.operator_class.as_ref().map(unquote_name);
                part
            })
            .collect()
    }

    fn table_constraint(
        &mut self,
        piece: &Piece,
        qn: &QualifiedName,
        table: &mut Table,
        c: TableConstraint,
        _alter: bool,
    ) {
        let cols = |s: &Self, v: &[ast::IndexColumn]| -> Vec<String> {
            v.iter()
                .map(|ic| match &ic.column.expr {
                    AstExpr::Identifier(id) => s.ident(id),
                    other => other.to_string(),
                })
                .collect()
        };
        match c {
            TableConstraint::PrimaryKey(pk) => {
                let columns = cols(self, &pk.columns);
                for c in &columns {
                    if let Some(col) = table.columns.get_mut(c)
                        && self.dialect != Dialect::Sqlite
                    {
                        col.nullable = false;
                    }
                }
                table.primary_key = Some(PrimaryKey {
                    name: pk
                        .name
                        .as_ref()
                        .or(pk.index_name.as_ref())
                        .map(|n| self.ident(n)),
                    columns,
                });
            }
            TableConstraint::Unique(u) => {
                let uses_expr = u
                    .columns
                    .iter()
                    .any(|ic| !matches!(ic.column.expr, AstExpr::Identifier(_)));
                if self.dialect == Dialect::Mysql || uses_expr {
                    // MySQL's UNIQUE is its unique index (and may carry prefix lengths).
                    let pos = table.indexes.len();
                    let name = u
                        .name
                        .as_ref()
                        .or(u.index_name.as_ref())
                        .map(|n| self.ident(n));
                    if name.is_none() {
                        self.info.table(qn).unnamed_indexes.insert(pos);
                    }
                    table.indexes.push(Index {
                        name: name.unwrap_or_default(),
                        unique: true,
                        parts: self.index_parts(&u.columns, Some(table)),
                        method: None,
                        include: u.include.iter().map(|i| self.ident(i)).collect(),
                        predicate: None,
                        nulls_not_distinct: false,
                        comment: None,
                    });
                } else {
                    table.uniques.push(UniqueConstraint {
                        name: u
                            .name
                            .as_ref()
                            .or(u.index_name.as_ref())
                            .map(|n| self.ident(n)),
                        columns: cols(self, &u.columns),
                        nulls_not_distinct: matches!(
                            u.nulls_distinct,
                            ast::NullsDistinctOption::NotDistinct
                        ),
                        deferrable: deferrable(u.characteristics.as_ref()),
                    });
                }
            }
            TableConstraint::ForeignKey(fk) => {
                let f = self.foreign_key(&fk);
                table.foreign_keys.push(f);
            }
            TableConstraint::Check(ch) => table.checks.push(Check {
                name: ch.name.as_ref().map(|n| self.ident(n)),
                expr: self.expr(&ch.expr),
                no_inherit: ch.no_inherit,
            }),
            TableConstraint::Index(ix) => {
                let pos = table.indexes.len();
                if ix.name.is_none() {
                    self.info.table(qn).unnamed_indexes.insert(pos);
                }
                table.indexes.push(Index {
                    name: ix.name.as_ref().map(|n| self.ident(n)).unwrap_or_default(),
                    unique: false,
                    parts: self.index_parts(&ix.columns, Some(table)),
                    method: ix.index_type.as_ref().and_then(index_method),
                    include: Vec::new(),
                    predicate: None,
                    nulls_not_distinct: false,
                    comment: None,
                });
            }
            TableConstraint::FulltextOrSpatial(ft) => {
                let pos = table.indexes.len();
                if ft.opt_index_name.is_none() {
                    self.info.table(qn).unnamed_indexes.insert(pos);
                }
                table.indexes.push(Index {
                    name: ft
                        .opt_index_name
                        .as_ref()
                        .map(|n| self.ident(n))
                        .unwrap_or_default(),
                    unique: false,
                    parts: self.index_parts(&ft.columns, Some(table)),
                    method: Some(if ft.fulltext { "FULLTEXT" } else { "SPATIAL" }.to_string()),
                    include: Vec::new(),
                    predicate: None,
                    nulls_not_distinct: false,
                    comment: None,
                });
            }
            TableConstraint::Exclude(x) if self.dialect == Dialect::Postgres => {
                self.pg_exclusion(table, &x)
            }
            other => self.warn(
                piece,
                format!("constraint `{other}` on {qn} is not modeled yet"),
            ),
        }
    }

    /// The table a statement names: SQLite matches names case-insensitively.
    fn resolve_table(&self, qn: QualifiedName) -> QualifiedName {
        if self.dialect != Dialect::Sqlite || self.schema.table(&qn).is_some() {
            return qn;
        }
        let found = self.schema.namespaces.get(&qn.namespace).and_then(|ns| {
            ns.tables
                .keys()
                .find(|t| t.eq_ignore_ascii_case(&qn.name))
                .cloned()
        });
        match found {
            Some(name) => QualifiedName::new(qn.namespace, name),
            None => qn,
        }
    }

    fn create_index(&mut self, piece: &Piece, ci: ast::CreateIndex) -> Result<(), SqlError> {
        let tq = self.resolve_table(self.qname(&ci.table_name));
        if self.schema.table(&tq).is_none() && self.schema.view(&tq).is_some_and(|v| v.materialized)
        {
            self.create_view_index(piece, &tq, &ci);
            return Ok(());
        }
        let Some(table) = self.schema.table(&tq) else {
            self.warn(piece, format!("index on unknown table {tq} skipped"));
            return Ok(());
        };
        let parts = self.index_parts(&ci.columns, Some(table));
        let name = ci.name.as_ref().map(|n| self.qname(n).name);
        if ci.if_not_exists
            && name
                .as_ref()
                .is_some_and(|n| table.indexes.iter().any(|i| i.name == *n))
        {
            return Ok(());
        }
        let mut method = ci.using.as_ref().and_then(index_method);
        for opt in &ci.index_options {
            if let ast::IndexOption::Using(t) = opt {
                method = index_method(t);
            }
        }
        let index = Index {
            name: name.clone().unwrap_or_default(),
            unique: ci.unique,
            parts,
            method,
            include: ci.include.iter().map(|i| self.ident(i)).collect(),
            predicate: ci.predicate.as_ref().map(|p| self.expr(p)),
            nulls_not_distinct: ci.nulls_distinct == Some(false),
            comment: None,
        };
        if !ci.with.is_empty() {
            self.warn(
                piece,
                format!("storage parameters of index {} are not modeled", index.name),
            );
        }
        let unnamed = name.is_none();
        let table = self.schema.table_mut(&tq).expect("checked above");
        let pos = table.indexes.len();
        table.indexes.push(index);
        if unnamed {
            self.info.table(&tq).unnamed_indexes.insert(pos);
        }
        self.provenance.locations.insert(
            format!("index {tq}.{}", name.unwrap_or_default()),
            self.loc(piece),
        );
        Ok(())
    }

    /// `CREATE INDEX ... ON materialized_view`: kept with the view, in name order.
    fn create_view_index(&mut self, piece: &Piece, vq: &QualifiedName, ci: &ast::CreateIndex) {
        let parts = self.index_parts(&ci.columns, None);
        let Some(name) = ci.name.as_ref().map(|n| self.qname(n).name) else {
            self.warn(
                piece,
                format!("unnamed index on materialized view {vq} skipped: name it"),
            );
            return;
        };
        let mut method = ci.using.as_ref().and_then(index_method);
        for opt in &ci.index_options {
            if let ast::IndexOption::Using(t) = opt {
                method = index_method(t);
            }
        }
        let index = Index {
            name: name.clone(),
            unique: ci.unique,
            parts,
            method,
            include: ci.include.iter().map(|i| self.ident(i)).collect(),
            predicate: ci.predicate.as_ref().map(|p| self.expr(p)),
            nulls_not_distinct: ci.nulls_distinct == Some(false),
            comment: None,
        };
        if !ci.with.is_empty() {
            self.warn(
                piece,
                format!("storage parameters of index {name} are not modeled"),
            );
        }
        let loc = self.loc(piece);
        let Some(view) = self.schema.view_mut(vq) else {
            return;
        };
        if view.indexes.iter().any(|i| i.name == name) {
            if !ci.if_not_exists {
                self.warn(piece, format!("index {name} on {vq} already exists"));
            }
            return;
        }
        view.indexes.push(index);
        view.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.provenance
            .locations
            .insert(format!("index {vq}.{name}"), loc);
    }

    fn alter_table(&mut self, piece: &Piece, at: ast::AlterTable) -> Result<(), SqlError> {
        let qn = self.resolve_table(self.qname(&at.name));
        let Some(mut table) = self.schema.table(&qn).cloned() else {
            self.warn(piece, format!("ALTER TABLE on unknown table {qn} skipped"));
            return Ok(());
        };
        let mut new_name = None;
        for op in at.operations {
            match op {
                AlterTableOperation::AddConstraint { constraint, .. } => {
                    self.table_constraint(piece, &qn, &mut table, constraint, true)
                }
                AlterTableOperation::AddColumn {
                    column_def,
                    if_not_exists,
                    ..
                } => {
                    if !(if_not_exists && table.columns.contains_key(&self.ident(&column_def.name)))
                    {
                        self.column_def(piece, &qn, &mut table, &column_def);
                    }
                }
                AlterTableOperation::DropColumn { column_names, .. } => {
                    for c in column_names {
                        let c = self.ident(&c);
                        table.columns.shift_remove(&c);
                    }
                }
                AlterTableOperation::DropConstraint { name, .. } => {
                    let n = self.ident(&name);
                    drop_constraint(&mut table, &n);
                }
                AlterTableOperation::DropPrimaryKey { .. } => table.primary_key = None,
                AlterTableOperation::DropForeignKey { name, .. } => {
                    let n = self.ident(&name);
                    table.foreign_keys.retain(|f| f.name.as_deref() != Some(&n));
                }
                AlterTableOperation::DropIndex { name } => {
                    let n = self.ident(&name);
                    table.indexes.retain(|i| i.name != n);
                }
                AlterTableOperation::RenameColumn {
                    old_column_name,
                    new_column_name,
                } => {
                    let (o, n) = (self.ident(&old_column_name), self.ident(&new_column_name));
                    rename_column(&mut table, &o, &n);
                }
                AlterTableOperation::RenameConstraint { old_name, new_name } => {
                    let (o, n) = (self.ident(&old_name), self.ident(&new_name));
                    rename_constraint(&mut table, &o, &n);
                }
                AlterTableOperation::RenameTable { table_name } => {
                    let n = match table_name {
                        ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
                    };
                    new_name = Some(self.qname(&n).name);
                }
                AlterTableOperation::AlterColumn { column_name, op } => {
                    let c = self.ident(&column_name);
                    let Some(mut col) = table.columns.get(&c).cloned() else {
                        self.warn(
                            piece,
                            format!("ALTER COLUMN on unknown column {qn}.{c} skipped"),
                        );
                        continue;
                    };
                    match op {
                        AlterColumnOperation::SetNotNull => col.nullable = false,
                        AlterColumnOperation::DropNotNull => col.nullable = true,
                        AlterColumnOperation::SetDefault { value } => {
                            col.default = Some(self.expr(&value))
                        }
                        AlterColumnOperation::DropDefault => col.default = None,
                        AlterColumnOperation::SetDataType { data_type, .. } => {
                            col.ty = dia::parse_type(self.dialect, &data_type.to_string())
                        }
                        AlterColumnOperation::AddGenerated {
                            generated_as,
                            sequence_options,
                        } => {
                            let sequence =
                                self.sequence_options(sequence_options.as_deref().unwrap_or(&[]));
                            col.identity = Some(match generated_as {
                                Some(ast::GeneratedAs::ByDefault) => {
                                    Identity::ByDefault { sequence }
                                }
                                _ => Identity::Always { sequence },
                            });
                            col.nullable = false;
                        }
                    }
                    table.columns.insert(c, col);
                }
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    options,
                    ..
                } => {
                    let def = column_def(col_name.clone(), data_type, options);
                    self.replace_column(piece, &qn, &mut table, &self.ident(&col_name), &def);
                }
                AlterTableOperation::ChangeColumn {
                    old_name,
                    new_name,
                    data_type,
                    options,
                    ..
                } => {
                    let def = column_def(new_name, data_type, options);
                    self.replace_column(piece, &qn, &mut table, &self.ident(&old_name), &def);
                }
                AlterTableOperation::EnableRowLevelSecurity => {
                    if let TableOptions::Postgres(p) = &mut table.options {
                        p.row_level_security = true;
                    }
                }
                AlterTableOperation::DisableRowLevelSecurity => {
                    if let TableOptions::Postgres(p) = &mut table.options {
                        p.row_level_security = false;
                    }
                }
                AlterTableOperation::ForceRowLevelSecurity => {
                    if let TableOptions::Postgres(p) = &mut table.options {
                        p.force_row_level_security = true;
                    }
                }
                AlterTableOperation::NoForceRowLevelSecurity => {
                    if let TableOptions::Postgres(p) = &mut table.options {
                        p.force_row_level_security = false;
                    }
                }
                AlterTableOperation::OwnerTo { .. } => {
                    self.ignore("OWNER", "ownership is not modeled")
                }
                AlterTableOperation::AutoIncrement { .. } => {}
                other => self.warn(
                    piece,
                    format!("ALTER TABLE {qn} `{other}` is not modeled yet"),
                ),
            }
        }
        let ns = self.schema.namespace_mut(&qn.namespace);
        ns.tables.insert(qn.name.clone(), table);
        if let Some(n) = new_name {
            self.rename_table(&qn, &n);
        }
        Ok(())
    }

    /// MySQL `MODIFY`/`CHANGE`: a whole new definition in the same position.
    fn replace_column(
        &mut self,
        piece: &Piece,
        qn: &QualifiedName,
        table: &mut Table,
        old: &str,
        def: &ast::ColumnDef,
    ) {
        let mut scratch = Table::new(table.name.clone());
        self.column_def(piece, qn, &mut scratch, def);
        let Some((new_name, col)) = scratch.columns.into_iter().next() else {
            return;
        };
        if let Some(pos) = table.columns.get_index_of(old) {
            if new_name != old {
                rename_column(table, old, &new_name);
            }
            table.columns.insert(new_name.clone(), col);
            let last = table.columns.len() - 1;
            if let Some(cur) = table.columns.get_index_of(&new_name)
                && cur != pos
                && cur == last
            {
                table.columns.move_index(cur, pos);
            }
        }
        table.primary_key = table.primary_key.take().or(scratch.primary_key);
        table.uniques.extend(scratch.uniques);
        table.checks.extend(scratch.checks);
        table.foreign_keys.extend(scratch.foreign_keys);
    }

    fn rename_table(&mut self, from: &QualifiedName, to: &str) {
        if let Some(ns) = self.schema.namespaces.get_mut(&from.namespace)
            && let Some(idx) = ns.tables.get_index_of(&from.name)
        {
            let (_, mut t) = ns.tables.shift_remove_index(idx).expect("index exists");
            t.name = to.to_string();
            ns.tables.insert(to.to_string(), t);
            let last = ns.tables.len() - 1;
            ns.tables.move_index(last, idx);
            let new = QualifiedName::new(from.namespace.clone(), to);
            for t in self
                .schema
                .namespaces
                .values_mut()
                .flat_map(|n| n.tables.values_mut())
            {
                for fk in &mut t.foreign_keys {
                    if fk.ref_table == *from {
                        fk.ref_table = new.clone();
                    }
                }
            }
            // A table's triggers move with it (their bodies are kept as written).
            if let Some(ns) = self.schema.namespaces.get_mut(&from.namespace)
                && ns.triggers.values().any(|t| t.table == *from)
            {
                let triggers = std::mem::take(&mut ns.triggers);
                for (key, mut t) in triggers {
                    if t.table == *from {
                        t.table = new.clone();
                        ns.triggers.insert(t.key(), t);
                    } else {
                        ns.triggers.insert(key, t);
                    }
                }
            }
        }
    }

    fn create_view(&mut self, piece: &Piece, cv: ast::CreateView) -> Result<(), SqlError> {
        let qn = self.qname(&cv.name);
        let sql = cv.query.to_string();
        // Databases store `SELECT *` with the columns it meant when the view was created; compare
        // on that expansion (the SQL kept for rendering stays as written).
        let definition = match self.expand_wildcards(&cv.query) {
            Some(expanded) => migrex_model::Expr::with_key(
                sql.clone(),
                dia::query_key(self.dialect, &expanded.to_string()),
            ),
            None => dia::query_expr(self.dialect, &sql),
        };
        // A CTE's name is read as a relation but is no object the view depends on.
        let mut ctes = CteNames::default();
        let _ = ast::Visit::visit(&*cv.query, &mut ctes);
        let mut depends_on = Vec::new();
        let _ = ast::visit_relations(&cv.query, |rel| {
            let is_cte = rel.0.len() == 1
                && rel.0[0]
                    .as_ident()
                    .is_some_and(|i| ctes.0.contains(&self.ident(i)));
            let q = self.qname(rel);
            if !is_cte && !depends_on.contains(&q) {
                depends_on.push(q);
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        let view = View {
            name: qn.name.clone(),
            definition,
            columns: cv.columns.iter().map(|c| self.ident(&c.name)).collect(),
            materialized: cv.materialized,
            check_option: None,
            security_invoker: matches!(
                cv.params.as_ref().and_then(|p| p.security.as_ref()),
                Some(ast::CreateViewSecurity::Invoker)
            ),
            comment: cv.comment.clone(),
            depends_on,
            indexes: Vec::new(),
            cluster_on: None,
        };
        if cv.if_not_exists && self.schema.view(&qn).is_some() {
            return Ok(());
        }
        // As live introspection reports it.
        if let Some(a) = cv.params.as_ref().and_then(|p| p.algorithm.as_ref())
            && !matches!(a, ast::CreateViewAlgorithm::Undefined)
        {
            self.warn(
                piece,
                format!(
                    "{}: ALGORITHM={a} is not modeled; the view is read without it",
                    qn.name
                ),
            );
        }
        self.provenance
            .locations
            .insert(format!("view {qn}"), self.loc(piece));
        self.schema
            .namespace_mut(&qn.namespace)
            .views
            .insert(qn.name.clone(), view);
        Ok(())
    }

    /// The query with a top-level `SELECT *` / `t.*` replaced by the columns of the tables it reads,
    /// when every one of them is a table read so far; `None` when there is nothing to expand.
    fn expand_wildcards(&self, query: &ast::Query) -> Option<ast::Query> {
        let ast::SetExpr::Select(select) = query.body.as_ref() else {
            return None;
        };
        let has_wildcard = select.projection.iter().any(|i| {
            matches!(
                i,
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..)
            )
        });
        if !has_wildcard {
            return None;
        }
        // (name or alias used in the query, its columns) in FROM order.
        let mut sources: Vec<(String, Vec<String>)> = Vec::new();
        for twj in &select.from {
            for factor in
                std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
            {
                let ast::TableFactor::Table { name, alias, .. } = factor else {
                    return None;
                };
                let table = self.schema.table(&self.resolve_table(self.qname(name)))?;
                let label = match alias {
                    Some(a) => self.ident(&a.name),
                    None => self.qname(name).name,
                };
                sources.push((label, table.columns.keys().cloned().collect()));
            }
        }
        let qualify = sources.len() > 1;
        let column = |label: &str, c: &str| {
            let col = ast::Ident::with_quote('"', c);
            if qualify {
                ast::SelectItem::UnnamedExpr(AstExpr::CompoundIdentifier(vec![
                    ast::Ident::with_quote('"', label),
                    col,
                ]))
            } else {
                ast::SelectItem::UnnamedExpr(AstExpr::Identifier(col))
            }
        };
        let mut projection = Vec::new();
        for item in &select.projection {
            match item {
                ast::SelectItem::Wildcard(_) => {
                    for (label, cols) in &sources {
                        projection.extend(cols.iter().map(|c| column(label, c)));
                    }
                }
                ast::SelectItem::QualifiedWildcard(
                    ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                    _,
                ) => {
                    let label = self.qname(n).name;
                    let (_, cols) = sources.iter().find(|(l, _)| *l == label)?;
                    projection.extend(cols.iter().map(|c| column(&label, c)));
                }
                ast::SelectItem::QualifiedWildcard(..) => return None,
                other => projection.push(other.clone()),
            }
        }
        let mut expanded = query.clone();
        if let ast::SetExpr::Select(sel) = expanded.body.as_mut() {
            sel.projection = projection;
        }
        Some(expanded)
    }

    fn comment(
        &mut self,
        piece: &Piece,
        kind: CommentObject,
        name: &ObjectName,
        text: Option<String>,
    ) {
        match kind {
            CommentObject::Table => {
                let qn = self.qname(name);
                if let Some(t) = self.schema.table_mut(&qn) {
                    t.comment = text;
                } else if let Some(v) = self.schema.view_mut(&qn) {
                    v.comment = text;
                } else {
                    self.warn(piece, format!("comment on unknown table {qn} skipped"));
                }
            }
            CommentObject::View | CommentObject::MaterializedView => {
                let qn = self.qname(name);
                match self.schema.view_mut(&qn) {
                    Some(v) => v.comment = text,
                    None => self.warn(piece, format!("comment on unknown view {qn} skipped")),
                }
            }
            CommentObject::Column => match self.column_ref(name) {
                Some((tq, c)) => match self
                    .schema
                    .table_mut(&tq)
                    .and_then(|t| t.columns.get_mut(&c))
                {
                    Some(col) => col.comment = text,
                    None => self.warn(piece, format!("comment on unknown column {tq}.{c} skipped")),
                },
                None => self.warn(
                    piece,
                    format!("comment on column {name} skipped: expected table.column"),
                ),
            },
            CommentObject::Schema => {
                let n = name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map(|i| self.ident(i))
                    .unwrap_or_default();
                self.schema.namespace_mut(&n).comment = text;
            }
            CommentObject::Type | CommentObject::Domain => {
                let qn = self.qname(name);
                let ns = self.schema.namespaces.get_mut(&qn.namespace);
                let slot = ns.and_then(|n| {
                    if kind == CommentObject::Domain {
                        return n.domains.get_mut(&qn.name).map(|d| &mut d.comment);
                    }
                    // COMMENT ON TYPE also names domains.
                    n.enums
                        .get_mut(&qn.name)
                        .map(|e| &mut e.comment)
                        .or_else(|| n.composites.get_mut(&qn.name).map(|c| &mut c.comment))
                        .or_else(|| n.domains.get_mut(&qn.name).map(|d| &mut d.comment))
                });
                match slot {
                    Some(c) => *c = text,
                    None => self.warn(piece, format!("comment on unknown type {qn} skipped")),
                }
            }
            CommentObject::Extension if self.dialect == Dialect::Postgres => {
                self.comment_extension(piece, name, text)
            }
            CommentObject::Sequence => {
                let qn = self.qname(name);
                if let Some(s) = self.schema.sequence_mut(&qn) {
                    s.comment = text;
                }
            }
            CommentObject::Index => {
                let qn = self.qname(name);
                let found = self.schema.namespaces.get_mut(&qn.namespace).and_then(|n| {
                    n.tables
                        .values_mut()
                        .flat_map(|t| t.indexes.iter_mut())
                        .chain(n.views.values_mut().flat_map(|v| v.indexes.iter_mut()))
                        .find(|i| i.name == qn.name)
                });
                match found {
                    Some(i) => i.comment = text,
                    None => self.warn(piece, format!("comment on index {qn} skipped (constraint indexes keep no comment here)")),
                }
            }
            other => self.warn(
                piece,
                format!("comment on {other:?} {name} is not modeled yet"),
            ),
        }
    }

    fn drop(&mut self, kind: ObjectType, name: &ObjectName) {
        let qn = self.qname(name);
        let Some(ns) = self.schema.namespaces.get_mut(&qn.namespace) else {
            return;
        };
        match kind {
            ObjectType::Table => {
                ns.tables.shift_remove(&qn.name);
                // Its triggers and rules go with it.
                ns.triggers.retain(|_, t| t.table.name != qn.name);
                ns.rules.retain(|_, r| r.table.name != qn.name);
            }
            ObjectType::View | ObjectType::MaterializedView => {
                ns.views.shift_remove(&qn.name);
                ns.triggers.retain(|_, t| t.table.name != qn.name);
                ns.rules.retain(|_, r| r.table.name != qn.name);
            }
            ObjectType::Index => {
                let unmark = |mark: &mut Option<String>| {
                    if mark.as_deref() == Some(qn.name.as_str()) {
                        *mark = None;
                    }
                };
                for t in ns.tables.values_mut() {
                    t.indexes.retain(|i| i.name != qn.name);
                    unmark(&mut t.cluster_on);
                }
                for v in ns.views.values_mut() {
                    v.indexes.retain(|i| i.name != qn.name);
                    unmark(&mut v.cluster_on);
                }
            }
            ObjectType::Type => {
                ns.enums.shift_remove(&qn.name);
                ns.composites.shift_remove(&qn.name);
            }

            ObjectType::Sequence => {
                ns.sequences.shift_remove(&qn.name);
            }
            ObjectType::Schema if self.dialect == Dialect::Postgres => {
                self.schema.namespaces.shift_remove(&qn.name);
            }
            _ => {}
        }
    }

    /// `-- @renamed from=old` on a column's line renames that column; on the table's line (before
    /// its first column) renames the table.
    fn rename_hints(&mut self, piece: &Piece, qn: &QualifiedName, ct: &ast::CreateTable) {
        let first_col_line = ct
            .columns
            .first()
            .map(|c| c.name.span.start.line + piece.line - 1);
        for (line, text) in &piece.comments {
            let Some(old) = rename_hint(text) else {
                continue;
            };
            let old = match self.dialect {
                Dialect::Postgres if !old.1 => old.0.to_lowercase(),
                _ => old.0,
            };
            let col = ct
                .columns
                .iter()
                .rev()
                .find(|c| c.name.span.start.line + piece.line - 1 == *line);
            if let Some(c) = col {
                let new = self.ident(&c.name);
                self.renames.columns.insert((qn.clone(), old), new);
            } else if first_col_line.is_none_or(|f| *line < f) {
                self.renames
                    .tables
                    .insert(QualifiedName::new(qn.namespace.clone(), old), qn.clone());
            }
        }
    }

    /// After every statement: resolve what could only be known at the end.
    fn resolve(&mut self) {
        // `REFERENCES t` without columns means t's primary key.
        let pks: std::collections::HashMap<QualifiedName, Vec<String>> = self
            .schema
            .tables()
            .filter_map(|(q, t)| t.primary_key.as_ref().map(|p| (q, p.columns.clone())))
            .collect();
        let enums: std::collections::HashSet<QualifiedName> = self
            .schema
            .namespaces
            .iter()
            .flat_map(|(ns, n)| {
                n.enums
                    .keys()
                    .map(move |e| QualifiedName::new(ns.clone(), e.clone()))
            })
            .collect();
        let dialect = self.dialect;
        for ns in self.schema.namespaces.values_mut() {
            for t in ns.tables.values_mut() {
                for fk in &mut t.foreign_keys {
                    if fk.ref_columns.is_empty()
                        && let Some(cols) = pks.get(&fk.ref_table)
                    {
                        fk.ref_columns = cols.clone();
                    }
                }
                if dialect == Dialect::Postgres {
                    for c in t.columns.values_mut() {
                        resolve_user_type(&mut c.ty, &enums);
                    }
                }
            }
        }
        for (kind, (n, why)) in std::mem::take(&mut self.ignored) {
            self.warnings.push(Warning {
                message: format!("{n} {kind} statement(s) ignored: {why}"),
                location: Some(self.file.to_string()),
            });
        }
    }
}

/// The names of every `WITH` query inside a statement.
#[derive(Default)]
struct CteNames(Vec<String>);

impl ast::Visitor for CteNames {
    type Break = ();

    fn pre_visit_query(&mut self, query: &ast::Query) -> std::ops::ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                let name = &cte.alias.name;
                // Folded like any identifier of the dialect; unquoted PostgreSQL names are lower case.
                let folded = if name.quote_style.is_none() {
                    name.value.to_lowercase()
                } else {
                    name.value.clone()
                };
                self.0.push(folded);
                self.0.push(name.value.clone());
            }
        }
        std::ops::ControlFlow::Continue(())
    }
}

/// A column definition from MySQL's `MODIFY`/`CHANGE`, whose options come without constraint names.
fn column_def(
    name: ast::Ident,
    data_type: ast::DataType,
    options: Vec<ColumnOption>,
) -> ast::ColumnDef {
    let options = options
        .into_iter()
        .map(|option| ast::ColumnOptionDef { name: None, option })
        .collect();
    ast::ColumnDef {
        name,
        data_type,
        options,
    }
}

/// Splits `a."b.c".d` at the dots outside double quotes.
fn split_dotted(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in text.trim_end_matches(';').chars() {
        match c {
            '"' => {
                quoted = !quoted;
                parts.last_mut().expect("never empty").push(c);
            }
            '.' if !quoted => parts.push(String::new()),
            _ => parts.last_mut().expect("never empty").push(c),
        }
    }
    parts
}

/// A `CREATE MATERIALIZED VIEW` without its trailing `WITH [NO] DATA`.
fn strip_matview_data_clause(text: &str) -> String {
    let t = text.trim_end().trim_end_matches(';').trim_end();
    if !leading_words(t, 3).starts_with("CREATE MATERIALIZED VIEW") {
        return text.to_string();
    }
    let upper = t.to_ascii_uppercase();
    for clause in ["WITH NO DATA", "WITH DATA"] {
        if let Some(head) = upper.strip_suffix(clause)
            && head.ends_with(char::is_whitespace)
        {
            return t[..head.len()].trim_end().to_string();
        }
    }
    text.to_string()
}

/// `CREATE VIEW ... WITH [LOCAL|CASCADED] CHECK OPTION`, which sqlparser does not read: the
/// statement without the clause, and the option (`cascaded` when not named, as the databases do).
fn split_check_option(text: &str) -> (String, Option<String>) {
    let trimmed = text.trim_end().trim_end_matches(';').trim_end();
    let upper = trimmed.to_ascii_uppercase();
    if !upper.starts_with("CREATE") || !upper.ends_with("CHECK OPTION") || !upper.contains(" VIEW ")
    {
        return (text.to_string(), None);
    }
    let head = &upper[..upper.len() - "CHECK OPTION".len()];
    let head = head.trim_end();
    let (head, option) = if let Some(h) = head.strip_suffix("LOCAL") {
        (h.trim_end(), "local")
    } else if let Some(h) = head.strip_suffix("CASCADED") {
        (h.trim_end(), "cascaded")
    } else {
        (head, "cascaded")
    };
    match head.strip_suffix("WITH") {
        Some(h) => (
            trimmed[..h.len()].trim_end().to_string(),
            Some(option.to_string()),
        ),
        None => (text.to_string(), None),
    }
}

/// PostgreSQL: a type name that names an enum of the schema is that enum.
fn resolve_user_type(ty: &mut ColumnType, enums: &std::collections::HashSet<QualifiedName>) {
    match ty {
        ColumnType::Other { name } => {
            let (ns, n) = match name.rsplit_once('.') {
                Some((ns, n)) => (
                    ns.trim_matches('"').to_string(),
                    n.trim_matches('"').to_string(),
                ),
                None => ("public".to_string(), name.trim_matches('"').to_string()),
            };
            let q = QualifiedName::new(ns, n);
            if enums.contains(&q) {
                *ty = ColumnType::UserDefined { name: q };
            }
        }
        ColumnType::Array { element } => resolve_user_type(element, enums),
        _ => {}
    }
}

/// Parses `@renamed from=old` / `@renamed from="old name"`; returns the name and whether it was quoted.
fn rename_hint(comment: &str) -> Option<(String, bool)> {
    let rest = comment
        .trim()
        .trim_start_matches("/*")
        .trim_end_matches("*/")
        .trim();
    let rest = rest.strip_prefix("@renamed")?.trim_start();
    let rest = rest
        .strip_prefix("from")?
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    if let Some(q) = rest.strip_prefix('"') {
        return q.split_once('"').map(|(n, _)| (n.to_string(), true));
    }
    if let Some(q) = rest.strip_prefix('`') {
        return q.split_once('`').map(|(n, _)| (n.to_string(), true));
    }
    let name: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    (!name.is_empty()).then_some((name, false))
}

fn drop_constraint(table: &mut Table, name: &str) {
    if table
        .primary_key
        .as_ref()
        .is_some_and(|p| p.name.as_deref() == Some(name))
    {
        table.primary_key = None;
    }
    table.uniques.retain(|u| u.name.as_deref() != Some(name));
    table
        .foreign_keys
        .retain(|f| f.name.as_deref() != Some(name));
    table.checks.retain(|c| c.name.as_deref() != Some(name));
    table.indexes.retain(|i| i.name != name);
}

fn rename_constraint(table: &mut Table, from: &str, to: &str) {
    let hit = |n: &mut Option<String>| {
        if n.as_deref() == Some(from) {
            *n = Some(to.to_string());
        }
    };
    if let Some(p) = &mut table.primary_key {
        hit(&mut p.name);
    }
    table.uniques.iter_mut().for_each(|u| hit(&mut u.name));
    table.foreign_keys.iter_mut().for_each(|f| hit(&mut f.name));
    table.checks.iter_mut().for_each(|c| hit(&mut c.name));
}

/// Renames a column everywhere the table mentions it.
pub(crate) fn rename_column(table: &mut Table, from: &str, to: &str) {
    if let Some(idx) = table.columns.get_index_of(from) {
        let (_, mut col) = table.columns.shift_remove_index(idx).expect("index exists");
        col.name = to.to_string();
        table.columns.insert(to.to_string(), col);
        let last = table.columns.len() - 1;
        table.columns.move_index(last, idx);
    }
    let ren = |v: &mut Vec<String>| {
        v.iter_mut()
            .filter(|c| *c == from)
            .for_each(|c| *c = to.to_string())
    };
    if let Some(p) = &mut table.primary_key {
        ren(&mut p.columns);
    }
    table.uniques.iter_mut().for_each(|u| ren(&mut u.columns));
    table
        .foreign_keys
        .iter_mut()
        .for_each(|f| ren(&mut f.columns));
    for i in &mut table.indexes {
        ren(&mut i.include);
        for p in &mut i.parts {
            if p.key == IndexKey::Column(from.to_string()) {
                p.key = IndexKey::Column(to.to_string());
            }
        }
    }
}

fn deferrable(c: Option<&ast::ConstraintCharacteristics>) -> Option<Deferrable> {
    let c = c?;
    match (c.deferrable, c.initially) {
        (Some(true), Some(ast::DeferrableInitial::Deferred)) => Some(Deferrable::InitiallyDeferred),
        (Some(true), _) => Some(Deferrable::InitiallyImmediate),
        // INITIALLY DEFERRED implies DEFERRABLE.
        (None, Some(ast::DeferrableInitial::Deferred)) => Some(Deferrable::InitiallyDeferred),
        _ => None,
    }
}

fn sqlite_autoincrement(pk: &ast::PrimaryKeyConstraint) -> bool {
    // sqlparser keeps SQLite's `PRIMARY KEY AUTOINCREMENT` as an index option or characteristic text.
    pk.to_string()
        .to_ascii_uppercase()
        .contains("AUTOINCREMENT")
}

fn prefix_len(f: &ast::Function) -> Option<u32> {
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(AstExpr::Value(v)))] => {
            v.to_string().parse().ok()
        }
        _ => None,
    }
}

fn index_method(t: &ast::IndexType) -> Option<String> {
    let m = match t {
        ast::IndexType::BTree => return None,
        ast::IndexType::Hash => "hash".to_string(),
        ast::IndexType::GIN => "gin".to_string(),
        ast::IndexType::GiST => "gist".to_string(),
        ast::IndexType::SPGiST => "spgist".to_string(),
        ast::IndexType::BRIN => "brin".to_string(),
        ast::IndexType::Bloom => "bloom".to_string(),
        ast::IndexType::Custom(name) => name.value.to_lowercase(),
    };
    (m != "btree").then_some(m)
}

fn unquote_name(n: &ObjectName) -> String {
    n.0.iter()
        .map(|p| match p.as_ident() {
            Some(i) => i.value.clone(),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn comment_text(c: &ast::CommentDef) -> String {
    match c {
        ast::CommentDef::WithEq(s) | ast::CommentDef::WithoutEq(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::rename_hint;

    #[test]
    fn rename_hint_forms() {
        assert_eq!(
            rename_hint("@renamed from=username"),
            Some(("username".into(), false))
        );
        assert_eq!(
            rename_hint("/* @renamed from=\"user name\" */"),
            Some(("user name".into(), true))
        );
        assert_eq!(rename_hint("just a comment"), None);
    }

    /// One statement read without the splitting pass reads as the same statement in a script,
    /// and its errors point into the text given.
    #[test]
    fn one_statement_reads_as_in_a_script() {
        use migrex_model::Dialect;
        let def = "CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\nBEGIN\n  NEW.at := now(); RETURN NEW;\nEND\n$function$\n";
        for text in [def.to_string(), format!("\n  {def};\n")] {
            let one = super::lower_statement(&text, Dialect::Postgres, "f").unwrap();
            let script = super::lower_script(&text, Dialect::Postgres, "f").unwrap();
            assert_eq!(one.schema, script.schema, "{text}");
            assert_eq!(one.schema.namespaces["public"].functions.len(), 1);
        }
        let err = super::lower_statement("\n\n  CREATE TABLE (", Dialect::Postgres, "f")
            .expect_err("not a statement");
        assert_eq!((err.file.as_str(), err.line), ("f", 3), "{err:?}");
    }
}
