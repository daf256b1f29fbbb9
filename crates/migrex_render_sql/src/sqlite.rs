//! sqlite DDL rendering, including the 12-step table rebuild
//! (<https://www.sqlite.org/lang_altertable.html#otheralter>).
//!
//! SQLite's `ALTER TABLE` can only rename a table, add, drop and rename a column. Everything else
//! (type, nullability, default, constraint changes) is `Change::RebuildTable`, which the planner
//! emits; the single-purpose changes for those return `RenderError::Unsupported` saying so.

use crate::{RenderError, SqlRenderer};
use migrex_dialect::{format_type, quote_ident, quote_list, quote_string};
use migrex_model::{
    Change, Check, Column, Deferrable, Dialect, FkAction, ForeignKey, Identity, Index, IndexKey,
    QualifiedName, Table, TableOptions, Trigger, TriggerAction, TriggerEvent, TriggerTiming,
    UniqueConstraint, View,
};

const D: Dialect = Dialect::Sqlite;

/// Prefix of the table a rebuild creates before it replaces the old one.
pub(crate) const REBUILD_PREFIX: &str = "_migrex_new_";
/// The temporary table whose CHECK constraints turn the rebuild's safety conditions into errors
/// (plain SQL has no `RAISE` outside triggers; a named CHECK gives a readable message).
const GUARD: &str = "_migrex_rebuild_guard";
/// The savepoint that makes a rebuild atomic whether or not the caller opened a transaction.
const SAVEPOINT: &str = "migrex_rebuild";

pub(crate) struct SqliteRenderer;

type R<T> = Result<T, RenderError>;

fn unsupported(change: &Change, hint: impl Into<String>) -> RenderError {
    RenderError::Unsupported {
        dialect: D,
        change: change.describe(),
        hint: hint.into(),
    }
}

const NEEDS_REBUILD: &str = "SQLite's ALTER TABLE cannot do this; the planner must emit \
                             RebuildTable (the 12-step table rebuild) for this table instead";

impl SqlRenderer for SqliteRenderer {
    fn dialect(&self) -> Dialect {
        D
    }

    fn render_change(&self, change: &Change) -> R<Vec<String>> {
        let bad = |hint: &str| Err(unsupported(change, hint));
        match change {
            // The main database is SQLite's only namespace and always exists.
            Change::CreateNamespace { name } | Change::DropNamespace { name }
                if name.is_empty() =>
            {
                Ok(vec![])
            }
            Change::CreateNamespace { .. }
            | Change::DropNamespace { .. }
            | Change::SetNamespaceComment { .. } => bad(
                "SQLite has no schemas (an attached database is a separate file); keep every \
                 object in the namespace \"\"",
            ),
            Change::CreateEnum { .. } | Change::DropEnum { .. } | Change::AddEnumValue { .. } => {
                bad("SQLite has no enum types; use a TEXT column with a CHECK (col IN (...))")
            }
            Change::CreateSequence { .. }
            | Change::DropSequence { .. }
            | Change::AlterSequence { .. } => {
                bad("SQLite has no sequences; use INTEGER PRIMARY KEY [AUTOINCREMENT] (the rowid)")
            }
            Change::CreateTable { name, table } => create_table(change, name, table),
            Change::DropTable { name, .. } => Ok(vec![format!("DROP TABLE {}", table_ref(name))]),
            Change::RenameTable { from, to } => Ok(vec![format!(
                "ALTER TABLE {} RENAME TO {}",
                table_ref(from),
                quote_ident(D, &to.name)
            )]),
            Change::AddColumn { table, column } => add_column(change, table, column),
            Change::DropColumn { table, column } => Ok(vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                table_ref(table),
                quote_ident(D, &column.name)
            )]),
            Change::RenameColumn { table, from, to } => Ok(vec![format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                table_ref(table),
                quote_ident(D, from),
                quote_ident(D, to)
            )]),
            Change::AlterColumn { .. }
            | Change::AddPrimaryKey { .. }
            | Change::DropPrimaryKey { .. }
            | Change::AddUnique { .. }
            | Change::DropUnique { .. }
            | Change::AddForeignKey { .. }
            | Change::DropForeignKey { .. }
            | Change::AddCheck { .. }
            | Change::DropCheck { .. }
            | Change::RenameConstraint { .. }
            | Change::AlterTableOptions { .. } => bad(NEEDS_REBUILD),
            Change::CreateIndex { table, index } => Ok(vec![create_index(change, table, index)?]),
            Change::DropIndex { index, .. } => {
                Ok(vec![format!("DROP INDEX {}", quote_ident(D, &index.name))])
            }
            Change::RenameIndex { .. } => bad(
                "SQLite cannot rename an index; the planner must emit DropIndex and CreateIndex",
            ),
            Change::SetTableComment { .. } | Change::SetViewComment { .. } => {
                bad("SQLite has no comments on tables or views")
            }
            Change::RebuildTable { name, from, to } => rebuild_table(change, name, from, to),
            Change::CreateView { name, view } => Ok(vec![create_view(change, name, view)?]),
            Change::DropView { name, view } => {
                if view.materialized {
                    return bad("SQLite has no materialized views");
                }
                Ok(vec![format!("DROP VIEW {}", table_ref(name))])
            }
            Change::CreateTrigger { trigger } => Ok(vec![create_trigger(change, trigger)?]),
            Change::DropTrigger { trigger } => Ok(vec![format!(
                "DROP TRIGGER {}",
                quote_ident(D, &trigger.name)
            )]),
            Change::SetComment { .. } => bad("SQLite has no comments on objects"),
            Change::Online { .. } => bad("SQLite has no online DDL: plan it without --online"),
            Change::Data { table, operation } => crate::data::statements(D, table, operation),
            // Functions, domains, composite types, extensions, policies, partitions, enum
            // recreation: objects SQLite does not have.
            _ => bad(
                "SQLite has no such object (functions, types, domains, extensions, policies and \
                 partitions are PostgreSQL/MySQL objects)",
            ),
        }
    }
}

