//! Builds a plan stage by stage: differ plans between intermediate schemas, data steps between.

use crate::RefactorError;
use migrex_model::{Change, DataOp, Dialect, Phase, Plan, QualifiedName, Renames, Schema, Step};

pub(crate) struct Builder {
    recipe: &'static str,
    pub dialect: Dialect,
    /// The schema after the steps so far.
    pub state: Schema,
    steps: Vec<Step>,
    notes: Vec<String>,
    batch_size: u32,
}

impl Builder {
    pub fn new(recipe: &'static str, from: &Schema, batch_size: u32) -> Builder {
        Builder {
            recipe,
            dialect: from.dialect,
            state: from.clone(),
            steps: Vec::new(),
            notes: Vec::new(),
            batch_size: batch_size.max(1),
        }
    }

    pub fn batch(&self) -> u32 {
        self.batch_size
    }

    fn plan_error(&self, message: impl std::fmt::Display) -> RefactorError {
        RefactorError::Plan {
            recipe: self.recipe.into(),
            message: message.to_string(),
        }
    }

    /// Appends the differ's plan from the current state to `next` (with `renames`).
    pub fn stage(&mut self, next: &Schema, renames: &Renames) -> Result<(), RefactorError> {
        let plan = migrex_diff::plan(&self.state, next, renames);
        let after = migrex_diff::simulate(&self.state, &plan).map_err(|e| self.plan_error(e))?;
        if migrex_diff::canonical(&after) != migrex_diff::canonical(next) {
            return Err(self.plan_error(
                "the differ's plan does not reach the intermediate schema (a schema object the recipe does not handle)",
            ));
        }
        for n in plan.notes {
            if !self.notes.contains(&n) {
                self.notes.push(n);
            }
        }
        let offset = self.steps.len();
        for s in plan.steps {
            self.steps.push(Step {
                id: offset + s.id,
                depends_on: s.depends_on.iter().map(|d| d + offset).collect(),
                ..s
            });
        }
        self.state = next.clone();
        Ok(())
    }

    /// Appends one schema change (simulated on the state).
    pub fn change(&mut self, change: Change, phase: Phase) -> Result<(), RefactorError> {
        let transactional = self.dialect != Dialect::Mysql;
        let step = self.step(change, phase, transactional);
        let one = Plan {
            dialect: self.dialect,
            steps: vec![step.clone()],
            notes: Vec::new(),
        };
        self.state = migrex_diff::simulate(&self.state, &one).map_err(|e| self.plan_error(e))?;
        self.steps.push(step);
        Ok(())
    }

    /// Appends a data step on `table`. Batched steps run outside one transaction (each batch is
    /// its own); the others run in one.
    pub fn data(&mut self, table: &QualifiedName, operation: DataOp) {
        let transactional = !operation.is_batched();
        let step = self.step(
            Change::Data {
                table: table.clone(),
                operation,
            },
            Phase::Backfill,
            transactional,
        );
        self.steps.push(step);
    }

    fn step(&self, change: Change, phase: Phase, transactional: bool) -> Step {
        let id = self.steps.len();
        Step {
            id,
            change,
            phase,
            depends_on: id.checked_sub(1).into_iter().collect(),
            transactional,
        }
    }

    pub fn finish(self) -> Plan {
        Plan {
            dialect: self.dialect,
            steps: self.steps,
            notes: self.notes,
        }
    }
}

/// Appends `more`'s steps to `plan`, renumbered.
pub(crate) fn append(plan: &mut Plan, more: &Plan) {
    let offset = plan.steps.len();
    for s in &more.steps {
        let mut s = s.clone();
        s.id += offset;
        for d in &mut s.depends_on {
            *d += offset;
        }
        if s.depends_on.is_empty() && offset > 0 && s.id == offset {
            s.depends_on.push(offset - 1);
        }
        plan.steps.push(s);
    }
    for n in &more.notes {
        if !plan.notes.contains(n) {
            plan.notes.push(n.clone());
        }
    }
}
