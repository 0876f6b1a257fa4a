//! DWARF debug information for one compiled object, so that gdb can put a
//! breakpoint on a dusk function, step by source line and print a backtrace.
//!
//! Everything goes into extra `.debug_*` sections of the `Object` (DWARF 4,
//! 32-bit format):
//! - `.debug_info`, `.debug_abbrev`, `.debug_str`: one compile unit for the
//!   object, named after its first source file, with a `DW_TAG_subprogram`
//!   per function (source name, address range, declaration line);
//! - `.debug_line`: one line program for all the object's files, one sequence
//!   per function, its rows taken from `Object::lines`;
//! - `.debug_frame`: one CIE and an FDE per function describing the
//!   frame-pointer frame both back ends build (see `x86_64_frame` and
//!   `aarch64_frame`). `.debug_frame` rather than `.eh_frame` because nothing
//!   unwinds at run time and it stays out of the loaded image.
//!
//! Every address and every offset into another debug section is written as a
//! relocation (against the function symbols and against a local symbol at the
//! start of each debug section), because the linker concatenates the debug
//! sections of all its inputs. gimli's writer reports these through
//! `RelocateWriter`.
//!
//! Locals and parameters come from `Function::debug` (filled by the front
//! end): each variable becomes a `DW_TAG_variable` or
//! `DW_TAG_formal_parameter` child of its function's subprogram, with a
//! `DW_AT_type` and a `DW_AT_location` of `DW_OP_fbreg <offset>`. The frame
//! base is the CFA (`DW_OP_call_frame_cfa`, rbp+16 / x29+16), and the back
//! ends report where each stack slot sits from it (`Object::frames`).
//!
//! Why stack homes rather than location lists over the register allocation:
//! every variable keeps a home slot that `mem2reg` keeps storing to (it still
//! promotes the reads), so the value the debugger reads is exact at every
//! statement and one location describes it for the whole function. Location
//! lists would need the allocator and both emitters to report, per value,
//! which register or spill slot holds it over which code range, and the
//! passes to track which SSA value is which variable after every rewrite;
//! values the allocator lets die early would still show as `<optimized
//! out>`. The homes cost one store per assignment and nothing in the
//! allocator; `--strip` builds drop them (see `compile_module_opt`).
//!
//! Types are made once per compile unit, keyed by their structure (structs by
//! name), so a struct that points at itself ends.

use crate::ir::{DebugBase, DebugInfo, DebugType, Function, Linkage, Module, Span};
use crate::obj::{Arch, LineRow, Object, Reloc, RelocKind, Section, SectionId, SectionKind};
use gimli::write::{
    Address, AttributeValue, CallFrameInstruction as Cfa, CommonInformationEntry, DwarfUnit, EndianVec, Expression,
    FileId, FrameDescriptionEntry, FrameTable, LineProgram, LineString, RelocateWriter, Relocation, RelocationTarget,
    Sections, UnitEntryId,
};
use std::collections::HashMap;
use gimli::{Encoding, Format, LineEncoding, LittleEndian};

/// What `DW_AT_producer` says.
const PRODUCER: &str = concat!("dc ", env!("CARGO_PKG_VERSION"));

/// The name given to the file table when the object has no source files.
const NO_FILE: &str = "<unknown>";

/// Append the debug sections for `module`'s functions, already compiled into
/// `obj`. `vars[i]` describes the variables of `module.functions[i]` as
/// compiled (its slots numbered as in `obj.frames`); missing entries mean no
/// variables. Does nothing if none of the functions is in `obj`.
pub fn emit(obj: &mut Object, module: &Module, vars: &[DebugInfo]) -> Result<(), String> {
    let funcs = functions_in(obj, module, vars);
    if funcs.is_empty() {
        return Ok(());
    }
    let mut sections = Sections::new(RelocWriter::new());
    let mut unit = debug_info(obj, &funcs);
    unit.write(&mut sections).map_err(|e| format!("writing DWARF debug info: {}", e))?;
    frame_table(obj, &funcs).write_debug_frame(&mut sections.debug_frame).map_err(|e| format!("writing DWARF frame info: {}", e))?;
    append_sections(obj, &sections, &funcs)
}

