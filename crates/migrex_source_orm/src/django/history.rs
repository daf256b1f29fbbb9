//! `<app>/migrations/NNNN_name.py`: names, dependencies and each app's leaf, as Django's
//! migration loader sees them.

use super::project::{App, MigrationFile};
use crate::python::{Literal, PyFile, literal, simple_name};
use crate::{History, OrmError};
use rustpython_parser::ast::{Expr, Stmt};
use std::path::Path;

/// The migrations of one app folder, sorted by name.
pub fn read_migrations(app_dir: &Path) -> Result<Vec<MigrationFile>, OrmError> {
    let dir = app_dir.join("migrations");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "py")
                && p.file_stem()
                    .and_then(|s| s.to_str())
                    .is_some_and(|s| !s.starts_with('_') && !s.starts_with('~'))
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let file = PyFile::read(&path)?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let mut m = MigrationFile {
            name,
            dependencies: Vec::new(),
            initial: false,
        };
        for stmt in &file.suite {
            let Stmt::ClassDef(c) = stmt else { continue };
            if c.name.as_str() != "Migration" {
                continue;
            }
            for s in &c.body {
                let Stmt::Assign(a) = s else { continue };
                match a.targets.first().and_then(simple_name).as_deref() {
                    Some("initial") => {
                        m.initial = literal(&a.value).and_then(|l| l.as_bool()) == Some(true)
                    }
                    Some("dependencies") => m.dependencies = dependencies(&file, &a.value)?,
                    _ => {}
                }
            }
        }
        out.push(m);
    }
    Ok(out)
}

fn dependencies(file: &PyFile, v: &Expr) -> Result<Vec<(String, String)>, OrmError> {
    let items = match v {
        Expr::List(l) => &l.elts,
        Expr::Tuple(t) => &t.elts,
        _ => return Err(file.error_at(v, "Migration.dependencies is not a list")),
    };
    let mut out = Vec::new();
    for item in items {
        match literal(item) {
            Some(Literal::List(pair)) if pair.len() == 2 => {
                if let (Some(a), Some(n)) = (pair[0].as_str(), pair[1].as_str()) {
                    out.push((a.to_string(), n.to_string()));
                    continue;
                }
                return Err(file.error_at(item, "dependency is not (app_label, migration_name)"));
            }
            // `migrations.swappable_dependency(settings.AUTH_USER_MODEL)`: a dependency on
            // another project's app, which does not chain this project's migrations.
            _ if matches!(item, Expr::Call(_)) => {}
            _ => return Err(file.error_at(item, "dependency is not (app_label, migration_name)")),
        }
    }
    Ok(out)
}

/// The app's leaf: its migration no other migration of the app depends on (the last by name
/// when several are).
pub fn leaf(app: &App) -> Option<&MigrationFile> {
    app.migrations.iter().rev().find(|m| {
        !app.migrations.iter().any(|o| {
            o.dependencies
                .iter()
                .any(|(a, n)| a == &app.label && n == &m.name)
        })
    })
}

/// `app.name` ids in an order Django can run them (dependencies first), and the apps' leaves.
pub fn history(apps: &[App], root: &Path) -> History {
    let mut done: Vec<(String, String)> = Vec::new();
    let all: Vec<(String, &MigrationFile)> = apps
        .iter()
        .flat_map(|a| a.migrations.iter().map(move |m| (a.label.clone(), m)))
        .collect();
    // Repeated passes: each adds the migrations whose known dependencies are done.
    loop {
        let before = done.len();
        for (app, m) in &all {
            let key = (app.clone(), m.name.clone());
            if done.contains(&key) {
                continue;
            }
            let ready = m
                .dependencies
                .iter()
                .all(|d| done.contains(d) || !all.iter().any(|(a, o)| a == &d.0 && o.name == d.1));
            if ready {
                done.push(key);
            }
        }
        if done.len() == before {
            break;
        }
    }
    // Cycles (invalid in Django) keep their file order at the end.
    for (app, m) in &all {
        let key = (app.clone(), m.name.clone());
        if !done.contains(&key) {
            done.push(key);
        }
    }
    History {
        dir: apps.first().map(|a| root.join(&a.dir).join("migrations")),
        migrations: done.iter().map(|(a, n)| format!("{a}.{n}")).collect(),
        heads: apps
            .iter()
            .filter_map(|a| leaf(a).map(|m| format!("{}.{}", a.label, m.name)))
            .collect(),
        state: None,
    }
}
