//! postgres DDL rendering.
//!
//! Every identifier is quoted; every constraint and index is created with its explicit name, so
//! the database never has to choose one. Sequence options are written in the order both
//! PostgreSQL and migrex's DDL reader accept (INCREMENT, MINVALUE, MAXVALUE, START, CACHE, CYCLE).

mod routines;
mod types;

use crate::{RenderError, SqlRenderer};
use migrex_dialect::postgres as pg;
use migrex_dialect::{qualified, quote_ident, quote_list, quote_string};
use migrex_model::{
    Change, Check, Column, ColumnType, Deferrable, Dialect, EnumType, FkAction, ForeignKey,
    Identity, Index, PrimaryKey, QualifiedName, Sequence, SequenceOptions, Table, TableOptions,
    UniqueConstraint, View,
};

const PG: Dialect = Dialect::Postgres;

pub(crate) struct PostgresRenderer;

impl SqlRenderer for PostgresRenderer {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn render_change(&self, change: &Change) -> Result<Vec<String>, RenderError> {
        render(change)
    }
}

fn q(name: &str) -> String {
    quote_ident(PG, name)
}

fn qn(name: &QualifiedName) -> String {
    qualified(PG, name)
}

fn unsupported(change: &Change, hint: impl Into<String>) -> RenderError {
    RenderError::Unsupported {
        dialect: PG,
        change: change.describe(),
        hint: hint.into(),
    }
}

fn comment_value(c: Option<&str>) -> String {
    c.map_or_else(|| "NULL".to_string(), |c| quote_string(PG, c))
}

fn render(change: &Change) -> Result<Vec<String>, RenderError> {
    use Change::*;
    let out = match change {
        CreateNamespace { name } => {
            // `public` exists in every new database.
            let ine = if name == "public" {
                "IF NOT EXISTS "
            } else {
                ""
            };
            vec![format!("CREATE SCHEMA {ine}{}", q(name))]
        }
        DropNamespace { name } => vec![format!("DROP SCHEMA {}", q(name))],
        SetNamespaceComment { name, to, .. } => vec![format!(
            "COMMENT ON SCHEMA {} IS {}",
            q(name),
            comment_value(to.as_deref())
        )],
        CreateEnum { name, enum_type } => create_enum(name, enum_type),
        DropEnum { name, .. } => vec![format!("DROP TYPE {}", qn(name))],
        AddEnumValue {
            name,
            value,
            before,
        } => {
            let mut s = format!(
                "ALTER TYPE {} ADD VALUE {}",
                qn(name),
                quote_string(PG, value)
            );
            if let Some(b) = before {
                s.push_str(&format!(" BEFORE {}", quote_string(PG, b)));
            }
            vec![s]
        }
        CreateSequence { name, sequence } => create_sequence(name, sequence),
        DropSequence { name, .. } => vec![format!("DROP SEQUENCE {}", qn(name))],
        AlterSequence { name, from, to } => alter_sequence(name, from, to),
        CreateTable { name, table } => create_table(change, name, table)?,
        DropTable { name, .. } => vec![format!("DROP TABLE {}", qn(name))],
        RenameTable { from, to } => {
            let mut out = Vec::new();
            let mut cur = from.clone();
            if from.namespace != to.namespace {
                out.push(format!(
                    "ALTER TABLE {} SET SCHEMA {}",
                    qn(from),
                    q(&to.namespace)
                ));
                cur.namespace = to.namespace.clone();
            }
            if from.name != to.name {
                out.push(format!(
                    "ALTER TABLE {} RENAME TO {}",
                    qn(&cur),
                    q(&to.name)
                ));
            }
            out
        }
        AddColumn { table, column } => {
            if column.generated.as_ref().is_some_and(|g| !g.stored) {
                return Err(unsupported(
                    change,
                    "PostgreSQL generated columns are STORED only",
                ));
            }
            let mut out = Vec::new();
            let (pre, def, post) = column_def(change, table, column)?;
            out.extend(pre);
            out.push(format!("ALTER TABLE {} ADD COLUMN {def}", qn(table)));
            out.extend(post);
            if let Some(c) = &column.comment {
                out.push(column_comment(table, &column.name, Some(c)));
            }
            out
        }
        DropColumn { table, column } => vec![format!(
            "ALTER TABLE {} DROP COLUMN {}",
            qn(table),
            q(&column.name)
        )],
        RenameColumn { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            qn(table),
            q(from),
            q(to)
        )],
        AlterColumn { table, from, to } => alter_column(change, table, from, to)?,
        AddPrimaryKey { table, primary_key } => vec![format!(
            "ALTER TABLE {} ADD {}",
            qn(table),
            pk_clause(primary_key)
        )],
        DropPrimaryKey { table, primary_key } => {
            let name = primary_key
                .name
                .clone()
                .unwrap_or_else(|| pg::make_object_name(&table.name, None, "pkey"));
            vec![drop_constraint(table, &name)]
        }
        AddUnique { table, unique } => vec![format!(
            "ALTER TABLE {} ADD {}",
            qn(table),
            unique_clause(unique)
        )],
        DropUnique { table, unique } => {
            let name = unique.name.clone().unwrap_or_else(|| {
                pg::make_object_name(
                    &table.name,
                    Some(&pg::name_addition(&unique.columns)),
                    "key",
                )
            });
            vec![drop_constraint(table, &name)]
        }
        AddForeignKey { table, foreign_key } => vec![format!(
            "ALTER TABLE {} ADD {}",
            qn(table),
            fk_clause(foreign_key)
        )],
        DropForeignKey { table, foreign_key } => {
            let name = foreign_key.name.clone().unwrap_or_else(|| {
                pg::make_object_name(
                    &table.name,
                    Some(&pg::name_addition(&foreign_key.columns)),
                    "fkey",
                )
            });
            vec![drop_constraint(table, &name)]
        }
        AddCheck { table, check } => vec![format!(
            "ALTER TABLE {} ADD {}",
            qn(table),
            check_clause(check)
        )],
        DropCheck { table, check } => match &check.name {
            Some(n) => vec![drop_constraint(table, n)],
            None => {
                return Err(unsupported(
                    change,
                    "an unnamed check constraint cannot be dropped by name",
                ));
            }
        },
        CreateIndex { table, index } => create_index(table, index),
        Online { table, operation } => {
            return crate::online::render(Dialect::Postgres, table, operation);
        }
        Data { table, operation } => {
            return crate::data::statements(Dialect::Postgres, table, operation);
        }
        DropIndex { table, index } => vec![format!(
            "DROP INDEX {}",
            qn(&QualifiedName::new(
                table.namespace.clone(),
                index.name.clone()
            ))
        )],
        RenameIndex { table, from, to } => vec![format!(
            "ALTER INDEX {} RENAME TO {}",
            qn(&QualifiedName::new(table.namespace.clone(), from.clone())),
            q(to)
        )],
        RenameConstraint { table, from, to } => vec![format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
            qn(table),
            q(from),
            q(to)
        )],
        SetTableComment { table, to, .. } => vec![format!(
            "COMMENT ON TABLE {} IS {}",
            qn(table),
            comment_value(to.as_deref())
        )],
        AlterTableOptions { table, from, to } => alter_table_options(change, table, from, to)?,
        RebuildTable { .. } => {
            return Err(unsupported(
                change,
                "table rebuilds are SQLite-only; PostgreSQL alters tables in place",
            ));
        }
        CreateView { name, view } => create_view(name, view),
        DropView { name, view } => vec![format!(
            "DROP {}VIEW {}",
            if view.materialized {
                "MATERIALIZED "
            } else {
                ""
            },
            qn(name)
        )],
        SetViewComment {
            name,
            materialized,
            to,
            ..
        } => vec![format!(
            "COMMENT ON {}VIEW {} IS {}",
            if *materialized { "MATERIALIZED " } else { "" },
            qn(name),
            comment_value(to.as_deref())
        )],
        CreateFunction { .. }
        | ReplaceFunction { .. }
        | DropFunction { .. }
        | CreateTrigger { .. }
        | DropTrigger { .. }
        | CreatePolicy { .. }
        | DropPolicy { .. }
        | AlterPolicy { .. }
        | CreateExtension { .. }
        | DropExtension { .. }
        | AlterExtension { .. }
        | CreateRule { .. }
        | DropRule { .. }
        | SetComment { .. } => routines::render(change)?,
        SetClusterOn {
            table,
            materialized_view,
            to,
            ..
        } => vec![format!(
            "ALTER {} {} {}",
            if *materialized_view {
                "MATERIALIZED VIEW"
            } else {
                "TABLE"
            },
            qn(table),
            match to {
                Some(i) => format!("CLUSTER ON {}", q(i)),
                None => "SET WITHOUT CLUSTER".to_string(),
            }
        )],
        CreateDomain { .. }
        | DropDomain { .. }
        | AlterDomain { .. }
        | CreateCompositeType { .. }
        | DropCompositeType { .. }
        | AlterCompositeType { .. }
        | RecreateEnum { .. }
        | AttachPartition { .. }
        | DetachPartition { .. }
        | AddExclusion { .. }
        | DropExclusion { .. } => types::render(change)?,
        // TODO(issue 3): functions, triggers, domains, composite types, extensions, policies,
        // partitions, comments.
        _ => return Err(unsupported(change, "not rendered for PostgreSQL yet")),
    };
    Ok(out)
}

