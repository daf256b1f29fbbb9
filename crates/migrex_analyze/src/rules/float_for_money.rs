//! MA104 float-for-money.

use super::{ALL, AnalyzeRule, Context, Hit, column_object};
use migrex_lint::Rule;
use migrex_model::{ColumnType, Dialect};
use migrex_safety::Severity;

pub static RULE: AnalyzeRule = AnalyzeRule {
    meta: Rule {
        code: "MA104",
        name: "float-for-money",
        severity: Severity::Warning,
        dialects: ALL,
        summary: "A money-like column stored as float/double: binary floating point cannot hold most cent values exactly",
        doc: "0.1 + 0.2 is not 0.3 in binary floating point: sums of prices drift, equality tests fail and rounding differs between the database and the application. Columns named like amounts (price, amount, cost, total, balance, fee, tax, salary, payment, revenue, charge) stored as real/float/double are reported.\n\nFix: an exact decimal, or integer minor units:\n\n    ALTER TABLE orders ALTER COLUMN total TYPE numeric(19,4) USING round(total::numeric, 4);\n\n(`migrex refactor change-type orders.total 'numeric(19,4)'` writes it with a pre-flight check.)",
    },
    check,
};

const MONEY: &[&str] = &[
    "price", "amount", "cost", "total", "balance", "fee", "tax", "salary", "payment", "revenue",
    "charge", "subtotal", "wage", "refund", "money", "budget", "income",
];

pub(crate) fn money_like(name: &str) -> bool {
    let l = name.to_ascii_lowercase();
    l.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| MONEY.iter().any(|m| w == *m || w == format!("{m}s")))
        || MONEY.iter().any(|m| l.ends_with(m) || l.starts_with(m))
}

fn check(cx: &Context) -> Vec<Hit> {
    let ty = match cx.schema.dialect {
        Dialect::Postgres => "numeric(19,4)",
        _ => "decimal(19,4)",
    };
    let mut out = Vec::new();
    for (q, t) in cx.schema.tables() {
        for (n, c) in &t.columns {
            if matches!(
                super::semantic(cx.schema.dialect, &c.ty),
                ColumnType::Float { .. }
            ) && money_like(n)
            {
                out.push(Hit::new(
                    column_object(&q, n),
                    format!("{q}.{n} holds money in a binary floating-point type"),
                    format!("migrex refactor change-type {}.{n} '{ty}'", q.name),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::objects;

    #[test]
    fn ok() {
        let sql = "CREATE TABLE t (price numeric(10,2), latitude double precision, score real);";
        assert!(objects(&RULE, Dialect::Postgres, sql).is_empty());
    }

    #[test]
    fn err() {
        let sql = "CREATE TABLE t (unit_price double precision, total real, Amount float);";
        assert_eq!(
            objects(&RULE, Dialect::Postgres, sql),
            vec![
                "column public.t.unit_price",
                "column public.t.total",
                "column public.t.amount"
            ]
        );
        assert_eq!(
            objects(&RULE, Dialect::Mysql, "CREATE TABLE t (UnitPrice double);"),
            vec!["column t.UnitPrice"]
        );
    }
}
