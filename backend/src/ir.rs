//! dc's SSA IR: the ISA-independent contract between the front end's lowering
//! and the per-ISA back ends.
//!
//! Shape (Cranelift/QBE style, kept small):
//! - a `Module` holds functions and data objects, named by link symbol;
//! - a `Function` is a list of basic blocks; block 0 is the entry and its
//!   parameters are the function's parameters;
//! - SSA values are defined exactly once, either as a block parameter or as the
//!   result of an instruction; phis are block parameters, and every jump passes
//!   one argument per parameter of its target;
//! - every value has a machine-level `Type` (integers, floats; pointers are I64;
//!   bool is I8 holding 0 or 1);
//! - aggregates live in memory: a `StackSlot` gives a frame address, and
//!   loads/stores move scalars in and out;
//! - every instruction carries the source `Span` it came from, down to the
//!   machine code and the line table.

use std::fmt;

/// A machine-level value type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    I8,
    I16,
    I32,
    I64,
    F32,
    F64,
}

impl Type {
    pub fn bytes(self) -> u32 {
        match self {
            Type::I8 => 1,
            Type::I16 => 2,
            Type::I32 | Type::F32 => 4,
            Type::I64 | Type::F64 => 8,
        }
    }
    pub fn is_float(self) -> bool {
        matches!(self, Type::F32 | Type::F64)
    }
    pub fn is_int(self) -> bool {
        !self.is_float()
    }
    /// Pointers are 64-bit integers on every target dc supports.
    pub const PTR: Type = Type::I64;
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Type::I8 => "i8",
            Type::I16 => "i16",
            Type::I32 => "i32",
            Type::I64 => "i64",
            Type::F32 => "f32",
            Type::F64 => "f64",
        })
    }
}

/// A position in the user's source: file index into `Module::files`,
/// 1-based line and column. `Span::NONE` marks compiler-made code.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: u32,
    pub line: u32,
    pub col: u32,
}

impl Span {
    pub const NONE: Span = Span { file: 0, line: 0, col: 0 };
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(pub u32);
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockId(pub u32);
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SlotId(pub u32);

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}
impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "b{}", self.0)
    }
}
impl fmt::Display for SlotId {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ss{}", self.0)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BinOp {
    // integer (both operands and result share one integer type)
    Add,
    Sub,
    Mul,
    SDiv,
    UDiv,
    SRem,
    URem,
    And,
    Or,
    Xor,
    /// Shifts use the low bits of the amount as the machine does; the front
    /// end emits the range check that the language requires before them.
    Shl,
    LShr,
    AShr,
    // float (both operands and result share one float type)
    FAdd,
    FSub,
    FMul,
    FDiv,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// Two's complement negation.
    Neg,
    /// Bitwise not.
    Not,
    FNeg,
}

/// Integer comparison; the result is an I8 holding 0 or 1.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IntCC {
    Eq,
    Ne,
    Slt,
    Sle,
    Sgt,
    Sge,
    Ult,
    Ule,
    Ugt,
    Uge,
}

