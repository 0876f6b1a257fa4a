//! dc's back end: the SSA IR (`ir`), its passes, register allocation, the
//! per-ISA code generators behind one `isa::Isa` trait, the in-memory object
//! (`obj`), ELF writing (`elf`) and the static linker (`link`).

pub mod asm;
pub mod cfg;
pub mod dwarf;
pub mod elf;
pub mod ir;
pub mod isa;
pub mod link;
pub mod obj;
pub mod passes;
pub mod print;
pub mod regalloc;
pub mod verify;

pub use obj::Arch;

/// Compile a whole IR module for `arch` into an in-memory object: data into
/// `.rodata`/`.data`, every function, optimised, into `.text`, and DWARF
/// debug information for them into `.debug_*` sections.
pub fn compile_module(m: &ir::Module, arch: Arch) -> Result<obj::Object, String> {
    compile_module_opt(m, arch, true, true)
}

/// `compile_module`, choosing whether the IR passes run (`opt`); without
/// them each function is compiled exactly as lowered.
/// `opt` runs the IR passes; `debug` adds DWARF (`dc build --strip` leaves it out).
pub fn compile_module_opt(m: &ir::Module, arch: Arch, opt: bool, debug: bool) -> Result<obj::Object, String> {
    let isa = isa::for_arch(arch);
    let mut o = obj::Object::new(arch);
    o.files = m.files.clone();
    for d in &m.data {
        let zeroed = !d.readonly && d.relocs.is_empty() && d.bytes.iter().all(|&b| b == 0);
        let sec = if d.readonly {
            obj::Object::RODATA
        } else if zeroed {
            obj::Object::BSS
        } else {
            obj::Object::DATA
        };
        let off = o.append(sec, &d.bytes, d.align.max(1) as u64);
        o.define(&d.name, sec, off, d.bytes.len() as u64, d.linkage == ir::Linkage::Global, false);
        for r in &d.relocs {
            o.relocs.push(obj::Reloc { section: sec, offset: off + r.offset as u64, kind: obj::RelocKind::Abs64, symbol: r.symbol.clone(), addend: r.addend });
        }
    }
    // The debug tables of the functions as compiled: the passes renumber
    // the slots their variables live in.
    let mut debug_tables: Vec<ir::DebugInfo> = Vec::new();
    for f in &m.functions {
        verify::verify_function(f).map_err(|e| format!("IR verifier: {}: {}", f.name, e))?;
    }
    if opt {
        for f in optimize_functions(&m.functions, debug)? {
            isa.compile_function(&f, &mut o)?;
            if debug {
                debug_tables.push(f.debug);
            }
        }
    } else {
        for f in &m.functions {
            isa.compile_function(f, &mut o)?;
            if debug {
                debug_tables.push(f.debug.clone());
            }
        }
    }
    if debug {
        dwarf::emit(&mut o, m, &debug_tables)?;
    }
    Ok(o)
}

/// The functions after the IR passes and the inliner, as the ISA sees them
/// (`--emit ir` prints these too).
pub fn optimize_functions(functions: &[ir::Function], debug: bool) -> Result<Vec<ir::Function>, String> {
    let mut fs = functions.to_vec();
    for f in &mut fs {
        if !debug {
            // Without a debugger nothing reads the variables' homes:
            // let mem2reg drop their stores too.
            f.debug = ir::DebugInfo::default();
        }
        passes::optimize(f).map_err(|e| format!("IR verifier: {}: {}", f.name, e))?;
    }
    passes::inline::run(&mut fs)?;
    Ok(fs)
}

/// `--emit asm`: every function symbol of `.text` with its disassembly.
pub fn listing(o: &obj::Object, isa: &dyn isa::Isa) -> String {
    let text = &o.sections[obj::Object::TEXT.0 as usize].bytes;
    let mut funcs: Vec<&obj::Symbol> = o.symbols.iter().filter(|s| s.is_func && s.section == Some(obj::Object::TEXT)).collect();
    funcs.sort_by_key(|s| s.offset);
    let mut out = String::new();
    for s in funcs {
        let end = (s.offset + s.size).min(text.len() as u64) as usize;
        out.push_str(&format!("{}:\n", s.name));
        out.push_str(&isa.disassemble(&text[s.offset as usize..end], s.offset));
        out.push('\n');
    }
    out
}
