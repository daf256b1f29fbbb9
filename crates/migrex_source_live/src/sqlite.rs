//! sqlite catalog introspection.
//!
//! SQLite's catalog is its stored DDL: `sqlite_master.sql` holds each CREATE
//! TABLE/INDEX/VIEW/TRIGGER as written (ALTER TABLE rewrites that text in place). Reading it with the same reader as DDL files
//! (`migrex_source_sql::parse`) makes "file == live" hold by construction. The pragmas
//! (`table_xinfo`, `index_list`/`index_xinfo`, `foreign_key_list`, `table_list`) are what SQLite
//! actually built from that text; they are compared with the parsed model and any disagreement
//! is reported as a warning, the pragma winning where it is the truth (nullability, generated
//! column kind, STRICT/WITHOUT ROWID).

use crate::conn::TextRow;
use crate::{Db, LiveError};
use migrex_dialect as dia;
use migrex_model::{
    Dialect, ForeignKey, Generated, IndexKey, Loaded, Table, TableOptions, Warning,
};
use std::collections::HashMap;

const D: Dialect = Dialect::Sqlite;
/// The pseudo file name of the script assembled from `sqlite_master`.
const SOURCE: &str = "sqlite_master";

/// One row of `sqlite_master` (internal `sqlite_*` objects excluded).
struct Object {
    kind: String,
    name: String,
    table: String,
    sql: Option<String>,
}

/// `pragma_table_list` facts of one table.
struct TableKind {
    kind: String,
    without_rowid: bool,
    strict: bool,
}

pub(crate) fn introspect(db: &mut Db) -> Result<Loaded, LiveError> {
    let objects: Vec<Object> = db
        .query(
            "SELECT type, name, tbl_name, sql FROM main.sqlite_master \
             WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
        )?
        .into_iter()
        .map(|r| {
            let mut it = r.into_iter();
            let mut next = || it.next().flatten();
            Object {
                kind: next().unwrap_or_default(),
                name: next().unwrap_or_default(),
                table: next().unwrap_or_default(),
                sql: next(),
            }
        })
        .collect();
    let kinds = table_kinds(db);
    let mut warnings = Vec::new();

    // Tables first, then indexes, then views, then triggers, so each statement finds what it
    // refers to (creation order can differ after a table rebuild). A trigger's stored text is
    // its whole CREATE TRIGGER statement, read by the DDL reader like the rest.
    let mut script = String::new();
    // Lines in `script` so far, kept as it grows (recounting it per object is quadratic).
    let mut script_lines: u64 = 0;
    let mut starts: Vec<(u64, String)> = Vec::new();
    let virtual_tables: Vec<&str> = kinds
        .iter()
        .filter(|(_, k)| k.kind == "virtual")
        .map(|(n, _)| n.as_str())
        .collect();
    for pass in ["table", "index", "view", "trigger"] {
        for o in objects.iter().filter(|o| o.kind == pass) {
            let Some(sql) = &o.sql else { continue };
            let kind = kinds.get(&o.name).map(|k| k.kind.as_str());
            if pass == "table" && kind == Some("shadow") {
                continue;
            }
            let is_virtual = kind == Some("virtual")
                || sql
                    .trim_start()
                    .get(..20)
                    .is_some_and(|s| s.eq_ignore_ascii_case("CREATE VIRTUAL TABLE"));
            if pass == "table" && is_virtual {
                warnings.push(Warning {
                    message: format!(
                        "virtual table {} (and its shadow tables) is not modeled yet",
                        o.name
                    ),
                    location: Some(format!("table {}", o.name)),
                });
                continue;
            }
            if (pass == "index" || pass == "trigger") && virtual_tables.contains(&o.table.as_str())
            {
                continue;
            }
            let line = script_lines + 1;
            starts.push((line, format!("{} {}", o.kind, o.name)));
            script.push_str(sql);
            // A stored statement may end in a `--` comment: end it on its own line.
            script.push_str("\n;\n");
            script_lines += sql.matches('\n').count() as u64 + 2;
        }
    }

    let object_at = |line: u64| -> String {
        starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= line)
            .map(|(_, o)| o.clone())
            .unwrap_or_else(|| SOURCE.to_string())
    };
    let mut loaded = migrex_source_sql::parse(&script, D, SOURCE).map_err(|e| {
        LiveError::Other(format!(
            "cannot read the stored SQL of {} in {}: {}",
            object_at(e.line),
            db.url(),
            e.message
        ))
    })?;
    // Locations in the assembled script mean nothing to a user: name the object instead.
    for w in &mut loaded.warnings {
        if let Some(loc) = &w.location
            && let Some(line) = loc
                .strip_prefix(&format!("{SOURCE}:"))
                .and_then(|rest| rest.split(':').next())
                .and_then(|l| l.parse::<u64>().ok())
        {
            w.location = Some(object_at(line));
        }
    }
    let url = db.url().to_string();
    for loc in loaded.provenance.locations.values_mut() {
        *loc = url.clone();
    }
    warnings.append(&mut loaded.warnings);

    cross_check(db, &mut loaded, &kinds, &mut warnings)?;
    loaded.warnings = warnings;
    Ok(loaded)
}

