//! Diagnostics: problems in the user's input as data (file, line, column, message), rendered
//! rustc-style for people (annotate-snippets) or as JSON for machines.
//!
//! Input: a diagnostic and the source text it points into. Output: text. Allowed dependencies:
//! serde, annotate-snippets. No I/O.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use serde::Serialize;

/// A problem at a position in a source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    /// 1-based.
    pub line: u64,
    /// 1-based, in characters.
    pub column: u64,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// Renders a diagnostic with the source line it points at (plain text, no colours).
pub fn render(d: &Diagnostic, source: &str) -> String {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let Some(offset) = byte_offset(source, d.line, d.column) else {
        return format!(
            "{}: {}:{}:{}: {}",
            severity_word(d.severity),
            d.file,
            d.line,
            d.column,
            d.message
        );
    };
    // Underline the word at the position (at least one character).
    let rest = &source[offset..];
    let word = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .map(char::len_utf8)
        .sum::<usize>();
    let len = if word > 0 {
        word
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    let report = &[level.primary_title(&d.message).element(
        Snippet::source(source)
            .path(&d.file)
            .annotation(AnnotationKind::Primary.span(offset..offset + len)),
    )];
    Renderer::plain().render(report).to_string()
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The byte offset of a 1-based line and character column.
fn byte_offset(source: &str, line: u64, column: u64) -> Option<usize> {
    let before = line.checked_sub(1)? as usize;
    if before > 0 && source.split_inclusive('\n').count() <= before {
        return None;
    }
    let start: usize = source
        .split_inclusive('\n')
        .take(before)
        .map(str::len)
        .sum();
    let text = &source[start..];
    let col = column.saturating_sub(1) as usize;
    let off = text
        .char_indices()
        .nth(col)
        .map(|(i, _)| i)
        .or_else(|| (col == text.chars().count()).then_some(text.len()))?;
    Some(start + off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_the_word() {
        let src = "CREATE TABLE a (\n  x int,\n  y foo bar\n);\n";
        let d = Diagnostic {
            severity: Severity::Error,
            file: "s.sql".into(),
            line: 3,
            column: 9,
            message: "unexpected bar".into(),
        };
        let out = render(&d, src);
        assert!(out.contains("error: unexpected bar"), "{out}");
        assert!(out.contains("s.sql:3:9"), "{out}");
        assert!(out.contains("y foo bar"), "{out}");
        assert!(out.contains("^^^"), "{out}");
    }

    #[test]
    fn out_of_range_position_still_renders() {
        let d = Diagnostic {
            severity: Severity::Error,
            file: "s.sql".into(),
            line: 99,
            column: 1,
            message: "m".into(),
        };
        assert_eq!(render(&d, "x"), "error: s.sql:99:1: m");
    }
}
