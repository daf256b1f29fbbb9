//! Django's field classes: which ones exist, their internal types and defaults, and the column
//! type each backend's `data_types` table gives them (`django/db/backends/*/base.py`).

use migrex_model::Dialect;

/// `Field.get_internal_type()` of a field class of `django.db.models`, `None` when the name is
/// not one of Django's fields.
pub fn internal_type(class: &str) -> Option<&'static str> {
    Some(match class {
        "AutoField" => "AutoField",
        "BigAutoField" => "BigAutoField",
        "SmallAutoField" => "SmallAutoField",
        "BooleanField" | "NullBooleanField" => "BooleanField",
        "CharField" | "EmailField" | "URLField" => "CharField",
        "SlugField" => "SlugField",
        "TextField" => "TextField",
        "DateField" => "DateField",
        "DateTimeField" => "DateTimeField",
        "TimeField" => "TimeField",
        "DurationField" => "DurationField",
        "DecimalField" => "DecimalField",
        "FloatField" => "FloatField",
        "IntegerField" => "IntegerField",
        "BigIntegerField" => "BigIntegerField",
        "SmallIntegerField" => "SmallIntegerField",
        "PositiveIntegerField" => "PositiveIntegerField",
        "PositiveBigIntegerField" => "PositiveBigIntegerField",
        "PositiveSmallIntegerField" => "PositiveSmallIntegerField",
        "UUIDField" => "UUIDField",
        "JSONField" => "JSONField",
        "BinaryField" => "BinaryField",
        "GenericIPAddressField" => "GenericIPAddressField",
        "FileField" | "ImageField" => "FileField",
        "FilePathField" => "FilePathField",
        "ForeignKey" => "ForeignKey",
        "OneToOneField" => "OneToOneField",
        "ManyToManyField" => "ManyToManyField",
        _ => return None,
    })
}

/// The `max_length` a field class sets when none is given.
pub fn default_max_length(class: &str) -> Option<i64> {
    match class {
        "EmailField" => Some(254),
        "URLField" => Some(200),
        "SlugField" => Some(50),
        "FileField" | "ImageField" | "FilePathField" => Some(100),
        "GenericIPAddressField" => Some(39),
        _ => None,
    }
}

/// Whether a field class indexes its column unless told otherwise (`db_index=True` default).
pub fn default_db_index(class: &str) -> bool {
    matches!(class, "SlugField" | "ForeignKey" | "OneToOneField")
}

pub fn is_auto(internal: &str) -> bool {
    matches!(internal, "AutoField" | "BigAutoField" | "SmallAutoField")
}

