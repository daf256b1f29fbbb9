//! Relationship detection on the shared sample schemas, against relationships listed by hand
//! from the schemas' own documentation and DDL (junction tables, 1:1 extensions, hierarchies,
//! references kept without a constraint on purpose, the staff/store cycle of Sakila).

use migrex_analyze::{RelationshipKind, analyze};
use migrex_model::Dialect;
use std::path::PathBuf;

fn load(rel: &str, d: Dialect) -> migrex_analyze::Report {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let loaded = migrex_source_sql::parse(&text, d, rel).expect("corpus parses");
    analyze(&loaded)
}

/// `kind table -> refs` lines of one kind, sorted.
fn of(r: &migrex_analyze::Report, kind: RelationshipKind) -> Vec<String> {
    let mut v: Vec<String> = r
        .relationships
        .iter()
        .filter(|x| x.kind == kind)
        .map(|x| {
            let refs: Vec<String> = x.references.iter().map(|q| q.name.clone()).collect();
            format!(
                "{}({}) -> {}",
                x.table.name,
                x.columns.join(","),
                refs.join("+")
            )
        })
        .collect();
    v.sort();
    v
}

fn count(r: &migrex_analyze::Report, kind: RelationshipKind) -> usize {
    r.relationships.iter().filter(|x| x.kind == kind).count()
}

use RelationshipKind::*;

#[test]
fn sakila_in_three_dialects() {
    for (rel, d, one_to_one) in [
        (
            "sakila/postgres-sakila-db/postgres-sakila-schema.sql",
            Dialect::Postgres,
            true,
        ),
        (
            "sakila/mysql-sakila-db/mysql-sakila-schema.sql",
            Dialect::Mysql,
            true,
        ),
        // The SQLite port indexes store.manager_staff_id without UNIQUE.
        (
            "sakila/sqlite-sakila-db/sqlite-sakila-schema.sql",
            Dialect::Sqlite,
            false,
        ),
    ] {
        let r = load(rel, d);
        assert_eq!(
            of(&r, ManyToMany),
            vec![
                "film_actor(actor_id,film_id) -> actor+film",
                "film_category(film_id,category_id) -> film+category",
            ],
            "{rel}"
        );
        assert_eq!(
            of(&r, OneToOne),
            if one_to_one {
                vec!["store(manager_staff_id) -> staff".to_string()]
            } else {
                vec![]
            },
            "{rel}"
        );
        assert_eq!(of(&r, Cycle), vec!["staff() -> staff+store"], "{rel}");
        assert!(of(&r, SelfReference).is_empty(), "{rel}");
        // film_text mirrors film for full-text search, keyed by film_id without a constraint
        // (PostgreSQL's port has no film_text).
        let missing = of(&r, MissingForeignKey);
        if d == Dialect::Postgres {
            assert!(missing.is_empty(), "{rel}: {missing:?}");
        } else {
            assert_eq!(missing, vec!["film_text(film_id) -> film"], "{rel}");
        }
        // address, city, customer x2, film x2, inventory x2, payment x3, rental x3, staff x2,
        // store x1 (+ manager when not 1:1); PostgreSQL adds 6 payment partitions x 3.
        let base = 17 + usize::from(!one_to_one);
        let expected = if d == Dialect::Postgres {
            base + 18
        } else {
            base
        };
        assert_eq!(count(&r, OneToMany), expected, "{rel}");
    }
}

#[test]
fn pagila_partitions_and_extension_table() {
    let r = load("pagila/pagila-schema-pg15.sql", Dialect::Postgres);
    assert_eq!(
        of(&r, ManyToMany),
        vec![
            "film_actor(actor_id,film_id) -> actor+film",
            "film_category(film_id,category_id) -> film+category",
        ]
    );
    assert_eq!(of(&r, OneToOne), vec!["film_embedding(film_id) -> film"]);
    // payment is partitioned; only its partitions for 2022-01..06 carry foreign keys, so rows
    // of the later partitions reference nothing the database checks.
    assert_eq!(
        of(&r, MissingForeignKey),
        vec![
            "payment(customer_id) -> customer",
            "payment(rental_id) -> rental",
            "payment(staff_id) -> staff",
        ]
    );
}

#[test]
fn chinook_hierarchy_and_playlist_junction() {
    for (rel, d, junction, employee, col) in [
        (
            "chinook/Chinook_PostgreSql.ddl.sql",
            Dialect::Postgres,
            "playlist_track(playlist_id,track_id) -> playlist+track",
            "employee",
            "reports_to",
        ),
        (
            "chinook/Chinook_MySql.ddl.sql",
            Dialect::Mysql,
            "PlaylistTrack(PlaylistId,TrackId) -> Playlist+Track",
            "Employee",
            "ReportsTo",
        ),
        (
            "chinook/Chinook_Sqlite.ddl.sql",
            Dialect::Sqlite,
            "PlaylistTrack(PlaylistId,TrackId) -> Playlist+Track",
            "Employee",
            "ReportsTo",
        ),
    ] {
        let r = load(rel, d);
        assert_eq!(of(&r, ManyToMany), vec![junction], "{rel}");
        assert_eq!(
            of(&r, SelfReference),
            vec![format!("{employee}({col}) -> {employee}")],
            "{rel}"
        );
        assert_eq!(count(&r, OneToMany), 8, "{rel}");
        assert!(of(&r, MissingForeignKey).is_empty(), "{rel}");
        assert!(of(&r, Cycle).is_empty(), "{rel}");
    }
}

#[test]
fn adventureworks_extensions_junctions_and_archive() {
    let r = load("adventureworks-pg/install-ddl.sql", Dialect::Postgres);
    assert_eq!(
        of(&r, OneToOne),
        vec![
            "employee(businessentityid) -> person",
            "password(businessentityid) -> person",
            "person(businessentityid) -> businessentity",
            "salesperson(businessentityid) -> employee",
            "store(businessentityid) -> businessentity",
            "vendor(businessentityid) -> businessentity",
        ]
    );
    let mn: Vec<String> = of(&r, ManyToMany)
        .into_iter()
        .map(|s| s.split('(').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        mn,
        vec![
            "countryregioncurrency",
            "personcreditcard",
            "productdocument",
            "productinventory",
            "productmodelillustration",
            "productproductphoto",
            "productvendor",
            "salesorderheadersalesreason",
            "specialofferproduct",
        ]
    );
    // The archive copy of transactionhistory and the routing's product are kept without a
    // constraint in AdventureWorks itself.
    assert_eq!(
        of(&r, MissingForeignKey),
        vec![
            "transactionhistoryarchive(productid) -> product",
            "workorderrouting(productid) -> product",
        ]
    );
    assert!(of(&r, Cycle).is_empty());
}

#[test]
fn northwind_order_details_is_a_junction_with_payload() {
    let r = load("northwind/northwind.schema.sql", Dialect::Postgres);
    let od = r
        .relationships
        .iter()
        .find(|x| x.kind == ManyToMany && x.table.name == "order_details")
        .expect("order_details is a junction");
    assert_eq!(od.payload, vec!["unit_price", "quantity", "discount"]);
    assert_eq!(
        of(&r, SelfReference),
        vec!["employees(reports_to) -> employees"]
    );
    // Money in `real` columns.
    let money: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.code == "MA104")
        .map(|f| f.object.as_str())
        .collect();
    assert_eq!(
        money,
        vec![
            "column public.order_details.unit_price",
            "column public.products.unit_price"
        ]
    );
}