/// `pragma_table_list` (SQLite 3.37+) by table name; empty when the pragma is unavailable.
fn table_kinds(db: &mut Db) -> HashMap<String, TableKind> {
    let Ok(rows) =
        db.query("SELECT name, type, wr, strict FROM pragma_table_list WHERE schema = 'main'")
    else {
        return HashMap::new();
    };
    rows.into_iter()
        .filter_map(|r| {
            let name = r.first().cloned().flatten()?;
            let flag = |i: usize| r.get(i).cloned().flatten().as_deref() == Some("1");
            Some((
                name,
                TableKind {
                    kind: r.get(1).cloned().flatten().unwrap_or_default(),
                    without_rowid: flag(2),
                    strict: flag(3),
                },
            ))
        })
        .collect()
}

fn cell(row: &[Option<String>], i: usize) -> Option<&str> {
    row.get(i).and_then(|c| c.as_deref())
}

fn warn(warnings: &mut Vec<Warning>, table: &str, message: String) {
    warnings.push(Warning {
        message: format!("{table}: {message}"),
        location: Some(format!("table {table}")),
    });
}

/// The tables the cross-checks cover, as a filter on `sqlite_master m`. Virtual tables are left
/// out: they are not modeled, and a table-valued pragma on one whose module is not loaded fails
/// the whole query (SQLite stores their DDL as `CREATE VIRTUAL TABLE ...`).
const CHECKED_TABLES: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
     AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'";

/// Rows of one pragma for every table, by ASCII-lowercased table name (SQLite resolves a table
/// name case-insensitively in ASCII, as the per-table pragma calls did).
type ByTable = HashMap<String, Vec<TextRow>>;

/// The pragma facts of all tables. Each pragma is one query (its table-valued function joined
/// with `sqlite_master`), so introspection does not cost several round trips per table.
struct Pragmas {
    /// `pragma_table_xinfo` rows: name, type, notnull, dflt_value, pk, hidden (by cid).
    columns: ByTable,
    /// `pragma_index_list` rows: name, unique, origin, partial (by seq).
    indexes: ByTable,
    /// `pragma_index_xinfo` key rows (key = 1) by index name: cid, name, desc, coll (by seqno).
    index_keys: HashMap<String, Vec<TextRow>>,
    /// `pragma_foreign_key_list` rows: id, table, from, to, on_update, on_delete (by id, seq).
    foreign_keys: ByTable,
}

