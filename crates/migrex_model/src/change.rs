//! The change vocabulary shared by diff, plan, render, safety and apply.
//!
//! A `Change` carries whole objects (not just names) on both sides, so every change has a
//! reverse and a renderer never has to look anything up.

use crate::{
    Check, Column, Dialect, EnumType, ForeignKey, Index, PrimaryKey, QualifiedName, Schema,
    Sequence, Table, TableOptions, UniqueConstraint, View, Warning,
};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One atomic schema change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    CreateNamespace {
        name: String,
    },
    DropNamespace {
        name: String,
    },
    /// PostgreSQL `COMMENT ON SCHEMA`.
    SetNamespaceComment {
        name: String,
        from: Option<String>,
        to: Option<String>,
    },
    CreateEnum {
        name: QualifiedName,
        enum_type: EnumType,
    },
    DropEnum {
        name: QualifiedName,
        enum_type: EnumType,
    },
    /// PostgreSQL `ALTER TYPE ... ADD VALUE` (cannot run inside a transaction before PG 12 and
    /// its value cannot be used in the same transaction).
    AddEnumValue {
        name: QualifiedName,
        value: String,
        before: Option<String>,
    },
    CreateSequence {
        name: QualifiedName,
        sequence: Sequence,
    },
    DropSequence {
        name: QualifiedName,
        sequence: Sequence,
    },
    AlterSequence {
        name: QualifiedName,
        from: Sequence,
        to: Sequence,
    },
    /// Create a table. Foreign keys the planner moved to later steps are absent from `table`.
    CreateTable {
        name: QualifiedName,
        table: Table,
    },
    DropTable {
        name: QualifiedName,
        table: Table,
    },
    RenameTable {
        from: QualifiedName,
        to: QualifiedName,
    },
    AddColumn {
        table: QualifiedName,
        column: Column,
    },
    DropColumn {
        table: QualifiedName,
        column: Column,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
    },
    AlterColumn {
        table: QualifiedName,
        from: Column,
        to: Column,
    },
    AddPrimaryKey {
        table: QualifiedName,
        primary_key: PrimaryKey,
    },
    DropPrimaryKey {
        table: QualifiedName,
        primary_key: PrimaryKey,
    },
    AddUnique {
        table: QualifiedName,
        unique: UniqueConstraint,
    },
    DropUnique {
        table: QualifiedName,
        unique: UniqueConstraint,
    },
    AddForeignKey {
        table: QualifiedName,
        foreign_key: ForeignKey,
    },
    DropForeignKey {
        table: QualifiedName,
        foreign_key: ForeignKey,
    },
    AddCheck {
        table: QualifiedName,
        check: Check,
    },
    DropCheck {
        table: QualifiedName,
        check: Check,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    DropIndex {
        table: QualifiedName,
        index: Index,
    },
    RenameIndex {
        table: QualifiedName,
        from: String,
        to: String,
    },
    RenameConstraint {
        table: QualifiedName,
        from: String,
        to: String,
    },
    SetTableComment {
        table: QualifiedName,
        from: Option<String>,
        to: Option<String>,
    },
    AlterTableOptions {
        table: QualifiedName,
        from: TableOptions,
        to: TableOptions,
    },
    /// SQLite: what ALTER TABLE cannot do, done by the documented 12-step rebuild (create the new
    /// table, copy rows, drop the old one, rename). `from` and `to` are the whole definitions;
    /// columns are matched by name (renames are applied to `from` before the rebuild).
    RebuildTable {
        name: QualifiedName,
        from: Table,
        to: Table,
    },
    CreateView {
        name: QualifiedName,
        view: View,
    },
    DropView {
        name: QualifiedName,
        view: View,
    },
    SetViewComment {
        name: QualifiedName,
        materialized: bool,
        from: Option<String>,
        to: Option<String>,
    },
}

