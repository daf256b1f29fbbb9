//! Invariants over hand-built schema pairs, for every dialect: diff(x, x) is empty; simulating
//! the plan gives the target; simulating the down plan gives the source; plus ordering checks.

mod common;

use common::*;
use migrex_diff::{diff, plan, simulate};
use migrex_model::*;

fn renames_none() -> Renames {
    Renames::default()
}

/// A small shop: users <- orders <- order_items -> products, with indexes, uniques, checks, a view.
fn shop(d: Dialect) -> Schema {
    let mut users = table(
        d,
        "users",
        &[not_null(col("email", text(d))), col("name", text(d))],
    );
    if d == Dialect::Mysql {
        users
            .indexes
            .push(index("users_email_key", &["email"], true));
    } else {
        users.uniques.push(unique(d, "users_email_key", &["email"]));
    }
    let mut orders = table(
        d,
        "orders",
        &[not_null(col("user_id", int(d))), col("total", int(d))],
    );
    orders
        .foreign_keys
        .push(fk(d, "orders_user_id_fkey", &["user_id"], "users", &["id"]));
    orders
        .indexes
        .push(index("orders_user_id_idx", &["user_id"], false));
    orders
        .checks
        .push(check(d, "orders_total_check", "total >= 0"));
    let products = table(d, "products", &[col("title", text(d))]);
    let mut items = table(
        d,
        "order_items",
        &[col("order_id", int(d)), col("product_id", int(d))],
    );
    items.foreign_keys.push(fk(
        d,
        "order_items_order_id_fkey",
        &["order_id"],
        "orders",
        &["id"],
    ));
    items.foreign_keys.push(fk(
        d,
        "order_items_product_id_fkey",
        &["product_id"],
        "products",
        &["id"],
    ));
    if d == Dialect::Mysql {
        items
            .indexes
            .push(index("order_items_order_id_fkey", &["order_id"], false));
        items
            .indexes
            .push(index("order_items_product_id_fkey", &["product_id"], false));
    }
    // Definition order puts children first, so creation must reorder.
    let mut s = schema(d, vec![items, orders, users, products]);
    add_view(
        &mut s,
        view(
            d,
            "big_orders",
            "SELECT id, total FROM orders WHERE total > 100",
            &["orders"],
        ),
    );
    s
}

#[test]
fn create_everything_in_fk_order_and_drop_in_reverse() {
    for d in Dialect::ALL {
        let empty = Schema::new(d);
        let s = shop(d);
        let up = check_pair("create shop", &empty, &s, &renames_none());
        let at = |name: &str| {
            pos(
                &up,
                |c| matches!(c, Change::CreateTable { name: n, .. } if n.name == name),
            )
        };
        assert!(at("users") < at("orders"), "{d}\n{}", describe(&up));
        assert!(at("orders") < at("order_items"));
        assert!(at("products") < at("order_items"));
        let v = pos(&up, |c| matches!(c, Change::CreateView { .. }));
        assert!(v > at("orders"));
        // Ties by definition order: users before products (both roots).
        assert!(at("users") < at("products"));

        let back = plan(&s, &empty, &renames_none());
        let gone = |name: &str| {
            pos(
                &back,
                |c| matches!(c, Change::DropTable { name: n, .. } if n.name == name),
            )
        };
        assert!(
            gone("order_items") < gone("orders"),
            "{d}\n{}",
            describe(&back)
        );
        assert!(gone("orders") < gone("users"));
        assert!(gone("order_items") < gone("products"));
        assert!(pos(&back, |c| matches!(c, Change::DropView { .. })) < gone("orders"));
        assert!(
            back.steps
                .iter()
                .filter(|s| matches!(s.change, Change::DropTable { .. }))
                .all(|s| s.phase == Phase::Contract)
        );
    }
}

#[test]
fn fk_cycles_are_broken_on_create_and_drop() {
    for d in Dialect::ALL {
        let mut a = table(d, "a", &[col("b_id", int(d))]);
        a.foreign_keys
            .push(fk(d, "a_b_fk", &["b_id"], "b", &["id"]));
        let mut b = table(d, "b", &[col("a_id", int(d)), col("parent", int(d))]);
        b.foreign_keys
            .push(fk(d, "b_a_fk", &["a_id"], "a", &["id"]));
        b.foreign_keys
            .push(fk(d, "b_parent_fk", &["parent"], "b", &["id"]));
        let mut c = table(d, "c", &[col("a_id", int(d))]);
        c.foreign_keys
            .push(fk(d, "c_a_fk", &["a_id"], "a", &["id"]));
        let s = schema(d, vec![c, a, b]);
        let empty = Schema::new(d);
        let up = check_pair("cycle", &empty, &s, &renames_none());
        let adds = up
            .steps
            .iter()
            .filter(|s| matches!(s.change, Change::AddForeignKey { .. }))
            .count();
        if d == Dialect::Sqlite {
            // SQLite keeps the cycle inline and cannot add a foreign key later anyway.
            assert_eq!(adds, 0, "{}", describe(&up));
        } else {
            assert_eq!(adds, 2, "{d}: {}", describe(&up));
            // The self-reference stays inline.
            let b_create = up
                .steps
                .iter()
                .find_map(|s| match &s.change {
                    Change::CreateTable { name, table } if name.name == "b" => Some(table),
                    _ => None,
                })
                .unwrap();
            assert_eq!(b_create.foreign_keys.len(), 1);
            assert_eq!(b_create.foreign_keys[0].ref_table.name, "b");
            let fk_step = pos(&up, |c| matches!(c, Change::AddForeignKey { .. }));
            let creates: Vec<usize> = up
                .steps
                .iter()
                .filter(|s| matches!(s.change, Change::CreateTable { .. }))
                .map(|s| s.id)
                .collect();
            assert!(creates.iter().all(|&c| c < fk_step));
            let down = plan(&s, &empty, &renames_none());
            let drop_fks = down
                .steps
                .iter()
                .filter(|s| matches!(s.change, Change::DropForeignKey { .. }))
                .count();
            assert_eq!(drop_fks, 2, "{}", describe(&down));
        }
    }
}

