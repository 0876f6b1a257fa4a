//! Inlining of small functions: a module pass run after each function was
//! optimised on its own. Only functions the front end marks `inlinable`
//! (runtime and std code) are copied; a user's own functions stay whole so a
//! debugger can break on them.
//!
//! dc's runtime is written in dusk as many tiny functions (`__rt_load`, the
//! state accessors, the heap's size-class helpers), and std wraps runtime
//! services in one-line functions (`lock(m)` is `__rt_mutex_lock(m.h)`). A
//! call costs more than the body of such a function, so a call to a function
//! of at most `MAX_INSTS` instructions is replaced by a copy of its body.
//! The copy's own calls stay calls: `lock(m)` in a loop becomes a direct
//! call of `__rt_mutex_lock`. Rounds repeat so chains collapse bottom-up.
//!
//! Recursion cannot unroll without end: a function is never inlined into
//! itself, the copies made in a round are not searched for calls in that
//! round, there are `ROUNDS` rounds, and each caller may grow by at most
//! `BUDGET` copied instructions. Functions that never return, and calls in
//! blocks that end in `unreachable`, are fault paths: cold, where copies
//! would only grow the code and crowd the registers of the hot code around.
//!
//! Copied instructions take the call's span: debug info and faults keep
//! pointing at the line that made the call, and a stop inside the copy shows
//! the caller's line rather than a line of the runtime.
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
/// The most calls a copied body may make.
pub const MAX_CALLS: usize = 2;
/// How many copied instructions one caller may receive over all rounds.
pub const BUDGET: usize = 400;

/// Inline small callees into every function of `fs`; afterwards each
/// changed function is optimised again (its new slots may promote, the
/// copied code folds against the caller's constants).
pub fn run(fs: &mut [Function]) -> Result<(), String> {
    let mut budget = vec![BUDGET; fs.len()];
    for _ in 0..ROUNDS {
        // Bodies as they were at the start of the round: what this round copies.
        let small: HashMap<String, Function> = fs.iter().filter(|f| inlinable(f)).map(|f| (f.name.clone(), f.clone())).collect();
        if small.is_empty() {
            break;
        }
        let mut changed = false;
        for (f, budget) in fs.iter_mut().zip(&mut budget) {
            if inline_calls(f, &small, budget) {
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

/// A function the front end lets us copy, small enough, and worth it:
/// - it returns (a function that never does is a fault path: cold);
/// - it makes no system call, which costs far more than the call saved;
/// - it makes at most `MAX_CALLS` calls: a wrapper's copy saves one call,
///   a sequence of calls' copy saves little and grows the caller.
fn inlinable(f: &Function) -> bool {
    let ops = || f.blocks.iter().flat_map(|b| &b.insts).map(|i| &i.op);
    f.inlinable
        && size(f) <= MAX_INSTS
        && f.blocks.iter().any(|b| matches!(b.term, Terminator::Return(_)))
        && !ops().any(|op| matches!(op, Op::Syscall(_)))
        && ops().filter(|op| matches!(op, Op::Call { .. })).count() <= MAX_CALLS
}

fn size(f: &Function) -> usize {
    f.blocks.iter().map(|b| b.insts.len()).sum()
}

/// Inline the direct calls of `f` to one of `small` while `budget` lasts;
/// whether any was.
fn inline_calls(f: &mut Function, small: &HashMap<String, Function>, budget: &mut usize) -> bool {
    let mut changed = false;
    // Blocks that are copies made here: their calls wait for the next round.
    let mut copied = vec![false; f.blocks.len()];
    let mut b = 0;
    // A split moves the rest of block b into a new block at the end, which
    // this loop reaches later.
    while b < f.blocks.len() {
        if copied.get(b).copied().unwrap_or(false) {
            b += 1;
            continue;
        }
        // A block that ends in `unreachable` leads to a fault: its calls
        // are cold, and a copy there would only crowd the hot code's registers.
        let cold = matches!(f.blocks[b].term, Terminator::Unreachable);
        let found = f.blocks[b].insts.iter().position(|i| match &i.op {
            _ if cold => false,
            Op::Call { callee: Callee::Direct(name), .. } => {
                name != &f.name && small.get(name).is_some_and(|c| size(c) <= *budget)
            }
            _ => false,
        });
        if let Some(k) = found {
            let Op::Call { callee: Callee::Direct(name), .. } = &f.blocks[b].insts[k].op else { unreachable!() };
            let callee = &small[name];
            *budget -= size(callee);
            let tail = f.blocks.len();
            inline_one(f, b, k, callee);
            copied.resize(f.blocks.len(), true);
            copied[tail] = false;
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
    let mut values: Vec<Value> = callee.value_types.iter().map(|&t| {
        f.value_types.push(t);
        Value(f.value_types.len() as u32 - 1)
    }).collect();
    // When nothing jumps back to the callee's entry, its parameters are the
    // call's arguments themselves rather than parameters of the copy: an
    // address passed in (`lock(&m)`) is then visibly a local's address, and
    // `mem2reg` can promote the local.
    let entry = &callee.blocks[callee.entry().0 as usize];
    let entry_has_preds = callee.blocks.iter().any(|cb| super::block_calls(&cb.term).iter().any(|c| c.block == callee.entry()));
    let mut args = args;
    if !entry_has_preds {
        for (&p, &a) in entry.params.iter().zip(&args) {
            values[p.0 as usize] = a;
        }
        args.clear();
    }
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
        let params = if std::ptr::eq(cb, entry) && !entry_has_preds { Vec::new() } else { cb.params.iter().map(|&p| v(p)).collect() };
        f.blocks.push(Block { params, insts, term, term_span: span });
    }
    f.blocks[b].term = Terminator::Jump(BlockCall { block: blk(callee.entry()), args });
    f.blocks[b].term_span = span;
}
