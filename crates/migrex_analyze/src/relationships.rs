//! Relationships a schema expresses (foreign keys read as 1:1, 1:N, M:N through a junction,
//! self-references) and those it only implies (polymorphic `*_type`/`*_id` pairs, columns named
//! like another table's key without a constraint), plus foreign-key cycles.

use migrex_model::{ColumnType, Dialect, ForeignKey, IndexKey, QualifiedName, Schema, Table};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationshipKind {
    /// The foreign key's columns are also the child's primary key or a unique key.
    OneToOne,
    OneToMany,
    /// A junction table whose key is made of two foreign keys.
    ManyToMany,
    /// A foreign key to its own table (a hierarchy or a chain).
    SelfReference,
    /// `x_type` + `x_id` (or Django's `content_type_id` + `object_id`): a reference to one of
    /// several tables, which no foreign key can enforce.
    Polymorphic,
    /// A column named like another table's key, of the same type, without a foreign key.
    MissingForeignKey,
    /// Tables whose foreign keys form a cycle: inserts need deferred or nullable keys.
    Cycle,
}

/// One relationship. `table`/`columns` are the referencing side (the junction for M:N, the
/// member list for a cycle is `references`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Relationship {
    pub kind: RelationshipKind,
    pub table: QualifiedName,
    pub columns: Vec<String>,
    /// The referenced table(s): one for 1:1, 1:N, self-references and missing keys; the two
    /// ends of an M:N; the tables of a cycle.
    pub references: Vec<QualifiedName>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ref_columns: Vec<String>,
    /// The constraint's name, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_key: Option<String>,
    /// A child row may have no parent (a nullable key column).
    pub optional: bool,
    /// Columns of a junction that are neither keys nor bookkeeping timestamps.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub payload: Vec<String>,
    /// One sentence a person reads.
    pub description: String,
}

/// Columns that only record when a row changed: a junction holding only these is pure.
pub(crate) const BOOKKEEPING: &[&str] = &[
    "created_at",
    "updated_at",
    "inserted_at",
    "modified_at",
    "last_update",
    "last_updated",
    "modifieddate",
    "modified_date",
    "rowguid",
    "created",
    "modified",
];

/// Column sets that identify a row: the primary key, unique constraints and full unique
/// indexes on plain columns.
pub(crate) fn unique_sets(t: &Table) -> Vec<BTreeSet<String>> {
    let mut out = Vec::new();
    if let Some(pk) = &t.primary_key {
        out.push(pk.columns.iter().cloned().collect());
    }
    for u in &t.uniques {
        out.push(u.columns.iter().cloned().collect());
    }
    for i in t
        .indexes
        .iter()
        .filter(|i| i.unique && i.predicate.is_none())
    {
        let cols: Option<BTreeSet<String>> = i
            .parts
            .iter()
            .map(|p| match &p.key {
                IndexKey::Column(c) if p.prefix_len.is_none() => Some(c.clone()),
                _ => None,
            })
            .collect();
        out.extend(cols);
    }
    out
}

fn set(cols: &[String]) -> BTreeSet<String> {
    cols.iter().cloned().collect()
}

fn optional(t: &Table, cols: &[String]) -> bool {
    cols.iter()
        .any(|c| t.columns.get(c).is_none_or(|col| col.nullable))
}

