//! TypeORM projects (`typeorm:PATH`): entity classes in TypeScript or JavaScript with
//! decorators (`@Entity`, `@Column`, relations, `@Index`, `@Unique`, `@Check`, embedded
//! classes), parsed with oxc ([`parse`]), and the migration classes beside them.
//!
//! The schema is built from the SQL TypeORM 1.x's schema builder runs for those entities on an
//! empty database ([`ddl`]), parsed by `migrex_source_sql`, so types, defaults and every
//! constraint and index name are TypeORM's (`DefaultNamingStrategy`'s hashes; the tests compare
//! with what real TypeORM builds). PostgreSQL, SQLite (better-sqlite3) and MySQL/MariaDB are
//! read. On MySQL the SQL is MysqlQueryRunner's: uniques are unique indexes, `@Check` is not
//! created (a warning says so), uuid keys are varchar(36) (the `mysql` driver type; with the
//! `mariadb` type the server version decides, so such keys are refused), and json/set columns,
//! whose table the server decides, are refused. The history is the migration classes
//! (`<Name><13-digit timestamp>`) in the order TypeORM runs them (by timestamp).

pub mod ddl;
pub mod parse;

use crate::{History, OrmError, Project, Reader};
use migrex_model::{Dialect, Loaded, Provenance};
use std::path::{Path, PathBuf};

/// The TypeORM project as written, for the TypeORM writers.
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// The parsed entity files.
    pub files: Vec<parse::File>,
    /// The tables the entities describe (entity classes and junction tables).
    pub tables: Vec<ddl::Table>,
    /// The migrations folder, relative to the project root (`src/migration`).
    pub migrations_dir: PathBuf,
    /// The migration files' extension (`ts` or `js`).
    pub extension: String,
}

pub struct TypeormReader;

const SKIP_DIRS: [&str; 8] = [
    "node_modules",
    "dist",
    "build",
    "coverage",
    ".git",
    "migration",
    "migrations",
    "out",
];

fn is_source(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.ends_with(".d.ts")
        && ["ts", "tsx", "mts", "cts", "js", "mjs", "cjs"]
            .iter()
            .any(|e| p.extension().is_some_and(|x| x == *e))
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 8 {
        return;
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !SKIP_DIRS.contains(&name) && !name.starts_with('.') {
                walk(&p, depth + 1, out);
            }
        } else if is_source(&p) {
            out.push(p);
        }
    }
}

/// The project's source files (entity candidates), outside migrations, builds and packages.
pub fn source_files(root: &Path) -> Vec<PathBuf> {
    if root.is_file() {
        return vec![root.to_path_buf()];
    }
    let mut out = Vec::new();
    walk(root, 0, &mut out);
    out
}

fn project_root(root: &Path) -> PathBuf {
    if root.is_file() {
        root.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        root.to_path_buf()
    }
}

/// The 13-digit JavaScript timestamp a migration class name ends with.
pub fn migration_timestamp(class: &str) -> Option<u64> {
    let digits: String = class
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (digits.len() == 13).then(|| digits.parse().ok()).flatten()
}

/// Migration class names declared in a migration file (`export class Init1735689600000`).
fn migration_classes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("class ") {
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let name: String = text[i + 6..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
            .collect();
        if migration_timestamp(&name).is_some() {
            out.push(name);
        }
    }
    out
}

/// The migrations folder: the one the data source's `migrations:` glob names, else an existing
/// `src/migration(s)` or `migration(s)` folder, else `src/migration` (TypeORM's starter).
pub fn migrations_dir(root: &Path) -> PathBuf {
    let root = project_root(root);
    for f in source_files(&root) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if !text.contains("DataSource") && !f.to_string_lossy().contains("ormconfig") {
            continue;
        }
        if let Some(i) = text.find("migrations:") {
            let rest = &text[i + 11..];
            let rest = rest.trim_start().trim_start_matches('[').trim_start();
            if let Some(q) = rest
                .chars()
                .next()
                .filter(|c| matches!(c, '"' | '\'' | '`'))
            {
                let glob: String = rest[1..].chars().take_while(|c| *c != q).collect();
                let dir: Vec<&str> = glob
                    .split('/')
                    .take_while(|s| !s.contains('*') && !s.contains('.'))
                    .filter(|s| !s.is_empty())
                    .collect();
                if !dir.is_empty() {
                    let p: PathBuf = dir.iter().collect();
                    // `__dirname + "/migration/*.ts"` style globs are relative to the file.
                    let base = f.parent().unwrap_or(&root);
                    for candidate in [root.join(&p), base.join(&p)] {
                        if candidate.is_dir() {
                            return candidate
                                .strip_prefix(&root)
                                .map(Path::to_path_buf)
                                .unwrap_or(p);
                        }
                    }
                    return p;
                }
            }
        }
    }
    for d in ["src/migration", "src/migrations", "migration", "migrations"] {
        if root.join(d).is_dir() {
            return PathBuf::from(d);
        }
    }
    PathBuf::from("src/migration")
}

