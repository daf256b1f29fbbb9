//! Applying a plan to a model, step by step, as the database would.
//!
//! Besides "refers to something missing" and "already exists", the simulator refuses what the
//! databases refuse, so an ordering mistake in a plan shows up here and not only on a live
//! server: creating a foreign key whose target table (PostgreSQL, MySQL) or key (PostgreSQL:
//! primary key or unique on exactly those columns; MySQL: an index starting with them) is
//! missing; dropping a table another table's foreign key or a view still refers to; dropping a
//! column a key, index, foreign key, check or generated column still uses; changing the type of
//! a column a foreign key uses on MySQL; dropping an enum a column still uses; dropping a
//! non-empty schema. SQLite does not check foreign keys in DDL, so neither does the simulator.
//!
//! New constraints and indexes are appended to their table's lists; see `crate::canonical`.

use crate::diff::rename;
use crate::names::mentions;
use migrex_model::{
    Change, Dialect, ForeignKey, IndexKey, Namespace, Plan, QualifiedName, Schema, Table,
};
use std::collections::HashMap;

/// Why a plan cannot be applied to a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulateError {
    #[error("step {step} ({change}): {object} does not exist")]
    Missing {
        step: usize,
        change: String,
        object: String,
    },
    #[error("step {step} ({change}): {object} already exists")]
    AlreadyExists {
        step: usize,
        change: String,
        object: String,
    },
    #[error("step {step} ({change}): {object} is still used by {user}")]
    StillUsed {
        step: usize,
        change: String,
        object: String,
        user: String,
    },
}

struct Ctx<'a> {
    step: usize,
    change: &'a Change,
}

impl Ctx<'_> {
    fn missing(&self, object: impl Into<String>) -> SimulateError {
        SimulateError::Missing {
            step: self.step,
            change: self.change.describe(),
            object: object.into(),
        }
    }
    fn exists(&self, object: impl Into<String>) -> SimulateError {
        SimulateError::AlreadyExists {
            step: self.step,
            change: self.change.describe(),
            object: object.into(),
        }
    }
    fn used(&self, object: impl Into<String>, user: impl Into<String>) -> SimulateError {
        SimulateError::StillUsed {
            step: self.step,
            change: self.change.describe(),
            object: object.into(),
            user: user.into(),
        }
    }
}

pub(crate) fn run(schema: &Schema, plan: &Plan) -> Result<Schema, SimulateError> {
    let mut s = schema.clone();
    run_in_place(&mut s, plan)?;
    Ok(s)
}

/// `run` on `s` itself. On an error `s` may hold part of the failed step's work.
pub(crate) fn run_in_place(s: &mut Schema, plan: &Plan) -> Result<(), SimulateError> {
    for step in &plan.steps {
        let cx = Ctx {
            step: step.id,
            change: &step.change,
        };
        apply(s, &step.change, &cx)?;
        cluster_marks(s, &step.change);
        if s.dialect == Dialect::Postgres {
            crate::diff::partitions::propagate(s, &step.change);
        }
        if s.dialect == Dialect::Mysql
            && let Some(table) = step.change.subject()
            && let Some(t) = s.table(table)
        {
            check_auto_increment_keyed(t, table, &cx)?;
        }
    }
    Ok(())
}

/// MySQL: "there can be only one auto column and it must be defined as a key": an
/// AUTO_INCREMENT column must lead some index at every moment.
fn check_auto_increment_keyed(
    t: &Table,
    table: &QualifiedName,
    cx: &Ctx,
) -> Result<(), SimulateError> {
    for c in t.columns.values() {
        if !matches!(c.identity, Some(migrex_model::Identity::AutoIncrement)) {
            continue;
        }
        let leads = |cols: &[String]| cols.first() == Some(&c.name);
        let keyed = t.primary_key.as_ref().is_some_and(|p| leads(&p.columns))
            || t.uniques.iter().any(|u| leads(&u.columns))
            || t.indexes.iter().any(|i| leads(&index_columns(i)));
        if !keyed {
            return Err(cx.missing(format!("a key on AUTO_INCREMENT column {table}.{}", c.name)));
        }
    }
    Ok(())
}

/// The namespace of an object about to be created: the dialect's default namespace always
/// exists (it is created on demand); any other must have been created.
fn namespace_for<'s>(
    s: &'s mut Schema,
    name: &str,
    cx: &Ctx,
) -> Result<&'s mut Namespace, SimulateError> {
    if name == s.dialect.default_namespace() || s.namespaces.contains_key(name) {
        Ok(s.namespace_mut(name))
    } else {
        Err(cx.missing(format!("schema {name}")))
    }
}

fn table_mut<'s>(
    s: &'s mut Schema,
    name: &QualifiedName,
    cx: &Ctx,
) -> Result<&'s mut Table, SimulateError> {
    s.table_mut(name)
        .ok_or_else(|| cx.missing(format!("table {name}")))
}

