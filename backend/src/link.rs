//! dc's static linker: ELF64 relocatable files in, one static executable out.
//!
//! The steps, in order:
//!   1. read every input and check they are all for one machine;
//!   2. place each input section in one of the output sections `.text`,
//!      `.rodata`, `.data`, `.bss` (or a `.debug_*` section, kept unloaded so
//!      DWARF can be relocated too), in input order;
//!   3. lay out three PT_LOAD segments (R+X headers and text, R rodata,
//!      RW data and bss) from 0x400000, each starting on a fresh page;
//!   4. resolve symbols: one global table (duplicate strong definitions and
//!      undefined references are errors), locals per object;
//!   5. apply every relocation, checking that each value fits its field;
//!   6. write the ELF header, program headers, section contents, a symbol
//!      table (so gdb and objdump show names) and the section headers.
//!
//! Nothing depends on hash-map iteration order, so the same inputs always
//! give the same bytes.

use crate::obj::{Arch, Object};
use object::elf;
use object::read::{Object as _, ObjectSection as _, ObjectSymbol as _};
use object::{RelocationFlags, RelocationTarget, SectionIndex, SymbolSection};
use std::collections::HashMap;

/// Where the first segment is loaded, on both machines.
const BASE_ADDR: u64 = 0x40_0000;
const EHDR_SIZE: u64 = 64;
const PHDR_SIZE: u64 = 56;
const SHDR_SIZE: u64 = 64;
const SYM_SIZE: u64 = 24;

/// Write each object with `elf::write_object` and link the results.
pub fn link_objects(objs: &[Object], entry: &str) -> Result<Vec<u8>, String> {
    let files = objs.iter().map(crate::elf::write_object).collect::<Result<Vec<_>, _>>()?;
    link(&files, entry)
}

/// Link ELF64 relocatable `objects` into a static executable whose entry
/// point is the global symbol `entry`. The machine is taken from the inputs.
pub fn link(objects: &[Vec<u8>], entry: &str) -> Result<Vec<u8>, String> {
    let files = read_inputs(objects)?;
    let arch = machine_of(&files)?;
    let target = Target::of(arch);
    let (mut outs, placement) = place_sections(&files, &target)?;
    let segments = layout(&mut outs, &target)?;
    let symbols = resolve_symbols(&files, &placement, &outs)?;
    apply_relocations(&files, &placement, &mut outs, &symbols, target.arch)?;
    let entry_addr = match symbols.globals.get(entry) {
        Some(&g) => symbols.defs[g].addr,
        None => return Err(format!("entry symbol '{}' is not defined", entry)),
    };
    Ok(write_executable(&target, &outs, &segments, &symbols, entry_addr))
}

/// The machine of a relocatable object and the global symbols it defines
/// (for a front end that checks, before linking, that a name it binds will
/// resolve).
pub fn defined_symbols(object: &[u8]) -> Result<(Arch, Vec<String>), String> {
    let f = object::read::File::parse(object).map_err(|e| format!("not a readable object file: {}", e))?;
    if f.kind() != object::ObjectKind::Relocatable {
        return Err("not a relocatable object file".into());
    }
    let arch = machine_of(std::slice::from_ref(&f))?;
    Ok((arch, f.symbols().filter(|s| s.is_global() && !s.is_undefined()).filter_map(|s| s.name().ok().map(str::to_string)).collect()))
}

/// What differs between the two machines.
struct Target {
    arch: Arch,
    e_machine: u16,
    /// The largest page size the kernel may use: segments start on their own
    /// page of this size (AArch64 kernels can run with 64 KiB pages).
    page: u64,
    /// Padding between input text sections: int3 on x86-64, udf on AArch64.
    text_fill: u8,
}

impl Target {
    fn of(arch: Arch) -> Target {
        match arch {
            Arch::X86_64 => Target { arch, e_machine: elf::EM_X86_64, page: 0x1000, text_fill: 0xcc },
            Arch::Aarch64 => Target { arch, e_machine: elf::EM_AARCH64, page: 0x10000, text_fill: 0 },
        }
    }
}

type InFile<'a> = object::read::File<'a, &'a [u8]>;

