//! Invariants over many generated schema pairs: random schemas (foreign keys to earlier, later
//! and the same table, so cycles happen) mutated at random (tables dropped, renamed and added,
//! columns added, dropped, retyped and renamed, indexes, uniques, checks, foreign keys and views
//! changed), for every dialect, both directions.

mod common;

use common::*;
use migrex_model::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
}

fn check_name(d: Dialect, table: &str, n: usize) -> Option<String> {
    match d {
        Dialect::Postgres => Some(format!("{table}_c0_check{n}")),
        Dialect::Mysql => Some(format!("{table}_chk_{n}")),
        Dialect::Sqlite => None,
    }
}

fn add_fk(d: Dialect, t: &mut Table, col_name: &str, target: &str) {
    let name = format!("{}_{col_name}_fkey", t.name);
    t.foreign_keys
        .push(fk(d, &name, &[col_name], target, &["id"]));
    if d == Dialect::Mysql {
        // MySQL gives every foreign key an index; the readers report it.
        t.indexes.push(index(&name, &[col_name], false));
    }
}

fn remove_fk(d: Dialect, t: &mut Table, i: usize) {
    let f = t.foreign_keys.remove(i);
    if d == Dialect::Mysql
        && let Some(name) = &f.name
    {
        t.indexes.retain(|x| &x.name != name);
    }
}

fn gen_schema(d: Dialect, rng: &mut Rng, n: usize) -> Schema {
    let mut tables = Vec::new();
    for i in 0..n {
        let name = format!("t{i}");
        let mut cols = Vec::new();
        for c in 0..1 + rng.below(3) {
            let ty = if c % 2 == 0 { int(d) } else { text(d) };
            cols.push(col(&format!("c{c}"), ty));
        }
        let mut t = table(d, &name, &cols);
        if rng.chance(50) {
            t.columns.insert("r".into(), col("r", int(d)));
            let target = format!("t{}", rng.below(n));
            add_fk(d, &mut t, "r", &target);
        }
        if rng.chance(30) {
            t.indexes
                .push(index(&format!("{name}_c0_idx"), &["c0"], false));
        }
        if rng.chance(20) {
            if d == Dialect::Mysql {
                t.indexes
                    .push(index(&format!("{name}_c0_key"), &["c0"], true));
            } else {
                t.uniques
                    .push(unique(d, &format!("{name}_c0_key"), &["c0"]));
            }
        }
        if rng.chance(20) {
            t.checks.push(Check {
                name: check_name(d, &name, 1),
                expr: expr(d, "c0 > 0"),
                no_inherit: false,
            });
        }
        tables.push(t);
    }
    let mut s = schema(d, tables);
    for k in 0..2 {
        let j = rng.below(n);
        add_view(
            &mut s,
            view(
                d,
                &format!("v{k}"),
                &format!("SELECT id FROM t{j}"),
                &[&format!("t{j}")],
            ),
        );
    }
    if d == Dialect::Postgres {
        let ns = s.namespace_mut("public");
        ns.enums.insert(
            "e0".into(),
            EnumType {
                name: "e0".into(),
                values: vec!["a".into(), "b".into()],
                comment: None,
            },
        );
        ns.sequences.insert(
            "s0".into(),
            Sequence {
                name: "s0".into(),
                data_type: None,
                options: SequenceOptions::default(),
                owned_by: None,
                comment: None,
            },
        );
        if let Some(t) = ns.tables.get_mut("t0") {
            t.columns.insert(
                "mood".into(),
                col("mood", ColumnType::UserDefined { name: qn(d, "e0") }),
            );
        }
    }
    s
}

/// Renames a table in a schema the way a DDL file would spell the result: references follow,
/// and the primary key gets the new implied name.
fn rename_table(s: &mut Schema, old: &str, new: &str) {
    let d = s.dialect;
    let ns = s.namespace_mut(d.default_namespace());
    let Some((i, _, mut t)) = ns.tables.shift_remove_full(old) else {
        return;
    };
    t.name = new.into();
    if let Some(pk) = &mut t.primary_key {
        pk.name = pk_name(d, new);
    }
    ns.tables.shift_insert(i, new.into(), t);
    for t in ns.tables.values_mut() {
        for f in &mut t.foreign_keys {
            if f.ref_table.name == old {
                f.ref_table.name = new.into();
            }
        }
    }
    for v in ns.views.values_mut() {
        if v.depends_on.iter().any(|q| q.name == old) {
            v.depends_on = vec![qn(d, new)];
            v.definition = expr(d, &format!("SELECT id FROM {new}"));
        }
    }
}

