//! Knex projects (`knex:PATH`): a folder with a knexfile (`knexfile.{js,cjs,mjs,ts}`) or a
//! migrations folder. Knex has no models: the schema is what the migrations build, so the reader
//! replays every migration's `up` in the order Knex runs them (file names, lexically).
//!
//! Each migration is parsed with oxc ([`js`]); its schema-builder calls are rendered as the SQL
//! Knex 3.3's own client sends for the dialect ([`ddl`]: `pg`, `better-sqlite3`/`sqlite3`,
//! `mysql2`) and read by `migrex_source_sql`, so types and default names are Knex's. Steps that
//! depend on the table's current definition (Knex's SQLite rebuilds and MySQL `modify`, and what
//! PostgreSQL and MariaDB do implicitly) are applied to the schema built so far and written back
//! as the table. Dynamic code (conditions, helpers, loops over computed values) is an error at
//! its position. The knexfile is read statically: `client` gives the configured dialect and
//! `migrations.directory` (default `./migrations`) the folder; values only known at run time are
//! reported as warnings and the defaults used.

pub mod ddl;
pub mod js;

use crate::{History, OrmError, Project, Reader};
use migrex_model::{
    Change, Column, Dialect, FkAction, ForeignKey, IndexKey, Loaded, PrimaryKey, Provenance,
    QualifiedName, Table, Warning,
};
use oxc_allocator::Allocator;
use oxc_ast::ast::*;
use oxc_parser::Parser;
use std::path::{Path, PathBuf};

/// What the Knex writer needs: where migrations go and how they are written.
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// The migrations folder, relative to the project root.
    pub migrations_dir: PathBuf,
    /// The extension existing migrations use (`js`, `cjs`, `ts`, `mjs`).
    pub extension: String,
    /// Whether existing migrations are ES modules (`export async function up`).
    pub esm: bool,
    /// The knexfile's `client`, as written.
    pub client: Option<String>,
}

/// The knexfile's settings that matter here.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub knexfile: Option<PathBuf>,
    pub client: Option<String>,
    /// Relative to the project root.
    pub migrations_dir: PathBuf,
    pub load_extensions: Vec<String>,
    pub warnings: Vec<Warning>,
}

pub struct KnexReader;

const KNEXFILES: [&str; 4] = ["knexfile.js", "knexfile.cjs", "knexfile.mjs", "knexfile.ts"];
const DEFAULT_EXTENSIONS: [&str; 3] = ["js", "cjs", "ts"];

/// The dialect a Knex `client` stands for.
pub fn client_dialect(client: &str) -> Option<Dialect> {
    match client {
        "sqlite3" | "better-sqlite3" | "sqlite" => Some(Dialect::Sqlite),
        "pg" | "postgres" | "postgresql" | "pg-native" | "pgnative" => Some(Dialect::Postgres),
        "mysql" | "mysql2" | "mariadb" => Some(Dialect::Mysql),
        _ => None,
    }
}

fn prop<'a, 'b>(o: &'b ObjectExpression<'a>, key: &str) -> Option<&'b Expression<'a>> {
    o.properties.iter().find_map(|p| match p {
        ObjectPropertyKind::ObjectProperty(p) if p.key.static_name().is_some_and(|k| k == key) => {
            Some(&p.value)
        }
        _ => None,
    })
}

fn literal(e: &Expression) -> Option<String> {
    match e {
        Expression::StringLiteral(s) => Some(s.value.to_string()),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() => {
            t.quasis.first().map(|q| q.value.raw.to_string())
        }
        _ => None,
    }
}

/// `'./db/migrations'`, or `path.join(__dirname, 'db', 'migrations')`.
fn dir_value(e: &Expression) -> Option<String> {
    if let Some(s) = literal(e) {
        return Some(s);
    }
    let Expression::CallExpression(c) = e else {
        return None;
    };
    let Expression::StaticMemberExpression(m) = &c.callee else {
        return None;
    };
    if !matches!(m.property.name.as_str(), "join" | "resolve") {
        return None;
    }
    let mut parts = Vec::new();
    for a in &c.arguments {
        match a.as_expression()? {
            Expression::Identifier(id) if id.name == "__dirname" => {}
            x => parts.push(literal(x)?),
        }
    }
    Some(parts.join("/"))
}

