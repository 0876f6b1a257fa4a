//! `dc`: the command line. Parses arguments and hands off to the driver.

// The AST covers the whole grammar; later stages read more of it as they grow.
#[allow(dead_code)]
mod ast;
mod ast_copy;
mod check;
mod clib;
mod compile;
mod diag;
mod driver;
mod escape;
mod fuzz;
mod layout;
mod lexer;
mod lower;
mod parser;
mod source;
mod types;

use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "dc", version, about = "dc: a native compiler for the dusk language")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile FILE to a native executable.
    Build(BuildArgs),
    /// Compile FILE to a temporary executable and run it with ARGS.
    Run(RunArgs),
    /// Run the front end only: parse, resolve and type-check FILE.
    Check(CommonArgs),
    /// Fuzz the front end with mutated sources (a development tool; see DEVELOPERS.md).
    #[command(hide = true)]
    Fuzz(fuzz::FuzzArgs),
}

#[derive(Args, Clone)]
pub struct CommonArgs {
    /// The dusk source file.
    pub file: String,
    /// Target: x86_64-linux or aarch64-linux (full triples accepted). Default: the host.
    #[arg(long)]
    pub target: Option<String>,
    /// Optimise (-O) or not (-O0).
    #[arg(short = 'O', value_name = "LEVEL", num_args = 0..=1, default_missing_value = "1")]
    pub opt: Option<String>,
}

#[derive(Args, Clone)]
pub struct BuildArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Output path (default: the file's stem in the current directory).
    #[arg(short = 'o')]
    pub output: Option<String>,
    /// What to write: exe, obj, asm or ir.
    #[arg(long, default_value = "exe")]
    pub emit: String,
    /// Leave out the DWARF debug information (it is on by default).
    #[arg(long)]
    pub strip: bool,
}

#[derive(Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Arguments passed to the program.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<String>,
}

fn main() -> ExitCode {
    // `dc FILE ...` is shorthand for `dc build FILE ...`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        let verb = matches!(first, "build" | "run" | "check" | "fuzz" | "help" | "-h" | "--help" | "-V" | "--version");
        if !verb {
            args.insert(1, "build".into());
        }
    }
    let cli = Cli::parse_from(args);
    let code = match cli.command {
        Command::Build(b) => driver::build(&b),
        Command::Run(r) => driver::run(&r),
        Command::Check(c) => driver::check(&c),
        Command::Fuzz(f) => fuzz::main(&f),
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}
