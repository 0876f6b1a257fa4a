//! The ownership surface rules (spec "Ownership, Borrows, and Freeing a
//! Tree", "Borrowing With a `ref` Binding", "Declaring an Owning Func";
//! digest 3.13, 3.16, 3.17, 5.5): a static single-owner discipline over the
//! bindings that may hold a managed pointer.
//!
//! Every such binding gets a verdict from what initialised it: `alloc`,
//! `move`, an `owning` call or a fresh call result owns; a parameter, a
//! `ref` alias, a `for` binder, a container read (a non-owning generic
//! func's bare `T` result), a copy of a borrow and a match payload binder
//! under a borrowed subject borrow. A tuple binding keeps the borrows of
//! its members, so a borrow laundered through `(p, 1)` and destructured back
//! out is still one. The checker refuses what the spec names: copying an
//! owner, freeing or moving a borrow, using a moved name, reassigning an
//! owner, returning a borrowed match result, match arms that disagree on
//! ownership, shadowing the `using` allocator. Anything it cannot classify
//! stays unrecorded and is allowed: the runtime generation check is the
//! backstop, and a false rejection of a valid program is the worse error.
//!
//! Verdicts follow control flow, not source order: each branch of an `if`
//! or `match` starts from the state before it and the states of the
//! branches that fall through are joined after it (a name moved on one path
//! is moved afterwards; a path that returns, breaks or continues drops out).
//! A loop body is checked once; the state after the loop joins the entry,
//! the end of the body and every `break`/`continue`. A lambda body starts
//! from the state where it is written and its effects stay inside it.
//!
//! Like the reference's surface pass, the owner-side rules (copy, reassign,
//! arm agreement) are judged on a generic body as written, where a bare type
//! parameter is never promoted to an owner, and not again on its instances,
//! where a ground `*T` would turn a legal generic copy into an error.

use super::*;
use super::heap::HeapOp;

/// The ownership verdict of one binding.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Own {
    Owner,
    Borrow,
    /// Killed by `move`: any later use is an error.
    Moved,
    /// An owner that was freed: it may be reassigned (its use is the
    /// runtime's to catch).
    Freed,
}

/// What a binding holds: one verdict, or for a tuple the verdicts of its
/// members (borrows only: a tuple carries a borrow out, never an owner).
#[derive(Clone, Debug, PartialEq)]
enum Val {
    One(Own),
    Tuple(Vec<Option<Val>>),
}

/// The verdicts at one program point, keyed by the span of each binding's
/// declaring identifier (unique within a body).
#[derive(Clone, Default)]
pub struct Flow {
    vals: HashMap<Span, Val>,
    /// No path reaches this point (after a return, break or continue).
    dead: bool,
}

/// The state around an `if` or a `match`: what each branch starts from and
/// the join of the branches done so far.
pub struct Branches {
    entry: Flow,
    out: Option<Flow>,
}

#[derive(Default)]
pub struct Ownership {
    flow: Flow,
    /// For each enclosing loop, innermost last, the states its `break`s and
    /// `continue`s leave with.
    loops: Vec<Vec<Flow>>,
    /// Declaring spans of match payload binders: yielding an owning one
    /// bare from an arm copies it.
    binders: HashSet<Span>,
    /// The ownership each match expression's arms agreed on (by `key`).
    matches: HashMap<usize, Own>,
    /// The `using` allocator parameter of the body being checked (its
    /// name and declaring span).
    alloc_param: Option<(String, Span)>,
    /// Whether the owner-side rules are judged (not in a generic instance).
    owner_rules: bool,
}

const COPY_OWNER: &str = "cannot copy an owning pointer; bind a `ref` alias or `move` it";
const FREE_BORROW: &str = "cannot free a borrowed pointer; only its owner frees it";
const MOVE_BORROW: &str = "cannot move a borrowed pointer; only its owner can be moved";