/// Reads the knexfile statically.
pub fn config(root: &Path) -> Config {
    let mut cfg = Config {
        migrations_dir: PathBuf::from("migrations"),
        load_extensions: DEFAULT_EXTENSIONS.iter().map(|s| s.to_string()).collect(),
        ..Config::default()
    };
    let Some(file) = KNEXFILES.iter().map(|f| root.join(f)).find(|p| p.is_file()) else {
        return cfg;
    };
    cfg.knexfile = Some(file.clone());
    let Ok(text) = std::fs::read_to_string(&file) else {
        return cfg;
    };
    let allocator = Allocator::default();
    let ret = Parser::new(&allocator, &text, js::source_type(&file)).parse();
    let program = &ret.program;
    let loc = file.display().to_string();
    // Top-level `const x = {...}` bindings, for `module.exports = x`.
    let mut consts: Vec<(String, &Expression)> = Vec::new();
    let mut exported: Option<&Expression> = None;
    for st in &program.body {
        match st {
            Statement::VariableDeclaration(d) => {
                for dec in &d.declarations {
                    if let (BindingPattern::BindingIdentifier(id), Some(init)) =
                        (&dec.id, &dec.init)
                    {
                        consts.push((id.name.to_string(), init));
                    }
                }
            }
            Statement::ExportDeclaration(e) => {
                if let Declaration::VariableDeclaration(d) = &e.declaration {
                    for dec in &d.declarations {
                        if let (BindingPattern::BindingIdentifier(id), Some(init)) =
                            (&dec.id, &dec.init)
                        {
                            consts.push((id.name.to_string(), init));
                        }
                    }
                }
            }
            Statement::ExpressionStatement(es) => {
                if let Expression::AssignmentExpression(a) = &es.expression
                    && let AssignmentTarget::StaticMemberExpression(m) = &a.left
                    && m.property.name == "exports"
                    && matches!(&m.object, Expression::Identifier(id) if id.name == "module")
                {
                    exported = Some(&a.right);
                }
            }
            Statement::ExportDefaultDeclaration(e) => {
                if let Some(x) = e.declaration.as_expression() {
                    exported = Some(x);
                }
            }
            _ => {}
        }
    }
    let resolve = |e: &'_ Expression| -> Option<String> {
        match e {
            Expression::Identifier(id) => Some(id.name.to_string()),
            _ => None,
        }
    };
    let mut target = exported;
    for _ in 0..3 {
        if let Some(e) = target
            && let Some(name) = resolve(e)
        {
            target = consts.iter().find(|(n, _)| *n == name).map(|(_, e)| *e);
        }
    }
    let obj = match target {
        Some(Expression::ObjectExpression(o)) => o,
        _ => {
            cfg.warnings.push(Warning {
                message: "the knexfile's configuration is not a literal object: the client and migrations folder are not known statically (using ./migrations)".into(),
                location: Some(loc),
            });
            return cfg;
        }
    };
    // An environment map (`development: {...}, production: {...}`): Knex's CLI uses NODE_ENV,
    // `development` by default.
    let obj: &ObjectExpression = if prop(obj, "client").is_none()
        && prop(obj, "migrations").is_none()
    {
        let env = prop(obj, "development").or_else(|| {
            obj.properties.iter().find_map(|p| match p {
                ObjectPropertyKind::ObjectProperty(p) => Some(&p.value),
                _ => None,
            })
        });
        let env = env.map(|e| match resolve(e) {
            Some(n) => consts
                .iter()
                .find(|(c, _)| *c == n)
                .map(|(_, e)| *e)
                .unwrap_or(e),
            None => e,
        });
        match env {
            Some(Expression::ObjectExpression(o)) => o,
            _ => {
                cfg.warnings.push(Warning {
                    message: "the knexfile's environment configuration is not a literal object (using ./migrations)".into(),
                    location: Some(loc),
                });
                return cfg;
            }
        }
    } else {
        obj
    };
    if let Some(e) = prop(obj, "client") {
        match literal(e) {
            Some(c) => cfg.client = Some(c),
            None => cfg.warnings.push(Warning {
                message: "the knexfile's `client` is computed at run time: the dialect is not known statically".into(),
                location: Some(loc.clone()),
            }),
        }
    }
    if let Some(Expression::ObjectExpression(m)) = prop(obj, "migrations") {
        if let Some(d) = prop(m, "directory") {
            match dir_value(d) {
                Some(dir) => cfg.migrations_dir = PathBuf::from(dir.trim_start_matches("./")),
                None => cfg.warnings.push(Warning {
                    message: "the knexfile's `migrations.directory` is computed at run time (using ./migrations)".into(),
                    location: Some(loc.clone()),
                }),
            }
        }
        if let Some(Expression::ArrayExpression(a)) = prop(m, "loadExtensions") {
            let exts: Vec<String> = a
                .elements
                .iter()
                .filter_map(|e| e.as_expression().and_then(literal))
                .map(|e| e.trim_start_matches('.').to_string())
                .collect();
            if !exts.is_empty() {
                cfg.load_extensions = exts;
            }
        }
    }
    cfg
}

