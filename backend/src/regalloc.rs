//! Register allocation over SSA values, shared by every ISA.
//!
//! Contract: `allocate` gives every SSA value of a function one location for
//! its whole life: a physical register or an 8-byte spill slot. The ISA's
//! `RegInfo` describes the register file and calling convention; the ISA's
//! emitter keeps a few scratch registers outside the allocatable sets to
//! reload spilled operands. Values live across a call are never put in a
//! caller-saved register. Block arguments become parallel moves at the jump
//! (see `parallel_moves`).

use crate::ir::*;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegClass {
    Int,
    Float,
}

/// A physical register: its class and its hardware encoding number.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct PReg {
    pub class: RegClass,
    pub hw: u8,
}

/// What the allocator needs to know about an ISA's registers.
#[derive(Clone, Debug)]
pub struct RegInfo {
    /// Allocatable registers per class, in preference order. Scratch
    /// registers the emitter keeps for itself are not listed.
    pub int_regs: Vec<u8>,
    pub float_regs: Vec<u8>,
    /// The subset of each list preserved across calls.
    pub int_callee_saved: Vec<u8>,
    pub float_callee_saved: Vec<u8>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Loc {
    Reg(PReg),
    /// An 8-byte spill slot, numbered from 0; the emitter places them in the frame.
    Spill(u32),
}

#[derive(Clone, Debug)]
pub struct Allocation {
    /// Location of every value, indexed by `Value.0`; `None` for values that
    /// are never used (their defining instruction may write anywhere harmless).
    pub locs: Vec<Option<Loc>>,
    pub num_spill_slots: u32,
    /// Callee-saved registers the function uses (the prologue saves them).
    pub used_callee_saved: Vec<PReg>,
}

/// One move of a parallel-move sequence, in execution order. `Scratch` is the
/// emitter's own scratch register of the move's class, used to break cycles.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MoveLoc {
    Loc(Loc),
    Scratch,
}

impl RegClass {
    pub fn of(ty: Type) -> RegClass {
        if ty.is_float() {
            RegClass::Float
        } else {
            RegClass::Int
        }
    }
}

/// Every value an instruction reads, in operand order.
pub fn inst_uses(op: &Op, mut f: impl FnMut(Value)) {
    match op {
        Op::Iconst(_) | Op::Fconst(_) | Op::SlotAddr(_) | Op::SymAddr(_) => {}
        Op::Bin(_, a, b) | Op::Icmp(_, a, b) | Op::Fcmp(_, a, b) => {
            f(*a);
            f(*b);
        }
        Op::Un(_, a) | Op::Cast(_, a) | Op::Copy(a) => f(*a),
        Op::Load { addr, .. } => f(*addr),
        Op::Store { value, addr, .. } => {
            f(*value);
            f(*addr);
        }
        Op::Call { callee, args } => {
            if let Callee::Indirect(v) = callee {
                f(*v);
            }
            args.iter().for_each(|a| f(*a));
        }
        Op::Syscall(args) | Op::Atomic(_, args) => args.iter().for_each(|a| f(*a)),
        Op::ThreadPointer => {}
    }
}

/// Every value a terminator reads (branch condition, block arguments, return value).
pub fn term_uses(t: &Terminator, mut f: impl FnMut(Value)) {
    match t {
        Terminator::Jump(c) => c.args.iter().for_each(|a| f(*a)),
        Terminator::Branch { cond, then, else_ } => {
            f(*cond);
            then.args.iter().for_each(|a| f(*a));
            else_.args.iter().for_each(|a| f(*a));
        }
        Terminator::Return(v) => {
            if let Some(v) = v {
                f(*v)
            }
        }
        Terminator::Unreachable => {}
    }
}

/// Whether an instruction clobbers every caller-saved register.
fn is_call(op: &Op) -> bool {
    matches!(op, Op::Call { .. } | Op::Syscall(_))
}

/// A fixed-size set of values, one bit each.
#[derive(Clone)]
struct BitSet(Vec<u64>);

impl BitSet {
    fn new(n: usize) -> BitSet {
        BitSet(vec![0; (n + 63) / 64])
    }
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
    #[cfg(test)]
    fn remove(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            let mut b = bits;
            std::iter::from_fn(move || {
                if b == 0 {
                    return None;
                }
                let t = b.trailing_zeros() as usize;
                b &= b - 1;
                Some(w * 64 + t)
            })
        })
    }
}

