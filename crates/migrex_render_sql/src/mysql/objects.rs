//! MySQL / MariaDB triggers, stored routines and partitioning.
//!
//! One syntax for MariaDB and MySQL 8:
//! - a changed routine is dropped and created again (`ReplaceFunction`): MariaDB has
//!   `CREATE OR REPLACE FUNCTION`, MySQL 8 does not. Between the two statements the routine does
//!   not exist; a call in that instant fails.
//! - a trigger is dropped and created again (neither server has `CREATE OR REPLACE TRIGGER` in
//!   common, MySQL none at all);
//! - a routine's comment alone changes with `ALTER FUNCTION|PROCEDURE ... COMMENT`;
//! - partitioning: `PARTITION BY` after the table options; `ALTER TABLE ... ADD PARTITION` /
//!   `DROP PARTITION` when only trailing RANGE/LIST partitions differ (the other partitions keep
//!   their rows, nothing is rewritten; a dropped partition's rows go with it), otherwise the
//!   whole scheme again with `ALTER TABLE ... PARTITION BY` (a table rewrite), or
//!   `REMOVE PARTITIONING`.
//!
//! Statements are returned without `DELIMITER`: the driver runs them one by one, and the server
//! reads a `BEGIN ... END` body with its inner `;` as one statement (`to_script` adds the client
//! `DELIMITER` lines a script needs).

use super::{D, q, qn, unsupported};
use crate::RenderError;
use migrex_dialect::quote_string;
use migrex_model::{
    ArgMode, Change, Function, IndexKey, PartitionDef, PartitionStrategy, Partitioning,
    QualifiedName, RoutineKind, Trigger, TriggerAction, TriggerEvent, TriggerTiming,
};

fn routine_word(f: &Function) -> &'static str {
    match f.kind {
        // MySQL has no user aggregates in SQL; a PostgreSQL one is refused in create_function.
        RoutineKind::Function | RoutineKind::Aggregate => "FUNCTION",
        RoutineKind::Procedure => "PROCEDURE",
    }
}

pub(super) fn create_function(
    change: &Change,
    name: &QualifiedName,
    f: &Function,
) -> Result<String, RenderError> {
    if !f.language.eq_ignore_ascii_case("sql") {
        return Err(unsupported(
            change,
            format!("MySQL routines are SQL, not {}", f.language),
        ));
    }
    let a = &f.attributes;
    if a.strict
        || a.leakproof
        || a.parallel.is_some()
        || a.cost.is_some()
        || a.rows.is_some()
        || !a.set.is_empty()
        || a.volatility != migrex_model::Volatility::Volatile
    {
        return Err(unsupported(
            change,
            "volatility, STRICT, LEAKPROOF, PARALLEL, COST, ROWS and SET are PostgreSQL's; MySQL routines have none",
        ));
    }
    let mut params = Vec::new();
    for arg in &f.args {
        let Some(n) = &arg.name else {
            return Err(unsupported(change, "MySQL routine parameters need names"));
        };
        if arg.default.is_some() {
            return Err(unsupported(
                change,
                "MySQL routine parameters have no defaults",
            ));
        }
        let mode = match (f.kind, arg.mode) {
            (_, ArgMode::Variadic) => {
                return Err(unsupported(change, "MySQL has no VARIADIC parameters"));
            }
            (RoutineKind::Function, ArgMode::In) => "",
            (_, ArgMode::In) => "IN ",
            (_, ArgMode::Out) => "OUT ",
            (_, ArgMode::InOut) => "INOUT ",
        };
        params.push(format!("{mode}{} {}", q(n), arg.ty));
    }
    let mut s = format!(
        "CREATE {} {}({})",
        routine_word(f),
        qn(name),
        params.join(", ")
    );
    match (f.kind, &f.returns) {
        (RoutineKind::Function, Some(r)) => s.push_str(&format!(" RETURNS {r}")),
        (RoutineKind::Function, None) => {
            return Err(unsupported(change, "a MySQL function needs a return type"));
        }
        (RoutineKind::Procedure, _) => {}
        (RoutineKind::Aggregate, _) => {
            return Err(unsupported(change, "MySQL has no CREATE AGGREGATE"));
        }
    }
    if a.deterministic {
        s.push_str("\n  DETERMINISTIC");
    }
    if let Some(d) = &a.data_access {
        s.push_str(&format!("\n  {d}"));
    }
    if !a.security_definer {
        s.push_str("\n  SQL SECURITY INVOKER");
    }
    if let Some(c) = &f.comment {
        s.push_str(&format!("\n  COMMENT {}", quote_string(D, c)));
    }
    s.push('\n');
    s.push_str(&f.body.sql);
    Ok(s)
}

pub(super) fn drop_function(name: &QualifiedName, f: &Function) -> String {
    format!("DROP {} {}", routine_word(f), qn(name))
}

pub(super) fn set_function_comment(name: &QualifiedName, f: &Function, to: Option<&str>) -> String {
    format!(
        "ALTER {} {} COMMENT {}",
        routine_word(f),
        qn(name),
        quote_string(D, to.unwrap_or(""))
    )
}

