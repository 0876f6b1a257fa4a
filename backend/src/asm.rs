//! The hand-written assembly in `asm/<arch>/`: code dusk cannot express
//! (the process entry `_start`; the fence, the green-thread context switch
//! and the thread-start trampoline of `conc.rs`; the variadic C library
//! entry points of `clib.rs`), assembled with dynasm at
//! compile time of dc and appended to an object by each ISA's
//! `Isa::runtime_asm`.

use crate::obj::{Object, RelocKind};

#[path = "../../asm/x86_64/entry.rs"]
mod x86_64_entry;

#[path = "../../asm/aarch64/entry.rs"]
mod aarch64_entry;

#[path = "../../asm/x86_64/conc.rs"]
mod x86_64_conc;

#[path = "../../asm/aarch64/conc.rs"]
mod aarch64_conc;

#[path = "../../asm/x86_64/clib.rs"]
mod x86_64_clib;

#[path = "../../asm/aarch64/clib.rs"]
mod aarch64_clib;

#[cfg(test)]
#[path = "asm_tests.rs"]
mod tests;

/// One assembled routine: a global function symbol over `code`.
pub struct Routine {
    pub name: &'static str,
    pub code: Vec<u8>,
    /// References to symbols elsewhere, to become relocations.
    pub calls: Vec<Call>,
}

/// A reference from a routine to another symbol.
pub struct Call {
    /// Offset in the routine of the field (the rel32, or the instruction word).
    pub field: usize,
    pub kind: RelocKind,
    pub addend: i64,
    pub target: &'static str,
}

/// Append `r` to `obj`'s `.text` as a global function with its relocations.
/// The assembler filled each relocated field with a placeholder; clear it so
/// the object shows only the relocation.
fn append(obj: &mut Object, mut r: Routine) {
    for c in &r.calls {
        match c.kind {
            RelocKind::A64Call26 | RelocKind::A64Jump26 => {
                let word = u32::from_le_bytes(r.code[c.field..c.field + 4].try_into().unwrap()) & 0xfc00_0000;
                r.code[c.field..c.field + 4].copy_from_slice(&word.to_le_bytes());
            }
            RelocKind::X86PcRel32 | RelocKind::X86Plt32 => r.code[c.field..c.field + 4].fill(0),
            _ => {}
        }
    }
    let off = obj.append(Object::TEXT, &r.code, 16);
    obj.define(r.name, Object::TEXT, off, r.code.len() as u64, true, true);
    for c in r.calls {
        obj.relocs.push(crate::obj::Reloc { section: Object::TEXT, offset: off + c.field as u64, kind: c.kind, symbol: c.target.to_string(), addend: c.addend });
    }
}

/// The x86-64 runtime assembly: `_start` and the concurrency routines.
pub fn entry_x86_64(obj: &mut Object) {
    append(obj, x86_64_entry::start());
    for r in x86_64_conc::routines().into_iter().chain(x86_64_clib::routines()) {
        append(obj, r);
    }
}

/// The AArch64 runtime assembly: `_start` and the concurrency routines.
pub fn entry_aarch64(obj: &mut Object) {
    append(obj, aarch64_entry::start());
    for r in aarch64_conc::routines().into_iter().chain(aarch64_clib::routines()) {
        append(obj, r);
    }
}
