//! The abstract syntax tree of one dusk file.
//!
//! Nodes live in a `bumpalo::Bump` arena owned by the caller: children are
//! `&'a Node<'a>` and lists are `&'a [Node<'a>]`, so the tree is freed in one
//! go and never needs `Drop`. Every node carries the `Span` it was parsed
//! from. The tree is close to the surface syntax; the parser does only the
//! rewrites the language defines as syntax (`x |> f(a)` becomes `f(x, a)`,
//! `else if` is an `else` holding an `if`, `**T` is `*(*T)`).

use crate::source::{FileId, Span};

/// An identifier with its position. The text is interned in the arena.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ident<'a> {
    pub name: &'a str,
    pub span: Span,
}

// ---------------------------------------------------------------------------
// Files and directives

#[derive(Debug, Clone, Copy)]
pub struct File<'a> {
    pub file: FileId,
    /// A doc comment before the directive prologue (the module doc).
    pub doc: Option<Span>,
    pub directives: &'a [Directive<'a>],
    pub items: &'a [Item<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct Directive<'a> {
    pub kind: DirectiveKind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub enum DirectiveKind<'a> {
    /// `@paradigm functional` (the name is not validated by the parser).
    Paradigm(Ident<'a>),
    /// `@import a.b.c` or `@import "host/user/repo/path"`.
    Import(ImportPath<'a>),
    /// `@link "value"`.
    Link(StrArg<'a>),
    /// `@csource "path.c"`.
    CSource(StrArg<'a>),
}

#[derive(Debug, Clone, Copy)]
pub enum ImportPath<'a> {
    Dotted(&'a [Ident<'a>]),
    Str(StrArg<'a>),
}

/// A string literal used as a directive or ABI argument (escapes decoded;
/// invalid UTF-8 replaced lossily).
#[derive(Clone, Copy, Debug)]
pub struct StrArg<'a> {
    pub value: &'a str,
    pub span: Span,
}

// ---------------------------------------------------------------------------
// Items

#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Func(&'a FuncItem<'a>),
    Struct(&'a StructItem<'a>),
    Enum(&'a EnumItem<'a>),
    Interface(&'a InterfaceItem<'a>),
    Impl(&'a ImplItem<'a>),
    Foreign(&'a ForeignItem<'a>),
    Monad(&'a MonadItem<'a>),
}

impl<'a> Item<'a> {
    pub fn span(&self) -> Span {
        match self {
            Item::Func(x) => x.span,
            Item::Struct(x) => x.span,
            Item::Enum(x) => x.span,
            Item::Interface(x) => x.span,
            Item::Impl(x) => x.span,
            Item::Foreign(x) => x.span,
            Item::Monad(x) => x.span,
        }
    }
}

/// Visibility of a top-level function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Private to its file.
    Private,
    /// `export`: visible to every file of the program.
    Export,
    /// `export "C"`: also a C ABI entry point under its own bare symbol.
    ExportC,
}

#[derive(Debug, Clone, Copy)]
pub struct FuncItem<'a> {
    pub span: Span,
    pub doc: Option<Span>,
    pub vis: Visibility,
    pub is_async: bool,
    pub is_owning: bool,
    pub name: Ident<'a>,
    /// Type parameters `<T, U>` (no bounds in dusk).
    pub generics: &'a [Ident<'a>],
    pub params: &'a [Param<'a>],
    /// Always written (`-> void` for none).
    pub ret: &'a Type<'a>,
    pub body: &'a Block<'a>,
}

#[derive(Debug, Clone, Copy)]
pub struct Param<'a> {
    pub span: Span,
    /// `using a: *Arena`: the parameter is the ambient allocator of the body.
    pub using: bool,
    pub name: Ident<'a>,
    pub ty: &'a Type<'a>,
}

#[derive(Debug, Clone, Copy)]
pub struct StructItem<'a> {
    pub span: Span,
    pub doc: Option<Span>,
    pub exported: bool,
    pub name: Ident<'a>,
    pub generics: &'a [Ident<'a>],
    pub fields: &'a [Field<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct Field<'a> {
    pub span: Span,
    pub name: Ident<'a>,
    pub ty: &'a Type<'a>,
}

