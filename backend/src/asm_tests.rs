//! Tests of the concurrency routines (`asm/<arch>/conc.rs`): small IR
//! programs that call them, linked with the runtime assembly and run natively
//! (x86-64) and under qemu (AArch64). Each program writes 8-byte results to
//! stdout, which the test compares word by word.

use crate::ir::*;
use crate::obj::{Arch, Object};
use std::process::Command;

const I64: Type = Type::I64;

/// System-call numbers the test programs use.
struct Nr {
    write: i64,
    exit_group: i64,
    mmap: i64,
    futex: i64,
}

fn nr(arch: Arch) -> Nr {
    match arch {
        Arch::X86_64 => Nr { write: 1, exit_group: 231, mmap: 9, futex: 202 },
        Arch::Aarch64 => Nr { write: 64, exit_group: 94, mmap: 222, futex: 98 },
    }
}

/// A function under construction, with the shorthands the tests need.
struct Fb {
    b: FunctionBuilder,
    nr: Nr,
}

impl Fb {
    fn new(name: &str, params: usize, arch: Arch) -> Fb {
        Fb { b: FunctionBuilder::new(name, name, &vec![I64; params], None, Span::NONE), nr: nr(arch) }
    }
    fn param(&self, i: usize) -> Value {
        self.b.block_params(BlockId(0))[i]
    }
    fn k(&mut self, v: i64) -> Value {
        self.b.iconst(I64, v)
    }
    fn sym(&mut self, s: &str) -> Value {
        self.b.sym_addr(s)
    }
    fn call(&mut self, f: &str, args: Vec<Value>) -> Value {
        self.b.call(Callee::Direct(f.to_string()), args, Some(I64)).unwrap()
    }
    fn call_void(&mut self, f: &str, args: Vec<Value>) {
        self.b.call(Callee::Direct(f.to_string()), args, None);
    }
    fn atomic(&mut self, op: AtomicOp, args: Vec<Value>) -> Value {
        self.b.ins(I64, Op::Atomic(op, args))
    }
    fn add(&mut self, a: Value, k: i64) -> Value {
        let k = self.k(k);
        self.b.bin(BinOp::Add, a, k)
    }
    fn syscall(&mut self, args: Vec<Value>) -> Value {
        self.b.ins(I64, Op::Syscall(args))
    }
    /// Write v to stdout as 8 little-endian bytes.
    fn emit(&mut self, v: Value) {
        self.call_void("emit", vec![v]);
    }
    fn exit(&mut self, code: i64) {
        let n = self.k(self.nr.exit_group);
        let c = self.k(code);
        self.syscall(vec![n, c]);
        self.b.unreachable();
    }
    /// `for i in 0..n { body(i) }`; the counter is a block parameter, so it
    /// lives in a register across the body's calls (a callee-saved one).
    fn repeat(&mut self, n: i64, body: impl FnOnce(&mut Fb, Value)) {
        let head = self.b.new_block();
        let i = self.b.add_block_param(head, I64);
        let run = self.b.new_block();
        let done = self.b.new_block();
        let zero = self.k(0);
        self.b.jump(head, vec![zero]);
        self.b.switch_to(head);
        let lim = self.k(n);
        let more = self.b.icmp(IntCC::Slt, i, lim);
        self.b.branch(more, run, vec![], done, vec![]);
        self.b.switch_to(run);
        body(self, i);
        let next = self.add(i, 1);
        self.b.jump(head, vec![next]);
        self.b.switch_to(done);
    }
    fn finish(mut self, global: bool) -> Function {
        if self.b.is_open() {
            self.b.ret(None);
        }
        let mut f = self.b.finish();
        if global {
            f.linkage = Linkage::Global;
        }
        f
    }
}

/// `emit(v)`: write(1, &v, 8).
fn emit_fn(arch: Arch) -> Function {
    let mut f = Fb::new("emit", 1, arch);
    let s = f.b.new_slot(8, 8);
    let a = f.b.slot_addr(s);
    let v = f.param(0);
    f.b.store(v, a, 0);
    let n = f.k(f.nr.write);
    let one = f.k(1);
    let eight = f.k(8);
    f.syscall(vec![n, one, a, eight]);
    f.finish(false)
}

