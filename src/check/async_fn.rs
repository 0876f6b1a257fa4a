//! `async func`, `await` and `async_run` (spec "async func, await, and
//! async_run"; digest 6.10).
//!
//! Calling an async func mints a task and returns its `Future<T>` (the
//! lowering builds the task, src/lower/async_fn.rs). `await f` is a statement
//! form, legal in four shapes directly inside an async body; each resolves
//! to an instance of one of std.async.future's hidden keyword functions
//! (`__async_await`, `__async_await_value`, `__async_await_void`), recorded as
//! the Await node's call, which the lowering calls with the operand.
//! `async_run(g(args))` resolves the same way to `__async_run[_void]`.

use super::*;

/// The statement an `await` sits in.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum AwaitShape {
    /// `v := await f` (1) or `a, b := await f` (n).
    Bind(usize),
    /// `x = await f`.
    Assign,
    /// `await f` as a statement.
    Discard,
    /// `return await f` (also a match arm's `=> return await f`).
    Return,
    /// `defer await f`: always rejected.
    Defer,
}

#[derive(Default)]
pub(super) struct AsyncCx {
    /// The shape of each await (by node key), noted by its statement.
    shapes: HashMap<usize, AwaitShape>,
}

const PUMPS: [&str; 3] = ["await", "await_timeout", "try_poll"];

impl<'a, 'd> Checker<'a, 'd> {
    /// Notes the shape of an await statement `s` holds, before it is checked.
    pub(super) fn note_await(&mut self, s: &'a Stmt<'a>) {
        let (e, shape) = match &s.kind {
            StmtKind::Let(b) => (b.value, AwaitShape::Bind(b.names.len())),
            StmtKind::Assign { value, .. } => (*value, AwaitShape::Assign),
            StmtKind::Return(Some(v)) => (*v, AwaitShape::Return),
            StmtKind::Defer(e) => (*e, AwaitShape::Defer),
            StmtKind::Expr(e) => (*e, AwaitShape::Discard),
            _ => return,
        };
        if let ExprKind::Await(_) = e.kind {
            self.asyncs.shapes.insert(key(e), shape);
        }
    }

    /// Whether the body being checked is an async func's (lambdas in it included).
    pub(super) fn in_async(&self, cx: &FnCx) -> bool {
        cx.lam.func().map_or(false, |f| self.funcs[f as usize].item.is_async)
    }

    fn is_async_fn(&self, f: u32) -> bool {
        self.funcs[f as usize].item.is_async
    }

    /// The element type of `Future<T>`, or None for any other type.
    pub(super) fn future_elem(&self, t: TyId) -> Option<TyId> {
        let fid = *self.structs.get("Future")?;
        match self.types.kind(t) {
            TyKind::Struct(sid, args) if *sid == fid => args.first().copied(),
            _ => None,
        }
    }

    /// Whether a value of type `t` holds a future anywhere inside a struct,
    /// tuple or array.
    pub(super) fn holds_future(&self, t: TyId) -> bool {
        let mut seen = HashSet::new();
        self.holds_future_in(t, &mut seen)
    }

    fn holds_future_in(&self, t: TyId, seen: &mut HashSet<TyId>) -> bool {
        if !seen.insert(t) {
            return false;
        }
        if self.future_elem(t).is_some() {
            return true;
        }
        match self.types.kind(t) {
            TyKind::Array(el, _) => self.holds_future_in(*el, seen),
            TyKind::Tuple(ts) => ts.clone().iter().any(|&m| self.holds_future_in(m, seen)),
            TyKind::Struct(..) => {
                let fields: Vec<TyId> = self.types.struct_fields(t).iter().map(|(_, f)| *f).collect();
                fields.into_iter().any(|f| self.holds_future_in(f, seen))
            }
            _ => false,
        }
    }

    /// `Future<elem>`, or the error type when std.async.future is not loaded.
    fn future_of(&mut self, elem: TyId) -> TyId {
        match self.structs.get("Future") {
            Some(&sid) => self.types.intern(TyKind::Struct(sid, vec![elem])),
            None => prim::ERR,
        }
    }