fn join_val(a: &Val, b: &Val) -> Option<Val> {
    use Own::*;
    match (a, b) {
        _ if a == b => Some(a.clone()),
        (Val::One(Moved), _) | (_, Val::One(Moved)) => Some(Val::One(Moved)),
        (Val::One(Owner | Freed), Val::One(Owner | Freed)) => Some(Val::One(Freed)),
        (Val::Tuple(x), Val::Tuple(y)) if x.len() == y.len() => Some(Val::Tuple(x.iter().zip(y).map(|(p, q)| join_opt(p.as_ref(), q.as_ref())).collect())),
        _ => None,
    }
}

/// A binding known on one side only is unknown after the join, unless it
/// was moved: a use is then wrong on that path.
fn join_opt(a: Option<&Val>, b: Option<&Val>) -> Option<Val> {
    match (a, b) {
        (Some(x), Some(y)) => join_val(x, y),
        (Some(Val::One(Own::Moved)), None) | (None, Some(Val::One(Own::Moved))) => Some(Val::One(Own::Moved)),
        _ => None,
    }
}

impl Flow {
    fn join(self, other: Flow) -> Flow {
        if self.dead {
            return other;
        }
        if other.dead {
            return self;
        }
        let mut vals = HashMap::new();
        for (k, v) in &self.vals {
            if let Some(j) = join_opt(Some(v), other.vals.get(k)) {
                vals.insert(*k, j);
            }
        }
        for (k, v) in &other.vals {
            if !self.vals.contains_key(k) {
                if let Some(j) = join_opt(None, Some(v)) {
                    vals.insert(*k, j);
                }
            }
        }
        Flow { vals, dead: false }
    }
}

impl Ownership {
    /// Branches start here (an `if`, a `match`).
    pub fn branches(&self) -> Branches {
        Branches { entry: self.flow.clone(), out: None }
    }

    /// The next branch starts from the state before the branches.
    pub fn branch(&mut self, b: &Branches) {
        self.flow = b.entry.clone();
    }

    /// The branch just checked ends here.
    pub fn branch_done(&mut self, b: &mut Branches) {
        let f = std::mem::take(&mut self.flow);
        b.out = Some(match b.out.take() {
            None => f,
            Some(o) => o.join(f),
        });
    }

    /// After the branches: the join of those that fall through.
    pub fn merge(&mut self, b: Branches) {
        self.flow = b.out.unwrap_or(Flow { dead: true, ..b.entry });
    }

    /// A loop body starts; returns the entry state.
    pub fn loop_enter(&mut self) -> Flow {
        self.loops.push(Vec::new());
        self.flow.clone()
    }

    /// The loop ends: the state after it joins `entry` (a `while` or `for`
    /// may run zero times), the end of the body and its jumps out.
    pub fn loop_leave(&mut self, entry: Option<Flow>) {
        let exits = self.loops.pop().unwrap_or_default();
        let mut f = std::mem::take(&mut self.flow);
        if let Some(e) = entry {
            f = e.join(f);
        }
        for x in exits {
            f = f.join(x);
        }
        self.flow = f;
    }

    /// `break` / `continue`: the path leaves for the loop's exit.
    pub fn jump(&mut self) {
        if let Some(l) = self.loops.last_mut() {
            l.push(self.flow.clone());
        }
        self.flow.dead = true;
    }

    /// `return` (or a call that never returns): the path ends.
    pub fn end_path(&mut self) {
        self.flow.dead = true;
    }

    /// A lambda body starts from the state where it is written; returns
    /// what `lambda_leave` restores.
    pub fn lambda_enter(&mut self) -> (Flow, Vec<Vec<Flow>>) {
        (self.flow.clone(), std::mem::take(&mut self.loops))
    }

    pub fn lambda_leave(&mut self, saved: (Flow, Vec<Vec<Flow>>)) {
        (self.flow, self.loops) = saved;
    }