fn bss(name: &str, size: usize) -> Data {
    Data { name: name.into(), bytes: vec![0; size], align: 16, readonly: false, linkage: Linkage::Local, relocs: vec![] }
}

/// Link `funcs` (one of them `__dc_entry`) with the runtime assembly, run
/// the executable and return its stdout as words.
fn run(test: &str, arch: Arch, mut funcs: Vec<Function>, data: Vec<Data>) -> Option<Vec<i64>> {
    let runner: &[&str] = match arch {
        Arch::X86_64 if cfg!(target_arch = "x86_64") => &[],
        Arch::Aarch64 if cfg!(target_arch = "aarch64") => &[],
        Arch::Aarch64 => &["qemu-aarch64"],
        Arch::X86_64 => &["qemu-x86_64"],
    };
    if let Some(q) = runner.first() {
        if Command::new(q).arg("--version").output().is_err() {
            eprintln!("no {}: skipped", q);
            return None;
        }
    }
    funcs.push(emit_fn(arch));
    let m = Module { files: vec!["t.dk".into()], functions: funcs, data };
    let o = crate::compile_module(&m, arch).unwrap();
    let mut rt = Object::new(arch);
    crate::isa::for_arch(arch).runtime_asm(&mut rt);
    let exe = crate::link::link_objects(&[o, rt], "_start").unwrap();
    let path = std::env::temp_dir().join(format!("dc-conc-{}-{:?}-{}", std::process::id(), arch, test));
    std::fs::write(&path, &exe).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = match runner.first() {
        Some(q) => Command::new(q).arg(&path).output(),
        None => Command::new(&path).output(),
    }
    .unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(out.status.code(), Some(0), "{:?}: {}", arch, String::from_utf8_lossy(&out.stderr));
    Some(out.stdout.chunks(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect())
}

/// Each atomic (inline IR ops) on one word, their results in order; then
/// `__dc_call1`.
fn atomics_program(arch: Arch) -> Vec<Function> {
    let mut f = Fb::new("__dc_entry", 2, arch);
    let s = f.b.new_slot(8, 8);
    let w = f.b.slot_addr(s);
    let five = f.k(5);
    f.b.store(five, w, 0);
    let three = f.k(3);
    let r = f.atomic(AtomicOp::Add, vec![w, three]);
    f.emit(r);
    let (seven, hundred) = (f.k(7), f.k(100));
    let r = f.atomic(AtomicOp::Cas, vec![w, seven, hundred]);
    f.emit(r);
    let r = f.atomic(AtomicOp::Load, vec![w]);
    f.emit(r);
    let eight = f.k(8);
    let r = f.atomic(AtomicOp::Cas, vec![w, eight, hundred]);
    f.emit(r);
    let r = f.atomic(AtomicOp::Load, vec![w]);
    f.emit(r);
    let m1 = f.k(-1);
    f.atomic(AtomicOp::Xchg, vec![w, m1]);
    let ft = f.k(42);
    let r = f.atomic(AtomicOp::Xchg, vec![w, ft]);
    f.emit(r);
    let r = f.b.load(I64, w, 0);
    f.emit(r);
    f.call_void("__dc_fence", vec![]);
    let twice = f.sym("twice");
    let x = f.k(21);
    let r = f.call("__dc_call1", vec![twice, x]);
    f.emit(r);
    f.exit(0);
    let mut t = Fb::new("twice", 1, arch);
    t.b.func.ret = Some(I64);
    let p = t.param(0);
    let r = t.b.bin(BinOp::Add, p, p);
    t.b.ret(Some(r));
    vec![f.finish(true), t.finish(false)]
}

/// The atomics with every allocatable register busy, so operands and
/// results are spilled and the emitters' scratch registers carry them.
fn atomics_pressure_program(arch: Arch) -> Vec<Function> {
    let mut f = Fb::new("__dc_entry", 2, arch);
    let s = f.b.new_slot(8, 8);
    let w = f.b.slot_addr(s);
    let ten = f.k(10);
    f.b.store(ten, w, 0);
    let (expect, desired, d) = (f.k(10), f.k(20), f.k(5));
    // 30 values live across the atomics.
    let live: Vec<Value> = (0..30).map(|i| f.k(1000 + i)).collect();
    let a = f.atomic(AtomicOp::Cas, vec![w, expect, desired]);
    let b = f.atomic(AtomicOp::Add, vec![w, d]);
    let c = f.atomic(AtomicOp::Xchg, vec![w, expect]);
    let l = f.atomic(AtomicOp::Load, vec![w]);
    let mut sum = f.k(0);
    for v in live {
        sum = f.b.bin(BinOp::Add, sum, v);
    }
    for v in [a, b, c, l, sum, expect, desired, d] {
        f.emit(v);
    }
    f.exit(0);
    vec![f.finish(true)]
}

fn atomics_on(arch: Arch) {
    if let Some(out) = run("atomics_pressure", arch, atomics_pressure_program(arch), vec![]) {
        let sum: i64 = (0..30).map(|i| 1000 + i).sum();
        assert_eq!(out, vec![10, 25, 25, 10, sum, 10, 20, 5], "{:?}", arch);
    }
    if let Some(out) = run("atomics", arch, atomics_program(arch), vec![]) {
        assert_eq!(out, vec![8, 8, 8, 8, 100, -1, 42, 42], "{:?}", arch);
    }
}

#[test]
fn atomics_x86_64() {
    atomics_on(Arch::X86_64);
}

#[test]
fn atomics_aarch64() {
    atomics_on(Arch::Aarch64);
}

/// Two contexts on two stacks handing control back and forth. `ctx` holds
/// main's saved sp at 0 and the coroutine's at 8. Main keeps a value in a
/// register across every switch, so lost callee-saved registers show.
fn switch_program(arch: Arch) -> Vec<Function> {
    let mut m = Fb::new("__dc_entry", 2, arch);
    let ctx = m.sym("ctx");
    let stack = m.sym("stack");
    let top = m.add(stack, 65536);
    let coro = m.sym("coro");
    let sp = m.call("__dc_ctx_init", vec![top, coro, ctx]);
    m.b.store(sp, ctx, 8);
    // Loaded from memory so it is a value, not a constant to rematerialise.
    let seven = m.k(7);
    m.b.store(seven, ctx, 16);
    let ctx2 = m.sym("ctx");
    let k = m.b.load(I64, ctx2, 16);
    m.repeat(4, |m, j| {
        let ten = m.k(10);
        let jt = m.b.bin(BinOp::Mul, j, ten);
        let v = m.b.bin(BinOp::Add, jt, k);
        m.emit(v);
        let ctx = m.sym("ctx");
        let to = m.b.load(I64, ctx, 8);
        m.call_void("__dc_ctx_switch", vec![ctx, to]);
    });
    m.emit(k);
    m.exit(0);

    let mut c = Fb::new("coro", 1, arch);
    let arg = c.param(0);
    let save = c.add(arg, 8);
    c.repeat(3, |c, i| {
        let v = c.add(i, 100);
        c.emit(v);
        let to = c.b.load(I64, arg, 0);
        c.call_void("__dc_ctx_switch", vec![save, to]);
    });
    let v = c.k(999);
    c.emit(v);
    let to = c.b.load(I64, arg, 0);
    c.call_void("__dc_ctx_switch", vec![save, to]);
    c.b.unreachable();
    vec![m.finish(true), c.finish(false)]
}

fn switch_on(arch: Arch) {
    let data = vec![bss("ctx", 24), bss("stack", 65536)];
    if let Some(out) = run("switch", arch, switch_program(arch), data) {
        assert_eq!(out, vec![7, 100, 17, 101, 27, 102, 37, 999, 7], "{:?}", arch);
    }
}

#[test]
fn context_switch_x86_64() {
    switch_on(Arch::X86_64);
}

#[test]
fn context_switch_aarch64() {
    switch_on(Arch::Aarch64);
}

const CLONE_THREAD_FLAGS: i64 = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000 | 0x100000 | 0x200000;
const ADDS: i64 = 100_000;

/// A clone'd thread and the main thread each add 1 to a counter ADDS times;
/// main waits on the child-cleared tid word with futex, then prints the
/// total and what the child's TLS register held.
fn clone_program(arch: Arch) -> Vec<Function> {
    let mut m = Fb::new("__dc_entry", 2, arch);
    let (n, z, len, prot, flags, fd) = (m.k(m.nr.mmap), m.k(0), m.k(65536), m.k(3), m.k(0x22), m.k(-1));
    let stk = m.syscall(vec![n, z, len, prot, flags, fd, z]);
    let tls = m.sym("tlsblk");
    m.b.store(tls, tls, 0);
    let ctid = m.sym("ctid");
    let top = m.add(stk, 65536);
    let fl = m.k(CLONE_THREAD_FLAGS);
    let worker = m.sym("worker");
    let counter = m.sym("counter");
    let tid = m.call("__dc_thread_clone", vec![fl, top, ctid, tls, ctid, worker, counter]);
    let ok = m.b.new_block();
    let bad = m.b.new_block();
    let zero = m.k(0);
    let pos = m.b.icmp(IntCC::Sgt, tid, zero);
    m.b.branch(pos, ok, vec![], bad, vec![]);
    m.b.switch_to(bad);
    m.exit(1);
    m.b.switch_to(ok);
    m.repeat(ADDS, |m, _| {
        let c = m.sym("counter");
        let one = m.k(1);
        m.atomic(AtomicOp::Add, vec![c, one]);
    });
    // while (v = load(ctid)) != 0 { futex(ctid, FUTEX_WAIT, v) }
    let head = m.b.new_block();
    let wait = m.b.new_block();
    let done = m.b.new_block();
    m.b.jump(head, vec![]);
    m.b.switch_to(head);
    let ctid = m.sym("ctid");
    let v = m.atomic(AtomicOp::Load, vec![ctid]);
    let zero = m.k(0);
    let live = m.b.icmp(IntCC::Ne, v, zero);
    m.b.branch(live, wait, vec![], done, vec![]);
    m.b.switch_to(wait);
    let n = m.k(m.nr.futex);
    let z = m.k(0);
    m.syscall(vec![n, ctid, z, v, z, z, z]);
    m.b.jump(head, vec![]);
    m.b.switch_to(done);
    let c = m.sym("counter");
    let total = m.b.load(I64, c, 0);
    m.emit(total);
    let t = m.sym("tlsblk");
    let seen = m.b.load(I64, t, 8);
    let same = m.b.icmp(IntCC::Eq, seen, t);
    let same = m.b.cast(CastOp::Zext, same, I64);
    m.emit(same);
    m.exit(0);

    let mut w = Fb::new("worker", 1, arch);
    let arg = w.param(0);
    w.repeat(ADDS, |w, _| {
        let one = w.k(1);
        w.atomic(AtomicOp::Add, vec![arg, one]);
    });
    let t = w.b.ins(I64, Op::ThreadPointer);
    let blk = w.sym("tlsblk");
    w.b.store(t, blk, 8);
    vec![m.finish(true), w.finish(false)]
}

fn clone_on(arch: Arch) {
    let data = vec![bss("counter", 8), bss("ctid", 8), bss("tlsblk", 16)];
    if let Some(out) = run("clone", arch, clone_program(arch), data) {
        assert_eq!(out, vec![2 * ADDS, 1], "{:?}", arch);
    }
}

#[test]
fn clone_thread_x86_64() {
    clone_on(Arch::X86_64);
}

#[test]
fn clone_thread_aarch64() {
    clone_on(Arch::Aarch64);
}
