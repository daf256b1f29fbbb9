//! The SQL TypeORM 1.x's schema builder runs for a set of entities on an empty database
//! (`synchronize`, or `migration:generate` from nothing), for PostgreSQL and better-sqlite3:
//! column types (`normalizeType` + `createFullType` of each driver), defaults
//! (`normalizeDefault`), and every constraint and index name from `DefaultNamingStrategy`
//! (SHA-1 hashes of the table and sorted column names). The reader parses this SQL with
//! `migrex_source_sql`; the tests compare it with what real TypeORM builds.
//!
//! Ported from typeorm 1.1.1: `metadata-builder/EntityMetadataBuilder`,
//! `RelationJoinColumnBuilder` (join columns `camelCase(relation + "_" + referencedProperty)`,
//! typed like the referenced column), `JunctionEntityMetadataBuilder` (`@JoinTable` tables,
//! FKs `ON DELETE CASCADE ON UPDATE CASCADE`), `naming-strategy/DefaultNamingStrategy`, and the
//! drivers' `createTable` statements.

use super::parse::{ClassDef, Decorator, EnumDef, File, Pos, Property, TsType, Val, Value};
use crate::OrmError;
use migrex_model::Dialect;
use sha1::{Digest, Sha1};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Where a generated object came from (`table public.users` -> file:line:col).
pub type Origins = Vec<(String, String)>;

// ---------------------------------------------------------------- naming (DefaultNamingStrategy)