#[test]
fn dropping_a_parent_drops_the_childs_fk_first() {
    for d in Dialect::ALL {
        let from = shop(d);
        let mut to = shop(d);
        to.namespace_mut(d.default_namespace())
            .tables
            .shift_remove("products");
        let items = tbl(&mut to, "order_items");
        items
            .foreign_keys
            .retain(|f| f.ref_table.name != "products");
        items
            .indexes
            .retain(|i| i.name != "order_items_product_id_fkey");
        let up = check_pair("drop parent", &from, &to, &renames_none());
        let drop_parent = pos(&up, |c| matches!(c, Change::DropTable { .. }));
        let release = pos(&up, |c| match (d, c) {
            (Dialect::Sqlite, Change::RebuildTable { name, .. }) => name.name == "order_items",
            (_, Change::DropForeignKey { foreign_key, .. }) => {
                foreign_key.ref_table.name == "products"
            }
            _ => false,
        });
        assert!(release < drop_parent, "{d}\n{}", describe(&up));
        assert!(up.steps[drop_parent].depends_on.contains(&release));
    }
}

#[test]
fn column_changes_and_sqlite_rebuild() {
    for d in Dialect::ALL {
        let from = shop(d);
        let mut to = shop(d);
        let users = tbl(&mut to, "users");
        users.columns.shift_remove("name");
        users.columns.insert("nick".into(), col("nick", text(d)));
        users.columns.insert(
            "active".into(),
            Column {
                default: Some(expr(d, "1")),
                ..not_null(col("active", int(d)))
            },
        );
        let orders = tbl(&mut to, "orders");
        orders.columns.get_mut("total").unwrap().ty = bigint(d);
        let up = check_pair("columns", &from, &to, &renames_none());
        let kinds = descriptions(&up);
        match d {
            Dialect::Sqlite => {
                // users: add + drop fit ALTER TABLE; orders: a type change needs the rebuild.
                assert!(
                    kinds.contains(&format!("add column {}.nick", q(d, "users"))),
                    "{kinds:?}"
                );
                assert!(kinds.contains(&format!("drop column {}.name", q(d, "users"))));
                assert!(kinds.contains(&format!("rebuild table {}", q(d, "orders"))));
                assert!(!kinds.iter().any(|k| k.starts_with("alter column")));
                let rebuild = up
                    .steps
                    .iter()
                    .find(|s| matches!(s.change, Change::RebuildTable { .. }))
                    .unwrap();
                assert!(!rebuild.transactional);
                // The view over orders goes before the rebuild and comes back after.
                let dv = pos(&up, |c| matches!(c, Change::DropView { .. }));
                let cv = pos(&up, |c| matches!(c, Change::CreateView { .. }));
                assert!(dv < rebuild.id && rebuild.id < cv, "{}", describe(&up));
            }
            Dialect::Mysql => {
                // MySQL resolves a view's columns at use: a type change leaves the view alone.
                assert!(
                    kinds.contains(&format!("alter column {}.total", q(d, "orders"))),
                    "{kinds:?}"
                );
                assert!(!kinds.iter().any(|k| k.contains(" view ")), "{kinds:?}");
            }
            Dialect::Postgres => {
                assert!(
                    kinds.contains(&format!("alter column {}.total", q(d, "orders"))),
                    "{kinds:?}"
                );
                let dv = pos(&up, |c| matches!(c, Change::DropView { .. }));
                let alter = pos(&up, |c| matches!(c, Change::AlterColumn { .. }));
                let cv = pos(&up, |c| matches!(c, Change::CreateView { .. }));
                assert!(dv < alter && alter < cv, "{}", describe(&up));
                assert!(up.steps[alter].depends_on.contains(&dv));
            }
        }
        // A dropped and an added column of the same definition: a rename hint is offered.
        assert!(
            up.notes.iter().any(
                |n| n.contains(&format!("{}.name was dropped", q(d, "users")))
                    && n.contains("@renamed from=name")
            ),
            "{:?}",
            up.notes
        );
    }
}

