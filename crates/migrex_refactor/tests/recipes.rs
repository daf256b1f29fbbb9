//! Recipes on the model: every recipe on every dialect reaches its target by simulation and its
//! down plan comes back to the source; data steps sit where they must; bad parameters are errors
//! naming the object.

mod common;

use common::{cases, params, shop};
use migrex_diff::{canonical, simulate};
use migrex_model::{Change, DataOp, Dialect, Plan, Schema};
use migrex_refactor::{
    Options, Params, RecipeFile, Refactor, RefactorError, refactor, refactor_file,
};

fn round_trip(what: &str, from: &Schema, r: &Refactor) {
    let up = simulate(from, &r.up).unwrap_or_else(|e| panic!("{what}: up does not simulate: {e}"));
    assert_eq!(
        canonical(&up),
        canonical(&r.target),
        "{what}: up does not reach the target"
    );
    let down = simulate(&r.target, &r.down)
        .unwrap_or_else(|e| panic!("{what}: down does not simulate: {e}"));
    assert_eq!(
        canonical(&down),
        canonical(from),
        "{what}: down does not reach the source"
    );
    assert_ne!(
        canonical(from),
        canonical(&r.target),
        "{what}: the recipe changed nothing"
    );
    for (i, s) in r.up.steps.iter().chain(&r.down.steps).enumerate() {
        let _ = i;
        assert!(
            s.depends_on.iter().all(|d| *d < s.id),
            "{what}: step {} depends on a later step",
            s.id
        );
    }
    for p in [&r.up, &r.down] {
        for (i, s) in p.steps.iter().enumerate() {
            assert_eq!(s.id, i, "{what}: step ids are positions");
        }
        migrex_render_sql::render_plan(p).unwrap_or_else(|e| panic!("{what}: render: {e}"));
    }
}

fn data_ops(p: &Plan) -> Vec<&DataOp> {
    p.steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::Data { operation, .. } => Some(operation),
            _ => None,
        })
        .collect()
}

/// Every batched step that moves rows sits between a proof capture and its check of one name.
fn proofs_around_moves(what: &str, p: &Plan) {
    let ops = data_ops(p);
    for (i, op) in ops.iter().enumerate() {
        if !op.is_batched() {
            continue;
        }
        let captured: Vec<&String> = ops[..i]
            .iter()
            .filter_map(|o| match o {
                DataOp::ProofCapture { name, .. } => Some(name),
                _ => None,
            })
            .collect();
        let checked: Vec<&String> = ops[i..]
            .iter()
            .filter_map(|o| match o {
                DataOp::ProofCheck { name, .. } => Some(name),
                _ => None,
            })
            .collect();
        assert!(
            captured.iter().any(|c| checked.contains(c)),
            "{what}: batched step {i} has no proof around it"
        );
    }
}

fn build(d: Dialect, name: &str, p: &Params, online: bool) -> Result<Refactor, RefactorError> {
    let opts = Options {
        online,
        batch_size: 500,
        ..Options::default()
    };
    refactor(&shop(d), name, p, &opts)
}

#[test]
fn every_recipe_round_trips_on_every_dialect() {
    for d in Dialect::ALL {
        for (name, list) in cases() {
            let what = format!("{name} on {d}");
            let r = build(d, name, &params(&list), false).unwrap_or_else(|e| panic!("{what}: {e}"));
            round_trip(&what, &shop(d), &r);
            if name != "add-column" && name != "rename-table" && name != "rename-column" {
                proofs_around_moves(&what, &r.up);
                proofs_around_moves(&format!("{what} (down)"), &r.down);
            }
        }
    }
}