/// A table or view name: SQLite has one namespace (the main database), so never qualified.
fn table_ref(name: &QualifiedName) -> String {
    quote_ident(D, &name.name)
}

/// `CREATE TABLE` with its columns and constraints, then its indexes.
fn create_table(change: &Change, name: &QualifiedName, table: &Table) -> R<Vec<String>> {
    let mut out = vec![create_table_sql(change, &name.name, table)?];
    for index in &table.indexes {
        out.push(create_index(change, name, index)?);
    }
    Ok(out)
}

/// The column whose `INTEGER PRIMARY KEY AUTOINCREMENT` is written inline (SQLite accepts
/// AUTOINCREMENT only there), when the table has one.
fn inline_pk_column(change: &Change, table: &Table) -> R<Option<String>> {
    let auto: Vec<&Column> = table
        .columns
        .values()
        .filter(|c| matches!(c.identity, Some(Identity::AutoIncrement)))
        .collect();
    let Some(col) = auto.first() else {
        return Ok(None);
    };
    let single_pk = table
        .primary_key
        .as_ref()
        .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == col.name);
    let is_integer = format_type(D, &col.ty).eq_ignore_ascii_case("INTEGER");
    if auto.len() > 1 || !single_pk || !is_integer {
        return Err(unsupported(
            change,
            format!(
                "AUTOINCREMENT on {} is only allowed on a column declared INTEGER that is the \
                 whole primary key",
                col.name
            ),
        ));
    }
    Ok(Some(col.name.clone()))
}

fn create_table_sql(change: &Change, name: &str, table: &Table) -> R<String> {
    if table.comment.is_some() {
        return Err(unsupported(change, "SQLite has no comments on tables"));
    }
    if table.partitioning.is_some() || !table.policies.is_empty() {
        return Err(unsupported(
            change,
            "SQLite has no partitioning or row-level security policies",
        ));
    }
    let options = match &table.options {
        TableOptions::None => None,
        TableOptions::Sqlite(o) => Some(o),
        other if other.is_default() => None,
        _ => {
            return Err(unsupported(
                change,
                "the table carries another dialect's options (engine, inherits, unlogged...)",
            ));
        }
    };
    if table.columns.is_empty() {
        return Err(unsupported(
            change,
            "SQLite tables need at least one column",
        ));
    }
    let inline_pk = inline_pk_column(change, table)?;
    let mut items = Vec::new();
    for col in table.columns.values() {
        let mut def = column_def(change, col)?;
        if inline_pk.as_deref() == Some(col.name.as_str())
            && let Some(pk) = &table.primary_key
        {
            if let Some(n) = &pk.name {
                def.push_str(&format!(" CONSTRAINT {}", quote_ident(D, n)));
            }
            def.push_str(" PRIMARY KEY AUTOINCREMENT");
        }
        items.push(def);
    }
    if let Some(pk) = &table.primary_key
        && inline_pk.is_none()
    {
        items.push(format!(
            "{}PRIMARY KEY ({})",
            constraint_name(&pk.name),
            quote_list(D, &pk.columns)
        ));
    }
    for u in &table.uniques {
        items.push(unique_sql(change, u)?);
    }
    for c in &table.checks {
        items.push(check_sql(change, c)?);
    }
    for fk in &table.foreign_keys {
        items.push(foreign_key_sql(fk));
    }
    let mut sql = format!(
        "CREATE TABLE {} (\n  {}\n)",
        quote_ident(D, name),
        items.join(",\n  ")
    );
    if let Some(o) = options {
        let mut opts = Vec::new();
        if o.strict {
            opts.push("STRICT");
        }
        if o.without_rowid {
            opts.push("WITHOUT ROWID");
        }
        if !opts.is_empty() {
            sql.push(' ');
            sql.push_str(&opts.join(", "));
        }
    }
    Ok(sql)
}