/// The migration files Knex runs, in its order (file names, lexically).
pub fn migration_files(dir: &Path, exts: &[String]) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| exts.iter().any(|x| x == e))
                && !p.to_string_lossy().ends_with(".d.ts")
        })
        .collect();
    v.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    v
}

fn looks_like_migrations(dir: &Path) -> bool {
    migration_files(dir, &["js".into(), "cjs".into(), "ts".into(), "mjs".into()])
        .iter()
        .any(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| {
                t.contains(".schema.createTable(")
                    || t.contains(".schema.alterTable(")
                    || t.contains("knex.schema")
            })
        })
}

/// The table a patch applies to, in the schema built so far.
fn find_table(loaded: &Loaded, schema: Option<&str>, name: &str) -> Option<QualifiedName> {
    let namespaces: Vec<&str> = match schema {
        Some(s) => vec![s],
        None => vec!["public", "", "main"],
    };
    for ns in namespaces {
        let qn = QualifiedName::new(ns, name);
        if loaded.schema.table(&qn).is_some() {
            return Some(qn);
        }
    }
    None
}

fn fk_action(s: Option<&str>) -> FkAction {
    match s.map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("cascade") => FkAction::Cascade,
        Some("set null") => FkAction::SetNull,
        Some("set default") => FkAction::SetDefault,
        Some("restrict") => FkAction::Restrict,
        _ => FkAction::NoAction,
    }
}

/// A column as the database reads a Knex column definition (what follows the name).
fn parse_column(dialect: Dialect, name: &str, definition: &str) -> Result<Column, String> {
    let sql = format!(
        "create table {} ({} {definition})",
        ddl::wrap(dialect, "__knex_column"),
        ddl::wrap(dialect, name)
    );
    let l = migrex_source_sql::parse(&sql, dialect, "knex").map_err(|e| e.to_string())?;
    l.schema
        .namespaces
        .values()
        .flat_map(|ns| ns.tables.values())
        .find_map(|t| t.columns.values().next().cloned())
        .ok_or_else(|| "no column".to_string())
}

