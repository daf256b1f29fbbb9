//! Schema objects. Every collection is an ordered map so output is deterministic.

use crate::{ColumnType, Dialect, Expr, QualifiedName};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A whole database schema of one dialect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Schema {
    pub dialect: Dialect,
    /// PostgreSQL schemas; MySQL and SQLite have one namespace named `""` (the current database).
    pub namespaces: IndexMap<String, Namespace>,
    /// PostgreSQL extensions (`CREATE EXTENSION`), database-wide.
    pub extensions: IndexMap<String, Extension>,
}

/// One namespace (PostgreSQL schema).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Namespace {
    pub name: String,
    pub comment: Option<String>,
    pub tables: IndexMap<String, Table>,
    pub views: IndexMap<String, View>,
    /// PostgreSQL `CREATE TYPE ... AS ENUM`.
    pub enums: IndexMap<String, EnumType>,
    /// Free-standing sequences. A PostgreSQL `serial` column's owned sequence is not listed here
    /// but folded into the column's `Identity::Serial`.
    pub sequences: IndexMap<String, Sequence>,
    /// PostgreSQL `CREATE DOMAIN`.
    pub domains: IndexMap<String, Domain>,
    /// PostgreSQL composite types `CREATE TYPE name AS (...)`.
    pub composites: IndexMap<String, CompositeType>,
    /// Functions and procedures, keyed by `Function::identity()` (`name(integer, text)`).
    pub functions: IndexMap<String, Function>,
    /// Triggers, keyed by `Trigger::key()` (`table.name`).
    pub triggers: IndexMap<String, Trigger>,
    /// PostgreSQL rules (`CREATE RULE`), keyed by `Rule::key()` (`table.name`); a view's own
    /// `_RETURN` rule is its definition, not a rule here.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub rules: IndexMap<String, Rule>,
}

impl Schema {
    pub fn new(dialect: Dialect) -> Schema {
        Schema {
            dialect,
            ..Schema::default()
        }
    }

    /// The namespace named `name`, created empty when missing.
    pub fn namespace_mut(&mut self, name: &str) -> &mut Namespace {
        self.namespaces
            .entry(name.to_string())
            .or_insert_with(|| Namespace {
                name: name.to_string(),
                ..Namespace::default()
            })
    }

    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.namespaces.get(&name.namespace)?.tables.get(&name.name)
    }

    pub fn table_mut(&mut self, name: &QualifiedName) -> Option<&mut Table> {
        self.namespaces
            .get_mut(&name.namespace)?
            .tables
            .get_mut(&name.name)
    }

    pub fn view(&self, name: &QualifiedName) -> Option<&View> {
        self.namespaces.get(&name.namespace)?.views.get(&name.name)
    }

    pub fn view_mut(&mut self, name: &QualifiedName) -> Option<&mut View> {
        self.namespaces
            .get_mut(&name.namespace)?
            .views
            .get_mut(&name.name)
    }

    pub fn enum_mut(&mut self, name: &QualifiedName) -> Option<&mut EnumType> {
        self.namespaces
            .get_mut(&name.namespace)?
            .enums
            .get_mut(&name.name)
    }

    pub fn sequence_mut(&mut self, name: &QualifiedName) -> Option<&mut Sequence> {
        self.namespaces
            .get_mut(&name.namespace)?
            .sequences
            .get_mut(&name.name)
    }

    /// Every table with its qualified name, in namespace then definition order.
    pub fn tables(&self) -> impl Iterator<Item = (QualifiedName, &Table)> {
        self.namespaces.iter().flat_map(|(ns, n)| {
            n.tables
                .iter()
                .map(move |(t, table)| (QualifiedName::new(ns.clone(), t.clone()), table))
        })
    }

    pub fn views(&self) -> impl Iterator<Item = (QualifiedName, &View)> {
        self.namespaces.iter().flat_map(|(ns, n)| {
            n.views
                .iter()
                .map(move |(v, view)| (QualifiedName::new(ns.clone(), v.clone()), view))
        })
    }

    pub fn functions(&self) -> impl Iterator<Item = (QualifiedName, &Function)> {
        self.namespaces.iter().flat_map(|(ns, n)| {
            n.functions
                .values()
                .map(move |f| (QualifiedName::new(ns.clone(), f.name.clone()), f))
        })
    }

    pub fn triggers(&self) -> impl Iterator<Item = &Trigger> {
        self.namespaces.values().flat_map(|n| n.triggers.values())
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.namespaces.values().flat_map(|n| n.rules.values())
    }

    pub fn table_count(&self) -> usize {
        self.namespaces.values().map(|n| n.tables.len()).sum()
    }

    /// True when the schema holds no object at all (empty namespaces do not count).
    pub fn is_empty(&self) -> bool {
        self.namespaces.values().all(Namespace::is_empty) && self.extensions.is_empty()
    }
}

