//! EF Core migrations: `Migrations/<yyyyMMddHHmmss>_<Name>.cs` (the `Up`/`Down`
//! `MigrationBuilder` operations), `<...>.Designer.cs` (`[DbContext]`, `[Migration("id")]`,
//! `BuildTargetModel` with the whole target model) and the rewritten `<Context>ModelSnapshot.cs`,
//! in the format `dotnet ef migrations add` writes (EF Core 8/9).
//!
//! Each plan step becomes the `MigrationBuilder` operation EF's differ would emit for it
//! (`CreateTable`, `AddColumn<T>`, `AlterColumn<T>` with the old values, `CreateIndex`,
//! `AddForeignKey`, ...); what those operations cannot express (views, functions, SQLite table
//! rebuilds, comments on existing tables, ...) is `migrationBuilder.Sql(@"...")` with the step's SQL
//! from `migrex_render_sql`. On MySQL/MariaDB the files are Pomelo's: `MySql:CharSet` on string
//! columns and tables, `MySql:ValueGenerationStrategy` (`IdentityColumn` for `AUTO_INCREMENT`,
//! `ComputedColumn` for `DEFAULT/ON UPDATE CURRENT_TIMESTAMP(p)`), `collation:` (a `Guid` is
//! `char(36)` in `ascii_general_ci`), `MySql:IndexPrefixLength`, `AlterDatabase()` in a first
//! migration, and `AutoIncrementColumns`/`UseMySqlIdentityColumn` in the snapshot; what Pomelo
//! cannot state (DESC or filtered indexes, ON UPDATE other than the timestamp pair, defaults on
//! text/blob columns, an explicit NO ACTION) is refused or written as `Sql(...)`.
//! There is no .NET here: the files are proved by tree-sitter-c-sharp, by migrex's EF Core
//! reader, which reads the snapshot back to the target schema, and by replaying the operations
//! on real databases.

pub mod models;
pub mod snapshot;

use crate::{MigrationInput, OutputFile, Utc, WriteError, Writer};
use migrex_model::{
    Change, Column, Dialect, FkAction, Identity, Plan, QualifiedName, Schema, Table, TableOptions,
};
use migrex_source_orm::{Models, Project};
use snapshot::{
    Naming, column_clr_decl, default_sql, is_mysql_guid, lit, mysql_is_string,
    mysql_on_update_generated, type_sql,
};
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub struct EfcoreWriter;

/// The product version written in the model annotations.
pub const PRODUCT_VERSION: &str = "9.0.8";

fn ef_models(p: Option<&Project>) -> Option<&migrex_source_orm::efcore::Models> {
    match &p?.models {
        Models::Efcore(m) => Some(m),
        _ => None,
    }
}

/// A C# class name from a migration name (`add-users` -> `AddUsers`), as EF sanitizes it.
fn class_ident(name: &str) -> String {
    let c = snapshot::class_name(name);
    if c == "T" { "Migration1".into() } else { c }
}

/// A verbatim string literal (`@"..."`), as EF writes `Sql` operations.
fn verbatim(s: &str) -> String {
    format!("@\"{}\"", s.replace('"', "\"\""))
}

const KEYWORDS: &[&str] = &[
    "abstract",
    "as",
    "base",
    "bool",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "checked",
    "class",
    "const",
    "continue",
    "decimal",
    "default",
    "delegate",
    "do",
    "double",
    "else",
    "enum",
    "event",
    "explicit",
    "extern",
    "false",
    "finally",
    "fixed",
    "float",
    "for",
    "foreach",
    "goto",
    "if",
    "implicit",
    "in",
    "int",
    "interface",
    "internal",
    "is",
    "lock",
    "long",
    "namespace",
    "new",
    "null",
    "object",
    "operator",
    "out",
    "override",
    "params",
    "private",
    "protected",
    "public",
    "readonly",
    "ref",
    "return",
    "sbyte",
    "sealed",
    "short",
    "sizeof",
    "stackalloc",
    "static",
    "string",
    "struct",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "uint",
    "ulong",
    "unchecked",
    "unsafe",
    "ushort",
    "using",
    "virtual",
    "void",
    "volatile",
    "while",
];

