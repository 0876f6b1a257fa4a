//! IR-to-IR optimisation passes, run on each function before register
//! allocation. `optimize` is the pipeline, in order:
//!
//! 1. `addrfold`: `load [x + c]` and `store [x + c]` put the constant in the
//!    access's offset (first, so `mem2reg` sees `&local + 0` as the local,
//!    once `dce` has removed the additions);
//! 2. `mem2reg`: locals the lowering keeps in stack slots become SSA values;
//! 3. `simplify`: constant folding, copy propagation, constant branches and
//!    block parameters that always receive the same value;
//! 4. `dce`, then `jumps`: edges skip empty blocks that only jump, or that branch on a
//!    value known on the edge (the joins of `&&` and `||`), and branches on
//!    `x != 0` of a bool branch on it;
//! 5. `simplify` again, on what threading exposed, and `addrfold` again, on
//!    the constants folding made;
//! 6. `dce`: instructions and block parameters whose results nobody needs;
//! 7. `layout`: a loop's branch that stays in the loop on `then` is turned
//!    around, so the body follows the test in the order blocks are
//!    allocated and laid out.
//!
//! `inline` is a module pass run after that pipeline (it needs the callees'
//! optimised bodies), re-running the pipeline on every function it changed.
//!
//! Every pass keeps the IR valid; debug builds re-verify after each one so a
//! broken pass is named instead of surfacing as wrong machine code.

use crate::ir::*;

pub mod addrfold;
pub mod dce;
pub mod dom;
pub mod inline;
pub mod jumps;
pub mod layout;
pub mod mem2reg;
pub mod simplify;

#[cfg(test)]
mod interp;
#[cfg(test)]
mod tests;

/// Run the whole pipeline on `f`.
pub fn optimize(f: &mut Function) -> Result<(), String> {
    type Pass = fn(&mut Function);
    let passes: [(&str, Pass); 10] = [
        ("addrfold", addrfold::run),
        // The additions folded away would count as the slots' addresses escaping.
        ("dce", dce::run),
        ("mem2reg", mem2reg::run),
        ("simplify", simplify::run),
        // Threading skips only blocks without instructions, dead ones included.
        ("dce", dce::run),
        ("jumps", jumps::run),
        ("simplify", simplify::run),
        ("addrfold", addrfold::run),
        ("dce", dce::run),
        ("layout", layout::run),
    ];
    for (name, pass) in passes {
        pass(f);
        if cfg!(debug_assertions) {
            crate::verify::verify_function(f).map_err(|e| format!("after {}: {}", name, e))?;
        }
    }
    Ok(())
}

/// Call `visit` on every value `op` reads.
pub fn op_uses(op: &Op, mut visit: impl FnMut(Value)) {
    match op {
        Op::Iconst(_) | Op::Fconst(_) | Op::SlotAddr(_) | Op::SymAddr(_) => {}
        Op::Bin(_, a, b) | Op::Icmp(_, a, b) | Op::Fcmp(_, a, b) => {
            visit(*a);
            visit(*b);
        }
        Op::Un(_, a) | Op::Cast(_, a) | Op::Copy(a) => visit(*a),
        Op::Load { addr, .. } => visit(*addr),
        Op::Store { value, addr, .. } => {
            visit(*value);
            visit(*addr);
        }
        Op::Call { callee, args } => {
            if let Callee::Indirect(v) = callee {
                visit(*v);
            }
            args.iter().for_each(|&a| visit(a));
        }
        Op::Syscall(args) | Op::Atomic(_, args) => args.iter().for_each(|&a| visit(a)),
        Op::ThreadPointer => {}
    }
}

/// Call `visit` on every value operand of `op`, allowing it to be replaced.
pub fn op_uses_mut(op: &mut Op, mut visit: impl FnMut(&mut Value)) {
    match op {
        Op::Iconst(_) | Op::Fconst(_) | Op::SlotAddr(_) | Op::SymAddr(_) => {}
        Op::Bin(_, a, b) | Op::Icmp(_, a, b) | Op::Fcmp(_, a, b) => {
            visit(a);
            visit(b);
        }
        Op::Un(_, a) | Op::Cast(_, a) | Op::Copy(a) => visit(a),
        Op::Load { addr, .. } => visit(addr),
        Op::Store { value, addr, .. } => {
            visit(value);
            visit(addr);
        }
        Op::Call { callee, args } => {
            if let Callee::Indirect(v) = callee {
                visit(v);
            }
            args.iter_mut().for_each(visit);
        }
        Op::Syscall(args) | Op::Atomic(_, args) => args.iter_mut().for_each(visit),
        Op::ThreadPointer => {}
    }
}