impl Pragmas {
    fn read(db: &mut Db) -> Result<Pragmas, LiveError> {
        let by_table = |rows: Vec<TextRow>| -> ByTable {
            let mut map = ByTable::new();
            for mut r in rows {
                if r.is_empty() {
                    continue;
                }
                let table = r.remove(0).unwrap_or_default().to_ascii_lowercase();
                map.entry(table).or_default().push(r);
            }
            map
        };
        let columns = by_table(db.query(&format!(
            "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden \
             FROM main.sqlite_master m JOIN pragma_table_xinfo(m.name, 'main') p \
             WHERE {CHECKED_TABLES} ORDER BY m.name, p.cid"
        ))?);
        let indexes = by_table(db.query(&format!(
            "SELECT m.name, il.name, il.\"unique\", il.origin, il.partial \
             FROM main.sqlite_master m JOIN pragma_index_list(m.name, 'main') il \
             WHERE {CHECKED_TABLES} ORDER BY m.name, il.seq"
        ))?);
        // Index names are unique in a schema, so the index name alone keys its columns.
        let mut index_keys: HashMap<String, Vec<TextRow>> = HashMap::new();
        for mut r in db.query(&format!(
            "SELECT il.name, x.cid, x.name, x.\"desc\", x.coll \
             FROM main.sqlite_master m JOIN pragma_index_list(m.name, 'main') il \
             JOIN pragma_index_xinfo(il.name, 'main') x \
             WHERE {CHECKED_TABLES} AND x.key = 1 ORDER BY m.name, il.seq, x.seqno"
        ))? {
            if r.is_empty() {
                continue;
            }
            let index = r.remove(0).unwrap_or_default();
            index_keys.entry(index).or_default().push(r);
        }
        let foreign_keys = by_table(db.query(&format!(
            "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete \
             FROM main.sqlite_master m JOIN pragma_foreign_key_list(m.name, 'main') f \
             WHERE {CHECKED_TABLES} ORDER BY m.name, f.id, f.seq"
        ))?);
        Ok(Pragmas {
            columns,
            indexes,
            index_keys,
            foreign_keys,
        })
    }
}

/// The rows of `table` in one pragma's map (none when the pragma listed nothing for it).
fn rows_of<'a>(map: &'a ByTable, table: &str) -> &'a [TextRow] {
    map.get(&table.to_ascii_lowercase())
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn cross_check(
    db: &mut Db,
    loaded: &mut Loaded,
    kinds: &HashMap<String, TableKind>,
    warnings: &mut Vec<Warning>,
) -> Result<(), LiveError> {
    let Some(ns) = loaded.schema.namespaces.get_mut(D.default_namespace()) else {
        return Ok(());
    };
    if ns.tables.is_empty() {
        return Ok(());
    }
    let pragmas = Pragmas::read(db)?;
    for (name, table) in ns.tables.iter_mut() {
        check_columns(name, table, rows_of(&pragmas.columns, name), warnings);
        check_indexes(
            name,
            table,
            rows_of(&pragmas.indexes, name),
            &pragmas.index_keys,
            warnings,
        );
        check_foreign_keys(name, table, rows_of(&pragmas.foreign_keys, name), warnings);
        if let Some(k) = kinds.get(name) {
            check_options(name, table, k, warnings);
        }
    }
    Ok(())
}

fn check_columns(name: &str, table: &mut Table, rows: &[TextRow], warnings: &mut Vec<Warning>) {
    let pragma_names: Vec<&str> = rows.iter().filter_map(|r| cell(r, 0)).collect();
    let model_names: Vec<&str> = table.columns.keys().map(String::as_str).collect();
    if pragma_names != model_names {
        warn(
            warnings,
            name,
            format!(
                "columns read from the stored SQL {model_names:?} differ from \
                 pragma_table_xinfo {pragma_names:?}"
            ),
        );
    }
    let mut pk: Vec<(i64, String)> = Vec::new();
    for r in rows {
        let Some(col_name) = cell(r, 0) else { continue };
        let Some(col) = table.columns.get_mut(col_name) else {
            continue;
        };
        let ty = dia::format_type(D, &dia::parse_type(D, cell(r, 1).unwrap_or("")));
        let model_ty = dia::format_type(D, &col.ty);
        if !ty.eq_ignore_ascii_case(&model_ty) {
            warn(
                warnings,
                name,
                format!("column {col_name}: stored SQL says type `{model_ty}`, pragma says `{ty}`"),
            );
        }
        let not_null = cell(r, 2) == Some("1");
        if not_null == col.nullable {
            warn(
                warnings,
                name,
                format!(
                    "column {col_name}: stored SQL says {}, pragma says {} (pragma kept)",
                    if col.nullable { "NULL" } else { "NOT NULL" },
                    if not_null { "NOT NULL" } else { "NULL" }
                ),
            );
            col.nullable = !not_null;
        }
        let pragma_default = cell(r, 3).map(|d| dia::expr_key(D, d));
        let model_default = col.default.as_ref().map(|d| d.key.clone());
        if pragma_default != model_default {
            warn(
                warnings,
                name,
                format!(
                    "column {col_name}: default from the stored SQL {:?} differs from pragma {:?}",
                    col.default.as_ref().map(|d| &d.sql),
                    cell(r, 3)
                ),
            );
        }
        match (cell(r, 5), &mut col.generated) {
            (Some(h @ ("2" | "3")), Some(Generated { stored, .. })) => {
                let pragma_stored = h == "3";
                if *stored != pragma_stored {
                    warn(
                        warnings,
                        name,
                        format!(
                            "column {col_name}: pragma says the generated column is {} (pragma kept)",
                            if pragma_stored { "STORED" } else { "VIRTUAL" }
                        ),
                    );
                    *stored = pragma_stored;
                }
            }
            (Some("2" | "3"), None) => warn(
                warnings,
                name,
                format!(
                    "column {col_name}: pragma says it is generated; the stored SQL was not read so"
                ),
            ),
            (_, Some(_)) => warn(
                warnings,
                name,
                format!("column {col_name}: read as generated, but pragma says it is not"),
            ),
            _ => {}
        }
        if let Some(p) = cell(r, 4).and_then(|p| p.parse::<i64>().ok())
            && p > 0
        {
            pk.push((p, col_name.to_string()));
        }
    }
    pk.sort();
    let pragma_pk: Vec<String> = pk.into_iter().map(|(_, c)| c).collect();
    let model_pk = table
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    if !same_names(&pragma_pk, &model_pk) {
        warn(
            warnings,
            name,
            format!(
                "primary key from the stored SQL {model_pk:?} differs from pragma {pragma_pk:?}"
            ),
        );
    }
}

