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

// ----- inference at a desugared bind ------------------------------------
//
// `M.bind(source, lambda (x: ?) -> ? { ... })` against a generic
// `bind<A, B>(m: M<A>, f: (A) -> M<B>)`. The order: a source that types
// itself (`Box { v: 3 }`, a call); the expected type; a source that adapts
// to what is known (a bare literal, a generic enum constructor, given the
// type arguments known so far: `Result.Ok(1)` learns `E = string` from
// `Result<A, string>`); the continuation. A *phantom* source, a generic
// enum variant whose payload cannot carry the element (`Maybe.None`,
// `Result.Err("x")`), pins nothing: the continuation's use of its
// parameter does (`a + b` with `a: int64`), or, if the parameter is never
// read, any element will do. Nothing else pinning it, the bind reports it.

impl<'a, 'd> Checker<'a, 'd> {
    /// Inference for a desugared bind call; None if `values` are not one
    /// (a source and a continuation with type holes).
    pub(super) fn infer_do_bind(&mut self, cx: &mut FnCx, params: &[TyId], values: &[&'a Expr<'a>], ret: Option<(TyId, TyId)>, binds: &mut [Option<TyId>]) -> Option<Vec<TyId>> {
        let (&[src, cont], &[p_src, p_cont]) = (values, params) else { return None };
        let ExprKind::Lambda(lam) = &cont.unparen().kind else { return None };
        if !is_hole_lambda(cont) {
            return None;
        }
        let mut tys = vec![prim::ERR; 2];
        let phantom = self.phantom_params(cx, src, p_src);
        let adapts = is_bare_literal(src) || self.generic_enum_ctor(cx, src).is_some() || !phantom.is_empty();
        let mut src_done = false;
        if !adapts {
            tys[0] = self.bind_source(cx, src, p_src, binds);
            src_done = true;
        }
        if let Some((r, x)) = ret {
            self.unify(r, x, binds);
        }
        if !src_done {
            // The continuation's parameter is the element a phantom source cannot carry.
            let elem = match self.types.kind(p_cont) {
                TyKind::Func(ps, _) if ps.len() == 1 => match self.types.kind(ps[0]) {
                    TyKind::Param(k, _) => Some(*k as usize),
                    _ => None,
                },
                _ => None,
            };
            for &k in &phantom {
                if binds.get(k).map_or(false, |b| b.is_none()) && elem == Some(k) {
                    binds[k] = self.probe_param(cx, lam);
                }
            }
            if phantom.iter().any(|&k| binds.get(k).map_or(false, |b| b.is_none())) {
                // Quietly: the bind reports the element it cannot infer.
                self.expr(cx, src, Some(prim::ERR));
                let known: Vec<TyId> = binds.iter().map(|b| b.unwrap_or(prim::ERR)).collect();
                tys[0] = self.types.subst(p_src, &known);
            } else {
                tys[0] = self.bind_source(cx, src, p_src, binds);
            }
        }
        let known: Vec<TyId> = binds.iter().map(|b| b.unwrap_or(prim::ERR)).collect();
        let h = self.types.subst(p_cont, &known);
        tys[1] = match self.collector_arg(cx, cont, Some(h)) {
            Some(t) => t,
            None => self.expr(cx, cont, Some(h)),
        };
        self.unify(p_cont, tys[1], binds);
        Some(tys)
    }

    /// Checks a bind's source against its parameter type `p`, the type
    /// arguments known so far substituted (a constructor learns from a
    /// partly known struct or enum type; anything else needs it whole).
    fn bind_source(&mut self, cx: &mut FnCx, src: &'a Expr<'a>, p: TyId, binds: &mut [Option<TyId>]) -> TyId {
        let known: Vec<TyId> = binds.iter().map(|b| b.unwrap_or(prim::ERR)).collect();
        let h = self.types.subst(p, &known);
        let hint = if self.ground(h) || matches!(self.types.kind(h), TyKind::Enum(..) | TyKind::Struct(..)) { Some(h) } else { None };
        let t = self.expr(cx, src, hint);
        self.unify(p, t, binds);
        t
    }