fn sha1_hex(s: &str) -> String {
    let d = Sha1::digest(s.as_bytes());
    d.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn key(table: &str, columns: &[String]) -> String {
    let mut cols = columns.to_vec();
    // JavaScript's default sort: UTF-16 code units, which equals byte order for ASCII names.
    cols.sort();
    let table = table
        .rsplit('.')
        .next()
        .unwrap_or(table)
        .replacen('.', "_", 1);
    format!("{table}_{}", cols.join("_"))
}

pub fn primary_key_name(table: &str, columns: &[String]) -> String {
    format!("PK_{}", &sha1_hex(&key(table, columns))[..27])
}
pub fn unique_name(table: &str, columns: &[String]) -> String {
    format!("UQ_{}", &sha1_hex(&key(table, columns))[..27])
}
pub fn relation_constraint_name(table: &str, columns: &[String]) -> String {
    format!("REL_{}", &sha1_hex(&key(table, columns))[..26])
}
pub fn foreign_key_name(table: &str, columns: &[String]) -> String {
    format!("FK_{}", &sha1_hex(&key(table, columns))[..27])
}
pub fn index_name(table: &str, columns: &[String], where_: Option<&str>) -> String {
    let mut k = key(table, columns);
    if let Some(w) = where_ {
        k.push('_');
        k.push_str(w);
    }
    format!("IDX_{}", &sha1_hex(&k)[..26])
}
pub fn check_name(table: &str, expression: &str) -> String {
    let table = table.rsplit('.').next().unwrap_or(table);
    format!("CHK_{}", &sha1_hex(&format!("{table}_{expression}"))[..26])
}

/// TypeORM's `camelCase`: `^([A-Z])` lowered, `[\s-_](\w)` upper-cased without the separator.
pub fn camel_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if i == 0 && c.is_ascii_uppercase() {
            out.push(c.to_ascii_lowercase());
        } else if (c.is_whitespace() || c == '-' || c == '_')
            && chars
                .get(i + 1)
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
        {
            out.extend(chars[i + 1].to_uppercase());
            i += 1;
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// TypeORM's `snakeCase`: `([A-Z])([A-Z])([a-z])` -> `$1_$2$3`, `([a-z0-9])([A-Z])` -> `$1_$2`,
/// then lower case.
pub fn snake_case(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    // First pass (non-overlapping, left to right, as String.replace with /g).
    let mut a: Vec<char> = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if i + 2 < c.len()
            && c[i].is_ascii_uppercase()
            && c[i + 1].is_ascii_uppercase()
            && c[i + 2].is_ascii_lowercase()
        {
            a.extend([c[i], '_', c[i + 1], c[i + 2]]);
            i += 3;
        } else {
            a.push(c[i]);
            i += 1;
        }
    }
    let mut b: Vec<char> = Vec::new();
    let mut i = 0;
    while i < a.len() {
        if i + 1 < a.len()
            && (a[i].is_ascii_lowercase() || a[i].is_ascii_digit())
            && a[i + 1].is_ascii_uppercase()
        {
            b.extend([a[i], '_', a[i + 1]]);
            i += 2;
        } else {
            b.push(a[i]);
            i += 1;
        }
    }
    b.into_iter().collect::<String>().to_lowercase()
}

/// TypeORM's `titleCase` of a single word: first letter upper, the rest lower.
fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f
            .to_uppercase()
            .chain(c.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------- resolved entities

#[derive(Debug, Clone, PartialEq)]
pub enum Gen {
    Increment,
    Uuid,
    Identity { always: bool },
}

#[derive(Debug, Clone)]
pub struct Col {
    pub prop: String,
    pub name: String,
    /// The driver's normalized type (`character varying`, `integer`, `enum`).
    pub ty: String,
    pub length: Option<String>,
    pub precision: Option<String>,
    pub scale: Option<String>,
    pub nullable: bool,
    /// The default as SQL, already normalized for the dialect.
    pub default: Option<String>,
    pub primary: bool,
    pub generated: Option<Gen>,
    pub unique: bool,
    pub enum_values: Option<Vec<String>>,
    pub enum_name: Option<String>,
    pub array: bool,
    pub comment: Option<String>,
    /// `primaryKeyConstraintName`.
    pub pk_name: Option<String>,
    pub collation: Option<String>,
    /// MySQL's `ON UPDATE` (UpdateDateColumn's `CURRENT_TIMESTAMP(6)`).
    pub on_update: Option<String>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct Fk {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_schema: Option<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: String,
    pub on_update: String,
    pub deferrable: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Idx {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub where_: Option<String>,
}

/// One table TypeORM creates: an entity's, or a `@JoinTable` junction.
#[derive(Debug, Clone)]
pub struct Table {
    /// The entity class, `None` for junction tables.
    pub class: Option<String>,
    pub name: String,
    pub schema: Option<String>,
    pub columns: Vec<Col>,
    pub uniques: Vec<(String, Vec<String>)>,
    pub checks: Vec<(String, String)>,
    pub indexes: Vec<Idx>,
    pub fks: Vec<Fk>,
    pub file: usize,
    pub pos: Pos,
}

struct Ctx<'a> {
    files: &'a [File],
    dialect: Dialect,
    classes: HashMap<&'a str, &'a ClassDef>,
    enums: HashMap<&'a str, &'a EnumDef>,
}

fn err(file: &File, pos: Pos, msg: String) -> OrmError {
    OrmError::at(&file.path, &file.text, pos.line, pos.column, msg)
}

fn num_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

const COLUMN_DECORATORS: [&str; 7] = [
    "Column",
    "PrimaryColumn",
    "PrimaryGeneratedColumn",
    "CreateDateColumn",
    "UpdateDateColumn",
    "DeleteDateColumn",
    "VersionColumn",
];

/// TypeORM decorators migrex does not read: they would change the tables.
const UNSUPPORTED: [&str; 9] = [
    "ViewEntity",
    "ViewColumn",
    "ObjectIdColumn",
    "Tree",
    "TreeChildren",
    "TreeParent",
    "TreeLevelColumn",
    "Exclusion",
    "ForeignKey",
];

impl<'a> Ctx<'a> {
    fn file(&self, c: &ClassDef) -> &'a File {
        &self.files[c.file]
    }

    /// The class and its ancestors' properties, ancestors first (TypeORM registers a parent's
    /// decorators first, and filters the global list by the inheritance tree).
    fn properties(&self, c: &'a ClassDef) -> Vec<(&'a ClassDef, &'a Property)> {
        let mut chain = vec![c];
        let mut cur = c;
        while let Some(parent) = cur.extends.as_deref().and_then(|p| self.classes.get(p)) {
            if chain.iter().any(|x| std::ptr::eq(*x, *parent)) {
                break;
            }
            chain.push(parent);
            cur = parent;
        }
        let mut out: Vec<(&ClassDef, &Property)> = Vec::new();
        for cls in chain.iter().rev() {
            for p in &cls.properties {
                // An overriding property replaces the inherited one in place.
                if let Some(slot) = out.iter_mut().find(|(_, q)| q.name == p.name) {
                    if !p.decorators.is_empty() {
                        *slot = (cls, p);
                    }
                } else {
                    out.push((cls, p));
                }
            }
        }
        out
    }

    /// The `@ChildEntity` classes stored in `c`'s table (single-table inheritance), in
    /// declaration order.
    fn sti_children(&self, c: &ClassDef) -> Vec<&'a ClassDef> {
        let mut out = Vec::new();
        for f in self.files {
            for k in &f.classes {
                if find(&k.decorators, "ChildEntity").is_none() {
                    continue;
                }
                let mut cur = k.extends.as_deref();
                let mut depth = 0;
                while let Some(parent) = cur {
                    if parent == c.name {
                        out.push(k);
                        break;
                    }
                    depth += 1;
                    if depth > 16 {
                        break;
                    }
                    cur = self.classes.get(parent).and_then(|p| p.extends.as_deref());
                }
            }
        }
        out
    }

    fn enum_values(&self, file: &File, v: &Value) -> Result<Vec<String>, OrmError> {
        let scalar = |x: &Value| -> Result<String, OrmError> {
            match &x.val {
                Val::Str(s) => Ok(s.clone()),
                Val::Num(n) => Ok(num_text(*n)),
                _ => Err(err(file, x.pos, "enum values must be literals".into())),
            }
        };
        match &v.val {
            Val::Arr(items) => items.iter().map(scalar).collect(),
            Val::Obj(fields) => fields.iter().map(|(_, x)| scalar(x)).collect(),
            Val::Ident(name) => {
                let Some(e) = self.enums.get(name.as_str()) else {
                    return Err(err(
                        file,
                        v.pos,
                        format!("enum `{name}` is not declared in the project's entity files"),
                    ));
                };
                // A numeric TypeScript enum also maps its values back to the names; TypeORM
                // keeps only the values (`Object.values` filtered to non-numeric keys).
                e.values.iter().map(scalar).collect()
            }
            _ => Err(err(
                file,
                v.pos,
                "`enum:` must be an array, an object or a TypeScript enum".into(),
            )),
        }
    }

    /// An enum member reference (`Role.User`) as its value.
    fn enum_member(&self, v: &Value) -> Option<Value> {
        let Val::Member(path) = &v.val else {
            return None;
        };
        let [e, member] = path.as_slice() else {
            return None;
        };
        let def = self.enums.get(e.as_str())?;
        let file = self
            .files
            .iter()
            .find(|f| f.enums.iter().any(|x| std::ptr::eq(x, *def)))?;
        let _ = file;
        def.values
            .iter()
            .zip(def.members.iter())
            .find(|(_, m)| *m == member)
            .map(|(v, _)| v.clone())
    }

    fn normalize_type(&self, ty: &str) -> String {
        let t = ty.to_ascii_lowercase();
        match self.dialect {
            Dialect::Postgres => match t.as_str() {
                "int" | "int4" | "number" => "integer",
                "varchar" | "string" => "character varying",
                "timestamp" | "date_js" => "timestamp without time zone",
                "timestamptz" => "timestamp with time zone",
                "time" => "time without time zone",
                "timetz" => "time with time zone",
                "bool" | "boolean_js" => "boolean",
                "simple-array" | "simple-json" => "text",
                "simple-enum" => "enum",
                "int2" => "smallint",
                "int8" => "bigint",
                "decimal" => "numeric",
                "float8" | "float" => "double precision",
                "float4" => "real",
                "char" => "character",
                "varbit" => "bit varying",
                other => return other.to_string(),
            }
            .to_string(),
            // MysqlDriver.normalizeType with the `mysql` driver type: no native uuid, which
            // only the `mariadb` type uses, on MariaDB >= 10.7.
            Dialect::Mysql => match t.as_str() {
                "number" | "integer" => "int",
                "string" => "varchar",
                "date_js" => "datetime",
                "boolean_js" | "bool" | "boolean" => "tinyint",
                "uuid" => "varchar",
                "simple-array" | "simple-json" => "text",
                "simple-enum" => "enum",
                "double precision" | "real" => "double",
                "dec" | "numeric" | "fixed" => "decimal",
                "nvarchar" | "national varchar" => "varchar",
                "nchar" | "national char" => "char",
                other => return other.to_string(),
            }
            .to_string(),
            Dialect::Sqlite => match t.as_str() {
                "int" | "number" => "integer",
                "string" => "varchar",
                "date_js" => "datetime",
                "boolean_js" => "boolean",
                "uuid" => "varchar",
                "simple-array" | "simple-json" => "text",
                "simple-enum" => "varchar",
                other => return other.to_string(),
            }
            .to_string(),
        }
    }

    fn supported(&self, normalized: &str) -> bool {
        const PG: &[&str] = &[
            "int",
            "int2",
            "int4",
            "int8",
            "smallint",
            "integer",
            "bigint",
            "decimal",
            "numeric",
            "real",
            "float",
            "float4",
            "float8",
            "double precision",
            "money",
            "character varying",
            "varchar",
            "character",
            "char",
            "text",
            "citext",
            "hstore",
            "bytea",
            "bit",
            "varbit",
            "bit varying",
            "timetz",
            "timestamptz",
            "timestamp",
            "timestamp without time zone",
            "timestamp with time zone",
            "date",
            "time",
            "time without time zone",
            "time with time zone",
            "interval",
            "bool",
            "boolean",
            "enum",
            "point",
            "line",
            "lseg",
            "box",
            "path",
            "polygon",
            "circle",
            "cidr",
            "inet",
            "macaddr",
            "macaddr8",
            "tsvector",
            "tsquery",
            "uuid",
            "xml",
            "json",
            "jsonb",
            "jsonpath",
            "int4range",
            "int8range",
            "numrange",
            "tsrange",
            "tstzrange",
            "daterange",
            "int4multirange",
            "int8multirange",
            "nummultirange",
            "tsmultirange",
            "tstzmultirange",
            "datemultirange",
            "geometry",
            "geography",
            "cube",
            "ltree",
            "vector",
            "halfvec",
        ];
        const SQLITE: &[&str] = &[
            "int",
            "integer",
            "tinyint",
            "smallint",
            "mediumint",
            "bigint",
            "unsigned big int",
            "int2",
            "int8",
            "character",
            "varchar",
            "varying character",
            "nchar",
            "native character",
            "nvarchar",
            "text",
            "clob",
            "blob",
            "real",
            "double",
            "double precision",
            "float",
            "numeric",
            "decimal",
            "boolean",
            "date",
            "time",
            "datetime",
            "json",
            "jsonb",
        ];
        // MysqlDriver.supportedDataTypes; `json` is left out: MariaDB keeps it as longtext
        // with a json_valid CHECK, which the TypeORM entity does not say.
        const MYSQL: &[&str] = &[
            "bit",
            "int",
            "integer",
            "tinyint",
            "smallint",
            "mediumint",
            "bigint",
            "float",
            "double",
            "double precision",
            "real",
            "decimal",
            "dec",
            "numeric",
            "fixed",
            "bool",
            "boolean",
            "date",
            "datetime",
            "timestamp",
            "time",
            "year",
            "char",
            "nchar",
            "national char",
            "varchar",
            "nvarchar",
            "national varchar",
            "blob",
            "text",
            "tinyblob",
            "tinytext",
            "mediumblob",
            "mediumtext",
            "longblob",
            "longtext",
            "enum",
            "binary",
            "varbinary",
        ];
        match self.dialect {
            Dialect::Postgres => PG.contains(&normalized),
            Dialect::Mysql => MYSQL.contains(&normalized),
            Dialect::Sqlite => SQLITE.contains(&normalized),
        }
    }

    /// The type string an argument names: `"varchar"`, or a JS constructor (`String`).
    fn type_arg(&self, v: &Value) -> Option<String> {
        match &v.val {
            Val::Str(s) => Some(s.clone()),
            Val::Ident(i) => match i.as_str() {
                "String" => Some("string".into()),
                "Number" => Some("number".into()),
                "Boolean" => Some("boolean_js".into()),
                "Date" => Some("date_js".into()),
                _ => None,
            },
            _ => None,
        }
    }

    fn reflected(ty: &TsType) -> Option<&'static str> {
        match ty {
            TsType::String => Some("string"),
            TsType::Number => Some("number"),
            TsType::Boolean => Some("boolean_js"),
            TsType::Date => Some("date_js"),
            _ => None,
        }
    }

    /// A default value as the driver's `normalizeDefault` writes it.
    fn default_sql(
        &self,
        file: &File,
        v: &Value,
        ty: &str,
        scale: Option<&str>,
    ) -> Result<Option<String>, OrmError> {
        let v = self.enum_member(v).unwrap_or_else(|| v.clone());
        let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
        Ok(Some(match (&v.val, self.dialect) {
            (Val::Null | Val::Undefined, _) => return Ok(None),
            (Val::Arrow(_, body), d) => match &body.val {
                Val::Str(s) => {
                    if d == Dialect::Postgres {
                        pg_datetime_function(s)
                    } else if d == Dialect::Mysql {
                        mysql_datetime_function(s)
                    } else {
                        s.clone()
                    }
                }
                _ => {
                    return Err(err(
                        file,
                        body.pos,
                        "a default function must return the SQL expression as a string literal"
                            .into(),
                    ));
                }
            },
            (Val::Num(n), Dialect::Postgres) => quote(&num_text(*n)),
            // MysqlDriver.normalizeDefault: enum values quoted as written, numbers with
            // `toFixed(scale)`, strings quoted without escaping (so a quote or backslash in
            // them would not be the value TypeORM writes: refused).
            (Val::Num(n), Dialect::Mysql) if ty == "enum" => format!("'{}'", num_text(*n)),
            (Val::Num(n), Dialect::Mysql) => {
                let digits = scale.and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
                format!("'{n:.digits$}'")
            }
            (Val::Str(s), Dialect::Mysql) => {
                if s.contains('\'') || s.contains('\\') {
                    return Err(err(
                        file,
                        v.pos,
                        "TypeORM's MySQL driver writes string defaults unescaped: a default with ' or \\ is not read".into(),
                    ));
                }
                format!("'{s}'")
            }
            (Val::Arr(_) | Val::Obj(_), Dialect::Mysql) => {
                return Err(err(
                    file,
                    v.pos,
                    "TypeORM's MySQL driver cannot write an array or object default".into(),
                ));
            }
            (Val::Num(n), _) => num_text(*n),
            (Val::Str(s), _) => quote(s),
            (Val::Bool(b), Dialect::Postgres) => b.to_string(),
            (Val::Bool(b), _) => if *b { "1" } else { "0" }.to_string(),
            (Val::Arr(items), Dialect::Postgres) if ty.ends_with("[]") => {
                let parts: Result<Vec<String>, OrmError> = items
                    .iter()
                    .map(|x| match &x.val {
                        Val::Str(s) => Ok(s.clone()),
                        Val::Num(n) => Ok(num_text(*n)),
                        Val::Bool(b) => Ok(b.to_string()),
                        _ => Err(err(file, x.pos, "array defaults must be literals".into())),
                    })
                    .collect();
                quote(&format!("{{{}}}", parts?.join(",")))
            }
            // PostgreSQL keeps a jsonb default in jsonb's own text form.
            (Val::Arr(_) | Val::Obj(_), Dialect::Postgres) if ty == "jsonb" => {
                quote(&jsonb_text(file, &v)?)
            }
            (Val::Arr(_) | Val::Obj(_), _) => quote(&json(file, &v)?),
            _ => {
                return Err(err(
                    file,
                    v.pos,
                    "migrex cannot evaluate this default: use a literal or () => \"SQL\"".into(),
                ));
            }
        }))
    }

    /// A `@Column`-like decorator on a property into a column (or embedded columns).
    fn column(
        &self,
        file: &File,
        prop: &Property,
        deco: &Decorator,
        prefixes: &[String],
        out: &mut Vec<Col>,
        depth: usize,
    ) -> Result<(), OrmError> {
        let kind = deco.name.as_str();
        let mut explicit_type: Option<String> = None;
        let mut options: Option<&Value> = None;
        let mut strategy: Option<String> = None;
        for (i, a) in deco.args.iter().enumerate() {
            match &a.val {
                Val::Obj(_) => options = Some(a),
                Val::Str(s) if kind == "PrimaryGeneratedColumn" && i == 0 => {
                    strategy = Some(s.clone())
                }
                Val::Arrow(_, body) if kind == "Column" && i == 0 => {
                    // Embedded entity: `@Column(() => Address, { prefix })`.
                    let Val::Ident(target) = &body.val else {
                        return Err(err(file, body.pos, "expected a class name".into()));
                    };
                    let Some(cls) = self.classes.get(target.as_str()) else {
                        return Err(err(
                            file,
                            body.pos,
                            format!("embedded class `{target}` is not declared in the project"),
                        ));
                    };
                    if depth > 8 {
                        return Err(err(file, body.pos, "embedded classes nest too deep".into()));
                    }
                    let opts = deco.args.get(1);
                    let mut pre = prefixes.to_vec();
                    match opts.and_then(|o| o.get("prefix")).map(|p| &p.val) {
                        Some(Val::Bool(false)) => {}
                        Some(Val::Str(s)) => pre.push(s.clone()),
                        Some(Val::Bool(true)) | None => pre.push(prop.name.clone()),
                        Some(_) => {
                            return Err(err(file, deco.pos, "`prefix` must be a literal".into()));
                        }
                    }
                    let efile = self.file(cls);
                    for (_, p) in self.properties(cls) {
                        for d in &p.decorators {
                            if COLUMN_DECORATORS.contains(&d.name.as_str()) {
                                self.column(efile, p, d, &pre, out, depth + 1)?;
                            }
                        }
                    }
                    return Ok(());
                }
                _ => match self.type_arg(a) {
                    Some(t) if i == 0 => explicit_type = Some(t),
                    _ => {
                        return Err(err(
                            file,
                            a.pos,
                            format!("migrex cannot evaluate this argument of @{kind}"),
                        ));
                    }
                },
            }
        }
        let opt = |k: &str| options.and_then(|o| o.get(k));
        if let Some(o) = options
            && let Val::Obj(fields) = &o.val
            && let Some((_, bad)) = fields.iter().find(|(k, _)| k.is_empty())
        {
            return Err(err(
                file,
                bad.pos,
                "migrex cannot evaluate this option".into(),
            ));
        }
        let opt_str = |k: &str| -> Result<Option<String>, OrmError> {
            match opt(k) {
                None => Ok(None),
                Some(v) => match &v.val {
                    Val::Str(s) => Ok(Some(s.clone())),
                    Val::Num(n) => Ok(Some(num_text(*n))),
                    Val::Undefined | Val::Null => Ok(None),
                    _ => Err(err(file, v.pos, format!("`{k}` must be a literal"))),
                },
            }
        };
        let opt_bool = |k: &str| -> Result<Option<bool>, OrmError> {
            match opt(k) {
                None => Ok(None),
                Some(v) => match &v.val {
                    Val::Bool(b) => Ok(Some(*b)),
                    _ => Err(err(file, v.pos, format!("`{k}` must be true or false"))),
                },
            }
        };
        // MySQL-only column options that change the column migrex builds: said, not ignored.
        for k in ["unsigned", "zerofill", "charset", "width"] {
            if let Some(v) = opt(k)
                && !matches!(v.val, Val::Bool(false) | Val::Undefined | Val::Null)
            {
                return Err(err(
                    file,
                    v.pos,
                    format!("the column option `{k}` is not read by migrex yet"),
                ));
            }
        }
        if let Some(t) = opt("type") {
            explicit_type = Some(self.type_arg(t).ok_or_else(|| {
                err(
                    file,
                    t.pos,
                    "`type` must be a string or String/Number/Boolean/Date".into(),
                )
            })?);
        }
        if kind == "PrimaryGeneratedColumn"
            && let Some(s) = opt_str("strategy")?
        {
            strategy = Some(s);
        }
        let generated = match kind {
            "PrimaryGeneratedColumn" => Some(match strategy.as_deref().unwrap_or("increment") {
                "increment" => Gen::Increment,
                "uuid" => Gen::Uuid,
                "identity" if self.dialect == Dialect::Mysql => {
                    return Err(err(
                        file,
                        deco.pos,
                        "generation strategy \"identity\" is not supported by TypeORM on MySQL (increment, uuid)".into(),
                    ));
                }
                "identity" => Gen::Identity {
                    always: opt_str("generatedIdentity")?.as_deref() == Some("ALWAYS"),
                },
                other => {
                    return Err(err(
                        file,
                        deco.pos,
                        format!(
                            "generation strategy \"{other}\" is not supported by TypeORM on {} (increment, uuid, identity)",
                            dialect_name(self.dialect)
                        ),
                    ));
                }
            }),
            _ => match opt("generated").map(|g| &g.val) {
                Some(Val::Bool(true)) | Some(Val::Str(_)) => {
                    return Err(err(
                        file,
                        deco.pos,
                        "`generated` on @Column is not read by migrex yet: use @PrimaryGeneratedColumn"
                            .into(),
                    ));
                }
                _ => None,
            },
        };
        let raw_type = match (&explicit_type, &generated, kind) {
            (Some(t), _, _) => t.clone(),
            (None, Some(Gen::Uuid), _) => "uuid".into(),
            (None, Some(_), _) => "int".into(),
            (None, None, "CreateDateColumn" | "UpdateDateColumn" | "DeleteDateColumn") => {
                "date_js".into()
            }
            (None, None, "VersionColumn") => "number".into(),
            (None, None, _) => match Self::reflected(&prop.ty) {
                Some(t) => t.into(),
                None => {
                    return Err(err(
                        file,
                        prop.pos,
                        format!(
                            "the type of `{}` cannot be inferred (TypeORM reflects it as Object): give @{kind} a `type`",
                            prop.name
                        ),
                    ));
                }
            },
        };
        let mut ty = self.normalize_type(&raw_type);
        if self.dialect == Dialect::Mysql && matches!(ty.as_str(), "json" | "set") {
            // json: native on MySQL, longtext plus a json_valid CHECK on MariaDB; set: its
            // default is written from an array. Which one the server builds is not in the project.
            return Err(err(
                file,
                deco.pos,
                format!(
                    "`{}`: {ty} columns on MySQL/MariaDB are not read by migrex yet (the server decides what TypeORM builds)",
                    prop.name
                ),
            ));
        }
        if !self.supported(&ty) {
            return Err(err(
                file,
                deco.pos,
                format!(
                    "Data type \"{raw_type}\" in \"{}\" is not supported by TypeORM's {} driver",
                    prop.name,
                    match self.dialect {
                        Dialect::Postgres => "postgres",
                        Dialect::Mysql => "mysql",
                        Dialect::Sqlite => "better-sqlite3",
                    }
                ),
            ));
        }
        let enum_values = match opt("enum") {
            Some(v) => Some(self.enum_values(file, v)?),
            None if ty == "enum" || raw_type == "simple-enum" => {
                return Err(err(
                    file,
                    deco.pos,
                    format!("`{}` is an enum column without `enum:` values", prop.name),
                ));
            }
            None => None,
        };
        if self.dialect == Dialect::Sqlite && enum_values.is_some() && ty == "varchar" {
            // simple-enum on SQLite: a varchar with an inline CHECK.
        } else if self.dialect != Dialect::Sqlite && enum_values.is_some() {
            ty = "enum".into();
        }
        let own = opt_str("name")?.unwrap_or_else(|| prop.name.clone());
        let name = if prefixes.is_empty() {
            own
        } else {
            format!("{}{}", camel_case(&prefixes.join("_")), title_case(&own))
        };
        let primary = matches!(kind, "PrimaryColumn" | "PrimaryGeneratedColumn")
            || opt_bool("primary")? == Some(true);
        let nullable = match kind {
            "DeleteDateColumn" => opt_bool("nullable")?.unwrap_or(true),
            _ => opt_bool("nullable")?.unwrap_or(false) && !primary,
        };
        let array = opt_bool("array")? == Some(true);
        if array && self.dialect != Dialect::Postgres {
            return Err(err(
                file,
                deco.pos,
                "array columns exist on PostgreSQL only".into(),
            ));
        }
        let mut default = match opt("default") {
            Some(v) => self.default_sql(
                file,
                v,
                if array { "[]" } else { &ty },
                opt_str("scale")?.as_deref(),
            )?,
            None => None,
        };
        if default.is_none() && matches!(kind, "CreateDateColumn" | "UpdateDateColumn") {
            default = Some(match self.dialect {
                Dialect::Postgres => "now()".into(),
                Dialect::Mysql => "CURRENT_TIMESTAMP(6)".into(),
                Dialect::Sqlite => "datetime('now')".into(),
            });
        }
        let mut length = opt_str("length")?;
        let mut precision = opt_str("precision")?;
        let mut on_update = None;
        if self.dialect == Dialect::Mysql {
            // MysqlDriver.mappedDataTypes: the date columns are datetime(6); getColumnLength:
            // varchar/varbinary default to 255, a uuid-generated key is varchar(36).
            if matches!(
                kind,
                "CreateDateColumn" | "UpdateDateColumn" | "DeleteDateColumn"
            ) && precision.is_none()
            {
                precision = Some("6".into());
            }
            if kind == "UpdateDateColumn" {
                on_update = Some("CURRENT_TIMESTAMP(6)".into());
            }
            if length.is_none() {
                if generated == Some(Gen::Uuid) {
                    length = Some("36".into());
                } else if matches!(ty.as_str(), "varchar" | "varbinary") {
                    length = Some("255".into());
                }
            }
            if let Some(o) = opt_str("onUpdate")? {
                on_update = Some(mysql_datetime_function(&o));
            }
        }
        if generated == Some(Gen::Uuid) && self.dialect == Dialect::Postgres {
            default = Some("uuid_generate_v4()".into());
        }
        let _ = opt_str("comment")?;
        out.push(Col {
            prop: prop.name.clone(),
            name,
            ty,
            length,
            precision,
            scale: opt_str("scale")?,
            nullable,
            default,
            primary,
            generated,
            unique: opt_bool("unique")? == Some(true),
            enum_values,
            enum_name: opt_str("enumName")?,
            array,
            comment: opt_str("comment")?,
            pk_name: opt_str("primaryKeyConstraintName")?,
            collation: opt_str("collation")?,
            on_update,
            pos: deco.pos,
        });
        Ok(())
    }
}

