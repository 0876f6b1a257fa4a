//! Tests of the passes on IR built the way the lowering builds it: every
//! local in a stack slot, read and written through `SlotAddr` + load/store.
//! Each test checks the IR's shape after the passes and, by interpreting it
//! before and after, that it still computes the same thing.

use super::interp;
use super::*;
use crate::print::print_function;
use crate::verify::verify_function;

const I8: Type = Type::I8;
const I16: Type = Type::I16;
const I32: Type = Type::I32;
const I64: Type = Type::I64;
const F64: Type = Type::F64;

fn build(name: &str, params: &[Type], ret: Option<Type>, body: impl FnOnce(&mut FunctionBuilder, &[Value])) -> Function {
    let mut b = FunctionBuilder::new(name, name, params, ret, Span::NONE);
    let ps = b.block_params(BlockId(0)).to_vec();
    body(&mut b, &ps);
    let f = b.finish();
    verify_function(&f).unwrap_or_else(|e| panic!("test built bad IR: {}\n{}", e, print_function(&f)));
    f
}

/// A local: a slot with the value stored into it, like `var x = v`.
fn local(b: &mut FunctionBuilder, v: Value) -> SlotId {
    let t = b.func.ty(v);
    let s = b.new_slot(t.bytes(), t.bytes());
    let a = b.slot_addr(s);
    b.store(v, a, 0);
    s
}

fn get(b: &mut FunctionBuilder, s: SlotId, t: Type) -> Value {
    let a = b.slot_addr(s);
    b.load(t, a, 0)
}

fn set(b: &mut FunctionBuilder, s: SlotId, v: Value) {
    let a = b.slot_addr(s);
    b.store(v, a, 0);
}

/// The SSA property `verify` does not check: every use is dominated by its
/// definition (an earlier instruction of the same block, or a block that
/// dominates the user; jump arguments are used at the end of their block).
fn check_dominance(f: &Function) {
    let dom = dom::DomTree::compute(f, &predecessors(f));
    // (block, position) of each definition; parameters sit at position 0.
    let mut def = vec![(u32::MAX, 0usize); f.value_types.len()];
    for (bi, b) in f.blocks.iter().enumerate() {
        for &p in &b.params {
            def[p.0 as usize] = (bi as u32, 0);
        }
        for (i, inst) in b.insts.iter().enumerate() {
            if let Some(r) = inst.result {
                def[r.0 as usize] = (bi as u32, i + 1);
            }
        }
    }
    let check = |v: Value, bi: usize, pos: usize| {
        let (db, dpos) = def[v.0 as usize];
        let ok = if db as usize == bi { dpos < pos } else { dom.dominates(BlockId(db), BlockId(bi as u32)) };
        assert!(ok, "{} used in b{} is not dominated by its definition\n{}", v, bi, print_function(f));
    };
    for (bi, b) in f.blocks.iter().enumerate() {
        for (i, inst) in b.insts.iter().enumerate() {
            op_uses(&inst.op, |v| check(v, bi, i + 1));
        }
        term_uses(&b.term, |v| check(v, bi, usize::MAX));
    }
}

/// Optimise a copy of `funcs[0]` (the others are its callees, left alone),
/// check it verifies, and that it returns what the original does on every
/// argument list.
fn optimized(funcs: &[Function], inputs: &[&[u64]]) -> Function {
    let mut f = funcs[0].clone();
    optimize(&mut f).unwrap_or_else(|e| panic!("{}\n{}", e, print_function(&f)));
    verify_function(&f).unwrap();
    check_dominance(&f);
    let mut after = funcs.to_vec();
    after[0] = f.clone();
    for args in inputs {
        let want = interp::run(funcs, &funcs[0].name, args);
        let got = interp::run(&after, &f.name, args);
        assert_eq!(got, want, "args {:?}\nbefore:\n{}\nafter:\n{}", args, print_function(&funcs[0]), print_function(&f));
    }
    f
}

fn count(f: &Function, pred: impl Fn(&Op) -> bool) -> usize {
    f.blocks.iter().flat_map(|b| &b.insts).filter(|i| pred(&i.op)).count()
}

fn memory_ops(f: &Function) -> usize {
    count(f, |op| matches!(op, Op::Load { .. } | Op::Store { .. } | Op::SlotAddr(_)))
}

/// fn sum(n) { var i = 0; var s = 0; while i < n { s = s + i; i = i + 1 }; return s }
fn sum_loop() -> Function {
    build("sum", &[I64], Some(I64), |b, p| {
        let n = local(b, p[0]);
        let z = b.iconst(I64, 0);
        let i = local(b, z);
        let s = local(b, z);
        let (head, body, exit) = (b.new_block(), b.new_block(), b.new_block());
        b.jump(head, vec![]);
        b.switch_to(head);
        let iv = get(b, i, I64);
        let nv = get(b, n, I64);
        let c = b.icmp(IntCC::Slt, iv, nv);
        b.branch(c, body, vec![], exit, vec![]);
        b.switch_to(body);
        let sv = get(b, s, I64);
        let iv = get(b, i, I64);
        let t = b.bin(BinOp::Add, sv, iv);
        set(b, s, t);
        let iv = get(b, i, I64);
        let one = b.iconst(I64, 1);
        let t = b.bin(BinOp::Add, iv, one);
        set(b, i, t);
        b.jump(head, vec![]);
        b.switch_to(exit);
        let r = get(b, s, I64);
        b.ret(Some(r));
    })
}

#[test]
fn loop_counter_becomes_block_parameters() {
    let f = optimized(&[sum_loop()], &[&[0], &[1], &[10], &[100], &[u64::MAX]]);
    assert_eq!(memory_ops(&f), 0, "{}", print_function(&f));
    assert!(f.slots.is_empty());
    // The loop head carries i and s; n needs none (it is never reassigned).
    let head_params: Vec<usize> = f.blocks.iter().map(|b| b.params.len()).collect();
    assert_eq!(head_params.iter().filter(|&&n| n == 2).count(), 1, "{}", print_function(&f));
}

#[test]
fn if_else_assigning_both_arms_joins_with_a_parameter() {
    // var x = 0; if a < b { x = a * 2 } else { x = b + 7 }; return x + 1
    let f = build("pick", &[I64, I64], Some(I64), |b, p| {
        let (sa, sb) = (local(b, p[0]), local(b, p[1]));
        let z = b.iconst(I64, 0);
        let x = local(b, z);
        let (t, e, j) = (b.new_block(), b.new_block(), b.new_block());
        let (av, bv) = (get(b, sa, I64), get(b, sb, I64));
        let c = b.icmp(IntCC::Slt, av, bv);
        b.branch(c, t, vec![], e, vec![]);
        b.switch_to(t);
        let av = get(b, sa, I64);
        let two = b.iconst(I64, 2);
        let v = b.bin(BinOp::Mul, av, two);
        set(b, x, v);
        b.jump(j, vec![]);
        b.switch_to(e);
        let bv = get(b, sb, I64);
        let seven = b.iconst(I64, 7);
        let v = b.bin(BinOp::Add, bv, seven);
        set(b, x, v);
        b.jump(j, vec![]);
        b.switch_to(j);
        let xv = get(b, x, I64);
        let one = b.iconst(I64, 1);
        let r = b.bin(BinOp::Add, xv, one);
        b.ret(Some(r));
    });
    let g = optimized(&[f], &[&[1, 2], &[2, 1], &[5, 5], &[u64::MAX, 3]]);
    assert_eq!(memory_ops(&g), 0, "{}", print_function(&g));
    assert_eq!(g.blocks[3].params.len(), 1, "{}", print_function(&g));
}

