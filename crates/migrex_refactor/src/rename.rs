//! `rename-table` and `rename-column`: the plain renames, and `--online` expand/contract
//! variants for PostgreSQL and MySQL (a compatibility view under the old table name; a new
//! column kept in step by a trigger, backfilled in batches, the old one dropped after a deploy).

use crate::builder::Builder;
use crate::util::{self, Sql};
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{
    Change, DataOp, Dialect, Expr, IndexKey, OnlineOp, Phase, QualifiedName, Renames, Schema,
    Trigger, TriggerAction, TriggerEvent, TriggerTiming, View,
};

pub(crate) const RENAME_TABLE: Recipe = Recipe {
    name: "rename-table",
    doc: "Rename a table; --online (PostgreSQL, MySQL) leaves a view under the old name for code not yet deployed",
    params: &[
        Param {
            name: "table",
            doc: "the table to rename",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "to",
            doc: "its new name",
            required: true,
            kind: ParamKind::Text,
        },
    ],
    build: rename_table,
};

pub(crate) const RENAME_COLUMN: Recipe = Recipe {
    name: "rename-column",
    doc: "Rename a column; --online (PostgreSQL, MySQL): new column + sync trigger + batched backfill, old one dropped after a deploy checkpoint",
    params: &[
        Param {
            name: "column",
            doc: "TABLE.COLUMN to rename",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "to",
            doc: "the column's new name",
            required: true,
            kind: ParamKind::Text,
        },
    ],
    build: rename_column,
};

fn rename_table(
    schema: &Schema,
    params: &Params,
    options: &Options,
) -> Result<Refactor, RefactorError> {
    let name = RENAME_TABLE.name;
    let from = util::table_name(schema, &params.req(name, "table")?)?;
    let to = util::sibling(&from, &params.req(name, "to")?);
    util::exists_error(schema, &to)?;
    let target = renamed_table(schema, &from, &to)?;
    let mut renames = Renames::default();
    renames.tables.insert(from.clone(), to.clone());
    let mut up = Builder::new(name, schema, options.batch_size);
    let mut down = Builder::new(name, &target, options.batch_size);
    let mut notes = Vec::new();
    let online = options.online && schema.dialect != Dialect::Sqlite;
    if options.online && !online {
        notes.push("rename-table: SQLite has no online variant (no concurrent writers to keep working); the plain rename is planned".into());
    }
    up.stage(&target, &renames)?;
    let mut final_target = target.clone();
    if online {
        // A view under the old name keeps reading and (simple view) writing code working.
        let t = util::table(&target, &to)?;
        let s = Sql { d: schema.dialect };
        let cols: Vec<String> = t.columns.keys().cloned().collect();
        let query = format!("SELECT {} FROM {}", s.list(&s.t(&to), &cols), s.t(&to));
        let view = View {
            name: from.name.clone(),
            definition: migrex_dialect::query_expr(schema.dialect, &query),
            columns: Vec::new(),
            materialized: false,
            check_option: None,
            security_invoker: false,
            comment: None,
            depends_on: vec![to.clone()],
            indexes: Vec::new(),
            cluster_on: None,
        };
        up.change(
            Change::CreateView {
                name: from.clone(),
                view,
            },
            Phase::Expand,
        )?;
        final_target = up.state.clone();
        notes.push(format!(
            "CHECKPOINT: deploy application code that uses table {to}; then drop the compatibility view {from} (it stays in the target schema until then)"
        ));
        down = Builder::new(name, &final_target, options.batch_size);
        // The view holds the old name: it goes before the table takes the name back.
        let view = final_target
            .view(&from)
            .cloned()
            .ok_or_else(|| RefactorError::UnknownTable(from.to_string()))?;
        down.change(
            Change::DropView {
                name: from.clone(),
                view,
            },
            Phase::Contract,
        )?;
    }
    down.stage(schema, &Renames::reversed(&renames))?;
    Ok(Refactor {
        dialect: schema.dialect,
        up: up.finish(),
        down: down.finish(),
        notes,
        target: final_target,
    })
}

/// `schema` with table `from` renamed to `to` and the foreign keys that reference it following.
fn renamed_table(
    schema: &Schema,
    from: &QualifiedName,
    to: &QualifiedName,
) -> Result<Schema, RefactorError> {
    let mut target = schema.clone();
    let ns = target.namespace_mut(&from.namespace);
    let mut t = ns
        .tables
        .shift_remove(&from.name)
        .ok_or_else(|| RefactorError::UnknownTable(from.to_string()))?;
    t.name = to.name.clone();
    for trig in ns.triggers.values_mut() {
        if trig.table == *from {
            trig.table = to.clone();
        }
    }
    let triggers = std::mem::take(&mut ns.triggers);
    ns.triggers = triggers.into_values().map(|t| (t.key(), t)).collect();
    target
        .namespace_mut(&to.namespace)
        .tables
        .insert(to.name.clone(), t);
    for ns in target.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            for f in &mut t.foreign_keys {
                if f.ref_table == *from {
                    f.ref_table = to.clone();
                }
            }
        }
    }
    Ok(target)
}

