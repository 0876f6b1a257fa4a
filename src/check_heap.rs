//! Checking the memory builtins and the ownership surface rules (spec
//! "Memory Management", digest 5.3-5.5, 5.8).
//!
//! The builtins: `alloc(v)` / `p: *T = alloc()`, `free`, `move`,
//! `alloc_bytes`, and the debug allocator. `alloc_bytes` and the debug
//! builtins are plain calls of runtime functions (`rt/heap.dusk`,
//! `rt/debug_alloc.dusk`); the rest become `CallRes::Heap`.
//!
//! The ownership rules `free` and `move` obey live in check/ownership.rs;
//! here is the one they add for a call operand: freeing or moving a call
//! result that may alias its arguments.

use super::{key, CallRes, Checker, FnCx};
use crate::ast::*;
use crate::types::{prim, TyId, TyKind};

/// What a heap builtin call does, for the lowering.
#[derive(Clone, Debug)]
pub enum HeapOp {
    /// `alloc(v)` (`init`) or `p: *T = alloc()`: a generational block
    /// holding a `T`.
    Alloc { elem: TyId, init: bool },
    /// `free(p)` of a managed pointer: generation check, then release.
    FreeManaged,
    /// `free(p)` of a raw pointer or a string: release, no check.
    FreeRaw,
    /// `move(p)`: the value itself (the kill is static).
    Move,
    /// `alloc` in a body with a `using` allocator: `a.alloc(size, align)`,
    /// an untracked pointer (generation 0).
    AllocUsing { elem: TyId, init: bool, via: super::Ambient },
    /// `free` in a body with a `using` allocator: `a.free(p)`.
    FreeUsing { via: super::Ambient },
}

const ALIAS_FREE: &str = "cannot free a call result that may alias its arguments; vec_take or map_take removes an element as its owner";
const ALIAS_MOVE: &str = "cannot move a call result that may alias its arguments; vec_take or map_take removes an element as its owner";

