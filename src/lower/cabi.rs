//! Lowering at the C boundary: calls to foreign functions placed by the
//! platform C ABI (System V x86-64, AAPCS64), callback code addresses, and
//! thunks for foreign functions used as values.
//!
//! dc's own calling convention already is the platform's for scalars and
//! raw pointers (integer and float registers in order, then 8-byte stack
//! slots, the platform's callee-saved set), so a scalar foreign call is an
//! ordinary direct call. What differs:
//! - a struct by value is split into eightbytes and classified the way a C
//!   compiler does (`classify`); dc passes aggregates by address instead;
//! - the IR call places arguments itself, register first and stack after,
//!   in order. To put a struct (or a spilled scalar) where C expects it on
//!   the stack, the lowering computes the C placement, passes the register
//!   arguments first, fills the remaining argument registers with dummy
//!   zeros, and passes the stack pieces last, in C order;
//! - a vararg takes the C default argument promotions;
//! - a callback is a bare code address: a named function's own symbol (its
//!   scalar signature is already C's), or for a lambda an adapter that calls
//!   the lifted lambda with a null environment (a lifted lambda takes its
//!   environment first).

use super::*;
use crate::check::Callback;
use crate::layout::{member_offset, round_up};

/// How one value crosses the boundary on a target.
#[derive(Clone, Debug, PartialEq)]
pub enum CClass {
    /// A scalar or pointer in a register of its own class.
    Word(Type),
    /// A struct in registers: the type and byte offset of each register's
    /// piece (eightbytes on x86-64; HFA members or doublewords on AArch64).
    Regs(Vec<(Type, u32)>),
    /// A struct in memory: on the stack (x86-64 argument), by a pointer to a
    /// copy (AArch64 argument), through a hidden result pointer (result).
    Memory,
}

/// Integer and float argument registers of the target's C ABI.
fn arg_regs(arch: Arch) -> (usize, usize) {
    match arch {
        Arch::X86_64 => (6, 8),
        Arch::Aarch64 => (8, 8),
    }
}

/// The scalar leaves of a C plain value: (offset, IR type).
fn leaves(c: &Checked, ty: TyId, base: u64, out: &mut Vec<(u64, Type)>) {
    match c.types.kind(ty) {
        TyKind::Struct(..) => {
            for i in 0..c.types.struct_fields(ty).len() {
                let ft = c.types.struct_fields(ty)[i].1;
                leaves(c, ft, base + member_offset(&c.types, ty, i), out);
            }
        }
        TyKind::Array(e, n) => {
            let (s, a) = size_align(&c.types, *e);
            for k in 0..*n {
                leaves(c, *e, base + k * round_up(s, a), out);
            }
        }
        _ => out.push((base, ir_type(&c.types, ty).unwrap_or(Type::I64))),
    }
}

/// The class of a value of `ty` at the boundary of `arch` (the checker
/// admitted only scalars, raw pointers and C plain structs).
pub fn classify(c: &Checked, ty: TyId, arch: Arch) -> CClass {
    if !matches!(c.types.kind(ty), TyKind::Struct(..)) {
        return CClass::Word(ir_type(&c.types, ty).unwrap_or(Type::I64));
    }
    let size = size_align(&c.types, ty).0;
    let mut ls = Vec::new();
    leaves(c, ty, 0, &mut ls);
    match arch {
        Arch::X86_64 => {
            if size > 16 {
                return CClass::Memory;
            }
            // An eightbyte holding only float64 data rides an SSE register,
            // anything else an INTEGER one.
            let pieces = (0..size.div_ceil(8))
                .map(|i| {
                    let sse = ls.iter().filter(|(o, _)| o / 8 == i).all(|(_, t)| *t == Type::F64);
                    (if sse { Type::F64 } else { Type::I64 }, (i * 8) as u32)
                })
                .collect();
            CClass::Regs(pieces)
        }
        Arch::Aarch64 => {
            // A homogeneous float aggregate of up to four doubles rides
            // float registers, one member each.
            if (1..=4).contains(&ls.len()) && ls.iter().all(|(_, t)| *t == Type::F64) {
                return CClass::Regs(ls.iter().map(|&(o, t)| (t, o as u32)).collect());
            }
            if size > 16 {
                return CClass::Memory;
            }
            CClass::Regs((0..size.div_ceil(8)).map(|i| (Type::I64, (i * 8) as u32)).collect())
        }
    }
}

