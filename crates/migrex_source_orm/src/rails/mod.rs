//! Rails projects (`rails:PATH`). Being written.

use crate::{OrmError, Project, Reader};
use migrex_model::Dialect;
use std::path::Path;

/// Rails's models as written (model classes and their fields), for the Rails writer.
#[derive(Debug, Clone, Default)]
pub struct Models {}

pub struct RailsReader;

impl Reader for RailsReader {
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
