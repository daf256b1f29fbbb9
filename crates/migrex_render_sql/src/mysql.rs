//! MySQL / MariaDB DDL rendering.
//!
//! One syntax for both servers wherever one exists: `DROP CONSTRAINT` for checks (MariaDB 10.2+,
//! MySQL 8.0.19+), `RENAME COLUMN` (MariaDB 10.5+, MySQL 8), `DEFAULT (expr)` for expression
//! defaults. Indexes are declared inside `CREATE TABLE`: InnoDB creates an index of its own for a
//! foreign key whose columns lead no index, so an index created after the table would be a second
//! one.

mod objects;

use crate::{RenderError, SqlRenderer};
use migrex_dialect::mysql as my;
use migrex_dialect::{format_type, qualified, quote_ident, quote_list, quote_string};
use migrex_model::{
    BinaryKind, Change, Check, Column, ColumnType, CommentTarget, Dialect, ForeignKey, Identity,
    Index, IndexKey, QualifiedName, Table, TableOptions, TextKind, View,
};

pub(crate) struct MysqlRenderer;

const D: Dialect = Dialect::Mysql;

fn q(name: &str) -> String {
    quote_ident(D, name)
}

fn qn(name: &QualifiedName) -> String {
    qualified(D, name)
}

fn unsupported(change: &Change, hint: impl Into<String>) -> RenderError {
    RenderError::Unsupported {
        dialect: D,
        change: change.describe(),
        hint: hint.into(),
    }
}

impl SqlRenderer for MysqlRenderer {
    fn dialect(&self) -> Dialect {
        D
    }

