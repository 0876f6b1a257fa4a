//! The one interface both instruction sets sit behind. Nothing above this
//! module knows which ISA it is emitting for.

use crate::ir::Function;
use crate::obj::{Arch, Object};
use crate::regalloc::RegInfo;

pub mod aarch64;
pub mod x86_64;

pub trait Isa {
    fn arch(&self) -> Arch;
    /// The register file and calling convention, for the allocator.
    fn reg_info(&self) -> &RegInfo;
    /// Compile one function into `obj`'s `.text`: machine code, its symbol,
    /// relocations for calls and symbol addresses, and line rows.
    fn compile_function(&self, f: &Function, obj: &mut Object) -> Result<(), String>;
    /// The hand-written assembly from `asm/<arch>/`: process entry and the
    /// other routines dusk cannot express, appended to `obj`.
    fn runtime_asm(&self, obj: &mut Object);
    /// A readable listing of `code` (placed at `addr`) for `--emit asm`.
    fn disassemble(&self, code: &[u8], addr: u64) -> String;
}

pub fn for_arch(arch: Arch) -> Box<dyn Isa> {
    match arch {
        Arch::X86_64 => Box::new(x86_64::X86_64::new()),
        Arch::Aarch64 => Box::new(aarch64::Aarch64::new()),
    }
}
