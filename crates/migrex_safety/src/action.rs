//! One operation as the server executes it, with what is known about it.
//!
//! `None` in an `Option` field means "not known here" (a hand-written `ALTER COLUMN TYPE`
//! does not say what the type was before); the analysis then takes the worse case and says so.

use migrex_model::{ColumnType, QualifiedName};
use serde::Serialize;

/// What a default or a backfill expression is, for the one question that matters to locks:
/// can the server store it once (a constant, or a non-volatile function) instead of writing it
/// into every row?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultKind {
    None,
    /// A literal or an expression the server evaluates once (`now()` is stable in PostgreSQL).
    Constant,
    /// Evaluated per row (`random()`, `gen_random_uuid()`, `clock_timestamp()`, a sequence).
    Volatile,
    /// Not known (an expression the linter cannot classify).
    Unknown,
}

/// PostgreSQL index access methods that matter to the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexMethod {
    Btree,
    Hash,
    Gin,
    Gist,
    Brin,
    Other(String),
}

/// MySQL/MariaDB `ALGORITHM=` clause on an ALTER or CREATE INDEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MysqlAlgorithm {
    Default,
    Instant,
    Inplace,
    Nocopy,
    Copy,
}

/// MySQL/MariaDB `LOCK=` clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MysqlLockClause {
    Default,
    None,
    Shared,
    Exclusive,
}

/// One DDL or data operation. Table names are as written (a hand-written file may leave the
/// namespace empty: the search path's first schema).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    CreateTable {
        table: QualifiedName,
    },
    DropTable {
        table: QualifiedName,
    },
    RenameTable {
        from: QualifiedName,
        to: QualifiedName,
    },
    TruncateTable {
        table: QualifiedName,
    },
    AddColumn {
        table: QualifiedName,
        column: String,
        ty: Option<ColumnType>,
        not_null: bool,
        default: DefaultKind,
        /// `GENERATED ALWAYS AS (...) STORED`: computed into every row.
        stored_generated: bool,
        /// Identity, serial or AUTO_INCREMENT: a value per row.
        identity: bool,
        /// MySQL `FIRST`/`AFTER col`: not the last position.
        positioned: bool,
        /// An inline `REFERENCES`, `UNIQUE`, `PRIMARY KEY` or `CHECK` on the new column.
        inline_constraint: bool,
    },
    DropColumn {
        table: QualifiedName,
        column: String,
    },
    RenameColumn {
        table: QualifiedName,
        from: String,
        to: String,
    },
    AlterColumnType {
        table: QualifiedName,
        column: String,
        from: Option<ColumnType>,
        to: ColumnType,
        /// An explicit `USING` expression (PostgreSQL).
        using: bool,
        /// MySQL `MODIFY`/`CHANGE` also restates nullability, default and attributes.
        full_redefinition: bool,
    },
    SetNotNull {
        table: QualifiedName,
        column: String,
        /// A validated `CHECK (col IS NOT NULL)` already exists (PostgreSQL 12+ then skips the scan).
        proven_by_check: bool,
    },
    DropNotNull {
        table: QualifiedName,
        column: String,
    },
    SetDefault {
        table: QualifiedName,
        column: String,
        default: DefaultKind,
    },
    DropDefault {
        table: QualifiedName,
        column: String,
    },
    AddPrimaryKey {
        table: QualifiedName,
        /// `USING INDEX name`: an index built beforehand (concurrently) becomes the key.
        using_index: bool,
    },
    DropPrimaryKey {
        table: QualifiedName,
    },
    AddUnique {
        table: QualifiedName,
        name: Option<String>,
        using_index: bool,
    },
    AddForeignKey {
        table: QualifiedName,
        references: QualifiedName,
        not_valid: bool,
    },
    AddCheck {
        table: QualifiedName,
        name: Option<String>,
        not_valid: bool,
    },
    AddExclusion {
        table: QualifiedName,
    },
    ValidateConstraint {
        table: QualifiedName,
        name: String,
        /// The constraint is a foreign key to this table (its lock is taken there too).
        references: Option<QualifiedName>,
    },
    DropConstraint {
        table: QualifiedName,
        name: String,
        /// When known: the constraint is a foreign key to this table.
        references: Option<QualifiedName>,
    },
    RenameConstraint {
        table: QualifiedName,
    },
    CreateIndex {
        table: QualifiedName,
        name: Option<String>,
        unique: bool,
        concurrently: bool,
        method: IndexMethod,
        algorithm: MysqlAlgorithm,
        lock: MysqlLockClause,
        /// MySQL `FULLTEXT` or `SPATIAL`.
        fulltext_or_spatial: bool,
    },
    DropIndex {
        name: QualifiedName,
        /// When known.
        table: Option<QualifiedName>,
        concurrently: bool,
    },
    RenameIndex {
        table: Option<QualifiedName>,
    },
    Reindex {
        /// The table whose indexes are rebuilt, when known.
        table: Option<QualifiedName>,
        concurrently: bool,
    },
    CreateView {
        name: QualifiedName,
        materialized: bool,
    },
    ReplaceView {
        name: QualifiedName,
    },
    DropView {
        name: QualifiedName,
        materialized: bool,
    },
    RefreshMaterializedView {
        name: QualifiedName,
        concurrently: bool,
    },
    /// Types, domains, sequences, functions, extensions, schemas, comments: objects that are
    /// not a table's rows (their own catalog lock only).
    CatalogOnly {
        what: String,
    },
    /// `ALTER TYPE ... ADD VALUE` (PostgreSQL enum).
    AddEnumValue {
        name: QualifiedName,
    },
    /// A MySQL inline ENUM/SET member change is an `AlterColumnType`; this is the PostgreSQL type.
    AlterDomainAddConstraint {
        name: QualifiedName,
        not_valid: bool,
    },
    CreateTrigger {
        table: QualifiedName,
    },
    DropTrigger {
        table: QualifiedName,
    },
    /// ENABLE/DISABLE/FORCE ROW LEVEL SECURITY, CREATE/ALTER/DROP POLICY.
    RowSecurity {
        table: QualifiedName,
    },
    AttachPartition {
        parent: QualifiedName,
        partition: QualifiedName,
        /// A validated CHECK matching the bound exists on the partition (skips the scan).
        proven_by_check: bool,
    },
    DetachPartition {
        parent: QualifiedName,
        partition: QualifiedName,
        concurrently: bool,
    },
    /// PostgreSQL `CREATE TABLE ... PARTITION OF parent`: a new table, but ACCESS EXCLUSIVE on
    /// the parent (unlike ATTACH PARTITION).
    CreatePartition {
        parent: QualifiedName,
        partition: QualifiedName,
    },
    /// The table is copied: SQLite's 12-step rebuild, `VACUUM FULL`, `CLUSTER`, MySQL
    /// `ALTER TABLE ... FORCE`/`ENGINE=`, `OPTIMIZE TABLE`.
    RebuildTable {
        table: QualifiedName,
    },
    /// Table options that are catalog-only (comments, storage parameters, MySQL COMMENT).
    AlterTableOptions {
        table: QualifiedName,
        /// The options change the storage format (MySQL ENGINE, ROW_FORMAT, CHARSET CONVERT).
        rewrites: bool,
    },
    /// `UPDATE`, `DELETE`, `INSERT ... SELECT`: rows written under row locks.
    UpdateRows {
        table: QualifiedName,
        /// Bounded by a WHERE (a batch), not the whole table.
        bounded: bool,
    },
    DeleteRows {
        table: QualifiedName,
        bounded: bool,
    },
    InsertRows {
        table: QualifiedName,
    },
    /// A query that only reads rows (a data step's pre-flight check or proof).
    ReadRows {
        table: QualifiedName,
    },
    /// `LOCK TABLE` written by hand.
    LockTable {
        table: QualifiedName,
        mode: String,
    },
    /// `VACUUM` (not FULL), `ANALYZE`.
    Maintenance {
        table: Option<QualifiedName>,
        what: String,
    },
    /// A statement the analysis knows nothing about: it is reported as unknown, not as safe.
    Other {
        what: String,
    },
}

