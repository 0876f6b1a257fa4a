//! Interfaces and dynamic dispatch (spec 3.12, `@paradigm oop`).
//!
//! An interface is a list of method signatures; its index in the list is
//! the method's vtable slot. `impl I for S` must provide each of them with
//! the declared signature: the vtable slot is then the method `S.m` itself,
//! whose receiver is already a pointer (the box's data pointer). A struct
//! value converts implicitly to an interface it implements wherever a value
//! of the interface type is expected (`assignable`); the lowering boxes it.
//!
//! The box lives in the frame, so an interface value must not outlive it:
//! no function returns one, at any depth of its result type. Boxing inside
//! a tuple literal is refused too, and a slice of concrete structs is never
//! reinterpreted as a slice of interfaces (each element would need boxing).

use super::*;
use crate::types::{InterfaceDef, MethodSigDef};

/// One complete `impl I for S`: the vtable the lowering emits, its method
/// symbols in slot order.
#[derive(Clone, Debug)]
pub struct VTable {
    pub symbol: String,
    pub slots: Vec<String>,
}

/// The link symbol of the vtable of `impl I for S`.
pub fn vtable_symbol(iface: &str, st: &str) -> String {
    format!("vtable.{}.{}", iface, st)
}

#[derive(Default)]
pub(super) struct Ifaces<'a> {
    by_name: HashMap<String, u32>,
    items: Vec<&'a InterfaceItem<'a>>,
    /// (interface, struct) of every `impl I for S` head seen.
    impls: HashSet<(u32, u32)>,
}

const RETURN_MSG: &str = "returning an interface value is not supported; return the concrete type or a pointer to it";

impl<'a, 'd> Checker<'a, 'd> {
    // ----- declarations -------------------------------------------------

    /// Registers an interface's name (its methods are resolved once every
    /// type name is known, by `define_interfaces`).
    pub(super) fn declare_interface(&mut self, it: &'a InterfaceItem<'a>) {
        if self.ifaces.by_name.contains_key(it.name.name) {
            self.err(it.name.span, format!("duplicate definition of '{}'", it.name.name));
            return;
        }
        let id = self.types.interfaces.len() as u32;
        let generics = it.generics.iter().map(|g| g.name.to_string()).collect();
        self.types.interfaces.push(InterfaceDef { name: it.name.name.to_string(), generics, methods: Vec::new() });
        self.ifaces.by_name.insert(it.name.name.to_string(), id);
        self.ifaces.items.push(it);
    }

    /// Resolves every interface's method signatures.
    pub(super) fn define_interfaces(&mut self) {
        for id in 0..self.ifaces.items.len() {
            let it = self.ifaces.items[id];
            let name = it.name.name;
            if self.structs.contains_key(name) || self.enums.contains_key(name) || Types::primitive(name).is_some() {
                self.err(it.name.span, format!("duplicate definition of '{}'", name));
            }
            let names = self.types.interfaces[id].generics.clone();
            let env = names.iter().enumerate().map(|(i, n)| (n.clone(), self.types.intern(TyKind::Param(i as u32, n.clone())))).collect();
            let methods = self.with_tparams(env, |c| {
                let mut methods: Vec<MethodSigDef> = Vec::new();
                for m in it.methods {
                    if methods.iter().any(|d| d.name == m.name.name) {
                        c.err(m.name.span, format!("duplicate method '{}' in interface '{}'", m.name.name, name));
                        continue;
                    }
                    let params = m.params.iter().map(|p| c.resolve_type(p.ty)).collect();
                    let ret = c.resolve_type(m.ret);
                    c.refuse_interface_return(ret, m.ret.span);
                    methods.push(MethodSigDef { name: m.name.name.to_string(), params, ret });
                }
                methods
            });
            self.types.interfaces[id].methods = methods;
        }
    }

    /// The type a name written as a type denotes if it names an interface.
    pub(super) fn interface_type(&mut self, name: &Ident, args: &[Type], span: Span) -> Option<TyId> {
        let &id = self.ifaces.by_name.get(name.name)?;
        if !self.types.interfaces[id as usize].generics.is_empty() {
            // The spec leaves generic interfaces' semantics open.
            self.err(span, "not supported yet: values of a generic interface");
            return Some(prim::ERR);
        }
        if !args.is_empty() {
            self.err(span, format!("'{}' takes no type arguments", name.name));
        }
        Some(self.types.intern(TyKind::Interface(id, vec![])))
    }

