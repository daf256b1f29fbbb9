//! Model modules read statically into SQLAlchemy's table metadata ([`TableDef`]s): declarative
//! classes (2.0 `DeclarativeBase` with `Mapped[...]`/`mapped_column`, classic
//! `declarative_base()` with `Column`), mixins and abstract bases in method resolution order,
//! `Table(...)` objects, `__table_args__`, `MetaData(naming_convention=...)` and the base's
//! `type_annotation_map`. Nothing is imported or run: reading a project must not execute its
//! code (nor need its dependencies installed), so the AST from rustpython-parser is evaluated
//! here for the small declarative vocabulary SQLAlchemy models use; what is not a literal
//! SQLAlchemy construct is an error at its line (a wrong schema would be worse than none).

use super::model::*;
use crate::OrmError;
use crate::python::{Literal, PyFile, dotted_name, keyword, literal, simple_name};
use indexmap::IndexMap;
use rustpython_parser::ast::{self, Expr, Ranged, Stmt};

/// A class statement of some model module.
#[derive(Debug, Clone)]
struct ClassInfo {
    file: usize,
    def: ast::StmtClassDef,
    bases: Vec<String>,
}

/// A declarative base: its metadata's naming convention and its `type_annotation_map`.
#[derive(Debug, Clone, Default)]
struct BaseInfo {
    convention: Vec<(String, String)>,
    /// Python type name (last dotted part) -> type expression, with its file.
    type_map: Vec<(String, usize, Expr)>,
}

/// An attribute collected from a class body (or a mixin's).
#[derive(Debug, Clone)]
struct Attr {
    file: usize,
    annotation: Option<Expr>,
    value: Option<Expr>,
    node: Span,
}

/// A node's range, for positions of statements not kept.
#[derive(Debug, Clone, Copy)]
struct Span(rustpython_parser::text_size::TextRange);

impl Ranged for Span {
    fn range(&self) -> rustpython_parser::text_size::TextRange {
        self.0
    }
}

/// What a `Mapped[...]` annotation says.
enum Annotated {
    /// A SQL type (`None` when it must come from `mapped_column`), nullability, and an
    /// `Annotated[..., mapped_column(...)]` call whose arguments are defaults.
    Column {
        ty: Option<SaType>,
        optional: bool,
        defaults: Option<(usize, ast::ExprCall)>,
    },
    /// A relationship or something not mapped to a column.
    NotAColumn,
}

pub struct Scan {
    pub files: Vec<PyFile>,
    classes: IndexMap<String, ClassInfo>,
    assigns: IndexMap<String, (usize, Expr)>,
    bases: IndexMap<String, BaseInfo>,
    /// `MetaData` variables -> naming convention.
    metadatas: IndexMap<String, Vec<(String, String)>>,
}

const DEFAULT_CONVENTION: &[(&str, &str)] = &[("ix", "ix_%(column_0_label)s")];

