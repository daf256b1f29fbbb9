//! PostgreSQL functions and procedures, triggers, row-level security (policies and the
//! ENABLE/FORCE flags) and extensions, read in five queries whatever the schema size (comments
//! joined from `pg_description`: `obj_description()` per row costs more than the rest of a query).
//!
//! Routines and triggers are read the way pg_dump reads them, as the definitions PostgreSQL
//! prints (`pg_get_functiondef`, `pg_get_triggerdef`), and those are parsed by the DDL reader:
//! a file and the database it was loaded into then read the same by construction. Function
//! definitions are printed with `search_path` set to `pg_catalog` alone, so every type outside
//! `pg_catalog` comes out qualified; a trigger's table and function are taken from the catalog.
//! Objects that belong to an extension are the extension's and are not read; window functions
//! are not modeled and are warned about (aggregates are read in `rules`).

use super::fetch::{Query, Results};
use super::{cell, flag, strip_outer_parens, text, text_array};
use migrex_model::{
    Dialect, Extension, PgTableOptions, Policy, PolicyCommand, QualifiedName, Schema, TableOptions,
    TriggerAction, Warning,
};

/// Where the readers' results go.
pub(super) struct Sink<'a> {
    pub(super) schema: &'a mut Schema,
    pub(super) warnings: &'a mut Vec<Warning>,
    pub(super) provenance: &'a mut migrex_model::Provenance,
    pub(super) origin: &'a str,
}

impl Sink<'_> {
    pub(super) fn warn(&mut self, location: String, message: String) {
        self.warnings.push(Warning {
            message,
            location: Some(location),
        });
    }
}

/// The queries `read` reads the results of.
pub(super) fn queries(pg13: bool) -> Vec<Query> {
    // Triggers cloned onto partitions come with the parent's trigger.
    let clones = if pg13 { "AND t.tgparentid = 0" } else { "" };
    vec![
        // Definitions printed under a search path of pg_catalog alone (see the module doc).
        Query::new(
            "functions",
            15,
            format!(
                "SELECT p.oid::text, n.nspname, p.prokind::text, l.lanname, \
                        CASE WHEN p.prokind IN ('f', 'p') AND l.lanname <> 'c' \
                             THEN pg_get_functiondef(p.oid) END, \
                        d.description, p.oid::regprocedure::text \
                 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
                 JOIN pg_language l ON l.oid = p.prolang \
                 LEFT JOIN pg_description d ON d.objoid = p.oid \
                      AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0 \
                 WHERE p.pronamespace = ANY($1::oid[]) AND {} \
                 ORDER BY p.oid",
                super::not_ext("pg_proc", "p.oid")
            ),
        )
        .in_catalog_path(),
        Query::new(
            "triggers",
            30,
            format!(
                "SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), fn.nspname, \
                        f.proname, d.description, t.tgenabled::text \
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_proc f ON f.oid = t.tgfoid JOIN pg_namespace fn ON fn.oid = f.pronamespace \
                 LEFT JOIN pg_description d ON d.objoid = t.oid \
                      AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0 \
                 WHERE NOT t.tgisinternal {clones} AND c.relnamespace = ANY($1::oid[]) \
                 ORDER BY t.tgrelid, t.tgname"
            ),
        ),
        Query::new(
            "policies",
            2,
            "SELECT n.nspname, c.relname, p.polname, p.polpermissive::text, p.polcmd::text, \
                    ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END \
                          FROM unnest(p.polroles) r)::text, \
                    pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), \
                    d.description \
             FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_description d ON d.objoid = p.oid \
                  AND d.classoid = 'pg_policy'::regclass AND d.objsubid = 0 \
             WHERE c.relnamespace = ANY($1::oid[]) \
             ORDER BY n.nspname, c.relname, p.polname",
        ),
        // FORCE ROW LEVEL SECURITY (ENABLE is read with the tables).
        Query::new(
            "forced_rls",
            4,
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relforcerowsecurity AND c.relnamespace = ANY($1::oid[])",
        ),
        // Every database has plpgsql; an extension's stock comment and default version are what
        // `CREATE EXTENSION` without options gives, so they read as not stated.
        Query::new(
            "extensions",
            1,
            "SELECT x.extname, n.nspname, x.extversion, a.default_version, \
                    obj_description(x.oid, 'pg_extension'), a.comment \
             FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace \
             LEFT JOIN pg_available_extensions a ON a.name = x.extname \
             WHERE x.extname <> 'plpgsql' ORDER BY x.oid",
        ),
    ]
}

/// Reads the results of `queries` into `sink`.
pub(super) fn read(res: &mut Results, sink: &mut Sink) {
    functions(res.take("functions"), sink);
    triggers(res.take("triggers"), sink);
    policies(res.take("policies"), res.take("forced_rls"), sink);
    extensions(res.take("extensions"), sink);
}

fn parse(sql: &str, what: &str) -> Result<migrex_model::Loaded, String> {
    migrex_source_sql::parse_statement(sql, Dialect::Postgres, what).map_err(|e| e.message)
}

