//! Lowering one allocated IR function to AArch64 machine code.
//!
//! Every SSA value has one location (register or 8-byte spill slot) for its
//! whole life. An instruction reads its operands from their registers, or
//! reloads spilled ones into scratch registers (x16/x17, v30/v31), computes
//! into the result's register (or a scratch, then stores it to the slot).
//!
//! Narrow integers (I8, I16, I32) live in registers with their upper bits
//! undefined: operations whose low bits do not depend on the upper bits
//! (add, sub, mul, logic, shl) run on w registers as they are; the others
//! (compares, division, right shifts, widening) first sign- or zero-extend.
//!
//! Frame, growing down from the caller's sp:
//!
//! ```text
//!   incoming stack arguments      [x29 + 16 ...]
//!   saved x29, x30                [x29]           <- x29
//!   stack slots (Function::slots)
//!   spill slots
//!   saved callee-saved registers
//!   outgoing stack arguments      [sp ...]        <- sp (16-aligned)
//! ```

use super::abi::{self, ArgLoc, CALL_TARGET, SYSCALL_NR, V30, V31, X15, X16, X17};
use super::enc::{self, Cond, Cvt, FOp, Logic, Mem, Shift, FP, LR, SP, ZR};
use super::select::{self, Selection};
use crate::ir::*;
use crate::obj::{LineRow, Object, Reloc, RelocKind};
use crate::regalloc::{self, Allocation, Loc, MoveLoc, RegClass};

/// Compile `f` with the register assignment `alloc` into `obj`'s `.text`.
pub fn compile(f: &Function, alloc: &Allocation, obj: &mut Object) -> Result<(), String> {
    if f.blocks.is_empty() {
        return Err(format!("{}: function has no blocks", f.name));
    }
    // The allocator gives no locations in blocks nothing can reach; skip them.
    let mut reachable = vec![false; f.blocks.len()];
    for b in crate::cfg::reverse_postorder(f) {
        reachable[b.0 as usize] = true;
    }
    check_locations(f, alloc, &reachable)?;
    let frame = Frame::layout(f, alloc)?;
    let sel = Selection::new(f, &frame.slot_offsets);
    let mut e = Emitter { f, alloc, frame, sel, pending: None, code: Code::default(), block_labels: Vec::new(), next_block: Vec::new() };
    e.block_labels = (0..f.blocks.len()).map(|_| e.code.new_label()).collect();
    // The block emitted after each one, for falling through instead of jumping.
    let order = block_order(f);
    e.next_block = vec![usize::MAX; f.blocks.len()];
    for w in order.windows(2) {
        e.next_block[w[0]] = w[1];
    }
    e.prologue();
    for &i in &order {
        let b = &f.blocks[i];
        let label = e.block_labels[i];
        e.code.bind(label);
        for inst in &b.insts {
            e.code.mark(inst.span);
            e.inst(inst)?;
        }
        e.code.mark(b.term_span);
        e.terminator(&b.term, i)?;
    }
    e.code.resolve_fixups().map_err(|m| format!("{}: {}", f.name, m))?;

    let bytes: Vec<u8> = e.code.words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let off = obj.append(Object::TEXT, &bytes, 16);
    obj.define(&f.name, Object::TEXT, off, bytes.len() as u64, f.linkage == Linkage::Global, true);
    for (at, kind, sym) in e.code.relocs {
        obj.relocs.push(Reloc { section: Object::TEXT, offset: off + 4 * at as u64, kind, symbol: sym, addend: 0 });
    }
    let mut last_line = None;
    for (at, span) in e.code.lines {
        let is_stmt = last_line != Some((span.file, span.line));
        last_line = Some((span.file, span.line));
        obj.lines.push(LineRow { section: Object::TEXT, offset: off + 4 * at as u64, span, is_stmt });
    }
    // For the debugger: sp = x29 - size and the CFA is x29 + 16.
    let size = e.frame.size as i64;
    let cfa_offsets = e.frame.slot_offsets.iter().map(|&o| o as i64 - size - 16).collect();
    obj.frames.push(crate::obj::FrameSlots { func: f.name.clone(), cfa_offsets });
    Ok(())
}

/// The order to emit the reachable blocks in: chains that follow each
/// block with its likely successor, so the common path falls through, and
/// the blocks that end in `unreachable` (fault reports after a failed
/// check) last, out of the way. The entry block comes first.
fn block_order(f: &Function) -> Vec<usize> {
    let n = f.blocks.len();
    let cold = |b: BlockId| matches!(f.block(b).term, Terminator::Unreachable);
    let mut placed = vec![false; n];
    let mut order = Vec::with_capacity(n);
    let mut cold_blocks = Vec::new();
    let mut pending = vec![f.entry()];
    while let Some(start) = pending.pop() {
        let mut cur = start;
        while !placed[cur.0 as usize] {
            placed[cur.0 as usize] = true;
            if cold(cur) && cur != f.entry() {
                cold_blocks.push(cur.0 as usize);
                break;
            }
            order.push(cur.0 as usize);
            // Continue with the first successor not placed yet that is not
            // cold (for a branch: `then`, the way the condition usually
            // goes for loops and checks); the others wait their turn.
            let succs = crate::cfg::successors(&f.block(cur).term);
            let next = succs.iter().copied().find(|&s| !placed[s.0 as usize] && !cold(s));
            for &s in succs.iter().rev() {
                if Some(s) != next && !placed[s.0 as usize] {
                    pending.push(s);
                }
            }
            match next {
                Some(s) => cur = s,
                None => break,
            }
        }
    }
    order.extend(cold_blocks);
    order
}

/// Every used value must have a location; the emitter relies on it.
fn check_locations(f: &Function, alloc: &Allocation, reachable: &[bool]) -> Result<(), String> {
    let has = |v: &Value| matches!(alloc.locs.get(v.0 as usize), Some(Some(_)));
    let missing = |v: &Value| Err(format!("{}: register allocation left {} without a location", f.name, v));
    for b in f.blocks.iter().zip(reachable).filter(|(_, &r)| r).map(|(b, _)| b) {
        for inst in &b.insts {
            for v in operands(&inst.op) {
                if !has(&v) {
                    return missing(&v);
                }
            }
        }
        let uses: Vec<Value> = match &b.term {
            Terminator::Jump(c) => c.args.clone(),
            Terminator::Branch { cond, then, else_ } => {
                let mut u = vec![*cond];
                u.extend(&then.args);
                u.extend(&else_.args);
                u
            }
            Terminator::Return(v) => v.iter().copied().collect(),
            Terminator::Unreachable => vec![],
        };
        for v in &uses {
            if !has(v) {
                return missing(v);
            }
        }
    }
    Ok(())
}

