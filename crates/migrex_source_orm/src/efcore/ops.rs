//! The SQL a migration's `Up`/`Down` stands for: each `MigrationBuilder` operation
//! (`CreateTable`, `AddColumn<T>`, `CreateIndex`, `Sql`, ...) rendered as the provider's
//! migrations SQL generator writes it (SQLite, Npgsql, Pomelo's MySQL generator with its
//! `MySql:` annotations). Operations SQLite can only do by a table rebuild (`AlterColumn`,
//! `AddForeignKey`, ...) and data operations are refused with their position.

use super::cs::{Arg, Class, Expr, Pos, Sources, Stmt};
use super::ddl::{RCol, RFk, RIndex, RTable, column_sql, index_sql, mysql_lit, schema_sql};
use super::model::Delete;
use crate::OrmError;
use migrex_model::Dialect;

struct Ctx<'a> {
    src: &'a Sources,
    file: usize,
    dialect: Dialect,
}

/// `.Annotation("Key", value)` calls chained on an operation.
type Annotations<'e> = [&'e Expr];

fn annotation<'e>(annotations: &Annotations<'e>, key: &str) -> Option<&'e Expr> {
    annotations.iter().find_map(|a| match a {
        Expr::Call { name, args, .. } if name == "Annotation" => {
            match (args.first().map(|x| &x.value), args.get(1)) {
                (Some(Expr::Str(k, _)), Some(v)) if k == key => Some(&v.value),
                _ => None,
            }
        }
        _ => None,
    })
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn arg<'e>(args: &'e [Arg], name: &str, index: usize) -> Option<&'e Expr> {
    args.iter()
        .find(|a| a.name.as_deref() == Some(name))
        .or_else(|| {
            args.get(index)
                .filter(|a| a.name.is_none() && args[..index].iter().all(|b| b.name.is_none()))
        })
        .map(|a| &a.value)
}

