//! The body of `BuildModel`/`BuildTargetModel` for a schema, in the form `dotnet ef migrations
//! add` writes (EF Core 8/9): one string-based `modelBuilder.Entity("Ns.Type", b => { ... })`
//! block per table with properties, key, indexes and `ToTable`, then one block per table for its
//! relationships. Names that differ from EF's defaults are written explicitly (`HasName`,
//! `HasDatabaseName`, `HasConstraintName`), so the EF Core reader reads back the same schema.

use crate::WriteError;
use migrex_model::{
    Column, ColumnType, Dialect, FkAction, Identity, QualifiedName, Schema, Table, TableOptions,
    TextKind,
};
use migrex_source_orm::efcore::ddl::{max_ident, truncate};
use std::fmt::Write;

/// A C# string literal.
pub fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A default's SQL without one pair of parentheses around all of it (`(now())` -> `now()`), as
/// EF code writes it; the SQL generator adds them back.
pub fn default_sql(sql: &str) -> String {
    let t = sql.trim();
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        // Only when the first `(` closes at the very end.
        let mut depth = 0i32;
        let mut in_str = false;
        for c in inner.chars() {
            match c {
                '\'' => in_str = !in_str,
                '(' if !in_str => depth += 1,
                ')' if !in_str => {
                    depth -= 1;
                    if depth < 0 {
                        return t.to_string();
                    }
                }
                _ => {}
            }
        }
        if depth == 0 && !in_str {
            return inner.to_string();
        }
    }
    t.to_string()
}

/// The type spelled for the dialect.
pub fn type_sql(ty: &ColumnType, dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => migrex_dialect::postgres::format_type(ty),
        Dialect::Mysql => migrex_dialect::mysql::format_type(ty),
        Dialect::Sqlite => migrex_dialect::sqlite::format_type(ty),
    }
}

/// The CLR type EF would use for a column type (value types are made nullable with `?`).
pub fn clr_type(ty: &ColumnType, dialect: Dialect) -> (&'static str, bool) {
    let value = |n| (n, true);
    if let (ColumnType::Other { name }, Dialect::Sqlite) = (ty, dialect) {
        // SQLite's type affinity rules, as EF's scaffolder maps declared types.
        let u = name.to_ascii_uppercase();
        return if u.contains("INT") {
            value("long")
        } else if u.contains("CHAR") || u.contains("CLOB") || u.contains("TEXT") {
            ("string", false)
        } else if u.contains("BLOB") || u.is_empty() {
            ("byte[]", false)
        } else if u.contains("REAL") || u.contains("FLOA") || u.contains("DOUB") {
            value("double")
        } else {
            value("decimal")
        };
    }
    match ty {
        ColumnType::Integer { bytes: 1 | 2, .. } => value("short"),
        ColumnType::Integer { bytes: 8, .. } => value("long"),
        ColumnType::Integer { .. } => value("int"),
        ColumnType::Decimal { .. } => value("decimal"),
        ColumnType::Float { bytes: 4, .. } => value("float"),
        ColumnType::Float { .. } => value("double"),
        ColumnType::Bool => value("bool"),
        ColumnType::Binary { .. } => ("byte[]", false),
        ColumnType::Uuid if dialect == Dialect::Postgres => value("Guid"),
        ColumnType::Date if dialect == Dialect::Postgres => value("DateOnly"),
        ColumnType::Time { .. } if dialect == Dialect::Postgres => value("TimeOnly"),
        ColumnType::Timestamp { .. } | ColumnType::DateTime { .. }
            if dialect == Dialect::Postgres =>
        {
            value("DateTime")
        }
        ColumnType::Interval { .. } if dialect == Dialect::Postgres => value("TimeSpan"),
        // Pomelo's mappings.
        ColumnType::Date if dialect == Dialect::Mysql => value("DateOnly"),
        ColumnType::Time { .. } if dialect == Dialect::Mysql => value("TimeSpan"),
        ColumnType::Timestamp { .. } | ColumnType::DateTime { .. } if dialect == Dialect::Mysql => {
            value("DateTime")
        }
        _ => ("string", false),
    }
}

