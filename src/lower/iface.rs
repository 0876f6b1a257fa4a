//! Lowering of interface values and dynamic dispatch.
//!
//! An interface value is 16 bytes: a pointer to the boxed struct at 0 and
//! its vtable at 8. Boxing copies the struct into a frame slot of its own
//! (one per boxing site), so later changes to the source do not show
//! through. A vtable is a read-only array of code pointers, one per
//! interface method in declaration order; slot `i` is the method `S.m`
//! itself, whose receiver is a pointer, so a call through it passes the
//! box's data pointer where a direct method call passes the receiver's
//! address.

use super::*;
use crate::check::vtable_symbol;

/// The vtable of every complete `impl I for S`, as read-only data.
pub(super) fn vtables(c: &Checked) -> Vec<ir::Data> {
    c.info
        .vtables
        .iter()
        .map(|vt| ir::Data {
            name: vt.symbol.clone(),
            bytes: vec![0; vt.slots.len().max(1) * 8],
            align: 8,
            readonly: true,
            linkage: ir::Linkage::Local,
            relocs: vt.slots.iter().enumerate().map(|(i, s)| ir::DataReloc { offset: (i * 8) as u32, symbol: s.clone(), addend: 0 }).collect(),
        })
        .collect()
}

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    /// The struct value `v` (an address) of type `have` as a value of the
    /// interface type `want`, if that is the conversion the checker allowed.
    pub(super) fn box_iface(&mut self, v: Value, have: TyId, want: TyId) -> Option<Value> {
        let (TyKind::Struct(sid, _), TyKind::Interface(iid, _)) = (self.c.types.kind(have).clone(), self.c.types.kind(want).clone()) else {
            return None;
        };
        let data = self.frame_temp(have);
        self.copy_mem(data, v, have);
        let sym = vtable_symbol(&self.c.types.interfaces[iid as usize].name, &self.c.types.structs[sid as usize].name);
        let vt = self.b.sym_addr(&sym);
        let fat = self.temp(want);
        self.b.store(data, fat, 0);
        self.b.store(vt, fat, 8);
        Some(fat)
    }

    /// `x.m(args)` on an interface value: the code pointer in slot `slot`
    /// of its vtable, called with the data pointer as the receiver.
    pub(super) fn dyn_call(&mut self, e: &'a Expr<'a>, callee: &'a Expr<'a>, slot: u32, args: &'a [Expr<'a>]) -> Value {
        let ExprKind::Field { base, .. } = &callee.kind else { unreachable!("checked dynamic call") };
        let TyKind::Interface(iid, _) = self.c.types.kind(self.ty(base)).clone() else { unreachable!("checked dynamic call") };
        let sig = self.c.types.interfaces[iid as usize].methods[slot as usize].clone();
        let fat = self.expr(base);
        let data = self.b.load(Type::I64, fat, 0);
        let vt = self.b.load(Type::I64, fat, 8);
        let mut vals = Vec::new();
        let sret = if is_aggregate(&self.c.types, sig.ret) {
            let t = self.temp(sig.ret);
            vals.push(t);
            Some(t)
        } else {
            None
        };
        vals.push(data);
        for (a, &p) in args.iter().zip(&sig.params) {
            vals.push(self.expr_as(a, p));
        }
        self.at(e.span);
        let code = self.b.load(Type::I64, vt, (slot * 8) as i32);
        let ret = ir_type(&self.c.types, sig.ret);
        let r = self.b.call(Callee::Indirect(code), vals, ret);
        sret.or(r).unwrap_or_else(|| self.b.iconst(Type::I8, 0))
    }

    /// Print (or append to an f-string) the interface value `v`: what its
    /// `toString` returns.
    pub(super) fn render_iface(&mut self, sink: Sink, to: Value, v: Value, ty: TyId) {
        let TyKind::Interface(iid, _) = self.c.types.kind(ty).clone() else { return };
        let Some(slot) = self.c.types.interfaces[iid as usize].method("toString") else { return };
        let data = self.b.load(Type::I64, v, 0);
        let vt = self.b.load(Type::I64, v, 8);
        let code = self.b.load(Type::I64, vt, (slot * 8) as i32);
        let s = self.b.call(Callee::Indirect(code), vec![data], Some(Type::I64)).unwrap();
        self.rt(&sink.func("str"), vec![to, s], None);
    }
}