fn read_inputs(objects: &[Vec<u8>]) -> Result<Vec<InFile<'_>>, String> {
    let mut files = Vec::with_capacity(objects.len());
    for (i, bytes) in objects.iter().enumerate() {
        let f = object::read::File::parse(bytes.as_slice()).map_err(|e| format!("input object #{}: not a readable object file: {}", i, e))?;
        if f.format() != object::BinaryFormat::Elf || !f.is_64() || !f.is_little_endian() {
            return Err(format!("input object #{}: not a little-endian ELF64 file", i));
        }
        if f.kind() != object::ObjectKind::Relocatable {
            return Err(format!("input object #{}: not a relocatable object (.o) file", i));
        }
        files.push(f);
    }
    Ok(files)
}

fn machine_of(files: &[InFile]) -> Result<Arch, String> {
    let mut arch = None;
    for (i, f) in files.iter().enumerate() {
        let a = match f.architecture() {
            object::Architecture::X86_64 => Arch::X86_64,
            object::Architecture::Aarch64 => Arch::Aarch64,
            other => return Err(format!("input object #{}: unsupported machine {:?}", i, other)),
        };
        match arch {
            None => arch = Some(a),
            Some(prev) if prev != a => return Err(format!("input object #{} is for {:?} but earlier inputs are for {:?}", i, a, prev)),
            Some(_) => {}
        }
    }
    arch.ok_or_else(|| "no input objects to link".to_string())
}

// ---------------------------------------------------------------------------
// Output sections and placement

const TEXT: usize = 0;
const RODATA: usize = 1;
const DATA: usize = 2;
const BSS: usize = 3;

struct OutSection {
    name: String,
    /// Contents; stays empty for `.bss`, whose extent is `size`.
    bytes: Vec<u8>,
    size: u64,
    align: u64,
    /// The virtual address; 0 for the unloaded `.debug_*` sections, whose
    /// symbols are then offsets within the section, as DWARF wants.
    addr: u64,
    file_off: u64,
}

impl OutSection {
    fn new(name: &str) -> OutSection {
        OutSection { name: name.to_string(), bytes: Vec::new(), size: 0, align: 1, addr: 0, file_off: 0 }
    }
    fn loaded(idx: usize) -> bool {
        idx <= BSS
    }
    fn sh_type(idx: usize) -> u32 {
        if idx == BSS {
            elf::SHT_NOBITS
        } else {
            elf::SHT_PROGBITS
        }
    }
    fn sh_flags(idx: usize) -> u64 {
        (match idx {
            TEXT => elf::SHF_ALLOC | elf::SHF_EXECINSTR,
            RODATA => elf::SHF_ALLOC,
            DATA | BSS => elf::SHF_ALLOC | elf::SHF_WRITE,
            _ => 0,
        }) as u64
    }
}

/// For each input object, each section index -> (output section, offset in it).
type Placement = Vec<Vec<Option<(usize, u64)>>>;

fn align_up(x: u64, a: u64) -> u64 {
    x.div_ceil(a) * a
}

/// Which output section an input section goes to, `Ok(None)` for sections
/// the executable does not need (symbol tables, notes, comments).
fn output_for<'d>(sec: &object::read::Section<'d, '_, &'d [u8]>, debug: &mut Vec<String>) -> Result<Option<usize>, String> {
    use object::SectionKind as K;
    let name = sec.name().unwrap_or("");
    Ok(Some(match sec.kind() {
        K::Text => TEXT,
        K::ReadOnlyData | K::ReadOnlyString | K::ReadOnlyDataWithRel => RODATA,
        K::Data => DATA,
        K::UninitializedData => BSS,
        K::Tls | K::UninitializedTls => return Err(format!("thread-local section '{}' is not supported", name)),
        K::Common => return Err("common symbols are not supported".to_string()),
        _ if name.starts_with(".debug") => match debug.iter().position(|d| d == name) {
            Some(i) => BSS + 1 + i,
            None => {
                debug.push(name.to_string());
                BSS + debug.len()
            }
        },
        _ => {
            let alloc = matches!(sec.flags(), object::SectionFlags::Elf { sh_flags } if sh_flags & elf::SHF_ALLOC as u64 != 0);
            if alloc {
                return Err(format!("section '{}' ({:?}) is not supported", name, sec.kind()));
            }
            return Ok(None);
        }
    }))
}

