//! `change-pk --table users --type bigint|uuid`: a primary key changes type together with every
//! foreign key column that references it.
//!
//! Wider integer: the referencing foreign keys are dropped, the key and every referencing column
//! retyped (one differ stage each), the foreign keys added back; a proof checks the parent's keys
//! and every child's (row, parent key) pairs are unchanged. Down narrows them back after a
//! pre-flight for keys that would not fit.
//!
//! Integer to UUID: a new uuid column on the parent filled in batches (PostgreSQL
//! `gen_random_uuid()`, MySQL `UUID()`, SQLite a random version-4 string), a new uuid column on
//! each referencing table filled in batches through the old key, a proof capture of the mapping,
//! then the swap (foreign keys and key dropped, old columns dropped, new ones renamed into place,
//! key and foreign keys added) and the proof check. Down numbers the rows 1..n in UUID order the
//! same way (the original integer values are not kept anywhere).

use crate::builder::Builder;
use crate::util::{self, Family, Sql};
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{
    Assignment, Column, ColumnType, DataOp, Dialect, ForeignKey, Identity, IndexKey, Plan,
    QualifiedName, Renames, Schema,
};

pub(crate) const RECIPE: Recipe = Recipe {
    name: "change-pk",
    doc: "Change a primary key's type with every referencing column: int to bigint (FKs dropped and re-added) or int to uuid (new columns, batched fill, swap)",
    params: &[
        Param {
            name: "table",
            doc: "the table whose single-column primary key changes",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "type",
            doc: "the new type: a wider integer (bigint) or uuid (MySQL/SQLite: uuid or char(36))",
            required: true,
            kind: ParamKind::Text,
        },
    ],
    build,
};

/// The key and the columns that reference it.
struct Keyed {
    table: QualifiedName,
    pk: String,
    /// (child table, its foreign key to the key).
    refs: Vec<(QualifiedName, ForeignKey)>,
}

fn build(schema: &Schema, params: &Params, options: &Options) -> Result<Refactor, RefactorError> {
    let name = RECIPE.name;
    let d = schema.dialect;
    let table = util::table_name(schema, &params.req(name, "table")?)?;
    let tdef = util::table(schema, &table)?;
    let pk = util::single_key(name, tdef, &table, "change-pk")?;
    let pcol = util::column(tdef, &table, &pk)?.clone();
    let spelled = params.req(name, "type")?;
    let ty = util::parse_type(d, &spelled);
    let refs = util::referencing(schema, &table);
    for (child, fk) in &refs {
        if fk.columns.len() != 1 || fk.ref_columns != [pk.clone()] {
            return Err(RefactorError::Unsupported {
                recipe: name.into(),
                message: format!(
                    "foreign key {child}({}) references {table}({}): only single-column references to the key are retyped",
                    fk.columns.join(", "),
                    fk.ref_columns.join(", ")
                ),
            });
        }
    }
    let k = Keyed {
        table: table.clone(),
        pk: pk.clone(),
        refs,
    };
    let (from_f, to_f) = (util::family(d, &pcol.ty), util::family(d, &ty));
    if from_f != Family::Integer {
        return Err(RefactorError::NotConvertible {
            table: table.to_string(),
            column: pk,
            from: migrex_dialect::format_type(d, &pcol.ty),
            to: spelled,
        });
    }
    match to_f {
        Family::Integer => widen(schema, &k, &pcol, &ty, options),
        Family::Uuid | Family::Text => to_uuid(schema, &k, &pcol, &ty, options),
        _ => Err(RefactorError::NotConvertible {
            table: table.to_string(),
            column: pk,
            from: migrex_dialect::format_type(d, &pcol.ty),
            to: spelled,
        }),
    }
}