#[test]
fn sqlite_alter_table_limits() {
    let d = Dialect::Sqlite;
    let base = shop(d);
    let with = |f: &dyn Fn(&mut Table)| {
        let mut s = shop(d);
        f(tbl(&mut s, "products"));
        s
    };
    let kinds = |to: &Schema| descriptions(&check_pair("sqlite", &base, to, &renames_none()));
    // Nullable column: ALTER TABLE ADD COLUMN.
    let k = kinds(&with(&|t| {
        t.columns.insert("x".into(), col("x", text(d)));
    }));
    assert_eq!(k, ["add column products.x"]);
    // NOT NULL without a default, a non-constant default, a UNIQUE column: rebuild.
    for f in [
        &(|t: &mut Table| {
            t.columns.insert("x".into(), not_null(col("x", text(d))));
        }) as &dyn Fn(&mut Table),
        &|t: &mut Table| {
            t.columns.insert(
                "x".into(),
                Column {
                    default: Some(expr(d, "CURRENT_TIMESTAMP")),
                    ..col("x", text(d))
                },
            );
        },
        &|t: &mut Table| {
            t.columns.insert("x".into(), col("x", text(d)));
            t.uniques.push(unique(d, "u", &["x"]));
        },
        &|t: &mut Table| {
            t.checks.push(check(d, "c", "length(title) > 0"));
        },
    ] {
        assert_eq!(kinds(&with(f)), ["rebuild table products"]);
    }
    // NOT NULL with a constant default: ALTER TABLE.
    let k = kinds(&with(&|t| {
        t.columns.insert(
            "x".into(),
            Column {
                default: Some(expr(d, "'n/a'")),
                ..not_null(col("x", text(d)))
            },
        );
    }));
    assert_eq!(k, ["add column products.x"]);
    // Dropping an indexed column: the index goes first, then the column.
    let mut from = shop(d);
    tbl(&mut from, "products")
        .indexes
        .push(index("products_title_idx", &["title"], false));
    let to = with(&|t| {
        t.columns.shift_remove("title");
    });
    let up = check_pair("drop indexed", &from, &to, &renames_none());
    assert_eq!(
        descriptions(&up),
        [
            "drop index products_title_idx on products",
            "drop column products.title"
        ]
    );
    assert_eq!(up.steps[1].depends_on, [0]);
    // Dropping a key column: rebuild, with the index changes folded in.
    let mut to = to;
    tbl(&mut to, "products")
        .indexes
        .push(index("products_new_idx", &["id"], false));
    let mut from2 = from.clone();
    tbl(&mut from2, "products").primary_key = None;
    tbl(&mut from2, "products")
        .uniques
        .push(unique(d, "x", &["title"]));
    let up = check_pair("drop unique col", &from2, &to, &renames_none());
    assert_eq!(descriptions(&up), ["rebuild table products"]);
}

#[test]
fn renames_are_honoured_and_reversed() {
    for d in Dialect::ALL {
        let from = shop(d);
        let mut to = shop(d);
        // users -> customers, users.email -> mail; orders.user_id -> customer_id.
        {
            let n = to.namespace_mut(d.default_namespace());
            let (i, _, mut t) = n.tables.shift_remove_full("users").unwrap();
            t.name = "customers".into();
            let mut email = t.columns.shift_remove("email").unwrap();
            email.name = "mail".into();
            t.columns.shift_insert(1, "mail".into(), email);
            if d == Dialect::Mysql {
                t.indexes[0].parts[0] = IndexPart::column("mail");
            } else {
                t.uniques[0].columns = vec!["mail".into()];
                t.uniques[0].name = cname(d, "customers_mail_key");
            }
            t.primary_key.as_mut().unwrap().name = pk_name(d, "customers");
            n.tables.shift_insert(i, "customers".into(), t);
        }
        let orders = tbl(&mut to, "orders");
        let mut uid = orders.columns.shift_remove("user_id").unwrap();
        uid.name = "customer_id".into();
        orders.columns.insert("customer_id".into(), uid);
        orders.foreign_keys[0].columns = vec!["customer_id".into()];
        orders.foreign_keys[0].ref_table = qn(d, "customers");
        orders.indexes[0].parts[0] = IndexPart::column("customer_id");
        let mut renames = Renames::default();
        renames.tables.insert(qn(d, "users"), qn(d, "customers"));
        renames
            .columns
            .insert((qn(d, "customers"), "email".into()), "mail".into());
        renames
            .columns
            .insert((qn(d, "orders"), "user_id".into()), "customer_id".into());
        let up = check_pair("renames", &from, &to, &renames);
        let k = descriptions(&up);
        assert_eq!(
            k[0],
            format!("rename table {} to customers", qn(d, "users")),
            "{k:?}"
        );
        assert!(
            k.contains(&format!(
                "rename column {}.user_id to customer_id",
                q(d, "orders")
            )),
            "{k:?}"
        );
        assert!(
            !k.iter()
                .any(|k| k.starts_with("drop table") || k.starts_with("create table"))
        );
        if d == Dialect::Postgres {
            assert!(
                k.iter()
                    .any(|k| k.starts_with("rename constraint users_pkey to customers_pkey")),
                "{k:?}"
            );
        }
        let back = migrex_diff::down(&from, &to, &renames);
        let k = descriptions(&back);
        assert!(
            k.contains(&format!("rename table {} to users", qn(d, "customers"))),
            "{k:?}"
        );
        assert!(k.contains(&format!(
            "rename column {}.customer_id to user_id",
            q(d, "orders")
        )));
        assert!(
            k.contains(&format!("rename column {}.mail to email", q(d, "users"))),
            "{k:?}"
        );

        // Without the hints it is a drop and a create, with a hint in the notes.
        let p = plan(&from, &to, &renames_none());
        assert!(
            p.notes.iter().any(|n| n.contains("@renamed from=user_id")),
            "{:?}",
            p.notes
        );
        let mut same_cols = from.clone();
        {
            let n = same_cols.namespace_mut(d.default_namespace());
            let mut t = n.tables.shift_remove("products").unwrap();
            t.name = "goods".into();
            n.tables.insert("goods".into(), t);
        }
        let p = plan(&shop(d), &same_cols, &renames_none());
        assert!(
            p.notes
                .iter()
                .any(|n| n.contains("table") && n.contains("@renamed from=products")),
            "{:?}",
            p.notes
        );
    }
}