fn place_sections(files: &[InFile], target: &Target) -> Result<(Vec<OutSection>, Placement), String> {
    let mut outs = vec![OutSection::new(".text"), OutSection::new(".rodata"), OutSection::new(".data"), OutSection::new(".bss")];
    let mut debug_names = Vec::new();
    let mut placement = Vec::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        let mut place = Vec::new();
        for sec in f.sections() {
            let idx = sec.index().0;
            if place.len() <= idx {
                place.resize(idx + 1, None);
            }
            let Some(out) = output_for(&sec, &mut debug_names).map_err(|e| format!("input object #{}: {}", i, e))? else { continue };
            if out >= outs.len() {
                outs.push(OutSection::new(&debug_names[out - BSS - 1]));
            }
            let align = sec.align().max(1);
            if !align.is_power_of_two() || (OutSection::loaded(out) && align > target.page) {
                return Err(format!("input object #{}: section '{}' has unusable alignment {}", i, sec.name().unwrap_or(""), align));
            }
            let o = &mut outs[out];
            o.align = o.align.max(align);
            let off = align_up(o.size, align);
            if out != BSS {
                let data = sec.data().map_err(|e| format!("input object #{}: section '{}': {}", i, sec.name().unwrap_or(""), e))?;
                let fill = if out == TEXT { target.text_fill } else { 0 };
                o.bytes.resize(off as usize, fill);
                o.bytes.extend_from_slice(data);
            }
            o.size = off + sec.size();
            place[idx] = Some((out, off));
        }
        placement.push(place);
    }
    Ok((outs, placement))
}

// ---------------------------------------------------------------------------
// Segment layout

struct Segment {
    flags: u32,
    file_off: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
}

/// Give every output section a file offset and address. Sections are packed
/// in the file; each loaded segment starts on a new page in memory at an
/// address congruent to its file offset, as mmap needs.
fn layout(outs: &mut [OutSection], target: &Target) -> Result<Vec<Segment>, String> {
    let page = target.page;
    let has_rodata = outs[RODATA].size > 0;
    let has_data = outs[DATA].size > 0 || outs[BSS].size > 0;
    // Loaded segments plus PT_GNU_STACK.
    let phnum = 1 + has_rodata as u64 + has_data as u64 + 1;
    let mut segs = Vec::new();

    let text = &mut outs[TEXT];
    text.file_off = align_up(EHDR_SIZE + PHDR_SIZE * phnum, text.align);
    text.addr = BASE_ADDR + text.file_off;
    let mut off = text.file_off + text.size;
    let mut vend = BASE_ADDR + off;
    // The headers share the first segment with the text, as with classic ld.
    segs.push(Segment { flags: elf::PF_R | elf::PF_X, file_off: 0, vaddr: BASE_ADDR, filesz: off, memsz: off });

    if has_rodata {
        let ro = &mut outs[RODATA];
        ro.file_off = align_up(off, ro.align);
        ro.addr = align_up(vend, page) + ro.file_off % page;
        off = ro.file_off + ro.size;
        vend = ro.addr + ro.size;
        segs.push(Segment { flags: elf::PF_R, file_off: ro.file_off, vaddr: ro.addr, filesz: ro.size, memsz: ro.size });
    }
    if has_data {
        let data_align = outs[DATA].align;
        let d = &mut outs[DATA];
        d.file_off = align_up(off, data_align);
        d.addr = align_up(vend, page) + d.file_off % page;
        let (d_addr, d_off, d_size) = (d.addr, d.file_off, d.size);
        let b = &mut outs[BSS];
        b.addr = align_up(d_addr + d_size, b.align);
        b.file_off = d_off + d_size;
        off = d_off + d_size;
        vend = b.addr + b.size;
        segs.push(Segment { flags: elf::PF_R | elf::PF_W, file_off: d_off, vaddr: d_addr, filesz: d_size, memsz: vend - d_addr });
    } else {
        outs[DATA].file_off = off;
        outs[BSS].file_off = off;
    }
    if vend > u32::MAX as u64 {
        return Err("the program is too large: it does not fit in the low 4 GiB".to_string());
    }
    for o in outs.iter_mut().skip(BSS + 1) {
        o.file_off = align_up(off, o.align);
        off = o.file_off + o.size;
    }
    Ok(segs)
}