fn operands(op: &Op) -> Vec<Value> {
    match op {
        Op::Iconst(_) | Op::Fconst(_) | Op::SlotAddr(_) | Op::SymAddr(_) => vec![],
        Op::Bin(_, a, b) | Op::Icmp(_, a, b) | Op::Fcmp(_, a, b) => vec![*a, *b],
        Op::Un(_, a) | Op::Cast(_, a) | Op::Copy(a) => vec![*a],
        Op::Load { addr, .. } => vec![*addr],
        Op::Store { value, addr, .. } => vec![*value, *addr],
        Op::Call { callee, args } => {
            let mut v = args.clone();
            if let Callee::Indirect(t) = callee {
                v.push(*t);
            }
            v
        }
        Op::Syscall(args) | Op::Atomic(_, args) => args.clone(),
        Op::ThreadPointer => vec![],
    }
}

fn align_up(v: u32, a: u32) -> u32 {
    (v + a - 1) / a * a
}

/// Byte offsets from sp of everything in the frame.
struct Frame {
    spill_base: u32,
    slot_offsets: Vec<u32>,
    saves: Vec<(crate::regalloc::PReg, u32)>,
    /// Bytes below the saved x29/x30 pair (a multiple of 16).
    size: u32,
}

impl Frame {
    fn layout(f: &Function, alloc: &Allocation) -> Result<Frame, String> {
        let mut out_args = 0;
        for b in &f.blocks {
            for inst in &b.insts {
                if let Op::Call { args, .. } = &inst.op {
                    let tys: Vec<Type> = args.iter().map(|a| f.ty(*a)).collect();
                    out_args = out_args.max(abi::assign_args(&tys).1);
                }
            }
        }
        // Saves and spill slots sit right above the outgoing arguments so
        // that short immediate offsets from sp reach them even in a frame
        // with big stack slots.
        let mut off = align_up(out_args, 16);
        let mut saves = Vec::new();
        for r in &alloc.used_callee_saved {
            saves.push((*r, off));
            off += 8;
        }
        let spill_base = off;
        off = off.saturating_add(alloc.num_spill_slots.saturating_mul(8));
        let mut slot_offsets = Vec::with_capacity(f.slots.len());
        for (i, s) in f.slots.iter().enumerate() {
            let a = s.align.max(1);
            // sp is only 16-aligned; more would need a realigned frame.
            if a > 16 || !a.is_power_of_two() {
                return Err(format!("{}: stack slot ss{} asks for alignment {} (at most 16 is supported)", f.name, i, a));
            }
            off = align_up(off, a);
            slot_offsets.push(off);
            off = off.saturating_add(s.size);
            if off >= 1 << 30 {
                return Err(format!("{}: stack frame larger than 1 GiB", f.name));
            }
        }
        if off >= 1 << 30 {
            return Err(format!("{}: stack frame larger than 1 GiB", f.name));
        }
        let size = align_up(off, 16);
        Ok(Frame { spill_base, slot_offsets, saves, size })
    }

    fn spill(&self, n: u32) -> i64 {
        (self.spill_base + 8 * n) as i64
    }
}

#[derive(Copy, Clone)]
enum Fixup {
    /// b/bl: imm26 at bit 0.
    Imm26,
    /// b.cond/cbnz: imm19 at bit 5.
    Imm19,
}

/// The instruction buffer with labels for in-function branches, symbol
/// relocations and line marks, all by instruction index.
#[derive(Default)]
struct Code {
    words: Vec<u32>,
    labels: Vec<Option<u32>>,
    fixups: Vec<(u32, u32, Fixup)>,
    relocs: Vec<(u32, RelocKind, String)>,
    lines: Vec<(u32, Span)>,
}

impl Code {
    fn put(&mut self, w: u32) {
        self.words.push(w);
    }
    fn here(&self) -> u32 {
        self.words.len() as u32
    }
    fn new_label(&mut self) -> u32 {
        self.labels.push(None);
        self.labels.len() as u32 - 1
    }
    fn bind(&mut self, l: u32) {
        self.labels[l as usize] = Some(self.here());
    }
    /// Emit a branch `w` (offset field zero) to label `l`.
    fn branch(&mut self, w: u32, l: u32, kind: Fixup) {
        self.fixups.push((self.here(), l, kind));
        self.put(w);
    }
    fn reloc(&mut self, kind: RelocKind, sym: &str) {
        self.relocs.push((self.here(), kind, sym.to_string()));
    }
    /// Note that code from here on comes from `span`.
    fn mark(&mut self, span: Span) {
        let at = self.here();
        match self.lines.last_mut() {
            Some(last) if last.1 == span => {}
            Some(last) if last.0 == at => last.1 = span,
            _ => self.lines.push((at, span)),
        }
    }
    fn resolve_fixups(&mut self) -> Result<(), String> {
        for &(at, l, kind) in &self.fixups {
            let target = self.labels[l as usize].ok_or("branch to an unbound label")?;
            let words = target as i64 - at as i64;
            let w = &mut self.words[at as usize];
            match kind {
                Fixup::Imm26 => *w |= (words as u32) & 0x03ff_ffff,
                Fixup::Imm19 => {
                    if !(-(1 << 18)..(1 << 18)).contains(&words) {
                        return Err("conditional branch beyond +-1 MiB (function too large)".into());
                    }
                    *w |= ((words as u32) & 0x7ffff) << 5;
                }
            }
        }
        Ok(())
    }
}

/// How a conditional branch tests its condition.
#[derive(Copy, Clone, Debug)]
enum Test {
    /// The flags, set by the instruction just before the branch.
    Flags(Cond),
    /// A register against zero: cbnz when `nonzero`, else cbz.
    Zero { x: bool, reg: u8, nonzero: bool },
}

impl Test {
    fn invert(self) -> Test {
        match self {
            Test::Flags(c) => Test::Flags(c.invert()),
            Test::Zero { x, reg, nonzero } => Test::Zero { x, reg, nonzero: !nonzero },
        }
    }
    /// The branch instruction, its offset left for a fixup.
    fn word(self) -> u32 {
        match self {
            Test::Flags(c) => enc::b_cond(c, 0),
            Test::Zero { x, reg, nonzero: true } => enc::cbnz(x, reg, 0),
            Test::Zero { x, reg, nonzero: false } => enc::cbz(x, reg, 0),
        }
    }
}

