//! Every change the planner makes for the fixture schemas of the three dialects (creating each
//! schema from nothing and dropping it again) lowers to known actions, none to `Other`, and the
//! analysis of the plan gives every step a risk and, without sizes, no invented duration for
//! work on existing tables.

use migrex_model::{Dialect, Renames, Schema};
use migrex_safety::{Action, Severity, TableStats, Target, actions_of, analyze};
use migrex_test_support::{read_ddl, sql_fixtures};
use std::path::Path;

fn check(dialect: Dialect, folder: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../migrex_source_live/tests/fixtures")
        .join(folder);
    let mut lowered = 0;
    for (file, sql) in sql_fixtures(&dir) {
        let schema = read_ddl(dialect, &sql, &file).schema;
        let empty = Schema::new(dialect);
        for (from, to) in [(&empty, &schema), (&schema, &empty)] {
            let plan = migrex_diff::plan(from, to, &Renames::default());
            for step in &plan.steps {
                let actions = actions_of(&step.change, dialect);
                assert!(
                    !actions.is_empty(),
                    "{file}: {} lowers to nothing",
                    step.change.describe()
                );
                for a in &actions {
                    assert!(
                        !matches!(a, Action::Other { .. }),
                        "{file}: {} lowers to an unknown action {a:?}",
                        step.change.describe()
                    );
                }
                lowered += 1;
            }
            let target = Target::of_dialect(dialect, None);
            for s in analyze(&plan, &target, &TableStats::new()) {
                // The planner writes only statements the server accepts.
                assert_eq!(s.effect.refused, None, "{file}: {}", s.description);
                // Dropping tables with rows of unknown count loses data: error.
                if s.description.starts_with("drop table") {
                    assert_eq!(s.risk, Severity::Error, "{file}: {}", s.description);
                }
                if s.description.starts_with("create table") {
                    assert_eq!(
                        s.risk,
                        Severity::Info,
                        "{file}: {} {:?}",
                        s.description,
                        s.reasons
                    );
                }
            }
        }
    }
    assert!(lowered > 20, "{dialect}: only {lowered} steps lowered");
}

#[test]
fn postgres_fixture_plans_lower_to_known_actions() {
    check(Dialect::Postgres, "postgres");
}

#[test]
fn mysql_fixture_plans_lower_to_known_actions() {
    check(Dialect::Mysql, "mysql");
}

#[test]
fn sqlite_fixture_plans_lower_to_known_actions() {
    check(Dialect::Sqlite, "sqlite");
}
