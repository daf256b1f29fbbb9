//! `add-column TABLE.COLUMN TYPE --from EXPR [--not-null]`: add the column nullable, fill it in
//! batches from an expression over the row, then make it NOT NULL (after a pre-flight check
//! that the expression gives no NULL). Down drops it.

use crate::builder::Builder;
use crate::util::{self, Sql};
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{Assignment, Column, DataOp, Renames, Schema};

pub(crate) const RECIPE: Recipe = Recipe {
    name: "add-column",
    doc: "Add a column filled from an expression over the row: add nullable, batched backfill, then NOT NULL",
    params: &[
        Param {
            name: "column",
            doc: "TABLE.COLUMN to add",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "type",
            doc: "its type, as the dialect spells it",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "from",
            doc: "SQL computing each row's value from its other columns",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "not-null",
            doc: "make the column NOT NULL once filled",
            required: false,
            kind: ParamKind::Flag,
        },
        Param {
            name: "default",
            doc: "a default for rows inserted later (SQL)",
            required: false,
            kind: ParamKind::Text,
        },
    ],
    build,
};

fn build(schema: &Schema, params: &Params, options: &Options) -> Result<Refactor, RefactorError> {
    let name = RECIPE.name;
    let d = schema.dialect;
    let s = Sql { d };
    let (t, col) = util::split_column(name, "column", &params.req(name, "column")?)?;
    let table = util::table_name(schema, &t)?;
    let tdef = util::table(schema, &table)?;
    if tdef.columns.contains_key(&col) {
        return Err(RefactorError::Exists {
            object: format!("column '{table}.{col}'"),
        });
    }
    let key = util::primary_key(
        tdef,
        &table,
        "the backfill walks the primary key in batches",
    )?;
    let ty = util::parse_type(d, &params.req(name, "type")?);
    let expr = params.req(name, "from")?;
    let not_null = params.flag("not-null");
    // Added without its default: a default would fill the existing rows the backfill must fill.
    let mut column = Column::new(col.clone(), ty);
    let mut expand = schema.clone();
    util::table_mut(&mut expand, &table)?
        .columns
        .insert(col.clone(), column.clone());
    let mut target = expand.clone();
    column.nullable = !not_null;
    column.default = params.text("default").map(|e| migrex_dialect::expr(d, &e));
    util::table_mut(&mut target, &table)?
        .columns
        .insert(col.clone(), column.clone());

    let mut up = Builder::new(name, schema, options.batch_size);
    if not_null {
        up.data(
            &table,
            DataOp::Preflight {
                description: format!(
                    "rows of {table} for which {expr} is NULL ({col} is NOT NULL)"
                ),
                query: format!(
                    "SELECT {} FROM {} x WHERE ({expr}) IS NULL",
                    s.list("x", &key),
                    s.t(&table)
                ),
                limit: options.preflight_limit,
            },
        );
    }
    up.stage(&expand, &Renames::default())?;
    // Proof: the column holds the expression's value on every row.
    let keys = util::cols_of(&s, "x", &key);
    let from_x = format!("FROM {} x", s.t(&table));
    let (cap, check) = util::proof(
        &format!("{table}.{col} filled from {expr}"),
        util::projection(&[keys.clone(), vec![format!("({expr})")]].concat(), &from_x),
        util::projection(&[keys, vec![s.c("x", &col)]].concat(), &from_x),
    );
    up.data(&table, cap);
    up.data(
        &table,
        DataOp::Update {
            key: key.clone(),
            set: vec![Assignment {
                column: col.clone(),
                value: format!("({expr})"),
            }],
            filter: Some(format!("{} IS NULL", s.q(&col))),
            batch_size: up.batch(),
        },
    );
    up.data(&table, check);
    up.stage(&target, &Renames::default())?;
    let mut down = Builder::new(name, &target, options.batch_size);
    down.stage(schema, &Renames::default())?;
    Ok(Refactor {
        dialect: d,
        up: up.finish(),
        down: down.finish(),
        notes: Vec::new(),
        target,
    })
}
