//! Loop layout: a branch that stays in its loop on `then` and leaves it on
//! `else` is turned around (its compare inverted, its arms swapped), so the
//! loop's body follows the branch in reverse post-order.
//!
//! Register allocation and code layout both walk the blocks in reverse
//! post-order, and the depth-first walk that makes it visits `then` before
//! `else`: the arm visited last comes right after the branch. For
//! `while c { body }`, lowered as `branch c, body, exit`, that put the rest
//! of the function between the loop's test and its body, so every value
//! carried around the loop was live (in the allocator's one-interval view)
//! across all that code, and every iteration took a jump to reach the body.
//! With the body on `else`, it follows the test and falls through.
//!
//! Only a condition that is an integer compare read by nothing else is
//! inverted (in place, for free); float compares are not (`!(a < b)` is not
//! `a >= b` with a NaN).

use super::dom::DomTree;
use super::*;

pub fn run(f: &mut Function) {
    let preds = predecessors(f);
    let dom = DomTree::compute(f, &preds);
    let mut uses = vec![0u32; f.value_types.len()];
    let mut def: Vec<Option<(u32, u32)>> = vec![None; f.value_types.len()];
    for (bi, b) in f.blocks.iter().enumerate() {
        for (i, inst) in b.insts.iter().enumerate() {
            op_uses(&inst.op, |v| uses[v.0 as usize] += 1);
            if let Some(r) = inst.result {
                def[r.0 as usize] = Some((bi as u32, i as u32));
            }
        }
        term_uses(&b.term, |v| uses[v.0 as usize] += 1);
    }
    // Loop bodies, one header at a time: `in_body[b] == h` marks b as part
    // of the loop headed by h.
    let none = u32::MAX;
    let mut in_body = vec![none; f.blocks.len()];
    let mut work = Vec::new();
    for h in 0..f.blocks.len() {
        let latches: Vec<BlockId> = preds[h].iter().copied().filter(|&x| dom.is_reachable(x) && dom.dominates(BlockId(h as u32), x)).collect();
        if latches.is_empty() {
            continue;
        }
        in_body[h] = h as u32;
        let mut body = vec![h];
        work.extend(latches);
        while let Some(x) = work.pop() {
            if in_body[x.0 as usize] != h as u32 {
                in_body[x.0 as usize] = h as u32;
                body.push(x.0 as usize);
                work.extend(preds[x.0 as usize].iter().copied().filter(|&p| dom.is_reachable(p)));
            }
        }
        for b in body {
            let Terminator::Branch { cond, then, else_ } = &f.blocks[b].term else { continue };
            let inside = |c: &BlockCall| in_body[c.block.0 as usize] == h as u32;
            if !inside(then) || inside(else_) || uses[cond.0 as usize] != 1 {
                continue;
            }
            let Some((db, di)) = def[cond.0 as usize] else { continue };
            let Op::Icmp(cc, _, _) = &mut f.blocks[db as usize].insts[di as usize].op else { continue };
            *cc = inverse(*cc);
            let Terminator::Branch { then, else_, .. } = &mut f.blocks[b].term else { unreachable!() };
            std::mem::swap(then, else_);
        }
    }
}

fn inverse(cc: IntCC) -> IntCC {
    match cc {
        IntCC::Eq => IntCC::Ne,
        IntCC::Ne => IntCC::Eq,
        IntCC::Slt => IntCC::Sge,
        IntCC::Sge => IntCC::Slt,
        IntCC::Sle => IntCC::Sgt,
        IntCC::Sgt => IntCC::Sle,
        IntCC::Ult => IntCC::Uge,
        IntCC::Uge => IntCC::Ult,
        IntCC::Ule => IntCC::Ugt,
        IntCC::Ugt => IntCC::Ule,
    }
}
