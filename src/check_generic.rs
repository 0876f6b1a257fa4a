//! Generics by monomorphization: generic functions, generic structs, and
//! methods of generic structs.
//!
//! A generic function (or a method of a generic struct, or a method with
//! its own type parameters) is a `Template`, not a `FuncDecl`: nothing
//! lowers it. Its body is checked once with its type parameters standing
//! for the error type `TyKind::Err`, which every rule already accepts (it is
//! what makes one mistake report once): operations on them are permissive,
//! and a mistake that does not depend on the type arguments is reported even
//! if nothing calls the function. Every call infers the type arguments (from the
//! argument types, then from the expected type) and, once they are ground,
//! asks for the instance: a `FuncDecl` named like `first<int64>` whose item
//! is a fresh copy of the generic item (see `ast_copy`), checked like any
//! other function with the type parameter names bound to the ground types.
//! Instances are appended to `funcs`, so the checker's function loop is the
//! worklist; an instance's calls can request further instances.
//!
//! A generic struct's fields refer to its parameters as `Param(i, name)`;
//! an instance type `Struct(id, args)` gets its substituted field list from
//! `Types::instantiate_fields`. Generic enums work the same way (see
//! `check/enums.rs`).

use super::*;
use crate::ast_copy::Copier;
use std::collections::HashSet;

/// Limits on the instance count and on the nesting of a type argument:
/// polymorphic recursion (`f<T>` calling `f<T[]>`) would otherwise
/// instantiate forever.
const MAX_INSTANCES: usize = 10_000;
const MAX_TYPE_DEPTH: u32 = 40;

/// A generic function or method as declared.
pub(super) struct Template<'a> {
    pub item: &'a FuncItem<'a>,
    /// The name diagnostics call it by (`first`, `Maybe.bind` for a monad's).
    pub name: String,
    pub file: FileId,
    pub runtime: bool,
    /// The instance symbols start with this (`first`, `first.2` for a
    /// private function); a method's instances are named after their
    /// receiver type instead.
    pub symbol: String,
    /// Type parameter names in index order; a method's receiver struct's
    /// parameters come first, then the method's own.
    pub tparams: Vec<String>,
    /// A method's receiver struct.
    pub recv: Option<u32>,
    /// Parameter and result types, the type parameters abstract.
    pub params: Vec<TyId>,
    pub ret: TyId,
}

#[derive(Default)]
pub(super) struct Generics<'a> {
    pub templates: Vec<Template<'a>>,
    /// Function templates by name, with the visibility rules of `Globals`.
    pub global: HashMap<String, u32>,
    pub private: HashMap<(u32, String), u32>,
    pub runtime: HashMap<String, u32>,
    /// (struct id, method name) -> method template.
    pub methods: HashMap<(u32, String), u32>,
    /// (template, type arguments) -> instance function.
    pub instances: HashMap<(u32, Vec<TyId>), u32>,
    /// The type parameter bindings each instance's body is checked under.
    pub env: HashMap<u32, Vec<(String, TyId)>>,
    /// Checking a template or an instance body: one body is checked several
    /// times, so each diagnostic is reported once.
    pub in_generic: bool,
    /// Checking a template body: its calls do not instantiate anything.
    pub in_template: bool,
    pub seen: HashSet<(u32, u32, u32, String)>,
    pub overflowed: bool,
}

impl<'a, 'd> Checker<'a, 'd> {
    // ----- declarations -------------------------------------------------

    /// The abstract type of each type parameter name, indices in order.
    pub(super) fn param_env(&mut self, names: &[String]) -> Vec<(String, TyId)> {
        names.iter().enumerate().map(|(i, n)| (n.clone(), self.types.intern(TyKind::Param(i as u32, n.clone())))).collect()
    }

    /// Resolves types with `env` naming the type parameters.
    pub(super) fn with_tparams<R>(&mut self, env: Vec<(String, TyId)>, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = std::mem::replace(&mut self.tparams, env);
        let r = f(self);
        self.tparams = saved;
        r
    }

