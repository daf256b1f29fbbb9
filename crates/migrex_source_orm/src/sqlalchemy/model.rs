//! SQLAlchemy's table metadata as the models declare it (before any dialect compiles it): what
//! `Base.metadata` holds after the model modules are imported.

/// A SQLAlchemy type, as the models name it.
#[derive(Debug, Clone, PartialEq)]
pub enum SaType {
    Integer,
    BigInteger,
    SmallInteger,
    /// `String(n)`, `Unicode(n)`, `VARCHAR(n)`.
    String(Option<u32>),
    /// `CHAR(n)`.
    Char(Option<u32>),
    Text,
    Boolean,
    /// `Float(precision)`.
    Float(Option<u32>),
    /// `REAL`.
    Real,
    Double,
    /// `Numeric(p, s)`; `DECIMAL` prints as DECIMAL.
    Numeric {
        precision: Option<u32>,
        scale: Option<u32>,
        decimal: bool,
    },
    DateTime {
        timezone: bool,
    },
    /// Upper-case `TIMESTAMP` (spelled TIMESTAMP on SQLite).
    Timestamp {
        timezone: bool,
    },
    Date,
    Time {
        timezone: bool,
    },
    Interval,
    LargeBinary,
    Json,
    Jsonb,
    Uuid,
    Enum(EnumDef),
    Array(Box<SaType>),
}

/// `Enum(...)`: string values or a Python enum class.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// The type name (`name=`, else the Python enum class name lowercased).
    pub name: Option<String>,
    pub values: Vec<String>,
    pub native: bool,
    pub create_constraint: bool,
    pub length: Option<u32>,
    /// The Python enum class, when the values come from one.
    pub class: Option<String>,
}

impl SaType {
    /// `sa.*` as Alembic and model files spell it.
    pub fn python(&self) -> String {
        match self {
            SaType::Integer => "sa.Integer()".into(),
            SaType::BigInteger => "sa.BigInteger()".into(),
            SaType::SmallInteger => "sa.SmallInteger()".into(),
            SaType::String(None) => "sa.String()".into(),
            SaType::String(Some(n)) => format!("sa.String(length={n})"),
            SaType::Char(None) => "sa.CHAR()".into(),
            SaType::Char(Some(n)) => format!("sa.CHAR(length={n})"),
            SaType::Text => "sa.Text()".into(),
            SaType::Boolean => "sa.Boolean()".into(),
            SaType::Float(None) => "sa.Float()".into(),
            SaType::Float(Some(p)) => format!("sa.Float(precision={p})"),
            SaType::Real => "sa.REAL()".into(),
            SaType::Double => "sa.Double()".into(),
            SaType::Numeric {
                precision,
                scale,
                decimal,
            } => {
                let f = if *decimal { "sa.DECIMAL" } else { "sa.Numeric" };
                match (precision, scale) {
                    (Some(p), Some(s)) => format!("{f}(precision={p}, scale={s})"),
                    (Some(p), None) => format!("{f}(precision={p})"),
                    _ => format!("{f}()"),
                }
            }
            SaType::DateTime { timezone: false } => "sa.DateTime()".into(),
            SaType::DateTime { timezone: true } => "sa.DateTime(timezone=True)".into(),
            SaType::Timestamp { timezone: false } => "sa.TIMESTAMP()".into(),
            SaType::Timestamp { timezone: true } => "sa.TIMESTAMP(timezone=True)".into(),
            SaType::Date => "sa.Date()".into(),
            SaType::Time { timezone: false } => "sa.Time()".into(),
            SaType::Time { timezone: true } => "sa.Time(timezone=True)".into(),
            SaType::Interval => "sa.Interval()".into(),
            SaType::LargeBinary => "sa.LargeBinary()".into(),
            SaType::Json => "sa.JSON()".into(),
            SaType::Jsonb => "postgresql.JSONB()".into(),
            SaType::Uuid => "sa.Uuid()".into(),
            SaType::Enum(e) => {
                let mut args: Vec<String> = e.values.iter().map(|v| py_str(v)).collect();
                if let Some(n) = &e.name {
                    args.push(format!("name={}", py_str(n)));
                }
                if !e.native {
                    args.push("native_enum=False".into());
                }
                if e.create_constraint {
                    args.push("create_constraint=True".into());
                }
                if let Some(l) = e.length {
                    args.push(format!("length={l}"));
                }
                format!("sa.Enum({})", args.join(", "))
            }
            SaType::Array(inner) => format!("postgresql.ARRAY({})", inner.python()),
        }
    }
}

/// A Python string literal.
pub fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A `server_default=`.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerDefault {
    /// A Python string: a quoted SQL literal.
    Str(String),
    /// `text("...")` / `literal_column("...")`: SQL as written.
    Text(String),
    /// `func.name(args)`: the SQL function call (args already SQL).
    Func { name: String, args: Vec<String> },
    /// `true()` / `false()`.
    Bool(bool),
}

