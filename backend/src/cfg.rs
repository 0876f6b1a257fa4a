//! Control-flow helpers over the IR: successors, reverse post-order,
//! unreachable-block removal.

use crate::ir::*;

pub fn successors(t: &Terminator) -> Vec<BlockId> {
    match t {
        Terminator::Jump(c) => vec![c.block],
        Terminator::Branch { then, else_, .. } => vec![then.block, else_.block],
        Terminator::Return(_) | Terminator::Unreachable => vec![],
    }
}

/// Blocks in reverse post-order from the entry (iterative: no deep recursion
/// on hostile input).
pub fn reverse_postorder(f: &Function) -> Vec<BlockId> {
    let n = f.blocks.len();
    let mut seen = vec![false; n];
    let mut post = Vec::with_capacity(n);
    if n == 0 {
        return post;
    }
    let mut stack: Vec<(BlockId, usize)> = vec![(BlockId(0), 0)];
    seen[0] = true;
    while let Some(&mut (b, ref mut i)) = stack.last_mut() {
        let succ = successors(&f.blocks[b.0 as usize].term);
        if *i < succ.len() {
            let s = succ[*i];
            *i += 1;
            if !seen[s.0 as usize] {
                seen[s.0 as usize] = true;
                stack.push((s, 0));
            }
        } else {
            post.push(b);
            stack.pop();
        }
    }
    post.reverse();
    post
}

/// Drop blocks unreachable from the entry and renumber the rest in their
/// original order.
pub fn remove_unreachable_blocks(f: &mut Function) {
    let live = reverse_postorder(f);
    let mut keep = vec![false; f.blocks.len()];
    for b in &live {
        keep[b.0 as usize] = true;
    }
    if keep.iter().all(|&k| k) {
        return;
    }
    let mut remap = vec![u32::MAX; f.blocks.len()];
    let mut next = 0;
    for (i, &k) in keep.iter().enumerate() {
        if k {
            remap[i] = next;
            next += 1;
        }
    }
    let old = std::mem::take(&mut f.blocks);
    for (i, mut blk) in old.into_iter().enumerate() {
        if !keep[i] {
            continue;
        }
        match &mut blk.term {
            Terminator::Jump(c) => c.block = BlockId(remap[c.block.0 as usize]),
            Terminator::Branch { then, else_, .. } => {
                then.block = BlockId(remap[then.block.0 as usize]);
                else_.block = BlockId(remap[else_.block.0 as usize]);
            }
            _ => {}
        }
        f.blocks.push(blk);
    }
}