fn functions(rows: Vec<super::Row>, sink: &mut Sink) {
    for row in rows {
        let r = &row;
        let ns = text(r, 1);
        let signature = text(r, 6);
        let location = format!("function {signature}");
        // Aggregates are read from pg_aggregate (see `rules`).
        if cell(r, 2) == Some("a") {
            continue;
        }
        let kind = match cell(r, 2) {
            Some("w") => Some("window function"),
            _ => None,
        };
        if let Some(kind) = kind {
            sink.warn(
                location,
                format!("{kind}s are not modeled yet; {kind} {signature} was not read"),
            );
            continue;
        }
        let Some(def) = cell(r, 4) else {
            sink.warn(
                location,
                format!(
                    "{} functions are not modeled (their object file is not); {signature} was not read",
                    text(r, 3)
                ),
            );
            continue;
        };
        let loaded = match parse(def, "pg_get_functiondef") {
            Ok(l) => l,
            Err(e) => {
                sink.warn(location, format!("definition not read: {e}"));
                continue;
            }
        };
        for w in loaded.warnings {
            sink.warn(location.clone(), w.message);
        }
        let comment = cell(r, 5).map(str::to_string);
        for (_, parsed) in loaded.schema.namespaces {
            for (id, mut f) in parsed.functions {
                f.comment = comment.clone();
                sink.provenance.locations.insert(
                    format!("{} {ns}.{id}", routine_word(&f)),
                    sink.origin.to_string(),
                );
                sink.schema.namespace_mut(&ns).functions.insert(id, f);
            }
        }
    }
}

fn routine_word(f: &migrex_model::Function) -> &'static str {
    match f.kind {
        migrex_model::RoutineKind::Function => "function",
        migrex_model::RoutineKind::Procedure => "procedure",
        migrex_model::RoutineKind::Aggregate => "aggregate",
    }
}

fn triggers(rows: Vec<super::Row>, sink: &mut Sink) {
    for row in rows {
        let r = &row;
        let table = QualifiedName::new(text(r, 0), text(r, 1));
        let location = format!("trigger {} on {table}", text(r, 2));
        let loaded = match parse(&text(r, 3), "pg_get_triggerdef") {
            Ok(l) => l,
            Err(e) => {
                sink.warn(location, format!("definition not read: {e}"));
                continue;
            }
        };
        for w in loaded.warnings {
            sink.warn(location.clone(), w.message);
        }
        match cell(r, 7) {
            Some("O") | None => {}
            Some(state) => sink.warn(
                location.clone(),
                format!(
                    "trigger state `{}` (ALTER TABLE ... {} TRIGGER) is not modeled; read as enabled",
                    state,
                    match state {
                        "D" => "DISABLE",
                        "R" => "ENABLE REPLICA",
                        _ => "ENABLE ALWAYS",
                    }
                ),
            ),
        }
        let function = QualifiedName::new(text(r, 4), text(r, 5));
        for t in loaded.schema.triggers() {
            let mut t = t.clone();
            t.table = table.clone();
            if let TriggerAction::Function { function: f, .. } = &mut t.action {
                *f = function.clone();
            }
            t.comment = cell(r, 6).map(str::to_string);
            sink.provenance
                .locations
                .insert(location.clone(), sink.origin.to_string());
            sink.schema
                .namespace_mut(&table.namespace)
                .triggers
                .insert(t.key(), t);
        }
    }
}

fn policies(rows: Vec<super::Row>, forced: Vec<super::Row>, sink: &mut Sink) {
    let expr =
        |s: Option<&str>| s.map(|s| migrex_dialect::expr(Dialect::Postgres, strip_outer_parens(s)));
    for r in &rows {
        let table = QualifiedName::new(text(r, 0), text(r, 1));
        let mut roles: Vec<String> = text_array(&text(r, 5))
            .into_iter()
            .filter(|r| r != "public")
            .collect();
        roles.sort();
        let command = match cell(r, 4) {
            Some("r") => PolicyCommand::Select,
            Some("a") => PolicyCommand::Insert,
            Some("w") => PolicyCommand::Update,
            Some("d") => PolicyCommand::Delete,
            _ => PolicyCommand::All,
        };
        let policy = Policy {
            name: text(r, 2),
            permissive: flag(r, 3),
            command,
            roles,
            using: expr(cell(r, 6)),
            with_check: expr(cell(r, 7)),
            comment: cell(r, 8).map(str::to_string),
        };
        sink.provenance.locations.insert(
            format!("policy {} on {table}", policy.name),
            sink.origin.to_string(),
        );
        if let Some(t) = sink.schema.table_mut(&table) {
            t.policies.push(policy);
        }
    }
    for r in &forced {
        if let Some(t) = sink
            .schema
            .table_mut(&QualifiedName::new(text(r, 0), text(r, 1)))
        {
            match &mut t.options {
                TableOptions::Postgres(o) => o.force_row_level_security = true,
                other => {
                    *other = TableOptions::Postgres(PgTableOptions {
                        force_row_level_security: true,
                        ..PgTableOptions::default()
                    })
                }
            }
        }
    }
}

fn extensions(rows: Vec<super::Row>, sink: &mut Sink) {
    for r in &rows {
        let name = text(r, 0);
        let ns = text(r, 1);
        let version = text(r, 2);
        let comment = cell(r, 4).map(str::to_string);
        sink.provenance
            .locations
            .insert(format!("extension {name}"), sink.origin.to_string());
        sink.schema.extensions.insert(
            name.clone(),
            Extension {
                name,
                schema: (ns != "public").then_some(ns),
                version: (cell(r, 3) != Some(version.as_str())).then_some(version),
                comment: comment.filter(|c| Some(c.as_str()) != cell(r, 5)),
            },
        );
    }
}