/// The migrations in `dir`, ordered by their timestamps as TypeORM runs them, with the
/// extension they use.
pub fn history(dir: &Path) -> (History, Option<String>) {
    let mut found: Vec<(u64, String)> = Vec::new();
    let mut ext = None;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && is_source(p))
        .collect();
    files.sort();
    for p in files {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        for c in migration_classes(&text) {
            if let Some(ts) = migration_timestamp(&c) {
                found.push((ts, c));
                ext = p.extension().map(|e| e.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    let migrations: Vec<String> = found.into_iter().map(|(_, c)| c).collect();
    (
        History {
            dir: Some(dir.to_path_buf()),
            heads: migrations.last().cloned().into_iter().collect(),
            migrations,
            state: None,
        },
        ext,
    )
}

/// Whether the project's data source uses TypeORM's `mariadb` driver type.
fn mariadb_driver(root: &Path) -> bool {
    source_files(&project_root(root)).iter().any(|p| {
        std::fs::read_to_string(p).is_ok_and(|t| {
            (t.contains("new DataSource(") || p.to_string_lossy().contains("ormconfig"))
                && (t.contains("type: \"mariadb\"") || t.contains("type: 'mariadb'"))
        })
    })
}

fn mentions_typeorm(text: &str) -> bool {
    text.contains("\"typeorm\"") || text.contains("'typeorm'") || text.contains("`typeorm`")
}

/// Whether the project compiles with `strictNullChecks` (`strict` or the flag itself in its
/// tsconfig.json; `extends` is not followed). TypeScript's default is off.
pub fn strict_null_checks(root: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(project_root(root).join("tsconfig.json")) else {
        return false;
    };
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let flag = |k: &str| -> Option<bool> {
        if compact.contains(&format!("\"{k}\":true")) {
            Some(true)
        } else if compact.contains(&format!("\"{k}\":false")) {
            Some(false)
        } else {
            None
        }
    };
    flag("strictNullChecks").or(flag("strict")).unwrap_or(false)
}

/// Parses the project's entity candidates: files that import TypeORM must parse; other files
/// (for their enums) are skipped when they do not.
pub fn read_files(root: &Path) -> Result<Vec<parse::File>, OrmError> {
    let mut files = Vec::new();
    let strict = strict_null_checks(root);
    for p in source_files(root) {
        let text = std::fs::read_to_string(&p).map_err(|e| OrmError::io(&p, e))?;
        let typeorm = mentions_typeorm(&text);
        if !typeorm && !text.contains("enum ") {
            continue;
        }
        let i = files.len();
        match parse::parse(&p, &text, i, strict) {
            Ok(f) => files.push(f),
            Err(e) if typeorm => return Err(e),
            Err(_) => {}
        }
    }
    Ok(files)
}

/// The entities a data source lists (`entities: [User, "src/entity/*.ts",
/// __dirname + "/entity/*.ts"]`): class names, and path globs made absolute.
#[derive(Debug, Default)]
struct EntityFilter {
    classes: Vec<String>,
    globs: Vec<String>,
}

impl EntityFilter {
    fn allows(&self, class: &str, file: &Path) -> bool {
        let path = file.to_string_lossy().replace('\\', "/");
        let stem = file.with_extension("");
        let stem = stem.to_string_lossy().replace('\\', "/");
        self.classes.iter().any(|c| c == class)
            || self.globs.iter().any(|g| {
                glob_match(g, &path)
                    // `entity/*.js` globs of compiled projects name the .ts sources too.
                    || glob_match(g.trim_end_matches(".js").trim_end_matches(".{ts,js}"), &stem)
                    || g.ends_with(".js") && glob_match(&format!("{}.ts", g.trim_end_matches(".js")), &path)
            })
    }
}

/// `*` (within a path segment), `**/` (any folders), `?` and `{a,b}` as tinyglobby reads them.
fn glob_match(pattern: &str, path: &str) -> bool {
    if let Some(open) = pattern.find('{')
        && let Some(close) = pattern[open..].find('}').map(|c| open + c)
    {
        return pattern[open + 1..close].split(',').any(|alt| {
            glob_match(
                &format!("{}{alt}{}", &pattern[..open], &pattern[close + 1..]),
                path,
            )
        });
    }
    fn rec(p: &[u8], s: &[u8]) -> bool {
        match p.first() {
            None => s.is_empty(),
            Some(b'*') if p.get(1) == Some(&b'*') => {
                let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
                (0..=s.len()).any(|i| (i == 0 || s[i - 1] == b'/') && rec(rest, &s[i..]))
            }
            Some(b'*') => (0..=s.len())
                .take_while(|&i| i == 0 || s[i - 1] != b'/')
                .any(|i| rec(&p[1..], &s[i..])),
            Some(b'?') => !s.is_empty() && s[0] != b'/' && rec(&p[1..], &s[1..]),
            Some(c) => s.first() == Some(c) && rec(&p[1..], &s[1..]),
        }
    }
    rec(pattern.as_bytes(), path.as_bytes())
}

/// The `entities:` list of the project's data source, when one says it in a form migrex
/// reads; `None` means every decorated class.
fn entity_filter(root: &Path) -> Option<EntityFilter> {
    for f in source_files(root) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if !text.contains("DataSource(") && !f.to_string_lossy().contains("ormconfig") {
            continue;
        }
        let Some(i) = text.find("entities:") else {
            continue;
        };
        let rest = text[i + 9..].trim_start();
        let list = rest.strip_prefix('[')?;
        let list = &list[..list.find(']')?];
        let base = f.parent().unwrap_or(root);
        let mut filter = EntityFilter::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let quoted = |s: &str| -> Option<String> {
                let s = s.trim();
                let q = s.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))?;
                let inner = s.strip_prefix(q)?.strip_suffix(q)?;
                Some(inner.to_string())
            };
            let abs = |dir: &Path, rel: &str| {
                let rel = rel.trim_start_matches("./");
                format!(
                    "{}/{}",
                    dir.to_string_lossy()
                        .replace('\\', "/")
                        .trim_end_matches('/'),
                    rel.trim_start_matches('/')
                )
            };
            if let Some(rest) = item.strip_prefix("__dirname") {
                let rel = quoted(rest.trim_start().strip_prefix('+')?)?;
                filter.globs.push(abs(base, &rel));
            } else if let Some(inner) = item
                .strip_prefix("`${__dirname}")
                .and_then(|r| r.strip_suffix('`'))
            {
                filter.globs.push(abs(base, inner));
            } else if let Some(s) = quoted(item) {
                filter.globs.push(abs(root, &s));
            } else if item
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
            {
                filter.classes.push(item.to_string());
            } else {
                // path.join(...), spreads, variables: not evaluated.
                return None;
            }
        }
        return Some(filter);
    }
    None
}