impl Namespace {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.views.is_empty()
            && self.enums.is_empty()
            && self.sequences.is_empty()
            && self.domains.is_empty()
            && self.composites.is_empty()
            && self.functions.is_empty()
            && self.triggers.is_empty()
            && self.rules.is_empty()
    }
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Table {
    pub name: String,
    /// Columns in their physical order.
    pub columns: IndexMap<String, Column>,
    pub primary_key: Option<PrimaryKey>,
    /// Unique constraints (PostgreSQL `UNIQUE`, SQLite table-level `UNIQUE`). MySQL has no unique
    /// constraint apart from its unique index, so MySQL uniques are `Index { unique: true }`.
    pub uniques: Vec<UniqueConstraint>,
    /// Indexes that are not the implementation of a primary key or unique constraint.
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    pub comment: Option<String>,
    pub options: TableOptions,
    /// Declarative partitioning (`PARTITION BY`) of a partitioned table.
    pub partitioning: Option<Partitioning>,
    /// PostgreSQL: this table is a partition of another (`PARTITION OF`). Its columns are the
    /// parent's (readers copy them), so a diff sees the same columns either way.
    pub partition_of: Option<PartitionOf>,
    /// PostgreSQL row-level security policies, in name order.
    pub policies: Vec<Policy>,
    /// PostgreSQL exclusion constraints (`EXCLUDE USING gist (...)`), in name order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    /// PostgreSQL: the index (or primary key / unique constraint index) marked by
    /// `ALTER TABLE ... CLUSTER ON` or `CLUSTER ... USING` (`pg_index.indisclustered`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_on: Option<String>,
}

impl Table {
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            ..Table::default()
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.get(name)
    }

    /// Every constraint-like object's name, for implicit-name collision checks.
    pub fn constraint_names(&self) -> impl Iterator<Item = &str> {
        self.primary_key
            .iter()
            .filter_map(|p| p.name.as_deref())
            .chain(self.uniques.iter().filter_map(|u| u.name.as_deref()))
            .chain(self.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
            .chain(self.checks.iter().filter_map(|c| c.name.as_deref()))
            .chain(self.indexes.iter().map(|i| i.name.as_str()))
            .chain(self.exclusions.iter().map(|x| x.name.as_str()))
    }
}

