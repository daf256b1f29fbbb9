//! The change vocabulary shared by diff, plan, render, safety and apply.
//!
//! A `Change` carries whole objects (not just names) on both sides, so every change has a
//! reverse and a renderer never has to look anything up.

use crate::{
    Check, Column, CompositeType, Dialect, Domain, EnumType, Exclusion, Extension, ForeignKey,
    Function, Index, PartitionOf, Partitioning, Policy, PrimaryKey, QualifiedName, Rule, Schema,
    Sequence, Table, TableOptions, Trigger, UniqueConstraint, View, Warning,
};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One atomic schema change.
// Changes are built once per plan and moved whole into steps; boxing the large variants would
// only make every constructor and match noisier.
#[allow(clippy::large_enum_variant)]
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
    /// PostgreSQL `ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE`.
    AddExclusion {
        table: QualifiedName,
        exclusion: Exclusion,
    },
    DropExclusion {
        table: QualifiedName,
        exclusion: Exclusion,
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
    /// PostgreSQL: an enum whose values were removed or reordered. Done by renaming the old type
    /// away, creating the new one, converting every column that uses it (`columns`, with their
    /// defaults) through text, and dropping the old type.
    RecreateEnum {
        name: QualifiedName,
        from: EnumType,
        to: EnumType,
        /// The columns of the new schema typed by the enum (or an array of it).
        columns: Vec<(QualifiedName, Column)>,
    },
    CreateExtension {
        extension: Extension,
    },
    DropExtension {
        extension: Extension,
    },
    /// `ALTER EXTENSION ... UPDATE TO` / `SET SCHEMA`.
    AlterExtension {
        from: Extension,
        to: Extension,
    },
    CreateDomain {
        name: QualifiedName,
        domain: Domain,
    },
    DropDomain {
        name: QualifiedName,
        domain: Domain,
    },
    /// Default, NOT NULL and checks of a domain (`ALTER DOMAIN`); the base type cannot change.
    AlterDomain {
        name: QualifiedName,
        from: Domain,
        to: Domain,
    },
    CreateCompositeType {
        name: QualifiedName,
        composite: CompositeType,
    },
    DropCompositeType {
        name: QualifiedName,
        composite: CompositeType,
    },
    /// `ALTER TYPE ... ADD/DROP/ALTER ATTRIBUTE`.
    AlterCompositeType {
        name: QualifiedName,
        from: CompositeType,
        to: CompositeType,
    },
    /// `name.name` is the routine's name (not its identity); the identity is in `function`.
    CreateFunction {
        name: QualifiedName,
        function: Function,
    },
    DropFunction {
        name: QualifiedName,
        function: Function,
    },
    /// Same identity and return type, new body or attributes: `CREATE OR REPLACE` (PostgreSQL),
    /// drop and create (MySQL).
    ReplaceFunction {
        name: QualifiedName,
        from: Function,
        to: Function,
    },
    CreateTrigger {
        trigger: Trigger,
    },
    DropTrigger {
        trigger: Trigger,
    },
    CreatePolicy {
        table: QualifiedName,
        policy: Policy,
    },
    DropPolicy {
        table: QualifiedName,
        policy: Policy,
    },
    /// `ALTER POLICY`: roles, USING and WITH CHECK (command and permissiveness cannot change).
    AlterPolicy {
        table: QualifiedName,
        from: Policy,
        to: Policy,
    },
    /// PostgreSQL `ALTER TABLE parent ATTACH PARTITION table FOR VALUES ...`.
    AttachPartition {
        table: QualifiedName,
        partition_of: PartitionOf,
    },
    /// PostgreSQL `ALTER TABLE parent DETACH PARTITION table`.
    DetachPartition {
        table: QualifiedName,
        partition_of: PartitionOf,
    },
    /// MySQL: `ALTER TABLE ... PARTITION BY ...` (to `Some`), `REMOVE PARTITIONING` (to `None`),
    /// or ADD/DROP PARTITION when only trailing RANGE/LIST partitions differ.
    AlterPartitioning {
        table: QualifiedName,
        from: Option<Partitioning>,
        to: Option<Partitioning>,
    },
    /// PostgreSQL `CREATE RULE`.
    CreateRule {
        rule: Rule,
    },
    DropRule {
        rule: Rule,
    },
    /// PostgreSQL `ALTER TABLE|MATERIALIZED VIEW ... CLUSTER ON index` (to `Some`) or
    /// `SET WITHOUT CLUSTER` (to `None`): only the catalog mark, no CLUSTER is run.
    SetClusterOn {
        table: QualifiedName,
        materialized_view: bool,
        from: Option<String>,
        to: Option<String>,
    },
    /// `COMMENT ON` an object that has no comment change of its own.
    SetComment {
        target: CommentTarget,
        from: Option<String>,
        to: Option<String>,
    },
    /// A step of an online plan (`diff --online`), see `crate::online`.
    Online {
        table: QualifiedName,
        operation: crate::OnlineOp,
    },
    /// A data step of a refactor (rows updated, copied, checked), see `crate::data`.
    Data {
        table: QualifiedName,
        operation: crate::DataOp,
    },
}

