//! Plan steps as Alembic operations (`op.create_table`, `op.add_column`, ... and
//! `op.batch_alter_table` blocks on SQLite), with `op.execute` of the plan's own SQL for what
//! Alembic has no operation for (enums, views, functions, data steps, SQLite rebuilds).

use super::types::{key_constraints, model_type, schema_type};
use crate::WriteError;
use migrex_model::{
    Change, Check, Column, Dialect, FkAction, ForeignKey, Identity, Index, IndexKey, OnlineOp,
    Plan, QualifiedName, Schema, Step, UniqueConstraint,
};
use migrex_source_orm::sqlalchemy::Models;
use migrex_source_orm::sqlalchemy::model::py_str;

/// What the operations are written against.
pub struct Cx<'a> {
    pub dialect: Dialect,
    /// The schema the plan ends at (types of enum columns) and the models, when the target is
    /// a SQLAlchemy project.
    pub to: &'a Schema,
    pub models: Option<&'a Models>,
    /// Whether `from sqlalchemy.dialects import postgresql` is needed.
    pub uses_postgresql: std::cell::Cell<bool>,
}

/// One rendered block of the function body.
enum Block {
    /// Plain lines at function level.
    Lines(Vec<String>),
    /// Lines inside `with op.batch_alter_table(table) as batch_op:`.
    Batch {
        table: QualifiedName,
        lines: Vec<String>,
    },
    /// Lines inside `with op.get_context().autocommit_block():`.
    Autocommit(Vec<String>),
    /// Lines inside `with op.batch_alter_table(table, recreate="always") as batch_op:`.
    Rebuild {
        table: QualifiedName,
        lines: Vec<String>,
    },
}

