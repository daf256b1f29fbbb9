//! Online plans keep the plan invariant: simulating the online up plan from FROM gives TO, and
//! the online down plan from TO gives FROM (PostgreSQL and MySQL; SQLite plans stay plain).

use migrex_diff::{OnlineOptions, canonical, diff, down, online, plan, simulate};
use migrex_model::{AlterAlgorithm, Change, Dialect, OnlineOp, Renames, Schema};

fn read(d: Dialect, sql: &str) -> Schema {
    migrex_source_sql::parse(sql, d, "t.sql")
        .unwrap_or_else(|e| panic!("{e}"))
        .schema
}

fn check(d: Dialect, a: &str, b: &str) -> migrex_model::Plan {
    check_with(d, a, b, &OnlineOptions::default()).0
}

/// The online up and down plans from `a` to `b` (renames from `b`'s `-- @renamed` hints), both
/// checked by simulation; a rediff after the up plan is empty.
fn check_with(
    d: Dialect,
    a: &str,
    b: &str,
    opts: &OnlineOptions,
) -> (migrex_model::Plan, migrex_model::Plan) {
    let from = read(d, a);
    let loaded = migrex_source_sql::parse(b, d, "to.sql").unwrap_or_else(|e| panic!("{e}"));
    let (to, r) = (loaded.schema, loaded.renames);
    let up = online(plan(&from, &to, &r), &from, opts);
    let dn = online(down(&from, &to, &r), &to, opts);
    let got = simulate(&from, &up).unwrap_or_else(|e| panic!("up: {e}"));
    assert_eq!(
        canonical(&got),
        canonical(&to),
        "online up does not reach TO"
    );
    let back = simulate(&to, &dn).unwrap_or_else(|e| panic!("down: {e}"));
    assert_eq!(
        canonical(&back),
        canonical(&from),
        "online down does not reach FROM"
    );
    assert!(diff(&got, &to, &Renames::default()).is_empty());
    (up, dn)
}

fn ops(p: &migrex_model::Plan) -> Vec<String> {
    p.steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::Online { operation, .. } => Some(format!("{operation:?}")),
            _ => None,
        })
        .collect()
}

#[test]
fn pg_type_change_with_key_index_and_references() {
    let up = check(
        Dialect::Postgres,
        "CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL CHECK (v >= 0), note text);
         CREATE INDEX t_v_idx ON t (v, note);
         CREATE TABLE c (id integer PRIMARY KEY, t_id integer REFERENCES t (id));",
        "CREATE TABLE t (id bigint PRIMARY KEY, v bigint NOT NULL CHECK (v >= 0), note text);
         CREATE INDEX t_v_idx ON t (v, note);
         CREATE TABLE c (id integer PRIMARY KEY, t_id integer REFERENCES t (id));",
    );
    let o = ops(&up).join("\n");
    assert!(o.contains("Backfill"), "{o}");
    assert!(
        o.contains("AddPrimaryKeyUsingIndex") || o.contains("Group"),
        "{o}"
    );
    assert!(up.steps.iter().any(|s| matches!(
        &s.change,
        Change::Online {
            operation: OnlineOp::Checkpoint { .. },
            ..
        }
    )));
    // Concurrent index builds are outside a transaction.
    for s in &up.steps {
        if let Change::Online {
            operation: OnlineOp::CreateIndex { .. },
            ..
        } = &s.change
        {
            assert!(!s.transactional);
        }
    }
}

#[test]
fn pg_constraints_and_columns() {
    check(
        Dialect::Postgres,
        "CREATE TABLE p (id integer PRIMARY KEY);
         CREATE TABLE t (id integer PRIMARY KEY, v integer, note text);",
        "CREATE TABLE p (id integer PRIMARY KEY);
         CREATE TABLE t (id integer PRIMARY KEY, v integer NOT NULL UNIQUE REFERENCES p (id),
           note text CHECK (note <> ''), r float8 NOT NULL DEFAULT random(), f boolean NOT NULL DEFAULT false);
         CREATE INDEX t_note_idx ON t (note);",
    );
}

