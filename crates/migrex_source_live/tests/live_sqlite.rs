//! Live SQLite: DDL file == introspection, render round trip, the 12-step table rebuild, and
//! triggers and views carried through it.
//!
//! SQLite is embedded (sqlx's bundled libsqlite3), so these tests always run.

mod sqlite_support;

use migrex_model::{
    Change, Column, ColumnType, FkAction, ForeignKey, Loaded, QualifiedName, Schema, Table,
};
use migrex_render_sql::renderer;
use migrex_source_live::Db;
use migrex_test_support::{
    TestDb, first_column, introspect, load_and_introspect, planned_statements, read_ddl,
    sql_fixtures,
};
use sqlite_support::{D, apply, schema_difference};
use std::path::Path;

/// The SQLite fixtures as (file name, text).
fn fixtures() -> Vec<(String, String)> {
    sql_fixtures(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sqlite"))
}

fn load(sql: &str) -> (TestDb, Loaded) {
    TestDb::introspected(D, sql).expect("sqlite always available")
}

/// Renders every table and view of `schema` from nothing (SQLite resolves foreign keys lazily,
/// so tables can be created in model order).
fn render_from_empty(schema: &Schema) -> Vec<String> {
    let tables = schema.tables().map(|(name, table)| Change::CreateTable {
        name,
        table: table.clone(),
    });
    let views = schema.views().map(|(name, view)| Change::CreateView {
        name,
        view: view.clone(),
    });
    let triggers = schema
        .triggers()
        .map(|t| Change::CreateTrigger { trigger: t.clone() });
    tables
        .chain(views)
        .chain(triggers)
        .flat_map(|change| {
            renderer(D)
                .render_change(&change)
                .unwrap_or_else(|e| panic!("render failed: {e}"))
        })
        .collect()
}

#[test]
fn every_fixture_reads_the_same_from_file_and_database() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let file = read_ddl(D, &sql, &name);
        if !file.warnings.is_empty() {
            failures.push(format!(
                "{name}: the DDL reader warned: {:#?}",
                file.warnings
            ));
        }
        let (_db, live) = load(&sql);
        let diff = schema_difference(&file.schema, &live.schema);
        if !diff.is_empty() {
            failures.push(format!("{name}: file (left) != live (right)\n{diff}"));
        }
        if !live.warnings.is_empty() {
            failures.push(format!(
                "{name}: introspection warned: {:#?}",
                live.warnings
            ));
        }
        if live.schema.table_count() == 0 {
            failures.push(format!("{name}: nothing was read"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_fixture_survives_render_and_reload() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let (_db, live) = load(&sql);
        let rendered = render_from_empty(&live.schema);
        let script = rendered
            .iter()
            .map(|s| format!("{s};\n"))
            .collect::<String>();
        let again = match load_and_introspect(D, &script).expect("sqlite") {
            Ok(again) => again,
            Err(e) => {
                failures.push(format!("{name}: rendered SQL fails: {e}\n{script}"));
                continue;
            }
        };
        let diff = schema_difference(&live.schema, &again.schema);
        if !diff.is_empty() {
            failures.push(format!(
                "{name}: model (left) != rendered+reloaded (right)\n{diff}\nrendered:\n{script}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_fixture_survives_the_planned_migration_from_empty() {
    let mut failures = Vec::new();
    for (name, sql) in fixtures() {
        let (_db, live) = load(&sql);
        let (plan, stmts) = planned_statements(&Schema::new(D), &live.schema);
        let fresh = TestDb::new(D).expect("sqlite");
        let mut conn = fresh.connect();
        if let Err(e) = apply(&mut conn, &stmts) {
            failures.push(format!("{name}: planned SQL fails: {e}"));
            continue;
        }
        let again = introspect(&mut conn);
        let diff = schema_difference(&live.schema, &again.schema);
        if !diff.is_empty() {
            failures.push(format!(
                "{name}: model (left) != planned+applied (right)\n{diff}\nplan notes: {:?}\nSQL:\n{}",
                plan.notes,
                stmts.join(";\n")
            ));
        }
        // And nothing left to do.
        let (rest, _) = planned_statements(&again.schema, &live.schema);
        if !rest.steps.is_empty() {
            failures.push(format!(
                "{name}: a second plan is not empty: {:?}",
                rest.steps
                    .iter()
                    .map(|s| s.change.describe())
                    .collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn virtual_tables_are_warnings_and_triggers_are_read() {
    let (_db, live) = load(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, updated TEXT);
         CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN
           UPDATE t SET updated = datetime('now') WHERE id = new.id; -- keep it fresh
         END;
         CREATE VIRTUAL TABLE doc USING fts5(title, body);",
    );
    assert_eq!(live.warnings.len(), 1, "{:?}", live.warnings);
    assert!(
        live.warnings[0].message.contains("virtual table doc"),
        "{:?}",
        live.warnings
    );
    assert_eq!(live.schema.table_count(), 1);
    let keys: Vec<&String> = live.schema.namespaces[""].triggers.keys().collect();
    assert_eq!(keys, ["t.t_touch"]);
}

#[test]
fn standard_type_names_follow_the_pragma() {
    // SQLite upper-cases the standard type names in its pragmas but keeps the stored text as
    // written; the reader follows the pragma, so there is nothing to report.
    let (_db, live) = load("CREATE TABLE t (a integer, b text NOT NULL, c Varchar ( 10 ));");
    assert!(live.warnings.is_empty(), "{:?}", live.warnings);
    let t = &live.schema.namespaces[""].tables["t"];
    assert_eq!(t.columns["a"].ty, ColumnType::other("INTEGER"));
    assert!(!t.columns["b"].nullable);
}

#[test]
fn stored_sql_that_disagrees_with_the_pragmas_is_a_warning() {
    let tdb = TestDb::with_sql(D, "CREATE TABLE t (a TEXT, b INT NOT NULL);").expect("sqlite");
    let mut db = tdb.connect();
    // Edit the stored text behind SQLite's back: this connection keeps the schema it parsed,
    // so its pragmas still describe the old table.
    db.execute_script(
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = 'CREATE TABLE t (a TEXT NOT NULL, b INT NOT NULL, c INT)'
          WHERE name = 't';
         PRAGMA writable_schema = OFF;",
    )
    .expect("edit sqlite_master");
    let live = introspect(&mut db);
    let text: Vec<&str> = live.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        text.iter().any(|m| m.contains("pragma_table_xinfo")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|m| m.contains("column a") && m.contains("pragma kept")),
        "{text:#?}"
    );
    // The pragma is the truth for nullability.
    assert!(live.schema.namespaces[""].tables["t"].columns["a"].nullable);
}

// ---------------------------------------------------------------------------------------------
// The 12-step rebuild.

const SHOP: &str = "
CREATE TABLE artist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    obsolete TEXT
);
CREATE INDEX artist_name ON artist (name);
CREATE TABLE album (
    id INTEGER PRIMARY KEY,
    artist_id INTEGER REFERENCES artist (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    price TEXT
);
CREATE INDEX album_title ON album (title);
CREATE VIEW album_titles AS SELECT a.title, ar.name FROM album AS a JOIN artist AS ar ON ar.id = a.artist_id;
INSERT INTO artist (name, obsolete) VALUES ('Alpha', 'x'), ('Beta', 'y'), ('Gamma', NULL), ('Delta', 'z');
DELETE FROM artist WHERE name = 'Delta';
INSERT INTO album (artist_id, title, price) VALUES (1, 'One', '9.99'), (1, 'Two', '10'), (2, 'Three', '7.5'), (3, 'Four', NULL);
";

fn one(db: &mut Db, sql: &str) -> String {
    db.query(sql)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
        .unwrap_or_default()
}

/// Row count and a checksum of the given columns, in id order.
fn fingerprint(db: &mut Db, table: &str, cols: &str) -> (String, String) {
    (
        one(db, &format!("SELECT count(*) FROM {table}")),
        one(
            db,
            &format!(
                "SELECT group_concat(r, '|') FROM (SELECT {cols} AS r FROM {table} ORDER BY id)"
            ),
        ),
    )
}

fn table_of(loaded: &Loaded, name: &str) -> Table {
    loaded
        .schema
        .table(&QualifiedName::new("", name))
        .unwrap_or_else(|| panic!("no table {name}"))
        .clone()
}

fn run_in_transaction(db: &mut Db, stmts: &[String]) -> Result<(), String> {
    db.execute("BEGIN").map_err(|e| e.to_string())?;
    for s in stmts {
        if let Err(e) = db.execute(s) {
            let _ = db.execute("ROLLBACK");
            return Err(e.to_string());
        }
    }
    db.execute("COMMIT").map_err(|e| e.to_string())?;
    Ok(())
}

fn rebuild(name: &str, from: &Table, to: &Table) -> Vec<String> {
    renderer(D)
        .render_change(&Change::RebuildTable {
            name: QualifiedName::new("", name),
            from: from.clone(),
            to: to.clone(),
        })
        .unwrap_or_else(|e| panic!("render failed: {e}"))
}

fn index_names(db: &mut Db, table: &str) -> Vec<String> {
    first_column(
        db.query_bind(
            "SELECT name FROM pragma_index_list(?) WHERE origin = 'c' ORDER BY name",
            &[table],
        )
        .expect("index list"),
    )
}

#[test]
fn rebuild_of_a_referenced_table_drops_a_column_and_changes_a_type() {
    let tdb = TestDb::with_sql(D, SHOP).expect("sqlite");
    let mut db = tdb.connect();
    let before = introspect(&mut db);
    let from = table_of(&before, "artist");
    let mut to = from.clone();
    to.columns.shift_remove("obsolete");
    let name = to.columns.get_mut("name").expect("name column");
    name.ty = ColumnType::other("NVARCHAR(200)");
    name.nullable = false;
    let stmts = rebuild("artist", &from, &to);

    let artists = fingerprint(&mut db, "artist", "id || ':' || name");
    let albums = fingerprint(&mut db, "album", "id || ':' || artist_id || ':' || title");
    let seq = one(
        &mut db,
        "SELECT seq FROM sqlite_sequence WHERE name = 'artist'",
    );
    assert_eq!(seq, "4");

    // With enforcement on, DROP TABLE would cascade into album: the rebuild must refuse, and
    // the rollback must leave every row where it was.
    let err = run_in_transaction(&mut db, &stmts).expect_err("guard must refuse");
    assert!(err.contains("foreign_keys=OFF"), "{err}");
    assert_eq!(
        fingerprint(&mut db, "album", "id || ':' || artist_id || ':' || title"),
        albums
    );
    assert_eq!(fingerprint(&mut db, "artist", "id || ':' || name"), artists);

    // The documented way: enforcement off outside the transaction.
    db.execute("PRAGMA foreign_keys = OFF").expect("pragma");
    run_in_transaction(&mut db, &stmts).unwrap_or_else(|e| panic!("{e}\n{}", stmts.join(";\n")));
    db.execute("PRAGMA foreign_keys = ON").expect("pragma");

    assert_eq!(fingerprint(&mut db, "artist", "id || ':' || name"), artists);
    assert_eq!(
        fingerprint(&mut db, "album", "id || ':' || artist_id || ':' || title"),
        albums
    );
    assert_eq!(
        one(
            &mut db,
            "SELECT seq FROM sqlite_sequence WHERE name = 'artist'"
        ),
        "4",
        "AUTOINCREMENT counter kept"
    );
    assert_eq!(
        one(&mut db, "SELECT count(*) FROM pragma_foreign_key_check"),
        "0"
    );
    assert_eq!(index_names(&mut db, "artist"), vec!["artist_name"]);
    assert_eq!(
        one(&mut db, "SELECT count(*) FROM album_titles"),
        "4",
        "view still works"
    );
    assert_eq!(
        one(
            &mut db,
            "SELECT count(*) FROM sqlite_master WHERE name LIKE '%migrex%'"
        ),
        "0"
    );

    let after = introspect(&mut db);
    assert!(after.warnings.is_empty(), "{:?}", after.warnings);
    let mut expected = before.schema.clone();
    *expected
        .table_mut(&QualifiedName::new("", "artist"))
        .expect("artist") = to;
    let diff = schema_difference(&expected, &after.schema);
    assert!(diff.is_empty(), "{diff}");
}

#[test]
fn rebuild_on_its_own_switches_enforcement_off_and_back_on() {
    let tdb = TestDb::with_sql(D, SHOP).expect("sqlite");
    let mut db = tdb.connect();
    let before = introspect(&mut db);
    let from = table_of(&before, "artist");
    let mut to = from.clone();
    to.columns.shift_remove("obsolete");
    let albums = fingerprint(&mut db, "album", "id || ':' || artist_id || ':' || title");
    assert_eq!(one(&mut db, "PRAGMA foreign_keys"), "1");
    // No BEGIN: the rebuild's own savepoint is the transaction.
    for s in rebuild("artist", &from, &to) {
        db.execute(&s).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(
        one(&mut db, "PRAGMA foreign_keys"),
        "1",
        "enforcement back on"
    );
    assert_eq!(
        fingerprint(&mut db, "album", "id || ':' || artist_id || ':' || title"),
        albums
    );
    assert_eq!(table_of(&introspect(&mut db), "artist"), to);
}

#[test]
fn rebuild_adds_a_foreign_key_inside_a_transaction() {
    let tdb = TestDb::with_sql(D, SHOP).expect("sqlite");
    let mut db = tdb.connect();
    db.execute_script(
        "CREATE TABLE review (id INTEGER PRIMARY KEY, album_id INTEGER, stars INTEGER);
         CREATE INDEX review_album ON review (album_id);
         INSERT INTO review (album_id, stars) VALUES (1, 5), (2, 3), (2, 4), (NULL, 1);",
    )
    .expect("setup");
    let before = introspect(&mut db);
    let from = table_of(&before, "review");
    let mut to = from.clone();
    to.foreign_keys.push(ForeignKey {
        name: Some("review_album_fk".into()),
        columns: vec!["album_id".into()],
        ref_table: QualifiedName::new("", "album"),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::Cascade,
        on_update: FkAction::NoAction,
        deferrable: None,
        match_full: false,
    });
    let mut stars = to.columns["stars"].clone();
    stars.ty = ColumnType::other("SMALLINT");
    to.columns.insert("stars".into(), stars);
    let mut comment = Column::new("comment", ColumnType::other("TEXT"));
    comment.default = Some(migrex_dialect::expr(D, "''"));
    to.columns.insert("comment".into(), comment);
    let stmts = rebuild("review", &from, &to);
    let rows = fingerprint(
        &mut db,
        "review",
        "id || ':' || ifnull(album_id, '-') || ':' || stars",
    );

    // Foreign keys stay ON: nothing references review, so the rebuild runs in the transaction.
    assert_eq!(one(&mut db, "PRAGMA foreign_keys"), "1");
    run_in_transaction(&mut db, &stmts).unwrap_or_else(|e| panic!("{e}\n{}", stmts.join(";\n")));

    assert_eq!(
        fingerprint(
            &mut db,
            "review",
            "id || ':' || ifnull(album_id, '-') || ':' || stars"
        ),
        rows
    );
    assert_eq!(
        one(&mut db, "SELECT count(*) FROM review WHERE comment = ''"),
        "4"
    );
    assert_eq!(
        one(&mut db, "SELECT count(*) FROM pragma_foreign_key_check"),
        "0"
    );
    assert_eq!(index_names(&mut db, "review"), vec!["review_album"]);
    let after = introspect(&mut db);
    assert_eq!(table_of(&after, "review"), to);

    // The new foreign key is enforced from now on.
    assert!(
        db.execute("INSERT INTO review (album_id, stars) VALUES (99, 1)")
            .is_err()
    );
}

#[test]
fn rebuild_refuses_rows_that_break_the_new_foreign_key() {
    let tdb = TestDb::with_sql(D, SHOP).expect("sqlite");
    let mut db = tdb.connect();
    db.execute_script(
        "CREATE TABLE note (id INTEGER PRIMARY KEY, album_id INTEGER);
         INSERT INTO note (album_id) VALUES (1), (42);",
    )
    .expect("setup");
    let before = introspect(&mut db);
    let from = table_of(&before, "note");
    let mut to = from.clone();
    to.foreign_keys.push(ForeignKey {
        name: None,
        columns: vec!["album_id".into()],
        ref_table: QualifiedName::new("", "album"),
        ref_columns: vec!["id".into()],
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: None,
        match_full: false,
    });
    // Off, so only the rebuild's own foreign_key_check stands between the rows and the new key.
    db.execute("PRAGMA foreign_keys = OFF").expect("pragma");
    let err = run_in_transaction(&mut db, &rebuild("note", &from, &to)).expect_err("must refuse");
    assert!(err.contains("foreign_key_check"), "{err}");
    let after = introspect(&mut db);
    assert_eq!(table_of(&after, "note"), from, "rolled back");
    assert_eq!(one(&mut db, "SELECT count(*) FROM note"), "2");
}

/// The shop after a release: artist.name required and wider, artist.obsolete gone, album gains
/// a column with a default, a check and a foreign key action change, a new index and table.
const SHOP_V2: &str = "
CREATE TABLE artist (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name NVARCHAR(200) NOT NULL DEFAULT ''
);
CREATE INDEX artist_name ON artist (name);
CREATE TABLE album (
    id INTEGER PRIMARY KEY,
    artist_id INTEGER REFERENCES artist (id) ON DELETE SET NULL,
    title TEXT NOT NULL CHECK (length(title) > 0),
    price NUMERIC(10,2),
    released TEXT DEFAULT 'unknown'
);
CREATE INDEX album_title ON album (title);
CREATE INDEX album_price ON album (price) WHERE price IS NOT NULL;
CREATE TABLE label (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE VIEW album_titles AS SELECT a.title, ar.name FROM album AS a JOIN artist AS ar ON ar.id = a.artist_id;
";

#[test]
fn planned_migration_between_versions_keeps_every_row() {
    let tdb = TestDb::with_sql(D, SHOP).expect("sqlite");
    let mut db = tdb.connect();
    let from = introspect(&mut db);
    let to = read_ddl(D, SHOP_V2, "shop_v2.sql");
    let artists = fingerprint(&mut db, "artist", "id || ':' || name");
    let albums = fingerprint(
        &mut db,
        "album",
        "id || ':' || artist_id || ':' || title || ':' || ifnull(price, '-')",
    );

    let (plan, stmts) = planned_statements(&from.schema, &to.schema);
    assert!(
        plan.steps
            .iter()
            .any(|s| matches!(s.change, Change::RebuildTable { .. })),
        "expected a rebuild: {:?}",
        plan.steps
            .iter()
            .map(|s| s.change.describe())
            .collect::<Vec<_>>()
    );
    apply(&mut db, &stmts).unwrap_or_else(|e| panic!("{e}\n{}", stmts.join(";\n")));

    let after = introspect(&mut db);
    let diff = schema_difference(&to.schema, &after.schema);
    assert!(diff.is_empty(), "{diff}\nSQL:\n{}", stmts.join(";\n"));
    assert_eq!(fingerprint(&mut db, "artist", "id || ':' || name"), artists);
    assert_eq!(
        fingerprint(
            &mut db,
            "album",
            "id || ':' || artist_id || ':' || title || ':' || ifnull(price, '-')"
        ),
        albums
    );
    assert_eq!(
        one(
            &mut db,
            "SELECT count(*) FROM album WHERE released = 'unknown'"
        ),
        "4"
    );
    assert_eq!(one(&mut db, "SELECT count(*) FROM album_titles"), "4");
    assert_eq!(
        one(&mut db, "SELECT count(*) FROM pragma_foreign_key_check"),
        "0"
    );
    assert_eq!(
        one(
            &mut db,
            "SELECT count(*) FROM sqlite_master WHERE name LIKE '%migrex%'"
        ),
        "0"
    );
}

#[test]
fn rebuild_refuses_to_drop_triggers() {
    let tdb = TestDb::with_sql(
        D,
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, touched TEXT);
         CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN UPDATE t SET touched = 'y' WHERE id = new.id; END;",
    )
    .expect("sqlite");
    let mut db = tdb.connect();
    let before = introspect(&mut db);
    let from = table_of(&before, "t");
    let mut to = from.clone();
    to.columns.get_mut("v").expect("v").nullable = false;
    let err = run_in_transaction(&mut db, &rebuild("t", &from, &to)).expect_err("must refuse");
    assert!(err.contains("triggers"), "{err}");
    assert_eq!(
        one(
            &mut db,
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        ),
        "1"
    );
}

// ---------------------------------------------------------------------------------------------
// Triggers and views around a rebuild.

const STORE: &str = "
CREATE TABLE item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    price TEXT,
    legacy TEXT,
    qty INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX item_name ON item (name);
CREATE TABLE item_log (id INTEGER PRIMARY KEY, item_id INTEGER, what TEXT);
CREATE VIEW priced AS SELECT id, name, price FROM item WHERE price IS NOT NULL;
CREATE VIEW cheap AS SELECT id, name, price FROM priced WHERE price < 10;
CREATE TRIGGER item_ai AFTER INSERT ON item BEGIN
  INSERT INTO item_log (item_id, what) VALUES (new.id, 'insert');
END;
CREATE TRIGGER item_bu BEFORE UPDATE OF price ON item WHEN CAST(new.price AS REAL) < 0 BEGIN
  SELECT RAISE(ABORT, 'negative price');
END;
CREATE TRIGGER item_ad AFTER DELETE ON item BEGIN
  INSERT INTO item_log (item_id, what) VALUES (old.id, 'delete');
  DELETE FROM item_log WHERE item_id = old.id AND what = 'insert';
END;
CREATE TRIGGER cheap_ii INSTEAD OF INSERT ON cheap BEGIN
  INSERT INTO item (name, price) VALUES (new.name, coalesce(new.price, 1));
END;
INSERT INTO item (name, price, legacy, qty) VALUES ('pen', '1.5', 'x', 10), ('ink', '12', NULL, 0),
  ('pad', NULL, 'y', 3), ('cap', '0.5', 'z', 1);
";

/// The store after a release: price becomes NUMERIC(10,2) and legacy goes, which needs the
/// rebuild; the views and triggers are unchanged.
fn store_v2() -> String {
    STORE
        .replace(
            "    price TEXT,\n    legacy TEXT,\n",
            "    price NUMERIC(10,2),\n",
        )
        .split("INSERT INTO item (name, price, legacy")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// What the triggers and views of the store do, checked on a live database.
fn store_behaves(db: &mut Db, when: &str) {
    let before: i64 = one(db, "SELECT count(*) FROM item_log WHERE what = 'insert'")
        .parse()
        .unwrap_or(-1);
    db.execute("INSERT INTO item (name, price, qty) VALUES ('new', '2', 1)")
        .unwrap_or_else(|e| panic!("{when}: {e}"));
    assert_eq!(
        one(db, "SELECT count(*) FROM item_log WHERE what = 'insert'"),
        (before + 1).to_string(),
        "{when}: AFTER INSERT fired"
    );
    let err = db
        .execute("UPDATE item SET price = -1 WHERE name = 'new'")
        .expect_err("BEFORE UPDATE OF price ... WHEN refuses");
    assert!(err.to_string().contains("negative price"), "{when}: {err}");
    db.execute("INSERT INTO cheap (name) VALUES ('via view')")
        .unwrap_or_else(|e| panic!("{when}: INSTEAD OF INSERT: {e}"));
    assert_eq!(
        one(db, "SELECT price FROM cheap WHERE name = 'via view'"),
        "1",
        "{when}: the row inserted through the view is seen through it"
    );
    db.execute("DELETE FROM item WHERE name IN ('new', 'via view')")
        .unwrap_or_else(|e| panic!("{when}: {e}"));
    assert_eq!(
        one(db, "SELECT count(*) FROM item_log WHERE what = 'delete'"),
        "2",
        "{when}: AFTER DELETE fired"
    );
    db.execute("DELETE FROM item_log WHERE what = 'delete'")
        .unwrap_or_else(|e| panic!("{when}: {e}"));
}

#[test]
fn rebuild_under_views_and_triggers_keeps_rows_and_behavior_both_ways() {
    let tdb = TestDb::with_sql(D, STORE).expect("sqlite");
    let mut db = tdb.connect();
    let a = introspect(&mut db);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    assert_eq!(a.schema.triggers().count(), 4);
    let b = read_ddl(D, &store_v2(), "store_v2.sql");
    assert_eq!(b.schema.triggers().count(), 4);
    let rows = |db: &mut Db| {
        fingerprint(
            db,
            "item",
            "id || ':' || name || ':' || ifnull(price, '-') || ':' || qty",
        )
    };
    let items = rows(&mut db);
    let cheap = one(&mut db, "SELECT group_concat(name) FROM cheap");
    assert_eq!(cheap, "pen,cap");

    let (plan, stmts) = planned_statements(&a.schema, &b.schema);
    let kinds: Vec<String> = plan.steps.iter().map(|s| s.change.describe()).collect();
    assert!(
        kinds.contains(&"rebuild table item".to_string()),
        "{kinds:?}"
    );
    apply(&mut db, &stmts).unwrap_or_else(|e| panic!("{e}\nSQL:\n{}", stmts.join(";\n")));

    let after = introspect(&mut db);
    let diff = schema_difference(&b.schema, &after.schema);
    assert!(diff.is_empty(), "{diff}\nSQL:\n{}", stmts.join(";\n"));
    assert!(after.warnings.is_empty(), "{:?}", after.warnings);
    assert_eq!(rows(&mut db), items, "rows kept through the rebuild");
    assert_eq!(one(&mut db, "SELECT group_concat(name) FROM cheap"), cheap);
    assert_eq!(
        one(&mut db, "SELECT typeof(price) FROM item WHERE name = 'pen'"),
        "real",
        "the new NUMERIC affinity applies"
    );
    assert_eq!(
        one(
            &mut db,
            "SELECT seq FROM sqlite_sequence WHERE name = 'item'"
        ),
        "4"
    );
    store_behaves(&mut db, "after up");
    let (rest, _) = planned_statements(&after.schema, &b.schema);
    assert!(
        rest.steps.is_empty(),
        "re-diff: {:?}",
        rest.steps
            .iter()
            .map(|s| s.change.describe())
            .collect::<Vec<_>>()
    );

    // Down: back to the first version (legacy comes back empty), with the same behavior.
    let (_, down) = planned_statements(&after.schema, &a.schema);
    apply(&mut db, &down).unwrap_or_else(|e| panic!("{e}\nSQL:\n{}", down.join(";\n")));
    let back = introspect(&mut db);
    let diff = schema_difference(&a.schema, &back.schema);
    assert!(diff.is_empty(), "{diff}\nSQL:\n{}", down.join(";\n"));
    store_behaves(&mut db, "after down");
    assert_eq!(
        one(&mut db, "SELECT count(*) FROM item"),
        "4",
        "rows kept through the way back"
    );
}

#[test]
fn dropping_a_column_that_views_and_triggers_name() {
    // SQLite's ALTER TABLE DROP COLUMN refuses a column a view or trigger names: the plan
    // replaces them around the drop.
    let v1 = "
        CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, note TEXT);
        CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
        CREATE VIEW noted AS SELECT id, note FROM item;
        CREATE TRIGGER item_note AFTER UPDATE OF note ON item BEGIN
          INSERT INTO log (msg) VALUES (new.note);
        END;
        CREATE TRIGGER log_ai AFTER INSERT ON log WHEN new.msg = 'reset' BEGIN
          UPDATE item SET note = NULL;
        END;
        INSERT INTO item (name, note) VALUES ('a', 'n1'), ('b', 'n2');";
    let v2 = "
        CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
        CREATE VIEW noted AS SELECT id, name FROM item;
        CREATE TRIGGER item_note AFTER UPDATE OF name ON item BEGIN
          INSERT INTO log (msg) VALUES (new.name);
        END;
        CREATE TRIGGER log_ai AFTER INSERT ON log WHEN new.msg = 'reset' BEGIN
          UPDATE item SET name = NULL;
        END;";
    let tdb = TestDb::with_sql(D, v1).expect("sqlite");
    let mut db = tdb.connect();
    let a = introspect(&mut db);
    let b = read_ddl(D, v2, "v2.sql");
    let (plan, stmts) = planned_statements(&a.schema, &b.schema);
    let kinds: Vec<String> = plan.steps.iter().map(|s| s.change.describe()).collect();
    assert!(
        kinds.contains(&"drop column item.note".to_string()),
        "{kinds:?}"
    );
    apply(&mut db, &stmts).unwrap_or_else(|e| panic!("{e}\nSQL:\n{}", stmts.join(";\n")));
    let after = introspect(&mut db);
    let diff = schema_difference(&b.schema, &after.schema);
    assert!(diff.is_empty(), "{diff}");
    db.execute("UPDATE item SET name = 'c' WHERE id = 1")
        .expect("update");
    assert_eq!(
        one(&mut db, "SELECT msg FROM log"),
        "c",
        "the new trigger fires"
    );
    let (rest, _) = planned_statements(&after.schema, &b.schema);
    assert!(rest.steps.is_empty());
}

/// The SQLite objects together: STRICT and WITHOUT ROWID tables, VIRTUAL and STORED
/// generated columns, partial and expression indexes, a view joining both tables, triggers on
/// both. Switching the options off (and back on) is a rebuild of each table, with the view and
/// the triggers recreated around it.
#[test]
fn options_generated_columns_and_indexes_through_rebuilds_both_ways() {
    let v1 = "
        CREATE TABLE doc (
          id INTEGER PRIMARY KEY,
          title TEXT NOT NULL,
          body TEXT,
          words INTEGER GENERATED ALWAYS AS (length(body) - length(replace(body, ' ', '')) + 1) VIRTUAL,
          slug TEXT GENERATED ALWAYS AS (lower(title)) STORED
        ) STRICT;
        CREATE INDEX doc_slug ON doc (slug) WHERE body IS NOT NULL;
        CREATE INDEX doc_lower ON doc (lower(title), id DESC);
        CREATE TABLE tag (doc_id INTEGER NOT NULL, name TEXT NOT NULL, PRIMARY KEY (doc_id, name))
          WITHOUT ROWID;
        CREATE VIEW doc_tags AS SELECT d.slug, d.words, t.name FROM doc AS d JOIN tag AS t ON t.doc_id = d.id;
        CREATE TRIGGER doc_ad AFTER DELETE ON doc BEGIN DELETE FROM tag WHERE doc_id = old.id; END;
        CREATE TRIGGER tag_bi BEFORE INSERT ON tag
          WHEN NOT EXISTS (SELECT 1 FROM doc WHERE id = new.doc_id)
        BEGIN SELECT RAISE(ABORT, 'no such doc'); END;";
    let rows = "
        INSERT INTO doc (title, body) VALUES ('Alpha', 'one two three'), ('Beta', NULL), ('Gamma', 'x');
        INSERT INTO tag VALUES (1, 'a'), (1, 'b'), (3, 'c');";
    let v2 = v1
        .replace(") STRICT;", ");")
        .replace("\n          WITHOUT ROWID;", ";")
        .replace("(lower(title)) STORED", "(upper(title)) STORED");
    let tdb = TestDb::with_sql(D, &format!("{v1}{rows}")).expect("sqlite");
    let mut db = tdb.connect();
    let a = introspect(&mut db);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    let b = read_ddl(D, &v2, "v2.sql");
    let tags = |db: &mut Db| {
        one(
            db,
            "SELECT group_concat(slug || ':' || ifnull(words, '-') || ':' || name, ',') FROM (SELECT * FROM doc_tags ORDER BY name)",
        )
    };
    assert_eq!(tags(&mut db), "alpha:3:a,alpha:3:b,gamma:1:c");

    let (plan, stmts) = planned_statements(&a.schema, &b.schema);
    let kinds: Vec<String> = plan.steps.iter().map(|s| s.change.describe()).collect();
    for k in [
        "rebuild table doc",
        "rebuild table tag",
        "drop view doc_tags",
        "create view doc_tags",
    ] {
        assert!(kinds.contains(&k.to_string()), "{k}: {kinds:?}");
    }
    apply(&mut db, &stmts).unwrap_or_else(|e| panic!("{e}\nSQL:\n{}", stmts.join(";\n")));
    let after = introspect(&mut db);
    let diff = schema_difference(&b.schema, &after.schema);
    assert!(diff.is_empty(), "{diff}\nSQL:\n{}", stmts.join(";\n"));
    assert_eq!(
        tags(&mut db),
        "ALPHA:3:a,ALPHA:3:b,GAMMA:1:c",
        "rows kept, STORED recomputed"
    );
    assert_eq!(
        one(
            &mut db,
            "SELECT count(*) FROM pragma_index_list('doc') WHERE partial = 1"
        ),
        "1"
    );
    let (again, _) = planned_statements(&after.schema, &b.schema);
    assert!(again.steps.is_empty());
    // The triggers still guard and cascade.
    let err = db
        .execute("INSERT INTO tag VALUES (9, 'z')")
        .expect_err("no doc 9");
    assert!(err.to_string().contains("no such doc"), "{err}");
    db.execute("DELETE FROM doc WHERE id = 3").expect("delete");
    assert_eq!(
        one(&mut db, "SELECT count(*) FROM tag WHERE doc_id = 3"),
        "0"
    );

    let (_, down) = planned_statements(&after.schema, &a.schema);
    apply(&mut db, &down).unwrap_or_else(|e| panic!("{e}\nSQL:\n{}", down.join(";\n")));
    let back = introspect(&mut db);
    let diff = schema_difference(&a.schema, &back.schema);
    assert!(diff.is_empty(), "{diff}\nSQL:\n{}", down.join(";\n"));
    assert_eq!(tags(&mut db), "alpha:3:a,alpha:3:b");
    let err = db
        .execute("INSERT INTO doc (title) VALUES (X'00')")
        .expect_err("STRICT again");
    assert!(err.to_string().contains("cannot store"), "{err}");
}

/// SQLite rewrites the triggers and views that name a renamed table or column; the plan's own
/// drops of those objects go by name, so they still find them afterwards.
#[test]
fn renames_under_triggers_and_views() {
    let v1 = "
        CREATE TABLE item (id INTEGER PRIMARY KEY, price TEXT);
        CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
        CREATE VIEW priced AS SELECT id, price FROM item;
        CREATE TRIGGER item_ai AFTER INSERT ON item BEGIN
          INSERT INTO log (msg) VALUES (new.price);
        END;
        INSERT INTO item (price) VALUES ('1');";
    let v2 = "
        CREATE TABLE article ( -- @renamed from=item
          id INTEGER PRIMARY KEY,
          cost TEXT -- @renamed from=price
        );
        CREATE TABLE log (id INTEGER PRIMARY KEY, msg TEXT);
        CREATE VIEW priced AS SELECT id, cost FROM article;
        CREATE TRIGGER item_ai AFTER INSERT ON article BEGIN
          INSERT INTO log (msg) VALUES (new.cost);
        END;";
    let tdb = TestDb::with_sql(D, v1).expect("sqlite");
    let mut db = tdb.connect();
    let a = introspect(&mut db);
    let b = read_ddl(D, v2, "v2.sql");
    let plan = migrex_diff::plan(&a.schema, &b.schema, &b.renames);
    let stmts: Vec<String> = migrex_render_sql::render_plan(&plan)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .flat_map(|s| s.statements)
        .collect();
    apply(&mut db, &stmts).unwrap_or_else(|e| panic!("{e}\nSQL:\n{}", stmts.join(";\n")));
    let after = introspect(&mut db);
    let diff = schema_difference(&b.schema, &after.schema);
    assert!(diff.is_empty(), "{diff}\nSQL:\n{}", stmts.join(";\n"));
    assert_eq!(
        one(&mut db, "SELECT cost FROM article"),
        "1",
        "the row was renamed, not copied"
    );
    db.execute("INSERT INTO article (cost) VALUES ('2')")
        .expect("insert");
    assert_eq!(
        one(&mut db, "SELECT group_concat(msg) FROM log"),
        "1,2",
        "the trigger fires on the renamed table"
    );
    let (again, _) = planned_statements(&after.schema, &b.schema);
    assert!(again.steps.is_empty());
}
