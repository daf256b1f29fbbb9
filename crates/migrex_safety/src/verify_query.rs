//! A verification query per step: one `SELECT EXISTS (...)`-style query that returns true (1)
//! when the step's effect is present in the database and false (0) when it is not, so an operator
//! can check a step after running it (or after rolling it back).

use migrex_dialect::{format_type, quote_string};
use migrex_model::{Change, Column, ColumnType, Dialect, QualifiedName};

fn s(dialect: Dialect, text: &str) -> String {
    quote_string(dialect, text)
}

fn not(q: String) -> String {
    format!("SELECT NOT ({})", q.trim_start_matches("SELECT "))
}

fn and(a: String, b: String) -> String {
    format!(
        "SELECT ({}) AND ({})",
        a.trim_start_matches("SELECT "),
        b.trim_start_matches("SELECT ")
    )
}

/// The namespace condition of a PostgreSQL object (`public` when empty).
fn pg_ns(name: &QualifiedName) -> String {
    let ns = if name.namespace.is_empty() {
        "public"
    } else {
        &name.namespace
    };
    s(Dialect::Postgres, ns)
}

fn table_exists(d: Dialect, t: &QualifiedName) -> String {
    match d {
        Dialect::Postgres => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND c.relkind IN ('r', 'p'))",
            pg_ns(t),
            s(d, &t.name)
        ),
        Dialect::Mysql => format!(
            "SELECT EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} AND TABLE_TYPE = 'BASE TABLE')",
            s(d, &t.name)
        ),
        Dialect::Sqlite => format!(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = {})",
            s(d, &t.name)
        ),
    }
}

/// The column exists; with `col`, also with its type (when the catalog spells it comparably)
/// and nullability.
fn column_exists(d: Dialect, t: &QualifiedName, name: &str, col: Option<&Column>) -> String {
    match d {
        Dialect::Postgres => {
            let mut cond = String::new();
            if let Some(c) = col {
                if !matches!(
                    c.ty,
                    ColumnType::UserDefined { .. } | ColumnType::Array { .. }
                ) {
                    cond.push_str(&format!(
                        " AND format_type(a.atttypid, a.atttypmod) = {}",
                        s(d, &format_type(d, &c.ty))
                    ));
                }
                cond.push_str(&format!(" AND a.attnotnull = {}", !c.nullable));
            }
            format!(
                "SELECT EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND a.attname = {} AND a.attnum > 0 AND NOT a.attisdropped{cond})",
                pg_ns(t),
                s(d, &t.name),
                s(d, name)
            )
        }
        Dialect::Mysql => {
            let mut cond = String::new();
            if let Some(c) = col {
                let spelled = format_type(d, &c.ty).to_ascii_lowercase();
                let base: String = spelled
                    .chars()
                    .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                    .collect();
                if !base.is_empty() {
                    cond.push_str(&format!(" AND LOWER(DATA_TYPE) = {}", s(d, &base)));
                }
                if let ColumnType::Text {
                    max_len: Some(n), ..
                } = c.ty
                {
                    cond.push_str(&format!(" AND CHARACTER_MAXIMUM_LENGTH = {n}"));
                }
                cond.push_str(&format!(
                    " AND IS_NULLABLE = {}",
                    s(d, if c.nullable { "YES" } else { "NO" })
                ));
            }
            format!(
                "SELECT EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} AND COLUMN_NAME = {}{cond})",
                s(d, &t.name),
                s(d, name)
            )
        }
        Dialect::Sqlite => {
            let mut cond = String::new();
            if let Some(c) = col {
                cond.push_str(&format!(
                    " AND upper(type) = upper({})",
                    s(d, &format_type(d, &c.ty))
                ));
                // A PRIMARY KEY column may be NULL-able in SQLite's eyes; check only NOT NULL.
                if !c.nullable {
                    cond.push_str(" AND (\"notnull\" = 1 OR pk > 0)");
                }
            }
            format!(
                "SELECT EXISTS (SELECT 1 FROM pragma_table_info({}) WHERE name = {}{cond})",
                s(d, &t.name),
                s(d, name)
            )
        }
    }
}

fn index_exists(d: Dialect, t: &QualifiedName, name: &str) -> String {
    match d {
        Dialect::Postgres => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = {} AND tablename = {} AND indexname = {})",
            pg_ns(t),
            s(d, &t.name),
            s(d, name)
        ),
        Dialect::Mysql => format!(
            "SELECT EXISTS (SELECT 1 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} AND INDEX_NAME = {})",
            s(d, &t.name),
            s(d, name)
        ),
        Dialect::Sqlite => format!(
            "SELECT EXISTS (SELECT 1 FROM pragma_index_list({}) WHERE name = {})",
            s(d, &t.name),
            s(d, name)
        ),
    }
}

