//! The schema statements of Active Record 6.1 (`db/schema.rb`'s `ActiveRecord::Schema.define`
//! block, and the table-building part of migrations) interpreted into the tables they define,
//! with what `TableDefinition` adds on its own: the implicit primary key, `t.references`
//! (columns, index, foreign key), `t.timestamps` (precision 6, NOT NULL), `index:` on a column,
//! and the names Active Record gives indexes, foreign keys and check constraints.

use super::names;
use super::ruby::{self, Call, RubyFile, Value};
use crate::OrmError;
use indexmap::IndexMap;
use migrex_model::Warning;

/// A column as `TableDefinition#column` records it.
#[derive(Debug, Clone, PartialEq)]
pub struct ArColumn {
    pub name: String,
    /// The abstract type (`string`, `bigint`, `primary_key`...).
    pub ty: String,
    pub limit: Option<i64>,
    /// MySQL text/blob `size: :tiny|:medium|:long` (wins over `limit`).
    pub size: Option<String>,
    pub precision: Option<i64>,
    pub scale: Option<i64>,
    /// `null:` as given.
    pub null: Option<bool>,
    /// `default:` as given (`Some(Value::Nil)` for an explicit `default: nil`).
    pub default: Option<Value>,
    pub array: bool,
    pub comment: Option<String>,
    pub collation: Option<String>,
    pub primary_key: bool,
    /// Written as `t.<type>` (a column method, which must exist on the adapter), not
    /// `t.column name, type`.
    pub method: bool,
    /// A `t.references` key column without `type:`: bigint, except on SQLite, whose
    /// `TableDefinition#references` passes `type: :integer`.
    pub reference_default: bool,
    pub offset: usize,
}

/// `TableDefinition`'s column methods (`define_column_methods`) per adapter in 6.1.
pub fn column_method_exists(dialect: migrex_model::Dialect, method: &str) -> bool {
    const COMMON: &[&str] = &[
        "bigint",
        "binary",
        "boolean",
        "date",
        "datetime",
        "decimal",
        "float",
        "integer",
        "json",
        "string",
        "text",
        "time",
        "timestamp",
        "virtual",
        "numeric",
    ];
    const PG: &[&str] = &[
        "bigserial",
        "bit",
        "bit_varying",
        "cidr",
        "citext",
        "daterange",
        "hstore",
        "inet",
        "interval",
        "int4range",
        "int8range",
        "jsonb",
        "ltree",
        "macaddr",
        "money",
        "numrange",
        "oid",
        "point",
        "line",
        "lseg",
        "box",
        "path",
        "polygon",
        "circle",
        "serial",
        "tsrange",
        "tstzrange",
        "tsvector",
        "uuid",
        "xml",
    ];
    const MYSQL: &[&str] = &[
        "blob",
        "tinyblob",
        "mediumblob",
        "longblob",
        "tinytext",
        "mediumtext",
        "longtext",
        "unsigned_integer",
        "unsigned_bigint",
        "unsigned_float",
        "unsigned_decimal",
    ];
    COMMON.contains(&method)
        || match dialect {
            migrex_model::Dialect::Postgres => PG.contains(&method),
            migrex_model::Dialect::Mysql => MYSQL.contains(&method),
            migrex_model::Dialect::Sqlite => false,
        }
}

/// `TableDefinition#aliased_types` and `alias :numeric :decimal`.
fn aliased_type(ty: &str) -> &str {
    match ty {
        "timestamp" => "datetime",
        "numeric" => "decimal",
        other => other,
    }
}