impl Cx<'_> {
    fn schema_kw(&self, qn: &QualifiedName) -> String {
        if qn.namespace.is_empty() || qn.namespace == self.dialect.default_namespace() {
            String::new()
        } else {
            format!(", schema={}", py_str(&qn.namespace))
        }
    }

    fn note(&self, s: &str) -> String {
        if s.contains("postgresql.") {
            self.uses_postgresql.set(true);
        }
        s.to_string()
    }

    /// The `sa.*` type of a column: the target model's, else mapped from the schema.
    fn col_type(&self, table: &QualifiedName, c: &Column) -> Result<String, WriteError> {
        let model = self
            .models
            .and_then(|m| m.table(table, self.dialect))
            .and_then(|t| t.columns.iter().find(|mc| mc.name == c.name));
        let ty = match model {
            // The model's type only when it is still the schema's (a column of the same name
            // in the source of a down migration may differ).
            Some(mc)
                if self
                    .to
                    .table(table)
                    .and_then(|t| t.column(&c.name))
                    .is_some_and(|tc| tc.ty == c.ty) =>
            {
                model_type(&mc.ty, self.dialect)
            }
            _ => schema_type(&c.ty, self.to)?,
        };
        Ok(self.note(&ty))
    }

    /// `sa.Column(...)` of a schema column.
    fn column(
        &self,
        table: &QualifiedName,
        c: &Column,
        pk_single: bool,
    ) -> Result<String, WriteError> {
        let ty = self.col_type(table, c)?;
        let mut args = vec![py_str(&c.name), ty];
        match &c.identity {
            Some(Identity::Serial { .. }) => args.push("autoincrement=True".into()),
            Some(Identity::Always { .. }) => args.push("sa.Identity(always=True)".into()),
            Some(Identity::ByDefault { .. }) => args.push("sa.Identity()".into()),
            Some(Identity::AutoIncrement) | None => {
                // Only the SERIAL column of the source is autoincrement on PostgreSQL.
                if pk_single && c.ty.is_integer() && self.dialect == Dialect::Postgres {
                    args.push("autoincrement=False".into());
                }
            }
        }
        if let Some(d) = &c.default
            && !matches!(c.identity, Some(Identity::Serial { .. }))
        {
            args.push(format!("server_default=sa.text({})", py_str(&d.sql)));
        }
        args.push(format!(
            "nullable={}",
            if c.nullable { "True" } else { "False" }
        ));
        if let Some(cm) = &c.comment {
            args.push(format!("comment={}", py_str(cm)));
        }
        Ok(format!("sa.Column({})", args.join(", ")))
    }

    fn index_args(&self, table: &QualifiedName, ix: &Index, concurrently: bool) -> String {
        let cols: Vec<String> = ix
            .parts
            .iter()
            .map(|p| match &p.key {
                IndexKey::Column(c) if !p.descending => py_str(c),
                IndexKey::Column(c) => format!(
                    "sa.text({})",
                    py_str(&format!("{} DESC", quote(self.dialect, c)))
                ),
                IndexKey::Expr(e) => format!("sa.text({})", py_str(&e.sql)),
            })
            .collect();
        let mut s = format!(
            "op.f({}), {}, [{}], unique={}{}",
            py_str(&ix.name),
            py_str(&table.name),
            cols.join(", "),
            if ix.unique { "True" } else { "False" },
            self.schema_kw(table)
        );
        if let Some(p) = &ix.predicate {
            let kw = match self.dialect {
                Dialect::Postgres => "postgresql_where",
                Dialect::Sqlite => "sqlite_where",
                Dialect::Mysql => "mysql_where",
            };
            s.push_str(&format!(", {kw}=sa.text({})", py_str(&p.sql)));
        }
        if let Some(m) = &ix.method
            && self.dialect == Dialect::Postgres
        {
            s.push_str(&format!(", postgresql_using={}", py_str(m)));
        }
        if concurrently {
            s.push_str(", postgresql_concurrently=True");
        }
        s
    }

    fn fk_args(&self, table: &QualifiedName, fk: &ForeignKey) -> String {
        let mut s = format!(
            "{}, {}, {}, {}, {}",
            name_arg(&fk.name),
            py_str(&table.name),
            py_str(&fk.ref_table.name),
            py_list(&fk.columns),
            py_list(&fk.ref_columns)
        );
        s.push_str(&fk_actions(fk));
        if !self.schema_kw(table).is_empty() {
            s.push_str(&format!(", source_schema={}", py_str(&table.namespace)));
        }
        if !self.schema_kw(&fk.ref_table).is_empty() {
            s.push_str(&format!(
                ", referent_schema={}",
                py_str(&fk.ref_table.namespace)
            ));
        }
        s
    }

    /// `op.create_table(...)` with its indexes.
    fn create_table(
        &self,
        name: &QualifiedName,
        t: &migrex_model::Table,
    ) -> Result<Vec<String>, WriteError> {
        let pk_single = t.primary_key.as_ref().is_some_and(|p| p.columns.len() == 1);
        let mut items = Vec::new();
        for c in t.columns.values() {
            let in_pk = t
                .primary_key
                .as_ref()
                .is_some_and(|p| p.columns.contains(&c.name));
            items.push(self.column(name, c, pk_single && in_pk)?);
        }
        items.extend(key_constraints(t, kw_name));
        for fk in &t.foreign_keys {
            let refs: Vec<String> = fk
                .ref_columns
                .iter()
                .map(|c| {
                    let prefix = if self.schema_kw(&fk.ref_table).is_empty() {
                        fk.ref_table.name.clone()
                    } else {
                        format!("{}.{}", fk.ref_table.namespace, fk.ref_table.name)
                    };
                    format!("{prefix}.{c}")
                })
                .collect();
            items.push(format!(
                "sa.ForeignKeyConstraint({}, {}{}{})",
                py_list(&fk.columns),
                py_list(&refs),
                kw_name(&fk.name),
                fk_actions(fk)
            ));
        }
        let mut kws = self.schema_kw(name);
        if self.dialect == Dialect::Sqlite
            && t.columns
                .values()
                .any(|c| matches!(c.identity, Some(Identity::AutoIncrement)))
        {
            kws.push_str(", sqlite_autoincrement=True");
        }
        if let Some(cm) = &t.comment {
            kws.push_str(&format!(", comment={}", py_str(cm)));
        }
        let mut lines = vec![format!("op.create_table({},", py_str(&name.name))];
        for it in items {
            lines.push(format!("    {it},"));
        }
        let kws = kws.trim_start_matches(", ");
        if kws.is_empty() {
            lines.push(")".into());
        } else {
            lines.push(format!("    {kws},"));
            lines.push(")".into());
        }
        for ix in &t.indexes {
            lines.push(format!(
                "op.create_index({})",
                self.index_args(name, ix, false)
            ));
        }
        Ok(lines)
    }

    /// The operation lines of one step: either plain `op.` lines or `batch_op.` lines for a
    /// batch block on the table (SQLite).
    fn step(&self, step: &Step, sql: &[String]) -> Result<Block, WriteError> {
        let d = self.dialect;
        let sqlite = d == Dialect::Sqlite;
        let raw = |sql: &[String]| Block::Lines(sql.iter().map(|s| execute(s)).collect());
        // Statements that cannot run in a transaction (PostgreSQL).
        if !step.transactional && d == Dialect::Postgres {
            return Ok(match &step.change {
                Change::Online {
                    table,
                    operation: OnlineOp::CreateIndex { index },
                } => Block::Autocommit(vec![format!(
                    "op.create_index({})",
                    self.index_args(table, index, true)
                )]),
                Change::Online {
                    table,
                    operation: OnlineOp::DropIndex { index },
                } => Block::Autocommit(vec![format!(
                    "op.drop_index(op.f({}), table_name={}{}, postgresql_concurrently=True)",
                    py_str(&index.name),
                    py_str(&table.name),
                    self.schema_kw(table)
                )]),
                _ => Block::Autocommit(sql.iter().map(|s| execute(s)).collect()),
            });
        }
        let op = |table: &QualifiedName, plain: String, batch: String| -> Block {
            if sqlite {
                Block::Batch {
                    table: table.clone(),
                    lines: vec![batch],
                }
            } else {
                let _ = table;
                Block::Lines(vec![plain])
            }
        };
        Ok(match &step.change {
            Change::CreateTable { name, table } => Block::Lines(self.create_table(name, table)?),
            Change::DropTable { name, .. } => Block::Lines(vec![format!(
                "op.drop_table({}{})",
                py_str(&name.name),
                self.schema_kw(name)
            )]),
            Change::RenameTable { from, to } => Block::Lines(vec![format!(
                "op.rename_table({}, {}{})",
                py_str(&from.name),
                py_str(&to.name),
                self.schema_kw(from)
            )]),
            Change::AddColumn { table, column } => {
                let col = self.column(table, column, false)?;
                op(
                    table,
                    format!(
                        "op.add_column({}, {col}{})",
                        py_str(&table.name),
                        self.schema_kw(table)
                    ),
                    format!("batch_op.add_column({col})"),
                )
            }
            Change::DropColumn { table, column } => op(
                table,
                format!(
                    "op.drop_column({}, {}{})",
                    py_str(&table.name),
                    py_str(&column.name),
                    self.schema_kw(table)
                ),
                format!("batch_op.drop_column({})", py_str(&column.name)),
            ),
            // Alembic renames a MySQL column with CHANGE, which restates the whole column from
            // `existing_*` arguments (auto-increment, comment and collation are easily lost);
            // the server's own RENAME COLUMN (MariaDB 10.5.2+, MySQL 8) keeps all of it.
            Change::RenameColumn { .. } if d == Dialect::Mysql => raw(sql),
            Change::RenameColumn { table, from, to } => op(
                table,
                format!(
                    "op.alter_column({}, {}, new_column_name={}{})",
                    py_str(&table.name),
                    py_str(from),
                    py_str(to),
                    self.schema_kw(table)
                ),
                format!(
                    "batch_op.alter_column({}, new_column_name={})",
                    py_str(from),
                    py_str(to)
                ),
            ),
            Change::AlterColumn { table, from, to } => {
                let existing = match schema_type(&from.ty, self.to) {
                    Ok(t) => t,
                    Err(_) => return Ok(raw(sql)),
                };
                let mut kws = vec![format!("existing_type={}", self.note(&existing))];
                if from.ty != to.ty {
                    kws.push(format!("type_={}", self.col_type(table, to)?));
                    if d == Dialect::Postgres {
                        // The plan's ALTER TYPE knows the USING cast: Alembic gets the same one.
                        match pg_using(sql) {
                            Some(Some(using)) => {
                                kws.push(format!("postgresql_using={}", py_str(&using)))
                            }
                            Some(None) => {}
                            None => return Ok(raw(sql)),
                        }
                    }
                }
                if from.nullable != to.nullable {
                    kws.push(format!(
                        "nullable={}",
                        if to.nullable { "True" } else { "False" }
                    ));
                } else {
                    kws.push(format!(
                        "existing_nullable={}",
                        if to.nullable { "True" } else { "False" }
                    ));
                }
                if from.default != to.default {
                    kws.push(match &to.default {
                        Some(e) => format!("server_default=sa.text({})", py_str(&e.sql)),
                        None => "server_default=None".into(),
                    });
                    if let Some(e) = &from.default {
                        kws.push(format!(
                            "existing_server_default=sa.text({})",
                            py_str(&e.sql)
                        ));
                    }
                } else if let Some(e) = &to.default {
                    kws.push(format!(
                        "existing_server_default=sa.text({})",
                        py_str(&e.sql)
                    ));
                }
                if from.comment != to.comment {
                    kws.push(match &to.comment {
                        Some(c) => format!("comment={}", py_str(c)),
                        None => "comment=None".into(),
                    });
                }
                if from.identity != to.identity
                    || from.generated != to.generated
                    || from.collation != to.collation
                {
                    return Ok(raw(sql));
                }
                let kws = kws.join(", ");
                op(
                    table,
                    format!(
                        "op.alter_column({}, {}, {kws}{})",
                        py_str(&table.name),
                        py_str(&to.name),
                        self.schema_kw(table)
                    ),
                    format!("batch_op.alter_column({}, {kws})", py_str(&to.name)),
                )
            }
            Change::CreateIndex { table, index } => Block::Lines(vec![format!(
                "op.create_index({})",
                self.index_args(table, index, false)
            )]),
            Change::DropIndex { table, index } => Block::Lines(vec![format!(
                "op.drop_index(op.f({}), table_name={}{})",
                py_str(&index.name),
                py_str(&table.name),
                self.schema_kw(table)
            )]),
            Change::AddUnique { table, unique } if unique.name.is_some() => {
                let UniqueConstraint { name, columns, .. } = unique;
                op(
                    table,
                    format!(
                        "op.create_unique_constraint({}, {}, {}{})",
                        name_arg(name),
                        py_str(&table.name),
                        py_list(columns),
                        self.schema_kw(table)
                    ),
                    format!(
                        "batch_op.create_unique_constraint({}, {})",
                        name_arg(name),
                        py_list(columns)
                    ),
                )
            }
            Change::AddCheck { table, check } if check.name.is_some() => {
                let Check { name, expr, .. } = check;
                op(
                    table,
                    format!(
                        "op.create_check_constraint({}, {}, {}{})",
                        name_arg(name),
                        py_str(&table.name),
                        py_str(&expr.sql),
                        self.schema_kw(table)
                    ),
                    format!(
                        "batch_op.create_check_constraint({}, {})",
                        name_arg(name),
                        py_str(&expr.sql)
                    ),
                )
            }
            Change::AddForeignKey { table, foreign_key } if foreign_key.name.is_some() => {
                let args = self.fk_args(table, foreign_key);
                let batch_args = {
                    // batch_op.create_foreign_key(name, referent_table, local_cols, remote_cols)
                    let mut s = format!(
                        "{}, {}, {}, {}",
                        name_arg(&foreign_key.name),
                        py_str(&foreign_key.ref_table.name),
                        py_list(&foreign_key.columns),
                        py_list(&foreign_key.ref_columns)
                    );
                    s.push_str(&fk_actions(foreign_key));
                    s
                };
                op(
                    table,
                    format!("op.create_foreign_key({args})"),
                    format!("batch_op.create_foreign_key({batch_args})"),
                )
            }
            Change::DropUnique {
                table,
                unique: UniqueConstraint { name: Some(n), .. },
            } => self.drop_constraint(table, n, "unique"),
            Change::DropCheck {
                table,
                check: Check { name: Some(n), .. },
            } => self.drop_constraint(table, n, "check"),
            Change::DropForeignKey {
                table,
                foreign_key: ForeignKey { name: Some(n), .. },
            } => self.drop_constraint(table, n, "foreignkey"),
            Change::DropPrimaryKey { table, primary_key } if primary_key.name.is_some() => self
                .drop_constraint(
                    table,
                    primary_key.name.as_deref().unwrap_or_default(),
                    "primary",
                ),
            Change::AddPrimaryKey { table, primary_key } if primary_key.name.is_some() => op(
                table,
                format!(
                    "op.create_primary_key({}, {}, {}{})",
                    name_arg(&primary_key.name),
                    py_str(&table.name),
                    py_list(&primary_key.columns),
                    self.schema_kw(table)
                ),
                format!(
                    "batch_op.create_primary_key({}, {})",
                    name_arg(&primary_key.name),
                    py_list(&primary_key.columns)
                ),
            ),
            // SQLite's table rebuild as Alembic's batch mode (copy-and-move) when every difference
            // is one batch can express.
            Change::RebuildTable { name, from, to } => match self.rebuild_batch(name, from, to)? {
                Some(lines) => Block::Rebuild {
                    table: name.clone(),
                    lines,
                },
                None => raw(sql),
            },
            // Data steps, enums, views, routines and the rest: the plan's SQL.
            _ => raw(sql),
        })
    }

    /// The `batch_op` lines that turn table `from` into `to` by a recreate, or `None` when a
    /// difference needs the plan's own rebuild (primary key, column order, unnamed constraints,
    /// identity or generated columns).
    fn rebuild_batch(
        &self,
        name: &QualifiedName,
        from: &migrex_model::Table,
        to: &migrex_model::Table,
    ) -> Result<Option<Vec<String>>, WriteError> {
        if from.primary_key != to.primary_key
            || from.exclusions != to.exclusions
            || from.options != to.options
        {
            return Ok(None);
        }
        let common_from: Vec<&String> = from
            .columns
            .keys()
            .filter(|c| to.columns.contains_key(*c))
            .collect();
        let common_to: Vec<&String> = to
            .columns
            .keys()
            .filter(|c| from.columns.contains_key(*c))
            .collect();
        if common_from != common_to {
            return Ok(None);
        }
        let mut lines = Vec::new();
        // Constraints and indexes first dropped, then columns, then created.
        let unnamed = |n: &Option<String>| n.is_none();
        for u in &from.uniques {
            if !to.uniques.contains(u) {
                if unnamed(&u.name) {
                    return Ok(None);
                }
                lines.push(format!(
                    "batch_op.drop_constraint(op.f({}), type_=\"unique\")",
                    py_str(u.name.as_deref().unwrap_or_default())
                ));
            }
        }
        for c in &from.checks {
            if !to.checks.contains(c) {
                if unnamed(&c.name) {
                    return Ok(None);
                }
                lines.push(format!(
                    "batch_op.drop_constraint(op.f({}), type_=\"check\")",
                    py_str(c.name.as_deref().unwrap_or_default())
                ));
            }
        }
        for f in &from.foreign_keys {
            if !to.foreign_keys.contains(f) {
                if unnamed(&f.name) {
                    return Ok(None);
                }
                lines.push(format!(
                    "batch_op.drop_constraint(op.f({}), type_=\"foreignkey\")",
                    py_str(f.name.as_deref().unwrap_or_default())
                ));
            }
        }
        // Indexes: the changed ones, and every partial or expression index (batch reflection
        // does not carry predicates and expressions over exactly).
        let special = |i: &Index| {
            i.predicate.is_some()
                || i.parts
                    .iter()
                    .any(|p| !matches!(p.key, IndexKey::Column(_)))
        };
        for i in &from.indexes {
            if !to.indexes.contains(i) || special(i) {
                lines.push(format!("batch_op.drop_index(op.f({}))", py_str(&i.name)));
            }
        }
        for c in from.columns.keys() {
            if !to.columns.contains_key(c) {
                lines.push(format!("batch_op.drop_column({})", py_str(c)));
            }
        }
        let names: Vec<&String> = to.columns.keys().collect();
        for (i, (cname, c)) in to.columns.iter().enumerate() {
            match from.columns.get(cname) {
                None => {
                    let mut s = format!("batch_op.add_column({}", self.column(name, c, false)?);
                    if let Some(next) = names.get(i + 1) {
                        s.push_str(&format!(", insert_before={}", py_str(next)));
                    }
                    s.push(')');
                    lines.push(s);
                }
                Some(old) if old != c => {
                    if old.identity != c.identity
                        || old.generated != c.generated
                        || old.collation != c.collation
                        || old.comment != c.comment
                    {
                        return Ok(None);
                    }
                    let mut kws = vec![format!(
                        "existing_type={}",
                        self.note(
                            &schema_type(&old.ty, self.to)
                                .unwrap_or_else(|_| "sa.NullType()".into())
                        )
                    )];
                    if old.ty != c.ty {
                        kws.push(format!("type_={}", self.col_type(name, c)?));
                    }
                    kws.push(format!(
                        "nullable={}",
                        if c.nullable { "True" } else { "False" }
                    ));
                    if old.default != c.default {
                        kws.push(match &c.default {
                            Some(e) => format!("server_default=sa.text({})", py_str(&e.sql)),
                            None => "server_default=None".into(),
                        });
                    }
                    lines.push(format!(
                        "batch_op.alter_column({}, {})",
                        py_str(cname),
                        kws.join(", ")
                    ));
                }
                Some(_) => {}
            }
        }
        for u in &to.uniques {
            if !from.uniques.contains(u) {
                if unnamed(&u.name) {
                    return Ok(None);
                }
                lines.push(format!(
                    "batch_op.create_unique_constraint({}, {})",
                    name_arg(&u.name),
                    py_list(&u.columns)
                ));
            }
        }
        for c in &to.checks {
            if !from.checks.contains(c) {
                if unnamed(&c.name) {
                    return Ok(None);
                }
                lines.push(format!(
                    "batch_op.create_check_constraint({}, {})",
                    name_arg(&c.name),
                    py_str(&c.expr.sql)
                ));
            }
        }
        for f in &to.foreign_keys {
            if !from.foreign_keys.contains(f) {
                if unnamed(&f.name) {
                    return Ok(None);
                }
                let mut s = format!(
                    "batch_op.create_foreign_key({}, {}, {}, {}",
                    name_arg(&f.name),
                    py_str(&f.ref_table.name),
                    py_list(&f.columns),
                    py_list(&f.ref_columns)
                );
                s.push_str(&fk_actions(f));
                s.push(')');
                lines.push(s);
            }
        }
        for i in &to.indexes {
            if !from.indexes.contains(i) || special(i) {
                let args = self.index_args(name, i, false);
                // batch_op.create_index(name, columns, ...): no table argument.
                let args = args.replacen(&format!(", {}, [", py_str(&name.name)), ", [", 1);
                lines.push(format!("batch_op.create_index({args})"));
            }
        }
        Ok(Some(lines))
    }

    fn drop_constraint(&self, table: &QualifiedName, name: &str, kind: &str) -> Block {
        if self.dialect == Dialect::Sqlite {
            Block::Batch {
                table: table.clone(),
                lines: vec![format!(
                    "batch_op.drop_constraint(op.f({}), type_={})",
                    py_str(name),
                    py_str(kind)
                )],
            }
        } else {
            Block::Lines(vec![format!(
                "op.drop_constraint(op.f({}), {}, type_={}{})",
                py_str(name),
                py_str(&table.name),
                py_str(kind),
                self.schema_kw(table)
            )])
        }
    }

    /// The body of `upgrade()`/`downgrade()` for a plan.
    pub fn body(&self, plan: &Plan) -> Result<Vec<String>, WriteError> {
        let rendered = migrex_render_sql::render_plan(plan)?;
        let mut order: Vec<usize> = (0..plan.steps.len()).collect();
        if self.dialect == Dialect::Sqlite {
            // Batch mode reflects the rebuilt table and the tables its foreign keys name, so a
            // table a rebuilt one refers to must exist first: new tables go before the rebuilds
            // (SQLite checks no foreign key when a table is created) unless the plan also drops
            // or renames that name.
            let replaced = |n: &QualifiedName| {
                plan.steps.iter().any(|s| match &s.change {
                    Change::DropTable { name, .. } => name == n,
                    Change::RenameTable { from, to } => from == n || to == n,
                    _ => false,
                })
            };
            let hoist = |i: &usize| matches!(&plan.steps[*i].change, Change::CreateTable { name, .. } if !replaced(name));
            if let Some(first_rebuild) = order
                .iter()
                .position(|i| matches!(plan.steps[*i].change, Change::RebuildTable { .. }))
            {
                let (head, tail) = order.split_at(first_rebuild);
                let mut new_order: Vec<usize> = head.to_vec();
                new_order.extend(tail.iter().filter(|i| hoist(i)));
                new_order.extend(tail.iter().filter(|i| !hoist(i)));
                order = new_order;
            }
        }
        let mut blocks: Vec<Block> = Vec::new();
        for (step, r) in order.iter().map(|i| (&plan.steps[*i], &rendered[*i])) {
            let mut lines = vec![format!("# {}", r.description.replace('\n', " "))];
            let block = self.step(step, &r.statements)?;
            // Consecutive batch operations on one table share a block.
            match (blocks.last_mut(), block) {
                (
                    Some(Block::Batch { table, lines: l }),
                    Block::Batch {
                        table: t2,
                        lines: l2,
                    },
                ) if *table == t2 => {
                    l.append(&mut lines);
                    l.extend(l2);
                }
                (_, Block::Lines(l)) => {
                    lines.extend(l);
                    blocks.push(Block::Lines(lines));
                }
                (_, Block::Batch { table, lines: l }) => {
                    lines.extend(l);
                    blocks.push(Block::Batch { table, lines });
                }
                (_, Block::Autocommit(l)) => {
                    lines.extend(l);
                    blocks.push(Block::Autocommit(lines));
                }
                (_, Block::Rebuild { table, lines: l }) => {
                    lines.extend(l);
                    blocks.push(Block::Rebuild { table, lines });
                }
            }
        }
        let mut out = Vec::new();
        for b in blocks {
            match b {
                Block::Lines(l) => out.extend(l),
                Block::Batch { table, lines } => {
                    out.push(format!(
                        "with op.batch_alter_table({}{}) as batch_op:",
                        py_str(&table.name),
                        self.schema_kw(&table)
                    ));
                    out.extend(lines.into_iter().map(|l| format!("    {l}")));
                }
                Block::Rebuild { table, lines } => {
                    out.push(format!(
                        "with op.batch_alter_table({}{}, recreate=\"always\") as batch_op:",
                        py_str(&table.name),
                        self.schema_kw(&table)
                    ));
                    out.extend(lines.into_iter().map(|l| format!("    {l}")));
                }
                Block::Autocommit(lines) => {
                    out.push("with op.get_context().autocommit_block():".into());
                    out.extend(lines.into_iter().map(|l| format!("    {l}")));
                }
            }
        }
        if out.is_empty() {
            out.push("pass".into());
        }
        Ok(out)
    }
}

