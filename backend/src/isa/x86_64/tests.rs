//! Execution tests: build IR, compile it, map the code into executable
//! memory, resolve its relocations here, and call it.

use crate::ir::*;
use crate::obj::{Arch, Object, RelocKind};
use std::collections::HashMap;

/// Code and data of one object, mapped read-write-execute.
struct Jit {
    base: *mut u8,
    len: usize,
    syms: HashMap<String, u64>,
}

impl Drop for Jit {
    fn drop(&mut self) {
        unsafe {
            libc::munmap(self.base as *mut libc::c_void, self.len);
        }
    }
}

impl Jit {
    fn load(o: &Object, externs: &[(&str, u64)]) -> Jit {
        let mut size = 0u64;
        let mut sec_base = Vec::new();
        for s in &o.sections {
            size = (size + 15) / 16 * 16;
            sec_base.push(size);
            size += s.bytes.len().max(s.bss_size as usize) as u64;
        }
        size = (size + 15) / 16 * 16;
        let stub_base = size;
        size += 16 * externs.len() as u64;
        let len = ((size as usize) + 4095) / 4096 * 4096;
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len.max(4096),
                libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED);
        let base = base as *mut u8;
        let mem = unsafe { std::slice::from_raw_parts_mut(base, len.max(4096)) };
        for (s, &b) in o.sections.iter().zip(&sec_base) {
            mem[b as usize..b as usize + s.bytes.len()].copy_from_slice(&s.bytes);
        }
        let mut syms = HashMap::new();
        for s in &o.symbols {
            if let Some(sec) = s.section {
                syms.insert(
                    s.name.clone(),
                    base as u64 + sec_base[sec.0 as usize] + s.offset,
                );
            }
        }
        for (i, (name, addr)) in externs.iter().enumerate() {
            // jmp [rip+0]; .quad addr
            let at = (stub_base + 16 * i as u64) as usize;
            mem[at..at + 6].copy_from_slice(&[0xff, 0x25, 0, 0, 0, 0]);
            mem[at + 6..at + 14].copy_from_slice(&addr.to_le_bytes());
            syms.insert(name.to_string(), base as u64 + at as u64);
        }
        for r in &o.relocs {
            // Debug info is not executed; its relocations need not be applied.
            if o.sections[r.section.0 as usize].name.starts_with(".debug") {
                continue;
            }
            let s = *syms
                .get(&r.symbol)
                .unwrap_or_else(|| panic!("undefined symbol {}", r.symbol));
            let at = (sec_base[r.section.0 as usize] + r.offset) as usize;
            let p = base as u64 + at as u64;
            match r.kind {
                RelocKind::X86PcRel32 | RelocKind::X86Plt32 => {
                    let v = (s as i64 + r.addend - p as i64) as i32;
                    mem[at..at + 4].copy_from_slice(&v.to_le_bytes());
                }
                RelocKind::Abs64 => {
                    mem[at..at + 8].copy_from_slice(&((s as i64 + r.addend) as u64).to_le_bytes())
                }
                k => panic!("unexpected relocation {:?}", k),
            }
        }
        Jit {
            base,
            len: len.max(4096),
            syms,
        }
    }

    fn addr(&self, name: &str) -> *const u8 {
        self.syms[name] as *const u8
    }
}

macro_rules! func {
    ($jit:expr, $name:expr, fn($($arg:ty),* $(,)?) -> $ret:ty) => {{
        let p = $jit.addr($name);
        unsafe { std::mem::transmute::<*const u8, extern "sysv64" fn($($arg),*) -> $ret>(p) }
    }};
}

fn build(
    name: &str,
    params: &[Type],
    ret: Option<Type>,
    body: impl FnOnce(&mut FunctionBuilder, &[Value]),
) -> Function {
    let mut b = FunctionBuilder::new(
        name,
        name,
        params,
        ret,
        Span {
            file: 0,
            line: 1,
            col: 1,
        },
    );
    let ps = b.block_params(BlockId(0)).to_vec();
    body(&mut b, &ps);
    let mut f = b.finish();
    f.linkage = Linkage::Global;
    f
}

fn jit(fs: Vec<Function>) -> Jit {
    jit_with(
        Module {
            files: vec!["t.dk".into()],
            functions: fs,
            data: vec![],
        },
        &[],
    )
}

fn jit_with(m: Module, externs: &[(&str, u64)]) -> Jit {
    let o = crate::compile_module(&m, Arch::X86_64).unwrap();
    Jit::load(&o, externs)
}

const INTS: [u64; 22] = [
    0,
    1,
    2,
    3,
    7,
    13,
    0x7f,
    0x80,
    0xff,
    0x1234,
    0x8000,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0xdead_beef_0000_0005,
    0x0123_4567_89ab_cdef,
    u64::MAX,
    i64::MIN as u64,
    0xfedc_ba98_7654_3210,
    0x1_0000_0003,
    0xffff_fff0_0000_fffb,
];

const WIDTHS: [Type; 4] = [Type::I8, Type::I16, Type::I32, Type::I64];

fn mask(ty: Type) -> u64 {
    if ty == Type::I64 {
        u64::MAX
    } else {
        (1u64 << (8 * ty.bytes())) - 1
    }
}

fn sx(v: u64, ty: Type) -> i64 {
    let s = 64 - 8 * ty.bytes();
    ((v << s) as i64) >> s
}

/// Reference semantics of integer operators at a width, zero-extended; None
/// where the machine traps or the front end guarantees it never happens.
fn eval_bin(op: BinOp, ty: Type, a: u64, b: u64) -> Option<u64> {
    let m = mask(ty);
    let (a, b) = (a & m, b & m);
    let bits = 8 * ty.bytes() as u64;
    let wide_min = ty == Type::I32 || ty == Type::I64;
    let v = match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::SDiv | BinOp::SRem => {
            if b == 0 || (wide_min && sx(a, ty) == sx(1 << (bits - 1), ty) && sx(b, ty) == -1) {
                return None;
            }
            if op == BinOp::SDiv {
                sx(a, ty).wrapping_div(sx(b, ty)) as u64
            } else {
                sx(a, ty).wrapping_rem(sx(b, ty)) as u64
            }
        }
        BinOp::UDiv => a.checked_div(b)?,
        BinOp::URem => a.checked_rem(b)?,
        BinOp::Shl | BinOp::LShr | BinOp::AShr => {
            if b >= bits {
                return None;
            }
            match op {
                BinOp::Shl => a << b,
                BinOp::LShr => a >> b,
                _ => (sx(a, ty) >> b) as u64,
            }
        }
        _ => unreachable!(),
    };
    Some(v & m)
}

/// fn(x: i64, y: i64) -> i64 { zext(op(trunc x, trunc y)) }
fn narrow_bin(
    name: &str,
    ty: Type,
    body: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value,
) -> Function {
    build(name, &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let (x, y) = if ty == Type::I64 {
            (p[0], p[1])
        } else {
            (
                b.cast(CastOp::Trunc, p[0], ty),
                b.cast(CastOp::Trunc, p[1], ty),
            )
        };
        let r = body(b, x, y);
        let out = if b.func.ty(r) == Type::I64 {
            r
        } else {
            b.cast(CastOp::Zext, r, Type::I64)
        };
        b.ret(Some(out));
    })
}