pub(super) fn create_trigger(change: &Change, t: &Trigger) -> Result<String, RenderError> {
    let timing = match t.timing {
        TriggerTiming::Before => "BEFORE",
        TriggerTiming::After => "AFTER",
        TriggerTiming::InsteadOf => {
            return Err(unsupported(change, "MySQL has no INSTEAD OF triggers"));
        }
    };
    let event = match t.events.as_slice() {
        [TriggerEvent::Insert] => "INSERT",
        [TriggerEvent::Update { columns }] if columns.is_empty() => "UPDATE",
        [TriggerEvent::Delete] => "DELETE",
        _ => {
            return Err(unsupported(
                change,
                "a MySQL trigger fires on one of INSERT, UPDATE (without OF columns) or DELETE",
            ));
        }
    };
    if !t.for_each_row || t.when.is_some() || t.constraint.is_some() {
        return Err(unsupported(
            change,
            "MySQL triggers are FOR EACH ROW, without WHEN or constraint triggers",
        ));
    }
    let TriggerAction::Body { body } = &t.action else {
        return Err(unsupported(
            change,
            "a MySQL trigger runs its own body, not a function",
        ));
    };
    let mut s = format!(
        "CREATE TRIGGER {} {timing} {event} ON {} FOR EACH ROW",
        q(&t.name),
        qn(&t.table)
    );
    if let Some((word, other)) = t.order.as_deref().and_then(|o| o.split_once(' ')) {
        s.push_str(&format!(
            " {} {}",
            word.to_ascii_uppercase(),
            q(other.trim())
        ));
    }
    s.push('\n');
    s.push_str(&body.sql);
    Ok(s)
}

pub(super) fn drop_trigger(t: &Trigger) -> String {
    format!("DROP TRIGGER {}", q(&t.name))
}

/// `PARTITION BY ...` with the partitions, as written after a table's options.
pub(super) fn partition_clause(p: &Partitioning) -> String {
    let method = match p.strategy {
        PartitionStrategy::Range => "RANGE",
        PartitionStrategy::List => "LIST",
        PartitionStrategy::Hash => "HASH",
        PartitionStrategy::Key => "KEY",
    };
    let key: Vec<String> = p
        .key
        .iter()
        .map(|part| match &part.key {
            IndexKey::Column(c) => q(c),
            IndexKey::Expr(e) => e.sql.clone(),
        })
        .collect();
    let mut s = format!(
        "PARTITION BY {}{method}{} ({})",
        if p.linear { "LINEAR " } else { "" },
        if p.columns { " COLUMNS" } else { "" },
        key.join(", ")
    );
    if let Some(n) = p.count {
        s.push_str(&format!("\nPARTITIONS {n}"));
    }
    if !p.partitions.is_empty() {
        let defs: Vec<String> = p.partitions.iter().map(|d| partition_def(p, d)).collect();
        s.push_str(&format!("\n({})", defs.join(",\n ")));
    }
    s
}

fn partition_def(p: &Partitioning, d: &PartitionDef) -> String {
    let mut s = format!("PARTITION {}", q(&d.name));
    if let Some(b) = &d.bound {
        let maxvalue = b.key == "MAXVALUE";
        match p.strategy {
            PartitionStrategy::Range if maxvalue && !p.columns => {
                s.push_str(" VALUES LESS THAN MAXVALUE")
            }
            PartitionStrategy::Range => s.push_str(&format!(" VALUES LESS THAN ({})", b.sql)),
            _ => s.push_str(&format!(" VALUES IN ({})", b.sql)),
        }
    }
    if let Some(c) = &d.comment {
        s.push_str(&format!(" COMMENT = {}", quote_string(D, c)));
    }
    s
}