/// The block calls (edges with arguments) of a terminator.
pub fn block_calls(t: &Terminator) -> Vec<&BlockCall> {
    match t {
        Terminator::Jump(c) => vec![c],
        Terminator::Branch { then, else_, .. } => vec![then, else_],
        Terminator::Return(_) | Terminator::Unreachable => vec![],
    }
}

pub fn block_calls_mut(t: &mut Terminator) -> Vec<&mut BlockCall> {
    match t {
        Terminator::Jump(c) => vec![c],
        Terminator::Branch { then, else_, .. } => vec![then, else_],
        Terminator::Return(_) | Terminator::Unreachable => vec![],
    }
}

/// Call `visit` on every value a terminator reads (condition, return value,
/// jump arguments).
pub fn term_uses(t: &Terminator, mut visit: impl FnMut(Value)) {
    match t {
        Terminator::Jump(c) => c.args.iter().for_each(|&a| visit(a)),
        Terminator::Branch { cond, then, else_ } => {
            visit(*cond);
            then.args.iter().chain(&else_.args).for_each(|&a| visit(a));
        }
        Terminator::Return(Some(v)) => visit(*v),
        Terminator::Return(None) | Terminator::Unreachable => {}
    }
}

/// `term_uses`, allowing each value to be replaced.
pub fn term_uses_mut(t: &mut Terminator, mut visit: impl FnMut(&mut Value)) {
    match t {
        Terminator::Jump(c) => c.args.iter_mut().for_each(visit),
        Terminator::Branch { cond, then, else_ } => {
            visit(cond);
            then.args.iter_mut().for_each(&mut visit);
            else_.args.iter_mut().for_each(&mut visit);
        }
        Terminator::Return(Some(v)) => visit(v),
        Terminator::Return(None) | Terminator::Unreachable => {}
    }
}

/// Predecessors of every block, one entry per edge (a branch with both arms
/// to the same block appears twice).
pub fn predecessors(f: &Function) -> Vec<Vec<BlockId>> {
    let mut preds = vec![Vec::new(); f.blocks.len()];
    for (i, b) in f.blocks.iter().enumerate() {
        for c in block_calls(&b.term) {
            preds[c.block.0 as usize].push(BlockId(i as u32));
        }
    }
    preds
}

/// Replace every use of a value by its representative in `map` (values
/// without an entry, or beyond its end, stand for themselves). Chains
/// `a -> b -> c` are followed.
pub fn rewrite_uses(f: &mut Function, map: &[Option<Value>]) {
    let resolve = |mut v: Value| {
        while let Some(Some(r)) = map.get(v.0 as usize) {
            v = *r;
        }
        v
    };
    for b in &mut f.blocks {
        for inst in &mut b.insts {
            op_uses_mut(&mut inst.op, |v| *v = resolve(*v));
        }
        term_uses_mut(&mut b.term, |v| *v = resolve(*v));
    }
}

/// The integer constant behind each value, if it is one, sign-extended from
/// its type's width (an `Iconst` is truncated to its type).
pub fn constants(f: &Function) -> Vec<Option<i64>> {
    let mut c = vec![None; f.value_types.len()];
    for b in &f.blocks {
        for inst in &b.insts {
            if let (Op::Iconst(k), Some(r)) = (&inst.op, inst.result) {
                c[r.0 as usize] = Some(sext(*k, f.ty(r)));
            }
        }
    }
    c
}

/// `k` truncated to `ty`'s width and sign-extended back to 64 bits.
pub fn sext(k: i64, ty: Type) -> i64 {
    let s = 64 - 8 * ty.bytes();
    (k << s) >> s
}
