//! Lowering managed pointers and the memory builtins.
//!
//! A managed `*T` is the 16-byte aggregate {data, gen}: the payload address
//! and the generation `alloc` read from the block header (rt/heap.dusk keeps
//! it at data - 8). Every dereference (`*p`, `(*p).f`, a method call through
//! `*S`) and every `free` checks it first. The fast path is inline: a nonzero
//! generation equal to the header's. Anything else (an untracked pointer,
//! generation 0, which needs only a null check, or a mismatch) goes to the
//! runtime's `__rt_ptr_check`, which faults with the source location or
//! returns for a live untracked pointer.

use super::FnLower;
use crate::ast::Expr;
use crate::check::heap::HeapOp;
use crate::check::{AllocMethod, AllocRecv, Ambient};
use crate::layout::size_align;
use crate::types::{TyId, TyKind};
use dc_backend::ir::{BinOp as IB, Callee, IntCC, Type, Value};

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    pub(super) fn is_managed(&self, t: TyId) -> bool {
        matches!(self.c.types.kind(t), TyKind::Ptr(_))
    }

    /// The data pointer of the managed pointer stored at `fat`, after the
    /// dereference check (faults name `span`'s line).
    pub(super) fn deref_managed(&mut self, fat: Value, span: crate::source::Span) -> Value {
        let data = self.b.load(Type::I64, fat, 0);
        let gen = self.b.load(Type::I64, fat, 8);
        let zero = self.b.iconst(Type::I64, 0);
        let tracked = self.b.icmp(IntCC::Ne, gen, zero);
        let compare = self.b.new_block();
        let slow = self.b.new_block();
        let good = self.b.new_block();
        self.b.branch(tracked, compare, vec![], slow, vec![]);
        self.b.switch_to(compare);
        let header = self.gen_word(data);
        let same = self.b.icmp(IntCC::Eq, header, gen);
        self.b.branch(same, good, vec![], slow, vec![]);
        self.b.switch_to(slow);
        let (path, line) = self.location(span);
        self.rt("__rt_ptr_check", vec![data, gen, path, line], None);
        self.b.jump(good, vec![]);
        self.b.switch_to(good);
        data
    }

    /// The generation word of the heap block whose payload is at `data`.
    fn gen_word(&mut self, data: Value) -> Value {
        let eight = self.b.iconst(Type::I64, 8);
        let at = self.b.bin(IB::Sub, data, eight);
        self.b.load(Type::I64, at, 0)
    }

    /// The path and line constants a located fault reports.
    fn location(&mut self, span: crate::source::Span) -> (Value, Value) {
        let path = self.c.sm.path(span.file).to_string();
        let p = self.str_lit(path.as_bytes());
        let line = self.b.iconst(Type::I64, self.c.sm.line_col(span).0 as i64);
        (p, line)
    }

    /// The address `*operand` designates: the checked data pointer of a
    /// managed pointer, the raw pointer itself otherwise.
    pub(super) fn deref_addr(&mut self, operand: &'a Expr<'a>, span: crate::source::Span) -> Value {
        let v = self.expr(operand);
        if self.is_managed(self.ty(operand)) {
            self.deref_managed(v, span)
        } else {
            v
        }
    }

    /// The implicit pointer conversions the checker allows: a managed
    /// pointer to `*void` keeps its data word; a `*void` to a managed
    /// pointer is untracked (generation 0). `None` if neither applies.
    pub(super) fn convert_pointer(&mut self, v: Value, have: TyId, want: TyId) -> Option<Value> {
        match (self.c.types.kind(have), self.c.types.kind(want)) {
            (TyKind::Ptr(_), TyKind::VoidPtr) => Some(self.b.load(Type::I64, v, 0)),
            (TyKind::VoidPtr, TyKind::Ptr(_)) => {
                let zero = self.b.iconst(Type::I64, 0);
                Some(self.fat_pointer(v, zero, want))
            }
            _ => None,
        }
    }

    /// A managed pointer value {data, gen} of type `ty` in a fresh temporary.
    fn fat_pointer(&mut self, data: Value, gen: Value, ty: TyId) -> Value {
        let dst = self.temp(ty);
        self.b.store(data, dst, 0);
        self.b.store(gen, dst, 8);
        dst
    }

    pub(super) fn heap_call(&mut self, e: &'a Expr<'a>, op: &HeapOp, args: &'a [Expr<'a>]) -> Option<Value> {
        match *op {
            HeapOp::Alloc { elem, init } => {
                let value = if init { Some(self.expr_as(&args[0], elem)) } else { None };
                self.at(e.span);
                let (size, _) = size_align(&self.c.types, elem);
                let n = self.b.iconst(Type::I64, size as i64);
                let data = self.rt("__rt_alloc", vec![n], Some(Type::I64)).unwrap();
                if let Some(v) = value {
                    self.store_value(v, data, elem);
                }
                let gen = self.gen_word(data);
                let ty = self.ty(e);
                Some(self.fat_pointer(data, gen, ty))
            }
            HeapOp::FreeManaged => {
                let fat = self.expr(&args[0]);
                self.at(e.span);
                let data = self.b.load(Type::I64, fat, 0);
                let gen = self.b.load(Type::I64, fat, 8);
                let (path, line) = self.location(e.span);
                self.rt("__rt_free_managed", vec![data, gen, path, line], None);
                None
            }
            HeapOp::FreeRaw => {
                let p = self.expr(&args[0]);
                self.at(e.span);
                self.rt("__rt_free", vec![p], None);
                None
            }
            HeapOp::Move => Some(self.expr(&args[0])),
            HeapOp::AllocUsing { elem, init, via } => {
                let value = if init { Some(self.expr_as(&args[0], elem)) } else { None };
                self.at(e.span);
                let (size, align) = size_align(&self.c.types, elem);
                let size = self.b.iconst(Type::I64, size as i64);
                let align = self.b.iconst(Type::I64, align as i64);
                let data = self.call_allocator(via, via.alloc, vec![size, align], Some(Type::I64), e.span);
                let zero = self.b.iconst(Type::I64, 0);
                let ty = self.ty(e);
                let fat = self.fat_pointer(data, zero, ty);
                if let Some(v) = value {
                    // An exhausted allocator's null faults by name, not in the store.
                    let at = self.deref_managed(fat, e.span);
                    self.store_value(v, at, elem);
                }
                Some(fat)
            }
            HeapOp::FreeUsing { via } => {
                let v = self.expr(&args[0]);
                self.at(e.span);
                let p = if self.is_managed(self.ty(&args[0])) { self.b.load(Type::I64, v, 0) } else { v };
                self.call_allocator(via, via.free, vec![p], None, e.span);
                None
            }
        }
    }

    /// Call method `m` of the ambient allocator `via` on `args` (`ret`: the
    /// method's result type, for the dynamic call).
    fn call_allocator(&mut self, via: Ambient, m: AllocMethod, args: Vec<Value>, ret: Option<Type>, span: crate::source::Span) -> Value {
        let slot = self.local_slot(via.local);
        match (via.recv, m) {
            (AllocRecv::Interface, AllocMethod::Dynamic(i)) => {
                let data = self.b.load(Type::I64, slot, 0);
                let vt = self.b.load(Type::I64, slot, 8);
                let code = self.b.load(Type::I64, vt, (i * 8) as i32);
                let vals = std::iter::once(data).chain(args).collect();
                self.b.call(Callee::Indirect(code), vals, ret).unwrap_or_else(|| self.b.iconst(Type::I8, 0))
            }
            (recv, AllocMethod::Static(f)) => {
                // A method takes its receiver by reference: the parameter's
                // own storage, or the checked pointee of a managed pointer.
                let this = if recv == AllocRecv::Pointer { self.deref_managed(slot, span) } else { slot };
                let vals = std::iter::once(this).chain(args).collect();
                self.call_values(f, vals)
            }
            (_, AllocMethod::Dynamic(_)) => unreachable!("a vtable slot is only resolved for an interface allocator"),
        }
    }
}
