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
        (Dialect::Postgres, OnlineOp::CreateSyncTrigger { source, target }) => {
            let name = sync_name(table, target);
            let func = qn(
                dialect,
                &QualifiedName::new(table.namespace.clone(), name.clone()),
            );
            Ok(vec![
                format!(
                    "CREATE FUNCTION {func}() RETURNS trigger LANGUAGE plpgsql AS $migrex$ BEGIN NEW.{} := CAST(NEW.{} AS {}); RETURN NEW; END $migrex$",
                    quote_ident(dialect, &target.name),
                    quote_ident(dialect, &source.name),
                    format_type(dialect, &target.ty)
                ),
                format!(
                    "CREATE TRIGGER {} BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {func}()",
                    quote_ident(dialect, &name)
                ),
            ])
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
        (Dialect::Postgres, OnlineOp::Analyze) => Ok(vec![format!("ANALYZE {t}")]),
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