    fn render_change(&self, change: &Change) -> Result<Vec<String>, RenderError> {
        let err = |hint: &str| unsupported(change, hint);
        let alter = |t: &QualifiedName, rest: String| vec![format!("ALTER TABLE {} {rest}", qn(t))];
        Ok(match change {
            Change::CreateNamespace { .. }
            | Change::DropNamespace { .. }
            | Change::SetNamespaceComment { .. } => {
                return Err(err(
                    "MySQL has one namespace per database; create the database separately",
                ));
            }
            Change::CreateEnum { .. } | Change::DropEnum { .. } | Change::AddEnumValue { .. } => {
                return Err(err(
                    "MySQL enums are column types: write enum('a','b') on the column instead of a named type",
                ));
            }
            Change::CreateSequence { .. }
            | Change::DropSequence { .. }
            | Change::AlterSequence { .. } => {
                return Err(err(
                    "free-standing sequences are not rendered for MySQL; use an AUTO_INCREMENT column",
                ));
            }
            Change::RebuildTable { .. } => {
                return Err(err(
                    "table rebuilds are SQLite's; MySQL alters tables in place",
                ));
            }
            Change::CreateTable { name, table } => create_table(change, name, table)?,
            Change::DropTable { name, .. } => vec![format!("DROP TABLE {}", qn(name))],
            Change::RenameTable { from, to } => {
                vec![format!("RENAME TABLE {} TO {}", qn(from), qn(to))]
            }
            Change::AddColumn { table, column } => {
                alter(table, format!("ADD COLUMN {}", column_def(change, column)?))
            }
            Change::DropColumn { table, column } => {
                alter(table, format!("DROP COLUMN {}", q(&column.name)))
            }
            Change::RenameColumn { table, from, to } => {
                alter(table, format!("RENAME COLUMN {} TO {}", q(from), q(to)))
            }
            Change::AlterColumn { table, from, to } => {
                if from.name == to.name {
                    alter(table, format!("MODIFY COLUMN {}", column_def(change, to)?))
                } else {
                    alter(
                        table,
                        format!(
                            "CHANGE COLUMN {} {}",
                            q(&from.name),
                            column_def(change, to)?
                        ),
                    )
                }
            }
            Change::AddPrimaryKey { table, primary_key } => alter(
                table,
                format!("ADD PRIMARY KEY ({})", quote_list(D, &primary_key.columns)),
            ),
            Change::DropPrimaryKey { table, .. } => alter(table, "DROP PRIMARY KEY".into()),
            Change::AddUnique { table, unique } => {
                if unique.deferrable.is_some() {
                    return Err(err("MySQL checks unique keys immediately (no DEFERRABLE)"));
                }
                let name = unique.name.as_deref().map(|n| format!("{} ", q(n)));
                alter(
                    table,
                    format!(
                        "ADD UNIQUE KEY {}({})",
                        name.unwrap_or_default(),
                        quote_list(D, &unique.columns)
                    ),
                )
            }
            Change::DropUnique { table, unique } => match &unique.name {
                Some(n) => alter(table, format!("DROP INDEX {}", q(n))),
                None => return Err(err("an unnamed unique key cannot be dropped by name")),
            },
            Change::AddForeignKey { table, foreign_key } => alter(
                table,
                format!("ADD {}", foreign_key_def(change, foreign_key)?),
            ),
            Change::DropForeignKey { table, foreign_key } => match &foreign_key.name {
                Some(n) => alter(table, format!("DROP FOREIGN KEY {}", q(n))),
                None => return Err(err("an unnamed foreign key cannot be dropped by name")),
            },
            Change::AddCheck { table, check } => alter(table, format!("ADD {}", check_def(check))),
            // `DROP CONSTRAINT` is what MariaDB and MySQL 8.0.19+ both accept for a check.
            Change::DropCheck { table, check } => match &check.name {
                Some(n) => alter(table, format!("DROP CONSTRAINT {}", q(n))),
                None => return Err(err("an unnamed check cannot be dropped by name")),
            },
            Change::CreateIndex { table, index } => {
                let kind = index_kind(index);
                let mut s = format!(
                    "CREATE {kind}INDEX {} ON {} ({})",
                    q(&index.name),
                    qn(table),
                    index_parts(change, index)?
                );
                s.push_str(&index_tail(change, index)?);
                vec![s]
            }
            Change::DropIndex { table, index } => {
                vec![format!("DROP INDEX {} ON {}", q(&index.name), qn(table))]
            }
            Change::Online { table, operation } => {
                return crate::online::render(Dialect::Mysql, table, operation);
            }
            Change::Data { table, operation } => {
                return crate::data::statements(Dialect::Mysql, table, operation);
            }
            Change::RenameIndex { table, from, to } => {
                alter(table, format!("RENAME INDEX {} TO {}", q(from), q(to)))
            }
            Change::RenameConstraint { .. } => {
                return Err(err(
                    "MySQL cannot rename a foreign key or check: drop it and add it under the new name",
                ));
            }
            Change::SetTableComment { table, to, .. } => alter(
                table,
                format!("COMMENT = {}", quote_string(D, to.as_deref().unwrap_or(""))),
            ),
            Change::AlterTableOptions { table, from, to } => {
                let (from, to) = (mysql_options(from), mysql_options(to));
                let mut parts = Vec::new();
                if from.engine != to.engine {
                    parts.push(format!(
                        "ENGINE = {}",
                        to.engine.as_deref().unwrap_or("InnoDB")
                    ));
                }
                if from.charset != to.charset || from.collation != to.collation {
                    parts.push(charset_clause(
                        to.charset.as_deref(),
                        to.collation.as_deref(),
                        true,
                    ));
                }
                if from.row_format != to.row_format {
                    parts.push(format!(
                        "ROW_FORMAT = {}",
                        to.row_format.as_deref().unwrap_or("DEFAULT")
                    ));
                }
                if parts.is_empty() {
                    Vec::new()
                } else {
                    alter(table, parts.join(", "))
                }
            }
            Change::CreateView { name, view } => vec![create_view(change, name, view)?],
            Change::DropView { name, view } => {
                if view.materialized {
                    return Err(err("MySQL has no materialized views"));
                }
                vec![format!("DROP VIEW {}", qn(name))]
            }
            Change::SetViewComment { to, .. } => {
                if to.is_some() {
                    return Err(err("MySQL views cannot carry a comment"));
                }
                Vec::new()
            }
            Change::CreateFunction { name, function } => {
                vec![objects::create_function(change, name, function)?]
            }
            Change::DropFunction { name, function } => vec![objects::drop_function(name, function)],
            Change::ReplaceFunction { name, from, to } => vec![
                objects::drop_function(name, from),
                objects::create_function(change, name, to)?,
            ],
            Change::CreateTrigger { trigger } => vec![objects::create_trigger(change, trigger)?],
            Change::DropTrigger { trigger } => vec![objects::drop_trigger(trigger)],
            Change::AlterPartitioning { table, from, to } => {
                objects::alter_partitioning(table, from.as_ref(), to.as_ref())
            }
            Change::SetComment {
                target: CommentTarget::Function { name, function },
                to,
                ..
            } => vec![objects::set_function_comment(name, function, to.as_deref())],
            // TODO(issue 3): the objects MySQL does not have.
            _ => return Err(err("not rendered for MySQL yet")),
        })
    }
}

