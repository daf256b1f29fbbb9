//! Objects that must be dropped before a change of what they depend on and created again after
//! it, although they themselves do not change.
//!
//! - PostgreSQL refuses `ALTER COLUMN ... TYPE` and `DROP COLUMN` on a column a view, a
//!   materialized view or a trigger (`UPDATE OF col`, `WHEN`) uses ("cannot alter type of a
//!   column used by a view or rule"); recreating an enum converts every column typed by it, with
//!   the same restriction. The views that read such a column are dropped first and created
//!   again after, with the views that read those (transitively), and the triggers in question.
//! - SQLite's table rebuild drops the old table, which takes its triggers along, and replaces it
//!   under the same name: the views reading the table (transitively) are dropped before and
//!   created after, and the table's triggers are dropped before the rebuild and created after
//!   it (dropping them explicitly keeps the renderer's guard, which refuses to let `DROP TABLE`
//!   delete triggers silently, meaningful). `ALTER TABLE ... DROP COLUMN` refuses a column a
//!   view or trigger names: those are dropped and created around it the same way.
//! - MySQL/MariaDB resolve a view's columns when it is used, so column changes leave views alone.
//!   Views over a view the plan drops are still dropped first (the simulation asks it of every
//!   dialect, and it costs nothing).
//!
//! What comes back is the new schema's definition (the object may differ only in ways the
//! change made necessary). A view or trigger the plan already drops or creates is left to the
//! plan. Dropping a view drops its triggers (`INSTEAD OF` in SQLite, any in PostgreSQL): those
//! are created again, and a plan's own drop of such a trigger, which would run after the view is
//! gone, is removed. Down plans are planned from the new schema back, so the same rules apply.

use super::view_reads;
use crate::names::mentions;
use migrex_model::{Change, Dialect, QualifiedName, Schema, Trigger, TriggerAction, TriggerEvent};
use std::collections::{HashMap, HashSet};

/// What a plan does to relations that other objects read.
#[derive(Default)]
struct Affected {
    /// Relations whose every reader is affected (rebuilt or dropped tables, dropped views).
    whole: HashSet<QualifiedName>,
    /// Columns changed in a way their readers block, by table.
    columns: HashMap<QualifiedName, Vec<String>>,
}

impl Affected {
    fn add_column(&mut self, table: &QualifiedName, column: &str) {
        self.columns
            .entry(table.clone())
            .or_default()
            .push(column.to_string());
    }

    fn columns_of(&self, table: &QualifiedName) -> &[String] {
        self.columns.get(table).map(Vec::as_slice).unwrap_or(&[])
    }
}

pub(crate) fn recreate(changes: &mut Vec<Change>, working: &Schema, to: &Schema) {
    // MySQL: only views over views the plan drops (its DROP VIEW does not check readers, but
    // the model's simulation holds every dialect to dropping readers first).
    let columns_matter = to.dialect != Dialect::Mysql;
    let mut affected = Affected::default();
    let mut rebuilt: Vec<QualifiedName> = Vec::new();
    for c in changes.iter() {
        match c {
            Change::RebuildTable { name, .. } => {
                affected.whole.insert(name.clone());
                rebuilt.push(name.clone());
            }
            Change::DropTable { name, .. } | Change::DropView { name, .. } => {
                affected.whole.insert(name.clone());
            }
            Change::DropColumn { table, column } if columns_matter => {
                affected.add_column(table, &column.name);
            }
            Change::AlterColumn { table, from, to }
                if columns_matter
                    && (from.ty != to.ty
                        || from.collation != to.collation
                        || from.generated != to.generated) =>
            {
                affected.add_column(table, &from.name);
            }
            Change::RecreateEnum { columns, .. } => {
                for (t, col) in columns {
                    affected.add_column(t, &col.name);
                }
            }
            _ => {}
        }
    }
    if affected.whole.is_empty() && affected.columns.is_empty() {
        return;
    }
    let recreated_views = views(changes, working, to, &affected);
    triggers(changes, working, to, &affected, &recreated_views, &rebuilt);
}

/// True when a view's query may read `column` of a table it reads: it names the column, or it
/// selects `*` (PostgreSQL stores `*` expanded, so a star in a query read from DDL stands for
/// every column).
fn reads_column(view: &migrex_model::View, column: &str) -> bool {
    mentions(&view.definition.key, column) || selects_star(&view.definition.key)
}