fn apply(s: &mut Schema, change: &Change, cx: &Ctx) -> Result<(), SimulateError> {
    let dialect = s.dialect;
    match change {
        Change::CreateNamespace { name } => {
            if s.namespaces.contains_key(name) {
                return Err(cx.exists(format!("schema {name}")));
            }
            s.namespace_mut(name);
        }
        Change::SetNamespaceComment { name, to, .. } => {
            // The default namespace exists implicitly even when the model did not list it.
            let is_default = name == dialect.default_namespace();
            match s.namespaces.get_mut(name) {
                Some(ns) => ns.comment.clone_from(to),
                None if is_default => s.namespace_mut(name).comment.clone_from(to),
                None => return Err(cx.missing(format!("schema {name}"))),
            }
        }
        Change::DropNamespace { name } => {
            let ns = s
                .namespaces
                .get(name)
                .ok_or_else(|| cx.missing(format!("schema {name}")))?;
            if !ns.is_empty() {
                return Err(cx.used(format!("schema {name}"), "the objects it still holds"));
            }
            s.namespaces.shift_remove(name);
        }
        Change::CreateEnum { name, enum_type } => {
            let ns = namespace_for(s, &name.namespace, cx)?;
            if ns.enums.contains_key(&name.name) {
                return Err(cx.exists(format!("type {name}")));
            }
            ns.enums.insert(name.name.clone(), enum_type.clone());
        }
        Change::DropEnum { name, .. } => {
            if s.namespaces
                .get(&name.namespace)
                .is_none_or(|ns| !ns.enums.contains_key(&name.name))
            {
                return Err(cx.missing(format!("type {name}")));
            }
            for (tq, t) in s.tables() {
                if let Some(c) = t.columns.values().find(|c| c.ty.user_type() == Some(name)) {
                    return Err(cx.used(format!("type {name}"), format!("column {tq}.{}", c.name)));
                }
            }
            if let Some(ns) = s.namespaces.get_mut(&name.namespace) {
                ns.enums.shift_remove(&name.name);
            }
        }
        Change::AddEnumValue {
            name,
            value,
            before,
        } => {
            let e = s
                .namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.enums.get_mut(&name.name))
                .ok_or_else(|| cx.missing(format!("type {name}")))?;
            if e.values.contains(value) {
                return Err(cx.exists(format!("value '{value}' of type {name}")));
            }
            match before {
                None => e.values.push(value.clone()),
                Some(b) => {
                    let i = e
                        .values
                        .iter()
                        .position(|v| v == b)
                        .ok_or_else(|| cx.missing(format!("value '{b}' of type {name}")))?;
                    e.values.insert(i, value.clone());
                }
            }
        }
        Change::CreateSequence { name, sequence } => {
            check_sequence_owner(s, sequence.owned_by.as_ref(), cx)?;
            let ns = namespace_for(s, &name.namespace, cx)?;
            if ns.sequences.contains_key(&name.name) {
                return Err(cx.exists(format!("sequence {name}")));
            }
            ns.sequences.insert(name.name.clone(), sequence.clone());
        }
        Change::DropSequence { name, .. } => {
            s.namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.sequences.shift_remove(&name.name))
                .ok_or_else(|| cx.missing(format!("sequence {name}")))?;
        }
        Change::AlterSequence { name, to, .. } => {
            check_sequence_owner(s, to.owned_by.as_ref(), cx)?;
            let seq = s
                .namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.sequences.get_mut(&name.name))
                .ok_or_else(|| cx.missing(format!("sequence {name}")))?;
            *seq = to.clone();
        }
        Change::CreateTable { name, table } => {
            if s.table(name).is_some() || s.view(name).is_some() {
                return Err(cx.exists(format!("table {name}")));
            }
            for fk in &table.foreign_keys {
                check_fk_target(s, name, Some(table), fk, cx)?;
            }
            namespace_for(s, &name.namespace, cx)?
                .tables
                .insert(name.name.clone(), table.clone());
        }
        Change::DropTable { name, .. } => {
            if s.table(name).is_none() {
                return Err(cx.missing(format!("table {name}")));
            }
            check_table_unused(s, name, cx)?;
            if let Some(ns) = s.namespaces.get_mut(&name.namespace) {
                ns.tables.shift_remove(&name.name);
                // The database drops a table's triggers and rules with it.
                ns.triggers.retain(|_, t| &t.table != name);
                ns.rules.retain(|_, r| &r.table != name);
            }
        }
        Change::RenameTable { from, to } => {
            if s.table(from).is_none() {
                return Err(cx.missing(format!("table {from}")));
            }
            if s.table(to).is_some() || s.view(to).is_some() {
                return Err(cx.exists(format!("table {to}")));
            }
            if to.namespace != from.namespace {
                namespace_for(s, &to.namespace, cx)?;
            }
            rename::move_table(s, from, to);
            rename::retarget_tables(s, &HashMap::from([(from.clone(), to.clone())]));
        }
        Change::AddColumn { table, column } => {
            let t = table_mut(s, table, cx)?;
            if t.columns.contains_key(&column.name) {
                return Err(cx.exists(format!("column {table}.{}", column.name)));
            }
            t.columns.insert(column.name.clone(), column.clone());
        }
        Change::DropColumn { table, column } => {
            let t = s
                .table(table)
                .ok_or_else(|| cx.missing(format!("table {table}")))?;
            if !t.columns.contains_key(&column.name) {
                return Err(cx.missing(format!("column {table}.{}", column.name)));
            }
            check_column_unused(s, table, t, &column.name, cx)?;
            if let Some(t) = s.table_mut(table) {
                t.columns.shift_remove(&column.name);
            }
        }
        Change::RenameColumn { table, from, to } => {
            let t = table_mut(s, table, cx)?;
            if !t.columns.contains_key(from) {
                return Err(cx.missing(format!("column {table}.{from}")));
            }
            if t.columns.contains_key(to) {
                return Err(cx.exists(format!("column {table}.{to}")));
            }
            rename::rename_column_in_table(t, from, to);
            rename::retarget_columns(
                s,
                &HashMap::from([((table.clone(), from.clone()), to.clone())]),
            );
        }
        Change::AlterColumn { table, from, to } => {
            let t = s
                .table(table)
                .ok_or_else(|| cx.missing(format!("table {table}")))?;
            if !t.columns.contains_key(&from.name) {
                return Err(cx.missing(format!("column {table}.{}", from.name)));
            }
            if from.name != to.name {
                return Err(cx.missing(format!(
                    "column {table}.{} (AlterColumn cannot rename; use RenameColumn)",
                    to.name
                )));
            }
            if dialect == Dialect::Mysql
                && from.ty != to.ty
                && let Some(user) = fk_using_column(s, table, &from.name)
            {
                return Err(cx.used(format!("column {table}.{}", from.name), user));
            }
            if let Some(t) = s.table_mut(table)
                && let Some(c) = t.columns.get_mut(&from.name)
            {
                *c = to.clone();
            }
        }
        Change::AddPrimaryKey { table, primary_key } => {
            let t = table_mut(s, table, cx)?;
            if t.primary_key.is_some() {
                return Err(cx.exists(format!("primary key of {table}")));
            }
            columns_exist(t, &primary_key.columns, table, cx)?;
            t.primary_key = Some(primary_key.clone());
        }
        Change::DropPrimaryKey { table, primary_key } => {
            let t = s
                .table(table)
                .ok_or_else(|| cx.missing(format!("table {table}")))?;
            if t.primary_key.as_ref() != Some(primary_key) {
                return Err(cx.missing(format!("primary key of {table}")));
            }
            check_key_unreferenced(s, table, &primary_key.columns, cx)?;
            if let Some(t) = s.table_mut(table) {
                t.primary_key = None;
            }
        }
        Change::AddUnique { table, unique } => {
            let t = table_mut(s, table, cx)?;
            name_free(t, unique.name.as_deref(), true, dialect, table, cx)?;
            columns_exist(t, &unique.columns, table, cx)?;
            t.uniques.push(unique.clone());
        }
        Change::DropUnique { table, unique } => {
            let t = s
                .table(table)
                .ok_or_else(|| cx.missing(format!("table {table}")))?;
            let Some(i) = t.uniques.iter().position(|u| u == unique) else {
                return Err(
                    cx.missing(format!("unique ({}) on {table}", unique.columns.join(", ")))
                );
            };
            check_key_unreferenced(s, table, &unique.columns, cx)?;
            if let Some(t) = s.table_mut(table) {
                t.uniques.remove(i);
            }
        }
        Change::AddForeignKey { table, foreign_key } => {
            if s.table(table).is_none() {
                return Err(cx.missing(format!("table {table}")));
            }
            check_fk_target(s, table, None, foreign_key, cx)?;
            let t = table_mut(s, table, cx)?;
            name_free(t, foreign_key.name.as_deref(), false, dialect, table, cx)?;
            columns_exist(t, &foreign_key.columns, table, cx)?;
            t.foreign_keys.push(foreign_key.clone());
        }
        Change::DropForeignKey { table, foreign_key } => {
            let t = table_mut(s, table, cx)?;
            let Some(i) = t.foreign_keys.iter().position(|f| f == foreign_key) else {
                return Err(cx.missing(format!(
                    "foreign key ({}) on {table}",
                    foreign_key.columns.join(", ")
                )));
            };
            t.foreign_keys.remove(i);
        }
        Change::AddCheck { table, check } => {
            let t = table_mut(s, table, cx)?;
            name_free(t, check.name.as_deref(), false, dialect, table, cx)?;
            t.checks.push(check.clone());
        }
        Change::AddExclusion { table, exclusion } => {
            let t = table_mut(s, table, cx)?;
            name_free(t, Some(&exclusion.name), true, dialect, table, cx)?;
            t.exclusions.push(exclusion.clone());
        }
        Change::DropExclusion { table, exclusion } => {
            let t = table_mut(s, table, cx)?;
            let Some(i) = t.exclusions.iter().position(|x| x == exclusion) else {
                return Err(cx.missing(format!(
                    "exclusion constraint {} on {table}",
                    exclusion.name
                )));
            };
            t.exclusions.remove(i);
        }
        Change::DropCheck { table, check } => {
            let t = table_mut(s, table, cx)?;
            let Some(i) = t.checks.iter().position(|c| c == check) else {
                return Err(cx.missing(format!("check ({}) on {table}", check.expr)));
            };
            t.checks.remove(i);
        }
        Change::CreateIndex { table, index } if s.table(table).is_none() => {
            let v = matview_mut(s, table, cx)?;
            if v.indexes.iter().any(|i| i.name == index.name) {
                return Err(cx.exists(format!("index {} on {table}", index.name)));
            }
            v.indexes.push(index.clone());
            v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropIndex { table, index } if s.table(table).is_none() => {
            let v = matview_mut(s, table, cx)?;
            let Some(i) = v.indexes.iter().position(|x| x == index) else {
                return Err(cx.missing(format!("index {} on {table}", index.name)));
            };
            v.indexes.remove(i);
        }
        Change::RenameIndex { table, from, to } if s.table(table).is_none() => {
            let v = matview_mut(s, table, cx)?;
            if v.indexes.iter().any(|i| &i.name == to) {
                return Err(cx.exists(format!("index {to} on {table}")));
            }
            let i = v
                .indexes
                .iter_mut()
                .find(|i| &i.name == from)
                .ok_or_else(|| cx.missing(format!("index {from} on {table}")))?;
            i.name = to.clone();
            v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::CreateIndex { table, index } => {
            let t = table_mut(s, table, cx)?;
            name_free(t, Some(&index.name), true, dialect, table, cx)?;
            let cols: Vec<String> = index
                .parts
                .iter()
                .filter_map(|p| match &p.key {
                    IndexKey::Column(c) => Some(c.clone()),
                    IndexKey::Expr(_) => None,
                })
                .chain(index.include.iter().cloned())
                .collect();
            columns_exist(t, &cols, table, cx)?;
            t.indexes.push(index.clone());
        }
        Change::DropIndex { table, index } => {
            let t = s
                .table(table)
                .ok_or_else(|| cx.missing(format!("table {table}")))?;
            let Some(i) = t.indexes.iter().position(|x| x == index) else {
                return Err(cx.missing(format!("index {} on {table}", index.name)));
            };
            if index.unique && index.predicate.is_none() {
                let cols = index_columns(index);
                if cols.len() == index.parts.len() {
                    check_key_unreferenced(s, table, &cols, cx)?;
                }
            }
            if let Some(t) = s.table_mut(table) {
                t.indexes.remove(i);
            }
        }
        Change::RenameIndex { table, from, to } => {
            let t = table_mut(s, table, cx)?;
            if t.indexes.iter().any(|i| &i.name == to) {
                return Err(cx.exists(format!("index {to} on {table}")));
            }
            let i = t
                .indexes
                .iter_mut()
                .find(|i| &i.name == from)
                .ok_or_else(|| cx.missing(format!("index {from} on {table}")))?;
            i.name = to.clone();
        }
        Change::RenameConstraint { table, from, to } => {
            let t = table_mut(s, table, cx)?;
            if t.constraint_names().any(|n| n == to) {
                return Err(cx.exists(format!("constraint {to} on {table}")));
            }
            if let Some(x) = t.exclusions.iter_mut().find(|x| x.name == *from) {
                x.name = to.clone();
                return Ok(());
            }
            let slot = t
                .primary_key
                .iter_mut()
                .map(|p| &mut p.name)
                .chain(t.uniques.iter_mut().map(|u| &mut u.name))
                .chain(t.foreign_keys.iter_mut().map(|f| &mut f.name))
                .chain(t.checks.iter_mut().map(|c| &mut c.name))
                .find(|n| n.as_deref() == Some(from.as_str()))
                .ok_or_else(|| cx.missing(format!("constraint {from} on {table}")))?;
            *slot = Some(to.clone());
        }
        Change::SetTableComment { table, to, .. } => {
            table_mut(s, table, cx)?.comment = to.clone();
        }
        Change::AlterTableOptions { table, to, .. } => {
            table_mut(s, table, cx)?.options = to.clone();
        }
        Change::RebuildTable { name, to, .. } => {
            let t = table_mut(s, name, cx)?;
            *t = to.clone();
            t.name = name.name.clone();
        }
        Change::CreateView { name, view } => {
            if s.view(name).is_some() || s.table(name).is_some() {
                return Err(cx.exists(format!("view {name}")));
            }
            for dep in &view.depends_on {
                if s.table(dep).is_none() && s.view(dep).is_none() {
                    return Err(cx.missing(format!("{dep} (used by view {name})")));
                }
            }
            namespace_for(s, &name.namespace, cx)?
                .views
                .insert(name.name.clone(), view.clone());
        }
        Change::DropView { name, .. } => {
            if s.view(name).is_none() {
                return Err(cx.missing(format!("view {name}")));
            }
            if let Some((vq, _)) = s
                .views()
                .find(|(vq, v)| vq != name && v.depends_on.contains(name))
            {
                return Err(cx.used(format!("view {name}"), format!("view {vq}")));
            }
            if let Some(ns) = s.namespaces.get_mut(&name.namespace) {
                ns.views.shift_remove(&name.name);
                ns.triggers.retain(|_, t| &t.table != name);
                ns.rules.retain(|_, r| &r.table != name);
            }
        }
        Change::SetViewComment { name, to, .. } => {
            let v = s
                .namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.views.get_mut(&name.name))
                .ok_or_else(|| cx.missing(format!("view {name}")))?;
            v.comment = to.clone();
        }
        Change::RecreateEnum {
            name, to, columns, ..
        } => {
            let e = s
                .enum_mut(name)
                .ok_or_else(|| cx.missing(format!("type {name}")))?;
            *e = to.clone();
            for (tq, col) in columns {
                let t = table_mut(s, tq, cx)?;
                let c = t
                    .columns
                    .get_mut(&col.name)
                    .ok_or_else(|| cx.missing(format!("column {tq}.{}", col.name)))?;
                c.default = col.default.clone();
            }
        }
        Change::CreateExtension { extension } => {
            if s.extensions.contains_key(&extension.name) {
                return Err(cx.exists(format!("extension {}", extension.name)));
            }
            s.extensions
                .insert(extension.name.clone(), extension.clone());
        }
        Change::DropExtension { extension } => {
            s.extensions
                .shift_remove(&extension.name)
                .ok_or_else(|| cx.missing(format!("extension {}", extension.name)))?;
        }
        Change::AlterExtension { to, .. } => {
            let e = s
                .extensions
                .get_mut(&to.name)
                .ok_or_else(|| cx.missing(format!("extension {}", to.name)))?;
            *e = to.clone();
        }
        Change::CreateDomain { name, domain } => {
            let ns = namespace_for(s, &name.namespace, cx)?;
            if ns.domains.contains_key(&name.name) {
                return Err(cx.exists(format!("domain {name}")));
            }
            ns.domains.insert(name.name.clone(), domain.clone());
        }
        Change::DropDomain { name, .. } => {
            check_type_unused(s, name, cx)?;
            s.namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.domains.shift_remove(&name.name))
                .ok_or_else(|| cx.missing(format!("domain {name}")))?;
        }
        Change::AlterDomain { name, to, .. } => {
            let d = s
                .namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.domains.get_mut(&name.name))
                .ok_or_else(|| cx.missing(format!("domain {name}")))?;
            *d = to.clone();
        }
        Change::CreateCompositeType { name, composite } => {
            let ns = namespace_for(s, &name.namespace, cx)?;
            if ns.composites.contains_key(&name.name) || ns.enums.contains_key(&name.name) {
                return Err(cx.exists(format!("type {name}")));
            }
            ns.composites.insert(name.name.clone(), composite.clone());
        }
        Change::DropCompositeType { name, .. } => {
            check_type_unused(s, name, cx)?;
            s.namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.composites.shift_remove(&name.name))
                .ok_or_else(|| cx.missing(format!("type {name}")))?;
        }
        Change::AlterCompositeType { name, to, .. } => {
            let c = s
                .namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.composites.get_mut(&name.name))
                .ok_or_else(|| cx.missing(format!("type {name}")))?;
            *c = to.clone();
        }
        Change::CreateFunction { name, function } => {
            let ns = namespace_for(s, &name.namespace, cx)?;
            let id = function.identity();
            if ns.functions.contains_key(&id) {
                return Err(cx.exists(format!("function {}.{id}", name.namespace)));
            }
            ns.functions.insert(id, function.clone());
        }
        Change::DropFunction { name, function } => {
            let id = function.identity();
            if let Some(t) = s.triggers().find(|t| {
                matches!(&t.action, migrex_model::TriggerAction::Function { function: f, .. } if f == name)
            }) && s
                .namespaces
                .get(&name.namespace)
                .is_some_and(|ns| ns.functions.values().filter(|f| f.name == name.name).count() == 1)
            {
                return Err(cx.used(
                    format!("function {}.{id}", name.namespace),
                    format!("trigger {} on {}", t.name, t.table),
                ));
            }
            s.namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.functions.shift_remove(&id))
                .ok_or_else(|| cx.missing(format!("function {}.{id}", name.namespace)))?;
        }
        Change::ReplaceFunction { name, to, .. } => {
            let id = to.identity();
            let f = s
                .namespaces
                .get_mut(&name.namespace)
                .and_then(|ns| ns.functions.get_mut(&id))
                .ok_or_else(|| cx.missing(format!("function {}.{id}", name.namespace)))?;
            *f = to.clone();
        }
        Change::CreateTrigger { trigger } => {
            if s.table(&trigger.table).is_none() && s.view(&trigger.table).is_none() {
                return Err(cx.missing(format!("table {}", trigger.table)));
            }
            if let migrex_model::TriggerAction::Function { function, .. } = &trigger.action
                && s.namespaces
                    .get(&function.namespace)
                    .is_some_and(|ns| !ns.functions.values().any(|f| f.name == function.name))
                && s.namespaces.contains_key(&function.namespace)
                && function.namespace != "pg_catalog"
            {
                return Err(cx.missing(format!("function {function}")));
            }
            let ns = namespace_for(s, &trigger.table.namespace, cx)?;
            if ns.triggers.contains_key(&trigger.key()) {
                return Err(cx.exists(format!("trigger {} on {}", trigger.name, trigger.table)));
            }
            ns.triggers.insert(trigger.key(), trigger.clone());
        }
        Change::DropTrigger { trigger } => {
            s.namespaces
                .get_mut(&trigger.table.namespace)
                .and_then(|ns| ns.triggers.shift_remove(&trigger.key()))
                .ok_or_else(|| {
                    cx.missing(format!("trigger {} on {}", trigger.name, trigger.table))
                })?;
        }
        Change::CreatePolicy { table, policy } => {
            let t = table_mut(s, table, cx)?;
            if t.policies.iter().any(|p| p.name == policy.name) {
                return Err(cx.exists(format!("policy {} on {table}", policy.name)));
            }
            t.policies.push(policy.clone());
            t.policies.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropPolicy { table, policy } => {
            let t = table_mut(s, table, cx)?;
            let before = t.policies.len();
            t.policies.retain(|p| p.name != policy.name);
            if t.policies.len() == before {
                return Err(cx.missing(format!("policy {} on {table}", policy.name)));
            }
        }
        Change::AlterPolicy { table, to, .. } => {
            let t = table_mut(s, table, cx)?;
            let p = t
                .policies
                .iter_mut()
                .find(|p| p.name == to.name)
                .ok_or_else(|| cx.missing(format!("policy {} on {table}", to.name)))?;
            *p = to.clone();
        }
        Change::AttachPartition {
            table,
            partition_of,
        } => {
            if s.table(&partition_of.parent)
                .is_none_or(|p| p.partitioning.is_none())
            {
                return Err(cx.missing(format!("partitioned table {}", partition_of.parent)));
            }
            let t = table_mut(s, table, cx)?;
            if t.partition_of.is_some() {
                return Err(cx.exists(format!("partition {table}")));
            }
            t.partition_of = Some(partition_of.clone());
        }
        Change::DetachPartition { table, .. } => {
            let t = table_mut(s, table, cx)?;
            if t.partition_of.take().is_none() {
                return Err(cx.missing(format!("partition {table}")));
            }
        }
        Change::AlterPartitioning { table, to, .. } => {
            table_mut(s, table, cx)?.partitioning = to.clone();
        }
        Change::SetComment { target, to, .. } => set_comment(s, target, to.clone(), cx)?,
        Change::Online { table, operation } => apply_online(s, table, operation, cx)?,
        // Rows change, the schema does not; the table must exist.
        Change::Data { table, .. } => table_mut(s, table, cx).map(|_| ())?,
        Change::CreateRule { rule } => {
            if s.table(&rule.table).is_none() && s.view(&rule.table).is_none() {
                return Err(cx.missing(format!("table {}", rule.table)));
            }
            for dep in &rule.depends_on {
                if s.table(dep).is_none() && s.view(dep).is_none() {
                    return Err(cx.missing(format!("{dep} (used by rule {})", rule.name)));
                }
            }
            let ns = namespace_for(s, &rule.table.namespace, cx)?;
            if ns.rules.contains_key(&rule.key()) {
                return Err(cx.exists(format!("rule {} on {}", rule.name, rule.table)));
            }
            ns.rules.insert(rule.key(), rule.clone());
        }
        Change::DropRule { rule } => {
            s.namespaces
                .get_mut(&rule.table.namespace)
                .and_then(|ns| ns.rules.shift_remove(&rule.key()))
                .ok_or_else(|| cx.missing(format!("rule {} on {}", rule.name, rule.table)))?;
        }
        Change::SetClusterOn { table, to, .. } => {
            if let Some(t) = s.table_mut(table) {
                if let Some(i) = to
                    && !t.constraint_names().any(|n| n == i)
                {
                    return Err(cx.missing(format!("index {i} on {table}")));
                }
                t.cluster_on = to.clone();
            } else {
                let v = matview_mut(s, table, cx)?;
                if let Some(i) = to
                    && !v.indexes.iter().any(|x| &x.name == i)
                {
                    return Err(cx.missing(format!("index {i} on {table}")));
                }
                v.cluster_on = to.clone();
            }
        }
    }
    Ok(())
}

