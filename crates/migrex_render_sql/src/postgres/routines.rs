//! PostgreSQL functions, procedures, triggers, policies, extensions, row-level security flags and
//! `COMMENT ON` for every object that has no comment change of its own.
//!
//! A routine is created with `check_function_bodies` off: routines are planned before the
//! tables their bodies read, and PostgreSQL would otherwise check a SQL body against tables that
//! do not exist yet. Bodies are dollar-quoted with a tag that does not occur in them.

use super::{PG, comment_value, q, qn, unsupported};
use crate::RenderError;
use migrex_dialect::quote_string;
use migrex_model::{
    Aggregate, ArgMode, Change, CommentTarget, Deferrable, Extension, Function, PgTableOptions,
    Policy, QualifiedName, RoutineKind, Rule, Trigger, TriggerAction, TriggerEvent, TriggerTiming,
    Volatility,
};

/// The statements of a change of this module's kinds.
pub(super) fn render(change: &Change) -> Result<Vec<String>, RenderError> {
    use Change::*;
    Ok(match change {
        CreateFunction { name, function } => {
            let mut out = vec![
                "SET check_function_bodies = false".to_string(),
                create_routine(name, function, false),
            ];
            if let Some(c) = &function.comment {
                out.push(comment_on_routine(name, function, Some(c)));
            }
            out
        }
        ReplaceFunction { name, to, .. } => vec![
            "SET check_function_bodies = false".to_string(),
            create_routine(name, to, true),
        ],
        CreateRule { rule } => {
            let mut out = vec![create_rule(rule)];
            if let Some(c) = &rule.comment {
                out.push(comment_on_rule(rule, Some(c)));
            }
            out
        }
        DropRule { rule } => vec![format!(
            "DROP RULE {} ON {}",
            q(&rule.name),
            qn(&rule.table)
        )],
        DropFunction { name, function } => vec![format!(
            "DROP {} {}",
            routine_word(function),
            signature(name, function)
        )],
        CreateTrigger { trigger } => {
            let mut out = vec![create_trigger(trigger)];
            if let Some(c) = &trigger.comment {
                out.push(comment_on_trigger(trigger, Some(c)));
            }
            out
        }
        DropTrigger { trigger } => vec![format!(
            "DROP TRIGGER {} ON {}",
            q(&trigger.name),
            qn(&trigger.table)
        )],
        CreatePolicy { table, policy } => {
            let mut out = vec![create_policy(table, policy)];
            if let Some(c) = &policy.comment {
                out.push(comment_on_policy(table, &policy.name, Some(c)));
            }
            out
        }
        DropPolicy { table, policy } => vec![drop_policy(table, policy)],
        AlterPolicy { table, from, to } => alter_policy(table, from, to),
        CreateExtension { extension } => create_extension(extension),
        DropExtension { extension } => vec![format!("DROP EXTENSION {}", q(&extension.name))],
        AlterExtension { from, to } => alter_extension(from, to),
        SetComment { target, to, .. } => return set_comment(change, target, to.as_deref()),
        _ => {
            return Err(unsupported(
                change,
                "not a routine, trigger, policy or extension change",
            ));
        }
    })
}

fn routine_word(f: &Function) -> &'static str {
    match f.kind {
        RoutineKind::Function => "FUNCTION",
        RoutineKind::Procedure => "PROCEDURE",
        RoutineKind::Aggregate => "AGGREGATE",
    }
}

/// `"ns"."name"(integer, text)`: the routine with its identity, for DROP and COMMENT. An
/// aggregate without arguments is `name(*)`; an ordered-set one has `ORDER BY` before its
/// aggregated arguments.
fn signature(name: &QualifiedName, f: &Function) -> String {
    let types: Vec<String> = f
        .args
        .iter()
        .filter(|a| a.mode.is_input())
        .map(|a| match a.mode {
            ArgMode::Variadic if f.aggregate.is_some() => format!("VARIADIC {}", a.ty),
            _ => a.ty.clone(),
        })
        .collect();
    format!("{}({})", qn(name), aggregate_args(f, types))
}