fn int_cond(cc: IntCC) -> Cond {
    match cc {
        IntCC::Eq => Cond::Eq,
        IntCC::Ne => Cond::Ne,
        IntCC::Slt => Cond::Lt,
        IntCC::Sle => Cond::Le,
        IntCC::Sgt => Cond::Gt,
        IntCC::Sge => Cond::Ge,
        IntCC::Ult => Cond::Lo,
        IntCC::Ule => Cond::Ls,
        IntCC::Ugt => Cond::Hi,
        IntCC::Uge => Cond::Hs,
    }
}

/// The integer access of `ty`'s width (for storing the zero register).
fn int_mem(ty: Type) -> Mem {
    match ty.bytes() {
        1 => Mem::B,
        2 => Mem::H,
        4 => Mem::W,
        _ => Mem::X,
    }
}

struct Emitter<'a> {
    f: &'a Function,
    alloc: &'a Allocation,
    frame: Frame,
    sel: Selection,
    /// The test a fused compare left for its block's branch. The branch is
    /// the first instruction the terminator emits (edge moves come after
    /// it), so the flags and the compared register are still intact there.
    pending: Option<Test>,
    code: Code,
    block_labels: Vec<u32>,
    /// The block emitted after block i (`usize::MAX` after the last).
    next_block: Vec<usize>,
}

impl<'a> Emitter<'a> {
    fn loc(&self, v: Value) -> Option<Loc> {
        self.alloc.locs.get(v.0 as usize).copied().flatten()
    }

    // ---- constants and addressing ------------------------------------

    /// Load the constant `v` into `rd` (64-bit, or the low 32 bits if `!x`).
    fn mov_imm(&mut self, x: bool, rd: u8, v: u64) {
        let v = if x { v } else { v & 0xffff_ffff };
        let halves = if x { 4 } else { 2 };
        let half = |i: u32| ((v >> (16 * i)) & 0xffff) as u32;
        let zeros = (0..halves).filter(|&i| half(i) == 0).count();
        let ones = (0..halves).filter(|&i| half(i) == 0xffff).count();
        let needed = halves as usize - zeros.max(ones);
        if needed > 1 {
            if let Some(nrs) = enc::logical_imm(x, v) {
                self.code.put(enc::logic_imm(Logic::Orr, x, rd, ZR, nrs));
                return;
            }
        }
        // Start from all-ones (movn) when that leaves fewer halves to patch.
        let inverted = ones > zeros;
        let filler = if inverted { 0xffff } else { 0 };
        let mut first = true;
        for i in 0..halves {
            if half(i) == filler {
                continue;
            }
            if first {
                self.code.put(if inverted { enc::movn(x, rd, !half(i) & 0xffff, i) } else { enc::movz(x, rd, half(i), i) });
                first = false;
            } else {
                self.code.put(enc::movk(x, rd, half(i), i));
            }
        }
        if first {
            self.code.put(if inverted { enc::movn(x, rd, 0, 0) } else { enc::movz(x, rd, 0, 0) });
        }
    }

    /// Load or store `rt` at `[base + off]`, using `tmp` for an offset no
    /// immediate form reaches.
    fn ldst(&mut self, load: bool, m: Mem, rt: u8, base: u8, off: i64, tmp: u8) {
        if let Some(w) = enc::ldst_uimm(load, m, rt, base, off).or_else(|| enc::ldst_simm9(load, m, rt, base, off)) {
            self.code.put(w);
        } else {
            self.mov_imm(true, tmp, off as u64);
            self.code.put(enc::ldst_reg(load, m, rt, base, tmp));
        }
    }

    /// Frame access relative to sp; x15 is free for far offsets here.
    fn frame_ldst(&mut self, load: bool, m: Mem, rt: u8, off: i64) {
        self.ldst(load, m, rt, SP, off, X15);
    }

    /// `rd = rn + imm` with rd/rn possibly sp; `tmp` for large immediates.
    fn add_const(&mut self, rd: u8, rn: u8, imm: i64, tmp: u8) {
        let (sub, mag) = if imm < 0 { (true, imm.unsigned_abs()) } else { (false, imm as u64) };
        if mag < 1 << 24 {
            let (hi, lo) = ((mag >> 12) as u32, (mag & 0xfff) as u32);
            let op = if sub { enc::sub_imm } else { enc::add_imm };
            let mut src = rn;
            if hi != 0 {
                self.code.put(op(true, rd, src, hi, true));
                src = rd;
            }
            if lo != 0 || src != rd {
                self.code.put(op(true, rd, src, lo, false));
            }
        } else {
            self.mov_imm(true, tmp, imm as u64);
            self.code.put(if rd == SP || rn == SP { enc::add_ext(rd, rn, tmp) } else { enc::add(true, rd, rn, tmp) });
        }
    }

    // ---- operands ----------------------------------------------------

    /// The register holding integer value `v`, reloading a spilled one into `scratch`.
    fn int_in(&mut self, v: Value, scratch: u8) -> u8 {
        match self.loc(v) {
            Some(Loc::Reg(r)) => r.hw,
            Some(Loc::Spill(n)) => {
                self.frame_ldst(true, Mem::X, scratch, self.frame.spill(n));
                scratch
            }
            None => scratch,
        }
    }
    fn fp_in(&mut self, v: Value, scratch: u8) -> u8 {
        match self.loc(v) {
            Some(Loc::Reg(r)) => r.hw,
            Some(Loc::Spill(n)) => {
                self.frame_ldst(true, Mem::D, scratch, self.frame.spill(n));
                scratch
            }
            None => scratch,
        }
    }
    /// The register to compute result `v` into: its own, or `scratch` (then `def` stores it).
    fn out(&self, v: Option<Value>, scratch: u8) -> u8 {
        match v.and_then(|v| self.loc(v)) {
            Some(Loc::Reg(r)) => r.hw,
            _ => scratch,
        }
    }
    /// Finish defining `v` computed into `reg`: spill it if its home is a slot.
    fn def(&mut self, v: Option<Value>, reg: u8) {
        if let Some(Loc::Spill(n)) = v.and_then(|v| self.loc(v)) {
            let m = if self.f.ty(v.unwrap()).is_float() { Mem::D } else { Mem::X };
            self.frame_ldst(false, m, reg, self.frame.spill(n));
        }
    }

