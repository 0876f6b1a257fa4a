//! The ambient allocator: `func f(using a: A)` makes `alloc` and `free` in
//! the body of `f` calls of `a.alloc(size, align)` and `a.free(p)`.
//!
//! Dispatch is static when `A` is a struct (or a managed pointer to one)
//! with `alloc` and `free` methods, and through the vtable when `A` is an
//! interface. A lambda body has no ambient allocator (its `alloc` uses the
//! default heap). Pointers an allocator hands out are untracked (generation
//! 0): the generational check cannot vouch for memory it did not make.

use super::*;

/// How `alloc`/`free` reach the ambient allocator, for the lowering.
#[derive(Clone, Copy, Debug)]
pub struct Ambient {
    /// The `using` parameter.
    pub local: LocalId,
    /// Where the receiver is: the parameter itself, the pointee of a
    /// managed pointer parameter, or an interface value.
    pub recv: AllocRecv,
    pub alloc: AllocMethod,
    pub free: AllocMethod,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AllocRecv {
    Struct,
    Pointer,
    Interface,
}

#[derive(Clone, Copy, Debug)]
pub enum AllocMethod {
    /// A struct method, by function id.
    Static(u32),
    /// A vtable slot.
    Dynamic(u32),
}

const SHAPE: &str = "alloc(size: int64, align: int64) -> *void and free(p: *void) -> void";

impl<'a, 'd> Checker<'a, 'd> {
    /// The ambient allocator of the body being checked, if any; reports a
    /// `using` parameter whose type cannot allocate (once per use).
    pub(super) fn ambient_allocator(&mut self, cx: &FnCx, span: Span) -> Option<Ambient> {
        let local = cx.allocator?;
        if cx.lam.in_lambda() {
            return None;
        }
        let ty = cx.locals[local.0 as usize].ty;
        let (recv, base) = match self.types.kind(ty) {
            TyKind::Ptr(inner) => (AllocRecv::Pointer, *inner),
            TyKind::Interface(..) => (AllocRecv::Interface, ty),
            _ => (AllocRecv::Struct, ty),
        };
        let found = match self.types.kind(base).clone() {
            TyKind::Struct(sid, _) => self.allocator_methods(sid),
            TyKind::Interface(iid, _) => {
                let def = &self.types.interfaces[iid as usize];
                def.method("alloc").zip(def.method("free")).map(|(a, f)| (AllocMethod::Dynamic(a as u32), AllocMethod::Dynamic(f as u32)))
            }
            TyKind::Err => return None,
            _ => None,
        };
        let Some((alloc, free)) = found else {
            let n = self.tyname(ty);
            self.err(span, format!("'{}' cannot be the using allocator; it needs {}", n, SHAPE));
            return None;
        };
        Some(Ambient { local, recv, alloc, free })
    }

    /// The `alloc` and `free` methods of struct `sid`, if their signatures
    /// are the allocator's.
    fn allocator_methods(&self, sid: u32) -> Option<(AllocMethod, AllocMethod)> {
        let alloc = *self.methods.get(&(sid, "alloc".to_string()))?;
        let free = *self.methods.get(&(sid, "free".to_string()))?;
        let (a, f) = (&self.funcs[alloc as usize], &self.funcs[free as usize]);
        let alloc_ok = a.params == [prim::I64, prim::I64] && matches!(self.types.kind(a.ret), TyKind::VoidPtr | TyKind::RawPtr(_));
        let free_ok = f.params.len() == 1 && matches!(self.types.kind(f.params[0]), TyKind::VoidPtr | TyKind::RawPtr(_));
        (alloc_ok && free_ok).then_some((AllocMethod::Static(alloc), AllocMethod::Static(free)))
    }
}
