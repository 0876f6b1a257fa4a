//! Promote stack slots to SSA values.
//!
//! The lowering keeps every local in its own stack slot and reads and writes
//! it with loads and stores at offset 0. A slot whose address is used for
//! nothing else (no other offsets, no escape into calls, stores, arithmetic
//! or jumps) and always with one type is really a variable, and becomes
//! SSA values: the classic construction of Cytron et al. with block
//! parameters instead of phis, pruned by liveness so a parameter is only
//! added where the variable is still read.
//!
//! 1. decide which slots are promotable, and their type;
//! 2. for each, find the blocks that store it and the blocks that read it
//!    before storing; propagate liveness backwards; place a parameter at
//!    the iterated dominance frontier of the stores where the slot is live;
//! 3. walk the dominator tree, tracking each variable's current value: a
//!    load becomes that value, a store sets it, and every jump passes it to
//!    the parameters of its target;
//! 4. rename the uses of removed loads, and renumber the remaining slots.
//!
//! A load before any store reads zero of the variable's type (the language
//! zero-initialises, and anything is a valid value for undefined reads).
//!
//! A slot that is the home of a source variable (`Function::debug`) is
//! promoted like any other, but its stores stay: the debugger reads the
//! variable there, and the code still uses the SSA values.

use super::dom::DomTree;
use super::*;
use crate::cfg;

const NONE: u32 = u32::MAX;

pub fn run(f: &mut Function) {
    cfg::remove_unreachable_blocks(f);
    if f.slots.is_empty() || f.blocks.is_empty() {
        return;
    }
    let Some(vars) = Vars::find(f) else { return };
    let preds = predecessors(f);
    // The entry's parameters are the function's; a jump back to the entry
    // would need one more. The lowering never makes one: leave such
    // functions alone rather than split the entry.
    if !preds[0].is_empty() {
        return;
    }
    let dom = DomTree::compute(f, &preds);
    let new_params = place_params(f, &vars, &preds, &dom);
    rename(f, &vars, &new_params, &dom);
    renumber_slots(f, &vars);
}

/// The promotable slots ("variables") of a function.
struct Vars {
    /// Variable index of each slot, or NONE.
    of_slot: Vec<u32>,
    /// Slot and type of each variable.
    slot: Vec<SlotId>,
    ty: Vec<Type>,
    /// Slot of each value defined by `SlotAddr`, or NONE.
    addr_slot: Vec<u32>,
    /// Per slot: a debugger's home, whose stores and slot are kept.
    home: Vec<bool>,
}

impl Vars {
    fn find(f: &Function) -> Option<Vars> {
        let nslots = f.slots.len();
        let mut addr_slot = vec![NONE; f.value_types.len()];
        for b in &f.blocks {
            for inst in &b.insts {
                if let (Op::SlotAddr(s), Some(r)) = (&inst.op, inst.result) {
                    addr_slot[r.0 as usize] = s.0;
                }
            }
        }
        let mut ok = vec![true; nslots];
        let mut ty: Vec<Option<Type>> = vec![None; nslots];
        let slot_of = |v: Value| addr_slot[v.0 as usize];
        // Record an access of `t` at `offset`; anything but whole accesses
        // at offset 0 with one type makes the slot memory.
        let mut access = |ok: &mut Vec<bool>, s: u32, t: Type, offset: i32| {
            let s = s as usize;
            if offset != 0 || t.bytes() > f.slots[s].size || ty[s].is_some_and(|u| u != t) {
                ok[s] = false;
            }
            ty[s] = Some(t);
        };
        for b in &f.blocks {
            for inst in &b.insts {
                match &inst.op {
                    Op::Load { addr, offset } if slot_of(*addr) != NONE => {
                        let t = f.ty(inst.result.expect("load without result"));
                        access(&mut ok, slot_of(*addr), t, *offset);
                    }
                    Op::Store { value, addr, offset } => {
                        if slot_of(*addr) != NONE {
                            access(&mut ok, slot_of(*addr), f.ty(*value), *offset);
                        }
                        if slot_of(*value) != NONE {
                            ok[slot_of(*value) as usize] = false;
                        }
                    }
                    op => op_uses(op, |v| {
                        if slot_of(v) != NONE {
                            ok[slot_of(v) as usize] = false;
                        }
                    }),
                }
            }
            term_uses(&b.term, |v| {
                if slot_of(v) != NONE {
                    ok[slot_of(v) as usize] = false;
                }
            });
        }
        let mut home = vec![false; nslots];
        for v in &f.debug.vars {
            if let Some(h) = home.get_mut(v.slot.0 as usize) {
                *h = true;
            }
        }
        let mut vars = Vars { of_slot: vec![NONE; nslots], slot: Vec::new(), ty: Vec::new(), addr_slot, home };
        for s in 0..nslots {
            if ok[s] {
                vars.of_slot[s] = vars.slot.len() as u32;
                vars.slot.push(SlotId(s as u32));
                // A slot never loaded nor stored has no type; any will do.
                vars.ty.push(ty[s].unwrap_or(Type::I64));
            }
        }
        if vars.slot.is_empty() {
            None
        } else {
            Some(vars)
        }
    }

