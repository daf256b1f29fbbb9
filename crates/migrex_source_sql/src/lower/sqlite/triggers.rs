//! sqlite: `CREATE TRIGGER` and `DROP TRIGGER`.
//!
//! A SQLite trigger body is a list of statements between `BEGIN` and `END` that SQLite itself
//! stores verbatim (`sqlite_master.sql` keeps the whole `CREATE TRIGGER` text). sqlparser would
//! have to understand every body statement (`SELECT RAISE(ABORT, ...)`, `INSERT OR REPLACE`,
//! upserts...) to give us the statement at all, and would print the body back in its own spelling.
//! So the statement is cut with sqlparser's tokenizer instead of parsed whole: the header (name,
//! timing, event, table) up to the first top-level `BEGIN` is parsed by sqlparser with a
//! placeholder `WHEN` condition and body; the condition is the original text between `WHEN` and
//! `BEGIN`, and the body the original text between that `BEGIN` and the final `END`,
//! keyed with `migrex_dialect::body` (layout and comments ignored). `IF NOT EXISTS`, which
//! sqlparser does not accept in this position, is taken out of the header before parsing.

use crate::SqlError;
use crate::lower::Lower;
use crate::split::Piece;
use migrex_dialect as dia;
use migrex_model::{
    Dialect, QualifiedName, Schema, Trigger, TriggerAction, TriggerEvent, TriggerTiming, Warning,
};
use sqlparser::ast::{self, Statement};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

const D: Dialect = Dialect::Sqlite;

/// A `CREATE TRIGGER` statement cut into its parts.
#[derive(Debug)]
struct Parsed {
    temporary: bool,
    if_not_exists: bool,
    trigger: Trigger,
}

impl Lower<'_> {
    /// `CREATE [TEMP] TRIGGER ...`: read here rather than through sqlparser's statement parser
    /// (see the module doc). `None` when the piece is not a trigger definition.
    pub(crate) fn sqlite_trigger_piece(&mut self, piece: &Piece) -> Option<Result<(), SqlError>> {
        let words = super::super::leading_words(&piece.text, 3);
        let is_trigger = words.starts_with("CREATE TRIGGER")
            || words == "CREATE TEMP TRIGGER"
            || words == "CREATE TEMPORARY TRIGGER";
        if !is_trigger {
            return None;
        }
        let parsed = match parse_create_trigger(&piece.text, &self.current_ns) {
            Ok(p) => p,
            Err(message) => {
                self.warn(piece, format!("trigger not read: {message}"));
                return Some(Ok(()));
            }
        };
        let t = parsed.trigger;
        if parsed.temporary {
            self.warn(
                piece,
                format!(
                    "temporary trigger {} skipped: not part of the schema",
                    t.name
                ),
            );
            return Some(Ok(()));
        }
        let ns = self.schema.namespace_mut(&t.table.namespace);
        let existing = ns
            .triggers
            .iter()
            .find(|(_, x)| x.name.eq_ignore_ascii_case(&t.name))
            .map(|(k, _)| k.clone());
        if let Some(k) = existing {
            if parsed.if_not_exists {
                return Some(Ok(()));
            }
            ns.triggers.shift_remove(&k);
            self.warn(
                piece,
                format!(
                    "trigger {} is defined twice (SQLite refuses the second); the last one is kept",
                    t.name
                ),
            );
        }
        let key = format!("trigger {}.{}", t.table.namespace, t.key());
        self.schema
            .namespace_mut(&t.table.namespace)
            .triggers
            .insert(t.key(), t);
        self.provenance.locations.insert(key, self.loc(piece));
        Some(Ok(()))
    }

    /// `DROP TRIGGER [IF EXISTS] name`: SQLite trigger names are unique in the schema (and
    /// compared case-insensitively), so the name alone finds it.
    pub(crate) fn sqlite_drop_trigger(&mut self, piece: &Piece, d: &ast::DropTrigger) {
        let qn = self.qname(&d.trigger_name);
        let ns = self.schema.namespace_mut(&qn.namespace);
        let before = ns.triggers.len();
        ns.triggers
            .retain(|_, t| !t.name.eq_ignore_ascii_case(&qn.name));
        if ns.triggers.len() == before && !d.if_exists {
            self.warn(
                piece,
                format!("DROP TRIGGER of unknown trigger {} ignored", qn.name),
            );
        }
    }
}

