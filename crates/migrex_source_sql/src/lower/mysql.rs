//! mysql: what the database adds to a schema on its own (implicit names, implicit indexes), so the
//! schema read from DDL equals the one introspected after loading it.
//!
//! The rules are MariaDB's (the server migrex is tested against), checked on MariaDB 10.11:
//! - an unnamed index takes its first column's name, then `_2`, `_3`... on collision;
//! - an unnamed foreign key is `<table>_ibfk_<n>`; InnoDB adds an index for a foreign key whose
//!   columns do not lead an existing index, named after the constraint when it was named and
//!   after its first column otherwise;
//! - an unnamed column CHECK is named after its column, an unnamed table CHECK `CONSTRAINT_<n>`
//!   (MySQL 8 names both `<table>_chk_<n>`: `Flavor::check_name`);
//! - UNIQUE is a unique index; the primary key is always `PRIMARY` (kept as `None`);
//! - a JSON column with its own CHECK is stored as `longtext COLLATE utf8mb4_bin` (MariaDB only
//!   adds `json_valid` when the column has no check; live introspection reads that back as JSON).
//!
//! The database the DDL will be loaded into is assumed to have the server's default charset
//! `utf8mb4` and collation `utf8mb4_general_ci`.

mod objects;
pub(crate) mod partitions;
mod routines;
mod tokens;

use super::info::LowerInfo;
use migrex_dialect::mysql::{self as my, Flavor};
use migrex_model::{
    ColumnType, Index, IndexKey, IndexPart, QualifiedName, Schema, Table, TableOptions, TextKind,
    Warning,
};

const FLAVOR: Flavor = Flavor::MariaDb;
const DB_CHARSET: &str = "utf8mb4";
const DB_COLLATION: &str = "utf8mb4_general_ci";

/// Fills in what mysql would: called once after every statement of the file has been lowered.
pub(crate) fn finalize(schema: &mut Schema, info: &LowerInfo, _warnings: &mut Vec<Warning>) {
    for (ns_name, ns) in schema.namespaces.iter_mut() {
        for (tname, table) in ns.tables.iter_mut() {
            let qn = QualifiedName::new(ns_name.clone(), tname.clone());
            finalize_table(table, info.tables.get(&qn));
        }
        // A view written against `db.table` (as MariaDB and its dumps print views) means the
        // schema's own table: the database the file is loaded into may have another name.
        let local: Vec<String> = ns.tables.keys().chain(ns.views.keys()).cloned().collect();
        for view in ns.views.values_mut() {
            let dbs = my::view_databases(&view.definition.sql);
            let sql = my::strip_db_qualifiers(&view.definition.sql, |db, obj| {
                dbs.iter().any(|d| d == db) && local.iter().any(|l| l == obj)
            });
            view.definition = my::view_expr(&sql);
            view.depends_on = my::view_dependencies(&view.definition.sql)
                .into_iter()
                .map(|d| QualifiedName::new(ns_name.clone(), d))
                .collect();
        }
    }
}

fn default_collation(cs: &str) -> Option<String> {
    FLAVOR.default_collation(cs).map(str::to_string)
}

/// The engine's name as the catalog prints it (`innodb` → `InnoDB`).
fn canonical_engine(engine: &str) -> String {
    match engine.to_ascii_lowercase().as_str() {
        "innodb" => "InnoDB",
        "myisam" => "MyISAM",
        "memory" | "heap" => "MEMORY",
        "aria" => "Aria",
        "csv" => "CSV",
        "archive" => "ARCHIVE",
        "blackhole" => "BLACKHOLE",
        "merge" | "mrg_myisam" => "MRG_MyISAM",
        _ => return engine.to_string(),
    }
    .to_string()
}

