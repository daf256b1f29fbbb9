//! EF Core projects (`efcore:PATH`, also `ef:PATH`): a folder with a `*.csproj` referencing
//! Entity Framework Core, or C# files holding a class deriving from `DbContext`.
//!
//! The C# is parsed with tree-sitter-c-sharp ([`cs`]); the model is built as EF's model builder
//! builds it ([`model`]: conventions, data annotations, then the fluent API of
//! `OnModelCreating` and `IEntityTypeConfiguration<T>` classes); [`ddl`] resolves the
//! relational model (relationship discovery, shadow foreign keys, foreign-key indexes, EF's
//! `PK_`/`FK_`/`IX_`/`AK_` names) and writes the SQL the provider's migrations SQL generator
//! emits (Microsoft.EntityFrameworkCore.Sqlite; Npgsql.EntityFrameworkCore.PostgreSQL 8/9, whose
//! default type mappings are the same; Pomelo.EntityFrameworkCore.MySql 8/9 for MySQL and
//! MariaDB), which `migrex_source_sql` reads. [`ops`] renders a migration's `MigrationBuilder`
//! operations as SQL (used by the tests to replay migrations on real databases).
//!
//! Pomelo, as its `MySqlTypeMappingSource` and `MySqlMigrationsSqlGenerator` do it (utf8mb4
//! default charset, a server with `datetime(6)`): `int`, `bigint`, `tinyint(1)` for `bool`,
//! `longtext` for strings, `varchar(n)` with a maximum length and `varchar(255)` for strings in
//! a key, foreign key or index, `datetime(6)` for `DateTime`/`DateTimeOffset`, `time(6)`,
//! `date`, `decimal(65,30)`, `char(36) COLLATE ascii_general_ci` for `Guid`, `longblob`;
//! string columns carry `CHARACTER SET utf8mb4` (or `HasCharSet`/`UseCollation` of the
//! property, table or model) and tables `CHARACTER SET=utf8mb4`; generated integer keys are
//! `AUTO_INCREMENT`; a `datetime` generated on add is `DEFAULT CURRENT_TIMESTAMP(6)`, on add or
//! update also `ON UPDATE CURRENT_TIMESTAMP(6)`; no DEFAULT on text/blob columns, no index
//! filters or `DESC` (Pomelo writes neither), `HasPrefixLength` prefixes; names cut to 64.
//!
//! The history is the `Migrations/` folder: `[Migration("id")]` classes in id order, and the
//! `<Context>ModelSnapshot.cs` `BuildModel` body, read with the same fluent vocabulary into
//! [`History::state`] (the model the migrations believe in).
//!
//! Names follow EF: `PK_<Table>`, `FK_<Dependent>_<Principal>_<Columns>`, `IX_<Table>_<Columns>`,
//! `AK_<Table>_<Columns>`, cut to 62 characters plus `~` past Npgsql's 63 (63 plus `~` past
//! MySQL's 64; SQLite sets no limit). Required relationships cascade; optional ones are `ClientSetNull`, which EF 6+ maps to
//! `ReferentialAction.NoAction` (no ON DELETE clause).
//!
//! Owned types are read with table splitting (`OwnsOne`, `[Owned]`, `Owned<T>()`: columns
//! `<Navigation>_<Property>`, nullable unless the navigation is required), in code and in
//! snapshots. Not read yet, and refused with the position: `OwnsMany`, inheritance mappings
//! (TPH/TPT/TPC), views and functions as entity sources, explicit join entity types in
//! `UsingEntity<T>`, value converters other than `HasConversion<string>()`.

pub mod cs;
pub mod ddl;
pub mod model;
pub mod ops;

use crate::{History, OrmError, Project, Reader};
use migrex_model::{Dialect, Loaded, Provenance, Warning};
use std::path::{Path, PathBuf};

/// What the EF Core writer needs beyond the schema.
#[derive(Debug, Clone, Default)]
pub struct Models {
    /// The DbContext class and its namespace.
    pub context: String,
    pub namespace: String,
    /// The migrations folder, relative to the project root.
    pub migrations_dir: PathBuf,
    /// Entity classes by table name: (table, full CLR name).
    pub entities: Vec<(String, String)>,
    /// The provider the csproj references (`sqlite`, `postgresql`, `mysql`).
    pub provider: Option<String>,
    /// `ProductVersion` of the latest snapshot, if any.
    pub product_version: Option<String>,
}