#[test]
fn escaping_address_stays_in_memory() {
    // fn bump(p) { *p = *p + 1 }
    let bump = build("bump", &[I64], None, |b, p| {
        let v = b.load(I64, p[0], 0);
        let one = b.iconst(I64, 1);
        let w = b.bin(BinOp::Add, v, one);
        b.store(w, p[0], 0);
        b.ret(None);
    });
    // var x = a; var y = a; bump(&x); return x * 10 + y
    let f = build("esc", &[I64], Some(I64), |b, p| {
        let x = local(b, p[0]);
        let y = local(b, p[0]);
        let xa = b.slot_addr(x);
        b.call(Callee::Direct("bump".into()), vec![xa], None);
        let xv = get(b, x, I64);
        let ten = b.iconst(I64, 10);
        let t = b.bin(BinOp::Mul, xv, ten);
        let yv = get(b, y, I64);
        let r = b.bin(BinOp::Add, t, yv);
        b.ret(Some(r));
    });
    let g = optimized(&[f, bump], &[&[0], &[41]]);
    assert_eq!(g.slots.len(), 1, "{}", print_function(&g));
    assert_eq!(count(&g, |op| matches!(op, Op::Load { .. })), 1, "{}", print_function(&g));
    assert_eq!(count(&g, |op| matches!(op, Op::SlotAddr(SlotId(0)))), 3);
}

#[test]
fn other_escapes_and_aggregates_stay_in_memory() {
    // Slot 0: fields at offsets 0 and 8. Slot 1: its address stored in
    // slot 2 (a pointer variable, itself promotable). Slot 3: stored as i64,
    // read as i32. Slot 4: address passed along a jump. Slot 5: plain.
    let f = build("mixed", &[I64], Some(I64), |b, p| {
        let agg = b.new_slot(16, 8);
        let a = b.slot_addr(agg);
        b.store(p[0], a, 0);
        b.store(p[0], a, 8);
        let target = local(b, p[0]);
        let ta = b.slot_addr(target);
        let ptr = local(b, ta);
        let pun = local(b, p[0]);
        let jumped = local(b, p[0]);
        let plain = local(b, p[0]);
        let next = b.new_block();
        let pa = b.add_block_param(next, I64);
        let ja = b.slot_addr(jumped);
        b.jump(next, vec![ja]);
        b.switch_to(next);
        let v0 = b.load(I64, a, 8);
        let pv = get(b, ptr, I64);
        let v1 = b.load(I64, pv, 0);
        let v2 = get(b, pun, I32);
        let v2 = b.cast(CastOp::Zext, v2, I64);
        let v3 = b.load(I64, pa, 0);
        let v4 = get(b, plain, I64);
        let mut r = b.bin(BinOp::Add, v0, v1);
        for v in [v2, v3, v4] {
            r = b.bin(BinOp::Xor, r, v);
        }
        b.ret(Some(r));
    });
    let g = optimized(&[f], &[&[0x1234_5678_9abc], &[7]]);
    // All but `ptr` and `plain` remain, renumbered.
    assert_eq!(g.slots.len(), 4, "{}", print_function(&g));
    assert_eq!(count(&g, |op| matches!(op, Op::SlotAddr(s) if s.0 >= 4)), 0);
}

#[test]
fn narrow_variables_keep_their_width() {
    // var c: i8 = 120; var h: i16 = -3; var w: i32 = trunc(a);
    // loop 3 times { c = c + 5; h = h * 300; w = w << 3 }
    // flag: i8 = c < 0 (signed; wraps past 127);
    // return sext(c) + sext(h) + zext(w) + flag
    let f = build("narrow", &[I64], Some(I64), |b, p| {
        let c0 = b.iconst(I8, 120);
        let c = local(b, c0);
        let h0 = b.iconst(I16, -3);
        let h = local(b, h0);
        let w0 = b.cast(CastOp::Trunc, p[0], I32);
        let w = local(b, w0);
        let k0 = b.iconst(I32, 3);
        let k = local(b, k0);
        let (head, body, exit) = (b.new_block(), b.new_block(), b.new_block());
        b.jump(head, vec![]);
        b.switch_to(head);
        let kv = get(b, k, I32);
        let zero = b.iconst(I32, 0);
        let go = b.icmp(IntCC::Sgt, kv, zero);
        b.branch(go, body, vec![], exit, vec![]);
        b.switch_to(body);
        let cv = get(b, c, I8);
        let five = b.iconst(I8, 5);
        let cv = b.bin(BinOp::Add, cv, five);
        set(b, c, cv);
        let hv = get(b, h, I16);
        let k300 = b.iconst(I16, 300);
        let hv = b.bin(BinOp::Mul, hv, k300);
        set(b, h, hv);
        let wv = get(b, w, I32);
        let three = b.iconst(I32, 3);
        let wv = b.bin(BinOp::Shl, wv, three);
        set(b, w, wv);
        let kv = get(b, k, I32);
        let one = b.iconst(I32, 1);
        let kv = b.bin(BinOp::Sub, kv, one);
        set(b, k, kv);
        b.jump(head, vec![]);
        b.switch_to(exit);
        let cv = get(b, c, I8);
        let z8 = b.iconst(I8, 0);
        let neg = b.icmp(IntCC::Slt, cv, z8);
        let flag = local(b, neg);
        let cv = get(b, c, I8);
        let x = b.cast(CastOp::Sext, cv, I64);
        let hv = get(b, h, I16);
        let y = b.cast(CastOp::Sext, hv, I64);
        let wv = get(b, w, I32);
        let z = b.cast(CastOp::Zext, wv, I64);
        let fv = get(b, flag, I8);
        let fv = b.cast(CastOp::Zext, fv, I64);
        let r = b.bin(BinOp::Add, x, y);
        let r = b.bin(BinOp::Add, r, z);
        let r = b.bin(BinOp::Add, r, fv);
        b.ret(Some(r));
    });
    let g = optimized(&[f], &[&[0], &[0xffff_ffff], &[0x8000_0001], &[12345]]);
    assert_eq!(memory_ops(&g), 0, "{}", print_function(&g));
}

#[test]
fn read_before_any_store_is_zero() {
    // var x: f64; var n: i32; if a != 0 { x = 2.5; n = 7 }; return n + ftoi(x)
    let f = build("undef", &[I64], Some(I64), |b, p| {
        let x = b.new_slot(8, 8);
        let n = b.new_slot(4, 4);
        let (t, j) = (b.new_block(), b.new_block());
        let z = b.iconst(I64, 0);
        let c = b.icmp(IntCC::Ne, p[0], z);
        b.branch(c, t, vec![], j, vec![]);
        b.switch_to(t);
        let v = b.fconst(F64, 2.5);
        set(b, x, v);
        let v = b.iconst(I32, 7);
        set(b, n, v);
        b.jump(j, vec![]);
        b.switch_to(j);
        let xv = get(b, x, F64);
        let xi = b.cast(CastOp::FToS, xv, I64);
        let nv = get(b, n, I32);
        let ni = b.cast(CastOp::Sext, nv, I64);
        let r = b.bin(BinOp::Add, xi, ni);
        b.ret(Some(r));
    });
    let mut g = f.clone();
    optimize(&mut g).unwrap();
    assert_eq!(memory_ops(&g), 0, "{}", print_function(&g));
    // The original reads uninitialised memory on one path; the promoted
    // version reads zero there.
    assert_eq!(interp::run(&[g.clone()], "undef", &[0]), Ok(Some(0)));
    assert_eq!(interp::run(&[g], "undef", &[1]), Ok(Some(9)));
}

