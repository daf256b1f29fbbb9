//! Python source files as ASTs (rustpython-parser: a maintained Python 3 parser with byte
//! ranges), with the small evaluations model files need: dotted names, keyword arguments and
//! literal values. Models are read, never run; what is not a literal is reported at its line.

use crate::OrmError;
use rustpython_parser::ast::{self, Constant, Expr, Ranged};
use rustpython_parser::text_size::{TextRange, TextSize};
use rustpython_parser::{Parse, ParseErrorType};
use std::path::{Path, PathBuf};

/// A parsed Python file.
#[derive(Debug, Clone)]
pub struct PyFile {
    pub path: PathBuf,
    pub text: String,
    pub suite: ast::Suite,
    line_starts: Vec<usize>,
}

impl PyFile {
    pub fn read(path: &Path) -> Result<PyFile, OrmError> {
        let text = std::fs::read_to_string(path).map_err(|e| OrmError::io(path, e))?;
        PyFile::parse(path, text)
    }

    pub fn parse(path: &Path, text: String) -> Result<PyFile, OrmError> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut file = PyFile {
            path: path.to_path_buf(),
            text,
            suite: Vec::new(),
            line_starts,
        };
        match ast::Suite::parse(&file.text, &path.display().to_string()) {
            Ok(suite) => file.suite = suite,
            Err(e) => {
                let message = match &e.error {
                    ParseErrorType::Eof => "unexpected end of file".to_string(),
                    other => other.to_string(),
                };
                return Err(file.error_at_offset(e.offset, format!("invalid Python: {message}")));
            }
        }
        Ok(file)
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: TextSize) -> (u64, u64) {
        let offset = (u32::from(offset) as usize).min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (line as u64, column as u64)
    }

    /// `file:line:column` of a node, for provenance and warnings.
    pub fn location(&self, node: &impl Ranged) -> String {
        let (line, column) = self.position(node.start());
        format!("{}:{line}:{column}", self.path.display())
    }

    /// The source text of a node, as written.
    pub fn source(&self, node: &impl Ranged) -> &str {
        let range: TextRange = node.range();
        &self.text[u32::from(range.start()) as usize..u32::from(range.end()) as usize]
    }

    /// An input error pointing at a node.
    pub fn error_at(&self, node: &impl Ranged, message: impl Into<String>) -> OrmError {
        self.error_at_offset(node.start(), message.into())
    }

    fn error_at_offset(&self, offset: TextSize, message: String) -> OrmError {
        let (line, column) = self.position(offset);
        OrmError::at(&self.path, &self.text, line, column, message)
    }
}

/// `a.b.c` for a name or an attribute chain (`models.CharField`), else `None`.
pub fn dotted_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(format!("{}.{}", dotted_name(&a.value)?, a.attr)),
        _ => None,
    }
}

/// The last part of a dotted name (`CharField` for `models.CharField`).
pub fn simple_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => Some(a.attr.to_string()),
        _ => None,
    }
}

/// The value of keyword argument `name` in a call.
pub fn keyword<'a>(call: &'a ast::ExprCall, name: &str) -> Option<&'a Expr> {
    call.keywords
        .iter()
        .find(|k| k.arg.as_deref() == Some(name))
        .map(|k| &k.value)
}

/// A Python literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    /// A list or a tuple.
    List(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

impl Literal {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Literal::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Literal::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Literal::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The strings of a list or tuple of strings.
    pub fn as_str_list(&self) -> Option<Vec<String>> {
        match self {
            Literal::List(items) => items.iter().map(|i| i.as_str().map(String::from)).collect(),
            _ => None,
        }
    }
}

/// Evaluates a literal expression (strings, numbers, booleans, None, lists, tuples, dicts,
/// unary minus, implicit string concatenation); `None` for anything else.
pub fn literal(expr: &Expr) -> Option<Literal> {
    match expr {
        Expr::Constant(c) => constant(&c.value),
        Expr::List(l) => l
            .elts
            .iter()
            .map(literal)
            .collect::<Option<_>>()
            .map(Literal::List),
        Expr::Tuple(t) => t
            .elts
            .iter()
            .map(literal)
            .collect::<Option<_>>()
            .map(Literal::List),
        Expr::Dict(d) => d
            .keys
            .iter()
            .zip(&d.values)
            .map(|(k, v)| Some((literal(k.as_ref()?)?, literal(v)?)))
            .collect::<Option<_>>()
            .map(Literal::Dict),
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOp::USub) => match literal(&u.operand)? {
            Literal::Int(i) => Some(Literal::Int(-i)),
            Literal::Float(f) => Some(Literal::Float(-f)),
            _ => None,
        },
        _ => None,
    }
}

fn constant(value: &Constant) -> Option<Literal> {
    match value {
        Constant::Str(s) => Some(Literal::Str(s.clone())),
        Constant::Int(i) => i64::try_from(i).ok().map(Literal::Int),
        Constant::Float(f) => Some(Literal::Float(*f)),
        Constant::Bool(b) => Some(Literal::Bool(*b)),
        Constant::None => Some(Literal::None),
        Constant::Tuple(items) => items
            .iter()
            .map(constant)
            .collect::<Option<_>>()
            .map(Literal::List),
        _ => None,
    }
}

/// Python files under a folder, sorted, skipping virtual environments, caches and hidden folders.
pub fn python_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, &mut out);
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if path.is_dir() {
            let skip = name.starts_with('.')
                || matches!(
                    name.as_str(),
                    "__pycache__" | "node_modules" | "venv" | "env" | "site-packages"
                )
                || path.join("pyvenv.cfg").exists();
            if !skip {
                walk(&path, out);
            }
        } else if name.ends_with(".py") {
            out.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_names_and_positions() {
        let text = "x = models.CharField(max_length=-3, choices=[('a', 1)], db_table='t' 'u')\n";
        let file = PyFile::parse(Path::new("m.py"), text.to_string()).unwrap();
        let ast::Stmt::Assign(assign) = &file.suite[0] else {
            panic!("not an assignment")
        };
        let Expr::Call(call) = assign.value.as_ref() else {
            panic!("not a call")
        };
        assert_eq!(dotted_name(&call.func).as_deref(), Some("models.CharField"));
        assert_eq!(
            literal(keyword(call, "max_length").unwrap()),
            Some(Literal::Int(-3))
        );
        assert_eq!(
            literal(keyword(call, "choices").unwrap()),
            Some(Literal::List(vec![Literal::List(vec![
                Literal::Str("a".into()),
                Literal::Int(1)
            ])]))
        );
        assert_eq!(
            literal(keyword(call, "db_table").unwrap())
                .unwrap()
                .as_str(),
            Some("tu")
        );
        assert_eq!(file.location(call), "m.py:1:5");
    }

    #[test]
    fn syntax_error_has_a_position() {
        let err = PyFile::parse(Path::new("m.py"), "class A(:\n    pass\n".into()).unwrap_err();
        let OrmError::Input { diagnostic, .. } = err else {
            panic!("not an input error")
        };
        assert_eq!((diagnostic.file.as_str(), diagnostic.line), ("m.py", 1));
    }
}
