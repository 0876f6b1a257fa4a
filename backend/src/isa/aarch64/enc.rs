//! AArch64 instruction encoders: one small function per instruction form,
//! returning the 32-bit word. Field layouts follow the Arm ARM (DDI 0487)
//! encoding index; `disasm.rs` decodes exactly these forms back, and the
//! tests compare both against `aarch64-linux-gnu-objdump`.
//!
//! Registers are hardware numbers 0..=31. Number 31 means `sp` in the forms
//! that address memory or add/sub immediates, and the zero register
//! (`xzr`/`wzr`) everywhere else; the constants `SP` and `ZR` say which one a
//! caller means.

pub const SP: u8 = 31;
pub const ZR: u8 = 31;
pub const FP: u8 = 29;
pub const LR: u8 = 30;

/// Condition codes (the `cond` field).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    Eq = 0,
    Ne = 1,
    Hs = 2,
    Lo = 3,
    Mi = 4,
    Pl = 5,
    Vs = 6,
    Vc = 7,
    Hi = 8,
    Ls = 9,
    Ge = 10,
    Lt = 11,
    Gt = 12,
    Le = 13,
}

impl Cond {
    pub fn invert(self) -> Cond {
        Cond::from_bits(self as u32 ^ 1)
    }
    pub fn from_bits(b: u32) -> Cond {
        use Cond::*;
        [Eq, Ne, Hs, Lo, Mi, Pl, Vs, Vc, Hi, Ls, Ge, Lt, Gt, Le, Eq, Ne][(b & 15) as usize]
    }
    pub fn name(self) -> &'static str {
        // GNU objdump's spelling: cs/cc for hs/lo.
        ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le"][self as usize]
    }
}

fn sf(x: bool) -> u32 {
    (x as u32) << 31
}

fn rrr(base: u32, rd: u8, rn: u8, rm: u8) -> u32 {
    base | (rm as u32) << 16 | (rn as u32) << 5 | rd as u32
}

// ---- integer arithmetic -------------------------------------------------

pub fn add(x: bool, rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x0b00_0000 | sf(x), rd, rn, rm)
}
pub fn sub(x: bool, rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x4b00_0000 | sf(x), rd, rn, rm)
}
/// `subs`; with `rd == ZR` this is `cmp rn, rm`.
pub fn subs(x: bool, rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x6b00_0000 | sf(x), rd, rn, rm)
}

/// `add rd, rn, #imm12 {, lsl #12}`; rd/rn may be `SP`.
pub fn add_imm(x: bool, rd: u8, rn: u8, imm12: u32, lsl12: bool) -> u32 {
    debug_assert!(imm12 < 4096);
    0x1100_0000 | sf(x) | (lsl12 as u32) << 22 | imm12 << 10 | (rn as u32) << 5 | rd as u32
}
pub fn sub_imm(x: bool, rd: u8, rn: u8, imm12: u32, lsl12: bool) -> u32 {
    add_imm(x, rd, rn, imm12, lsl12) | 0x4000_0000
}

/// `adds rd, rn, #imm12 {, lsl #12}`; with `rd == ZR` this is `cmn rn, #imm`.
pub fn adds_imm(x: bool, rd: u8, rn: u8, imm12: u32, lsl12: bool) -> u32 {
    add_imm(x, rd, rn, imm12, lsl12) | 0x2000_0000
}
/// `subs rd, rn, #imm12 {, lsl #12}`; with `rd == ZR` this is `cmp rn, #imm`.
pub fn subs_imm(x: bool, rd: u8, rn: u8, imm12: u32, lsl12: bool) -> u32 {
    sub_imm(x, rd, rn, imm12, lsl12) | 0x2000_0000
}

/// 64-bit `add rd, rn, rm, uxtx`: the form where rd/rn may be `SP`.
pub fn add_ext(rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x8b20_6000, rd, rn, rm)
}
pub fn sub_ext(rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0xcb20_6000, rd, rn, rm)
}

