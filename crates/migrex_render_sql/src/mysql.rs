//! mysql DDL rendering.

use crate::{RenderError, SqlRenderer};
use migrex_model::{Change, Dialect};

pub(crate) struct MysqlRenderer;

impl SqlRenderer for MysqlRenderer {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    fn render_change(&self, change: &Change) -> Result<Vec<String>, RenderError> {
        Err(RenderError::Unsupported {
            dialect: Dialect::Mysql,
            change: change.describe(),
            hint: "not implemented yet".into(),
        })
    }
}