    /// `E.V` or `E.V(..)` of a generic enum `E`: (enum, variant).
    fn generic_enum_ctor(&self, cx: &FnCx, e: &Expr) -> Option<(u32, u32)> {
        let (base, name) = match &e.unparen().kind {
            ExprKind::Field { base, name } => (*base, name),
            ExprKind::Call { callee, .. } => match &callee.unparen().kind {
                ExprKind::Field { base, name } => (*base, name),
                _ => return None,
            },
            _ => return None,
        };
        let ExprKind::Name(n) = &base.kind else { return None };
        if cx.lookup(n.name).is_some() {
            return None;
        }
        let &id = self.enums.get(n.name)?;
        let def = &self.types.enums[id as usize];
        if def.generics.is_empty() {
            return None;
        }
        Some((id, def.variant(name.name)?))
    }

    /// The bind's type parameters a source cannot pin: those the bind's
    /// parameter type `p` (`M<A>`) places at type arguments of the source's
    /// type that nothing the source is given determines. The source is a
    /// generic enum constructor (its payload mentions some of the enum's
    /// parameters) or a call of a generic function (its parameters mention
    /// some of its type parameters, which its result places).
    fn phantom_params(&self, cx: &FnCx, src: &Expr, p: TyId) -> Vec<usize> {
        let (made, open): (u32, Vec<bool>) = if let Some((id, v)) = self.generic_enum_ctor(cx, src) {
            let mut carried = Vec::new();
            for (_, t) in &self.types.enums[id as usize].variants[v as usize].fields {
                self.params_in(*t, &mut carried);
            }
            let n = self.types.enums[id as usize].generics.len();
            (id, (0..n).map(|j| !carried.contains(&j)).collect())
        } else if let Some(tid) = self.generic_call(cx, src) {
            let t = &self.gen.templates[tid as usize];
            let mut given = Vec::new();
            t.params.iter().for_each(|&q| self.params_in(q, &mut given));
            let (id, rxs) = match self.types.kind(t.ret) {
                TyKind::Enum(id, xs) | TyKind::Struct(id, xs) => (*id, xs.clone()),
                _ => return Vec::new(),
            };
            let open = rxs.iter().map(|&x| {
                let mut used = Vec::new();
                self.params_in(x, &mut used);
                used.iter().any(|u| !given.contains(u))
            });
            (id, open.collect())
        } else {
            return Vec::new();
        };
        let xs = match (self.types.kind(p), self.generic_enum_ctor(cx, src).is_some()) {
            (TyKind::Enum(pid, xs), true) if *pid == made => xs.clone(),
            (TyKind::Enum(pid, xs) | TyKind::Struct(pid, xs), false) if *pid == made => xs.clone(),
            _ => return Vec::new(),
        };
        let mut out = Vec::new();
        for (x, open) in xs.iter().zip(open) {
            if open {
                self.params_in(*x, &mut out);
            }
        }
        out
    }

    /// `f(..)` or `M.f(..)` calling a generic function: its template.
    fn generic_call(&self, cx: &FnCx, e: &Expr) -> Option<u32> {
        let ExprKind::Call { callee, .. } = &e.unparen().kind else { return None };
        match &callee.unparen().kind {
            ExprKind::Name(f) if cx.lookup(f.name).is_none() && self.lookup_func(cx, f.name).is_none() => self.lookup_template(cx, f.name),
            ExprKind::Field { base, name } => match &base.kind {
                ExprKind::Name(m) if cx.lookup(m.name).is_none() => match self.monads.table.get(m.name)?.get(name.name)? {
                    MonadFn::Template(t) => Some(*t),
                    MonadFn::Func(_) => None,
                },
                _ => None,
            },
            _ => None,
        }
    }

