//! A small AArch64 decoder for `--emit asm`: it knows the instruction forms
//! `enc.rs` produces and prints them the way GNU objdump does (aliases
//! included), so listings read like standard tools' and the tests can compare
//! the two line by line. Anything else prints as `.inst 0x...`.

use super::enc::Cond;

/// One instruction at `addr` as text (branch targets are absolute).
pub fn decode(w: u32, addr: u64) -> String {
    decode_known(w, addr).unwrap_or_else(|| format!(".inst\t0x{:08x}", w))
}

/// A listing of `code` placed at `addr`: one `addr: word  text` line per instruction.
pub fn listing(code: &[u8], addr: u64) -> String {
    let mut out = String::new();
    for (i, c) in code.chunks(4).enumerate() {
        let at = addr + 4 * i as u64;
        if c.len() < 4 {
            let bytes: Vec<String> = c.iter().map(|b| format!("0x{:02x}", b)).collect();
            out.push_str(&format!("{:8x}:\t.byte\t{}\n", at, bytes.join(", ")));
            break;
        }
        let w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        out.push_str(&format!("{:8x}:\t{:08x}\t{}\n", at, w, decode(w, at)));
    }
    out
}

fn bits(w: u32, lo: u32, n: u32) -> u32 {
    (w >> lo) & ((1 << n) - 1)
}

fn sext(v: u32, n: u32) -> i64 {
    ((v as i64) << (64 - n)) >> (64 - n)
}

/// A general register name; 31 is `sp` when `sp` is true, else the zero register.
fn gr(r: u32, x: bool, sp: bool) -> String {
    match (r, x, sp) {
        (31, true, true) => "sp".into(),
        (31, false, true) => "wsp".into(),
        (31, true, false) => "xzr".into(),
        (31, false, false) => "wzr".into(),
        (_, true, _) => format!("x{}", r),
        (_, false, _) => format!("w{}", r),
    }
}

fn fr(r: u32, dbl: bool) -> String {
    format!("{}{}", if dbl { 'd' } else { 's' }, r)
}

fn target(addr: u64, words: i64) -> String {
    format!("0x{:x}", addr.wrapping_add((words * 4) as u64))
}

/// The value of a bitmask immediate (Arm ARM DecodeBitMasks), if valid.
fn bitmask(x: bool, n: u32, immr: u32, imms: u32) -> Option<u64> {
    let combined = (n << 6) | (!imms & 0x3f);
    if combined == 0 {
        return None;
    }
    let len = 31 - combined.leading_zeros();
    let esize = 1u32 << len;
    if !x && esize == 64 {
        return None;
    }
    let levels = esize - 1;
    let s = imms & levels;
    let r = immr & levels;
    if s == levels {
        return None;
    }
    let ones: u64 = (1u64 << (s + 1)) - 1;
    let emask: u64 = if esize == 64 { u64::MAX } else { (1u64 << esize) - 1 };
    let elem = if r == 0 { ones } else { ((ones >> r) | (ones << (esize - r))) & emask };
    let mut v = 0u64;
    let mut i = 0;
    while i < 64 {
        v |= elem << i;
        i += esize;
    }
    Some(if x { v } else { v & 0xffff_ffff })
}

/// Whether one movz or movn could produce `v` (then objdump shows an
/// `orr` of it by its own name rather than as `mov`).
fn move_wide_can(x: bool, v: u64) -> bool {
    let halves = if x { 4 } else { 2 };
    let mask = if x { u64::MAX } else { 0xffff_ffff };
    let count = |want: u64| (0..halves).filter(|i| (v >> (16 * i)) & 0xffff != want).count();
    count(0) <= 1 || count(0xffff & mask) <= 1
}

