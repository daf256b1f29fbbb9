//! SQL of online plan steps (`Change::Online`), lock timeouts around them, and the batched
//! backfill loop that `migrex_apply` runs batch by batch.

use crate::{RenderError, RenderedStep, renderer};
use migrex_dialect::postgres::{make_object_name, truncate_ident};
use migrex_dialect::{format_type, qualified, quote_ident, quote_string};
use migrex_model::{Change, Column, Dialect, OnlineOp, Plan, QualifiedName};
use serde::{Deserialize, Serialize};

/// How an online plan is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineRender {
    /// The longest a statement waits for a lock before it gives up (and the applier retries):
    /// PostgreSQL `lock_timeout`, MySQL `lock_wait_timeout` (rounded up to whole seconds).
    pub lock_timeout_ms: u64,
}

impl Default for OnlineRender {
    fn default() -> Self {
        OnlineRender {
            lock_timeout_ms: 2000,
        }
    }
}

/// A batched backfill: the applier runs `UPDATE`s over consecutive primary-key ranges of at
/// most `batch_size` rows, each in its own transaction, until the key range captured at the
/// start is covered. Every batch touches only rows not yet in step, so a batch run twice (after
/// a crash or a retry) does nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackfillLoop {
    pub dialect: Dialect,
    /// The table, qualified and quoted.
    pub table: String,
    /// The key columns, quoted.
    pub key: Vec<String>,
    /// `"col" = value`.
    pub set: String,
    /// The "not yet in step" predicate.
    pub pending: String,
    pub batch_size: u32,
}

impl BackfillLoop {
    fn key_list(&self) -> String {
        self.key.join(", ")
    }

    /// The key columns as text: a statement the driver prepared once keeps its result types,
    /// and a key column's type may change between two backfills on one connection.
    fn key_text(&self) -> String {
        match self.dialect {
            Dialect::Postgres => self
                .key
                .iter()
                .map(|k| format!("CAST({k} AS text)"))
                .collect::<Vec<_>>()
                .join(", "),
            _ => self.key_list(),
        }
    }