/// The schema with the key and every referencing column of type `ty` (a child column keeps its
/// nullability; MySQL keeps signedness in step with the key).
fn retyped(schema: &Schema, k: &Keyed, ty: &ColumnType) -> Result<Schema, RefactorError> {
    let mut s = schema.clone();
    util::column_mut(&mut s, &k.table, &k.pk)?.ty = ty.clone();
    for (child, fk) in &k.refs {
        util::column_mut(&mut s, child, &fk.columns[0])?.ty = ty.clone();
    }
    Ok(s)
}

/// `schema` without the foreign keys that reference the key.
fn without_refs(schema: &Schema, k: &Keyed) -> Result<Schema, RefactorError> {
    let mut s = schema.clone();
    for (child, fk) in &k.refs {
        util::table_mut(&mut s, child)?
            .foreign_keys
            .retain(|f| f != fk);
    }
    Ok(s)
}

/// Proofs of the key: the parent's keys, and per child its rows with the parent key they point
/// at (`parent_key` is the SQL of that key over the parent aliased `p`, which the uuid swap
/// reads from the new column before the swap).
fn key_proofs(
    s: &Sql,
    schema: &Schema,
    k: &Keyed,
    before_key: &str,
    after_key: &str,
    before_col: &dyn Fn(&str) -> String,
    after_col: &dyn Fn(&str) -> String,
) -> Result<Vec<(QualifiedName, DataOp, DataOp)>, RefactorError> {
    let mut out = Vec::new();
    let (cap, check) = util::proof(
        &format!("keys of {}", k.table),
        util::projection(
            &[format!("p.{before_key}")],
            &format!("FROM {} p", s.t(&k.table)),
        ),
        util::projection(
            &[format!("p.{after_key}")],
            &format!("FROM {} p", s.t(&k.table)),
        ),
    );
    out.push((k.table.clone(), cap, check));
    for (child, fk) in &k.refs {
        let cdef = util::table(schema, child)?;
        let fc = &fk.columns[0];
        let others: Vec<String> = cdef
            .columns
            .keys()
            .filter(|c| {
                !k.refs
                    .iter()
                    .any(|(t, f)| t == child && f.columns[0] == **c)
            })
            .filter(|c| !(*child == k.table && **c == k.pk))
            .cloned()
            .collect();
        let side = |key: &str, col: String| {
            let mut cols = util::cols_of(s, "c", &others);
            cols.push(format!("p.{key}"));
            util::projection(
                &cols,
                &format!(
                    "FROM {} c JOIN {} p ON p.{} = c.{col}",
                    s.t(child),
                    s.t(&k.table),
                    s.q(&k.pk)
                ),
            )
        };
        let (cap, check) = util::proof(
            &format!("references {child}.{fc} -> {}", k.table),
            side(before_key, before_col(fc)),
            side(after_key, after_col(fc)),
        );
        out.push((child.clone(), cap, check));
    }
    Ok(out)
}

