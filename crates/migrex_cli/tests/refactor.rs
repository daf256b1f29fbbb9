//! `migrex refactor`: the recipe list, flags and positional parameters, TOML recipe files,
//! `--out` files and errors naming the object.

mod common;
use common::migrex;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

const SHOP: &str = "CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, sku varchar(40) NOT NULL, price numeric(10,2) NOT NULL, stock integer, color text, size text);
CREATE TABLE orders (id integer PRIMARY KEY, product_id integer NOT NULL REFERENCES products(id), status varchar(20) NOT NULL, qty text);
";

fn shop() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.sql");
    std::fs::write(&path, SHOP).unwrap();
    (dir, path.display().to_string())
}

#[test]
fn list_names_every_recipe_with_its_parameters() {
    let out = migrex(&["refactor", "--list"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    for name in [
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
        assert!(
            s.lines().any(|l| l.starts_with(name)),
            "{name} missing:\n{s}"
        );
    }
    assert!(
        s.contains("--columns A,B") && s.contains("(required)"),
        "{s}"
    );
}

#[test]
fn split_table_prints_up_sql_and_writes_the_migration() {
    let (dir, schema) = shop();
    let out_dir = dir.path().join("m");
    let out = migrex(&[
        "refactor",
        "split-table",
        "--table",
        "products",
        "--into",
        "variants",
        "--columns",
        "sku,price,stock",
        "--key-name",
        "product_id",
        "--schema",
        &schema,
        "--dialect",
        "postgres",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let up = text(&out.stdout);
    assert!(up.contains("CREATE TABLE \"variants\""), "{up}");
    assert!(
        up.contains("INSERT INTO \"variants\" (\"product_id\", \"sku\", \"price\", \"stock\") SELECT src.\"id\", src.\"sku\", src.\"price\", src.\"stock\" FROM \"products\" AS src"),
        "{up}"
    );
    assert!(
        up.contains("ALTER TABLE \"products\" DROP COLUMN \"sku\""),
        "{up}"
    );
    assert_eq!(std::fs::read_to_string(out_dir.join("up.sql")).unwrap(), up);
    let down = std::fs::read_to_string(out_dir.join("down.sql")).unwrap();
    assert!(down.contains("DROP TABLE \"variants\""), "{down}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("migration.json")).unwrap())
            .unwrap();
    assert_eq!(json["format"], "migrex-migration/1");
    assert_eq!(json["dialect"], "postgres");
    let up_steps = json["up"].as_array().unwrap();
    assert!(
        up_steps.iter().any(|s| s["data"]["task"] == "copy"),
        "{json}"
    );
    assert!(
        up_steps.iter().any(|s| s["data"]["task"] == "proof_check"),
        "{json}"
    );
    assert!(!json["down"].as_array().unwrap().is_empty());
}

#[test]
fn positional_parameters_and_json_format() {
    let (_dir, schema) = shop();
    let out = migrex(&[
        "refactor",
        "change-type",
        "orders.qty",
        "integer",
        "--schema",
        &schema,
        "--dialect",
        "postgres",
        "--pg-version",
        "16",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    let all = json["up"].to_string();
    assert!(all.contains("pg_input_is_valid"), "{all}");
    assert!(
        all.contains("ALTER TABLE \\\"orders\\\" ALTER COLUMN \\\"qty\\\" TYPE integer"),
        "{all}"
    );
}

#[test]
fn recipe_file_runs_its_steps_in_order() {
    let (dir, schema) = shop();
    let recipe = dir.path().join("recipe.toml");
    std::fs::write(
        &recipe,
        "[[step]]\nrecipe = \"split-table\"\ntable = \"products\"\ninto = \"variants\"\ncolumns = [\"sku\", \"price\", \"stock\"]\n\n[[step]]\nrecipe = \"split-table\"\ntable = \"products\"\ninto = \"attributes\"\ncolumns = \"color,size\"\none-to-one = true\n",
    )
    .unwrap();
    let out = migrex(&[
        "refactor",
        "--file",
        recipe.to_str().unwrap(),
        "--schema",
        &schema,
        "--dialect",
        "sqlite",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let up = text(&out.stdout);
    let v = up.find("CREATE TABLE \"variants\"").expect("variants");
    let a = up.find("CREATE TABLE \"attributes\"").expect("attributes");
    assert!(v < a, "{up}");
}

#[test]
fn bad_parameters_exit_2_naming_the_object() {
    let (_dir, schema) = shop();
    for (args, msg) in [
        (
            vec![
                "split-table",
                "--table",
                "nope",
                "--into",
                "x",
                "--columns",
                "a",
            ],
            "table 'nope' does not exist",
        ),
        (
            vec!["change-type", "orders.nope", "int"],
            "column 'nope' does not exist in table 'public.orders'",
        ),
        (vec!["frobnicate"], "unknown recipe 'frobnicate'"),
        (
            vec!["archive", "--table", "orders"],
            "archive: missing parameter --where",
        ),
    ] {
        let mut a = vec!["refactor"];
        a.extend(args);
        a.extend(["--schema", &schema, "--dialect", "postgres"]);
        let out = migrex(&a);
        assert_eq!(out.status.code(), Some(2), "{a:?}");
        assert!(
            text(&out.stderr).contains(msg),
            "{a:?}: {}",
            text(&out.stderr)
        );
    }
}
