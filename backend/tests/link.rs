//! Tests for ELF object writing (`elf.rs`), the static linker (`link.rs`) and
//! the entry assembly (`asm.rs`): tiny programs built from hand-encoded
//! machine code, linked with `_start`, then run (AArch64 under qemu-aarch64).

use dc_backend::obj::{Arch, Object, Reloc, RelocKind, SectionId};
use dc_backend::{asm, elf, link};
use std::path::PathBuf;
use std::process::Command;

const TEXT: SectionId = Object::TEXT;
const RODATA: SectionId = Object::RODATA;
const DATA: SectionId = Object::DATA;
const BSS: SectionId = Object::BSS;

fn reloc(o: &mut Object, section: SectionId, offset: u64, kind: RelocKind, symbol: &str, addend: i64) {
    o.relocs.push(Reloc { section, offset, kind, symbol: symbol.to_string(), addend });
}

/// AArch64 instruction words, little-endian.
fn words(ws: &[u32]) -> Vec<u8> {
    ws.iter().flat_map(|w| w.to_le_bytes()).collect()
}

fn tmp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("dc-link-test-{}-{}", std::process::id(), name))
}

/// Write `exe` to a temporary file, make it executable, run it (through
/// `runner` if given) and return (stdout, exit code).
fn run(exe: &[u8], name: &str, runner: Option<&str>) -> (String, i32) {
    use std::os::unix::fs::PermissionsExt;
    let path = tmp_path(name);
    std::fs::write(&path, exe).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = match runner {
        Some(r) => Command::new(r).arg(&path).output(),
        None => Command::new(&path).output(),
    }
    .unwrap();
    // DC_TEST_KEEP=1 keeps the executables for a look with readelf or gdb.
    if std::env::var_os("DC_TEST_KEEP").is_some() {
        eprintln!("kept {}", path.display());
    } else {
        std::fs::remove_file(&path).ok();
    }
    (String::from_utf8_lossy(&out.stdout).into_owned(), out.status.code().unwrap_or(-1))
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().map(|o| o.status.success()).unwrap_or(false)
}