fn finalize_table(table: &mut Table, info: Option<&super::info::TableInfo>) {
    // Table options: engine and charset/collation default away; the table's effective
    // collation decides which column collations are explicit.
    let mut engine = None;
    let mut table_collation = DB_COLLATION.to_string();
    if let TableOptions::Mysql(o) = &mut table.options {
        engine = o.engine.as_deref().map(canonical_engine);
        let cs = o.charset.as_deref().map(str::to_ascii_lowercase);
        let coll = o.collation.as_deref().map(my::canonical_collation);
        table_collation = coll
            .clone()
            .or_else(|| cs.as_deref().and_then(default_collation))
            .unwrap_or_else(|| DB_COLLATION.to_string());
        (o.charset, o.collation) = my::table_charset(
            cs.as_deref(),
            coll.as_deref(),
            DB_CHARSET,
            DB_COLLATION,
            default_collation,
        );
        o.engine = engine.clone().filter(|e| e != "InnoDB");
        o.row_format = o.row_format.as_deref().map(str::to_ascii_uppercase);
    } else {
        table.options = TableOptions::Mysql(Default::default());
    }

    // Column checks by column, before checks are renamed.
    let column_checks: Vec<Option<String>> = (0..table.checks.len())
        .map(|i| info.and_then(|inf| inf.column_checks.get(&i).cloned()))
        .collect();
    let checked_columns: Vec<&str> = column_checks.iter().flatten().map(String::as_str).collect();

    let pk_columns: Vec<String> = table
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    for col in table.columns.values_mut() {
        if pk_columns.contains(&col.name) {
            col.nullable = false;
        }
        col.default = match (&col.default, &col.generated) {
            (Some(d), None) => my::default_expr(&col.ty, &d.sql),
            _ => None,
        };
        col.collation = col
            .collation
            .as_deref()
            .map(|c| {
                // `varchar(10) BINARY`: the `_bin` collation of the column's character set.
                if c == crate::repair::MYSQL_BINARY_COLLATION {
                    format!("{}_bin", my::collation_charset(&table_collation))
                } else {
                    my::canonical_collation(c)
                }
            })
            .filter(|c| *c != table_collation);
        // MariaDB adds `CHECK (json_valid(col))` to a JSON column only when the column has no
        // check of its own; with one, all that remains is longtext in utf8mb4_bin.
        if col.ty == (ColumnType::Json { binary: false })
            && checked_columns.contains(&col.name.as_str())
        {
            col.ty = ColumnType::Text {
                kind: TextKind::LongText,
                max_len: None,
            };
            col.collation = (table_collation != "utf8mb4_bin").then(|| "utf8mb4_bin".to_string());
        }
    }

    if let Some(pk) = &mut table.primary_key {
        pk.name = None;
    }

    // UNIQUE constraints become unique indexes, placed before the table-level indexes (column
    // definitions come first in a CREATE TABLE).
    let uniques = std::mem::take(&mut table.uniques);
    let unnamed_before: Vec<bool> = (0..table.indexes.len())
        .map(|i| info.is_some_and(|inf| inf.unnamed_indexes.contains(&i)))
        .collect();
    let mut indexes: Vec<(Index, bool)> = uniques
        .into_iter()
        .map(|u| {
            let unnamed = u.name.is_none();
            (
                Index {
                    name: u.name.unwrap_or_default(),
                    unique: true,
                    parts: u.columns.into_iter().map(IndexPart::column).collect(),
                    method: None,
                    include: Vec::new(),
                    predicate: None,
                    nulls_not_distinct: false,
                    comment: None,
                },
                unnamed,
            )
        })
        .collect();
    indexes.extend(
        std::mem::take(&mut table.indexes)
            .into_iter()
            .zip(unnamed_before)
            .map(|(i, unnamed)| {
                let unnamed = unnamed || i.name.is_empty();
                (i, unnamed)
            }),
    );
    // Names written by the user are taken before any generated one.
    let mut taken: Vec<String> = indexes
        .iter()
        .filter(|(_, unnamed)| !unnamed)
        .map(|(i, _)| i.name.to_ascii_lowercase())
        .collect();
    for (ix, unnamed) in indexes.iter_mut() {
        ix.method = ix
            .method
            .as_deref()
            .and_then(|m| my::index_method(engine.as_deref(), m));
        if *unnamed {
            let base = match ix.parts.first().map(|p| &p.key) {
                Some(IndexKey::Column(c)) => c.clone(),
                _ => "functional_index".to_string(),
            };
            ix.name = my::unique_index_name(&base, |n| taken.contains(&n.to_ascii_lowercase()));
            taken.push(ix.name.to_ascii_lowercase());
        }
    }
    table.indexes = indexes.into_iter().map(|(i, _)| i).collect();

    // Foreign keys: names, actions, and the index InnoDB adds when none leads with their columns.
    let mut fk_taken: Vec<String> = table
        .foreign_keys
        .iter()
        .filter_map(|f| f.name.clone())
        .collect();
    let mut n = 0;
    let mut new_indexes = Vec::new();
    for fk in table.foreign_keys.iter_mut() {
        let written_name = fk.name.clone();
        if fk.name.is_none() {
            let name = loop {
                n += 1;
                let candidate = my::fk_name(&table.name, n);
                if !fk_taken.contains(&candidate) {
                    break candidate;
                }
            };
            fk_taken.push(name.clone());
            fk.name = Some(name);
        }
        let covered = pk_columns.starts_with(&fk.columns) && !pk_columns.is_empty()
            || table
                .indexes
                .iter()
                .chain(new_indexes.iter())
                .any(|ix| index_leads_with(ix, &fk.columns));
        if !covered && !fk.columns.is_empty() {
            let base = written_name.unwrap_or_else(|| fk.columns[0].clone());
            let name = my::unique_index_name(&base, |n| taken.contains(&n.to_ascii_lowercase()));
            taken.push(name.to_ascii_lowercase());
            new_indexes.push(Index {
                name,
                unique: false,
                parts: fk.columns.iter().cloned().map(IndexPart::column).collect(),
                method: None,
                include: Vec::new(),
                predicate: None,
                nulls_not_distinct: false,
                comment: None,
            });
        }
    }
    table.indexes.extend(new_indexes);

    // Checks.
    let mut table_checks = 0;
    for (check, column) in table.checks.iter_mut().zip(&column_checks) {
        if check.name.is_none() {
            if column.is_none() {
                table_checks += 1;
            }
            check.name = Some(FLAVOR.check_name(&table.name, column.as_deref(), table_checks));
        }
    }
    fold_mariadb_json(table, &column_checks, &table_collation);

    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    table.checks.sort_by(|a, b| a.name.cmp(&b.name));
}