/// Ordered float comparison (false when either side is NaN), except `Ne`,
/// which is true when either side is NaN (C's `!=`). Result is I8 0/1.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FloatCC {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Conversions; the destination type is the result value's type.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CastOp {
    /// Narrow an integer (keep the low bits).
    Trunc,
    /// Widen a signed integer.
    Sext,
    /// Widen an unsigned integer.
    Zext,
    /// Signed integer to float.
    SToF,
    /// Unsigned integer to float.
    UToF,
    /// Float to signed integer, truncating toward zero.
    FToS,
    /// Float to unsigned integer, truncating toward zero.
    FToU,
    /// f32 -> f64.
    FExt,
    /// f64 -> f32.
    FTrunc,
    /// Reinterpret the bits (I32<->F32, I64<->F64).
    Bitcast,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Callee {
    /// A call to a link symbol (a function of this module or of another object).
    Direct(String),
    /// A call through a code pointer (an I64 value).
    Indirect(Value),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Integer constant of the result type (the value is truncated to it).
    Iconst(i64),
    /// Float constant of the result type.
    Fconst(f64),
    Bin(BinOp, Value, Value),
    Un(UnOp, Value),
    Icmp(IntCC, Value, Value),
    Fcmp(FloatCC, Value, Value),
    Cast(CastOp, Value),
    /// Load a value of the result type from `addr + offset`.
    /// I8/I16/I32 loads zero-extend into the register; the front end inserts
    /// an explicit `Sext` where it needs signed semantics of a narrow value
    /// widened (narrow values are kept as their own type otherwise).
    Load { addr: Value, offset: i32 },
    /// Store `value` (of its own type's width) at `addr + offset`. No result.
    Store { value: Value, addr: Value, offset: i32 },
    /// The frame address of a stack slot (I64).
    SlotAddr(SlotId),
    /// The address of a link symbol, function or data (I64).
    SymAddr(String),
    /// A call; the result (if any) is the instruction's result.
    Call { callee: Callee, args: Vec<Value> },
    /// A raw Linux system call: args[0] is the number, then up to six
    /// arguments, all I64. The result is the kernel's I64 return.
    Syscall(Vec<Value>),
    /// Copy a value (the front end rarely needs it; passes may).
    Copy(Value),
    /// A sequentially consistent atomic operation on the I64 at `args[0]`,
    /// inline rather than a call, since locks and the scheduler live on
    /// them. Each is a full barrier. The result (I64) is the value found.
    Atomic(AtomicOp, Vec<Value>),
    /// This thread's thread pointer (the fs base / TPIDR_EL0), I64: the
    /// runtime's thread block.
    ThreadPointer,
}

/// The atomic operations, by their operands after the address.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AtomicOp {
    /// `[addr]`: the value.
    Load,
    /// `[addr, d]`: adds d; the result is the new value.
    Add,
    /// `[addr, v]`: stores v; the result is the old value (a store is an
    /// exchange whose result is unused).
    Xchg,
    /// `[addr, expect, desired]`: stores desired if the value is expect;
    /// the result is the value found (the swap happened when it equals expect).
    Cas,
}