/// A float immediate the way objdump prints it: `2.000000000000000000e+00`.
fn float_text(v: f64) -> String {
    let s = format!("{:.18e}", v);
    match s.split_once('e') {
        Some((m, e)) => {
            let e: i32 = e.parse().unwrap_or(0);
            format!("{}e{}{:02}", m, if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

fn mem_operand(base: u32, off: i64) -> String {
    if off == 0 {
        format!("[{}]", gr(base, true, true))
    } else {
        format!("[{}, #{}]", gr(base, true, true), off)
    }
}

fn decode_known(w: u32, addr: u64) -> Option<String> {
    let x = w >> 31 == 1;
    let rd = bits(w, 0, 5);
    let rn = bits(w, 5, 5);
    let rm = bits(w, 16, 5);
    let op = bits(w, 30, 1);
    let s = bits(w, 29, 1);

    // add/sub, shifted register (dc uses no shift)
    if w & 0x1f20_0000 == 0x0b00_0000 {
        if bits(w, 22, 2) != 0 || bits(w, 10, 6) != 0 {
            return None;
        }
        let (d, n, m) = (gr(rd, x, false), gr(rn, x, false), gr(rm, x, false));
        return Some(match (op, s) {
            (1, 1) if rd == 31 => format!("cmp\t{}, {}", n, m),
            (1, 0) if rn == 31 => format!("neg\t{}, {}", d, m),
            _ => format!("{}\t{}, {}, {}", ["add", "adds", "sub", "subs"][(op * 2 + s) as usize], d, n, m),
        });
    }
    // add/sub, immediate
    if w & 0x1f80_0000 == 0x1100_0000 {
        let imm = bits(w, 10, 12);
        let sh = bits(w, 22, 1);
        let d = gr(rd, x, s == 0);
        let n = gr(rn, x, true);
        let lsl = if sh == 1 { ", lsl #12" } else { "" };
        return Some(match (op, s) {
            (0, 0) if imm == 0 && sh == 0 && (rd == 31 || rn == 31) => format!("mov\t{}, {}", d, n),
            (1, 1) if rd == 31 => format!("cmp\t{}, #0x{:x}{}", n, imm, lsl),
            (0, 1) if rd == 31 => format!("cmn\t{}, #0x{:x}{}", n, imm, lsl),
            _ => format!("{}\t{}, {}, #0x{:x}{}", ["add", "adds", "sub", "subs"][(op * 2 + s) as usize], d, n, imm, lsl),
        });
    }
    // add/sub, extended register: dc only emits the 64-bit uxtx form
    if w & 0x1fe0_0000 == 0x0b20_0000 {
        if !x || s == 1 || bits(w, 13, 3) != 3 || bits(w, 10, 3) != 0 {
            return None;
        }
        let name = if op == 0 { "add" } else { "sub" };
        let (d, n, m) = (gr(rd, true, true), gr(rn, true, true), gr(rm, true, false));
        return Some(if rd == 31 || rn == 31 {
            format!("{}\t{}, {}, {}", name, d, n, m)
        } else {
            format!("{}\t{}, {}, {}, uxtx", name, d, n, m)
        });
    }
    // logical, shifted register
    if w & 0x1f00_0000 == 0x0a00_0000 {
        if bits(w, 22, 2) != 0 || bits(w, 10, 6) != 0 {
            return None;
        }
        let opc = bits(w, 29, 2);
        let inv = bits(w, 21, 1);
        let (d, n, m) = (gr(rd, x, false), gr(rn, x, false), gr(rm, x, false));
        return Some(match (opc, inv) {
            (1, 0) if rn == 31 => format!("mov\t{}, {}", d, m),
            (1, 1) if rn == 31 => format!("mvn\t{}, {}", d, m),
            (3, 0) if rd == 31 => format!("tst\t{}, {}", n, m),
            _ => {
                let names = [["and", "orr", "eor", "ands"], ["bic", "orn", "eon", "bics"]];
                format!("{}\t{}, {}, {}", names[inv as usize][opc as usize], d, n, m)
            }
        });
    }
    // logical, immediate
    if w & 0x1f80_0000 == 0x1200_0000 {
        let opc = bits(w, 29, 2);
        let v = bitmask(x, bits(w, 22, 1), bits(w, 16, 6), bits(w, 10, 6))?;
        let d = gr(rd, x, opc != 3);
        let n = gr(rn, x, false);
        return Some(match opc {
            3 if rd == 31 => format!("tst\t{}, #0x{:x}", n, v),
            1 if rn == 31 && !move_wide_can(x, v) => format!("mov\t{}, #0x{:x}", d, v),
            _ => format!("{}\t{}, {}, #0x{:x}", ["and", "orr", "eor", "ands"][opc as usize], d, n, v),
        });
    }
    // multiply-add
    if w & 0x7fe0_0000 == 0x1b00_0000 {
        let ra = bits(w, 10, 5);
        let sub = bits(w, 15, 1) == 1;
        let (d, n, m, a) = (gr(rd, x, false), gr(rn, x, false), gr(rm, x, false), gr(ra, x, false));
        return Some(match (sub, ra) {
            (false, 31) => format!("mul\t{}, {}, {}", d, n, m),
            (true, 31) => format!("mneg\t{}, {}, {}", d, n, m),
            _ => format!("{}\t{}, {}, {}, {}", if sub { "msub" } else { "madd" }, d, n, m, a),
        });
    }
    // two-source: divisions and variable shifts
    if w & 0x7fe0_0000 == 0x1ac0_0000 {
        let name = match bits(w, 10, 6) {
            0b000010 => "udiv",
            0b000011 => "sdiv",
            0b001000 => "lsl",
            0b001001 => "lsr",
            0b001010 => "asr",
            _ => return None,
        };
        return Some(format!("{}\t{}, {}, {}", name, gr(rd, x, false), gr(rn, x, false), gr(rm, x, false)));
    }
    // bitfield moves: the extension and shift aliases dc emits
    if w & 0x1f80_0000 == 0x1300_0000 {
        let opc = bits(w, 29, 2);
        let (immr, imms) = (bits(w, 16, 6), bits(w, 10, 6));
        let width = if x { 64 } else { 32 };
        if bits(w, 22, 1) != x as u32 || opc == 1 || opc == 3 || immr >= width || imms >= width {
            return None;
        }
        let signed = opc == 0;
        let (d, n) = (gr(rd, x, false), gr(rn, x, false));
        if imms == width - 1 {
            return Some(format!("{}\t{}, {}, #{}", if signed { "asr" } else { "lsr" }, d, n, immr));
        }
        if !signed && imms + 1 == immr {
            return Some(format!("lsl\t{}, {}, #{}", d, n, width - 1 - imms));
        }
        let ext = match (signed, immr, imms, x) {
            (true, 0, 7, _) => Some("sxtb"),
            (true, 0, 15, _) => Some("sxth"),
            (true, 0, 31, true) => Some("sxtw"),
            (false, 0, 7, false) => Some("uxtb"),
            (false, 0, 15, false) => Some("uxth"),
            _ => None,
        };
        if let Some(name) = ext {
            return Some(format!("{}\t{}, {}", name, d, gr(rn, false, false)));
        }
        let prefix = if signed { "s" } else { "u" };
        return Some(if imms < immr {
            format!("{}bfiz\t{}, {}, #{}, #{}", prefix, d, n, width - immr, imms + 1)
        } else {
            format!("{}bfx\t{}, {}, #{}, #{}", prefix, d, n, immr, imms - immr + 1)
        });
    }
    // move wide
    if w & 0x1f80_0000 == 0x1280_0000 {
        let opc = bits(w, 29, 2);
        let hw = bits(w, 21, 2);
        let imm = bits(w, 5, 16) as u64;
        if !x && hw > 1 {
            return None;
        }
        let d = gr(rd, x, false);
        let mask = if x { u64::MAX } else { 0xffff_ffff };
        let lsl = if hw > 0 { format!(", lsl #{}", hw * 16) } else { String::new() };
        return Some(match opc {
            0 if !(imm == 0 && hw != 0) && (x || imm != 0xffff) => format!("mov\t{}, #0x{:x}", d, !(imm << (16 * hw)) & mask),
            0 => format!("movn\t{}, #0x{:x}{}", d, imm, lsl),
            2 if !(imm == 0 && hw != 0) => format!("mov\t{}, #0x{:x}", d, imm << (16 * hw)),
            2 => format!("movz\t{}, #0x{:x}{}", d, imm, lsl),
            3 => format!("movk\t{}, #0x{:x}{}", d, imm, lsl),
            _ => return None,
        });
    }
    // conditional select increment
    if w & 0x7fe0_0c00 == 0x1a80_0400 {
        let cond = bits(w, 12, 4);
        if cond >= 14 {
            return None;
        }
        let c = Cond::from_bits(cond);
        return Some(if rn == 31 && rm == 31 {
            format!("cset\t{}, {}", gr(rd, x, false), c.invert().name())
        } else if rn == rm {
            format!("cinc\t{}, {}, {}", gr(rd, x, false), gr(rn, x, false), c.invert().name())
        } else {
            format!("csinc\t{}, {}, {}, {}", gr(rd, x, false), gr(rn, x, false), gr(rm, x, false), c.name())
        });
    }
    // branches
    if w & 0x7c00_0000 == 0x1400_0000 {
        let name = if w >> 31 == 1 { "bl" } else { "b" };
        return Some(format!("{}\t{}", name, target(addr, sext(bits(w, 0, 26), 26))));
    }
    if w & 0xff00_0010 == 0x5400_0000 {
        let cond = bits(w, 0, 4);
        if cond >= 14 {
            return None;
        }
        return Some(format!("b.{}\t{}", Cond::from_bits(cond).name(), target(addr, sext(bits(w, 5, 19), 19))));
    }
    if w & 0x7e00_0000 == 0x3400_0000 {
        let name = if bits(w, 24, 1) == 1 { "cbnz" } else { "cbz" };
        return Some(format!("{}\t{}, {}", name, gr(rd, x, false), target(addr, sext(bits(w, 5, 19), 19))));
    }
    if w & 0xffff_fc1f == 0xd63f_0000 {
        return Some(format!("blr\t{}", gr(rn, true, false)));
    }
    if w & 0xffff_fc1f == 0xd61f_0000 {
        return Some(format!("br\t{}", gr(rn, true, false)));
    }
    if w == 0xd65f_03c0 {
        return Some("ret".into());
    }
    if w & 0xffe0_001f == 0xd400_0001 {
        return Some(format!("svc\t#0x{:x}", bits(w, 5, 16)));
    }
    if w & 0xffff_0000 == 0 {
        // Padding between functions.
        return Some(format!("udf\t#{}", w));
    }
    if w & 0xffe0_001f == 0xd420_0000 {
        return Some(format!("brk\t#0x{:x}", bits(w, 5, 16)));
    }
    if w & 0x9f00_0000 == 0x9000_0000 {
        let imm = sext(bits(w, 29, 2) | bits(w, 5, 19) << 2, 21);
        let page = (addr & !0xfff).wrapping_add((imm << 12) as u64);
        return Some(format!("adrp\t{}, 0x{:x}", gr(rd, true, false), page));
    }
    // loads and stores of one register
    if w & 0x3a00_0000 == 0x3800_0000 {
        let size = bits(w, 30, 2);
        let v = bits(w, 26, 1) == 1;
        let opc = bits(w, 22, 2);
        if opc > 1 {
            return None;
        }
        let load = opc == 1;
        let (reg, suffix) = match (v, size) {
            (false, 0) => (gr(rd, false, false), "b"),
            (false, 1) => (gr(rd, false, false), "h"),
            (false, 2) => (gr(rd, false, false), ""),
            (false, 3) => (gr(rd, true, false), ""),
            (true, 2) => (fr(rd, false), ""),
            (true, 3) => (fr(rd, true), ""),
            _ => return None,
        };
        let verb = if load { "ldr" } else { "str" };
        if bits(w, 24, 1) == 1 {
            let off = bits(w, 10, 12) as i64 * (1 << size);
            return Some(format!("{}{}\t{}, {}", verb, suffix, reg, mem_operand(rn, off)));
        }
        if bits(w, 21, 1) == 0 && bits(w, 10, 2) == 0 {
            let verb = if load { "ldur" } else { "stur" };
            return Some(format!("{}{}\t{}, {}", verb, suffix, reg, mem_operand(rn, sext(bits(w, 12, 9), 9))));
        }
        if bits(w, 21, 1) == 1 && bits(w, 10, 2) == 2 && bits(w, 13, 3) == 0b011 {
            let lsl = if bits(w, 12, 1) == 1 { format!(", lsl #{}", size) } else { String::new() };
            return Some(format!("{}{}\t{}, [{}, {}{}]", verb, suffix, reg, gr(rn, true, true), gr(rm, true, false), lsl));
        }
        return None;
    }
    // pairs of x registers
    let pair = |verb: &str| (verb.to_string(), gr(rd, true, false), gr(bits(w, 10, 5), true, false), gr(rn, true, true), sext(bits(w, 15, 7), 7) * 8);
    match w & 0xffc0_0000 {
        0xa980_0000 => {
            let (v, a, b, n, off) = pair("stp");
            return Some(format!("{}\t{}, {}, [{}, #{}]!", v, a, b, n, off));
        }
        0xa8c0_0000 => {
            let (v, a, b, n, off) = pair("ldp");
            return Some(format!("{}\t{}, {}, [{}], #{}", v, a, b, n, off));
        }
        _ => {}
    }
    // floating point
    let ftype = bits(w, 22, 2);
    if w & 0x7f20_0000 == 0x1e20_0000 && ftype < 2 {
        let dbl = ftype == 1;
        if w >> 31 == 0 && w & 0x0000_0c00 == 0x0800 {
            let name = match bits(w, 12, 4) {
                0 => "fmul",
                1 => "fdiv",
                2 => "fadd",
                3 => "fsub",
                _ => return None,
            };
            return Some(format!("{}\t{}, {}, {}", name, fr(rd, dbl), fr(rn, dbl), fr(rm, dbl)));
        }
        if w >> 31 == 0 && w & 0x7c00 == 0x4000 {
            return Some(match bits(w, 15, 6) {
                0 => format!("fmov\t{}, {}", fr(rd, dbl), fr(rn, dbl)),
                2 => format!("fneg\t{}, {}", fr(rd, dbl), fr(rn, dbl)),
                4 if dbl => format!("fcvt\t{}, {}", fr(rd, false), fr(rn, true)),
                5 if !dbl => format!("fcvt\t{}, {}", fr(rd, true), fr(rn, false)),
                _ => return None,
            });
        }
        if w >> 31 == 0 && w & 0xfc1f == 0x2000 {
            return Some(format!("fcmp\t{}, {}", fr(rn, dbl), fr(rm, dbl)));
        }
        if w >> 31 == 0 && w & 0x001f_fc1f == 0x2008 {
            return Some(format!("fcmp\t{}, #0.0", fr(rn, dbl)));
        }
        if w >> 31 == 0 && w & 0x1fe0 == 0x1000 {
            return Some(format!("fmov\t{}, #{}", fr(rd, dbl), float_text(super::enc::fp_imm8_value(bits(w, 13, 8) as u8))));
        }
        if w & 0xfc00 == 0 {
            let (i, f) = (gr(rn, x, false), fr(rn, dbl));
            let (di, df) = (gr(rd, x, false), fr(rd, dbl));
            return Some(match bits(w, 16, 5) {
                0b00010 => format!("scvtf\t{}, {}", df, i),
                0b00011 => format!("ucvtf\t{}, {}", df, i),
                0b11000 => format!("fcvtzs\t{}, {}", di, f),
                0b11001 => format!("fcvtzu\t{}, {}", di, f),
                0b00110 if x == dbl => format!("fmov\t{}, {}", di, f),
                0b00111 if x == dbl => format!("fmov\t{}, {}", df, i),
                _ => return None,
            });
        }
    }
    None
}