/// `field.db_type(connection)` from the backend's `data_types`.
pub fn db_type(
    dialect: Dialect,
    internal: &str,
    max_length: Option<i64>,
    max_digits: Option<i64>,
    decimal_places: Option<i64>,
) -> Option<String> {
    let varchar = || match max_length {
        Some(n) => format!("varchar({n})"),
        None => "varchar".to_string(),
    };
    let t = match dialect {
        Dialect::Sqlite => match internal {
            "AutoField" | "BigAutoField" | "SmallAutoField" => "integer".into(),
            "BinaryField" => "BLOB".into(),
            "BooleanField" => "bool".into(),
            "CharField" | "SlugField" | "FileField" | "FilePathField" => varchar(),
            "DateField" => "date".into(),
            "DateTimeField" => "datetime".into(),
            "DecimalField" => "decimal".into(),
            "DurationField" => "bigint".into(),
            "FloatField" => "real".into(),
            "IntegerField" => "integer".into(),
            "BigIntegerField" => "bigint".into(),
            "GenericIPAddressField" => "char(39)".into(),
            "JSONField" => "text".into(),
            "PositiveBigIntegerField" => "bigint unsigned".into(),
            "PositiveIntegerField" => "integer unsigned".into(),
            "PositiveSmallIntegerField" => "smallint unsigned".into(),
            "SmallIntegerField" => "smallint".into(),
            "TextField" => "text".into(),
            "TimeField" => "time".into(),
            "UUIDField" => "char(32)".into(),
            _ => return None,
        },
        Dialect::Postgres => match internal {
            "AutoField" => "integer".into(),
            "BigAutoField" => "bigint".into(),
            "SmallAutoField" => "smallint".into(),
            "BinaryField" => "bytea".into(),
            "BooleanField" => "boolean".into(),
            "CharField" | "SlugField" | "FileField" | "FilePathField" => varchar(),
            "DateField" => "date".into(),
            "DateTimeField" => "timestamp with time zone".into(),
            "DecimalField" => format!(
                "numeric({}, {})",
                max_digits.unwrap_or(0),
                decimal_places.unwrap_or(0)
            ),
            "DurationField" => "interval".into(),
            "FloatField" => "double precision".into(),
            "IntegerField" | "PositiveIntegerField" => "integer".into(),
            "BigIntegerField" | "PositiveBigIntegerField" => "bigint".into(),
            "GenericIPAddressField" => "inet".into(),
            "JSONField" => "jsonb".into(),
            "SmallIntegerField" | "PositiveSmallIntegerField" => "smallint".into(),
            "TextField" => "text".into(),
            "TimeField" => "time".into(),
            "UUIDField" => "uuid".into(),
            _ => return None,
        },
        // MariaDB 10.7+ has a native uuid type (`has_native_uuid_field`); MySQL 8 does not.
        Dialect::Mysql => match internal {
            "AutoField" => "integer AUTO_INCREMENT".into(),
            "BigAutoField" => "bigint AUTO_INCREMENT".into(),
            "SmallAutoField" => "smallint AUTO_INCREMENT".into(),
            "BinaryField" => "longblob".into(),
            "BooleanField" => "bool".into(),
            "CharField" | "SlugField" | "FileField" | "FilePathField" => varchar(),
            "DateField" => "date".into(),
            "DateTimeField" => "datetime(6)".into(),
            "DecimalField" => format!(
                "numeric({}, {})",
                max_digits.unwrap_or(0),
                decimal_places.unwrap_or(0)
            ),
            "DurationField" => "bigint".into(),
            "FloatField" => "double precision".into(),
            "IntegerField" => "integer".into(),
            "BigIntegerField" => "bigint".into(),
            "GenericIPAddressField" => "char(39)".into(),
            "JSONField" => "json".into(),
            "PositiveBigIntegerField" => "bigint UNSIGNED".into(),
            "PositiveIntegerField" => "integer UNSIGNED".into(),
            "PositiveSmallIntegerField" => "smallint UNSIGNED".into(),
            "SmallIntegerField" => "smallint".into(),
            "TextField" => "longtext".into(),
            "TimeField" => "time(6)".into(),
            "UUIDField" => "uuid".into(),
            _ => return None,
        },
    };
    Some(t)
}

/// `field.rel_db_type(connection)`: the type of a column that points at this field.
pub fn rel_db_type(
    dialect: Dialect,
    internal: &str,
    max_length: Option<i64>,
    max_digits: Option<i64>,
    decimal_places: Option<i64>,
) -> Option<String> {
    // MySQL's `related_fields_match_type`: a key pointing at a positive integer is unsigned too.
    let match_type = dialect == Dialect::Mysql;
    let as_int = match internal {
        "AutoField" => Some("IntegerField"),
        "BigAutoField" => Some("BigIntegerField"),
        "SmallAutoField" => Some("SmallIntegerField"),
        "PositiveIntegerField" if !match_type => Some("IntegerField"),
        "PositiveBigIntegerField" if !match_type => Some("BigIntegerField"),
        "PositiveSmallIntegerField" if !match_type => Some("SmallIntegerField"),
        _ => None,
    };
    match as_int {
        Some(t) => db_type(dialect, t, None, None, None),
        None => db_type(dialect, internal, max_length, max_digits, decimal_places),
    }
}

/// `data_type_check_constraints` of the backend, for a column.
pub fn type_check(dialect: Dialect, internal: &str, column: &str) -> Option<String> {
    let c = column;
    match (dialect, internal) {
        (
            Dialect::Sqlite | Dialect::Postgres,
            "PositiveBigIntegerField" | "PositiveIntegerField" | "PositiveSmallIntegerField",
        ) => Some(format!("\"{c}\" >= 0")),
        (
            Dialect::Mysql,
            "PositiveBigIntegerField" | "PositiveIntegerField" | "PositiveSmallIntegerField",
        ) => Some(format!("`{c}` >= 0")),
        (Dialect::Sqlite, "JSONField") => Some(format!("(JSON_VALID(\"{c}\") OR \"{c}\" IS NULL)")),
        _ => None,
    }
}
