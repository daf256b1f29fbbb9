//! Entity-relationship diagrams.
//!
//! One `Erd` is built from the schema and its relationships (foreign keys read as 1:1 or 1:N,
//! junction tables as their two 1:N halves, keys named like another table's but without a
//! constraint as dashed "implied" lines), then rendered. Large schemas stay readable because
//! the drawing is split the way the data is: tables are grouped by schema, then by FK
//! connectivity (each connected group laid out on its own and the groups packed in rows), and
//! by default only key columns are listed.

use migrex_analyze::{RelationshipKind, find_relationships};
use migrex_model::{QualifiedName, Schema};
use petgraph::unionfind::UnionFind;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

#[derive(Debug, thiserror::Error)]
pub enum ErdError {
    #[error("cannot draw the diagram as PNG: {0}")]
    Png(String),
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ErdOptions {
    /// List every column, not only primary and foreign key columns.
    pub all_columns: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErdColumn {
    pub name: String,
    pub ty: String,
    pub primary: bool,
    pub foreign: bool,
}

#[derive(Debug, Clone)]
pub struct ErdTable {
    pub name: QualifiedName,
    /// The columns shown (keys only unless `all_columns`).
    pub columns: Vec<ErdColumn>,
    pub column_count: usize,
}

/// A line from a referencing table to the referenced one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErdEdge {
    pub child: usize,
    pub parent: usize,
    pub columns: Vec<String>,
    /// At most one child per parent row.
    pub one_to_one: bool,
    /// A child row may have no parent.
    pub optional: bool,
    /// No constraint: the reference is only implied by names.
    pub implied: bool,
}

#[derive(Debug, Clone)]
pub struct Erd {
    pub tables: Vec<ErdTable>,
    pub edges: Vec<ErdEdge>,
    /// Groups of tables connected by edges, largest first; within a schema group.
    pub components: Vec<Vec<usize>>,
    /// Show `schema.table` (several namespaces) or just `table`.
    qualify: bool,
}

impl Erd {
    pub fn new(schema: &Schema, opts: ErdOptions) -> Erd {
        let mut tables = Vec::new();
        let mut index: HashMap<QualifiedName, usize> = HashMap::new();
        for (q, t) in schema.tables() {
            // Partitions repeat their parent; the parent stands for them.
            if t.partition_of.is_some() {
                continue;
            }
            let pk: Vec<&String> = t.primary_key.iter().flat_map(|p| &p.columns).collect();
            let fk: Vec<&String> = t.foreign_keys.iter().flat_map(|f| &f.columns).collect();
            let columns = t
                .columns
                .iter()
                .filter(|(n, _)| opts.all_columns || pk.contains(n) || fk.contains(n))
                .map(|(n, c)| ErdColumn {
                    name: n.clone(),
                    ty: migrex_dialect::format_type(schema.dialect, &c.ty),
                    primary: pk.contains(&n),
                    foreign: fk.contains(&n),
                })
                .collect();
            index.insert(q.clone(), tables.len());
            tables.push(ErdTable {
                name: q,
                columns,
                column_count: t.columns.len(),
            });
        }
        let mut edges = Vec::new();
        for r in find_relationships(schema) {
            let Some(&child) = index.get(&r.table) else {
                continue;
            };
            let mut push =
                |parent: &QualifiedName, columns: Vec<String>, one, optional, implied| {
                    if let Some(&parent) = index.get(parent) {
                        edges.push(ErdEdge {
                            child,
                            parent,
                            columns,
                            one_to_one: one,
                            optional,
                            implied,
                        });
                    }
                };
            match r.kind {
                RelationshipKind::OneToMany | RelationshipKind::SelfReference => push(
                    &r.references[0],
                    r.columns.clone(),
                    false,
                    r.optional,
                    false,
                ),
                RelationshipKind::OneToOne => {
                    push(&r.references[0], r.columns.clone(), true, r.optional, false)
                }
                RelationshipKind::ManyToMany => {
                    // The junction's two foreign keys, each a many-to-one line.
                    let fks = schema
                        .table(&r.table)
                        .map(|t| t.foreign_keys.as_slice())
                        .unwrap_or_default();
                    for fk in fks.iter().filter(|f| {
                        r.references.contains(&f.ref_table)
                            && f.columns.iter().all(|c| r.columns.contains(c))
                    }) {
                        push(&fk.ref_table, fk.columns.clone(), false, false, false);
                    }
                }
                RelationshipKind::MissingForeignKey => {
                    push(&r.references[0], r.columns.clone(), false, r.optional, true)
                }
                RelationshipKind::Polymorphic | RelationshipKind::Cycle => {}
            }
        }
        let qualify = tables
            .iter()
            .any(|t| t.name.namespace != tables[0].name.namespace);
        let mut erd = Erd {
            tables,
            edges,
            components: Vec::new(),
            qualify,
        };
        erd.components = erd.group();
        erd
    }