/// `madd rd, rn, rm, ra` (rd = ra + rn*rm); `mul` is `ra == ZR`.
pub fn madd(x: bool, rd: u8, rn: u8, rm: u8, ra: u8) -> u32 {
    rrr(0x1b00_0000 | sf(x), rd, rn, rm) | (ra as u32) << 10
}
/// `msub rd, rn, rm, ra` (rd = ra - rn*rm).
pub fn msub(x: bool, rd: u8, rn: u8, rm: u8, ra: u8) -> u32 {
    madd(x, rd, rn, rm, ra) | 0x8000
}
pub fn sdiv(x: bool, rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x1ac0_0c00 | sf(x), rd, rn, rm)
}
pub fn udiv(x: bool, rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x1ac0_0800 | sf(x), rd, rn, rm)
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shift {
    Lsl = 0,
    Lsr = 1,
    Asr = 2,
}
/// `lslv`/`lsrv`/`asrv`: shift by a register (amount taken modulo the width).
pub fn shiftv(op: Shift, x: bool, rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x1ac0_2000 | sf(x) | (op as u32) << 10, rd, rn, rm)
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Logic {
    And = 0,
    Orr = 1,
    Eor = 2,
    Ands = 3,
}
/// Logical op with a register; `invert` gives bic/orn/eon/bics.
/// `orr rd, ZR, rm` is `mov`, `orn rd, ZR, rm` is `mvn`.
pub fn logic(op: Logic, x: bool, invert: bool, rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x0a00_0000 | sf(x) | (op as u32) << 29 | (invert as u32) << 21, rd, rn, rm)
}
pub fn mov(x: bool, rd: u8, rm: u8) -> u32 {
    logic(Logic::Orr, x, false, rd, ZR, rm)
}
/// Logical op with a bitmask immediate; `nrs` is the 13-bit N:immr:imms
/// field from `logical_imm`.
pub fn logic_imm(op: Logic, x: bool, rd: u8, rn: u8, nrs: u16) -> u32 {
    0x1200_0000 | sf(x) | (op as u32) << 29 | (nrs as u32) << 10 | (rn as u32) << 5 | rd as u32
}
/// The N:immr:imms encoding of `v` as a bitmask immediate, if it is one.
pub fn logical_imm(x: bool, v: u64) -> Option<u16> {
    if x {
        dynasmrt::aarch64::encode_logical_immediate_64bit(v)
    } else {
        dynasmrt::aarch64::encode_logical_immediate_32bit(v as u32)
    }
}

/// Signed/unsigned bitfield move; the aliases dc uses are sxtb/sxth/sxtw
/// (`sbfm #0, #7/15/31`) and uxtb/uxth (`ubfm w #0, #7/15`), and the
/// constant shifts below.
pub fn sbfm(x: bool, rd: u8, rn: u8, immr: u32, imms: u32) -> u32 {
    0x1300_0000 | sf(x) | (x as u32) << 22 | immr << 16 | imms << 10 | (rn as u32) << 5 | rd as u32
}
pub fn ubfm(x: bool, rd: u8, rn: u8, immr: u32, imms: u32) -> u32 {
    sbfm(x, rd, rn, immr, imms) | 0x4000_0000
}

/// `lsl rd, rn, #k` (k below the register width).
pub fn lsl_imm(x: bool, rd: u8, rn: u8, k: u32) -> u32 {
    let w = if x { 64 } else { 32 };
    ubfm(x, rd, rn, (w - k) % w, w - 1 - k)
}
/// `lsr rd, rn, #k`.
pub fn lsr_imm(x: bool, rd: u8, rn: u8, k: u32) -> u32 {
    ubfm(x, rd, rn, k, if x { 63 } else { 31 })
}
/// `asr rd, rn, #k`.
pub fn asr_imm(x: bool, rd: u8, rn: u8, k: u32) -> u32 {
    sbfm(x, rd, rn, k, if x { 63 } else { 31 })
}

pub fn movz(x: bool, rd: u8, imm16: u32, hw: u32) -> u32 {
    0x5280_0000 | sf(x) | hw << 21 | imm16 << 5 | rd as u32
}
pub fn movn(x: bool, rd: u8, imm16: u32, hw: u32) -> u32 {
    movz(x, rd, imm16, hw) & !0x4000_0000
}
pub fn movk(x: bool, rd: u8, imm16: u32, hw: u32) -> u32 {
    movz(x, rd, imm16, hw) | 0x2000_0000
}

/// `csinc rd, rn, rm, cond`; `cset rd, cc` is `csinc rd, zr, zr, !cc`.
pub fn csinc(x: bool, rd: u8, rn: u8, rm: u8, cond: Cond) -> u32 {
    rrr(0x1a80_0400 | sf(x), rd, rn, rm) | (cond as u32) << 12
}
pub fn cset(rd: u8, cond: Cond) -> u32 {
    csinc(false, rd, ZR, ZR, cond.invert())
}

// ---- branches and system -----------------------------------------------
// Branch offsets are in instructions (words), relative to the branch.

