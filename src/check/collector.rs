//! The collected heap's surface rules (spec "The Collected Heap and
//! `collector<T>`", digest 5.9).
//!
//! `collector<T>(e)` mints one of three kinds, chosen by `T`: a *plain*
//! collector (a block holding a scalar, a managed pointer, a string, or a
//! struct of those, used like a managed `*T`), a *closure* collector (a
//! lambda literal whose environment lives on the collected heap) and a
//! *slice* collector (a one-level deep copy of the elements). The checker
//! alone tells `collector<T>` apart from what it is made of
//! (`Types::rep`): a closure or slice collector widens to the plain closure
//! or slice, never the reverse, except that a bare lambda written as the
//! argument of a direct call is minted in place (`Info::minted`).
//!
//! A collected value is confined to the thread that runs `main`: it never
//! crosses a channel, a spawn or submit capture, or an interface box, and it
//! is never freed, moved or borrowed with `ref`. The frame-view side of the
//! mint (an argument that reaches the current frame) is the escape
//! analysis's (src/escape/collector.rs).

use super::*;

pub(super) const NOT_FREED: &str = "a collected value is not freed; the collector reclaims it";
pub(super) const NOT_OWNED: &str = "a collected value is not owned; copy it directly";
pub(super) const NOT_REF: &str = "a collected value is not borrowed with ref; copy it directly";
pub(super) const STAYS: &str = "a collected value stays on the main thread; it cannot cross to another thread";
const NO_CHANNEL: &str = "a collected value stays on the main thread; it cannot cross through a channel to another thread";
const NO_BOX: &str = "a collected value cannot be boxed into an interface; it stays on the main thread";
const PLAIN_HOLDS_VIEW: &str = "a collected value cannot hold a slice, function, or interface; collect a scalar, a pointer, or a struct of those";
const ELEM_HOLDS_VIEW: &str = "a collected slice's element cannot itself hold a slice, function, or interface; collect the inner view first";
const MISMATCH: &str = "the collected value's type does not match the collector element type";

/// Where a bare lambda meets a `collector<F>` parameter.
#[derive(Copy, Clone)]
pub(super) enum ArgSite {
    Method,
    Indirect,
}

impl<'a, 'd> Checker<'a, 'd> {
    /// The type `collector<T>`.
    pub(super) fn collector_type(&mut self, inner: &Type) -> TyId {
        let t = self.resolve_type(inner);
        if t == prim::ERR {
            return prim::ERR;
        }
        self.types.collector(t)
    }

    pub(super) fn is_collector(&self, t: TyId) -> bool {
        matches!(self.types.kind(t), TyKind::Collector(_))
    }

    /// `collector<T>(value)`.
    pub(super) fn collector_mint(&mut self, cx: &mut FnCx, ty: &Type, value: &'a Expr<'a>) -> TyId {
        let t = self.resolve_type(ty);
        if t == prim::ERR {
            self.expr(cx, value, None);
            return prim::ERR;
        }
        match self.types.kind(t).clone() {
            TyKind::Func(..) => {
                let ExprKind::Lambda(l) = &value.unparen().kind else {
                    self.expr(cx, value, Some(t));
                    self.err(value.span, "a collected closure must be a lambda literal written at the mint");
                    return self.types.collector(t);
                };
                let vt = self.expr(cx, value, Some(t));
                if !self.assignable(vt, t) {
                    self.err(value.span, MISMATCH);
                }
                self.collected_captures(cx, l, value.span);
            }
            TyKind::Slice(el) => {
                if self.holds_view(el) {
                    self.err(value.span, ELEM_HOLDS_VIEW);
                }
                let vt = self.expr(cx, value, Some(t));
                if !self.assignable(vt, t) {
                    self.err(value.span, MISMATCH);
                }
            }
            _ => {
                if self.holds_view(t) {
                    self.err(value.span, PLAIN_HOLDS_VIEW);
                    self.expr(cx, value, None);
                    return self.types.collector(t);
                }
                let vt = self.expr(cx, value, Some(t));
                if !self.assignable(vt, t) {
                    self.err(value.span, MISMATCH);
                }
            }
        }
        self.types.collector(t)
    }

    /// Whether a value of type `t` holds a slice, a closure or an interface
    /// value outside any pointer or collector: something that may view a
    /// frame, which a collected block would outlive.
    pub(super) fn holds_view(&self, t: TyId) -> bool {
        self.holds_view_at(t, 0)
    }

    fn holds_view_at(&self, t: TyId, depth: u32) -> bool {
        if depth > 16 {
            return false;
        }
        match self.types.kind(t) {
            TyKind::Slice(_) | TyKind::Func(..) | TyKind::Interface(..) => true,
            TyKind::Array(el, _) => self.holds_view_at(*el, depth + 1),
            TyKind::Tuple(ts) => ts.iter().any(|&m| self.holds_view_at(m, depth + 1)),
            TyKind::Struct(..) => self.types.struct_fields(t).iter().any(|(_, f)| self.holds_view_at(*f, depth + 1)),
            TyKind::Enum(..) => {
                let n = self.types.enum_def(t).map_or(0, |d| d.variants.len());
                (0..n as u32).any(|v| self.types.variant_fields(t, v).into_iter().any(|f| self.holds_view_at(f, depth + 1)))
            }
            _ => false,
        }
    }

