//! Entity classes and a DbContext for a schema (`migrex convert --to efcore`): one class per
//! table with a property per column, and an `OnModelCreating` that states every mapping
//! explicitly (`ToTable`, `HasKey(...).HasName`, `HasColumnType`, `HasIndex(..., "name")`,
//! `HasOne<T>().WithMany().HasForeignKey(...)`, ...), so nothing depends on EF's conventions
//! except what EF cannot switch off (an index on every foreign key not already covered).

use super::snapshot::{
    TableConfig, class_name, column_clr, default_sql, is_mysql_guid, lit, mysql_column_check,
    mysql_index_check, mysql_on_update_generated, table_config, type_sql,
};
use crate::{OutputFile, WriteError};
use migrex_model::{Dialect, FkAction, Identity, QualifiedName, Schema, Table};
use std::collections::HashMap;
use std::fmt::Write;
use std::path::PathBuf;

const NAMESPACE: &str = "App";
const CONTEXT: &str = "AppDbContext";

fn is_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !super::KEYWORDS.contains(&s)
}

/// Property names per column: the column's own name when it is a usable identifier.
fn prop_names(class: &str, t: &Table) -> Vec<(String, String)> {
    let mut used: Vec<String> = vec![class.to_string()];
    let mut out = vec![];
    for c in t.columns.values() {
        let mut p = if is_ident(&c.name) && c.name != class {
            c.name.clone()
        } else {
            class_name(&c.name)
        };
        while used.contains(&p) || !is_ident(&p) {
            p.push_str("Col");
        }
        used.push(p.clone());
        out.push((c.name.clone(), p));
    }
    out
}