/// After the whole file: the table a trigger fires on takes the spelling of its declaration
/// (SQLite resolves `ON T` to table `t` case-insensitively, and its catalog keeps `T` as
/// written), as do the columns of `UPDATE OF`; a trigger on a table or view that does not exist
/// is dropped with a warning (SQLite refuses to create it).
pub(crate) fn finalize(schema: &mut Schema, warnings: &mut Vec<Warning>) {
    for ns in schema.namespaces.values_mut() {
        if ns.triggers.is_empty() {
            continue;
        }
        let triggers = std::mem::take(&mut ns.triggers);
        for (_, mut t) in triggers {
            let table = ns
                .tables
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&t.table.name));
            let view = ns
                .views
                .keys()
                .find(|n| n.eq_ignore_ascii_case(&t.table.name));
            let declared_columns: Vec<String> = match (table, view) {
                (Some((name, table)), _) => {
                    t.table.name.clone_from(name);
                    table.columns.keys().cloned().collect()
                }
                (None, Some(name)) => {
                    t.table.name.clone_from(name);
                    Vec::new()
                }
                (None, None) => {
                    warnings.push(Warning {
                        message: format!(
                            "trigger {} is on {}, which is neither a table nor a view; skipped",
                            t.name, t.table.name
                        ),
                        location: Some(format!("trigger {}", t.name)),
                    });
                    continue;
                }
            };
            for e in &mut t.events {
                if let TriggerEvent::Update { columns } = e {
                    for c in columns.iter_mut() {
                        if let Some(d) = declared_columns.iter().find(|d| d.eq_ignore_ascii_case(c))
                        {
                            c.clone_from(d);
                        }
                    }
                }
            }
            ns.triggers.insert(t.key(), t);
        }
    }
}

/// Byte offsets of the tokens of `text` (start, end), from the tokenizer's line/column spans.
fn offsets(text: &str, tokens: &[TokenWithSpan]) -> Vec<(usize, usize)> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |loc: sqlparser::tokenizer::Location| -> usize {
        let start = line_starts
            .get(loc.line.saturating_sub(1) as usize)
            .copied()
            .unwrap_or(text.len());
        let line = &text[start..];
        start
            + line
                .char_indices()
                .nth(loc.column.saturating_sub(1) as usize)
                .map_or(line.len(), |(i, _)| i)
    };
    tokens
        .iter()
        .map(|t| (offset(t.span.start), offset(t.span.end)))
        .collect()
}

