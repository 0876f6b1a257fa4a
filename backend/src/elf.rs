//! Writes an in-memory `obj::Object` as an ELF64 relocatable file (`.o`):
//! its sections, symbols and RELA relocations, through the `object` crate's
//! writer. `link.rs` reads these files back; `--emit obj` writes them out.

use crate::obj::{Arch, Object, RelocKind, SectionKind};
use object::write::{self, Relocation, SymbolSection};
use object::{elf, Architecture, BinaryFormat, Endianness, RelocationFlags, SymbolFlags, SymbolKind, SymbolScope};
use std::collections::HashMap;

/// The ELF relocation type for `kind` on `arch`, or `None` if the kind does
/// not exist on that machine (an x86 kind in an AArch64 object, say).
pub fn reloc_type(arch: Arch, kind: RelocKind) -> Option<u32> {
    use RelocKind::*;
    Some(match (arch, kind) {
        (Arch::X86_64, Abs64) => elf::R_X86_64_64,
        (Arch::X86_64, Abs32) => elf::R_X86_64_32,
        (Arch::X86_64, X86PcRel32) => elf::R_X86_64_PC32,
        (Arch::X86_64, X86Plt32) => elf::R_X86_64_PLT32,
        (Arch::Aarch64, Abs64) => elf::R_AARCH64_ABS64,
        (Arch::Aarch64, Abs32) => elf::R_AARCH64_ABS32,
        (Arch::Aarch64, A64Call26) => elf::R_AARCH64_CALL26,
        (Arch::Aarch64, A64Jump26) => elf::R_AARCH64_JUMP26,
        (Arch::Aarch64, A64AdrPage21) => elf::R_AARCH64_ADR_PREL_PG_HI21,
        (Arch::Aarch64, A64AddLo12) => elf::R_AARCH64_ADD_ABS_LO12_NC,
        (Arch::Aarch64, A64Ldst8Lo12) => elf::R_AARCH64_LDST8_ABS_LO12_NC,
        (Arch::Aarch64, A64Ldst16Lo12) => elf::R_AARCH64_LDST16_ABS_LO12_NC,
        (Arch::Aarch64, A64Ldst32Lo12) => elf::R_AARCH64_LDST32_ABS_LO12_NC,
        (Arch::Aarch64, A64Ldst64Lo12) => elf::R_AARCH64_LDST64_ABS_LO12_NC,
        (Arch::Aarch64, A64Ldst128Lo12) => elf::R_AARCH64_LDST128_ABS_LO12_NC,
        _ => return None,
    })
}

/// The section kind the ELF writer should use. Extra sections named
/// `.debug*` are non-allocated PROGBITS; others follow their `kind`.
fn elf_section_kind(name: &str, kind: SectionKind) -> object::SectionKind {
    if name.starts_with(".debug") {
        return object::SectionKind::Debug;
    }
    match kind {
        SectionKind::Text => object::SectionKind::Text,
        SectionKind::ReadOnly => object::SectionKind::ReadOnlyData,
        SectionKind::Data => object::SectionKind::Data,
        SectionKind::Bss => object::SectionKind::UninitializedData,
    }
}

/// Serialise `o` as an ELF64 little-endian relocatable object. The bytes
/// depend only on `o`, so the same input always gives the same file.
pub fn write_object(o: &Object) -> Result<Vec<u8>, String> {
    let arch = match o.arch {
        Arch::X86_64 => Architecture::X86_64,
        Arch::Aarch64 => Architecture::Aarch64,
    };
    let mut w = write::Object::new(BinaryFormat::Elf, arch, Endianness::Little);

    // A section is written if it has contents or something points into it
    // (a zero-sized symbol at the start of an empty .bss, say).
    let mut used = vec![false; o.sections.len()];
    for s in &o.symbols {
        if let Some(id) = s.section {
            *used.get_mut(id.0 as usize).ok_or_else(|| format!("symbol '{}' is in section {} which does not exist", s.name, id.0))? = true;
        }
    }
    for r in &o.relocs {
        *used.get_mut(r.section.0 as usize).ok_or_else(|| format!("relocation against '{}' is in section {} which does not exist", r.symbol, r.section.0))? = true;
    }
    let mut sec_ids = Vec::with_capacity(o.sections.len());
    for (i, s) in o.sections.iter().enumerate() {
        let empty = if s.kind == SectionKind::Bss { s.bss_size == 0 } else { s.bytes.is_empty() };
        if empty && !used[i] {
            sec_ids.push(None);
            continue;
        }
        let id = w.add_section(Vec::new(), s.name.as_bytes().to_vec(), elf_section_kind(&s.name, s.kind));
        let align = s.align.max(1);
        if !align.is_power_of_two() {
            return Err(format!("section {} has alignment {}, not a power of two", s.name, align));
        }
        if s.kind == SectionKind::Bss {
            w.append_section_bss(id, s.bss_size, align);
        } else {
            w.set_section_data(id, s.bytes.clone(), align);
        }
        sec_ids.push(Some(id));
    }

    // Defined symbols, then an undefined one for every name relocations use
    // that nothing here defines. The writer puts locals before globals.
    let mut by_name: HashMap<&str, write::SymbolId> = HashMap::new();
    for s in &o.symbols {
        let section = match s.section {
            Some(id) => SymbolSection::Section(sec_ids[id.0 as usize].expect("used sections are written")),
            None => SymbolSection::Undefined,
        };
        let kind = match (s.section, s.is_func) {
            (None, _) => SymbolKind::Unknown,
            (Some(_), true) => SymbolKind::Text,
            (Some(_), false) => SymbolKind::Data,
        };
        let scope = if s.global || s.section.is_none() { SymbolScope::Linkage } else { SymbolScope::Compilation };
        let id = w.add_symbol(write::Symbol {
            name: s.name.as_bytes().to_vec(),
            value: s.offset,
            size: s.size,
            kind,
            scope,
            weak: s.weak,
            section,
            flags: SymbolFlags::None,
        });
        // A definition wins over an undefined entry of the same name.
        let replace = match by_name.get(s.name.as_str()) {
            None => true,
            Some(&prev) => w.symbol(prev).is_undefined() && s.section.is_some(),
        };
        if replace {
            by_name.insert(&s.name, id);
        }
    }
    for r in &o.relocs {
        if !by_name.contains_key(r.symbol.as_str()) {
            let id = w.add_symbol(write::Symbol {
                name: r.symbol.as_bytes().to_vec(),
                value: 0,
                size: 0,
                kind: SymbolKind::Unknown,
                scope: SymbolScope::Linkage,
                weak: false,
                section: SymbolSection::Undefined,
                flags: SymbolFlags::None,
            });
            by_name.insert(&r.symbol, id);
        }
    }

    for r in &o.relocs {
        let r_type = reloc_type(o.arch, r.kind).ok_or_else(|| format!("relocation {:?} against '{}' does not exist on {:?}", r.kind, r.symbol, o.arch))?;
        let sec = sec_ids[r.section.0 as usize].expect("sections with relocations are written");
        w.add_relocation(sec, Relocation { offset: r.offset, symbol: by_name[r.symbol.as_str()], addend: r.addend, flags: RelocationFlags::Elf { r_type } })
            .map_err(|e| format!("relocation against '{}': {}", r.symbol, e))?;
    }
    w.write().map_err(|e| format!("writing ELF object: {}", e))
}
