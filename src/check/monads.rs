//! Monad blocks and `do` notation (`@paradigm functional`).
//!
//! `monad M { func bind ... func unit ... }` registers its functions under
//! the dotted names `M.bind`, `M.unit`, ... (helpers too), callable as
//! `M.bind(...)` from every file: the block's name is global, like a
//! type's, and may be the name of the type the monad is over (`Maybe`).
//!
//! A `do` block is desugared before it is checked into the calls that
//! define it (digest 2.8):
//!
//! ```text
//! do M { x <- e1  y <- e2  final }
//! M.bind(e1, lambda (x: ?) -> ? { return M.bind(e2, lambda (y: ?) -> ? { return M.unit(final) }) })
//! ```
//!
//! The `?` are type holes (`TypeKind::Infer`). A lambda with holes takes
//! its types from the type expected where it is written; generic inference
//! checks it last (after the other arguments and the expected type),
//! against its parameter type with the type arguments known by then
//! substituted, and a return type still open is the type of the value the
//! body returns. So each continuation is checked with ground types at its
//! own `do` site, and everything inside it gets the ordinary checks (a
//! width mix in a continuation is reported like anywhere else). The
//! desugared expression stands for the `do` in later stages (`Checked::dos`).

use super::*;

/// A function of a monad block.
#[derive(Copy, Clone, Debug)]
pub(super) enum MonadFn {
    Func(u32),
    /// A generic one (`bind<A, B>`): a template of `Generics`.
    Template(u32),
}

#[derive(Default)]
pub(super) struct Monads<'a> {
    /// Monad name -> its functions by their own names.
    table: HashMap<String, HashMap<String, MonadFn>>,
    /// A `do` expression (by key) -> its desugaring.
    pub dos: HashMap<usize, &'a Expr<'a>>,
    /// The `bind`/`unit` calls a desugaring made (by key): an undefined
    /// one is reported by the dotted name it was meant to call.
    calls: HashSet<usize>,
}

/// A lambda type written as a hole (only the `do` desugaring writes them).
fn is_hole(t: &Type) -> bool {
    matches!(t.kind, TypeKind::Infer)
}

