//! The mint `collector<T>(e)` as an outliving sink (spec "Minting is escape
//! neutral"): what the new block holds goes to `Loc::Collected`, which
//! outlives every frame, so a frame view reaching it is rejected, at the
//! mint or, through the callee's summary, at a call that collects what an
//! argument reaches. The minted value itself points only into the
//! collected heap: it returns cleanly.
//!
//! The three kinds: a plain block holds the value; a slice collector deep
//! copies the elements (so the source may be a frame view, but what an
//! element points to may not reach the frame); a closure collector's
//! environment holds the captures.

use super::*;

impl<'c, 'a> Fx<'c, 'a> {
    /// `collector<T>(value)`; `e`'s type is the collector's representation
    /// (the checker erased `collector<T>`).
    pub(super) fn mint(&mut self, st: &mut State, e: &'a Expr<'a>, value: &'a Expr<'a>) -> AVal {
        let t = self.ty(e);
        let held = match self.kind(t).clone() {
            TyKind::Func(..) => {
                if let ExprKind::Lambda(l) = &value.unparen().kind {
                    return self.mint_closure(st, l);
                }
                self.ev(st, value).flat()
            }
            TyKind::Slice(_) => {
                let v = self.ev_to(st, value, t);
                let elems = self.contents_of(st, &v.flat());
                if self.reach(st, &elems).iter().any(|l| l.is_frame()) {
                    self.error(value.span, "a collected slice element holds a pointer to an object that stores a view of the current frame; the collected block outlives the frame, so heap own the pointee or collect it first".to_string());
                }
                elems
            }
            TyKind::Ptr(inner) => {
                let v = self.ev_to(st, value, inner).flat();
                let frame: Locs = self.reach(st, &v).into_iter().filter(|l| l.is_frame()).collect();
                if !frame.is_empty() {
                    let msg = if matches!(self.kind(inner), TyKind::Ptr(_)) {
                        "this collects a pointer to an object that stores a view of the current frame; the collected block outlives the frame, so heap own the pointee or collect it first".to_string()
                    } else if frame.iter().all(|l| matches!(l, Loc::Env(_))) {
                        format!("{}: the collected block reaches memory that holds it and outlives this frame; put the captured backing on the heap", CLOSURE_ESCAPES)
                    } else {
                        format!("{}: the collected block reaches memory that holds it and outlives this frame; put the backing on the heap", SLICE_ESCAPES)
                    };
                    self.error(value.span, msg);
                }
                v
            }
            _ => self.ev(st, value).flat(),
        };
        st.mem.entry(Loc::Collected).or_default().extend(held);
        self.shape(t, &[Loc::Collected].into_iter().collect())
    }

    /// A closure minted onto the collected heap (an explicit mint, or a
    /// bare lambda at a direct call's `collector<F>` parameter): its
    /// environment is a collected block holding the captures.
    pub(super) fn mint_closure(&mut self, st: &mut State, l: &'a Lambda<'a>) -> AVal {
        let Some(&i) = self.c.info.lambdas.get(&key(l)) else { return AVal::empty() };
        let Some(lam) = self.c.funcs[self.func as usize].lambdas.get(i) else { return AVal::empty() };
        for cap in lam.captures.clone() {
            let v = st.locals.get(cap.0 as usize).map_or_else(Locs::new, |v| v.flat());
            if self.reach(st, &v).iter().any(|l| l.is_frame()) {
                let name = self.c.funcs[self.func as usize].locals.get(cap.0 as usize).map_or("", |x| x.name.as_str()).to_string();
                self.error(l.span, format!("cannot collect a closure that captures '{}': it may view a frame; the collected environment outlives the frame, so heap own the pointee or collect it first", name));
            }
            st.mem.entry(Loc::Collected).or_default().extend(v);
        }
        AVal::Leaf([Loc::Code(Code::Lambda(self.func, i as u32)), Loc::Collected].into_iter().collect())
    }

    /// A call of `code` collects `contents`, what its argument `j` (0-based
    /// over the summary's parameters) reaches: rejected when that views the
    /// current frame.
    pub(super) fn collect_through_call(&mut self, st: &mut State, e: &'a Expr<'a>, code: Code, j: usize, contents: &Locs) {
        st.mem.entry(Loc::Collected).or_default().extend(contents.iter().copied());
        if !self.reach(st, contents).iter().any(|l| l.is_frame()) {
            return;
        }
        // The argument as written, when it is a name.
        let first = match code {
            Code::Func(f) if self.c.funcs[f as usize].receiver.is_some() => 1,
            Code::Lambda(f, i) => 1 + self.ncaptures(f, i),
            Code::Func(_) => 0,
        };
        let written = match &e.unparen().kind {
            ExprKind::Call { args, .. } => j.checked_sub(first).and_then(|k| args.get(k)).and_then(|a| match &a.unparen().kind {
                ExprKind::Name(id) => Some(format!("'{}'", id.name)),
                _ => None,
            }),
            _ => None,
        };
        let what = written.unwrap_or_else(|| self.arg_label(code, j));
        let msg = match code {
            Code::Func(f) => format!("'{}' collects {}, but it holds a view of the frame; the collected block outlives the frame, so put the backing on the heap", self.callee_name(f), what),
            Code::Lambda(..) => format!("the closure called here collects {}, but it holds a view of the frame; the collected block outlives the frame, so put the backing on the heap", what),
        };
        self.error(e.span, msg);
    }

    /// The message for a frame view stored into the collected heap.
    pub(super) fn collected_store_message(&self, sink: &Sink) -> String {
        match sink {
            Sink::Assign => "a frame view is stored into a collected block, which outlives this frame; put the backing on the heap".to_string(),
            Sink::Call { callee, arg, .. } => {
                format!("{} holds a view of the frame, and this call collects it; the collected block outlives the frame, so put the backing on the heap", self.arg_label(*callee, *arg))
            }
        }
    }
}