    /// Sign- or zero-extend a narrow integer in `rn` to 32 bits in `rd`
    /// (returns the register holding the extended value; I32/I64 need nothing).
    fn extend32(&mut self, ty: Type, signed: bool, rd: u8, rn: u8) -> u8 {
        let imms = match ty {
            Type::I8 => 7,
            Type::I16 => 15,
            _ => return rn,
        };
        self.code.put(if signed { enc::sbfm(false, rd, rn, 0, imms) } else { enc::ubfm(false, rd, rn, 0, imms) });
        rd
    }

    // ---- moves -------------------------------------------------------

    fn move_one(&mut self, dst: MoveLoc, src: MoveLoc, class: RegClass) {
        let scratch = if class == RegClass::Int { abi::int(X16) } else { abi::float(V31) };
        let resolve = |m: MoveLoc| match m {
            MoveLoc::Loc(l) => l,
            MoveLoc::Scratch => Loc::Reg(scratch),
        };
        match (resolve(dst), resolve(src)) {
            (Loc::Reg(d), Loc::Reg(s)) => {
                // Classes differ only when a cycle through a reused spill
                // slot parks a value in the other class's scratch: copy bits.
                let w = match (d.class, s.class) {
                    (RegClass::Int, RegClass::Int) => enc::mov(true, d.hw, s.hw),
                    (RegClass::Float, RegClass::Float) => enc::fmov(true, d.hw, s.hw),
                    (RegClass::Int, RegClass::Float) => enc::cvt(Cvt::FmovToInt, true, true, d.hw, s.hw),
                    (RegClass::Float, RegClass::Int) => enc::cvt(Cvt::FmovToFp, true, true, d.hw, s.hw),
                };
                if d != s {
                    self.code.put(w);
                }
            }
            (Loc::Reg(d), Loc::Spill(n)) => {
                let m = if d.class == RegClass::Int { Mem::X } else { Mem::D };
                self.frame_ldst(true, m, d.hw, self.frame.spill(n));
            }
            (Loc::Spill(n), Loc::Reg(s)) => {
                let m = if s.class == RegClass::Int { Mem::X } else { Mem::D };
                self.frame_ldst(false, m, s.hw, self.frame.spill(n));
            }
            (Loc::Spill(a), Loc::Spill(b)) => {
                if a != b {
                    // Eight bytes are eight bytes: x17 carries floats too.
                    self.frame_ldst(true, Mem::X, X17, self.frame.spill(b));
                    self.frame_ldst(false, Mem::X, X17, self.frame.spill(a));
                }
            }
        }
    }

    /// Perform `moves` (dst, src, class) as if all at once.
    fn parallel_move(&mut self, moves: &[(Loc, Loc, RegClass)]) {
        let by_src: Vec<(Loc, Loc, RegClass)> = moves.iter().map(|&(d, s, c)| (s, d, c)).collect();
        for (s, d, c) in regalloc::parallel_moves(&by_src) {
            self.move_one(d, s, c);
        }
    }

    /// Move values to locations as if all at once. Cheap integer constants
    /// read nothing, so they are written last, straight into their
    /// destinations (`Selection` counts those uses as folded).
    fn move_values(&mut self, moves: &[(Loc, Value)]) {
        let mut regs = Vec::new();
        let mut consts = Vec::new();
        for &(dst, v) in moves {
            let ty = self.f.ty(v);
            match self.sel.remat(self.f, v) {
                Some(c) => consts.push((dst, c, ty)),
                None => {
                    if let Some(src) = self.loc(v).filter(|&src| src != dst) {
                        regs.push((dst, src, abi::class_of(ty)));
                    }
                }
            }
        }
        self.parallel_move(&regs);
        for (dst, c, ty) in consts {
            match dst {
                Loc::Reg(r) => self.mov_imm(ty == Type::I64, r.hw, c as u64),
                Loc::Spill(n) => {
                    self.mov_imm(ty == Type::I64, X16, c as u64);
                    self.frame_ldst(false, Mem::X, X16, self.frame.spill(n));
                }
            }
        }
    }

    /// The moves that pass `call`'s arguments into its target's parameters
    /// (none for a parameter already in place or never used).
    fn edge_moves(&self, call: &BlockCall) -> Vec<(Loc, Value)> {
        let params = &self.f.block(call.block).params;
        let mut moves = Vec::new();
        for (a, p) in call.args.iter().zip(params) {
            let Some(dst) = self.loc(*p) else { continue };
            if self.sel.remat(self.f, *a).is_some() || self.loc(*a).is_some_and(|src| src != dst) {
                moves.push((dst, *a));
            }
        }
        moves
    }

    // ---- prologue, epilogue --------------------------------------------

    fn prologue(&mut self) {
        self.code.mark(self.f.span);
        self.code.put(enc::stp_pre(FP, LR, SP, -16));
        self.code.put(enc::add_imm(true, FP, SP, 0, false));
        if self.frame.size > 0 {
            self.add_const(SP, SP, -(self.frame.size as i64), X16);
        }
        for (r, off) in self.frame.saves.clone() {
            let m = if r.class == RegClass::Int { Mem::X } else { Mem::D };
            self.frame_ldst(false, m, r.hw, off as i64);
        }
        // Parameters: registers first (a parallel move), then the stack ones,
        // whose destinations no register move reads any more.
        let (arg_locs, _) = abi::assign_args(&self.f.params);
        let params = self.f.blocks.first().map(|b| b.params.clone()).unwrap_or_default();
        let mut moves = Vec::new();
        let mut from_stack = Vec::new();
        for (p, al) in params.iter().zip(&arg_locs) {
            let Some(dst) = self.loc(*p) else { continue };
            match al {
                ArgLoc::Reg(r) => moves.push((dst, Loc::Reg(*r), r.class)),
                ArgLoc::Stack(off) => from_stack.push((*p, dst, *off)),
            }
        }
        self.parallel_move(&moves);
        for (p, dst, off) in from_stack {
            let float = self.f.ty(p).is_float();
            let m = if float { Mem::D } else { Mem::X };
            let reg = match dst {
                Loc::Reg(r) => r.hw,
                Loc::Spill(_) => {
                    if float {
                        V31
                    } else {
                        X16
                    }
                }
            };
            self.ldst(true, m, reg, FP, 16 + off as i64, X15);
            self.def(Some(p), reg);
        }
    }

    fn epilogue(&mut self) {
        for (r, off) in self.frame.saves.clone() {
            let m = if r.class == RegClass::Int { Mem::X } else { Mem::D };
            self.frame_ldst(true, m, r.hw, off as i64);
        }
        self.code.put(enc::add_imm(true, SP, FP, 0, false));
        self.code.put(enc::ldp_post(FP, LR, SP, 16));
        self.code.put(enc::ret());
    }

