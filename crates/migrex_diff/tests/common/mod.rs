//! Schema builders and the invariant checks shared by the diff tests.
#![allow(dead_code)]

use migrex_diff::{canonical, diff, down, plan, simulate};
use migrex_model::*;

pub fn ns(d: Dialect) -> String {
    d.default_namespace().to_string()
}

pub fn qn(d: Dialect, name: &str) -> QualifiedName {
    QualifiedName::new(ns(d), name)
}

/// A qualified name as `describe()` prints it.
pub fn q(d: Dialect, name: &str) -> String {
    qn(d, name).to_string()
}

pub fn int(d: Dialect) -> ColumnType {
    match d {
        Dialect::Sqlite => ColumnType::other("INTEGER"),
        _ => ColumnType::int(4),
    }
}

pub fn bigint(d: Dialect) -> ColumnType {
    match d {
        Dialect::Sqlite => ColumnType::other("BIGINT"),
        _ => ColumnType::int(8),
    }
}

pub fn text(d: Dialect) -> ColumnType {
    match d {
        Dialect::Sqlite => ColumnType::other("TEXT"),
        Dialect::Mysql => ColumnType::Text {
            kind: TextKind::Varchar,
            max_len: Some(100),
        },
        Dialect::Postgres => ColumnType::Text {
            kind: TextKind::Text,
            max_len: None,
        },
    }
}

pub fn expr(d: Dialect, sql: &str) -> Expr {
    migrex_dialect::expr(d, sql)
}

pub fn col(name: &str, ty: ColumnType) -> Column {
    Column::new(name, ty)
}

pub fn not_null(mut c: Column) -> Column {
    c.nullable = false;
    c
}

/// A table with an `id` primary key and the given extra columns.
pub fn table(d: Dialect, name: &str, cols: &[Column]) -> Table {
    let mut t = Table::new(name);
    t.columns.insert("id".into(), not_null(col("id", int(d))));
    for c in cols {
        t.columns.insert(c.name.clone(), c.clone());
    }
    t.primary_key = Some(PrimaryKey {
        name: pk_name(d, name),
        columns: vec!["id".into()],
    });
    t
}

pub fn pk_name(d: Dialect, table: &str) -> Option<String> {
    match d {
        Dialect::Postgres => Some(format!("{table}_pkey")),
        _ => None,
    }
}

/// A constraint name as the dialect's reader would fill it in (SQLite keeps it unnamed).
pub fn cname(d: Dialect, name: &str) -> Option<String> {
    match d {
        Dialect::Sqlite => None,
        _ => Some(name.to_string()),
    }
}

pub fn fk(d: Dialect, name: &str, cols: &[&str], target: &str, ref_cols: &[&str]) -> ForeignKey {
    ForeignKey {
        name: cname(d, name),
        columns: cols.iter().map(|s| s.to_string()).collect(),
        ref_table: qn(d, target),
        ref_columns: ref_cols.iter().map(|s| s.to_string()).collect(),
        on_delete: FkAction::NoAction,
        on_update: FkAction::NoAction,
        deferrable: None,
        match_full: false,
    }
}

pub fn index(name: &str, cols: &[&str], unique: bool) -> Index {
    Index {
        name: name.into(),
        unique,
        parts: cols.iter().map(|c| IndexPart::column(*c)).collect(),
        method: None,
        include: vec![],
        predicate: None,
        nulls_not_distinct: false,
        comment: None,
    }
}

pub fn unique(d: Dialect, name: &str, cols: &[&str]) -> UniqueConstraint {
    UniqueConstraint {
        name: cname(d, name),
        columns: cols.iter().map(|s| s.to_string()).collect(),
        nulls_not_distinct: false,
        deferrable: None,
    }
}

pub fn check(d: Dialect, name: &str, sql: &str) -> Check {
    Check {
        name: cname(d, name),
        expr: expr(d, sql),
        no_inherit: false,
    }
}

pub fn view(d: Dialect, name: &str, sql: &str, deps: &[&str]) -> View {
    View {
        name: name.into(),
        definition: expr(d, sql),
        columns: vec![],
        materialized: false,
        check_option: None,
        security_invoker: false,
        comment: None,
        depends_on: deps.iter().map(|t| qn(d, t)).collect(),
        indexes: vec![],
        cluster_on: None,
    }
}

pub fn schema(d: Dialect, tables: Vec<Table>) -> Schema {
    let mut s = Schema::new(d);
    let n = s.namespace_mut(d.default_namespace());
    for t in tables {
        n.tables.insert(t.name.clone(), t);
    }
    s
}

pub fn add_view(s: &mut Schema, v: View) {
    let d = s.dialect;
    s.namespace_mut(d.default_namespace())
        .views
        .insert(v.name.clone(), v);
}

pub fn tbl<'a>(s: &'a mut Schema, name: &str) -> &'a mut Table {
    let d = s.dialect;
    s.table_mut(&qn(d, name)).expect("table exists")
}

