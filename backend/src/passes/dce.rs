//! Dead code elimination: drop instructions whose results nothing needs and
//! that have no effect, and block parameters that nothing reads (with the
//! jump arguments that feed them).
//!
//! Mark and sweep rather than "delete unused, repeat": a value is live when
//! an effect (store, call, system call, possible trap), a branch condition
//! or a return reads it, or when a live value is computed from it. A
//! parameter is live only if some live use reads it, so a loop variable
//! that only feeds itself around the loop dies too.

use super::*;

pub fn run(f: &mut Function) {
    let nv = f.value_types.len();
    let nb = f.blocks.len();
    // Where each value is defined.
    #[derive(Copy, Clone)]
    enum Def {
        None,
        Inst(u32, u32),
        Param(u32, u32),
    }
    let mut def = vec![Def::None; nv];
    let consts = constants(f);
    for (bi, b) in f.blocks.iter().enumerate() {
        for (i, &p) in b.params.iter().enumerate() {
            def[p.0 as usize] = Def::Param(bi as u32, i as u32);
        }
        for (i, inst) in b.insts.iter().enumerate() {
            if let Some(r) = inst.result {
                def[r.0 as usize] = Def::Inst(bi as u32, i as u32);
            }
        }
    }
    // The edges into each block: (source block, index among its calls).
    let mut incoming: Vec<Vec<(u32, u8)>> = vec![Vec::new(); nb];
    for (bi, b) in f.blocks.iter().enumerate() {
        for (k, c) in block_calls(&b.term).into_iter().enumerate() {
            incoming[c.block.0 as usize].push((bi as u32, k as u8));
        }
    }

    let mut live = vec![false; nv];
    let mut work: Vec<Value> = Vec::new();
    let mut mark = |v: Value, work: &mut Vec<Value>| {
        if !live[v.0 as usize] {
            live[v.0 as usize] = true;
            work.push(v);
        }
    };
    for b in &f.blocks {
        for inst in &b.insts {
            if has_effect(&inst.op, &consts) {
                op_uses(&inst.op, |v| mark(v, &mut work));
                if let Some(r) = inst.result {
                    mark(r, &mut work);
                }
            }
        }
        match &b.term {
            Terminator::Branch { cond, .. } => mark(*cond, &mut work),
            Terminator::Return(Some(v)) => mark(*v, &mut work),
            _ => {}
        }
    }
    // The entry's parameters are the function's signature: always kept.
    for &p in &f.blocks[0].params {
        mark(p, &mut work);
    }
    while let Some(v) = work.pop() {
        match def[v.0 as usize] {
            Def::None => {}
            Def::Inst(b, i) => op_uses(&f.blocks[b as usize].insts[i as usize].op, |u| mark(u, &mut work)),
            Def::Param(b, i) => {
                for &(src, k) in &incoming[b as usize] {
                    let arg = block_calls(&f.blocks[src as usize].term)[k as usize].args[i as usize];
                    mark(arg, &mut work);
                }
            }
        }
    }

    // Sweep.
    let mut param_live: Vec<Option<Vec<bool>>> = vec![None; nb];
    for (bi, b) in f.blocks.iter_mut().enumerate() {
        b.insts.retain(|inst| inst.result.is_none_or(|r| live[r.0 as usize]));
        if b.params.iter().any(|p| !live[p.0 as usize]) {
            param_live[bi] = Some(b.params.iter().map(|p| live[p.0 as usize]).collect());
            b.params.retain(|p| live[p.0 as usize]);
        }
    }
    for b in &mut f.blocks {
        for c in block_calls_mut(&mut b.term) {
            if let Some(keep) = &param_live[c.block.0 as usize] {
                let mut i = 0;
                c.args.retain(|_| {
                    i += 1;
                    keep[i - 1]
                });
            }
        }
    }
}

/// Whether executing `op` does anything besides computing its result:
/// memory and system effects, and integer division, which traps on x86-64
/// for a zero divisor (and `MIN / -1`) unless the divisor is known safe.
fn has_effect(op: &Op, consts: &[Option<i64>]) -> bool {
    match op {
        Op::Store { .. } | Op::Call { .. } | Op::Syscall(_) | Op::Atomic(..) => true,
        Op::Bin(BinOp::SDiv | BinOp::SRem | BinOp::UDiv | BinOp::URem, _, d) => {
            !matches!(consts[d.0 as usize], Some(k) if k != 0 && k != -1)
        }
        _ => false,
    }
}
