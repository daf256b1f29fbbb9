//! `split-table --table products --into variants --columns sku,price,stock`: moves columns into
//! a new child table (1:N with its own key, or 1:1 keyed by the parent's key) with a foreign key
//! back, copies the rows in batches, proves the copy, then drops the columns from the parent.
//! Down adds the columns back, fills them from the child (refusing parents with several
//! children), and drops the child.

use crate::builder::Builder;
use crate::util::{self, Sql};
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{
    Assignment, Check, DataOp, Dialect, ForeignKey, Index, IndexKey, QualifiedName, Renames,
    Schema, Table, UniqueConstraint,
};

pub(crate) const RECIPE: Recipe = Recipe {
    name: "split-table",
    doc: "Move columns into a new child table (1:N, or 1:1 with --one-to-one) with a foreign key back; batched copy, proof, drop from the parent",
    params: &[
        Param {
            name: "table",
            doc: "the table to split",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "into",
            doc: "the new child table",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "columns",
            doc: "the columns that move (comma-separated)",
            required: true,
            kind: ParamKind::List,
        },
        Param {
            name: "key-name",
            doc: "the child's column referencing the parent (default <table, singular>_id)",
            required: false,
            kind: ParamKind::Text,
        },
        Param {
            name: "one-to-one",
            doc: "key the child by the parent's key (1:1) instead of its own id (1:N)",
            required: false,
            kind: ParamKind::Flag,
        },
    ],
    build,
};

/// What a split moves, computed once for both directions.
pub(crate) struct Split {
    pub parent: QualifiedName,
    pub child: QualifiedName,
    /// The parent's single key column.
    pub pk: String,
    /// The child's column referencing it.
    pub fk_col: String,
    pub moved: Vec<String>,
    /// The child has at most one row per parent (no pre-flight for several).
    pub one_to_one: bool,
}

fn build(schema: &Schema, params: &Params, options: &Options) -> Result<Refactor, RefactorError> {
    let name = RECIPE.name;
    let d = schema.dialect;
    let parent = util::table_name(schema, &params.req(name, "table")?)?;
    let child = util::sibling(&parent, &params.req(name, "into")?);
    util::exists_error(schema, &child)?;
    let pdef = util::table(schema, &parent)?;
    let pk = util::single_key(name, pdef, &parent, "the child's foreign key")?;
    let moved = params.list("columns");
    if moved.is_empty() {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "columns".into(),
            message: "name at least one column".into(),
        });
    }
    for c in &moved {
        util::column(pdef, &parent, c)?;
        if *c == pk {
            return Err(RefactorError::BadParam {
                recipe: name.into(),
                param: "columns".into(),
                message: format!("{parent}.{c} is the primary key; it stays in the parent"),
            });
        }
    }
    let fk_col = params
        .text("key-name")
        .unwrap_or_else(|| util::fit(format!("{}_id", util::singular(&parent.name))));
    if moved.contains(&fk_col) {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "key-name".into(),
            message: format!("'{fk_col}' is one of the moved columns"),
        });
    }
    let one_to_one = params.flag("one-to-one");
    if !one_to_one && fk_col == "id" {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "key-name".into(),
            message: "'id' is the 1:N child's own key; choose another name".into(),
        });
    }
    let split = Split {
        parent: parent.clone(),
        child: child.clone(),
        pk,
        fk_col,
        moved,
        one_to_one,
    };
    let (child_def, kept_parent) = split_defs(d, &split, pdef, name)?;
    let mut expand = schema.clone();
    expand
        .namespace_mut(&child.namespace)
        .tables
        .insert(child.name.clone(), child_def);
    let mut target = expand.clone();
    *util::table_mut(&mut target, &parent)? = kept_parent;

    let mut up = Builder::new(name, schema, options.batch_size);
    copy_out(&mut up, &split, &expand, &target)?;
    let mut down = Builder::new(name, &target, options.batch_size);
    join_back(&mut down, &split, schema, options)?;
    Ok(Refactor {
        dialect: d,
        up: up.finish(),
        down: down.finish(),
        notes: Vec::new(),
        target,
    })
}

/// Up of a split: the child created (a differ stage to `expand`), rows copied in batches over
/// the parent's key, proof, then the parent without the moved columns (a stage to `end`).
pub(crate) fn copy_out(
    b: &mut Builder,
    sp: &Split,
    expand: &Schema,
    end: &Schema,
) -> Result<(), RefactorError> {
    let s = Sql { d: b.dialect };
    b.stage(expand, &Renames::default())?;
    let (cap, check) = util::proof(
        &format!("split {} into {}", sp.parent, sp.child),
        util::projection(
            &util::cols_of(&s, "p", &[vec![sp.pk.clone()], sp.moved.clone()].concat()),
            &format!("FROM {} p", s.t(&sp.parent)),
        ),
        joined(&s, sp),
    );
    b.data(&sp.parent, cap);
    let mut values = vec![s.c("src", &sp.pk)];
    values.extend(sp.moved.iter().map(|c| s.c("src", c)));
    b.data(
        &sp.child,
        DataOp::Copy {
            source: sp.parent.clone(),
            key: vec![sp.pk.clone()],
            columns: [vec![sp.fk_col.clone()], sp.moved.clone()].concat(),
            values,
            filter: None,
            batch_size: b.batch(),
            delete_source: false,
        },
    );
    b.data(&sp.parent, check);
    b.stage(end, &Renames::default())
}