    /// The indices of the type parameters `t` mentions.
    fn params_in(&self, t: TyId, out: &mut Vec<usize>) {
        match self.types.kind(t) {
            TyKind::Param(i, _) => out.push(*i as usize),
            TyKind::RawPtr(e) | TyKind::Ptr(e) | TyKind::Slice(e) | TyKind::Array(e, _) => self.params_in(*e, out),
            TyKind::Tuple(ts) | TyKind::Struct(_, ts) | TyKind::Enum(_, ts) | TyKind::Interface(_, ts) => ts.iter().for_each(|&e| self.params_in(e, out)),
            TyKind::Func(ps, r) => {
                ps.iter().for_each(|&e| self.params_in(e, out));
                self.params_in(*r, out)
            }
            _ => {}
        }
    }

    /// The type a continuation's body gives its (hole-typed) parameter: the
    /// other operand of an arithmetic or comparison it meets (a local in
    /// scope, a suffixed literal, or, failing those, a bare literal's
    /// default), or the parameter type of a function it is passed to. An
    /// unread parameter takes int64: no value of it is ever used.
    fn probe_param(&self, cx: &FnCx, lam: &Lambda) -> Option<TyId> {
        let [p] = lam.params else { return None };
        let name = p.name.name;
        let mut probe = Probe { name, strong: None, weak: None, used: false, shadow: Vec::new() };
        for s in lam.body.stmts {
            self.probe_stmt(cx, s, &mut probe);
        }
        probe.strong.or(probe.weak).or((!probe.used).then_some(prim::I64))
    }

    fn probe_stmt(&self, cx: &FnCx, s: &Stmt, pr: &mut Probe) {
        match &s.kind {
            StmtKind::Return(Some(e)) | StmtKind::Expr(e) | StmtKind::Defer(e) => self.probe_expr(cx, e, pr),
            StmtKind::Let(b) => self.probe_expr(cx, b.value, pr),
            StmtKind::Assign { place, value } | StmtKind::CompoundAssign { place, value, .. } => {
                self.probe_expr(cx, place, pr);
                self.probe_expr(cx, value, pr);
            }
            StmtKind::If(i) => self.probe_if(cx, i, pr),
            StmtKind::While { cond, body } | StmtKind::DoWhile { body, cond } => {
                self.probe_expr(cx, cond, pr);
                body.stmts.iter().for_each(|s| self.probe_stmt(cx, s, pr));
            }
            StmtKind::Match(m) => self.probe_match(cx, m, pr),
            _ => {}
        }
    }

    fn probe_if(&self, cx: &FnCx, i: &IfStmt, pr: &mut Probe) {
        self.probe_expr(cx, i.cond, pr);
        i.then.stmts.iter().for_each(|s| self.probe_stmt(cx, s, pr));
        match &i.els {
            Some(Else::Block(b)) => b.stmts.iter().for_each(|s| self.probe_stmt(cx, s, pr)),
            Some(Else::If(ii)) => self.probe_if(cx, ii, pr),
            None => {}
        }
    }

    fn probe_match(&self, cx: &FnCx, m: &Match, pr: &mut Probe) {
        self.probe_expr(cx, m.scrutinee, pr);
        for a in m.arms {
            match &a.body {
                ArmBody::Expr(e) | ArmBody::Return(Some(e)) => self.probe_expr(cx, e, pr),
                ArmBody::Block(b) => b.stmts.iter().for_each(|s| self.probe_stmt(cx, s, pr)),
                _ => {}
            }
        }
    }