fn matview_mut<'s>(
    s: &'s mut Schema,
    name: &QualifiedName,
    cx: &Ctx,
) -> Result<&'s mut migrex_model::View, SimulateError> {
    s.view_mut(name)
        .filter(|v| v.materialized)
        .ok_or_else(|| cx.missing(format!("table {name}")))
}

/// What the database does to a CLUSTER mark on its own: it follows a renamed index and goes
/// with a dropped one.
fn cluster_marks(s: &mut Schema, change: &Change) {
    let (Some(table), rename) = (
        change.table(),
        match change {
            Change::RenameIndex { from, to, .. } | Change::RenameConstraint { from, to, .. } => {
                Some((from, to))
            }
            _ => None,
        },
    ) else {
        return;
    };
    if let Some(t) = s.table_mut(table) {
        if let (Some((from, to)), Some(mark)) = (rename, &mut t.cluster_on)
            && mark == from
        {
            *mark = to.clone();
        }
        if let Some(mark) = &t.cluster_on
            && !t.constraint_names().any(|n| n == mark)
        {
            t.cluster_on = None;
        }
    } else if let Some(v) = s.view_mut(table) {
        if let (Some((from, to)), Some(mark)) = (rename, &mut v.cluster_on)
            && mark == from
        {
            *mark = to.clone();
        }
        if let Some(mark) = &v.cluster_on
            && !v.indexes.iter().any(|i| &i.name == mark)
        {
            v.cluster_on = None;
        }
    }
}

