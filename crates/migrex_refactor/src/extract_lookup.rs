//! `extract-lookup --column orders.status [--into statuses] [--key-name status_id]`: a repeated
//! text column becomes a lookup table (id, name unique) filled by `INSERT ... SELECT DISTINCT`,
//! a new foreign key column filled in batches, proof, the text column dropped. Down puts the
//! text back from the lookup and drops it.

use crate::builder::Builder;
use crate::util::{self, Family, Sql};
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{
    Assignment, ColumnType, DataOp, Dialect, IndexKey, Renames, Schema, Table, UniqueConstraint,
};

pub(crate) const RECIPE: Recipe = Recipe {
    name: "extract-lookup",
    doc: "Turn a repeated text column into a lookup table (id, unique name) and a foreign key column",
    params: &[
        Param {
            name: "column",
            doc: "TABLE.COLUMN holding the repeated values",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "into",
            doc: "the lookup table (default <column>s)",
            required: false,
            kind: ParamKind::Text,
        },
        Param {
            name: "key-name",
            doc: "the new foreign key column (default <column>_id)",
            required: false,
            kind: ParamKind::Text,
        },
        Param {
            name: "name-column",
            doc: "the lookup table's value column (default name)",
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
    let cdef = util::column(tdef, &table, &col)?.clone();
    let pk = util::primary_key(
        tdef,
        &table,
        "the backfill walks the primary key in batches",
    )?;
    if pk.contains(&col) {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "column".into(),
            message: format!("{table}.{col} is part of the primary key"),
        });
    }
    let lookup = util::sibling(
        &table,
        &params
            .text("into")
            .unwrap_or_else(|| util::fit(format!("{col}s"))),
    );
    util::exists_error(schema, &lookup)?;
    let key = params
        .text("key-name")
        .unwrap_or_else(|| util::fit(format!("{col}_id")));
    if tdef.columns.contains_key(&key) {
        return Err(RefactorError::Exists {
            object: format!("column '{table}.{key}'"),
        });
    }
    let value_col = params.text("name-column").unwrap_or_else(|| "name".into());
    if value_col == "id" {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "name-column".into(),
            message: "'id' is the lookup table's key".into(),
        });
    }
    if d == Dialect::Mysql
        && matches!(
            cdef.ty,
            ColumnType::Text { max_len: None, .. } | ColumnType::Binary { .. }
        )
    {
        return Err(RefactorError::Unsupported {
            recipe: name.into(),
            message: format!(
                "{table}.{col} is {}: MySQL cannot make it a unique key without a length; change it to varchar first",
                s.ty(&cdef.ty)
            ),
        });
    }
    if util::family(d, &cdef.ty) == Family::Json {
        return Err(RefactorError::NotConvertible {
            table: table.to_string(),
            column: col.clone(),
            from: s.ty(&cdef.ty),
            to: "a lookup value".into(),
        });
    }
    // Indexes of the column alone go with it (the new key column gets its own); anything else
    // that uses it is the user's to drop first.
    let mut kept = tdef.clone();
    kept.indexes
        .retain(|i| !(i.parts.len() == 1 && i.parts[0].key == IndexKey::Column(col.clone())));
    let users = util::users_of(&kept, &col);
    if !users.is_empty() {
        return Err(RefactorError::Unsupported {
            recipe: name.into(),
            message: format!("{} of {table} uses {col}; drop it first", users.join(", ")),
        });
    }

    // The lookup table.
    let mut lt = Table::new(lookup.name.clone());
    lt.options = tdef.options.clone();
    lt.columns.insert("id".into(), util::surrogate_key(d, "id"));
    lt.columns.insert(
        value_col.clone(),
        util::plain_column(&cdef, &value_col, false),
    );
    lt.primary_key = Some(util::pk(d, &lookup.name, &["id".to_string()]));
    let unique_cols = vec![value_col.clone()];
    match d {
        Dialect::Mysql => lt
            .indexes
            .push(util::index(&lookup.name, &unique_cols, true)),
        _ => lt.uniques.push(UniqueConstraint {
            name: util::constraint_name(d, &lookup.name, &unique_cols, "key"),
            columns: unique_cols,
            nulls_not_distinct: false,
            deferrable: None,
        }),
    }
    let id_col = lt.columns["id"].clone();
    let mut key_col = util::reference_column(&id_col, &key, true);
    if d == Dialect::Sqlite {
        key_col.ty = migrex_dialect::parse_type(d, "INTEGER");
    }

    let mut expand = schema.clone();
    expand
        .namespace_mut(&lookup.namespace)
        .tables
        .insert(lookup.name.clone(), lt);
    util::table_mut(&mut expand, &table)?
        .columns
        .insert(key.clone(), key_col.clone());
    let mut target = expand.clone();
    {
        let t = util::table_mut(&mut target, &table)?;
        t.indexes
            .retain(|i| !(i.parts.len() == 1 && i.parts[0].key == IndexKey::Column(col.clone())));
        t.columns.shift_remove(&col);
        let mut k = key_col.clone();
        k.nullable = cdef.nullable;
        t.columns.insert(key.clone(), k);
        let keys = vec![key.clone()];
        t.foreign_keys.push(util::foreign_key(
            d,
            &table.name,
            &keys,
            &lookup,
            &["id".to_string()],
        ));
        t.indexes.push(util::index(&table.name, &keys, false));
    }

    let tq = s.t(&table);
    let lq = s.t(&lookup);
    let (c, k, v) = (s.q(&col), s.q(&key), s.q(&value_col));
    let by_text = util::projection(
        &[util::cols_of(&s, "x", &pk), vec![s.c("x", &col)]].concat(),
        &format!("FROM {tq} x"),
    );
    let by_lookup = util::projection(
        &[util::cols_of(&s, "x", &pk), vec![format!("l.{v}")]].concat(),
        &format!("FROM {tq} x LEFT JOIN {lq} l ON l.{} = x.{k}", s.q("id")),
    );

    let mut up = Builder::new(name, schema, options.batch_size);
    up.stage(&expand, &Renames::default())?;
    up.data(
        &lookup,
        DataOp::Sql {
            description: format!("fill {lookup} with the distinct values of {table}.{col}"),
            statements: vec![format!(
                "INSERT INTO {lq} ({v}) SELECT DISTINCT {c} FROM {tq} WHERE {c} IS NOT NULL ORDER BY {c}"
            )],
        },
    );
    let proof = format!("extract {table}.{col} into {lookup}");
    let (cap, check) = util::proof(&proof, by_text.clone(), by_lookup.clone());
    up.data(&table, cap);
    up.data(
        &table,
        DataOp::Update {
            key: pk.clone(),
            set: vec![Assignment {
                column: key.clone(),
                value: format!(
                    "(SELECT l.{} FROM {lq} l WHERE l.{v} = {tq}.{c})",
                    s.q("id")
                ),
            }],
            filter: Some(format!("{c} IS NOT NULL")),
            batch_size: up.batch(),
        },
    );
    up.data(&table, check);
    up.stage(&target, &Renames::default())?;

    let mut down = Builder::new(name, &target, options.batch_size);
    let mut back = target.clone();
    util::table_mut(&mut back, &table)?
        .columns
        .insert(col.clone(), util::plain_column(&cdef, &col, true));
    down.stage(&back, &Renames::default())?;
    let (cap, check) = util::proof(
        &format!("put {lookup} back into {table}.{col}"),
        by_lookup,
        by_text,
    );
    down.data(&table, cap);
    down.data(
        &table,
        DataOp::Update {
            key: pk.clone(),
            set: vec![Assignment {
                column: col.clone(),
                value: format!(
                    "(SELECT l.{v} FROM {lq} l WHERE l.{} = {tq}.{k})",
                    s.q("id")
                ),
            }],
            filter: Some(format!("{k} IS NOT NULL")),
            batch_size: down.batch(),
        },
    );
    down.data(&table, check);
    down.stage(schema, &Renames::default())?;
    Ok(Refactor {
        dialect: d,
        up: up.finish(),
        down: down.finish(),
        notes: Vec::new(),
        target,
    })
}
