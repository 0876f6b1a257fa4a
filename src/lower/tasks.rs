//! Lowering of `task_spawn`, `task_spawn_stack` and `task_join`
//! (check/tasks.rs): the lambda's environment goes to a heap block as for
//! `spawn` (lower/concurrency.rs), and the runtime (rt/task.dusk) makes the
//! task, writing the (task, error) pair into a frame temporary.

use super::*;
use crate::check::TaskOp;
use crate::layout::member_offset;

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    pub(super) fn task_call(&mut self, e: &'a Expr<'a>, op: TaskOp, args: &'a [Expr<'a>]) -> Value {
        match op {
            TaskOp::Spawn { sized, detached } => {
                let size = if sized { self.expr_as(&args[0], prim::I64) } else { self.b.iconst(Type::I64, 0) };
                let body = &args[usize::from(sized)];
                let ExprKind::Lambda(l) = &body.unparen().kind else { unreachable!("checked task_spawn") };
                let (code, env) = self.heap_closure(l);
                self.at(e.span);
                let ty = self.ty(e);
                let out = self.temp(ty);
                let err_off = self.b.iconst(Type::I64, member_offset(&self.c.types, ty, 1) as i64);
                let detached = self.b.iconst(Type::I64, i64::from(detached));
                self.rt("__rt_task_spawn", vec![code, env, size, detached, out, err_off], None);
                out
            }
            TaskOp::Join => {
                let t = self.expr(&args[0]);
                let rec = self.b.load(Type::I64, t, 0);
                let gen = self.b.load(Type::I64, t, 8);
                self.at(e.span);
                self.rt("__rt_task_join", vec![rec, gen], Some(Type::I64)).unwrap()
            }
        }
    }
}
