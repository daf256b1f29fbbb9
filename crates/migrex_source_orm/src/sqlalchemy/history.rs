//! Alembic's revision history: the versions folder (from `alembic.ini`'s `script_location`,
//! else `alembic/versions` or `migrations/versions`), each revision's `revision` and
//! `down_revision` (a tuple is a merge point), the heads and the order Alembic upgrades in.

use crate::python::{Literal, PyFile, literal};
use crate::{History, OrmError};
use indexmap::IndexMap;
use rustpython_parser::ast::{Expr, Stmt};
use std::path::{Path, PathBuf};

/// One revision file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub id: String,
    pub down: Vec<String>,
    pub path: PathBuf,
}

/// A value of `alembic.ini`'s `[alembic]` section, with `%(here)s` expanded.
pub fn ini_value(root: &Path, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(root.join("alembic.ini")).ok()?;
    let mut in_alembic = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_alembic = l == "[alembic]";
            continue;
        }
        if !in_alembic || l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        if let Some((k, v)) = l.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().replace("%(here)s", &root.display().to_string()));
        }
    }
    None
}

/// The Alembic script folder (holding env.py and versions/), if the project has one.
pub fn script_dir(root: &Path) -> Option<PathBuf> {
    if let Some(loc) = ini_value(root, "script_location") {
        // `package:folder` names a package resource; a plain path is relative to the ini.
        let loc = loc.rsplit(':').next().unwrap_or(&loc).to_string();
        let p = Path::new(&loc);
        return Some(if p.is_absolute() {
            p.to_path_buf()
        } else {
            root.join(p)
        });
    }
    ["alembic", "migrations"]
        .into_iter()
        .map(|d| root.join(d))
        .find(|d| d.join("versions").is_dir() || d.join("env.py").is_file())
}

/// The folder new revisions go to.
pub fn versions_dir(root: &Path) -> Option<PathBuf> {
    if let Some(v) = ini_value(root, "version_locations") {
        let first = v.split([' ', ',']).find(|s| !s.is_empty())?.to_string();
        let p = Path::new(&first);
        return Some(if p.is_absolute() {
            p.to_path_buf()
        } else {
            root.join(p)
        });
    }
    script_dir(root).map(|d| d.join("versions"))
}

fn ids(l: &Literal) -> Vec<String> {
    match l {
        Literal::Str(s) => vec![s.clone()],
        Literal::List(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads the revisions of a versions folder.
pub fn revisions(dir: &Path) -> Result<Vec<Revision>, OrmError> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(out);
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "py"))
        .collect();
    paths.sort();
    for path in paths {
        let file = PyFile::read(&path)?;
        let mut id = None;
        let mut down = None;
        for stmt in &file.suite {
            let (name, value): (&str, &Expr) = match stmt {
                Stmt::Assign(a) => match a.targets.as_slice() {
                    [Expr::Name(n)] => (n.id.as_str(), &a.value),
                    _ => continue,
                },
                Stmt::AnnAssign(a) => match (a.target.as_ref(), &a.value) {
                    (Expr::Name(n), Some(v)) => (n.id.as_str(), v),
                    _ => continue,
                },
                _ => continue,
            };
            match name {
                "revision" => match literal(value) {
                    Some(Literal::Str(s)) => id = Some((s, value.clone())),
                    _ => return Err(file.error_at(value, "revision must be a string literal")),
                },
                "down_revision" => match literal(value) {
                    Some(l) => down = Some(ids(&l)),
                    None => {
                        return Err(file.error_at(value, "down_revision must be a literal"));
                    }
                },
                _ => {}
            }
        }
        let Some((id, _)) = id else {
            // Not a revision (a helper module next to them).
            continue;
        };
        out.push(Revision {
            id,
            down: down.unwrap_or_default(),
            path,
        });
    }
    Ok(out)
}

/// The history of a project: revisions in upgrade order (parents before children, file
/// order among siblings) and the heads.
pub fn history(root: &Path) -> Result<History, OrmError> {
    let Some(dir) = versions_dir(root) else {
        return Ok(History::default());
    };
    let revs = revisions(&dir)?;
    let by_id: IndexMap<&str, &Revision> = revs.iter().map(|r| (r.id.as_str(), r)).collect();
    for r in &revs {
        for d in &r.down {
            if !by_id.contains_key(d.as_str()) {
                return Err(OrmError::Usage(format!(
                    "{}: down_revision {d} is not a revision in {}",
                    r.path.display(),
                    dir.display()
                )));
            }
        }
    }
    let mut order: Vec<String> = Vec::new();
    let mut visiting: Vec<String> = Vec::new();
    fn visit(
        id: &str,
        by_id: &IndexMap<&str, &Revision>,
        order: &mut Vec<String>,
        visiting: &mut Vec<String>,
    ) -> Result<(), OrmError> {
        if order.iter().any(|o| o == id) {
            return Ok(());
        }
        if visiting.iter().any(|v| v == id) {
            return Err(OrmError::Usage(format!("revision cycle through {id}")));
        }
        visiting.push(id.to_string());
        for d in &by_id[id].down {
            visit(d, by_id, order, visiting)?;
        }
        visiting.pop();
        order.push(id.to_string());
        Ok(())
    }
    for r in &revs {
        visit(&r.id, &by_id, &mut order, &mut visiting)?;
    }
    let heads = order
        .iter()
        .filter(|id| !revs.iter().any(|r| r.down.iter().any(|d| d == *id)))
        .cloned()
        .collect();
    Ok(History {
        dir: Some(dir),
        migrations: order,
        heads,
        state: None,
    })
}
