//! A small reference interpreter of the IR, for checking that passes keep
//! what a function computes: run it before and after, compare.
//!
//! Values are their bits in a u64 (narrow integers zero-extended, f32 in the
//! low half). Stack slots live in one byte array addressed from `BASE`, so
//! stray addresses fail instead of aliasing. Calls go to functions of the
//! same list by link name. Undefined behaviour (division by zero, shifts by
//! the width or more, wild addresses) is an error, as is running too long.

use crate::ir::*;

const BASE: u64 = 0x1_0000;

pub struct Interp<'a> {
    funcs: &'a [Function],
    mem: Vec<u8>,
    steps: u64,
    depth: u32,
}

fn mask(ty: Type) -> u64 {
    u64::MAX >> (64 - 8 * ty.bytes())
}

fn sx(v: u64, ty: Type) -> i64 {
    let s = 64 - 8 * ty.bytes();
    ((v << s) as i64) >> s
}

fn f64_of(v: u64, ty: Type) -> f64 {
    if ty == Type::F32 {
        f32::from_bits(v as u32) as f64
    } else {
        f64::from_bits(v)
    }
}

fn bits_of(x: f64, ty: Type) -> u64 {
    if ty == Type::F32 {
        (x as f32).to_bits() as u64
    } else {
        x.to_bits()
    }
}

/// Run `name` from `funcs` with `args`; the result's bits, if it returns one.
pub fn run(funcs: &[Function], name: &str, args: &[u64]) -> Result<Option<u64>, String> {
    let mut m = Interp { funcs, mem: Vec::new(), steps: 0, depth: 0 };
    m.call(name, args)
}

impl<'a> Interp<'a> {
    fn call(&mut self, name: &str, args: &[u64]) -> Result<Option<u64>, String> {
        let funcs = self.funcs;
        let f = funcs.iter().find(|f| f.name == name).ok_or_else(|| format!("no function {}", name))?;
        self.depth += 1;
        if self.depth > 200 {
            return Err("call depth".into());
        }
        // Lay out this frame's slots after the caller's.
        let frame = self.mem.len();
        let mut slot_addr = Vec::new();
        for s in &f.slots {
            let a = self.mem.len().next_multiple_of(s.align.max(1) as usize);
            slot_addr.push(BASE + a as u64);
            // Fill with junk so a read of an unwritten slot is noticed.
            self.mem.resize(a + s.size as usize, 0xa5);
        }
        let r = self.body(f, &slot_addr, args);
        self.mem.truncate(frame);
        self.depth -= 1;
        r
    }

    fn mem_range(&self, addr: u64, n: u32) -> Result<std::ops::Range<usize>, String> {
        let start = addr.checked_sub(BASE).ok_or("wild address")? as usize;
        if start + n as usize > self.mem.len() {
            return Err(format!("wild address {:#x}", addr));
        }
        Ok(start..start + n as usize)
    }