#[test]
fn online_renames_round_trip() {
    for d in Dialect::ALL {
        for (name, list) in [
            (
                "rename-table",
                vec![("table", "events"), ("to", "happenings")],
            ),
            (
                "rename-column",
                vec![("column", "users.email"), ("to", "email_address")],
            ),
        ] {
            let what = format!("{name} --online on {d}");
            let r = build(d, name, &params(&list), true).unwrap_or_else(|e| panic!("{what}: {e}"));
            round_trip(&what, &shop(d), &r);
            if d == Dialect::Sqlite {
                assert!(
                    r.notes.iter().any(|n| n.contains("SQLite")),
                    "{what}: {:?}",
                    r.notes
                );
                continue;
            }
            if name == "rename-table" {
                assert!(
                    r.target
                        .view(&migrex_model::QualifiedName::new(
                            d.default_namespace(),
                            "events"
                        ))
                        .is_some()
                );
            } else {
                let ops = data_ops(&r.up);
                assert!(
                    ops.iter().any(|o| matches!(o, DataOp::Update { .. })),
                    "{what}: no backfill"
                );
                assert!(
                    r.up.steps.iter().any(|s| matches!(
                        &s.change,
                        Change::Online {
                            operation: migrex_model::OnlineOp::Checkpoint { .. },
                            ..
                        }
                    )),
                    "{what}: no checkpoint"
                );
                let users = r
                    .target
                    .table(&migrex_model::QualifiedName::new(
                        d.default_namespace(),
                        "users",
                    ))
                    .unwrap();
                assert!(
                    users.columns.contains_key("email_address")
                        && !users.columns.contains_key("email")
                );
            }
        }
    }
}

#[test]
fn more_variants_round_trip() {
    for d in Dialect::ALL {
        for (name, list, flag) in [
            (
                "add-column",
                vec![
                    ("column", "products.label"),
                    ("type", "varchar(200)"),
                    ("from", "upper(name)"),
                ],
                Some("not-null"),
            ),
            (
                "split-table",
                vec![
                    ("table", "products"),
                    ("into", "attributes"),
                    ("columns", "color,size"),
                ],
                Some("one-to-one"),
            ),
            (
                "change-pk",
                vec![("table", "users"), ("type", "uuid")],
                None,
            ),
            (
                "change-type",
                vec![
                    ("column", "orders.qty"),
                    ("type", "integer"),
                    ("using", "length(qty)"),
                ],
                None,
            ),
            (
                "archive",
                vec![
                    ("table", "events"),
                    ("where", "kind = 'old'"),
                    ("into", "old_events"),
                ],
                None,
            ),
        ] {
            let mut p = params(&list);
            if let Some(f) = flag {
                p = p.with_flag(f);
            }
            let what = format!("{name} {list:?} on {d}");
            let r = build(d, name, &p, false).unwrap_or_else(|e| panic!("{what}: {e}"));
            round_trip(&what, &shop(d), &r);
            // change-pk to uuid fills new columns first and proves the mapping across the swap.
            if name != "add-column" && name != "change-pk" {
                proofs_around_moves(&what, &r.up);
            }
        }
    }
}

#[test]
fn to_one_to_many_reverses_to_many_to_many() {
    for d in Dialect::ALL {
        let r = build(
            d,
            "to-many-to-many",
            &params(&[("column", "posts.author_id"), ("into", "post_authors")]),
            false,
        )
        .unwrap();
        let back = refactor(
            &r.target,
            "to-one-to-many",
            &params(&[("table", "post_authors"), ("child", "posts")]),
            &Options::default(),
        )
        .unwrap();
        round_trip(&format!("to-one-to-many on {d}"), &r.target, &back);
        let pre = data_ops(&back.up);
        let DataOp::Preflight { query, .. } = pre[0] else {
            panic!("the first data step is not the pre-flight: {pre:?}")
        };
        assert!(query.contains("HAVING COUNT(*) > 1"), "{query}");
        // Back where it started, up to the foreign key's name.
        let posts = |s: &Schema| {
            s.table(&migrex_model::QualifiedName::new(
                d.default_namespace(),
                "posts",
            ))
            .unwrap()
            .columns
            .clone()
        };
        assert_eq!(posts(&back.target), posts(&shop(d)));
    }
}