/// Dialect-specific table settings, typed (not a string bag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "dialect", rename_all = "lowercase")]
pub enum TableOptions {
    #[default]
    None,
    Postgres(PgTableOptions),
    Mysql(MysqlTableOptions),
    Sqlite(SqliteTableOptions),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PgTableOptions {
    pub unlogged: bool,
    /// `INHERITS (parent, ...)`.
    pub inherits: Vec<QualifiedName>,
    /// `ALTER TABLE ... ENABLE ROW LEVEL SECURITY`.
    pub row_level_security: bool,
    /// `ALTER TABLE ... FORCE ROW LEVEL SECURITY`.
    pub force_row_level_security: bool,
}

/// MySQL/MariaDB table options. A field is `None` when it equals the server's default (engine
/// InnoDB, the database's default charset/collation), so an unspecified option equals the
/// introspected one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MysqlTableOptions {
    pub engine: Option<String>,
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub row_format: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SqliteTableOptions {
    pub strict: bool,
    pub without_rowid: bool,
}

impl TableOptions {
    pub fn is_default(&self) -> bool {
        match self {
            TableOptions::None => true,
            TableOptions::Postgres(o) => *o == PgTableOptions::default(),
            TableOptions::Mysql(o) => *o == MysqlTableOptions::default(),
            TableOptions::Sqlite(o) => *o == SqliteTableOptions::default(),
        }
    }
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    /// Normalized default expression (see `migrex_dialect::normalize`); literals keep their quotes.
    pub default: Option<Expr>,
    pub identity: Option<Identity>,
    pub generated: Option<Generated>,
    /// Explicit collation; `None` when it is the table's (or database's) default.
    pub collation: Option<String>,
    pub comment: Option<String>,
    /// MySQL `ON UPDATE CURRENT_TIMESTAMP[(p)]`, normalized.
    pub on_update: Option<Expr>,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Column {
        Column {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
            on_update: None,
        }
    }
}

/// How a column's values are generated by the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Identity {
    /// PostgreSQL `GENERATED ALWAYS AS IDENTITY`.
    Always { sequence: SequenceOptions },
    /// PostgreSQL `GENERATED BY DEFAULT AS IDENTITY`.
    ByDefault { sequence: SequenceOptions },
    /// PostgreSQL `serial`/`bigserial`/`smallserial`: an owned sequence plus a `nextval` default.
    /// `sequence` is the owned sequence's name (PostgreSQL names it `<table>_<column>_seq`).
    Serial { sequence: String },
    /// MySQL `AUTO_INCREMENT`; SQLite `AUTOINCREMENT` (on an `INTEGER PRIMARY KEY`).
    AutoIncrement,
}

/// Sequence parameters; `None` means the default for the sequence's type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct SequenceOptions {
    pub start: Option<i64>,
    pub increment: Option<i64>,
    pub min_value: Option<i64>,
    pub max_value: Option<i64>,
    pub cache: Option<i64>,
    pub cycle: bool,
}