/// Applies a change Knex makes from the table's current definition (SQLite's `SQLite3_DDL`
/// rebuilds, MySQL's `modify`) to the table.
fn apply_patch(dialect: Dialect, table: &mut Table, patch: &ddl::Patch) -> Result<(), String> {
    use ddl::Patch;
    match patch {
        Patch::AlterColumn {
            column,
            type_sql,
            default,
            not_null,
            definition,
        } => {
            let Some(old) = table.columns.get(column) else {
                return Err(format!(
                    "alter(): table {} has no column {column}",
                    table.name
                ));
            };
            let def = definition.clone().unwrap_or_else(|| {
                format!(
                    "{type_sql}{}{}",
                    if *not_null { " not null" } else { "" },
                    default
                        .as_ref()
                        .map(|d| format!(" default {d}"))
                        .unwrap_or_default()
                )
            });
            let mut c = parse_column(dialect, column, &def)?;
            if dialect == Dialect::Sqlite {
                c.collation = old.collation.clone();
            }
            table.columns.insert(column.clone(), c);
            mysql_drops_column_check(dialect, table, column);
        }
        Patch::DropColumns(cols) => drop_columns(table, cols, dialect != Dialect::Postgres),
        Patch::DropForeign { columns, name } => match name {
            Some(n) => table.foreign_keys.retain(|f| f.name.as_deref() != Some(n)),
            None => table
                .foreign_keys
                .retain(|f| f.columns.iter().all(|c| !columns.contains(c))),
        },
        Patch::DropPrimary(name) => {
            if name.is_none()
                || table.primary_key.as_ref().and_then(|p| p.name.as_ref()) == name.as_ref()
            {
                table.primary_key = None;
            }
        }
        Patch::Primary { columns, name } => {
            table.primary_key = Some(PrimaryKey {
                name: name.clone(),
                columns: columns.clone(),
            });
        }
        Patch::Foreign(fk) => table.foreign_keys.push(ForeignKey {
            name: fk.name.clone(),
            columns: fk.columns.clone(),
            ref_table: QualifiedName::new("", fk.ref_table.clone()),
            ref_columns: fk.ref_columns.clone(),
            on_delete: fk_action(fk.on_delete.as_deref()),
            on_update: fk_action(fk.on_update.as_deref()),
            deferrable: None,
            match_full: false,
        }),
        Patch::RenameTable(to) => table.name = to.clone(),
        Patch::Position { column, after } => {
            let Some(from) = table.columns.get_index_of(column) else {
                return Err(format!("table {} has no column {column}", table.name));
            };
            let to = match after {
                None => 0,
                Some(a) => match table.columns.get_index_of(a) {
                    Some(i) if i < from => i + 1,
                    Some(i) => i,
                    None => return Err(format!("after(): table {} has no column {a}", table.name)),
                },
            };
            table.columns.move_index(from, to);
        }
        Patch::SetNullable { column, nullable } => match table.columns.get_mut(column) {
            Some(c) => {
                c.nullable = *nullable;
                mysql_drops_column_check(dialect, table, column);
            }
            None => {
                return Err(format!(
                    ".setNullable: Column {column} does not exist in table {}.",
                    table.name
                ));
            }
        },
    }
    Ok(())
}

/// MariaDB keeps a column's own check (named after the column) in its definition: Knex's
/// `modify` rewrites the definition without it.
fn mysql_drops_column_check(dialect: Dialect, table: &mut Table, column: &str) {
    if dialect == Dialect::Mysql {
        table.checks.retain(|c| c.name.as_deref() != Some(column));
    }
}

/// Drops columns with what depends on them: SQLite (Knex's rebuild) keeps an index with its
/// remaining columns; PostgreSQL drops every index and constraint that uses one.
fn drop_columns(table: &mut Table, cols: &[String], sqlite: bool) {
    let hit = |c: &String| cols.contains(c);
    for c in cols {
        table.columns.shift_remove(c);
    }
    if table
        .primary_key
        .as_ref()
        .is_some_and(|p| p.columns.iter().any(hit))
    {
        table.primary_key = None;
    }
    table.uniques.retain(|u| !u.columns.iter().any(hit));
    table.foreign_keys.retain(|f| !f.columns.iter().any(hit));
    if !sqlite {
        table
            .checks
            .retain(|c| !expr_columns(&c.expr.sql).iter().any(hit));
    }
    if sqlite {
        for i in &mut table.indexes {
            i.parts
                .retain(|p| !matches!(&p.key, IndexKey::Column(c) if hit(c)));
        }
        table.indexes.retain(|i| !i.parts.is_empty());
    } else {
        table.indexes.retain(|i| {
            !i.parts
                .iter()
                .any(|p| matches!(&p.key, IndexKey::Column(c) if hit(c)))
        });
    }
}