    /// A spawned (or submitted) lambda is about to be checked: inside the
    /// thread every captured owner is a borrow (spec "What crosses a
    /// spawn"), so the outer owners read as borrows until `thread_leave`
    /// restores the state returned here.
    pub fn thread_enter(&mut self) -> Flow {
        let saved = self.flow.clone();
        for v in self.flow.vals.values_mut() {
            if matches!(v, Val::One(Own::Owner | Own::Freed)) {
                *v = Val::One(Own::Borrow);
            }
        }
        saved
    }

    pub fn thread_leave(&mut self, saved: Flow) {
        self.flow = saved;
    }

    fn get(&self, span: Span) -> Option<&Val> {
        self.flow.vals.get(&span)
    }

    fn one(&self, span: Span) -> Option<Own> {
        match self.get(span) {
            Some(Val::One(o)) => Some(*o),
            _ => None,
        }
    }

    fn set(&mut self, span: Span, v: Option<Val>) {
        match v {
            Some(v) => self.flow.vals.insert(span, v),
            None => self.flow.vals.remove(&span),
        };
    }
}

/// `func f<T>(...) -> T` and not `owning`: the result is a view of what the
/// arguments hold.
pub(super) fn returns_type_param(item: &FuncItem) -> bool {
    !item.is_owning && matches!(&item.ret.kind, TypeKind::Named { name, args } if args.is_empty() && item.generics.iter().any(|g| g.name == name.name))
}

impl<'a, 'd> Checker<'a, 'd> {
    /// A value of type `t` may be a managed pointer: a `*T`, or in a generic
    /// template an open type (the type parameters stand for the error type).
    fn managed(&self, t: TyId) -> bool {
        match self.types.kind(t) {
            TyKind::Ptr(_) => true,
            TyKind::Err => self.gen.in_template,
            _ => false,
        }
    }

    /// A parameter written `ty` (of checked type `t`) borrows a managed
    /// pointer: a `*T` (also one a template leaves open, `*Cell<T>`), or a
    /// bare type parameter (digest 3.13).
    fn param_borrows(&self, t: TyId, ty: &Type) -> bool {
        match self.types.kind(t) {
            TyKind::Ptr(_) => true,
            TyKind::Err => {
                self.gen.in_template
                    && match &ty.kind {
                        TypeKind::Ptr(_) => true,
                        TypeKind::Named { name, args } => args.is_empty() && self.tparam(name.name).is_some(),
                        _ => false,
                    }
            }
            _ => false,
        }
    }

    /// The declaring span of the local a `Name` expression refers to.
    fn local_of(&self, cx: &FnCx, e: &Expr) -> Option<(LocalId, Span)> {
        let e = e.unparen();
        let ExprKind::Name(id) = &e.kind else { return None };
        let l = match self.info.names.get(&key(e)) {
            Some(NameRes::Local(l)) => *l,
            Some(NameRes::Func(_)) => return None,
            None => cx.lookup(id.name)?,
        };
        Some((l, cx.locals[l.0 as usize].span))
    }

    /// The verdict of the local `e` names, if it is a name with one.
    fn name_own(&self, cx: &FnCx, e: &Expr) -> Option<(Span, Own)> {
        let (_, span) = self.local_of(cx, e)?;
        self.own.one(span).map(|o| (span, o))
    }

    // ----- bodies and bindings -------------------------------------------

    /// A body starts (before its parameters are declared): no verdicts
    /// yet, and a `using` parameter's name is reserved.
    pub(super) fn own_begin(&mut self, item: &FuncItem) {
        self.own.flow = Flow::default();
        self.own.loops.clear();
        self.own.owner_rules = !(self.gen.in_generic && !self.gen.in_template);
        self.own.alloc_param = item.params.iter().find(|p| p.using).map(|p| (p.name.name.to_string(), p.name.span));
    }