fn mysql_options(o: &TableOptions) -> migrex_model::MysqlTableOptions {
    match o {
        TableOptions::Mysql(m) => m.clone(),
        _ => Default::default(),
    }
}

/// `CHARACTER SET x COLLATE y`; `DEFAULT` resets to the database's when the model keeps none.
fn charset_clause(charset: Option<&str>, collation: Option<&str>, alter: bool) -> String {
    match (charset, collation) {
        (Some(cs), Some(c)) => format!("DEFAULT CHARSET={cs} COLLATE={c}"),
        (Some(cs), None) => format!("DEFAULT CHARSET={cs}"),
        (None, Some(c)) => format!("COLLATE={c}"),
        (None, None) if alter => "CHARACTER SET DEFAULT".into(),
        (None, None) => String::new(),
    }
}

fn create_table(
    change: &Change,
    name: &QualifiedName,
    table: &Table,
) -> Result<Vec<String>, RenderError> {
    if !table.policies.is_empty() {
        return Err(unsupported(
            change,
            "MySQL has no row-level security policies",
        ));
    }
    let mut items = Vec::new();
    for col in table.columns.values() {
        items.push(column_def(change, col)?);
    }
    if let Some(pk) = &table.primary_key {
        items.push(format!("PRIMARY KEY ({})", quote_list(D, &pk.columns)));
    }
    for u in &table.uniques {
        if u.deferrable.is_some() {
            return Err(unsupported(
                change,
                "MySQL checks unique keys immediately (no DEFERRABLE)",
            ));
        }
        let name = u.name.as_deref().map(|n| format!("{} ", q(n)));
        items.push(format!(
            "UNIQUE KEY {}({})",
            name.unwrap_or_default(),
            quote_list(D, &u.columns)
        ));
    }
    for ix in &table.indexes {
        let kind = index_kind(ix);
        let mut s = format!("{kind}KEY {} ({})", q(&ix.name), index_parts(change, ix)?);
        s.push_str(&index_tail(change, ix)?);
        items.push(s);
    }
    for fk in &table.foreign_keys {
        items.push(foreign_key_def(change, fk)?);
    }
    for c in &table.checks {
        items.push(check_def(c));
    }
    let mut sql = format!("CREATE TABLE {} (\n  {}\n)", qn(name), items.join(",\n  "));
    let o = mysql_options(&table.options);
    if let Some(e) = &o.engine {
        sql.push_str(&format!(" ENGINE={e}"));
    }
    let cs = charset_clause(o.charset.as_deref(), o.collation.as_deref(), false);
    if !cs.is_empty() {
        sql.push(' ');
        sql.push_str(&cs);
    }
    if let Some(r) = &o.row_format {
        sql.push_str(&format!(" ROW_FORMAT={r}"));
    }
    if let Some(c) = &table.comment {
        sql.push_str(&format!(" COMMENT={}", quote_string(D, c)));
    }
    if let Some(p) = &table.partitioning {
        sql.push('\n');
        sql.push_str(&objects::partition_clause(p));
    }
    Ok(vec![sql])
}

/// Types whose literal defaults MySQL 8 only accepts as a parenthesized expression.
fn needs_expression_default(ty: &ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::Text {
            kind: TextKind::Text | TextKind::TinyText | TextKind::MediumText | TextKind::LongText,
            ..
        } | ColumnType::Binary {
            kind: BinaryKind::TinyBlob
                | BinaryKind::Blob
                | BinaryKind::MediumBlob
                | BinaryKind::LongBlob
                | BinaryKind::Bytea,
            ..
        } | ColumnType::Json { .. }
    )
}

