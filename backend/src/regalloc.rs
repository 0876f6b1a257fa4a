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
