//! Lowering of lambdas, function values, calls through them, and the
//! functional builtins.
//!
//! A closure value is the 16-byte aggregate `{code, env}`. Its code takes the
//! hidden result pointer (for an aggregate result), then `env`, then the
//! parameters, aggregates by address as for any call. A lambda is lifted to
//! its own function (`outer$lambda1`); its environment is a C record of the
//! captured locals, copied into a frame slot of the function that evaluates
//! the lambda (one slot per lambda site), and the lifted body reads each
//! capture in place there. A capture-free lambda has a null `env`, and a
//! top-level function used as a value is its thunk `f$thunk`, which ignores
//! `env` and calls `f`.

use super::*;
use crate::check::{Functional, LambdaDecl};
use crate::layout::{member_offset, record_layout, round_up};

/// The IR parameters of a closure's code.
fn closure_params(c: &Checked, params: &[TyId], ret: TyId) -> Vec<Type> {
    let mut v = Vec::new();
    if is_aggregate(&c.types, ret) {
        v.push(Type::I64);
    }
    v.push(Type::I64);
    v.extend(params.iter().map(|&t| ir_type(&c.types, t).unwrap_or(Type::I64)));
    v
}

fn thunk_symbol(f: &FuncDecl) -> String {
    format!("{}$thunk", f.symbol)
}

