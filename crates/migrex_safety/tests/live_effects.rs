//! The effect table checked against the real servers: on PostgreSQL the lock each statement
//! holds (read from `pg_locks` by a second connection while the first keeps its transaction
//! open) and whether the table's file changed (a rewrite); on MariaDB whether the server accepts
//! `ALGORITHM=`/`LOCK=` exactly when the table says it does.

use migrex_model::{ColumnType, Dialect, QualifiedName, TextKind};
use migrex_safety::{
    Action, DefaultKind, IndexMethod, LockLevel, MysqlAlgorithm, MysqlLockClause, Target, effect,
    effect_with_clauses,
};
use migrex_test_support::TestDb;

fn pg_level(mode: &str) -> LockLevel {
    use LockLevel::*;
    [
        AccessShare,
        RowShare,
        RowExclusive,
        ShareUpdateExclusive,
        Share,
        ShareRowExclusive,
        Exclusive,
        AccessExclusive,
    ]
    .into_iter()
    .find(|l| l.pg_locks_mode() == Some(mode))
    .unwrap_or_else(|| panic!("unknown pg_locks mode {mode}"))
}

fn q(name: &str) -> QualifiedName {
    QualifiedName::new("public", name)
}

fn cell(rows: Vec<Vec<Option<String>>>) -> String {
    rows.into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
        .unwrap_or_default()
}

const PG_SETUP: &str = "
CREATE TABLE users (id int PRIMARY KEY, name varchar(100), age int);
CREATE TABLE orders (id int PRIMARY KEY, user_id int, total numeric(10,2));
CREATE TABLE m (id int, ts date) PARTITION BY RANGE (ts);
CREATE TABLE m_1 (id int, ts date);
CREATE TABLE m_2 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX users_name_idx ON users (name);
INSERT INTO users SELECT g, 'n' || g, g FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 100) g;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
";

const PG_TABLES: [&str; 5] = ["users", "orders", "m", "m_1", "m_2"];