    /// The parameters (declared now) borrow.
    pub(super) fn own_params(&mut self, cx: &FnCx, item: &FuncItem) {
        for p in item.params {
            if let Some(&l) = self.info.decls.get(&key(&p.name)) {
                let st = &cx.locals[l.0 as usize];
                if self.param_borrows(st.ty, p.ty) {
                    self.own.set(st.span, Some(Val::One(Own::Borrow)));
                }
            }
        }
        // A method's receiver (local 0, not a parameter of the item).
        if let Some(st) = cx.locals.first().filter(|s| s.name == "self") {
            if matches!(self.types.kind(st.ty), TyKind::Ptr(_)) {
                self.own.set(st.span, Some(Val::One(Own::Borrow)));
            }
        }
    }

    /// A new binding `id`: it starts with no verdict, and it may not take
    /// the name of the `using` allocator parameter.
    pub(super) fn own_declare(&mut self, id: &Ident) {
        self.own.set(id.span, None);
        if matches!(&self.own.alloc_param, Some((n, s)) if n == id.name && *s != id.span) {
            self.err(id.span, format!("cannot shadow the allocator parameter '{}'; alloc and free in this function resolve through it, so rename this binding", id.name));
        }
    }

    /// A lambda parameter borrows like a function parameter.
    pub(super) fn own_lambda_param(&mut self, cx: &FnCx, l: LocalId, ty: &Type) {
        let st = &cx.locals[l.0 as usize];
        if self.param_borrows(st.ty, ty) {
            self.own.set(st.span, Some(Val::One(Own::Borrow)));
        }
    }

    /// A use of local `l` (a `Name` expression): refused after a `move`.
    pub(super) fn own_use(&mut self, cx: &FnCx, e: &Expr, l: LocalId) {
        if self.own.one(cx.locals[l.0 as usize].span) == Some(Own::Moved) {
            self.err(e.span, "use of a moved pointer");
        }
    }

    /// A `for` binder borrows the element it views.
    pub(super) fn own_borrow(&mut self, cx: &FnCx, l: LocalId) {
        let st = &cx.locals[l.0 as usize];
        if self.managed(st.ty) {
            self.own.set(st.span, Some(Val::One(Own::Borrow)));
        }
    }

    /// The verdict of a binding `l` initialised from `value`.
    pub(super) fn own_binding(&mut self, cx: &FnCx, mode: BindMode, value: &'a Expr<'a>, l: LocalId) {
        let (ty, span) = (cx.locals[l.0 as usize].ty, cx.locals[l.0 as usize].span);
        let v = if mode == BindMode::Ref {
            // `ref` is inert on anything but a managed pointer.
            self.managed(ty).then_some(Val::One(Own::Borrow))
        } else {
            self.source_val(cx, value, ty, true)
        };
        self.own.set(span, v);
    }

    /// `a, b := value`: each name takes its member's verdict. `ref a, b :=`
    /// records nothing.
    pub(super) fn own_destructure(&mut self, cx: &FnCx, mode: BindMode, value: &'a Expr<'a>, lids: &[LocalId]) {
        let members = if mode == BindMode::Ref { None } else { self.members_of(cx, value, lids.len()) };
        for (i, &l) in lids.iter().enumerate() {
            let (ty, span) = (cx.locals[l.0 as usize].ty, cx.locals[l.0 as usize].span);
            let v = members.as_ref().and_then(|m| m[i].clone()).filter(|v| match v {
                Val::One(_) => self.managed(ty),
                Val::Tuple(_) => matches!(self.types.kind(ty), TyKind::Tuple(_)),
            });
            self.own.set(span, v);
        }
    }

