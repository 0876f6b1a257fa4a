//! Lowering of `spawn`, `submit` and `join` (check/concurrency.rs).
//!
//! A launched lambda's closure is built as usual, then its environment is
//! copied to a heap block (`__rt_env_copy`) that the new thread or pool task
//! owns and the runtime frees after the body: a spawned body may run after
//! the spawning frame is gone. The runtime calls the closure code with the
//! environment as its only argument, the convention of a `() -> void` closure.

use super::*;
use crate::check::Launch;
use crate::layout::{member_offset, record_layout};

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    pub(super) fn launch(&mut self, e: &'a Expr<'a>, kind: Launch, args: &'a [Expr<'a>]) -> Option<Value> {
        let ExprKind::Lambda(l) = &args[0].unparen().kind else { unreachable!("checked launch") };
        let (code, env) = self.heap_closure(l);
        self.at(e.span);
        match kind {
            Launch::Thread => {
                let ty = self.ty(e);
                let out = self.temp(ty);
                let err_off = self.b.iconst(Type::I64, member_offset(&self.c.types, ty, 1) as i64);
                self.rt("__rt_spawn", vec![code, env, out, err_off], None);
                Some(out)
            }
            Launch::Pool => self.rt("__rt_pool_submit", vec![code, env], Some(Type::I64)),
        }
    }

    /// The code and a heap copy of the environment of lambda `l`.
    pub(super) fn heap_closure(&mut self, l: &'a Lambda<'a>) -> (Value, Value) {
        let clo = self.closure_value(l);
        let code = self.b.load(Type::I64, clo, 0);
        let env = self.b.load(Type::I64, clo, 8);
        let lam = &self.f.lambdas[self.c.info.lambdas[&key(l)]];
        let tys: Vec<TyId> = lam.captures.iter().map(|c| self.f.locals[c.0 as usize].ty).collect();
        let ((size, _), _) = record_layout(&self.c.types, &tys);
        let n = self.b.iconst(Type::I64, size.max(1) as i64);
        let env = self.rt("__rt_env_copy", vec![env, n], Some(Type::I64)).unwrap();
        (code, env)
    }

    /// `join(t)`: the error result.
    pub(super) fn join(&mut self, e: &'a Expr<'a>, args: &'a [Expr<'a>]) -> Value {
        let t = self.expr(&args[0]);
        let rec = self.b.load(Type::I64, t, 0);
        let gen = self.b.load(Type::I64, t, 8);
        self.at(e.span);
        self.rt("__rt_join", vec![rec, gen], Some(Type::I64)).unwrap()
    }
}