impl Action {
    /// The table the operation is about, when there is one.
    pub fn table(&self) -> Option<&QualifiedName> {
        use Action::*;
        match self {
            CreateTable { table }
            | DropTable { table }
            | TruncateTable { table }
            | AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumnType { table, .. }
            | SetNotNull { table, .. }
            | DropNotNull { table, .. }
            | SetDefault { table, .. }
            | DropDefault { table, .. }
            | AddPrimaryKey { table, .. }
            | DropPrimaryKey { table }
            | AddUnique { table, .. }
            | AddForeignKey { table, .. }
            | AddCheck { table, .. }
            | AddExclusion { table }
            | ValidateConstraint { table, .. }
            | DropConstraint { table, .. }
            | RenameConstraint { table }
            | CreateIndex { table, .. }
            | CreateTrigger { table }
            | DropTrigger { table }
            | RowSecurity { table }
            | RebuildTable { table }
            | AlterTableOptions { table, .. }
            | UpdateRows { table, .. }
            | DeleteRows { table, .. }
            | InsertRows { table }
            | ReadRows { table }
            | LockTable { table, .. } => Some(table),
            RenameTable { from, .. } => Some(from),
            AttachPartition { parent, .. }
            | DetachPartition { parent, .. }
            | CreatePartition { parent, .. } => Some(parent),
            DropIndex { table, .. } | Reindex { table, .. } | RenameIndex { table } => {
                table.as_ref()
            }
            Maintenance { table, .. } => table.as_ref(),
            CreateView { name, .. }
            | ReplaceView { name }
            | DropView { name, .. }
            | RefreshMaterializedView { name, .. } => Some(name),
            CatalogOnly { .. } | AddEnumValue { .. } | AlterDomainAddConstraint { .. } => None,
            Other { .. } => None,
        }
    }
}
