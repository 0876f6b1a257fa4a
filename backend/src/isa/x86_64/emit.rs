//! Emit one register-allocated IR function as x86-64 machine code.
//!
//! Conventions:
//! - Narrow integers (I8/I16/I32) live in full 64-bit registers with the
//!   bits above their width undefined. Anything that looks at those bits
//!   first uses the right operand size or extends explicitly: compares use
//!   8/16/32-bit `cmp`, right shifts and division extend their operands,
//!   stores write the value's width, loads zero-extend, `Sext`/`Zext` extend.
//!   Compare results are 0/1 zero-extended to 32 bits.
//! - Spill slots are 8 bytes and always written and read whole.
//! - Frame: `push rbp; mov rbp, rsp`, then the used callee-saved registers,
//!   then spill slots and stack slots, all addressed from rbp; rsp stays
//!   16-byte aligned after the prologue so calls need no realignment.
//!
//!   [rbp+16+8k]  incoming stack argument k
//!   [rbp+8]      return address
//!   [rbp]        caller's rbp (the frame-pointer chain)
//!   [rbp-8*i]    saved callee-saved registers
//!   below        spill slots, then stack slots, then outgoing call arguments
//! - Scratch: rax and xmm15 break parallel-move cycles, r11 carries
//!   slot-to-slot moves; r10/r11 and xmm14/xmm15 hold reloaded operands;
//!   rax/rdx are division's, cl the shift amount (rcx/rdx are saved in a
//!   scratch register around them when the allocator uses them).

use super::abi::*;
use crate::ir::*;
use crate::obj::{LineRow, Object, Reloc, RelocKind};
use crate::regalloc::{self, Allocation, Loc, MoveLoc, PReg, RegClass, RegInfo};
use iced_x86::code_asm::*;
use iced_x86::{BlockEncoderOptions, Code, Instruction, Register};

/// An encoding failure or IR the emitter cannot handle, as a message.
pub struct Fail(pub String);

impl From<IcedError> for Fail {
    fn from(e: IcedError) -> Fail {
        Fail(e.to_string())
    }
}

type R<T = ()> = Result<T, Fail>;
type RI = Result<(), IcedError>;

const G64: [AsmRegister64; 16] = [
    rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15,
];
const G32: [AsmRegister32; 16] = [
    eax, ecx, edx, ebx, esp, ebp, esi, edi, r8d, r9d, r10d, r11d, r12d, r13d, r14d, r15d,
];
const G16: [AsmRegister16; 16] = [
    ax, cx, dx, bx, sp, bp, si, di, r8w, r9w, r10w, r11w, r12w, r13w, r14w, r15w,
];
const G8: [AsmRegister8; 16] = [
    al, cl, dl, bl, spl, bpl, sil, dil, r8b, r9b, r10b, r11b, r12b, r13b, r14b, r15b,
];
const X: [AsmRegisterXmm; 16] = [
    xmm0, xmm1, xmm2, xmm3, xmm4, xmm5, xmm6, xmm7, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14,
    xmm15,
];

/// A relocation against an emitted instruction, resolved to a byte offset
/// once the block encoder has laid the code out.
struct PendingReloc {
    inst: usize,
    at: u64,
    kind: RelocKind,
    symbol: String,
    addend: i64,
}

struct Emitter<'a> {
    f: &'a Function,
    alloc: Allocation,
    a: CodeAssembler,
    block_labels: Vec<CodeLabel>,
    /// Instruction index the last label was bound to: iced allows one label
    /// per instruction, so a second label at the same place gets a `nop`.
    last_label_at: Option<usize>,
    saved: Vec<u8>,
    /// Spill slot i is the qword at rbp - spill_base - 8*(i+1).
    spill_base: i32,
    /// Stack slot i starts at rbp - slot_offs[i].
    slot_offs: Vec<i32>,
    relocs: Vec<PendingReloc>,
    rows: Vec<(usize, Span)>,
    uses_rcx: bool,
    uses_rdx: bool,
    /// How many instructions and terminators read each value.
    uses: Vec<u32>,
    /// How many of those reads take the value folded into the reading
    /// instruction (an immediate, a frame address): a constant or a slot
    /// address read only that way needs no register of its own.
    folded: Vec<u32>,
    /// The value of each integer constant, truncated to its type.
    konst: Vec<Option<i64>>,
    /// The stack slot of each `SlotAddr` value.
    slot_of: Vec<Option<SlotId>>,
    /// Additions and scalings folded into the address of the load or store
    /// that follows them (`addr_modes`): not emitted themselves.
    skip: Vec<bool>,
    /// The address operand of loads and stores at (block, instruction)
    /// whose address arithmetic folds into the x86 addressing mode.
    addr_modes: std::collections::HashMap<(u32, usize), AddrMode>,
    /// The instruction being emitted: (block, index).
    at: (u32, usize),
    /// The compare the current block's branch tests straight from the
    /// flags (see `fusable`).
    fused: Option<Value>,
    /// Set between a fused compare and its branch: the flags are live, so
    /// nothing may clobber them (`mov_imm` avoids `xor`).
    pending: Option<(Value, Flags)>,
    /// The block being emitted.
    current: BlockId,
    /// Edge stubs emitted after the last block: label, the edge's moves,
    /// the target block's label, the branch's span.
    stubs: Vec<(CodeLabel, Edge, CodeLabel, Span)>,
}

/// `[base + index*scale + disp]`, from `base + (index * scale) + disp` in IR.
#[derive(Copy, Clone, Debug)]
struct AddrMode {
    base: Value,
    index: Option<(Value, u32)>,
    disp: i32,
}

/// What a jump does on its way: arguments into the target's parameters,
/// constants written straight into their parameters' locations.
struct Edge {
    moves: Vec<(Loc, Loc, RegClass)>,
    consts: Vec<(Loc, i64, Type)>,
}

impl Edge {
    fn is_empty(&self) -> bool {
        self.moves.is_empty() && self.consts.is_empty()
    }
}

/// A condition held in the flags after a compare: an integer condition
/// code, or a float one after `ucomis` (operands already swapped so that
/// `Lt`/`Le` read as "above"/"above or equal", like `Gt`/`Ge`).
#[derive(Copy, Clone, Debug)]
enum Flags {
    Int(IntCC),
    Float(FloatCC),
}

/// The condition that holds for (b, a) when `cc` holds for (a, b).
fn swap_sides(cc: IntCC) -> IntCC {
    match cc {
        IntCC::Eq | IntCC::Ne => cc,
        IntCC::Slt => IntCC::Sgt,
        IntCC::Sgt => IntCC::Slt,
        IntCC::Sle => IntCC::Sge,
        IntCC::Sge => IntCC::Sle,
        IntCC::Ult => IntCC::Ugt,
        IntCC::Ugt => IntCC::Ult,
        IntCC::Ule => IntCC::Uge,
        IntCC::Uge => IntCC::Ule,
    }
}

/// Integer constant bits `c` of type `ty`, sign-extended.
fn sign_extend(c: u64, ty: Type) -> i64 {
    match ty {
        Type::I8 => c as i8 as i64,
        Type::I16 => c as i16 as i64,
        Type::I32 => c as i32 as i64,
        _ => c as i64,
    }
}

fn negate(cc: IntCC) -> IntCC {
    match cc {
        IntCC::Eq => IntCC::Ne,
        IntCC::Ne => IntCC::Eq,
        IntCC::Slt => IntCC::Sge,
        IntCC::Sge => IntCC::Slt,
        IntCC::Sle => IntCC::Sgt,
        IntCC::Sgt => IntCC::Sle,
        IntCC::Ult => IntCC::Uge,
        IntCC::Uge => IntCC::Ult,
        IntCC::Ule => IntCC::Ugt,
        IntCC::Ugt => IntCC::Ule,
    }
}

pub fn compile_function(f: &Function, info: &RegInfo, obj: &mut Object) -> Result<(), String> {
    let alloc = regalloc::allocate(f, info);
    let err = |e: Fail| format!("x86-64 code for {}: {}", f.name, e.0);
    let mut e = Emitter::new(f, alloc).map_err(err)?;
    e.frame()?;
    e.function().map_err(err)?;
    let result =
        e.a.assemble_options(0, BlockEncoderOptions::RETURN_NEW_INSTRUCTION_OFFSETS)
            .map_err(|x| err(x.into()))?;
    let code = &result.inner.code_buffer;
    let offsets = &result.inner.new_instruction_offsets;
    let offset_of = |i: usize| -> u64 {
        match offsets.get(i) {
            Some(&o) if o != u32::MAX => o as u64,
            _ => code.len() as u64,
        }
    };

    // Pad with int3 rather than zeros so listings of the section stay readable.
    let text = obj.section_mut(Object::TEXT);
    while text.bytes.len() % 16 != 0 {
        text.bytes.push(0xcc);
    }
    let base = obj.append(Object::TEXT, code, 16);
    obj.define(
        &f.name,
        Object::TEXT,
        base,
        code.len() as u64,
        f.linkage == Linkage::Global,
        true,
    );
    for r in &e.relocs {
        obj.relocs.push(Reloc {
            section: Object::TEXT,
            offset: base + offset_of(r.inst) + r.at,
            kind: r.kind,
            symbol: r.symbol.clone(),
            addend: r.addend,
        });
    }
    let mut rows: Vec<LineRow> = Vec::new();
    let mut prev_line = (u32::MAX, u32::MAX);
    // A row followed by one at the same instruction covered no code (an
    // instruction folded into its user): drop it before it counts as the
    // previous line.
    let covering = e
        .rows
        .iter()
        .enumerate()
        .filter(|&(k, &(i, _))| e.rows.get(k + 1).is_none_or(|&(j, _)| j != i));
    for (_, &(i, span)) in covering {
        let offset = base + offset_of(i);
        if let Some(last) = rows.last_mut() {
            if last.offset == offset {
                // The earlier row covered no code.
                rows.pop();
            } else if last.span == span {
                continue;
            }
        }
        let line = (span.file, span.line);
        let is_stmt = span != Span::NONE && line != prev_line;
        if span != Span::NONE {
            prev_line = line;
        }
        rows.push(LineRow {
            section: Object::TEXT,
            offset,
            span,
            is_stmt,
        });
    }
    obj.lines.extend(rows);
    // For the debugger: the CFA is rbp + 16.
    let cfa_offsets = e.slot_offs.iter().map(|&o| -(o as i64) - 16).collect();
    obj.frames.push(crate::obj::FrameSlots { func: f.name.clone(), cfa_offsets });
    Ok(())
}