    fn desc(&self) -> String {
        self.key
            .iter()
            .map(|k| format!("{k} DESC"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `desc` over the columns of `alias` (an output column cast to text would otherwise be
    /// what ORDER BY sorts, as text).
    fn desc_of(&self, alias: &str) -> String {
        self.key
            .iter()
            .map(|k| format!("{alias}.{k} DESC"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn tuple(&self, values: &[String]) -> String {
        let v: Vec<String> = values
            .iter()
            .map(|v| quote_string(self.dialect, v))
            .collect();
        format!("({})", v.join(", "))
    }

    fn after(&self, lo: Option<&[String]>) -> String {
        lo.map_or(String::new(), |lo| {
            format!("({}) > {} AND ", self.key_list(), self.tuple(lo))
        })
    }

    /// The greatest key now in the table (the loop's end, fixed at its start: rows inserted
    /// later are written by the new code path already).
    pub fn top_sql(&self) -> String {
        format!(
            "SELECT {} FROM {} AS migrex_t ORDER BY {} LIMIT 1",
            self.key_text(),
            self.table,
            self.desc_of("migrex_t")
        )
    }

    /// The last key of the next batch after `lo` (the first batch when `None`), up to `top`.
    pub fn next_sql(&self, lo: Option<&[String]>, top: &[String]) -> String {
        format!(
            "SELECT {kt} FROM (SELECT {k} FROM {t} WHERE {after}({k}) <= {top} ORDER BY {k} LIMIT {n}) AS migrex_batch ORDER BY {d} LIMIT 1",
            kt = self.key_text(),
            k = self.key_list(),
            t = self.table,
            after = self.after(lo),
            top = self.tuple(top),
            n = self.batch_size,
            d = self.desc_of("migrex_batch")
        )
    }

    /// The batch's UPDATE over the keys after `lo` up to `hi`.
    pub fn update_sql(&self, lo: Option<&[String]>, hi: &[String]) -> String {
        format!(
            "UPDATE {} SET {} WHERE {}({}) <= {} AND {}",
            self.table,
            self.set,
            self.after(lo),
            self.key_list(),
            self.tuple(hi),
            self.pending
        )
    }

    /// The whole loop as one PostgreSQL `DO` block that commits after each batch (for scripts
    /// run by psql, which runs it outside a transaction block).
    pub fn pg_do_block(&self) -> String {
        let fields = |r: &str| {
            self.key
                .iter()
                .map(|k| format!("{r}.{k}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let k = self.key_list();
        let t = &self.table;
        let n = self.batch_size;
        let d = self.desc();
        format!(
            "DO $migrex$\nDECLARE lo record; hi record; top record;\nBEGIN\n  SELECT {k} INTO top FROM {t} ORDER BY {d} LIMIT 1;\n  IF NOT FOUND THEN RETURN; END IF;\n  SELECT {k} INTO hi FROM (SELECT {k} FROM {t} WHERE ({k}) <= ({top}) ORDER BY {k} LIMIT {n}) AS b ORDER BY {d} LIMIT 1;\n  UPDATE {t} SET {set} WHERE ({k}) <= ({hi}) AND {pending};\n  COMMIT;\n  LOOP\n    lo := hi;\n    SELECT {k} INTO hi FROM (SELECT {k} FROM {t} WHERE ({k}) > ({lo}) AND ({k}) <= ({top}) ORDER BY {k} LIMIT {n}) AS b ORDER BY {d} LIMIT 1;\n    EXIT WHEN NOT FOUND;\n    UPDATE {t} SET {set} WHERE ({k}) > ({lo}) AND ({k}) <= ({hi}) AND {pending};\n    COMMIT;\n  END LOOP;\nEND $migrex$",
            top = fields("top"),
            hi = fields("hi"),
            lo = fields("lo"),
            set = self.set,
            pending = self.pending,
        )
    }
}

impl BackfillLoop {
    /// The whole loop for a MySQL script: a procedure that walks the key ranges, one
    /// transaction per batch, called once and dropped (the applier runs the same batches
    /// itself instead).
    pub fn mysql_procedure(&self, table: &QualifiedName, column: &str) -> Vec<String> {
        let d = Dialect::Mysql;
        let proc = qn(
            d,
            &QualifiedName::new(
                table.namespace.clone(),
                make_object_name(&table.name, Some(column), "migrex_backfill"),
            ),
        );
        let vars = |p: &str| -> Vec<String> {
            (1..=self.key.len())
                .map(|i| format!("@migrex_{p}{i}"))
                .collect()
        };
        let (top, lo, hi) = (vars("top"), vars("lo"), vars("hi"));
        let row = |v: &[String]| format!("({})", v.join(", "));
        let nulls = |v: &[String]| {
            v.iter()
                .map(|x| format!("{x} = NULL"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let k = self.key_list();
        let t = &self.table;
        let n = self.batch_size;
        let dsc = self.desc();
        let next = |after: &str| {
            format!(
                "SELECT {k} INTO {hv} FROM (SELECT {k} FROM {t} WHERE {after}({k}) <= {tr} ORDER BY {k} LIMIT {n}) AS migrex_batch ORDER BY {dsc} LIMIT 1;",
                hv = hi.join(", "),
                tr = row(&top),
            )
        };
        let update = |after: &str| {
            format!(
                "UPDATE {t} SET {set} WHERE {after}({k}) <= {hr} AND {pending};",
                set = self.set,
                hr = row(&hi),
                pending = self.pending
            )
        };
        let after = format!("({k}) > {} AND ", row(&lo));
        let body = format!(
            "BEGIN DECLARE migrex_first INT DEFAULT 1; SET {tn}; SELECT {k} INTO {tv} FROM {t} ORDER BY {dsc} LIMIT 1; migrex_batches: LOOP SET {hn}; IF migrex_first = 1 THEN {next0} ELSE {next1} END IF; IF {h1} IS NULL THEN LEAVE migrex_batches; END IF; IF migrex_first = 1 THEN {up0} ELSE {up1} END IF; COMMIT; SET migrex_first = 0; SET {copy}; END LOOP; END",
            tn = nulls(&top),
            tv = top.join(", "),
            hn = nulls(&hi),
            next0 = next(""),
            next1 = next(&after),
            h1 = hi.first().map_or("NULL", String::as_str),
            up0 = update(""),
            up1 = update(&after),
            copy = lo
                .iter()
                .zip(&hi)
                .map(|(l, h)| format!("{l} = {h}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        vec![
            format!("DROP PROCEDURE IF EXISTS {proc}"),
            format!("CREATE PROCEDURE {proc}() {body}"),
            format!("CALL {proc}()"),
            format!("DROP PROCEDURE {proc}"),
        ]
    }
}

fn qn(d: Dialect, n: &QualifiedName) -> String {
    qualified(d, n)
}

/// PostgreSQL names of the sync trigger and its function.
fn sync_name(table: &QualifiedName, target: &Column) -> String {
    truncate_ident(&format!("{}_{}_migrex_sync", table.name, target.name))
}

/// The backfill loop of a `Backfill` operation.
pub fn backfill_loop(
    dialect: Dialect,
    table: &QualifiedName,
    key: &[String],
    target: &Column,
    value: &str,
    only_null: bool,
    batch_size: u32,
) -> BackfillLoop {
    let col = quote_ident(dialect, &target.name);
    let pending = if only_null {
        format!("{col} IS NULL")
    } else if dialect == Dialect::Mysql {
        format!("NOT ({col} <=> {value})")
    } else {
        format!("{col} IS DISTINCT FROM {value}")
    };
    BackfillLoop {
        dialect,
        table: qn(dialect, table),
        key: key.iter().map(|k| quote_ident(dialect, k)).collect(),
        set: format!("{col} = {value}"),
        pending,
        batch_size: batch_size.max(1),
    }
}

/// The statements of one online operation.
pub fn render(
    dialect: Dialect,
    table: &QualifiedName,
    op: &OnlineOp,
) -> Result<Vec<String>, RenderError> {
    let unsupported = |what: &str| RenderError::Unsupported {
        dialect,
        change: op.describe(table),
        hint: format!("{what} is planned for PostgreSQL only"),
    };
    let plain = |c: Change| renderer(dialect).render_change(&c);
    let t = qn(dialect, table);
    match (dialect, op) {
        (Dialect::Postgres, OnlineOp::CreateIndex { index }) => {
            let mut out = plain(Change::CreateIndex {
                table: table.clone(),
                index: index.clone(),
            })?;
            let first = out
                .first_mut()
                .ok_or_else(|| unsupported("an empty index"))?;
            *first = concurrently(first).ok_or_else(|| unsupported("this index"))?;
            // A failed concurrent build leaves an INVALID index of that name behind: drop it so
            // the step can run again.
            let ix = qn(
                dialect,
                &QualifiedName::new(table.namespace.clone(), index.name.clone()),
            );
            let ns = if table.namespace.is_empty() {
                "public".to_string()
            } else {
                table.namespace.clone()
            };
            out.insert(
                0,
                format!(
                    "DO $migrex$ BEGIN IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = {} AND c.relname = {} AND NOT i.indisvalid) THEN EXECUTE {}; END IF; END $migrex$",
                    quote_string(dialect, &ns),
                    quote_string(dialect, &index.name),
                    quote_string(dialect, &format!("DROP INDEX {ix}"))
                ),
            );
            Ok(out)
        }
        (Dialect::Postgres, OnlineOp::DropIndex { index }) => Ok(vec![format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            qn(
                dialect,
                &QualifiedName::new(table.namespace.clone(), index.name.clone())
            )
        )]),
        (Dialect::Mysql, OnlineOp::CreateIndex { index }) => {
            let mut out = plain(Change::CreateIndex {
                table: table.clone(),
                index: index.clone(),
            })?;
            if let Some(first) = out.first_mut() {
                first.push_str(" ALGORITHM=INPLACE LOCK=NONE");
            }
            Ok(out)
        }
        (Dialect::Mysql, OnlineOp::DropIndex { index }) => Ok(vec![format!(
            "ALTER TABLE {t} DROP INDEX {}, ALGORITHM=INPLACE, LOCK=NONE",
            quote_ident(dialect, &index.name)
        )]),
        (Dialect::Postgres, OnlineOp::AddForeignKeyNotValid { foreign_key, name }) => {
            let mut fk = foreign_key.clone();
            fk.name = Some(name.clone());
            let mut out = plain(Change::AddForeignKey {
                table: table.clone(),
                foreign_key: fk,
            })?;
            if let Some(first) = out.first_mut() {
                first.push_str(" NOT VALID");
            }
            Ok(out)
        }
        (Dialect::Postgres, OnlineOp::AddCheckNotValid { check, name }) => {
            let mut c = check.clone();
            c.name = Some(name.clone());
            let mut out = plain(Change::AddCheck {
                table: table.clone(),
                check: c,
            })?;
            if let Some(first) = out.first_mut() {
                first.push_str(" NOT VALID");
            }
            Ok(out)
        }
        (Dialect::Postgres, OnlineOp::ValidateConstraint { name }) => Ok(vec![format!(
            "ALTER TABLE {t} VALIDATE CONSTRAINT {}",
            quote_ident(dialect, name)
        )]),
        (Dialect::Postgres, OnlineOp::AddUniqueUsingIndex { unique, index }) => {
            let name = unique.name.clone().unwrap_or_else(|| index.clone());
            Ok(vec![format!(
                "ALTER TABLE {t} ADD CONSTRAINT {} UNIQUE USING INDEX {}",
                quote_ident(dialect, &name),
                quote_ident(dialect, index)
            )])
        }
        (Dialect::Postgres, OnlineOp::AddPrimaryKeyUsingIndex { primary_key, index }) => {
            let name = primary_key
                .name
                .clone()
                .unwrap_or_else(|| make_object_name(&table.name, None, "pkey"));
            Ok(vec![format!(
                "ALTER TABLE {t} ADD CONSTRAINT {} PRIMARY KEY USING INDEX {}",
                quote_ident(dialect, &name),
                quote_ident(dialect, index)
            )])
        }
        (
            Dialect::Postgres,
            OnlineOp::CreateSyncTrigger {
                source,
                target,
                both_ways,
            },
        ) => {
            let name = sync_name(table, target);
            let func = qn(
                dialect,
                &QualifiedName::new(table.namespace.clone(), name.clone()),
            );
            let (s, n) = (
                quote_ident(dialect, &source.name),
                quote_ident(dialect, &target.name),
            );
            // Both ways (a rename): an insert that fills the new column (new code) or an
            // update that changes it wins; otherwise the old column's value is copied over.
            let body = if *both_ways {
                format!(
                    "IF TG_OP = 'INSERT' THEN IF NEW.{n} IS NULL THEN NEW.{n} := NEW.{s}; ELSE NEW.{s} := NEW.{n}; END IF; ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN NEW.{s} := NEW.{n}; ELSE NEW.{n} := NEW.{s}; END IF;"
                )
            } else {
                format!(
                    "NEW.{n} := CAST(NEW.{s} AS {});",
                    format_type(dialect, &target.ty)
                )
            };
            Ok(vec![
                format!(
                    "CREATE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $migrex$ BEGIN {body} RETURN NEW; END $migrex$"
                ),
                format!(
                    "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {func}()",
                    quote_ident(dialect, &name)
                ),
            ])
        }
        (
            Dialect::Mysql,
            OnlineOp::CreateSyncTrigger {
                source,
                target,
                both_ways,
            },
        ) => {
            let (s, n) = (
                quote_ident(dialect, &source.name),
                quote_ident(dialect, &target.name),
            );
            let [ins, upd] = mysql_sync_names(table, target);
            // MariaDB 10.2.3+ and MySQL 5.7.2+ allow several triggers per event, so the
            // table's own triggers stay.
            let (on_insert, on_update) = if *both_ways {
                (
                    format!(
                        "IF NEW.{n} IS NULL THEN SET NEW.{n} = NEW.{s}; ELSE SET NEW.{s} = NEW.{n}; END IF;"
                    ),
                    format!(
                        "IF NOT (NEW.{n} <=> OLD.{n}) THEN SET NEW.{s} = NEW.{n}; ELSE SET NEW.{n} = NEW.{s}; END IF;"
                    ),
                )
            } else {
                let set = format!("SET NEW.{n} = NEW.{s};");
                (set.clone(), set)
            };
            Ok(vec![
                format!(
                    "CREATE TRIGGER {ins} BEFORE INSERT ON {t} FOR EACH ROW BEGIN {on_insert} END"
                ),
                format!(
                    "CREATE TRIGGER {upd} BEFORE UPDATE ON {t} FOR EACH ROW BEGIN {on_update} END"
                ),
            ])
        }
        (Dialect::Mysql, OnlineOp::DropSyncTrigger { target, .. }) => {
            Ok(mysql_sync_names(table, target)
                .into_iter()
                .map(|n| format!("DROP TRIGGER IF EXISTS {n}"))
                .collect())
        }
        (Dialect::Postgres, OnlineOp::DropSyncTrigger { target, .. }) => {
            let name = sync_name(table, target);
            let func = qn(
                dialect,
                &QualifiedName::new(table.namespace.clone(), name.clone()),
            );
            Ok(vec![
                format!(
                    "DROP TRIGGER IF EXISTS {} ON {t}",
                    quote_ident(dialect, &name)
                ),
                format!("DROP FUNCTION IF EXISTS {func}()"),
            ])
        }
        (
            Dialect::Postgres,
            OnlineOp::Backfill {
                key,
                target,
                value,
                only_null,
                batch_size,
            },
        ) => Ok(vec![
            backfill_loop(dialect, table, key, target, value, *only_null, *batch_size)
                .pg_do_block(),
        ]),
        (
            Dialect::Mysql,
            OnlineOp::Backfill {
                key,
                target,
                value,
                only_null,
                batch_size,
            },
        ) => Ok(
            backfill_loop(dialect, table, key, target, value, *only_null, *batch_size)
                .mysql_procedure(table, &target.name),
        ),
        (Dialect::Postgres, OnlineOp::Analyze) => Ok(vec![format!("ANALYZE {t}")]),
        (Dialect::Mysql, OnlineOp::Analyze) => Ok(vec![format!("ANALYZE TABLE {t}")]),
        (
            Dialect::Mysql,
            OnlineOp::Group {
                changes,
                algorithm,
                lock_none,
                ..
            },
        ) => mysql_group(table, changes, *algorithm, *lock_none),
        (_, OnlineOp::Group { changes, .. }) => {
            let mut out = Vec::new();
            for c in changes {
                out.extend(renderer(dialect).render_change(c)?);
            }
            Ok(out)
        }
        (_, OnlineOp::Checkpoint { .. }) => Ok(Vec::new()),
        (Dialect::Sqlite, _) => Err(unsupported("an online step")),
        (Dialect::Mysql, _) => Err(unsupported("this online step")),
    }
}

/// MySQL names of the insert and update sync triggers.
fn mysql_sync_names(table: &QualifiedName, target: &Column) -> [String; 2] {
    ["migrex_ins", "migrex_upd"].map(|label| {
        qn(
            Dialect::Mysql,
            &QualifiedName::new(
                table.namespace.clone(),
                make_object_name(&table.name, Some(&target.name), label),
            ),
        )
    })
}

/// A MySQL group: the table's changes as one `ALTER TABLE` (MySQL DDL commits each statement,
/// so one statement is what makes the switch atomic), with the algorithm clauses; sync triggers
/// dropped first while `LOCK TABLES ... WRITE` holds writers off, so that no write lands
/// between the trigger's end and the switch.
fn mysql_group(
    table: &QualifiedName,
    changes: &[Change],
    algorithm: Option<migrex_model::AlterAlgorithm>,
    lock_none: bool,
) -> Result<Vec<String>, RenderError> {
    let d = Dialect::Mysql;
    let t = qn(d, table);
    let head = format!("ALTER TABLE {t} ");
    let unsupported = |c: &Change| RenderError::Unsupported {
        dialect: d,
        change: c.describe(),
        hint: format!("it cannot be part of one ALTER TABLE of {table}"),
    };
    let mut triggers = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    let mut i = 0;
    while i < changes.len() {
        let c = &changes[i];
        i += 1;
        match c {
            Change::Online {
                table: on,
                operation: op @ OnlineOp::DropSyncTrigger { .. },
            } if on == table => triggers.extend(render(d, table, op)?),
            // MySQL has no unique constraint apart from its index: the new index takes the name.
            Change::Online {
                table: on,
                operation: OnlineOp::AddUniqueUsingIndex { unique, index },
            } if on == table => {
                let name = unique.name.clone().unwrap_or_else(|| index.clone());
                if &name != index {
                    clauses.push(format!(
                        "RENAME INDEX {} TO {}",
                        quote_ident(d, index),
                        quote_ident(d, &name)
                    ));
                }
            }
            Change::DropIndex { table: on, index } if on == table => {
                clauses.push(format!("DROP INDEX {}", quote_ident(d, &index.name)));
            }
            // A rename followed by a redefinition of the renamed column: one CHANGE COLUMN (a
            // clause cannot name a column another clause of the statement renames).
            Change::RenameColumn {
                table: on,
                from,
                to,
            } if on == table
                && matches!(changes.get(i), Some(Change::AlterColumn { table: t2, from: f2, .. }) if t2 == table && &f2.name == to) =>
            {
                let Some(Change::AlterColumn { to: def, .. }) = changes.get(i) else {
                    return Err(unsupported(c));
                };
                i += 1;
                let modify = renderer(d).render_change(&Change::AlterColumn {
                    table: table.clone(),
                    from: def.clone(),
                    to: def.clone(),
                })?;
                let [one] = modify.as_slice() else {
                    return Err(unsupported(c));
                };
                let def_sql = one
                    .strip_prefix(&format!("{head}MODIFY COLUMN "))
                    .ok_or_else(|| unsupported(c))?;
                clauses.push(format!("CHANGE COLUMN {} {def_sql}", quote_ident(d, from)));
            }
            _ if c.table() == Some(table) => {
                for stmt in renderer(d).render_change(c)? {
                    let clause = stmt.strip_prefix(&head).ok_or_else(|| unsupported(c))?;
                    clauses.push(clause.to_string());
                }
            }
            _ => return Err(unsupported(c)),
        }
    }
    let mut out = Vec::new();
    if !clauses.is_empty() {
        let mut alter = format!("{head}{}", clauses.join(", "));
        if let Some(a) = algorithm {
            alter.push_str(&format!(", ALGORITHM={}", a.sql()));
        }
        if lock_none {
            alter.push_str(", LOCK=NONE");
        }
        out.push(alter);
    }
    if triggers.is_empty() {
        return Ok(out);
    }
    let mut locked = vec![format!("LOCK TABLES {t} WRITE")];
    locked.extend(triggers);
    locked.extend(out);
    locked.push("UNLOCK TABLES".into());
    Ok(locked)
}

/// `CREATE [UNIQUE] INDEX` made `CONCURRENTLY`.
fn concurrently(stmt: &str) -> Option<String> {
    for head in ["CREATE UNIQUE INDEX ", "CREATE INDEX "] {
        if let Some(rest) = stmt.strip_prefix(head) {
            return Some(format!("{head}CONCURRENTLY {rest}"));
        }
    }
    None
}

/// Renders an online plan (from `migrex_diff::online`): every step is isolated (its own
/// transaction, retried by the applier on a lock timeout) and every step that takes a lock is
/// preceded by the dialect's lock timeout; backfills carry their batch loop.
pub fn render_online_plan(
    plan: &Plan,
    options: &OnlineRender,
) -> Result<Vec<RenderedStep>, RenderError> {
    let dialect = plan.dialect;
    let mut out = crate::render_plan(plan)?;
    let timeout = match dialect {
        Dialect::Postgres => Some(format!(
            "SET lock_timeout = '{}ms'",
            options.lock_timeout_ms
        )),
        Dialect::Mysql => Some(format!(
            "SET SESSION lock_wait_timeout = {}",
            options.lock_timeout_ms.div_ceil(1000).max(1)
        )),
        Dialect::Sqlite => None,
    };
    for (r, step) in out.iter_mut().zip(&plan.steps) {
        r.isolated = dialect != Dialect::Sqlite;
        if let Change::Online {
            table,
            operation:
                OnlineOp::Backfill {
                    key,
                    target,
                    value,
                    only_null,
                    batch_size,
                },
        } = &step.change
        {
            r.backfill = Some(backfill_loop(
                dialect,
                table,
                key,
                target,
                value,
                *only_null,
                *batch_size,
            ));
        }
        if let Some(t) = &timeout
            && !r.statements.is_empty()
        {
            r.statements.insert(0, t.clone());
        }
    }
    Ok(out)
}
