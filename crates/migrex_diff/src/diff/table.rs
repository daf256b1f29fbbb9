//! Comparing one table present on both sides (after renames): columns, primary key, uniques,
//! foreign keys, checks, indexes, comment and options.

use crate::names::{Kind, fold};
use migrex_model::{
    Change, Check, Dialect, Exclusion, ForeignKey, Index, QualifiedName, Table, UniqueConstraint,
};

/// How an object of the old side relates to one of the new side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pairing {
    /// Same name (as the database compares names) and same content.
    Same(usize, usize),
    /// Same content, names that differ (also in case only).
    Renamed(usize, usize),
    /// Same name, different content: drop and add.
    Changed(usize, usize),
    Dropped(usize),
    Added(usize),
}

/// Pairs constraint-like objects: by name when both sides have one, then by content among the
/// rest (SQLite keeps unnamed constraints unnamed, and a constraint renamed by a column rename
/// keeps its content).
pub(crate) fn pair<T>(
    dialect: Dialect,
    from: &[T],
    to: &[T],
    name: impl Fn(&T) -> Option<&str>,
    same_content: impl Fn(&T, &T) -> bool,
) -> Vec<Pairing> {
    let mut out = Vec::new();
    let mut used_from = vec![false; from.len()];
    let mut matched_to = vec![false; to.len()];
    for (j, t) in to.iter().enumerate() {
        let Some(tn) = name(t) else { continue };
        let tn = fold(dialect, Kind::Constraint, tn);
        let hit = from.iter().enumerate().find(|(i, f)| {
            !used_from[*i]
                && name(f).is_some_and(|fname| fold(dialect, Kind::Constraint, fname) == tn)
        });
        if let Some((i, f)) = hit {
            used_from[i] = true;
            matched_to[j] = true;
            out.push(if !same_content(f, t) {
                Pairing::Changed(i, j)
            } else if name(f) == name(t) {
                Pairing::Same(i, j)
            } else {
                Pairing::Renamed(i, j)
            });
        }
    }
    for (j, t) in to.iter().enumerate() {
        if matched_to[j] {
            continue;
        }
        let hit = from
            .iter()
            .enumerate()
            .find(|(i, f)| !used_from[*i] && same_content(f, t));
        if let Some((i, f)) = hit {
            used_from[i] = true;
            matched_to[j] = true;
            out.push(if name(f) == name(t) {
                Pairing::Same(i, j)
            } else {
                Pairing::Renamed(i, j)
            });
        } else {
            out.push(Pairing::Added(j));
        }
    }
    for (i, used) in used_from.iter().enumerate() {
        if !used {
            out.push(Pairing::Dropped(i));
        }
    }
    out
}

/// Whether `ALTER TABLE ... RENAME CONSTRAINT` exists: PostgreSQL only (MySQL and MariaDB have
/// no such statement; SQLite has no constraint DDL at all).
pub(crate) fn can_rename_constraint(dialect: Dialect) -> bool {
    dialect == Dialect::Postgres
}

/// Whether an index can be renamed in place: PostgreSQL `ALTER INDEX ... RENAME`, MySQL
/// `ALTER TABLE ... RENAME INDEX`; SQLite has no index rename.
pub(crate) fn can_rename_index(dialect: Dialect) -> bool {
    dialect != Dialect::Sqlite
}

fn same_unique(a: &UniqueConstraint, b: &UniqueConstraint) -> bool {
    a.columns == b.columns
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.deferrable == b.deferrable
}

fn same_fk(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.ref_table == b.ref_table
        && a.ref_columns == b.ref_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
        && a.match_full == b.match_full
}

fn same_check(a: &Check, b: &Check) -> bool {
    a.expr == b.expr && a.no_inherit == b.no_inherit
}

fn same_exclusion(a: &Exclusion, b: &Exclusion) -> bool {
    Exclusion {
        name: String::new(),
        ..a.clone()
    } == Exclusion {
        name: String::new(),
        ..b.clone()
    }
}

fn same_index(a: &Index, b: &Index) -> bool {
    a.unique == b.unique
        && a.parts == b.parts
        && a.method == b.method
        && a.include == b.include
        && a.predicate == b.predicate
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.comment == b.comment
}