/// A function of the module as placed in the object's `.text`. Its index in
/// the list `functions_in` returns is its gimli `Address::Symbol` number.
struct Func<'m> {
    f: &'m Function,
    start: u64,
    size: u64,
    vars: Option<&'m DebugInfo>,
}

fn functions_in<'m>(obj: &Object, module: &'m Module, vars: &'m [DebugInfo]) -> Vec<Func<'m>> {
    let mut funcs: Vec<Func> = module
        .functions
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let s = obj.symbols.iter().find(|s| s.name == f.name && s.is_func && s.section == Some(Object::TEXT))?;
            Some(Func { f, start: s.offset, size: s.size, vars: vars.get(i) })
        })
        .collect();
    funcs.sort_by_key(|f| f.start);
    funcs
}

fn sym(i: usize) -> Address {
    Address::Symbol { symbol: i, addend: 0 }
}

// ---------------------------------------------------------------------------
// .debug_info and .debug_line

fn debug_info(obj: &Object, funcs: &[Func]) -> DwarfUnit {
    let encoding = Encoding { format: Format::Dwarf32, version: 4, address_size: 8 };
    // Relative source paths are relative to where dc ran; that is what
    // DW_AT_comp_dir tells the debugger.
    let comp_dir = std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_else(|_| ".".to_string());
    let main_file = obj.files.first().map(String::as_str).unwrap_or(NO_FILE);
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        LineString::String(comp_dir.clone().into_bytes()),
        LineString::String(main_file.as_bytes().to_vec()),
        None,
    );

    // The file table: `Span::file` indexes `obj.files`.
    let mut file_ids: Vec<FileId> = Vec::new();
    for path in obj.files.iter().map(String::as_str).chain(obj.files.is_empty().then_some(NO_FILE)) {
        let dir = match path.rfind('/') {
            Some(0) => Some(("/", &path[1..])),
            Some(i) => Some((&path[..i], &path[i + 1..])),
            None => None,
        };
        let id = match dir {
            Some((d, name)) => {
                let dir_id = program.add_directory(LineString::String(d.as_bytes().to_vec()));
                program.add_file(LineString::String(name.as_bytes().to_vec()), dir_id, None)
            }
            None => {
                let dir_id = program.default_directory();
                program.add_file(LineString::String(path.as_bytes().to_vec()), dir_id, None)
            }
        };
        file_ids.push(id);
    }
    // A span with no usable file still needs some file; its line is 0 (no source).
    let place = |span: Span| -> (FileId, u64, u64) {
        match file_ids.get(span.file as usize) {
            Some(&id) => (id, span.line as u64, span.col as u64),
            None => (file_ids[0], 0, 0),
        }
    };

    let mut rows: Vec<&LineRow> = obj.lines.iter().filter(|r| r.section == Object::TEXT).collect();
    rows.sort_by_key(|r| r.offset);
    for (i, func) in funcs.iter().enumerate() {
        let end = func.start + func.size;
        let first = rows.partition_point(|r| r.offset < func.start);
        let last = rows.partition_point(|r| r.offset < end);
        let mine = &rows[first..last];
        program.begin_sequence(Some(sym(i)));
        // The function's own line covers any code before its first row.
        if mine.first().map_or(true, |r| r.offset > func.start) {
            let (file, line, column) = place(func.f.span);
            let row = program.row();
            row.address_offset = 0;
            (row.file, row.line, row.column) = (file, line, column);
            row.is_statement = true;
            program.generate_row();
        }
        // The first row after the function's start is where its body begins:
        // the back ends emit the prologue under the function's own span.
        let mut prologue_done = false;
        for r in mine {
            let (file, line, column) = place(r.span);
            let row = program.row();
            row.address_offset = r.offset - func.start;
            (row.file, row.line, row.column) = (file, line, column);
            row.is_statement = r.is_stmt;
            if !prologue_done && r.offset > func.start {
                row.prologue_end = true;
                prologue_done = true;
            }
            program.generate_row();
        }
        program.end_sequence(func.size);
    }

    let mut dwarf = DwarfUnit::new(encoding);
    dwarf.unit.line_program = program;
    let producer = dwarf.strings.add(PRODUCER);
    let name = dwarf.strings.add(main_file);
    let dir = dwarf.strings.add(comp_dir);
    let root = dwarf.unit.root();
    let cu = dwarf.unit.get_mut(root);
    cu.set(gimli::DW_AT_producer, AttributeValue::StringRef(producer));
    cu.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
    cu.set(gimli::DW_AT_comp_dir, AttributeValue::StringRef(dir));
    // The object's functions are contiguous in its .text: one range covers them.
    // (dusk has no DWARF language code; gdb then uses its "minimal" language,
    // which is enough for breakpoints, stepping and backtraces.)
    let last = funcs.last().expect("emit checks there are functions");
    cu.set(gimli::DW_AT_low_pc, AttributeValue::Address(sym(0)));
    cu.set(gimli::DW_AT_high_pc, AttributeValue::Udata(last.start + last.size - funcs[0].start));

    let frames: HashMap<&str, &[i64]> = obj.frames.iter().map(|fr| (fr.func.as_str(), fr.cfa_offsets.as_slice())).collect();
    let mut types = TypeDies::default();
    for (i, func) in funcs.iter().enumerate() {
        let f = func.f;
        let source_name = if f.source_name.is_empty() { &f.name } else { &f.source_name };
        // No DW_AT_linkage_name: gdb would then call the function by its
        // link name (`mid.1`). The ELF symbol still maps one to the other.
        let name = dwarf.strings.add(source_name.as_str());
        let id = dwarf.unit.add(root, gimli::DW_TAG_subprogram);
        let die = dwarf.unit.get_mut(id);
        die.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
        if f.linkage == Linkage::Global {
            die.set(gimli::DW_AT_external, AttributeValue::Flag(true));
        }
        let (file, line, _) = place(f.span);
        if line != 0 {
            die.set(gimli::DW_AT_decl_file, AttributeValue::FileIndex(Some(file)));
            die.set(gimli::DW_AT_decl_line, AttributeValue::Udata(line));
        }
        die.set(gimli::DW_AT_low_pc, AttributeValue::Address(sym(i)));
        die.set(gimli::DW_AT_high_pc, AttributeValue::Udata(func.size));
        // Locals will be addressed from the CFA (see the module comment).
        let mut frame_base = Expression::new();
        frame_base.op(gimli::DW_OP_call_frame_cfa);
        die.set(gimli::DW_AT_frame_base, AttributeValue::Exprloc(frame_base));

        let (Some(info), Some(slots)) = (func.vars, frames.get(f.name.as_str())) else { continue };
        types.this_function.clear();
        types.this_function.resize(info.types.len(), None);
        for v in &info.vars {
            let Some(&at) = slots.get(v.slot.0 as usize) else { continue };
            let Some(ty) = types.die(&mut dwarf, &info.types, v.ty) else { continue };
            let tag = if v.param { gimli::DW_TAG_formal_parameter } else { gimli::DW_TAG_variable };
            let name = dwarf.strings.add(v.name.as_str());
            let var = dwarf.unit.add(id, tag);
            let die = dwarf.unit.get_mut(var);
            die.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
            let (file, line, _) = place(v.span);
            if line != 0 {
                die.set(gimli::DW_AT_decl_file, AttributeValue::FileIndex(Some(file)));
                die.set(gimli::DW_AT_decl_line, AttributeValue::Udata(line));
            }
            die.set(gimli::DW_AT_type, AttributeValue::UnitRef(ty));
            let mut loc = Expression::new();
            loc.op_fbreg(at);
            die.set(gimli::DW_AT_location, AttributeValue::Exprloc(loc));
        }
    }
    dwarf
}