#[test]
fn postgres_locks_and_rewrites_match_the_table() {
    let Some(db) = TestDb::with_sql(Dialect::Postgres, PG_SETUP) else {
        return;
    };
    let mut probe = db.connect();
    let target = Target::from_server_version(
        Dialect::Postgres,
        &probe.server_version().expect("server version"),
    );
    let varchar = |n| ColumnType::Text {
        kind: TextKind::Varchar,
        max_len: Some(n),
    };
    let add = |default| Action::AddColumn {
        table: q("users"),
        column: "c".into(),
        ty: Some(ColumnType::int(4)),
        not_null: false,
        default,
        stored_generated: false,
        identity: false,
        positioned: false,
        inline_constraint: false,
    };
    let alter = |column: &str, from, to| Action::AlterColumnType {
        table: q("users"),
        column: column.into(),
        from: Some(from),
        to,
        using: false,
        full_redefinition: false,
    };
    let cases: Vec<(&str, Action)> = vec![
        (
            "ALTER TABLE users ADD COLUMN c int DEFAULT 1",
            add(DefaultKind::Constant),
        ),
        (
            "ALTER TABLE users ADD COLUMN c float8 DEFAULT random()",
            add(DefaultKind::Volatile),
        ),
        (
            "ALTER TABLE users ALTER COLUMN name TYPE varchar(200)",
            alter("name", varchar(100), varchar(200)),
        ),
        (
            "ALTER TABLE users ALTER COLUMN age TYPE bigint",
            alter("age", ColumnType::int(4), ColumnType::int(8)),
        ),
        (
            "ALTER TABLE users ALTER COLUMN name SET NOT NULL",
            Action::SetNotNull {
                table: q("users"),
                column: "name".into(),
                proven_by_check: false,
            },
        ),
        (
            "CREATE INDEX ON users (age)",
            Action::CreateIndex {
                table: q("users"),
                name: None,
                unique: false,
                concurrently: false,
                method: IndexMethod::Btree,
                algorithm: MysqlAlgorithm::Default,
                lock: MysqlLockClause::Default,
                fulltext_or_spatial: false,
            },
        ),
        (
            "ALTER TABLE orders ADD CONSTRAINT orders_user_fk2 FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
            Action::AddForeignKey {
                table: q("orders"),
                references: q("users"),
                not_valid: true,
            },
        ),
        (
            "ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk",
            Action::ValidateConstraint {
                table: q("orders"),
                name: "orders_user_fk".into(),
                references: Some(q("users")),
            },
        ),
        (
            "ALTER TABLE orders DROP CONSTRAINT orders_user_fk",
            Action::DropConstraint {
                table: q("orders"),
                name: "orders_user_fk".into(),
                references: Some(q("users")),
            },
        ),
        (
            "CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION touch()",
            Action::CreateTrigger { table: q("users") },
        ),
        (
            "ALTER INDEX users_name_idx RENAME TO users_name_idx2",
            Action::RenameIndex {
                table: Some(q("users")),
            },
        ),
        (
            "ALTER TABLE m ATTACH PARTITION m_1 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
            Action::AttachPartition {
                parent: q("m"),
                partition: q("m_1"),
                proven_by_check: false,
            },
        ),
        (
            "ALTER TABLE orders ADD CONSTRAINT total_pos CHECK (total > 0) NOT VALID",
            Action::AddCheck {
                table: q("orders"),
                name: Some("total_pos".into()),
                not_valid: true,
            },
        ),
        (
            "CREATE TABLE m_3 PARTITION OF m FOR VALUES FROM ('2023-01-01') TO ('2024-01-01')",
            Action::CreatePartition {
                parent: q("m"),
                partition: q("m_3"),
            },
        ),
        (
            "ALTER TABLE m DETACH PARTITION m_2",
            Action::DetachPartition {
                parent: q("m"),
                partition: q("m_2"),
                concurrently: false,
            },
        ),
        (
            "DROP INDEX users_name_idx",
            Action::DropIndex {
                name: q("users_name_idx"),
                table: Some(q("users")),
                concurrently: false,
            },
        ),
        (
            "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x'",
            Action::SetDefault {
                table: q("users"),
                column: "name".into(),
                default: DefaultKind::Constant,
            },
        ),
        (
            "ALTER TABLE orders ALTER COLUMN total SET DEFAULT 0",
            Action::SetDefault {
                table: q("orders"),
                column: "total".into(),
                default: DefaultKind::Constant,
            },
        ),
    ];
    for (sql, action) in cases {
        let e = effect(&target, &action);
        let mut session = db.connect();
        let pid = cell(session.query("SELECT pg_backend_pid()::text").unwrap());
        let files = |s: &mut migrex_source_live::Db| {
            cell(
                s.query(
                    "SELECT string_agg(relname || '=' || relfilenode, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('users', 'orders')",
                )
                .unwrap(),
            )
        };
        let before = files(&mut session);
        session.execute("BEGIN").unwrap();
        session
            .execute(sql)
            .unwrap_or_else(|err| panic!("{sql}: {err}"));
        let after = files(&mut session);
        for table in PG_TABLES {
            let held: Vec<LockLevel> = probe
                .query_bind(
                    "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
                     WHERE l.pid = $1::int AND c.relname = $2",
                    &[&pid, table],
                )
                .unwrap()
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
                .map(|m| pg_level(&m))
                .collect();
            let strongest = held.into_iter().max();
            let expected = e
                .locks
                .iter()
                .find(|l| l.table.name == table)
                .map(|l| l.level);
            assert_eq!(
                strongest, expected,
                "{sql}: lock on {table} (effect says {expected:?}, pg_locks shows {strongest:?})"
            );
        }
        assert_eq!(
            before != after,
            e.rewrites,
            "{sql}: rewrite (files before {before}, after {after}; effect says rewrites={})",
            e.rewrites
        );
        session.execute("ROLLBACK").unwrap();
    }
}

#[test]
fn postgres_drop_table_with_a_foreign_key_locks_the_referenced_table() {
    let Some(db) = TestDb::with_sql(Dialect::Postgres, PG_SETUP) else {
        return;
    };
    let mut probe = db.connect();
    let target = Target::from_server_version(Dialect::Postgres, &probe.server_version().unwrap());
    let orders = migrex_test_support::introspect(&mut db.connect())
        .schema
        .tables()
        .find(|(n, _)| n.name == "orders")
        .map(|(_, t)| t.clone())
        .expect("orders");
    let change = migrex_model::Change::DropTable {
        name: q("orders"),
        table: orders,
    };
    let e = migrex_safety::Effect::merge(
        migrex_safety::actions_of(&change, Dialect::Postgres)
            .iter()
            .map(|a| effect(&target, a)),
    );
    let mut s = db.connect();
    let pid = cell(s.query("SELECT pg_backend_pid()::text").unwrap());
    s.execute("BEGIN").unwrap();
    s.execute("DROP TABLE orders").unwrap();
    for table in ["orders", "users"] {
        let held = cell(
            probe
                .query_bind(
                    "SELECT l.mode FROM pg_locks l WHERE l.pid = $1::int AND l.relation = (SELECT c.oid FROM pg_class c WHERE c.relname = $2) ORDER BY l.mode",
                    &[&pid, table],
                )
                .unwrap(),
        );
        let expected = e
            .locks
            .iter()
            .find(|l| l.table.name == table)
            .map(|l| l.level);
        assert_eq!(
            Some(pg_level(&held)),
            expected,
            "DROP TABLE orders: lock on {table}"
        );
    }
    s.execute("ROLLBACK").unwrap();
}

