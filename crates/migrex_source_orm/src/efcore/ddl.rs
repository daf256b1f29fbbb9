//! From the EF model to the relational model EF's migrations differ sees, then to the SQL the
//! provider's `MigrationsSqlGenerator` writes for `CreateTable`/`CreateIndex` (the SQLite
//! provider, Npgsql 8/9): the conventions that need the whole model (relationship discovery,
//! foreign-key properties, shadow properties, value generation, foreign-key indexes) and EF's
//! names (`PK_`, `FK_`, `IX_`, `AK_`, truncated to the provider's identifier length).

use super::cs::{Expr, Pos};
use super::model::{Builder, Clr, Delete, Gen, IndexDef, Property, Rel, is_integer};
use crate::OrmError;
use migrex_model::Dialect;
use std::fmt::Write;

#[derive(Debug, Clone)]
pub struct RCol {
    pub name: String,
    pub ty: String,
    pub nullable: bool,
    pub default: Option<String>,
    pub autoinc: bool,
    pub identity: bool,
    pub comment: Option<String>,
    /// MySQL: `CHARACTER SET` / `COLLATE` after the type (Pomelo writes them for strings and
    /// `Guid`s), and `ON UPDATE CURRENT_TIMESTAMP(p)`.
    pub charset: Option<String>,
    pub collation: Option<String>,
    pub on_update: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RFk {
    pub name: String,
    pub cols: Vec<String>,
    pub ref_table: String,
    pub ref_schema: Option<String>,
    pub ref_cols: Vec<String>,
    pub on_delete: Delete,
}

#[derive(Debug, Clone)]
pub struct RIndex {
    pub name: String,
    pub cols: Vec<String>,
    pub unique: bool,
    pub filter: Option<String>,
    pub desc: Vec<bool>,
    pub method: Option<String>,
    /// MySQL key prefix lengths per column (0: the whole column).
    pub prefix: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct RTable {
    pub name: String,
    pub schema: Option<String>,
    pub columns: Vec<RCol>,
    pub pk: Option<(String, Vec<String>)>,
    pub uniques: Vec<(String, Vec<String>)>,
    pub fks: Vec<RFk>,
    pub checks: Vec<(String, String)>,
    pub indexes: Vec<RIndex>,
    pub comment: Option<String>,
    /// MySQL table options `CHARACTER SET=` and `COLLATE=`.
    pub charset: Option<String>,
    pub collation: Option<String>,
    /// `file:line:col` of the entity class or `Entity(...)` call.
    pub origin: String,
}

/// The identifier limit EF truncates generated names to (`Relational:MaxIdentifierLength`;
/// SQLite sets none, so EF's default of `short.MaxValue` applies).
pub fn max_ident(dialect: Dialect) -> usize {
    match dialect {
        Dialect::Postgres => 63,
        Dialect::Mysql => 64,
        Dialect::Sqlite => i16::MAX as usize,
    }
}

/// EF's `Uniquifier.Truncate`: longer names keep `max - 1` characters and end in `~`.
pub fn truncate(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let mut s: String = name.chars().take(max - 1).collect();
    s.push('~');
    s
}

fn eq_ic(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

struct Resolver<'b, 'a> {
    b: &'b mut Builder<'a>,
}

impl Resolver<'_, '_> {
    fn err(&self, file: usize, pos: Pos, msg: String) -> OrmError {
        self.b.src.err(file, pos, msg)
    }

    /// Conventions over navigations: every navigation not configured through the fluent API
    /// becomes (half of) a relationship.
    fn discover(&mut self) -> Result<(), OrmError> {
        // Reachable entity types first (EF adds the targets of navigations to the model).
        let mut i = 0;
        while i < self.b.model.entities.len() {
            if let Some(c) = self.b.model.entities[i].class {
                let class = self.b.src.classes[c].clone();
                let props = self.all_props(&class);
                for p in props {
                    if p.is_static || p.attrs.iter().any(|a| a.name == "NotMapped") {
                        continue;
                    }
                    if self.b.model.entities[i].ignored.contains(&p.name) {
                        continue;
                    }
                    let target = if self.b.clr_of(&p.ty).is_some() {
                        None
                    } else if let Some(t) = self.b.collection_elem(&p.ty) {
                        Some(t.name.clone())
                    } else if self.b.is_entity_class(&p.ty) {
                        Some(p.ty.name.clone())
                    } else {
                        None
                    };
                    if let Some(t) = target {
                        self.b.set_file(class.file);
                        self.b.entity(&t, p.pos)?;
                    }
                }
            }
            i += 1;
        }
        // Navigations per entity: (entity, nav, target, collection, inverse attr, fk attr, nullable, required attr)
        struct Nav {
            ent: usize,
            name: String,
            target: usize,
            collection: bool,
            inverse: Option<String>,
            fk: Option<String>,
            nullable: bool,
            required_attr: bool,
            /// `[DeleteBehavior(DeleteBehavior.X)]` (EF 7+), on the dependent's navigation.
            delete: Option<Delete>,
            file: usize,
            pos: Pos,
        }
        let mut navs: Vec<Nav> = vec![];
        for (ei, e) in self.b.model.entities.iter().enumerate() {
            let Some(c) = e.class else { continue };
            let class = &self.b.src.classes[c];
            for p in self.all_props(class) {
                if p.is_static
                    || p.attrs.iter().any(|a| a.name == "NotMapped")
                    || e.ignored.contains(&p.name)
                {
                    continue;
                }
                if self.b.clr_of(&p.ty).is_some() {
                    continue;
                }
                let (target, collection) = if let Some(t) = self.b.collection_elem(&p.ty) {
                    (t.name.clone(), true)
                } else if self.b.is_entity_class(&p.ty) {
                    (p.ty.name.clone(), false)
                } else {
                    continue;
                };
                let Some(ti) = self.b.entity_index(&target) else {
                    continue;
                };
                let str_attr = |n: &str| {
                    p.attrs.iter().find(|a| a.name == n).and_then(|a| {
                        match a.args.first().map(|x| &x.value) {
                            Some(Expr::Str(s, _)) => Some(s.clone()),
                            Some(Expr::Call { name, args, .. }) if name == "nameof" => match args
                                .first()
                                .map(|x| &x.value)
                            {
                                Some(Expr::Ident(n, _) | Expr::Member(_, n, _)) => Some(n.clone()),
                                _ => None,
                            },
                            _ => None,
                        }
                    })
                };
                navs.push(Nav {
                    ent: ei,
                    name: p.name.clone(),
                    target: ti,
                    collection,
                    inverse: str_attr("InverseProperty"),
                    fk: str_attr("ForeignKey"),
                    nullable: p.ty.nullable,
                    required_attr: p.attrs.iter().any(|a| a.name == "Required"),
                    delete: p
                        .attrs
                        .iter()
                        .find(|a| a.name == "DeleteBehavior")
                        .and_then(|a| match a.args.first().map(|x| &x.value) {
                            Some(Expr::Member(_, v, _)) => match v.as_str() {
                                "Cascade" | "ClientCascade" => Some(Delete::Cascade),
                                "SetNull" => Some(Delete::SetNull),
                                "Restrict" => Some(Delete::Restrict),
                                "NoAction" | "ClientNoAction" => Some(Delete::NoAction),
                                "ClientSetNull" => Some(Delete::ClientSetNull),
                                _ => None,
                            },
                            _ => None,
                        }),
                    file: class.file,
                    pos: p.pos,
                });
            }
        }
        let used = |rels: &[Rel], ent: usize, nav: &str| {
            rels.iter().any(|r| {
                (r.dependent == Some(ent) && r.dep_nav.as_deref() == Some(nav))
                    || (r.principal == Some(ent) && r.principal_nav.as_deref() == Some(nav))
            })
        };
        let mut taken = vec![false; navs.len()];
        for i in 0..navs.len() {
            if taken[i] || used(&self.b.model.rels, navs[i].ent, &navs[i].name) {
                taken[i] = true;
                continue;
            }
            taken[i] = true;
            let n = &navs[i];
            // The inverse: by [InverseProperty] on either side, else the only navigation back.
            let inverse = (0..navs.len()).find(|&j| {
                !taken[j]
                    && navs[j].ent == n.target
                    && navs[j].target == n.ent
                    && (n.inverse.as_deref() == Some(navs[j].name.as_str())
                        || navs[j].inverse.as_deref() == Some(n.name.as_str()))
            });
            let inverse = inverse.or_else(|| {
                if n.inverse.is_some() {
                    return None;
                }
                let back: Vec<usize> = (0..navs.len())
                    .filter(|&j| {
                        j != i
                            && navs[j].ent == n.target
                            && navs[j].target == n.ent
                            && navs[j].inverse.is_none()
                    })
                    .collect();
                // Self references: the candidate inverse is not a second navigation "forth".
                let forth = (0..navs.len())
                    .filter(|&j| {
                        navs[j].ent == n.ent
                            && navs[j].target == n.target
                            && navs[j].inverse.is_none()
                            && back.first() != Some(&j)
                    })
                    .count();
                (back.len() == 1
                    && forth == 1
                    && !taken[back[0]]
                    && !used(&self.b.model.rels, navs[back[0]].ent, &navs[back[0]].name))
                .then(|| back[0])
            });
            if let Some(j) = inverse {
                taken[j] = true;
            }
            let inv = inverse.map(|j| &navs[j]);
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
                file: n.file,
                pos: n.pos,
                many_to_many: false,
                join_table: None,
            };
            let split = |s: &str| {
                s.split(',')
                    .map(|x| x.trim().to_string())
                    .collect::<Vec<_>>()
            };
            let nrt = self.b.model.nrt;
            match (n.collection, inv.map(|v| v.collection)) {
                (false, None) | (false, Some(true)) => {
                    rel.dependent = Some(n.ent);
                    rel.principal = Some(n.target);
                    rel.dep_nav = Some(n.name.clone());
                    rel.principal_nav = inv.map(|v| v.name.clone());
                    rel.fk_props = n.fk.as_deref().map(split);
                    rel.on_delete = n.delete;
                    if n.required_attr || (nrt && !n.nullable) {
                        rel.required = Some(true);
                    }
                }
                (true, None) | (true, Some(false)) => {
                    rel.dependent = Some(n.target);
                    rel.principal = Some(n.ent);
                    rel.principal_nav = Some(n.name.clone());
                    rel.dep_nav = inv.map(|v| v.name.clone());
                    if let Some(v) = inv {
                        rel.fk_props = v.fk.as_deref().map(split);
                        rel.on_delete = v.delete;
                        if v.required_attr || (nrt && !v.nullable) {
                            rel.required = Some(true);
                        }
                    }
                }
                (true, Some(true)) => {
                    let v = inv.unwrap_or(n);
                    rel.many_to_many = true;
                    rel.dependent = Some(n.ent);
                    rel.principal = Some(n.target);
                    rel.dep_nav = Some(n.name.clone());
                    rel.principal_nav = Some(v.name.clone());
                }
                (false, Some(false)) => {
                    // One-to-one: the side holding the foreign key property is the dependent.
                    let v = inv.unwrap_or(n);
                    let side_has_fk = |me: &Nav, other: usize| -> bool {
                        if me.fk.is_some() {
                            return true;
                        }
                        let e = &self.b.model.entities[me.ent];
                        let o = &self.b.model.entities[other];
                        let pk = self.key_of(other);
                        let pk1 = pk.first().cloned().unwrap_or_default();
                        e.props.iter().any(|p| {
                            eq_ic(&p.name, &format!("{}{}", me.name, pk1))
                                || eq_ic(&p.name, &format!("{}Id", me.name))
                                || eq_ic(&p.name, &format!("{}{}", o.name, pk1))
                                || eq_ic(&p.name, &format!("{}Id", o.name))
                        })
                    };
                    let (dep, prin) = match (side_has_fk(n, v.ent), side_has_fk(v, n.ent)) {
                        (true, false) => (n, v),
                        (false, true) => (v, n),
                        _ => {
                            return Err(self.err(
                                n.file,
                                n.pos,
                                format!(
                                    "the dependent side of the one-to-one relationship `{}.{}` cannot be determined: configure it with HasForeignKey",
                                    self.b.model.entities[n.ent].name, n.name
                                ),
                            ));
                        }
                    };
                    rel.unique = true;
                    rel.dependent = Some(dep.ent);
                    rel.principal = Some(prin.ent);
                    rel.dep_nav = Some(dep.name.clone());
                    rel.principal_nav = Some(prin.name.clone());
                    rel.fk_props = dep.fk.as_deref().map(split);
                    rel.on_delete = dep.delete;
                    if dep.required_attr || (nrt && !dep.nullable) {
                        rel.required = Some(true);
                    }
                }
            }
            self.b.model.rels.push(rel);
        }
        // [ForeignKey("Nav")] on a scalar property names the navigation it belongs to.
        for e in 0..self.b.model.entities.len() {
            let Some(c) = self.b.model.entities[e].class else {
                continue;
            };
            let class = self.b.src.classes[c].clone();
            for p in self.all_props(&class) {
                if self.b.clr_of(&p.ty).is_none() {
                    continue;
                }
                let Some(a) = p.attrs.iter().find(|a| a.name == "ForeignKey") else {
                    continue;
                };
                let nav = match a.args.first().map(|x| &x.value) {
                    Some(Expr::Str(s, _)) => s.clone(),
                    Some(Expr::Call { args, .. }) => match args.first().map(|x| &x.value) {
                        Some(Expr::Ident(n, _) | Expr::Member(_, n, _)) => n.clone(),
                        _ => continue,
                    },
                    _ => continue,
                };
                for r in self.b.model.rels.iter_mut() {
                    if r.dependent == Some(e)
                        && r.dep_nav.as_deref() == Some(&nav)
                        && r.fk_props.is_none()
                    {
                        r.fk_props = Some(vec![p.name.clone()]);
                    }
                }
            }
        }
        Ok(())
    }

    fn all_props(&self, class: &super::cs::Class) -> Vec<super::cs::Prop> {
        let mut out: Vec<super::cs::Prop> = class.props.clone();
        let mut cur = class.clone();
        let mut seen = vec![class.name.clone()];
        while let Some(base) = cur
            .bases
            .iter()
            .find_map(|b| self.b.src.classes.iter().find(|c| c.name == b.name))
        {
            if seen.contains(&base.name) {
                break;
            }
            seen.push(base.name.clone());
            for p in &base.props {
                if !out.iter().any(|o| o.name == p.name) {
                    out.push(p.clone());
                }
            }
            cur = base.clone();
        }
        out
    }

    /// The primary key of an entity: configured, `[Key]`, or `Id` / `<Type>Id`.
    fn key_of(&self, e: usize) -> Vec<String> {
        let ent = &self.b.model.entities[e];
        if let Some(k) = &ent.key {
            return k.clone();
        }
        if ent.keyless || self.b.model.snapshot {
            return vec![];
        }
        ent.props
            .iter()
            .find(|p| eq_ic(&p.name, "Id"))
            .or_else(|| {
                ent.props
                    .iter()
                    .find(|p| eq_ic(&p.name, &format!("{}Id", ent.name)))
            })
            .map(|p| vec![p.name.clone()])
            .unwrap_or_default()
    }
}

fn prop_required(p: &Property, nrt: bool, snapshot: bool) -> bool {
    if let Some(r) = p.required {
        return r;
    }
    if p.clr.nullable {
        return false;
    }
    if p.clr.reference {
        // `string` is required only when nullable reference types are on (snapshots are
        // `#nullable disable` and write IsRequired() explicitly).
        return nrt && !snapshot;
    }
    true
}

/// SQL literal of a `HasDefaultValue(...)` argument for the column's CLR type.
fn default_literal(
    b: &Builder,
    e: &Expr,
    clr: &Clr,
    dialect: Dialect,
    file: usize,
) -> Result<String, OrmError> {
    let q = |s: &str| format!("'{}'", s.replace('\'', "''"));
    Ok(match e {
        Expr::Str(s, _) => q(s),
        Expr::Int(v, _) if clr.name == "decimal" && dialect == Dialect::Sqlite => {
            q(&format!("{v}.0"))
        }
        Expr::Int(v, _) if clr.name == "bool" => match (dialect, *v != 0) {
            (Dialect::Postgres, true) => "TRUE".into(),
            (Dialect::Postgres, false) => "FALSE".into(),
            (_, t) => {
                if t {
                    "1".into()
                } else {
                    "0".into()
                }
            }
        },
        Expr::Int(v, _) => v.to_string(),
        Expr::Real(v, _) if clr.name == "decimal" && dialect == Dialect::Sqlite => q(v),
        Expr::Real(v, _) => v.clone(),
        Expr::Bool(t, _) => match (dialect, *t) {
            (Dialect::Postgres, true) => "TRUE".into(),
            (Dialect::Postgres, false) => "FALSE".into(),
            (_, true) => "1".into(),
            (_, false) => "0".into(),
        },
        Expr::Member(t, v, p) if clr.is_enum => {
            let Expr::Ident(en, _) = &**t else {
                return Err(b.src.err(file, *p, "unsupported enum default".into()));
            };
            let Some(val) = b
                .src
                .enums
                .iter()
                .find(|x| &x.name == en)
                .and_then(|x| x.value_of(v))
            else {
                return Err(b
                    .src
                    .err(file, *p, format!("unknown enum member `{en}.{v}`")));
            };
            val.to_string()
        }
        o => {
            return Err(b.src.err(
                file,
                o.pos(),
                "HasDefaultValue supports string, number, boolean and enum literals here (use HasDefaultValueSql)".into(),
            ));
        }
    })
}

/// The store type of a property, as the provider's type mapping source picks it.
/// `key_or_index`: the property is part of a key, a foreign key or an index (Pomelo limits such
/// strings to `varchar(255)`).
pub fn store_type(p: &Property, dialect: Dialect, key_or_index: bool) -> String {
    if let Some(t) = &p.column_type {
        return t.clone();
    }
    let n = if p.as_string {
        "string"
    } else {
        p.clr.name.as_str()
    };
    match dialect {
        Dialect::Mysql => mysql_store_type(p, n, key_or_index),
        Dialect::Sqlite => match n {
            "double" | "float" => "REAL",
            "byte[]" => "BLOB",
            "string" | "char" | "DateTime" | "DateTimeOffset" | "DateOnly" | "TimeOnly"
            | "TimeSpan" | "Guid" | "decimal" => "TEXT",
            _ => "INTEGER",
        }
        .to_string(),
        _ => match n {
            "int" | "ushort" => "integer".into(),
            "long" | "uint" => "bigint".into(),
            "short" | "byte" | "sbyte" => "smallint".into(),
            "ulong" => "numeric(20,0)".into(),
            "bool" => "boolean".into(),
            "string" => match p.max_length {
                Some(l) => format!("character varying({l})"),
                None => "text".into(),
            },
            "char" => "character(1)".into(),
            "decimal" => match p.precision {
                Some((pr, Some(s))) => format!("numeric({pr},{s})"),
                Some((pr, None)) => format!("numeric({pr})"),
                None => "numeric".into(),
            },
            "double" => "double precision".into(),
            "float" => "real".into(),
            "DateTime" | "DateTimeOffset" => match p.precision {
                Some((pr, _)) => format!("timestamp({pr}) with time zone"),
                None => "timestamp with time zone".into(),
            },
            "DateOnly" => "date".into(),
            "TimeOnly" => "time without time zone".into(),
            "TimeSpan" => "interval".into(),
            "Guid" => "uuid".into(),
            "byte[]" => "bytea".into(),
            _ => "integer".into(),
        },
    }
}

/// Pomelo's `MySqlTypeMappingSource` defaults (server with `datetime(6)` support, utf8mb4 as
/// the default charset, `GuidFormat.Char36`).
fn mysql_store_type(p: &Property, n: &str, key_or_index: bool) -> String {
    let prec = |default: i64| p.precision.map(|(x, _)| x).unwrap_or(default);
    match n {
        "bool" => "tinyint(1)".into(),
        "sbyte" => "tinyint".into(),
        "byte" => "tinyint unsigned".into(),
        "short" => "smallint".into(),
        "ushort" => "smallint unsigned".into(),
        "int" => "int".into(),
        "uint" => "int unsigned".into(),
        "long" => "bigint".into(),
        "ulong" => "bigint unsigned".into(),
        "decimal" => match p.precision {
            Some((pr, Some(sc))) => format!("decimal({pr},{sc})"),
            Some((pr, None)) => format!("decimal({pr})"),
            None => "decimal(65,30)".into(),
        },
        "double" => "double".into(),
        "float" => "float".into(),
        "DateTime" | "DateTimeOffset" => format!("datetime({})", prec(6)),
        "TimeSpan" | "TimeOnly" => format!("time({})", prec(6)),
        "DateOnly" => "date".into(),
        "Guid" => "char(36)".into(),
        "string" | "char" => {
            // A key or index column takes at most half of InnoDB's 3072-byte key length in
            // utf8mb4 (384), capped at 255; lengths past what varchar holds become longtext.
            let size = p
                .max_length
                .or(if n == "char" { Some(1) } else { None })
                .or(key_or_index.then_some(255));
            match size {
                Some(s) if s <= 65_553 / 4 => format!("varchar({s})"),
                _ => "longtext".into(),
            }
        }
        "byte[]" => match p.max_length.or(key_or_index.then_some(3072)) {
            Some(s) => format!("varbinary({s})"),
            None => "longblob".into(),
        },
        // Enums take their underlying integer type's mapping.
        _ => "int".into(),
    }
}

/// Whether a property maps to a string column Pomelo gives a charset (not `json`).
fn mysql_is_string(p: &Property, ty: &str) -> bool {
    (p.as_string || matches!(p.clr.name.as_str(), "string" | "char"))
        && !ty.to_ascii_lowercase().contains("json")
}

/// Resolves the whole model into tables (the relational model EF's differ works on).
pub fn tables(b: &mut Builder, dialect: Dialect) -> Result<Vec<RTable>, OrmError> {
    let snapshot = b.model.snapshot;
    let mut r = Resolver { b };
    if !snapshot {
        r.discover()?;
    }
    let b = r.b;
    // Owned types by convention ([Owned] classes, Owned<T>()): table splitting.
    if !snapshot {
        for e in 0..b.model.entities.len() {
            let Some(c) = b.model.entities[e].class else {
                continue;
            };
            let class = b.src.classes[c].clone();
            let props = (Resolver { b: &mut *b }).all_props(&class);
            for p in props {
                if p.is_static
                    || p.attrs.iter().any(|a| a.name == "NotMapped")
                    || b.model.entities[e].ignored.contains(&p.name)
                    || b.clr_of(&p.ty).is_some()
                    || !b.is_owned_class(&p.ty.name)
                {
                    continue;
                }
                b.set_file(class.file);
                b.expand_owned(e, &p.name, &p.ty.name, p.pos)?;
            }
        }
    }
    // An entity class deriving from another entity type maps by TPH (one table with a
    // discriminator) unless configured otherwise: not read yet, so refuse rather than guess.
    for e in &b.model.entities {
        let Some(c) = e.class else { continue };
        let class = &b.src.classes[c];
        for base in &class.bases {
            if base.name != e.name
                && b.model
                    .entities
                    .iter()
                    .any(|o| o.class.is_some() && o.name == base.name)
            {
                return Err(b.src.err(
                    class.file,
                    class.pos,
                    format!(
                        "entity type `{}` derives from entity type `{}`: inheritance mapping (TPH/TPT/TPC) is not supported yet",
                        e.name, base.name
                    ),
                ));
            }
        }
    }
    // Keys.
    for e in 0..b.model.entities.len() {
        let key = Resolver { b: &mut *b }.key_of(e);
        let ent = &b.model.entities[e];
        if key.is_empty() && !ent.keyless {
            return Err(b.src.err(
                ent.file,
                ent.pos,
                format!(
                    "entity type `{}` has no primary key: add an `Id`/`{}Id` property, [Key] or HasKey",
                    ent.name, ent.name
                ),
            ));
        }
        if !key.is_empty() {
            for k in &key {
                if ent.prop(k).is_none() {
                    return Err(b.src.err(
                        ent.file,
                        ent.pos,
                        format!("key property `{k}` of `{}` is not mapped", ent.name),
                    ));
                }
            }
            b.model.entities[e].key = Some(key);
        }
    }
    // Many-to-many: the implicit join entity `<A><B>` with its two relationships.
    let m2m: Vec<Rel> = b
        .model
        .rels
        .iter()
        .filter(|r| r.many_to_many)
        .cloned()
        .collect();
    b.model.rels.retain(|r| !r.many_to_many);
    for rel in m2m {
        let (a, c) = (rel.dependent.unwrap_or(0), rel.principal.unwrap_or(0));
        let (an, cn) = (
            b.model.entities[a].name.clone(),
            b.model.entities[c].name.clone(),
        );
        // Skip navigations: A.dep_nav -> C, C.principal_nav -> A.
        let (first, second, first_nav, second_nav) = if an <= cn {
            (a, c, rel.principal_nav.clone(), rel.dep_nav.clone())
        } else {
            (c, a, rel.dep_nav.clone(), rel.principal_nav.clone())
        };
        let join_name = format!(
            "{}{}",
            b.model.entities[first].name, b.model.entities[second].name
        );
        let file = rel.file;
        let pos = rel.pos;
        let ji = b.model.entities.len();
        b.model.entities.push(super::model::Entity {
            name: join_name.clone(),
            full_name: join_name.clone(),
            class: None,
            dbset: None,
            table: Some(rel.join_table.clone().unwrap_or(join_name.clone())),
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
            pos,
        });
        let mut key = vec![];
        for (side, nav) in [(first, first_nav), (second, second_nav)] {
            let base = nav.unwrap_or_else(|| b.model.entities[side].name.clone());
            let pk = b.model.entities[side].key.clone().unwrap_or_default();
            let mut fk = vec![];
            for k in &pk {
                let kp = b.model.entities[side]
                    .prop(k)
                    .cloned()
                    .expect("key property");
                let name = if kp
                    .name
                    .to_ascii_lowercase()
                    .starts_with(&base.to_ascii_lowercase())
                {
                    kp.name.clone()
                } else {
                    format!("{base}{}", kp.name)
                };
                let mut np = kp.clone();
                np.name = name.clone();
                np.column = None;
                np.generated = Some(Gen::Never);
                np.identity = None;
                np.default_lit = None;
                np.default_sql = None;
                np.shadow = true;
                np.required = Some(true);
                np.comment = None;
                b.model.entities[ji].props.push(np);
                fk.push(name);
            }
            key.extend(fk.clone());
            b.model.rels.push(Rel {
                dependent: Some(ji),
                principal: Some(side),
                dep_nav: None,
                principal_nav: None,
                fk_props: Some(fk),
                principal_key: None,
                on_delete: Some(Delete::Cascade),
                required: Some(true),
                unique: false,
                name: None,
                file,
                pos,
                many_to_many: false,
                join_table: None,
            });
        }
        b.model.entities[ji].key = Some(key);
    }
    // Foreign keys: properties (found by convention or created in shadow), requiredness.
    let nrt = b.model.nrt;
    for ri in 0..b.model.rels.len() {
        let rel = b.model.rels[ri].clone();
        let (Some(dep), Some(prin)) = (rel.dependent, rel.principal) else {
            return Err(b.src.err(
                rel.file,
                rel.pos,
                "the dependent side of this one-to-one relationship is not configured: add HasForeignKey<T>(...)".into(),
            ));
        };
        let pkey = rel
            .principal_key
            .clone()
            .or_else(|| b.model.entities[prin].key.clone())
            .unwrap_or_default();
        if pkey.is_empty() {
            return Err(b
                .src
                .err(rel.file, rel.pos, "the principal entity has no key".into()));
        }
        let fk = match rel.fk_props.clone() {
            Some(f) => f,
            None if snapshot => {
                return Err(b.src.err(
                    rel.file,
                    rel.pos,
                    "a relationship without HasForeignKey".into(),
                ));
            }
            None => {
                let de = &b.model.entities[dep];
                let pname = b.model.entities[prin].name.clone();
                let mut bases = vec![];
                if let Some(n) = &rel.dep_nav {
                    bases.push(n.clone());
                }
                bases.push(pname.clone());
                let mut found = None;
                'outer: for base in &bases {
                    let mut cands = vec![
                        pkey.iter()
                            .map(|k| format!("{base}{k}"))
                            .collect::<Vec<_>>(),
                    ];
                    if pkey.len() == 1 {
                        cands.push(vec![format!("{base}Id")]);
                    }
                    for c in cands {
                        let hit: Option<Vec<String>> = c
                            .iter()
                            .map(|n| {
                                de.props
                                    .iter()
                                    .find(|p| eq_ic(&p.name, n))
                                    .map(|p| p.name.clone())
                            })
                            .collect();
                        if let Some(h) = hit {
                            // A key is not a convention FK unless the relationship is one-to-one.
                            if de.key.as_ref() == Some(&h) && !rel.unique {
                                continue;
                            }
                            found = Some(h);
                            break 'outer;
                        }
                    }
                }
                match found {
                    Some(f) => f,
                    None => {
                        // Shadow foreign key `<nav or principal><key>`.
                        let base = rel.dep_nav.clone().unwrap_or(pname);
                        let mut out = vec![];
                        for k in &pkey {
                            let kp = b.model.entities[prin].prop(k).cloned().ok_or_else(|| {
                                b.src.err(
                                    rel.file,
                                    rel.pos,
                                    format!("principal key `{k}` is not mapped"),
                                )
                            })?;
                            let mut name = if kp
                                .name
                                .to_ascii_lowercase()
                                .starts_with(&base.to_ascii_lowercase())
                            {
                                kp.name.clone()
                            } else {
                                format!("{base}{}", kp.name)
                            };
                            let mut n = 1;
                            while b.model.entities[dep].prop(&name).is_some() {
                                name = format!("{base}{}{n}", kp.name);
                                n += 1;
                            }
                            let mut np = kp.clone();
                            np.name = name.clone();
                            np.column = None;
                            np.generated = Some(Gen::Never);
                            np.identity = None;
                            np.default_lit = None;
                            np.default_sql = None;
                            np.shadow = true;
                            np.comment = None;
                            np.required = None;
                            np.clr.nullable = rel.required != Some(true);
                            np.file = rel.file;
                            np.pos = rel.pos;
                            b.model.entities[dep].props.push(np);
                            out.push(name);
                        }
                        out
                    }
                }
            }
        };
        for f in &fk {
            if b.model.entities[dep].prop(f).is_none() {
                return Err(b.src.err(
                    rel.file,
                    rel.pos,
                    format!(
                        "foreign key property `{f}` is not a property of `{}`",
                        b.model.entities[dep].name
                    ),
                ));
            }
        }
        // EF refuses a foreign key whose CLR types differ from the principal key's.
        for (f, k) in fk.iter().zip(&pkey) {
            let fp = b.model.entities[dep].prop(f).expect("checked");
            if let Some(kp) = b.model.entities[prin].prop(k)
                && (fp.clr.name != kp.clr.name || fk.len() != pkey.len())
            {
                return Err(b.src.err(
                    rel.file,
                    rel.pos,
                    format!(
                        "foreign key `{}.{f}` ({}) is not compatible with the principal key `{}.{k}` ({})",
                        b.model.entities[dep].name, fp.clr.name, b.model.entities[prin].name, kp.clr.name
                    ),
                ));
            }
        }
        // A foreign key takes the principal key's store facets unless it has its own
        // (the type mapping source looks through `GetPrincipals()`).
        if !snapshot {
            for (f, k) in fk.iter().zip(&pkey) {
                let kp = b.model.entities[prin].prop(k).cloned();
                let p = b.model.entities[dep]
                    .props
                    .iter_mut()
                    .find(|p| &p.name == f)
                    .expect("checked");
                if let Some(kp) = kp
                    && p.column_type.is_none()
                    && p.max_length.is_none()
                    && p.precision.is_none()
                {
                    p.column_type = kp.column_type.clone();
                    p.max_length = kp.max_length;
                    p.precision = kp.precision;
                }
            }
        }
        // Required: configured, else from the FK properties' nullability.
        let required = rel.required.unwrap_or_else(|| {
            fk.iter().all(|f| {
                let p = b.model.entities[dep].prop(f).expect("checked");
                prop_required(p, nrt, snapshot)
            })
        });
        if !snapshot {
            for f in &fk {
                let p = b.model.entities[dep]
                    .props
                    .iter_mut()
                    .find(|p| &p.name == f)
                    .expect("checked");
                if required && p.required.is_none() {
                    p.required = Some(true);
                } else if !required
                    && rel.required == Some(false)
                    && (p.clr.reference || p.clr.nullable)
                {
                    p.required = Some(false);
                }
            }
        }
        let on_delete = rel.on_delete.unwrap_or(if required && !snapshot {
            Delete::Cascade
        } else {
            Delete::ClientSetNull
        });
        let r = &mut b.model.rels[ri];
        r.fk_props = Some(fk);
        r.principal_key = Some(pkey);
        r.on_delete = Some(on_delete);
        r.required = Some(required);
    }
    // Foreign-key indexes (ForeignKeyIndexConvention), unless a key or index starts with them.
    if !snapshot {
        for rel in b.model.rels.clone() {
            let dep = rel.dependent.expect("resolved");
            let fk = rel.fk_props.clone().expect("resolved");
            let e = &b.model.entities[dep];
            let covers = |cols: &[String], unique: bool| {
                cols.len() >= fk.len()
                    && cols[..fk.len()] == fk[..]
                    && (!rel.unique || (unique && cols.len() == fk.len()))
            };
            let covered = e.key.as_deref().is_some_and(|k| covers(k, true))
                || e.alt_keys.iter().any(|(k, _)| covers(k, true))
                || e.indexes.iter().any(|i| covers(&i.props, i.unique));
            if !covered {
                b.model.entities[dep].indexes.push(IndexDef {
                    props: fk.clone(),
                    unique: rel.unique,
                    ..IndexDef::default()
                });
            }
        }
    }
    // Value generation: a single integer key that is not a foreign key is generated on add.
    let max = max_ident(dialect);
    let mut out = vec![];
    for (ei, e) in b.model.entities.iter().enumerate() {
        let table = e
            .table
            .clone()
            .or_else(|| e.dbset.clone())
            .unwrap_or_else(|| e.name.clone());
        let schema = if dialect == Dialect::Postgres {
            e.schema.clone().or_else(|| b.model.default_schema.clone())
        } else {
            None
        };
        let key = e.key.clone().unwrap_or_default();
        let col_of = |p: &str| -> String {
            e.prop(p)
                .and_then(|x| x.column.clone())
                .unwrap_or_else(|| p.to_string())
        };
        let fk_props: Vec<&String> = b
            .model
            .rels
            .iter()
            .filter(|r| r.dependent == Some(ei))
            .flat_map(|r| r.fk_props.iter().flatten())
            .collect();
        // Properties in a key, a foreign key or an index (`IsKeyOrIndex` of the type mapping).
        let mut keyed: Vec<&String> = key.iter().chain(fk_props.iter().copied()).collect();
        keyed.extend(e.alt_keys.iter().flat_map(|(k, _)| k));
        keyed.extend(e.indexes.iter().flat_map(|i| &i.props));
        keyed.extend(
            b.model
                .rels
                .iter()
                .filter(|r| r.principal == Some(ei))
                .flat_map(|r| r.principal_key.iter().flatten()),
        );
        let mut columns = vec![];
        // Key columns first, in key order; then the other properties in declaration order.
        let mut ordered: Vec<&Property> = key.iter().filter_map(|k| e.prop(k)).collect();
        ordered.extend(e.props.iter().filter(|p| !key.contains(&p.name)));
        for p in ordered {
            let is_key = key.contains(&p.name);
            let generated = match p.generated {
                Some(g) => g == Gen::OnAdd,
                None => {
                    !snapshot
                        && is_key
                        && key.len() == 1
                        && !fk_props.contains(&&p.name)
                        && (is_integer(&p.clr.name) || p.clr.name == "Guid")
                        && !p.clr.is_enum
                }
            };
            let integer = is_integer(&p.clr.name) && !p.clr.is_enum && !p.as_string;
            let autoinc = dialect == Dialect::Sqlite
                && is_key
                && key.len() == 1
                && generated
                && integer
                && p.default_sql.is_none()
                && p.default_lit.is_none();
            let identity = dialect == Dialect::Postgres
                && match p.identity {
                    Some(i) => i,
                    None => {
                        !snapshot
                            && generated
                            && matches!(p.clr.name.as_str(), "int" | "long" | "short")
                            && !p.clr.is_enum
                    }
                };
            // Columns of an optional owned navigation are nullable whatever their types.
            let owned_optional = p
                .owner_nav
                .as_ref()
                .is_some_and(|n| e.owned.iter().any(|(o, r)| o == n && !r));
            let nullable = !is_key && (owned_optional || !prop_required(p, b.model.nrt, snapshot));
            let ty = store_type(p, dialect, keyed.contains(&&p.name));
            let mut default = match (&p.default_sql, &p.default_lit) {
                // Pomelo writes the SQL as given; the others wrap it in parentheses.
                (Some(s), _) if dialect == Dialect::Mysql => Some(s.clone()),
                (Some(s), _) => Some(format!("({s})")),
                (None, Some(l)) => Some(default_literal(b, l, &p.clr, dialect, p.file)?),
                _ => None,
            };
            let mut autoinc = autoinc;
            let (mut charset, mut collation, mut on_update) = (None, None, None);
            if dialect == Dialect::Mysql {
                let lower = ty.to_ascii_lowercase();
                let base: String = lower
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let len = lower
                    .split_once('(')
                    .and_then(|(_, r)| r.split_once(')'))
                    .map(|(l, _)| l.trim().to_string())
                    .unwrap_or_default();
                let fk = fk_props.contains(&&p.name);
                // MySqlValueGenerationStrategy: IdentityColumn for generated-on-add integers and
                // datetimes without a default, ComputedColumn for datetimes generated on add or
                // update (MySqlMigrationsSqlGenerator.ColumnDefinition).
                let no_default = p.default_sql.is_none() && p.default_lit.is_none();
                let generation = if fk || p.clr.is_enum {
                    None
                } else {
                    match p.generated {
                        Some(Gen::OnAddOrUpdate) => Some(Gen::OnAddOrUpdate),
                        Some(Gen::OnAdd) => Some(Gen::OnAdd),
                        Some(Gen::Never) => None,
                        None => generated.then_some(Gen::OnAdd),
                    }
                };
                let datetime = matches!(base.as_str(), "datetime" | "timestamp");
                autoinc = generation == Some(Gen::OnAdd)
                    && no_default
                    && matches!(
                        base.as_str(),
                        "tinyint" | "smallint" | "mediumint" | "int" | "bigint"
                    );
                if generation.is_some() && datetime && no_default {
                    default = Some(format!("CURRENT_TIMESTAMP({len})"));
                }
                if generation == Some(Gen::OnAddOrUpdate) && datetime {
                    on_update = Some(format!("CURRENT_TIMESTAMP({len})"));
                }
                // Pomelo writes no DEFAULT for text, blob and json columns.
                if ["blob", "text", "json"].iter().any(|k| lower.contains(k)) {
                    default = None;
                }
                if mysql_is_string(p, &ty) {
                    // A column's own collation, else the table's or the model's (delegated
                    // unless a nearer charset says otherwise); else the charset, by default the
                    // model's utf8mb4.
                    collation = p.collation.clone().or_else(|| {
                        if p.charset.is_some() {
                            None
                        } else {
                            e.collation.clone().or_else(|| {
                                if e.charset.is_some() {
                                    None
                                } else {
                                    b.model.collation.clone()
                                }
                            })
                        }
                    });
                    if collation.is_none() {
                        charset = Some(
                            p.charset
                                .clone()
                                .or_else(|| e.charset.clone())
                                .or_else(|| b.model.charset.clone())
                                .unwrap_or_else(|| "utf8mb4".into()),
                        );
                    }
                } else if p.clr.name == "Guid" && lower == "char(36)" {
                    // Pomelo's Guid mapping (GuidFormat.Char36) sets `ascii_general_ci`.
                    collation = Some(
                        p.collation
                            .clone()
                            .unwrap_or_else(|| "ascii_general_ci".into()),
                    );
                } else {
                    collation = p.collation.clone();
                }
            }
            columns.push(RCol {
                name: p.column.clone().unwrap_or_else(|| p.name.clone()),
                ty,
                nullable,
                default,
                autoinc,
                identity,
                comment: p.comment.clone(),
                charset,
                collation,
                on_update,
            });
        }
        let key_cols: Vec<String> = key.iter().map(|k| col_of(k)).collect();
        let pk = (!key.is_empty()).then(|| {
            (
                e.key_name
                    .clone()
                    .unwrap_or_else(|| truncate(&format!("PK_{table}"), max)),
                key_cols,
            )
        });
        let uniques = e
            .alt_keys
            .iter()
            .map(|(k, n)| {
                let cols: Vec<String> = k.iter().map(|p| col_of(p)).collect();
                (
                    n.clone().unwrap_or_else(|| {
                        truncate(&format!("AK_{table}_{}", cols.join("_")), max)
                    }),
                    cols,
                )
            })
            .collect();
        let indexes = e
            .indexes
            .iter()
            .map(|i| {
                let cols: Vec<String> = i.props.iter().map(|p| col_of(p)).collect();
                RIndex {
                    name: i.name.clone().unwrap_or_else(|| {
                        truncate(&format!("IX_{table}_{}", cols.join("_")), max)
                    }),
                    cols,
                    unique: i.unique,
                    filter: i.filter.clone(),
                    desc: i.descending.clone(),
                    method: i.method.clone(),
                    prefix: i.prefix.clone(),
                }
            })
            .collect();
        out.push(RTable {
            name: table,
            schema,
            columns,
            pk,
            uniques,
            fks: vec![],
            checks: e.checks.clone(),
            indexes,
            comment: e.comment.clone(),
            charset: (dialect == Dialect::Mysql).then(|| {
                e.charset
                    .clone()
                    .or_else(|| b.model.charset.clone())
                    .unwrap_or_else(|| "utf8mb4".into())
            }),
            collation: e
                .collation
                .clone()
                .or_else(|| b.model.collation.clone())
                .filter(|_| dialect == Dialect::Mysql),
            origin: format!(
                "{}:{}:{}",
                b.src
                    .files
                    .get(e.file)
                    .map(|f| f.path.display().to_string())
                    .unwrap_or_default(),
                e.pos.line,
                e.pos.column
            ),
        });
    }
    for rel in &b.model.rels {
        let dep = rel.dependent.expect("resolved");
        let prin = rel.principal.expect("resolved");
        let de = &b.model.entities[dep];
        let pe = &b.model.entities[prin];
        let cols: Vec<String> = rel
            .fk_props
            .iter()
            .flatten()
            .map(|p| {
                de.prop(p)
                    .and_then(|x| x.column.clone())
                    .unwrap_or_else(|| p.clone())
            })
            .collect();
        let ref_cols: Vec<String> = rel
            .principal_key
            .iter()
            .flatten()
            .map(|p| {
                pe.prop(p)
                    .and_then(|x| x.column.clone())
                    .unwrap_or_else(|| p.clone())
            })
            .collect();
        // A principal key that is not the primary key is an alternate key (AK_...).
        if pe.key.as_ref() != rel.principal_key.as_ref() {
            let t = &mut out[prin];
            if !t.uniques.iter().any(|(_, c)| *c == ref_cols) {
                let name = truncate(&format!("AK_{}_{}", t.name, ref_cols.join("_")), max);
                t.uniques.push((name, ref_cols.clone()));
            }
        }
        let (ref_table, ref_schema) = (out[prin].name.clone(), out[prin].schema.clone());
        let dep_table = out[dep].name.clone();
        out[dep].fks.push(RFk {
            name: rel.name.clone().unwrap_or_else(|| {
                truncate(
                    &format!("FK_{dep_table}_{ref_table}_{}", cols.join("_")),
                    max,
                )
            }),
            cols,
            ref_table,
            ref_schema,
            ref_cols,
            on_delete: rel.on_delete.unwrap_or(Delete::NoAction),
        });
    }
    // EF's differ orders constraints and indexes by name.
    for t in &mut out {
        t.fks.sort_by(|a, b| a.name.cmp(&b.name));
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        t.uniques.sort_by(|a, b| a.0.cmp(&b.0));
        t.checks.sort_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(out)
}

/// An identifier quoted for the dialect (backticks on MySQL).
pub fn q(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn qt(dialect: Dialect, schema: &Option<String>, name: &str) -> String {
    match schema {
        Some(s) => format!("{}.{}", q(dialect, s), q(dialect, name)),
        None => q(dialect, name),
    }
}

fn action(d: Delete) -> &'static str {
    match d {
        Delete::Cascade => " ON DELETE CASCADE",
        Delete::SetNull => " ON DELETE SET NULL",
        Delete::Restrict => " ON DELETE RESTRICT",
        // ClientSetNull maps to ReferentialAction.NoAction (EF 6+), which writes no clause.
        Delete::ClientSetNull | Delete::NoAction => "",
    }
}

/// A column definition as the provider's `ColumnDefinition` writes it (without a SQLite
/// inline primary key).
pub fn column_sql(c: &RCol, dialect: Dialect) -> String {
    let mut l = format!("{} {}", q(dialect, &c.name), c.ty);
    if let Some(cs) = &c.charset {
        let _ = write!(l, " CHARACTER SET {cs}");
    }
    if let Some(co) = &c.collation
        && dialect == Dialect::Mysql
    {
        let _ = write!(l, " COLLATE {co}");
    }
    if c.identity {
        l.push_str(" GENERATED BY DEFAULT AS IDENTITY");
    } else {
        l.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
    }
    if let Some(d) = &c.default {
        let _ = write!(l, " DEFAULT {d}");
    }
    if dialect == Dialect::Mysql {
        if c.autoinc {
            l.push_str(" AUTO_INCREMENT");
        }
        if let Some(cm) = &c.comment {
            let _ = write!(l, " COMMENT {}", mysql_lit(cm));
        }
        if let Some(u) = &c.on_update
            && !c.autoinc
        {
            let _ = write!(l, " ON UPDATE {u}");
        }
    }
    l
}

/// A MySQL string literal (backslashes are escapes there).
pub fn mysql_lit(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

/// An index's column list: `DESC` where EF writes it (not Pomelo, which writes prefix
/// lengths instead).
pub fn index_columns(ix: &RIndex, dialect: Dialect) -> String {
    ix.cols
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let mut s = q(dialect, c);
            match dialect {
                Dialect::Mysql => {
                    if let Some(n) = ix.prefix.get(k).filter(|n| **n > 0) {
                        let _ = write!(s, "({n})");
                    }
                }
                _ => {
                    if ix.desc.get(k).copied().unwrap_or(false) {
                        s.push_str(" DESC");
                    }
                }
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `CREATE [UNIQUE] INDEX ...;` for an index of a table.
pub fn index_sql(t: &RTable, ix: &RIndex, dialect: Dialect) -> String {
    let method = match (&ix.method, dialect) {
        (Some(m), Dialect::Postgres) => format!(" USING {m}"),
        _ => String::new(),
    };
    // Pomelo drops filters: MySQL has no partial indexes.
    let filter = match (&ix.filter, dialect) {
        (Some(f), Dialect::Postgres | Dialect::Sqlite) => format!(" WHERE {f}"),
        _ => String::new(),
    };
    format!(
        "CREATE {}INDEX {} ON {}{method} ({}){filter};\n",
        if ix.unique { "UNIQUE " } else { "" },
        q(dialect, &ix.name),
        qt(dialect, &t.schema, &t.name),
        index_columns(ix, dialect)
    )
}

/// The SQL of the migration that creates the model from nothing, in EF's order: tables in
/// dependency order (foreign keys to tables created later are added afterwards on PostgreSQL
/// and MySQL), then indexes.
pub fn schema_sql(tables: &[RTable], dialect: Dialect) -> String {
    let q = |n: &str| q(dialect, n);
    let qt = |s: &Option<String>, n: &str| qt(dialect, s, n);
    let mut sql = String::new();
    let mut schemas: Vec<&String> = tables.iter().filter_map(|t| t.schema.as_ref()).collect();
    schemas.sort();
    schemas.dedup();
    for s in schemas {
        if s != "public" {
            let _ = writeln!(sql, "CREATE SCHEMA IF NOT EXISTS {};\n", q(s));
        }
    }
    // Topological order by foreign keys (self references and cycles fall back to declaration order).
    let mut order: Vec<usize> = vec![];
    let mut done = vec![false; tables.len()];
    while order.len() < tables.len() {
        let before = order.len();
        for (i, t) in tables.iter().enumerate() {
            if done[i] {
                continue;
            }
            let ready = t.fks.iter().all(|f| {
                tables.iter().enumerate().all(|(j, o)| {
                    !(o.name == f.ref_table && o.schema == f.ref_schema) || done[j] || j == i
                })
            });
            if ready {
                done[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            let i = done.iter().position(|d| !d).expect("some left");
            done[i] = true;
            order.push(i);
        }
    }
    let mut created: Vec<usize> = vec![];
    let mut later = String::new();
    for &i in &order {
        let t = &tables[i];
        let mut lines = vec![];
        let inline_pk = dialect == Dialect::Sqlite && t.columns.iter().any(|c| c.autoinc);
        for c in &t.columns {
            let mut l = format!("    {}", column_sql(c, dialect));
            if c.autoinc
                && dialect == Dialect::Sqlite
                && let Some((n, _)) = &t.pk
            {
                // SQLite: `"Id" INTEGER NOT NULL CONSTRAINT "PK_T" PRIMARY KEY AUTOINCREMENT`.
                let mut head = format!("    {} {}", q(&c.name), c.ty);
                head.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
                let _ = write!(head, " CONSTRAINT {} PRIMARY KEY AUTOINCREMENT", q(n));
                if let Some(d) = &c.default {
                    let _ = write!(head, " DEFAULT {d}");
                }
                l = head;
            }
            lines.push(l);
        }
        if let Some((n, cols)) = &t.pk
            && !inline_pk
        {
            lines.push(format!(
                "    CONSTRAINT {} PRIMARY KEY ({})",
                q(n),
                cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
            ));
        }
        for (n, cols) in &t.uniques {
            lines.push(format!(
                "    CONSTRAINT {} UNIQUE ({})",
                q(n),
                cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
            ));
        }
        for (n, e) in &t.checks {
            lines.push(format!("    CONSTRAINT {} CHECK ({e})", q(n)));
        }
        for f in &t.fks {
            let target_created = tables.iter().enumerate().any(|(j, o)| {
                o.name == f.ref_table
                    && o.schema == f.ref_schema
                    && (created.contains(&j) || j == i)
            });
            let text = format!(
                "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}){}",
                q(&f.name),
                f.cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", "),
                qt(&f.ref_schema, &f.ref_table),
                f.ref_cols
                    .iter()
                    .map(|c| q(c))
                    .collect::<Vec<_>>()
                    .join(", "),
                action(f.on_delete)
            );
            if target_created || dialect == Dialect::Sqlite {
                lines.push(format!("    {text}"));
            } else {
                let _ = writeln!(
                    later,
                    "ALTER TABLE {} ADD {text};\n",
                    qt(&t.schema, &t.name)
                );
            }
        }
        let mut options = String::new();
        if dialect == Dialect::Mysql {
            if let Some(cs) = &t.charset {
                let _ = write!(options, " CHARACTER SET={cs}");
            }
            if let Some(co) = &t.collation {
                let _ = write!(options, " COLLATE={co}");
            }
            if let Some(c) = &t.comment {
                let _ = write!(options, " COMMENT={}", mysql_lit(c));
            }
        }
        let _ = writeln!(
            sql,
            "CREATE TABLE {} (\n{}\n){options};\n",
            qt(&t.schema, &t.name),
            lines.join(",\n")
        );
        if dialect == Dialect::Postgres {
            if let Some(c) = &t.comment {
                let _ = writeln!(
                    sql,
                    "COMMENT ON TABLE {} IS {};\n",
                    qt(&t.schema, &t.name),
                    lit(c)
                );
            }
            for c in &t.columns {
                if let Some(cm) = &c.comment {
                    let _ = writeln!(
                        sql,
                        "COMMENT ON COLUMN {}.{} IS {};\n",
                        qt(&t.schema, &t.name),
                        q(&c.name),
                        lit(cm)
                    );
                }
            }
        }
        created.push(i);
    }
    sql.push_str(&later);
    for &i in &order {
        let t = &tables[i];
        for ix in &t.indexes {
            let _ = writeln!(sql, "{}", index_sql(t, ix, dialect));
        }
    }
    sql
}

/// Provenance entries (`table [schema.]name` -> file:line:col).
pub fn origins(tables: &[RTable]) -> Vec<(String, String)> {
    tables
        .iter()
        .map(|t| {
            let key = match &t.schema {
                Some(s) => format!("table {s}.{}", t.name),
                None => format!("table {}", t.name),
            };
            (key, t.origin.clone())
        })
        .collect()
}
