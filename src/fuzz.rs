//! `dc fuzz`: a mutation fuzzer for the front end. A hidden subcommand, run by
//! hand (see DEVELOPERS.md), not part of `cargo test`.
//!
//! Inputs are mutants of a seed corpus (testsuite/**/*.dusk, examples/*.dusk,
//! and ../shared/conformance/examples/*.dusk when that directory exists, read
//! in place). Input number `i` is a pure function of (corpus, --seed, i), so a
//! run is reproducible and any input can be regenerated (`--print i`).
//!
//! Two processes, so that a hang or a stack overflow cannot take the record
//! with it:
//! - the worker (`dc fuzz --worker`) runs every input through the front end
//!   (lexer, parser, checker with monomorphization, escape analysis; with
//!   `--lower` also the IR lowering) in process, catching panics. Before each
//!   input it prints `run I ACCEPTED`, after a caught panic `panic I WHERE`.
//! - the supervisor (`dc fuzz`) reads those lines. An input that uses more
//!   than the timeout in CPU time is a hang: the supervisor kills the worker,
//!   saves input I and restarts the worker after it. A worker that dies
//!   (abort, stack overflow) is a crash, handled the same way.
//!
//! Every distinct failure is saved to the output directory with a
//! reproduction shrunk against the real compiler (`dc check FILE`).

use clap::Args;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

#[derive(Args, Clone)]
pub struct FuzzArgs {
    /// Seed of the mutations; the same seed gives the same inputs.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many inputs to run.
    #[arg(long, default_value_t = 100_000)]
    pub count: u64,
    /// Number of the first input (to resume a run).
    #[arg(long, default_value_t = 0)]
    pub start: u64,
    /// Where failing inputs are saved.
    #[arg(long, default_value = "target/fuzz")]
    pub out: PathBuf,
    /// Seed directories (searched recursively for *.dusk); default: testsuite,
    /// examples and ../shared/conformance/examples if it exists.
    #[arg(long)]
    pub corpus: Vec<PathBuf>,
    /// Also lower every accepted input to IR (x86-64 and AArch64 alternately).
    #[arg(long)]
    pub lower: bool,
    /// An input running longer than this (milliseconds) is a hang.
    #[arg(long, default_value_t = 1000)]
    pub timeout_ms: u64,
    /// Do not shrink failing inputs.
    #[arg(long)]
    pub no_minimize: bool,
    /// Print input number N to stdout and exit.
    #[arg(long, value_name = "N")]
    pub print: Option<u64>,
    /// Internal: be the worker process.
    #[arg(long, hide = true)]
    pub worker: bool,
}

pub fn main(a: &FuzzArgs) -> i32 {
    let corpus = match load_corpus(&a.corpus) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("dc fuzz: {}", e);
            return 2;
        }
    };
    if let Some(i) = a.print {
        print!("{}", mutate(&corpus, a.seed, i).text);
        return 0;
    }
    if a.worker {
        return worker(a, corpus);
    }
    supervise(a, &corpus)
}

// ---- The corpus ----

struct Seed {
    path: PathBuf,
    text: String,
    /// Byte ranges of its tokens (see `tokens`).
    toks: Vec<(u32, u32)>,
    /// Checks only with rt/ present (it allocates, imports std, ...); set by
    /// the worker, see `needs_runtime`.
    runtime: bool,
}

fn load_corpus(dirs: &[PathBuf]) -> Result<Vec<Seed>, String> {
    let dirs: Vec<PathBuf> = if dirs.is_empty() {
        let mut d = vec![PathBuf::from("testsuite"), PathBuf::from("examples")];
        let shared = PathBuf::from("../shared/conformance/examples");
        if shared.is_dir() {
            d.push(shared);
        }
        d
    } else {
        dirs.to_vec()
    };
    let mut paths = Vec::new();
    for d in &dirs {
        if !d.is_dir() {
            return Err(format!("corpus directory '{}' not found (run from the repository root)", d.display()));
        }
        collect_dusk(d, &mut paths);
    }
    paths.sort();
    let seeds: Vec<Seed> = paths
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let toks = tokens(&text);
            Some(Seed { path, text, toks, runtime: false })
        })
        .collect();
    if seeds.is_empty() {
        return Err("the corpus is empty".into());
    }
    Ok(seeds)
}

