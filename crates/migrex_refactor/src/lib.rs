//! RECIPES: refactor intents (split a table, change a key, archive rows) into up and down plans
//! that move the data with the schema.
//!
//! Input: the current `Schema`, a recipe name and its parameters (flags or a TOML recipe file).
//! Output: a `Refactor`: the up plan, the down plan, notes and the target schema. Allowed
//! dependencies: model, dialect, diff, serde, toml. No I/O, no printing.
//!
//! Each plan is a sequence of schema stages and data steps. A schema stage is the differ's plan
//! from the current state to the next intermediate schema the recipe computes (so FK order,
//! SQLite rebuilds and MySQL quirks are the differ's, already tested); data steps
//! (`Change::Data`) sit between stages: pre-flight checks before anything changes, proof
//! capture before and proof check after every step that moves or transforms rows. The down plan
//! is built the same way from the target and ends at exactly the source schema, so
//! `simulate(from, up) == target` and `simulate(target, down) == from` by construction (and
//! tested).
//!
//! Recipes live one per module and are listed once in `RECIPES`.

mod add_column;
mod archive;
mod builder;
mod change_pk;
mod change_type;
mod extract_lookup;
mod many_to_many;
mod merge_tables;
mod params;
mod rename;
mod split_table;
mod util;

pub use params::{ParamValue, Params, RecipeFile, RecipeStep};

use migrex_model::{Dialect, Plan, Schema};
use serde::Serialize;

/// The result of a recipe: the plans both ways and the schema the up plan ends at.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refactor {
    pub dialect: Dialect,
    pub up: Plan,
    pub down: Plan,
    /// What the user should know: deploy checkpoints, what the down plan cannot restore exactly.
    pub notes: Vec<String>,
    pub target: Schema,
}

/// Settings shared by every recipe.
#[derive(Debug, Clone)]
pub struct Options {
    /// Zero-downtime variants where the recipe has one (rename-table, rename-column).
    pub online: bool,
    /// Rows per batch of every batched update or copy.
    pub batch_size: u32,
    /// PostgreSQL major version when known (16+ has `pg_input_is_valid` for pre-flight checks).
    pub pg_major: Option<u32>,
    /// Rows a pre-flight check shows before it stops the apply.
    pub preflight_limit: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            online: false,
            batch_size: 1000,
            pg_major: None,
            preflight_limit: 20,
        }
    }
}

/// Why a recipe cannot be built. Every variant names the object at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RefactorError {
    #[error("unknown recipe '{0}' (see `migrex refactor --list`)")]
    UnknownRecipe(String),
    #[error("{recipe}: missing parameter --{param}")]
    MissingParam { recipe: String, param: String },
    #[error("{recipe}: unknown parameter '{param}' (accepted: {accepted})")]
    UnknownParam {
        recipe: String,
        param: String,
        accepted: String,
    },
    #[error("{recipe}: parameter --{param}: {message}")]
    BadParam {
        recipe: String,
        param: String,
        message: String,
    },
    #[error("table '{0}' does not exist")]
    UnknownTable(String),
    #[error("column '{column}' does not exist in table '{table}'")]
    UnknownColumn { table: String, column: String },
    #[error("{object} already exists")]
    Exists { object: String },
    #[error("table '{table}' has no primary key: {why}")]
    NoPrimaryKey { table: String, why: String },
    #[error("column {table}.{column} of type {from} cannot be converted to {to}")]
    NotConvertible {
        table: String,
        column: String,
        from: String,
        to: String,
    },
    #[error("{recipe}: {message}")]
    Unsupported { recipe: String, message: String },
    /// The differ's stage plan did not apply to the model (a schema the recipe cannot handle).
    #[error("{recipe}: cannot plan a stage: {message}")]
    Plan { recipe: String, message: String },
    #[error("recipe file: {0}")]
    File(String),
}

