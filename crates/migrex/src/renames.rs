//! Renames the user states outside the DDL (`--rename` arguments), merged with the DDL's
//! `-- @renamed from=` hints, and the spelling of a likely rename as the argument that confirms
//! it.
//!
//! The argument syntax is hand-parsed (it is not SQL): `OLD=NEW`, where each side is a dotted
//! path of names, a name double-quoted when it holds `.`, `=` or `"` (`""` inside quotes).
//! - `users=accounts`: table `users` becomes `accounts` (the dialect's default namespace);
//! - `app.users=app.accounts`, `users=app.accounts`: a table in (or into) a namespace: the new
//!   side is qualified, which is what tells a namespaced table from a column;
//! - `users.name=full_name`, `app.users.name=full_name`: column `name` of table `users` becomes
//!   `full_name` (the table by its name in TO; its old name is accepted too).
//!
//! A name matches as written, else case-insensitively when exactly one name matches (so `Users`
//! finds PostgreSQL's `"Users"` and `users` finds SQLite's `Users`).

use crate::Error;
use migrex_model::{
    Dialect, Loaded, QualifiedName, RenameCandidate, RenameKind, Renames, Schema, Table,
};
use std::fmt;

/// One `--rename` argument, parsed but not yet checked against the schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameArg {
    text: String,
    target: Target,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Table {
        from: (Option<String>, String),
        to: (Option<String>, String),
    },
    Column {
        table: (Option<String>, String),
        from: String,
        to: String,
    },
}

impl fmt::Display for RenameArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for RenameArg {
    type Err = String;

    fn from_str(s: &str) -> Result<RenameArg, String> {
        RenameArg::parse(s)
    }
}

const SYNTAX: &str = "expected OLD=NEW: `users=accounts` (a table), `users.name=full_name` (a column), `app.users=app.accounts` (a table in a namespace)";

impl RenameArg {
    /// Parses `OLD=NEW` (see the module documentation).
    pub fn parse(text: &str) -> Result<RenameArg, String> {
        let (left, right) = split_eq(text).ok_or_else(|| format!("`{text}`: {SYNTAX}"))?;
        let left = path(left).map_err(|e| format!("`{text}`: {e}"))?;
        let mut right = path(right).map_err(|e| format!("`{text}`: {e}"))?;
        let mut left = left.into_iter();
        let target = match (left.len(), right.len()) {
            (1 | 2, 2) => {
                let from = match (left.next(), left.next()) {
                    (Some(t), None) => (None, t),
                    (Some(ns), Some(t)) => (Some(ns), t),
                    _ => unreachable!("one or two parts"),
                };
                let name = right.pop().expect("two parts");
                let ns = right.pop().expect("two parts");
                Target::Table {
                    from,
                    to: (Some(ns), name),
                }
            }
            (1, 1) => Target::Table {
                from: (None, left.next().expect("one part")),
                to: (None, right.pop().expect("one part")),
            },
            (2 | 3, 1) => {
                let parts: Vec<String> = left.collect();
                let (table, from) = match parts.as_slice() {
                    [t, c] => ((None, t.clone()), c.clone()),
                    [ns, t, c] => ((Some(ns.clone()), t.clone()), c.clone()),
                    _ => unreachable!("two or three parts"),
                };
                Target::Column {
                    table,
                    from,
                    to: right.pop().expect("one part"),
                }
            }
            _ => return Err(format!("`{text}`: {SYNTAX}")),
        };
        Ok(RenameArg {
            text: text.to_string(),
            target,
        })
    }
}

/// Splits at the first `=` outside double quotes.
fn split_eq(s: &str) -> Option<(&str, &str)> {
    let mut quoted = false;
    for (i, ch) in s.char_indices() {
        match ch {
            '"' => quoted = !quoted,
            '=' if !quoted => return Some((&s[..i], &s[i + 1..])),
            _ => {}
        }
    }
    None
}

/// `a.b."c.d"` -> [a, b, c.d]; empty parts and unclosed quotes are errors.
fn path(s: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut chars = s.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return Err(format!("unclosed quote in `{s}`")),
                }
            }
            if !matches!(chars.peek(), None | Some('.')) {
                return Err(format!("`.` or `=` expected after a quoted name in `{s}`"));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' {
                    break;
                }
                if c == '"' || c == '=' {
                    return Err(format!("`{c}` inside a name in `{s}` (quote the name)"));
                }
                part.push(c);
                chars.next();
            }
        }
        if part.is_empty() {
            return Err(format!("an empty name in `{s}`"));
        }
        parts.push(part);
        match chars.next() {
            Some('.') => continue,
            None => return Ok(parts),
            Some(_) => unreachable!("stopped at `.` or the end"),
        }
    }
}

