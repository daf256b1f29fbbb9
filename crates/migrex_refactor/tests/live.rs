//! Recipes on live databases: load the seeded shop, run the rendered up plan through the
//! executor, compare the database with the target and the rows with the source's; run the down
//! plan and compare with the source schema and rows again.

mod common;

use common::{cases, data_checks, params, shop_seed, shop_sql};
use migrex_apply::exec::{ExecOptions, HISTORY_TABLE, MigrationFile, run_down, run_up};
use migrex_model::{Dialect, Schema};
use migrex_refactor::{Options, Refactor, refactor};
use migrex_test_support::{TestDb, schema_mismatch};

/// The schema without the executor's history table, in canonical order.
pub fn comparable(mut s: Schema) -> Schema {
    for ns in s.namespaces.values_mut() {
        ns.tables.shift_remove(HISTORY_TABLE);
        // SQLite's lock is a row in a table of the executor's.
        ns.tables.shift_remove("migrex_lock");
    }
    migrex_diff::canonical(&s)
}

fn rows(db: &TestDb, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut r = db
        .connect()
        .query(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    r.sort();
    r
}

fn file(r: &Refactor, id: &str) -> MigrationFile {
    MigrationFile::new(
        id,
        id,
        r.dialect,
        migrex_render_sql::render_plan(&r.up).expect("render up"),
        migrex_render_sql::render_plan(&r.down).expect("render down"),
    )
}

/// Runs one recipe up and down on a fresh seeded database; returns the failure, if any.
/// One live run: the recipe, its parameters and flags, and the row checks (`restores`: the down
/// plan gives back the original values, false for `change-type --using`).
struct Case<'a> {
    name: &'a str,
    list: Vec<(&'a str, &'a str)>,
    flags: Vec<&'a str>,
    online: bool,
    checks: (&'a str, &'a str),
    restores: bool,
}

fn live_case(d: Dialect, c: &Case) -> Option<String> {
    let name = c.name;
    let db = TestDb::with_sql(d, &format!("{}{}", shop_sql(d), shop_seed()))?;
    let from = db.introspect().schema;
    let (before_q, after_q) = c.checks;
    let before = rows(&db, before_q);
    let opts = Options {
        online: c.online,
        batch_size: 7,
        ..Options::default()
    };
    let mut p = params(&c.list);
    for f in &c.flags {
        p = p.with_flag(f);
    }
    let r = match refactor(&from, name, &p, &opts) {
        Ok(r) => r,
        Err(e) => return Some(format!("{name} on {d}: {e}")),
    };
    let f = file(&r, &format!("refactor_{}", name.replace('-', "_")));
    let mut conn = db.connect();
    if let Err(e) = run_up(&mut conn, &f, &ExecOptions::default(), &mut |_| {}) {
        return Some(format!("{name} on {d}: up failed: {e}"));
    }
    let after = comparable(db.introspect().schema);
    if let Some(m) = schema_mismatch(
        &format!("{name} on {d}: target (left) vs database after up (right)"),
        &migrex_diff::canonical(&r.target),
        &after,
    ) {
        return Some(m);
    }
    let moved = rows(&db, after_q);
    if moved != before {
        return Some(format!(
            "{name} on {d}: rows after up differ:\n before {before:?}\n after  {moved:?}"
        ));
    }
    if let Err(e) = run_down(&mut conn, &f, &ExecOptions::default(), &mut |_| {}) {
        return Some(format!("{name} on {d}: down failed: {e}"));
    }
    let back = comparable(db.introspect().schema);
    if let Some(m) = schema_mismatch(
        &format!("{name} on {d}: source (left) vs database after down (right)"),
        &migrex_diff::canonical(&from),
        &back,
    ) {
        return Some(m);
    }
    let again = rows(&db, before_q);
    if c.restores && again != before {
        return Some(format!(
            "{name} on {d}: rows after down differ:\n before {before:?}\n after  {again:?}"
        ));
    }
    None
}

