//! Plan steps as Knex schema-builder calls, where the builder expresses the step exactly.
//!
//! Exactness is checked, not assumed: a table the builder creates is rendered by the Knex
//! reader's own model of Knex's SQL (`migrex_source_orm::knex::ddl`, proved against Knex's
//! migrator) and read back; only when that equals the step's table is the builder code used.
//! Single-object steps (renames, drops, plain indexes, named keys on PostgreSQL) map one to one
//! onto a builder call. Everything else is `knex.raw` with the plan's SQL.

use migrex_model::{Change, Column, Dialect, FkAction, Identity, IndexKey, QualifiedName, Table};
use migrex_source_orm::knex::ddl;
use migrex_source_orm::knex::js::{Call, Op, Pos, Val};

/// A JavaScript string literal (single quotes, as Knex's generated files write them).
pub fn js_str(s: &str) -> String {
    crate::js_string(s, '\'')
}

/// A value as JavaScript source.
pub fn js_val(v: &Val) -> String {
    match v {
        Val::Str(s) => js_str(s),
        Val::Num(n) => n.clone(),
        Val::Bool(b) => b.to_string(),
        Val::Null => "null".into(),
        Val::Undef => "undefined".into(),
        Val::Arr(a) => format!("[{}]", a.iter().map(js_val).collect::<Vec<_>>().join(", ")),
        Val::Obj(kv) => format!(
            "{{ {} }}",
            kv.iter()
                .map(|(k, v)| format!("{k}: {}", js_val(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Val::Raw(sql, _) if sql.eq_ignore_ascii_case("CURRENT_TIMESTAMP") => "knex.fn.now()".into(),
        Val::Raw(sql, _) => format!("knex.raw({})", js_str(sql)),
        Val::FnUuid => "knex.fn.uuid()".into(),
    }
}

fn call(name: &str, args: Vec<Val>) -> Call {
    Call {
        name: name.to_string(),
        args,
        pos: Pos::default(),
    }
}

fn s(v: &str) -> Val {
    Val::Str(v.to_string())
}

fn strs(v: &[String]) -> Val {
    Val::Arr(v.iter().map(|x| s(x)).collect())
}

fn chain_js(var: &str, chain: &[Call]) -> String {
    let mut out = var.to_string();
    for c in chain {
        out.push_str(&format!(
            ".{}({})",
            c.name,
            c.args.iter().map(js_val).collect::<Vec<_>>().join(", ")
        ));
    }
    out
}

/// The schema a table lives in, as `withSchema` needs it (none for the default one).
fn schema_of(dialect: Dialect, q: &QualifiedName) -> Option<String> {
    match dialect {
        Dialect::Postgres if q.namespace != "public" && !q.namespace.is_empty() => {
            Some(q.namespace.clone())
        }
        Dialect::Sqlite if q.namespace != "main" && !q.namespace.is_empty() => {
            Some(q.namespace.clone())
        }
        _ => None,
    }
}

fn schema_js(schema: &Option<String>) -> String {
    schema
        .as_ref()
        .map(|s| format!(".withSchema({})", js_str(s)))
        .unwrap_or_default()
}

/// `await knex.schema.alterTable('t', (table) => { ... });`
fn table_js(
    method: &str,
    schema: &Option<String>,
    name: &str,
    chains: &[Vec<Call>],
    indent: &str,
) -> String {
    let mut out = format!(
        "{indent}await knex.schema{}.{method}({}, (table) => {{\n",
        schema_js(schema),
        js_str(name)
    );
    for c in chains {
        out.push_str(&format!("{indent}  {};\n", chain_js("table", c)));
    }
    out.push_str(&format!("{indent}}});\n"));
    out
}

/// SQL without `?` (Knex reads `?` in raw SQL and in builder predicates as a binding).
fn plain(sql: &str) -> bool {
    !sql.contains('?')
}

/// A name Knex writes unquoted (check constraints): PostgreSQL keeps it only when lower case.
fn simple_name(n: &str) -> bool {
    n.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn action(a: FkAction) -> Option<&'static str> {
    match a {
        FkAction::NoAction => None,
        FkAction::Restrict => Some("RESTRICT"),
        FkAction::Cascade => Some("CASCADE"),
        FkAction::SetNull => Some("SET NULL"),
        FkAction::SetDefault => Some("SET DEFAULT"),
    }
}

/// The builder call whose type Knex writes as the column's type, or `specificType`.
fn type_call(dialect: Dialect, name: &str, column: &Column) -> Call {
    let spelled = migrex_dialect::format_type(dialect, &column.ty);
    let digits: Vec<String> = spelled
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    let n = |i: usize| digits.get(i).map(|d| Val::Num(d.clone()));
    let mut candidates: Vec<(Call, String)> = Vec::new();
    let mut add = |builder: &str, extra: Vec<Val>, knex_type: String| {
        let mut args = vec![s(name)];
        args.extend(extra);
        candidates.push((call(builder, args), knex_type));
    };
    let pg = dialect == Dialect::Postgres;
    add("integer", vec![], "integer".into());
    add("bigInteger", vec![], "bigint".into());
    add("text", vec![], "text".into());
    add("boolean", vec![], "boolean".into());
    add("date", vec![], "date".into());
    add("time", vec![], "time".into());
    add("json", vec![], "json".into());
    if let Some(len) = n(0) {
        add(
            "string",
            vec![len.clone()],
            format!("varchar({})", len.to_js_string()),
        );
    }
    if pg {
        add("smallint", vec![], "smallint".into());
        add("jsonb", vec![], "jsonb".into());
        add("uuid", vec![], "uuid".into());
        add("binary", vec![], "bytea".into());
        add("float", vec![], "real".into());
        add("double", vec![], "double precision".into());
        if let (Some(p), Some(sc)) = (n(0), n(1)) {
            add(
                "decimal",
                vec![p.clone(), sc.clone()],
                format!("decimal({}, {})", p.to_js_string(), sc.to_js_string()),
            );
        }
        add("timestamp", vec![], "timestamptz".into());
        add(
            "timestamp",
            vec![Val::Obj(vec![("useTz".into(), Val::Bool(false))])],
            "timestamp".into(),
        );
        if let Some(p) = n(0) {
            for tz in [true, false] {
                add(
                    "timestamp",
                    vec![Val::Obj(vec![
                        ("useTz".into(), Val::Bool(tz)),
                        ("precision".into(), p.clone()),
                    ])],
                    format!(
                        "{}({})",
                        if tz { "timestamptz" } else { "timestamp" },
                        p.to_js_string()
                    ),
                );
            }
        }
    } else {
        add("tinyint", vec![], "tinyint".into());
        add("datetime", vec![], "datetime".into());
        add("binary", vec![], "blob".into());
        add("float", vec![], "float".into());
        add("uuid", vec![], "char(36)".into());
    }
    for (c, knex_type) in candidates {
        let ty = migrex_dialect::parse_type(dialect, &knex_type);
        // SQLite keeps a declared type as written; its case does not matter.
        if ty == column.ty
            || (dialect == Dialect::Sqlite
                && migrex_dialect::format_type(dialect, &ty).eq_ignore_ascii_case(&spelled))
        {
            return c;
        }
    }
    call("specificType", vec![s(name), s(&spelled)])
}

/// A column definition as a builder chain; `None` when the builder cannot say it.
fn column_chain(dialect: Dialect, column: &Column, pk_single: bool) -> Option<Vec<Call>> {
    if column.generated.is_some() || column.collation.is_some() || column.on_update.is_some() {
        return None;
    }
    let int_bytes = match &column.ty {
        migrex_model::ColumnType::Integer { bytes, .. } => Some(*bytes),
        _ => None,
    };
    match &column.identity {
        Some(Identity::Serial { .. }) if pk_single && dialect == Dialect::Postgres => {
            return match int_bytes {
                Some(4) => Some(vec![call("increments", vec![s(&column.name)])]),
                Some(8) => Some(vec![call("bigIncrements", vec![s(&column.name)])]),
                _ => None,
            };
        }
        Some(Identity::AutoIncrement) if pk_single && dialect == Dialect::Sqlite => {
            return Some(vec![call("increments", vec![s(&column.name)])]);
        }
        Some(_) => return None,
        None => {}
    }
    let mut chain = vec![type_call(dialect, &column.name, column)];
    if !column.nullable {
        chain.push(call("notNullable", vec![]));
    }
    if let Some(d) = &column.default {
        if !plain(&d.sql) {
            return None;
        }
        chain.push(call("defaultTo", vec![default_val(&d.sql)]));
    }
    if let Some(c) = &column.comment {
        if dialect != Dialect::Postgres {
            return None;
        }
        chain.push(call("comment", vec![s(c)]));
    }
    Some(chain)
}

/// A default as `defaultTo` takes it: a plain string literal as a string (Knex quotes it the
/// same way), `CURRENT_TIMESTAMP` as `knex.fn.now()`, anything else as `knex.raw`.
fn default_val(sql: &str) -> Val {
    if let Some(inner) = sql.strip_prefix('\'').and_then(|r| r.strip_suffix('\''))
        && !inner.contains('\\')
        && !inner.replace("''", "").contains('\'')
    {
        return Val::Str(inner.replace("''", "'"));
    }
    Val::Raw(sql.to_string(), vec![])
}

fn sorted(t: &Table) -> Table {
    let mut t = t.clone();
    t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    t.foreign_keys
        .sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
    t.uniques
        .sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
    t.checks
        .sort_by(|a, b| (&a.name, &a.expr.sql).cmp(&(&b.name, &b.expr.sql)));
    t
}

/// `createTable` for a table, when Knex builds exactly that table.
fn create_table(
    dialect: Dialect,
    name: &QualifiedName,
    table: &Table,
    indent: &str,
) -> Option<String> {
    let pg = dialect == Dialect::Postgres;
    let pk_cols: Vec<String> = table
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    let mut chains: Vec<Vec<Call>> = Vec::new();
    let mut pk_done = false;
    for c in table.columns.values() {
        let single = pk_cols.len() == 1 && pk_cols[0] == c.name;
        let chain = column_chain(dialect, c, single)?;
        if chain[0].name.contains("ncrements") {
            pk_done = true;
        }
        chains.push(chain);
    }
    if let Some(pk) = &table.primary_key
        && !pk_done
    {
        let mut args = vec![strs(&pk.columns)];
        match (&pk.name, pg) {
            (Some(n), true) if *n != format!("{}_pkey", name.name) => args.push(s(n)),
            (Some(n), false) => args.push(s(n)),
            _ => {}
        }
        chains.push(vec![call("primary", args)]);
    }
    for u in &table.uniques {
        if u.deferrable.is_some() || u.nulls_not_distinct || !pg {
            return None;
        }
        let n = u.name.clone()?;
        chains.push(vec![call(
            "unique",
            vec![
                strs(&u.columns),
                Val::Obj(vec![("indexName".into(), s(&n))]),
            ],
        )]);
    }
    for i in &table.indexes {
        chains.push(vec![index_call(dialect, i)?]);
    }
    for ch in &table.checks {
        if !plain(&ch.expr.sql) || ch.no_inherit {
            return None;
        }
        match &ch.name {
            Some(n) if simple_name(n) => chains.push(vec![call(
                "check",
                vec![s(&ch.expr.sql), Val::Arr(vec![]), s(n)],
            )]),
            None if !pg => chains.push(vec![call("check", vec![s(&ch.expr.sql)])]),
            _ => return None,
        }
    }
    for fk in &table.foreign_keys {
        chains.push(foreign_chain(dialect, name, fk)?);
    }
    if let Some(c) = &table.comment {
        if !pg {
            return None;
        }
        chains.push(vec![call("comment", vec![s(c)])]);
    }
    // Check: what Knex builds from these calls is the table.
    let schema = schema_of(dialect, name);
    let op = Op::Table {
        method: "createTable".into(),
        schema: schema.clone(),
        name: name.name.clone(),
        chains: chains.clone(),
        pos: Pos::default(),
    };
    let pieces = ddl::render(dialect, &[op]).ok()?;
    let mut sql = String::new();
    for p in pieces {
        match p {
            ddl::Piece::Sql(s, _) => {
                sql.push_str(&s);
                sql.push_str(";\n");
            }
            ddl::Piece::Patch { .. } => return None,
        }
    }
    let loaded = migrex_source_sql::parse(&sql, dialect, "knex builder").ok()?;
    let built = loaded.schema.table(name)?;
    if sorted(built) != sorted(table) {
        return None;
    }
    Some(table_js(
        "createTable",
        &schema,
        &name.name,
        &chains,
        indent,
    ))
}

fn index_call(dialect: Dialect, i: &migrex_model::Index) -> Option<Call> {
    if i.predicate.is_some() || !i.include.is_empty() || i.nulls_not_distinct || i.comment.is_some()
    {
        return None;
    }
    let mut cols = Vec::new();
    for p in &i.parts {
        match &p.key {
            IndexKey::Column(c)
                if !p.descending
                    && p.nulls_first.is_none()
                    && p.collation.is_none()
                    && p.opclass.is_none() =>
            {
                cols.push(c.clone())
            }
            _ => return None,
        }
    }
    if i.unique && dialect == Dialect::Sqlite {
        // Knex's SQLite client ignores `indexType`; its `unique` is a unique index.
        if i.method.is_some() {
            return None;
        }
        return Some(call(
            "unique",
            vec![
                strs(&cols),
                Val::Obj(vec![("indexName".into(), s(&i.name))]),
            ],
        ));
    }
    let mut opts = Vec::new();
    if i.unique {
        opts.push(("indexType".to_string(), s("unique")));
    }
    if let Some(m) = &i.method {
        if dialect != Dialect::Postgres {
            return None;
        }
        opts.push(("storageEngineIndexType".to_string(), s(m)));
    }
    let mut args = vec![strs(&cols), s(&i.name)];
    if !opts.is_empty() {
        args.push(Val::Obj(opts));
    }
    Some(call("index", args))
}

fn foreign_chain(
    dialect: Dialect,
    table: &QualifiedName,
    fk: &migrex_model::ForeignKey,
) -> Option<Vec<Call>> {
    if fk.deferrable.is_some() || fk.match_full {
        return None;
    }
    if !(fk.ref_table.namespace == table.namespace || fk.ref_table.namespace.is_empty()) {
        return None;
    }
    let mut first = vec![strs(&fk.columns)];
    match (&fk.name, dialect) {
        (Some(n), Dialect::Postgres) => first.push(s(n)),
        (None, Dialect::Sqlite) => {}
        _ => return None,
    }
    let mut chain = vec![
        call("foreign", first),
        call("references", vec![strs(&fk.ref_columns)]),
        call("inTable", vec![s(&fk.ref_table.name)]),
    ];
    if let Some(a) = action(fk.on_delete) {
        chain.push(call("onDelete", vec![s(a)]));
    }
    if let Some(a) = action(fk.on_update) {
        chain.push(call("onUpdate", vec![s(a)]));
    }
    Some(chain)
}

/// The builder code of one plan step, or `None` for raw SQL.
pub fn step(dialect: Dialect, change: &Change, indent: &str) -> Option<String> {
    let pg = dialect == Dialect::Postgres;
    // Knex's MySQL client rewrites columns from what it reads back from the database (and
    // quotes string defaults twice doing so): only the steps it writes as plain statements.
    if dialect == Dialect::Mysql
        && !matches!(
            change,
            Change::DropTable { .. } | Change::RenameTable { .. } | Change::DropIndex { .. }
        )
    {
        return None;
    }
    let alter = |t: &QualifiedName, chain: Vec<Call>| {
        Some(table_js(
            "alterTable",
            &schema_of(dialect, t),
            &t.name,
            &[chain],
            indent,
        ))
    };
    match change {
        Change::CreateTable { name, table } => create_table(dialect, name, table, indent),
        Change::DropTable { name, .. } => Some(format!(
            "{indent}await knex.schema{}.dropTable({});\n",
            schema_js(&schema_of(dialect, name)),
            js_str(&name.name)
        )),
        Change::RenameTable { from, to } => Some(format!(
            "{indent}await knex.schema{}.renameTable({}, {});\n",
            schema_js(&schema_of(dialect, from)),
            js_str(&from.name),
            js_str(&to.name)
        )),
        Change::RenameColumn { table, from, to } => {
            alter(table, vec![call("renameColumn", vec![s(from), s(to)])])
        }
        Change::AddColumn { table, column } => {
            let chain = column_chain(dialect, column, false)?;
            if column.identity.is_some() {
                return None;
            }
            alter(table, chain)
        }
        Change::AlterColumn { table, from, to } if pg => {
            // Knex's `alter()` drops the default and NOT NULL, changes the type (with a cast)
            // and sets what the chain says: exactly `to` when nothing else differs.
            let mut same_rest = from.clone();
            same_rest.ty = to.ty.clone();
            same_rest.default = to.default.clone();
            same_rest.nullable = to.nullable;
            if same_rest != *to || from.identity.is_some() {
                return None;
            }
            let mut chain = column_chain(dialect, to, false)?;
            // The comment does not change; `alter()` would only write it again.
            chain.retain(|c| c.name != "comment");
            chain.push(call("alter", vec![]));
            alter(table, chain)
        }
        Change::DropColumn { table, column } if pg => {
            alter(table, vec![call("dropColumn", vec![s(&column.name)])])
        }
        Change::CreateIndex { table, index } => alter(table, vec![index_call(dialect, index)?]),
        Change::DropIndex { table, index } => alter(
            table,
            vec![call("dropIndex", vec![Val::Arr(vec![]), s(&index.name)])],
        ),
        Change::AddUnique { table, unique } if pg => {
            if unique.deferrable.is_some() || unique.nulls_not_distinct {
                return None;
            }
            let n = unique.name.clone()?;
            alter(
                table,
                vec![call(
                    "unique",
                    vec![
                        strs(&unique.columns),
                        Val::Obj(vec![("indexName".into(), s(&n))]),
                    ],
                )],
            )
        }
        Change::DropUnique { table, unique } if pg => alter(
            table,
            vec![call(
                "dropUnique",
                vec![Val::Arr(vec![]), s(unique.name.as_ref()?)],
            )],
        ),
        Change::AddForeignKey { table, foreign_key } if pg => {
            alter(table, foreign_chain(dialect, table, foreign_key)?)
        }
        Change::DropForeignKey { table, foreign_key } if pg => alter(
            table,
            vec![call(
                "dropForeign",
                vec![Val::Arr(vec![]), s(foreign_key.name.as_ref()?)],
            )],
        ),
        Change::AddCheck { table, check } if pg => {
            let n = check.name.as_ref().filter(|n| simple_name(n))?;
            if !plain(&check.expr.sql) || check.no_inherit {
                return None;
            }
            alter(
                table,
                vec![call(
                    "check",
                    vec![s(&check.expr.sql), Val::Arr(vec![]), s(n)],
                )],
            )
        }
        Change::DropCheck { table, check } if pg => {
            let n = check.name.as_ref().filter(|n| simple_name(n))?;
            alter(table, vec![call("dropChecks", vec![Val::Arr(vec![s(n)])])])
        }
        _ => None,
    }
}
