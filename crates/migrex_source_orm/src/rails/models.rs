//! Model classes of `app/models/**/*.rb`: what Active Record knows beyond the columns
//! (table and key names, single-table inheritance, associations, enums). They add no columns;
//! they are checked against the schema (a `belongs_to` without its column is a warning) and
//! kept for the writer.

use super::inflect;
use super::names;
use super::ruby::{self, RubyFile, Value};
use crate::OrmError;
use migrex_model::Warning;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssociationKind {
    BelongsTo,
    HasMany,
    HasOne,
    HasAndBelongsToMany,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    pub kind: AssociationKind,
    pub name: String,
    /// The associated class (`class_name:` or derived from the name).
    pub class_name: String,
    /// The key column (`foreign_key:` or derived).
    pub foreign_key: String,
    pub polymorphic: bool,
    /// `as:` of a has_many/has_one on a polymorphic association.
    pub as_: Option<String>,
    pub through: Option<String>,
    /// has_and_belongs_to_many: the join table and its other key.
    pub join_table: Option<String>,
    pub association_foreign_key: Option<String>,
    pub optional: bool,
    pub line: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelClass {
    /// With modules (`Admin::User`).
    pub name: String,
    pub file: PathBuf,
    pub line: u64,
    pub superclass: String,
    pub abstract_class: bool,
    /// The table it maps to (`self.table_name` or the derived name); `None` for abstract ones.
    pub table_name: Option<String>,
    /// `self.table_name = ...` was written.
    pub explicit_table_name: bool,
    pub primary_key: Option<String>,
    /// Single-table inheritance: the model class it inherits its table from.
    pub sti_parent: Option<String>,
    pub associations: Vec<Association>,
    /// `enum status: { draft: 0, published: 1 }` / `enum status: [:draft, :published]`.
    pub enums: Vec<(String, Vec<String>)>,
}

struct Raw {
    class: ModelClass,
    table_assign: Option<String>,
    /// Enclosing modules, innermost last.
    modules: Vec<String>,
}

/// Every model class under `app/models`, in file then definition order.
pub fn read_models(root: &Path, warnings: &mut Vec<Warning>) -> Result<Vec<ModelClass>, OrmError> {
    let dir = root.join("app").join("models");
    let mut files = Vec::new();
    collect_rb(&dir, &mut files);
    files.sort();
    let mut raws: Vec<Raw> = Vec::new();
    let mut prefixes: Vec<(String, String)> = Vec::new();
    for path in files {
        let file = RubyFile::read(&path)?;
        prefixes.extend(ruby::table_name_prefixes(&file));
        for def in ruby::classes(&file) {
            let superclass = def
                .superclass
                .and_then(ruby::const_name)
                .unwrap_or_default();
            let (line, _) = file.position(def.offset);
            let mut class = ModelClass {
                name: def.name.clone(),
                file: path.clone(),
                line,
                superclass,
                abstract_class: false,
                table_name: None,
                explicit_table_name: false,
                primary_key: None,
                sti_parent: None,
                associations: Vec::new(),
                enums: Vec::new(),
            };
            let mut table_assign = None;
            for stmt in def.body {
                class_statement(&file, stmt, &mut class, &mut table_assign, warnings);
            }
            raws.push(Raw {
                class,
                table_assign,
                modules: def.modules.clone(),
            });
        }
    }
    // Model classes: those descending from ActiveRecord::Base (directly, through
    // ApplicationRecord, or through another model).
    let is_base = |s: &str| matches!(s, "ActiveRecord::Base" | "::ActiveRecord::Base");
    let mut model_names: Vec<String> = Vec::new();
    loop {
        let before = model_names.len();
        for r in &raws {
            let c = &r.class;
            if model_names.contains(&c.name) {
                continue;
            }
            if is_base(&c.superclass) || model_names.iter().any(|m| same_class(m, &c.superclass)) {
                model_names.push(c.name.clone());
            }
        }
        if model_names.len() == before {
            break;
        }
    }
    // `full_table_name_prefix`: the innermost enclosing module's `table_name_prefix`.
    let class_prefixes: Vec<(String, String)> = raws
        .iter()
        .map(|r| {
            let p = r
                .modules
                .iter()
                .rev()
                .find_map(|m| {
                    prefixes
                        .iter()
                        .find(|(pm, _)| pm == m)
                        .map(|(_, p)| p.clone())
                })
                .unwrap_or_default();
            (r.class.name.clone(), p)
        })
        .collect();
    let prefix_of = |name: &str| -> String {
        class_prefixes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    };
    let lookup: Vec<(String, bool, String, Option<String>)> = raws
        .iter()
        .map(|r| {
            (
                r.class.name.clone(),
                r.class.abstract_class,
                r.class.superclass.clone(),
                r.table_assign.clone(),
            )
        })
        .collect();
    let mut out = Vec::new();
    for r in raws {
        if !model_names.contains(&r.class.name) {
            continue;
        }
        let mut c = r.class;
        if c.abstract_class {
            out.push(c);
            continue;
        }
        // `compute_table_name`: the table of the first class below an abstract class or
        // ActiveRecord::Base; subclasses share it (single-table inheritance).
        let mut cur = (c.name.clone(), c.superclass.clone(), r.table_assign.clone());
        let mut sti_parent = None;
        let mut guard = 0;
        let table = loop {
            guard += 1;
            if let Some(t) = &cur.2 {
                break t.clone();
            }
            let parent = lookup
                .iter()
                .find(|(n, _, _, _)| same_class(n, &cur.1) && model_names.contains(n));
            match parent {
                Some((pn, abstract_, psuper, passign)) if !abstract_ && guard < 50 => {
                    if sti_parent.is_none() {
                        sti_parent = Some(pn.clone());
                    }
                    cur = (pn.clone(), psuper.clone(), passign.clone());
                }
                _ => {
                    let short = cur.0.rsplit("::").next().unwrap_or(&cur.0).to_string();
                    break format!("{}{}", prefix_of(&cur.0), inflect::tableize(&short));
                }
            }
        };
        c.explicit_table_name = r.table_assign.is_some();
        c.table_name = Some(table);
        c.sti_parent = sti_parent;
        out.push(c);
    }
    // Association keys that depend on the owner's class name.
    let owners: Vec<(String, Option<String>)> = out
        .iter()
        .map(|c| (c.name.clone(), c.table_name.clone()))
        .collect();
    for c in &mut out {
        let own_fk = format!(
            "{}_id",
            inflect::underscore(c.name.rsplit("::").next().unwrap_or(&c.name))
        );
        let own_table = c.table_name.clone();
        for a in &mut c.associations {
            match a.kind {
                AssociationKind::HasMany | AssociationKind::HasOne if a.foreign_key.is_empty() => {
                    a.foreign_key = match &a.as_ {
                        Some(as_) => format!("{as_}_id"),
                        None => own_fk.clone(),
                    };
                }
                AssociationKind::HasAndBelongsToMany => {
                    if a.foreign_key.is_empty() {
                        a.foreign_key = own_fk.clone();
                    }
                    if a.join_table.is_none() {
                        let other = owners
                            .iter()
                            .find(|(n, _)| same_class(n, &a.class_name))
                            .and_then(|(_, t)| t.clone())
                            .unwrap_or_else(|| inflect::tableize(&a.class_name));
                        if let Some(own) = &own_table {
                            a.join_table = Some(names::join_table_name(own, &other));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(out)
}

/// `Foo` names `Admin::Foo` when written inside `Admin` (and the other way round).
fn same_class(a: &str, b: &str) -> bool {
    let a = a.trim_start_matches("::");
    let b = b.trim_start_matches("::");
    a == b || a.ends_with(&format!("::{b}")) || b.ends_with(&format!("::{a}"))
}

fn collect_rb(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_rb(&p, out);
        } else if p.extension().is_some_and(|x| x == "rb") {
            out.push(p);
        }
    }
}

fn class_statement(
    file: &RubyFile,
    node: &lib_ruby_parser::Node,
    class: &mut ModelClass,
    table_assign: &mut Option<String>,
    warnings: &mut Vec<Warning>,
) {
    use lib_ruby_parser::Node;
    // `self.table_name = "x"` / `self.primary_key = "x"` / `self.abstract_class = true`.
    if let Node::Send(s) = node
        && matches!(s.recv.as_deref(), Some(Node::Self_(_)))
        && s.method_name.ends_with('=')
    {
        let v = s.args.first().map(|a| ruby::value(file, a));
        match (s.method_name.as_str(), v) {
            ("table_name=", Some(v)) => match v.as_name() {
                Some(n) => *table_assign = Some(n.to_string()),
                None => warnings.push(Warning {
                    message: "self.table_name is not a literal: the derived name is used".into(),
                    location: Some(file.location(node.expression().begin)),
                }),
            },
            ("primary_key=", Some(v)) => class.primary_key = v.as_name().map(str::to_string),
            ("abstract_class=", Some(v)) => class.abstract_class = v.truthy(),
            _ => {}
        }
        return;
    }
    let Some(c) = ruby::call(file, node) else {
        return;
    };
    if c.recv.is_some() {
        return;
    }
    let (line, _) = file.position(c.offset);
    let first_name = || {
        c.args
            .first()
            .map(|a| ruby::value(file, a))
            .and_then(|v| v.as_name().map(str::to_string))
    };
    let opt = |k: &str| {
        c.options
            .get(k)
            .and_then(|v| v.as_name())
            .map(str::to_string)
    };
    match c.name {
        "belongs_to" | "has_many" | "has_one" | "has_and_belongs_to_many" => {
            let Some(name) = first_name() else {
                warnings.push(Warning {
                    message: format!("`{}` without a literal name is not read", c.name),
                    location: Some(file.location(c.offset)),
                });
                return;
            };
            let kind = match c.name {
                "belongs_to" => AssociationKind::BelongsTo,
                "has_many" => AssociationKind::HasMany,
                "has_one" => AssociationKind::HasOne,
                _ => AssociationKind::HasAndBelongsToMany,
            };
            let class_name = opt("class_name").unwrap_or_else(|| match kind {
                AssociationKind::HasMany | AssociationKind::HasAndBelongsToMany => {
                    inflect::camelize(&inflect::singularize(&name))
                }
                _ => inflect::camelize(&name),
            });
            let polymorphic = c.options.get("polymorphic").is_some_and(Value::truthy);
            let foreign_key = opt("foreign_key").unwrap_or_else(|| match kind {
                AssociationKind::BelongsTo => format!("{name}_id"),
                // Filled in once the owner's name is known.
                _ => String::new(),
            });
            class.associations.push(Association {
                kind,
                name,
                class_name,
                foreign_key,
                polymorphic,
                as_: opt("as"),
                through: opt("through"),
                join_table: opt("join_table"),
                association_foreign_key: opt("association_foreign_key"),
                optional: c.options.get("optional").is_some_and(Value::truthy),
                line,
            });
        }
        "enum" => {
            if let Value::Hash(pairs) = &c.options {
                for (k, v) in pairs {
                    let Some(attr) = k.as_name() else { continue };
                    if attr.starts_with('_') {
                        continue;
                    }
                    let values = match v {
                        Value::Hash(p) => p
                            .iter()
                            .filter_map(|(k, _)| k.as_name().map(str::to_string))
                            .collect(),
                        Value::Array(_) => v.names().unwrap_or_default(),
                        _ => continue,
                    };
                    class.enums.push((attr.to_string(), values));
                }
            }
        }
        _ => {}
    }
}
