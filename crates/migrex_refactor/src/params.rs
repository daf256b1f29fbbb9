//! Recipe parameters, from command-line flags or a TOML recipe file.

use crate::{ParamKind, Recipe, RefactorError};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A parameter's value as written: a string, a list (`columns = ["a", "b"]`), a flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Flag(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
}

/// The parameters of one recipe, by name (`table`, `columns`, `key-name`; `_` and `-` are the same).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Params(pub IndexMap<String, ParamValue>);

impl Params {
    pub fn new() -> Params {
        Params::default()
    }

    /// Sets a parameter (names are normalized to kebab-case).
    pub fn set(&mut self, name: &str, value: ParamValue) -> &mut Params {
        self.0.insert(name.replace('_', "-"), value);
        self
    }

    pub fn with(mut self, name: &str, value: &str) -> Params {
        self.set(name, ParamValue::Text(value.to_string()));
        self
    }

    pub fn with_flag(mut self, name: &str) -> Params {
        self.set(name, ParamValue::Flag(true));
        self
    }

    fn get(&self, name: &str) -> Option<&ParamValue> {
        self.0
            .iter()
            .find(|(k, _)| k.replace('_', "-") == name)
            .map(|(_, v)| v)
    }

    /// Every parameter is known to `recipe` and has the right kind; the required ones are set.
    pub(crate) fn check(&self, recipe: &Recipe) -> Result<(), RefactorError> {
        for (name, value) in &self.0 {
            let norm = name.replace('_', "-");
            let Some(p) = recipe.params.iter().find(|p| p.name == norm) else {
                return Err(RefactorError::UnknownParam {
                    recipe: recipe.name.into(),
                    param: name.clone(),
                    accepted: recipe
                        .params
                        .iter()
                        .map(|p| p.name)
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            let ok = matches!(
                (p.kind, value),
                (ParamKind::Flag, ParamValue::Flag(_))
                    | (ParamKind::Text, ParamValue::Text(_) | ParamValue::Int(_))
                    | (ParamKind::List, ParamValue::Text(_) | ParamValue::List(_))
            );
            if !ok {
                return Err(RefactorError::BadParam {
                    recipe: recipe.name.into(),
                    param: norm,
                    message: match p.kind {
                        ParamKind::Flag => "expected true or false".into(),
                        ParamKind::Text => "expected a string".into(),
                        ParamKind::List => "expected a comma-separated string or a list".into(),
                    },
                });
            }
        }
        for p in recipe.params.iter().filter(|p| p.required) {
            if self.get(p.name).is_none() {
                return Err(RefactorError::MissingParam {
                    recipe: recipe.name.into(),
                    param: p.name.into(),
                });
            }
        }
        Ok(())
    }

    /// A text parameter, or `None`.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            ParamValue::Text(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            ParamValue::Int(i) => Some(i.to_string()),
            _ => None,
        }
    }

    /// A required text parameter.
    pub(crate) fn req(&self, recipe: &str, name: &str) -> Result<String, RefactorError> {
        self.text(name).ok_or_else(|| RefactorError::MissingParam {
            recipe: recipe.into(),
            param: name.into(),
        })
    }

    /// A list parameter (`a,b` or a list); empty when absent.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        match self.get(name) {
            Some(ParamValue::Text(s)) => s
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            Some(ParamValue::List(l)) => l.iter().map(|s| s.trim().to_string()).collect(),
            _ => Vec::new(),
        }
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some(ParamValue::Flag(true)))
    }
}

/// A TOML recipe file: several recipes applied in sequence.
///
/// ```toml
/// batch_size = 5000          # optional, for every step
///
/// [[step]]
/// recipe = "split-table"
/// table = "products"
/// into = "variants"
/// columns = ["sku", "price", "stock"]
///
/// [[step]]
/// recipe = "split-table"
/// table = "products"
/// into = "attributes"
/// columns = "color,size"
/// one-to-one = true
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipeFile {
    #[serde(default, alias = "batch-size")]
    pub batch_size: Option<u32>,
    #[serde(default, rename = "step")]
    pub steps: Vec<RecipeStep>,
}

/// One `[[step]]` of a recipe file: the recipe's name and its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipeStep {
    pub recipe: String,
    #[serde(default)]
    pub online: bool,
    #[serde(default, alias = "batch-size")]
    pub batch_size: Option<u32>,
    #[serde(flatten)]
    pub params: Params,
}

impl RecipeFile {
    /// Parses a recipe file's text.
    pub fn parse(text: &str) -> Result<RecipeFile, RefactorError> {
        toml::from_str(text).map_err(|e| RefactorError::File(e.to_string()))
    }
}
