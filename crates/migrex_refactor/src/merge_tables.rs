//! `merge-tables --table users --from profiles`: two 1:1 tables joined by key become one. The
//! columns of `--from` are added to `--table`, filled in batches by a correlated subquery,
//! proved, and `--from` is dropped. Down splits them back (the dropped table recreated as it
//! was, its rows copied back in batches).

use crate::builder::Builder;
use crate::split_table::{Split, copy_out, join_back};
use crate::util;
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{Check, DataOp, ForeignKey, Index, IndexKey, Schema, UniqueConstraint};

pub(crate) const RECIPE: Recipe = Recipe {
    name: "merge-tables",
    doc: "Merge a 1:1 table into another by key: add its columns, batched update from it, proof, drop it",
    params: &[
        Param {
            name: "table",
            doc: "the table that stays and receives the columns",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "from",
            doc: "the 1:1 table merged into it and dropped",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "key",
            doc: "the column of --from holding --table's key (default: its foreign key to --table, else its primary key)",
            required: false,
            kind: ParamKind::Text,
        },
    ],
    build,
};

fn build(schema: &Schema, params: &Params, options: &Options) -> Result<Refactor, RefactorError> {
    let name = RECIPE.name;
    let d = schema.dialect;
    let table = util::table_name(schema, &params.req(name, "table")?)?;
    let other = util::table_name(schema, &params.req(name, "from")?)?;
    if table == other {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "from".into(),
            message: "a table cannot be merged into itself".into(),
        });
    }
    let tdef = util::table(schema, &table)?;
    let odef = util::table(schema, &other)?;
    let pk = util::single_key(name, tdef, &table, "the merge joins on it")?;
    let key = match params.text("key") {
        Some(k) => {
            util::column(odef, &other, &k)?;
            k
        }
        None => odef
            .foreign_keys
            .iter()
            .find(|f| f.ref_table == table && f.columns.len() == 1 && f.ref_columns == [pk.clone()])
            .map(|f| f.columns[0].clone())
            .or_else(|| {
                odef.primary_key
                    .as_ref()
                    .filter(|p| p.columns.len() == 1)
                    .map(|p| p.columns[0].clone())
            })
            .ok_or_else(|| RefactorError::Unsupported {
                recipe: name.into(),
                message: format!(
                    "cannot tell which column of {other} holds the key of {table}: pass --key"
                ),
            })?,
    };
    // The key must be unique in `other` for the merge to be 1:1 (a pre-flight checks rows too).
    let key_unique = odef
        .primary_key
        .as_ref()
        .is_some_and(|p| p.columns == [key.clone()])
        || odef.uniques.iter().any(|u| u.columns == [key.clone()])
        || odef.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && i.parts.len() == 1
                && i.parts[0].key == IndexKey::Column(key.clone())
        });
    let users: Vec<String> = util::referencing(schema, &other)
        .into_iter()
        .map(|(t, _)| t.to_string())
        .collect();
    if !users.is_empty() {
        return Err(RefactorError::Unsupported {
            recipe: name.into(),
            message: format!(
                "{other} is referenced by foreign keys of {}; it cannot be dropped",
                users.join(", ")
            ),
        });
    }
    let moved: Vec<String> = odef
        .columns
        .keys()
        .filter(|c| **c != key)
        .cloned()
        .collect();
    if moved.is_empty() {
        return Err(RefactorError::Unsupported {
            recipe: name.into(),
            message: format!("{other} has no column besides {key}"),
        });
    }
    for c in &moved {
        if tdef.columns.contains_key(c) {
            return Err(RefactorError::Exists {
                object: format!("column '{table}.{c}' (a column of {other} has the same name)"),
            });
        }
    }
    let mixed = |what: String| RefactorError::Unsupported {
        recipe: name.into(),
        message: format!("{what} of {other} uses its key column {key}; drop it first"),
    };
    let mut merged = tdef.clone();
    for c in &moved {
        let mut def = odef.columns[c].clone();
        def.identity = None;
        def.generated = None;
        merged.columns.insert(c.clone(), def);
    }
    for i in &odef.indexes {
        let cols: Vec<String> = i
            .parts
            .iter()
            .filter_map(|p| match &p.key {
                IndexKey::Column(c) => Some(c.clone()),
                IndexKey::Expr(_) => None,
            })
            .collect();
        if cols.contains(&key) {
            if cols.len() == 1 {
                continue; // the key's own index: the merged table's key covers it
            }
            return Err(mixed(format!("index {}", i.name)));
        }
        merged.indexes.push(Index {
            name: util::index(&table.name, &cols, i.unique).name,
            ..i.clone()
        });
    }
    for u in &odef.uniques {
        if u.columns.contains(&key) {
            if u.columns.len() == 1 {
                continue;
            }
            return Err(mixed(format!("unique ({})", u.columns.join(", "))));
        }
        merged.uniques.push(UniqueConstraint {
            name: util::constraint_name(d, &table.name, &u.columns, "key"),
            ..u.clone()
        });
    }
    for f in &odef.foreign_keys {
        if f.columns.contains(&key) {
            if f.ref_table == table {
                continue;
            }
            return Err(mixed(format!("foreign key ({})", f.columns.join(", "))));
        }
        merged.foreign_keys.push(ForeignKey {
            name: util::constraint_name(d, &table.name, &f.columns, "fkey"),
            ..f.clone()
        });
    }
    for c in &odef.checks {
        if util::mentions(&c.expr.sql, &key) {
            return Err(mixed(format!("check ({})", c.expr.sql)));
        }
        let cols: Vec<String> = moved
            .iter()
            .filter(|m| util::mentions(&c.expr.sql, m))
            .cloned()
            .collect();
        merged.checks.push(Check {
            name: c
                .name
                .as_ref()
                .and_then(|_| util::constraint_name(d, &table.name, &cols, "check")),
            ..c.clone()
        });
    }
    let mut target = schema.clone();
    *util::table_mut(&mut target, &table)? = merged;
    target
        .namespace_mut(&other.namespace)
        .tables
        .shift_remove(&other.name);

    let sp = Split {
        parent: table.clone(),
        child: other.clone(),
        pk: pk.clone(),
        fk_col: key.clone(),
        moved,
        one_to_one: key_unique,
    };
    let s = util::Sql { d };
    let mut up = Builder::new(name, schema, options.batch_size);
    // Rows of `other` whose key matches no row would be lost.
    up.data(
        &other,
        DataOp::Preflight {
            description: format!("rows of {other} whose {key} matches no row of {table}"),
            query: format!(
                "SELECT o.{k} FROM {} o WHERE NOT EXISTS (SELECT 1 FROM {} t WHERE t.{} = o.{k})",
                s.t(&other),
                s.t(&table),
                s.q(&pk),
                k = s.q(&key)
            ),
            limit: options.preflight_limit,
        },
    );
    // A row of `table` without a match gets NULLs: the down plan would give it a row of
    // `other` it never had, so the merge asks for a strict 1:1.
    up.data(
        &table,
        DataOp::Preflight {
            description: format!("rows of {table} without a row in {other} (the merge needs 1:1)"),
            query: format!(
                "SELECT t.{p} FROM {} t WHERE NOT EXISTS (SELECT 1 FROM {} o WHERE o.{} = t.{p})",
                s.t(&table),
                s.t(&other),
                s.q(&key),
                p = s.q(&pk)
            ),
            limit: options.preflight_limit,
        },
    );
    join_back(&mut up, &sp, &target, options)?;
    let mut down = Builder::new(name, &target, options.batch_size);
    let mut expand = target.clone();
    expand
        .namespace_mut(&other.namespace)
        .tables
        .insert(other.name.clone(), odef.clone());
    copy_out(&mut down, &sp, &expand, schema)?;
    let mut notes = Vec::new();
    if odef.columns.values().any(|c| c.identity.is_some()) {
        notes.push(format!(
            "merge-tables: generated values of {other} are copied as plain values"
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
