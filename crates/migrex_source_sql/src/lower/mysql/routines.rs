//! MySQL / MariaDB triggers and stored routines (functions and procedures) from DDL.
//!
//! Read from tokens, not from sqlparser's AST, on purpose: sqlparser 0.63 has no MySQL
//! `CREATE FUNCTION` (it parses PostgreSQL's, Hive's, BigQuery's and MSSQL's), its
//! `CREATE PROCEDURE` wants MSSQL's `AS`, and its trigger bodies are re-printed statements that
//! reject much of MySQL's compound-statement syntax (`DECLARE ... HANDLER`, labels, `LEAVE`).
//! The model keeps a body as the server stores it (`TRIGGERS.ACTION_STATEMENT`,
//! `ROUTINES.ROUTINE_DEFINITION`: the text as written, from the first token after the header),
//! so the header is read token by token with sqlparser's tokenizer (quoting, comments and
//! escapes are its) and the body is sliced verbatim out of the statement. Types go through
//! `migrex_dialect::mysql::routine_type`, the function live introspection uses.
//! `DEFINER = ...` is ignored without a warning: the account is the deployer's, not the schema's.

use super::tokens::Cursor;
use migrex_dialect::mysql::{self as my, Flavor};
use migrex_model::{
    ArgMode, Dialect, Function, FunctionArg, FunctionAttributes, QualifiedName, RoutineKind,
    Trigger, TriggerAction, TriggerEvent, TriggerTiming,
};
use sqlparser::tokenizer::Token;

use super::{DB_CHARSET, DB_COLLATION, FLAVOR};