fn create_enum(name: &QualifiedName, e: &EnumType) -> Vec<String> {
    let values = e
        .values
        .iter()
        .map(|v| quote_string(PG, v))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = vec![format!("CREATE TYPE {} AS ENUM ({values})", qn(name))];
    if let Some(c) = &e.comment {
        out.push(format!(
            "COMMENT ON TYPE {} IS {}",
            qn(name),
            quote_string(PG, c)
        ));
    }
    out
}

/// `INCREMENT BY 5 START WITH 100 ...` for options that differ from the defaults.
fn sequence_options(o: &SequenceOptions) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(i) = o.increment {
        parts.push(format!("INCREMENT BY {i}"));
    }
    if let Some(m) = o.min_value {
        parts.push(format!("MINVALUE {m}"));
    }
    if let Some(m) = o.max_value {
        parts.push(format!("MAXVALUE {m}"));
    }
    if let Some(s) = o.start {
        parts.push(format!("START WITH {s}"));
    }
    if let Some(c) = o.cache {
        parts.push(format!("CACHE {c}"));
    }
    if o.cycle {
        parts.push("CYCLE".into());
    }
    parts
}

fn owned_by(owner: &Option<(QualifiedName, String)>) -> String {
    match owner {
        Some((t, c)) => format!("OWNED BY {}.{}", qn(t), q(c)),
        None => "OWNED BY NONE".into(),
    }
}

fn create_sequence(name: &QualifiedName, s: &Sequence) -> Vec<String> {
    let mut stmt = format!("CREATE SEQUENCE {}", qn(name));
    if let Some(t) = &s.data_type {
        stmt.push_str(&format!(" AS {}", pg::format_type(t)));
    }
    for p in sequence_options(&s.options) {
        stmt.push(' ');
        stmt.push_str(&p);
    }
    if s.owned_by.is_some() {
        stmt.push(' ');
        stmt.push_str(&owned_by(&s.owned_by));
    }
    let mut out = vec![stmt];
    if let Some(c) = &s.comment {
        out.push(format!(
            "COMMENT ON SEQUENCE {} IS {}",
            qn(name),
            quote_string(PG, c)
        ));
    }
    out
}