/// An argument list, with an aggregate's `*` or `ORDER BY`.
fn aggregate_args(f: &Function, args: Vec<String>) -> String {
    let Some(a) = &f.aggregate else {
        return args.join(", ");
    };
    if args.is_empty() {
        return "*".into();
    }
    match a.direct_args {
        Some(n) if n <= args.len() => {
            let (direct, agg) = args.split_at(n);
            format!("{} ORDER BY {}", direct.join(", "), agg.join(", "))
                .trim_start()
                .to_string()
        }
        _ => args.join(", "),
    }
}

/// `CREATE [OR REPLACE] AGGREGATE name(args) (SFUNC = ..., STYPE = ..., ...)`.
fn create_aggregate(name: &QualifiedName, f: &Function, a: &Aggregate, replace: bool) -> String {
    let args: Vec<String> = f
        .args
        .iter()
        .map(|x| {
            let mut s = String::new();
            if x.mode == ArgMode::Variadic {
                s.push_str("VARIADIC ");
            }
            if let Some(n) = &x.name {
                s.push_str(&q(n));
                s.push(' ');
            }
            s.push_str(&x.ty);
            s
        })
        .collect();
    let func = |k: &str, v: &Option<QualifiedName>| v.as_ref().map(|v| format!("{k} = {}", qn(v)));
    let lit =
        |k: &str, v: &Option<String>| v.as_ref().map(|v| format!("{k} = {}", quote_string(PG, v)));
    let raw = |k: &str, v: &Option<String>| v.as_ref().map(|v| format!("{k} = {v}"));
    let flag = |k: &str, v: bool| v.then(|| k.to_string());
    let options: Vec<String> = [
        Some(format!("SFUNC = {}", qn(&a.sfunc))),
        Some(format!("STYPE = {}", a.stype)),
        raw("SSPACE", &a.sspace),
        func("FINALFUNC", &a.finalfunc),
        flag("FINALFUNC_EXTRA", a.finalfunc_extra),
        raw(
            "FINALFUNC_MODIFY",
            &a.finalfunc_modify.as_ref().map(|m| m.to_uppercase()),
        ),
        func("COMBINEFUNC", &a.combinefunc),
        func("SERIALFUNC", &a.serialfunc),
        func("DESERIALFUNC", &a.deserialfunc),
        lit("INITCOND", &a.initcond),
        func("MSFUNC", &a.msfunc),
        func("MINVFUNC", &a.minvfunc),
        raw("MSTYPE", &a.mstype),
        raw("MSSPACE", &a.msspace),
        func("MFINALFUNC", &a.mfinalfunc),
        flag("MFINALFUNC_EXTRA", a.mfinalfunc_extra),
        raw(
            "MFINALFUNC_MODIFY",
            &a.mfinalfunc_modify.as_ref().map(|m| m.to_uppercase()),
        ),
        lit("MINITCOND", &a.minitcond),
        a.sortop
            .as_ref()
            .map(|o| format!("SORTOP = OPERATOR(pg_catalog.{o})")),
        raw(
            "PARALLEL",
            &f.attributes.parallel.as_ref().map(|p| p.to_uppercase()),
        ),
        flag("HYPOTHETICAL", a.hypothetical),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "CREATE {}AGGREGATE {}({}) (\n    {}\n)",
        if replace { "OR REPLACE " } else { "" },
        qn(name),
        aggregate_args(f, args),
        options.join(",\n    ")
    )
}

fn create_rule(r: &Rule) -> String {
    let mut s = format!(
        "CREATE RULE {} AS ON {} TO {}",
        q(&r.name),
        r.event,
        qn(&r.table)
    );
    if let Some(c) = &r.condition {
        s.push_str(&format!(" WHERE {}", c.sql));
    }
    s.push_str(&format!(
        " DO {}{}",
        if r.instead { "INSTEAD " } else { "ALSO " },
        r.actions.sql.trim().trim_end_matches(';').trim_end()
    ));
    s
}

fn comment_on_rule(r: &Rule, c: Option<&str>) -> String {
    format!(
        "COMMENT ON RULE {} ON {} IS {}",
        q(&r.name),
        qn(&r.table),
        comment_value(c)
    )
}