/// An online step is the plain change it stands for, or nothing the model records (validations,
/// sync triggers, backfills, deploy points).
fn apply_online(
    s: &mut Schema,
    table: &QualifiedName,
    op: &migrex_model::OnlineOp,
    cx: &Ctx,
) -> Result<(), SimulateError> {
    use migrex_model::OnlineOp;
    let plain = |s: &mut Schema, change: Change| apply(s, &change, cx);
    match op {
        OnlineOp::CreateIndex { index } => plain(
            s,
            Change::CreateIndex {
                table: table.clone(),
                index: index.clone(),
            },
        ),
        OnlineOp::DropIndex { index } => plain(
            s,
            Change::DropIndex {
                table: table.clone(),
                index: index.clone(),
            },
        ),
        OnlineOp::AddForeignKeyNotValid { foreign_key, .. } => plain(
            s,
            Change::AddForeignKey {
                table: table.clone(),
                foreign_key: foreign_key.clone(),
            },
        ),
        OnlineOp::AddCheckNotValid { check, .. } => plain(
            s,
            Change::AddCheck {
                table: table.clone(),
                check: check.clone(),
            },
        ),
        // The index becomes the constraint's own.
        OnlineOp::AddUniqueUsingIndex { unique, index } => {
            let t = table_mut(s, table, cx)?;
            t.indexes.retain(|i| &i.name != index);
            plain(
                s,
                Change::AddUnique {
                    table: table.clone(),
                    unique: unique.clone(),
                },
            )
        }
        OnlineOp::AddPrimaryKeyUsingIndex { primary_key, index } => {
            let t = table_mut(s, table, cx)?;
            t.indexes.retain(|i| &i.name != index);
            plain(
                s,
                Change::AddPrimaryKey {
                    table: table.clone(),
                    primary_key: primary_key.clone(),
                },
            )
        }
        OnlineOp::Group { changes, .. } => {
            for c in changes {
                apply(s, c, cx)?;
            }
            Ok(())
        }
        OnlineOp::ValidateConstraint { .. }
        | OnlineOp::CreateSyncTrigger { .. }
        | OnlineOp::DropSyncTrigger { .. }
        | OnlineOp::Backfill { .. }
        | OnlineOp::Analyze
        | OnlineOp::Checkpoint { .. } => table_mut(s, table, cx).map(|_| ()),
    }
}