fn default_convention() -> Vec<(String, String)> {
    DEFAULT_CONVENTION
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn is_enum_base(b: &str) -> bool {
    matches!(
        b,
        "Enum" | "StrEnum" | "IntEnum" | "enum.Enum" | "enum.StrEnum" | "enum.IntEnum"
    )
}

fn decl_base_marker(b: &str) -> bool {
    matches!(
        simple(b),
        "DeclarativeBase" | "DeclarativeBaseNoMeta" | "DeclarativeMeta"
    )
}

fn simple(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}

impl Scan {
    pub fn new(files: Vec<PyFile>) -> Result<Scan, OrmError> {
        let mut scan = Scan {
            files,
            classes: IndexMap::new(),
            assigns: IndexMap::new(),
            bases: IndexMap::new(),
            metadatas: IndexMap::new(),
        };
        for (i, file) in scan.files.iter().enumerate() {
            for stmt in &file.suite {
                match stmt {
                    Stmt::ClassDef(c) => {
                        let bases = c.bases.iter().filter_map(dotted_name).collect();
                        scan.classes.insert(
                            c.name.to_string(),
                            ClassInfo {
                                file: i,
                                def: c.clone(),
                                bases,
                            },
                        );
                    }
                    Stmt::Assign(a) => {
                        if let [Expr::Name(n)] = a.targets.as_slice() {
                            scan.assigns
                                .insert(n.id.to_string(), (i, a.value.as_ref().clone()));
                        }
                    }
                    Stmt::AnnAssign(a) => {
                        if let (Expr::Name(n), Some(v)) = (a.target.as_ref(), &a.value) {
                            scan.assigns
                                .insert(n.id.to_string(), (i, v.as_ref().clone()));
                        }
                    }
                    _ => {}
                }
            }
        }
        scan.find_metadata()?;
        Ok(scan)
    }

    /// Module-level `MetaData(...)` variables and the declarative bases.
    fn find_metadata(&mut self) -> Result<(), OrmError> {
        let assigns: Vec<(String, usize, Expr)> = self
            .assigns
            .iter()
            .map(|(k, (f, e))| (k.clone(), *f, e.clone()))
            .collect();
        for (name, file, value) in &assigns {
            if let Expr::Call(call) = value {
                match dotted_name(&call.func).as_deref().map(simple) {
                    Some("MetaData") => {
                        let conv = self.metadata_convention(*file, call)?;
                        self.metadatas.insert(name.clone(), conv);
                    }
                    Some("declarative_base") => {
                        let convention = match keyword(call, "metadata") {
                            Some(m) => self.metadata_expr(*file, m)?,
                            None => default_convention(),
                        };
                        let type_map = match keyword(call, "type_annotation_map") {
                            Some(m) => self.type_map(*file, m)?,
                            None => Vec::new(),
                        };
                        self.bases.insert(
                            name.clone(),
                            BaseInfo {
                                convention,
                                type_map,
                            },
                        );
                    }
                    _ => {}
                }
            }
        }
        let names: Vec<String> = self.classes.keys().cloned().collect();
        for name in names {
            let info = self.classes[&name].clone();
            if !info.bases.iter().any(|b| decl_base_marker(b)) {
                continue;
            }
            let mut base = BaseInfo {
                convention: default_convention(),
                type_map: Vec::new(),
            };
            for stmt in &info.def.body {
                let (target, value) = match stmt {
                    Stmt::Assign(a) => match a.targets.as_slice() {
                        [Expr::Name(n)] => (n.id.to_string(), a.value.as_ref()),
                        _ => continue,
                    },
                    Stmt::AnnAssign(a) => match (a.target.as_ref(), &a.value) {
                        (Expr::Name(n), Some(v)) => (n.id.to_string(), v.as_ref()),
                        _ => continue,
                    },
                    _ => continue,
                };
                match target.as_str() {
                    "metadata" => base.convention = self.metadata_expr(info.file, value)?,
                    "type_annotation_map" => base.type_map = self.type_map(info.file, value)?,
                    _ => {}
                }
            }
            self.bases.insert(name, base);
        }
        Ok(())
    }

    fn metadata_convention(
        &self,
        file: usize,
        call: &ast::ExprCall,
    ) -> Result<Vec<(String, String)>, OrmError> {
        let Some(nc) = keyword(call, "naming_convention") else {
            return Ok(default_convention());
        };
        let (nc_file, nc) = self.resolve(nc);
        let f = &self.files[nc_file.unwrap_or(file)];
        let Some(Literal::Dict(items)) = literal(nc) else {
            return Err(f.error_at(nc, "naming_convention must be a literal dict of strings"));
        };
        let mut out = Vec::new();
        for (k, v) in items {
            match (k, v) {
                (Literal::Str(k), Literal::Str(v)) => out.push((k, v)),
                _ => {
                    return Err(f.error_at(
                        nc,
                        "naming_convention keys must be strings (\"ix\", \"uq\", \"ck\", \"fk\", \
                         \"pk\") and values template strings",
                    ));
                }
            }
        }
        if out.is_empty() {
            return Ok(default_convention());
        }
        Ok(out)
    }

    /// The convention of a `metadata=` / `metadata = ...` expression.
    fn metadata_expr(&self, file: usize, e: &Expr) -> Result<Vec<(String, String)>, OrmError> {
        match e {
            Expr::Call(call)
                if dotted_name(&call.func).as_deref().map(simple) == Some("MetaData") =>
            {
                self.metadata_convention(file, call)
            }
            Expr::Name(n) if self.metadatas.contains_key(n.id.as_str()) => {
                Ok(self.metadatas[n.id.as_str()].clone())
            }
            Expr::Name(n) => match self.assigns.get(n.id.as_str()) {
                Some((f, Expr::Call(call))) => self.metadata_convention(*f, call),
                _ => Err(self.files[file].error_at(e, "cannot tell which MetaData this is")),
            },
            _ => Err(self.files[file].error_at(e, "cannot tell which MetaData this is")),
        }
    }

    fn type_map(&self, file: usize, e: &Expr) -> Result<Vec<(String, usize, Expr)>, OrmError> {
        let (rf, e) = self.resolve(e);
        let file = rf.unwrap_or(file);
        let Expr::Dict(d) = e else {
            return Err(self.files[file].error_at(e, "type_annotation_map must be a literal dict"));
        };
        let mut out = Vec::new();
        for (k, v) in d.keys.iter().zip(&d.values) {
            let Some(k) = k.as_ref().and_then(dotted_name) else {
                return Err(self.files[file].error_at(v, "type_annotation_map key must be a type"));
            };
            out.push((simple(&k).to_string(), file, v.clone()));
        }
        Ok(out)
    }

    /// A module-level name's assigned value (one level), else the expression itself.
    fn resolve<'a>(&'a self, e: &'a Expr) -> (Option<usize>, &'a Expr) {
        if let Expr::Name(n) = e
            && let Some((f, v)) = self.assigns.get(n.id.as_str())
        {
            return (Some(*f), v);
        }
        (None, e)
    }

    /// C3 method resolution order over the known classes (unknown bases end the chain).
    fn mro(&self, name: &str) -> Vec<String> {
        fn merge(mut seqs: Vec<Vec<String>>) -> Vec<String> {
            let mut out = Vec::new();
            loop {
                seqs.retain(|s| !s.is_empty());
                if seqs.is_empty() {
                    return out;
                }
                let head = seqs
                    .iter()
                    .map(|s| s[0].clone())
                    .find(|h| !seqs.iter().any(|s| s[1..].contains(h)));
                // Inconsistent hierarchy: Python refuses it; take the first head to stay total.
                let head = head.unwrap_or_else(|| seqs[0][0].clone());
                out.push(head.clone());
                for s in &mut seqs {
                    if s.first() == Some(&head) {
                        s.remove(0);
                    }
                }
            }
        }
        fn go(scan: &Scan, name: &str, path: &mut Vec<String>) -> Vec<String> {
            let Some(c) = scan.classes.get(name) else {
                return vec![name.to_string()];
            };
            // A class among its own bases (Python refuses it): stop there.
            if path.iter().any(|p| p == name) {
                return vec![name.to_string()];
            }
            path.push(name.to_string());
            let bases: Vec<String> = c.bases.iter().map(|b| simple(b).to_string()).collect();
            let mut seqs: Vec<Vec<String>> = bases.iter().map(|b| go(scan, b, path)).collect();
            path.pop();
            seqs.push(bases);
            let mut out = vec![name.to_string()];
            out.extend(merge(seqs));
            out
        }
        go(self, name, &mut Vec::new())
    }

    fn class_attr(&self, class: &str, attr: &str) -> Option<(usize, Expr)> {
        let c = self.classes.get(class)?;
        for stmt in &c.def.body {
            match stmt {
                Stmt::Assign(a) => {
                    if let [Expr::Name(n)] = a.targets.as_slice()
                        && n.id.as_str() == attr
                    {
                        return Some((c.file, a.value.as_ref().clone()));
                    }
                }
                Stmt::AnnAssign(a) => {
                    if let (Expr::Name(n), Some(v)) = (a.target.as_ref(), &a.value)
                        && n.id.as_str() == attr
                    {
                        return Some((c.file, v.as_ref().clone()));
                    }
                }
                Stmt::FunctionDef(f) if f.name.as_str() == attr && is_declared_attr(f) => {
                    if let Some(v) = single_return(f) {
                        return Some((c.file, v.clone()));
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// An attribute looked up along the MRO.
    fn inherited_attr(&self, class: &str, attr: &str) -> Option<(String, usize, Expr)> {
        self.mro(class)
            .into_iter()
            .find_map(|c| self.class_attr(&c, attr).map(|(f, e)| (c, f, e)))
    }

    /// The declarative base a class derives from.
    fn base_of(&self, class: &str) -> Option<&BaseInfo> {
        self.mro(class).iter().find_map(|c| self.bases.get(c))
    }

    fn is_enum_class(&self, name: &str) -> bool {
        self.classes
            .get(name)
            .is_some_and(|c| c.bases.iter().any(|b| is_enum_base(b)))
    }

    /// The member names and values of a Python enum class.
    fn enum_members(&self, name: &str) -> Vec<(String, Option<Literal>)> {
        let Some(c) = self.classes.get(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for stmt in &c.def.body {
            if let Stmt::Assign(a) = stmt
                && let [Expr::Name(n)] = a.targets.as_slice()
                && !n.id.starts_with('_')
            {
                out.push((n.id.to_string(), literal(&a.value)));
            }
        }
        out
    }

    /// Whether a class is mapped to a table of its own.
    fn is_mapped(&self, name: &str) -> bool {
        if self.bases.contains_key(name) || self.base_of(name).is_none() {
            return false;
        }
        if let Some((_, Expr::Constant(c))) = self.class_attr(name, "__abstract__")
            && matches!(c.value, ast::Constant::Bool(true))
        {
            return false;
        }
        // A class without a table name of its own inherits its parent's table (single-table
        // inheritance) or is a mixin.
        self.class_attr(name, "__tablename__").is_some()
            || (self.inherited_attr(name, "__tablename__").is_some()
                && !self.mro(name)[1..]
                    .iter()
                    .any(|c| self.is_mapped_shallow(c)))
    }

    fn is_mapped_shallow(&self, name: &str) -> bool {
        !self.bases.contains_key(name)
            && self.base_of(name).is_some()
            && self.class_attr(name, "__tablename__").is_some()
            && !matches!(self.class_attr(name, "__abstract__"), Some((_, Expr::Constant(c))) if matches!(c.value, ast::Constant::Bool(true)))
    }

    /// The table name of a mapped class.
    fn tablename(&self, class: &str) -> Result<Option<String>, OrmError> {
        let Some((_, file, e)) = self.inherited_attr(class, "__tablename__") else {
            return Ok(None);
        };
        if let Some(Literal::Str(s)) = literal(&e) {
            return Ok(Some(s));
        }
        // `return cls.__name__.lower()` in a declared_attr.
        let src = self.files[file].source(&e).replace(' ', "");
        match src.as_str() {
            "cls.__name__.lower()" => Ok(Some(class.to_lowercase())),
            "cls.__name__" => Ok(Some(class.to_string())),
            _ => Err(self.files[file].error_at(
                &e,
                "cannot evaluate this __tablename__ statically: give a string literal",
            )),
        }
    }

    /// Classes with a `__tablename__` that derive from no declarative base migrex found
    /// (imperative mapping, a base built dynamically): their tables are not read.
    pub fn unmapped_tables(&self) -> Vec<migrex_model::Warning> {
        self.classes
            .iter()
            .filter(|(name, _)| {
                self.base_of(name).is_none() && self.class_attr(name, "__tablename__").is_some()
            })
            .map(|(name, c)| migrex_model::Warning {
                message: format!(
                    "class {name} declares __tablename__ but derives from no declarative base \
                     (DeclarativeBase subclass or declarative_base()): its table is not read"
                ),
                location: Some(self.files[c.file].location(&c.def)),
            })
            .collect()
    }

    /// Every table the models declare, in declaration order.
    pub fn tables(&mut self) -> Result<Vec<TableDef>, OrmError> {
        let mut out = Vec::new();
        // Table(...) objects first where they appear: keep file order for both kinds.
        let mut items: Vec<(usize, u32, Item)> = Vec::new();
        for (name, c) in &self.classes {
            items.push((
                c.file,
                u32::from(c.def.range.start()),
                Item::Class(name.clone()),
            ));
        }
        for (name, (f, e)) in &self.assigns {
            if let Expr::Call(call) = e
                && dotted_name(&call.func).as_deref().map(simple) == Some("Table")
            {
                items.push((*f, u32::from(e.start()), Item::Table(name.clone())));
            }
        }
        items.sort_by_key(|(f, o, _)| (*f, *o));
        for (_, _, item) in items {
            match item {
                Item::Class(name) => {
                    if self.is_mapped(&name) {
                        out.push(self.class_table(&name)?);
                    }
                }
                Item::Table(name) => {
                    let (f, e) = self.assigns[&name].clone();
                    let Expr::Call(call) = &e else { continue };
                    out.push(self.table_object(f, call)?);
                }
            }
        }
        Ok(out)
    }

    fn table_object(&self, file: usize, call: &ast::ExprCall) -> Result<TableDef, OrmError> {
        let f = &self.files[file];
        let Some(name) = call
            .args
            .first()
            .and_then(literal)
            .and_then(|l| l.as_str().map(String::from))
        else {
            return Err(f.error_at(call, "Table(...) needs a literal name"));
        };
        let convention = match call.args.get(1) {
            Some(m) => match dotted_name(m) {
                Some(d) if d.ends_with(".metadata") => {
                    let base = d.trim_end_matches(".metadata");
                    match self.bases.get(simple(base)) {
                        Some(b) => b.convention.clone(),
                        None => {
                            return Err(f.error_at(m, format!("{base} is not a declarative base")));
                        }
                    }
                }
                _ => self.metadata_expr(file, m)?,
            },
            None => return Err(f.error_at(call, "Table(...) needs a MetaData")),
        };
        let mut t = TableDef {
            name,
            schema: None,
            comment: None,
            class_name: None,
            columns: Vec::new(),
            pk_name: None,
            pk_columns: None,
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            sqlite_autoincrement: false,
            convention,
            file: f.path.clone(),
            location: f.location(call),
        };
        for arg in call.args.iter().skip(2) {
            match arg {
                Expr::Call(c) if matches!(call_name(c).as_deref(), Some("Column")) => {
                    let col = self.column(file, c, None, None, None)?;
                    t.columns.push(col);
                }
                Expr::Call(c) => self.table_arg(file, c, &mut t)?,
                other => return Err(f.error_at(other, "unsupported Table(...) argument")),
            }
        }
        self.table_kwargs(file, &call.keywords, &mut t)?;
        Ok(t)
    }

    fn table_kwargs(
        &self,
        file: usize,
        kws: &[ast::Keyword],
        t: &mut TableDef,
    ) -> Result<(), OrmError> {
        for k in kws {
            let Some(arg) = &k.arg else { continue };
            let v = literal(&k.value);
            match arg.as_str() {
                "schema" => t.schema = v.and_then(|l| l.as_str().map(String::from)),
                "comment" => t.comment = v.and_then(|l| l.as_str().map(String::from)),
                "sqlite_autoincrement" => t.sqlite_autoincrement = v == Some(Literal::Bool(true)),
                "extend_existing" | "keep_existing" | "info" | "mysql_engine" | "mysql_charset"
                | "quote" => {}
                other => {
                    return Err(self.files[file]
                        .error_at(&k.value, format!("table option {other}= is not supported")));
                }
            }
        }
        Ok(())
    }

    /// The table of a declarative class.
    fn class_table(&mut self, class: &str) -> Result<TableDef, OrmError> {
        let info = self.classes[class].clone();
        let f = &self.files[info.file];
        let Some(name) = self.tablename(class)? else {
            return Err(f.error_at(&info.def, "mapped class without __tablename__"));
        };
        let base = self.base_of(class).cloned().unwrap_or_default();
        let mut t = TableDef {
            name,
            schema: None,
            comment: None,
            class_name: Some(class.to_string()),
            columns: Vec::new(),
            pk_name: None,
            pk_columns: None,
            uniques: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            sqlite_autoincrement: false,
            convention: base.convention.clone(),
            file: f.path.clone(),
            location: f.location(&info.def),
        };
        // Attributes: the class first, then mixins and abstract bases in MRO order; a mapped
        // parent (joined inheritance) keeps its own columns.
        let mro = self.mro(class);
        let mut attrs: IndexMap<String, Attr> = IndexMap::new();
        for (i, c) in mro.iter().enumerate() {
            if i > 0 && (self.is_mapped_shallow(c) || self.bases.contains_key(c)) {
                continue;
            }
            let Some(ci) = self.classes.get(c) else {
                continue;
            };
            for stmt in &ci.def.body {
                let (name, attr) = match stmt {
                    Stmt::AnnAssign(a) => match a.target.as_ref() {
                        Expr::Name(n) => (
                            n.id.to_string(),
                            Attr {
                                file: ci.file,
                                annotation: Some(a.annotation.as_ref().clone()),
                                value: a.value.as_ref().map(|v| v.as_ref().clone()),
                                node: Span(a.range),
                            },
                        ),
                        _ => continue,
                    },
                    Stmt::Assign(a) => match a.targets.as_slice() {
                        [Expr::Name(n)] => (
                            n.id.to_string(),
                            Attr {
                                file: ci.file,
                                annotation: None,
                                value: Some(a.value.as_ref().clone()),
                                node: Span(a.range),
                            },
                        ),
                        _ => continue,
                    },
                    Stmt::FunctionDef(fd) if is_declared_attr(fd) => {
                        let Some(v) = single_return(fd) else {
                            if fd.name.starts_with("__") {
                                continue;
                            }
                            return Err(self.files[ci.file].error_at(
                                fd,
                                "declared_attr: only a function that returns one expression \
                                 can be read statically",
                            ));
                        };
                        (
                            fd.name.to_string(),
                            Attr {
                                file: ci.file,
                                annotation: fd.returns.as_ref().map(|r| r.as_ref().clone()),
                                value: Some(v.clone()),
                                node: Span(fd.range),
                            },
                        )
                    }
                    _ => continue,
                };
                attrs.entry(name).or_insert(attr);
            }
        }
        let mut table_args: Option<(usize, Expr)> = None;
        for (key, attr) in &attrs {
            if key.starts_with("__") {
                if key == "__table_args__" {
                    table_args = attr.value.clone().map(|v| (attr.file, v));
                }
                if key == "__table__" {
                    return Err(self.files[attr.file].error_at(
                        &attr.node,
                        "__table__ assignments are not read: declare the columns on the class",
                    ));
                }
                continue;
            }
            if let Some(col) = self.attr_column(key, attr, &base)? {
                t.columns.push(col);
            }
        }
        // Stable sort by sort_order, as declarative does.
        t.columns.sort_by_key(|c| c.sort_order);
        if let Some((file, e)) = table_args {
            self.table_args(file, &e, &mut t)?;
        }
        Ok(t)
    }

    fn attr_column(
        &self,
        key: &str,
        attr: &Attr,
        base: &BaseInfo,
    ) -> Result<Option<ColumnDef>, OrmError> {
        let f = &self.files[attr.file];
        let ann = match &attr.annotation {
            Some(a) => Some(self.annotation(attr.file, a, base)?),
            None => None,
        };
        let call = match &attr.value {
            Some(Expr::Call(c)) => Some(c),
            Some(other) => {
                if let Some(Annotated::Column { .. }) = ann {
                    return Err(f.error_at(other, "cannot read this column definition statically"));
                }
                return Ok(None);
            }
            None => None,
        };
        match call {
            Some(c) => match call_name(c).as_deref() {
                Some("mapped_column" | "Column") => {
                    let (ann, defaults) = match ann {
                        Some(Annotated::Column {
                            ty,
                            optional,
                            defaults,
                        }) => (Some((ty, optional)), defaults),
                        Some(Annotated::NotAColumn) | None => (None, None),
                    };
                    let col = self.column(attr.file, c, Some(key), ann, defaults)?;
                    Ok(Some(col))
                }
                Some(
                    "relationship" | "association_proxy" | "column_property" | "synonym"
                    | "composite" | "deferred" | "query_expression" | "hybrid_property" | "backref"
                    | "dynamic_loader",
                ) => Ok(None),
                _ => {
                    if matches!(ann, Some(Annotated::Column { .. }))
                        && attr.annotation.as_ref().is_some_and(is_mapped_annotation)
                    {
                        Err(f.error_at(c, "cannot read this column definition statically"))
                    } else {
                        Ok(None)
                    }
                }
            },
            None => match ann {
                Some(Annotated::Column {
                    ty,
                    optional,
                    defaults,
                }) if attr.annotation.as_ref().is_some_and(is_mapped_annotation) => {
                    let Some(ty) = ty else {
                        return Err(f.error_at(
                            &attr.node,
                            "cannot tell the column type from this annotation",
                        ));
                    };
                    let mut col = match defaults {
                        Some((df, dc)) => {
                            self.column(df, &dc, Some(key), Some((Some(ty), optional)), None)?
                        }
                        None => ColumnDef {
                            name: key.to_string(),
                            key: key.to_string(),
                            ty,
                            nullable: optional,
                            primary_key: false,
                            autoincrement: Autoincrement::Auto,
                            unique: false,
                            index: false,
                            server_default: None,
                            python_default: false,
                            foreign_key: None,
                            checks: Vec::new(),
                            comment: None,
                            sort_order: 0,
                            type_from_fk: false,
                            identity: None,
                            computed: None,
                            nullable_given: false,
                            location: String::new(),
                        },
                    };
                    col.location = f.location(&attr.node);
                    Ok(Some(col))
                }
                _ => Ok(None),
            },
        }
    }

    /// `Mapped[...]` (or a bare annotation in a classic model) read into a type.
    fn annotation(&self, file: usize, e: &Expr, base: &BaseInfo) -> Result<Annotated, OrmError> {
        let f = &self.files[file];
        let inner = match e {
            Expr::Subscript(s) if matches!(simple_name(&s.value).as_deref(), Some("Mapped")) => {
                s.slice.as_ref()
            }
            Expr::Constant(c) => {
                // `"Mapped[int]"` as a string annotation.
                if let ast::Constant::Str(s) = &c.value
                    && let Ok(parsed) = PyFile::parse(&f.path, s.clone())
                    && let Some(Stmt::Expr(x)) = parsed.suite.first()
                {
                    return self.annotation_str(file, &x.value, base, e);
                }
                return Ok(Annotated::NotAColumn);
            }
            _ => return Ok(Annotated::NotAColumn),
        };
        self.annotation_inner(file, inner, base, false)
    }

    fn annotation_str(
        &self,
        file: usize,
        x: &Expr,
        base: &BaseInfo,
        at: &Expr,
    ) -> Result<Annotated, OrmError> {
        match x {
            Expr::Subscript(s) if matches!(simple_name(&s.value).as_deref(), Some("Mapped")) => {
                // Positions inside the string are not the file's: report at the annotation.
                self.annotation_inner(file, &s.slice, base, false)
                    .map_err(|_| {
                        self.files[file].error_at(at, "cannot read this string annotation")
                    })
            }
            _ => Ok(Annotated::NotAColumn),
        }
    }

    fn annotation_inner(
        &self,
        file: usize,
        e: &Expr,
        base: &BaseInfo,
        optional: bool,
    ) -> Result<Annotated, OrmError> {
        let f = &self.files[file];
        match e {
            Expr::Subscript(s) => {
                let head = simple_name(&s.value).unwrap_or_default();
                match head.as_str() {
                    "Optional" => self.annotation_inner(file, &s.slice, base, true),
                    "Union" => {
                        let Expr::Tuple(t) = s.slice.as_ref() else {
                            return self.annotation_inner(file, &s.slice, base, optional);
                        };
                        let non_none: Vec<&Expr> =
                            t.elts.iter().filter(|x| !is_none(x)).collect();
                        let opt = non_none.len() < t.elts.len();
                        match non_none.as_slice() {
                            [one] => self.annotation_inner(file, one, base, optional || opt),
                            _ => Err(f.error_at(e, "a Union of several types has no SQL type")),
                        }
                    }
                    "Annotated" => {
                        let Expr::Tuple(t) = s.slice.as_ref() else {
                            return Err(f.error_at(e, "Annotated needs a type and metadata"));
                        };
                        let Some(first) = t.elts.first() else {
                            return Err(f.error_at(e, "Annotated needs a type and metadata"));
                        };
                        let inner = self.annotation_inner(file, first, base, optional)?;
                        let defaults = t.elts[1..].iter().find_map(|x| match x {
                            Expr::Call(c) if matches!(call_name(c).as_deref(), Some("mapped_column")) => {
                                Some((file, c.clone()))
                            }
                            _ => None,
                        });
                        // A SQL type as Annotated metadata (`Annotated[str, String(30)]`) is
                        // not a type_annotation_map key: it is the type itself.
                        let ty_meta = t.elts[1..].iter().find_map(|x| self.sa_type(file, x).ok());
                        match inner {
                            Annotated::Column { ty, optional, .. } => Ok(Annotated::Column {
                                ty: ty_meta.or(ty),
                                optional,
                                defaults,
                            }),
                            Annotated::NotAColumn => Ok(Annotated::NotAColumn),
                        }
                    }
                    "List" | "list" | "Set" | "set" | "WriteOnlyMapped" | "DynamicMapped"
                    | "Dict" | "dict" => Ok(Annotated::NotAColumn),
                    "Literal" => Err(f.error_at(
                        e,
                        "Literal[...] columns are not read: use an Enum class or Enum(..., name=...)",
                    )),
                    _ => Ok(Annotated::NotAColumn),
                }
            }
            Expr::BinOp(b) if matches!(b.op, ast::Operator::BitOr) => {
                if is_none(&b.right) {
                    self.annotation_inner(file, &b.left, base, true)
                } else if is_none(&b.left) {
                    self.annotation_inner(file, &b.right, base, true)
                } else {
                    Err(f.error_at(e, "a union of several types has no SQL type"))
                }
            }
            Expr::Constant(c) => match &c.value {
                // Forward references to classes: relationships.
                ast::Constant::Str(s) => {
                    if self.classes.contains_key(s.as_str()) && !self.is_enum_class(s) {
                        Ok(Annotated::NotAColumn)
                    } else {
                        match PyFile::parse(&f.path, s.clone()) {
                            Ok(p) => match p.suite.first() {
                                Some(Stmt::Expr(x)) => self
                                    .annotation_inner(file, &x.value, base, optional)
                                    .map_err(|_| {
                                        f.error_at(e, "cannot read this string annotation")
                                    }),
                                _ => Ok(Annotated::NotAColumn),
                            },
                            Err(_) => Ok(Annotated::NotAColumn),
                        }
                    }
                }
                ast::Constant::None => Ok(Annotated::NotAColumn),
                _ => Err(f.error_at(e, "unsupported annotation")),
            },
            Expr::Name(_) | Expr::Attribute(_) => {
                let dotted = dotted_name(e).unwrap_or_default();
                let name = simple(&dotted).to_string();
                if let Some((_, tf, te)) = base.type_map.iter().find(|(k, _, _)| *k == name) {
                    let ty = self.sa_type(*tf, te)?;
                    return Ok(Annotated::Column {
                        ty: Some(ty),
                        optional,
                        defaults: None,
                    });
                }
                // An alias: `intpk = Annotated[int, mapped_column(primary_key=True)]`.
                if let Expr::Name(n) = e
                    && let Some((af, av)) = self.assigns.get(n.id.as_str())
                    && matches!(av, Expr::Subscript(_))
                {
                    return self.annotation_inner(*af, av, base, optional);
                }
                let ty = match name.as_str() {
                    "int" => Some(SaType::Integer),
                    "float" => Some(SaType::Double),
                    "bool" => Some(SaType::Boolean),
                    "str" => Some(SaType::String(None)),
                    "bytes" => Some(SaType::LargeBinary),
                    "Decimal" => Some(SaType::Numeric {
                        precision: None,
                        scale: None,
                        decimal: false,
                    }),
                    "date" => Some(SaType::Date),
                    "datetime" => Some(SaType::DateTime { timezone: false }),
                    "time" => Some(SaType::Time { timezone: false }),
                    "timedelta" => Some(SaType::Interval),
                    "UUID" => Some(SaType::Uuid),
                    _ => None,
                };
                if let Some(ty) = ty {
                    return Ok(Annotated::Column {
                        ty: Some(ty),
                        optional,
                        defaults: None,
                    });
                }
                if self.is_enum_class(&name) {
                    return Ok(Annotated::Column {
                        ty: Some(SaType::Enum(self.enum_from_class(&name, None)?)),
                        optional,
                        defaults: None,
                    });
                }
                if self.classes.contains_key(&name) {
                    return Ok(Annotated::NotAColumn);
                }
                // Unknown: a type only mapped_column(...) can tell.
                Ok(Annotated::Column {
                    ty: None,
                    optional,
                    defaults: None,
                })
            }
            _ => Err(f.error_at(e, "unsupported annotation")),
        }
    }

    fn enum_from_class(
        &self,
        class: &str,
        call: Option<(usize, &ast::ExprCall)>,
    ) -> Result<EnumDef, OrmError> {
        let members = self.enum_members(class);
        let by_value = call.is_some_and(|(_, c)| keyword(c, "values_callable").is_some());
        let mut values = Vec::new();
        for (name, value) in &members {
            if by_value {
                match value {
                    Some(Literal::Str(s)) => values.push(s.clone()),
                    _ => {
                        let Some((f, c)) = call else {
                            continue;
                        };
                        return Err(self.files[f].error_at(
                            c,
                            format!(
                                "values_callable on {class}: its values must be string literals"
                            ),
                        ));
                    }
                }
            } else {
                values.push(name.clone());
            }
        }
        let mut e = EnumDef {
            name: Some(class.to_lowercase()),
            values,
            native: true,
            create_constraint: false,
            length: None,
            class: Some(class.to_string()),
        };
        if let Some((f, c)) = call {
            self.enum_options(f, c, &mut e)?;
        }
        Ok(e)
    }

    fn enum_options(
        &self,
        file: usize,
        c: &ast::ExprCall,
        e: &mut EnumDef,
    ) -> Result<(), OrmError> {
        for k in &c.keywords {
            let Some(arg) = &k.arg else { continue };
            let v = literal(&k.value);
            match (arg.as_str(), v) {
                ("name", Some(Literal::Str(s))) => e.name = Some(s),
                ("native_enum", Some(Literal::Bool(b))) => e.native = b,
                ("create_constraint", Some(Literal::Bool(b))) => e.create_constraint = b,
                ("length", Some(Literal::Int(n))) => e.length = Some(n as u32),
                (
                    "values_callable" | "validate_strings" | "inherit_schema" | "metadata"
                    | "omit_aliases" | "sort_key_function",
                    _,
                ) => {}
                (other, _) => {
                    return Err(self.files[file].error_at(
                        &k.value,
                        format!("Enum option {other}= is not supported here"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A SQLAlchemy type expression (`String(50)`, `sa.Integer`, `Enum(Status)`, an alias).
    pub fn sa_type(&self, file: usize, e: &Expr) -> Result<SaType, OrmError> {
        let f = &self.files[file];
        let (name, call) = match e {
            Expr::Call(c) => (dotted_name(&c.func), Some(c)),
            Expr::Name(_) | Expr::Attribute(_) => (dotted_name(e), None),
            _ => (None, None),
        };
        let Some(dotted) = name else {
            return Err(f.error_at(e, "not a SQLAlchemy type"));
        };
        let n = simple(&dotted);
        let int_arg = |i: usize, kw: &str| -> Option<u32> {
            let c = call?;
            keyword(c, kw)
                .or(c.args.get(i))
                .and_then(literal)
                .and_then(|l| l.as_int())
                .map(|v| v as u32)
        };
        let bool_kw = |kw: &str| -> bool {
            call.and_then(|c| keyword(c, kw))
                .and_then(literal)
                .and_then(|l| l.as_bool())
                .unwrap_or(false)
        };
        let ty = match n {
            "Integer" | "INTEGER" | "INT" => SaType::Integer,
            "BigInteger" | "BIGINT" => SaType::BigInteger,
            "SmallInteger" | "SMALLINT" => SaType::SmallInteger,
            "String" | "Unicode" | "VARCHAR" | "NVARCHAR" => SaType::String(int_arg(0, "length")),
            "CHAR" | "NCHAR" => SaType::Char(int_arg(0, "length")),
            "Text" | "UnicodeText" | "TEXT" => SaType::Text,
            "Boolean" | "BOOLEAN" => SaType::Boolean,
            "Float" | "FLOAT" => SaType::Float(int_arg(0, "precision")),
            "REAL" => SaType::Real,
            "Double" | "DOUBLE" | "DOUBLE_PRECISION" => SaType::Double,
            "Numeric" | "NUMERIC" | "DECIMAL" => SaType::Numeric {
                precision: int_arg(0, "precision"),
                scale: int_arg(1, "scale"),
                decimal: n == "DECIMAL",
            },
            "DateTime" | "DATETIME" => SaType::DateTime {
                timezone: bool_kw("timezone"),
            },
            "TIMESTAMP" => SaType::Timestamp {
                timezone: bool_kw("timezone"),
            },
            "Date" | "DATE" => SaType::Date,
            "Time" | "TIME" => SaType::Time {
                timezone: bool_kw("timezone"),
            },
            "Interval" | "INTERVAL" => SaType::Interval,
            "LargeBinary" | "BLOB" | "BYTEA" | "LargeBinary_" => SaType::LargeBinary,
            "JSON" => SaType::Json,
            "JSONB" => SaType::Jsonb,
            "Uuid" | "UUID" => SaType::Uuid,
            "ARRAY" => {
                let Some(inner) = call.and_then(|c| c.args.first().or(keyword(c, "item_type")))
                else {
                    return Err(f.error_at(e, "ARRAY needs an item type"));
                };
                SaType::Array(Box::new(self.sa_type(file, inner)?))
            }
            "Enum" | "ENUM" => {
                let Some(c) = call else {
                    return Err(f.error_at(e, "Enum needs its values or an enum class"));
                };
                if let Some(first) = c.args.first()
                    && let Some(cls) = dotted_name(first)
                    && self.is_enum_class(simple(&cls))
                {
                    SaType::Enum(self.enum_from_class(simple(&cls), Some((file, c)))?)
                } else {
                    let mut values = Vec::new();
                    for a in &c.args {
                        match literal(a) {
                            Some(Literal::Str(s)) => values.push(s),
                            _ => {
                                return Err(f.error_at(a, "Enum values must be string literals"));
                            }
                        }
                    }
                    let mut en = EnumDef {
                        name: None,
                        values,
                        native: true,
                        create_constraint: false,
                        length: None,
                        class: None,
                    };
                    self.enum_options(file, c, &mut en)?;
                    SaType::Enum(en)
                }
            }
            _ => {
                if let Expr::Name(nm) = e
                    && let Some((af, av)) = self.assigns.get(nm.id.as_str())
                {
                    return self.sa_type(*af, av);
                }
                if self.is_enum_class(n) {
                    return Ok(SaType::Enum(self.enum_from_class(n, None)?));
                }
                return Err(f.error_at(
                    e,
                    format!("unknown column type {dotted}: migrex reads SQLAlchemy's built-in types only"),
                ));
            }
        };
        Ok(ty)
    }

    /// `mapped_column(...)` / `Column(...)`. `ann` is the annotation's type and optionality;
    /// `defaults` an `Annotated` alias's `mapped_column` whose arguments apply first.
    fn column(
        &self,
        file: usize,
        call: &ast::ExprCall,
        key: Option<&str>,
        ann: Option<(Option<SaType>, bool)>,
        defaults: Option<(usize, ast::ExprCall)>,
    ) -> Result<ColumnDef, OrmError> {
        let f = &self.files[file];
        let mut col = ColumnDef {
            name: key.unwrap_or_default().to_string(),
            key: key.unwrap_or_default().to_string(),
            ty: SaType::Integer,
            nullable: true,
            primary_key: false,
            autoincrement: Autoincrement::Auto,
            unique: false,
            index: false,
            server_default: None,
            python_default: false,
            foreign_key: None,
            checks: Vec::new(),
            comment: None,
            sort_order: 0,
            type_from_fk: false,
            identity: None,
            computed: None,
            nullable_given: false,
            location: f.location(call),
        };
        let mut ty: Option<SaType> = None;
        let mut nullable: Option<bool> = None;
        let mut calls: Vec<(usize, &ast::ExprCall)> = Vec::new();
        if let Some((df, dc)) = &defaults {
            calls.push((*df, dc));
        }
        calls.push((file, call));
        for (cf, c) in calls {
            let cfile = &self.files[cf];
            for a in &c.args {
                match a {
                    Expr::Constant(k) if matches!(k.value, ast::Constant::Str(_)) => {
                        if let Some(Literal::Str(s)) = literal(a) {
                            col.name = s;
                        }
                    }
                    Expr::Call(inner)
                        if matches!(call_name(inner).as_deref(), Some("ForeignKey")) =>
                    {
                        col.foreign_key = Some(self.foreign_key(cf, inner)?);
                    }
                    Expr::Call(inner)
                        if matches!(call_name(inner).as_deref(), Some("CheckConstraint")) =>
                    {
                        col.checks.push(self.check(cf, inner)?);
                    }
                    Expr::Call(inner) if call_name(inner).as_deref() == Some("Identity") => {
                        col.identity = Some(identity_sql(cfile, inner)?);
                    }
                    Expr::Call(inner) if call_name(inner).as_deref() == Some("Computed") => {
                        let sql = match inner.args.first().and_then(literal) {
                            Some(Literal::Str(s)) => s,
                            _ => {
                                return Err(cfile.error_at(
                                    a,
                                    "Computed(...) is read when its expression is a string",
                                ));
                            }
                        };
                        let persisted = match inner
                            .keywords
                            .iter()
                            .find(|k| k.arg.as_deref() == Some("persisted"))
                        {
                            None => None,
                            Some(k) => Some(
                                literal(&k.value).and_then(|l| l.as_bool()).ok_or_else(|| {
                                    cfile.error_at(&k.value, "persisted= is not a literal boolean")
                                })?,
                            ),
                        };
                        col.computed = Some((sql, persisted));
                    }
                    Expr::Call(inner)
                        if matches!(
                            call_name(inner).as_deref(),
                            Some("Sequence" | "FetchedValue")
                        ) =>
                    {
                        return Err(cfile.error_at(
                            a,
                            format!(
                                "{} columns are not read yet",
                                call_name(inner).unwrap_or_default()
                            ),
                        ));
                    }
                    other => ty = Some(self.sa_type(cf, other)?),
                }
            }
            for k in &c.keywords {
                let Some(arg) = &k.arg else {
                    return Err(cfile.error_at(&k.value, "**kwargs cannot be read statically"));
                };
                let v = literal(&k.value);
                let b = v.as_ref().and_then(|l| l.as_bool());
                match arg.as_str() {
                    "name" => {
                        if let Some(Literal::Str(s)) = v {
                            col.name = s;
                        }
                    }
                    "type_" => ty = Some(self.sa_type(cf, &k.value)?),
                    "primary_key" => col.primary_key = b.unwrap_or(false),
                    "nullable" => nullable = b,
                    "unique" => col.unique = b.unwrap_or(false),
                    "index" => col.index = b.unwrap_or(false),
                    "comment" => col.comment = v.and_then(|l| l.as_str().map(String::from)),
                    "sort_order" => col.sort_order = v.and_then(|l| l.as_int()).unwrap_or(0),
                    "autoincrement" => {
                        col.autoincrement = match v {
                            Some(Literal::Bool(true)) => Autoincrement::True,
                            Some(Literal::Bool(false)) => Autoincrement::False,
                            Some(Literal::Str(s)) if s == "ignore_fk" => Autoincrement::IgnoreFk,
                            _ => Autoincrement::Auto,
                        }
                    }
                    "default" | "insert_default" => {
                        col.python_default = !matches!(v, Some(Literal::None))
                    }
                    "server_default" => {
                        col.server_default = if matches!(v, Some(Literal::None)) {
                            None
                        } else {
                            Some(self.server_default(cf, &k.value)?)
                        }
                    }
                    "onupdate"
                    | "server_onupdate"
                    | "doc"
                    | "info"
                    | "init"
                    | "repr"
                    | "default_factory"
                    | "compare"
                    | "kw_only"
                    | "deferred"
                    | "deferred_group"
                    | "deferred_raiseload"
                    | "active_history"
                    | "use_existing_column"
                    | "quote"
                    | "system"
                    | "key"
                    | "hash"
                    | "dataclass_metadata" => {}
                    other => {
                        return Err(cfile.error_at(
                            &k.value,
                            format!("column option {other}= is not supported"),
                        ));
                    }
                }
            }
        }
        if col.name.is_empty() {
            return Err(f.error_at(call, "Column(...) outside a class needs a name"));
        }
        let (ann_ty, optional) = match ann {
            Some((t, o)) => (t, Some(o)),
            None => (None, None),
        };
        col.ty = match ty.or(ann_ty) {
            Some(t) => t,
            None => {
                if col.foreign_key.is_some() {
                    // The type comes from the referenced column; resolved after every table is read.
                    col.type_from_fk = true;
                    SaType::Integer
                } else {
                    return Err(f.error_at(call, "the column type cannot be determined"));
                }
            }
        };
        // SQLAlchemy: an explicit nullable= wins; a primary key is NOT NULL; otherwise the
        // annotation's Optional decides, and a classic Column without one is nullable.
        col.nullable_given = nullable.is_some();
        col.nullable = match nullable {
            Some(n) => n,
            None => !col.primary_key && optional.unwrap_or(true),
        };
        if let Some(fk) = &mut col.foreign_key {
            fk.columns = vec![col.name.clone()];
        }
        Ok(col)
    }

    fn server_default(&self, file: usize, e: &Expr) -> Result<ServerDefault, OrmError> {
        let f = &self.files[file];
        if let Some(Literal::Str(s)) = literal(e) {
            return Ok(ServerDefault::Str(s));
        }
        if let Expr::Call(c) = e {
            let dotted = dotted_name(&c.func).unwrap_or_default();
            let n = simple(&dotted);
            if matches!(n, "text" | "literal_column") {
                if let Some(Literal::Str(s)) = c.args.first().and_then(literal) {
                    return Ok(ServerDefault::Text(s));
                }
            } else if matches!(n, "true" | "false") && c.args.is_empty() {
                return Ok(ServerDefault::Bool(n == "true"));
            } else if dotted.contains("func.") {
                let mut args = Vec::new();
                for a in &c.args {
                    match literal(a) {
                        Some(Literal::Str(s)) => args.push(format!("'{}'", s.replace('\'', "''"))),
                        Some(Literal::Int(i)) => args.push(i.to_string()),
                        Some(Literal::Float(x)) => args.push(x.to_string()),
                        _ => {
                            return Err(f.error_at(a, "func arguments must be literals to be read"));
                        }
                    }
                }
                return Ok(ServerDefault::Func {
                    name: n.to_string(),
                    args,
                });
            }
        }
        Err(f.error_at(
            e,
            "server_default must be a string, text(...), func.name(...) or true()/false()",
        ))
    }

    fn foreign_key(&self, file: usize, c: &ast::ExprCall) -> Result<FkDef, OrmError> {
        let f = &self.files[file];
        let Some(target) = c.args.first() else {
            return Err(f.error_at(c, "ForeignKey needs a target"));
        };
        let (schema, table, column) = self.fk_target(file, target)?;
        let mut fk = FkDef {
            name: None,
            columns: Vec::new(),
            ref_schema: schema,
            ref_table: table,
            ref_columns: vec![column],
            ondelete: None,
            onupdate: None,
            deferrable: None,
            initially: None,
            location: f.location(c),
        };
        self.fk_options(file, &c.keywords, &mut fk)?;
        Ok(fk)
    }

    fn fk_options(
        &self,
        file: usize,
        kws: &[ast::Keyword],
        fk: &mut FkDef,
    ) -> Result<(), OrmError> {
        for k in kws {
            let Some(arg) = &k.arg else { continue };
            let v = literal(&k.value);
            let s = v.as_ref().and_then(|l| l.as_str().map(String::from));
            match arg.as_str() {
                "name" => fk.name = s,
                "ondelete" => fk.ondelete = s,
                "onupdate" => fk.onupdate = s,
                "deferrable" => fk.deferrable = v.and_then(|l| l.as_bool()),
                "initially" => fk.initially = s,
                "use_alter" | "link_to_name" | "info" | "comment" => {}
                other => {
                    return Err(self.files[file].error_at(
                        &k.value,
                        format!("foreign key option {other}= is not supported"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// `"schema.table.column"`, `"table.column"` or `Model.attribute`.
    fn fk_target(
        &self,
        file: usize,
        e: &Expr,
    ) -> Result<(Option<String>, String, String), OrmError> {
        let f = &self.files[file];
        if let Some(Literal::Str(s)) = literal(e) {
            let parts: Vec<&str> = s.split('.').collect();
            return match parts.as_slice() {
                [t, c] => Ok((None, t.to_string(), c.to_string())),
                [sch, t, c] => Ok((Some(sch.to_string()), t.to_string(), c.to_string())),
                _ => Err(f.error_at(e, "foreign key target must be \"table.column\"")),
            };
        }
        if let Expr::Attribute(a) = e
            && let Some(class) = dotted_name(&a.value)
            && self.classes.contains_key(simple(&class))
        {
            let class = simple(&class);
            if let Some(table) = self.tablename(class)? {
                let attr = a.attr.to_string();
                let column = match self.class_attr(class, &attr) {
                    Some((_, Expr::Call(c))) => c
                        .args
                        .first()
                        .and_then(literal)
                        .and_then(|l| l.as_str().map(String::from))
                        .or_else(|| {
                            keyword(&c, "name")
                                .and_then(literal)
                                .and_then(|l| l.as_str().map(String::from))
                        })
                        .unwrap_or(attr),
                    _ => attr,
                };
                let schema = self.class_schema(class);
                return Ok((schema, table, column));
            }
        }
        Err(f.error_at(e, "cannot resolve this foreign key target statically"))
    }

    fn class_schema(&self, class: &str) -> Option<String> {
        let (_, _, e) = self.inherited_attr(class, "__table_args__")?;
        let d = match &e {
            Expr::Dict(_) => literal(&e),
            Expr::Tuple(t) => t.elts.last().and_then(literal),
            _ => None,
        };
        match d {
            Some(Literal::Dict(items)) => items.into_iter().find_map(|(k, v)| {
                (k.as_str() == Some("schema"))
                    .then(|| v.as_str().map(String::from))
                    .flatten()
            }),
            _ => None,
        }
    }

    fn check(&self, file: usize, c: &ast::ExprCall) -> Result<CheckDef, OrmError> {
        let f = &self.files[file];
        let sql = match c.args.first().or(keyword(c, "sqltext")) {
            Some(a) => match literal(a) {
                Some(Literal::Str(s)) => s,
                _ => match a {
                    Expr::Call(t) if matches!(call_name(t).as_deref(), Some("text")) => {
                        match t.args.first().and_then(literal) {
                            Some(Literal::Str(s)) => s,
                            _ => return Err(f.error_at(a, "text() needs a string literal")),
                        }
                    }
                    _ => {
                        return Err(f.error_at(
                            a,
                            "CheckConstraint: only SQL strings are read (not Python expressions)",
                        ));
                    }
                },
            },
            None => return Err(f.error_at(c, "CheckConstraint needs its SQL")),
        };
        let name = keyword(c, "name")
            .and_then(literal)
            .and_then(|l| l.as_str().map(String::from));
        Ok(CheckDef {
            name,
            sql,
            location: f.location(c),
        })
    }

    fn table_args(&self, file: usize, e: &Expr, t: &mut TableDef) -> Result<(), OrmError> {
        let f = &self.files[file];
        match e {
            Expr::Dict(_) => self.table_args_dict(file, e, t),
            Expr::Tuple(tu) => {
                for el in &tu.elts {
                    match el {
                        Expr::Dict(_) => self.table_args_dict(file, el, t)?,
                        Expr::Call(c) => self.table_arg(file, c, t)?,
                        other => {
                            return Err(f.error_at(other, "unsupported __table_args__ element"));
                        }
                    }
                }
                Ok(())
            }
            _ => Err(f.error_at(e, "__table_args__ must be a tuple or a dict")),
        }
    }

    fn table_args_dict(&self, file: usize, e: &Expr, t: &mut TableDef) -> Result<(), OrmError> {
        let Expr::Dict(d) = e else {
            unreachable!("checked by the caller")
        };
        let f = &self.files[file];
        for (k, v) in d.keys.iter().zip(&d.values) {
            let Some(Literal::Str(k)) = k.as_ref().and_then(literal) else {
                return Err(f.error_at(v, "__table_args__ keys must be strings"));
            };
            let lv = literal(v);
            match k.as_str() {
                "schema" => t.schema = lv.and_then(|l| l.as_str().map(String::from)),
                "comment" => t.comment = lv.and_then(|l| l.as_str().map(String::from)),
                "sqlite_autoincrement" => t.sqlite_autoincrement = lv == Some(Literal::Bool(true)),
                "extend_existing" | "keep_existing" | "info" | "mysql_engine" | "mysql_charset"
                | "mysql_collate" => {}
                other => {
                    return Err(f.error_at(v, format!("table option {other} is not supported")));
                }
            }
        }
        Ok(())
    }

    fn table_arg(&self, file: usize, c: &ast::ExprCall, t: &mut TableDef) -> Result<(), OrmError> {
        let f = &self.files[file];
        let name_kw = keyword(c, "name")
            .and_then(literal)
            .and_then(|l| l.as_str().map(String::from));
        let str_args = |skip: usize| -> Result<Vec<String>, OrmError> {
            c.args
                .iter()
                .skip(skip)
                .map(|a| match literal(a) {
                    Some(Literal::Str(s)) => Ok(s),
                    _ => match a {
                        Expr::Name(n) => Ok(n.id.to_string()),
                        Expr::Attribute(at) => Ok(at.attr.to_string()),
                        _ => Err(f.error_at(a, "expected a column name")),
                    },
                })
                .collect()
        };
        match call_name(c).as_deref() {
            Some("UniqueConstraint") => t.uniques.push(UniqueDef {
                name: name_kw,
                columns: str_args(0)?,
                location: f.location(c),
            }),
            Some("PrimaryKeyConstraint") => {
                t.pk_columns = Some(str_args(0)?);
                t.pk_name = name_kw;
            }
            Some("CheckConstraint") => t.checks.push(self.check(file, c)?),
            Some("ForeignKeyConstraint") => {
                let (Some(Literal::List(cols)), Some(Literal::List(refs))) = (
                    c.args.first().and_then(literal),
                    c.args.get(1).and_then(literal),
                ) else {
                    return Err(f.error_at(c, "ForeignKeyConstraint needs two literal lists"));
                };
                let cols: Vec<String> = cols
                    .iter()
                    .filter_map(|l| l.as_str().map(String::from))
                    .collect();
                let mut ref_cols = Vec::new();
                let mut target = (None, String::new());
                for r in refs {
                    let Some(s) = r.as_str() else {
                        return Err(f.error_at(c, "ForeignKeyConstraint targets must be strings"));
                    };
                    let parts: Vec<&str> = s.split('.').collect();
                    match parts.as_slice() {
                        [tb, col] => {
                            target = (None, tb.to_string());
                            ref_cols.push(col.to_string());
                        }
                        [sch, tb, col] => {
                            target = (Some(sch.to_string()), tb.to_string());
                            ref_cols.push(col.to_string());
                        }
                        _ => {
                            return Err(
                                f.error_at(c, "foreign key target must be \"table.column\"")
                            );
                        }
                    }
                }
                let mut fk = FkDef {
                    name: None,
                    columns: cols,
                    ref_schema: target.0,
                    ref_table: target.1,
                    ref_columns: ref_cols,
                    ondelete: None,
                    onupdate: None,
                    deferrable: None,
                    initially: None,
                    location: f.location(c),
                };
                self.fk_options(file, &c.keywords, &mut fk)?;
                t.foreign_keys.push(fk);
            }
            Some("Index") => {
                let name = c.args.first().and_then(literal).and_then(|l| match l {
                    Literal::Str(s) => Some(s),
                    _ => None,
                });
                let mut elements = Vec::new();
                for a in c.args.iter().skip(1) {
                    elements.push(match a {
                        Expr::Call(tc) if matches!(call_name(tc).as_deref(), Some("text")) => {
                            match tc.args.first().and_then(literal) {
                                Some(Literal::Str(s)) => IndexElement::Expr(s),
                                _ => return Err(f.error_at(a, "text() needs a string literal")),
                            }
                        }
                        _ => match literal(a) {
                            Some(Literal::Str(s)) => IndexElement::Column(s),
                            _ => match a {
                                Expr::Name(n) => IndexElement::Column(n.id.to_string()),
                                _ => {
                                    return Err(f.error_at(
                                        a,
                                        "index elements must be column names or text(...)",
                                    ));
                                }
                            },
                        },
                    });
                }
                let text_kw = |kw: &str| -> Result<Option<String>, OrmError> {
                    match keyword(c, kw) {
                        None => Ok(None),
                        Some(v) => match literal(v) {
                            Some(Literal::Str(s)) => Ok(Some(s)),
                            _ => match v {
                                Expr::Call(tc)
                                    if matches!(call_name(tc).as_deref(), Some("text")) =>
                                {
                                    match tc.args.first().and_then(literal) {
                                        Some(Literal::Str(s)) => Ok(Some(s)),
                                        _ => Err(f.error_at(v, "text() needs a string literal")),
                                    }
                                }
                                _ => {
                                    Err(f.error_at(v, format!("{kw}: only text(\"...\") is read")))
                                }
                            },
                        },
                    }
                };
                for k in &c.keywords {
                    if let Some(a) = &k.arg
                        && !matches!(
                            a.as_str(),
                            "unique"
                                | "postgresql_where"
                                | "sqlite_where"
                                | "postgresql_using"
                                | "info"
                                | "quote"
                        )
                    {
                        return Err(
                            f.error_at(&k.value, format!("index option {a}= is not supported"))
                        );
                    }
                }
                t.indexes.push(IndexDef {
                    name,
                    elements,
                    unique: keyword(c, "unique")
                        .and_then(literal)
                        .and_then(|l| l.as_bool())
                        .unwrap_or(false),
                    postgresql_where: text_kw("postgresql_where")?,
                    sqlite_where: text_kw("sqlite_where")?,
                    postgresql_using: keyword(c, "postgresql_using")
                        .and_then(literal)
                        .and_then(|l| l.as_str().map(String::from)),
                    from_column: false,
                    location: f.location(c),
                });
            }
            _ => return Err(f.error_at(c, "unsupported table argument")),
        }
        Ok(())
    }
}

enum Item {
    Class(String),
    Table(String),
}

fn call_name(c: &ast::ExprCall) -> Option<String> {
    simple_name(&c.func)
}

fn is_none(e: &Expr) -> bool {
    matches!(e, Expr::Constant(c) if matches!(c.value, ast::Constant::None))
        || matches!(e, Expr::Name(n) if n.id.as_str() == "None")
}

fn is_mapped_annotation(e: &Expr) -> bool {
    match e {
        Expr::Subscript(s) => matches!(simple_name(&s.value).as_deref(), Some("Mapped")),
        Expr::Constant(c) => matches!(&c.value, ast::Constant::Str(s) if s.starts_with("Mapped[")),
        _ => false,
    }
}

fn is_declared_attr(f: &ast::StmtFunctionDef) -> bool {
    f.decorator_list.iter().any(|d| {
        dotted_name(d).is_some_and(|n| {
            n.starts_with("declared_attr")
                || n.ends_with(".declared_attr")
                || n.contains("declared_attr.")
        })
    })
}

/// The expression of a function whose body is (docstring and) one `return`.
fn single_return(f: &ast::StmtFunctionDef) -> Option<&Expr> {
    let body: Vec<&Stmt> = f
        .body
        .iter()
        .filter(|s| !matches!(s, Stmt::Expr(e) if matches!(e.value.as_ref(), Expr::Constant(_))))
        .collect();
    match body.as_slice() {
        [Stmt::Return(r)] => r.value.as_deref(),
        _ => None,
    }
}

/// `Identity(always=..., start=..., increment=...)` as the compiler's `visit_identity_column`
/// writes it, options in `get_identity_options` order.
fn identity_sql(file: &PyFile, call: &ast::ExprCall) -> Result<String, OrmError> {
    if let Some(a) = call.args.first() {
        return Err(file.error_at(a, "Identity(...) options are read as keywords"));
    }
    let mut always = false;
    let mut opts: Vec<(usize, String)> = Vec::new();
    for k in &call.keywords {
        let Some(arg) = k.arg.as_deref() else {
            return Err(file.error_at(&k.value, "**kwargs cannot be read statically"));
        };
        let v = literal(&k.value);
        let int = || {
            v.as_ref().and_then(|l| l.as_int()).ok_or_else(|| {
                file.error_at(&k.value, format!("Identity {arg}= is not an integer"))
            })
        };
        let flag = || {
            v.as_ref()
                .and_then(|l| l.as_bool())
                .ok_or_else(|| file.error_at(&k.value, format!("Identity {arg}= is not a boolean")))
        };
        match arg {
            "always" => always = flag()?,
            "increment" => opts.push((0, format!("INCREMENT BY {}", int()?))),
            "start" => opts.push((1, format!("START WITH {}", int()?))),
            "minvalue" => opts.push((2, format!("MINVALUE {}", int()?))),
            "maxvalue" => opts.push((3, format!("MAXVALUE {}", int()?))),
            "nominvalue" if flag()? => opts.push((4, "NO MINVALUE".into())),
            "nomaxvalue" if flag()? => opts.push((5, "NO MAXVALUE".into())),
            "nominvalue" | "nomaxvalue" => {}
            "cache" => opts.push((6, format!("CACHE {}", int()?))),
            "cycle" => opts.push((7, if flag()? { "CYCLE" } else { "NO CYCLE" }.into())),
            other => {
                return Err(
                    file.error_at(&k.value, format!("Identity option `{other}` is not read"))
                );
            }
        }
    }
    opts.sort_by_key(|(i, _)| *i);
    let mut sql = format!(
        "GENERATED {} AS IDENTITY",
        if always { "ALWAYS" } else { "BY DEFAULT" }
    );
    if !opts.is_empty() {
        let list: Vec<String> = opts.into_iter().map(|(_, o)| o).collect();
        sql.push_str(&format!(" ({})", list.join(" ")));
    }
    Ok(sql)
}