/// A constraint by name (`kind`: PostgreSQL contype `p`/`u`/`f`/`c`/`x`; MySQL CONSTRAINT_TYPE).
fn constraint_exists(d: Dialect, t: &QualifiedName, name: &str, kind: char) -> Option<String> {
    match d {
        Dialect::Postgres => Some(format!(
            "SELECT EXISTS (SELECT 1 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND k.conname = {} AND k.contype = '{kind}')",
            pg_ns(t),
            s(d, &t.name),
            s(d, name)
        )),
        Dialect::Mysql => {
            let ty = match kind {
                'p' => "PRIMARY KEY",
                'u' => "UNIQUE",
                'f' => "FOREIGN KEY",
                'c' => "CHECK",
                _ => return None,
            };
            Some(format!(
                "SELECT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = {} AND CONSTRAINT_NAME = {} AND CONSTRAINT_TYPE = '{ty}')",
                s(d, &t.name),
                s(d, name)
            ))
        }
        Dialect::Sqlite => None,
    }
}

fn primary_key_exists(d: Dialect, t: &QualifiedName) -> String {
    match d {
        Dialect::Postgres => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND k.contype = 'p')",
            pg_ns(t),
            s(d, &t.name)
        ),
        Dialect::Mysql => format!(
            "SELECT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = {} AND CONSTRAINT_TYPE = 'PRIMARY KEY')",
            s(d, &t.name)
        ),
        Dialect::Sqlite => format!(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info({}) WHERE pk > 0)",
            s(d, &t.name)
        ),
    }
}

fn view_exists(d: Dialect, v: &QualifiedName) -> String {
    match d {
        Dialect::Postgres => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND c.relkind IN ('v', 'm'))",
            pg_ns(v),
            s(d, &v.name)
        ),
        Dialect::Mysql => format!(
            "SELECT EXISTS (SELECT 1 FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {})",
            s(d, &v.name)
        ),
        Dialect::Sqlite => format!(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'view' AND name = {})",
            s(d, &v.name)
        ),
    }
}

fn trigger_exists(d: Dialect, t: &QualifiedName, name: &str) -> String {
    match d {
        Dialect::Postgres => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND g.tgname = {})",
            pg_ns(t),
            s(d, &t.name),
            s(d, name)
        ),
        Dialect::Mysql => format!(
            "SELECT EXISTS (SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = {} AND TRIGGER_NAME = {})",
            s(d, &t.name),
            s(d, name)
        ),
        Dialect::Sqlite => format!(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = {} AND name = {})",
            s(d, &t.name),
            s(d, name)
        ),
    }
}

/// PostgreSQL catalog objects outside tables: `kind` selects the catalog.
fn pg_object(kind: &str, name: &QualifiedName) -> String {
    let d = Dialect::Postgres;
    match kind {
        "enum" | "domain" | "type" => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = {} AND t.typname = {} AND t.typtype = '{}')",
            pg_ns(name),
            s(d, &name.name),
            match kind {
                "enum" => 'e',
                "domain" => 'd',
                _ => 'c',
            }
        ),
        "sequence" => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND c.relkind = 'S')",
            pg_ns(name),
            s(d, &name.name)
        ),
        _ => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = {} AND p.proname = {})",
            pg_ns(name),
            s(d, &name.name)
        ),
    }
}