fn collect_dusk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_dusk(&p, out);
        } else if p.extension().map_or(false, |x| x == "dusk") {
            out.push(p);
        }
    }
}

/// A rough dusk tokenization, enough to mutate at token granularity: runs of
/// word characters, runs of blanks, string literals, and single characters.
fn tokens(text: &str) -> Vec<(u32, u32)> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        i += 1;
        if word(c) {
            while i < b.len() && word(b[i]) {
                i += 1;
            }
        } else if c == b' ' || c == b'\t' {
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
        } else if c == b'"' {
            while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
        }
        // Never split a UTF-8 sequence.
        while i < b.len() && !text.is_char_boundary(i) {
            i += 1;
        }
        out.push((start as u32, i as u32));
    }
    out
}

// ---- Mutation ----

/// splitmix64: small, fast, and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n (0 when n is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn pick<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        xs[self.below(xs.len())]
    }
}

const KEYWORDS: &[&str] = &[
    "func", "lambda", "struct", "enum", "interface", "impl", "foreign", "monad", "export", "mut", "using", "defer",
    "match", "return", "if", "else", "for", "while", "do", "in", "break", "continue", "true", "false", "null", "self",
    "Self", "@import", "@paradigm", "main", "println", "print", "alloc", "free", "new", "string", "char", "bool",
    "int8", "int32", "int64", "uint8", "uint64", "float32", "float64", "void", "raw", "with", "spawn", "x", "T",
];
const OPERATORS: &[&str] = &[
    ":=", "->", "=>", "<-", "..", "..=", "...", "==", "!=", "<=", ">=", "&&", "||", "&", "|", "^", "~", "<<", ">>", "**",
    "|>", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "=", "+", "-", "*", "/", "%", "<",
    ">", "!", ":", ";", ",", ".", "@", "?", "#", "$", "\\",
];
const BRACKETS: &[&str] = &["(", ")", "{", "}", "[", "]", "\n", "\"", "'", "f\"", "/*", "*/", "//"];
const NUMBERS: &[&str] = &[
    "0", "1", "-1", "2", "7", "8", "31", "32", "63", "64", "127", "128", "255", "256", "65535", "2147483647",
    "2147483648", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551615",
    "18446744073709551616", "99999999999999999999999", "0.0", "1.5", "1e9", "0x", "0xff", "1_000", "3i8", "3u64",
    "2.5f32", "1.0e400",
];
const STRINGS: &[&str] = &["\"\"", "\"a\"", "\"\\n\"", "\"\\u{1F600}\"", "\"{}\"", "f\"{x}\"", "'a'", "'\\0'", "\"é\""];
const BYTES: &[u8] = b"\0\t\r\n \"'\\{}()[]<>;:,.@#$`~0123456789azAZ_\x7f";

/// One generated input: its text, the seed it came from, and whether the
/// worker should check it with the runtime.
struct Input<'c> {
    text: String,
    seed: &'c Seed,
    runtime: bool,
}

/// Most inputs skip rt/: checking it costs ~15 ms, against well under a
/// millisecond for a typical input. Mutants of seeds that need it get it one
/// time in RUNTIME_EVERY.
const RUNTIME_EVERY: usize = 8;
/// Inputs are cut at this size (duplications compound).
const MAX_LEN: usize = 64 * 1024;