/// Emits the changes that turn table `w` (old side, renames applied) into `t`, both named `qn`.
pub(crate) fn compare(
    dialect: Dialect,
    qn: &QualifiedName,
    w: &Table,
    t: &Table,
    out: &mut Vec<Change>,
) {
    if w == t {
        return;
    }
    let table = || qn.clone();

    // Columns: new ones are appended, so only presence and definition matter; a difference in
    // column order alone is not a change (no database here can reorder columns in place, and
    // the model's column map compares without order).
    for (name, col) in &t.columns {
        match w.columns.get(name) {
            Some(old) if old != col => out.push(Change::AlterColumn {
                table: table(),
                from: old.clone(),
                to: col.clone(),
            }),
            Some(_) => {}
            None => out.push(Change::AddColumn {
                table: table(),
                column: col.clone(),
            }),
        }
    }
    for (name, col) in &w.columns {
        if !t.columns.contains_key(name) {
            out.push(Change::DropColumn {
                table: table(),
                column: col.clone(),
            });
        }
    }

    // Primary key.
    match (&w.primary_key, &t.primary_key) {
        (Some(a), Some(b)) if a == b => {}
        (Some(a), Some(b)) if a.columns == b.columns && can_rename_constraint(dialect) => {
            match (&a.name, &b.name) {
                (Some(from), Some(to)) => out.push(Change::RenameConstraint {
                    table: table(),
                    from: from.clone(),
                    to: to.clone(),
                }),
                _ => {
                    out.push(Change::DropPrimaryKey {
                        table: table(),
                        primary_key: a.clone(),
                    });
                    out.push(Change::AddPrimaryKey {
                        table: table(),
                        primary_key: b.clone(),
                    });
                }
            }
        }
        (a, b) => {
            if let Some(a) = a {
                out.push(Change::DropPrimaryKey {
                    table: table(),
                    primary_key: a.clone(),
                });
            }
            if let Some(b) = b {
                out.push(Change::AddPrimaryKey {
                    table: table(),
                    primary_key: b.clone(),
                });
            }
        }
    }

    emit_pairs(
        dialect,
        &w.uniques,
        &t.uniques,
        |u| u.name.as_deref(),
        same_unique,
        can_rename_constraint(dialect),
        |u| Change::DropUnique {
            table: table(),
            unique: u.clone(),
        },
        |u| Change::AddUnique {
            table: table(),
            unique: u.clone(),
        },
        |from, to| Change::RenameConstraint {
            table: table(),
            from,
            to,
        },
        out,
    );
    emit_pairs(
        dialect,
        &w.foreign_keys,
        &t.foreign_keys,
        |f| f.name.as_deref(),
        same_fk,
        can_rename_constraint(dialect),
        |f| Change::DropForeignKey {
            table: table(),
            foreign_key: f.clone(),
        },
        |f| Change::AddForeignKey {
            table: table(),
            foreign_key: f.clone(),
        },
        |from, to| Change::RenameConstraint {
            table: table(),
            from,
            to,
        },
        out,
    );
    emit_pairs(
        dialect,
        &w.checks,
        &t.checks,
        |c| c.name.as_deref(),
        same_check,
        can_rename_constraint(dialect),
        |c| Change::DropCheck {
            table: table(),
            check: c.clone(),
        },
        |c| Change::AddCheck {
            table: table(),
            check: c.clone(),
        },
        |from, to| Change::RenameConstraint {
            table: table(),
            from,
            to,
        },
        out,
    );
    emit_pairs(
        dialect,
        &w.exclusions,
        &t.exclusions,
        |x| Some(x.name.as_str()),
        same_exclusion,
        can_rename_constraint(dialect),
        |x| Change::DropExclusion {
            table: table(),
            exclusion: x.clone(),
        },
        |x| Change::AddExclusion {
            table: table(),
            exclusion: x.clone(),
        },
        |from, to| Change::RenameConstraint {
            table: table(),
            from,
            to,
        },
        out,
    );
    emit_pairs(
        dialect,
        &w.indexes,
        &t.indexes,
        |i| Some(i.name.as_str()),
        same_index,
        can_rename_index(dialect),
        |i| Change::DropIndex {
            table: table(),
            index: i.clone(),
        },
        |i| Change::CreateIndex {
            table: table(),
            index: i.clone(),
        },
        |from, to| Change::RenameIndex {
            table: table(),
            from,
            to,
        },
        out,
    );

    if w.comment != t.comment {
        out.push(Change::SetTableComment {
            table: table(),
            from: w.comment.clone(),
            to: t.comment.clone(),
        });
    }
    // `None` and an all-default option set mean the same thing.
    if w.options != t.options && !(w.options.is_default() && t.options.is_default()) {
        out.push(Change::AlterTableOptions {
            table: table(),
            from: w.options.clone(),
            to: t.options.clone(),
        });
    }
    // Partitioning, partitions and policies: see `objects`.
}