#[test]
fn postgres_concurrently_refused_in_a_transaction_as_the_table_says() {
    let Some(db) = TestDb::with_sql(Dialect::Postgres, PG_SETUP) else {
        return;
    };
    let mut s = db.connect();
    let target =
        Target::from_server_version(Dialect::Postgres, &s.server_version().expect("version"));
    let cic = Action::CreateIndex {
        table: q("users"),
        name: None,
        unique: false,
        concurrently: true,
        method: IndexMethod::Btree,
        algorithm: MysqlAlgorithm::Default,
        lock: MysqlLockClause::Default,
        fulltext_or_spatial: false,
    };
    assert!(!effect(&target, &cic).transactional);
    s.execute("BEGIN").unwrap();
    let err = s
        .execute("CREATE INDEX CONCURRENTLY ON users (age)")
        .expect_err("CREATE INDEX CONCURRENTLY must be refused in a transaction");
    assert!(err.to_string().contains("transaction block"), "{err}");
    s.execute("ROLLBACK").unwrap();
    let enum_add = Action::AddEnumValue { name: q("mood") };
    s.execute("CREATE TYPE mood AS ENUM ('a')").unwrap();
    s.execute("BEGIN").unwrap();
    let r = s.execute("ALTER TYPE mood ADD VALUE 'b'");
    assert_eq!(r.is_ok(), effect(&target, &enum_add).transactional, "{r:?}");
    s.execute("ROLLBACK").unwrap();
}