fn mutate<'c>(corpus: &'c [Seed], seed: u64, index: u64) -> Input<'c> {
    let mut rng = Rng::new(seed, index);
    let base = &corpus[rng.below(corpus.len())];
    let slice = |s: &'c Seed, (lo, hi): (u32, u32)| &s.text[lo as usize..hi as usize];
    let mut toks: Vec<&'c str> = base.toks.iter().map(|&r| slice(base, r)).collect();
    let mut runtime = base.runtime;
    // Mostly one mutation: small changes get past the parser to the checker.
    let rounds = if rng.below(2) == 0 { 1 } else { 2 + rng.below(3) };
    for _ in 0..rounds {
        let n = toks.len();
        // A random range of up to `max` tokens.
        let range = |rng: &mut Rng, max: usize| {
            let a = rng.below(n + 1);
            let len = rng.below(max.min(n - a) + 1);
            (a, a + len)
        };
        match rng.below(12) {
            0 => {
                let (a, b) = range(&mut rng, 16);
                toks.drain(a..b);
            }
            1 => {
                let (a, b) = range(&mut rng, 32);
                let copy: Vec<&str> = toks[a..b].to_vec();
                let at = if rng.below(2) == 0 { b } else { rng.below(n + 1) };
                toks.splice(at..at, copy);
            }
            2 => {
                // Swap two disjoint ranges: a..b and c..d become c..d and a..b.
                let mut cut = [rng.below(n + 1), rng.below(n + 1), rng.below(n + 1), rng.below(n + 1)];
                cut.sort();
                let [a, b, c, d] = cut;
                let mut v = toks[..a].to_vec();
                v.extend_from_slice(&toks[c..d]);
                v.extend_from_slice(&toks[b..c]);
                v.extend_from_slice(&toks[a..b]);
                v.extend_from_slice(&toks[d..]);
                toks = v;
            }
            3 | 4 => {
                let t = match rng.below(5) {
                    0 | 1 => rng.pick(KEYWORDS),
                    2 => rng.pick(OPERATORS),
                    3 => rng.pick(BRACKETS),
                    _ => rng.pick(STRINGS),
                };
                let at = rng.below(n + 1);
                toks.splice(at..at, [" ", t, " "]);
            }
            5 => {
                // Splice in a range of another file, inserted or replacing.
                let donor = &corpus[rng.below(corpus.len())];
                runtime |= donor.runtime;
                let m = donor.toks.len();
                let a = rng.below(m + 1);
                let b = a + rng.below(64.min(m - a) + 1);
                let piece: Vec<&str> = donor.toks[a..b].iter().map(|&r| slice(donor, r)).collect();
                let replace = if rng.below(2) == 0 { 0 } else { 64 };
                let (x, y) = range(&mut rng, replace);
                toks.splice(x..y, piece);
            }
            6 => {
                let nums: Vec<usize> = (0..n).filter(|&i| toks[i].as_bytes()[0].is_ascii_digit()).collect();
                if !nums.is_empty() {
                    let i = nums[rng.below(nums.len())];
                    toks[i] = rng.pick(NUMBERS);
                }
            }
            7 => {
                let ops: Vec<usize> = (0..n).filter(|&i| toks[i].len() == 1 && OPERATORS.contains(&toks[i])).collect();
                if !ops.is_empty() {
                    let i = ops[rng.below(ops.len())];
                    toks[i] = rng.pick(OPERATORS);
                }
            }
            8 => toks.truncate(rng.below(n + 1)),
            9 | 10 => {
                // One name for another of the same file: still parses, but
                // the types, kinds and arities stop fitting.
                let words: Vec<usize> = (0..n).filter(|&i| toks[i].as_bytes()[0].is_ascii_alphabetic()).collect();
                if !words.is_empty() {
                    let i = words[rng.below(words.len())];
                    toks[i] = if rng.below(4) == 0 { rng.pick(KEYWORDS) } else { toks[words[rng.below(words.len())]] };
                }
            }
            _ => {} // byte-level, below
        }
    }
    let mut bytes: Vec<u8> = toks.concat().into_bytes();
    if rng.below(4) == 0 {
        for _ in 0..1 + rng.below(3) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 => bytes.insert(at, BYTES[rng.below(BYTES.len())]),
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ if at < bytes.len() => bytes[at] = BYTES[rng.below(BYTES.len())],
                _ => {}
            }
        }
    }
    bytes.truncate(MAX_LEN);
    // A byte edit can split a UTF-8 sequence; dc refuses such files before
    // the lexer, so repair them rather than waste the input.
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let runtime = runtime && rng.below(RUNTIME_EVERY) == 0;
    Input { text, seed: base, runtime }
}

// ---- The worker ----

/// The last panic's location and message, recorded by the panic hook.
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

/// Runs one input through the front end; Ok(true) if it was accepted,
/// Err(where) if it panicked.
fn front_end(path: &Path, text: String, runtime: bool, lower: Option<dc_backend::Arch>) -> Result<bool, String> {
    let run = || {
        let arena = bumpalo::Bump::new();
        match crate::compile::front_end_text(&arena, path, text, runtime) {
            Ok(checked) => {
                if let Some(arch) = lower {
                    crate::lower::lower(&checked, arch);
                }
                true
            }
            Err(_) => false,
        }
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).map_err(|_| LAST_PANIC.lock().map(|s| s.clone()).unwrap_or_default())
}

