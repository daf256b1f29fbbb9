//! Active Record's names and ActiveSupport's inflections, ported (values checked against
//! Active Record 6.1 and ActiveSupport 6.1 on this machine).

use migrex_source_orm::rails::{ddl, inflect, names};

#[test]
fn rails_tables_of_classes() {
    for (class, table) in [
        ("Person", "people"),
        ("OrderItem", "order_items"),
        ("Mouse", "mice"),
        ("Octopus", "octopi"),
        ("Status", "statuses"),
        ("Datum", "data"),
        ("Sheep", "sheep"),
        ("Post", "posts"),
        ("Category", "categories"),
        ("Child", "children"),
        ("Wife", "wives"),
        ("Half", "halves"),
        ("Box", "boxes"),
        ("Matrix", "matrices"),
        ("Quiz", "quizzes"),
        ("Bus", "buses"),
        ("HTMLPage", "html_pages"),
        ("Equipment", "equipment"),
        ("PoliceMan", "police_men"),
    ] {
        assert_eq!(inflect::tableize(class), table, "{class}");
    }
}

#[test]
fn rails_singulars_and_classify() {
    for (plural, singular) in [
        ("people", "person"),
        ("posts", "post"),
        ("categories", "category"),
        ("statuses", "status"),
        ("tags", "tag"),
        ("analyses", "analysis"),
        ("movies", "movie"),
        ("news", "news"),
        ("addresses", "address"),
        ("databases", "database"),
    ] {
        assert_eq!(inflect::singularize(plural), singular, "{plural}");
    }
    assert_eq!(inflect::classify("order_items"), "OrderItem");
    assert_eq!(inflect::classify("people"), "Person");
    assert_eq!(inflect::camelize("add_price_to_posts"), "AddPriceToPosts");
    assert_eq!(inflect::underscore("HTMLPage"), "html_page");
}

#[test]
fn rails_names_as_active_record_gives_them() {
    // docs/frameworks.md checked books.author_id against Active Record 6.1.
    assert_eq!(
        names::foreign_key_name("books", "author_id"),
        "fk_rails_53d51ce16a"
    );
    assert_eq!(
        names::foreign_key_name("posts", "author_id"),
        "fk_rails_04d13ef8c7"
    );
    // Active Record 6.1 named this check when loading a probe schema here.
    assert_eq!(
        names::check_name("a3", "length(y) > 1"),
        "chk_rails_67cacf5ab9"
    );
    assert_eq!(
        names::index_name("posts", &["type".into(), "status".into()]),
        "index_posts_on_type_and_status"
    );
    assert_eq!(names::join_table_name("tags", "posts"), "posts_tags");
    assert_eq!(
        names::join_table_name("catalog_products", "catalog_categories"),
        "catalog_categories_products"
    );
    assert_eq!(names::foreign_key_column("people"), "person_id");
}

#[test]
fn rails_decimals_and_floats_as_ruby_prints_them() {
    // `BigDecimal#to_s("F")` and `Float#to_s`, as quote_default_expression writes defaults.
    assert_eq!(ddl::decimal_text("10").as_deref(), Some("10.0"));
    assert_eq!(ddl::decimal_text("0.50").as_deref(), Some("0.5"));
    assert_eq!(ddl::decimal_text("-1.25").as_deref(), Some("-1.25"));
    assert_eq!(ddl::float_text("1").as_deref(), Some("1.0"));
    assert_eq!(ddl::float_text("1.5").as_deref(), Some("1.5"));
}

#[test]
fn rails_sqlite_type_map() {
    // SQLite3Adapter's type map: what copy_table turns a declared type back into.
    assert_eq!(
        ddl::sqlite_lookup("bigint"),
        (String::from("integer"), None, None, None)
    );
    assert_eq!(
        ddl::sqlite_lookup("varchar(200)"),
        (String::from("string"), Some(200), None, None)
    );
    assert_eq!(
        ddl::sqlite_lookup("datetime(6)"),
        (String::from("datetime"), None, Some(6), None)
    );
    assert_eq!(
        ddl::sqlite_lookup("decimal(10,2)"),
        (String::from("decimal"), None, Some(10), Some(2))
    );
    assert_eq!(ddl::sqlite_lookup("blob").0, "binary");
}
