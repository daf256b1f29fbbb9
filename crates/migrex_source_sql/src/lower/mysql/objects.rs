//! Where the MySQL readers of `routines.rs` and `partitions.rs` meet the generic lowering: the
//! statements they read are applied to the schema in file order, like every other statement.

use super::partitions::{self, Alter};
use super::routines::{self, DropKind, Object};
use crate::SqlError;
use crate::lower::Lower;
use crate::split::Piece;
use migrex_model::{Partitioning, QualifiedName};

impl Lower<'_> {
    /// A MySQL statement the token readers handle, applied; `false` when it is none of theirs.
    pub(crate) fn mysql_statement(&mut self, piece: &Piece) -> Result<bool, SqlError> {
        if let Some(read) = routines::read(&piece.text, &self.current_ns) {
            match read {
                Ok(object) => self.mysql_object(piece, object),
                Err(why) => {
                    let what = super::super::leading_words(&piece.text, 3);
                    self.warn(piece, format!("statement not read: {what} ...: {why}"));
                }
            }
            return Ok(true);
        }
        if let Some((table, op)) = partitions::read_alter(&piece.text) {
            let qn = QualifiedName::new(self.current_ns.clone(), table);
            match op {
                Ok(op) => self.mysql_alter_partitioning(piece, &qn, op),
                Err(why) => self.warn(
                    piece,
                    format!("partitioning change of {qn} not read: {why}"),
                ),
            }
            return Ok(true);
        }
        Ok(false)
    }

    fn mysql_object(&mut self, piece: &Piece, object: Object) {
        let ns = self.current_ns.clone();
        match object {
            Object::Trigger(t) => {
                self.provenance
                    .locations
                    .insert(format!("trigger {}.{}", t.table, t.name), self.loc(piece));
                let triggers = &mut self.schema.namespace_mut(&ns).triggers;
                // Trigger names are unique per database in MySQL.
                triggers.retain(|_, o| o.name != t.name);
                triggers.insert(t.key(), t);
            }
            Object::Routine(f) => {
                self.provenance
                    .locations
                    .insert(format!("function {}.{}", ns, f.identity()), self.loc(piece));
                let functions = &mut self.schema.namespace_mut(&ns).functions;
                // MySQL has no overloading: a routine replaces any of the same kind and name.
                functions
                    .retain(|_, o| !(o.kind == f.kind && o.name.eq_ignore_ascii_case(&f.name)));
                functions.insert(f.identity(), f);
            }
            Object::Drop { kind, name } => {
                let n = self.schema.namespace_mut(&ns);
                match kind {
                    DropKind::Trigger => n.triggers.retain(|_, t| t.name != name),
                    DropKind::Routine(k) => n
                        .functions
                        .retain(|_, f| !(f.kind == k && f.name.eq_ignore_ascii_case(&name))),
                }
            }
        }
    }

    /// Sets the partitioning read from a `CREATE TABLE`'s clause on the table just created.
    pub(crate) fn mysql_set_partitioning(
        &mut self,
        piece: &Piece,
        qn: &QualifiedName,
        clause: &str,
    ) {
        match partitions::read_clause(clause) {
            Ok(read) => {
                for w in read.warnings {
                    self.warn(piece, format!("table {qn}: {w}"));
                }
                if let Some(t) = self.schema.table_mut(qn) {
                    t.partitioning = Some(read.partitioning);
                }
            }
            Err(why) => self.warn(
                piece,
                format!("partitioning of {qn} not read: {why}; the table is read without it"),
            ),
        }
    }

    fn mysql_alter_partitioning(&mut self, piece: &Piece, qn: &QualifiedName, op: Alter) {
        let mut warnings = Vec::new();
        let Some(table) = self.schema.table_mut(qn) else {
            self.warn(piece, format!("ALTER TABLE on unknown table {qn} skipped"));
            return;
        };
        match op {
            Alter::Set(read) => {
                warnings.extend(read.warnings);
                table.partitioning = Some(read.partitioning);
            }
            Alter::Remove => table.partitioning = None,
            Alter::Add(defs) => match &mut table.partitioning {
                Some(p) => add_partitions(p, defs),
                None => warnings.push("ADD PARTITION on a table that is not partitioned".into()),
            },
            Alter::Drop(names) => match &mut table.partitioning {
                Some(p) => p
                    .partitions
                    .retain(|d| !names.iter().any(|n| n.eq_ignore_ascii_case(&d.name))),
                None => warnings.push("DROP PARTITION on a table that is not partitioned".into()),
            },
        }
        for w in warnings {
            self.warn(piece, format!("table {qn}: {w}"));
        }
    }
}

fn add_partitions(p: &mut Partitioning, defs: Vec<migrex_model::PartitionDef>) {
    for mut d in defs {
        d.bound = d
            .bound
            .map(|b| migrex_dialect::mysql::partition_bound(p.strategy, &b.sql));
        p.partitions.push(d);
    }
    migrex_dialect::mysql::normalize_partitioning(p);
}