/// A generated (computed) column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    pub expr: Expr,
    /// STORED (true) or VIRTUAL (false; MySQL/MariaDB/SQLite only).
    pub stored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// PostgreSQL `<table>_pkey` unless named; MySQL always `PRIMARY`, kept as `None`; SQLite as declared.
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UniqueConstraint {
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// PostgreSQL 15 `NULLS NOT DISTINCT`.
    pub nulls_not_distinct: bool,
    pub deferrable: Option<Deferrable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    /// Access method when not the default (PostgreSQL `gin`, `gist`, `hash`...; MySQL `FULLTEXT`,
    /// `SPATIAL`, `HASH`). `None` for btree.
    pub method: Option<String>,
    /// PostgreSQL `INCLUDE (...)` columns.
    pub include: Vec<String>,
    /// Partial index predicate (PostgreSQL, SQLite), normalized.
    pub predicate: Option<Expr>,
    pub nulls_not_distinct: bool,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPart {
    pub key: IndexKey,
    pub descending: bool,
    /// PostgreSQL `NULLS FIRST/LAST` when not the default for the sort direction.
    pub nulls_first: Option<bool>,
    pub collation: Option<String>,
    /// PostgreSQL operator class when not the default.
    pub opclass: Option<String>,
    /// MySQL prefix length `col(10)`.
    pub prefix_len: Option<u32>,
}

impl IndexPart {
    pub fn column(name: impl Into<String>) -> IndexPart {
        IndexPart {
            key: IndexKey::Column(name.into()),
            descending: false,
            nulls_first: None,
            collation: None,
            opclass: None,
            prefix_len: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexKey {
    Column(String),
    /// An expression, normalized, without the surrounding parentheses.
    Expr(Expr),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: QualifiedName,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
    pub deferrable: Option<Deferrable>,
    /// `MATCH FULL` (PostgreSQL); simple is the default.
    pub match_full: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// NO ACTION: PostgreSQL's and SQLite's default. MariaDB stores an unwritten action as
    /// RESTRICT (and a written NO ACTION as NO ACTION), so MySQL readers map an unwritten action to
    /// `Restrict`.
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "NO ACTION",
            FkAction::Restrict => "RESTRICT",
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    InitiallyImmediate,
    InitiallyDeferred,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// PostgreSQL `<table>_<column>_check`; MariaDB the column name for a column check and
    /// `CONSTRAINT_n` for a table check; SQLite `None` unless named.
    pub name: Option<String>,
    /// The condition, without the outer parentheses.
    pub expr: Expr,
    /// PostgreSQL `NO INHERIT`.
    pub no_inherit: bool,
}

/// PostgreSQL `CONSTRAINT name EXCLUDE USING method (element WITH operator, ...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// PostgreSQL names an unnamed one like an index: `<table>_<columns>_excl`.
    pub name: String,
    /// Access method, lowercase (`gist`; PostgreSQL's default is btree, kept as `btree`).
    pub method: String,
    pub elements: Vec<ExclusionElement>,
    /// `INCLUDE (...)` columns.
    pub include: Vec<String>,
    /// `WHERE (...)` predicate, normalized.
    pub predicate: Option<Expr>,
    pub deferrable: Option<Deferrable>,
}

/// One `element WITH operator` of an exclusion constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExclusionElement {
    pub part: IndexPart,
    /// The operator as written without schema (`=`, `&&`).
    pub operator: String,
}

/// A view or PostgreSQL materialized view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    /// The query, normalized (the database's own rewriting where read live).
    pub definition: Expr,
    /// Explicit column names `CREATE VIEW v (a, b)`; empty when not given.
    pub columns: Vec<String>,
    pub materialized: bool,
    /// `WITH [LOCAL|CASCADED] CHECK OPTION`.
    pub check_option: Option<String>,
    /// MySQL `SQL SECURITY INVOKER` (DEFINER is MySQL's default); PostgreSQL 15
    /// `WITH (security_invoker = true)`.
    #[serde(default)]
    pub security_invoker: bool,
    pub comment: Option<String>,
    /// Tables and views the query reads, for ordering. Filled by the readers where they can tell.
    pub depends_on: Vec<QualifiedName>,
    /// PostgreSQL materialized views: their indexes, in name order (created with the view).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// PostgreSQL materialized views: the index marked by `CLUSTER ... USING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_on: Option<String>,
}

/// PostgreSQL `CREATE TYPE name AS ENUM (...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
    pub comment: Option<String>,
}

/// A free-standing sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: String,
    /// `AS smallint|integer|bigint`; `None` is bigint.
    pub data_type: Option<ColumnType>,
    pub options: SequenceOptions,
    /// `OWNED BY table.column`.
    pub owned_by: Option<(QualifiedName, String)>,
    pub comment: Option<String>,
}

/// PostgreSQL extension (`CREATE EXTENSION`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
    /// The schema its objects live in; `None` when not stated (the first schema of the search path).
    pub schema: Option<String>,
    /// `VERSION '...'`; `None` when not stated. Compared only when both sides state one.
    pub version: Option<String>,
    pub comment: Option<String>,
}

/// Whether a routine is a function or a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RoutineKind {
    #[default]
    Function,
    Procedure,
    /// PostgreSQL `CREATE AGGREGATE`; its definition is `Function::aggregate`.
    Aggregate,
}

/// A function argument's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ArgMode {
    #[default]
    In,
    Out,
    InOut,
    Variadic,
}