/// A seed that fails without rt/ only for want of it (its diagnostics name
/// runtime functions) needs the runtime to get past the checker.
fn needs_runtime(seed: &Seed) -> bool {
    let arena = bumpalo::Bump::new();
    match crate::compile::front_end_text(&arena, &seed.path, seed.text.clone(), false) {
        Ok(_) => false,
        Err(d) => d.contains("__rt_") || d.contains("the runtime lacks"),
    }
}

fn worker(a: &FuzzArgs, mut corpus: Vec<Seed>) -> i32 {
    std::panic::set_hook(Box::new(|info| {
        let msg = info.payload().downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| info.payload().downcast_ref::<String>().cloned()).unwrap_or_default();
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
        if let Ok(mut s) = LAST_PANIC.lock() {
            *s = format!("{} {}", at, msg.replace('\n', " "));
        }
    }));
    for s in &mut corpus {
        s.runtime = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| needs_runtime(s))).unwrap_or(true);
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "ready");
    let mut accepted = 0u64;
    for i in a.start..a.start + a.count {
        let input = mutate(&corpus, a.seed, i);
        // Stdout is line-buffered: the supervisor sees this before the input runs.
        let _ = writeln!(out, "run {} {}", i, accepted);
        let lower = a.lower.then(|| if i % 2 == 0 { dc_backend::Arch::X86_64 } else { dc_backend::Arch::Aarch64 });
        match front_end(&input.seed.path, input.text, input.runtime, lower) {
            Ok(ok) => accepted += ok as u64,
            Err(at) => {
                let _ = writeln!(out, "panic {} {}", i, at);
            }
        }
    }
    let _ = writeln!(out, "done {} {}", a.start + a.count, accepted);
    0
}

// ---- The supervisor ----

#[derive(Default)]
struct Tally {
    inputs: u64,
    accepted: u64,
    panics: u64,
    hangs: u64,
    crashes: u64,
    /// Failure signature -> how often it was met; one saved input each.
    seen: HashMap<String, u64>,
}

fn spawn_worker(a: &FuzzArgs, from: u64, to: u64) -> std::io::Result<Child> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.args(["fuzz", "--worker", "--seed", &a.seed.to_string(), "--start", &from.to_string(), "--count", &(to - from).to_string()]);
    for c in &a.corpus {
        cmd.arg("--corpus").arg(c);
    }
    if a.lower {
        cmd.arg("--lower");
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn()
}