impl Ctx<'_> {
    fn err(&self, pos: Pos, msg: impl Into<String>) -> OrmError {
        self.src.err(self.file, pos, msg.into())
    }

    fn q(&self, name: &str) -> String {
        super::ddl::q(self.dialect, name)
    }

    fn lit(&self, s: &str) -> String {
        if self.dialect == Dialect::Mysql {
            mysql_lit(s)
        } else {
            lit(s)
        }
    }

    fn str(&self, args: &[Arg], name: &str, index: usize, pos: Pos) -> Result<String, OrmError> {
        match arg(args, name, index) {
            Some(Expr::Str(s, _)) => Ok(s.clone()),
            Some(o) => Err(self.err(o.pos(), format!("`{name}` must be a string literal"))),
            None => Err(self.err(pos, format!("missing `{name}:`"))),
        }
    }

    fn opt_str(&self, args: &[Arg], name: &str) -> Result<Option<String>, OrmError> {
        match arg(args, name, usize::MAX) {
            Some(Expr::Str(s, _)) => Ok(Some(s.clone())),
            Some(Expr::Null(_)) | None => Ok(None),
            Some(o) => Err(self.err(o.pos(), format!("`{name}` must be a string literal"))),
        }
    }

    fn bool(&self, args: &[Arg], name: &str) -> bool {
        matches!(arg(args, name, usize::MAX), Some(Expr::Bool(true, _)))
    }

    fn qt(&self, schema: &Option<String>, name: &str) -> String {
        match schema {
            Some(s) if self.dialect == Dialect::Postgres => {
                format!("{}.{}", self.q(s), self.q(name))
            }
            _ => self.q(name),
        }
    }

    /// `"A"` or `new[] { "A", "B" }` from `column:`/`columns:`.
    fn names(&self, args: &[Arg], one: &str, many: &str) -> Result<Vec<String>, OrmError> {
        match arg(args, one, usize::MAX).or(arg(args, many, usize::MAX)) {
            Some(Expr::Str(s, _)) => Ok(vec![s.clone()]),
            Some(Expr::Array(items, _)) => items
                .iter()
                .map(|i| match i {
                    Expr::Str(s, _) => Ok(s.clone()),
                    o => Err(self.err(o.pos(), "expected a column name")),
                })
                .collect(),
            Some(o) => Err(self.err(o.pos(), "expected column names")),
            None => Ok(vec![]),
        }
    }

    /// `x => x.A` / `x => new { x.A, x.B }` against the anonymous type's members.
    fn selector(&self, e: &Expr, members: &[(String, String)]) -> Result<Vec<String>, OrmError> {
        let Expr::Lambda { body, pos, .. } = e else {
            return Err(self.err(e.pos(), "expected a column selector"));
        };
        let Some(Stmt::Return(b)) = body.first() else {
            return Err(self.err(*pos, "expected a column selector"));
        };
        let items: Vec<&Expr> = match b {
            Expr::Anon(items, _) => items.iter().collect(),
            e => vec![e],
        };
        items
            .into_iter()
            .map(|i| match i {
                Expr::Member(_, m, p) => members
                    .iter()
                    .find(|(mm, _)| mm == m.trim_start_matches('@'))
                    .map(|(_, c)| c.clone())
                    .ok_or_else(|| self.err(*p, format!("no column `{m}`"))),
                o => Err(self.err(o.pos(), "expected x.Column")),
            })
            .collect()
    }

    fn literal(&self, e: &Expr) -> Result<String, OrmError> {
        Ok(match e {
            Expr::Str(s, _) => lit(s),
            Expr::Int(v, _) => v.to_string(),
            Expr::Real(v, _) => v.clone(),
            Expr::Bool(b, _) => match (self.dialect, b) {
                (Dialect::Postgres, true) => "TRUE".into(),
                (Dialect::Postgres, false) => "FALSE".into(),
                (_, true) => "1".into(),
                (_, false) => "0".into(),
            },
            Expr::Null(_) => "NULL".into(),
            o => return Err(self.err(o.pos(), "unsupported default value (use defaultValueSql)")),
        })
    }

    fn column(
        &self,
        name: &str,
        args: &[Arg],
        annotations: &Annotations,
        pos: Pos,
    ) -> Result<RCol, OrmError> {
        let ty = self.str(args, "type", usize::MAX, pos)?;
        let nullable = !matches!(
            arg(args, "nullable", usize::MAX),
            Some(Expr::Bool(false, _))
        );
        let mysql = self.dialect == Dialect::Mysql;
        let mut default = match (
            arg(args, "defaultValueSql", usize::MAX),
            arg(args, "defaultValue", usize::MAX),
        ) {
            (Some(Expr::Str(s, _)), _) if mysql => Some(s.clone()),
            (Some(Expr::Str(s, _)), _) => Some(format!("({s})")),
            (_, Some(v)) => Some(self.literal(v)?),
            _ => None,
        };
        let (mut charset, mut collation, mut on_update, mut mysql_autoinc) =
            (None, None, None, false);
        if mysql {
            // Pomelo's ColumnDefinition: the value generation strategy, the charset
            // annotation and the collation after the type; no DEFAULT on text/blob/json.
            let lower = ty.to_ascii_lowercase();
            let base: String = lower
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let len = lower
                .split_once('(')
                .and_then(|(_, r)| r.split_once(')'))
                .map(|(l, _)| l.trim().to_string())
                .unwrap_or_default();
            let strategy = match annotation(annotations, "MySql:ValueGenerationStrategy") {
                Some(Expr::Member(_, v, _)) => Some(v.as_str()),
                _ => None,
            };
            let datetime = matches!(base.as_str(), "datetime" | "timestamp");
            if strategy == Some("IdentityColumn") && default.is_none() {
                if matches!(
                    base.as_str(),
                    "tinyint" | "smallint" | "mediumint" | "int" | "bigint"
                ) {
                    mysql_autoinc = true;
                } else if datetime {
                    default = Some(format!("CURRENT_TIMESTAMP({len})"));
                }
            }
            if strategy == Some("ComputedColumn") && datetime {
                if default.is_none() {
                    default = Some(format!("CURRENT_TIMESTAMP({len})"));
                }
                on_update = Some(format!("CURRENT_TIMESTAMP({len})"));
            }
            if ["blob", "text", "json"].iter().any(|k| lower.contains(k)) {
                default = None;
            }
            if !lower.contains("json") {
                charset = match annotation(annotations, "MySql:CharSet") {
                    Some(Expr::Str(c, _)) => Some(c.clone()),
                    _ => None,
                };
                collation = self.opt_str(args, "collation")?;
            }
        }
        let mut autoinc = false;
        let mut identity = false;
        for a in annotations {
            if let Expr::Call { name, args, .. } = a
                && name == "Annotation"
            {
                match args.first().map(|x| &x.value) {
                    Some(Expr::Str(k, _)) if k == "Sqlite:Autoincrement" => autoinc = true,
                    Some(Expr::Str(k, _)) if k == "Npgsql:ValueGenerationStrategy" => {
                        identity = matches!(args.get(1).map(|x| &x.value), Some(Expr::Member(_, v, _)) if v.starts_with("Identity"))
                    }
                    _ => {}
                }
            }
        }
        Ok(RCol {
            name: name.to_string(),
            ty,
            nullable,
            default,
            autoinc: (autoinc && self.dialect == Dialect::Sqlite) || mysql_autoinc,
            identity: identity && self.dialect == Dialect::Postgres,
            comment: self.opt_str(args, "comment")?,
            charset,
            collation,
            on_update,
        })
    }

    fn delete(&self, args: &[Arg]) -> Delete {
        match arg(args, "onDelete", usize::MAX) {
            Some(Expr::Member(_, v, _)) => match v.as_str() {
                "Cascade" => Delete::Cascade,
                "SetNull" => Delete::SetNull,
                "Restrict" => Delete::Restrict,
                _ => Delete::NoAction,
            },
            _ => Delete::NoAction,
        }
    }

    fn create_table(
        &self,
        args: &[Arg],
        table_annotations: &Annotations,
        pos: Pos,
    ) -> Result<String, OrmError> {
        let name = self.str(args, "name", 0, pos)?;
        let schema = self.opt_str(args, "schema")?;
        let Some(Expr::Lambda { body, .. }) = arg(args, "columns", usize::MAX) else {
            return Err(self.err(pos, "CreateTable needs `columns: table => new { ... }`"));
        };
        let Some(Stmt::Return(Expr::Anon(items, _))) = body.first() else {
            return Err(self.err(pos, "CreateTable columns must be `table => new { ... }`"));
        };
        let mut members = vec![];
        let mut columns = vec![];
        let mut it = items.iter();
        while let Some(m) = it.next() {
            let Expr::Ident(member, _) = m else {
                return Err(self.err(m.pos(), "expected `Name = table.Column<T>(...)`"));
            };
            let Some(mut call) = it.next() else {
                return Err(self.err(m.pos(), "a column without its definition"));
            };
            // `.Annotation(...)` calls wrap the `table.Column<T>(...)` call.
            let mut annotations = vec![];
            while let Expr::Call {
                target: Some(t),
                name,
                ..
            } = call
                && name != "Column"
            {
                annotations.push(call);
                call = t;
            }
            let Expr::Call {
                name: n,
                args: cargs,
                pos: cpos,
                ..
            } = call
            else {
                return Err(self.err(call.pos(), "expected table.Column<T>(...)"));
            };
            if n != "Column" {
                return Err(self.err(*cpos, "expected table.Column<T>(...)"));
            }
            let col_name = self
                .opt_str(cargs, "name")?
                .unwrap_or_else(|| member.trim_start_matches('@').to_string());
            members.push((member.trim_start_matches('@').to_string(), col_name.clone()));
            columns.push(self.column(&col_name, cargs, &annotations, *cpos)?);
        }
        let mut t = RTable {
            name: name.clone(),
            schema: schema.clone(),
            columns,
            pk: None,
            uniques: vec![],
            fks: vec![],
            checks: vec![],
            indexes: vec![],
            comment: self.opt_str(args, "comment")?,
            charset: match annotation(table_annotations, "MySql:CharSet") {
                Some(Expr::Str(c, _)) if self.dialect == Dialect::Mysql => Some(c.clone()),
                _ => None,
            },
            collation: match annotation(table_annotations, "Relational:Collation") {
                Some(Expr::Str(c, _)) if self.dialect == Dialect::Mysql => Some(c.clone()),
                _ => None,
            },
            origin: String::new(),
        };
        if let Some(Expr::Lambda { body, .. }) = arg(args, "constraints", usize::MAX) {
            for s in body {
                let (Stmt::Expr(Expr::Call {
                    name: op,
                    args: a,
                    pos: p,
                    ..
                })
                | Stmt::Return(Expr::Call {
                    name: op,
                    args: a,
                    pos: p,
                    ..
                })) = s
                else {
                    return Err(self.err(pos, "unsupported statement in constraints"));
                };
                match op.as_str() {
                    "PrimaryKey" => {
                        let n = self.str(a, "name", 0, *p)?;
                        let cols = self.selector(
                            arg(a, "columns", 1).ok_or_else(|| self.err(*p, "columns"))?,
                            &members,
                        )?;
                        t.pk = Some((n, cols));
                    }
                    "UniqueConstraint" => {
                        let n = self.str(a, "name", 0, *p)?;
                        let cols = self.selector(
                            arg(a, "columns", 1).ok_or_else(|| self.err(*p, "columns"))?,
                            &members,
                        )?;
                        t.uniques.push((n, cols));
                    }
                    "CheckConstraint" => {
                        let n = self.str(a, "name", 0, *p)?;
                        let sql = self.str(a, "sql", 1, *p)?;
                        t.checks.push((n, sql));
                    }
                    "ForeignKey" => {
                        let n = self.str(a, "name", 0, *p)?;
                        let cols = self.selector(
                            arg(a, "column", 1)
                                .or(arg(a, "columns", 1))
                                .ok_or_else(|| self.err(*p, "column"))?,
                            &members,
                        )?;
                        let ref_table = self.str(a, "principalTable", usize::MAX, *p)?;
                        let ref_schema = self.opt_str(a, "principalSchema")?;
                        let ref_cols = self.names(a, "principalColumn", "principalColumns")?;
                        t.fks.push(RFk {
                            name: n,
                            cols,
                            ref_table,
                            ref_schema: ref_schema.filter(|_| self.dialect == Dialect::Postgres),
                            ref_cols,
                            on_delete: self.delete(a),
                        });
                    }
                    o => return Err(self.err(*p, format!("unsupported table constraint `{o}`"))),
                }
            }
        }
        if self.dialect != Dialect::Postgres {
            t.schema = None;
        }
        // On PostgreSQL and MySQL the foreign keys come as ALTER TABLE right after the table
        // (the principal tables exist already, as EF orders CreateTable by dependency).
        Ok(schema_sql(std::slice::from_ref(&t), self.dialect))
    }

    fn op(
        &self,
        name: &str,
        generics: bool,
        args: &[Arg],
        annotations: &Annotations,
        pos: Pos,
    ) -> Result<String, OrmError> {
        let d = self.dialect;
        let mysql = d == Dialect::Mysql;
        let pg_only = |what: &str| -> Result<String, OrmError> {
            Err(self.err(
                pos,
                format!("`{what}` on SQLite is a table rebuild EF performs itself; migrex does not replay it"),
            ))
        };
        let table = |c: &Self| -> Result<String, OrmError> {
            Ok(c.qt(
                &c.opt_str(args, "schema")?,
                &c.str(args, "table", usize::MAX, pos)?,
            ))
        };
        let q = |n: &str| self.q(n);
        Ok(match name {
            "Sql" => {
                let s = self.str(args, "sql", 0, pos)?;
                let s = s.trim_end();
                if s.ends_with(';') {
                    format!("{s}\n")
                } else {
                    format!("{s};\n")
                }
            }
            "CreateTable" => self.create_table(args, annotations, pos)?,
            "DropTable" => format!(
                "DROP TABLE {};\n",
                self.qt(
                    &self.opt_str(args, "schema")?,
                    &self.str(args, "name", 0, pos)?
                )
            ),
            "EnsureSchema" if d == Dialect::Postgres => format!(
                "CREATE SCHEMA IF NOT EXISTS {};\n",
                q(&self.str(args, "name", 0, pos)?)
            ),
            "DropSchema" if d == Dialect::Postgres => {
                format!("DROP SCHEMA {};\n", q(&self.str(args, "name", 0, pos)?))
            }
            "EnsureSchema" | "DropSchema" => String::new(),
            // Pomelo: `AlterDatabase().Annotation("MySql:CharSet", "utf8mb4")` in a project's
            // first migration.
            "AlterDatabase" if mysql => match (
                annotation(annotations, "Relational:Collation"),
                annotation(annotations, "MySql:CharSet"),
            ) {
                (Some(Expr::Str(c, _)), _) => format!("ALTER DATABASE COLLATE {c};\n"),
                (_, Some(Expr::Str(c, _))) => format!("ALTER DATABASE CHARACTER SET {c};\n"),
                _ => String::new(),
            },
            "RenameTable" => {
                let schema = self.opt_str(args, "schema")?;
                let old = self.qt(&schema, &self.str(args, "name", 0, pos)?);
                let new = self.str(args, "newName", usize::MAX, pos)?;
                if mysql {
                    format!("ALTER TABLE {old} RENAME {};\n", q(&new))
                } else {
                    format!("ALTER TABLE {old} RENAME TO {};\n", q(&new))
                }
            }
            "AddColumn" if generics => {
                let c = self.column(&self.str(args, "name", 0, pos)?, args, annotations, pos)?;
                let mut s = if mysql {
                    format!("ALTER TABLE {} ADD {}", table(self)?, column_sql(&c, d))
                } else {
                    let mut s = format!("ALTER TABLE {} ADD {} {}", table(self)?, q(&c.name), c.ty);
                    s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
                    if let Some(df) = &c.default {
                        s.push_str(&format!(" DEFAULT {df}"));
                    }
                    s
                };
                s.push_str(";\n");
                if let (Some(cm), Dialect::Postgres) = (&c.comment, d) {
                    s.push_str(&format!(
                        "COMMENT ON COLUMN {}.{} IS {};\n",
                        table(self)?,
                        q(&c.name),
                        lit(cm)
                    ));
                }
                s
            }
            "DropColumn" => format!(
                "ALTER TABLE {} DROP COLUMN {};\n",
                table(self)?,
                q(&self.str(args, "name", 0, pos)?)
            ),
            "RenameColumn" => format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {};\n",
                table(self)?,
                q(&self.str(args, "name", 0, pos)?),
                q(&self.str(args, "newName", usize::MAX, pos)?)
            ),
            "AlterColumn" if d == Dialect::Sqlite => return pg_only("AlterColumn"),
            // Pomelo: the whole new definition.
            "AlterColumn" if mysql => {
                let c = self.column(&self.str(args, "name", 0, pos)?, args, annotations, pos)?;
                format!(
                    "ALTER TABLE {} MODIFY COLUMN {};\n",
                    table(self)?,
                    column_sql(&c, d)
                )
            }
            "AlterColumn" => {
                let t = table(self)?;
                let c = self.column(&self.str(args, "name", 0, pos)?, args, &[], pos)?;
                let col = q(&c.name);
                let mut s = format!("ALTER TABLE {t} ALTER COLUMN {col} TYPE {};\n", c.ty);
                s.push_str(&format!(
                    "ALTER TABLE {t} ALTER COLUMN {col} {};\n",
                    if c.nullable {
                        "DROP NOT NULL"
                    } else {
                        "SET NOT NULL"
                    }
                ));
                match &c.default {
                    Some(df) => s.push_str(&format!(
                        "ALTER TABLE {t} ALTER COLUMN {col} SET DEFAULT {df};\n"
                    )),
                    None => s.push_str(&format!(
                        "ALTER TABLE {t} ALTER COLUMN {col} DROP DEFAULT;\n"
                    )),
                }
                let old_comment = self.opt_str(args, "oldComment")?;
                if c.comment != old_comment {
                    let v = c
                        .comment
                        .as_deref()
                        .map(lit)
                        .unwrap_or_else(|| "NULL".into());
                    s.push_str(&format!("COMMENT ON COLUMN {t}.{col} IS {v};\n"));
                }
                s
            }
            "CreateIndex" => {
                let schema = self.opt_str(args, "schema")?;
                let tname = self.str(args, "table", usize::MAX, pos)?;
                let cols = self.names(args, "column", "columns")?;
                let desc = match arg(args, "descending", usize::MAX) {
                    Some(Expr::Array(items, _)) => items
                        .iter()
                        .map(|i| matches!(i, Expr::Bool(true, _)))
                        .collect(),
                    _ => vec![],
                };
                let prefix = match annotation(annotations, "MySql:IndexPrefixLength") {
                    Some(Expr::Array(items, _)) => items
                        .iter()
                        .map(|i| match i {
                            Expr::Int(n, _) => Ok(*n),
                            o => Err(self.err(o.pos(), "expected an integer prefix length")),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    _ => vec![],
                };
                let t = RTable {
                    name: tname,
                    schema: schema.filter(|_| d == Dialect::Postgres),
                    columns: vec![],
                    pk: None,
                    uniques: vec![],
                    fks: vec![],
                    checks: vec![],
                    indexes: vec![],
                    comment: None,
                    charset: None,
                    collation: None,
                    origin: String::new(),
                };
                let ix = RIndex {
                    name: self.str(args, "name", 0, pos)?,
                    cols,
                    unique: self.bool(args, "unique"),
                    filter: self.opt_str(args, "filter")?,
                    desc,
                    method: None,
                    prefix,
                };
                index_sql(&t, &ix, d)
            }
            "DropIndex" if mysql => format!(
                "ALTER TABLE {} DROP INDEX {};\n",
                table(self)?,
                q(&self.str(args, "name", 0, pos)?)
            ),
            "DropIndex" => {
                let schema = self.opt_str(args, "schema")?;
                format!(
                    "DROP INDEX {};\n",
                    self.qt(&schema, &self.str(args, "name", 0, pos)?)
                )
            }
            "RenameIndex" if mysql => format!(
                "ALTER TABLE {} RENAME INDEX {} TO {};\n",
                table(self)?,
                q(&self.str(args, "name", 0, pos)?),
                q(&self.str(args, "newName", usize::MAX, pos)?)
            ),
            "RenameIndex" if d == Dialect::Postgres => {
                let schema = self.opt_str(args, "schema")?;
                format!(
                    "ALTER INDEX {} RENAME TO {};\n",
                    self.qt(&schema, &self.str(args, "name", 0, pos)?),
                    q(&self.str(args, "newName", usize::MAX, pos)?)
                )
            }
            "AddForeignKey"
            | "DropForeignKey"
            | "AddUniqueConstraint"
            | "DropUniqueConstraint"
            | "AddCheckConstraint"
            | "DropCheckConstraint"
            | "AddPrimaryKey"
            | "DropPrimaryKey"
            | "RenameIndex"
                if d == Dialect::Sqlite =>
            {
                return pg_only(name);
            }
            "AddForeignKey" => {
                let cols = self.names(args, "column", "columns")?;
                let ref_cols = self.names(args, "principalColumn", "principalColumns")?;
                let rs = self.opt_str(args, "principalSchema")?;
                let action = match self.delete(args) {
                    Delete::Cascade => " ON DELETE CASCADE",
                    Delete::SetNull => " ON DELETE SET NULL",
                    Delete::Restrict => " ON DELETE RESTRICT",
                    _ => "",
                };
                format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){action};\n",
                    table(self)?,
                    q(&self.str(args, "name", 0, pos)?),
                    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
                    self.qt(&rs, &self.str(args, "principalTable", usize::MAX, pos)?),
                    ref_cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
                )
            }
            "AddUniqueConstraint" | "AddPrimaryKey" => {
                let cols = self.names(args, "column", "columns")?;
                format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} {} ({});\n",
                    table(self)?,
                    q(&self.str(args, "name", 0, pos)?),
                    if name == "AddPrimaryKey" {
                        "PRIMARY KEY"
                    } else {
                        "UNIQUE"
                    },
                    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
                )
            }
            "AddCheckConstraint" => format!(
                "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({});\n",
                table(self)?,
                q(&self.str(args, "name", 0, pos)?),
                self.str(args, "sql", usize::MAX, pos)?
            ),
            // Pomelo's forms of the drops.
            "DropForeignKey" if mysql => format!(
                "ALTER TABLE {} DROP FOREIGN KEY {};\n",
                table(self)?,
                q(&self.str(args, "name", 0, pos)?)
            ),
            "DropUniqueConstraint" if mysql => format!(
                "ALTER TABLE {} DROP KEY {};\n",
                table(self)?,
                q(&self.str(args, "name", 0, pos)?)
            ),
            "DropPrimaryKey" if mysql => {
                format!("ALTER TABLE {} DROP PRIMARY KEY;\n", table(self)?)
            }
            "DropForeignKey"
            | "DropUniqueConstraint"
            | "DropCheckConstraint"
            | "DropPrimaryKey" => format!(
                "ALTER TABLE {} DROP CONSTRAINT {};\n",
                table(self)?,
                q(&self.str(args, "name", 0, pos)?)
            ),
            // Pomelo: a table comment change is `ALTER TABLE ... COMMENT '...'`.
            "AlterTable" if mysql => match self.opt_str(args, "comment")? {
                Some(c) => format!(
                    "ALTER TABLE {} COMMENT {};\n",
                    self.qt(&None, &self.str(args, "name", 0, pos)?),
                    self.lit(&c)
                ),
                None if self.opt_str(args, "oldComment")?.is_some() => format!(
                    "ALTER TABLE {} COMMENT '';\n",
                    self.qt(&None, &self.str(args, "name", 0, pos)?)
                ),
                None => String::new(),
            },
            other => {
                return Err(self.err(
                    pos,
                    format!("migration operation `{other}` is not replayed by migrex"),
                ));
            }
        })
    }
}