/// Why a foreign function's result cannot be lowered on `arch` yet: the
/// IR call yields one register, so a struct returned in two registers (or
/// through AArch64's x8 result register) has no IR form.
pub fn unsupported_result(c: &Checked, ret: TyId, arch: Arch) -> Option<&'static str> {
    match classify(c, ret, arch) {
        CClass::Regs(p) if p.len() > 1 => Some("a struct in two or more registers"),
        CClass::Memory if arch == Arch::Aarch64 => Some("a struct through the AArch64 result register x8"),
        _ => None,
    }
}

/// An `export "C"` function is a global symbol, so C code in another
/// object (an `@link`ed one, or a host linking dc's object) reaches it by
/// its bare name. Every other function stays local to dc's object.
pub(super) fn export_linkage(f: &FuncDecl, func: &mut ir::Function) {
    if f.item.vis == Visibility::ExportC {
        func.linkage = ir::Linkage::Global;
    }
}

/// The thunk symbol of foreign function `fid` used as a value.
fn value_thunk_symbol(c: &Checked, fid: u32) -> String {
    format!("{}$cthunk", c.cabi.foreign[fid as usize].symbol)
}

/// The C entry of a lambda passed as a callback.
fn callback_adapter_symbol(lambda_symbol: &str) -> String {
    format!("{}$c", lambda_symbol)
}

/// The functions the boundary adds to the module: a closure thunk for each
/// foreign function used as a value (`f$cthunk(env, params...)` calls `f`)
/// and a C entry for each lambda passed as a callback.
pub(super) fn boundary_functions(c: &Checked) -> Vec<ir::Function> {
    let mut out = Vec::new();
    let mut fids: Vec<u32> = c.cabi.values.values().copied().collect();
    fids.sort_unstable();
    fids.dedup();
    for fid in fids {
        let d = &c.cabi.foreign[fid as usize];
        let sym = value_thunk_symbol(c, fid);
        let ret = ir_type(&c.types, d.ret);
        let mut params = vec![Type::I64];
        params.extend(d.params.iter().map(|&t| ir_type(&c.types, t).unwrap_or(Type::I64)));
        let mut b = FunctionBuilder::new(&sym, &sym, &params, ret, ir_span(c, d.func.span));
        let args = b.block_params(BlockId(0))[1..].to_vec();
        let r = b.call(Callee::Direct(d.symbol.clone()), args, ret);
        b.ret(r);
        out.push(b.finish());
    }
    let mut lambdas: Vec<(u32, usize)> = c
        .cabi
        .callbacks
        .values()
        .filter_map(|cb| match cb {
            Callback::Lambda { owner, index } => Some((*owner, *index)),
            Callback::Func(_) => None,
        })
        .collect();
    lambdas.sort_unstable();
    lambdas.dedup();
    for (owner, index) in lambdas {
        let lam = &c.funcs[owner as usize].lambdas[index];
        let sym = callback_adapter_symbol(&lam.symbol);
        let ret = ir_type(&c.types, lam.ret);
        let params: Vec<Type> = lam.params.iter().map(|&t| ir_type(&c.types, t).unwrap_or(Type::I64)).collect();
        let mut b = FunctionBuilder::new(&sym, &sym, &params, ret, ir_span(c, lam.lambda.span));
        let mut args = vec![b.iconst(Type::I64, 0)];
        args.extend(b.block_params(BlockId(0)).to_vec());
        let r = b.call(Callee::Direct(lam.symbol.clone()), args, ret);
        b.ret(r);
        out.push(b.finish());
    }
    out
}