    // ----- declarations -------------------------------------------------

    /// The signature rules of an async func.
    pub(super) fn async_signature(&mut self, func: &'a FuncItem<'a>, params: &[TyId], ret: TyId) {
        if func.name.name == "main" {
            self.err(func.span, "main cannot be async; call an async func with async_run instead");
        }
        for (p, &t) in func.params.iter().zip(params) {
            if self.holds_future(t) {
                self.err(p.span, format!("an async func cannot take '{}': a future belongs to the event loop thread; await it in the caller instead", p.name.name));
            } else if self.may_view_frame(t) {
                self.err(p.span, format!("an async func cannot take '{}': a slice, closure, or interface value may view the caller's frame, which the task outlives", p.name.name));
            }
        }
        if self.holds_future(ret) {
            self.err(func.ret.span, "an async func cannot return a future; a future belongs to the event loop thread, so await it in the caller instead");
        } else if self.may_view_frame(ret) {
            self.err(func.ret.span, "an async func cannot return a slice, closure, or interface value; the value would outlive the task frame it views");
        }
        if self.structs.get("Future").is_none() {
            self.err(func.span, "an async func needs std.async.future; add '@import std.async.future'");
        }
    }

    // ----- calls ----------------------------------------------------------

    /// The type of a call of function `f` returning `ret`: an async func's
    /// call mints a task and returns its future.
    pub(super) fn async_call_ret(&mut self, f: u32, ret: TyId) -> TyId {
        if self.is_async_fn(f) {
            return self.future_of(ret);
        }
        ret
    }

    /// An async func named as a value.
    pub(super) fn async_name_value(&mut self, e: &Expr, f: u32) {
        if self.is_async_fn(f) {
            let name = self.funcs[f as usize].item.name.name;
            self.err(e.span, format!("'{}' is async; call it with await or start it with async_run", name));
        }
    }

    /// The pumping rule: the loop's blocking primitives are not callable
    /// directly inside an async func.
    pub(super) fn pumping_rule(&mut self, cx: &FnCx, id: &Ident) {
        if PUMPS.contains(&id.name) && self.in_async(cx) && self.lookup_func(cx, id.name).is_none() && self.lookup_template(cx, id.name).is_some() {
            self.err(id.span, format!("'{}' pumps the event loop and cannot be called inside an async func; use the await statement", id.name));
        }
    }

    /// A call statement that drops an async func's future.
    pub(super) fn future_dropped(&mut self, e: &'a Expr<'a>) {
        let e = e.unparen();
        if !matches!(e.kind, ExprKind::Call { .. }) {
            return;
        }
        if let Some(CallRes::Func(f)) = self.info.calls.get(&key(e)) {
            let f = *f;
            if self.is_async_fn(f) {
                let name = self.funcs[f as usize].item.name.name;
                self.err(e.span, format!("the future from '{}' is never awaited; bind it so it can be awaited or released", name));
            }
        }
    }