/// The compile unit's type DIEs, made on first use.
#[derive(Default)]
struct TypeDies {
    by_key: HashMap<String, UnitEntryId>,
    /// The DIE of each type of the current function's table, once known
    /// (spares building its key again for every variable of that type).
    this_function: Vec<Option<UnitEntryId>>,
}

/// How deep type descriptions may nest before we stop describing them (a
/// malformed table could otherwise recurse without end).
const MAX_TYPE_DEPTH: u32 = 64;

impl TypeDies {
    /// The DIE of `types[i]`, a type of one function's table.
    fn die(&mut self, dwarf: &mut DwarfUnit, types: &[DebugType], i: u32) -> Option<UnitEntryId> {
        if let Some(&Some(id)) = self.this_function.get(i as usize) {
            return Some(id);
        }
        let id = self.die_at(dwarf, types, i, 0)?;
        if let Some(slot) = self.this_function.get_mut(i as usize) {
            *slot = Some(id);
        }
        Some(id)
    }

    fn die_at(&mut self, dwarf: &mut DwarfUnit, types: &[DebugType], i: u32, depth: u32) -> Option<UnitEntryId> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        let key = type_key(types, i, 0)?;
        if let Some(&id) = self.by_key.get(&key) {
            return Some(id);
        }
        let root = dwarf.unit.root();
        let id = match &types[i as usize] {
            DebugType::Base { name, size, base } => {
                let id = dwarf.unit.add(root, gimli::DW_TAG_base_type);
                let name = dwarf.strings.add(name.as_str());
                let die = dwarf.unit.get_mut(id);
                die.set(gimli::DW_AT_name, AttributeValue::StringRef(name));
                die.set(gimli::DW_AT_byte_size, AttributeValue::Udata(*size as u64));
                let enc = match base {
                    DebugBase::Signed => gimli::DW_ATE_signed,
                    DebugBase::Unsigned => gimli::DW_ATE_unsigned,
                    DebugBase::Float => gimli::DW_ATE_float,
                    DebugBase::Bool => gimli::DW_ATE_boolean,
                    DebugBase::Char => gimli::DW_ATE_unsigned_char,
                    DebugBase::Rune => gimli::DW_ATE_UTF,
                };
                die.set(gimli::DW_AT_encoding, AttributeValue::Encoding(enc));
                self.by_key.insert(key, id);
                id
            }
            DebugType::Pointer { name, to } => {
                // The pointee first: it may be the struct this pointer is a
                // member of, which is then already registered.
                let target = match to {
                    Some(t) => Some(self.die_at(dwarf, types, *t, depth + 1)?),
                    None => None,
                };
                let ptr = dwarf.unit.add(root, gimli::DW_TAG_pointer_type);
                let die = dwarf.unit.get_mut(ptr);
                die.set(gimli::DW_AT_byte_size, AttributeValue::Udata(8));
                if let Some(t) = target {
                    die.set(gimli::DW_AT_type, AttributeValue::UnitRef(t));
                }
                let id = match name {
                    Some(n) => {
                        let td = dwarf.unit.add(root, gimli::DW_TAG_typedef);
                        let n = dwarf.strings.add(n.as_str());
                        let die = dwarf.unit.get_mut(td);
                        die.set(gimli::DW_AT_name, AttributeValue::StringRef(n));
                        die.set(gimli::DW_AT_type, AttributeValue::UnitRef(ptr));
                        td
                    }
                    None => ptr,
                };
                self.by_key.insert(key, id);
                id
            }
            DebugType::Struct { name, size, members } => {
                let id = dwarf.unit.add(root, gimli::DW_TAG_structure_type);
                let n = dwarf.strings.add(name.as_str());
                let die = dwarf.unit.get_mut(id);
                die.set(gimli::DW_AT_name, AttributeValue::StringRef(n));
                die.set(gimli::DW_AT_byte_size, AttributeValue::Udata(*size as u64));
                // Registered before its members so a member pointing back
                // at the struct finds it.
                self.by_key.insert(key, id);
                for m in members {
                    let Some(ty) = self.die_at(dwarf, types, m.ty, depth + 1) else { continue };
                    let mid = dwarf.unit.add(id, gimli::DW_TAG_member);
                    let n = dwarf.strings.add(m.name.as_str());
                    let die = dwarf.unit.get_mut(mid);
                    die.set(gimli::DW_AT_name, AttributeValue::StringRef(n));
                    die.set(gimli::DW_AT_type, AttributeValue::UnitRef(ty));
                    die.set(gimli::DW_AT_data_member_location, AttributeValue::Udata(m.offset as u64));
                }
                id
            }
            DebugType::Array { elem, count } => {
                let elem = self.die_at(dwarf, types, *elem, depth + 1)?;
                let id = dwarf.unit.add(root, gimli::DW_TAG_array_type);
                dwarf.unit.get_mut(id).set(gimli::DW_AT_type, AttributeValue::UnitRef(elem));
                let sub = dwarf.unit.add(id, gimli::DW_TAG_subrange_type);
                dwarf.unit.get_mut(sub).set(gimli::DW_AT_count, AttributeValue::Udata(*count));
                self.by_key.insert(key, id);
                id
            }
        };
        Some(id)
    }
}

