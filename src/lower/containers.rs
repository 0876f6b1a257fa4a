//! `for` over a `*Vector<T>` or `*Map<K, V>`: the index loop a program would
//! write by hand against the accessors the checker resolved
//! (`check::ContainerLoop`). The iterand is evaluated once; the length is
//! re-read before every iteration, so elements pushed in the body are
//! visited and a shrink stops the loop early. Every accessor call checks the
//! container pointer's generation, so freeing the container in the body
//! faults at the next iteration instead of reading a stale snapshot.

use super::*;
use crate::check::ContainerLoop;

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    pub(super) fn for_container(&mut self, f: &'a ForStmt<'a>, cl: ContainerLoop) {
        let it = self.ty(f.iter);
        let v = self.expr(f.iter);
        let container = self.temp(it);
        self.store_value(v, container, it);
        // Aggregates are passed by address, scalars by value.
        let arg = |s: &mut Self| if is_aggregate(&s.c.types, it) { container } else { s.b.load(s.irty(it), container, 0) };
        let first = self.c.info.decls[&key(&f.first)];
        let second = f.second.as_ref().map(|s| self.c.info.decls[&key(s)]);
        self.index_loop(
            None,
            &mut |s| {
                let c = arg(s);
                s.at(f.iter.span);
                s.call_values(cl.len, vec![c])
            },
            &mut |s, i, targets| {
                s.at(f.iter.span);
                let bind = |s: &mut Self, accessor: u32, l: LocalId| {
                    let c = arg(s);
                    let x = s.call_values(accessor, vec![c, i]);
                    let (dst, ty) = (s.local_slot(l), s.f.locals[l.0 as usize].ty);
                    s.store_value(x, dst, ty);
                };
                bind(s, cl.get, first);
                if let (Some(val), Some(l)) = (cl.val, second) {
                    bind(s, val, l);
                }
                s.loops.push(Loop { continue_to: targets.continue_to, break_to: targets.break_to });
                s.block(f.body);
                s.loops.pop();
            },
        );
    }
}