#[test]
fn case_only_renames() {
    for d in [Dialect::Mysql, Dialect::Sqlite] {
        let from = shop(d);
        let mut to = shop(d);
        let users = tbl(&mut to, "users");
        let mut c = users.columns.shift_remove("name").unwrap();
        c.name = "Name".into();
        users.columns.insert("Name".into(), c);
        let up = check_pair("case", &from, &to, &renames_none());
        assert_eq!(
            descriptions(&up),
            [format!("rename column {}.name to Name", q(d, "users"))]
        );
    }
    let d = Dialect::Sqlite;
    let from = schema(d, vec![table(d, "Users", &[])]);
    let to = schema(d, vec![table(d, "users", &[])]);
    let up = check_pair("case table", &from, &to, &renames_none());
    assert_eq!(
        descriptions(&up),
        [
            "rename table Users to users__migrex_tmp",
            "rename table users__migrex_tmp to users"
        ]
    );
    assert_eq!(up.steps[1].depends_on, [0]);
    // PostgreSQL names are exact: a different table.
    let d = Dialect::Postgres;
    let from = schema(d, vec![table(d, "Users", &[])]);
    let to = schema(d, vec![table(d, "users", &[])]);
    let up = check_pair("case pg", &from, &to, &renames_none());
    assert_eq!(up.steps.len(), 2);
}

#[test]
fn constraints_by_name_and_content() {
    for d in Dialect::ALL {
        let from = shop(d);
        let mut to = shop(d);
        let orders = tbl(&mut to, "orders");
        orders.indexes[0].name = "orders_by_user".into();
        orders.checks[0] = check(d, "orders_total_check", "total > 0");
        orders
            .indexes
            .push(index("orders_total_idx", &["total"], false));
        let up = check_pair("constraints", &from, &to, &renames_none());
        let k = descriptions(&up);
        match d {
            Dialect::Postgres | Dialect::Mysql => {
                assert!(
                    k.contains(&format!(
                        "rename index orders_user_id_idx to orders_by_user on {}",
                        q(d, "orders")
                    )),
                    "{k:?}"
                );
                let drop = pos(&up, |c| matches!(c, Change::DropCheck { .. }));
                let add = pos(&up, |c| matches!(c, Change::AddCheck { .. }));
                assert!(drop < add);
            }
            Dialect::Sqlite => assert_eq!(
                k,
                [
                    format!("drop view {}", q(d, "big_orders")),
                    format!("rebuild table {}", q(d, "orders")),
                    format!("create view {}", q(d, "big_orders")),
                ]
            ),
        }
    }
    // A constraint that only changes name: PostgreSQL renames, MySQL drops and adds.
    for d in [Dialect::Postgres, Dialect::Mysql] {
        let from = shop(d);
        let mut to = shop(d);
        tbl(&mut to, "orders").checks[0].name = Some("positive_total".into());
        let up = check_pair("rename check", &from, &to, &renames_none());
        let k = descriptions(&up);
        if d == Dialect::Postgres {
            assert_eq!(
                k,
                [format!(
                    "rename constraint orders_total_check to positive_total on {}",
                    q(d, "orders")
                )]
            );
        } else {
            assert_eq!(k.len(), 2, "{k:?}");
        }
    }
}

