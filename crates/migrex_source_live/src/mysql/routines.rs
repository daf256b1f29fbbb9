//! MySQL / MariaDB triggers, stored routines and partitions from `information_schema`.
//!
//! One query each for triggers, routines, routine parameters and partitions, whatever the
//! number of objects (the partitions query only runs when some table is partitioned: reading
//! `PARTITIONS` opens every table of the database). Bodies are `ACTION_STATEMENT` and
//! `ROUTINE_DEFINITION`, the text as written; types, keys and bounds go through
//! `migrex_dialect::mysql`, the functions the DDL reader uses, so both read alike.

use super::{cell, nonempty, text, warn};
use crate::{Db, LiveError};
use migrex_dialect::mysql::{self as my, Flavor};
use migrex_model::{
    ArgMode, Dialect, Function, FunctionArg, FunctionAttributes, PartitionDef, Partitioning,
    QualifiedName, RoutineKind, Schema, Trigger, TriggerAction, TriggerEvent, TriggerTiming,
    Warning,
};
use std::collections::HashMap;

/// The database's defaults, which a string parameter without a charset clause takes.
pub(crate) struct DbDefaults<'a> {
    pub(crate) flavor: Flavor,
    pub(crate) charset: &'a str,
    pub(crate) collation: &'a str,
}

pub(crate) fn read_triggers(
    db: &mut Db,
    schema: &mut Schema,
    location: &str,
    warnings: &mut Vec<Warning>,
) -> Result<(), LiveError> {
    let rows = db.query(
        "SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_TIMING, \
         ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
         ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
    )?;
    let ns = schema.namespace_mut("");
    for r in rows {
        let name = text(&r, 0);
        let event = match text(&r, 1).to_ascii_uppercase().as_str() {
            "INSERT" => TriggerEvent::Insert,
            "UPDATE" => TriggerEvent::Update {
                columns: Vec::new(),
            },
            "DELETE" => TriggerEvent::Delete,
            other => {
                warnings.push(warn(
                    location,
                    &name,
                    &format!("trigger event {other} is not modeled; skipped"),
                ));
                continue;
            }
        };
        let timing = match text(&r, 3).to_ascii_uppercase().as_str() {
            "BEFORE" => TriggerTiming::Before,
            _ => TriggerTiming::After,
        };
        let t = Trigger {
            name,
            table: QualifiedName::new("", text(&r, 2)),
            timing,
            events: vec![event],
            for_each_row: true,
            when: None,
            action: TriggerAction::Body {
                body: migrex_dialect::body(Dialect::Mysql, &text(&r, 4)),
            },
            constraint: None,
            old_table: None,
            new_table: None,
            order: None,
            comment: None,
        };
        ns.triggers.insert(t.key(), t);
    }
    Ok(())
}