    // ---- instructions --------------------------------------------------

    fn inst(&mut self, inst: &Inst) -> Result<(), String> {
        let f = self.f;
        let res = inst.result;
        let rty = res.map(|r| f.ty(r));
        if res.is_some_and(|r| self.sel.skip[r.0 as usize]) {
            return Ok(());
        }
        match &inst.op {
            Op::Iconst(v) => {
                let ty = rty.unwrap_or(Type::I64);
                let d = self.out(res, X16);
                self.mov_imm(ty == Type::I64, d, *v as u64);
                self.def(res, d);
            }
            Op::Fconst(v) => {
                let dbl = rty != Some(Type::F32);
                let d = self.out(res, V30);
                let bits = if dbl { v.to_bits() } else { (*v as f32).to_bits() as u64 };
                if bits == 0 {
                    self.code.put(enc::cvt(Cvt::FmovToFp, dbl, dbl, d, ZR));
                } else if let Some(imm8) = enc::fp_imm8(*v) {
                    self.code.put(enc::fmov_imm(dbl, d, imm8));
                } else {
                    self.mov_imm(dbl, X16, bits);
                    self.code.put(enc::cvt(Cvt::FmovToFp, dbl, dbl, d, X16));
                }
                self.def(res, d);
            }
            Op::Bin(op, a, b) => self.binary(*op, *a, *b, res)?,
            Op::Un(op, a) => {
                let ty = f.ty(*a);
                if *op == UnOp::FNeg {
                    let s = self.fp_in(*a, V30);
                    let d = self.out(res, V30);
                    self.code.put(enc::fneg(ty == Type::F64, d, s));
                    self.def(res, d);
                } else {
                    let s = self.int_in(*a, X16);
                    let d = self.out(res, X16);
                    let x = ty == Type::I64;
                    self.code.put(if *op == UnOp::Neg { enc::sub(x, d, ZR, s) } else { enc::logic(Logic::Orr, x, true, d, ZR, s) });
                    self.def(res, d);
                }
            }
            Op::Icmp(cc, a, b) => self.icmp(*cc, *a, *b, res),
            Op::Fcmp(cc, a, b) => {
                let dbl = f.ty(*a) == Type::F64;
                let ra = self.fp_in(*a, V30);
                if self.sel.is_fzero(*b) {
                    self.code.put(enc::fcmp_zero(dbl, ra));
                } else {
                    let rb = self.fp_in(*b, V31);
                    self.code.put(enc::fcmp(dbl, ra, rb));
                }
                // After fcmp an unordered result sets C and V: mi and ls
                // are false for it where lt and le would be true.
                let cond = match cc {
                    FloatCC::Eq => Cond::Eq,
                    FloatCC::Ne => Cond::Ne,
                    FloatCC::Lt => Cond::Mi,
                    FloatCC::Le => Cond::Ls,
                    FloatCC::Gt => Cond::Gt,
                    FloatCC::Ge => Cond::Ge,
                };
                if res.is_some_and(|r| self.sel.fused[r.0 as usize]) {
                    self.pending = Some(Test::Flags(cond));
                } else {
                    let d = self.out(res, X16);
                    self.code.put(enc::cset(d, cond));
                    self.def(res, d);
                }
            }
            Op::Cast(op, a) => self.cast(*op, *a, res)?,
            Op::Load { addr, offset } => {
                let ty = rty.ok_or("load without a result")?;
                if let Some(ix) = self.sel.indexed(*addr) {
                    let rb = self.int_in(ix.base, X16);
                    let ri = self.int_in(ix.index, X17);
                    let (m, d) = match ty {
                        Type::F32 => (Mem::S, self.out(res, V30)),
                        Type::F64 => (Mem::D, self.out(res, V30)),
                        _ => (int_mem(ty), self.out(res, X16)),
                    };
                    self.code.put(enc::ldst_reg_lsl(true, m, d, rb, ri, ix.scaled));
                    self.def(res, d);
                    return Ok(());
                }
                let (base, off) = match self.sel.slot_access(*addr, *offset, ty) {
                    Some(off) => (SP, off),
                    None => (self.int_in(*addr, X16), *offset as i64),
                };
                let (m, d) = match ty {
                    Type::I8 => (Mem::B, self.out(res, X16)),
                    Type::I16 => (Mem::H, self.out(res, X16)),
                    Type::I32 => (Mem::W, self.out(res, X16)),
                    Type::I64 => (Mem::X, self.out(res, X16)),
                    Type::F32 => (Mem::S, self.out(res, V30)),
                    Type::F64 => (Mem::D, self.out(res, V30)),
                };
                self.ldst(true, m, d, base, off, X17);
                self.def(res, d);
            }
            Op::Store { value, addr, offset } => {
                let ty = f.ty(*value);
                let (m, r) = match ty {
                    _ if self.sel.stores_zero(f, *value) => (int_mem(ty), ZR),
                    Type::I8 => (Mem::B, self.int_in(*value, X16)),
                    Type::I16 => (Mem::H, self.int_in(*value, X16)),
                    Type::I32 => (Mem::W, self.int_in(*value, X16)),
                    Type::I64 => (Mem::X, self.int_in(*value, X16)),
                    Type::F32 => (Mem::S, self.fp_in(*value, V30)),
                    Type::F64 => (Mem::D, self.fp_in(*value, V30)),
                };
                if let Some(ix) = self.sel.indexed(*addr) {
                    let rb = self.int_in(ix.base, X17);
                    let ri = self.int_in(ix.index, X15);
                    self.code.put(enc::ldst_reg_lsl(false, m, r, rb, ri, ix.scaled));
                    return Ok(());
                }
                let (base, off) = match self.sel.slot_access(*addr, *offset, ty) {
                    Some(off) => (SP, off),
                    None => (self.int_in(*addr, X17), *offset as i64),
                };
                self.ldst(false, m, r, base, off, X15);
            }
            Op::SlotAddr(s) => {
                let off = self.slot_offset(*s)?;
                let d = self.out(res, X16);
                self.add_const(d, SP, off, X17);
                self.def(res, d);
            }
            Op::SymAddr(name) => {
                let d = self.out(res, X16);
                self.code.reloc(RelocKind::A64AdrPage21, name);
                self.code.put(enc::adrp(d));
                self.code.reloc(RelocKind::A64AddLo12, name);
                self.code.put(enc::add_imm(true, d, d, 0, false));
                self.def(res, d);
            }
            Op::Call { callee, args } => self.call(callee, args, res)?,
            Op::Syscall(args) => {
                if args.is_empty() || args.len() > 7 {
                    return Err(format!("syscall with {} operands (1 to 7 allowed)", args.len()));
                }
                let mut moves = vec![(Loc::Reg(abi::int(SYSCALL_NR)), args[0])];
                for (i, a) in args[1..].iter().enumerate() {
                    moves.push((Loc::Reg(abi::int(i as u8)), *a));
                }
                self.move_values(&moves);
                self.code.put(enc::svc(0));
                self.result_from(res, abi::int(0));
            }
            Op::Atomic(op, args) => self.atomic(*op, args, res),
            Op::ThreadPointer => {
                let d = self.out(res, X16);
                self.code.put(enc::mrs_tpidr_el0(d));
                self.def(res, d);
            }
            Op::Copy(a) => {
                if let (Some(r), Some(src)) = (res, self.loc(*a)) {
                    if let Some(dst) = self.loc(r) {
                        self.move_one(MoveLoc::Loc(dst), MoveLoc::Loc(src), abi::class_of(f.ty(r)));
                    }
                }
            }
        }
        Ok(())
    }

