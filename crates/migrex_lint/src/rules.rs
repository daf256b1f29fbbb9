//! The rule catalogue: stable codes, kebab-case names, default severity, dialects, and the
//! documentation `migrex rule CODE` prints. MX1xx are hazards to a running system or to data
//! (warning or error), MX2xx hygiene (info), MX9xx about the lint itself (info).

use migrex_safety::Severity;
use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    /// The usual severity; some rules raise or lower it per finding from the statement's
    /// effect (a lock that blocks reads is an error, one that blocks only writes a warning).
    pub severity: Severity,
    /// `postgres`, `mysql` (MySQL and MariaDB), `sqlite`.
    pub dialects: &'static [&'static str],
    pub summary: &'static str,
    /// What, why, the safe alternative (with SQL), versions.
    pub doc: &'static str,
}

const ALL: &[&str] = &["postgres", "mysql", "sqlite"];
const PG: &[&str] = &["postgres"];
const PG_MY: &[&str] = &["postgres", "mysql"];

use Severity::{Error, Info, Warning};

pub static RULES: &[Rule] = &[
    Rule {
        code: "MX101",
        name: "require-concurrent-index-creation",
        severity: Warning,
        dialects: PG,
        summary: "CREATE INDEX without CONCURRENTLY on an existing table blocks writes while the index builds",
        doc: "CREATE INDEX takes a SHARE lock: reads continue, but every INSERT, UPDATE and DELETE on the table waits until the whole index is built (minutes on a large table).\n\nSafe alternative (outside a transaction block; check pg_index.indisvalid afterwards, a failed build leaves an INVALID index to drop):\n\n    CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n\nNot reported for a table created earlier in the same file (nobody uses it yet). PostgreSQL 12-17; 14.0-14.3 can corrupt concurrently built indexes, upgrade to 14.4+.",
    },
    Rule {
        code: "MX208",
        name: "prefer-concurrent-index-deletion",
        severity: Info,
        dialects: PG,
        summary: "DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table (briefly)",
        doc: "DROP INDEX takes ACCESS EXCLUSIVE on the index's table, catalog only: it is brief once granted. The hazard is waiting for it (every later query queues behind it), which MX118 (missing-lock-timeout) reports; with a lock_timeout set, the plain form is acceptable, so this is hygiene.\n\n    DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;   -- outside a transaction block\n\nPostgreSQL 12-17. CONCURRENTLY cannot drop an index backing a constraint, nor use CASCADE.",
    },
    Rule {
        code: "MX103",
        name: "non-transactional-in-transaction",
        severity: Error,
        dialects: PG,
        summary: "A statement that cannot run inside a transaction block is inside one",
        doc: "CREATE/DROP INDEX CONCURRENTLY, REINDEX ... CONCURRENTLY, DETACH PARTITION ... CONCURRENTLY, VACUUM, and ALTER TYPE ... ADD VALUE before PostgreSQL 12 fail with \"cannot run inside a transaction block\". The file is linted as a sequence: a BEGIN earlier in the file, or --assume-transaction (frameworks such as Rails, Django, Flyway and Alembic wrap each migration file in a transaction), puts the statement inside one.\n\nSafe alternative: run it in its own migration without the framework's transaction (Rails `disable_ddl_transaction!`, Django `atomic = False`, Flyway `executeInTransaction=false`, Alembic `autocommit_block()`), or after COMMIT:\n\n    COMMIT;\n    CREATE INDEX CONCURRENTLY users_email_idx ON users (email);",
    },
    Rule {
        code: "MX104",
        name: "add-column-rewrites-table",
        severity: Error,
        dialects: PG_MY,
        summary: "ADD COLUMN with a volatile default, identity/serial or stored generated expression rewrites the table",
        doc: "PostgreSQL 11+ stores a constant or stable default (now() included) in the catalog: no rewrite. A volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval(), serial/bigserial), an identity column or a STORED generated column is written into every row: the table and its indexes are rewritten under ACCESS EXCLUSIVE, blocking reads and writes. In MySQL/MariaDB these are not instant (stored generated: COPY).\n\nSafe alternative:\n\n    ALTER TABLE users ADD COLUMN token uuid;                              -- catalog only\n    ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();   -- new rows only\n    -- backfill in batches outside the DDL transaction, then NOT NULL via a validated CHECK\n\nNot reported on a table created in the same file. A default whose volatility cannot be told (a user function) is reported as a warning.",
    },
    Rule {
        code: "MX105",
        name: "add-not-null-column-without-default",
        severity: Error,
        dialects: PG,
        summary: "ADD COLUMN ... NOT NULL without a default fails on any table with rows",
        doc: "PostgreSQL checks the new column against every existing row; with no default every row is NULL, so the statement fails as soon as the table has one row (after scanning it under ACCESS EXCLUSIVE). With a constant default it is instant on PostgreSQL 11+.\n\nSafe alternative:\n\n    ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';\n    -- or: add it nullable, backfill, then NOT NULL via a validated CHECK (see MX111)",
    },
    Rule {
        code: "MX106",
        name: "changing-column-type",
        severity: Error,
        dialects: ALL,
        summary: "Changing a column's type rewrites the table (and its indexes) under a blocking lock",
        doc: "PostgreSQL: ALTER COLUMN TYPE rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE (reads and writes wait), except for binary-coercible changes (varchar(n) to a larger varchar or text, numeric precision increase, timestamp precision increase). A hand-written file does not say the old type, so the rewrite is assumed. MySQL/MariaDB: most type changes are ALGORITHM=COPY, blocking writes for the whole copy. SQLite has no such ALTER (a table rebuild).\n\nSafe alternative (expand/contract):\n\n    ALTER TABLE orders ADD COLUMN amount_new bigint;\n    -- trigger copying amount to amount_new on write; batched backfill; switch reads; then\n    ALTER TABLE orders DROP COLUMN amount;   -- contract phase\n\nWhen the change is known to be binary-coercible, suppress the finding with `-- migrex:ignore changing-column-type`.",
    },
    Rule {
        code: "MX107",
        name: "renaming-column",
        severity: Warning,
        dialects: ALL,
        summary: "Renaming a column breaks running application code that still uses the old name",
        doc: "The rename itself is catalog only, but every deployed instance of the application still reads and writes the old name and fails until it is redeployed.\n\nSafe alternative (expand/contract): add the new column, write both (trigger or application), backfill, switch reads, stop writing the old one, drop it in a later deploy. Or keep a view with the old name.",
    },
    Rule {
        code: "MX108",
        name: "renaming-table",
        severity: Warning,
        dialects: ALL,
        summary: "Renaming a table breaks running application code that still uses the old name",
        doc: "Catalog only, but clients still use the old name.\n\nSafe alternative (PostgreSQL), in one transaction so old code keeps working through an updatable view:\n\n    ALTER TABLE users RENAME TO accounts;\n    CREATE VIEW users AS SELECT * FROM accounts;\n    -- drop the view once no deployed code uses it",
    },
    Rule {
        code: "MX109",
        name: "foreign-key-without-not-valid",
        severity: Warning,
        dialects: PG_MY,
        summary: "Adding a validated foreign key scans the table while writes to both tables wait",
        doc: "PostgreSQL: ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on the table and on the referenced table and checks every row: writes to both wait for the scan. MySQL/MariaDB with foreign_key_checks=1: a table COPY that blocks writes.\n\nSafe alternative (PostgreSQL; the VALIDATE in a separate transaction, it takes only SHARE UPDATE EXCLUSIVE):\n\n    ALTER TABLE orders ADD CONSTRAINT orders_user_fk\n      FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n    COMMIT;\n    ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;\n\nPostgreSQL 12-17 refuse NOT VALID when the referencing table is partitioned.",
    },
    Rule {
        code: "MX110",
        name: "check-without-not-valid",
        severity: Error,
        dialects: PG_MY,
        summary: "Adding a validated CHECK scans the table under a lock that blocks reads and writes",
        doc: "PostgreSQL: ADD CONSTRAINT ... CHECK takes ACCESS EXCLUSIVE and scans every row. MySQL 8.0.16+ validates enforced CHECKs against every row (a table copy is assumed).\n\nSafe alternative (PostgreSQL):\n\n    ALTER TABLE users ADD CONSTRAINT users_age_positive CHECK (age > 0) NOT VALID;\n    COMMIT;\n    ALTER TABLE users VALIDATE CONSTRAINT users_age_positive;",
    },
    Rule {
        code: "MX111",
        name: "set-not-null-without-check",
        severity: Error,
        dialects: PG,
        summary: "SET NOT NULL scans the table under ACCESS EXCLUSIVE unless a validated CHECK proves it",
        doc: "ALTER COLUMN ... SET NOT NULL scans every row under ACCESS EXCLUSIVE (reads and writes wait) and fails if a NULL exists. PostgreSQL 12+ skips the scan when a validated CHECK (col IS NOT NULL) exists; a NOT VALID check validated earlier in the file counts.\n\nSafe alternative (PostgreSQL 12+):\n\n    ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n    COMMIT;\n    ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n    ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n    ALTER TABLE users DROP CONSTRAINT users_email_nn;",
    },
    Rule {
        code: "MX112",
        name: "unique-constraint-without-index",
        severity: Error,
        dialects: PG,
        summary: "ADD UNIQUE builds its index under ACCESS EXCLUSIVE",
        doc: "ADD CONSTRAINT ... UNIQUE builds the index while holding ACCESS EXCLUSIVE: reads and writes wait for the whole build, and it fails on duplicates.\n\nSafe alternative:\n\n    CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n    ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;\n\nUSING INDEX needs a plain b-tree index without expressions or predicate; not on partitioned tables.",
    },
    Rule {
        code: "MX113",
        name: "primary-key-without-index",
        severity: Error,
        dialects: PG,
        summary: "ADD PRIMARY KEY builds its index (and checks NOT NULL) under ACCESS EXCLUSIVE",
        doc: "ADD PRIMARY KEY builds a unique index and sets NOT NULL on its columns while holding ACCESS EXCLUSIVE.\n\nSafe alternative: make the columns NOT NULL through validated CHECKs (MX111), then\n\n    CREATE UNIQUE INDEX CONCURRENTLY items_pkey_idx ON items (id);\n    ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_pkey_idx;",
    },
    Rule {
        code: "MX114",
        name: "dropping-column",
        severity: Warning,
        dialects: ALL,
        summary: "Dropping a column loses its data and breaks code that still uses it",
        doc: "The data is gone (no down migration restores it), and deployed code that selects, inserts or caches the column (ORM column lists, INSERT without a column list) fails.\n\nSafe alternative: stop using the column in the application first (Rails `ignored_columns`, Django: remove the field in a deploy before the migration), deploy, then drop it in a later migration; keep a copy if the data may be needed.",
    },
    Rule {
        code: "MX115",
        name: "dropping-table",
        severity: Warning,
        dialects: ALL,
        summary: "Dropping a table loses its data and breaks code that still uses it",
        doc: "The rows are gone and deployed code using the table fails. PostgreSQL also takes ACCESS EXCLUSIVE on every table it references by foreign key.\n\nSafe alternative: remove every use in the application and deploy first; rename it aside (`ALTER TABLE t RENAME TO t_retired`) for a release, or archive the rows, then drop it.",
    },
    Rule {
        code: "MX116",
        name: "truncating-table",
        severity: Warning,
        dialects: ALL,
        summary: "TRUNCATE deletes every row (CASCADE: of every referencing table too)",
        doc: "TRUNCATE removes all rows under ACCESS EXCLUSIVE and cannot be undone by a down migration; with CASCADE it also empties every table that references it, which may be far more than intended.\n\nSafe alternative: delete the intended rows in batches (`DELETE ... WHERE id BETWEEN ...`), never TRUNCATE ... CASCADE in a migration.",
    },
    Rule {
        code: "MX117",
        name: "dropping-database",
        severity: Error,
        dialects: ALL,
        summary: "DROP DATABASE in a migration",
        doc: "A migration that drops a database (or a MySQL schema) destroys everything in it. It has no place in a migration file; do it by hand, deliberately.",
    },
    Rule {
        code: "MX118",
        name: "missing-lock-timeout",
        severity: Warning,
        dialects: PG_MY,
        summary: "A statement that needs a blocking lock on an existing table runs without a lock timeout",
        doc: "Locks are queued. A DDL statement that needs ACCESS EXCLUSIVE (even a catalog-only one: ADD COLUMN, DROP INDEX, SET DEFAULT) or SHARE ROW EXCLUSIVE waits behind any open transaction on the table, and while it waits every later query on the table waits behind it: one long-running SELECT turns an instant ALTER into an outage. MySQL/MariaDB metadata locks queue the same way, with lock_wait_timeout defaulting to one year (MySQL) or one day (MariaDB).\n\nThis is a warning, not hygiene, because the stall it prevents hits every client of the table, and only statements that take a lock blocking reads or writes on a table that existed before the file are reported (once per file, at the first one). Statements that cannot block (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT, new tables) need no timeout.\n\nSafe alternative (retry the migration when it times out):\n\n    SET lock_timeout = '2s';          -- PostgreSQL (SET LOCAL inside a transaction)\n    SET SESSION lock_wait_timeout = 5; -- MySQL / MariaDB",
    },
    Rule {
        code: "MX119",
        name: "validate-in-same-transaction",
        severity: Error,
        dialects: PG,
        summary: "VALIDATE CONSTRAINT in the same transaction as the NOT VALID that added it",
        doc: "Adding a constraint NOT VALID and validating it later exists to keep the strong lock brief. In one transaction the ADD's lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE on both tables for a foreign key) is held until COMMIT, so the validation scan runs under it: exactly the blocking the pattern avoids.\n\nSafe alternative:\n\n    ALTER TABLE t ADD CONSTRAINT c CHECK (x > 0) NOT VALID;\n    COMMIT;                                  -- or a separate migration\n    ALTER TABLE t VALIDATE CONSTRAINT c;",
    },
    Rule {
        code: "MX120",
        name: "table-rewrite-maintenance",
        severity: Error,
        dialects: PG,
        summary: "VACUUM FULL or CLUSTER rewrites the table under ACCESS EXCLUSIVE",
        doc: "VACUUM FULL and CLUSTER copy the whole table while holding ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite.\n\nSafe alternative: plain `VACUUM (ANALYZE) t;` after a backfill, or pg_repack / pg_squeeze to compact a table online.",
    },
    Rule {
        code: "MX121",
        name: "require-concurrent-reindex",
        severity: Warning,
        dialects: PG,
        summary: "REINDEX without CONCURRENTLY blocks writes (and reads using the index)",
        doc: "REINDEX takes SHARE on the table (writes wait) and ACCESS EXCLUSIVE on each index (queries using it wait) for the whole rebuild.\n\nSafe alternative (PostgreSQL 12+, outside a transaction block):\n\n    REINDEX INDEX CONCURRENTLY users_email_idx;",
    },
    Rule {
        code: "MX122",
        name: "unbatched-backfill",
        severity: Warning,
        dialects: ALL,
        summary: "UPDATE or DELETE of a whole existing table in a migration",
        doc: "One UPDATE/DELETE over the whole table locks every row it touches until the transaction ends (with DDL in the same transaction, the DDL's lock too), bloats the table and lags replicas.\n\nSafe alternative: backfill outside the migration transaction in batches by primary-key range, then VACUUM (ANALYZE):\n\n    UPDATE users SET status = 'active' WHERE id >= 1 AND id < 10001 AND status IS NULL;\n    -- repeat per range, committing and pausing between batches",
    },
    Rule {
        code: "MX123",
        name: "refused-by-server",
        severity: Error,
        dialects: ALL,
        summary: "The server refuses the statement as written (for the target version)",
        doc: "The statement cannot run on the target: an ALGORITHM=/LOCK= clause MySQL or MariaDB cannot honour for this operation, DETACH PARTITION ... CONCURRENTLY before PostgreSQL 14, an ALTER TABLE form SQLite lacks. Pass --server-version (and --flavor) to judge for your server; without it the oldest supported release is assumed.",
    },
    Rule {
        code: "MX124",
        name: "transaction-nesting",
        severity: Warning,
        dialects: PG,
        summary: "BEGIN inside a transaction: its COMMIT ends the outer (framework's) transaction",
        doc: "With the file already in a transaction (a BEGIN before, or --assume-transaction for a framework that wraps files), PostgreSQL warns on BEGIN and the next COMMIT commits the framework's transaction: the statements after it run outside, and a failure leaves the migration half applied.\n\nSafe alternative: remove BEGIN/COMMIT from the file and let the framework manage the transaction, or disable the framework's transaction for this migration.",
    },
    Rule {
        code: "MX125",
        name: "blocking-statement",
        severity: Error,
        dialects: ALL,
        summary: "The statement holds a blocking lock on an existing table for its whole duration",
        doc: "A statement no more specific rule covers holds, for its whole run (a scan or a rewrite), a lock that blocks reads (error) or writes (warning) of a table that existed before the file: for example MySQL ALGORITHM=COPY, ATTACH PARTITION without a CHECK proving the bound, REFRESH MATERIALIZED VIEW without CONCURRENTLY, ALTER TABLE SET LOGGED, LOCK TABLE. The message names the lock and the work, from ../shared/docs/ddl-behavior.md.\n\nSafe alternative: the online form the message names (ALGORITHM=INPLACE/INSTANT, LOCK=NONE, CONCURRENTLY, a validated CHECK before ATTACH), or an online schema change tool (gh-ost, pt-online-schema-change) for MySQL COPY changes.",
    },
    Rule {
        code: "MX126",
        name: "truncating-type-cast",
        severity: Warning,
        dialects: PG,
        summary: "USING col::varchar(n) / ::char(n) silently truncates values",
        doc: "An explicit cast to varchar(n) or char(n) in USING cuts longer values without an error (an assignment cast would fail instead): data is lost silently.\n\nSafe alternative: check first (`SELECT count(*) FROM t WHERE char_length(c) > n`), and drop the explicit cast so that a too-long value fails the statement.",
    },
    Rule {
        code: "MX201",
        name: "prefer-bigint-over-int",
        severity: Info,
        dialects: ALL,
        summary: "A primary key column narrower than 8 bytes can run out of values",
        doc: "An integer/serial key tops out at 2,147,483,647; changing it later is a table rewrite and touches every foreign key. Hygiene: a new table pays nothing for bigint now.\n\n    CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, ...);",
    },
    Rule {
        code: "MX202",
        name: "prefer-text-over-varchar",
        severity: Info,
        dialects: PG,
        summary: "varchar(n) in PostgreSQL: changing the limit later may rewrite; prefer text with a CHECK",
        doc: "In PostgreSQL varchar(n) is text with a length check; lowering n later rewrites the table. Hygiene:\n\n    name text CHECK (char_length(name) <= 100)\n\n(a CHECK can be replaced with NOT VALID + VALIDATE without a rewrite).",
    },
    Rule {
        code: "MX203",
        name: "prefer-timestamptz",
        severity: Info,
        dialects: PG,
        summary: "timestamp without time zone: values are ambiguous across time zones",
        doc: "timestamp stores wall-clock time without a zone; timestamptz stores an instant. Converting later reads values in the session TimeZone (a rewrite unless it is UTC). Hygiene:\n\n    created_at timestamptz NOT NULL DEFAULT now()",
    },
    Rule {
        code: "MX204",
        name: "ban-char-type",
        severity: Info,
        dialects: PG,
        summary: "char(n) pads with spaces; use text or varchar",
        doc: "char(n) pads values with spaces and compares ignoring them, which surprises applications, and is no faster than text in PostgreSQL. Hygiene: use text (with a CHECK on the length if needed).",
    },
    Rule {
        code: "MX205",
        name: "prefer-identity",
        severity: Info,
        dialects: PG,
        summary: "serial: prefer GENERATED ... AS IDENTITY",
        doc: "serial creates a separately owned sequence with looser permissions and dump behaviour; identity columns (PostgreSQL 10+) are the standard form. Hygiene:\n\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
    },
    Rule {
        code: "MX206",
        name: "prefer-concurrent-partition-detach",
        severity: Info,
        dialects: PG,
        summary: "DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the parent (briefly)",
        doc: "Plain DETACH PARTITION takes ACCESS EXCLUSIVE on the parent and the partition, catalog only; with a lock_timeout (MX118) it is brief. PostgreSQL 14+ can detach without blocking queries on the parent:\n\n    ALTER TABLE measurements DETACH PARTITION measurements_2020 CONCURRENTLY;  -- outside a transaction\n\nNot with a DEFAULT partition.",
    },
    Rule {
        code: "MX207",
        name: "ddl-commits-transaction",
        severity: Info,
        dialects: &["mysql"],
        summary: "MySQL/MariaDB DDL inside BEGIN commits the transaction implicitly",
        doc: "MySQL and MariaDB commit the open transaction before and after every DDL statement: BEGIN ... COMMIT around DDL gives no atomicity, and a failure midway leaves the migration half applied. Make each step idempotent (IF NOT EXISTS, checks against information_schema) so it can be resumed.",
    },
    Rule {
        code: "MX901",
        name: "not-analysed",
        severity: Info,
        dialects: ALL,
        summary: "A statement the linter could not read or does not know",
        doc: "The statement could not be parsed (or its kind is unknown), so no rule judged it: its locks are not known. It is reported, never silently treated as safe. If it is valid SQL for your server, check it by hand; reports of forms migrex should read are welcome.",
    },
    Rule {
        code: "MX902",
        name: "unused-suppression",
        severity: Info,
        dialects: ALL,
        summary: "A migrex:ignore comment that suppresses nothing",
        doc: "`-- migrex:ignore CODE` (before or at the end of a statement) or `-- migrex:ignore-file CODE` matched no finding: the hazard it was written for is gone, or the code or name is misspelled. Remove it so it does not hide a future finding.",
    },
];