fn drop_table(s: &mut Schema, name: &str) {
    let d = s.dialect;
    let ns = s.namespace_mut(d.default_namespace());
    ns.tables.shift_remove(name);
    for t in ns.tables.values_mut() {
        while let Some(i) = t.foreign_keys.iter().position(|f| f.ref_table.name == name) {
            remove_fk(d, t, i);
        }
    }
    ns.views
        .retain(|_, v| !v.depends_on.iter().any(|q| q.name == name));
}

fn drop_column(d: Dialect, t: &mut Table, c: &str) {
    t.columns.shift_remove(c);
    let has = |cols: &[String]| cols.iter().any(|x| x == c);
    t.uniques.retain(|u| !has(&u.columns));
    t.indexes
        .retain(|i| !i.parts.iter().any(|p| p.key == IndexKey::Column(c.into())));
    t.checks.retain(|k| !k.expr.key.contains(c));
    while let Some(i) = t.foreign_keys.iter().position(|f| has(&f.columns)) {
        remove_fk(d, t, i);
    }
}

fn mutate(from: &Schema, rng: &mut Rng, round: usize) -> (Schema, Renames) {
    let d = from.dialect;
    let mut s = from.clone();
    let mut renames = Renames::default();
    let names: Vec<String> = s.namespaces[d.default_namespace()]
        .tables
        .keys()
        .cloned()
        .collect();
    let mut alive = Vec::new();
    for name in &names {
        if rng.chance(10) && name != "t0" {
            drop_table(&mut s, name);
        } else if rng.chance(10) {
            let new = format!("{name}_r{round}");
            rename_table(&mut s, name, &new);
            renames.tables.insert(qn(d, name), qn(d, &new));
            alive.push(new);
        } else {
            alive.push(name.clone());
        }
    }
    // New tables, possibly referencing each other (cycles) and old ones.
    let new_count = rng.below(3);
    let targets: Vec<String> = alive
        .iter()
        .cloned()
        .chain((0..new_count).map(|k| format!("n{round}_{k}")))
        .collect();
    for k in 0..new_count {
        let name = format!("n{round}_{k}");
        let mut t = table(d, &name, &[col("c0", int(d))]);
        if rng.chance(70) {
            t.columns.insert("r".into(), col("r", int(d)));
            let target = targets[rng.below(targets.len())].clone();
            add_fk(d, &mut t, "r", &target);
        }
        s.namespace_mut(d.default_namespace())
            .tables
            .insert(name, t);
    }
    let mut extra_fks = Vec::new();
    for name in &alive {
        let qname = qn(d, name);
        let Some(t) = s.table_mut(&qname) else {
            continue;
        };
        if rng.chance(15) {
            let c = format!("a{round}");
            let column = if rng.chance(50) {
                col(&c, text(d))
            } else {
                Column {
                    default: Some(expr(d, "0")),
                    ..not_null(col(&c, int(d)))
                }
            };
            t.columns.insert(c, column);
        }
        let plain: Vec<String> = t
            .columns
            .keys()
            .filter(|c| c.starts_with('c') || c.starts_with('a'))
            .cloned()
            .collect();
        if rng.chance(10) && plain.len() > 1 {
            let c = plain[1 + rng.below(plain.len() - 1)].clone();
            drop_column(d, t, &c);
        }
        if rng.chance(15) {
            let c = if rng.chance(30) {
                "id".to_string()
            } else if t.columns.contains_key("r") && rng.chance(30) {
                "r".to_string()
            } else {
                plain[rng.below(plain.len())].clone()
            };
            if let Some(column) = t.columns.get_mut(&c) {
                column.ty = if column.ty == bigint(d) {
                    int(d)
                } else {
                    bigint(d)
                };
            }
        }
        if rng.chance(10) && t.columns.contains_key("c0") {
            let new = format!("c0_{round}");
            let mut column = t.columns.shift_remove("c0").unwrap();
            column.name = new.clone();
            t.columns.shift_insert(1, new.clone(), column);
            for i in &mut t.indexes {
                for p in &mut i.parts {
                    if p.key == IndexKey::Column("c0".into()) {
                        p.key = IndexKey::Column(new.clone());
                    }
                }
            }
            for u in &mut t.uniques {
                for c in &mut u.columns {
                    if c == "c0" {
                        *c = new.clone();
                    }
                }
            }
            for k in &mut t.checks {
                k.expr = expr(d, &format!("{new} > 0"));
            }
            renames.columns.insert((qname.clone(), "c0".into()), new);
        }
        if rng.chance(10) {
            let first = t
                .columns
                .keys()
                .nth(1)
                .cloned()
                .unwrap_or_else(|| "id".into());
            let name = format!("{}_x{round}", t.name);
            t.indexes.push(index(&name, &[&first], false));
        }
        if rng.chance(10) && !t.indexes.is_empty() {
            // Only indexes that are not a MySQL foreign key's own index.
            let fk_names: Vec<Option<String>> =
                t.foreign_keys.iter().map(|f| f.name.clone()).collect();
            let i = rng.below(t.indexes.len());
            if !fk_names.contains(&Some(t.indexes[i].name.clone())) {
                t.indexes.remove(i);
            }
        }
        if rng.chance(10) && !t.foreign_keys.is_empty() {
            let i = rng.below(t.foreign_keys.len());
            remove_fk(d, t, i);
        }
        if rng.chance(10) {
            let c = format!("f{round}");
            t.columns.insert(c.clone(), col(&c, int(d)));
            extra_fks.push((name.clone(), c, targets[rng.below(targets.len())].clone()));
        }
        if rng.chance(10) {
            if let Some(k) = t.checks.first_mut() {
                k.expr = expr(d, "c0 >= 0");
            } else if t.columns.contains_key("c0") {
                t.checks.push(Check {
                    name: check_name(d, &t.name.clone(), 2),
                    expr: expr(d, "c0 < 1000"),
                    no_inherit: false,
                });
            }
        }
        if rng.chance(5) {
            t.comment = Some(format!("round {round}"));
        }
    }
    for (table_name, c, target) in extra_fks {
        if let Some(t) = s.table_mut(&qn(d, &table_name)) {
            add_fk(d, t, &c, &target);
        }
    }
    let ns = s.namespace_mut(d.default_namespace());
    for v in ns.views.values_mut() {
        if rng.chance(20) {
            let def = format!("{} WHERE id > {round}", v.definition.sql);
            v.definition = expr(d, &def);
        }
    }
    if d == Dialect::Postgres {
        if let Some(e) = ns.enums.get_mut("e0")
            && rng.chance(30)
        {
            let at = rng.below(e.values.len() + 1);
            e.values.insert(at, format!("v{round}"));
        }
        if let Some(seq) = ns.sequences.get_mut("s0")
            && rng.chance(20)
        {
            seq.options.increment = Some(round as i64 + 2);
        }
    }
    (s, renames)
}

