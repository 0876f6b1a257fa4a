//! Inlining of small leaf functions: a module pass run after each function
//! was optimised on its own. Only functions the front end marks
//! `inlinable` (runtime and std code) are copied.
//!
//! dc's runtime is written in dusk as many tiny functions (`__rt_load`, the
//! state accessors, the heap's size-class helpers), and the lowering calls
//! std accessors for every container operation. A call costs more than the
//! body of such a function, so a call to a function that makes no calls
//! itself and has at most `MAX_INSTS` instructions is replaced by a copy of
//! its body. Rounds repeat so chains collapse bottom-up (once a callee's own
//! calls were inlined it becomes a leaf). Copied instructions take the call's
//! span: debug info and faults keep pointing at the line that made the call.
//!
//! A call in block B at index k splits B: the head keeps the instructions
//! before the call and jumps to the copy of the callee's entry with the call's
//! arguments; every `return v` of the copy jumps to a new tail block that
//! takes the call's result as its parameter (the same SSA value, so no use
//! needs renaming) and holds the rest of B.

use crate::ir::*;
use std::collections::HashMap;

/// The largest body inlined, in instructions (terminators not counted).
pub const MAX_INSTS: usize = 24;
/// How many rounds of bottom-up inlining run.
const ROUNDS: usize = 3;

/// Inline small leaf callees into every function of `fs`; afterwards each
/// changed function is optimised again (its new slots may promote, the
/// copied code folds against the caller's constants).
pub fn run(fs: &mut [Function]) -> Result<(), String> {
    for _ in 0..ROUNDS {
        let leaves: HashMap<String, Function> = fs.iter().filter(|f| inlinable(f)).map(|f| (f.name.clone(), f.clone())).collect();
        if leaves.is_empty() {
            break;
        }
        let mut changed = false;
        for f in fs.iter_mut() {
            if inline_calls(f, &leaves) {
                changed = true;
                super::optimize(f).map_err(|e| format!("IR verifier: {}: after inlining: {}", f.name, e))?;
            }
        }
        if !changed {
            break;
        }
    }
    Ok(())
}

/// A function the front end lets us copy, small enough, making no calls
/// (so never recursive).
fn inlinable(f: &Function) -> bool {
    if !f.inlinable {
        return false;
    }
    let insts: usize = f.blocks.iter().map(|b| b.insts.len()).sum();
    insts <= MAX_INSTS && !f.blocks.iter().flat_map(|b| &b.insts).any(|i| matches!(i.op, Op::Call { .. }))
}

/// Inline every direct call of `f` to one of `leaves`; whether any was.
fn inline_calls(f: &mut Function, leaves: &HashMap<String, Function>) -> bool {
    let mut changed = false;
    let mut b = 0;
    // A split moves the rest of block b into a new block at the end, which
    // this loop reaches later; copied bodies contain no calls.
    while b < f.blocks.len() {
        let found = f.blocks[b].insts.iter().position(|i| match &i.op {
            Op::Call { callee: Callee::Direct(name), .. } => name != &f.name && leaves.contains_key(name),
            _ => false,
        });
        if let Some(k) = found {
            let Op::Call { callee: Callee::Direct(name), .. } = &f.blocks[b].insts[k].op else { unreachable!() };
            let callee = &leaves[name];
            inline_one(f, b, k, callee);
            changed = true;
        }
        b += 1;
    }
    changed
}

/// Replace the call at `f.blocks[b].insts[k]` by a copy of `callee`.
fn inline_one(f: &mut Function, b: usize, k: usize, callee: &Function) {
    let rest = f.blocks[b].insts.split_off(k + 1);
    let call = f.blocks[b].insts.pop().expect("the call being inlined");
    let Op::Call { args, .. } = call.op else { unreachable!() };
    let span = call.span;

    // The tail: the rest of B, with the call's result as its parameter.
    let tail = BlockId(f.blocks.len() as u32);
    let term = std::mem::replace(&mut f.blocks[b].term, Terminator::Unreachable);
    let term_span = f.blocks[b].term_span;
    f.blocks.push(Block { params: call.result.into_iter().collect(), insts: rest, term, term_span });

    // Fresh values, blocks and slots for the copy.
    let values: Vec<Value> = callee.value_types.iter().map(|&t| {
        f.value_types.push(t);
        Value(f.value_types.len() as u32 - 1)
    }).collect();
    let first_block = f.blocks.len() as u32;
    let first_slot = f.slots.len() as u32;
    f.slots.extend(callee.slots.iter().copied());
    let v = |x: Value| values[x.0 as usize];
    let blk = |x: BlockId| BlockId(first_block + x.0);
    for cb in &callee.blocks {
        let insts = cb.insts.iter().map(|i| {
            let mut op = i.op.clone();
            super::op_uses_mut(&mut op, |x| *x = v(*x));
            if let Op::SlotAddr(s) = &mut op {
                s.0 += first_slot;
            }
            Inst { result: i.result.map(v), op, span }
        }).collect();
        let term = match &cb.term {
            // A call whose result is unused may have been built without one.
            Terminator::Return(r) => Terminator::Jump(BlockCall { block: tail, args: r.filter(|_| call.result.is_some()).map(v).into_iter().collect() }),
            t => {
                let mut t = t.clone();
                super::term_uses_mut(&mut t, |x| *x = v(*x));
                for c in super::block_calls_mut(&mut t) {
                    c.block = blk(c.block);
                }
                t
            }
        };
        f.blocks.push(Block { params: cb.params.iter().map(|&p| v(p)).collect(), insts, term, term_span: span });
    }
    f.blocks[b].term = Terminator::Jump(BlockCall { block: blk(callee.entry()), args });
    f.blocks[b].term_span = span;
}
