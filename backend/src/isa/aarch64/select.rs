//! Instruction-selection facts for one function, worked out before emission:
//! which operands the emitter takes as immediates or as frame addresses
//! instead of registers, which compares feed their branch through the flags,
//! and which definitions nothing then needs.
//!
//! The emitter asks the same questions (`bin_imm`, `icmp_imm`, ...) while it
//! emits, so what is counted here as folded is exactly what it folds; a
//! constant or slot address whose every use folded is never materialized
//! (the allocator may still have given it a location; nobody reads it).

use super::enc;
use crate::ir::*;
use crate::regalloc::{inst_uses, term_uses};

/// A load or store addressed `[base, index {, lsl #log2(size)}]`: its
/// address is `base + index` (times the access size when `scaled`) computed
/// by the instructions right before it, which are skipped. Nothing is
/// emitted between them and the access, so the operands' registers are
/// still intact there although the allocator saw their last use earlier.
#[derive(Copy, Clone, Debug)]
pub struct Indexed {
    pub base: Value,
    pub index: Value,
    pub scaled: bool,
}

pub struct Selection {
    /// The value of each `Iconst` result.
    consts: Vec<Option<i64>>,
    /// Results of `Fconst` with all bits zero (+0.0).
    fzero: Vec<bool>,
    /// The sp offset of each `SlotAddr` result's slot.
    slots: Vec<Option<i64>>,
    /// Results of `Icmp`/`Fcmp`: a register holding exactly 0 or 1.
    pub is_bool: Vec<bool>,
    /// Compares that are their block's last instruction and whose only use
    /// is the block's branch: the emitter leaves their result in the flags
    /// (or tests the operand with cbz/cbnz) instead of materializing it.
    pub fused: Vec<bool>,
    /// Register-offset addressing, by the access's address value.
    indexed: Vec<Option<Indexed>>,
    /// Pure definitions nobody reads from a register: every use folded, or
    /// none at all. The emitter skips them.
    pub skip: Vec<bool>,
}

/// The integer width of `ty` in bits.
fn width(ty: Type) -> u32 {
    ty.bytes() * 8
}

/// `c` truncated to `ty` and sign-extended back.
fn sext(ty: Type, c: i64) -> i64 {
    let sh = 64 - width(ty);
    (c << sh) >> sh
}

/// `c` truncated to `ty` and zero-extended back.
fn zext(ty: Type, c: i64) -> i64 {
    let sh = 64 - width(ty);
    ((c as u64) << sh >> sh) as i64
}

/// An add/sub immediate for `x + c` in `ty`: (subtract, imm12, shifted by 12).
pub fn add_imm_form(ty: Type, c: i64) -> Option<(bool, u32, bool)> {
    let c = sext(ty, c);
    let (sub, mag) = (c < 0, c.unsigned_abs());
    if mag < 1 << 12 {
        Some((sub, mag as u32, false))
    } else if mag & 0xfff == 0 && mag < 1 << 24 {
        Some((sub, (mag >> 12) as u32, true))
    } else {
        None
    }
}

/// A bitmask immediate for a logical op in `ty`. Narrow types live in w
/// registers with the bits above their width undefined, so either
/// extension of the constant serves.
pub fn logic_imm_form(ty: Type, c: i64) -> Option<u16> {
    if ty == Type::I64 {
        return enc::logical_imm(true, c as u64);
    }
    enc::logical_imm(false, zext(ty, c) as u32 as u64).or_else(|| enc::logical_imm(false, sext(ty, c) as u32 as u64))
}

/// Multiplying by `c` in `ty` is a left shift by this much.
pub fn mul_shift(ty: Type, c: i64) -> Option<u32> {
    let m = zext(ty, c) as u64;
    (m.is_power_of_two() && m > 1).then(|| m.trailing_zeros())
}

pub fn is_signed(cc: IntCC) -> bool {
    matches!(cc, IntCC::Slt | IntCC::Sle | IntCC::Sgt | IntCC::Sge)
}

/// The comparison with its operands swapped.
pub fn swap(cc: IntCC) -> IntCC {
    match cc {
        IntCC::Slt => IntCC::Sgt,
        IntCC::Sle => IntCC::Sge,
        IntCC::Sgt => IntCC::Slt,
        IntCC::Sge => IntCC::Sle,
        IntCC::Ult => IntCC::Ugt,
        IntCC::Ule => IntCC::Uge,
        IntCC::Ugt => IntCC::Ult,
        IntCC::Uge => IntCC::Ule,
        c => c,
    }
}

