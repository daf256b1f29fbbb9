//! The server a change runs on: dialect, flavor (MySQL or MariaDB) and version.

use migrex_model::Dialect;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which server family: MySQL and MariaDB share a dialect but not their online DDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    Postgres,
    Mysql,
    Mariadb,
    Sqlite,
}

/// A server version as `major.minor.patch` (PostgreSQL 16.4 is 16.4.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl Version {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Reads `16`, `16.4`, `8.0.36`, `10.11.6-MariaDB-0+deb12u1` or `PostgreSQL 16.4 (Debian ...)`:
    /// the first dotted run of digits.
    pub fn parse(text: &str) -> Option<Version> {
        let start = text.find(|c: char| c.is_ascii_digit())?;
        let run: String = text[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = run
            .split('.')
            .filter(|p| !p.is_empty())
            .map(str::parse::<u32>);
        let major = parts.next()?.ok()?;
        let minor = parts.next().and_then(Result::ok).unwrap_or(0);
        let patch = parts.next().and_then(Result::ok).unwrap_or(0);
        Some(Version::new(major, minor, patch))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The server a plan or a migration file is judged for. Without a version the analysis assumes
/// the oldest supported release of the flavor (PostgreSQL 12, MySQL 8.0.0, MariaDB 10.11, SQLite
/// 3.35): a fact that holds there holds later, except where a note says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub flavor: Flavor,
    pub version: Option<Version>,
}

impl Target {
    pub fn new(flavor: Flavor, version: Option<Version>) -> Target {
        Target { flavor, version }
    }

    /// The default flavor of a dialect (MySQL dialect means MySQL unless told MariaDB).
    pub fn of_dialect(dialect: Dialect, version: Option<Version>) -> Target {
        let flavor = match dialect {
            Dialect::Postgres => Flavor::Postgres,
            Dialect::Mysql => Flavor::Mysql,
            Dialect::Sqlite => Flavor::Sqlite,
        };
        Target { flavor, version }
    }

    /// From a server's own version string (`SELECT version()`): MariaDB says so in it.
    pub fn from_server_version(dialect: Dialect, text: &str) -> Target {
        let mut t = Target::of_dialect(dialect, Version::parse(text));
        if dialect == Dialect::Mysql && text.to_ascii_lowercase().contains("mariadb") {
            t.flavor = Flavor::Mariadb;
        }
        t
    }

    pub fn dialect(&self) -> Dialect {
        match self.flavor {
            Flavor::Postgres => Dialect::Postgres,
            Flavor::Mysql | Flavor::Mariadb => Dialect::Mysql,
            Flavor::Sqlite => Dialect::Sqlite,
        }
    }

    /// The version facts are judged at: the given one, or the oldest supported.
    pub fn effective_version(&self) -> Version {
        self.version.unwrap_or(match self.flavor {
            Flavor::Postgres => Version::new(12, 0, 0),
            Flavor::Mysql => Version::new(8, 0, 0),
            Flavor::Mariadb => Version::new(10, 11, 0),
            Flavor::Sqlite => Version::new(3, 35, 0),
        })
    }

    /// True when the server is at least `major.minor`.
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.effective_version() >= Version::new(major, minor, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_from_server_strings() {
        assert_eq!(Version::parse("16"), Some(Version::new(16, 0, 0)));
        assert_eq!(
            Version::parse("PostgreSQL 16.4 (Debian 16.4-1) on x86_64"),
            Some(Version::new(16, 4, 0))
        );
        let t = Target::from_server_version(Dialect::Mysql, "10.11.6-MariaDB-0+deb12u1");
        assert_eq!(t.flavor, Flavor::Mariadb);
        assert_eq!(t.version, Some(Version::new(10, 11, 6)));
        assert!(t.at_least(10, 11) && !t.at_least(11, 0));
        assert_eq!(Version::parse("no digits"), None);
    }
}