fn column_def(change: &Change, col: &Column) -> Result<String, RenderError> {
    if let Some(why) = my::unsupported_type(&col.ty) {
        return Err(unsupported(change, format!("column {}: {why}", col.name)));
    }
    let mut s = format!("{} {}", q(&col.name), format_type(D, &col.ty));
    if let Some(c) = &col.collation {
        s.push_str(&format!(" COLLATE {c}"));
    }
    if let Some(g) = &col.generated {
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            g.expr.sql,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
        // MariaDB refuses NULL/NOT NULL on generated columns; MySQL allows NOT NULL.
        if !col.nullable {
            s.push_str(" NOT NULL");
        }
    } else if !col.nullable {
        s.push_str(" NOT NULL");
    } else if matches!(col.ty, ColumnType::Timestamp { .. }) {
        // Without explicit_defaults_for_timestamp a bare TIMESTAMP is NOT NULL.
        s.push_str(" NULL");
    }
    if let Some(d) = &col.default
        && col.generated.is_none()
    {
        if my::default_is_literal(&d.sql) && !needs_expression_default(&col.ty) {
            s.push_str(&format!(" DEFAULT {}", d.sql));
        } else {
            s.push_str(&format!(" DEFAULT ({})", d.sql));
        }
    }
    match &col.identity {
        Some(Identity::AutoIncrement) => s.push_str(" AUTO_INCREMENT"),
        Some(Identity::Always { .. } | Identity::ByDefault { .. } | Identity::Serial { .. }) => {
            s.push_str(" AUTO_INCREMENT")
        }
        None => {}
    }
    if let Some(u) = &col.on_update {
        s.push_str(&format!(" ON UPDATE {}", u.sql));
    }
    if let Some(c) = &col.comment {
        s.push_str(&format!(" COMMENT {}", quote_string(D, c)));
    }
    Ok(s)
}

fn index_kind(ix: &Index) -> &'static str {
    match ix.method.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("FULLTEXT") => "FULLTEXT ",
        Some("SPATIAL") => "SPATIAL ",
        _ if ix.unique => "UNIQUE ",
        _ => "",
    }
}

fn index_parts(change: &Change, ix: &Index) -> Result<String, RenderError> {
    if ix.predicate.is_some() {
        return Err(unsupported(change, "MySQL has no partial indexes"));
    }
    if !ix.include.is_empty() {
        return Err(unsupported(
            change,
            "MySQL has no INCLUDE columns (add them to the key)",
        ));
    }
    let parts: Vec<String> = ix
        .parts
        .iter()
        .map(|p| {
            let mut s = match &p.key {
                IndexKey::Column(c) => q(c),
                // MySQL 8 functional key part: the expression in its own parentheses.
                IndexKey::Expr(e) => format!("({})", e.sql),
            };
            if let Some(n) = p.prefix_len {
                s.push_str(&format!("({n})"));
            }
            if p.descending {
                s.push_str(" DESC");
            }
            s
        })
        .collect();
    Ok(parts.join(", "))
}

/// `USING HASH` and `COMMENT '...'` after an index's parts.
fn index_tail(change: &Change, ix: &Index) -> Result<String, RenderError> {
    let mut s = String::new();
    match ix.method.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None | Some("FULLTEXT") | Some("SPATIAL") => {}
        Some(m @ ("HASH" | "BTREE" | "RTREE")) => s.push_str(&format!(" USING {m}")),
        Some(other) => {
            return Err(unsupported(
                change,
                format!("MySQL has no `{}` index method", other.to_ascii_lowercase()),
            ));
        }
    }
    if let Some(c) = &ix.comment {
        s.push_str(&format!(" COMMENT {}", quote_string(D, c)));
    }
    Ok(s)
}

fn foreign_key_def(change: &Change, fk: &ForeignKey) -> Result<String, RenderError> {
    if fk.deferrable.is_some() {
        return Err(unsupported(
            change,
            "MySQL checks foreign keys immediately (no DEFERRABLE)",
        ));
    }
    let mut s = String::new();
    if let Some(n) = &fk.name {
        s.push_str(&format!("CONSTRAINT {} ", q(n)));
    }
    s.push_str(&format!(
        "FOREIGN KEY ({}) REFERENCES {} ({})",
        quote_list(D, &fk.columns),
        qn(&fk.ref_table),
        quote_list(D, &fk.ref_columns)
    ));
    if fk.match_full {
        s.push_str(" MATCH FULL");
    }
    // Always written: an unwritten action is RESTRICT on MariaDB, and NO ACTION is kept
    // distinct in its catalog.
    s.push_str(&format!(
        " ON DELETE {} ON UPDATE {}",
        fk.on_delete.sql(),
        fk.on_update.sql()
    ));
    Ok(s)
}

fn check_def(c: &Check) -> String {
    match &c.name {
        Some(n) => format!("CONSTRAINT {} CHECK ({})", q(n), c.expr.sql),
        None => format!("CHECK ({})", c.expr.sql),
    }
}

