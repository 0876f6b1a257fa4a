//! AArch64 code generation (AAPCS64, Linux).
//!
//! `abi` says which registers hold what, `emit` lowers an allocated IR
//! function to machine code using the encoders in `enc`, and `disasm` turns
//! that code back into text for `--emit asm`.

pub mod abi;
pub mod disasm;
pub mod emit;
pub mod enc;
mod select;
#[cfg(test)]
mod tests;

use crate::ir::Function;
use crate::obj::{Arch, Object};
use crate::regalloc::{Allocation, Loc, RegInfo};

pub struct Aarch64 {
    regs: RegInfo,
}

impl Aarch64 {
    pub fn new() -> Self {
        Aarch64 { regs: abi::reg_info() }
    }
}

impl Default for Aarch64 {
    fn default() -> Self {
        Self::new()
    }
}

/// An allocation that keeps every value in its own spill slot. Slow code, but
/// correct for any function; the tests use it to exercise the spill paths.
pub fn spill_everything(f: &Function) -> Allocation {
    let n = f.value_types.len() as u32;
    Allocation { locs: (0..n).map(|i| Some(Loc::Spill(i))).collect(), num_spill_slots: n, used_callee_saved: vec![] }
}

impl super::Isa for Aarch64 {
    fn arch(&self) -> Arch {
        Arch::Aarch64
    }
    fn reg_info(&self) -> &RegInfo {
        &self.regs
    }
    fn compile_function(&self, f: &Function, obj: &mut Object) -> Result<(), String> {
        let alloc = crate::regalloc::allocate(f, &self.regs);
        emit::compile(f, &alloc, obj)
    }
    fn runtime_asm(&self, obj: &mut Object) {
        crate::asm::entry_aarch64(obj)
    }
    fn disassemble(&self, code: &[u8], addr: u64) -> String {
        disasm::listing(code, addr)
    }
}