#[derive(Debug, Clone, Copy)]
pub struct EnumItem<'a> {
    pub span: Span,
    pub doc: Option<Span>,
    pub exported: bool,
    pub name: Ident<'a>,
    pub generics: &'a [Ident<'a>],
    pub variants: &'a [Variant<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct Variant<'a> {
    pub span: Span,
    pub name: Ident<'a>,
    /// Payload fields; empty for a payload-less variant (`Dot` or `Dot()`).
    pub fields: &'a [Field<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct InterfaceItem<'a> {
    pub span: Span,
    pub doc: Option<Span>,
    pub exported: bool,
    pub name: Ident<'a>,
    pub generics: &'a [Ident<'a>],
    pub methods: &'a [MethodSig<'a>],
}

/// `name(params) -> Ret` inside an interface.
#[derive(Debug, Clone, Copy)]
pub struct MethodSig<'a> {
    pub span: Span,
    pub doc: Option<Span>,
    pub name: Ident<'a>,
    pub params: &'a [Param<'a>],
    pub ret: &'a Type<'a>,
}

/// `impl Target { ... }` or `impl Interface for Target { ... }`.
#[derive(Debug, Clone, Copy)]
pub struct ImplItem<'a> {
    pub span: Span,
    pub doc: Option<Span>,
    pub interface: Option<Ident<'a>>,
    pub target: Ident<'a>,
    /// Methods: `vis` is always `Private`, `is_async`/`is_owning` false.
    pub methods: &'a [FuncItem<'a>],
}

/// `foreign "C" { func f(a: int32, ...) -> int32 }`.
#[derive(Debug, Clone, Copy)]
pub struct ForeignItem<'a> {
    pub span: Span,
    pub exported: bool,
    /// The calling convention string (only "C" is meaningful).
    pub abi: StrArg<'a>,
    pub funcs: &'a [ForeignFunc<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct ForeignFunc<'a> {
    pub span: Span,
    pub doc: Option<Span>,
    pub name: Ident<'a>,
    pub params: &'a [Param<'a>],
    /// The parameter list ends in `...`.
    pub variadic: bool,
    pub ret: &'a Type<'a>,
}

/// `monad M { func bind(...) ... func unit(...) ... }`. The funcs keep their
/// own names (`bind`, `unit`, helpers); the checker registers them as `M.name`.
#[derive(Debug, Clone, Copy)]
pub struct MonadItem<'a> {
    pub span: Span,
    pub name: Ident<'a>,
    pub funcs: &'a [FuncItem<'a>],
}

// ---------------------------------------------------------------------------
// Types

#[derive(Debug, Clone, Copy)]
pub struct Type<'a> {
    pub kind: TypeKind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub enum TypeKind<'a> {
    /// `int64`, `string`, `T`, `Vector<T>`, `Map<K, V>`: primitives, structs,
    /// enums, interfaces and type parameters are all names here.
    Named { name: Ident<'a>, args: &'a [Type<'a>] },
    /// `*T` (managed, fat). `*void` is this with a `Void` pointee.
    Ptr(&'a Type<'a>),
    /// `*raw T`.
    RawPtr(&'a Type<'a>),
    /// `T[]`.
    Slice(&'a Type<'a>),
    /// `T[N]`.
    Array { elem: &'a Type<'a>, len: u64 },
    /// `(A, B)`, two or more elements.
    Tuple(&'a [Type<'a>]),
    /// `(A, B) -> R`.
    Func { params: &'a [Type<'a>], ret: &'a Type<'a> },
    /// `void`.
    Void,
    /// `()`.
    Unit,
    /// `collector<T>`.
    Collector(&'a Type<'a>),
    /// An open hole to be inferred. The parser never produces it; later
    /// stages may (e.g. the `do` desugaring's lambda types).
    Infer,
}

// ---------------------------------------------------------------------------
// Statements