/// Replaces identifier `old` by `new` in an expression (outside string literals).
pub(crate) fn rename_in_expr(d: Dialect, e: &Expr, old: &str, new: &str) -> Expr {
    if !util::mentions(&e.sql, old) {
        return e.clone();
    }
    let s = Sql { d };
    let mut out = String::new();
    let mut word = String::new();
    let mut in_str = false;
    let flush = |word: &mut String, out: &mut String| {
        if word.eq_ignore_ascii_case(old) {
            out.push_str(&s.q(new));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for ch in e.sql.chars() {
        if in_str {
            out.push(ch);
            in_str = ch != '\'';
            continue;
        }
        if ch.is_alphanumeric() || ch == '_' {
            word.push(ch);
            continue;
        }
        flush(&mut word, &mut out);
        if ch == '\'' {
            in_str = true;
        }
        out.push(ch);
    }
    flush(&mut word, &mut out);
    migrex_dialect::expr(d, &out)
}

/// `schema` with column `old` of `table` renamed to `new` everywhere it is named.
pub(crate) fn renamed_column(
    schema: &Schema,
    table: &QualifiedName,
    old: &str,
    new: &str,
) -> Result<Schema, RefactorError> {
    let d = schema.dialect;
    let mut target = schema.clone();
    let t = util::table_mut(&mut target, table)?;
    let ren = |c: &mut String| {
        if c == old {
            *c = new.to_string();
        }
    };
    let cols = std::mem::take(&mut t.columns);
    t.columns = cols
        .into_iter()
        .map(|(k, mut c)| {
            if k == old {
                c.name = new.to_string();
                (new.to_string(), c)
            } else {
                (k, c)
            }
        })
        .collect();
    for c in t.columns.values_mut() {
        if let Some(g) = &mut c.generated {
            g.expr = rename_in_expr(d, &g.expr, old, new);
        }
    }
    if let Some(p) = &mut t.primary_key {
        p.columns.iter_mut().for_each(ren);
    }
    for u in &mut t.uniques {
        u.columns.iter_mut().for_each(ren);
    }
    for i in &mut t.indexes {
        for p in &mut i.parts {
            match &mut p.key {
                IndexKey::Column(c) => ren(c),
                IndexKey::Expr(e) => *e = rename_in_expr(d, e, old, new),
            }
        }
        i.include.iter_mut().for_each(ren);
        if let Some(p) = &mut i.predicate {
            *p = rename_in_expr(d, p, old, new);
        }
    }
    for f in &mut t.foreign_keys {
        f.columns.iter_mut().for_each(ren);
    }
    for c in &mut t.checks {
        c.expr = rename_in_expr(d, &c.expr, old, new);
    }
    for ns in target.namespaces.values_mut() {
        for t in ns.tables.values_mut() {
            for f in &mut t.foreign_keys {
                if f.ref_table == *table {
                    f.ref_columns.iter_mut().for_each(ren);
                }
            }
        }
    }
    Ok(target)
}

fn rename_column(
    schema: &Schema,
    params: &Params,
    options: &Options,
) -> Result<Refactor, RefactorError> {
    let name = RENAME_COLUMN.name;
    let (t, old) = util::split_column(name, "column", &params.req(name, "column")?)?;
    let table = util::table_name(schema, &t)?;
    let new = params.req(name, "to")?;
    let tdef = util::table(schema, &table)?;
    util::column(tdef, &table, &old)?;
    if tdef.columns.contains_key(&new) {
        return Err(RefactorError::Exists {
            object: format!("column '{table}.{new}'"),
        });
    }
    let target = renamed_column(schema, &table, &old, &new)?;
    let online = options.online && schema.dialect != Dialect::Sqlite;
    let mut notes = Vec::new();
    if options.online && !online {
        notes.push("rename-column: SQLite has no online variant; the plain rename is planned (ALTER TABLE ... RENAME COLUMN is instant)".into());
    }
    if !online {
        let mut renames = Renames::default();
        renames
            .columns
            .insert((table.clone(), old.clone()), new.clone());
        let mut up = Builder::new(name, schema, options.batch_size);
        up.stage(&target, &renames)?;
        let mut down = Builder::new(name, &target, options.batch_size);
        down.stage(schema, &renames.reversed())?;
        return Ok(Refactor {
            dialect: schema.dialect,
            up: up.finish(),
            down: down.finish(),
            notes,
            target,
        });
    }
    let users = util::users_of(tdef, &old);
    let in_pk = tdef
        .primary_key
        .as_ref()
        .is_some_and(|p| p.columns.contains(&old));
    let referenced = util::referencing(schema, &table)
        .iter()
        .any(|(_, f)| f.ref_columns.contains(&old));
    if in_pk || referenced || !users.is_empty() {
        return Err(RefactorError::Unsupported {
            recipe: name.into(),
            message: format!(
                "the online rename of {table}.{old} cannot carry {} over: rename it without --online",
                if in_pk {
                    "the primary key".to_string()
                } else if referenced {
                    "the foreign keys that reference it".to_string()
                } else {
                    users.join(", ")
                }
            ),
        });
    }
    let mut up = Builder::new(name, schema, options.batch_size);
    online_rename(&mut up, &table, &old, &new, &target)?;
    let mut down = Builder::new(name, &target, options.batch_size);
    online_rename(&mut down, &table, &new, &old, schema)?;
    notes.push(format!(
        "CHECKPOINT in the plan: deploy application code that reads and writes {table}.{new} before the contract steps run (until then a trigger copies {old} into {new})"
    ));
    Ok(Refactor {
        dialect: schema.dialect,
        up: up.finish(),
        down: down.finish(),
        notes,
        target,
    })
}

/// Expand (add `new`, keep it in step with `old` by trigger, backfill, prove), checkpoint,
/// contract (drop the trigger and `old`), ending at `end`.
fn online_rename(
    b: &mut Builder,
    table: &QualifiedName,
    old: &str,
    new: &str,
    end: &Schema,
) -> Result<(), RefactorError> {
    let d = b.dialect;
    let s = Sql { d };
    let start = b.state.clone();
    let tdef = util::table(&start, table)?;
    let old_col = util::column(tdef, table, old)?.clone();
    let final_col = util::column(util::table(end, table)?, table, new)?.clone();
    let mut expand = start.clone();
    let mut added = final_col.clone();
    added.nullable = true;
    util::table_mut(&mut expand, table)?
        .columns
        .insert(new.to_string(), added.clone());
    b.stage(&expand, &Renames::default())?;
    let triggers = sync_triggers(d, table, &old_col.name, new);
    match d {
        Dialect::Postgres => b.change(
            Change::Online {
                table: table.clone(),
                operation: OnlineOp::CreateSyncTrigger {
                    source: old_col.clone(),
                    target: added.clone(),
                    both_ways: false,
                },
            },
            Phase::Expand,
        )?,
        _ => {
            for t in &triggers {
                b.change(Change::CreateTrigger { trigger: t.clone() }, Phase::Expand)?;
            }
        }
    }
    let key = tdef
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    let (o, n) = (s.q(old), s.q(new));
    if key.is_empty() {
        b.data(
            table,
            DataOp::Sql {
                description: format!("copy {table}.{old} into {new}"),
                statements: vec![format!(
                    "UPDATE {} SET {n} = {o} WHERE {n} IS NULL AND {o} IS NOT NULL",
                    s.t(table)
                )],
            },
        );
    } else {
        let cols = |c: &str| {
            let mut v = key.clone();
            v.push(c.to_string());
            util::cols_of(&s, "x", &v)
        };
        let from_x = format!("FROM {} x", s.t(table));
        let (cap, check) = util::proof(
            &format!("rename {table}.{old}"),
            util::projection(&cols(old), &from_x),
            util::projection(&cols(new), &from_x),
        );
        b.data(table, cap);
        b.data(
            table,
            DataOp::Update {
                key: key.clone(),
                set: vec![migrex_model::Assignment {
                    column: new.to_string(),
                    value: o.clone(),
                }],
                filter: Some(format!("{n} IS NULL AND {o} IS NOT NULL")),
                batch_size: b.batch(),
            },
        );
        b.data(table, check);
    }
    if !final_col.nullable {
        let mut strict = b.state.clone();
        util::table_mut(&mut strict, table)?
            .columns
            .insert(new.to_string(), final_col.clone());
        b.stage(&strict, &Renames::default())?;
    }
    b.change(
        Change::Online {
            table: table.clone(),
            operation: OnlineOp::Checkpoint {
                message: format!("reads and writes {table}.{new} instead of {old}"),
            },
        },
        Phase::Contract,
    )?;
    match d {
        Dialect::Postgres => b.change(
            Change::Online {
                table: table.clone(),
                operation: OnlineOp::DropSyncTrigger {
                    source: old_col,
                    target: final_col,
                },
            },
            Phase::Contract,
        )?,
        _ => {
            for t in triggers {
                b.change(Change::DropTrigger { trigger: t }, Phase::Contract)?;
            }
        }
    }
    b.stage(end, &Renames::default())
}

/// MySQL: BEFORE INSERT and BEFORE UPDATE triggers copying `old` into `new`.
fn sync_triggers(d: Dialect, table: &QualifiedName, old: &str, new: &str) -> Vec<Trigger> {
    let s = Sql { d };
    let set = format!("SET NEW.{} = NEW.{}", s.q(new), s.q(old));
    [
        ("ins", TriggerEvent::Insert),
        (
            "upd",
            TriggerEvent::Update {
                columns: Vec::new(),
            },
        ),
    ]
    .into_iter()
    .map(|(suffix, event)| Trigger {
        name: util::fit(format!("{}_{new}_sync_{suffix}", table.name)),
        table: table.clone(),
        timing: TriggerTiming::Before,
        events: vec![event],
        for_each_row: true,
        when: None,
        action: TriggerAction::Body {
            body: migrex_dialect::body(d, &set),
        },
        constraint: None,
        old_table: None,
        new_table: None,
        order: None,
        comment: None,
    })
    .collect()
}