fn widen(
    schema: &Schema,
    k: &Keyed,
    pcol: &Column,
    ty: &ColumnType,
    options: &Options,
) -> Result<Refactor, RefactorError> {
    let d = schema.dialect;
    let s = Sql { d };
    let target = retyped(schema, k, ty)?;
    let mut notes = Vec::new();
    if d == Dialect::Sqlite {
        notes.push("change-pk: SQLite integers are 64-bit whatever the declared type; the tables are rebuilt with the new declared type (an INTEGER PRIMARY KEY stops being the rowid alias under another name)".into());
    }
    let plan = |from: &Schema, to: &Schema, to_ty: &ColumnType, narrow: bool| {
        let mut b = Builder::new(RECIPE.name, from, options.batch_size);
        if narrow
            && let ColumnType::Integer {
                bytes, unsigned, ..
            } = to_ty
        {
            let bits = u32::from(*bytes) * 8;
            let (lo, hi) = if *unsigned {
                (0i128, (1i128 << bits) - 1)
            } else {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            };
            b.data(
                &k.table,
                DataOp::Preflight {
                    description: format!(
                        "keys of {} outside the range of {}",
                        k.table,
                        s.ty(to_ty)
                    ),
                    query: format!(
                        "SELECT p.{pk} FROM {} p WHERE p.{pk} < {lo} OR p.{pk} > {hi}",
                        s.t(&k.table),
                        pk = s.q(&k.pk)
                    ),
                    limit: options.preflight_limit,
                },
            );
        }
        let proofs = key_proofs(&s, from, k, &s.q(&k.pk), &s.q(&k.pk), &|c| s.q(c), &|c| {
            s.q(c)
        })?;
        for (t, cap, _) in &proofs {
            b.data(t, cap.clone());
        }
        b.stage(&without_refs(from, k)?, &Renames::default())?;
        b.stage(&without_refs(to, k)?, &Renames::default())?;
        if d == Dialect::Postgres
            && let Some(Identity::Serial { sequence }) = &pcol.identity
        {
            let seq = QualifiedName::new(k.table.namespace.clone(), sequence.clone());
            b.data(
                &k.table,
                DataOp::Sql {
                    description: format!("sequence {seq} of the key as {}", s.ty(to_ty)),
                    statements: vec![format!("ALTER SEQUENCE {} AS {}", s.t(&seq), s.ty(to_ty))],
                },
            );
        }
        b.stage(to, &Renames::default())?;
        for (t, _, check) in proofs {
            b.data(&t, check);
        }
        Ok::<_, RefactorError>(b.finish())
    };
    // Whichever direction narrows gets the range pre-flight.
    let widening = match (&pcol.ty, ty) {
        (ColumnType::Integer { bytes: a, .. }, ColumnType::Integer { bytes: b, .. }) => a < b,
        _ => true,
    };
    let up = plan(schema, &target, ty, !widening)?;
    let down = plan(&target, schema, &pcol.ty, widening)?;
    Ok(Refactor {
        dialect: d,
        up,
        down,
        notes,
        target,
    })
}

fn tmp_name(c: &str) -> String {
    util::fit(format!("{c}__migrex_new"))
}

fn to_uuid(
    schema: &Schema,
    k: &Keyed,
    pcol: &Column,
    ty: &ColumnType,
    options: &Options,
) -> Result<Refactor, RefactorError> {
    let d = schema.dialect;
    if k.refs.iter().any(|(c, _)| *c == k.table) {
        return Err(RefactorError::Unsupported {
            recipe: RECIPE.name.into(),
            message: format!(
                "{} references itself: the uuid swap of a self-reference is not supported",
                k.table
            ),
        });
    }
    let mut key_col = pcol.clone();
    key_col.ty = ty.clone();
    key_col.identity = None;
    key_col.default =
        (d == Dialect::Postgres).then(|| migrex_dialect::expr(d, "gen_random_uuid()"));
    let mut target = retyped(schema, k, ty)?;
    util::table_mut(&mut target, &k.table)?
        .columns
        .insert(k.pk.clone(), key_col);
    for (child, fk) in &k.refs {
        let c = util::column_mut(&mut target, child, &fk.columns[0])?;
        c.identity = None;
        c.default = None;
    }
    let s = Sql { d };
    let up = swap(schema, &target, k, &s.new_uuid(), options)?;
    let down = swap(&target, schema, k, "", options)?;
    let mut notes = vec![format!(
        "change-pk: the down plan gives {} new integer keys 1..n in the order of the uuids (the original integers are gone after the swap); the references follow",
        k.table
    )];
    if d != Dialect::Postgres {
        notes.push(format!(
            "change-pk: {} has no uuid default on {d}; inserting code must supply the key",
            k.table
        ));
    }
    Ok(Refactor {
        dialect: d,
        up,
        down,
        notes,
        target,
    })
}