#[derive(Debug, Clone, Copy)]
pub struct Block<'a> {
    pub span: Span,
    pub stmts: &'a [Stmt<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct Stmt<'a> {
    pub kind: StmtKind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub enum StmtKind<'a> {
    /// `x := e`, `mut x: T = e`, `ref r := e`, `a, b := e`.
    Let(&'a Binding<'a>),
    /// `place = value`. The parser has checked `place` is a place.
    Assign { place: &'a Expr<'a>, value: &'a Expr<'a> },
    /// `place op= value` (op is one of the arithmetic/bitwise/shift ops).
    CompoundAssign { op: BinOp, place: &'a Expr<'a>, value: &'a Expr<'a> },
    /// `place++` (`inc`) or `place--`.
    IncDec { place: &'a Expr<'a>, inc: bool },
    If(&'a IfStmt<'a>),
    While { cond: &'a Expr<'a>, body: &'a Block<'a> },
    /// `do { } while cond`.
    DoWhile { body: &'a Block<'a>, cond: &'a Expr<'a> },
    For(&'a ForStmt<'a>),
    /// A `match` in statement position (arms need not yield values).
    Match(&'a Match<'a>),
    /// `return`, `return e`, `return await f`.
    Return(Option<&'a Expr<'a>>),
    Break,
    Continue,
    /// `defer e` (the expression is usually a call).
    Defer(&'a Expr<'a>),
    /// `parallel { s1 s2 ... }`: each statement runs concurrently
    /// (docs/concurrency.md, Parallel blocks).
    Parallel(&'a Block<'a>),
    /// An expression statement (incl. `await f`, a monadic `do` block).
    Expr(&'a Expr<'a>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindMode {
    Plain,
    Mut,
    /// `ref r := e`: a borrow.
    Ref,
}

#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub mode: BindMode,
    /// One name, or several destructuring a tuple.
    pub names: &'a [BindName<'a>],
    /// `:=` (true) or `=` (false; then every name has a type).
    pub walrus: bool,
    /// The value; may be `ExprKind::Await`.
    pub value: &'a Expr<'a>,
}

#[derive(Debug, Clone, Copy)]
pub struct BindName<'a> {
    pub name: Ident<'a>,
    pub ty: Option<&'a Type<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub struct IfStmt<'a> {
    pub span: Span,
    pub cond: &'a Expr<'a>,
    pub then: &'a Block<'a>,
    pub els: Option<Else<'a>>,
}

#[derive(Debug, Clone, Copy)]
pub enum Else<'a> {
    Block(&'a Block<'a>),
    If(&'a IfStmt<'a>),
}

/// `for x in e { }` or `for k, v in e { }`.
#[derive(Debug, Clone, Copy)]
pub struct ForStmt<'a> {
    pub first: Ident<'a>,
    pub second: Option<Ident<'a>>,
    pub iter: &'a Expr<'a>,
    pub body: &'a Block<'a>,
}

// ---------------------------------------------------------------------------
// Expressions

#[derive(Debug, Clone, Copy)]
pub struct Expr<'a> {
    pub kind: ExprKind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub enum ExprKind<'a> {
    /// Integer literal; `value` is the magnitude (never negative; `-1` is a
    /// `Neg` of `1`). A float suffix (`5f32`) is kept as written.
    Int { value: u64, suffix: Option<LitSuffix> },
    /// Float literal `1.5`, `2.0f32`; suffix is F32 or F64 if present.
    Float { value: f64, suffix: Option<LitSuffix> },
    Str(&'a StrLit<'a>),
    /// `f"..."`: chunks and holes in order (empty chunks omitted).
    FStr(&'a [FStrPart<'a>]),
    Char(u8),
    Rune(u32),
    Bool(bool),
    Name(Ident<'a>),
    Unary { op: UnOp, operand: &'a Expr<'a> },
    Binary { op: BinOp, lhs: &'a Expr<'a>, rhs: &'a Expr<'a> },
    /// `lo..hi` / `lo..=hi` (only meaningful as an index).
    Range { lo: &'a Expr<'a>, hi: &'a Expr<'a>, inclusive: bool },
    /// `callee(args)`: plain calls, casts `int32(x)`, `sizeof(x)`, builtins,
    /// `Enum.Variant(args)`, method calls `v.m(args)` (callee is a `Field`),
    /// and every `|>` pipe after its rewrite.
    Call { callee: &'a Expr<'a>, args: &'a [Expr<'a>] },
    Index { base: &'a Expr<'a>, index: &'a Expr<'a> },
    /// `base.name`: fields, `.len`, `Enum.Variant`, module paths.
    Field { base: &'a Expr<'a>, name: Ident<'a> },
    /// `Name { f: e, ... }`, including `error { message: e }`.
    StructLit { name: Ident<'a>, fields: &'a [FieldInit<'a>] },
    /// `[a, b, c]`.
    Array(&'a [Expr<'a>]),
    /// `(a, b)`, two or more elements.
    Tuple(&'a [Expr<'a>]),
    /// `()`.
    Unit,
    /// `(e)`. Kept so `(s.f)(x)` (call a closure field) differs from the
    /// method call `s.f(x)`, and `(lambda ...)(x)` can be refused.
    Paren(&'a Expr<'a>),
    Lambda(&'a Lambda<'a>),
    Match(&'a Match<'a>),
    /// `do M { x <- e ... final }`, not yet desugared.
    Do(&'a DoBlock<'a>),
    /// `collector<T>(value)`.
    Collector { ty: &'a Type<'a>, value: &'a Expr<'a> },
    /// `await f`. The parser only builds it as a whole binding value, a
    /// whole expression statement, a `return` value or a `defer` operand;
    /// anywhere else it reports the mid-expression error. `await(f)` is an
    /// ordinary call of the library function `await`.
    Await(&'a Expr<'a>),
}