/// MariaDB's `JSON` is an alias: the catalog holds `longtext` in `utf8mb4_bin` with a column
/// check `json_valid(col)` named after the column, exactly what the spelled-out form stores. Live
/// introspection reads that shape back as JSON, so the spelled-out form is read as JSON too.
fn fold_mariadb_json(table: &mut Table, column_checks: &[Option<String>], table_collation: &str) {
    let checks = std::mem::take(&mut table.checks);
    for (check, column) in checks.into_iter().zip(column_checks) {
        if let Some(c) = column
            && check.name.as_deref() == Some(c.as_str())
            && check.expr.key
                == migrex_dialect::expr_key(
                    migrex_model::Dialect::Mysql,
                    &format!(
                        "json_valid({})",
                        migrex_dialect::quote_ident(migrex_model::Dialect::Mysql, c)
                    ),
                )
            && let Some(col) = table.columns.get_mut(c)
            && matches!(
                col.ty,
                ColumnType::Text {
                    kind: TextKind::LongText,
                    max_len: None
                }
            )
            && col.collation.as_deref().unwrap_or(table_collation) == "utf8mb4_bin"
        {
            col.ty = ColumnType::Json { binary: false };
            col.collation = None;
            continue;
        }
        table.checks.push(check);
    }
}

/// True when `ix` can serve a foreign key on `columns`: they are its leading columns, whole (not
/// prefixes), in order. FULLTEXT and SPATIAL indexes cannot.
fn index_leads_with(ix: &Index, columns: &[String]) -> bool {
    if ix
        .method
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("FULLTEXT") || m.eq_ignore_ascii_case("SPATIAL"))
        || ix.parts.len() < columns.len()
    {
        return false;
    }
    ix.parts.iter().zip(columns).all(|(p, c)| {
        p.prefix_len.is_none() && matches!(&p.key, IndexKey::Column(k) if k.eq_ignore_ascii_case(c))
    })
}