    fn probe_expr(&self, cx: &FnCx, e: &Expr, pr: &mut Probe) {
        let is_param = |pr: &Probe, x: &Expr| matches!(&x.unparen().kind, ExprKind::Name(n) if n.name == pr.name);
        match &e.kind {
            ExprKind::Name(n) if n.name == pr.name => pr.used = true,
            ExprKind::Binary { op, lhs, rhs } => {
                if !matches!(op, BinOp::And | BinOp::Or) {
                    for (me, other) in [(lhs, rhs), (rhs, lhs)] {
                        if is_param(pr, me) {
                            self.probe_other(cx, other, pr);
                        }
                    }
                }
                self.probe_expr(cx, lhs, pr);
                self.probe_expr(cx, rhs, pr);
            }
            ExprKind::Call { callee, args } => {
                if let ExprKind::Name(f) = &callee.unparen().kind {
                    if cx.lookup(f.name).is_none() && !pr.shadow.iter().any(|s| s == f.name) {
                        if let Some(fid) = self.lookup_func(cx, f.name) {
                            for (a, &t) in args.iter().zip(&self.funcs[fid as usize].params) {
                                if is_param(pr, a) && pr.strong.is_none() {
                                    pr.strong = Some(t);
                                }
                            }
                        }
                    }
                }
                self.probe_expr(cx, callee, pr);
                args.iter().for_each(|a| self.probe_expr(cx, a, pr));
            }
            ExprKind::Lambda(l) => {
                // A lambda naming a parameter like ours hides it.
                if l.params.iter().any(|p| p.name.name == pr.name) {
                    return;
                }
                let n = pr.shadow.len();
                pr.shadow.extend(l.params.iter().map(|p| p.name.name.to_string()));
                l.body.stmts.iter().for_each(|s| self.probe_stmt(cx, s, pr));
                pr.shadow.truncate(n);
            }
            ExprKind::Paren(x) | ExprKind::Unary { operand: x, .. } | ExprKind::Await(x) => self.probe_expr(cx, x, pr),
            ExprKind::Index { base, index } => {
                self.probe_expr(cx, base, pr);
                self.probe_expr(cx, index, pr);
            }
            ExprKind::Field { base, .. } => self.probe_expr(cx, base, pr),
            ExprKind::Range { lo, hi, .. } => {
                self.probe_expr(cx, lo, pr);
                self.probe_expr(cx, hi, pr);
            }
            ExprKind::FStr(parts) => parts.iter().for_each(|p| {
                if let FStrPart::Hole(h) = p {
                    self.probe_expr(cx, h, pr)
                }
            }),
            ExprKind::StructLit { fields, .. } => fields.iter().for_each(|f| self.probe_expr(cx, f.value, pr)),
            ExprKind::Array(xs) | ExprKind::Tuple(xs) => xs.iter().for_each(|x| self.probe_expr(cx, x, pr)),
            ExprKind::Match(m) => self.probe_match(cx, m, pr),
            ExprKind::Do(d) => d.elems.iter().for_each(|el| match el {
                DoElem::Bind { value, .. } | DoElem::Expr(value) => self.probe_expr(cx, value, pr),
            }),
            _ => {}
        }
    }

    /// The other operand of an operation on the probed parameter.
    fn probe_other(&self, cx: &FnCx, other: &Expr, pr: &mut Probe) {
        match &other.unparen().kind {
            ExprKind::Name(n) if !pr.shadow.iter().any(|s| s == n.name) => {
                if let Some(l) = cx.lookup(n.name) {
                    let t = cx.locals[l.0 as usize].ty;
                    if t != prim::ERR && pr.strong.is_none() {
                        pr.strong = Some(t);
                    }
                }
            }
            ExprKind::Int { suffix: Some(s), .. } | ExprKind::Float { suffix: Some(s), .. } => {
                if pr.strong.is_none() {
                    pr.strong = Types::primitive(s.type_name());
                }
            }
            ExprKind::Int { suffix: None, .. } if pr.weak.is_none() => pr.weak = Some(prim::I64),
            ExprKind::Float { suffix: None, .. } if pr.weak.is_none() => pr.weak = Some(prim::F64),
            _ => {}
        }
    }
}

/// What a continuation's body says about its parameter `name`.
struct Probe<'n> {
    name: &'n str,
    /// From a typed operand or a function parameter.
    strong: Option<TyId>,
    /// From a bare literal operand, which would adapt to the parameter.
    weak: Option<TyId>,
    used: bool,
    /// Parameters of lambdas inside the body, which hide outer locals.
    shadow: Vec<String>,
}

