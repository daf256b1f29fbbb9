//! `to-many-to-many --column posts.author_id`: a 1:N foreign key column becomes a junction table
//! (child key, parent key; both the primary key) filled by a batched copy, proved, and the column
//! is dropped. `to-one-to-many --table post_authors --child posts` is its reverse: a pre-flight
//! lists the children with several parents and refuses them, then the column comes back, filled
//! in batches, and the junction table is dropped.

use crate::builder::Builder;
use crate::util::{self, Sql};
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{
    Assignment, DataOp, ForeignKey, IndexKey, QualifiedName, Renames, Schema, Table,
};

pub(crate) const TO_MANY_TO_MANY: Recipe = Recipe {
    name: "to-many-to-many",
    doc: "Turn a 1:N foreign key column into an M:N junction table (batched copy, proof, drop the column)",
    params: &[
        Param {
            name: "column",
            doc: "CHILD.COLUMN: the foreign key column that becomes the junction",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "into",
            doc: "the junction table (default <child>_<parent>)",
            required: false,
            kind: ParamKind::Text,
        },
        Param {
            name: "child-key-name",
            doc: "the junction's column referencing the child (default <child, singular>_id)",
            required: false,
            kind: ParamKind::Text,
        },
        Param {
            name: "parent-key-name",
            doc: "the junction's column referencing the parent (default: the column's name)",
            required: false,
            kind: ParamKind::Text,
        },
    ],
    build: to_many,
};

pub(crate) const TO_ONE_TO_MANY: Recipe = Recipe {
    name: "to-one-to-many",
    doc: "Turn an M:N junction table back into a foreign key column of one side; refuses (listing them) children with several parents",
    params: &[
        Param {
            name: "table",
            doc: "the junction table",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "child",
            doc: "the side that gets the foreign key column (each of its rows has at most one parent)",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "column",
            doc: "the new column of the child (default: the junction's column referencing the parent)",
            required: false,
            kind: ParamKind::Text,
        },
    ],
    build: to_one,
};

/// A 1:N relation and its M:N junction.
struct Link {
    child: QualifiedName,
    /// The child's single key column.
    ck: String,
    /// The child's foreign key column (1:N side).
    fc: String,
    junction: QualifiedName,
    /// The junction's columns referencing the child and the parent.
    jc: String,
    jp: String,
}

fn to_many(schema: &Schema, params: &Params, options: &Options) -> Result<Refactor, RefactorError> {
    let name = TO_MANY_TO_MANY.name;
    let d = schema.dialect;
    let (t, fc) = util::split_column(name, "column", &params.req(name, "column")?)?;
    let child = util::table_name(schema, &t)?;
    let cdef = util::table(schema, &child)?;
    let fcol = util::column(cdef, &child, &fc)?.clone();
    let ck = util::single_key(name, cdef, &child, "the junction references it")?;
    let fk = cdef
        .foreign_keys
        .iter()
        .find(|f| f.columns == [fc.clone()])
        .cloned()
        .ok_or_else(|| RefactorError::Unsupported {
            recipe: name.into(),
            message: format!("{child}.{fc} is not a single-column foreign key"),
        })?;
    let parent = fk.ref_table.clone();
    // The parent must exist (a foreign key to a missing table is an error, not a guess).
    util::table(schema, &parent)?;
    let junction = util::sibling(
        &child,
        &params
            .text("into")
            .unwrap_or_else(|| util::fit(format!("{}_{}", child.name, parent.name))),
    );
    util::exists_error(schema, &junction)?;
    let jc = params
        .text("child-key-name")
        .unwrap_or_else(|| util::fit(format!("{}_id", util::singular(&child.name))));
    let jp = params.text("parent-key-name").unwrap_or_else(|| fc.clone());
    if jc == jp {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "child-key-name".into(),
            message: format!(
                "both junction columns would be named '{jc}'; pass --child-key-name or --parent-key-name"
            ),
        });
    }
    let mut kept = cdef.clone();
    kept.foreign_keys.retain(|f| f.columns != [fc.clone()]);
    kept.indexes
        .retain(|i| !(i.parts.len() == 1 && i.parts[0].key == IndexKey::Column(fc.clone())));
    kept.columns.shift_remove(&fc);
    let users = util::users_of(&kept, &fc);
    if !users.is_empty() {
        return Err(RefactorError::Unsupported {
            recipe: name.into(),
            message: format!("{} of {child} uses {fc}; drop it first", users.join(", ")),
        });
    }
    // The junction: both keys, both foreign keys (the parent's with the old actions).
    let mut j = Table::new(junction.name.clone());
    j.options = cdef.options.clone();
    let ck_def = util::column(cdef, &child, &ck)?;
    j.columns
        .insert(jc.clone(), util::reference_column(ck_def, &jc, false));
    j.columns
        .insert(jp.clone(), util::reference_column(&fcol, &jp, false));
    let both = vec![jc.clone(), jp.clone()];
    j.primary_key = Some(util::pk(d, &junction.name, &both));
    j.foreign_keys.push(util::foreign_key(
        d,
        &junction.name,
        std::slice::from_ref(&jc),
        &child,
        std::slice::from_ref(&ck),
    ));
    j.foreign_keys.push(ForeignKey {
        columns: vec![jp.clone()],
        name: util::constraint_name(d, &junction.name, std::slice::from_ref(&jp), "fkey"),
        ..fk.clone()
    });
    j.indexes.push(util::index(
        &junction.name,
        std::slice::from_ref(&jp),
        false,
    ));
    let mut expand = schema.clone();
    expand
        .namespace_mut(&junction.namespace)
        .tables
        .insert(junction.name.clone(), j);
    let mut target = expand.clone();
    *util::table_mut(&mut target, &child)? = kept;
    let link = Link {
        child,
        ck,
        fc,
        junction,
        jc,
        jp,
    };
    let mut up = Builder::new(name, schema, options.batch_size);
    fan_out(&mut up, &link, &expand, &target)?;
    let mut down = Builder::new(name, &target, options.batch_size);
    collapse(&mut down, &link, schema, options)?;
    Ok(Refactor {
        dialect: d,
        up: up.finish(),
        down: down.finish(),
        notes: Vec::new(),
        target,
    })
}

