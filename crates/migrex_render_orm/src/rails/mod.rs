//! Rails migration and model files. Being written.

use crate::{MigrationInput, OutputFile, WriteError, Writer};
use migrex_model::Schema;

pub struct RailsWriter;

impl Writer for RailsWriter {
    fn write_migration(&self, _input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError> {
        Err(WriteError::Unsupported(
            "rails migrations are not written yet".into(),
        ))
    }

    fn write_models(&self, _schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
        Err(WriteError::Unsupported(
            "rails models are not written yet".into(),
        ))
    }
}