/// Every relationship of the schema, in table order.
pub fn find_relationships(schema: &Schema) -> Vec<Relationship> {
    let mut out = Vec::new();
    for (name, table) in schema.tables() {
        let junction = junction_of(&name, table);
        if let Some(j) = &junction {
            out.push(j.clone());
        }
        let keys = unique_sets(table);
        for fk in &table.foreign_keys {
            if junction.as_ref().is_some_and(|j| {
                fk.columns.iter().all(|c| j.columns.contains(c))
                    && j.references.contains(&fk.ref_table)
            }) {
                continue;
            }
            let kind = if fk.ref_table == name {
                RelationshipKind::SelfReference
            } else if keys.contains(&set(&fk.columns)) {
                RelationshipKind::OneToOne
            } else {
                RelationshipKind::OneToMany
            };
            let opt = optional(table, &fk.columns);
            let description = match kind {
                RelationshipKind::SelfReference => format!(
                    "{name}.{} refers to {name} itself (a hierarchy{})",
                    fk.columns.join(", "),
                    if opt {
                        ""
                    } else {
                        "; every row needs a parent, so the first row cannot be inserted without a deferred key"
                    }
                ),
                RelationshipKind::OneToOne => format!(
                    "each {} has at most one {name} ({name}.{} is also a key)",
                    fk.ref_table,
                    fk.columns.join(", ")
                ),
                _ => format!(
                    "each {} has {} {name} rows through {name}.{}",
                    fk.ref_table,
                    "any number of",
                    fk.columns.join(", ")
                ),
            };
            out.push(Relationship {
                kind,
                table: name.clone(),
                columns: fk.columns.clone(),
                references: vec![fk.ref_table.clone()],
                ref_columns: fk.ref_columns.clone(),
                foreign_key: fk.name.clone(),
                optional: opt,
                payload: Vec::new(),
                description,
            });
        }
        out.extend(polymorphic(&name, table));
    }
    out.extend(missing_foreign_keys(schema, &out));
    out.extend(cycles(schema));
    out
}

/// A table whose identity is two foreign keys: the PK (or a unique key, beside a surrogate id)
/// is covered by the columns of two foreign keys and by nothing else.
fn junction_of(name: &QualifiedName, t: &Table) -> Option<Relationship> {
    if t.foreign_keys.len() < 2 {
        return None;
    }
    let keys = unique_sets(t);
    for (i, a) in t.foreign_keys.iter().enumerate() {
        for b in &t.foreign_keys[i + 1..] {
            let both: BTreeSet<String> = a.columns.iter().chain(&b.columns).cloned().collect();
            if !keys.contains(&both) {
                continue;
            }
            // The ends in the order of the key's columns (`PRIMARY KEY (film_id, category_id)`).
            let key_order: Vec<&String> = t
                .primary_key
                .iter()
                .map(|pk| &pk.columns)
                .chain(t.uniques.iter().map(|u| &u.columns))
                .find(|cols| set(cols) == both)
                .map(|cols| cols.iter().collect())
                .unwrap_or_default();
            let pos = |f: &ForeignKey| key_order.iter().position(|c| **c == f.columns[0]);
            let (a, b) = if pos(b) < pos(a) { (b, a) } else { (a, b) };
            let surrogate: BTreeSet<String> = t
                .primary_key
                .as_ref()
                .filter(|pk| set(&pk.columns) != both)
                .map(|pk| set(&pk.columns))
                .unwrap_or_default();
            let in_fk = |c: &str| {
                t.foreign_keys
                    .iter()
                    .any(|f| f.columns.iter().any(|x| x == c))
            };
            let payload: Vec<String> = t
                .columns
                .keys()
                .filter(|c| {
                    !both.contains(*c)
                        && !surrogate.contains(*c)
                        && !in_fk(c)
                        && !BOOKKEEPING.contains(&c.to_ascii_lowercase().as_str())
                })
                .cloned()
                .collect();
            let description = format!(
                "{} and {} are many-to-many through {name}{}",
                a.ref_table,
                b.ref_table,
                if payload.is_empty() {
                    String::new()
                } else {
                    format!(" (with {})", payload.join(", "))
                }
            );
            return Some(Relationship {
                kind: RelationshipKind::ManyToMany,
                table: name.clone(),
                columns: a.columns.iter().chain(&b.columns).cloned().collect(),
                references: vec![a.ref_table.clone(), b.ref_table.clone()],
                ref_columns: a
                    .ref_columns
                    .iter()
                    .chain(&b.ref_columns)
                    .cloned()
                    .collect(),
                foreign_key: None,
                optional: false,
                payload,
                description,
            });
        }
    }
    None
}

fn fk_columns(t: &Table) -> BTreeSet<&str> {
    t.foreign_keys
        .iter()
        .flat_map(|f: &ForeignKey| f.columns.iter().map(String::as_str))
        .collect()
}