#[test]
fn new_tables_and_sqlite_stay_plain() {
    let up = check(
        Dialect::Postgres,
        "CREATE TABLE a (id integer PRIMARY KEY);",
        "CREATE TABLE a (id integer PRIMARY KEY);
         CREATE TABLE b (id integer PRIMARY KEY, a_id integer REFERENCES a (id));
         CREATE INDEX b_a ON b (a_id);",
    );
    assert!(ops(&up).is_empty(), "{:?}", ops(&up));
    let up = check(
        Dialect::Sqlite,
        "CREATE TABLE a (id integer PRIMARY KEY, v integer);",
        "CREATE TABLE a (id integer PRIMARY KEY, v integer);
         CREATE INDEX a_v ON a (v);",
    );
    assert!(
        up.notes
            .iter()
            .any(|n| n.contains("SQLite has no online DDL"))
    );
}

#[test]
fn mysql_indexes() {
    let up = check(
        Dialect::Mysql,
        "CREATE TABLE t (id int PRIMARY KEY, v int, KEY k_old (v)) ENGINE=InnoDB;",
        "CREATE TABLE t (id int PRIMARY KEY, v int, KEY k_new (id, v)) ENGINE=InnoDB;",
    );
    assert_eq!(ops(&up).len(), 2, "{:?}", ops(&up));
}

fn online_ops(p: &migrex_model::Plan) -> Vec<&OnlineOp> {
    p.steps
        .iter()
        .filter_map(|s| match &s.change {
            Change::Online { operation, .. } => Some(operation),
            _ => None,
        })
        .collect()
}

/// The changes of the plan's switch (its one `Group` of several changes).
fn switch(p: &migrex_model::Plan) -> (&Vec<Change>, Option<AlterAlgorithm>) {
    let groups: Vec<_> = online_ops(p)
        .into_iter()
        .filter_map(|o| match o {
            OnlineOp::Group {
                changes, algorithm, ..
            } if changes.len() > 1 => Some((changes, *algorithm)),
            _ => None,
        })
        .collect();
    assert_eq!(groups.len(), 1, "one switch: {:#?}", p.steps);
    groups[0]
}

fn plain_renames(p: &migrex_model::Plan) -> usize {
    p.steps
        .iter()
        .filter(|s| matches!(s.change, Change::RenameColumn { .. }))
        .count()
}

fn two_way_trigger(p: &migrex_model::Plan, source: &str, target: &str) -> bool {
    online_ops(p).into_iter().any(|o| {
        matches!(o, OnlineOp::CreateSyncTrigger { source: s, target: t, both_ways: true }
            if s.name == source && t.name == target)
    })
}

#[test]
fn pg_rename_carries_indexes_constraints_and_references() {
    let (up, dn) = check_with(
        Dialect::Postgres,
        "CREATE TABLE t (id integer PRIMARY KEY, a integer NOT NULL DEFAULT 0 CONSTRAINT t_a_check CHECK (a >= 0), note text, CONSTRAINT t_a_key UNIQUE (a));
         CREATE INDEX t_a_idx ON t (a, note);
         CREATE TABLE c (id integer PRIMARY KEY, t_a integer CONSTRAINT c_t_a_fkey REFERENCES t (a));",
        "CREATE TABLE t (id integer PRIMARY KEY, b integer NOT NULL DEFAULT 0 -- @renamed from=a
           , note text, CONSTRAINT t_a_check CHECK (b >= 0), CONSTRAINT t_a_key UNIQUE (b));
         CREATE INDEX t_a_idx ON t (b, note);
         CREATE TABLE c (id integer PRIMARY KEY, t_a integer CONSTRAINT c_t_a_fkey REFERENCES t (b));",
        &OnlineOptions::default(),
    );
    for (p, old, new) in [(&up, "a", "b"), (&dn, "b", "a")] {
        assert_eq!(plain_renames(p), 0, "{:#?}", p.steps);
        assert!(two_way_trigger(p, old, new), "{:#?}", p.steps);
        let o = ops(p).join("\n");
        for want in [
            "Backfill",
            "AddCheckNotValid",
            "ValidateConstraint",
            "t_a_idx_migrex_new",
            "t_a_key_migrex_new",
            "AddUniqueUsingIndex",
            "AddForeignKeyNotValid",
            "reads and writes",
        ] {
            assert!(o.contains(want), "{want} missing:\n{o}");
        }
        let (sw, _) = switch(p);
        assert!(
            sw.iter()
                .any(|c| matches!(c, Change::DropColumn { column, .. } if column.name == old))
        );
        assert!(!sw.iter().any(|c| matches!(c, Change::RenameColumn { .. })));
        // The new column is nullable and without its default until the switch.
        assert!(sw.iter().any(|c| matches!(c, Change::AlterColumn { to, .. } if to.name == new && to.default.is_some())));
        // The deploy point comes before the switch; concurrent builds are outside transactions.
        let at = |f: &dyn Fn(&Change) -> bool| p.steps.iter().position(|s| f(&s.change));
        let checkpoint = at(&|c| {
            matches!(
                c,
                Change::Online {
                    operation: OnlineOp::Checkpoint { .. },
                    ..
                }
            )
        });
        let group = at(
            &|c| matches!(c, Change::Online { operation: OnlineOp::Group { changes, .. }, .. } if changes.len() > 1),
        );
        assert!(checkpoint < group && checkpoint.is_some());
        for s in &p.steps {
            if let Change::Online {
                operation: OnlineOp::CreateIndex { .. },
                ..
            } = &s.change
            {
                assert!(!s.transactional);
            }
        }
    }
}