/// Pomelo maps `Guid` to `char(36)` in `ascii_general_ci`: such a column is a `Guid`.
pub fn is_mysql_guid(c: &Column, dialect: Dialect) -> bool {
    dialect == Dialect::Mysql
        && matches!(
            c.ty,
            ColumnType::Text {
                kind: TextKind::Char,
                max_len: Some(36)
            }
        )
        && c.collation.as_deref() == Some("ascii_general_ci")
}

/// The CLR type of a column (`clr_type`, with Pomelo's `Guid` columns).
pub fn column_clr(c: &Column, dialect: Dialect) -> (&'static str, bool) {
    if is_mysql_guid(c, dialect) {
        ("Guid", true)
    } else {
        clr_type(&c.ty, dialect)
    }
}

/// `column_clr` spelled, `?` on nullable value types.
pub fn column_clr_decl(c: &Column, nullable: bool, dialect: Dialect) -> String {
    let (n, value) = column_clr(c, dialect);
    if value && nullable {
        format!("{n}?")
    } else {
        n.to_string()
    }
}

/// MySQL: the `ON UPDATE CURRENT_TIMESTAMP(p)` with the same `DEFAULT` that Pomelo writes for
/// a property generated on add or update.
pub fn mysql_on_update_generated(c: &Column) -> bool {
    let norm = |s: &str| s.to_ascii_lowercase().replace([' ', '(', ')'], "");
    match (&c.on_update, &c.default) {
        (Some(u), Some(d)) => {
            norm(&u.sql).starts_with("current_timestamp") && norm(&u.sql) == norm(&d.sql)
        }
        _ => false,
    }
}

/// Whether a MySQL column is a string Pomelo writes a charset for.
pub fn mysql_is_string(c: &Column) -> bool {
    matches!(
        c.ty,
        ColumnType::Text { .. } | ColumnType::Enum { .. } | ColumnType::Set { .. }
    )
}

pub fn clr_decl(ty: &ColumnType, nullable: bool, dialect: Dialect) -> String {
    let (n, value) = clr_type(ty, dialect);
    if value && nullable {
        format!("{n}?")
    } else {
        n.to_string()
    }
}

/// A C# identifier from a table name (`order_lines` -> `OrderLines`).
pub fn class_name(table: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in table.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

/// How the writer names entity types: `(table) -> "Ns.Class"`.
pub struct Naming<'a> {
    pub namespace: String,
    pub known: &'a [(String, String)],
}

impl Naming<'_> {
    pub fn entity(&self, t: &QualifiedName) -> String {
        if let Some((_, full)) = self.known.iter().find(|(n, _)| *n == t.name) {
            return full.clone();
        }
        format!("{}.{}", self.namespace, class_name(&t.name))
    }
}

/// What a table's `ToTable` carries (the schema argument and the `t.` calls for checks and the
/// comment) and its MySQL charset and collation: the same for the models' `OnModelCreating` and
/// the snapshot, which only spell the entity builder differently.
pub(crate) struct TableConfig {
    pub schema_arg: String,
    pub calls: Vec<String>,
    pub charset: Option<String>,
    pub collation: Option<String>,
}

pub(crate) fn table_config(
    d: Dialect,
    q: &QualifiedName,
    t: &Table,
) -> Result<TableConfig, WriteError> {
    let schema_arg = if q.namespace != default_ns(d) && d == Dialect::Postgres {
        format!(", {}", lit(&q.namespace))
    } else {
        String::new()
    };
    let mut calls = vec![];
    for c in &t.checks {
        let Some(n) = &c.name else {
            return Err(WriteError::Unsupported(format!(
                "an unnamed check constraint on {} cannot be written to an EF Core model",
                q.name
            )));
        };
        calls.push(format!(
            "t.HasCheckConstraint({}, {});",
            lit(n),
            lit(&c.expr.sql)
        ));
    }
    if let Some(cm) = &t.comment {
        calls.push(format!("t.HasComment({});", lit(cm)));
    }
    let (mut charset, mut collation) = (None, None);
    if let TableOptions::Mysql(o) = &t.options {
        if o.engine.is_some() || o.row_format.is_some() {
            return Err(WriteError::Unsupported(format!(
                "table {}: ENGINE/ROW_FORMAT options have no EF Core model form",
                q.name
            )));
        }
        charset = o.charset.clone();
        collation = o.collation.clone();
    }
    Ok(TableConfig {
        schema_arg,
        calls,
        charset,
        collation,
    })
}