fn dialect_name(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "MySQL",
        Dialect::Sqlite => "SQLite",
    }
}

/// `JSON.stringify` of a literal value.
fn json(file: &File, v: &Value) -> Result<String, OrmError> {
    Ok(match &v.val {
        Val::Str(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
        Val::Num(n) => num_text(*n),
        Val::Bool(b) => b.to_string(),
        Val::Null => "null".into(),
        Val::Arr(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|x| json(file, x))
                .collect::<Result<Vec<_>, _>>()?
                .join(",")
        ),
        Val::Obj(fields) => format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(k, x)| Ok(format!("\"{k}\":{}", json(file, x)?)))
                .collect::<Result<Vec<_>, OrmError>>()?
                .join(",")
        ),
        _ => return Err(err(file, v.pos, "expected a JSON literal".into())),
    })
}

/// A literal as PostgreSQL prints a jsonb value: `", "` and `": "` separators, object keys
/// shortest first then bytewise, the last duplicate kept.
fn jsonb_text(file: &File, v: &Value) -> Result<String, OrmError> {
    Ok(match &v.val {
        Val::Arr(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|x| jsonb_text(file, x))
                .collect::<Result<Vec<_>, _>>()?
                .join(", ")
        ),
        Val::Obj(fields) => {
            let mut map: BTreeMap<(usize, &str), &Value> = BTreeMap::new();
            for (k, x) in fields {
                map.insert((k.len(), k.as_str()), x);
            }
            format!(
                "{{{}}}",
                map.iter()
                    .map(|((_, k), x)| Ok(format!("{}: {}", json_str(k), jsonb_text(file, x)?)))
                    .collect::<Result<Vec<_>, OrmError>>()?
                    .join(", ")
            )
        }
        _ => json(file, v)?,
    })
}