#[test]
fn primary_key_and_unique_changes_order_with_foreign_keys() {
    for d in Dialect::ALL {
        let from = shop(d);
        let mut to = shop(d);
        // products gets a unique on title and a new table references it.
        let products = tbl(&mut to, "products");
        if d == Dialect::Mysql {
            products
                .indexes
                .push(index("products_title_key", &["title"], true));
        } else {
            products
                .uniques
                .push(unique(d, "products_title_key", &["title"]));
        }
        let mut reviews = table(d, "reviews", &[col("product_title", text(d))]);
        reviews.foreign_keys.push(fk(
            d,
            "reviews_title_fkey",
            &["product_title"],
            "products",
            &["title"],
        ));
        to.namespace_mut(d.default_namespace())
            .tables
            .insert("reviews".into(), reviews);
        let up = check_pair("unique for fk", &from, &to, &renames_none());
        if d != Dialect::Sqlite {
            let key = pos(&up, |c| {
                matches!(c, Change::AddUnique { .. } | Change::CreateIndex { .. })
            });
            let create = pos(&up, |c| matches!(c, Change::CreateTable { .. }));
            assert!(key < create, "{d}\n{}", describe(&up));
            assert!(up.steps[create].depends_on.contains(&key));
        }
        // And back: the foreign key goes before the key it needs.
        let back = check_pair("unique for fk, back", &to, &from, &renames_none());
        if d != Dialect::Sqlite {
            let drop_fk = pos(&back, |c| matches!(c, Change::DropForeignKey { .. }));
            let drop_k = pos(&back, |c| {
                matches!(c, Change::DropUnique { .. } | Change::DropIndex { .. })
            });
            assert!(drop_fk < drop_k, "{d}\n{}", describe(&back));
        }
        // Primary key moves to another column.
        let mut to2 = shop(d);
        let p = tbl(&mut to2, "products");
        p.columns.get_mut("title").unwrap().nullable = false;
        p.primary_key = Some(PrimaryKey {
            name: pk_name(d, "products"),
            columns: vec!["id".into(), "title".into()],
        });
        let items = tbl(&mut to2, "order_items");
        items
            .foreign_keys
            .retain(|f| f.ref_table.name != "products");
        items
            .indexes
            .retain(|i| i.name != "order_items_product_id_fkey");
        check_pair("pk change", &from, &to2, &renames_none());
    }
}

#[test]
fn views_follow_their_dependencies() {
    for d in Dialect::ALL {
        let mut from = shop(d);
        add_view(
            &mut from,
            view(
                d,
                "top_orders",
                "SELECT id FROM big_orders WHERE total > 1000",
                &["big_orders"],
            ),
        );
        let mut to = from.clone();
        let v = to
            .namespace_mut(d.default_namespace())
            .views
            .get_mut("big_orders")
            .unwrap();
        v.definition = expr(d, "SELECT id, total FROM orders WHERE total > 500");
        let up = check_pair("view chain", &from, &to, &renames_none());
        let k = descriptions(&up);
        // The reader of the changed view is recreated around it.
        assert_eq!(
            k,
            [
                format!("drop view {}", qn(d, "top_orders")),
                format!("drop view {}", qn(d, "big_orders")),
                format!("create view {}", qn(d, "big_orders")),
                format!("create view {}", qn(d, "top_orders")),
            ],
            "{}",
            describe(&up)
        );
        // Comment only.
        let mut to2 = from.clone();
        to2.namespace_mut(d.default_namespace())
            .views
            .get_mut("top_orders")
            .unwrap()
            .comment = Some("hi".into());
        let up = check_pair("view comment", &from, &to2, &renames_none());
        assert_eq!(
            descriptions(&up),
            [format!("set comment on view {}", qn(d, "top_orders"))]
        );
        // Views without recorded dependencies are found by name.
        let mut from3 = shop(d);
        from3
            .namespace_mut(d.default_namespace())
            .views
            .get_mut("big_orders")
            .unwrap()
            .depends_on
            .clear();
        let mut to3 = from3.clone();
        tbl(&mut to3, "orders").columns.shift_remove("total");
        tbl(&mut to3, "orders").checks.clear();
        to3.namespace_mut(d.default_namespace())
            .views
            .get_mut("big_orders")
            .unwrap()
            .definition = expr(d, "SELECT id FROM orders");
        let up = check_pair("view by name", &from3, &to3, &renames_none());
        let dv = pos(&up, |c| matches!(c, Change::DropView { .. }));
        let col_or_rebuild = pos(&up, |c| {
            matches!(c, Change::DropColumn { .. } | Change::RebuildTable { .. })
        });
        assert!(dv < col_or_rebuild, "{}", describe(&up));
    }
}

