//! Fixtures shared by the recipe tests: a small shop schema per dialect.

#![allow(dead_code)]

use migrex_model::{Dialect, Schema};

pub fn shop_sql(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => {
            "CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, sku varchar(40) NOT NULL, price numeric(10,2) NOT NULL, stock integer, color text, size text);
CREATE TABLE orders (id integer PRIMARY KEY, product_id integer NOT NULL REFERENCES products(id), status varchar(20) NOT NULL, created_at date NOT NULL, qty text);
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);
CREATE TABLE profiles (user_id integer PRIMARY KEY REFERENCES users(id), bio text, age integer);
CREATE TABLE posts (id integer PRIMARY KEY, author_id integer REFERENCES users(id), title text NOT NULL);
CREATE TABLE events (id integer PRIMARY KEY, kind text NOT NULL, created_at date NOT NULL);
"
        }
        Dialect::Mysql => {
            "CREATE TABLE products (id int NOT NULL, name varchar(100) NOT NULL, sku varchar(40) NOT NULL, price decimal(10,2) NOT NULL, stock int, color varchar(20), size varchar(20), PRIMARY KEY (id));
CREATE TABLE orders (id int NOT NULL, product_id int NOT NULL, status varchar(20) NOT NULL, created_at date NOT NULL, qty varchar(20), PRIMARY KEY (id), KEY orders_product_id_idx (product_id), CONSTRAINT orders_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id));
CREATE TABLE users (id int NOT NULL AUTO_INCREMENT, email varchar(100) NOT NULL, PRIMARY KEY (id));
CREATE TABLE profiles (user_id int NOT NULL, bio varchar(200), age int, PRIMARY KEY (user_id), CONSTRAINT profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id));
CREATE TABLE posts (id int NOT NULL, author_id int, title varchar(100) NOT NULL, PRIMARY KEY (id), KEY posts_author_id_idx (author_id), CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES users (id));
CREATE TABLE events (id int NOT NULL, kind varchar(20) NOT NULL, created_at date NOT NULL, PRIMARY KEY (id));
"
        }
        Dialect::Sqlite => {
            "CREATE TABLE products (id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, sku VARCHAR(40) NOT NULL, price NUMERIC(10,2) NOT NULL, stock INTEGER, color TEXT, size TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY NOT NULL, product_id INTEGER NOT NULL REFERENCES products(id), status VARCHAR(20) NOT NULL, created_at DATE NOT NULL, qty TEXT);
CREATE TABLE users (id INTEGER PRIMARY KEY NOT NULL, email TEXT NOT NULL);
CREATE TABLE profiles (user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users(id), bio TEXT, age INTEGER);
CREATE TABLE posts (id INTEGER PRIMARY KEY NOT NULL, author_id INTEGER REFERENCES users(id), title TEXT NOT NULL);
CREATE TABLE events (id INTEGER PRIMARY KEY NOT NULL, kind TEXT NOT NULL, created_at DATE NOT NULL);
"
        }
    }
}

pub fn shop(d: Dialect) -> Schema {
    migrex_source_sql::parse(shop_sql(d), d, "shop.sql")
        .expect("shop fixture parses")
        .schema
}

/// Every recipe once, with the parameters for the shop schema.
pub fn cases() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            "rename-table",
            vec![("table", "events"), ("to", "happenings")],
        ),
        (
            "rename-column",
            vec![("column", "users.email"), ("to", "email_address")],
        ),
        (
            "change-type",
            vec![("column", "orders.qty"), ("type", "integer")],
        ),
        (
            "add-column",
            vec![
                ("column", "products.label"),
                ("type", "varchar(200)"),
                ("from", "upper(name)"),
            ],
        ),
        (
            "split-table",
            vec![
                ("table", "products"),
                ("into", "variants"),
                ("columns", "sku,price,stock"),
                ("key-name", "product_id"),
            ],
        ),
        (
            "merge-tables",
            vec![("table", "users"), ("from", "profiles")],
        ),
        (
            "extract-lookup",
            vec![("column", "orders.status"), ("into", "order_statuses")],
        ),
        ("change-pk", vec![("table", "products"), ("type", "bigint")]),
        (
            "to-many-to-many",
            vec![("column", "posts.author_id"), ("into", "post_authors")],
        ),
        (
            "archive",
            vec![("table", "events"), ("where", "created_at < '2024-01-01'")],
        ),
    ]
}