/// A thunk for every top-level function the program uses as a value.
pub(super) fn thunks(c: &Checked) -> Vec<ir::Function> {
    let mut used: Vec<u32> = c
        .info
        .names
        .values()
        .filter_map(|n| match n {
            NameRes::Func(f) => Some(*f),
            NameRes::Local(_) => None,
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    used.into_iter().map(|f| thunk(c, &c.funcs[f as usize])).collect()
}

/// `f$thunk(sret?, env, params...)`: calls `f(sret?, params...)`.
fn thunk(c: &Checked, f: &FuncDecl) -> ir::Function {
    let sym = thunk_symbol(f);
    let ret = ir_type(&c.types, f.ret);
    let mut b = FunctionBuilder::new(&sym, &sym, &closure_params(c, &f.params, f.ret), ret, ir_span(c, f.item.span));
    let mut args = b.block_params(BlockId(0)).to_vec();
    args.remove(is_aggregate(&c.types, f.ret) as usize);
    let r = b.call(Callee::Direct(f.symbol.clone()), args, ret);
    b.ret(r);
    b.finish()
}

/// The environment of `lam`: its (size, align) and each capture's offset.
pub(super) fn env_layout(c: &Checked, f: &FuncDecl, lam: &LambdaDecl) -> ((u64, u64), Vec<u64>) {
    let tys: Vec<TyId> = lam.captures.iter().map(|l| f.locals[l.0 as usize].ty).collect();
    record_layout(&c.types, &tys)
}

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    /// Lift `lam`, a lambda of `self.f`, to its own function.
    pub(super) fn lower_lambda(mut self, lam: &LambdaDecl<'a>) -> ir::Function {
        let l = lam.lambda;
        let params = closure_params(self.c, &lam.params, lam.ret);
        self.b = FunctionBuilder::new(&lam.symbol, &lam.symbol, &params, ir_type(&self.c.types, lam.ret), ir_span(self.c, l.span));
        self.ret = lam.ret;
        let mut params: Vec<Value> = self.b.block_params(BlockId(0)).to_vec();
        if is_aggregate(&self.c.types, lam.ret) {
            self.sret = Some(params.remove(0));
        }
        self.env = Some(params.remove(0));
        let (_, offsets) = env_layout(self.c, self.f, lam);
        for (&cap, &off) in lam.captures.iter().zip(&offsets) {
            self.slots.insert(cap, Storage::Env(off as i32));
        }
        for (p, v) in l.params.iter().zip(params) {
            let local = self.c.info.decls[&key(&p.name)];
            let ty = self.f.locals[local.0 as usize].ty;
            let addr = self.local_slot(local);
            self.store_value(v, addr, ty);
        }
        self.block(l.body);
        self.fall_off_end(l.body.span);
        self.b.finish()
    }

    /// A lambda expression: copy the captures into its environment and
    /// make the closure.
    pub(super) fn closure_value(&mut self, l: &'a Lambda<'a>) -> Value {
        self.closure_in(l, &mut |s, size, align| s.frame_block(size, align))
    }

    /// A lambda expression whose environment (if it captures anything) is
    /// the block `home(size, align)` returns: the frame, or the collected heap.
    pub(super) fn closure_in(&mut self, l: &'a Lambda<'a>, home: &mut dyn FnMut(&mut Self, u64, u64) -> Value) -> Value {
        let f = self.f;
        let lam = &f.lambdas[self.c.info.lambdas[&key(l)]];
        let env = if lam.captures.is_empty() {
            self.b.iconst(Type::I64, 0)
        } else {
            let ((size, align), offsets) = env_layout(self.c, f, lam);
            let env = home(self, size, align);
            for (&cap, &off) in lam.captures.iter().zip(&offsets) {
                let ty = f.locals[cap.0 as usize].ty;
                let src = self.local_slot(cap);
                let o = self.b.iconst(Type::I64, off as i64);
                let at = self.b.bin(IB::Add, env, o);
                if is_aggregate(&self.c.types, ty) {
                    self.copy_mem(at, src, ty);
                } else {
                    let v = self.b.load(self.irty(ty), src, 0);
                    self.b.store(v, at, 0);
                }
            }
            env
        };
        let code = self.b.sym_addr(&lam.symbol);
        self.make_closure(code, env)
    }

    /// A top-level function as a value: its thunk, no environment.
    pub(super) fn func_value(&mut self, f: u32) -> Value {
        let code = self.b.sym_addr(&thunk_symbol(&self.c.funcs[f as usize]));
        let env = self.b.iconst(Type::I64, 0);
        self.make_closure(code, env)
    }

    pub(super) fn make_closure(&mut self, code: Value, env: Value) -> Value {
        let slot = self.b.new_slot(16, 8);
        let at = self.b.slot_addr(slot);
        self.b.store(code, at, 0);
        self.b.store(env, at, 8);
        at
    }

    /// `f(args)` where the callee evaluates to a closure.
    pub(super) fn closure_call(&mut self, e: &'a Expr<'a>, callee: &'a Expr<'a>, args: &'a [Expr<'a>]) -> Value {
        let TyKind::Func(params, ret) = self.c.types.kind(self.ty(callee)).clone() else { unreachable!("checked closure call") };
        let clo = self.expr(callee);
        let (code, env) = self.closure_parts(clo);
        let vals: Vec<Value> = args.iter().zip(&params).map(|(a, &p)| self.expr_as(a, p)).collect();
        self.at(e.span);
        self.call_code(code, env, vals, ret)
    }

    fn closure_parts(&mut self, clo: Value) -> (Value, Value) {
        let code = self.b.load(Type::I64, clo, 0);
        let env = self.b.load(Type::I64, clo, 8);
        (code, env)
    }

    /// Call closure code with already evaluated arguments; a void call
    /// yields a dummy value the caller ignores.
    fn call_code(&mut self, code: Value, env: Value, args: Vec<Value>, ret: TyId) -> Value {
        let mut vals = Vec::new();
        let sret = if is_aggregate(&self.c.types, ret) {
            let t = self.temp(ret);
            vals.push(t);
            Some(t)
        } else {
            None
        };
        vals.push(env);
        vals.extend(args);
        let r = self.b.call(Callee::Indirect(code), vals, ir_type(&self.c.types, ret));
        sret.or(r).unwrap_or_else(|| self.b.iconst(Type::I8, 0))
    }

    /// `e.check(f)`: `f(e)` when `e` exists.
    pub(super) fn error_check(&mut self, base: &'a Expr<'a>, f: &'a Expr<'a>) {
        let err = self.expr(base);
        let (code, env) = self.closure_arg(f);
        let zero = self.b.iconst(Type::I64, 0);
        let exists = self.b.icmp(IntCC::Ne, err, zero);
        let call = self.b.new_block();
        let done = self.b.new_block();
        self.b.branch(exists, call, vec![], done, vec![]);
        self.b.switch_to(call);
        self.call_code(code, env, vec![err], prim::VOID);
        self.b.jump(done, vec![]);
        self.b.switch_to(done);
    }

    // ----- functional builtins ---------------------------------------------

    /// `map`, `filter`, `fold`, `reduce`, `foreach`: inline index loops that
    /// call the function argument once per element, in order.
    pub(super) fn functional(&mut self, e: &'a Expr<'a>, k: Functional, args: &'a [Expr<'a>]) -> Option<Value> {
        let (data, len, elem) = self.sequence(&args[0]);
        let fty = self.ty(args.last().unwrap());
        let TyKind::Func(params, fret) = self.c.types.kind(fty).clone() else { unreachable!("checked functional call") };
        let ty = self.ty(e);
        match k {
            Functional::Map => {
                let (code, env) = self.closure_arg(&args[1]);
                self.at(e.span);
                let TyKind::Slice(u) = self.c.types.kind(ty).clone() else { unreachable!() };
                let us = self.stride(u);
                let buf = self.heap_buffer(len, us);
                self.count_loop(None, len, &mut |s, i| {
                    let x = s.element(data, i, elem, params[0]);
                    let r = s.call_code(code, env, vec![x], fret);
                    let at = s.element_addr(buf, i, us);
                    s.store_value(r, at, u);
                });
                Some(self.slice_value(buf, len))
            }
            Functional::Filter => {
                let (code, env) = self.closure_arg(&args[1]);
                self.at(e.span);
                let es = self.stride(elem);
                let buf = self.heap_buffer(len, es);
                let kept = self.b.new_slot(8, 8);
                let ka = self.b.slot_addr(kept);
                let zero = self.b.iconst(Type::I64, 0);
                self.b.store(zero, ka, 0);
                self.count_loop(None, len, &mut |s, i| {
                    let x = s.element(data, i, elem, params[0]);
                    let keep = s.call_code(code, env, vec![x], fret);
                    let yes = s.b.new_block();
                    let next = s.b.new_block();
                    s.b.branch(keep, yes, vec![], next, vec![]);
                    s.b.switch_to(yes);
                    let ka = s.b.slot_addr(kept);
                    let n = s.b.load(Type::I64, ka, 0);
                    let src = s.element(data, i, elem, elem);
                    let at = s.element_addr(buf, n, es);
                    s.store_value(src, at, elem);
                    let one = s.b.iconst(Type::I64, 1);
                    let n1 = s.b.bin(IB::Add, n, one);
                    s.b.store(n1, ka, 0);
                    s.b.jump(next, vec![]);
                    s.b.switch_to(next);
                });
                let ka = self.b.slot_addr(kept);
                let n = self.b.load(Type::I64, ka, 0);
                Some(self.slice_value(buf, n))
            }
            Functional::Fold => {
                let acc_ty = fret;
                let init = self.expr_as(&args[1], acc_ty);
                let acc = self.temp(acc_ty);
                self.store_value(init, acc, acc_ty);
                let (code, env) = self.closure_arg(&args[2]);
                self.at(e.span);
                self.count_loop(None, len, &mut |s, i| {
                    let a = s.member_value(acc, 0, acc_ty);
                    let x = s.element(data, i, elem, params[1]);
                    let r = s.call_code(code, env, vec![a, x], fret);
                    s.store_value(r, acc, acc_ty);
                });
                Some(self.member_value(acc, 0, acc_ty))
            }
            Functional::Reduce => {
                let (code, env) = self.closure_arg(&args[1]);
                self.at(e.span);
                // The result tuple (T, error); T's accumulator is its first member.
                let res = self.temp(ty);
                let err_off = member_offset(&self.c.types, ty, 1) as i32;
                let zero = self.b.iconst(Type::I64, 0);
                let is_empty = self.b.icmp(IntCC::Eq, len, zero);
                let empty = self.b.new_block();
                let full = self.b.new_block();
                let join = self.b.new_block();
                self.b.branch(is_empty, empty, vec![], full, vec![]);
                self.b.switch_to(empty);
                self.zero_mem(res, elem);
                let msg = self.str_lit(b"reduce on empty slice");
                self.b.store(msg, res, err_off);
                self.b.jump(join, vec![]);
                self.b.switch_to(full);
                let first = self.element(data, zero, elem, elem);
                self.store_value(first, res, elem);
                let one = self.b.iconst(Type::I64, 1);
                self.count_loop(Some(one), len, &mut |s, i| {
                    let a = s.member_value(res, 0, elem);
                    let a = s.convert_scalar(a, elem, params[0]);
                    let x = s.element(data, i, elem, params[1]);
                    let r = s.call_code(code, env, vec![a, x], fret);
                    let r = s.convert_scalar(r, fret, elem);
                    s.store_value(r, res, elem);
                });
                let none = self.b.iconst(Type::I64, 0);
                self.b.store(none, res, err_off);
                self.b.jump(join, vec![]);
                self.b.switch_to(join);
                Some(res)
            }
            Functional::Foreach => {
                let (code, env) = self.closure_arg(&args[1]);
                self.at(e.span);
                self.count_loop(None, len, &mut |s, i| {
                    let x = s.element(data, i, elem, params[0]);
                    s.call_code(code, env, vec![x], fret);
                });
                None
            }
        }
    }

    /// A function argument: its code and environment.
    fn closure_arg(&mut self, f: &'a Expr<'a>) -> (Value, Value) {
        let clo = self.expr(f);
        self.closure_parts(clo)
    }

    /// The data pointer, length and element type of an array or slice.
    fn sequence(&mut self, xs: &'a Expr<'a>) -> (Value, Value, TyId) {
        let t = self.ty(xs);
        let v = self.expr(xs);
        match self.c.types.kind(t).clone() {
            TyKind::Array(e, n) => (v, self.b.iconst(Type::I64, n as i64), e),
            TyKind::Slice(e) => {
                let (d, n) = self.closure_parts(v);
                (d, n, e)
            }
            _ => unreachable!("checked functional call"),
        }
    }

    pub(super) fn stride(&self, ty: TyId) -> i64 {
        let (size, align) = size_align(&self.c.types, ty);
        round_up(size, align) as i64
    }

    pub(super) fn element_addr(&mut self, data: Value, i: Value, stride: i64) -> Value {
        let sz = self.b.iconst(Type::I64, stride);
        let off = self.b.bin(IB::Mul, i, sz);
        self.b.bin(IB::Add, data, off)
    }

    /// Element `i` as a value of `want` (the function's parameter type,
    /// which may differ by an implicit integer conversion).
    fn element(&mut self, data: Value, i: Value, elem: TyId, want: TyId) -> Value {
        let stride = self.stride(elem);
        let at = self.element_addr(data, i, stride);
        let v = self.member_value(at, 0, elem);
        self.convert_scalar(v, elem, want)
    }

    fn convert_scalar(&mut self, v: Value, from: TyId, to: TyId) -> Value {
        if from == to || is_aggregate(&self.c.types, from) {
            return v;
        }
        self.convert_int(v, from, to)
    }

    /// `n` elements of `stride` bytes on the heap.
    fn heap_buffer(&mut self, n: Value, stride: i64) -> Value {
        let sz = self.b.iconst(Type::I64, stride);
        let bytes = self.b.bin(IB::Mul, n, sz);
        self.rt("__rt_alloc", vec![bytes], Some(Type::I64)).unwrap()
    }

    fn slice_value(&mut self, data: Value, len: Value) -> Value {
        let slot = self.b.new_slot(16, 8);
        let at = self.b.slot_addr(slot);
        self.b.store(data, at, 0);
        self.b.store(len, at, 8);
        at
    }

    fn zero_mem(&mut self, dst: Value, ty: TyId) {
        let (size, _) = size_align(&self.c.types, ty);
        let z64 = self.b.iconst(Type::I64, 0);
        let z8 = self.b.iconst(Type::I8, 0);
        let mut off = 0i32;
        while (off as u64) + 8 <= size {
            self.b.store(z64, dst, off);
            off += 8;
        }
        while (off as u64) < size {
            self.b.store(z8, dst, off);
            off += 1;
        }
    }

    /// `for i in from..len { body(i) }` (from 0 when `from` is None).
    pub(super) fn count_loop(&mut self, from: Option<Value>, len: Value, body: &mut dyn FnMut(&mut Self, Value)) {
        self.index_loop(from, &mut |_| len, &mut |s, i, _| body(s, i));
    }

    /// The counted loop behind `count_loop` and `for x in xs`: `len()` is
    /// evaluated before every iteration (a container loop re-reads its
    /// length); `body(i, targets)` may jump to `targets.continue_to` (the
    /// increment) or `targets.break_to`.
    pub(super) fn index_loop(&mut self, from: Option<Value>, len: &mut dyn FnMut(&mut Self) -> Value, body: &mut dyn FnMut(&mut Self, Value, &super::Loop)) {
        let counter = self.b.new_slot(8, 8);
        let ca = self.b.slot_addr(counter);
        let start = from.unwrap_or_else(|| self.b.iconst(Type::I64, 0));
        self.b.store(start, ca, 0);
        let head = self.b.new_block();
        let body_b = self.b.new_block();
        let latch = self.b.new_block();
        let exit = self.b.new_block();
        self.b.jump(head, vec![]);
        self.b.switch_to(head);
        let ca = self.b.slot_addr(counter);
        let i = self.b.load(Type::I64, ca, 0);
        let len = len(self);
        let more = self.b.icmp(IntCC::Slt, i, len);
        self.b.branch(more, body_b, vec![], exit, vec![]);
        self.b.switch_to(body_b);
        body(self, i, &super::Loop { continue_to: latch, break_to: exit });
        self.b.jump(latch, vec![]);
        self.b.switch_to(latch);
        let ca = self.b.slot_addr(counter);
        let i = self.b.load(Type::I64, ca, 0);
        let one = self.b.iconst(Type::I64, 1);
        let n = self.b.bin(IB::Add, i, one);
        self.b.store(n, ca, 0);
        self.b.jump(head, vec![]);
        self.b.switch_to(exit);
    }
}