fn is_word(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// Cuts and reads one `CREATE [TEMP|TEMPORARY] TRIGGER [IF NOT EXISTS] ...` statement (without
/// its final `;`). `ns` is the namespace the trigger lands in. Errors are messages for a warning.
fn parse_create_trigger(text: &str, ns: &str) -> Result<Parsed, String> {
    let d = dia::parser_dialect(D);
    let all = Tokenizer::new(d.as_ref(), text)
        .tokenize_with_location()
        .map_err(|e| e.to_string())?;
    let all_offsets = offsets(text, &all);
    // The significant tokens with their byte ranges.
    let toks: Vec<(&Token, (usize, usize))> = all
        .iter()
        .zip(all_offsets)
        .filter(|(t, _)| !matches!(t.token, Token::Whitespace(_)))
        .map(|(t, o)| (&t.token, o))
        .collect();
    let mut i = 1; // after CREATE
    let temporary = toks
        .get(i)
        .is_some_and(|(t, _)| is_word(t, "TEMP") || is_word(t, "TEMPORARY"));
    if temporary {
        i += 1;
    }
    if !toks.get(i).is_some_and(|(t, _)| is_word(t, "TRIGGER")) {
        return Err("expected CREATE [TEMP] TRIGGER".into());
    }
    i += 1;
    let mut header = String::with_capacity(text.len());
    let mut copied_to = 0;
    let if_not_exists = toks.get(i).is_some_and(|(t, _)| is_word(t, "IF"))
        && toks.get(i + 1).is_some_and(|(t, _)| is_word(t, "NOT"))
        && toks.get(i + 2).is_some_and(|(t, _)| is_word(t, "EXISTS"));
    if if_not_exists {
        header.push_str(&text[..toks[i].1.0]);
        copied_to = toks[i + 2].1.1;
        i += 3;
    }
    // The body starts at the first BEGIN outside parentheses (BEGIN cannot start anything else
    // in the header, and a quoted "BEGIN" is a name).
    let mut depth = 0i32;
    let mut begin = None;
    let mut when = None;
    for (k, (t, _)) in toks.iter().enumerate().skip(i) {
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ if depth == 0 && is_word(t, "WHEN") && when.is_none() => when = Some(k),
            _ if depth == 0 && is_word(t, "BEGIN") => {
                begin = Some(k);
                break;
            }
            _ => {}
        }
    }
    let begin = begin.ok_or("no BEGIN ... END body")?;
    let end = toks.len() - 1;
    if end <= begin || !is_word(toks[end].0, "END") {
        return Err("the body does not end with END".into());
    }
    let header_end = toks[begin].1.0;
    // The WHEN condition is read from the text; sqlparser sees a placeholder (it does not know
    // all of SQLite's expression syntax, e.g. `a IS b` between two columns).
    match when {
        Some(k) => {
            header.push_str(&text[copied_to..toks[k].1.1]);
            header.push_str(" 1");
        }
        None => header.push_str(&text[copied_to..header_end]),
    }
    header.push_str(" BEGIN SELECT 1; END");
    let statement = Parser::new(d.as_ref())
        .try_with_sql(&header)
        .and_then(|mut p| p.parse_statement())
        .map_err(|e| {
            let m = e.to_string();
            m.trim_start_matches("sql parser error: ").to_string()
        })?;
    let Statement::CreateTrigger(ct) = statement else {
        return Err("not a CREATE TRIGGER statement".into());
    };
    let last = |name: &ast::ObjectName| -> Option<String> {
        name.0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| i.value.clone())
    };
    let name = last(&ct.name).ok_or("the trigger has no name")?;
    let table = last(&ct.table_name).ok_or("the trigger names no table")?;
    let timing = match ct.period {
        // SQLite's default is BEFORE.
        None | Some(ast::TriggerPeriod::Before) => TriggerTiming::Before,
        Some(ast::TriggerPeriod::After) => TriggerTiming::After,
        Some(ast::TriggerPeriod::InsteadOf) => TriggerTiming::InsteadOf,
        Some(other) => return Err(format!("timing {other} is not SQLite's")),
    };
    let events = ct
        .events
        .iter()
        .map(|e| match e {
            ast::TriggerEvent::Insert => Ok(TriggerEvent::Insert),
            ast::TriggerEvent::Delete => Ok(TriggerEvent::Delete),
            ast::TriggerEvent::Update(cols) => Ok(TriggerEvent::Update {
                columns: cols.iter().map(|c| c.value.clone()).collect(),
            }),
            ast::TriggerEvent::Truncate => Err("SQLite has no TRUNCATE triggers".to_string()),
        })
        .collect::<Result<Vec<_>, _>>()?;
    if events.len() != 1 {
        return Err("a SQLite trigger fires on exactly one event".into());
    }
    if let Some(ast::TriggerObjectKind::ForEach(ast::TriggerObject::Statement))
    | Some(ast::TriggerObjectKind::For(ast::TriggerObject::Statement)) = ct.trigger_object
    {
        return Err("SQLite has no FOR EACH STATEMENT triggers".into());
    }
    if ct.is_constraint || !ct.referencing.is_empty() || ct.referenced_table_name.is_some() {
        return Err("CONSTRAINT, REFERENCING and FROM are not SQLite trigger syntax".into());
    }
    let when = when.map(|k| dia::expr(D, &text[toks[k].1.1..header_end]));
    // The body without what follows its last `;` (a comment): a body read from SQL always
    // ends with its statement terminator, which the renderer relies on.
    let body_start = toks[begin].1.1;
    let body_end = toks[begin + 1..end]
        .iter()
        .rev()
        .find(|(t, _)| **t == Token::SemiColon)
        .map_or(toks[end].1.0, |(_, o)| o.1);
    let body = dia::body(D, &text[body_start..body_end]);
    Ok(Parsed {
        temporary,
        if_not_exists,
        trigger: Trigger {
            name,
            table: QualifiedName::new(ns, table),
            timing,
            events,
            for_each_row: true,
            when,
            action: TriggerAction::Body { body },
            constraint: None,
            old_table: None,
            new_table: None,
            order: None,
            comment: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sql: &str) -> migrex_model::Loaded {
        crate::parse(sql, D, "t.sql").expect("parses")
    }

    #[test]
    fn header_and_body_are_cut_apart() {
        let p = parse_create_trigger(
            "create   trigger if not exists \"Tr 1\" before update of a, \"B\" on T for each row \
             when new.a is not null and (select 1) = 1 and old.a is new.a\nbegin\n  -- why\n  select raise(abort, \
             'nope') where new.b < 0;\n  update t set b = b + 1 where id = new.id; -- done\nend",
            "",
        )
        .expect("reads");
        assert!(p.if_not_exists && !p.temporary);
        let t = p.trigger;
        assert_eq!(t.name, "Tr 1");
        assert_eq!(t.table, QualifiedName::new("", "T"));
        assert_eq!(t.timing, TriggerTiming::Before);
        assert_eq!(
            t.events,
            vec![TriggerEvent::Update {
                columns: vec!["a".into(), "B".into()]
            }]
        );
        assert_eq!(
            t.when.as_ref().map(|w| w.sql.as_str()),
            Some("new.a is not null and (select 1) = 1 and old.a is new.a")
        );
        let TriggerAction::Body { body } = &t.action else {
            panic!("body")
        };
        assert!(body.sql.starts_with("-- why"), "{}", body.sql);
        assert!(body.sql.ends_with("new.id;"), "{}", body.sql);
        assert_eq!(
            *body,
            dia::body(
                D,
                "select raise(abort, 'nope') where new.b < 0; update t set b = b + 1 where id = new.id;"
            )
        );
    }

    #[test]
    fn timings_and_events() {
        let t = |sql: &str| parse_create_trigger(sql, "").expect("reads").trigger;
        let x = t("CREATE TRIGGER x AFTER DELETE ON t BEGIN DELETE FROM u WHERE id = old.id; END");
        assert_eq!(
            (x.timing, x.events),
            (TriggerTiming::After, vec![TriggerEvent::Delete])
        );
        let x =
            t("CREATE TRIGGER x INSTEAD OF INSERT ON v BEGIN INSERT INTO t VALUES (new.a); END");
        assert_eq!(x.timing, TriggerTiming::InsteadOf);
        let x = t("CREATE TRIGGER x INSERT ON t BEGIN SELECT CASE WHEN new.a THEN 1 END; END");
        assert_eq!(
            (x.timing, x.events),
            (TriggerTiming::Before, vec![TriggerEvent::Insert])
        );
        assert!(x.when.is_none());
        let p = parse_create_trigger(
            "CREATE TEMP TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END",
            "",
        )
        .expect("reads");
        assert!(p.temporary);
        for bad in [
            "CREATE TRIGGER x AFTER INSERT ON t SELECT 1",
            "CREATE TRIGGER x AFTER INSERT ON t FOR EACH STATEMENT BEGIN SELECT 1; END",
            "CREATE TRIGGER x AFTER TRUNCATE ON t BEGIN SELECT 1; END",
        ] {
            assert!(parse_create_trigger(bad, "").is_err(), "{bad}");
        }
    }

    #[test]
    fn file_order_temp_if_not_exists_and_drop() {
        let l = read(
            "CREATE TABLE Items (id INTEGER PRIMARY KEY, Qty INT);
             CREATE TRIGGER a AFTER UPDATE OF qty ON items BEGIN SELECT 1; END;
             CREATE TRIGGER IF NOT EXISTS A AFTER INSERT ON items BEGIN SELECT 2; END;
             CREATE TEMP TRIGGER tmp AFTER INSERT ON items BEGIN SELECT 3; END;
             CREATE TRIGGER gone AFTER INSERT ON items BEGIN SELECT 4; END;
             DROP TRIGGER GONE;
             DROP TRIGGER IF EXISTS never;
             CREATE TRIGGER orphan AFTER INSERT ON nowhere BEGIN SELECT 5; END;",
        );
        let ns = &l.schema.namespaces[""];
        let keys: Vec<&String> = ns.triggers.keys().collect();
        assert_eq!(keys, ["Items.a"]);
        let t = &ns.triggers["Items.a"];
        assert_eq!(t.table.name, "Items");
        assert_eq!(
            t.events,
            vec![TriggerEvent::Update {
                columns: vec!["Qty".into()]
            }]
        );
        let messages: Vec<&str> = l.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("temporary trigger tmp"),
            "{messages:?}"
        );
        assert!(messages[1].contains("orphan"), "{messages:?}");
        assert!(
            l.warnings[0]
                .location
                .as_deref()
                .is_some_and(|l| l.starts_with("t.sql:4:")),
            "{:?}",
            l.warnings[0]
        );
    }

    #[test]
    fn a_renamed_table_keeps_its_triggers() {
        let l = read(
            "CREATE TABLE t (id INTEGER PRIMARY KEY);
             CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END;
             ALTER TABLE t RENAME TO u;",
        );
        let keys: Vec<&String> = l.schema.namespaces[""].triggers.keys().collect();
        assert_eq!(keys, ["u.x"]);
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }

    #[test]
    fn dropping_the_table_drops_its_triggers() {
        let l = read(
            "CREATE TABLE t (id INTEGER PRIMARY KEY);
             CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END;
             DROP TABLE t;
             CREATE TABLE t (id INTEGER PRIMARY KEY);",
        );
        assert!(l.schema.namespaces[""].triggers.is_empty());
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    }
}