#[test]
fn postgres_enums_sequences_and_namespaces() {
    let d = Dialect::Postgres;
    let mood = EnumType {
        name: "mood".into(),
        values: vec!["sad".into(), "happy".into()],
        comment: None,
    };
    let mood_t = ColumnType::UserDefined {
        name: qn(d, "mood"),
    };
    let mut from = shop(d);
    from.namespace_mut("public")
        .enums
        .insert("mood".into(), mood.clone());
    tbl(&mut from, "users")
        .columns
        .insert("mood".into(), col("mood", mood_t.clone()));
    let mut to = from.clone();
    to.namespace_mut("public").enums["mood"].values =
        vec!["sad".into(), "ok".into(), "happy".into(), "ecstatic".into()];
    let up = check_up("enum values", &from, &to, &renames_none());
    assert_eq!(
        descriptions(&up),
        [
            "add value 'ok' to enum public.mood",
            "add value 'ecstatic' to enum public.mood"
        ]
    );
    assert!(up.steps.iter().all(|s| !s.transactional));
    assert_eq!(up.steps[1].depends_on, [0]);

    // Removing a value recreates the type, converting the column that uses it.
    let p = plan(&to, &from, &renames_none());
    assert_eq!(
        descriptions(&p),
        ["recreate enum public.mood with new values"]
    );
    match &p.steps[0].change {
        Change::RecreateEnum { columns, .. } => {
            assert_eq!(columns.len(), 1);
            assert_eq!(columns[0].1.name, "mood");
        }
        other => panic!("unexpected {other:?}"),
    }

    // A new schema with an enum, a sequence owned by a table, and a table using both.
    let mut to = from.clone();
    let app = to.namespace_mut("app");
    app.enums.insert(
        "state".into(),
        EnumType {
            name: "state".into(),
            values: vec!["on".into(), "off".into()],
            comment: None,
        },
    );
    app.sequences.insert(
        "ticket_seq".into(),
        Sequence {
            name: "ticket_seq".into(),
            data_type: None,
            options: SequenceOptions {
                start: Some(100),
                ..SequenceOptions::default()
            },
            owned_by: Some((QualifiedName::new("app", "tickets"), "no".into())),
            comment: None,
        },
    );
    let mut tickets = table(
        d,
        "tickets",
        &[
            Column {
                default: Some(expr(d, "nextval('app.ticket_seq'::regclass)")),
                ..not_null(col("no", bigint(d)))
            },
            col(
                "state",
                ColumnType::UserDefined {
                    name: QualifiedName::new("app", "state"),
                },
            ),
            col("user_id", int(d)),
        ],
    );
    tickets.foreign_keys.push(fk(
        d,
        "tickets_user_id_fkey",
        &["user_id"],
        "users",
        &["id"],
    ));
    app.tables.insert("tickets".into(), tickets);
    let up = check_pair("namespace", &from, &to, &renames_none());
    let k = descriptions(&up);
    assert_eq!(k[0], "create schema app", "{k:?}");
    let seq = pos(&up, |c| matches!(c, Change::CreateSequence { .. }));
    let t = pos(&up, |c| matches!(c, Change::CreateTable { .. }));
    let own = pos(&up, |c| matches!(c, Change::AlterSequence { .. }));
    assert!(seq < t && t < own, "{}", describe(&up));
    let back = plan(&to, &from, &renames_none());
    let k = descriptions(&back);
    assert_eq!(k.last().unwrap(), "drop schema app", "{k:?}");
    let release = pos(&back, |c| matches!(c, Change::AlterSequence { .. }));
    let drop_t = pos(&back, |c| matches!(c, Change::DropTable { .. }));
    let drop_seq = pos(&back, |c| matches!(c, Change::DropSequence { .. }));
    assert!(release < drop_t && drop_t < drop_seq, "{}", describe(&back));
}

#[test]
fn mysql_foreign_keys_around_type_changes_and_needed_indexes() {
    let d = Dialect::Mysql;
    let from = shop(d);
    let mut to = shop(d);
    tbl(&mut to, "users").columns.get_mut("id").unwrap().ty = bigint(d);
    tbl(&mut to, "orders")
        .columns
        .get_mut("user_id")
        .unwrap()
        .ty = bigint(d);
    let up = check_pair("mysql fk types", &from, &to, &renames_none());
    let drop = pos(&up, |c| matches!(c, Change::DropForeignKey { .. }));
    let alter = pos(&up, |c| matches!(c, Change::AlterColumn { .. }));
    let add = pos(&up, |c| matches!(c, Change::AddForeignKey { .. }));
    assert!(drop < alter && alter < add, "{}", describe(&up));
    assert!(up.steps.iter().all(|s| !s.transactional));
    // PostgreSQL changes the types in place.
    let pg = plan(
        &shop(Dialect::Postgres),
        &{
            let mut t = shop(Dialect::Postgres);
            tbl(&mut t, "users").columns.get_mut("id").unwrap().ty = bigint(Dialect::Postgres);
            t
        },
        &renames_none(),
    );
    assert!(
        !pg.steps
            .iter()
            .any(|s| matches!(s.change, Change::DropForeignKey { .. }))
    );

    // Replacing the index a foreign key uses: the new index exists before the old one goes.
    let mut to = shop(d);
    let orders = tbl(&mut to, "orders");
    orders.indexes[0] = index("orders_user_total_idx", &["user_id", "total"], false);
    let up = check_pair("mysql index swap", &from, &to, &renames_none());
    let create = pos(&up, |c| matches!(c, Change::CreateIndex { .. }));
    let drop = pos(&up, |c| matches!(c, Change::DropIndex { .. }));
    assert!(create < drop, "{}", describe(&up));
}

