//! The green-thread builtins (docs/concurrency.md section 3):
//! `task_spawn(lambda () -> void {...}) -> (task, error)`,
//! `task_spawn_stack(bytes, lambda ...) -> (task, error)` and
//! `task_join(t) -> error`.
//!
//! A task may run after the spawning frame is gone, so its lambda follows
//! `spawn`'s rules exactly (check/concurrency.rs): a literal written at the
//! call site, captures copied to a heap environment, and no capture that may
//! view a frame (a slice, a closure, an interface value).

use super::*;

/// What a task builtin does; the lowering reads it from `CallRes::Task`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TaskOp {
    /// `task_spawn(lambda)`, or with `sized` `task_spawn_stack(bytes, lambda)`.
    /// `detached` when the handle is bound to `_`: nobody can join the task,
    /// so the runtime frees its record when the body returns.
    Spawn { sized: bool, detached: bool },
    /// `task_join(t)`.
    Join,
}

impl<'a, 'd> Checker<'a, 'd> {
    /// `task_spawn`, `task_spawn_stack`, `task_join`; None for other names.
    pub(super) fn task_builtin(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>]) -> Option<TyId> {
        match name {
            "task_spawn" => Some(self.task_spawn(cx, e, false, args)),
            "task_spawn_stack" => Some(self.task_spawn(cx, e, true, args)),
            "task_join" => Some(self.task_join(cx, e, args)),
            _ => None,
        }
    }

    fn task_spawn(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, sized: bool, args: &'a [Expr<'a>]) -> TyId {
        let result = self.types.tuple(vec![prim::TASK, prim::ERROR]);
        let (b, shape) = if sized {
            ("task_spawn_stack", "task_spawn_stack takes a stack size in bytes (int64) and a lambda literal of type () -> void")
        } else {
            ("task_spawn", "task_spawn takes one argument, a lambda literal of type () -> void")
        };
        let body_at = usize::from(sized);
        if args.len() != body_at + 1 {
            for a in args {
                self.expr(cx, a, None);
            }
            self.err(e.span, shape);
            return result;
        }
        if sized {
            let t = self.expr(cx, &args[0], Some(prim::I64));
            if t != prim::I64 && t != prim::ERR {
                self.err(args[0].span, shape);
            }
        }
        let body = &args[body_at];
        let ExprKind::Lambda(l) = &body.unparen().kind else {
            self.expr(cx, body, None);
            self.err(body.span, format!("{} takes a lambda literal written at the call site; wrap a closure variable as lambda () -> void {{ g() }}", b));
            return result;
        };
        let ft = self.expr(cx, body, None);
        let unit = self.types.func(vec![], prim::VOID);
        if ft != unit && ft != prim::ERR {
            self.err(body.span, shape);
            return result;
        }
        for (name, ty) in self.lambda_captures(cx, l) {
            if let Some(why) = self.crossing_ban(ty) {
                self.err(body.span, format!("{} cannot capture '{}': {}", b, name, why));
            }
        }
        self.info.calls.insert(key(e), CallRes::Task(TaskOp::Spawn { sized, detached: false }));
        result
    }

    /// `_, e := task_spawn(...)`: the handle is dropped at once.
    pub(super) fn task_detach(&mut self, b: &'a Binding<'a>) {
        if b.names.first().map_or(true, |n| n.name.name != "_") {
            return;
        }
        if let Some(CallRes::Task(TaskOp::Spawn { detached, .. })) = self.info.calls.get_mut(&key(b.value.unparen())) {
            *detached = true;
        }
    }

    fn task_join(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, args: &'a [Expr<'a>]) -> TyId {
        let ok = match args {
            [a] => {
                let t = self.expr(cx, a, Some(prim::TASK));
                t == prim::TASK || t == prim::ERR
            }
            _ => {
                for a in args {
                    self.expr(cx, a, None);
                }
                false
            }
        };
        if !ok {
            self.err(e.span, "task_join takes one task handle");
        }
        self.info.calls.insert(key(e), CallRes::Task(TaskOp::Join));
        prim::ERROR
    }
}