impl ArgMode {
    /// True for the modes that are part of the routine's identity (PostgreSQL ignores OUT).
    pub fn is_input(self) -> bool {
        !matches!(self, ArgMode::Out)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionArg {
    pub mode: ArgMode,
    pub name: Option<String>,
    /// The type as the dialect spells it, normalized (`integer`, `text[]`, `public.mood`).
    pub ty: String,
    pub default: Option<Expr>,
}

/// PostgreSQL volatility; `Volatile` is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    #[default]
    Volatile,
    Stable,
    Immutable,
}

/// A routine's attributes beyond its signature and body. Defaults are the databases' defaults, so
/// an attribute left unwritten equals the introspected default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct FunctionAttributes {
    pub volatility: Volatility,
    /// `STRICT` / `RETURNS NULL ON NULL INPUT`.
    pub strict: bool,
    /// `SECURITY DEFINER` (PostgreSQL, MySQL `SQL SECURITY DEFINER`: MySQL's default is DEFINER,
    /// so the MySQL readers store `true` unless INVOKER is written).
    pub security_definer: bool,
    pub leakproof: bool,
    /// `PARALLEL SAFE|RESTRICTED` lowercased; `None` is UNSAFE (the default).
    pub parallel: Option<String>,
    /// `COST n` when not the default for the language.
    pub cost: Option<String>,
    /// `ROWS n` when not the default.
    pub rows: Option<String>,
    /// `SET name = value` / `SET name FROM CURRENT` configuration, as (name, value) pairs.
    pub set: Vec<(String, String)>,
    /// MySQL `DETERMINISTIC`.
    pub deterministic: bool,
    /// MySQL `CONTAINS SQL` (the default, kept as `None`), `NO SQL`, `READS SQL DATA`,
    /// `MODIFIES SQL DATA`, uppercase.
    pub data_access: Option<String>,
}

/// A function or procedure (PostgreSQL), a stored function or procedure (MySQL/MariaDB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub kind: RoutineKind,
    pub args: Vec<FunctionArg>,
    /// The return type, normalized: `integer`, `SETOF text`, `TABLE(a integer, b text)`,
    /// `trigger`. `None` for procedures.
    pub returns: Option<String>,
    /// Lowercase language name: `plpgsql`, `sql`, `c`...; MySQL routines are `sql`.
    pub language: String,
    /// The body as the database stores it (PostgreSQL `prosrc`, the text between the dollar
    /// quotes; MySQL `ROUTINE_DEFINITION`); its key ignores whitespace and comments.
    pub body: Expr,
    pub attributes: FunctionAttributes,
    pub comment: Option<String>,
    /// Tables and types the signature names (a `RETURNS SETOF users` needs `users` first).
    /// Filled by the readers where they can tell; not compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<QualifiedName>,
    /// `Some` exactly for `RoutineKind::Aggregate` (whose `returns` is `None`, `language`
    /// `internal` and `body` empty: the aggregate is its support functions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<Box<Aggregate>>,
}

/// What `pg_aggregate` holds for a PostgreSQL aggregate. Function names are qualified
/// (`public._group_concat`, `pg_catalog.int4pl`), types spelled like routine argument types;
/// an option at PostgreSQL's default is `None`/`false`. `PARALLEL` is in the function's
/// attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Aggregate {
    pub sfunc: QualifiedName,
    pub stype: String,
    pub sspace: Option<String>,
    pub finalfunc: Option<QualifiedName>,
    pub finalfunc_extra: bool,
    /// `FINALFUNC_MODIFY` lowercased when not the default (`read_only` for normal aggregates,
    /// `read_write` for ordered-set ones).
    pub finalfunc_modify: Option<String>,
    pub combinefunc: Option<QualifiedName>,
    pub serialfunc: Option<QualifiedName>,
    pub deserialfunc: Option<QualifiedName>,
    pub initcond: Option<String>,
    pub msfunc: Option<QualifiedName>,
    pub minvfunc: Option<QualifiedName>,
    pub mstype: Option<String>,
    pub msspace: Option<String>,
    pub mfinalfunc: Option<QualifiedName>,
    pub mfinalfunc_extra: bool,
    pub mfinalfunc_modify: Option<String>,
    pub minitcond: Option<String>,
    /// `SORTOP`, the operator as written without schema (`<`, `>`).
    pub sortop: Option<String>,
    /// Ordered-set aggregate: how many of the arguments are direct ones (before `ORDER BY`).
    pub direct_args: Option<usize>,
    /// Ordered-set aggregate declared `HYPOTHETICAL`.
    pub hypothetical: bool,
}

