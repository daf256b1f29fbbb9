//! `archive --table events --where "created_at < '2024-01-01'" [--into events_archive]`: the
//! archive table is created like the source when missing, matching rows are moved in batches
//! (each batch copies and deletes in one transaction), and a proof checks that the rows of
//! source and archive together are the same before and after. Down moves them back.

use crate::builder::Builder;
use crate::util::{self, Sql};
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{DataOp, Identity, QualifiedName, Renames, Schema, Table};

pub(crate) const RECIPE: Recipe = Recipe {
    name: "archive",
    doc: "Move the rows matching a condition into an archive table (created like the source when missing), in batches, with proof",
    params: &[
        Param {
            name: "table",
            doc: "the table whose rows are archived",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "where",
            doc: "SQL condition over the row selecting what to archive",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "into",
            doc: "the archive table (default <table>_archive)",
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
    let table = util::table_name(schema, &params.req(name, "table")?)?;
    let cond = params.req(name, "where")?;
    let into = util::sibling(
        &table,
        &params
            .text("into")
            .unwrap_or_else(|| util::fit(format!("{}_archive", table.name))),
    );
    if into == table {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "into".into(),
            message: "the archive must be another table".into(),
        });
    }
    let tdef = util::table(schema, &table)?;
    let pk = util::primary_key(
        tdef,
        &table,
        "rows are moved in batches over the primary key",
    )?;
    let cols: Vec<String> = tdef.columns.keys().cloned().collect();
    let created = schema.table(&into).is_none();
    let mut expand = schema.clone();
    if created {
        if schema.view(&into).is_some() {
            return Err(RefactorError::Exists {
                object: format!("view '{into}'"),
            });
        }
        let mut a = Table::new(into.name.clone());
        a.options = tdef.options.clone();
        for c in tdef.columns.values() {
            a.columns
                .insert(c.name.clone(), util::plain_column(c, &c.name, c.nullable));
        }
        a.primary_key = Some(util::pk(d, &into.name, &pk));
        expand
            .namespace_mut(&into.namespace)
            .tables
            .insert(into.name.clone(), a);
    } else {
        let adef = util::table(schema, &into)?;
        for c in &cols {
            util::column(adef, &into, c)?;
        }
    }
    let target = expand.clone();

    let mut up = Builder::new(name, schema, options.batch_size);
    // Deleting a referenced row fails, or cascades and loses the children: list them.
    for (child, fk) in util::referencing(schema, &table) {
        let on: Vec<String> = fk
            .columns
            .iter()
            .zip(&fk.ref_columns)
            .map(|(c, r)| format!("c.{} = src.{}", s.q(c), s.q(r)))
            .collect();
        up.data(
            &table,
            DataOp::Preflight {
                description: format!(
                    "rows of {table} to archive that rows of {child} still reference"
                ),
                query: format!(
                    "SELECT {} FROM {} src WHERE ({cond}) AND EXISTS (SELECT 1 FROM {} c WHERE {})",
                    s.list("src", &pk),
                    s.t(&table),
                    s.t(&child),
                    on.join(" AND ")
                ),
                limit: options.preflight_limit,
            },
        );
    }
    up.stage(&expand, &Renames::default())?;
    let both = union(&s, &table, &into, &cols);
    let (cap, check) = util::proof(
        &format!("archive {table} into {into}"),
        both.clone(),
        both.clone(),
    );
    up.data(&table, cap);
    up.data(
        &into,
        DataOp::Copy {
            source: table.clone(),
            key: pk.clone(),
            columns: cols.clone(),
            values: util::cols_of(&s, "src", &cols),
            filter: Some(cond.clone()),
            batch_size: up.batch(),
            delete_source: true,
        },
    );
    up.data(&table, check);

    let mut down = Builder::new(name, &target, options.batch_size);
    // Generated columns are computed again by the source table.
    let back: Vec<String> = tdef
        .columns
        .values()
        .filter(|c| c.generated.is_none())
        .map(|c| c.name.clone())
        .collect();
    let (cap, check) = util::proof(&format!("restore {table} from {into}"), both.clone(), both);
    down.data(&table, cap);
    down.data(
        &table,
        DataOp::Copy {
            source: into.clone(),
            key: pk.clone(),
            columns: back.clone(),
            values: util::cols_of(&s, "src", &back),
            // Rows archived before this refactor stay where they were.
            filter: (!created).then(|| cond.clone()),
            batch_size: down.batch(),
            delete_source: true,
        },
    );
    down.data(&table, check);
    down.stage(schema, &Renames::default())?;
    let mut notes = Vec::new();
    if tdef
        .columns
        .values()
        .any(|c| matches!(c.identity, Some(Identity::Always { .. })))
    {
        notes.push(format!(
            "archive: {table} has a GENERATED ALWAYS identity column; moving rows back (down) writes its values explicitly"
        ));
    }
    Ok(Refactor {
        dialect: d,
        up: up.finish(),
        down: down.finish(),
        notes,
        target,
    })
}

/// Every row of the source and the archive together.
fn union(s: &Sql, table: &QualifiedName, into: &QualifiedName, cols: &[String]) -> String {
    format!(
        "{} UNION ALL {}",
        util::projection(
            &util::cols_of(s, "x", cols),
            &format!("FROM {} x", s.t(table))
        ),
        util::projection(
            &util::cols_of(s, "a", cols),
            &format!("FROM {} a", s.t(into))
        )
    )
}
