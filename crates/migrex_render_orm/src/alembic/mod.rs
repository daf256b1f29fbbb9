//! Alembic revisions (`migrex diff ... --target alembic`) and SQLAlchemy model files
//! (`migrex convert ... --to sqlalchemy`).
//!
//! A revision goes to the project's versions folder as `<rev>_<slug>.py` (Alembic's default
//! `file_template`), chained to the current head; several heads make it a merge revision
//! (`down_revision` a tuple). Operations are Alembic's own where it has one, batch blocks on
//! SQLite, `op.execute` of the plan's SQL otherwise.

mod models;
mod ops;
mod types;

use crate::{MigrationInput, OutputFile, WriteError, Writer};
use migrex_model::{Plan, Schema};
use migrex_source_orm::sqlalchemy::history;
use migrex_source_orm::sqlalchemy::model::py_str;
use migrex_source_orm::{Models, Project};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub struct AlembicWriter;

/// Alembic's slug: the message's word runs joined by `_`, lowercased, cut at a word boundary
/// to `truncate_slug_length` (40).
pub fn slug(message: &str) -> String {
    let words: Vec<String> = message
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect();
    let slug = words.join("_");
    if slug.chars().count() > 40 {
        let cut: String = slug.chars().take(40).collect();
        match cut.rfind('_') {
            Some(i) => format!("{}_", &cut[..i]),
            None => cut,
        }
    } else {
        slug
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a Unix time.
fn timestamp(secs: i64) -> String {
    let t = crate::Utc::of(secs);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

fn sqlalchemy_models(p: Option<&Project>) -> Option<&migrex_source_orm::sqlalchemy::Models> {
    match &p?.models {
        Models::Sqlalchemy(m) => Some(m),
        _ => None,
    }
}

fn describe(plan: &Plan) -> String {
    match plan.steps.first() {
        Some(s) if plan.steps.len() == 1 => s.change.describe(),
        Some(s) => format!("{} and {} more", s.change.describe(), plan.steps.len() - 1),
        None => "empty".into(),
    }
}

fn body(
    plan: &Plan,
    to: &Schema,
    project: Option<&Project>,
) -> Result<(Vec<String>, bool), WriteError> {
    let cx = ops::Cx {
        dialect: plan.dialect,
        to,
        models: sqlalchemy_models(project),
        uses_postgresql: std::cell::Cell::new(false),
    };
    let lines = cx.body(plan)?;
    Ok((lines, cx.uses_postgresql.get()))
}

impl Writer for AlembicWriter {
    fn write_migration(&self, input: &MigrationInput) -> Result<Vec<OutputFile>, WriteError> {
        let root = input.out_dir;
        let versions: PathBuf =
            history::versions_dir(root).unwrap_or_else(|| root.join("alembic").join("versions"));
        let hist = history::history(root).map_err(|e| WriteError::Io {
            path: versions.display().to_string(),
            message: e.to_string(),
        })?;
        let message = input
            .name
            .map(String::from)
            .unwrap_or_else(|| describe(input.up));
        let mut hasher = Sha256::new();
        hasher.update(format!("{}\0{message}\0{:?}", input.now, hist.heads));
        let rev: String = format!("{:x}", hasher.finalize())
            .chars()
            .take(12)
            .collect();
        let (up, pg_up) = body(input.up, input.to, input.to_project)?;
        let (down, pg_down) = body(input.down, input.from, input.from_project)?;
        let down_revision = match hist.heads.as_slice() {
            [] => "None".to_string(),
            [one] => py_str(one),
            many => format!(
                "({})",
                many.iter()
                    .map(|h| py_str(h))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let revises = hist.heads.join(", ");
        let mut text = format!(
            "\"\"\"{}\n\nRevision ID: {rev}\nRevises: {revises}\nCreate Date: {}\n\n\"\"\"\n",
            message.replace("\"\"\"", "'''").replace('\\', "\\\\"),
            timestamp(input.now)
        );
        text.push_str("from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n");
        if pg_up || pg_down {
            text.push_str("from sqlalchemy.dialects import postgresql\n");
        }
        text.push_str(&format!(
            "\n\n# revision identifiers, used by Alembic.\nrevision: str = {}\n\
             down_revision: Union[str, Sequence[str], None] = {down_revision}\n\
             branch_labels: Union[str, Sequence[str], None] = None\n\
             depends_on: Union[str, Sequence[str], None] = None\n\n\n",
            py_str(&rev)
        ));
        text.push_str("def upgrade() -> None:\n");
        for l in up {
            text.push_str(&format!("    {l}\n"));
        }
        text.push_str("\n\ndef downgrade() -> None:\n");
        for l in down {
            text.push_str(&format!("    {l}\n"));
        }
        let file = versions.join(format!("{rev}_{}.py", slug(&message)));
        let rel = file
            .strip_prefix(root)
            .map(Path::to_path_buf)
            .unwrap_or(file);
        Ok(vec![OutputFile {
            path: rel,
            contents: text,
        }])
    }

    fn write_models(&self, schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
        models::write(schema)
    }
}