/// Per-block liveness: the values live on entry to and exit from each block
/// (indexed by block id). Block parameters are defined at the block's start;
/// jump arguments are uses at the end of the predecessor.
struct Liveness {
    live_in: Vec<BitSet>,
    live_out: Vec<BitSet>,
}

fn liveness(f: &Function, order: &[BlockId]) -> Liveness {
    let nv = f.value_types.len();
    let nb = f.blocks.len();
    // gen = used before defined in the block; kill = defined in the block.
    let mut gen = vec![BitSet::new(nv); nb];
    let mut kill = vec![BitSet::new(nv); nb];
    for &b in order {
        let blk = f.block(b);
        let (g, k) = (&mut gen[b.0 as usize], &mut kill[b.0 as usize]);
        for &p in &blk.params {
            k.insert(p.0 as usize);
        }
        for inst in &blk.insts {
            inst_uses(&inst.op, |v| {
                if k.0[v.0 as usize / 64] & (1 << (v.0 % 64)) == 0 {
                    g.insert(v.0 as usize)
                }
            });
            if let Some(r) = inst.result {
                k.insert(r.0 as usize);
            }
        }
        term_uses(&blk.term, |v| {
            if k.0[v.0 as usize / 64] & (1 << (v.0 % 64)) == 0 {
                g.insert(v.0 as usize)
            }
        });
    }
    let mut live_in = vec![BitSet::new(nv); nb];
    let mut live_out = vec![BitSet::new(nv); nb];
    // Backward problem: visit blocks in post-order until nothing changes.
    let mut changed = true;
    while changed {
        changed = false;
        for &b in order.iter().rev() {
            let bi = b.0 as usize;
            let mut out = BitSet::new(nv);
            for s in crate::cfg::successors(&f.block(b).term) {
                for (o, i) in out.0.iter_mut().zip(&live_in[s.0 as usize].0) {
                    *o |= *i;
                }
            }
            let mut inn = out.clone();
            for ((i, g), k) in inn.0.iter_mut().zip(&gen[bi].0).zip(&kill[bi].0) {
                *i = (*i & !*k) | *g;
            }
            if inn.0 != live_in[bi].0 {
                live_in[bi] = inn;
                changed = true;
            }
            live_out[bi] = out;
        }
    }
    Liveness { live_in, live_out }
}

/// A value's live range in the linear instruction order, as a single hull
/// [start, end]. Positions: every instruction n has a use point 2n and a def
/// point 2n+1, so an operand dying at n and the result of n may share a
/// register. A block's start slot defines its parameters.
#[derive(Clone, Copy, Debug)]
struct Interval {
    value: u32,
    start: u32,
    end: u32,
    class: RegClass,
    /// Live across a call: only callee-saved registers will do.
    crosses_call: bool,
}