impl<'a> Expr<'a> {
    /// Strips any number of parentheses.
    pub fn unparen(&self) -> &Expr<'a> {
        let mut e = self;
        while let ExprKind::Paren(inner) = &e.kind {
            e = inner;
        }
        e
    }

    /// A place may be assigned to: a name, a field chain, a (non-range)
    /// index, or a dereference (parentheses allowed around any of them).
    pub fn is_place(&self) -> bool {
        match &self.unparen().kind {
            ExprKind::Name(_) => true,
            ExprKind::Field { .. } => true,
            ExprKind::Index { index, .. } => !matches!(index.unparen().kind, ExprKind::Range { .. }),
            ExprKind::Unary { op: UnOp::Deref, .. } => true,
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LitSuffix {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F32,
    F64,
}

impl LitSuffix {
    pub fn from_str(s: &str) -> Option<LitSuffix> {
        Some(match s {
            "i8" => LitSuffix::I8,
            "i16" => LitSuffix::I16,
            "i32" => LitSuffix::I32,
            "i64" => LitSuffix::I64,
            "u8" => LitSuffix::U8,
            "u16" => LitSuffix::U16,
            "u32" => LitSuffix::U32,
            "u64" => LitSuffix::U64,
            "f32" => LitSuffix::F32,
            "f64" => LitSuffix::F64,
            _ => return None,
        })
    }

    pub fn is_unsigned(self) -> bool {
        matches!(self, LitSuffix::U8 | LitSuffix::U16 | LitSuffix::U32 | LitSuffix::U64)
    }

    pub fn is_float(self) -> bool {
        matches!(self, LitSuffix::F32 | LitSuffix::F64)
    }

    /// The type name the suffix pins a literal to.
    pub fn type_name(self) -> &'static str {
        match self {
            LitSuffix::I8 => "int8",
            LitSuffix::I16 => "int16",
            LitSuffix::I32 => "int32",
            LitSuffix::I64 => "int64",
            LitSuffix::U8 => "uint8",
            LitSuffix::U16 => "uint16",
            LitSuffix::U32 => "uint32",
            LitSuffix::U64 => "uint64",
            LitSuffix::F32 => "float32",
            LitSuffix::F64 => "float64",
        }
    }
}

/// A plain string literal after escape decoding.
#[derive(Debug, Clone, Copy)]
pub struct StrLit<'a> {
    pub bytes: &'a [u8],
    /// Offsets into `bytes` of every `{` / `}` that came from a `\u{7b}` /
    /// `\u{7d}` escape: in a format string these are literal braces, never
    /// placeholders (see `format_pieces`).
    pub escaped_braces: &'a [u32],
}

/// One piece of a `print`/`println`/`printerr` format string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FmtPiece {
    Text(Vec<u8>),
    /// `{}`: the next argument.
    Hole,
}

impl<'a> StrLit<'a> {
    /// Reads the literal as a format string: `{}` is a hole, `{{`/`}}` a
    /// literal brace, a brace from an escape is always literal. Errors carry
    /// the reference's diagnostic text.
    pub fn format_pieces(&self) -> Result<Vec<FmtPiece>, &'static str> {
        let mut out = Vec::new();
        let mut text = Vec::new();
        let b = self.bytes;
        let escaped = |i: usize| self.escaped_braces.contains(&(i as u32));
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if (c == b'{' || c == b'}') && !escaped(i) {
                let next_same = i + 1 < b.len() && b[i + 1] == c && !escaped(i + 1);
                if next_same {
                    text.push(c);
                    i += 2;
                    continue;
                }
                if c == b'{' && i + 1 < b.len() && b[i + 1] == b'}' && !escaped(i + 1) {
                    if !text.is_empty() {
                        out.push(FmtPiece::Text(std::mem::take(&mut text)));
                    }
                    out.push(FmtPiece::Hole);
                    i += 2;
                    continue;
                }
                return Err(if c == b'{' {
                    "unmatched '{' in format string, write '{{' for a literal brace"
                } else {
                    "unmatched '}' in format string, write '}}' for a literal brace"
                });
            }
            text.push(c);
            i += 1;
        }
        if !text.is_empty() {
            out.push(FmtPiece::Text(text));
        }
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy)]
pub enum FStrPart<'a> {
    /// Literal text, escapes and `{{`/`}}` already cooked.
    Text(&'a [u8]),
    Hole(&'a Expr<'a>),
}