#[test]
fn pg_rename_of_a_primary_key_column_swaps_the_key() {
    let (up, _) = check_with(
        Dialect::Postgres,
        "CREATE TABLE t (id integer PRIMARY KEY, v text);
         CREATE TABLE c (id integer PRIMARY KEY, t_id integer CONSTRAINT c_t_id_fkey REFERENCES t (id));",
        "CREATE TABLE t (key integer PRIMARY KEY -- @renamed from=id
           , v text);
         CREATE TABLE c (id integer PRIMARY KEY, t_id integer CONSTRAINT c_t_id_fkey REFERENCES t (key));",
        &OnlineOptions::default(),
    );
    let o = ops(&up).join("\n");
    assert!(o.contains("AddPrimaryKeyUsingIndex"), "{o}");
    assert!(o.contains("t_pkey_migrex_new"), "{o}");
    assert_eq!(plain_renames(&up), 0);
}

#[test]
fn renames_stay_plain_without_a_key_or_when_asked() {
    let from = "CREATE TABLE t (a integer, note text);";
    let to = "CREATE TABLE t (b integer -- @renamed from=a
        , note text);";
    let (up, _) = check_with(Dialect::Postgres, from, to, &OnlineOptions::default());
    assert_eq!(plain_renames(&up), 1);
    assert!(
        up.notes
            .iter()
            .any(|n| n.contains("renamed to b in one statement") && n.contains("no primary key")),
        "{:?}",
        up.notes
    );
    let keyed = "CREATE TABLE t (id integer PRIMARY KEY, a integer, note text);";
    let keyed_to = "CREATE TABLE t (id integer PRIMARY KEY, b integer -- @renamed from=a
        , note text);";
    let opts = OnlineOptions {
        plain_renames: true,
        ..OnlineOptions::default()
    };
    let (up, dn) = check_with(Dialect::Postgres, keyed, keyed_to, &opts);
    assert_eq!((plain_renames(&up), plain_renames(&dn)), (1, 1));
    assert!(up.notes.iter().any(|n| n.contains("--plain-renames")));
    // MariaDB: the plain rename asks for INSTANT.
    let opts = OnlineOptions {
        plain_renames: true,
        mariadb: true,
        ..OnlineOptions::default()
    };
    let (up, _) = check_with(Dialect::Mysql, keyed, keyed_to, &opts);
    assert!(matches!(
        online_ops(&up).as_slice(),
        [OnlineOp::Group { algorithm: Some(AlterAlgorithm::Instant), changes, .. }]
            if matches!(changes.as_slice(), [Change::RenameColumn { .. }])
    ));
}

fn maria() -> OnlineOptions {
    OnlineOptions {
        mariadb: true,
        ..OnlineOptions::default()
    }
}