/// The `USING` expression of the plan's PostgreSQL column alteration (`Some(None)`: none), or
/// `None` when its statements are more than `ALTER COLUMN` clauses `op.alter_column` emits.
fn pg_using(sql: &[String]) -> Option<Option<String>> {
    let mut using = None;
    for stmt in sql {
        let upper = stmt.to_ascii_uppercase();
        if !upper.starts_with("ALTER TABLE ")
            || !upper.contains(" ALTER COLUMN ")
            || upper.contains(';')
        {
            return None;
        }
        let clause = &upper[upper.find(" ALTER COLUMN ")?..];
        let plain = [
            " SET NOT NULL",
            " DROP NOT NULL",
            " SET DEFAULT ",
            " DROP DEFAULT",
            " TYPE ",
        ];
        if !plain.iter().any(|p| clause.contains(p)) || upper.matches(" ALTER COLUMN ").count() > 1
        {
            return None;
        }
        if let Some(i) = upper.find(" USING ") {
            using = Some(stmt[i + " USING ".len()..].trim().to_string());
        }
    }
    Some(using)
}

fn quote(dialect: Dialect, name: &str) -> String {
    migrex_dialect::quote_ident(dialect, name)
}

fn py_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|c| py_str(c))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn name_arg(name: &Option<String>) -> String {
    match name {
        Some(n) => format!("op.f({})", py_str(n)),
        None => "None".into(),
    }
}

fn kw_name(name: &Option<String>) -> String {
    match name {
        Some(n) => format!(", name=op.f({})", py_str(n)),
        None => String::new(),
    }
}

fn fk_actions(fk: &ForeignKey) -> String {
    let mut s = String::new();
    if fk.on_delete != FkAction::NoAction {
        s.push_str(&format!(", ondelete={}", py_str(fk.on_delete.sql())));
    }
    if fk.on_update != FkAction::NoAction {
        s.push_str(&format!(", onupdate={}", py_str(fk.on_update.sql())));
    }
    if let Some(df) = fk.deferrable {
        s.push_str(", deferrable=True");
        if df == migrex_model::Deferrable::InitiallyDeferred {
            s.push_str(", initially=\"DEFERRED\"");
        }
    }
    s
}

/// `op.execute(...)` of one SQL statement; bind-parameter colons are escaped, since Alembic
/// runs the string as `text()`.
fn execute(sql: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = sql.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        if c == ':'
            && prev != ':'
            && prev != '\\'
            && !prev.is_alphanumeric()
            && (next.is_alphanumeric() || next == '_')
        {
            out.push('\\');
        }
        out.push(c);
    }
    format!("op.execute(sa.text({}))", py_str(&out))
}
