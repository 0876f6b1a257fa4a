//! `dc`: the command line. Parses arguments and hands off to the driver.

mod driver;
#[allow(dead_code)]
mod source;
#[allow(dead_code)]
mod diag;
#[allow(dead_code)]
mod ast;
#[allow(dead_code)]
mod lexer;
#[allow(dead_code)]
mod parser;

use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "dc", version, about = "dc: a native compiler for the dusk language", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// `dc FILE` is `dc build FILE`.
    #[command(flatten)]
    build: Option<BuildArgs>,
}

#[derive(Subcommand)]
enum Command {
    /// Compile FILE to a native executable.
    Build(BuildArgs),
    /// Compile FILE to a temporary executable and run it with ARGS.
    Run(RunArgs),
    /// Run the front end only: parse, resolve and type-check FILE.
    Check(CommonArgs),
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
    let cli = Cli::parse();
    let code = match (cli.command, cli.build) {
        (Some(Command::Build(b)), _) | (None, Some(b)) => driver::build(&b),
        (Some(Command::Run(r)), _) => driver::run(&r),
        (Some(Command::Check(c)), _) => driver::check(&c),
        (None, None) => {
            eprintln!("dc: no input file (try `dc --help`)");
            2
        }
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}