#[test]
fn split_places_data_steps_between_stages() {
    let r = build(
        Dialect::Postgres,
        "split-table",
        &params(&[
            ("table", "products"),
            ("into", "variants"),
            ("columns", "sku,price,stock"),
            ("key-name", "product_id"),
        ]),
        false,
    )
    .unwrap();
    let kinds: Vec<String> =
        r.up.steps
            .iter()
            .map(|s| match &s.change {
                Change::Data { operation, .. } => match operation {
                    DataOp::ProofCapture { .. } => "capture".to_string(),
                    DataOp::ProofCheck { .. } => "check".into(),
                    DataOp::Copy { .. } => "copy".into(),
                    other => format!("{other:?}"),
                },
                c => c.describe(),
            })
            .collect();
    assert_eq!(
        kinds,
        vec![
            "create table public.variants",
            "capture",
            "copy",
            "check",
            "drop column public.products.sku",
            "drop column public.products.price",
            "drop column public.products.stock",
        ],
        "{kinds:#?}"
    );
    let ops = data_ops(&r.up);
    let DataOp::Copy {
        columns,
        values,
        key,
        ..
    } = ops[1]
    else {
        panic!()
    };
    assert_eq!(columns, &["product_id", "sku", "price", "stock"]);
    assert_eq!(values[0], "src.\"id\"");
    assert_eq!(key, &["id"]);
    let DataOp::ProofCheck { query, .. } = ops[2] else {
        panic!()
    };
    assert!(
        query.contains("JOIN \"variants\" c ON c.\"product_id\" = p.\"id\""),
        "{query}"
    );
    // Down: pre-flight for several variants per product, columns back, batched update, drop.
    let down = data_ops(&r.down);
    assert!(
        matches!(down[0], DataOp::Preflight { query, .. } if query.contains("HAVING COUNT(*) > 1"))
    );
    assert!(
        down.iter()
            .any(|o| matches!(o, DataOp::Update { set, .. } if set.len() == 3))
    );
    assert!(matches!(
        r.down.steps.last().map(|s| &s.change),
        Some(Change::DropTable { .. })
    ));
}

#[test]
fn change_type_preflights_per_dialect() {
    let pf = |d: Dialect, opts: Options| {
        let r = refactor(
            &shop(d),
            "change-type",
            &params(&[("column", "orders.qty"), ("type", "integer")]),
            &opts,
        )
        .unwrap();
        match data_ops(&r.up)[0] {
            DataOp::Preflight { query, .. } => query.clone(),
            other => panic!("no pre-flight first: {other:?}"),
        }
    };
    let pg = pf(Dialect::Postgres, Options::default());
    assert!(
        pg.contains("!~ '^\\s*[-+]?[0-9]+\\s*$'")
            && pg.contains("NOT BETWEEN -2147483648 AND 2147483647"),
        "{pg}"
    );
    let pg16 = pf(
        Dialect::Postgres,
        Options {
            pg_major: Some(16),
            ..Options::default()
        },
    );
    assert!(
        pg16.contains("pg_input_is_valid(CAST(x.\"qty\" AS TEXT), 'integer')"),
        "{pg16}"
    );
    let my = pf(Dialect::Mysql, Options::default());
    assert!(my.contains("NOT REGEXP"), "{my}");
    let lite = pf(Dialect::Sqlite, Options::default());
    assert!(lite.contains("GLOB"), "{lite}");
}

