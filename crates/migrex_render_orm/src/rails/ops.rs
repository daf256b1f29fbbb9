//! Plan steps as Active Record 6.1 migration statements. Each statement knows whether the
//! `CommandRecorder` can reverse it (`remove_column` with its type, `drop_table` with its
//! block, `change_column_default` with `from:`/`to:`...); `change_column` and `execute` cannot.
//!
//! Column, index, key and check definitions come from the target project's `db/schema.rb` as
//! written when the schema was read from a Rails project, so Active Record builds the same
//! thing `load "db/schema.rb"` would; otherwise they are derived from the schema model.

use crate::WriteError;
use migrex_model::{
    Change, Check, Column, ColumnType, Dialect, FkAction, ForeignKey, Identity, Index, IndexKey,
    OnlineOp, Plan, QualifiedName, Step, Table, TextKind,
};
use migrex_source_orm::rails::ruby::Value;
use migrex_source_orm::rails::{
    ArColumn, ArForeignKey, ArIndex, ArSchema, ArTable, inflect, names,
};

/// One statement (possibly several lines) of a migration body.
#[derive(Debug, Clone)]
pub struct Op {
    pub code: String,
    pub reversible: bool,
    /// Needs `disable_ddl_transaction!` (concurrent index builds).
    pub outside_transaction: bool,
}

fn op(code: String) -> Op {
    Op {
        code,
        reversible: true,
        outside_transaction: false,
    }
}

fn irreversible(code: String) -> Op {
    Op {
        code,
        reversible: false,
        outside_transaction: false,
    }
}

/// What the statements are written from.
pub struct Context<'a> {
    pub dialect: Dialect,
    /// The schema.rb of the side the plan goes to, and of the side it comes from.
    pub target: Option<&'a ArSchema>,
    pub source: Option<&'a ArSchema>,
    /// Foreign keys written inside a `create_table` block (table, name), so the plan's
    /// separate step for them is not written again.
    pub inline_fks: std::cell::RefCell<Vec<(String, String)>>,
}

impl<'a> Context<'a> {
    pub fn new(
        dialect: Dialect,
        target: Option<&'a ArSchema>,
        source: Option<&'a ArSchema>,
    ) -> Self {
        Context {
            dialect,
            target,
            source,
            inline_fks: Default::default(),
        }
    }
}

impl Context<'_> {
    fn is_inline(&self, table: &str, fk: &ForeignKey) -> bool {
        fk.name.as_ref().is_some_and(|n| {
            self.inline_fks
                .borrow()
                .iter()
                .any(|(t, f)| t == table && f == n)
        })
    }

    fn ar_table(&self, name: &str) -> Option<&ArTable> {
        self.target
            .and_then(|s| s.tables.get(name))
            .or_else(|| self.source.and_then(|s| s.tables.get(name)))
    }

    /// The column as written in a project's schema.rb when it is there with the same
    /// definition, else derived from the model.
    fn column(&self, table: &str, col: &Column) -> ArColumn {
        self.column_on(table, col, false)
    }

    /// Like `column`, looking at the source project first (a column being dropped or altered
    /// away is written as it was).
    fn column_on(&self, table: &str, col: &Column, source_first: bool) -> ArColumn {
        let derived = from_model(col);
        let order = if source_first {
            [self.source, self.target]
        } else {
            [self.target, self.source]
        };
        for s in order.into_iter().flatten() {
            if let Some(c) = s.tables.get(table).and_then(|t| t.column(&col.name))
                && same_column(c, &derived)
            {
                let mut c = c.clone();
                // Written as `t.references` (integer on SQLite, bigint elsewhere): written back
                // as the column it made.
                if c.reference_default {
                    c.reference_default = false;
                    if self.dialect == Dialect::Sqlite {
                        c.ty = "integer".into();
                    }
                }
                return c;
            }
        }
        derived
    }

    fn index(&self, table: &str, idx: &Index) -> Option<ArIndex> {
        [self.target, self.source]
            .into_iter()
            .flatten()
            .find_map(|s| {
                s.tables
                    .get(table)?
                    .indexes
                    .iter()
                    .find(|i| i.name == idx.name)
            })
            .cloned()
    }

    fn foreign_key(&self, table: &str, fk: &ForeignKey) -> Option<ArForeignKey> {
        [self.target, self.source]
            .into_iter()
            .flatten()
            .find_map(|s| {
                s.tables
                    .get(table)?
                    .all_foreign_keys()
                    .find(|f| Some(&f.name) == fk.name.as_ref() && fk.columns == [f.column.clone()])
                    .cloned()
            })
    }
}