/// Give every used value of `f` a register or a spill slot (linear scan,
/// Poletto & Sarkar), honouring `info`'s caller/callee-saved split.
///
/// What the emitter must know: an instruction's result may share a location
/// with any of its operands that die at that instruction (read all operands
/// before writing the result, or go through a scratch register). Values of
/// blocks unreachable from the entry get no location. Unused results get
/// `None`. `Call` and `Syscall` clobber every caller-saved register.
pub fn allocate(f: &Function, info: &RegInfo) -> Allocation {
    let nv = f.value_types.len();
    let order = crate::cfg::reverse_postorder(f);
    let live = liveness(f, &order);

    const NONE: u32 = u32::MAX;
    let mut start = vec![NONE; nv];
    let mut end = vec![0u32; nv];
    let mut used = vec![false; nv];
    let mut calls: Vec<u32> = Vec::new(); // instruction numbers of calls, ascending
    let mut n: u32 = 0;
    {
        let mut extend = |v: usize, p: u32| {
            if start[v] == NONE || p < start[v] {
                start[v] = p;
            }
            if p > end[v] {
                end[v] = p;
            }
        };
        for &b in &order {
            let blk = f.block(b);
            let bi = b.0 as usize;
            let block_start = n;
            n += 1;
            for v in live.live_in[bi].iter() {
                extend(v, 2 * block_start);
            }
            for &p in &blk.params {
                extend(p.0 as usize, 2 * block_start + 1);
            }
            for inst in &blk.insts {
                inst_uses(&inst.op, |v| {
                    used[v.0 as usize] = true;
                    extend(v.0 as usize, 2 * n)
                });
                if let Some(r) = inst.result {
                    extend(r.0 as usize, 2 * n + 1);
                }
                if is_call(&inst.op) {
                    calls.push(n);
                }
                n += 1;
            }
            term_uses(&blk.term, |v| {
                used[v.0 as usize] = true;
                extend(v.0 as usize, 2 * n)
            });
            // Values live out survive the terminator (and its block-argument moves).
            for v in live.live_out[bi].iter() {
                extend(v, 2 * n + 1);
            }
            n += 1;
        }
    }

    let mut intervals: Vec<Interval> = Vec::new();
    for v in 0..nv {
        if !used[v] || start[v] == NONE {
            continue;
        }
        let (s, e) = (start[v], end[v]);
        // Is there a call c with s < 2c and 2c+1 < e? (live before and after it)
        let i = calls.partition_point(|&c| 2 * c <= s);
        let crosses_call = i < calls.len() && 2 * calls[i] + 1 < e;
        intervals.push(Interval {
            value: v as u32,
            start: s,
            end: e,
            class: RegClass::of(f.value_types[v]),
            crosses_call,
        });
    }
    intervals.sort_by_key(|iv| (iv.start, iv.value));

    let mut locs: Vec<Option<Loc>> = vec![None; nv];
    let mut free_int: Vec<bool> = vec![true; 256];
    let mut free_float: Vec<bool> = vec![true; 256];
    // Active register-holding intervals and active spilled intervals.
    let mut active: Vec<Interval> = Vec::new();
    // Spilled intervals still live, as a min-heap of (end, slot).
    let mut active_spilled: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::new();
    // Free spill slots with the end of their last occupant: an evicted
    // active interval started in the past, so it may only take a slot freed
    // before its start.
    let mut free_slots: Vec<(u32, u32)> = Vec::new();
    let mut num_spill_slots = 0u32;
    let mut callee_used: Vec<PReg> = Vec::new();

    let reg_of = |locs: &Vec<Option<Loc>>, v: u32| match locs[v as usize] {
        Some(Loc::Reg(r)) => r,
        _ => unreachable!("active interval without a register"),
    };

    for cur in intervals {
        // Expire everything that ended before this interval starts.
        let mut k = 0;
        while k < active.len() {
            if active[k].end < cur.start {
                let r = reg_of(&locs, active[k].value);
                match r.class {
                    RegClass::Int => free_int[r.hw as usize] = true,
                    RegClass::Float => free_float[r.hw as usize] = true,
                }
                active.swap_remove(k);
            } else {
                k += 1;
            }
        }
        while let Some(&Reverse((e, slot))) = active_spilled.peek() {
            if e >= cur.start {
                break;
            }
            active_spilled.pop();
            free_slots.push((e, slot));
        }

        let (regs, callee, free) = match cur.class {
            RegClass::Int => (&info.int_regs, &info.int_callee_saved, &mut free_int),
            RegClass::Float => (&info.float_regs, &info.float_callee_saved, &mut free_float),
        };
        let allowed = |r: u8| !cur.crosses_call || callee.contains(&r);
        // Prefer caller-saved registers for short values: callee-saved ones
        // cost a save and restore and are precious for values across calls.
        let pick = regs
            .iter()
            .copied()
            .filter(|&r| free[r as usize] && allowed(r) && !callee.contains(&r))
            .chain(
                regs.iter()
                    .copied()
                    .filter(|&r| free[r as usize] && allowed(r)),
            )
            .next();
        let mut spill_value = None;
        match pick {
            Some(r) => {
                free[r as usize] = false;
                locs[cur.value as usize] = Some(Loc::Reg(PReg {
                    class: cur.class,
                    hw: r,
                }));
                active.push(cur);
            }
            None => {
                // Spill whichever of the current interval and the active ones
                // holding a usable register ends furthest away.
                let victim = active
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| a.class == cur.class && allowed(reg_of(&locs, a.value).hw))
                    .max_by_key(|(_, a)| a.end)
                    .map(|(i, a)| (i, a.end));
                match victim {
                    Some((i, e)) if e > cur.end => {
                        let a = active.swap_remove(i);
                        let r = reg_of(&locs, a.value);
                        locs[cur.value as usize] = Some(Loc::Reg(r));
                        active.push(cur);
                        spill_value = Some((a.value, a.start, a.end));
                    }
                    _ => spill_value = Some((cur.value, cur.start, cur.end)),
                }
            }
        }
        if let Some((v, s, e)) = spill_value {
            let slot = match free_slots.iter().rposition(|&(freed, _)| freed < s) {
                Some(i) => free_slots.swap_remove(i).1,
                None => {
                    num_spill_slots += 1;
                    num_spill_slots - 1
                }
            };
            locs[v as usize] = Some(Loc::Spill(slot));
            active_spilled.push(Reverse((e, slot)));
        }
        if let Some(Loc::Reg(r)) = locs[cur.value as usize] {
            if callee.contains(&r.hw) && !callee_used.contains(&r) {
                callee_used.push(r);
            }
        }
    }
    callee_used.sort_by_key(|r| (r.class == RegClass::Float, r.hw));
    Allocation {
        locs,
        num_spill_slots,
        used_callee_saved: callee_used,
    }
}

