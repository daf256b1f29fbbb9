//! Asking a person about likely renames, one by one, the way Django's makemigrations does:
//! `Was users.name renamed to users.full_name (a varchar(100) column)? [y/N]`. Questions go to
//! stderr and answers come from stdin, so stdout stays the SQL; we ask only when both are a
//! terminal. Every answer is applied before the next question is chosen: a confirmed table
//! rename makes its columns comparable, and a confirmed column leaves its other pairings moot.

use migrex::model::{Loaded, RenameCandidate, Renames};
use std::io::{self, BufRead, IsTerminal, Write};

/// Whoever answers the questions.
pub trait Answer {
    /// `Some(yes)`, or `None` when no answer will come (end of input): stop asking.
    fn confirm(&mut self, question: &str) -> io::Result<Option<bool>>;
}

/// True when a person can be asked: stdin and stderr are both terminals.
pub fn interactive() -> bool {
    io::stdin().is_terminal() && io::stderr().is_terminal()
}

/// Questions on stderr, answers from stdin.
pub struct Terminal;

impl Answer for Terminal {
    fn confirm(&mut self, question: &str) -> io::Result<Option<bool>> {
        let stdin = io::stdin();
        let mut err = io::stderr();
        loop {
            write!(err, "{question} [y/N] ")?;
            err.flush()?;
            let mut line = String::new();
            if stdin.lock().read_line(&mut line)? == 0 {
                writeln!(err)?;
                return Ok(None);
            }
            match parse_answer(&line) {
                Some(yes) => return Ok(Some(yes)),
                None => writeln!(err, "Please answer y or n.")?,
            }
        }
    }
}

/// `y`/`yes` or `n`/`no` (any case); an empty line is the default, no.
fn parse_answer(line: &str) -> Option<bool> {
    match line.trim().to_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// Asks about each likely table or column rename from `from` to `to` not yet in `renames`,
/// adding the confirmed ones to `renames`. Returns the declined candidates (the plan keeps
/// those as drop and add without warning about them again). Stops at the end of input.
pub fn ask_renames(
    from: &Loaded,
    to: &Loaded,
    renames: &mut Renames,
    answer: &mut dyn Answer,
) -> io::Result<Vec<RenameCandidate>> {
    let dialect = to.schema.dialect;
    let mut declined: Vec<RenameCandidate> = Vec::new();
    loop {
        let next = migrex::rename_candidates(from, to, renames)
            .into_iter()
            .find(|c| c.kind.asks() && !declined.contains(c));
        let Some(c) = next else {
            return Ok(declined);
        };
        match answer.confirm(&migrex::rename_question(dialect, &c))? {
            Some(true) => {
                renames.confirm(&c);
            }
            Some(false) => declined.push(c),
            None => return Ok(declined),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migrex::model::Dialect;

    /// Answers from a list, recording the questions.
    struct Scripted {
        answers: Vec<bool>,
        asked: Vec<String>,
    }

    impl Answer for Scripted {
        fn confirm(&mut self, question: &str) -> io::Result<Option<bool>> {
            self.asked.push(question.to_string());
            Ok((!self.answers.is_empty()).then(|| self.answers.remove(0)))
        }
    }

    fn load(sql: &str) -> Loaded {
        migrex::parse_sql(sql, Dialect::Postgres, "t.sql").unwrap()
    }

    #[test]
    fn answers() {
        assert_eq!(parse_answer("y\n"), Some(true));
        assert_eq!(parse_answer(" YES "), Some(true));
        assert_eq!(parse_answer("\n"), Some(false));
        assert_eq!(parse_answer("No"), Some(false));
        assert_eq!(parse_answer("maybe"), None);
    }

    #[test]
    fn a_confirmed_table_brings_its_columns_and_declined_ones_are_not_asked_again() {
        let from = load(
            "CREATE TABLE users (id int PRIMARY KEY, name varchar(100), bio text);\nCREATE TABLE t (id int, a text, b text);",
        );
        let to = load(
            "CREATE TABLE accounts (id int PRIMARY KEY, full_name varchar(100), bio text);\nCREATE TABLE t (id int, c text);",
        );
        let mut renames = Renames::default();
        let mut answer = Scripted {
            answers: vec![true, true, false, true],
            asked: Vec::new(),
        };
        let declined = ask_renames(&from, &to, &mut renames, &mut answer).unwrap();
        assert_eq!(
            answer.asked,
            [
                "Was table users renamed to accounts (columns id, full_name, bio; before: id, name, bio)?",
                // Asked only once the table rename made the two tables one.
                "Was accounts.name renamed to accounts.full_name (a character varying(100) column)?",
                "Was t.a renamed to t.c (a text column)?",
                "Was t.b renamed to t.c (a text column)?",
            ]
        );
        assert_eq!(renames.tables.len(), 1);
        assert_eq!(
            renames.columns.values().cloned().collect::<Vec<_>>(),
            ["full_name", "c"]
        );
        assert_eq!(declined.len(), 1);
        assert_eq!(declined[0].from, "a");

        // The end of input stops the questions: nothing confirmed, nothing declined.
        let mut renames = Renames::default();
        let mut silent = Scripted {
            answers: vec![],
            asked: Vec::new(),
        };
        let declined = ask_renames(&from, &to, &mut renames, &mut silent).unwrap();
        assert_eq!(silent.asked.len(), 1);
        assert!(declined.is_empty() && renames.is_empty());
    }
}