/// A name for `types[i]` that is equal for equal types of different
/// functions' tables. Structs are named by their name and size alone, which
/// is what keeps the recursion finite. `None` for an index out of range.
fn type_key(types: &[DebugType], i: u32, depth: u32) -> Option<String> {
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    Some(match types.get(i as usize)? {
        DebugType::Base { name, size, base } => format!("b{:?}{}:{}", base, size, name),
        DebugType::Pointer { name, to } => {
            let to = match to {
                Some(t) => type_key(types, *t, depth + 1)?,
                None => String::new(),
            };
            format!("p{}:({})", name.as_deref().unwrap_or(""), to)
        }
        DebugType::Struct { name, size, .. } => format!("s{}:{}", size, name),
        DebugType::Array { elem, count } => format!("a{}:({})", count, type_key(types, *elem, depth + 1)?),
    })
}

// ---------------------------------------------------------------------------
// .debug_frame

/// One CIE for the machine and an FDE per function whose frame we recognise
/// (a function without one is still debuggable; gdb falls back to its own
/// prologue analysis there).
fn frame_table(obj: &Object, funcs: &[Func]) -> FrameTable {
    // CIE version 1: the .debug_frame format every consumer reads.
    let encoding = Encoding { format: Format::Dwarf32, version: 1, address_size: 8 };
    let mut table = FrameTable::default();
    let text = &obj.sections[Object::TEXT.0 as usize].bytes;
    let cie = match obj.arch {
        Arch::X86_64 => {
            use gimli::X86_64 as R;
            // At a call's target the CFA is rsp+8 and the return address is at CFA-8.
            let mut cie = CommonInformationEntry::new(encoding, 1, -8, R::RA);
            cie.add_instruction(Cfa::Cfa(R::RSP, 8));
            cie.add_instruction(Cfa::Offset(R::RA, -8));
            cie.add_instruction(Cfa::SameValue(R::RBP));
            cie
        }
        Arch::Aarch64 => {
            use gimli::AArch64 as R;
            // At a call's target the CFA is sp and the return address is in x30.
            let mut cie = CommonInformationEntry::new(encoding, 4, -8, R::X30);
            cie.add_instruction(Cfa::Cfa(R::SP, 0));
            cie.add_instruction(Cfa::SameValue(R::X29));
            cie.add_instruction(Cfa::SameValue(R::X30));
            cie
        }
    };
    let cie = table.add_cie(cie);
    // One decoder and one instruction buffer for all x86-64 functions: making
    // a decoder costs about as much as decoding a small function.
    let mut x86 = X86Code { decoder: iced_x86::Decoder::new(64, text, iced_x86::DecoderOptions::NONE), insts: Vec::new() };
    for (i, func) in funcs.iter().enumerate() {
        let Some(code) = text.get(func.start as usize..(func.start + func.size) as usize) else { continue };
        let Ok(len) = u32::try_from(func.size) else { continue };
        let steps = match obj.arch {
            Arch::X86_64 => x86.decode(func.start as usize, code.len()).and_then(|insts| x86_64_frame(insts, code.len())),
            Arch::Aarch64 => aarch64_frame(code),
        };
        let Some(steps) = steps else { continue };
        let mut fde = FrameDescriptionEntry::new(sym(i), len);
        for (offset, inst) in steps {
            fde.add_instruction(offset, inst);
        }
        table.add_fde(cie, fde);
    }
    table
}