fn json_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// PostgresDriver.normalizeDatetimeFunction.
/// MysqlDriver.normalizeDatetimeFunction for the `mysql` driver type.
fn mysql_datetime_function(value: &str) -> String {
    let up = value.trim().to_ascii_uppercase();
    for f in ["CURRENT_TIMESTAMP", "NOW"] {
        if let Some(rest) = up.strip_prefix(f)
            && (rest.is_empty()
                || rest.starts_with('(')
                    && rest.ends_with(')')
                    && rest[1..rest.len() - 1].chars().all(|c| c.is_ascii_digit()))
        {
            return if rest == "()" {
                "CURRENT_TIMESTAMP".into()
            } else {
                format!("CURRENT_TIMESTAMP{rest}")
            };
        }
    }
    value.to_string()
}

fn pg_datetime_function(value: &str) -> String {
    let up = value.trim().to_ascii_uppercase();
    let (func, precision) = match up.find('(') {
        Some(i)
            if up.ends_with(')')
                && up[i + 1..up.len() - 1].chars().all(|c| c.is_ascii_digit())
                && i + 2 < up.len() =>
        {
            (&up[..i], &up[i..])
        }
        _ => (up.as_str(), ""),
    };
    let prefix = "('now'::text)";
    match func {
        "CURRENT_TIMESTAMP" if precision.is_empty() => "now()".into(),
        "CURRENT_TIMESTAMP" => format!("{prefix}::timestamp{precision} with time zone"),
        "CURRENT_DATE" if precision.is_empty() => format!("{prefix}::date"),
        "CURRENT_TIME" => format!("{prefix}::time{precision} with time zone"),
        "LOCALTIMESTAMP" => format!("{prefix}::timestamp{precision} without time zone"),
        "LOCALTIME" => format!("{prefix}::time{precision} without time zone"),
        _ => value.to_string(),
    }
}

// ---------------------------------------------------------------- entities, relations, junctions

fn find<'d>(decos: &'d [Decorator], name: &str) -> Option<&'d Decorator> {
    decos.iter().find(|d| d.name == name)
}

/// The options object among a decorator's arguments (its last object argument).
fn options_of(d: &Decorator) -> Option<&Value> {
    d.args.iter().rev().find(|a| matches!(a.val, Val::Obj(_)))
}

fn str_opt(file: &File, o: Option<&Value>, k: &str) -> Result<Option<String>, OrmError> {
    match o.and_then(|o| o.get(k)) {
        None => Ok(None),
        Some(v) => match &v.val {
            Val::Str(s) => Ok(Some(s.clone())),
            Val::Undefined | Val::Null => Ok(None),
            _ => Err(err(file, v.pos, format!("`{k}` must be a string literal"))),
        },
    }
}

fn bool_opt(file: &File, o: Option<&Value>, k: &str) -> Result<Option<bool>, OrmError> {
    match o.and_then(|o| o.get(k)) {
        None => Ok(None),
        Some(v) => match &v.val {
            Val::Bool(b) => Ok(Some(*b)),
            _ => Err(err(file, v.pos, format!("`{k}` must be true or false"))),
        },
    }
}