const INT_OPS: [BinOp; 13] = [
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

#[test]
fn integer_operators_at_every_width() {
    let mut fs = Vec::new();
    for ty in WIDTHS {
        for op in INT_OPS {
            fs.push(narrow_bin(&format!("f_{:?}_{}", op, ty), ty, |b, x, y| {
                b.bin(op, x, y)
            }));
            // The same with one operand reused, so source and result registers alias.
            fs.push(narrow_bin(&format!("g_{:?}_{}", op, ty), ty, |b, x, _| {
                b.bin(op, x, x)
            }));
        }
    }
    let j = jit(fs);
    for ty in WIDTHS {
        for op in INT_OPS {
            let f = func!(j, &format!("f_{:?}_{}", op, ty), fn(u64, u64) -> u64);
            let g = func!(j, &format!("g_{:?}_{}", op, ty), fn(u64, u64) -> u64);
            for &a in &INTS {
                for &b in &INTS {
                    if let Some(want) = eval_bin(op, ty, a, b) {
                        assert_eq!(f(a, b), want, "{:?} {} {:#x} {:#x}", op, ty, a, b);
                    }
                }
                if let Some(want) = eval_bin(op, ty, a, a) {
                    assert_eq!(g(a, 0), want, "{:?} {} {:#x} (x op x)", op, ty, a);
                }
            }
        }
    }
}

#[test]
fn unary_and_constants() {
    let mut fs = Vec::new();
    for ty in WIDTHS {
        fs.push(narrow_bin(&format!("neg_{}", ty), ty, |b, x, _| {
            b.un(UnOp::Neg, x)
        }));
        fs.push(narrow_bin(&format!("not_{}", ty), ty, |b, x, _| {
            b.un(UnOp::Not, x)
        }));
    }
    let consts: [i64; 8] = [
        0,
        1,
        -1,
        0x7fff_ffff,
        -0x8000_0000,
        0x1_0000_0000,
        i64::MIN,
        0x1234_5678_9abc_def0,
    ];
    for (i, &c) in consts.iter().enumerate() {
        for ty in WIDTHS {
            fs.push(narrow_bin(&format!("c{}_{}", i, ty), ty, |b, _, _| {
                b.iconst(ty, c)
            }));
        }
    }
    let j = jit(fs);
    for ty in WIDTHS {
        let neg = func!(j, &format!("neg_{}", ty), fn(u64, u64) -> u64);
        let not = func!(j, &format!("not_{}", ty), fn(u64, u64) -> u64);
        for &a in &INTS {
            assert_eq!(neg(a, 0), a.wrapping_neg() & mask(ty));
            assert_eq!(not(a, 0), !a & mask(ty));
        }
        for (i, &c) in consts.iter().enumerate() {
            let f = func!(j, &format!("c{}_{}", i, ty), fn(u64, u64) -> u64);
            assert_eq!(f(0, 0), c as u64 & mask(ty), "const {} as {}", c, ty);
        }
    }
}

const INT_CCS: [IntCC; 10] = [
    IntCC::Eq,
    IntCC::Ne,
    IntCC::Slt,
    IntCC::Sle,
    IntCC::Sgt,
    IntCC::Sge,
    IntCC::Ult,
    IntCC::Ule,
    IntCC::Ugt,
    IntCC::Uge,
];

#[test]
fn integer_compares_at_every_width() {
    let mut fs = Vec::new();
    for ty in WIDTHS {
        for cc in INT_CCS {
            fs.push(narrow_bin(
                &format!("cmp_{:?}_{}", cc, ty),
                ty,
                |b, x, y| b.icmp(cc, x, y),
            ));
        }
    }
    let j = jit(fs);
    for ty in WIDTHS {
        for cc in INT_CCS {
            let f = func!(j, &format!("cmp_{:?}_{}", cc, ty), fn(u64, u64) -> u64);
            for &a in &INTS {
                for &b in &INTS {
                    let (ua, ub) = (a & mask(ty), b & mask(ty));
                    let (sa, sb) = (sx(a, ty), sx(b, ty));
                    let want = match cc {
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
                    };
                    assert_eq!(f(a, b), want as u64, "{:?} {} {:#x} {:#x}", cc, ty, a, b);
                }
            }
        }
    }
}

const FLOATS: [f64; 14] = [
    0.0,
    -0.0,
    1.0,
    -1.5,
    2.5,
    3.0e10,
    -7.25e-3,
    1.0e300,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    0.1,
    123456.789,
    -2.0,
];

fn same_float(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

#[test]
fn float_arithmetic_and_compares() {
    let ops = [BinOp::FAdd, BinOp::FSub, BinOp::FMul, BinOp::FDiv];
    let ccs = [
        FloatCC::Eq,
        FloatCC::Ne,
        FloatCC::Lt,
        FloatCC::Le,
        FloatCC::Gt,
        FloatCC::Ge,
    ];
    let mut fs = Vec::new();
    for ty in [Type::F64, Type::F32] {
        for op in ops {
            fs.push(build(
                &format!("f_{:?}_{}", op, ty),
                &[ty, ty],
                Some(ty),
                |b, p| {
                    let r = b.bin(op, p[0], p[1]);
                    b.ret(Some(r))
                },
            ));
            fs.push(build(
                &format!("g_{:?}_{}", op, ty),
                &[ty, ty],
                Some(ty),
                |b, p| {
                    // Result into the second operand's register for non-commutative ops.
                    let r = b.bin(op, p[1], p[0]);
                    let s = b.bin(op, p[0], r);
                    b.ret(Some(s))
                },
            ));
        }
        for cc in ccs {
            fs.push(build(
                &format!("c_{:?}_{}", cc, ty),
                &[ty, ty],
                Some(Type::I64),
                |b, p| {
                    let c = b.fcmp(cc, p[0], p[1]);
                    let z = b.cast(CastOp::Zext, c, Type::I64);
                    b.ret(Some(z))
                },
            ));
        }
        fs.push(build(&format!("neg_{}", ty), &[ty], Some(ty), |b, p| {
            let r = b.un(UnOp::FNeg, p[0]);
            b.ret(Some(r))
        }));
        fs.push(build(&format!("k_{}", ty), &[], Some(ty), |b, _| {
            let x = b.fconst(ty, 2.75);
            let z = b.fconst(ty, 0.0);
            let r = b.bin(BinOp::FAdd, x, z);
            b.ret(Some(r))
        }));
    }
    let j = jit(fs);
    for op in ops {
        let f = func!(j, &format!("f_{:?}_f64", op), fn(f64, f64) -> f64);
        let g = func!(j, &format!("g_{:?}_f64", op), fn(f64, f64) -> f64);
        let f32f = func!(j, &format!("f_{:?}_f32", op), fn(f32, f32) -> f32);
        let ev = |a: f64, b: f64| match op {
            BinOp::FAdd => a + b,
            BinOp::FSub => a - b,
            BinOp::FMul => a * b,
            _ => a / b,
        };
        let ev32 = |a: f32, b: f32| match op {
            BinOp::FAdd => a + b,
            BinOp::FSub => a - b,
            BinOp::FMul => a * b,
            _ => a / b,
        };
        for &a in &FLOATS {
            for &b in &FLOATS {
                assert!(same_float(f(a, b), ev(a, b)), "{:?} {} {}", op, a, b);
                assert!(
                    same_float(g(a, b), ev(a, ev(b, a))),
                    "{:?} {} {} (aliased)",
                    op,
                    a,
                    b
                );
                let (a32, b32) = (a as f32, b as f32);
                let r = f32f(a32, b32);
                assert!(
                    (r.is_nan() && ev32(a32, b32).is_nan())
                        || r.to_bits() == ev32(a32, b32).to_bits()
                );
            }
        }
    }
    for cc in ccs {
        let f = func!(j, &format!("c_{:?}_f64", cc), fn(f64, f64) -> u64);
        let f32f = func!(j, &format!("c_{:?}_f32", cc), fn(f32, f32) -> u64);
        for &a in &FLOATS {
            for &b in &FLOATS {
                let ev = |a: f64, b: f64| match cc {
                    FloatCC::Eq => a == b,
                    FloatCC::Ne => a != b,
                    FloatCC::Lt => a < b,
                    FloatCC::Le => a <= b,
                    FloatCC::Gt => a > b,
                    FloatCC::Ge => a >= b,
                };
                assert_eq!(f(a, b), ev(a, b) as u64, "{:?} {} {}", cc, a, b);
                let (a32, b32) = (a as f32, b as f32);
                assert_eq!(
                    f32f(a32, b32),
                    ev(a32 as f64, b32 as f64) as u64,
                    "{:?} {} {} f32",
                    cc,
                    a,
                    b
                );
            }
        }
    }
    let neg = func!(j, "neg_f64", fn(f64) -> f64);
    let neg32 = func!(j, "neg_f32", fn(f32) -> f32);
    for &a in &FLOATS {
        assert_eq!(neg(a).to_bits(), (-a).to_bits());
        assert_eq!(neg32(a as f32).to_bits(), (-(a as f32)).to_bits());
    }
    assert_eq!(func!(j, "k_f64", fn() -> f64)(), 2.75);
    assert_eq!(func!(j, "k_f32", fn() -> f32)(), 2.75);
}

#[test]
fn integer_casts() {
    let mut fs = Vec::new();
    for from in WIDTHS {
        for to in WIDTHS {
            if to.bytes() <= from.bytes() {
                continue;
            }
            for op in [CastOp::Sext, CastOp::Zext] {
                fs.push(build(
                    &format!("{:?}_{}_{}", op, from, to),
                    &[Type::I64],
                    Some(Type::I64),
                    |b, p| {
                        let t = b.cast(CastOp::Trunc, p[0], from);
                        let e = b.cast(op, t, to);
                        let out = if to == Type::I64 {
                            e
                        } else {
                            b.cast(CastOp::Zext, e, Type::I64)
                        };
                        b.ret(Some(out))
                    },
                ));
            }
        }
    }
    let j = jit(fs);
    for from in WIDTHS {
        for to in WIDTHS {
            if to.bytes() <= from.bytes() {
                continue;
            }
            let s = func!(j, &format!("Sext_{}_{}", from, to), fn(u64) -> u64);
            let z = func!(j, &format!("Zext_{}_{}", from, to), fn(u64) -> u64);
            for &a in &INTS {
                assert_eq!(
                    s(a),
                    sx(a, from) as u64 & mask(to),
                    "sext {} {} {:#x}",
                    from,
                    to,
                    a
                );
                assert_eq!(z(a), a & mask(from), "zext {} {} {:#x}", from, to, a);
            }
        }
    }
}

#[test]
fn int_float_conversions() {
    let mut fs = Vec::new();
    for from in WIDTHS {
        for fty in [Type::F64, Type::F32] {
            for op in [CastOp::SToF, CastOp::UToF] {
                fs.push(build(
                    &format!("{:?}_{}_{}", op, from, fty),
                    &[Type::I64],
                    Some(Type::F64),
                    |b, p| {
                        let t = if from == Type::I64 {
                            p[0]
                        } else {
                            b.cast(CastOp::Trunc, p[0], from)
                        };
                        let f = b.cast(op, t, fty);
                        let d = if fty == Type::F64 {
                            f
                        } else {
                            b.cast(CastOp::FExt, f, Type::F64)
                        };
                        b.ret(Some(d))
                    },
                ));
            }
            for op in [CastOp::FToS, CastOp::FToU] {
                fs.push(build(
                    &format!("{:?}_{}_{}", op, fty, from),
                    &[Type::F64],
                    Some(Type::I64),
                    |b, p| {
                        let x = if fty == Type::F64 {
                            p[0]
                        } else {
                            b.cast(CastOp::FTrunc, p[0], fty)
                        };
                        let i = b.cast(op, x, from);
                        let out = if from == Type::I64 {
                            i
                        } else {
                            b.cast(CastOp::Zext, i, Type::I64)
                        };
                        b.ret(Some(out))
                    },
                ));
            }
        }
    }
    fs.push(build("bits64", &[Type::F64], Some(Type::I64), |b, p| {
        let i = b.cast(CastOp::Bitcast, p[0], Type::I64);
        b.ret(Some(i))
    }));
    fs.push(build("bits32", &[Type::I64], Some(Type::F32), |b, p| {
        let t = b.cast(CastOp::Trunc, p[0], Type::I32);
        let f = b.cast(CastOp::Bitcast, t, Type::F32);
        b.ret(Some(f))
    }));
    fs.push(build("fbits32", &[Type::F32], Some(Type::I64), |b, p| {
        let i = b.cast(CastOp::Bitcast, p[0], Type::I32);
        let z = b.cast(CastOp::Zext, i, Type::I64);
        b.ret(Some(z))
    }));
    fs.push(build("ibits64", &[Type::I64], Some(Type::F64), |b, p| {
        let f = b.cast(CastOp::Bitcast, p[0], Type::F64);
        b.ret(Some(f))
    }));
    let j = jit(fs);
    for from in WIDTHS {
        for (fty, is64) in [(Type::F64, true), (Type::F32, false)] {
            let s = func!(j, &format!("SToF_{}_{}", from, fty), fn(u64) -> f64);
            let u = func!(j, &format!("UToF_{}_{}", from, fty), fn(u64) -> f64);
            for &a in &INTS {
                let (sv, uv) = (sx(a, from), a & mask(from));
                let (ws, wu) = if is64 {
                    (sv as f64, uv as f64)
                } else {
                    (sv as f32 as f64, uv as f32 as f64)
                };
                assert_eq!(s(a), ws, "sitofp {} {} {:#x}", from, fty, a);
                assert_eq!(u(a), wu, "uitofp {} {} {:#x}", from, fty, a);
            }
            let fs_ = func!(j, &format!("FToS_{}_{}", fty, from), fn(f64) -> u64);
            let fu = func!(j, &format!("FToU_{}_{}", fty, from), fn(f64) -> u64);
            let bits = 8 * from.bytes() as i32;
            for x in [
                0.0,
                -0.0,
                0.9,
                -0.9,
                1.5,
                -1.5,
                100.7,
                -100.7,
                127.0,
                -128.0,
                255.0,
                32767.9,
                65535.0,
                2147483647.0,
                -2147483648.0,
                4294967295.0,
                1.0e18,
                -1.0e18,
                9.2e18,
                9.3e18,
                1.8e19,
                9223372036854775808.0,
                18446744073709549568.0,
            ] {
                let x = if is64 { x } else { x as f32 as f64 };
                let t = x.trunc();
                if t >= -(2f64.powi(bits - 1)) && t < 2f64.powi(bits - 1) {
                    assert_eq!(
                        fs_(x),
                        (t as i64) as u64 & mask(from),
                        "fptosi {} {} {}",
                        fty,
                        from,
                        x
                    );
                }
                if t >= 0.0 && t < 2f64.powi(bits) {
                    assert_eq!(fu(x), t as u64, "fptoui {} {} {}", fty, from, x);
                }
            }
        }
    }
    assert_eq!(func!(j, "bits64", fn(f64) -> u64)(1.5), 1.5f64.to_bits());
    assert_eq!(
        func!(j, "bits32", fn(u64) -> f32)(0xdead_0000_0000_0000 | 2.5f32.to_bits() as u64),
        2.5
    );
    assert_eq!(
        func!(j, "fbits32", fn(f32) -> u64)(-3.25),
        (-3.25f32).to_bits() as u64
    );
    assert_eq!(func!(j, "ibits64", fn(u64) -> f64)(0.1f64.to_bits()), 0.1);
}

/// sum of i for i in 0..n, with a loop carrying two values.
#[test]
fn loops_with_block_parameters() {
    let f = build("sum", &[Type::I64], Some(Type::I64), |b, p| {
        let n = p[0];
        let head = b.new_block();
        let i = b.add_block_param(head, Type::I64);
        let s = b.add_block_param(head, Type::I64);
        let body = b.new_block();
        let exit = b.new_block();
        let zero = b.iconst(Type::I64, 0);
        b.jump(head, vec![zero, zero]);
        b.switch_to(head);
        let c = b.icmp(IntCC::Slt, i, n);
        b.branch(c, body, vec![], exit, vec![]);
        b.switch_to(body);
        let s2 = b.bin(BinOp::Add, s, i);
        let one = b.iconst(Type::I64, 1);
        let i2 = b.bin(BinOp::Add, i, one);
        b.jump(head, vec![i2, s2]);
        b.switch_to(exit);
        b.ret(Some(s));
    });
    // A rotation of many loop-carried values: the jump is a big cycle of
    // moves, some between spill slots.
    const K: usize = 24;
    let rot = build("rot", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let n = p[0];
        let head = b.new_block();
        let cnt = b.add_block_param(head, Type::I64);
        let vs: Vec<Value> = (0..K).map(|_| b.add_block_param(head, Type::I64)).collect();
        let body = b.new_block();
        let exit = b.new_block();
        let mut init = vec![b.iconst(Type::I64, 0)];
        for k in 0..K {
            let c = b.iconst(Type::I64, k as i64 * 3 + 1);
            init.push(b.bin(BinOp::Add, p[1], c));
        }
        b.jump(head, init);
        b.switch_to(head);
        let c = b.icmp(IntCC::Slt, cnt, n);
        b.branch(c, body, vec![], exit, vec![]);
        b.switch_to(body);
        let one = b.iconst(Type::I64, 1);
        let cnt2 = b.bin(BinOp::Add, cnt, one);
        let mut next = vec![cnt2];
        next.extend((0..K).map(|k| vs[(k + 1) % K]));
        b.jump(head, next);
        b.switch_to(exit);
        let mut acc = b.iconst(Type::I64, 0);
        for (k, &v) in vs.iter().enumerate() {
            let w = b.iconst(Type::I64, k as i64 + 1);
            let m = b.bin(BinOp::Mul, v, w);
            acc = b.bin(BinOp::Add, acc, m);
        }
        b.ret(Some(acc));
    });
    // Both edges of a branch pass arguments to the same block.
    let both = build("both", &[Type::I64], Some(Type::I64), |b, p| {
        let join = b.new_block();
        let x = b.add_block_param(join, Type::I64);
        let y = b.add_block_param(join, Type::I64);
        let ten = b.iconst(Type::I64, 10);
        let c = b.icmp(IntCC::Slt, p[0], ten);
        let one = b.iconst(Type::I64, 1);
        let a1 = b.bin(BinOp::Add, p[0], one);
        let a2 = b.bin(BinOp::Mul, p[0], ten);
        let five = b.iconst(Type::I64, 5);
        let seven = b.iconst(Type::I64, 7);
        b.branch(c, join, vec![a1, five], join, vec![seven, a2]);
        b.switch_to(join);
        let r = b.bin(BinOp::Sub, x, y);
        b.ret(Some(r));
    });
    let j = jit(vec![f, rot, both]);
    let sum = func!(j, "sum", fn(i64) -> i64);
    assert_eq!(sum(0), 0);
    assert_eq!(sum(10), 45);
    assert_eq!(sum(100000), 4999950000);
    let rot = func!(j, "rot", fn(i64, i64) -> i64);
    for n in [0i64, 1, 5, 23, 24, 100] {
        let base = 1000;
        let mut vs: Vec<i64> = (0..K).map(|k| base + k as i64 * 3 + 1).collect();
        for _ in 0..n {
            vs.rotate_left(1);
        }
        let want: i64 = vs.iter().enumerate().map(|(k, v)| v * (k as i64 + 1)).sum();
        assert_eq!(rot(n, base), want, "n={}", n);
    }
    let both = func!(j, "both", fn(i64) -> i64);
    assert_eq!(both(3), 4 - 5);
    assert_eq!(both(12), 7 - 120);
}

/// Many values live at once, across calls, in both register classes.
#[test]
fn spills_and_values_across_calls() {
    const K: i64 = 30;
    let g = build("g", &[Type::I64], Some(Type::I64), |b, p| {
        // Clobber what a callee may: trash caller-saved registers via a big expression.
        let c = b.iconst(Type::I64, 3);
        let r = b.bin(BinOp::Mul, p[0], c);
        b.ret(Some(r))
    });
    let f = build("f", &[Type::I64, Type::F64], Some(Type::F64), |b, p| {
        let vs: Vec<Value> = (0..K)
            .map(|k| {
                let c = b.iconst(Type::I64, k * k + 1);
                b.bin(BinOp::Mul, p[0], c)
            })
            .collect();
        let fsv: Vec<Value> = (0..K)
            .map(|k| {
                let c = b.fconst(Type::F64, k as f64 + 0.5);
                b.bin(BinOp::FMul, p[1], c)
            })
            .collect();
        let called = b
            .call(Callee::Direct("g".into()), vec![vs[3]], Some(Type::I64))
            .unwrap();
        let mut acc = called;
        for &v in &vs {
            acc = b.bin(BinOp::Add, acc, v);
        }
        let mut facc = b.cast(CastOp::SToF, acc, Type::F64);
        for &v in &fsv {
            facc = b.bin(BinOp::FAdd, facc, v);
        }
        b.ret(Some(facc));
    });
    let j = jit(vec![g, f]);
    let f = func!(j, "f", fn(i64, f64) -> f64);
    for (x, y) in [(1i64, 1.0f64), (-7, 0.25), (123456, -3.5)] {
        let vs: Vec<i64> = (0..K).map(|k| x * (k * k + 1)).collect();
        let mut acc = vs[3] * 3;
        for v in &vs {
            acc += v;
        }
        let mut facc = acc as f64;
        for k in 0..K {
            facc += y * (k as f64 + 0.5);
        }
        assert_eq!(f(x, y), facc);
    }
}

#[test]
fn calls_with_stack_arguments_recursion_and_indirection() {
    // h(a0..a7: i64, f0..f9: f64) -> f64: weighted sum, so order errors show.
    let h = build(
        "h",
        &[&[Type::I64; 8][..], &[Type::F64; 10][..]].concat(),
        Some(Type::F64),
        |b, p| {
            let mut acc = b.fconst(Type::F64, 0.0);
            for (k, &v) in p.iter().enumerate() {
                let w = b.fconst(Type::F64, (k + 1) as f64 * 10.0f64.powi(k as i32 % 4));
                let x = if k < 8 {
                    b.cast(CastOp::SToF, v, Type::F64)
                } else {
                    v
                };
                let m = b.bin(BinOp::FMul, x, w);
                acc = b.bin(BinOp::FAdd, acc, m);
            }
            b.ret(Some(acc));
        },
    );
    let call_h = build("call_h", &[Type::I64], Some(Type::F64), |b, p| {
        let mut args = Vec::new();
        for k in 0..8 {
            let c = b.iconst(Type::I64, k);
            args.push(b.bin(BinOp::Add, p[0], c));
        }
        for k in 0..10 {
            let c = b.fconst(Type::F64, k as f64 * 0.5);
            args.push(c);
        }
        let direct = b
            .call(Callee::Direct("h".into()), args.clone(), Some(Type::F64))
            .unwrap();
        let fp = b.sym_addr("h");
        // Reverse the integer args for the indirect call: a register cycle.
        let mut rev = args.clone();
        rev[..8].reverse();
        let indirect = b.call(Callee::Indirect(fp), rev, Some(Type::F64)).unwrap();
        let r = b.bin(BinOp::FSub, direct, indirect);
        b.ret(Some(r));
    });
    let fib = build("fib", &[Type::I64], Some(Type::I64), |b, p| {
        let two = b.iconst(Type::I64, 2);
        let c = b.icmp(IntCC::Slt, p[0], two);
        let base = b.new_block();
        let rec = b.new_block();
        b.branch(c, base, vec![], rec, vec![]);
        b.switch_to(base);
        b.ret(Some(p[0]));
        b.switch_to(rec);
        let one = b.iconst(Type::I64, 1);
        let n1 = b.bin(BinOp::Sub, p[0], one);
        let n2 = b.bin(BinOp::Sub, p[0], two);
        let a = b
            .call(Callee::Direct("fib".into()), vec![n1], Some(Type::I64))
            .unwrap();
        let bb = b
            .call(Callee::Direct("fib".into()), vec![n2], Some(Type::I64))
            .unwrap();
        let s = b.bin(BinOp::Add, a, bb);
        b.ret(Some(s));
    });
    extern "sysv64" fn host(a: i64, b: f64) -> f64 {
        a as f64 * b
    }
    let use_host = build("use_host", &[Type::I64], Some(Type::F64), |b, p| {
        let k = b.fconst(Type::F64, 1.5);
        let r = b
            .call(
                Callee::Direct("host".into()),
                vec![p[0], k],
                Some(Type::F64),
            )
            .unwrap();
        b.ret(Some(r));
    });
    let m = Module {
        files: vec![],
        functions: vec![h, call_h, fib, use_host],
        data: vec![],
    };
    let j = jit_with(m, &[("host", host as *const () as u64)]);
    let hf = func!(
        j,
        "h",
        fn(
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            f64,
            f64,
            f64,
            f64,
            f64,
            f64,
            f64,
            f64,
            f64,
            f64,
        ) -> f64
    );
    let href = |a: [i64; 8], f: [f64; 10]| -> f64 {
        let mut acc = 0.0;
        for k in 0..18 {
            let x = if k < 8 { a[k] as f64 } else { f[k - 8] };
            acc += x * ((k + 1) as f64 * 10.0f64.powi(k as i32 % 4));
        }
        acc
    };
    let a = [1, -2, 3, -4, 5, -6, 7, -8];
    let fl = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5];
    assert_eq!(
        hf(
            a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], fl[0], fl[1], fl[2], fl[3], fl[4],
            fl[5], fl[6], fl[7], fl[8], fl[9]
        ),
        href(a, fl)
    );
    let call_h = func!(j, "call_h", fn(i64) -> f64);
    for x in [0i64, 10, -100] {
        let args: Vec<i64> = (0..8).map(|k| x + k).collect();
        let fargs: Vec<f64> = (0..10).map(|k| k as f64 * 0.5).collect();
        let mut rev = args.clone();
        rev.reverse();
        let want = href(args.try_into().unwrap(), fargs.clone().try_into().unwrap())
            - href(rev.try_into().unwrap(), fargs.try_into().unwrap());
        assert_eq!(call_h(x), want);
    }
    let fib = func!(j, "fib", fn(i64) -> i64);
    assert_eq!(fib(20), 6765);
    assert_eq!(func!(j, "use_host", fn(i64) -> f64)(4), 6.0);
}