/// A dollar-quote tag that does not occur in `body`: `$$`, else `$body$`, `$body1$`...
fn dollar_tag(body: &str) -> String {
    // The body ends where the tag first occurs after the opening one.
    let fits = |tag: &str| format!("{body}{tag}").find(tag) == Some(body.len());
    if fits("$$") {
        return "$$".into();
    }
    (0..)
        .map(|i| {
            if i == 0 {
                "$body$".to_string()
            } else {
                format!("$body{i}$")
            }
        })
        .find(|t| fits(t))
        .expect("some tag fits")
}

/// True for a SQL-standard body (`RETURN expr`, `BEGIN ATOMIC ... END`), written as it is.
fn standard_body(f: &Function) -> bool {
    let b = f.body.sql.trim_start();
    let upper: String = b.chars().take(12).collect::<String>().to_ascii_uppercase();
    f.language == "sql"
        && (upper.starts_with("RETURN ")
            || upper.starts_with("RETURN\n")
            || upper.starts_with("BEGIN ATOMIC"))
}

/// Configuration parameters whose value is a list of names, each written as its own literal.
const LIST_SETTINGS: &[&str] = &[
    "search_path",
    "temp_tablespaces",
    "session_preload_libraries",
    "shared_preload_libraries",
    "local_preload_libraries",
];

fn create_routine(name: &QualifiedName, f: &Function, replace: bool) -> String {
    if let Some(a) = &f.aggregate {
        return create_aggregate(name, f, a, replace);
    }
    let args: Vec<String> = f
        .args
        .iter()
        .map(|a| {
            let mut s = String::new();
            match a.mode {
                ArgMode::In => {}
                ArgMode::Out => s.push_str("OUT "),
                ArgMode::InOut => s.push_str("INOUT "),
                ArgMode::Variadic => s.push_str("VARIADIC "),
            }
            if let Some(n) = &a.name {
                s.push_str(&q(n));
                s.push(' ');
            }
            s.push_str(&a.ty);
            if let Some(d) = &a.default {
                s.push_str(&format!(" DEFAULT {}", d.sql));
            }
            s
        })
        .collect();
    let mut out = format!(
        "CREATE {}{} {}({})",
        if replace { "OR REPLACE " } else { "" },
        routine_word(f),
        qn(name),
        args.join(", ")
    );
    if let Some(r) = &f.returns
        && f.kind == RoutineKind::Function
    {
        out.push_str(&format!("\n RETURNS {r}"));
    }
    out.push_str(&format!("\n LANGUAGE {}", q(&f.language)));
    let a = &f.attributes;
    let mut attrs = Vec::new();
    if f.kind == RoutineKind::Function {
        match a.volatility {
            Volatility::Volatile => {}
            Volatility::Stable => attrs.push("STABLE".to_string()),
            Volatility::Immutable => attrs.push("IMMUTABLE".to_string()),
        }
        if a.strict {
            attrs.push("STRICT".into());
        }
        if a.leakproof {
            attrs.push("LEAKPROOF".into());
        }
        if let Some(p) = &a.parallel {
            attrs.push(format!("PARALLEL {}", p.to_uppercase()));
        }
        if let Some(c) = &a.cost {
            attrs.push(format!("COST {c}"));
        }
        if let Some(r) = &a.rows {
            attrs.push(format!("ROWS {r}"));
        }
    }
    if a.security_definer {
        attrs.push("SECURITY DEFINER".into());
    }
    if !attrs.is_empty() {
        out.push_str(&format!("\n {}", attrs.join(" ")));
    }
    for (k, v) in &a.set {
        let value = if LIST_SETTINGS.contains(&k.as_str()) {
            v.split(", ")
                .map(|x| quote_string(PG, x))
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            quote_string(PG, v)
        };
        out.push_str(&format!("\n SET {} TO {value}", q(k)));
    }
    let body = &f.body.sql;
    if standard_body(f) {
        out.push_str(&format!("\n{body}"));
    } else {
        let tag = dollar_tag(body);
        out.push_str(&format!("\nAS {tag}{body}{tag}"));
    }
    out
}

fn comment_on_routine(name: &QualifiedName, f: &Function, c: Option<&str>) -> String {
    format!(
        "COMMENT ON {} {} IS {}",
        routine_word(f),
        signature(name, f),
        comment_value(c)
    )
}