pub struct EfcoreReader;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if p.is_dir() {
            if !matches!(name, "bin" | "obj" | ".git" | "node_modules" | ".vs") {
                walk(&p, out);
            }
        } else if name.ends_with(".cs") || name.ends_with(".csproj") {
            out.push(p);
        }
    }
}

/// The project root and its `.cs` and `.csproj` files.
fn files(root: &Path) -> (PathBuf, Vec<PathBuf>, Vec<PathBuf>) {
    let dir = if root.is_file() {
        root.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        root.to_path_buf()
    };
    let mut all = vec![];
    walk(&dir, &mut all);
    let (csproj, cs): (Vec<PathBuf>, Vec<PathBuf>) = all
        .into_iter()
        .partition(|p| p.extension().is_some_and(|e| e == "csproj"));
    (dir, cs, csproj)
}

fn csproj_text(csproj: &[PathBuf]) -> String {
    csproj
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The provider the project references, from its csproj packages.
pub fn provider(csproj: &str) -> Option<&'static str> {
    if csproj.contains("Npgsql.EntityFrameworkCore.PostgreSQL") {
        Some("postgresql")
    } else if csproj.contains("Microsoft.EntityFrameworkCore.Sqlite") {
        Some("sqlite")
    } else if csproj.contains("Pomelo.EntityFrameworkCore.MySql")
        || csproj.contains("MySql.EntityFrameworkCore")
    {
        Some("mysql")
    } else if csproj.contains("Microsoft.EntityFrameworkCore.SqlServer") {
        Some("sqlserver")
    } else {
        None
    }
}

/// Whether `<Nullable>enable</Nullable>` is on (string properties are then required unless `?`).
pub fn nullable_enabled(csproj: &str) -> bool {
    csproj
        .split("<Nullable>")
        .nth(1)
        .and_then(|r| r.split("</Nullable>").next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("enable"))
}

/// Parses every `.cs` file of the project.
pub fn sources(cs: &[PathBuf]) -> Result<cs::Sources, OrmError> {
    let mut s = cs::Sources::default();
    for p in cs {
        cs::add_file(&mut s, p)?;
    }
    Ok(s)
}

fn is_context(src: &cs::Sources, c: &cs::Class) -> bool {
    let mut cur = c;
    for _ in 0..8 {
        if cur.bases.iter().any(|b| {
            b.name == "DbContext" || b.name.starts_with("Identity") && b.name.ends_with("DbContext")
        }) {
            return true;
        }
        match cur.bases.first().and_then(|b| src.class(&b.name)) {
            Some(n) if n.name != cur.name => cur = n,
            _ => return false,
        }
    }
    false
}

fn migration_id(c: &cs::Class) -> Option<String> {
    c.attrs
        .iter()
        .find(|a| a.name == "Migration")
        .and_then(|a| match a.args.first().map(|x| &x.value) {
            Some(cs::Expr::Str(s, _)) => Some(s.clone()),
            _ => None,
        })
}

