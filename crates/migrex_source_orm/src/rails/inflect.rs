//! ActiveSupport's English inflections (activesupport 6.1 `inflections.rb`), ported rule for
//! rule: plurals, singulars, irregulars and uncountables, applied the way
//! `Inflector#apply_inflections` does (newest rule first, the first that matches wins), and the
//! `tableize`, `classify`, `camelize` and `underscore` built on them.

use regex_automata::meta::Regex;
use regex_automata::util::captures::Captures;
use std::sync::OnceLock;

struct Rules {
    plurals: Vec<(Regex, String)>,
    singulars: Vec<(Regex, String)>,
    uncountables: Vec<&'static str>,
}

const PLURALS: &[(&str, &str)] = &[
    ("$", "s"),
    ("(?i)s$", "s"),
    ("(?i)^(ax|test)is$", "\\1es"),
    ("(?i)(octop|vir)us$", "\\1i"),
    ("(?i)(octop|vir)i$", "\\1i"),
    ("(?i)(alias|status)$", "\\1es"),
    ("(?i)(bu)s$", "\\1ses"),
    ("(?i)(buffal|tomat)o$", "\\1oes"),
    ("(?i)([ti])um$", "\\1a"),
    ("(?i)([ti])a$", "\\1a"),
    ("(?i)sis$", "ses"),
    ("(?i)(?:([^f])fe|([lr])f)$", "\\1\\2ves"),
    ("(?i)(hive)$", "\\1s"),
    ("(?i)([^aeiouy]|qu)y$", "\\1ies"),
    ("(?i)(x|ch|ss|sh)$", "\\1es"),
    ("(?i)(matr|vert|ind)(?:ix|ex)$", "\\1ices"),
    ("(?i)^(m|l)ouse$", "\\1ice"),
    ("(?i)^(m|l)ice$", "\\1ice"),
    ("(?i)^(ox)$", "\\1en"),
    ("(?i)^(oxen)$", "\\1"),
    ("(?i)(quiz)$", "\\1zes"),
];

const SINGULARS: &[(&str, &str)] = &[
    ("(?i)s$", ""),
    ("(?i)(ss)$", "\\1"),
    ("(?i)(n)ews$", "\\1ews"),
    ("(?i)([ti])a$", "\\1um"),
    (
        "(?i)((a)naly|(b)a|(d)iagno|(p)arenthe|(p)rogno|(s)ynop|(t)he)(sis|ses)$",
        "\\1sis",
    ),
    ("(?i)(^analy)(sis|ses)$", "\\1sis"),
    ("(?i)([^f])ves$", "\\1fe"),
    ("(?i)(hive)s$", "\\1"),
    ("(?i)(tive)s$", "\\1"),
    ("(?i)([lr])ves$", "\\1f"),
    ("(?i)([^aeiouy]|qu)ies$", "\\1y"),
    ("(?i)(s)eries$", "\\1eries"),
    ("(?i)(m)ovies$", "\\1ovie"),
    ("(?i)(x|ch|ss|sh)es$", "\\1"),
    ("(?i)^(m|l)ice$", "\\1ouse"),
    ("(?i)(bus)(es)?$", "\\1"),
    ("(?i)(o)es$", "\\1"),
    ("(?i)(shoe)s$", "\\1"),
    ("(?i)(cris|test)(is|es)$", "\\1is"),
    ("(?i)^(a)x[ie]s$", "\\1xis"),
    ("(?i)(octop|vir)(us|i)$", "\\1us"),
    ("(?i)(alias|status)(es)?$", "\\1"),
    ("(?i)^(ox)en", "\\1"),
    ("(?i)(vert|ind)ices$", "\\1ex"),
    ("(?i)(matr)ices$", "\\1ix"),
    ("(?i)(quiz)zes$", "\\1"),
    ("(?i)(database)s$", "\\1"),
];

const IRREGULARS: &[(&str, &str)] = &[
    ("person", "people"),
    ("man", "men"),
    ("child", "children"),
    ("sex", "sexes"),
    ("move", "moves"),
    ("zombie", "zombies"),
];

