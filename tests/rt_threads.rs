//! OS threads from the runtime, before the `spawn` builtin exists: a copy of
//! the runtime (DC_HOME) gains a test-only runtime file that starts threads
//! with `__rt_thread_spawn`, and a std module that lets a program call it.
//! Four threads hammer an atomic, a mutex-guarded counter, a condvar handoff
//! and the heap; main joins them and prints the totals.

use std::path::Path;
use std::process::Command;

const SELFTEST_RT: &str = r#"@paradigm procedural

// rec: +0 atomic counter, +8 mutex, +16 guarded counter, +24 condvar,
// +32 handoffs seen.
func __rt_selftest_worker(env: int64) -> int64 {
    rec := __rt_load(env)
    m := __rt_load(rec + 8)
    mut i := 0
    while i < 20000 {
        __atomic_add(rec, 1)
        __rt_mx_lock(m)
        __rt_store(rec + 16, __rt_load(rec + 16) + 1)
        __rt_mx_unlock(m)
        p := __rt_alloc(24 + i % 200)
        q := __rt_alloc(8)
        __rt_free(p)
        __rt_free(q)
        i++
    }
    __rt_mx_lock(m)
    __rt_store(rec + 32, __rt_load(rec + 32) + 1)
    __rt_cv_broadcast(__rt_load(rec + 24))
    __rt_mx_unlock(m)
    return 0
}

func __rt_selftest_threads(n: int64) -> int64 {
    rec := __ptr_int(__rt_alloc(64))
    __rt_store(rec, 0)
    __rt_store(rec + 8, __rt_mx_new())
    __rt_store(rec + 16, 0)
    __rt_store(rec + 24, __rt_cv_new())
    __rt_store(rec + 32, 0)
    hs := __ptr_int(__rt_alloc(8 * n))
    mut k := 0
    while k < n {
        env := __ptr_int(__rt_alloc(8))
        __rt_store(env, rec)
        h := __rt_thread_spawn(__fn_addr("__rt_selftest_worker"), env)
        if h == 0 {
            return -1
        }
        __rt_store(hs + 8 * k, h)
        k++
    }
    m := __rt_load(rec + 8)
    __rt_mx_lock(m)
    while __rt_load(rec + 32) < n {
        __rt_cv_wait(__rt_load(rec + 24), m)
    }
    __rt_mx_unlock(m)
    k = 0
    while k < n {
        __rt_thread_join(__rt_load(hs + 8 * k))
        k++
    }
    __rt_print_i64(1, __atomic_load(rec))
    __rt_print_str(1, " ")
    __rt_print_i64(1, __rt_load(rec + 16))
    __rt_print_str(1, " ")
    __rt_print_i64(1, __rt_live_threads())
    __rt_print_str(1, "\n")
    return 0
}
"#;

const SELFTEST_STD: &str = "@paradigm procedural\n\nexport func threads(n: int64) -> int64 {\n    return __rt_selftest_threads(n)\n}\n";

const PROGRAM: &str = "@import std.selftest\n\nfunc main() -> int32 {\n    r := threads(4)\n    println(r)\n    return 0\n}\n";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

fn run(target: &str) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let home = std::env::temp_dir().join(format!("dc-rt-threads-{}-{}", std::process::id(), target));
    copy_dir(&repo.join("rt"), &home.join("rt"));
    copy_dir(&repo.join("std"), &home.join("std"));
    std::fs::write(home.join("rt/zz_selftest.dusk"), SELFTEST_RT).unwrap();
    std::fs::write(home.join("std/selftest.dusk"), SELFTEST_STD).unwrap();
    // Outside DC_HOME, so std.selftest resolves to the library, not a local file.
    std::fs::create_dir_all(home.join("prog")).unwrap();
    let prog = home.join("prog/main.dusk");
    std::fs::write(&prog, PROGRAM).unwrap();
    if target == "aarch64-linux" && Command::new("qemu-aarch64").arg("--version").output().is_err() {
        eprintln!("no qemu-aarch64: skipped");
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dc")).args(["run", "--target", target]).arg(&prog).env("DC_HOME", &home).output().unwrap();
    std::fs::remove_dir_all(&home).ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "80000 80000 0\n0\n", "{}: stderr: {}", target, String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn threads_x86_64() {
    run("x86_64-linux");
}

#[test]
fn threads_aarch64() {
    run("aarch64-linux");
}
