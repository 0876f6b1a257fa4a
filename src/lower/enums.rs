//! Lowering of enum values and `match`.
//!
//! An enum value is an aggregate (see `layout::size_align`): the tag word at
//! offset 0, written as a whole 64-bit word so its padding is always zero,
//! then each variant's payload as a C record at `layout::ENUM_PAYLOAD`.
//! A match loads the tag once and tests the arms in order with a chain of
//! compares; an arm's binders copy the payload fields into their locals
//! before the arm body runs. A match used as a value hands its result to the
//! join block as a block parameter (scalars) or through one frame temporary
//! (aggregates).

use super::*;
use crate::check::ArmRes;
use crate::layout::variant_field_offset;

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    /// `E.V(args)`: a fresh temporary holding the tag and the payload.
    pub(super) fn enum_ctor(&mut self, e: &'a Expr<'a>, v: u32, args: &'a [Expr<'a>]) -> Value {
        let ty = self.ty(e);
        let dst = self.temp(ty);
        let tag = self.b.iconst(Type::I64, v as i64);
        self.b.store(tag, dst, 0);
        let fields = self.c.types.variant_fields(ty, v);
        for (i, (a, &ft)) in args.iter().zip(&fields).enumerate() {
            let val = self.expr_as(a, ft);
            let off = variant_field_offset(&self.c.types, ty, v, i) as i32;
            if is_aggregate(&self.c.types, ft) {
                let o = self.b.iconst(Type::I64, off as i64);
                let at = self.b.bin(IB::Add, dst, o);
                self.copy_mem(at, val, ft);
            } else {
                self.b.store(val, dst, off);
            }
        }
        dst
    }

    /// `E.V` without a payload.
    pub(super) fn enum_unit(&mut self, e: &'a Expr<'a>) -> Value {
        let v = self.c.info.variant_values[&key(e)];
        self.enum_ctor(e, v, &[])
    }

    /// A match statement (`value` false) or a match used as a value, whose
    /// result this returns.
    pub(super) fn lower_match(&mut self, m: &'a Match<'a>, value: bool) -> Value {
        self.at(m.scrutinee.span);
        let st = self.ty(m.scrutinee);
        let scrut = self.expr(m.scrutinee);
        let tag = self.b.load(Type::I64, scrut, 0);

        let result_ty = if value { self.c.info.expr_ty.get(&key(m)).copied().unwrap_or(prim::VOID) } else { prim::VOID };
        let join = self.b.new_block();
        let result = if result_ty == prim::VOID || result_ty == prim::ERR {
            MatchOut::None
        } else if is_aggregate(&self.c.types, result_ty) {
            MatchOut::Mem(self.temp(result_ty))
        } else {
            MatchOut::Param(self.b.add_block_param(join, self.irty(result_ty)))
        };

        // The tests: each arm's block is entered from a compare of the tag;
        // the last arm (exhaustive by the checker) and a catch-all need none.
        let bodies: Vec<BlockId> = m.arms.iter().map(|_| self.b.new_block()).collect();
        for (i, arm) in m.arms.iter().enumerate() {
            let last = i + 1 == m.arms.len();
            match self.c.info.arms.get(&key(arm)) {
                Some(ArmRes::Variant(v)) if !last => {
                    let want = self.b.iconst(Type::I64, *v as i64);
                    let hit = self.b.icmp(IntCC::Eq, tag, want);
                    let next = self.b.new_block();
                    self.b.branch(hit, bodies[i], vec![], next, vec![]);
                    self.b.switch_to(next);
                }
                _ => {
                    self.b.jump(bodies[i], vec![]);
                    break;
                }
            }
        }

        if m.arms.is_empty() {
            // Only an enum without variants matches with no arms; it has no values.
            self.b.unreachable();
        }
        for (i, arm) in m.arms.iter().enumerate() {
            self.b.switch_to(bodies[i]);
            self.at(arm.span);
            self.bind_arm(arm, st, scrut);
            if !value {
                match &arm.body {
                    ArmBody::Block(blk) => self.block(blk),
                    ArmBody::Return(v) => self.lower_return(*v, arm.span),
                    ArmBody::Expr(x) => self.expr_void(x),
                }
                self.b.jump(join, vec![]);
                continue;
            }
            let yielded = match &arm.body {
                ArmBody::Return(v) => {
                    self.lower_return(*v, arm.span);
                    None
                }
                ArmBody::Expr(x) => Some(self.expr_as(x, result_ty)),
                ArmBody::Block(blk) => match blk.stmts.split_last() {
                    None => None,
                    Some((tail, init)) => {
                        for s in init {
                            self.stmt(s);
                        }
                        self.at(tail.span);
                        match &tail.kind {
                            StmtKind::Expr(x) => Some(self.expr_as(x, result_ty)),
                            StmtKind::Match(inner) => Some(self.lower_match(inner, true)),
                            _ => {
                                self.stmt(tail);
                                None
                            }
                        }
                    }
                },
            };
            match (yielded, result) {
                (Some(v), MatchOut::Param(_)) => self.b.jump(join, vec![v]),
                (Some(v), MatchOut::Mem(dst)) => {
                    self.store_value(v, dst, result_ty);
                    self.b.jump(join, vec![]);
                }
                (Some(_), MatchOut::None) => self.b.jump(join, vec![]),
                // The arm diverged (the checker saw to it); anything still
                // open here is dead.
                (None, _) => self.b.unreachable(),
            }
        }
        self.b.switch_to(join);
        match result {
            MatchOut::Param(v) | MatchOut::Mem(v) => v,
            MatchOut::None => self.b.iconst(Type::I8, 0),
        }
    }

    /// Copies what the arm's pattern binds into the binders' locals.
    fn bind_arm(&mut self, arm: &'a Arm<'a>, st: TyId, scrut: Value) {
        match (&arm.pat.kind, self.c.info.arms.get(&key(arm)).copied()) {
            (PatKind::Name(id), Some(ArmRes::CatchAll)) => {
                let l = self.c.info.decls[&key(id)];
                let dst = self.local_slot(l);
                self.copy_mem(dst, scrut, st);
            }
            (PatKind::Variant { binders, .. }, Some(ArmRes::Variant(v))) => {
                let fields = self.c.types.variant_fields(st, v);
                for (i, b) in binders.iter().enumerate() {
                    if b.name == "_" {
                        continue;
                    }
                    let ft = fields[i];
                    let off = variant_field_offset(&self.c.types, st, v, i) as i32;
                    let src = self.member_value(scrut, off, ft);
                    let l = self.c.info.decls[&key(b)];
                    let dst = self.local_slot(l);
                    self.store_value(src, dst, ft);
                }
            }
            _ => {}
        }
    }
}

/// Where a match used as a value leaves its result.
#[derive(Copy, Clone)]
enum MatchOut {
    /// A void (or erroneous) result: nothing.
    None,
    /// A scalar: the join block's parameter.
    Param(Value),
    /// An aggregate: the address of the frame temporary every arm fills.
    Mem(Value),
}