impl<'a, 'd> Checker<'a, 'd> {
    /// The memory builtins; `None` when `name` is not one of them.
    pub(super) fn heap_builtin(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>], expected: Option<TyId>) -> Option<TyId> {
        Some(match name {
            "alloc" => self.alloc_call(cx, e, args, expected),
            "free" => self.free_call(cx, e, args),
            "move" => self.move_call(cx, e, args, expected),
            "alloc_bytes" => {
                // The annotation picks the element type; the runtime call is untyped.
                let ret = match expected {
                    Some(t) if matches!(self.types.kind(t), TyKind::RawPtr(_) | TyKind::VoidPtr) => t,
                    _ => self.types.raw_ptr(prim::U8),
                };
                self.runtime_call(cx, e, "__rt_alloc", args);
                ret
            }
            "debug_alloc" => self.runtime_call(cx, e, "__rt_debug_alloc", args),
            "debug_free" => self.runtime_call(cx, e, "__rt_debug_free", args),
            "debug_leaks" => self.runtime_call(cx, e, "__rt_debug_leaks", args),
            "debug_double_frees" => self.runtime_call(cx, e, "__rt_debug_double_frees", args),
            _ => return None,
        })
    }

    /// A builtin that is a call of the runtime function `rt` with the same
    /// parameters.
    pub(super) fn runtime_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, rt: &str, args: &'a [Expr<'a>]) -> TyId {
        let Some(&f) = self.g.runtime.get(rt) else {
            self.err(e.span, format!("the runtime lacks '{}'", rt));
            return prim::ERR;
        };
        let (params, ret) = (self.funcs[f as usize].params.clone(), self.funcs[f as usize].ret);
        self.args_against(cx, args, &params, e.span, None);
        self.info.calls.insert(key(e), CallRes::Func(f));
        ret
    }

    fn alloc_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, args: &'a [Expr<'a>], expected: Option<TyId>) -> TyId {
        let pointee = expected.and_then(|t| match self.types.kind(t) {
            TyKind::Ptr(p) => Some(*p),
            _ => None,
        });
        match args {
            [] => {
                let Some(elem) = pointee else {
                    let msg = match expected.map(|t| self.types.kind(t).clone()) {
                        Some(TyKind::VoidPtr) => "alloc() cannot size a *void; annotate the pointee type, as in p: *T = alloc()",
                        Some(TyKind::RawPtr(_)) => "alloc() makes a managed pointer, not a *raw T; use alloc_bytes(n) for raw memory",
                        _ => "alloc() with no value needs a pointer type annotation to size the allocation; write p: *T = alloc()",
                    };
                    self.err(e.span, msg);
                    return prim::ERR;
                };
                let op = self.alloc_op(cx, e, elem, false);
                self.info.calls.insert(key(e), CallRes::Heap(op));
                self.types.ptr(elem)
            }
            [v] => {
                let vt = self.expr(cx, v, pointee);
                if vt == prim::VOID {
                    self.err(v.span, "cannot allocate a void value");
                    return prim::ERR;
                }
                // The annotation's pointee wins where the value converts to it.
                let elem = match pointee {
                    Some(p) if self.assignable(vt, p) => p,
                    _ => vt,
                };
                if elem == prim::ERR {
                    return prim::ERR;
                }
                let op = self.alloc_op(cx, e, elem, true);
                self.info.calls.insert(key(e), CallRes::Heap(op));
                self.types.ptr(elem)
            }
            _ => {
                self.err(e.span, "alloc takes one value (or none, with a pointer annotation)");
                for a in args {
                    self.expr(cx, a, None);
                }
                prim::ERR
            }
        }
    }

    /// A generational block, or a call of the ambient allocator.
    fn alloc_op(&mut self, cx: &FnCx, e: &'a Expr<'a>, elem: TyId, init: bool) -> HeapOp {
        match self.ambient_allocator(cx, e.span) {
            Some(via) => HeapOp::AllocUsing { elem, init, via },
            None => HeapOp::Alloc { elem, init },
        }
    }

    fn free_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, args: &'a [Expr<'a>]) -> TyId {
        let [p] = args else {
            self.err(e.span, format!("expected 1 argument(s), found {}", args.len()));
            for a in args {
                self.expr(cx, a, None);
            }
            return prim::VOID;
        };
        let t = self.expr(cx, p, None);
        let op = match self.types.kind(t) {
            TyKind::Collector(_) => {
                self.err(p.span, super::collector::NOT_FREED);
                return prim::VOID;
            }
            TyKind::Ptr(_) => HeapOp::FreeManaged,
            TyKind::RawPtr(_) | TyKind::VoidPtr | TyKind::Str => HeapOp::FreeRaw,
            // An open type parameter in a generic template: the type is the
            // instance's to judge, the borrow is judged here.
            TyKind::Err => {
                if self.gen.in_template {
                    self.own_free(cx, p);
                }
                return prim::VOID;
            }
            _ => {
                let n = self.tyname(t);
                self.err(p.span, format!("free takes a heap pointer, not {}", n));
                return prim::VOID;
            }
        };
        let op = match self.ambient_allocator(cx, e.span) {
            Some(via) => HeapOp::FreeUsing { via },
            None => op,
        };
        self.info.calls.insert(key(e), CallRes::Heap(op));
        if !self.own_free(cx, p) && self.may_alias_args(cx, p) {
            self.err(p.span, ALIAS_FREE);
        }
        prim::VOID
    }

    fn move_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, args: &'a [Expr<'a>], expected: Option<TyId>) -> TyId {
        let [p] = args else {
            self.err(e.span, format!("expected 1 argument(s), found {}", args.len()));
            for a in args {
                self.expr(cx, a, None);
            }
            return prim::ERR;
        };
        let t = self.expr(cx, p, expected);
        if matches!(self.types.kind(t), TyKind::Collector(_)) {
            self.err(p.span, super::collector::NOT_OWNED);
            return t;
        }
        self.info.calls.insert(key(e), CallRes::Heap(HeapOp::Move));
        if !self.own_move(cx, p) && self.may_alias_args(cx, p) {
            self.err(p.span, ALIAS_MOVE);
        }
        t
    }

    /// `e` is a call whose result may alias one of its arguments: a method
    /// (the receiver is a pointer), or a function that is not `owning` and
    /// takes something that can reach a managed pointer.
    fn may_alias_args(&mut self, cx: &FnCx, e: &'a Expr<'a>) -> bool {
        let e = e.unparen();
        let ExprKind::Call { args, .. } = &e.kind else { return false };
        match self.info.calls.get(&key(e)) {
            Some(CallRes::Method(_)) => true,
            Some(CallRes::Func(f)) => {
                let fd = &self.funcs[*f as usize];
                if fd.item.is_owning || fd.runtime {
                    return false;
                }
                let _ = cx;
                args.iter().any(|a| {
                    let t = self.info.expr_ty.get(&key(a)).copied().unwrap_or(prim::ERR);
                    self.reaches_pointer(t, 0)
                })
            }
            _ => false,
        }
    }

    /// Whether a value of type `t` can hold a pointer an aliasing result
    /// could share.
    fn reaches_pointer(&self, t: TyId, depth: u32) -> bool {
        if depth > 16 {
            return true;
        }
        match self.types.kind(t) {
            TyKind::Ptr(_) | TyKind::RawPtr(_) | TyKind::VoidPtr | TyKind::Func(..) | TyKind::Interface(..) | TyKind::Param(..) | TyKind::Enum(..) => true,
            TyKind::Slice(e) | TyKind::Array(e, _) => self.reaches_pointer(*e, depth + 1),
            TyKind::Tuple(ts) => ts.iter().any(|m| self.reaches_pointer(*m, depth + 1)),
            TyKind::Struct(id, _) => self.types.structs[*id as usize].fields.iter().any(|f| self.reaches_pointer(f.1, depth + 1)),
            _ => false,
        }
    }

    /// The shape rules of an `owning func` head.
    pub(super) fn check_owning(&mut self, func: &FuncItem, ret: TyId) {
        if !func.is_owning {
            return;
        }
        if func.name.name == "main" {
            self.err(func.name.span, "main cannot be owning; nothing calls main to take its result");
            return;
        }
        let msg = match self.types.kind(ret) {
            TyKind::Void => "an owning func returns the one value it hands over; it cannot return void",
            TyKind::Tuple(_) => "an owning func returns the one value it hands over; it returns one value, not a tuple",
            TyKind::RawPtr(_) | TyKind::VoidPtr => "an owning func returns a managed value; a raw pointer carries no generation to check",
            _ => return,
        };
        self.err(func.ret.span, msg);
    }

    /// The operand of `sizeof`: a type written as an expression (`int64`,
    /// `Point`, `*Point`, `int64[4]`), or any value.
    pub(super) fn sizeof_operand(&mut self, cx: &mut FnCx, a: &'a Expr<'a>) -> TyId {
        if let Some(t) = self.type_in_expr(cx, a) {
            return t;
        }
        if let ExprKind::Tuple(xs) = &a.unparen().kind {
            if xs.iter().any(|x| self.type_in_expr(cx, x).is_some()) {
                self.err(a.span, "sizeof takes a type or a value; a tuple type is written through a named struct");
                return prim::ERR;
            }
        }
        self.expr(cx, a, None)
    }

    /// The type an expression spells when it is a type name, possibly under
    /// `*` or a literal array length; `None` for a value.
    fn type_in_expr(&mut self, cx: &FnCx, e: &Expr) -> Option<TyId> {
        match &e.unparen().kind {
            ExprKind::Name(n) if cx.lookup(n.name).is_none() => {
                if let Some(t) = self.tparam(n.name) {
                    return Some(t);
                }
                if let Some(p) = crate::types::Types::primitive(n.name) {
                    return Some(p);
                }
                if let Some(&id) = self.structs.get(n.name) {
                    return Some(self.struct_type(id, n, &[], e.span));
                }
                let id = *self.enums.get(n.name)?;
                Some(self.enum_type(id, &[], e.span))
            }
            ExprKind::Unary { op: UnOp::Deref, operand } => {
                let inner = self.type_in_expr(cx, operand)?;
                Some(if inner == prim::VOID { prim::VOIDPTR } else { self.types.ptr(inner) })
            }
            ExprKind::Index { base, index } => {
                let ExprKind::Int { value, .. } = index.unparen().kind else { return None };
                let elem = self.type_in_expr(cx, base)?;
                Some(self.types.array(elem, value))
            }
            _ => None,
        }
    }
}