fn supervise(a: &FuzzArgs, corpus: &[Seed]) -> i32 {
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        eprintln!("dc fuzz: cannot create '{}': {}", a.out.display(), e);
        return 2;
    }
    println!("dc fuzz: {} seed files, seed {}, inputs {}..{}, timeout {} ms{}", corpus.len(), a.seed, a.start, a.start + a.count, a.timeout_ms, if a.lower { ", with lowering" } else { "" });
    let timeout = Duration::from_millis(a.timeout_ms);
    let end = a.start + a.count;
    let mut next = a.start;
    let mut t = Tally::default();
    let began = Instant::now();
    let mut last_report = Instant::now();
    while next < end {
        let mut child = match spawn_worker(a, next, end) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("dc fuzz: cannot start the worker: {}", e);
                return 2;
            }
        };
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // The input being run, once the worker has loaded the corpus.
        let mut current: Option<u64> = None;
        // Inputs accepted by this worker so far, as it last said.
        let mut accepted = 0;
        // The worker's CPU time when the current input was first seen to be slow.
        let mut slow_since: Option<Duration> = None;
        let mut silent = Instant::now();
        loop {
            // Loading the corpus takes a while; only inputs are timed.
            let wait = if current.is_some() { timeout } else { Duration::from_secs(120) };
            match rx.recv_timeout(wait) {
                Ok(line) => {
                    slow_since = None;
                    silent = Instant::now();
                    let mut w = line.splitn(3, ' ');
                    match (w.next(), w.next().and_then(|n| n.parse::<u64>().ok())) {
                        (Some("run" | "done"), Some(i)) => {
                            current = Some(i);
                            t.inputs += (line.starts_with("run")) as u64;
                            accepted = w.next().and_then(|n| n.parse().ok()).unwrap_or(accepted);
                        }
                        (Some("panic"), Some(i)) => {
                            t.panics += 1;
                            record(a, corpus, &mut t, "panic", i, w.next().unwrap_or(""));
                        }
                        _ => {}
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let Some(i) = current else {
                        let _ = child.kill();
                        let _ = child.wait();
                        eprintln!("dc fuzz: the worker did not start");
                        return 2;
                    };
                    // Wall-clock silence only prompts a look at the CPU clock: on a
                    // loaded machine an input can wait seconds for a core. A hang is
                    // an input that goes on using CPU for the whole timeout (or is
                    // silent for a minute, if /proc cannot say).
                    match cpu_time(child.id()) {
                        Some(cpu) if cpu < *slow_since.get_or_insert(cpu) + timeout && silent.elapsed() < Duration::from_secs(60) => continue,
                        None if silent.elapsed() < Duration::from_secs(60) => continue,
                        _ => {}
                    }
                    let _ = child.kill();
                    let _ = child.wait();
                    t.accepted += accepted;
                    t.hangs += 1;
                    record(a, corpus, &mut t, "hang", i, "hang");
                    next = i + 1;
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait();
                    t.accepted += accepted;
                    match (status, current) {
                        (Ok(s), _) if s.success() => next = end,
                        (s, Some(i)) => {
                            t.crashes += 1;
                            let how = s.map(|s| s.to_string()).unwrap_or_else(|e| e.to_string());
                            record(a, corpus, &mut t, "crash", i, &format!("the worker died: {}", how));
                            next = i + 1;
                        }
                        (s, None) => {
                            eprintln!("dc fuzz: the worker failed to start: {:?}", s);
                            return 2;
                        }
                    }
                    break;
                }
            }
            if last_report.elapsed() >= Duration::from_secs(10) {
                last_report = Instant::now();
                report(&t, t.accepted + accepted, began, false);
            }
        }
    }
    report(&t, t.accepted, began, true);
    if t.panics + t.hangs + t.crashes > 0 {
        1
    } else {
        0
    }
}

fn report(t: &Tally, accepted: u64, began: Instant, last: bool) {
    let secs = began.elapsed().as_secs_f64();
    println!(
        "{}{} inputs in {:.1} s ({:.0} inputs/s), {} accepted by the checker; {} panics, {} hangs, {} crashes ({} distinct)",
        if last { "dc fuzz: total: " } else { "  " },
        t.inputs,
        secs,
        t.inputs as f64 / secs.max(1e-9),
        accepted,
        t.panics,
        t.hangs,
        t.crashes,
        t.seen.len()
    );
}

/// Saves the first input of each failure signature, and a shrunk copy.
fn record(a: &FuzzArgs, corpus: &[Seed], t: &mut Tally, kind: &str, index: u64, what: &str) {
    let input = mutate(corpus, a.seed, index);
    // Panics are told apart by location; hangs and crashes by their seed file.
    let sig = if kind == "panic" { what.split(' ').next().unwrap_or("").to_string() } else { format!("{} {}", kind, input.seed.path.display()) };
    let n = t.seen.entry(sig.clone()).or_insert(0);
    *n += 1;
    if *n > 1 {
        return;
    }
    let file = a.out.join(format!("{}-s{}-i{}.dusk", kind, a.seed, index));
    if let Err(e) = std::fs::write(&file, &input.text) {
        eprintln!("dc fuzz: cannot write '{}': {}", file.display(), e);
        return;
    }
    println!("dc fuzz: {} at input {} (from {}): {}\n  saved {}", kind, index, input.seed.path.display(), what, file.display());
    if a.no_minimize {
        return;
    }
    let oracle = Oracle { exe: std::env::current_exe().unwrap_or_else(|_| "dc".into()), file: a.out.join("candidate.dusk"), lower: a.lower, timeout: Duration::from_millis(a.timeout_ms) };
    match oracle.failure(&input.text) {
        None => println!("  not reproduced by {} (with the runtime) in a fresh process", oracle.command()),
        Some(f) => {
            let small = shrink(&input.text, &f, &oracle);
            let min = file.with_extension("min.dusk");
            let _ = std::fs::write(&min, &small);
            println!("  {}: {}\n  shrunk to {} bytes: {}", oracle.command(), f, small.len(), min.display());
        }
    }
}

