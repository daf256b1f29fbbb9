//! The schemas: one FROM, and a TO per scenario of issue 4 part 5.

/// The schema every scenario starts from: `item` is the big table under load, `account` the
/// parent its foreign key (scenario c) will reference.
pub const FROM_SQL: &str = "\
CREATE TABLE account (
    id integer PRIMARY KEY,
    name text NOT NULL,
    balance bigint NOT NULL DEFAULT 0
);
CREATE TABLE item (
    id bigint PRIMARY KEY,
    account_id integer NOT NULL,
    qty integer NOT NULL,
    note text NOT NULL,
    hits integer NOT NULL DEFAULT 0
);
";

/// A migration to prove: FROM_SQL to `to_sql`.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name for tables (`add-column-index`).
    pub name: &'static str,
    pub title: &'static str,
    pub to_sql: String,
}

/// (a) a NOT NULL column with a default and an index on it, (b) `hits` integer to bigint (a
/// rewrite when done in place), (c) a foreign key from `item` to `account`.
pub fn scenarios() -> Vec<Scenario> {
    let account = "\
CREATE TABLE account (
    id integer PRIMARY KEY,
    name text NOT NULL,
    balance bigint NOT NULL DEFAULT 0
);
";
    let item = |hits: &str, extra: &str| {
        format!(
            "CREATE TABLE item (
    id bigint PRIMARY KEY,
    account_id integer NOT NULL,
    qty integer NOT NULL,
    note text NOT NULL,
    hits {hits} NOT NULL DEFAULT 0{extra}
);
"
        )
    };
    vec![
        Scenario {
            name: "a:add-column+index",
            title: "add a NOT NULL column with a default and an index on it",
            to_sql: format!(
                "{account}{}CREATE INDEX item_flag_idx ON item (flag);\n",
                item("integer", ",\n    flag integer NOT NULL DEFAULT 0")
            ),
        },
        Scenario {
            name: "b:int->bigint",
            title: "change a column from integer to bigint",
            to_sql: format!("{account}{}", item("bigint", "")),
        },
        Scenario {
            name: "c:add-fk",
            title: "add a foreign key to the parent table",
            to_sql: format!(
                "{account}{}",
                item(
                    "integer",
                    ",\n    CONSTRAINT item_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id)"
                )
            ),
        },
    ]
}
