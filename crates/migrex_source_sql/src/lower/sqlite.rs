//! sqlite: what the database adds to a schema on its own (implicit names, implicit indexes), so the
//! schema read from DDL equals the one introspected after loading it.
//!
//! SQLite keeps unnamed constraints unnamed (their implementing indexes, `sqlite_autoindex_*`, are
//! not part of the model), so there is little to add. What SQLite does on its own:
//! - every PRIMARY KEY column of a WITHOUT ROWID or STRICT table is NOT NULL (`pragma table_info`
//!   says so), except a STRICT table's rowid alias;
//! - an index key `col COLLATE x` is the column with a collation (`pragma index_xinfo`), not an
//!   expression;
//! - the built-in collations `BINARY`, `NOCASE`, `RTRIM` are case-insensitive names, written here
//!   in upper case.
//!
//! It also warns about what SQLite would refuse: AUTOINCREMENT outside an INTEGER PRIMARY KEY,
//! indexes without a name. Triggers are read in `sqlite/triggers.rs`.

mod triggers;

use super::info::LowerInfo;
use migrex_dialect as dia;
use migrex_model::{
    ColumnType, Dialect, Identity, IndexKey, QualifiedName, Schema, Table, TableOptions, Warning,
};
use sqlparser::ast::Expr as AstExpr;
use sqlparser::parser::Parser;

/// Fills in what sqlite would: called once after every statement of the file has been lowered.
pub(crate) fn finalize(schema: &mut Schema, info: &LowerInfo, warnings: &mut Vec<Warning>) {
    // (namespace, lower-cased table name) -> its declared name and column names, for
    // case-insensitive resolution (a map: a linear search per foreign key is quadratic).
    let declared: Declared = schema
        .tables()
        .map(|(q, t)| {
            (
                (q.namespace.clone(), q.name.to_lowercase()),
                (q, t.columns.keys().cloned().collect()),
            )
        })
        .collect();
    for (ns_name, ns) in schema.namespaces.iter_mut() {
        for (name, table) in ns.tables.iter_mut() {
            let qn = QualifiedName::new(ns_name.clone(), name.clone());
            declared_spelling(table, &declared);
            pk_not_null(table);
            collations(table);
            drop_unnamed_indexes(&qn, table, info, warnings);
            check_autoincrement(&qn, table, warnings);
        }
    }
    triggers::finalize(schema, warnings);
}

/// SQLite names are case-insensitive: `PRIMARY KEY (ID)` names column `id`, `REFERENCES ARTIST`
/// names table `Artist`, and the pragmas report the declared spelling. Constraint and index
/// columns, and referenced tables and columns, take the spelling of their declaration.
type Declared = std::collections::HashMap<(String, String), (QualifiedName, Vec<String>)>;

fn declared_spelling(table: &mut Table, declared: &Declared) {
    let own: Vec<String> = table.columns.keys().cloned().collect();
    let fix = |names: &mut Vec<String>, cols: &[String]| {
        for n in names.iter_mut() {
            if let Some(d) = cols.iter().find(|c| c.eq_ignore_ascii_case(n)) {
                n.clone_from(d);
            }
        }
    };
    if let Some(pk) = &mut table.primary_key {
        fix(&mut pk.columns, &own);
    }
    for u in &mut table.uniques {
        fix(&mut u.columns, &own);
    }
    for index in &mut table.indexes {
        for part in &mut index.parts {
            if let IndexKey::Column(c) = &mut part.key
                && let Some(d) = own.iter().find(|d| d.eq_ignore_ascii_case(c))
            {
                c.clone_from(d);
            }
        }
    }
    for fk in &mut table.foreign_keys {
        fix(&mut fk.columns, &own);
        let target = declared.get(&(
            fk.ref_table.namespace.clone(),
            fk.ref_table.name.to_lowercase(),
        ));
        if let Some((q, cols)) = target {
            fk.ref_table.name.clone_from(&q.name);
            fix(&mut fk.ref_columns, cols);
        }
    }
}