    fn body(&mut self, f: &Function, slot_addr: &[u64], args: &[u64]) -> Result<Option<u64>, String> {
        let mut vals = vec![0u64; f.value_types.len()];
        let mut block = BlockId(0);
        let mut incoming = args.to_vec();
        loop {
            let blk = f.block(block);
            for (&p, &a) in blk.params.iter().zip(&incoming) {
                vals[p.0 as usize] = a;
            }
            for inst in &blk.insts {
                self.steps += 1;
                if self.steps > 10_000_000 {
                    return Err("too many steps".into());
                }
                let get = |v: &Value| vals[v.0 as usize];
                let rty = inst.result.map(|r| f.ty(r));
                let v = match &inst.op {
                    Op::Iconst(k) => *k as u64,
                    Op::Fconst(x) => bits_of(*x, rty.unwrap()),
                    Op::Bin(op, a, b) => bin(*op, f.ty(*a), get(a), get(b))?,
                    Op::Un(op, a) => {
                        let t = f.ty(*a);
                        match op {
                            UnOp::Neg => get(a).wrapping_neg(),
                            UnOp::Not => !get(a),
                            UnOp::FNeg => bits_of(-f64_of(get(a), t), t),
                        }
                    }
                    Op::Icmp(cc, a, b) => {
                        let t = f.ty(*a);
                        let (x, y) = (get(a) & mask(t), get(b) & mask(t));
                        let (sx_, sy) = (sx(x, t), sx(y, t));
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
                    Op::Fcmp(cc, a, b) => {
                        let t = f.ty(*a);
                        let (x, y) = (f64_of(get(a), t), f64_of(get(b), t));
                        (match cc {
                            FloatCC::Eq => x == y,
                            FloatCC::Ne => x != y,
                            FloatCC::Lt => x < y,
                            FloatCC::Le => x <= y,
                            FloatCC::Gt => x > y,
                            FloatCC::Ge => x >= y,
                        }) as u64
                    }
                    Op::Cast(op, a) => cast(*op, f.ty(*a), rty.unwrap(), get(a))?,
                    Op::Load { addr, offset } => {
                        let t = rty.unwrap();
                        let r = self.mem_range(get(addr).wrapping_add(*offset as i64 as u64), t.bytes())?;
                        let mut b = [0u8; 8];
                        b[..r.len()].copy_from_slice(&self.mem[r]);
                        u64::from_le_bytes(b)
                    }
                    Op::Store { value, addr, offset } => {
                        let t = f.ty(*value);
                        let r = self.mem_range(get(addr).wrapping_add(*offset as i64 as u64), t.bytes())?;
                        let n = r.len();
                        self.mem[r].copy_from_slice(&get(value).to_le_bytes()[..n]);
                        continue;
                    }
                    Op::SlotAddr(s) => slot_addr[s.0 as usize],
                    Op::Call { callee: Callee::Direct(name), args } => {
                        let a: Vec<u64> = args.iter().map(get).collect();
                        match self.call(name, &a)? {
                            Some(r) => r,
                            None => continue,
                        }
                    }
                    Op::Copy(a) => get(a),
                    op => return Err(format!("interp: unsupported {:?}", op)),
                };
                let r = inst.result.unwrap();
                vals[r.0 as usize] = v & mask(f.ty(r));
            }
            let get = |v: &Value| vals[v.0 as usize];
            let next = match &blk.term {
                Terminator::Return(v) => return Ok(v.map(|v| get(&v))),
                Terminator::Unreachable => return Err("reached unreachable".into()),
                Terminator::Jump(c) => c,
                Terminator::Branch { cond, then, else_ } => {
                    if get(cond) & mask(f.ty(*cond)) != 0 {
                        then
                    } else {
                        else_
                    }
                }
            };
            incoming = next.args.iter().map(get).collect();
            block = next.block;
        }
    }
}

fn bin(op: BinOp, ty: Type, a: u64, b: u64) -> Result<u64, String> {
    let m = mask(ty);
    let (a, b) = (a & m, b & m);
    let bits = 8 * ty.bytes() as u64;
    let float = |g: fn(f64, f64) -> f64| bits_of(g(f64_of(a, ty), f64_of(b, ty)), ty);
    Ok(match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::And => a & b,
        BinOp::Or => a | b,
        BinOp::Xor => a ^ b,
        BinOp::SDiv | BinOp::SRem => {
            let (x, y) = (sx(a, ty), sx(b, ty));
            if y == 0 || (x == sx(1 << (bits - 1), ty) && y == -1) {
                return Err("signed division trap".into());
            }
            (if op == BinOp::SDiv { x / y } else { x % y }) as u64
        }
        BinOp::UDiv => a.checked_div(b).ok_or("division by zero")?,
        BinOp::URem => a.checked_rem(b).ok_or("division by zero")?,
        BinOp::Shl | BinOp::LShr | BinOp::AShr if b >= bits => return Err("shift by the width".into()),
        BinOp::Shl => a << b,
        BinOp::LShr => a >> b,
        BinOp::AShr => (sx(a, ty) >> b) as u64,
        BinOp::FAdd => float(|x, y| x + y),
        BinOp::FSub => float(|x, y| x - y),
        BinOp::FMul => float(|x, y| x * y),
        BinOp::FDiv => float(|x, y| x / y),
    })
}

fn cast(op: CastOp, from: Type, to: Type, a: u64) -> Result<u64, String> {
    Ok(match op {
        CastOp::Trunc | CastOp::Zext | CastOp::Bitcast => a & mask(from),
        CastOp::Sext => sx(a, from) as u64,
        CastOp::SToF => bits_of(sx(a, from) as f64, to),
        CastOp::UToF => bits_of((a & mask(from)) as f64, to),
        CastOp::FToS => f64_of(a, from) as i64 as u64,
        CastOp::FToU => f64_of(a, from) as u64,
        CastOp::FExt | CastOp::FTrunc => bits_of(f64_of(a, from), to),
    })
}
