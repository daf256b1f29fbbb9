//! `migrex erd SOURCE`: the entity-relationship diagram of a schema as Mermaid, DOT, SVG, PNG
//! or terminal text.

use crate::DialectArg;
use clap::{Args, ValueEnum};
use migrex_report::{Erd, ErdOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ErdFormat {
    Mermaid,
    Dot,
    Svg,
    Png,
    Text,
}

#[derive(Args)]
pub struct ErdArgs {
    /// A .sql file or a database URL.
    source: String,
    #[arg(long, value_enum)]
    dialect: Option<DialectArg>,
    #[arg(long, value_enum, default_value = "text")]
    format: ErdFormat,
    /// Write here instead of stdout (required for png unless stdout is redirected).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// List every column, not only key columns.
    #[arg(long)]
    all_columns: bool,
}

pub fn run(args: ErdArgs, quiet: bool) -> Result<ExitCode, migrex::Error> {
    let loaded = migrex::load(&args.source, args.dialect.map(Into::into))?;
    if !quiet {
        for w in &loaded.warnings {
            eprintln!("warning: {w}");
        }
    }
    let erd = Erd::new(
        &loaded.schema,
        ErdOptions {
            all_columns: args.all_columns,
        },
    );
    let bytes: Vec<u8> = match args.format {
        ErdFormat::Mermaid => erd.mermaid().into_bytes(),
        ErdFormat::Dot => erd.dot().into_bytes(),
        ErdFormat::Svg => erd.svg().into_bytes(),
        ErdFormat::Text => erd.text().into_bytes(),
        ErdFormat::Png => erd.png().map_err(|e| migrex::Error::Usage(e.to_string()))?,
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes).map_err(|e| migrex::Error::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            if !quiet {
                eprintln!(
                    "wrote the diagram of {} tables to {}",
                    erd.tables.len(),
                    path.display()
                );
            }
        }
        None => {
            if args.format == ErdFormat::Png && std::io::IsTerminal::is_terminal(&std::io::stdout())
            {
                return Err(migrex::Error::Usage(
                    "a PNG on a terminal is noise: pass --out FILE or redirect stdout".into(),
                ));
            }
            let _ = std::io::stdout().lock().write_all(&bytes);
        }
    }
    Ok(ExitCode::SUCCESS)
}