    /// A generic struct's field types, resolved with its parameters abstract.
    pub(super) fn generic_struct_fields(&mut self, st: &StructItem<'a>) -> Vec<TyId> {
        let names: Vec<String> = st.generics.iter().map(|g| g.name.to_string()).collect();
        let env = self.param_env(&names);
        self.with_tparams(env, |c| st.fields.iter().map(|f| c.resolve_type(f.ty)).collect())
    }

    /// Whether a function template is declared under `name` for file `fi`.
    pub(super) fn template_taken(&self, fi: u32, runtime: bool, name: &str) -> bool {
        if runtime {
            self.gen.runtime.contains_key(name)
        } else {
            self.gen.global.contains_key(name) || self.gen.private.contains_key(&(fi, name.to_string()))
        }
    }

    pub(super) fn declare_template(&mut self, fi: u32, f: &ParsedFile<'a>, func: &'a FuncItem<'a>) {
        let name = func.name.name;
        if func.is_async {
            self.err(func.span, "an async func cannot take type parameters");
            return;
        }
        if func.vis == Visibility::ExportC {
            self.err(func.span, "an exported C function cannot be generic");
            return;
        }
        let exported = func.vis != Visibility::Private || f.is_root;
        let symbol = if f.runtime || exported { name.to_string() } else { format!("{}.{}", name, fi) };
        let taken = if f.runtime { self.g.runtime.contains_key(name) } else { self.g.global.contains_key(name) || self.g.private.contains_key(&(fi, name.to_string())) };
        if taken || self.template_taken(fi, f.runtime, name) {
            self.err(func.name.span, format!("duplicate definition of '{}'", name));
            return;
        }
        let tparams: Vec<String> = func.generics.iter().map(|g| g.name.to_string()).collect();
        let tid = self.push_template(func, f, symbol, tparams, None);
        if f.runtime {
            self.gen.runtime.insert(name.to_string(), tid);
        } else if exported {
            self.gen.global.insert(name.to_string(), tid);
        } else {
            self.gen.private.insert((fi, name.to_string()), tid);
        }
    }

    /// A method of a generic struct, or a method with its own type parameters.
    pub(super) fn declare_method_template(&mut self, f: &ParsedFile<'a>, sid: u32, m: &'a FuncItem<'a>) {
        let mut tparams = self.types.structs[sid as usize].generics.clone();
        tparams.extend(m.generics.iter().map(|g| g.name.to_string()));
        let symbol = self.types.structs[sid as usize].name.clone();
        let tid = self.push_template(m, f, symbol, tparams, Some(sid));
        self.gen.methods.insert((sid, m.name.name.to_string()), tid);
    }

    pub(super) fn push_template(&mut self, func: &'a FuncItem<'a>, f: &ParsedFile<'a>, symbol: String, tparams: Vec<String>, recv: Option<u32>) -> u32 {
        let env = self.param_env(&tparams);
        let (params, ret) = self.with_tparams(env, |c| {
            let params: Vec<TyId> = func.params.iter().map(|p| c.resolve_type(p.ty)).collect();
            (params, c.resolve_type(func.ret))
        });
        self.refuse_interface_return(ret, func.ret.span);
        let tid = self.gen.templates.len() as u32;
        self.gen.templates.push(Template { item: func, name: func.name.name.to_string(), file: f.ast.file, runtime: f.runtime, symbol, tparams, recv, params, ret });
        tid
    }

    pub(super) fn lookup_template(&self, cx: &FnCx, name: &str) -> Option<u32> {
        if cx.runtime {
            if let Some(&t) = self.gen.runtime.get(name) {
                return Some(t);
            }
        }
        for ((_, n), &t) in self.gen.private.iter() {
            if n == name && self.gen.templates[t as usize].file == cx.file {
                return Some(t);
            }
        }
        self.gen.global.get(name).copied()
    }