impl ArColumn {
    pub fn new(name: &str, ty: &str, offset: usize) -> ArColumn {
        ArColumn {
            name: name.to_string(),
            ty: ty.to_string(),
            limit: None,
            size: None,
            precision: None,
            scale: None,
            null: None,
            default: None,
            array: false,
            comment: None,
            collation: None,
            primary_key: false,
            method: false,
            reference_default: false,
            offset,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArIndex {
    pub name: String,
    /// Column names, or one SQL expression (`t.index "lower(email)"`).
    pub columns: Vec<String>,
    pub expression: bool,
    pub unique: bool,
    pub where_: Option<String>,
    /// Per column `:desc` / `:asc` (and NULLS) as SQL words, by column name.
    pub orders: IndexMap<String, String>,
    pub opclass: IndexMap<String, String>,
    pub lengths: IndexMap<String, i64>,
    pub using: Option<String>,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArForeignKey {
    pub from_table: String,
    pub to_table: String,
    pub column: String,
    pub primary_key: String,
    pub on_delete: Option<String>,
    pub on_update: Option<String>,
    /// The name as given (`None`: Active Record derives `fk_rails_<hash>`).
    pub given_name: Option<String>,
    pub name: String,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArCheck {
    pub expression: String,
    pub name: String,
    pub offset: usize,
}

/// What a table gets after `create_table`, in order (SQLite rebuilds the table for each).
#[derive(Debug, Clone, PartialEq)]
pub enum Later {
    ForeignKey(ArForeignKey),
    Check(ArCheck),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ArTable {
    pub name: String,
    pub columns: Vec<ArColumn>,
    /// A composite primary key (`primary_key: [...]`).
    pub composite_pk: Option<Vec<String>>,
    pub indexes: Vec<ArIndex>,
    pub foreign_keys: Vec<ArForeignKey>,
    pub checks: Vec<ArCheck>,
    pub later: Vec<Later>,
    pub comment: Option<String>,
    pub offset: usize,
}

impl ArTable {
    pub fn column(&self, name: &str) -> Option<&ArColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The primary key's columns.
    pub fn primary_key(&self) -> Vec<String> {
        match &self.composite_pk {
            Some(cols) => cols.clone(),
            None => self
                .columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name.clone())
                .collect(),
        }
    }

    /// Every foreign key, created with the table or added later, in order.
    pub fn all_foreign_keys(&self) -> impl Iterator<Item = &ArForeignKey> {
        self.foreign_keys
            .iter()
            .chain(self.later.iter().filter_map(|l| match l {
                Later::ForeignKey(f) => Some(f),
                Later::Check(_) => None,
            }))
    }

    pub fn all_checks(&self) -> impl Iterator<Item = &ArCheck> {
        self.checks
            .iter()
            .chain(self.later.iter().filter_map(|l| match l {
                Later::Check(c) => Some(c),
                Later::ForeignKey(_) => None,
            }))
    }
}

/// What `db/schema.rb` defines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArSchema {
    /// `define(version: 2024_03_02_120000)` as digits.
    pub version: Option<String>,
    pub extensions: Vec<(String, usize)>,
    pub tables: IndexMap<String, ArTable>,
}

/// Interprets `db/schema.rb`.
pub fn read_schema_rb(file: &RubyFile, warnings: &mut Vec<Warning>) -> Result<ArSchema, OrmError> {
    let mut schema = ArSchema::default();
    let mut found = false;
    for stmt in file.statements() {
        let Some(c) = ruby::call(file, stmt) else {
            continue;
        };
        let is_define = c.name == "define"
            && c.recv
                .and_then(|r| match r {
                    lib_ruby_parser::Node::Index(i) => ruby::const_name(&i.recv),
                    other => ruby::const_name(other),
                })
                .is_some_and(|n| n.ends_with("Schema"));
        if !is_define {
            continue;
        }
        found = true;
        schema.version = match c.options.get("version") {
            Some(Value::Int(n)) => Some(n.to_string()),
            Some(Value::Str(s)) => Some(s.replace('_', "")),
            Some(Value::Other(s)) => Some(s.replace('_', "")),
            _ => None,
        };
        let body = c.block.map(|b| b.1).unwrap_or(&[]);
        for s in body {
            statement(file, s, &mut schema, warnings)?;
        }
    }
    if !found {
        return Err(file.error_at(
            0,
            "no `ActiveRecord::Schema.define(...) do ... end` block".into(),
        ));
    }
    Ok(schema)
}

fn name_arg(file: &RubyFile, c: &Call, i: usize, what: &str) -> Result<String, OrmError> {
    match c.args.get(i) {
        Some(n) => match ruby::value(file, n) {
            Value::Str(s) | Value::Sym(s) => Ok(s),
            _ => Err(file.error_at(
                n.expression().begin,
                format!(
                    "`{}`: the {what} must be a string or symbol literal",
                    c.name
                ),
            )),
        },
        None => Err(file.error_at(
            c.offset,
            format!("`{}` needs the {what} as argument {}", c.name, i + 1),
        )),
    }
}

fn int_opt(v: &Value, key: &str) -> Option<i64> {
    match v.get(key) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    }
}

fn str_opt(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(|x| x.as_name()).map(str::to_string)
}

fn bool_opt(v: &Value, key: &str) -> Option<bool> {
    match v.get(key) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Nil) => None,
        Some(_) => Some(true),
        None => None,
    }
}

/// One statement of the schema block (or of a migration's `change`).
pub fn statement(
    file: &RubyFile,
    node: &lib_ruby_parser::Node,
    schema: &mut ArSchema,
    warnings: &mut Vec<Warning>,
) -> Result<(), OrmError> {
    let Some(c) = ruby::call(file, node) else {
        warnings.push(Warning {
            message: format!("statement not read: {}", first_line(file.source(node))),
            location: Some(file.location(node.expression().begin)),
        });
        return Ok(());
    };
    match c.name {
        "enable_extension" => {
            let name = name_arg(file, &c, 0, "extension name")?;
            schema.extensions.push((name, c.offset));
        }
        "create_table" => create_table(file, &c, schema, warnings)?,
        "create_join_table" => create_join_table(file, &c, schema, warnings)?,
        "add_foreign_key" => {
            let from = name_arg(file, &c, 0, "table name")?;
            let to = name_arg(file, &c, 1, "referenced table name")?;
            let fk = foreign_key(&from, &to, &c.options, c.offset);
            table_mut(file, schema, &from, c.offset)?
                .later
                .push(Later::ForeignKey(fk));
        }
        "add_check_constraint" => {
            let table = name_arg(file, &c, 0, "table name")?;
            let expression = name_arg(file, &c, 1, "expression")?;
            let name = str_opt(&c.options, "name")
                .unwrap_or_else(|| names::check_name(&table, &expression));
            table_mut(file, schema, &table, c.offset)?
                .later
                .push(Later::Check(ArCheck {
                    expression,
                    name,
                    offset: c.offset,
                }));
        }
        "add_index" => {
            let table = name_arg(file, &c, 0, "table name")?;
            let cols = c
                .args
                .get(1)
                .map(|n| ruby::value(file, n))
                .and_then(|v| v.names())
                .filter(|cols| !cols.is_empty())
                .ok_or_else(|| file.error_at(c.offset, "`add_index` needs the columns".into()))?;
            let idx = index(&table, cols, &c.options, c.offset);
            table_mut(file, schema, &table, c.offset)?.indexes.push(idx);
        }
        other => warnings.push(Warning {
            message: format!("`{other}` is not read (it does not change the schema migrex reads)"),
            location: Some(file.location(c.offset)),
        }),
    }
    Ok(())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn table_mut<'a>(
    file: &RubyFile,
    schema: &'a mut ArSchema,
    name: &str,
    offset: usize,
) -> Result<&'a mut ArTable, OrmError> {
    schema
        .tables
        .get_mut(name)
        .ok_or_else(|| file.error_at(offset, format!("table `{name}` is not defined before this")))
}