impl ServerDefault {
    /// The Python expression, `sa.`-qualified.
    pub fn python(&self) -> String {
        match self {
            ServerDefault::Str(s) => py_str(s),
            ServerDefault::Text(s) => format!("sa.text({})", py_str(s)),
            ServerDefault::Func { name, args } => {
                if args.is_empty() {
                    format!("sa.func.{name}()")
                } else {
                    format!(
                        "sa.text({})",
                        py_str(&format!("{name}({})", args.join(", ")))
                    )
                }
            }
            ServerDefault::Bool(true) => "sa.true()".into(),
            ServerDefault::Bool(false) => "sa.false()".into(),
        }
    }
}

/// `autoincrement=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Autoincrement {
    #[default]
    Auto,
    True,
    False,
    IgnoreFk,
}

/// One `ForeignKey(...)` or `ForeignKeyConstraint(...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FkDef {
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// `schema.table` or `table` as written in the target spec.
    pub ref_schema: Option<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub ondelete: Option<String>,
    pub onupdate: Option<String>,
    pub deferrable: Option<bool>,
    pub initially: Option<String>,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    /// The attribute the model maps it to, when it differs or comes from a class.
    pub key: String,
    pub ty: SaType,
    pub nullable: bool,
    pub primary_key: bool,
    pub autoincrement: Autoincrement,
    /// `unique=True` (a table-level unique constraint, or a unique index with `index=True`).
    pub unique: bool,
    pub index: bool,
    pub server_default: Option<ServerDefault>,
    /// A Python-side `default=` was given (no DB default; it turns autoincrement off).
    pub python_default: bool,
    pub foreign_key: Option<FkDef>,
    /// Column-level `CheckConstraint`s.
    pub checks: Vec<CheckDef>,
    pub comment: Option<String>,
    pub sort_order: i64,
    /// `Column(ForeignKey(...))` without a type: the referenced column's type.
    pub type_from_fk: bool,
    /// `Identity(...)` as the compiler writes it (`GENERATED BY DEFAULT AS IDENTITY (...)`).
    pub identity: Option<String>,
    /// `Computed(sqltext, persisted=...)`: the expression and `persisted`.
    pub computed: Option<(String, Option<bool>)>,
    /// `nullable=` was written (MariaDB's compiler leaves a computed column nullable otherwise).
    pub nullable_given: bool,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CheckDef {
    pub name: Option<String>,
    pub sql: String,
    pub location: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UniqueDef {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub location: String,
}

/// One element of an `Index(...)`: a column or a SQL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexElement {
    Column(String),
    Expr(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndexDef {
    pub name: Option<String>,
    pub elements: Vec<IndexElement>,
    pub unique: bool,
    pub postgresql_where: Option<String>,
    pub sqlite_where: Option<String>,
    pub postgresql_using: Option<String>,
    /// Made by `index=True` on a column.
    pub from_column: bool,
    pub location: String,
}

/// A table as `MetaData` holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDef {
    pub name: String,
    pub schema: Option<String>,
    pub comment: Option<String>,
    /// The mapped class, for declarative tables (`None` for `Table(...)` objects).
    pub class_name: Option<String>,
    pub columns: Vec<ColumnDef>,
    pub pk_name: Option<String>,
    /// An explicit `PrimaryKeyConstraint(...)` in the table args.
    pub pk_columns: Option<Vec<String>>,
    pub uniques: Vec<UniqueDef>,
    pub checks: Vec<CheckDef>,
    pub foreign_keys: Vec<FkDef>,
    pub indexes: Vec<IndexDef>,
    pub sqlite_autoincrement: bool,
    /// The naming convention of the table's `MetaData`.
    pub convention: Vec<(String, String)>,
    pub file: std::path::PathBuf,
    pub location: String,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .or_else(|| self.columns.iter().find(|c| c.key == name))
    }

    /// The primary key columns (explicit constraint, else the `primary_key=True` columns).
    pub fn primary_key(&self) -> Vec<String> {
        match &self.pk_columns {
            Some(cols) => cols.clone(),
            None => self
                .columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.name.clone())
                .collect(),
        }
    }

    /// SQLAlchemy's `Table._autoincrement_column` (`PrimaryKeyConstraint._autoincrement_column`).
    pub fn autoincrement_column(&self) -> Option<&ColumnDef> {
        let pk = self.primary_key();
        if pk.len() == 1 {
            let col = self.column(&pk[0])?;
            let integer = matches!(
                col.ty,
                SaType::Integer | SaType::BigInteger | SaType::SmallInteger
            );
            let ok = match col.autoincrement {
                Autoincrement::False => false,
                Autoincrement::True => integer,
                Autoincrement::Auto | Autoincrement::IgnoreFk => {
                    integer
                        && !col.python_default
                        && col.server_default.is_none()
                        && (col.foreign_key.is_none()
                            || col.autoincrement == Autoincrement::IgnoreFk)
                }
            };
            ok.then_some(col)
        } else {
            // Several columns: only one explicitly marked autoincrement=True counts.
            pk.iter()
                .filter_map(|n| self.column(n))
                .find(|c| c.autoincrement == Autoincrement::True)
        }
    }
}