    /// The member verdicts of a tuple value of `n` members.
    fn members_of(&mut self, cx: &FnCx, value: &'a Expr<'a>, n: usize) -> Option<Vec<Option<Val>>> {
        let v = value.unparen();
        if let ExprKind::Call { .. } = &v.kind {
            // A fresh call result: its managed members are the caller's
            // (`q, e := chan_recv(c)` receives an owner).
            if !matches!(self.info.calls.get(&key(v)), Some(CallRes::Func(_) | CallRes::Method(_))) {
                return None;
            }
            let t = self.info.expr_ty.get(&key(v)).copied().unwrap_or(prim::ERR);
            let TyKind::Tuple(ts) = self.types.kind(t).clone() else { return None };
            return Some((0..n).map(|i| ts.get(i).filter(|&&t| matches!(self.types.kind(t), TyKind::Ptr(_))).map(|_| Val::One(Own::Owner))).collect());
        }
        let t = self.info.expr_ty.get(&key(value)).copied().unwrap_or(prim::ERR);
        match self.source_val(cx, value, t, false) {
            Some(Val::Tuple(ms)) if ms.len() == n => Some(ms),
            _ => None,
        }
    }

    /// `place = value`: an owner may not be overwritten (its allocation
    /// would leak); afterwards the name takes the value's verdict.
    pub(super) fn own_assign(&mut self, cx: &FnCx, place: &'a Expr<'a>, value: &'a Expr<'a>) {
        if !matches!(place.unparen().kind, ExprKind::Name(_)) {
            return;
        }
        let Some((l, span)) = self.local_of(cx, place) else { return };
        let ty = cx.locals[l.0 as usize].ty;
        if self.own.one(span) == Some(Own::Owner) && self.own.owner_rules {
            self.err(place.span, "cannot reassign an owning pointer; it leaks the allocation it holds, free it first or bind a new pointer");
        }
        let v = self.source_val(cx, value, ty, true);
        self.own.set(span, v);
    }

    /// What a binding of type `ty` from `value` holds. With `copy`, copying
    /// an owner is refused (a binding); without it (a tuple member) an
    /// owner is simply not carried.
    fn source_val(&mut self, cx: &FnCx, value: &'a Expr<'a>, ty: TyId, copy: bool) -> Option<Val> {
        let v = value.unparen();
        if let TyKind::Tuple(ts) = self.types.kind(ty).clone() {
            return match &v.kind {
                ExprKind::Tuple(xs) if xs.len() == ts.len() => {
                    let ms: Vec<Option<Val>> = xs.iter().zip(&ts).map(|(x, &t)| match self.source_val(cx, x, t, false) {
                        Some(Val::One(Own::Borrow)) => Some(Val::One(Own::Borrow)),
                        Some(t @ Val::Tuple(_)) => Some(t),
                        _ => None,
                    }).collect();
                    ms.iter().any(|m| m.is_some()).then_some(Val::Tuple(ms))
                }
                ExprKind::Name(_) => self.local_of(cx, v).and_then(|(_, s)| self.own.get(s).cloned()).filter(|x| matches!(x, Val::Tuple(_))),
                _ => None,
            };
        }
        if !self.managed(ty) {
            return None;
        }
        let o = match &v.kind {
            ExprKind::Name(_) => match self.name_own(cx, v) {
                Some((_, Own::Owner)) => {
                    if copy && self.own.owner_rules {
                        self.err(value.span, COPY_OWNER);
                    }
                    None
                }
                Some((_, Own::Borrow)) => Some(Own::Borrow),
                _ => None,
            },
            ExprKind::Match(m) => self.own.matches.get(&key(*m)).copied(),
            ExprKind::Call { .. } => self.call_own(v, ty),
            _ => None,
        };
        o.map(Val::One)
    }

    /// The verdict of a call result: `alloc` and `move` own; a non-owning
    /// generic func's bare `T` result borrows; any other call returning a
    /// managed pointer hands over a fresh owner. A result typed by an open
    /// type parameter is never promoted to an owner (spec: the owner side
    /// stays conservative).
    fn call_own(&self, v: &Expr, ty: TyId) -> Option<Own> {
        let fresh = matches!(self.types.kind(ty), TyKind::Ptr(_));
        match self.info.calls.get(&key(v)) {
            Some(CallRes::Heap(HeapOp::Alloc { .. } | HeapOp::Move)) => Some(Own::Owner),
            Some(CallRes::Func(f)) if returns_type_param(self.funcs[*f as usize].item) => Some(Own::Borrow),
            Some(CallRes::Func(_) | CallRes::Method(_)) if fresh => Some(Own::Owner),
            _ => None,
        }
    }

