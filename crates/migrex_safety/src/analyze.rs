//! Per-step safety of a plan: the merged effect of the step's actions, a risk level with its
//! reasons, and a duration estimate from the tables' sizes.
//!
//! Risk: `error` or `warning` only for hazards to a running system or to data: a lock that blocks
//! reads (error) or writes (warning) for the whole statement on a table that has rows or whose
//! size is unknown, a rewrite, a statement that can fail on existing rows, data loss (error), a
//! statement the server refuses (error), a rename that breaks running clients (warning). A brief
//! catalog-only lock, a new table, or work on an empty table is `info`.

use crate::{Action, Effect, LockSpan, Severity, Target, effect};
use migrex_model::{Plan, QualifiedName, Step};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The size of one table (`None`: not known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TableSize {
    pub rows: Option<u64>,
    pub bytes: Option<u64>,
}

/// Table sizes by name, as read from a live database (or none at all).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableStats {
    tables: BTreeMap<QualifiedName, TableSize>,
}

impl TableStats {
    pub fn new() -> TableStats {
        TableStats::default()
    }

    pub fn insert(&mut self, table: QualifiedName, size: TableSize) {
        self.tables.insert(table, size);
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The size of `table`; a name written without its namespace matches by name alone when
    /// that is unambiguous.
    pub fn get(&self, table: &QualifiedName) -> Option<TableSize> {
        if let Some(s) = self.tables.get(table) {
            return Some(*s);
        }
        if table.namespace.is_empty() {
            let mut hits = self.tables.iter().filter(|(k, _)| k.name == table.name);
            if let (Some((_, s)), None) = (hits.next(), hits.next()) {
                return Some(*s);
            }
        }
        None
    }
}

/// The throughput the duration estimate assumes (stated in every report).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Assumptions {
    /// Copying a table and rebuilding its indexes, MiB per second.
    pub rewrite_mib_per_s: f64,
    /// Reading a table to validate it or build an index, MiB per second.
    pub scan_mib_per_s: f64,
}

impl Default for Assumptions {
    /// Conservative figures for a server on SSD under production load: a rewrite writes the
    /// table, its indexes and the WAL/redo for them (about 50 MiB/s); a scan or an index build
    /// reads sequentially (about 200 MiB/s).
    fn default() -> Assumptions {
        Assumptions {
            rewrite_mib_per_s: 50.0,
            scan_mib_per_s: 200.0,
        }
    }
}

/// One finding about a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub severity: Severity,
    pub message: String,
}

/// The safety of one step of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepSafety {
    pub step: usize,
    pub description: String,
    pub actions: Vec<Action>,
    /// Every action's effect merged: all locks (per table the strongest), strongest first.
    pub effect: Effect,
    pub risk: Severity,
    /// Seconds the step's work takes (rewrites and scans) at the assumed throughput; 0 for
    /// catalog-only steps; `None` when a table it works on has no known size.
    pub duration_seconds: Option<f64>,
    pub reasons: Vec<Reason>,
}

/// Analyzes every step of `plan` on `target` with the sizes in `stats` and the default
/// throughput assumptions.
pub fn analyze(plan: &Plan, target: &Target, stats: &TableStats) -> Vec<StepSafety> {
    analyze_with(plan, target, stats, &Assumptions::default())
}

/// [`analyze`] with explicit throughput assumptions.
pub fn analyze_with(
    plan: &Plan,
    target: &Target,
    stats: &TableStats,
    assumptions: &Assumptions,
) -> Vec<StepSafety> {
    // Tables the plan itself creates are empty while it runs.
    let mut created: BTreeSet<QualifiedName> = BTreeSet::new();
    plan.steps
        .iter()
        .map(|step| {
            let actions = crate::actions_of(&step.change, plan.dialect);
            for a in &actions {
                match a {
                    Action::CreateTable { table } => {
                        created.insert(table.clone());
                    }
                    Action::CreatePartition { partition, .. } => {
                        created.insert(partition.clone());
                    }
                    _ => {}
                }
            }
            analyze_actions(step, actions, target, stats, &created, assumptions)
        })
        .collect()
}

fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn size_words(size: Option<TableSize>) -> String {
    match size {
        Some(TableSize {
            rows: Some(r),
            bytes: Some(b),
        }) => format!("~{r} rows, {}", human_bytes(b)),
        Some(TableSize {
            rows: None,
            bytes: Some(b),
        }) => human_bytes(b),
        Some(TableSize {
            rows: Some(r),
            bytes: None,
        }) => format!("~{r} rows"),
        _ => "size unknown".into(),
    }
}

fn analyze_actions(
    step: &Step,
    actions: Vec<Action>,
    target: &Target,
    stats: &TableStats,
    created: &BTreeSet<QualifiedName>,
    assumptions: &Assumptions,
) -> StepSafety {
    let mut reasons: Vec<Reason> = Vec::new();
    let mut push = |severity: Severity, message: String| {
        if !reasons.iter().any(|r| r.message == message) {
            reasons.push(Reason { severity, message });
        }
    };
    let mut duration = Some(0.0f64);
    let mut effects = Vec::new();
    for a in &actions {
        let e = effect(target, a);
        let worked = a.table();
        let size = worked.and_then(|t| {
            if created.contains(t) {
                Some(TableSize {
                    rows: Some(0),
                    bytes: Some(0),
                })
            } else {
                stats.get(t)
            }
        });
        let empty = size.is_some_and(|s| s.rows == Some(0));
        let table_words = worked
            .map(|t| format!("{t} ({})", size_words(size)))
            .unwrap_or_default();
        if let Some(why) = &e.refused {
            push(Severity::Error, format!("the server refuses it: {why}"));
        }
        // Not analyzed is not safe: say so at warning level.
        if let Action::Other { what } = a {
            push(
                Severity::Warning,
                format!("not analyzed ({what}): its locks are unknown"),
            );
        }
        if matches!(a, Action::CreateTable { .. }) {
            push(Severity::Info, "a new table".into());
        }
        if e.blocks_for_the_statement() {
            for l in e.locks.iter().filter(|l| l.span == LockSpan::Statement) {
                if !(l.blocks.reads || l.blocks.writes) {
                    continue;
                }
                let what = if l.blocks.reads {
                    "reads and writes"
                } else {
                    "writes"
                };
                let msg = format!(
                    "{} on {} blocks {what} for the whole statement",
                    l.level.name(),
                    l.table
                );
                if empty {
                    push(Severity::Info, format!("{msg} ({table_words}: empty)"));
                } else {
                    push(
                        if l.blocks.reads {
                            Severity::Error
                        } else {
                            Severity::Warning
                        },
                        format!("{msg}; the work is on {table_words}"),
                    );
                }
            }
        }
        for l in e.locks.iter().filter(|l| l.span == LockSpan::Brief) {
            if l.blocks.reads || l.blocks.writes {
                push(
                    Severity::Info,
                    format!(
                        "{} on {}, brief (catalog only); a queued lock still stalls traffic behind it: set a lock timeout",
                        l.level.name(),
                        l.table
                    ),
                );
            }
        }
        if e.rewrites && !empty {
            let sev = if e.blocks_for_the_statement() {
                Severity::Error
            } else {
                Severity::Warning
            };
            push(
                sev,
                format!(
                    "rewrites {table_words}: about 2x its size on disk, replicas lag by its duration"
                ),
            );
        } else if e.scans && !empty && !e.blocks_for_the_statement() {
            push(
                Severity::Info,
                format!("scans {table_words} without blocking reads or writes"),
            );
        }
        if e.can_fail_on_data && !empty {
            push(
                Severity::Warning,
                format!("can fail on existing rows of {table_words}"),
            );
        }
        if e.loses_data && !empty {
            push(Severity::Error, format!("destroys data in {table_words}"));
        }
        if matches!(a, Action::RenameTable { .. } | Action::RenameColumn { .. }) {
            push(
                Severity::Warning,
                "running application code still uses the old name: expand/contract or a view"
                    .into(),
            );
        }
        if !e.transactional {
            push(
                Severity::Info,
                "cannot be rolled back with the others: it runs outside a transaction".into(),
            );
        }
        if e.assumed {
            push(
                Severity::Info,
                format!("assumed: {}", e.notes.last().cloned().unwrap_or_default()),
            );
        }
        // Duration of the work on the worked table.
        if e.rewrites || e.scans {
            let rate = if e.rewrites {
                assumptions.rewrite_mib_per_s
            } else {
                assumptions.scan_mib_per_s
            };
            match (duration, size.and_then(|s| s.bytes)) {
                (Some(d), Some(b)) => duration = Some(d + b as f64 / (rate * 1024.0 * 1024.0)),
                _ => duration = None,
            }
        }
        effects.push(e);
    }
    let risk = reasons
        .iter()
        .map(|r| r.severity)
        .max()
        .unwrap_or(Severity::Info);
    StepSafety {
        step: step.id,
        description: step.change.describe(),
        actions,
        effect: Effect::merge(effects),
        risk,
        duration_seconds: duration,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Flavor;
    use migrex_model::{Change, Column, ColumnType, Dialect, Phase, Table};

    fn plan(changes: Vec<Change>) -> Plan {
        Plan {
            dialect: Dialect::Postgres,
            steps: changes
                .into_iter()
                .enumerate()
                .map(|(id, change)| Step {
                    id,
                    change,
                    phase: Phase::Expand,
                    depends_on: vec![],
                    transactional: true,
                })
                .collect(),
            notes: vec![],
        }
    }

    fn users() -> QualifiedName {
        QualifiedName::new("public", "users")
    }

    fn alter_int_to_bigint() -> Change {
        let from = Column::new("age", ColumnType::int(4));
        let mut to = from.clone();
        to.ty = ColumnType::int(8);
        Change::AlterColumn {
            table: users(),
            from,
            to,
        }
    }

    #[test]
    fn rewrite_on_a_table_with_rows_is_an_error_with_a_duration() {
        let mut stats = TableStats::new();
        stats.insert(
            users(),
            TableSize {
                rows: Some(1_000_000),
                bytes: Some(500 * 1024 * 1024),
            },
        );
        let target = Target::new(Flavor::Postgres, None);
        let s = &analyze(&plan(vec![alter_int_to_bigint()]), &target, &stats)[0];
        assert_eq!(s.risk, Severity::Error);
        assert!(s.effect.rewrites);
        let d = s.duration_seconds.expect("a duration");
        assert!((d - 10.0).abs() < 0.01, "{d}");
        // Without sizes: still an error, no duration.
        let s = &analyze(
            &plan(vec![alter_int_to_bigint()]),
            &target,
            &TableStats::new(),
        )[0];
        assert_eq!(s.risk, Severity::Error);
        assert_eq!(s.duration_seconds, None);
        // An empty table: info.
        let mut empty = TableStats::new();
        empty.insert(
            users(),
            TableSize {
                rows: Some(0),
                bytes: Some(8192),
            },
        );
        let s = &analyze(&plan(vec![alter_int_to_bigint()]), &target, &empty)[0];
        assert_eq!(s.risk, Severity::Info, "{:?}", s.reasons);
    }

    #[test]
    fn brief_locks_and_new_tables_are_info() {
        let target = Target::new(Flavor::Postgres, None);
        let mut t = Table::new("accounts");
        t.columns
            .insert("id".into(), Column::new("id", ColumnType::int(8)));
        let add = Change::AddColumn {
            table: users(),
            column: Column::new("nick", ColumnType::other("text")),
        };
        let out = analyze(
            &plan(vec![
                Change::CreateTable {
                    name: QualifiedName::new("public", "accounts"),
                    table: t,
                },
                add,
            ]),
            &target,
            &TableStats::new(),
        );
        assert_eq!(out[0].risk, Severity::Info);
        assert_eq!(out[1].risk, Severity::Info, "{:?}", out[1].reasons);
        assert_eq!(out[1].duration_seconds, Some(0.0));
        assert_eq!(
            out[1].effect.locks[0].level,
            crate::LockLevel::AccessExclusive
        );
    }
}