fn create_trigger(t: &Trigger) -> String {
    let mut s = format!(
        "CREATE {}TRIGGER {} {}",
        if t.constraint.is_some() {
            "CONSTRAINT "
        } else {
            ""
        },
        q(&t.name),
        match t.timing {
            TriggerTiming::Before => "BEFORE",
            TriggerTiming::After => "AFTER",
            TriggerTiming::InsteadOf => "INSTEAD OF",
        }
    );
    let events: Vec<String> = t
        .events
        .iter()
        .map(|e| match e {
            TriggerEvent::Insert => "INSERT".to_string(),
            TriggerEvent::Update { columns } if columns.is_empty() => "UPDATE".to_string(),
            TriggerEvent::Update { columns } => format!(
                "UPDATE OF {}",
                columns.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
            ),
            TriggerEvent::Delete => "DELETE".to_string(),
            TriggerEvent::Truncate => "TRUNCATE".to_string(),
        })
        .collect();
    s.push_str(&format!(" {} ON {}", events.join(" OR "), qn(&t.table)));
    match t.constraint {
        Some(Some(Deferrable::InitiallyDeferred)) => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
        Some(Some(Deferrable::InitiallyImmediate)) => s.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        _ => {}
    }
    if t.old_table.is_some() || t.new_table.is_some() {
        s.push_str(" REFERENCING");
        if let Some(o) = &t.old_table {
            s.push_str(&format!(" OLD TABLE AS {}", q(o)));
        }
        if let Some(n) = &t.new_table {
            s.push_str(&format!(" NEW TABLE AS {}", q(n)));
        }
    }
    s.push_str(if t.for_each_row {
        " FOR EACH ROW"
    } else {
        " FOR EACH STATEMENT"
    });
    if let Some(w) = &t.when {
        s.push_str(&format!(" WHEN ({})", w.sql));
    }
    match &t.action {
        TriggerAction::Function { function, args } => {
            let args: Vec<String> = args.iter().map(|a| quote_string(PG, a)).collect();
            s.push_str(&format!(
                " EXECUTE FUNCTION {}({})",
                qualified_always(function),
                args.join(", ")
            ));
        }
        // Only MySQL and SQLite triggers carry a body; the caller never gets here with one.
        TriggerAction::Body { body } => s.push_str(&format!(" {}", body.sql)),
    }
    s
}

/// A function name qualified even in `public` when it is in `pg_catalog` (never shadowed).
fn qualified_always(name: &QualifiedName) -> String {
    if name.namespace == "pg_catalog" {
        format!("{}.{}", q(&name.namespace), q(&name.name))
    } else {
        qn(name)
    }
}

fn comment_on_trigger(t: &Trigger, c: Option<&str>) -> String {
    format!(
        "COMMENT ON TRIGGER {} ON {} IS {}",
        q(&t.name),
        qn(&t.table),
        comment_value(c)
    )
}

fn roles(p: &Policy) -> String {
    if p.roles.is_empty() {
        "PUBLIC".into()
    } else {
        p.roles.iter().map(|r| q(r)).collect::<Vec<_>>().join(", ")
    }
}

fn create_policy(table: &QualifiedName, p: &Policy) -> String {
    let mut s = format!("CREATE POLICY {} ON {}", q(&p.name), qn(table));
    if !p.permissive {
        s.push_str(" AS RESTRICTIVE");
    }
    s.push_str(&format!(" FOR {}", p.command.sql()));
    if !p.roles.is_empty() {
        s.push_str(&format!(" TO {}", roles(p)));
    }
    if let Some(u) = &p.using {
        s.push_str(&format!(" USING ({})", u.sql));
    }
    if let Some(w) = &p.with_check {
        s.push_str(&format!(" WITH CHECK ({})", w.sql));
    }
    s
}

fn drop_policy(table: &QualifiedName, p: &Policy) -> String {
    format!("DROP POLICY {} ON {}", q(&p.name), qn(table))
}