/// The `ALTER SEQUENCE` / `ALTER COLUMN SET ...` clauses that turn options `from` into `to`
/// (a value going back to its default is spelled out: `NO MINVALUE`, `CACHE 1`, `START WITH <min>`).
fn option_changes(from: &SequenceOptions, to: &SequenceOptions) -> Vec<String> {
    let mut parts = Vec::new();
    if from.increment != to.increment {
        parts.push(format!("INCREMENT BY {}", to.increment.unwrap_or(1)));
    }
    if from.min_value != to.min_value {
        parts.push(match to.min_value {
            Some(m) => format!("MINVALUE {m}"),
            None => "NO MINVALUE".into(),
        });
    }
    if from.max_value != to.max_value {
        parts.push(match to.max_value {
            Some(m) => format!("MAXVALUE {m}"),
            None => "NO MAXVALUE".into(),
        });
    }
    // A START left at its default moves with MINVALUE (or MAXVALUE descending), and must be
    // spelled out then: `SET MINVALUE -100` alone keeps the old start below the new minimum.
    if from.start.unwrap_or_else(|| default_start(from))
        != to.start.unwrap_or_else(|| default_start(to))
    {
        let start = to.start.unwrap_or_else(|| default_start(to));
        parts.push(format!("START WITH {start}"));
    }
    if from.cache != to.cache {
        parts.push(format!("CACHE {}", to.cache.unwrap_or(1)));
    }
    if from.cycle != to.cycle {
        parts.push(if to.cycle { "CYCLE" } else { "NO CYCLE" }.into());
    }
    parts
}

/// Where a sequence starts when START is not given: its minimum ascending, its maximum descending.
fn default_start(o: &SequenceOptions) -> i64 {
    if o.increment.unwrap_or(1) > 0 {
        o.min_value.unwrap_or(1)
    } else {
        o.max_value.unwrap_or(-1)
    }
}

fn alter_sequence(name: &QualifiedName, from: &Sequence, to: &Sequence) -> Vec<String> {
    let mut parts = Vec::new();
    if from.data_type != to.data_type {
        let t = to.data_type.clone().unwrap_or(ColumnType::int(8));
        parts.push(format!("AS {}", pg::format_type(&t)));
    }
    parts.extend(option_changes(&from.options, &to.options));
    if from.owned_by != to.owned_by {
        parts.push(owned_by(&to.owned_by));
    }
    let mut out = Vec::new();
    if !parts.is_empty() {
        out.push(format!("ALTER SEQUENCE {} {}", qn(name), parts.join(" ")));
    }
    if from.comment != to.comment {
        out.push(format!(
            "COMMENT ON SEQUENCE {} IS {}",
            qn(name),
            comment_value(to.comment.as_deref())
        ));
    }
    out
}

fn collate(c: &str) -> String {
    // `schema.collation` is written qualified; a plain name is one identifier (`"C"`, `"en_US"`).
    match c.split_once('.') {
        Some((ns, n)) if !ns.is_empty() && !n.is_empty() => format!("{}.{}", q(ns), q(n)),
        _ => q(c),
    }
}

/// A serial column whose sequence has the name PostgreSQL gives it renders as `serial`.
fn implicit_serial(table: &QualifiedName, column: &Column) -> Option<&'static str> {
    match &column.identity {
        Some(Identity::Serial { sequence })
            if *sequence == pg::make_object_name(&table.name, Some(&column.name), "seq") =>
        {
            pg::serial_keyword(&column.ty)
        }
        _ => None,
    }
}

fn int_bytes(ty: &ColumnType) -> u8 {
    match ty {
        ColumnType::Integer { bytes, .. } => *bytes,
        _ => 8,
    }
}

fn nextval(seq: &QualifiedName) -> String {
    format!("nextval({}::regclass)", quote_string(PG, &qn(seq)))
}

/// A column definition, with statements to run before it (a serial's explicitly named sequence)
/// and after it (that sequence's `OWNED BY`).
fn column_def(
    change: &Change,
    table: &QualifiedName,
    c: &Column,
) -> Result<(Vec<String>, String, Vec<String>), RenderError> {
    if c.on_update.is_some() {
        return Err(unsupported(
            change,
            format!(
                "column {} has ON UPDATE, which PostgreSQL has no column option for (use a trigger)",
                c.name
            ),
        ));
    }
    let (mut pre, mut post) = (Vec::new(), Vec::new());
    let serial = implicit_serial(table, c);
    let mut s = format!(
        "{} {}",
        q(&c.name),
        serial.map_or_else(|| pg::format_type(&c.ty), str::to_string)
    );
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {}", collate(coll)));
    }
    if let Some(g) = &c.generated {
        if !g.stored {
            return Err(unsupported(
                change,
                format!(
                    "column {}: PostgreSQL generated columns are STORED only",
                    c.name
                ),
            ));
        }
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) STORED", g.expr.sql));
    }
    let mut default = c.default.as_ref().map(|d| default_sql(&d.sql));
    match &c.identity {
        Some(Identity::Always { sequence }) => s.push_str(&identity_clause("ALWAYS", sequence)),
        Some(Identity::ByDefault { sequence }) => {
            s.push_str(&identity_clause("BY DEFAULT", sequence))
        }
        Some(Identity::AutoIncrement) => {
            s.push_str(&identity_clause("BY DEFAULT", &SequenceOptions::default()))
        }
        Some(Identity::Serial { sequence }) if serial.is_none() => {
            // A serial whose sequence has another name: the sequence, its default and its owner.
            let seq = QualifiedName::new(table.namespace.clone(), sequence.clone());
            let ty = ColumnType::int(int_bytes(&c.ty));
            pre.push(format!(
                "CREATE SEQUENCE {} AS {}",
                qn(&seq),
                pg::format_type(&ty)
            ));
            default = Some(nextval(&seq));
            post.push(format!(
                "ALTER SEQUENCE {} OWNED BY {}.{}",
                qn(&seq),
                qn(table),
                q(&c.name)
            ));
        }
        _ => {}
    }
    if let Some(d) = default {
        s.push_str(&format!(" DEFAULT {d}"));
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    Ok((pre, s, post))
}