#[test]
fn stack_slots_loads_and_stores() {
    let f = build("mem", &[Type::I64], Some(Type::I64), |b, p| {
        let s = b.new_slot(32, 8);
        let a = b.slot_addr(s);
        b.store(p[0], a, 0); // i64 at 0
        let t32 = b.cast(CastOp::Trunc, p[0], Type::I32);
        b.store(t32, a, 8);
        let t16 = b.cast(CastOp::Trunc, p[0], Type::I16);
        b.store(t16, a, 12);
        let t8 = b.cast(CastOp::Trunc, p[0], Type::I8);
        b.store(t8, a, 14);
        let ff = b.fconst(Type::F64, 0.5);
        b.store(ff, a, 16);
        let f32v = b.fconst(Type::F32, 0.25);
        b.store(f32v, a, 24);
        // Read back: loads zero-extend narrow values.
        let l8 = b.load(Type::I8, a, 14);
        let l16 = b.load(Type::I16, a, 12);
        let l32 = b.load(Type::I32, a, 8);
        let l64 = b.load(Type::I64, a, 0);
        let lf = b.load(Type::F64, a, 16);
        let lf32 = b.load(Type::F32, a, 24);
        let z8 = b.cast(CastOp::Zext, l8, Type::I64);
        let z16 = b.cast(CastOp::Zext, l16, Type::I64);
        let z32 = b.cast(CastOp::Zext, l32, Type::I64);
        let s8 = b.cast(CastOp::Sext, l8, Type::I64);
        let fe = b.cast(CastOp::FExt, lf32, Type::F64);
        let fsum = b.bin(BinOp::FAdd, lf, fe);
        let k = b.fconst(Type::F64, 4.0);
        let fm = b.bin(BinOp::FMul, fsum, k);
        let fi = b.cast(CastOp::FToS, fm, Type::I64); // 3
        let mut acc = b.bin(BinOp::Add, z8, z16);
        acc = b.bin(BinOp::Add, acc, z32);
        acc = b.bin(BinOp::Xor, acc, l64);
        acc = b.bin(BinOp::Add, acc, s8);
        acc = b.bin(BinOp::Add, acc, fi);
        b.ret(Some(acc));
    });
    // Two slots with different alignment; their addresses must differ and be aligned.
    let g = build("align", &[], Some(Type::I64), |b, _| {
        let s1 = b.new_slot(1, 1);
        let s2 = b.new_slot(16, 16);
        let a1 = b.slot_addr(s1);
        let a2 = b.slot_addr(s2);
        let fifteen = b.iconst(Type::I64, 15);
        let low = b.bin(BinOp::And, a2, fifteen);
        let d = b.bin(BinOp::Sub, a1, a2);
        let zero = b.iconst(Type::I64, 0);
        let c = b.icmp(IntCC::Ne, d, zero);
        let cz = b.cast(CastOp::Zext, c, Type::I64);
        let hundred = b.iconst(Type::I64, 100);
        let lm = b.bin(BinOp::Mul, low, hundred);
        let r = b.bin(BinOp::Add, lm, cz);
        b.ret(Some(r));
    });
    let j = jit(vec![f, g]);
    let mem = func!(j, "mem", fn(u64) -> u64);
    for &x in &INTS {
        let want = ((x & 0xff) + (x & 0xffff) + (x & 0xffff_ffff)) ^ x;
        let want = want.wrapping_add(sx(x, Type::I8) as u64).wrapping_add(3);
        assert_eq!(mem(x), want, "{:#x}", x);
    }
    assert_eq!(func!(j, "align", fn() -> u64)(), 1);
}