// ---------------------------------------------------------------------------
// Symbols

struct Def {
    name: String,
    addr: u64,
    size: u64,
    st_type: u8,
    weak: bool,
    /// Output section index, or None for an absolute symbol.
    out: Option<usize>,
}

struct Symbols {
    /// Global definitions in the order first seen, and their index by name.
    defs: Vec<Def>,
    globals: HashMap<String, usize>,
    /// Local definitions (for the output symbol table only).
    locals: Vec<Def>,
    /// Per input object, per symbol index: its address for relocations.
    values: Vec<Vec<Option<u64>>>,
}

fn st_type_of(kind: object::SymbolKind) -> u8 {
    match kind {
        object::SymbolKind::Text => elf::STT_FUNC,
        object::SymbolKind::Data => elf::STT_OBJECT,
        _ => elf::STT_NOTYPE,
    }
}

/// The address of a symbol defined in input section `sec`, with the output
/// section it lands in, or None if that section is not linked.
fn defined_at(place: &[Option<(usize, u64)>], outs: &[OutSection], sec: SectionIndex, value: u64) -> Option<(usize, u64)> {
    let (out, off) = (*place.get(sec.0)?)?;
    Some((out, outs[out].addr + off + value))
}

fn resolve_symbols(files: &[InFile], placement: &Placement, outs: &[OutSection]) -> Result<Symbols, String> {
    let mut s = Symbols { defs: Vec::new(), globals: HashMap::new(), locals: Vec::new(), values: Vec::new() };

    // Global definitions first, so references resolve regardless of order.
    for (i, f) in files.iter().enumerate() {
        for sym in f.symbols() {
            if sym.is_local() || sym.is_undefined() {
                continue;
            }
            let name = sym.name().map_err(|e| format!("input object #{}: {}", i, e))?;
            let (out, addr) = match sym.section() {
                SymbolSection::Section(sec) => match defined_at(&placement[i], outs, sec, sym.address()) {
                    Some((out, addr)) => (Some(out), addr),
                    None => continue,
                },
                SymbolSection::Absolute => (None, sym.address()),
                SymbolSection::Common => return Err(format!("input object #{}: common symbol '{}' is not supported", i, name)),
                _ => continue,
            };
            let def = Def { name: name.to_string(), addr, size: sym.size(), st_type: st_type_of(sym.kind()), weak: sym.is_weak(), out };
            match s.globals.get(name) {
                None => {
                    s.globals.insert(name.to_string(), s.defs.len());
                    s.defs.push(def);
                }
                Some(&g) if s.defs[g].weak && !def.weak => s.defs[g] = def,
                Some(&g) if !s.defs[g].weak && !def.weak => return Err(format!("duplicate symbol '{}'", name)),
                Some(_) => {}
            }
        }
    }

    let mut undefined: Vec<String> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let count = f.symbols().map(|sym| sym.index().0 + 1).max().unwrap_or(0);
        let mut values = vec![None; count];
        for sym in f.symbols() {
            let name = sym.name().unwrap_or("");
            let value = match sym.section() {
                SymbolSection::Section(sec) => {
                    let at = defined_at(&placement[i], outs, sec, sym.address());
                    let keep = sym.is_local() && !name.is_empty() && matches!(sym.kind(), object::SymbolKind::Text | object::SymbolKind::Data | object::SymbolKind::Unknown);
                    if let (true, Some((out, addr))) = (keep, at) {
                        if OutSection::loaded(out) {
                            s.locals.push(Def { name: name.to_string(), addr, size: sym.size(), st_type: st_type_of(sym.kind()), weak: false, out: Some(out) });
                        }
                    }
                    if sym.is_local() {
                        at.map(|(_, addr)| addr)
                    } else {
                        // A weak definition may have lost to a strong one.
                        s.globals.get(name).map(|&g| s.defs[g].addr)
                    }
                }
                SymbolSection::Absolute => Some(sym.address()),
                SymbolSection::Undefined => match s.globals.get(name) {
                    Some(&g) => Some(s.defs[g].addr),
                    None if sym.is_weak() => Some(0),
                    None => {
                        if !undefined.iter().any(|u| u == name) {
                            undefined.push(name.to_string());
                        }
                        None
                    }
                },
                _ => None,
            };
            values[sym.index().0] = value;
        }
        s.values.push(values);
    }
    if !undefined.is_empty() {
        return Err(undefined.iter().map(|u| format!("undefined symbol '{}'", u)).collect::<Vec<_>>().join("\n"));
    }
    Ok(s)
}