/// A default expression as `DEFAULT` accepts it: PostgreSQL's grammar takes only a restricted
/// expression there (no `AT TIME ZONE`, `AND`, `IS NULL`, `LIKE`...), so anything with a word or
/// operator at its top level is parenthesized.
fn default_sql(sql: &str) -> String {
    let sql = sql.trim();
    let (mut depth, mut quote) = (0i32, None::<char>);
    let mut top_level_space = false;
    for ch in sql.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => {}
            None => match ch {
                '\'' | '"' => quote = Some(ch),
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                c if c.is_whitespace() && depth == 0 => top_level_space = true,
                _ => {}
            },
        }
    }
    if top_level_space {
        format!("({sql})")
    } else {
        sql.to_string()
    }
}

fn identity_clause(kind: &str, o: &SequenceOptions) -> String {
    let opts = sequence_options(o);
    if opts.is_empty() {
        format!(" GENERATED {kind} AS IDENTITY")
    } else {
        format!(" GENERATED {kind} AS IDENTITY ({})", opts.join(" "))
    }
}

fn deferrable_clause(d: Option<Deferrable>) -> &'static str {
    match d {
        None => "",
        Some(Deferrable::InitiallyImmediate) => " DEFERRABLE INITIALLY IMMEDIATE",
        Some(Deferrable::InitiallyDeferred) => " DEFERRABLE INITIALLY DEFERRED",
    }
}

fn named(name: Option<&str>) -> String {
    name.map_or_else(String::new, |n| format!("CONSTRAINT {} ", q(n)))
}

fn pk_clause(pk: &PrimaryKey) -> String {
    format!(
        "{}PRIMARY KEY ({})",
        named(pk.name.as_deref()),
        quote_list(PG, &pk.columns)
    )
}

fn unique_clause(u: &UniqueConstraint) -> String {
    format!(
        "{}UNIQUE{} ({}){}",
        named(u.name.as_deref()),
        if u.nulls_not_distinct {
            " NULLS NOT DISTINCT"
        } else {
            ""
        },
        quote_list(PG, &u.columns),
        deferrable_clause(u.deferrable)
    )
}

fn fk_clause(f: &ForeignKey) -> String {
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {} ({})",
        named(f.name.as_deref()),
        quote_list(PG, &f.columns),
        qn(&f.ref_table),
        quote_list(PG, &f.ref_columns)
    );
    if f.match_full {
        s.push_str(" MATCH FULL");
    }
    if f.on_delete != FkAction::NoAction {
        s.push_str(&format!(" ON DELETE {}", f.on_delete.sql()));
    }
    if f.on_update != FkAction::NoAction {
        s.push_str(&format!(" ON UPDATE {}", f.on_update.sql()));
    }
    s.push_str(deferrable_clause(f.deferrable));
    s
}

fn check_clause(c: &Check) -> String {
    format!(
        "{}CHECK ({}){}",
        named(c.name.as_deref()),
        c.expr.sql,
        if c.no_inherit { " NO INHERIT" } else { "" }
    )
}

fn drop_constraint(table: &QualifiedName, name: &str) -> String {
    format!("ALTER TABLE {} DROP CONSTRAINT {}", qn(table), q(name))
}

fn column_comment(table: &QualifiedName, column: &str, c: Option<&str>) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {}",
        qn(table),
        q(column),
        comment_value(c)
    )
}

fn create_table(
    change: &Change,
    name: &QualifiedName,
    t: &Table,
) -> Result<Vec<String>, RenderError> {
    let mut pre = Vec::new();
    let mut post = Vec::new();
    let mut items = Vec::new();
    for c in t.columns.values() {
        let (p, def, after) = column_def(change, name, c)?;
        pre.extend(p);
        items.push(def);
        post.extend(after);
    }
    if let Some(pk) = &t.primary_key {
        items.push(pk_clause(pk));
    }
    items.extend(t.uniques.iter().map(unique_clause));
    items.extend(t.checks.iter().map(check_clause));
    items.extend(t.foreign_keys.iter().map(fk_clause));
    items.extend(t.exclusions.iter().map(types::exclusion_clause));
    let pg_opts = match &t.options {
        TableOptions::Postgres(o) => Some(o),
        _ => None,
    };
    let unlogged = pg_opts.is_some_and(|o| o.unlogged);
    let mut stmt = match &t.partition_of {
        // A partition's columns are its parent's: only its own constraints are listed.
        Some(p) => {
            let own: Vec<String> = items.split_off(t.columns.len());
            pre.clear();
            post.clear();
            types::create_partition(name, t, p, own)
        }
        None => format!(
            "CREATE {}TABLE {} (\n    {}\n)",
            if unlogged { "UNLOGGED " } else { "" },
            qn(name),
            items.join(",\n    ")
        ),
    };
    if let Some(p) = &t.partitioning
        && t.partition_of.is_none()
    {
        stmt.push_str(&types::partition_by(p));
    }
    if let Some(o) = pg_opts
        && !o.inherits.is_empty()
        && t.partition_of.is_none()
    {
        let parents: Vec<String> = o.inherits.iter().map(qn).collect();
        stmt.push_str(&format!(" INHERITS ({})", parents.join(", ")));
    }
    let mut out = pre;
    out.push(stmt);
    out.extend(post);
    if let Some(o) = pg_opts {
        out.extend(routines::row_level_security(
            name,
            &migrex_model::PgTableOptions::default(),
            o,
        ));
    }
    for i in &t.indexes {
        out.extend(create_index(name, i));
    }
    if let Some(c) = &t.comment {
        out.push(format!(
            "COMMENT ON TABLE {} IS {}",
            qn(name),
            quote_string(PG, c)
        ));
    }
    for c in t.columns.values() {
        if let Some(cm) = &c.comment {
            out.push(column_comment(name, &c.name, Some(cm)));
        }
    }
    Ok(out)
}