impl Aggregate {
    /// Every support function it names, for ordering.
    pub fn functions(&self) -> impl Iterator<Item = &QualifiedName> {
        std::iter::once(&self.sfunc).chain(
            [
                &self.finalfunc,
                &self.combinefunc,
                &self.serialfunc,
                &self.deserialfunc,
                &self.msfunc,
                &self.minvfunc,
                &self.mfinalfunc,
            ]
            .into_iter()
            .flatten(),
        )
    }
}

/// PostgreSQL rule (`CREATE RULE name AS ON event TO table [WHERE cond] DO [INSTEAD] actions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// The table or view it is on; always in the rule's own namespace.
    pub table: QualifiedName,
    /// `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub event: String,
    pub instead: bool,
    /// The `WHERE` condition, normalized, without outer parentheses.
    pub condition: Option<Expr>,
    /// What follows `DO [ALSO|INSTEAD]`: `NOTHING`, one statement, or `(stmt; stmt)`, as the
    /// database prints it (`pg_get_ruledef`); its key ignores layout, case and the qualifier of
    /// the rule's own namespace.
    pub actions: Expr,
    pub comment: Option<String>,
    /// Tables and views the actions and condition name, for ordering; not compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<QualifiedName>,
}

impl Rule {
    /// The key in the namespace's `rules` map: `table.name` (rule names are per table).
    pub fn key(&self) -> String {
        format!("{}.{}", self.table.name, self.name)
    }

    /// Equality for diffing: everything but the comment and the ordering hints.
    pub fn same_definition(&self, other: &Rule) -> bool {
        self.name == other.name
            && self.table == other.table
            && self.event == other.event
            && self.instead == other.instead
            && self.condition == other.condition
            && self.actions == other.actions
    }
}

impl Function {
    /// The identity within a namespace: `name(type, type)` over the input arguments, the way
    /// PostgreSQL tells overloads apart. The namespace's `functions` map is keyed by it.
    pub fn identity(&self) -> String {
        let args: Vec<&str> = self
            .args
            .iter()
            .filter(|a| a.mode.is_input())
            .map(|a| a.ty.as_str())
            .collect();
        format!("{}({})", self.name, args.join(", "))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    Before,
    After,
    InsteadOf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TriggerEvent {
    Insert,
    /// `UPDATE [OF col, ...]`.
    Update {
        columns: Vec<String>,
    },
    Delete,
    Truncate,
}

/// What a trigger runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TriggerAction {
    /// PostgreSQL `EXECUTE FUNCTION f(args)`; args are the literal strings passed.
    Function {
        function: QualifiedName,
        args: Vec<String>,
    },
    /// MySQL/SQLite: the statement(s) of the trigger body (MySQL `BEGIN ... END` or one
    /// statement; SQLite the statements between `BEGIN` and `END`), as stored.
    Body { body: Expr },
}

/// A trigger on a table (or, `INSTEAD OF`, a view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// The table or view it fires on; always in the trigger's own namespace.
    pub table: QualifiedName,
    pub timing: TriggerTiming,
    /// In a canonical order (insert, update, delete, truncate).
    pub events: Vec<TriggerEvent>,
    /// `FOR EACH ROW` (true) or `FOR EACH STATEMENT`. MySQL triggers are always row triggers;
    /// SQLite's too.
    pub for_each_row: bool,
    /// `WHEN (...)` condition, normalized.
    pub when: Option<Expr>,
    pub action: TriggerAction,
    /// PostgreSQL `CREATE CONSTRAINT TRIGGER`, with its deferrability.
    pub constraint: Option<Option<Deferrable>>,
    /// PostgreSQL transition tables `REFERENCING OLD TABLE AS x NEW TABLE AS y`.
    pub old_table: Option<String>,
    pub new_table: Option<String>,
    /// MySQL `FOLLOWS other` / `PRECEDES other`, as written (`FOLLOWS t1`); informational, not
    /// compared (MySQL does not store it, it stores the resulting `ACTION_ORDER`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    pub comment: Option<String>,
}

