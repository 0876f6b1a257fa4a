//! Address folding: a load or store whose address is `x + c` (or `x - c`,
//! or a chain of them) with a constant `c` reads `x` and carries `c` in its
//! offset instead, when the total fits the offset's i32.
//!
//! The lowering computes every field and constant-index address with an
//! explicit `add`, so `p[2]` was `mov esi,16; add rsi,rbx; mov rsi,[rsi]`;
//! the machine's addressing mode does the addition for free. It also lets
//! `mem2reg` see through `&local + 0` (a one-field struct's only member),
//! which otherwise counts as the slot's address escaping into arithmetic.
//!
//! Address arithmetic is 64-bit and wraps, exactly as `x + offset` does in
//! the back ends, so only I64 additions are folded and the sum is taken
//! modulo 2^64 before checking that it fits.
//!
//! The additions stay until `dce` finds them unused.

use super::*;

/// How many additions one address may look through; a bound on the work
/// per access, not a limit real code reaches.
const MAX_CHAIN: usize = 16;

pub fn run(f: &mut Function) {
    let consts = constants(f);
    // For each value defined as `x + c` / `c + x` / `x - c` at I64: (x, c).
    let mut step: Vec<Option<(Value, i64)>> = vec![None; f.value_types.len()];
    for b in &f.blocks {
        for inst in &b.insts {
            let (Some(r), Op::Bin(op, a, c)) = (inst.result, &inst.op) else { continue };
            if f.ty(r) != Type::I64 {
                continue;
            }
            let k = |v: &Value| consts[v.0 as usize];
            step[r.0 as usize] = match (op, k(a), k(c)) {
                (BinOp::Add, _, Some(y)) => Some((*a, y)),
                (BinOp::Add, Some(x), None) => Some((*c, x)),
                (BinOp::Sub, _, Some(y)) => Some((*a, y.wrapping_neg())),
                _ => None,
            };
        }
    }
    // The base and total offset of an access at `addr + offset`.
    let fold = |addr: Value, offset: i32| -> Option<(Value, i32)> {
        let (mut base, mut total) = (addr, offset as i64);
        for _ in 0..MAX_CHAIN {
            let Some((x, c)) = step[base.0 as usize] else { break };
            base = x;
            total = total.wrapping_add(c);
        }
        (base != addr).then_some(())?;
        Some((base, i32::try_from(total).ok()?))
    };
    for b in &mut f.blocks {
        for inst in &mut b.insts {
            match &mut inst.op {
                Op::Load { addr, offset } | Op::Store { addr, offset, .. } => {
                    if let Some((base, total)) = fold(*addr, *offset) {
                        *addr = base;
                        *offset = total;
                    }
                }
                _ => {}
            }
        }
    }
}
