//! The EF Core model: entity types with their properties, keys, indexes and relationships,
//! built the way EF's model builder does it — conventions first, then data annotations, then the
//! fluent API of `OnModelCreating` and `IEntityTypeConfiguration<T>` classes — or, for a
//! `ModelSnapshot`/`.Designer.cs` `BuildModel` body, from the explicit string-based fluent calls
//! only (the snapshot already holds every convention's result).

use super::cs::{Arg, Class, Expr, Pos, Sources, Stmt, TypeRef};
use crate::OrmError;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delete {
    Cascade,
    ClientSetNull,
    SetNull,
    Restrict,
    NoAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gen {
    Never,
    OnAdd,
    /// `ValueGeneratedOnAddOrUpdate()`: Pomelo makes a `datetime`/`timestamp` column
    /// `DEFAULT CURRENT_TIMESTAMP(p) ON UPDATE CURRENT_TIMESTAMP(p)`.
    OnAddOrUpdate,
}

/// A CLR type as EF maps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clr {
    /// Canonical name: `int`, `long`, `string`, `DateTime`, `byte[]`, ... or the enum's name.
    pub name: String,
    pub nullable: bool,
    pub is_enum: bool,
    /// A reference type (string, byte[]): nullable unless required.
    pub reference: bool,
}

#[derive(Debug, Clone)]
pub struct Property {
    pub name: String,
    pub clr: Clr,
    pub column: Option<String>,
    pub column_type: Option<String>,
    pub max_length: Option<i64>,
    pub precision: Option<(i64, Option<i64>)>,
    /// Explicitly required (`[Required]`, `IsRequired()`), or explicitly optional.
    pub required: Option<bool>,
    pub default_lit: Option<Expr>,
    pub default_sql: Option<String>,
    pub generated: Option<Gen>,
    /// Npgsql identity / SQLite autoincrement asked for explicitly.
    pub identity: Option<bool>,
    pub comment: Option<String>,
    /// Stored as text (`HasConversion<string>()`).
    pub as_string: bool,
    pub shadow: bool,
    /// The owned navigation this column belongs to (`Address` for `Address_Street`).
    pub owner_nav: Option<String>,
    /// Pomelo's `HasCharSet` / `UseCollation` on the property (MySQL).
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub pos: Pos,
    pub file: usize,
}

#[derive(Debug, Clone, Default)]
pub struct IndexDef {
    pub props: Vec<String>,
    pub unique: bool,
    pub name: Option<String>,
    pub filter: Option<String>,
    pub descending: Vec<bool>,
    pub method: Option<String>,
    /// Pomelo's `HasPrefixLength(...)`: a key prefix per column, 0 for the whole column.
    pub prefix: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    pub full_name: String,
    pub class: Option<usize>,
    pub dbset: Option<String>,
    pub table: Option<String>,
    pub schema: Option<String>,
    pub props: Vec<Property>,
    pub key: Option<Vec<String>>,
    pub key_name: Option<String>,
    pub keyless: bool,
    pub indexes: Vec<IndexDef>,
    pub alt_keys: Vec<(Vec<String>, Option<String>)>,
    pub checks: Vec<(String, String)>,
    pub comment: Option<String>,
    pub ignored: Vec<String>,
    /// Owned navigations (table splitting): name and whether the navigation is required.
    pub owned: Vec<(String, bool)>,
    /// Pomelo's table `HasCharSet` / `UseCollation` (MySQL).
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub file: usize,
    pub pos: Pos,
}

impl Entity {
    pub fn prop(&self, name: &str) -> Option<&Property> {
        self.props.iter().find(|p| p.name == name)
    }
    fn prop_mut(&mut self, name: &str) -> Option<&mut Property> {
        self.props.iter_mut().find(|p| p.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct Rel {
    /// Entity index of the side `HasOne`/`HasMany` was called on, and the other side.
    pub dependent: Option<usize>,
    pub principal: Option<usize>,
    pub dep_nav: Option<String>,
    pub principal_nav: Option<String>,
    pub fk_props: Option<Vec<String>>,
    pub principal_key: Option<Vec<String>>,
    pub on_delete: Option<Delete>,
    pub required: Option<bool>,
    pub unique: bool,
    pub name: Option<String>,
    pub file: usize,
    pub pos: Pos,
    /// A skip navigation pair (`HasMany().WithMany()`): dependent/principal are the two sides.
    pub many_to_many: bool,
    pub join_table: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub entities: Vec<Entity>,
    pub rels: Vec<Rel>,
    pub default_schema: Option<String>,
    /// Read from a snapshot: no conventions beyond names.
    pub snapshot: bool,
    pub nrt: bool,
    pub ignored_types: Vec<String>,
    /// Types configured as owned (`[Owned]`, `Owned<T>()`, `OwnsOne`).
    pub owned_types: Vec<String>,
    /// Pomelo's model-wide `HasCharSet` / `UseCollation` (MySQL).
    pub charset: Option<String>,
    pub collation: Option<String>,
}

/// A value the fluent API evaluates to.
#[derive(Debug, Clone)]
pub enum Val {
    ModelB,
    Entity(usize),
    Prop(usize, String),
    Key(usize),
    Index(usize, usize),
    AltKey(usize, usize),
    /// `HasOne`/`HasMany` before `With...`: (entity, target, nav, is_collection)
    Half(usize, String, Option<String>, bool),
    Rel(usize),
    Table(usize),
    /// `OwnsOne(o => o.Nav, a => ...)`: (owner entity, navigation).
    Owned(usize, String),
    /// `Navigation(o => o.Nav)`: (entity, navigation).
    Nav(usize, String),
    /// A builder whose further calls do not change the schema (`Navigation(...)`, `HasData`).
    Ignore,
}

pub struct Builder<'a> {
    pub src: &'a Sources,
    pub model: Model,
    file: usize,
}

const SCALARS: &[&str] = &[
    "int",
    "long",
    "short",
    "byte",
    "sbyte",
    "uint",
    "ulong",
    "ushort",
    "bool",
    "string",
    "decimal",
    "double",
    "float",
    "char",
    "DateTime",
    "DateTimeOffset",
    "DateOnly",
    "TimeOnly",
    "TimeSpan",
    "Guid",
    "byte[]",
];

fn canonical(name: &str) -> &str {
    match name {
        "Int32" => "int",
        "Int64" => "long",
        "Int16" => "short",
        "Byte" => "byte",
        "SByte" => "sbyte",
        "UInt32" => "uint",
        "UInt64" => "ulong",
        "UInt16" => "ushort",
        "Boolean" => "bool",
        "String" => "string",
        "Decimal" => "decimal",
        "Double" => "double",
        "Single" => "float",
        "Char" => "char",
        n => n,
    }
}

pub fn is_integer(name: &str) -> bool {
    matches!(
        name,
        "int" | "long" | "short" | "byte" | "sbyte" | "uint" | "ulong" | "ushort"
    )
}

/// A charset name as MySQL/MariaDB print it (`utf8` is `utf8mb3`).
fn charset_name(s: String) -> String {
    let l = s.to_ascii_lowercase();
    if l == "utf8" { "utf8mb3".into() } else { l }
}

/// Strips `Ns.` from a snapshot's entity type name (`Blogging.Blog` -> `Blog`).
pub fn short_name(full: &str) -> &str {
    full.rsplit('.').next().unwrap_or(full)
}

fn attr<'c>(attrs: &'c [super::cs::Attr], name: &str) -> Option<&'c super::cs::Attr> {
    attrs.iter().find(|a| a.name == name)
}

fn positional(args: &[Arg]) -> impl Iterator<Item = &Expr> {
    args.iter().filter(|a| a.name.is_none()).map(|a| &a.value)
}

fn named_arg<'e>(args: &'e [Arg], name: &str) -> Option<&'e Expr> {
    args.iter()
        .find(|a| a.name.as_deref() == Some(name))
        .map(|a| &a.value)
}

impl<'a> Builder<'a> {
    pub fn new(src: &'a Sources, snapshot: bool, nrt: bool) -> Self {
        Builder {
            src,
            model: Model {
                snapshot,
                nrt,
                ..Model::default()
            },
            file: 0,
        }
    }

    /// The file positions and class names refer to until the next `run`.
    pub fn set_file(&mut self, file: usize) {
        self.file = file;
    }

