//! Invariant 3: reading what migrex renders gives back the same model, for every DDL fixture of
//! every dialect and for the corpus schemas, without a database: `read_sql(render(m)) == m`.
//! Also invariant 1 on the same inputs: `diff(m, m)` is empty.

use migrex::model::{Dialect, Renames};
use std::path::{Path, PathBuf};

fn fixtures(dialect: Dialect) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_live/tests/fixtures")
        .join(dialect.name());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files
}

fn corpus() -> Vec<(PathBuf, Dialect)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    [
        ("chinook/Chinook_PostgreSql.ddl.sql", Dialect::Postgres),
        ("chinook/Chinook_MySql.ddl.sql", Dialect::Mysql),
        ("chinook/Chinook_Sqlite.ddl.sql", Dialect::Sqlite),
        ("northwind/northwind.schema.sql", Dialect::Postgres),
        (
            "sakila/postgres-sakila-db/postgres-sakila-schema.sql",
            Dialect::Postgres,
        ),
        (
            "sakila/mysql-sakila-db/mysql-sakila-schema.sql",
            Dialect::Mysql,
        ),
        (
            "sakila/sqlite-sakila-db/sqlite-sakila-schema.sql",
            Dialect::Sqlite,
        ),
        ("pagila/pagila-schema-pg15.sql", Dialect::Postgres),
        ("adventureworks-pg/install-ddl.sql", Dialect::Postgres),
    ]
    .into_iter()
    .map(|(p, d)| (root.join(p), d))
    .collect()
}

#[test]
fn rendered_ddl_reads_back_to_the_same_model() {
    let mut inputs: Vec<(PathBuf, Dialect)> = Dialect::ALL
        .into_iter()
        .flat_map(|d| fixtures(d).into_iter().map(move |f| (f, d)))
        .collect();
    inputs.extend(corpus());
    assert!(inputs.len() > 20, "fixtures not found");
    let mut failures = Vec::new();
    for (path, dialect) in inputs {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let model =
            migrex::parse_sql(&text, dialect, &name).unwrap_or_else(|e| panic!("{}", e.render()));
        assert!(
            migrex_diff_is_empty(&model.schema),
            "{name}: diff(m, m) is not empty"
        );
        let rendered = migrex::inspect_sql(&model.schema).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = match migrex::parse_sql(&rendered, dialect, "rendered.sql") {
            Ok(l) => l,
            Err(e) => {
                failures.push(format!(
                    "{name}: rendered DDL does not read:\n{}",
                    e.render()
                ));
                continue;
            }
        };
        if again.schema != model.schema {
            let m = migrex::migration(&again, &model).expect("same dialect");
            let steps: Vec<String> = m.up.steps.iter().map(|s| s.change.describe()).collect();
            let differences = migrex_test_support::schema_differences(&again.schema, &model.schema);
            failures.push(format!(
                "{name}: read(render(m)) (left) != m (right); a diff would still: [{}]\n{}",
                steps.join("; "),
                differences.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn migrex_diff_is_empty(schema: &migrex::model::Schema) -> bool {
    let loaded = migrex::model::Loaded {
        schema: schema.clone(),
        renames: Renames::default(),
        ..Default::default()
    };
    migrex::migration(&loaded, &loaded)
        .map(|m| m.is_empty())
        .unwrap_or(false)
}