/// Whether a schema.rb column and one derived from the model mean the same column (type
/// family, nullability), so the written one may stand for it.
fn same_column(written: &ArColumn, derived: &ArColumn) -> bool {
    fn family(t: &str) -> &str {
        match t {
            "integer" | "bigint" | "primary_key" => "int",
            "string" | "text" => "text",
            "datetime" | "timestamp" => "datetime",
            other => other,
        }
    }
    written.name == derived.name
        && family(&written.ty) == family(&derived.ty)
        && written.null.unwrap_or(true) == derived.null.unwrap_or(true)
        && written.array == derived.array
        && written.limit.is_some() == derived.limit.is_some()
}

/// A name as a Ruby literal: a symbol when it is a plain identifier.
pub fn sym(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        format!(":{name}")
    } else {
        ruby_str(name)
    }
}

pub fn ruby_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '#' => out.push_str("\\#"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A literal value written back as Ruby.
pub fn ruby_value(v: &Value) -> String {
    match v {
        Value::Str(s) => ruby_str(s),
        Value::Sym(s) => sym(s),
        Value::Int(n) => n.to_string(),
        Value::Float(f) => f.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Nil => "nil".into(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(ruby_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Hash(pairs) => {
            if pairs.is_empty() {
                return "{}".into();
            }
            format!(
                "{{ {} }}",
                pairs
                    .iter()
                    .map(|(k, v)| match k {
                        Value::Sym(s) if sym(s).starts_with(':') => {
                            format!("{s}: {}", ruby_value(v))
                        }
                        k => format!("{} => {}", ruby_value(k), ruby_value(v)),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Value::Lambda(Some(sql)) => format!("-> {{ {} }}", ruby_str(sql)),
        Value::Lambda(None) => "nil".into(),
        Value::Const(c) | Value::Other(c) => c.clone(),
    }
}

/// `limit: 200, null: false, ...` of a column (after its type).
pub fn column_options(c: &ArColumn) -> Vec<String> {
    let mut o = Vec::new();
    if let Some(l) = c.limit {
        o.push(format!("limit: {l}"));
    }
    if let Some(s) = &c.size {
        o.push(format!("size: :{s}"));
    }
    if let Some(p) = c.precision {
        o.push(format!("precision: {p}"));
    }
    if let Some(s) = c.scale {
        o.push(format!("scale: {s}"));
    }
    if let Some(d) = &c.default {
        o.push(format!("default: {}", ruby_value(d)));
    }
    if let Some(n) = c.null {
        o.push(format!("null: {n}"));
    }
    if c.array {
        o.push("array: true".into());
    }
    if let Some(cm) = &c.comment {
        o.push(format!("comment: {}", ruby_str(cm)));
    }
    if let Some(cl) = &c.collation {
        o.push(format!("collation: {}", ruby_str(cl)));
    }
    o
}

fn join_args(parts: Vec<String>) -> String {
    parts.join(", ")
}

/// The Active Record type and options of a model column.
pub fn from_model(col: &Column) -> ArColumn {
    let mut c = ArColumn::new(&col.name, "string", 0);
    let mut ty = &col.ty;
    if let ColumnType::Array { element } = ty {
        c.array = true;
        ty = element;
    }
    c.ty = match ty {
        // Active Record's MySQL adapter reads tinyint(1) as boolean (`emulate_booleans`).
        ColumnType::Integer {
            bytes: 1,
            display_width: Some(1),
            unsigned: false,
            ..
        } => "boolean".into(),
        ColumnType::Integer { bytes, .. } => match bytes {
            8 => "bigint".into(),
            4 => "integer".into(),
            b => {
                c.limit = Some(i64::from(*b));
                "integer".into()
            }
        },
        ColumnType::Decimal {
            precision, scale, ..
        } => {
            c.precision = precision.map(i64::from);
            c.scale = scale.map(i64::from);
            "decimal".into()
        }
        ColumnType::Float { .. } => "float".into(),
        ColumnType::Bool => "boolean".into(),
        ColumnType::Text { kind, max_len } => match kind {
            TextKind::Varchar => {
                c.limit = max_len.map(i64::from);
                "string".into()
            }
            TextKind::Char => format!("char({})", max_len.unwrap_or(1)),
            TextKind::TinyText | TextKind::MediumText | TextKind::LongText => {
                c.size = Some(
                    match kind {
                        TextKind::TinyText => "tiny",
                        TextKind::MediumText => "medium",
                        _ => "long",
                    }
                    .into(),
                );
                "text".into()
            }
            TextKind::Text => "text".into(),
        },
        ColumnType::Binary { kind, max_len } => {
            use migrex_model::BinaryKind;
            match kind {
                BinaryKind::VarBinary => c.limit = max_len.map(i64::from),
                BinaryKind::TinyBlob => c.size = Some("tiny".into()),
                BinaryKind::MediumBlob => c.size = Some("medium".into()),
                BinaryKind::LongBlob => c.size = Some("long".into()),
                _ => {}
            }
            "binary".into()
        }
        ColumnType::Date => "date".into(),
        ColumnType::Time { precision, tz } => {
            c.precision = precision.map(i64::from);
            if *tz { "timetz".into() } else { "time".into() }
        }
        ColumnType::Timestamp { tz, precision } => {
            c.precision = precision.map(i64::from);
            if *tz {
                "timestamptz".into()
            } else {
                "datetime".into()
            }
        }
        ColumnType::DateTime { precision } => {
            c.precision = precision.map(i64::from);
            "datetime".into()
        }
        ColumnType::Interval { .. } => "interval".into(),
        ColumnType::Json { binary } => if *binary { "jsonb" } else { "json" }.into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Other { name } => sqlite_declared(name, &mut c),
        ColumnType::UserDefined { name } => name.name.clone(),
        other => format!("{other:?}").to_lowercase(),
    };
    if !col.nullable {
        c.null = Some(false);
    }
    c.default = col
        .default
        .as_ref()
        .map(|d| default_value(&d.sql, &c.ty))
        .filter(|v| *v != Value::Nil);
    c.comment = col.comment.clone();
    c.collation = col.collation.clone();
    c
}

/// An SQLite declared type with INTEGER affinity that Active Record writes for keys.
fn sqlite_integer(ty: &ColumnType) -> bool {
    match ty {
        ColumnType::Other { name } => {
            let l = name.to_ascii_lowercase();
            l == "integer" || l == "bigint" || l == "int"
        }
        other => other.is_integer(),
    }
}

/// SQLite keeps declared types as written (`datetime(6)`, `varchar`): their Active Record type.
fn sqlite_declared(name: &str, c: &mut ArColumn) -> String {
    let lower = name.to_ascii_lowercase();
    let arg = lower.split_once('(').and_then(|(_, r)| {
        r.trim_end_matches(')')
            .split(',')
            .next()?
            .trim()
            .parse::<i64>()
            .ok()
    });
    if lower.starts_with("datetime") || lower.starts_with("timestamp") {
        c.precision = arg;
        "datetime".into()
    } else if lower.starts_with("time") {
        c.precision = arg;
        "time".into()
    } else if lower.starts_with("varchar") {
        c.limit = arg;
        "string".into()
    } else if lower == "blob" {
        "binary".into()
    } else if lower.starts_with("decimal") || lower.starts_with("numeric") {
        let args: Vec<i64> = lower
            .split_once('(')
            .map(|(_, r)| {
                r.trim_end_matches(')')
                    .split(',')
                    .filter_map(|x| x.trim().parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        c.precision = args.first().copied();
        c.scale = args.get(1).copied();
        "decimal".into()
    } else if lower.starts_with("float") || lower.starts_with("double") || lower == "real" {
        "float".into()
    } else if lower.starts_with("bool") {
        "boolean".into()
    } else if lower == "bigint" {
        "bigint".into()
    } else if lower.starts_with("int") {
        c.limit = arg;
        "integer".into()
    } else {
        lower
    }
}

/// A normalized default expression as the value schema.rb would write.
fn default_value(sql: &str, ty: &str) -> Value {
    let s = sql.trim();
    let literal = s.split("::").next().unwrap_or(s).trim();
    if literal.eq_ignore_ascii_case("null") {
        return Value::Nil;
    }
    if literal.len() >= 2 && literal.starts_with('\'') && literal.ends_with('\'') {
        let inner = literal[1..literal.len() - 1].replace("''", "'");
        return match ty {
            "boolean" => Value::Bool(matches!(inner.as_str(), "t" | "true" | "1")),
            "integer" | "bigint" => inner.parse().map(Value::Int).unwrap_or(Value::Str(inner)),
            _ => Value::Str(inner),
        };
    }
    match (ty, literal.to_ascii_lowercase().as_str()) {
        ("boolean", "true" | "1") => return Value::Bool(true),
        ("boolean", "false" | "0") => return Value::Bool(false),
        _ => {}
    }
    if let Ok(n) = literal.parse::<i64>() {
        return match ty {
            "decimal" => Value::Str(format!("{n}.0")),
            "float" => Value::Float(format!("{n}.0")),
            _ => Value::Int(n),
        };
    }
    if literal.parse::<f64>().is_ok() {
        return match ty {
            "decimal" => Value::Str(literal.to_string()),
            _ => Value::Float(literal.to_string()),
        };
    }
    Value::Lambda(Some(s.to_string()))
}

fn fk_action(a: FkAction) -> Option<&'static str> {
    match a {
        FkAction::Cascade => Some(":cascade"),
        FkAction::SetNull => Some(":nullify"),
        FkAction::Restrict => Some(":restrict"),
        FkAction::NoAction | FkAction::SetDefault => None,
    }
}

/// `add_foreign_key "from", "to", column:, primary_key:, on_delete:, name:`.
fn foreign_key_args(ctx: &Context, table: &str, fk: &ForeignKey) -> Result<String, WriteError> {
    if fk.columns.len() != 1 || fk.ref_columns.len() != 1 {
        return Err(WriteError::Unsupported(format!(
            "foreign key {} of {table} has several columns: Active Record 6.1 has no \
             composite foreign keys",
            fk.name.as_deref().unwrap_or("")
        )));
    }
    if let Some(w) = ctx.foreign_key(table, fk) {
        let mut a = vec![sym(&w.from_table), sym(&w.to_table)];
        if w.column != names::foreign_key_column(&w.to_table) {
            a.push(format!("column: {}", sym(&w.column)));
        }
        if w.primary_key != "id" {
            a.push(format!("primary_key: {}", sym(&w.primary_key)));
        }
        if let Some(d) = &w.on_delete {
            a.push(format!("on_delete: :{d}"));
        }
        if let Some(u) = &w.on_update {
            a.push(format!("on_update: :{u}"));
        }
        if let Some(n) = &w.given_name {
            a.push(format!("name: {}", ruby_str(n)));
        }
        return Ok(join_args(a));
    }
    let to = &fk.ref_table.name;
    let column = &fk.columns[0];
    let mut a = vec![sym(table), sym(to)];
    if *column != names::foreign_key_column(to) {
        a.push(format!("column: {}", sym(column)));
    }
    if fk.ref_columns[0] != "id" {
        a.push(format!("primary_key: {}", sym(&fk.ref_columns[0])));
    }
    if let Some(d) = fk_action(fk.on_delete) {
        a.push(format!("on_delete: {d}"));
    }
    if let Some(u) = fk_action(fk.on_update) {
        a.push(format!("on_update: {u}"));
    }
    if let Some(n) = &fk.name
        && *n != names::foreign_key_name(table, column)
    {
        a.push(format!("name: {}", ruby_str(n)));
    }
    Ok(join_args(a))
}

/// The columns and options of an index (`["a", "b"], name: ..., unique: true, where: ...`).
fn index_args(ctx: &Context, table: &str, idx: &Index) -> String {
    if let Some(w) = ctx.index(table, idx) {
        let cols = if w.expression {
            ruby_str(&w.columns[0])
        } else {
            format!(
                "[{}]",
                w.columns
                    .iter()
                    .map(|c| sym(c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut a = vec![cols];
        if w.name != names::index_name(table, &w.columns) || w.expression {
            a.push(format!("name: {}", ruby_str(&w.name)));
        }
        if w.unique {
            a.push("unique: true".into());
        }
        if let Some(wh) = &w.where_ {
            a.push(format!("where: {}", ruby_str(wh)));
        }
        if !w.orders.is_empty() {
            a.push(format!(
                "order: {{ {} }}",
                w.orders
                    .iter()
                    .map(|(c, o)| format!("{}: :{o}", c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(u) = &w.using {
            a.push(format!("using: :{u}"));
        }
        return join_args(a);
    }
    let cols: Vec<String> = idx
        .parts
        .iter()
        .map(|p| match &p.key {
            IndexKey::Column(c) => c.clone(),
            IndexKey::Expr(e) => e.sql.clone(),
        })
        .collect();
    let expression = idx.parts.iter().any(|p| matches!(p.key, IndexKey::Expr(_)));
    let mut a = vec![if expression {
        ruby_str(&cols.join(", "))
    } else {
        format!(
            "[{}]",
            cols.iter().map(|c| sym(c)).collect::<Vec<_>>().join(", ")
        )
    }];
    if idx.name != names::index_name(table, &cols) || expression {
        a.push(format!("name: {}", ruby_str(&idx.name)));
    }
    if idx.unique {
        a.push("unique: true".into());
    }
    if let Some(p) = &idx.predicate {
        a.push(format!("where: {}", ruby_str(&p.sql)));
    }
    let desc: Vec<String> = idx
        .parts
        .iter()
        .filter(|p| p.descending)
        .filter_map(|p| match &p.key {
            IndexKey::Column(c) => Some(format!("{c}: :desc")),
            IndexKey::Expr(_) => None,
        })
        .collect();
    if !desc.is_empty() && !expression {
        a.push(format!("order: {{ {} }}", desc.join(", ")));
    }
    if let Some(m) = &idx.method {
        a.push(format!("using: :{}", m.to_ascii_lowercase()));
    }
    join_args(a)
}

fn index_columns_for_remove(idx: &Index) -> Option<String> {
    let cols: Option<Vec<String>> = idx
        .parts
        .iter()
        .map(|p| match &p.key {
            IndexKey::Column(c) => Some(sym(c)),
            IndexKey::Expr(_) => None,
        })
        .collect();
    cols.map(|c| format!("[{}]", c.join(", ")))
}

fn check_args(table: &str, chk: &Check) -> String {
    let mut a = vec![sym(table), ruby_str(&chk.expr.sql)];
    if let Some(n) = &chk.name
        && *n != names::check_name(table, &chk.expr.sql)
    {
        a.push(format!("name: {}", ruby_str(n)));
    }
    join_args(a)
}

/// `create_join_table :a, :b` when the table is exactly what it creates: no key, two
/// `<singular>_id` bigint NOT NULL columns, and the name Active Record derives.
fn join_table_call(ctx: &Context, name: &str, table: &Table) -> Option<Op> {
    if table.primary_key.is_some() || table.columns.len() != 2 || table.comment.is_some() {
        return None;
    }
    let mut plurals = Vec::new();
    for c in table.columns.values() {
        let ar = ctx.column(name, c);
        let base = c.name.strip_suffix("_id")?;
        if ar.ty != "bigint" || ar.null != Some(false) || ar.default.is_some() || ar.limit.is_some()
        {
            return None;
        }
        let plural = inflect::pluralize(base);
        if inflect::singularize(&plural) != base {
            return None;
        }
        plurals.push(plural);
    }
    if names::join_table_name(&plurals[0], &plurals[1]) != name {
        return None;
    }
    let mut code = format!(
        "create_join_table {}, {}",
        sym(&plurals[0]),
        sym(&plurals[1])
    );
    let mut body = Vec::new();
    for idx in &table.indexes {
        body.push(format!("t.index {}", index_args(ctx, name, idx)));
    }
    for chk in &table.checks {
        body.push(format!("t.check_constraint {}", ruby_str(&chk.expr.sql)));
        if chk.name.is_some() {
            return None;
        }
    }
    if !table.uniques.is_empty() {
        return None;
    }
    if !body.is_empty() {
        code.push_str(" do |t|\n");
        for b in body {
            code.push_str(&format!("  {b}\n"));
        }
        code.push_str("end");
    }
    Some(op(code))
}

/// `create_table` with its block (also the block `drop_table` needs to be reversible).
fn create_table(ctx: &Context, name: &str, table: &Table, verb: &str) -> Vec<Op> {
    if verb == "create_table"
        && let Some(o) = join_table_call(ctx, name, table)
    {
        return vec![o];
    }
    let written = ctx.ar_table(name);
    let pk_cols: Vec<String> = table
        .primary_key
        .as_ref()
        .map(|p| p.columns.clone())
        .unwrap_or_default();
    let mut header = vec![sym(name)];
    let mut body: Vec<String> = Vec::new();
    let mut skip_pk = false;
    match pk_cols.as_slice() {
        [] => header.push("id: false".into()),
        [one] => {
            let col = table.column(one);
            let written_pk =
                written.and_then(|t| t.columns.iter().find(|c| c.primary_key && c.name == *one));
            let auto = col.is_some_and(|c| {
                matches!(
                    c.identity,
                    Some(Identity::Serial { .. } | Identity::AutoIncrement)
                ) || ctx.dialect == Dialect::Sqlite && sqlite_integer(&c.ty)
            });
            match (written_pk, col) {
                (Some(w), _) if w.ty == "primary_key" => {
                    if w.name != "id" {
                        header.push(format!("primary_key: {}", sym(&w.name)));
                    }
                }
                (Some(w), _) => {
                    header.push(format!("id: :{}", w.ty));
                    if w.name != "id" {
                        header.push(format!("primary_key: {}", sym(&w.name)));
                    }
                    if let Some(d) = &w.default {
                        header.push(format!("default: {}", ruby_value(d)));
                    }
                }
                (None, Some(c)) if auto => {
                    if *one != "id" {
                        header.push(format!("primary_key: {}", sym(one)));
                    }
                    let bigint = matches!(c.ty, ColumnType::Integer { bytes: 8, .. });
                    if !bigint && ctx.dialect != Dialect::Sqlite {
                        header.push("id: :integer".into());
                    }
                }
                (None, Some(c)) => {
                    let ar = from_model(c);
                    header.push(format!("id: {}", sym(&ar.ty)));
                    if *one != "id" {
                        header.push(format!("primary_key: {}", sym(one)));
                    }
                    if let Some(d) = &ar.default {
                        header.push(format!("default: {}", ruby_value(d)));
                    }
                }
                (None, None) => header.push("id: false".into()),
            }
            skip_pk = true;
        }
        many => {
            header.push(format!(
                "primary_key: [{}]",
                many.iter().map(|c| sym(c)).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if let Some(c) = &table.comment {
        header.push(format!("comment: {}", ruby_str(c)));
    }
    let mut cols: Vec<&Column> = table
        .columns
        .values()
        .filter(|c| !(skip_pk && pk_cols.contains(&c.name)))
        .collect();
    // `t.timestamps` when both columns are what it writes.
    let ts = |n: &str| {
        table
            .column(n)
            .map(|c| ctx.column(name, c))
            .is_some_and(|c| {
                c.ty == "datetime"
                    && c.null == Some(false)
                    && c.precision == Some(6)
                    && c.default.is_none()
            })
    };
    let timestamps = ts("created_at") && ts("updated_at");
    for c in cols.drain(..) {
        if timestamps && (c.name == "created_at" || c.name == "updated_at") {
            if c.name == "created_at" {
                body.push("t.timestamps".into());
            }
            continue;
        }
        let ar = ctx.column_on(name, c, verb == "drop_table");
        let mut a = vec![sym(&ar.name)];
        a.extend(column_options(&ar));
        // `t.<type>` only for the column methods Active Record 6.1 defines on this adapter
        // (`t.timestamptz` is 7.0+): any other type goes through `t.column` as SQL.
        if ar.ty.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')
            && migrex_source_orm::rails::dsl::column_method_exists(ctx.dialect, &ar.ty)
        {
            body.push(format!("t.{} {}", ar.ty, join_args(a)));
        } else {
            let mut a = vec![sym(&ar.name), ruby_str(&ar.ty)];
            a.extend(column_options(&ar));
            body.push(format!("t.column {}", join_args(a)));
        }
    }
    for idx in &table.indexes {
        body.push(format!("t.index {}", index_args(ctx, name, idx)));
    }
    for u in &table.uniques {
        let idx = Index {
            name: u
                .name
                .clone()
                .unwrap_or_else(|| names::index_name(name, &u.columns)),
            unique: true,
            parts: u
                .columns
                .iter()
                .map(migrex_model::IndexPart::column)
                .collect(),
            method: None,
            include: Vec::new(),
            predicate: None,
            nulls_not_distinct: false,
            comment: None,
        };
        body.push(format!("t.index {}", index_args(ctx, name, &idx)));
    }
    // Keys and checks where the project's schema.rb has them: inside the block or after it.
    // On SQLite this decides whether Active Record rebuilds the table, which changes it.
    let written_table = written.filter(|_| verb == "create_table");
    let mut after_ops = Vec::new();
    if let Some(w) = written_table {
        for fk in &w.foreign_keys {
            let mut a = vec![sym(&fk.to_table)];
            if fk.column != names::foreign_key_column(&fk.to_table) {
                a.push(format!("column: {}", sym(&fk.column)));
            }
            if fk.primary_key != "id" {
                a.push(format!("primary_key: {}", sym(&fk.primary_key)));
            }
            if let Some(d) = &fk.on_delete {
                a.push(format!("on_delete: :{d}"));
            }
            if let Some(u) = &fk.on_update {
                a.push(format!("on_update: :{u}"));
            }
            if let Some(n) = &fk.given_name {
                a.push(format!("name: {}", ruby_str(n)));
            }
            body.push(format!("t.foreign_key {}", join_args(a)));
            ctx.inline_fks
                .borrow_mut()
                .push((name.to_string(), fk.name.clone()));
        }
    }
    for chk in &table.checks {
        if let Some(w) = written_table
            && w.all_checks().any(|c| Some(&c.name) == chk.name.as_ref())
            && !w.checks.iter().any(|c| Some(&c.name) == chk.name.as_ref())
        {
            after_ops.push(op(format!(
                "add_check_constraint {}",
                check_args(name, chk)
            )));
            continue;
        }
        let mut a = vec![ruby_str(&chk.expr.sql)];
        if let Some(n) = &chk.name
            && *n != names::check_name(name, &chk.expr.sql)
        {
            a.push(format!("name: {}", ruby_str(n)));
        }
        body.push(format!("t.check_constraint {}", join_args(a)));
    }
    let mut code = format!("{verb} {} do |t|\n", join_args(header));
    for b in body {
        code.push_str(&format!("  {b}\n"));
    }
    code.push_str("end");
    let mut ops = vec![op(code)];
    ops.extend(after_ops);
    ops
}

/// The statements of one step, or `None` when Active Record has no statement for it (the
/// caller writes its SQL with `execute`).
pub fn step_ops(ctx: &Context, step: &Step) -> Result<Option<Vec<Op>>, WriteError> {
    let t = |q: &QualifiedName| q.name.clone();
    Ok(Some(match &step.change {
        Change::CreateTable { name, table } => {
            let mut ops = create_table(ctx, &name.name, table, "create_table");
            // Keys the planner kept with the table are added after it, as schema.rb does.
            for fk in &table.foreign_keys {
                if ctx.is_inline(&name.name, fk) {
                    continue;
                }
                ops.push(op(format!(
                    "add_foreign_key {}",
                    foreign_key_args(ctx, &name.name, fk)?
                )));
            }
            ops
        }
        Change::DropTable { name, table } => {
            let mut ops = Vec::new();
            for fk in &table.foreign_keys {
                ops.push(op(format!(
                    "remove_foreign_key {}",
                    foreign_key_args(ctx, &name.name, fk)?
                )));
            }
            let mut t2 = table.clone();
            t2.foreign_keys.clear();
            ops.extend(create_table(ctx, &name.name, &t2, "drop_table"));
            ops
        }
        Change::RenameTable { from, to } => {
            vec![op(format!(
                "rename_table {}, {}",
                sym(&from.name),
                sym(&to.name)
            ))]
        }
        Change::AddColumn { table, column } => {
            let ar = ctx.column(&table.name, column);
            let mut a = vec![sym(&t(table)), sym(&ar.name), sym(&ar.ty)];
            a.extend(column_options(&ar));
            vec![op(format!("add_column {}", join_args(a)))]
        }
        Change::DropColumn { table, column } => {
            let ar = ctx.column_on(&table.name, column, true);
            let mut a = vec![sym(&t(table)), sym(&ar.name), sym(&ar.ty)];
            a.extend(column_options(&ar));
            vec![op(format!("remove_column {}", join_args(a)))]
        }
        Change::RenameColumn { table, from, to } => vec![op(format!(
            "rename_column {}, {}, {}",
            sym(&t(table)),
            sym(from),
            sym(to)
        ))],
        Change::AlterColumn { table, from, to } => alter_column(ctx, &table.name, from, to),
        Change::AddForeignKey { table, foreign_key } if ctx.is_inline(&table.name, foreign_key) => {
            Vec::new()
        }
        Change::AddForeignKey { table, foreign_key } => vec![op(format!(
            "add_foreign_key {}",
            foreign_key_args(ctx, &table.name, foreign_key)?
        ))],
        Change::DropForeignKey { table, foreign_key } => vec![op(format!(
            "remove_foreign_key {}",
            foreign_key_args(ctx, &table.name, foreign_key)?
        ))],
        Change::AddCheck { table, check } => {
            vec![op(format!(
                "add_check_constraint {}",
                check_args(&table.name, check)
            ))]
        }
        Change::DropCheck { table, check } => vec![op(format!(
            "remove_check_constraint {}",
            check_args(&table.name, check)
        ))],
        Change::CreateIndex { table, index } => vec![op(format!(
            "add_index {}, {}",
            sym(&t(table)),
            index_args(ctx, &table.name, index)
        ))],
        Change::DropIndex { table, index } => vec![remove_index(ctx, &table.name, index, false)],
        Change::RenameIndex { table, from, to } => vec![op(format!(
            "rename_index {}, {}, {}",
            sym(&t(table)),
            ruby_str(from),
            ruby_str(to)
        ))],
        Change::SetTableComment { table, from, to } => vec![op(format!(
            "change_table_comment {}, from: {}, to: {}",
            sym(&t(table)),
            from.as_deref().map_or("nil".into(), ruby_str),
            to.as_deref().map_or("nil".into(), ruby_str)
        ))],
        Change::CreateExtension { extension } => {
            vec![op(format!(
                "enable_extension {}",
                ruby_str(&extension.name)
            ))]
        }
        Change::DropExtension { extension } => {
            vec![op(format!(
                "disable_extension {}",
                ruby_str(&extension.name)
            ))]
        }
        Change::Online {
            table,
            operation: OnlineOp::CreateIndex { index },
        } if ctx.dialect == Dialect::Postgres => vec![Op {
            code: format!(
                "add_index {}, {}, algorithm: :concurrently",
                sym(&t(table)),
                index_args(ctx, &table.name, index)
            ),
            reversible: true,
            outside_transaction: true,
        }],
        Change::Online {
            table,
            operation: OnlineOp::DropIndex { index },
        } if ctx.dialect == Dialect::Postgres => vec![remove_index(ctx, &table.name, index, true)],
        Change::RebuildTable { name, from, to } => match rebuild(ctx, &name.name, from, to)? {
            Some(ops) => ops,
            None => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

fn remove_index(ctx: &Context, table: &str, index: &Index, concurrently: bool) -> Op {
    let mut code = match index_columns_for_remove(index) {
        Some(cols) => {
            // `remove_index` is reversible when it names the columns and the options.
            let args = index_args(ctx, table, index);
            let opts = args.split_once("], ").map(|(_, o)| o.to_string());
            let mut s = format!("remove_index {}, column: {cols}", sym(table));
            let has_name = opts.as_deref().is_some_and(|o| o.contains("name:"));
            if !has_name {
                s.push_str(&format!(", name: {}", ruby_str(&index.name)));
            }
            if let Some(o) = opts {
                s.push_str(&format!(", {o}"));
            }
            s
        }
        None => format!(
            "remove_index {}, name: {}",
            sym(table),
            ruby_str(&index.name)
        ),
    };
    if concurrently {
        code.push_str(", algorithm: :concurrently");
    }
    Op {
        reversible: index_columns_for_remove(index).is_some(),
        outside_transaction: concurrently,
        code,
    }
}

fn alter_column(ctx: &Context, table: &str, from: &Column, to: &Column) -> Vec<Op> {
    let a = ctx.column_on(table, from, true);
    let b = ctx.column(table, to);
    let same_type = a.ty == b.ty
        && a.limit == b.limit
        && a.size == b.size
        && a.precision == b.precision
        && a.scale == b.scale
        && a.array == b.array
        && a.collation == b.collation
        && from.ty == to.ty;
    let mut ops = Vec::new();
    if !same_type {
        let mut args = vec![sym(table), sym(&b.name), sym(&b.ty)];
        args.extend(column_options(&b));
        ops.push(irreversible(format!("change_column {}", join_args(args))));
        return ops;
    }
    if from.default != to.default {
        ops.push(op(format!(
            "change_column_default {}, {}, from: {}, to: {}",
            sym(table),
            sym(&b.name),
            a.default.as_ref().map_or("nil".into(), ruby_value),
            b.default.as_ref().map_or("nil".into(), ruby_value)
        )));
    }
    if from.nullable != to.nullable {
        ops.push(op(format!(
            "change_column_null {}, {}, {}",
            sym(table),
            sym(&b.name),
            to.nullable
        )));
    }
    if from.comment != to.comment {
        ops.push(op(format!(
            "change_column_comment {}, {}, from: {}, to: {}",
            sym(table),
            sym(&b.name),
            from.comment.as_deref().map_or("nil".into(), ruby_str),
            to.comment.as_deref().map_or("nil".into(), ruby_str)
        )));
    }
    if ops.is_empty() {
        // Identity or generated-column changes: Active Record has no statement for them.
        let mut args = vec![sym(table), sym(&b.name), sym(&b.ty)];
        args.extend(column_options(&b));
        ops.push(irreversible(format!("change_column {}", join_args(args))));
    }
    ops
}

/// SQLite's table rebuild as the statements Active Record would use (it rebuilds on its own).
fn rebuild(
    ctx: &Context,
    name: &str,
    from: &Table,
    to: &Table,
) -> Result<Option<Vec<Op>>, WriteError> {
    if from.primary_key != to.primary_key {
        return Ok(None);
    }
    let q = QualifiedName::new("", name);
    let mut steps: Vec<Change> = Vec::new();
    for fk in &from.foreign_keys {
        if !to.foreign_keys.contains(fk) {
            steps.push(Change::DropForeignKey {
                table: q.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    for idx in &from.indexes {
        if !to.indexes.contains(idx) {
            steps.push(Change::DropIndex {
                table: q.clone(),
                index: idx.clone(),
            });
        }
    }
    for chk in &from.checks {
        if !to.checks.contains(chk) {
            steps.push(Change::DropCheck {
                table: q.clone(),
                check: chk.clone(),
            });
        }
    }
    for (n, c) in &to.columns {
        match from.columns.get(n) {
            None => steps.push(Change::AddColumn {
                table: q.clone(),
                column: c.clone(),
            }),
            Some(old) if old != c => steps.push(Change::AlterColumn {
                table: q.clone(),
                from: old.clone(),
                to: c.clone(),
            }),
            Some(_) => {}
        }
    }
    for (n, c) in &from.columns {
        if !to.columns.contains_key(n) {
            steps.push(Change::DropColumn {
                table: q.clone(),
                column: c.clone(),
            });
        }
    }
    for idx in &to.indexes {
        if !from.indexes.contains(idx) {
            steps.push(Change::CreateIndex {
                table: q.clone(),
                index: idx.clone(),
            });
        }
    }
    for chk in &to.checks {
        if !from.checks.contains(chk) {
            steps.push(Change::AddCheck {
                table: q.clone(),
                check: chk.clone(),
            });
        }
    }
    for fk in &to.foreign_keys {
        if !from.foreign_keys.contains(fk) {
            steps.push(Change::AddForeignKey {
                table: q.clone(),
                foreign_key: fk.clone(),
            });
        }
    }
    let mut ops = Vec::new();
    for change in steps {
        let step = Step {
            id: 0,
            change,
            phase: migrex_model::Phase::Expand,
            depends_on: Vec::new(),
            transactional: true,
        };
        match step_ops(ctx, &step)? {
            Some(o) => ops.extend(o),
            None => return Ok(None),
        }
    }
    Ok(Some(ops))
}

/// The SQL of one step (for `execute`).
pub fn step_sql(dialect: Dialect, step: &Step) -> Result<Vec<String>, WriteError> {
    let plan = Plan {
        dialect,
        steps: vec![step.clone()],
        notes: Vec::new(),
    };
    let rendered = match migrex_render_sql::render_plan(&plan) {
        Ok(r) => r,
        Err(_) => migrex_render_sql::render_online_plan(
            &plan,
            &migrex_render_sql::OnlineRender {
                lock_timeout_ms: 2000,
            },
        )?,
    };
    Ok(rendered.into_iter().flat_map(|r| r.statements).collect())
}

/// `execute <<~SQL ... SQL` for each statement.
pub fn execute(statements: &[String]) -> String {
    statements
        .iter()
        .map(|s| {
            let body: String = s
                .trim_end_matches(';')
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect();
            format!("execute <<~'SQL'\n{body}SQL")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