pub(crate) fn default_ns(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "public",
        Dialect::Sqlite => "main",
        Dialect::Mysql => "",
    }
}

fn is_integer(ty: &ColumnType, dialect: Dialect) -> bool {
    matches!(clr_type(ty, dialect).0, "int" | "long" | "short")
}

fn list(cols: &[String]) -> String {
    cols.iter().map(|c| lit(c)).collect::<Vec<_>>().join(", ")
}

/// The `BuildModel` body (indented for the method) of `schema`.
pub fn build_model(
    schema: &Schema,
    naming: &Naming,
    product_version: &str,
) -> Result<String, WriteError> {
    let d = schema.dialect;
    let max = max_ident(d);
    let ind = "            ";
    let mut out = String::new();
    if d == Dialect::Postgres {
        let _ = writeln!(
            out,
            "{ind}modelBuilder\n{ind}    .HasAnnotation(\"ProductVersion\", {})\n{ind}    .HasAnnotation(\"Relational:MaxIdentifierLength\", 63);\n",
            lit(product_version)
        );
        let _ = writeln!(
            out,
            "{ind}NpgsqlModelBuilderExtensions.UseIdentityByDefaultColumns(modelBuilder);"
        );
    } else if d == Dialect::Mysql {
        let _ = writeln!(
            out,
            "{ind}modelBuilder\n{ind}    .HasAnnotation(\"ProductVersion\", {})\n{ind}    .HasAnnotation(\"Relational:MaxIdentifierLength\", 64);\n",
            lit(product_version)
        );
        let _ = writeln!(
            out,
            "{ind}MySqlModelBuilderExtensions.AutoIncrementColumns(modelBuilder);"
        );
    } else {
        let _ = writeln!(
            out,
            "{ind}modelBuilder.HasAnnotation(\"ProductVersion\", {});",
            lit(product_version)
        );
    }
    let mut tables: Vec<(QualifiedName, &Table)> = schema.tables().collect();
    tables.sort_by_key(|(q, _)| naming.entity(q));
    let has_table = |q: &QualifiedName| tables.iter().any(|(t, _)| t == q);
    for (q, t) in &tables {
        if !t.exclusions.is_empty() || t.partitioning.is_some() || t.partition_of.is_some() {
            return Err(WriteError::Unsupported(format!(
                "table {} has exclusion constraints or partitioning, which an EF Core model cannot hold",
                q.name
            )));
        }
        let _ = writeln!(
            out,
            "\n{ind}modelBuilder.Entity({}, b =>\n{ind}    {{",
            lit(&naming.entity(q))
        );
        let b = format!("{ind}        ");
        let pk: Vec<String> = t
            .primary_key
            .as_ref()
            .map(|p| p.columns.clone())
            .unwrap_or_default();
        let mut cols: Vec<&migrex_model::Column> =
            pk.iter().filter_map(|c| t.columns.get(c)).collect();
        let mut rest: Vec<&migrex_model::Column> = t
            .columns
            .values()
            .filter(|c| !pk.contains(&c.name))
            .collect();
        rest.sort_by(|a, b| a.name.cmp(&b.name));
        cols.extend(rest);
        let mut first = true;
        for c in cols {
            if !first {
                out.push('\n');
            }
            first = false;
            if c.generated.is_some() {
                return Err(WriteError::Unsupported(format!(
                    "generated column {}.{} is not written to EF Core models yet",
                    q.name, c.name
                )));
            }
            let clr = column_clr_decl(c, c.nullable, d);
            let (_, value) = column_clr(c, d);
            let _ = write!(out, "{b}b.Property<{clr}>({})", lit(&c.name));
            if !c.nullable && !value {
                let _ = write!(out, "\n{b}    .IsRequired()");
            }
            let on_update = d == Dialect::Mysql && mysql_on_update_generated(c);
            if d == Dialect::Mysql {
                mysql_column_check(q, c, on_update)?;
            }
            if on_update {
                let _ = write!(out, "\n{b}    .ValueGeneratedOnAddOrUpdate()");
            } else if c.identity.is_some() || c.default.is_some() {
                let _ = write!(out, "\n{b}    .ValueGeneratedOnAdd()");
            }
            let _ = write!(out, "\n{b}    .HasColumnType({})", lit(&type_sql(&c.ty, d)));
            if let Some(def) = c.default.as_ref().filter(|_| !on_update) {
                let _ = write!(
                    out,
                    "\n{b}    .HasDefaultValueSql({})",
                    lit(&default_sql(&def.sql))
                );
            }
            if let Some(co) = &c.collation
                && d == Dialect::Mysql
                && !is_mysql_guid(c, d)
            {
                let _ = write!(out, "\n{b}    .UseCollation({})", lit(co));
            }
            if let Some(cm) = &c.comment {
                let _ = write!(out, "\n{b}    .HasComment({})", lit(cm));
            }
            out.push_str(";\n");
            if on_update {
                let _ = writeln!(
                    out,
                    "\n{b}MySqlPropertyBuilderExtensions.UseMySqlComputedColumn(b.Property<{clr}>({}));",
                    lit(&c.name)
                );
            }
            match (&c.identity, d) {
                (None, _) => {}
                (Some(Identity::AutoIncrement), Dialect::Mysql) => {
                    let _ = writeln!(
                        out,
                        "\n{b}MySqlPropertyBuilderExtensions.UseMySqlIdentityColumn(b.Property<{clr}>({}));",
                        lit(&c.name)
                    );
                }
                (Some(Identity::ByDefault { .. }), Dialect::Postgres) => {
                    let _ = writeln!(
                        out,
                        "\n{b}NpgsqlPropertyBuilderExtensions.UseIdentityByDefaultColumn(b.Property<{clr}>({}));",
                        lit(&c.name)
                    );
                }
                (Some(Identity::Always { .. }), Dialect::Postgres) => {
                    let _ = writeln!(
                        out,
                        "\n{b}NpgsqlPropertyBuilderExtensions.UseIdentityAlwaysColumn(b.Property<{clr}>({}));",
                        lit(&c.name)
                    );
                }
                (Some(Identity::AutoIncrement), Dialect::Sqlite)
                    if pk.len() == 1 && pk[0] == c.name && is_integer(&c.ty, d) => {}
                (Some(other), _) => {
                    return Err(WriteError::Unsupported(format!(
                        "column {}.{}: identity {other:?} has no EF Core model form here",
                        q.name, c.name
                    )));
                }
            }
        }
        if let Some(p) = &t.primary_key {
            let _ = write!(out, "\n{b}b.HasKey({})", list(&p.columns));
            let def = truncate(&format!("PK_{}", q.name), max);
            if let Some(n) = &p.name
                && *n != def
                && d != Dialect::Sqlite
            {
                let _ = write!(out, "\n{b}    .HasName({})", lit(n));
            }
            out.push_str(";\n");
        } else {
            let _ = writeln!(out, "\n{b}b.HasNoKey();");
        }
        for u in &t.uniques {
            let _ = write!(out, "\n{b}b.HasAlternateKey({})", list(&u.columns));
            let def = truncate(&format!("AK_{}_{}", q.name, u.columns.join("_")), max);
            match &u.name {
                Some(n) if *n != def => {
                    let _ = write!(out, "\n{b}    .HasName({})", lit(n));
                }
                _ => {}
            }
            out.push_str(";\n");
        }
        for ix in &t.indexes {
            let mut cols = vec![];
            for p in &ix.parts {
                match &p.key {
                    migrex_model::IndexKey::Column(c) => cols.push(c.clone()),
                    _ => {
                        return Err(WriteError::Unsupported(format!(
                            "expression index {} cannot be written to an EF Core model",
                            ix.name
                        )));
                    }
                }
            }
            let _ = write!(out, "\n{b}b.HasIndex({})", list(&cols));
            let def = truncate(&format!("IX_{}_{}", q.name, cols.join("_")), max);
            if ix.name != def {
                let _ = write!(out, "\n{b}    .HasDatabaseName({})", lit(&ix.name));
            }
            if ix.parts.iter().any(|p| p.descending) {
                let flags: Vec<&str> = ix
                    .parts
                    .iter()
                    .map(|p| if p.descending { "true" } else { "false" })
                    .collect();
                let _ = write!(out, "\n{b}    .IsDescending({})", flags.join(", "));
            }
            if ix.unique {
                let _ = write!(out, "\n{b}    .IsUnique()");
            }
            if let Some(f) = &ix.predicate {
                let _ = write!(out, "\n{b}    .HasFilter({})", lit(&f.sql));
            }
            if let Some(m) = &ix.method
                && d == Dialect::Postgres
                && m != "btree"
            {
                let _ = write!(out, "\n{b}    .HasMethod({})", lit(m));
            }
            out.push_str(";\n");
            if d == Dialect::Mysql {
                mysql_index_check(ix)?;
                if ix.parts.iter().any(|p| p.prefix_len.is_some()) {
                    let lens: Vec<String> = ix
                        .parts
                        .iter()
                        .map(|p| p.prefix_len.unwrap_or(0).to_string())
                        .collect();
                    let _ = writeln!(
                        out,
                        "\n{b}MySqlIndexBuilderExtensions.HasPrefixLength(b.HasIndex({}), new[] {{ {} }});",
                        list(&cols),
                        lens.join(", ")
                    );
                }
            }
        }
        let TableConfig {
            schema_arg,
            calls: table_cfg,
            charset,
            collation,
        } = table_config(d, q, t)?;
        if let Some(cs) = &charset {
            let _ = writeln!(
                out,
                "\n{b}MySqlEntityTypeBuilderExtensions.HasCharSet(b, {});",
                lit(cs)
            );
        }
        if let Some(co) = &collation {
            let _ = writeln!(
                out,
                "\n{b}MySqlEntityTypeBuilderExtensions.UseCollation(b, {});",
                lit(co)
            );
        }
        if table_cfg.is_empty() {
            let _ = writeln!(out, "\n{b}b.ToTable({}{schema_arg});", lit(&q.name));
        } else {
            let _ = writeln!(
                out,
                "\n{b}b.ToTable({}{schema_arg}, t =>\n{b}    {{",
                lit(&q.name)
            );
            for l in table_cfg {
                let _ = writeln!(out, "{b}        {l}");
            }
            let _ = writeln!(out, "{b}    }});");
        }
        let _ = writeln!(out, "{ind}    }});");
    }
    // Relationships, one block per dependent table.
    for (q, t) in &tables {
        if t.foreign_keys.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "\n{ind}modelBuilder.Entity({}, b =>\n{ind}    {{",
            lit(&naming.entity(q))
        );
        let b = format!("{ind}        ");
        let mut first = true;
        for fk in &t.foreign_keys {
            if !has_table(&fk.ref_table) {
                return Err(WriteError::Unsupported(format!(
                    "foreign key of {} references {}, which is not in the schema",
                    q.name, fk.ref_table.name
                )));
            }
            let target = schema.table(&fk.ref_table).expect("checked");
            if !first {
                out.push('\n');
            }
            first = false;
            let _ = write!(
                out,
                "{b}b.HasOne({}, null)\n{b}    .WithMany()\n{b}    .HasForeignKey({})",
                lit(&naming.entity(&fk.ref_table)),
                list(&fk.columns)
            );
            let ref_pk = target
                .primary_key
                .as_ref()
                .map(|p| p.columns.clone())
                .unwrap_or_default();
            if fk.ref_columns != ref_pk {
                let _ = write!(out, "\n{b}    .HasPrincipalKey({})", list(&fk.ref_columns));
            }
            match fk.on_delete {
                FkAction::Cascade => {
                    let _ = write!(out, "\n{b}    .OnDelete(DeleteBehavior.Cascade)");
                }
                FkAction::SetNull => {
                    let _ = write!(out, "\n{b}    .OnDelete(DeleteBehavior.SetNull)");
                }
                FkAction::Restrict => {
                    let _ = write!(out, "\n{b}    .OnDelete(DeleteBehavior.Restrict)");
                }
                FkAction::NoAction if d == Dialect::Mysql => return Err(mysql_no_action(fk)),
                FkAction::NoAction => {}
                FkAction::SetDefault => {
                    return Err(WriteError::Unsupported(format!(
                        "ON DELETE SET DEFAULT ({}) has no EF Core DeleteBehavior",
                        fk.name.as_deref().unwrap_or(&q.name)
                    )));
                }
            }
            if fk.on_update != default_on_update(d) || fk.deferrable.is_some() {
                return Err(WriteError::Unsupported(format!(
                    "foreign key {} has ON UPDATE or DEFERRABLE, which EF Core models cannot hold",
                    fk.name.as_deref().unwrap_or(&q.name)
                )));
            }
            let def = truncate(
                &format!(
                    "FK_{}_{}_{}",
                    q.name,
                    fk.ref_table.name,
                    fk.columns.join("_")
                ),
                max,
            );
            if let Some(n) = &fk.name
                && *n != def
            {
                let _ = write!(out, "\n{b}    .HasConstraintName({})", lit(n));
            }
            let required = fk
                .columns
                .iter()
                .all(|c| t.columns.get(c).is_some_and(|c| !c.nullable));
            if required {
                let _ = write!(out, "\n{b}    .IsRequired()");
            }
            out.push_str(";\n");
        }
        let _ = writeln!(out, "{ind}    }});");
    }
    Ok(out)
}