#[test]
fn mariadb_rename_expand_contract() {
    let (up, dn) = check_with(
        Dialect::Mysql,
        "CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL DEFAULT 5, note varchar(20), KEY t_a (a, note), UNIQUE KEY t_a_u (a)) ENGINE=InnoDB;",
        "CREATE TABLE t (id int PRIMARY KEY, b int NOT NULL DEFAULT 5 -- @renamed from=a
           , note varchar(20), KEY t_a (b, note), UNIQUE KEY t_a_u (b)) ENGINE=InnoDB;",
        &maria(),
    );
    for (p, old, new) in [(&up, "a", "b"), (&dn, "b", "a")] {
        assert_eq!(plain_renames(p), 0, "{:#?}", p.steps);
        assert!(two_way_trigger(p, old, new));
        let (sw, algorithm) = switch(p);
        assert_eq!(algorithm, Some(AlterAlgorithm::Nocopy));
        assert!(sw.iter().any(|c| matches!(c, Change::RenameIndex { .. })));
        let o = ops(p).join("\n");
        assert!(
            o.contains("Backfill") && o.contains("t_a_u_migrex_new"),
            "{o}"
        );
        // NOT NULL on the new column: in place, writes go on.
        assert!(online_ops(p).iter().any(|o| matches!(o,
            OnlineOp::Group { algorithm: Some(AlterAlgorithm::Inplace), lock_none: true, changes, .. }
                if matches!(changes.as_slice(), [Change::AlterColumn { to, .. }] if !to.nullable))));
        // The column is added INSTANT.
        assert!(online_ops(p).iter().any(|o| matches!(o,
            OnlineOp::Group { algorithm: Some(AlterAlgorithm::Instant), changes, .. }
                if matches!(changes.as_slice(), [Change::AddColumn { .. }]))));
    }
}

#[test]
fn mariadb_type_changes_by_algorithm() {
    let from = "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s varchar(20), w varchar(40), n int, d int DEFAULT 1, KEY t_v (v)) ENGINE=InnoDB;";
    // A copy-only type change: expand/contract with a one-way trigger.
    let (up, dn) = check_with(
        Dialect::Mysql,
        from,
        "CREATE TABLE t (id int PRIMARY KEY, v bigint NOT NULL, s varchar(20), w varchar(40), n int, d int DEFAULT 1, KEY t_v (v)) ENGINE=InnoDB;",
        &maria(),
    );
    for p in [&up, &dn] {
        let (sw, algorithm) = switch(p);
        assert_eq!(algorithm, Some(AlterAlgorithm::Nocopy));
        assert!(
            sw.iter()
                .any(|c| matches!(c, Change::RenameColumn { to, .. } if to == "v"))
        );
        assert!(online_ops(p).iter().any(|o| matches!(
            o,
            OnlineOp::CreateSyncTrigger {
                both_ways: false,
                ..
            }
        )));
    }
    // A VARCHAR shrink and a growth across MariaDB's 128-255 byte prefix: copies too.
    for to in [
        "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s varchar(10), w varchar(40), n int, d int DEFAULT 1, KEY t_v (v)) ENGINE=InnoDB;",
        "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s varchar(20), w varchar(100), n int, d int DEFAULT 1, KEY t_v (v)) ENGINE=InnoDB;",
    ] {
        let (up, _) = check_with(Dialect::Mysql, from, to, &maria());
        switch(&up);
    }
    // Instant or in place: one statement with its clause.
    for (to, algorithm, lock_none) in [
        (
            "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s varchar(25), w varchar(40), n int, d int DEFAULT 1, KEY t_v (v)) ENGINE=InnoDB;",
            AlterAlgorithm::Instant,
            false,
        ),
        (
            "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s varchar(20), w varchar(40), n int NOT NULL, d int DEFAULT 1, KEY t_v (v)) ENGINE=InnoDB;",
            AlterAlgorithm::Inplace,
            true,
        ),
        (
            "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, s varchar(20), w varchar(40), n int, d int DEFAULT 7, KEY t_v (v)) ENGINE=InnoDB;",
            AlterAlgorithm::Instant,
            false,
        ),
    ] {
        let (up, _) = check_with(Dialect::Mysql, from, to, &maria());
        let got: Vec<_> = online_ops(&up)
            .into_iter()
            .map(|o| match o {
                OnlineOp::Group {
                    algorithm,
                    lock_none,
                    changes,
                    ..
                } => (*algorithm, *lock_none, changes.len()),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got, vec![(Some(algorithm), lock_none, 1)], "{to}");
    }
}

#[test]
fn mariadb_refusals_keep_the_plain_change_with_a_note() {
    // A key column: MySQL rebuilds the table to change the primary key.
    let (up, _) = check_with(
        Dialect::Mysql,
        "CREATE TABLE t (id int PRIMARY KEY, v int) ENGINE=InnoDB;",
        "CREATE TABLE t (id bigint PRIMARY KEY, v int) ENGINE=InnoDB;",
        &maria(),
    );
    assert!(
        up.notes.iter().any(|n| n.contains("primary key")),
        "{:?}",
        up.notes
    );
    assert!(
        up.steps
            .iter()
            .any(|s| matches!(s.change, Change::AlterColumn { .. }))
    );
}