    // ----- free, move, return ---------------------------------------------

    /// The operand of `free`: a borrow (a borrowed name or match result) is
    /// refused; an owner becomes freed.
    pub(super) fn own_free(&mut self, cx: &FnCx, p: &'a Expr<'a>) -> bool {
        if let Some((span, o)) = self.name_own(cx, p) {
            match o {
                Own::Borrow => self.err(p.span, FREE_BORROW),
                Own::Owner => self.own.set(span, Some(Val::One(Own::Freed))),
                _ => {}
            }
            return true;
        }
        if self.match_own(p) == Some(Own::Borrow) {
            self.err(p.span, FREE_BORROW);
            return true;
        }
        false
    }

    /// The operand of `move`: a borrow is refused; a name is killed.
    pub(super) fn own_move(&mut self, cx: &FnCx, p: &'a Expr<'a>) -> bool {
        if let Some((_, span)) = self.local_of(cx, p) {
            if self.own.one(span) == Some(Own::Borrow) {
                self.err(p.span, MOVE_BORROW);
            } else {
                self.own.set(span, Some(Val::One(Own::Moved)));
            }
            return true;
        }
        if self.match_own(p) == Some(Own::Borrow) {
            self.err(p.span, MOVE_BORROW);
            return true;
        }
        false
    }

    fn match_own(&self, e: &Expr) -> Option<Own> {
        match &e.unparen().kind {
            ExprKind::Match(m) => self.own.matches.get(&key(*m)).copied(),
            _ => None,
        }
    }

    /// `return e`: a borrowed match result would launder into the caller's
    /// owner. The path ends.
    pub(super) fn own_return(&mut self, e: Option<&'a Expr<'a>>) {
        if let Some(e) = e {
            if self.match_own(e) == Some(Own::Borrow) {
                self.err(e.span, "cannot return a borrowed match result; move the payload or return an owning call");
            }
        }
        self.own.end_path();
    }

    // ----- match ------------------------------------------------------------

    /// How a match reaches its payloads: under `*t` with `t` an owner the
    /// managed payload binders own; under any other subject they borrow.
    /// Also whether the subject is a deref (see `own_binders`).
    pub(super) fn own_subject(&self, cx: &FnCx, scrutinee: &Expr) -> (Own, bool) {
        match &scrutinee.unparen().kind {
            ExprKind::Unary { op: UnOp::Deref, operand } => match self.name_own(cx, operand) {
                Some((_, Own::Owner)) => (Own::Owner, true),
                _ => (Own::Borrow, true),
            },
            _ => (Own::Borrow, false),
        }
    }

    /// The binders an arm's pattern declared (locals from `first` on). A
    /// binder typed by an open type parameter is judged only under a deref
    /// subject (a managed subject, as the reference's surface pass has it):
    /// a by-value generic enum's payload may well be a scalar. So in a
    /// generic instance, where that binder has its ground type, a by-value
    /// subject's binders are left alone (the template judged the rest).
    pub(super) fn own_binders(&mut self, cx: &FnCx, first: usize, subject: (Own, bool)) {
        for st in &cx.locals[first..] {
            let judged = match self.types.kind(st.ty) {
                TyKind::Ptr(_) => subject.1 || self.own.owner_rules,
                TyKind::Err => self.gen.in_template && subject.1,
                _ => false,
            };
            if judged {
                self.own.binders.insert(st.span);
                self.own.flow.vals.insert(st.span, Val::One(subject.0));
            }
        }
    }