fn constraint_name(name: &Option<String>) -> String {
    match name {
        Some(n) => format!("CONSTRAINT {} ", quote_ident(D, n)),
        None => String::new(),
    }
}

/// A column definition without PRIMARY KEY (written as a table constraint unless inline).
fn column_def(change: &Change, col: &Column) -> R<String> {
    if col.comment.is_some() {
        return Err(unsupported(
            change,
            format!("SQLite has no column comments (column {})", col.name),
        ));
    }
    if col.on_update.is_some() {
        return Err(unsupported(
            change,
            format!(
                "SQLite has no ON UPDATE clause on columns (column {}); use a trigger",
                col.name
            ),
        ));
    }
    match &col.identity {
        None | Some(Identity::AutoIncrement) => {}
        Some(_) => {
            return Err(unsupported(
                change,
                format!(
                    "SQLite has no identity or serial columns (column {}); use INTEGER PRIMARY KEY",
                    col.name
                ),
            ));
        }
    }
    let mut def = quote_ident(D, &col.name);
    let ty = format_type(D, &col.ty);
    if !ty.is_empty() {
        def.push(' ');
        def.push_str(&ty);
    }
    if !col.nullable {
        def.push_str(" NOT NULL");
    }
    if let Some(d) = &col.default {
        def.push_str(" DEFAULT ");
        def.push_str(&default_sql(&d.sql));
    }
    if let Some(c) = &col.collation {
        def.push_str(&format!(" COLLATE {}", quote_ident(D, c)));
    }
    if let Some(g) = &col.generated {
        def.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            g.expr.sql,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
    }
    Ok(def)
}

/// A default as SQLite's grammar accepts it: a literal (number, string, blob, NULL, TRUE/FALSE,
/// CURRENT_TIME/DATE/TIMESTAMP) as is, anything else in parentheses.
fn default_sql(sql: &str) -> String {
    let s = sql.trim();
    if is_literal(s) || is_wrapped_in_parens(s) {
        s.to_string()
    } else {
        format!("({s})")
    }
}

/// True when `s` is one SQLite literal (what `DEFAULT` accepts without parentheses).
fn is_literal(s: &str) -> bool {
    let keyword = [
        "NULL",
        "TRUE",
        "FALSE",
        "CURRENT_TIME",
        "CURRENT_DATE",
        "CURRENT_TIMESTAMP",
    ];
    if keyword.iter().any(|k| k.eq_ignore_ascii_case(s)) {
        return true;
    }
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if is_number(unsigned) {
        return true;
    }
    let string_part = s.strip_prefix(['x', 'X']).unwrap_or(s);
    is_one_string(string_part)
}

