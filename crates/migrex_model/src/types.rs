//! Column types: a portable core plus exact escape hatches, so nothing read is ever lost.

use crate::QualifiedName;
use serde::{Deserialize, Serialize};

/// A column's type, normalized per dialect (one spelling per type: PostgreSQL `int4`, `int` and
/// `integer` are all `Integer { bytes: 4 }`).
///
/// Per-dialect parsing and formatting live in `migrex_dialect::{postgres,mysql,sqlite}::types`.
/// SQLite keeps every declared type verbatim as `Other` (SQLite stores the declaration text and
/// reports it back as written), so a rendered SQLite schema reproduces its pragmas exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnType {
    /// PostgreSQL `smallint`/`integer`/`bigint`; MySQL `tinyint`(1) `smallint`(2) `mediumint`(3)
    /// `int`(4) `bigint`(8). `display_width` is MySQL's `int(5)`, kept only when it differs from
    /// the server default for the type.
    Integer {
        bytes: u8,
        unsigned: bool,
        display_width: Option<u32>,
        zerofill: bool,
    },
    /// PostgreSQL `numeric(p,s)`; MySQL `decimal(p,s)` (MySQL fills in the defaults 10,0).
    Decimal {
        precision: Option<u32>,
        scale: Option<u32>,
        unsigned: bool,
    },
    /// `real`/`float` (4 bytes) and `double precision`/`double` (8 bytes).
    Float {
        bytes: u8,
        unsigned: bool,
    },
    /// PostgreSQL `boolean`. MySQL `BOOLEAN` is `tinyint(1)` and is read as such.
    Bool,
    /// Character data. `max_len` is the declared length (`varchar(255)`).
    Text {
        kind: TextKind,
        max_len: Option<u32>,
    },
    /// Byte strings: PostgreSQL `bytea`; MySQL `binary(n)`, `varbinary(n)`, `*blob`.
    Binary {
        kind: BinaryKind,
        max_len: Option<u32>,
    },
    /// `bit(n)` / `bit varying(n)`.
    Bit {
        varying: bool,
        len: Option<u32>,
    },
    Date,
    /// `time(p) [with time zone]`.
    Time {
        tz: bool,
        precision: Option<u32>,
    },
    /// PostgreSQL `timestamp(p) [with time zone]`; MySQL `timestamp(p)` (tz = true: MySQL converts it to UTC).
    Timestamp {
        tz: bool,
        precision: Option<u32>,
    },
    /// MySQL `datetime(p)` (no time zone conversion, unlike MySQL `timestamp`).
    DateTime {
        precision: Option<u32>,
    },
    /// MySQL `year`.
    Year,
    /// PostgreSQL `interval [fields] [(p)]`.
    Interval {
        fields: Option<String>,
        precision: Option<u32>,
    },
    /// `json`, or PostgreSQL `jsonb` (binary = true).
    Json {
        binary: bool,
    },
    Uuid,
    /// MySQL inline `ENUM('a','b')`.
    Enum {
        values: Vec<String>,
    },
    /// MySQL inline `SET('a','b')`.
    Set {
        values: Vec<String>,
    },
    /// PostgreSQL array of another type (`integer[]`); dimensions are not enforced by PostgreSQL.
    Array {
        element: Box<ColumnType>,
    },
    /// A user-defined type of the schema: PostgreSQL enum, domain or composite type.
    UserDefined {
        name: QualifiedName,
    },
    /// Any other type, spelled exactly as the database prints it (PostgreSQL `format_type`,
    /// MySQL `COLUMN_TYPE`, SQLite's declared type).
    Other {
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    /// Fixed length: `char(n)` / `character(n)`.
    Char,
    /// `varchar(n)` / `character varying(n)`.
    Varchar,
    /// PostgreSQL `text`; MySQL `text` (64 KiB).
    Text,
    TinyText,
    MediumText,
    LongText,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryKind {
    Bytea,
    Binary,
    VarBinary,
    TinyBlob,
    Blob,
    MediumBlob,
    LongBlob,
}

impl ColumnType {
    pub fn int(bytes: u8) -> ColumnType {
        ColumnType::Integer {
            bytes,
            unsigned: false,
            display_width: None,
            zerofill: false,
        }
    }

    pub fn other(name: impl Into<String>) -> ColumnType {
        ColumnType::Other { name: name.into() }
    }

    /// The user-defined type this type refers to, looking through arrays.
    pub fn user_type(&self) -> Option<&QualifiedName> {
        match self {
            ColumnType::UserDefined { name } => Some(name),
            ColumnType::Array { element } => element.user_type(),
            _ => None,
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, ColumnType::Integer { .. })
    }
}