#[test]
fn folding_wraps_at_the_width_and_leaves_traps_alone() {
    let f = build("fold", &[I64], Some(I64), |b, p| {
        let a = b.iconst(I8, 127);
        let one = b.iconst(I8, 1);
        let s = b.bin(BinOp::Add, a, one); // -128
        let s = b.cast(CastOp::Sext, s, I64);
        let m = b.iconst(I32, 0x10000);
        let sq = b.bin(BinOp::Mul, m, m); // 0 at 32 bits
        let sq = b.cast(CastOp::Zext, sq, I64);
        let u = b.iconst(I16, -1);
        let two = b.iconst(I16, 2);
        let q = b.bin(BinOp::UDiv, u, two); // 0x7fff
        let q = b.cast(CastOp::Zext, q, I64);
        let zero = b.iconst(I64, 0);
        let trap = b.bin(BinOp::SDiv, p[0], zero); // stays: it traps
        let _ = trap;
        let r = b.bin(BinOp::Add, s, sq);
        let r = b.bin(BinOp::Add, r, q);
        b.ret(Some(r));
    });
    let mut g = f.clone();
    optimize(&mut g).unwrap();
    let text = print_function(&g);
    assert!(text.contains("iconst 32639"), "{}", text); // -128 + 0 + 0x7fff
    assert!(text.contains("sdiv"), "{}", text);
    assert_eq!(count(&g, |op| matches!(op, Op::Bin(..))), 1, "{}", text);
}

#[test]
fn constant_branches_and_dead_loops_disappear() {
    // var dead = 0; var x = 1; loop 5 times { dead = dead + 1 };
    // if x == 1 { return a } else { return 0 }
    let f = build("cb", &[I64], Some(I64), |b, p| {
        let z = b.iconst(I64, 0);
        let dead = local(b, z);
        let one = b.iconst(I64, 1);
        let x = local(b, one);
        let k = b.iconst(I64, 5);
        let k = local(b, k);
        let (head, body, exit) = (b.new_block(), b.new_block(), b.new_block());
        b.jump(head, vec![]);
        b.switch_to(head);
        let kv = get(b, k, I64);
        let z = b.iconst(I64, 0);
        let go = b.icmp(IntCC::Sgt, kv, z);
        b.branch(go, body, vec![], exit, vec![]);
        b.switch_to(body);
        let dv = get(b, dead, I64);
        let one = b.iconst(I64, 1);
        let dv = b.bin(BinOp::Add, dv, one);
        set(b, dead, dv);
        let kv = get(b, k, I64);
        let kv = b.bin(BinOp::Sub, kv, one);
        set(b, k, kv);
        b.jump(head, vec![]);
        b.switch_to(exit);
        let xv = get(b, x, I64);
        let one = b.iconst(I64, 1);
        let c = b.icmp(IntCC::Eq, xv, one);
        let (t, e) = (b.new_block(), b.new_block());
        b.branch(c, t, vec![], e, vec![]);
        b.switch_to(t);
        b.ret(Some(p[0]));
        b.switch_to(e);
        let z = b.iconst(I64, 0);
        b.ret(Some(z));
    });
    let g = optimized(&[f], &[&[3], &[99]]);
    let text = print_function(&g);
    // The loop stays (it is a loop), but `dead` no longer flows around it;
    // the constant branch is gone with its else arm.
    assert_eq!(g.blocks.len(), 4, "{}", text);
    let params: usize = g.blocks.iter().map(|b| b.params.len()).sum();
    assert_eq!(params, 1 + 1, "{}", text); // a, and the counter
    assert_eq!(count(&g, |op| matches!(op, Op::Icmp(..))), 1, "{}", text);
}

#[test]
fn thousands_of_blocks_do_not_recurse() {
    // 4000 sequential ifs, each conditionally updating one of four
    // variables: deep dominator trees and many joins.
    let f = build("big", &[I64], Some(I64), |b, p| {
        let vars: Vec<SlotId> = (0..4).map(|i| {
            let v = b.iconst(I64, i);
            local(b, v)
        }).collect();
        for i in 0..4000 {
            let x = vars[i % 4];
            let (t, j) = (b.new_block(), b.new_block());
            let k = b.iconst(I64, (i % 7) as i64);
            let c = b.icmp(IntCC::Ugt, p[0], k);
            b.branch(c, t, vec![], j, vec![]);
            b.switch_to(t);
            let v = get(b, x, I64);
            let w = get(b, vars[(i + 1) % 4], I64);
            let s = b.bin(BinOp::Add, v, w);
            set(b, x, s);
            b.jump(j, vec![]);
            b.switch_to(j);
        }
        let mut r = get(b, vars[0], I64);
        for &x in &vars[1..] {
            let v = get(b, x, I64);
            r = b.bin(BinOp::Xor, r, v);
        }
        b.ret(Some(r));
    });
    let g = optimized(&[f], &[&[0], &[3], &[100]]);
    assert_eq!(memory_ops(&g), 0);
    // One parameter per join: only the variable its `if` assigned.
    let params: usize = g.blocks.iter().map(|b| b.params.len()).sum();
    assert_eq!(params, 1 + 4000, "{} blocks", g.blocks.len());
}

/// Random structured programs in the lowering's style, interpreted before
/// and after the passes.
mod random {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    struct Gen {
        rng: Rng,
        b: FunctionBuilder,
        params: Vec<Value>,
        /// Locals (slot, type); `escaped` ones have their address taken.
        vars: Vec<(SlotId, Type)>,
        /// An array of `ARRAY` I64s, always in memory.
        array: SlotId,
        /// Exit blocks of the enclosing loops.
        breaks: Vec<BlockId>,
        budget: u32,
    }

    const TYPES: [Type; 4] = [I8, I16, I32, I64];
    const ARRAY: u64 = 4;

    impl Gen {
        fn convert(&mut self, v: Value, to: Type) -> Value {
            let from = self.b.func.ty(v);
            if from.bytes() > to.bytes() {
                self.b.cast(CastOp::Trunc, v, to)
            } else if from.bytes() < to.bytes() {
                let op = if self.rng.below(2) == 0 { CastOp::Sext } else { CastOp::Zext };
                self.b.cast(op, v, to)
            } else {
                v
            }
        }