/// Division and shifts need rdx and rcx; with every register in use they
/// must preserve the values the allocator placed there.
#[test]
fn division_and_shifts_under_register_pressure() {
    const K: i64 = 14;
    let f = build("press", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let vs: Vec<Value> = (0..K)
            .map(|k| {
                let c = b.iconst(Type::I64, k * 7 + 3);
                b.bin(BinOp::Add, p[0], c)
            })
            .collect();
        let q = b.bin(BinOp::SDiv, vs[0], p[1]);
        let r = b.bin(BinOp::URem, vs[1], p[1]);
        let seven = b.iconst(Type::I64, 7);
        let amt = b.bin(BinOp::And, vs[2], seven);
        let s = b.bin(BinOp::Shl, vs[3], amt);
        let t = b.bin(BinOp::AShr, vs[4], amt);
        let q32a = b.cast(CastOp::Trunc, vs[5], Type::I32);
        let q32b = b.cast(CastOp::Trunc, p[1], Type::I32);
        let q32 = b.bin(BinOp::SRem, q32a, q32b);
        let q32x = b.cast(CastOp::Sext, q32, Type::I64);
        let mut acc = b.bin(BinOp::Add, q, r);
        for x in [s, t, q32x] {
            acc = b.bin(BinOp::Add, acc, x);
        }
        for (k, &v) in vs.iter().enumerate() {
            let w = b.iconst(Type::I64, k as i64 + 1);
            let m = b.bin(BinOp::Mul, v, w);
            acc = b.bin(BinOp::Add, acc, m);
        }
        b.ret(Some(acc));
    });
    let j = jit(vec![f]);
    let press = func!(j, "press", fn(i64, i64) -> i64);
    for (x, y) in [(100i64, 7i64), (-12345, 13), (1 << 40, -3), (5, 1)] {
        let vs: Vec<i64> = (0..K).map(|k| x + k * 7 + 3).collect();
        let amt = vs[2] & 7;
        let mut acc = (vs[0] / y)
            .wrapping_add(((vs[1] as u64) % (y as u64)) as i64)
            .wrapping_add(vs[3] << amt)
            .wrapping_add(vs[4] >> amt)
            .wrapping_add(((vs[5] as i32) % (y as i32)) as i64);
        for (k, v) in vs.iter().enumerate() {
            acc = acc.wrapping_add(v * (k as i64 + 1));
        }
        assert_eq!(press(x, y), acc, "{} {}", x, y);
    }
}

#[test]
fn syscall_and_data_symbols() {
    let f = build("pid", &[], Some(Type::I64), |b, _| {
        let nr = b.iconst(Type::I64, 39); // getpid
        let r = b.ins(Type::I64, Op::Syscall(vec![nr]));
        b.ret(Some(r));
    });
    let g = build("table", &[Type::I64], Some(Type::I64), |b, p| {
        let t = b.sym_addr("tbl");
        let eight = b.iconst(Type::I64, 8);
        let off = b.bin(BinOp::Mul, p[0], eight);
        let a = b.bin(BinOp::Add, t, off);
        let v = b.load(Type::I64, a, 0);
        b.ret(Some(v));
    });
    let bytes: Vec<u8> = (0..4u64).flat_map(|k| (k * 1111).to_le_bytes()).collect();
    let data = Data {
        name: "tbl".into(),
        bytes,
        align: 8,
        readonly: true,
        linkage: Linkage::Local,
        relocs: vec![],
    };
    let j = jit_with(
        Module {
            files: vec![],
            functions: vec![f, g],
            data: vec![data],
        },
        &[],
    );
    assert_eq!(func!(j, "pid", fn() -> i64)(), unsafe { libc::getpid() }
        as i64);
    assert_eq!(func!(j, "table", fn(i64) -> i64)(3), 3333);
}

#[test]
fn symbols_lines_and_listing() {
    let mut f = build("main_fn", &[Type::I64], Some(Type::I64), |b, p| {
        b.span = Span {
            file: 0,
            line: 2,
            col: 1,
        };
        // Too wide for an immediate: line 2 has code of its own.
        let big = b.iconst(Type::I64, 1 << 40);
        b.span = Span {
            file: 0,
            line: 3,
            col: 5,
        };
        let r = b.bin(BinOp::Add, p[0], big);
        b.ret(Some(r));
    });
    f.linkage = Linkage::Local;
    let m = Module {
        files: vec!["a.dk".into()],
        functions: vec![f],
        data: vec![],
    };
    let o = crate::compile_module(&m, Arch::X86_64).unwrap();
    let sym = o.symbols.iter().find(|s| s.name == "main_fn").unwrap();
    assert!(!sym.global && sym.is_func && sym.size > 0 && sym.offset % 16 == 0);
    let lines: Vec<u32> = o.lines.iter().map(|r| r.span.line).collect();
    assert!(lines.contains(&2) && lines.contains(&3), "{:?}", lines);
    assert!(o.lines.windows(2).all(|w| w[0].offset < w[1].offset));
    let text = &o.sections[0].bytes;
    let listing = super::disassemble(&text[..sym.size as usize], 0x1000);
    assert!(
        listing.lines().next().unwrap().contains("push") && listing.contains("rbp"),
        "{}",
        listing
    );
    assert!(listing.contains("ret"), "{}", listing);
    assert!(listing.starts_with("    1000:"), "{}", listing);
}