/// Run a tool on `bytes` written to a file; return its stdout, failing the
/// test if it wrote anything to stderr (readelf warns about malformed files).
fn inspect(tool: &str, args: &[&str], bytes: &[u8], name: &str) -> String {
    let path = tmp_path(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(tool).args(args).arg(&path).output().unwrap();
    std::fs::remove_file(&path).ok();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && err.is_empty(), "{} {:?} failed: {}", tool, args, err);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ---------------------------------------------------------------------------
// x86-64

/// `__dc_entry`: write(1, msg, len); exit_group(argc + 41).
fn x86_hello() -> Object {
    let msg = b"hello from dc\n";
    let mut o = Object::new(Arch::X86_64);
    let m = o.append(RODATA, msg, 1);
    o.define("msg", RODATA, m, msg.len() as u64, false, false);
    #[rustfmt::skip]
    let code: Vec<u8> = [
        &[0x48, 0x89, 0xfb][..],                 // mov rbx, rdi      (argc)
        &[0xb8, 0x01, 0, 0, 0],                  // mov eax, 1        (write)
        &[0xbf, 0x01, 0, 0, 0],                  // mov edi, 1
        &[0x48, 0x8d, 0x35, 0, 0, 0, 0],         // lea rsi, [rip + msg]
        &[0xba, msg.len() as u8, 0, 0, 0],       // mov edx, len
        &[0x0f, 0x05],                           // syscall
        &[0x8d, 0x7b, 0x29],                     // lea edi, [rbx + 41]
        &[0xb8, 0xe7, 0, 0, 0],                  // mov eax, 231      (exit_group)
        &[0x0f, 0x05],                           // syscall
    ].concat();
    let f = o.append(TEXT, &code, 16);
    o.define("__dc_entry", TEXT, f, code.len() as u64, true, true);
    reloc(&mut o, TEXT, f + 16, RelocKind::X86PcRel32, "msg", -4);
    asm::entry_x86_64(&mut o);
    o
}

#[test]
fn x86_hello_runs() {
    let o = x86_hello();
    let exe = link::link(&[elf::write_object(&o).unwrap()], "_start").unwrap();
    if !cfg!(target_arch = "x86_64") {
        eprintln!("note: not an x86-64 host; x86_hello_runs only links");
        return;
    }
    assert_eq!(run(&exe, "x86-hello", None), ("hello from dc\n".to_string(), 42));
}

#[test]
fn x86_object_has_expected_relocations() {
    let obj = elf::write_object(&x86_hello()).unwrap();
    if !have("objdump") {
        eprintln!("note: objdump missing; skipping");
        return;
    }
    let dump = inspect("objdump", &["-dr"], &obj, "x86-hello.o");
    assert!(dump.contains("R_X86_64_PC32\tmsg-0x4"), "{}", dump);
    assert!(dump.contains("R_X86_64_PLT32\t__dc_entry-0x4"), "{}", dump);
    assert!(dump.contains("<_start>:"), "{}", dump);
    let syms = inspect("readelf", &["-sS"], &obj, "x86-hello-s.o");
    assert!(syms.contains("Advanced Micro Devices X86-64") || syms.contains(".text"), "{}", syms);
    let header = inspect("readelf", &["-h"], &obj, "x86-hello-h.o");
    assert!(header.contains("REL (Relocatable file)") && header.contains("X86-64"), "{}", header);
}

/// Two objects that call each other, a pointer in .data (an Abs64
/// relocation) to a variable in the other object's .bss.
fn x86_pair() -> (Object, Object) {
    let mut a = Object::new(Arch::X86_64);
    #[rustfmt::skip]
    let entry: Vec<u8> = [
        &[0xbf, 20, 0, 0, 0][..],                // mov edi, 20
        &[0xe8, 0, 0, 0, 0],                     // call helper
        &[0x48, 0x8b, 0x0d, 0, 0, 0, 0],         // mov rcx, [rip + counter_ptr]
        &[0x03, 0x01],                           // add eax, [rcx]
        &[0x89, 0xc7],                           // mov edi, eax
        &[0xb8, 0xe7, 0, 0, 0],                  // mov eax, 231
        &[0x0f, 0x05],                           // syscall
    ].concat();
    let f = a.append(TEXT, &entry, 16);
    a.define("__dc_entry", TEXT, f, entry.len() as u64, true, true);
    reloc(&mut a, TEXT, f + 6, RelocKind::X86Plt32, "helper", -4);
    reloc(&mut a, TEXT, f + 13, RelocKind::X86PcRel32, "counter_ptr", -4);
    let double = [0x8d, 0x04, 0x3f, 0xc3]; // lea eax, [rdi + rdi]; ret
    let d = a.append(TEXT, &double, 16);
    a.define("double", TEXT, d, 4, true, true);
    let c = a.append(BSS, &[0; 8], 8);
    a.define("counter", BSS, c, 8, true, false);
    asm::entry_x86_64(&mut a);

    let mut b = Object::new(Arch::X86_64);
    #[rustfmt::skip]
    let helper: Vec<u8> = [
        &[0x48, 0x83, 0xec, 0x08][..],           // sub rsp, 8
        &[0x48, 0x8b, 0x05, 0, 0, 0, 0],         // mov rax, [rip + counter_ptr]
        &[0x48, 0xc7, 0x00, 2, 0, 0, 0],         // mov qword [rax], 2
        &[0xe8, 0, 0, 0, 0],                     // call double
        &[0x48, 0x83, 0xc4, 0x08],               // add rsp, 8
        &[0xc3],                                 // ret
    ].concat();
    let h = b.append(TEXT, &helper, 16);
    b.define("helper", TEXT, h, helper.len() as u64, true, true);
    reloc(&mut b, TEXT, h + 7, RelocKind::X86PcRel32, "counter_ptr", -4);
    reloc(&mut b, TEXT, h + 19, RelocKind::X86Plt32, "double", -4);
    let p = b.append(DATA, &[0; 8], 8);
    b.define("counter_ptr", DATA, p, 8, true, false);
    reloc(&mut b, DATA, p, RelocKind::Abs64, "counter", 0);
    (a, b)
}

#[test]
fn x86_two_objects_link_and_run() {
    let (a, b) = x86_pair();
    let exe = link::link_objects(&[a, b], "_start").unwrap();
    if cfg!(target_arch = "x86_64") {
        assert_eq!(run(&exe, "x86-pair", None), (String::new(), 42));
    }
    if have("readelf") {
        let info = inspect("readelf", &["-lSs"], &exe, "x86-pair");
        for want in ["LOAD", "GNU_STACK", ".text", ".data", ".bss", ".symtab", "_start", "__dc_entry", "helper", "double", "counter_ptr"] {
            assert!(info.contains(want), "readelf output lacks {}:\n{}", want, info);
        }
        assert!(!info.contains(".rodata"), "no .rodata was linked in:\n{}", info);
    }
    if have("objdump") {
        let dis = inspect("objdump", &["-d"], &exe, "x86-pair-d");
        assert!(dis.contains("call") && dis.contains("<helper>"), "{}", dis);
        assert!(dis.contains("<__dc_entry>"), "{}", dis);
    }
}

#[test]
fn output_is_deterministic() {
    let (a, b) = x86_pair();
    let (a2, b2) = x86_pair();
    assert_eq!(elf::write_object(&a).unwrap(), elf::write_object(&a2).unwrap());
    let one = link::link_objects(&[a, b], "_start").unwrap();
    let two = link::link_objects(&[a2, b2], "_start").unwrap();
    assert_eq!(one, two);
}

#[test]
fn undefined_symbol_is_an_error() {
    let mut o = x86_hello();
    reloc(&mut o, TEXT, 0, RelocKind::X86PcRel32, "nowhere", -4);
    let err = link::link_objects(&[o], "_start").unwrap_err();
    assert_eq!(err, "undefined symbol 'nowhere'");
    // Without the entry assembly, __dc_entry's caller is fine but _start is missing.
    let mut bare = Object::new(Arch::X86_64);
    let f = bare.append(TEXT, &[0xc3], 1);
    bare.define("f", TEXT, f, 1, true, true);
    assert_eq!(link::link_objects(&[bare], "_start").unwrap_err(), "entry symbol '_start' is not defined");
}

#[test]
fn duplicate_symbol_is_an_error() {
    let (a, mut b) = x86_pair();
    let d = b.append(TEXT, &[0xc3], 16);
    b.define("double", TEXT, d, 1, true, true);
    assert_eq!(link::link_objects(&[a, b], "_start").unwrap_err(), "duplicate symbol 'double'");
    // Local symbols of the same name in two objects do not clash.
    let (mut a, mut b) = x86_pair();
    for o in [&mut a, &mut b] {
        let l = o.append(TEXT, &[0xc3], 16);
        o.define("local_helper", TEXT, l, 1, false, true);
    }
    link::link_objects(&[a, b], "_start").unwrap();
}

#[test]
fn mixed_machines_are_rejected() {
    let err = link::link_objects(&[x86_hello(), a64_hello().0], "_start").unwrap_err();
    assert!(err.contains("Aarch64") && err.contains("X86_64"), "{}", err);
}

#[test]
fn debug_sections_are_kept_unloaded() {
    let mut o = x86_hello();
    o.sections.push(dc_backend::obj::Section { name: ".debug_info".into(), kind: dc_backend::obj::SectionKind::ReadOnly, bytes: vec![0; 16], bss_size: 0, align: 1 });
    let dbg = SectionId(o.sections.len() as u32 - 1);
    // A DWARF-style address of code, so the linker must relocate debug info.
    reloc(&mut o, dbg, 8, RelocKind::Abs64, "__dc_entry", 0);
    let obj = elf::write_object(&o).unwrap();
    let exe = link::link(std::slice::from_ref(&obj), "_start").unwrap();
    let f = object::read::File::parse(exe.as_slice()).unwrap();
    use object::read::{Object as _, ObjectSection as _, ObjectSymbol as _};
    let entry = f.symbols().find(|s| s.name() == Ok("__dc_entry")).unwrap().address();
    let info = f.section_by_name(".debug_info").unwrap();
    assert_eq!(info.address(), 0);
    assert_eq!(u64::from_le_bytes(info.data().unwrap()[8..16].try_into().unwrap()), entry);
    if have("readelf") {
        let s = inspect("readelf", &["-S"], &obj, "dbg.o");
        assert!(s.contains(".debug_info"), "{}", s);
    }
}

// ---------------------------------------------------------------------------
// AArch64

const A64_SVC0: u32 = 0xd400_0001;
const A64_RET: u32 = 0xd65f_03c0;
fn movz_x(rd: u32, imm: u32) -> u32 {
    0xd280_0000 | (imm << 5) | rd
}

/// `__dc_entry`: write(1, msg, len); exit_group(get_val() + argc), with
/// `get_val` loading 41 from .data through adrp + ldr :lo12:.
fn a64_hello() -> (Object, Object) {
    let msg = b"hello from dc on aarch64\n";
    let mut o = Object::new(Arch::Aarch64);
    let m = o.append(RODATA, msg, 1);
    o.define("msg", RODATA, m, msg.len() as u64, false, false);
    let code = words(&[
        0xaa00_03f3,                  // mov x19, x0        (argc)
        movz_x(0, 1),                 // mov x0, #1
        0x9000_0001,                  // adrp x1, msg
        0x9100_0021,                  // add x1, x1, :lo12:msg
        movz_x(2, msg.len() as u32),  // mov x2, #len
        movz_x(8, 64),                // mov x8, #64        (write)
        A64_SVC0,                     // svc #0
        0x9400_0000,                  // bl get_val
        0x8b13_0000,                  // add x0, x0, x19
        movz_x(8, 94),                // mov x8, #94        (exit_group)
        A64_SVC0,                     // svc #0
    ]);
    let f = o.append(TEXT, &code, 16);
    o.define("__dc_entry", TEXT, f, code.len() as u64, true, true);
    reloc(&mut o, TEXT, f + 8, RelocKind::A64AdrPage21, "msg", 0);
    reloc(&mut o, TEXT, f + 12, RelocKind::A64AddLo12, "msg", 0);
    reloc(&mut o, TEXT, f + 28, RelocKind::A64Call26, "get_val", 0);
    asm::entry_aarch64(&mut o);

    let mut v = Object::new(Arch::Aarch64);
    let d = v.append(DATA, &[1, 2, 3], 1); // misalign what follows, then realign
    v.define("pad", DATA, d, 3, false, false);
    let val = v.append(DATA, &41u64.to_le_bytes(), 8);
    v.define("val", DATA, val, 8, true, false);
    let code = words(&[
        0x9000_0000,                  // adrp x0, val
        0xf940_0000,                  // ldr x0, [x0, :lo12:val]
        A64_RET,
    ]);
    let g = v.append(TEXT, &code, 16);
    v.define("get_val", TEXT, g, code.len() as u64, true, true);
    reloc(&mut v, TEXT, g, RelocKind::A64AdrPage21, "val", 0);
    reloc(&mut v, TEXT, g + 4, RelocKind::A64Ldst64Lo12, "val", 0);
    (o, v)
}

#[test]
fn a64_hello_runs_under_qemu() {
    let (o, v) = a64_hello();
    let objs = [elf::write_object(&o).unwrap(), elf::write_object(&v).unwrap()];
    let exe = link::link(&objs, "_start").unwrap();
    if have("aarch64-linux-gnu-objdump") {
        let dump = inspect("aarch64-linux-gnu-objdump", &["-dr"], &objs[0], "a64.o");
        for want in ["R_AARCH64_ADR_PREL_PG_HI21\tmsg", "R_AARCH64_ADD_ABS_LO12_NC\tmsg", "R_AARCH64_CALL26\tget_val", "R_AARCH64_CALL26\t__dc_entry"] {
            assert!(dump.contains(want), "lacks {}:\n{}", want, dump);
        }
        let dump = inspect("aarch64-linux-gnu-objdump", &["-dr"], &objs[1], "a64-v.o");
        assert!(dump.contains("R_AARCH64_LDST64_ABS_LO12_NC\tval"), "{}", dump);
        let dis = inspect("aarch64-linux-gnu-objdump", &["-d"], &exe, "a64-exe");
        assert!(dis.contains("bl") && dis.contains("<__dc_entry>") && dis.contains("<get_val>"), "{}", dis);
    }
    if have("readelf") {
        let h = inspect("readelf", &["-hl"], &exe, "a64-h");
        assert!(h.contains("AArch64") && h.contains("EXEC"), "{}", h);
    }
    if cfg!(target_arch = "aarch64") {
        assert_eq!(run(&exe, "a64-hello", None), ("hello from dc on aarch64\n".to_string(), 42));
    } else if have("qemu-aarch64") {
        assert_eq!(run(&exe, "a64-hello", Some("qemu-aarch64")), ("hello from dc on aarch64\n".to_string(), 42));
    } else {
        eprintln!("note: qemu-aarch64 not found; the AArch64 program was linked but not run");
    }
}

#[test]
fn a64_branch_out_of_range_is_an_error() {
    let mut o = Object::new(Arch::Aarch64);
    asm::entry_aarch64(&mut o);
    let f = o.append(TEXT, &words(&[0x9400_0000, A64_RET]), 16);
    o.define("__dc_entry", TEXT, f, 8, true, true);
    reloc(&mut o, TEXT, f, RelocKind::A64Call26, "far", 0);
    // 256 MiB of .bss puts `far` beyond a BL's +-128 MiB reach.
    let far = o.append(BSS, &[], 16);
    o.section_mut(BSS).bss_size = 256 << 20;
    o.define("far", BSS, far + (255 << 20), 4, true, true);
    let err = link::link_objects(&[o], "_start").unwrap_err();
    assert!(err.contains("R_AARCH64_CALL26 against 'far' is out of range"), "{}", err);
}

#[test]
fn a64_misaligned_load_offset_is_an_error() {
    let (o, mut v) = a64_hello();
    // Point the 8-byte load at `pad`, which is not 8-byte aligned.
    v.relocs[1].symbol = "pad".to_string();
    v.relocs[1].addend = 1;
    let err = link::link_objects(&[o, v], "_start").unwrap_err();
    assert!(err.contains("not aligned to the access size"), "{}", err);
}

#[test]
fn relocation_past_its_section_is_an_error() {
    let mut o = x86_hello();
    let end = o.sections[0].bytes.len() as u64;
    reloc(&mut o, TEXT, end - 2, RelocKind::X86PcRel32, "msg", -4);
    let err = link::link_objects(&[o], "_start").unwrap_err();
    assert!(err.contains("R_X86_64_PC32 against 'msg' lies outside its section"), "{}", err);
}