/// The model built from the DbContext (conventions, annotations, fluent API).
pub fn context_model<'a>(
    src: &'a cs::Sources,
    nrt: bool,
) -> Result<(model::Builder<'a>, usize), OrmError> {
    let contexts: Vec<usize> = src
        .classes
        .iter()
        .enumerate()
        .filter(|(_, c)| is_context(src, c) && c.bases.iter().all(|b| b.name != "ModelSnapshot"))
        .map(|(i, _)| i)
        .collect();
    let ctx = match contexts.as_slice() {
        [one] => *one,
        [] => {
            return Err(OrmError::Usage(
                "no class deriving from DbContext was found".into(),
            ));
        }
        many => {
            let names: Vec<&str> = many.iter().map(|i| src.classes[*i].name.as_str()).collect();
            return Err(OrmError::Usage(format!(
                "several DbContext classes ({}): migrex reads projects with one",
                names.join(", ")
            )));
        }
    };
    let class = &src.classes[ctx];
    if let Some(b) = class.bases.iter().find(|b| b.name.starts_with("Identity")) {
        return Err(src.err(
            class.file,
            class.pos,
            format!(
                "`{}` derives from {}: ASP.NET Identity's tables are not read yet",
                class.name, b.name
            ),
        ));
    }
    let mut b = model::Builder::new(src, false, nrt);
    b.set_file(class.file);
    for p in &class.props {
        if p.ty.name == "DbSet"
            && let Some(t) = p.ty.args.first()
        {
            let e = b.entity(&t.name, p.pos)?;
            if b.model.entities[e].dbset.is_none() {
                b.model.entities[e].dbset = Some(p.name.clone());
            }
        }
    }
    // [EntityTypeConfiguration(typeof(X))] on entity classes.
    for c in &src.classes {
        for a in c
            .attrs
            .iter()
            .filter(|a| a.name == "EntityTypeConfiguration")
        {
            if let Some(cs::Expr::TypeOf(t, pos)) = a.args.first().map(|x| &x.value) {
                let Some(cfg) = src.class(&t.name) else {
                    return Err(src.err(c.file, *pos, format!("no class `{}`", t.name)));
                };
                b.apply_configuration(&cfg.clone(), *pos)?;
            }
        }
    }
    if let Some(m) = class.methods.iter().find(|m| m.name == "OnModelCreating") {
        let param = m.params.first().map(|p| p.1.clone()).unwrap_or_default();
        b.run_model_method(class.file, &param, &m.body)?;
    }
    Ok((b, ctx))
}

/// The model of a snapshot (or Designer) class's `BuildModel`/`BuildTargetModel`.
pub fn snapshot_model<'a>(
    src: &'a cs::Sources,
    class: &cs::Class,
) -> Result<model::Builder<'a>, OrmError> {
    let mut b = model::Builder::new(src, true, false);
    if let Some(m) = class
        .methods
        .iter()
        .find(|m| m.name == "BuildModel" || m.name == "BuildTargetModel")
    {
        let param = m.params.first().map(|p| p.1.clone()).unwrap_or_default();
        b.run_model_method(class.file, &param, &m.body)?;
    }
    Ok(b)
}

/// SQL for a model, and the tables it was built from.
pub fn model_sql(
    b: &mut model::Builder,
    dialect: Dialect,
) -> Result<(String, Vec<ddl::RTable>), OrmError> {
    let tables = ddl::tables(b, dialect)?;
    Ok((ddl::schema_sql(&tables, dialect), tables))
}

fn parse_sql(sql: &str, dialect: Dialect, tables: &[ddl::RTable]) -> Result<Loaded, OrmError> {
    let mut loaded = migrex_source_sql::parse(sql, dialect, "efcore").map_err(|e| {
        OrmError::Usage(format!(
            "internal error: the SQL built for the EF Core model does not parse: {e}\n{sql}"
        ))
    })?;
    loaded.provenance = Provenance {
        locations: ddl::origins(tables).into_iter().collect(),
    };
    Ok(loaded)
}

/// The SQL EF's migrations would run to create the project's model on `dialect` (for tests and
/// `inspect`).
pub fn project_sql(root: &Path, dialect: Dialect) -> Result<String, OrmError> {
    let (_, cs, csproj) = files(root);
    let src = sources(&cs)?;
    let (mut b, _) = context_model(&src, nullable_enabled(&csproj_text(&csproj)))?;
    Ok(model_sql(&mut b, dialect)?.0)
}

impl Reader for EfcoreReader {
    fn detect(&self, root: &Path) -> bool {
        if root.is_file() {
            return root.extension().is_some_and(|e| e == "csproj" || e == "cs");
        }
        let (_, cs, csproj) = files(root);
        if csproj_text(&csproj).contains("EntityFrameworkCore") {
            return true;
        }
        cs.iter().any(|p| {
            std::fs::read_to_string(p)
                .is_ok_and(|t| t.contains(": DbContext") || t.contains(":DbContext"))
        })
    }

