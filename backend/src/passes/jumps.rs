//! Jump threading and branch simplification.
//!
//! The lowering of `a || b` and `a && b` joins both operands in a block
//! whose parameter is the 0/1 result and whose only job is to branch on it;
//! `if` and `while` leave blocks that only jump on. Here (after `simplify`
//! made branches on `x != 0` branch on `x`, and `dce` removed the compare):
//! - an edge into a block with no instructions that only jumps goes
//!   straight to that jump's target;
//! - an edge into a block with no instructions that branches on a value
//!   known on that edge goes straight to the arm taken. The value is known
//!   when it is a constant 0 or 1, or when it is the condition of the
//!   branch the edge leaves (true on its `then` arm, false on `else`);
//! - blocks no edge reaches any more are removed.
//!
//! The skipped block's parameters are replaced by the edge's arguments in
//! the arguments it passes on. Any other value it passes dominates it, so
//! it dominates every predecessor too, and stays valid on the new edge.

use super::*;
use crate::cfg;

/// How many blocks one edge may skip in a row (bounds the work on a cycle
/// of empty blocks, an empty infinite loop).
const MAX_HOPS: usize = 8;

pub fn run(f: &mut Function) {
    let consts = constants(f);
    let outside = params_used_outside(f);
    let mut changed = false;
    for p in 0..f.blocks.len() {
        // The block's own terminator is out while its edges are rewritten;
        // an edge back into this very block is then left alone.
        let mut term = std::mem::replace(&mut f.blocks[p].term, Terminator::Unreachable);
        let cond = match &term {
            Terminator::Branch { cond, .. } => Some(*cond),
            _ => None,
        };
        for (arm, c) in block_calls_mut(&mut term).into_iter().enumerate() {
            // On the `then` arm (0) the branch's condition is non-zero.
            let known = cond.map(|v| (v, arm == 0));
            for _ in 0..MAX_HOPS {
                match skip(f, c, known, &consts, &outside) {
                    Some(next) => {
                        *c = next;
                        changed = true;
                    }
                    None => break,
                }
            }
        }
        f.blocks[p].term = term;
    }
    if changed {
        cfg::remove_unreachable_blocks(f);
    }
}

/// Where the edge `c` ends up once its target, if that target is an empty
/// block whose way on is known, is skipped. `known` is a value whose truth
/// is known on this edge.
fn skip(f: &Function, c: &BlockCall, known: Option<(Value, bool)>, consts: &[Option<i64>], outside: &[bool]) -> Option<BlockCall> {
    if c.block.0 == 0 || outside[c.block.0 as usize] {
        return None;
    }
    let b = f.block(c.block);
    if !b.insts.is_empty() {
        return None;
    }
    let subst = |v: Value| b.params.iter().position(|&p| p == v).map_or(v, |i| c.args[i]);
    let next = match &b.term {
        Terminator::Jump(n) if n.block != c.block => n,
        Terminator::Branch { cond, then, else_ } => {
            let cond = subst(*cond);
            let taken = match (consts[cond.0 as usize], known) {
                (Some(1), _) => true,
                (Some(0), _) => false,
                (_, Some((v, truth))) if v == cond => truth,
                _ => return None,
            };
            if taken {
                then
            } else {
                else_
            }
        }
        _ => return None,
    };
    if next.block == c.block {
        return None;
    }
    Some(BlockCall { block: next.block, args: next.args.iter().map(|&a| subst(a)).collect() })
}

/// Per block: whether a block it dominates reads one of its parameters. Such
/// a block cannot be skipped: on the new edge the parameter has no value.
fn params_used_outside(f: &Function) -> Vec<bool> {
    let mut param_of = vec![u32::MAX; f.value_types.len()];
    for (bi, b) in f.blocks.iter().enumerate() {
        for &p in &b.params {
            param_of[p.0 as usize] = bi as u32;
        }
    }
    let mut outside = vec![false; f.blocks.len()];
    for (bi, b) in f.blocks.iter().enumerate() {
        let mut mark = |v: Value| {
            let owner = param_of[v.0 as usize];
            if owner != u32::MAX && owner != bi as u32 {
                outside[owner as usize] = true;
            }
        };
        for inst in &b.insts {
            op_uses(&inst.op, &mut mark);
        }
        term_uses(&b.term, &mut mark);
    }
    outside
}
