//! Local simplifications that make code smaller without changing what it
//! computes:
//! - constant folding of integer `Bin`/`Un`/`Icmp`/`Cast`, wrapping at the
//!   type's width exactly as the machine does (never folding what traps or
//!   depends on the target: division by zero, `MIN / -1`, shifts by at
//!   least the width); float arithmetic is left to the machine;
//! - identities (`x + 0`, `x * 1`, ...) and `Copy`, by renaming uses;
//! - branches on constants and branches whose arms are the same edge, after
//!   which unreachable blocks are removed;
//! - block parameters whose every incoming argument is one value (or the
//!   parameter itself, around a loop) become that value;
//! - a block reached only by a jump from one other block is appended to it;
//! - a branch on `x != 0` (or `x == 0`, arms swapped) of an I8 `x` branches
//!   on `x` itself: a branch reads any non-zero byte as true.
//!
//! Instructions left unused are `dce`'s job.

use super::*;
use crate::cfg;

pub fn run(f: &mut Function) {
    // A parameter turned constant can enable more folding; a few rounds
    // catch the common chains without risking long loops.
    for _ in 0..4 {
        let folded = fold(f);
        let trivial = remove_trivial_params(f);
        let merged = merge_straight_lines(f);
        let bools = branch_on_bools(f);
        if !folded && !trivial && !merged && !bools {
            break;
        }
    }
}

/// One pass over the blocks in reverse post-order, where every value's
/// definition comes before its uses (block parameters aside), so folds
/// chain. Returns whether anything changed.
fn fold(f: &mut Function) -> bool {
    let mut consts = constants(f);
    let mut alias: Vec<Option<Value>> = vec![None; f.value_types.len()];
    let resolve = |alias: &[Option<Value>], mut v: Value| {
        while let Some(r) = alias[v.0 as usize] {
            v = r;
        }
        v
    };
    let mut changed = false;
    let mut cut_edges = false;
    for b in cfg::reverse_postorder(f) {
        let bi = b.0 as usize;
        for i in 0..f.blocks[bi].insts.len() {
            let inst = &mut f.blocks[bi].insts[i];
            op_uses_mut(&mut inst.op, |v| *v = resolve(&alias, *v));
            let Some(r) = inst.result else { continue };
            let ty = f.value_types[r.0 as usize];
            match simplify_op(&inst.op, ty, &f.value_types, &consts) {
                Simple::Keep => {}
                Simple::Const(k) => {
                    let k = sext(k, ty);
                    inst.op = Op::Iconst(k);
                    consts[r.0 as usize] = Some(k);
                    changed = true;
                }
                Simple::Same(v) => {
                    // The instruction stays until dce finds it unused.
                    alias[r.0 as usize] = Some(v);
                    changed = true;
                }
            }
        }
        let term = &mut f.blocks[bi].term;
        term_uses_mut(term, |v| *v = resolve(&alias, *v));
        if let Terminator::Branch { cond, then, else_ } = term {
            // Only 0 and 1 are read the same way by every back end.
            let taken = match consts[cond.0 as usize] {
                Some(1) => Some(then.clone()),
                Some(0) => Some(else_.clone()),
                _ if then == else_ => Some(then.clone()),
                _ => None,
            };
            if let Some(c) = taken {
                cut_edges |= then != else_;
                *term = Terminator::Jump(c);
                changed = true;
            }
        }
    }
    if cut_edges {
        cfg::remove_unreachable_blocks(f);
    }
    changed
}

enum Simple {
    Keep,
    Const(i64),
    /// The result equals this existing value.
    Same(Value),
}