/// A domain or composite type must not be used by a column any more when it is dropped.
fn check_type_unused(s: &Schema, name: &QualifiedName, cx: &Ctx) -> Result<(), SimulateError> {
    for (tq, t) in s.tables() {
        if let Some(c) = t.columns.values().find(|c| c.ty.user_type() == Some(name)) {
            return Err(cx.used(format!("type {name}"), format!("column {tq}.{}", c.name)));
        }
    }
    Ok(())
}

fn set_comment(
    s: &mut Schema,
    target: &migrex_model::CommentTarget,
    to: Option<String>,
    cx: &Ctx,
) -> Result<(), SimulateError> {
    use migrex_model::CommentTarget as T;
    let missing = || cx.missing(target.describe());
    fn ns_of<'s>(s: &'s mut Schema, q: &QualifiedName) -> Option<&'s mut Namespace> {
        s.namespaces.get_mut(&q.namespace)
    }
    let slot: &mut Option<String> = match target {
        T::Enum { name } => &mut s.enum_mut(name).ok_or_else(missing)?.comment,
        T::Sequence { name } => &mut s.sequence_mut(name).ok_or_else(missing)?.comment,
        T::Domain { name } => {
            &mut ns_of(s, name)
                .and_then(|ns| ns.domains.get_mut(&name.name))
                .ok_or_else(missing)?
                .comment
        }
        T::CompositeType { name } => {
            &mut ns_of(s, name)
                .and_then(|ns| ns.composites.get_mut(&name.name))
                .ok_or_else(missing)?
                .comment
        }
        T::Extension { name } => &mut s.extensions.get_mut(name).ok_or_else(missing)?.comment,
        T::Function { name, function } => {
            &mut ns_of(s, name)
                .and_then(|ns| ns.functions.get_mut(&function.identity()))
                .ok_or_else(missing)?
                .comment
        }
        T::Trigger { trigger } => {
            &mut ns_of(s, &trigger.table)
                .and_then(|ns| ns.triggers.get_mut(&trigger.key()))
                .ok_or_else(missing)?
                .comment
        }
        T::Policy { table, name } => {
            &mut s
                .table_mut(table)
                .and_then(|t| t.policies.iter_mut().find(|p| &p.name == name))
                .ok_or_else(missing)?
                .comment
        }
        T::Index { table, name } => {
            let view_index = s.table(table).is_none();
            if view_index {
                &mut s
                    .view_mut(table)
                    .and_then(|v| v.indexes.iter_mut().find(|i| &i.name == name))
                    .ok_or_else(missing)?
                    .comment
            } else {
                &mut s
                    .table_mut(table)
                    .and_then(|t| t.indexes.iter_mut().find(|i| &i.name == name))
                    .ok_or_else(missing)?
                    .comment
            }
        }
        T::Rule { rule } => {
            &mut ns_of(s, &rule.table)
                .and_then(|ns| ns.rules.get_mut(&rule.key()))
                .ok_or_else(missing)?
                .comment
        }
    };
    *slot = to;
    Ok(())
}

