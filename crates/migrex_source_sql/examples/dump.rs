//! Prints the model read from a DDL file as JSON: `cargo run -p migrex_source_sql --example dump -- FILE DIALECT`.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sql = std::fs::read_to_string(&args[1]).expect("readable file");
    let d = migrex_model::Dialect::parse(&args[2]).expect("dialect");
    match migrex_source_sql::parse(&sql, d, &args[1]) {
        Ok(l) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&l.schema).expect("serializable")
            );
            for w in l.warnings {
                eprintln!("warning: {w}");
            }
        }
        Err(e) => eprintln!("error: {e}"),
    }
}