    /// Tables grouped by schema, then by FK connectivity inside it; larger groups first.
    fn group(&self) -> Vec<Vec<usize>> {
        let mut uf = UnionFind::<usize>::new(self.tables.len());
        for e in &self.edges {
            if self.tables[e.child].name.namespace == self.tables[e.parent].name.namespace {
                uf.union(e.child, e.parent);
            }
        }
        let mut groups: BTreeMap<(String, usize), Vec<usize>> = BTreeMap::new();
        for i in 0..self.tables.len() {
            groups
                .entry((self.tables[i].name.namespace.clone(), uf.find(i)))
                .or_default()
                .push(i);
        }
        let mut out: Vec<(String, Vec<usize>)> =
            groups.into_iter().map(|((ns, _), v)| (ns, v)).collect();
        out.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.len().cmp(&a.1.len()))
                .then(a.1.cmp(&b.1))
        });
        out.into_iter().map(|(_, v)| v).collect()
    }

    fn label(&self, i: usize) -> String {
        let q = &self.tables[i].name;
        if self.qualify {
            q.to_string()
        } else {
            q.name.clone()
        }
    }

    /// Mermaid `erDiagram` (renders in GitHub, GitLab and most Markdown viewers).
    pub fn mermaid(&self) -> String {
        fn ident(s: &str) -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        }
        fn ty(s: &str) -> String {
            let t: String = s
                .chars()
                .map(|c| match c {
                    ' ' => '_',
                    ',' => '-',
                    c if c.is_ascii_alphanumeric() || "_-()[]".contains(c) => c,
                    _ => '_',
                })
                .collect();
            if t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                t
            } else {
                format!("t_{t}")
            }
        }
        let mut s = String::from("erDiagram\n");
        for (i, t) in self.tables.iter().enumerate() {
            let _ = writeln!(s, "    {} {{", ident(&self.label(i)));
            for c in &t.columns {
                let keys: Vec<&str> = [(c.primary, "PK"), (c.foreign, "FK")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, k)| *k)
                    .collect();
                let _ = writeln!(
                    s,
                    "        {} {}{}",
                    ty(&c.ty),
                    ident(&c.name),
                    if keys.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", keys.join(","))
                    }
                );
            }
            let _ = writeln!(s, "    }}");
        }
        for e in &self.edges {
            let parent_end = if e.optional { "|o" } else { "||" };
            let child_end = if e.one_to_one { "o|" } else { "o{" };
            let line = if e.implied { ".." } else { "--" };
            let _ = writeln!(
                s,
                "    {} {parent_end}{line}{child_end} {} : \"{}\"",
                ident(&self.label(e.parent)),
                ident(&self.label(e.child)),
                e.columns.join(", ").replace('"', "'")
            );
        }
        s
    }

    /// Graphviz DOT: record-shaped tables in one cluster per schema, crow's feet on the many
    /// side (`dot -Tsvg`).
    pub fn dot(&self) -> String {
        fn quote(s: &str) -> String {
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        }
        fn record(s: &str) -> String {
            let mut out = String::new();
            for c in s.chars() {
                if "{}|<>\"\\".contains(c) {
                    out.push('\\');
                }
                out.push(c);
            }
            out
        }
        let mut s = String::from(
            "digraph erd {\n  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12];\n  node [shape=record, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9, dir=both];\n",
        );
        let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, t) in self.tables.iter().enumerate() {
            by_ns.entry(&t.name.namespace).or_default().push(i);
        }
        for (ns, ids) in by_ns {
            let indent = if self.qualify {
                let _ = writeln!(
                    s,
                    "  subgraph {} {{\n    label={};",
                    quote(&format!("cluster_{ns}")),
                    quote(ns)
                );
                "    "
            } else {
                "  "
            };
            for i in ids {
                let t = &self.tables[i];
                let mut rows = String::new();
                for c in &t.columns {
                    let mark = match (c.primary, c.foreign) {
                        (true, true) => " PK FK",
                        (true, false) => " PK",
                        (false, true) => " FK",
                        _ => "",
                    };
                    let _ = write!(
                        rows,
                        "{}\\l",
                        record(&format!("{} : {}{mark}", c.name, c.ty))
                    );
                }
                let _ = writeln!(
                    s,
                    "{indent}{} [label={}];",
                    quote(&t.name.to_string()),
                    quote(&format!("{{{}|{rows}}}", record(&self.label(i))))
                );
            }
            if self.qualify {
                let _ = writeln!(s, "  }}");
            }
        }
        for e in &self.edges {
            let head = if e.optional { "teeodot" } else { "teetee" };
            let tail = if e.one_to_one { "teeodot" } else { "crowodot" };
            let style = if e.implied { ", style=dashed" } else { "" };
            let _ = writeln!(
                s,
                "  {} -> {} [label={}, arrowhead={head}, arrowtail={tail}{style}];",
                quote(&self.tables[e.child].name.to_string()),
                quote(&self.tables[e.parent].name.to_string()),
                quote(&e.columns.join(", "))
            );
        }
        s.push_str("}\n");
        s
    }

    /// Plain text for a terminal: per schema and connected group, each table with its key
    /// columns and where its foreign keys point.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let mut ns = None;
        for group in &self.components {
            let here = &self.tables[group[0]].name.namespace;
            if ns != Some(here) {
                ns = Some(here);
                if self.qualify || !here.is_empty() {
                    let n = self
                        .tables
                        .iter()
                        .filter(|t| &t.name.namespace == here)
                        .count();
                    let _ = writeln!(
                        s,
                        "== {} ({n} tables)",
                        if here.is_empty() { "(default)" } else { here }
                    );
                }
            }
            for &i in group {
                let t = &self.tables[i];
                let _ = writeln!(s, "+- {} ({} columns)", self.label(i), t.column_count);
                for c in &t.columns {
                    let refs: Vec<String> = self
                        .edges
                        .iter()
                        .filter(|e| e.child == i && e.columns.contains(&c.name))
                        .map(|e| {
                            let card = match (e.one_to_one, e.implied) {
                                (_, true) => "..>",
                                (true, false) => "-1->",
                                (false, false) => "*->",
                            };
                            format!(" {card} {}", self.label(e.parent))
                        })
                        .collect();
                    let mark = match (c.primary, c.foreign) {
                        (true, true) => "PK FK",
                        (true, false) => "PK",
                        (false, true) => "FK",
                        _ => "",
                    };
                    let _ = writeln!(s, "|  {:<5} {} {}{}", mark, c.name, c.ty, refs.concat());
                }
                let _ = writeln!(s, "+-");
            }
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "legend: *-> many-to-one, -1-> one-to-one, ..> implied (no constraint)"
        );
        s
    }

    /// SVG drawn by migrex: each connected group laid out by layout-rs, groups packed in rows
    /// under a heading per schema.
    pub fn svg(&self) -> String {
        use layout::backends::svg::SVGWriter;
        use layout::core::base::Orientation;
        use layout::core::color::Color;
        use layout::core::style::{LineStyleKind, StyleAttr};
        use layout::std_shapes::render::get_shape_size;
        use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, RecordDef, ShapeKind};
        use layout::topo::layout::VisualGraph;

        let font = 12;
        let mut pieces: Vec<(String, f64, f64, String)> = Vec::new(); // (ns, w, h, svg)
        for group in &self.components {
            let mut vg = VisualGraph::new(Orientation::TopToBottom);
            let mut handle = HashMap::new();
            for &i in group {
                let t = &self.tables[i];
                let rows: Vec<String> = t
                    .columns
                    .iter()
                    .map(|c| {
                        let mark = match (c.primary, c.foreign) {
                            (true, true) => " (PK, FK)",
                            (true, false) => " (PK)",
                            (false, true) => " (FK)",
                            _ => "",
                        };
                        format!("{}: {}{mark}", c.name, c.ty)
                    })
                    .collect();
                let mut parts = vec![RecordDef::Text(self.label(i), None)];
                if !rows.is_empty() {
                    parts.push(RecordDef::Text(rows.join("\n"), None));
                }
                let shape = ShapeKind::Record(RecordDef::Array(parts));
                // Stacked: the name above the column list.
                let dir = Orientation::TopToBottom;
                let size = get_shape_size(dir, &shape, font, false);
                let look =
                    StyleAttr::new(Color::fast("black"), 1, Some(Color::fast("white")), 0, font);
                handle.insert(i, vg.add_node(Element::create(shape, look, dir, size)));
            }
            for e in self
                .edges
                .iter()
                .filter(|e| handle.contains_key(&e.child) && handle.contains_key(&e.parent))
            {
                let look = StyleAttr::new(
                    Color::fast(if e.implied { "gray" } else { "black" }),
                    1,
                    None,
                    0,
                    10,
                );
                let arrow = Arrow::new(
                    LineEndKind::None,
                    LineEndKind::Arrow,
                    if e.implied {
                        LineStyleKind::Dashed
                    } else {
                        LineStyleKind::Normal
                    },
                    &format!(
                        "{}{}",
                        e.columns.join(", "),
                        if e.one_to_one { " (1:1)" } else { "" }
                    ),
                    &look,
                    &None,
                    &None,
                );
                vg.add_edge(arrow, handle[&e.child], handle[&e.parent]);
            }
            let mut w = SVGWriter::new();
            vg.do_it(false, false, false, &mut w);
            // layout-rs asks for Times; a sans-serif face reads better and exists on more
            // machines (the PNG renderer falls back to whatever sans-serif face is installed).
            let svg = w.finalize().replace(
                "font-family: Times, serif;",
                "font-family: 'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif;",
            );
            let (width, height) = svg_size(&svg).unwrap_or((200.0, 100.0));
            let ns = self.tables[group[0]].name.namespace.clone();
            pieces.push((ns, width, height, strip_header(&svg)));
        }
        pack(&pieces, self.qualify)
    }

    /// PNG of the SVG, rendered with the system's fonts.
    pub fn png(&self) -> Result<Vec<u8>, ErdError> {
        svg_to_png(&self.svg())
    }
}