/// `x_type` beside `x_id` (Rails), `content_type_id` beside `object_id` (Django), the id
/// column without a foreign key.
fn polymorphic(name: &QualifiedName, t: &Table) -> Vec<Relationship> {
    let in_fk = fk_columns(t);
    let lower: HashMap<String, &String> = t
        .columns
        .keys()
        .map(|c| (c.to_ascii_lowercase(), c))
        .collect();
    let mut out = Vec::new();
    let mut pairs: Vec<(&String, &String)> = Vec::new();
    for (l, c) in &lower {
        if let Some(stem) = l.strip_suffix("_type")
            && let Some(id) = lower.get(&format!("{stem}_id"))
            && !in_fk.contains(id.as_str())
        {
            pairs.push((c, id));
        }
    }
    if let (Some(ct), Some(id)) = (lower.get("content_type_id"), lower.get("object_id")) {
        pairs.push((ct, id));
    }
    pairs.sort();
    for (ty, id) in pairs {
        out.push(Relationship {
            kind: RelationshipKind::Polymorphic,
            table: name.clone(),
            columns: vec![ty.clone(), id.clone()],
            references: Vec::new(),
            ref_columns: Vec::new(),
            foreign_key: None,
            optional: optional(t, std::slice::from_ref(id)),
            payload: Vec::new(),
            description: format!(
                "{name}.{id} refers to a row of the table named by {name}.{ty} (polymorphic: no foreign key can enforce it)"
            ),
        });
    }
    out
}

/// The plural spellings a table named after `stem` may have.
fn table_names_for(stem: &str) -> Vec<String> {
    let mut v = vec![stem.to_string(), format!("{stem}s"), format!("{stem}es")];
    if let Some(s) = stem.strip_suffix('y') {
        v.push(format!("{s}ies"));
    }
    if let Some(s) = stem.strip_suffix("person") {
        v.push(format!("{s}people"));
    }
    v
}

/// The comparable kind of a key type: integers of any width compare equal (a bigint column may
/// refer to an int key, though a rule flags the mismatch), other types by value.
fn key_family(d: Dialect, ty: &ColumnType) -> String {
    match crate::rules::semantic(d, ty) {
        ColumnType::Integer { .. } => "integer".into(),
        ColumnType::Text { .. } => "text".into(),
        other => format!("{other:?}"),
    }
}