/// A lambda with a hole in its signature: its types come from the context.
pub(super) fn is_hole_lambda(e: &Expr) -> bool {
    match &e.unparen().kind {
        ExprKind::Lambda(l) => is_hole(l.ret) || l.params.iter().any(|p| is_hole(p.ty)),
        _ => false,
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    // ----- declarations -------------------------------------------------

    /// `monad M { ... }`: each function is declared as `M.f`.
    pub(super) fn declare_monad(&mut self, f: &ParsedFile<'a>, m: &'a MonadItem<'a>) {
        let name = m.name.name;
        if !f.runtime && !paradigms(&f.ast, &mut Diagnostics::new(), true).functional {
            self.err(m.span, format!("the '{}' monad block requires the functional paradigm; add '@paradigm functional'", name));
        }
        for func in m.funcs {
            let qualified = format!("{}.{}", name, func.name.name);
            if self.monads.table.get(name).map_or(false, |t| t.contains_key(func.name.name)) {
                self.err(func.name.span, format!("duplicate definition of '{}'", qualified));
                continue;
            }
            let entry = if !func.generics.is_empty() {
                if func.is_async {
                    self.err(func.span, "an async func cannot take type parameters");
                    continue;
                }
                let tparams: Vec<String> = func.generics.iter().map(|g| g.name.to_string()).collect();
                let tid = self.push_template(func, f, qualified.clone(), tparams, None);
                self.gen.templates[tid as usize].name = qualified;
                MonadFn::Template(tid)
            } else {
                if func.is_async {
                    self.err(func.span, "not supported yet: async functions");
                    continue;
                }
                let mut params = Vec::new();
                for p in func.params {
                    if p.using {
                        self.err(p.span, "not supported yet: using parameters");
                    }
                    params.push(self.resolve_type(p.ty));
                }
                let ret = self.resolve_type(func.ret);
                let id = self.funcs.len() as u32;
                self.funcs.push(FuncDecl { item: func, file: f.ast.file, symbol: qualified, params, ret, locals: Vec::new(), receiver: None, runtime: f.runtime, lambdas: Vec::new() });
                MonadFn::Func(id)
            };
            self.monads.table.entry(name.to_string()).or_default().insert(func.name.name.to_string(), entry);
        }
    }

    // ----- calls ----------------------------------------------------------

    /// `M.f(args)` where `M` is a monad with a function `f` (and no local
    /// is named `M`); None otherwise, except that a call the `do`
    /// desugaring made reports its undefined name here.
    pub(super) fn monad_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, base: &'a Expr<'a>, name: &Ident, args: &'a [Expr<'a>], expected: Option<TyId>) -> Option<TyId> {
        let ExprKind::Name(m) = &base.kind else { return None };
        if cx.lookup(m.name).is_some() {
            return None;
        }
        let found = self.monads.table.get(m.name).and_then(|t| t.get(name.name)).copied();
        match found {
            Some(MonadFn::Func(f)) => {
                let (params, ret) = (self.funcs[f as usize].params.clone(), self.funcs[f as usize].ret);
                self.args_against(cx, args, &params, e.span, None);
                self.info.calls.insert(key(e), CallRes::Func(f));
                Some(ret)
            }
            Some(MonadFn::Template(t)) => Some(self.call_template(cx, e, t, args, expected, &[])),
            None if self.monads.calls.contains(&key(e)) => {
                self.err(e.span, format!("undefined name '{}.{}'", m.name, name.name));
                for a in args {
                    self.expr(cx, a, None);
                }
                Some(prim::ERR)
            }
            None => None,
        }
    }

    // ----- do notation ----------------------------------------------------

    /// `do [M] { ... }`: checked as its desugaring.
    pub(super) fn do_block(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, d: &'a DoBlock<'a>, expected: Option<TyId>) -> TyId {
        self.gate(cx, cx.par.functional, e.span, "do notation", "functional");
        let de = match self.monads.dos.get(&key(e)) {
            Some(&de) => de,
            None => {
                let de = self.desugar(d);
                self.monads.dos.insert(key(e), de);
                de
            }
        };
        self.expr(cx, de, expected)
    }

    fn desugar(&mut self, d: &'a DoBlock<'a>) -> &'a Expr<'a> {
        let Some((last, steps)) = d.elems.split_last() else {
            // An empty block is the unit of 0.
            let zero = self.arena.alloc(Expr { kind: ExprKind::Int { value: 0, suffix: None }, span: d.span });
            return self.monad_op(d, "unit", &*zero, None, d.span);
        };
        let final_value = match last {
            DoElem::Expr(v) => *v,
            // The parser rejects a trailing bind; its value stands in.
            DoElem::Bind { value, .. } => *value,
        };
        let mut acc = self.monad_op(d, "unit", final_value, None, final_value.span);
        for step in steps.iter().rev() {
            let (span, name, value) = match step {
                DoElem::Bind { span, name, value } => (*span, *name, *value),
                // A bare middle expression binds a fresh discard name.
                DoElem::Expr(v) => (v.span, Ident { name: "_", span: v.span }, *v),
            };
            acc = self.monad_op(d, "bind", value, Some((name, acc)), span);
        }
        acc
    }

    /// `M.op(value)`, or `M.op(value, lambda (name: ?) -> ? { return rest })`
    /// when `cont` is given; a bare `do` calls the top-level `op`.
    fn monad_op(&mut self, d: &'a DoBlock<'a>, op: &'static str, value: &'a Expr<'a>, cont: Option<(Ident<'a>, &'a Expr<'a>)>, span: Span) -> &'a Expr<'a> {
        let a = self.arena;
        let op_name = Ident { name: op, span };
        let callee: &'a Expr<'a> = match d.monad {
            Some(m) => {
                let base = a.alloc(Expr { kind: ExprKind::Name(m), span: m.span });
                a.alloc(Expr { kind: ExprKind::Field { base, name: op_name }, span })
            }
            None => a.alloc(Expr { kind: ExprKind::Name(op_name), span }),
        };
        let args: &'a [Expr<'a>] = match cont {
            None => a.alloc_slice_copy(&[*value]),
            Some((name, rest)) => {
                let hole: &'a Type<'a> = a.alloc(Type { kind: TypeKind::Infer, span: name.span });
                let params = a.alloc_slice_copy(&[Param { span: name.span, using: false, name, ty: hole }]);
                let stmts = a.alloc_slice_copy(&[Stmt { kind: StmtKind::Return(Some(rest)), span: rest.span }]);
                let body = a.alloc(Block { span: rest.span, stmts });
                let lambda = a.alloc(Lambda { span, params, ret: hole, body });
                a.alloc_slice_copy(&[*value, Expr { kind: ExprKind::Lambda(lambda), span }])
            }
        };
        let call = a.alloc(Expr { kind: ExprKind::Call { callee, args }, span });
        self.monads.calls.insert(key(&*call));
        call
    }

    // ----- type holes -----------------------------------------------------

    /// The parameter types and the result a lambda's holes take from the
    /// expected function type, each None where it gives nothing ground.
    pub(super) fn hole_hints(&self, l: &Lambda, expected: Option<TyId>) -> (Vec<Option<TyId>>, Option<TyId>) {
        let ground = |t: TyId| self.ground(t).then_some(t);
        match expected.map(|t| self.types.kind(t)) {
            Some(TyKind::Func(ps, r)) if ps.len() == l.params.len() => (ps.iter().map(|&p| ground(p)).collect(), ground(*r)),
            _ => (vec![None; l.params.len()], None),
        }
    }

    /// Parameter `i` of lambda `l`: its written type, or what its hole takes
    /// (the error type, accepted everywhere, if nothing pins it).
    pub(super) fn lambda_param_type(&mut self, l: &Lambda, i: usize, hints: &[Option<TyId>]) -> TyId {
        let p = &l.params[i];
        if is_hole(p.ty) {
            return hints.get(i).copied().flatten().unwrap_or(prim::ERR);
        }
        self.resolve_type(p.ty)
    }

    /// Whether the result of `l` is a hole nothing pinned before the body.
    pub(super) fn open_result(l: &Lambda, hint: Option<TyId>) -> bool {
        is_hole(l.ret) && hint.is_none()
    }

    /// The result type of a lambda whose result hole is open: the type of
    /// the value its body (`return e`, as the desugaring writes it) returns.
    pub(super) fn returned_type(&self, body: &Block) -> TyId {
        match body.stmts.last().map(|s| &s.kind) {
            Some(StmtKind::Return(Some(e))) => self.info.expr_ty.get(&key(*e)).copied().unwrap_or(prim::ERR),
            _ => prim::ERR,
        }
    }
}
