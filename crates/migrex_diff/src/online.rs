//! Online plans (`diff --online`): a plain plan's steps that would lock or rewrite a table that
//! already holds rows, replaced by expand / backfill / contract sequences that keep reads and
//! writes flowing (ddl-behavior notes A.4, A.5, B, D).
//!
//! Tables the plan creates are empty: their steps stay as they are. Each replacement keeps the
//! model meaning of the step it replaces, so `simulate(from, online(plan))` still ends at the
//! target schema, and the down plan of an online plan is made online the same way.

use migrex_dialect::{format_type, quote_ident};
use migrex_model::{
    AlterAlgorithm, BinaryKind, Change, Check, Column, ColumnType, Dialect, ForeignKey, IndexKey,
    IndexPart, OnlineOp, Phase, Plan, QualifiedName, Schema, Step, Table, TableOptions, TextKind,
};
use std::collections::{HashMap, HashSet};

/// How online plans are built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineOptions {
    /// PostgreSQL major version of the server (12 when unknown: the oldest supported).
    pub pg_major: u32,
    /// Rows per backfill batch.
    pub batch_size: u32,
    /// MySQL dialect: the server is MariaDB (10.11 rules: which changes are INSTANT, `NOCOPY`,
    /// `LOCK=NONE` with INSTANT). False: MySQL 8.0, whose plans leave the algorithm to the
    /// server where the two differ.
    pub mariadb: bool,
    /// Keep column renames as one `RENAME COLUMN` (running code that names the old column
    /// fails from then on) instead of expand/contract.
    pub plain_renames: bool,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        OnlineOptions {
            pg_major: 12,
            batch_size: 1000,
            mariadb: false,
            plain_renames: false,
        }
    }
}

/// What an expand/contract switches over to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Switch {
    /// The same column with another type (the new column is renamed at the switch).
    Type,
    /// The column under a new name (the new column has it from the start).
    Rename,
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
    // The schema after the steps so far, kept by applying each step's changes to it in place
    // (a copy per step made large plans quadratic: 6.6 s for a 1,000-table diff, now 0.6 s).
    // `applied` lists what it holds, to make it again from `from` when a step fails half-way.
    let mut state = from.clone();
    let mut applied: Vec<Step> = Vec::new();
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
        let step = &retarget_check(step, &state);
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
        // The state before the next step: what the online steps did (a renamed column's checks
        // are over the new name), else the plain change's meaning.
        let emitted = Plan {
            dialect,
            steps: b.steps[start..].to_vec(),
            notes: Vec::new(),
        };
        let one = Plan {
            dialect,
            steps: vec![step.clone()],
            notes: Vec::new(),
        };
        for attempt in [emitted, one] {
            if crate::simulate::run_in_place(&mut state, &attempt).is_ok() {
                applied.extend(attempt.steps);
                break;
            }
            state = replay(from, dialect, &applied);
        }
    }
    notes.extend(b.notes);
    Plan {
        dialect,
        steps: b.steps,
        notes,
    }
}