fn missing_foreign_keys(schema: &Schema, found: &[Relationship]) -> Vec<Relationship> {
    // Single-column primary keys by table name (lower case).
    let mut by_name: HashMap<String, Vec<(QualifiedName, String, ColumnType)>> = HashMap::new();
    let mut by_key: HashMap<String, Vec<(QualifiedName, String, ColumnType)>> = HashMap::new();
    for (q, t) in schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        if let Some(pk) = &t.primary_key
            && let [col] = pk.columns.as_slice()
            && let Some(c) = t.columns.get(col)
        {
            let entry = (q.clone(), col.clone(), c.ty.clone());
            by_name
                .entry(q.name.to_ascii_lowercase())
                .or_default()
                .push(entry.clone());
            by_key
                .entry(col.to_ascii_lowercase())
                .or_default()
                .push(entry);
        }
    }
    let mut out = Vec::new();
    for (q, t) in schema.tables() {
        if t.partition_of.is_some() {
            continue;
        }
        let mut in_fk = fk_columns(t);
        // A partitioned table whose partitions all carry the foreign key is covered by them.
        if t.partitioning.is_some() {
            let parts: Vec<&Table> = schema
                .tables()
                .filter(|(_, p)| p.partition_of.as_ref().is_some_and(|o| o.parent == q))
                .map(|(_, p)| p)
                .collect();
            if let Some(first) = parts.first() {
                for c in fk_columns(first) {
                    if parts.iter().all(|p| fk_columns(p).contains(c)) {
                        in_fk.insert(t.columns.get_key_value(c).map_or(c, |(k, _)| k.as_str()));
                    }
                }
            }
        }
        let polymorphic_ids: BTreeSet<&str> = found
            .iter()
            .filter(|r| r.kind == RelationshipKind::Polymorphic && r.table == q)
            .flat_map(|r| r.columns.iter().map(String::as_str))
            .collect();
        for (cname, col) in &t.columns {
            if in_fk.contains(cname.as_str()) || polymorphic_ids.contains(cname.as_str()) {
                continue;
            }
            let l = cname.to_ascii_lowercase();
            let Some(stem) = l.strip_suffix("_id").or_else(|| l.strip_suffix("id")) else {
                continue;
            };
            if stem.len() < 2 {
                continue;
            }
            let own_key = t
                .primary_key
                .as_ref()
                .is_some_and(|pk| pk.columns.len() == 1 && pk.columns[0] == *cname);
            let d = schema.dialect;
            let fam = key_family(d, &col.ty);
            let compatible = |(tq, _, ty): &&(QualifiedName, String, ColumnType)| {
                *tq != q && key_family(d, ty) == fam
            };
            // A table named after the stem whose key is `id` or this column's name.
            let mut candidates: Vec<&(QualifiedName, String, ColumnType)> = table_names_for(stem)
                .iter()
                .filter_map(|n| by_name.get(n))
                .flatten()
                .filter(|(_, k, _)| {
                    let k = k.to_ascii_lowercase();
                    k == "id" || k == l
                })
                .filter(compatible)
                .collect();
            if candidates.is_empty() && !own_key {
                // Or exactly one table whose key column has this very name (`customer_id`).
                let same: Vec<_> = by_key
                    .get(&l)
                    .into_iter()
                    .flatten()
                    .filter(compatible)
                    .collect();
                if same.len() == 1 {
                    candidates = same;
                }
            }
            if own_key
                && candidates
                    .iter()
                    .all(|(tq, _, _)| tq.name.to_ascii_lowercase() != stem)
            {
                // A table's own key named after itself is not a reference to anything.
                continue;
            }
            // Prefer the same namespace when a name exists in several.
            candidates.sort_by_key(|(tq, _, _)| tq.namespace != q.namespace);
            let Some((parent, key, _)) = candidates.first() else {
                continue;
            };
            out.push(Relationship {
                kind: RelationshipKind::MissingForeignKey,
                table: q.clone(),
                columns: vec![cname.clone()],
                references: vec![parent.clone()],
                ref_columns: vec![key.clone()],
                foreign_key: None,
                optional: col.nullable,
                payload: Vec::new(),
                description: format!(
                    "{q}.{cname} looks like a reference to {parent}.{key} but no foreign key enforces it"
                ),
            });
        }
    }
    out
}

/// Strongly connected groups of two or more tables in the foreign-key graph.
fn cycles(schema: &Schema) -> Vec<Relationship> {
    let mut g: DiGraph<QualifiedName, bool> = DiGraph::new();
    let mut nodes: HashMap<QualifiedName, NodeIndex> = HashMap::new();
    for (q, _) in schema.tables() {
        nodes.insert(q.clone(), g.add_node(q));
    }
    for (q, t) in schema.tables() {
        for fk in &t.foreign_keys {
            if fk.ref_table == q {
                continue;
            }
            if let (Some(&a), Some(&b)) = (nodes.get(&q), nodes.get(&fk.ref_table)) {
                let breakable = optional(t, &fk.columns) || fk.deferrable.is_some();
                g.add_edge(a, b, breakable);
            }
        }
    }
    let mut out = Vec::new();
    for scc in petgraph::algo::tarjan_scc(&g) {
        if scc.len() < 2 {
            continue;
        }
        let mut members: Vec<QualifiedName> = scc.iter().map(|n| g[*n].clone()).collect();
        members.sort();
        let inside: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let breakable = g
            .edge_indices()
            .filter(|e| {
                let (a, b) = g.edge_endpoints(*e).expect("edge");
                inside.contains(&a) && inside.contains(&b)
            })
            .any(|e| g[e]);
        let names: Vec<String> = members.iter().map(ToString::to_string).collect();
        out.push(Relationship {
            kind: RelationshipKind::Cycle,
            table: members[0].clone(),
            columns: Vec::new(),
            references: members,
            ref_columns: Vec::new(),
            foreign_key: None,
            optional: breakable,
            payload: Vec::new(),
            description: format!(
                "{} refer to each other in a cycle{}",
                names.join(", "),
                if breakable {
                    " (a nullable or deferrable key lets rows be inserted)"
                } else {
                    ": every key is NOT NULL and immediate, so no first row can be inserted"
                }
            ),
        });
    }
    out
}
