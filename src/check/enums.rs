//! Enums and `match`: enum declarations, qualified construction
//! (`E.V(args)`, `E.V`), patterns, exhaustiveness and reachability, and the
//! typing of a `match` used as a value.
//!
//! Construction is always qualified by the enum; a pattern is always bare,
//! since the scrutinee's type already names the enum. A variant's index in
//! the declaration is its tag.
//!
//! A generic enum (`enum Maybe<T>`) is monomorphized like a generic struct:
//! its payload types refer to its parameters as `Param(i, _)`, and each
//! instance `Enum(id, args)` gets substituted payloads from
//! `Types::instantiate_fields`, so its layout and its match binders follow
//! the type arguments. A constructor infers them with `infer_type_args`:
//! from the expected type first, then from the payloads; a payload-less
//! variant has only the expected type to go on.

use super::*;
use crate::types::{EnumDef, VariantDef};

/// What a match arm's pattern tests (keyed by the `Arm` node).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArmRes {
    /// The scrutinee's tag is this variant; its binders (in `Info.decls`,
    /// keyed by the binder idents) load the payload fields.
    Variant(u32),
    /// Anything: `_`, or a name that binds the whole value (its local is in
    /// `Info.decls`, keyed by the pattern's ident).
    CatchAll,
}

/// Whether a `match` statement returns on every path: each arm returns (the
/// checker has already made the match exhaustive).
pub(super) fn match_returns(m: &Match) -> bool {
    m.arms.iter().all(|a| match &a.body {
        ArmBody::Return(_) => true,
        ArmBody::Block(b) => block_returns(b),
        ArmBody::Expr(e) => is_noreturn_call(e),
    })
}

/// A literal of any kind (a payload that pins nothing but itself).
fn is_literal(e: &Expr) -> bool {
    match &e.unparen().kind {
        ExprKind::Int { .. } | ExprKind::Float { .. } | ExprKind::Str(_) | ExprKind::Char(_) | ExprKind::Rune(_) | ExprKind::Bool(_) => true,
        ExprKind::Unary { op: UnOp::Neg, operand } => is_literal(operand),
        _ => false,
    }
}