/// WITHOUT ROWID and STRICT tables make their PRIMARY KEY columns NOT NULL (an ordinary rowid
/// table accepts NULL there, a legacy quirk); a STRICT table's rowid alias (`INTEGER PRIMARY KEY`,
/// never NULL anyway) is still reported as nullable.
fn pk_not_null(table: &mut Table) {
    let (strict, without_rowid) = match &table.options {
        TableOptions::Sqlite(o) => (o.strict, o.without_rowid),
        _ => (false, false),
    };
    let Some(pk) = &table.primary_key else {
        return;
    };
    let rowid_alias = !without_rowid
        && pk.columns.len() == 1
        && table
            .columns
            .get(&pk.columns[0])
            .is_some_and(|c| matches!(&c.ty, ColumnType::Other { name } if name == "INTEGER"));
    if !(without_rowid || strict && !rowid_alias) {
        return;
    }
    for c in &pk.columns {
        if let Some(col) = table.columns.get_mut(c) {
            col.nullable = false;
        }
    }
}

/// `BINARY`, `NOCASE` and `RTRIM` in upper case; other (application-defined) names as written.
pub(crate) fn collation_name(name: &str) -> String {
    let builtin = ["BINARY", "NOCASE", "RTRIM"];
    match builtin.iter().find(|b| b.eq_ignore_ascii_case(name)) {
        Some(b) => (*b).to_string(),
        None => name.to_string(),
    }
}

fn collations(table: &mut Table) {
    for col in table.columns.values_mut() {
        if let Some(c) = &mut col.collation {
            *c = collation_name(c);
        }
    }
    for index in &mut table.indexes {
        for part in &mut index.parts {
            if let IndexKey::Expr(e) = &part.key
                && let Some((column, collation)) = column_with_collation(&e.sql)
            {
                part.key = IndexKey::Column(column);
                part.collation = Some(collation);
            }
            if let Some(c) = &mut part.collation {
                *c = collation_name(c);
            }
        }
    }
}

/// `name COLLATE NOCASE` → (`name`, `NOCASE`): SQLite reads such an index key as the column.
fn column_with_collation(sql: &str) -> Option<(String, String)> {
    let d = dia::parser_dialect(Dialect::Sqlite);
    let e = Parser::new(d.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    let AstExpr::Collate { expr, collation } = e else {
        return None;
    };
    let mut inner = *expr;
    while let AstExpr::Nested(x) = inner {
        inner = *x;
    }
    let AstExpr::Identifier(id) = inner else {
        return None;
    };
    let coll = collation
        .0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())?;
    Some((id.value, coll))
}

/// SQLite has no unnamed indexes: `CREATE INDEX` needs a name, and a UNIQUE constraint (the only
/// other source of an index) is modeled as a constraint. What the generic lowering left unnamed
/// (a UNIQUE constraint over an expression or with a collation) cannot be rendered back.
fn drop_unnamed_indexes(
    qn: &QualifiedName,
    table: &mut Table,
    info: &LowerInfo,
    warnings: &mut Vec<Warning>,
) {
    let Some(ti) = info.tables.get(qn) else {
        return;
    };
    let mut pos = 0usize;
    table.indexes.retain(|i| {
        let here = pos;
        pos += 1;
        let unnamed = ti.unnamed_indexes.contains(&here) && i.name.is_empty();
        if unnamed {
            warnings.push(Warning {
                message: format!(
                    "unnamed {}index on {qn} not modeled: SQLite names it sqlite_autoindex_*, and \
                     a UNIQUE constraint with expressions or collations is not representable yet",
                    if i.unique { "unique " } else { "" }
                ),
                location: Some(format!("table {qn}")),
            });
        }
        !unnamed
    });
}