/// The moved columns read through the child, joined to the parent's key.
fn joined(s: &Sql, sp: &Split) -> String {
    let mut cols = vec![s.c("p", &sp.pk)];
    cols.extend(util::cols_of(s, "c", &sp.moved));
    util::projection(
        &cols,
        &format!(
            "FROM {} p JOIN {} c ON c.{} = p.{}",
            s.t(&sp.parent),
            s.t(&sp.child),
            s.q(&sp.fk_col),
            s.q(&sp.pk)
        ),
    )
}

/// Down of a split: columns back into the parent (nullable), filled from the child in batches,
/// proof, then the parent's original definition and no child (a differ stage to `end`).
pub(crate) fn join_back(
    b: &mut Builder,
    sp: &Split,
    end: &Schema,
    options: &Options,
) -> Result<(), RefactorError> {
    let s = Sql { d: b.dialect };
    let original = util::table(end, &sp.parent)?.clone();
    if !sp.one_to_one {
        b.data(
            &sp.child,
            DataOp::Preflight {
                description: format!(
                    "rows of {} with several rows in {}: their columns cannot go back into one row",
                    sp.parent, sp.child
                ),
                query: format!(
                    "SELECT c.{k}, COUNT(*) AS migrex_rows FROM {} c GROUP BY c.{k} HAVING COUNT(*) > 1",
                    s.t(&sp.child),
                    k = s.q(&sp.fk_col)
                ),
                limit: options.preflight_limit,
            },
        );
    }
    let required: Vec<&String> = sp
        .moved
        .iter()
        .filter(|c| original.columns.get(*c).is_some_and(|c| !c.nullable))
        .collect();
    if !required.is_empty() {
        b.data(
            &sp.parent,
            DataOp::Preflight {
                description: format!(
                    "rows of {} without a row in {} (NOT NULL {} would have no value)",
                    sp.parent,
                    sp.child,
                    required
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                query: format!(
                    "SELECT p.{pk} FROM {} p WHERE NOT EXISTS (SELECT 1 FROM {} c WHERE c.{} = p.{pk})",
                    s.t(&sp.parent),
                    s.t(&sp.child),
                    s.q(&sp.fk_col),
                    pk = s.q(&sp.pk)
                ),
                limit: options.preflight_limit,
            },
        );
    }
    let mut expand = b.state.clone();
    let t = util::table_mut(&mut expand, &sp.parent)?;
    for c in &sp.moved {
        let def = util::column(&original, &sp.parent, c)?;
        t.columns
            .insert(c.clone(), util::plain_column(def, c, true));
    }
    b.stage(&expand, &Renames::default())?;
    let cap_cols = [
        vec![s.c("c", &sp.fk_col)],
        util::cols_of(&s, "c", &sp.moved),
    ]
    .concat();
    let (cap, check) = util::proof(
        &format!("join {} back into {}", sp.child, sp.parent),
        util::projection(&cap_cols, &format!("FROM {} c", s.t(&sp.child))),
        util::projection(
            &[vec![s.c("p", &sp.pk)], util::cols_of(&s, "p", &sp.moved)].concat(),
            &format!(
                "FROM {} p WHERE EXISTS (SELECT 1 FROM {} c WHERE c.{} = p.{})",
                s.t(&sp.parent),
                s.t(&sp.child),
                s.q(&sp.fk_col),
                s.q(&sp.pk)
            ),
        ),
    );
    b.data(&sp.child, cap);
    let outer = format!("{}.{}", s.t(&sp.parent), s.q(&sp.pk));
    b.data(
        &sp.parent,
        DataOp::Update {
            key: vec![sp.pk.clone()],
            set: sp
                .moved
                .iter()
                .map(|c| Assignment {
                    column: c.clone(),
                    value: format!(
                        "(SELECT c.{} FROM {} c WHERE c.{} = {outer})",
                        s.q(c),
                        s.t(&sp.child),
                        s.q(&sp.fk_col)
                    ),
                })
                .collect(),
            filter: None,
            batch_size: b.batch(),
        },
    );
    b.data(&sp.parent, check);
    b.stage(end, &Renames::default())
}

/// The child table and the parent without the moved columns. Indexes, uniques, checks and
/// foreign keys made only of moved columns move with them (renamed after the child); one that
/// mixes moved and kept columns is an error naming it.
fn split_defs(
    d: Dialect,
    sp: &Split,
    pdef: &Table,
    recipe: &str,
) -> Result<(Table, Table), RefactorError> {
    let is_moved = |c: &String| sp.moved.contains(c);
    let mut child = Table::new(sp.child.name.clone());
    child.options = pdef.options.clone();
    let pk_col = util::column(pdef, &sp.parent, &sp.pk)?;
    let key_cols = if sp.one_to_one {
        child.columns.insert(
            sp.fk_col.clone(),
            util::reference_column(pk_col, &sp.fk_col, false),
        );
        vec![sp.fk_col.clone()]
    } else {
        child
            .columns
            .insert("id".into(), util::surrogate_key(d, "id"));
        child.columns.insert(
            sp.fk_col.clone(),
            util::reference_column(pk_col, &sp.fk_col, false),
        );
        vec!["id".to_string()]
    };
    for c in &sp.moved {
        let mut def = util::column(pdef, &sp.parent, c)?.clone();
        // Generated values and sequences belong to the parent's rows; the copy carries values.
        def.identity = None;
        def.generated = None;
        child.columns.insert(c.clone(), def);
    }
    child.primary_key = Some(util::pk(d, &sp.child.name, &key_cols));
    let mut kept = pdef.clone();
    for c in &sp.moved {
        kept.columns.shift_remove(c);
    }
    let mixed = |what: String| RefactorError::Unsupported {
        recipe: recipe.into(),
        message: format!(
            "{what} of {} uses moved and kept columns; drop it first or move all its columns",
            sp.parent
        ),
    };
    kept.indexes.clear();
    for i in &pdef.indexes {
        let cols: Vec<Option<&String>> = i
            .parts
            .iter()
            .map(|p| match &p.key {
                IndexKey::Column(c) => Some(c),
                IndexKey::Expr(_) => None,
            })
            .collect();
        let uses_moved = cols.iter().flatten().any(|c| is_moved(c))
            || i.parts.iter().any(|p| match &p.key {
                IndexKey::Expr(e) => sp.moved.iter().any(|m| util::mentions(&e.sql, m)),
                IndexKey::Column(_) => false,
            });
        if !uses_moved {
            kept.indexes.push(i.clone());
            continue;
        }
        if cols.iter().any(|c| c.is_none_or(|c| !is_moved(c))) || i.predicate.is_some() {
            return Err(mixed(format!("index {}", i.name)));
        }
        let names: Vec<String> = cols.into_iter().flatten().cloned().collect();
        child.indexes.push(Index {
            name: util::index(&sp.child.name, &names, i.unique).name,
            ..i.clone()
        });
    }
    kept.uniques.clear();
    for u in &pdef.uniques {
        if !u.columns.iter().any(is_moved) {
            kept.uniques.push(u.clone());
        } else if u.columns.iter().all(is_moved) {
            child.uniques.push(UniqueConstraint {
                name: util::constraint_name(d, &sp.child.name, &u.columns, "key"),
                ..u.clone()
            });
        } else {
            return Err(mixed(format!("unique ({})", u.columns.join(", "))));
        }
    }
    kept.foreign_keys.clear();
    for f in &pdef.foreign_keys {
        if !f.columns.iter().any(is_moved) {
            kept.foreign_keys.push(f.clone());
        } else if f.columns.iter().all(is_moved) {
            child.foreign_keys.push(ForeignKey {
                name: util::constraint_name(d, &sp.child.name, &f.columns, "fkey"),
                ..f.clone()
            });
            if d == Dialect::Mysql && !util::has_leading_index(&child, &f.columns) {
                child
                    .indexes
                    .push(util::index(&sp.child.name, &f.columns, false));
            }
        } else {
            return Err(mixed(format!("foreign key ({})", f.columns.join(", "))));
        }
    }
    kept.checks.clear();
    for c in &pdef.checks {
        let m: Vec<&String> = sp
            .moved
            .iter()
            .filter(|m| util::mentions(&c.expr.sql, m))
            .collect();
        let k = pdef
            .columns
            .keys()
            .filter(|k| !is_moved(k))
            .any(|k| util::mentions(&c.expr.sql, k));
        match (m.is_empty(), k) {
            (true, _) => kept.checks.push(c.clone()),
            (false, false) => child.checks.push(Check {
                name: c.name.as_ref().and_then(|_| {
                    let cols: Vec<String> = m.iter().map(|s| s.to_string()).collect();
                    util::constraint_name(d, &sp.child.name, &cols, "check")
                }),
                ..c.clone()
            }),
            (false, true) => return Err(mixed(format!("check ({})", c.expr.sql))),
        }
    }
    for c in kept.columns.values() {
        if let Some(g) = &c.generated
            && sp.moved.iter().any(|m| util::mentions(&g.expr.sql, m))
        {
            return Err(mixed(format!("generated column {}", c.name)));
        }
    }
    child.foreign_keys.insert(
        0,
        util::foreign_key(
            d,
            &sp.child.name,
            std::slice::from_ref(&sp.fk_col),
            &sp.parent,
            std::slice::from_ref(&sp.pk),
        ),
    );
    if !sp.one_to_one {
        child.indexes.insert(
            0,
            util::index(&sp.child.name, std::slice::from_ref(&sp.fk_col), false),
        );
    }
    Ok((child, kept))
}
