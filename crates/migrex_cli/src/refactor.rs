//! `migrex refactor`: a refactor recipe (split a table, change a key, archive rows...) on a
//! schema, printed as the up SQL; with `--out`, up.sql, down.sql and the executor's
//! migration.json.

use crate::{DialectArg, SqlOrJson, print_warnings};
use clap::Args;
use migrex_apply::exec::MigrationFile;
use migrex_refactor::{Options, ParamKind, ParamValue, Params, RecipeFile, Refactor};
use migrex_render_sql::{RenderedStep, render_plan, to_script};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  migrex refactor --list\n  migrex refactor split-table --table products --into variants --columns sku,price,stock --schema shop.sql --dialect postgres\n  migrex refactor change-type orders.qty integer --schema postgres://localhost/shop --out migrations/0007\n  migrex refactor archive --table events --where \"created_at < '2024-01-01'\" --schema app.db.sql --dialect sqlite\n  migrex refactor --file recipe.toml --schema shop.sql --out migrations/0008\n\nParameters are flags (--table, --columns a,b, ...) or, for the required ones, positional in the\norder `--list` prints them. A TOML recipe file lists several recipes as [[step]] tables\n(recipe = \"split-table\", table = \"products\", ...), each applied to the previous one's result."
)]
pub struct RefactorArgs {
    /// The recipe (see --list).
    recipe: Option<String>,
    /// The recipe's required parameters, in order (instead of their flags).
    #[arg(value_name = "PARAM")]
    positional: Vec<String>,
    /// List the recipes with their parameters.
    #[arg(long)]
    list: bool,
    /// A TOML recipe file: [[step]] tables, each a recipe and its parameters.
    #[arg(long, conflicts_with = "recipe")]
    file: Option<PathBuf>,
    /// The current schema: a .sql file, a database URL or an ORM project (django:PATH, ...).
    #[arg(long)]
    schema: Option<String>,
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    /// Also write up.sql, down.sql and migration.json (for `migrex apply`) into this directory
    /// (with --target: the project root the framework's migration files go under).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write the refactor as this framework's migration files (django, alembic, rails, prisma,
    /// typeorm, knex, efcore): its schema steps and its data steps with their reverse.
    #[arg(long, value_parser = crate::parse_target)]
    target: Option<migrex::Target>,
    #[arg(long, value_enum, default_value = "sql")]
    format: SqlOrJson,
    /// The zero-downtime variant where the recipe has one (rename-table, rename-column).
    #[arg(long)]
    online: bool,
    /// Rows per batch of the batched data steps.
    #[arg(long, default_value_t = 1000)]
    batch_size: u32,
    /// The PostgreSQL major version (16 and later check conversions with pg_input_is_valid).
    #[arg(long, value_name = "MAJOR")]
    pg_version: Option<u32>,
    #[command(flatten)]
    params: ParamFlags,
}

/// Every recipe parameter as a flag (`--list` says which recipe takes which).
#[derive(Args, Default)]
struct ParamFlags {
    #[arg(long)]
    table: Option<String>,
    #[arg(long)]
    column: Option<String>,
    #[arg(long)]
    columns: Option<String>,
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    into: Option<String>,
    #[arg(long = "type", value_name = "TYPE")]
    ty: Option<String>,
    #[arg(long)]
    using: Option<String>,
    #[arg(long, value_name = "EXPR")]
    from: Option<String>,
    #[arg(long)]
    not_null: bool,
    #[arg(long)]
    default: Option<String>,
    #[arg(long = "where", value_name = "CONDITION")]
    condition: Option<String>,
    #[arg(long)]
    key: Option<String>,
    #[arg(long)]
    key_name: Option<String>,
    #[arg(long)]
    one_to_one: bool,
    #[arg(long)]
    child: Option<String>,
    #[arg(long)]
    name_column: Option<String>,
    #[arg(long)]
    child_key_name: Option<String>,
    #[arg(long)]
    parent_key_name: Option<String>,
}

impl ParamFlags {
    fn to_params(&self) -> Params {
        let mut p = Params::new();
        let text = [
            ("table", &self.table),
            ("column", &self.column),
            ("columns", &self.columns),
            ("to", &self.to),
            ("into", &self.into),
            ("type", &self.ty),
            ("using", &self.using),
            ("from", &self.from),
            ("default", &self.default),
            ("where", &self.condition),
            ("key", &self.key),
            ("key-name", &self.key_name),
            ("child", &self.child),
            ("name-column", &self.name_column),
            ("child-key-name", &self.child_key_name),
            ("parent-key-name", &self.parent_key_name),
        ];
        for (name, value) in text {
            if let Some(v) = value {
                p.set(name, ParamValue::Text(v.clone()));
            }
        }
        for (name, on) in [("not-null", self.not_null), ("one-to-one", self.one_to_one)] {
            if on {
                p.set(name, ParamValue::Flag(true));
            }
        }
        p
    }
}

#[derive(Serialize)]
struct Report<'a> {
    dialect: migrex::model::Dialect,
    up: &'a [RenderedStep],
    down: &'a [RenderedStep],
    notes: &'a [String],
}