/// `ALTER POLICY` can set roles and expressions but not remove an expression: a removed USING or
/// WITH CHECK recreates the policy.
fn alter_policy(table: &QualifiedName, from: &Policy, to: &Policy) -> Vec<String> {
    let removes = (from.using.is_some() && to.using.is_none())
        || (from.with_check.is_some() && to.with_check.is_none());
    if removes {
        let mut out = vec![drop_policy(table, from), create_policy(table, to)];
        if let Some(c) = &to.comment {
            out.push(comment_on_policy(table, &to.name, Some(c)));
        }
        return out;
    }
    let mut s = format!("ALTER POLICY {} ON {}", q(&to.name), qn(table));
    if from.roles != to.roles {
        s.push_str(&format!(" TO {}", roles(to)));
    }
    if from.using != to.using
        && let Some(u) = &to.using
    {
        s.push_str(&format!(" USING ({})", u.sql));
    }
    if from.with_check != to.with_check
        && let Some(w) = &to.with_check
    {
        s.push_str(&format!(" WITH CHECK ({})", w.sql));
    }
    vec![s]
}

fn comment_on_policy(table: &QualifiedName, name: &str, c: Option<&str>) -> String {
    format!(
        "COMMENT ON POLICY {} ON {} IS {}",
        q(name),
        qn(table),
        comment_value(c)
    )
}

fn create_extension(e: &Extension) -> Vec<String> {
    let mut s = format!("CREATE EXTENSION {}", q(&e.name));
    if let Some(ns) = &e.schema {
        s.push_str(&format!(" WITH SCHEMA {}", q(ns)));
    }
    if let Some(v) = &e.version {
        s.push_str(&format!(" VERSION {}", quote_string(PG, v)));
    }
    let mut out = vec![s];
    if let Some(c) = &e.comment {
        out.push(format!(
            "COMMENT ON EXTENSION {} IS {}",
            q(&e.name),
            quote_string(PG, c)
        ));
    }
    out
}

fn alter_extension(from: &Extension, to: &Extension) -> Vec<String> {
    let mut out = Vec::new();
    if from.version != to.version {
        match &to.version {
            Some(v) => out.push(format!(
                "ALTER EXTENSION {} UPDATE TO {}",
                q(&to.name),
                quote_string(PG, v)
            )),
            None => out.push(format!("ALTER EXTENSION {} UPDATE", q(&to.name))),
        }
    }
    if from.schema != to.schema {
        out.push(format!(
            "ALTER EXTENSION {} SET SCHEMA {}",
            q(&to.name),
            q(to.schema.as_deref().unwrap_or("public"))
        ));
    }
    out
}

fn set_comment(
    change: &Change,
    target: &CommentTarget,
    to: Option<&str>,
) -> Result<Vec<String>, RenderError> {
    let c = comment_value(to);
    Ok(vec![match target {
        CommentTarget::Enum { name } | CommentTarget::CompositeType { name } => {
            format!("COMMENT ON TYPE {} IS {c}", qn(name))
        }
        CommentTarget::Sequence { name } => format!("COMMENT ON SEQUENCE {} IS {c}", qn(name)),
        CommentTarget::Domain { name } => format!("COMMENT ON DOMAIN {} IS {c}", qn(name)),
        CommentTarget::Extension { name } => format!("COMMENT ON EXTENSION {} IS {c}", q(name)),
        CommentTarget::Function { name, function } => comment_on_routine(name, function, to),
        CommentTarget::Trigger { trigger } => {
            if !matches!(trigger.action, TriggerAction::Function { .. }) {
                return Err(unsupported(
                    change,
                    "a trigger with a body is not a PostgreSQL trigger",
                ));
            }
            comment_on_trigger(trigger, to)
        }
        CommentTarget::Policy { table, name } => comment_on_policy(table, name, to),
        CommentTarget::Index { table, name } => format!(
            "COMMENT ON INDEX {} IS {c}",
            qn(&QualifiedName::new(table.namespace.clone(), name.clone()))
        ),
        CommentTarget::Rule { rule } => comment_on_rule(rule, to),
    }])
}