/// `add_foreign_key from, to, column:, primary_key:, on_delete:, on_update:, name:`.
pub fn foreign_key(from: &str, to: &str, options: &Value, offset: usize) -> ArForeignKey {
    let column = str_opt(options, "column").unwrap_or_else(|| names::foreign_key_column(to));
    let given_name = str_opt(options, "name");
    let name = given_name
        .clone()
        .unwrap_or_else(|| names::foreign_key_name(from, &column));
    ArForeignKey {
        from_table: from.to_string(),
        to_table: to.to_string(),
        column,
        primary_key: str_opt(options, "primary_key").unwrap_or_else(|| "id".into()),
        on_delete: str_opt(options, "on_delete"),
        on_update: str_opt(options, "on_update"),
        given_name,
        name,
        offset,
    }
}

/// `t.index cols, name:, unique:, where:, order:, using:, length:, opclass:`.
pub fn index(table: &str, columns: Vec<String>, options: &Value, offset: usize) -> ArIndex {
    let name = str_opt(options, "name").unwrap_or_else(|| names::index_name(table, &columns));
    // A single string with anything but a plain name in it is an expression index.
    let expression =
        columns.len() == 1 && !columns[0].chars().all(|c| c.is_alphanumeric() || c == '_');
    let per_column = |key: &str| -> IndexMap<String, String> {
        match options.get(key) {
            Some(Value::Hash(pairs)) => pairs
                .iter()
                .filter_map(|(k, v)| Some((k.as_name()?.to_string(), v.as_name()?.to_string())))
                .collect(),
            Some(v) => match v.as_name() {
                Some(s) => columns.iter().map(|c| (c.clone(), s.to_string())).collect(),
                None => IndexMap::new(),
            },
            None => IndexMap::new(),
        }
    };
    let orders = per_column("order");
    let opclass = per_column("opclass");
    let lengths = match options.get("length") {
        Some(Value::Hash(pairs)) => pairs
            .iter()
            .filter_map(|(k, v)| match v {
                Value::Int(n) => Some((k.as_name()?.to_string(), *n)),
                _ => None,
            })
            .collect(),
        Some(Value::Int(n)) => columns.iter().map(|c| (c.clone(), *n)).collect(),
        _ => IndexMap::new(),
    };
    ArIndex {
        name,
        columns,
        expression,
        unique: bool_opt(options, "unique").unwrap_or(false),
        where_: str_opt(options, "where"),
        orders,
        opclass,
        lengths,
        using: str_opt(options, "using"),
        offset,
    }
}

