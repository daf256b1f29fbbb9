//! MySQL / MariaDB catalog introspection of the current database (`DATABASE()`).
//!
//! A fixed number of `information_schema` queries, whatever the number of tables. Every value
//! goes through `migrex_dialect::mysql` (types, defaults, keys), the same functions the DDL
//! reader's `finalize` uses, so a loaded DDL file introspects to the schema read from the file.
//! Flavor differences (MariaDB quotes literal defaults and reports JSON as `longtext` with a
//! `json_valid` check; MySQL 8 marks expression defaults `DEFAULT_GENERATED`) are decided by
//! `Flavor`, detected from `VERSION()`.

mod routines;

use crate::{Db, LiveError};
use migrex_dialect::mysql::{self as my, Flavor};
use migrex_model::{
    Check, Column, ColumnType, Dialect, ForeignKey, Generated, Identity, Index, IndexKey,
    IndexPart, Loaded, MysqlTableOptions, PrimaryKey, QualifiedName, Schema, Table, TableOptions,
    TextKind, View, Warning,
};
use std::collections::{HashMap, HashSet};

type Row = Vec<Option<String>>;

fn cell(row: &Row, i: usize) -> Option<&str> {
    row.get(i).and_then(|c| c.as_deref())
}

fn text(row: &Row, i: usize) -> String {
    cell(row, i).unwrap_or_default().to_string()
}

