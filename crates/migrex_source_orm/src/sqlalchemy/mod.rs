//! SQLAlchemy projects (`sqlalchemy:PATH`). Being written.

use crate::{OrmError, Project, Reader};
use migrex_model::Dialect;
use std::path::Path;

/// SQLAlchemy's models as written (model classes and their fields), for the SQLAlchemy writer.
#[derive(Debug, Clone, Default)]
pub struct Models {}

pub struct SqlalchemyReader;

impl Reader for SqlalchemyReader {
    fn detect(&self, _root: &Path) -> bool {
        false
    }

    fn read(&self, root: &Path, _dialect: Dialect) -> Result<Project, OrmError> {
        Err(OrmError::Usage(format!(
            "cannot read {} yet",
            root.display()
        )))
    }
}