    /// The ownership of the value a match arm yields (after the arm is
    /// checked): an owner from `alloc`, `move`, an owning or fresh call, or
    /// an owner the arm bound itself; a borrow from a borrowed name, a
    /// container read, or a nested match that borrows. Yielding an owning
    /// payload binder bare copies it out of the subject, which still owns it.
    pub(super) fn own_arm(&mut self, cx: &FnCx, arm: &'a Arm<'a>) -> Option<(Own, Span)> {
        let tail: &'a Expr<'a> = match &arm.body {
            ArmBody::Expr(e) => e,
            ArmBody::Block(b) => match b.stmts.last().map(|s| &s.kind) {
                Some(StmtKind::Expr(e)) => e,
                Some(StmtKind::Match(m)) => return self.own.matches.get(&key(*m)).map(|o| (*o, b.stmts.last().unwrap().span)),
                _ => return None,
            },
            ArmBody::Return(_) => return None,
        };
        let v = tail.unparen();
        let o = match &v.kind {
            ExprKind::Name(_) => {
                let (span, o) = self.name_own(cx, v)?;
                if o == Own::Owner && self.own.binders.contains(&span) && self.own.owner_rules {
                    self.err(tail.span, COPY_OWNER);
                }
                match o {
                    Own::Owner | Own::Borrow => o,
                    _ => return None,
                }
            }
            ExprKind::Match(m) => *self.own.matches.get(&key(*m))?,
            ExprKind::Call { .. } => {
                let t = self.info.expr_ty.get(&key(tail)).copied().unwrap_or(prim::ERR);
                if !self.managed(t) {
                    return None;
                }
                self.call_own(v, t)?
            }
            _ => return None,
        };
        Some((o, tail.span))
    }

    /// The arms' verdicts agree: the result owns only when every arm that
    /// yields a value yields an owner, and borrows only when every one yields
    /// a borrow; an arm whose value has no verdict leaves the result without
    /// one. `arms` are (arm index, verdict, where it is yielded) in the order
    /// the arms were checked; the odd arm is reported in source order.
    pub(super) fn own_agree(&mut self, m: &Match, arms: &mut [(usize, (Own, Span))], yielding: usize) {
        arms.sort_by_key(|a| a.0);
        let Some(&(_, (first, _))) = arms.first() else { return };
        if let Some(&(_, (_, span))) = arms.iter().find(|a| a.1 .0 != first) {
            if self.own.owner_rules {
                self.err(span, "the arms of a match expression must agree on ownership of its result");
            }
            return;
        }
        if arms.len() == yielding {
            self.own.matches.insert(key(m), first);
        }
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    /// Reports `self` used whole where a pointer is required (spec
    /// "Interfaces": `self` names the receiver's value, not a pointer to it,
    /// though the receiver is passed by pointer underneath): handed to a
    /// `*T` parameter, returned against a `*T` return, or dereferenced.
    /// `want` is the pointer type required (None: an explicit `*self`).
    pub(super) fn self_for_pointer(&mut self, cx: &FnCx, e: &Expr, want: Option<TyId>) -> bool {
        self.self_for_pointer_at(cx, e, want, false)
    }

    /// `self_for_pointer`; `defer`: report after the escape analysis, which
    /// reads such a `self` as the receiver pointer (a generic parameter
    /// instantiated to the receiver's pointer type, as in
    /// `chan_send(ch, self)`: the reference's escape pass names the send).
    pub(super) fn self_for_pointer_at(&mut self, cx: &FnCx, e: &Expr, want: Option<TyId>, defer: bool) -> bool {
        if let Some(w) = want {
            if !matches!(self.types.kind(w), TyKind::Ptr(_) | TyKind::RawPtr(_) | TyKind::VoidPtr) {
                return false;
            }
        }
        let ExprKind::Name(id) = &e.unparen().kind else { return false };
        let is_receiver = id.name == "self" && cx.lookup("self") == Some(LocalId(0)) && cx.locals.first().map_or(false, |l| l.name == "self");
        if !is_receiver {
            return false;
        }
        let msg = "cannot use 'self' where a pointer is required; 'self' is the receiver value, not a pointer to it";
        if defer {
            self.info.deferred.push((e.span, msg.to_string()));
        } else {
            self.err(e.span, msg);
        }
        true
    }
}
