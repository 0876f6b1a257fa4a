//! `LIT_BLESS=1`: rewrite a run test's expectations from what it printed.
//!
//! The CHECK and CHECK-NEXT lines are replaced by one block that spells the
//! whole stdout (`CHECK` for the first line, `CHECK-NEXT` for the rest), put
//! where the first old CHECK line was (or at the end of the file). `EXIT` is
//! rewritten, or added when the status is not 0. Everything else is kept, so
//! `git diff` shows exactly what changed.

fn is_check_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("// CHECK:") || t.starts_with("// CHECK-NEXT:") || t == "// CHECK-NEXT" || t == "// CHECK"
}

fn is_exit_line(line: &str) -> bool {
    line.trim_start().starts_with("// EXIT:")
}

pub fn bless(src: &str, stdout: &str, status: i32) -> String {
    let mut block: Vec<String> = Vec::new();
    let out_lines: Vec<&str> = stdout.strip_suffix('\n').unwrap_or(stdout).split('\n').collect();
    if !stdout.is_empty() {
        for (i, l) in out_lines.iter().enumerate() {
            let key = if i == 0 { "CHECK" } else { "CHECK-NEXT" };
            let l = l.trim_end();
            block.push(if l.is_empty() { format!("// {key}:") } else { format!("// {key}: {l}") });
        }
    }
    let exit_line = format!("// EXIT: {status}");
    let mut out: Vec<String> = Vec::new();
    let mut placed_checks = false;
    let mut placed_exit = false;
    for line in src.lines() {
        if is_check_line(line) {
            if !placed_checks {
                out.extend(block.iter().cloned());
                placed_checks = true;
            }
        } else if is_exit_line(line) {
            // `EXIT: nonzero` stays when the status is still a failure.
            let keeps = status != 0 && line.contains("nonzero");
            if keeps {
                out.push(line.to_string());
            } else if status != 0 {
                out.push(exit_line.clone());
            }
            placed_exit = true;
        } else {
            out.push(line.to_string());
        }
    }
    if !placed_checks && !block.is_empty() {
        out.extend(block);
    }
    if !placed_exit && status != 0 {
        out.push(exit_line);
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}