pub(crate) fn read_routines(
    db: &mut Db,
    defaults: &DbDefaults,
    schema: &mut Schema,
    location: &str,
    warnings: &mut Vec<Warning>,
) -> Result<(), LiveError> {
    let ty = |dtd: &str, cs: Option<&str>, coll: Option<&str>| {
        my::routine_type(
            defaults.flavor,
            dtd,
            cs,
            coll,
            defaults.charset,
            defaults.collation,
        )
    };
    // Parameters by (routine type, routine name), in order.
    let mut params: HashMap<(String, String), Vec<FunctionArg>> = HashMap::new();
    for r in db.query(
        "SELECT SPECIFIC_NAME, ROUTINE_TYPE, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER, \
         CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.PARAMETERS \
         WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 \
         ORDER BY SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION",
    )? {
        let mode = match text(&r, 2).to_ascii_uppercase().as_str() {
            "OUT" => ArgMode::Out,
            "INOUT" => ArgMode::InOut,
            _ => ArgMode::In,
        };
        params
            .entry((text(&r, 1).to_ascii_uppercase(), text(&r, 0)))
            .or_default()
            .push(FunctionArg {
                mode,
                name: nonempty(&r, 3),
                ty: ty(&text(&r, 4), cell(&r, 5), cell(&r, 6)),
                default: None,
            });
    }
    let rows = db.query(
        "SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, CHARACTER_SET_NAME, COLLATION_NAME, \
         ROUTINE_DEFINITION, IS_DETERMINISTIC, SQL_DATA_ACCESS, SECURITY_TYPE, ROUTINE_COMMENT, \
         ROUTINE_BODY FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() \
         ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
    )?;
    let ns = schema.namespace_mut("");
    for r in rows {
        let name = text(&r, 0);
        let routine_type = text(&r, 1).to_ascii_uppercase();
        let kind = match routine_type.as_str() {
            "FUNCTION" => RoutineKind::Function,
            "PROCEDURE" => RoutineKind::Procedure,
            other => {
                warnings.push(warn(
                    location,
                    &name,
                    &format!("{} is not modeled; skipped", other.to_ascii_lowercase()),
                ));
                continue;
            }
        };
        if !text(&r, 10).eq_ignore_ascii_case("SQL") {
            warnings.push(warn(
                location,
                &name,
                "an external (UDF) routine is not modeled; skipped",
            ));
            continue;
        }
        let data_access = match text(&r, 7).to_ascii_uppercase().as_str() {
            "" | "CONTAINS SQL" => None,
            other => Some(other.to_string()),
        };
        let f = Function {
            name: name.clone(),
            kind,
            args: params.remove(&(routine_type, name)).unwrap_or_default(),
            returns: (kind == RoutineKind::Function)
                .then(|| ty(&text(&r, 2), cell(&r, 3), cell(&r, 4))),
            language: "sql".into(),
            body: migrex_dialect::body(Dialect::Mysql, &text(&r, 5)),
            attributes: FunctionAttributes {
                deterministic: text(&r, 6).eq_ignore_ascii_case("YES"),
                data_access,
                security_definer: !text(&r, 8).eq_ignore_ascii_case("INVOKER"),
                ..FunctionAttributes::default()
            },
            comment: nonempty(&r, 9),
            depends_on: Vec::new(),
            aggregate: None,
        };
        ns.functions.insert(f.identity(), f);
    }
    Ok(())
}

/// Partitioning of the tables whose `CREATE_OPTIONS` say `partitioned`.
pub(crate) fn read_partitions(
    db: &mut Db,
    schema: &mut Schema,
    location: &str,
    warnings: &mut Vec<Warning>,
) -> Result<(), LiveError> {
    let rows = db.query(
        "SELECT TABLE_NAME, PARTITION_NAME, SUBPARTITION_NAME, PARTITION_METHOD, \
         PARTITION_EXPRESSION, PARTITION_DESCRIPTION, PARTITION_COMMENT \
         FROM information_schema.PARTITIONS \
         WHERE TABLE_SCHEMA = DATABASE() AND PARTITION_NAME IS NOT NULL \
         ORDER BY TABLE_NAME, PARTITION_ORDINAL_POSITION, SUBPARTITION_ORDINAL_POSITION",
    )?;
    let ns = schema.namespace_mut("");
    let mut unmodeled: Vec<String> = Vec::new();
    let mut subpartitioned: Vec<String> = Vec::new();
    for r in rows {
        let tname = text(&r, 0);
        let Some(table) = ns.tables.get_mut(&tname) else {
            continue;
        };
        if unmodeled.contains(&tname) {
            continue;
        }
        let method = text(&r, 3);
        let Some((strategy, columns, linear)) = my::partition_method(&method) else {
            warnings.push(warn(
                location,
                &tname,
                &format!("PARTITION BY {method} is not modeled; the table is read without it"),
            ));
            unmodeled.push(tname);
            continue;
        };
        if cell(&r, 2).is_some() && !subpartitioned.contains(&tname) {
            warnings.push(warn(
                location,
                &tname,
                "subpartitioning is not modeled; the table is read without it",
            ));
            subpartitioned.push(tname.clone());
        }
        let p = table.partitioning.get_or_insert_with(|| Partitioning {
            strategy,
            columns,
            linear,
            key: my::partition_key(strategy, columns, &text(&r, 4)),
            partitions: Vec::new(),
            count: None,
        });
        let pname = text(&r, 1);
        // One row per subpartition: the partition is listed once.
        if p.partitions.last().is_some_and(|d| d.name == pname) {
            continue;
        }
        p.partitions.push(PartitionDef {
            name: pname,
            bound: nonempty(&r, 5).map(|b| my::partition_bound(strategy, &b)),
            comment: nonempty(&r, 6),
        });
    }
    for t in ns.tables.values_mut() {
        if let Some(p) = &mut t.partitioning {
            my::normalize_partitioning(p);
        }
    }
    Ok(())
}