// ---------------------------------------------------------------------------
// Relocations

fn reloc_name(arch: Arch, r_type: u32) -> String {
    let name = match (arch, r_type) {
        (Arch::X86_64, elf::R_X86_64_64) => "R_X86_64_64",
        (Arch::X86_64, elf::R_X86_64_PC32) => "R_X86_64_PC32",
        (Arch::X86_64, elf::R_X86_64_PLT32) => "R_X86_64_PLT32",
        (Arch::X86_64, elf::R_X86_64_32) => "R_X86_64_32",
        (Arch::X86_64, elf::R_X86_64_32S) => "R_X86_64_32S",
        (Arch::X86_64, elf::R_X86_64_PC64) => "R_X86_64_PC64",
        (Arch::Aarch64, elf::R_AARCH64_ABS64) => "R_AARCH64_ABS64",
        (Arch::Aarch64, elf::R_AARCH64_ABS32) => "R_AARCH64_ABS32",
        (Arch::Aarch64, elf::R_AARCH64_PREL32) => "R_AARCH64_PREL32",
        (Arch::Aarch64, elf::R_AARCH64_PREL64) => "R_AARCH64_PREL64",
        (Arch::Aarch64, elf::R_AARCH64_CALL26) => "R_AARCH64_CALL26",
        (Arch::Aarch64, elf::R_AARCH64_JUMP26) => "R_AARCH64_JUMP26",
        (Arch::Aarch64, elf::R_AARCH64_ADR_PREL_PG_HI21) => "R_AARCH64_ADR_PREL_PG_HI21",
        (Arch::Aarch64, elf::R_AARCH64_ADR_PREL_LO21) => "R_AARCH64_ADR_PREL_LO21",
        (Arch::Aarch64, elf::R_AARCH64_ADD_ABS_LO12_NC) => "R_AARCH64_ADD_ABS_LO12_NC",
        (Arch::Aarch64, elf::R_AARCH64_LDST8_ABS_LO12_NC) => "R_AARCH64_LDST8_ABS_LO12_NC",
        (Arch::Aarch64, elf::R_AARCH64_LDST16_ABS_LO12_NC) => "R_AARCH64_LDST16_ABS_LO12_NC",
        (Arch::Aarch64, elf::R_AARCH64_LDST32_ABS_LO12_NC) => "R_AARCH64_LDST32_ABS_LO12_NC",
        (Arch::Aarch64, elf::R_AARCH64_LDST64_ABS_LO12_NC) => "R_AARCH64_LDST64_ABS_LO12_NC",
        (Arch::Aarch64, elf::R_AARCH64_LDST128_ABS_LO12_NC) => "R_AARCH64_LDST128_ABS_LO12_NC",
        _ => return format!("relocation type {}", r_type),
    };
    name.to_string()
}

fn read32(b: &[u8]) -> u32 {
    u32::from_le_bytes(b[..4].try_into().unwrap())
}

fn write32(b: &mut [u8], v: u32) {
    b[..4].copy_from_slice(&v.to_le_bytes());
}

fn fits_signed(v: i64, bits: u32) -> bool {
    let lim = 1i64 << (bits - 1);
    (-lim..lim).contains(&v)
}