pub fn run(args: RefactorArgs, quiet: bool) -> Result<ExitCode, migrex::Error> {
    if args.list {
        out!("{}", list());
        return Ok(ExitCode::SUCCESS);
    }
    let usage = |m: String| migrex::Error::Usage(m);
    let source = args.schema.clone().ok_or_else(|| {
        usage("--schema SOURCE is required (a .sql file or a database URL)".into())
    })?;
    let options = Options {
        online: args.online,
        batch_size: args.batch_size,
        pg_major: args.pg_version,
        ..Options::default()
    };
    let (refactor, name, from) = match (&args.file, &args.recipe) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| migrex::Error::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            let file = RecipeFile::parse(&text).map_err(|e| usage(e.to_string()))?;
            let loaded = migrex::load_source(&source, args.dialect.map(Into::into))?;
            print_warnings(quiet, &[&loaded.loaded]);
            let name = path
                .file_stem()
                .map_or("refactor".into(), |s| s.to_string_lossy().to_string());
            let r = migrex_refactor::refactor_file(&loaded.loaded.schema, &file, &options)
                .map_err(|e| usage(e.to_string()))?;
            (r, name, loaded)
        }
        (None, Some(recipe)) => {
            let r = migrex_refactor::recipe(recipe).map_err(|e| usage(e.to_string()))?;
            let mut params = args.params.to_params();
            positional(r, &args.positional, &mut params).map_err(usage)?;
            let loaded = migrex::load_source(&source, args.dialect.map(Into::into))?;
            print_warnings(quiet, &[&loaded.loaded]);
            let refactor = r
                .build(&loaded.loaded.schema, &params, &options)
                .map_err(|e| usage(e.to_string()))?;
            (refactor, recipe.clone(), loaded)
        }
        (None, None) => {
            return Err(usage(
                "name a recipe (see `migrex refactor --list`) or pass --file recipe.toml".into(),
            ));
        }
    };
    if let Some(target) = args.target {
        let dir = args
            .out
            .clone()
            .or_else(|| migrex::default_out_dir(target, &from))
            .ok_or_else(|| {
                usage(format!(
                    "--target {target} needs --out DIR (the project root the migration goes \
                     under) when --schema is not a {target} project"
                ))
            })?;
        let plans = migrex::OrmPlans {
            up: &refactor.up,
            down: &refactor.down,
            to: &refactor.target,
            to_project: None,
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let written = migrex::write_orm_plans(target, &plans, &from, &dir, Some(&name), now)?;
        if !quiet {
            for n in refactor.up.notes.iter().chain(&refactor.notes) {
                eprintln!("note: {n}");
            }
            for path in &written {
                eprintln!("wrote {}", path.display());
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    emit(&args, &refactor, &name, quiet)
}

/// Positional values fill the recipe's required parameters not given as flags, in order.
fn positional(
    r: &migrex_refactor::Recipe,
    values: &[String],
    params: &mut Params,
) -> Result<(), String> {
    let given = params.clone();
    let mut open = r
        .params
        .iter()
        .filter(|p| p.required && !given.0.contains_key(p.name));
    for v in values {
        let p = open.next().ok_or_else(|| {
            format!(
                "{}: unexpected argument '{v}' (every required parameter is given)",
                r.name
            )
        })?;
        let value = match p.kind {
            ParamKind::Flag => ParamValue::Flag(true),
            ParamKind::Text | ParamKind::List => ParamValue::Text(v.clone()),
        };
        params.set(p.name, value);
    }
    Ok(())
}

fn emit(
    args: &RefactorArgs,
    r: &Refactor,
    name: &str,
    quiet: bool,
) -> Result<ExitCode, migrex::Error> {
    let up = render_plan(&r.up)?;
    let down = render_plan(&r.down)?;
    if !quiet {
        for n in r.up.notes.iter().chain(&r.notes) {
            eprintln!("note: {n}");
        }
    }
    if let Some(dir) = &args.out {
        let write = |file: &str, text: &str| {
            std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(dir.join(file), text))
                .map_err(|e| migrex::Error::Io {
                    path: dir.join(file).display().to_string(),
                    message: e.to_string(),
                })
        };
        write("up.sql", &to_script(&up))?;
        write("down.sql", &to_script(&down))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let file = MigrationFile::new(
            MigrationFile::make_id(now, name),
            format!("refactor {name}"),
            r.dialect,
            up.clone(),
            down.clone(),
        );
        file.write_to_dir(dir)?;
        if !quiet {
            eprintln!(
                "wrote up.sql, down.sql and migration.json ({} steps) to {}",
                up.len(),
                dir.display()
            );
        }
    }
    match args.format {
        SqlOrJson::Sql => out!("{}", to_script(&up)),
        SqlOrJson::Json => {
            let report = Report {
                dialect: r.dialect,
                up: &up,
                down: &down,
                notes: &r.notes,
            };
            outln!(
                "{}",
                serde_json::to_string_pretty(&report)
                    .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `--list`: each recipe's name and line, then its parameters.
fn list() -> String {
    let mut out = String::new();
    for r in migrex_refactor::RECIPES {
        out.push_str(&format!("{:<18}{}\n", r.name, r.doc));
        for p in r.params {
            let flag = match p.kind {
                ParamKind::Flag => format!("--{}", p.name),
                ParamKind::List => format!("--{} A,B", p.name),
                ParamKind::Text => format!("--{} X", p.name),
            };
            out.push_str(&format!(
                "    {flag:<26}{}{}\n",
                if p.required { "(required) " } else { "" },
                p.doc
            ));
        }
    }
    out
}
