//! Matching a command's output against a test's expectations.

use super::directives::Check;

/// Why the CHECK directives did not match: which directive and a message.
#[derive(Debug, PartialEq)]
pub struct Mismatch {
    pub index: usize,
    pub message: String,
}

/// Match `checks` in order against `out`.
///
/// The position is (line, byte offset). `CHECK` searches from the position
/// onwards; `CHECK-NEXT` must match on the line after the previous match
/// (the first line if nothing matched yet); `CHECK-NOT` must not occur between
/// the previous positive match and the next one (or the end of the output).
pub fn match_checks(out: &str, checks: &[Check]) -> Result<(), Mismatch> {
    let lines: Vec<&str> = out.split('\n').collect();
    // Drop the empty piece after a final newline: it is not a line of output.
    let n = if out.ends_with('\n') { lines.len() - 1 } else { lines.len() };
    let lines = &lines[..n];
    let mut pos = (0usize, 0usize);
    let mut last_line: Option<usize> = None;
    let mut pending_not: Vec<usize> = Vec::new();
    let find_from = |from: (usize, usize), text: &str| -> Option<(usize, usize, usize)> {
        (from.0..lines.len()).find_map(|l| {
            let start = if l == from.0 { from.1.min(lines[l].len()) } else { 0 };
            lines[l][start..].find(text).map(|c| (l, start + c, start + c + text.len()))
        })
    };
    // The region between `from` and `to` (exclusive) contains `text`?
    let region_has = |from: (usize, usize), to: (usize, usize), text: &str| -> Option<usize> {
        (from.0..lines.len().min(to.0.saturating_add(1))).find(|&l| {
            let s = if l == from.0 { from.1.min(lines[l].len()) } else { 0 };
            let e = if l == to.0 { to.1.min(lines[l].len()) } else { lines[l].len() };
            s <= e && lines[l][s..e].contains(text)
        })
    };
    for (i, c) in checks.iter().enumerate() {
        match c {
            Check::Not(_) => pending_not.push(i),
            Check::Check(t) | Check::Next(t) => {
                let found = if let Check::Next(_) = c {
                    let l = last_line.map_or(0, |l| l + 1);
                    if l >= lines.len() {
                        return Err(Mismatch { index: i, message: format!("CHECK-NEXT: `{t}`: the output has no line {}", l + 1) });
                    }
                    match lines[l].find(t.as_str()) {
                        Some(c) => (l, c, c + t.len()),
                        None => {
                            return Err(Mismatch { index: i, message: format!("CHECK-NEXT: `{t}` is not on output line {}: `{}`", l + 1, lines[l]) })
                        }
                    }
                } else {
                    match find_from(pos, t) {
                        Some(f) => f,
                        None => {
                            return Err(Mismatch {
                                index: i,
                                message: format!("CHECK: `{t}` not found after output line {}", pos.0 + 1),
                            })
                        }
                    }
                };
                for &j in &pending_not {
                    let Check::Not(nt) = &checks[j] else { unreachable!() };
                    if let Some(l) = region_has(pos, (found.0, found.1), nt) {
                        return Err(Mismatch { index: j, message: format!("CHECK-NOT: `{nt}` found on output line {}", l + 1) });
                    }
                }
                pending_not.clear();
                pos = (found.0, found.2);
                last_line = Some(found.0);
            }
        }
    }
    for &j in &pending_not {
        let Check::Not(nt) = &checks[j] else { unreachable!() };
        if let Some(l) = region_has(pos, (usize::MAX, usize::MAX), nt) {
            return Err(Mismatch { index: j, message: format!("CHECK-NOT: `{nt}` found on output line {}", l + 1) });
        }
    }
    Ok(())
}

/// Each of `pats` occurs in `text`, in order, without overlapping.
pub fn match_ordered(text: &str, pats: &[String]) -> Result<(), String> {
    let mut at = 0;
    for p in pats {
        match text[at..].find(p.as_str()) {
            Some(i) => at += i + p.len(),
            None => return Err(format!("STDERR: `{p}` not found{}", if at > 0 { " after the previous match" } else { "" })),
        }
    }
    Ok(())
}

/// A diagnostic read back from stderr: `path:LINE:COL: error: message`
/// (a space after the path's colon is tolerated).
#[derive(Debug, PartialEq)]
pub struct Diagnostic {
    pub path: String,
    pub line: usize,
    pub message: String,
}

pub fn parse_diagnostics(stderr: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for l in stderr.lines() {
        let Some(at) = l.find(": error: ") else { continue };
        let (loc, message) = (&l[..at], &l[at + ": error: ".len()..]);
        // loc = PATH:LINE:COL ; split from the right so a path may hold colons.
        let mut parts = loc.rsplitn(3, ':');
        let (Some(col), Some(line), Some(path)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Ok(_), Ok(line)) = (col.trim().parse::<usize>(), line.trim().parse::<usize>()) else { continue };
        out.push(Diagnostic { path: path.trim().to_string(), line, message: message.to_string() });
    }
    out
}

/// Compare the diagnostics on stderr with the `ERROR` expectations of the
/// test file `file`. Every expectation needs a diagnostic on its line carrying
/// its message; a diagnostic for `file` on a line that expects none is an
/// unexpected error (as in Go's errorcheck).
pub fn match_errors(stderr: &str, file: &str, expected: &[(usize, String)]) -> Vec<String> {
    let diags = parse_diagnostics(stderr);
    let mut problems = Vec::new();
    for (line, msg) in expected {
        let hit = diags.iter().any(|d| d.line == *line && d.message.contains(msg.as_str()))
            // Fallback for a format we cannot take apart: `:LINE:` and the message on one stderr line.
            || stderr.lines().any(|l| l.contains(&format!(":{line}:")) && l.contains(msg.as_str()));
        if !hit {
            problems.push(format!("expected error on line {line}: `{msg}`"));
        }
    }
    let same_file = |p: &str| p == file || p.ends_with(&format!("/{file}")) || file.ends_with(&format!("/{p}"));
    for d in &diags {
        if same_file(&d.path) && !expected.iter().any(|(l, _)| *l == d.line) {
            problems.push(format!("unexpected error on line {}: `{}`", d.line, d.message));
        }
    }
    problems
}

/// A line diff of what the CHECK lines expect against the output: each
/// expected line matches an output line that contains it. `-` lines are
/// expected but missing, `+` lines are output nobody expected.
pub fn diff(expected: &[&str], actual: &[&str]) -> String {
    let (n, m) = (expected.len(), actual.len());
    if n * m > 4_000_000 {
        return String::from("  (output too large to diff)\n");
    }
    // Longest common subsequence table, filled from the end.
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if actual[j].contains(expected[i]) { t[i + 1][j + 1] + 1 } else { t[i + 1][j].max(t[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut s) = (0, 0, String::new());
    while i < n || j < m {
        if i < n && j < m && actual[j].contains(expected[i]) {
            s += &format!("   {}\n", actual[j]);
            i += 1;
            j += 1;
        } else if j < m && (i == n || t[i][j + 1] >= t[i + 1][j]) {
            s += &format!("  +{}\n", actual[j]);
            j += 1;
        } else {
            s += &format!("  -{}\n", expected[i]);
            i += 1;
        }
    }
    s
}