/// The frame changes along an x86-64 function, as (code offset after which
/// the change holds, change). The back end's frame is
///
///   push rbp; mov rbp, rsp; push <callee-saved>...; sub rsp, N
///   ... body, with CFA = rbp+16 throughout ...
///   (leave | lea rsp, [rbp-k]; pop <callee-saved>...; pop rbp); ret
///
/// with any number of epilogues. The code is decoded rather than described by
/// the back end, so the table follows what was really emitted; `None` if the
/// function does not start with that prologue.
/// Decodes the functions of an x86-64 `.text`.
struct X86Code<'t> {
    decoder: iced_x86::Decoder<'t>,
    insts: Vec<iced_x86::Instruction>,
}

impl X86Code<'_> {
    /// The instructions of the `len` bytes at `start`, addressed from 0.
    fn decode(&mut self, start: usize, len: usize) -> Option<&[iced_x86::Instruction]> {
        self.insts.clear();
        self.decoder.set_position(start).ok()?;
        self.decoder.set_ip(0);
        while self.decoder.can_decode() && self.decoder.position() < start + len {
            self.insts.push(self.decoder.decode());
        }
        Some(&self.insts)
    }
}

fn x86_64_frame(insts: &[iced_x86::Instruction], code_len: usize) -> Option<Vec<(u32, Cfa)>> {
    use gimli::X86_64 as R;
    use iced_x86::{Code, Register as X};
    let end = |k: usize| insts[k].next_ip() as u32;
    let is = |k: usize, c: Code, r0: X| insts.get(k).is_some_and(|i| i.code() == c && i.op0_register() == r0);
    if !is(0, Code::Push_r64, X::RBP) || !(is(1, Code::Mov_rm64_r64, X::RBP) || is(1, Code::Mov_r64_rm64, X::RBP)) || insts[1].op1_register() != X::RSP {
        return None;
    }
    let mut steps = vec![(end(0), Cfa::CfaOffset(16)), (end(0), Cfa::Offset(R::RBP, -16)), (end(1), Cfa::CfaRegister(R::RBP))];
    // Callee-saved registers pushed right below the saved rbp.
    let mut k = 2;
    let mut at = -16;
    while let Some(i) = insts.get(k).filter(|i| i.code() == Code::Push_r64) {
        let reg = match i.op0_register() {
            X::RBX => R::RBX,
            X::R12 => R::R12,
            X::R13 => R::R13,
            X::R14 => R::R14,
            X::R15 => R::R15,
            _ => break,
        };
        at -= 8;
        steps.push((end(k), Cfa::Offset(reg, at)));
        k += 1;
    }
    // Epilogues: once rbp is restored the CFA is rsp+8 until the ret; code
    // after that ret is body again, with the frame as the prologue left it
    // (the callee-saved rules never changed).
    let mut in_epilogue = false;
    for k in k..insts.len() {
        let i = &insts[k];
        if i.code() == Code::Leaveq || (i.code() == Code::Pop_r64 && i.op0_register() == X::RBP) {
            steps.push((end(k), Cfa::Cfa(R::RSP, 8)));
            steps.push((end(k), Cfa::SameValue(R::RBP)));
            in_epilogue = true;
        } else if i.code() == Code::Retnq && in_epilogue {
            if (end(k) as usize) < code_len {
                steps.push((end(k), Cfa::Cfa(R::RBP, 16)));
                steps.push((end(k), Cfa::Offset(R::RBP, -16)));
            }
            in_epilogue = false;
        }
    }
    Some(steps)
}