pub fn b(words: i32) -> u32 {
    0x1400_0000 | (words as u32 & 0x03ff_ffff)
}
pub fn bl(words: i32) -> u32 {
    0x9400_0000 | (words as u32 & 0x03ff_ffff)
}
pub fn b_cond(cond: Cond, words: i32) -> u32 {
    0x5400_0000 | (words as u32 & 0x7ffff) << 5 | cond as u32
}
pub fn cbnz(x: bool, rt: u8, words: i32) -> u32 {
    0x3500_0000 | sf(x) | (words as u32 & 0x7ffff) << 5 | rt as u32
}
pub fn cbz(x: bool, rt: u8, words: i32) -> u32 {
    cbnz(x, rt, words) & !0x0100_0000
}
pub fn blr(rn: u8) -> u32 {
    0xd63f_0000 | (rn as u32) << 5
}
pub fn ret() -> u32 {
    0xd65f_03c0
}
pub fn svc(imm16: u32) -> u32 {
    0xd400_0001 | imm16 << 5
}
pub fn brk(imm16: u32) -> u32 {
    0xd420_0000 | imm16 << 5
}

// ---- atomics (64-bit, acquire/release forms) ------------------------------

pub fn ldar(rt: u8, rn: u8) -> u32 {
    0xc8df_fc00 | (rn as u32) << 5 | rt as u32
}
pub fn ldaxr(rt: u8, rn: u8) -> u32 {
    0xc85f_fc00 | (rn as u32) << 5 | rt as u32
}
/// `stlxr ws, xt, [xn]`: ws is 0 when the store happened.
pub fn stlxr(rs: u8, rt: u8, rn: u8) -> u32 {
    0xc800_fc00 | (rs as u32) << 16 | (rn as u32) << 5 | rt as u32
}
pub fn dmb_ish() -> u32 {
    0xd503_3bbf
}
pub fn clrex() -> u32 {
    0xd503_3f5f
}
/// `mrs xt, tpidr_el0`.
pub fn mrs_tpidr_el0(rt: u8) -> u32 {
    0xd53b_d040 | rt as u32
}

/// `adrp rd, #0`: the page offset comes from an `A64AdrPage21` relocation.
pub fn adrp(rd: u8) -> u32 {
    0x9000_0000 | rd as u32
}

// ---- loads and stores ----------------------------------------------------

/// What a load/store moves: integer bytes/halves/words/doublewords
/// (loads zero-extend) or a float single/double.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Mem {
    B,
    H,
    W,
    X,
    S,
    D,
}

impl Mem {
    pub fn bytes(self) -> u32 {
        match self {
            Mem::B => 1,
            Mem::H => 2,
            Mem::W | Mem::S => 4,
            Mem::X | Mem::D => 8,
        }
    }
    /// The unsigned-offset form's opcode for a store; loads add bit 22.
    fn base(self) -> u32 {
        match self {
            Mem::B => 0x3900_0000,
            Mem::H => 0x7900_0000,
            Mem::W => 0xb900_0000,
            Mem::X => 0xf900_0000,
            Mem::S => 0xbd00_0000,
            Mem::D => 0xfd00_0000,
        }
    }
}

fn ldst_op(load: bool, m: Mem) -> u32 {
    m.base() | (load as u32) << 22
}

/// `ldr/str rt, [rn, #off]` with the offset scaled by the access size, if
/// `off` fits (0..4095 units, aligned).
pub fn ldst_uimm(load: bool, m: Mem, rt: u8, rn: u8, off: i64) -> Option<u32> {
    let n = m.bytes() as i64;
    if off < 0 || off % n != 0 || off / n > 4095 {
        return None;
    }
    Some(ldst_op(load, m) | ((off / n) as u32) << 10 | (rn as u32) << 5 | rt as u32)
}
/// `ldur/stur rt, [rn, #off]`, off in -256..=255.
pub fn ldst_simm9(load: bool, m: Mem, rt: u8, rn: u8, off: i64) -> Option<u32> {
    if !(-256..=255).contains(&off) {
        return None;
    }
    Some((ldst_op(load, m) & !0x0100_0000) | (off as u32 & 0x1ff) << 12 | (rn as u32) << 5 | rt as u32)
}
/// `ldr/str rt, [rn, rm]` (64-bit index, unscaled).
pub fn ldst_reg(load: bool, m: Mem, rt: u8, rn: u8, rm: u8) -> u32 {
    (ldst_op(load, m) & !0x0100_0000) | 0x0020_6800 | (rm as u32) << 16 | (rn as u32) << 5 | rt as u32
}

