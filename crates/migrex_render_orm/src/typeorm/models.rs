//! Entity files for a schema (`migrex convert SOURCE --to typeorm`): one class per table in
//! `src/entity/<Class>.ts`, every name explicit (table, columns, and each constraint and index
//! by its own name through `primaryKeyConstraintName`, `foreignKeyConstraintName`,
//! `@Unique(name, ...)`, `@Index(name, ...)`, `@Check(name, ...)`), so that TypeORM's
//! synchronize builds the schema as it is rather than with its own hashed names. Foreign keys
//! are `@ManyToOne` relations with `@JoinColumn`s over the columns, which stay declared as
//! `@Column`s. Defaults are raw SQL (`default: () => "..."`). On MySQL, inline enums are `enum`
//! columns with their values and `ON UPDATE` is `onUpdate`.

use crate::{OutputFile, WriteError};
use migrex_model::{
    ColumnType, Deferrable, Dialect, FkAction, Identity, IndexKey, Namespace, Schema, Table,
};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::PathBuf;

fn js_str(s: &str) -> String {
    crate::js_string(s, '"')
}

/// A class name for a table: PascalCase of its name.
fn class_name(table: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in table.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

fn prop_name(col: &str) -> String {
    let ident = !col.is_empty()
        && !col.starts_with(|c: char| c.is_ascii_digit())
        && col
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident { col.to_string() } else { js_str(col) }
}

fn action(a: FkAction) -> &'static str {
    match a {
        FkAction::NoAction => "NO ACTION",
        FkAction::Restrict => "RESTRICT",
        FkAction::Cascade => "CASCADE",
        FkAction::SetNull => "SET NULL",
        _ => "SET DEFAULT",
    }
}

/// The TypeORM `type` and its length/precision/scale/array options for a column type.
fn column_type(
    dialect: Dialect,
    ns: &Namespace,
    ty: &ColumnType,
    what: &str,
) -> Result<(String, Vec<String>, &'static str), WriteError> {
    let mut opts = Vec::new();
    let mut ty = ty;
    if let ColumnType::Array { element } = ty {
        if dialect != Dialect::Postgres {
            return Err(WriteError::Unsupported(format!(
                "{what}: arrays exist on PostgreSQL only"
            )));
        }
        opts.push("array: true".to_string());
        ty = element;
    }
    if let ColumnType::UserDefined { name } = ty
        && let Some(e) = ns.enums.get(&name.name)
    {
        let values: Vec<String> = e.values.iter().map(|v| js_str(v)).collect();
        opts.push(format!("enum: [{}]", values.join(", ")));
        opts.push(format!("enumName: {}", js_str(&e.name)));
        return Ok(("enum".into(), opts, "string"));
    }
    // MySQL's inline enum: TypeORM's `enum` column with its values.
    if let ColumnType::Enum { values } = ty {
        let values: Vec<String> = values.iter().map(|v| js_str(v)).collect();
        opts.push(format!("enum: [{}]", values.join(", ")));
        return Ok(("enum".into(), opts, "string"));
    }
    let text = migrex_dialect::format_type(dialect, ty).to_ascii_lowercase();
    let (base, params, suffix) = match (text.find('('), text.find(')')) {
        (Some(a), Some(b)) if b > a => (
            text[..a].trim().to_string(),
            text[a + 1..b].to_string(),
            text[b + 1..].trim().to_string(),
        ),
        _ => (text.trim().to_string(), String::new(), String::new()),
    };
    let full = if suffix.is_empty() {
        base.clone()
    } else {
        format!("{base} {suffix}")
    };
    let params: Vec<&str> = params
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let name = match (dialect, full.as_str()) {
        (Dialect::Postgres, "character varying" | "varchar") => "varchar",
        (Dialect::Postgres, "character" | "char" | "bpchar") => "char",
        (Dialect::Postgres, "timestamp with time zone" | "timestamptz") => "timestamptz",
        (Dialect::Postgres, "timestamp without time zone" | "timestamp") => "timestamp",
        (Dialect::Postgres, "time with time zone" | "timetz") => "timetz",
        (Dialect::Postgres, "time without time zone" | "time") => "time",
        (Dialect::Postgres, "bit varying" | "varbit") => "varbit",
        (_, other) => other,
    }
    .to_string();
    let with_length = [
        "varchar",
        "char",
        "bit",
        "varbit",
        "character",
        "varying character",
        "nchar",
        "native character",
        "nvarchar",
        "text",
        "blob",
        "clob",
    ];
    let with_scale = [
        "numeric",
        "decimal",
        "real",
        "double",
        "double precision",
        "float",
    ];
    match params.as_slice() {
        [] => {}
        [n] if with_length.contains(&name.as_str()) => opts.push(format!("length: {n}")),
        [p] => opts.push(format!("precision: {p}")),
        [p, s] if with_scale.contains(&name.as_str()) => {
            opts.push(format!("precision: {p}"));
            opts.push(format!("scale: {s}"));
        }
        _ => {
            return Err(WriteError::Unsupported(format!(
                "{what}: type {text} has no TypeORM equivalent"
            )));
        }
    }
    let ts = match ty {
        ColumnType::Integer { .. } | ColumnType::Float { .. } => "number",
        ColumnType::Bool => "boolean",
        ColumnType::Timestamp { .. } | ColumnType::DateTime { .. } => "Date",
        ColumnType::Json { .. } => "unknown",
        ColumnType::Binary { .. } => "Buffer",
        _ => "string",
    };
    Ok((name, opts, ts))
}