/// The anonymous-type member for a column (`Id`, `@class`); `None` when the name is not an
/// identifier, in which case EF writes `name:` in `table.Column<T>(...)`.
fn member(col: &str) -> (String, bool) {
    let ok = col
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && col.chars().all(|c| c.is_alphanumeric() || c == '_');
    if ok {
        if KEYWORDS.contains(&col) {
            (format!("@{col}"), true)
        } else {
            (col.to_string(), true)
        }
    } else {
        (snapshot::class_name(col), false)
    }
}

struct Ops<'a> {
    dialect: Dialect,
    out: String,
    /// Plan SQL per step id, for `Sql(...)` operations.
    sql: Vec<migrex_render_sql::RenderedStep>,
    default_ns: &'a str,
    /// The schema the operations lead to (table options for Pomelo's annotations).
    to: &'a Schema,
}

fn action(a: FkAction) -> Option<&'static str> {
    match a {
        FkAction::Cascade => Some("ReferentialAction.Cascade"),
        FkAction::SetNull => Some("ReferentialAction.SetNull"),
        FkAction::Restrict => Some("ReferentialAction.Restrict"),
        FkAction::SetDefault => Some("ReferentialAction.SetDefault"),
        FkAction::NoAction => None,
    }
}

impl Ops<'_> {
    fn schema_arg(&self, q: &QualifiedName, name: &str) -> String {
        if self.dialect == Dialect::Postgres && q.namespace != self.default_ns {
            format!(",\n                {name}: {}", lit(&q.namespace))
        } else {
            String::new()
        }
    }

    fn call(&mut self, op: &str, args: Vec<String>) {
        self.call_annotated(op, args, &[]);
    }

    /// An operation with `.Annotation(...)` calls chained (Pomelo's `MySql:` annotations).
    fn call_annotated(&mut self, op: &str, args: Vec<String>, annotations: &[String]) {
        let chain: String = annotations
            .iter()
            .map(|a| format!("\n                {a}"))
            .collect();
        let _ = writeln!(
            self.out,
            "            migrationBuilder.{op}(\n                {}){chain};\n",
            args.join(",\n                ")
        );
    }

    fn table_args(&self, q: &QualifiedName) -> Vec<String> {
        let mut a = vec![format!("table: {}", lit(&q.name))];
        if self.dialect == Dialect::Postgres && q.namespace != self.default_ns {
            a.push(format!("schema: {}", lit(&q.namespace)));
        }
        a
    }

    fn column_args(&self, c: &Column) -> Vec<String> {
        let mut a = vec![format!("type: {}", lit(&type_sql(&c.ty, self.dialect)))];
        a.push(format!("nullable: {}", c.nullable));
        let on_update = self.dialect == Dialect::Mysql && mysql_on_update_generated(c);
        if let Some(d) = c.default.as_ref().filter(|_| !on_update) {
            a.push(format!("defaultValueSql: {}", lit(&default_sql(&d.sql))));
        }
        if let Some(cm) = &c.comment {
            a.push(format!("comment: {}", lit(cm)));
        }
        if let Some(co) = &c.collation
            && self.dialect == Dialect::Mysql
        {
            a.push(format!("collation: {}", lit(co)));
        }
        a
    }

    /// Pomelo's column annotations: the charset of string columns (the collation's, else the
    /// table's, else utf8mb4) and the value generation strategy.
    fn mysql_annotations(&self, c: &Column, table: Option<&Table>) -> Vec<String> {
        let mut out = vec![];
        if self.dialect != Dialect::Mysql {
            return out;
        }
        // A Guid's char(36) has its collation (`collation:`) and no charset annotation.
        if mysql_is_string(c) && !is_mysql_guid(c, self.dialect) {
            let cs = match (&c.collation, table.map(|t| &t.options)) {
                (Some(co), _) => co.split('_').next().unwrap_or("utf8mb4").to_string(),
                (None, Some(TableOptions::Mysql(o))) => {
                    o.charset.clone().unwrap_or_else(|| "utf8mb4".into())
                }
                _ => "utf8mb4".into(),
            };
            out.push(format!(".Annotation(\"MySql:CharSet\", {})", lit(&cs)));
        }
        if mysql_on_update_generated(c) {
            out.push(".Annotation(\"MySql:ValueGenerationStrategy\", MySqlValueGenerationStrategy.ComputedColumn)".into());
        }
        out
    }

    fn identity_annotation(&self, c: &Column) -> Option<String> {
        match (&c.identity, self.dialect) {
            (Some(Identity::AutoIncrement), Dialect::Sqlite) => Some(".Annotation(\"Sqlite:Autoincrement\", true)".into()),
            (Some(Identity::AutoIncrement), Dialect::Mysql) => Some(
                ".Annotation(\"MySql:ValueGenerationStrategy\", MySqlValueGenerationStrategy.IdentityColumn)".into(),
            ),
            (Some(Identity::ByDefault { .. }), Dialect::Postgres) => Some(
                ".Annotation(\"Npgsql:ValueGenerationStrategy\", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)".into(),
            ),
            (Some(Identity::Always { .. }), Dialect::Postgres) => Some(
                ".Annotation(\"Npgsql:ValueGenerationStrategy\", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn)".into(),
            ),
            _ => None,
        }
    }

    fn sql_step(&mut self, id: usize) {
        let stmts: Vec<String> = self
            .sql
            .iter()
            .filter(|s| s.step == id)
            .flat_map(|s| s.statements.clone())
            .collect();
        for s in stmts {
            let s = s.trim_end();
            let s = if s.ends_with(';') {
                s.to_string()
            } else {
                format!("{s};")
            };
            let _ = writeln!(
                self.out,
                "            migrationBuilder.Sql({});\n",
                verbatim(&s)
            );
        }
    }

    fn cols(cols: &[String]) -> String {
        if cols.len() == 1 {
            lit(&cols[0])
        } else {
            format!(
                "new[] {{ {} }}",
                cols.iter().map(|c| lit(c)).collect::<Vec<_>>().join(", ")
            )
        }
    }

    fn col_arg(name: &str, cols: &[String]) -> String {
        if cols.len() == 1 {
            format!("{name}: {}", lit(&cols[0]))
        } else {
            format!("{name}s: {}", Self::cols(cols))
        }
    }

    fn step(&mut self, id: usize, change: &Change) {
        let d = self.dialect;
        match change {
            Change::CreateNamespace { name } if d == Dialect::Postgres => {
                self.call("EnsureSchema", vec![format!("name: {}", lit(name))]);
            }
            Change::DropNamespace { name } if d == Dialect::Postgres => {
                self.call("DropSchema", vec![format!("name: {}", lit(name))]);
            }
            Change::CreateTable { name, table }
                if table.indexes.iter().all(|i| self.plain_cols(i).is_some())
                    && table.exclusions.is_empty()
                    && table.partitioning.is_none()
                    && table.partition_of.is_none() =>
            {
                let mut cols = String::new();
                let n = table.columns.len();
                for (i, c) in table.columns.values().enumerate() {
                    let (m, ident) = member(&c.name);
                    let mut args = vec![];
                    if !ident {
                        args.push(format!("name: {}", lit(&c.name)));
                    }
                    args.extend(self.column_args(c));
                    let _ = write!(
                        cols,
                        "                    {m} = table.Column<{}>({})",
                        column_clr_decl(c, false, d),
                        args.join(", ")
                    );
                    if let Some(a) = self.identity_annotation(c) {
                        let _ = write!(cols, "\n                        {a}");
                    }
                    for a in self.mysql_annotations(c, Some(table)) {
                        let _ = write!(cols, "\n                        {a}");
                    }
                    if i + 1 < n {
                        cols.push(',');
                    }
                    cols.push('\n');
                }
                let mut cons = String::new();
                let x = |cs: &[String]| -> String {
                    if cs.len() == 1 {
                        format!("x => x.{}", member(&cs[0]).0)
                    } else {
                        format!(
                            "x => new {{ {} }}",
                            cs.iter()
                                .map(|c| format!("x.{}", member(c).0))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                };
                if let Some(pk) = &table.primary_key {
                    let name = pk
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("PK_{}", name.name));
                    let _ = writeln!(
                        cons,
                        "                    table.PrimaryKey({}, {});",
                        lit(&name),
                        x(&pk.columns)
                    );
                }
                for u in &table.uniques {
                    let n = u
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("AK_{}_{}", name.name, u.columns.join("_")));
                    let _ = writeln!(
                        cons,
                        "                    table.UniqueConstraint({}, {});",
                        lit(&n),
                        x(&u.columns)
                    );
                }
                for fk in &table.foreign_keys {
                    let mut a = vec![
                        format!("name: {}", lit(fk.name.as_deref().unwrap_or_default())),
                        format!(
                            "{}: {}",
                            if fk.columns.len() == 1 {
                                "column"
                            } else {
                                "columns"
                            },
                            x(&fk.columns)
                        ),
                    ];
                    if fk.ref_table.namespace != self.default_ns && d == Dialect::Postgres {
                        a.push(format!("principalSchema: {}", lit(&fk.ref_table.namespace)));
                    }
                    a.push(format!("principalTable: {}", lit(&fk.ref_table.name)));
                    a.push(Self::col_arg("principalColumn", &fk.ref_columns));
                    if let Some(act) = action(fk.on_delete) {
                        a.push(format!("onDelete: {act}"));
                    }
                    let _ = writeln!(
                        cons,
                        "                    table.ForeignKey(\n                        {});",
                        a.join(",\n                        ")
                    );
                }
                for c in &table.checks {
                    let n = c
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("CK_{}", name.name));
                    let _ = writeln!(
                        cons,
                        "                    table.CheckConstraint({}, {});",
                        lit(&n),
                        lit(&c.expr.sql)
                    );
                }
                let mut args = vec![format!("name: {}", lit(&name.name))];
                if d == Dialect::Postgres && name.namespace != self.default_ns {
                    args.push(format!("schema: {}", lit(&name.namespace)));
                }
                args.push(format!(
                    "columns: table => new\n                {{\n{cols}                }}"
                ));
                args.push(format!(
                    "constraints: table =>\n                {{\n{cons}                }}"
                ));
                if let Some(cm) = &table.comment {
                    args.push(format!("comment: {}", lit(cm)));
                }
                let mut table_annotations = vec![];
                if let (Dialect::Mysql, TableOptions::Mysql(o)) = (d, &table.options) {
                    let cs = o.charset.clone().unwrap_or_else(|| "utf8mb4".into());
                    table_annotations.push(format!(".Annotation(\"MySql:CharSet\", {})", lit(&cs)));
                    if let Some(co) = &o.collation {
                        table_annotations.push(format!(
                            ".Annotation(\"Relational:Collation\", {})",
                            lit(co)
                        ));
                    }
                } else if d == Dialect::Mysql {
                    table_annotations.push(".Annotation(\"MySql:CharSet\", \"utf8mb4\")".into());
                }
                self.call_annotated("CreateTable", args, &table_annotations);
                for ix in &table.indexes {
                    let cols = self.plain_cols(ix).unwrap_or_default();
                    self.index(name, ix, cols);
                }
            }
            Change::DropTable { name, .. } => {
                let mut a = vec![format!("name: {}", lit(&name.name))];
                if d == Dialect::Postgres && name.namespace != self.default_ns {
                    a.push(format!("schema: {}", lit(&name.namespace)));
                }
                self.call("DropTable", a);
            }
            Change::RenameTable { from, to } => {
                let mut a = vec![format!("name: {}", lit(&from.name))];
                a[0].push_str(&self.schema_arg(from, "schema"));
                a.push(format!("newName: {}", lit(&to.name)));
                if from.namespace != to.namespace && d == Dialect::Postgres {
                    a.push(format!("newSchema: {}", lit(&to.namespace)));
                }
                self.call("RenameTable", a);
            }
            Change::AddColumn { table, column }
                if column.generated.is_none()
                    && column.identity.is_none()
                    && (column.on_update.is_none() || mysql_on_update_generated(column)) =>
            {
                let mut a = vec![format!("name: {}", lit(&column.name))];
                a.extend(self.table_args(table));
                a.extend(self.column_args(column));
                let clr = column_clr_decl(column, false, d);
                let ann = self.mysql_annotations(column, self.to.table(table));
                self.call_annotated(&format!("AddColumn<{clr}>"), a, &ann);
            }
            Change::DropColumn { table, column } => {
                let mut a = vec![format!("name: {}", lit(&column.name))];
                a.extend(self.table_args(table));
                self.call("DropColumn", a);
            }
            Change::RenameColumn { table, from, to } => {
                let mut a = vec![format!("name: {}", lit(from))];
                a.extend(self.table_args(table));
                a.push(format!("newName: {}", lit(to)));
                self.call("RenameColumn", a);
            }
            Change::AlterColumn { table, from, to }
                if d != Dialect::Sqlite
                    && from.identity == to.identity
                    && (to.on_update.is_none() || mysql_on_update_generated(to))
                    && (from.on_update.is_none() || mysql_on_update_generated(from))
                    && to.generated.is_none()
                    && from.generated.is_none() =>
            {
                let mut a = vec![format!("name: {}", lit(&to.name))];
                a.extend(self.table_args(table));
                a.extend(self.column_args(to));
                a.push(format!(
                    "oldClrType: typeof({})",
                    column_clr_decl(from, false, d)
                ));
                a.push(format!("oldType: {}", lit(&type_sql(&from.ty, d))));
                a.push(format!("oldNullable: {}", from.nullable));
                if let Some(od) = &from.default {
                    a.push(format!(
                        "oldDefaultValueSql: {}",
                        lit(&default_sql(&od.sql))
                    ));
                }
                if let Some(oc) = &from.comment {
                    a.push(format!("oldComment: {}", lit(oc)));
                }
                let mut ann: Vec<String> = vec![];
                if d == Dialect::Mysql {
                    // MODIFY COLUMN restates the whole column, AUTO_INCREMENT included.
                    ann.extend(self.identity_annotation(to));
                    ann.extend(self.mysql_annotations(to, self.to.table(table)));
                    // The old column's, as EF writes them (not read back by the SQL generator).
                    let old: Vec<String> = self
                        .identity_annotation(from)
                        .into_iter()
                        .chain(self.mysql_annotations(from, self.to.table(table)))
                        .map(|a| a.replacen(".Annotation(", ".OldAnnotation(", 1))
                        .collect();
                    ann.extend(old);
                }
                self.call_annotated(
                    &format!("AlterColumn<{}>", column_clr_decl(to, false, d)),
                    a,
                    &ann,
                );
            }
            Change::CreateIndex { table, index } => match self.plain_cols(index) {
                Some(cols) => self.index(table, index, cols),
                // Expression indexes and other forms EF's CreateIndex cannot describe.
                None => self.sql_step(id),
            },
            Change::DropIndex { table, index } => {
                let mut a = vec![format!("name: {}", lit(&index.name))];
                a.extend(self.table_args(table));
                self.call("DropIndex", a);
            }
            Change::RenameIndex { table, from, to } if d != Dialect::Sqlite => {
                let mut a = vec![format!("name: {}", lit(from))];
                a.extend(self.table_args(table));
                a.push(format!("newName: {}", lit(to)));
                self.call("RenameIndex", a);
            }
            Change::AddForeignKey {
                table,
                foreign_key: fk,
            } if d != Dialect::Sqlite
                && fk.on_update == snapshot::default_on_update(d)
                && (fk.on_delete != FkAction::NoAction || d != Dialect::Mysql)
                && fk.deferrable.is_none() =>
            {
                let mut a = vec![format!(
                    "name: {}",
                    lit(fk.name.as_deref().unwrap_or_default())
                )];
                a.extend(self.table_args(table));
                a.push(Self::col_arg("column", &fk.columns));
                if fk.ref_table.namespace != self.default_ns && d == Dialect::Postgres {
                    a.push(format!("principalSchema: {}", lit(&fk.ref_table.namespace)));
                }
                a.push(format!("principalTable: {}", lit(&fk.ref_table.name)));
                a.push(Self::col_arg("principalColumn", &fk.ref_columns));
                if let Some(act) = action(fk.on_delete) {
                    a.push(format!("onDelete: {act}"));
                }
                self.call("AddForeignKey", a);
            }
            Change::DropForeignKey { table, foreign_key }
                if d != Dialect::Sqlite && foreign_key.name.is_some() =>
            {
                let mut a = vec![format!(
                    "name: {}",
                    lit(foreign_key.name.as_deref().unwrap_or_default())
                )];
                a.extend(self.table_args(table));
                self.call("DropForeignKey", a);
            }
            Change::AddUnique { table, unique }
                if d != Dialect::Sqlite
                    && unique.name.is_some()
                    && !unique.nulls_not_distinct
                    && unique.deferrable.is_none() =>
            {
                let mut a = vec![format!(
                    "name: {}",
                    lit(unique.name.as_deref().unwrap_or_default())
                )];
                a.extend(self.table_args(table));
                a.push(Self::col_arg("column", &unique.columns));
                self.call("AddUniqueConstraint", a);
            }
            Change::DropUnique { table, unique }
                if d != Dialect::Sqlite && unique.name.is_some() =>
            {
                let mut a = vec![format!(
                    "name: {}",
                    lit(unique.name.as_deref().unwrap_or_default())
                )];
                a.extend(self.table_args(table));
                self.call("DropUniqueConstraint", a);
            }
            Change::AddCheck { table, check }
                if d != Dialect::Sqlite && check.name.is_some() && !check.no_inherit =>
            {
                let mut a = vec![format!(
                    "name: {}",
                    lit(check.name.as_deref().unwrap_or_default())
                )];
                a.extend(self.table_args(table));
                a.push(format!("sql: {}", lit(&check.expr.sql)));
                self.call("AddCheckConstraint", a);
            }
            Change::DropCheck { table, check } if d != Dialect::Sqlite && check.name.is_some() => {
                let mut a = vec![format!(
                    "name: {}",
                    lit(check.name.as_deref().unwrap_or_default())
                )];
                a.extend(self.table_args(table));
                self.call("DropCheckConstraint", a);
            }
            Change::AddPrimaryKey { table, primary_key }
                if d != Dialect::Sqlite && primary_key.name.is_some() =>
            {
                let mut a = vec![format!(
                    "name: {}",
                    lit(primary_key.name.as_deref().unwrap_or_default())
                )];
                a.extend(self.table_args(table));
                a.push(Self::col_arg("column", &primary_key.columns));
                self.call("AddPrimaryKey", a);
            }
            Change::DropPrimaryKey { table, primary_key }
                if d != Dialect::Sqlite && primary_key.name.is_some() =>
            {
                let mut a = vec![format!(
                    "name: {}",
                    lit(primary_key.name.as_deref().unwrap_or_default())
                )];
                a.extend(self.table_args(table));
                self.call("DropPrimaryKey", a);
            }
            _ => self.sql_step(id),
        }
    }

    /// The columns of an index `CreateIndex` can describe (plain columns, B-tree, no INCLUDE;
    /// on MySQL prefix lengths but neither DESC nor a filter, which Pomelo does not write).
    fn plain_cols(&self, ix: &migrex_model::Index) -> Option<Vec<String>> {
        plain_cols(ix, self.dialect)
    }

    fn index(&mut self, table: &QualifiedName, ix: &migrex_model::Index, cols: Vec<String>) {
        let mut ann = vec![];
        if self.dialect == Dialect::Mysql && ix.parts.iter().any(|p| p.prefix_len.is_some()) {
            let lens: Vec<String> = ix
                .parts
                .iter()
                .map(|p| p.prefix_len.unwrap_or(0).to_string())
                .collect();
            ann.push(format!(
                ".Annotation(\"MySql:IndexPrefixLength\", new[] {{ {} }})",
                lens.join(", ")
            ));
        }
        let mut a = vec![format!("name: {}", lit(&ix.name))];
        a.extend(self.table_args(table));
        a.push(Self::col_arg("column", &cols));
        if ix.unique {
            a.push("unique: true".into());
        }
        if let Some(f) = &ix.predicate {
            a.push(format!("filter: {}", lit(&f.sql)));
        }
        if ix.parts.iter().any(|p| p.descending) {
            let flags: Vec<&str> = ix
                .parts
                .iter()
                .map(|p| if p.descending { "true" } else { "false" })
                .collect();
            a.push(format!("descending: new[] {{ {} }}", flags.join(", ")));
        }
        self.call_annotated("CreateIndex", a, &ann);
    }
}