/// The SQL of a migration class's `Up` (or `Down`) for `dialect`.
pub fn method_sql(
    src: &Sources,
    class: &Class,
    method: &str,
    dialect: Dialect,
) -> Result<String, OrmError> {
    let Some(m) = class.methods.iter().find(|m| m.name == method) else {
        return Err(src.err(
            class.file,
            class.pos,
            format!("`{}` has no {method} method", class.name),
        ));
    };
    let builder = m.params.first().map(|p| p.1.clone()).unwrap_or_default();
    let ctx = Ctx {
        src,
        file: class.file,
        dialect,
    };
    let mut sql = String::new();
    for s in &m.body {
        // `.Annotation(...)`/`.OldAnnotation(...)` chained on the operation (Pomelo's
        // `MySql:CharSet`, `MySql:ValueGenerationStrategy`, ...).
        let mut annotations: Vec<&Expr> = vec![];
        let mut cur = match s {
            Stmt::Expr(e) => Some(e),
            _ => None,
        };
        while let Some(Expr::Call {
            target: Some(t),
            name,
            ..
        }) = cur
            && matches!(name.as_str(), "Annotation" | "OldAnnotation")
        {
            if name == "Annotation" {
                annotations.push(cur.expect("a call"));
            }
            cur = Some(&**t);
        }
        match (s, cur) {
            (
                Stmt::Expr(_),
                Some(Expr::Call {
                    target: Some(t),
                    name,
                    generics,
                    args,
                    pos,
                }),
            ) if matches!(&**t, Expr::Ident(b, _) if *b == builder) => {
                sql.push_str(&ctx.op(name, !generics.is_empty(), args, &annotations, *pos)?);
            }
            (Stmt::Expr(e) | Stmt::Return(e), _) => {
                return Err(ctx.err(e.pos(), "expected a migrationBuilder operation"));
            }
            (Stmt::Let(_, e), _) => {
                return Err(ctx.err(e.pos(), "expected a migrationBuilder operation"));
            }
            (Stmt::Other(t, p), _) => {
                return Err(ctx.err(
                    *p,
                    format!(
                        "unsupported statement `{}`",
                        t.lines().next().unwrap_or_default()
                    ),
                ));
            }
        }
    }
    Ok(sql)
}

/// The SQL of every `[Migration]` class's `Up` in the folder's files, by id order.
pub fn files_sql(
    paths: &[std::path::PathBuf],
    method: &str,
    dialect: Dialect,
) -> Result<Vec<(String, String)>, OrmError> {
    let src = super::sources(paths)?;
    let mut out = vec![];
    for c in &src.classes {
        if !c.bases.iter().any(|b| b.name == "Migration") {
            continue;
        }
        // The id is on the Designer's half of the partial class.
        let id = src
            .classes
            .iter()
            .filter(|o| o.name == c.name && o.namespace == c.namespace)
            .find_map(super::migration_id)
            .unwrap_or_else(|| c.name.clone());
        out.push((id, method_sql(&src, c, method, dialect)?));
    }
    out.sort();
    Ok(out)
}