/// Sequentialize a parallel move (every destination written once, all
/// sources read before any destination is written): moves whose destination
/// no other pending move reads go first; a pure cycle is broken by parking
/// one value in the emitter's scratch register of its class. Moves between
/// two spill slots are left to the emitter (it needs a second scratch then).
pub fn parallel_moves(moves: &[(Loc, Loc, RegClass)]) -> Vec<(MoveLoc, MoveLoc, RegClass)> {
    let mut pending: Vec<(MoveLoc, Loc, RegClass)> = moves
        .iter()
        .filter(|(s, d, _)| s != d)
        .map(|&(s, d, c)| (MoveLoc::Loc(s), d, c))
        .collect();
    let mut out = Vec::with_capacity(pending.len() + 1);
    while !pending.is_empty() {
        let ready = (0..pending.len()).find(|&i| {
            let d = pending[i].1;
            !pending.iter().any(|(s, _, _)| *s == MoveLoc::Loc(d))
        });
        match ready {
            Some(i) => {
                let (s, d, c) = pending.remove(i);
                out.push((s, MoveLoc::Loc(d), c));
            }
            None => {
                // Every destination is still to be read: only cycles remain.
                let (_, d, c) = pending[0];
                out.push((MoveLoc::Loc(d), MoveLoc::Scratch, c));
                for m in pending.iter_mut() {
                    if m.0 == MoveLoc::Loc(d) {
                        m.0 = MoveLoc::Scratch;
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(hw: u8) -> Loc {
        Loc::Reg(PReg {
            class: RegClass::Int,
            hw,
        })
    }

    /// Run a move sequence on a toy machine and check it implements the parallel move.
    fn check_moves(moves: &[(Loc, Loc, RegClass)]) {
        let key = |l: Loc| match l {
            Loc::Reg(p) => p.hw as i64,
            Loc::Spill(s) => 1000 + s as i64,
        };
        let mut state = std::collections::HashMap::new();
        for (s, d, _) in moves {
            state.insert(key(*s), key(*s) * 7 + 1);
            state.entry(key(*d)).or_insert(key(*d) * 7 + 1);
        }
        let before = state.clone();
        let mut scratch = None;
        for (s, d, _) in parallel_moves(moves) {
            let v = match s {
                MoveLoc::Scratch => scratch.expect("scratch read before written"),
                MoveLoc::Loc(l) => state[&key(l)],
            };
            match d {
                MoveLoc::Scratch => scratch = Some(v),
                MoveLoc::Loc(l) => {
                    state.insert(key(l), v);
                }
            }
        }
        for (s, d, _) in moves {
            assert_eq!(state[&key(*d)], before[&key(*s)], "{:?}", moves);
        }
    }

    #[test]
    fn parallel_moves_chains_cycles_and_fanout() {
        let c = RegClass::Int;
        check_moves(&[]);
        check_moves(&[(r(1), r(1), c)]);
        check_moves(&[(r(1), r(2), c), (r(2), r(3), c)]);
        check_moves(&[(r(1), r(2), c), (r(2), r(1), c)]);
        check_moves(&[
            (r(1), r(2), c),
            (r(2), r(3), c),
            (r(3), r(1), c),
            (r(4), r(5), c),
            (r(5), r(4), c),
        ]);
        check_moves(&[
            (r(1), r(2), c),
            (r(1), r(3), c),
            (r(3), r(4), c),
            (r(4), r(1), c),
        ]);
        check_moves(&[
            (Loc::Spill(0), r(1), c),
            (r(1), Loc::Spill(0), c),
            (r(2), Loc::Spill(1), c),
        ]);
        let m = parallel_moves(&[(r(1), r(2), c), (r(2), r(1), c)]);
        assert_eq!(m.len(), 3);
        // Exhaustive permutations of 4 locations with repetition-free destinations.
        let locs = [r(0), r(1), r(2), Loc::Spill(0)];
        for a in 0..4 {
            for b in 0..4 {
                for cc in 0..4 {
                    for d in 0..4 {
                        let mv: Vec<_> = [a, b, cc, d]
                            .iter()
                            .enumerate()
                            .map(|(i, &s)| (locs[s], locs[i], c))
                            .collect();
                        check_moves(&mv);
                    }
                }
            }
        }
    }

    fn small_info() -> RegInfo {
        RegInfo {
            int_regs: vec![1, 2, 3, 4, 5],
            float_regs: vec![0, 1, 2],
            int_callee_saved: vec![4, 5],
            float_callee_saved: vec![],
        }
    }

    /// Independent check of an allocation: walk each block backward with
    /// exact liveness and verify no two simultaneously live values share a
    /// location, and no value live across a call sits in a caller-saved register.
    fn check_allocation(f: &Function, info: &RegInfo, a: &Allocation) {
        let order = crate::cfg::reverse_postorder(f);
        let live = liveness(f, &order);
        let loc = |v: usize| a.locs[v].unwrap_or_else(|| panic!("v{} live but unallocated", v));
        let distinct = |set: &BitSet, what: &str| {
            let vs: Vec<usize> = set.iter().collect();
            for i in 0..vs.len() {
                for j in i + 1..vs.len() {
                    assert_ne!(
                        loc(vs[i]),
                        loc(vs[j]),
                        "v{} and v{} share a location {}",
                        vs[i],
                        vs[j],
                        what
                    );
                }
            }
        };
        for &b in &order {
            let blk = f.block(b);
            let mut cur = live.live_out[b.0 as usize].clone();
            distinct(&cur, "at block end");
            term_uses(&blk.term, |v| cur.insert(v.0 as usize));
            for inst in blk.insts.iter().rev() {
                if let Some(res) = inst.result {
                    cur.remove(res.0 as usize);
                    if let Some(l) = a.locs[res.0 as usize] {
                        for v in cur.iter() {
                            assert_ne!(loc(v), l, "result v{} clobbers live v{}", res.0, v);
                        }
                    }
                }
                if is_call(&inst.op) {
                    for v in cur.iter() {
                        if let Loc::Reg(p) = loc(v) {
                            let callee = if p.class == RegClass::Int {
                                &info.int_callee_saved
                            } else {
                                &info.float_callee_saved
                            };
                            assert!(
                                callee.contains(&p.hw),
                                "v{} across a call in caller-saved {:?}",
                                v,
                                p
                            );
                        }
                    }
                }
                inst_uses(&inst.op, |v| cur.insert(v.0 as usize));
            }
            for &p in &blk.params {
                cur.insert(p.0 as usize);
            }
            // Params that are unused have no location; drop them.
            let mut with_locs = BitSet::new(f.value_types.len());
            for v in cur.iter() {
                if a.locs[v].is_some() {
                    with_locs.insert(v);
                }
            }
            distinct(&with_locs, "at block start");
        }
        for (v, l) in a.locs.iter().enumerate() {
            if let Some(Loc::Reg(p)) = l {
                let list = if p.class == RegClass::Int {
                    &info.int_regs
                } else {
                    &info.float_regs
                };
                assert!(list.contains(&p.hw));
                assert_eq!(p.class, RegClass::of(f.value_types[v]));
            }
        }
    }

    /// A tiny deterministic generator of structured SSA: straight-line code,
    /// diamonds joining through block parameters, loops with carried values, calls.
    struct Gen {
        seed: u64,
    }
    impl Gen {
        fn next(&mut self, n: u64) -> u64 {
            self.seed = self
                .seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.seed >> 33) % n
        }
        fn pick(&mut self, avail: &[Value]) -> Value {
            avail[self.next(avail.len() as u64) as usize]
        }
        fn region(&mut self, b: &mut FunctionBuilder, avail: &mut Vec<Value>, depth: u32) {
            for _ in 0..1 + self.next(4) {
                match self.next(if depth > 2 { 3 } else { 6 }) {
                    0 | 1 => {
                        for _ in 0..1 + self.next(6) {
                            let (x, y) = (self.pick(avail), self.pick(avail));
                            let v = b.bin(BinOp::Add, x, y);
                            avail.push(v);
                        }
                    }
                    2 => {
                        let args: Vec<Value> =
                            (0..self.next(3)).map(|_| self.pick(avail)).collect();
                        let v = b
                            .call(Callee::Direct("g".into()), args, Some(Type::I64))
                            .unwrap();
                        avail.push(v);
                    }
                    3 => {
                        let (x, y) = (self.pick(avail), self.pick(avail));
                        let c = b.icmp(IntCC::Slt, x, y);
                        let (t, e, j) = (b.new_block(), b.new_block(), b.new_block());
                        let jp = b.add_block_param(j, Type::I64);
                        b.branch(c, t, vec![], e, vec![]);
                        for blk in [t, e] {
                            b.switch_to(blk);
                            let mut inner = avail.clone();
                            self.region(b, &mut inner, depth + 1);
                            let out = self.pick(&inner);
                            b.jump(j, vec![out]);
                        }
                        b.switch_to(j);
                        avail.push(jp);
                    }
                    _ => {
                        let (h, body, exit) = (b.new_block(), b.new_block(), b.new_block());
                        let carried: Vec<Value> =
                            (0..1 + self.next(3)).map(|_| self.pick(avail)).collect();
                        let hp: Vec<Value> = carried
                            .iter()
                            .map(|_| b.add_block_param(h, Type::I64))
                            .collect();
                        b.jump(h, carried);
                        b.switch_to(h);
                        let mut inner = avail.clone();
                        inner.extend(&hp);
                        let (x, y) = (self.pick(&inner), self.pick(&inner));
                        let c = b.icmp(IntCC::Ult, x, y);
                        b.branch(c, body, vec![], exit, vec![]);
                        b.switch_to(body);
                        let mut body_avail = inner.clone();
                        self.region(b, &mut body_avail, depth + 1);
                        let next: Vec<Value> = hp.iter().map(|_| self.pick(&body_avail)).collect();
                        b.jump(h, next);
                        b.switch_to(exit);
                        *avail = inner;
                    }
                }
            }
        }
    }

    #[test]
    fn random_functions_allocate_consistently() {
        for seed in 0..300u64 {
            let mut g = Gen { seed };
            let mut b = FunctionBuilder::new(
                "f",
                "f",
                &[Type::I64, Type::I64, Type::I64],
                Some(Type::I64),
                Span::NONE,
            );
            let mut avail: Vec<Value> = b.block_params(BlockId(0)).to_vec();
            g.region(&mut b, &mut avail, 0);
            let r = g.pick(&avail);
            b.ret(Some(r));
            let f = b.finish();
            crate::verify::verify_function(&f).unwrap();
            for info in [
                small_info(),
                RegInfo {
                    int_regs: vec![1, 2],
                    float_regs: vec![],
                    int_callee_saved: vec![2],
                    float_callee_saved: vec![],
                },
            ] {
                let a = allocate(&f, &info);
                check_allocation(&f, &info, &a);
                for p in &a.used_callee_saved {
                    assert!(info.int_callee_saved.contains(&p.hw));
                }
            }
        }
    }

    #[test]
    fn many_live_values_spill() {
        let mut b = FunctionBuilder::new("f", "f", &[Type::I64], Some(Type::I64), Span::NONE);
        let x = b.block_params(BlockId(0))[0];
        let vs: Vec<Value> = (0..20)
            .map(|i| {
                let c = b.iconst(Type::I64, i);
                b.bin(BinOp::Add, x, c)
            })
            .collect();
        let mut acc = vs[0];
        for &v in &vs[1..] {
            acc = b.bin(BinOp::Add, acc, v);
        }
        b.ret(Some(acc));
        let f = b.finish();
        let info = small_info();
        let a = allocate(&f, &info);
        assert!(a.num_spill_slots > 0);
        check_allocation(&f, &info, &a);
    }

    #[test]
    fn values_across_calls_avoid_caller_saved() {
        let mut b = FunctionBuilder::new(
            "f",
            "f",
            &[Type::I64, Type::F64],
            Some(Type::I64),
            Span::NONE,
        );
        let x = b.block_params(BlockId(0))[0];
        let y = b.block_params(BlockId(0))[1];
        b.call(Callee::Direct("g".into()), vec![], None);
        let z = b.cast(CastOp::FToS, y, Type::I64);
        let s = b.bin(BinOp::Add, x, z);
        b.ret(Some(s));
        let f = b.finish();
        let info = small_info();
        let a = allocate(&f, &info);
        check_allocation(&f, &info, &a);
        assert!(matches!(
            a.locs[x.0 as usize],
            Some(Loc::Reg(PReg { hw: 4, .. }))
        ));
        assert!(matches!(a.locs[y.0 as usize], Some(Loc::Spill(_))));
        assert_eq!(a.used_callee_saved.len(), 1);
    }
}
