//! `change-type TABLE.COLUMN TYPE [--using EXPR]`: a pre-flight query listing the rows whose value
//! would not convert, the type change (the differ's ALTER; SQLite's table rebuild), and a proof
//! that every value equals its cast. With `--using`, an expand/contract: a new column filled in
//! batches from the expression, the old one dropped, the new one renamed into its place.

use crate::builder::Builder;
use crate::util::{self, Family, Sql};
use crate::{Options, Param, ParamKind, Params, Recipe, Refactor, RefactorError};
use migrex_model::{
    Assignment, Column, ColumnType, DataOp, Dialect, QualifiedName, Renames, Schema,
};

pub(crate) const RECIPE: Recipe = Recipe {
    name: "change-type",
    doc: "Change a column's type: pre-flight list of values that would not convert, ALTER (SQLite: rebuild), proof values are kept",
    params: &[
        Param {
            name: "column",
            doc: "TABLE.COLUMN whose type changes",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "type",
            doc: "the new type, as the dialect spells it",
            required: true,
            kind: ParamKind::Text,
        },
        Param {
            name: "using",
            doc: "SQL computing the new value from the row (then the column is rebuilt as new column + batched backfill)",
            required: false,
            kind: ParamKind::Text,
        },
    ],
    build,
};

fn build(schema: &Schema, params: &Params, options: &Options) -> Result<Refactor, RefactorError> {
    let name = RECIPE.name;
    let d = schema.dialect;
    let (t, col) = util::split_column(name, "column", &params.req(name, "column")?)?;
    let table = util::table_name(schema, &t)?;
    let tdef = util::table(schema, &table)?;
    let from_col = util::column(tdef, &table, &col)?.clone();
    let spelled = params.req(name, "type")?;
    let ty = util::parse_type(d, &spelled);
    if ty == from_col.ty {
        return Err(RefactorError::BadParam {
            recipe: name.into(),
            param: "type".into(),
            message: format!("{table}.{col} already has type {spelled}"),
        });
    }
    let using = params.text("using");
    if using.is_none() && !util::convertible(util::family(d, &from_col.ty), util::family(d, &ty)) {
        return Err(RefactorError::NotConvertible {
            table: table.to_string(),
            column: col.clone(),
            from: migrex_dialect::format_type(d, &from_col.ty),
            to: spelled,
        });
    }
    let mut to_col = from_col.clone();
    to_col.ty = ty.clone();
    // A default of the old type rarely fits the new one; the user sets a new one with diff.
    if to_col.default.is_some() && util::family(d, &from_col.ty) != util::family(d, &ty) {
        to_col.default = None;
    }
    if to_col.identity.is_some() && !ty.is_integer() {
        to_col.identity = None;
    }
    let mut target = schema.clone();
    util::table_mut(&mut target, &table)?
        .columns
        .insert(col.clone(), to_col.clone());
    let key = tdef
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    let mut notes = Vec::new();
    if from_col.default.is_some() && to_col.default.is_none() {
        notes.push(format!(
            "change-type: the default of {table}.{col} does not fit the new type and is dropped (the down plan restores it)"
        ));
    }
    let mut up = Builder::new(name, schema, options.batch_size);
    match &using {
        None => plain(&mut up, &table, &from_col, &to_col, &key, &target, options)?,
        Some(expr) => {
            if key.is_empty() {
                return Err(RefactorError::NoPrimaryKey {
                    table: table.to_string(),
                    why: "--using fills a new column in batches over the primary key".into(),
                });
            }
            let users = util::users_of(tdef, &col);
            let in_pk = key.contains(&col);
            let referenced = util::referencing(schema, &table)
                .iter()
                .any(|(_, f)| f.ref_columns.contains(&col));
            if in_pk || referenced || !users.is_empty() {
                return Err(RefactorError::Unsupported {
                    recipe: name.into(),
                    message: format!(
                        "--using rebuilds {table}.{col} as a new column and cannot carry {} over; drop them first or change the type without --using",
                        if in_pk || referenced {
                            "keys".to_string()
                        } else {
                            users.join(", ")
                        }
                    ),
                });
            }
            using_expr(
                &mut up, &table, &from_col, &to_col, expr, &key, &target, options,
            )?;
            notes.push(format!(
                "change-type --using: the down plan casts {table}.{col} back to {} (the reverse of the expression is not known)",
                migrex_dialect::format_type(d, &from_col.ty)
            ));
        }
    }
    let mut down = Builder::new(name, &target, options.batch_size);
    plain(&mut down, &table, &to_col, &from_col, &key, schema, options)?;
    Ok(Refactor {
        dialect: d,
        up: up.finish(),
        down: down.finish(),
        notes,
        target,
    })
}