impl Trigger {
    /// The key in the namespace's `triggers` map: `table.name` (PostgreSQL trigger names are
    /// per table; MySQL's and SQLite's per schema, which this key respects too).
    pub fn key(&self) -> String {
        format!("{}.{}", self.table.name, self.name)
    }

    /// Equality for diffing: everything but the informational `order`.
    pub fn same_definition(&self, other: &Trigger) -> bool {
        let mut a = self.clone();
        a.order = None;
        a.comment = None;
        let mut b = other.clone();
        b.order = None;
        b.comment = None;
        a == b
    }
}

/// PostgreSQL `CREATE DOMAIN`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub name: String,
    pub base: ColumnType,
    pub default: Option<Expr>,
    pub not_null: bool,
    pub collation: Option<String>,
    /// Named `<domain>_check` by PostgreSQL when unnamed.
    pub checks: Vec<Check>,
    pub comment: Option<String>,
}

/// PostgreSQL `CREATE TYPE name AS (attr type, ...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeType {
    pub name: String,
    pub attributes: Vec<CompositeAttribute>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeAttribute {
    pub name: String,
    pub ty: ColumnType,
    pub collation: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionStrategy {
    Range,
    List,
    Hash,
    /// MySQL `KEY`.
    Key,
}

/// A partitioned table's scheme: PostgreSQL `PARTITION BY`, MySQL `PARTITION BY ... (PARTITION ...)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partitioning {
    pub strategy: PartitionStrategy,
    /// MySQL `RANGE COLUMNS` / `LIST COLUMNS`.
    pub columns: bool,
    /// MySQL `LINEAR HASH` / `LINEAR KEY`.
    pub linear: bool,
    /// The partition key: columns or expressions (PostgreSQL may give an opclass or collation,
    /// kept in the `IndexPart`).
    pub key: Vec<IndexPart>,
    /// MySQL/MariaDB: the partitions, listed with the table. PostgreSQL: empty; each partition
    /// is a table with `partition_of`.
    pub partitions: Vec<PartitionDef>,
    /// MySQL `PARTITIONS n` of HASH/KEY partitioning without listed partitions.
    pub count: Option<u32>,
}

/// One MySQL partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionDef {
    pub name: String,
    /// `VALUES LESS THAN (...)` / `VALUES IN (...)`, normalized; `None` for HASH/KEY.
    pub bound: Option<Expr>,
    pub comment: Option<String>,
}

/// A PostgreSQL partition: `CREATE TABLE t PARTITION OF parent FOR VALUES ...`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    pub parent: QualifiedName,
    /// `FOR VALUES FROM (...) TO (...)`, `FOR VALUES IN (...)`, `FOR VALUES WITH (...)` or
    /// `DEFAULT`, as PostgreSQL's `pg_get_expr(relpartbound)` spells it.
    pub bound: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PolicyCommand {
    #[default]
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl PolicyCommand {
    pub fn sql(self) -> &'static str {
        match self {
            PolicyCommand::All => "ALL",
            PolicyCommand::Select => "SELECT",
            PolicyCommand::Insert => "INSERT",
            PolicyCommand::Update => "UPDATE",
            PolicyCommand::Delete => "DELETE",
        }
    }
}

/// PostgreSQL row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    /// PERMISSIVE (true, the default) or RESTRICTIVE.
    pub permissive: bool,
    pub command: PolicyCommand,
    /// Role names, sorted; empty means `PUBLIC`.
    pub roles: Vec<String>,
    pub using: Option<Expr>,
    pub with_check: Option<Expr>,
    pub comment: Option<String>,
}
