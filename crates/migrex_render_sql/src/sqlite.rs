//! sqlite DDL rendering.

use crate::{RenderError, SqlRenderer};
use migrex_model::{Change, Dialect};

pub(crate) struct SqliteRenderer;

impl SqlRenderer for SqliteRenderer {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn render_change(&self, change: &Change) -> Result<Vec<String>, RenderError> {
        Err(RenderError::Unsupported {
            dialect: Dialect::Sqlite,
            change: change.describe(),
            hint: "not implemented yet".into(),
        })
    }
}
