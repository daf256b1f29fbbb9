//! postgres DDL rendering.

use crate::{RenderError, SqlRenderer};
use migrex_model::{Change, Dialect};

pub(crate) struct PostgresRenderer;

impl SqlRenderer for PostgresRenderer {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn render_change(&self, change: &Change) -> Result<Vec<String>, RenderError> {
        Err(RenderError::Unsupported {
            dialect: Dialect::Postgres,
            change: change.describe(),
            hint: "not implemented yet".into(),
        })
    }
}
