//! Django migration files (`<app>/migrations/NNNN_name.py`) and model files.
//!
//! When both sides of the plan were read from Django projects, the migration is Django's own
//! vocabulary derived from the two projects' models (CreateModel, AddField, AlterField,
//! RenameField from the plan's column renames, AddIndex, AddConstraint, ...), with every field
//! written exactly as the target project defines it, so `makemigrations --check` finds nothing
//! left. Data steps of the plan become `RunSQL` with a reverse. One migration per changed app,
//! numbered after the app's leaf and chained to it (and to other apps' new migrations it needs).
//! Without Django projects on both sides the plan is written as `RunSQL` steps with the down
//! plan as `reverse_sql`.

mod models_py;

use crate::{MigrationInput, OutputFile, WriteError, Writer};
use migrex_model::{Change, OnlineOp, Plan, Schema};
use migrex_source_orm::Models as AnyModels;
use migrex_source_orm::django::{App, ConstraintDef, Field, Model, Models, RelKind, py_str};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub struct DjangoWriter;

impl Writer for DjangoWriter {
    fn write_migration(&self, input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError> {
        let django = |p: Option<&migrex_source_orm::Project>| match p.map(|p| &p.models) {
            Some(AnyModels::Django(m)) => Some(m.clone()),
            _ => None,
        };
        match (django(input.from_project), django(input.to_project)) {
            (Some(from), Some(to)) => model_migrations(input, &from, &to),
            (_, to) => sql_migration(input, to.as_ref()),
        }
    }

    fn write_models(&self, schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
        models_py::write(schema)
    }
}

/// One operation, the app it belongs to, its name fragment, and apps it needs first.
struct Op {
    app: String,
    text: String,
    fragment: Option<String>,
    needs: Vec<String>,
    imports: Vec<String>,
    /// Sort rank: removals, renames, creations, field changes, data, drops, additions.
    rank: u8,
    /// Runs outside a transaction (`CREATE INDEX CONCURRENTLY`): the migration is `atomic = False`.
    non_atomic: bool,
}

/// Index names the plan builds or drops concurrently (an online PostgreSQL plan).
#[derive(Default)]
struct Online {
    create: Vec<String>,
    drop: Vec<String>,
}

impl Online {
    fn of(plan: &Plan) -> Online {
        let mut o = Online::default();
        if plan.dialect != migrex_model::Dialect::Postgres {
            return o;
        }
        for s in &plan.steps {
            if let Change::Online { operation, .. } = &s.change {
                match operation {
                    OnlineOp::CreateIndex { index } => o.create.push(index.name.clone()),
                    OnlineOp::DropIndex { index } => o.drop.push(index.name.clone()),
                    _ => {}
                }
            }
        }
        o
    }
}

const PG_OPERATIONS: &str = "django.contrib.postgres.operations";

fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn field_needs(f: &Field, app: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = &f.relation {
        for target in std::iter::once(&r.to).chain(r.through.iter()) {
            let a = target.split('.').next().unwrap_or_default();
            if a != app {
                out.push(a.to_string());
            }
        }
    }
    out
}

fn create_model(m: &Model) -> Op {
    let mut fields = String::new();
    let mut imports = Vec::new();
    let mut needs = Vec::new();
    for f in &m.fields {
        fields.push_str(&format!(
            "        ({}, {}),\n",
            py_str(&f.name),
            f.definition
        ));
        imports.extend(f.imports.iter().cloned());
        needs.extend(field_needs(f, &m.app));
    }
    let mut options = Vec::new();
    for (k, v) in &m.options {
        options.push(format!("{}: {v}", py_str(k)));
    }
    imports.extend(m.option_imports.iter().cloned());
    if !m.managed {
        options.push("'managed': False".to_string());
    }
    for i in &m.indexes {
        imports.extend(i.imports.iter().cloned());
    }
    for c in &m.constraints {
        imports.extend(c.imports().iter().cloned());
    }
    if m.explicit_db_table {
        options.push(format!("'db_table': {}", py_str(&m.db_table)));
    }
    if let Some(c) = &m.db_table_comment {
        options.push(format!("'db_table_comment': {}", py_str(c)));
    }
    if !m.indexes.is_empty() {
        let list: Vec<&str> = m.indexes.iter().map(|i| i.definition.as_str()).collect();
        options.push(format!("'indexes': [{}]", list.join(", ")));
    }
    if !m.constraints.is_empty() {
        let list: Vec<&str> = m.constraints.iter().map(|c| c.definition()).collect();
        options.push(format!("'constraints': [{}]", list.join(", ")));
    }
    if !m.unique_together.is_empty() {
        options.push(format!(
            "'unique_together': {}",
            together(&m.unique_together)
        ));
    }
    let mut text = format!(
        "migrations.CreateModel(\n    name={},\n    fields=[\n{fields}    ],\n",
        py_str(&m.name),
    );
    if !options.is_empty() {
        text.push_str(&format!("    options={{{}}},\n", options.join(", ")));
    }
    if !m.bases.is_empty() {
        text.push_str(&format!("    bases=({},),\n", m.bases.join(", ")));
        if let Some(p) = &m.parent {
            needs.push(p.split('.').next().unwrap_or_default().to_string());
        }
    }
    text.push(')');
    Op {
        app: m.app.clone(),
        text,
        fragment: Some(m.name.to_lowercase()),
        needs,
        imports,
        rank: 2,
        non_atomic: false,
    }
}

fn together(t: &[Vec<String>]) -> String {
    let items: Vec<String> = t
        .iter()
        .map(|fs| {
            let inner: Vec<String> = fs.iter().map(|f| py_str(f)).collect();
            format!("({},)", inner.join(", "))
        })
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn model_migrations(
    input: &MigrationInput,
    from: &Models,
    to: &Models,
) -> Result<Vec<OutputFile>, WriteError> {
    let mut ops: Vec<Op> = Vec::new();
    let key = |m: &Model| m.key();
    let from_models: Vec<&Model> = from.apps.iter().flat_map(|a| &a.models).collect();
    let to_models: Vec<&Model> = to.apps.iter().flat_map(|a| &a.models).collect();
    let online = Online::of(input.up);
    // Column renames of the plan: (table, old column) -> new column.
    let mut renames: Vec<(String, String, String)> = Vec::new();
    for s in &input.up.steps {
        if let Change::RenameColumn { table, from, to } = &s.change {
            renames.push((table.name.clone(), from.clone(), to.clone()));
        }
    }
    // Renamed models (same app): the plan renames the table, or the table stays (`db_table`)
    // while the class name changes. RenameModel keeps the rows.
    let mut model_renames: Vec<(&Model, &Model)> = Vec::new();
    for old in &from_models {
        if to_models.iter().any(|o| key(o) == key(old)) {
            continue;
        }
        let new_table = input
            .up
            .steps
            .iter()
            .find_map(|s| match &s.change {
                Change::RenameTable { from, to } if from.name == old.db_table => {
                    Some(to.name.clone())
                }
                _ => None,
            })
            .unwrap_or_else(|| old.db_table.clone());
        if let Some(new) = to_models.iter().find(|n| {
            n.db_table == new_table
                && n.app == old.app
                && !from_models.iter().any(|o| key(o) == key(n))
        }) {
            model_renames.push((old, new));
            ops.push(Op {
                app: new.app.clone(),
                text: format!(
                    "migrations.RenameModel(\n    old_name={},\n    new_name={},\n)",
                    py_str(&old.name),
                    py_str(&new.name)
                ),
                fragment: Some(format!(
                    "rename_{}_{}",
                    old.name.to_lowercase(),
                    new.name.to_lowercase()
                )),
                needs: Vec::new(),
                imports: Vec::new(),
                rank: 0,
                non_atomic: false,
            });
            if old.db_table != new.db_table && new.explicit_db_table {
                ops.push(Op {
                    app: new.app.clone(),
                    text: format!(
                        "migrations.AlterModelTable(\n    name={},\n    table={},\n)",
                        py_str(&new.name.to_lowercase()),
                        py_str(&new.db_table)
                    ),
                    fragment: Some(format!("alter_{}_table", new.name.to_lowercase())),
                    needs: Vec::new(),
                    imports: Vec::new(),
                    rank: 0,
                    non_atomic: false,
                });
            }
        }
    }
    // RenameModel repoints every relation in Django's state: old definitions are read with
    // the new target so those fields are not altered again.
    let retargets: Vec<(String, String)> = model_renames
        .iter()
        .flat_map(|(o, n)| {
            [
                (
                    py_str(&o.key().to_lowercase()),
                    py_str(&n.key().to_lowercase()),
                ),
                (py_str(&o.key()), py_str(&n.key())),
            ]
        })
        .collect();
    let renamed_from = |m: &Model| model_renames.iter().any(|(o, _)| key(o) == key(m));
    let renamed_to = |m: &Model| model_renames.iter().any(|(_, n)| key(n) == key(m));
    // Created models, parents and FK targets of the same app first.
    let mut created: Vec<&Model> = to_models
        .iter()
        .filter(|m| !from_models.iter().any(|o| key(o) == key(m)) && !renamed_to(m))
        .copied()
        .collect();
    created.sort_by_key(|m| created_rank(m, &to_models, &from_models, 0));
    for m in &created {
        ops.push(create_model(m));
    }
    // Deleted models: those pointing at other deleted ones first.
    let mut deleted: Vec<&Model> = from_models
        .iter()
        .filter(|m| !to_models.iter().any(|o| key(o) == key(m)) && !renamed_from(m))
        .copied()
        .collect();
    let ranks: Vec<(String, usize)> = deleted
        .iter()
        .map(|m| (m.key(), created_rank(m, &deleted, &[], 0)))
        .collect();
    deleted.sort_by_key(|m| {
        std::cmp::Reverse(ranks.iter().find(|(k, _)| *k == m.key()).map_or(0, |r| r.1))
    });
    for m in deleted {
        ops.push(Op {
            app: m.app.clone(),
            text: format!("migrations.DeleteModel(\n    name={},\n)", py_str(&m.name)),
            fragment: Some(format!("delete_{}", m.name.to_lowercase())),
            needs: Vec::new(),
            imports: Vec::new(),
            rank: 6,
            non_atomic: false,
        });
    }
    for new in &to_models {
        let renamed = model_renames
            .iter()
            .find(|(_, n)| key(n) == key(new))
            .map(|(o, _)| *o);
        let Some(old) = from_models
            .iter()
            .find(|o| key(o) == key(new))
            .copied()
            .or(renamed)
        else {
            continue;
        };
        model_changes(old, new, &renames, &retargets, &online, &mut ops);
    }
    // Data steps: RunSQL with the statements. The down plan's data steps (a refactor's copy
    // back) are the reverse of the first one: Django reverses operations last to first, so
    // they run after the schema steps that follow the data steps are undone and before those
    // that precede them are, where the down plan has them. A backfill with nothing in the down
    // plan reverses to a no-op.
    let data_sql = data_steps(input.up)?;
    let reverse_sql = data_steps(input.down)?;
    let reverse_transactional = reverse_sql.iter().all(|(_, _, t)| *t);
    let reverse_list: String = reverse_sql
        .iter()
        .flat_map(|(_, statements, _)| statements)
        .map(|s| format!("        {},\n", py_sql(s)))
        .collect();
    let default_app = ops
        .first()
        .map(|o| o.app.clone())
        .or_else(|| to.apps.first().map(|a| a.label.clone()))
        .unwrap_or_default();
    let app_of = |table: &str| {
        to.model_by_table(table)
            .map(|m| m.app.clone())
            .unwrap_or_else(|| default_app.clone())
    };
    let reverse = |first: bool| {
        if first && !reverse_list.is_empty() {
            format!("[\n{reverse_list}    ]")
        } else {
            "migrations.RunSQL.noop".to_string()
        }
    };
    for (i, (table, statements, transactional)) in data_sql.iter().enumerate() {
        let list: String = statements
            .iter()
            .map(|s| format!("        {},\n", py_sql(s)))
            .collect();
        ops.push(Op {
            app: app_of(table),
            text: format!(
                "migrations.RunSQL(\n    sql=[\n{list}    ],\n    reverse_sql={},\n)",
                reverse(i == 0)
            ),
            fragment: None,
            needs: Vec::new(),
            imports: Vec::new(),
            rank: 4,
            non_atomic: !transactional || (i == 0 && !reverse_transactional),
        });
    }
    // Only the down plan moves data: a step that does nothing up and that on the way down.
    if data_sql.is_empty() && !reverse_list.is_empty() {
        let table = &reverse_sql[0].0;
        ops.push(Op {
            app: app_of(table),
            text: format!(
                "migrations.RunSQL(\n    sql=migrations.RunSQL.noop,\n    reverse_sql={},\n)",
                reverse(true)
            ),
            fragment: None,
            needs: Vec::new(),
            imports: Vec::new(),
            rank: 4,
            non_atomic: !reverse_transactional,
        });
    }
    ops.sort_by_key(|o| o.rank);
    write_per_app(input, to, ops)
}

/// Models whose same-app parents or FK targets are also new come after them.
fn created_rank(m: &Model, to: &[&Model], from: &[&Model], depth: usize) -> usize {
    if depth > 10 {
        return depth;
    }
    let mut rank = 0;
    for f in &m.fields {
        let Some(r) = &f.relation else { continue };
        if r.kind == RelKind::ManyToMany && r.through.is_none() && r.to == m.key() {
            continue;
        }
        for t in std::iter::once(&r.to).chain(r.through.iter()) {
            if *t == m.key() || from.iter().any(|o| &o.key() == t) {
                continue;
            }
            if let Some(tm) = to.iter().find(|o| &o.key() == t) {
                rank = rank.max(1 + created_rank(tm, to, from, depth + 1));
            }
        }
    }
    rank
}

fn model_changes(
    old: &Model,
    new: &Model,
    renames: &[(String, String, String)],
    retargets: &[(String, String)],
    online: &Online,
    ops: &mut Vec<Op>,
) {
    let model = new.name.to_lowercase();
    let mut renamed: Vec<(String, String)> = Vec::new();
    for (table, from_col, to_col) in renames {
        if *table != new.db_table && *table != old.db_table {
            continue;
        }
        let of = old
            .fields
            .iter()
            .find(|f| f.column.as_deref() == Some(from_col.as_str()));
        let nf = new
            .fields
            .iter()
            .find(|f| f.column.as_deref() == Some(to_col.as_str()));
        if let (Some(of), Some(nf)) = (of, nf)
            && of.name != nf.name
        {
            renamed.push((of.name.clone(), nf.name.clone()));
            ops.push(Op {
                app: new.app.clone(),
                text: format!(
                    "migrations.RenameField(\n    model_name={},\n    old_name={},\n    new_name={},\n)",
                    py_str(&model),
                    py_str(&of.name),
                    py_str(&nf.name)
                ),
                fragment: Some(format!(
                    "rename_{}_{model}_{}",
                    of.name.to_lowercase(),
                    nf.name.to_lowercase()
                )),
                needs: Vec::new(),
                imports: Vec::new(),
                rank: 1,
                non_atomic: false,
            });
        }
    }
    let old_name_of = |new_name: &str| {
        renamed
            .iter()
            .find(|(_, n)| n == new_name)
            .map(|(o, _)| o.clone())
            .unwrap_or_else(|| new_name.to_string())
    };
    for nf in &new.fields {
        let on = old_name_of(&nf.name);
        let field_op = |verb: &str, rank: u8, fragment: String| Op {
            app: new.app.clone(),
            text: format!(
                "migrations.{verb}(\n    model_name={},\n    name={},\n    field={},\n)",
                py_str(&model),
                py_str(&nf.name),
                nf.definition
            ),
            fragment: Some(fragment),
            needs: field_needs(nf, &new.app),
            imports: nf.imports.clone(),
            rank,
            non_atomic: false,
        };
        match old.fields.iter().find(|f| f.name == on) {
            None => ops.push(field_op(
                "AddField",
                3,
                format!("{model}_{}", nf.name.to_lowercase()),
            )),
            Some(of) if retarget(&of.definition, retargets) != nf.definition => ops.push(field_op(
                "AlterField",
                3,
                format!("alter_{model}_{}", nf.name.to_lowercase()),
            )),
            Some(_) => {}
        }
    }
    for of in &old.fields {
        let kept = new.fields.iter().any(|nf| old_name_of(&nf.name) == of.name);
        if !kept {
            ops.push(Op {
                app: new.app.clone(),
                text: format!(
                    "migrations.RemoveField(\n    model_name={},\n    name={},\n)",
                    py_str(&model),
                    py_str(&of.name)
                ),
                fragment: Some(format!("remove_{model}_{}", of.name.to_lowercase())),
                needs: Vec::new(),
                imports: Vec::new(),
                rank: 5,
                non_atomic: false,
            });
        }
    }
    // Indexes and constraints by name (a changed one is removed and added again); an index
    // that only changed its name is renamed, as Django's autodetector does.
    let mut renamed_indexes: Vec<(&str, &str)> = Vec::new();
    for oi in &old.indexes {
        if new.indexes.iter().any(|ni| ni.name == oi.name) {
            continue;
        }
        if let Some(ni) = new.indexes.iter().find(|ni| {
            !old.indexes.iter().any(|o| o.name == ni.name)
                && ni.fields == oi.fields
                && ni.condition == oi.condition
                && oi.definition.replace(&oi.name, &ni.name) == ni.definition
        }) {
            renamed_indexes.push((&oi.name, &ni.name));
            ops.push(Op {
                app: new.app.clone(),
                text: format!(
                    "migrations.RenameIndex(\n    model_name={},\n    new_name={},\n    old_name={},\n)",
                    py_str(&model),
                    py_str(&ni.name),
                    py_str(&oi.name)
                ),
                fragment: Some(format!(
                    "rename_{}_{}",
                    oi.name.to_lowercase(),
                    ni.name.to_lowercase()
                )),
                needs: Vec::new(),
                imports: Vec::new(),
                rank: 1,
                non_atomic: false,
            });
        }
    }
    for oi in &old.indexes {
        if renamed_indexes.iter().any(|(o, _)| *o == oi.name) {
            continue;
        }
        if !new
            .indexes
            .iter()
            .any(|ni| ni.name == oi.name && ni.definition == oi.definition)
        {
            if online.drop.contains(&oi.name) {
                let mut op = named_op(
                    new,
                    &format!("{PG_OPERATIONS}.RemoveIndexConcurrently"),
                    "name",
                    &oi.name,
                    0,
                    true,
                );
                op.text = op.text.replacen("migrations.", "", 1);
                op.imports.push(PG_OPERATIONS.into());
                op.non_atomic = true;
                ops.push(op);
            } else {
                ops.push(named_op(new, "RemoveIndex", "name", &oi.name, 0, true));
            }
        }
    }
    for ni in &new.indexes {
        if renamed_indexes.iter().any(|(_, n)| *n == ni.name) {
            continue;
        }
        if !old
            .indexes
            .iter()
            .any(|oi| oi.name == ni.name && oi.definition == ni.definition)
        {
            let concurrent = online.create.contains(&ni.name);
            let mut imports = ni.imports.clone();
            let class = if concurrent {
                imports.push(PG_OPERATIONS.into());
                format!("{PG_OPERATIONS}.AddIndexConcurrently")
            } else {
                "migrations.AddIndex".into()
            };
            ops.push(Op {
                app: new.app.clone(),
                text: format!(
                    "{class}(\n    model_name={},\n    index={},\n)",
                    py_str(&model),
                    ni.definition
                ),
                fragment: Some(format!("{model}_{}", ni.name.to_lowercase())),
                needs: Vec::new(),
                imports,
                rank: 7,
                non_atomic: concurrent,
            });
        }
    }
    let same = |a: &ConstraintDef, b: &ConstraintDef| {
        a.name() == b.name() && a.definition() == b.definition()
    };
    for oc in &old.constraints {
        if !new.constraints.iter().any(|nc| same(nc, oc)) {
            ops.push(named_op(
                new,
                "RemoveConstraint",
                "name",
                oc.name(),
                0,
                true,
            ));
        }
    }
    for nc in &new.constraints {
        if !old.constraints.iter().any(|oc| same(nc, oc)) {
            ops.push(Op {
                app: new.app.clone(),
                text: format!(
                    "migrations.AddConstraint(\n    model_name={},\n    constraint={},\n)",
                    py_str(&model),
                    nc.definition()
                ),
                fragment: Some(format!("{model}_{}", nc.name().to_lowercase())),
                needs: Vec::new(),
                imports: nc.imports().to_vec(),
                rank: 7,
                non_atomic: false,
            });
        }
    }
    if old.db_table_comment != new.db_table_comment {
        ops.push(Op {
            app: new.app.clone(),
            text: format!(
                "migrations.AlterModelTableComment(\n    name={},\n    table_comment={},\n)",
                py_str(&model),
                new.db_table_comment
                    .as_deref()
                    .map_or("None".to_string(), py_str)
            ),
            fragment: Some(format!("alter_{model}_table_comment")),
            needs: Vec::new(),
            imports: Vec::new(),
            rank: 7,
            non_atomic: false,
        });
    }
    if old.options != new.options {
        let items: Vec<String> = new
            .options
            .iter()
            .map(|(k, v)| format!("{}: {v}", py_str(k)))
            .collect();
        ops.push(Op {
            app: new.app.clone(),
            text: format!(
                "migrations.AlterModelOptions(\n    name={},\n    options={{{}}},\n)",
                py_str(&model),
                items.join(", ")
            ),
            fragment: Some(format!("alter_{model}_options")),
            needs: Vec::new(),
            imports: new.option_imports.clone(),
            rank: 7,
            non_atomic: false,
        });
    }
    // unique_together: what survives goes first (before fields it named are removed), what is
    // new goes last (after fields it names are added). RenameField renames inside it.
    let old_together: Vec<Vec<String>> = old
        .unique_together
        .iter()
        .map(|fs| {
            fs.iter()
                .map(|f| {
                    renamed
                        .iter()
                        .find(|(o, _)| o == f)
                        .map_or_else(|| f.clone(), |(_, n)| n.clone())
                })
                .collect()
        })
        .collect();
    let kept: Vec<Vec<String>> = old_together
        .iter()
        .filter(|t| new.unique_together.contains(t))
        .cloned()
        .collect();
    let together_op = |set: &[Vec<String>], rank: u8| Op {
        app: new.app.clone(),
        text: format!(
            "migrations.AlterUniqueTogether(\n    name={},\n    unique_together={},\n)",
            py_str(&model),
            if set.is_empty() {
                "set()".to_string()
            } else {
                together(set)
            }
        ),
        fragment: Some(format!("alter_{model}_unique_together")),
        needs: Vec::new(),
        imports: Vec::new(),
        rank,
        non_atomic: false,
    };
    if kept.len() != old_together.len() {
        ops.push(together_op(&kept, 2));
    }
    if kept.len() != new.unique_together.len() {
        ops.push(together_op(&new.unique_together, 7));
    }
    // A renamed model's table moved with RenameModel (or its own AlterModelTable).
    if old.db_table != new.db_table && old.name == new.name {
        ops.push(Op {
            app: new.app.clone(),
            text: format!(
                "migrations.AlterModelTable(\n    name={},\n    table={},\n)",
                py_str(&model),
                if new.explicit_db_table {
                    py_str(&new.db_table)
                } else {
                    "None".into()
                }
            ),
            fragment: Some(format!("alter_{model}_table")),
            needs: Vec::new(),
            imports: Vec::new(),
            rank: 1,
            non_atomic: false,
        });
    }
}

/// A field definition with relation targets of renamed models replaced.
fn retarget(definition: &str, retargets: &[(String, String)]) -> String {
    let mut out = definition.to_string();
    for (old, new) in retargets {
        out = out
            .replace(&format!("to={old}"), &format!("to={new}"))
            .replace(&format!("through={old}"), &format!("through={new}"));
    }
    out
}

fn named_op(m: &Model, verb: &str, arg: &str, name: &str, rank: u8, remove: bool) -> Op {
    let model = m.name.to_lowercase();
    Op {
        app: m.app.clone(),
        text: format!(
            "migrations.{verb}(\n    model_name={},\n    {arg}={},\n)",
            py_str(&model),
            py_str(name)
        ),
        fragment: Some(if remove {
            format!("remove_{model}_{}", name.to_lowercase())
        } else {
            format!("{model}_{}", name.to_lowercase())
        }),
        needs: Vec::new(),
        imports: Vec::new(),
        rank,
        non_atomic: false,
    }
}

/// The SQL of the plan's data steps, with their table.
/// The statements of the plan's data steps, with their table and transaction mode.
fn data_steps(plan: &Plan) -> Result<Vec<(String, Vec<String>, bool)>, WriteError> {
    let r = migrex_render_sql::renderer(plan.dialect);
    let mut out = Vec::new();
    for s in &plan.steps {
        if let Change::Data { table, .. } = &s.change {
            let stmts = r.render_change(&s.change)?;
            out.push((table.name.clone(), stmts, s.transactional));
        }
    }
    Ok(out)
}

/// A Python string literal for SQL: one line, escapes for quotes, backslashes and line
/// breaks (the SQL reaches the database byte for byte).
fn py_sql(sql: &str) -> String {
    let mut out = String::from("'");
    for c in sql.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Groups operations per app into numbered migration files.
fn write_per_app(
    input: &MigrationInput,
    to: &Models,
    ops: Vec<Op>,
) -> Result<Vec<OutputFile>, WriteError> {
    let mut by_app: BTreeMap<String, Vec<Op>> = BTreeMap::new();
    let order: Vec<String> = to.apps.iter().map(|a| a.label.clone()).collect();
    for op in ops {
        by_app.entry(op.app.clone()).or_default().push(op);
    }
    // New migration names first (dependencies between new migrations need them).
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (label, ops) in &by_app {
        let app = app_of(to, label)?;
        names.insert(label.clone(), migration_name(input, app, ops));
    }
    // Django applies a migration to the state its migration files build, not to the database:
    // operations relative to FROM's models only apply when the app's history already builds
    // them. An app with models in FROM but no migrations would get an "initial" migration of
    // alterations that Django cannot run.
    for label in by_app.keys() {
        let app = app_of(to, label)?;
        let from_has_models = input
            .from_project
            .and_then(|p| match &p.models {
                AnyModels::Django(m) => m.app(label).map(|a| !a.models.is_empty()),
                _ => None,
            })
            .unwrap_or(false);
        if app.migrations.is_empty() && from_has_models {
            let root = input.to_project.map_or_else(
                || input.out_dir.display().to_string(),
                |p| p.root.display().to_string(),
            );
            return Err(WriteError::Unsupported(format!(
                "app {label} has models in FROM but no migrations in {root}: Django's migration \
                 state would not match FROM; create them first (`manage.py makemigrations \
                 {label}`) or diff from the models the migrations describe"
            )));
        }
    }
    let mut files = Vec::new();
    for label in order.iter().filter(|l| by_app.contains_key(*l)) {
        let ops = &by_app[label];
        let app = app_of(to, label)?;
        let mut deps: Vec<(String, String)> = Vec::new();
        if let Some(leaf) = migrex_source_orm::django::history::leaf(app) {
            deps.push((label.clone(), leaf.name.clone()));
        }
        for op in ops {
            for need in &op.needs {
                let dep = match names.get(need) {
                    Some(n) => Some(n.clone()),
                    None => to
                        .app(need)
                        .and_then(migrex_source_orm::django::history::leaf)
                        .map(|m| m.name.clone()),
                };
                if let Some(d) = dep
                    && !deps.contains(&(need.clone(), d.clone()))
                {
                    deps.push((need.clone(), d));
                }
            }
        }
        let mut imports: Vec<String> = ops.iter().flat_map(|o| o.imports.clone()).collect();
        imports.sort();
        imports.dedup();
        let mut text = format!(
            "# Generated by migrex on {}\n\n",
            timestamp(input.now, true)
        );
        for i in &imports {
            text.push_str(&format!("import {i}\n"));
        }
        text.push_str("from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n");
        if app.migrations.is_empty() {
            text.push_str("\n    initial = True\n");
        }
        if ops.iter().any(|o| o.non_atomic) {
            // CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction.
            text.push_str("\n    atomic = False\n");
        }
        text.push_str("\n    dependencies = [\n");
        for (a, n) in &deps {
            text.push_str(&format!("        ({}, {}),\n", py_str(a), py_str(n)));
        }
        text.push_str("    ]\n\n    operations = [\n");
        for op in ops {
            text.push_str(&indent(&op.text, 8));
            text.push_str(",\n");
        }
        text.push_str("    ]\n");
        files.push(OutputFile {
            path: app
                .dir
                .join("migrations")
                .join(format!("{}.py", names[label])),
            contents: text,
        });
        if app.migrations.is_empty() {
            files.push(OutputFile {
                path: app.dir.join("migrations").join("__init__.py"),
                contents: String::new(),
            });
        }
    }
    Ok(files)
}

fn app_of<'a>(to: &'a Models, label: &str) -> Result<&'a App, WriteError> {
    to.app(label).ok_or_else(|| {
        WriteError::Unsupported(format!("app `{label}` is not in the target project"))
    })
}

/// `NNNN_name`: the app's highest number plus one; the name from `--name` or
/// `Migration.suggest_name()`.
fn migration_name(input: &MigrationInput, app: &App, ops: &[Op]) -> String {
    let number = app
        .migrations
        .iter()
        .filter_map(|m| m.name.split('_').next()?.parse::<u32>().ok())
        .max()
        .map_or(1, |n| n + 1);
    let name = match input.name {
        Some(n) => sanitize(n),
        None => suggest_name(app.migrations.is_empty(), ops, input.now),
    };
    format!("{number:04}_{name}")
}

fn sanitize(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// `Migration.suggest_name()` of Django 5.2.
fn suggest_name(initial: bool, ops: &[Op], now: i64) -> String {
    if initial {
        return "initial".into();
    }
    let fragments: Vec<String> = ops
        .iter()
        .filter_map(|o| o.fragment.as_deref().map(sanitize))
        .collect();
    if fragments.is_empty() || fragments.len() != ops.len() {
        return format!("auto_{}", timestamp(now, false));
    }
    let mut name = fragments[0].clone();
    for f in &fragments[1..] {
        let next = format!("{name}_{f}");
        if next.chars().count() > 52 {
            name.push_str("_and_more");
            break;
        }
        name = next;
    }
    name
}

/// `YYYY-MM-DD HH:MM` (header) or `YYYYMMDD_HHMM` (names), UTC.
fn timestamp(now: i64, header: bool) -> String {
    let t = crate::Utc::of(now);
    if header {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            t.year, t.month, t.day, t.hour, t.minute
        )
    } else {
        format!(
            "{:04}{:02}{:02}_{:02}{:02}",
            t.year, t.month, t.day, t.hour, t.minute
        )
    }
}

/// Without Django models on both sides: the plan's SQL as `RunSQL`, the down plan as its
/// reverse, in the first app of the target project (or `migrations/` under the output folder).
fn sql_migration(
    input: &MigrationInput,
    to: Option<&Models>,
) -> Result<Vec<OutputFile>, WriteError> {
    if input.up.steps.is_empty() {
        return Ok(Vec::new());
    }
    let up = migrex_render_sql::render_plan(input.up)?;
    let down = migrex_render_sql::render_plan(input.down)?;
    let up_sql: Vec<String> = up.iter().flat_map(|s| s.statements.clone()).collect();
    let down_sql: Vec<String> = down.iter().flat_map(|s| s.statements.clone()).collect();
    let atomic = up.iter().all(|s| s.transactional);
    let app = to.and_then(|m| m.apps.first());
    let (dir, number, deps) = match app {
        Some(a) => {
            let n = a
                .migrations
                .iter()
                .filter_map(|m| m.name.split('_').next()?.parse::<u32>().ok())
                .max()
                .map_or(1, |n| n + 1);
            let deps = migrex_source_orm::django::history::leaf(a)
                .map(|l| vec![(a.label.clone(), l.name.clone())])
                .unwrap_or_default();
            (a.dir.join("migrations"), n, deps)
        }
        None => (PathBuf::from("migrations"), 1, Vec::new()),
    };
    let name = match input.name {
        Some(n) => sanitize(n),
        None => format!("auto_{}", timestamp(input.now, false)),
    };
    let list = |stmts: &[String]| {
        stmts
            .iter()
            .map(|s| format!("                {},\n", py_sql(s)))
            .collect::<String>()
    };
    let mut text = format!(
        "# Generated by migrex on {}\n\nfrom django.db import migrations\n\n\nclass Migration(migrations.Migration):\n",
        timestamp(input.now, true)
    );
    if !atomic {
        text.push_str("\n    atomic = False\n");
    }
    text.push_str("\n    dependencies = [\n");
    for (a, n) in &deps {
        text.push_str(&format!("        ({}, {}),\n", py_str(a), py_str(n)));
    }
    text.push_str(&format!(
        "    ]\n\n    operations = [\n        migrations.RunSQL(\n            sql=[\n{}            ],\n            reverse_sql=[\n{}            ],\n        ),\n    ]\n",
        list(&up_sql),
        list(&down_sql)
    ));
    Ok(vec![OutputFile {
        path: dir.join(format!("{number:04}_{name}.py")),
        contents: text,
    }])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(fragment: Option<&str>) -> Op {
        Op {
            app: "shop".into(),
            text: String::new(),
            fragment: fragment.map(String::from),
            needs: Vec::new(),
            imports: Vec::new(),
            rank: 0,
            non_atomic: false,
        }
    }

    // Django 5.2 `Migration.suggest_name()`: fragments joined until the name would pass 52
    // characters, then `_and_more`; any operation without a fragment gives `auto_<timestamp>`.
    #[test]
    fn names_follow_suggest_name() {
        let now = 1_795_559_640;
        assert_eq!(suggest_name(true, &[op(Some("book"))], now), "initial");
        assert_eq!(
            suggest_name(false, &[op(Some("book")), op(Some("author_email"))], now),
            "book_author_email"
        );
        let long = [
            op(Some("remove_product_description")),
            op(Some("alter_product_name")),
            op(Some("product_weight")),
        ];
        assert_eq!(
            suggest_name(false, &long, now),
            "remove_product_description_alter_product_name_and_more"
        );
        assert_eq!(
            suggest_name(false, &[op(Some("book")), op(None)], now),
            "auto_20261124_2234"
        );
        assert_eq!(sanitize("add coupons!"), "add_coupons_");
    }

    #[test]
    fn sql_strings_stay_on_one_line() {
        assert_eq!(py_sql("a 'b'\nc\\d"), "'a \\'b\\'\\nc\\\\d'");
    }

    #[test]
    fn timestamps_are_utc_civil_time() {
        // 2026-11-24 22:34:00 UTC
        assert_eq!(timestamp(1_795_559_640, true), "2026-11-24 22:34");
        assert_eq!(timestamp(1_795_559_640, false), "20261124_2234");
    }
}