    /// The atomics as exclusive-access loops, like the runtime's assembly
    /// (asm/aarch64/conc.rs): acquire/release accesses and a trailing
    /// `dmb ish`, so each is a full barrier. Up to four registers are needed
    /// at once; spilled operands and temporaries use x16, x17, x30 (the link
    /// register, saved by every prologue) and x15, reloaded at the top of the
    /// loop (outside the exclusive window). x15 is loaded last because a
    /// reload from a far frame offset uses it as its address temporary.
    fn atomic(&mut self, op: AtomicOp, args: &[Value], res: Option<Value>) {
        let mut free = vec![X16, X17, LR, X15];
        let take = |free: &mut Vec<u8>| free.remove(0);
        // Registers of the operands; spilled ones get scratch (loaded below).
        let mut regs = Vec::new();
        let mut reloads = Vec::new();
        for &a in args {
            match self.loc(a) {
                Some(Loc::Reg(r)) => regs.push(r.hw),
                _ => {
                    let s = take(&mut free);
                    reloads.push((a, s));
                    regs.push(s);
                }
            }
        }
        let t = take(&mut free);
        let loop_top = self.code.here();
        for &(a, s) in &reloads {
            self.int_in(a, s);
        }
        let addr = regs[0];
        let out = match op {
            AtomicOp::Load => {
                self.code.put(enc::ldar(t, addr));
                t
            }
            AtomicOp::Add | AtomicOp::Xchg => {
                let s = take(&mut free);
                self.code.put(enc::ldaxr(t, addr));
                let stored = if op == AtomicOp::Add {
                    self.code.put(enc::add(true, t, t, regs[1]));
                    t
                } else {
                    regs[1]
                };
                self.code.put(enc::stlxr(s, stored, addr));
                let back = loop_top as i32 - self.code.here() as i32;
                self.code.put(enc::cbnz(false, s, back));
                self.code.put(enc::dmb_ish());
                t
            }
            AtomicOp::Cas => {
                // The status may reuse t: it is neither the data nor the
                // address, and on success the value found is `expect`.
                // clrex on the success path is harmless.
                let (expect, desired) = (regs[1], regs[2]);
                self.code.put(enc::ldaxr(t, addr));
                self.code.put(enc::subs(true, ZR, t, expect));
                self.code.put(enc::b_cond(Cond::Ne, 4)); // to the clrex
                self.code.put(enc::stlxr(t, desired, addr));
                let back = loop_top as i32 - self.code.here() as i32;
                self.code.put(enc::cbnz(false, t, back));
                self.code.put(enc::mov(true, t, expect));
                self.code.put(enc::clrex());
                self.code.put(enc::dmb_ish());
                t
            }
        };
        if let Some(Loc::Reg(r)) = res.and_then(|r| self.loc(r)) {
            if r.hw != out {
                self.code.put(enc::mov(true, r.hw, out));
            }
        } else {
            self.def(res, out);
        }
    }

    fn slot_offset(&self, s: SlotId) -> Result<i64, String> {
        self.frame.slot_offsets.get(s.0 as usize).map(|&o| o as i64).ok_or_else(|| format!("no stack slot {}", s))
    }

    fn icmp(&mut self, cc: IntCC, a: Value, b: Value, res: Option<Value>) {
        let ty = self.f.ty(a);
        let x = ty == Type::I64;
        let fused = res.is_some_and(|r| self.sel.fused[r.0 as usize]);
        let cc = if let Some((cc, a, c)) = self.sel.icmp_imm(self.f, cc, a, b) {
            let ra = self.int_in(a, X16);
            let e = select::cmp_value(ty, cc, c);
            if e == 0 && matches!(cc, IntCC::Eq | IntCC::Ne) && matches!(ty, Type::I8 | Type::I16) {
                // Test the defined low bits; no extension needed.
                let nrs = enc::logical_imm(false, if ty == Type::I8 { 0xff } else { 0xffff }).unwrap();
                self.code.put(enc::logic_imm(Logic::Ands, false, ZR, ra, nrs));
            } else if e == 0 && matches!(cc, IntCC::Eq | IntCC::Ne) && fused {
                self.pending = Some(Test::Zero { x, reg: ra, nonzero: cc == IntCC::Ne });
                return;
            } else {
                let ra = self.extend32(ty, select::is_signed(cc), X16, ra);
                let (cmn, imm, lsl12) = select::cmp_imm_form(ty, cc, c).unwrap();
                self.code.put(if cmn { enc::adds_imm(x, ZR, ra, imm, lsl12) } else { enc::subs_imm(x, ZR, ra, imm, lsl12) });
            }
            cc
        } else {
            let signed = select::is_signed(cc);
            let ra = self.int_in(a, X16);
            let rb = self.int_in(b, X17);
            let ra = self.extend32(ty, signed, X16, ra);
            let rb = self.extend32(ty, signed, X17, rb);
            self.code.put(enc::subs(x, ZR, ra, rb));
            cc
        };
        if fused {
            self.pending = Some(Test::Flags(int_cond(cc)));
        } else {
            let d = self.out(res, X16);
            self.code.put(enc::cset(d, int_cond(cc)));
            self.def(res, d);
        }
    }

