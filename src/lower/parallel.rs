//! Lowering of `parallel { ... }` (check/parallel.rs).
//!
//! Each branch is lifted to its own function `outer$parN(env)`, where `env`
//! is an array holding the address of every local the checker lists as
//! shared (those in scope at the block, and the branches' own bindings): the
//! branch reads and writes them in place in the enclosing frame, which
//! outlives the block. All branches but the last start on threads of their
//! own (rt/task_parallel.dusk); the last runs on the current thread; then
//! every thread is joined.

use super::*;

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    pub(super) fn parallel(&mut self, s: &'a Stmt<'a>, body: &'a Block<'a>) {
        let shared = self.c.info.parallels.get(&key(s)).cloned().unwrap_or_default();
        let bytes = 8 * shared.len().max(1);
        let slot = self.b.new_slot(bytes as u32, 8);
        let env = self.b.slot_addr(slot);
        for (i, &l) in shared.iter().enumerate() {
            let a = self.local_slot(l);
            self.b.store(a, env, (8 * i) as i32);
        }
        let mut threads = Vec::new();
        for (j, st) in body.stmts.iter().enumerate() {
            let sym = format!("{}$par{}", self.f.symbol, self.strings.branches);
            self.strings.branches += 1;
            let func = FnLower::new(self.c, self.f, &mut *self.strings, self.arch).lower_branch(&sym, st, &shared);
            self.strings.lifted.push(func);
            self.at(st.span);
            if j + 1 < body.stmts.len() {
                let code = self.b.sym_addr(&sym);
                let n = self.b.iconst(Type::I64, bytes as i64);
                let own = self.rt("__rt_env_copy", vec![env, n], Some(Type::I64)).unwrap();
                threads.push(self.rt("__rt_par_spawn", vec![code, own, env], Some(Type::I64)).unwrap());
            } else {
                self.b.call(Callee::Direct(sym), vec![env], None);
            }
        }
        for t in threads {
            self.rt("__rt_par_join", vec![t], None);
        }
    }

    /// The lifted function of one branch.
    fn lower_branch(mut self, sym: &str, st: &'a Stmt<'a>, shared: &[LocalId]) -> ir::Function {
        self.b = FunctionBuilder::new(sym, sym, &[Type::I64], None, ir_span(self.c, st.span));
        self.ret = prim::VOID;
        let env = self.b.block_params(BlockId(0))[0];
        for (i, &l) in shared.iter().enumerate() {
            let a = self.b.load(Type::I64, env, (8 * i) as i32);
            self.slots.insert(l, Storage::Addr(a));
        }
        self.stmt(st);
        if self.b.is_open() {
            self.run_defers();
            self.b.ret(None);
        }
        self.b.finish()
    }
}