/// The columns of an index `CreateIndex`/`HasIndex` can describe.
pub(crate) fn plain_cols(ix: &migrex_model::Index, dialect: Dialect) -> Option<Vec<String>> {
    let plain = ix.include.is_empty()
        && !ix.nulls_not_distinct
        && ix.method.as_deref().is_none_or(|m| m == "btree")
        && (dialect != Dialect::Mysql
            || (ix.predicate.is_none() && ix.parts.iter().all(|p| !p.descending)));
    if !plain {
        return None;
    }
    ix.parts
        .iter()
        .map(|p| match &p.key {
            migrex_model::IndexKey::Column(c)
                if p.collation.is_none()
                    && p.opclass.is_none()
                    && p.nulls_first.is_none()
                    && (p.prefix_len.is_none() || dialect == Dialect::Mysql) =>
            {
                Some(c.clone())
            }
            _ => None,
        })
        .collect()
}

/// The `Up` (or `Down`) body: `to` is the schema the plan leads to; `initial` writes Pomelo's
/// `AlterDatabase().Annotation("MySql:CharSet", "utf8mb4")` of a project's first migration.
fn operations(
    plan: &Plan,
    dialect: Dialect,
    to: &Schema,
    initial: bool,
) -> Result<String, WriteError> {
    let sql = migrex_render_sql::render_plan(plan)?;
    let mut ops = Ops {
        dialect,
        out: String::new(),
        sql,
        default_ns: match dialect {
            Dialect::Postgres => "public",
            Dialect::Sqlite => "main",
            Dialect::Mysql => "",
        },
        to,
    };
    if initial && dialect == Dialect::Mysql {
        ops.out.push_str(
            "            migrationBuilder.AlterDatabase()\n                .Annotation(\"MySql:CharSet\", \"utf8mb4\");\n\n",
        );
    }
    for s in &plan.steps {
        ops.step(s.id, &s.change);
    }
    Ok(ops.out.trim_end().to_string())
}