impl AtomicOp {
    /// Operands including the address.
    pub fn arity(self) -> usize {
        match self {
            AtomicOp::Load => 1,
            AtomicOp::Add | AtomicOp::Xchg => 2,
            AtomicOp::Cas => 3,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct BlockCall {
    pub block: BlockId,
    pub args: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Terminator {
    Jump(BlockCall),
    /// `cond` is an I8 (0 or 1; any non-zero counts as true).
    Branch { cond: Value, then: BlockCall, else_: BlockCall },
    Return(Option<Value>),
    /// Control never reaches here (after a call that does not return).
    Unreachable,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Inst {
    pub result: Option<Value>,
    pub op: Op,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub params: Vec<Value>,
    pub insts: Vec<Inst>,
    pub term: Terminator,
    pub term_span: Span,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct StackSlot {
    pub size: u32,
    pub align: u32,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Linkage {
    /// Visible to other objects (the entry point, runtime services).
    Global,
    /// Private to its object.
    Local,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Function {
    /// The link symbol.
    pub name: String,
    /// The name the user wrote (for debug info and `--emit` listings).
    pub source_name: String,
    pub linkage: Linkage,
    pub params: Vec<Type>,
    pub ret: Option<Type>,
    pub blocks: Vec<Block>,
    /// Type of every value, indexed by `Value.0`.
    pub value_types: Vec<Type>,
    pub slots: Vec<StackSlot>,
    pub span: Span,
    /// The inliner may copy this function's body into its callers. The
    /// front end sets it for runtime and library code; a user's own
    /// functions stay whole, so a debugger can break on them by name.
    pub inlinable: bool,
    /// The source variables and their types, for the debugger. Optional:
    /// empty unless the front end describes its locals.
    pub debug: DebugInfo,
}

impl Function {
    pub fn ty(&self, v: Value) -> Type {
        self.value_types[v.0 as usize]
    }
    pub fn entry(&self) -> BlockId {
        BlockId(0)
    }
    pub fn block(&self, b: BlockId) -> &Block {
        &self.blocks[b.0 as usize]
    }
}

/// What a function tells the debugger about its source variables. Each
/// variable has a home: a stack slot that holds its current value whenever
/// the program stops on a statement (the front end keeps every local in a
/// slot; `mem2reg` promotes a home's reads into SSA values but keeps its
/// stores, so the slot stays up to date). Types are described here, not
/// derived from `Type`, because the debugger needs the source's view:
/// signedness, names, struct members.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DebugInfo {
    pub vars: Vec<DebugVar>,
    /// Indexed by `DebugVar::ty`, `DebugType::Pointer::to` and so on.
    pub types: Vec<DebugType>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DebugVar {
    pub name: String,
    /// Index into `DebugInfo::types`.
    pub ty: u32,
    /// The variable's home.
    pub slot: SlotId,
    /// A parameter of the function (`DW_TAG_formal_parameter`).
    pub param: bool,
    /// Where it is declared.
    pub span: Span,
}

/// How a base type's bits are read.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DebugBase {
    Signed,
    Unsigned,
    Float,
    Bool,
    /// A byte shown as a character.
    Char,
    /// A Unicode scalar.
    Rune,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DebugType {
    Base { name: String, size: u32, base: DebugBase },
    /// A machine pointer; `to: None` points at nothing in particular. A
    /// `name` makes it a named alias (dusk's `string` is a named pointer to
    /// its NUL-terminated bytes).
    Pointer { name: Option<String>, to: Option<u32> },
    /// A record; no members for a type shown only by name and size.
    Struct { name: String, size: u32, members: Vec<DebugMember> },
    Array { elem: u32, count: u64 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct DebugMember {
    pub name: String,
    pub offset: u32,
    pub ty: u32,
}

/// A relocation inside a data object: at `offset`, the 64-bit address of
/// `symbol + addend`.
#[derive(Clone, Debug, PartialEq)]
pub struct DataReloc {
    pub offset: u32,
    pub symbol: String,
    pub addend: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    pub name: String,
    pub bytes: Vec<u8>,
    pub align: u32,
    pub readonly: bool,
    pub linkage: Linkage,
    pub relocs: Vec<DataReloc>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Module {
    /// Source file paths; `Span::file` indexes this.
    pub files: Vec<String>,
    pub functions: Vec<Function>,
    pub data: Vec<Data>,
}

/// Builds a function block by block; the lowering's one way to make IR.
pub struct FunctionBuilder {
    pub func: Function,
    current: Option<BlockId>,
    pub span: Span,
}

impl FunctionBuilder {
    pub fn new(name: &str, source_name: &str, params: &[Type], ret: Option<Type>, span: Span) -> Self {
        let mut b = FunctionBuilder {
            func: Function {
                name: name.to_string(),
                source_name: source_name.to_string(),
                linkage: Linkage::Local,
                params: params.to_vec(),
                ret,
                blocks: Vec::new(),
                value_types: Vec::new(),
                slots: Vec::new(),
                span,
                inlinable: false,
                debug: DebugInfo::default(),
            },
            current: None,
            span,
        };
        let entry = b.new_block();
        for &t in params {
            b.add_block_param(entry, t);
        }
        b.switch_to(entry);
        b
    }

    pub fn new_value(&mut self, ty: Type) -> Value {
        self.func.value_types.push(ty);
        Value(self.func.value_types.len() as u32 - 1)
    }

    pub fn new_block(&mut self) -> BlockId {
        self.func.blocks.push(Block { params: Vec::new(), insts: Vec::new(), term: Terminator::Unreachable, term_span: Span::NONE });
        BlockId(self.func.blocks.len() as u32 - 1)
    }

    pub fn add_block_param(&mut self, b: BlockId, ty: Type) -> Value {
        let v = self.new_value(ty);
        self.func.blocks[b.0 as usize].params.push(v);
        v
    }

    pub fn block_params(&self, b: BlockId) -> &[Value] {
        &self.func.blocks[b.0 as usize].params
    }

    pub fn new_slot(&mut self, size: u32, align: u32) -> SlotId {
        self.func.slots.push(StackSlot { size, align });
        SlotId(self.func.slots.len() as u32 - 1)
    }

    /// Start appending to `b`. A block is open until it gets a terminator.
    pub fn switch_to(&mut self, b: BlockId) {
        self.current = Some(b);
    }

    /// The open block, if the last one was not terminated yet.
    pub fn current(&self) -> Option<BlockId> {
        self.current
    }

    /// Whether code appended now would be reachable.
    pub fn is_open(&self) -> bool {
        self.current.is_some()
    }

    fn push(&mut self, result: Option<Value>, op: Op) {
        // Code after a terminator is dead; give it a fresh unreachable block
        // so the builder never needs callers to check.
        if self.current.is_none() {
            let b = self.new_block();
            self.current = Some(b);
        }
        let b = self.current.unwrap();
        let span = self.span;
        self.func.blocks[b.0 as usize].insts.push(Inst { result, op, span });
    }

    /// Append an instruction with a result of type `ty`.
    pub fn ins(&mut self, ty: Type, op: Op) -> Value {
        let v = self.new_value(ty);
        self.push(Some(v), op);
        v
    }

    /// Append an instruction without a result (stores, void calls).
    pub fn ins_void(&mut self, op: Op) {
        self.push(None, op);
    }

    pub fn iconst(&mut self, ty: Type, v: i64) -> Value {
        self.ins(ty, Op::Iconst(v))
    }
    pub fn fconst(&mut self, ty: Type, v: f64) -> Value {
        self.ins(ty, Op::Fconst(v))
    }
    pub fn bin(&mut self, op: BinOp, a: Value, b: Value) -> Value {
        let ty = self.func.ty(a);
        self.ins(ty, Op::Bin(op, a, b))
    }
    pub fn un(&mut self, op: UnOp, a: Value) -> Value {
        let ty = self.func.ty(a);
        self.ins(ty, Op::Un(op, a))
    }
    pub fn icmp(&mut self, cc: IntCC, a: Value, b: Value) -> Value {
        self.ins(Type::I8, Op::Icmp(cc, a, b))
    }
    pub fn fcmp(&mut self, cc: FloatCC, a: Value, b: Value) -> Value {
        self.ins(Type::I8, Op::Fcmp(cc, a, b))
    }
    pub fn cast(&mut self, op: CastOp, a: Value, to: Type) -> Value {
        self.ins(to, Op::Cast(op, a))
    }
    pub fn load(&mut self, ty: Type, addr: Value, offset: i32) -> Value {
        self.ins(ty, Op::Load { addr, offset })
    }
    pub fn store(&mut self, value: Value, addr: Value, offset: i32) {
        self.ins_void(Op::Store { value, addr, offset })
    }
    pub fn slot_addr(&mut self, s: SlotId) -> Value {
        self.ins(Type::PTR, Op::SlotAddr(s))
    }
    pub fn sym_addr(&mut self, name: &str) -> Value {
        self.ins(Type::PTR, Op::SymAddr(name.to_string()))
    }
    pub fn call(&mut self, callee: Callee, args: Vec<Value>, ret: Option<Type>) -> Option<Value> {
        match ret {
            Some(t) => Some(self.ins(t, Op::Call { callee, args })),
            None => {
                self.ins_void(Op::Call { callee, args });
                None
            }
        }
    }

    fn terminate(&mut self, term: Terminator) {
        if let Some(b) = self.current.take() {
            let span = self.span;
            let blk = &mut self.func.blocks[b.0 as usize];
            blk.term = term;
            blk.term_span = span;
        }
    }
    pub fn jump(&mut self, block: BlockId, args: Vec<Value>) {
        self.terminate(Terminator::Jump(BlockCall { block, args }));
    }
    pub fn branch(&mut self, cond: Value, then: BlockId, then_args: Vec<Value>, else_: BlockId, else_args: Vec<Value>) {
        self.terminate(Terminator::Branch {
            cond,
            then: BlockCall { block: then, args: then_args },
            else_: BlockCall { block: else_, args: else_args },
        });
    }
    pub fn ret(&mut self, v: Option<Value>) {
        self.terminate(Terminator::Return(v));
    }
    pub fn unreachable(&mut self) {
        self.terminate(Terminator::Unreachable);
    }

    /// Finish: drop blocks nothing can reach (dead code after returns), so
    /// later passes see only live blocks. Block ids are renumbered.
    pub fn finish(self) -> Function {
        let mut f = self.func;
        crate::cfg::remove_unreachable_blocks(&mut f);
        f
    }
}