/// The expression an arm yields as a value, if it is written as one.
fn arm_tail<'x>(a: &'x Arm<'x>) -> Option<&'x Expr<'x>> {
    match &a.body {
        ArmBody::Expr(e) => Some(e),
        ArmBody::Block(b) => match b.stmts.last().map(|s| &s.kind) {
            Some(StmtKind::Expr(e)) => Some(e),
            _ => None,
        },
        ArmBody::Return(_) => None,
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    // ----- declarations -------------------------------------------------

    /// Registers an enum's name (its variants are defined once every type
    /// name is known, so payloads may name any struct or enum).
    pub(super) fn declare_enum(&mut self, en: &'a EnumItem<'a>) -> Option<(u32, &'a EnumItem<'a>)> {
        let name = en.name.name;
        if self.enums.contains_key(name) || self.structs.contains_key(name) || Types::primitive(name).is_some() {
            self.err(en.name.span, format!("duplicate definition of '{}'", name));
            return None;
        }
        let id = self.types.enums.len() as u32;
        let generics = en.generics.iter().map(|g| g.name.to_string()).collect();
        self.types.enums.push(EnumDef { name: name.to_string(), generics, variants: Vec::new() });
        self.enums.insert(name.to_string(), id);
        Some((id, en))
    }

    pub(super) fn define_enums(&mut self, items: &[(u32, &'a EnumItem<'a>)]) {
        for &(id, en) in items {
            // A generic enum's payloads name its parameters as `Param(i, _)`.
            let names = self.types.enums[id as usize].generics.clone();
            let env = self.param_env(&names);
            let variants = self.with_tparams(env, |c| c.variant_defs(en));
            self.types.enums[id as usize].variants = variants;
        }
        // An enum holding itself by value (directly or through a struct,
        // tuple or array; at any type arguments) would have no finite size.
        for &(id, en) in items {
            let direct: Vec<TyId> = self.types.enums[id as usize].variants.iter().flat_map(|v| v.fields.iter().map(|f| f.1)).collect();
            let mut seen = Vec::new();
            if direct.iter().any(|&t| self.holds_by_value(t, Nominal::Enum(id), &mut seen)) {
                self.err(en.name.span, format!("'{}' contains itself; hold it through a pointer", en.name.name));
                self.types.enums[id as usize].variants.iter_mut().for_each(|v| v.fields.clear());
            }
        }
    }

    fn variant_defs(&mut self, en: &'a EnumItem<'a>) -> Vec<VariantDef> {
        let mut variants: Vec<VariantDef> = Vec::new();
        for v in en.variants {
            if variants.iter().any(|d| d.name == v.name.name) {
                self.err(v.name.span, format!("duplicate variant '{}' in '{}'", v.name.name, en.name.name));
                continue;
            }
            let mut fields: Vec<(String, TyId)> = Vec::new();
            for f in v.fields {
                let t = self.resolve_type(f.ty);
                if fields.iter().any(|(n, _)| n == f.name.name) {
                    self.err(f.name.span, format!("duplicate field '{}'", f.name.name));
                }
                fields.push((f.name.name.to_string(), t));
            }
            variants.push(VariantDef { name: v.name.name.to_string(), fields });
        }
        variants
    }

    /// A struct holding itself by value, directly or through other structs,
    /// enums, tuples or arrays, would have no finite size (and its layout
    /// would recurse forever). The field that closes the cycle is reported
    /// and made an error type, which breaks the cycle for what follows.
    pub(super) fn reject_struct_cycles(&mut self, items: &[(u32, &'a StructItem<'a>)]) {
        for &(id, st) in items {
            for (i, fld) in st.fields.iter().enumerate() {
                let Some(&(_, t)) = self.types.structs[id as usize].fields.get(i) else { break };
                if self.holds_by_value(t, Nominal::Struct(id), &mut Vec::new()) {
                    self.err(fld.span, format!("'{}' contains itself; hold it through a pointer", st.name.name));
                    self.types.structs[id as usize].fields[i].1 = prim::ERR;
                }
            }
        }
    }

    /// Whether a value of type `t` stores an instance of `target` inside it
    /// (not behind a pointer). Any instance counts: each holds another
    /// instance in turn.
    fn holds_by_value(&mut self, t: TyId, target: Nominal, seen: &mut Vec<TyId>) -> bool {
        match (self.types.kind(t), target) {
            (TyKind::Enum(id, _), Nominal::Enum(want)) | (TyKind::Struct(id, _), Nominal::Struct(want)) if *id == want => return true,
            _ => {}
        }
        // Types growing under their own type arguments are left to
        // `complete_instances`, which reports them.
        if seen.contains(&t) || seen.len() > 256 {
            return false;
        }
        seen.push(t);
        let inner: Vec<TyId> = match self.types.kind(t).clone() {
            TyKind::Array(e, _) => vec![e],
            TyKind::Tuple(ts) => ts,
            TyKind::Struct(id, args) => {
                let decl: Vec<TyId> = self.types.structs[id as usize].fields.iter().map(|f| f.1).collect();
                decl.into_iter().map(|f| self.types.subst(f, &args)).collect()
            }
            TyKind::Enum(id, args) => {
                let decl: Vec<TyId> = self.types.enums[id as usize].variants.iter().flat_map(|v| v.fields.iter().map(|f| f.1)).collect();
                decl.into_iter().map(|f| self.types.subst(f, &args)).collect()
            }
            _ => Vec::new(),
        };
        inner.into_iter().any(|i| self.holds_by_value(i, target, seen))
    }

    /// The type named by enum `id` with type arguments `args` (`Maybe<int64>`).
    pub(super) fn enum_type(&mut self, id: u32, args: &[Type], span: Span) -> TyId {
        let def = &self.types.enums[id as usize];
        let (name, want) = (def.name.clone(), def.generics.len());
        for a in args {
            if let TypeKind::Named { name, .. } = &a.kind {
                if self.interfaces.contains(name.name) && self.tparam(name.name).is_none() {
                    self.err(a.span, "an interface cannot be a generic type argument; generics are monomorphized over concrete types");
                    return prim::ERR;
                }
            }
        }
        if args.len() != want {
            if want == 0 {
                self.err(span, format!("'{}' takes no type arguments", name));
            } else {
                self.err(span, format!("'{}' takes {} type argument(s), found {}", name, want, args.len()));
            }
            return prim::ERR;
        }
        let targs: Vec<TyId> = args.iter().map(|a| self.resolve_type(a)).collect();
        if targs.contains(&prim::ERR) {
            return prim::ERR;
        }
        // Instantiated where used: a struct field may name the instance
        // before the enum's variants are defined.
        self.types.intern(TyKind::Enum(id, targs))
    }

    // ----- construction -------------------------------------------------

    /// `base` names an enum (and no local shadows the name).
    fn enum_named(&self, cx: &FnCx, base: &Expr) -> Option<u32> {
        match &base.kind {
            ExprKind::Name(n) if cx.lookup(n.name).is_none() => self.enums.get(n.name).copied(),
            _ => None,
        }
    }

    /// The variant `name` of enum `id`, reporting an unknown one.
    fn variant_of(&mut self, id: u32, name: &Ident) -> Option<u32> {
        let def = &self.types.enums[id as usize];
        match def.variant(name.name) {
            Some(v) => Some(v),
            None => {
                let msg = format!("'{}' has no variant '{}'", def.name, name.name);
                self.err(name.span, msg);
                None
            }
        }
    }

    /// `E.V` as a value (a payload-less variant); None if `base` is not an
    /// enum. A generic enum's type arguments come from `expected` alone.
    pub(super) fn enum_value(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, base: &'a Expr<'a>, name: &Ident, expected: Option<TyId>) -> Option<TyId> {
        let id = self.enum_named(cx, base)?;
        let Some(v) = self.variant_of(id, name) else { return Some(prim::ERR) };
        let want = self.types.enums[id as usize].variants[v as usize].fields.len();
        if want != 0 {
            let q = format!("{}.{}", self.types.enums[id as usize].name, name.name);
            self.err(e.span, format!("'{}' takes {} argument(s), but 0 were given", q, want));
        }
        self.info.variant_values.insert(key(e), v);
        Some(self.constructed(cx, id, &[], &[], expected, e.span).0)
    }

    /// `E.V(args)`; None if the callee's base is not an enum.
    pub(super) fn enum_ctor(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, base: &'a Expr<'a>, name: &Ident, args: &'a [Expr<'a>], expected: Option<TyId>) -> Option<TyId> {
        let id = self.enum_named(cx, base)?;
        let Some(v) = self.variant_of(id, name) else {
            for a in args {
                self.expr(cx, a, None);
            }
            return Some(prim::ERR);
        };
        self.info.calls.insert(key(e), CallRes::Variant(v));
        let decl: Vec<TyId> = self.types.enums[id as usize].variants[v as usize].fields.iter().map(|f| f.1).collect();
        let q = format!("{}.{}", self.types.enums[id as usize].name, name.name);
        if args.len() != decl.len() {
            self.err(e.span, format!("'{}' takes {} argument(s), but {} were given", q, decl.len(), args.len()));
            let generic = !self.types.enums[id as usize].generics.is_empty();
            for (i, a) in args.iter().enumerate() {
                let want = decl.get(i).copied().filter(|&t| !self.types.has_param(t));
                self.expr(cx, a, want);
            }
            return Some(if generic { prim::ERR } else { self.types.intern(TyKind::Enum(id, vec![])) });
        }
        let values: Vec<&'a Expr<'a>> = args.iter().collect();
        let (ty, tys) = self.constructed(cx, id, &decl, &values, expected, e.span);
        if ty == prim::ERR {
            return Some(ty);
        }
        let fields = self.types.variant_fields(ty, v);
        for (i, (&t, &want)) in tys.iter().zip(&fields).enumerate() {
            if !self.assignable(t, want) {
                self.err(args[i].span, format!("argument {} to '{}' has the wrong type", i + 1, q));
            }
        }
        Some(ty)
    }

    /// The type a constructor of enum `id` builds, and the types of its
    /// payload `values` (checked against the declared payload types
    /// `decl`). A generic enum infers its type arguments from the expected
    /// type, then from the payloads; a payload-less variant needs the
    /// expected type to pin them all. The type is ERR once something is
    /// reported.
    fn constructed(&mut self, cx: &mut FnCx, id: u32, decl: &[TyId], values: &[&'a Expr<'a>], expected: Option<TyId>, span: Span) -> (TyId, Vec<TyId>) {
        let def = &self.types.enums[id as usize];
        if def.generics.is_empty() {
            let mut tys = Vec::new();
            for (v, &t) in values.iter().zip(decl) {
                if t == prim::ERROR {
                    self.mark_handled(cx, v);
                }
                tys.push(self.expr(cx, v, Some(t)));
            }
            return (self.types.intern(TyKind::Enum(id, vec![])), tys);
        }
        if values.is_empty() && expected == Some(prim::ERR) {
            // The context already failed (or is a generic body's open type).
            return (prim::ERR, Vec::new());
        }
        let (names, what) = (def.generics.clone(), def.name.clone());
        let abstract_: Vec<TyId> = self.param_env(&names).into_iter().map(|p| p.1).collect();
        let decl_ty = self.types.intern(TyKind::Enum(id, abstract_));
        let Some((targs, tys)) = self.infer_type_args(cx, &names, &what, decl, values, decl_ty, expected, span) else {
            return (prim::ERR, vec![prim::ERR; values.len()]);
        };
        let ty = self.types.intern(TyKind::Enum(id, targs));
        self.types.instantiate_fields(ty);
        (self.open_in_template(ty), tys)
    }

    /// How much a call argument depends on the context to get its type, for
    /// the order generic inference checks arguments in: 0 for an ordinary
    /// value, 1 for a bare literal or a generic enum constructor whose
    /// payloads are all literals (these adapt to what is known, in order),
    /// 2 for a payload-less variant of a generic enum (it has nothing but
    /// the context to go on).
    pub(super) fn context_rank(&self, cx: &FnCx, e: &Expr) -> u8 {
        let e = e.unparen();
        if is_bare_literal(e) {
            return 1;
        }
        let generic = |c: &Self, base: &Expr| c.enum_named(cx, base).map_or(false, |id| !c.types.enums[id as usize].generics.is_empty());
        match &e.kind {
            ExprKind::Field { base, .. } if generic(self, base) => 2,
            ExprKind::Call { callee, args } => match &callee.kind {
                ExprKind::Field { base, .. } if generic(self, base) && args.iter().all(|a| is_literal(a)) => 1,
                _ => 0,
            },
            _ => 0,
        }
    }

    /// A bare variant name where a value or a call belongs: report the
    /// qualified form. False if no enum declares the name.
    pub(super) fn bare_variant(&mut self, id: &Ident) -> bool {
        let Some(def) = self.types.enums.iter().find(|d| d.variant(id.name).is_some()) else { return false };
        let msg = format!("use the qualified form '{}.{}' to construct an enum value; the unqualified variant name is not a constructor", def.name, id.name);
        self.err(id.span, msg);
        true
    }

    // ----- match --------------------------------------------------------

    pub(super) fn match_stmt(&mut self, cx: &mut FnCx, m: &'a Match<'a>) {
        self.match_check(cx, m, None, false);
    }

    pub(super) fn match_expr(&mut self, cx: &mut FnCx, m: &'a Match<'a>, expected: Option<TyId>) -> TyId {
        self.match_check(cx, m, expected, true)
    }

    /// Checks a match; as a value (`value`), its arms must agree on one
    /// type, which is the result (recorded under the `Match` node too).
    fn match_check(&mut self, cx: &mut FnCx, m: &'a Match<'a>, expected: Option<TyId>, value: bool) -> TyId {
        let st = self.expr(cx, m.scrutinee, None);
        let def = match self.types.kind(st) {
            TyKind::Enum(..) => {
                self.types.instantiate_fields(st);
                self.types.enum_def(st).cloned()
            }
            TyKind::Err => None,
            TyKind::Struct(..) | TyKind::Interface(..) => {
                let n = self.tyname(st);
                self.err(m.scrutinee.span, format!("match needs an enum value, and {} is not an enum", n));
                None
            }
            _ => {
                let n = self.tyname(st);
                self.err(m.scrutinee.span, format!("match needs an enum value, not {}", n));
                None
            }
        };
        let pats: Vec<Option<ArmRes>> = self.arm_patterns(m, def.as_ref());

        // Arms are checked in order, except that without an expected type
        // the first arm yielding the value least dependent on its context
        // goes first (see `context_rank`), so a literal arm, or an
        // `Opt.None`, adapts to the type its siblings agree on.
        let mut order: Vec<usize> = (0..m.arms.len()).collect();
        if value && expected.is_none() {
            let rank = |c: &Self, a: &Arm| arm_tail(a).map_or(3, |t| c.context_rank(cx, t));
            let best = (0..m.arms.len()).min_by_key(|&i| rank(self, &m.arms[i]));
            if let Some(i) = best.filter(|&i| rank(self, &m.arms[i]) < 3) {
                order.remove(i);
                order.insert(0, i);
            }
        }
        let mut agreed: Option<TyId> = None;
        let subject = self.own_subject(cx, m.scrutinee);
        let mut br = self.own.branches();
        let (mut owns, mut yielding) = (Vec::new(), 0);
        for i in order {
            let arm = &m.arms[i];
            cx.scopes.push(Vec::new());
            self.own.branch(&br);
            let first = cx.locals.len();
            self.bind_pattern(cx, arm, pats[i], st);
            self.own_binders(cx, first, subject);
            let want = agreed.or(expected);
            let yielded = if value { self.arm_value(cx, arm, want) } else { self.arm_stmt(cx, arm) };
            if yielded.is_some() {
                yielding += 1;
                owns.extend(self.own_arm(cx, arm).map(|o| (i, o)));
            }
            self.own.branch_done(&mut br);
            if let Some((t, span)) = yielded {
                match agreed {
                    // Arms boxed into the expected interface agree on it.
                    None if expected.map_or(false, |x| self.boxes_into(t, x)) => agreed = expected,
                    None => agreed = Some(t),
                    Some(a) if self.boxes_into(t, a) => {}
                    Some(a) if a != t && a != prim::ERR && t != prim::ERR => self.err(span, "the arms of a match expression must agree on type"),
                    Some(_) => {}
                }
            }
            self.close_scope(cx);
        }
        self.own.merge(br);
        if value {
            self.own_agree(m, &mut owns, yielding);
        }
        let ty = agreed.or(expected).unwrap_or(prim::VOID);
        if value {
            self.info.expr_ty.insert(key(m), ty);
        }
        ty
    }

    /// Resolves each arm's pattern against the scrutinee's enum (`None` for
    /// a scrutinee that is not one), reporting bad patterns, unreachable arms
    /// and a missing variant.
    fn arm_patterns(&mut self, m: &'a Match<'a>, def: Option<&EnumDef>) -> Vec<Option<ArmRes>> {
        let mut out = Vec::new();
        let mut covered: Vec<u32> = Vec::new();
        let mut catch_all = false;
        for arm in m.arms {
            let res = match (&arm.pat.kind, def) {
                (PatKind::Wildcard, _) => Some(ArmRes::CatchAll),
                (PatKind::Name(id), Some(d)) if d.variant(id.name).is_some() => {
                    let v = d.variant(id.name).unwrap();
                    let want = d.variants[v as usize].fields.len();
                    if want != 0 {
                        self.err(arm.pat.span, format!("variant pattern '{}' binds 0 of {} payload field(s)", id.name, want));
                    }
                    Some(ArmRes::Variant(v))
                }
                (PatKind::Name(_), _) => Some(ArmRes::CatchAll),
                (PatKind::Variant { name, binders }, Some(d)) => match d.variant(name.name) {
                    Some(v) => {
                        let want = d.variants[v as usize].fields.len();
                        if binders.len() != want {
                            self.err(arm.pat.span, format!("variant pattern '{}' binds {} of {} payload field(s)", name.name, binders.len(), want));
                        }
                        Some(ArmRes::Variant(v))
                    }
                    None => {
                        self.err(name.span, format!("'{}' has no variant '{}'", d.name, name.name));
                        None
                    }
                },
                (PatKind::Variant { .. }, None) => None,
            };
            // Without the enum (a scrutinee already reported, or a generic
            // body's open one) a bare name may be a variant: no verdict.
            if catch_all && def.is_some() {
                self.err(arm.pat.span, "unreachable match arm after a catch all pattern");
            } else if let (Some(ArmRes::Variant(v)), Some(d)) = (res, def) {
                if covered.contains(&v) {
                    self.err(arm.pat.span, format!("unreachable match arm, '{}' is already covered", d.variants[v as usize].name));
                }
                covered.push(v);
            }
            if res == Some(ArmRes::CatchAll) {
                catch_all = true;
            }
            if let Some(r) = res {
                self.info.arms.insert(key(arm), r);
            }
            out.push(res);
        }
        // One report per match: the first variant no arm covers.
        let all_resolved = out.iter().all(|r| r.is_some());
        if let (Some(d), false, true) = (def, catch_all, all_resolved) {
            if let Some(missing) = (0..d.variants.len() as u32).find(|v| !covered.contains(v)) {
                self.err(m.span, format!("non exhaustive match, missing variant '{}'", d.variants[missing as usize].name));
            }
        }
        out
    }

    /// Declares the arm's binders in the (already open) arm scope. Unused
    /// binders are fine (`Some(v) => return true`).
    fn bind_pattern(&mut self, cx: &mut FnCx, arm: &'a Arm<'a>, res: Option<ArmRes>, st: TyId) {
        match &arm.pat.kind {
            PatKind::Wildcard => {}
            PatKind::Name(id) => {
                if res == Some(ArmRes::CatchAll) {
                    self.declare(cx, id, st, false, false);
                }
            }
            PatKind::Variant { binders, .. } => {
                let fields = match res {
                    Some(ArmRes::Variant(v)) => self.types.variant_fields(st, v),
                    _ => Vec::new(),
                };
                for (i, b) in binders.iter().enumerate() {
                    let t = fields.get(i).copied().unwrap_or(prim::ERR);
                    self.declare(cx, b, t, false, false);
                }
            }
        }
    }

    /// An arm of a match statement: its value, if any, is discarded.
    fn arm_stmt(&mut self, cx: &mut FnCx, arm: &'a Arm<'a>) -> Option<(TyId, Span)> {
        match &arm.body {
            ArmBody::Block(b) => self.block(cx, b),
            ArmBody::Return(v) => self.return_stmt(cx, *v, arm.span),
            ArmBody::Expr(e) => {
                let t = self.expr(cx, e, None);
                if t == prim::ERROR {
                    self.err(e.span, "this expression's error result is ignored; bind it and handle the error with exists, check, or ignore");
                }
            }
        }
        None
    }

    /// An arm of a match used as a value: the type it yields and where, or
    /// None when it diverges (returns, breaks, continues).
    fn arm_value(&mut self, cx: &mut FnCx, arm: &'a Arm<'a>, want: Option<TyId>) -> Option<(TyId, Span)> {
        match &arm.body {
            ArmBody::Return(v) => {
                self.return_stmt(cx, *v, arm.span);
                None
            }
            ArmBody::Expr(e) => Some((self.yield_expr(cx, e, want), e.span)),
            ArmBody::Block(b) => {
                cx.scopes.push(Vec::new());
                let (init, tail) = match b.stmts.split_last() {
                    Some((last, init)) => (init, Some(last)),
                    None => (&b.stmts[..], None),
                };
                for s in init {
                    self.stmt(cx, s);
                }
                let out = match tail.map(|s| (s, &s.kind)) {
                    Some((_, StmtKind::Expr(e))) => Some((self.yield_expr(cx, e, want), e.span)),
                    // A block ending in a bare match yields that match's value.
                    Some((s, StmtKind::Match(inner))) => Some((self.match_check(cx, inner, want, true), s.span)),
                    Some((s, _)) => {
                        self.stmt(cx, s);
                        if !(stmt_returns(s) || matches!(s.kind, StmtKind::Break | StmtKind::Continue)) {
                            self.err(arm.span, "every arm of a match expression must yield a value or return");
                        }
                        None
                    }
                    None => {
                        self.err(arm.span, "every arm of a match expression must yield a value or return");
                        None
                    }
                };
                self.close_scope(cx);
                out
            }
        }
    }

    fn yield_expr(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, want: Option<TyId>) -> TyId {
        if let ExprKind::Lambda(_) = e.unparen().kind {
            self.err(e.span, "a match arm cannot yield a lambda; bind the function to a name outside the match");
            return prim::ERR;
        }
        self.expr(cx, e, want)
    }
}

/// A struct or enum declaration, by id.
#[derive(Clone, Copy)]
enum Nominal {
    Struct(u32),
    Enum(u32),
}