/// The constant as the compare sees it: narrow operands are extended to 32
/// bits the way the compare extends its register operand; I32 compares on w
/// registers where `cmp w, #-c` and `cmn w, #c` set the same flags.
pub fn cmp_value(ty: Type, cc: IntCC, c: i64) -> i64 {
    match ty {
        Type::I8 | Type::I16 if !is_signed(cc) => zext(ty, c),
        _ => sext(ty, c),
    }
}

/// `cmp x, #c` as (cmn instead, imm12, shifted by 12). cmn with the
/// negated constant sets the same flags unless c is 0 or the most negative
/// value, which are not rewritten.
pub fn cmp_imm_form(ty: Type, cc: IntCC, c: i64) -> Option<(bool, u32, bool)> {
    let e = cmp_value(ty, cc, c);
    let (cmn, mag) = if e < 0 { (true, e.unsigned_abs()) } else { (false, e as u64) };
    if cmn && (e == i64::MIN || (ty != Type::I64 && e == i32::MIN as i64)) {
        return None;
    }
    if mag < 1 << 12 {
        Some((cmn, mag as u32, false))
    } else if mag & 0xfff == 0 && mag < 1 << 24 {
        Some((cmn, (mag >> 12) as u32, true))
    } else {
        None
    }
}

impl Selection {
    pub fn new(f: &Function, slot_offsets: &[u32]) -> Selection {
        let n = f.value_types.len();
        let mut s = Selection {
            consts: vec![None; n],
            fzero: vec![false; n],
            slots: vec![None; n],
            is_bool: vec![false; n],
            fused: vec![false; n],
            skip: vec![false; n],
            indexed: vec![None; n],
        };
        let mut pure = vec![false; n];
        for b in &f.blocks {
            for inst in &b.insts {
                let Some(r) = inst.result else { continue };
                let r = r.0 as usize;
                match &inst.op {
                    Op::Iconst(c) => s.consts[r] = Some(*c),
                    Op::Fconst(v) => {
                        let dbl = f.ty(Value(r as u32)) == Type::F64;
                        s.fzero[r] = if dbl { v.to_bits() == 0 } else { (*v as f32).to_bits() == 0 };
                    }
                    Op::SlotAddr(slot) => s.slots[r] = slot_offsets.get(slot.0 as usize).map(|&o| o as i64),
                    Op::Icmp(..) | Op::Fcmp(..) => s.is_bool[r] = true,
                    _ => {}
                }
                pure[r] = !matches!(inst.op, Op::Load { .. } | Op::Call { .. } | Op::Syscall(_) | Op::Store { .. });
            }
        }
        let mut uses = vec![0u32; n];
        for b in &f.blocks {
            for inst in &b.insts {
                inst_uses(&inst.op, |v| uses[v.0 as usize] += 1);
            }
            term_uses(&b.term, |v| uses[v.0 as usize] += 1);
        }
        // Folded into an indexed access: the shift feeding the add.
        let mut scaled_by = vec![false; n];
        for b in &f.blocks {
            for k in 0..b.insts.len().saturating_sub(1) {
                if let Some((addr, ix, shift)) = s.indexed_access(f, &uses, &b.insts, k) {
                    s.indexed[addr.0 as usize] = Some(ix);
                    if let Some(sh) = shift {
                        scaled_by[sh.0 as usize] = true;
                    }
                }
            }
        }
        let mut folded = vec![0u32; n];
        for b in &f.blocks {
            for inst in &b.insts {
                if let Op::Bin(BinOp::Add, a, c) = inst.op {
                    for v in [a, c] {
                        if scaled_by[v.0 as usize] {
                            folded[v.0 as usize] += 1;
                        }
                    }
                }
                for v in s.folded(f, &inst.op, inst.result.map(|r| f.ty(r))) {
                    folded[v.0 as usize] += 1;
                }
            }
            for v in s.term_folded(f, &b.term) {
                folded[v.0 as usize] += 1;
            }
        }
        for b in &f.blocks {
            let Terminator::Branch { cond, .. } = &b.term else { continue };
            let Some(last) = b.insts.last() else { continue };
            if last.result == Some(*cond) && matches!(last.op, Op::Icmp(..) | Op::Fcmp(..)) && uses[cond.0 as usize] == 1 {
                s.fused[cond.0 as usize] = true;
            }
        }
        for v in 0..n {
            s.skip[v] = pure[v] && uses[v] == folded[v] && !s.fused[v];
        }
        s
    }

