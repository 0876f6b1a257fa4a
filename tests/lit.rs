//! lit: dc's test runner. Every `testsuite/**/*.dusk` is a test program that
//! carries its own expectations in comments, run once per target.
//!
//! Usage: `cargo test --test lit [-- SUBSTRING...]` (only tests whose path
//! contains one of the substrings). Environment:
//!   DC=path            the compiler under test (default: the dc cargo built)
//!   LIT_TARGETS=x86_64 run one target (comma list of x86_64, aarch64)
//!   LIT_BLESS=1        rewrite the CHECK/EXIT lines of failing run tests
//!   LIT_JOBS=N         parallelism (default: the number of CPUs)
//!   LIT_TIMEOUT=S      per-test time limit in seconds (default 10)
//!   LIT_VERBOSE=1      also print a PASS line per passing test
//!
//! Directives (`// NAME: text`, anywhere on a line, also after code):
//!   RUN: cmd          a command; several RUN lines (or `a && b`) run in order,
//!                     every command but the last must exit 0. Substitutions:
//!                     %dc     the dc binary, with `--target T` inserted after
//!                             its subcommand (build/run/check)
//!                     %s      the test file, relative to the repository root
//!                             (the working directory)
//!                     %t      a per-test temporary path (its directory exists)
//!                     %target `--target T` for T = x86_64-linux / aarch64-linux
//!                     A command whose program is an AArch64 ELF runs under
//!                     qemu-aarch64 (when the host is not AArch64).
//!   CHECK: text       stdout contains text, after the previous match
//!   CHECK-NEXT: text  text is on the line right after the previous match
//!   CHECK-NOT: text   text does not occur between the neighbouring matches
//!   STDERR: text      stderr contains text, after the previous STDERR match
//!   EXIT: N|nonzero   the last command's status (default 0; default nonzero
//!                     when the test has ERROR lines); a signal counts as 128+sig
//!   ERROR: message    written on a source line: a diagnostic
//!                     `file:LINE:COL: error: ...message...` for THAT line is
//!                     expected; any other error diagnostic for the file fails
//!                     the test. `ERROR@+N:` / `ERROR@-N:` name a line N away.
//!   XFAIL: reason     expected to fail for now; passing (XPASS) is a failure.
//!                     `XFAIL-x86_64:` / `XFAIL-aarch64:` limit it to one target.
//!   TARGETS: x86_64   run only on the listed targets
//!   STDIN: text       a line of standard input (repeatable)
//! In CHECK, STDERR and ERROR texts, %s is the test file path as well.

#[path = "lit/bless.rs"]
mod bless;
#[path = "lit/directives.rs"]
mod directives;
#[path = "lit/matcher.rs"]
mod matcher;

use directives::{Check, Exit, TestSpec};
use std::fs;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}
const SIGKILL: i32 = 9;
const EM_AARCH64: u16 = 183;

struct Config {
    root: PathBuf,
    dc: PathBuf,
    timeout: Duration,
    bless: bool,
    verbose: bool,
    tmp: PathBuf,
}

fn triple(target: &str) -> &'static str {
    match target {
        "aarch64" => "aarch64-linux",
        _ => "x86_64-linux",
    }
}

enum Outcome {
    Pass,
    Fail(String),
    XFail,
    XPass(String),
}

struct Test {
    /// Path relative to the repository root, e.g. `testsuite/lexer/x.dusk`.
    rel: String,
    spec: Result<TestSpec, String>,
}

fn find_tests(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            find_tests(&p, out);
        } else if p.extension().is_some_and(|x| x == "dusk") {
            out.push(p);
        }
    }
}

fn in_path(prog: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(prog).is_file()))
}

fn default_dc() -> PathBuf {
    if let Some(p) = std::env::var_os("DC") {
        return PathBuf::from(p);
    }
    if let Some(p) = option_env!("CARGO_BIN_EXE_dc") {
        return PathBuf::from(p);
    }
    // target/<profile>/deps/lit-HASH -> target/<profile>/dc
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent().and_then(|d| d.parent()).map(|d| d.join("dc")).unwrap_or_else(|| PathBuf::from("dc"))
}