    /// `Box<int64>`: a struct type with its type arguments checked.
    pub(super) fn struct_type(&mut self, id: u32, name: &Ident, args: &[Type], span: Span) -> TyId {
        let want = self.types.structs[id as usize].generics.len();
        for a in args {
            if let TypeKind::Named { name, .. } = &a.kind {
                if self.interfaces.contains(name.name) && !self.tparams.iter().any(|(n, _)| n == name.name) {
                    self.err(a.span, "an interface cannot be a generic type argument; generics are monomorphized over concrete types");
                    return prim::ERR;
                }
            }
        }
        if args.len() != want {
            if want == 0 {
                self.err(span, format!("'{}' takes no type arguments", name.name));
            } else {
                self.err(span, format!("'{}' takes {} type argument(s), found {}", name.name, want, args.len()));
            }
            return prim::ERR;
        }
        let targs: Vec<TyId> = args.iter().map(|a| self.resolve_type(a)).collect();
        if targs.contains(&prim::ERR) {
            return prim::ERR;
        }
        self.types.intern(TyKind::Struct(id, targs))
    }

    /// A type parameter in scope named `name`, bound (in an instance) or abstract.
    pub(super) fn tparam(&self, name: &str) -> Option<TyId> {
        self.tparams.iter().rev().find(|(n, _)| n == name).map(|(_, t)| *t)
    }

    // ----- bodies -------------------------------------------------------