fn columns_exist(
    t: &Table,
    cols: &[String],
    table: &QualifiedName,
    cx: &Ctx,
) -> Result<(), SimulateError> {
    match cols.iter().find(|c| !t.columns.contains_key(*c)) {
        Some(c) => Err(cx.missing(format!("column {table}.{c}"))),
        None => Ok(()),
    }
}

/// Name collisions inside a table. MySQL keeps index names apart from foreign key and check
/// names (a foreign key's implicit index takes the key's name); PostgreSQL backs primary keys
/// and uniques with indexes of the same name.
fn name_free(
    t: &Table,
    name: Option<&str>,
    is_index: bool,
    dialect: Dialect,
    table: &QualifiedName,
    cx: &Ctx,
) -> Result<(), SimulateError> {
    let Some(n) = name else { return Ok(()) };
    let index_names = t.indexes.iter().map(|i| i.name.as_str());
    let key_names = t
        .primary_key
        .iter()
        .filter_map(|p| p.name.as_deref())
        .chain(t.uniques.iter().filter_map(|u| u.name.as_deref()));
    let other_names = t
        .foreign_keys
        .iter()
        .filter_map(|f| f.name.as_deref())
        .chain(t.checks.iter().filter_map(|c| c.name.as_deref()));
    let taken = match (dialect, is_index) {
        (Dialect::Mysql, true) => index_names.chain(key_names).any(|x| x == n),
        (Dialect::Mysql, false) => other_names.chain(key_names).any(|x| x == n),
        _ => t.constraint_names().any(|x| x == n),
    };
    if taken {
        Err(cx.exists(format!("constraint or index {n} on {table}")))
    } else {
        Ok(())
    }
}

