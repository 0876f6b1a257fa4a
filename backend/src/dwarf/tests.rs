//! Tests: compile a small three-function program for each machine, link it
//! with the process entry, run it, and check its DWARF with the tools a user
//! would use: readelf, objdump, llvm-dwarfdump and gdb. A missing tool is
//! reported and its checks skipped.

use super::*;
use crate::ir::{Callee, FunctionBuilder, Op, Type};
use object::read::{Object as _, ObjectSymbol as _};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The source the IR below pretends to come from; line numbers match.
const SOURCE: &str = "\
// t.dk
fn leaf(x: i64) -> i64 {
    let t = x * 2
    return t + 1
}

fn mid(x: i64) -> i64 {
    let y = leaf(x)
    return y - x
}

fn main() {
    let v = mid(20)
    exit(v)
}

fn pick(x: i64) -> i64 {
    if x > 10 {
        return 1
    }
    return 2
}
";

/// The exit status of the program: mid(20) = leaf(20) - 20 = 21.
const STATUS: i32 = 21;

fn at(line: u32) -> Span {
    Span { file: 0, line, col: 5 }
}

fn program(path: &str, exit_group: i64) -> Module {
    let mut b = FunctionBuilder::new("leaf.0", "leaf", &[Type::I64], Some(Type::I64), Span { file: 0, line: 2, col: 1 });
    let x = b.block_params(b.func.entry())[0];
    b.span = at(3);
    let two = b.iconst(Type::I64, 2);
    let t = b.bin(crate::ir::BinOp::Mul, x, two);
    b.span = at(4);
    let one = b.iconst(Type::I64, 1);
    let r = b.bin(crate::ir::BinOp::Add, t, one);
    b.ret(Some(r));
    let leaf = b.finish();

    let mut b = FunctionBuilder::new("mid.1", "mid", &[Type::I64], Some(Type::I64), Span { file: 0, line: 7, col: 1 });
    let x = b.block_params(b.func.entry())[0];
    b.span = at(8);
    let y = b.call(Callee::Direct("leaf.0".into()), vec![x], Some(Type::I64)).unwrap();
    b.span = at(9);
    let r = b.bin(crate::ir::BinOp::Sub, y, x);
    b.ret(Some(r));
    let mid = b.finish();

    let mut b = FunctionBuilder::new("__dc_entry", "main", &[Type::I64, Type::I64], None, Span { file: 0, line: 12, col: 1 });
    b.func.linkage = Linkage::Global;
    b.span = at(13);
    let twenty = b.iconst(Type::I64, 20);
    let v = b.call(Callee::Direct("mid.1".into()), vec![twenty], Some(Type::I64)).unwrap();
    b.span = at(14);
    let nr = b.iconst(Type::I64, exit_group);
    b.ins(Type::I64, Op::Syscall(vec![nr, v]));
    b.unreachable();
    let entry = b.finish();

    // Two returns: an epilogue in the middle of the code.
    let mut b = FunctionBuilder::new("pick.3", "pick", &[Type::I64], Some(Type::I64), Span { file: 0, line: 17, col: 1 });
    let x = b.block_params(b.func.entry())[0];
    b.span = at(18);
    let ten = b.iconst(Type::I64, 10);
    let c = b.icmp(crate::ir::IntCC::Sgt, x, ten);
    let (then, else_) = (b.new_block(), b.new_block());
    b.branch(c, then, vec![], else_, vec![]);
    b.switch_to(then);
    b.span = at(19);
    let one = b.iconst(Type::I64, 1);
    b.ret(Some(one));
    b.switch_to(else_);
    b.span = at(21);
    let two = b.iconst(Type::I64, 2);
    b.ret(Some(two));
    let pick = b.finish();

    Module { files: vec![path.to_string()], functions: vec![leaf, mid, entry, pick], data: vec![] }
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dc-dwarf-{}-{}", std::process::id(), name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Remove a test's directory, unless DC_KEEP is set (to look at the files).
fn cleanup(dir: &Path) {
    if std::env::var_os("DC_KEEP").is_none() {
        std::fs::remove_dir_all(dir).ok();
    }
}

/// The object file and linked executable of the test program, written to
/// `dir` together with its source.
struct Built {
    obj: PathBuf,
    exe: PathBuf,
    exe_bytes: Vec<u8>,
}

fn build(dir: &Path, arch: Arch) -> Built {
    let src = dir.join("t.dk");
    std::fs::write(&src, SOURCE).unwrap();
    let exit_group = if arch == Arch::X86_64 { 231 } else { 94 };
    let m = program(src.to_str().unwrap(), exit_group);
    let o = crate::compile_module(&m, arch).unwrap();
    let mut entry = Object::new(arch);
    match arch {
        Arch::X86_64 => crate::asm::entry_x86_64(&mut entry),
        Arch::Aarch64 => crate::asm::entry_aarch64(&mut entry),
    }
    let obj = dir.join("t.o");
    std::fs::write(&obj, crate::elf::write_object(&o).unwrap()).unwrap();
    let exe_bytes = crate::link::link_objects(&[o, entry], "_start").unwrap();
    let exe = dir.join("t");
    std::fs::write(&exe, &exe_bytes).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    Built { obj, exe, exe_bytes }
}

/// Run `tool args`, returning its stdout, or None (with a notice) if the tool
/// is not installed. Fails the test if the tool fails or says anything on stderr.
fn run_tool(tool: &str, args: &[&str], file: &Path) -> Option<String> {
    let out = match Command::new(tool).args(args).arg(file).output() {
        Ok(out) => out,
        Err(_) => {
            eprintln!("notice: {} is not installed; skipping its checks", tool);
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.trim().is_empty(), "{} {:?} {} failed:\n{}\n{}", tool, args, file.display(), stderr, stdout);
    let lower = stdout.replace("No errors.", "").to_lowercase();
    assert!(!lower.contains("warning") && !lower.contains("error"), "{} {:?} {} complains:\n{}", tool, args, file.display(), stdout);
    Some(stdout)
}

fn symbol_addr(exe: &[u8], name: &str) -> u64 {
    let f = object::read::File::parse(exe).unwrap();
    let s = f.symbols().find(|s| s.name() == Ok(name)).unwrap_or_else(|| panic!("no symbol {}", name));
    s.address()
}

/// The rows of `objdump --dwarf=decodedline` for `file_name`: (line, address).
fn decoded_lines(out: &str, file_name: &str) -> Vec<(u32, u64)> {
    let mut rows = Vec::new();
    for l in out.lines() {
        let t: Vec<&str> = l.split_whitespace().collect();
        if t.len() >= 3 && t[0] == file_name {
            if let (Ok(line), Some(Ok(addr))) = (t[1].parse(), t[2].strip_prefix("0x").map(|a| u64::from_str_radix(a, 16))) {
                rows.push((line, addr));
            }
        }
    }
    rows
}

/// The checks both machines share: readelf and llvm-dwarfdump on the object
/// and the executable, and the line table mapping each function's start and
/// body to the right lines.
fn check_dwarf(b: &Built, objdump: &str, fp_reg: &str) {
    for file in [&b.obj, &b.exe] {
        if let Some(out) = run_tool("readelf", &["--debug-dump=info,line,frames"], file) {
            for want in ["DW_TAG_compile_unit", "DW_TAG_subprogram", "DW_AT_name", ": leaf", ": mid", ": main", "t.dk", "DW_CFA_def_cfa_register"] {
                assert!(out.contains(want), "readelf of {} lacks '{}':\n{}", file.display(), want, out);
            }
            assert!(out.contains(fp_reg), "readelf of {}: the CFA is not on {}:\n{}", file.display(), fp_reg, out);
        }
        if let Some(out) = run_tool("llvm-dwarfdump", &["--verify"], file) {
            assert!(out.contains("No errors."), "llvm-dwarfdump --verify {}:\n{}", file.display(), out);
        }
    }
    let Some(out) = run_tool(objdump, &["--dwarf=decodedline"], &b.exe) else { return };
    let rows = decoded_lines(&out, "t.dk");
    for (name, decl, body) in [("leaf.0", 2, vec![3, 4]), ("mid.1", 7, vec![8, 9]), ("__dc_entry", 12, vec![13, 14]), ("pick.3", 17, vec![18, 19, 21])] {
        let addr = symbol_addr(&b.exe_bytes, name);
        assert!(rows.contains(&(decl, addr)), "{} at {:#x} does not start at line {}:\n{}", name, addr, decl, out);
        for line in body {
            let row = rows.iter().find(|r| r.0 == line).unwrap_or_else(|| panic!("no row for line {}:\n{}", line, out));
            assert!(row.1 > addr, "line {} is at {:#x}, not after {} at {:#x}", line, row.1, name, addr);
        }
    }
}

#[test]
fn x86_64_dwarf_is_valid_and_maps_lines() {
    let dir = scratch("x86_64");
    let b = build(&dir, Arch::X86_64);
    let status = Command::new(&b.exe).status().unwrap();
    assert_eq!(status.code(), Some(STATUS));
    check_dwarf(&b, "objdump", "r6 (rbp)");
    cleanup(&dir);
}

#[test]
fn aarch64_dwarf_is_valid_and_maps_lines() {
    let dir = scratch("aarch64");
    let b = build(&dir, Arch::Aarch64);
    match Command::new("qemu-aarch64").arg(&b.exe).status() {
        Ok(status) => assert_eq!(status.code(), Some(STATUS)),
        Err(_) => eprintln!("notice: qemu-aarch64 is not installed; not running the program"),
    }
    check_dwarf(&b, "aarch64-linux-gnu-objdump", "r29 (x29)");
    cleanup(&dir);
}

/// Without a source file table or spans the object still gets valid debug
/// info, and objects with debug info still link with each other.
#[test]
fn emits_nothing_for_an_empty_module_and_links_two_objects() {
    let mut o = Object::new(Arch::X86_64);
    emit(&mut o, &Module::default(), &[]).unwrap();
    assert_eq!(o.sections.len(), 4);
    assert!(o.relocs.is_empty());

    // Two objects, each with its own DWARF, linked together: every offset into
    // a debug section must be relocated for the second unit to be readable.
    let dir = scratch("two");
    let src = dir.join("t.dk");
    std::fs::write(&src, SOURCE).unwrap();
    let mut m = program(src.to_str().unwrap(), 231);
    m.functions.pop();
    let entry_fn = m.functions.pop().unwrap();
    m.functions[1].linkage = Linkage::Global;
    let mut a = crate::compile_module(&m, Arch::X86_64).unwrap();
    let m2 = Module { files: vec![], functions: vec![entry_fn], data: vec![] };
    let b = crate::compile_module(&m2, Arch::X86_64).unwrap();
    crate::asm::entry_x86_64(&mut a);
    let exe = crate::link::link_objects(&[a, b], "_start").unwrap();
    let path = dir.join("t2");
    std::fs::write(&path, &exe).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(Command::new(&path).status().unwrap().code(), Some(STATUS));
    if let Some(out) = run_tool("readelf", &["--debug-dump=info,line,frames"], &path) {
        assert_eq!(out.matches("DW_TAG_compile_unit").count(), 2, "{}", out);
        assert!(out.contains(": leaf") && out.contains(": main") && out.contains(NO_FILE), "{}", out);
    }
    if let Some(out) = run_tool("llvm-dwarfdump", &["--verify"], &path) {
        assert!(out.contains("No errors."), "{}", out);
    }
    cleanup(&dir);
}

/// The unwind rows llvm-dwarfdump computes from `.debug_frame` for the
/// function at [start, end): (address, CFA rule), with AArch64's register
/// names normalised (LLVM 14 calls sp and x29 WSP and W29).
fn cfa_rows(out: &str, start: u64, end: u64) -> Vec<(u64, String)> {
    let mut rows = Vec::new();
    for l in out.lines() {
        let l = l.trim();
        let Some((addr, rest)) = l.split_once(": CFA=") else { continue };
        let Some(Ok(addr)) = addr.strip_prefix("0x").map(|a| u64::from_str_radix(a, 16)) else { continue };
        if addr < start || addr >= end {
            continue;
        }
        let rule = rest.split(':').next().unwrap_or("").replace("WSP", "SP").replace("W29", "X29");
        rows.push((addr - start, rule));
    }
    rows
}

/// The frame description of every function, row by row: the CFA moves from
/// the stack pointer to the frame pointer during the prologue, back to the
/// stack pointer after each epilogue restores the frame pointer, and back to
/// the frame pointer for code after a mid-function return.
fn check_frames(b: &Built, arch: Arch) {
    let Some(out) = run_tool("llvm-dwarfdump", &["--debug-frame"], &b.exe) else { return };
    let (entry, pushed, framed, ret_len, after_stp) = match arch {
        Arch::X86_64 => ("RSP+8", "RSP+16", "RBP+16", 1, 1),
        Arch::Aarch64 => ("SP", "SP+16", "X29+16", 4, 4),
    };
    let exe = object::read::File::parse(b.exe_bytes.as_slice()).unwrap();
    for (name, returns) in [("leaf.0", 1), ("mid.1", 1), ("__dc_entry", 0), ("pick.3", 2)] {
        let s = exe.symbols().find(|s| s.name() == Ok(name)).unwrap();
        let rows = cfa_rows(&out, s.address(), s.address() + s.size());
        // Rows that only save a callee-saved register keep the CFA rule.
        let mut rules: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        rules.dedup();
        let mut want = vec![entry, pushed, framed];
        for k in 0..returns {
            want.push(entry);
            if k + 1 < returns {
                want.push(framed);
            }
        }
        assert_eq!(rules, want, "{} CFA rules {:?}:\n{}", name, rows, out);
        assert_eq!(rows[1].0, after_stp, "{}: {:?}", name, rows);
        if returns > 0 {
            // The last epilogue leaves the CFA on the stack pointer for the ret,
            // which ends the function.
            assert_eq!(rows.last().unwrap().0, s.size() - ret_len, "{}: {:?}", name, rows);
        }
    }
}

#[test]
fn x86_64_frames_follow_prologues_and_epilogues() {
    let dir = scratch("frames-x86_64");
    check_frames(&build(&dir, Arch::X86_64), Arch::X86_64);
    cleanup(&dir);
}

#[test]
fn aarch64_frames_follow_prologues_and_epilogues() {
    let dir = scratch("frames-aarch64");
    check_frames(&build(&dir, Arch::Aarch64), Arch::Aarch64);
    cleanup(&dir);
}

/// Run gdb on the test program: `setup` (breakpoints), then start it, then
/// `after`. x86-64 programs run under gdb directly; AArch64 ones under
/// qemu-aarch64's gdb stub, which gdb-multiarch attaches to through a unix
/// socket. Returns gdb's stdout and stderr, or None (with a notice) when the
/// tools are missing or cannot trace here.
fn gdb_session(b: &Built, dir: &Path, arch: Arch, setup: &[String], after: &[String]) -> Option<String> {
    let mut cmds: Vec<String> = vec!["set startup-with-shell off".into(), "set confirm off".into()];
    let mut qemu = None;
    let gdb = match arch {
        Arch::X86_64 => {
            cmds.extend_from_slice(setup);
            cmds.push("run".into());
            "gdb"
        }
        Arch::Aarch64 => {
            if Command::new("gdb-multiarch").arg("--version").output().is_err() {
                eprintln!("notice: gdb-multiarch is not installed; skipping the AArch64 gdb test");
                return None;
            }
            let sock = dir.join("gdb.sock");
            let qemu_cmd = Command::new("qemu-aarch64").arg("-g").arg(&sock).arg(&b.exe).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
            match qemu_cmd {
                Ok(child) => qemu = Some(child),
                Err(_) => {
                    eprintln!("notice: qemu-aarch64 is not installed; skipping the AArch64 gdb test");
                    return None;
                }
            }
            for _ in 0..100 {
                if sock.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            cmds.push(format!("target remote {}", sock.display()));
            cmds.extend_from_slice(setup);
            cmds.push("continue".into());
            "gdb-multiarch"
        }
    };
    cmds.extend_from_slice(after);
    cmds.push("kill".into());
    let mut args = vec!["-batch".to_string(), "-nx".into()];
    for c in cmds {
        args.extend(["-ex".to_string(), c]);
    }
    let out = Command::new(gdb).args(&args).arg(&b.exe).output();
    if let Some(mut q) = qemu {
        q.kill().ok();
        q.wait().ok();
    }
    let Ok(out) = out else {
        eprintln!("notice: {} is not installed; skipping the gdb test", gdb);
        return None;
    };
    let all = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if all.contains("ptrace") && all.contains("Operation not permitted") {
        eprintln!("notice: gdb cannot trace processes here; skipping the gdb test:\n{}", all);
        return None;
    }
    Some(all)
}

/// gdb: a breakpoint on a source name hits after the prologue, `bt` names
/// every dusk frame with its file and line, `step` enters a call and `next`
/// moves to the next line.
fn gdb_breaks_steps_and_backtraces(arch: Arch, name: &str) {
    let dir = scratch(name);
    let b = build(&dir, arch);
    let setup = ["break mid".to_string()];
    let after = ["step", "bt", "next", "info line"].map(String::from);
    let Some(all) = gdb_session(&b, &dir, arch, &setup, &after) else { return };
    assert!(all.contains("Breakpoint 1 at") && all.contains("t.dk, line 8."), "breakpoint not placed on line 8:\n{}", all);
    assert!(all.contains("Breakpoint 1, mid (") && all.contains("t.dk:8"), "breakpoint not hit:\n{}", all);
    // `step` enters leaf past its prologue, on its first line.
    assert!(all.contains("leaf (") && all.contains("t.dk:3"), "step did not enter leaf:\n{}", all);
    let bt: Vec<&str> = all.lines().filter(|l| l.starts_with('#')).collect();
    assert!(bt.len() == 3, "the backtrace should be leaf, mid, main:\n{}", all);
    assert!(bt[0].contains("leaf (") && bt[0].contains("t.dk:3"), "frame 0:\n{}", all);
    assert!(bt[1].contains("mid (") && bt[1].contains("t.dk:8"), "frame 1:\n{}", all);
    assert!(bt[2].contains("main (") && bt[2].contains("t.dk:13"), "frame 2:\n{}", all);
    // `next` moves to line 4.
    assert!(all.contains("Line 4 of"), "next did not reach line 4:\n{}", all);
    assert!(!all.to_lowercase().contains("warning"), "gdb warns:\n{}", all);
    cleanup(&dir);
}

#[test]
fn x86_64_gdb_breaks_steps_and_backtraces() {
    gdb_breaks_steps_and_backtraces(Arch::X86_64, "gdb-x86_64");
}

#[test]
fn aarch64_gdb_breaks_steps_and_backtraces() {
    gdb_breaks_steps_and_backtraces(Arch::Aarch64, "gdb-aarch64");
}

/// gdb: the frame description is right at every instruction of a call, the
/// prologue and epilogue included: stepping one instruction at a time from
/// leaf's first instruction, through its return and on into mid and main,
/// every backtrace is the chain leaf, mid, main from the current function.
fn gdb_unwinds_at_every_instruction(arch: Arch, name: &str) {
    // Enough to get from leaf back into main, not enough to reach its exit.
    const STEPS: usize = 20;
    let dir = scratch(name);
    let b = build(&dir, arch);
    let setup = [format!("break *{:#x}", symbol_addr(&b.exe_bytes, "leaf.0"))];
    let mut after = Vec::new();
    for _ in 0..STEPS {
        after.extend(["bt".to_string(), "stepi".into()]);
    }
    let Some(all) = gdb_session(&b, &dir, arch, &setup, &after) else { return };
    // Group the backtrace lines into one list per `bt`.
    let mut traces: Vec<Vec<&str>> = Vec::new();
    for l in all.lines() {
        if l.starts_with("#0") {
            traces.push(Vec::new());
        }
        if l.starts_with('#') {
            traces.last_mut().unwrap().push(l);
        }
    }
    assert_eq!(traces.len(), STEPS, "{}", all);
    let chain = [" leaf (", " mid (", " main ("];
    let mut seen = [0; 3];
    for t in &traces {
        let top = chain.iter().position(|f| t[0].contains(f)).unwrap_or_else(|| panic!("backtrace {:?} outside the program in:\n{}", t, all));
        seen[top] += 1;
        let want = &chain[top..];
        assert_eq!(t.len(), want.len(), "backtrace {:?} in:\n{}", t, all);
        for (frame, f) in t.iter().zip(want) {
            assert!(frame.contains(f), "backtrace {:?}: expected{} in:\n{}", t, f, all);
        }
    }
    assert!(seen[0] >= 5 && seen[1] >= 3, "did not step through leaf and mid:\n{}", all);
    cleanup(&dir);
}

#[test]
fn x86_64_gdb_unwinds_at_every_instruction() {
    gdb_unwinds_at_every_instruction(Arch::X86_64, "stepi-x86_64");
}

#[test]
fn aarch64_gdb_unwinds_at_every_instruction() {
    gdb_unwinds_at_every_instruction(Arch::Aarch64, "stepi-aarch64");
}

/// `fn count(n: i64) -> i64 { let s = n + 1; s = s * 3; return s }` with
/// both variables in slots, as the front end lowers them; `debug` names the
/// slots as the homes of `n` (a parameter) and `s`.
fn with_locals(debug: bool) -> crate::ir::Function {
    use crate::ir::{DebugBase, DebugType, DebugVar};
    let mut b = FunctionBuilder::new("count", "count", &[Type::I64], Some(Type::I64), at(2));
    let n = b.block_params(b.func.entry())[0];
    let (sn, ss) = (b.new_slot(8, 8), b.new_slot(8, 8));
    let a = b.slot_addr(sn);
    b.store(n, a, 0);
    b.span = at(3);
    let a = b.slot_addr(sn);
    let v = b.load(Type::I64, a, 0);
    let one = b.iconst(Type::I64, 1);
    let v = b.bin(crate::ir::BinOp::Add, v, one);
    let a = b.slot_addr(ss);
    b.store(v, a, 0);
    b.span = at(4);
    let a = b.slot_addr(ss);
    let v = b.load(Type::I64, a, 0);
    let three = b.iconst(Type::I64, 3);
    let v = b.bin(crate::ir::BinOp::Mul, v, three);
    let a = b.slot_addr(ss);
    b.store(v, a, 0);
    let a = b.slot_addr(ss);
    let v = b.load(Type::I64, a, 0);
    b.ret(Some(v));
    let mut f = b.finish();
    if debug {
        f.debug.types.push(DebugType::Base { name: "int64".into(), size: 8, base: DebugBase::Signed });
        f.debug.vars.push(DebugVar { name: "n".into(), ty: 0, slot: sn, param: true, span: at(2) });
        f.debug.vars.push(DebugVar { name: "s".into(), ty: 0, slot: ss, param: false, span: at(3) });
    }
    f
}

fn count_ops(f: &crate::ir::Function) -> (usize, usize) {
    let insts = || f.blocks.iter().flat_map(|b| &b.insts);
    let loads = insts().filter(|i| matches!(i.op, Op::Load { .. })).count();
    let stores = insts().filter(|i| matches!(i.op, Op::Store { .. })).count();
    (loads, stores)
}

#[test]
fn mem2reg_keeps_the_stores_of_variable_homes() {
    // Without debug information the variables become SSA values entirely.
    let mut plain = with_locals(false);
    crate::passes::optimize(&mut plain).unwrap();
    assert_eq!((plain.slots.len(), count_ops(&plain)), (0, (0, 0)), "{}", crate::print::print_function(&plain));
    // With it the reads are promoted all the same, but every assignment
    // still reaches the home, and the table follows the renumbered slots.
    let mut homes = with_locals(true);
    crate::passes::optimize(&mut homes).unwrap();
    assert_eq!((homes.slots.len(), count_ops(&homes)), (2, (0, 3)), "{}", crate::print::print_function(&homes));
    let slots: Vec<u32> = homes.debug.vars.iter().map(|v| v.slot.0).collect();
    assert_eq!(slots, [0, 1]);
}

#[test]
fn variables_get_a_type_and_a_frame_location() {
    for arch in [Arch::X86_64, Arch::Aarch64] {
        let f = with_locals(true);
        let m = Module { files: vec!["t.dk".into()], functions: vec![f], data: vec![] };
        let o = crate::compile_module(&m, arch).unwrap();
        let frame = o.frames.iter().find(|fr| fr.func == "count").expect("the back end reports the frame");
        assert_eq!(frame.cfa_offsets.len(), 2);
        // Both homes are below the CFA, 8 bytes apart, inside the frame.
        let (a, b) = (frame.cfa_offsets[0], frame.cfa_offsets[1]);
        assert!(a < -16 && b < -16 && (a - b).abs() == 8, "{:?}: {:?}", arch, frame.cfa_offsets);
        let info = o.sections.iter().find(|s| s.name == ".debug_info").expect(".debug_info");
        let strs = o.sections.iter().find(|s| s.name == ".debug_str").expect(".debug_str");
        let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(has(&strs.bytes, b"int64\0") && has(&strs.bytes, b"s\0"), "names in .debug_str");
        // DW_OP_fbreg (0x91) with the SLEB128 offset of `s`'s home.
        let mut loc = vec![0x91u8];
        gimli::leb128::write::signed(&mut loc, b).unwrap();
        assert!(has(&info.bytes, &loc), "{:?}: no fbreg {} in .debug_info", arch, b);
    }
}