    /// Checks every template body once, permissively: its type parameters
    /// stand for the error type.
    pub(super) fn check_templates(&mut self, files: &[ParsedFile<'a>]) {
        for tid in 0..self.gen.templates.len() {
            let t = &self.gen.templates[tid];
            let (item, file, runtime, recv) = (t.item, t.file, t.runtime, t.recv);
            let (names, tparams, tret) = (t.tparams.clone(), t.params.clone(), t.ret);
            let Some(f) = files.iter().find(|f| f.ast.file == file) else { continue };
            let par = paradigms(&f.ast, &mut Diagnostics::new(), runtime);
            let open = vec![prim::ERR; names.len()];
            let saved = (self.gen.in_generic, self.gen.in_template);
            self.gen.in_generic = true;
            self.gen.in_template = true;
            let params: Vec<TyId> = tparams.iter().map(|&p| {
                let t = self.types.subst(p, &open);
                self.open_in_template(t)
            }).collect();
            let t = self.types.subst(tret, &open);
            let ret = self.open_in_template(t);
            let env: Vec<(String, TyId)> = names.into_iter().map(|n| (n, prim::ERR)).collect();
            let receiver = recv.map(|sid| {
                let n = self.types.structs[sid as usize].generics.len();
                self.types.intern(TyKind::Struct(sid, open[..n].to_vec()))
            });
            self.with_tparams(env, |c| c.check_body(None, item, file, &params, ret, receiver, &par, runtime));
            (self.gen.in_generic, self.gen.in_template) = saved;
        }
    }

    /// The instance of template `tid` at ground type arguments `args`,
    /// created (and queued for checking) on first use.
    pub(super) fn instance(&mut self, tid: u32, args: Vec<TyId>, span: Span) -> Option<u32> {
        if let Some(&f) = self.gen.instances.get(&(tid, args.clone())) {
            return Some(f);
        }
        if args.iter().any(|&t| matches!(self.types.kind(t), TyKind::Interface(..))) {
            self.err(span, "an interface cannot be a generic type argument; generics are monomorphized over concrete types");
            return None;
        }
        if self.gen.instances.len() >= MAX_INSTANCES || args.iter().any(|&t| self.type_depth(t) > MAX_TYPE_DEPTH) {
            if !self.gen.overflowed {
                self.gen.overflowed = true;
                self.err(span, "generic instantiation does not terminate: each instance asks for a larger one");
            }
            return None;
        }
        let t = &self.gen.templates[tid as usize];
        let (item, file, runtime, recv, names, base) = (t.item, t.file, t.runtime, t.recv, t.tparams.clone(), t.symbol.clone());
        let (tparams, tret) = (t.params.clone(), t.ret);
        let copy = Copier { arena: self.arena }.func(item);
        let params: Vec<TyId> = tparams.iter().map(|&p| self.types.subst(p, &args)).collect();
        let ret = self.types.subst(tret, &args);
        let shown = |c: &Self, ts: &[TyId]| ts.iter().map(|&t| c.tyname(t)).collect::<Vec<_>>().join(",");
        let (symbol, receiver) = match recv {
            Some(sid) => {
                let n = self.types.structs[sid as usize].generics.len();
                let rt = self.types.intern(TyKind::Struct(sid, args[..n].to_vec()));
                let own = if n < args.len() { format!("<{}>", shown(self, &args[n..])) } else { String::new() };
                (format!("{}.{}{}", self.tyname(rt), item.name.name, own), Some(rt))
            }
            None => (format!("{}<{}>", base, shown(self, &args)), None),
        };
        let id = self.funcs.len() as u32;
        self.funcs.push(FuncDecl { item: copy, file, symbol, params, ret, locals: Vec::new(), receiver, runtime, lambdas: Vec::new() });
        self.gen.instances.insert((tid, args.clone()), id);
        self.gen.env.insert(id, names.into_iter().zip(args).collect());
        Some(id)
    }

    /// No type parameter and no error inside: a type an instance can take.
    pub(super) fn ground(&self, t: TyId) -> bool {
        match self.types.kind(t) {
            TyKind::Param(..) | TyKind::Err => false,
            TyKind::RawPtr(e) | TyKind::Ptr(e) | TyKind::Slice(e) | TyKind::Array(e, _) => self.ground(*e),
            TyKind::Tuple(ts) | TyKind::Struct(_, ts) | TyKind::Enum(_, ts) | TyKind::Interface(_, ts) => ts.iter().all(|&e| self.ground(e)),
            TyKind::Func(ps, r) => ps.iter().all(|&e| self.ground(e)) && self.ground(*r),
            _ => true,
        }
    }

    fn type_depth(&self, t: TyId) -> u32 {
        let inner = match self.types.kind(t) {
            TyKind::RawPtr(e) | TyKind::Ptr(e) | TyKind::Slice(e) | TyKind::Array(e, _) => self.type_depth(*e),
            TyKind::Tuple(ts) | TyKind::Struct(_, ts) | TyKind::Enum(_, ts) | TyKind::Interface(_, ts) => ts.iter().map(|&e| self.type_depth(e)).max().unwrap_or(0),
            TyKind::Func(ps, r) => ps.iter().map(|&e| self.type_depth(e)).max().unwrap_or(0).max(self.type_depth(*r)),
            _ => 0,
        };
        inner + 1
    }

    /// Binds the type parameters `p` mentions by matching it against the
    /// actual type `a` (first binding wins; a mismatch is left to the
    /// assignability check that follows).
    pub(super) fn unify(&self, p: TyId, a: TyId, binds: &mut [Option<TyId>]) {
        if a == prim::ERR {
            return;
        }
        match (self.types.kind(p), self.types.kind(a)) {
            (TyKind::Param(i, _), _) => {
                if let Some(b) = binds.get_mut(*i as usize) {
                    if b.is_none() {
                        *b = Some(a);
                    }
                }
            }
            (TyKind::RawPtr(x), TyKind::RawPtr(y))
            | (TyKind::Ptr(x), TyKind::Ptr(y))
            | (TyKind::Slice(x), TyKind::Slice(y))
            | (TyKind::Slice(x), TyKind::Array(y, _))
            | (TyKind::Array(x, _), TyKind::Array(y, _)) => self.unify(*x, *y, binds),
            (TyKind::Tuple(xs), TyKind::Tuple(ys)) if xs.len() == ys.len() => {
                for (x, y) in xs.iter().zip(ys) {
                    self.unify(*x, *y, binds);
                }
            }
            (TyKind::Func(xs, r), TyKind::Func(ys, s)) if xs.len() == ys.len() => {
                for (x, y) in xs.iter().zip(ys) {
                    self.unify(*x, *y, binds);
                }
                self.unify(*r, *s, binds);
            }
            (TyKind::Struct(i, xs), TyKind::Struct(j, ys)) | (TyKind::Enum(i, xs), TyKind::Enum(j, ys)) if i == j && xs.len() == ys.len() => {
                for (x, y) in xs.iter().zip(ys) {
                    self.unify(*x, *y, binds);
                }
            }
            _ => {}
        }
    }

    /// `p` with the bound parameters substituted, if that makes it ground:
    /// the expected type an argument is checked against.
    fn hint(&mut self, p: TyId, binds: &[Option<TyId>], abstract_: &[TyId]) -> Option<TyId> {
        let args: Vec<TyId> = binds.iter().zip(abstract_).map(|(b, a)| b.unwrap_or(*a)).collect();
        let t = self.types.subst(p, &args);
        (!self.types.has_param(t)).then_some(t)
    }

    /// Infers type arguments for `params` from `values` (non-literals first,
    /// then the expected type `ret`/`expected`, then bare literals, which
    /// adapt to what is known by then, and last the payload-less variants of
    /// generic enums, which know nothing themselves; see `context_rank`).
    /// Returns each value's type.
    fn infer(&mut self, cx: &mut FnCx, params: &[TyId], values: &[&'a Expr<'a>], ret: Option<(TyId, TyId)>, binds: &mut [Option<TyId>], abstract_: &[TyId]) -> Vec<TyId> {
        if let Some(tys) = self.infer_do_bind(cx, params, values, ret, binds) {
            return tys;
        }
        let mut tys = vec![prim::ERR; values.len()];
        for rank in 0..3 {
            if rank == 1 {
                if let Some((r, x)) = ret {
                    self.unify(r, x, binds);
                }
            }
            for (i, v) in values.iter().enumerate() {
                if self.context_rank(cx, v) != rank || monads::is_hole_lambda(v) {
                    continue;
                }
                let p = params.get(i).copied().unwrap_or(prim::ERR);
                if p == prim::ERROR {
                    self.mark_handled(cx, v);
                }
                let h = if p == prim::ERR { None } else { self.hint(p, binds, abstract_) };
                tys[i] = self.expr(cx, v, h);
                if p != prim::ERR {
                    self.unify(p, tys[i], binds);
                }
            }
        }
        // Last, lambdas with type holes (a `do` continuation): they take
        // what is known by now, and their bodies pin the rest.
        for (i, v) in values.iter().enumerate() {
            if !monads::is_hole_lambda(v) {
                continue;
            }
            let p = params.get(i).copied().unwrap_or(prim::ERR);
            let known: Vec<TyId> = binds.iter().map(|b| b.unwrap_or(prim::ERR)).collect();
            let h = self.types.subst(p, &known);
            tys[i] = self.expr(cx, v, Some(h));
            if p != prim::ERR {
                self.unify(p, tys[i], binds);
            }
        }
        tys
    }

    /// Reports the first type parameter nothing pinned; the ground list otherwise.
    fn all_bound(&mut self, binds: &[Option<TyId>], names: &[String], what: &str, span: Span) -> Option<Vec<TyId>> {
        if let Some(i) = binds.iter().position(|b| b.is_none()) {
            if self.gen.in_template {
                // An argument typed by an open type parameter pins nothing here.
                return None;
            }
            self.err(span, format!("cannot infer the type parameter '{}' for '{}'; add an annotation that pins it", names[i], what));
            return None;
        }
        Some(binds.iter().map(|b| b.unwrap()).collect())
    }

    /// A call of template `tid`; `recv_args` are the receiver's type
    /// arguments for a method of a generic struct.
    pub(super) fn call_template(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, tid: u32, args: &'a [Expr<'a>], expected: Option<TyId>, recv_args: &[TyId]) -> TyId {
        let t = &self.gen.templates[tid as usize];
        let (params, ret, names, fname, is_method) = (t.params.clone(), t.ret, t.tparams.clone(), t.name.clone(), t.recv.is_some());
        if args.len() != params.len() {
            self.err(e.span, format!("expected {} argument(s), found {}", params.len(), args.len()));
            for a in args {
                self.expr(cx, a, None);
            }
            return prim::ERR;
        }
        let abstract_: Vec<TyId> = self.param_env(&names).into_iter().map(|e| e.1).collect();
        let mut binds: Vec<Option<TyId>> = vec![None; names.len()];
        for (b, &a) in binds.iter_mut().zip(recv_args) {
            *b = Some(a);
        }
        let values: Vec<&'a Expr<'a>> = args.iter().collect();
        let want_ret = expected.filter(|&x| x != prim::ERR).map(|x| (ret, x));
        let tys = self.infer(cx, &params, &values, want_ret, &mut binds, &abstract_);
        if tys.contains(&prim::ERR) && binds.iter().any(|b| b.is_none()) {
            return prim::ERR;
        }
        let Some(targs) = self.all_bound(&binds, &names, &fname, e.span) else { return prim::ERR };
        for (i, (&p, &t)) in params.iter().zip(&tys).enumerate() {
            let want = self.types.subst(p, &targs);
            if !self.assignable(t, want) {
                self.err(args[i].span, format!("argument {} has the wrong type", i + 1));
            }
        }
        let rt = self.types.subst(ret, &targs);
        if !self.gen.in_template && targs.iter().all(|&t| self.ground(t)) {
            self.channel_instance(tid, &targs, e.span);
            if let Some(f) = self.instance(tid, targs, e.span) {
                self.info.calls.insert(key(e), if is_method { CallRes::Method(f) } else { CallRes::Func(f) });
            }
        }
        rt
    }

