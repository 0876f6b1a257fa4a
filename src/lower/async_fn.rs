//! Lowering of `async func` calls, `await` and `async_run`
//! (check/async_fn.rs; the runtime side is rt/async.dusk).
//!
//! An async func compiles as an ordinary function; it runs as a task, a
//! coroutine on a stack of its own, so a suspension keeps every local where
//! it is and a `defer` replays at the real return. A call of it copies the
//! arguments into a heap environment laid out as the record {params...,
//! result} and hands `__rt_async_task_new` the func's entry trampoline
//! (`<symbol>.task`), which calls the func with the parameters from the
//! environment and stores the result after them; the runtime completes the
//! task's future with those bytes. `await` and `async_run` are calls of the
//! std.async.future instances the checker recorded.

use super::*;
use crate::layout::record_layout;

/// The environment record of an async func: its parameters, then its
/// result (none for void). Returns (size, offsets, result offset, result size).
fn env_layout(c: &Checked, f: &FuncDecl) -> (u64, Vec<u64>, u64, u64) {
    let mut members = f.params.clone();
    let has_ret = f.ret != prim::VOID;
    if has_ret {
        members.push(f.ret);
    }
    let ((size, _), offs) = record_layout(&c.types, &members);
    let (ret_off, ret_size) = if has_ret { (offs[f.params.len()], size_align(&c.types, f.ret).0) } else { (size, 0) };
    (size.max(8), offs, ret_off, ret_size)
}

/// `<symbol>.task(env)`: the task body of async func `f`.
pub(super) fn task_entry(c: &Checked, f: &FuncDecl) -> ir::Function {
    let name = format!("{}.task", f.symbol);
    let mut b = FunctionBuilder::new(&name, &name, &[Type::I64], Some(Type::I64), ir::Span::NONE);
    let env = b.block_params(BlockId(0))[0];
    let (_, offs, ret_off, _) = env_layout(c, f);
    let mut args = Vec::new();
    let ret_aggregate = is_aggregate(&c.types, f.ret);
    if ret_aggregate {
        let o = b.iconst(Type::I64, ret_off as i64);
        args.push(b.bin(IB::Add, env, o));
    }
    for (i, &t) in f.params.iter().enumerate() {
        if is_aggregate(&c.types, t) {
            let o = b.iconst(Type::I64, offs[i] as i64);
            args.push(b.bin(IB::Add, env, o));
        } else {
            let ty = ir_type(&c.types, t).unwrap_or(Type::I64);
            args.push(b.load(ty, env, offs[i] as i32));
        }
    }
    let ret = if ret_aggregate { None } else { ir_type(&c.types, f.ret) };
    let r = b.call(Callee::Direct(f.symbol.clone()), args, ret);
    if let Some(r) = r {
        if f.ret != prim::VOID {
            b.store(r, env, ret_off as i32);
        }
    }
    let zero = b.iconst(Type::I64, 0);
    b.ret(Some(zero));
    b.finish()
}

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    /// A call of async func `f`: a new task and its `Future<T>`.
    pub(super) fn async_call(&mut self, e: &'a Expr<'a>, f: u32, args: &'a [Expr<'a>]) -> Value {
        let fd = &self.c.funcs[f as usize];
        let params = fd.params.clone();
        let code_sym = format!("{}.task", fd.symbol);
        let (size, offs, ret_off, ret_size) = env_layout(self.c, fd);
        let n = self.b.iconst(Type::I64, size as i64);
        let env = self.rt("__rt_alloc", vec![n], Some(Type::I64)).unwrap();
        for ((a, &p), &off) in args.iter().zip(&params).zip(&offs) {
            let v = self.expr_as(a, p);
            let o = self.b.iconst(Type::I64, off as i64);
            let at = self.b.bin(IB::Add, env, o);
            self.store_value(v, at, p);
        }
        self.at(e.span);
        let code = self.b.sym_addr(&code_sym);
        let rs = self.b.iconst(Type::I64, ret_size as i64);
        let ro = self.b.iconst(Type::I64, ret_off as i64);
        let h = self.rt("__rt_async_task_new", vec![code, env, rs, ro], Some(Type::I64)).unwrap();
        let gen = self.rt("__rt_future_gen", vec![h], Some(Type::I64)).unwrap();
        let out = self.temp(self.ty(e));
        self.b.store(h, out, 0);
        self.b.store(gen, out, 8);
        out
    }

    /// Storage for a value built in place (an array literal's backing, a
    /// closure environment, a boxed interface value): a frame slot, except
    /// in an async body, where each execution gets a block of the task's
    /// arena (freed when the task completes), so values built on different
    /// loop iterations and kept across a suspension stay distinct.
    pub(super) fn frame_block(&mut self, size: u64, align: u64) -> Value {
        if self.f.item.is_async {
            let n = self.b.iconst(Type::I64, size.max(1) as i64);
            return self.rt("__rt_task_block", vec![n], Some(Type::I64)).unwrap();
        }
        let slot = self.b.new_slot(size.max(1) as u32, align.max(1) as u32);
        self.b.slot_addr(slot)
    }

    /// `temp`, through `frame_block`.
    pub(super) fn frame_temp(&mut self, ty: TyId) -> Value {
        let (size, align) = size_align(&self.c.types, ty);
        self.frame_block(size, align)
    }

    /// `await x`: the call of the keyword instance the checker chose.
    pub(super) fn await_expr(&mut self, e: &'a Expr<'a>, x: &'a Expr<'a>) -> Value {
        let Some(CallRes::Func(f)) = self.c.info.calls.get(&key(e)).cloned() else { unreachable!("checked await") };
        self.call_func(e, f, None, std::slice::from_ref(x))
    }
}