        fn expr(&mut self, ty: Type, depth: u32) -> Value {
            let leaf = depth == 0 || self.rng.below(3) == 0;
            if leaf {
                return match self.rng.below(4) {
                    0 => {
                        let k = self.rng.next() as i64 >> self.rng.below(64);
                        self.b.iconst(ty, k)
                    }
                    1 => {
                        let p = self.params[self.rng.below(self.params.len() as u64) as usize];
                        self.convert(p, ty)
                    }
                    _ => {
                        let (s, t) = self.vars[self.rng.below(self.vars.len() as u64) as usize];
                        let a = self.b.slot_addr(s);
                        let v = self.b.load(t, a, 0);
                        self.convert(v, ty)
                    }
                };
            }
            let a = self.expr(ty, depth - 1);
            let bits = 8 * ty.bytes() as i64;
            let (op, b) = match self.rng.below(10) {
                0 => (BinOp::Add, self.expr(ty, depth - 1)),
                1 => (BinOp::Sub, self.expr(ty, depth - 1)),
                2 => (BinOp::Mul, self.expr(ty, depth - 1)),
                3 => (BinOp::And, self.expr(ty, depth - 1)),
                4 => (BinOp::Or, self.expr(ty, depth - 1)),
                5 => (BinOp::Xor, self.expr(ty, depth - 1)),
                6 => {
                    let op = [BinOp::Shl, BinOp::LShr, BinOp::AShr][self.rng.below(3) as usize];
                    let k = (self.rng.below(bits as u64)) as i64;
                    (op, self.b.iconst(ty, k))
                }
                7 => {
                    let op = [BinOp::SDiv, BinOp::UDiv, BinOp::SRem, BinOp::URem][self.rng.below(4) as usize];
                    let k = 2 + self.rng.below(9) as i64;
                    (op, self.b.iconst(ty, k))
                }
                _ => {
                    // A comparison, widened back: exercises I8 flags.
                    let y = self.expr(ty, depth - 1);
                    let cc = [IntCC::Eq, IntCC::Ne, IntCC::Slt, IntCC::Ult, IntCC::Sge, IntCC::Ugt][self.rng.below(6) as usize];
                    let c = self.b.icmp(cc, a, y);
                    let c = self.convert(c, ty);
                    return c;
                }
            };
            self.b.bin(op, a, b)
        }

        fn compare(&mut self) -> Value {
            let ty = TYPES[self.rng.below(4) as usize];
            let a = self.expr(ty, 2);
            let b = self.expr(ty, 1);
            let cc = [IntCC::Eq, IntCC::Ne, IntCC::Slt, IntCC::Sle, IntCC::Ult, IntCC::Uge][self.rng.below(6) as usize];
            let c = self.b.icmp(cc, a, b);
            match self.rng.below(6) {
                // `c != 0` and `c == 0`, as a lowering of `!c` might say.
                0 => {
                    let z = self.b.iconst(I8, 0);
                    self.b.icmp(IntCC::Ne, c, z)
                }
                1 => {
                    let z = self.b.iconst(I8, 0);
                    self.b.icmp(IntCC::Eq, z, c)
                }
                _ => c,
            }
        }

        /// A comparison, or `a && b` / `a || b` lowered the way the front
        /// end does: the second operand in its own block, both joined in a
        /// block whose parameter is the 0/1 result.
        fn cond(&mut self) -> Value {
            let a = self.compare();
            if self.rng.below(3) != 0 {
                return a;
            }
            let (rhs, join) = (self.b.new_block(), self.b.new_block());
            let r = self.b.add_block_param(join, I8);
            if self.rng.below(2) == 0 {
                self.b.branch(a, rhs, vec![], join, vec![a]);
            } else {
                self.b.branch(a, join, vec![a], rhs, vec![]);
            }
            self.b.switch_to(rhs);
            let b = if self.rng.below(3) == 0 { self.cond() } else { self.compare() };
            self.b.jump(join, vec![b]);
            self.b.switch_to(join);
            r
        }

        /// An element of the array local: a constant index (an address
        /// `&arr + 8k`, sometimes in two steps) or a computed one.
        fn element(&mut self) -> Value {
            let base = self.b.slot_addr(self.array);
            match self.rng.below(3) {
                0 => {
                    let k = self.b.iconst(I64, 8 * self.rng.below(ARRAY) as i64);
                    self.b.bin(BinOp::Add, base, k)
                }
                1 => {
                    let k = self.rng.below(ARRAY) as i64;
                    let (x, y) = (self.b.iconst(I64, 8 * k + 40), self.b.iconst(I64, 40));
                    let up = self.b.bin(BinOp::Add, x, base);
                    self.b.bin(BinOp::Sub, up, y)
                }
                _ => {
                    let i = self.expr(I64, 1);
                    let m = self.b.iconst(I64, ARRAY as i64 - 1);
                    let i = self.b.bin(BinOp::And, i, m);
                    let eight = self.b.iconst(I64, 8);
                    let off = self.b.bin(BinOp::Mul, i, eight);
                    self.b.bin(BinOp::Add, base, off)
                }
            }
        }

        fn stmts(&mut self, depth: u32) {
            let n = 1 + self.rng.below(4);
            for _ in 0..n {
                if self.budget == 0 {
                    return;
                }
                self.budget -= 1;
                self.stmt(depth);
            }
        }

        fn stmt(&mut self, depth: u32) {
            let nested = depth > 0;
            match self.rng.below(12) {
                0 | 1 if nested => {
                    let c = self.cond();
                    let (t, e, j) = (self.b.new_block(), self.b.new_block(), self.b.new_block());
                    self.b.branch(c, t, vec![], e, vec![]);
                    self.b.switch_to(t);
                    self.stmts(depth - 1);
                    self.b.jump(j, vec![]);
                    self.b.switch_to(e);
                    if self.rng.below(2) == 0 {
                        self.stmts(depth - 1);
                    }
                    self.b.jump(j, vec![]);
                    self.b.switch_to(j);
                }
                2 if nested => {
                    // A counted loop; its counter is a local like any other,
                    // but the body never assigns it.
                    let k = self.b.iconst(I32, 1 + self.rng.below(4) as i64);
                    let s = local(&mut self.b, k);
                    let (head, body, exit) = (self.b.new_block(), self.b.new_block(), self.b.new_block());
                    self.b.jump(head, vec![]);
                    self.b.switch_to(head);
                    let kv = get(&mut self.b, s, I32);
                    let z = self.b.iconst(I32, 0);
                    let go = self.b.icmp(IntCC::Sgt, kv, z);
                    self.b.branch(go, body, vec![], exit, vec![]);
                    self.b.switch_to(body);
                    self.breaks.push(exit);
                    self.stmts(depth - 1);
                    self.breaks.pop();
                    let kv = get(&mut self.b, s, I32);
                    let one = self.b.iconst(I32, 1);
                    let kv = self.b.bin(BinOp::Sub, kv, one);
                    set(&mut self.b, s, kv);
                    self.b.jump(head, vec![]);
                    self.b.switch_to(exit);
                }
                3 if !self.breaks.is_empty() => {
                    let c = self.cond();
                    let exit = *self.breaks.last().unwrap();
                    let cont = self.b.new_block();
                    self.b.branch(c, exit, vec![], cont, vec![]);
                    self.b.switch_to(cont);
                }
                4 if self.rng.below(4) == 0 => {
                    // An early return (code after it is dead).
                    let r = self.expr(I64, 2);
                    self.b.ret(Some(r));
                }
                6 => {
                    let a = self.element();
                    let v = self.expr(I64, 2);
                    self.b.store(v, a, 0);
                }
                7 => {
                    let a = self.element();
                    let v = self.b.load(I64, a, 0);
                    let (s, t) = self.vars[self.rng.below(self.vars.len() as u64) as usize];
                    let v = self.convert(v, t);
                    set(&mut self.b, s, v);
                }
                5 => {
                    // A call through a local's address: `bump(&x)`.
                    let (s, t) = self.vars[self.rng.below(self.vars.len() as u64) as usize];
                    if t == I64 {
                        let a = self.b.slot_addr(s);
                        self.b.call(Callee::Direct("bump".into()), vec![a], None);
                    }
                }
                _ => {
                    let (s, t) = self.vars[self.rng.below(self.vars.len() as u64) as usize];
                    let v = self.expr(t, 3);
                    set(&mut self.b, s, v);
                }
            }
        }
    }