fn create_view(change: &Change, name: &QualifiedName, view: &View) -> Result<String, RenderError> {
    if view.materialized {
        return Err(unsupported(change, "MySQL has no materialized views"));
    }
    if view.comment.is_some() {
        return Err(unsupported(change, "MySQL views cannot carry a comment"));
    }
    let mut s = format!(
        "CREATE {}VIEW {}",
        if view.security_invoker {
            "SQL SECURITY INVOKER "
        } else {
            ""
        },
        qn(name)
    );
    if !view.columns.is_empty() {
        s.push_str(&format!(" ({})", quote_list(D, &view.columns)));
    }
    s.push_str(" AS ");
    s.push_str(&view.definition.sql);
    match view
        .check_option
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        None => {}
        Some("LOCAL") => s.push_str(" WITH LOCAL CHECK OPTION"),
        Some(_) => s.push_str(" WITH CASCADED CHECK OPTION"),
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{
        FkAction, Generated, IndexPart, MysqlTableOptions, PrimaryKey, UniqueConstraint,
    };

    fn e(sql: &str) -> migrex_model::Expr {
        migrex_dialect::expr(D, sql)
    }

    fn render(c: &Change) -> Vec<String> {
        MysqlRenderer.render_change(c).expect("renders")
    }

    fn t(name: &str) -> QualifiedName {
        QualifiedName::new("", name)
    }

    fn sample_table() -> Table {
        let mut table = Table::new("orders");
        let mut id = Column::new("id", ColumnType::int(4));
        id.nullable = false;
        id.identity = Some(Identity::AutoIncrement);
        let mut created = Column::new(
            "created",
            ColumnType::Timestamp {
                tz: true,
                precision: Some(3),
            },
        );
        created.default = Some(e("current_timestamp(3)"));
        created.on_update = Some(e("current_timestamp(3)"));
        let mut note = Column::new(
            "note",
            ColumnType::Text {
                kind: TextKind::Varchar,
                max_len: Some(20),
            },
        );
        note.default = Some(e("'it''s'"));
        note.collation = Some("utf8mb4_bin".into());
        note.comment = Some("a note".into());
        let mut total = Column::new("total", ColumnType::int(4));
        total.generated = Some(Generated {
            expr: e("`id` * 2"),
            stored: true,
        });
        let mut r = Column::new(
            "r",
            ColumnType::Float {
                bytes: 8,
                unsigned: false,
            },
        );
        r.default = Some(e("rand()"));
        for c in [id, created, note, total, r] {
            table.columns.insert(c.name.clone(), c);
        }
        table.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into()],
        });
        let mut part = IndexPart::column("note");
        part.prefix_len = Some(5);
        part.descending = true;
        table.indexes.push(Index {
            name: "note".into(),
            unique: false,
            parts: vec![part],
            method: None,
            include: vec![],
            predicate: None,
            nulls_not_distinct: false,
            comment: Some("by note".into()),
        });
        table.foreign_keys.push(ForeignKey {
            name: Some("orders_ibfk_1".into()),
            columns: vec!["id".into()],
            ref_table: t("p"),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::Cascade,
            on_update: FkAction::NoAction,
            deferrable: None,
            match_full: false,
        });
        table.checks.push(Check {
            name: Some("CONSTRAINT_1".into()),
            expr: e("`id` > 0"),
            no_inherit: false,
        });
        table.options = TableOptions::Mysql(MysqlTableOptions {
            engine: Some("MyISAM".into()),
            charset: Some("latin1".into()),
            collation: None,
            row_format: None,
        });
        table.comment = Some("it's".into());
        table
    }

    #[test]
    fn create_table_inlines_keys_and_options() {
        let sql = render(&Change::CreateTable {
            name: t("orders"),
            table: sample_table(),
        });
        assert_eq!(sql.len(), 1);
        assert_eq!(
            sql[0],
            "CREATE TABLE `orders` (\n  \
             `id` int NOT NULL AUTO_INCREMENT,\n  \
             `created` timestamp(3) NULL DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3),\n  \
             `note` varchar(20) COLLATE utf8mb4_bin DEFAULT 'it''s' COMMENT 'a note',\n  \
             `total` int GENERATED ALWAYS AS (`id` * 2) STORED,\n  \
             `r` double DEFAULT (rand()),\n  \
             PRIMARY KEY (`id`),\n  \
             KEY `note` (`note`(5) DESC) COMMENT 'by note',\n  \
             CONSTRAINT `orders_ibfk_1` FOREIGN KEY (`id`) REFERENCES `p` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION,\n  \
             CONSTRAINT `CONSTRAINT_1` CHECK (`id` > 0)\n\
             ) ENGINE=MyISAM DEFAULT CHARSET=latin1 COMMENT='it''s'"
        );
    }

    #[test]
    fn alter_statements() {
        let col = Column::new("a b", ColumnType::int(8));
        assert_eq!(
            render(&Change::AddColumn {
                table: t("x"),
                column: col.clone()
            }),
            vec!["ALTER TABLE `x` ADD COLUMN `a b` bigint"]
        );
        let mut to = col.clone();
        to.nullable = false;
        assert_eq!(
            render(&Change::AlterColumn {
                table: t("x"),
                from: col.clone(),
                to: to.clone()
            }),
            vec!["ALTER TABLE `x` MODIFY COLUMN `a b` bigint NOT NULL"]
        );
        assert_eq!(
            render(&Change::RenameColumn {
                table: t("x"),
                from: "a".into(),
                to: "b`c".into()
            }),
            vec!["ALTER TABLE `x` RENAME COLUMN `a` TO `b``c`"]
        );
        let table = sample_table();
        assert_eq!(
            render(&Change::DropForeignKey {
                table: t("orders"),
                foreign_key: table.foreign_keys[0].clone()
            }),
            vec!["ALTER TABLE `orders` DROP FOREIGN KEY `orders_ibfk_1`"]
        );
        assert_eq!(
            render(&Change::DropCheck {
                table: t("orders"),
                check: table.checks[0].clone()
            }),
            vec!["ALTER TABLE `orders` DROP CONSTRAINT `CONSTRAINT_1`"]
        );
        assert_eq!(
            render(&Change::CreateIndex {
                table: t("orders"),
                index: table.indexes[0].clone()
            }),
            vec!["CREATE INDEX `note` ON `orders` (`note`(5) DESC) COMMENT 'by note'"]
        );
        assert_eq!(
            render(&Change::DropIndex {
                table: t("orders"),
                index: table.indexes[0].clone()
            }),
            vec!["DROP INDEX `note` ON `orders`"]
        );
        assert_eq!(
            render(&Change::AddUnique {
                table: t("x"),
                unique: UniqueConstraint {
                    name: Some("u".into()),
                    columns: vec!["a".into()],
                    nulls_not_distinct: false,
                    deferrable: None
                }
            }),
            vec!["ALTER TABLE `x` ADD UNIQUE KEY `u` (`a`)"]
        );
        assert_eq!(
            render(&Change::AlterTableOptions {
                table: t("x"),
                from: TableOptions::Mysql(MysqlTableOptions {
                    engine: Some("MyISAM".into()),
                    charset: Some("latin1".into()),
                    ..Default::default()
                }),
                to: TableOptions::Mysql(MysqlTableOptions::default()),
            }),
            vec!["ALTER TABLE `x` ENGINE = InnoDB, CHARACTER SET DEFAULT"]
        );
        assert_eq!(
            render(&Change::SetTableComment {
                table: t("x"),
                from: None,
                to: Some("c".into())
            }),
            vec!["ALTER TABLE `x` COMMENT = 'c'"]
        );
        assert_eq!(
            render(&Change::RenameTable {
                from: t("a"),
                to: t("b")
            }),
            vec!["RENAME TABLE `a` TO `b`"]
        );
    }

    #[test]
    fn literal_defaults_of_text_columns_are_parenthesized() {
        let mut c = Column::new(
            "b",
            ColumnType::Binary {
                kind: BinaryKind::Blob,
                max_len: None,
            },
        );
        c.default = Some(e("'abc'"));
        let sql = render(&Change::AddColumn {
            table: t("x"),
            column: c,
        });
        assert_eq!(
            sql,
            vec!["ALTER TABLE `x` ADD COLUMN `b` blob DEFAULT ('abc')"]
        );
    }

    #[test]
    fn what_mysql_cannot_do_is_an_error() {
        let enum_type = migrex_model::EnumType {
            name: "mood".into(),
            values: vec!["a".into()],
            comment: None,
        };
        for c in [
            Change::CreateEnum {
                name: t("mood"),
                enum_type,
            },
            Change::CreateNamespace { name: "s".into() },
            Change::RenameConstraint {
                table: t("x"),
                from: "a".into(),
                to: "b".into(),
            },
            Change::AddColumn {
                table: t("x"),
                column: Column::new(
                    "i",
                    ColumnType::Interval {
                        fields: None,
                        precision: None,
                    },
                ),
            },
            Change::RebuildTable {
                name: t("x"),
                from: Table::new("x"),
                to: Table::new("x"),
            },
        ] {
            assert!(MysqlRenderer.render_change(&c).is_err(), "{c:?}");
        }
    }
}