/// From `from` to `to` where the key (and references) change type through new columns:
/// `new_value` fills the parent's new column per row (empty: number the rows 1..n in key order,
/// set-based).
fn swap(
    from: &Schema,
    to: &Schema,
    k: &Keyed,
    new_value: &str,
    options: &Options,
) -> Result<Plan, RefactorError> {
    let d = from.dialect;
    let s = Sql { d };
    let mut b = Builder::new(RECIPE.name, from, options.batch_size);
    let tmp = tmp_name(&k.pk);
    let final_key = util::column(util::table(to, &k.table)?, &k.table, &k.pk)?.clone();
    // Expand: the new columns, nullable, plain.
    let mut expand = from.clone();
    util::table_mut(&mut expand, &k.table)?
        .columns
        .insert(tmp.clone(), util::plain_column(&final_key, &tmp, true));
    for (child, fk) in &k.refs {
        let fc = &fk.columns[0];
        let def = util::column(util::table(to, child)?, child, fc)?;
        let t = tmp_name(fc);
        util::table_mut(&mut expand, child)?
            .columns
            .insert(t.clone(), util::plain_column(def, &t, true));
    }
    b.stage(&expand, &Renames::default())?;
    let (pt, pkq, tq) = (s.t(&k.table), s.q(&k.pk), s.q(&tmp));
    if new_value.is_empty() {
        b.data(
            &k.table,
            DataOp::Sql {
                description: format!("number the rows of {} 1..n in key order", k.table),
                statements: vec![number_rows(&s, &k.table, &k.pk, &tmp)],
            },
        );
    } else {
        b.data(
            &k.table,
            DataOp::Update {
                key: vec![k.pk.clone()],
                set: vec![Assignment {
                    column: tmp.clone(),
                    value: new_value.to_string(),
                }],
                filter: Some(format!("{tq} IS NULL")),
                batch_size: b.batch(),
            },
        );
    }
    for (child, fk) in &k.refs {
        let fc = &fk.columns[0];
        let ctmp = s.q(&tmp_name(fc));
        let ckey = util::primary_key(
            util::table(from, child)?,
            child,
            "the references are filled in batches over its primary key",
        )?;
        b.data(
            child,
            DataOp::Update {
                key: ckey,
                set: vec![Assignment {
                    column: tmp_name(fc),
                    value: format!(
                        "(SELECT p.{tq} FROM {pt} p WHERE p.{pkq} = {}.{})",
                        s.t(child),
                        s.q(fc)
                    ),
                }],
                filter: Some(format!("{} IS NOT NULL AND {ctmp} IS NULL", s.q(fc))),
                batch_size: b.batch(),
            },
        );
    }
    // The mapping, read through the old key before the swap and the new one after.
    let proofs = key_proofs(&s, from, k, &tq, &pkq, &|c| s.q(c), &|c| s.q(c))?;
    for (t, cap, _) in &proofs {
        b.data(t, cap.clone());
    }
    // Swap: what uses the old columns goes, the old columns go, the new ones take their names.
    // References first, then the key: SQLite checks a rebuilt parent against the foreign keys
    // still pointing at it.
    let mut cut = b.state.clone();
    for (child, fk) in &k.refs {
        util::table_mut(&mut cut, child)?
            .foreign_keys
            .retain(|f| f != fk);
        strip_uses(&mut cut, child, &fk.columns[0])?;
    }
    b.stage(&cut, &Renames::default())?;
    strip_uses(&mut cut, &k.table, &k.pk)?;
    {
        // MySQL keeps an AUTO_INCREMENT column keyed: the counter goes before the key.
        let t = util::table_mut(&mut cut, &k.table)?;
        t.primary_key = None;
        if let Some(c) = t.columns.get_mut(&k.pk) {
            c.identity = None;
        }
    }
    b.stage(&cut, &Renames::default())?;
    let mut dropped = cut.clone();
    util::table_mut(&mut dropped, &k.table)?
        .columns
        .shift_remove(&k.pk);
    for (child, fk) in &k.refs {
        util::table_mut(&mut dropped, child)?
            .columns
            .shift_remove(&fk.columns[0]);
    }
    b.stage(&dropped, &Renames::default())?;
    let mut renames = Renames::default();
    let mut renamed = dropped.clone();
    let mut rename = |t: &QualifiedName, c: &str, sch: &mut Schema| -> Result<(), RefactorError> {
        let tbl = util::table_mut(sch, t)?;
        let mut col =
            tbl.columns
                .shift_remove(&tmp_name(c))
                .ok_or_else(|| RefactorError::UnknownColumn {
                    table: t.to_string(),
                    column: tmp_name(c),
                })?;
        col.name = c.to_string();
        tbl.columns.insert(c.to_string(), col);
        renames
            .columns
            .insert((t.clone(), tmp_name(c)), c.to_string());
        Ok(())
    };
    rename(&k.table, &k.pk, &mut renamed)?;
    for (child, fk) in &k.refs {
        rename(child, &fk.columns[0], &mut renamed)?;
    }
    b.stage(&renamed, &renames)?;
    // The key before the references to it (the same SQLite check).
    let mut keyed = renamed.clone();
    *util::table_mut(&mut keyed, &k.table)? = util::table(to, &k.table)?.clone();
    b.stage(&keyed, &Renames::default())?;
    b.stage(to, &Renames::default())?;
    if new_value.is_empty() && d == Dialect::Postgres && final_key.identity.is_some() {
        b.data(&k.table, DataOp::Sql {
            description: format!("restart the key sequence of {} after its largest key", k.table),
            statements: vec![format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), (SELECT COALESCE(max({pkq}), 0) + 1 FROM {pt}), false)",
                s.string(&pt),
                s.string(&k.pk)
            )],
        });
    }
    for (t, _, check) in proofs {
        b.data(&t, check);
    }
    Ok(b.finish())
}