/// Property names from `["a", "b"]`, `(e) => [e.a, e.b]` or `(e) => ({ a: 1 })`.
fn property_list(file: &File, v: &Value) -> Result<Vec<(String, Pos)>, OrmError> {
    match &v.val {
        Val::Arr(items) => items
            .iter()
            .map(|x| match &x.val {
                Val::Str(s) => Ok((s.clone(), x.pos)),
                Val::Member(path) if path.len() >= 2 => Ok((path[1..].join("."), x.pos)),
                _ => Err(err(file, x.pos, "expected a property name".into())),
            })
            .collect(),
        Val::Obj(fields) => Ok(fields.iter().map(|(k, x)| (k.clone(), x.pos)).collect()),
        Val::Arrow(_, body) => property_list(file, body),
        _ => Err(err(file, v.pos, "expected a list of property names".into())),
    }
}

struct Relation<'a> {
    kind: &'a str,
    file: &'a File,
    owner: usize,
    prop: &'a Property,
    deco: &'a Decorator,
    target: String,
    inverse: Option<String>,
    /// Declared in a single-table-inheritance child: its columns are nullable.
    child: bool,
}

/// Builds the tables TypeORM creates for the entity classes of `files`.
pub fn tables(files: &[File], dialect: Dialect) -> Result<Vec<Table>, OrmError> {
    let mut ctx = Ctx {
        files,
        dialect,
        classes: HashMap::new(),
        enums: HashMap::new(),
    };
    for f in files {
        for c in &f.classes {
            ctx.classes.entry(c.name.as_str()).or_insert(c);
        }
        for e in &f.enums {
            ctx.enums.entry(e.name.as_str()).or_insert(e);
        }
    }
    let ctx = ctx;
    let mut out: Vec<Table> = Vec::new();
    let mut relations: Vec<Relation> = Vec::new();
    let mut embedded: Vec<Vec<Col>> = Vec::new();
    let mut child_tables: HashMap<String, usize> = HashMap::new();
    let mut discriminators: Vec<(usize, String)> = Vec::new();
    for f in files {
        for c in &f.classes {
            if let Some(d) = c
                .decorators
                .iter()
                .find(|d| UNSUPPORTED.contains(&d.name.as_str()))
            {
                return Err(err(
                    f,
                    d.pos,
                    format!("@{} is not read by migrex yet", d.name),
                ));
            }
            let Some(entity) = find(&c.decorators, "Entity") else {
                continue;
            };
            let opts = options_of(entity);
            if bool_opt(f, opts, "synchronize")? == Some(false) {
                continue;
            }
            let name = match entity.args.first().map(|a| &a.val) {
                Some(Val::Str(s)) => Some(s.clone()),
                _ => str_opt(f, opts, "name")?,
            };
            if let Some(a) = entity
                .args
                .iter()
                .find(|a| !matches!(a.val, Val::Str(_) | Val::Obj(_)))
            {
                return Err(err(
                    f,
                    a.pos,
                    "migrex cannot evaluate this argument of @Entity".into(),
                ));
            }
            let schema = str_opt(f, opts, "schema")?;
            if let Some(v) = opts.and_then(|o| o.get("engine")) {
                return Err(err(
                    f,
                    v.pos,
                    "the entity option `engine` is not read by migrex yet".into(),
                ));
            }
            if schema.is_some() && dialect == Dialect::Sqlite {
                return Err(err(
                    f,
                    entity.pos,
                    "`schema` is not supported by TypeORM's better-sqlite3 driver".into(),
                ));
            }
            if dialect == Dialect::Mysql
                && let Some(d) = str_opt(f, opts, "database")?.or(schema.clone())
            {
                return Err(err(
                    f,
                    entity.pos,
                    format!("tables in another MySQL database (`{d}`) are not read by migrex"),
                ));
            }
            let table = name.unwrap_or_else(|| snake_case(&c.name));
            let mut t = Table {
                class: Some(c.name.clone()),
                name: table,
                schema,
                columns: Vec::new(),
                uniques: Vec::new(),
                checks: Vec::new(),
                indexes: Vec::new(),
                fks: Vec::new(),
                file: c.file,
                pos: c.pos,
            };
            let owner = out.len();
            embedded.push(Vec::new());
            let sti = find(&c.decorators, "TableInheritance");
            let children = if sti.is_some() {
                ctx.sti_children(c)
            } else {
                Vec::new()
            };
            for child in &children {
                child_tables.insert(child.name.clone(), owner);
            }
            let members = ctx
                .properties(c)
                .into_iter()
                .map(|(k, p)| (k, p, false))
                .chain(
                    children
                        .iter()
                        .flat_map(|k| k.properties.iter().map(move |p| (*k, p, true))),
                );
            for (cls, p, child) in members {
                let pf = ctx.file(cls);
                if let Some(d) = p
                    .decorators
                    .iter()
                    .find(|d| UNSUPPORTED.contains(&d.name.as_str()))
                {
                    return Err(err(
                        pf,
                        d.pos,
                        format!("@{} is not read by migrex yet", d.name),
                    ));
                }
                for d in &p.decorators {
                    if COLUMN_DECORATORS.contains(&d.name.as_str()) {
                        // Embedded columns come after the entity's own and join columns.
                        let into = if matches!(d.args.first().map(|a| &a.val), Some(Val::Arrow(..)))
                        {
                            &mut embedded[owner]
                        } else {
                            &mut t.columns
                        };
                        let before = into.len();
                        ctx.column(pf, p, d, &[], into, 0)?;
                        if child {
                            // Rows of other classes in the hierarchy leave it empty.
                            for col in &mut into[before..] {
                                col.nullable = true;
                            }
                        }
                    } else if matches!(d.name.as_str(), "ManyToOne" | "OneToOne" | "ManyToMany") {
                        let target = match d.args.first().map(|a| &a.val) {
                            Some(Val::Arrow(_, body)) => match &body.val {
                                Val::Ident(n) | Val::Str(n) => n.clone(),
                                _ => {
                                    return Err(err(
                                        pf,
                                        body.pos,
                                        "expected an entity class".into(),
                                    ));
                                }
                            },
                            Some(Val::Str(n)) | Some(Val::Ident(n)) => n.clone(),
                            _ => {
                                return Err(err(
                                    pf,
                                    d.pos,
                                    format!("@{} needs the related entity (() => Class)", d.name),
                                ));
                            }
                        };
                        let inverse = d.args.get(1).and_then(|a| match &a.val {
                            Val::Str(s) => Some(s.clone()),
                            Val::Arrow(_, b) => match &b.val {
                                Val::Member(path) if path.len() >= 2 => Some(path[1..].join(".")),
                                _ => None,
                            },
                            _ => None,
                        });
                        relations.push(Relation {
                            kind: d.name.as_str(),
                            file: pf,
                            owner,
                            prop: p,
                            deco: d,
                            target,
                            inverse,
                            child,
                        });
                    }
                }
            }
            if let Some(sti) = sti {
                // The discriminator column, last, and its index.
                let o = sti.args.first().and_then(|a| a.get("column"));
                if let Some(pattern) = sti.args.first().and_then(|a| a.get("pattern"))
                    && pattern.str() != Some("STI")
                {
                    return Err(err(
                        f,
                        pattern.pos,
                        "only single-table inheritance (STI) exists in TypeORM".into(),
                    ));
                }
                let Some(o) = o else {
                    return Err(err(
                        f,
                        sti.pos,
                        "@TableInheritance needs its discriminator `column`".into(),
                    ));
                };
                let name = str_opt(f, Some(o), "name")?.unwrap_or_else(|| "type".into());
                let raw = match o.get("type") {
                    Some(v) => ctx
                        .type_arg(v)
                        .ok_or_else(|| err(f, v.pos, "`type` must be a string".into()))?,
                    None => "varchar".into(),
                };
                let length = match o.get("length").map(|v| &v.val) {
                    Some(Val::Num(n)) => Some(num_text(*n)),
                    Some(Val::Str(s)) => Some(s.clone()),
                    _ if dialect == Dialect::Mysql && ctx.normalize_type(&raw) == "varchar" => {
                        Some("255".into())
                    }
                    _ => None,
                };
                t.columns.push(Col {
                    prop: name.clone(),
                    name: name.clone(),
                    ty: ctx.normalize_type(&raw),
                    length,
                    precision: None,
                    scale: None,
                    nullable: false,
                    default: None,
                    primary: false,
                    generated: None,
                    unique: false,
                    enum_values: None,
                    enum_name: None,
                    array: false,
                    comment: None,
                    pk_name: None,
                    collation: None,
                    on_update: None,
                    pos: sti.pos,
                });
                discriminators.push((owner, name));
            }
            if let Some((_, p)) = t
                .columns
                .iter()
                .enumerate()
                .find(|(i, a)| t.columns[..*i].iter().any(|b| b.name == a.name))
            {
                return Err(err(
                    &files[c.file],
                    p.pos,
                    format!("two columns of `{}` are named `{}`", c.name, p.name),
                ));
            }
            out.push(t);
        }
    }
    // Relations, once every entity's own columns are known.
    let class_table = |out: &[Table], name: &str| -> Option<usize> {
        out.iter()
            .position(|t| t.class.as_deref() == Some(name))
            .or_else(|| out.iter().position(|t| t.name == name))
    };
    let mut junctions: Vec<Table> = Vec::new();
    let mut rel_uniques: Vec<(usize, String, Vec<String>)> = Vec::new();
    for r in &relations {
        let Some(target) =
            class_table(&out, &r.target).or_else(|| child_tables.get(&r.target).copied())
        else {
            return Err(err(
                r.file,
                r.deco.pos,
                format!("`{}` is not an entity of the project", r.target),
            ));
        };
        let opts = r
            .deco
            .args
            .iter()
            .skip(1)
            .rev()
            .find(|a| matches!(a.val, Val::Obj(_)));
        let on_delete = str_opt(r.file, opts, "onDelete")?.map(|s| s.to_ascii_uppercase());
        let on_update = str_opt(r.file, opts, "onUpdate")?.map(|s| s.to_ascii_uppercase());
        let deferrable = str_opt(r.file, opts, "deferrable")?;
        let create_fk = bool_opt(r.file, opts, "createForeignKeyConstraints")? != Some(false);
        if r.kind == "ManyToMany" {
            let Some(jt) = find(&r.prop.decorators, "JoinTable") else {
                continue;
            };
            let jo = jt.args.first();
            let owner_t = &out[r.owner];
            let target_t = &out[target];
            let jname = match str_opt(r.file, jo, "name")? {
                Some(n) => n,
                None => snake_case(&format!(
                    "{}_{}_{}",
                    owner_t.name,
                    r.prop.name.replace('.', "_"),
                    target_t.name
                )),
            };
            let side = |key_one: &str, key_many: &str| -> Vec<&Value> {
                let mut v = Vec::new();
                if let Some(o) = jo.and_then(|o| o.get(key_one)) {
                    v.push(o);
                }
                if let Some(Val::Arr(items)) = jo.and_then(|o| o.get(key_many)).map(|x| &x.val) {
                    v.extend(items.iter());
                }
                v
            };
            let mut cols = Vec::new();
            let mut owner_cols = Vec::new();
            let mut inverse_cols = Vec::new();
            for (which, t, args) in [
                (0, owner_t, side("joinColumn", "joinColumns")),
                (1, target_t, side("inverseJoinColumn", "inverseJoinColumns")),
            ] {
                let refs = referenced(r.file, t, &args)?;
                for rc in refs {
                    let given = args.iter().find_map(|a| {
                        let rn = a.get("referencedColumnName").and_then(Value::str);
                        let n = a.get("name").and_then(Value::str)?;
                        (rn.is_none() || rn == Some(rc.prop.as_str())).then(|| n.to_string())
                    });
                    let name =
                        given.unwrap_or_else(|| camel_case(&format!("{}_{}", t.name, rc.name)));
                    if which == 0 {
                        owner_cols.push((name.clone(), rc.name.clone()));
                    } else {
                        inverse_cols.push((name.clone(), rc.name.clone()));
                    }
                    cols.push(Col {
                        prop: name.clone(),
                        name,
                        nullable: false,
                        default: None,
                        primary: true,
                        generated: None,
                        unique: false,
                        comment: None,
                        pk_name: None,
                        collation: rc.collation.clone(),
                        on_update: None,
                        pos: jt.pos,
                        ..rc.clone()
                    });
                }
            }
            let inverse_opts = r.inverse.as_ref().and_then(|inv| {
                let cls = ctx.classes.get(r.target.as_str())?;
                let p = ctx
                    .properties(cls)
                    .into_iter()
                    .find(|(_, p)| &p.name == inv)?
                    .1;
                let d = find(&p.decorators, "ManyToMany")?;
                d.args
                    .iter()
                    .skip(1)
                    .rev()
                    .find(|a| matches!(a.val, Val::Obj(_)))
            });
            let inv_on = |k: &str| -> Option<String> {
                inverse_opts
                    .and_then(|o| o.get(k))
                    .and_then(Value::str)
                    .map(str::to_ascii_uppercase)
            };
            let names = |v: &[(String, String)]| v.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
            let refs = |v: &[(String, String)]| v.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
            let oc = names(&owner_cols);
            let ic = names(&inverse_cols);
            let mut fks = Vec::new();
            if create_fk {
                fks.push(Fk {
                    name: foreign_key_name(&jname, &oc),
                    columns: oc.clone(),
                    ref_schema: owner_t.schema.clone(),
                    ref_table: owner_t.name.clone(),
                    ref_columns: refs(&owner_cols),
                    on_delete: on_delete.clone().unwrap_or_else(|| "CASCADE".into()),
                    on_update: on_update.clone().unwrap_or_else(|| "CASCADE".into()),
                    deferrable: None,
                });
                fks.push(Fk {
                    name: foreign_key_name(&jname, &ic),
                    columns: ic.clone(),
                    ref_schema: target_t.schema.clone(),
                    ref_table: target_t.name.clone(),
                    ref_columns: refs(&inverse_cols),
                    on_delete: inv_on("onDelete").unwrap_or_else(|| "CASCADE".into()),
                    on_update: inv_on("onUpdate").unwrap_or_else(|| "CASCADE".into()),
                    deferrable: None,
                });
            }
            junctions.push(Table {
                class: None,
                schema: str_opt(r.file, jo, "schema")?.or_else(|| owner_t.schema.clone()),
                columns: cols,
                uniques: Vec::new(),
                checks: Vec::new(),
                indexes: vec![
                    Idx {
                        name: index_name(&jname, &oc, None),
                        columns: oc,
                        unique: false,
                        where_: None,
                    },
                    Idx {
                        name: index_name(&jname, &ic, None),
                        columns: ic,
                        unique: false,
                        where_: None,
                    },
                ],
                fks,
                file: out[r.owner].file,
                pos: jt.pos,
                name: jname,
            });
            continue;
        }
        let join = find(&r.prop.decorators, "JoinColumn");
        if r.kind == "OneToOne" && join.is_none() {
            continue;
        }
        let join_args: Vec<&Value> = match join.and_then(|j| j.args.first()) {
            Some(Value {
                val: Val::Arr(items),
                ..
            }) => items.iter().collect(),
            Some(v) => vec![v],
            None => Vec::new(),
        };
        let refs = referenced(r.file, &out[target], &join_args)?;
        let nullable = bool_opt(r.file, opts, "nullable")?.unwrap_or(true) || r.child;
        let primary = bool_opt(r.file, opts, "primary")? == Some(true);
        let mut names = Vec::new();
        let mut ref_names = Vec::new();
        let fk_name = join_args
            .first()
            .and_then(|a| a.get("foreignKeyConstraintName"))
            .and_then(Value::str)
            .map(str::to_string);
        for rc in &refs {
            let given = join_args.iter().find_map(|a| {
                let rn = a.get("referencedColumnName").and_then(Value::str);
                let n = a.get("name").and_then(Value::str)?;
                (rn.is_none() || rn == Some(rc.prop.as_str())).then(|| n.to_string())
            });
            let name = given.unwrap_or_else(|| camel_case(&format!("{}_{}", r.prop.name, rc.prop)));
            let owner = &mut out[r.owner];
            match owner.columns.iter_mut().find(|c| c.name == name) {
                Some(existing) => {
                    // The join column's type is the referenced column's (RelationJoinColumnBuilder).
                    existing.ty = rc.ty.clone();
                    if existing.enum_values.is_none() {
                        existing.enum_values = rc.enum_values.clone();
                    }
                }
                None => owner.columns.push(Col {
                    prop: r.prop.name.clone(),
                    name: name.clone(),
                    nullable: nullable && !primary,
                    default: None,
                    primary,
                    generated: None,
                    unique: false,
                    comment: rc.comment.clone(),
                    array: false,
                    pk_name: None,
                    collation: rc.collation.clone(),
                    on_update: None,
                    pos: r.deco.pos,
                    ..rc.clone()
                }),
            }
            names.push(name);
            ref_names.push(rc.name.clone());
        }
        if create_fk && !refs.is_empty() {
            let owner = &out[r.owner];
            let fk = Fk {
                name: fk_name.unwrap_or_else(|| foreign_key_name(&owner.name, &names)),
                columns: names.clone(),
                ref_schema: out[target].schema.clone(),
                ref_table: out[target].name.clone(),
                ref_columns: ref_names,
                on_delete: on_delete.unwrap_or_else(|| "NO ACTION".into()),
                on_update: on_update.unwrap_or_else(|| "NO ACTION".into()),
                deferrable,
            };
            out[r.owner].fks.push(fk);
            if r.kind == "OneToOne" {
                let n = relation_constraint_name(&out[r.owner].name, &names);
                rel_uniques.push((r.owner, n, names));
            }
        }
    }
    for (t, cols) in out.iter_mut().zip(embedded) {
        t.columns.extend(cols);
    }
    // Uniques, checks and indexes (they may name relation properties).
    // By index: each table is read while its constraints are built, then updated.
    #[allow(clippy::needless_range_loop)]
    for ti in 0..out.len() {
        let Some(class) = out[ti].class.clone() else {
            continue;
        };
        let c = ctx.classes[class.as_str()];
        let table = out[ti].name.clone();
        let cols_of =
            |t: &Table, file: &File, prop: &str, pos: Pos| -> Result<Vec<String>, OrmError> {
                let v: Vec<String> = t
                    .columns
                    .iter()
                    .filter(|c| {
                        c.prop == prop || (c.prop != c.name && prop.contains('.') && c.name == prop)
                    })
                    .map(|c| c.name.clone())
                    .collect();
                if v.is_empty() {
                    return Err(err(
                        file,
                        pos,
                        format!("`{prop}` is not a column of `{}`", t.name),
                    ));
                }
                Ok(v)
            };
        let mut uniques: Vec<(String, Vec<String>)> = out[ti]
            .columns
            .iter()
            .filter(|c| c.unique)
            .map(|c| {
                let cols = std::slice::from_ref(&c.name);
                (
                    // MySQL keeps uniques as unique indexes: an unnamed one is named as an index.
                    if dialect == Dialect::Mysql {
                        index_name(&table, cols, None)
                    } else {
                        unique_name(&table, cols)
                    },
                    vec![c.name.clone()],
                )
            })
            .collect();
        let mut checks = Vec::new();
        let mut indexes = Vec::new();
        let mut class_level: Vec<(&File, &Decorator, Option<&Property>)> = Vec::new();
        let children = if find(&c.decorators, "TableInheritance").is_some() {
            ctx.sti_children(c)
        } else {
            Vec::new()
        };
        let members = ctx.properties(c).into_iter().chain(
            children
                .iter()
                .flat_map(|k| k.properties.iter().map(move |p| (*k, p))),
        );
        for (cls, p) in members {
            // TypeScript applies a member's decorators bottom-up, and so registers them.
            for d in p.decorators.iter().rev() {
                if matches!(d.name.as_str(), "Index" | "Unique" | "Check") {
                    class_level.push((ctx.file(cls), d, Some(p)));
                }
            }
        }
        let mut chain = vec![c];
        while let Some(parent) = chain
            .last()
            .and_then(|x| x.extends.as_deref())
            .and_then(|p| ctx.classes.get(p))
        {
            if chain.len() > 16 {
                break;
            }
            chain.push(parent);
        }
        for cls in chain.iter().rev().chain(children.iter()) {
            for d in cls.decorators.iter().rev() {
                if matches!(d.name.as_str(), "Index" | "Unique" | "Check") {
                    class_level.push((ctx.file(cls), d, None));
                }
            }
        }
        for (file, d, prop) in class_level {
            let name = match d.args.first().map(|a| &a.val) {
                Some(Val::Str(s)) if d.name != "Check" || d.args.len() > 1 => Some(s.clone()),
                _ => None,
            };
            let rest: Vec<&Value> = d.args.iter().skip(usize::from(name.is_some())).collect();
            match d.name.as_str() {
                "Check" => {
                    let Some(expr) = rest.first().and_then(|v| v.str()) else {
                        return Err(err(
                            file,
                            d.pos,
                            "@Check needs the SQL expression as a string".into(),
                        ));
                    };
                    let n = name.unwrap_or_else(|| check_name(&table, expr));
                    checks.push((n, expr.to_string()));
                }
                "Unique" | "Index" => {
                    let opts = rest.iter().copied().find(|v| matches!(v.val, Val::Obj(_)));
                    let list = rest.iter().copied().find(|v| !matches!(v.val, Val::Obj(_)));
                    let mut cols = Vec::new();
                    match (list, prop) {
                        (Some(l), _) => {
                            for (p, pos) in property_list(file, l)? {
                                cols.extend(cols_of(&out[ti], file, &p, pos)?);
                            }
                        }
                        (None, Some(p)) => cols.extend(cols_of(&out[ti], file, &p.name, d.pos)?),
                        (None, None) => {
                            return Err(err(file, d.pos, format!("@{} needs the columns", d.name)));
                        }
                    }
                    if d.name == "Unique" {
                        let n = name.unwrap_or_else(|| {
                            if dialect == Dialect::Mysql {
                                index_name(&table, &cols, None)
                            } else {
                                unique_name(&table, &cols)
                            }
                        });
                        uniques.push((n, cols));
                    } else {
                        if bool_opt(file, opts, "synchronize")? == Some(false) {
                            continue;
                        }
                        for k in ["spatial", "fulltext"] {
                            if bool_opt(file, opts, k)? == Some(true) {
                                return Err(err(
                                    file,
                                    d.pos,
                                    format!("`{k}` indexes are not read by migrex yet"),
                                ));
                            }
                        }
                        let where_ = str_opt(file, opts, "where")?;
                        let n =
                            name.unwrap_or_else(|| index_name(&table, &cols, where_.as_deref()));
                        indexes.push(Idx {
                            name: n,
                            columns: cols,
                            unique: bool_opt(file, opts, "unique")? == Some(true),
                            where_,
                        });
                    }
                }
                _ => {}
            }
        }
        for (owner, n, cols) in &rel_uniques {
            if *owner == ti {
                uniques.push((n.clone(), cols.clone()));
            }
        }
        for (owner, col) in &discriminators {
            if *owner == ti {
                let cols = vec![col.clone()];
                indexes.push(Idx {
                    name: index_name(&table, &cols, None),
                    columns: cols,
                    unique: false,
                    where_: None,
                });
            }
        }
        let t = &mut out[ti];
        t.uniques = uniques;
        t.checks = checks;
        t.indexes = indexes;
    }
    out.extend(junctions);
    Ok(out)
}