#[cfg(test)]
mod tests {
    use crate::parse;
    use migrex_model::{Dialect, FkAction, Table};

    fn table(sql: &str, name: &str) -> Table {
        let loaded = parse(sql, Dialect::Mysql, "t.sql").expect("parses");
        loaded.schema.namespaces[""].tables[name].clone()
    }

    fn index_names(t: &Table) -> Vec<(&str, bool)> {
        t.indexes
            .iter()
            .map(|i| (i.name.as_str(), i.unique))
            .collect()
    }

    #[test]
    fn implicit_index_names() {
        let t = table(
            "CREATE TABLE p (id int PRIMARY KEY, code varchar(10) UNIQUE, x int, UNIQUE (x), KEY (code, x));",
            "p",
        );
        assert_eq!(
            index_names(&t),
            vec![("code", true), ("code_2", false), ("x", true)]
        );
        assert!(t.uniques.is_empty());
        assert_eq!(t.primary_key.as_ref().and_then(|p| p.name.clone()), None);
        assert!(!t.columns["id"].nullable);
    }

    #[test]
    fn foreign_key_names_and_implicit_indexes() {
        let t = table(
            "CREATE TABLE p (id int PRIMARY KEY);
             CREATE TABLE d (id int PRIMARY KEY, z int REFERENCES p(id),
               fk1 int, FOREIGN KEY (fk1) REFERENCES p(id) ON DELETE CASCADE,
               fk2 int, CONSTRAINT myfk FOREIGN KEY (fk2) REFERENCES p(id) ON UPDATE SET NULL,
               fk3 int, INDEX (fk3), FOREIGN KEY (fk3) REFERENCES p(id) ON DELETE RESTRICT ON UPDATE NO ACTION,
               fk4 int, fk5 int, UNIQUE (fk5, fk4), FOREIGN KEY (fk4) REFERENCES p(id),
               FOREIGN KEY (id) REFERENCES p(id));",
            "d",
        );
        let fks: Vec<(&str, &str)> = t
            .foreign_keys
            .iter()
            .map(|f| (f.name.as_deref().unwrap_or(""), f.columns[0].as_str()))
            .collect();
        assert_eq!(
            fks,
            vec![
                ("d_ibfk_1", "z"),
                ("d_ibfk_2", "fk1"),
                ("d_ibfk_3", "fk3"),
                ("d_ibfk_4", "fk4"),
                ("d_ibfk_5", "id"),
                ("myfk", "fk2")
            ]
        );
        // Unwritten and RESTRICT are both RESTRICT in InnoDB's catalog; NO ACTION stays.
        assert_eq!(t.foreign_keys[0].on_delete, FkAction::Restrict);
        assert_eq!(t.foreign_keys[2].on_delete, FkAction::Restrict);
        assert_eq!(t.foreign_keys[2].on_update, FkAction::NoAction);
        assert_eq!(
            index_names(&t),
            vec![
                ("fk1", false),
                ("fk3", false),
                ("fk4", false),
                ("fk5", true),
                ("myfk", false),
                ("z", false)
            ]
        );
    }