    pub(super) fn program(name: &str, seed: u64) -> Function {
        let b = FunctionBuilder::new(name, name, &[I64, I64], Some(I64), Span::NONE);
        let params = b.block_params(BlockId(0)).to_vec();
        let mut b = b;
        let array = b.new_slot(8 * ARRAY as u32, 8);
        let mut g = Gen { rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1), b, params: params.clone(), vars: Vec::new(), array, breaks: Vec::new(), budget: 40 };
        for k in 0..ARRAY {
            let a = g.b.slot_addr(array);
            let v = g.b.iconst(I64, k as i64 * 1000 + 1);
            g.b.store(v, a, 8 * k as i32);
        }
        // Parameters are copied into locals first, as the lowering does.
        for &p in &params {
            let s = local(&mut g.b, p);
            g.vars.push((s, I64));
        }
        for _ in 0..2 + g.rng.below(5) {
            let t = TYPES[g.rng.below(4) as usize];
            let v = g.expr(t, 1);
            let s = local(&mut g.b, v);
            g.vars.push((s, t));
        }
        while g.budget > 0 {
            g.stmts(3);
        }
        let mut r = g.b.iconst(I64, 0);
        for (s, t) in g.vars.clone() {
            let v = get(&mut g.b, s, t);
            let v = g.convert(v, I64);
            let k = g.b.iconst(I64, 31);
            r = g.b.bin(BinOp::Mul, r, k);
            r = g.b.bin(BinOp::Add, r, v);
        }
        for k in 0..ARRAY {
            let a = g.b.slot_addr(array);
            let v = g.b.load(I64, a, 8 * k as i32);
            let m = g.b.iconst(I64, 37);
            r = g.b.bin(BinOp::Mul, r, m);
            r = g.b.bin(BinOp::Xor, r, v);
        }
        g.b.ret(Some(r));
        let f = g.b.finish();
        verify_function(&f).unwrap_or_else(|e| panic!("generator made bad IR: {}\n{}", e, print_function(&f)));
        f
    }

    /// `bump(p)`: `*p = *p * 3 + 1`, the callee escaping addresses go to.
    pub(super) fn bump() -> Function {
        build("bump", &[I64], None, |b, p| {
            let v = b.load(I64, p[0], 0);
            let k = b.iconst(I64, 3);
            let w = b.bin(BinOp::Mul, v, k);
            let one = b.iconst(I64, 1);
            let w = b.bin(BinOp::Add, w, one);
            b.store(w, p[0], 0);
            b.ret(None);
        })
    }

    #[test]
    fn random_programs_compute_the_same() {
        let bump = bump();
        let inputs: [&[u64]; 5] = [&[0, 0], &[1, 2], &[u64::MAX, 7], &[0x8000_0000, 0xff], &[12345, 0x7fff_ffff_ffff]];
        let (mut before, mut after, mut blocks, mut ok) = (0, 0, (0, 0), 0);
        for seed in 1..600 {
            let f = program("rand", seed);
            let g = optimized(&[f.clone(), bump.clone()], &inputs);
            ok += inputs.iter().filter(|a| interp::run(&[g.clone(), bump.clone()], "rand", a).is_ok()).count();
            before += memory_ops(&f);
            after += memory_ops(&g);
            blocks.0 += f.blocks.len();
            blocks.1 += g.blocks.len();
            // The slots left are exactly those whose address went to `bump`.
            let mut addr_of = vec![None; f.value_types.len()];
            let mut escaped = vec![false; f.slots.len()];
            for inst in f.blocks.iter().flat_map(|b| &b.insts) {
                match &inst.op {
                    Op::SlotAddr(s) => addr_of[inst.result.unwrap().0 as usize] = Some(s.0 as usize),
                    Op::Call { args, .. } => args.iter().filter_map(|a| addr_of[a.0 as usize]).for_each(|s| escaped[s] = true),
                    _ => {}
                }
            }
            // ... and the array.
            assert_eq!(g.slots.len(), 1 + escaped.iter().filter(|&&e| e).count(), "{}", print_function(&g));
        }
        eprintln!("memory ops {} -> {}, blocks {} -> {}, {} runs ok", before, after, blocks.0, blocks.1, ok);
        // Runs that fail (none should) would compare nothing.
        assert_eq!(ok, 599 * inputs.len());
        // What stays is the array and the escaped locals.
        assert!(after * 3 < before, "memory ops {} -> {}", before, after);
    }
}

/// Random programs compiled by `compile_module` (so optimised), linked and
/// run natively (x86-64) and under qemu (AArch64), against the interpreter
/// on the unoptimised IR.
mod native {
    use super::random::{bump, program};
    use super::*;
    use crate::obj::{Arch, Object};
    use std::process::Command;

    const INPUTS: [[u64; 2]; 4] = [[0, 0], [3, 9], [u64::MAX, 0x8000_0000], [0x1234_5678_9abc_def0, 77]];

    /// `__dc_entry`: call every program on every input, write each result
    /// as 8 bytes to stdout, exit 0.
    fn entry(names: &[String], arch: Arch) -> Function {
        let (write, exit) = match arch {
            Arch::X86_64 => (1, 231),
            Arch::Aarch64 => (64, 94),
        };
        build("__dc_entry", &[I64, I64], None, |b, _| {
            let out = b.new_slot(8, 8);
            for name in names {
                for input in INPUTS {
                    let args = input.iter().map(|&x| b.iconst(I64, x as i64)).collect();
                    let r = b.call(Callee::Direct(name.clone()), args, Some(I64)).unwrap();
                    let a = b.slot_addr(out);
                    b.store(r, a, 0);
                    let nr = b.iconst(I64, write);
                    let fd = b.iconst(I64, 1);
                    let len = b.iconst(I64, 8);
                    b.ins(I64, Op::Syscall(vec![nr, fd, a, len]));
                }
            }
            let nr = b.iconst(I64, exit);
            let z = b.iconst(I64, 0);
            b.ins(I64, Op::Syscall(vec![nr, z]));
            b.unreachable();
        })
    }