fn is_number(s: &str) -> bool {
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = digits(int)
        && frac.is_none_or(digits)
        && (!int.is_empty() || frac.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// `'...'` with only doubled quotes inside: one string token.
fn is_one_string(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) else {
        return false;
    };
    !inner.replace("''", "").contains('\'')
}

/// True when the first `(` closes at the very end (so `(a) + (b)` is not wrapped), ignoring
/// parentheses inside string literals and quoted identifiers.
fn is_wrapped_in_parens(s: &str) -> bool {
    if !s.starts_with('(') || !s.ends_with(')') {
        return false;
    }
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let n = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '[' => quote = Some(']'),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 < n {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn unique_sql(change: &Change, u: &UniqueConstraint) -> R<String> {
    if u.nulls_not_distinct {
        return Err(unsupported(
            change,
            "SQLite has no UNIQUE NULLS NOT DISTINCT",
        ));
    }
    if u.deferrable.is_some() {
        return Err(unsupported(
            change,
            "SQLite cannot defer UNIQUE constraints (only foreign keys)",
        ));
    }
    Ok(format!(
        "{}UNIQUE ({})",
        constraint_name(&u.name),
        quote_list(D, &u.columns)
    ))
}

fn check_sql(change: &Change, c: &Check) -> R<String> {
    if c.no_inherit {
        return Err(unsupported(change, "SQLite has no CHECK ... NO INHERIT"));
    }
    Ok(format!(
        "{}CHECK ({})",
        constraint_name(&c.name),
        c.expr.sql
    ))
}

fn foreign_key_sql(fk: &ForeignKey) -> String {
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {}",
        constraint_name(&fk.name),
        quote_list(D, &fk.columns),
        table_ref(&fk.ref_table)
    );
    if !fk.ref_columns.is_empty() {
        s.push_str(&format!(" ({})", quote_list(D, &fk.ref_columns)));
    }
    if fk.match_full {
        s.push_str(" MATCH FULL");
    }
    if fk.on_delete != FkAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
    }
    if fk.on_update != FkAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
    }
    match fk.deferrable {
        Some(Deferrable::InitiallyDeferred) => s.push_str(" DEFERRABLE INITIALLY DEFERRED"),
        Some(Deferrable::InitiallyImmediate) => s.push_str(" DEFERRABLE INITIALLY IMMEDIATE"),
        None => {}
    }
    s
}

fn create_index(change: &Change, table: &QualifiedName, index: &Index) -> R<String> {
    if index.name.is_empty() {
        return Err(unsupported(change, "SQLite indexes need a name"));
    }
    if let Some(m) = &index.method {
        return Err(unsupported(
            change,
            format!(
                "SQLite has only b-tree indexes (index {} uses {m})",
                index.name
            ),
        ));
    }
    if !index.include.is_empty() || index.nulls_not_distinct {
        return Err(unsupported(
            change,
            format!(
                "SQLite has no INCLUDE columns or NULLS NOT DISTINCT (index {})",
                index.name
            ),
        ));
    }
    if index.comment.is_some() {
        return Err(unsupported(change, "SQLite has no comments on indexes"));
    }
    if index.parts.is_empty() {
        return Err(unsupported(change, "an index needs at least one key"));
    }
    let mut parts = Vec::new();
    for p in &index.parts {
        if p.nulls_first.is_some() || p.opclass.is_some() || p.prefix_len.is_some() {
            return Err(unsupported(
                change,
                format!(
                    "SQLite index keys have no NULLS FIRST/LAST, operator class or prefix length \
                     (index {})",
                    index.name
                ),
            ));
        }
        let mut s = match &p.key {
            IndexKey::Column(c) => quote_ident(D, c),
            IndexKey::Expr(e) => format!("({})", e.sql),
        };
        if let Some(c) = &p.collation {
            s.push_str(&format!(" COLLATE {}", quote_ident(D, c)));
        }
        if p.descending {
            s.push_str(" DESC");
        }
        parts.push(s);
    }
    let mut sql = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(D, &index.name),
        table_ref(table),
        parts.join(", ")
    );
    if let Some(pred) = &index.predicate {
        sql.push_str(&format!(" WHERE {}", pred.sql));
    }
    Ok(sql)
}

/// `ALTER TABLE ADD COLUMN`, within SQLite's restrictions on the new column.
fn add_column(change: &Change, table: &QualifiedName, col: &Column) -> R<Vec<String>> {
    let refuse = |why: &str| {
        Err(unsupported(
            change,
            format!("SQLite's ADD COLUMN refuses {why}; the planner must emit RebuildTable"),
        ))
    };
    if col.identity.is_some() {
        return refuse("a primary key or AUTOINCREMENT column");
    }
    if col.generated.as_ref().is_some_and(|g| g.stored) {
        return refuse("a STORED generated column (VIRTUAL is allowed)");
    }
    let default = col.default.as_ref().map(|d| d.sql.trim());
    if let Some(d) = default {
        let time = ["CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"];
        if time.iter().any(|k| k.eq_ignore_ascii_case(d)) {
            return refuse("a CURRENT_TIME/DATE/TIMESTAMP default");
        }
        if !is_literal(d) {
            return refuse("a default that is an expression (only constants)");
        }
    }
    let null_default = default.is_none_or(|d| d.eq_ignore_ascii_case("NULL"));
    if !col.nullable && col.generated.is_none() && null_default {
        return refuse("NOT NULL without a non-NULL default");
    }
    Ok(vec![format!(
        "ALTER TABLE {} ADD COLUMN {}",
        table_ref(table),
        column_def(change, col)?
    )])
}