#[test]
fn bad_parameters_are_errors_naming_the_object() {
    let d = Dialect::Postgres;
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            "split-table",
            vec![("table", "nope"), ("into", "x"), ("columns", "a")],
            "table 'nope' does not exist",
        ),
        (
            "split-table",
            vec![("table", "products"), ("into", "x"), ("columns", "sku,wat")],
            "column 'wat' does not exist in table 'public.products'",
        ),
        (
            "split-table",
            vec![
                ("table", "products"),
                ("into", "orders"),
                ("columns", "sku"),
            ],
            "table 'public.orders' already exists",
        ),
        (
            "change-type",
            vec![("column", "orders.created_at"), ("type", "uuid")],
            "cannot be converted to uuid",
        ),
        (
            "change-type",
            vec![("column", "orders"), ("type", "int")],
            "expected TABLE.COLUMN",
        ),
        (
            "rename-column",
            vec![("column", "users.nope"), ("to", "x")],
            "column 'nope' does not exist in table 'public.users'",
        ),
        (
            "archive",
            vec![("table", "events")],
            "missing parameter --where",
        ),
        (
            "archive",
            vec![("table", "events"), ("where", "1=1"), ("bogus", "1")],
            "unknown parameter 'bogus'",
        ),
        (
            "change-pk",
            vec![("table", "products"), ("type", "date")],
            "cannot be converted to date",
        ),
        ("nope", vec![], "unknown recipe 'nope'"),
    ];
    for (name, list, msg) in cases {
        let e = build(d, name, &params(&list), false)
            .expect_err(name)
            .to_string();
        assert!(e.contains(msg), "{name}: '{e}' does not say '{msg}'");
    }
    let mut s = shop(d);
    s.namespace_mut("public")
        .tables
        .get_mut("events")
        .unwrap()
        .primary_key = None;
    let e = refactor(
        &s,
        "archive",
        &params(&[("table", "events"), ("where", "true")]),
        &Options::default(),
    )
    .expect_err("no pk")
    .to_string();
    assert!(
        e.contains("table 'public.events' has no primary key"),
        "{e}"
    );
}

#[test]
fn recipe_file_applies_steps_in_sequence() {
    let file = RecipeFile::parse(
        r#"
batch_size = 250

[[step]]
recipe = "split-table"
table = "products"
into = "variants"
columns = ["sku", "price", "stock"]
key-name = "product_id"

[[step]]
recipe = "split-table"
table = "products"
into = "attributes"
columns = "color,size"
key_name = "product_id"
one-to-one = true
"#,
    )
    .unwrap();
    for d in Dialect::ALL {
        let from = shop(d);
        let r = refactor_file(&from, &file, &Options::default()).unwrap();
        round_trip(&format!("two splits on {d}"), &from, &r);
        let ns = d.default_namespace();
        let t = |n: &str| {
            r.target
                .table(&migrex_model::QualifiedName::new(ns, n))
                .cloned()
        };
        assert_eq!(
            t("products").unwrap().columns.keys().collect::<Vec<_>>(),
            vec!["id", "name"]
        );
        assert!(t("variants").unwrap().columns.contains_key("price"));
        assert!(t("attributes").unwrap().columns.contains_key("color"));
        assert!(data_ops(&r.up).iter().all(|o| match o {
            DataOp::Copy { batch_size, .. } | DataOp::Update { batch_size, .. } =>
                *batch_size == 250,
            _ => true,
        }));
    }
    let bad = RecipeFile::parse("[[step]]\nrecipe = 1\n").expect_err("bad file");
    assert!(bad.to_string().starts_with("recipe file:"), "{bad}");
    let unknown = refactor_file(
        &shop(Dialect::Sqlite),
        &RecipeFile::parse("[[step]]\nrecipe = \"split-table\"\ntable = \"products\"\n").unwrap(),
        &Options::default(),
    )
    .expect_err("missing");
    assert_eq!(unknown.to_string(), "split-table: missing parameter --into");
}

#[test]
fn registry_lists_every_recipe_with_parameters() {
    let names: Vec<&str> = migrex_refactor::RECIPES.iter().map(|r| r.name).collect();
    for n in [
        "rename-table",
        "rename-column",
        "change-type",
        "add-column",
        "split-table",
        "merge-tables",
        "extract-lookup",
        "change-pk",
        "to-many-to-many",
        "to-one-to-many",
        "archive",
    ] {
        assert!(names.contains(&n), "{n} missing");
    }
    assert!(
        migrex_refactor::RECIPES
            .iter()
            .all(|r| !r.doc.is_empty() && r.params.iter().any(|p| p.required))
    );
}