/// The argument list of one C call being assembled.
struct CArgs {
    regs: Vec<Value>,
    stack: Vec<Value>,
    /// Registers taken by `regs`.
    int_used: usize,
    float_used: usize,
    /// The next free register by the C rules (AArch64 closes a register
    /// file once a struct spills from it).
    next_int: usize,
    next_float: usize,
}

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    /// A foreign function used as a value: its closure thunk, no environment.
    pub(super) fn foreign_value(&mut self, e: &'a Expr<'a>) -> Value {
        let fid = self.c.cabi.values[&key(e)];
        let code = self.b.sym_addr(&value_thunk_symbol(self.c, fid));
        let env = self.b.iconst(Type::I64, 0);
        let slot = self.b.new_slot(16, 8);
        let at = self.b.slot_addr(slot);
        self.b.store(code, at, 0);
        self.b.store(env, at, 8);
        at
    }

    /// `f(args)` for a foreign `f`: each argument placed where the C ABI
    /// puts it, the result taken back from where C leaves it.
    pub(super) fn foreign_call(&mut self, e: &'a Expr<'a>, fid: u32, args: &'a [Expr<'a>]) -> Value {
        let d = &self.c.cabi.foreign[fid as usize];
        let (params, ret, symbol) = (d.params.clone(), d.ret, d.symbol.clone());
        let (ni, nf) = arg_regs(self.arch);
        let mut ca = CArgs { regs: Vec::new(), stack: Vec::new(), int_used: 0, float_used: 0, next_int: 0, next_float: 0 };
        let ret_class = classify(self.c, ret, self.arch);
        let ret_is_struct = matches!(self.c.types.kind(ret), TyKind::Struct(..));
        // A struct returned in memory: its address is the hidden first argument.
        let sret = if ret_is_struct && ret_class == CClass::Memory {
            let t = self.padded_temp(ret);
            self.place(&mut ca, t, Type::I64);
            Some(t)
        } else {
            None
        };
        for (i, a) in args.iter().enumerate() {
            match params.get(i) {
                Some(&p) if matches!(self.c.types.kind(p), TyKind::Func(..)) => {
                    let code = self.callback_code(a);
                    self.place(&mut ca, code, Type::I64);
                }
                Some(&p) if matches!(self.c.types.kind(p), TyKind::Struct(..)) => {
                    let v = self.expr_as(a, p);
                    self.struct_arg(&mut ca, v, p);
                }
                Some(&p) => {
                    let v = self.expr_as(a, p);
                    self.place(&mut ca, v, self.irty(p));
                }
                None => {
                    let (v, t) = self.promoted_vararg(a);
                    self.place(&mut ca, v, t);
                }
            }
        }
        let mut vals = ca.regs;
        if !ca.stack.is_empty() {
            // Fill the argument registers so every later value goes to the stack.
            for _ in ca.int_used..ni {
                vals.push(self.b.iconst(Type::I64, 0));
            }
            for _ in ca.float_used..nf {
                vals.push(self.b.fconst(Type::F64, 0.0));
            }
            vals.extend(ca.stack);
        }
        self.at(e.span);
        let ir_ret = match &ret_class {
            _ if sret.is_some() => None,
            CClass::Word(_) if !ret_is_struct => ir_type(&self.c.types, ret),
            CClass::Regs(p) => Some(p[0].0),
            _ => None,
        };
        let r = self.b.call(Callee::Direct(symbol), vals, ir_ret);
        if let Some(t) = sret {
            return t;
        }
        if ret_is_struct {
            // One register holds the whole (at most eight byte) struct.
            let t = self.padded_temp(ret);
            if let Some(r) = r {
                self.b.store(r, t, 0);
            }
            return t;
        }
        r.unwrap_or_else(|| self.b.iconst(Type::I8, 0))
    }

    /// Place one word: in the next register of its class, or on the stack.
    fn place(&mut self, ca: &mut CArgs, v: Value, t: Type) {
        let (ni, nf) = arg_regs(self.arch);
        if t.is_float() {
            if ca.next_float < nf {
                ca.next_float += 1;
                ca.float_used += 1;
                ca.regs.push(v);
            } else {
                ca.stack.push(v);
            }
        } else if ca.next_int < ni {
            ca.next_int += 1;
            ca.int_used += 1;
            ca.regs.push(v);
        } else {
            ca.stack.push(v);
        }
    }

    /// A struct argument (at address `v`) by its class.
    fn struct_arg(&mut self, ca: &mut CArgs, v: Value, ty: TyId) {
        let (ni, nf) = arg_regs(self.arch);
        let copy = self.padded_temp(ty);
        self.copy_mem(copy, v, ty);
        match classify(self.c, ty, self.arch) {
            CClass::Regs(pieces) => {
                let ki = pieces.iter().filter(|(t, _)| t.is_int()).count();
                let kf = pieces.len() - ki;
                if ca.next_int + ki <= ni && ca.next_float + kf <= nf {
                    for (t, off) in pieces {
                        let p = self.b.load(t, copy, off as i32);
                        self.place(ca, p, t);
                    }
                    return;
                }
                // Not enough registers left for all of it: the whole struct
                // goes to the stack. AArch64 then closes that register file.
                if self.arch == Arch::Aarch64 {
                    if kf > 0 {
                        ca.next_float = nf;
                    } else {
                        ca.next_int = ni;
                    }
                }
                self.stack_copy(ca, copy, ty);
            }
            CClass::Memory if self.arch == Arch::Aarch64 => self.place(ca, copy, Type::I64),
            CClass::Memory => self.stack_copy(ca, copy, ty),
            CClass::Word(t) => {
                let p = self.b.load(t, copy, 0);
                self.place(ca, p, t);
            }
        }
    }

    /// The struct at `copy` as consecutive eightbytes of the stack area.
    fn stack_copy(&mut self, ca: &mut CArgs, copy: Value, ty: TyId) {
        let size = size_align(&self.c.types, ty).0;
        for off in (0..size).step_by(8) {
            let w = self.b.load(Type::I64, copy, off as i32);
            ca.stack.push(w);
        }
    }

    /// A frame temporary for a struct, rounded up to whole eightbytes so
    /// register pieces can be loaded and stored in full.
    fn padded_temp(&mut self, ty: TyId) -> Value {
        let (size, align) = size_align(&self.c.types, ty);
        let s = self.b.new_slot(round_up(size.max(8), 8) as u32, align.max(8) as u32);
        self.b.slot_addr(s)
    }

    /// A value in the `...` tail, after the C default argument promotions:
    /// small integers widen to int32 (by their signedness; char and bool
    /// zero extend), float32 widens to float64.
    fn promoted_vararg(&mut self, a: &'a Expr<'a>) -> (Value, Type) {
        let ty = self.ty(a);
        let v = self.expr(a);
        let t = self.irty(ty);
        match t {
            Type::I8 | Type::I16 => {
                let op = if self.c.types.is_signed(ty) { CastOp::Sext } else { CastOp::Zext };
                (self.b.cast(op, v, Type::I32), Type::I32)
            }
            Type::F32 => (self.b.cast(CastOp::FExt, v, Type::F64), Type::F64),
            _ => (v, t),
        }
    }

    /// The bare code address a callback argument passes.
    fn callback_code(&mut self, a: &'a Expr<'a>) -> Value {
        match self.c.cabi.callbacks.get(&key(a)) {
            Some(Callback::Func(f)) => {
                let sym = self.c.funcs[*f as usize].symbol.clone();
                self.b.sym_addr(&sym)
            }
            Some(Callback::Lambda { owner, index }) => {
                let sym = callback_adapter_symbol(&self.c.funcs[*owner as usize].lambdas[*index].symbol);
                self.b.sym_addr(&sym)
            }
            None => unreachable!("a checked callback argument"),
        }
    }
}