/// Patch the field at `place` for relocation `r_type`, where `sa` is S + A
/// and `p` the address of the place. Errors say only what went wrong; the
/// caller adds where.
fn apply_one(arch: Arch, r_type: u32, place: &mut [u8], sa: u64, p: u64) -> Result<(), &'static str> {
    let need = match (arch, r_type) {
        (Arch::X86_64, elf::R_X86_64_64 | elf::R_X86_64_PC64) | (Arch::Aarch64, elf::R_AARCH64_ABS64 | elf::R_AARCH64_PREL64) => 8,
        _ => 4,
    };
    if place.len() < need {
        return Err("lies outside its section");
    }
    let pc_rel = sa.wrapping_sub(p) as i64;
    // AArch64 instructions: put a value into bits [shift, shift+width).
    let insert = |place: &mut [u8], v: u64, shift: u32, width: u32| {
        let mask = ((1u32 << width) - 1) << shift;
        write32(place, (read32(place) & !mask) | (((v as u32) << shift) & mask));
    };
    match (arch, r_type) {
        (Arch::X86_64, elf::R_X86_64_64) | (Arch::Aarch64, elf::R_AARCH64_ABS64) => place[..8].copy_from_slice(&sa.to_le_bytes()),
        (Arch::X86_64, elf::R_X86_64_PC64) | (Arch::Aarch64, elf::R_AARCH64_PREL64) => place[..8].copy_from_slice(&pc_rel.to_le_bytes()),
        (Arch::X86_64, elf::R_X86_64_PC32 | elf::R_X86_64_PLT32) | (Arch::Aarch64, elf::R_AARCH64_PREL32) => {
            if !fits_signed(pc_rel, 32) {
                return Err("is out of range (more than 2 GiB away)");
            }
            write32(place, pc_rel as u32);
        }
        (Arch::X86_64, elf::R_X86_64_32) => {
            if sa > u32::MAX as u64 {
                return Err("does not fit in 32 bits");
            }
            write32(place, sa as u32);
        }
        (Arch::X86_64, elf::R_X86_64_32S) => {
            if !fits_signed(sa as i64, 32) {
                return Err("does not fit in 32 bits");
            }
            write32(place, sa as u32);
        }
        (Arch::Aarch64, elf::R_AARCH64_ABS32) => {
            if !fits_signed(sa as i64, 32) && sa > u32::MAX as u64 {
                return Err("does not fit in 32 bits");
            }
            write32(place, sa as u32);
        }
        (Arch::Aarch64, elf::R_AARCH64_CALL26 | elf::R_AARCH64_JUMP26) => {
            if pc_rel & 3 != 0 {
                return Err("targets an address that is not 4-byte aligned");
            }
            if !fits_signed(pc_rel, 28) {
                return Err("is out of range (more than 128 MiB away)");
            }
            insert(place, (pc_rel >> 2) as u64, 0, 26);
        }
        (Arch::Aarch64, elf::R_AARCH64_ADR_PREL_PG_HI21) => {
            let pages = ((sa & !0xfff) as i64).wrapping_sub((p & !0xfff) as i64) >> 12;
            if !fits_signed(pages, 21) {
                return Err("is out of range (more than 4 GiB away)");
            }
            insert(place, pages as u64 & 3, 29, 2);
            insert(place, (pages as u64 >> 2) & 0x7ffff, 5, 19);
        }
        (Arch::Aarch64, elf::R_AARCH64_ADR_PREL_LO21) => {
            if !fits_signed(pc_rel, 21) {
                return Err("is out of range (more than 1 MiB away)");
            }
            insert(place, pc_rel as u64 & 3, 29, 2);
            insert(place, (pc_rel as u64 >> 2) & 0x7ffff, 5, 19);
        }
        (Arch::Aarch64, elf::R_AARCH64_ADD_ABS_LO12_NC) => insert(place, sa & 0xfff, 10, 12),
        (Arch::Aarch64, elf::R_AARCH64_LDST8_ABS_LO12_NC | elf::R_AARCH64_LDST16_ABS_LO12_NC | elf::R_AARCH64_LDST32_ABS_LO12_NC | elf::R_AARCH64_LDST64_ABS_LO12_NC | elf::R_AARCH64_LDST128_ABS_LO12_NC) => {
            let scale = match r_type {
                elf::R_AARCH64_LDST8_ABS_LO12_NC => 0,
                elf::R_AARCH64_LDST16_ABS_LO12_NC => 1,
                elf::R_AARCH64_LDST32_ABS_LO12_NC => 2,
                elf::R_AARCH64_LDST64_ABS_LO12_NC => 3,
                _ => 4,
            };
            let lo = sa & 0xfff;
            if lo & ((1 << scale) - 1) != 0 {
                return Err("targets an address not aligned to the access size");
            }
            insert(place, lo >> scale, 10, 12);
        }
        _ => return Err("is not supported"),
    }
    Ok(())
}