pub(super) fn alter_partitioning(
    table: &QualifiedName,
    from: Option<&Partitioning>,
    to: Option<&Partitioning>,
) -> Vec<String> {
    let alter = |rest: String| vec![format!("ALTER TABLE {} {rest}", qn(table))];
    let Some(to) = to else {
        return alter("REMOVE PARTITIONING".into());
    };
    if let Some(from) = from
        && matches!(
            to.strategy,
            PartitionStrategy::Range | PartitionStrategy::List
        )
        && from.strategy == to.strategy
        && from.columns == to.columns
        && from.linear == to.linear
        && from.key == to.key
    {
        let common = from
            .partitions
            .iter()
            .zip(&to.partitions)
            .take_while(|(a, b)| a == b)
            .count();
        if common == from.partitions.len() && common < to.partitions.len() {
            let defs: Vec<String> = to.partitions[common..]
                .iter()
                .map(|d| partition_def(to, d))
                .collect();
            return alter(format!("ADD PARTITION ({})", defs.join(", ")));
        }
        if common == to.partitions.len() && common < from.partitions.len() && common > 0 {
            let names: Vec<String> = from.partitions[common..]
                .iter()
                .map(|d| q(&d.name))
                .collect();
            return alter(format!("DROP PARTITION {}", names.join(", ")));
        }
    }
    alter(partition_clause(to))
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex_model::{
        Expr, FunctionArg, FunctionAttributes, IndexPart, PartitionDef, PartitionStrategy,
        Partitioning, Trigger, TriggerAction, TriggerEvent, TriggerTiming,
    };

    fn t(name: &str) -> QualifiedName {
        QualifiedName::new("", name)
    }

    fn body(sql: &str) -> Expr {
        migrex_dialect::body(D, sql)
    }

    #[test]
    fn routines_and_triggers() {
        let f = Function {
            name: "f".into(),
            kind: RoutineKind::Procedure,
            args: vec![
                FunctionArg {
                    mode: ArgMode::In,
                    name: Some("a".into()),
                    ty: "int".into(),
                    default: None,
                },
                FunctionArg {
                    mode: ArgMode::Out,
                    name: Some("b`c".into()),
                    ty: "varchar(10) CHARACTER SET latin1".into(),
                    default: None,
                },
            ],
            returns: None,
            language: "sql".into(),
            body: body("BEGIN SELECT 1; END"),
            attributes: FunctionAttributes {
                security_definer: false,
                data_access: Some("READS SQL DATA".into()),
                ..Default::default()
            },
            comment: Some("it's".into()),
            depends_on: Vec::new(),
            aggregate: None,
        };
        let change = Change::CreateFunction {
            name: t("f"),
            function: f.clone(),
        };
        assert_eq!(
            create_function(&change, &t("f"), &f).expect("renders"),
            "CREATE PROCEDURE `f`(IN `a` int, OUT `b``c` varchar(10) CHARACTER SET latin1)\n  READS SQL DATA\n  SQL SECURITY INVOKER\n  COMMENT 'it''s'\nBEGIN SELECT 1; END"
        );
        assert_eq!(drop_function(&t("f"), &f), "DROP PROCEDURE `f`");
        assert_eq!(
            set_function_comment(&t("f"), &f, None),
            "ALTER PROCEDURE `f` COMMENT ''"
        );
        let trigger = Trigger {
            name: "b".into(),
            table: t("x"),
            timing: TriggerTiming::Before,
            events: vec![TriggerEvent::Update {
                columns: Vec::new(),
            }],
            for_each_row: true,
            when: None,
            action: TriggerAction::Body {
                body: body("SET NEW.a = 1"),
            },
            constraint: None,
            old_table: None,
            new_table: None,
            order: Some("FOLLOWS a".into()),
            comment: None,
        };
        let change = Change::CreateTrigger {
            trigger: trigger.clone(),
        };
        assert_eq!(
            create_trigger(&change, &trigger).expect("renders"),
            "CREATE TRIGGER `b` BEFORE UPDATE ON `x` FOR EACH ROW FOLLOWS `a`\nSET NEW.a = 1"
        );
        let mut two = trigger.clone();
        two.events.push(TriggerEvent::Insert);
        assert!(create_trigger(&change, &two).is_err());
    }

    fn range(parts: &[(&str, &str)]) -> Partitioning {
        Partitioning {
            strategy: PartitionStrategy::Range,
            columns: false,
            linear: false,
            key: vec![IndexPart::column("y")],
            partitions: parts
                .iter()
                .map(|(n, b)| PartitionDef {
                    name: n.to_string(),
                    bound: Some(migrex_dialect::mysql::partition_bound(
                        PartitionStrategy::Range,
                        b,
                    )),
                    comment: None,
                })
                .collect(),
            count: None,
        }
    }

    #[test]
    fn partitioning_changes() {
        let a = range(&[("p0", "2020"), ("p1", "2021")]);
        let b = range(&[("p0", "2020"), ("p1", "2021"), ("pmax", "MAXVALUE")]);
        assert_eq!(
            alter_partitioning(&t("s"), Some(&a), Some(&b)),
            vec!["ALTER TABLE `s` ADD PARTITION (PARTITION `pmax` VALUES LESS THAN MAXVALUE)"]
        );
        assert_eq!(
            alter_partitioning(&t("s"), Some(&b), Some(&a)),
            vec!["ALTER TABLE `s` DROP PARTITION `pmax`"]
        );
        // A changed bound in the middle re-partitions the whole table.
        let c = range(&[("p0", "2019"), ("p1", "2021")]);
        assert_eq!(
            alter_partitioning(&t("s"), Some(&a), Some(&c)),
            vec![
                "ALTER TABLE `s` PARTITION BY RANGE (`y`)\n(PARTITION `p0` VALUES LESS THAN (2019),\n PARTITION `p1` VALUES LESS THAN (2021))"
            ]
        );
        assert_eq!(
            alter_partitioning(&t("s"), Some(&a), None),
            vec!["ALTER TABLE `s` REMOVE PARTITIONING"]
        );
        let hash = Partitioning {
            strategy: PartitionStrategy::Key,
            columns: false,
            linear: true,
            key: Vec::new(),
            partitions: Vec::new(),
            count: Some(4),
        };
        assert_eq!(
            partition_clause(&hash),
            "PARTITION BY LINEAR KEY ()\nPARTITIONS 4"
        );
    }
}
