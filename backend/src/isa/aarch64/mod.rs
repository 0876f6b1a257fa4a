//! aarch64 code generation (owned by the aarch64 back-end work; placeholder until it lands).

use crate::ir::Function;
use crate::obj::{Arch, Object};
use crate::regalloc::RegInfo;

pub struct Aarch64 {
    regs: RegInfo,
}

impl Aarch64 {
    pub fn new() -> Self {
        Aarch64 { regs: RegInfo { int_regs: vec![], float_regs: vec![], int_callee_saved: vec![], float_callee_saved: vec![] } }
    }
}

impl super::Isa for Aarch64 {
    fn arch(&self) -> Arch {
        Arch::Aarch64
    }
    fn reg_info(&self) -> &RegInfo {
        &self.regs
    }
    fn compile_function(&self, f: &Function, _obj: &mut Object) -> Result<(), String> {
        Err(format!("aarch64 code generation is not written yet (function {})", f.name))
    }
    fn runtime_asm(&self, _obj: &mut Object) {}
    fn disassemble(&self, _code: &[u8], _addr: u64) -> String {
        String::new()
    }
}