/// The identifiers an expression mentions (quoted or not), lower-cased when unquoted: enough
/// to know whether a check constraint uses a column.
fn expr_columns(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut id = String::new();
            while let Some(d) = chars.next() {
                if d == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        id.push('"');
                        continue;
                    }
                    break;
                }
                id.push(d);
            }
            out.push(id);
        } else if c == '\'' {
            // Skip string literals.
            while let Some(d) = chars.next() {
                if d == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                        continue;
                    }
                    break;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            let mut id = c.to_string();
            while let Some(&d) = chars.peek() {
                if d.is_alphanumeric() || d == '_' || d == '$' {
                    id.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(id.to_lowercase());
        }
    }
    out
}

/// The table after a patch, as SQL: dropped and created again.
fn rebuild(
    dialect: Dialect,
    qn: &QualifiedName,
    current: &Table,
    patch: &ddl::Patch,
) -> Result<Vec<String>, String> {
    let mut rebuilt = current.clone();
    apply_patch(dialect, &mut rebuilt, patch)?;
    let r = migrex_render_sql::renderer(dialect);
    let mut v = r
        .render_change(&Change::DropTable {
            name: qn.clone(),
            table: current.clone(),
        })
        .map_err(|e| e.to_string())?;
    v.extend(
        r.render_change(&Change::CreateTable {
            name: qn.clone(),
            table: rebuilt,
        })
        .map_err(|e| e.to_string())?,
    );
    Ok(v)
}

/// Appends the pieces' SQL to the script (a patch is made from the schema the script builds).
fn apply_pieces(
    script: &mut String,
    dialect: Dialect,
    pieces: Vec<ddl::Piece>,
) -> Result<(), (js::Pos, String)> {
    for piece in pieces {
        match piece {
            ddl::Piece::Sql(sql, _) => {
                script.push_str(&sql);
                script.push_str(";\n");
            }
            ddl::Piece::Patch {
                schema,
                table,
                patch,
                pos,
            } => {
                let sqls = patch_sql(script, dialect, schema.as_deref(), &table, &patch)
                    .map_err(|m| (pos, m))?;
                for s in sqls {
                    script.push_str(&s);
                    script.push_str(";\n");
                }
            }
        }
    }
    Ok(())
}

/// The SQL that makes a patch's change to the table as `script` left it: the table dropped and
/// written again as it is after the change (a rename first on PostgreSQL and MySQL, where the
/// constraint names given at creation stay).
fn patch_sql(
    script: &str,
    dialect: Dialect,
    schema: Option<&str>,
    table: &str,
    patch: &ddl::Patch,
) -> Result<Vec<String>, String> {
    let loaded = migrex_source_sql::parse(script, dialect, "knex")
        .map_err(|e| format!("the schema before this step does not read: {e}"))?;
    let Some(qn) = find_table(&loaded, schema, table) else {
        return Err(format!(
            "table `{table}` does not exist at this point of the migrations"
        ));
    };
    let current = loaded
        .schema
        .table(&qn)
        .cloned()
        .unwrap_or_else(|| Table::new(table));
    match patch {
        ddl::Patch::RenameTable(to) if dialect != Dialect::Sqlite => {
            // The DDL reader names unnamed constraints after the table's final name; the
            // database named them at creation. The table is renamed (references follow), then
            // written again with those names.
            let qt = match schema {
                Some(s) => format!("{}.{}", ddl::wrap(dialect, s), ddl::wrap(dialect, table)),
                None => ddl::wrap(dialect, table),
            };
            let new = QualifiedName::new(qn.namespace.clone(), to.clone());
            let mut renamed = current.clone();
            renamed.name = to.clone();
            let mut v = vec![format!(
                "alter table {qt} rename to {}",
                ddl::wrap(dialect, to)
            )];
            v.extend(rebuild(
                dialect,
                &new,
                &renamed,
                &ddl::Patch::RenameTable(to.clone()),
            )?);
            Ok(v)
        }
        _ => rebuild(dialect, &qn, &current, patch),
    }
}

