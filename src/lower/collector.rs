//! Lowering the `collector<T>(e)` mints (check/collector.rs has the rules).
//!
//! After checking a collector is its representation, so the kind shows in
//! the mint's type: a managed `*T` for a plain collector, a closure for a
//! closure collector, a slice for a slice collector. Every kind takes its
//! memory from the collected heap (`__rt_gc_alloc`, rt/collector.dusk),
//! whose blocks carry the generational header, so a plain collector is
//! dereferenced exactly like a managed pointer.

use super::*;

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    /// `collector<T>(value)`.
    pub(super) fn collector_mint(&mut self, e: &'a Expr<'a>, value: &'a Expr<'a>) -> Value {
        let t = self.ty(e);
        match self.c.types.kind(t).clone() {
            TyKind::Func(..) => match &value.unparen().kind {
                ExprKind::Lambda(l) => self.collected_closure(l),
                _ => unreachable!("checked: a collected closure is a lambda literal"),
            },
            TyKind::Slice(el) => {
                // A one-level deep copy of the elements.
                let src = self.expr_as(value, t);
                self.at(e.span);
                let data = self.b.load(Type::I64, src, 0);
                let len = self.b.load(Type::I64, src, 8);
                let (size, align) = size_align(&self.c.types, el);
                let stride = self.b.iconst(Type::I64, crate::layout::round_up(size, align.max(1)) as i64);
                let bytes = self.b.bin(IB::Mul, len, stride);
                let copy = self.rt("__rt_gc_copy", vec![data, bytes], Some(Type::I64)).unwrap();
                let dst = self.temp(t);
                self.b.store(copy, dst, 0);
                self.b.store(len, dst, 8);
                dst
            }
            TyKind::Ptr(inner) => {
                let v = self.expr_as(value, inner);
                self.at(e.span);
                let (size, _) = size_align(&self.c.types, inner);
                let n = self.b.iconst(Type::I64, size as i64);
                let data = self.rt("__rt_gc_alloc", vec![n], Some(Type::I64)).unwrap();
                self.store_value(v, data, inner);
                let eight = self.b.iconst(Type::I64, 8);
                let at = self.b.bin(IB::Sub, data, eight);
                let gen = self.b.load(Type::I64, at, 0);
                let dst = self.temp(t);
                self.b.store(data, dst, 0);
                self.b.store(gen, dst, 8);
                dst
            }
            _ => unreachable!("checked: a collector is a pointer, a closure or a slice"),
        }
    }

    /// A lambda whose environment is a block of the collected heap rather
    /// than a frame slot, so the closure outlives the frame that made it.
    pub(super) fn collected_closure(&mut self, l: &'a Lambda<'a>) -> Value {
        self.closure_in(l, &mut |s, size, _| {
            let n = s.b.iconst(Type::I64, size.max(1) as i64);
            s.rt("__rt_gc_alloc", vec![n], Some(Type::I64)).unwrap()
        })
    }
}