/// Random structured programs (straight-line code of every integer
/// operator, diamonds and bounded loops with block parameters, calls),
/// compiled and run against a reference interpreter of the IR.
mod random {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % n
        }
        fn pick(&mut self, avail: &[Value]) -> Value {
            avail[self.next(avail.len() as u64) as usize]
        }
    }

    fn op(b: &mut FunctionBuilder, r: &mut Rng, avail: &mut Vec<Value>) {
        let (x, y) = (r.pick(avail), r.pick(avail));
        let v = match r.next(8) {
            0..=3 => {
                let op = INT_OPS[r.next(INT_OPS.len() as u64) as usize];
                let y = match op {
                    BinOp::Shl | BinOp::LShr | BinOp::AShr => {
                        let m = b.iconst(Type::I64, 63);
                        b.bin(BinOp::And, y, m)
                    }
                    BinOp::SDiv | BinOp::SRem | BinOp::UDiv | BinOp::URem => {
                        let m = b.iconst(Type::I64, 0xff);
                        let one = b.iconst(Type::I64, 1);
                        let t = b.bin(BinOp::And, y, m);
                        b.bin(BinOp::Or, t, one)
                    }
                    _ => y,
                };
                b.bin(op, x, y)
            }
            4 => {
                let cc = INT_CCS[r.next(10) as usize];
                let c = b.icmp(cc, x, y);
                b.cast(CastOp::Zext, c, Type::I64)
            }
            5 => {
                let ty = WIDTHS[r.next(3) as usize];
                let (tx, ty_) = (b.cast(CastOp::Trunc, x, ty), b.cast(CastOp::Trunc, y, ty));
                let op = [BinOp::Add, BinOp::Mul, BinOp::Sub, BinOp::LShr][r.next(4) as usize];
                let ty_ = if op == BinOp::LShr {
                    let m = b.iconst(ty, 8 * ty.bytes() as i64 - 1);
                    b.bin(BinOp::And, ty_, m)
                } else {
                    ty_
                };
                let v = b.bin(op, tx, ty_);
                b.cast(
                    if r.next(2) == 0 {
                        CastOp::Sext
                    } else {
                        CastOp::Zext
                    },
                    v,
                    Type::I64,
                )
            }
            6 => {
                let z = r.pick(avail);
                b.call(Callee::Direct("g".into()), vec![x, y, z], Some(Type::I64))
                    .unwrap()
            }
            _ => {
                let c = r.next(1000) as i64 - 500;
                b.iconst(Type::I64, c)
            }
        };
        avail.push(v);
    }

    fn region(b: &mut FunctionBuilder, r: &mut Rng, avail: &mut Vec<Value>, depth: u32) {
        for _ in 0..1 + r.next(4) {
            match r.next(if depth > 2 { 2 } else { 5 }) {
                0 | 1 => {
                    for _ in 0..1 + r.next(8) {
                        op(b, r, avail);
                    }
                }
                2 | 3 => {
                    let (x, y) = (r.pick(avail), r.pick(avail));
                    let c = b.icmp(INT_CCS[r.next(10) as usize], x, y);
                    let (t, e, j) = (b.new_block(), b.new_block(), b.new_block());
                    let np = 1 + r.next(3);
                    let jp: Vec<Value> = (0..np).map(|_| b.add_block_param(j, Type::I64)).collect();
                    // Sometimes jump straight to the join with arguments on the branch itself.
                    if r.next(3) == 0 {
                        let a1: Vec<Value> = (0..np).map(|_| r.pick(avail)).collect();
                        let a2: Vec<Value> = (0..np).map(|_| r.pick(avail)).collect();
                        b.branch(c, j, a1, j, a2);
                    } else {
                        b.branch(c, t, vec![], e, vec![]);
                        for blk in [t, e] {
                            b.switch_to(blk);
                            let mut inner = avail.clone();
                            region(b, r, &mut inner, depth + 1);
                            let out: Vec<Value> = (0..np).map(|_| r.pick(&inner)).collect();
                            b.jump(j, out);
                        }
                    }
                    b.switch_to(j);
                    avail.extend(jp);
                }
                _ => {
                    let (h, body, exit) = (b.new_block(), b.new_block(), b.new_block());
                    let i = b.add_block_param(h, Type::I64);
                    let carried: Vec<Value> = (0..1 + r.next(4)).map(|_| r.pick(avail)).collect();
                    let hp: Vec<Value> = carried
                        .iter()
                        .map(|_| b.add_block_param(h, Type::I64))
                        .collect();
                    let zero = b.iconst(Type::I64, 0);
                    let bound = b.iconst(Type::I64, r.next(5) as i64);
                    b.jump(h, [vec![zero], carried].concat());
                    b.switch_to(h);
                    let c = b.icmp(IntCC::Slt, i, bound);
                    b.branch(c, body, vec![], exit, vec![]);
                    b.switch_to(body);
                    let mut inner = avail.clone();
                    inner.extend(&hp);
                    inner.push(i);
                    region(b, r, &mut inner, depth + 1);
                    let one = b.iconst(Type::I64, 1);
                    let i2 = b.bin(BinOp::Add, i, one);
                    let next: Vec<Value> = hp.iter().map(|_| r.pick(&inner)).collect();
                    b.jump(h, [vec![i2], next].concat());
                    b.switch_to(exit);
                    avail.extend(&hp);
                }
            }
        }
    }

    fn g_ref(a: u64, b: u64, c: u64) -> u64 {
        a.wrapping_mul(3).wrapping_add(b).wrapping_sub(c)
    }

    fn interp(f: &Function, args: &[u64]) -> u64 {
        let mut vals = vec![0u64; f.value_types.len()];
        let mut block = BlockId(0);
        let mut incoming = args.to_vec();
        loop {
            let blk = f.block(block);
            for (&p, &a) in blk.params.iter().zip(&incoming) {
                vals[p.0 as usize] = a;
            }
            for inst in &blk.insts {
                let m = |v: Value| mask(f.ty(v));
                let v = match &inst.op {
                    Op::Iconst(c) => *c as u64,
                    Op::Bin(op, a, b) => {
                        eval_bin(*op, f.ty(*a), vals[a.0 as usize], vals[b.0 as usize])
                            .expect("undefined op")
                    }
                    Op::Icmp(cc, a, b) => {
                        let ty = f.ty(*a);
                        let (x, y) = (vals[a.0 as usize] & m(*a), vals[b.0 as usize] & m(*b));
                        let (sx_, sy) = (sx(x, ty), sx(y, ty));
                        (match cc {
                            IntCC::Eq => x == y,
                            IntCC::Ne => x != y,
                            IntCC::Slt => sx_ < sy,
                            IntCC::Sle => sx_ <= sy,
                            IntCC::Sgt => sx_ > sy,
                            IntCC::Sge => sx_ >= sy,
                            IntCC::Ult => x < y,
                            IntCC::Ule => x <= y,
                            IntCC::Ugt => x > y,
                            IntCC::Uge => x >= y,
                        }) as u64
                    }
                    Op::Cast(CastOp::Trunc, a) | Op::Cast(CastOp::Zext, a) => {
                        vals[a.0 as usize] & m(*a)
                    }
                    Op::Cast(CastOp::Sext, a) => sx(vals[a.0 as usize], f.ty(*a)) as u64,
                    Op::Call { args, .. } => g_ref(
                        vals[args[0].0 as usize],
                        vals[args[1].0 as usize],
                        vals[args[2].0 as usize],
                    ),
                    op => panic!("interp: {:?}", op),
                };
                let r = inst.result.unwrap();
                vals[r.0 as usize] = v & mask(f.ty(r));
            }
            let get = |v: &Value| vals[v.0 as usize];
            match &blk.term {
                Terminator::Return(v) => return get(&v.unwrap()),
                Terminator::Jump(c) => {
                    incoming = c.args.iter().map(get).collect();
                    block = c.block;
                }
                Terminator::Branch { cond, then, else_ } => {
                    let c = if get(cond) & 0xff != 0 { then } else { else_ };
                    incoming = c.args.iter().map(get).collect();
                    block = c.block;
                }
                Terminator::Unreachable => panic!("unreachable"),
            }
        }
    }

    #[test]
    fn random_programs_match_the_interpreter() {
        let g = build("g", &[Type::I64; 3], Some(Type::I64), |b, p| {
            let three = b.iconst(Type::I64, 3);
            let m = b.bin(BinOp::Mul, p[0], three);
            let s = b.bin(BinOp::Add, m, p[1]);
            let d = b.bin(BinOp::Sub, s, p[2]);
            b.ret(Some(d));
        });
        let mut fs = vec![g];
        const N: u64 = 150;
        for seed in 0..N {
            let mut r = Rng(seed * 7919 + 1);
            fs.push(build(
                &format!("r{}", seed),
                &[Type::I64; 4],
                Some(Type::I64),
                |b, p| {
                    let mut avail = p.to_vec();
                    region(b, &mut r, &mut avail, 0);
                    // Return a mix of everything still available.
                    let mut acc = avail[0];
                    for &v in &avail[1..] {
                        let t = b.bin(BinOp::Mul, acc, p[3]);
                        acc = b.bin(BinOp::Xor, t, v);
                    }
                    b.ret(Some(acc));
                },
            ));
        }
        // The generator must reach the interesting cases: spills and callee-saved registers.
        let info = super::super::abi::reg_info();
        let allocs: Vec<_> = fs
            .iter()
            .map(|f| crate::regalloc::allocate(f, &info))
            .collect();
        assert!(allocs.iter().filter(|a| a.num_spill_slots > 0).count() > 10);
        assert!(
            allocs
                .iter()
                .filter(|a| !a.used_callee_saved.is_empty())
                .count()
                > 10
        );
        let j = jit(fs.clone());
        let inputs: [[u64; 4]; 4] = [
            [1, 2, 3, 5],
            [u64::MAX, 0x8000_0000, 77, 3],
            [0xdead_beef, 12345678901, 0, 0x1f],
            [42, 42, 42, 1],
        ];
        for seed in 0..N {
            let f = &fs[seed as usize + 1];
            let jf = func!(j, &format!("r{}", seed), fn(u64, u64, u64, u64) -> u64);
            for a in &inputs {
                assert_eq!(
                    jf(a[0], a[1], a[2], a[3]),
                    interp(f, a),
                    "seed {} args {:?}\n{}",
                    seed,
                    a,
                    crate::print::print_function(f)
                );
            }
        }
    }
}

/// A long function (thousands of blocks, values live across all of it)
/// compiles quickly and runs correctly.
#[test]
fn large_function() {
    const N: i64 = 3000;
    let t = std::time::Instant::now();
    let f = build("big", &[Type::I64], Some(Type::I64), |b, p| {
        let mut acc = p[0];
        let keep: Vec<Value> = (0..8)
            .map(|k| {
                let c = b.iconst(Type::I64, k);
                b.bin(BinOp::Add, p[0], c)
            })
            .collect();
        for k in 0..N {
            let c = b.iconst(Type::I64, k);
            let cond = b.icmp(IntCC::Slt, acc, c);
            let j = b.new_block();
            let jp = b.add_block_param(j, Type::I64);
            let one = b.iconst(Type::I64, 1);
            let inc = b.bin(BinOp::Add, acc, one);
            let dec = b.bin(BinOp::Sub, acc, one);
            b.branch(cond, j, vec![inc], j, vec![dec]);
            b.switch_to(j);
            acc = jp;
        }
        for &v in &keep {
            acc = b.bin(BinOp::Add, acc, v);
        }
        b.ret(Some(acc));
    });
    let j = jit(vec![f]);
    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
    let big = func!(j, "big", fn(i64) -> i64);
    let mut acc = 5i64;
    for k in 0..N {
        acc = if acc < k { acc + 1 } else { acc - 1 };
    }
    assert_eq!(big(5), acc + (0..8).map(|k| 5 + k).sum::<i64>());
}

// ---- instruction selection: the code itself ------------------------------