/// A name as the argument syntax writes it: quoted only when it must be.
fn spell(name: &str) -> String {
    if name.is_empty() || name.contains(['.', '=', '"']) || name.trim() != name {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

/// A table as the argument syntax writes it: the namespace only when not the default one.
fn spell_table(dialect: Dialect, qn: &QualifiedName, qualify: bool) -> String {
    if qualify || qn.namespace != dialect.default_namespace() {
        format!("{}.{}", spell(&qn.namespace), spell(&qn.name))
    } else {
        spell(&qn.name)
    }
}

/// A table name for people: without the default namespace.
pub(crate) fn short(dialect: Dialect, qn: &QualifiedName) -> String {
    if qn.namespace == dialect.default_namespace() || qn.namespace.is_empty() {
        qn.name.clone()
    } else {
        qn.to_string()
    }
}

/// The argument that confirms a likely table or column rename, ready to paste into a shell:
/// `--rename users.name=full_name`. `None` for index and constraint candidates (the differ
/// renames those by itself).
pub fn rename_option(dialect: Dialect, c: &RenameCandidate) -> Option<String> {
    let arg = match c.kind {
        RenameKind::Table => {
            let moved = c.from_table.namespace != c.table.namespace
                || c.table.namespace != dialect.default_namespace();
            format!(
                "{}={}",
                spell_table(dialect, &c.from_table, false),
                spell_table(dialect, &c.table, moved)
            )
        }
        RenameKind::Column => format!(
            "{}.{}={}",
            spell_table(dialect, &c.table, false),
            spell(&c.from),
            spell(&c.to)
        ),
        RenameKind::Index | RenameKind::Constraint => return None,
    };
    let plain = arg
        .chars()
        .all(|ch| ch.is_ascii_alphanumeric() || "_.=-/".contains(ch));
    Some(if plain {
        format!("--rename {arg}")
    } else {
        format!("--rename '{}'", arg.replace('\'', "'\\''"))
    })
}

/// The question a terminal asks about a likely table or column rename (Django's wording).
pub fn rename_question(dialect: Dialect, c: &RenameCandidate) -> String {
    match c.kind {
        RenameKind::Table => format!(
            "Was table {} renamed to {} ({})?",
            short(dialect, &c.from_table),
            short(dialect, &c.table),
            c.description
        ),
        RenameKind::Column => {
            let t = short(dialect, &c.table);
            format!(
                "Was {t}.{} renamed to {t}.{} (a {} column)?",
                c.from, c.to, c.description
            )
        }
        RenameKind::Index | RenameKind::Constraint => format!(
            "Was {} {} renamed to {} ({})?",
            c.kind, c.from, c.to, c.description
        ),
    }
}

/// The warning for likely renames nobody confirmed, all to the same new object (`group`, the
/// likeliest first): what the plan does instead, and the exact argument that would make it a
/// rename.
pub(crate) fn rename_warning(dialect: Dialect, group: &[&RenameCandidate]) -> String {
    const LISTED: usize = 3;
    let c = group[0];
    let options: Vec<String> = group
        .iter()
        .take(LISTED)
        .filter_map(|c| rename_option(dialect, c))
        .map(|o| format!("`{o}`"))
        .collect();
    let more = match group.len().saturating_sub(LISTED) {
        0 => String::new(),
        n => format!(" (or one of {n} more pairings, listed in the JSON plan)"),
    };
    let t = short(dialect, &c.table);
    let olds = |name: &dyn Fn(&RenameCandidate) -> String| {
        group
            .iter()
            .take(LISTED)
            .map(|c| name(c))
            .collect::<Vec<_>>()
            .join(", ")
            + if group.len() > LISTED { ", ..." } else { "" }
    };
    match (c.kind, group.len()) {
        (RenameKind::Table, 1) => format!(
            "table {} was dropped and {t} created with columns of the same definitions ({}): planned as a drop and a create, which loses its rows; if it is a rename, pass {}",
            short(dialect, &c.from_table),
            c.description.trim_start_matches("columns "),
            options[0]
        ),
        (RenameKind::Table, n) => format!(
            "table {t} was created with columns of the same definitions ({}) as {n} dropped tables ({}): planned as drops and a create, which loses their rows; if it is a rename of one of them, pass {}{more}",
            c.description.trim_start_matches("columns "),
            olds(&|c| short(dialect, &c.from_table)),
            options.join(" or ")
        ),
        (_, 1) => format!(
            "column {t}.{} was dropped and {t}.{} added with the same definition ({}): planned as a drop and an add, which loses the column's data; if it is a rename, pass {}",
            c.from, c.to, c.description, options[0]
        ),
        (_, n) => format!(
            "column {t}.{} was added with the same definition ({}) as {n} dropped columns ({}): planned as drops and an add, which loses their data; if it is a rename of one of them, pass {}{more}",
            c.to,
            c.description,
            olds(&|c| format!("{t}.{}", c.from)),
            options.join(" or ")
        ),
    }
}

/// Candidates grouped by the new object they would rename to, in order of first appearance.
pub(crate) fn by_target(candidates: &[RenameCandidate]) -> Vec<Vec<&RenameCandidate>> {
    let mut groups: Vec<Vec<&RenameCandidate>> = Vec::new();
    for c in candidates.iter().filter(|c| c.kind.asks()) {
        match groups
            .iter_mut()
            .find(|g| g[0].kind == c.kind && g[0].table == c.table && g[0].to == c.to)
        {
            Some(g) => g.push(c),
            None => groups.push(vec![c]),
        }
    }
    groups
}

/// Finds `name` among `names`: as written, else the only case-insensitive match.
fn find<'a>(names: impl Iterator<Item = &'a String> + Clone, name: &str) -> Option<&'a String> {
    if let Some(n) = names.clone().find(|n| *n == name) {
        return Some(n);
    }
    let lower = name.to_lowercase();
    let mut hits = names.filter(|n| n.to_lowercase() == lower);
    match (hits.next(), hits.next()) {
        (Some(n), None) => Some(n),
        _ => None,
    }
}