fn simplify_op(op: &Op, ty: Type, types: &[Type], consts: &[Option<i64>]) -> Simple {
    let k = |v: &Value| consts[v.0 as usize];
    match op {
        Op::Copy(a) => Simple::Same(*a),
        Op::Bin(o, a, b) if ty.is_int() => match (k(a), k(b)) {
            (Some(x), Some(y)) => fold_bin(*o, ty, x, y).map_or(Simple::Keep, Simple::Const),
            (_, Some(0)) if matches!(o, BinOp::Add | BinOp::Sub | BinOp::Or | BinOp::Xor | BinOp::Shl | BinOp::LShr | BinOp::AShr) => Simple::Same(*a),
            (Some(0), _) if matches!(o, BinOp::Add | BinOp::Or | BinOp::Xor) => Simple::Same(*b),
            (_, Some(1)) if matches!(o, BinOp::Mul | BinOp::SDiv | BinOp::UDiv) => Simple::Same(*a),
            (Some(1), _) if *o == BinOp::Mul => Simple::Same(*b),
            (_, Some(-1)) if *o == BinOp::And => Simple::Same(*a),
            (Some(-1), _) if *o == BinOp::And => Simple::Same(*b),
            (_, Some(0)) | (Some(0), _) if matches!(o, BinOp::Mul | BinOp::And) => Simple::Const(0),
            _ => Simple::Keep,
        },
        Op::Un(o, a) if ty.is_int() => match (o, k(a)) {
            (UnOp::Neg, Some(x)) => Simple::Const(x.wrapping_neg()),
            (UnOp::Not, Some(x)) => Simple::Const(!x),
            _ => Simple::Keep,
        },
        Op::Icmp(cc, a, b) => match (k(a), k(b)) {
            (Some(x), Some(y)) => Simple::Const(compare(*cc, types[a.0 as usize], x, y) as i64),
            _ => Simple::Keep,
        },
        Op::Cast(c, a) => match (c, k(a)) {
            // Constants are kept sign-extended; the result is re-truncated.
            (CastOp::Trunc | CastOp::Sext, Some(x)) => Simple::Const(x),
            (CastOp::Zext, Some(x)) => Simple::Const((x as u64 & mask(types[a.0 as usize])) as i64),
            _ => Simple::Keep,
        },
        _ => Simple::Keep,
    }
}

fn mask(ty: Type) -> u64 {
    u64::MAX >> (64 - 8 * ty.bytes())
}

/// `x op y` at `ty`'s width; operands and result sign-extended. None where
/// the machine traps or the result depends on the target.
fn fold_bin(op: BinOp, ty: Type, x: i64, y: i64) -> Option<i64> {
    let bits = 8 * ty.bytes();
    let (ux, uy) = (x as u64 & mask(ty), y as u64 & mask(ty));
    let min = sext(1i64 << (bits - 1), ty);
    Some(match op {
        BinOp::Add => x.wrapping_add(y),
        BinOp::Sub => x.wrapping_sub(y),
        BinOp::Mul => x.wrapping_mul(y),
        BinOp::And => x & y,
        BinOp::Or => x | y,
        BinOp::Xor => x ^ y,
        BinOp::SDiv | BinOp::SRem if y == 0 || (x == min && y == -1) => return None,
        BinOp::SDiv => x / y,
        BinOp::SRem => x % y,
        BinOp::UDiv | BinOp::URem if uy == 0 => return None,
        BinOp::UDiv => (ux / uy) as i64,
        BinOp::URem => (ux % uy) as i64,
        BinOp::Shl | BinOp::LShr | BinOp::AShr if uy >= bits as u64 => return None,
        BinOp::Shl => ((ux << uy) & mask(ty)) as i64,
        BinOp::LShr => (ux >> uy) as i64,
        BinOp::AShr => x >> uy,
        BinOp::FAdd | BinOp::FSub | BinOp::FMul | BinOp::FDiv => return None,
    })
}

fn compare(cc: IntCC, ty: Type, x: i64, y: i64) -> bool {
    let (ux, uy) = (x as u64 & mask(ty), y as u64 & mask(ty));
    match cc {
        IntCC::Eq => x == y,
        IntCC::Ne => x != y,
        IntCC::Slt => x < y,
        IntCC::Sle => x <= y,
        IntCC::Sgt => x > y,
        IntCC::Sge => x >= y,
        IntCC::Ult => ux < uy,
        IntCC::Ule => ux <= uy,
        IntCC::Ugt => ux > uy,
        IntCC::Uge => ux >= uy,
    }
}