fn create_index(table: &QualifiedName, i: &Index) -> Vec<String> {
    let parts: Vec<String> = i.parts.iter().map(types::part_sql).collect();
    let mut s = format!(
        "CREATE {}INDEX {} ON {}",
        if i.unique { "UNIQUE " } else { "" },
        q(&i.name),
        qn(table)
    );
    if let Some(m) = &i.method {
        s.push_str(&format!(" USING {}", q(&m.to_lowercase())));
    }
    s.push_str(&format!(" ({})", parts.join(", ")));
    if !i.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", quote_list(PG, &i.include)));
    }
    if i.nulls_not_distinct {
        s.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {}", p.sql));
    }
    let mut out = vec![s];
    if let Some(c) = &i.comment {
        out.push(format!(
            "COMMENT ON INDEX {} IS {}",
            qn(&QualifiedName::new(table.namespace.clone(), i.name.clone())),
            quote_string(PG, c)
        ));
    }
    out
}

/// True when changing `from` to `to` needs an explicit `USING` conversion (another kind of type,
/// not just another length or precision).
fn needs_using(from: &ColumnType, to: &ColumnType) -> bool {
    match (from, to) {
        (ColumnType::Integer { .. }, ColumnType::Integer { .. })
        | (ColumnType::Decimal { .. }, ColumnType::Decimal { .. })
        | (ColumnType::Float { .. }, ColumnType::Float { .. })
        | (ColumnType::Timestamp { .. }, ColumnType::Timestamp { .. })
        | (ColumnType::Time { .. }, ColumnType::Time { .. })
        | (ColumnType::Bit { .. }, ColumnType::Bit { .. })
        | (ColumnType::Interval { .. }, ColumnType::Interval { .. }) => false,
        (ColumnType::Text { .. }, ColumnType::Text { .. }) => false,
        (ColumnType::Integer { .. } | ColumnType::Float { .. }, ColumnType::Decimal { .. })
        | (ColumnType::Integer { .. } | ColumnType::Decimal { .. }, ColumnType::Float { .. }) => {
            false
        }
        (a, b) => a != b,
    }
}

/// A user-defined type (an enum, domain or composite), or an array of one.
fn user_type(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::UserDefined { .. } => true,
        ColumnType::Array { element } => user_type(element),
        _ => false,
    }
}