fn apply_relocations(files: &[InFile], placement: &Placement, outs: &mut [OutSection], symbols: &Symbols, arch: Arch) -> Result<(), String> {
    for (i, f) in files.iter().enumerate() {
        for sec in f.sections() {
            let Some((out, base)) = placement[i].get(sec.index().0).copied().flatten() else { continue };
            for (offset, r) in sec.relocations() {
                let r_type = match r.flags() {
                    RelocationFlags::Elf { r_type } => r_type,
                    other => return Err(format!("input object #{}: unexpected relocation {:?}", i, other)),
                };
                let sec_name = sec.name().unwrap_or("?");
                let where_ = || format!("input object #{}: {}+{:#x}: {}", i, sec_name, offset, reloc_name(arch, r_type));
                if r.has_implicit_addend() {
                    return Err(format!("{}: REL relocations (implicit addends) are not supported", where_()));
                }
                let RelocationTarget::Symbol(sym_idx) = r.target() else {
                    return Err(format!("{}: relocation without a symbol", where_()));
                };
                let sym_name = f.symbol_by_index(sym_idx).ok().and_then(|s| s.name().ok().map(str::to_string)).unwrap_or_default();
                let Some(s) = symbols.values[i].get(sym_idx.0).copied().flatten() else {
                    return Err(format!("{} against '{}': the symbol's section is not linked", where_(), sym_name));
                };
                let o = &mut outs[out];
                if out == BSS {
                    return Err(format!("{}: relocation in .bss", where_()));
                }
                let at = base + offset;
                let p = o.addr + at;
                let sa = s.wrapping_add(r.addend() as u64);
                // Only this input section's bytes: a field must not spill into the next one.
                let place = o.bytes.get_mut(at as usize..(base + sec.size()) as usize).unwrap_or(&mut []);
                apply_one(arch, r_type, place, sa, p).map_err(|e| format!("{} against '{}' {}", where_(), sym_name, e))?;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Writing the executable

/// A string table under construction: names are stored once, in order.
struct StrTab {
    bytes: Vec<u8>,
}

impl StrTab {
    fn new() -> StrTab {
        StrTab { bytes: vec![0] }
    }
    fn add(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        let off = self.bytes.len() as u32;
        self.bytes.extend_from_slice(s.as_bytes());
        self.bytes.push(0);
        off
    }
}

struct Out(Vec<u8>);

impl Out {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn pad_to(&mut self, off: u64) {
        assert!(self.0.len() as u64 <= off, "linker layout overlaps");
        self.0.resize(off as usize, 0);
    }
    #[allow(clippy::too_many_arguments)]
    fn shdr(&mut self, name: u32, sh_type: u32, flags: u64, addr: u64, off: u64, size: u64, link: u32, info: u32, align: u64, entsize: u64) {
        self.u32(name);
        self.u32(sh_type);
        self.u64(flags);
        self.u64(addr);
        self.u64(off);
        self.u64(size);
        self.u32(link);
        self.u32(info);
        self.u64(align);
        self.u64(entsize);
    }
}

fn write_executable(target: &Target, outs: &[OutSection], segs: &[Segment], symbols: &Symbols, entry: u64) -> Vec<u8> {
    // Section header indices: the null section, then the non-empty output
    // sections, then .symtab, .strtab, .shstrtab.
    let mut shndx = vec![0u16; outs.len()];
    let mut next = 1u16;
    for (i, o) in outs.iter().enumerate() {
        if o.size > 0 {
            shndx[i] = next;
            next += 1;
        }
    }
    // .symtab is section `next`; its strings follow it.
    let (strtab_idx, shstrtab_idx) = (next + 1, next + 2);
    let shnum = next + 3;

    // The symbol table: null, locals, then globals (ELF wants locals first).
    let mut strtab = StrTab::new();
    let mut sym = Out(vec![0; SYM_SIZE as usize]);
    let mut put_sym = |d: &Def, bind: u8| {
        sym.u32(strtab.add(&d.name));
        sym.u8((bind << 4) | d.st_type);
        sym.u8(elf::STV_DEFAULT);
        sym.u16(match d.out {
            Some(o) => shndx[o],
            None => elf::SHN_ABS,
        });
        sym.u64(d.addr);
        sym.u64(d.size);
    };
    for d in &symbols.locals {
        put_sym(d, elf::STB_LOCAL);
    }
    let first_global = 1 + symbols.locals.len() as u32;
    for d in &symbols.defs {
        put_sym(d, if d.weak { elf::STB_WEAK } else { elf::STB_GLOBAL });
    }
    let sym_bytes = sym.0;

    let mut shstrtab = StrTab::new();
    let sec_names: Vec<u32> = outs.iter().map(|o| if o.size > 0 { shstrtab.add(&o.name) } else { 0 }).collect();
    let (symtab_name, strtab_name, shstrtab_name) = (shstrtab.add(".symtab"), shstrtab.add(".strtab"), shstrtab.add(".shstrtab"));

    // File offsets of what follows the section contents.
    let end = outs.iter().map(|o| if o.bytes.is_empty() { o.file_off } else { o.file_off + o.bytes.len() as u64 }).max().unwrap_or(0);
    let symtab_off = align_up(end, 8);
    let strtab_off = symtab_off + sym_bytes.len() as u64;
    let shstrtab_off = strtab_off + strtab.bytes.len() as u64;
    let shoff = align_up(shstrtab_off + shstrtab.bytes.len() as u64, 8);

    let mut w = Out(Vec::new());
    // ELF header.
    w.0.extend_from_slice(&elf::ELFMAG);
    w.u8(elf::ELFCLASS64);
    w.u8(elf::ELFDATA2LSB);
    w.u8(elf::EV_CURRENT);
    w.u8(elf::ELFOSABI_NONE);
    w.pad_to(16);
    w.u16(elf::ET_EXEC);
    w.u16(target.e_machine);
    w.u32(elf::EV_CURRENT as u32);
    w.u64(entry);
    w.u64(EHDR_SIZE);
    w.u64(shoff);
    w.u32(0);
    w.u16(EHDR_SIZE as u16);
    w.u16(PHDR_SIZE as u16);
    w.u16(segs.len() as u16 + 1);
    w.u16(SHDR_SIZE as u16);
    w.u16(shnum);
    w.u16(shstrtab_idx);

    // Program headers: the loads, then a non-executable stack.
    for s in segs {
        w.u32(elf::PT_LOAD);
        w.u32(s.flags);
        w.u64(s.file_off);
        w.u64(s.vaddr);
        w.u64(s.vaddr);
        w.u64(s.filesz);
        w.u64(s.memsz);
        w.u64(target.page);
    }
    w.u32(elf::PT_GNU_STACK);
    w.u32(elf::PF_R | elf::PF_W);
    for _ in 0..5 {
        w.u64(0);
    }
    w.u64(16);

    // Section contents, in file order (the loaded ones first, then debug).
    for (i, o) in outs.iter().enumerate() {
        if o.bytes.is_empty() {
            continue;
        }
        if i == TEXT {
            while (w.0.len() as u64) < o.file_off {
                w.u8(target.text_fill);
            }
        }
        w.pad_to(o.file_off);
        w.0.extend_from_slice(&o.bytes);
    }
    w.pad_to(symtab_off);
    w.0.extend_from_slice(&sym_bytes);
    w.0.extend_from_slice(&strtab.bytes);
    w.0.extend_from_slice(&shstrtab.bytes);

    // Section headers.
    w.pad_to(shoff);
    w.shdr(0, elf::SHT_NULL, 0, 0, 0, 0, 0, 0, 0, 0);
    for (i, o) in outs.iter().enumerate() {
        if o.size > 0 {
            w.shdr(sec_names[i], OutSection::sh_type(i), OutSection::sh_flags(i), o.addr, o.file_off, o.size, 0, 0, o.align, 0);
        }
    }
    w.shdr(symtab_name, elf::SHT_SYMTAB, 0, 0, symtab_off, sym_bytes.len() as u64, strtab_idx as u32, first_global, 8, SYM_SIZE);
    w.shdr(strtab_name, elf::SHT_STRTAB, 0, 0, strtab_off, strtab.bytes.len() as u64, 0, 0, 1, 0);
    w.shdr(shstrtab_name, elf::SHT_STRTAB, 0, 0, shstrtab_off, shstrtab.bytes.len() as u64, 0, 0, 1, 0);
    w.0
}
