//! Lowering: the checked program to dc's SSA IR.
//!
//! Every local lives in its own stack slot (loads and stores); aggregates
//! (slices, arrays) live in memory and travel by address. Control flow maps
//! to blocks; `&&`/`||` and float saturation join through block parameters.
//! Runtime services are calls to the `__rt_*` functions of docs/runtime-abi.md.

use crate::ast::*;
use crate::check::{key, CallRes, Checked, FuncDecl, LocalId, MainForm, NameRes, PrintCall};
use crate::layout::{ir_type, is_aggregate, size_align};
use crate::types::{prim, TyId, TyKind};
use dc_backend::ir::{self, AtomicOp, BinOp as IB, BlockId, CastOp, Callee, FloatCC, FunctionBuilder, IntCC, Op, SlotId, Type, Value};
use dc_backend::Arch;
use std::collections::HashMap;

mod cabi;
mod closures;
mod concurrency;
mod async_fn;
mod debug;
mod tasks;
mod parallel;
mod enums;
mod iface;
mod views;
mod collector;
mod containers;
#[path = "lower_heap.rs"]
mod heap;

pub use cabi::unsupported_result as c_result_unsupported;

/// Linux system-call numbers per architecture, for `__sys_nr`.
pub fn syscall_number(name: &str, arch: Arch) -> Option<i64> {
    let (x86, a64) = match name {
        "read" => (0, 63),
        "write" => (1, 64),
        "close" => (3, 57),
        "mmap" => (9, 222),
        "munmap" => (11, 215),
        "rt_sigprocmask" => (14, 135),
        "getpid" => (39, 172),
        "kill" => (62, 129),
        "gettid" => (186, 178),
        "tgkill" => (234, 131),
        "clock_gettime" => (228, 113),
        "openat" => (257, 56),
        "exit_group" => (231, 94),
        "exit" => (60, 93),
        "futex" => (202, 98),
        "clone" => (56, 220),
        "mprotect" => (10, 226),
        "nanosleep" => (35, 101),
        "sched_yield" => (24, 124),
        "sched_getaffinity" => (204, 123),
        "rt_sigaction" => (13, 134),
        "sigaltstack" => (131, 132),
        "fcntl" => (72, 25),
        "epoll_create1" => (291, 20),
        "epoll_ctl" => (233, 21),
        "epoll_pwait" => (281, 22),
        "lseek" => (8, 62),
        "getdents64" => (217, 61),
        "mkdirat" => (258, 34),
        "unlinkat" => (263, 35),
        "renameat2" => (316, 276),
        "statx" => (332, 291),
        "getrandom" => (318, 278),
        "pipe2" => (293, 59),
        "dup3" => (292, 24),
        "execve" => (59, 221),
        "wait4" => (61, 260),
        "eventfd2" => (290, 19),
        "socket" => (41, 198),
        "connect" => (42, 203),
        "bind" => (49, 200),
        "listen" => (50, 201),
        "getsockname" => (51, 204),
        "setsockopt" => (54, 208),
        "getsockopt" => (55, 209),
        "accept4" => (288, 242),
        "prlimit64" => (302, 261),
        "ppoll" => (271, 73),
        _ => return None,
    };
    Some(if arch == Arch::X86_64 { x86 } else { a64 })
}

/// The runtime routines the backend emits inline instead of calling (locks
/// and the task switch live on them): the atomics and the thread pointer.
/// A seq-cst store is an exchange whose old value goes unused.
fn inline_routine(symbol: &str) -> Option<fn(Vec<Value>) -> Op> {
    Some(match symbol {
        "__dc_atomic_load" => |v| Op::Atomic(AtomicOp::Load, v),
        "__dc_atomic_store" | "__dc_atomic_xchg" => |v| Op::Atomic(AtomicOp::Xchg, v),
        "__dc_atomic_add" => |v| Op::Atomic(AtomicOp::Add, v),
        "__dc_atomic_cas" => |v| Op::Atomic(AtomicOp::Cas, v),
        "__dc_tls_get" => |_| Op::ThreadPointer,
        _ => return None,
    })
}

/// The concurrency intrinsics: each (except those `inline_routine` emits
/// inline) is a call to a routine of the runtime
/// assembly (`asm/<arch>/conc.rs`, docs/concurrency.md) taking `arity` int64
/// arguments and returning an int64.
pub fn asm_routine(name: &str) -> Option<(&'static str, usize)> {
    Some(match name {
        "__atomic_load" => ("__dc_atomic_load", 1),
        "__atomic_store" => ("__dc_atomic_store", 2),
        "__atomic_add" => ("__dc_atomic_add", 2),
        "__atomic_xchg" => ("__dc_atomic_xchg", 2),
        "__atomic_cas" => ("__dc_atomic_cas", 3),
        "__fence" => ("__dc_fence", 0),
        "__ctx_switch" => ("__dc_ctx_switch", 2),
        "__ctx_init" => ("__dc_ctx_init", 3),
        "__thread_clone" => ("__dc_thread_clone", 7),
        "__call1" => ("__dc_call1", 2),
        "__call2" => ("__dc_call2", 3),
        "__tls_get" => ("__dc_tls_get", 0),
        "__tls_set" => ("__dc_tls_set", 1),
        "__gc_spill" => ("__dc_gc_spill", 1),
        _ => return None,
    })
}

/// Size of the runtime's state block (`__rt_state()`).
const RT_STATE_SIZE: usize = 1 << 20;

pub fn lower(c: &Checked, arch: Arch) -> ir::Module {
    let mut m = ir::Module::default();
    for i in 0..c.sm.len() {
        m.files.push(c.sm.path(crate::source::FileId(i as u32)).to_string());
    }
    let mut strings = Strings::default();
    for (i, f) in c.funcs.iter().enumerate() {
        let mut func = FnLower::new(c, f, &mut strings, arch).lower_body();
        cabi::export_linkage(f, &mut func);
        if crate::clib::SHIM_TARGETS.contains(&func.name.as_str()) {
            func.linkage = ir::Linkage::Global;
        }
        let _ = i;
        m.functions.push(func);
        if f.item.is_async {
            m.functions.push(async_fn::task_entry(c, f));
        }
        for lam in &f.lambdas {
            m.functions.push(FnLower::new(c, f, &mut strings, arch).lower_lambda(lam));
        }
    }
    m.functions.extend(std::mem::take(&mut strings.lifted));
    m.functions.extend(closures::thunks(c));
    m.functions.extend(cabi::boundary_functions(c));
    if let Some((main, form)) = c.main {
        m.functions.push(entry(c, main, form));
    }
    m.data.push(ir::Data { name: "__dc_rt_state".into(), bytes: vec![0; RT_STATE_SIZE], align: 16, readonly: false, linkage: ir::Linkage::Local, relocs: vec![] });
    m.data.extend(strings.data);
    m.data.extend(iface::vtables(c));
    m
}