    /// `d = rn op c` for a constant `select::bin_imm` accepted.
    fn binary_imm(&mut self, op: BinOp, ty: Type, d: u8, rn: u8, c: i64) {
        let x = ty == Type::I64;
        let reg_bits = if x { 64 } else { 32 };
        let bits = ty.bytes() * 8;
        let w = match op {
            BinOp::Add | BinOp::Sub => {
                let c = if op == BinOp::Sub { c.wrapping_neg() } else { c };
                let (sub, imm, lsl12) = select::add_imm_form(ty, c).unwrap();
                if sub {
                    enc::sub_imm(x, d, rn, imm, lsl12)
                } else {
                    enc::add_imm(x, d, rn, imm, lsl12)
                }
            }
            BinOp::And | BinOp::Or | BinOp::Xor => {
                let l = match op {
                    BinOp::And => Logic::And,
                    BinOp::Or => Logic::Orr,
                    _ => Logic::Eor,
                };
                enc::logic_imm(l, x, d, rn, select::logic_imm_form(ty, c).unwrap())
            }
            BinOp::Mul => enc::lsl_imm(x, d, rn, select::mul_shift(ty, c).unwrap()),
            // The amount is taken modulo the register width, as the
            // register forms do.
            BinOp::Shl => enc::lsl_imm(x, d, rn, (c as u32) & (reg_bits - 1)),
            BinOp::LShr | BinOp::AShr => {
                let k = (c as u32) & (reg_bits - 1);
                let signed = op == BinOp::AShr;
                if bits == reg_bits {
                    if signed {
                        enc::asr_imm(x, d, rn, k)
                    } else {
                        enc::lsr_imm(x, d, rn, k)
                    }
                } else if k < bits {
                    // Extract bits k.. of the narrow value, extended.
                    if signed {
                        enc::sbfm(false, d, rn, k, bits - 1)
                    } else {
                        enc::ubfm(false, d, rn, k, bits - 1)
                    }
                } else if signed {
                    enc::sbfm(false, d, rn, bits - 1, bits - 1)
                } else {
                    enc::movz(false, d, 0, 0)
                }
            }
            _ => unreachable!("select::bin_imm accepts no {:?}", op),
        };
        self.code.put(w);
    }

    /// Move a call's result from the ABI register to the value's home.
    fn result_from(&mut self, res: Option<Value>, reg: crate::regalloc::PReg) {
        if let Some(dst) = res.and_then(|r| self.loc(r)) {
            self.move_one(MoveLoc::Loc(dst), MoveLoc::Loc(Loc::Reg(reg)), reg.class);
        }
    }

    fn binary(&mut self, op: BinOp, a: Value, b: Value, res: Option<Value>) -> Result<(), String> {
        let ty = self.f.ty(a);
        if matches!(op, BinOp::FAdd | BinOp::FSub | BinOp::FMul | BinOp::FDiv) {
            let fop = match op {
                BinOp::FAdd => FOp::Add,
                BinOp::FSub => FOp::Sub,
                BinOp::FMul => FOp::Mul,
                _ => FOp::Div,
            };
            let ra = self.fp_in(a, V30);
            let rb = self.fp_in(b, V31);
            let d = self.out(res, V30);
            self.code.put(enc::fbin(fop, ty == Type::F64, d, ra, rb));
            self.def(res, d);
            return Ok(());
        }
        if let Some((r, c)) = self.sel.bin_imm(self.f, op, a, b) {
            let rn = self.int_in(r, X16);
            let d = self.out(res, X16);
            self.binary_imm(op, ty, d, rn, c);
            self.def(res, d);
            return Ok(());
        }
        let x = ty == Type::I64;
        let ra = self.int_in(a, X16);
        let rb = self.int_in(b, X17);
        let d = self.out(res, X16);
        match op {
            BinOp::Add => self.code.put(enc::add(x, d, ra, rb)),
            BinOp::Sub => self.code.put(enc::sub(x, d, ra, rb)),
            BinOp::Mul => self.code.put(enc::madd(x, d, ra, rb, ZR)),
            BinOp::And => self.code.put(enc::logic(Logic::And, x, false, d, ra, rb)),
            BinOp::Or => self.code.put(enc::logic(Logic::Orr, x, false, d, ra, rb)),
            BinOp::Xor => self.code.put(enc::logic(Logic::Eor, x, false, d, ra, rb)),
            BinOp::Shl => self.code.put(enc::shiftv(Shift::Lsl, x, d, ra, rb)),
            BinOp::LShr | BinOp::AShr => {
                let signed = op == BinOp::AShr;
                let ra = self.extend32(ty, signed, X16, ra);
                let sh = if signed { Shift::Asr } else { Shift::Lsr };
                self.code.put(enc::shiftv(sh, x, d, ra, rb));
            }
            BinOp::SDiv | BinOp::UDiv | BinOp::SRem | BinOp::URem => {
                let signed = matches!(op, BinOp::SDiv | BinOp::SRem);
                let ra = self.extend32(ty, signed, X16, ra);
                let rb = self.extend32(ty, signed, X17, rb);
                let div = if signed { enc::sdiv } else { enc::udiv };
                if matches!(op, BinOp::SDiv | BinOp::UDiv) {
                    self.code.put(div(x, d, ra, rb));
                } else {
                    // a - (a / b) * b; the quotient goes to x15 because d
                    // may be one of the operands.
                    self.code.put(div(x, X15, ra, rb));
                    self.code.put(enc::msub(x, d, X15, rb, ra));
                }
            }
            BinOp::FAdd | BinOp::FSub | BinOp::FMul | BinOp::FDiv => unreachable!("handled above"),
        }
        self.def(res, d);
        Ok(())
    }