    fn run_on(arch: Arch, seeds: std::ops::Range<u64>) {
        let runner: &[&str] = match arch {
            Arch::X86_64 if cfg!(target_arch = "x86_64") => &[],
            Arch::Aarch64 if cfg!(target_arch = "aarch64") => &[],
            Arch::Aarch64 => &["qemu-aarch64"],
            Arch::X86_64 => &["qemu-x86_64"],
        };
        if let Some(q) = runner.first() {
            if Command::new(q).arg("--version").output().is_err() {
                eprintln!("no {}: skipped", q);
                return;
            }
        }
        let progs: Vec<Function> = seeds.map(|s| program(&format!("rand{}", s), s)).collect();
        let names: Vec<String> = progs.iter().map(|f| f.name.clone()).collect();
        let mut want = Vec::new();
        let mut all = progs.clone();
        all.push(bump());
        for f in &progs {
            for input in INPUTS {
                let r = interp::run(&all, &f.name, &input).unwrap().unwrap();
                want.extend_from_slice(&r.to_le_bytes());
            }
        }
        let mut e = entry(&names, arch);
        e.linkage = Linkage::Global;
        all.push(e);
        let m = Module { files: vec!["t.dk".into()], functions: all, data: vec![] };
        let o = crate::compile_module(&m, arch).unwrap();
        let isa = crate::isa::for_arch(arch);
        let mut start = Object::new(arch);
        isa.runtime_asm(&mut start);
        let exe = crate::link::link_objects(&[o, start], "_start").unwrap();
        let path = std::env::temp_dir().join(format!("dc-passes-{}-{:?}", std::process::id(), arch));
        std::fs::write(&path, &exe).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let out = match runner.first() {
            Some(q) => Command::new(q).arg(&path).output(),
            None => Command::new(&path).output(),
        }
        .unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(out.status.code(), Some(0), "{:?}", arch);
        for (i, (got, want)) in out.stdout.chunks(8).zip(want.chunks(8)).enumerate() {
            if got != want {
                let f = &progs[i / INPUTS.len()];
                let mut g = f.clone();
                optimize(&mut g).unwrap();
                panic!("{:?}: {} on {:?}: got {:x?} want {:x?}\n{}", arch, f.name, INPUTS[i % INPUTS.len()], got, want, print_function(&g));
            }
        }
        assert_eq!(out.stdout.len(), want.len(), "{:?}", arch);
    }

    #[test]
    fn optimised_random_programs_run_on_x86_64() {
        run_on(Arch::X86_64, 1..300);
    }

    #[test]
    fn optimised_random_programs_run_on_aarch64() {
        run_on(Arch::Aarch64, 1..300);
    }
}

/// `max0(x)`: a two-block leaf with a slot, the shape of a small runtime helper.
fn max0(inlinable: bool) -> Function {
    let mut f = build("max0", &[I64], Some(I64), |b, p| {
        let s = local(b, p[0]);
        let zero = b.iconst(I64, 0);
        let x = get(b, s, I64);
        let neg = b.icmp(IntCC::Slt, x, zero);
        let (t, e) = (b.new_block(), b.new_block());
        b.branch(neg, t, vec![], e, vec![]);
        b.switch_to(t);
        set(b, s, zero);
        b.jump(e, vec![]);
        b.switch_to(e);
        let r = get(b, s, I64);
        b.ret(Some(r));
    });
    f.inlinable = inlinable;
    f
}

/// `sum(a, b) = max0(a) + max0(b) * 3`, with the second result unused once.
fn sum_of_max0() -> Function {
    build("sum", &[I64, I64], Some(I64), |b, p| {
        let x = b.call(Callee::Direct("max0".into()), vec![p[0]], Some(I64)).unwrap();
        b.call(Callee::Direct("max0".into()), vec![p[1]], Some(I64));
        let y = b.call(Callee::Direct("max0".into()), vec![p[1]], Some(I64)).unwrap();
        let three = b.iconst(I64, 3);
        let y3 = b.bin(BinOp::Mul, y, three);
        let r = b.bin(BinOp::Add, x, y3);
        b.ret(Some(r));
    })
}

fn calls_of(f: &Function) -> usize {
    f.blocks.iter().flat_map(|b| &b.insts).filter(|i| matches!(i.op, Op::Call { .. })).count()
}

#[test]
fn inline_copies_small_leaf_callees_marked_inlinable() {
    let before = vec![sum_of_max0(), max0(true)];
    let mut after = before.clone();
    for f in &mut after {
        optimize(f).unwrap();
    }
    inline::run(&mut after).unwrap();
    let sum = &after[0];
    verify_function(sum).unwrap();
    check_dominance(sum);
    assert_eq!(calls_of(sum), 0, "{}", print_function(sum));
    for args in [[5u64, 7], [(-5i64) as u64, 7], [5, (-7i64) as u64], [0, 0]] {
        assert_eq!(interp::run(&after, "sum", &args), interp::run(&before, "sum", &args), "{:?}\n{}", args, print_function(sum));
    }
}

#[test]
fn inline_leaves_user_functions_whole() {
    let mut fs = vec![sum_of_max0(), max0(false)];
    inline::run(&mut fs).unwrap();
    assert_eq!(calls_of(&fs[0]), 3);
}

fn loads_and_stores(f: &Function) -> Vec<(Value, i32)> {
    f.blocks.iter().flat_map(|b| &b.insts).filter_map(|i| match &i.op {
        Op::Load { addr, offset } | Op::Store { addr, offset, .. } => Some((*addr, *offset)),
        _ => None,
    }).collect()
}

#[test]
fn constant_address_arithmetic_moves_into_the_offset() {
    // fn get(p) { p[2] = p[1] + p[3] ; return p[2] } over `p + 8k`, with the
    // last as `(p + 40) - 16`, and one offset too far to fold.
    let f = build("get", &[I64], Some(I64), |b, p| {
        let eight = b.iconst(I64, 8);
        let a1 = b.bin(BinOp::Add, p[0], eight);
        let x = b.load(I64, a1, 0);
        let forty = b.iconst(I64, 40);
        let sixteen = b.iconst(I64, 16);
        let up = b.bin(BinOp::Add, forty, p[0]);
        let a3 = b.bin(BinOp::Sub, up, sixteen);
        let y = b.load(I64, a3, 0);
        let s = b.bin(BinOp::Add, x, y);
        let a2 = b.bin(BinOp::Add, a1, eight);
        b.store(s, a2, 0);
        let far = b.iconst(I64, 1 << 31);
        let a_far = b.bin(BinOp::Add, p[0], far);
        let z = b.load(I64, a_far, 0);
        let r = b.load(I64, a2, 0);
        let r = b.bin(BinOp::Add, r, z);
        b.ret(Some(r));
    });
    let mut g = f.clone();
    optimize(&mut g).unwrap();
    verify_function(&g).unwrap();
    let p = g.blocks[0].params[0];
    let accesses = loads_and_stores(&g);
    assert_eq!(accesses.iter().filter(|(a, _)| *a == p).map(|x| x.1).collect::<Vec<_>>(), vec![8, 24, 16, 16], "{}", print_function(&g));
    // 2^31 does not fit an offset: that addition stays.
    assert_eq!(accesses.iter().filter(|(a, _)| *a != p).count(), 1, "{}", print_function(&g));
}

#[test]
fn a_one_field_struct_behind_address_plus_zero_is_promoted() {
    // fn lock(m: &{h}) { var copy = *m; __rt_lock(copy.h) }: the field is
    // read at `&copy + 0`.
    let f = build("lock", &[I64], Some(I64), |b, p| {
        let s = b.new_slot(8, 8);
        let a = b.slot_addr(s);
        let h = b.load(I64, p[0], 0);
        b.store(h, a, 0);
        let a = b.slot_addr(s);
        let z = b.iconst(I64, 0);
        let field = b.bin(BinOp::Add, a, z);
        let h = b.load(I64, field, 0);
        let one = b.iconst(I64, 1);
        let r = b.bin(BinOp::Add, h, one);
        b.ret(Some(r));
    });
    let mut g = f.clone();
    optimize(&mut g).unwrap();
    assert!(g.slots.is_empty(), "{}", print_function(&g));
    assert_eq!(loads_and_stores(&g).len(), 1, "{}", print_function(&g));
}