/// `ldr/str rt, [rn, rm, lsl #log2(size)]` when `scaled`, else as `ldst_reg`.
pub fn ldst_reg_lsl(load: bool, m: Mem, rt: u8, rn: u8, rm: u8, scaled: bool) -> u32 {
    ldst_reg(load, m, rt, rn, rm) | (scaled as u32) << 12
}

/// `stp x29, x30, [sp, #off]!` style pairs of x registers.
pub fn stp_pre(rt: u8, rt2: u8, rn: u8, off: i32) -> u32 {
    0xa980_0000 | ((off / 8) as u32 & 0x7f) << 15 | (rt2 as u32) << 10 | (rn as u32) << 5 | rt as u32
}
/// `ldp rt, rt2, [rn], #off`.
pub fn ldp_post(rt: u8, rt2: u8, rn: u8, off: i32) -> u32 {
    0xa8c0_0000 | ((off / 8) as u32 & 0x7f) << 15 | (rt2 as u32) << 10 | (rn as u32) << 5 | rt as u32
}

// ---- floating point --------------------------------------------------------
// `dbl` selects double (d registers) over single (s registers).

fn ftype(dbl: bool) -> u32 {
    (dbl as u32) << 22
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FOp {
    Mul = 0,
    Div = 1,
    Add = 2,
    Sub = 3,
}
pub fn fbin(op: FOp, dbl: bool, rd: u8, rn: u8, rm: u8) -> u32 {
    rrr(0x1e20_0800 | ftype(dbl) | (op as u32) << 12, rd, rn, rm)
}
pub fn fmov(dbl: bool, rd: u8, rn: u8) -> u32 {
    rrr(0x1e20_4000 | ftype(dbl), rd, rn, 0)
}
pub fn fneg(dbl: bool, rd: u8, rn: u8) -> u32 {
    rrr(0x1e21_4000 | ftype(dbl), rd, rn, 0)
}
pub fn fcmp(dbl: bool, rn: u8, rm: u8) -> u32 {
    rrr(0x1e20_2000 | ftype(dbl), 0, rn, rm)
}
/// `fcmp rn, #0.0`.
pub fn fcmp_zero(dbl: bool, rn: u8) -> u32 {
    fcmp(dbl, rn, 0) | 8
}
/// `fcvt dd, sn` (widen) or `fcvt sd, dn` (narrow).
pub fn fcvt(to_dbl: bool, rd: u8, rn: u8) -> u32 {
    if to_dbl {
        rrr(0x1e22_c000, rd, rn, 0)
    } else {
        rrr(0x1e62_4000, rd, rn, 0)
    }
}

/// Integer <-> float conversions; `x` is the integer register width.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cvt {
    /// signed int -> float
    Scvtf = 0x1e22_0000,
    /// unsigned int -> float
    Ucvtf = 0x1e23_0000,
    /// float -> signed int, toward zero
    Fcvtzs = 0x1e38_0000,
    /// float -> unsigned int, toward zero
    Fcvtzu = 0x1e39_0000,
    /// float bits -> int register
    FmovToInt = 0x1e26_0000,
    /// int register -> float bits
    FmovToFp = 0x1e27_0000,
}
pub fn cvt(op: Cvt, x: bool, dbl: bool, rd: u8, rn: u8) -> u32 {
    rrr(op as u32 | sf(x) | ftype(dbl), rd, rn, 0)
}

/// `fmov d/s, #imm` with the 8-bit float immediate from `fp_imm8`.
pub fn fmov_imm(dbl: bool, rd: u8, imm8: u8) -> u32 {
    0x1e20_1000 | ftype(dbl) | (imm8 as u32) << 13 | rd as u32
}
/// The `fmov` 8-bit immediate for `v`, if it has one (same code for f32/f64).
pub fn fp_imm8(v: f64) -> Option<u8> {
    let s = v as f32;
    if s as f64 != v {
        return None;
    }
    dynasmrt::aarch64::encode_floating_point_immediate(s)
}
/// The value an 8-bit float immediate stands for.
pub fn fp_imm8_value(imm8: u8) -> f64 {
    let sign = if imm8 & 0x80 != 0 { -1.0 } else { 1.0 };
    let exp = ((imm8 >> 4) & 7) as i32;
    let exp = if exp & 4 != 0 { exp - 7 } else { exp + 1 };
    let frac = 16.0 + (imm8 & 15) as f64;
    sign * frac / 16.0 * 2f64.powi(exp)
}