fn usings(extra: &[&str], dialect: Dialect, ns: &str) -> String {
    let mut u: Vec<String> = vec!["System".into()];
    if !ns.is_empty() {
        u.push(ns.to_string());
    }
    u.extend(extra.iter().map(|s| s.to_string()));
    if dialect == Dialect::Postgres {
        u.push("Npgsql.EntityFrameworkCore.PostgreSQL.Metadata".into());
    }
    if dialect == Dialect::Mysql {
        // MySqlValueGenerationStrategy.
        u.push("Microsoft.EntityFrameworkCore.Metadata".into());
    }
    u.sort_by(|a, b| {
        let sys = |s: &str| !s.starts_with("System");
        (sys(a), a.as_str()).cmp(&(sys(b), b.as_str()))
    });
    u.dedup();
    u.iter().map(|s| format!("using {s};\n")).collect()
}

pub struct Context {
    pub name: String,
    pub namespace: String,
    pub migrations_dir: PathBuf,
    pub entities: Vec<(String, String)>,
    /// The EF Core version the project's snapshot was written by (kept in the new one).
    pub product_version: Option<String>,
}

fn context(input: &MigrationInput) -> Context {
    let m = ef_models(input.to_project).or(ef_models(input.from_project));
    match m {
        Some(m) => Context {
            name: m.context.clone(),
            namespace: m.namespace.clone(),
            migrations_dir: m.migrations_dir.clone(),
            entities: m.entities.clone(),
            product_version: m.product_version.clone(),
        },
        None => Context {
            name: "AppDbContext".into(),
            namespace: "App".into(),
            migrations_dir: PathBuf::from("Migrations"),
            entities: vec![],
            product_version: None,
        },
    }
}