/// `f(a, b) = if a < 0 || b > 10 { 1 } else { 2 }` (or `&&`), as lowered:
/// the join block's parameter is the 0/1 result and it only branches on it.
fn short_circuit(and: bool) -> Function {
    build("sc", &[I64, I64], Some(I64), |b, p| {
        let z = b.iconst(I64, 0);
        let c1 = b.icmp(IntCC::Slt, p[0], z);
        let (rhs, join, t, e) = (b.new_block(), b.new_block(), b.new_block(), b.new_block());
        let r = b.add_block_param(join, I8);
        if and {
            b.branch(c1, rhs, vec![], join, vec![c1]);
        } else {
            b.branch(c1, join, vec![c1], rhs, vec![]);
        }
        b.switch_to(rhs);
        let ten = b.iconst(I64, 10);
        let c2 = b.icmp(IntCC::Sgt, p[1], ten);
        b.jump(join, vec![c2]);
        b.switch_to(join);
        let zero = b.iconst(I8, 0);
        let truth = b.icmp(IntCC::Ne, r, zero);
        b.branch(truth, t, vec![], e, vec![]);
        b.switch_to(t);
        let one = b.iconst(I64, 1);
        b.ret(Some(one));
        b.switch_to(e);
        let two = b.iconst(I64, 2);
        b.ret(Some(two));
    })
}

#[test]
fn short_circuit_joins_are_threaded_away() {
    let inputs: [&[u64]; 6] = [&[0, 0], &[(-1i64) as u64, 0], &[0, 11], &[(-1i64) as u64, 11], &[5, 10], &[5, 100]];
    for and in [false, true] {
        let g = optimized(&[short_circuit(and)], &inputs);
        // Entry, right operand, the two arms: no join, no block parameter.
        assert_eq!(g.blocks.len(), 4, "{}", print_function(&g));
        assert!(g.blocks.iter().skip(1).all(|b| b.params.is_empty()), "{}", print_function(&g));
        assert_eq!(count(&g, |op| matches!(op, Op::Icmp(..))), 2, "{}", print_function(&g));
    }
}

#[test]
fn empty_blocks_are_skipped_and_empty_loops_survive() {
    // b0 -> b1 (empty) -> b2 (empty) -> b3: return x; and an endless empty
    // loop b4 <-> b5 reached when x == 7.
    let f = build("hops", &[I64], Some(I64), |b, p| {
        let (b1, b2, b3, b4, b5) = (b.new_block(), b.new_block(), b.new_block(), b.new_block(), b.new_block());
        let seven = b.iconst(I64, 7);
        let c = b.icmp(IntCC::Eq, p[0], seven);
        b.branch(c, b4, vec![], b1, vec![]);
        b.switch_to(b1);
        b.jump(b2, vec![]);
        b.switch_to(b2);
        b.jump(b3, vec![p[0]]);
        let x = b.add_block_param(b3, I64);
        b.switch_to(b3);
        let one = b.iconst(I64, 1);
        let r = b.bin(BinOp::Add, x, one);
        b.ret(Some(r));
        b.switch_to(b4);
        b.jump(b5, vec![]);
        b.switch_to(b5);
        b.jump(b4, vec![]);
    });
    let g = optimized(&[f], &[&[0], &[8]]);
    let b0 = &g.blocks[0];
    let Terminator::Branch { else_, .. } = &b0.term else { panic!("{}", print_function(&g)) };
    assert!(!g.block(else_.block).insts.is_empty(), "{}", print_function(&g));
    assert!(g.blocks.len() <= 4, "{}", print_function(&g));
}

/// `lock(m) = __rt_lock(*m)`: a non-leaf std wrapper around a runtime call.
fn wrapper() -> Function {
    let mut f = build("lock", &[I64], Some(I64), |b, p| {
        let h = b.load(I64, p[0], 0);
        let r = b.call(Callee::Direct("rt_lock".into()), vec![h], Some(I64)).unwrap();
        b.ret(Some(r));
    });
    f.inlinable = true;
    f
}

/// `rt_lock(h) = h * 2 + 1`, not inlinable (a big runtime function).
fn rt_lock() -> Function {
    build("rt_lock", &[I64], Some(I64), |b, p| {
        let two = b.iconst(I64, 2);
        let d = b.bin(BinOp::Mul, p[0], two);
        let one = b.iconst(I64, 1);
        let r = b.bin(BinOp::Add, d, one);
        b.ret(Some(r));
    })
}

/// `user(x) { var m = x; return lock(&m) + lock(&m) }`
fn user_of_lock() -> Function {
    build("user", &[I64], Some(I64), |b, p| {
        let s = local(b, p[0]);
        let a = b.slot_addr(s);
        let x = b.call(Callee::Direct("lock".into()), vec![a], Some(I64)).unwrap();
        let a = b.slot_addr(s);
        let y = b.call(Callee::Direct("lock".into()), vec![a], Some(I64)).unwrap();
        let r = b.bin(BinOp::Add, x, y);
        b.ret(Some(r));
    })
}

fn direct_callees(f: &Function) -> Vec<String> {
    f.blocks.iter().flat_map(|b| &b.insts).filter_map(|i| match &i.op {
        Op::Call { callee: Callee::Direct(n), .. } => Some(n.clone()),
        _ => None,
    }).collect()
}

#[test]
fn inline_copies_small_wrappers_whose_calls_stay_calls() {
    let before = vec![user_of_lock(), wrapper(), rt_lock()];
    let mut after = before.clone();
    for f in &mut after {
        optimize(f).unwrap();
    }
    inline::run(&mut after).unwrap();
    let user = &after[0];
    verify_function(user).unwrap();
    check_dominance(user);
    assert_eq!(direct_callees(user), vec!["rt_lock", "rt_lock"], "{}", print_function(user));
    // The local whose address went to the wrapper is a value now.
    assert!(user.slots.is_empty(), "{}", print_function(user));
    for x in [0u64, 5, u64::MAX] {
        assert_eq!(interp::run(&after, "user", &[x]), interp::run(&before, "user", &[x]));
    }
}

#[test]
fn inline_keeps_the_spans_of_the_call() {
    let mut before = vec![user_of_lock(), wrapper(), rt_lock()];
    let call_span = Span { file: 0, line: 7, col: 3 };
    for b in &mut before[0].blocks {
        for i in &mut b.insts {
            i.span = call_span;
        }
    }
    for b in &mut before[1].blocks {
        for i in &mut b.insts {
            i.span = Span { file: 1, line: 99, col: 1 };
        }
    }
    inline::run(&mut before).unwrap();
    assert!(before[0].blocks.iter().flat_map(|b| &b.insts).all(|i| i.span == call_span), "{}", print_function(&before[0]));
}

/// `down(n) = n == 0 ? 0 : down(n - 1) + 1`, inlinable: the inliner must
/// not unroll it without end, into itself or into a caller.
fn recursive() -> Function {
    let mut f = build("down", &[I64], Some(I64), |b, p| {
        let z = b.iconst(I64, 0);
        let c = b.icmp(IntCC::Eq, p[0], z);
        let (t, e) = (b.new_block(), b.new_block());
        b.branch(c, t, vec![], e, vec![]);
        b.switch_to(t);
        b.ret(Some(z));
        b.switch_to(e);
        let one = b.iconst(I64, 1);
        let m = b.bin(BinOp::Sub, p[0], one);
        let r = b.call(Callee::Direct("down".into()), vec![m], Some(I64)).unwrap();
        let r = b.bin(BinOp::Add, r, one);
        b.ret(Some(r));
    });
    f.inlinable = true;
    f
}

