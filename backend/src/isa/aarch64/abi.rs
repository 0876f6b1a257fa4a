//! The AAPCS64 facts dc relies on: which registers the allocator may use,
//! which the emitter keeps as scratch, and where arguments go.

use crate::ir::Type;
use crate::regalloc::{PReg, RegClass, RegInfo};

// Integer scratch registers, never allocated. x16/x17 are the AAPCS64
// intra-procedure-call registers, so nothing live is ever kept in them;
// x15 is dc's third scratch, for frame offsets too big for an immediate.
pub const X15: u8 = 15;
pub const X16: u8 = 16;
pub const X17: u8 = 17;
// Float scratch registers.
pub const V30: u8 = 30;
pub const V31: u8 = 31;

/// The integer register an indirect call's target is moved to along with
/// the arguments: caller-saved and not an argument register, so it is free
/// at the call.
pub const CALL_TARGET: u8 = 9;
/// The register holding the system-call number.
pub const SYSCALL_NR: u8 = 8;

pub const INT_ARG_REGS: usize = 8;
pub const FLOAT_ARG_REGS: usize = 8;

pub fn int(hw: u8) -> PReg {
    PReg { class: RegClass::Int, hw }
}
pub fn float(hw: u8) -> PReg {
    PReg { class: RegClass::Float, hw }
}

pub fn class_of(t: Type) -> RegClass {
    if t.is_float() {
        RegClass::Float
    } else {
        RegClass::Int
    }
}

/// The register file for the allocator. Caller-saved registers come first so
/// short-lived values leave the callee-saved ones (which cost a save) alone;
/// x9..x14 lead because x0..x8 are overwritten by every call and syscall.
/// Not allocatable: x15-x17 (scratch), x18 (platform), x29 (fp), x30 (lr),
/// sp; v30/v31 (scratch).
pub fn reg_info() -> RegInfo {
    let mut int_regs: Vec<u8> = (9..=14).collect();
    int_regs.extend(0..=8);
    int_regs.extend(19..=28);
    let mut float_regs: Vec<u8> = (16..=29).collect();
    float_regs.extend(0..=7);
    float_regs.extend(8..=15);
    RegInfo {
        int_regs,
        float_regs,
        int_callee_saved: (19..=28).collect(),
        // AAPCS64 preserves only the low 64 bits of v8-v15; dc keeps scalars.
        float_callee_saved: (8..=15).collect(),
    }
}

/// Where one argument travels.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ArgLoc {
    Reg(PReg),
    /// Byte offset in the outgoing-argument area (each argument takes 8 bytes).
    Stack(u32),
}

/// Assign argument locations: integers to x0-x7 and floats to v0-v7 in
/// order, the rest to 8-byte stack slots. Returns the locations and the
/// size of the stack area.
pub fn assign_args(types: &[Type]) -> (Vec<ArgLoc>, u32) {
    let (mut ni, mut nf, mut stack) = (0, 0, 0u32);
    let mut out = Vec::with_capacity(types.len());
    for &t in types {
        if t.is_float() && nf < FLOAT_ARG_REGS {
            out.push(ArgLoc::Reg(float(nf as u8)));
            nf += 1;
        } else if t.is_int() && ni < INT_ARG_REGS {
            out.push(ArgLoc::Reg(int(ni as u8)));
            ni += 1;
        } else {
            out.push(ArgLoc::Stack(stack));
            stack += 8;
        }
    }
    (out, stack)
}

/// Where a value of type `t` is returned.
pub fn ret_reg(t: Type) -> PReg {
    if t.is_float() {
        float(0)
    } else {
        int(0)
    }
}