    /// `async_run(g(args))`.
    pub(super) fn async_builtin(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>]) -> Option<TyId> {
        if name != "async_run" {
            return None;
        }
        let ts: Vec<TyId> = args.iter().map(|a| self.expr(cx, a, None)).collect();
        if self.in_async(cx) {
            self.err(e.span, "async_run cannot be called inside an async func; await the call instead");
            return Some(prim::ERR);
        }
        let direct = match args {
            [a] => matches!(a.unparen().kind, ExprKind::Call { .. }) && matches!(self.info.calls.get(&key(a.unparen())), Some(CallRes::Func(f)) if self.is_async_fn(*f)),
            _ => false,
        };
        if !direct {
            if !ts.contains(&prim::ERR) {
                self.err(e.span, "async_run takes a direct call of an async func, written at the call site");
            }
            return Some(prim::ERR);
        }
        let Some(elem) = self.future_elem(ts[0]) else { return Some(prim::ERR) };
        let hook = if elem == prim::VOID { "__async_run_void" } else { "__async_run" };
        self.keyword_call(cx, e, hook, elem);
        Some(elem)
    }

    /// Records that `e` calls the instance of std.async.future's `hook` at `elem`.
    fn keyword_call(&mut self, cx: &FnCx, e: &'a Expr<'a>, hook: &str, elem: TyId) {
        let Some(tid) = self.lookup_template(cx, hook) else {
            self.err(e.span, "the async keywords need std.async.future; add '@import std.async.future'");
            return;
        };
        if let Some(f) = self.instance(tid, vec![elem], e.span) {
            self.info.calls.insert(key(e), CallRes::Func(f));
        }
    }

    // ----- await ------------------------------------------------------------

    /// `await x` in the shape its statement noted.
    pub(super) fn await_expr(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, x: &'a Expr<'a>) -> TyId {
        let shape = self.asyncs.shapes.get(&key(e)).copied().unwrap_or(AwaitShape::Return);
        let in_async = self.in_async(cx);
        let refusal = if shape == AwaitShape::Defer && in_async {
            Some("'await' cannot appear under defer; a defer runs at completion and cannot suspend")
        } else if !in_async {
            Some("'await' is only legal inside an async func")
        } else if cx.lam.in_lambda() {
            Some("a lambda cannot await; only the enclosing async func can suspend")
        } else {
            None
        };
        let t = self.expr(cx, x, None);
        if let Some(msg) = refusal {
            self.err(e.span, msg);
            return prim::ERR;
        }
        if t == prim::ERR {
            return prim::ERR;
        }
        let Some(elem) = self.future_elem(t) else {
            self.err(x.span, "the operand of await is not a future");
            return prim::ERR;
        };
        let (hook, ty) = match shape {
            AwaitShape::Discard => {
                if elem != prim::VOID {
                    self.err(e.span, "'await f' discards a value; bind it, as in v, e := await f");
                    return prim::ERR;
                }
                ("__async_await_void", prim::VOID)
            }
            AwaitShape::Bind(1) | AwaitShape::Assign => ("__async_await_value", elem),
            AwaitShape::Bind(n) => match self.types.kind(elem).clone() {
                TyKind::Tuple(ts) if ts.len() == n => ("__async_await_value", elem),
                TyKind::Tuple(ts) => {
                    self.err(e.span, format!("await destructures this future into {} values, but {} names are bound", ts.len(), n));
                    return prim::ERR;
                }
                _ if n == 2 => ("__async_await", self.types.tuple(vec![elem, prim::ERROR])),
                _ => {
                    self.err(e.span, format!("await destructures this future into 2 values, but {} names are bound", n));
                    return prim::ERR;
                }
            },
            AwaitShape::Return | AwaitShape::Defer => {
                let pair = self.types.tuple(vec![elem, prim::ERROR]);
                if elem == prim::VOID {
                    ("__async_await_void", prim::VOID)
                } else if cx.ret == pair {
                    // `return await f` forwards the value and the completer's error whole.
                    ("__async_await", pair)
                } else {
                    ("__async_await_value", elem)
                }
            }
        };
        self.keyword_call(cx, e, hook, elem);
        ty
    }

    // ----- crossing bans ----------------------------------------------------

    /// A spawn or submit capture of a future.
    pub(super) fn future_capture_ban(&self, t: TyId) -> Option<&'static str> {
        if self.holds_future(t) {
            return Some("a future belongs to the event loop thread; lift out its h and gen words and complete it with complete_raw");
        }
        None
    }

    /// At an instance of a std.async.future minting function: its element
    /// type may not view a frame.
    pub(super) fn future_instance(&mut self, name: &str, targs: &[TyId], span: Span) {
        if !matches!(name, "future_new" | "future_wrap" | "chan_recv_async") {
            return;
        }
        if let Some(&elem) = targs.first() {
            if self.crossing_ban(elem).is_some() {
                self.err(span, "a future element cannot contain a slice, closure, or interface value; each may view the completing thread's frame, so complete with heap-owned data instead");
            }
        }
    }
}
