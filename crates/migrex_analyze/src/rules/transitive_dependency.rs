//! MA214 transitive-dependency (needs the data: `migrex::live_findings` samples the rows and
//! calls [`dependencies`]).

use super::{ALL, AnalyzeRule, Context, Hit};
use migrex_lint::Rule;
use migrex_safety::Severity;
use std::collections::{HashMap, HashSet};

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA214",
        name: "transitive-dependency",
        severity: Severity::Info,
        dialects: ALL,
        summary: "A column's value follows from another non-key column (checked on a sample of the rows): the fact is repeated on every row and can contradict itself",
        doc: "In `customers(id, name, city, country)` where every row with city 'Lyon' says country 'France', country depends on city, not on the customer: third normal form is broken. Each customer repeats the city's country, an update can change it on some rows and not others, and a city cannot be recorded without a customer.\n\nReported on a live database only: migrex reads a bounded sample of each table (the first 5,000 rows) and reports a column B when, on that sample, every value of another non-key column A that repeats (at most a third as many values as rows, seen at least three times in groups of several rows) comes with a single value of B. A sample can show a dependency the full table does not have: treat the finding as a question to ask about the data, and check it with\n\n    SELECT a FROM t GROUP BY a HAVING count(DISTINCT b) > 1;\n\nFix: move B into a table keyed by A (a lookup table, or the table A already references):\n\n    migrex refactor extract-lookup --column customers.city   -- then move country into the cities table",
    },
    check: needs_live_data,
};

/// The dependencies come from the rows: a schema read from DDL has none.
fn needs_live_data(_: &Context) -> Vec<Hit> {
    Vec::new()
}

/// Columns determined by one other column on a sample of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub determinant: String,
    pub dependents: Vec<String>,
    /// Columns that determine `determinant` back (one-to-one with it on the sample).
    pub equivalent: Vec<String>,
}

/// Functional dependencies between the columns of sampled rows (`rows[i][j]` is column j).
/// A determinant must repeat (at most a third as many distinct values as rows, with at least
/// three values seen in more than one row) so that the dependency has evidence behind it; a
/// dependent must vary. Columns that determine each other are reported once, under the first.
pub fn dependencies(columns: &[String], rows: &[Vec<Option<String>>]) -> Vec<Dependency> {
    let n = rows.len();
    if n < 30 {
        return Vec::new();
    }
    let distinct = |j: usize| {
        rows.iter()
            .filter_map(|r| r.get(j).cloned().flatten())
            .collect::<HashSet<_>>()
            .len()
    };
    let counts: Vec<usize> = (0..columns.len()).map(distinct).collect();
    let determines = |a: usize, b: usize| {
        let mut seen: HashMap<&str, Option<&str>> = HashMap::new();
        for r in rows {
            let Some(Some(key)) = r.get(a) else { continue };
            let value = r.get(b).and_then(|v| v.as_deref());
            match seen.get(key.as_str()) {
                Some(prev) if *prev != value => return false,
                Some(_) => {}
                None => {
                    seen.insert(key, value);
                }
            }
        }
        true
    };
    let repeated_groups = |a: usize| {
        let mut sizes: HashMap<&str, usize> = HashMap::new();
        for r in rows {
            if let Some(Some(key)) = r.get(a) {
                *sizes.entry(key).or_default() += 1;
            }
        }
        sizes.values().filter(|&&s| s > 1).count()
    };
    let candidate = |a: usize| counts[a] >= 2 && counts[a] * 3 <= n && repeated_groups(a) >= 3;
    let mut out: Vec<Dependency> = Vec::new();
    let mut reported_equivalent: HashSet<usize> = HashSet::new();
    for a in 0..columns.len() {
        if !candidate(a) || reported_equivalent.contains(&a) {
            continue;
        }
        let mut dependents = Vec::new();
        let mut equivalent = Vec::new();
        for b in 0..columns.len() {
            if a == b || counts[b] < 2 || !determines(a, b) {
                continue;
            }
            if determines(b, a) {
                equivalent.push(columns[b].clone());
                reported_equivalent.insert(b);
            } else {
                dependents.push(columns[b].clone());
            }
        }
        if !dependents.is_empty() || !equivalent.is_empty() {
            out.push(Dependency {
                determinant: columns[a].clone(),
                dependents,
                equivalent,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[[&str; 4]]) -> Vec<Vec<Option<String>>> {
        data.iter()
            .map(|r| {
                r.iter()
                    .map(|v| (!v.is_empty()).then(|| v.to_string()))
                    .collect()
            })
            .collect()
    }

    fn sample() -> (Vec<String>, Vec<Vec<Option<String>>>) {
        let cities = [
            ("Lyon", "FR", "France"),
            ("Nice", "FR", "France"),
            ("Porto", "PT", "Portugal"),
            ("Bonn", "DE", "Germany"),
        ];
        let mut data = Vec::new();
        for i in 0..60 {
            let (city, code, country) = cities[i % cities.len()];
            let name = format!("n{i}");
            data.push([
                name,
                city.to_string(),
                code.to_string(),
                country.to_string(),
            ]);
        }
        let columns = ["name", "city", "country_code", "country"]
            .map(String::from)
            .to_vec();
        let data: Vec<[&str; 4]> = data
            .iter()
            .map(|r| [r[0].as_str(), r[1].as_str(), r[2].as_str(), r[3].as_str()])
            .collect();
        (columns, rows(&data))
    }

    #[test]
    fn ok() {
        // A unique column determines everything but is a key, not a repeated fact.
        let (columns, mut data) = sample();
        // One Lyon row in Portugal: city no longer determines the country.
        data[0][2] = Some("PT".into());
        data[0][3] = Some("Portugal".into());
        let found = dependencies(&columns, &data);
        assert!(found.iter().all(|d| d.determinant != "name"), "{found:?}");
        assert!(found.iter().all(|d| d.determinant != "city"), "{found:?}");
        // Too few rows to say anything.
        assert!(dependencies(&columns, &data[..10]).is_empty());
    }

    #[test]
    fn err() {
        let (columns, data) = sample();
        let found = dependencies(&columns, &data);
        assert_eq!(
            found,
            vec![
                Dependency {
                    determinant: "city".into(),
                    dependents: vec!["country_code".into(), "country".into()],
                    equivalent: vec![],
                },
                Dependency {
                    determinant: "country_code".into(),
                    dependents: vec![],
                    equivalent: vec!["country".into()],
                },
            ]
        );
    }
}
