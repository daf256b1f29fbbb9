//! A Django project read from its files: settings, apps (`apps.py`), model classes and their
//! fields, resolved the way Django's model metaclass resolves them (abstract bases and mixins,
//! multi-table inheritance, proxies, implicit primary keys, many-to-many through tables).
//! Nothing is executed: what cannot be read as a literal is a diagnostic at its position.

use super::fields;
use super::names::{max_name_length, truncate_name};
use crate::OrmError;
use crate::python::{Literal, PyFile, dotted_name, keyword, literal, python_files, simple_name};
use migrex_model::Dialect;
use rustpython_parser::ast::{self, Expr, Ranged, Stmt};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Django's models as written, for the Django writer.
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// Installed apps in `INSTALLED_APPS` order (folder order without settings).
    pub apps: Vec<App>,
    /// `settings.DEFAULT_AUTO_FIELD` (class name; `AutoField` when unset). Migrations build
    /// historical models without the real AppConfig, so the key of an auto-created
    /// many-to-many table comes from this setting, not from its app's `default_auto_field`.
    pub default_auto_field: String,
}

impl Models {
    pub fn app(&self, label: &str) -> Option<&App> {
        self.apps.iter().find(|a| a.label == label)
    }

    /// The model whose table is `table`.
    pub fn model_by_table(&self, table: &str) -> Option<&Model> {
        self.apps
            .iter()
            .flat_map(|a| &a.models)
            .find(|m| m.db_table == table)
    }