/// Replace every non-entry block parameter whose incoming arguments are all
/// one value `v` (or the parameter itself) by `v`; such a `v` reaches the
/// block on every path, so it dominates it. Returns whether any went.
fn remove_trivial_params(f: &mut Function) -> bool {
    let mut alias: Vec<Option<Value>> = vec![None; f.value_types.len()];
    let resolve = |alias: &[Option<Value>], mut v: Value| {
        while let Some(r) = alias[v.0 as usize] {
            v = r;
        }
        v
    };
    let mut incoming: Vec<Vec<(u32, u8)>> = vec![Vec::new(); f.blocks.len()];
    for (bi, b) in f.blocks.iter().enumerate() {
        for (k, c) in block_calls(&b.term).into_iter().enumerate() {
            incoming[c.block.0 as usize].push((bi as u32, k as u8));
        }
    }
    let mut dead: Vec<Vec<bool>> = f.blocks.iter().map(|b| vec![false; b.params.len()]).collect();
    let mut any = false;
    // Removing one parameter can make another trivial (nested loops):
    // repeat until nothing changes.
    let mut changed = true;
    while changed {
        changed = false;
        for bi in 1..f.blocks.len() {
            for (i, &p) in f.blocks[bi].params.iter().enumerate() {
                if dead[bi][i] {
                    continue;
                }
                let mut only: Option<Value> = None;
                let mut trivial = true;
                for &(src, k) in &incoming[bi] {
                    let a = resolve(&alias, block_calls(&f.blocks[src as usize].term)[k as usize].args[i]);
                    if a == p || only == Some(a) {
                        continue;
                    }
                    if only.is_some() {
                        trivial = false;
                        break;
                    }
                    only = Some(a);
                }
                if let (true, Some(v)) = (trivial, only) {
                    alias[p.0 as usize] = Some(v);
                    dead[bi][i] = true;
                    changed = true;
                    any = true;
                }
            }
        }
    }
    if !any {
        return false;
    }
    rewrite_uses(f, &alias);
    for (bi, b) in f.blocks.iter_mut().enumerate() {
        let mut i = 0;
        b.params.retain(|_| {
            i += 1;
            !dead[bi][i - 1]
        });
    }
    for b in &mut f.blocks {
        for c in block_calls_mut(&mut b.term) {
            let gone = &dead[c.block.0 as usize];
            let mut i = 0;
            c.args.retain(|_| {
                i += 1;
                !gone[i - 1]
            });
        }
    }
    true
}

/// Append every block whose only predecessor jumps to it unconditionally to
/// that predecessor; its parameters become the jump's arguments. Returns
/// whether any block went.
fn merge_straight_lines(f: &mut Function) -> bool {
    let preds = predecessors(f);
    let mut alias: Vec<Option<Value>> = vec![None; f.value_types.len()];
    let mut gone = vec![false; f.blocks.len()];
    for a in cfg::reverse_postorder(f) {
        let ai = a.0 as usize;
        if gone[ai] {
            continue;
        }
        // A chain a -> b -> c ... collapses into a.
        while let Terminator::Jump(c) = &f.blocks[ai].term {
            let bi = c.block.0 as usize;
            if bi == ai || bi == 0 || preds[bi].len() != 1 {
                break;
            }
            let args = c.args.clone();
            let empty = Block { params: Vec::new(), insts: Vec::new(), term: Terminator::Unreachable, term_span: Span::NONE };
            let b = std::mem::replace(&mut f.blocks[bi], empty);
            for (p, arg) in b.params.into_iter().zip(args) {
                alias[p.0 as usize] = Some(arg);
            }
            let blk = &mut f.blocks[ai];
            blk.insts.extend(b.insts);
            blk.term = b.term;
            blk.term_span = b.term_span;
            gone[bi] = true;
        }
    }
    if !gone.contains(&true) {
        return false;
    }
    rewrite_uses(f, &alias);
    cfg::remove_unreachable_blocks(f);
    true
}

/// Branches on `x != 0` or `x == 0` of an I8 `x` branch on `x` (the
/// comparison is left to `dce`). Returns whether any changed.
fn branch_on_bools(f: &mut Function) -> bool {
    let consts = constants(f);
    let mut cmp: Vec<Option<(IntCC, Value)>> = vec![None; f.value_types.len()];
    for b in &f.blocks {
        for inst in &b.insts {
            if let (Some(r), Op::Icmp(cc @ (IntCC::Ne | IntCC::Eq), x, y)) = (inst.result, &inst.op) {
                let zero = |v: &Value| consts[v.0 as usize] == Some(0);
                let x = match (zero(x), zero(y)) {
                    (_, true) => *x,
                    (true, false) => *y,
                    _ => continue,
                };
                if f.ty(x) == Type::I8 {
                    cmp[r.0 as usize] = Some((*cc, x));
                }
            }
        }
    }
    let mut changed = false;
    for b in &mut f.blocks {
        if let Terminator::Branch { cond, then, else_ } = &mut b.term {
            for _ in 0..4 {
                let Some((cc, x)) = cmp[cond.0 as usize] else { break };
                *cond = x;
                if cc == IntCC::Eq {
                    std::mem::swap(then, else_);
                }
                changed = true;
            }
        }
    }
    changed
}
