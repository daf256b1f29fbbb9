//! postgres catalog introspection.

use crate::{Db, LiveError};
use migrex_model::Loaded;

pub(crate) fn introspect(_db: &mut Db) -> Result<Loaded, LiveError> {
    Err(LiveError::Other(
        "introspection of postgres is not implemented yet".into(),
    ))
}