    /// The head of `impl I for S` (struct `sid`): reports an unknown
    /// interface; false for a second impl of the same pair, whose methods
    /// are then not declared again.
    pub(super) fn impl_head(&mut self, im: &ImplItem<'a>, sid: u32) -> bool {
        let Some(i) = &im.interface else { return true };
        let Some(&iid) = self.ifaces.by_name.get(i.name) else {
            if self.structs.contains_key(i.name) || self.enums.contains_key(i.name) {
                self.err(i.span, format!("'{}' is not an interface; 'impl {} for {}' needs an interface name", i.name, i.name, im.target.name));
            } else {
                self.err(i.span, format!("unknown interface '{}'; no interface of that name is declared or imported", i.name));
            }
            return true;
        };
        if !self.ifaces.impls.insert((iid, sid)) {
            self.err(i.span, format!("duplicate 'impl {} for {}'; merge the two blocks", i.name, im.target.name));
            return false;
        }
        true
    }

    /// After the methods of `impl I for S` are declared: every interface
    /// method is present with the declared signature; if so, the pair gets
    /// its vtable.
    pub(super) fn impl_complete(&mut self, im: &'a ImplItem<'a>, sid: u32) {
        let Some(i) = &im.interface else { return };
        let Some(&iid) = self.ifaces.by_name.get(i.name) else { return };
        let def = self.types.interfaces[iid as usize].clone();
        let (iname, sname) = (i.name, im.target.name);
        // A generic struct's methods are templates: its impl is checked
        // by name and arity, and has no vtable (boxing one is refused).
        let generic = !self.types.structs[sid as usize].generics.is_empty() || !def.generics.is_empty();
        let mut slots = Vec::new();
        let mut ok = true;
        for sig in &def.methods {
            let Some(m) = im.methods.iter().find(|m| m.name.name == sig.name) else {
                self.err(i.span, format!("impl {} for {} is missing method '{}'", iname, sname, sig.name));
                ok = false;
                continue;
            };
            if m.params.len() != sig.params.len() {
                let msg = format!("method '{}' in impl {} for {} has {} parameter(s), the interface requires {}", sig.name, iname, sname, m.params.len(), sig.params.len());
                self.err(m.name.span, msg);
                ok = false;
                continue;
            }
            if generic {
                continue;
            }
            // The method declared under this name (a duplicate was reported).
            let Some(&f) = self.methods.get(&(sid, sig.name.clone())) else {
                ok = false;
                continue;
            };
            let (params, ret) = (self.funcs[f as usize].params.clone(), self.funcs[f as usize].ret);
            if params != sig.params || ret != sig.ret {
                let have = self.signature_text(&params, ret);
                let want = self.signature_text(&sig.params, sig.ret);
                self.err(m.name.span, format!("method '{}' in impl {} for {} has the signature {}, the interface requires {}", sig.name, iname, sname, have, want));
                ok = false;
                continue;
            }
            slots.push(self.funcs[f as usize].symbol.clone());
        }
        if ok && !generic {
            self.info.vtables.push(VTable { symbol: vtable_symbol(iname, sname), slots });
        }
    }

    fn signature_text(&self, params: &[TyId], ret: TyId) -> String {
        let ps: Vec<String> = params.iter().map(|&p| self.tyname(p)).collect();
        format!("({}) -> {}", ps.join(", "), self.tyname(ret))
    }

    /// A function may not return an interface value, bare or anywhere
    /// inside its result (tuple member, struct field, enum payload, array
    /// element, pointee): the box it views lives in the returning frame.
    pub(super) fn refuse_interface_return(&mut self, ret: TyId, span: Span) {
        if self.holds_interface(ret, &mut Vec::new()) {
            self.err(span, RETURN_MSG);
        }
    }

    fn holds_interface(&mut self, t: TyId, seen: &mut Vec<TyId>) -> bool {
        if seen.contains(&t) {
            return false;
        }
        seen.push(t);
        match self.types.kind(t).clone() {
            TyKind::Interface(..) => true,
            TyKind::Ptr(e) | TyKind::RawPtr(e) | TyKind::Array(e, _) => self.holds_interface(e, seen),
            TyKind::Tuple(ts) => ts.iter().any(|&m| self.holds_interface(m, seen)),
            TyKind::Struct(..) => {
                self.types.instantiate_fields(t);
                let fs: Vec<TyId> = self.types.struct_fields(t).iter().map(|f| f.1).collect();
                fs.into_iter().any(|m| self.holds_interface(m, seen))
            }
            TyKind::Enum(..) => {
                let n = self.types.enum_def(t).map_or(0, |d| d.variants.len()) as u32;
                (0..n).any(|v| self.types.variant_fields(t, v).into_iter().any(|m| self.holds_interface(m, seen)))
            }
            _ => false,
        }
    }

