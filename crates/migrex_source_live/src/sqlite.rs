//! sqlite catalog introspection.

use crate::{Db, LiveError};
use migrex_model::Loaded;

pub(crate) fn introspect(_db: &mut Db) -> Result<Loaded, LiveError> {
    Err(LiveError::Other(
        "introspection of sqlite is not implemented yet".into(),
    ))
}