#[test]
fn table_comment_and_options() {
    for d in [Dialect::Postgres, Dialect::Mysql] {
        let from = shop(d);
        let mut to = shop(d);
        tbl(&mut to, "users").comment = Some("people".into());
        if d == Dialect::Mysql {
            tbl(&mut to, "orders").options = TableOptions::Mysql(MysqlTableOptions {
                engine: Some("MyISAM".into()),
                ..MysqlTableOptions::default()
            });
        } else {
            tbl(&mut to, "orders").options = TableOptions::Postgres(PgTableOptions {
                unlogged: true,
                ..PgTableOptions::default()
            });
        }
        let up = check_pair("options", &from, &to, &renames_none());
        assert_eq!(up.steps.len(), 2, "{}", describe(&up));
    }
    // Default options spelled differently are the same.
    let d = Dialect::Postgres;
    let from = shop(d);
    let mut to = shop(d);
    tbl(&mut to, "users").options = TableOptions::Postgres(PgTableOptions::default());
    assert!(diff(&from, &to, &renames_none()).is_empty());
    // SQLite: STRICT needs a rebuild.
    let d = Dialect::Sqlite;
    let mut to = shop(d);
    tbl(&mut to, "users").options = TableOptions::Sqlite(SqliteTableOptions {
        strict: true,
        without_rowid: false,
    });
    let up = check_pair("strict", &shop(d), &to, &renames_none());
    assert_eq!(descriptions(&up), ["rebuild table users"]);
}