pub fn params(list: &[(&str, &str)]) -> migrex_refactor::Params {
    let mut p = migrex_refactor::Params::new();
    for (k, v) in list {
        p = p.with(k, v);
    }
    p
}

/// Seed rows for the shop, as plain INSERTs every dialect reads.
pub fn shop_seed() -> String {
    let mut out = String::new();
    for i in 1..=30 {
        out.push_str(&format!(
            "INSERT INTO products (id, name, sku, price, stock, color, size) VALUES ({i}, 'product {i}', 'SKU-{i}', {}.{:02}, {}, {}, 'M');\n",
            i * 3,
            i % 100,
            if i % 5 == 0 { "NULL".to_string() } else { (i * 7).to_string() },
            if i % 4 == 0 { "NULL".to_string() } else { format!("'color {}'", i % 3) },
        ));
    }
    let statuses = ["new", "paid", "shipped", "it's done"];
    for i in 1..=80 {
        out.push_str(&format!(
            "INSERT INTO orders (id, product_id, status, created_at, qty) VALUES ({i}, {}, '{}', '2024-01-{:02}', {});\n",
            i % 30 + 1,
            statuses[i % 4].replace('\'', "''"),
            i % 28 + 1,
            if i % 9 == 0 { "NULL".to_string() } else { format!("'{}'", i % 11) },
        ));
    }
    for i in 1..=20 {
        out.push_str(&format!(
            "INSERT INTO users (id, email) VALUES ({i}, 'user{i}@example.com');\n"
        ));
        out.push_str(&format!(
            "INSERT INTO profiles (user_id, bio, age) VALUES ({i}, {}, {});\n",
            if i % 3 == 0 {
                "NULL".to_string()
            } else {
                format!("'bio {i}'")
            },
            20 + i
        ));
    }
    for i in 1..=40 {
        out.push_str(&format!(
            "INSERT INTO posts (id, author_id, title) VALUES ({i}, {}, 'post {i}');\n",
            if i % 7 == 0 {
                "NULL".to_string()
            } else {
                (i % 20 + 1).to_string()
            }
        ));
    }
    for i in 1..=60 {
        out.push_str(&format!(
            "INSERT INTO events (id, kind, created_at) VALUES ({i}, '{}', '{}-{:02}-15');\n",
            if i % 2 == 0 { "click" } else { "old" },
            2022 + i % 3,
            i % 12 + 1
        ));
    }
    out
}

/// Per case: a query over the source and one over the target that must give the same rows.
pub fn data_checks(name: &str) -> (&'static str, &'static str) {
    match name {
        "rename-table" => (
            "SELECT id, kind, created_at FROM events",
            "SELECT id, kind, created_at FROM happenings",
        ),
        "rename-column" => (
            "SELECT id, email FROM users",
            "SELECT id, email_address FROM users",
        ),
        "change-type" => ("SELECT id, qty FROM orders", "SELECT id, qty FROM orders"),
        "add-column" => (
            "SELECT id, upper(name) FROM products",
            "SELECT id, label FROM products",
        ),
        "split-table" => (
            "SELECT id, sku, price, stock FROM products",
            "SELECT p.id, v.sku, v.price, v.stock FROM products p JOIN variants v ON v.product_id = p.id",
        ),
        "merge-tables" => (
            "SELECT user_id, bio, age FROM profiles",
            "SELECT id, bio, age FROM users",
        ),
        "extract-lookup" => (
            "SELECT id, status FROM orders",
            "SELECT o.id, s.name FROM orders o JOIN order_statuses s ON s.id = o.status_id",
        ),
        "change-pk" => (
            "SELECT o.id, o.product_id, p.name FROM orders o JOIN products p ON p.id = o.product_id",
            "SELECT o.id, o.product_id, p.name FROM orders o JOIN products p ON p.id = o.product_id",
        ),
        "to-many-to-many" => (
            "SELECT id, author_id FROM posts WHERE author_id IS NOT NULL",
            "SELECT post_id, author_id FROM post_authors",
        ),
        "archive" => (
            "SELECT id, kind, created_at FROM events",
            "SELECT id, kind, created_at FROM events UNION ALL SELECT id, kind, created_at FROM events_archive",
        ),
        other => panic!("no data check for {other}"),
    }
}