fn align_up(x: i64, a: i64) -> i64 {
    (x + a - 1) / a * a
}

/// 64-bit comparisons against these turn a signed test into an unsigned one.
const TWO_POW_63_F64: u64 = 0x43e0_0000_0000_0000;
const TWO_POW_63_F32: u64 = 0x5f00_0000;

impl<'a> Emitter<'a> {
    fn new(f: &'a Function, alloc: Allocation) -> R<Emitter<'a>> {
        let mut a = CodeAssembler::new(64)?;
        let block_labels = (0..f.blocks.len()).map(|_| a.create_label()).collect();
        let holds = |hw: u8| {
            alloc.locs.iter().any(|l| {
                *l == Some(Loc::Reg(PReg {
                    class: RegClass::Int,
                    hw,
                }))
            })
        };
        let (uses_rcx, uses_rdx) = (holds(RCX), holds(RDX));
        let saved = alloc
            .used_callee_saved
            .iter()
            .filter(|r| r.class == RegClass::Int)
            .map(|r| r.hw)
            .collect();
        Ok(Emitter {
            f,
            alloc,
            a,
            block_labels,
            last_label_at: None,
            saved,
            spill_base: 0,
            slot_offs: Vec::new(),
            relocs: Vec::new(),
            rows: Vec::new(),
            uses_rcx,
            uses_rdx,
            uses: Vec::new(),
            folded: Vec::new(),
            konst: Vec::new(),
            slot_of: Vec::new(),
            skip: Vec::new(),
            addr_modes: std::collections::HashMap::new(),
            at: (0, 0),
            fused: None,
            pending: None,
            current: BlockId(0),
            stubs: Vec::new(),
        })
    }

    /// Lay out the frame below the saved registers.
    fn frame(&mut self) -> Result<(), String> {
        let csave = 8 * self.saved.len() as i64;
        self.spill_base = csave as i32;
        let mut cursor = csave + 8 * self.alloc.num_spill_slots as i64;
        for s in &self.f.slots {
            let align = s.align.max(1) as i64;
            if align > 16 || !(align as u64).is_power_of_two() {
                return Err(format!(
                    "{}: stack slot alignment {} is not supported (at most 16)",
                    self.f.name, align
                ));
            }
            cursor = align_up(cursor + s.size as i64, align);
            self.slot_offs.push(cursor as i32);
        }
        if align_up(cursor, 16) > i32::MAX as i64 / 2 {
            return Err(format!("{}: stack frame too large", self.f.name));
        }
        Ok(())
    }

    fn frame_size(&self) -> i32 {
        let last = self.slot_offs.iter().copied().max().unwrap_or(0);
        let cursor = (self.spill_base + 8 * self.alloc.num_spill_slots as i32).max(last);
        align_up(cursor as i64, 16) as i32
    }

    fn here(&self) -> usize {
        self.a.instructions().len()
    }

    fn bind(&mut self, label: &mut CodeLabel) -> R {
        if self.last_label_at == Some(self.here()) {
            self.a.nop()?;
        }
        self.a.set_label(label)?;
        self.last_label_at = Some(self.here());
        Ok(())
    }

    fn loc(&self, v: Value) -> Option<Loc> {
        self.alloc.locs[v.0 as usize]
    }

    fn spill_mem(&self, slot: u32) -> AsmMemoryOperand {
        qword_ptr(rbp - (self.spill_base + 8 * (slot as i32 + 1)))
    }

    fn int_width(&self, v: Value) -> u32 {
        self.f.ty(v).bytes()
    }

    // ---- operands -------------------------------------------------------

    /// The register holding integer `v`, reloading a spilled value into `scratch`.
    fn gsrc(&mut self, v: Value, scratch: u8) -> R<u8> {
        match self.loc(v) {
            Some(Loc::Reg(p)) => Ok(p.hw),
            Some(Loc::Spill(s)) => {
                let m = self.spill_mem(s);
                self.a.mov(G64[scratch as usize], m)?;
                Ok(scratch)
            }
            None => Ok(scratch),
        }
    }

    /// Where to compute integer result `v`: its register, or `scratch` if spilled.
    fn gdst(&self, v: Value, scratch: u8) -> u8 {
        match self.loc(v) {
            Some(Loc::Reg(p)) => p.hw,
            _ => scratch,
        }
    }

    /// Put integer result `v`, computed in `r`, where it lives.
    fn gput(&mut self, v: Value, r: u8) -> R {
        Ok(match self.loc(v) {
            Some(Loc::Reg(p)) if p.hw != r => self.a.mov(G64[p.hw as usize], G64[r as usize]),
            Some(Loc::Spill(s)) => {
                let m = self.spill_mem(s);
                self.a.mov(m, G64[r as usize])
            }
            _ => Ok(()),
        }?)
    }

    fn xsrc(&mut self, v: Value, scratch: u8) -> R<u8> {
        match self.loc(v) {
            Some(Loc::Reg(p)) => Ok(p.hw),
            Some(Loc::Spill(s)) => {
                let m = self.spill_mem(s);
                self.a.movsd_2(X[scratch as usize], m)?;
                Ok(scratch)
            }
            None => Ok(scratch),
        }
    }

    fn xdst(&self, v: Value, scratch: u8) -> u8 {
        self.gdst(v, scratch)
    }

    fn xput(&mut self, v: Value, r: u8) -> R {
        Ok(match self.loc(v) {
            Some(Loc::Reg(p)) if p.hw != r => self.a.movaps(X[p.hw as usize], X[r as usize]),
            Some(Loc::Spill(s)) => {
                let m = self.spill_mem(s);
                self.a.movsd_2(m, X[r as usize])
            }
            _ => Ok(()),
        }?)
    }

    fn mov_imm(&mut self, r: u8, v: i64, wide: bool) -> RI {
        let r = r as usize;
        if v == 0 && self.pending.is_none() {
            self.a.xor(G32[r], G32[r])
        } else if !wide || (0..=u32::MAX as i64).contains(&v) {
            self.a.mov(G32[r], v as u32)
        } else if i32::try_from(v).is_ok() {
            self.a.add_instruction(Instruction::with2(
                Code::Mov_rm64_imm32,
                Register::from(G64[r]),
                v as i32,
            )?)
        } else {
            self.a.mov(G64[r], v)
        }
    }

    // ---- moves ----------------------------------------------------------

    fn parallel(&mut self, moves: &[(Loc, Loc, RegClass)]) -> R {
        for (s, d, c) in regalloc::parallel_moves(moves) {
            let scratch = |m: MoveLoc| match m {
                MoveLoc::Loc(l) => l,
                MoveLoc::Scratch => Loc::Reg(PReg {
                    class: c,
                    hw: if c == RegClass::Int { RAX } else { XMM15 },
                }),
            };
            self.move1(scratch(s), scratch(d), c)?;
        }
        Ok(())
    }

    fn move1(&mut self, s: Loc, d: Loc, c: RegClass) -> RI {
        match (s, d, c) {
            (Loc::Reg(a), Loc::Reg(b), RegClass::Int) => {
                self.a.mov(G64[b.hw as usize], G64[a.hw as usize])
            }
            (Loc::Reg(a), Loc::Reg(b), RegClass::Float) => {
                self.a.movaps(X[b.hw as usize], X[a.hw as usize])
            }
            (Loc::Spill(a), Loc::Reg(b), RegClass::Int) => {
                self.a.mov(G64[b.hw as usize], self.spill_mem(a))
            }
            (Loc::Spill(a), Loc::Reg(b), RegClass::Float) => {
                self.a.movsd_2(X[b.hw as usize], self.spill_mem(a))
            }
            (Loc::Reg(a), Loc::Spill(b), RegClass::Int) => {
                self.a.mov(self.spill_mem(b), G64[a.hw as usize])
            }
            (Loc::Reg(a), Loc::Spill(b), RegClass::Float) => {
                self.a.movsd_2(self.spill_mem(b), X[a.hw as usize])
            }
            (Loc::Spill(a), Loc::Spill(b), _) => {
                self.a.mov(r11, self.spill_mem(a))?;
                self.a.mov(self.spill_mem(b), r11)
            }
        }
    }

    /// The moves a jump performs: arguments into the target's parameters.
    fn edge(&self, c: &BlockCall) -> Edge {
        let params = &self.f.block(c.block).params;
        let mut e = Edge { moves: Vec::new(), consts: Vec::new() };
        for (&a, &p) in c.args.iter().zip(params) {
            let Some(d) = self.loc(p) else { continue };
            if let Some(k) = self.konst[a.0 as usize] {
                e.consts.push((d, k, self.f.ty(p)));
            } else if let Some(s) = self.loc(a) {
                e.moves.push((s, d, RegClass::of(self.f.ty(p))));
            }
        }
        e
    }

    /// Perform an edge: the parallel moves, then the constants (they read
    /// nothing, so they go last).
    fn take_edge(&mut self, e: &Edge) -> R {
        self.parallel(&e.moves)?;
        for &(d, k, ty) in &e.consts {
            self.const_to(d, k, ty)?;
        }
        Ok(())
    }

    /// Write integer constant `k` of type `ty` into `d`.
    fn const_to(&mut self, d: Loc, k: i64, ty: Type) -> R {
        match d {
            Loc::Reg(p) => self.mov_imm(p.hw, k, ty == Type::I64)?,
            Loc::Spill(s) => match i32::try_from(k) {
                Ok(i) => self.a.mov(self.spill_mem(s), i)?,
                Err(_) => {
                    self.mov_imm(R11, k, true)?;
                    self.a.mov(self.spill_mem(s), r11)?;
                }
            },
        }
        Ok(())
    }

    // ---- function ---------------------------------------------------------

    fn function(&mut self) -> R {
        let f = self.f;
        self.rows.push((self.here(), f.span));
        self.a.push(rbp)?;
        self.a.mov(rbp, rsp)?;
        for r in self.saved.clone() {
            self.a.push(G64[r as usize])?;
        }
        let csave = 8 * self.saved.len() as i32;
        let reserve = self.frame_size() - csave;
        if reserve > 0 {
            self.a.sub(rsp, reserve)?;
        }
        self.entry_params()?;
        self.count_uses();

        // Blocks that end in `unreachable` (a fault's call) go last: the
        // checks before them then fall through on their hot path.
        let (mut order, cold): (Vec<BlockId>, Vec<BlockId>) = crate::cfg::reverse_postorder(f)
            .into_iter()
            .partition(|&b| b == f.entry() || !matches!(f.block(b).term, Terminator::Unreachable));
        order.extend(cold);
        for (i, &b) in order.iter().enumerate() {
            let mut l = self.block_labels[b.0 as usize];
            self.bind(&mut l)?;
            self.block_body(b, order.get(i + 1).copied())?;
        }
        for (mut stub, edge, to, span) in std::mem::take(&mut self.stubs) {
            self.bind(&mut stub)?;
            self.rows.push((self.here(), span));
            self.take_edge(&edge)?;
            self.a.jmp(to)?;
        }
        Ok(())
    }

    /// Count every value's reads, and those of them folded into the
    /// reading instruction (decided by the same functions the emission
    /// uses: `bin_imm`, `cmp_imm`, `store_imm`).
    fn count_uses(&mut self) {
        let n = self.f.value_types.len();
        let mut konst = vec![None; n];
        let mut slot_of = vec![None; n];
        for blk in &self.f.blocks {
            for inst in &blk.insts {
                if let (Op::SlotAddr(s), Some(r)) = (&inst.op, inst.result) {
                    slot_of[r.0 as usize] = Some(*s);
                }
                if let (Op::Iconst(c), Some(r)) = (&inst.op, inst.result) {
                    konst[r.0 as usize] = match self.f.ty(r) {
                        Type::I8 => Some(*c as u8 as i64),
                        Type::I16 => Some(*c as u16 as i64),
                        Type::I32 => Some(*c as u32 as i64),
                        Type::I64 => Some(*c),
                        _ => None,
                    };
                }
            }
        }
        self.konst = konst;
        self.slot_of = slot_of;
        let mut uses = vec![0u32; n];
        let mut folded = vec![0u32; n];
        for blk in &self.f.blocks {
            for inst in &blk.insts {
                regalloc::inst_uses(&inst.op, |v| uses[v.0 as usize] += 1);
                let mut fold = |v: Value| folded[v.0 as usize] += 1;
                match inst.op {
                    Op::Bin(op, a, b) => {
                        if let Some((x, _)) = self.bin_imm(op, a, b) {
                            fold(if x == a { b } else { a });
                        }
                    }
                    Op::Icmp(_, a, b) => {
                        if let Some((x, _, _)) = self.cmp_imm(a, b) {
                            fold(if x == a { b } else { a });
                        }
                    }
                    Op::Store { value, addr, offset } => {
                        if self.store_imm(value).is_some() {
                            fold(value);
                        }
                        if self.frame_disp(addr, offset).is_some() {
                            fold(addr);
                        }
                    }
                    Op::Load { addr, offset } => {
                        if self.frame_disp(addr, offset).is_some() {
                            fold(addr);
                        }
                    }
                    Op::Call { ref args, .. } => {
                        for &a in args {
                            if self.konst[a.0 as usize].is_some() {
                                fold(a);
                            }
                        }
                    }
                    _ => {}
                }
            }
            regalloc::term_uses(&blk.term, |v| uses[v.0 as usize] += 1);
            let edges = match &blk.term {
                Terminator::Jump(c) => vec![c],
                Terminator::Branch { then, else_, .. } => vec![then, else_],
                _ => vec![],
            };
            for c in edges {
                for &a in &c.args {
                    if self.konst[a.0 as usize].is_some() {
                        folded[a.0 as usize] += 1;
                    }
                }
            }
        }
        self.uses = uses;
        self.folded = folded;

        // Second pass, with the constants settled: address arithmetic
        // right before a load or store folds into its addressing mode.
        let mut skip = vec![false; n];
        let mut modes = std::collections::HashMap::new();
        for (bi, blk) in self.f.blocks.iter().enumerate() {
            for (k, inst) in blk.insts.iter().enumerate() {
                let (Op::Load { addr, offset } | Op::Store { addr, offset, .. }) = inst.op else {
                    continue;
                };
                if self.frame_disp(addr, offset).is_some() {
                    continue;
                }
                if let Some((m, folded_defs)) = self.addr_mode(blk, k, addr, offset) {
                    modes.insert((bi as u32, k), m);
                    for v in folded_defs.into_iter().flatten() {
                        skip[v.0 as usize] = true;
                    }
                }
            }
        }
        self.skip = skip;
        self.addr_modes = modes;
    }

    /// The closest instruction before `k` in `blk` that emits code writing
    /// a register or memory: its index. Constants and slot addresses whose
    /// reads all fold, and dead values, write nothing.
    fn prev_writer(&self, blk: &Block, k: usize) -> Option<usize> {
        (0..k).rev().find(|&j| {
            let inst = &blk.insts[j];
            let Some(r) = inst.result else { return true };
            let silent = self.loc(r).is_none() && !matches!(inst.op, Op::Call { .. } | Op::Syscall(_))
                || matches!(inst.op, Op::Iconst(_) | Op::SlotAddr(_)) && !self.needed(r);
            !silent
        })
    }

    /// A load or store at `addr + offset` where `addr` is an addition made
    /// by the instruction just before it, read by nothing else: the address
    /// as `[base + index*scale + disp]`, and the values whose instructions
    /// the addressing mode replaces. Nothing runs between them, so the
    /// addition's operands still hold their values at the load or store,
    /// whatever the allocator did with their registers after their last
    /// read (only the skipped results could have taken them).
    fn addr_mode(&self, blk: &Block, k: usize, addr: Value, offset: i32) -> Option<(AddrMode, [Option<Value>; 2])> {
        let j = self.prev_writer(blk, k)?;
        let Op::Bin(BinOp::Add, a, b) = blk.insts[j].op else { return None };
        if blk.insts[j].result != Some(addr) || self.uses[addr.0 as usize] != 1 || self.f.ty(addr) != Type::I64 {
            return None;
        }
        if let Some((base, imm)) = self.bin_imm(BinOp::Add, a, b) {
            let disp = i32::try_from(imm as i64 + offset as i64).ok()?;
            return Some((AddrMode { base, index: None, disp }, [Some(addr), None]));
        }
        // An index scaled right before the addition.
        let scaled = |idx: Value| -> Option<(Value, u32)> {
            let m = self.prev_writer(blk, j)?;
            let inst = &blk.insts[m];
            if inst.result != Some(idx) || self.uses[idx.0 as usize] != 1 {
                return None;
            }
            match inst.op {
                Op::Bin(op @ (BinOp::Mul | BinOp::Shl), x, y) => {
                    let (i, imm) = self.bin_imm(op, x, y)?;
                    let scale = match (op, imm) {
                        (BinOp::Mul, 1 | 2 | 4 | 8) => imm as u32,
                        (BinOp::Shl, 0..=3) => 1 << imm,
                        _ => return None,
                    };
                    Some((i, scale))
                }
                _ => None,
            }
        };
        let mode = |base, index| AddrMode { base, index: Some(index), disp: offset };
        if let Some(ix) = scaled(b) {
            Some((mode(a, ix), [Some(addr), Some(b)]))
        } else if let Some(ix) = scaled(a) {
            Some((mode(b, ix), [Some(addr), Some(a)]))
        } else {
            Some((mode(a, (b, 1)), [Some(addr), None]))
        }
    }

    /// Whether some read of `v` needs it in a register or spill slot.
    fn needed(&self, v: Value) -> bool {
        self.uses[v.0 as usize] > self.folded[v.0 as usize]
    }

    /// Integer constant `v` as an immediate for an operation of its type:
    /// narrow operations run at 32 bits or less, where any 32-bit pattern
    /// with the right low bits will do; 64-bit ones sign-extend imm32.
    fn imm(&self, v: Value) -> Option<i32> {
        let c = self.konst[v.0 as usize]?;
        match self.f.ty(v) {
            Type::I8 => Some(c as i8 as i32),
            Type::I16 => Some(c as i16 as i32),
            Type::I32 => Some(c as i32),
            _ => i32::try_from(c).ok(),
        }
    }

    /// `a op b` with a constant operand that fits an immediate: the other
    /// operand and the immediate.
    fn bin_imm(&self, op: BinOp, a: Value, b: Value) -> Option<(Value, i32)> {
        match op {
            BinOp::Add | BinOp::Mul | BinOp::And | BinOp::Or | BinOp::Xor => self
                .imm(b)
                .map(|i| (a, i))
                .or_else(|| self.imm(a).map(|i| (b, i))),
            BinOp::Sub | BinOp::Shl | BinOp::LShr | BinOp::AShr => self.imm(b).map(|i| (a, i)),
            BinOp::SDiv | BinOp::UDiv | BinOp::SRem | BinOp::URem => {
                self.div_const(op, b).map(|d| (a, d as i32))
            }
            _ => None,
        }
    }

    /// A division or remainder by a constant that `divide_const` does
    /// without `div`: the divisor. Unsigned: any power of two whose mask
    /// fits an immediate, and any divisor of an 8- or 16-bit value (by a
    /// multiply). Signed: 2^k for 1 <= k <= 30.
    fn div_const(&self, op: BinOp, b: Value) -> Option<u32> {
        let c = self.konst[b.0 as usize]? as u64;
        let ty = self.f.ty(b);
        let signed = matches!(op, BinOp::SDiv | BinOp::SRem);
        if signed {
            let d = sign_extend(c, ty);
            return (d >= 2 && d <= 1 << 30 && (d as u64).is_power_of_two()).then_some(d as u32);
        }
        if c >= 2 && c.is_power_of_two() && c <= 1 << 31 {
            return Some(c as u32);
        }
        (c >= 2 && ty.bytes() <= 2).then_some(c as u32)
    }

    /// A compare with a constant operand: the other operand, the
    /// immediate, and whether they swapped sides.
    fn cmp_imm(&self, a: Value, b: Value) -> Option<(Value, i32, bool)> {
        self.imm(b)
            .map(|i| (a, i, false))
            .or_else(|| self.imm(a).map(|i| (b, i, true)))
    }

    /// A load or store at `addr + offset` where `addr` is a stack slot's
    /// address: the displacement from rbp.
    fn frame_disp(&self, addr: Value, offset: i32) -> Option<i32> {
        let s = self.slot_of[addr.0 as usize]?;
        i32::try_from(offset as i64 - self.slot_offs[s.0 as usize] as i64).ok()
    }

    /// The memory operand at `addr + offset`, rbp-relative when `addr` is
    /// a slot address, else from `addr`'s register (reloaded into
    /// `scratch` when spilled).
    fn mem_at(&mut self, addr: Value, offset: i32, scratch: u8) -> R<AsmMemoryOperand> {
        if let Some(d) = self.frame_disp(addr, offset) {
            return Ok(rbp + d);
        }
        if let Some(m) = self.addr_modes.get(&self.at).copied() {
            let base = G64[self.gsrc(m.base, R10)? as usize];
            return Ok(match m.index {
                // rax: r10 may hold the base, r11 a stored value.
                Some((i, scale)) => base + G64[self.gsrc(i, RAX)? as usize] * scale + m.disp,
                None => base + m.disp,
            });
        }
        Ok(G64[self.gsrc(addr, scratch)? as usize] + offset)
    }

    /// A stored constant as the store's immediate.
    fn store_imm(&self, value: Value) -> Option<i32> {
        self.imm(value)
    }

    /// The compare a block's branch can test straight from the flags: the
    /// branch condition is an `Icmp`/`Fcmp` of this block that nothing else
    /// reads, and every instruction after it leaves the flags alone. The
    /// compare then emits only `cmp`/`ucomis` where it stands (its operands
    /// are only sure to be intact there) and the branch a `jcc`; the edge
    /// moves come after the `jcc`, so they may clobber the flags.
    fn fusable(&self, blk: &Block) -> Option<Value> {
        let Terminator::Branch { cond, .. } = blk.term else {
            return None;
        };
        let i = blk.insts.iter().position(|x| x.result == Some(cond))?;
        let is_compare = matches!(blk.insts[i].op, Op::Icmp(..) | Op::Fcmp(..));
        let alone = self.uses[cond.0 as usize] == 1;
        (is_compare && alone && blk.insts[i + 1..].iter().all(|x| self.keeps_flags(x))).then_some(cond)
    }

    /// Whether emitting `inst` leaves the flags as they are: it emits only
    /// moves, loads, stores and `lea` (constants use `mov`, not `xor`, while
    /// a fused compare's flags are live).
    fn keeps_flags(&self, inst: &Inst) -> bool {
        match &inst.op {
            Op::Iconst(_)
            | Op::Fconst(_)
            | Op::SlotAddr(_)
            | Op::SymAddr(_)
            | Op::Copy(_)
            | Op::Load { .. }
            | Op::Store { .. } => true,
            Op::Cast(op, _) => matches!(op, CastOp::Trunc | CastOp::Sext | CastOp::Zext),
            _ => inst.result.is_some_and(|r| self.loc(r).is_none()) && !matches!(inst.op, Op::Call { .. } | Op::Syscall(_)),
        }
    }

    /// A block's instructions and terminator; `next` is the block laid out
    /// after this code.
    fn block_body(&mut self, b: BlockId, next: Option<BlockId>) -> R {
        let blk = self.f.block(b);
        self.current = b;
        self.fused = self.fusable(blk);
        self.pending = None;
        for (k, inst) in blk.insts.iter().enumerate() {
            self.at = (b.0, k);
            self.rows.push((self.here(), inst.span));
            self.inst(inst)?;
        }
        self.rows.push((self.here(), blk.term_span));
        self.terminator(&blk.term, next)
    }

    /// A block worth repeating at the end of a jump to it: a fused compare
    /// (with constants and the like around it) and a branch.
    fn repeatable(&self, b: BlockId) -> bool {
        let blk = self.f.block(b);
        matches!(blk.term, Terminator::Branch { .. })
            && blk.insts.len() <= 3
            && self.fusable(blk).is_some()
    }

    /// Move the System V argument registers and stack arguments into the
    /// entry block parameters' locations.
    fn entry_params(&mut self) -> R {
        let f = self.f;
        let mut moves = Vec::new();
        let mut stack = Vec::new();
        let (mut ni, mut nf) = (0, 0);
        for &p in &f.blocks[0].params {
            let class = RegClass::of(f.ty(p));
            let reg = match class {
                RegClass::Int => INT_ARGS.get(ni).inspect(|_| ni += 1),
                RegClass::Float => FLOAT_ARGS.get(nf).inspect(|_| nf += 1),
            };
            match (reg, self.loc(p)) {
                (Some(&hw), Some(d)) => moves.push((Loc::Reg(PReg { class, hw }), d, class)),
                (None, d) => stack.push((d, class)),
                _ => {}
            }
        }
        self.parallel(&moves)?;
        // Stack arguments come after the register moves, which may still have
        // been reading registers these loads overwrite.
        for (k, (d, class)) in stack.into_iter().enumerate() {
            let m = qword_ptr(rbp + (16 + 8 * k as i32));
            match (d, class) {
                (Some(Loc::Reg(r)), RegClass::Int) => self.a.mov(G64[r.hw as usize], m)?,
                (Some(Loc::Reg(r)), RegClass::Float) => self.a.movsd_2(X[r.hw as usize], m)?,
                (Some(Loc::Spill(s)), _) => {
                    self.a.mov(r11, m)?;
                    self.a.mov(self.spill_mem(s), r11)?;
                }
                (None, _) => {}
            }
        }
        Ok(())
    }

    fn epilogue(&mut self) -> RI {
        if self.saved.is_empty() {
            self.a.leave()?;
        } else {
            let csave = 8 * self.saved.len() as i32;
            self.a.lea(rsp, ptr(rbp - csave))?;
            for r in self.saved.clone().into_iter().rev() {
                self.a.pop(G64[r as usize])?;
            }
            self.a.pop(rbp)?;
        }
        self.a.ret()
    }

    fn terminator(&mut self, t: &Terminator, next: Option<BlockId>) -> R {
        match t {
            Terminator::Return(v) => {
                if let Some(v) = *v {
                    if self.f.ty(v).is_float() {
                        let x = self.xsrc(v, XMM0)?;
                        if x != XMM0 {
                            self.a.movaps(xmm0, X[x as usize])?;
                        }
                    } else {
                        let r = self.gsrc(v, RAX)?;
                        if r != RAX {
                            self.a.mov(rax, G64[r as usize])?;
                        }
                    }
                }
                Ok(self.epilogue()?)
            }
            Terminator::Unreachable => Ok(self.a.ud2()?),
            Terminator::Jump(c) => {
                let e = self.edge(c);
                self.take_edge(&e)?;
                if Some(c.block) != next && self.repeatable(c.block) {
                    // Emit the target's few instructions and its branch
                    // here instead of jumping to them: a loop's back edge
                    // then ends in the loop test's conditional jump. Each
                    // copy reads and writes the same allocated locations.
                    return self.block_body(c.block, next);
                }
                if Some(c.block) != next {
                    self.a.jmp(self.block_labels[c.block.0 as usize])?;
                }
                Ok(())
            }
            Terminator::Branch { cond, then, else_ } => {
                let flags = match self.pending.take() {
                    Some((v, flags)) if v == *cond => flags,
                    _ => {
                        match self.loc(*cond) {
                            Some(Loc::Reg(p)) => {
                                self.a.test(G8[p.hw as usize], G8[p.hw as usize])?
                            }
                            Some(Loc::Spill(s)) => self
                                .a
                                .cmp(byte_ptr(rbp - (self.spill_base + 8 * (s as i32 + 1))), 0)?,
                            None => self.a.test(eax, eax)?,
                        }
                        Flags::Int(IntCC::Ne)
                    }
                };
                let span = self.f.block(self.current).term_span;
                let (tm, em) = (self.edge(then), self.edge(else_));
                let then_next = Some(then.block) == next;
                let else_next = Some(else_.block) == next;
                // One edge is taken by the conditional jump, the other falls
                // into its moves and jumps (or falls through to its block).
                // The jumped edge is the one whose block is not next, or,
                // neither being next, the one without moves.
                let flip = then_next || (!else_next && !tm.is_empty() && em.is_empty());
                let (jumped, jm, fallen, fm) = if flip {
                    (else_, em, then, tm)
                } else {
                    (then, tm, else_, em)
                };
                let jumped_label = self.block_labels[jumped.block.0 as usize];
                let to = if jm.is_empty() {
                    jumped_label
                } else {
                    // An edge with moves jumps to a stub at the function's end.
                    let stub = self.a.create_label();
                    self.stubs.push((stub, jm, jumped_label, span));
                    stub
                };
                self.jump_if(flags, !flip, to)?;
                self.take_edge(&fm)?;
                if Some(fallen.block) != next {
                    self.a.jmp(self.block_labels[fallen.block.0 as usize])?;
                }
                Ok(())
            }
        }
    }

    /// Jump to `to` when `flags` hold (`sense`) or do not hold (`!sense`).
    fn jump_if(&mut self, flags: Flags, sense: bool, to: CodeLabel) -> R {
        match flags {
            Flags::Int(cc) => match if sense { cc } else { negate(cc) } {
                IntCC::Eq => self.a.je(to)?,
                IntCC::Ne => self.a.jne(to)?,
                IntCC::Slt => self.a.jl(to)?,
                IntCC::Sle => self.a.jle(to)?,
                IntCC::Sgt => self.a.jg(to)?,
                IntCC::Sge => self.a.jge(to)?,
                IntCC::Ult => self.a.jb(to)?,
                IntCC::Ule => self.a.jbe(to)?,
                IntCC::Ugt => self.a.ja(to)?,
                IntCC::Uge => self.a.jae(to)?,
            },
            // After ucomis, unordered sets ZF, PF and CF.
            Flags::Float(cc) => match (cc, sense) {
                (FloatCC::Gt | FloatCC::Lt, true) => self.a.ja(to)?,
                (FloatCC::Gt | FloatCC::Lt, false) => self.a.jbe(to)?,
                (FloatCC::Ge | FloatCC::Le, true) => self.a.jae(to)?,
                (FloatCC::Ge | FloatCC::Le, false) => self.a.jb(to)?,
                // Equal and ordered: ZF=1 and PF=0.
                (FloatCC::Eq, true) | (FloatCC::Ne, false) => {
                    let mut skip = self.a.create_label();
                    self.a.jp(skip)?;
                    self.a.je(to)?;
                    self.bind(&mut skip)?;
                }
                (FloatCC::Eq, false) | (FloatCC::Ne, true) => {
                    self.a.jne(to)?;
                    self.a.jp(to)?;
                }
            },
        }
        Ok(())
    }

    // ---- instructions -------------------------------------------------------

    fn inst(&mut self, inst: &Inst) -> R {
        let res = inst.result;
        let dead = res.map_or(true, |r| self.loc(r).is_none());
        let has_effect = matches!(inst.op, Op::Call { .. } | Op::Syscall(_) | Op::Store { .. } | Op::Atomic(..));
        if dead && !has_effect {
            return Ok(());
        }
        if res.is_some_and(|r| self.skip[r.0 as usize]) {
            return Ok(());
        }
        if matches!(inst.op, Op::Iconst(_) | Op::SlotAddr(_)) && !self.needed(res.unwrap()) {
            return Ok(());
        }
        match &inst.op {
            Op::Iconst(v) => {
                let r = res.unwrap();
                let ty = self.f.ty(r);
                let d = self.gdst(r, R10);
                let v = match ty {
                    Type::I8 => *v as u8 as i64,
                    Type::I16 => *v as u16 as i64,
                    Type::I32 => *v as u32 as i64,
                    _ => *v,
                };
                self.mov_imm(d, v, ty == Type::I64)?;
                self.gput(r, d)
            }
            Op::Fconst(x) => {
                let r = res.unwrap();
                let bits = if self.f.ty(r) == Type::F32 {
                    (*x as f32).to_bits() as u64
                } else {
                    x.to_bits()
                };
                let d = self.xdst(r, XMM15) as usize;
                if bits == 0 {
                    self.a.xorps(X[d], X[d])?;
                } else {
                    self.mov_imm(R11, bits as i64, true)?;
                    self.a.movq(X[d], r11)?;
                }
                self.xput(r, d as u8)
            }
            Op::Bin(op, a, b) => {
                if self.f.ty(*a).is_float() {
                    self.float_bin(*op, res.unwrap(), *a, *b)
                } else {
                    self.int_bin(*op, res.unwrap(), *a, *b)
                }
            }
            Op::Un(op, a) => self.unary(*op, res.unwrap(), *a),
            Op::Icmp(cc, a, b) => self.icmp(*cc, res.unwrap(), *a, *b),
            Op::Fcmp(cc, a, b) => self.fcmp(*cc, res.unwrap(), *a, *b),
            Op::Cast(op, a) => self.cast(*op, res.unwrap(), *a),
            Op::Load { addr, offset } => self.load(res.unwrap(), *addr, *offset),
            Op::Store {
                value,
                addr,
                offset,
            } => self.store(*value, *addr, *offset),
            Op::SlotAddr(s) => {
                let r = res.unwrap();
                let d = self.gdst(r, R10);
                let off = self.slot_offs[s.0 as usize];
                self.a.lea(G64[d as usize], ptr(rbp - off))?;
                self.gput(r, d)
            }
            Op::SymAddr(name) => {
                let r = res.unwrap();
                let d = self.gdst(r, R10);
                // lea d, [rip+disp32]: REX.W(+R), 8D, ModRM(mod=00, rm=101).
                let rex = 0x48 | if d >= 8 { 0x04 } else { 0 };
                let modrm = ((d & 7) << 3) | 0b101;
                self.relocs.push(PendingReloc {
                    inst: self.here(),
                    at: 3,
                    kind: RelocKind::X86PcRel32,
                    symbol: name.clone(),
                    addend: -4,
                });
                self.a.db(&[rex, 0x8d, modrm, 0, 0, 0, 0])?;
                self.gput(r, d)
            }
            Op::Call { callee, args } => self.call(res, callee, args),
            Op::Syscall(args) => self.syscall(res, args),
            Op::Atomic(op, args) => self.atomic(*op, res, args),
            Op::ThreadPointer => {
                let r = res.unwrap();
                let d = self.gdst(r, R10);
                // mov d, fs:[0] (the thread block's first word points at
                // itself): fs, REX.W(+R), 8B, ModRM(mod=00, rm=100), SIB(disp32).
                let rex = 0x48 | if d >= 8 { 0x04 } else { 0 };
                self.a.db(&[0x64, rex, 0x8b, ((d & 7) << 3) | 0b100, 0x25, 0, 0, 0, 0])?;
                self.gput(r, d)
            }
            Op::Copy(a) => {
                let r = res.unwrap();
                if self.f.ty(*a).is_float() {
                    let x = self.xsrc(*a, XMM15)?;
                    self.xput(r, x)
                } else {
                    let s = self.gsrc(*a, R10)?;
                    self.gput(r, s)
                }
            }
        }
    }

    fn int_bin(&mut self, op: BinOp, res: Value, a: Value, b: Value) -> R {
        if let Some((x, imm)) = self.bin_imm(op, a, b) {
            let wide = self.f.ty(res) == Type::I64;
            return self.int_bin_imm(op, res, x, imm, wide);
        }
        match op {
            BinOp::SDiv | BinOp::UDiv | BinOp::SRem | BinOp::URem => {
                return self.divide(op, res, a, b)
            }
            BinOp::Shl | BinOp::LShr | BinOp::AShr => return self.shift(op, res, a, b),
            _ => {}
        }
        let wide = self.f.ty(res) == Type::I64;
        let ra = self.gsrc(a, R10)?;
        let rb = self.gsrc(b, R11)?;
        if let (BinOp::Add, Some(Loc::Reg(p))) = (op, self.loc(res)) {
            if p.hw != ra && p.hw != rb {
                let m = ptr(G64[ra as usize] + G64[rb as usize]);
                if wide {
                    self.a.lea(G64[p.hw as usize], m)?;
                } else {
                    self.a.lea(G32[p.hw as usize], m)?;
                }
                return Ok(());
            }
        }
        let commutative = op != BinOp::Sub;
        let (t, src) = match self.loc(res) {
            Some(Loc::Reg(p)) if p.hw != rb => {
                if p.hw != ra {
                    self.a.mov(G64[p.hw as usize], G64[ra as usize])?;
                }
                (p.hw, rb)
            }
            Some(Loc::Reg(p)) if commutative => (p.hw, ra),
            _ => {
                if ra != R10 {
                    self.a.mov(r10, G64[ra as usize])?;
                }
                (R10, rb)
            }
        };
        let (t, s) = (t as usize, src as usize);
        match (op, wide) {
            (BinOp::Add, true) => self.a.add(G64[t], G64[s])?,
            (BinOp::Add, false) => self.a.add(G32[t], G32[s])?,
            (BinOp::Sub, true) => self.a.sub(G64[t], G64[s])?,
            (BinOp::Sub, false) => self.a.sub(G32[t], G32[s])?,
            (BinOp::Mul, true) => self.a.imul_2(G64[t], G64[s])?,
            (BinOp::Mul, false) => self.a.imul_2(G32[t], G32[s])?,
            (BinOp::And, true) => self.a.and(G64[t], G64[s])?,
            (BinOp::And, false) => self.a.and(G32[t], G32[s])?,
            (BinOp::Or, true) => self.a.or(G64[t], G64[s])?,
            (BinOp::Or, false) => self.a.or(G32[t], G32[s])?,
            (BinOp::Xor, true) => self.a.xor(G64[t], G64[s])?,
            (BinOp::Xor, false) => self.a.xor(G32[t], G32[s])?,
            _ => return Err(Fail::msg("float operator on integers")),
        }
        self.gput(res, t as u8)
    }

    /// `x op imm`. Add and subtract into another register are `lea`;
    /// multiplication by a power of two is a shift.
    fn int_bin_imm(&mut self, op: BinOp, res: Value, x: Value, imm: i32, wide: bool) -> R {
        let ty = self.f.ty(res);
        // x is the only register operand: a spilled x loads straight into
        // the result's register.
        let t = self.gdst(res, R10);
        let rx = self.gsrc(x, t)?;
        let (tu, xu) = (t as usize, rx as usize);
        let neg = (imm as i64).wrapping_neg();
        match op {
            BinOp::SDiv | BinOp::UDiv | BinOp::SRem | BinOp::URem => {
                return self.divide_const(op, res, rx, imm as u32);
            }
            BinOp::Add | BinOp::Sub if t != rx => {
                let k = if op == BinOp::Add { imm as i64 } else { neg };
                // Narrow adds may take the 64-bit lea: only the low bits count.
                match i32::try_from(k) {
                    Ok(k) if wide => self.a.lea(G64[tu], ptr(G64[xu] + k))?,
                    Ok(k) => self.a.lea(G32[tu], ptr(G64[xu] + k))?,
                    Err(_) => {
                        self.a.mov(G64[tu], G64[xu])?;
                        self.a.sub(G64[tu], imm)?;
                    }
                }
            }
            BinOp::Mul if imm > 0 && (imm as u32).is_power_of_two() => {
                if t != rx {
                    self.a.mov(G64[tu], G64[xu])?;
                }
                let k = imm.trailing_zeros();
                if k > 0 {
                    if wide {
                        self.a.shl(G64[tu], k)?;
                    } else {
                        self.a.shl(G32[tu], k)?;
                    }
                }
            }
            BinOp::Mul => {
                if wide {
                    self.a.imul_3(G64[tu], G64[xu], imm)?;
                } else {
                    self.a.imul_3(G32[tu], G32[xu], imm)?;
                }
            }
            BinOp::Shl | BinOp::LShr | BinOp::AShr => {
                if t != rx {
                    self.a.mov(G64[tu], G64[xu])?;
                }
                // The machine masks an immediate count as it does cl.
                let k = imm as u8 as u32;
                match op {
                    BinOp::LShr => self.extend_in_place(t, ty, false)?,
                    BinOp::AShr => self.extend_in_place(t, ty, true)?,
                    _ => {}
                }
                match (op, wide) {
                    (BinOp::Shl, true) => self.a.shl(G64[tu], k)?,
                    (BinOp::Shl, false) => self.a.shl(G32[tu], k)?,
                    (BinOp::LShr, true) => self.a.shr(G64[tu], k)?,
                    (BinOp::LShr, false) => self.a.shr(G32[tu], k)?,
                    (BinOp::AShr, true) => self.a.sar(G64[tu], k)?,
                    _ => self.a.sar(G32[tu], k)?,
                }
            }
            _ => {
                if t != rx {
                    self.a.mov(G64[tu], G64[xu])?;
                }
                match (op, wide) {
                    (BinOp::Add, true) => self.a.add(G64[tu], imm)?,
                    (BinOp::Add, false) => self.a.add(G32[tu], imm)?,
                    (BinOp::Sub, true) => self.a.sub(G64[tu], imm)?,
                    (BinOp::Sub, false) => self.a.sub(G32[tu], imm)?,
                    (BinOp::And, true) => self.a.and(G64[tu], imm)?,
                    (BinOp::And, false) => self.a.and(G32[tu], imm)?,
                    (BinOp::Or, true) => self.a.or(G64[tu], imm)?,
                    (BinOp::Or, false) => self.a.or(G32[tu], imm)?,
                    (BinOp::Xor, true) => self.a.xor(G64[tu], imm)?,
                    (BinOp::Xor, false) => self.a.xor(G32[tu], imm)?,
                    _ => return Err(Fail::msg("no immediate form for this operator")),
                }
            }
        }
        self.gput(res, t)
    }

    /// Division and remainder by a constant `d` (see `div_const`) of the
    /// value in `rx`, in r10 and r11: shifts and masks for powers of two
    /// (signed ones round toward zero by adding d-1 to negative dividends),
    /// else q = (x * ceil(2^s/d)) >> s with s = 32 + ceil(log2 d), exact
    /// for every 16-bit x (Granlund & Montgomery), and x - q*d.
    fn divide_const(&mut self, op: BinOp, res: Value, rx: u8, d: u32) -> R {
        let ty = self.f.ty(res);
        let signed = matches!(op, BinOp::SDiv | BinOp::SRem);
        let rem = matches!(op, BinOp::SRem | BinOp::URem);
        let wide = ty == Type::I64;
        // Operations at the value's width (narrow ones at 32 bits, extended).
        let bits = if wide { 64 } else { 32 };
        if rx != R10 {
            self.a.mov(r10, G64[rx as usize])?;
        }
        let k = d.trailing_zeros();
        let out = if d.is_power_of_two() && !signed {
            if rem {
                // The mask keeps the low bits; the bits above need no care.
                let mask = (d - 1) as i32;
                if wide { self.a.and(r10, mask)? } else { self.a.and(r10d, mask)? }
            } else {
                self.extend_in_place(R10, ty, false)?;
                if wide { self.a.shr(r10, k)? } else { self.a.shr(r10d, k)? }
            }
            R10
        } else if d.is_power_of_two() {
            self.extend_in_place(R10, ty, true)?;
            // r11 = x + (x < 0 ? d-1 : 0)
            if wide {
                self.a.mov(r11, r10)?;
                self.a.sar(r11, bits - 1)?;
                self.a.shr(r11, bits - k)?;
                self.a.add(r11, r10)?;
            } else {
                self.a.mov(r11d, r10d)?;
                self.a.sar(r11d, bits - 1)?;
                self.a.shr(r11d, bits - k)?;
                self.a.add(r11d, r10d)?;
            }
            if rem {
                let mask = -(d as i32);
                if wide {
                    self.a.and(r11, mask)?;
                    self.a.sub(r10, r11)?;
                } else {
                    self.a.and(r11d, mask)?;
                    self.a.sub(r10d, r11d)?;
                }
                R10
            } else {
                if wide { self.a.sar(r11, k)? } else { self.a.sar(r11d, k)? }
                R11
            }
        } else {
            // Unsigned 8- or 16-bit dividend.
            self.extend_in_place(R10, ty, false)?;
            let l = 32 - (d - 1).leading_zeros();
            let s = 32 + l;
            let m = ((1u64 << s) + d as u64 - 1) / d as u64;
            self.a.mov(r11d, r10d)?;
            self.mov_imm(RAX, m as i64, true)?;
            self.a.imul_2(r11, rax)?;
            self.a.shr(r11, s)?;
            if rem {
                self.a.imul_3(r11d, r11d, d as i32)?;
                self.a.sub(r10d, r11d)?;
                R10
            } else {
                R11
            }
        };
        self.gput(res, out)
    }

    /// Extend integer register `r` (of type `ty`) in place to 32 bits (64 for I64).
    fn extend_in_place(&mut self, r: u8, ty: Type, signed: bool) -> RI {
        let r = r as usize;
        match (ty, signed) {
            (Type::I8, true) => self.a.movsx(G32[r], G8[r]),
            (Type::I8, false) => self.a.movzx(G32[r], G8[r]),
            (Type::I16, true) => self.a.movsx(G32[r], G16[r]),
            (Type::I16, false) => self.a.movzx(G32[r], G16[r]),
            _ => Ok(()),
        }
    }

    /// Division: dividend in rax (extended into rdx), divisor in r11; rdx is
    /// parked in r10 when the allocator keeps a value there.
    fn divide(&mut self, op: BinOp, res: Value, a: Value, b: Value) -> R {
        let ty = self.f.ty(res);
        let signed = matches!(op, BinOp::SDiv | BinOp::SRem);
        let wide = ty == Type::I64;
        let rb = self.gsrc(b, R11)?;
        if rb != R11 {
            self.a.mov(r11, G64[rb as usize])?;
        }
        self.extend_in_place(R11, ty, signed)?;
        let ra = self.gsrc(a, RAX)?;
        if ra != RAX {
            self.a.mov(rax, G64[ra as usize])?;
        }
        self.extend_in_place(RAX, ty, signed)?;
        let res_in_rdx = self.loc(res)
            == Some(Loc::Reg(PReg {
                class: RegClass::Int,
                hw: RDX,
            }));
        let save_rdx = self.uses_rdx && !res_in_rdx;
        if save_rdx {
            self.a.mov(r10, rdx)?;
        }
        match (signed, wide) {
            (true, true) => {
                self.a.cqo()?;
                self.a.idiv(r11)?
            }
            (true, false) => {
                self.a.cdq()?;
                self.a.idiv(r11d)?
            }
            (false, true) => {
                self.a.xor(edx, edx)?;
                self.a.div(r11)?
            }
            (false, false) => {
                self.a.xor(edx, edx)?;
                self.a.div(r11d)?
            }
        }
        let out = if matches!(op, BinOp::SDiv | BinOp::UDiv) {
            RAX
        } else {
            RDX
        };
        self.gput(res, out)?;
        if save_rdx {
            self.a.mov(rdx, r10)?;
        }
        Ok(())
    }

    /// Shifts: the value in r10, the amount in cl; rcx is parked in r11 when
    /// the allocator keeps a value there.
    fn shift(&mut self, op: BinOp, res: Value, a: Value, b: Value) -> R {
        let ty = self.f.ty(res);
        let ra = self.gsrc(a, R10)?;
        if ra != R10 {
            self.a.mov(r10, G64[ra as usize])?;
        }
        match op {
            BinOp::LShr => self.extend_in_place(R10, ty, false)?,
            BinOp::AShr => self.extend_in_place(R10, ty, true)?,
            _ => {}
        }
        let rcx_loc = Loc::Reg(PReg {
            class: RegClass::Int,
            hw: RCX,
        });
        let mut save_rcx = false;
        if self.loc(b) != Some(rcx_loc) {
            save_rcx = self.uses_rcx && self.loc(res) != Some(rcx_loc);
            if save_rcx {
                self.a.mov(r11, rcx)?;
            }
            match self.loc(b) {
                Some(Loc::Reg(p)) => self.a.mov(ecx, G32[p.hw as usize])?,
                Some(Loc::Spill(s)) => self.a.mov(rcx, self.spill_mem(s))?,
                None => {}
            }
        }
        match (op, ty == Type::I64) {
            (BinOp::Shl, true) => self.a.shl(r10, cl)?,
            (BinOp::Shl, false) => self.a.shl(r10d, cl)?,
            (BinOp::LShr, true) => self.a.shr(r10, cl)?,
            (BinOp::LShr, false) => self.a.shr(r10d, cl)?,
            (BinOp::AShr, true) => self.a.sar(r10, cl)?,
            (BinOp::AShr, false) => self.a.sar(r10d, cl)?,
            _ => unreachable!(),
        }
        if save_rcx {
            self.a.mov(rcx, r11)?;
        }
        self.gput(res, R10)
    }

    fn float_bin(&mut self, op: BinOp, res: Value, a: Value, b: Value) -> R {
        let double = self.f.ty(res) == Type::F64;
        if let (Some(Loc::Spill(sb)), Some(Loc::Reg(p))) = (self.loc(b), self.loc(res)) {
            // A spilled second operand is read from its slot.
            if self.loc(a) != self.loc(b) {
                let ra = self.xsrc(a, XMM14)?;
                let t = X[p.hw as usize];
                if p.hw != ra {
                    self.a.movaps(t, X[ra as usize])?;
                }
                let m = rbp - (self.spill_base + 8 * (sb as i32 + 1));
                let (md, ms) = (qword_ptr(m), dword_ptr(m));
                match (op, double) {
                    (BinOp::FAdd, true) => self.a.addsd(t, md)?,
                    (BinOp::FAdd, false) => self.a.addss(t, ms)?,
                    (BinOp::FSub, true) => self.a.subsd(t, md)?,
                    (BinOp::FSub, false) => self.a.subss(t, ms)?,
                    (BinOp::FMul, true) => self.a.mulsd(t, md)?,
                    (BinOp::FMul, false) => self.a.mulss(t, ms)?,
                    (BinOp::FDiv, true) => self.a.divsd(t, md)?,
                    (BinOp::FDiv, false) => self.a.divss(t, ms)?,
                    _ => return Err(Fail::msg("integer operator on floats")),
                }
                return Ok(());
            }
        }
        let ra = self.xsrc(a, XMM14)?;
        let rb = self.xsrc(b, XMM15)?;
        let commutative = matches!(op, BinOp::FAdd | BinOp::FMul);
        let (t, s) = match self.loc(res) {
            Some(Loc::Reg(p)) if p.hw != rb => {
                if p.hw != ra {
                    self.a.movaps(X[p.hw as usize], X[ra as usize])?;
                }
                (p.hw, rb)
            }
            Some(Loc::Reg(p)) if commutative => (p.hw, ra),
            _ => {
                if ra != XMM14 {
                    self.a.movaps(xmm14, X[ra as usize])?;
                }
                (XMM14, rb)
            }
        };
        let (td, sd) = (X[t as usize], X[s as usize]);
        match (op, double) {
            (BinOp::FAdd, true) => self.a.addsd(td, sd)?,
            (BinOp::FAdd, false) => self.a.addss(td, sd)?,
            (BinOp::FSub, true) => self.a.subsd(td, sd)?,
            (BinOp::FSub, false) => self.a.subss(td, sd)?,
            (BinOp::FMul, true) => self.a.mulsd(td, sd)?,
            (BinOp::FMul, false) => self.a.mulss(td, sd)?,
            (BinOp::FDiv, true) => self.a.divsd(td, sd)?,
            (BinOp::FDiv, false) => self.a.divss(td, sd)?,
            _ => return Err(Fail::msg("integer operator on floats")),
        }
        self.xput(res, t)
    }

    fn unary(&mut self, op: UnOp, res: Value, a: Value) -> R {
        let ty = self.f.ty(res);
        if op == UnOp::FNeg {
            let mask: u64 = if ty == Type::F64 { 1 << 63 } else { 1 << 31 };
            self.mov_imm(R11, mask as i64, true)?;
            self.a.movq(xmm15, r11)?;
            let ra = self.xsrc(a, XMM14)?;
            let d = self.xdst(res, XMM14);
            if d != ra {
                self.a.movaps(X[d as usize], X[ra as usize])?;
            }
            self.a.xorps(X[d as usize], xmm15)?;
            return self.xput(res, d);
        }
        let ra = self.gsrc(a, R10)?;
        let t = self.gdst(res, R10);
        if t != ra {
            self.a.mov(G64[t as usize], G64[ra as usize])?;
        }
        let t = t as usize;
        match (op, ty == Type::I64) {
            (UnOp::Neg, true) => self.a.neg(G64[t])?,
            (UnOp::Neg, false) => self.a.neg(G32[t])?,
            (UnOp::Not, true) => self.a.not(G64[t])?,
            (UnOp::Not, false) => self.a.not(G32[t])?,
            _ => unreachable!(),
        }
        self.gput(res, t as u8)
    }

    /// Set the low byte of `t` from the flags and zero-extend it.
    fn setcc(&mut self, cc: IntCC, t: u8) -> RI {
        let b = G8[t as usize];
        match cc {
            IntCC::Eq => self.a.sete(b)?,
            IntCC::Ne => self.a.setne(b)?,
            IntCC::Slt => self.a.setl(b)?,
            IntCC::Sle => self.a.setle(b)?,
            IntCC::Sgt => self.a.setg(b)?,
            IntCC::Sge => self.a.setge(b)?,
            IntCC::Ult => self.a.setb(b)?,
            IntCC::Ule => self.a.setbe(b)?,
            IntCC::Ugt => self.a.seta(b)?,
            IntCC::Uge => self.a.setae(b)?,
        }
        self.a.movzx(G32[t as usize], b)
    }

    fn icmp(&mut self, cc: IntCC, res: Value, a: Value, b: Value) -> R {
        let w = self.int_width(a);
        let cc = if let Some((x, imm, swapped)) = self.cmp_imm(a, b) {
            let r = self.gsrc(x, R10)? as usize;
            // Against zero, `test r, r` sets the flags as `cmp r, 0` does.
            match (w, imm) {
                (1, 0) => self.a.test(G8[r], G8[r])?,
                (2, 0) => self.a.test(G16[r], G16[r])?,
                (4, 0) => self.a.test(G32[r], G32[r])?,
                (_, 0) => self.a.test(G64[r], G64[r])?,
                (1, _) => self.a.cmp(G8[r], imm)?,
                (2, _) => self.a.cmp(G16[r], imm)?,
                (4, _) => self.a.cmp(G32[r], imm)?,
                _ => self.a.cmp(G64[r], imm)?,
            }
            if swapped {
                swap_sides(cc)
            } else {
                cc
            }
        } else {
            let ra = self.gsrc(a, R10)? as usize;
            let rb = self.gsrc(b, R11)? as usize;
            match w {
                1 => self.a.cmp(G8[ra], G8[rb])?,
                2 => self.a.cmp(G16[ra], G16[rb])?,
                4 => self.a.cmp(G32[ra], G32[rb])?,
                _ => self.a.cmp(G64[ra], G64[rb])?,
            }
            cc
        };
        if self.fused == Some(res) {
            self.pending = Some((res, Flags::Int(cc)));
            return Ok(());
        }
        let t = self.gdst(res, R10);
        self.setcc(cc, t)?;
        self.gput(res, t)
    }

    /// ucomis sets ZF, PF, CF; unordered sets all three. "Above" conditions
    /// (CF=0) are false on NaN, so a<b is tested as b>a; Eq needs PF=0 too
    /// and Ne accepts PF=1.
    fn fcmp(&mut self, cc: FloatCC, res: Value, a: Value, b: Value) -> R {
        let double = self.f.ty(a) == Type::F64;
        let ra = X[self.xsrc(a, XMM14)? as usize];
        let rb = X[self.xsrc(b, XMM15)? as usize];
        let (x, y) = match cc {
            FloatCC::Lt | FloatCC::Le => (rb, ra),
            _ => (ra, rb),
        };
        if double {
            self.a.ucomisd(x, y)?;
        } else {
            self.a.ucomiss(x, y)?;
        }
        if self.fused == Some(res) {
            self.pending = Some((res, Flags::Float(cc)));
            return Ok(());
        }
        let t = self.gdst(res, R10);
        let tb = G8[t as usize];
        match cc {
            FloatCC::Gt | FloatCC::Lt => self.a.seta(tb)?,
            FloatCC::Ge | FloatCC::Le => self.a.setae(tb)?,
            FloatCC::Eq => {
                self.a.sete(tb)?;
                self.a.setnp(r11b)?;
                self.a.and(tb, r11b)?;
            }
            FloatCC::Ne => {
                self.a.setne(tb)?;
                self.a.setp(r11b)?;
                self.a.or(tb, r11b)?;
            }
        }
        self.a.movzx(G32[t as usize], tb)?;
        self.gput(res, t)
    }

    fn cast(&mut self, op: CastOp, res: Value, a: Value) -> R {
        let from = self.f.ty(a);
        let to = self.f.ty(res);
        match op {
            CastOp::Trunc => {
                let r = self.gsrc(a, R10)?;
                self.gput(res, r)
            }
            CastOp::Sext | CastOp::Zext => {
                let r = self.gsrc(a, R10)? as usize;
                let t = self.gdst(res, R10);
                let tu = t as usize;
                let wide = to == Type::I64;
                match (from, op == CastOp::Sext, wide) {
                    (Type::I8, true, true) => self.a.movsx(G64[tu], G8[r])?,
                    (Type::I8, true, false) => self.a.movsx(G32[tu], G8[r])?,
                    (Type::I16, true, true) => self.a.movsx(G64[tu], G16[r])?,
                    (Type::I16, true, false) => self.a.movsx(G32[tu], G16[r])?,
                    (Type::I32, true, true) => self.a.movsxd(G64[tu], G32[r])?,
                    (Type::I8, false, _) => self.a.movzx(G32[tu], G8[r])?,
                    (Type::I16, false, _) => self.a.movzx(G32[tu], G16[r])?,
                    (Type::I32, false, true) => self.a.mov(G32[tu], G32[r])?,
                    // Same width: a plain copy.
                    _ => {
                        if tu != r {
                            self.a.mov(G64[tu], G64[r])?
                        }
                    }
                }
                self.gput(res, t)
            }
            CastOp::SToF | CastOp::UToF => {
                let mut r = self.gsrc(a, R10)?;
                let d = self.xdst(res, XMM15);
                let xd = X[d as usize];
                let signed = op == CastOp::SToF;
                // Bring narrow sources to a width cvtsi2s* reads correctly.
                let wide_src = match (from, signed) {
                    (Type::I8, _) | (Type::I16, _) => {
                        if r != R10 {
                            self.a.mov(r10, G64[r as usize])?;
                            r = R10;
                        }
                        self.extend_in_place(R10, from, signed)?;
                        false
                    }
                    (Type::I32, true) => false,
                    (Type::I32, false) => {
                        self.a.mov(r10d, G32[r as usize])?;
                        r = R10;
                        true
                    }
                    _ => true,
                };
                // Clear the destination: cvtsi2s* writes only the low lane.
                self.a.xorps(xd, xd)?;
                let double = to == Type::F64;
                if !signed && from == Type::I64 {
                    // Values with the top bit set: halve (keeping the low bit
                    // for correct rounding), convert, double.
                    let mut big = self.a.create_label();
                    let mut done = self.a.create_label();
                    let rr = G64[r as usize];
                    self.a.test(rr, rr)?;
                    self.a.js(big)?;
                    if double {
                        self.a.cvtsi2sd(xd, rr)?;
                    } else {
                        self.a.cvtsi2ss(xd, rr)?;
                    }
                    self.a.jmp(done)?;
                    self.bind(&mut big)?;
                    self.a.mov(r11, rr)?;
                    self.a.and(r11d, 1)?;
                    self.a.mov(rax, rr)?;
                    self.a.shr(rax, 1)?;
                    self.a.or(rax, r11)?;
                    if double {
                        self.a.cvtsi2sd(xd, rax)?;
                        self.a.addsd(xd, xd)?;
                    } else {
                        self.a.cvtsi2ss(xd, rax)?;
                        self.a.addss(xd, xd)?;
                    }
                    self.bind(&mut done)?;
                } else {
                    match (double, wide_src) {
                        (true, true) => self.a.cvtsi2sd(xd, G64[r as usize])?,
                        (true, false) => self.a.cvtsi2sd(xd, G32[r as usize])?,
                        (false, true) => self.a.cvtsi2ss(xd, G64[r as usize])?,
                        (false, false) => self.a.cvtsi2ss(xd, G32[r as usize])?,
                    }
                }
                self.xput(res, d)
            }
            CastOp::FToS | CastOp::FToU => {
                let double = from == Type::F64;
                let x = self.xsrc(a, XMM14)?;
                let t = self.gdst(res, R10);
                let (xs, tu) = (X[x as usize], t as usize);
                let cvt64 = |e: &mut Self, dst: AsmRegister64, src: AsmRegisterXmm| {
                    if double {
                        e.a.cvttsd2si(dst, src)
                    } else {
                        e.a.cvttss2si(dst, src)
                    }
                };
                if op == CastOp::FToU && to == Type::I64 {
                    // At or above 2^63: subtract 2^63, convert, set the top bit.
                    let mut big = self.a.create_label();
                    let mut done = self.a.create_label();
                    self.mov_imm(
                        R11,
                        if double {
                            TWO_POW_63_F64
                        } else {
                            TWO_POW_63_F32
                        } as i64,
                        true,
                    )?;
                    self.a.movq(xmm15, r11)?;
                    if double {
                        self.a.ucomisd(xs, xmm15)?;
                    } else {
                        self.a.ucomiss(xs, xmm15)?;
                    }
                    self.a.jae(big)?;
                    cvt64(self, G64[tu], xs)?;
                    self.a.jmp(done)?;
                    self.bind(&mut big)?;
                    if x != XMM14 {
                        self.a.movaps(xmm14, xs)?;
                    }
                    if double {
                        self.a.subsd(xmm14, xmm15)?;
                    } else {
                        self.a.subss(xmm14, xmm15)?;
                    }
                    cvt64(self, G64[tu], xmm14)?;
                    self.a.btc(G64[tu], 63)?;
                    self.bind(&mut done)?;
                } else if to == Type::I64 || (op == CastOp::FToU && to == Type::I32) {
                    // u32 needs the 64-bit conversion; its low half is the answer.
                    cvt64(self, G64[tu], xs)?;
                } else if double {
                    self.a.cvttsd2si(G32[tu], xs)?;
                } else {
                    self.a.cvttss2si(G32[tu], xs)?;
                }
                self.gput(res, t)
            }
            CastOp::FExt | CastOp::FTrunc => {
                let x = self.xsrc(a, XMM15)?;
                let d = self.xdst(res, XMM15);
                if op == CastOp::FExt {
                    self.a.cvtss2sd(X[d as usize], X[x as usize])?;
                } else {
                    self.a.cvtsd2ss(X[d as usize], X[x as usize])?;
                }
                self.xput(res, d)
            }
            CastOp::Bitcast => match (from.is_float(), to.is_float()) {
                (false, true) => {
                    let r = self.gsrc(a, R10)? as usize;
                    let d = self.xdst(res, XMM15);
                    if to == Type::F64 {
                        self.a.movq(X[d as usize], G64[r])?;
                    } else {
                        self.a.movd(X[d as usize], G32[r])?;
                    }
                    self.xput(res, d)
                }
                (true, false) => {
                    let x = self.xsrc(a, XMM15)? as usize;
                    let t = self.gdst(res, R10);
                    if from == Type::F64 {
                        self.a.movq(G64[t as usize], X[x])?;
                    } else {
                        self.a.movd(G32[t as usize], X[x])?;
                    }
                    self.gput(res, t)
                }
                (true, true) => {
                    let x = self.xsrc(a, XMM15)?;
                    self.xput(res, x)
                }
                (false, false) => {
                    let r = self.gsrc(a, R10)?;
                    self.gput(res, r)
                }
            },
        }
    }

    fn load(&mut self, res: Value, addr: Value, offset: i32) -> R {
        let m = self.mem_at(addr, offset, R10)?;
        let ty = self.f.ty(res);
        if ty.is_float() {
            let d = self.xdst(res, XMM15);
            if ty == Type::F64 {
                self.a.movsd_2(X[d as usize], qword_ptr(m))?;
            } else {
                self.a.movss(X[d as usize], dword_ptr(m))?;
            }
            return self.xput(res, d);
        }
        let t = self.gdst(res, R11);
        let tu = t as usize;
        match ty {
            Type::I8 => self.a.movzx(G32[tu], byte_ptr(m))?,
            Type::I16 => self.a.movzx(G32[tu], word_ptr(m))?,
            Type::I32 => self.a.mov(G32[tu], dword_ptr(m))?,
            _ => self.a.mov(G64[tu], qword_ptr(m))?,
        }
        self.gput(res, t)
    }

    fn store(&mut self, value: Value, addr: Value, offset: i32) -> R {
        let m = self.mem_at(addr, offset, R10)?;
        let ty = self.f.ty(value);
        if ty.is_float() {
            let x = X[self.xsrc(value, XMM15)? as usize];
            return Ok(if ty == Type::F64 {
                self.a.movsd_2(qword_ptr(m), x)
            } else {
                self.a.movss(dword_ptr(m), x)
            }?);
        }
        if let Some(imm) = self.store_imm(value) {
            return Ok(match ty {
                Type::I8 => self.a.mov(byte_ptr(m), imm),
                Type::I16 => self.a.mov(word_ptr(m), imm),
                Type::I32 => self.a.mov(dword_ptr(m), imm),
                _ => self.a.mov(qword_ptr(m), imm),
            }?);
        }
        let r = self.gsrc(value, R11)? as usize;
        Ok(match ty {
            Type::I8 => self.a.mov(byte_ptr(m), G8[r]),
            Type::I16 => self.a.mov(word_ptr(m), G16[r]),
            Type::I32 => self.a.mov(dword_ptr(m), G32[r]),
            _ => self.a.mov(qword_ptr(m), G64[r]),
        }?)
    }

    /// x86-64 is TSO: a plain load is sequentially consistent when every
    /// atomic write is locked (`xchg` with memory is implicitly), so only
    /// the read-modify-writes need the lock.
    fn atomic(&mut self, op: AtomicOp, res: Option<Value>, args: &[Value]) -> R {
        let ra = self.gsrc(args[0], R10)?;
        let m = qword_ptr(G64[ra as usize] + 0);
        let out = match op {
            AtomicOp::Load => {
                self.a.mov(r11, m)?;
                R11
            }
            AtomicOp::Add | AtomicOp::Xchg => {
                let v = self.gsrc(args[1], R11)?;
                if v != R11 {
                    self.a.mov(r11, G64[v as usize])?;
                }
                if op == AtomicOp::Add {
                    self.a.lock().xadd(m, r11)?;
                    // xadd leaves the old value: the result is the new one.
                    let v = self.gsrc(args[1], RAX)?;
                    self.a.add(r11, G64[v as usize])?;
                } else {
                    self.a.xchg(m, r11)?;
                }
                R11
            }
            AtomicOp::Cas => {
                let e = self.gsrc(args[1], RAX)?;
                if e != RAX {
                    self.a.mov(rax, G64[e as usize])?;
                }
                let d = self.gsrc(args[2], R11)?;
                self.a.lock().cmpxchg(m, G64[d as usize])?;
                RAX
            }
        };
        match res {
            Some(r) => self.gput(r, out),
            None => Ok(()),
        }
    }

    /// A System V call: stack arguments first (while every value is still
    /// where the allocator put it), the callee address into r10, then the
    /// register arguments as one parallel move.
    fn call(&mut self, res: Option<Value>, callee: &Callee, args: &[Value]) -> R {
        let mut moves = Vec::new();
        let mut stack = Vec::new();
        let (mut ni, mut nf) = (0, 0);
        let mut consts = Vec::new();
        for &v in args {
            let class = RegClass::of(self.f.ty(v));
            let reg = match class {
                RegClass::Int => INT_ARGS.get(ni).inspect(|_| ni += 1),
                RegClass::Float => FLOAT_ARGS.get(nf).inspect(|_| nf += 1),
            };
            match (reg, self.konst[v.0 as usize]) {
                (Some(&hw), Some(k)) => consts.push((Loc::Reg(PReg { class, hw }), k, self.f.ty(v))),
                (Some(&hw), None) => {
                    if let Some(l) = self.loc(v) {
                        moves.push((l, Loc::Reg(PReg { class, hw }), class));
                    }
                }
                (None, _) => stack.push(v),
            }
        }
        let area = align_up(8 * stack.len() as i64, 16) as i32;
        if area > 0 {
            self.a.sub(rsp, area)?;
        }
        for (k, &v) in stack.iter().enumerate() {
            let m = qword_ptr(rsp + 8 * k as i32);
            if let Some(c) = self.konst[v.0 as usize] {
                match i32::try_from(c) {
                    Ok(i) => self.a.mov(m, i)?,
                    Err(_) => {
                        self.mov_imm(R11, c, true)?;
                        self.a.mov(m, r11)?;
                    }
                }
            } else if self.f.ty(v).is_float() {
                let x = self.xsrc(v, XMM15)?;
                self.a.movsd_2(m, X[x as usize])?;
            } else {
                let r = self.gsrc(v, R11)?;
                self.a.mov(m, G64[r as usize])?;
            }
        }
        if let Callee::Indirect(v) = callee {
            let r = self.gsrc(*v, R10)?;
            if r != R10 {
                self.a.mov(r10, G64[r as usize])?;
            }
        }
        self.parallel(&moves)?;
        for (d, k, ty) in consts {
            self.const_to(d, k, ty)?;
        }
        if nf > 0 {
            // A variadic C callee reads al as an upper bound on the vector
            // registers holding arguments (System V); dc does not know
            // which callees are variadic, and al is free here.
            self.a.mov(eax, nf as u32)?;
        }
        match callee {
            Callee::Direct(name) => {
                self.relocs.push(PendingReloc {
                    inst: self.here(),
                    at: 1,
                    kind: RelocKind::X86Plt32,
                    symbol: name.clone(),
                    addend: -4,
                });
                self.a.db(&[0xe8, 0, 0, 0, 0])?;
            }
            Callee::Indirect(_) => self.a.call(r10)?,
        }
        if area > 0 {
            self.a.add(rsp, area)?;
        }
        if let Some(r) = res {
            if self.f.ty(r).is_float() {
                self.xput(r, XMM0)?;
            } else {
                self.gput(r, RAX)?;
            }
        }
        Ok(())
    }

    /// `syscall`: number in rax, arguments in rdi rsi rdx r10 r8 r9. The
    /// number is pushed first because the argument moves may overwrite its
    /// register and rax is the move scratch.
    fn syscall(&mut self, res: Option<Value>, args: &[Value]) -> R {
        if args.is_empty() || args.len() > 7 {
            return Err(Fail::msg(
                "syscall takes a number and at most six arguments",
            ));
        }
        match self.loc(args[0]) {
            Some(Loc::Reg(p)) => self.a.push(G64[p.hw as usize])?,
            Some(Loc::Spill(s)) => self.a.push(self.spill_mem(s))?,
            None => self.a.push(0)?,
        }
        let mut moves = Vec::new();
        for (&v, &hw) in args[1..].iter().zip(&SYSCALL_ARGS) {
            if let Some(l) = self.loc(v) {
                moves.push((
                    l,
                    Loc::Reg(PReg {
                        class: RegClass::Int,
                        hw,
                    }),
                    RegClass::Int,
                ));
            }
        }
        self.parallel(&moves)?;
        self.a.pop(rax)?;
        self.a.syscall()?;
        if let Some(r) = res {
            self.gput(r, RAX)?;
        }
        Ok(())
    }
}

impl Fail {
    fn msg(m: &str) -> Fail {
        Fail(m.to_string())
    }
}
