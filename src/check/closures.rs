//! Lambdas, closures, function values and the functional builtins.
//!
//! A lambda is checked inside the function that contains it: its parameters
//! and body locals join that function's locals table, so a name the body
//! reads resolves against the scopes open where the lambda is written. A
//! local of an enclosing function (or enclosing lambda) read by the body is a
//! *capture*: the lowering copies it into the lambda's environment when the
//! lambda expression is evaluated, so the body may read it but never write
//! it. Each lambda becomes a `LambdaDecl` of its top-level function, which
//! the lowering lifts to a function of its own.
//!
//! The environment of a capturing lambda lives in the frame that evaluated
//! the lambda, so such a closure must not outlive that frame: the escape
//! analysis (src/escape.rs) rejects one that does.

use super::*;

/// A lambda literal, lifted by the lowering to the function `symbol` taking
/// (hidden result pointer, environment pointer, parameters...).
pub struct LambdaDecl<'a> {
    pub lambda: &'a Lambda<'a>,
    pub symbol: String,
    pub params: Vec<TyId>,
    pub ret: TyId,
    /// Locals of enclosing frames the body reads, in the order the
    /// environment lays them out (a C record of their types).
    pub captures: Vec<LocalId>,
}

/// The functional builtins (`@paradigm functional`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Functional {
    Map,
    Filter,
    Fold,
    Reduce,
    Foreach,
}

/// Lambda state of one top-level function's check.
pub(super) struct LambdaCx {
    /// The function whose body is being checked; None for a generic
    /// template's body, which is checked but never lowered.
    func: Option<u32>,
    /// The lambdas being checked, outermost first.
    frames: Vec<Frame>,
}

struct Frame {
    /// Locals numbered below this belong to enclosing frames.
    first_local: u32,
    /// The number of scopes open inside the lambda's body.
    body_depth: usize,
    captures: Vec<LocalId>,
}

impl LambdaCx {
    pub(super) fn new(func: Option<u32>) -> LambdaCx {
        LambdaCx { func, frames: Vec::new() }
    }

    /// The number of scopes open at the top level of the innermost function
    /// or lambda body.
    pub(super) fn body_depth(&self) -> usize {
        self.frames.last().map_or(1, |f| f.body_depth)
    }

    /// Whether a lambda body is being checked.
    pub(super) fn in_lambda(&self) -> bool {
        !self.frames.is_empty()
    }