/// A `*` or `t.*` select item (not `count(*)`, not a multiplication): the `*` follows `.`, `,`
/// or the word SELECT, DISTINCT or ALL.
fn selects_star(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    lower.match_indices('*').any(|(i, _)| {
        let before = lower[..i].trim_end();
        before.ends_with(['.', ','])
            || ["select", "distinct", "all"].iter().any(|w| {
                before.ends_with(w)
                    && !before[..before.len() - w.len()]
                        .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
    })
}

/// Drops and creates the views that read what changes; returns the views dropped and created
/// again by this pass.
fn views(
    changes: &mut Vec<Change>,
    working: &Schema,
    to: &Schema,
    affected: &Affected,
) -> HashSet<QualifiedName> {
    // Views the plan drops already (changed or gone) are the plan's business.
    let mut handled: HashSet<QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView { name, .. } => Some(name.clone()),
            _ => None,
        })
        .collect();
    let mut recreated = HashSet::new();
    // Breadth first: the first round looks for readers of the changed tables and columns, each
    // further round for readers of the views the round before recreated (a view passed over
    // once is not read by those relations, so it is not looked at for them again).
    let mut whole: Vec<QualifiedName> = affected.whole.iter().cloned().collect();
    let mut columns: Vec<&QualifiedName> = affected.columns.keys().collect();
    loop {
        let candidates: Vec<&QualifiedName> = whole.iter().chain(columns.iter().copied()).collect();
        let round_whole: HashSet<&QualifiedName> = whole.iter().collect();
        let mut found = Vec::new();
        for (vq, v) in working.views() {
            if handled.contains(&vq) {
                continue;
            }
            let Some(target) = to.view(&vq) else { continue };
            let reads = view_reads(v, candidates.iter().copied());
            let hit = reads.iter().any(|r| {
                round_whole.contains(r)
                    || (columns.contains(&r)
                        && affected.columns_of(r).iter().any(|c| reads_column(v, c)))
            });
            if hit {
                found.push((vq, v.clone(), target.clone()));
            }
        }
        if found.is_empty() {
            break;
        }
        columns.clear();
        whole.clear();
        for (vq, old, new) in found {
            handled.insert(vq.clone());
            recreated.insert(vq.clone());
            whole.push(vq.clone());
            changes.push(Change::DropView {
                name: vq.clone(),
                view: old,
            });
            changes.push(Change::CreateView {
                name: vq,
                view: new,
            });
        }
    }
    recreated
}

/// The text of a trigger that can name a column: its `WHEN`, its `UPDATE OF` list, its body.
fn trigger_mentions(t: &Trigger, column: &str) -> bool {
    let of = t.events.iter().any(|e| match e {
        TriggerEvent::Update { columns } => columns.iter().any(|c| c.eq_ignore_ascii_case(column)),
        _ => false,
    });
    let when = t.when.as_ref().is_some_and(|w| mentions(&w.key, column));
    let body = match &t.action {
        TriggerAction::Body { body } => mentions(&body.key, column),
        TriggerAction::Function { .. } => false,
    };
    of || when || body
}

/// Which triggers a column change blocks: PostgreSQL checks the trigger's own table's columns
/// (`UPDATE OF`, `WHEN`; a function's body is not checked); SQLite re-reads every trigger when a
/// column is dropped, so a trigger on any table whose text names the table and the column.
fn blocked_by_column(dialect: Dialect, t: &Trigger, table: &QualifiedName, column: &str) -> bool {
    match dialect {
        Dialect::Postgres => &t.table == table && trigger_mentions(t, column),
        Dialect::Sqlite => {
            let names_table = &t.table == table
                || matches!(&t.action, TriggerAction::Body { body } if mentions(&body.key, &table.name));
            names_table && trigger_mentions(t, column)
        }
        Dialect::Mysql => false,
    }
}