impl Reader for TypeormReader {
    fn detect(&self, root: &Path) -> bool {
        let root = project_root(root);
        for name in [
            "ormconfig.json",
            "ormconfig.js",
            "ormconfig.ts",
            "ormconfig.yml",
        ] {
            if root.join(name).is_file() {
                return true;
            }
        }
        source_files(&root).iter().take(2000).any(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| {
                mentions_typeorm(&t) && (t.contains("@Entity(") || t.contains("new DataSource("))
            })
        })
    }

    fn configured_dialect(&self, root: &Path) -> Option<Dialect> {
        let root = project_root(root);
        for p in source_files(&root) {
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let name = p.to_string_lossy();
            if !text.contains("new DataSource(") && !name.contains("ormconfig") {
                continue;
            }
            for (driver, d) in [
                ("postgres", Dialect::Postgres),
                ("better-sqlite3", Dialect::Sqlite),
                ("sqlite", Dialect::Sqlite),
                ("sqljs", Dialect::Sqlite),
                ("mysql", Dialect::Mysql),
                ("mariadb", Dialect::Mysql),
            ] {
                for q in ['"', '\''] {
                    if text.contains(&format!("type: {q}{driver}{q}")) {
                        return Some(d);
                    }
                }
            }
        }
        None
    }

    fn read(&self, root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
        let mut files = read_files(root)?;
        // Only the entities the data source lists (when it says, in a form migrex reads).
        if let Some(filter) = entity_filter(&project_root(root)) {
            let listed = |c: &parse::ClassDef, path: &Path| {
                let entity = c
                    .decorators
                    .iter()
                    .any(|d| matches!(d.name.as_str(), "Entity" | "ChildEntity"));
                !entity || filter.allows(&c.name, path)
            };
            let kept: Vec<parse::File> = files
                .iter()
                .cloned()
                .map(|mut f| {
                    let path = f.path.clone();
                    f.classes.retain(|c| listed(c, &path));
                    f
                })
                .collect();
            let any = |fs: &[parse::File]| {
                fs.iter().any(|f| {
                    f.classes
                        .iter()
                        .any(|c| c.decorators.iter().any(|d| d.name == "Entity"))
                })
            };
            if any(&kept) {
                files = kept;
            }
        }
        let tables = ddl::tables(&files, dialect)?;
        if dialect == Dialect::Mysql
            && mariadb_driver(root)
            && let Some((t, c)) = tables.iter().find_map(|t| {
                t.columns
                    .iter()
                    .find(|c| c.generated == Some(ddl::Gen::Uuid))
                    .map(|c| (t, c))
            })
        {
            // The `mariadb` driver type makes uuid keys native `uuid` on MariaDB >= 10.7 and
            // varchar(36) before: the server's version decides, which migrex cannot know.
            let f = &files[t.file];
            return Err(OrmError::at(
                &f.path,
                &f.text,
                c.pos.line,
                c.pos.column,
                "a uuid-generated key with TypeORM's `mariadb` driver type is `uuid` or \
                 varchar(36) depending on the MariaDB version: migrex reads it for the `mysql` \
                 driver type (varchar(36)) only"
                    .into(),
            ));
        }
        if tables.is_empty() {
            if let Some(p) = source_files(root)
                .into_iter()
                .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("new EntitySchema")))
            {
                return Err(OrmError::Usage(format!(
                    "{}: entities defined with EntitySchema are not read yet (decorated classes are)",
                    p.display()
                )));
            }
            return Err(OrmError::Usage(format!(
                "{} holds no TypeORM entities (classes decorated with @Entity)",
                root.display()
            )));
        }
        let (sql, origins) = ddl::schema_sql(&files, &tables, dialect);
        let mut loaded: Loaded =
            migrex_source_sql::parse(&sql, dialect, "typeorm entities").map_err(|e| {
                OrmError::Usage(format!(
                    "internal error: the SQL built for the TypeORM entities does not parse: {e}\n{sql}"
                ))
            })?;
        loaded.provenance = Provenance {
            locations: origins.into_iter().collect(),
        };
        if dialect == Dialect::Mysql {
            // MysqlQueryRunner writes no CHECK constraints: the entities' @Check are not built.
            for t in tables.iter().filter(|t| !t.checks.is_empty()) {
                loaded.warnings.push(migrex_model::Warning {
                    message: format!(
                        "TypeORM's MySQL driver does not create @Check constraints: those of `{}` \
                         are not in the schema",
                        t.name
                    ),
                    location: Some(format!("{}:{}", files[t.file].path.display(), t.pos.line)),
                });
            }
        }
        let project_root = project_root(root);
        // Options that change every name migrex derives: said, not silently ignored.
        for p in source_files(&project_root) {
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            if !text.contains("DataSource") && !p.to_string_lossy().contains("ormconfig") {
                continue;
            }
            for option in ["namingStrategy", "entityPrefix"] {
                if let Some(i) = text.find(&format!("{option}:")) {
                    let line = text[..i].matches('\n').count() + 1;
                    loaded.warnings.push(migrex_model::Warning {
                        message: format!(
                            "the data source sets `{option}`, which migrex does not apply: names are \
                             DefaultNamingStrategy's"
                        ),
                        location: Some(format!("{}:{line}", p.display())),
                    });
                }
            }
        }
        let migrations_dir = migrations_dir(&project_root);
        let (history, ext) = history(&project_root.join(&migrations_dir));
        Ok(Project {
            framework: crate::Framework::Typeorm,
            root: project_root,
            loaded,
            models: crate::Models::Typeorm(Models {
                files,
                tables,
                migrations_dir,
                extension: ext.unwrap_or_else(|| "ts".into()),
            }),
            history,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs_as_typeorm_reads_them() {
        assert!(glob_match("/p/src/entity/**/*.ts", "/p/src/entity/User.ts"));
        assert!(glob_match(
            "/p/src/entity/**/*.ts",
            "/p/src/entity/a/b/User.ts"
        ));
        assert!(!glob_match("/p/src/entity/*.ts", "/p/src/entity/a/User.ts"));
        assert!(glob_match(
            "/p/src/**/*.entity.{ts,js}",
            "/p/src/user/user.entity.js"
        ));
        assert!(!glob_match("/p/src/**/*.entity.ts", "/p/src/user/user.ts"));
    }
}