    fn err(&self, pos: Pos, msg: impl Into<String>) -> OrmError {
        self.src.err(self.file, pos, msg.into())
    }

    fn str_of(&self, e: &Expr, what: &str) -> Result<String, OrmError> {
        match e {
            Expr::Str(s, _) => Ok(s.clone()),
            Expr::Call { name, args, .. } if name == "nameof" => match args.first() {
                Some(Arg {
                    value: Expr::Ident(n, _) | Expr::Member(_, n, _),
                    ..
                }) => Ok(n.clone()),
                _ => Err(self.err(e.pos(), format!("{what}: unsupported nameof"))),
            },
            other => Err(self.err(
                other.pos(),
                format!("{what} must be a string literal or nameof(...)"),
            )),
        }
    }

    fn int_of(&self, e: &Expr, what: &str) -> Result<i64, OrmError> {
        match e {
            Expr::Int(v, _) => Ok(*v),
            other => Err(self.err(other.pos(), format!("{what} must be an integer literal"))),
        }
    }

    fn bool_arg(&self, args: &[Arg]) -> Result<bool, OrmError> {
        match positional(args).next() {
            None => Ok(true),
            Some(Expr::Bool(b, _)) => Ok(*b),
            Some(o) => Err(self.err(o.pos(), "expected true or false")),
        }
    }

    /// Property names from a selector: `x => x.A`, `x => new { x.A, x.B }`, `"A"`, `nameof(A)`,
    /// or several string arguments / a string array.
    fn names(&self, args: &[Expr]) -> Result<Vec<String>, OrmError> {
        let mut out = vec![];
        for a in args {
            match a {
                Expr::Lambda { params, body, pos } => {
                    let Some(Stmt::Return(e)) = body.first() else {
                        return Err(self.err(*pos, "expected a property selector lambda"));
                    };
                    let p = params.first().cloned().unwrap_or_default();
                    let member = |e: &Expr| -> Result<String, OrmError> {
                        match e {
                            Expr::Member(t, n, _) if matches!(&**t, Expr::Ident(x, _) if *x == p) => {
                                Ok(n.clone())
                            }
                            o => Err(self.err(
                                o.pos(),
                                "expected a simple property access like `x => x.Name`",
                            )),
                        }
                    };
                    match e {
                        Expr::Anon(items, _) => {
                            for i in items {
                                out.push(member(i)?);
                            }
                        }
                        e => out.push(member(e)?),
                    }
                }
                Expr::Array(items, _) => out.extend(self.names(items)?),
                e => out.push(self.str_of(e, "a property name")?),
            }
        }
        Ok(out)
    }

    // ----- entity types -------------------------------------------------------------------

    pub fn entity_index(&self, name: &str) -> Option<usize> {
        let short = short_name(name);
        self.model
            .entities
            .iter()
            .position(|e| e.full_name == name || e.name == short)
    }

    /// The entity for a type name, created (with its class's properties, annotations and
    /// conventions) on first use.
    pub fn entity(&mut self, name: &str, pos: Pos) -> Result<usize, OrmError> {
        if let Some(i) = self.entity_index(name) {
            return Ok(i);
        }
        let short = short_name(name).to_string();
        let class = if self.model.snapshot {
            None
        } else {
            self.resolve_class(&short, pos)?
        };
        if !self.model.snapshot && class.is_none() {
            return Err(self.err(
                pos,
                format!("entity type `{short}` has no class in the project"),
            ));
        }
        let full_name = match class {
            Some(c) if !self.src.classes[c].namespace.is_empty() => {
                format!("{}.{}", self.src.classes[c].namespace, short)
            }
            _ => name.to_string(),
        };
        let (file, cpos) = class
            .map(|c| (self.src.classes[c].file, self.src.classes[c].pos))
            .unwrap_or((self.file, pos));
        let idx = self.model.entities.len();
        self.model.entities.push(Entity {
            name: short,
            full_name,
            class,
            dbset: None,
            table: None,
            schema: None,
            props: vec![],
            key: None,
            key_name: None,
            keyless: false,
            indexes: vec![],
            alt_keys: vec![],
            checks: vec![],
            comment: None,
            ignored: vec![],
            owned: vec![],
            charset: None,
            collation: None,
            file,
            pos: cpos,
        });
        if let Some(c) = class {
            self.class_members(idx, &self.src.classes[c])?;
        }
        Ok(idx)
    }