fn find_table(
    schema: &Schema,
    dialect: Dialect,
    t: &(Option<String>, String),
) -> Option<QualifiedName> {
    let ns_name = match &t.0 {
        Some(ns) => find(schema.namespaces.keys(), ns)?.clone(),
        None => dialect.default_namespace().to_string(),
    };
    let ns = schema.namespaces.get(&ns_name)?;
    let name = find(ns.tables.keys(), &t.1)?;
    Some(QualifiedName::new(ns_name, name.clone()))
}

fn find_column(table: &Table, name: &str) -> Option<String> {
    find(table.columns.keys(), name).cloned()
}

fn written(t: &(Option<String>, String)) -> String {
    match &t.0 {
        Some(ns) => format!("{ns}.{}", t.1),
        None => t.1.clone(),
    }
}

/// Where TO declares a table (for pointing at its hints).
fn at(to: &Loaded, table: &QualifiedName) -> String {
    to.provenance
        .locations
        .get(&format!("table {table}"))
        .map(|l| format!(" ({l})"))
        .unwrap_or_default()
}

/// The DDL's hints (`to.renames`) merged with `args`. An argument naming an object that does not
/// exist, or contradicting a hint or another argument (the same object renamed to two names, or
/// two objects renamed to one), is an error naming both.
pub fn merge_renames(from: &Loaded, to: &Loaded, args: &[RenameArg]) -> Result<Renames, Error> {
    let dialect = to.schema.dialect;
    let mut renames = to.renames.clone();
    // Who declared each entry: `None` for a hint, else the argument.
    let mut by_arg_tables: Vec<(QualifiedName, QualifiedName, &RenameArg)> = Vec::new();
    let usage = |arg: &RenameArg, msg: String| Error::Usage(format!("--rename {arg}: {msg}"));

    for arg in args {
        let Target::Table { from: f, to: t } = &arg.target else {
            continue;
        };
        let old = find_table(&from.schema, dialect, f).ok_or_else(|| {
            let mut msg = format!("FROM has no table {}", written(f));
            if find_table(&from.schema, dialect, t).is_some() {
                msg.push_str(&format!(
                    " (it has {}: has the rename run already?)",
                    written(t)
                ));
            }
            usage(arg, msg)
        })?;
        let new = find_table(&to.schema, dialect, t)
            .ok_or_else(|| usage(arg, format!("TO has no table {}", written(t))))?;
        if let Some(other) = renames.tables.get(&old).filter(|n| **n != new) {
            let by = by_arg_tables
                .iter()
                .find(|(o, _, _)| *o == old)
                .map(|(_, _, a)| format!("--rename {a}"))
                .unwrap_or_else(|| {
                    format!(
                        "the hint `-- @renamed from={}` on table {}{}",
                        old.name,
                        short(dialect, other),
                        at(to, other)
                    )
                });
            return Err(usage(
                arg,
                format!(
                    "contradicts {by}: table {} cannot become both {} and {}",
                    short(dialect, &old),
                    short(dialect, &new),
                    short(dialect, other)
                ),
            ));
        }
        if let Some((other, _)) = renames
            .tables
            .iter()
            .find(|(o, n)| **n == new && **o != old)
        {
            let by = by_arg_tables
                .iter()
                .find(|(_, n, _)| *n == new)
                .map(|(_, _, a)| format!("--rename {a}"))
                .unwrap_or_else(|| {
                    format!(
                        "the hint `-- @renamed from={}` on table {}{}",
                        other.name,
                        short(dialect, &new),
                        at(to, &new)
                    )
                });
            return Err(usage(
                arg,
                format!(
                    "contradicts {by}: table {} cannot come from both {} and {}",
                    short(dialect, &new),
                    short(dialect, &old),
                    short(dialect, other)
                ),
            ));
        }
        renames.tables.insert(old.clone(), new.clone());
        by_arg_tables.push((old, new, arg));
    }

    let mut by_arg_columns: Vec<((QualifiedName, String), String, &RenameArg)> = Vec::new();
    for arg in args {
        let Target::Column {
            table,
            from: f,
            to: t,
        } = &arg.target
        else {
            continue;
        };
        // The table by its name in TO, or by its old name when it is renamed.
        let new_table = find_table(&to.schema, dialect, table)
            .or_else(|| {
                find_table(&from.schema, dialect, table)
                    .and_then(|old| renames.tables.get(&old).cloned())
            })
            .ok_or_else(|| {
                let mut msg = format!("TO has no table {}", written(table));
                if let (None, Some((ns, t))) =
                    (&table.0, table_in_namespace(&from.schema, &table.1, f))
                {
                    msg.push_str(&format!(
                        "; to rename table {ns}.{t} write `--rename {}={}`",
                        spell_table(dialect, &QualifiedName::new(ns.clone(), t.clone()), true),
                        spell_table(dialect, &QualifiedName::new(ns.clone(), arg_to(arg)), true)
                    ));
                }
                usage(arg, msg)
            })?;
        let old_table = renames
            .tables
            .iter()
            .find(|(_, n)| **n == new_table)
            .map_or_else(|| new_table.clone(), |(o, _)| o.clone());
        let ft = from.schema.table(&old_table).ok_or_else(|| {
            usage(
                arg,
                format!("FROM has no table {}", short(dialect, &old_table)),
            )
        })?;
        let tt = to.schema.table(&new_table).expect("found above");
        let old = find_column(ft, f).ok_or_else(|| {
            usage(
                arg,
                format!("FROM has no column {}.{f}", short(dialect, &old_table)),
            )
        })?;
        let new = find_column(tt, t).ok_or_else(|| {
            usage(
                arg,
                format!("TO has no column {}.{t}", short(dialect, &new_table)),
            )
        })?;
        let tn = short(dialect, &new_table);
        let key = (new_table.clone(), old.clone());
        if let Some(other) = renames.columns.get(&key).filter(|n| **n != new) {
            let by = by_arg_columns
                .iter()
                .find(|(k, _, _)| *k == key)
                .map(|(_, _, a)| format!("--rename {a}"))
                .unwrap_or_else(|| {
                    format!(
                        "the hint `-- @renamed from={old}` on column {tn}.{other}{}",
                        at(to, &new_table)
                    )
                });
            return Err(usage(
                arg,
                format!("contradicts {by}: column {tn}.{old} cannot become both {new} and {other}"),
            ));
        }
        if let Some(((_, other), _)) = renames
            .columns
            .iter()
            .find(|((tq, o), n)| *tq == new_table && **n == new && **o != old)
        {
            let by = by_arg_columns
                .iter()
                .find(|((tq, _), n, _)| *tq == new_table && *n == new)
                .map(|(_, _, a)| format!("--rename {a}"))
                .unwrap_or_else(|| {
                    format!(
                        "the hint `-- @renamed from={other}` on column {tn}.{new}{}",
                        at(to, &new_table)
                    )
                });
            return Err(usage(
                arg,
                format!(
                    "contradicts {by}: column {tn}.{new} cannot come from both {old} and {other}"
                ),
            ));
        }
        renames.columns.insert(key.clone(), new.clone());
        by_arg_columns.push((key, new, arg));
    }
    Ok(renames)
}

