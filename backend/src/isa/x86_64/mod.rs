//! x86_64 code generation (owned by the x86_64 back-end work; placeholder until it lands).

use crate::ir::Function;
use crate::obj::{Arch, Object};
use crate::regalloc::RegInfo;

pub struct X86_64 {
    regs: RegInfo,
}

impl X86_64 {
    pub fn new() -> Self {
        X86_64 { regs: RegInfo { int_regs: vec![], float_regs: vec![], int_callee_saved: vec![], float_callee_saved: vec![] } }
    }
}

impl super::Isa for X86_64 {
    fn arch(&self) -> Arch {
        Arch::X86_64
    }
    fn reg_info(&self) -> &RegInfo {
        &self.regs
    }
    fn compile_function(&self, f: &Function, _obj: &mut Object) -> Result<(), String> {
        Err(format!("x86_64 code generation is not written yet (function {})", f.name))
    }
    fn runtime_asm(&self, _obj: &mut Object) {}
    fn disassemble(&self, _code: &[u8], _addr: u64) -> String {
        String::new()
    }
}
