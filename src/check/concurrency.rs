//! The concurrency builtins: `spawn`, `join`, `submit` (docs/concurrency.md).
//!
//! Each launcher takes one lambda literal of type `() -> void` written at the
//! call site: only the literal knows the environment layout, which the
//! lowering copies into a heap block the new thread (or pool task) owns. A
//! capture that may view the spawning frame (a slice, a closure, an
//! interface value, wherever it sits inside the captured value) would dangle
//! there, so it is a compile error. Channel elements follow the same rule.

use super::*;
use std::collections::HashSet;

/// What a launching builtin starts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Launch {
    /// `spawn`: an OS thread; `(thread, error)`.
    Thread,
    /// `submit`: a task of the thread pool; `error`.
    Pool,
}

impl Launch {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Launch::Thread => "spawn",
            Launch::Pool => "submit",
        }
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    /// `spawn`, `submit`, `join`; None for other names.
    pub(super) fn concurrency_builtin(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>]) -> Option<TyId> {
        match name {
            "spawn" => Some(self.launch(cx, e, Launch::Thread, args)),
            "submit" => Some(self.launch(cx, e, Launch::Pool, args)),
            "join" => Some(self.join_call(cx, e, args)),
            _ => None,
        }
    }

    fn launch(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, kind: Launch, args: &'a [Expr<'a>]) -> TyId {
        let result = match kind {
            Launch::Thread => self.types.tuple(vec![prim::THREAD, prim::ERROR]),
            Launch::Pool => prim::ERROR,
        };
        let b = kind.name();
        let shape = format!("{} takes one argument, a lambda literal of type () -> void", b);
        let lam = match args {
            [a] => match &a.unparen().kind {
                ExprKind::Lambda(l) => Some(*l),
                _ => None,
            },
            _ => None,
        };
        let Some(l) = lam else {
            for a in args {
                self.expr(cx, a, None);
            }
            if args.len() == 1 {
                self.err(args[0].span, format!("{} takes a lambda literal written at the call site; wrap a closure variable as lambda () -> void {{ g() }}", b));
            } else {
                self.err(e.span, shape);
            }
            return result;
        };
        let outer = self.own.thread_enter();
        let ft = self.expr(cx, &args[0], None);
        self.own.thread_leave(outer);
        let unit = self.types.func(vec![], prim::VOID);
        if ft != unit && ft != prim::ERR {
            self.err(args[0].span, shape);
            return result;
        }
        for (name, ty) in self.lambda_captures(cx, l) {
            if let Some(why) = self.future_capture_ban(ty).or_else(|| self.crossing_ban(ty)) {
                self.err(args[0].span, format!("{} cannot capture '{}': {}", b, name, why));
            }
        }
        self.info.calls.insert(key(e), CallRes::Launch(kind));
        result
    }

    /// The (name, type) of each local the checked lambda `l` captures; empty
    /// in a generic template, whose instances are checked again.
    pub(super) fn lambda_captures(&self, cx: &FnCx, l: &'a Lambda<'a>) -> Vec<(String, TyId)> {
        let Some(&i) = self.info.lambdas.get(&key(l)) else { return Vec::new() };
        for f in &self.funcs {
            if let Some(d) = f.lambdas.get(i) {
                if std::ptr::eq(d.lambda, l) {
                    return d.captures.iter().map(|c| (cx.locals[c.0 as usize].name.clone(), cx.locals[c.0 as usize].ty)).collect();
                }
            }
        }
        Vec::new()
    }

    /// Why a value of type `t` may not cross to another thread (a spawn or
    /// submit capture, a channel element), or None when it may.
    pub(super) fn crossing_ban(&self, t: TyId) -> Option<&'static str> {
        if self.reaches_collector(t) {
            return Some(super::collector::STAYS);
        }
        let mut seen = HashSet::new();
        if self.views_frame(t, &mut seen) {
            return Some("a slice, closure, or interface value may view the spawning frame, so move the data to the heap or send it through a channel");
        }
        None
    }

    /// Whether `t` may view a frame. An async func's parameters and result
    /// stay on the loop's thread, so unlike a thread crossing a collector
    /// is fine there.
    pub(super) fn may_view_frame(&self, t: TyId) -> bool {
        self.views_frame(t, &mut HashSet::new())
    }

    /// Whether `t` holds a slice, closure or interface value anywhere inside
    /// (not behind a pointer: a heap record outlives every frame).
    fn views_frame(&self, t: TyId, seen: &mut HashSet<TyId>) -> bool {
        if !seen.insert(t) {
            return false;
        }
        match self.types.kind(t) {
            TyKind::Slice(_) | TyKind::Func(..) | TyKind::Interface(..) => true,
            TyKind::Array(el, _) => self.views_frame(*el, seen),
            TyKind::Tuple(ts) => ts.clone().iter().any(|&m| self.views_frame(m, seen)),
            TyKind::Struct(..) => {
                let fields: Vec<TyId> = self.types.struct_fields(t).iter().map(|(_, f)| *f).collect();
                fields.into_iter().any(|f| self.views_frame(f, seen))
            }
            TyKind::Enum(..) => {
                let n = self.types.enum_def(t).map_or(0, |d| d.variants.len());
                (0..n as u32).any(|v| self.types.variant_fields(t, v).into_iter().any(|f| self.views_frame(f, seen)))
            }
            _ => false,
        }
    }

    /// `join(t)`: waits for the thread and retires its handle.
    fn join_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, args: &'a [Expr<'a>]) -> TyId {
        let ok = match args {
            [a] => {
                let t = self.expr(cx, a, Some(prim::THREAD));
                t == prim::THREAD || t == prim::ERR
            }
            _ => {
                for a in args {
                    self.expr(cx, a, None);
                }
                false
            }
        };
        if !ok {
            self.err(e.span, "join takes one thread handle");
        }
        self.info.calls.insert(key(e), CallRes::Join);
        prim::ERROR
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    /// At an instance of a std.concurrent.channel function: its element type
    /// must be able to cross to another thread.
    pub(super) fn channel_instance(&mut self, tid: u32, targs: &[TyId], span: Span) {
        let t = &self.gen.templates[tid as usize];
        if self.g.library.contains(&t.file) {
            self.future_instance(t.item.name.name, targs, span);
        }
        let t = &self.gen.templates[tid as usize];
        if !matches!(t.item.name.name, "chan_new" | "chan_send") || !self.g.library.contains(&t.file) {
            return;
        }
        if let Some(&elem) = targs.first() {
            if self.collector_channel(elem, span) {
                return;
            }
            if self.crossing_ban(elem).is_some() {
                self.err(span, "a channel element cannot contain a slice, closure, or interface value; each may view the sending frame, so send heap-owned data instead");
            }
        }
    }
}