    /// The class a type name in the current file means: the only one of that name, else the
    /// one in the file's own namespace (or an enclosing one) or a namespace it imports.
    fn resolve_class(&self, short: &str, pos: Pos) -> Result<Option<usize>, OrmError> {
        let cands: Vec<usize> = self
            .src
            .classes
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                c.name == short
                    && !c.bases.iter().any(|b| {
                        matches!(b.name.as_str(), "DbContext" | "Migration" | "ModelSnapshot")
                    })
            })
            .map(|(i, _)| i)
            .collect();
        if cands.len() <= 1 {
            return Ok(cands.first().copied());
        }
        let file = self.src.files.get(self.file);
        let own: Vec<&str> = self
            .src
            .classes
            .iter()
            .filter(|c| c.file == self.file)
            .map(|c| c.namespace.as_str())
            .collect();
        let visible = |ns: &str| {
            file.is_some_and(|f| f.usings.iter().any(|u| u == ns))
                || own
                    .iter()
                    .any(|o| *o == ns || o.starts_with(&format!("{ns}.")))
        };
        let preferred: Vec<usize> = cands
            .iter()
            .copied()
            .filter(|&i| visible(&self.src.classes[i].namespace))
            .collect();
        match preferred.as_slice() {
            [one] => Ok(Some(*one)),
            _ => Err(self.err(
                pos,
                format!(
                    "`{short}` names several classes ({}): migrex cannot tell which is the entity type",
                    cands
                        .iter()
                        .map(|&i| format!("{}.{short}", self.src.classes[i].namespace))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    pub fn is_entity_class(&self, t: &TypeRef) -> bool {
        !t.array
            && t.args.is_empty()
            && self.src.classes.iter().any(|c| {
                c.name == t.name
                    && !c.bases.iter().any(|b| {
                        matches!(b.name.as_str(), "DbContext" | "Migration" | "ModelSnapshot")
                    })
            })
            && !self.model.ignored_types.contains(&t.name)
            && !self.is_owned_class(&t.name)
    }

    /// Whether a class is an owned type (`[Owned]`, `Owned<T>()`, or used in `OwnsOne`).
    pub fn is_owned_class(&self, name: &str) -> bool {
        self.model.owned_types.iter().any(|o| o == name)
            || self
                .src
                .classes
                .iter()
                .any(|c| c.name == name && attr(&c.attrs, "Owned").is_some())
    }

    /// Adds the columns of an owned navigation (`Address_Street`, ...) to the owner's table.
    pub fn expand_owned(
        &mut self,
        ent: usize,
        nav: &str,
        type_name: &str,
        pos: Pos,
    ) -> Result<(), OrmError> {
        if self.model.entities[ent].owned.iter().any(|(n, _)| n == nav) {
            return Ok(());
        }
        let Some(ci) = self.resolve_class(type_name, pos)? else {
            return Err(self.err(
                pos,
                format!("owned type `{type_name}` has no class in the project"),
            ));
        };
        let class = self.src.classes[ci].clone();
        // The owned class's properties and annotations, read as for an entity.
        let scratch = self.model.entities.len();
        let mut proto = self.model.entities[ent].clone();
        proto.props.clear();
        proto.name = format!("{}.{nav}", proto.name);
        self.model.entities.push(proto);
        let saved = self.file;
        let res = self.class_members(scratch, &class);
        self.file = saved;
        let tmp = self.model.entities.pop().expect("scratch entity");
        res?;
        for p in &class.props {
            let nested = self.clr_of(&p.ty).is_none()
                && (self.is_owned_class(&p.ty.name)
                    || self.is_entity_class(&p.ty)
                    || self.collection_elem(&p.ty).is_some());
            if nested && !p.is_static && attr(&p.attrs, "NotMapped").is_none() {
                return Err(self.src.err(
                    class.file,
                    p.pos,
                    "navigations inside owned types are not supported yet".into(),
                ));
            }
        }
        let e = &mut self.model.entities[ent];
        e.owned.push((nav.to_string(), false));
        for mut p in tmp.props {
            p.name = format!("{nav}_{}", p.name);
            p.owner_nav = Some(nav.to_string());
            e.props.push(p);
        }
        Ok(())
    }

    /// The element type of a collection navigation (`List<Post>`, `ICollection<Post>`, `Post[]`).
    pub fn collection_elem<'t>(&self, t: &'t TypeRef) -> Option<&'t TypeRef> {
        let collection = matches!(
            t.name.as_str(),
            "List"
                | "IList"
                | "ICollection"
                | "IEnumerable"
                | "HashSet"
                | "ISet"
                | "Collection"
                | "IReadOnlyCollection"
                | "IReadOnlyList"
                | "ObservableCollection"
        ) && t.args.len() == 1;
        let elem = if t.array || collection {
            t.args.first()
        } else {
            None
        };
        elem.filter(|e| self.is_entity_class(e))
    }

    pub fn clr_of(&self, t: &TypeRef) -> Option<Clr> {
        if t.array {
            let e = t.args.first()?;
            if canonical(&e.name) == "byte" && !e.nullable {
                return Some(Clr {
                    name: "byte[]".into(),
                    nullable: t.nullable,
                    is_enum: false,
                    reference: true,
                });
            }
            return None;
        }
        let name = canonical(&t.name);
        if name == "Nullable" && t.args.len() == 1 {
            let mut c = self.clr_of(&t.args[0])?;
            c.nullable = true;
            return Some(c);
        }
        if !t.args.is_empty() {
            return None;
        }
        if SCALARS.contains(&name) {
            return Some(Clr {
                name: name.to_string(),
                nullable: t.nullable,
                is_enum: false,
                reference: name == "string",
            });
        }
        self.src.enums.iter().find(|e| e.name == name).map(|e| Clr {
            // An enum is stored as its underlying integer type.
            name: e
                .underlying
                .as_deref()
                .map(canonical)
                .unwrap_or("int")
                .to_string(),
            nullable: t.nullable,
            is_enum: true,
            reference: false,
        })
    }

    /// Scalar properties of an entity class (and its base classes) with their annotations.
    fn class_members(&mut self, idx: usize, class: &Class) -> Result<(), OrmError> {
        let saved = self.file;
        self.file = class.file;
        // Base-class properties come after the class's own (EF orders base properties last).
        let mut chain = vec![class];
        let mut cur = class;
        while let Some(base) = cur
            .bases
            .iter()
            .find_map(|b| self.src.classes.iter().find(|c| c.name == b.name))
        {
            if chain.iter().any(|c| c.name == base.name) {
                break;
            }
            chain.push(base);
            cur = base;
        }
        for c in &chain {
            self.file = c.file;
            for p in &c.props {
                if p.is_static || p.computed || attr(&p.attrs, "NotMapped").is_some() {
                    continue;
                }
                if self.model.entities[idx].prop(&p.name).is_some() {
                    continue;
                }
                let Some(clr) = self.clr_of(&p.ty) else {
                    if self.is_entity_class(&p.ty)
                        || self.collection_elem(&p.ty).is_some()
                        || self.is_owned_class(&p.ty.name)
                    {
                        continue; // navigations and owned types
                    }
                    return Err(self.err(
                        p.pos,
                        format!(
                            "property `{}` has a type EF Core cannot map here (`{}`): mark it [NotMapped] or use a scalar type",
                            p.name, p.ty.name
                        ),
                    ));
                };
                let mut prop = Property {
                    name: p.name.clone(),
                    clr,
                    column: None,
                    column_type: None,
                    max_length: None,
                    precision: None,
                    required: None,
                    default_lit: None,
                    default_sql: None,
                    generated: None,
                    identity: None,
                    comment: None,
                    as_string: false,
                    shadow: false,
                    owner_nav: None,
                    charset: None,
                    collation: None,
                    pos: p.pos,
                    file: c.file,
                };
                for a in &p.attrs {
                    let pos_args: Vec<&Expr> = positional(&a.args).collect();
                    match a.name.as_str() {
                        "Column" => {
                            if let Some(n) = pos_args.first() {
                                prop.column = Some(self.str_of(n, "[Column] name")?);
                            }
                            if let Some(t) = named_arg(&a.args, "TypeName") {
                                prop.column_type = Some(self.str_of(t, "TypeName")?);
                            }
                        }
                        "Required" => prop.required = Some(true),
                        "MaxLength" | "StringLength" => {
                            if let Some(n) = pos_args.first() {
                                prop.max_length = Some(self.int_of(n, "the length")?);
                            }
                        }
                        "Precision" => {
                            let p0 = pos_args
                                .first()
                                .map(|e| self.int_of(e, "precision"))
                                .transpose()?;
                            let s = pos_args
                                .get(1)
                                .map(|e| self.int_of(e, "scale"))
                                .transpose()?;
                            if let Some(p0) = p0 {
                                prop.precision = Some((p0, s));
                            }
                        }
                        "DatabaseGenerated" => match pos_args.first() {
                            Some(Expr::Member(_, v, _)) if v == "None" => {
                                prop.generated = Some(Gen::Never)
                            }
                            Some(Expr::Member(_, v, _)) if v == "Identity" => {
                                prop.generated = Some(Gen::OnAdd);
                                prop.identity = Some(true);
                            }
                            Some(Expr::Member(_, v, _)) if v == "Computed" => {}
                            _ => return Err(self.err(a.pos, "unsupported [DatabaseGenerated]")),
                        },
                        "Comment" => {
                            if let Some(n) = pos_args.first() {
                                prop.comment = Some(self.str_of(n, "[Comment]")?);
                            }
                        }
                        // Pomelo's [MySqlCharSet("latin1")], [MySqlCollation("latin1_bin")].
                        "MySqlCharSet" => {
                            if let Some(n) = pos_args.first() {
                                prop.charset =
                                    Some(charset_name(self.str_of(n, "[MySqlCharSet]")?));
                            }
                        }
                        "MySqlCollation" => {
                            if let Some(n) = pos_args.first() {
                                prop.collation = Some(self.str_of(n, "[MySqlCollation]")?);
                            }
                        }
                        "Key" | "ForeignKey" | "InverseProperty" | "ConcurrencyCheck"
                        | "Timestamp" | "Unicode" | "JsonIgnore" | "JsonPropertyName"
                        | "EmailAddress" | "Range" | "Display" | "DataType" | "Url" | "Phone"
                        | "MinLength" | "RegularExpression" | "DefaultValue" | "Obsolete"
                        | "BackingField" | "DeleteBehavior" => {}
                        other => {
                            return Err(self.err(
                                a.pos,
                                format!("attribute [{other}] is not understood on a property"),
                            ));
                        }
                    }
                }
                self.model.entities[idx].props.push(prop);
            }
        }
        // [Key] properties, in declaration order (several need [PrimaryKey] or HasKey in EF,
        // which override this).
        let keys: Vec<String> = chain
            .iter()
            .flat_map(|c| &c.props)
            .filter(|p| attr(&p.attrs, "Key").is_some())
            .map(|p| p.name.clone())
            .collect();
        self.file = class.file;
        let e = &mut self.model.entities[idx];
        if !keys.is_empty() {
            e.key = Some(keys);
        }
        for a in &class.attrs {
            let pos_args: Vec<&Expr> = positional(&a.args).collect();
            match a.name.as_str() {
                "Table" => {
                    let n = pos_args
                        .first()
                        .ok_or_else(|| self.err(a.pos, "[Table] needs a name"))?;
                    let name = self.str_of(n, "[Table] name")?;
                    let schema = named_arg(&a.args, "Schema")
                        .map(|s| self.str_of(s, "Schema"))
                        .transpose()?;
                    let e = &mut self.model.entities[idx];
                    e.table = Some(name);
                    if schema.is_some() {
                        e.schema = schema;
                    }
                }
                "PrimaryKey" => {
                    let names = self.names(&pos_args.into_iter().cloned().collect::<Vec<_>>())?;
                    self.model.entities[idx].key = Some(names);
                }
                "Index" => {
                    let names = self.names(&pos_args.into_iter().cloned().collect::<Vec<_>>())?;
                    let unique =
                        matches!(named_arg(&a.args, "IsUnique"), Some(Expr::Bool(true, _)));
                    let name = named_arg(&a.args, "Name")
                        .map(|s| self.str_of(s, "Name"))
                        .transpose()?;
                    let descending = match named_arg(&a.args, "IsDescending") {
                        Some(Expr::Array(items, _)) => items
                            .iter()
                            .map(|i| matches!(i, Expr::Bool(true, _)))
                            .collect(),
                        Some(Expr::Bool(true, _)) => vec![true; names.len()],
                        _ if matches!(
                            named_arg(&a.args, "AllDescending"),
                            Some(Expr::Bool(true, _))
                        ) =>
                        {
                            vec![true; names.len()]
                        }
                        _ => vec![],
                    };
                    self.model.entities[idx].indexes.push(IndexDef {
                        props: names,
                        unique,
                        name,
                        descending,
                        ..IndexDef::default()
                    });
                }
                "Keyless" => self.model.entities[idx].keyless = true,
                "MySqlCharSet" => {
                    if let Some(n) = pos_args.first() {
                        let c = charset_name(self.str_of(n, "[MySqlCharSet]")?);
                        self.model.entities[idx].charset = Some(c);
                    }
                }
                "MySqlCollation" => {
                    if let Some(n) = pos_args.first() {
                        let c = self.str_of(n, "[MySqlCollation]")?;
                        self.model.entities[idx].collation = Some(c);
                    }
                }
                "Comment" => {
                    if let Some(n) = pos_args.first() {
                        let c = self.str_of(n, "[Comment]")?;
                        self.model.entities[idx].comment = Some(c);
                    }
                }
                "Owned"
                | "EntityTypeConfiguration"
                | "Serializable"
                | "DebuggerDisplay"
                | "Obsolete" => {}
                other => {
                    return Err(self.err(
                        a.pos,
                        format!("attribute [{other}] is not understood on an entity class"),
                    ));
                }
            }
        }
        self.file = saved;
        Ok(())
    }

    // ----- the fluent API -----------------------------------------------------------------

    /// Runs a method body (`OnModelCreating`, `Configure`, `BuildModel`) with `env` bound.
    pub fn run(
        &mut self,
        file: usize,
        body: &[Stmt],
        env: &mut HashMap<String, Val>,
    ) -> Result<(), OrmError> {
        let saved = self.file;
        self.file = file;
        for s in body {
            match s {
                Stmt::Expr(e) | Stmt::Return(e) => {
                    self.eval(e, env)?;
                }
                Stmt::Let(n, e) => {
                    let v = self.eval(e, env)?;
                    env.insert(n.clone(), v);
                }
                Stmt::Other(text, pos) => {
                    return Err(self.err(
                        *pos,
                        format!(
                            "unsupported statement in model configuration: `{}`",
                            text.lines().next().unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        self.file = saved;
        Ok(())
    }

    pub fn run_model_method(
        &mut self,
        file: usize,
        param: &str,
        body: &[Stmt],
    ) -> Result<(), OrmError> {
        let mut env = HashMap::new();
        env.insert(param.to_string(), Val::ModelB);
        self.run(file, body, &mut env)
    }

    /// Runs an `IEntityTypeConfiguration<T>` class's `Configure(builder)`.
    pub fn apply_configuration(&mut self, class: &Class, pos: Pos) -> Result<(), OrmError> {
        let Some(t) = class
            .bases
            .iter()
            .find(|b| b.name == "IEntityTypeConfiguration")
            .and_then(|b| b.args.first())
        else {
            return Err(self.err(
                pos,
                format!("`{}` is not an IEntityTypeConfiguration<T>", class.name),
            ));
        };
        let Some(m) = class.methods.iter().find(|m| m.name == "Configure") else {
            return Err(self
                .src
                .err(class.file, class.pos, "no Configure method".into()));
        };
        let saved = self.file;
        self.file = class.file;
        let e = self.entity(&t.name, m.pos)?;
        let mut env = HashMap::new();
        if let Some((_, p)) = m.params.first() {
            env.insert(p.clone(), Val::Entity(e));
        }
        self.run(class.file, &m.body, &mut env)?;
        self.file = saved;
        Ok(())
    }

    fn lambda_body(
        &mut self,
        lambda: &Expr,
        val: Val,
        env: &HashMap<String, Val>,
    ) -> Result<(), OrmError> {
        let Expr::Lambda { params, body, .. } = lambda else {
            return Err(self.err(lambda.pos(), "expected a lambda"));
        };
        let mut inner = env.clone();
        if let Some(p) = params.first() {
            inner.insert(p.clone(), val);
        }
        self.run(self.file, body, &mut inner)
    }

    fn eval(&mut self, e: &Expr, env: &HashMap<String, Val>) -> Result<Val, OrmError> {
        match e {
            Expr::Ident(n, pos) => env.get(n).cloned().ok_or_else(|| {
                self.err(*pos, format!("unknown name `{n}` in model configuration"))
            }),
            Expr::Call {
                target,
                name,
                generics,
                args,
                pos,
            } => {
                let (recv, args): (Val, Vec<Arg>) = match target.as_deref() {
                    Some(Expr::Ident(b, _)) if b == "base" => return Ok(Val::Ignore),
                    // `NpgsqlPropertyBuilderExtensions.UseIdentityByDefaultColumn(b.Property(...))`
                    Some(Expr::Ident(t, _))
                        if !env.contains_key(t) && t.ends_with("Extensions") =>
                    {
                        let Some(first) = args.first() else {
                            return Err(self.err(*pos, "an extension call without a receiver"));
                        };
                        (self.eval(&first.value, env)?, args[1..].to_vec())
                    }
                    Some(t) => (self.eval(t, env)?, args.clone()),
                    // A helper method of the project (`OnModelCreatingPartial(modelBuilder)`,
                    // `ConfigureBlogs(modelBuilder)`): run its body with the arguments bound; a
                    // partial method without an implementation does nothing.
                    None => {
                        let found: Vec<(usize, super::cs::Method)> = self
                            .src
                            .classes
                            .iter()
                            .flat_map(|c| c.methods.iter().map(move |m| (c.file, m)))
                            .filter(|(_, m)| m.name == *name && m.params.len() == args.len())
                            .map(|(f, m)| (f, m.clone()))
                            .collect();
                        let Some((file, m)) = found.into_iter().find(|(_, m)| !m.body.is_empty())
                        else {
                            if name.starts_with("OnModelCreating") {
                                return Ok(Val::Ignore);
                            }
                            return Err(self.err(
                                *pos,
                                format!("unsupported call `{name}(...)` in model configuration"),
                            ));
                        };
                        let mut inner = HashMap::new();
                        for ((_, p), a) in m.params.iter().zip(args) {
                            let v = self.eval(&a.value, env)?;
                            inner.insert(p.clone(), v);
                        }
                        self.run(file, &m.body, &mut inner)?;
                        return Ok(Val::Ignore);
                    }
                };
                self.call(recv, name, generics, &args, *pos, env)
            }
            o => Err(self.err(o.pos(), "unsupported expression in model configuration")),
        }
    }

    fn prop_or_shadow(
        &mut self,
        ent: usize,
        name: &str,
        ty: Option<&TypeRef>,
        pos: Pos,
    ) -> Result<(), OrmError> {
        if self.model.entities[ent].prop(name).is_some() {
            return Ok(());
        }
        let Some(t) = ty else {
            return Err(self.err(
                pos,
                format!(
                    "`{}` has no mapped property `{name}` (a shadow property needs Property<T>(\"{name}\"))",
                    self.model.entities[ent].name
                ),
            ));
        };
        let clr = self
            .clr_of(t)
            .ok_or_else(|| self.err(pos, format!("unsupported property type `{}`", t.name)))?;
        let file = self.file;
        self.model.entities[ent].props.push(Property {
            name: name.to_string(),
            clr,
            column: None,
            column_type: None,
            max_length: None,
            precision: None,
            required: None,
            default_lit: None,
            default_sql: None,
            generated: None,
            identity: None,
            comment: None,
            as_string: false,
            shadow: true,
            owner_nav: None,
            charset: None,
            collation: None,
            pos,
            file,
        });
        Ok(())
    }

    fn delete_behavior(&self, args: &[Arg]) -> Result<Delete, OrmError> {
        match positional(args).next() {
            Some(Expr::Member(_, v, pos)) => Ok(match v.as_str() {
                "Cascade" | "ClientCascade" => Delete::Cascade,
                "ClientSetNull" => Delete::ClientSetNull,
                "SetNull" => Delete::SetNull,
                "Restrict" => Delete::Restrict,
                "NoAction" | "ClientNoAction" => Delete::NoAction,
                o => return Err(self.err(*pos, format!("unknown DeleteBehavior `{o}`"))),
            }),
            Some(o) => Err(self.err(o.pos(), "expected DeleteBehavior.X")),
            None => Err(self.err(Pos::default(), "OnDelete needs a DeleteBehavior")),
        }
    }

    /// A relationship's target entity from `HasOne(x => x.Blog)`, `HasOne<Blog>()`,
    /// `HasOne("Ns.Blog", "Blog")`; returns the target type and the navigation name.
    fn half(
        &mut self,
        ent: usize,
        generics: &[TypeRef],
        args: &[Arg],
        pos: Pos,
        collection: bool,
    ) -> Result<Val, OrmError> {
        let pos_args: Vec<&Expr> = positional(args).collect();
        if let Some(t) = generics.first() {
            let nav = pos_args
                .first()
                .map(|a| self.names(&[(*a).clone()]))
                .transpose()?
                .and_then(|v| v.into_iter().next());
            return Ok(Val::Half(ent, t.name.clone(), nav, collection));
        }
        match pos_args.first() {
            Some(Expr::Str(t, _)) => {
                let nav = match pos_args.get(1) {
                    Some(Expr::Null(_)) | None => None,
                    Some(n) => Some(self.str_of(n, "navigation name")?),
                };
                Ok(Val::Half(ent, t.clone(), nav, collection))
            }
            Some(sel @ Expr::Lambda { .. }) => {
                let nav = self
                    .names(&[(*sel).clone()])?
                    .into_iter()
                    .next()
                    .ok_or_else(|| self.err(pos, "expected a navigation selector"))?;
                let Some(class) = self.model.entities[ent].class else {
                    return Err(self.err(pos, "a navigation lambda on an entity without a class"));
                };
                let class = &self.src.classes[class];
                let Some(p) = self.class_prop(class, &nav) else {
                    return Err(
                        self.err(pos, format!("`{}` has no navigation `{nav}`", class.name))
                    );
                };
                let target = if collection {
                    self.collection_elem(&p.ty).map(|t| t.name.clone())
                } else {
                    self.is_entity_class(&p.ty).then(|| p.ty.name.clone())
                };
                let Some(target) = target else {
                    return Err(self.err(
                        pos,
                        format!("`{nav}` is not a navigation to an entity type"),
                    ));
                };
                Ok(Val::Half(ent, target, Some(nav), collection))
            }
            _ => Err(self.err(pos, "unsupported HasOne/HasMany arguments")),
        }
    }

    pub fn class_prop<'c>(&self, class: &'c Class, name: &str) -> Option<&'c super::cs::Prop>
    where
        'a: 'c,
    {
        if let Some(p) = class.props.iter().find(|p| p.name == name) {
            return Some(p);
        }
        class.bases.iter().find_map(|b| {
            let base = self.src.classes.iter().find(|c| c.name == b.name)?;
            if base.name == class.name {
                return None;
            }
            self.class_prop(base, name)
        })
    }

    fn lambda_nav(&self, args: &[Arg]) -> Result<Option<String>, OrmError> {
        match positional(args).next() {
            None | Some(Expr::Null(_)) => Ok(None),
            Some(e) => Ok(self.names(std::slice::from_ref(e))?.into_iter().next()),
        }
    }

    fn call(
        &mut self,
        recv: Val,
        name: &str,
        generics: &[TypeRef],
        args: &[Arg],
        pos: Pos,
        env: &HashMap<String, Val>,
    ) -> Result<Val, OrmError> {
        let pos_args: Vec<Expr> = positional(args).cloned().collect();
        let unsupported = |b: &Self, what: &str| {
            Err(b.err(
                pos,
                format!(
                    "`{name}` is not supported on {what} (migrex reads a subset of the fluent API)"
                ),
            ))
        };
        match recv {
            Val::Ignore => Ok(Val::Ignore),
            Val::Owned(ent, ref nav) => match name {
                // Snapshot form: `b1.Property<string>("City")` declares the column,
                // `b1.HasKey("CustomerId")` names the owner's key copy (no column of its own).
                "Property" if self.model.snapshot => {
                    let n = self
                        .names(&pos_args)?
                        .into_iter()
                        .next()
                        .unwrap_or_default();
                    let full = format!("{nav}_{n}");
                    self.prop_or_shadow(ent, &full, generics.first(), pos)?;
                    if let Some(p) = self.model.entities[ent].prop_mut(&full) {
                        p.owner_nav = Some(nav.clone());
                        p.shadow = false;
                    }
                    Ok(Val::Prop(ent, full))
                }
                "HasKey" if self.model.snapshot => {
                    let keys: Vec<String> = self
                        .names(&pos_args)?
                        .into_iter()
                        .map(|k| format!("{nav}_{k}"))
                        .collect();
                    self.model.entities[ent]
                        .props
                        .retain(|p| !keys.contains(&p.name));
                    Ok(Val::Ignore)
                }
                "ToTable" if self.model.snapshot => Ok(Val::Ignore),
                "Property" => {
                    let n = self
                        .names(&pos_args)?
                        .into_iter()
                        .next()
                        .unwrap_or_default();
                    let full = format!("{nav}_{n}");
                    if self.model.entities[ent].prop(&full).is_none() {
                        return Err(self.err(
                            pos,
                            format!("owned type `{nav}` has no mapped property `{n}`"),
                        ));
                    }
                    Ok(Val::Prop(ent, full))
                }
                "Ignore" => {
                    let names = self.names(&pos_args)?;
                    let full: Vec<String> = names.iter().map(|n| format!("{nav}_{n}")).collect();
                    self.model.entities[ent]
                        .props
                        .retain(|p| !full.contains(&p.name));
                    Ok(recv)
                }
                "WithOwner"
                | "HasData"
                | "HasAnnotation"
                | "Navigation"
                | "UsePropertyAccessMode" => Ok(Val::Ignore),
                _ => unsupported(self, "an owned type (read as table splitting)"),
            },
            Val::Nav(ent, ref nav) => {
                if name == "IsRequired" {
                    let v = self.bool_arg(args)?;
                    if let Some(o) = self.model.entities[ent]
                        .owned
                        .iter_mut()
                        .find(|(n, _)| n == nav)
                    {
                        o.1 = v;
                    }
                }
                Ok(recv)
            }
            Val::ModelB => match name {
                "Entity" | "SharedTypeEntity" => {
                    let tname = if let Some(t) = generics.first() {
                        t.name.clone()
                    } else {
                        match pos_args.first() {
                            Some(e) => self.str_of(e, "the entity type name")?,
                            None => return Err(self.err(pos, "Entity() needs a type")),
                        }
                    };
                    let ent = self.entity(&tname, pos)?;
                    if let Some(l) = pos_args.iter().find(|a| matches!(a, Expr::Lambda { .. })) {
                        self.lambda_body(l, Val::Entity(ent), env)?;
                    }
                    Ok(Val::Entity(ent))
                }
                "HasDefaultSchema" => {
                    let s = pos_args
                        .first()
                        .map(|e| self.str_of(e, "the schema"))
                        .transpose()?;
                    self.model.default_schema = s;
                    Ok(Val::ModelB)
                }
                "ApplyConfiguration" => {
                    match pos_args.first() {
                        Some(Expr::New(t, _, p)) => {
                            let Some(c) = self.src.class(&t.name) else {
                                return Err(self.err(*p, format!("no class `{}`", t.name)));
                            };
                            self.apply_configuration(&c.clone(), *p)?;
                        }
                        _ => return Err(self.err(pos, "ApplyConfiguration(new Config()) expected")),
                    }
                    Ok(Val::ModelB)
                }
                "ApplyConfigurationsFromAssembly" => {
                    let configs: Vec<Class> = self
                        .src
                        .classes
                        .iter()
                        .filter(|c| c.bases.iter().any(|b| b.name == "IEntityTypeConfiguration"))
                        .cloned()
                        .collect();
                    for c in &configs {
                        self.apply_configuration(c, pos)?;
                    }
                    Ok(Val::ModelB)
                }
                "Ignore" => {
                    if let Some(t) = generics.first() {
                        self.model.ignored_types.push(t.name.clone());
                    }
                    Ok(Val::ModelB)
                }
                "HasAnnotation" => {
                    match Self::str_lit(&pos_args, 0).as_deref() {
                        Some("MySql:CharSet") => {
                            self.model.charset = self.charset_arg(pos_args.get(1))?;
                        }
                        Some("Relational:Collation") => {
                            self.model.collation = Self::str_lit(&pos_args, 1);
                        }
                        _ => {}
                    }
                    Ok(Val::ModelB)
                }
                // Pomelo: the database's (and so every table's) charset and collation.
                "HasCharSet" => {
                    self.model.charset = self.charset_arg(pos_args.first())?;
                    Ok(Val::ModelB)
                }
                "UseCollation" => {
                    self.model.collation = Self::str_lit(&pos_args, 0);
                    Ok(Val::ModelB)
                }
                "UseIdentityByDefaultColumns"
                | "UseIdentityColumns"
                | "UseIdentityAlwaysColumns"
                | "UseSerialColumns"
                | "AutoIncrementColumns"
                | "HasPostgresExtension" => Ok(Val::ModelB),
                "Owned" => {
                    if let Some(t) = generics.first() {
                        self.model.owned_types.push(t.name.clone());
                    }
                    Ok(Val::ModelB)
                }
                _ => unsupported(self, "the model builder"),
            },
            Val::Entity(ent) => self.entity_call(ent, name, generics, args, &pos_args, pos, env),
            Val::Table(ent) => match name {
                "HasCheckConstraint" => {
                    let n = self.str_of(
                        pos_args.first().ok_or_else(|| self.err(pos, "name"))?,
                        "name",
                    )?;
                    let sql = self.str_of(
                        pos_args.get(1).ok_or_else(|| self.err(pos, "sql"))?,
                        "the check SQL",
                    )?;
                    self.model.entities[ent].checks.push((n, sql));
                    Ok(Val::Ignore)
                }
                "HasComment" => {
                    let c = self.str_of(
                        pos_args.first().ok_or_else(|| self.err(pos, "comment"))?,
                        "comment",
                    )?;
                    self.model.entities[ent].comment = Some(c);
                    Ok(Val::Table(ent))
                }
                "HasTrigger" | "ExcludeFromMigrations" => {
                    Err(self.err(pos, format!("`{name}` is not supported yet")))
                }
                _ => unsupported(self, "a table builder"),
            },
            Val::Prop(ent, ref p) => {
                let b = &mut self.model.entities[ent];
                let Some(prop) = b.prop_mut(p) else {
                    return Err(self.err(pos, "internal: property vanished"));
                };
                match name {
                    "HasColumnName" => {
                        let v = Self::str_lit(&pos_args, 0);
                        prop.column = v;
                    }
                    "HasColumnType" => prop.column_type = Self::str_lit(&pos_args, 0),
                    "HasMaxLength" => {
                        if let Some(Expr::Int(v, _)) = pos_args.first() {
                            prop.max_length = Some(*v);
                        }
                    }
                    "HasPrecision" => {
                        if let Some(Expr::Int(v, _)) = pos_args.first() {
                            let s = match pos_args.get(1) {
                                Some(Expr::Int(s, _)) => Some(*s),
                                _ => None,
                            };
                            prop.precision = Some((*v, s));
                        }
                    }
                    "IsRequired" => {
                        let v = !matches!(pos_args.first(), Some(Expr::Bool(false, _)));
                        prop.required = Some(v);
                    }
                    "HasDefaultValue" => prop.default_lit = pos_args.first().cloned(),
                    "HasDefaultValueSql" => prop.default_sql = Self::str_lit(&pos_args, 0),
                    "ValueGeneratedNever" => prop.generated = Some(Gen::Never),
                    "ValueGeneratedOnAdd" => prop.generated = Some(Gen::OnAdd),
                    "ValueGeneratedOnAddOrUpdate" => prop.generated = Some(Gen::OnAddOrUpdate),
                    "HasComment" => prop.comment = Self::str_lit(&pos_args, 0),
                    // Pomelo (MySQL).
                    "UseMySqlIdentityColumn" => {
                        prop.identity = Some(true);
                        prop.generated = Some(Gen::OnAdd);
                    }
                    "UseMySqlComputedColumn" => prop.generated = Some(Gen::OnAddOrUpdate),
                    "HasCharSet" => {
                        let c = match pos_args.first() {
                            Some(Expr::Str(s, _)) => Some(charset_name(s.clone())),
                            Some(Expr::Member(_, m, _)) => Some(m.to_ascii_lowercase()),
                            _ => None,
                        };
                        prop.charset = c;
                    }
                    "UseCollation" => prop.collation = Self::str_lit(&pos_args, 0),
                    "UseIdentityByDefaultColumn"
                    | "UseIdentityAlwaysColumn"
                    | "UseIdentityColumn"
                    | "UseSerialColumn" => {
                        prop.identity = Some(true);
                        prop.generated = Some(Gen::OnAdd);
                    }
                    "HasConversion" => {
                        let to_string = generics.first().is_some_and(|g| g.name == "string")
                            || matches!(pos_args.first(), Some(Expr::TypeOf(t, _)) if t.name == "string");
                        if !to_string {
                            return Err(self.err(pos, "only HasConversion<string>() is supported"));
                        }
                        prop.as_string = true;
                    }
                    "HasAnnotation" => {
                        let key = Self::str_lit(&pos_args, 0).unwrap_or_default();
                        match key.as_str() {
                            "Sqlite:Autoincrement" => {
                                prop.identity = Some(true);
                                prop.generated = Some(Gen::OnAdd);
                            }
                            "Npgsql:ValueGenerationStrategy" => {
                                if matches!(pos_args.get(1), Some(Expr::Member(_, v, _)) if v.starts_with("Identity") || v == "SerialColumn")
                                {
                                    prop.identity = Some(true);
                                }
                            }
                            "MySql:ValueGenerationStrategy" => match pos_args.get(1) {
                                Some(Expr::Member(_, v, _)) if v == "IdentityColumn" => {
                                    prop.identity = Some(true);
                                    prop.generated = Some(Gen::OnAdd);
                                }
                                Some(Expr::Member(_, v, _)) if v == "ComputedColumn" => {
                                    prop.generated = Some(Gen::OnAddOrUpdate);
                                }
                                _ => {}
                            },
                            "MySql:CharSet" => prop.charset = Self::str_lit(&pos_args, 1),
                            "Relational:Collation" => prop.collation = Self::str_lit(&pos_args, 1),
                            _ => {}
                        }
                    }
                    "IsUnicode"
                    | "IsFixedLength"
                    | "IsConcurrencyToken"
                    | "IsRowVersion"
                    | "ValueGeneratedOnUpdate"
                    | "HasField"
                    | "UsePropertyAccessMode"
                    | "HasValueGenerator"
                    | "Metadata"
                    | "HasSentinel" => {}
                    "HasComputedColumnSql" => {
                        return Err(self.err(pos, "computed columns are not supported yet"));
                    }
                    _ => return unsupported(self, "a property builder"),
                }
                Ok(recv)
            }
            Val::Key(ent) => match name {
                "HasName" => {
                    self.model.entities[ent].key_name = Self::str_lit(&pos_args, 0);
                    Ok(recv)
                }
                "HasAnnotation" => Ok(recv),
                _ => unsupported(self, "a key builder"),
            },
            Val::AltKey(ent, i) => match name {
                "HasName" => {
                    self.model.entities[ent].alt_keys[i].1 = Self::str_lit(&pos_args, 0);
                    Ok(recv)
                }
                _ => unsupported(self, "a key builder"),
            },
            Val::Index(ent, i) => {
                let ix = &mut self.model.entities[ent].indexes[i];
                match name {
                    "IsUnique" => {
                        ix.unique = !matches!(pos_args.first(), Some(Expr::Bool(false, _)))
                    }
                    "HasDatabaseName" | "HasName" => ix.name = Self::str_lit(&pos_args, 0),
                    "HasFilter" => ix.filter = Self::str_lit(&pos_args, 0),
                    "HasMethod" => ix.method = Self::str_lit(&pos_args, 0),
                    // Pomelo: `HasPrefixLength(10)` or one length per column (0: the whole column).
                    "HasPrefixLength" => {
                        let mut v = vec![];
                        for a in &pos_args {
                            match a {
                                Expr::Int(n, _) => v.push(*n),
                                Expr::Array(items, _) => {
                                    for i in items {
                                        match i {
                                            Expr::Int(n, _) => v.push(*n),
                                            o => {
                                                return Err(self.err(
                                                    o.pos(),
                                                    "HasPrefixLength takes integer literals",
                                                ));
                                            }
                                        }
                                    }
                                }
                                o => {
                                    return Err(
                                        self.err(o.pos(), "HasPrefixLength takes integer literals")
                                    );
                                }
                            }
                        }
                        ix.prefix = v;
                    }
                    "IsDescending" => {
                        let n = ix.props.len();
                        ix.descending = if pos_args.is_empty() {
                            vec![true; n]
                        } else {
                            pos_args
                                .iter()
                                .map(|a| matches!(a, Expr::Bool(true, _)))
                                .collect()
                        };
                    }
                    "HasAnnotation" => {}
                    _ => return unsupported(self, "an index builder"),
                }
                Ok(recv)
            }
            Val::Half(ent, target, nav, collection) => {
                let target_idx = self.entity(&target, pos)?;
                let other_nav = self.lambda_nav(args)?;
                let other_nav = match (&other_nav, pos_args.first()) {
                    (None, Some(e @ Expr::Str(..))) => Some(self.str_of(e, "navigation")?),
                    _ => other_nav,
                };
                let file = self.file;
                let mut rel = Rel {
                    dependent: None,
                    principal: None,
                    dep_nav: None,
                    principal_nav: None,
                    fk_props: None,
                    principal_key: None,
                    on_delete: None,
                    required: None,
                    unique: false,
                    name: None,
                    file,
                    pos,
                    many_to_many: false,
                    join_table: None,
                };
                match (collection, name) {
                    (false, "WithMany") => {
                        rel.dependent = Some(ent);
                        rel.principal = Some(target_idx);
                        rel.dep_nav = nav;
                        rel.principal_nav = other_nav;
                    }
                    (true, "WithOne") => {
                        rel.dependent = Some(target_idx);
                        rel.principal = Some(ent);
                        rel.principal_nav = nav;
                        rel.dep_nav = other_nav;
                    }
                    (false, "WithOne") => {
                        // One-to-one: the dependent is decided by HasForeignKey<T>.
                        rel.unique = true;
                        rel.dependent = None;
                        rel.principal = None;
                        rel.dep_nav = nav; // provisional: this side's navigation
                        rel.principal_nav = other_nav;
                        rel.join_table = Some(format!("{ent}:{target_idx}"));
                    }
                    (true, "WithMany") => {
                        rel.many_to_many = true;
                        rel.dependent = Some(ent);
                        rel.principal = Some(target_idx);
                        rel.dep_nav = nav;
                        rel.principal_nav = other_nav;
                    }
                    _ => return unsupported(self, "a relationship"),
                }
                // Replace a relationship already configured for the same navigation.
                self.model.rels.retain(|r| {
                    !(rel.dep_nav.is_some()
                        && r.dependent == rel.dependent
                        && r.dep_nav == rel.dep_nav
                        && r.principal == rel.principal)
                });
                self.model.rels.push(rel);
                Ok(Val::Rel(self.model.rels.len() - 1))
            }
            Val::Rel(r) => {
                match name {
                    "HasForeignKey" | "HasPrincipalKey" => {
                        let mut names_args = pos_args.clone();
                        // one-to-one: HasForeignKey<Dep>(...) or HasForeignKey("Ns.Dep", "Col")
                        let mut side: Option<String> = generics.first().map(|g| g.name.clone());
                        if self.model.rels[r].unique
                            && side.is_none()
                            && names_args.len() >= 2
                            && let Expr::Str(s, _) = &names_args[0]
                            && self.entity_index(s).is_some()
                        {
                            side = Some(s.clone());
                            names_args.remove(0);
                        }
                        let cols = self.names(&names_args)?;
                        if let Some(side) = side {
                            self.orient_one_to_one(r, &side, name == "HasForeignKey", pos)?;
                        }
                        if name == "HasForeignKey" {
                            self.model.rels[r].fk_props = Some(cols);
                        } else {
                            self.model.rels[r].principal_key = Some(cols);
                        }
                    }
                    "OnDelete" => {
                        let d = self.delete_behavior(args)?;
                        self.model.rels[r].on_delete = Some(d);
                    }
                    "IsRequired" => {
                        let v = self.bool_arg(args)?;
                        self.model.rels[r].required = Some(v);
                    }
                    "HasConstraintName" => self.model.rels[r].name = Self::str_lit(&pos_args, 0),
                    "UsingEntity" => {
                        if !self.model.rels[r].many_to_many {
                            return unsupported(self, "this relationship");
                        }
                        match (generics.first(), pos_args.as_slice()) {
                            (None, [Expr::Str(n, _)]) => {
                                self.model.rels[r].join_table = Some(n.clone())
                            }
                            (None, [l @ Expr::Lambda { params, body, .. }]) => {
                                // j => j.ToTable("Name")
                                let _ = l;
                                let p = params.first().cloned().unwrap_or_default();
                                let mut table = None;
                                for s in body {
                                    if let Stmt::Return(Expr::Call {
                                        target: Some(t),
                                        name,
                                        args,
                                        ..
                                    })
                                    | Stmt::Expr(Expr::Call {
                                        target: Some(t),
                                        name,
                                        args,
                                        ..
                                    }) = s
                                        && matches!(&**t, Expr::Ident(x, _) if *x == p)
                                        && name == "ToTable"
                                        && let Some(Arg {
                                            value: Expr::Str(n, _),
                                            ..
                                        }) = args.first()
                                    {
                                        table = Some(n.clone());
                                        continue;
                                    }
                                    return Err(self.err(
                                        pos,
                                        "UsingEntity supports only j => j.ToTable(\"Name\") here",
                                    ));
                                }
                                self.model.rels[r].join_table = table;
                            }
                            _ => {
                                return Err(self.err(pos, "explicit join entity types in UsingEntity are not supported yet"));
                            }
                        }
                    }
                    "HasAnnotation" => {}
                    _ => return unsupported(self, "a relationship builder"),
                }
                Ok(Val::Rel(r))
            }
        }
    }

    /// A charset argument: `"utf8mb4"` or Pomelo's `CharSet.Utf8Mb4`.
    fn charset_arg(&self, e: Option<&Expr>) -> Result<Option<String>, OrmError> {
        match e {
            None | Some(Expr::Null(_)) => Ok(None),
            Some(Expr::Str(s, _)) => Ok(Some(charset_name(s.clone()))),
            Some(Expr::Member(_, m, _)) => Ok(Some(m.to_ascii_lowercase())),
            Some(o) => Err(self.err(o.pos(), "the charset must be a string literal or CharSet.X")),
        }
    }

    fn str_lit(args: &[Expr], i: usize) -> Option<String> {
        match args.get(i) {
            Some(Expr::Str(s, _)) => Some(s.clone()),
            _ => None,
        }
    }

    /// Fixes which side of a one-to-one holds the foreign key.
    fn orient_one_to_one(
        &mut self,
        r: usize,
        side: &str,
        fk: bool,
        pos: Pos,
    ) -> Result<(), OrmError> {
        let Some(pair) = self.model.rels[r].join_table.take() else {
            return Ok(());
        };
        let (a, b) = pair.split_once(':').unwrap_or(("0", "0"));
        let (a, b): (usize, usize) = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
        let s = self.entity_index(side).ok_or_else(|| {
            self.err(
                pos,
                format!("`{side}` is not an entity type of this relationship"),
            )
        })?;
        let rel = &mut self.model.rels[r];
        let (nav_a, nav_b) = (rel.dep_nav.take(), rel.principal_nav.take());
        let dep_is_a = (s == a) == fk;
        if dep_is_a {
            rel.dependent = Some(a);
            rel.principal = Some(b);
            rel.dep_nav = nav_a;
            rel.principal_nav = nav_b;
        } else {
            rel.dependent = Some(b);
            rel.principal = Some(a);
            rel.dep_nav = nav_b;
            rel.principal_nav = nav_a;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn entity_call(
        &mut self,
        ent: usize,
        name: &str,
        generics: &[TypeRef],
        args: &[Arg],
        pos_args: &[Expr],
        pos: Pos,
        env: &HashMap<String, Val>,
    ) -> Result<Val, OrmError> {
        match name {
            "ToTable" => {
                let mut strs = vec![];
                for a in pos_args {
                    match a {
                        Expr::Str(..) | Expr::Call { .. } => strs.push(self.str_of(a, "the table name")?),
                        Expr::Null(_) => strs.push(String::new()),
                        Expr::Lambda { .. } => self.lambda_body(a, Val::Table(ent), env)?,
                        o => return Err(self.err(o.pos(), "unsupported ToTable argument")),
                    }
                }
                if let Some(s) = named_arg(args, "schema") {
                    strs.resize(1.max(strs.len()), String::new());
                    strs.push(self.str_of(s, "schema")?);
                }
                let e = &mut self.model.entities[ent];
                if let Some(t) = strs.first() {
                    e.table = Some(t.clone());
                }
                if let Some(s) = strs.get(1).filter(|s| !s.is_empty()) {
                    e.schema = Some(s.clone());
                }
                Ok(Val::Entity(ent))
            }
            "HasKey" => {
                let names = self.names(pos_args)?;
                self.model.entities[ent].key = Some(names);
                Ok(Val::Key(ent))
            }
            "HasNoKey" => {
                self.model.entities[ent].keyless = true;
                Ok(Val::Entity(ent))
            }
            "HasIndex" => {
                // HasIndex(new[] { "A" }, "Name") in snapshots of named indexes.
                let (sel, idx_name) = match pos_args {
                    [a @ Expr::Array(..), Expr::Str(n, _)] => (vec![a.clone()], Some(n.clone())),
                    [a @ Expr::Lambda { .. }, Expr::Str(n, _)] => (vec![a.clone()], Some(n.clone())),
                    _ => (pos_args.to_vec(), None),
                };
                let names = self.names(&sel)?;
                for n in &names {
                    self.prop_or_shadow(ent, n, None, pos)?;
                }
                let e = &mut self.model.entities[ent];
                // A second HasIndex on the same properties configures the same index.
                let i = match e.indexes.iter().position(|i| i.props == names && (idx_name.is_none() || i.name == idx_name)) {
                    Some(i) => i,
                    None => {
                        e.indexes.push(IndexDef {
                            props: names,
                            name: idx_name.clone(),
                            ..IndexDef::default()
                        });
                        e.indexes.len() - 1
                    }
                };
                if idx_name.is_some() {
                    e.indexes[i].name = idx_name;
                }
                Ok(Val::Index(ent, i))
            }
            "HasAlternateKey" => {
                let names = self.names(pos_args)?;
                let e = &mut self.model.entities[ent];
                e.alt_keys.push((names, None));
                Ok(Val::AltKey(ent, e.alt_keys.len() - 1))
            }
            "Property" => {
                let pname = self
                    .names(&pos_args.iter().filter(|a| !matches!(a, Expr::TypeOf(..))).cloned().collect::<Vec<_>>())?
                    .into_iter()
                    .next()
                    .ok_or_else(|| self.err(pos, "Property() needs a name"))?;
                let ty = generics.first().cloned().or_else(|| {
                    pos_args.iter().find_map(|a| match a {
                        Expr::TypeOf(t, _) => Some(t.clone()),
                        _ => None,
                    })
                });
                self.prop_or_shadow(ent, &pname, ty.as_ref(), pos)?;
                Ok(Val::Prop(ent, pname))
            }
            "Ignore" => {
                let names = self.names(pos_args)?;
                let e = &mut self.model.entities[ent];
                e.props.retain(|p| !names.contains(&p.name));
                e.ignored.extend(names);
                Ok(Val::Entity(ent))
            }
            "HasOne" => self.half(ent, generics, args, pos, false),
            "HasMany" => self.half(ent, generics, args, pos, true),
            "HasCheckConstraint" => {
                let n = self.str_of(pos_args.first().ok_or_else(|| self.err(pos, "name"))?, "name")?;
                let sql = self.str_of(pos_args.get(1).ok_or_else(|| self.err(pos, "sql"))?, "the check SQL")?;
                self.model.entities[ent].checks.push((n, sql));
                Ok(Val::Ignore)
            }
            "HasComment" => {
                self.model.entities[ent].comment = Self::str_lit(pos_args, 0);
                Ok(Val::Entity(ent))
            }
            // Pomelo: the table's charset and collation.
            "HasCharSet" => {
                self.model.entities[ent].charset = self.charset_arg(pos_args.first())?;
                Ok(Val::Entity(ent))
            }
            "UseCollation" => {
                self.model.entities[ent].collation = Self::str_lit(pos_args, 0);
                Ok(Val::Entity(ent))
            }
            "Navigation" => {
                let n = self.names(pos_args)?.into_iter().next().unwrap_or_default();
                Ok(Val::Nav(ent, n))
            }
            "HasData" | "HasQueryFilter" | "HasAnnotation" | "HasChangeTrackingStrategy"
            | "UsePropertyAccessMode" => Ok(Val::Ignore),
            // Snapshot form: OwnsOne("Ns.Address", "BillingAddress", b1 => { ... }).
            "OwnsOne" if self.model.snapshot => {
                let (Some(Expr::Str(_, _)), Some(Expr::Str(nav, _)), Some(l @ Expr::Lambda { .. })) =
                    (pos_args.first(), pos_args.get(1), pos_args.get(2))
                else {
                    return Err(self.err(pos, "OwnsOne(\"Type\", \"Navigation\", b1 => ...) expected"));
                };
                if !self.model.entities[ent].owned.iter().any(|(n, _)| n == nav) {
                    self.model.entities[ent].owned.push((nav.clone(), false));
                }
                self.lambda_body(l, Val::Owned(ent, nav.clone()), env)?;
                Ok(Val::Owned(ent, nav.clone()))
            }
            "OwnsOne" => {
                let Some(sel) = pos_args.first().filter(|a| matches!(a, Expr::Lambda { .. })) else {
                    return Err(self.err(pos, "OwnsOne(o => o.Navigation, ...) expected"));
                };
                let nav = self
                    .names(std::slice::from_ref(sel))?
                    .into_iter()
                    .next()
                    .ok_or_else(|| self.err(pos, "expected a navigation selector"))?;
                let ty = match (generics.first(), self.model.entities[ent].class) {
                    (Some(g), _) => g.name.clone(),
                    (None, Some(c)) => match self.class_prop(&self.src.classes[c], &nav) {
                        Some(p) => p.ty.name.clone(),
                        None => return Err(self.err(pos, format!("no navigation `{nav}`"))),
                    },
                    (None, None) => return Err(self.err(pos, "OwnsOne on an entity without a class")),
                };
                self.model.owned_types.push(ty.clone());
                self.expand_owned(ent, &nav, &ty, pos)?;
                if let Some(l) = pos_args.get(1).filter(|a| matches!(a, Expr::Lambda { .. })) {
                    self.lambda_body(l, Val::Owned(ent, nav.clone()), env)?;
                }
                Ok(Val::Owned(ent, nav))
            }
            "OwnsMany" => Err(self.err(
                pos,
                format!("`{name}` is not supported yet (owned types are read as OwnsOne with table splitting)"),
            )),
            "HasDiscriminator" | "HasBaseType" | "UseTpcMappingStrategy" | "UseTptMappingStrategy"
            | "UseTphMappingStrategy" => Err(self.err(pos, "entity type inheritance mappings are not supported yet")),
            "ToView" | "ToSqlQuery" | "ToFunction" => {
                Err(self.err(pos, format!("`{name}` (entities not mapped to tables) is not supported yet")))
            }
            _ => Err(self.err(
                pos,
                format!("`{name}` is not supported on an entity type builder (migrex reads a subset of the fluent API)"),
            )),
        }
    }
}