/// The columns a relation references: those its join columns name, else the target's primary
/// key.
fn referenced(file: &File, target: &Table, join_args: &[&Value]) -> Result<Vec<Col>, OrmError> {
    let named: Vec<(&str, Pos)> = join_args
        .iter()
        .filter_map(|a| {
            a.get("referencedColumnName")
                .and_then(|v| v.str().map(|s| (s, v.pos)))
        })
        .collect();
    if named.is_empty() {
        let pk: Vec<Col> = target
            .columns
            .iter()
            .filter(|c| c.primary)
            .cloned()
            .collect();
        if pk.is_empty() {
            return Err(err(
                file,
                join_args.first().map_or(Pos::default(), |a| a.pos),
                format!("`{}` has no primary column to reference", target.name),
            ));
        }
        return Ok(pk);
    }
    named
        .into_iter()
        .map(|(n, pos)| {
            target
                .columns
                .iter()
                .find(|c| c.prop == n)
                .cloned()
                .ok_or_else(|| {
                    err(
                        file,
                        pos,
                        format!("`{n}` is not a column of `{}`", target.name),
                    )
                })
        })
        .collect()
}

// ---------------------------------------------------------------- SQL

fn q(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) => format!("{}.{}", q(s), q(name)),
        None => q(name),
    }
}