/// The instructions of one compiled function, without addresses or bytes
/// (relocations are not applied: calls and rip-relative operands show 0).
fn insts_of(f: Function) -> Vec<String> {
    let name = f.name.clone();
    let m = Module {
        files: vec!["t.dk".into()],
        functions: vec![f],
        data: vec![],
    };
    let o = crate::compile_module(&m, Arch::X86_64).unwrap();
    let sym = o.symbols.iter().find(|s| s.name == name).unwrap();
    let text = &o.sections[sym.section.unwrap().0 as usize].bytes;
    let code = &text[sym.offset as usize..(sym.offset + sym.size) as usize];
    super::disassemble(code, 0)
        .lines()
        .map(|l| l.get(42..).unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Whether `insts` holds `want` as consecutive instructions, each matched
/// by its start (`"cmp rdi,rsi"` matches `cmp rdi,rsi`, `"j"` any jump).
fn has_run(insts: &[String], want: &[&str]) -> bool {
    insts
        .windows(want.len())
        .any(|w| w.iter().zip(want).all(|(i, p)| i.starts_with(p)))
}

/// Whether an instruction starting with `first` is followed, past any
/// `mov`s, by one starting with `then` (a compare feeding its jump).
fn flows(insts: &[String], first: &str, then: &str) -> bool {
    insts.iter().enumerate().any(|(i, x)| {
        x.starts_with(first)
            && insts[i + 1..]
                .iter()
                .find(|y| !y.starts_with("mov "))
                .is_some_and(|y| y.starts_with(then))
    })
}

/// fn(x, y) -> i64 branching on `cmp(trunc x, trunc y)` with one of four
/// layouts of the branch's edges; it returns 1 when the compare holds,
/// else 2 (layout 3: 0 and 1).
fn branchy(
    name: &str,
    ty: Type,
    layout: u32,
    cmp: impl FnOnce(&mut FunctionBuilder, Value, Value) -> Value,
) -> Function {
    build(name, &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let (x, y) = if ty == Type::I64 || ty.is_float() {
            (p[0], p[1])
        } else {
            (
                b.cast(CastOp::Trunc, p[0], ty),
                b.cast(CastOp::Trunc, p[1], ty),
            )
        };
        let (x, y) = if ty.is_float() {
            (
                b.cast(CastOp::Bitcast, x, Type::F64),
                b.cast(CastOp::Bitcast, y, Type::F64),
            )
        } else {
            (x, y)
        };
        let c = cmp(b, x, y);
        let one = b.iconst(Type::I64, 1);
        let two = b.iconst(Type::I64, 2);
        match layout {
            // Two returns: the else block comes next.
            0 => {
                let (t, e) = (b.new_block(), b.new_block());
                b.branch(c, t, vec![], e, vec![]);
                b.switch_to(t);
                b.ret(Some(one));
                b.switch_to(e);
                b.ret(Some(two));
            }
            // The then block comes next; the else edge carries an argument.
            1 => {
                let (t, j) = (b.new_block(), b.new_block());
                let jp = b.add_block_param(j, Type::I64);
                b.branch(c, t, vec![], j, vec![two]);
                b.switch_to(t);
                b.jump(j, vec![one]);
                b.switch_to(j);
                b.ret(Some(jp));
            }
            // Both edges to one block, each with its own argument.
            2 => {
                let j = b.new_block();
                let jp = b.add_block_param(j, Type::I64);
                b.branch(c, j, vec![one], j, vec![two]);
                b.switch_to(j);
                b.ret(Some(jp));
            }
            // A constant made between the compare and the branch (it must
            // not clobber the flags).
            _ => {
                let zero = b.iconst(Type::I64, 0);
                let j = b.new_block();
                let jp = b.add_block_param(j, Type::I64);
                b.branch(c, j, vec![zero], j, vec![one]);
                b.switch_to(j);
                b.ret(Some(jp));
            }
        }
    })
}

fn want_int(cc: IntCC, ty: Type, a: u64, b: u64) -> bool {
    let (ua, ub) = (a & mask(ty), b & mask(ty));
    let (sa, sb) = (sx(a, ty), sx(b, ty));
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

fn branch_result(layout: u32, holds: bool) -> u64 {
    match (layout, holds) {
        (3, true) => 0,
        (3, false) => 1,
        (_, true) => 1,
        (_, false) => 2,
    }
}

#[test]
fn branches_on_integer_compares_use_the_flags() {
    let mut fs = Vec::new();
    for ty in WIDTHS {
        for cc in INT_CCS {
            for layout in 0..4 {
                fs.push(branchy(
                    &format!("br_{:?}_{}_{}", cc, ty, layout),
                    ty,
                    layout,
                    |b, x, y| b.icmp(cc, x, y),
                ));
            }
        }
    }
    let j = jit(fs);
    for ty in WIDTHS {
        for cc in INT_CCS {
            for layout in 0..4 {
                let f = func!(j, &format!("br_{:?}_{}_{}", cc, ty, layout), fn(u64, u64) -> u64);
                for &a in &INTS {
                    for &b in &INTS {
                        let want = branch_result(layout, want_int(cc, ty, a, b));
                        assert_eq!(f(a, b), want, "{:?} {} layout {} {:#x} {:#x}", cc, ty, layout, a, b);
                    }
                }
            }
        }
    }
    // The compare feeds the jump directly: no setcc, no test of a bool.
    for layout in 0..4 {
        let code = insts_of(branchy("f", Type::I64, layout, |b, x, y| b.icmp(IntCC::Slt, x, y)));
        assert!(!code.iter().any(|i| i.starts_with("set") || i.starts_with("test")), "{:#?}", code);
        assert!(flows(&code, "cmp r", "jl ") || flows(&code, "cmp r", "jge "), "{:#?}", code);
    }
    let code = insts_of(branchy("f", Type::I32, 0, |b, x, y| b.icmp(IntCC::Ult, x, y)));
    assert!(flows(&code, "cmp e", "jb "), "{:#?}", code);
    // The then block next: the jump goes to the else edge on the negated condition.
    let code = insts_of(branchy("f", Type::I64, 1, |b, x, y| b.icmp(IntCC::Sle, x, y)));
    assert!(flows(&code, "cmp r", "jg "), "{:#?}", code);
}

#[test]
fn branches_on_float_compares_use_the_flags() {
    let ccs = [FloatCC::Eq, FloatCC::Ne, FloatCC::Lt, FloatCC::Le, FloatCC::Gt, FloatCC::Ge];
    let mut fs = Vec::new();
    for cc in ccs {
        for layout in 0..4 {
            fs.push(branchy(&format!("fbr_{:?}_{}", cc, layout), Type::F64, layout, |b, x, y| {
                b.fcmp(cc, x, y)
            }));
        }
    }
    let j = jit(fs);
    for cc in ccs {
        for layout in 0..4 {
            let f = func!(j, &format!("fbr_{:?}_{}", cc, layout), fn(u64, u64) -> u64);
            for &a in &FLOATS {
                for &b in &FLOATS {
                    let holds = match cc {
                        FloatCC::Eq => a == b,
                        FloatCC::Ne => a != b,
                        FloatCC::Lt => a < b,
                        FloatCC::Le => a <= b,
                        FloatCC::Gt => a > b,
                        FloatCC::Ge => a >= b,
                    };
                    let got = f(a.to_bits(), b.to_bits());
                    assert_eq!(got, branch_result(layout, holds), "{:?} layout {} {} {}", cc, layout, a, b);
                }
            }
        }
    }
    let code = insts_of(branchy("f", Type::F64, 0, |b, x, y| b.fcmp(FloatCC::Lt, x, y)));
    assert!(!code.iter().any(|i| i.starts_with("set")), "{:#?}", code);
    assert!(flows(&code, "ucomisd", "ja "), "{:#?}", code);
}

/// A compare whose bool is also used elsewhere, or followed by code that
/// sets the flags, still branches correctly (through setcc and test).
#[test]
fn compares_that_cannot_fuse() {
    let f = build("shared", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let c = b.icmp(IntCC::Ult, p[0], p[1]);
        let s = b.bin(BinOp::Add, p[0], p[1]);
        let (t, e) = (b.new_block(), b.new_block());
        b.branch(c, t, vec![], e, vec![]);
        b.switch_to(t);
        let z = b.cast(CastOp::Zext, c, Type::I64);
        let r = b.bin(BinOp::Add, z, s);
        b.ret(Some(r));
        b.switch_to(e);
        b.ret(Some(s));
    });
    let code = insts_of(f.clone());
    assert!(code.iter().any(|i| i.starts_with("setb")), "{:#?}", code);
    let j = jit(vec![f]);
    let g = func!(j, "shared", fn(u64, u64) -> u64);
    assert_eq!(g(1, 2), 4);
    assert_eq!(g(2, 1), 3);
    let f = build("later_add", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let c = b.icmp(IntCC::Eq, p[0], p[1]);
        let s = b.bin(BinOp::Sub, p[0], p[1]);
        let j = b.new_block();
        let jp = b.add_block_param(j, Type::I64);
        b.branch(c, j, vec![s], j, vec![p[0]]);
        b.switch_to(j);
        b.ret(Some(jp));
    });
    let j = jit(vec![f]);
    let g = func!(j, "later_add", fn(u64, u64) -> u64);
    assert_eq!(g(5, 5), 0);
    assert_eq!(g(7, 5), 7);
}

/// Constants that exercise every immediate form and its limits.
const IMMS: [i64; 16] = [
    0,
    1,
    2,
    5,
    8,
    -1,
    -7,
    0x7f,
    0x80,
    200,
    0x7fff,
    0x1_0000,
    i32::MAX as i64,
    i32::MIN as i64,
    0x8000_0000,
    0x1234_5678_9abc,
];

/// Binary operators with one constant operand (either side), at every
/// width, against the reference evaluation.
#[test]
fn operators_with_constant_operands() {
    let ops = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::And,
        BinOp::Or,
        BinOp::Xor,
        BinOp::Shl,
        BinOp::LShr,
        BinOp::AShr,
    ];
    let mut fs = Vec::new();
    for ty in WIDTHS {
        for op in ops {
            for (k, &c) in IMMS.iter().enumerate() {
                for right in [true, false] {
                    fs.push(narrow_bin(
                        &format!("k_{:?}_{}_{}_{}", op, ty, k, right),
                        ty,
                        |b, x, _| {
                            let c = b.iconst(ty, c);
                            if right {
                                b.bin(op, x, c)
                            } else {
                                b.bin(op, c, x)
                            }
                        },
                    ));
                }
            }
        }
    }
    let j = jit(fs);
    for ty in WIDTHS {
        for op in ops {
            for (k, &c) in IMMS.iter().enumerate() {
                for right in [true, false] {
                    let f = func!(j, &format!("k_{:?}_{}_{}_{}", op, ty, k, right), fn(u64, u64) -> u64);
                    let c = c as u64 & mask(ty);
                    for &a in &INTS {
                        let (l, r) = if right { (a, c) } else { (c, a) };
                        let shift = matches!(op, BinOp::Shl | BinOp::LShr | BinOp::AShr);
                        // The reference leaves counts past the width undefined.
                        if shift && (r & mask(ty)) >= 8 * ty.bytes() as u64 {
                            continue;
                        }
                        let want = eval_bin(op, ty, l, r).unwrap();
                        assert_eq!(f(a, 0), want, "{:?} {} {:#x} {:#x}", op, ty, l, r);
                    }
                }
            }
        }
    }
}

/// Compares against constants, on either side, as bools and as branches.
#[test]
fn compares_with_constants() {
    let mut fs = Vec::new();
    for ty in WIDTHS {
        for cc in INT_CCS {
            for (k, &c) in IMMS.iter().enumerate() {
                for right in [true, false] {
                    let name = format!("kc_{:?}_{}_{}_{}", cc, ty, k, right);
                    fs.push(narrow_bin(&name, ty, |b, x, _| {
                        let c = b.iconst(ty, c);
                        if right {
                            b.icmp(cc, x, c)
                        } else {
                            b.icmp(cc, c, x)
                        }
                    }));
                    fs.push(branchy(&format!("b{}", name), ty, k as u32 % 4, |b, x, _| {
                        let c = b.iconst(ty, c);
                        if right {
                            b.icmp(cc, x, c)
                        } else {
                            b.icmp(cc, c, x)
                        }
                    }));
                }
            }
        }
    }
    let j = jit(fs);
    for ty in WIDTHS {
        for cc in INT_CCS {
            for (k, &c) in IMMS.iter().enumerate() {
                for right in [true, false] {
                    let name = format!("kc_{:?}_{}_{}_{}", cc, ty, k, right);
                    let f = func!(j, &name, fn(u64, u64) -> u64);
                    let g = func!(j, &format!("b{}", name), fn(u64, u64) -> u64);
                    for &a in &INTS {
                        let (l, r) = if right { (a, c as u64) } else { (c as u64, a) };
                        let holds = want_int(cc, ty, l, r);
                        assert_eq!(f(a, 0), holds as u64, "{:?} {} {:#x} {:#x}", cc, ty, l, r);
                        let want = branch_result(k as u32 % 4, holds);
                        assert_eq!(g(a, 0), want, "branch {:?} {} {:#x} {:#x}", cc, ty, l, r);
                    }
                }
            }
        }
    }
}

/// Stores of constants write exactly their width.
#[test]
fn stores_of_constants() {
    let mut fs = Vec::new();
    for ty in WIDTHS {
        for (k, &c) in IMMS.iter().enumerate() {
            fs.push(build(&format!("st_{}_{}", ty, k), &[Type::I64], None, |b, p| {
                let v = b.iconst(ty, c);
                b.store(v, p[0], 8);
                b.ret(None);
            }));
        }
    }
    let j = jit(fs);
    for ty in WIDTHS {
        for (k, &c) in IMMS.iter().enumerate() {
            let f = func!(j, &format!("st_{}_{}", ty, k), fn(*mut u64) -> ());
            let mut mem = [0x5555_5555_5555_5555u64; 3];
            f(mem.as_mut_ptr());
            let m = mask(ty);
            let want = (0x5555_5555_5555_5555 & !m) | (c as u64 & m);
            assert_eq!(mem, [0x5555_5555_5555_5555, want, 0x5555_5555_5555_5555], "{} {:#x}", ty, c);
        }
    }
}

