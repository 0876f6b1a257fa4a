//! Tests of the AArch64 back end: encodings and the listing against GNU
//! objdump, and generated code executed under qemu-aarch64 (each test
//! program is compiled twice: with the real register allocator and with
//! every value spilled).
//!
//! Executables are made here without the real linker: one RWX PT_LOAD
//! segment holding a `_start` stub, the object's sections, and the few
//! relocation kinds the emitter produces applied by hand.

use super::enc::{self, Cond, Cvt, FOp, Logic, Mem, Shift, SP, ZR};
use super::{disasm, emit, spill_everything};
use crate::ir::*;
use crate::obj::{Object, RelocKind};
use crate::regalloc::Allocation;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

// ---- tools -------------------------------------------------------------------

fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("--version").output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        eprintln!("note: {} not found; skipping the part of this test that needs it", tool);
    }
    ok
}

fn temp_path(what: &str) -> std::path::PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("dc-a64-{}-{}-{}", std::process::id(), n, what))
}

/// objdump's and our listing of `code` must agree line by line (objdump's
/// `// ...` comments and `<sym>` annotations aside).
fn check_against_objdump(code: &[u8]) {
    if code.is_empty() || !have("aarch64-linux-gnu-objdump") {
        return;
    }
    let path = temp_path("code.bin");
    std::fs::write(&path, code).unwrap();
    let out = Command::new("aarch64-linux-gnu-objdump").args(["-D", "-b", "binary", "-m", "aarch64"]).arg(&path).output().unwrap();
    std::fs::remove_file(&path).ok();
    let text = String::from_utf8_lossy(&out.stdout);
    let normalize = |s: &str| -> String {
        let s = s.split("//").next().unwrap();
        let s = match s.find(" <") {
            Some(i) => &s[..i],
            None => s,
        };
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let theirs: Vec<(u64, String)> = text
        .lines()
        .filter_map(|l| {
            let (addr, rest) = l.split_once(":\t")?;
            let addr = u64::from_str_radix(addr.trim(), 16).ok()?;
            let (_word, insn) = rest.split_once('\t')?;
            Some((addr, normalize(insn)))
        })
        .collect();
    let mut mismatches = Vec::new();
    for (i, c) in code.chunks(4).enumerate() {
        let w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        let ours = normalize(&disasm::decode(w, 4 * i as u64));
        let Some(theirs) = theirs.iter().find(|(a, _)| *a == 4 * i as u64).map(|t| t.1.clone()) else {
            // objdump elides runs of zero words ("...").
            assert_eq!(w, 0, "objdump printed nothing at {:#x}", 4 * i);
            continue;
        };
        if ours != theirs {
            mismatches.push(format!("{:4x}: {:08x}  ours `{}`  objdump `{}`", 4 * i, w, ours, theirs));
        }
    }
    assert!(mismatches.is_empty(), "listing differs from objdump:\n{}", mismatches.join("\n"));
}

// ---- encodings -----------------------------------------------------------------

#[test]
fn encodings_match_objdump() {
    let mut v = vec![
        enc::add(true, 0, 1, 2),
        enc::add(false, 3, 4, 5),
        enc::sub(true, 6, 7, 8),
        enc::sub(false, 9, ZR, 10),
        enc::subs(true, ZR, 11, 12),
        enc::subs(false, ZR, 13, 14),
        enc::add_imm(true, 0, 1, 16, false),
        enc::add_imm(true, 29, SP, 0, false),
        enc::add_imm(true, SP, 29, 0, false),
        enc::add_imm(true, 1, SP, 4095, false),
        enc::sub_imm(true, SP, SP, 3, true),
        enc::sub_imm(true, SP, SP, 0x210, false),
        enc::add_ext(0, SP, 16),
        enc::sub_ext(SP, SP, 16),
        enc::madd(true, 1, 2, 3, ZR),
        enc::madd(false, 1, 2, 3, 4),
        enc::msub(true, 1, 15, 3, 4),
        enc::sdiv(true, 1, 2, 3),
        enc::udiv(false, 1, 2, 3),
        enc::shiftv(Shift::Lsl, true, 1, 2, 3),
        enc::shiftv(Shift::Lsr, false, 1, 2, 3),
        enc::shiftv(Shift::Asr, true, 1, 2, 3),
        enc::logic(Logic::And, true, false, 1, 2, 3),
        enc::logic(Logic::Orr, false, false, 1, 2, 3),
        enc::logic(Logic::Eor, true, false, 1, 2, 3),
        enc::logic(Logic::Orr, true, true, 1, ZR, 3),
        enc::mov(true, 1, 2),
        enc::mov(false, 1, 2),
        enc::logic_imm(Logic::Ands, false, ZR, 3, enc::logical_imm(false, 0xff).unwrap()),
        enc::logic_imm(Logic::Orr, true, 4, ZR, enc::logical_imm(true, 0xff00_ff00_ff00_ff00).unwrap()),
        enc::logic_imm(Logic::Orr, false, 4, ZR, enc::logical_imm(false, 0x0f0f_0f0f).unwrap()),
        enc::logic_imm(Logic::Orr, true, 4, ZR, enc::logical_imm(true, 0xffff).unwrap()),
        enc::sbfm(false, 1, 2, 0, 7),
        enc::sbfm(true, 1, 2, 0, 7),
        enc::sbfm(false, 1, 2, 0, 15),
        enc::sbfm(true, 1, 2, 0, 15),
        enc::sbfm(true, 1, 2, 0, 31),
        enc::ubfm(false, 1, 2, 0, 7),
        enc::ubfm(false, 1, 2, 0, 15),
        enc::movz(true, 1, 0x1234, 0),
        enc::movz(true, 1, 0x1234, 3),
        enc::movz(false, 1, 0xffff, 1),
        enc::movn(true, 1, 0, 0),
        enc::movn(true, 1, 0x1234, 2),
        enc::movn(false, 1, 0x1234, 0),
        enc::movn(false, 1, 0xffff, 0),
        enc::movk(true, 1, 0xbeef, 1),
        enc::movk(false, 1, 0xbeef, 0),
        enc::b(-3),
        enc::bl(100),
        enc::b_cond(Cond::Eq, 4),
        enc::b_cond(Cond::Ne, -4),
        enc::cbnz(false, 3, 8),
        enc::blr(9),
        enc::ret(),
        enc::svc(0),
        enc::brk(1),
        enc::adrp(5),
        enc::stp_pre(29, 30, SP, -16),
        enc::ldp_post(29, 30, SP, 16),
        enc::ldst_reg(true, Mem::X, 1, SP, 15),
        enc::ldst_reg(false, Mem::B, 1, 2, 17),
        enc::ldst_reg(true, Mem::D, 1, 2, 17),
        enc::ldst_reg(false, Mem::S, 1, 2, 17),
        enc::ldst_reg(true, Mem::H, 1, 2, 17),
        enc::ldst_reg(true, Mem::W, 1, 2, 17),
    ];
    for c in [Cond::Eq, Cond::Ne, Cond::Hs, Cond::Lo, Cond::Mi, Cond::Ls, Cond::Hi, Cond::Ge, Cond::Lt, Cond::Gt, Cond::Le] {
        v.push(enc::cset(2, c));
        v.push(enc::b_cond(c, 2));
    }
    for m in [Mem::B, Mem::H, Mem::W, Mem::X, Mem::S, Mem::D] {
        for load in [false, true] {
            v.push(enc::ldst_uimm(load, m, 3, SP, 0).unwrap());
            v.push(enc::ldst_uimm(load, m, 3, 4, 4095 * m.bytes() as i64).unwrap());
            v.push(enc::ldst_simm9(load, m, 3, 4, -256).unwrap());
            v.push(enc::ldst_simm9(load, m, 3, 4, 255).unwrap());
        }
    }
    for dbl in [false, true] {
        for op in [FOp::Add, FOp::Sub, FOp::Mul, FOp::Div] {
            v.push(enc::fbin(op, dbl, 1, 2, 3));
        }
        v.push(enc::fmov(dbl, 30, 31));
        v.push(enc::fneg(dbl, 1, 2));
        v.push(enc::fcmp(dbl, 1, 2));
        v.push(enc::fcvt(dbl, 1, 2));
        for x in [false, true] {
            for c in [Cvt::Scvtf, Cvt::Ucvtf, Cvt::Fcvtzs, Cvt::Fcvtzu] {
                v.push(enc::cvt(c, x, dbl, 4, 5));
            }
        }
        v.push(enc::cvt(Cvt::FmovToFp, dbl, dbl, 1, 2));
        v.push(enc::cvt(Cvt::FmovToInt, dbl, dbl, 1, 2));
        v.push(enc::cvt(Cvt::FmovToFp, dbl, dbl, 1, ZR));
        for f in [1.0, 2.0, -0.5, 0.125, 31.0, -1.9375, 0.1328125] {
            v.push(enc::fmov_imm(dbl, 7, enc::fp_imm8(f).unwrap()));
        }
    }
    assert!(enc::fp_imm8(0.1).is_none());
    assert!(enc::fp_imm8(1e10).is_none());
    for imm8 in 0..=255u8 {
        let val = enc::fp_imm8_value(imm8);
        assert_eq!(enc::fp_imm8(val), Some(imm8), "imm8 {:#x} = {}", imm8, val);
    }
    // Immediate forms: compares, constant shifts and bit-field extracts,
    // compare-and-branch, fcmp with zero, stores of the zero register.
    v.extend([
        enc::subs_imm(true, ZR, 3, 0, false),
        enc::subs_imm(false, ZR, 3, 4095, false),
        enc::subs_imm(true, ZR, 3, 0x123, true),
        enc::adds_imm(true, ZR, 3, 5, false),
        enc::adds_imm(false, ZR, 3, 1, true),
        enc::subs_imm(true, 4, 3, 7, false),
        enc::cbz(true, 3, 8),
        enc::cbz(false, 16, -8),
        enc::cbnz(true, 9, 2),
        enc::fcmp_zero(true, 3),
        enc::fcmp_zero(false, 30),
        enc::ldst_uimm(false, Mem::X, ZR, SP, 16).unwrap(),
        enc::ldst_uimm(false, Mem::W, ZR, 4, 8).unwrap(),
        enc::ldst_uimm(false, Mem::H, ZR, 4, 2).unwrap(),
        enc::ldst_uimm(false, Mem::B, ZR, 4, 1).unwrap(),
        enc::ldst_simm9(false, Mem::X, ZR, 4, -8).unwrap(),
        enc::movz(false, 3, 0, 0),
        enc::ldst_reg_lsl(true, Mem::X, 1, 2, 3, true),
        enc::ldst_reg_lsl(false, Mem::W, 1, SP, 3, true),
        enc::ldst_reg_lsl(true, Mem::H, 1, 2, 3, true),
        enc::ldst_reg_lsl(false, Mem::D, 1, 2, 3, true),
        enc::ldst_reg_lsl(true, Mem::S, 1, 2, 3, true),
        enc::ldst_reg_lsl(false, Mem::X, ZR, 2, 3, true),
        enc::ldst_reg_lsl(true, Mem::B, 1, 2, 3, false),
    ]);
    for x in [false, true] {
        let w = if x { 64 } else { 32 };
        for k in [0, 1, 3, w - 1] {
            v.push(enc::lsl_imm(x, 1, 2, k));
            v.push(enc::lsr_imm(x, 1, 2, k));
            v.push(enc::asr_imm(x, 1, 2, k));
        }
    }
    for bits in [8, 16] {
        for k in [1, 3, bits - 1] {
            v.push(enc::ubfm(false, 1, 2, k, bits - 1));
            v.push(enc::sbfm(false, 1, 2, k, bits - 1));
        }
    }
    v.push(enc::sbfm(true, 1, 2, 60, 3));
    v.push(enc::ubfm(true, 1, 2, 4, 10));
    for c in [1u64, 0xff, 0xffff, 0xfff0, 0x8000_0000_0000_0000, 0x5555_5555_5555_5555] {
        v.push(enc::logic_imm(Logic::And, true, 1, 2, enc::logical_imm(true, c).unwrap()));
        v.push(enc::logic_imm(Logic::Eor, true, 1, 2, enc::logical_imm(true, c).unwrap()));
        v.push(enc::logic_imm(Logic::Orr, true, 1, 2, enc::logical_imm(true, c).unwrap()));
    }
    let code: Vec<u8> = v.iter().flat_map(|w| w.to_le_bytes()).collect();
    check_against_objdump(&code);
    // Unknown words fall back to .inst.
    assert_eq!(disasm::decode(0xffff_ffff, 0), ".inst\t0xffffffff");
}

// ---- a tiny static linker and runner for tests -----------------------------------

const BASE: u64 = 0x40_0000;
const CODE_OFF: u64 = 0x1000;

/// Link `obj` behind a `_start` stub that calls `main` and exits with its
/// result, as a static ELF64 executable.
fn link(obj: &Object) -> Vec<u8> {
    // Stub: bl main; mov x8, #94 (exit_group); svc #0
    let stub_words = 4u64;
    let mut image: Vec<u8> = Vec::new();
    let mut sec_addr = Vec::new();
    let mut cursor = BASE + CODE_OFF + stub_words * 4;
    for s in &obj.sections {
        let a = s.align.max(16);
        cursor = (cursor + a - 1) / a * a;
        sec_addr.push(cursor);
        cursor += if s.kind == crate::obj::SectionKind::Bss { s.bss_size } else { s.bytes.len() as u64 };
    }
    let total = cursor - BASE;
    image.resize(total as usize, 0);
    for (s, &a) in obj.sections.iter().zip(&sec_addr) {
        let o = (a - BASE) as usize;
        image[o..o + s.bytes.len()].copy_from_slice(&s.bytes);
    }
    let sym = |name: &str| -> u64 {
        let s = obj.symbols.iter().find(|s| s.name == name && s.section.is_some()).unwrap_or_else(|| panic!("undefined symbol {}", name));
        sec_addr[s.section.unwrap().0 as usize] + s.offset
    };
    let put32 = |image: &mut Vec<u8>, at: u64, f: &dyn Fn(u32) -> u32| {
        let o = (at - BASE) as usize;
        let w = u32::from_le_bytes(image[o..o + 4].try_into().unwrap());
        image[o..o + 4].copy_from_slice(&f(w).to_le_bytes());
    };
    for r in &obj.relocs {
        let p = sec_addr[r.section.0 as usize] + r.offset;
        let s = (sym(&r.symbol) as i64 + r.addend) as u64;
        match r.kind {
            RelocKind::A64Call26 | RelocKind::A64Jump26 => {
                let d = (s as i64 - p as i64) >> 2;
                put32(&mut image, p, &|w| w | (d as u32 & 0x03ff_ffff));
            }
            RelocKind::A64AdrPage21 => {
                let d = ((s & !0xfff) as i64 - (p & !0xfff) as i64) >> 12;
                put32(&mut image, p, &|w| w | (d as u32 & 3) << 29 | ((d >> 2) as u32 & 0x7ffff) << 5);
            }
            RelocKind::A64AddLo12 => put32(&mut image, p, &|w| w | ((s & 0xfff) as u32) << 10),
            RelocKind::Abs64 => {
                let o = (p - BASE) as usize;
                image[o..o + 8].copy_from_slice(&s.to_le_bytes());
            }
            k => panic!("test linker: relocation {:?} not handled", k),
        }
    }
    let entry = BASE + CODE_OFF;
    let stub = [enc::bl(((sym("main") - entry) / 4) as i32), enc::movz(true, 8, 94, 0), enc::svc(0), enc::brk(0)];
    for (i, w) in stub.iter().enumerate() {
        let o = (CODE_OFF as usize) + 4 * i;
        image[o..o + 4].copy_from_slice(&w.to_le_bytes());
    }
    // ELF header and one program header.
    let mut h = Vec::new();
    h.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
    h.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    h.extend_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
    h.extend_from_slice(&1u32.to_le_bytes());
    h.extend_from_slice(&entry.to_le_bytes());
    h.extend_from_slice(&64u64.to_le_bytes()); // phoff
    h.extend_from_slice(&0u64.to_le_bytes()); // shoff
    h.extend_from_slice(&0u32.to_le_bytes()); // flags
    h.extend_from_slice(&64u16.to_le_bytes()); // ehsize
    h.extend_from_slice(&56u16.to_le_bytes()); // phentsize
    h.extend_from_slice(&1u16.to_le_bytes()); // phnum
    h.extend_from_slice(&64u16.to_le_bytes()); // shentsize
    h.extend_from_slice(&0u16.to_le_bytes()); // shnum
    h.extend_from_slice(&0u16.to_le_bytes()); // shstrndx
    h.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    h.extend_from_slice(&7u32.to_le_bytes()); // RWX
    h.extend_from_slice(&0u64.to_le_bytes()); // offset
    h.extend_from_slice(&BASE.to_le_bytes()); // vaddr
    h.extend_from_slice(&BASE.to_le_bytes()); // paddr
    h.extend_from_slice(&total.to_le_bytes()); // filesz
    h.extend_from_slice(&total.to_le_bytes()); // memsz
    h.extend_from_slice(&0x1000u64.to_le_bytes()); // align
    image[..h.len()].copy_from_slice(&h);
    image
}

/// Run an executable under qemu: (exit status, stdout), or None without qemu.
fn run(exe: &[u8]) -> Option<(i32, Vec<u8>)> {
    if !have("qemu-aarch64") {
        return None;
    }
    let path = temp_path("exe");
    std::fs::write(&path, exe).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new("qemu-aarch64").arg(&path).output().unwrap();
    std::fs::remove_file(&path).ok();
    Some((out.status.code().unwrap_or(-1), out.stdout))
}

/// Compile `funcs` and `data` (the way `compile_module` does) choosing the
/// allocation per function.
fn compile(funcs: &[Function], data: &[Data], spill_all: bool) -> Object {
    let mut o = Object::new(crate::obj::Arch::Aarch64);
    for d in data {
        let sec = if d.readonly { Object::RODATA } else { Object::DATA };
        let off = o.append(sec, &d.bytes, d.align.max(1) as u64);
        o.define(&d.name, sec, off, d.bytes.len() as u64, true, false);
    }
    for f in funcs {
        crate::verify::verify_function(f).unwrap_or_else(|e| panic!("{}: {}", f.name, e));
        let alloc: Allocation = if spill_all { spill_everything(f) } else { crate::regalloc::allocate(f, &super::abi::reg_info()) };
        emit::compile(f, &alloc, &mut o).unwrap_or_else(|e| panic!("{}", e));
    }
    o
}

/// Build `main`: `body` computes values, each is written to stdout as 8
/// bytes (integers sign-extended, floats as their bits), `main` returns 0.
fn main_writing(body: impl Fn(&mut FunctionBuilder) -> Vec<Value>) -> Function {
    let mut b = FunctionBuilder::new("main", "main", &[], Some(Type::I64), Span { file: 0, line: 1, col: 1 });
    let slot = b.new_slot(8, 8);
    let vals = body(&mut b);
    b.span.line = 1000;
    for v in vals {
        let ty = b.func.ty(v);
        let w = match ty {
            Type::I64 => v,
            Type::I8 | Type::I16 | Type::I32 => b.cast(CastOp::Sext, v, Type::I64),
            Type::F64 => b.cast(CastOp::Bitcast, v, Type::I64),
            Type::F32 => {
                let i = b.cast(CastOp::Bitcast, v, Type::I32);
                b.cast(CastOp::Zext, i, Type::I64)
            }
        };
        let a = b.slot_addr(slot);
        b.store(w, a, 0);
        let nr = b.iconst(Type::I64, 64);
        let fd = b.iconst(Type::I64, 1);
        let len = b.iconst(Type::I64, 8);
        b.ins(Type::I64, Op::Syscall(vec![nr, fd, a, len]));
    }
    let z = b.iconst(Type::I64, 0);
    b.ret(Some(z));
    b.finish()
}

/// Compile and run `funcs` (one of them `main`) both ways; check the values
/// written and the listing.
fn expect_output(funcs: &[Function], data: &[Data], expected: &[i64]) {
    for spill_all in [false, true] {
        let obj = compile(funcs, data, spill_all);
        check_against_objdump(&obj.sections[0].bytes);
        let exe = link(&obj);
        let Some((status, out)) = run(&exe) else { return };
        let got: Vec<i64> = out.chunks(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
        let mode = if spill_all { "all spilled" } else { "allocated" };
        assert_eq!(status, 0, "({}) exit status", mode);
        for (i, (g, e)) in got.iter().zip(expected).enumerate() {
            assert_eq!(g, e, "({}) value #{}: got {:#x}, expected {:#x}", mode, i, g, e);
        }
        assert_eq!(got.len(), expected.len(), "({}) number of values", mode);
    }
}

fn f64_bits(v: f64) -> i64 {
    v.to_bits() as i64
}
fn f32_bits(v: f32) -> i64 {
    v.to_bits() as i64
}
/// An arithmetic result as AArch64 produces it: a NaN made from non-NaN
/// operands is the default NaN (positive), unlike on the x86 host.
fn a64_f64(v: f64) -> i64 {
    if v.is_nan() { f64_bits(f64::NAN.copysign(1.0)) } else { f64_bits(v) }
}
fn a64_f32(v: f32) -> i64 {
    if v.is_nan() { f32_bits(f32::NAN.copysign(1.0)) } else { f32_bits(v) }
}

// ---- programs ---------------------------------------------------------------------

const CONSTS: [i64; 14] = [
    0,
    1,
    -1,
    0x1234,
    0x1234_0000,
    0x1234_5678,
    -0x1234_5678,
    0x7fff_ffff_ffff_ffff,
    i64::MIN,
    0xdead_beef_cafe_babe_u64 as i64,
    0xff00_ff00_ff00_ff00_u64 as i64,
    0x0000_ffff_0000_0000,
    0xffff_1234_ffff_ffff_u64 as i64,
    0x0f0f_0f0f_0f0f_0f0f,
];

#[test]
fn integer_constants() {
    let f = main_writing(|b| {
        let mut v: Vec<Value> = CONSTS.iter().map(|&c| b.iconst(Type::I64, c)).collect();
        v.push(b.iconst(Type::I32, 0x8000_0000u32 as i64));
        v.push(b.iconst(Type::I16, -2));
        v.push(b.iconst(Type::I8, 0x7f));
        v
    });
    let mut e = CONSTS.to_vec();
    e.extend([i32::MIN as i64, -2, 127]);
    expect_output(&[f], &[], &e);
}

const BINOPS: [BinOp; 13] = [
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::SDiv,
    BinOp::UDiv,
    BinOp::SRem,
    BinOp::URem,
    BinOp::And,
    BinOp::Or,
    BinOp::Xor,
    BinOp::Shl,
    BinOp::LShr,
    BinOp::AShr,
];

/// `op` on the low `bits` bits of a and b, the result sign-extended.
fn eval_bin(op: BinOp, bits: u32, a: i64, b: i64) -> i64 {
    let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    let sx = |v: u64| -> i64 { ((v << (64 - bits)) as i64) >> (64 - bits) };
    let (ua, ub) = (a as u64 & mask, b as u64 & mask);
    let (sa, sb) = (sx(ua), sx(ub));
    // Shift amounts as the machine uses them: modulo the register width
    // (32 for the narrow types, which live in w registers).
    let amt = (ub % if bits == 64 { 64 } else { 32 }) as u32;
    let r: u64 = match op {
        BinOp::Add => ua.wrapping_add(ub),
        BinOp::Sub => ua.wrapping_sub(ub),
        BinOp::Mul => ua.wrapping_mul(ub),
        BinOp::SDiv => sa.wrapping_div(sb) as u64,
        BinOp::UDiv => ua / ub,
        BinOp::SRem => sa.wrapping_rem(sb) as u64,
        BinOp::URem => ua % ub,
        BinOp::And => ua & ub,
        BinOp::Or => ua | ub,
        BinOp::Xor => ua ^ ub,
        BinOp::Shl => ua.wrapping_shl(amt),
        BinOp::LShr => ua.wrapping_shr(amt),
        BinOp::AShr => sa.wrapping_shr(amt) as u64,
        _ => unreachable!(),
    };
    sx(r & mask)
}

/// Operands with garbage above each narrow type's width, so the test sees
/// whether the emitter extends where it must.
const OPERANDS: [(i64, i64); 6] = [
    (0x1234_5678_9abc_def0, 0x0000_0000_0000_0003),
    (-100, 7),
    (0x7fff_ffff_ffff_ff85u64 as i64, -3),
    (0x5555_5555_aaaa_8001u64 as i64, 0x1111_1111_0000_00fd),
    (i64::MIN, -1),
    (0x10_0000_0042, 0x2_0000_0005),
];

#[test]
fn integer_arithmetic_all_widths() {
    for (ty, bits) in [(Type::I64, 64), (Type::I32, 32), (Type::I16, 16), (Type::I8, 8)] {
        let f = main_writing(|b| {
            let mut out = Vec::new();
            for &(x, y) in &OPERANDS {
                let wx = b.iconst(Type::I64, x);
                let wy = b.iconst(Type::I64, y);
                let (a, c) = if ty == Type::I64 { (wx, wy) } else { (b.cast(CastOp::Trunc, wx, ty), b.cast(CastOp::Trunc, wy, ty)) };
                for op in BINOPS {
                    out.push(b.bin(op, a, c));
                }
                out.push(b.un(UnOp::Neg, a));
                out.push(b.un(UnOp::Not, a));
            }
            out
        });
        let mut e = Vec::new();
        for &(x, y) in &OPERANDS {
            for op in BINOPS {
                e.push(eval_bin(op, bits, x, y));
            }
            e.push(eval_bin(BinOp::Sub, bits, 0, x));
            e.push(eval_bin(BinOp::Xor, bits, x, -1));
        }
        expect_output(&[f], &[], &e);
    }
}

#[test]
fn compares_and_extensions() {
    let ccs = [IntCC::Eq, IntCC::Ne, IntCC::Slt, IntCC::Sle, IntCC::Sgt, IntCC::Sge, IntCC::Ult, IntCC::Ule, IntCC::Ugt, IntCC::Uge];
    let pairs: [(i64, i64); 5] = [(0x100_0000_0005, 0x5), (-1, 1), (0x80, 0x7f), (0x1_8000_0000, 0x7fff_ffff), (3, 3)];
    let types = [(Type::I64, 64u32), (Type::I32, 32), (Type::I16, 16), (Type::I8, 8)];
    let f = main_writing(|b| {
        let mut out = Vec::new();
        for &(ty, _) in &types {
            for &(x, y) in &pairs {
                let wx = b.iconst(Type::I64, x);
                let wy = b.iconst(Type::I64, y);
                let (a, c) = if ty == Type::I64 { (wx, wy) } else { (b.cast(CastOp::Trunc, wx, ty), b.cast(CastOp::Trunc, wy, ty)) };
                for cc in ccs {
                    out.push(b.icmp(cc, a, c));
                }
                if ty != Type::I64 {
                    out.push(b.cast(CastOp::Zext, a, Type::I64));
                    out.push(b.cast(CastOp::Sext, a, Type::I64));
                }
            }
        }
        // Narrow-to-narrow widening.
        let w = b.iconst(Type::I64, 0x1234_5680);
        let n8 = b.cast(CastOp::Trunc, w, Type::I8);
        let z16 = b.cast(CastOp::Zext, n8, Type::I16);
        let s32 = b.cast(CastOp::Sext, n8, Type::I32);
        out.push(z16);
        out.push(s32);
        out
    });
    let mut e = Vec::new();
    for &(_, bits) in &types {
        let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
        for &(x, y) in &pairs {
            let (ux, uy) = (x as u64 & mask, y as u64 & mask);
            let sx = |v: u64| ((v << (64 - bits)) as i64) >> (64 - bits);
            let (sxx, syy) = (sx(ux), sx(uy));
            for r in [ux == uy, ux != uy, sxx < syy, sxx <= syy, sxx > syy, sxx >= syy, ux < uy, ux <= uy, ux > uy, ux >= uy] {
                e.push(r as i64);
            }
            if bits != 64 {
                e.push(ux as i64);
                e.push(sxx);
            }
        }
    }
    e.push(0x80);
    e.push(-128);
    expect_output(&[f], &[], &e);
}

#[test]
fn floats() {
    let fccs = [FloatCC::Eq, FloatCC::Ne, FloatCC::Lt, FloatCC::Le, FloatCC::Gt, FloatCC::Ge];
    let pairs = [(1.5, 2.25), (-0.1, -0.1), (1e300, -3.0), (f64::NAN, 1.0), (0.0, -0.0)];
    let f = main_writing(|b| {
        let mut out = Vec::new();
        for &(x, y) in &pairs {
            for ty in [Type::F64, Type::F32] {
                let a = b.fconst(ty, x);
                let c = b.fconst(ty, y);
                for op in [BinOp::FAdd, BinOp::FSub, BinOp::FMul, BinOp::FDiv] {
                    out.push(b.bin(op, a, c));
                }
                out.push(b.un(UnOp::FNeg, a));
                for cc in fccs {
                    out.push(b.fcmp(cc, a, c));
                }
            }
        }
        // Casts.
        let m7 = b.iconst(Type::I64, -7);
        out.push(b.cast(CastOp::SToF, m7, Type::F64));
        out.push(b.cast(CastOp::UToF, m7, Type::F64));
        let m7_8 = b.cast(CastOp::Trunc, m7, Type::I8);
        out.push(b.cast(CastOp::SToF, m7_8, Type::F32));
        out.push(b.cast(CastOp::UToF, m7_8, Type::F32));
        let m7_32 = b.cast(CastOp::Trunc, m7, Type::I32);
        out.push(b.cast(CastOp::UToF, m7_32, Type::F64));
        let big = b.fconst(Type::F64, -12345.75);
        out.push(b.cast(CastOp::FToS, big, Type::I64));
        out.push(b.cast(CastOp::FToS, big, Type::I32));
        let pos = b.fconst(Type::F64, 3e9);
        out.push(b.cast(CastOp::FToU, pos, Type::I64));
        let fu = b.cast(CastOp::FToU, pos, Type::I32);
        out.push(b.cast(CastOp::Zext, fu, Type::I64));
        let third = b.fconst(Type::F64, 1.0 / 3.0);
        out.push(b.cast(CastOp::FTrunc, third, Type::F32));
        let s = b.fconst(Type::F32, 0.1);
        out.push(b.cast(CastOp::FExt, s, Type::F64));
        let bits = b.iconst(Type::I64, 0x4000_0000_0000_0000);
        out.push(b.cast(CastOp::Bitcast, bits, Type::F64));
        let one = b.fconst(Type::F32, 1.0);
        out.push(b.cast(CastOp::Bitcast, one, Type::I32));
        let z = b.fconst(Type::F64, 0.0);
        out.push(z);
        let nz = b.fconst(Type::F64, -0.0);
        out.push(nz);
        out
    });
    let mut e = Vec::new();
    for &(x, y) in &pairs {
        for r in [x + y, x - y, x * y, x / y] {
            e.push(a64_f64(r));
        }
        e.push(f64_bits(-x));
        for r in [x == y, x != y, x < y, x <= y, x > y, x >= y] {
            e.push(r as i64);
        }
        let (x, y) = (x as f32, y as f32);
        for r in [x + y, x - y, x * y, x / y] {
            e.push(a64_f32(r));
        }
        e.push(f32_bits(-x));
        for r in [x == y, x != y, x < y, x <= y, x > y, x >= y] {
            e.push(r as i64);
        }
    }
    e.push(f64_bits(-7.0));
    e.push(f64_bits((-7i64) as u64 as f64));
    e.push(f32_bits(-7.0));
    e.push(f32_bits(249.0));
    e.push(f64_bits((-7i32) as u32 as f64));
    e.push(-12345);
    e.push(-12345);
    e.push(3_000_000_000);
    e.push(3_000_000_000);
    e.push(f32_bits((1.0f64 / 3.0) as f32));
    e.push(f64_bits(0.1f32 as f64));
    e.push(f64_bits(2.0));
    e.push(1.0f32.to_bits() as i64);
    e.push(0);
    e.push(f64_bits(-0.0));
    expect_output(&[f], &[], &e);
}

/// sum of 1..=n with a loop; fib(n) iteratively with swapped block
/// arguments (a parallel-move cycle); a branch whose edges pass arguments.
#[test]
fn loops_and_block_params() {
    let mut b = FunctionBuilder::new("main", "main", &[], Some(Type::I64), Span::NONE);
    let body = b.new_block();
    let exit = b.new_block();
    let i = b.add_block_param(body, Type::I64);
    let acc = b.add_block_param(body, Type::I64);
    let x = b.add_block_param(body, Type::I64);
    let y = b.add_block_param(body, Type::I64);
    let r = b.add_block_param(exit, Type::I64);
    let zero = b.iconst(Type::I64, 0);
    let one = b.iconst(Type::I64, 1);
    b.jump(body, vec![zero, zero, zero, one]);
    b.switch_to(body);
    let acc2 = b.bin(BinOp::Add, acc, i);
    let one = b.iconst(Type::I64, 1);
    let i2 = b.bin(BinOp::Add, i, one);
    let xy = b.bin(BinOp::Add, x, y);
    let n = b.iconst(Type::I64, 50);
    let more = b.icmp(IntCC::Slt, i2, n);
    // Continue with (x, y) := (y, x + y); exit with a mix of them.
    let mix = b.bin(BinOp::Xor, acc2, x);
    b.branch(more, body, vec![i2, acc2, y, xy], exit, vec![mix]);
    b.switch_to(exit);
    b.ret(Some(r));
    let inner = b.finish();
    let mut inner = inner;
    inner.name = "loop".into();
    let call = Callee::Direct("loop".into());
    let main = main_writing(|b| vec![b.call(call.clone(), vec![], Some(Type::I64)).unwrap()]);
    let (mut x, mut y, mut acc) = (0i64, 1i64, 0i64);
    let mut i = 0;
    let result = loop {
        acc += i;
        let i2 = i + 1;
        let xy = x.wrapping_add(y);
        if i2 < 50 {
            i = i2;
            x = y;
            y = xy;
        } else {
            break acc ^ x;
        }
    };
    expect_output(&[main, inner], &[], &[result]);
}

/// Swaps around a loop: the edge's parallel move is a pure cycle, in
/// registers and (all spilled) through memory.
#[test]
fn swap_cycle() {
    let mut b = FunctionBuilder::new("rot", "rot", &[Type::I64, Type::I64, Type::I64, Type::F64, Type::F64], Some(Type::I64), Span::NONE);
    let p = b.block_params(BlockId(0)).to_vec();
    let head = b.new_block();
    let exit = b.new_block();
    let n = b.add_block_param(head, Type::I64);
    let a = b.add_block_param(head, Type::I64);
    let c = b.add_block_param(head, Type::I64);
    let d = b.add_block_param(head, Type::I64);
    let fa = b.add_block_param(head, Type::F64);
    let fb = b.add_block_param(head, Type::F64);
    let k = b.iconst(Type::I64, 7);
    b.jump(head, vec![k, p[0], p[1], p[2], p[3], p[4]]);
    b.switch_to(head);
    let one = b.iconst(Type::I64, 1);
    let n2 = b.bin(BinOp::Sub, n, one);
    let zero = b.iconst(Type::I64, 0);
    let go = b.icmp(IntCC::Ne, n2, zero);
    b.branch(go, head, vec![n2, c, d, a, fb, fa], exit, vec![]);
    b.switch_to(exit);
    let ten = b.iconst(Type::I64, 10);
    let t1 = b.bin(BinOp::Mul, a, ten);
    let t2 = b.bin(BinOp::Add, t1, c);
    let t3 = b.bin(BinOp::Mul, t2, ten);
    let t4 = b.bin(BinOp::Add, t3, d);
    let fd = b.bin(BinOp::FSub, fa, fb);
    let fi = b.cast(CastOp::FToS, fd, Type::I64);
    let hundred = b.iconst(Type::I64, 1000);
    let t5 = b.bin(BinOp::Mul, t4, hundred);
    let t6 = b.bin(BinOp::Add, t5, fi);
    b.ret(Some(t6));
    let rot = b.finish();
    let main = main_writing(|b| {
        let a = b.iconst(Type::I64, 1);
        let c = b.iconst(Type::I64, 2);
        let d = b.iconst(Type::I64, 3);
        let x = b.fconst(Type::F64, 100.0);
        let y = b.fconst(Type::F64, 1.0);
        vec![b.call(Callee::Direct("rot".into()), vec![a, c, d, x, y], Some(Type::I64)).unwrap()]
    });
    // 7 iterations, 6 rotations (a,c,d) -> (c,d,a): 6 % 3 == 0, floats swapped 6 times.
    expect_output(&[main, rot], &[], &[123 * 1000 + 99]);
}

/// Calls with stack arguments of both classes, recursion, an indirect call,
/// values live across calls.
#[test]
fn calls() {
    // many(i0..i9: I64, f0..f9: F64) = sum(i_k * (k+1)) + (sum f_k * (k+1)) as int
    let mut params = vec![Type::I64; 10];
    params.extend(vec![Type::F64; 10]);
    params.push(Type::I32);
    params.push(Type::F32);
    let mut b = FunctionBuilder::new("many", "many", &params, Some(Type::I64), Span::NONE);
    let p = b.block_params(BlockId(0)).to_vec();
    let mut acc = b.iconst(Type::I64, 0);
    let mut facc = b.fconst(Type::F64, 0.0);
    for k in 0..10 {
        let w = b.iconst(Type::I64, k + 1);
        let t = b.bin(BinOp::Mul, p[k as usize], w);
        acc = b.bin(BinOp::Add, acc, t);
        let fw = b.fconst(Type::F64, (k + 1) as f64);
        let ft = b.bin(BinOp::FMul, p[10 + k as usize], fw);
        facc = b.bin(BinOp::FAdd, facc, ft);
    }
    let fi = b.cast(CastOp::FToS, facc, Type::I64);
    acc = b.bin(BinOp::Add, acc, fi);
    let i32v = b.cast(CastOp::Sext, p[20], Type::I64);
    let k = b.iconst(Type::I64, 100_000);
    let i32v = b.bin(BinOp::Mul, i32v, k);
    acc = b.bin(BinOp::Add, acc, i32v);
    let f32v = b.cast(CastOp::FToS, p[21], Type::I64);
    let k = b.iconst(Type::I64, 10_000_000);
    let f32v = b.bin(BinOp::Mul, f32v, k);
    acc = b.bin(BinOp::Add, acc, f32v);
    b.ret(Some(acc));
    let many = b.finish();

    // fib(n) = n < 2 ? n : fib(n-1) + fib(n-2), recursive.
    let mut b = FunctionBuilder::new("fib", "fib", &[Type::I64], Some(Type::I64), Span::NONE);
    let n = b.block_params(BlockId(0))[0];
    let small = b.new_block();
    let big = b.new_block();
    let two = b.iconst(Type::I64, 2);
    let c = b.icmp(IntCC::Slt, n, two);
    b.branch(c, small, vec![], big, vec![]);
    b.switch_to(small);
    b.ret(Some(n));
    b.switch_to(big);
    let one = b.iconst(Type::I64, 1);
    let n1 = b.bin(BinOp::Sub, n, one);
    let a = b.call(Callee::Direct("fib".into()), vec![n1], Some(Type::I64)).unwrap();
    let n2 = b.bin(BinOp::Sub, n, two);
    let c2 = b.call(Callee::Direct("fib".into()), vec![n2], Some(Type::I64)).unwrap();
    let s = b.bin(BinOp::Add, a, c2);
    b.ret(Some(s));
    let fib = b.finish();

    let main = main_writing(|b| {
        let mut args = Vec::new();
        for k in 0..10 {
            args.push(b.iconst(Type::I64, 3 * k - 5));
        }
        for k in 0..10 {
            args.push(b.fconst(Type::F64, 0.5 * k as f64));
        }
        args.push(b.iconst(Type::I32, -4));
        args.push(b.fconst(Type::F32, 2.0));
        // A value live across the calls.
        let keep = b.iconst(Type::I64, 777);
        let fkeep = b.fconst(Type::F64, 2.5);
        let r1 = b.call(Callee::Direct("many".into()), args, Some(Type::I64)).unwrap();
        let twenty = b.iconst(Type::I64, 20);
        let r2 = b.call(Callee::Direct("fib".into()), vec![twenty], Some(Type::I64)).unwrap();
        let fp = b.sym_addr("fib");
        let ten = b.iconst(Type::I64, 10);
        let r3 = b.call(Callee::Indirect(fp), vec![ten], Some(Type::I64)).unwrap();
        let k2 = b.bin(BinOp::Add, keep, r3);
        vec![r1, r2, r3, k2, fkeep]
    });
    let mut e1: i64 = (0..10).map(|k| (3 * k - 5) * (k + 1)).sum();
    e1 += (0..10).map(|k| 0.5 * k as f64 * (k + 1) as f64).sum::<f64>() as i64;
    e1 += -4 * 100_000 + 2 * 10_000_000;
    expect_output(&[main, many, fib], &[], &[e1, 6765, 55, 832, f64_bits(2.5)]);
}

/// Loads and stores of every width through stack slots, at small, unaligned
/// and large offsets; a frame beyond the reach of immediate offsets; data
/// addressed through a symbol.
#[test]
fn memory() {
    let table = Data { name: "table".into(), bytes: (0..64u8).map(|i| i * 3).collect(), align: 8, readonly: true, linkage: Linkage::Local, relocs: vec![] };
    let main = main_writing(|b| {
        let mut out = Vec::new();
        let small = b.new_slot(32, 8);
        let huge = b.new_slot(70_000, 16);
        let after = b.new_slot(8, 8);
        let s = b.slot_addr(small);
        let h = b.slot_addr(huge);
        let a = b.slot_addr(after);
        let v = b.iconst(Type::I64, 0x0102_0304_0506_0708);
        b.store(v, s, 0);
        for (ty, off) in [(Type::I8, 1), (Type::I16, 2), (Type::I32, 4), (Type::I16, 3), (Type::I32, 1), (Type::I64, 0)] {
            out.push(b.load(ty, s, off));
        }
        let m = b.iconst(Type::I64, -2);
        let m8 = b.cast(CastOp::Trunc, m, Type::I8);
        b.store(m8, s, 9);
        let w9 = b.load(Type::I8, s, 9);
        out.push(w9); // zero-extending load, then sign-extended by the writer
        let x = b.load(Type::I64, s, 8);
        out.push(x);
        let fv = b.fconst(Type::F64, 6.5);
        b.store(fv, s, 16);
        let f32v = b.fconst(Type::F32, -1.25);
        b.store(f32v, s, 24);
        out.push(b.load(Type::F64, s, 16));
        out.push(b.load(Type::F32, s, 24));
        // Large offsets, positive and negative, beyond every immediate form.
        let big = b.iconst(Type::I64, 0x55aa);
        b.store(big, h, 69_992);
        let mid = b.iconst(Type::I64, 40_000);
        let hm = b.bin(BinOp::Add, h, mid);
        out.push(b.load(Type::I64, hm, 29_992));
        b.store(fv, hm, -39_000);
        out.push(b.load(Type::F64, h, 1000));
        out.push(b.load(Type::I64, hm, -257));
        // The slot after the huge one (its address needs a large offset).
        let q = b.iconst(Type::I32, 0x7777);
        b.store(q, a, 4);
        out.push(b.load(Type::I32, a, 4));
        // Read-only data through a symbol.
        let t = b.sym_addr("table");
        out.push(b.load(Type::I8, t, 63));
        out.push(b.load(Type::I32, t, 4));
        out
    });
    let expected = [
        0x07,
        0x0506,
        0x0102_0304,
        0x0405,
        0x0405_0607,
        0x0102_0304_0506_0708,
        -2,
        0xfe00,
        f64_bits(6.5),
        f32_bits(-1.25),
        0x55aa,
        f64_bits(6.5),
        // 8 bytes at h + 39743: zero (the frame is fresh stack, never written there)
        0,
        0x7777,
        (63 * 3) as u8 as i8 as i64,
        i32::from_le_bytes([12, 15, 18, 21]) as i64,
    ];
    expect_output(&[main], &[table], &expected);
}

/// More live values than registers: forces the allocator to spill.
#[test]
fn register_pressure() {
    let main = main_writing(|b| {
        let ints: Vec<Value> = (0..40).map(|k| b.iconst(Type::I64, k * k + 1)).collect();
        let floats: Vec<Value> = (0..40).map(|k| b.fconst(Type::F64, k as f64 + 0.25)).collect();
        let mut acc = b.iconst(Type::I64, 0);
        let mut facc = b.fconst(Type::F64, 0.0);
        for (k, v) in ints.iter().enumerate() {
            let w = b.iconst(Type::I64, k as i64 + 1);
            let t = b.bin(BinOp::Mul, *v, w);
            acc = b.bin(BinOp::Add, acc, t);
        }
        for v in &floats {
            facc = b.bin(BinOp::FAdd, facc, *v);
        }
        // Use them all again after the sums so they stay live throughout.
        let mut x = b.iconst(Type::I64, 0);
        for v in &ints {
            x = b.bin(BinOp::Xor, x, *v);
        }
        vec![acc, facc, x]
    });
    let acc: i64 = (0..40).map(|k| (k * k + 1) * (k + 1)).sum();
    let facc: f64 = (0..40).map(|k| k as f64 + 0.25).fold(0.0, |a, b| a + b);
    let x = (0..40).fold(0i64, |a, k| a ^ (k * k + 1));
    expect_output(&[main], &[], &[acc, f64_bits(facc), x]);
}

#[test]
fn symbol_line_rows_and_listing() {
    let mut b = FunctionBuilder::new("f", "f", &[Type::I64], Some(Type::I64), Span { file: 0, line: 3, col: 1 });
    let p = b.block_params(BlockId(0))[0];
    b.span = Span { file: 0, line: 4, col: 5 };
    let k = b.iconst(Type::I64, 0x1_0000_0001);
    b.span = Span { file: 0, line: 5, col: 5 };
    let s = b.bin(BinOp::Add, p, k);
    b.ret(Some(s));
    let mut f = b.finish();
    f.linkage = Linkage::Global;
    let mut o = Object::new(crate::obj::Arch::Aarch64);
    let isa = super::Aarch64::new();
    use super::super::Isa;
    isa.compile_function(&f, &mut o).unwrap();
    let sym = o.symbols.iter().find(|s| s.name == "f").unwrap();
    assert!(sym.global && sym.is_func);
    assert_eq!(sym.size as usize, o.sections[0].bytes.len());
    let lines: Vec<u32> = o.lines.iter().map(|l| l.span.line).collect();
    assert_eq!(lines, vec![3, 4, 5]);
    assert!(o.lines.iter().all(|l| l.is_stmt));
    let listing = isa.disassemble(&o.sections[0].bytes, 0x1000);
    assert!(listing.contains("stp\tx29, x30, [sp, #-16]!"), "{}", listing);
    assert!(listing.contains("ret"), "{}", listing);
    check_against_objdump(&o.sections[0].bytes);
}

/// A debugging aid: `cargo test -p dc-backend show_listing -- --ignored --nocapture`.
#[test]
#[ignore]
fn show_listing() {
    let mut b = FunctionBuilder::new("f", "f", &[Type::I64, Type::I64], Some(Type::I64), Span::NONE);
    let p = b.block_params(BlockId(0)).to_vec();
    let big = b.new_slot(40_000, 8);
    let a = b.slot_addr(big);
    b.store(p[0], a, 39_000);
    let r = b.call(Callee::Direct("g".into()), vec![p[1]], Some(Type::I64)).unwrap();
    let l = b.load(Type::I64, a, 39_000);
    let s = b.bin(BinOp::SRem, l, r);
    let s8 = b.cast(CastOp::Trunc, s, Type::I8);
    let q = b.bin(BinOp::SDiv, s8, s8);
    let z = b.cast(CastOp::Sext, q, Type::I64);
    let t = b.bin(BinOp::Add, z, p[0]);
    b.ret(Some(t));
    let f = b.finish();
    let o = compile(&[f], &[], false);
    println!("{}", disasm::listing(&o.sections[0].bytes, 0));
}

/// Branch conditions are I8: only the low byte counts. Arguments are passed
/// in a permuted order (a parallel-move cycle through x0..x2), and a block
/// ending in `unreachable` is never entered.
#[test]
fn branches_permutations_unreachable() {
    // pick(c: I8, a, b) = c ? a : b
    let mut b = FunctionBuilder::new("pick", "pick", &[Type::I8, Type::I64, Type::I64], Some(Type::I64), Span::NONE);
    let p = b.block_params(BlockId(0)).to_vec();
    let join = b.new_block();
    let r = b.add_block_param(join, Type::I64);
    b.branch(p[0], join, vec![p[1]], join, vec![p[2]]);
    b.switch_to(join);
    b.ret(Some(r));
    let pick = b.finish();

    // rot(a, b, c) = a*100 + b*10 + c
    let mut b = FunctionBuilder::new("digits", "digits", &[Type::I64, Type::I64, Type::I64], Some(Type::I64), Span::NONE);
    let p = b.block_params(BlockId(0)).to_vec();
    let h = b.iconst(Type::I64, 100);
    let t = b.iconst(Type::I64, 10);
    let a = b.bin(BinOp::Mul, p[0], h);
    let c = b.bin(BinOp::Mul, p[1], t);
    let s = b.bin(BinOp::Add, a, c);
    let s = b.bin(BinOp::Add, s, p[2]);
    b.ret(Some(s));
    let digits = b.finish();

    // perm(a, b, c) = digits(c, a, b)
    let mut b = FunctionBuilder::new("perm", "perm", &[Type::I64, Type::I64, Type::I64], Some(Type::I64), Span::NONE);
    let p = b.block_params(BlockId(0)).to_vec();
    let r = b.call(Callee::Direct("digits".into()), vec![p[2], p[0], p[1]], Some(Type::I64)).unwrap();
    let trap = b.new_block();
    let out = b.new_block();
    let zero = b.iconst(Type::I64, 0);
    let neg = b.icmp(IntCC::Slt, r, zero);
    b.branch(neg, trap, vec![], out, vec![]);
    b.switch_to(trap);
    b.unreachable();
    b.switch_to(out);
    b.ret(Some(r));
    let perm = b.finish();

    let main = main_writing(|b| {
        let mut out = Vec::new();
        for c in [0x100i64, 0x101, 0x7f00_0000_0000_0000, 2] {
            let w = b.iconst(Type::I64, c);
            let c8 = b.cast(CastOp::Trunc, w, Type::I8);
            let x = b.iconst(Type::I64, 11);
            let y = b.iconst(Type::I64, 22);
            out.push(b.call(Callee::Direct("pick".into()), vec![c8, x, y], Some(Type::I64)).unwrap());
        }
        let a = b.iconst(Type::I64, 1);
        let c = b.iconst(Type::I64, 2);
        let d = b.iconst(Type::I64, 3);
        out.push(b.call(Callee::Direct("perm".into()), vec![a, c, d], Some(Type::I64)).unwrap());
        out
    });
    expect_output(&[main, pick, digits, perm], &[], &[22, 11, 22, 11, 312]);
}

// ---- instruction selection ----------------------------------------------------------

/// `a cc b` on the low `bits` bits of a and b.
fn eval_icmp(cc: IntCC, bits: u32, a: i64, b: i64) -> bool {
    let mask = if bits == 64 { u64::MAX } else { (1u64 << bits) - 1 };
    let sx = |v: u64| -> i64 { ((v << (64 - bits)) as i64) >> (64 - bits) };
    let (ua, ub) = (a as u64 & mask, b as u64 & mask);
    let (sa, sb) = (sx(ua), sx(ub));
    match cc {
        IntCC::Eq => ua == ub,
        IntCC::Ne => ua != ub,
        IntCC::Slt => sa < sb,
        IntCC::Sle => sa <= sb,
        IntCC::Sgt => sa > sb,
        IntCC::Sge => sa >= sb,
        IntCC::Ult => ua < ub,
        IntCC::Ule => ua <= ub,
        IntCC::Ugt => ua > ub,
        IntCC::Uge => ua >= ub,
    }
}

const ALL_CCS: [IntCC; 10] = [IntCC::Eq, IntCC::Ne, IntCC::Slt, IntCC::Sle, IntCC::Sgt, IntCC::Sge, IntCC::Ult, IntCC::Ule, IntCC::Ugt, IntCC::Uge];

/// Constants around the edges of the immediate forms: add/sub 12 bits
/// (shifted or not), cmp/cmn, bitmasks, powers of two, shift amounts past
/// a narrow width.
const IMMS: [i64; 18] = [0, 1, 2, 5, 7, 12, 31, 33, 63, 0x80, 0xff, 4095, 4096, 0x7f_f000, -1, -5, -4095, -0x1000];

/// Register operands with garbage above the narrow widths.
const REG_OPERANDS: [i64; 4] = [0x1234_5678_9abc_def0, -100, 0x5555_5555_aaaa_8001u64 as i64, 5];

fn narrow(b: &mut FunctionBuilder, ty: Type, v: i64) -> Value {
    let w = b.iconst(Type::I64, v);
    if ty == Type::I64 { w } else { b.cast(CastOp::Trunc, w, ty) }
}

/// Every binary op but division with a constant on either side, in every
/// width: the constant forms must compute what the register forms do.
#[test]
fn immediate_operands_all_widths() {
    let ops = [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::And, BinOp::Or, BinOp::Xor, BinOp::Shl, BinOp::LShr, BinOp::AShr];
    for (ty, bits) in [(Type::I64, 64), (Type::I32, 32), (Type::I16, 16), (Type::I8, 8)] {
        let f = main_writing(|b| {
            let mut out = Vec::new();
            for &x in &REG_OPERANDS {
                let a = narrow(b, ty, x);
                for &c in &IMMS {
                    let k = b.iconst(ty, c);
                    for op in ops {
                        out.push(b.bin(op, a, k));
                        out.push(b.bin(op, k, a));
                    }
                }
            }
            out
        });
        let mut e = Vec::new();
        for &x in &REG_OPERANDS {
            for &c in &IMMS {
                for op in ops {
                    e.push(eval_bin(op, bits, x, c));
                    e.push(eval_bin(op, bits, c, x));
                }
            }
        }
        expect_output(&[f], &[], &e);
    }
}

/// Compares with a constant on either side, both materialized (cset) and
/// fused into the branch (b.cond, cbz/cbnz, tst), with and without edge
/// arguments, in every width.
#[test]
fn compares_with_immediates_and_fused_branches() {
    for (ty, bits) in [(Type::I64, 64), (Type::I32, 32), (Type::I16, 16), (Type::I8, 8)] {
        let operands = [0, 5, -5, 0x7f, 0x80, 4096, -4096, 0x1_0000_0000];
        let f = main_writing(|b| {
            let mut out = Vec::new();
            let mut n = 0;
            for &x in &operands {
                let a = narrow(b, ty, x + (0x3300 << 32) * (bits < 64) as i64);
                for &c in &[0i64, 5, -5, 0x7f, 0x80, 4095, -4096, 0x12_3000] {
                    for cc in ALL_CCS {
                        let k = b.iconst(ty, c);
                        let (l, r) = if n % 2 == 0 { (a, k) } else { (k, a) };
                        n += 1;
                        out.push(b.icmp(cc, l, r));
                        // The same compare deciding a branch.
                        let then = b.new_block();
                        let else_ = b.new_block();
                        let join = b.new_block();
                        let res = b.add_block_param(join, Type::I64);
                        let k2 = b.iconst(ty, c);
                        let (l, r) = if n % 2 == 0 { (a, k2) } else { (k2, a) };
                        let cond = b.icmp(cc, l, r);
                        if n % 3 == 0 {
                            // Arguments on the edges: moves after the branch.
                            let one = b.iconst(Type::I64, 1);
                            let two = b.iconst(Type::I64, 2);
                            b.branch(cond, join, vec![one], join, vec![two]);
                        } else {
                            b.branch(cond, then, vec![], else_, vec![]);
                            b.switch_to(then);
                            let one = b.iconst(Type::I64, 1);
                            b.jump(join, vec![one]);
                            b.switch_to(else_);
                            let two = b.iconst(Type::I64, 2);
                            b.jump(join, vec![two]);
                        }
                        b.switch_to(join);
                        out.push(res);
                    }
                }
            }
            out
        });
        let mut e = Vec::new();
        let mut n = 0;
        for &x in &operands {
            let x = x + (0x3300 << 32) * (bits < 64) as i64;
            for &c in &[0i64, 5, -5, 0x7f, 0x80, 4095, -4096, 0x12_3000] {
                for cc in ALL_CCS {
                    let (l, r) = if n % 2 == 0 { (x, c) } else { (c, x) };
                    n += 1;
                    e.push(eval_icmp(cc, bits, l, r) as i64);
                    let (l, r) = if n % 2 == 0 { (x, c) } else { (c, x) };
                    e.push(if eval_icmp(cc, bits, l, r) { 1 } else { 2 });
                }
            }
        }
        expect_output(&[f], &[], &e);
    }
}

/// Float compares fused into branches, against a register and against zero
/// (fcmp #0.0), NaN included.
#[test]
fn fused_float_branches() {
    let fccs = [FloatCC::Eq, FloatCC::Ne, FloatCC::Lt, FloatCC::Le, FloatCC::Gt, FloatCC::Ge];
    let xs = [1.5, -2.0, 0.0, -0.0, f64::NAN];
    let f = main_writing(|b| {
        let mut out = Vec::new();
        for ty in [Type::F64, Type::F32] {
            for &x in &xs {
                let a = b.fconst(ty, x);
                for cc in fccs {
                    for y in [0.0, 1.5] {
                        let then = b.new_block();
                        let join = b.new_block();
                        let res = b.add_block_param(join, Type::I64);
                        let k = b.fconst(ty, y);
                        let cond = b.fcmp(cc, a, k);
                        let two = b.iconst(Type::I64, 2);
                        b.branch(cond, then, vec![], join, vec![two]);
                        b.switch_to(then);
                        let one = b.iconst(Type::I64, 1);
                        b.jump(join, vec![one]);
                        b.switch_to(join);
                        out.push(res);
                    }
                }
            }
        }
        out
    });
    let mut e = Vec::new();
    for _ in 0..2 {
        for &x in &xs {
            for cc in fccs {
                for y in [0.0, 1.5] {
                    let t = match cc {
                        FloatCC::Eq => x == y,
                        FloatCC::Ne => x != y,
                        FloatCC::Lt => x < y,
                        FloatCC::Le => x <= y,
                        FloatCC::Gt => x > y,
                        FloatCC::Ge => x >= y,
                    };
                    e.push(if t { 1 } else { 2 });
                }
            }
        }
    }
    expect_output(&[f], &[], &e);
}

fn listing_of(f: Function) -> String {
    let o = compile(&[f], &[], false);
    check_against_objdump(&o.sections[0].bytes);
    disasm::listing(&o.sections[0].bytes, 0)
}

/// What the selection buys: a loop's compare goes straight into b.cond with
/// an immediate, constants fold into add/and/shift forms and vanish, stack
/// slots are addressed from sp, zero is stored from the zero register.
#[test]
fn selection_listing() {
    // sum(n) = for i in 0..n: s += (i & 0xff) << 3 in a stack slot, i += 1
    let mut b = FunctionBuilder::new("f", "f", &[Type::I64], Some(Type::I64), Span::NONE);
    let n = b.block_params(BlockId(0))[0];
    let slot = b.new_slot(16, 8);
    let head = b.new_block();
    let exit = b.new_block();
    let i = b.add_block_param(head, Type::I64);
    let sa = b.slot_addr(slot);
    let zero = b.iconst(Type::I64, 0);
    b.store(zero, sa, 8);
    b.jump(head, vec![zero]);
    b.switch_to(head);
    let mask = b.iconst(Type::I64, 0xff);
    let m = b.bin(BinOp::And, i, mask);
    let three = b.iconst(Type::I64, 3);
    let sh = b.bin(BinOp::Shl, m, three);
    let sa2 = b.slot_addr(slot);
    let s = b.load(Type::I64, sa2, 8);
    let s2 = b.bin(BinOp::Add, s, sh);
    b.store(s2, sa2, 8);
    let one = b.iconst(Type::I64, 1);
    let i2 = b.bin(BinOp::Add, i, one);
    let more = b.icmp(IntCC::Slt, i2, n);
    b.branch(more, head, vec![i2], exit, vec![]);
    b.switch_to(exit);
    let sa3 = b.slot_addr(slot);
    let r = b.load(Type::I64, sa3, 8);
    let ten = b.iconst(Type::I64, 10);
    let done = b.icmp(IntCC::Sgt, r, ten);
    let big = b.new_block();
    let small = b.new_block();
    b.branch(done, big, vec![], small, vec![]);
    b.switch_to(big);
    b.ret(Some(r));
    b.switch_to(small);
    let z = b.iconst(Type::I64, 0);
    let isz = b.icmp(IntCC::Eq, r, z);
    let w = b.new_block();
    b.branch(isz, small, vec![], w, vec![]);
    b.switch_to(w);
    b.ret(Some(n));
    let text = listing_of(b.finish());
    for want in ["str\txzr, [sp, #8]", "and\tx", ", #0xff", "lsl\tx", ", #3", "ldr\tx", "add\tx", ", #0x1", "cmp\tx", "b.lt", "cmp\tx", ", #0xa", "cbz\tx"] {
        assert!(text.contains(want), "no `{}` in\n{}", want, text);
    }
    for unwanted in ["cset", "tst", "add\tx9, sp", "add\tx10, sp"] {
        assert!(!text.contains(unwanted), "`{}` in\n{}", unwanted, text);
    }
    // One constant is loaded: the loop counter's 0, straight into its
    // parameter's register; the others are immediates.
    let movs = text.lines().filter(|l| l.contains("\tmov\t") && l.contains('#')).count();
    assert_eq!(movs, 1, "{}", text);
}

/// Blocks ending in `unreachable` (fault reports) are emitted last, so the
/// checked path falls through: one conditional branch out, no jump over the
/// report.
#[test]
fn cold_blocks_go_last() {
    // get(i) = i < 10 ? i * 3 : fault()
    let mut b = FunctionBuilder::new("main", "main", &[], Some(Type::I64), Span::NONE);
    let fault = b.new_block();
    let ok = b.new_block();
    let i = b.iconst(Type::I64, 4);
    let ten = b.iconst(Type::I64, 10);
    let out = b.icmp(IntCC::Uge, i, ten);
    b.branch(out, fault, vec![], ok, vec![]);
    b.switch_to(fault);
    b.unreachable();
    b.switch_to(ok);
    let three = b.iconst(Type::I64, 3);
    let r = b.bin(BinOp::Mul, i, three);
    b.ret(Some(r));
    let f = b.finish();
    let text = listing_of(f.clone());
    let last = text.lines().last().unwrap();
    assert!(last.ends_with("brk\t#0x1"), "{}", text);
    assert!(text.contains("b.cs"), "{}", text);
    assert!(!text.lines().any(|l| l.contains("\tb\t")), "{}", text);
    let Some((status, _)) = run(&link(&compile(&[f], &[], false))) else { return };
    assert_eq!(status, 12);
}

/// Loads and stores whose address is `base + index` or `base + (index <<
/// log2(size))` (as a shift or a multiply) computed right before them use
/// the register-offset forms; in every width, both allocations.
#[test]
fn indexed_addressing() {
    let table = Data { name: "table".into(), bytes: (0..64u8).map(|i| i.wrapping_mul(37)).collect(), align: 8, readonly: true, linkage: Linkage::Local, relocs: vec![] };
    let widths = [(Type::I8, 0), (Type::I16, 1), (Type::I32, 2), (Type::I64, 3), (Type::F32, 2), (Type::F64, 3)];
    let main = main_writing(|b| {
        let mut out = Vec::new();
        let slot = b.new_slot(64, 8);
        for (n, &(ty, log)) in widths.iter().enumerate() {
            let i = b.iconst(Type::I64, 3);
            let t = b.sym_addr("table");
            // Scaled by a shift, by a multiply, and unscaled.
            let l = b.iconst(Type::I64, log);
            let s = b.bin(BinOp::Shl, i, l);
            let a = b.bin(BinOp::Add, t, s);
            let v = b.load(ty, a, 0);
            out.push(v);
            let size = b.iconst(Type::I64, 1 << log);
            let s = b.bin(BinOp::Mul, size, i);
            let a = b.bin(BinOp::Add, s, t);
            out.push(b.load(ty, a, 0));
            let a = b.bin(BinOp::Add, t, i);
            out.push(b.load(ty, a, 0));
            // Store it scaled into the slot, then zero next to it; read both back.
            let base = b.slot_addr(slot);
            let j = b.iconst(Type::I64, n as i64 % 2);
            let s = b.bin(BinOp::Shl, j, l);
            let a = b.bin(BinOp::Add, base, s);
            b.store(v, a, 0);
            let one = b.iconst(Type::I64, 1);
            let j1 = b.bin(BinOp::Add, j, one);
            let s = b.bin(BinOp::Shl, j1, l);
            let a = b.bin(BinOp::Add, base, s);
            let zero = if ty.is_float() { b.fconst(ty, 0.0) } else { b.iconst(ty, 0) };
            b.store(zero, a, 0);
            let a = b.bin(BinOp::Add, base, j);
            out.push(b.load(ty, a, 0));
            let z = b.load(ty, base, (((n as i64 % 2) + 1) << log) as i32);
            out.push(z);
        }
        out
    });
    let bytes: Vec<u8> = (0..64u8).map(|i| i.wrapping_mul(37)).collect();
    let at = |off: usize, ty: Type| -> i64 {
        let mut w = [0u8; 8];
        let n = ty.bytes() as usize;
        w[..n].copy_from_slice(&bytes[off..off + n]);
        let u = u64::from_le_bytes(w);
        match ty {
            Type::I8 => u as u8 as i8 as i64,
            Type::I16 => u as u16 as i16 as i64,
            Type::I32 => u as u32 as i32 as i64,
            Type::F32 => u as i64,
            _ => u as i64,
        }
    };
    let mut e = Vec::new();
    // The slot as the stores leave it (every byte read is written first).
    let mut slot = vec![0u8; 64];
    for (n, &(ty, log)) in widths.iter().enumerate() {
        let v = at(3 << log, ty);
        e.push(v);
        e.push(v);
        e.push(at(3, ty));
        // Unscaled j: byte offset 0 or 1 into what was stored at j << log.
        let j = n % 2;
        let size = ty.bytes() as usize;
        slot[j << log..(j << log) + size].copy_from_slice(&bytes[3 << log..(3 << log) + size]);
        for x in &mut slot[(j + 1) << log..((j + 1) << log) + size] {
            *x = 0;
        }
        let mut w = [0u8; 8];
        w[..size].copy_from_slice(&slot[j..j + size]);
        let u = u64::from_le_bytes(w);
        e.push(match ty {
            Type::I8 => u as u8 as i8 as i64,
            Type::I16 => u as u16 as i16 as i64,
            Type::I32 => u as u32 as i32 as i64,
            _ => u as i64,
        });
        e.push(0);
    }
    expect_output(&[main], &[table.clone()], &e);
    let o = compile(&[main_writing(|b| {
        let t = b.sym_addr("table");
        let i = b.iconst(Type::I64, 2);
        let l = b.iconst(Type::I64, 3);
        let s = b.bin(BinOp::Shl, i, l);
        let a = b.bin(BinOp::Add, t, s);
        vec![b.load(Type::I64, a, 0)]
    })], &[table], false);
    let text = disasm::listing(&o.sections[0].bytes, 0);
    assert!(text.contains(", lsl #3]"), "{}", text);
}