fn timestamp(now: i64) -> String {
    let u = Utc::of(now);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        u.year, u.month, u.day, u.hour, u.minute, u.second
    )
}

pub fn model_body(schema: &Schema, ctx: &Context) -> Result<String, WriteError> {
    let naming = Naming {
        namespace: if ctx.namespace.is_empty() {
            "App".into()
        } else {
            ctx.namespace.clone()
        },
        known: &ctx.entities,
    };
    let version = ctx.product_version.as_deref().unwrap_or(PRODUCT_VERSION);
    snapshot::build_model(schema, &naming, version)
}

impl Writer for EfcoreWriter {
    fn write_migration(&self, input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError> {
        let dialect = input.up.dialect;
        let ctx = context(input);
        let mig_ns = if ctx.namespace.is_empty() {
            "Migrations".to_string()
        } else {
            format!("{}.Migrations", ctx.namespace)
        };
        // Ids sort as strings: the new one must come after the last.
        let mut ts = timestamp(input.now);
        let existing: Vec<String> = input
            .to_project
            .or(input.from_project)
            .map(|p| p.history.migrations.clone())
            .unwrap_or_default();
        if let Some(last) = existing.last() {
            let prefix: String = last.chars().take_while(char::is_ascii_digit).collect();
            if prefix.len() == 14
                && prefix >= ts
                && let Ok(n) = prefix.parse::<u64>()
            {
                ts = format!("{:014}", n + 1);
            }
        }
        let raw = input.name.unwrap_or("Migrex");
        // EF refuses two migrations with one class name: number a repeated name.
        let mut class = class_ident(raw);
        let taken = |c: &str| {
            existing
                .iter()
                .any(|id| id.split_once('_').is_some_and(|(_, n)| class_ident(n) == c))
        };
        if taken(&class) {
            let mut n = 1;
            while taken(&format!("{class}{n}")) {
                n += 1;
            }
            class = format!("{class}{n}");
        }
        let id = format!("{ts}_{raw}");
        // A project's first migration (no history, nothing in the database yet).
        let initial = existing.is_empty() && input.from.tables().next().is_none();
        let up = operations(input.up, dialect, input.to, initial)?;
        let down = operations(input.down, dialect, input.from, false)?;
        let body = model_body(input.to, &ctx)?;
        let provider_using: &[&str] = &["Microsoft.EntityFrameworkCore.Migrations"];
        let migration = format!(
            "{}\n#nullable disable\n\nnamespace {mig_ns}\n{{\n    /// <inheritdoc />\n    public partial class {class} : Migration\n    {{\n        /// <inheritdoc />\n        protected override void Up(MigrationBuilder migrationBuilder)\n        {{\n{up}\n        }}\n\n        /// <inheritdoc />\n        protected override void Down(MigrationBuilder migrationBuilder)\n        {{\n{down}\n        }}\n    }}\n}}\n",
            usings(provider_using, dialect, ""),
        );
        let model_usings = [
            "Microsoft.EntityFrameworkCore",
            "Microsoft.EntityFrameworkCore.Infrastructure",
            "Microsoft.EntityFrameworkCore.Storage.ValueConversion",
        ];
        let mut designer_usings = model_usings.to_vec();
        designer_usings.push("Microsoft.EntityFrameworkCore.Migrations");
        let designer = format!(
            "// <auto-generated />\n{}\n#nullable disable\n\nnamespace {mig_ns}\n{{\n    [DbContext(typeof({ctxn}))]\n    [Migration({idl})]\n    partial class {class}\n    {{\n        /// <inheritdoc />\n        protected override void BuildTargetModel(ModelBuilder modelBuilder)\n        {{\n#pragma warning disable 612, 618\n{body}#pragma warning restore 612, 618\n        }}\n    }}\n}}\n",
            usings(&designer_usings, dialect, &ctx.namespace),
            ctxn = ctx.name,
            idl = lit(&id),
        );
        let snapshot = format!(
            "// <auto-generated />\n{}\n#nullable disable\n\nnamespace {mig_ns}\n{{\n    [DbContext(typeof({ctxn}))]\n    partial class {ctxn}ModelSnapshot : ModelSnapshot\n    {{\n        protected override void BuildModel(ModelBuilder modelBuilder)\n        {{\n#pragma warning disable 612, 618\n{body}#pragma warning restore 612, 618\n        }}\n    }}\n}}\n",
            usings(&model_usings, dialect, &ctx.namespace),
            ctxn = ctx.name,
        );
        let dir = &ctx.migrations_dir;
        Ok(vec![
            OutputFile {
                path: dir.join(format!("{id}.cs")),
                contents: migration,
            },
            OutputFile {
                path: dir.join(format!("{id}.Designer.cs")),
                contents: designer,
            },
            OutputFile {
                path: dir.join(format!("{}ModelSnapshot.cs", ctx.name)),
                contents: snapshot,
            },
        ])
    }

    /// EF Core rewrites `<Context>ModelSnapshot.cs` with every migration it adds.
    fn replaces(&self, path: &Path) -> bool {
        path.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with("ModelSnapshot.cs"))
    }

    fn write_models(&self, schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
        models::write(schema)
    }
}