/// A column's options (`limit:`, `null:`, `default:`...) onto the column.
pub fn column_options(col: &mut ArColumn, options: &Value) {
    col.limit = int_opt(options, "limit");
    col.size = str_opt(options, "size");
    col.precision = int_opt(options, "precision");
    col.scale = int_opt(options, "scale");
    col.null = match options.get("null") {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    col.default = options.get("default").cloned();
    col.array = bool_opt(options, "array").unwrap_or(false);
    col.comment = str_opt(options, "comment");
    col.collation = str_opt(options, "collation");
    if bool_opt(options, "primary_key") == Some(true) {
        col.primary_key = true;
    }
}

fn create_table(
    file: &RubyFile,
    c: &Call,
    schema: &mut ArSchema,
    warnings: &mut Vec<Warning>,
) -> Result<(), OrmError> {
    let name = name_arg(file, c, 0, "table name")?;
    let mut table = ArTable {
        name: name.clone(),
        columns: Vec::new(),
        composite_pk: None,
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        later: Vec::new(),
        comment: str_opt(&c.options, "comment"),
        offset: c.offset,
    };
    let id = c.options.get("id").cloned();
    if !matches!(id, Some(Value::Bool(false))) {
        match c.options.get("primary_key") {
            Some(Value::Array(_)) => {
                table.composite_pk = c.options.get("primary_key").and_then(Value::names);
            }
            pk => {
                let pk_name = pk.and_then(Value::as_name).unwrap_or("id").to_string();
                let ty = match &id {
                    Some(v) => v.as_name().unwrap_or("primary_key").to_string(),
                    None => "primary_key".into(),
                };
                let mut col = ArColumn::new(&pk_name, &ty, c.offset);
                // `create_table` passes its own options (limit:, default:...) to the key column.
                if ty != "primary_key" {
                    column_options(&mut col, &c.options);
                    col.comment = None;
                }
                col.primary_key = true;
                table.columns.push(col);
            }
        }
    }
    let (param, body) = c.block.clone().unwrap_or((None, &[]));
    for stmt in body {
        table_statement(file, stmt, param.as_deref(), &mut table, warnings)?;
    }
    if schema.tables.contains_key(&name) {
        warnings.push(Warning {
            message: format!("table `{name}` is created again (force:), the later one is kept"),
            location: Some(file.location(c.offset)),
        });
    }
    schema.tables.insert(name, table);
    Ok(())
}

/// `create_join_table :posts, :tags`: `posts_tags(post_id bigint NOT NULL, tag_id bigint NOT
/// NULL)` without a primary key (names derived as in `SchemaStatements#create_join_table`).
fn create_join_table(
    file: &RubyFile,
    c: &Call,
    schema: &mut ArSchema,
    warnings: &mut Vec<Warning>,
) -> Result<(), OrmError> {
    let t1 = name_arg(file, c, 0, "first table")?;
    let t2 = name_arg(file, c, 1, "second table")?;
    let name =
        str_opt(&c.options, "table_name").unwrap_or_else(|| names::join_table_name(&t1, &t2));
    let column_options = c.options.get("column_options");
    let mut table = ArTable {
        name: name.clone(),
        columns: Vec::new(),
        composite_pk: None,
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        later: Vec::new(),
        comment: None,
        offset: c.offset,
    };
    for t in [&t1, &t2] {
        let mut col = ArColumn::new(
            &format!("{}_id", super::inflect::singularize(t)),
            "bigint",
            c.offset,
        );
        if let Some(o) = column_options {
            column_options_merge(&mut col, o);
        }
        if col.null.is_none() {
            col.null = Some(false);
        }
        table.columns.push(col);
    }
    let (param, body) = c.block.clone().unwrap_or((None, &[]));
    for stmt in body {
        table_statement(file, stmt, param.as_deref(), &mut table, warnings)?;
    }
    schema.tables.insert(name, table);
    Ok(())
}

fn column_options_merge(col: &mut ArColumn, options: &Value) {
    let keep_pk = col.primary_key;
    column_options(col, options);
    col.primary_key |= keep_pk;
}

/// One `t.<something>` line inside a `create_table` block.
pub fn table_statement(
    file: &RubyFile,
    node: &lib_ruby_parser::Node,
    param: Option<&str>,
    table: &mut ArTable,
    warnings: &mut Vec<Warning>,
) -> Result<(), OrmError> {
    let Some(c) = ruby::call(file, node) else {
        warnings.push(Warning {
            message: format!("statement not read: {}", first_line(file.source(node))),
            location: Some(file.location(node.expression().begin)),
        });
        return Ok(());
    };
    let on_param =
        c.recv.and_then(ruby::lvar_name).is_some() && c.recv.and_then(ruby::lvar_name) == param;
    if !on_param {
        warnings.push(Warning {
            message: format!("statement not read: {}", first_line(file.source(node))),
            location: Some(file.location(c.offset)),
        });
        return Ok(());
    }
    let tname = table.name.clone();
    match c.name {
        "index" => {
            let cols = c
                .args
                .first()
                .map(|n| ruby::value(file, n))
                .and_then(|v| v.names())
                .filter(|cols| !cols.is_empty())
                .ok_or_else(|| file.error_at(c.offset, "`t.index` needs the columns".into()))?;
            table
                .indexes
                .push(index(&tname, cols, &c.options, c.offset));
        }
        "timestamps" => {
            for n in ["created_at", "updated_at"] {
                let mut col = ArColumn::new(n, "datetime", c.offset);
                column_options(&mut col, &c.options);
                if col.null.is_none() {
                    col.null = Some(false);
                }
                if c.options.get("precision").is_none() {
                    col.precision = Some(6);
                }
                push_column(file, table, col)?;
            }
        }
        "references" | "belongs_to" => {
            for a in &c.args {
                let name = match ruby::value(file, a) {
                    Value::Str(s) | Value::Sym(s) => s,
                    _ => {
                        return Err(file.error_at(
                            a.expression().begin,
                            "reference name must be a literal".into(),
                        ));
                    }
                };
                references(file, table, &name, &c.options, c.offset)?;
            }
        }
        "check_constraint" => {
            let expression = name_arg(file, &c, 0, "expression")?;
            let name = str_opt(&c.options, "name")
                .unwrap_or_else(|| names::check_name(&tname, &expression));
            table.checks.push(ArCheck {
                expression,
                name,
                offset: c.offset,
            });
        }
        "foreign_key" => {
            let to = name_arg(file, &c, 0, "referenced table name")?;
            let fk = foreign_key(&tname, &to, &c.options, c.offset);
            table.foreign_keys.push(fk);
        }
        "primary_key" => {
            let name = name_arg(file, &c, 0, "column name")?;
            let ty = c
                .args
                .get(1)
                .map(|n| ruby::value(file, n))
                .and_then(|v| v.as_name().map(str::to_string))
                .unwrap_or_else(|| "primary_key".into());
            let mut col = ArColumn::new(&name, &ty, c.offset);
            column_options(&mut col, &c.options);
            col.primary_key = true;
            push_column(file, table, col)?;
        }
        "column" => {
            let name = name_arg(file, &c, 0, "column name")?;
            let ty = name_arg(file, &c, 1, "column type")?;
            typed_column(file, table, &name, aliased_type(&ty), &c.options, c.offset)?;
        }
        ty => {
            let known = [
                migrex_model::Dialect::Postgres,
                migrex_model::Dialect::Mysql,
                migrex_model::Dialect::Sqlite,
            ]
            .into_iter()
            .any(|d| column_method_exists(d, ty));
            if !known {
                return Err(file.error_at(
                    c.offset,
                    format!(
                        "undefined method `{ty}' for TableDefinition: Active Record 6.1 has no column type `{ty}` (write `t.column \"name\", \"{ty}\"` for a database type it does not know)"
                    ),
                ));
            }
            if c.args.is_empty() {
                return Err(file.error_at(c.offset, format!("Missing column name(s) for {ty}")));
            }
            for a in &c.args {
                let name = match ruby::value(file, a) {
                    Value::Str(s) | Value::Sym(s) => s,
                    _ => {
                        return Err(file.error_at(
                            a.expression().begin,
                            "column name must be a string or symbol literal".into(),
                        ));
                    }
                };
                typed_column(file, table, &name, aliased_type(ty), &c.options, c.offset)?;
                if let Some(col) = table.columns.last_mut() {
                    col.method = true;
                }
            }
        }
    }
    Ok(())
}

fn typed_column(
    file: &RubyFile,
    table: &mut ArTable,
    name: &str,
    ty: &str,
    options: &Value,
    offset: usize,
) -> Result<(), OrmError> {
    let mut col = ArColumn::new(name, ty, offset);
    column_options(&mut col, options);
    push_column(file, table, col)?;
    // `index: true` / `index: { unique: true }` on a column.
    match options.get("index") {
        Some(v) if v.truthy() => {
            let opts = if matches!(v, Value::Hash(_)) {
                v.clone()
            } else {
                Value::Hash(Vec::new())
            };
            let tname = table.name.clone();
            table
                .indexes
                .push(index(&tname, vec![name.to_string()], &opts, offset));
        }
        _ => {}
    }
    Ok(())
}

fn push_column(file: &RubyFile, table: &mut ArTable, col: ArColumn) -> Result<(), OrmError> {
    if table.columns.iter().any(|c| c.name == col.name) {
        return Err(file.error_at(
            col.offset,
            format!("you can't define an already defined column '{}'", col.name),
        ));
    }
    table.columns.push(col);
    Ok(())
}

/// `ReferenceDefinition#add_to` (6.1): `<name>_type` first when polymorphic, `<name>_id`
/// (bigint unless `type:`), the index unless `index: false` (polymorphic:
/// `index_<table>_on_<name>`), and the foreign key when `foreign_key:` is given.
fn references(
    file: &RubyFile,
    table: &mut ArTable,
    name: &str,
    options: &Value,
    offset: usize,
) -> Result<(), OrmError> {
    let polymorphic = options.get("polymorphic").is_some_and(Value::truthy);
    let fk = options.get("foreign_key").filter(|v| v.truthy()).cloned();
    if polymorphic && fk.is_some() {
        return Err(file.error_at(
            offset,
            "Cannot add a foreign key to a polymorphic relation".into(),
        ));
    }
    let explicit_type = str_opt(options, "type");
    let ty = explicit_type.clone().unwrap_or_else(|| "bigint".into());
    // Options not consumed by the reference go to its columns.
    let rest = match options {
        Value::Hash(pairs) => Value::Hash(
            pairs
                .iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_name(),
                        Some("polymorphic" | "index" | "foreign_key" | "type")
                    )
                })
                .cloned()
                .collect(),
        ),
        _ => Value::Hash(Vec::new()),
    };
    let mut cols = Vec::new();
    if polymorphic {
        let mut t = ArColumn::new(&format!("{name}_type"), "string", offset);
        let poly = options.get("polymorphic").cloned();
        if let Some(p @ Value::Hash(_)) = &poly {
            column_options(&mut t, p);
        }
        t.null = match rest.get("null") {
            Some(Value::Bool(b)) => Some(*b),
            _ => t.null,
        };
        cols.push(t);
    }
    let mut id = ArColumn::new(&format!("{name}_id"), &ty, offset);
    column_options(&mut id, &rest);
    id.reference_default = explicit_type.is_none();
    cols.push(id);
    let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
    for c in cols {
        push_column(file, table, c)?;
    }
    let index_opt = options.get("index").cloned().unwrap_or(Value::Bool(true));
    if index_opt.truthy() {
        let mut opts = match &index_opt {
            Value::Hash(p) => p.clone(),
            _ => Vec::new(),
        };
        if polymorphic && !opts.iter().any(|(k, _)| k.as_name() == Some("name")) {
            opts.push((
                Value::Sym("name".into()),
                Value::Str(format!("index_{}_on_{name}", table.name)),
            ));
        }
        let tname = table.name.clone();
        table
            .indexes
            .push(index(&tname, names, &Value::Hash(opts), offset));
    }
    if let Some(fk) = fk {
        let mut opts = match &fk {
            Value::Hash(p) => p.clone(),
            _ => Vec::new(),
        };
        opts.retain(|(k, _)| k.as_name() != Some("column"));
        opts.push((
            Value::Sym("column".into()),
            Value::Str(format!("{name}_id")),
        ));
        let to = opts
            .iter()
            .find(|(k, _)| k.as_name() == Some("to_table"))
            .and_then(|(_, v)| v.as_name().map(str::to_string))
            .unwrap_or_else(|| super::inflect::pluralize(name));
        let tname = table.name.clone();
        table
            .foreign_keys
            .push(foreign_key(&tname, &to, &Value::Hash(opts), offset));
    }
    Ok(())
}