    /// The variable whose address `v` is, if any.
    fn of_addr(&self, v: Value) -> Option<u32> {
        match self.addr_slot.get(v.0 as usize) {
            Some(&s) if s != NONE && self.of_slot[s as usize] != NONE => Some(self.of_slot[s as usize]),
            _ => None,
        }
    }
}

/// Add the block parameters SSA needs; returns, for every block, the
/// (variable, parameter) pairs added to it, in parameter order.
fn place_params(f: &mut Function, vars: &Vars, preds: &[Vec<BlockId>], dom: &DomTree) -> Vec<Vec<(u32, Value)>> {
    let nb = f.blocks.len();
    let nvars = vars.slot.len();
    // Per variable: the blocks that store it, and those that load it before
    // any store in the block (upward-exposed reads).
    let mut def_blocks: Vec<Vec<BlockId>> = vec![Vec::new(); nvars];
    let mut use_blocks: Vec<Vec<BlockId>> = vec![Vec::new(); nvars];
    // Stamped with the block number instead of cleared per block.
    let mut stored = vec![NONE; nvars];
    let mut used = vec![NONE; nvars];
    for (bi, b) in f.blocks.iter().enumerate() {
        let stamp = bi as u32;
        for inst in &b.insts {
            match &inst.op {
                Op::Load { addr, .. } => {
                    if let Some(x) = vars.of_addr(*addr) {
                        let x = x as usize;
                        if stored[x] != stamp && used[x] != stamp {
                            used[x] = stamp;
                            use_blocks[x].push(BlockId(stamp));
                        }
                    }
                }
                Op::Store { addr, .. } => {
                    if let Some(x) = vars.of_addr(*addr) {
                        let x = x as usize;
                        if stored[x] != stamp {
                            stored[x] = stamp;
                            def_blocks[x].push(BlockId(stamp));
                        }
                    }
                }
                _ => {}
            }
        }
    }

    let df = dom.frontiers(preds);
    let mut new_params: Vec<Vec<(u32, Value)>> = vec![Vec::new(); nb];
    // Per-block marks, stamped with the variable number so that one array
    // serves every variable.
    let mut defines = vec![NONE; nb];
    let mut live_in = vec![NONE; nb];
    let mut has_param = vec![NONE; nb];
    let mut queued = vec![NONE; nb];
    let mut work: Vec<BlockId> = Vec::new();
    for x in 0..nvars {
        let stamp = x as u32;
        if def_blocks[x].is_empty() || use_blocks[x].is_empty() {
            continue; // never joins two values that are read
        }
        for b in &def_blocks[x] {
            defines[b.0 as usize] = stamp;
        }
        // Live-in blocks: from the reads backwards, stopping at stores.
        work.clear();
        for &b in &use_blocks[x] {
            live_in[b.0 as usize] = stamp;
            work.push(b);
        }
        while let Some(b) = work.pop() {
            for &p in &preds[b.0 as usize] {
                let pi = p.0 as usize;
                if live_in[pi] != stamp && defines[pi] != stamp {
                    live_in[pi] = stamp;
                    work.push(p);
                }
            }
        }
        // Parameters at the iterated dominance frontier of the stores.
        work.clear();
        for &b in &def_blocks[x] {
            queued[b.0 as usize] = stamp;
            work.push(b);
        }
        while let Some(b) = work.pop() {
            for &d in &df[b.0 as usize] {
                let di = d.0 as usize;
                if has_param[di] == stamp || live_in[di] != stamp {
                    continue;
                }
                has_param[di] = stamp;
                f.value_types.push(vars.ty[x]);
                let p = Value(f.value_types.len() as u32 - 1);
                f.blocks[di].params.push(p);
                new_params[di].push((stamp, p));
                if queued[di] != stamp {
                    queued[di] = stamp;
                    work.push(d);
                }
            }
        }
    }
    new_params
}

/// The variables' current values during the dominator-tree walk.
struct Current {
    value: Vec<Option<Value>>,
    /// (variable, previous value) of every assignment, to undo on leaving a
    /// dominator subtree.
    undo: Vec<(u32, Option<Value>)>,
    /// The zero each variable reads before its first store, made on demand.
    zero: Vec<Option<Value>>,
    zeros: Vec<Inst>,
}