fn kind(c: &Change) -> &'static str {
    match c {
        Change::AddForeignKey { .. } => "AddForeignKey",
        Change::DropForeignKey { .. } => "DropForeignKey",
        Change::RebuildTable { .. } => "RebuildTable",
        Change::RenameTable { .. } => "RenameTable",
        Change::RenameColumn { .. } => "RenameColumn",
        Change::RenameConstraint { .. } => "RenameConstraint",
        Change::AddColumn { .. } => "AddColumn",
        Change::DropColumn { .. } => "DropColumn",
        Change::AlterColumn { .. } => "AlterColumn",
        Change::CreateIndex { .. } => "CreateIndex",
        Change::DropIndex { .. } => "DropIndex",
        Change::CreateView { .. } => "CreateView",
        Change::DropView { .. } => "DropView",
        Change::AddEnumValue { .. } => "AddEnumValue",
        Change::AlterSequence { .. } => "AlterSequence",
        Change::SetTableComment { .. } => "SetTableComment",
        Change::DropTable { .. } => "DropTable",
        Change::CreateTable { .. } => "CreateTable",
        Change::AddCheck { .. } => "AddCheck",
        Change::DropCheck { .. } => "DropCheck",
        _ => "other",
    }
}

#[test]
fn generated_pairs_keep_every_invariant() {
    let mut cases = 0;
    let mut seen: std::collections::HashMap<(Dialect, &'static str), usize> =
        std::collections::HashMap::new();
    let mut tally = |d: Dialect, p: &Plan| {
        for s in &p.steps {
            *seen.entry((d, kind(&s.change))).or_default() += 1;
        }
    };
    for d in Dialect::ALL {
        for seed in 1..=120u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let n = 2 + rng.below(8);
            let from = gen_schema(d, &mut rng, n);
            let (to, renames) = mutate(&from, &mut rng, 1);
            let case = format!("{d} seed {seed}");
            // Enum values cannot be removed yet: only the up direction when values were added.
            let enum_grew = from.namespaces[d.default_namespace()].enums
                != to.namespaces[d.default_namespace()].enums;
            let p = if enum_grew {
                check_up(&case, &from, &to, &renames)
            } else {
                check_pair(&case, &from, &to, &renames)
            };
            tally(d, &p);
            check_online(&case, &from, &to, &renames, !enum_grew);
            // Live introspection lists tables in its own order (often by name): positions of
            // the same table differ between the two sides.
            let mut shuffled = to.clone();
            for ns in shuffled.namespaces.values_mut() {
                ns.tables.reverse();
                ns.views.reverse();
            }
            tally(
                d,
                &check_up(&format!("{case} reordered"), &from, &shuffled, &renames),
            );
            // A second round on top of the first.
            let (to2, renames2) = mutate(&to, &mut rng, 2);
            let enum_grew = to.namespaces[d.default_namespace()].enums
                != to2.namespaces[d.default_namespace()].enums;
            let p = if enum_grew {
                check_up(&format!("{case} round 2"), &to, &to2, &renames2)
            } else {
                check_pair(&format!("{case} round 2"), &to, &to2, &renames2)
            };
            tally(d, &p);
            check_online(&format!("{case} round 2"), &to, &to2, &renames2, !enum_grew);
            // From and to nothing.
            check_pair(
                &format!("{case} from empty"),
                &Schema::new(d),
                &to,
                &Renames::default(),
            );
            cases += 3;
        }
    }
    assert_eq!(cases, 3 * 3 * 120);
    // The generator must actually exercise the planner.
    let common = [
        "RenameTable",
        "RenameColumn",
        "DropTable",
        "CreateTable",
        "CreateIndex",
        "DropIndex",
        "CreateView",
        "DropView",
    ];
    for d in Dialect::ALL {
        for k in common {
            assert!(seen.contains_key(&(d, k)), "{d}: no {k} generated");
        }
    }
    for d in [Dialect::Postgres, Dialect::Mysql] {
        for k in [
            "AddForeignKey",
            "DropForeignKey",
            "AddColumn",
            "DropColumn",
            "AlterColumn",
            "AddCheck",
            "DropCheck",
            "SetTableComment",
        ] {
            assert!(seen.contains_key(&(d, k)), "{d}: no {k} generated");
        }
    }
    for k in ["AddEnumValue", "AlterSequence", "RenameConstraint"] {
        assert!(
            seen.contains_key(&(Dialect::Postgres, k)),
            "no {k} generated"
        );
    }
    for k in ["RebuildTable", "AddColumn", "DropColumn"] {
        assert!(
            seen.contains_key(&(Dialect::Sqlite, k)),
            "sqlite: no {k} generated"
        );
    }
    let mut summary: Vec<_> = seen
        .iter()
        .map(|((d, k), n)| format!("{d} {k} {n}"))
        .collect();
    summary.sort();
    println!("{}", summary.join("\n"));
}