/// `__dc_entry(argc, argv)`: called by `_start`; runs `main` and exits with
/// its status.
fn entry(c: &Checked, main: u32, form: MainForm) -> ir::Function {
    let mut b = FunctionBuilder::new("__dc_entry", "__dc_entry", &[Type::I64, Type::I64], None, ir::Span::NONE);
    b.func.linkage = ir::Linkage::Global;
    let (argc, argv) = (b.block_params(BlockId(0))[0], b.block_params(BlockId(0))[1]);
    // The thread pointer first: the runtime reads its thread block through it.
    b.call(Callee::Direct("__rt_thread_install".into()), vec![], None);
    // The environment follows argv; std.os and std.process need it.
    b.call(Callee::Direct("__rt_std_set_args".into()), vec![argc, argv], None);
    let f = &c.funcs[main as usize];
    let args = match form {
        MainForm::NoArgs => vec![],
        MainForm::ArgcArgv => {
            let slot = b.new_slot(16, 8);
            let addr = b.slot_addr(slot);
            b.store(argv, addr, 0);
            b.store(argc, addr, 8);
            let argc32 = b.cast(CastOp::Trunc, argc, Type::I32);
            vec![argc32, addr]
        }
    };
    // The collector scans the main thread's stack up to here (rt/collector.dusk).
    let top = b.call(Callee::Direct("__dc_gc_sp".into()), vec![], Some(Type::I64)).unwrap();
    b.call(Callee::Direct("__rt_gc_anchor".into()), vec![top], None);
    let ret_ty = ir_type(&c.types, f.ret);
    let r = b.call(Callee::Direct(f.symbol.clone()), args, ret_ty).unwrap();
    let code = if ret_ty == Some(Type::I64) { b.cast(CastOp::Trunc, r, Type::I32) } else { r };
    // Spawned tasks run to completion before the process ends (rt/task.dusk).
    b.call(Callee::Direct("__rt_task_drain".into()), vec![], None);
    b.call(Callee::Direct("__rt_exit".into()), vec![code], None);
    b.unreachable();
    b.finish()
}

/// String literals as read-only, NUL-terminated data, one object per distinct text.
#[derive(Default)]
struct Strings {
    by_text: HashMap<Vec<u8>, String>,
    data: Vec<ir::Data>,
    /// Functions lifted while lowering another (parallel branches,
    /// lower/parallel.rs), added to the module at the end.
    lifted: Vec<ir::Function>,
    /// Parallel branches lifted so far (their symbols' numbers).
    branches: usize,
}

impl Strings {
    fn symbol(&mut self, bytes: &[u8]) -> String {
        if let Some(s) = self.by_text.get(bytes) {
            return s.clone();
        }
        let name = format!(".Lstr.{}", self.data.len());
        let mut v = bytes.to_vec();
        v.push(0);
        self.data.push(ir::Data { name: name.clone(), bytes: v, align: 1, readonly: true, linkage: ir::Linkage::Local, relocs: vec![] });
        self.by_text.insert(bytes.to_vec(), name.clone());
        name
    }
}

struct Loop {
    continue_to: BlockId,
    break_to: BlockId,
}

/// Where a local lives: its own stack slot, or (for a method's `self`)
/// the caller's storage the receiver pointer names.
#[derive(Copy, Clone)]
enum Storage {
    Slot(SlotId),
    Addr(Value),
    /// A lambda's capture: at this offset in its environment.
    Env(i32),
}

/// The IR parameters of a function: a hidden result pointer when it returns
/// an aggregate, the receiver pointer of a method, then its parameters
/// (aggregates by address; the callee copies them).
fn ir_params(c: &Checked, f: &FuncDecl) -> Vec<Type> {
    let mut v = Vec::new();
    if is_aggregate(&c.types, f.ret) {
        v.push(Type::I64);
    }
    if f.receiver.is_some() {
        v.push(Type::I64);
    }
    v.extend(f.params.iter().map(|&t| ir_type(&c.types, t).unwrap_or(Type::I64)));
    v
}