fn to_one(schema: &Schema, params: &Params, options: &Options) -> Result<Refactor, RefactorError> {
    let name = TO_ONE_TO_MANY.name;
    let d = schema.dialect;
    let junction = util::table_name(schema, &params.req(name, "table")?)?;
    let child = util::table_name(schema, &params.req(name, "child")?)?;
    let jdef = util::table(schema, &junction)?.clone();
    let cdef = util::table(schema, &child)?;
    let ck = util::single_key(name, cdef, &child, "the junction references it")?;
    let single: Vec<&ForeignKey> = jdef
        .foreign_keys
        .iter()
        .filter(|f| f.columns.len() == 1)
        .collect();
    let to_child = single
        .iter()
        .find(|f| f.ref_table == child && f.ref_columns == [ck.clone()])
        .ok_or_else(|| RefactorError::Unsupported {
            recipe: name.into(),
            message: format!("{junction} has no foreign key to {child}({ck})"),
        })?;
    let jc = to_child.columns[0].clone();
    let to_parent =
        single
            .iter()
            .find(|f| f.columns[0] != jc)
            .ok_or_else(|| RefactorError::Unsupported {
                recipe: name.into(),
                message: format!("{junction} has no second foreign key (to the parent)"),
            })?;
    let jp = to_parent.columns[0].clone();
    if jdef.columns.len() != 2 {
        let extra: Vec<&String> = jdef
            .columns
            .keys()
            .filter(|c| **c != jc && **c != jp)
            .collect();
        return Err(RefactorError::Unsupported {
            recipe: name.into(),
            message: format!(
                "{junction} has columns besides its two keys ({}); they would be lost",
                extra
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let users: Vec<String> = util::referencing(schema, &junction)
        .into_iter()
        .map(|(t, _)| t.to_string())
        .collect();
    if !users.is_empty() {
        return Err(RefactorError::Unsupported {
            recipe: name.into(),
            message: format!("{junction} is referenced by {}", users.join(", ")),
        });
    }
    let fc = params.text("column").unwrap_or_else(|| jp.clone());
    if cdef.columns.contains_key(&fc) {
        return Err(RefactorError::Exists {
            object: format!("column '{child}.{fc}'"),
        });
    }
    let jp_def = util::column(&jdef, &junction, &jp)?;
    let mut target = schema.clone();
    {
        let t = util::table_mut(&mut target, &child)?;
        t.columns
            .insert(fc.clone(), util::reference_column(jp_def, &fc, true));
        let cols = vec![fc.clone()];
        t.foreign_keys.push(ForeignKey {
            name: util::constraint_name(d, &child.name, &cols, "fkey"),
            columns: cols.clone(),
            ..(*to_parent).clone()
        });
        t.indexes.push(util::index(&child.name, &cols, false));
    }
    target
        .namespace_mut(&junction.namespace)
        .tables
        .shift_remove(&junction.name);
    let link = Link {
        child,
        ck,
        fc,
        junction: junction.clone(),
        jc,
        jp,
    };
    let mut up = Builder::new(name, schema, options.batch_size);
    collapse(&mut up, &link, &target, options)?;
    let mut down = Builder::new(name, &target, options.batch_size);
    let mut expand = target.clone();
    expand
        .namespace_mut(&junction.namespace)
        .tables
        .insert(junction.name.clone(), jdef);
    fan_out(&mut down, &link, &expand, schema)?;
    Ok(Refactor {
        dialect: d,
        up: up.finish(),
        down: down.finish(),
        notes: Vec::new(),
        target,
    })
}

/// 1:N → M:N: junction created (stage to `expand`), filled by a batched copy over the child's
/// key, proved, the column dropped (stage to `end`).
fn fan_out(b: &mut Builder, l: &Link, expand: &Schema, end: &Schema) -> Result<(), RefactorError> {
    let s = Sql { d: b.dialect };
    b.stage(expand, &Renames::default())?;
    let (name, column, junction) = proofs(&s, l);
    let (cap, check) = util::proof(&name, column, junction);
    b.data(&l.child, cap);
    b.data(
        &l.junction,
        DataOp::Copy {
            source: l.child.clone(),
            key: vec![l.ck.clone()],
            columns: vec![l.jc.clone(), l.jp.clone()],
            values: vec![s.c("src", &l.ck), s.c("src", &l.fc)],
            filter: Some(format!("{} IS NOT NULL", s.c("src", &l.fc))),
            batch_size: b.batch(),
            delete_source: false,
        },
    );
    b.data(&l.junction, check);
    b.stage(end, &Renames::default())
}

/// The proof's name and the (child, parent) pairs through the column and through the junction.
fn proofs(s: &Sql, l: &Link) -> (String, String, String) {
    (
        format!("{}.{} as {}", l.child, l.fc, l.junction),
        util::projection(
            &util::cols_of(s, "x", &[l.ck.clone(), l.fc.clone()]),
            &format!(
                "FROM {} x WHERE {} IS NOT NULL",
                s.t(&l.child),
                s.c("x", &l.fc)
            ),
        ),
        util::projection(
            &util::cols_of(s, "j", &[l.jc.clone(), l.jp.clone()]),
            &format!("FROM {} j", s.t(&l.junction)),
        ),
    )
}

/// M:N → 1:N: pre-flight (children with several parents; children without one when the column
/// ends NOT NULL), the column added nullable, filled in batches, proved, then `end`.
fn collapse(
    b: &mut Builder,
    l: &Link,
    end: &Schema,
    options: &Options,
) -> Result<(), RefactorError> {
    let s = Sql { d: b.dialect };
    let jc = s.q(&l.jc);
    b.data(
        &l.junction,
        DataOp::Preflight {
            description: format!(
                "rows of {} with several parents in {}: a single column cannot hold them",
                l.child, l.junction
            ),
            query: format!(
                "SELECT j.{jc}, COUNT(*) AS migrex_parents FROM {} j GROUP BY j.{jc} HAVING COUNT(*) > 1",
                s.t(&l.junction)
            ),
            limit: options.preflight_limit,
        },
    );
    let final_col = util::column(util::table(end, &l.child)?, &l.child, &l.fc)?.clone();
    if !final_col.nullable {
        b.data(
            &l.child,
            DataOp::Preflight {
                description: format!(
                    "rows of {} without a row in {} (NOT NULL {} would have no value)",
                    l.child, l.junction, l.fc
                ),
                query: format!(
                    "SELECT x.{ck} FROM {} x WHERE NOT EXISTS (SELECT 1 FROM {} j WHERE j.{jc} = x.{ck})",
                    s.t(&l.child),
                    s.t(&l.junction),
                    ck = s.q(&l.ck)
                ),
                limit: options.preflight_limit,
            },
        );
    }
    let mut expand = b.state.clone();
    util::table_mut(&mut expand, &l.child)?
        .columns
        .insert(l.fc.clone(), util::plain_column(&final_col, &l.fc, true));
    b.stage(&expand, &Renames::default())?;
    let (name, column, junction) = proofs(&s, l);
    let (cap, check) = util::proof(&name, junction, column);
    b.data(&l.junction, cap);
    b.data(
        &l.child,
        DataOp::Update {
            key: vec![l.ck.clone()],
            set: vec![Assignment {
                column: l.fc.clone(),
                value: format!(
                    "(SELECT j.{} FROM {} j WHERE j.{jc} = {}.{})",
                    s.q(&l.jp),
                    s.t(&l.junction),
                    s.t(&l.child),
                    s.q(&l.ck)
                ),
            }],
            filter: None,
            batch_size: b.batch(),
        },
    );
    b.data(&l.child, check);
    b.stage(end, &Renames::default())
}