fn check_autoincrement(qn: &QualifiedName, table: &Table, warnings: &mut Vec<Warning>) {
    for col in table.columns.values() {
        if !matches!(col.identity, Some(Identity::AutoIncrement)) {
            continue;
        }
        let single_pk = table
            .primary_key
            .as_ref()
            .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == col.name);
        let integer = matches!(&col.ty, ColumnType::Other { name } if name == "INTEGER");
        if !(single_pk && integer) {
            warnings.push(Warning {
                message: format!(
                    "AUTOINCREMENT on {qn}.{} is only allowed on an INTEGER PRIMARY KEY; SQLite \
                     refuses this table",
                    col.name
                ),
                location: Some(format!("column {qn}.{}", col.name)),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use migrex_model::{Dialect, IndexKey};

    fn read(sql: &str) -> migrex_model::Loaded {
        crate::parse(sql, Dialect::Sqlite, "t.sql").expect("parses")
    }

    #[test]
    fn names_take_their_declared_spelling() {
        let l = read(
            "CREATE TABLE [Artist] (ArtistId INTEGER PRIMARY KEY); \
             CREATE TABLE album (id INTEGER, artistid INT REFERENCES ARTIST (ARTISTID), \
             PRIMARY KEY (ID), UNIQUE (ArtistID)); \
             CREATE INDEX i ON album (ARTISTID);",
        );
        let t = &l.schema.namespaces[""].tables["album"];
        assert_eq!(t.primary_key.as_ref().unwrap().columns, vec!["id"]);
        assert_eq!(t.uniques[0].columns, vec!["artistid"]);
        assert_eq!(
            t.indexes[0].parts[0].key,
            IndexKey::Column("artistid".into())
        );
        assert_eq!(t.foreign_keys[0].ref_table.name, "Artist");
        assert_eq!(t.foreign_keys[0].ref_columns, vec!["ArtistId"]);
        assert_eq!(t.foreign_keys[0].columns, vec!["artistid"]);
    }

    #[test]
    fn without_rowid_primary_key_columns_are_not_null() {
        let l = read("CREATE TABLE t (a TEXT, b INT, c INT, PRIMARY KEY (a, b)) WITHOUT ROWID;");
        let t = &l.schema.namespaces[""].tables["t"];
        assert!(!t.columns["a"].nullable);
        assert!(!t.columns["b"].nullable);
        assert!(t.columns["c"].nullable);
        // A rowid table keeps them nullable, as SQLite does.
        let l = read("CREATE TABLE t (a TEXT PRIMARY KEY);");
        assert!(l.schema.namespaces[""].tables["t"].columns["a"].nullable);
        // STRICT: NOT NULL, except the rowid alias.
        let l = read(
            "CREATE TABLE s (a TEXT PRIMARY KEY) STRICT; CREATE TABLE r (id INTEGER PRIMARY KEY) STRICT;",
        );
        assert!(!l.schema.namespaces[""].tables["s"].columns["a"].nullable);
        assert!(l.schema.namespaces[""].tables["r"].columns["id"].nullable);
    }

    #[test]
    fn collate_in_an_index_key_is_the_column() {
        let l = read(
            "CREATE TABLE t (name TEXT COLLATE nocase); \
             CREATE INDEX i ON t (name COLLATE nocase DESC, lower(name));",
        );
        let t = &l.schema.namespaces[""].tables["t"];
        assert_eq!(t.columns["name"].collation.as_deref(), Some("NOCASE"));
        let parts = &t.indexes[0].parts;
        assert_eq!(parts[0].key, IndexKey::Column("name".into()));
        assert_eq!(parts[0].collation.as_deref(), Some("NOCASE"));
        assert!(parts[0].descending);
        assert!(matches!(parts[1].key, IndexKey::Expr(_)));
    }

    #[test]
    fn autoincrement_only_on_integer_primary_key() {
        let l = read("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);");
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let t = &l.schema.namespaces[""].tables["t"];
        assert_eq!(
            t.columns["id"].identity,
            Some(migrex_model::Identity::AutoIncrement)
        );
        let l = read("CREATE TABLE t (id BIGINT PRIMARY KEY AUTOINCREMENT);");
        assert!(
            l.warnings
                .iter()
                .any(|w| w.message.contains("AUTOINCREMENT")),
            "{:?}",
            l.warnings
        );
    }
}