fn index_columns(index: &migrex_model::Index) -> Vec<String> {
    index
        .parts
        .iter()
        .filter_map(|p| match &p.key {
            IndexKey::Column(c) => Some(c.clone()),
            IndexKey::Expr(_) => None,
        })
        .collect()
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// PostgreSQL: a primary key, unique constraint or plain unique index on exactly these columns.
fn has_unique_key(t: &Table, cols: &[String]) -> bool {
    t.primary_key
        .as_ref()
        .is_some_and(|p| same_set(&p.columns, cols))
        || t.uniques.iter().any(|u| same_set(&u.columns, cols))
        || t.indexes.iter().any(|i| {
            i.unique
                && i.predicate.is_none()
                && index_columns(i).len() == i.parts.len()
                && same_set(&index_columns(i), cols)
        })
}

/// MySQL: any key whose leading columns are these columns.
fn has_leading_index(t: &Table, cols: &[String]) -> bool {
    let leads = |key: &[String]| key.len() >= cols.len() && same_set(&key[..cols.len()], cols);
    t.primary_key.as_ref().is_some_and(|p| leads(&p.columns))
        || t.uniques.iter().any(|u| leads(&u.columns))
        || t.indexes.iter().any(|i| leads(&index_columns(i)))
}

/// The foreign key's target must exist (PostgreSQL and MySQL check it when the key is created;
/// SQLite does not). `creating` is the table being created, for self-references.
fn check_fk_target(
    s: &Schema,
    table: &QualifiedName,
    creating: Option<&Table>,
    fk: &ForeignKey,
    cx: &Ctx,
) -> Result<(), SimulateError> {
    if s.dialect == Dialect::Sqlite {
        return Ok(());
    }
    let target = if &fk.ref_table == table {
        creating.or_else(|| s.table(table))
    } else {
        s.table(&fk.ref_table)
    };
    let Some(target) = target else {
        return Err(cx.missing(format!(
            "table {} (referenced by a foreign key of {table})",
            fk.ref_table
        )));
    };
    columns_exist(target, &fk.ref_columns, &fk.ref_table, cx)?;
    let keyed = match s.dialect {
        Dialect::Postgres => has_unique_key(target, &fk.ref_columns),
        _ => has_leading_index(target, &fk.ref_columns),
    };
    if !keyed {
        return Err(cx.missing(format!(
            "a unique key on {}({}) for the foreign key of {table}",
            fk.ref_table,
            fk.ref_columns.join(", ")
        )));
    }
    Ok(())
}

/// Dropping a key that a foreign key needs fails in PostgreSQL (unless another key covers it).
fn check_key_unreferenced(
    s: &Schema,
    table: &QualifiedName,
    cols: &[String],
    cx: &Ctx,
) -> Result<(), SimulateError> {
    if s.dialect != Dialect::Postgres {
        return Ok(());
    }
    for (tq, t) in s.tables() {
        for fk in &t.foreign_keys {
            if &fk.ref_table != table || !same_set(&fk.ref_columns, cols) {
                continue;
            }
            // Another key on the same columns keeps the reference valid.
            let Some(target) = s.table(table) else {
                continue;
            };
            let covering = target
                .primary_key
                .iter()
                .map(|p| &p.columns)
                .chain(target.uniques.iter().map(|u| &u.columns))
                .filter(|c| same_set(c, cols))
                .count()
                + target
                    .indexes
                    .iter()
                    .filter(|i| i.unique && i.predicate.is_none())
                    .filter(|i| same_set(&index_columns(i), cols))
                    .count();
            if covering <= 1 {
                return Err(cx.used(
                    format!("key ({}) of {table}", cols.join(", ")),
                    format!("a foreign key of {tq}"),
                ));
            }
        }
    }
    Ok(())
}

fn check_table_unused(s: &Schema, name: &QualifiedName, cx: &Ctx) -> Result<(), SimulateError> {
    if s.dialect != Dialect::Sqlite {
        for (tq, t) in s.tables() {
            if &tq != name && t.foreign_keys.iter().any(|f| &f.ref_table == name) {
                return Err(cx.used(format!("table {name}"), format!("a foreign key of {tq}")));
            }
        }
    }
    if let Some((vq, _)) = s.views().find(|(_, v)| v.depends_on.contains(name)) {
        return Err(cx.used(format!("table {name}"), format!("view {vq}")));
    }
    for (ns_name, ns) in &s.namespaces {
        for (sq, seq) in &ns.sequences {
            if seq.owned_by.as_ref().is_some_and(|(t, _)| t == name) {
                return Err(cx.used(
                    format!("table {name}"),
                    format!("sequence {ns_name}.{sq} (owned by it: dropping the table would drop the sequence)"),
                ));
            }
        }
    }
    Ok(())
}

fn check_column_unused(
    s: &Schema,
    table: &QualifiedName,
    t: &Table,
    col: &str,
    cx: &Ctx,
) -> Result<(), SimulateError> {
    let object = || format!("column {table}.{col}");
    let has = |cols: &[String]| cols.iter().any(|c| c == col);
    if t.primary_key.as_ref().is_some_and(|p| has(&p.columns)) {
        return Err(cx.used(object(), "the primary key"));
    }
    if let Some(u) = t.uniques.iter().find(|u| has(&u.columns)) {
        return Err(cx.used(object(), format!("unique ({})", u.columns.join(", "))));
    }
    for i in &t.indexes {
        let uses = i.parts.iter().any(|p| match &p.key {
            IndexKey::Column(c) => c == col,
            IndexKey::Expr(e) => mentions(&e.key, col),
        }) || has(&i.include)
            || i.predicate.as_ref().is_some_and(|p| mentions(&p.key, col));
        if uses {
            return Err(cx.used(object(), format!("index {}", i.name)));
        }
    }
    if t.foreign_keys.iter().any(|f| has(&f.columns)) {
        return Err(cx.used(object(), "a foreign key"));
    }
    if let Some(c) = t.checks.iter().find(|c| mentions(&c.expr.key, col)) {
        return Err(cx.used(object(), format!("check ({})", c.expr)));
    }
    if let Some(other) = t.columns.values().find(|c| {
        c.name != col
            && c.generated
                .as_ref()
                .is_some_and(|g| mentions(&g.expr.key, col))
    }) {
        return Err(cx.used(object(), format!("generated column {}", other.name)));
    }
    for (tq, other) in s.tables() {
        if other
            .foreign_keys
            .iter()
            .any(|f| &f.ref_table == table && has(&f.ref_columns))
        {
            return Err(cx.used(object(), format!("a foreign key of {tq}")));
        }
    }
    for (ns_name, ns) in &s.namespaces {
        for (sq, seq) in &ns.sequences {
            if seq
                .owned_by
                .as_ref()
                .is_some_and(|(ot, oc)| ot == table && oc == col)
            {
                return Err(cx.used(object(), format!("sequence {ns_name}.{sq} (owned by it)")));
            }
        }
    }
    Ok(())
}

/// A foreign key that has this column on either side.
fn fk_using_column(s: &Schema, table: &QualifiedName, col: &str) -> Option<String> {
    for (tq, t) in s.tables() {
        for fk in &t.foreign_keys {
            if (&tq == table && fk.columns.iter().any(|c| c == col))
                || (&fk.ref_table == table && fk.ref_columns.iter().any(|c| c == col))
            {
                return Some(format!(
                    "foreign key {} of {tq}",
                    fk.name.as_deref().unwrap_or("(unnamed)")
                ));
            }
        }
    }
    None
}

fn check_sequence_owner(
    s: &Schema,
    owner: Option<&(QualifiedName, String)>,
    cx: &Ctx,
) -> Result<(), SimulateError> {
    if let Some((table, col)) = owner {
        let t = s
            .table(table)
            .ok_or_else(|| cx.missing(format!("table {table} (owner of a sequence)")))?;
        if !t.columns.contains_key(col) {
            return Err(cx.missing(format!("column {table}.{col} (owner of a sequence)")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{Column, ColumnType, FkAction, Phase, PrimaryKey, Step};

    fn qn(n: &str) -> QualifiedName {
        QualifiedName::new("public", n)
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            dialect: Dialect::Postgres,
            steps: changes
                .into_iter()
                .enumerate()
                .map(|(id, change)| Step {
                    id,
                    change,
                    phase: Phase::Expand,
                    depends_on: vec![],
                    transactional: true,
                })
                .collect(),
            notes: vec![],
        }
    }

    fn keyed(name: &str) -> Table {
        let mut t = Table::new(name);
        t.columns
            .insert("id".into(), Column::new("id", ColumnType::int(4)));
        t.primary_key = Some(PrimaryKey {
            name: Some(format!("{name}_pkey")),
            columns: vec!["id".into()],
        });
        t
    }

    fn fk_to(target: &str) -> ForeignKey {
        ForeignKey {
            name: Some("fk".into()),
            columns: vec!["id".into()],
            ref_table: qn(target),
            ref_columns: vec!["id".into()],
            on_delete: FkAction::NoAction,
            on_update: FkAction::NoAction,
            deferrable: None,
            match_full: false,
        }
    }

    #[test]
    fn creates_in_default_namespace_but_not_in_missing_ones() {
        let s = Schema::new(Dialect::Postgres);
        let ok = run(
            &s,
            &plan(vec![Change::CreateTable {
                name: qn("a"),
                table: keyed("a"),
            }]),
        )
        .unwrap();
        assert!(ok.table(&qn("a")).is_some());
        let err = run(
            &s,
            &plan(vec![Change::CreateTable {
                name: QualifiedName::new("app", "a"),
                table: keyed("a"),
            }]),
        )
        .unwrap_err();
        assert!(
            matches!(err, SimulateError::Missing { step: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn foreign_keys_need_their_target_and_key() {
        let s = Schema::new(Dialect::Postgres);
        let mut child = keyed("child");
        child.foreign_keys.push(fk_to("parent"));
        let err = run(
            &s,
            &plan(vec![Change::CreateTable {
                name: qn("child"),
                table: child.clone(),
            }]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("parent"), "{err}");
        let mut parent = keyed("parent");
        parent.primary_key = None;
        let err = run(
            &s,
            &plan(vec![
                Change::CreateTable {
                    name: qn("parent"),
                    table: parent,
                },
                Change::CreateTable {
                    name: qn("child"),
                    table: child.clone(),
                },
            ]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unique key"), "{err}");
        // SQLite checks nothing in DDL.
        let s = Schema::new(Dialect::Sqlite);
        let mut p = plan(vec![Change::CreateTable {
            name: QualifiedName::new("", "child"),
            table: child,
        }]);
        p.dialect = Dialect::Sqlite;
        assert!(run(&s, &p).is_ok());
    }

    #[test]
    fn drops_refuse_what_is_still_used() {
        let mut s = Schema::new(Dialect::Postgres);
        let mut child = keyed("child");
        child.foreign_keys.push(fk_to("parent"));
        let ns = s.namespace_mut("public");
        ns.tables.insert("parent".into(), keyed("parent"));
        ns.tables.insert("child".into(), child.clone());
        let drop_parent = Change::DropTable {
            name: qn("parent"),
            table: keyed("parent"),
        };
        assert!(matches!(
            run(&s, &plan(vec![drop_parent.clone()])).unwrap_err(),
            SimulateError::StillUsed { .. }
        ));
        let drop_pk = Change::DropPrimaryKey {
            table: qn("parent"),
            primary_key: keyed("parent").primary_key.unwrap(),
        };
        assert!(matches!(
            run(&s, &plan(vec![drop_pk])).unwrap_err(),
            SimulateError::StillUsed { .. }
        ));
        let drop_col = Change::DropColumn {
            table: qn("child"),
            column: Column::new("id", ColumnType::int(4)),
        };
        assert!(matches!(
            run(&s, &plan(vec![drop_col])).unwrap_err(),
            SimulateError::StillUsed { .. }
        ));
        let ok = run(
            &s,
            &plan(vec![
                Change::DropTable {
                    name: qn("child"),
                    table: child,
                },
                drop_parent,
                Change::DropNamespace {
                    name: "public".into(),
                },
            ]),
        )
        .unwrap();
        assert!(ok.namespaces.is_empty());
    }

    #[test]
    fn renames_and_enum_values() {
        let mut s = Schema::new(Dialect::Postgres);
        s.namespace_mut("public").enums.insert(
            "e".into(),
            migrex_model::EnumType {
                name: "e".into(),
                values: vec!["a".into(), "c".into()],
                comment: None,
            },
        );
        s.namespace_mut("public")
            .tables
            .insert("t".into(), keyed("t"));
        let out = run(
            &s,
            &plan(vec![
                Change::AddEnumValue {
                    name: qn("e"),
                    value: "b".into(),
                    before: Some("c".into()),
                },
                Change::RenameTable {
                    from: qn("t"),
                    to: qn("u"),
                },
                Change::RenameConstraint {
                    table: qn("u"),
                    from: "t_pkey".into(),
                    to: "u_pkey".into(),
                },
            ]),
        )
        .unwrap();
        assert_eq!(out.namespaces["public"].enums["e"].values, ["a", "b", "c"]);
        assert_eq!(
            out.table(&qn("u"))
                .unwrap()
                .primary_key
                .as_ref()
                .unwrap()
                .name
                .as_deref(),
            Some("u_pkey")
        );
        let err = run(
            &s,
            &plan(vec![Change::AddEnumValue {
                name: qn("e"),
                value: "a".into(),
                before: None,
            }]),
        )
        .unwrap_err();
        assert!(matches!(err, SimulateError::AlreadyExists { .. }));
    }
}
