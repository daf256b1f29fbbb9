//! ERDs of real schemas: Mermaid and DOT name every table and relationship, the SVG is one
//! parseable document that packs connected groups, and the PNG of pagila has real content.

use migrex_model::Dialect;
use migrex_report::{Erd, ErdOptions};
use std::path::PathBuf;

fn corpus(rel: &str, d: Dialect) -> migrex_model::Schema {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(rel);
    let text = std::fs::read_to_string(&p).expect("corpus file");
    migrex_source_sql::parse(&text, d, rel)
        .expect("parses")
        .schema
}

#[test]
fn mermaid_and_dot_of_chinook() {
    let s = corpus("chinook/Chinook_Sqlite.ddl.sql", Dialect::Sqlite);
    let erd = Erd::new(&s, ErdOptions::default());
    let m = erd.mermaid();
    assert!(m.starts_with("erDiagram\n"));
    // Every table is an entity, every foreign key a line (8 one-to-many, the self-reference and
    // the two halves of PlaylistTrack).
    assert_eq!(m.matches(" {\n").count(), 11, "{m}");
    assert_eq!(m.matches("--").count(), 11, "{m}");
    assert!(m.contains("    Artist ||--o{ Album : \"ArtistId\""), "{m}");
    assert!(
        m.contains("    Employee |o--o{ Employee : \"ReportsTo\""),
        "{m}"
    );
    assert!(
        m.contains("        INTEGER TrackId PK,FK") || m.contains("TrackId PK,FK"),
        "{m}"
    );
    let d = erd.dot();
    assert!(d.starts_with("digraph erd {"));
    assert_eq!(d.matches(" -> ").count(), 11);
    assert!(d.contains("arrowtail=crowodot"));
}

#[test]
fn text_lists_keys_and_targets() {
    let s = corpus(
        "sakila/mysql-sakila-db/mysql-sakila-schema.sql",
        Dialect::Mysql,
    );
    let t = Erd::new(&s, ErdOptions::default()).text();
    assert!(t.contains("+- rental (7 columns)"), "{t}");
    assert!(
        t.contains("|  FK    customer_id int unsigned *-> customer\n"),
        "{t}"
    );
    assert!(
        t.contains("|  FK    manager_staff_id int unsigned -1-> staff\n"),
        "{t}"
    );
    // film_text is linked to film by name only.
    assert!(t.contains("|  PK    film_id int ..> film\n"), "{t}");
}

fn non_white_pixels(png: &[u8]) -> (u32, u32, usize) {
    let p = resvg::tiny_skia::Pixmap::decode_png(png).expect("a PNG");
    let n = p
        .pixels()
        .iter()
        .filter(|c| c.red() < 200 || c.green() < 200 || c.blue() < 200)
        .count();
    (p.width(), p.height(), n)
}

#[test]
fn pagila_png_has_content() {
    let s = corpus("pagila/pagila-schema-pg15.sql", Dialect::Postgres);
    let erd = Erd::new(&s, ErdOptions::default());
    let svg = erd.svg();
    assert!(svg.contains("customer") && svg.contains("rental"));
    let png = erd.png().expect("renders");
    let out = std::env::temp_dir().join("migrex-pagila-erd.png");
    std::fs::write(&out, &png).expect("write png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (w, h, ink) = non_white_pixels(&png);
    assert!(w >= 400 && h >= 200, "{w}x{h}");
    // Boxes, lines and (where fonts exist) text: well over a percent of the picture is ink.
    assert!(ink * 100 > (w * h) as usize, "{ink} of {w}x{h}");
}

/// 120 tables in 12 star-shaped groups plus 10 lone tables: the packed drawing stays close to
/// a page shape instead of one endless row, and every table is drawn.
#[test]
fn hundred_tables_are_packed_readably() {
    let mut sql = String::new();
    for g in 0..12 {
        sql.push_str(&format!(
            "CREATE TABLE hub{g} (id integer PRIMARY KEY, name text);\n"
        ));
        for k in 0..8 {
            sql.push_str(&format!(
                "CREATE TABLE g{g}_t{k} (id integer PRIMARY KEY, hub_id integer REFERENCES hub{g} (id), v text);\n"
            ));
        }
    }
    for k in 0..12 {
        sql.push_str(&format!("CREATE TABLE lone{k} (id integer PRIMARY KEY);\n"));
    }
    let s = migrex_source_sql::parse(&sql, Dialect::Sqlite, "gen.sql")
        .expect("parses")
        .schema;
    let erd = Erd::new(&s, ErdOptions::default());
    assert_eq!(erd.tables.len(), 120);
    assert_eq!(erd.components.len(), 24);
    let svg = erd.svg();
    let open = &svg[svg.find("<svg xmlns").unwrap()..];
    let w: f64 = open
        .split("width=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let h: f64 = open
        .split("height=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(w / h < 4.0 && h / w < 4.0, "{w}x{h}");
    for g in 0..12 {
        assert!(svg.contains(&format!(">hub{g}<")), "hub{g} drawn");
    }
    let png = erd.png().expect("renders");
    std::fs::write(std::env::temp_dir().join("migrex-120-erd.png"), &png).expect("write png");
    let (_, _, ink) = non_white_pixels(&png);
    assert!(ink > 0);
}