/// `ping(n)` and `pong(n)` call each other: mutual recursion.
fn ping_pong(name: &str, other: &str) -> Function {
    let mut f = build(name, &[I64], Some(I64), |b, p| {
        let z = b.iconst(I64, 0);
        let c = b.icmp(IntCC::Sle, p[0], z);
        let (t, e) = (b.new_block(), b.new_block());
        b.branch(c, t, vec![], e, vec![]);
        b.switch_to(t);
        b.ret(Some(z));
        b.switch_to(e);
        let two = b.iconst(I64, 2);
        let m = b.bin(BinOp::Sub, p[0], two);
        let r = b.call(Callee::Direct(other.into()), vec![m], Some(I64)).unwrap();
        let r = b.bin(BinOp::Add, r, p[0]);
        b.ret(Some(r));
    });
    f.inlinable = true;
    f
}

#[test]
fn inline_of_recursive_functions_ends_and_keeps_their_meaning() {
    let user = build("user", &[I64], Some(I64), |b, p| {
        let x = b.call(Callee::Direct("down".into()), vec![p[0]], Some(I64)).unwrap();
        let y = b.call(Callee::Direct("ping".into()), vec![p[0]], Some(I64)).unwrap();
        let r = b.bin(BinOp::Add, x, y);
        b.ret(Some(r));
    });
    let before = vec![user, recursive(), ping_pong("ping", "pong"), ping_pong("pong", "ping")];
    let mut after = before.clone();
    for f in &mut after {
        optimize(f).unwrap();
    }
    inline::run(&mut after).unwrap();
    for f in &after {
        verify_function(f).unwrap();
        check_dominance(f);
        let size: usize = f.blocks.iter().map(|b| b.insts.len()).sum();
        assert!(size <= 40 + inline::BUDGET, "{} grew to {}", f.name, size);
        // The callees still recurse through a call.
        if f.name != "user" {
            assert!(!direct_callees(f).is_empty(), "{}", print_function(f));
        }
    }
    for x in [0u64, 1, 5, 30] {
        assert_eq!(interp::run(&after, "user", &[x]), interp::run(&before, "user", &[x]), "{}", x);
    }
}

#[test]
fn inline_leaves_functions_that_never_return_alone() {
    let mut fault = build("fault", &[I64], None, |b, p| {
        let nr = b.iconst(I64, 60);
        b.ins(I64, Op::Syscall(vec![nr, p[0]]));
        b.unreachable();
    });
    fault.inlinable = true;
    let user = build("user", &[I64], None, |b, p| {
        b.call(Callee::Direct("fault".into()), vec![p[0]], None);
        b.unreachable();
    });
    let mut fs = vec![user, fault];
    inline::run(&mut fs).unwrap();
    assert_eq!(direct_callees(&fs[0]), vec!["fault"]);
}

#[test]
fn a_join_whose_parameter_is_read_later_is_kept() {
    // r = a < 0 || b > 10; if r { return zext(r) + 5 } else { return zext(r) + 9 }
    let f = build("keep", &[I64, I64], Some(I64), |b, p| {
        let z = b.iconst(I64, 0);
        let c1 = b.icmp(IntCC::Slt, p[0], z);
        let (rhs, join, t, e) = (b.new_block(), b.new_block(), b.new_block(), b.new_block());
        let r = b.add_block_param(join, I8);
        b.branch(c1, join, vec![c1], rhs, vec![]);
        b.switch_to(rhs);
        let ten = b.iconst(I64, 10);
        let c2 = b.icmp(IntCC::Sgt, p[1], ten);
        b.jump(join, vec![c2]);
        b.switch_to(join);
        b.branch(r, t, vec![], e, vec![]);
        for (blk, k) in [(t, 5), (e, 9)] {
            b.switch_to(blk);
            let w = b.cast(CastOp::Zext, r, I64);
            let k = b.iconst(I64, k);
            let s = b.bin(BinOp::Add, w, k);
            b.ret(Some(s));
        }
    });
    optimized(&[f], &[&[0, 0], &[(-1i64) as u64, 0], &[0, 11], &[5, 100]]);
}

#[test]
fn inline_leaves_calls_on_the_way_to_a_fault_alone() {
    // user(x) { if x == 0 { lock(&x); unreachable }; return lock(&x) }
    let user = build("user", &[I64], Some(I64), |b, p| {
        let s = local(b, p[0]);
        let z = b.iconst(I64, 0);
        let c = b.icmp(IntCC::Eq, p[0], z);
        let (t, e) = (b.new_block(), b.new_block());
        b.branch(c, t, vec![], e, vec![]);
        b.switch_to(t);
        let a = b.slot_addr(s);
        b.call(Callee::Direct("lock".into()), vec![a], Some(I64));
        b.unreachable();
        b.switch_to(e);
        let a = b.slot_addr(s);
        let r = b.call(Callee::Direct("lock".into()), vec![a], Some(I64)).unwrap();
        b.ret(Some(r));
    });
    let mut fs = vec![user, wrapper(), rt_lock()];
    inline::run(&mut fs).unwrap();
    let mut callees = direct_callees(&fs[0]);
    callees.sort();
    assert_eq!(callees, vec!["lock", "rt_lock"], "{}", print_function(&fs[0]));
}

#[test]
fn a_loop_body_follows_its_test() {
    let f = optimized(&[sum_loop()], &[&[0], &[1], &[10], &[u64::MAX]]);
    let order = crate::cfg::reverse_postorder(&f);
    // The loop header: the block with a branch.
    let (h, Terminator::Branch { else_, .. }) = f.blocks.iter().enumerate().find_map(|(i, b)| matches!(b.term, Terminator::Branch { .. }).then(|| (i, b.term.clone()))).unwrap() else { unreachable!() };
    let at = order.iter().position(|b| b.0 as usize == h).unwrap();
    assert_eq!(order[at + 1], else_.block, "{}", print_function(&f));
    // ... and the body is the `else` arm: it jumps back.
    assert!(matches!(&f.block(else_.block).term, Terminator::Jump(c) if c.block.0 as usize == h), "{}", print_function(&f));
}

#[test]
fn a_loop_test_read_twice_is_left_alone() {
    // while (c = i < n) { i += 1; x = c } : the compare feeds the branch and a value.
    let f = build("twice", &[I64], Some(I64), |b, p| {
        let z = b.iconst(I64, 0);
        let (head, body, exit) = (b.new_block(), b.new_block(), b.new_block());
        b.jump(head, vec![z]);
        let i = b.add_block_param(head, I64);
        b.switch_to(head);
        let c = b.icmp(IntCC::Slt, i, p[0]);
        b.branch(c, body, vec![], exit, vec![]);
        b.switch_to(body);
        let one = b.iconst(I64, 1);
        let w = b.cast(CastOp::Zext, c, I64);
        let j = b.bin(BinOp::Add, i, w);
        let j = b.bin(BinOp::Add, j, one);
        b.jump(head, vec![j]);
        b.switch_to(exit);
        b.ret(Some(i));
    });
    let g = optimized(&[f], &[&[0], &[7]]);
    assert_eq!(count(&g, |op| matches!(op, Op::Icmp(IntCC::Slt, ..))), 1, "{}", print_function(&g));
}
