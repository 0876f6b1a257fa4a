//! The in-memory object a back end produces for one compilation unit:
//! sections of bytes, symbols, relocations and line rows. `elf.rs` writes it
//! as an ELF relocatable file; `link.rs` links such files into an executable.

use crate::ir::Span;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Arch {
    X86_64,
    Aarch64,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum SectionKind {
    Text,
    ReadOnly,
    Data,
    /// Zero-initialised; `bytes` stays empty and `bss_size` gives the size.
    Bss,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SectionId(pub u32);

#[derive(Clone, Debug)]
pub struct Section {
    pub name: String,
    pub kind: SectionKind,
    pub bytes: Vec<u8>,
    pub bss_size: u64,
    pub align: u64,
}

#[derive(Clone, Debug)]
pub struct Symbol {
    pub name: String,
    /// `None` for an undefined symbol (defined by another object).
    pub section: Option<SectionId>,
    pub offset: u64,
    pub size: u64,
    pub global: bool,
    pub is_func: bool,
    /// A weak global: a strong definition elsewhere wins at link time.
    pub weak: bool,
}

/// Relocation kinds, named after what they compute (S = symbol address,
/// A = addend, P = address of the place, Page(x) = x & !0xfff).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RelocKind {
    /// 64-bit S + A (both ISAs).
    Abs64,
    /// 32-bit S + A, which must fit in 32 bits (both ISAs; DWARF's
    /// section offsets use it).
    Abs32,
    /// x86-64: 32-bit S + A - P (R_X86_64_PC32; calls use it with A = -4 too).
    X86PcRel32,
    /// x86-64: a call's 32-bit S + A - P (R_X86_64_PLT32; static links treat it as PC32).
    X86Plt32,
    /// AArch64 BL imm26: (S + A - P) >> 2 (R_AARCH64_CALL26).
    A64Call26,
    /// AArch64 B imm26 (R_AARCH64_JUMP26).
    A64Jump26,
    /// AArch64 ADRP: Page(S + A) - Page(P) >> 12 (R_AARCH64_ADR_PREL_PG_HI21).
    A64AdrPage21,
    /// AArch64 ADD imm12: (S + A) & 0xfff (R_AARCH64_ADD_ABS_LO12_NC).
    A64AddLo12,
    /// AArch64 LDR/STR imm12 scaled by the access size (R_AARCH64_LDST{8,16,32,64,128}_ABS_LO12_NC).
    A64Ldst8Lo12,
    A64Ldst16Lo12,
    A64Ldst32Lo12,
    A64Ldst64Lo12,
    A64Ldst128Lo12,
}

#[derive(Clone, Debug)]
pub struct Reloc {
    pub section: SectionId,
    pub offset: u64,
    pub kind: RelocKind,
    pub symbol: String,
    pub addend: i64,
}

/// One row of the line table: the machine code at `offset` in the text
/// section `section` came from `span`.
#[derive(Clone, Copy, Debug)]
pub struct LineRow {
    pub section: SectionId,
    pub offset: u64,
    pub span: Span,
    /// The first instruction of a source statement (DWARF `is_stmt`).
    pub is_stmt: bool,
}

#[derive(Clone, Debug)]
pub struct Object {
    pub arch: Arch,
    pub sections: Vec<Section>,
    pub symbols: Vec<Symbol>,
    pub relocs: Vec<Reloc>,
    pub lines: Vec<LineRow>,
    /// Source file paths; `Span::file` indexes this.
    pub files: Vec<String>,
    /// Where each compiled function keeps its stack slots, for the debug
    /// information's variable locations.
    pub frames: Vec<FrameSlots>,
}

/// The stack slots of one compiled function: slot `i` of the function as
/// compiled (`ir::Function::slots`) starts at `cfa_offsets[i]` bytes from
/// its canonical frame address (the caller's sp before the call), valid
/// between the end of the prologue and the start of an epilogue.
#[derive(Clone, Debug)]
pub struct FrameSlots {
    pub func: String,
    pub cfa_offsets: Vec<i64>,
}

impl Object {
    /// A new object with the four standard sections, in this order:
    /// `.text`, `.rodata`, `.data`, `.bss`.
    pub fn new(arch: Arch) -> Object {
        let sec = |name: &str, kind, align| Section { name: name.to_string(), kind, bytes: Vec::new(), bss_size: 0, align };
        Object {
            arch,
            sections: vec![
                sec(".text", SectionKind::Text, 16),
                sec(".rodata", SectionKind::ReadOnly, 16),
                sec(".data", SectionKind::Data, 16),
                sec(".bss", SectionKind::Bss, 16),
            ],
            symbols: Vec::new(),
            relocs: Vec::new(),
            lines: Vec::new(),
            files: Vec::new(),
            frames: Vec::new(),
        }
    }
    pub const TEXT: SectionId = SectionId(0);
    pub const RODATA: SectionId = SectionId(1);
    pub const DATA: SectionId = SectionId(2);
    pub const BSS: SectionId = SectionId(3);

    pub fn section_mut(&mut self, id: SectionId) -> &mut Section {
        &mut self.sections[id.0 as usize]
    }

    /// Append `bytes` to a section at `align`, returning the offset.
    pub fn append(&mut self, id: SectionId, bytes: &[u8], align: u64) -> u64 {
        let s = self.section_mut(id);
        s.align = s.align.max(align);
        if s.kind == SectionKind::Bss {
            let off = (s.bss_size + align - 1) / align * align;
            s.bss_size = off + bytes.len() as u64;
            return off;
        }
        while s.bytes.len() as u64 % align != 0 {
            s.bytes.push(0);
        }
        let off = s.bytes.len() as u64;
        s.bytes.extend_from_slice(bytes);
        off
    }

    pub fn define(&mut self, name: &str, section: SectionId, offset: u64, size: u64, global: bool, is_func: bool) {
        self.symbols.push(Symbol { name: name.to_string(), section: Some(section), offset, size, global, is_func, weak: false });
    }

    /// Defines `alias` as a weak global at the definition of `target`, if
    /// this object defines `target`; whether it did.
    pub fn define_weak_alias(&mut self, alias: &str, target: &str) -> bool {
        let Some(t) = self.symbols.iter().find(|s| s.name == target && s.section.is_some()) else { return false };
        let s = Symbol { name: alias.to_string(), global: true, weak: true, ..t.clone() };
        self.symbols.push(s);
        true
    }
}