/// Checks every invariant for one pair and returns the up plan.
pub fn check_pair(case: &str, from: &Schema, to: &Schema, renames: &Renames) -> Plan {
    let up = check_up(case, from, to, renames);
    let back = down(from, to, renames);
    check_plan_shape(case, &back);
    let got = simulate(to, &back)
        .unwrap_or_else(|e| panic!("{case}: simulate down failed: {e}\n{}", describe(&back)));
    assert_eq!(
        canonical(&got),
        canonical(from),
        "{case}: simulate(to, down) != from\n{}",
        describe(&back)
    );
    up
}

/// Online plans (`migrex_diff::online`, for MySQL and for MariaDB) keep the simulation
/// invariant: renames and type changes become expand/contract, which must still end at `to`
/// (and the down plan at `from` when `down_too`).
pub fn check_online(case: &str, from: &Schema, to: &Schema, renames: &Renames, down_too: bool) {
    for mariadb in [false, true] {
        let opts = migrex_diff::OnlineOptions {
            mariadb,
            ..Default::default()
        };
        let up = migrex_diff::online(plan(from, to, renames), from, &opts);
        let got = simulate(from, &up).unwrap_or_else(|e| {
            panic!("{case}: simulate online up failed: {e}\n{}", describe(&up))
        });
        assert_eq!(
            canonical(&got),
            canonical(to),
            "{case}: simulate(from, online up) != to\n{}",
            describe(&up)
        );
        if down_too {
            let back = migrex_diff::online(down(from, to, renames), to, &opts);
            let got = simulate(to, &back).unwrap_or_else(|e| {
                panic!(
                    "{case}: simulate online down failed: {e}\n{}",
                    describe(&back)
                )
            });
            assert_eq!(
                canonical(&got),
                canonical(from),
                "{case}: simulate(to, online down) != from\n{}",
                describe(&back)
            );
        }
    }
}

/// The invariants of the up direction only (for changes that cannot be reversed yet).
pub fn check_up(case: &str, from: &Schema, to: &Schema, renames: &Renames) -> Plan {
    for (side, x) in [("from", from), ("to", to)] {
        let same = diff(x, x, &Renames::default());
        assert!(same.is_empty(), "{case}: diff({side}, {side}) = {same:#?}");
        assert!(plan(x, x, &Renames::default()).is_empty());
    }
    let up = plan(from, to, renames);
    check_plan_shape(case, &up);
    let got = simulate(from, &up)
        .unwrap_or_else(|e| panic!("{case}: simulate up failed: {e}\n{}", describe(&up)));
    assert_eq!(
        canonical(&got),
        canonical(to),
        "{case}: simulate(from, up) != to\n{}",
        describe(&up)
    );
    let again = diff(&got, to, &Renames::default());
    assert!(again.is_empty(), "{case}: re-diff after up: {again:#?}");
    up
}

fn check_plan_shape(case: &str, p: &Plan) {
    for (i, s) in p.steps.iter().enumerate() {
        assert_eq!(s.id, i, "{case}: step ids are positions");
        for &d in &s.depends_on {
            assert!(d < i, "{case}: step {i} depends on later step {d}");
        }
    }
    let internal: Vec<_> = p
        .notes
        .iter()
        .filter(|n| n.starts_with("internal"))
        .collect();
    assert!(internal.is_empty(), "{case}: {internal:?}");
    if p.dialect == Dialect::Sqlite {
        for s in &p.steps {
            assert!(
                !matches!(
                    s.change,
                    Change::AlterColumn { .. }
                        | Change::AddPrimaryKey { .. }
                        | Change::DropPrimaryKey { .. }
                        | Change::AddUnique { .. }
                        | Change::DropUnique { .. }
                        | Change::AddForeignKey { .. }
                        | Change::DropForeignKey { .. }
                        | Change::AddCheck { .. }
                        | Change::DropCheck { .. }
                        | Change::RenameConstraint { .. }
                        | Change::RenameIndex { .. }
                        | Change::SetTableComment { .. }
                        | Change::AlterTableOptions { .. }
                ),
                "{case}: SQLite cannot {}",
                s.change.describe()
            );
        }
    }
}

pub fn describe(p: &Plan) -> String {
    let mut out = String::new();
    for s in &p.steps {
        out.push_str(&format!(
            "{:>3} {} {:?}\n",
            s.id,
            s.change.describe(),
            s.depends_on
        ));
    }
    for n in &p.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}

/// The position of the first step matching `f`.
pub fn pos(p: &Plan, f: impl Fn(&Change) -> bool) -> usize {
    p.steps
        .iter()
        .position(|s| f(&s.change))
        .unwrap_or_else(|| panic!("no such step in\n{}", describe(p)))
}

pub fn descriptions(p: &Plan) -> Vec<String> {
    p.steps.iter().map(|s| s.change.describe()).collect()
}