/// User + system CPU time of process `pid`, from /proc (Linux).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid)).ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 12th and 13th of those, in clock ticks (100 a second on Linux).
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut f = rest.split(' ').skip(11);
    let ticks: u64 = f.next()?.parse::<u64>().ok()? + f.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

// ---- Shrinking ----

/// Runs the real compiler on a candidate and names how it fails, if it does.
struct Oracle {
    exe: PathBuf,
    file: PathBuf,
    lower: bool,
    timeout: Duration,
}

impl Oracle {
    fn command(&self) -> &'static str {
        if self.lower {
            "`dc build --emit ir`"
        } else {
            "`dc check`"
        }
    }

    /// `None` when dc exits 0 or 1 (accepted, or diagnosed); otherwise the
    /// panic location, "hang", or the way the process died.
    fn failure(&self, text: &str) -> Option<String> {
        std::fs::write(&self.file, text).ok()?;
        let mut cmd = Command::new(&self.exe);
        if self.lower {
            cmd.args(["build", "--emit", "ir", "-o", "/dev/null"]);
        } else {
            cmd.arg("check");
        }
        let mut child = cmd.arg(&self.file).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().ok()?;
        // Drain stderr on a thread so a chatty child cannot block on the pipe.
        let mut err = child.stderr.take()?;
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut err, &mut s);
            s
        });
        let began = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(s)) => break s,
                Ok(None) if cpu_time(child.id()).map_or(began.elapsed() > self.timeout, |c| c > self.timeout) || began.elapsed() > self.timeout * 30 => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Some("hang".into());
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(_) => return None,
            }
        };
        let stderr = reader.join().unwrap_or_default();
        if matches!(status.code(), Some(0) | Some(1)) {
            return None;
        }
        // "thread 'main' panicked at src/check.rs:12:5:" -> "src/check.rs:12"
        if let Some(p) = stderr.find("panicked at ") {
            let at = stderr[p + 12..].split(|c: char| c.is_whitespace()).next().unwrap_or("");
            let mut parts = at.trim_end_matches(':').rsplitn(3, ':');
            let _col = parts.next();
            let line = parts.next().unwrap_or("");
            return Some(format!("panic at {}:{}", parts.next().unwrap_or(""), line));
        }
        if stderr.contains("overflowed its stack") {
            return Some("stack overflow".into());
        }
        Some(format!("died: {}", status))
    }
}

/// Greedy delta debugging: drop chunks of lines, then of tokens, halving the
/// chunk size, as long as the same failure remains. Bounded in time.
fn shrink(text: &str, failure: &str, oracle: &Oracle) -> String {
    let began = Instant::now();
    let budget = Duration::from_secs(60);
    let mut best = text.to_string();
    for by_lines in [true, false] {
        let mut parts: Vec<String> = if by_lines {
            best.split_inclusive('\n').map(str::to_string).collect()
        } else {
            tokens(&best).iter().map(|&(lo, hi)| best[lo as usize..hi as usize].to_string()).collect()
        };
        let mut chunk = (parts.len() / 2).max(1);
        loop {
            let mut i = 0;
            while i < parts.len() && began.elapsed() < budget {
                let candidate: String = parts[..i].iter().chain(&parts[(i + chunk).min(parts.len())..]).map(String::as_str).collect();
                if oracle.failure(&candidate).as_deref() == Some(failure) {
                    parts.drain(i..(i + chunk).min(parts.len()));
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 || began.elapsed() >= budget {
                break;
            }
            chunk /= 2;
        }
        best = parts.concat();
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_the_text() {
        let text = "func main() {\n\tx := \"a\\\"b\" + 12 // é\n}";
        let toks = tokens(text);
        let joined: String = toks.iter().map(|&(lo, hi)| &text[lo as usize..hi as usize]).collect();
        assert_eq!(joined, text);
        assert!(toks.iter().any(|&(lo, hi)| &text[lo as usize..hi as usize] == "\"a\\\"b\""));
    }

    #[test]
    fn mutation_is_deterministic() {
        let text = "func main() -> int32 {\n\treturn 1 + 2\n}\n".to_string();
        let corpus = vec![Seed { path: "a.dusk".into(), toks: tokens(&text), text, runtime: false }];
        for i in 0..200 {
            assert_eq!(mutate(&corpus, 7, i).text, mutate(&corpus, 7, i).text);
        }
    }
}