#[test]
fn constants_become_immediates() {
    let unary = |name: &str, body: &dyn Fn(&mut FunctionBuilder, Value) -> Value| {
        insts_of(build(name, &[Type::I64], Some(Type::I64), |b, p| {
            let r = body(b, p[0]);
            b.ret(Some(r));
        }))
    };
    // x + 5 into another register: one lea, the constant never materialized.
    let code = unary("add", &|b, x| {
        let c = b.iconst(Type::I64, 5);
        let s = b.bin(BinOp::Add, x, c);
        b.bin(BinOp::Mul, s, x)
    });
    assert!(code.iter().any(|i| i.starts_with("lea ") && i.ends_with("+5]")), "{:#?}", code);
    assert!(!code.iter().any(|i| i.ends_with(",5")), "{:#?}", code);
    let code = unary("and", &|b, x| {
        let c = b.iconst(Type::I64, 0xff);
        b.bin(BinOp::And, c, x)
    });
    assert!(code.iter().any(|i| i.starts_with("and") && i.ends_with(",0FFh")), "{:#?}", code);
    assert!(!code.iter().any(|i| i.starts_with("mov") && i.ends_with(",0FFh")), "{:#?}", code);
    let code = unary("mul8", &|b, x| {
        let c = b.iconst(Type::I64, 8);
        b.bin(BinOp::Mul, x, c)
    });
    assert!(code.iter().any(|i| i.starts_with("shl") && i.ends_with(",3")), "{:#?}", code);
    let code = unary("mul7", &|b, x| {
        let c = b.iconst(Type::I64, 7);
        b.bin(BinOp::Mul, x, c)
    });
    assert!(code.iter().any(|i| i.starts_with("imul") && i.ends_with(",7")), "{:#?}", code);
    let code = unary("sar", &|b, x| {
        let c = b.iconst(Type::I64, 6);
        b.bin(BinOp::AShr, x, c)
    });
    assert!(code.iter().any(|i| i.starts_with("sar") && i.ends_with(",6")), "{:#?}", code);
    assert!(!code.iter().any(|i| i.contains("cl")), "{:#?}", code);
    // A constant too wide for imm32 stays in a register.
    let code = unary("wide", &|b, x| {
        let c = b.iconst(Type::I64, 0x1_0000_0000);
        b.bin(BinOp::Add, x, c)
    });
    assert!(code.iter().any(|i| i.starts_with("mov") && i.ends_with(",100000000h")), "{:#?}", code);
    // `m == 0` branches on `test`; `p[2] != 7` compares with an immediate.
    let f = build("cond", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let zero = b.iconst(Type::I64, 0);
        let c = b.icmp(IntCC::Eq, p[0], zero);
        let (t, e, t2) = (b.new_block(), b.new_block(), b.new_block());
        b.branch(c, t, vec![], e, vec![]);
        b.switch_to(e);
        let v = b.load(Type::I64, p[1], 16);
        let k = b.iconst(Type::I64, 7);
        let c2 = b.icmp(IntCC::Ne, v, k);
        b.branch(c2, t, vec![], t2, vec![]);
        b.switch_to(t);
        b.ret(Some(zero));
        b.switch_to(t2);
        b.ret(Some(v));
    });
    let code = insts_of(f.clone());
    assert!(flows(&code, "test rdi,rdi", "je ") || flows(&code, "test rsi,rsi", "je "), "{:#?}", code);
    assert!(flows(&code, "cmp r", "jne ") && code.iter().any(|i| i.starts_with("cmp") && i.ends_with(",7")), "{:#?}", code);
    let j = jit(vec![f]);
    let g = func!(j, "cond", fn(u64, *const u64) -> u64);
    let mem = [1u64, 2, 7];
    assert_eq!(g(0, mem.as_ptr()), 0);
    assert_eq!(g(1, mem.as_ptr()), 7);
    let mem = [1u64, 2, 8];
    assert_eq!(g(1, mem.as_ptr()), 0);
    // Stored constants are immediates.
    let code = insts_of(build("st", &[Type::I64], None, |b, p| {
        let v = b.iconst(Type::I32, 9);
        b.store(v, p[0], 4);
        b.ret(None);
    }));
    assert!(code.iter().any(|i| i.starts_with("mov dword ptr") && i.ends_with(",9")), "{:#?}", code);
    assert!(!code.iter().any(|i| i.starts_with("mov e") && i.ends_with(",9")), "{:#?}", code);
}

/// Loads and stores of a stack slot address it from rbp directly; the
/// slot address is only materialized for reads that need it as a value.
#[test]
fn stack_slots_are_addressed_from_the_frame() {
    let f = build("frame", &[Type::I64], Some(Type::I64), |b, p| {
        let s = b.new_slot(16, 8);
        let a = b.slot_addr(s);
        b.store(p[0], a, 0);
        let k = b.iconst(Type::I32, -3);
        b.store(k, a, 8);
        let x = b.load(Type::I64, a, 0);
        let y = b.load(Type::I32, a, 8);
        let y = b.cast(CastOp::Sext, y, Type::I64);
        let r = b.bin(BinOp::Add, x, y);
        b.ret(Some(r));
    });
    let code = insts_of(f.clone());
    assert!(!code.iter().any(|i| i.starts_with("lea ")), "{:#?}", code);
    assert!(code.iter().any(|i| i.starts_with("mov dword ptr [rbp-") && i.ends_with(",0FFFFFFFDh")), "{:#?}", code);
    assert!(code.iter().any(|i| i.starts_with("mov r") && i.contains(",[rbp-")), "{:#?}", code);
    // The address escapes: it is stored into the slot itself and read back
    // through a loaded pointer.
    let g = build("escape", &[Type::I64], Some(Type::I64), |b, p| {
        let s = b.new_slot(24, 8);
        let a = b.slot_addr(s);
        b.store(a, a, 16);
        b.store(p[0], a, 8);
        let q = b.load(Type::I64, a, 16);
        let v = b.load(Type::I64, q, 8);
        let d = b.bin(BinOp::Sub, q, a);
        let r = b.bin(BinOp::Add, v, d);
        b.ret(Some(r));
    });
    let code = insts_of(g.clone());
    assert!(code.iter().any(|i| i.starts_with("lea ")), "{:#?}", code);
    let j = jit(vec![f, g]);
    let frame = func!(j, "frame", fn(u64) -> u64);
    let escape = func!(j, "escape", fn(u64) -> u64);
    for &x in &INTS {
        assert_eq!(frame(x), x.wrapping_sub(3));
        assert_eq!(escape(x), x);
    }
}

/// `base + index*scale (+ constant)` right before a load or store becomes
/// its addressing mode, at every width and scale, also when base, index
/// and the stored value all live in spill slots.
#[test]
fn address_arithmetic_folds_into_loads_and_stores() {
    // fn(base, i, v) { p = base + i*scale; store trunc(v) at p+8; return zext(load p+8) + i }
    let indexed = |name: &str, ty: Type, scale: i64, shl: bool, pressure: bool| {
        build(name, &[Type::I64, Type::I64, Type::I64], Some(Type::I64), |b, p| {
            let keep: Vec<Value> = if pressure {
                (0..16)
                    .map(|k| {
                        let c = b.iconst(Type::I64, k);
                        b.bin(BinOp::Xor, p[2], c)
                    })
                    .collect()
            } else {
                vec![]
            };
            let v = if ty == Type::I64 { p[2] } else { b.cast(CastOp::Trunc, p[2], ty) };
            let off = if shl {
                let k = b.iconst(Type::I64, scale.trailing_zeros() as i64);
                b.bin(BinOp::Shl, p[1], k)
            } else {
                let k = b.iconst(Type::I64, scale);
                b.bin(BinOp::Mul, p[1], k)
            };
            let a = b.bin(BinOp::Add, p[0], off);
            b.store(v, a, 8);
            let off2 = {
                let k = b.iconst(Type::I64, scale);
                b.bin(BinOp::Mul, k, p[1])
            };
            let a2 = b.bin(BinOp::Add, off2, p[0]);
            let l = b.load(ty, a2, 8);
            let l = if ty == Type::I64 { l } else { b.cast(CastOp::Zext, l, Type::I64) };
            let mut acc = b.bin(BinOp::Add, l, p[1]);
            for &k in &keep {
                let t = b.bin(BinOp::Xor, k, p[2]);
                acc = b.bin(BinOp::Add, acc, t);
            }
            b.ret(Some(acc));
        })
    };
    let mut fs = Vec::new();
    for ty in WIDTHS {
        for scale in [1i64, 2, 4, 8] {
            for shl in [false, true] {
                for pressure in [false, true] {
                    fs.push(indexed(&format!("ix_{}_{}_{}_{}", ty, scale, shl, pressure), ty, scale, shl, pressure));
                }
            }
        }
    }
    // The spill-heavy variant does spill.
    let info = super::abi::reg_info();
    let last = fs.last().unwrap();
    assert!(crate::regalloc::allocate(last, &info).num_spill_slots > 0);
    let code = insts_of(indexed("f", Type::I64, 8, false, false));
    assert!(
        code.iter().any(|i| i.starts_with("mov [r") && i.contains("*8+8],")),
        "{:#?}",
        code
    );
    assert!(code.iter().any(|i| i.starts_with("mov r") && i.contains("*8+8]")), "{:#?}", code);
    assert!(!code.iter().any(|i| i.starts_with("shl") || i.starts_with("imul") || i.starts_with("lea ")), "{:#?}", code);
    let j = jit(fs);
    for ty in WIDTHS {
        for scale in [1i64, 2, 4, 8] {
            for shl in [false, true] {
                for pressure in [false, true] {
                    let name = format!("ix_{}_{}_{}_{}", ty, scale, shl, pressure);
                    let f = func!(j, &name, fn(*mut u8, u64, u64) -> u64);
                    for i in [0u64, 1, 3] {
                        for &v in &INTS[..8] {
                            let mut mem = [0xaau8; 64];
                            let r = f(mem.as_mut_ptr(), i, v);
                            let at = (i * scale as u64 + 8) as usize;
                            let n = ty.bytes() as usize;
                            let mut want = [0xaau8; 64];
                            want[at..at + n].copy_from_slice(&v.to_le_bytes()[..n]);
                            assert_eq!(mem, want, "{} i={} v={:#x}", name, i, v);
                            let extra: u64 = if pressure { (0..16).map(|k| k as u64).sum() } else { 0 };
                            assert_eq!(r, (v & mask(ty)).wrapping_add(i).wrapping_add(extra), "{}", name);
                        }
                    }
                }
            }
        }
    }
    // An addition read twice stays an addition.
    let g = build("twice", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let a = b.bin(BinOp::Add, p[0], p[1]);
        let l = b.load(Type::I64, a, 0);
        let r = b.bin(BinOp::Add, l, a);
        b.ret(Some(r));
    });
    let code = insts_of(g.clone());
    assert!(code.iter().any(|i| i.starts_with("lea") || i.starts_with("add")), "{:#?}", code);
    let j = jit(vec![g]);
    let mem = [5u64, 6];
    let twice = func!(j, "twice", fn(*const u64, u64) -> u64);
    assert_eq!(twice(mem.as_ptr(), 8), 6 + mem.as_ptr() as u64 + 8);
}

/// Constant block and call arguments are written straight into their
/// parameters' registers, stack slots and argument registers.
#[test]
fn constant_arguments_go_straight_to_their_places() {
    let callee = build("sum8", &[Type::I64; 8], Some(Type::I64), |b, p| {
        let mut acc = p[0];
        for (k, &v) in p.iter().enumerate().skip(1) {
            let w = b.iconst(Type::I64, 1 << k);
            let m = b.bin(BinOp::Mul, v, w);
            acc = b.bin(BinOp::Add, acc, m);
        }
        b.ret(Some(acc));
    });
    let caller = build("call8", &[Type::I64], Some(Type::I64), |b, p| {
        let ks: Vec<Value> = [3i64, -1, 0, 1 << 40, 7, 0x7fff_ffff, -5]
            .iter()
            .map(|&k| b.iconst(Type::I64, k))
            .collect();
        let mut args = vec![p[0]];
        args.extend(&ks);
        let r = b.call(Callee::Direct("sum8".into()), args, Some(Type::I64)).unwrap();
        b.ret(Some(r));
    });
    // A loop whose counter starts at a constant: the constant goes into
    // the counter's register on the entry edge.
    let lp = build("count", &[Type::I64], Some(Type::I64), |b, p| {
        let h = b.new_block();
        let (i, acc) = (b.add_block_param(h, Type::I64), b.add_block_param(h, Type::I64));
        let (body, exit) = (b.new_block(), b.new_block());
        let zero = b.iconst(Type::I64, 0);
        let big = b.iconst(Type::I64, 1 << 33);
        b.jump(h, vec![zero, big]);
        b.switch_to(h);
        let c = b.icmp(IntCC::Slt, i, p[0]);
        b.branch(c, body, vec![], exit, vec![]);
        b.switch_to(body);
        let one = b.iconst(Type::I64, 1);
        let i2 = b.bin(BinOp::Add, i, one);
        let a2 = b.bin(BinOp::Add, acc, i);
        b.jump(h, vec![i2, a2]);
        b.switch_to(exit);
        b.ret(Some(acc));
    });
    let code = insts_of(caller.clone());
    assert!(code.iter().any(|i| i.starts_with("mov esi,3")), "{:#?}", code);
    assert!(code.iter().any(|i| i.starts_with("mov qword ptr [rsp") && i.ends_with(",0FFFFFFFFFFFFFFFBh")), "{:#?}", code);
    let j = jit(vec![callee, caller, lp]);
    let want = |x: i64| {
        let ks = [3i64, -1, 0, 1 << 40, 7, 0x7fff_ffff, -5];
        ks.iter().enumerate().fold(x, |acc, (k, &v)| acc.wrapping_add(v.wrapping_mul(1 << (k + 1))))
    };
    let call8 = func!(j, "call8", fn(i64) -> i64);
    for x in [0i64, 1, -9, 1 << 50] {
        assert_eq!(call8(x), want(x));
    }
    let count = func!(j, "count", fn(i64) -> i64);
    assert_eq!(count(0), 1 << 33);
    assert_eq!(count(10), (1 << 33) + 45);
}