/// `ALTER TABLE ... ENABLE|DISABLE ROW LEVEL SECURITY` and `[NO] FORCE ROW LEVEL SECURITY` from
/// `from` to `to`.
pub(super) fn row_level_security(
    table: &QualifiedName,
    from: &PgTableOptions,
    to: &PgTableOptions,
) -> Vec<String> {
    let t = qn(table);
    let mut out = Vec::new();
    if from.row_level_security != to.row_level_security {
        out.push(format!(
            "ALTER TABLE {t} {} ROW LEVEL SECURITY",
            if to.row_level_security {
                "ENABLE"
            } else {
                "DISABLE"
            }
        ));
    }
    if from.force_row_level_security != to.force_row_level_security {
        out.push(format!(
            "ALTER TABLE {t} {}FORCE ROW LEVEL SECURITY",
            if to.force_row_level_security {
                ""
            } else {
                "NO "
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{Expr, FunctionArg, FunctionAttributes, PolicyCommand};

    fn f() -> Function {
        Function {
            name: "f".into(),
            kind: RoutineKind::Function,
            args: vec![
                FunctionArg {
                    mode: ArgMode::In,
                    name: Some("a".into()),
                    ty: "integer".into(),
                    default: None,
                },
                FunctionArg {
                    mode: ArgMode::Out,
                    name: Some("b".into()),
                    ty: "text".into(),
                    default: None,
                },
            ],
            returns: Some("text".into()),
            language: "plpgsql".into(),
            body: Expr::with_key(" BEGIN b := 'x$$'; END ", "k"),
            attributes: FunctionAttributes {
                volatility: Volatility::Stable,
                set: vec![("search_path".into(), "public, pg_temp".into())],
                ..Default::default()
            },
            comment: Some("it's".into()),
            depends_on: Vec::new(),
            aggregate: None,
        }
    }

    #[test]
    fn function_with_a_body_holding_the_plain_tag() {
        let out = render(&Change::CreateFunction {
            name: QualifiedName::new("app", "f"),
            function: f(),
        })
        .unwrap();
        assert_eq!(
            out,
            vec![
                "SET check_function_bodies = false".to_string(),
                "CREATE FUNCTION \"app\".\"f\"(\"a\" integer, OUT \"b\" text)\n RETURNS text\n LANGUAGE \"plpgsql\"\n STABLE\n SET \"search_path\" TO 'public', 'pg_temp'\nAS $body$ BEGIN b := 'x$$'; END $body$".into(),
                "COMMENT ON FUNCTION \"app\".\"f\"(integer) IS 'it''s'".into(),
            ]
        );
        assert_eq!(dollar_tag("a$"), "$body$");
        assert_eq!(dollar_tag("x"), "$$");
    }

    #[test]
    fn triggers_and_policies() {
        let t = Trigger {
            name: "t".into(),
            table: QualifiedName::new("public", "tbl"),
            timing: TriggerTiming::After,
            events: vec![
                TriggerEvent::Insert,
                TriggerEvent::Update {
                    columns: vec!["a".into()],
                },
            ],
            for_each_row: true,
            when: Some(Expr::with_key("new.a > 0", "k")),
            action: TriggerAction::Function {
                function: QualifiedName::new("pg_catalog", "tsvector_update_trigger"),
                args: vec!["x'y".into()],
            },
            constraint: Some(Some(Deferrable::InitiallyDeferred)),
            old_table: None,
            new_table: None,
            order: None,
            comment: None,
        };
        assert_eq!(
            create_trigger(&t),
            "CREATE CONSTRAINT TRIGGER \"t\" AFTER INSERT OR UPDATE OF \"a\" ON \"tbl\" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (new.a > 0) EXECUTE FUNCTION \"pg_catalog\".\"tsvector_update_trigger\"('x''y')"
        );
        let p = Policy {
            name: "p".into(),
            permissive: false,
            command: PolicyCommand::Select,
            roles: vec!["r".into()],
            using: Some(Expr::with_key("a > 0", "k")),
            with_check: None,
            comment: None,
        };
        let tbl = QualifiedName::new("public", "tbl");
        assert_eq!(
            create_policy(&tbl, &p),
            "CREATE POLICY \"p\" ON \"tbl\" AS RESTRICTIVE FOR SELECT TO \"r\" USING (a > 0)"
        );
        let mut p2 = p.clone();
        p2.roles.clear();
        p2.using = Some(Expr::with_key("a > 1", "k2"));
        assert_eq!(
            alter_policy(&tbl, &p, &p2),
            vec!["ALTER POLICY \"p\" ON \"tbl\" TO PUBLIC USING (a > 1)"]
        );
        let mut p3 = p2.clone();
        p3.using = None;
        assert_eq!(alter_policy(&tbl, &p2, &p3).len(), 2);
    }
}
