//! x86-64 registers and the System V calling convention as dc uses it.
//!
//! Register numbers are the hardware encodings (rax=0 ... r15=15, xmm0=0 ...).
//! rsp and rbp are the stack and frame pointers. rax, r10 and r11 (and
//! xmm14, xmm15) are the emitter's scratch registers: the allocator never
//! puts a value there, so the emitter can use them to reload spilled
//! operands, to break move cycles, and for instructions with fixed registers
//! (division uses rax and rdx, shifts use cl, calls return in rax).

use crate::regalloc::RegInfo;

pub const RAX: u8 = 0;
pub const RCX: u8 = 1;
pub const RDX: u8 = 2;
pub const RBX: u8 = 3;
pub const RSP: u8 = 4;
pub const RBP: u8 = 5;
pub const RSI: u8 = 6;
pub const RDI: u8 = 7;
pub const R8: u8 = 8;
pub const R9: u8 = 9;
pub const R10: u8 = 10;
pub const R11: u8 = 11;
pub const R12: u8 = 12;
pub const R13: u8 = 13;
pub const R14: u8 = 14;
pub const R15: u8 = 15;

pub const XMM0: u8 = 0;
pub const XMM14: u8 = 14;
pub const XMM15: u8 = 15;

/// Integer argument registers, in order.
pub const INT_ARGS: [u8; 6] = [RDI, RSI, RDX, RCX, R8, R9];
/// Float argument registers: xmm0-xmm7.
pub const FLOAT_ARGS: [u8; 8] = [0, 1, 2, 3, 4, 5, 6, 7];
/// Linux system-call argument registers (the number goes in rax).
pub const SYSCALL_ARGS: [u8; 6] = [RDI, RSI, RDX, R10, R8, R9];
/// Callee-saved integer registers (besides rbp, which the prologue always saves).
pub const CALLEE_SAVED: [u8; 5] = [RBX, R12, R13, R14, R15];

pub fn reg_info() -> RegInfo {
    RegInfo {
        // Caller-saved first: the allocator still prefers them for values
        // not live across a call, whatever the order.
        int_regs: vec![RSI, RDI, R8, R9, RCX, RDX, RBX, R12, R13, R14, R15],
        float_regs: (0..14).collect(),
        int_callee_saved: CALLEE_SAVED.to_vec(),
        // System V preserves no xmm register across calls.
        float_callee_saved: vec![],
    }
}
