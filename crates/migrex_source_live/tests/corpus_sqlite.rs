//! Corpus round trip on SQLite: load a real-world schema, introspect it, render the planner's
//! migration from an empty database, load that into a fresh database and compare what SQLite
//! itself reports (`pragma_table_xinfo`, `pragma_index_list` + `pragma_index_xinfo`,
//! `pragma_foreign_key_list`, the stored views and triggers) table by table. Nothing is
//! skipped: any warning of the reader is a failure.

mod sqlite_support;

use migrex_model::Schema;
use migrex_source_live::Db;
use migrex_test_support::{
    TestDb, first_column, introspect, planned_statements, read_ddl, shared_path,
};
use sqlite_support::{D, apply, schema_difference};
use std::collections::BTreeMap;

type Rows = Vec<Vec<Option<String>>>;

/// What SQLite reports about one table, in a comparable order.
#[derive(Debug, PartialEq, Eq)]
struct TableFacts {
    columns: Rows,
    /// index name -> (unique, origin, partial) and its `pragma_index_xinfo` rows.
    indexes: BTreeMap<String, (Vec<Option<String>>, Rows)>,
    /// One entry per foreign key (its rows in `seq` order), sorted: SQLite numbers them in
    /// reverse declaration order, which is not a property of the schema.
    foreign_keys: Vec<Rows>,
}

fn rows(db: &mut Db, sql: &str, arg: &str) -> Rows {
    db.query_bind(sql, &[arg]).unwrap_or_else(|e| panic!("{e}"))
}

/// Views by name with their stored SQL.
type Stored = BTreeMap<String, Option<String>>;

fn facts(db: &mut Db) -> (BTreeMap<String, TableFacts>, Stored) {
    let names = first_column(
        db.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
        .expect("tables"),
    );
    let mut tables = BTreeMap::new();
    for t in names {
        let columns = rows(
            db,
            "SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden \
             FROM pragma_table_xinfo(?) ORDER BY cid",
            &t,
        );
        let mut indexes = BTreeMap::new();
        for ix in rows(
            db,
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)",
            &t,
        ) {
            let name = ix.first().cloned().flatten().unwrap_or_default();
            let keys = rows(
                db,
                "SELECT seqno, cid, name, \"desc\", coll, key FROM pragma_index_xinfo(?) \
                 ORDER BY seqno",
                &name,
            );
            indexes.insert(name, (ix[1..].to_vec(), keys));
        }
        let mut by_id: BTreeMap<String, Rows> = BTreeMap::new();
        for r in rows(
            db,
            "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" \
             FROM pragma_foreign_key_list(?) ORDER BY id, seq",
            &t,
        ) {
            let id = r.first().cloned().flatten().unwrap_or_default();
            by_id.entry(id).or_default().push(r[1..].to_vec());
        }
        let mut foreign_keys: Vec<Rows> = by_id.into_values().collect();
        foreign_keys.sort();
        tables.insert(
            t,
            TableFacts {
                columns,
                indexes,
                foreign_keys,
            },
        );
    }
    let views = db
        .query("SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name")
        .expect("views")
        .into_iter()
        .map(|r| {
            let mut it = r.into_iter();
            (it.next().flatten().unwrap_or_default(), it.next().flatten())
        })
        .collect();
    (tables, views)
}