/// For `app.users=accounts` read as a column: the table `app.users` it probably meant.
fn table_in_namespace(schema: &Schema, ns: &str, table: &str) -> Option<(String, String)> {
    let ns_name = find(schema.namespaces.keys(), ns)?;
    let t = find(schema.namespaces[ns_name].tables.keys(), table)?;
    Some((ns_name.clone(), t.clone()))
}

fn arg_to(arg: &RenameArg) -> String {
    match &arg.target {
        Target::Column { to, .. } => to.clone(),
        Target::Table { to, .. } => to.1.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> Target {
        RenameArg::parse(s).unwrap().target
    }

    #[test]
    fn parses_tables_and_columns() {
        assert_eq!(
            target("users=accounts"),
            Target::Table {
                from: (None, "users".into()),
                to: (None, "accounts".into())
            }
        );
        assert_eq!(
            target("app.users=app.accounts"),
            Target::Table {
                from: (Some("app".into()), "users".into()),
                to: (Some("app".into()), "accounts".into())
            }
        );
        assert_eq!(
            target("users=app.accounts"),
            Target::Table {
                from: (None, "users".into()),
                to: (Some("app".into()), "accounts".into())
            }
        );
        assert_eq!(
            target("users.name=full_name"),
            Target::Column {
                table: (None, "users".into()),
                from: "name".into(),
                to: "full_name".into()
            }
        );
        assert_eq!(
            target("app.users.name=full_name"),
            Target::Column {
                table: (Some("app".into()), "users".into()),
                from: "name".into(),
                to: "full_name".into()
            }
        );
        assert_eq!(
            target(r#""my.table"."a=b"="c""d""#),
            Target::Column {
                table: (None, "my.table".into()),
                from: "a=b".into(),
                to: "c\"d".into()
            }
        );
    }

    #[test]
    fn rejects_what_is_not_old_equals_new() {
        for bad in [
            "users",
            "=x",
            "x=",
            "a.b.c.d=e",
            "a.b=c.d.e",
            "a.b.c=d.e",
            "\"a=b",
            "a..b=c",
            "a\"b=c",
            "a=b=c",
        ] {
            assert!(RenameArg::parse(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn options_spell_back_to_the_same_rename() {
        let c = |kind, from_table: QualifiedName, table: QualifiedName, from: &str, to: &str| {
            RenameCandidate {
                kind,
                from_table,
                table,
                from: from.into(),
                to: to.into(),
                description: String::new(),
            }
        };
        let pg = |t: &str| QualifiedName::new("public", t);
        let cases = [
            (
                c(
                    RenameKind::Table,
                    pg("users"),
                    pg("accounts"),
                    "users",
                    "accounts",
                ),
                "--rename users=accounts",
            ),
            (
                c(
                    RenameKind::Table,
                    QualifiedName::new("app", "users"),
                    QualifiedName::new("app", "accounts"),
                    "users",
                    "accounts",
                ),
                "--rename app.users=app.accounts",
            ),
            (
                c(
                    RenameKind::Table,
                    QualifiedName::new("app", "users"),
                    pg("users"),
                    "users",
                    "users",
                ),
                "--rename app.users=public.users",
            ),
            (
                c(
                    RenameKind::Column,
                    pg("users"),
                    pg("users"),
                    "name",
                    "full_name",
                ),
                "--rename users.name=full_name",
            ),
            (
                c(RenameKind::Column, pg("Users"), pg("Users"), "a b", "it's"),
                "--rename 'Users.a b=it'\\''s'",
            ),
            (
                c(RenameKind::Column, pg("t"), pg("t"), "x.y", "z"),
                "--rename 't.\"x.y\"=z'",
            ),
        ];
        for (cand, want) in cases {
            assert_eq!(rename_option(Dialect::Postgres, &cand).unwrap(), want);
        }
    }
}