/// Split a RUN line into words (quotes group; `&&` separates commands).
fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("unterminated ' in RUN".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => cur.push(c),
                            None => return Err("trailing \\ in RUN".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("unterminated \" in RUN".into()),
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// Expand the RUN lines of a test into argument vectors.
fn expand(spec: &TestSpec, cfg: &Config, rel: &str, tmp: &str, target: &str) -> Result<Vec<Vec<String>>, String> {
    let mut cmds = Vec::new();
    for run in &spec.runs {
        let mut cur: Vec<String> = Vec::new();
        let words = split_words(run)?;
        let mut i = 0;
        while i < words.len() {
            let w = &words[i];
            match w.as_str() {
                "&&" => cmds.push(std::mem::take(&mut cur)),
                "%dc" => {
                    cur.push(cfg.dc.to_string_lossy().into_owned());
                    if let Some(sub) = words.get(i + 1).filter(|s| matches!(s.as_str(), "build" | "run" | "check")) {
                        cur.push(sub.clone());
                        i += 1;
                    }
                    cur.push("--target".into());
                    cur.push(triple(target).into());
                }
                "%target" => {
                    cur.push("--target".into());
                    cur.push(triple(target).into());
                }
                _ => cur.push(w.replace("%s", rel).replace("%t", tmp)),
            }
            i += 1;
        }
        cmds.push(cur);
    }
    if cmds.iter().any(|c| c.is_empty()) {
        return Err("an empty command in RUN".into());
    }
    Ok(cmds)
}

fn elf_machine(path: &Path) -> Option<u16> {
    let mut h = [0u8; 20];
    fs::File::open(path).ok()?.read_exact(&mut h).ok()?;
    (h[..4] == *b"\x7fELF").then(|| u16::from_le_bytes([h[18], h[19]]))
}

struct Ran {
    status: i32,
    stdout: String,
    stderr: String,
    timed_out: bool,
    /// The commands as run, for the report.
    shown: Vec<String>,
}

fn run_commands(cmds: &[Vec<String>], cfg: &Config, dir: &Path, stdin: Option<&str>) -> Result<Ran, String> {
    let deadline = Instant::now() + cfg.timeout;
    let mut ran = Ran { status: 0, stdout: String::new(), stderr: String::new(), timed_out: false, shown: Vec::new() };
    let stdin_path = dir.join("stdin");
    if let Some(s) = stdin {
        fs::write(&stdin_path, s).map_err(|e| format!("writing stdin: {e}"))?;
    }
    for (k, argv) in cmds.iter().enumerate() {
        let mut argv = argv.clone();
        if std::env::consts::ARCH != "aarch64" && elf_machine(Path::new(&argv[0])) == Some(EM_AARCH64) {
            argv.insert(0, "qemu-aarch64".into());
        }
        ran.shown.push(argv.join(" "));
        let (out_p, err_p) = (dir.join(format!("out{k}")), dir.join(format!("err{k}")));
        let mk = |p: &Path| fs::File::create(p).map_err(|e| format!("creating {}: {e}", p.display()));
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]).current_dir(&cfg.root).stdout(mk(&out_p)?).stderr(mk(&err_p)?).process_group(0);
        match stdin {
            Some(_) => cmd.stdin(fs::File::open(&stdin_path).map_err(|e| e.to_string())?),
            None => cmd.stdin(Stdio::null()),
        };
        let mut child = cmd.spawn().map_err(|e| format!("cannot start `{}`: {e}", argv[0]))?;
        let status = loop {
            if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
                break st.code().unwrap_or_else(|| 128 + st.signal().unwrap_or(0));
            }
            if Instant::now() >= deadline {
                // Kill the whole group: `dc run` has a child of its own.
                unsafe { kill(-(child.id() as i32), SIGKILL) };
                let _ = child.wait();
                ran.timed_out = true;
                break 137;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        ran.stdout += &String::from_utf8_lossy(&fs::read(&out_p).unwrap_or_default());
        ran.stderr += &String::from_utf8_lossy(&fs::read(&err_p).unwrap_or_default());
        ran.status = status;
        if status != 0 || ran.timed_out {
            break; // like `&&`: a failing command ends the test
        }
    }
    Ok(ran)
}

fn indent(s: &str, max_lines: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let mut o: String = lines.iter().take(max_lines).map(|l| format!("    {l}\n")).collect();
    if lines.len() > max_lines {
        o += &format!("    ... ({} more lines)\n", lines.len() - max_lines);
    }
    o
}

/// Run one test on one target and judge it. Returns the outcome and, for a
/// bless run, the output to bless from.
fn run_one(t: &Test, target: &str, cfg: &Config, slot: usize) -> (Outcome, Option<(String, i32)>) {
    let spec = match &t.spec {
        Ok(s) => s,
        Err(e) => return (Outcome::Fail(format!("  bad test file: {e}\n")), None),
    };
    let dir = cfg.tmp.join(format!("{target}-{slot}"));
    let _ = fs::remove_dir_all(&dir);
    if let Err(e) = fs::create_dir_all(&dir) {
        return (Outcome::Fail(format!("  cannot create {}: {e}\n", dir.display())), None);
    }
    let tmp = dir.join("t").to_string_lossy().into_owned();
    let verdict = (|| {
        let cmds = expand(spec, cfg, &t.rel, &tmp, target)?;
        let ran = run_commands(&cmds, cfg, &dir, spec.stdin.as_deref())?;
        Ok::<_, String>((judge(spec, &t.rel, &ran), ran))
    })();
    let _ = fs::remove_dir_all(&dir);
    let ((problems, stderr_ok), ran) = match verdict {
        Ok(v) => v,
        Err(e) => return (Outcome::Fail(format!("  {e}\n")), None),
    };
    let xfail = spec.xfail_for(target);
    // Bless only what bless can fix: stdout and status. Never from a compile
    // error, a timeout or a stderr mismatch (that would erase good CHECKs).
    let blessable = spec.is_blessable() && !ran.timed_out && !ran.stderr.contains("error:") && stderr_ok;
    match (problems, xfail) {
        (None, None) => (Outcome::Pass, None),
        (None, Some(r)) => (Outcome::XPass(format!("  marked XFAIL ({r}) but passes; remove the XFAIL line\n")), None),
        (Some(_), Some(_)) => (Outcome::XFail, None),
        (Some(p), None) => (Outcome::Fail(p), blessable.then(|| (ran.stdout.clone(), ran.status))),
    }
}

/// Compare what ran with what the test expects: the report of what failed
/// (None if everything holds), and whether the STDERR lines matched.
fn judge(spec: &TestSpec, rel: &str, ran: &Ran) -> (Option<String>, bool) {
    let mut why = String::new();
    let sub = |s: &str| s.replace("%s", rel);
    if ran.timed_out {
        why += "  timed out\n";
    }
    let exit_ok = match spec.expected_exit() {
        Exit::Code(c) => ran.status == c,
        Exit::NonZero => ran.status != 0,
    };
    if !exit_ok && !ran.timed_out {
        let want = match spec.expected_exit() {
            Exit::Code(c) => c.to_string(),
            Exit::NonZero => "non-zero".into(),
        };
        why += &format!("  exit status {}, expected {want}\n", ran.status);
    }
    let checks: Vec<Check> = spec
        .checks
        .iter()
        .map(|(_, c)| match c {
            Check::Check(t) => Check::Check(sub(t)),
            Check::Next(t) => Check::Next(sub(t)),
            Check::Not(t) => Check::Not(sub(t)),
        })
        .collect();
    if let Err(m) = matcher::match_checks(&ran.stdout, &checks) {
        why += &format!("  {} (directive on line {})\n", m.message, spec.checks[m.index].0);
        if checks.iter().all(|c| !matches!(c, Check::Not(_))) {
            let exp: Vec<&str> = checks.iter().map(|c| match c {
                Check::Check(t) | Check::Next(t) | Check::Not(t) => t.as_str(),
            }).collect();
            let out = ran.stdout.strip_suffix('\n').unwrap_or(&ran.stdout);
            let act: Vec<&str> = if out.is_empty() { vec![] } else { out.split('\n').collect() };
            why += "  stdout diff (- expected by CHECK, + actual):\n";
            why += &indent(&matcher::diff(&exp, &act), 80);
        }
    }
    let stderr_pats: Vec<String> = spec.stderr.iter().map(|s| sub(s)).collect();
    let stderr_ok = match matcher::match_ordered(&ran.stderr, &stderr_pats) {
        Ok(()) => true,
        Err(e) => {
            why += &format!("  {e}\n");
            false
        }
    };
    if !spec.errors.is_empty() {
        let errs: Vec<(usize, String)> = spec.errors.iter().map(|(l, m)| (*l, sub(m))).collect();
        for p in matcher::match_errors(&ran.stderr, rel, &errs) {
            why += &format!("  {p}\n");
        }
    }
    if why.is_empty() {
        return (None, true);
    }
    let mut s = String::new();
    for c in &ran.shown {
        s += &format!("  $ {c}\n");
    }
    s += &why;
    if !ran.stdout.is_empty() {
        s += &format!("  stdout:\n{}", indent(&ran.stdout, 40));
    }
    if !ran.stderr.is_empty() {
        s += &format!("  stderr:\n{}", indent(&ran.stderr, 40));
    }
    (Some(s), stderr_ok)
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let env_on = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0");
    let bless = env_on("LIT_BLESS");
    let cfg = Arc::new(Config {
        dc: default_dc(),
        timeout: Duration::from_secs_f64(std::env::var("LIT_TIMEOUT").ok().and_then(|v| v.parse().ok()).unwrap_or(10.0)),
        bless,
        verbose: env_on("LIT_VERBOSE"),
        tmp: std::env::temp_dir().join(format!("dc-lit-{}", std::process::id())),
        root: root.clone(),
    });

    let mut files = Vec::new();
    find_tests(&root.join("testsuite"), &mut files);
    // Every example is a test too: a program a user reads must keep working.
    find_tests(&root.join("examples"), &mut files);
    files.sort();
    let tests: Vec<Test> = files
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap_or(p).to_string_lossy().into_owned();
            let spec = fs::read_to_string(p).map_err(|e| e.to_string()).and_then(|s| directives::parse(&s));
            Test { rel, spec }
        })
        .filter(|t| filters.is_empty() || filters.iter().any(|f| t.rel.contains(f.as_str())))
        .collect();
    if args.iter().any(|a| a == "--list") {
        for t in &tests {
            println!("{}: test", t.rel);
        }
        return;
    }

    let mut targets: Vec<String> = match std::env::var("LIT_TARGETS") {
        Ok(v) if !v.trim().is_empty() => v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
        _ if bless => vec!["x86_64".into()], // bless from one target
        _ => directives::TARGET_NAMES.iter().map(|s| s.to_string()).collect(),
    };
    if let Some(t) = targets.iter().find(|t| !directives::TARGET_NAMES.contains(&t.as_str())) {
        eprintln!("lit: unknown target `{t}` in LIT_TARGETS (known: x86_64, aarch64)");
        std::process::exit(2);
    }
    if targets.iter().any(|t| t == "aarch64") && std::env::consts::ARCH != "aarch64" && !in_path("qemu-aarch64") {
        println!("SKIP aarch64: qemu-aarch64 not found (install qemu-user to run the AArch64 half)");
        targets.retain(|t| t != "aarch64");
    }
    println!("lit: {} tests x {} target(s) [{}], dc = {}", tests.len(), targets.len(), targets.join(", "), cfg.dc.display());
    if !cfg.dc.exists() {
        println!("lit: warning: no compiler at {}", cfg.dc.display());
    }

    let tests = Arc::new(tests);
    let mut jobs: Vec<(usize, String)> = Vec::new();
    let mut skipped = 0;
    for tg in &targets {
        for (i, t) in tests.iter().enumerate() {
            match &t.spec {
                Ok(s) if !s.runs_on(tg) => skipped += 1,
                _ => jobs.push((i, tg.clone())),
            }
        }
    }
    let jobs = Arc::new(jobs);
    let next = Arc::new(AtomicUsize::new(0));
    let results: Arc<Mutex<Vec<(usize, Outcome, Option<(String, i32)>)>>> = Arc::new(Mutex::new(Vec::new()));
    let workers = std::env::var("LIT_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .max(1);
    let _ = fs::create_dir_all(&cfg.tmp);
    let handles: Vec<_> = (0..workers)
        .map(|slot| {
            let (jobs, next, results, tests, cfg) = (jobs.clone(), next.clone(), results.clone(), tests.clone(), cfg.clone());
            std::thread::spawn(move || loop {
                let j = next.fetch_add(1, Ordering::SeqCst);
                let Some((ti, tg)) = jobs.get(j) else { break };
                let (outcome, out) = run_one(&tests[*ti], tg, &cfg, slot);
                let name = format!("[{tg}] {}", tests[*ti].rel);
                // Print as we go, so a long run shows progress.
                match &outcome {
                    Outcome::Pass if cfg.verbose => println!("PASS {name}"),
                    Outcome::Fail(d) => println!("FAIL {name}\n{d}"),
                    Outcome::XPass(d) => println!("XPASS {name}\n{d}"),
                    Outcome::XFail if cfg.verbose => println!("XFAIL {name}"),
                    _ => {}
                }
                results.lock().unwrap().push((j, outcome, out));
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    let _ = fs::remove_dir_all(&cfg.tmp);

    let results = results.lock().unwrap();
    let (mut pass, mut fail, mut xfail, mut xpass, mut blessed) = (0, 0, 0, 0, 0);
    for (j, outcome, out) in results.iter() {
        match outcome {
            Outcome::Pass => pass += 1,
            Outcome::XFail => xfail += 1,
            Outcome::XPass(_) => xpass += 1,
            Outcome::Fail(_) => {
                let (ti, _) = &jobs[*j];
                let t = &tests[*ti];
                match (cfg.bless, out) {
                    (true, Some((stdout, status))) => {
                        let path = root.join(&t.rel);
                        let src = fs::read_to_string(&path).unwrap_or_default();
                        match fs::write(&path, bless::bless(&src, stdout, *status)) {
                            Ok(()) => {
                                println!("BLESSED {}", t.rel);
                                blessed += 1;
                            }
                            Err(e) => {
                                println!("lit: cannot bless {}: {e}", t.rel);
                                fail += 1;
                            }
                        }
                    }
                    _ => fail += 1,
                }
            }
        }
    }
    println!(
        "lit: {pass} passed, {fail} failed, {xfail} xfail, {xpass} xpass, {skipped} skipped{}",
        if blessed > 0 { format!(", {blessed} blessed (review with git diff)") } else { String::new() }
    );
    if fail + xpass > 0 {
        std::process::exit(1);
    }
}