struct FnLower<'c, 'a, 's> {
    c: &'c Checked<'a>,
    f: &'c FuncDecl<'a>,
    b: FunctionBuilder,
    /// Where each local lives; a slot is made at the first use.
    slots: HashMap<LocalId, Storage>,
    /// The dusk result type of the function (or lambda) being lowered.
    ret: TyId,
    /// A lambda's environment pointer (its hidden first parameter).
    env: Option<Value>,
    /// The hidden result pointer of a function returning an aggregate.
    sret: Option<Value>,
    loops: Vec<Loop>,
    strings: &'s mut Strings,
    arch: Arch,
    /// The `defer`red expressions registered so far, in order; every return
    /// replays them in reverse.
    defers: Vec<&'a Expr<'a>>,
    /// Each dusk type's index in the function's debug type table (`debug.rs`).
    debug_types: HashMap<TyId, u32>,
}

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    fn new(c: &'c Checked<'a>, f: &'c FuncDecl<'a>, strings: &'s mut Strings, arch: Arch) -> Self {
        let span = ir_span(c, f.item.span);
        let mut b = FunctionBuilder::new(&f.symbol, f.item.name.name, &ir_params(c, f), ir_type(&c.types, f.ret), span);
        // Runtime and std code may be inlined; the user's functions stay
        // whole for the debugger.
        b.func.inlinable = f.runtime || c.library.contains(&f.file);
        FnLower { c, f, b, slots: HashMap::new(), ret: f.ret, env: None, sret: None, loops: Vec::new(), strings, arch, defers: Vec::new(), debug_types: HashMap::new() }
    }

    fn ty(&self, e: &Expr) -> TyId {
        *self.c.info.expr_ty.get(&key(e)).unwrap_or(&prim::ERR)
    }

    fn irty(&self, t: TyId) -> Type {
        ir_type(&self.c.types, t).unwrap_or(Type::I64)
    }

    fn at(&mut self, span: crate::source::Span) {
        self.b.span = ir_span(self.c, span);
    }

    fn lower_body(mut self) -> ir::Function {
        let mut params: Vec<Value> = self.b.block_params(BlockId(0)).to_vec();
        if is_aggregate(&self.c.types, self.f.ret) {
            self.sret = Some(params.remove(0));
        }
        if let Some(recv) = self.f.receiver {
            let this = params.remove(0);
            self.declare_receiver(this, recv);
            self.slots.insert(LocalId(0), Storage::Addr(this));
        }
        // Parameters are the locals after the receiver, in order.
        let first = self.f.receiver.is_some() as usize;
        for (i, v) in params.into_iter().enumerate() {
            let ty = self.f.params[i];
            let addr = self.local_slot(LocalId((first + i) as u32));
            if is_aggregate(&self.c.types, ty) {
                self.copy_mem(addr, v, ty);
            } else {
                self.b.store(v, addr, 0);
            }
        }
        self.block(self.f.item.body);
        self.fall_off_end(self.f.item.body.span);
        self.b.finish()
    }

    /// Falling off the end of a body: a void function replays its defers and
    /// returns; the checker proved a value-returning one never gets here.
    fn fall_off_end(&mut self, span: crate::source::Span) {
        if self.b.is_open() {
            self.at(span);
            match self.b.func.ret {
                None => {
                    self.run_defers();
                    self.b.ret(None)
                }
                Some(_) => self.b.unreachable(),
            }
        }
    }

    fn copy_mem(&mut self, dst: Value, src: Value, ty: TyId) {
        let (size, _) = size_align(&self.c.types, ty);
        let mut off = 0i32;
        while (off as u64) + 8 <= size {
            let v = self.b.load(Type::I64, src, off);
            self.b.store(v, dst, off);
            off += 8;
        }
        while (off as u64) < size {
            let v = self.b.load(Type::I8, src, off);
            self.b.store(v, dst, off);
            off += 1;
        }
    }

    fn local_slot(&mut self, l: LocalId) -> Value {
        let st = match self.slots.get(&l) {
            Some(&st) => st,
            None => {
                let (size, align) = size_align(&self.c.types, self.f.locals[l.0 as usize].ty);
                let s = self.b.new_slot(size.max(1) as u32, align.max(1) as u32);
                self.declare_local(l, s);
                let st = Storage::Slot(s);
                self.slots.insert(l, st);
                st
            }
        };
        match st {
            Storage::Slot(s) => self.b.slot_addr(s),
            Storage::Addr(v) => v,
            Storage::Env(off) => {
                let env = self.env.expect("a capture outside a lambda");
                let o = self.b.iconst(Type::I64, off as i64);
                self.b.bin(IB::Add, env, o)
            }
        }
    }

    /// A fresh frame temporary big enough for a value of `ty`.
    fn temp(&mut self, ty: TyId) -> Value {
        let (size, align) = size_align(&self.c.types, ty);
        let s = self.b.new_slot(size.max(1) as u32, align.max(1) as u32);
        self.b.slot_addr(s)
    }

    fn block(&mut self, blk: &'a Block<'a>) {
        for s in blk.stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &'a Stmt<'a>) {
        self.at(s.span);
        match &s.kind {
            StmtKind::Let(bind) if bind.names.len() > 1 => {
                let tt = self.ty(bind.value);
                let t = self.expr(bind.value);
                for (i, n) in bind.names.iter().enumerate() {
                    let l = self.c.info.decls[&key(&n.name)];
                    let lty = self.f.locals[l.0 as usize].ty;
                    let mty = match self.c.types.kind(tt) {
                        TyKind::Tuple(ts) => ts[i],
                        _ => lty,
                    };
                    let off = crate::layout::member_offset(&self.c.types, tt, i) as i32;
                    let src = self.member_value(t, off, mty);
                    let v = self.convert_value(src, mty, lty);
                    let addr = self.local_slot(l);
                    self.store_value(v, addr, lty);
                }
            }
            StmtKind::Let(bind) => {
                let n = &bind.names[0];
                let l = self.c.info.decls[&key(&n.name)];
                let ty = self.f.locals[l.0 as usize].ty;
                let v = self.expr_as(bind.value, ty);
                let addr = self.local_slot(l);
                self.store_value(v, addr, ty);
            }
            StmtKind::Assign { place, value } => {
                let pt = self.ty(place.unparen());
                let v = self.expr_as(value, pt);
                let addr = self.place_addr(place);
                self.store_value(v, addr, pt);
            }
            StmtKind::CompoundAssign { op, place, value } => {
                let pt = self.ty(place.unparen());
                let addr = self.place_addr(place);
                let old = self.b.load(self.irty(pt), addr, 0);
                let rhs = self.expr_as(value, pt);
                let new = self.binop(*op, old, rhs, pt, s.span);
                self.b.store(new, addr, 0);
            }
            StmtKind::IncDec { place, inc } => {
                let pt = self.ty(place.unparen());
                let addr = self.place_addr(place);
                let t = self.irty(pt);
                let old = self.b.load(t, addr, 0);
                let one = self.b.iconst(t, 1);
                let new = self.b.bin(if *inc { IB::Add } else { IB::Sub }, old, one);
                self.b.store(new, addr, 0);
            }
            StmtKind::If(i) => self.if_stmt(i),
            StmtKind::While { cond, body } => {
                let head = self.b.new_block();
                let body_b = self.b.new_block();
                let exit = self.b.new_block();
                self.b.jump(head, vec![]);
                self.b.switch_to(head);
                let c = self.expr(cond);
                self.b.branch(c, body_b, vec![], exit, vec![]);
                self.b.switch_to(body_b);
                self.loops.push(Loop { continue_to: head, break_to: exit });
                self.block(body);
                self.loops.pop();
                self.b.jump(head, vec![]);
                self.b.switch_to(exit);
            }
            StmtKind::DoWhile { body, cond } => {
                let body_b = self.b.new_block();
                let test = self.b.new_block();
                let exit = self.b.new_block();
                self.b.jump(body_b, vec![]);
                self.b.switch_to(body_b);
                self.loops.push(Loop { continue_to: test, break_to: exit });
                self.block(body);
                self.loops.pop();
                self.b.jump(test, vec![]);
                self.b.switch_to(test);
                self.at(cond.span);
                let c = self.expr(cond);
                self.b.branch(c, body_b, vec![], exit, vec![]);
                self.b.switch_to(exit);
            }
            StmtKind::For(f) => self.for_range(f),
            StmtKind::Return(v) => self.lower_return(*v, s.span),
            StmtKind::Break => {
                let t = self.loops.last().unwrap().break_to;
                self.b.jump(t, vec![]);
            }
            StmtKind::Continue => {
                let t = self.loops.last().unwrap().continue_to;
                self.b.jump(t, vec![]);
            }
            StmtKind::Expr(e) => {
                self.expr_void(e);
            }
            StmtKind::Match(m) => {
                self.lower_match(m, false);
            }
            // The checker allows a defer only at the top level, so the
            // registrations seen so far are exactly those before this point.
            StmtKind::Defer(e) => self.defers.push(e),
            StmtKind::Parallel(b) => self.parallel(s, b),
        }
    }

    /// `return` / `return e` (also a `Pat => return e` match arm).
    fn lower_return(&mut self, v: Option<&'a Expr<'a>>, span: crate::source::Span) {
        // `return await f` of a void element in a void async func: the
        // await runs for effect, then the bare return.
        if let (Some(e), true) = (v, self.ret == prim::VOID) {
            self.expr_void(e);
            return self.lower_return(None, span);
        }
        let r = v.map(|e| {
            let t = self.ret;
            self.expr_as(e, t)
        });
        // The result is computed (an aggregate copied out) before the
        // deferred expressions run.
        match (self.sret, r) {
            (Some(dst), Some(v)) => {
                let t = self.ret;
                self.copy_mem(dst, v, t);
                self.run_defers();
                self.at(span);
                self.b.ret(None);
            }
            _ => {
                self.run_defers();
                self.at(span);
                self.b.ret(r)
            }
        }
    }

    fn store_value(&mut self, v: Value, addr: Value, ty: TyId) {
        if is_aggregate(&self.c.types, ty) {
            self.copy_mem(addr, v, ty);
        } else {
            self.b.store(v, addr, 0);
        }
    }

    fn if_stmt(&mut self, i: &'a IfStmt<'a>) {
        self.at(i.cond.span);
        let c = self.expr(i.cond);
        let then_b = self.b.new_block();
        let else_b = self.b.new_block();
        let join = self.b.new_block();
        self.b.branch(c, then_b, vec![], else_b, vec![]);
        self.b.switch_to(then_b);
        self.block(i.then);
        self.b.jump(join, vec![]);
        self.b.switch_to(else_b);
        match &i.els {
            None => {}
            Some(Else::Block(blk)) => self.block(blk),
            Some(Else::If(ii)) => self.if_stmt(ii),
        }
        self.b.jump(join, vec![]);
        self.b.switch_to(join);
    }

    /// `for x in xs` over an array, a slice or a string: an index loop; the
    /// iterand is evaluated once (a string's length is read once too).
    fn for_each(&mut self, f: &'a ForStmt<'a>) {
        if let Some(&cl) = self.c.info.container_loops.get(&key(f)) {
            return self.for_container(f, cl);
        }
        let it = self.ty(f.iter);
        let l = self.c.info.decls[&key(&f.first)];
        let elem = self.f.locals[l.0 as usize].ty;
        let base = self.expr(f.iter);
        let (data, len) = match self.c.types.kind(it).clone() {
            TyKind::Array(_, n) => (base, self.b.iconst(Type::I64, n as i64)),
            TyKind::Slice(_) => {
                let d = self.b.load(Type::I64, base, 0);
                let n = self.b.load(Type::I64, base, 8);
                (d, n)
            }
            _ => {
                let n = self.rt("__rt_strlen", vec![base], Some(Type::I64)).unwrap();
                (base, n)
            }
        };
        let (esize, ealign) = size_align(&self.c.types, elem);
        let stride = crate::layout::round_up(esize, ealign) as i64;
        self.index_loop(None, &mut |_| len, &mut |s, i, targets| {
            let sz = s.b.iconst(Type::I64, stride);
            let off = s.b.bin(IB::Mul, i, sz);
            let at = s.b.bin(IB::Add, data, off);
            let dst = s.local_slot(l);
            if is_aggregate(&s.c.types, elem) {
                s.copy_mem(dst, at, elem);
            } else {
                let v = s.b.load(s.irty(elem), at, 0);
                s.b.store(v, dst, 0);
            }
            s.loops.push(Loop { continue_to: targets.continue_to, break_to: targets.break_to });
            s.block(f.body);
            s.loops.pop();
        });
    }

    fn for_range(&mut self, f: &'a ForStmt<'a>) {
        let ExprKind::Range { lo, hi, inclusive } = &f.iter.unparen().kind else {
            return self.for_each(f);
        };
        let ty = self.ty(f.iter);
        let t = self.irty(ty);
        let l = self.c.info.decls[&key(&f.first)];
        let lo_v = self.expr_as(lo, ty);
        let hi_v = self.expr_as(hi, ty);
        let addr = self.local_slot(l);
        self.b.store(lo_v, addr, 0);
        let head = self.b.new_block();
        let body_b = self.b.new_block();
        let latch = self.b.new_block();
        let exit = self.b.new_block();
        self.b.jump(head, vec![]);
        self.b.switch_to(head);
        let a = self.local_slot(l);
        let i = self.b.load(t, a, 0);
        let signed = self.c.types.is_signed(ty);
        let cc = match (inclusive, signed) {
            (false, true) => IntCC::Slt,
            (false, false) => IntCC::Ult,
            (true, true) => IntCC::Sle,
            (true, false) => IntCC::Ule,
        };
        let c = self.b.icmp(cc, i, hi_v);
        self.b.branch(c, body_b, vec![], exit, vec![]);
        self.b.switch_to(body_b);
        self.loops.push(Loop { continue_to: latch, break_to: exit });
        self.block(f.body);
        self.loops.pop();
        self.b.jump(latch, vec![]);
        self.b.switch_to(latch);
        let a = self.local_slot(l);
        let i = self.b.load(t, a, 0);
        // `..=` up to the type's maximum must stop rather than wrap.
        if *inclusive {
            let last = self.b.icmp(IntCC::Eq, i, hi_v);
            let step = self.b.new_block();
            self.b.branch(last, exit, vec![], step, vec![]);
            self.b.switch_to(step);
        }
        let one = self.b.iconst(t, 1);
        let n = self.b.bin(IB::Add, i, one);
        self.b.store(n, a, 0);
        self.b.jump(head, vec![]);
        self.b.switch_to(exit);
    }

    /// The address of an assignable place.
    fn place_addr(&mut self, p: &'a Expr<'a>) -> Value {
        let p = p.unparen();
        match &p.kind {
            ExprKind::Name(_) => match self.c.info.names[&key(p)] {
                NameRes::Local(l) => self.local_slot(l),
                NameRes::Func(_) => unreachable!(),
            },
            ExprKind::Index { base, index } => self.index_addr(p, base, index),
            ExprKind::Unary { op: UnOp::Deref, operand } => self.deref_addr(operand, p.span),
            ExprKind::Field { base, name } => self.field_addr(base, name.name),
            _ => unreachable!("rejected by the checker"),
        }
    }

    /// Address of field `name` of the struct value `base` (aggregates
    /// evaluate to their address, so this never copies).
    fn field_addr(&mut self, base: &'a Expr<'a>, name: &str) -> Value {
        let bt = self.ty(base);
        let TyKind::Struct(id, _) = self.c.types.kind(bt).clone() else { unreachable!() };
        let (i, _) = self.c.types.structs[id as usize].field(name).unwrap();
        let off = crate::layout::member_offset(&self.c.types, bt, i) as i64;
        let b = self.expr(base);
        let o = self.b.iconst(Type::I64, off);
        self.b.bin(IB::Add, b, o)
    }

    /// The member of type `ty` at `off` inside the aggregate at `addr`:
    /// loaded if scalar, its address if aggregate.
    fn member_value(&mut self, addr: Value, off: i32, ty: TyId) -> Value {
        if is_aggregate(&self.c.types, ty) {
            let o = self.b.iconst(Type::I64, off as i64);
            self.b.bin(IB::Add, addr, o)
        } else {
            self.b.load(self.irty(ty), addr, off)
        }
    }

    /// Build a record (struct or tuple) of type `ty` in a fresh temporary.
    fn record(&mut self, ty: TyId, members: Vec<(usize, &'a Expr<'a>)>) -> Value {
        let dst = self.temp(ty);
        let mtys: Vec<TyId> = match self.c.types.kind(ty) {
            TyKind::Struct(..) => self.c.types.struct_fields(ty).iter().map(|f| f.1).collect(),
            TyKind::Tuple(ts) => ts.clone(),
            _ => unreachable!(),
        };
        for (i, x) in members {
            let mt = mtys[i];
            let v = self.expr_as(x, mt);
            let off = crate::layout::member_offset(&self.c.types, ty, i) as i64;
            let o = self.b.iconst(Type::I64, off);
            let at = self.b.bin(IB::Add, dst, o);
            self.store_value(v, at, mt);
        }
        dst
    }

    /// Address of element `index` of `base` (bounds-checked for slices and arrays).
    fn index_addr(&mut self, e: &'a Expr<'a>, base: &'a Expr<'a>, index: &'a Expr<'a>) -> Value {
        let bt = self.ty(base);
        let elem = self.ty(e);
        let (esize, ealign) = size_align(&self.c.types, elem);
        let stride = crate::layout::round_up(esize, ealign) as i64;
        let base_v = self.expr(base);
        let i = self.expr_as(index, prim::I64);
        let data = match self.c.types.kind(bt).clone() {
            TyKind::Slice(_) => {
                let len = self.b.load(Type::I64, base_v, 8);
                self.bounds_check(i, len, e.span);
                self.b.load(Type::I64, base_v, 0)
            }
            TyKind::Array(_, n) => {
                let len = self.b.iconst(Type::I64, n as i64);
                self.bounds_check(i, len, e.span);
                base_v
            }
            TyKind::Ptr(_) => self.deref_managed(base_v, e.span),
            _ => base_v,
        };
        let sz = self.b.iconst(Type::I64, stride);
        let off = self.b.bin(IB::Mul, i, sz);
        self.b.bin(IB::Add, data, off)
    }

    /// Replay the registered `defer`s, last first (at a return or the end of
    /// the body). Names in them resolve to the top-level locals the checker
    /// bound at registration; their values are read now.
    fn run_defers(&mut self) {
        for e in self.defers.clone().into_iter().rev() {
            self.at(e.span);
            self.expr_void(e);
        }
    }

    /// `base[lo..hi]` (`..=`: hi + 1): a `{ptr, len}` view in a fresh
    /// temporary, after checking `0 <= lo <= hi <= len` (a string's len is
    /// its strlen). Two unsigned compares cover the negative cases too.
    fn range_slice(&mut self, e: &'a Expr<'a>, base: &'a Expr<'a>, lo: &'a Expr<'a>, hi: &'a Expr<'a>, inclusive: bool) -> Value {
        let bt = self.ty(base);
        let TyKind::Slice(elem) = self.c.types.kind(self.ty(e)).clone() else { unreachable!("checked range slice") };
        let (esize, ealign) = size_align(&self.c.types, elem);
        let stride = crate::layout::round_up(esize, ealign) as i64;
        let base_v = self.expr(base);
        let (data, len) = match self.c.types.kind(bt).clone() {
            TyKind::Slice(_) => {
                let d = self.b.load(Type::I64, base_v, 0);
                let n = self.b.load(Type::I64, base_v, 8);
                (d, n)
            }
            TyKind::Array(_, n) => (base_v, self.b.iconst(Type::I64, n as i64)),
            _ => {
                let n = self.rt("__rt_strlen", vec![base_v], Some(Type::I64)).unwrap();
                (base_v, n)
            }
        };
        let lo_v = self.expr_as(lo, prim::I64);
        let mut hi_v = self.expr_as(hi, prim::I64);
        if inclusive {
            let one = self.b.iconst(Type::I64, 1);
            hi_v = self.b.bin(IB::Add, hi_v, one);
        }
        self.at(e.span);
        let lo_ok = self.b.icmp(IntCC::Ule, lo_v, hi_v);
        let hi_ok = self.b.icmp(IntCC::Ule, hi_v, len);
        let ok = self.b.bin(IB::And, lo_ok, hi_ok);
        self.check_or_fault(ok, "index out of bounds", e.span);
        let sz = self.b.iconst(Type::I64, stride);
        let off = self.b.bin(IB::Mul, lo_v, sz);
        let p = self.b.bin(IB::Add, data, off);
        let n = self.b.bin(IB::Sub, hi_v, lo_v);
        let slot = self.b.new_slot(16, 8);
        let view = self.b.slot_addr(slot);
        self.b.store(p, view, 0);
        self.b.store(n, view, 8);
        view
    }

    /// `f"..."`: text and rendered holes appended to a runtime string
    /// builder, finished into a fresh heap string.
    fn fstring(&mut self, parts: &'a [FStrPart<'a>]) -> Value {
        let h = self.rt("__rt_fsb_new", vec![], Some(Type::I64)).unwrap();
        for p in parts {
            match p {
                FStrPart::Text(t) => {
                    if !t.is_empty() {
                        let s = self.str_lit(t);
                        let n = self.b.iconst(Type::I64, t.len() as i64);
                        self.rt("__rt_fsb_bytes", vec![h, s, n], None);
                    }
                }
                FStrPart::Hole(x) => self.render_value(Sink::Fsb, h, x),
            }
        }
        self.rt("__rt_fsb_fin", vec![h], Some(Type::I64)).unwrap()
    }

    fn bounds_check(&mut self, i: Value, len: Value, span: crate::source::Span) {
        let ok = self.b.icmp(IntCC::Ult, i, len);
        self.check_or_fault(ok, "index out of bounds", span);
    }

    /// Continue if `ok`, else fault with `msg` at the span's file and line.
    fn check_or_fault(&mut self, ok: Value, msg: &str, span: crate::source::Span) {
        let good = self.b.new_block();
        let bad = self.b.new_block();
        self.b.branch(ok, good, vec![], bad, vec![]);
        self.b.switch_to(bad);
        let m = self.str_lit(msg.as_bytes());
        let path = self.c.sm.path(span.file).to_string();
        let p = self.str_lit(path.as_bytes());
        let line = self.b.iconst(Type::I64, self.c.sm.line_col(span).0 as i64);
        self.b.call(Callee::Direct("__rt_fault_at".into()), vec![m, p, line], None);
        self.b.unreachable();
        self.b.switch_to(good);
    }

    fn str_lit(&mut self, bytes: &[u8]) -> Value {
        let s = self.strings.symbol(bytes);
        self.b.sym_addr(&s)
    }

    fn rt(&mut self, name: &str, args: Vec<Value>, ret: Option<Type>) -> Option<Value> {
        self.b.call(Callee::Direct(name.into()), args, ret)
    }

    /// Evaluate for effect.
    fn expr_void(&mut self, e: &'a Expr<'a>) {
        if let ExprKind::Call { callee, args } = &e.kind {
            self.call(e, callee, args);
            return;
        }
        self.expr(e);
    }

    /// Evaluate `e` and convert to `want` where the checker allowed an
    /// implicit conversion (char/rune <-> integers).
    fn expr_as(&mut self, e: &'a Expr<'a>, want: TyId) -> Value {
        let have = self.ty(e);
        let v = self.expr(e);
        if let Some(fat) = self.box_iface(v, have, want) {
            return fat;
        }
        if let Some(p) = self.convert_pointer(v, have, want) {
            return p;
        }
        if let (TyKind::Array(_, n), TyKind::Slice(_)) = (self.c.types.kind(have).clone(), self.c.types.kind(want).clone()) {
            // View the array as a slice: {data, len} in a fresh temporary.
            let slot = self.b.new_slot(16, 8);
            let s = self.b.slot_addr(slot);
            self.b.store(v, s, 0);
            let len = self.b.iconst(Type::I64, n as i64);
            self.b.store(len, s, 8);
            return s;
        }
        if self.needs_view_conversion(have, want) {
            return self.view_convert(v, have, want);
        }
        if have == want || have == prim::ERR || is_aggregate(&self.c.types, want) {
            return v;
        }
        self.convert_int(v, have, want)
    }

    /// Integer-like conversion: truncate or extend by the source's signedness.
    fn convert_int(&mut self, v: Value, from: TyId, to: TyId) -> Value {
        let (ft, tt) = (self.irty(from), self.irty(to));
        if ft == tt || ft.is_float() || tt.is_float() {
            return v;
        }
        if tt.bytes() < ft.bytes() {
            self.b.cast(CastOp::Trunc, v, tt)
        } else if self.c.types.is_signed(from) {
            self.b.cast(CastOp::Sext, v, tt)
        } else {
            self.b.cast(CastOp::Zext, v, tt)
        }
    }

    fn expr(&mut self, e: &'a Expr<'a>) -> Value {
        let ty = self.ty(e);
        match &e.kind {
            ExprKind::Int { value, .. } => {
                if self.c.types.is_float(ty) {
                    return self.b.fconst(self.irty(ty), *value as f64);
                }
                self.b.iconst(self.irty(ty), *value as i64)
            }
            ExprKind::Float { value, .. } => self.b.fconst(self.irty(ty), *value),
            ExprKind::Str(s) => self.str_lit(s.bytes),
            ExprKind::Char(c) => self.b.iconst(Type::I8, *c as i64),
            ExprKind::Rune(r) => self.b.iconst(Type::I32, *r as i64),
            ExprKind::Bool(v) => self.b.iconst(Type::I8, *v as i64),
            ExprKind::Paren(inner) => self.expr(inner),
            ExprKind::Name(_) if self.c.cabi.values.contains_key(&key(e)) => self.foreign_value(e),
            ExprKind::Name(_) => match self.c.info.names[&key(e)] {
                NameRes::Local(l) => {
                    let addr = self.local_slot(l);
                    if is_aggregate(&self.c.types, ty) {
                        addr
                    } else {
                        self.b.load(self.irty(ty), addr, 0)
                    }
                }
                NameRes::Func(f) => self.func_value(f),
            },
            ExprKind::Unary { op, operand } => self.unary(e, *op, operand),
            ExprKind::Binary { op: BinOp::And, lhs, rhs } => self.short_circuit(lhs, rhs, true),
            ExprKind::Binary { op: BinOp::Or, lhs, rhs } => self.short_circuit(lhs, rhs, false),
            ExprKind::Binary { op, lhs, rhs } => {
                let lt = self.ty(lhs);
                let rt = self.ty(rhs);
                // Operands share one type after the checker (literals adapted).
                let operand_ty = if lt == prim::ERR { rt } else { lt };
                let l = self.expr(lhs);
                let r = self.expr_as(rhs, operand_ty);
                self.at(e.span);
                self.binop(*op, l, r, operand_ty, e.span)
            }
            ExprKind::Call { callee, args } => self.call(e, callee, args).expect("a value-producing call"),
            ExprKind::Index { base, index } if matches!(index.unparen().kind, ExprKind::Range { .. }) => {
                let ExprKind::Range { lo, hi, inclusive } = &index.unparen().kind else { unreachable!() };
                self.range_slice(e, base, lo, hi, *inclusive)
            }
            ExprKind::FStr(parts) => self.fstring(parts),
            ExprKind::Index { base, index } => {
                let addr = self.index_addr(e, base, index);
                if is_aggregate(&self.c.types, ty) {
                    addr
                } else {
                    self.b.load(self.irty(ty), addr, 0)
                }
            }
            ExprKind::Field { .. } if self.c.info.variant_values.contains_key(&key(e)) => self.enum_unit(e),
            ExprKind::Match(m) => self.lower_match(m, true),
            ExprKind::Field { base, name } => {
                let bt = self.ty(base);
                match self.c.types.kind(bt).clone() {
                    TyKind::Array(_, n) => self.b.iconst(Type::I64, n as i64),
                    TyKind::Struct(..) => {
                        let addr = self.field_addr(base, name.name);
                        if is_aggregate(&self.c.types, ty) {
                            addr
                        } else {
                            self.b.load(self.irty(ty), addr, 0)
                        }
                    }
                    TyKind::Error => {
                        let v = self.expr(base);
                        self.error_text(v)
                    }
                    _ => {
                        let v = self.expr(base);
                        self.b.load(Type::I64, v, 8)
                    }
                }
            }
            ExprKind::StructLit { name, fields } => {
                if name.name == "error" {
                    return match fields.first() {
                        Some(f) => self.expr(f.value),
                        None => self.b.iconst(Type::I64, 0),
                    };
                }
                let TyKind::Struct(id, _) = self.c.types.kind(ty).clone() else { unreachable!() };
                let def = &self.c.types.structs[id as usize];
                let members: Vec<(usize, &'a Expr<'a>)> = fields.iter().map(|f| (def.field(f.name.name).unwrap().0, f.value)).collect();
                self.record(ty, members)
            }
            ExprKind::Tuple(xs) => {
                let members: Vec<(usize, &'a Expr<'a>)> = xs.iter().enumerate().collect();
                self.record(ty, members)
            }
            ExprKind::Unit => self.b.iconst(Type::I8, 0),
            ExprKind::Array(elems) => {
                let TyKind::Array(el, _) = self.c.types.kind(ty).clone() else { unreachable!() };
                let (size, align) = size_align(&self.c.types, ty);
                let (esize, ealign) = size_align(&self.c.types, el);
                let stride = crate::layout::round_up(esize, ealign) as i32;
                let base = self.frame_block(size, align);
                for (i, x) in elems.iter().enumerate() {
                    let v = self.expr_as(x, el);
                    let at = self.b.iconst(Type::I64, i as i64 * stride as i64);
                    let addr = self.b.bin(IB::Add, base, at);
                    self.store_value(v, addr, el);
                }
                base
            }
            ExprKind::Lambda(l) if self.c.info.minted.contains(&key(e)) => self.collected_closure(l),
            ExprKind::Lambda(l) => self.closure_value(l),
            ExprKind::Collector { value, .. } => self.collector_mint(e, value),
            // A `do` block is the calls the checker desugared it to.
            ExprKind::Do(_) => self.expr(self.c.dos[&key(e)]),
            ExprKind::Await(x) => self.await_expr(e, x),
            _ => unreachable!("rejected by the checker: {:?}", e.kind),
        }
    }

    fn short_circuit(&mut self, l: &'a Expr<'a>, r: &'a Expr<'a>, is_and: bool) -> Value {
        let lv = self.expr(l);
        let rhs_b = self.b.new_block();
        let join = self.b.new_block();
        let result = self.b.add_block_param(join, Type::I8);
        if is_and {
            self.b.branch(lv, rhs_b, vec![], join, vec![lv]);
        } else {
            self.b.branch(lv, join, vec![lv], rhs_b, vec![]);
        }
        self.b.switch_to(rhs_b);
        let rv = self.expr(r);
        self.b.jump(join, vec![rv]);
        self.b.switch_to(join);
        result
    }

    fn unary(&mut self, e: &'a Expr<'a>, op: UnOp, operand: &'a Expr<'a>) -> Value {
        let ty = self.ty(e);
        if op == UnOp::Neg {
            if let ExprKind::Int { value, .. } = &operand.unparen().kind {
                if self.c.types.is_float(ty) {
                    return self.b.fconst(self.irty(ty), -(*value as f64));
                }
                return self.b.iconst(self.irty(ty), (*value as i64).wrapping_neg());
            }
        }
        let v = self.expr(operand);
        match op {
            UnOp::Neg if self.c.types.is_float(ty) => self.b.un(ir::UnOp::FNeg, v),
            UnOp::Neg => self.b.un(ir::UnOp::Neg, v),
            UnOp::Not => {
                let one = self.b.iconst(Type::I8, 1);
                self.b.bin(IB::Xor, v, one)
            }
            UnOp::BitNot => self.b.un(ir::UnOp::Not, v),
            UnOp::Deref => {
                let v = if self.is_managed(self.ty(operand)) { self.deref_managed(v, e.span) } else { v };
                if is_aggregate(&self.c.types, ty) {
                    v
                } else {
                    self.b.load(self.irty(ty), v, 0)
                }
            }
        }
    }

    /// `l op r` with both operands of dusk type `ty` (comparisons yield bool).
    fn binop(&mut self, op: BinOp, l: Value, r: Value, ty: TyId, span: crate::source::Span) -> Value {
        let types = &self.c.types;
        if ty == prim::STR {
            return match op {
                BinOp::Add => self.rt("__rt_str_concat", vec![l, r], Some(Type::I64)).unwrap(),
                BinOp::Eq => self.rt("__rt_str_eq", vec![l, r], Some(Type::I8)).unwrap(),
                _ => {
                    let eq = self.rt("__rt_str_eq", vec![l, r], Some(Type::I8)).unwrap();
                    let one = self.b.iconst(Type::I8, 1);
                    self.b.bin(IB::Xor, eq, one)
                }
            };
        }
        let t = self.irty(ty);
        if types.is_float(ty) {
            let cmp = |cc| Some(cc);
            let fcc = match op {
                BinOp::Eq => cmp(FloatCC::Eq),
                BinOp::Ne => cmp(FloatCC::Ne),
                BinOp::Lt => cmp(FloatCC::Lt),
                BinOp::Le => cmp(FloatCC::Le),
                BinOp::Gt => cmp(FloatCC::Gt),
                BinOp::Ge => cmp(FloatCC::Ge),
                _ => None,
            };
            if let Some(cc) = fcc {
                return self.b.fcmp(cc, l, r);
            }
            let wide = |s: &mut Self, v: Value| if t == Type::F32 { s.b.cast(CastOp::FExt, v, Type::F64) } else { v };
            return match op {
                BinOp::Add => self.b.bin(IB::FAdd, l, r),
                BinOp::Sub => self.b.bin(IB::FSub, l, r),
                BinOp::Mul => self.b.bin(IB::FMul, l, r),
                BinOp::Div => self.b.bin(IB::FDiv, l, r),
                BinOp::Rem | BinOp::Pow => {
                    let (a, c) = (wide(self, l), wide(self, r));
                    let f = if op == BinOp::Rem { "__rt_fmod" } else { "__rt_pow_f64" };
                    let v = self.rt(f, vec![a, c], Some(Type::F64)).unwrap();
                    if t == Type::F32 {
                        self.b.cast(CastOp::FTrunc, v, Type::F32)
                    } else {
                        v
                    }
                }
                _ => unreachable!(),
            };
        }
        // Integers, char, rune, bool: signedness from the type.
        let signed = types.is_signed(ty) || ty == prim::RUNE;
        let icc = |s, u| Some(if signed { s } else { u });
        let cc = match op {
            BinOp::Eq => Some(IntCC::Eq),
            BinOp::Ne => Some(IntCC::Ne),
            BinOp::Lt => icc(IntCC::Slt, IntCC::Ult),
            BinOp::Le => icc(IntCC::Sle, IntCC::Ule),
            BinOp::Gt => icc(IntCC::Sgt, IntCC::Ugt),
            BinOp::Ge => icc(IntCC::Sge, IntCC::Uge),
            _ => None,
        };
        if let Some(cc) = cc {
            return self.b.icmp(cc, l, r);
        }
        match op {
            BinOp::Add => self.b.bin(IB::Add, l, r),
            BinOp::Sub => self.b.bin(IB::Sub, l, r),
            BinOp::Mul => self.b.bin(IB::Mul, l, r),
            BinOp::Div => self.b.bin(if signed { IB::SDiv } else { IB::UDiv }, l, r),
            BinOp::Rem => self.b.bin(if signed { IB::SRem } else { IB::URem }, l, r),
            BinOp::BitAnd => self.b.bin(IB::And, l, r),
            BinOp::BitOr => self.b.bin(IB::Or, l, r),
            BinOp::BitXor => self.b.bin(IB::Xor, l, r),
            BinOp::Shl | BinOp::Shr => {
                // A dynamic amount outside [0, width) faults (unsigned compare
                // catches negatives too).
                let width = self.b.iconst(t, (t.bytes() * 8) as i64);
                let ok = self.b.icmp(IntCC::Ult, r, width);
                self.check_or_fault(ok, "shift amount out of range", span);
                let o = match (op, signed) {
                    (BinOp::Shl, _) => IB::Shl,
                    (_, true) => IB::AShr,
                    (_, false) => IB::LShr,
                };
                self.b.bin(o, l, r)
            }
            BinOp::Pow => {
                let (l64, r64) = if t == Type::I64 {
                    (l, r)
                } else {
                    let ext = if signed { CastOp::Sext } else { CastOp::Zext };
                    (self.b.cast(ext, l, Type::I64), self.b.cast(ext, r, Type::I64))
                };
                let f = if signed { "__rt_pow_i64" } else { "__rt_pow_u64" };
                let v = self.rt(f, vec![l64, r64], Some(Type::I64)).unwrap();
                if t == Type::I64 {
                    v
                } else {
                    self.b.cast(CastOp::Trunc, v, t)
                }
            }
            _ => unreachable!(),
        }
    }

    fn call(&mut self, e: &'a Expr<'a>, callee: &'a Expr<'a>, args: &'a [Expr<'a>]) -> Option<Value> {
        let res = self.c.info.calls.get(&key(e)).cloned().expect("checked call");
        let ty = self.ty(e);
        match res {
            CallRes::Func(f) if self.c.funcs[f as usize].item.is_async => Some(self.async_call(e, f, args)),
            CallRes::Func(f) => Some(self.call_func(e, f, None, args)),
            CallRes::Foreign(f) => Some(self.foreign_call(e, f, args)),
            CallRes::Method(f) => {
                let ExprKind::Field { base, .. } = &callee.kind else { unreachable!() };
                // Through a managed *S the receiver is the checked heap block.
                let recv = self.deref_addr(base, e.span);
                Some(self.call_func(e, f, Some(recv), args))
            }
            CallRes::ErrorExists => {
                let ExprKind::Field { base, .. } = &callee.kind else { unreachable!() };
                let v = self.expr(base);
                let zero = self.b.iconst(Type::I64, 0);
                Some(self.b.icmp(IntCC::Ne, v, zero))
            }
            CallRes::ErrorToString => {
                let ExprKind::Field { base, .. } = &callee.kind else { unreachable!() };
                let v = self.expr(base);
                Some(self.error_text(v))
            }
            CallRes::Cast(to) => {
                let from = self.ty(&args[0]);
                let v = self.expr(&args[0]);
                Some(self.cast(v, from, to))
            }
            CallRes::Print(p) => {
                self.print(&p, args);
                None
            }
            CallRes::Ignore => {
                if let ExprKind::Field { base, .. } = &callee.kind {
                    self.expr_void(base);
                }
                None
            }
            CallRes::Heap(op) => self.heap_call(e, &op, args),
            CallRes::Variant(v) => Some(self.enum_ctor(e, v, args)),
            CallRes::Dynamic(slot) => Some(self.dyn_call(e, callee, slot, args)),
            CallRes::Sizeof(n) => Some(self.b.iconst(Type::I64, n as i64)),
            CallRes::PtrAdd => {
                let p = self.expr(&args[0]);
                let n = self.expr_as(&args[1], prim::I64);
                Some(self.b.bin(IB::Add, p, n))
            }
            CallRes::Cstr => Some(self.expr(&args[0])),
            CallRes::Closure => Some(self.closure_call(e, callee, args)),
            CallRes::Launch(kind) => self.launch(e, kind, args),
            CallRes::Join => Some(self.join(e, args)),
            CallRes::Task(op) => Some(self.task_call(e, op, args)),
            CallRes::Functional(k) => self.functional(e, k, args),
            CallRes::ErrorCheck => {
                let ExprKind::Field { base, .. } = &callee.kind else { unreachable!() };
                self.error_check(base, &args[0]);
                None
            }
            CallRes::SysNr(name) => Some(self.b.iconst(Type::I64, syscall_number(&name, self.arch).unwrap_or(-1))),
            CallRes::AsmCall(symbol) => {
                let vals: Vec<Value> = args.iter().map(|a| self.expr(a)).collect();
                match inline_routine(symbol) {
                    Some(op) => Some(self.b.ins(Type::I64, op(vals))),
                    None => self.b.call(Callee::Direct(symbol.to_string()), vals, Some(Type::I64)),
                }
            }
            CallRes::FnAddr(symbol) => Some(self.b.sym_addr(&symbol)),
            CallRes::Intrinsic(name) => {
                let vals: Vec<Value> = args.iter().map(|a| self.expr(a)).collect();
                Some(match name {
                    "__syscall" => self.b.ins(Type::I64, Op::Syscall(vals)),
                    "__rt_state" => self.b.sym_addr("__dc_rt_state"),
                    "__ptr_int" | "__int_ptr" | "__str_ptr" => vals[0],
                    "__f64_bits" => self.b.cast(CastOp::Bitcast, vals[0], Type::I64),
                    "__f64_from_bits" => self.b.cast(CastOp::Bitcast, vals[0], Type::F64),
                    _ => unreachable!(),
                })
            }
        }
        .or_else(|| if ty == prim::VOID || ty == prim::ERR { None } else { None })
    }

    /// Call a dusk function: hidden result pointer, receiver, arguments. A
    /// void call yields a dummy value the caller ignores.
    fn call_func(&mut self, e: &'a Expr<'a>, f: u32, recv: Option<Value>, args: &'a [Expr<'a>]) -> Value {
        let params = self.c.funcs[f as usize].params.clone();
        let mut vals: Vec<Value> = recv.into_iter().collect();
        for (a, &p) in args.iter().zip(&params) {
            vals.push(self.expr_as(a, p));
        }
        self.at(e.span);
        self.call_values(f, vals)
    }

    /// Call dusk function `f` on already lowered arguments (aggregates by
    /// address), adding the hidden result pointer when it returns one.
    fn call_values(&mut self, f: u32, args: Vec<Value>) -> Value {
        let fd = &self.c.funcs[f as usize];
        let (ret_ty, symbol) = (fd.ret, fd.symbol.clone());
        let sret = is_aggregate(&self.c.types, ret_ty).then(|| self.temp(ret_ty));
        let vals = sret.into_iter().chain(args).collect();
        let ret = ir_type(&self.c.types, ret_ty);
        let r = self.b.call(Callee::Direct(symbol), vals, ret);
        sret.or(r).unwrap_or_else(|| self.b.iconst(Type::I8, 0))
    }

    /// An error's text: its message, or "" for no error.
    fn error_text(&mut self, v: Value) -> Value {
        let zero = self.b.iconst(Type::I64, 0);
        let is_none = self.b.icmp(IntCC::Eq, v, zero);
        let empty = self.str_lit(b"");
        let join = self.b.new_block();
        let out = self.b.add_block_param(join, Type::I64);
        self.b.branch(is_none, join, vec![empty], join, vec![v]);
        self.b.switch_to(join);
        out
    }

    /// If `cond`, jump to `join` passing `v`; otherwise continue in a new block.
    fn exit_if(&mut self, cond: Value, join: BlockId, v: Value) {
        let next = self.b.new_block();
        self.b.branch(cond, join, vec![v], next, vec![]);
        self.b.switch_to(next);
    }

    /// `T(v)`: numeric conversion with the spec's rules (float to integer saturates, NaN is 0).
    fn cast(&mut self, v: Value, from: TyId, to: TyId) -> Value {
        let types = &self.c.types;
        let (ft, tt) = (self.irty(from), self.irty(to));
        if from == to || from == prim::ERR {
            return v;
        }
        match (ft.is_float(), tt.is_float()) {
            (false, false) => self.convert_int(v, from, to),
            (true, true) => self.b.cast(if tt == Type::F64 { CastOp::FExt } else { CastOp::FTrunc }, v, tt),
            (false, true) => {
                let signed = types.is_signed(from);
                let w = if ft == Type::I64 {
                    v
                } else {
                    self.b.cast(if signed { CastOp::Sext } else { CastOp::Zext }, v, Type::I64)
                };
                self.b.cast(if signed { CastOp::SToF } else { CastOp::UToF }, w, tt)
            }
            (true, false) => {
                let x = if ft == Type::F32 { self.b.cast(CastOp::FExt, v, Type::F64) } else { v };
                let (bits, signed) = match types.kind(to) {
                    TyKind::Int { bits, signed } => (*bits as u32, *signed),
                    TyKind::Rune => (32, true),
                    _ => (8, false),
                };
                let (lo, hi): (f64, f64) = if signed {
                    (-(2f64.powi(bits as i32 - 1)), 2f64.powi(bits as i32 - 1) - 1.0)
                } else {
                    (0.0, 2f64.powi(bits as i32) - 1.0)
                };
                let (lo_i, hi_i): (i64, i64) = if signed {
                    ((-1i128 << (bits - 1)) as i64, ((1i128 << (bits - 1)) - 1) as i64)
                } else {
                    (0, ((1i128 << bits) - 1) as i64)
                };
                let join = self.b.new_block();
                let out = self.b.add_block_param(join, Type::I64);
                let zero = self.b.iconst(Type::I64, 0);
                // NaN -> 0
                let is_nan = self.b.fcmp(FloatCC::Ne, x, x);
                self.exit_if(is_nan, join, zero);
                let lof = self.b.fconst(Type::F64, lo);
                let below = self.b.fcmp(FloatCC::Le, x, lof);
                let lov = self.b.iconst(Type::I64, lo_i);
                self.exit_if(below, join, lov);
                // hi as f64 rounds up for 64-bit types, so compare with >=.
                let hif = self.b.fconst(Type::F64, hi);
                let above = self.b.fcmp(FloatCC::Ge, x, hif);
                let hiv = self.b.iconst(Type::I64, hi_i);
                self.exit_if(above, join, hiv);
                let conv = if bits == 64 && !signed { CastOp::FToU } else { CastOp::FToS };
                let c = self.b.cast(conv, x, Type::I64);
                self.b.jump(join, vec![c]);
                self.b.switch_to(join);
                if tt == Type::I64 {
                    out
                } else {
                    self.b.cast(CastOp::Trunc, out, tt)
                }
            }
        }
    }

    /// A print statement: the arguments are evaluated first, then the text
    /// is written under the runtime's output lock, so another thread's
    /// output never lands inside this line.
    fn print(&mut self, p: &PrintCall, args: &'a [Expr<'a>]) {
        let fd = self.b.iconst(Type::I32, p.fd as i64);
        let first = if p.format.is_some() { 1 } else { 0 };
        let vals: Vec<(TyId, Value)> = args.iter().skip(first).map(|a| (self.ty(a), self.expr(a))).collect();
        self.rt("__rt_print_begin", vec![], None);
        match &p.format {
            Some(pieces) => {
                let mut next = 0;
                for piece in pieces {
                    match piece {
                        FmtPiece::Text(t) => self.print_bytes(fd, t),
                        FmtPiece::Hole => {
                            if let Some(&(t, v)) = vals.get(next) {
                                self.render(Sink::Print, fd, t, v);
                            }
                            next += 1;
                        }
                    }
                }
            }
            None => {
                for &(t, v) in &vals {
                    self.render(Sink::Print, fd, t, v);
                }
            }
        }
        if p.newline {
            let nl = self.b.iconst(Type::I8, b'\n' as i64);
            self.rt("__rt_print_char", vec![fd, nl], None);
        }
        self.rt("__rt_print_end", vec![], None);
    }

    fn print_bytes(&mut self, fd: Value, t: &[u8]) {
        if t.is_empty() {
            return;
        }
        let s = self.str_lit(t);
        let n = self.b.iconst(Type::I64, t.len() as i64);
        self.rt("__rt_print_bytes", vec![fd, s, n], None);
    }

    /// Render `a` as print does (spec 10.3) into a sink: stdout/stderr
    /// (`__rt_print_*(fd, ..)`) or an f-string builder (`__rt_fsb_*(h, ..)`).
    fn render_value(&mut self, sink: Sink, to: Value, a: &'a Expr<'a>) {
        let t = self.ty(a);
        let v = self.expr(a);
        self.render(sink, to, t, v)
    }

    /// Render the value `v` of type `t` into a sink.
    fn render(&mut self, sink: Sink, to: Value, t: TyId, v: Value) {
        let types = &self.c.types;
        let kind = types.kind(t).clone();
        match kind {
            TyKind::Int { bits, signed } => {
                let w = if bits == 64 { v } else { self.b.cast(if signed { CastOp::Sext } else { CastOp::Zext }, v, Type::I64) };
                self.rt(&sink.func(if signed { "i64" } else { "u64" }), vec![to, w], None);
            }
            TyKind::Rune => {
                let w = self.b.cast(CastOp::Sext, v, Type::I64);
                self.rt(&sink.func("i64"), vec![to, w], None);
            }
            TyKind::Bool => {
                let w = self.b.cast(CastOp::Zext, v, Type::I64);
                self.rt(&sink.func("u64"), vec![to, w], None);
            }
            TyKind::Char => {
                self.rt(&sink.func("char"), vec![to, v], None);
            }
            TyKind::Float { bits } => {
                let w = if bits == 32 { self.b.cast(CastOp::FExt, v, Type::F64) } else { v };
                self.rt(&sink.func("f64"), vec![to, w], None);
            }
            TyKind::Str | TyKind::Error => {
                self.rt(&sink.func("str"), vec![to, v], None);
            }
            // char[N]: exactly N bytes; char[]: exactly len bytes.
            TyKind::Array(_, n) => {
                let n = self.b.iconst(Type::I64, n as i64);
                self.rt(&sink.func("bytes"), vec![to, v, n], None);
            }
            TyKind::Slice(_) => {
                let p = self.b.load(Type::I64, v, 0);
                let n = self.b.load(Type::I64, v, 8);
                self.rt(&sink.func("bytes"), vec![to, p, n], None);
            }
            TyKind::Struct(id, _) => {
                // Display: print what toString returns.
                let m = self.c.funcs.iter().position(|f| f.receiver == Some(t) && f.item.name.name == "toString").unwrap();
                let sym = self.c.funcs[m].symbol.clone();
                let _ = id;
                let s = self.b.call(Callee::Direct(sym), vec![v], Some(Type::I64)).unwrap();
                self.rt(&sink.func("str"), vec![to, s], None);
            }
            TyKind::Interface(..) => self.render_iface(sink, to, v, t),
            _ => {}
        }
    }
}

/// Where rendered values go: the print family's runtime functions or the
/// f-string builder's, which take the same arguments after the first.
#[derive(Copy, Clone)]
enum Sink {
    Print,
    Fsb,
}

impl Sink {
    fn func(self, what: &str) -> String {
        match self {
            Sink::Print => format!("__rt_print_{}", what),
            Sink::Fsb => format!("__rt_fsb_{}", what),
        }
    }
}

fn ir_span(c: &Checked, s: crate::source::Span) -> ir::Span {
    let (line, col) = c.sm.line_col(s);
    ir::Span { file: s.file.0, line, col }
}