#[test]
fn simulate_reports_missing_objects_and_bad_order() {
    let d = Dialect::Postgres;
    let s = shop(d);
    let bad = Plan {
        dialect: d,
        steps: vec![Step {
            id: 0,
            change: Change::DropTable {
                name: qn(d, "nope"),
                table: Table::new("nope"),
            },
            phase: Phase::Contract,
            depends_on: vec![],
            transactional: true,
        }],
        notes: vec![],
    };
    let err = simulate(&s, &bad).unwrap_err();
    assert!(
        matches!(err, migrex_diff::SimulateError::Missing { .. }),
        "{err}"
    );
    // Dropping a referenced parent first is refused.
    let mut p = plan(&s, &Schema::new(d), &renames_none());
    let parent = p
        .steps
        .iter()
        .position(|st| matches!(&st.change, Change::DropTable { name, .. } if name.name == "users"))
        .unwrap();
    let step = p.steps.remove(parent);
    p.steps.insert(0, step);
    for (i, st) in p.steps.iter_mut().enumerate() {
        st.id = i;
    }
    let err = simulate(&s, &p).unwrap_err();
    assert!(
        matches!(err, migrex_diff::SimulateError::StillUsed { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("users"), "{err}");
}

#[test]
fn rename_chains_free_names_first_and_swaps_are_refused() {
    for d in Dialect::ALL {
        // a -> b while b -> c: b must be renamed away first.
        let from = schema(
            d,
            vec![table(d, "a", &[col("x", int(d))]), table(d, "b", &[])],
        );
        let mut a = table(d, "b", &[col("x", int(d))]);
        a.name = "b".into();
        let to = schema(d, vec![a, table(d, "c", &[])]);
        let mut renames = Renames::default();
        renames.tables.insert(qn(d, "a"), qn(d, "b"));
        renames.tables.insert(qn(d, "b"), qn(d, "c"));
        let up = check_pair("chain", &from, &to, &renames);
        assert_eq!(
            descriptions(&up)[..2],
            [
                format!("rename table {} to c", q(d, "b")),
                format!("rename table {} to b", q(d, "a")),
            ],
            "{}",
            describe(&up)
        );
        assert_eq!(up.steps[1].depends_on, [0]);

        // A swap cannot be expressed as two renames: reported, then planned without it.
        let from = schema(
            d,
            vec![table(d, "a", &[col("x", int(d))]), table(d, "b", &[])],
        );
        let to = schema(
            d,
            vec![table(d, "a", &[]), table(d, "b", &[col("x", int(d))])],
        );
        let mut renames = Renames::default();
        renames.tables.insert(qn(d, "a"), qn(d, "b"));
        renames.tables.insert(qn(d, "b"), qn(d, "a"));
        let p = plan(&from, &to, &renames);
        assert!(
            !p.steps
                .iter()
                .any(|s| matches!(s.change, Change::RenameTable { .. }))
        );
        assert_eq!(
            p.notes
                .iter()
                .filter(|n| n.starts_with("rename hint ignored"))
                .count(),
            2,
            "{:?}",
            p.notes
        );
        check_pair("swap", &from, &to, &renames);
    }
}

#[test]
fn sqlite_unnamed_constraints_match_by_content() {
    let d = Dialect::Sqlite;
    let mut t = table(d, "t", &[col("a", int(d)), col("b", int(d))]);
    t.uniques.push(unique(d, "", &["a"]));
    t.checks.push(check(d, "", "a > 0"));
    t.checks.push(check(d, "", "b > 0"));
    let from = schema(d, vec![t.clone()]);
    // Same constraints in another order: no change.
    let mut t2 = t.clone();
    t2.checks.reverse();
    let to = schema(d, vec![t2]);
    assert!(diff(&from, &to, &renames_none()).is_empty());
    // One check changed: the table is rebuilt.
    let mut t3 = t.clone();
    t3.checks[1] = check(d, "", "b >= 0");
    let to = schema(d, vec![t3]);
    let changes = diff(&from, &to, &renames_none());
    assert_eq!(changes.len(), 2, "{changes:#?}");
    let up = check_pair("sqlite unnamed", &from, &to, &renames_none());
    assert_eq!(descriptions(&up), ["rebuild table t"]);
}

#[test]
fn mysql_auto_increment_stays_keyed() {
    let d = Dialect::Mysql;
    let ai = |c: Column| Column {
        identity: Some(Identity::AutoIncrement),
        ..not_null(c)
    };
    let base = || {
        let mut t = table(d, "friends", &[not_null(col("other", int(d)))]);
        *t.columns.get_mut("id").unwrap() = ai(col("id", int(d)));
        t
    };
    // PK (id) -> PK (id, other), id stays AUTO_INCREMENT.
    let from = schema(d, vec![base()]);
    let mut t = base();
    t.primary_key.as_mut().unwrap().columns.push("other".into());
    let to = schema(d, vec![t]);
    let up = check_pair("ai pk widen", &from, &to, &renames_none());
    assert_eq!(
        descriptions(&up),
        [
            "alter column friends.id",
            "drop primary key on friends",
            "add primary key on friends",
            "alter column friends.id"
        ],
        "{}",
        describe(&up)
    );
    // The key goes away with AUTO_INCREMENT.
    let mut t = base();
    t.primary_key = None;
    *t.columns.get_mut("id").unwrap() = not_null(col("id", int(d)));
    let to = schema(d, vec![t]);
    let up = check_pair("ai pk drop", &from, &to, &renames_none());
    assert_eq!(
        descriptions(&up),
        ["alter column friends.id", "drop primary key on friends"],
        "{}",
        describe(&up)
    );
    // A new AUTO_INCREMENT column with its primary key.
    let mut t = base();
    t.columns.shift_remove("id");
    t.primary_key = None;
    let from = schema(d, vec![t]);
    let to = schema(d, vec![base()]);
    let up = check_pair("ai add", &from, &to, &renames_none());
    assert_eq!(
        descriptions(&up),
        [
            "add column friends.id",
            "add primary key on friends",
            "alter column friends.id"
        ],
        "{}",
        describe(&up)
    );
    assert!(
        up.notes.iter().any(|n| n.contains("AUTO_INCREMENT")),
        "{:?}",
        up.notes
    );
}

#[test]
fn generated_columns_are_replaced_where_they_cannot_change() {
    for d in Dialect::ALL {
        let generated = |sql: &str, stored: bool| Generated {
            expr: expr(d, sql),
            stored,
        };
        let mut t = table(d, "t", &[col("a", int(d)), col("b", int(d))]);
        t.columns.get_mut("b").unwrap().generated = Some(generated("a * 2", true));
        t.indexes.push(index("t_b_idx", &["b"], false));
        let from = schema(d, vec![t.clone()]);
        let mut t2 = t.clone();
        t2.columns.get_mut("b").unwrap().generated = Some(generated("a * 3", true));
        let to = schema(d, vec![t2]);
        let up = check_pair("generated", &from, &to, &renames_none());
        let k = descriptions(&up);
        match d {
            Dialect::Sqlite => assert_eq!(k, ["rebuild table t"]),
            _ => assert_eq!(
                k,
                [
                    format!("drop index t_b_idx on {}", q(d, "t")),
                    format!("drop column {}.b", q(d, "t")),
                    format!("add column {}.b", q(d, "t")),
                    format!("create index t_b_idx on {}", q(d, "t")),
                ],
                "{}",
                describe(&up)
            ),
        }
        // Two replaced columns and a plain change in one table.
        let mut t4 = t.clone();
        t4.columns.insert("c".into(), col("c", int(d)));
        t4.columns.get_mut("c").unwrap().generated = Some(generated("a + 1", false));
        let from4 = schema(d, vec![t4.clone()]);
        let mut t5 = t4.clone();
        t5.columns.get_mut("b").unwrap().generated = Some(generated("a * 2", false));
        t5.columns.get_mut("c").unwrap().generated = Some(generated("a + 1", true));
        t5.columns.shift_remove("a");
        t5.columns.insert("a2".into(), col("a2", int(d)));
        for c in ["b", "c"] {
            t5.columns
                .get_mut(c)
                .unwrap()
                .generated
                .as_mut()
                .unwrap()
                .expr = expr(d, "a2 + 1");
        }
        let up = check_pair(
            "two generated",
            &from4,
            &schema(d, vec![t5]),
            &renames_none(),
        );
        assert!(!up.notes.iter().any(|n| n.starts_with("internal")));
        // PostgreSQL keeps the values when the column becomes a plain one.
        let mut t3 = t.clone();
        t3.columns.get_mut("b").unwrap().generated = None;
        let to = schema(d, vec![t3]);
        let up = check_pair("generated to plain", &from, &to, &renames_none());
        if d == Dialect::Postgres {
            assert_eq!(descriptions(&up), [format!("alter column {}.b", q(d, "t"))]);
        }
    }
}
