//! Deep copies of function bodies, for monomorphization.
//!
//! The checker's side tables are keyed by AST node address, and one generic
//! body has a different type for the same node in every instance. Giving each
//! instance its own copy of the nodes (in the same arena) keeps every table,
//! and the lowering that reads them, unchanged: an instance is an ordinary
//! function whose body happens to be a fresh copy. Spans are kept, so a
//! diagnostic in an instance points at the generic source.

use crate::ast::*;
use bumpalo::Bump;

pub struct Copier<'a> {
    pub arena: &'a Bump,
}

impl<'a> Copier<'a> {
    fn slice<T: Copy, F: FnMut(&Self, &T) -> T>(&self, xs: &[T], mut f: F) -> &'a [T] {
        let v: Vec<T> = xs.iter().map(|x| f(self, x)).collect();
        self.arena.alloc_slice_copy(&v)
    }

    pub fn func(&self, f: &FuncItem<'a>) -> &'a FuncItem<'a> {
        self.arena.alloc(FuncItem {
            generics: self.slice(f.generics, |_, g| *g),
            params: self.params(f.params),
            ret: self.ty(f.ret),
            body: self.block(f.body),
            ..*f
        })
    }

    fn params(&self, ps: &[Param<'a>]) -> &'a [Param<'a>] {
        self.slice(ps, |c, p| Param { ty: c.ty(p.ty), ..*p })
    }

    pub fn ty(&self, t: &Type<'a>) -> &'a Type<'a> {
        self.arena.alloc(self.ty_val(t))
    }

    fn ty_val(&self, t: &Type<'a>) -> Type<'a> {
        let kind = match &t.kind {
            TypeKind::Named { name, args } => TypeKind::Named { name: *name, args: self.slice(args, |c, a| c.ty_val(a)) },
            TypeKind::Ptr(i) => TypeKind::Ptr(self.ty(i)),
            TypeKind::RawPtr(i) => TypeKind::RawPtr(self.ty(i)),
            TypeKind::Slice(i) => TypeKind::Slice(self.ty(i)),
            TypeKind::Array { elem, len } => TypeKind::Array { elem: self.ty(elem), len: *len },
            TypeKind::Tuple(ts) => TypeKind::Tuple(self.slice(ts, |c, a| c.ty_val(a))),
            TypeKind::Func { params, ret } => TypeKind::Func { params: self.slice(params, |c, a| c.ty_val(a)), ret: self.ty(ret) },
            TypeKind::Collector(i) => TypeKind::Collector(self.ty(i)),
            k @ (TypeKind::Void | TypeKind::Unit | TypeKind::Infer) => *k,
        };
        Type { kind, span: t.span }
    }

    fn block(&self, b: &Block<'a>) -> &'a Block<'a> {
        self.arena.alloc(Block { span: b.span, stmts: self.slice(b.stmts, |c, s| c.stmt(s)) })
    }

    fn stmt(&self, s: &Stmt<'a>) -> Stmt<'a> {
        let kind = match &s.kind {
            StmtKind::Let(b) => StmtKind::Let(self.arena.alloc(Binding {
                names: self.slice(b.names, |c, n| BindName { name: n.name, ty: n.ty.map(|t| c.ty(t)) }),
                value: self.expr(b.value),
                ..**b
            })),
            StmtKind::Assign { place, value } => StmtKind::Assign { place: self.expr(place), value: self.expr(value) },
            StmtKind::CompoundAssign { op, place, value } => StmtKind::CompoundAssign { op: *op, place: self.expr(place), value: self.expr(value) },
            StmtKind::IncDec { place, inc } => StmtKind::IncDec { place: self.expr(place), inc: *inc },
            StmtKind::If(i) => StmtKind::If(self.if_stmt(i)),
            StmtKind::While { cond, body } => StmtKind::While { cond: self.expr(cond), body: self.block(body) },
            StmtKind::DoWhile { body, cond } => StmtKind::DoWhile { body: self.block(body), cond: self.expr(cond) },
            StmtKind::For(f) => StmtKind::For(self.arena.alloc(ForStmt { first: f.first, second: f.second, iter: self.expr(f.iter), body: self.block(f.body) })),
            StmtKind::Match(m) => StmtKind::Match(self.match_(m)),
            StmtKind::Return(v) => StmtKind::Return(v.map(|e| self.expr(e))),
            StmtKind::Break => StmtKind::Break,
            StmtKind::Continue => StmtKind::Continue,
            StmtKind::Defer(e) => StmtKind::Defer(self.expr(e)),
            StmtKind::Parallel(b) => StmtKind::Parallel(self.block(b)),
            StmtKind::Expr(e) => StmtKind::Expr(self.expr(e)),
        };
        Stmt { kind, span: s.span }
    }

    fn if_stmt(&self, i: &IfStmt<'a>) -> &'a IfStmt<'a> {
        let els = match &i.els {
            None => None,
            Some(Else::Block(b)) => Some(Else::Block(self.block(b))),
            Some(Else::If(ii)) => Some(Else::If(self.if_stmt(ii))),
        };
        self.arena.alloc(IfStmt { span: i.span, cond: self.expr(i.cond), then: self.block(i.then), els })
    }

    fn match_(&self, m: &Match<'a>) -> &'a Match<'a> {
        let arms = self.slice(m.arms, |c, a| {
            let pat = Pattern {
                kind: match &a.pat.kind {
                    PatKind::Variant { name, binders } => PatKind::Variant { name: *name, binders: c.slice(binders, |_, b| *b) },
                    k => *k,
                },
                span: a.pat.span,
            };
            let body = match &a.body {
                ArmBody::Block(b) => ArmBody::Block(c.block(b)),
                ArmBody::Return(v) => ArmBody::Return(v.map(|e| c.expr(e))),
                ArmBody::Expr(e) => ArmBody::Expr(c.expr(e)),
            };
            Arm { span: a.span, pat, body }
        });
        self.arena.alloc(Match { span: m.span, scrutinee: self.expr(m.scrutinee), arms })
    }

    pub fn expr(&self, e: &Expr<'a>) -> &'a Expr<'a> {
        self.arena.alloc(self.expr_val(e))
    }

    fn expr_val(&self, e: &Expr<'a>) -> Expr<'a> {
        let kind = match &e.kind {
            k @ (ExprKind::Int { .. }
            | ExprKind::Float { .. }
            | ExprKind::Str(_)
            | ExprKind::Char(_)
            | ExprKind::Rune(_)
            | ExprKind::Bool(_)
            | ExprKind::Name(_)
            | ExprKind::Unit) => *k,
            ExprKind::FStr(parts) => ExprKind::FStr(self.slice(parts, |c, p| match p {
                FStrPart::Text(t) => FStrPart::Text(t),
                FStrPart::Hole(h) => FStrPart::Hole(c.expr(h)),
            })),
            ExprKind::Unary { op, operand } => ExprKind::Unary { op: *op, operand: self.expr(operand) },
            ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary { op: *op, lhs: self.expr(lhs), rhs: self.expr(rhs) },
            ExprKind::Range { lo, hi, inclusive } => ExprKind::Range { lo: self.expr(lo), hi: self.expr(hi), inclusive: *inclusive },
            ExprKind::Call { callee, args } => ExprKind::Call { callee: self.expr(callee), args: self.slice(args, |c, a| c.expr_val(a)) },
            ExprKind::Index { base, index } => ExprKind::Index { base: self.expr(base), index: self.expr(index) },
            ExprKind::Field { base, name } => ExprKind::Field { base: self.expr(base), name: *name },
            ExprKind::StructLit { name, fields } => {
                ExprKind::StructLit { name: *name, fields: self.slice(fields, |c, f| FieldInit { value: c.expr(f.value), ..*f }) }
            }
            ExprKind::Array(xs) => ExprKind::Array(self.slice(xs, |c, x| c.expr_val(x))),
            ExprKind::Tuple(xs) => ExprKind::Tuple(self.slice(xs, |c, x| c.expr_val(x))),
            ExprKind::Paren(x) => ExprKind::Paren(self.expr(x)),
            ExprKind::Lambda(l) => ExprKind::Lambda(self.arena.alloc(Lambda { span: l.span, params: self.params(l.params), ret: self.ty(l.ret), body: self.block(l.body) })),
            ExprKind::Match(m) => ExprKind::Match(self.match_(m)),
            ExprKind::Do(d) => ExprKind::Do(self.arena.alloc(DoBlock {
                span: d.span,
                monad: d.monad,
                elems: self.slice(d.elems, |c, el| match el {
                    DoElem::Bind { span, name, value } => DoElem::Bind { span: *span, name: *name, value: c.expr(value) },
                    DoElem::Expr(x) => DoElem::Expr(c.expr(x)),
                }),
            })),
            ExprKind::Collector { ty, value } => ExprKind::Collector { ty: self.ty(ty), value: self.expr(value) },
            ExprKind::Await(x) => ExprKind::Await(self.expr(x)),
        };
        Expr { kind, span: e.span }
    }
}