    /// The capture rule of a closure mint: every capture immortal safe.
    /// In a generic instance the capture's type is the caller's choice: the
    /// escape analysis judges there whether what it holds views a frame,
    /// and names the call that collects it.
    fn collected_captures(&mut self, cx: &FnCx, l: &'a Lambda<'a>, span: Span) {
        if self.gen.in_generic {
            return;
        }
        for (name, ty) in self.lambda_captures(cx, l) {
            if self.holds_view(ty) {
                self.err(span, format!("cannot collect a closure that captures '{}': a slice, closure, or interface capture may view a frame; collect it first or capture a pointer to heap data", name));
            }
        }
    }

    /// Whether a value of type `t` reaches a collected value, directly or
    /// through pointers and aggregates (what may not cross to another thread).
    pub(super) fn reaches_collector(&self, t: TyId) -> bool {
        self.reaches_collector_at(t, 0)
    }

    fn reaches_collector_at(&self, t: TyId, depth: u32) -> bool {
        if depth > 16 {
            return false;
        }
        match self.types.kind(t) {
            TyKind::Collector(_) => true,
            TyKind::Ptr(e) | TyKind::RawPtr(e) | TyKind::Array(e, _) | TyKind::Slice(e) => self.reaches_collector_at(*e, depth + 1),
            TyKind::Tuple(ts) => ts.iter().any(|&m| self.reaches_collector_at(m, depth + 1)),
            TyKind::Struct(..) => self.types.struct_fields(t).iter().any(|(_, f)| self.reaches_collector_at(*f, depth + 1)),
            TyKind::Enum(..) => {
                let n = self.types.enum_def(t).map_or(0, |d| d.variants.len());
                (0..n as u32).any(|v| self.types.variant_fields(t, v).into_iter().any(|f| self.reaches_collector_at(f, depth + 1)))
            }
            _ => false,
        }
    }

    /// A channel instance at element type `elem`: reports a collected
    /// element; true when it did.
    pub(super) fn collector_channel(&mut self, elem: TyId, span: Span) -> bool {
        if self.reaches_collector(elem) {
            self.err(span, NO_CHANNEL);
            return true;
        }
        false
    }

    /// A bare collected value where an interface is expected: the one
    /// boxing a collector never takes. Returns the type the expression
    /// has from here on.
    pub(super) fn collector_boxing(&mut self, e: &Expr, t: TyId, expected: Option<TyId>) -> TyId {
        match expected {
            Some(w) if self.is_collector(t) && matches!(self.types.kind(w), TyKind::Interface(..)) => {
                self.err(e.span, NO_BOX);
                prim::ERR
            }
            _ => t,
        }
    }

    /// The one-way widening: `collector<F>` passes as `F`, `collector<U[]>`
    /// as `U[]`.
    pub(super) fn collector_widens(&self, v: TyId, t: TyId) -> bool {
        match self.types.kind(v) {
            TyKind::Collector(inner) => *inner == t && matches!(self.types.kind(t), TyKind::Func(..) | TyKind::Slice(_)),
            _ => false,
        }
    }

    /// A call argument: a bare lambda literal where a `collector<F>` is
    /// expected is minted in place (the rewrite of a direct call). None
    /// for any other argument, which the caller checks as usual.
    pub(super) fn collector_arg(&mut self, cx: &mut FnCx, a: &'a Expr<'a>, want: Option<TyId>) -> Option<TyId> {
        let w = want?;
        let TyKind::Collector(f) = *self.types.kind(w) else { return None };
        let ExprKind::Lambda(l) = &a.unparen().kind else { return None };
        if !matches!(self.types.kind(f), TyKind::Func(..)) {
            return None;
        }
        let t = self.expr(cx, a, Some(f));
        self.collected_captures(cx, l, a.span);
        self.info.minted.insert(key(a.unparen()));
        // What the lambda's body pinned of a hole (a `do` continuation).
        Some(self.types.collector(t))
    }

    /// A generic `collector<F>` parameter with what is known substituted
    /// (the rest left open), for a bare lambda to be checked against.
    pub(super) fn collector_hint(&mut self, p: TyId, binds: &[Option<TyId>]) -> Option<TyId> {
        if !self.is_collector(p) {
            return None;
        }
        let known: Vec<TyId> = binds.iter().map(|b| b.unwrap_or(prim::ERR)).collect();
        Some(self.types.subst(p, &known))
    }

    /// At a method or indirect call: a bare lambda for a `collector<F>`
    /// parameter is not minted there; the explicit mint is the fix.
    pub(super) fn reject_bare_collector_lambdas(&mut self, args: &'a [Expr<'a>], params: &[TyId], site: ArgSite) {
        for (a, &p) in args.iter().zip(params) {
            if !matches!(a.unparen().kind, ExprKind::Lambda(_)) || !self.is_collector(p) {
                continue;
            }
            let at = match site {
                ArgSite::Method => "at a method argument",
                ArgSite::Indirect => "through an indirect call",
            };
            self.err(a.span, format!("a bare lambda cannot become a closure collector {}; write the mint explicitly: collector<F>(lambda ...)", at));
        }
    }
}