impl Change {
    /// The table a table-scoped change acts on (by its name after a rename).
    pub fn table(&self) -> Option<&QualifiedName> {
        use Change::*;
        match self {
            CreateTable { name, .. } | DropTable { name, .. } | RebuildTable { name, .. } => {
                Some(name)
            }
            RenameTable { to, .. } => Some(to),
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumn { table, .. }
            | AddPrimaryKey { table, .. }
            | DropPrimaryKey { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | RenameIndex { table, .. }
            | RenameConstraint { table, .. }
            | SetTableComment { table, .. }
            | AlterTableOptions { table, .. } => Some(table),
            CreateNamespace { .. }
            | DropNamespace { .. }
            | SetNamespaceComment { .. }
            | CreateEnum { .. }
            | DropEnum { .. }
            | AddEnumValue { .. }
            | CreateSequence { .. }
            | DropSequence { .. }
            | AlterSequence { .. }
            | CreateView { .. }
            | DropView { .. }
            | SetViewComment { .. } => None,
        }
    }

    /// The object this change acts on: its table, or the enum, sequence or view it names.
    pub fn subject(&self) -> Option<&QualifiedName> {
        use Change::*;
        match self {
            CreateEnum { name, .. }
            | DropEnum { name, .. }
            | AddEnumValue { name, .. }
            | CreateSequence { name, .. }
            | DropSequence { name, .. }
            | AlterSequence { name, .. }
            | CreateView { name, .. }
            | DropView { name, .. }
            | SetViewComment { name, .. } => Some(name),
            other => other.table(),
        }
    }

    /// True when applying the change can lose stored data.
    pub fn loses_data(&self) -> bool {
        use Change::*;
        match self {
            DropTable { .. } | DropColumn { .. } | DropSequence { .. } => true,
            AlterColumn { from, to, .. } => from.ty != to.ty,
            RebuildTable { from, to, .. } => {
                from.columns.keys().any(|c| !to.columns.contains_key(c))
                    || from
                        .columns
                        .iter()
                        .any(|(n, c)| to.columns.get(n).is_some_and(|t| t.ty != c.ty))
            }
            _ => false,
        }
    }

    /// A short human description: `add column users.email`.
    pub fn describe(&self) -> String {
        use Change::*;
        match self {
            CreateNamespace { name } => format!("create schema {name}"),
            DropNamespace { name } => format!("drop schema {name}"),
            SetNamespaceComment { name, .. } => format!("set comment on schema {name}"),
            CreateEnum { name, .. } => format!("create enum {name}"),
            DropEnum { name, .. } => format!("drop enum {name}"),
            AddEnumValue { name, value, .. } => format!("add value '{value}' to enum {name}"),
            CreateSequence { name, .. } => format!("create sequence {name}"),
            DropSequence { name, .. } => format!("drop sequence {name}"),
            AlterSequence { name, .. } => format!("alter sequence {name}"),
            CreateTable { name, .. } => format!("create table {name}"),
            DropTable { name, .. } => format!("drop table {name}"),
            RenameTable { from, to } => format!("rename table {from} to {}", to.name),
            AddColumn { table, column } => format!("add column {table}.{}", column.name),
            DropColumn { table, column } => format!("drop column {table}.{}", column.name),
            RenameColumn { table, from, to } => format!("rename column {table}.{from} to {to}"),
            AlterColumn { table, to, .. } => format!("alter column {table}.{}", to.name),
            AddPrimaryKey { table, .. } => format!("add primary key on {table}"),
            DropPrimaryKey { table, .. } => format!("drop primary key on {table}"),
            AddUnique { table, unique } => {
                format!("add unique ({}) on {table}", unique.columns.join(", "))
            }
            DropUnique { table, unique } => {
                format!("drop unique ({}) on {table}", unique.columns.join(", "))
            }
            AddForeignKey { table, foreign_key } => {
                format!(
                    "add foreign key {table}({}) -> {}",
                    foreign_key.columns.join(", "),
                    foreign_key.ref_table
                )
            }
            DropForeignKey { table, foreign_key } => {
                format!(
                    "drop foreign key {table}({}) -> {}",
                    foreign_key.columns.join(", "),
                    foreign_key.ref_table
                )
            }
            AddCheck { table, check } => format!("add check ({}) on {table}", check.expr),
            DropCheck { table, check } => format!("drop check ({}) on {table}", check.expr),
            CreateIndex { table, index } => format!("create index {} on {table}", index.name),
            DropIndex { table, index } => format!("drop index {} on {table}", index.name),
            RenameIndex { table, from, to } => format!("rename index {from} to {to} on {table}"),
            RenameConstraint { table, from, to } => {
                format!("rename constraint {from} to {to} on {table}")
            }
            SetTableComment { table, .. } => format!("set comment on table {table}"),
            AlterTableOptions { table, .. } => format!("alter options of table {table}"),
            RebuildTable { name, .. } => format!("rebuild table {name}"),
            CreateView { name, view } => {
                format!(
                    "create {}view {name}",
                    if view.materialized {
                        "materialized "
                    } else {
                        ""
                    }
                )
            }
            DropView { name, view } => {
                format!(
                    "drop {}view {name}",
                    if view.materialized {
                        "materialized "
                    } else {
                        ""
                    }
                )
            }
            SetViewComment { name, .. } => format!("set comment on view {name}"),
        }
    }
}

/// The phase a step belongs to in an expand/contract rollout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[default]
    Expand,
    Backfill,
    Contract,
}

/// One ordered step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: usize,
    pub change: Change,
    pub phase: Phase,
    /// Steps that must run before this one.
    pub depends_on: Vec<usize>,
    /// Whether the step may run inside a transaction.
    pub transactional: bool,
}

/// An ordered migration from one schema to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub dialect: Dialect,
    pub steps: Vec<Step>,
    /// Things the planner could not do or wants the user to know (rename candidates, lossy steps).
    pub notes: Vec<String>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Renames the user declared (`-- @renamed from=old` hints) or confirmed interactively.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Renames {
    /// old table name -> new table name
    pub tables: IndexMap<QualifiedName, QualifiedName>,
    /// (table by its new name, old column) -> new column
    pub columns: IndexMap<(QualifiedName, String), String>,
}

impl Renames {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.columns.is_empty()
    }

    /// The same renames seen from the other side (for the down migration).
    pub fn reversed(&self) -> Renames {
        let tables: IndexMap<_, _> = self
            .tables
            .iter()
            .map(|(a, b)| (b.clone(), a.clone()))
            .collect();
        let columns = self
            .columns
            .iter()
            .map(|((table, old), new)| {
                let old_table = self
                    .tables
                    .iter()
                    .find(|(_, to)| *to == table)
                    .map(|(from, _)| from.clone())
                    .unwrap_or_else(|| table.clone());
                ((old_table, new.clone()), old.clone())
            })
            .collect();
        Renames { tables, columns }
    }
}

/// Where an object came from: `file:line:column` for DDL files, the redacted URL for live databases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// object path (`table public.users`, `column public.users.email`) -> location
    pub locations: IndexMap<String, String>,
}

/// What every source returns: the schema, the renames it declared, what it could not hold, and
/// where each object came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Loaded {
    pub schema: Schema,
    pub renames: Renames,
    pub warnings: Vec<Warning>,
    pub provenance: Provenance,
}