/// `"col" IN ('a', 'b')` as the column and its values.
fn simple_enum(sql: &str) -> Option<(String, Vec<String>)> {
    let s = sql.trim();
    let s = s
        .strip_prefix('(')
        .and_then(|x| x.strip_suffix(')'))
        .map_or(s, str::trim);
    let rest = s.strip_prefix('"')?;
    let end = rest.find('"')?;
    let col = rest[..end].to_string();
    let rest = rest[end + 1..].trim_start();
    let rest = rest
        .strip_prefix("IN")
        .or_else(|| rest.strip_prefix("in"))?
        .trim_start()
        .strip_prefix('(')?;
    let mut values = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next()? != '\'' {
            return None;
        }
        let mut v = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    v.push('\'');
                }
                '\'' => break,
                c => v.push(c),
            }
        }
        values.push(v);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next()? {
            ',' => continue,
            ')' => break,
            _ => return None,
        }
    }
    chars.all(char::is_whitespace).then_some((col, values))
}

fn entity(
    dialect: Dialect,
    schema: &Schema,
    ns: &Namespace,
    t: &Table,
    classes: &dyn Fn(&str, &str) -> Option<String>,
) -> Result<String, WriteError> {
    let what = |c: &str| format!("{}.{c}", t.name);
    let default_ns = matches!(ns.name.as_str(), "public" | "main" | "");
    let mut imports: BTreeSet<&str> = BTreeSet::from(["Entity"]);
    let mut related: BTreeSet<String> = BTreeSet::new();
    let mut class_decos = Vec::new();
    let mut members = Vec::new();
    let pk_cols: Vec<String> = t
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    if pk_cols.is_empty() {
        return Err(WriteError::Unsupported(format!(
            "table {} has no primary key, which TypeORM entities need",
            t.name
        )));
    }
    let pk_name = t.primary_key.as_ref().and_then(|p| p.name.clone());
    // SQLite: an unnamed `"col" IN ('a', ...)` check on a plain varchar is TypeORM's
    // simple-enum column.
    let enum_checks: Vec<(String, Vec<String>)> = if dialect == Dialect::Sqlite {
        t.checks
            .iter()
            .filter(|c| c.name.is_none())
            .filter_map(|c| simple_enum(&c.expr.sql))
            .filter(|(col, _)| {
                t.columns.get(col).is_some_and(|c| {
                    migrex_dialect::format_type(dialect, &c.ty).eq_ignore_ascii_case("varchar")
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    for c in t.columns.values() {
        if c.generated.is_some() {
            return Err(WriteError::Unsupported(format!(
                "{}: generated columns are not written as TypeORM entities yet",
                what(&c.name)
            )));
        }
        let (mut ty, mut opts, ts) = column_type(dialect, ns, &c.ty, &what(&c.name))?;
        if let Some((_, values)) = enum_checks.iter().find(|(col, _)| col == &c.name) {
            ty = "simple-enum".into();
            let values: Vec<String> = values.iter().map(|v| js_str(v)).collect();
            opts.push(format!("enum: [{}]", values.join(", ")));
        }
        let is_pk = pk_cols.contains(&c.name);
        let default_sql = c.default.as_ref().map(|d| d.sql.clone());
        let mut deco = if is_pk { "PrimaryColumn" } else { "Column" };
        let mut strategy = None;
        match &c.identity {
            Some(Identity::Serial { .. } | Identity::AutoIncrement)
                if is_pk && pk_cols.len() == 1 =>
            {
                deco = "PrimaryGeneratedColumn";
                strategy = Some("increment".to_string());
            }
            Some(Identity::Always { .. } | Identity::ByDefault { .. }) if is_pk => {
                deco = "PrimaryGeneratedColumn";
                strategy = Some("identity".to_string());
                if matches!(c.identity, Some(Identity::Always { .. })) {
                    opts.push("generatedIdentity: \"ALWAYS\"".into());
                }
            }
            Some(_) => {
                return Err(WriteError::Unsupported(format!(
                    "{}: identity columns outside a single-column primary key are not expressible in TypeORM",
                    what(&c.name)
                )));
            }
            None => {}
        }
        let uuid_pk = is_pk
            && dialect == Dialect::Postgres
            && ty == "uuid"
            && default_sql.as_deref() == Some("uuid_generate_v4()");
        if uuid_pk {
            deco = "PrimaryGeneratedColumn";
            strategy = Some("uuid".into());
        }
        let mut o = vec![format!("name: {}", js_str(&c.name))];
        if strategy.as_deref() != Some("uuid") {
            o.push(format!("type: {}", js_str(&ty)));
        }
        o.append(&mut opts);
        if c.nullable && !is_pk {
            o.push("nullable: true".into());
        }
        if let Some(d) = &default_sql
            && strategy.is_none()
        {
            o.push(format!("default: () => {}", js_str(d)));
        }
        if let Some(u) = &c.on_update {
            o.push(format!("onUpdate: {}", js_str(&u.sql)));
        }
        if let Some(co) = &c.collation {
            o.push(format!("collation: {}", js_str(co)));
        }
        if let Some(cm) = &c.comment {
            o.push(format!("comment: {}", js_str(cm)));
        }
        if is_pk && let Some(n) = &pk_name {
            o.push(format!("primaryKeyConstraintName: {}", js_str(n)));
        }
        imports.insert(deco);
        let args = match &strategy {
            Some(s) => format!("{}, {{ {} }}", js_str(s), o.join(", ")),
            None => format!("{{ {} }}", o.join(", ")),
        };
        let nullable_ts = if c.nullable { " | null" } else { "" };
        members.push(format!(
            "  @{deco}({args})\n  {}: {ts}{nullable_ts};\n",
            prop_name(&c.name)
        ));
    }
    let cols_list = |cols: &[String]| {
        cols.iter()
            .map(|c| js_str(c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // TypeScript applies class decorators bottom-up: each kind is written in reverse so that
    // TypeORM registers them, and creates them, in the schema's order.
    for u in t.uniques.iter().rev() {
        imports.insert("Unique");
        match &u.name {
            Some(n) => class_decos.push(format!(
                "@Unique({}, [{}])",
                js_str(n),
                cols_list(&u.columns)
            )),
            None => class_decos.push(format!("@Unique([{}])", cols_list(&u.columns))),
        }
    }
    for i in t.indexes.iter().rev() {
        let mut cols = Vec::new();
        for p in &i.parts {
            match &p.key {
                IndexKey::Column(c)
                    if !p.descending && p.opclass.is_none() && p.collation.is_none() =>
                {
                    cols.push(c.clone())
                }
                _ => {
                    return Err(WriteError::Unsupported(format!(
                        "index {} of {}: only plain column indexes are expressible with @Index",
                        i.name, t.name
                    )));
                }
            }
        }
        if i.method.as_deref().is_some_and(|m| m != "btree") || !i.include.is_empty() {
            return Err(WriteError::Unsupported(format!(
                "index {} of {}: its method or INCLUDE columns are not expressible with @Index",
                i.name, t.name
            )));
        }
        let mut opts = Vec::new();
        if i.unique {
            opts.push("unique: true".to_string());
        }
        if let Some(w) = &i.predicate {
            opts.push(format!("where: {}", js_str(&w.sql)));
        }
        imports.insert("Index");
        let opts = if opts.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", opts.join(", "))
        };
        class_decos.push(format!(
            "@Index({}, [{}]{opts})",
            js_str(&i.name),
            cols_list(&cols)
        ));
    }
    for ch in t.checks.iter().rev() {
        if ch.name.is_none()
            && enum_checks
                .iter()
                .any(|(c, _)| simple_enum(&ch.expr.sql).is_some_and(|(col, _)| &col == c))
        {
            continue;
        }
        imports.insert("Check");
        match &ch.name {
            Some(n) => class_decos.push(format!("@Check({}, {})", js_str(n), js_str(&ch.expr.sql))),
            None => class_decos.push(format!("@Check({})", js_str(&ch.expr.sql))),
        }
    }
    let mut used: BTreeSet<String> = t.columns.keys().cloned().collect();
    for fk in &t.foreign_keys {
        let Some(target) = classes(&fk.ref_table.namespace, &fk.ref_table.name) else {
            return Err(WriteError::Unsupported(format!(
                "the foreign key of {} references {}, which is not in the schema",
                t.name, fk.ref_table.name
            )));
        };
        let mut prop = format!("{}Relation", fk.columns.join("_"));
        while used.contains(&prop) {
            prop.push('_');
        }
        used.insert(prop.clone());
        imports.insert("ManyToOne");
        imports.insert("JoinColumn");
        let mut opts = vec![
            format!("onDelete: {}", js_str(action(fk.on_delete))),
            format!("onUpdate: {}", js_str(action(fk.on_update))),
        ];
        match fk.deferrable {
            Some(Deferrable::InitiallyDeferred) => {
                opts.push("deferrable: \"INITIALLY DEFERRED\"".into())
            }
            Some(Deferrable::InitiallyImmediate) => {
                opts.push("deferrable: \"INITIALLY IMMEDIATE\"".into())
            }
            None => {}
        }
        let joins: Vec<String> = fk
            .columns
            .iter()
            .zip(&fk.ref_columns)
            .enumerate()
            .map(|(i, (c, r))| {
                let mut j = format!("name: {}, referencedColumnName: {}", js_str(c), js_str(r));
                if i == 0
                    && let Some(n) = &fk.name
                {
                    let _ = write!(j, ", foreignKeyConstraintName: {}", js_str(n));
                }
                format!("{{ {j} }}")
            })
            .collect();
        if target != class_name(&t.name) {
            related.insert(target.clone());
        }
        members.push(format!(
            "  @ManyToOne(() => {target}, {{ {} }})\n  @JoinColumn([{}])\n  {}: {target};\n",
            opts.join(", "),
            joins.join(", "),
            prop_name(&prop)
        ));
    }
    let _ = schema;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "import {{ {} }} from \"typeorm\";",
        imports.into_iter().collect::<Vec<_>>().join(", ")
    );
    for r in &related {
        let _ = writeln!(out, "import {{ {r} }} from \"./{r}\";");
    }
    out.push('\n');
    let entity_opts = if default_ns {
        format!("{{ name: {} }}", js_str(&t.name))
    } else {
        format!(
            "{{ name: {}, schema: {} }}",
            js_str(&t.name),
            js_str(&ns.name)
        )
    };
    let _ = writeln!(out, "@Entity({entity_opts})");
    for d in &class_decos {
        let _ = writeln!(out, "{d}");
    }
    let _ = writeln!(out, "export class {} {{", class_name(&t.name));
    out.push_str(&members.join("\n"));
    out.push_str("}\n");
    Ok(out)
}

/// Entity files describing `schema`.
pub fn entity_files(schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
    let dialect = schema.dialect;
    let classes = |ns: &str, name: &str| -> Option<String> {
        schema
            .namespaces
            .get(ns)
            .and_then(|n| n.tables.get(name))
            .map(|t| class_name(&t.name))
    };
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    for ns in schema.namespaces.values() {
        if !ns.views.is_empty() {
            return Err(WriteError::Unsupported(
                "views are not written as TypeORM entities yet".into(),
            ));
        }
        for t in ns.tables.values() {
            let class = class_name(&t.name);
            if !seen.insert(class.clone()) {
                return Err(WriteError::Unsupported(format!(
                    "two tables would be the same class {class}"
                )));
            }
            files.push(OutputFile {
                path: PathBuf::from(format!("src/entity/{class}.ts")),
                contents: entity(dialect, schema, ns, t, &classes)?,
            });
        }
    }
    Ok(files)
}