fn alter_column(
    change: &Change,
    table: &QualifiedName,
    from: &Column,
    to: &Column,
) -> Result<Vec<String>, RenderError> {
    let t = qn(table);
    let col = q(&to.name);
    let alter = |clause: String| format!("ALTER TABLE {t} ALTER COLUMN {col} {clause}");
    let mut out = Vec::new();
    if from.on_update != to.on_update && to.on_update.is_some() {
        return Err(unsupported(
            change,
            "ON UPDATE has no PostgreSQL column option (use a trigger)",
        ));
    }
    match (&from.generated, &to.generated) {
        (Some(_), None) => out.push(alter("DROP EXPRESSION".into())),
        (a, b) if a != b => {
            return Err(unsupported(
                change,
                "PostgreSQL 15 cannot change a column's generation expression; drop and re-add the column",
            ));
        }
        _ => {}
    }
    let type_changes = from.ty != to.ty || from.collation != to.collation;
    let serial_seq = |c: &Column| match &c.identity {
        Some(Identity::Serial { sequence }) => Some(QualifiedName::new(
            table.namespace.clone(),
            sequence.clone(),
        )),
        _ => None,
    };
    let (from_seq, to_seq) = (serial_seq(from), serial_seq(to));
    // The effective defaults: a serial's default is its nextval().
    let from_default = from_seq
        .as_ref()
        .map(nextval)
        .or_else(|| from.default.as_ref().map(|d| default_sql(&d.sql)));
    let to_default = to_seq
        .as_ref()
        .map(nextval)
        .or_else(|| to.default.as_ref().map(|d| default_sql(&d.sql)));
    let from_default_key = from_seq
        .as_ref()
        .map(|s| format!("serial {s}"))
        .or_else(|| from.default.as_ref().map(|d| d.key.clone()));
    let to_default_key = to_seq
        .as_ref()
        .map(|s| format!("serial {s}"))
        .or_else(|| to.default.as_ref().map(|d| d.key.clone()));
    let default_changes = from_default_key != to_default_key;
    // Identity is removed first and added last: a column cannot have both identity and a default.
    let is_identity = |c: &Column| {
        matches!(
            c.identity,
            Some(Identity::Always { .. } | Identity::ByDefault { .. } | Identity::AutoIncrement)
        )
    };
    if is_identity(from) && !is_identity(to) {
        out.push(alter("DROP IDENTITY".into()));
    }
    // The same serial sequence keeps its nextval() default through a type change.
    let same_serial = from_seq.is_some() && from_seq == to_seq;
    // A default that cannot follow the type change is dropped first and set again after.
    let drop_default_first =
        from_default.is_some() && (default_changes || (type_changes && !same_serial));
    if drop_default_first {
        out.push(alter("DROP DEFAULT".into()));
    }
    if let Some(seq) = &from_seq
        && from_seq != to_seq
    {
        out.push(format!("DROP SEQUENCE {}", qn(seq)));
    }
    if type_changes {
        let ty = pg::format_type(&to.ty);
        let mut clause = format!("TYPE {ty}");
        if from.collation != to.collation || to.collation.is_some() {
            let coll = to.collation.as_deref().unwrap_or("default");
            clause.push_str(&format!(" COLLATE {}", collate(coll)));
        }
        if needs_using(&from.ty, &to.ty) {
            // Enums (and other user types) have no cast to one another: going through their
            // text form (an I/O conversion every type has) turns `'a'` of one enum into the other.
            let via = if user_type(&from.ty) || user_type(&to.ty) {
                "::text"
            } else {
                ""
            };
            clause.push_str(&format!(" USING {col}{via}::{ty}"));
        }
        out.push(alter(clause));
        // A serial's sequence follows its column's integer type (serial → bigserial), or it
        // would stop at the old type's maximum and read back as a free sequence.
        if same_serial
            && let Some(seq) = &to_seq
            && int_bytes(&from.ty) != int_bytes(&to.ty)
        {
            out.push(format!(
                "ALTER SEQUENCE {} AS {}",
                qn(seq),
                pg::format_type(&ColumnType::int(int_bytes(&to.ty)))
            ));
        }
    }
    if let Some(seq) = &to_seq
        && from_seq != to_seq
    {
        out.push(format!(
            "CREATE SEQUENCE {} AS {} OWNED BY {t}.{col}",
            qn(seq),
            pg::format_type(&ColumnType::int(int_bytes(&to.ty)))
        ));
    }
    if let Some(d) = &to_default
        && (default_changes || drop_default_first)
    {
        out.push(alter(format!("SET DEFAULT {d}")));
    }
    if from.nullable != to.nullable {
        out.push(alter(
            if to.nullable {
                "DROP NOT NULL"
            } else {
                "SET NOT NULL"
            }
            .into(),
        ));
    }
    let opts = |c: &Column| match &c.identity {
        Some(Identity::Always { sequence } | Identity::ByDefault { sequence }) => {
            Some(sequence.clone())
        }
        Some(Identity::AutoIncrement) => Some(SequenceOptions::default()),
        _ => None,
    };
    let kind = |c: &Column| match &c.identity {
        Some(Identity::Always { .. }) => "ALWAYS",
        _ => "BY DEFAULT",
    };
    if is_identity(to) {
        let to_opts = opts(to).unwrap_or_default();
        if !is_identity(from) {
            let mut clause = format!("ADD GENERATED {} AS IDENTITY", kind(to));
            let o = sequence_options(&to_opts);
            if !o.is_empty() {
                clause.push_str(&format!(" ({})", o.join(" ")));
            }
            out.push(alter(clause));
        } else {
            let mut clauses = Vec::new();
            if kind(from) != kind(to) {
                clauses.push(format!("SET GENERATED {}", kind(to)));
            }
            let from_opts = opts(from).unwrap_or_default();
            for p in option_changes(&from_opts, &to_opts) {
                clauses.push(format!("SET {p}"));
            }
            if !clauses.is_empty() {
                out.push(alter(clauses.join(" ")));
            }
        }
    }
    if from.comment != to.comment {
        out.push(column_comment(table, &to.name, to.comment.as_deref()));
    }
    Ok(out)
}

fn alter_table_options(
    change: &Change,
    table: &QualifiedName,
    from: &TableOptions,
    to: &TableOptions,
) -> Result<Vec<String>, RenderError> {
    let default = migrex_model::PgTableOptions::default();
    let pick = |o: &TableOptions| -> Result<migrex_model::PgTableOptions, RenderError> {
        match o {
            TableOptions::Postgres(p) => Ok(p.clone()),
            TableOptions::None => Ok(default.clone()),
            other if other.is_default() => Ok(default.clone()),
            _ => Err(unsupported(
                change,
                "options of another database do not apply to PostgreSQL",
            )),
        }
    };
    let (a, b) = (pick(from)?, pick(to)?);
    let t = qn(table);
    let mut out = Vec::new();
    if a.unlogged != b.unlogged {
        out.push(format!(
            "ALTER TABLE {t} SET {}",
            if b.unlogged { "UNLOGGED" } else { "LOGGED" }
        ));
    }
    for p in a.inherits.iter().filter(|p| !b.inherits.contains(p)) {
        out.push(format!("ALTER TABLE {t} NO INHERIT {}", qn(p)));
    }
    for p in b.inherits.iter().filter(|p| !a.inherits.contains(p)) {
        out.push(format!("ALTER TABLE {t} INHERIT {}", qn(p)));
    }
    out.extend(routines::row_level_security(table, &a, &b));
    Ok(out)
}

