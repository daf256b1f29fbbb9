//! Every sample schema of ../shared/corpus reads without error; what is not modeled is warned about.

use migrex_model::Dialect;
use std::path::PathBuf;

fn corpus(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel)
}

const FILES: &[(&str, Dialect, usize)] = &[
    ("chinook/Chinook_PostgreSql.ddl.sql", Dialect::Postgres, 11),
    ("chinook/Chinook_MySql.ddl.sql", Dialect::Mysql, 11),
    ("chinook/Chinook_Sqlite.ddl.sql", Dialect::Sqlite, 11),
    ("northwind/northwind.schema.sql", Dialect::Postgres, 14),
    (
        "sakila/postgres-sakila-db/postgres-sakila-schema.sql",
        Dialect::Postgres,
        16,
    ),
    (
        "sakila/mysql-sakila-db/mysql-sakila-schema.sql",
        Dialect::Mysql,
        16,
    ),
    (
        "sakila/sqlite-sakila-db/sqlite-sakila-schema.sql",
        Dialect::Sqlite,
        16,
    ),
    ("pagila/pagila-schema-pg15.sql", Dialect::Postgres, 15),
    ("adventureworks-pg/install-ddl.sql", Dialect::Postgres, 68),
];

#[test]
fn corpus_reads() {
    let mut failures = Vec::new();
    for (rel, dialect, min_tables) in FILES {
        let path = corpus(rel);
        let Ok(sql) = std::fs::read_to_string(&path) else {
            panic!("corpus file missing: {}", path.display());
        };
        match migrex_source_sql::parse(&sql, *dialect, rel) {
            Ok(l) => {
                let n = l.schema.table_count();
                eprintln!("{rel}: {n} tables, {} warnings", l.warnings.len());
                for w in l.warnings.iter().take(8) {
                    eprintln!("    {w}");
                }
                if n < *min_tables {
                    failures.push(format!("{rel}: {n} tables, expected at least {min_tables}"));
                }
            }
            Err(e) => failures.push(format!("{e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