    fn configured_dialect(&self, root: &Path) -> Option<Dialect> {
        let (_, cs, csproj) = files(root);
        let mut text = csproj_text(&csproj);
        if provider(&text).is_none() {
            // No package reference: the provider the code configures (`UseNpgsql`, `UseSqlite`).
            for p in &cs {
                let t = std::fs::read_to_string(p).unwrap_or_default();
                if t.contains(".UseNpgsql(") {
                    text.push_str("Npgsql.EntityFrameworkCore.PostgreSQL");
                } else if t.contains(".UseSqlite(") {
                    text.push_str("Microsoft.EntityFrameworkCore.Sqlite");
                } else if t.contains(".UseMySql(") {
                    text.push_str("Pomelo.EntityFrameworkCore.MySql");
                }
            }
        }
        match provider(&text)? {
            "postgresql" => Some(Dialect::Postgres),
            "sqlite" => Some(Dialect::Sqlite),
            "mysql" => Some(Dialect::Mysql),
            _ => None,
        }
    }

    fn read(&self, root: &Path, dialect: Dialect) -> Result<Project, OrmError> {
        let (dir, cs, csproj) = files(root);
        if cs.is_empty() {
            return Err(OrmError::Usage(format!(
                "{} holds no C# files",
                root.display()
            )));
        }
        let csproj = csproj_text(&csproj);
        let src = sources(&cs)?;
        let (mut b, ctx) = context_model(&src, nullable_enabled(&csproj))?;
        let (sql, tables) = model_sql(&mut b, dialect)?;
        let mut loaded = parse_sql(&sql, dialect, &tables)?;
        let ctx_class = &src.classes[ctx];
        let entities = tables
            .iter()
            .zip(&b.model.entities)
            .filter(|(_, e)| e.class.is_some())
            .map(|(t, e)| (t.name.clone(), e.full_name.clone()))
            .collect();

        // History: [Migration("id")] classes, and the snapshot.
        let mut migrations: Vec<(String, usize)> = src
            .classes
            .iter()
            .filter_map(|c| migration_id(c).map(|id| (id, c.file)))
            .collect();
        migrations.sort();
        migrations.dedup_by(|a, b| a.0 == b.0);
        let snapshot = src
            .classes
            .iter()
            .find(|c| c.bases.iter().any(|b| b.name == "ModelSnapshot"));
        let migrations_dir = snapshot
            .map(|c| src.files[c.file].path.clone())
            .or_else(|| migrations.first().map(|(_, f)| src.files[*f].path.clone()))
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| dir.join("Migrations"));
        let mut product_version = None;
        let state = match snapshot {
            Some(s) => {
                product_version = snapshot_product_version(&src.files[s.file].text);
                let read = snapshot_model(&src, s).and_then(|mut sb| {
                    let (ssql, stables) = model_sql(&mut sb, dialect)?;
                    parse_sql(&ssql, dialect, &stables)
                });
                match read {
                    Ok(state) => Some(state),
                    // The models still read; only the migrations' view is unknown.
                    Err(e) => {
                        loaded.warnings.push(Warning {
                            message: format!("the model snapshot is not read, so the migrations' schema is unknown: {e}"),
                            location: Some(src.files[s.file].path.display().to_string()),
                        });
                        None
                    }
                }
            }
            None => None,
        };
        let ids: Vec<String> = migrations.into_iter().map(|m| m.0).collect();
        let history = History {
            dir: Some(migrations_dir.clone()),
            heads: ids.last().cloned().into_iter().collect(),
            migrations: ids,
            state,
        };
        let rel = migrations_dir
            .strip_prefix(&dir)
            .map(Path::to_path_buf)
            .unwrap_or(migrations_dir);
        Ok(Project {
            framework: crate::Framework::Efcore,
            root: dir,
            loaded,
            models: crate::Models::Efcore(Models {
                context: ctx_class.name.clone(),
                namespace: ctx_class.namespace.clone(),
                migrations_dir: rel,
                entities,
                provider: provider(&csproj).map(str::to_string),
                product_version,
            }),
            history,
        })
    }
}

fn snapshot_product_version(text: &str) -> Option<String> {
    let i = text.find("\"ProductVersion\", \"")?;
    let rest = &text[i + "\"ProductVersion\", \"".len()..];
    rest.split('"').next().map(str::to_string)
}