    /// Whether `insts[k]` computes the address for `insts[k + 1]`, a load or
    /// store at offset 0, which can then add it itself: (the address, how,
    /// the shift result folded along if scaled).
    fn indexed_access(&self, f: &Function, uses: &[u32], insts: &[Inst], k: usize) -> Option<(Value, Indexed, Option<Value>)> {
        let add = &insts[k];
        let addr = add.result?;
        let Op::Bin(BinOp::Add, a, b) = add.op else { return None };
        if f.ty(addr) != Type::I64 || uses[addr.0 as usize] != 1 || self.bin_imm(f, BinOp::Add, a, b).is_some() {
            return None;
        }
        let ty = match &insts[k + 1].op {
            Op::Load { addr: x, offset: 0 } if *x == addr => f.ty(insts[k + 1].result?),
            Op::Store { value, addr: x, offset: 0 } if *x == addr && *value != addr => f.ty(*value),
            _ => return None,
        };
        // `base + (i << log2(size))` computed just before the add.
        let size = ty.bytes() as i64;
        if k > 0 && size > 1 {
            let sh = &insts[k - 1];
            if let Some(s) = sh.result.filter(|s| (*s == a || *s == b) && a != b && uses[s.0 as usize] == 1) {
                let index = match sh.op {
                    Op::Bin(BinOp::Shl, i, c) if self.const_of(c) == Some(size.trailing_zeros() as i64) => Some(i),
                    Op::Bin(BinOp::Mul, i, c) if self.const_of(c) == Some(size) => Some(i),
                    Op::Bin(BinOp::Mul, c, i) if self.const_of(c) == Some(size) => Some(i),
                    _ => None,
                };
                if let Some(index) = index.filter(|i| f.ty(*i) == Type::I64) {
                    let base = if s == a { b } else { a };
                    return Some((addr, Indexed { base, index, scaled: true }, Some(s)));
                }
            }
        }
        Some((addr, Indexed { base: a, index: b, scaled: false }, None))
    }

    pub fn indexed(&self, addr: Value) -> Option<Indexed> {
        self.indexed[addr.0 as usize]
    }

    pub fn const_of(&self, v: Value) -> Option<i64> {
        self.consts[v.0 as usize]
    }
    pub fn is_fzero(&self, v: Value) -> bool {
        self.fzero[v.0 as usize]
    }
    /// For an access of `ty` at `addr + offset` where `addr` is a stack
    /// slot's address: the sp offset, if one instruction reaches it (a far
    /// slot is cheaper through its address in a register).
    pub fn slot_access(&self, addr: Value, offset: i32, ty: Type) -> Option<i64> {
        let off = self.slots[addr.0 as usize]? + offset as i64;
        let m = match ty {
            Type::F32 => enc::Mem::S,
            Type::F64 => enc::Mem::D,
            Type::I8 => enc::Mem::B,
            Type::I16 => enc::Mem::H,
            Type::I32 => enc::Mem::W,
            Type::I64 => enc::Mem::X,
        };
        let fits = enc::ldst_uimm(true, m, 0, enc::SP, off).is_some() || enc::ldst_simm9(true, m, 0, enc::SP, off).is_some();
        fits.then_some(off)
    }
    /// The value of `v` if it is an integer constant one instruction
    /// loads: moves to argument, return and block-parameter locations write
    /// it there directly instead of copying a register.
    pub fn remat(&self, f: &Function, v: Value) -> Option<i64> {
        let c = self.const_of(v)?;
        let x = f.ty(v) == Type::I64;
        let bits = if x { c as u64 } else { c as u64 & 0xffff_ffff };
        let halves = if x { 4 } else { 2 };
        let other = |fill: u64| (0..halves).filter(|i| (bits >> (16 * i)) & 0xffff != fill).count();
        let one = other(0) <= 1 || other(0xffff) <= 1 || enc::logical_imm(x, bits).is_some();
        one.then_some(c)
    }

    /// Whether storing `v` can store the zero register instead.
    pub fn stores_zero(&self, f: &Function, v: Value) -> bool {
        self.fzero[v.0 as usize] || self.const_of(v).is_some_and(|c| zext(f.ty(v), c) == 0)
    }