fn nonempty(row: &Row, i: usize) -> Option<String> {
    cell(row, i).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Per table facts needed while reading its columns and indexes.
struct TableFacts {
    engine: Option<String>,
    collation: Option<String>,
}

pub(crate) fn introspect(db: &mut Db) -> Result<Loaded, LiveError> {
    let version = db.server_version()?;
    let flavor = Flavor::from_version(&version);
    let location = db.url().to_string();
    let mut warnings = Vec::new();
    let mut schema = Schema::new(Dialect::Mysql);
    let mut provenance = migrex_model::Provenance::default();

    let head = db.query(
        "SELECT DATABASE(), s.DEFAULT_CHARACTER_SET_NAME, s.DEFAULT_COLLATION_NAME \
         FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME = DATABASE()",
    )?;
    let Some(head) = head.into_iter().next() else {
        return Err(LiveError::Other(
            "no database selected: put the database name in the URL (mysql://host/db)".into(),
        ));
    };
    let db_charset = text(&head, 1);
    let db_collation = text(&head, 2);

    let defaults: HashMap<String, String> = db
        .query(
            "SELECT CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLLATIONS \
             WHERE IS_DEFAULT = 'Yes'",
        )?
        .into_iter()
        .map(|r| (text(&r, 0).to_ascii_lowercase(), text(&r, 1)))
        .collect();
    let default_of = |cs: &str| {
        defaults
            .get(&cs.to_ascii_lowercase())
            .cloned()
            .or_else(|| flavor.default_collation(cs).map(str::to_string))
    };

    // Tables and views.
    let mut facts: HashMap<String, TableFacts> = HashMap::new();
    let mut any_partitioned = false;
    let ns = schema.namespace_mut("");
    for r in db.query(
        "SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION, CREATE_OPTIONS, TABLE_COMMENT \
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
    )? {
        let name = text(&r, 0);
        let kind = text(&r, 1);
        match kind.as_str() {
            "VIEW" => continue,
            "SEQUENCE" => {
                warnings.push(warn(
                    &location,
                    &name,
                    "sequence is not modeled for MySQL/MariaDB yet; skipped",
                ));
                continue;
            }
            "SYSTEM VERSIONED" => warnings.push(warn(
                &location,
                &name,
                "system versioning is not modeled; the table is read without it",
            )),
            _ => {}
        }
        let engine = nonempty(&r, 2);
        let collation = nonempty(&r, 3);
        let create_options = text(&r, 4).to_ascii_lowercase();
        let mut options = MysqlTableOptions {
            engine: engine.clone().filter(|e| !e.eq_ignore_ascii_case("InnoDB")),
            ..MysqlTableOptions::default()
        };
        (options.charset, options.collation) = my::table_charset(
            None,
            collation.as_deref(),
            &db_charset,
            &db_collation,
            default_of,
        );
        for opt in create_options.split_whitespace() {
            if let Some(v) = opt.strip_prefix("row_format=") {
                options.row_format = Some(v.to_ascii_uppercase());
            } else if opt == "partitioned" {
                any_partitioned = true;
            } else if !opt.starts_with("stats_")
                && !opt.starts_with("max_rows")
                && !opt.starts_with("avg_row_length")
            {
                warnings.push(warn(
                    &location,
                    &name,
                    &format!("table option `{opt}` is not modeled"),
                ));
            }
        }
        let mut table = Table::new(name.clone());
        table.options = TableOptions::Mysql(options);
        table.comment = nonempty(&r, 5);
        provenance
            .locations
            .insert(format!("table {name}"), location.clone());
        facts.insert(name.clone(), TableFacts { engine, collation });
        ns.tables.insert(name, table);
    }

    // Columns.
    let json_candidates = read_columns(db, flavor, &facts, &mut schema, &mut warnings, &location)?;

    // Indexes (PRIMARY is the primary key).
    let expression_col = if flavor == Flavor::Mysql {
        "EXPRESSION"
    } else {
        "NULL"
    };
    let rows = db.query(&format!(
        "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, COLLATION, SUB_PART, \
         INDEX_TYPE, INDEX_COMMENT, {expression_col} FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"
    ))?;
    for r in rows {
        let tname = text(&r, 0);
        let iname = text(&r, 1);
        let engine = facts.get(&tname).and_then(|f| f.engine.clone());
        let Some(table) = schema.namespace_mut("").tables.get_mut(&tname) else {
            continue;
        };
        let index_type = text(&r, 7);
        let key = match (nonempty(&r, 4), nonempty(&r, 9)) {
            (Some(c), _) => IndexKey::Column(c),
            (None, Some(e)) => IndexKey::Expr(migrex_dialect::expr(Dialect::Mysql, &e)),
            (None, None) => continue,
        };
        if iname == "PRIMARY" {
            let pk = table.primary_key.get_or_insert(PrimaryKey {
                name: None,
                columns: Vec::new(),
            });
            if let IndexKey::Column(c) = key {
                pk.columns.push(c);
            }
            continue;
        }
        let spatial = index_type.eq_ignore_ascii_case("SPATIAL");
        let part = IndexPart {
            key,
            descending: cell(&r, 5) == Some("D"),
            nulls_first: None,
            collation: None,
            opclass: None,
            // InnoDB reports an internal prefix for SPATIAL keys that nobody wrote.
            prefix_len: if spatial {
                None
            } else {
                cell(&r, 6).and_then(|s| s.parse().ok())
            },
        };
        match table.indexes.iter_mut().find(|i| i.name == iname) {
            Some(ix) => ix.parts.push(part),
            None => table.indexes.push(Index {
                name: iname,
                unique: cell(&r, 2) == Some("0"),
                parts: vec![part],
                method: my::index_method(engine.as_deref(), &index_type),
                include: Vec::new(),
                predicate: None,
                nulls_not_distinct: false,
                comment: nonempty(&r, 8),
            }),
        }
    }

    // Foreign keys.
    let rows = db.query(
        "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, \
         k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE \
         FROM information_schema.KEY_COLUMN_USAGE k \
         JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
           ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
          AND r.TABLE_NAME = k.TABLE_NAME \
         WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
         ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
    )?;
    let current_db = text(&head, 0);
    for r in rows {
        let tname = text(&r, 0);
        let fname = text(&r, 1);
        let ref_schema = text(&r, 3);
        if ref_schema != current_db {
            warnings.push(warn(
                &location,
                &tname,
                &format!(
                    "foreign key {fname} references another database ({ref_schema}); it is read as if the table were local"
                ),
            ));
        }
        let Some(table) = schema.namespace_mut("").tables.get_mut(&tname) else {
            continue;
        };
        let col = text(&r, 2);
        let ref_col = text(&r, 5);
        match table
            .foreign_keys
            .iter_mut()
            .find(|f| f.name.as_deref() == Some(fname.as_str()))
        {
            Some(fk) => {
                fk.columns.push(col);
                fk.ref_columns.push(ref_col);
            }
            None => table.foreign_keys.push(ForeignKey {
                name: Some(fname),
                columns: vec![col],
                ref_table: QualifiedName::new("", text(&r, 4)),
                ref_columns: vec![ref_col],
                on_delete: my::fk_action(&text(&r, 7)),
                on_update: my::fk_action(&text(&r, 6)),
                deferrable: None,
                match_full: false,
            }),
        }
    }

    // Checks. MySQL 8's CHECK_CONSTRAINTS has no table name: join TABLE_CONSTRAINTS.
    let sql = match flavor {
        Flavor::MariaDb => {
            "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME"
        }
        Flavor::Mysql => {
            "SELECT t.TABLE_NAME, c.CONSTRAINT_NAME, c.CHECK_CLAUSE, t.ENFORCED \
             FROM information_schema.CHECK_CONSTRAINTS c JOIN information_schema.TABLE_CONSTRAINTS t \
               ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME \
              AND t.CONSTRAINT_TYPE = 'CHECK' \
             WHERE c.CONSTRAINT_SCHEMA = DATABASE() ORDER BY t.TABLE_NAME, c.CONSTRAINT_NAME"
        }
    };
    for r in db.query(sql)? {
        let tname = text(&r, 0);
        let cname = text(&r, 1);
        let clause = text(&r, 2);
        if flavor == Flavor::Mysql && cell(&r, 3) == Some("NO") {
            warnings.push(warn(
                &location,
                &tname,
                &format!("check {cname} is NOT ENFORCED; it is read as an enforced check"),
            ));
        }
        let Some(table) = schema.namespace_mut("").tables.get_mut(&tname) else {
            continue;
        };
        // MariaDB's JSON column: longtext + utf8mb4_bin + a column check `json_valid(col)`
        // named after the column. Read back as the JSON type it was declared with.
        if flavor == Flavor::MariaDb
            && cell(&r, 3) == Some("Column")
            && json_candidates.contains(&(tname.clone(), cname.clone()))
            && migrex_dialect::expr_key(Dialect::Mysql, &clause)
                == migrex_dialect::expr_key(
                    Dialect::Mysql,
                    &format!(
                        "json_valid({})",
                        migrex_dialect::quote_ident(Dialect::Mysql, &cname)
                    ),
                )
            && let Some(col) = table.columns.get_mut(&cname)
        {
            col.ty = ColumnType::Json { binary: false };
            col.collation = None;
            continue;
        }
        table.checks.push(Check {
            name: Some(cname),
            expr: migrex_dialect::expr(Dialect::Mysql, &clause),
            no_inherit: false,
        });
    }

    // Views.
    let own_qualifier = format!(
        "{}.",
        migrex_dialect::quote_ident(Dialect::Mysql, &current_db)
    );
    let ns = schema.namespace_mut("");
    for r in db.query(
        "SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE, ALGORITHM \
         FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME",
    )? {
        let name = text(&r, 0);
        // The server qualifies every table with the view's own database; without it the view
        // can be created in another database.
        let def = text(&r, 1).replace(&own_qualifier, "");
        if let Some(a) = cell(&r, 4).filter(|a| !a.eq_ignore_ascii_case("UNDEFINED")) {
            warnings.push(warn(
                &location,
                &name,
                &format!("ALGORITHM={a} is not modeled; the view is read without it"),
            ));
        }
        let check_option = match text(&r, 2).to_ascii_uppercase().as_str() {
            "" | "NONE" => None,
            other => Some(other.to_string()),
        };
        let view = View {
            name: name.clone(),
            depends_on: my::view_dependencies(&def)
                .into_iter()
                .map(|d| QualifiedName::new("", d))
                .collect(),
            definition: my::view_expr(&def),
            columns: Vec::new(),
            materialized: false,
            check_option,
            security_invoker: cell(&r, 3).is_some_and(|s| s.eq_ignore_ascii_case("INVOKER")),
            comment: None,
            indexes: Vec::new(),
            cluster_on: None,
        };
        provenance
            .locations
            .insert(format!("view {name}"), location.clone());
        ns.views.insert(name, view);
    }

    for t in ns.tables.values_mut() {
        sort_table(t);
    }

    if any_partitioned {
        routines::read_partitions(db, &mut schema, &location, &mut warnings)?;
    }
    routines::read_triggers(db, &mut schema, &location, &mut warnings)?;
    let defaults = routines::DbDefaults {
        flavor,
        charset: &db_charset,
        collation: &db_collation,
    };
    routines::read_routines(db, &defaults, &mut schema, &location, &mut warnings)?;
    not_modeled(db, &location, &mut warnings)?;

    Ok(Loaded {
        schema,
        renames: Default::default(),
        warnings,
        provenance,
        row_estimates: None,
    })
}

/// Indexes, foreign keys and checks in name order: the catalog has no declaration order for them,
/// and the DDL reader sorts the same way.
fn sort_table(t: &mut Table) {
    t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    t.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    t.checks.sort_by(|a, b| a.name.cmp(&b.name));
}

/// Reads every column; returns the (table, column) pairs that look like MariaDB's JSON
/// (`longtext` with `utf8mb4_bin`), to be confirmed by their `json_valid` check.
fn read_columns(
    db: &mut Db,
    flavor: Flavor,
    facts: &HashMap<String, TableFacts>,
    schema: &mut Schema,
    warnings: &mut Vec<Warning>,
    location: &str,
) -> Result<HashSet<(String, String)>, LiveError> {
    let mut json_candidates = HashSet::new();
    let rows = db.query(
        "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, \
         GENERATION_EXPRESSION, COLLATION_NAME, COLUMN_COMMENT \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
         ORDER BY TABLE_NAME, ORDINAL_POSITION",
    )?;
    let ns = schema.namespace_mut("");
    for r in rows {
        let tname = text(&r, 0);
        let Some(table) = ns.tables.get_mut(&tname) else {
            continue;
        };
        let cname = text(&r, 1);
        let ty = my::parse_type(&text(&r, 2));
        let mut col = Column::new(cname.clone(), ty.clone());
        col.nullable = cell(&r, 3) == Some("YES");
        let extra = text(&r, 5);
        let extra_lower = extra.to_ascii_lowercase();
        col.default = column_default(flavor, &ty, cell(&r, 4), &extra_lower);
        if extra_lower.contains("auto_increment") {
            col.identity = Some(Identity::AutoIncrement);
        }
        if let Some(at) = extra_lower.find("on update ") {
            let expr = extra[at + "on update ".len()..].trim();
            col.on_update = Some(migrex_dialect::expr(Dialect::Mysql, expr));
        }
        if extra_lower.contains("generated") && !extra_lower.contains("default_generated") {
            col.generated = Some(Generated {
                expr: migrex_dialect::expr(Dialect::Mysql, &text(&r, 6)),
                stored: extra_lower.contains("stored"),
            });
            col.default = None;
        }
        if extra_lower.contains("invisible") {
            warnings.push(warn(
                location,
                &tname,
                &format!("column {cname} is INVISIBLE; visibility is not modeled"),
            ));
        }
        let collation = nonempty(&r, 7);
        let table_collation = facts.get(&tname).and_then(|f| f.collation.clone());
        if collation.as_deref() == Some("utf8mb4_bin")
            && matches!(
                ty,
                ColumnType::Text {
                    kind: TextKind::LongText,
                    ..
                }
            )
        {
            json_candidates.insert((tname.clone(), cname.clone()));
        }
        col.collation = collation.filter(|c| Some(c) != table_collation.as_ref());
        col.comment = nonempty(&r, 8);
        table.columns.insert(cname, col);
    }
    Ok(json_candidates)
}

/// `COLUMN_DEFAULT` in the model's form. MariaDB prints defaults as SQL (`'abc'`, `5`,
/// `current_timestamp()`, `NULL` for a null default); MySQL 8 prints literals bare (`abc`) and
/// marks expressions `DEFAULT_GENERATED` in EXTRA.
fn column_default(
    flavor: Flavor,
    ty: &ColumnType,
    raw: Option<&str>,
    extra_lower: &str,
) -> Option<migrex_model::Expr> {
    let raw = raw?;
    match flavor {
        Flavor::MariaDb => my::default_expr(ty, raw),
        Flavor::Mysql if extra_lower.contains("default_generated") => my::default_expr(ty, raw),
        Flavor::Mysql => my::default_expr(ty, &mysql8_literal(ty, raw)),
    }
}

/// MySQL 8 prints a literal default unquoted (`abc`, `2020-01-01 00:00:00`); quote it for the
/// types whose literals are strings.
fn mysql8_literal(ty: &ColumnType, raw: &str) -> String {
    match ty {
        ColumnType::Integer { .. }
        | ColumnType::Decimal { .. }
        | ColumnType::Float { .. }
        | ColumnType::Bool
        | ColumnType::Year => raw.to_string(),
        ColumnType::Bit { .. } if raw.starts_with("b'") => raw.to_string(),
        _ => migrex_dialect::quote_string(Dialect::Mysql, raw),
    }
}

fn warn(location: &str, object: &str, message: &str) -> Warning {
    Warning {
        message: format!("{object}: {message}"),
        location: Some(location.to_string()),
    }
}

/// Events: reported, not read (the model has no events).
fn not_modeled(db: &mut Db, location: &str, warnings: &mut Vec<Warning>) -> Result<(), LiveError> {
    let rows = db.query(
        "SELECT 'event', EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() \
         ORDER BY 2",
    )?;
    for r in rows {
        warnings.push(warn(
            location,
            &text(&r, 1),
            &format!("{} is not modeled yet; skipped", text(&r, 0)),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(flavor: Flavor, ty: &str, raw: Option<&str>, extra: &str) -> Option<String> {
        column_default(flavor, &my::parse_type(ty), raw, extra).map(|e| e.key)
    }

    /// The same defaults as MariaDB and MySQL 8 print them read to the same model.
    #[test]
    fn both_flavors_read_defaults_alike() {
        let cases: &[(&str, Option<&str>, Option<&str>, &str)] = &[
            // type, MariaDB COLUMN_DEFAULT, MySQL 8 COLUMN_DEFAULT, MySQL 8 EXTRA
            ("varchar(10)", Some("'it''s'"), Some("it's"), ""),
            ("varchar(10)", Some("''"), Some(""), ""),
            ("int", Some("5"), Some("5"), ""),
            ("decimal(5,2)", Some("1.50"), Some("1.50"), ""),
            (
                "datetime",
                Some("'2020-01-01 00:00:00'"),
                Some("2020-01-01 00:00:00"),
                "",
            ),
            ("bit(3)", Some("b'101'"), Some("b'101'"), ""),
            ("enum('a','b')", Some("'a'"), Some("a"), ""),
            (
                "timestamp(3)",
                Some("current_timestamp(3)"),
                Some("CURRENT_TIMESTAMP(3)"),
                "default_generated on update current_timestamp(3)",
            ),
            (
                "double",
                Some("rand()"),
                Some("rand()"),
                "default_generated",
            ),
            ("int", Some("NULL"), None, ""),
        ];
        for (ty, maria, mysql, extra) in cases {
            assert_eq!(
                key(Flavor::MariaDb, ty, *maria, ""),
                key(Flavor::Mysql, ty, *mysql, extra),
                "{ty}: {maria:?} vs {mysql:?}"
            );
        }
        assert_eq!(key(Flavor::MariaDb, "int", Some("NULL"), ""), None);
        assert_ne!(key(Flavor::MariaDb, "varchar(4)", Some("'NULL'"), ""), None);
        // A MySQL 8 literal that looks like a function stays a string.
        assert_eq!(
            key(Flavor::Mysql, "varchar(20)", Some("rand()"), ""),
            key(Flavor::MariaDb, "varchar(20)", Some("'rand()'"), "")
        );
    }
}