#[test]
fn mariadb_accepts_algorithm_and_lock_as_the_table_says() {
    let Some(db) = TestDb::new(Dialect::Mysql) else {
        return;
    };
    let mut s = db.connect();
    let target = Target::from_server_version(Dialect::Mysql, &s.server_version().unwrap());
    let t = || QualifiedName::new("", "t");
    let varchar = |n| ColumnType::Text {
        kind: TextKind::Varchar,
        max_len: Some(n),
    };
    let modify = |from, to| Action::AlterColumnType {
        table: t(),
        column: "name".into(),
        from: Some(from),
        to,
        using: false,
        full_redefinition: true,
    };
    let add = Action::AddColumn {
        table: t(),
        column: "c".into(),
        ty: Some(ColumnType::int(4)),
        not_null: false,
        default: DefaultKind::None,
        stored_generated: false,
        identity: false,
        positioned: false,
        inline_constraint: false,
    };
    let index = |fulltext| Action::CreateIndex {
        table: t(),
        name: None,
        unique: false,
        concurrently: false,
        method: IndexMethod::Btree,
        algorithm: MysqlAlgorithm::Default,
        lock: MysqlLockClause::Default,
        fulltext_or_spatial: fulltext,
    };
    use MysqlAlgorithm as A;
    use MysqlLockClause as L;
    let drop_index = Action::DropIndex {
        name: QualifiedName::new("", "k"),
        table: Some(t()),
        concurrently: false,
    };
    let cases: Vec<(&str, Action, A, L)> = vec![
        ("DROP INDEX k", drop_index.clone(), A::Instant, L::Default),
        ("DROP INDEX k", drop_index, A::Nocopy, L::None),
        (
            "RENAME INDEX k TO k9",
            Action::RenameIndex { table: Some(t()) },
            A::Instant,
            L::Default,
        ),
        (
            "COMMENT = 'x'",
            Action::AlterTableOptions {
                table: t(),
                rewrites: false,
            },
            A::Instant,
            L::Default,
        ),
        (
            "DROP PRIMARY KEY",
            Action::DropPrimaryKey { table: t() },
            A::Inplace,
            L::Default,
        ),
        (
            "ENGINE = InnoDB",
            Action::RebuildTable { table: t() },
            A::Inplace,
            L::None,
        ),
        (
            "ENGINE = InnoDB",
            Action::RebuildTable { table: t() },
            A::Instant,
            L::Default,
        ),
        ("ADD COLUMN c int", add.clone(), A::Instant, L::Default),
        ("ADD COLUMN c int", add.clone(), A::Instant, L::None),
        ("ADD COLUMN c int", add, A::Copy, L::None),
        (
            "MODIFY id bigint",
            Action::AlterColumnType {
                table: t(),
                column: "id".into(),
                from: Some(ColumnType::int(4)),
                to: ColumnType::int(8),
                using: false,
                full_redefinition: true,
            },
            A::Inplace,
            L::Default,
        ),
        (
            "MODIFY name varchar(100)",
            modify(varchar(20), varchar(100)),
            A::Instant,
            L::Default,
        ),
        (
            "MODIFY name varchar(50)",
            modify(varchar(20), varchar(50)),
            A::Instant,
            L::Default,
        ),
        (
            "MODIFY name2 varchar(100)",
            Action::AlterColumnType {
                table: t(),
                column: "name2".into(),
                from: Some(varchar(40)),
                to: varchar(100),
                using: false,
                full_redefinition: true,
            },
            A::Inplace,
            L::Default,
        ),
        ("ADD INDEX (name)", index(false), A::Nocopy, L::None),
        ("ADD INDEX (name)", index(false), A::Instant, L::Default),
        (
            "ADD FULLTEXT INDEX (name)",
            index(true),
            A::Inplace,
            L::None,
        ),
        (
            "ALTER COLUMN name SET DEFAULT 'x'",
            Action::SetDefault {
                table: t(),
                column: "name".into(),
                default: DefaultKind::Constant,
            },
            A::Instant,
            L::Default,
        ),
        (
            "MODIFY name varchar(20) NOT NULL",
            Action::SetNotNull {
                table: t(),
                column: "name".into(),
                proven_by_check: false,
            },
            A::Instant,
            L::Default,
        ),
        (
            "MODIFY name varchar(20) NOT NULL",
            Action::SetNotNull {
                table: t(),
                column: "name".into(),
                proven_by_check: false,
            },
            A::Inplace,
            L::None,
        ),
        (
            "DROP COLUMN age",
            Action::DropColumn {
                table: t(),
                column: "age".into(),
            },
            A::Instant,
            L::Default,
        ),
        (
            "MODIFY kind enum('a','b','c')",
            Action::AlterColumnType {
                table: t(),
                column: "kind".into(),
                from: Some(ColumnType::Enum {
                    values: vec!["a".into(), "b".into()],
                }),
                to: ColumnType::Enum {
                    values: vec!["a".into(), "b".into(), "c".into()],
                },
                using: false,
                full_redefinition: true,
            },
            A::Instant,
            L::Default,
        ),
    ];
    let clause = |a: A, l: L| {
        let a = match a {
            A::Default => "DEFAULT",
            A::Instant => "INSTANT",
            A::Inplace => "INPLACE",
            A::Nocopy => "NOCOPY",
            A::Copy => "COPY",
        };
        let l = match l {
            L::Default => "DEFAULT",
            L::None => "NONE",
            L::Shared => "SHARED",
            L::Exclusive => "EXCLUSIVE",
        };
        format!("ALGORITHM={a}, LOCK={l}")
    };
    for (op, action, algorithm, lock) in cases {
        s.execute("DROP TABLE IF EXISTS t").unwrap();
        s.execute(
            "CREATE TABLE t (id int PRIMARY KEY, name varchar(20), name2 varchar(40), age int, \
             kind enum('a','b'), KEY k (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 ROW_FORMAT=DYNAMIC",
        )
        .unwrap();
        s.execute("INSERT INTO t VALUES (1, 'a', 'b', 3, 'a'), (2, 'c', 'd', 4, 'b')")
            .unwrap();
        let sql = format!("ALTER TABLE t {op}, {}", clause(algorithm, lock));
        let e = effect_with_clauses(&target, &action, algorithm, lock);
        let r = s.execute(&sql);
        assert_eq!(
            r.is_ok(),
            e.refused.is_none(),
            "{sql}: server {} it, the table says {:?}",
            if r.is_ok() { "accepted" } else { "refused" },
            e.refused
        );
    }
}
