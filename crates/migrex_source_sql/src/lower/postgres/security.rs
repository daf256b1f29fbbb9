//! PostgreSQL row-level security policies (`CREATE/ALTER/DROP POLICY`, `COMMENT ON POLICY`) and
//! extensions (`CREATE/ALTER/DROP EXTENSION`, `COMMENT ON EXTENSION`).
//!
//! Kept as the catalogs hold them: a policy's roles sorted, `PUBLIC` as no role at all; its
//! expressions normalized like any other. An extension's schema is `None` when it is `public`
//! (where an unqualified `CREATE EXTENSION` puts it), and `plpgsql`, which every database has,
//! is not an object of the schema.

use super::super::Lower;
use super::objects::{expect_word, string_value, word, words};
use crate::split::Piece;
use migrex_model::{Dialect, Extension, Policy, PolicyCommand, QualifiedName};
use sqlparser::ast;
use sqlparser::parser::{Parser, ParserError};

/// The comment `CREATE EXTENSION` gives each extension of the PostgreSQL distribution (and two
/// common others), from their control files. pg_dump writes it for every extension; the database
/// reads it as no comment of the user's, so a dump reads that way too.
const STOCK_COMMENTS: &[(&str, &str)] = &[
    ("adminpack", "administrative functions for PostgreSQL"),
    ("amcheck", "functions for verifying relation integrity"),
    ("autoinc", "functions for autoincrementing fields"),
    ("bloom", "bloom access method - signature file based index"),
    ("btree_gin", "support for indexing common datatypes in GIN"),
    (
        "btree_gist",
        "support for indexing common datatypes in GiST",
    ),
    ("citext", "data type for case-insensitive character strings"),
    ("cube", "data type for multidimensional cubes"),
    (
        "dblink",
        "connect to other PostgreSQL databases from within a database",
    ),
    ("dict_int", "text search dictionary template for integers"),
    (
        "dict_xsyn",
        "text search dictionary template for extended synonym processing",
    ),
    (
        "earthdistance",
        "calculate great-circle distances on the surface of the Earth",
    ),
    ("file_fdw", "foreign-data wrapper for flat file access"),
    (
        "fuzzystrmatch",
        "determine similarities and distance between strings",
    ),
    ("hstore", "data type for storing sets of (key, value) pairs"),
    (
        "insert_username",
        "functions for tracking who changed a table",
    ),
    ("intagg", "integer aggregator and enumerator (obsolete)"),
    (
        "intarray",
        "functions, operators, and index support for 1-D arrays of integers",
    ),
    (
        "isn",
        "data types for international product numbering standards",
    ),
    ("lo", "Large Object maintenance"),
    ("ltree", "data type for hierarchical tree-like structures"),
    (
        "moddatetime",
        "functions for tracking last modification time",
    ),
    (
        "old_snapshot",
        "utilities in support of old_snapshot_threshold",
    ),
    (
        "pageinspect",
        "inspect the contents of database pages at a low level",
    ),
    ("pg_buffercache", "examine the shared buffer cache"),
    ("pg_freespacemap", "examine the free space map (FSM)"),
    ("pg_prewarm", "prewarm relation data"),
    (
        "pg_stat_statements",
        "track planning and execution statistics of all SQL statements executed",
    ),
    (
        "pg_surgery",
        "extension to perform surgery on a damaged relation",
    ),
    (
        "pg_trgm",
        "text similarity measurement and index searching based on trigrams",
    ),
    (
        "pg_visibility",
        "examine the visibility map (VM) and page-level visibility info",
    ),
    (
        "pg_walinspect",
        "functions to inspect contents of PostgreSQL Write-Ahead Log",
    ),
    ("pgcrypto", "cryptographic functions"),
    ("pgrowlocks", "show row-level locking information"),
    ("pgstattuple", "show tuple-level statistics"),
    (
        "postgres_fdw",
        "foreign-data wrapper for remote PostgreSQL servers",
    ),
    (
        "refint",
        "functions for implementing referential integrity (obsolete)",
    ),
    (
        "seg",
        "data type for representing line segments or floating-point intervals",
    ),
    ("sslinfo", "information about SSL certificates"),
    (
        "tablefunc",
        "functions that manipulate whole tables, including crosstab",
    ),
    ("tcn", "Triggered change notifications"),
    (
        "tsm_system_rows",
        "TABLESAMPLE method which accepts number of rows as a limit",
    ),
    (
        "tsm_system_time",
        "TABLESAMPLE method which accepts time in milliseconds as a limit",
    ),
    ("unaccent", "text search dictionary that removes accents"),
    (
        "uuid-ossp",
        "generate universally unique identifiers (UUIDs)",
    ),
    ("xml2", "XPath querying and XSLT"),
    (
        "postgis",
        "PostGIS geometry and geography spatial types and functions",
    ),
    (
        "vector",
        "vector data type and ivfflat and hnsw access methods",
    ),
];