/// Loads `rel` (under ../shared), round-trips it and returns the differences found.
fn round_trip(rel: &str) -> Vec<String> {
    let path = shared_path(rel);
    let sql = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let original = TestDb::with_sql(D, &sql).expect("sqlite");
    let mut a = original.connect();
    let model = introspect(&mut a);
    let mut problems = Vec::new();

    for w in &model.warnings {
        problems.push(format!("unexpected warning: {w}"));
    }
    let file = read_ddl(D, &sql, rel);
    let diff = schema_difference(&file.schema, &model.schema);
    if !diff.is_empty() {
        problems.push(format!("file (left) != live (right):\n{diff}"));
    }

    let (_plan, stmts) = planned_statements(&Schema::new(D), &model.schema);
    let copy = TestDb::new(D).expect("sqlite");
    let mut b = copy.connect();
    if let Err(e) = apply(&mut b, &stmts) {
        problems.push(format!("rendered migration fails: {e}"));
        return problems;
    }
    let again = introspect(&mut b);
    let diff = schema_difference(&model.schema, &again.schema);
    if !diff.is_empty() {
        problems.push(format!(
            "model (left) != rendered+reloaded (right):\n{diff}"
        ));
    }

    let (ta, va) = facts(&mut a);
    let (tb, vb) = facts(&mut b);
    // Triggers: the same names on the same tables, with the same body (the stored text is the
    // renderer's spelling around it; the model comparison above covers timing, event, WHEN).
    let (xa, xb) = (trigger_facts(&mut a), trigger_facts(&mut b));
    if xa != xb {
        problems.push(format!(
            "triggers differ\n  original {xa:?}\n  rendered {xb:?}"
        ));
    }
    if xa.len() != model.schema.triggers().count() {
        problems.push(format!(
            "{} triggers in the database, {} read",
            xa.len(),
            model.schema.triggers().count()
        ));
    }
    for (name, fa) in &ta {
        match tb.get(name) {
            None => problems.push(format!("table {name} missing after the round trip")),
            Some(fb) if fa != fb => {
                if fa.columns != fb.columns {
                    problems.push(format!(
                        "{name}: pragma_table_xinfo\n  original {:?}\n  rendered {:?}",
                        fa.columns, fb.columns
                    ));
                }
                if fa.indexes != fb.indexes {
                    problems.push(format!(
                        "{name}: indexes\n  original {:?}\n  rendered {:?}",
                        fa.indexes, fb.indexes
                    ));
                }
                if fa.foreign_keys != fb.foreign_keys {
                    problems.push(format!(
                        "{name}: pragma_foreign_key_list\n  original {:?}\n  rendered {:?}",
                        fa.foreign_keys, fb.foreign_keys
                    ));
                }
            }
            Some(_) => {}
        }
    }
    for name in tb.keys().filter(|n| !ta.contains_key(*n)) {
        problems.push(format!("extra table {name} after the round trip"));
    }
    // The stored text of a view is the renderer's spelling of the query; compare the query's
    // normalized form, and list the views on both sides.
    if va.keys().ne(vb.keys()) {
        problems.push(format!(
            "views {:?} vs {:?}",
            va.keys().collect::<Vec<_>>(),
            vb.keys().collect::<Vec<_>>()
        ));
    }
    for (name, sql_a) in &va {
        let key = |sql: &Option<String>| {
            sql.as_deref()
                .and_then(view_query)
                .map(|q| migrex_dialect::query_expr(D, q).key)
        };
        let (ka, kb) = (key(sql_a), key(vb.get(name).unwrap_or(&None)));
        if ka.is_none() || ka != kb {
            problems.push(format!(
                "view {name}: stored query differs\n  original {sql_a:?}\n  rendered {:?}",
                vb.get(name)
            ));
        }
    }
    if ta.is_empty() {
        problems.push("nothing was loaded".into());
    }
    problems
}

/// Trigger name -> (its table, the key of its body) from `sqlite_master`.
fn trigger_facts(db: &mut Db) -> BTreeMap<String, (String, String)> {
    db.query("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
        .expect("triggers")
        .into_iter()
        .map(|r| {
            let mut it = r.into_iter();
            let mut next = || it.next().flatten().unwrap_or_default();
            let (name, table, sql) = (next(), next(), next());
            // The body: from the first BEGIN word to the last END (a WHEN clause holding the
            // word BEGIN does not occur in these schemas).
            let upper = sql.to_ascii_uppercase();
            let body = match (upper.find("BEGIN"), upper.rfind("END")) {
                (Some(b), Some(e)) if b + 5 <= e => &sql[b + 5..e],
                _ => sql.as_str(),
            };
            (name, (table, migrex_dialect::body_key(D, body)))
        })
        .collect()
}

/// The query of a stored `CREATE VIEW name [(cols)] AS query`.
fn view_query(sql: &str) -> Option<&str> {
    let upper = sql.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    // The first AS that stands alone after the name (names here hold no `AS` word of their own).
    let mut from = 0;
    while let Some(p) = upper[from..].find("AS") {
        let at = from + p;
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + 2).copied();
        let boundary = |b: Option<u8>| b.is_none_or(|b| !(b.is_ascii_alphanumeric() || b == b'_'));
        if at > 0 && boundary(before) && boundary(after) {
            return Some(sql[at + 2..].trim());
        }
        from = at + 2;
    }
    None
}

#[test]
fn chinook_round_trips_exactly() {
    let problems = round_trip("corpus/chinook/Chinook_Sqlite.ddl.sql");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn sakila_round_trips_exactly_with_its_triggers_and_views() {
    let problems = round_trip("corpus/sakila/sqlite-sakila-db/sqlite-sakila-schema.sql");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