    /// Whether `l` belongs to a frame enclosing the innermost lambda.
    pub(super) fn is_captured(&self, l: LocalId) -> bool {
        self.frames.last().map_or(false, |f| l.0 < f.first_local)
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    /// `lambda (params) -> R { body }`: a value of type `(params) -> R`.
    /// Type holes (from the `do` desugaring) take their types from `expected`.
    pub(super) fn lambda(&mut self, cx: &mut FnCx, l: &'a Lambda<'a>, expected: Option<TyId>) -> TyId {
        let (hints, ret_hint) = self.hole_hints(l, expected);
        let mut params = Vec::new();
        for (i, p) in l.params.iter().enumerate() {
            if p.using {
                self.err(p.span, "a lambda cannot take a using parameter; a lambda body has no ambient allocator, so allocate in the enclosing function or use the default heap");
            }
            params.push(self.lambda_param_type(l, i, &hints));
        }
        let open_result = Self::open_result(l, ret_hint);
        let mut ret = match ret_hint {
            Some(r) if !open_result => r,
            _ => self.resolve_type(l.ret),
        };
        for (p, &t) in l.params.iter().zip(&params) {
            self.reserved_binding(&p.name, t);
        }

        // The body sees the enclosing scopes (captures) but only its own loops.
        cx.lam.frames.push(Frame { first_local: cx.locals.len() as u32, body_depth: cx.scopes.len() + 1, captures: Vec::new() });
        let (outer_ret, outer_loops) = (cx.ret, cx.loops);
        cx.ret = ret;
        cx.loops = 0;
        cx.scopes.push(Vec::new());
        let own_saved = self.own.lambda_enter();
        for (p, &t) in l.params.iter().zip(&params) {
            let lid = self.declare(cx, &p.name, t, false, false);
            // A lambda's error parameter carries no must-handle obligation of its own.
            cx.locals[lid.0 as usize].error_unhandled = false;
            self.own_lambda_param(cx, lid, p.ty);
        }
        self.block_stmts(cx, l.body);
        self.own.lambda_leave(own_saved);
        if ret != prim::VOID && ret != prim::ERR && !block_returns(l.body) {
            self.err(l.body.span, "not all paths in this lambda return a value");
        }
        self.close_scope(cx);
        cx.ret = outer_ret;
        cx.loops = outer_loops;
        let frame = cx.lam.frames.pop().unwrap();
        if open_result {
            ret = self.returned_type(l.body);
        }

        // The function's lambdas are numbered in the order their checks finish.
        if let Some(func) = cx.lam.func {
            let owner = &mut self.funcs[func as usize];
            let symbol = format!("{}$lambda{}", owner.symbol, owner.lambdas.len() + 1);
            self.info.lambdas.insert(key(l), owner.lambdas.len());
            owner.lambdas.push(LambdaDecl { lambda: l, symbol, params: params.clone(), ret, captures: frame.captures });
        }
        self.types.func(params, ret)
    }

    /// A read of local `l`: every lambda between its frame and here captures it.
    pub(super) fn note_capture(&mut self, cx: &mut FnCx, l: LocalId) {
        for f in cx.lam.frames.iter_mut().rev() {
            if l.0 >= f.first_local {
                break;
            }
            if !f.captures.contains(&l) {
                f.captures.push(l);
            }
        }
    }

    /// A write to `name` (local `l`) from inside a lambda that captures it.
    /// Returns whether it was reported.
    pub(super) fn mutates_capture(&mut self, cx: &FnCx, l: LocalId, name: &str, span: Span) -> bool {
        if cx.lam.is_captured(l) {
            self.err(span, format!("cannot mutate '{}' from an inner scope", name));
            return true;
        }
        false
    }

    /// A top-level function used as a value.
    pub(super) fn func_value(&mut self, e: &Expr, f: u32) -> TyId {
        self.info.names.insert(key(e), NameRes::Func(f));
        let (params, ret) = (self.funcs[f as usize].params.clone(), self.funcs[f as usize].ret);
        self.types.func(params, ret)
    }

    /// `'map' is a builtin; a binding cannot take its name`: a binding of
    /// function type named like a builtin would capture calls the builtin wins.
    pub(super) fn reserved_binding(&mut self, id: &Ident, ty: TyId) {
        if is_builtin(id.name) && matches!(self.types.kind(ty), TyKind::Func(..)) {
            self.err(id.span, format!("'{}' is a builtin; a binding cannot take its name", id.name));
        }
    }

    /// A call through a function value: the callee expression (a local, a
    /// parameter, a field, a parenthesized expression) evaluates to a closure.
    pub(super) fn closure_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, ft: TyId, args: &'a [Expr<'a>]) -> TyId {
        let TyKind::Func(params, ret) = self.types.kind(ft).clone() else {
            let n = self.tyname(ft);
            self.err(e.span, format!("cannot call a value of type {}; only functions are called", n));
            for a in args {
                self.expr(cx, a, None);
            }
            return prim::ERR;
        };
        self.args_against(cx, args, &params, e.span, None);
        self.info.calls.insert(key(e), CallRes::Closure);
        ret
    }

    /// `s.f(x)` where `f` is a field of function type of the struct `s`
    /// (of type `st`: a generic instance's field type is substituted).
    pub(super) fn field_closure_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, callee: &'a Expr<'a>, st: TyId, name: &str, args: &'a [Expr<'a>]) -> Option<TyId> {
        let (_, ft) = self.struct_field_of(st, name)?;
        if !matches!(self.types.kind(ft), TyKind::Func(..)) {
            return None;
        }
        self.info.expr_ty.insert(key(callee), ft);
        Some(self.closure_call(cx, e, ft, args))
    }

    /// `e.check(f)`: handles `e` by passing it to `f: (error) -> void`.
    pub(super) fn error_check(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, base: &'a Expr<'a>, args: &'a [Expr<'a>]) -> TyId {
        self.mark_handled(cx, base);
        let handler = self.types.func(vec![prim::ERROR], prim::VOID);
        self.args_against(cx, args, &[handler], e.span, None);
        self.info.calls.insert(key(e), CallRes::ErrorCheck);
        prim::VOID
    }

    // ----- functional builtins ---------------------------------------------

    /// `map`, `filter`, `fold`, `reduce`, `foreach`; None for other names.
    pub(super) fn functional_builtin(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>]) -> Option<TyId> {
        let (kind, arity) = match name {
            "map" => (Functional::Map, 2),
            "filter" => (Functional::Filter, 2),
            "fold" => (Functional::Fold, 3),
            "reduce" => (Functional::Reduce, 2),
            "foreach" => (Functional::Foreach, 2),
            _ => return None,
        };
        self.gate(cx, cx.par.functional, e.span, &format!("the '{}' builtin", name), "functional");
        if args.len() != arity {
            self.err(e.span, format!("{} takes {} argument(s), but {} were given", name, arity, args.len()));
            for a in args {
                self.expr(cx, a, None);
            }
            return Some(prim::ERR);
        }
        let xt = self.expr(cx, &args[0], None);
        let elem = match self.types.kind(xt) {
            TyKind::Slice(t) | TyKind::Array(t, _) => *t,
            TyKind::Err => prim::ERR,
            _ => {
                let n = self.tyname(xt);
                self.err(args[0].span, format!("{} takes a slice or an array, not {}", name, n));
                prim::ERR
            }
        };
        let f = args.last().unwrap();
        let ft = self.expr(cx, f, None);
        let sig = match self.types.kind(ft) {
            TyKind::Func(ps, r) => Some((ps.clone(), *r)),
            _ => None,
        };
        // What the function must look like: parameter types (None where free)
        // and the result (None where free), with a readable spelling.
        let e_name = self.tyname(elem);
        if elem == prim::ERR {
            if kind == Functional::Fold {
                self.expr(cx, &args[1], None);
            }
            self.info.calls.insert(key(e), CallRes::Functional(kind));
            return Some(prim::ERR);
        }
        let result = match kind {
            Functional::Map => {
                let want = format!("({}) -> U", e_name);
                match sig {
                    Some((ps, r)) if ps.len() == 1 && self.assignable(elem, ps[0]) && r != prim::VOID => self.types.slice(r),
                    _ => self.bad_fn_arg(name, f, ft, &want),
                }
            }
            Functional::Filter => {
                let want = format!("({}) -> bool", e_name);
                match sig {
                    Some((ps, r)) if ps.len() == 1 && self.assignable(elem, ps[0]) && r == prim::BOOL => self.types.slice(elem),
                    _ => self.bad_fn_arg(name, f, ft, &want),
                }
            }
            Functional::Foreach => {
                let want = format!("({}) -> void", e_name);
                match sig {
                    Some((ps, r)) if ps.len() == 1 && self.assignable(elem, ps[0]) && r == prim::VOID => prim::VOID,
                    _ => self.bad_fn_arg(name, f, ft, &want),
                }
            }
            Functional::Reduce => {
                let want = format!("({}, {}) -> {}", e_name, e_name, e_name);
                match sig {
                    Some((ps, r)) if ps.len() == 2 && self.assignable(elem, ps[0]) && self.assignable(elem, ps[1]) && self.assignable(r, elem) => {
                        self.types.tuple(vec![elem, prim::ERROR])
                    }
                    _ => self.bad_fn_arg(name, f, ft, &want),
                }
            }
            Functional::Fold => {
                let acc = sig.as_ref().map(|(ps, r)| if ps.len() == 2 { ps[0] } else { *r }).unwrap_or(prim::ERR);
                let it = self.expr(cx, &args[1], Some(acc));
                if !self.assignable(it, acc) {
                    self.err(args[1].span, format!("fold's initial value is {}, but the function's accumulator is {}", self.tyname(it), self.tyname(acc)));
                }
                let want = format!("(A, {}) -> A", e_name);
                match sig {
                    Some((ps, r)) if ps.len() == 2 && ps[0] == r && self.assignable(elem, ps[1]) => r,
                    _ => self.bad_fn_arg(name, f, ft, &want),
                }
            }
        };
        self.info.calls.insert(key(e), CallRes::Functional(kind));
        Some(result)
    }

    fn bad_fn_arg(&mut self, builtin: &str, f: &Expr, ft: TyId, want: &str) -> TyId {
        if ft != prim::ERR {
            let have = self.tyname(ft);
            self.err(f.span, format!("{} takes a function of type {}, found {}", builtin, want, have));
        }
        prim::ERR
    }
}