    /// The many-to-many field whose auto-created through table is `table`, with its model.
    pub fn m2m_by_table(&self, table: &str) -> Option<(&Model, &Field)> {
        self.apps.iter().flat_map(|a| &a.models).find_map(|m| {
            m.fields.iter().find_map(|f| {
                let r = f.relation.as_ref()?;
                (r.kind == RelKind::ManyToMany && r.through.is_none() && r.m2m_table == table)
                    .then_some((m, f))
            })
        })
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub label: String,
    /// The app's Python package (`catalog`, `shop.orders`).
    pub module: String,
    /// The app's folder, relative to the project root.
    pub dir: PathBuf,
    /// `DEFAULT_AUTO_FIELD` for this app (class name: `BigAutoField`).
    pub default_auto_field: String,
    /// Concrete models (abstract ones folded into their subclasses, proxies left out).
    pub models: Vec<Model>,
    /// Migrations found in `<app>/migrations/`, sorted by name.
    pub migrations: Vec<MigrationFile>,
}

#[derive(Debug, Clone)]
pub struct MigrationFile {
    pub name: String,
    pub dependencies: Vec<(String, String)>,
    pub initial: bool,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub app: String,
    pub name: String,
    pub db_table: String,
    /// `Meta.db_table` as written (a migration's `options` must repeat it).
    pub explicit_db_table: bool,
    /// Concrete fields (the implicit `id` and a parent link included), then many-to-many ones.
    pub fields: Vec<Field>,
    pub indexes: Vec<IndexDef>,
    pub constraints: Vec<ConstraintDef>,
    /// `unique_together` as field names.
    pub unique_together: Vec<Vec<String>>,
    /// `app.Model` of a multi-table parent.
    pub parent: Option<String>,
    /// `Meta.managed`: an unmanaged model's table exists but Django does not create it.
    pub managed: bool,
    /// Meta options Django's autodetector tracks (`ordering`, `verbose_name`...), as written.
    pub options: Vec<(String, String)>,
    /// `Meta.db_table_comment`.
    pub db_table_comment: Option<String>,
    /// Modules the options need imported.
    pub option_imports: Vec<String>,
    /// `bases` for CreateModel, as Python expressions.
    pub bases: Vec<String>,
    pub location: String,
}

impl Model {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name == name || f.attname() == name)
    }

    pub fn pk(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.primary_key)
    }

    pub fn key(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelKind {
    ForeignKey,
    OneToOne,
    ManyToMany,
}

#[derive(Debug, Clone)]
pub struct Relation {
    pub kind: RelKind,
    /// `app.Model` of the target.
    pub to: String,
    pub to_field: Option<String>,
    /// `app.Model` of an explicit through model.
    pub through: Option<String>,
    pub db_constraint: bool,
    /// The auto-created through table of a many-to-many field.
    pub m2m_table: String,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// The field class as written (`CharField`, `CodeField`).
    pub class: String,
    /// Django's `get_internal_type()` (a custom field follows its base class).
    pub internal: String,
    /// `None` for many-to-many fields.
    pub column: Option<String>,
    pub null: bool,
    pub unique: bool,
    pub db_index: bool,
    pub primary_key: bool,
    pub max_length: Option<i64>,
    pub max_digits: Option<i64>,
    pub decimal_places: Option<i64>,
    pub db_default: Option<Literal>,
    /// `db_comment=` and `db_collation=`.
    pub db_comment: Option<String>,
    pub db_collation: Option<String>,
    pub relation: Option<Relation>,
    pub auto_created: bool,
    /// The field as a migration writes it (`models.CharField(max_length=100)`).
    pub definition: String,
    /// Modules the definition needs imported (`core.fields`, `uuid`).
    pub imports: Vec<String>,
    pub location: String,
}

impl Field {
    pub fn attname(&self) -> String {
        match &self.relation {
            Some(r) if r.kind != RelKind::ManyToMany => format!("{}_id", self.name),
            _ => self.name.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct IndexDef {
    pub name: String,
    /// Field names, `-` for descending.
    pub fields: Vec<String>,
    pub condition: Option<QExpr>,
    pub definition: String,
    /// Modules the definition needs imported.
    pub imports: Vec<String>,
    pub location: String,
}

#[derive(Debug, Clone)]
pub enum ConstraintDef {
    Unique {
        name: String,
        fields: Vec<String>,
        condition: Option<QExpr>,
        definition: String,
        imports: Vec<String>,
        location: String,
    },
    Check {
        name: String,
        condition: QExpr,
        definition: String,
        imports: Vec<String>,
        location: String,
    },
}

impl ConstraintDef {
    pub fn name(&self) -> &str {
        match self {
            ConstraintDef::Unique { name, .. } | ConstraintDef::Check { name, .. } => name,
        }
    }
    pub fn imports(&self) -> &[String] {
        match self {
            ConstraintDef::Unique { imports, .. } | ConstraintDef::Check { imports, .. } => imports,
        }
    }

    pub fn definition(&self) -> &str {
        match self {
            ConstraintDef::Unique { definition, .. } | ConstraintDef::Check { definition, .. } => {
                definition
            }
        }
    }
}

/// A `Q(...)` condition reduced to what SQL needs.
#[derive(Debug, Clone, PartialEq)]
pub enum QExpr {
    And(Vec<QExpr>),
    Or(Vec<QExpr>),
    Not(Box<QExpr>),
    Lookup {
        field: String,
        lookup: String,
        value: Literal,
    },
}

/// `AlterModelOptions.ALTER_OPTION_KEYS` of Django 5.2 (without `managed`, kept apart): the
/// Meta options a migration must repeat for the autodetector to see no change.
const OPTION_KEYS: &[&str] = &[
    "base_manager_name",
    "default_manager_name",
    "default_related_name",
    "get_latest_by",
    "ordering",
    "permissions",
    "default_permissions",
    "select_on_save",
    "verbose_name",
    "verbose_name_plural",
];

/// Settings read from `settings.py`.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub installed_apps: Option<Vec<String>>,
    pub engine: Option<String>,
    pub default_auto_field: Option<String>,
    pub auth_user_model: Option<String>,
}

/// Settings modules of a project: `settings.py` files and `settings/` packages.
pub fn settings_files(root: &Path) -> Vec<PathBuf> {
    python_files(root)
        .into_iter()
        .filter(|p| {
            p.file_name().is_some_and(|n| n == "settings.py")
                || p.parent()
                    .and_then(|d| d.file_name())
                    .is_some_and(|n| n == "settings")
        })
        .collect()
}

pub fn read_settings(root: &Path) -> Result<Settings, OrmError> {
    let mut s = Settings::default();
    for path in settings_files(root) {
        let file = PyFile::read(&path)?;
        for stmt in &file.suite {
            let Stmt::Assign(a) = stmt else { continue };
            let Some(target) = a.targets.first().and_then(simple_name) else {
                continue;
            };
            let value = literal(&a.value);
            match target.as_str() {
                "INSTALLED_APPS" => {
                    if let Some(list) = value.as_ref().and_then(Literal::as_str_list) {
                        s.installed_apps = Some(list);
                    }
                }
                "DEFAULT_AUTO_FIELD" => {
                    s.default_auto_field = value.as_ref().and_then(|v| v.as_str().map(last_part))
                }
                "AUTH_USER_MODEL" => {
                    s.auth_user_model = value.as_ref().and_then(|v| v.as_str().map(String::from))
                }
                "DATABASES" => {
                    if let Some(Literal::Dict(dbs)) = &value {
                        let default = dbs.iter().find(|(k, _)| k.as_str() == Some("default"));
                        if let Some((_, Literal::Dict(opts))) = default {
                            s.engine = opts
                                .iter()
                                .find(|(k, _)| k.as_str() == Some("ENGINE"))
                                .and_then(|(_, v)| v.as_str().map(String::from));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(s)
}

pub fn engine_dialect(engine: &str) -> Option<Dialect> {
    let e = engine.rsplit('.').next().unwrap_or(engine);
    match e {
        "postgresql" | "postgresql_psycopg2" | "postgis" => Some(Dialect::Postgres),
        "sqlite3" | "spatialite" => Some(Dialect::Sqlite),
        "mysql" => Some(Dialect::Mysql),
        _ => None,
    }
}

fn last_part(s: &str) -> String {
    s.rsplit('.').next().unwrap_or(s).to_string()
}

/// Python module path of a file relative to the root (`catalog/models.py` -> `catalog.models`).
fn module_of(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".py").to_string();
    }
    if parts.last().is_some_and(|l| l == "__init__") {
        parts.pop();
    }
    parts.join(".")
}

/// One class statement somewhere in the project.
struct ClassInfo {
    file: usize,
    module: String,
    stmt: ast::StmtClassDef,
}

enum Kind {
    Model,
    Field(String),
    Other,
}

pub(crate) struct Reading<'a> {
    root: &'a Path,
    /// The folder module names are relative to (the root, or an app folder's parent).
    module_root: &'a Path,
    dialect: Dialect,
    files: Vec<PyFile>,
    modules: Vec<String>,
    classes: Vec<ClassInfo>,
    /// (module, simple name) -> class index.
    by_name: HashMap<(String, String), usize>,
    settings: Settings,
}

impl<'a> Reading<'a> {
    fn class(&self, i: usize) -> &ast::StmtClassDef {
        &self.classes[i].stmt
    }

    fn file(&self, i: usize) -> &PyFile {
        &self.files[self.classes[i].file]
    }

    /// Resolves a name used in `module` to a project class: defined there, or imported there.
    fn resolve(&self, module: &str, expr: &Expr) -> Option<usize> {
        let name = simple_name(expr)?;
        if let Some(&i) = self.by_name.get(&(module.to_string(), name.clone())) {
            return Some(i);
        }
        // `from x import Name` in the module.
        let file = self.modules.iter().position(|m| m == module)?;
        for stmt in &self.files[file].suite {
            if let Stmt::ImportFrom(imp) = stmt {
                for alias in &imp.names {
                    let local = alias.asname.as_ref().unwrap_or(&alias.name).to_string();
                    if local != name {
                        continue;
                    }
                    let target = resolve_import(module, imp, &self.files[file].path);
                    if let Some(&i) = self.by_name.get(&(target.clone(), alias.name.to_string())) {
                        return Some(i);
                    }
                    // `from app.models import *` style re-exports: any module under it.
                    let prefix = format!("{target}.");
                    if let Some((_, &i)) = self
                        .by_name
                        .iter()
                        .find(|((m, n), _)| m.starts_with(&prefix) && *n == alias.name.as_str())
                    {
                        return Some(i);
                    }
                }
            }
        }
        // A unique class of that name anywhere in the project.
        let mut found = self.by_name.iter().filter(|((_, n), _)| *n == name);
        match (found.next(), found.next()) {
            (Some((_, &i)), None) => Some(i),
            _ => None,
        }
    }

    fn kind(&self, i: usize, depth: usize) -> Kind {
        if depth > 20 {
            return Kind::Other;
        }
        let module = self.classes[i].module.clone();
        for base in &self.class(i).bases {
            let dotted = dotted_name(base).unwrap_or_default();
            let simple = simple_name(base).unwrap_or_default();
            if let Some(j) = self.resolve(&module, base) {
                if j != i {
                    match self.kind(j, depth + 1) {
                        Kind::Other => {}
                        k => return k,
                    }
                }
                continue;
            }
            if simple == "Model" && (dotted == "models.Model" || dotted == "Model") {
                return Kind::Model;
            }
            if fields::internal_type(&simple).is_some() {
                return Kind::Field(simple);
            }
        }
        Kind::Other
    }
}

fn resolve_import(module: &str, imp: &ast::StmtImportFrom, path: &Path) -> String {
    let level = imp.level.as_ref().map(|l| l.to_u32()).unwrap_or(0) as usize;
    let name = imp
        .module
        .as_ref()
        .map(|m| m.to_string())
        .unwrap_or_default();
    if level == 0 {
        return name;
    }
    let is_package = path.file_name().is_some_and(|n| n == "__init__.py");
    let mut parts: Vec<&str> = module.split('.').collect();
    let up = if is_package { level - 1 } else { level };
    for _ in 0..up {
        parts.pop();
    }
    if !name.is_empty() {
        parts.push(&name);
    }
    parts.join(".")
}

/// Folders that hold an app's models (`models.py` or a `models/` package).
fn app_dirs(root: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = files
        .iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?;
            let parent = p.parent()?;
            if name == "models.py" {
                Some(parent.to_path_buf())
            } else if name == "__init__.py" && parent.file_name()? == "models" {
                Some(parent.parent()?.to_path_buf())
            } else {
                None
            }
        })
        .filter(|d| {
            d.strip_prefix(root)
                .is_ok_and(|rel| !rel.components().any(|c| c.as_os_str() == "migrations"))
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// `apps.py`: the AppConfig's label (or name's last part) and default_auto_field.
/// What `apps.py` says: label, default_auto_field, AppConfig class name.
type AppConfigInfo = (Option<String>, Option<String>, Option<String>);

fn app_config(dir: &Path) -> Result<AppConfigInfo, OrmError> {
    let path = dir.join("apps.py");
    if !path.exists() {
        return Ok((None, None, None));
    }
    let file = PyFile::read(&path)?;
    let (mut label, mut name, mut auto, mut class) = (None, None, None, None);
    for stmt in &file.suite {
        let Stmt::ClassDef(c) = stmt else { continue };
        class = Some(c.name.to_string());
        for s in &c.body {
            let Stmt::Assign(a) = s else { continue };
            let target = a.targets.first().and_then(simple_name).unwrap_or_default();
            let value = literal(&a.value).and_then(|v| v.as_str().map(String::from));
            match target.as_str() {
                "label" => label = value,
                "name" => name = value,
                "default_auto_field" => auto = value.map(|v| last_part(&v)),
                _ => {}
            }
        }
    }
    let label = label.or_else(|| name.as_deref().map(last_part));
    Ok((label, auto, class))
}

/// Reads the project at `root` for `dialect`.
pub fn read_models(root: &Path, dialect: Dialect) -> Result<Models, OrmError> {
    let settings = read_settings(root)?;
    let paths = python_files(root);
    // `django:PATH` may name one app's folder: its modules are named from its parent.
    let is_app =
        root.join("models.py").exists() || root.join("models").join("__init__.py").exists();
    let module_root = match root.parent() {
        Some(parent) if is_app => parent,
        _ => root,
    };
    let mut files = Vec::new();
    let mut modules = Vec::new();
    for p in &paths {
        let rel = p.strip_prefix(root).unwrap_or(p);
        if rel.components().any(|c| c.as_os_str() == "migrations") {
            continue;
        }
        files.push(PyFile::read(p)?);
        modules.push(module_of(module_root, p));
    }
    // Contrib apps with tables, from their built-in definitions.
    for app in settings
        .installed_apps
        .iter()
        .flatten()
        .filter_map(|e| super::contrib::named(e))
    {
        let path = PathBuf::from(format!("<{}>/models.py", app.module));
        files.push(PyFile::parse(&path, app.source.to_string())?);
        modules.push(format!("{}.models", app.module));
    }
    let mut classes = Vec::new();
    let mut by_name = HashMap::new();
    for (fi, f) in files.iter().enumerate() {
        for stmt in &f.suite {
            if let Stmt::ClassDef(c) = stmt {
                by_name.insert((modules[fi].clone(), c.name.to_string()), classes.len());
                classes.push(ClassInfo {
                    file: fi,
                    module: modules[fi].clone(),
                    stmt: c.clone(),
                });
            }
        }
    }
    let reading = Reading {
        root,
        module_root,
        dialect,
        files,
        modules,
        classes,
        by_name,
        settings,
    };
    reading.build()
}

/// A model class being assembled.
struct Draft {
    class: usize,
    app: String,
    name: String,
    abstract_: bool,
    proxy: bool,
    managed: bool,
    db_table: Option<String>,
    /// Own fields, then inherited abstract ones are merged in by `fields_of`.
    parent: Option<usize>,
}

impl Reading<'_> {
    fn build(&self) -> Result<Models, OrmError> {
        let all_paths: Vec<PathBuf> = self.files.iter().map(|f| f.path.clone()).collect();
        let dirs = app_dirs(self.root, &all_paths);
        let global_auto = self
            .settings
            .default_auto_field
            .clone()
            .unwrap_or_else(|| "AutoField".to_string());
        let mut apps = Vec::new();
        for dir in dirs {
            let module = module_of(self.module_root, &dir.join("__init__.py"));
            let (label, auto, config_class) = app_config(&dir)?;
            let label = label.unwrap_or_else(|| last_part(&module));
            if let Some(installed) = &self.settings.installed_apps {
                let listed = installed.iter().any(|entry| {
                    entry == &module
                        || config_class
                            .as_ref()
                            .is_some_and(|c| entry == &format!("{module}.apps.{c}"))
                });
                if !listed {
                    continue;
                }
            }
            apps.push(App {
                label,
                dir: dir
                    .strip_prefix(self.root)
                    .unwrap_or(Path::new(""))
                    .to_path_buf(),
                default_auto_field: auto.unwrap_or_else(|| global_auto.clone()),
                module,
                models: Vec::new(),
                migrations: super::history::read_migrations(&dir)?,
            });
        }
        if let Some(installed) = &self.settings.installed_apps {
            for c in installed.iter().filter_map(|e| super::contrib::named(e)) {
                if apps.iter().any(|a| a.label == c.label) {
                    continue;
                }
                apps.push(App {
                    label: c.label.to_string(),
                    module: c.module.to_string(),
                    dir: PathBuf::from(format!("<{}>", c.module)),
                    // Each contrib AppConfig sets AutoField keys.
                    default_auto_field: "AutoField".to_string(),
                    models: Vec::new(),
                    migrations: vec![MigrationFile {
                        name: c.leaf.to_string(),
                        dependencies: Vec::new(),
                        initial: false,
                    }],
                });
            }
            let rank = |a: &App| {
                installed
                    .iter()
                    .position(|e| e == &a.module || e.starts_with(&format!("{}.apps.", a.module)))
                    .unwrap_or(usize::MAX)
            };
            apps.sort_by_key(rank);
        }

        // Model classes per app, in file then source order.
        let mut drafts = Vec::new();
        for (ci, c) in self.classes.iter().enumerate() {
            let Some(app) = apps.iter().find(|a| {
                c.module == format!("{}.models", a.module)
                    || (c.module.starts_with(&format!("{}.models.", a.module))
                        && self.package_imports(&format!("{}.models", a.module), &c.module))
            }) else {
                continue;
            };
            if !matches!(self.kind(ci, 0), Kind::Model) {
                self.check_unresolved_model(ci)?;
                continue;
            }
            let meta = self.meta(ci);
            let mut abstract_ = false;
            let mut proxy = false;
            let mut managed = true;
            let mut db_table = None;
            let mut app_label = app.label.clone();
            let mut swappable = None;
            if let Some(meta) = meta {
                for (k, v, node) in meta_assigns(meta) {
                    match k.as_str() {
                        "swappable" => {
                            swappable = literal(v).and_then(|l| l.as_str().map(String::from))
                        }
                        "abstract" => {
                            abstract_ = literal(v).and_then(|l| l.as_bool()) == Some(true)
                        }
                        "proxy" => proxy = literal(v).and_then(|l| l.as_bool()) == Some(true),
                        "app_label" => {
                            if let Some(l) = literal(v).and_then(|l| l.as_str().map(String::from)) {
                                app_label = l;
                            }
                        }
                        "managed" => managed = literal(v).and_then(|l| l.as_bool()) != Some(false),
                        "db_table" => match literal(v).and_then(|l| l.as_str().map(String::from)) {
                            Some(t) => db_table = Some(t),
                            None => {
                                return Err(self
                                    .file(ci)
                                    .error_at(node, "Meta.db_table is not a string literal"));
                            }
                        },
                        _ => {}
                    }
                }
            }
            // A swappable model (auth.User) replaced through its setting has no table.
            let name = c.stmt.name.to_string();
            if swappable.as_deref() == Some("AUTH_USER_MODEL")
                && self
                    .settings
                    .auth_user_model
                    .as_deref()
                    .is_some_and(|m| !m.eq_ignore_ascii_case(&format!("{app_label}.{name}")))
            {
                continue;
            }
            drafts.push(Draft {
                class: ci,
                app: app_label,
                name,
                abstract_,
                proxy,
                managed,
                db_table,
                parent: None,
            });
        }
        // Multi-table parents: the first concrete model base.
        for i in 0..drafts.len() {
            let ci = drafts[i].class;
            let module = self.classes[ci].module.clone();
            for base in &self.class(ci).bases {
                if let Some(bi) = self.resolve(&module, base)
                    && let Some(di) = drafts.iter().position(|d| d.class == bi)
                    && !drafts[di].abstract_
                {
                    drafts[i].parent = Some(di);
                    break;
                }
            }
        }

        let mut models: Vec<Model> = Vec::new();
        // Tables first (relations need every target's table and primary key).
        let tables: Vec<Option<String>> = drafts
            .iter()
            .map(|d| {
                if d.abstract_ || d.proxy {
                    return None;
                }
                Some(d.db_table.clone().unwrap_or_else(|| {
                    truncate_name(
                        &format!("{}_{}", d.app, d.name.to_lowercase()),
                        max_name_length(self.dialect),
                    )
                }))
            })
            .collect();
        for (i, d) in drafts.iter().enumerate() {
            let Some(table) = &tables[i] else { continue };
            let app = apps.iter().find(|a| a.label == d.app);
            let auto = app
                .map(|a| a.default_auto_field.clone())
                .unwrap_or(global_auto.clone());
            let model = self.model(d, table, &auto, &drafts)?;
            models.push(model);
        }
        self.resolve_relations(&mut models)?;
        for m in models {
            if let Some(app) = apps.iter_mut().find(|a| a.label == m.app) {
                app.models.push(m);
            }
        }
        Ok(Models {
            apps,
            default_auto_field: global_auto,
        })
    }

    /// Whether `models/__init__.py` of a models package imports `module` (Django registers
    /// the models of the modules the package imports).
    fn package_imports(&self, package: &str, module: &str) -> bool {
        let Some(fi) = self.modules.iter().position(|m| m == package) else {
            return false;
        };
        let file = &self.files[fi];
        file.suite.iter().any(|stmt| match stmt {
            Stmt::ImportFrom(imp) => {
                let target = resolve_import(package, imp, &file.path);
                target == module
                    || (target == package
                        && imp.names.iter().any(|a| {
                            format!("{package}.{}", a.name) == module || a.name.as_str() == "*"
                        }))
                    || module.starts_with(&format!("{target}."))
            }
            Stmt::Import(imp) => imp.names.iter().any(|a| a.name.as_str() == module),
            _ => false,
        })
    }

    /// The `Meta` a model without its own gets: Python's attribute lookup through its bases,
    /// where only abstract models keep their `Meta` (Django pops it from concrete ones), so a
    /// multi-table child inherits the Meta of its parent's abstract base.
    fn inherited_meta(&self, ci: usize, drafts: &[Draft], depth: usize) -> Option<usize> {
        if depth > 20 {
            return None;
        }
        let module = self.classes[ci].module.clone();
        for base in &self.class(ci).bases {
            let Some(bi) = self.resolve(&module, base) else {
                continue;
            };
            let Some(d) = drafts.iter().find(|d| d.class == bi) else {
                continue;
            };
            if d.abstract_ && self.meta(bi).is_some() {
                return Some(bi);
            }
            if let Some(found) = self.inherited_meta(bi, drafts, depth + 1) {
                return Some(found);
            }
        }
        None
    }

    /// The assignments of a model's `Meta`, those of the Meta classes it subclasses
    /// (`class Meta(Base.Meta)`) first, each with the class whose file holds it; a later
    /// assignment replaces an earlier one of the same name.
    fn meta_items(&self, ci: usize, depth: usize) -> Vec<(String, &Expr, usize)> {
        let Some(meta) = self.meta(ci) else {
            return Vec::new();
        };
        let mut out: Vec<(String, &Expr, usize)> = Vec::new();
        if depth < 10 {
            for base in &meta.bases {
                if let Expr::Attribute(a) = base
                    && a.attr.as_str() == "Meta"
                    && let Some(bi) = self.resolve(&self.classes[ci].module, &a.value)
                {
                    out.extend(self.meta_items(bi, depth + 1));
                }
            }
        }
        for (k, v, _) in meta_assigns(meta) {
            out.retain(|(name, _, _)| *name != k);
            out.push((k, v, ci));
        }
        out
    }

    /// A class of a models module that declares Django fields but whose bases lead nowhere
    /// known: a model whose base is outside what was read.
    fn check_unresolved_model(&self, ci: usize) -> Result<(), OrmError> {
        let declares_fields = self.class(ci).body.iter().any(|s| match s {
            Stmt::Assign(a) => match a.value.as_ref() {
                Expr::Call(call) => {
                    simple_name(&call.func).is_some_and(|n| fields::internal_type(&n).is_some())
                }
                _ => false,
            },
            _ => false,
        });
        if !declares_fields {
            return Ok(());
        }
        let module = &self.classes[ci].module;
        let unknown = self.class(ci).bases.iter().find(|b| {
            self.resolve(module, b).is_none()
                && !matches!(simple_name(b).as_deref(), Some("object"))
        });
        match unknown {
            Some(base) => Err(self.file(ci).error_at(
                base,
                format!(
                    "base class `{}` of `{}` is not defined in the folder read: read the \
                     project's root folder",
                    self.file(ci).source(base),
                    self.class(ci).name
                ),
            )),
            None => Ok(()),
        }
    }

    fn meta(&self, ci: usize) -> Option<&ast::StmtClassDef> {
        self.class(ci).body.iter().find_map(|s| match s {
            Stmt::ClassDef(c) if c.name.as_str() == "Meta" => Some(c),
            _ => None,
        })
    }

    /// Abstract bases in definition order (bases first), each once.
    fn abstract_chain(&self, ci: usize, drafts: &[Draft], out: &mut Vec<usize>) {
        let module = self.classes[ci].module.clone();
        for base in &self.class(ci).bases {
            let Some(bi) = self.resolve(&module, base) else {
                continue;
            };
            let Some(d) = drafts.iter().find(|d| d.class == bi) else {
                continue;
            };
            if d.abstract_ && !out.contains(&bi) {
                self.abstract_chain(bi, drafts, out);
                out.push(bi);
            }
        }
    }

    fn model(
        &self,
        d: &Draft,
        table: &str,
        auto: &str,
        drafts: &[Draft],
    ) -> Result<Model, OrmError> {
        let mut chain = Vec::new();
        self.abstract_chain(d.class, drafts, &mut chain);
        // Field creation order: bases defined in other modules (imported first), then by
        // position in the file.
        chain.sort_by_key(|&c| {
            (
                self.classes[c].module == self.classes[d.class].module,
                self.classes[c].stmt.range.start(),
            )
        });
        chain.push(d.class);
        let mut fields: Vec<Field> = Vec::new();
        for &c in &chain {
            for f in self.class_fields(c, &d.app)? {
                // A subclass's field of the same name replaces the inherited one.
                fields.retain(|x| x.name != f.name);
                fields.push(f);
            }
        }
        let location = self.file(d.class).location(self.class(d.class));
        let mut parent = None;
        if let Some(pi) = d.parent {
            let p = &drafts[pi];
            let name = format!("{}_ptr", p.name.to_lowercase());
            parent = Some(format!("{}.{}", p.app, p.name));
            fields.insert(
                0,
                Field {
                    column: Some(format!("{name}_id")),
                    name,
                    class: "OneToOneField".into(),
                    internal: "OneToOneField".into(),
                    null: false,
                    unique: true,
                    db_index: true,
                    primary_key: true,
                    max_length: None,
                    max_digits: None,
                    decimal_places: None,
                    db_default: None,
                    db_comment: None,
                    db_collation: None,
                    relation: Some(Relation {
                        kind: RelKind::OneToOne,
                        to: format!("{}.{}", p.app, p.name),
                        to_field: None,
                        through: None,
                        db_constraint: true,
                        m2m_table: String::new(),
                    }),
                    auto_created: true,
                    definition: format!(
                        "models.OneToOneField(auto_created=True, on_delete=models.CASCADE, \
                         parent_link=True, primary_key=True, serialize=False, to={})",
                        py_str(&format!("{}.{}", p.app, p.name.to_lowercase()))
                    ),
                    imports: Vec::new(),
                    location: location.clone(),
                },
            );
        } else if !fields.iter().any(|f| f.primary_key) {
            fields.insert(
                0,
                Field {
                    name: "id".into(),
                    class: auto.to_string(),
                    internal: auto.to_string(),
                    column: Some("id".into()),
                    null: false,
                    unique: true,
                    db_index: false,
                    primary_key: true,
                    max_length: None,
                    max_digits: None,
                    decimal_places: None,
                    db_default: None,
                    db_comment: None,
                    db_collation: None,
                    relation: None,
                    auto_created: true,
                    definition: format!(
                        "models.{auto}(auto_created=True, primary_key=True, serialize=False, \
                         verbose_name='ID')"
                    ),
                    imports: Vec::new(),
                    location: location.clone(),
                },
            );
        }
        // Meta: the model's own, else the nearest abstract base's (Django inherits it).
        let mut indexes = Vec::new();
        let mut constraints = Vec::new();
        let mut unique_together = Vec::new();
        let mut options = Vec::new();
        let mut option_imports = Vec::new();
        let mut db_table_comment = None;
        let meta_class = if self.meta(d.class).is_some() {
            Some(d.class)
        } else {
            self.inherited_meta(d.class, drafts, 0)
        };
        if let Some(mc) = meta_class {
            for (k, v, owner) in self.meta_items(mc, 0) {
                let file = self.file(owner);
                let mc = owner;
                match k.as_str() {
                    "indexes" => indexes = self.indexes(file, v, d, table, &fields)?,
                    "constraints" => constraints = self.constraints(file, v, d)?,
                    "unique_together" => unique_together = together(file, v)?,
                    "db_table_comment" => match literal(v) {
                        Some(Literal::Str(c)) => db_table_comment = Some(c),
                        Some(Literal::None) => db_table_comment = None,
                        _ => {
                            return Err(
                                file.error_at(v, "Meta.db_table_comment is not a string literal")
                            );
                        }
                    },
                    k if OPTION_KEYS.contains(&k) => {
                        let module = self.classes[mc].module.clone();
                        options.push((
                            k.to_string(),
                            self.rewrite(file, &module, v, &mut option_imports),
                        ));
                    }
                    "index_together" => {
                        return Err(file.error_at(
                            v,
                            "Meta.index_together was removed in Django 5.1: use Meta.indexes",
                        ));
                    }
                    _ => {}
                }
            }
        }
        let mut bases = Vec::new();
        if let Some(pi) = d.parent {
            let p = &drafts[pi];
            bases.push(py_str(&format!("{}.{}", p.app, p.name.to_lowercase())));
        }
        Ok(Model {
            app: d.app.clone(),
            name: d.name.clone(),
            db_table: table.to_string(),
            explicit_db_table: d.db_table.is_some(),
            fields,
            indexes,
            constraints,
            unique_together,
            parent,
            options,
            db_table_comment,
            option_imports,
            managed: d.managed,
            bases,
            location,
        })
    }

    /// Fields declared in one class body.
    fn class_fields(&self, ci: usize, app: &str) -> Result<Vec<Field>, OrmError> {
        let file = self.file(ci);
        let module = self.classes[ci].module.clone();
        let mut out = Vec::new();
        for stmt in &self.class(ci).body {
            let (target, value) = match stmt {
                Stmt::Assign(a) if a.targets.len() == 1 => (&a.targets[0], a.value.as_ref()),
                Stmt::AnnAssign(a) => match &a.value {
                    Some(v) => (a.target.as_ref(), v.as_ref()),
                    None => continue,
                },
                _ => continue,
            };
            let Expr::Name(name) = target else { continue };
            let Expr::Call(call) = value else { continue };
            let Some(callee) = simple_name(&call.func) else {
                continue;
            };
            let dotted = dotted_name(&call.func).unwrap_or_default();
            // A project class (custom field) or one of Django's.
            let (class, base_class, custom) = match self.resolve(&module, &call.func) {
                Some(fc) => match self.kind(fc, 0) {
                    Kind::Field(base) => {
                        self.check_custom_field(fc, 0)?;
                        (callee.clone(), base, Some(fc))
                    }
                    _ => continue,
                },
                None if fields::internal_type(&callee).is_some() => {
                    (callee.clone(), callee.clone(), None)
                }
                // contenttypes' generic relations are Python-side only: no column, no table.
                None if matches!(callee.as_str(), "GenericForeignKey" | "GenericRelation") => {
                    continue;
                }
                None => {
                    if callee.ends_with("Field") || callee.ends_with("Key") {
                        return Err(file.error_at(
                            call,
                            format!(
                                "unknown field class `{dotted}`: not a Django field nor a \
                                 subclass of one defined in this project"
                            ),
                        ));
                    }
                    continue;
                }
            };
            let internal = fields::internal_type(&base_class).unwrap_or("CharField");
            out.push(self.field(
                file,
                &module,
                app,
                name.id.as_str(),
                call,
                &class,
                &base_class,
                internal,
                custom,
            )?);
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        file: &PyFile,
        module: &str,
        app: &str,
        name: &str,
        call: &ast::ExprCall,
        class: &str,
        base_class: &str,
        internal: &str,
        custom: Option<usize>,
    ) -> Result<Field, OrmError> {
        let lit = |k: &str| -> Result<Option<Literal>, OrmError> {
            match keyword(call, k) {
                None => Ok(None),
                Some(v) => match literal(v) {
                    Some(l) => Ok(Some(l)),
                    None => Err(file.error_at(
                        v,
                        format!("`{k}=` of field `{name}` is not a literal: migrex reads models without running them"),
                    )),
                },
            }
        };
        let flag = |k: &str, default: bool| -> Result<bool, OrmError> {
            Ok(lit(k)?.and_then(|l| l.as_bool()).unwrap_or(default))
        };
        let int =
            |k: &str| -> Result<Option<i64>, OrmError> { Ok(lit(k)?.and_then(|l| l.as_int())) };
        let is_rel = matches!(internal, "ForeignKey" | "OneToOneField" | "ManyToManyField");
        let relation = if is_rel {
            let to_expr = keyword(call, "to").or(call.args.first()).ok_or_else(|| {
                file.error_at(call, format!("relation `{name}` names no target model"))
            })?;
            let to = self.target(file, module, app, to_expr)?;
            let through = match keyword(call, "through") {
                None => None,
                Some(t) => Some(self.target(file, module, app, t)?),
            };
            Some(Relation {
                kind: match internal {
                    "ForeignKey" => RelKind::ForeignKey,
                    "OneToOneField" => RelKind::OneToOne,
                    _ => RelKind::ManyToMany,
                },
                to,
                to_field: lit("to_field")?.and_then(|l| l.as_str().map(String::from)),
                through,
                db_constraint: flag("db_constraint", true)?,
                // `db_table=` names the auto-created through table.
                m2m_table: lit("db_table")?
                    .and_then(|l| l.as_str().map(String::from))
                    .unwrap_or_default(),
            })
        } else {
            None
        };
        let primary_key = flag("primary_key", false)?;
        let unique = flag("unique", internal == "OneToOneField")? || primary_key;
        let db_column = lit("db_column")?.and_then(|l| l.as_str().map(String::from));
        let column = match internal {
            "ManyToManyField" => None,
            _ if is_rel => Some(db_column.unwrap_or_else(|| format!("{name}_id"))),
            _ => Some(db_column.unwrap_or_else(|| name.to_string())),
        };
        if let Some(v) = keyword(call, "db_default")
            && literal(v).is_none()
        {
            return Err(file.error_at(
                v,
                format!(
                    "`db_default=` of field `{name}` is not a literal: migrex cannot tell its SQL"
                ),
            ));
        }
        let text_kw = |key: &str| -> Result<Option<String>, OrmError> {
            match keyword(call, key) {
                None => Ok(None),
                Some(v) => match literal(v) {
                    Some(Literal::Str(s)) => Ok(Some(s)),
                    Some(Literal::None) => Ok(None),
                    _ => Err(file.error_at(
                        v,
                        format!("`{key}=` of field `{name}` is not a string literal"),
                    )),
                },
            }
        };
        let db_comment = text_kw("db_comment")?;
        let db_collation = text_kw("db_collation")?;
        for unsupported in ["db_tablespace"] {
            if let Some(v) = keyword(call, unsupported) {
                return Err(file.error_at(
                    v,
                    format!("`{unsupported}=` of field `{name}` is not read by migrex yet"),
                ));
            }
        }
        let (definition, imports) = self.definition(file, module, app, call, class, custom)?;
        Ok(Field {
            name: name.to_string(),
            class: class.to_string(),
            internal: internal.to_string(),
            column,
            null: flag("null", false)?,
            unique,
            db_index: flag("db_index", fields::default_db_index(base_class))?,
            primary_key,
            max_length: int("max_length")?.or(fields::default_max_length(base_class)),
            max_digits: int("max_digits")?,
            decimal_places: int("decimal_places")?,
            db_default: lit("db_default")?,
            db_comment,
            db_collation,
            relation,
            auto_created: false,
            definition,
            imports,
            location: file.location(call),
        })
    }

    /// A project field class (and its project bases) must take its column from the Django
    /// field it extends: one that computes its own type or checks is a diagnostic.
    fn check_custom_field(&self, ci: usize, depth: usize) -> Result<(), OrmError> {
        if depth > 20 {
            return Ok(());
        }
        for stmt in &self.class(ci).body {
            if let Stmt::FunctionDef(f) = stmt
                && matches!(
                    f.name.as_str(),
                    "db_type" | "rel_db_type" | "db_parameters" | "db_check" | "get_internal_type"
                )
            {
                return Err(self.file(ci).error_at(
                    stmt,
                    format!(
                        "field class `{}` computes its database type in `{}()`: migrex reads \
                         models without running them, so it cannot tell the column",
                        self.class(ci).name,
                        f.name
                    ),
                ));
            }
        }
        let module = self.classes[ci].module.clone();
        for base in &self.class(ci).bases {
            if let Some(bi) = self.resolve(&module, base)
                && bi != ci
            {
                self.check_custom_field(bi, depth + 1)?;
            }
        }
        Ok(())
    }

    /// `app.Model` of a relation target written as `"self"`, `"app.Model"`, `"Model"` or a class.
    fn target(
        &self,
        file: &PyFile,
        module: &str,
        app: &str,
        expr: &Expr,
    ) -> Result<String, OrmError> {
        if let Some(s) = literal(expr).and_then(|l| l.as_str().map(String::from)) {
            if s == "self" {
                return Ok(format!("{app}.self"));
            }
            return Ok(if s.contains('.') {
                s
            } else {
                format!("{app}.{s}")
            });
        }
        if dotted_name(expr).as_deref() == Some("settings.AUTH_USER_MODEL") {
            let auth_installed = self
                .settings
                .installed_apps
                .iter()
                .flatten()
                .any(|e| super::contrib::named(e).is_some_and(|c| c.label == "auth"));
            return match &self.settings.auth_user_model {
                Some(m) => Ok(m.clone()),
                None if auth_installed => Ok("auth.User".to_string()),
                None => Err(file.error_at(
                    expr,
                    "settings.AUTH_USER_MODEL is django.contrib.auth's User, but \
                     django.contrib.auth is not in INSTALLED_APPS (or no settings were found): \
                     list it, or set AUTH_USER_MODEL to a model of this project",
                )),
            };
        }
        if let Some(ci) = self.resolve(module, expr) {
            let c = &self.classes[ci];
            // The app of the class's module.
            let class_app = c.module.split(".models").next().unwrap_or(&c.module);
            let label = class_app.rsplit('.').next().unwrap_or(class_app);
            let label = if c.module.starts_with(&format!("{app}.")) || label == app {
                app.to_string()
            } else {
                label.to_string()
            };
            return Ok(format!("{label}.{}", c.stmt.name));
        }
        Err(file.error_at(expr, "relation target is not a model this project defines"))
    }

    /// The field as a migration writes it: Django's classes through `models.`, project classes
    /// through their module, relation targets as `"app.model"`, names from the models module
    /// qualified by it.
    fn definition(
        &self,
        file: &PyFile,
        module: &str,
        app: &str,
        call: &ast::ExprCall,
        class: &str,
        custom: Option<usize>,
    ) -> Result<(String, Vec<String>), OrmError> {
        let mut imports = Vec::new();
        let callee = match custom {
            Some(ci) => {
                let m = self.classes[ci].module.clone();
                imports.push(m.clone());
                format!("{m}.{class}")
            }
            None => format!("models.{class}"),
        };
        let is_rel = matches!(
            fields::internal_type(class).unwrap_or(""),
            "ForeignKey" | "OneToOneField" | "ManyToManyField"
        ) || call
            .keywords
            .iter()
            .any(|k| k.arg.as_deref() == Some("on_delete"));
        let mut args: Vec<String> = Vec::new();
        for (i, a) in call.args.iter().enumerate() {
            if i == 0 && is_rel {
                let to = self.target(file, module, app, a)?;
                args.push(format!("to={}", py_str(&lower_model(&to, app))));
                continue;
            }
            args.push(self.rewrite(file, module, a, &mut imports));
        }
        for k in &call.keywords {
            let Some(arg) = &k.arg else {
                return Err(
                    file.error_at(&k.value, "`**kwargs` in a field definition cannot be read")
                );
            };
            let value = match arg.as_str() {
                "to" => py_str(&lower_model(
                    &self.target(file, module, app, &k.value)?,
                    app,
                )),
                "through" => {
                    let t = self.target(file, module, app, &k.value)?;
                    py_str(&t)
                }
                _ => self.rewrite(file, module, &k.value, &mut imports),
            };
            args.push(format!("{arg}={value}"));
        }
        Ok((format!("{callee}({})", args.join(", ")), imports))
    }

    /// An expression's source with its free names qualified so that it means the same inside a
    /// migration file (which imports `models` and the project modules it names).
    fn rewrite(
        &self,
        file: &PyFile,
        module: &str,
        expr: &Expr,
        imports: &mut Vec<String>,
    ) -> String {
        let text = file.source(expr);
        let start = u32::from(expr.start()) as usize;
        let mut heads = Vec::new();
        collect_heads(expr, &mut heads);
        let mut out = String::new();
        let mut at = 0;
        for (s, e, name) in heads {
            let (s, e) = (s - start, e - start);
            out.push_str(&text[at..s]);
            let replacement = self.qualify(file, module, &name, imports);
            out.push_str(&replacement);
            at = e;
        }
        out.push_str(&text[at..]);
        one_line(&out)
    }

    fn qualify(
        &self,
        file: &PyFile,
        module: &str,
        name: &str,
        imports: &mut Vec<String>,
    ) -> String {
        if matches!(
            name,
            "models" | "True" | "False" | "None" | "dict" | "list" | "str" | "int"
        ) {
            return name.to_string();
        }
        for stmt in &file.suite {
            match stmt {
                Stmt::Import(imp) => {
                    for a in &imp.names {
                        let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                        if local == name || a.name.as_str().split('.').next() == Some(name) {
                            push_unique(imports, a.name.to_string());
                            return a.name.to_string();
                        }
                    }
                }
                Stmt::ImportFrom(imp) => {
                    for a in &imp.names {
                        let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                        if local == name {
                            let m = resolve_import(module, imp, &file.path);
                            if m == "django.db" && a.name.as_str() == "models" {
                                return "models".into();
                            }
                            // The migration imports `models`, which is django.db.models.
                            if m == "django.db.models" {
                                return format!("models.{}", a.name);
                            }
                            push_unique(imports, m.clone());
                            return format!("{m}.{}", a.name);
                        }
                    }
                }
                _ => {}
            }
        }
        // Defined in the models module (or nested in a model class there).
        push_unique(imports, module.to_string());
        let nested_in = self.classes.iter().find(|c| {
            c.module == module
                && c.stmt
                    .body
                    .iter()
                    .any(|s| matches!(s, Stmt::ClassDef(n) if n.name.as_str() == name))
        });
        match nested_in {
            Some(c)
                if !self
                    .by_name
                    .contains_key(&(module.to_string(), name.to_string())) =>
            {
                format!("{module}.{}.{name}", c.stmt.name)
            }
            _ => format!("{module}.{name}"),
        }
    }

    fn module_of_file(&self, file: &PyFile) -> String {
        self.modules[self
            .files
            .iter()
            .position(|f| f.path == file.path)
            .unwrap_or(0)]
        .clone()
    }

    /// The entries of a Meta list option (`indexes`, `constraints`) with the file each is
    /// written in: a literal list or tuple, `[*Base.Meta.indexes, ...]`, and
    /// `Base.Meta.indexes + [...]`, where `Base` is a model class read from the project.
    fn meta_list<'a>(
        &'a self,
        file: &'a PyFile,
        v: &'a Expr,
        key: &str,
        depth: usize,
    ) -> Result<Vec<(&'a PyFile, &'a Expr)>, OrmError> {
        if depth > 10 {
            return Err(file.error_at(v, format!("Meta.{key} refers to itself")));
        }
        match v {
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                let mut out = Vec::new();
                for e in elts {
                    match e {
                        Expr::Starred(st) => {
                            out.extend(self.meta_list(file, &st.value, key, depth + 1)?)
                        }
                        other => out.push((file, other)),
                    }
                }
                Ok(out)
            }
            Expr::BinOp(b) if matches!(b.op, ast::Operator::Add) => {
                let mut out = self.meta_list(file, &b.left, key, depth + 1)?;
                out.extend(self.meta_list(file, &b.right, key, depth + 1)?);
                Ok(out)
            }
            Expr::Attribute(a) if a.attr.as_str() == key => {
                let Expr::Attribute(meta) = a.value.as_ref() else {
                    return Err(file.error_at(v, format!("Meta.{key} is not a list")));
                };
                let base = (meta.attr.as_str() == "Meta")
                    .then(|| self.resolve(&self.module_of_file(file), &meta.value))
                    .flatten()
                    .ok_or_else(|| {
                        file.error_at(
                            v,
                            format!("Meta.{key}: the class it names is not a model read here"),
                        )
                    })?;
                let items = self
                    .meta(base)
                    .and_then(|m| {
                        meta_assigns(m)
                            .into_iter()
                            .find(|(k, _, _)| k == key)
                            .map(|(_, value, _)| value)
                    })
                    .ok_or_else(|| {
                        file.error_at(v, format!("Meta.{key}: that Meta has no {key}"))
                    })?;
                self.meta_list(self.file(base), items, key, depth + 1)
            }
            _ => Err(file.error_at(v, format!("Meta.{key} is not a list"))),
        }
    }

    fn indexes(
        &self,
        file: &PyFile,
        v: &Expr,
        d: &Draft,
        table: &str,
        model_fields: &[Field],
    ) -> Result<Vec<IndexDef>, OrmError> {
        let mut out = Vec::new();
        for (file, item) in self.meta_list(file, v, "indexes", 0)? {
            let Expr::Call(call) = item else {
                return Err(file.error_at(item, "Meta.indexes entry is not an Index(...)"));
            };
            if simple_name(&call.func).as_deref() != Some("Index") {
                return Err(file.error_at(item, "only models.Index is read in Meta.indexes"));
            }
            for k in &call.keywords {
                if !matches!(k.arg.as_deref(), Some("fields" | "name" | "condition")) {
                    return Err(file.error_at(
                        &k.value,
                        format!(
                            "Index option `{}` is not read by migrex yet",
                            k.arg.as_deref().unwrap_or("**")
                        ),
                    ));
                }
            }
            if !call.args.is_empty() {
                return Err(file.error_at(item, "expression indexes are not read by migrex yet"));
            }
            let fields = keyword(call, "fields")
                .and_then(literal)
                .and_then(|l| l.as_str_list())
                .ok_or_else(|| file.error_at(item, "Index needs fields=[...] as literals"))?;
            let written_name = match keyword(call, "name") {
                None => None,
                Some(n) => Some(
                    literal(n)
                        .and_then(|l| l.as_str().map(String::from))
                        .ok_or_else(|| file.error_at(n, "Index name= is not a string literal"))?,
                ),
            };
            let generated = match &written_name {
                Some(_) => None,
                None => Some(
                    index_name_with_model(table, &fields, model_fields)
                        .map_err(|e| file.error_at(item, e))?,
                ),
            };
            let name = written_name
                .clone()
                .or(generated.clone())
                .unwrap_or_default();
            let condition = keyword(call, "condition")
                .map(|c| q_expr(file, c))
                .transpose()?;
            let mut imports = Vec::new();
            let module = self.module_of_file(file);
            let mut definition = interpolate(
                &self.rewrite(file, &module, item, &mut imports),
                &d.app,
                &d.name,
            );
            // makemigrations writes the generated name into the migration.
            if let Some(g) = &generated
                && let Some(open) = definition.rfind(')')
            {
                definition.replace_range(open..open + 1, &format!(", name={})", py_str(g)));
            }
            out.push(IndexDef {
                name: interpolate(&name, &d.app, &d.name),
                fields,
                condition,
                definition,
                imports,
                location: file.location(item),
            });
        }
        Ok(out)
    }

    fn constraints(
        &self,
        file: &PyFile,
        v: &Expr,
        d: &Draft,
    ) -> Result<Vec<ConstraintDef>, OrmError> {
        let mut out = Vec::new();
        for (file, item) in self.meta_list(file, v, "constraints", 0)? {
            let module = self.module_of_file(file);
            let Expr::Call(call) = item else {
                return Err(file.error_at(item, "Meta.constraints entry is not a constraint call"));
            };
            let kind = simple_name(&call.func).unwrap_or_default();
            let name = keyword(call, "name")
                .and_then(literal)
                .and_then(|l| l.as_str().map(String::from))
                .ok_or_else(|| file.error_at(item, "constraint needs name='...'"))?;
            let name = interpolate(&name, &d.app, &d.name);
            let mut imports = Vec::new();
            // Migrations carry the names as Django formats them for the model.
            let definition = interpolate(
                &self.rewrite(file, &module, item, &mut imports),
                &d.app,
                &d.name,
            );
            let location = file.location(item);
            match kind.as_str() {
                "UniqueConstraint" => {
                    for k in &call.keywords {
                        if !matches!(
                            k.arg.as_deref(),
                            Some(
                                "fields"
                                    | "name"
                                    | "condition"
                                    | "violation_error_message"
                                    | "violation_error_code"
                            )
                        ) {
                            return Err(file.error_at(
                                &k.value,
                                format!(
                                    "UniqueConstraint option `{}` is not read by migrex yet",
                                    k.arg.as_deref().unwrap_or("**")
                                ),
                            ));
                        }
                    }
                    if !call.args.is_empty() {
                        return Err(file.error_at(
                            item,
                            "expression unique constraints are not read by migrex yet",
                        ));
                    }
                    let fields = keyword(call, "fields")
                        .and_then(literal)
                        .and_then(|l| l.as_str_list())
                        .ok_or_else(|| {
                            file.error_at(item, "UniqueConstraint needs fields=[...] as literals")
                        })?;
                    let condition = keyword(call, "condition")
                        .map(|c| q_expr(file, c))
                        .transpose()?;
                    out.push(ConstraintDef::Unique {
                        name,
                        fields,
                        condition,
                        definition,
                        imports,
                        location,
                    });
                }
                "CheckConstraint" => {
                    let cond = keyword(call, "condition")
                        .or_else(|| keyword(call, "check"))
                        .ok_or_else(|| {
                            file.error_at(item, "CheckConstraint needs condition=Q(...)")
                        })?;
                    let condition = q_expr(file, cond)?;
                    out.push(ConstraintDef::Check {
                        name,
                        condition,
                        definition,
                        imports,
                        location,
                    });
                }
                other => {
                    return Err(
                        file.error_at(item, format!("constraint `{other}` is not read by migrex"))
                    );
                }
            }
        }
        Ok(out)
    }

    /// Fills in relation targets that need every model: "self", the M2M table.
    fn resolve_relations(&self, models: &mut [Model]) -> Result<(), OrmError> {
        let keys: Vec<(String, String, String)> = models
            .iter()
            .map(|m| (m.app.clone(), m.name.clone(), m.db_table.clone()))
            .collect();
        for m in models.iter_mut() {
            let own = m.key();
            let table = m.db_table.clone();
            for f in &mut m.fields {
                let Some(r) = &mut f.relation else { continue };
                if r.to.ends_with(".self") {
                    r.to = own.clone();
                }
                // Case-insensitive model names (`"core.tag"`).
                let found = keys
                    .iter()
                    .find(|(a, n, _)| format!("{a}.{n}").eq_ignore_ascii_case(&r.to));
                match found {
                    Some((a, n, _)) => r.to = format!("{a}.{n}"),
                    None => {
                        let (line, col) = parse_location(&f.location);
                        return Err(OrmError::at(
                            Path::new(f.location.split(':').next().unwrap_or("")),
                            "",
                            line,
                            col,
                            format!(
                                "relation `{}` points at `{}`, which is not a concrete model of an installed app",
                                f.name, r.to
                            ),
                        ));
                    }
                }
                if let Some(t) = &mut r.through
                    && let Some((a, n, _)) = keys
                        .iter()
                        .find(|(a, n, _)| format!("{a}.{n}").eq_ignore_ascii_case(t))
                {
                    *t = format!("{a}.{n}");
                }
                if r.kind == RelKind::ManyToMany && r.through.is_none() && r.m2m_table.is_empty() {
                    r.m2m_table = truncate_name(
                        &format!("{table}_{}", f.name),
                        max_name_length(self.dialect),
                    );
                }
            }
        }
        Ok(())
    }
}

/// Source spread over lines (inside brackets) on one line, without trailing commas before a
/// closing bracket: what a migration file writes. Strings are left alone. The input is an
/// expression rustpython-parser already accepted, so only layout (line breaks, comments,
/// quotes) needs tracking here, not Python's grammar.
fn one_line(src: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    // A line break since the last token: a comma before it is a layout comma, not a
    // one-element tuple's.
    let mut broke = false;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\n' | '\r' => {
                broke = true;
                while chars.peek().is_some_and(|n| n.is_whitespace()) {
                    chars.next();
                }
                let opened = out.ends_with('(') || out.ends_with('[') || out.ends_with('{');
                let closing = matches!(chars.peek(), Some(')' | ']' | '}'));
                if !opened && !closing && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            ')' | ']' | '}' => {
                let trimmed = out.trim_end().len();
                out.truncate(trimmed);
                if broke && out.ends_with(',') {
                    out.pop();
                }
                out.push(c);
                broke = false;
            }
            '#' => {
                // A comment runs to the end of its line.
                while chars.peek().is_some_and(|n| *n != '\n') {
                    chars.next();
                }
                let kept = out.trim_end().len();
                out.truncate(kept);
            }
            _ => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                if !c.is_whitespace() {
                    broke = false;
                }
                out.push(c);
            }
        }
    }
    out
}

fn parse_location(loc: &str) -> (u64, u64) {
    let mut parts = loc.rsplitn(3, ':');
    let col = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
    let line = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
    (line, col)
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// `"app.Model"` as Django writes relation targets in migrations: `app.model`.
fn lower_model(to: &str, app: &str) -> String {
    if to.ends_with(".self") {
        return format!("{app}.self").to_lowercase();
    }
    to.to_lowercase()
}

/// A Python string literal (single quotes, as makemigrations writes them).
pub fn py_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `%(app_label)s` and `%(class)s` in index and constraint names of abstract bases.
fn interpolate(name: &str, app: &str, model: &str) -> String {
    name.replace("%(app_label)s", &app.to_lowercase())
        .replace("%(class)s", &model.to_lowercase())
}

/// Names at the head of attribute chains (`Status` in `Status.NEW`), with byte ranges.
fn collect_heads(expr: &Expr, out: &mut Vec<(usize, usize, String)>) {
    match expr {
        Expr::Name(n) => out.push((
            u32::from(n.range.start()) as usize,
            u32::from(n.range.end()) as usize,
            n.id.to_string(),
        )),
        Expr::Attribute(a) => collect_heads(&a.value, out),
        Expr::Call(c) => {
            collect_heads(&c.func, out);
            c.args.iter().for_each(|a| collect_heads(a, out));
            c.keywords.iter().for_each(|k| collect_heads(&k.value, out));
        }
        Expr::List(l) => l.elts.iter().for_each(|e| collect_heads(e, out)),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| collect_heads(e, out)),
        Expr::Set(s) => s.elts.iter().for_each(|e| collect_heads(e, out)),
        Expr::Dict(d) => {
            d.keys.iter().flatten().for_each(|e| collect_heads(e, out));
            d.values.iter().for_each(|e| collect_heads(e, out));
        }
        Expr::BinOp(b) => {
            collect_heads(&b.left, out);
            collect_heads(&b.right, out);
        }
        Expr::UnaryOp(u) => collect_heads(&u.operand, out),
        Expr::Subscript(s) => {
            collect_heads(&s.value, out);
            collect_heads(&s.slice, out);
        }
        _ => {}
    }
    out.sort_by_key(|h| h.0);
}

/// `(name, value, node)` of the assignments in a `Meta` class.
fn meta_assigns(meta: &ast::StmtClassDef) -> Vec<(String, &Expr, &Stmt)> {
    meta.body
        .iter()
        .filter_map(|s| match s {
            Stmt::Assign(a) => Some((
                a.targets.first().and_then(simple_name)?,
                a.value.as_ref(),
                s,
            )),
            _ => None,
        })
        .collect()
}

/// `unique_together = [("a", "b")]` or `("a", "b")`.
fn together(file: &PyFile, v: &Expr) -> Result<Vec<Vec<String>>, OrmError> {
    let lit = literal(v).ok_or_else(|| file.error_at(v, "unique_together is not a literal"))?;
    let Literal::List(items) = &lit else {
        return Err(file.error_at(v, "unique_together is not a list or tuple"));
    };
    if let Some(single) = lit.as_str_list()
        && !items.is_empty()
    {
        return Ok(vec![single]);
    }
    items
        .iter()
        .map(|i| {
            i.as_str_list().ok_or_else(|| {
                file.error_at(v, "unique_together entries must be tuples of field names")
            })
        })
        .collect()
}

/// Reads `Q(a=1) & ~Q(b__gt=2) | Q(...)`.
pub fn q_expr(file: &PyFile, e: &Expr) -> Result<QExpr, OrmError> {
    match e {
        Expr::Call(call) if simple_name(&call.func).as_deref() == Some("Q") => {
            let mut parts = Vec::new();
            for a in &call.args {
                parts.push(q_expr(file, a)?);
            }
            // Q(**kwargs) sorts its keyword arguments.
            let mut kws: Vec<&ast::Keyword> = call.keywords.iter().collect();
            kws.sort_by(|a, b| a.arg.as_deref().cmp(&b.arg.as_deref()));
            let mut connector_or = false;
            for k in kws {
                let Some(arg) = k.arg.as_deref() else {
                    return Err(file.error_at(&k.value, "`**kwargs` in Q(...) cannot be read"));
                };
                if arg == "_connector" {
                    connector_or = literal(&k.value).and_then(|l| l.as_str().map(|s| s == "OR"))
                        == Some(true)
                        || dotted_name(&k.value).is_some_and(|n| n.ends_with("OR"));
                    continue;
                }
                if arg == "_negated" {
                    return Err(file.error_at(&k.value, "Q(_negated=...) is not read: use ~Q(...)"));
                }
                let value = literal(&k.value).ok_or_else(|| {
                    file.error_at(&k.value, format!("the value of `{arg}` in Q(...) is not a literal (F() and expressions are not translated)"))
                })?;
                let (field, lookup) = match arg.rsplit_once("__") {
                    Some((f, l)) => (f.to_string(), l.to_string()),
                    None => (arg.to_string(), "exact".to_string()),
                };
                if field.contains("__") {
                    return Err(file.error_at(
                        &k.value,
                        format!("`{arg}` spans a relation: not allowed in a constraint"),
                    ));
                }
                if !matches!(
                    lookup.as_str(),
                    "exact" | "gt" | "gte" | "lt" | "lte" | "isnull" | "in"
                ) {
                    return Err(file.error_at(
                        &k.value,
                        format!("lookup `{lookup}` is not translated to SQL by migrex yet"),
                    ));
                }
                parts.push(QExpr::Lookup {
                    field,
                    lookup,
                    value,
                });
            }
            Ok(match (parts.len(), connector_or) {
                (1, _) => parts.pop().unwrap_or(QExpr::And(Vec::new())),
                (_, true) => QExpr::Or(parts),
                _ => QExpr::And(parts),
            })
        }
        Expr::BinOp(b) => {
            let l = q_expr(file, &b.left)?;
            let r = q_expr(file, &b.right)?;
            match b.op {
                ast::Operator::BitAnd => Ok(QExpr::And(vec![l, r])),
                ast::Operator::BitOr => Ok(QExpr::Or(vec![l, r])),
                _ => Err(file.error_at(e, "only &, | and ~ combine Q objects")),
            }
        }
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOp::Invert) => {
            Ok(QExpr::Not(Box::new(q_expr(file, &u.operand)?)))
        }
        _ => Err(file.error_at(
            e,
            "condition is not a Q(...) expression migrex can translate",
        )),
    }
}

/// `Index.set_name_with_model`: the name Django gives an index of `Meta.indexes` without one
/// (`<table[:11]>_<column[:7]>_<digest>_idx`, digest over the table, the ordered columns and
/// the suffix).
fn index_name_with_model(
    table: &str,
    field_names: &[String],
    fields: &[Field],
) -> Result<String, String> {
    let mut columns = Vec::new();
    let mut ordered = Vec::new();
    for f in field_names {
        let (name, desc) = match f.strip_prefix('-') {
            Some(n) => (n, true),
            None => (f.as_str(), false),
        };
        let column = fields
            .iter()
            .find(|x| x.name == name || x.attname() == name)
            .and_then(|x| x.column.clone())
            .ok_or_else(|| format!("Index field `{name}` is not a field with a column"))?;
        ordered.push(if desc {
            format!("-{column}")
        } else {
            column.clone()
        });
        columns.push(column);
    }
    let first = columns
        .first()
        .ok_or_else(|| "Index needs at least one field".to_string())?;
    let (_, table_name) = super::names::split_identifier(table);
    let table_name = table_name.as_str();
    let mut hash_data: Vec<&str> = vec![table_name];
    hash_data.extend(ordered.iter().map(String::as_str));
    hash_data.push("idx");
    let name = format!(
        "{}_{}_{}_idx",
        table_name.chars().take(11).collect::<String>(),
        first.chars().take(7).collect::<String>(),
        super::names::names_digest(&hash_data, 6)
    );
    if name.len() > 30 {
        return Err(format!(
            "Index name {name} is longer than 30 characters: give the index a name="
        ));
    }
    Ok(match name.chars().next() {
        Some(c) if c == '_' || c.is_ascii_digit() => format!("D{}", &name[1..]),
        _ => name,
    })
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn layout_is_folded_but_tuples_stay_tuples() {
        assert_eq!(
            one_line("models.Index(\n    fields=[\"a\"],  # why\n    name=\"x\",\n)"),
            "models.Index(fields=[\"a\"], name=\"x\")"
        );
        assert_eq!(one_line("f(choices=(\"a\",))"), "f(choices=(\"a\",))");
        assert_eq!(one_line("f(x='a\n b')"), "f(x='a\n b')");
    }
}