    /// For `a op b` with an encodable constant operand: the register operand
    /// and the constant.
    pub fn bin_imm(&self, f: &Function, op: BinOp, a: Value, b: Value) -> Option<(Value, i64)> {
        let ty = f.ty(a);
        if ty.is_float() {
            return None;
        }
        let fits = |c: i64| match op {
            BinOp::Add => add_imm_form(ty, c).is_some(),
            BinOp::Sub => add_imm_form(ty, c.wrapping_neg()).is_some(),
            BinOp::And | BinOp::Or | BinOp::Xor => logic_imm_form(ty, c).is_some(),
            BinOp::Mul => mul_shift(ty, c).is_some(),
            BinOp::Shl | BinOp::LShr | BinOp::AShr => true,
            _ => false,
        };
        if let Some(c) = self.const_of(b).filter(|&c| fits(c)) {
            return Some((a, c));
        }
        let commutes = matches!(op, BinOp::Add | BinOp::And | BinOp::Or | BinOp::Xor | BinOp::Mul);
        match self.const_of(a) {
            Some(c) if commutes && fits(c) => Some((b, c)),
            _ => None,
        }
    }

    /// For `a cc b` with an encodable constant operand: the condition (swapped
    /// if the constant was on the left), the register operand and the constant.
    pub fn icmp_imm(&self, f: &Function, cc: IntCC, a: Value, b: Value) -> Option<(IntCC, Value, i64)> {
        let ty = f.ty(a);
        if let Some(c) = self.const_of(b).filter(|&c| cmp_imm_form(ty, cc, c).is_some()) {
            return Some((cc, a, c));
        }
        let cc = swap(cc);
        match self.const_of(a) {
            Some(c) if cmp_imm_form(ty, cc, c).is_some() => Some((cc, b, c)),
            _ => None,
        }
    }

    /// The values a terminator or a call moves that `remat` rewrites.
    fn term_folded(&self, f: &Function, t: &Terminator) -> Vec<Value> {
        let mut out = Vec::new();
        let mut edge = |c: &BlockCall| {
            for (a, _) in c.args.iter().zip(&f.block(c.block).params) {
                if self.remat(f, *a).is_some() {
                    out.push(*a);
                }
            }
        };
        match t {
            Terminator::Jump(c) => edge(c),
            Terminator::Branch { then, else_, .. } => {
                edge(then);
                edge(else_);
            }
            Terminator::Return(Some(v)) if self.remat(f, *v).is_some() => out.push(*v),
            _ => {}
        }
        out
    }

    /// The operands of `op` the emitter does not read from a register.
    fn folded(&self, f: &Function, op: &Op, load_ty: Option<Type>) -> Vec<Value> {
        let mut out = Vec::new();
        match op {
            Op::Bin(bop, a, b) => {
                if let Some((r, _)) = self.bin_imm(f, *bop, *a, *b) {
                    out.push(if r == *a { *b } else { *a });
                }
            }
            Op::Icmp(cc, a, b) => {
                if let Some((_, r, _)) = self.icmp_imm(f, *cc, *a, *b) {
                    out.push(if r == *a { *b } else { *a });
                }
            }
            Op::Fcmp(_, _, b) => {
                if self.fzero[b.0 as usize] {
                    out.push(*b);
                }
            }
            Op::Call { args, .. } => {
                let tys: Vec<Type> = args.iter().map(|a| f.ty(*a)).collect();
                for (a, al) in args.iter().zip(super::abi::assign_args(&tys).0) {
                    if matches!(al, super::abi::ArgLoc::Reg(_)) && self.remat(f, *a).is_some() {
                        out.push(*a);
                    }
                }
            }
            Op::Syscall(args) => out.extend(args.iter().filter(|a| self.remat(f, **a).is_some())),
            Op::Load { addr, offset } => {
                if self.indexed(*addr).is_some() || self.slot_access(*addr, *offset, load_ty.unwrap_or(Type::I64)).is_some() {
                    out.push(*addr);
                }
            }
            Op::Store { value, addr, offset } => {
                if self.stores_zero(f, *value) {
                    out.push(*value);
                }
                if self.indexed(*addr).is_some() || self.slot_access(*addr, *offset, f.ty(*value)).is_some() {
                    out.push(*addr);
                }
            }
            _ => {}
        }
        out
    }
}