fn all_recipes(d: Dialect) {
    if !migrex_test_support::available(d) {
        return;
    }
    let mut list: Vec<Case> = cases()
        .into_iter()
        .map(|(name, list)| Case {
            name,
            list,
            flags: Vec::new(),
            online: false,
            checks: data_checks(name),
            restores: true,
        })
        .collect();
    let uuid = match d {
        Dialect::Postgres => "uuid",
        Dialect::Mysql => "char(36)",
        Dialect::Sqlite => "UUID",
    };
    let refs = "SELECT pr.bio, u.email FROM profiles pr JOIN users u ON u.id = pr.user_id UNION ALL SELECT po.title, u.email FROM posts po JOIN users u ON u.id = po.author_id";
    list.extend([
        Case {
            name: "change-pk",
            list: vec![("table", "users"), ("type", uuid)],
            flags: vec![],
            online: false,
            checks: (refs, refs),
            restores: true,
        },
        Case {
            name: "change-type",
            list: vec![("column", "orders.qty"), ("type", "integer"), ("using", "length(qty)")],
            flags: vec![],
            online: false,
            checks: ("SELECT id, length(qty) FROM orders", "SELECT id, qty FROM orders"),
            restores: false,
        },
        Case {
            name: "split-table",
            list: vec![("table", "products"), ("into", "attributes"), ("columns", "color,size")],
            flags: vec!["one-to-one"],
            online: false,
            checks: (
                "SELECT id, color, size FROM products",
                "SELECT p.id, a.color, a.size FROM products p JOIN attributes a ON a.product_id = p.id",
            ),
            restores: true,
        },
        Case {
            name: "add-column",
            list: vec![("column", "products.label"), ("type", "varchar(200)"), ("from", "upper(name)")],
            flags: vec!["not-null"],
            online: false,
            checks: data_checks("add-column"),
            restores: true,
        },
    ]);
    if d != Dialect::Sqlite {
        list.push(Case {
            name: "rename-column",
            list: vec![("column", "users.email"), ("to", "email_address")],
            flags: vec![],
            online: true,
            checks: data_checks("rename-column"),
            restores: true,
        });
        list.push(Case {
            name: "rename-table",
            list: vec![("table", "events"), ("to", "happenings")],
            flags: vec![],
            online: true,
            // Old code still reads the old name, through the view.
            checks: (
                "SELECT id, kind, created_at FROM events",
                "SELECT id, kind, created_at FROM events",
            ),
            restores: true,
        });
    }
    let failures: Vec<String> = list.iter().filter_map(|c| live_case(d, c)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn recipes_on_postgres() {
    all_recipes(Dialect::Postgres);
}

#[test]
fn recipes_on_mariadb() {
    all_recipes(Dialect::Mysql);
}

#[test]
fn recipes_on_sqlite() {
    all_recipes(Dialect::Sqlite);
}

/// 1:N -> M:N through the executor, then the reverse: refused (nothing changed) while a post has
/// two authors, applied once it has one again, the rows back as they were.
fn junction_back(d: Dialect) {
    let Some(db) = TestDb::with_sql(d, &format!("{}{}", shop_sql(d), shop_seed())) else {
        return;
    };
    let pairs = "SELECT id, author_id FROM posts WHERE author_id IS NOT NULL";
    let before = rows(&db, pairs);
    let from = db.introspect().schema;
    let opts = Options {
        batch_size: 7,
        ..Options::default()
    };
    let m2m = refactor(
        &from,
        "to-many-to-many",
        &params(&[("column", "posts.author_id"), ("into", "post_authors")]),
        &opts,
    )
    .unwrap();
    let mut conn = db.connect();
    run_up(
        &mut conn,
        &file(&m2m, "m2m"),
        &ExecOptions::default(),
        &mut |_| {},
    )
    .unwrap();
    let mid = db.introspect().schema;
    let mut mid_model = mid.clone();
    for ns in mid_model.namespaces.values_mut() {
        ns.tables.shift_remove(HISTORY_TABLE);
        ns.tables.shift_remove("migrex_lock");
    }
    let back = refactor(
        &mid_model,
        "to-one-to-many",
        &params(&[("table", "post_authors"), ("child", "posts")]),
        &opts,
    )
    .unwrap();
    db.run("INSERT INTO post_authors (post_id, author_id) VALUES (1, 5)");
    let refused = run_up(
        &mut conn,
        &file(&back, "one"),
        &ExecOptions::default(),
        &mut |_| {},
    )
    .expect_err("a post with two authors must stop the migration");
    assert!(
        refused.to_string().contains("several parents"),
        "{d}: {refused}"
    );
    assert!(
        schema_mismatch(
            &format!("{d}: refused run changed the schema"),
            &comparable(mid),
            &comparable(db.introspect().schema)
        )
        .is_none()
    );
    db.run("DELETE FROM post_authors WHERE post_id = 1 AND author_id = 5");
    run_up(
        &mut conn,
        &file(&back, "one"),
        &ExecOptions::default(),
        &mut |_| {},
    )
    .unwrap_or_else(|e| panic!("{d}: {e}"));
    if let Some(m) = schema_mismatch(
        &format!("{d}: to-one-to-many target vs database"),
        &migrex_diff::canonical(&back.target),
        &comparable(db.introspect().schema),
    ) {
        panic!("{m}");
    }
    assert_eq!(rows(&db, pairs), before, "{d}: pairs after the round trip");
}

#[test]
fn junction_back_on_postgres() {
    junction_back(Dialect::Postgres);
}

#[test]
fn junction_back_on_mariadb() {
    junction_back(Dialect::Mysql);
}

#[test]
fn junction_back_on_sqlite() {
    junction_back(Dialect::Sqlite);
}

/// A value that would not convert stops change-type before anything changed, naming the row.
fn change_type_refuses(d: Dialect) {
    let Some(db) = TestDb::with_sql(d, &format!("{}{}", shop_sql(d), shop_seed())) else {
        return;
    };
    db.run("UPDATE orders SET qty = 'twelve' WHERE id = 42");
    let from = db.introspect().schema;
    let r = refactor(
        &from,
        "change-type",
        &params(&[("column", "orders.qty"), ("type", "integer")]),
        &Options::default(),
    )
    .unwrap();
    let e = run_up(
        &mut db.connect(),
        &file(&r, "qty"),
        &ExecOptions::default(),
        &mut |_| {},
    )
    .expect_err("'twelve' is not an integer");
    let msg = e.to_string();
    assert!(
        msg.contains("would not convert") && msg.contains("42") && msg.contains("twelve"),
        "{d}: {msg}"
    );
    assert!(
        schema_mismatch(
            &format!("{d}: refused run changed the schema"),
            &comparable(from),
            &comparable(db.introspect().schema)
        )
        .is_none()
    );
}

#[test]
fn change_type_refuses_on_postgres() {
    change_type_refuses(Dialect::Postgres);
}

#[test]
fn change_type_refuses_on_mariadb() {
    change_type_refuses(Dialect::Mysql);
}

#[test]
fn change_type_refuses_on_sqlite() {
    change_type_refuses(Dialect::Sqlite);
}