fn unnest(e: &ast::Expr) -> &ast::Expr {
    match e {
        ast::Expr::Nested(inner) => unnest(inner),
        other => other,
    }
}

fn expr(e: &ast::Expr) -> migrex_model::Expr {
    migrex_dialect::expr(Dialect::Postgres, &unnest(e).to_string())
}

impl Lower<'_> {
    /// Role names of a `TO` list, sorted; `PUBLIC` is no name. `CURRENT_USER` and the like name
    /// a role only known when the statement runs.
    fn policy_roles(&mut self, piece: &Piece, to: &[ast::Owner]) -> Vec<String> {
        let mut roles = Vec::new();
        for o in to {
            match o {
                ast::Owner::Ident(i)
                    if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("public") => {}
                ast::Owner::Ident(i) => roles.push(self.ident(i)),
                other => self.warn(
                    piece,
                    format!(
                        "policy role {other} is the role running the statement; it is not modeled"
                    ),
                ),
            }
        }
        roles.sort();
        roles.dedup();
        roles
    }

    pub(in crate::lower) fn pg_create_policy(&mut self, piece: &Piece, cp: &ast::CreatePolicy) {
        let table = self.qname(&cp.table_name);
        let name = self.ident(&cp.name);
        let roles = cp
            .to
            .as_deref()
            .map(|to| self.policy_roles(piece, to))
            .unwrap_or_default();
        let command = match cp.command {
            None | Some(ast::CreatePolicyCommand::All) => PolicyCommand::All,
            Some(ast::CreatePolicyCommand::Select) => PolicyCommand::Select,
            Some(ast::CreatePolicyCommand::Insert) => PolicyCommand::Insert,
            Some(ast::CreatePolicyCommand::Update) => PolicyCommand::Update,
            Some(ast::CreatePolicyCommand::Delete) => PolicyCommand::Delete,
        };
        let policy = Policy {
            name: name.clone(),
            permissive: !matches!(cp.policy_type, Some(ast::CreatePolicyType::Restrictive)),
            command,
            roles,
            using: cp.using.as_ref().map(expr),
            with_check: cp.with_check.as_ref().map(expr),
            comment: None,
        };
        let Some(t) = self.schema.table_mut(&table) else {
            self.warn(
                piece,
                format!("policy {name} on unknown table {table} skipped"),
            );
            return;
        };
        t.policies.retain(|p| p.name != name);
        t.policies.push(policy);
        t.policies.sort_by(|a, b| a.name.cmp(&b.name));
        self.provenance
            .locations
            .insert(format!("policy {name} on {table}"), self.loc(piece));
    }

    pub(in crate::lower) fn pg_alter_policy(&mut self, piece: &Piece, ap: &ast::AlterPolicy) {
        let table = self.qname(&ap.table_name);
        let name = self.ident(&ap.name);
        let new_name = match &ap.operation {
            ast::AlterPolicyOperation::Rename { new_name } => Some(self.ident(new_name)),
            _ => None,
        };
        let roles = match &ap.operation {
            ast::AlterPolicyOperation::Apply { to: Some(to), .. } => {
                Some(self.policy_roles(piece, to))
            }
            _ => None,
        };
        let Some(p) = self
            .schema
            .table_mut(&table)
            .and_then(|t| t.policies.iter_mut().find(|p| p.name == name))
        else {
            self.warn(
                piece,
                format!("ALTER POLICY on unknown policy {name} on {table} skipped"),
            );
            return;
        };
        match &ap.operation {
            ast::AlterPolicyOperation::Rename { .. } => {
                p.name = new_name.unwrap_or_default();
                if let Some(t) = self.schema.table_mut(&table) {
                    t.policies.sort_by(|a, b| a.name.cmp(&b.name));
                }
            }
            ast::AlterPolicyOperation::Apply {
                using, with_check, ..
            } => {
                if let Some(r) = roles {
                    p.roles = r;
                }
                if let Some(u) = using {
                    p.using = Some(expr(u));
                }
                if let Some(w) = with_check {
                    p.with_check = Some(expr(w));
                }
            }
        }
    }

    pub(in crate::lower) fn pg_drop_policy(&mut self, piece: &Piece, dp: &ast::DropPolicy) {
        let table = self.qname(&dp.table_name);
        let name = self.ident(&dp.name);
        let removed = self.schema.table_mut(&table).is_some_and(|t| {
            let before = t.policies.len();
            t.policies.retain(|p| p.name != name);
            t.policies.len() != before
        });
        if !removed && !dp.if_exists {
            self.warn(
                piece,
                format!("DROP of unknown policy {name} on {table} skipped"),
            );
        }
    }

    pub(super) fn comment_policy(
        &mut self,
        piece: &Piece,
        table: &QualifiedName,
        name: &str,
        text: Option<String>,
    ) {
        match self
            .schema
            .table_mut(table)
            .and_then(|t| t.policies.iter_mut().find(|p| p.name == name))
        {
            Some(p) => p.comment = text,
            None => self.warn(
                piece,
                format!("comment on unknown policy {name} on {table} skipped"),
            ),
        }
    }

    /// An extension's schema as the model keeps it: `None` for `public`.
    fn extension_schema(&self, written: Option<&ast::Ident>) -> Option<String> {
        let ns = written.map_or_else(|| self.current_ns.clone(), |i| self.ident(i));
        (ns != "public").then_some(ns)
    }

    pub(in crate::lower) fn pg_create_extension(
        &mut self,
        piece: &Piece,
        ce: &ast::CreateExtension,
    ) {
        let name = self.ident(&ce.name);
        if name == "plpgsql" {
            return;
        }
        if self.schema.extensions.contains_key(&name) {
            if !ce.if_not_exists {
                self.warn(
                    piece,
                    format!("extension {name} is created twice; the last one is kept"),
                );
            } else {
                return;
            }
        }
        let extension = Extension {
            name: name.clone(),
            schema: self.extension_schema(ce.schema.as_ref()),
            version: ce.version.as_ref().map(|v| v.value.clone()),
            comment: None,
        };
        self.provenance
            .locations
            .insert(format!("extension {name}"), self.loc(piece));
        self.schema.extensions.insert(name, extension);
    }

    pub(in crate::lower) fn pg_drop_extension(&mut self, piece: &Piece, de: &ast::DropExtension) {
        for n in &de.names {
            let name = self.ident(n);
            if self.schema.extensions.shift_remove(&name).is_none()
                && !de.if_exists
                && name != "plpgsql"
            {
                self.warn(piece, format!("DROP of unknown extension {name} skipped"));
            }
        }
    }

    pub(in crate::lower) fn comment_extension(
        &mut self,
        piece: &Piece,
        name: &ast::ObjectName,
        text: Option<String>,
    ) {
        let name = self.qname(name).name;
        let stock = STOCK_COMMENTS
            .iter()
            .any(|(n, c)| *n == name && text.as_deref() == Some(*c));
        match self.schema.extensions.get_mut(&name) {
            Some(e) => e.comment = text.filter(|_| !stock),
            None if name == "plpgsql" => {}
            None => self.warn(
                piece,
                format!("comment on unknown extension {name} skipped"),
            ),
        }
    }

    /// `ALTER EXTENSION name UPDATE [TO 'v'] | SET SCHEMA s` (after `ALTER EXTENSION`).
    pub(super) fn alter_extension(
        &mut self,
        piece: &Piece,
        p: &mut Parser,
    ) -> Result<(), ParserError> {
        let name = self.ident(&p.parse_identifier()?);
        if word(p, "UPDATE") {
            let version = if word(p, "TO") {
                let t = p.next_token();
                match (&t.token, string_value(&t.token)) {
                    (_, Some(s)) => Some(s),
                    (sqlparser::tokenizer::Token::Word(w), None) => Some(w.value.clone()),
                    _ => return p.expected("a version", t),
                }
            } else {
                None
            };
            if let Some(e) = self.schema.extensions.get_mut(&name) {
                // Updating to the default version is what `CREATE EXTENSION` without a version does.
                e.version = version;
            }
        } else if words(p, &["SET", "SCHEMA"]) {
            let ns = self.ident(&p.parse_identifier()?);
            if let Some(e) = self.schema.extensions.get_mut(&name) {
                e.schema = (ns != "public").then_some(ns);
            }
        } else if word(p, "OWNER") {
            expect_word(p, "TO")?;
            self.ignore("OWNER", "ownership is not modeled");
        } else {
            self.warn(
                piece,
                format!("ALTER EXTENSION {name}: only UPDATE and SET SCHEMA are read"),
            );
        }
        Ok(())
    }
}