    fn cast(&mut self, op: CastOp, a: Value, res: Option<Value>) -> Result<(), String> {
        let from = self.f.ty(a);
        let Some(to) = res.map(|r| self.f.ty(r)) else { return Ok(()) };
        let bad = || Err(format!("cast {:?} from {} to {}", op, from, to));
        match op {
            CastOp::Trunc => {
                let s = self.int_in(a, X16);
                let d = self.out(res, X16);
                if d != s {
                    self.code.put(enc::mov(true, d, s));
                }
                self.def(res, d);
            }
            CastOp::Sext | CastOp::Zext => {
                if !from.is_int() || !to.is_int() {
                    return bad();
                }
                let s = self.int_in(a, X16);
                let d = self.out(res, X16);
                let x = to == Type::I64;
                let imms = match from {
                    Type::I8 => 7,
                    Type::I16 => 15,
                    Type::I32 => 31,
                    _ => 63,
                };
                let w = match (op, imms) {
                    (_, 63) => enc::mov(true, d, s),
                    // A 32-bit mov clears bits 32-63.
                    (CastOp::Zext, 31) => enc::mov(false, d, s),
                    (CastOp::Zext, _) => enc::ubfm(false, d, s, 0, imms),
                    (_, 31) if !x => enc::mov(false, d, s),
                    _ => enc::sbfm(x, d, s, 0, imms),
                };
                if !(imms == 63 && d == s) {
                    self.code.put(w);
                }
                self.def(res, d);
            }
            CastOp::SToF | CastOp::UToF => {
                if !from.is_int() || !to.is_float() {
                    return bad();
                }
                let s = self.int_in(a, X16);
                let s = self.extend32(from, op == CastOp::SToF, X16, s);
                let d = self.out(res, V30);
                let c = if op == CastOp::SToF { Cvt::Scvtf } else { Cvt::Ucvtf };
                self.code.put(enc::cvt(c, from == Type::I64, to == Type::F64, d, s));
                self.def(res, d);
            }
            CastOp::FToS | CastOp::FToU => {
                if !from.is_float() || !to.is_int() {
                    return bad();
                }
                let s = self.fp_in(a, V30);
                let d = self.out(res, X16);
                let c = if op == CastOp::FToS { Cvt::Fcvtzs } else { Cvt::Fcvtzu };
                self.code.put(enc::cvt(c, to == Type::I64, from == Type::F64, d, s));
                self.def(res, d);
            }
            CastOp::FExt | CastOp::FTrunc => {
                if !from.is_float() || !to.is_float() {
                    return bad();
                }
                let s = self.fp_in(a, V30);
                let d = self.out(res, V30);
                if from == to {
                    self.code.put(enc::fmov(true, d, s));
                } else {
                    self.code.put(enc::fcvt(to == Type::F64, d, s));
                }
                self.def(res, d);
            }
            CastOp::Bitcast => match (from, to) {
                (Type::I32, Type::F32) | (Type::I64, Type::F64) => {
                    let s = self.int_in(a, X16);
                    let d = self.out(res, V30);
                    let x = from == Type::I64;
                    self.code.put(enc::cvt(Cvt::FmovToFp, x, x, d, s));
                    self.def(res, d);
                }
                (Type::F32, Type::I32) | (Type::F64, Type::I64) => {
                    let s = self.fp_in(a, V30);
                    let d = self.out(res, X16);
                    let x = to == Type::I64;
                    self.code.put(enc::cvt(Cvt::FmovToInt, x, x, d, s));
                    self.def(res, d);
                }
                _ => return bad(),
            },
        }
        Ok(())
    }

    fn call(&mut self, callee: &Callee, args: &[Value], res: Option<Value>) -> Result<(), String> {
        let tys: Vec<Type> = args.iter().map(|a| self.f.ty(*a)).collect();
        let (locs, _) = abi::assign_args(&tys);
        // Stack arguments first: storing them disturbs no register.
        for (a, al) in args.iter().zip(&locs) {
            if let ArgLoc::Stack(off) = al {
                if self.f.ty(*a).is_float() {
                    let r = self.fp_in(*a, V31);
                    self.frame_ldst(false, Mem::D, r, *off as i64);
                } else {
                    let r = self.int_in(*a, X16);
                    self.frame_ldst(false, Mem::X, r, *off as i64);
                }
            }
        }
        let mut moves = Vec::new();
        for (a, al) in args.iter().zip(&locs) {
            if let ArgLoc::Reg(r) = al {
                moves.push((Loc::Reg(*r), *a));
            }
        }
        if let Callee::Indirect(t) = callee {
            moves.push((Loc::Reg(abi::int(CALL_TARGET)), *t));
        }
        self.move_values(&moves);
        match callee {
            Callee::Direct(name) => {
                self.code.reloc(RelocKind::A64Call26, name);
                self.code.put(enc::bl(0));
            }
            Callee::Indirect(_) => self.code.put(enc::blr(CALL_TARGET)),
        }
        if let Some(r) = res {
            self.result_from(res, abi::ret_reg(self.f.ty(r)));
        }
        Ok(())
    }

    // ---- terminators ---------------------------------------------------

    /// Pass `call`'s arguments and jump to its block (falling through when
    /// it is the block emitted next).
    fn edge(&mut self, call: &BlockCall, current: usize) {
        let moves = self.edge_moves(call);
        self.move_values(&moves);
        if self.next_block.get(current) != Some(&(call.block.0 as usize)) {
            self.code.branch(enc::b(0), self.block_labels[call.block.0 as usize], Fixup::Imm26);
        }
    }

    fn terminator(&mut self, t: &Terminator, current: usize) -> Result<(), String> {
        match t {
            Terminator::Jump(c) => self.edge(c, current),
            Terminator::Branch { cond, then, else_ } => {
                let test = match self.pending.take() {
                    Some(t) => t,
                    // A compare's result is exactly 0 or 1 in the whole register.
                    None if self.sel.is_bool[cond.0 as usize] => Test::Zero { x: false, reg: self.int_in(*cond, X16), nonzero: true },
                    None => {
                        let c = self.int_in(*cond, X16);
                        // Only the low byte of an I8 is defined.
                        let nrs = enc::logical_imm(false, 0xff).unwrap();
                        self.code.put(enc::logic_imm(Logic::Ands, false, ZR, c, nrs));
                        Test::Flags(Cond::Ne)
                    }
                };
                let then_direct = self.edge_moves(then).is_empty();
                let else_direct = self.edge_moves(else_).is_empty();
                let next = self.next_block[current];
                let label = |b: &BlockCall| self.block_labels[b.block.0 as usize];
                if then_direct && else_direct && then.block.0 as usize == next {
                    self.code.branch(test.invert().word(), label(else_), Fixup::Imm19);
                } else if then_direct {
                    self.code.branch(test.word(), label(then), Fixup::Imm19);
                    self.edge(else_, current);
                } else if else_direct {
                    self.code.branch(test.invert().word(), label(else_), Fixup::Imm19);
                    self.edge(then, current);
                } else {
                    let then_stub = self.code.new_label();
                    self.code.branch(test.word(), then_stub, Fixup::Imm19);
                    // The else edge must not fall through into the stub.
                    self.edge(else_, usize::MAX);
                    self.code.bind(then_stub);
                    self.edge(then, current);
                }
            }
            Terminator::Return(v) => {
                if let Some(v) = v {
                    let r = abi::ret_reg(self.f.ty(*v));
                    self.move_values(&[(Loc::Reg(r), *v)]);
                }
                self.epilogue();
            }
            Terminator::Unreachable => self.code.put(enc::brk(1)),
        }
        Ok(())
    }
}