/// Replays the migrations: the schema they build on `dialect`.
pub fn replay(files: &[PathBuf], dialect: Dialect) -> Result<Loaded, OrmError> {
    let mut script = String::new();
    let mut locations = indexmap::IndexMap::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| OrmError::io(file, e))?;
        let at = |p: js::Pos, m: String| OrmError::at(file, &text, p.line, p.column, m);
        // `hasTable`/`hasColumn` are answered from the schema the migrations built so far.
        let before = script.clone();
        let mut probe = |ops: &[js::Op], q: &js::Probe| -> Option<bool> {
            let mut s = before.clone();
            let pieces = ddl::render(dialect, ops).ok()?;
            apply_pieces(&mut s, dialect, pieces).ok()?;
            let loaded = migrex_source_sql::parse(&s, dialect, "knex").ok()?;
            let qn = find_table(&loaded, q.schema.as_deref(), &q.table);
            Some(match (&q.column, qn) {
                (None, qn) => qn.is_some(),
                (Some(c), Some(qn)) => loaded
                    .schema
                    .table(&qn)
                    .is_some_and(|t| t.columns.contains_key(c)),
                (Some(_), None) => false,
            })
        };
        let ops =
            js::migration_ops_with(file, &text, &mut probe).map_err(|e| at(e.pos, e.message))?;
        for op in &ops {
            if let js::Op::Table {
                method,
                schema,
                name,
                pos,
                ..
            } = op
                && method.starts_with("create")
            {
                let ns = schema.clone().unwrap_or_else(|| {
                    if dialect == Dialect::Postgres {
                        "public".into()
                    } else {
                        String::new()
                    }
                });
                let key = if ns.is_empty() {
                    format!("table {name}")
                } else {
                    format!("table {ns}.{name}")
                };
                locations.insert(
                    key,
                    format!("{}:{}:{}", file.display(), pos.line, pos.column),
                );
            }
        }
        let pieces = ddl::render(dialect, &ops).map_err(|e| at(e.pos, e.message))?;
        apply_pieces(&mut script, dialect, pieces).map_err(|(p, m)| at(p, m))?;
    }
    let mut loaded =
        migrex_source_sql::parse(&script, dialect, "knex migrations").map_err(|e| {
            OrmError::Usage(format!(
                "the SQL the Knex migrations build does not read: {e}\n{script}"
            ))
        })?;
    loaded.provenance = Provenance { locations };
    Ok(loaded)
}

impl Reader for KnexReader {
    fn detect(&self, root: &Path) -> bool {
        if !root.is_dir() {
            return false;
        }
        if KNEXFILES.iter().any(|f| root.join(f).is_file()) {
            return true;
        }
        looks_like_migrations(&root.join("migrations"))
    }

    fn configured_dialect(&self, root: &Path) -> Option<Dialect> {
        config(root).client.as_deref().and_then(client_dialect)
    }

    fn read(&self, root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
        let cfg = config(root);
        let dir = root.join(&cfg.migrations_dir);
        if !dir.is_dir() {
            return Err(OrmError::Usage(format!(
                "{} has no Knex migrations folder ({} does not exist)",
                root.display(),
                dir.display()
            )));
        }
        let files = migration_files(&dir, &cfg.load_extensions);
        let mut loaded = replay(&files, dialect)?;
        loaded.warnings.extend(cfg.warnings.iter().cloned());
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        let extension = files
            .last()
            .and_then(|f| f.extension())
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_else(|| "js".into());
        let esm = files
            .last()
            .and_then(|f| std::fs::read_to_string(f).ok())
            .is_some_and(|t| {
                t.contains("export async function up")
                    || t.contains("export function up")
                    || t.contains("export const up")
            });
        Ok(Project {
            framework: crate::Framework::Knex,
            root: root.to_path_buf(),
            models: crate::Models::Knex(Models {
                migrations_dir: cfg.migrations_dir.clone(),
                extension,
                esm,
                client: cfg.client.clone(),
            }),
            history: History {
                dir: Some(dir),
                heads: names.last().cloned().into_iter().collect(),
                migrations: names,
                state: Some(loaded.clone()),
            },
            loaded,
        })
    }
}
