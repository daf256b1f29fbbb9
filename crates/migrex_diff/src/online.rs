//! Online plans (`diff --online`): a plain plan's steps that would lock or rewrite a table that
//! already holds rows, replaced by expand / backfill / contract sequences that keep reads and
//! writes flowing (ddl-behavior notes A.4, A.5, B, D).
//!
//! Tables the plan creates are empty: their steps stay as they are. Each replacement keeps the
//! model meaning of the step it replaces, so `simulate(from, online(plan))` still ends at the
//! target schema, and the down plan of an online plan is made online the same way.

use migrex_dialect::{format_type, quote_ident};
use migrex_model::{
    Change, Check, Column, ColumnType, Dialect, ForeignKey, IndexKey, IndexPart, OnlineOp, Phase,
    Plan, QualifiedName, Schema, Step, Table, TextKind,
};
use std::collections::{HashMap, HashSet};

/// How online plans are built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineOptions {
    /// PostgreSQL major version of the server (12 when unknown: the oldest supported).
    pub pg_major: u32,
    /// Rows per backfill batch.
    pub batch_size: u32,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        OnlineOptions {
            pg_major: 12,
            batch_size: 1000,
        }
    }
}

/// Turns `plan` (from `from`) into its online form.
pub fn online(plan: Plan, from: &Schema, options: &OnlineOptions) -> Plan {
    let dialect = plan.dialect;
    let mut notes = plan.notes.clone();
    if dialect == Dialect::Sqlite {
        if !plan.steps.is_empty() {
            notes.push("online: SQLite has no online DDL; a table change is the documented rebuild in one transaction, which holds the database write lock for its duration (the plan is the plain one)".into());
        }
        return Plan { notes, ..plan };
    }
    let created: HashSet<QualifiedName> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::CreateTable { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    let mut b = Builder {
        dialect,
        steps: Vec::new(),
        notes: Vec::new(),
        options: options.clone(),
    };
    let mut state = from.clone();
    let mut last_of: HashMap<usize, usize> = HashMap::new();
    for step in &plan.steps {
        let deps: Vec<usize> = step
            .depends_on
            .iter()
            .filter_map(|d| last_of.get(d).copied())
            .collect();
        let start = b.steps.len();
        let existing = step
            .change
            .table()
            .is_some_and(|t| !created.contains(t) && state.table(t).is_some());
        if !existing || !b.replace(step, &state) {
            b.push(step.change.clone(), step.phase, step.transactional);
        }
        if let Some(first) = b.steps.get_mut(start) {
            for d in deps {
                if !first.depends_on.contains(&d) {
                    first.depends_on.push(d);
                }
            }
        }
        last_of.insert(step.id, b.steps.len());
        // The state before the next step (the plain change's meaning).
        let one = Plan {
            dialect,
            steps: vec![step.clone()],
            notes: Vec::new(),
        };
        if let Ok(next) = crate::simulate::run(&state, &one) {
            state = next;
        }
    }
    notes.extend(b.notes);
    Plan {
        dialect,
        steps: b.steps,
        notes,
    }
}

struct Builder {
    dialect: Dialect,
    steps: Vec<Step>,
    notes: Vec<String>,
    options: OnlineOptions,
}

impl Builder {
    /// Appends a step depending on the one before it (online steps run in order, one at a time).
    fn push(&mut self, change: Change, phase: Phase, transactional: bool) {
        let id = self.steps.len() + 1;
        let depends_on = if id > 1 { vec![id - 1] } else { Vec::new() };
        self.steps.push(Step {
            id,
            change,
            phase,
            depends_on,
            transactional,
        });
    }

    fn op(&mut self, table: &QualifiedName, operation: OnlineOp, phase: Phase) {
        let transactional = self.dialect != Dialect::Postgres || !operation.outside_transaction();
        self.push(
            Change::Online {
                table: table.clone(),
                operation,
            },
            phase,
            transactional,
        );
    }

    fn plain(&mut self, change: Change, phase: Phase) {
        self.push(change, phase, true);
    }

    /// Emits the online form of `step`; false when the plain step is the right one.
    fn replace(&mut self, step: &Step, state: &Schema) -> bool {
        match (&step.change, self.dialect) {
            (Change::CreateIndex { table, index }, _) => {
                if self.dialect == Dialect::Mysql
                    && matches!(index.method.as_deref(), Some("FULLTEXT" | "SPATIAL"))
                {
                    // InnoDB builds these without concurrent writes whatever the clause says.
                    return false;
                }
                self.op(
                    table,
                    OnlineOp::CreateIndex {
                        index: index.clone(),
                    },
                    Phase::Expand,
                );
                true
            }
            (Change::DropIndex { table, index }, _) => {
                self.op(
                    table,
                    OnlineOp::DropIndex {
                        index: index.clone(),
                    },
                    Phase::Contract,
                );
                true
            }
            (Change::AddForeignKey { table, foreign_key }, Dialect::Postgres) => {
                let name = foreign_key.name.clone().unwrap_or_else(|| {
                    migrex_dialect::postgres::make_object_name(
                        &table.name,
                        Some(&migrex_dialect::postgres::name_addition(
                            &foreign_key.columns,
                        )),
                        "fkey",
                    )
                });
                self.add_fk(table, foreign_key, name);
                true
            }
            (Change::AddCheck { table, check }, Dialect::Postgres) => {
                let Some(name) = check.name.clone() else {
                    return false;
                };
                self.op(
                    table,
                    OnlineOp::AddCheckNotValid {
                        check: check.clone(),
                        name: name.clone(),
                    },
                    Phase::Expand,
                );
                self.op(table, OnlineOp::ValidateConstraint { name }, Phase::Expand);
                true
            }
            (Change::AddUnique { table, unique }, Dialect::Postgres)
                if unique.deferrable.is_none() =>
            {
                let Some(name) = unique.name.clone() else {
                    return false;
                };
                let index = key_index(&name, &unique.columns, unique.nulls_not_distinct);
                self.op(table, OnlineOp::CreateIndex { index }, Phase::Expand);
                self.op(
                    table,
                    OnlineOp::AddUniqueUsingIndex {
                        unique: unique.clone(),
                        index: name,
                    },
                    Phase::Expand,
                );
                true
            }
            (
                Change::AlterColumn {
                    table,
                    from: old,
                    to: new,
                },
                Dialect::Postgres,
            ) => {
                if old.ty != new.ty && pg_rewrites(&old.ty, &new.ty) {
                    let Some(t) = state.table(table) else {
                        return false;
                    };
                    return self.expand_contract(table, t, old, new, state);
                }
                let only_not_null = old.nullable
                    && !new.nullable
                    && Column {
                        nullable: false,
                        ..old.clone()
                    } == *new;
                if only_not_null && self.options.pg_major >= 12 {
                    self.not_null_via_check(table, old, Phase::Expand);
                    return true;
                }
                false
            }
            (Change::AddColumn { table, column }, Dialect::Postgres) => {
                self.add_column(table, column, state)
            }
            _ => false,
        }
    }

    fn add_fk(&mut self, table: &QualifiedName, fk: &ForeignKey, name: String) {
        self.op(
            table,
            OnlineOp::AddForeignKeyNotValid {
                foreign_key: fk.clone(),
                name: name.clone(),
            },
            Phase::Expand,
        );
        self.op(table, OnlineOp::ValidateConstraint { name }, Phase::Expand);
    }

    /// SET NOT NULL without a scan under an exclusive lock (PostgreSQL 12+): a NOT VALID check,
    /// validated under a lock that lets writes through, lets SET NOT NULL skip its scan.
    fn not_null_via_check(&mut self, table: &QualifiedName, column: &Column, phase: Phase) {
        let name =
            migrex_dialect::postgres::make_object_name(&table.name, Some(&column.name), "not_null");
        let check = Check {
            name: Some(name.clone()),
            expr: migrex_dialect::expr(
                Dialect::Postgres,
                &format!(
                    "{} IS NOT NULL",
                    quote_ident(Dialect::Postgres, &column.name)
                ),
            ),
            no_inherit: false,
        };
        self.op(
            table,
            OnlineOp::AddCheckNotValid {
                check: check.clone(),
                name: name.clone(),
            },
            phase,
        );
        self.op(table, OnlineOp::ValidateConstraint { name }, phase);
        self.plain(
            Change::AlterColumn {
                table: table.clone(),
                from: column.clone(),
                to: Column {
                    nullable: false,
                    ..column.clone()
                },
            },
            phase,
        );
        self.plain(
            Change::DropCheck {
                table: table.clone(),
                check,
            },
            phase,
        );
    }

    /// A new column on a table with rows. PostgreSQL 11+ stores a non-volatile default in the
    /// catalog: one statement, no rewrite. A volatile default (or an older server) would rewrite
    /// the table: the column is added without it, the default set for new rows, existing rows
    /// backfilled in batches, then NOT NULL through a validated check.
    fn add_column(&mut self, table: &QualifiedName, column: &Column, state: &Schema) -> bool {
        let Some(default) = &column.default else {
            return false;
        };
        if column.identity.is_some() || column.generated.is_some() {
            return false;
        }
        if !is_volatile(&default.sql) && self.options.pg_major >= 11 {
            return false;
        }
        let Some(key) = state
            .table(table)
            .and_then(|t| t.primary_key.as_ref())
            .map(|p| p.columns.clone())
        else {
            self.notes.push(format!(
                "online: {table} has no primary key to backfill {} in batches by; the column is added in one statement, which rewrites the table under an exclusive lock",
                column.name
            ));
            return false;
        };
        let bare = Column {
            nullable: true,
            default: None,
            ..column.clone()
        };
        self.plain(
            Change::AddColumn {
                table: table.clone(),
                column: bare.clone(),
            },
            Phase::Expand,
        );
        let with_default = Column {
            default: column.default.clone(),
            ..bare.clone()
        };
        self.plain(
            Change::AlterColumn {
                table: table.clone(),
                from: bare,
                to: with_default.clone(),
            },
            Phase::Expand,
        );
        self.op(
            table,
            OnlineOp::Backfill {
                key,
                target: with_default.clone(),
                value: default.sql.clone(),
                only_null: true,
                batch_size: self.options.batch_size,
            },
            Phase::Backfill,
        );
        self.op(table, OnlineOp::Analyze, Phase::Backfill);
        if !column.nullable {
            self.not_null_via_check(table, &with_default, Phase::Backfill);
        }
        true
    }

    /// A column type change that rewrites the table (PostgreSQL `integer` to `bigint`): a new
    /// column, a trigger keeping it in step with the old one for writes of running code, a
    /// batched backfill, its constraints and indexes built without blocking, then the switch
    /// in one short transaction (drop the old column, rename the new one), after a deploy point.
    fn expand_contract(
        &mut self,
        table: &QualifiedName,
        t: &Table,
        old: &Column,
        new: &Column,
        state: &Schema,
    ) -> bool {
        let d = Dialect::Postgres;
        let refuse = |b: &mut Builder, why: &str| {
            b.notes.push(format!(
                "online: {table}.{} changes type to {} in one ALTER (a table rewrite under an exclusive lock): {why}",
                old.name,
                format_type(d, &new.ty)
            ));
            false
        };
        let Some(pk) = t.primary_key.clone() else {
            return refuse(self, "the table has no primary key to backfill by");
        };
        if old.identity.is_some()
            || new.identity.is_some()
            || old.generated.is_some()
            || new.generated.is_some()
        {
            return refuse(
                self,
                "identity and generated columns are not switched online yet",
            );
        }
        if !t.exclusions.is_empty() {
            return refuse(self, "the table has exclusion constraints");
        }
        let shadow_name =
            migrex_dialect::postgres::truncate_ident(&format!("{}_migrex_new", old.name));
        if t.columns.contains_key(&shadow_name) {
            return refuse(self, &format!("column {shadow_name} already exists"));
        }
        let uses = |cols: &[String]| cols.iter().any(|c| c == &old.name);
        if t.uniques.iter().any(|u| uses(&u.columns)) {
            return refuse(
                self,
                "unique constraints over the column are not switched online yet",
            );
        }
        let views_use = state.namespaces.values().any(|ns| {
            ns.views
                .values()
                .any(|v| crate::names::mentions(&v.definition.sql, &old.name))
        });
        if views_use {
            return refuse(self, "a view may read the column");
        }
        let in_pk = uses(&pk.columns);
        let shadow = Column {
            name: shadow_name.clone(),
            ty: new.ty.clone(),
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            collation: new.collation.clone(),
            comment: new.comment.clone(),
            on_update: None,
        };
        let cast = format!(
            "CAST({} AS {})",
            quote_ident(d, &old.name),
            format_type(d, &new.ty)
        );
        // Expand: the new column and the trigger that keeps it in step.
        self.plain(
            Change::AddColumn {
                table: table.clone(),
                column: shadow.clone(),
            },
            Phase::Expand,
        );
        self.op(
            table,
            OnlineOp::CreateSyncTrigger {
                source: old.clone(),
                target: shadow.clone(),
            },
            Phase::Expand,
        );
        self.op(
            table,
            OnlineOp::Backfill {
                key: pk.columns.clone(),
                target: shadow.clone(),
                value: cast,
                only_null: false,
                batch_size: self.options.batch_size,
            },
            Phase::Backfill,
        );
        self.op(table, OnlineOp::Analyze, Phase::Backfill);
        let mut shadow_now = shadow.clone();
        if !new.nullable {
            self.not_null_via_check(table, &shadow, Phase::Backfill);
            shadow_now.nullable = false;
        }
        // Indexes over the column, built again over the new one under temporary names.
        let rename = |cols: &[String]| -> Vec<String> {
            cols.iter()
                .map(|c| {
                    if c == &old.name {
                        shadow_name.clone()
                    } else {
                        c.clone()
                    }
                })
                .collect()
        };
        let temp_name =
            |name: &str| migrex_dialect::postgres::truncate_ident(&format!("{name}_migrex_new"));
        let mut index_swaps = Vec::new();
        for ix in &t.indexes {
            let cols: Vec<String> = ix
                .parts
                .iter()
                .filter_map(|p| match &p.key {
                    IndexKey::Column(c) => Some(c.clone()),
                    IndexKey::Expr(_) => None,
                })
                .chain(ix.include.iter().cloned())
                .collect();
            let in_expr = ix.parts.iter().any(|p| match &p.key {
                IndexKey::Expr(e) => crate::names::mentions(&e.sql, &old.name),
                IndexKey::Column(_) => false,
            }) || ix
                .predicate
                .as_ref()
                .is_some_and(|p| crate::names::mentions(&p.sql, &old.name));
            if in_expr {
                self.notes.push(format!("online: index {} on {table} uses {} in an expression or predicate; it is dropped with the old column and must be created again by hand", ix.name, old.name));
                continue;
            }
            if !uses(&cols) {
                continue;
            }
            let mut copy = ix.clone();
            copy.name = temp_name(&ix.name);
            for p in &mut copy.parts {
                if let IndexKey::Column(c) = &mut p.key
                    && c == &old.name
                {
                    c.clone_from(&shadow_name);
                }
            }
            copy.include = rename(&copy.include);
            self.op(
                table,
                OnlineOp::CreateIndex {
                    index: copy.clone(),
                },
                Phase::Backfill,
            );
            index_swaps.push((ix.clone(), copy));
        }
        let pk_index = if in_pk {
            let pk_name = pk.name.clone().unwrap_or_else(|| {
                migrex_dialect::postgres::make_object_name(&table.name, None, "pkey")
            });
            let ix = key_index(&temp_name(&pk_name), &rename(&pk.columns), false);
            self.op(
                table,
                OnlineOp::CreateIndex { index: ix.clone() },
                Phase::Backfill,
            );
            Some(ix)
        } else {
            None
        };
        self.op(
            table,
            OnlineOp::Checkpoint {
                message: format!(
                    "works with {table}.{} as {} (the switch drops the old column and renames {shadow_name} to {})",
                    old.name,
                    format_type(d, &new.ty),
                    old.name
                ),
            },
            Phase::Contract,
        );
        // Contract: the switch, in one transaction.
        let mut sw: Vec<Change> = vec![Change::Online {
            table: table.clone(),
            operation: OnlineOp::DropSyncTrigger {
                source: old.clone(),
                target: shadow.clone(),
            },
        }];
        // Foreign keys of other tables that reference the column through the primary key.
        let mut referencing: Vec<(QualifiedName, ForeignKey)> = Vec::new();
        for (tq, other) in state.tables() {
            for fk in &other.foreign_keys {
                if &fk.ref_table == table && fk.ref_columns.iter().any(|c| c == &old.name) {
                    referencing.push((tq.clone(), fk.clone()));
                }
            }
        }
        for (tq, fk) in &referencing {
            sw.push(Change::DropForeignKey {
                table: tq.clone(),
                foreign_key: fk.clone(),
            });
        }
        let own_fks: Vec<ForeignKey> = t
            .foreign_keys
            .iter()
            .filter(|fk| uses(&fk.columns))
            .cloned()
            .collect();
        for fk in &own_fks {
            sw.push(Change::DropForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
        let own_checks: Vec<Check> = t
            .checks
            .iter()
            .filter(|c| crate::names::mentions(&c.expr.sql, &old.name))
            .cloned()
            .collect();
        for c in &own_checks {
            sw.push(Change::DropCheck {
                table: table.clone(),
                check: c.clone(),
            });
        }
        for (ix, _) in &index_swaps {
            sw.push(Change::DropIndex {
                table: table.clone(),
                index: ix.clone(),
            });
        }
        if in_pk {
            sw.push(Change::DropPrimaryKey {
                table: table.clone(),
                primary_key: pk.clone(),
            });
        }
        // A sequence owned by the old column would go with it.
        let owned: Vec<(QualifiedName, migrex_model::Sequence)> = state
            .namespaces
            .iter()
            .flat_map(|(ns, n)| {
                n.sequences
                    .iter()
                    .map(move |(name, s)| (QualifiedName::new(ns.clone(), name.clone()), s))
            })
            .filter(|(_, s)| {
                s.owned_by
                    .as_ref()
                    .is_some_and(|(ot, oc)| ot == table && oc == &old.name)
            })
            .map(|(n, s)| (n, s.clone()))
            .collect();
        for (name, seq) in &owned {
            sw.push(Change::AlterSequence {
                name: name.clone(),
                from: seq.clone(),
                to: migrex_model::Sequence {
                    owned_by: None,
                    ..seq.clone()
                },
            });
        }
        sw.push(Change::DropColumn {
            table: table.clone(),
            column: old.clone(),
        });
        sw.push(Change::RenameColumn {
            table: table.clone(),
            from: shadow_name.clone(),
            to: old.name.clone(),
        });
        let renamed = Column {
            name: old.name.clone(),
            ..shadow_now.clone()
        };
        if new.default.is_some() {
            sw.push(Change::AlterColumn {
                table: table.clone(),
                from: renamed.clone(),
                to: Column {
                    default: new.default.clone(),
                    ..renamed.clone()
                },
            });
        }
        for (name, seq) in &owned {
            sw.push(Change::AlterSequence {
                name: name.clone(),
                from: migrex_model::Sequence {
                    owned_by: None,
                    ..seq.clone()
                },
                to: seq.clone(),
            });
        }
        for (ix, copy) in &index_swaps {
            sw.push(Change::RenameIndex {
                table: table.clone(),
                from: copy.name.clone(),
                to: ix.name.clone(),
            });
        }
        if let Some(ix) = &pk_index {
            sw.push(Change::Online {
                table: table.clone(),
                operation: OnlineOp::AddPrimaryKeyUsingIndex {
                    primary_key: pk.clone(),
                    index: ix.name.clone(),
                },
            });
        }
        self.plain(
            Change::Online {
                table: table.clone(),
                operation: OnlineOp::Group {
                    description: format!(
                        "switch {table}.{} to {}: drop the old column, rename {shadow_name} to {}",
                        old.name,
                        format_type(d, &new.ty),
                        old.name
                    ),
                    changes: sw,
                },
            },
            Phase::Contract,
        );
        // Constraints dropped with the old column come back without a blocking scan.
        for c in own_checks {
            if let Some(name) = c.name.clone() {
                self.op(
                    table,
                    OnlineOp::AddCheckNotValid {
                        check: c,
                        name: name.clone(),
                    },
                    Phase::Contract,
                );
                self.op(
                    table,
                    OnlineOp::ValidateConstraint { name },
                    Phase::Contract,
                );
            } else {
                self.plain(
                    Change::AddCheck {
                        table: table.clone(),
                        check: c,
                    },
                    Phase::Contract,
                );
            }
        }
        for fk in own_fks {
            let name = fk.name.clone().unwrap_or_default();
            self.add_fk(table, &fk, name);
        }
        for (tq, fk) in referencing {
            let name = fk.name.clone().unwrap_or_default();
            self.add_fk(&tq, &fk, name);
        }
        true
    }
}

/// A unique btree index over `columns` named `name` (for a constraint to take over).
fn key_index(name: &str, columns: &[String], nulls_not_distinct: bool) -> migrex_model::Index {
    migrex_model::Index {
        name: name.to_string(),
        unique: true,
        parts: columns
            .iter()
            .map(|c| IndexPart {
                key: IndexKey::Column(c.clone()),
                descending: false,
                nulls_first: None,
                collation: None,
                opclass: None,
                prefix_len: None,
            })
            .collect(),
        method: None,
        include: Vec::new(),
        predicate: None,
        nulls_not_distinct,
        comment: None,
    }
}

/// Functions whose value differs per row: PostgreSQL evaluates such a default for every
/// existing row, rewriting the table.
fn is_volatile(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    [
        "random(",
        "gen_random_uuid(",
        "uuid_generate_v",
        "clock_timestamp(",
        "timeofday(",
        "nextval(",
        "txid_current(",
    ]
    .iter()
    .any(|f| lower.contains(f))
}

/// True when PostgreSQL's ALTER COLUMN TYPE from `a` to `b` rewrites the table (A.3): only a
/// longer or unbounded varchar/text, and numeric gaining precision at the same scale, do not.
pub fn pg_rewrites(a: &ColumnType, b: &ColumnType) -> bool {
    use ColumnType::*;
    match (a, b) {
        (
            Text {
                kind: ka,
                max_len: la,
            },
            Text {
                kind: kb,
                max_len: lb,
            },
        ) => {
            let textual = |k: &TextKind| matches!(k, TextKind::Varchar | TextKind::Text);
            !(textual(ka)
                && textual(kb)
                && match (la, lb) {
                    (_, None) => true,
                    (Some(x), Some(y)) => y >= x,
                    (None, Some(_)) => false,
                })
        }
        (
            Decimal {
                precision: pa,
                scale: sa,
                ..
            },
            Decimal {
                precision: pb,
                scale: sb,
                ..
            },
        ) => {
            !(sa == sb
                && match (pa, pb) {
                    (_, None) => true,
                    (Some(x), Some(y)) => y >= x,
                    (None, Some(_)) => false,
                })
        }
        _ => true,
    }
}