fn same_names(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// One key column of an index: (column name or None for an expression, descending, collation).
type KeyCol = (Option<String>, bool, String);

/// The key columns of one index from its `pragma_index_xinfo` rows.
fn index_keys(rows: &[TextRow]) -> Vec<KeyCol> {
    rows.iter()
        .map(|r| {
            let expr = cell(r, 0) == Some("-2");
            (
                if expr {
                    None
                } else {
                    cell(r, 1).map(str::to_string)
                },
                cell(r, 2) == Some("1"),
                cell(r, 3).unwrap_or("BINARY").to_string(),
            )
        })
        .collect()
}

fn check_indexes(
    name: &str,
    table: &Table,
    rows: &[TextRow],
    index_keys_by_name: &HashMap<String, Vec<TextRow>>,
    warnings: &mut Vec<Warning>,
) {
    let mut seen = Vec::new();
    let mut unique_cols: Vec<Vec<String>> = Vec::new();
    for r in rows {
        let Some(index_name) = cell(r, 0) else {
            continue;
        };
        let keys = index_keys(
            index_keys_by_name
                .get(index_name)
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        );
        let columns: Vec<String> = keys.iter().filter_map(|k| k.0.clone()).collect();
        match cell(r, 2) {
            Some("c") => {
                seen.push(index_name.to_string());
                let Some(ix) = table.indexes.iter().find(|i| i.name == index_name) else {
                    warn(
                        warnings,
                        name,
                        format!("index {index_name} is in pragma_index_list but was not read"),
                    );
                    continue;
                };
                if ix.unique != (cell(r, 1) == Some("1"))
                    || ix.predicate.is_some() != (cell(r, 3) == Some("1"))
                {
                    warn(
                        warnings,
                        name,
                        format!("index {index_name}: uniqueness or partiality differs from pragma"),
                    );
                }
                let parts_agree = ix.parts.len() == keys.len()
                    && ix.parts.iter().zip(&keys).all(|(p, (col, desc, coll))| {
                        let key_ok = match (&p.key, col) {
                            (IndexKey::Column(c), Some(k)) => c.eq_ignore_ascii_case(k),
                            (IndexKey::Expr(_), None) => true,
                            _ => false,
                        };
                        // Without COLLATE an index key uses its column's collation (or BINARY).
                        let implied = match &p.key {
                            IndexKey::Column(c) => table
                                .columns
                                .get(c)
                                .and_then(|c| c.collation.clone())
                                .unwrap_or_else(|| "BINARY".into()),
                            IndexKey::Expr(_) => coll.clone(),
                        };
                        let want = p.collation.clone().unwrap_or(implied);
                        key_ok && p.descending == *desc && want.eq_ignore_ascii_case(coll)
                    });
                if !parts_agree {
                    warn(
                        warnings,
                        name,
                        format!(
                            "index {index_name}: key columns differ from pragma_index_xinfo {keys:?}"
                        ),
                    );
                }
            }
            Some("u") => unique_cols.push(columns),
            Some("pk") => {
                let model_pk = table
                    .primary_key
                    .as_ref()
                    .map(|p| p.columns.clone())
                    .unwrap_or_default();
                if !same_names(&columns, &model_pk) {
                    warn(
                        warnings,
                        name,
                        format!("primary key index has columns {columns:?}, read {model_pk:?}"),
                    );
                }
            }
            _ => {}
        }
    }
    for ix in &table.indexes {
        if !seen.contains(&ix.name) {
            warn(
                warnings,
                name,
                format!(
                    "index {} was read but pragma_index_list does not list it",
                    ix.name
                ),
            );
        }
    }
    // SQLite drops a UNIQUE constraint's index when the primary key or another UNIQUE already
    // covers the same columns, so match each constraint to an index rather than count them.
    for u in &table.uniques {
        let covered = unique_cols.iter().any(|c| same_names(c, &u.columns))
            || table
                .primary_key
                .as_ref()
                .is_some_and(|p| same_names(&p.columns, &u.columns));
        if !covered {
            warn(
                warnings,
                name,
                format!(
                    "UNIQUE ({}) has no index in pragma_index_list",
                    u.columns.join(", ")
                ),
            );
        }
    }
    for cols in &unique_cols {
        if !table.uniques.iter().any(|u| same_names(cols, &u.columns)) {
            warn(
                warnings,
                name,
                format!("pragma lists a UNIQUE index on {cols:?} that was not read"),
            );
        }
    }
}

/// One foreign key as `pragma_foreign_key_list` reports it (its rows grouped by `id`).
struct PragmaFk {
    id: String,
    table: String,
    from: Vec<String>,
    to: Vec<Option<String>>,
    on_update: String,
    on_delete: String,
}

fn check_foreign_keys(name: &str, table: &Table, rows: &[TextRow], warnings: &mut Vec<Warning>) {
    let mut groups: Vec<PragmaFk> = Vec::new();
    for r in rows {
        let id = cell(r, 0).unwrap_or("").to_string();
        if groups.last().is_none_or(|g| g.id != id) {
            groups.push(PragmaFk {
                id,
                table: cell(r, 1).unwrap_or("").to_string(),
                from: Vec::new(),
                to: Vec::new(),
                on_update: cell(r, 4).unwrap_or("NO ACTION").to_string(),
                on_delete: cell(r, 5).unwrap_or("NO ACTION").to_string(),
            });
        }
        if let Some(g) = groups.last_mut() {
            g.from.push(cell(r, 2).unwrap_or("").to_string());
            g.to.push(cell(r, 3).map(str::to_string));
        }
    }
    let matches = |fk: &ForeignKey, g: &PragmaFk| {
        // `to` is NULL for `REFERENCES t` without columns (the reader resolved them to t's key).
        let to_ok = g.to.iter().all(Option::is_none)
            || (fk.ref_columns.len() == g.to.len()
                && fk
                    .ref_columns
                    .iter()
                    .zip(&g.to)
                    .all(|(a, b)| b.as_ref().is_some_and(|b| a.eq_ignore_ascii_case(b))));
        fk.ref_table.name.eq_ignore_ascii_case(&g.table)
            && same_names(&fk.columns, &g.from)
            && to_ok
            && fk.on_update.sql() == g.on_update
            && fk.on_delete.sql() == g.on_delete
    };
    for g in &groups {
        if !table.foreign_keys.iter().any(|fk| matches(fk, g)) {
            warn(
                warnings,
                name,
                format!(
                    "pragma lists FOREIGN KEY ({}) REFERENCES {} ON UPDATE {} ON DELETE {}, which was not read",
                    g.from.join(", "),
                    g.table,
                    g.on_update,
                    g.on_delete
                ),
            );
        }
    }
    for fk in &table.foreign_keys {
        if !groups.iter().any(|g| matches(fk, g)) {
            warn(
                warnings,
                name,
                format!(
                    "FOREIGN KEY ({}) REFERENCES {} is not in pragma_foreign_key_list",
                    fk.columns.join(", "),
                    fk.ref_table
                ),
            );
        }
    }
}

fn check_options(name: &str, table: &mut Table, kind: &TableKind, warnings: &mut Vec<Warning>) {
    let (strict, without_rowid) = match &table.options {
        TableOptions::Sqlite(o) => (o.strict, o.without_rowid),
        _ => (false, false),
    };
    if strict != kind.strict || without_rowid != kind.without_rowid {
        warn(
            warnings,
            name,
            format!(
                "STRICT/WITHOUT ROWID read as {strict}/{without_rowid}, pragma_table_list says \
                 {}/{} (pragma kept)",
                kind.strict, kind.without_rowid
            ),
        );
        table.options = TableOptions::Sqlite(migrex_model::SqliteTableOptions {
            strict: kind.strict,
            without_rowid: kind.without_rowid,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory_db(sql: &str) -> Db {
        let mut db = Db::connect("sqlite::memory:").expect("in-memory sqlite opens");
        db.execute_script(sql).expect("schema loads");
        db
    }

    /// The pragmas are read for all tables at once; each table must get its own rows back, in
    /// pragma order, whatever the case its name is spelled with in the catalog.
    #[test]
    fn pragma_rows_are_grouped_by_table() {
        let mut db = memory_db(
            "CREATE TABLE Parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
             CREATE TABLE child (b TEXT, a INTEGER REFERENCES Parent (id) ON DELETE CASCADE,
                                 PRIMARY KEY (a, b)) WITHOUT ROWID;
             CREATE INDEX child_ba ON child (b DESC, a);",
        );
        let p = Pragmas::read(&mut db).expect("pragmas read");
        let names = |rows: &[TextRow]| -> Vec<String> {
            rows.iter()
                .filter_map(|r| cell(r, 0).map(str::to_string))
                .collect()
        };
        assert_eq!(names(rows_of(&p.columns, "PARENT")), ["id", "code"]);
        assert_eq!(names(rows_of(&p.columns, "child")), ["b", "a"]);
        assert!(rows_of(&p.columns, "missing").is_empty());
        assert!(rows_of(&p.foreign_keys, "parent").is_empty());
        let fk = rows_of(&p.foreign_keys, "child");
        assert_eq!(fk.len(), 1);
        assert_eq!(cell(&fk[0], 1), Some("Parent"));
        assert_eq!(cell(&fk[0], 5), Some("CASCADE"));
        let keys = index_keys(
            p.index_keys
                .get("child_ba")
                .map(Vec::as_slice)
                .unwrap_or(&[]),
        );
        assert_eq!(
            keys,
            [
                (Some("b".to_string()), true, "BINARY".to_string()),
                (Some("a".to_string()), false, "BINARY".to_string())
            ]
        );
        let child_indexes = names(rows_of(&p.indexes, "child"));
        assert!(child_indexes.contains(&"child_ba".to_string()));
        assert_eq!(child_indexes.len(), 2, "{child_indexes:?}");
    }

    /// A virtual table whose module is not loaded makes any pragma on it fail; the one-query
    /// pragmas must leave it out as the per-table ones did, and introspection still succeed.
    #[test]
    fn virtual_table_with_unknown_module_is_skipped() {
        let mut db = memory_db(
            "CREATE TABLE t (id INTEGER PRIMARY KEY);
             PRAGMA writable_schema = ON;
             INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql)
               VALUES ('table', 'vt', 'vt', 0, 'CREATE VIRTUAL TABLE vt USING no_such_module(a)');
             PRAGMA writable_schema = OFF;",
        );
        let version = db.query("PRAGMA schema_version").expect("schema_version");
        let next = cell(&version[0], 0)
            .and_then(|v| v.parse::<i64>().ok())
            .expect("a number")
            + 1;
        // Bumping the schema version makes the connection reload the edited catalog.
        db.execute(&format!("PRAGMA schema_version = {next}"))
            .expect("bump");
        assert!(
            db.query("SELECT * FROM pragma_table_xinfo('vt', 'main')")
                .is_err(),
            "the module should be unknown"
        );
        let loaded = db.introspect().expect("introspects");
        assert_eq!(loaded.schema.table_count(), 1);
        assert!(
            loaded
                .warnings
                .iter()
                .any(|w| w.message.contains("virtual table vt")),
            "{:?}",
            loaded.warnings
        );
    }
}