/// An addition into a third register is one `lea`.
#[test]
fn three_register_addition_is_lea() {
    let f = build("add3", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let s = b.bin(BinOp::Add, p[0], p[1]);
        let t = b.bin(BinOp::Mul, s, p[0]);
        let u = b.bin(BinOp::Mul, t, p[1]);
        b.ret(Some(u));
    });
    let code = insts_of(f.clone());
    assert!(code.iter().any(|i| i.starts_with("lea r") && i.contains("+r")), "{:#?}", code);
    let f32 = build("add3w", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let (x, y) = (b.cast(CastOp::Trunc, p[0], Type::I32), b.cast(CastOp::Trunc, p[1], Type::I32));
        let s = b.bin(BinOp::Add, x, y);
        let t = b.bin(BinOp::Mul, s, x);
        let u = b.bin(BinOp::Mul, t, y);
        let z = b.cast(CastOp::Zext, u, Type::I64);
        b.ret(Some(z));
    });
    let j = jit(vec![f, f32]);
    let add3 = func!(j, "add3", fn(u64, u64) -> u64);
    let add3w = func!(j, "add3w", fn(u64, u64) -> u64);
    for &a in &INTS {
        for &b in &INTS[..6] {
            assert_eq!(add3(a, b), a.wrapping_add(b).wrapping_mul(a).wrapping_mul(b));
            let (x, y) = (a as u32, b as u32);
            assert_eq!(add3w(a, b), x.wrapping_add(y).wrapping_mul(x).wrapping_mul(y) as u64);
        }
    }
}

/// Division and remainder by constants: shifts and masks for powers of
/// two, a multiply for small unsigned values, `div` otherwise; every
/// dividend of INTS (and all of them for 8 and 16 bits) against the
/// reference.
#[test]
fn division_by_constants() {
    let divisors: [i64; 24] = [
        1, 2, 3, 4, 7, 8, 10, 13, 26, 64, 100, 127, 128, 255, 256, 1000, 4096, 0x7fff, 65535,
        1 << 30, 1 << 31, -2, -8, -1,
    ];
    let ops = [BinOp::SDiv, BinOp::UDiv, BinOp::SRem, BinOp::URem];
    let mut fs = Vec::new();
    for ty in WIDTHS {
        for op in ops {
            for (k, &d) in divisors.iter().enumerate() {
                fs.push(narrow_bin(&format!("d_{:?}_{}_{}", op, ty, k), ty, |b, x, _| {
                    let c = b.iconst(ty, d);
                    b.bin(op, x, c)
                }));
            }
        }
    }
    let j = jit(fs);
    for ty in WIDTHS {
        let dividends: Vec<u64> = if ty.bytes() <= 2 {
            (0..=mask(ty)).collect()
        } else {
            INTS.to_vec()
        };
        for op in ops {
            for (k, &d) in divisors.iter().enumerate() {
                let f = func!(j, &format!("d_{:?}_{}_{}", op, ty, k), fn(u64, u64) -> u64);
                for &a in &dividends {
                    let Some(want) = eval_bin(op, ty, a, d as u64) else { continue };
                    assert_eq!(f(a, 0), want, "{:?} {} {:#x} / {}", op, ty, a, d);
                }
            }
        }
    }
    let code = insts_of(narrow_bin("h", Type::I64, |b, x, _| {
        let c = b.iconst(Type::I64, 2);
        b.bin(BinOp::SDiv, x, c)
    }));
    assert!(!code.iter().any(|i| i.starts_with("idiv") || i.starts_with("div")), "{:#?}", code);
    let code = insts_of(narrow_bin("r", Type::I8, |b, x, _| {
        let c = b.iconst(Type::I8, 26);
        b.bin(BinOp::URem, x, c)
    }));
    assert!(!code.iter().any(|i| i.starts_with("idiv") || i.starts_with("div")), "{:#?}", code);
}

/// A loop's back edge repeats the loop test: the body ends in the
/// conditional jump, not in a jump to the test.
#[test]
fn loop_back_edges_repeat_the_test() {
    let f = build("sum", &[Type::I64], Some(Type::I64), |b, p| {
        let h = b.new_block();
        let (i, acc) = (b.add_block_param(h, Type::I64), b.add_block_param(h, Type::I64));
        let (body, exit) = (b.new_block(), b.new_block());
        let zero = b.iconst(Type::I64, 0);
        b.jump(h, vec![zero, zero]);
        b.switch_to(h);
        let c = b.icmp(IntCC::Slt, i, p[0]);
        b.branch(c, body, vec![], exit, vec![]);
        b.switch_to(body);
        let one = b.iconst(Type::I64, 1);
        let i2 = b.bin(BinOp::Add, i, one);
        let sq = b.bin(BinOp::Mul, i, i);
        let a2 = b.bin(BinOp::Add, acc, sq);
        b.jump(h, vec![i2, a2]);
        b.switch_to(exit);
        b.ret(Some(acc));
    });
    let code = insts_of(f.clone());
    // Entry and back edge each test; the only `jmp` leaves the loop.
    assert_eq!(code.iter().filter(|i| i.starts_with("cmp")).count(), 2, "{:#?}", code);
    assert_eq!(code.iter().filter(|i| i.starts_with("jl ")).count(), 2, "{:#?}", code);
    assert!(code.iter().filter(|i| i.starts_with("jmp")).count() <= 1, "{:#?}", code);
    let j = jit(vec![f]);
    let sum = func!(j, "sum", fn(i64) -> i64);
    for n in [0i64, 1, 2, 10, 1000] {
        assert_eq!(sum(n), (0..n).map(|k| k * k).sum::<i64>());
    }
}

/// A float operation whose second operand is spilled reads it from its slot.
#[test]
fn spilled_float_operands_are_read_from_memory() {
    for ty in [Type::F64, Type::F32] {
        let f = build("fs", &[ty, ty], Some(ty), |b, p| {
            // A call clobbers every xmm register: p[1] lives in a spill slot.
            b.call(Callee::Direct("nop".into()), vec![], None);
            let mut acc = p[0];
            for op in [BinOp::FAdd, BinOp::FMul, BinOp::FSub, BinOp::FDiv] {
                acc = b.bin(op, acc, p[1]);
            }
            b.ret(Some(acc));
        });
        let nop = build("nop", &[], None, |b, _| b.ret(None));
        let code = insts_of(f.clone());
        let suffix = if ty == Type::F64 { "sd" } else { "ss" };
        assert!(
            code.iter().any(|i| i.starts_with(&format!("mul{}", suffix)) && i.contains("[rbp-")),
            "{:#?}",
            code
        );
        let j = jit(vec![f, nop]);
        if ty == Type::F64 {
            let g = func!(j, "fs", fn(f64, f64) -> f64);
            for (x, y) in [(1.5, 2.0), (-3.0, 0.25), (0.0, -1.0)] {
                assert_eq!(g(x, y), (((x + y) * y) - y) / y);
            }
        } else {
            let g = func!(j, "fs", fn(f32, f32) -> f32);
            for (x, y) in [(1.5f32, 2.0f32), (-3.0, 0.25), (0.0, -1.0)] {
                assert_eq!(g(x, y), (((x + y) * y) - y) / y);
            }
        }
    }
}

/// Blocks ending in `unreachable` (fault paths) are laid out last, so the
/// check before them falls through on its hot path.
#[test]
fn fault_paths_go_last() {
    let f = build("checked", &[Type::I64, Type::I64], Some(Type::I64), |b, p| {
        let c = b.icmp(IntCC::Ult, p[0], p[1]);
        let (ok, fault) = (b.new_block(), b.new_block());
        b.branch(c, ok, vec![], fault, vec![]);
        b.switch_to(fault);
        b.call(Callee::Direct("abort".into()), vec![], None);
        b.unreachable();
        b.switch_to(ok);
        let r = b.bin(BinOp::Mul, p[0], p[1]);
        b.ret(Some(r));
    });
    let code = insts_of(f.clone());
    assert!(flows(&code, "cmp", "jae "), "{:#?}", code);
    assert_eq!(code.last().map(|s| s.as_str()), Some("ud2"), "{:#?}", code);
    extern "sysv64" fn abort() {
        std::process::abort()
    }
    let j = jit_with(
        Module {
            files: vec!["t.dk".into()],
            functions: vec![f],
            data: vec![],
        },
        &[("abort", abort as usize as u64)],
    );
    let g = func!(j, "checked", fn(u64, u64) -> u64);
    assert_eq!(g(3, 4), 12);
}

/// Operators with a constant operand on spilled values (loaded straight
/// into the result's register), every operator kind.
#[test]
fn constant_operands_of_spilled_values() {
    let ops = [
        (BinOp::Add, 5i64),
        (BinOp::Sub, 9),
        (BinOp::Mul, 8),
        (BinOp::Mul, 7),
        (BinOp::And, 0xff),
        (BinOp::Or, 3),
        (BinOp::Xor, -1),
        (BinOp::Shl, 3),
        (BinOp::LShr, 2),
        (BinOp::AShr, 1),
        (BinOp::SDiv, 4),
        (BinOp::SRem, 8),
        (BinOp::UDiv, 16),
    ];
    let f = build("spilled", &[Type::I64], Some(Type::I64), |b, p| {
        let vs: Vec<Value> = (0..ops.len() as i64)
            .map(|k| {
                let c = b.iconst(Type::I64, k * 1001 - 4000);
                b.bin(BinOp::Mul, p[0], c)
            })
            .collect();
        let rs: Vec<Value> = vs
            .iter()
            .zip(ops)
            .map(|(&v, (op, k))| {
                let c = b.iconst(Type::I64, k);
                b.bin(op, v, c)
            })
            .collect();
        let mut acc = p[0];
        for &r in &rs {
            let t = b.bin(BinOp::Mul, acc, p[0]);
            acc = b.bin(BinOp::Xor, t, r);
        }
        b.ret(Some(acc));
    });
    let info = super::abi::reg_info();
    assert!(crate::regalloc::allocate(&f, &info).num_spill_slots > 0);
    let j = jit(vec![f]);
    let g = func!(j, "spilled", fn(u64) -> u64);
    for &x in &INTS {
        let mut acc = x;
        for (k, (op, c)) in ops.iter().enumerate() {
            let v = x.wrapping_mul((k as i64 * 1001 - 4000) as u64);
            let r = eval_bin(*op, Type::I64, v, *c as u64).unwrap();
            acc = acc.wrapping_mul(x) ^ r;
        }
        assert_eq!(g(x), acc, "{:#x}", x);
    }
}