/// Pre-flight, proof capture, the type change (a differ stage to `end`), proof check.
fn plain(
    b: &mut Builder,
    table: &QualifiedName,
    from: &Column,
    to: &Column,
    key: &[String],
    end: &Schema,
    options: &Options,
) -> Result<(), RefactorError> {
    let s = Sql { d: b.dialect };
    let col = s.c("x", &from.name);
    if let Some(bad) = bad_values(b.dialect, &col, &from.ty, &to.ty, options) {
        b.data(
            table,
            preflight(&s, table, key, &from.name, &col, &bad, options),
        );
    }
    if key.is_empty() {
        b.stage(end, &Renames::default())?;
        return Ok(());
    }
    let keys = util::cols_of(&s, "x", key);
    let from_x = format!("FROM {} x", s.t(table));
    let (cap, check) = util::proof(
        &format!("change type of {table}.{}", from.name),
        util::projection(
            &[keys.clone(), vec![s.cast(&col, &to.ty)]].concat(),
            &from_x,
        ),
        util::projection(&[keys, vec![col.clone()]].concat(), &from_x),
    );
    b.data(table, cap);
    b.stage(end, &Renames::default())?;
    b.data(table, check);
    Ok(())
}

fn preflight(
    s: &Sql,
    table: &QualifiedName,
    key: &[String],
    col_name: &str,
    value: &str,
    bad: &str,
    options: &Options,
) -> DataOp {
    let mut shown = key.to_vec();
    if !shown.iter().any(|k| k == col_name) {
        shown.push(col_name.to_string());
    }
    DataOp::Preflight {
        description: format!("rows of {table} whose {col_name} would not convert"),
        query: format!(
            "SELECT {} FROM {} x WHERE {value} IS NOT NULL AND ({bad})",
            s.list("x", &shown),
            s.t(table)
        ),
        limit: options.preflight_limit,
    }
}

/// Expand (new column), fill it in batches from `expr`, prove, contract (drop the old column,
/// rename the new one into its place, restore NOT NULL).
#[allow(clippy::too_many_arguments)]
fn using_expr(
    b: &mut Builder,
    table: &QualifiedName,
    from: &Column,
    to: &Column,
    expr: &str,
    key: &[String],
    end: &Schema,
    options: &Options,
) -> Result<(), RefactorError> {
    let s = Sql { d: b.dialect };
    let tmp = util::fit(format!("{}__migrex_new", from.name));
    let mut tmp_col = to.clone();
    tmp_col.name = tmp.clone();
    tmp_col.nullable = true;
    tmp_col.default = None;
    tmp_col.identity = None;
    let mut expand = b.state.clone();
    util::table_mut(&mut expand, table)?
        .columns
        .insert(tmp.clone(), tmp_col.clone());
    let value = format!("({expr})");
    if let Some(bad) = bad_values(b.dialect, &value, &from.ty, &to.ty, options) {
        b.data(
            table,
            preflight(&s, table, key, &from.name, &value, &bad, options),
        );
    }
    b.stage(&expand, &Renames::default())?;
    let keys = util::cols_of(&s, "x", key);
    let from_x = format!("FROM {} x", s.t(table));
    let (cap, check) = util::proof(
        &format!("change type of {table}.{} using an expression", from.name),
        util::projection(
            &[keys.clone(), vec![s.cast(&value, &to.ty)]].concat(),
            &from_x,
        ),
        util::projection(&[keys, vec![s.c("x", &from.name)]].concat(), &from_x),
    );
    b.data(table, cap);
    b.data(
        table,
        DataOp::Update {
            key: key.to_vec(),
            set: vec![Assignment {
                column: tmp.clone(),
                value: s.cast(&value, &to.ty),
            }],
            filter: Some(format!("{} IS NULL", s.q(&tmp))),
            batch_size: b.batch(),
        },
    );
    let mut dropped = b.state.clone();
    util::table_mut(&mut dropped, table)?
        .columns
        .shift_remove(&from.name);
    b.stage(&dropped, &Renames::default())?;
    let mut renames = Renames::default();
    renames
        .columns
        .insert((table.clone(), tmp.clone()), from.name.clone());
    let mut renamed = dropped.clone();
    let t = util::table_mut(&mut renamed, table)?;
    t.columns.shift_remove(&tmp);
    let mut back = tmp_col.clone();
    back.name = from.name.clone();
    t.columns.insert(from.name.clone(), back);
    b.stage(&renamed, &renames)?;
    b.stage(end, &Renames::default())?;
    b.data(table, check);
    Ok(())
}

