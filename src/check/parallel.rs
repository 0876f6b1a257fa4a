//! `parallel { ... }` blocks (docs/concurrency.md, Parallel blocks).
//!
//! Each statement of the block is a branch that runs concurrently with the
//! others, and the block ends when all have. The enclosing frame outlives
//! the block, so a branch reaches the frame's variables in place (slices
//! included); soundness needs only that no branch writes what another may
//! read: a branch cannot assign a variable declared outside the block, and
//! one branch's bindings are out of scope in the others (each is checked in
//! a scope of its own). The bindings become visible after the block.

use super::*;

impl<'a, 'd> Checker<'a, 'd> {
    pub(super) fn parallel_stmt(&mut self, cx: &mut FnCx, s: &'a Stmt<'a>, body: &'a Block<'a>) {
        // Every local in scope here: the branches reach them through the frame.
        let mut shared: Vec<LocalId> = cx.scopes.iter().flatten().copied().collect();
        let mut bound = Vec::new();
        let loops = std::mem::replace(&mut cx.loops, 0);
        for st in body.stmts {
            let outer = cx.locals.len() as u32;
            cx.scopes.push(Vec::new());
            self.stmt(cx, st);
            bound.extend(cx.scopes.pop().unwrap_or_default());
            self.branch_rules(cx, std::slice::from_ref(st), outer);
        }
        cx.loops = loops;
        if let Some(scope) = cx.scopes.last_mut() {
            scope.extend(bound.iter().copied());
        }
        shared.extend(bound);
        self.info.parallels.insert(key(s), shared);
    }

    /// No `return` out of a branch; no assignment to a local older than
    /// `outer` (declared outside the block).
    fn branch_rules(&mut self, cx: &FnCx, stmts: &'a [Stmt<'a>], outer: u32) {
        for st in stmts {
            match &st.kind {
                StmtKind::Return(_) => self.err(st.span, "a parallel branch cannot return; bind a result and use it after the block"),
                StmtKind::Assign { place, .. } | StmtKind::CompoundAssign { place, .. } | StmtKind::IncDec { place, .. } => {
                    if let Some(NameRes::Local(l)) = self.info.names.get(&key(root_base(place))) {
                        if l.0 < outer {
                            let n = cx.locals[l.0 as usize].name.clone();
                            self.err(place.span, format!("a parallel branch cannot assign '{}', which is declared outside the block", n));
                        }
                    }
                }
                StmtKind::If(i) => self.branch_if(cx, i, outer),
                StmtKind::While { body, .. } | StmtKind::DoWhile { body, .. } | StmtKind::Parallel(body) => self.branch_rules(cx, body.stmts, outer),
                StmtKind::For(f) => self.branch_rules(cx, f.body.stmts, outer),
                StmtKind::Match(m) => {
                    for arm in m.arms {
                        if let ArmBody::Block(b) = arm.body {
                            self.branch_rules(cx, b.stmts, outer);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn branch_if(&mut self, cx: &FnCx, i: &'a IfStmt<'a>, outer: u32) {
        self.branch_rules(cx, i.then.stmts, outer);
        match &i.els {
            Some(Else::Block(b)) => self.branch_rules(cx, b.stmts, outer),
            Some(Else::If(ii)) => self.branch_if(cx, ii, outer),
            None => {}
        }
    }
}