    /// Infers the type arguments of the generic type `what` (type parameters
    /// `names`) at a constructor: `values` are checked against the abstract
    /// `params`, after the expected type, if any, is matched against the
    /// constructed type `ret`. For struct literals, and for the variant
    /// constructors of generic enums. Returns the ground type arguments and
    /// each value's type; None once something is reported.
    pub(super) fn infer_type_args(&mut self, cx: &mut FnCx, names: &[String], what: &str, params: &[TyId], values: &[&'a Expr<'a>], ret: TyId, expected: Option<TyId>, span: Span) -> Option<(Vec<TyId>, Vec<TyId>)> {
        let abstract_: Vec<TyId> = self.param_env(names).into_iter().map(|e| e.1).collect();
        let mut binds: Vec<Option<TyId>> = vec![None; names.len()];
        if let Some(x) = expected {
            self.unify(ret, x, &mut binds);
        }
        let tys = self.infer(cx, params, values, None, &mut binds, &abstract_);
        if tys.contains(&prim::ERR) && binds.iter().any(|b| b.is_none()) {
            return None;
        }
        let targs = self.all_bound(&binds, names, what, span)?;
        Some((targs, tys))
    }

    /// `Box { v: 5 }` of a generic struct: the type arguments come from the
    /// expected type, then from the field values.
    pub(super) fn generic_struct_literal(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, id: u32, fields: &'a [FieldInit<'a>], expected: Option<TyId>) -> TyId {
        let def = self.types.structs[id as usize].clone();
        let mut params = Vec::new();
        let mut values = Vec::new();
        for f in fields {
            match def.field(f.name.name) {
                Some((_, ft)) => params.push(ft),
                None => {
                    self.err(f.name.span, format!("'{}' has no field '{}'", def.name, f.name.name));
                    params.push(prim::ERR);
                }
            }
            values.push(f.value);
        }
        for (fname, _) in &def.fields {
            if !fields.iter().any(|f| f.name.name == fname) {
                self.err(e.span, format!("'{}' is missing field '{}'", def.name, fname));
            }
        }
        let abstract_ = self.param_env(&def.generics).into_iter().map(|e| e.1).collect();
        let decl_ty = self.types.intern(TyKind::Struct(id, abstract_));
        let Some((targs, tys)) = self.infer_type_args(cx, &def.generics, &def.name, &params, &values, decl_ty, expected, e.span) else { return prim::ERR };
        for ((f, &p), &t) in fields.iter().zip(&params).zip(&tys) {
            let want = self.types.subst(p, &targs);
            if p != prim::ERR && !self.assignable(t, want) {
                self.err(f.value.span, format!("field '{}' of '{}' has the wrong type", f.name.name, def.name));
            }
        }
        let ty = self.types.intern(TyKind::Struct(id, targs));
        self.types.instantiate_fields(ty);
        ty
    }

    /// A method of a generic struct (or a generic method) called on a value
    /// of struct type `bt`; None if `name` is no such method.
    pub(super) fn generic_method_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, sid: u32, bt: TyId, name: &Ident, args: &'a [Expr<'a>], expected: Option<TyId>) -> Option<TyId> {
        let &tid = self.gen.methods.get(&(sid, name.name.to_string()))?;
        let recv_args = match self.types.kind(bt) {
            TyKind::Struct(_, xs) => xs.clone(),
            _ => Vec::new(),
        };
        Some(self.call_template(cx, e, tid, args, expected, &recv_args))
    }

    /// Makes sure a printed generic struct's `toString` instance exists (the
    /// lowering finds it by receiver type); false if it has none.
    pub(super) fn generic_to_string(&mut self, t: TyId, span: Span) -> bool {
        let TyKind::Struct(sid, args) = self.types.kind(t).clone() else { return false };
        let Some(&tid) = self.gen.methods.get(&(sid, "toString".to_string())) else { return false };
        if !self.gen.in_template && self.ground(t) && self.gen.templates[tid as usize].tparams.len() == args.len() {
            self.instance(tid, args, span);
        }
        true
    }

    /// Field `f` of struct type `bt`, a generic instance's type arguments substituted.
    pub(super) fn struct_field_of(&mut self, bt: TyId, f: &str) -> Option<(usize, TyId)> {
        self.types.instantiate_fields(bt);
        let (i, t) = self.types.struct_field(bt, f)?;
        Some((i, self.open_in_template(t)))
    }

    /// In a template body a type made with an open type parameter (`T[]`,
    /// `*raw T`) is itself open: the error type, accepted everywhere, rather
    /// than a compound that would not match its like.
    pub(super) fn open_in_template(&self, t: TyId) -> TyId {
        if self.gen.in_template && t != prim::ERR && self.mentions_err(t) {
            prim::ERR
        } else {
            t
        }
    }

    fn mentions_err(&self, t: TyId) -> bool {
        match self.types.kind(t) {
            TyKind::Err => true,
            TyKind::RawPtr(e) | TyKind::Ptr(e) | TyKind::Slice(e) | TyKind::Array(e, _) => self.mentions_err(*e),
            TyKind::Tuple(ts) | TyKind::Struct(_, ts) | TyKind::Enum(_, ts) | TyKind::Interface(_, ts) => ts.iter().any(|&e| self.mentions_err(e)),
            TyKind::Func(ps, r) => ps.iter().any(|&e| self.mentions_err(e)) || self.mentions_err(*r),
            _ => false,
        }
    }

    /// Reports `msg` unless this generic body already reported it.
    pub(super) fn first_report(&mut self, span: Span, msg: &str) -> bool {
        !self.gen.in_generic || self.gen.seen.insert((span.file.0, span.lo, span.hi, msg.to_string()))
    }
}