    // ----- conversions ----------------------------------------------------

    /// Whether the struct type `v` converts to the interface type `t`.
    pub(super) fn implements(&self, v: TyId, t: TyId) -> bool {
        match (self.types.kind(v), self.types.kind(t)) {
            (TyKind::Struct(sid, _), TyKind::Interface(iid, _)) => self.ifaces.impls.contains(&(*iid, *sid)),
            _ => false,
        }
    }

    /// Whether a value of type `v` converts to the interface type `t` by boxing.
    pub(super) fn boxes_into(&self, v: TyId, t: TyId) -> bool {
        matches!(self.types.kind(t), TyKind::Interface(..)) && self.implements(v, t)
    }

    /// A tuple literal's member of type `t` where the member type `want` is
    /// an interface: boxing there is refused.
    pub(super) fn tuple_member_box(&mut self, t: TyId, want: TyId, span: Span) {
        if matches!(self.types.kind(t), TyKind::Struct(..)) && matches!(self.types.kind(want), TyKind::Interface(..)) {
            self.err(span, "an interface value inside a tuple is not supported; return or pass the concrete type, or box it outside the tuple");
        }
    }

    /// The conversions to an interface that are refused where the value
    /// meets its expected type: a generic struct instance (its methods are
    /// instantiated on demand, with no vtable), and a slice (or array) of
    /// structs where a slice of interfaces is expected, at any depth of
    /// slice nesting. Reported; the result then has the error type, so the
    /// caller's own mismatch stays quiet.
    pub(super) fn check_conversion(&mut self, e: &Expr, t: TyId, expected: Option<TyId>) -> TyId {
        let Some(w) = expected else { return t };
        if matches!(self.types.kind(t), TyKind::Struct(_, a) if !a.is_empty()) && self.boxes_into(t, w) {
            let (sn, iname) = (self.tyname(t), self.tyname(w));
            self.err(e.span, format!("not supported yet: boxing the generic struct '{}' into the interface '{}'", sn, iname));
            return prim::ERR;
        }
        let Some((s, i)) = self.covariant_pair(t, w) else { return t };
        let (sn, iname) = (self.tyname(s), self.tyname(i));
        self.err(e.span, format!("cannot pass a slice of '{}' as a slice of interface '{}'; a slice of concrete values cannot be reinterpreted as a slice of interfaces", sn, iname));
        prim::ERR
    }

    fn covariant_pair(&self, t: TyId, w: TyId) -> Option<(TyId, TyId)> {
        let (TyKind::Slice(a) | TyKind::Array(a, _), TyKind::Slice(b)) = (self.types.kind(t), self.types.kind(w)) else { return None };
        let (a, b) = (*a, *b);
        match (self.types.kind(a), self.types.kind(b)) {
            (TyKind::Struct(..), TyKind::Interface(..)) => Some((a, b)),
            _ => self.covariant_pair(a, b),
        }
    }

    // ----- uses -----------------------------------------------------------

    /// `x.m(args)` on a value of interface type: a call through slot `m`
    /// of its vtable.
    pub(super) fn iface_method_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, iid: u32, name: &Ident, args: &'a [Expr<'a>]) -> TyId {
        let def = &self.types.interfaces[iid as usize];
        let Some(slot) = def.method(name.name) else {
            let n = def.name.clone();
            self.err(name.span, format!("'{}' has no method '{}'", n, name.name));
            for a in args {
                self.expr(cx, a, None);
            }
            return prim::ERR;
        };
        let sig = def.methods[slot].clone();
        self.args_against(cx, args, &sig.params, e.span, None);
        self.info.calls.insert(key(e), CallRes::Dynamic(slot as u32));
        sig.ret
    }

    /// An interface value prints through its `toString() -> string`.
    pub(super) fn printable_iface(&mut self, iid: u32, span: Span) {
        let def = &self.types.interfaces[iid as usize];
        let ok = def.method("toString").map_or(false, |s| def.methods[s].params.is_empty() && def.methods[s].ret == prim::STR);
        if !ok {
            let n = def.name.clone();
            self.err(span, format!("cannot print the interface '{}'; it has no 'toString() -> string' method", n));
        }
    }
}
