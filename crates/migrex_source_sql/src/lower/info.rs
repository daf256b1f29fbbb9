//! Facts about how objects were written that the model does not keep but implicit naming needs.

use indexmap::IndexMap;
use migrex_model::QualifiedName;
use std::collections::{HashMap, HashSet};

/// Side information from the generic lowering, handed to each dialect's `finalize`.
#[derive(Debug, Default)]
pub(crate) struct LowerInfo {
    pub(crate) tables: IndexMap<QualifiedName, TableInfo>,
}

/// Per table: which constraints were declared inline on a column, and which names were not given.
/// Positions are indexes into the table's `checks`, `uniques`, `foreign_keys`, `indexes` vectors.
#[derive(Debug, Default)]
pub(crate) struct TableInfo {
    /// check position -> the column it was declared on (`col int CHECK (col > 0)`).
    pub(crate) column_checks: HashMap<usize, String>,
    /// unique positions declared inline on a column (`col int UNIQUE`).
    pub(crate) column_uniques: HashSet<usize>,
    /// foreign-key positions declared inline on a column (`col int REFERENCES t`).
    pub(crate) column_fks: HashSet<usize>,
    /// index positions whose name was not given (their `name` is empty until `finalize`).
    pub(crate) unnamed_indexes: HashSet<usize>,
    /// Columns declared with a `serial` type (PostgreSQL), by name.
    pub(crate) serial_columns: HashSet<String>,
}

impl LowerInfo {
    pub(crate) fn table(&mut self, name: &QualifiedName) -> &mut TableInfo {
        self.tables.entry(name.clone()).or_default()
    }
}
