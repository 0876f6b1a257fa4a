//! The DWARF dc emits is valid for every program it builds: each
//! `testsuite/**/*.dusk` and `examples/*.dusk` that builds, for both
//! targets, passes `llvm-dwarfdump --verify` (or, where LLVM is not
//! installed, `readelf --debug-dump` without warnings).
//!
//! `DEBUG_INFO_FILTER=substring` limits the programs checked.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

const TARGETS: [&str; 2] = ["x86_64-linux", "aarch64-linux"];

fn programs(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "dusk") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("testsuite"), &mut out);
    walk(&root.join("examples"), &mut out);
    if let Ok(f) = std::env::var("DEBUG_INFO_FILTER") {
        out.retain(|p| p.to_string_lossy().contains(&f));
    }
    out.sort();
    out
}

enum Checker {
    Dwarfdump,
    Readelf,
}

fn checker() -> Option<Checker> {
    let works = |tool: &str| Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if works("llvm-dwarfdump") {
        Some(Checker::Dwarfdump)
    } else if works("readelf") {
        eprintln!("notice: llvm-dwarfdump is not installed; checking with readelf --debug-dump");
        Some(Checker::Readelf)
    } else {
        None
    }
}

/// The checker's complaint about `exe`, if any.
fn verify(checker: &Checker, exe: &Path) -> Option<String> {
    let out = match checker {
        Checker::Dwarfdump => Command::new("llvm-dwarfdump").arg("--verify").arg(exe).output(),
        Checker::Readelf => Command::new("readelf").arg("--debug-dump=info,abbrev,line,frames").arg(exe).output(),
    };
    let out = match out {
        Ok(o) => o,
        Err(e) => return Some(format!("cannot run the checker: {}", e)),
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let bad = match checker {
        Checker::Dwarfdump => !out.status.success() || !stdout.contains("No errors."),
        Checker::Readelf => !out.status.success() || stderr.to_lowercase().contains("warning") || stderr.to_lowercase().contains("error"),
    };
    if bad {
        let text: String = format!("{}{}", stdout, stderr).lines().filter(|l| !l.trim().is_empty()).take(30).collect::<Vec<_>>().join("\n");
        return Some(text);
    }
    None
}

#[test]
fn every_program_has_valid_dwarf() {
    let Some(checker) = checker() else {
        eprintln!("notice: neither llvm-dwarfdump nor readelf is installed; not checking DWARF");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dc = PathBuf::from(env!("CARGO_BIN_EXE_dc"));
    let tmp = std::env::temp_dir().join(format!("dc-debug-info-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let jobs: Vec<(PathBuf, &str)> = programs(root).into_iter().flat_map(|p| TARGETS.map(|t| (p.clone(), t))).collect();
    let next = AtomicUsize::new(0);
    let built = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).min(8);
    std::thread::scope(|s| {
        for w in 0..workers {
            let (jobs, next, built, failures, tmp, dc, checker) = (&jobs, &next, &built, &failures, &tmp, &dc, &checker);
            s.spawn(move || {
                let exe = tmp.join(format!("prog{}", w));
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((src, target)) = jobs.get(i) else { break };
                    // Programs that do not build (diagnostic tests) have nothing to check.
                    let ok = Command::new(dc)
                        .current_dir(root)
                        .args(["build", "--target", target])
                        .arg(src)
                        .arg("-o")
                        .arg(&exe)
                        .output()
                        .is_ok_and(|o| o.status.success());
                    if !ok {
                        continue;
                    }
                    built.fetch_add(1, Ordering::Relaxed);
                    if let Some(why) = verify(checker, &exe) {
                        failures.lock().unwrap().push(format!("{} ({}):\n{}", src.display(), target, why));
                    }
                }
                std::fs::remove_file(&exe).ok();
            });
        }
    });
    std::fs::remove_dir_all(&tmp).ok();
    let failures = failures.into_inner().unwrap();
    let built = built.into_inner();
    eprintln!("checked the DWARF of {} builds ({} programs x {} targets attempted)", built, jobs.len() / TARGETS.len(), TARGETS.len());
    assert!(built > 0 || jobs.is_empty(), "no program built");
    assert!(failures.is_empty(), "{} builds with invalid DWARF:\n{}", failures.len(), failures.join("\n\n"));
}