    #[test]
    fn check_names_follow_mariadb() {
        let t = table(
            "CREATE TABLE c1 (a int, b int, c int, CHECK (a > 0), CONSTRAINT x CHECK (b > 0), CHECK (c > 0),
               d int CHECK (d > 1));",
            "c1",
        );
        let names: Vec<&str> = t.checks.iter().filter_map(|c| c.name.as_deref()).collect();
        assert_eq!(names, vec!["CONSTRAINT_1", "CONSTRAINT_2", "d", "x"]);
    }

    #[test]
    fn options_and_collations_default_away() {
        let t = table(
            "CREATE TABLE t (a varchar(3) COLLATE utf8mb4_general_ci, b varchar(3) COLLATE utf8mb4_bin)
             ENGINE=innodb DEFAULT CHARSET=utf8mb4;",
            "t",
        );
        assert!(t.options.is_default(), "{:?}", t.options);
        assert_eq!(t.columns["a"].collation, None);
        assert_eq!(t.columns["b"].collation.as_deref(), Some("utf8mb4_bin"));
        let t = table("CREATE TABLE t (a varchar(3) BINARY) CHARSET=latin1;", "t");
        assert_eq!(t.columns["a"].collation.as_deref(), Some("latin1_bin"));
        let t = table(
            "CREATE TABLE t (a int) ENGINE=MyISAM DEFAULT CHARSET=latin1;",
            "t",
        );
        let migrex_model::TableOptions::Mysql(o) = &t.options else {
            panic!("mysql options")
        };
        assert_eq!(o.engine.as_deref(), Some("MyISAM"));
        assert_eq!(o.charset.as_deref(), Some("latin1"));
        assert_eq!(o.collation, None);
    }

    #[test]
    fn json_with_own_check_is_longtext() {
        let t = table(
            "CREATE TABLE j (p json CHECK (json_length(p) > 0), q json);",
            "j",
        );
        assert_eq!(
            migrex_dialect::format_type(Dialect::Mysql, &t.columns["p"].ty),
            "longtext"
        );
        assert_eq!(t.columns["p"].collation.as_deref(), Some("utf8mb4_bin"));
        assert_eq!(
            t.columns["q"].ty,
            migrex_model::ColumnType::Json { binary: false }
        );
    }

    #[test]
    fn views_drop_the_database_of_their_own_tables() {
        let loaded = parse(
            "CREATE TABLE users (id int);
             CREATE VIEW v AS select `app`.`users`.`id` AS `id`, 'app.users' AS s
               from (`app`.`users` join other.t on(`app`.`users`.`id` = other.t.id));",
            Dialect::Mysql,
            "t.sql",
        )
        .expect("parses");
        let v = &loaded.schema.namespaces[""].views["v"];
        // The generic lowering reprints the query; only the own database's qualifier goes.
        assert_eq!(
            v.definition.sql,
            "SELECT `users`.`id` AS `id`, 'app.users' AS s \
             FROM (`users` JOIN other.t ON (`users`.`id` = other.t.id))"
        );
    }

    #[test]
    fn spelled_out_mariadb_json_is_json() {
        let t = table(
            "CREATE TABLE j (a longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin CHECK (json_valid(a)),
               b json CHECK (json_valid(`b`)),
               c longtext CHECK (json_valid(c)),
               d longtext COLLATE utf8mb4_bin CONSTRAINT d_ok CHECK (json_valid(d)),
               e longtext COLLATE utf8mb4_bin, CHECK (json_valid(e)));",
            "j",
        );
        let json = migrex_model::ColumnType::Json { binary: false };
        assert_eq!(t.columns["a"].ty, json);
        assert_eq!(t.columns["a"].collation, None);
        assert_eq!(t.columns["b"].ty, json);
        // Not MariaDB's JSON shape: general collation, a check named otherwise, a table check.
        assert_ne!(t.columns["c"].ty, json);
        assert_ne!(t.columns["d"].ty, json);
        assert_ne!(t.columns["e"].ty, json);
        let names: Vec<&str> = t.checks.iter().filter_map(|c| c.name.as_deref()).collect();
        assert_eq!(names, vec!["CONSTRAINT_1", "c", "d_ok"]);
    }
}