fn attr(tag: &str, name: &str) -> Option<f64> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    tag[start..end].trim().parse().ok()
}

/// The width and height of an SVG's root element.
fn svg_size(svg: &str) -> Option<(f64, f64)> {
    let open = svg.find("<svg")?;
    let tag = &svg[open..open + svg[open..].find('>')?];
    Some((attr(tag, "width")?, attr(tag, "height")?))
}

fn strip_header(svg: &str) -> String {
    match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg.to_string(),
    }
}

/// Packs laid-out groups in rows (shelves), a heading before each schema.
fn pack(pieces: &[(String, f64, f64, String)], headings: bool) -> String {
    let gap = 30.0;
    let heading = 28.0;
    let area: f64 = pieces.iter().map(|p| p.1 * p.2).sum();
    let widest = pieces.iter().map(|p| p.1).fold(0.0, f64::max);
    let row_width = (area.sqrt() * 1.6).max(widest).max(400.0);
    let mut body = String::new();
    let (mut x, mut y, mut row_h, mut total_w) = (gap, gap, 0.0f64, 0.0f64);
    let mut ns: Option<&str> = None;
    for (n, w, h, svg) in pieces {
        if ns != Some(n.as_str()) {
            if ns.is_some() {
                y += row_h + gap;
                x = gap;
                row_h = 0.0;
            }
            ns = Some(n);
            if headings {
                let _ = writeln!(
                    body,
                    "<text x=\"{gap}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"18\" font-weight=\"bold\">{}</text>",
                    y + 18.0,
                    escape(if n.is_empty() { "(default)" } else { n })
                );
                y += heading;
            }
        }
        if x > gap && x + w > row_width {
            y += row_h + gap;
            x = gap;
            row_h = 0.0;
        }
        let inner = svg.replacen("<svg ", &format!("<svg x=\"{x}\" y=\"{y}\" "), 1);
        body.push_str(&inner);
        body.push('\n');
        x += w + gap;
        row_h = row_h.max(*h);
        total_w = total_w.max(x);
    }
    let total_h = y + row_h + gap;
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{total_w}\" height=\"{total_h}\" viewBox=\"0 0 {total_w} {total_h}\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n"
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Rasterizes an SVG (at twice its size when that stays under 8,000 pixels a side).
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, ErdError> {
    use resvg::{tiny_skia, usvg};
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    // fontdb's generic families default to Microsoft's faces; point them at installed ones.
    let installed: Vec<String> = db
        .faces()
        .flat_map(|f| f.families.iter().map(|(n, _)| n.clone()))
        .collect();
    for family in ["DejaVu Sans", "Liberation Sans", "Noto Sans", "FreeSans"] {
        if installed.iter().any(|n| n == family) {
            db.set_sans_serif_family(family);
            db.set_serif_family(family);
            break;
        }
    }
    opt.font_family = "sans-serif".into();
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| ErdError::Png(e.to_string()))?;
    let size = tree.size();
    let scale = (8000.0 / size.width().max(size.height())).min(2.0);
    let w = (size.width() * scale).ceil().max(1.0) as u32;
    let h = (size.height() * scale).ceil().max(1.0) as u32;
    let mut pixmap =
        tiny_skia::Pixmap::new(w, h).ok_or_else(|| ErdError::Png(format!("no {w}x{h} canvas")))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ErdError::Png(e.to_string()))
}