/// Indexes, uniques and checks that use `col` removed from the table (the target adds them back
/// on the new column).
fn strip_uses(s: &mut Schema, t: &QualifiedName, col: &str) -> Result<(), RefactorError> {
    let tbl = util::table_mut(s, t)?;
    tbl.indexes.retain(|i| {
        !i.parts.iter().any(|p| match &p.key {
            IndexKey::Column(c) => c == col,
            IndexKey::Expr(e) => util::mentions(&e.sql, col),
        })
    });
    tbl.uniques.retain(|u| !u.columns.iter().any(|c| c == col));
    tbl.checks.retain(|c| !util::mentions(&c.expr.sql, col));
    tbl.foreign_keys
        .retain(|f| !f.columns.iter().any(|c| c == col));
    if tbl
        .primary_key
        .as_ref()
        .is_some_and(|p| p.columns.iter().any(|c| c == col))
    {
        tbl.primary_key = None;
    }
    Ok(())
}

/// `UPDATE` numbering the rows of `t` 1..n in `key` order into `into` (set-based).
fn number_rows(s: &Sql, t: &QualifiedName, key: &str, into: &str) -> String {
    let (tq, kq, iq) = (s.t(t), s.q(key), s.q(into));
    let numbered = format!(
        "(SELECT {kq} AS migrex_k, ROW_NUMBER() OVER (ORDER BY {kq}) AS migrex_n FROM {tq})"
    );
    match s.d {
        Dialect::Postgres => format!(
            "UPDATE {tq} AS p SET {iq} = n.migrex_n FROM {numbered} AS n WHERE n.migrex_k = p.{kq}"
        ),
        Dialect::Mysql => format!(
            "UPDATE {tq} AS p JOIN {numbered} AS n ON n.migrex_k = p.{kq} SET p.{iq} = n.migrex_n"
        ),
        Dialect::Sqlite => format!(
            "UPDATE {tq} SET {iq} = n.migrex_n FROM {numbered} AS n WHERE n.migrex_k = {tq}.{kq}"
        ),
    }
}