fn triggers(
    changes: &mut Vec<Change>,
    working: &Schema,
    to: &Schema,
    affected: &Affected,
    recreated_views: &HashSet<QualifiedName>,
    rebuilt: &[QualifiedName],
) {
    let dialect = to.dialect;
    let dropped: HashSet<(QualifiedName, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTrigger { trigger } => Some((trigger.table.clone(), trigger.name.clone())),
            _ => None,
        })
        .collect();
    let created: HashSet<(QualifiedName, String)> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTrigger { trigger } => {
                Some((trigger.table.clone(), trigger.name.clone()))
            }
            _ => None,
        })
        .collect();
    // Dropping a view drops its triggers: a drop of one planned for later would fail.
    changes.retain(|c| {
        !matches!(c, Change::DropTrigger { trigger } if recreated_views.contains(&trigger.table))
    });
    let column_blocked = |t: &Trigger| match dialect {
        Dialect::Sqlite => {
            rebuilt.contains(&t.table)
                || affected.columns.iter().any(|(table, cols)| {
                    cols.iter().any(|c| blocked_by_column(dialect, t, table, c))
                })
        }
        // Only the trigger's own table's columns count: one lookup.
        _ => affected
            .columns_of(&t.table)
            .iter()
            .any(|c| blocked_by_column(dialect, t, &t.table, c)),
    };
    let mut extra = Vec::new();
    // Triggers that must be out of the way: dropped explicitly, before the change.
    let mut out_of_the_way: HashSet<(QualifiedName, String)> = HashSet::new();
    for t in working.triggers() {
        let id = (t.table.clone(), t.name.clone());
        if recreated_views.contains(&t.table) {
            out_of_the_way.insert(id);
        } else if column_blocked(t) {
            if !dropped.contains(&id) {
                extra.push(Change::DropTrigger { trigger: t.clone() });
            }
            out_of_the_way.insert(id);
        }
    }
    for t in to.triggers() {
        let id = (t.table.clone(), t.name.clone());
        if out_of_the_way.contains(&id) && !created.contains(&id) {
            extra.push(Change::CreateTrigger { trigger: t.clone() });
        }
    }
    changes.extend(extra);
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_dialect as dia;
    use migrex_model::{TriggerTiming, View};

    fn trigger(table: &str, when: Option<&str>, of: &[&str], body: &str) -> Trigger {
        Trigger {
            name: "tr".into(),
            table: QualifiedName::new("", table),
            timing: TriggerTiming::After,
            events: vec![TriggerEvent::Update {
                columns: of.iter().map(|c| c.to_string()).collect(),
            }],
            for_each_row: true,
            when: when.map(|w| dia::expr(Dialect::Sqlite, w)),
            action: TriggerAction::Body {
                body: dia::body(Dialect::Sqlite, body),
            },
            constraint: None,
            old_table: None,
            new_table: None,
            order: None,
            comment: None,
        }
    }

    #[test]
    fn which_triggers_a_column_blocks() {
        let t = QualifiedName::new("", "t");
        let on_t = trigger("t", Some("new.price > 0"), &[], "SELECT 1;");
        assert!(blocked_by_column(Dialect::Sqlite, &on_t, &t, "price"));
        assert!(blocked_by_column(Dialect::Postgres, &on_t, &t, "price"));
        assert!(!blocked_by_column(Dialect::Sqlite, &on_t, &t, "name"));
        let of = trigger("t", None, &["Name"], "SELECT 1;");
        assert!(blocked_by_column(Dialect::Postgres, &of, &t, "name"));
        let elsewhere = trigger("u", None, &[], "UPDATE t SET price = 0;");
        assert!(blocked_by_column(Dialect::Sqlite, &elsewhere, &t, "price"));
        assert!(!blocked_by_column(
            Dialect::Postgres,
            &elsewhere,
            &t,
            "price"
        ));
        let unrelated = trigger("u", None, &[], "UPDATE v SET price = 0;");
        assert!(!blocked_by_column(Dialect::Sqlite, &unrelated, &t, "price"));
    }

    #[test]
    fn a_star_reads_every_column() {
        let v = |q: &str| View {
            name: "v".into(),
            columns: vec![],
            definition: dia::query_expr(Dialect::Postgres, q),
            materialized: false,
            check_option: None,
            security_invoker: false,
            depends_on: vec![],
            comment: None,
            indexes: vec![],
            cluster_on: None,
        };
        assert!(reads_column(&v("SELECT * FROM t"), "price"));
        assert!(reads_column(&v("SELECT price FROM t"), "price"));
        assert!(reads_column(&v("SELECT t.* FROM t"), "price"));
        assert!(reads_column(&v("SELECT DISTINCT * FROM t"), "price"));
        assert!(reads_column(&v("SELECT id, * FROM t"), "price"));
        assert!(!reads_column(&v("SELECT name FROM t"), "price"));
        assert!(!reads_column(
            &v("SELECT count(*), max(a * b) FROM t"),
            "price"
        ));
    }
}