fn create_view(change: &Change, name: &QualifiedName, view: &View) -> R<String> {
    if view.materialized {
        return Err(unsupported(change, "SQLite has no materialized views"));
    }
    if view.check_option.is_some() {
        return Err(unsupported(
            change,
            "SQLite views have no WITH CHECK OPTION",
        ));
    }
    if view.comment.is_some() {
        return Err(unsupported(change, "SQLite has no comments on views"));
    }
    let columns = if view.columns.is_empty() {
        String::new()
    } else {
        format!(" ({})", quote_list(D, &view.columns))
    };
    Ok(format!(
        "CREATE VIEW {}{columns} AS {}",
        table_ref(name),
        view.definition.sql
    ))
}

/// `CREATE TRIGGER name timing event ON table [WHEN expr] BEGIN body END`. SQLite triggers are
/// row triggers with one event and a body of statements, each ending in `;` (a body read from
/// SQL keeps its last `;`; one built otherwise gets it here).
fn create_trigger(change: &Change, t: &Trigger) -> R<String> {
    let TriggerAction::Body { body } = &t.action else {
        return Err(unsupported(
            change,
            "SQLite triggers run a body of statements, not a function",
        ));
    };
    if !t.for_each_row || t.constraint.is_some() || t.old_table.is_some() || t.new_table.is_some() {
        return Err(unsupported(
            change,
            "SQLite triggers are FOR EACH ROW only, without CONSTRAINT or REFERENCING",
        ));
    }
    let event = match t.events.as_slice() {
        [TriggerEvent::Insert] => "INSERT".to_string(),
        [TriggerEvent::Delete] => "DELETE".to_string(),
        [TriggerEvent::Update { columns }] if columns.is_empty() => "UPDATE".to_string(),
        [TriggerEvent::Update { columns }] => format!("UPDATE OF {}", quote_list(D, columns)),
        _ => {
            return Err(unsupported(
                change,
                "a SQLite trigger fires on exactly one of INSERT, UPDATE, DELETE; split it into \
                 one trigger per event",
            ));
        }
    };
    let timing = match t.timing {
        TriggerTiming::Before => "BEFORE",
        TriggerTiming::After => "AFTER",
        TriggerTiming::InsteadOf => "INSTEAD OF",
    };
    let when = match &t.when {
        Some(w) => format!(" WHEN {}", w.sql),
        None => String::new(),
    };
    let mut body = body.sql.trim().to_string();
    if body.is_empty() {
        return Err(unsupported(
            change,
            "a SQLite trigger body needs a statement",
        ));
    }
    if !body.ends_with(';') {
        body.push(';');
    }
    Ok(format!(
        "CREATE TRIGGER {} {timing} {event} ON {} FOR EACH ROW{when}\nBEGIN\n{body}\nEND",
        quote_ident(D, &t.name),
        table_ref(&t.table)
    ))
}

