//! RENDER_REPORT: schemas drawn for people. Entity-relationship diagrams as Mermaid, Graphviz
//! DOT, SVG and PNG (laid out and drawn by migrex itself: layout-rs places the tables, resvg
//! rasterizes), and as plain text for terminals.
//!
//! Input: a `Schema` (relationships come from `migrex_analyze`). Output: text or bytes.
//! Allowed dependencies: model, analyze, dialect (type names), layout and rasterizing crates.

pub mod erd;

pub use erd::{Erd, ErdError, ErdOptions};