/// AArch64 instruction words of the back end's frame setup and teardown.
const STP_FP_LR_PRE: u32 = 0xa9bf_7bfd; // stp x29, x30, [sp, #-16]!
const MOV_FP_SP: u32 = 0x9100_03fd; // mov x29, sp
const LDP_FP_LR_POST: u32 = 0xa8c1_7bfd; // ldp x29, x30, [sp], #16
const RET: u32 = 0xd65f_03c0; // ret

/// The frame changes along an AArch64 function (see `x86_64_frame`). The
/// back end's frame is
///
///   stp x29, x30, [sp, #-16]!; mov x29, sp; sub sp, ...; str <callee-saved>...
///   ... body, with CFA = x29+16 ...
///   ldr <callee-saved>...; mov sp, x29; ldp x29, x30, [sp], #16; ret
///
/// The callee-saved registers are stored at sp-relative offsets the frame
/// layout chooses; they are not described (backtraces do not need them, but
/// gdb shows their current values in outer frames). The back end could
/// report them with the frame if that ever matters.
fn aarch64_frame(code: &[u8]) -> Option<Vec<(u32, Cfa)>> {
    use gimli::AArch64 as R;
    let words: Vec<u32> = code.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect();
    if words.len() < 2 || words[0] != STP_FP_LR_PRE || words[1] != MOV_FP_SP {
        return None;
    }
    let mut steps = vec![(4, Cfa::CfaOffset(16)), (4, Cfa::Offset(R::X29, -16)), (4, Cfa::Offset(R::X30, -8)), (8, Cfa::CfaRegister(R::X29))];
    let mut in_epilogue = false;
    for (k, &w) in words.iter().enumerate().skip(2) {
        let after = 4 * (k as u32 + 1);
        if w == LDP_FP_LR_POST {
            steps.push((after, Cfa::Cfa(R::SP, 0)));
            steps.push((after, Cfa::SameValue(R::X29)));
            steps.push((after, Cfa::SameValue(R::X30)));
            in_epilogue = true;
        } else if w == RET && in_epilogue {
            if (after as usize) < code.len() {
                steps.push((after, Cfa::Cfa(R::X29, 16)));
                steps.push((after, Cfa::Offset(R::X29, -16)));
                steps.push((after, Cfa::Offset(R::X30, -8)));
            }
            in_epilogue = false;
        }
    }
    Some(steps)
}