fn selector(props: &HashMap<String, String>, cols: &[String], v: &str) -> String {
    let p = |c: &String| props.get(c).cloned().unwrap_or_else(|| c.clone());
    if cols.len() == 1 {
        format!("{v} => {v}.{}", p(&cols[0]))
    } else {
        format!(
            "{v} => new {{ {} }}",
            cols.iter()
                .map(|c| format!("{v}.{}", p(c)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

pub fn write(schema: &Schema) -> Result<Vec<OutputFile>, WriteError> {
    let d = schema.dialect;
    let tables: Vec<(QualifiedName, &Table)> = schema.tables().collect();
    // Class names, unique.
    let mut classes: Vec<String> = vec![];
    for (q, _) in &tables {
        let mut c = class_name(&q.name);
        if c == CONTEXT {
            c.push_str("Entity");
        }
        while classes.contains(&c) {
            c.push('2');
        }
        classes.push(c);
    }
    let class_of = |q: &QualifiedName| -> Option<&String> {
        tables.iter().position(|(t, _)| t == q).map(|i| &classes[i])
    };
    let mut files = vec![];
    let mut config = String::new();
    let mut dbsets = String::new();
    for ((q, t), class) in tables.iter().zip(&classes) {
        if !t.exclusions.is_empty() || t.partitioning.is_some() || t.partition_of.is_some() {
            return Err(WriteError::Unsupported(format!(
                "table {} has exclusion constraints or partitioning, which EF Core models cannot hold",
                q.name
            )));
        }
        let names = prop_names(class, t);
        let props: HashMap<String, String> = names.iter().cloned().collect();
        let mut body = String::new();
        for c in t.columns.values() {
            if c.generated.is_some() {
                return Err(WriteError::Unsupported(format!(
                    "generated column {}.{} is not written to EF Core models yet",
                    q.name, c.name
                )));
            }
            let (clr, value) = column_clr(c, d);
            let ty = if c.nullable {
                format!("{clr}?")
            } else {
                clr.to_string()
            };
            let init = if !value && !c.nullable {
                " = null!;"
            } else {
                ""
            };
            let _ = writeln!(
                body,
                "    public {ty} {} {{ get; set; }}{init}",
                props[&c.name]
            );
        }
        files.push(OutputFile {
            path: PathBuf::from(format!("Entities/{class}.cs")),
            contents: format!(
                "namespace {NAMESPACE}.Entities;\n\npublic class {class}\n{{\n{body}}}\n"
            ),
        });
        let _ = writeln!(
            dbsets,
            "    public DbSet<{class}> {class}Set => Set<{class}>();"
        );

        // The fluent configuration.
        let e = "            ";
        let _ = writeln!(
            config,
            "        modelBuilder.Entity<{class}>(entity =>\n        {{"
        );
        let TableConfig {
            schema_arg,
            calls: tcfg,
            charset,
            collation,
        } = table_config(d, q, t)?;
        if let Some(cs) = &charset {
            let _ = writeln!(config, "            entity.HasCharSet({});", lit(cs));
        }
        if let Some(co) = &collation {
            let _ = writeln!(config, "            entity.UseCollation({});", lit(co));
        }
        if tcfg.is_empty() {
            let _ = writeln!(config, "{e}entity.ToTable({}{schema_arg});", lit(&q.name));
        } else {
            let _ = writeln!(
                config,
                "{e}entity.ToTable({}{schema_arg}, t =>\n{e}{{\n{}\n{e}}});",
                lit(&q.name),
                tcfg.iter()
                    .map(|l| format!("{e}    {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        match &t.primary_key {
            Some(pk) => {
                let _ = write!(
                    config,
                    "{e}entity.HasKey({})",
                    selector(&props, &pk.columns, "e")
                );
                if let Some(n) = &pk.name
                    && d == Dialect::Postgres
                {
                    let _ = write!(config, ".HasName({})", lit(n));
                }
                config.push_str(";\n");
            }
            None => {
                let _ = writeln!(config, "{e}entity.HasNoKey();");
            }
        }
        let pk: Vec<String> = t
            .primary_key
            .as_ref()
            .map(|p| p.columns.clone())
            .unwrap_or_default();
        for c in t.columns.values() {
            let mut chain = String::new();
            let p = &props[&c.name];
            if *p != c.name {
                let _ = write!(chain, "\n{e}    .HasColumnName({})", lit(&c.name));
            }
            let _ = write!(
                chain,
                "\n{e}    .HasColumnType({})",
                lit(&type_sql(&c.ty, d))
            );
            let on_update = d == Dialect::Mysql && mysql_on_update_generated(c);
            if d == Dialect::Mysql {
                mysql_column_check(q, c, on_update)?;
                if let Some(co) = c.collation.as_ref().filter(|_| !is_mysql_guid(c, d)) {
                    let _ = write!(chain, "\n{e}    .UseCollation({})", lit(co));
                }
            }
            if on_update {
                let _ = write!(chain, "\n{e}    .ValueGeneratedOnAddOrUpdate()");
            } else if let Some(def) = &c.default {
                let _ = write!(
                    chain,
                    "\n{e}    .HasDefaultValueSql({})",
                    lit(&default_sql(&def.sql))
                );
            }
            match (&c.identity, d) {
                (Some(Identity::ByDefault { .. }), Dialect::Postgres) => {
                    let _ = write!(chain, "\n{e}    .UseIdentityByDefaultColumn()");
                }
                (Some(Identity::AutoIncrement), Dialect::Sqlite | Dialect::Mysql)
                    if pk.len() == 1 && pk[0] == c.name =>
                {
                    let _ = write!(chain, "\n{e}    .ValueGeneratedOnAdd()");
                }
                (None, _) => {
                    if pk.len() == 1 && pk[0] == c.name {
                        // Keep EF's convention from generating values for this key.
                        let _ = write!(chain, "\n{e}    .ValueGeneratedNever()");
                    }
                }
                (Some(other), _) => {
                    return Err(WriteError::Unsupported(format!(
                        "column {}.{}: identity {other:?} has no EF Core model form here",
                        q.name, c.name
                    )));
                }
            }
            if let Some(cm) = &c.comment {
                let _ = write!(chain, "\n{e}    .HasComment({})", lit(cm));
            }
            let _ = writeln!(config, "{e}entity.Property(e => e.{p}){chain};");
        }
        for u in &t.uniques {
            let _ = write!(
                config,
                "{e}entity.HasAlternateKey({})",
                selector(&props, &u.columns, "e")
            );
            if let Some(n) = &u.name {
                let _ = write!(config, ".HasName({})", lit(n));
            }
            config.push_str(";\n");
        }
        for ix in &t.indexes {
            if d == Dialect::Mysql {
                mysql_index_check(ix)?;
            }
            let Some(cols) = super::plain_cols(ix, d) else {
                return Err(WriteError::Unsupported(format!(
                    "index {} is not a plain column index, which EF Core models cannot hold",
                    ix.name
                )));
            };
            let _ = write!(
                config,
                "{e}entity.HasIndex({}, {})",
                selector(&props, &cols, "e"),
                lit(&ix.name)
            );
            if ix.unique {
                config.push_str(".IsUnique()");
            }
            if ix.parts.iter().any(|p| p.descending) {
                let flags: Vec<&str> = ix
                    .parts
                    .iter()
                    .map(|p| if p.descending { "true" } else { "false" })
                    .collect();
                let _ = write!(config, ".IsDescending({})", flags.join(", "));
            }
            if let Some(f) = &ix.predicate {
                let _ = write!(config, ".HasFilter({})", lit(&f.sql));
            }
            if ix.parts.iter().any(|p| p.prefix_len.is_some()) {
                let lens: Vec<String> = ix
                    .parts
                    .iter()
                    .map(|p| p.prefix_len.unwrap_or(0).to_string())
                    .collect();
                let _ = write!(config, ".HasPrefixLength({})", lens.join(", "));
            }
            config.push_str(";\n");
        }
        for fk in &t.foreign_keys {
            let Some(target) = class_of(&fk.ref_table) else {
                return Err(WriteError::Unsupported(format!(
                    "foreign key of {} references {}, which is not in the schema",
                    q.name, fk.ref_table.name
                )));
            };
            let (_, tt) = tables
                .iter()
                .find(|(x, _)| *x == fk.ref_table)
                .expect("found");
            let tprops: HashMap<String, String> = prop_names(target, tt).into_iter().collect();
            let _ = write!(
                config,
                "{e}entity.HasOne<{target}>()\n{e}    .WithMany()\n{e}    .HasForeignKey({})",
                selector(&props, &fk.columns, "e")
            );
            let ref_pk = tt
                .primary_key
                .as_ref()
                .map(|p| p.columns.clone())
                .unwrap_or_default();
            if fk.ref_columns != ref_pk {
                let _ = write!(
                    config,
                    "\n{e}    .HasPrincipalKey({})",
                    selector(&tprops, &fk.ref_columns, "p")
                );
            }
            let behavior = match fk.on_delete {
                FkAction::Cascade => "Cascade",
                FkAction::SetNull => "SetNull",
                FkAction::Restrict => "Restrict",
                FkAction::NoAction if d == Dialect::Mysql => {
                    return Err(super::snapshot::mysql_no_action(fk));
                }
                FkAction::NoAction => "NoAction",
                FkAction::SetDefault => {
                    return Err(WriteError::Unsupported(format!(
                        "ON DELETE SET DEFAULT on {} has no EF Core DeleteBehavior",
                        q.name
                    )));
                }
            };
            if fk.on_update != super::snapshot::default_on_update(d) || fk.deferrable.is_some() {
                return Err(WriteError::Unsupported(format!(
                    "a foreign key of {} has ON UPDATE or DEFERRABLE, which EF Core models cannot hold",
                    q.name
                )));
            }
            let _ = write!(config, "\n{e}    .OnDelete(DeleteBehavior.{behavior})");
            if let Some(n) = &fk.name {
                let _ = write!(config, "\n{e}    .HasConstraintName({})", lit(n));
            }
            config.push_str(";\n");
        }
        let _ = writeln!(config, "        }});\n");
    }
    // Pomelo: UseMySql with the server version (MariaDbServerVersion for MariaDB) when the
    // options were not given to the constructor.
    let configuring = if d == Dialect::Mysql {
        "\n    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)\n    {\n        if (!optionsBuilder.IsConfigured)\n        {\n            var connectionString = Environment.GetEnvironmentVariable(\"APP_DATABASE\") ?? \"server=localhost;database=app;user=root\";\n            optionsBuilder.UseMySql(connectionString, new MySqlServerVersion(new Version(8, 0, 36)));\n        }\n    }\n"
    } else {
        ""
    };
    files.push(OutputFile {
        path: PathBuf::from(format!("{CONTEXT}.cs")),
        contents: format!(
            "using Microsoft.EntityFrameworkCore;\nusing {NAMESPACE}.Entities;\n\nnamespace {NAMESPACE};\n\npublic class {CONTEXT} : DbContext\n{{\n    public {CONTEXT}(DbContextOptions<{CONTEXT}> options)\n        : base(options)\n    {{\n    }}\n\n{dbsets}{configuring}\n    protected override void OnModelCreating(ModelBuilder modelBuilder)\n    {{\n{}    }}\n}}\n",
            config.trim_end_matches('\n').to_string() + "\n"
        ),
    });
    let package = match d {
        Dialect::Postgres => {
            "<PackageReference Include=\"Npgsql.EntityFrameworkCore.PostgreSQL\" Version=\"9.0.4\" />"
        }
        Dialect::Mysql => {
            "<PackageReference Include=\"Pomelo.EntityFrameworkCore.MySql\" Version=\"9.0.0\" />"
        }
        _ => {
            "<PackageReference Include=\"Microsoft.EntityFrameworkCore.Sqlite\" Version=\"9.0.8\" />"
        }
    };
    files.push(OutputFile {
        path: PathBuf::from("App.csproj"),
        contents: format!(
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n\n  <PropertyGroup>\n    <TargetFramework>net9.0</TargetFramework>\n    <Nullable>enable</Nullable>\n    <ImplicitUsings>enable</ImplicitUsings>\n  </PropertyGroup>\n\n  <ItemGroup>\n    {package}\n    <PackageReference Include=\"Microsoft.EntityFrameworkCore.Design\" Version=\"9.0.8\">\n      <PrivateAssets>all</PrivateAssets>\n    </PackageReference>\n  </ItemGroup>\n\n</Project>\n"
        ),
    });
    Ok(files)
}