#[derive(Debug, Clone, Copy)]
pub struct FieldInit<'a> {
    pub span: Span,
    pub name: Ident<'a>,
    pub value: &'a Expr<'a>,
}

#[derive(Debug, Clone, Copy)]
pub struct Lambda<'a> {
    pub span: Span,
    pub params: &'a [Param<'a>],
    pub ret: &'a Type<'a>,
    pub body: &'a Block<'a>,
}

/// `match scrutinee { arms }`, as an expression or a statement.
#[derive(Debug, Clone, Copy)]
pub struct Match<'a> {
    pub span: Span,
    pub scrutinee: &'a Expr<'a>,
    pub arms: &'a [Arm<'a>],
}

#[derive(Debug, Clone, Copy)]
pub struct Arm<'a> {
    pub span: Span,
    pub pat: Pattern<'a>,
    pub body: ArmBody<'a>,
}

#[derive(Debug, Clone, Copy)]
pub enum ArmBody<'a> {
    Block(&'a Block<'a>),
    /// `Pat => return` / `Pat => return e`.
    Return(Option<&'a Expr<'a>>),
    Expr(&'a Expr<'a>),
}

#[derive(Debug, Clone, Copy)]
pub struct Pattern<'a> {
    pub kind: PatKind<'a>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy)]
pub enum PatKind<'a> {
    /// `_`.
    Wildcard,
    /// A payload-less variant of the scrutinee's enum, or else a catch-all
    /// binding of the whole value (the checker decides which).
    Name(Ident<'a>),
    /// `Variant(a, b)`: binders are positional (`_` allowed).
    Variant { name: Ident<'a>, binders: &'a [Ident<'a>] },
}

/// `do [M] { elems }`.
#[derive(Debug, Clone, Copy)]
pub struct DoBlock<'a> {
    pub span: Span,
    pub monad: Option<Ident<'a>>,
    pub elems: &'a [DoElem<'a>],
}

#[derive(Debug, Clone, Copy)]
pub enum DoElem<'a> {
    /// `x <- e`.
    Bind { span: Span, name: Ident<'a>, value: &'a Expr<'a> },
    /// A plain expression (the last one is the block's final value).
    Expr(&'a Expr<'a>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
    /// `~x`
    BitNot,
    /// `*p`
    Deref,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    /// `**`
    Pow,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    /// `&&` (short-circuit)
    And,
    /// `||` (short-circuit)
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Pow => "**",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::And => "&&",
            BinOp::Or => "||",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit<'a>(bytes: &'a [u8], esc: &'a [u32]) -> StrLit<'a> {
        StrLit { bytes, escaped_braces: esc }
    }

    #[test]
    fn format_strings() {
        assert_eq!(
            lit(b"a={} {{b}}", &[]).format_pieces().unwrap(),
            vec![FmtPiece::Text(b"a=".to_vec()), FmtPiece::Hole, FmtPiece::Text(b" {b}".to_vec())]
        );
        // "val=\u{7b}{}\u{7d}" -> val={5}
        assert_eq!(
            lit(b"val={{}}", &[4, 7]).format_pieces().unwrap(),
            vec![FmtPiece::Text(b"val={".to_vec()), FmtPiece::Hole, FmtPiece::Text(b"}".to_vec())]
        );
        // "\u{7b}\u{7b}" prints two braces
        assert_eq!(lit(b"{{", &[0, 1]).format_pieces().unwrap(), vec![FmtPiece::Text(b"{{".to_vec())]);
        assert!(lit(b"a{b", &[]).format_pieces().is_err());
        assert!(lit(b"a}b", &[]).format_pieces().is_err());
    }
}