// ---------------------------------------------------------------------------
// Sections and relocations

/// A gimli section writer that keeps the relocations gimli asks for.
#[derive(Clone)]
struct RelocWriter {
    bytes: EndianVec<LittleEndian>,
    relocs: Vec<Relocation>,
}

impl RelocWriter {
    fn new() -> RelocWriter {
        RelocWriter { bytes: EndianVec::new(LittleEndian), relocs: Vec::new() }
    }
}

impl RelocateWriter for RelocWriter {
    type Writer = EndianVec<LittleEndian>;
    fn writer(&self) -> &Self::Writer {
        &self.bytes
    }
    fn writer_mut(&mut self) -> &mut Self::Writer {
        &mut self.bytes
    }
    fn relocate(&mut self, r: Relocation) {
        self.relocs.push(r);
    }
}

/// The local symbol at the start of debug section `id`, which offsets into
/// that section are relocated against. The name cannot clash with a dusk
/// symbol or a string literal's `.Lstr.N`.
fn section_symbol(id: gimli::SectionId) -> String {
    format!(".Ldwarf{}", id.name())
}

/// Add gimli's sections to `obj`: their bytes, a start symbol for each, and
/// their relocations.
fn append_sections(obj: &mut Object, sections: &Sections<RelocWriter>, funcs: &[Func]) -> Result<(), String> {
    // A section is needed if it has bytes or something points into it.
    let mut referenced = Vec::new();
    sections
        .for_each(|_, w| {
            for r in &w.relocs {
                if let RelocationTarget::Section(id) = r.target {
                    referenced.push(id);
                }
            }
            Ok::<(), ()>(())
        })
        .ok();
    let mut added: Vec<(gimli::SectionId, SectionId, &RelocWriter)> = Vec::new();
    sections
        .for_each(|id, w| {
            if !w.bytes.slice().is_empty() || referenced.contains(&id) {
                let sid = SectionId(obj.sections.len() as u32);
                obj.sections.push(Section { name: id.name().to_string(), kind: SectionKind::ReadOnly, bytes: w.bytes.slice().to_vec(), bss_size: 0, align: 1 });
                obj.define(&section_symbol(id), sid, 0, 0, false, false);
                added.push((id, sid, w));
            }
            Ok::<(), ()>(())
        })
        .ok();
    for (id, sid, w) in added {
        for r in &w.relocs {
            let kind = match (r.size, r.eh_pe) {
                (4, None) => RelocKind::Abs32,
                (8, None) => RelocKind::Abs64,
                _ => return Err(format!("DWARF: unexpected {}-byte relocation in {}", r.size, id.name())),
            };
            let symbol = match r.target {
                RelocationTarget::Symbol(i) => funcs[i].f.name.clone(),
                RelocationTarget::Section(s) => section_symbol(s),
            };
            obj.relocs.push(Reloc { section: sid, offset: r.offset as u64, kind, symbol, addend: r.addend });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