fn full_type(c: &Col) -> String {
    let mut t = c.ty.clone();
    if let Some(l) = &c.length {
        let _ = write!(t, "({l})");
    } else if let (Some(p), Some(s)) = (&c.precision, &c.scale) {
        let _ = write!(t, "({p},{s})");
    } else if let Some(p) = &c.precision {
        let _ = write!(t, "({p})");
    }
    let prec = c
        .precision
        .as_ref()
        .map(|p| format!("({p})"))
        .unwrap_or_default();
    match c.ty.as_str() {
        "time without time zone" => t = format!("TIME{prec}"),
        "time with time zone" => t = format!("TIME{prec} WITH TIME ZONE"),
        "timestamp without time zone" => t = format!("TIMESTAMP{prec}"),
        "timestamp with time zone" => t = format!("TIMESTAMP{prec} WITH TIME ZONE"),
        _ => {}
    }
    t
}

fn enum_type_name(t: &Table, c: &Col) -> String {
    let name = c
        .enum_name
        .clone()
        .unwrap_or_else(|| format!("{}_{}_enum", t.name, c.name.to_lowercase()));
    qualified(Some(t.schema.as_deref().unwrap_or("public")), &name)
}

/// The SQL TypeORM runs to create `tables` on an empty database, with where each object came
/// from.
pub fn schema_sql(files: &[File], tables: &[Table], dialect: Dialect) -> (String, Origins) {
    if dialect == Dialect::Mysql {
        return mysql_sql(files, tables);
    }
    let loc = |t: &Table, pos: Pos| {
        format!(
            "{}:{}:{}",
            files[t.file].path.display(),
            pos.line,
            pos.column
        )
    };
    let mut origins: Origins = Vec::new();
    let mut head = String::new();
    let mut body = String::new();
    let mut tail = String::new();
    let pg = dialect == Dialect::Postgres;
    let mut schemas: BTreeMap<String, ()> = BTreeMap::new();
    let mut enums_done: Vec<String> = Vec::new();
    if pg
        && tables
            .iter()
            .any(|t| t.columns.iter().any(|c| c.generated == Some(Gen::Uuid)))
    {
        // PostgresDriver.afterConnect installs it for uuid-generated columns.
        head.push_str("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";\n");
    }
    for t in tables {
        let tn = qualified(t.schema.as_deref(), &t.name);
        let key = match &t.schema {
            Some(s) => format!("{s}.{}", t.name),
            None if pg => format!("public.{}", t.name),
            None => t.name.clone(),
        };
        origins.push((format!("table {key}"), loc(t, t.pos)));
        if let Some(s) = &t.schema
            && schemas.insert(s.clone(), ()).is_none()
        {
            let _ = writeln!(head, "CREATE SCHEMA {};", q(s));
        }
        let pks: Vec<&Col> = t.columns.iter().filter(|c| c.primary).collect();
        let mut parts = Vec::new();
        for c in &t.columns {
            origins.push((format!("column {key}.{}", c.name), loc(t, c.pos)));
            let mut s = q(&c.name);
            if pg {
                match &c.generated {
                    Some(Gen::Identity { always }) => {
                        let _ = write!(
                            s,
                            " {} GENERATED {} AS IDENTITY",
                            c.ty,
                            if *always { "ALWAYS" } else { "BY DEFAULT" }
                        );
                    }
                    Some(Gen::Increment) => s.push_str(match c.ty.as_str() {
                        "smallint" => " SMALLSERIAL",
                        "bigint" => " BIGSERIAL",
                        _ => " SERIAL",
                    }),
                    _ => {}
                }
                if c.ty == "enum" {
                    let en = enum_type_name(t, c);
                    if !enums_done.contains(&en) {
                        let values: Vec<String> =
                            c.enum_values.iter().flatten().map(|v| lit(v)).collect();
                        let _ = writeln!(head, "CREATE TYPE {en} AS ENUM({});", values.join(", "));
                        enums_done.push(en.clone());
                    }
                    s.push(' ');
                    s.push_str(&en);
                    if c.array {
                        s.push_str("[]");
                    }
                } else if c.generated.is_none() || c.generated == Some(Gen::Uuid) {
                    s.push(' ');
                    s.push_str(&full_type(c));
                    if c.array {
                        s.push_str("[]");
                    }
                }
                if let Some(co) = &c.collation {
                    let _ = write!(s, " COLLATE {}", q(co));
                }
                if !c.nullable {
                    s.push_str(" NOT NULL");
                }
                if let Some(d) = &c.default {
                    let _ = write!(s, " DEFAULT {d}");
                }
            } else {
                if c.enum_values.is_some() {
                    s.push_str(" varchar");
                    let values: Vec<String> = c
                        .enum_values
                        .iter()
                        .flatten()
                        .map(|v| format!("'{v}'"))
                        .collect();
                    let _ = write!(s, " CHECK( {} IN ({}) )", q(&c.name), values.join(","));
                } else {
                    s.push(' ');
                    s.push_str(&full_type(c));
                }
                if c.primary && pks.len() == 1 {
                    s.push_str(" PRIMARY KEY");
                }
                if c.generated == Some(Gen::Increment) {
                    s.push_str(" AUTOINCREMENT");
                }
                if let Some(co) = &c.collation {
                    let _ = write!(s, " COLLATE {co}");
                }
                if !c.nullable {
                    s.push_str(" NOT NULL");
                }
                if let Some(d) = &c.default {
                    let _ = write!(s, " DEFAULT ({d})");
                }
            }
            parts.push(s);
            if pg && let Some(cm) = &c.comment {
                let _ = writeln!(
                    tail,
                    "COMMENT ON COLUMN {tn}.{} IS {};",
                    q(&c.name),
                    lit(cm)
                );
            }
        }
        let cols = |v: &[String]| v.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ");
        for (n, c) in &t.uniques {
            parts.push(format!("CONSTRAINT {} UNIQUE ({})", q(n), cols(c)));
        }
        for (n, e) in &t.checks {
            parts.push(format!("CONSTRAINT {} CHECK ({e})", q(n)));
        }
        let fk_sql = |f: &Fk| {
            let mut s = format!(
                "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
                cols(&f.columns),
                qualified(f.ref_schema.as_deref(), &f.ref_table),
                cols(&f.ref_columns),
                f.on_delete,
                f.on_update
            );
            if let Some(d) = &f.deferrable {
                let _ = write!(s, " DEFERRABLE {d}");
            }
            s
        };
        if !pg {
            for f in &t.fks {
                parts.push(format!("CONSTRAINT {} {}", q(&f.name), fk_sql(f)));
            }
        }
        let pk_cols: Vec<String> = pks.iter().map(|c| c.name.clone()).collect();
        if pg && !pk_cols.is_empty() {
            parts.push(format!(
                "CONSTRAINT {} PRIMARY KEY ({})",
                q(&pks
                    .iter()
                    .find_map(|c| c.pk_name.clone())
                    .unwrap_or_else(|| primary_key_name(&t.name, &pk_cols))),
                cols(&pk_cols)
            ));
        } else if !pg && pk_cols.len() > 1 {
            parts.push(format!("PRIMARY KEY ({})", cols(&pk_cols)));
        }
        let _ = writeln!(body, "CREATE TABLE {tn} ({});", parts.join(", "));
        for i in &t.indexes {
            let _ = write!(
                body,
                "CREATE {}INDEX {} ON {tn} ({})",
                if i.unique { "UNIQUE " } else { "" },
                q(&i.name),
                cols(&i.columns)
            );
            if let Some(w) = &i.where_ {
                let _ = write!(body, " WHERE {w}");
            }
            body.push_str(";\n");
        }
        if pg {
            for f in &t.fks {
                let _ = writeln!(
                    tail,
                    "ALTER TABLE {tn} ADD CONSTRAINT {} {};",
                    q(&f.name),
                    fk_sql(f)
                );
            }
        }
    }
    (format!("{head}{body}{tail}"), origins)
}

fn bq(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// MysqlQueryRunner.createTableSql for every table, then its foreign keys (`ALTER TABLE`), as
/// synchronize runs them. Uniques are unique indexes there; `@Check` constraints and index
/// `where` clauses are not written by TypeORM's MySQL driver.
fn mysql_sql(files: &[File], tables: &[Table]) -> (String, Origins) {
    let loc = |t: &Table, pos: Pos| {
        format!(
            "{}:{}:{}",
            files[t.file].path.display(),
            pos.line,
            pos.column
        )
    };
    let mut origins: Origins = Vec::new();
    let mut body = String::new();
    let mut tail = String::new();
    let cols = |v: &[String]| v.iter().map(|c| bq(c)).collect::<Vec<_>>().join(", ");
    for t in tables {
        let tn = bq(&t.name);
        origins.push((format!("table {}", t.name), loc(t, t.pos)));
        let mut parts = Vec::new();
        for c in &t.columns {
            origins.push((format!("column {}.{}", t.name, c.name), loc(t, c.pos)));
            let mut s = format!("{} {}", bq(&c.name), full_type(c));
            if let Some(co) = &c.collation {
                let _ = write!(s, " COLLATE {}", bq(co));
            }
            if let Some(values) = &c.enum_values {
                let v: Vec<String> = values.iter().map(|v| lit(v)).collect();
                let _ = write!(s, " ({})", v.join(", "));
            }
            s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
            if c.generated == Some(Gen::Increment) {
                s.push_str(" AUTO_INCREMENT");
            }
            if let Some(cm) = c.comment.as_deref().filter(|c| !c.is_empty()) {
                let _ = write!(s, " COMMENT {}", lit(&cm.replace('\\', "\\\\")));
            }
            if let Some(d) = &c.default {
                let _ = write!(s, " DEFAULT {d}");
            }
            if let Some(u) = &c.on_update {
                let _ = write!(s, " ON UPDATE {u}");
            }
            parts.push(s);
        }
        let mut names: Vec<&str> = Vec::new();
        for i in &t.indexes {
            names.push(&i.name);
            parts.push(format!(
                "{}INDEX {} ({})",
                if i.unique { "UNIQUE " } else { "" },
                bq(&i.name),
                cols(&i.columns)
            ));
        }
        for (n, c) in &t.uniques {
            if !names.contains(&n.as_str()) {
                parts.push(format!("UNIQUE INDEX {} ({})", bq(n), cols(c)));
            }
        }
        let pk: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.primary)
            .map(|c| c.name.clone())
            .collect();
        if !pk.is_empty() {
            parts.push(format!("PRIMARY KEY ({})", cols(&pk)));
        }
        let _ = writeln!(
            body,
            "CREATE TABLE {tn} ({}) ENGINE=InnoDB;",
            parts.join(", ")
        );
        for f in &t.fks {
            let _ = writeln!(
                tail,
                "ALTER TABLE {tn} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {};",
                bq(&f.name),
                cols(&f.columns),
                bq(&f.ref_table),
                cols(&f.ref_columns),
                f.on_delete,
                f.on_update
            );
        }
    }
    (format!("{body}{tail}"), origins)
}