/// What Pomelo's model cannot say about a MySQL column, refused rather than written wrong.
pub fn mysql_column_check(
    q: &QualifiedName,
    c: &Column,
    on_update: bool,
) -> Result<(), WriteError> {
    if c.on_update.is_some() && !on_update {
        return Err(WriteError::Unsupported(format!(
            "column {}.{}: ON UPDATE other than Pomelo's DEFAULT/ON UPDATE CURRENT_TIMESTAMP pair has no EF Core model form",
            q.name, c.name
        )));
    }
    let blobby = matches!(
        c.ty,
        ColumnType::Text {
            kind: TextKind::Text | TextKind::TinyText | TextKind::MediumText | TextKind::LongText,
            ..
        } | ColumnType::Binary { .. }
            | ColumnType::Json { .. }
    ) && !matches!(
        c.ty,
        ColumnType::Binary {
            kind: migrex_model::BinaryKind::Binary | migrex_model::BinaryKind::VarBinary,
            ..
        }
    );
    if blobby && c.default.is_some() {
        return Err(WriteError::Unsupported(format!(
            "column {}.{}: Pomelo writes no DEFAULT for text, blob and json columns",
            q.name, c.name
        )));
    }
    Ok(())
}

/// Pomelo writes neither `DESC` nor a filter in MySQL indexes.
pub fn mysql_index_check(ix: &migrex_model::Index) -> Result<(), WriteError> {
    if ix.parts.iter().any(|p| p.descending) || ix.predicate.is_some() {
        return Err(WriteError::Unsupported(format!(
            "index {}: Pomelo writes no DESC or filter in MySQL indexes",
            ix.name
        )));
    }
    Ok(())
}

/// The ON UPDATE action a foreign key EF creates has: none written, which MySQL stores as
/// RESTRICT.
pub fn default_on_update(dialect: Dialect) -> FkAction {
    if dialect == Dialect::Mysql {
        FkAction::Restrict
    } else {
        FkAction::NoAction
    }
}

/// An explicit `ON DELETE NO ACTION` on MySQL: EF writes no clause for NoAction, which MySQL
/// stores as RESTRICT, so no DeleteBehavior gives it back.
pub fn mysql_no_action(fk: &migrex_model::ForeignKey) -> WriteError {
    WriteError::Unsupported(format!(
        "foreign key {}: an explicit ON DELETE NO ACTION has no Pomelo DeleteBehavior (no clause is RESTRICT on MySQL)",
        fk.name.as_deref().unwrap_or("?")
    ))
}