/// The object of a `SetComment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CommentTarget {
    Enum {
        name: QualifiedName,
    },
    Sequence {
        name: QualifiedName,
    },
    Domain {
        name: QualifiedName,
    },
    CompositeType {
        name: QualifiedName,
    },
    Extension {
        name: String,
    },
    /// The function with its identity (`name(integer, text)`) for the `COMMENT ON FUNCTION`.
    Function {
        name: QualifiedName,
        function: Function,
    },
    Trigger {
        trigger: Trigger,
    },
    Policy {
        table: QualifiedName,
        name: String,
    },
    Index {
        table: QualifiedName,
        name: String,
    },
    Rule {
        rule: Rule,
    },
}

impl CommentTarget {
    pub fn describe(&self) -> String {
        match self {
            CommentTarget::Enum { name } => format!("enum {name}"),
            CommentTarget::Sequence { name } => format!("sequence {name}"),
            CommentTarget::Domain { name } => format!("domain {name}"),
            CommentTarget::CompositeType { name } => format!("type {name}"),
            CommentTarget::Extension { name } => format!("extension {name}"),
            CommentTarget::Function { name, function } => {
                format!("function {}.{}", name.namespace, function.identity())
            }
            CommentTarget::Trigger { trigger } => {
                format!("trigger {} on {}", trigger.name, trigger.table)
            }
            CommentTarget::Policy { table, name } => format!("policy {name} on {table}"),
            CommentTarget::Index { table, name } => format!("index {name} on {table}"),
            CommentTarget::Rule { rule } => format!("rule {} on {}", rule.name, rule.table),
        }
    }
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
            | AddExclusion { table, .. }
            | DropExclusion { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | RenameIndex { table, .. }
            | RenameConstraint { table, .. }
            | SetTableComment { table, .. }
            | AlterTableOptions { table, .. }
            | CreatePolicy { table, .. }
            | DropPolicy { table, .. }
            | AlterPolicy { table, .. }
            | AttachPartition { table, .. }
            | DetachPartition { table, .. }
            | AlterPartitioning { table, .. }
            | SetClusterOn { table, .. }
            | Online { table, .. }
            | Data { table, .. } => Some(table),
            CreateTrigger { trigger } | DropTrigger { trigger } => Some(&trigger.table),
            CreateRule { rule } | DropRule { rule } => Some(&rule.table),
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
            | SetViewComment { .. }
            | RecreateEnum { .. }
            | CreateExtension { .. }
            | DropExtension { .. }
            | AlterExtension { .. }
            | CreateDomain { .. }
            | DropDomain { .. }
            | AlterDomain { .. }
            | CreateCompositeType { .. }
            | DropCompositeType { .. }
            | AlterCompositeType { .. }
            | CreateFunction { .. }
            | DropFunction { .. }
            | ReplaceFunction { .. }
            | SetComment { .. } => None,
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
            | SetViewComment { name, .. }
            | RecreateEnum { name, .. }
            | CreateDomain { name, .. }
            | DropDomain { name, .. }
            | AlterDomain { name, .. }
            | CreateCompositeType { name, .. }
            | DropCompositeType { name, .. }
            | AlterCompositeType { name, .. }
            | CreateFunction { name, .. }
            | DropFunction { name, .. }
            | ReplaceFunction { name, .. } => Some(name),
            other => other.table(),
        }
    }

    /// True when applying the change can lose stored data.
    pub fn loses_data(&self) -> bool {
        use Change::*;
        match self {
            DropTable { .. } | DropColumn { .. } | DropSequence { .. } => true,
            // Values of a removed label have nowhere to go.
            RecreateEnum { from, to, .. } => from.values.iter().any(|v| !to.values.contains(v)),
            DetachPartition { .. } => false,
            AlterPartitioning { from, to, .. } => from.as_ref().is_some_and(|f| {
                to.as_ref().is_some_and(|t| {
                    f.partitions
                        .iter()
                        .any(|p| !t.partitions.iter().any(|q| q.name == p.name))
                })
            }),
            DropExtension { .. } => true,
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
            AddExclusion { table, exclusion } => {
                format!("add exclusion constraint {} on {table}", exclusion.name)
            }
            DropExclusion { table, exclusion } => {
                format!("drop exclusion constraint {} on {table}", exclusion.name)
            }
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
            RecreateEnum { name, .. } => format!("recreate enum {name} with new values"),
            CreateExtension { extension } => format!("create extension {}", extension.name),
            DropExtension { extension } => format!("drop extension {}", extension.name),
            AlterExtension { to, .. } => format!("alter extension {}", to.name),
            CreateDomain { name, .. } => format!("create domain {name}"),
            DropDomain { name, .. } => format!("drop domain {name}"),
            AlterDomain { name, .. } => format!("alter domain {name}"),
            CreateCompositeType { name, .. } => format!("create type {name}"),
            DropCompositeType { name, .. } => format!("drop type {name}"),
            AlterCompositeType { name, .. } => format!("alter type {name}"),
            CreateFunction { name, function } => {
                format!(
                    "create {} {}.{}",
                    routine(function),
                    name.namespace,
                    function.identity()
                )
            }
            DropFunction { name, function } => {
                format!(
                    "drop {} {}.{}",
                    routine(function),
                    name.namespace,
                    function.identity()
                )
            }
            ReplaceFunction { name, to, .. } => {
                format!(
                    "replace {} {}.{}",
                    routine(to),
                    name.namespace,
                    to.identity()
                )
            }
            CreateTrigger { trigger } => {
                format!("create trigger {} on {}", trigger.name, trigger.table)
            }
            DropTrigger { trigger } => {
                format!("drop trigger {} on {}", trigger.name, trigger.table)
            }
            CreatePolicy { table, policy } => format!("create policy {} on {table}", policy.name),
            DropPolicy { table, policy } => format!("drop policy {} on {table}", policy.name),
            AlterPolicy { table, to, .. } => format!("alter policy {} on {table}", to.name),
            AttachPartition {
                table,
                partition_of,
            } => format!("attach partition {table} to {}", partition_of.parent),
            DetachPartition {
                table,
                partition_of,
            } => format!("detach partition {table} from {}", partition_of.parent),
            AlterPartitioning { table, .. } => format!("alter partitioning of {table}"),
            CreateRule { rule } => format!("create rule {} on {}", rule.name, rule.table),
            DropRule { rule } => format!("drop rule {} on {}", rule.name, rule.table),
            SetClusterOn { table, to, .. } => match to {
                Some(i) => format!("mark index {i} for CLUSTER on {table}"),
                None => format!("remove the CLUSTER mark on {table}"),
            },
            SetComment { target, .. } => format!("set comment on {}", target.describe()),
            Online { table, operation } => operation.describe(table),
            Data { table, operation } => operation.describe(table),
        }
    }
}

