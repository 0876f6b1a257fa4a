//! Debug descriptions of a function's locals: each user-named local gets an
//! `ir::DebugVar` naming its stack slot (its home, see `ir::DebugInfo`) and
//! an `ir::DebugType` built from its dusk type, so the back end's DWARF can
//! let gdb print it. Types are described as the program lays them out
//! (`layout`): a managed `*T` is the record {ptr, gen}, a slice {ptr, len},
//! a closure {code, env}, an enum its tag word; `string` is a named pointer
//! to its NUL-terminated bytes, so gdb prints the text.
//!
//! The runtime's own functions (`rt/`) describe no variables: a home costs a
//! store per assignment, and the runtime's hot paths (printing, allocation)
//! run in every program. Backtraces and stepping through them still work.

use super::FnLower;
use crate::check::{key, LocalId};
use crate::layout::{member_offset, size_align};
use crate::types::{TyId, TyKind};
use dc_backend::ir::{DebugBase, DebugMember, DebugType, DebugVar, SlotId, Value};

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    /// Describe local `l`, just given the slot `s`, to the debugger.
    pub(super) fn declare_local(&mut self, l: LocalId, s: SlotId) {
        if self.f.runtime {
            return;
        }
        let local = &self.f.locals[l.0 as usize];
        // Names the compiler makes up for itself start with something a
        // user's identifier cannot.
        if !local.name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return;
        }
        let (name, ty) = (local.name.clone(), local.ty);
        let Some(ty) = self.debug_type(ty) else { return };
        let param = self.is_param(l);
        // A parameter is declared with its function; any other local where
        // it is first stored, which is its `let` statement.
        let span = if param { self.b.func.span } else { self.b.span };
        self.b.func.debug.vars.push(DebugVar { name, ty, slot: s, param, span });
    }

    /// Describe a method's receiver, the pointer `this` to a `recv`, as the
    /// parameter `self`. It has no slot of its own (it is used as the
    /// address it is), so it gets a home holding the pointer; without debug
    /// information nothing reads the home and the passes remove it.
    pub(super) fn declare_receiver(&mut self, this: Value, recv: TyId) {
        if self.f.runtime {
            return;
        }
        let Some(to) = self.debug_type(recv) else { return };
        let types = &mut self.b.func.debug.types;
        types.push(DebugType::Pointer { name: None, to: Some(to) });
        let ty = types.len() as u32 - 1;
        let s = self.b.new_slot(8, 8);
        let home = self.b.slot_addr(s);
        self.b.store(this, home, 0);
        let span = self.b.func.span;
        self.b.func.debug.vars.push(DebugVar { name: "self".to_string(), ty, slot: s, param: true, span });
    }

    /// Whether `l` is a parameter of the function or lambda being lowered.
    fn is_param(&self, l: LocalId) -> bool {
        if self.env.is_some() {
            let Some(lam) = self.f.lambdas.iter().find(|lam| lam.symbol == self.b.func.name) else { return false };
            return lam.lambda.params.iter().any(|p| self.c.info.decls.get(&key(&p.name)) == Some(&l));
        }
        let first = self.f.receiver.is_some() as usize;
        (first..first + self.f.params.len()).contains(&(l.0 as usize))
    }

    /// The index of `t`'s description in this function's debug type table,
    /// made on first use; `None` for types with no values (void, errors,
    /// unresolved generics).
    fn debug_type(&mut self, t: TyId) -> Option<u32> {
        if let Some(&i) = self.debug_types.get(&t) {
            return Some(i);
        }
        let c = self.c;
        let types = &c.types;
        let size = size_align(types, t).0 as u32;
        let name = types.name(t);
        let base = |base| Some(DebugType::Base { name: name.clone(), size, base });
        let desc = match types.kind(t).clone() {
            TyKind::Int { signed: true, .. } => base(DebugBase::Signed),
            TyKind::Int { signed: false, .. } => base(DebugBase::Unsigned),
            TyKind::Float { .. } => base(DebugBase::Float),
            TyKind::Bool => base(DebugBase::Bool),
            TyKind::Char => base(DebugBase::Char),
            TyKind::Rune => base(DebugBase::Rune),
            // An error is its message, or null for none.
            TyKind::Str | TyKind::Error => {
                let ch = self.debug_type(crate::types::prim::CHAR);
                Some(DebugType::Pointer { name: Some(name), to: ch })
            }
            TyKind::RawPtr(e) => {
                let to = self.debug_type(e);
                Some(DebugType::Pointer { name: None, to })
            }
            TyKind::VoidPtr => Some(DebugType::Pointer { name: None, to: None }),
            // Erased into what it wraps before lowering (Types::erase_collectors).
            TyKind::Collector(_) => None,
            TyKind::Ptr(e) => {
                let ptr = self.pointer_to(Some(e));
                let gen = self.debug_type(crate::types::prim::U64);
                Some(record(name, size, [("ptr", 0, ptr), ("gen", 8, gen)]))
            }
            TyKind::Slice(e) => {
                let ptr = self.pointer_to(Some(e));
                let len = self.debug_type(crate::types::prim::I64);
                Some(record(name, size, [("ptr", 0, ptr), ("len", 8, len)]))
            }
            TyKind::Func(..) => {
                let ptr = self.pointer_to(None);
                Some(record(name, size, [("code", 0, ptr), ("env", 8, ptr)]))
            }
            TyKind::Enum(..) => {
                let tag = self.debug_type(crate::types::prim::I64);
                Some(record(name, size, [("tag", 0, tag)]))
            }
            TyKind::Thread | TyKind::Task | TyKind::Interface(..) => Some(record(name, size, [])),
            TyKind::Array(e, count) => self.debug_type(e).map(|elem| DebugType::Array { elem, count }),
            TyKind::Struct(..) | TyKind::Tuple(_) => {
                // Registered before its members, which may point back at it.
                let i = self.push_type(t, DebugType::Struct { name, size, members: Vec::new() });
                let fields: Vec<(String, TyId)> = match types.kind(t) {
                    TyKind::Tuple(ts) => ts.iter().enumerate().map(|(k, &m)| (format!("_{}", k), m)).collect(),
                    _ => types.struct_fields(t).to_vec(),
                };
                let mut ms = Vec::new();
                for (k, (fname, fty)) in fields.into_iter().enumerate() {
                    let offset = member_offset(types, t, k) as u32;
                    if let Some(ty) = self.debug_type(fty) {
                        ms.push(DebugMember { name: fname, offset, ty });
                    }
                }
                if let DebugType::Struct { members, .. } = &mut self.b.func.debug.types[i as usize] {
                    *members = ms;
                }
                return Some(i);
            }
            TyKind::Void | TyKind::Param(..) | TyKind::Err => None,
        }?;
        Some(self.push_type(t, desc))
    }

    /// An anonymous pointer to a value of `to` (or to nothing in particular).
    fn pointer_to(&mut self, to: Option<TyId>) -> Option<u32> {
        let to = to.and_then(|t| self.debug_type(t));
        let types = &mut self.b.func.debug.types;
        types.push(DebugType::Pointer { name: None, to });
        Some(types.len() as u32 - 1)
    }

    fn push_type(&mut self, t: TyId, d: DebugType) -> u32 {
        let types = &mut self.b.func.debug.types;
        types.push(d);
        let i = types.len() as u32 - 1;
        self.debug_types.insert(t, i);
        i
    }
}

/// A record type with the members whose types could be described.
fn record<const N: usize>(name: String, size: u32, members: [(&str, u32, Option<u32>); N]) -> DebugType {
    let members = members.into_iter().filter_map(|(n, offset, ty)| Some(DebugMember { name: n.to_string(), offset, ty: ty? })).collect();
    DebugType::Struct { name, size, members }
}