impl Current {
    fn set(&mut self, x: u32, v: Value) {
        self.undo.push((x, self.value[x as usize]));
        self.value[x as usize] = Some(v);
    }

    fn undo_to(&mut self, mark: usize) {
        while self.undo.len() > mark {
            let (x, old) = self.undo.pop().unwrap();
            self.value[x as usize] = old;
        }
    }

    /// The value a read of variable `x` sees here.
    fn read(&mut self, f: &mut Function, vars: &Vars, x: u32) -> Value {
        if let Some(v) = self.value[x as usize] {
            return v;
        }
        let zeros = &mut self.zeros;
        *self.zero[x as usize].get_or_insert_with(|| {
            let t = vars.ty[x as usize];
            f.value_types.push(t);
            let v = Value(f.value_types.len() as u32 - 1);
            let op = if t.is_float() { Op::Fconst(0.0) } else { Op::Iconst(0) };
            zeros.push(Inst { result: Some(v), op, span: Span::NONE });
            v
        })
    }
}

/// Step 3 and the renaming of step 4.
fn rename(f: &mut Function, vars: &Vars, new_params: &[Vec<(u32, Value)>], dom: &DomTree) {
    let nvars = vars.slot.len();
    // What each removed load's result became.
    let mut replaced: Vec<Option<Value>> = vec![None; f.value_types.len()];
    let mut cur = Current { value: vec![None; nvars], undo: Vec::new(), zero: vec![None; nvars], zeros: Vec::new() };
    enum Step {
        Enter(BlockId),
        Leave(usize),
    }
    let mut stack = vec![Step::Enter(BlockId(0))];
    while let Some(step) = stack.pop() {
        let b = match step {
            Step::Leave(mark) => {
                cur.undo_to(mark);
                continue;
            }
            Step::Enter(b) => b,
        };
        stack.push(Step::Leave(cur.undo.len()));
        let bi = b.0 as usize;
        for &(x, p) in &new_params[bi] {
            cur.set(x, p);
        }
        let insts = std::mem::take(&mut f.blocks[bi].insts);
        let mut kept = Vec::with_capacity(insts.len());
        for inst in insts {
            match &inst.op {
                Op::SlotAddr(s) if vars.of_slot[s.0 as usize] != NONE && !vars.home[s.0 as usize] => {}
                Op::Load { addr, .. } if vars.of_addr(*addr).is_some() => {
                    let v = cur.read(f, vars, vars.of_addr(*addr).unwrap());
                    replaced[inst.result.unwrap().0 as usize] = Some(v);
                }
                Op::Store { value, addr, .. } if vars.of_addr(*addr).is_some() => {
                    // The stored value's definition dominates the store, so
                    // if it was a load it has been renamed already.
                    let mut v = *value;
                    while let Some(Some(r)) = replaced.get(v.0 as usize) {
                        v = *r;
                    }
                    cur.set(vars.of_addr(*addr).unwrap(), v);
                    if vars.home[vars.addr_slot[addr.0 as usize] as usize] {
                        kept.push(inst);
                    }
                }
                _ => kept.push(inst),
            }
        }
        f.blocks[bi].insts = kept;
        let mut term = std::mem::replace(&mut f.blocks[bi].term, Terminator::Unreachable);
        for call in block_calls_mut(&mut term) {
            for &(x, _) in &new_params[call.block.0 as usize] {
                let v = cur.read(f, vars, x);
                call.args.push(v);
            }
        }
        f.blocks[bi].term = term;
        for &c in dom.children[bi].iter().rev() {
            stack.push(Step::Enter(c));
        }
    }
    rewrite_uses(f, &replaced);
    if !cur.zeros.is_empty() {
        let entry = &mut f.blocks[0].insts;
        cur.zeros.append(entry);
        *entry = cur.zeros;
    }
}

/// Drop the promoted slots (but not homes) and renumber the others densely.
fn renumber_slots(f: &mut Function, vars: &Vars) {
    let mut remap = vec![NONE; f.slots.len()];
    let mut kept = Vec::new();
    for (s, slot) in f.slots.iter().enumerate() {
        if vars.of_slot[s] == NONE || vars.home[s] {
            remap[s] = kept.len() as u32;
            kept.push(*slot);
        }
    }
    f.slots = kept;
    for b in &mut f.blocks {
        for inst in &mut b.insts {
            if let Op::SlotAddr(s) = &mut inst.op {
                s.0 = remap[s.0 as usize];
            }
        }
    }
    for v in &mut f.debug.vars {
        v.slot.0 = remap.get(v.slot.0 as usize).copied().unwrap_or(NONE);
    }
    f.debug.vars.retain(|v| v.slot.0 != NONE);
}