const INT_RE: &str = r"^\s*[-+]?[0-9]+\s*$";
const NUM_RE: &str = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$";
const BOOL_RE: &str = r"^\s*(t|true|f|false|y|yes|n|no|on|off|1|0)\s*$";
const DATE_RE: &str = r"^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\s*$";
const TS_RE: &str = r"^\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?\s*([+-][0-9]{2}(:?[0-9]{2})?|Z)?\s*$";
const TIME_RE: &str = r"^\s*[0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?\s*$";
const UUID_RE: &str = r"^\s*\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?\s*$";

/// The condition true for a (non-null) `value` that would not become a value of `to`, or
/// `None` when every value converts.
pub(crate) fn bad_values(
    d: Dialect,
    value: &str,
    from: &ColumnType,
    to: &ColumnType,
    options: &Options,
) -> Option<String> {
    let s = Sql { d };
    let (ff, tf) = (util::family(d, from), util::family(d, to));
    let text = s.text(value);
    let mut conds = Vec::new();
    let from_text = matches!(ff, Family::Text | Family::Other | Family::Json);
    if d == Dialect::Postgres && options.pg_major.is_some_and(|m| m >= 16) && ff != tf {
        conds.push(format!(
            "NOT pg_input_is_valid({text}, {})",
            s.string(&s.ty(to))
        ));
    } else if ff != tf && (from_text || d == Dialect::Sqlite) {
        let re = match tf {
            Family::Integer => Some(INT_RE),
            Family::Numeric | Family::Float => Some(NUM_RE),
            Family::Bool => Some(BOOL_RE),
            Family::Date => Some(DATE_RE),
            Family::Timestamp => Some(TS_RE),
            Family::Time => Some(TIME_RE),
            Family::Uuid => Some(UUID_RE),
            _ => None,
        };
        if let Some(re) = re {
            let bad = not_matching(d, &text, re, tf == Family::Bool);
            // SQLite: a value already stored in the target's class converts as it is.
            let stored = match tf {
                Family::Integer | Family::Bool => Some("'integer'"),
                Family::Numeric | Family::Float => Some("'integer', 'real'"),
                _ => None,
            };
            conds.push(match stored {
                Some(classes) if d == Dialect::Sqlite => {
                    format!("typeof({value}) NOT IN ({classes}) AND ({bad})")
                }
                _ => bad,
            });
        }
        if d == Dialect::Sqlite {
            // Not a pattern a function can check exactly: what SQLite's own conversion refuses.
            match tf {
                Family::Date => conds.push(format!("date({value}) IS NULL")),
                Family::Timestamp => conds.push(format!("datetime({value}) IS NULL")),
                _ => {}
            }
        }
    }
    // Integer range (and, from a fraction, whole numbers only).
    if let ColumnType::Integer {
        bytes, unsigned, ..
    } = to
        && d != Dialect::Sqlite
        && matches!(
            ff,
            Family::Text | Family::Numeric | Family::Float | Family::Integer | Family::Other
        )
    {
        let narrower = match from {
            ColumnType::Integer { bytes: fb, .. } => fb > bytes,
            _ => true,
        };
        if narrower {
            let bits = u32::from(*bytes) * 8;
            let (lo, hi) = if *unsigned {
                ("0".to_string(), ((1u128 << bits) - 1).to_string())
            } else {
                (
                    format!("-{}", 1u128 << (bits - 1)),
                    ((1u128 << (bits - 1)) - 1).to_string(),
                )
            };
            let num = match d {
                Dialect::Mysql => format!("CAST({text} AS DECIMAL(65,10))"),
                _ => format!("CAST(trim({text}) AS numeric)"),
            };
            let guard = if from_text {
                let m = not_matching(d, &text, NUM_RE, false);
                format!("CASE WHEN {m} THEN 0=1 ELSE {num} NOT BETWEEN {lo} AND {hi} END")
            } else {
                format!("{num} NOT BETWEEN {lo} AND {hi}")
            };
            conds.push(guard);
        }
    }
    // Shorter text.
    if let ColumnType::Text {
        max_len: Some(n), ..
    } = to
    {
        let longer = match from {
            ColumnType::Text { max_len, .. } => max_len.is_none_or(|m| m > *n),
            _ => true,
        };
        if longer {
            conds.push(match d {
                Dialect::Mysql => format!("CHAR_LENGTH({text}) > {n}"),
                _ => format!("length({text}) > {n}"),
            });
        }
    }
    // Fewer decimals or digits: values that the cast would round.
    if let ColumnType::Decimal { .. } = to
        && matches!(ff, Family::Numeric | Family::Float)
        && d != Dialect::Sqlite
    {
        conds.push(format!("{} <> {value}", s.cast(value, to)));
    }
    (!conds.is_empty()).then(|| conds.join(" OR "))
}