/// Indexes of a PostgreSQL materialized view present on both sides: the table rules.
pub(crate) fn view_indexes(
    dialect: Dialect,
    view: &QualifiedName,
    from: &[Index],
    to: &[Index],
    out: &mut Vec<Change>,
) {
    emit_pairs(
        dialect,
        from,
        to,
        |i| Some(i.name.as_str()),
        same_index,
        can_rename_index(dialect),
        |i| Change::DropIndex {
            table: view.clone(),
            index: i.clone(),
        },
        |i| Change::CreateIndex {
            table: view.clone(),
            index: i.clone(),
        },
        |from, to| Change::RenameIndex {
            table: view.clone(),
            from,
            to,
        },
        out,
    );
}

/// Turns pairings into drop/add/rename changes. Drops come out in old-side order, adds in
/// new-side order.
#[allow(clippy::too_many_arguments)]
fn emit_pairs<T>(
    dialect: Dialect,
    from: &[T],
    to: &[T],
    name: impl Fn(&T) -> Option<&str>,
    same_content: impl Fn(&T, &T) -> bool,
    can_rename: bool,
    drop: impl Fn(&T) -> Change,
    add: impl Fn(&T) -> Change,
    rename: impl Fn(String, String) -> Change,
    out: &mut Vec<Change>,
) {
    if from.is_empty() && to.is_empty() {
        return;
    }
    let pairs = pair(dialect, from, to, &name, same_content);
    let mut drops: Vec<usize> = Vec::new();
    let mut adds: Vec<usize> = Vec::new();
    for p in pairs {
        match p {
            Pairing::Same(..) => {}
            Pairing::Renamed(i, j) => match (name(&from[i]), name(&to[j])) {
                (Some(a), Some(b)) if can_rename => out.push(rename(a.into(), b.into())),
                _ => {
                    drops.push(i);
                    adds.push(j);
                }
            },
            Pairing::Changed(i, j) => {
                drops.push(i);
                adds.push(j);
            }
            Pairing::Dropped(i) => drops.push(i),
            Pairing::Added(j) => adds.push(j),
        }
    }
    drops.sort_unstable();
    adds.sort_unstable();
    out.extend(drops.into_iter().map(|i| drop(&from[i])));
    out.extend(adds.into_iter().map(|j| add(&to[j])));
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::Expr;

    fn check(name: Option<&str>, key: &str) -> Check {
        Check {
            name: name.map(String::from),
            expr: Expr::with_key(key, key),
            no_inherit: false,
        }
    }

    fn name(c: &Check) -> Option<&str> {
        c.name.as_deref()
    }

    #[test]
    fn pairs_by_name_then_content() {
        let from = [
            check(Some("a"), "x > 0"),
            check(None, "y > 0"),
            check(Some("c"), "z > 0"),
        ];
        let to = [
            check(Some("a"), "x > 1"),
            check(None, "y > 0"),
            check(Some("d"), "z > 0"),
        ];
        let p = pair(Dialect::Postgres, &from, &to, name, same_check);
        assert!(p.contains(&Pairing::Changed(0, 0)));
        assert!(p.contains(&Pairing::Same(1, 1)));
        assert!(p.contains(&Pairing::Renamed(2, 2)));
        assert_eq!(p.len(), 3);
    }

    #[test]
    fn unnamed_and_named_same_content_is_a_rename_candidate() {
        let from = [check(Some("a"), "x > 0")];
        let to = [check(None, "x > 0"), check(None, "w > 0")];
        let p = pair(Dialect::Sqlite, &from, &to, name, same_check);
        assert_eq!(p, vec![Pairing::Renamed(0, 0), Pairing::Added(1)]);
    }

    #[test]
    fn case_insensitive_constraint_names_in_mysql() {
        let from = [check(Some("CK"), "x > 0")];
        let to = [check(Some("ck"), "x > 0")];
        assert_eq!(
            pair(Dialect::Mysql, &from, &to, name, same_check),
            vec![Pairing::Renamed(0, 0)]
        );
        assert_eq!(
            pair(Dialect::Postgres, &from, &to, name, same_check),
            vec![Pairing::Renamed(0, 0)]
        );
        let dropped = [check(Some("CK"), "x > 0")];
        assert_eq!(
            pair(Dialect::Mysql, &dropped, &[], name, same_check),
            vec![Pairing::Dropped(0)]
        );
    }
}