/// How a migration statement was replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replayed {
    /// Modeled exactly on every adapter.
    Exact,
    /// Modeled exactly on PostgreSQL and MySQL; on SQLite Active Record rebuilds or alters the
    /// table at this point, which the final-state emulation does not follow.
    NotOnSqlite,
    /// Not a statement the replay models.
    Unknown,
}

/// One statement of a migration's `change`/`up`: the schema statements plus the column,
/// index, key and table changes migrations make (Active Record 6.1 `SchemaStatements`).
pub fn migration_statement(
    file: &RubyFile,
    node: &lib_ruby_parser::Node,
    schema: &mut ArSchema,
) -> Result<Replayed, OrmError> {
    let Some(c) = ruby::call(file, node) else {
        return Ok(Replayed::Unknown);
    };
    if c.recv.is_some() {
        return Ok(Replayed::Unknown);
    }
    let arg = |i: usize| c.args.get(i).map(|n| ruby::value(file, n));
    let name = |i: usize| arg(i).and_then(|v| v.as_name().map(str::to_string));
    match c.name {
        "enable_extension" | "create_table" | "create_join_table" | "add_index" => {
            let mut w = Vec::new();
            statement(file, node, schema, &mut w)?;
            Ok(if w.is_empty() {
                Replayed::Exact
            } else {
                Replayed::Unknown
            })
        }
        "add_foreign_key" | "add_check_constraint" => {
            let mut w = Vec::new();
            statement(file, node, schema, &mut w)?;
            // Exact on SQLite too when the table was created in this replay: the rebuild it
            // causes is the one the emulation applies.
            Ok(if w.is_empty() {
                Replayed::Exact
            } else {
                Replayed::Unknown
            })
        }
        "add_column" => {
            let (Some(t), Some(col), Some(ty)) = (name(0), name(1), name(2)) else {
                return Ok(Replayed::Unknown);
            };
            let table = table_mut(file, schema, &t, c.offset)?;
            let rebuilt = !table.later.is_empty();
            let mut column = ArColumn::new(&col, aliased_type(&ty), c.offset);
            column_options(&mut column, &c.options);
            push_column(file, table, column)?;
            Ok(if rebuilt {
                Replayed::NotOnSqlite
            } else {
                Replayed::Exact
            })
        }
        "add_reference" | "add_belongs_to" => {
            let (Some(t), Some(r)) = (name(0), name(1)) else {
                return Ok(Replayed::Unknown);
            };
            let table = table_mut(file, schema, &t, c.offset)?;
            let rebuilt = !table.later.is_empty();
            let fks_before = table.foreign_keys.len();
            let cols_before = table.columns.len();
            references(file, table, &r, &c.options, c.offset)?;
            // add_reference goes through `Table`, not `TableDefinition`: bigint on SQLite too,
            // and its key is added afterwards (`add_foreign_key`).
            for col in &mut table.columns[cols_before..] {
                col.reference_default = false;
            }
            let added: Vec<ArForeignKey> = table.foreign_keys.drain(fks_before..).collect();
            table.later.extend(added.into_iter().map(Later::ForeignKey));
            Ok(if rebuilt {
                Replayed::NotOnSqlite
            } else {
                Replayed::Exact
            })
        }
        "add_timestamps" => {
            let Some(t) = name(0) else {
                return Ok(Replayed::Unknown);
            };
            let table = table_mut(file, schema, &t, c.offset)?;
            for n in ["created_at", "updated_at"] {
                let mut col = ArColumn::new(n, "datetime", c.offset);
                column_options(&mut col, &c.options);
                if col.null.is_none() {
                    col.null = Some(false);
                }
                if c.options.get("precision").is_none() {
                    col.precision = Some(6);
                }
                push_column(file, table, col)?;
            }
            // NOT NULL without a default: SQLite rebuilds the table to add them.
            Ok(Replayed::NotOnSqlite)
        }
        "drop_table" => {
            let Some(t) = name(0) else {
                return Ok(Replayed::Unknown);
            };
            table_mut(file, schema, &t, c.offset)?;
            schema.tables.shift_remove(&t);
            Ok(Replayed::Exact)
        }
        "remove_column" => {
            let (Some(t), Some(col)) = (name(0), name(1)) else {
                return Ok(Replayed::Unknown);
            };
            let table = table_mut(file, schema, &t, c.offset)?;
            if table.column(&col).is_none() {
                return Err(file.error_at(c.offset, format!("no column `{col}` in `{t}`")));
            }
            table.columns.retain(|x| x.name != col);
            // The database drops the indexes and keys on the column with it.
            table
                .indexes
                .retain(|i| i.expression || !i.columns.contains(&col));
            table.foreign_keys.retain(|f| f.column != col);
            table
                .later
                .retain(|l| !matches!(l, Later::ForeignKey(f) if f.column == col));
            Ok(Replayed::NotOnSqlite)
        }
        "change_column_default" => {
            let (Some(t), Some(col)) = (name(0), name(1)) else {
                return Ok(Replayed::Unknown);
            };
            let to = match (arg(2), c.options.get("to")) {
                (Some(v), _) => v,
                (None, Some(v)) => v.clone(),
                (None, None) => return Ok(Replayed::Unknown),
            };
            let table = table_mut(file, schema, &t, c.offset)?;
            let Some(column) = table.columns.iter_mut().find(|x| x.name == col) else {
                return Err(file.error_at(c.offset, format!("no column `{col}` in `{t}`")));
            };
            column.default = if matches!(to, Value::Nil) {
                None
            } else {
                Some(to)
            };
            Ok(Replayed::NotOnSqlite)
        }
        "change_column_null" => {
            let (Some(t), Some(col), Some(Value::Bool(null))) = (name(0), name(1), arg(2)) else {
                return Ok(Replayed::Unknown);
            };
            if arg(3).is_some() {
                return Ok(Replayed::Unknown);
            }
            let table = table_mut(file, schema, &t, c.offset)?;
            let Some(column) = table.columns.iter_mut().find(|x| x.name == col) else {
                return Err(file.error_at(c.offset, format!("no column `{col}` in `{t}`")));
            };
            column.null = if null { None } else { Some(false) };
            Ok(Replayed::NotOnSqlite)
        }
        "remove_index" => {
            let Some(t) = name(0) else {
                return Ok(Replayed::Unknown);
            };
            let by_name = c
                .options
                .get("name")
                .and_then(|v| v.as_name().map(str::to_string));
            let by_cols = c
                .options
                .get("column")
                .and_then(Value::names)
                .or_else(|| arg(1).and_then(|v| v.names()));
            let table = table_mut(file, schema, &t, c.offset)?;
            let before = table.indexes.len();
            match (by_name, by_cols) {
                (Some(n), _) => table.indexes.retain(|i| i.name != n),
                (None, Some(cols)) => table.indexes.retain(|i| i.columns != cols),
                (None, None) => return Ok(Replayed::Unknown),
            }
            if table.indexes.len() == before {
                return Err(file.error_at(c.offset, format!("no such index on `{t}`")));
            }
            Ok(Replayed::Exact)
        }
        _ => Ok(Replayed::Unknown),
    }
}