/// A parameter a recipe accepts.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Param {
    pub name: &'static str,
    pub doc: &'static str,
    pub required: bool,
    pub kind: ParamKind,
}

/// How a parameter is written: `--table t`, `--columns a,b` (a TOML list too), `--not-null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    Text,
    List,
    Flag,
}

type BuildFn = fn(&Schema, &Params, &Options) -> Result<Refactor, RefactorError>;

/// One recipe of the registry.
#[derive(Clone, Copy)]
pub struct Recipe {
    pub name: &'static str,
    /// One line for `migrex refactor --list`.
    pub doc: &'static str,
    pub params: &'static [Param],
    build: BuildFn,
}

impl std::fmt::Debug for Recipe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recipe").field("name", &self.name).finish()
    }
}

impl Recipe {
    /// Builds the refactor of `schema` with `params`, after checking that every parameter is one
    /// the recipe knows and every required one is there.
    pub fn build(
        &self,
        schema: &Schema,
        params: &Params,
        options: &Options,
    ) -> Result<Refactor, RefactorError> {
        params.check(self)?;
        let mut r = (self.build)(schema, params, options)?;
        if options.online && !ONLINE.contains(&self.name) {
            r.notes.push(format!(
                "{}: no --online variant (its data steps are batched already); the plan is the same",
                self.name
            ));
        }
        Ok(r)
    }
}

/// The recipes with a zero-downtime variant.
const ONLINE: &[&str] = &["rename-table", "rename-column"];

/// Every recipe, in `--list` order.
pub const RECIPES: &[Recipe] = &[
    rename::RENAME_TABLE,
    rename::RENAME_COLUMN,
    change_type::RECIPE,
    add_column::RECIPE,
    split_table::RECIPE,
    merge_tables::RECIPE,
    extract_lookup::RECIPE,
    change_pk::RECIPE,
    many_to_many::TO_MANY_TO_MANY,
    many_to_many::TO_ONE_TO_MANY,
    archive::RECIPE,
];

/// The recipe named `name`.
pub fn recipe(name: &str) -> Result<&'static Recipe, RefactorError> {
    RECIPES
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| RefactorError::UnknownRecipe(name.to_string()))
}

/// Builds one recipe by name.
pub fn refactor(
    schema: &Schema,
    name: &str,
    params: &Params,
    options: &Options,
) -> Result<Refactor, RefactorError> {
    recipe(name)?.build(schema, params, options)
}

/// Applies every step of a recipe file in order, each starting from the previous one's target:
/// the up plans are concatenated in order, the down plans in reverse order.
pub fn refactor_file(
    schema: &Schema,
    file: &RecipeFile,
    options: &Options,
) -> Result<Refactor, RefactorError> {
    if file.steps.is_empty() {
        return Err(RefactorError::File("no [[step]] in the file".into()));
    }
    let mut current = schema.clone();
    let mut parts = Vec::new();
    for step in &file.steps {
        let mut opts = options.clone();
        if let Some(b) = step.batch_size.or(file.batch_size) {
            opts.batch_size = b;
        }
        opts.online |= step.online;
        let r = refactor(&current, &step.recipe, &step.params, &opts)?;
        current = r.target.clone();
        parts.push(r);
    }
    Ok(concat(schema.dialect, parts))
}

/// Several refactors one after the other as one.
fn concat(dialect: Dialect, parts: Vec<Refactor>) -> Refactor {
    let mut up = Plan {
        dialect,
        steps: Vec::new(),
        notes: Vec::new(),
    };
    let mut down = up.clone();
    let mut notes = Vec::new();
    let mut target = Schema::new(dialect);
    for p in &parts {
        builder::append(&mut up, &p.up);
        notes.extend(p.notes.iter().cloned());
        target = p.target.clone();
    }
    for p in parts.iter().rev() {
        builder::append(&mut down, &p.down);
    }
    Refactor {
        dialect,
        up,
        down,
        notes,
        target,
    }
}