/// `from` after `steps`, which applied to it one after the other before.
fn replay(from: &Schema, dialect: Dialect, steps: &[Step]) -> Schema {
    let plan = Plan {
        dialect,
        steps: steps.to_vec(),
        notes: Vec::new(),
    };
    crate::simulate::run(from, &plan).unwrap_or_else(|_| from.clone())
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

    /// MySQL: `change` as one ALTER TABLE with its `ALGORITHM=` (and `LOCK=NONE`) clause.
    fn group(
        &mut self,
        table: &QualifiedName,
        change: Change,
        algorithm: Option<AlterAlgorithm>,
        lock_none: bool,
        phase: Phase,
    ) {
        let description = change.describe();
        self.op(
            table,
            OnlineOp::Group {
                description,
                changes: vec![change],
                algorithm,
                lock_none,
            },
            phase,
        );
    }

    /// The schema after the plain `step`.
    fn after(&self, state: &Schema, step: &Step) -> Option<Schema> {
        let one = Plan {
            dialect: self.dialect,
            steps: vec![step.clone()],
            notes: Vec::new(),
        };
        crate::simulate::run(state, &one).ok()
    }

    /// A column rename on a table with rows: expand/contract, so that code naming either
    /// column keeps working across the deploy; else the plain rename (MariaDB: INSTANT).
    fn rename_column(
        &mut self,
        step: &Step,
        table: &QualifiedName,
        from: &str,
        to: &str,
        state: &Schema,
    ) -> bool {
        let Some(t) = state.table(table) else {
            return false;
        };
        let Some(old) = t.columns.get(from) else {
            return false;
        };
        if self.options.plain_renames {
            self.notes.push(format!(
                "online: {table}.{from} is renamed to {to} in one statement (--plain-renames): running code that names {from} fails from then on"
            ));
        } else if let Some(after) = self.after(state, step)
            && let Some(new) = after.table(table).and_then(|t| t.columns.get(to)).cloned()
            && self.expand_contract(table, t, old, &new, state, &after, Switch::Rename)
        {
            return true;
        }
        // MariaDB renames a column in the catalog only, unless a foreign key references it.
        let referenced = state.tables().any(|(_, o)| {
            o.foreign_keys
                .iter()
                .any(|f| &f.ref_table == table && f.ref_columns.iter().any(|c| c == from))
        });
        if self.dialect == Dialect::Mysql && self.options.mariadb && !referenced {
            self.group(
                table,
                step.change.clone(),
                Some(AlterAlgorithm::Instant),
                false,
                step.phase,
            );
            return true;
        }
        false
    }

    /// A MySQL column change on a table with rows: what MariaDB does INSTANT or in place stays
    /// one statement with the clause that makes the server refuse a copy; a type change it
    /// can only copy (writes blocked for the whole copy, B.4) becomes expand/contract.
    fn mysql_alter_column(
        &mut self,
        step: &Step,
        table: &QualifiedName,
        old: &Column,
        new: &Column,
        state: &Schema,
    ) -> bool {
        let Some(t) = state.table(table) else {
            return false;
        };
        let same_rest = old.identity == new.identity
            && old.generated == new.generated
            && old.collation == new.collation
            && old.on_update == new.on_update
            && old.name == new.name;
        if !same_rest {
            return false;
        }
        let type_algorithm = if old.ty == new.ty {
            Some(AlterAlgorithm::Instant)
        } else {
            mysql_type_algorithm(t, old, &new.ty, self.options.mariadb)
        };
        let Some(a) = type_algorithm else {
            let Some(after) = self.after(state, step) else {
                return false;
            };
            return self.expand_contract(table, t, old, new, state, &after, Switch::Type);
        };
        // NULL to NOT NULL (and back) is an in-place rebuild that lets writes through.
        let (algorithm, lock_none) = if old.nullable != new.nullable {
            (AlterAlgorithm::Inplace, true)
        } else {
            (a, a != AlterAlgorithm::Instant)
        };
        self.group(
            table,
            step.change.clone(),
            Some(algorithm),
            lock_none,
            step.phase,
        );
        true
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
                    let Some(after) = self.after(state, step) else {
                        return false;
                    };
                    return self.expand_contract(table, t, old, new, state, &after, Switch::Type);
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
            (
                Change::AlterColumn {
                    table,
                    from: old,
                    to: new,
                },
                Dialect::Mysql,
            ) => self.mysql_alter_column(step, table, old, new, state),
            (Change::RenameColumn { table, from, to }, Dialect::Postgres | Dialect::Mysql) => {
                self.rename_column(step, table, from, to, state)
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

    /// Expand/contract of one column (ddl-behavior D.5), for a type change that would rewrite
    /// or copy the table (PostgreSQL `integer` to `bigint`, MariaDB anything not INSTANT) and
    /// for a rename (running code still names the old column): a new column, a trigger keeping
    /// it in step with the old one for writes of running code (both ways for a rename), a
    /// batched backfill, its constraints and indexes built without blocking, a deploy point,
    /// then the switch in one short transaction (PostgreSQL) or one `ALTER TABLE` (MySQL): drop
    /// the trigger and the old column (and for a type change rename the new one). `new` is the
    /// column as the plain step leaves it, `after` the schema after the plain step. False (with
    /// a note saying why) when the plain step stays.
    #[allow(clippy::too_many_arguments)]
    fn expand_contract(
        &mut self,
        table: &QualifiedName,
        t: &Table,
        old: &Column,
        new: &Column,
        state: &Schema,
        after: &Schema,
        switch: Switch,
    ) -> bool {
        let d = self.dialect;
        let my = d == Dialect::Mysql;
        let refuse = |b: &mut Builder, why: &str| {
            b.notes.push(match switch {
                Switch::Type => format!(
                    "online: {table}.{} changes type to {} in one ALTER ({}): {why}",
                    old.name,
                    format_type(d, &new.ty),
                    if my {
                        "a table copy that blocks writes"
                    } else {
                        "a table rewrite under an exclusive lock"
                    }
                ),
                Switch::Rename => format!(
                    "online: {table}.{} is renamed to {} in one statement (running code that names {} fails from then on): {why}",
                    old.name, new.name, old.name
                ),
            });
            false
        };
        let Some(t_after) = after.table(table) else {
            return false;
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
        let shadow_name = match switch {
            Switch::Type => {
                migrex_dialect::postgres::truncate_ident(&format!("{}_migrex_new", old.name))
            }
            Switch::Rename => new.name.clone(),
        };
        if t.columns.contains_key(&shadow_name) {
            return refuse(self, &format!("column {shadow_name} already exists"));
        }
        let uses = |cols: &[String]| cols.iter().any(|c| c == &old.name);
        let views_use = state.namespaces.values().any(|ns| {
            ns.views
                .values()
                .any(|v| crate::names::mentions(&v.definition.sql, &old.name))
        });
        if views_use {
            return refuse(self, "a view may read the column");
        }
        let in_pk = uses(&pk.columns);
        // Foreign keys of any table that reference the column.
        let mut referencing: Vec<(QualifiedName, ForeignKey)> = Vec::new();
        for (tq, other) in state.tables() {
            for fk in &other.foreign_keys {
                if &fk.ref_table == table && fk.ref_columns.iter().any(|c| c == &old.name) {
                    referencing.push((tq.clone(), fk.clone()));
                }
            }
        }
        let own_fks: Vec<ForeignKey> = t
            .foreign_keys
            .iter()
            .filter(|fk| uses(&fk.columns))
            .cloned()
            .collect();
        let own_checks: Vec<Check> = t
            .checks
            .iter()
            .filter(|c| crate::names::mentions(&c.expr.sql, &old.name))
            .cloned()
            .collect();
        let uniques: Vec<migrex_model::UniqueConstraint> = t
            .uniques
            .iter()
            .filter(|u| uses(&u.columns))
            .cloned()
            .collect();
        if my {
            // What MySQL cannot rebuild without a table copy or a write-blocking lock.
            if in_pk {
                return refuse(
                    self,
                    "the column is part of the primary key (MySQL rebuilds the table to change it)",
                );
            }
            if !referencing.is_empty() || !own_fks.is_empty() {
                return refuse(
                    self,
                    "a foreign key uses the column (MySQL validates a new one by a table copy)",
                );
            }
            if !own_checks.is_empty() {
                return refuse(
                    self,
                    "a check uses the column (MySQL validates a new one by a table copy)",
                );
            }
            if !uniques.is_empty() {
                return refuse(self, "a unique constraint uses the column");
            }
            // The table's own triggers would go on naming the dropped column.
            let trigger_uses = state.namespaces.values().any(|ns| {
                ns.triggers.values().any(|tr| {
                    &tr.table == table
                        && crate::names::mentions(&format!("{:?}", tr.action), &old.name)
                })
            });
            if trigger_uses {
                return refuse(self, "a trigger of the table may use the column");
            }
        }
        if uniques
            .iter()
            .any(|u| u.name.is_none() || u.deferrable.is_some())
        {
            return refuse(
                self,
                "an unnamed or deferrable unique constraint uses the column",
            );
        }
        // The objects over the column as the plain step leaves them (renamed, for a rename).
        let named_fk = |tq: &QualifiedName, fk: &ForeignKey| -> Option<ForeignKey> {
            match switch {
                Switch::Type => Some(fk.clone()),
                Switch::Rename => {
                    let name = fk.name.as_ref()?;
                    after
                        .table(tq)?
                        .foreign_keys
                        .iter()
                        .find(|f| f.name.as_ref() == Some(name))
                        .cloned()
                }
            }
        };
        let mut fk_after = Vec::new();
        let all_fks = own_fks
            .iter()
            .map(|f| (table.clone(), f.clone()))
            .chain(referencing.iter().cloned());
        for (tq, fk) in all_fks {
            let Some(f) = named_fk(&tq, &fk) else {
                return refuse(self, "an unnamed foreign key uses the column");
            };
            fk_after.push((tq, f));
        }
        // A rename: the checks come back over the new column (the plain plan leaves the model's
        // expression as it was, the server rewrites it on RENAME COLUMN).
        let mut checks_after = Vec::new();
        for c in &own_checks {
            if c.name.is_none() {
                return refuse(self, "an unnamed check uses the column");
            }
            let mut c = c.clone();
            if switch == Switch::Rename {
                let q = |n: &str| quote_ident(d, n);
                c.expr = migrex_model::Expr::with_key(
                    crate::names::replace_ident(&c.expr.sql, &old.name, &new.name, q),
                    crate::names::replace_ident(&c.expr.key, &old.name, &new.name, q),
                );
            }
            checks_after.push(c);
        }
        let mut uniques_after = Vec::new();
        for u in &uniques {
            let Some(found) = t_after.uniques.iter().find(|x| x.name == u.name) else {
                return refuse(
                    self,
                    "a unique constraint over the column is not in the target",
                );
            };
            uniques_after.push(found.clone());
        }
        // Indexes over the column: built again over the new column under temporary names.
        let to_shadow = |cols: &[String], from: &str| -> Vec<String> {
            cols.iter()
                .map(|c| {
                    if c == from {
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
                return refuse(
                    self,
                    &format!(
                        "index {} uses the column in an expression or predicate",
                        ix.name
                    ),
                );
            }
            if !uses(&cols) {
                continue;
            }
            if my && matches!(ix.method.as_deref(), Some("FULLTEXT" | "SPATIAL")) {
                return refuse(
                    self,
                    &format!(
                        "{} index {} cannot be built online",
                        ix.method.as_deref().unwrap_or_default(),
                        ix.name
                    ),
                );
            }
            let Some(fin) = t_after.indexes.iter().find(|x| x.name == ix.name) else {
                return refuse(self, &format!("index {} is not in the target", ix.name));
            };
            let mut copy = fin.clone();
            copy.name = temp_name(&ix.name);
            for p in &mut copy.parts {
                if let IndexKey::Column(c) = &mut p.key
                    && c == &new.name
                {
                    c.clone_from(&shadow_name);
                }
            }
            copy.include = to_shadow(&copy.include, &new.name);
            index_swaps.push((ix.clone(), copy));
        }
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
        let value = match (switch, d) {
            (Switch::Type, Dialect::Postgres) => format!(
                "CAST({} AS {})",
                quote_ident(d, &old.name),
                format_type(d, &new.ty)
            ),
            // MySQL converts on assignment (and fails in strict mode where the type cannot hold
            // the value, as the one-statement change would).
            _ => quote_ident(d, &old.name),
        };
        // Expand: the new column and the trigger that keeps it in step.
        let add = Change::AddColumn {
            table: table.clone(),
            column: shadow.clone(),
        };
        if my {
            let algorithm = self.options.mariadb.then_some(AlterAlgorithm::Instant);
            self.group(table, add, algorithm, false, Phase::Expand);
        } else {
            self.plain(add, Phase::Expand);
        }
        self.op(
            table,
            OnlineOp::CreateSyncTrigger {
                source: old.clone(),
                target: shadow.clone(),
                both_ways: switch == Switch::Rename,
            },
            Phase::Expand,
        );
        self.op(
            table,
            OnlineOp::Backfill {
                key: pk.columns.clone(),
                target: shadow.clone(),
                value,
                only_null: false,
                batch_size: self.options.batch_size,
            },
            Phase::Backfill,
        );
        if !my {
            self.op(table, OnlineOp::Analyze, Phase::Backfill);
        }
        let mut shadow_now = shadow.clone();
        if !new.nullable {
            if my {
                // NULL to NOT NULL is an in-place rebuild that lets writes through (B.2, B.4).
                self.group(
                    table,
                    Change::AlterColumn {
                        table: table.clone(),
                        from: shadow.clone(),
                        to: Column {
                            nullable: false,
                            ..shadow.clone()
                        },
                    },
                    Some(AlterAlgorithm::Inplace),
                    true,
                    Phase::Backfill,
                );
            } else {
                self.not_null_via_check(table, &shadow, Phase::Backfill);
            }
            shadow_now.nullable = false;
        }
        for (_, copy) in &index_swaps {
            self.op(
                table,
                OnlineOp::CreateIndex {
                    index: copy.clone(),
                },
                Phase::Backfill,
            );
        }
        let mut unique_indexes = Vec::new();
        for u in &uniques_after {
            let name = u.name.clone().unwrap_or_default();
            let ix = key_index(
                &temp_name(&name),
                &to_shadow(&u.columns, &new.name),
                u.nulls_not_distinct,
            );
            self.op(
                table,
                OnlineOp::CreateIndex { index: ix.clone() },
                Phase::Backfill,
            );
            unique_indexes.push((u.clone(), ix.name));
        }
        let pk_index = if in_pk {
            let pk_name = pk.name.clone().unwrap_or_else(|| {
                migrex_dialect::postgres::make_object_name(&table.name, None, "pkey")
            });
            let ix = key_index(
                &temp_name(&pk_name),
                &to_shadow(&pk.columns, &old.name),
                false,
            );
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
                message: match switch {
                    Switch::Type => format!(
                        "works with {table}.{} as {} (the switch drops the old column and renames {shadow_name} to {})",
                        old.name,
                        format_type(d, &new.ty),
                        old.name
                    ),
                    Switch::Rename => format!(
                        "reads and writes {table}.{} instead of {} (until the contract a trigger keeps both equal; the contract drops {})",
                        new.name, old.name, old.name
                    ),
                },
            },
            Phase::Contract,
        );
        // Contract: the switch, in one transaction (one ALTER TABLE on MySQL).
        let mut sw: Vec<Change> = vec![Change::Online {
            table: table.clone(),
            operation: OnlineOp::DropSyncTrigger {
                source: old.clone(),
                target: shadow.clone(),
            },
        }];
        for (tq, fk) in &referencing {
            sw.push(Change::DropForeignKey {
                table: tq.clone(),
                foreign_key: fk.clone(),
            });
        }
        for fk in &own_fks {
            sw.push(Change::DropForeignKey {
                table: table.clone(),
                foreign_key: fk.clone(),
            });
        }
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
        for u in &uniques {
            sw.push(Change::DropUnique {
                table: table.clone(),
                unique: u.clone(),
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
        if switch == Switch::Type {
            sw.push(Change::RenameColumn {
                table: table.clone(),
                from: shadow_name.clone(),
                to: old.name.clone(),
            });
        }
        let renamed = Column {
            name: new.name.clone(),
            ..shadow_now.clone()
        };
        // The default (and MySQL's ON UPDATE) only now: during the expand an insert that
        // leaves the new column NULL is how the trigger tells old code's writes apart. MySQL
        // takes the rename and the redefinition as one CHANGE COLUMN.
        if renamed != *new || (my && switch == Switch::Type) {
            sw.push(Change::AlterColumn {
                table: table.clone(),
                from: renamed.clone(),
                to: new.clone(),
            });
        }
        for (name, seq) in &owned {
            let fin = after
                .namespaces
                .get(&name.namespace)
                .and_then(|n| n.sequences.get(&name.name))
                .cloned()
                .unwrap_or_else(|| seq.clone());
            sw.push(Change::AlterSequence {
                name: name.clone(),
                from: migrex_model::Sequence {
                    owned_by: None,
                    ..seq.clone()
                },
                to: fin,
            });
        }
        for (ix, copy) in &index_swaps {
            sw.push(Change::RenameIndex {
                table: table.clone(),
                from: copy.name.clone(),
                to: ix.name.clone(),
            });
        }
        for (u, index) in &unique_indexes {
            sw.push(Change::Online {
                table: table.clone(),
                operation: OnlineOp::AddUniqueUsingIndex {
                    unique: u.clone(),
                    index: index.clone(),
                },
            });
        }
        if let Some(ix) = &pk_index {
            sw.push(Change::Online {
                table: table.clone(),
                operation: OnlineOp::AddPrimaryKeyUsingIndex {
                    primary_key: t_after.primary_key.clone().unwrap_or_else(|| pk.clone()),
                    index: ix.name.clone(),
                },
            });
        }
        let description = match switch {
            Switch::Type => format!(
                "switch {table}.{} to {}: drop the old column, rename {shadow_name} to {}",
                old.name,
                format_type(d, &new.ty),
                old.name
            ),
            Switch::Rename => format!(
                "switch {table}.{} to {}: drop the sync trigger and the old column",
                old.name, new.name
            ),
        };
        let (algorithm, lock_none) = if my && self.options.mariadb {
            // Index drops need NOCOPY; column drops and renames are INSTANT (B.4).
            (Some(AlterAlgorithm::Nocopy), true)
        } else {
            (None, false)
        };
        self.plain(
            Change::Online {
                table: table.clone(),
                operation: OnlineOp::Group {
                    description,
                    changes: sw,
                    algorithm,
                    lock_none,
                },
            },
            Phase::Contract,
        );
        // Constraints dropped with the old column come back without a blocking scan.
        for c in checks_after {
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
        for (tq, fk) in fk_after {
            let name = fk.name.clone().unwrap_or_default();
            self.add_fk(&tq, &fk, name);
        }
        true
    }
}

/// A plain plan's DropCheck of a check an online rename already rewrote (same name, the
/// expression over the new column) drops the rewritten one.
fn retarget_check(step: &Step, state: &Schema) -> Step {
    if let Change::DropCheck { table, check } = &step.change
        && let Some(t) = state.table(table)
        && !t.checks.contains(check)
        && let Some(now) = t
            .checks
            .iter()
            .find(|c| c.name.is_some() && c.name == check.name)
    {
        return Step {
            change: Change::DropCheck {
                table: table.clone(),
                check: now.clone(),
            },
            ..step.clone()
        };
    }
    step.clone()
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

/// The least efficient `ALGORITHM=` with which MySQL/MariaDB change `old`'s type to `to` on
/// `t` (ddl-behavior B.2, B.4), or `None` when only a table copy can (writes blocked).
fn mysql_type_algorithm(
    t: &Table,
    old: &Column,
    to: &ColumnType,
    mariadb: bool,
) -> Option<AlterAlgorithm> {
    let opts = match &t.options {
        TableOptions::Mysql(o) => Some(o),
        _ => None,
    };
    // Bytes per character of the column's character set: utf8mb4 unless told otherwise.
    let charset = old
        .collation
        .as_deref()
        .or(opts.and_then(|o| o.charset.as_deref()))
        .or(opts.and_then(|o| o.collation.as_deref()))
        .unwrap_or("utf8mb4")
        .to_ascii_lowercase();
    let per_char = if charset.starts_with("latin") || charset.starts_with("ascii") {
        1
    } else if charset.starts_with("utf8mb4")
        || charset.starts_with("utf16")
        || charset.starts_with("utf32")
    {
        4
    } else if charset.starts_with("utf8") {
        3
    } else {
        4
    };
    let redundant = opts
        .and_then(|o| o.row_format.as_deref())
        .is_some_and(|f| f.eq_ignore_ascii_case("redundant"));
    let bytes = |ty: &ColumnType| match ty {
        ColumnType::Text {
            kind: TextKind::Varchar,
            max_len: Some(n),
        } => Some(n * per_char),
        ColumnType::Binary {
            kind: BinaryKind::VarBinary,
            max_len: Some(n),
        } => Some(*n),
        _ => None,
    };
    if let (Some(a), Some(b)) = (bytes(&old.ty), bytes(to))
        && std::mem::discriminant(&old.ty) == std::mem::discriminant(to)
        && b >= a
    {
        // The length prefix (1 byte up to 255 bytes, else 2) must not grow, except MariaDB's
        // 127-byte case and REDUNDANT rows.
        let same_prefix = (a <= 255) == (b <= 255);
        return if mariadb && (same_prefix || (a <= 127 && b >= 256) || redundant) {
            Some(AlterAlgorithm::Instant)
        } else if !mariadb && same_prefix {
            Some(AlterAlgorithm::Inplace)
        } else {
            None
        };
    }
    match (&old.ty, to) {
        (ColumnType::Enum { values: a }, ColumnType::Enum { values: b })
            if b.starts_with(a) && (a.len() <= 255) == (b.len() <= 255) =>
        {
            Some(AlterAlgorithm::Instant)
        }
        (ColumnType::Set { values: a }, ColumnType::Set { values: b })
            if b.starts_with(a) && a.len().div_ceil(8) == b.len().div_ceil(8) =>
        {
            Some(AlterAlgorithm::Instant)
        }
        _ => None,
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