fn not_matching(d: Dialect, text: &str, re: &str, nocase: bool) -> String {
    match d {
        Dialect::Postgres => format!(
            "{text} !{} {}",
            if nocase { "~*" } else { "~" },
            migrex_dialect::quote_string(d, re)
        ),
        Dialect::Mysql => {
            // POSIX classes: MySQL's ICU and MariaDB's PCRE both read them.
            let re = re.replace(r"\s", "[[:space:]]");
            let subject = if nocase {
                format!("LOWER({text})")
            } else {
                text.to_string()
            };
            format!(
                "{subject} NOT REGEXP {}",
                migrex_dialect::quote_string(d, &re)
            )
        }
        Dialect::Sqlite => sqlite_pattern(text, re),
    }
}

/// SQLite has no REGEXP by default: the same families checked with GLOB and casts.
fn sqlite_pattern(text: &str, re: &str) -> String {
    let t = format!("trim({text})");
    if re == INT_RE {
        format!(
            "NOT ({t} GLOB '[0-9]*' OR {t} GLOB '[-+][0-9]*') OR substr({t}, 2) GLOB '*[^0-9]*'"
        )
    } else if re == NUM_RE {
        format!("{t} = '' OR {t} GLOB '*[^0-9.eE+-]*' OR NOT {t} GLOB '*[0-9]*'")
    } else if re == BOOL_RE {
        format!(
            "lower({t}) NOT IN ('0', '1', 'true', 'false', 't', 'f', 'yes', 'no', 'y', 'n', 'on', 'off')"
        )
    } else if re == UUID_RE {
        format!(
            "NOT (length({t}) = 36 AND lower({t}) GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]')"
        )
    } else if re == TIME_RE {
        format!("time({t}) IS NULL")
    } else {
        // Dates and timestamps: checked by date()/datetime() beside this.
        "0 = 1".into()
    }
}