fn create_view(name: &QualifiedName, v: &View) -> Vec<String> {
    let mut s = format!(
        "CREATE {}VIEW {}",
        if v.materialized { "MATERIALIZED " } else { "" },
        qn(name)
    );
    if !v.columns.is_empty() {
        s.push_str(&format!(" ({})", quote_list(PG, &v.columns)));
    }
    let body = v.definition.sql.trim().trim_end_matches(';').trim_end();
    s.push_str(&format!(" AS\n{body}"));
    if let Some(opt) = &v.check_option
        && !v.materialized
    {
        s.push_str(&format!(" WITH {} CHECK OPTION", opt.to_uppercase()));
    }
    let mut out = vec![s];
    if let Some(c) = &v.comment {
        out.push(format!(
            "COMMENT ON {}VIEW {} IS {}",
            if v.materialized { "MATERIALIZED " } else { "" },
            qn(name),
            quote_string(PG, c)
        ));
    }
    // A materialized view's indexes and CLUSTER mark are created with it (and go with it).
    for i in &v.indexes {
        out.extend(create_index(name, i));
    }
    if let Some(i) = &v.cluster_on {
        out.push(format!(
            "ALTER MATERIALIZED VIEW {} CLUSTER ON {}",
            qn(name),
            q(i)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{Expr, Generated, IndexKey, IndexPart};

    fn t() -> QualifiedName {
        QualifiedName::new("public", "t")
    }

    fn col(name: &str, ty: &str) -> Column {
        Column::new(name, pg::parse_type(ty))
    }

    fn one(change: Change) -> Vec<String> {
        render(&change).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn create_table_with_everything() {
        let mut table = Table::new("t");
        let mut id = col("id", "integer");
        id.nullable = false;
        id.identity = Some(Identity::Serial {
            sequence: "t_id_seq".into(),
        });
        table.columns.insert("id".into(), id);
        let mut n = col("n", "bigint");
        n.identity = Some(Identity::ByDefault {
            sequence: SequenceOptions {
                start: Some(100),
                increment: Some(5),
                ..Default::default()
            },
        });
        n.nullable = false;
        table.columns.insert("n".into(), n);
        let mut g = col("g", "numeric");
        g.generated = Some(Generated {
            expr: Expr::with_key("n * 2", "n * 2"),
            stored: true,
        });
        g.comment = Some("it's doubled".into());
        table.columns.insert("g".into(), g);
        table.primary_key = Some(PrimaryKey {
            name: Some("t_pkey".into()),
            columns: vec!["id".into()],
        });
        table.indexes.push(Index {
            name: "t_lower".into(),
            unique: true,
            parts: vec![IndexPart {
                descending: true,
                ..IndexPart {
                    key: IndexKey::Expr(Expr::with_key("lower(x)", "lower(x)")),
                    ..IndexPart::column("")
                }
            }],
            method: None,
            include: vec!["g".into()],
            predicate: Some(Expr::with_key("n > 0", "n > 0")),
            nulls_not_distinct: false,
            comment: None,
        });
        let out = one(Change::CreateTable { name: t(), table });
        assert_eq!(
            out,
            vec![
                "CREATE TABLE \"t\" (\n    \"id\" serial NOT NULL,\n    \"n\" bigint GENERATED BY DEFAULT AS IDENTITY (INCREMENT BY 5 START WITH 100) NOT NULL,\n    \"g\" numeric GENERATED ALWAYS AS (n * 2) STORED,\n    CONSTRAINT \"t_pkey\" PRIMARY KEY (\"id\")\n)".to_string(),
                "CREATE UNIQUE INDEX \"t_lower\" ON \"t\" ((lower(x)) DESC) INCLUDE (\"g\") WHERE n > 0".into(),
                "COMMENT ON COLUMN \"t\".\"g\" IS 'it''s doubled'".into(),
            ]
        );
    }

    #[test]
    fn serial_type_change_alters_its_sequence() {
        let mut from = col("id", "integer");
        from.nullable = false;
        from.identity = Some(Identity::Serial {
            sequence: "t_id_seq".into(),
        });
        let mut to = from.clone();
        to.ty = pg::parse_type("bigint");
        assert_eq!(
            one(Change::AlterColumn {
                table: t(),
                from: from.clone(),
                to: to.clone()
            }),
            vec![
                "ALTER TABLE \"t\" ALTER COLUMN \"id\" TYPE bigint",
                "ALTER SEQUENCE \"t_id_seq\" AS bigint",
            ]
        );
        assert_eq!(
            one(Change::AlterColumn {
                table: t(),
                from: to,
                to: from
            }),
            vec![
                "ALTER TABLE \"t\" ALTER COLUMN \"id\" TYPE integer",
                "ALTER SEQUENCE \"t_id_seq\" AS integer",
            ]
        );
    }

    #[test]
    fn enum_type_changes_go_through_text() {
        let from = col("c", "mood");
        let to = col("c", "app.feeling");
        assert_eq!(
            one(Change::AlterColumn {
                table: t(),
                from: from.clone(),
                to: to.clone()
            }),
            vec![
                "ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE \"app\".\"feeling\" USING \"c\"::text::\"app\".\"feeling\""
            ]
        );
        assert_eq!(
            one(Change::AlterColumn {
                table: t(),
                from: col("c", "character varying(10)"),
                to: from
            }),
            vec!["ALTER TABLE \"t\" ALTER COLUMN \"c\" TYPE \"mood\" USING \"c\"::text::\"mood\""]
        );
    }

    #[test]
    fn compound_defaults_are_parenthesized() {
        let mut c = col("at", "timestamp without time zone");
        c.default = Some(Expr::with_key("now() AT TIME ZONE 'utc'", "k"));
        assert_eq!(
            one(Change::AddColumn {
                table: t(),
                column: c
            }),
            vec![
                "ALTER TABLE \"t\" ADD COLUMN \"at\" timestamp without time zone DEFAULT (now() AT TIME ZONE 'utc')"
            ]
        );
        assert_eq!(default_sql("'a b'::text"), "'a b'::text");
        assert_eq!(default_sql("f(a, b)"), "f(a, b)");
        assert_eq!(default_sql("1 + 2"), "(1 + 2)");
    }

    #[test]
    fn identity_start_follows_a_new_minimum() {
        let opts = |min: i64, inc: i64| SequenceOptions {
            min_value: Some(min),
            max_value: Some(-min),
            increment: Some(inc),
            ..Default::default()
        };
        let mut from = col("v", "integer");
        from.nullable = false;
        from.identity = Some(Identity::ByDefault {
            sequence: opts(-200, 10),
        });
        let mut to = from.clone();
        to.identity = Some(Identity::ByDefault {
            sequence: opts(-100, 5),
        });
        assert_eq!(
            one(Change::AlterColumn {
                table: t(),
                from,
                to
            }),
            vec![
                "ALTER TABLE \"t\" ALTER COLUMN \"v\" SET INCREMENT BY 5 SET MINVALUE -100 SET MAXVALUE 100 SET START WITH -100"
            ]
        );
    }

    #[test]
    fn alter_column_type_with_default() {
        let mut from = col("c", "text");
        from.default = Some(Expr::with_key("'1'", "1"));
        let mut to = col("c", "integer");
        to.default = Some(Expr::with_key("1", "1"));
        to.nullable = false;
        let out = one(Change::AlterColumn {
            table: QualifiedName::new("app", "t"),
            from,
            to,
        });
        assert_eq!(
            out,
            vec![
                "ALTER TABLE \"app\".\"t\" ALTER COLUMN \"c\" DROP DEFAULT",
                "ALTER TABLE \"app\".\"t\" ALTER COLUMN \"c\" TYPE integer USING \"c\"::integer",
                "ALTER TABLE \"app\".\"t\" ALTER COLUMN \"c\" SET DEFAULT 1",
                "ALTER TABLE \"app\".\"t\" ALTER COLUMN \"c\" SET NOT NULL",
            ]
        );
    }

    #[test]
    fn identity_changes() {
        let from = col("c", "integer");
        let mut to = from.clone();
        to.identity = Some(Identity::Always {
            sequence: SequenceOptions::default(),
        });
        assert_eq!(
            one(Change::AlterColumn {
                table: t(),
                from: from.clone(),
                to: to.clone()
            }),
            vec!["ALTER TABLE \"t\" ALTER COLUMN \"c\" ADD GENERATED ALWAYS AS IDENTITY"]
        );
        let mut to2 = to.clone();
        to2.identity = Some(Identity::ByDefault {
            sequence: SequenceOptions {
                cache: Some(10),
                ..Default::default()
            },
        });
        assert_eq!(
            one(Change::AlterColumn {
                table: t(),
                from: to.clone(),
                to: to2
            }),
            vec!["ALTER TABLE \"t\" ALTER COLUMN \"c\" SET GENERATED BY DEFAULT SET CACHE 10"]
        );
        assert_eq!(
            one(Change::AlterColumn {
                table: t(),
                from: to,
                to: from
            }),
            vec!["ALTER TABLE \"t\" ALTER COLUMN \"c\" DROP IDENTITY"]
        );
    }

    #[test]
    fn constraints_and_misc() {
        let fk = ForeignKey {
            name: Some("f".into()),
            columns: vec!["a".into(), "b".into()],
            ref_table: QualifiedName::new("s", "r"),
            ref_columns: vec!["x".into(), "y".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: Some(Deferrable::InitiallyDeferred),
            match_full: true,
        };
        assert_eq!(
            one(Change::AddForeignKey {
                table: t(),
                foreign_key: fk
            }),
            vec![
                "ALTER TABLE \"t\" ADD CONSTRAINT \"f\" FOREIGN KEY (\"a\", \"b\") REFERENCES \"s\".\"r\" (\"x\", \"y\") MATCH FULL ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED"
            ]
        );
        assert_eq!(
            one(Change::AddEnumValue {
                name: QualifiedName::new("public", "mood"),
                value: "meh".into(),
                before: Some("ok".into())
            }),
            vec!["ALTER TYPE \"mood\" ADD VALUE 'meh' BEFORE 'ok'"]
        );
        assert_eq!(
            one(Change::RenameTable {
                from: t(),
                to: QualifiedName::new("app", "u")
            }),
            vec![
                "ALTER TABLE \"t\" SET SCHEMA \"app\"",
                "ALTER TABLE \"app\".\"t\" RENAME TO \"u\""
            ]
        );
        assert!(
            render(&Change::RebuildTable {
                name: t(),
                from: Table::new("t"),
                to: Table::new("t")
            })
            .is_err()
        );
        let seq = Sequence {
            name: "s".into(),
            data_type: Some(ColumnType::int(4)),
            options: SequenceOptions {
                start: Some(10),
                cycle: true,
                ..Default::default()
            },
            owned_by: None,
            comment: None,
        };
        assert_eq!(
            one(Change::CreateSequence {
                name: QualifiedName::new("public", "s"),
                sequence: seq.clone()
            }),
            vec!["CREATE SEQUENCE \"s\" AS integer START WITH 10 CYCLE"]
        );
        let mut seq2 = seq.clone();
        seq2.options.start = None;
        seq2.owned_by = Some((t(), "id".into()));
        assert_eq!(
            one(Change::AlterSequence {
                name: QualifiedName::new("public", "s"),
                from: seq,
                to: seq2
            }),
            vec!["ALTER SEQUENCE \"s\" START WITH 1 OWNED BY \"t\".\"id\""]
        );
    }
}