/// A query that returns true (1) when `change` is in effect, or `None` when there is no simple
/// catalog check for it.
pub fn verification_query(change: &Change, dialect: Dialect) -> Option<String> {
    use Change as C;
    let d = dialect;
    let pg = d == Dialect::Postgres;
    #[allow(unreachable_patterns)]
    Some(match change {
        C::CreateTable { name, .. } => table_exists(d, name),
        C::DropTable { name, .. } => not(table_exists(d, name)),
        C::RenameTable { from, to } => and(table_exists(d, to), not(table_exists(d, from))),
        C::AddColumn { table, column } => column_exists(d, table, &column.name, Some(column)),
        C::DropColumn { table, column } => not(column_exists(d, table, &column.name, None)),
        C::RenameColumn { table, from, to } => and(
            column_exists(d, table, to, None),
            not(column_exists(d, table, from, None)),
        ),
        C::AlterColumn { table, to, .. } => column_exists(d, table, &to.name, Some(to)),
        C::RebuildTable { name, to, .. } => {
            let cols: Vec<String> = to.columns.keys().map(|c| s(d, c)).collect();
            format!(
                "SELECT (SELECT count(*) FROM pragma_table_info({t}) WHERE name IN ({list})) = {n} AND (SELECT count(*) FROM pragma_table_info({t})) = {n}",
                t = s(d, &name.name),
                list = cols.join(", "),
                n = cols.len()
            )
        }
        C::AddPrimaryKey { table, .. } => primary_key_exists(d, table),
        C::DropPrimaryKey { table, .. } => not(primary_key_exists(d, table)),
        C::AddUnique { table, unique } => {
            let name = unique.name.as_deref()?;
            if d == Dialect::Sqlite {
                // SQLite keeps a unique constraint as an automatic index.
                return None;
            }
            constraint_exists(d, table, name, 'u')?
        }
        C::DropUnique { table, unique } => {
            not(constraint_exists(d, table, unique.name.as_deref()?, 'u')?)
        }
        C::AddForeignKey { table, foreign_key } => match d {
            Dialect::Sqlite => format!(
                "SELECT EXISTS (SELECT 1 FROM pragma_foreign_key_list({}) WHERE \"table\" = {})",
                s(d, &table.name),
                s(d, &foreign_key.ref_table.name)
            ),
            _ => constraint_exists(d, table, foreign_key.name.as_deref()?, 'f')?,
        },
        C::DropForeignKey { table, foreign_key } => not(constraint_exists(
            d,
            table,
            foreign_key.name.as_deref()?,
            'f',
        )?),
        C::AddCheck { table, check } => constraint_exists(d, table, check.name.as_deref()?, 'c')?,
        C::DropCheck { table, check } => {
            not(constraint_exists(d, table, check.name.as_deref()?, 'c')?)
        }
        C::AddExclusion { table, exclusion } => constraint_exists(d, table, &exclusion.name, 'x')?,
        C::DropExclusion { table, exclusion } => {
            not(constraint_exists(d, table, &exclusion.name, 'x')?)
        }
        C::CreateIndex { table, index } => index_exists(d, table, &index.name),
        C::DropIndex { table, index } => not(index_exists(d, table, &index.name)),
        C::RenameIndex { table, from, to } => and(
            index_exists(d, table, to),
            not(index_exists(d, table, from)),
        ),
        C::CreateView { name, .. } => view_exists(d, name),
        C::DropView { name, .. } => not(view_exists(d, name)),
        C::CreateTrigger { trigger } => trigger_exists(d, &trigger.table, &trigger.name),
        C::DropTrigger { trigger } => not(trigger_exists(d, &trigger.table, &trigger.name)),
        C::CreateEnum { name, .. } if pg => pg_object("enum", name),
        C::DropEnum { name, .. } if pg => not(pg_object("enum", name)),
        C::AddEnumValue { name, value, .. } if pg => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = {} AND t.typname = {} AND e.enumlabel = {})",
            pg_ns(name),
            s(d, &name.name),
            s(d, value)
        ),
        C::CreateDomain { name, .. } if pg => pg_object("domain", name),
        C::DropDomain { name, .. } if pg => not(pg_object("domain", name)),
        C::CreateCompositeType { name, .. } if pg => pg_object("type", name),
        C::DropCompositeType { name, .. } if pg => not(pg_object("type", name)),
        C::CreateSequence { name, .. } if pg => pg_object("sequence", name),
        C::DropSequence { name, .. } if pg => not(pg_object("sequence", name)),
        C::CreateFunction { name, .. } if pg => pg_object("function", name),
        C::CreateFunction { name, .. } if d == Dialect::Mysql => format!(
            "SELECT EXISTS (SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = {})",
            s(d, &name.name)
        ),
        C::CreateNamespace { name } if pg => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = {})",
            s(d, name)
        ),
        C::DropNamespace { name } if pg => format!(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = {})",
            s(d, name)
        ),
        C::CreateExtension { extension } if pg => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = {})",
            s(d, &extension.name)
        ),
        C::DropExtension { extension } if pg => format!(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = {})",
            s(d, &extension.name)
        ),
        C::CreatePolicy { table, policy } if pg => format!(
            "SELECT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = {} AND tablename = {} AND policyname = {})",
            pg_ns(table),
            s(d, &table.name),
            s(d, &policy.name)
        ),
        C::DropPolicy { table, policy } if pg => format!(
            "SELECT NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = {} AND tablename = {} AND policyname = {})",
            pg_ns(table),
            s(d, &table.name),
            s(d, &policy.name)
        ),
        _ => return None,
    })
}