fn routine(f: &Function) -> &'static str {
    match f.kind {
        crate::RoutineKind::Function => "function",
        crate::RoutineKind::Procedure => "procedure",
        crate::RoutineKind::Aggregate => "aggregate",
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

    /// Records a confirmed table or column candidate; index and constraint candidates need no
    /// record (the differ renames them by content). Returns false for those.
    pub fn confirm(&mut self, c: &RenameCandidate) -> bool {
        match c.kind {
            RenameKind::Table => {
                self.tables.insert(c.from_table.clone(), c.table.clone());
            }
            RenameKind::Column => {
                self.columns
                    .insert((c.table.clone(), c.from.clone()), c.to.clone());
            }
            RenameKind::Index | RenameKind::Constraint => return false,
        }
        true
    }
}

/// What a likely rename renames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenameKind {
    Table,
    Column,
    Index,
    Constraint,
}

impl RenameKind {
    /// Table and column renames keep or lose data depending on the answer, so they are asked
    /// (or warned about); an index or constraint with the same definition under a new name is
    /// renamed without asking.
    pub fn asks(self) -> bool {
        matches!(self, RenameKind::Table | RenameKind::Column)
    }
}

impl std::fmt::Display for RenameKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RenameKind::Table => "table",
            RenameKind::Column => "column",
            RenameKind::Index => "index",
            RenameKind::Constraint => "constraint",
        })
    }
}

/// A likely rename the differ found: an object gone from the old schema and one new in the
/// new schema with the same definition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RenameCandidate {
    pub kind: RenameKind,
    /// The table in the old schema (for a table rename, the old table itself).
    pub from_table: QualifiedName,
    /// The table in the new schema (for a table rename, the new table itself).
    pub table: QualifiedName,
    /// Old and new name of the object (for a table, its unqualified names).
    pub from: String,
    pub to: String,
    /// The shared definition in words (`text NOT NULL`, `columns id, name`, `unique (email)`).
    pub description: String,
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
    /// Rows per table as a live database's statistics estimate them, when the source read them
    /// (`None`: a file, an ORM project, or a source that does not). `diff` tells from them
    /// whether a table is large enough to call for an online plan.
    pub row_estimates: Option<IndexMap<QualifiedName, u64>>,
}