/// A rule by code (`MX101`, any case) or name (`require-concurrent-index-creation`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    let k = code_or_name.trim();
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(k) || r.name.eq_ignore_ascii_case(k))
}

pub fn by_code(code: &str) -> &'static Rule {
    find(code).unwrap_or(&RULES[0])
}

/// The rule's documentation as `migrex rule` prints it.
pub fn render_doc(r: &Rule) -> String {
    format!(
        "{} {} ({}; {})\n\n{}\n\n{}\n\nSuppress: -- migrex:ignore {}\n",
        r.code,
        r.name,
        r.severity,
        r.dialects.join(", "),
        r.summary,
        r.doc,
        r.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for r in RULES {
            assert!(seen.insert(r.code), "duplicate {}", r.code);
            assert!(seen.insert(r.name), "duplicate {}", r.name);
            assert!(r.code.starts_with("MX") && r.code.len() == 5);
            assert!(
                r.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit())
            );
            // Hazards are warnings or errors, hygiene is info.
            let hazard = r.code.starts_with("MX1");
            assert_eq!(hazard, r.severity != Severity::Info, "{}", r.code);
        }
        assert_eq!(
            find("require-concurrent-index-creation").unwrap().code,
            "MX101"
        );
        assert_eq!(find("mx118").unwrap().name, "missing-lock-timeout");
    }
}