/// What a statement declares or removes.
#[derive(Debug)]
pub(crate) enum Object {
    Trigger(Trigger),
    Routine(Function),
    /// `DROP TRIGGER|FUNCTION|PROCEDURE [IF EXISTS] name`.
    Drop {
        kind: DropKind,
        name: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropKind {
    Trigger,
    Routine(RoutineKind),
}

/// Reads `text` when it creates or drops a trigger or routine: `None` for any other statement,
/// `Some(Err)` with the reason when it does but cannot be read.
pub(crate) fn read(text: &str, ns: &str) -> Option<Result<Object, String>> {
    let mut c = Cursor::new(text).ok()?;
    if c.eat_kw("DROP") {
        let kind = if c.eat_kw("TRIGGER") {
            DropKind::Trigger
        } else if c.eat_kw("FUNCTION") {
            DropKind::Routine(RoutineKind::Function)
        } else if c.eat_kw("PROCEDURE") {
            DropKind::Routine(RoutineKind::Procedure)
        } else {
            return None;
        };
        c.eat_kws(&["IF", "EXISTS"]);
        return Some(c.name().map(|name| Object::Drop { kind, name }));
    }
    if !c.eat_kw("CREATE") {
        return None;
    }
    c.eat_kws(&["OR", "REPLACE"]);
    c.skip_definer();
    match c.peek_kw()?.as_str() {
        "TRIGGER" => {
            c.i += 1;
            Some(trigger(&mut c, ns).map(Object::Trigger))
        }
        "FUNCTION" | "PROCEDURE" => {
            let kind = if c.eat_kw("FUNCTION") {
                RoutineKind::Function
            } else {
                c.i += 1;
                RoutineKind::Procedure
            };
            Some(routine(&mut c, kind).map(Object::Routine))
        }
        "AGGREGATE" => Some(Err(
            "MariaDB stored aggregate functions are not modeled".into()
        )),
        _ => None,
    }
}

fn trigger(c: &mut Cursor, ns: &str) -> Result<Trigger, String> {
    c.eat_kws(&["IF", "NOT", "EXISTS"]);
    let name = c.name()?;
    let timing = match c.peek_kw().as_deref() {
        Some("BEFORE") => TriggerTiming::Before,
        Some("AFTER") => TriggerTiming::After,
        _ => return Err(format!("expected BEFORE or AFTER, found {}", c.describe())),
    };
    c.i += 1;
    let event = match c.peek_kw().as_deref() {
        Some("INSERT") => TriggerEvent::Insert,
        Some("UPDATE") => TriggerEvent::Update {
            columns: Vec::new(),
        },
        Some("DELETE") => TriggerEvent::Delete,
        _ => {
            return Err(format!(
                "expected INSERT, UPDATE or DELETE, found {}",
                c.describe()
            ));
        }
    };
    c.i += 1;
    c.expect_kw("ON")?;
    let table = c.name()?;
    c.expect_kw("FOR")?;
    c.expect_kw("EACH")?;
    c.expect_kw("ROW")?;
    let order = match c.peek_kw().as_deref() {
        Some(w @ ("FOLLOWS" | "PRECEDES")) => {
            let w = w.to_string();
            c.i += 1;
            Some(format!("{w} {}", c.name()?))
        }
        _ => None,
    };
    let body = body(c)?;
    Ok(Trigger {
        name,
        table: QualifiedName::new(ns, table),
        timing,
        events: vec![event],
        for_each_row: true,
        when: None,
        action: TriggerAction::Body { body },
        constraint: None,
        old_table: None,
        new_table: None,
        order,
        comment: None,
    })
}

fn routine(c: &mut Cursor, kind: RoutineKind) -> Result<Function, String> {
    c.eat_kws(&["IF", "NOT", "EXISTS"]);
    let name = c.name()?;
    let args = params(c)?;
    let returns = if kind == RoutineKind::Function {
        c.expect_kw("RETURNS")?;
        let start = c.offset();
        skip_type(c)?;
        let spelled = &c.text[start..c.prev_end()];
        if c.is_kw("SONAME") {
            return Err("loadable (UDF) functions are not modeled".into());
        }
        Some(model_type(spelled))
    } else {
        None
    };
    let mut attributes = FunctionAttributes {
        // MySQL's default is SQL SECURITY DEFINER.
        security_definer: true,
        ..FunctionAttributes::default()
    };
    let mut comment = None;
    loop {
        if c.eat_kw("COMMENT") {
            let text = c.string()?;
            comment = (!text.is_empty()).then_some(text);
        } else if c.eat_kws(&["LANGUAGE", "SQL"]) {
        } else if c.eat_kws(&["NOT", "DETERMINISTIC"]) {
            attributes.deterministic = false;
        } else if c.eat_kw("DETERMINISTIC") {
            attributes.deterministic = true;
        } else if c.eat_kws(&["CONTAINS", "SQL"]) {
            attributes.data_access = None;
        } else if c.eat_kws(&["NO", "SQL"]) {
            attributes.data_access = Some("NO SQL".into());
        } else if c.eat_kws(&["READS", "SQL", "DATA"]) {
            attributes.data_access = Some("READS SQL DATA".into());
        } else if c.eat_kws(&["MODIFIES", "SQL", "DATA"]) {
            attributes.data_access = Some("MODIFIES SQL DATA".into());
        } else if c.eat_kws(&["SQL", "SECURITY"]) {
            attributes.security_definer = match c.peek_kw().as_deref() {
                Some("DEFINER") => true,
                Some("INVOKER") => false,
                _ => {
                    return Err(format!(
                        "expected DEFINER or INVOKER, found {}",
                        c.describe()
                    ));
                }
            };
            c.i += 1;
        } else {
            break;
        }
    }
    let body = body(c)?;
    Ok(Function {
        name,
        kind,
        args,
        returns,
        language: "sql".into(),
        body,
        attributes,
        comment,
        depends_on: Vec::new(),
        aggregate: None,
    })
}

/// `( [IN|OUT|INOUT] name type, ... )`.
fn params(c: &mut Cursor) -> Result<Vec<FunctionArg>, String> {
    c.expect(&Token::LParen)?;
    let mut args = Vec::new();
    if c.eat(&Token::RParen) {
        return Ok(args);
    }
    loop {
        let mode = if c.eat_kw("INOUT") || c.eat_kws(&["IN", "OUT"]) {
            ArgMode::InOut
        } else if c.eat_kw("OUT") {
            ArgMode::Out
        } else {
            c.eat_kw("IN");
            ArgMode::In
        };
        let name = c.name()?;
        let start = c.offset();
        let mut depth = 0i32;
        while let Some(t) = c.peek() {
            match t {
                Token::LParen => depth += 1,
                Token::RParen if depth == 0 => break,
                Token::RParen => depth -= 1,
                Token::Comma if depth == 0 => break,
                _ => {}
            }
            c.i += 1;
        }
        let spelled = &c.text[start..c.prev_end().max(start)];
        if spelled.trim().is_empty() {
            return Err(format!("parameter {name} has no type"));
        }
        args.push(FunctionArg {
            mode,
            name: Some(name),
            ty: model_type(spelled),
            default: None,
        });
        if c.eat(&Token::Comma) {
            continue;
        }
        c.expect(&Token::RParen)?;
        return Ok(args);
    }
}

/// A type in the model's form (see `migrex_dialect::mysql::routine_type`). The database the DDL
/// is loaded into is assumed to have the server's default charset and collation, as for tables.
fn model_type(spelled: &str) -> String {
    let (ty, cs, coll) = my::split_type_charset(spelled, DB_CHARSET);
    let flavor: Flavor = FLAVOR;
    my::routine_type(
        flavor,
        &ty,
        cs.as_deref(),
        coll.as_deref(),
        DB_CHARSET,
        DB_COLLATION,
    )
}

/// Words that continue a type after its first word (`INT UNSIGNED`, `DOUBLE PRECISION`,
/// `CHARACTER VARYING`, `NATIONAL CHAR`, `VARCHAR(10) BINARY`).
const TYPE_WORDS: &[&str] = &[
    "UNSIGNED",
    "SIGNED",
    "ZEROFILL",
    "PRECISION",
    "VARYING",
    "VARCHAR",
    "VARCHARACTER",
    "CHAR",
    "CHARACTER",
    "BYTE",
    "ASCII",
    "UNICODE",
    "BINARY",
    "INT",
    "INTEGER",
];

/// Skips a return type: its first word, argument lists, attribute words and charset clauses.
fn skip_type(c: &mut Cursor) -> Result<(), String> {
    if !matches!(c.peek(), Some(Token::Word(_))) {
        return Err(format!("expected a type, found {}", c.describe()));
    }
    c.i += 1;
    loop {
        if c.peek() == Some(&Token::LParen) {
            c.group()?;
            continue;
        }
        if c.eat_kw("CHARSET") || c.eat_kws(&["CHARACTER", "SET"]) || c.eat_kws(&["CHAR", "SET"]) {
            c.name()?;
            continue;
        }
        if c.eat_kw("COLLATE") {
            c.name()?;
            continue;
        }
        match c.peek_kw() {
            Some(w) if TYPE_WORDS.contains(&w.as_str()) => c.i += 1,
            _ => return Ok(()),
        }
    }
}

/// The rest of the statement, verbatim: the body as the server stores it (a `;` written before a
/// custom delimiter, `END; //`, ends the statement and is no part of it).
fn body(c: &Cursor) -> Result<migrex_model::Expr, String> {
    let text = c.text[c.offset()..]
        .trim()
        .trim_end_matches(|ch: char| ch == ';' || ch.is_whitespace());
    if text.is_empty() {
        return Err("the body is missing".into());
    }
    Ok(migrex_dialect::body(Dialect::Mysql, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ok(sql: &str) -> Object {
        read(sql, "").expect("recognized").expect("read")
    }

    #[test]
    fn triggers_keep_their_body_verbatim() {
        let Object::Trigger(t) = read_ok(
            "CREATE DEFINER=`root`@`localhost` TRIGGER `upd` AFTER UPDATE ON film FOR EACH ROW BEGIN\n  IF (old.title != new.title) THEN\n    UPDATE t SET x = 1;\n  END IF;\nEND",
        ) else {
            panic!("a trigger")
        };
        assert_eq!(t.name, "upd");
        assert_eq!(t.table.name, "film");
        assert_eq!(t.timing, TriggerTiming::After);
        assert_eq!(
            t.events,
            vec![TriggerEvent::Update {
                columns: Vec::new()
            }]
        );
        let TriggerAction::Body { body } = &t.action else {
            panic!("a body")
        };
        assert!(
            body.sql.starts_with("BEGIN\n  IF (old.title"),
            "{}",
            body.sql
        );
        assert!(body.sql.ends_with("END IF;\nEND"));
        let Object::Trigger(t) = read_ok(
            "CREATE DEFINER='root'@'%' TRIGGER b BEFORE INSERT ON t FOR EACH ROW FOLLOWS a SET NEW.x = 1",
        ) else {
            panic!("a trigger")
        };
        assert_eq!(t.order.as_deref(), Some("FOLLOWS a"));
    }

    #[test]
    fn routines_read_header_and_body() {
        let Object::Routine(f) = read_ok(
            "CREATE FUNCTION get_balance(p_id INT, p_date DATETIME, s varchar(10) CHARSET latin1) RETURNS DECIMAL(5,2)\n    DETERMINISTIC\n    READS SQL DATA\n    COMMENT 'it''s'\nBEGIN\n  # a comment\n  RETURN 1;\nEND",
        ) else {
            panic!("a routine")
        };
        assert_eq!(f.kind, RoutineKind::Function);
        assert_eq!(
            f.identity(),
            "get_balance(int, datetime, varchar(10) CHARACTER SET latin1)"
        );
        assert_eq!(f.returns.as_deref(), Some("decimal(5,2)"));
        assert!(f.attributes.deterministic);
        assert!(f.attributes.security_definer);
        assert_eq!(f.attributes.data_access.as_deref(), Some("READS SQL DATA"));
        assert_eq!(f.comment.as_deref(), Some("it's"));
        assert_eq!(
            f.body,
            migrex_dialect::body(Dialect::Mysql, "BEGIN RETURN 1; END")
        );

        let Object::Routine(p) = read_ok(
            "CREATE PROCEDURE rewards (IN a TINYINT UNSIGNED, OUT b INT, INOUT c TEXT)\nLANGUAGE SQL\nNOT DETERMINISTIC\nSQL SECURITY INVOKER\nproc: BEGIN\n  LEAVE proc;\nEND",
        ) else {
            panic!("a routine")
        };
        assert_eq!(p.kind, RoutineKind::Procedure);
        assert_eq!(p.returns, None);
        assert_eq!(
            p.args.iter().map(|a| a.mode).collect::<Vec<_>>(),
            vec![ArgMode::In, ArgMode::Out, ArgMode::InOut]
        );
        assert_eq!(p.identity(), "rewards(tinyint unsigned, text)");
        assert!(!p.attributes.security_definer);
        assert!(p.body.sql.starts_with("proc: BEGIN"));

        let Object::Routine(f) = read_ok("CREATE FUNCTION f() RETURNS int NO SQL RETURN 42 ;")
        else {
            panic!("a routine")
        };
        assert_eq!(f.body.sql, "RETURN 42");
        assert_eq!(f.attributes.data_access.as_deref(), Some("NO SQL"));
    }

    #[test]
    fn drops_and_other_statements() {
        assert!(matches!(
            read_ok("DROP TRIGGER IF EXISTS `x`"),
            Object::Drop {
                kind: DropKind::Trigger,
                ..
            }
        ));
        assert!(read("CREATE TABLE t (a int)", "").is_none());
        assert!(read("DROP TABLE t", "").is_none());
        assert!(matches!(read("CREATE FUNCTION f(", ""), Some(Err(_))));
    }
}