const UNCOUNTABLES: &[&str] = &[
    "equipment",
    "information",
    "rice",
    "money",
    "species",
    "series",
    "fish",
    "sheep",
    "jeans",
    "police",
];

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        // Rules are prepended as they are defined, so the newest is tried first.
        let mut plurals: Vec<(String, String)> = Vec::new();
        let mut singulars: Vec<(String, String)> = Vec::new();
        for (r, s) in PLURALS {
            plurals.insert(0, (r.to_string(), s.to_string()));
        }
        for (r, s) in SINGULARS {
            singulars.insert(0, (r.to_string(), s.to_string()));
        }
        let mut uncountables: Vec<&'static str> = UNCOUNTABLES.to_vec();
        for (singular, plural) in IRREGULARS {
            uncountables.retain(|u| u != singular && u != plural);
            let (s0, srest) = singular.split_at(1);
            let (p0, prest) = plural.split_at(1);
            if s0.eq_ignore_ascii_case(p0) {
                plurals.insert(0, (format!("(?i)({s0}){srest}$"), format!("\\1{prest}")));
                plurals.insert(0, (format!("(?i)({p0}){prest}$"), format!("\\1{prest}")));
                singulars.insert(0, (format!("(?i)({s0}){srest}$"), format!("\\1{srest}")));
                singulars.insert(0, (format!("(?i)({p0}){prest}$"), format!("\\1{srest}")));
            } else {
                let (su, sl) = (s0.to_uppercase(), s0.to_lowercase());
                let (pu, pl) = (p0.to_uppercase(), p0.to_lowercase());
                plurals.insert(0, (format!("{su}(?i){srest}$"), format!("{pu}{prest}")));
                plurals.insert(0, (format!("{sl}(?i){srest}$"), format!("{pl}{prest}")));
                plurals.insert(0, (format!("{pu}(?i){prest}$"), format!("{pu}{prest}")));
                plurals.insert(0, (format!("{pl}(?i){prest}$"), format!("{pl}{prest}")));
                singulars.insert(0, (format!("{su}(?i){srest}$"), format!("{su}{srest}")));
                singulars.insert(0, (format!("{sl}(?i){srest}$"), format!("{sl}{srest}")));
                singulars.insert(0, (format!("{pu}(?i){prest}$"), format!("{su}{srest}")));
                singulars.insert(0, (format!("{pl}(?i){prest}$"), format!("{sl}{srest}")));
            }
        }
        let compile = |v: Vec<(String, String)>| {
            v.into_iter()
                .filter_map(|(r, s)| Regex::new(&r).ok().map(|re| (re, s)))
                .collect()
        };
        Rules {
            plurals: compile(plurals),
            singulars: compile(singulars),
            uncountables,
        }
    })
}

/// Ruby's `String#sub!` with one rule: replaces the first match, `\N` in the replacement
/// naming groups (a group that did not take part is empty).
fn sub(re: &Regex, word: &str, replacement: &str) -> Option<String> {
    let mut caps: Captures = re.create_captures();
    re.captures(word, &mut caps);
    let whole = caps.get_match()?;
    let mut out = String::with_capacity(word.len() + replacement.len());
    out.push_str(&word[..whole.start()]);
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(d) = chars.peek().and_then(|d| d.to_digit(10))
        {
            chars.next();
            if let Some(span) = caps.get_group(d as usize) {
                out.push_str(&word[span.start..span.end]);
            }
            continue;
        }
        out.push(c);
    }
    out.push_str(&word[whole.end()..]);
    Some(out)
}

/// `\b<word>\Z` case-insensitively: the word ends with an uncountable one.
fn uncountable(word: &str) -> bool {
    let lower = word.to_lowercase();
    rules().uncountables.iter().any(|u| {
        lower.ends_with(u) && {
            let before = &lower[..lower.len() - u.len()];
            !before
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        }
    })
}

fn apply(word: &str, rules: &[(Regex, String)]) -> String {
    if word.is_empty() || uncountable(word) {
        return word.to_string();
    }
    for (re, replacement) in rules {
        if let Some(out) = sub(re, word, replacement) {
            return out;
        }
    }
    word.to_string()
}

/// `"post".pluralize` → `"posts"`.
pub fn pluralize(word: &str) -> String {
    apply(word, &rules().plurals)
}

/// `"people".singularize` → `"person"`.
pub fn singularize(word: &str) -> String {
    apply(word, &rules().singulars)
}

/// `"Admin::OrderItem".underscore` → `"admin/order_item"`.
pub fn underscore(word: &str) -> String {
    let word = word.replace("::", "/");
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            // `([A-Z\d]+)([A-Z][a-z])` and `([a-z\d])([A-Z])` both put an underscore here.
            let after_lower = prev.is_ascii_lowercase() || prev.is_ascii_digit();
            let acronym_end = (prev.is_ascii_uppercase() || prev.is_ascii_digit())
                && next.is_some_and(|n| n.is_ascii_lowercase());
            if after_lower || acronym_end {
                out.push('_');
            }
        }
        out.push(if c == '-' {
            '_'
        } else {
            c.to_ascii_lowercase()
        });
    }
    out
}

/// `"order_items".camelize` → `"OrderItems"`; `/` becomes `::`.
pub fn camelize(word: &str) -> String {
    word.split('/')
        .map(|part| {
            part.split('_')
                .map(|w| {
                    let mut c = w.chars();
                    match c.next() {
                        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                        None => String::new(),
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("::")
}

/// `"OrderItem".tableize` → `"order_items"` (the default table name of a model class, without
/// its module: Active Record uses the class's own name unless the module sets a prefix).
pub fn tableize(class_name: &str) -> String {
    pluralize(&underscore(class_name))
}

/// `"order_items".classify` → `"OrderItem"`.
pub fn classify(table_name: &str) -> String {
    // `classify` drops a schema prefix (`public.users`).
    let name = table_name.rsplit('.').next().unwrap_or(table_name);
    camelize(&singularize(name))
}
