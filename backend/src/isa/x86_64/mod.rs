//! x86-64 code generation (System V ABI, Linux).
//!
//! `abi` names the registers and the calling convention, `emit` turns one
//! allocated IR function into machine code with iced-x86's assembler. The
//! conventions the emitter relies on are written down in `emit`'s header.

use crate::ir::Function;
use crate::obj::{Arch, Object};
use crate::regalloc::RegInfo;

pub mod abi;
mod emit;
#[cfg(test)]
mod tests;

pub struct X86_64 {
    regs: RegInfo,
}

impl X86_64 {
    pub fn new() -> Self {
        X86_64 {
            regs: abi::reg_info(),
        }
    }
}

impl Default for X86_64 {
    fn default() -> Self {
        Self::new()
    }
}

impl super::Isa for X86_64 {
    fn arch(&self) -> Arch {
        Arch::X86_64
    }
    fn reg_info(&self) -> &RegInfo {
        &self.regs
    }
    fn compile_function(&self, f: &Function, obj: &mut Object) -> Result<(), String> {
        emit::compile_function(f, &self.regs, obj)
    }
    fn runtime_asm(&self, obj: &mut Object) {
        crate::asm::entry_x86_64(obj)
    }
    fn disassemble(&self, code: &[u8], addr: u64) -> String {
        disassemble(code, addr)
    }
}

/// One line per instruction: address, bytes, Intel syntax.
pub fn disassemble(code: &[u8], addr: u64) -> String {
    use iced_x86::{Decoder, DecoderOptions, Formatter, Instruction, IntelFormatter};
    use std::fmt::Write;
    let mut decoder = Decoder::with_ip(64, code, addr, DecoderOptions::NONE);
    let mut fmt = IntelFormatter::new();
    fmt.options_mut().set_first_operand_char_index(8);
    let mut out = String::new();
    let mut text = String::new();
    let mut inst = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut inst);
        text.clear();
        fmt.format(&inst, &mut text);
        let start = (inst.ip() - addr) as usize;
        let bytes: String = code[start..start + inst.len()]
            .iter()
            .map(|b| format!("{:02x}", b))
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(out, "{:8x}:  {:<30} {}", inst.ip(), bytes, text);
    }
    out
}
