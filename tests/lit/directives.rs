//! Reading a test file's directives out of its comments.
//!
//! A directive is `// NAME: text` anywhere on a line (after code too). The
//! line a directive sits on matters only for `ERROR`, which expects a
//! diagnostic on that line (or on a line offset by `ERROR@+N` / `ERROR@-N`,
//! for the rare diagnostic whose line cannot hold a comment).

/// One output expectation, in file order.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// The text occurs at or after the current position.
    Check(String),
    /// The text occurs on the line right after the previous match.
    Next(String),
    /// The text does not occur between the surrounding positive matches.
    Not(String),
}

/// The exit status a test expects from its last command.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Exit {
    Code(i32),
    NonZero,
}

/// Everything a test file asks of the runner.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestSpec {
    /// `RUN:` command lines, unexpanded.
    pub runs: Vec<String>,
    /// `CHECK`, `CHECK-NEXT`, `CHECK-NOT`, in file order, with their 1-based source line.
    pub checks: Vec<(usize, Check)>,
    /// `STDERR:` substrings, matched in order.
    pub stderr: Vec<String>,
    /// `ERROR:` expectations: (1-based line the diagnostic must name, message substring).
    pub errors: Vec<(usize, String)>,
    /// `EXIT:`; None means 0, or any non-zero status when the test expects `ERROR`s.
    pub exit: Option<Exit>,
    /// `XFAIL:` reasons keyed by target (None = every target).
    pub xfail: Vec<(Option<String>, String)>,
    /// `TARGETS:`; None means every target.
    pub targets: Option<Vec<String>>,
    /// `STDIN:` lines, each followed by a newline, fed to every command.
    pub stdin: Option<String>,
}

pub const TARGET_NAMES: &[&str] = &["x86_64", "aarch64"];

const KNOWN_PREFIXES: &[&str] = &["RUN", "CHECK", "EXIT", "STDERR", "ERROR", "XFAIL", "TARGETS", "STDIN"];

impl TestSpec {
    /// The status the last command must end with.
    pub fn expected_exit(&self) -> Exit {
        match self.exit {
            Some(e) => e,
            None if !self.errors.is_empty() => Exit::NonZero,
            None => Exit::Code(0),
        }
    }

    /// The XFAIL reason that applies to `target`, if any.
    pub fn xfail_for(&self, target: &str) -> Option<&str> {
        self.xfail
            .iter()
            .find(|(t, _)| t.as_deref().map_or(true, |t| t == target))
            .map(|(_, r)| r.as_str())
    }

    pub fn runs_on(&self, target: &str) -> bool {
        self.targets.as_ref().map_or(true, |ts| ts.iter().any(|t| t == target))
    }

    /// A `run` test: its output is the program's, so `LIT_BLESS` may rewrite it.
    pub fn is_blessable(&self) -> bool {
        self.errors.is_empty() && !self.runs.iter().any(|r| r.split_whitespace().any(|w| w == "check"))
    }
}

/// A directive found on one line: (name, text).
fn directives_on(line: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("//") {
        let after = rest[at + 2..].trim_start();
        let name_len = after
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"-_@+".contains(b) || b.is_ascii_lowercase())
            .count();
        let name = &after[..name_len];
        if name_len > 0 && after[name_len..].starts_with(':') && name.as_bytes()[0].is_ascii_uppercase() {
            let text = &after[name_len + 1..];
            found.push((name, text));
            // A directive's text runs to the end of the line.
            break;
        }
        rest = &rest[at + 2..];
    }
    found
}

fn parse_exit(text: &str) -> Result<Exit, String> {
    match text {
        "nonzero" | "!0" => Ok(Exit::NonZero),
        _ => text.parse::<i32>().map(Exit::Code).map_err(|_| format!("EXIT wants a number or `nonzero`, got `{text}`")),
    }
}

/// Parse every directive in `src`. Errors name the offending line.
pub fn parse(src: &str) -> Result<TestSpec, String> {
    let mut spec = TestSpec::default();
    for (idx, line) in src.lines().enumerate() {
        let lineno = idx + 1;
        for (name, raw) in directives_on(line) {
            let text = raw.trim();
            let bad = |msg: String| format!("line {lineno}: {msg}");
            match name {
                "RUN" => spec.runs.push(text.to_string()),
                "CHECK" => spec.checks.push((lineno, Check::Check(text.to_string()))),
                "CHECK-NEXT" => spec.checks.push((lineno, Check::Next(text.to_string()))),
                "CHECK-NOT" => {
                    if text.is_empty() {
                        return Err(bad("CHECK-NOT needs text".into()));
                    }
                    spec.checks.push((lineno, Check::Not(text.to_string())))
                }
                "STDERR" => spec.stderr.push(text.to_string()),
                "EXIT" => {
                    if spec.exit.is_some() {
                        return Err(bad("a second EXIT".into()));
                    }
                    spec.exit = Some(parse_exit(text).map_err(bad)?)
                }
                "STDIN" => {
                    let s = spec.stdin.get_or_insert_with(String::new);
                    s.push_str(raw.strip_prefix(' ').unwrap_or(raw));
                    s.push('\n');
                }
                "TARGETS" => {
                    let ts: Vec<String> = text.split(|c: char| c == ',' || c.is_whitespace()).filter(|t| !t.is_empty()).map(String::from).collect();
                    if let Some(t) = ts.iter().find(|t| !TARGET_NAMES.contains(&t.as_str())) {
                        return Err(bad(format!("unknown target `{t}` (known: {})", TARGET_NAMES.join(", "))));
                    }
                    spec.targets = Some(ts);
                }
                "XFAIL" => spec.xfail.push((None, text.to_string())),
                _ if name.starts_with("XFAIL-") => {
                    let t = &name["XFAIL-".len()..];
                    if !TARGET_NAMES.contains(&t) {
                        return Err(bad(format!("unknown target in `{name}`")));
                    }
                    spec.xfail.push((Some(t.to_string()), text.to_string()));
                }
                "ERROR" => spec.errors.push((lineno, text.to_string())),
                _ if name.starts_with("ERROR@") => {
                    let off: i64 = name["ERROR@".len()..].parse().map_err(|_| bad(format!("bad offset in `{name}`; write ERROR@+1 or ERROR@-1")))?;
                    let at = lineno as i64 + off;
                    if at < 1 {
                        return Err(bad(format!("`{name}` points before the first line")));
                    }
                    spec.errors.push((at as usize, text.to_string()));
                }
                _ if KNOWN_PREFIXES.iter().any(|p| name.starts_with(p)) => {
                    return Err(bad(format!("unknown directive `{name}:`")));
                }
                _ => {} // an ordinary comment such as `// NOTE: ...`
            }
        }
    }
    if spec.runs.is_empty() {
        return Err("no `// RUN:` line".into());
    }
    for (_, e) in &spec.errors {
        if e.is_empty() {
            return Err("an ERROR directive needs the message it expects".into());
        }
    }
    Ok(spec)
}