/// The documented 12-step rebuild, as statements that work both on their own and inside the
/// caller's transaction:
/// - `PRAGMA foreign_keys = OFF` first: effective on its own (autocommit), a no-op inside a
///   transaction, where the caller must have switched enforcement off before `BEGIN` (as
///   `migrex_apply` does);
/// - a SAVEPOINT around the rest: a transaction of its own when run alone, nested otherwise; on
///   error the caller rolls back (a failed statement leaves the savepoint open);
/// - `PRAGMA defer_foreign_keys = ON` inside, `PRAGMA foreign_key_check` (as a guard) before the
///   release, `PRAGMA foreign_keys = ON` after it (SQLite's step 12; a no-op inside a transaction).
///
/// With enforcement on, `DROP TABLE` deletes every row first: rows of other tables referencing
/// this one would be deleted by ON DELETE CASCADE, or make the COMMIT fail. So the rebuild
/// refuses, with an error naming the cause, when foreign keys are enforced and any table (the new
/// one included) references this one. It also refuses when the table still has triggers, which
/// `DROP TABLE` would silently delete: the planner drops them before the rebuild and creates them
/// again after it, as it does with the views that read the table (`migrex_diff`'s
/// `plan/dependants.rs`). The rename runs with `legacy_alter_table` so SQLite does not re-check
/// the other views and triggers that name the table while it is briefly missing.
fn rebuild_table(
    change: &Change,
    name: &QualifiedName,
    from: &Table,
    to: &Table,
) -> R<Vec<String>> {
    let old = &name.name;
    let new = format!("{REBUILD_PREFIX}{old}");
    let old_q = quote_ident(D, old);
    let new_q = quote_ident(D, &new);
    let old_lit = quote_string(D, old);
    let new_lit = quote_string(D, &new);
    let guard = format!("temp.{}", quote_ident(D, GUARD));
    let msg = |m: String| quote_ident(D, &m);

    let mut out = vec![
        "PRAGMA foreign_keys = OFF".to_string(),
        format!("SAVEPOINT {SAVEPOINT}"),
        "PRAGMA defer_foreign_keys = ON".to_string(),
        format!("DROP TABLE IF EXISTS {guard}"),
    ];
    out.push(format!(
        "CREATE TEMP TABLE {} (\n  referenced INTEGER CONSTRAINT {} CHECK (referenced),\n  \
         triggers INTEGER CONSTRAINT {} CHECK (triggers),\n  \
         fk_check INTEGER CONSTRAINT {} CHECK (fk_check)\n)",
        quote_ident(D, GUARD),
        msg(format!(
            "rebuild of {old}: it is referenced by a foreign key while foreign_keys=ON; \
             run PRAGMA foreign_keys=OFF before BEGIN"
        )),
        msg(format!(
            "rebuild of {old}: it has triggers, which DROP TABLE would delete"
        )),
        msg(format!(
            "rebuild of {old}: PRAGMA foreign_key_check reports violations"
        )),
    ));
    out.push(create_table_sql(change, &new, to)?);
    out.push(format!(
        "INSERT INTO {guard} (referenced) SELECT NOT EXISTS (SELECT 1 FROM pragma_foreign_keys \
         AS e, sqlite_master AS s, pragma_foreign_key_list(s.name) AS f WHERE e.foreign_keys = 1 \
         AND s.type = 'table' AND f.\"table\" = {old_lit} COLLATE NOCASE)"
    ));
    out.push(format!(
        "INSERT INTO {guard} (triggers) SELECT NOT EXISTS (SELECT 1 FROM sqlite_master WHERE \
         type = 'trigger' AND tbl_name = {old_lit} COLLATE NOCASE)"
    ));
    // Columns kept by name; a generated column of the new table computes its own values.
    let copied: Vec<String> = to
        .columns
        .values()
        .filter(|c| c.generated.is_none() && from.columns.contains_key(&c.name))
        .map(|c| c.name.clone())
        .collect();
    if !copied.is_empty() {
        let cols = quote_list(D, &copied);
        out.push(format!(
            "INSERT INTO {new_q} ({cols}) SELECT {cols} FROM {old_q}"
        ));
    }
    // DROP TABLE forgets the AUTOINCREMENT counter; carry it over so ids are never reused.
    if to
        .columns
        .values()
        .any(|c| matches!(c.identity, Some(Identity::AutoIncrement)))
    {
        out.push(format!(
            "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM sqlite_sequence WHERE name IN \
             ({old_lit}, {new_lit})) WHERE name = {new_lit}"
        ));
        out.push(format!(
            "INSERT INTO sqlite_sequence (name, seq) SELECT {new_lit}, seq FROM sqlite_sequence \
             WHERE name = {old_lit} AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = \
             {new_lit})"
        ));
    }
    out.push(format!("DROP TABLE {old_q}"));
    out.push("PRAGMA legacy_alter_table = ON".into());
    out.push(format!("ALTER TABLE {new_q} RENAME TO {old_q}"));
    out.push("PRAGMA legacy_alter_table = OFF".into());
    for index in &to.indexes {
        out.push(create_index(change, name, index)?);
    }
    out.push(format!(
        "INSERT INTO {guard} (fk_check) SELECT NOT EXISTS (SELECT 1 FROM sqlite_master AS s, \
         pragma_foreign_key_check(s.name) AS c WHERE s.type = 'table' AND (s.name = {old_lit} \
         COLLATE NOCASE OR c.parent = {old_lit} COLLATE NOCASE))"
    ));
    out.push(format!("DROP TABLE {guard}"));
    out.push(format!("RELEASE {SAVEPOINT}"));
    out.push("PRAGMA foreign_keys = ON".into());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{Expr, Generated, IndexPart, PrimaryKey, SqliteTableOptions};

    fn e(sql: &str) -> Expr {
        migrex_dialect::expr(D, sql)
    }

    fn render(c: &Change) -> Vec<String> {
        SqliteRenderer.render_change(c).expect("renders")
    }

    fn qn(n: &str) -> QualifiedName {
        QualifiedName::new("", n)
    }

    fn sample() -> Table {
        let mut t = Table::new("album");
        let mut id = Column::new("id", migrex_model::ColumnType::other("INTEGER"));
        id.nullable = false;
        id.identity = Some(Identity::AutoIncrement);
        t.columns.insert("id".into(), id);
        let mut title = Column::new("title", migrex_model::ColumnType::other("NVARCHAR(160)"));
        title.nullable = false;
        title.default = Some(e("'untitled'"));
        title.collation = Some("NOCASE".into());
        t.columns.insert("title".into(), title);
        let mut created = Column::new("created", migrex_model::ColumnType::other("TEXT"));
        created.default = Some(e("datetime('now')"));
        t.columns.insert("created".into(), created);
        let mut upper = Column::new("upper_title", migrex_model::ColumnType::other(""));
        upper.generated = Some(Generated {
            expr: e("upper(title)"),
            stored: false,
        });
        t.columns.insert("upper_title".into(), upper);
        t.columns.insert(
            "artist_id".into(),
            Column::new("artist_id", migrex_model::ColumnType::other("INTEGER")),
        );
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        t.checks.push(Check {
            name: Some("title_len".into()),
            expr: e("length(title) > 0"),
            no_inherit: false,
        });
        t.foreign_keys.push(ForeignKey {
            name: None,
            columns: vec!["artist_id".into()],
            ref_table: qn("artist"),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: Some(Deferrable::InitiallyDeferred),
            match_full: false,
        });
        t.indexes.push(Index {
            name: "album_title".into(),
            unique: false,
            parts: vec![IndexPart::column("title")],
            method: None,
            include: vec![],
            predicate: Some(e("artist_id IS NOT NULL")),
            nulls_not_distinct: false,
            comment: None,
        });
        t.options = TableOptions::Sqlite(SqliteTableOptions {
            strict: false,
            without_rowid: false,
        });
        t
    }

    #[test]
    fn create_table_with_everything() {
        let sql = render(&Change::CreateTable {
            name: qn("album"),
            table: sample(),
        });
        assert_eq!(
            sql[0],
            "CREATE TABLE \"album\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n  \
             \"title\" NVARCHAR(160) NOT NULL DEFAULT 'untitled' COLLATE \"NOCASE\",\n  \
             \"created\" TEXT DEFAULT (datetime('now')),\n  \
             \"upper_title\" GENERATED ALWAYS AS (upper(title)) VIRTUAL,\n  \
             \"artist_id\" INTEGER,\n  \
             CONSTRAINT \"title_len\" CHECK (length(title) > 0),\n  \
             FOREIGN KEY (\"artist_id\") REFERENCES \"artist\" (\"id\") ON DELETE CASCADE \
             DEFERRABLE INITIALLY DEFERRED\n)"
        );
        assert_eq!(
            sql[1],
            "CREATE INDEX \"album_title\" ON \"album\" (\"title\") WHERE artist_id IS NOT NULL"
        );
    }

    #[test]
    fn defaults_are_parenthesized_unless_literal() {
        for lit in [
            "1",
            "-1.5",
            "+3e10",
            "0x1F",
            "'a''b'",
            "X'00ff'",
            "NULL",
            "current_timestamp",
        ] {
            assert_eq!(default_sql(lit), lit);
        }
        assert_eq!(default_sql("(1 + 1)"), "(1 + 1)");
        assert_eq!(default_sql("1 + 1"), "(1 + 1)");
        assert_eq!(default_sql("(a) + (b)"), "((a) + (b))");
        assert_eq!(default_sql("'a' || 'b'"), "('a' || 'b')");
        assert_eq!(default_sql("')' || ('"), "(')' || (')");
    }

    #[test]
    fn options_and_table_level_pk() {
        let mut t = sample();
        t.columns["id"].identity = None;
        t.options = TableOptions::Sqlite(SqliteTableOptions {
            strict: true,
            without_rowid: true,
        });
        t.primary_key = Some(PrimaryKey {
            name: Some("pk_album".into()),
            columns: vec!["id".into(), "title".into()],
        });
        let sql = render(&Change::CreateTable {
            name: qn("album"),
            table: t,
        });
        assert!(sql[0].contains("CONSTRAINT \"pk_album\" PRIMARY KEY (\"id\", \"title\")"));
        assert!(sql[0].ends_with(") STRICT, WITHOUT ROWID"), "{}", sql[0]);
    }

    #[test]
    fn autoincrement_outside_a_single_integer_pk_is_refused() {
        let mut t = sample();
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into(), "title".into()],
        });
        assert!(
            SqliteRenderer
                .render_change(&Change::CreateTable {
                    name: qn("album"),
                    table: t
                })
                .is_err()
        );
    }

    #[test]
    fn what_alter_table_cannot_do_points_at_rebuild() {
        let t = sample();
        let c = Change::AlterColumn {
            table: qn("album"),
            from: t.columns["title"].clone(),
            to: t.columns["created"].clone(),
        };
        let err = SqliteRenderer.render_change(&c).unwrap_err().to_string();
        assert!(err.contains("RebuildTable"), "{err}");
        let mut col = Column::new("x", migrex_model::ColumnType::other("TEXT"));
        col.nullable = false;
        let add = Change::AddColumn {
            table: qn("album"),
            column: col.clone(),
        };
        assert!(SqliteRenderer.render_change(&add).is_err());
        col.default = Some(e("'x'"));
        let add = Change::AddColumn {
            table: qn("album"),
            column: col,
        };
        assert_eq!(
            render(&add),
            vec!["ALTER TABLE \"album\" ADD COLUMN \"x\" TEXT NOT NULL DEFAULT 'x'"]
        );
    }

    fn trigger(events: Vec<migrex_model::TriggerEvent>, body: &str) -> Trigger {
        Trigger {
            name: "it's".into(),
            table: qn("album"),
            timing: TriggerTiming::InsteadOf,
            events,
            for_each_row: true,
            when: Some(e("new.id > 0")),
            action: TriggerAction::Body {
                body: migrex_dialect::body(D, body),
            },
            constraint: None,
            old_table: None,
            new_table: None,
            order: None,
            comment: None,
        }
    }

    #[test]
    fn triggers() {
        let t = trigger(
            vec![TriggerEvent::Update {
                columns: vec!["a".into(), "b\"c".into()],
            }],
            "SELECT RAISE(ABORT, 'no')",
        );
        assert_eq!(
            render(&Change::CreateTrigger { trigger: t.clone() }),
            vec![
                "CREATE TRIGGER \"it's\" INSTEAD OF UPDATE OF \"a\", \"b\"\"c\" ON \"album\" FOR \
                 EACH ROW WHEN new.id > 0\nBEGIN\nSELECT RAISE(ABORT, 'no');\nEND"
            ]
        );
        assert_eq!(
            render(&Change::DropTrigger { trigger: t }),
            vec!["DROP TRIGGER \"it's\""]
        );
        // One event per SQLite trigger, a body of statements.
        let two = trigger(
            vec![TriggerEvent::Insert, TriggerEvent::Delete],
            "SELECT 1;",
        );
        assert!(
            SqliteRenderer
                .render_change(&Change::CreateTrigger { trigger: two })
                .is_err()
        );
        let mut f = trigger(vec![TriggerEvent::Insert], "SELECT 1;");
        f.action = TriggerAction::Function {
            function: qn("f"),
            args: vec![],
        };
        assert!(
            SqliteRenderer
                .render_change(&Change::CreateTrigger { trigger: f })
                .is_err()
        );
    }

    #[test]
    fn hostile_names_stay_quoted() {
        let c = Change::RenameTable {
            from: qn("a\"; DROP TABLE x; --"),
            to: qn("b"),
        };
        assert_eq!(
            render(&c),
            vec!["ALTER TABLE \"a\"\"; DROP TABLE x; --\" RENAME TO \"b\""]
        );
    }

    #[test]
    fn rebuild_copies_common_columns_and_recreates_indexes() {
        let from = sample();
        let mut to = sample();
        to.columns.shift_remove("created");
        let sql = render(&Change::RebuildTable {
            name: qn("album"),
            from,
            to,
        });
        let joined = sql.join(";\n");
        assert!(joined.contains(
            "INSERT INTO \"_migrex_new_album\" (\"id\", \"title\", \"artist_id\") SELECT \"id\", \
             \"title\", \"artist_id\" FROM \"album\""
        ));
        assert!(joined.contains("ALTER TABLE \"_migrex_new_album\" RENAME TO \"album\""));
        assert!(joined.contains("UPDATE sqlite_sequence"));
        let drop = sql
            .iter()
            .position(|s| s == "DROP TABLE \"album\"")
            .unwrap();
        let index = sql
            .iter()
            .position(|s| s.starts_with("CREATE INDEX \"album_title\""))
            .unwrap();
        assert!(drop < index);
    }
}
