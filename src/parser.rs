//! The parser: tokens -> arena AST, by hand-written recursive descent.
//!
//! Expressions use precedence climbing over the ladder of the language
//! (loosest to tightest): range `..`, pipe `|>`, `||`, `&&`, comparisons
//! (not chainable), `|`, `^`, `&`, shifts, `+ -`, `* / %`, `**` (right
//! associative), prefix `- ! ~ *`, postfix call/index/field.
//!
//! Three rules of the surface syntax live here rather than in the grammar:
//! - the newline rule: a binary operator, `|>`, `..`, or postfix `( [ .`
//!   that starts a new line does not continue the expression before it;
//! - struct literals are off in the heads of `if`/`while`/`for`/`match`, so
//!   `if x {` opens the body;
//! - token surgery: `>>` closing type arguments is two `>`, `**` in type or
//!   prefix position is two `*`.
//!
//! Errors are reported once per statement (the rest of the statement is
//! skipped to the next line); nesting deeper than `MAX_DEPTH` is refused
//! instead of overflowing the stack, and ends the parse.

use crate::ast::*;
use crate::diag::Diagnostics;
use crate::lexer::{lex, FPiece, Lit, Tok, Token};
use crate::source::{FileId, Span};
use bumpalo::Bump;

/// Deepest nesting of blocks, of types, and of expressions the parser
/// accepts (each counted on its own, as the reference does).
const MAX_DEPTH: u32 = 500;
/// After this many errors the parse stops (a cascade tells nothing more).
const MAX_ERRORS: usize = 100;

/// Parses one file. Always returns a `File` (possibly partial); errors go to
/// `diags`.
pub fn parse_file<'a>(arena: &'a Bump, file: FileId, src: &str, diags: &mut Diagnostics) -> File<'a> {
    let errors_before = diags.len();
    let lexed = lex(file, src, 0, src.len(), diags);
    let mut p = Parser {
        arena,
        file,
        src,
        diags,
        errors_before,
        braces: brace_depths(&lexed.tokens),
        toks: lexed.tokens,
        pos: 0,
        prev_hi: 0,
        docs: lexed.docs,
        depth: [0; 3],
        no_struct: false,
        fatal: false,
    };
    p.file()
}

/// A parse failure; the diagnostic has already been reported.
struct Fail;
type PResult<T> = Result<T, Fail>;

struct Parser<'a, 's, 'd> {
    arena: &'a Bump,
    file: FileId,
    src: &'s str,
    diags: &'d mut Diagnostics,
    errors_before: usize,
    toks: Vec<Token>,
    /// `braces[i]`: how many `{` are open before token `i` (for recovery).
    braces: Vec<i32>,
    pos: usize,
    /// End offset of the last consumed token.
    prev_hi: u32,
    /// Doc comment ranges from the lexer.
    docs: Vec<(u32, u32)>,
    /// Current nesting per kind (block, type, expression).
    depth: [u32; 3],
    /// Struct literals are disabled (the head of `if`/`while`/`for`/`match`).
    no_struct: bool,
    /// Stop parsing (nesting too deep or too many errors).
    fatal: bool,
}

/// What a nesting level is, for the too-deep message.
#[derive(Clone, Copy)]
enum Nest {
    Block,
    Type,
    Expr,
}

/// A `do` form: the procedural loop or a monadic block.
enum DoForm<'a> {
    While(&'a Block<'a>, &'a Expr<'a>),
    Monadic(&'a DoBlock<'a>),
}

/// A raw element of a `do` block before we know which form it is.
enum RawDoElem<'a> {
    Bind(Span, Ident<'a>, &'a Expr<'a>),
    Stmt(Stmt<'a>),
}

/// The brace depth before each token.
fn brace_depths(toks: &[Token]) -> Vec<i32> {
    let mut d = 0;
    toks.iter()
        .map(|t| {
            let before = d;
            match t.kind {
                Tok::LBrace => d += 1,
                Tok::RBrace => d -= 1,
                _ => {}
            }
            before
        })
        .collect()
}

fn binop(t: Tok) -> Option<(BinOp, u8)> {
    Some(match t {
        Tok::OrOr => (BinOp::Or, 3),
        Tok::AndAnd => (BinOp::And, 4),
        Tok::EqEq => (BinOp::Eq, 5),
        Tok::NotEq => (BinOp::Ne, 5),
        Tok::Lt => (BinOp::Lt, 5),
        Tok::LtEq => (BinOp::Le, 5),
        Tok::Gt => (BinOp::Gt, 5),
        Tok::GtEq => (BinOp::Ge, 5),
        Tok::Pipe => (BinOp::BitOr, 6),
        Tok::Caret => (BinOp::BitXor, 7),
        Tok::Amp => (BinOp::BitAnd, 8),
        Tok::Shl => (BinOp::Shl, 9),
        Tok::Shr => (BinOp::Shr, 9),
        Tok::Plus => (BinOp::Add, 10),
        Tok::Minus => (BinOp::Sub, 10),
        Tok::Star => (BinOp::Mul, 11),
        Tok::Slash => (BinOp::Div, 11),
        Tok::Percent => (BinOp::Rem, 11),
        Tok::StarStar => (BinOp::Pow, 12),
        _ => return None,
    })
}

fn compound_op(t: Tok) -> Option<BinOp> {
    Some(match t {
        Tok::PlusEq => BinOp::Add,
        Tok::MinusEq => BinOp::Sub,
        Tok::StarEq => BinOp::Mul,
        Tok::SlashEq => BinOp::Div,
        Tok::PercentEq => BinOp::Rem,
        Tok::AmpEq => BinOp::BitAnd,
        Tok::PipeEq => BinOp::BitOr,
        Tok::CaretEq => BinOp::BitXor,
        Tok::ShlEq => BinOp::Shl,
        Tok::ShrEq => BinOp::Shr,
        _ => return None,
    })
}

/// Tokens that may begin an expression (used to tell `await f` from a
/// plain name `await`).
fn starts_expr(t: Tok) -> bool {
    matches!(
        t,
        Tok::Int
            | Tok::Float
            | Tok::Str
            | Tok::FStr
            | Tok::Char
            | Tok::Rune
            | Tok::Ident
            | Tok::True
            | Tok::False
            | Tok::Lambda
            | Tok::Match
            | Tok::Do
            | Tok::LBracket
            | Tok::LParen
            | Tok::Minus
            | Tok::Bang
            | Tok::Tilde
            | Tok::Star
            | Tok::StarStar
    )
}

const AWAIT_MID_EXPR: &str =
    "'await' cannot appear mid-expression; give the awaited value a name, as in v, e := await f";

impl<'a, 's, 'd> Parser<'a, 's, 'd> {
    // ------------------------------------------------------------------
    // Token access

    fn tok(&self) -> &Token {
        &self.toks[self.pos]
    }

    fn kind(&self) -> Tok {
        self.toks[self.pos].kind
    }

    /// Kind of the token `n` ahead (Eof past the end).
    fn nth(&self, n: usize) -> Tok {
        self.toks.get(self.pos + n).map(|t| t.kind).unwrap_or(Tok::Eof)
    }

    fn nth_tok(&self, n: usize) -> &Token {
        let i = (self.pos + n).min(self.toks.len() - 1);
        &self.toks[i]
    }

    fn nl_before(&self) -> bool {
        self.toks[self.pos].nl_before
    }

    fn at(&self, k: Tok) -> bool {
        self.kind() == k
    }

    fn text_of(&self, t: &Token) -> &'s str {
        self.src.get(t.lo as usize..t.hi as usize).unwrap_or("")
    }

    /// The current token is the identifier `word` (a contextual keyword).
    fn at_word(&self, word: &str) -> bool {
        self.at(Tok::Ident) && self.text_of(self.tok()) == word
    }

    fn span_here(&self) -> Span {
        let t = self.tok();
        Span::new(self.file, t.lo, t.hi)
    }

    /// Span from `lo` to the end of the last consumed token.
    fn span_from(&self, lo: u32) -> Span {
        Span::new(self.file, lo, self.prev_hi.max(lo))
    }

    fn lo(&self) -> u32 {
        self.tok().lo
    }

    fn advance(&mut self) -> Token {
        let t = &mut self.toks[self.pos];
        let out = Token { kind: t.kind, lo: t.lo, hi: t.hi, nl_before: t.nl_before, lit: std::mem::replace(&mut t.lit, Lit::None) };
        if t.kind != Tok::Eof {
            self.prev_hi = t.hi;
            self.pos += 1;
        }
        out
    }

    fn eat(&mut self, k: Tok) -> bool {
        if self.at(k) {
            self.advance();
            true
        } else {
            false
        }
    }

    /// Splits the current two-character token: consumes its first
    /// character and leaves `rest` in its place.
    fn split_first(&mut self, rest: Tok) {
        let t = &mut self.toks[self.pos];
        self.prev_hi = t.lo + 1;
        t.lo += 1;
        t.kind = rest;
        t.nl_before = false;
    }

    // ------------------------------------------------------------------
    // Errors

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.error(span, msg);
        if self.diags.len() - self.errors_before >= MAX_ERRORS {
            self.fatal = true;
        }
    }

    fn fail<T>(&mut self, span: Span, msg: impl Into<String>) -> PResult<T> {
        self.error(span, msg);
        Err(Fail)
    }

    /// `expected <what>, found <token>` at the current token.
    fn expected<T>(&mut self, what: &str) -> PResult<T> {
        let msg = format!("expected {}, found {}", what, self.kind().name());
        let sp = self.span_here();
        self.fail(sp, msg)
    }

    fn expect(&mut self, k: Tok, what: &str) -> PResult<Token> {
        if self.at(k) {
            Ok(self.advance())
        } else {
            self.expected(what)
        }
    }

    fn ident(&mut self, what: &str) -> PResult<Ident<'a>> {
        if self.at(Tok::Ident) {
            let t = self.advance();
            Ok(self.mk_ident(&t))
        } else {
            self.expected(what)
        }
    }

    fn mk_ident(&self, t: &Token) -> Ident<'a> {
        Ident { name: self.arena.alloc_str(self.text_of(t)), span: Span::new(self.file, t.lo, t.hi) }
    }

    /// Enters one nesting level; refuses (and ends the parse) past MAX_DEPTH.
    fn enter(&mut self, what: Nest) -> PResult<()> {
        if self.fatal {
            return Err(Fail);
        }
        let d = &mut self.depth[what as usize];
        *d += 1;
        if *d > MAX_DEPTH {
            *d -= 1;
            let msg = match what {
                Nest::Block => "block nesting is too deep; simplify the function",
                Nest::Type => "type nesting is too deep; simplify the type",
                Nest::Expr => "expression nesting is too deep; simplify the expression",
            };
            let sp = self.span_here();
            self.error(sp, msg);
            self.fatal = true;
            return Err(Fail);
        }
        Ok(())
    }

    fn leave(&mut self, what: Nest) {
        self.depth[what as usize] -= 1;
    }

    // ------------------------------------------------------------------
    // Arena helpers

    fn alloc<T>(&self, v: T) -> &'a T {
        self.arena.alloc(v)
    }

    fn slice<T>(&self, v: Vec<T>) -> &'a [T] {
        self.arena.alloc_slice_fill_iter(v)
    }

    fn expr(&self, kind: ExprKind<'a>, span: Span) -> &'a Expr<'a> {
        self.arena.alloc(Expr { kind, span })
    }

    fn ty(&self, kind: TypeKind<'a>, span: Span) -> &'a Type<'a> {
        self.arena.alloc(Type { kind, span })
    }

    fn str_arg(&self, t: &Token) -> StrArg<'a> {
        let value = match &t.lit {
            Lit::Str(b, _) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        };
        StrArg { value: self.arena.alloc_str(&value), span: Span::new(self.file, t.lo, t.hi) }
    }

    /// The doc comment that ends right before the current token, if any
    /// (only blank space and plain comments between them).
    fn doc_here(&self) -> Option<Span> {
        let lo = self.lo();
        let prev_end = if self.pos == 0 { 0 } else { self.toks[self.pos - 1].hi };
        let i = self.docs.partition_point(|d| d.1 <= lo);
        if i == 0 {
            return None;
        }
        let d = self.docs[i - 1];
        (d.0 >= prev_end).then(|| Span::new(self.file, d.0, d.1))
    }

    // ------------------------------------------------------------------
    // Files, directives, items

    fn file(&mut self) -> File<'a> {
        let mut doc = None;
        let mut directives = Vec::new();
        if self.at(Tok::At) {
            doc = self.doc_here();
        }
        while self.at(Tok::At) && !self.fatal {
            let start = self.pos;
            match self.directive() {
                Ok(d) => directives.push(d),
                Err(Fail) => {
                    if self.pos == start {
                        self.advance();
                    }
                    self.skip_rest_of_line();
                }
            }
        }
        let mut items = Vec::new();
        while !self.at(Tok::Eof) && !self.fatal {
            let start = self.pos;
            match self.item() {
                Ok(it) => items.push(it),
                Err(Fail) => {
                    if self.pos == start {
                        self.advance();
                    }
                    self.skip_to_item();
                }
            }
        }
        File { file: self.file, doc, directives: self.slice(directives), items: self.slice(items) }
    }

    /// Skips the tokens left on the current line (after a bad directive).
    fn skip_rest_of_line(&mut self) {
        while !self.at(Tok::Eof) && !self.nl_before() {
            self.advance();
        }
    }

    /// Skips to the next token that starts a line outside any braces and
    /// can start an item.
    fn skip_to_item(&mut self) {
        while !self.at(Tok::Eof) {
            if self.nl_before() && self.braces[self.pos] <= 0 {
                let k = self.kind();
                let item_start = matches!(
                    k,
                    Tok::Func | Tok::Struct | Tok::Enum | Tok::Interface | Tok::Impl | Tok::Foreign | Tok::Monad | Tok::Export
                ) || self.at_word("async")
                    || self.at_word("owning");
                if item_start {
                    return;
                }
            }
            self.advance();
        }
    }

    fn directive(&mut self) -> PResult<Directive<'a>> {
        let lo = self.lo();
        self.advance(); // '@'
        if !self.at(Tok::Ident) || self.nl_before() {
            return self.expected("a directive name after '@'");
        }
        let name_tok = self.advance();
        let name = self.text_of(&name_tok);
        let kind = match name {
            "paradigm" => {
                let p = self.ident("a paradigm name")?;
                if !matches!(p.name, "functional" | "procedural" | "oop") {
                    let msg = format!("unknown paradigm '{}'", p.name);
                    self.error(p.span, msg);
                }
                DirectiveKind::Paradigm(p)
            }
            "import" => {
                if self.at(Tok::Str) {
                    let t = self.advance();
                    DirectiveKind::Import(ImportPath::Str(self.str_arg(&t)))
                } else {
                    let mut parts = vec![self.path_segment()?];
                    while self.at(Tok::Dot) && !self.nl_before() {
                        self.advance();
                        parts.push(self.path_segment()?);
                    }
                    DirectiveKind::Import(ImportPath::Dotted(self.slice(parts)))
                }
            }
            "link" | "csource" => {
                let t = self.expect(Tok::Str, &format!("a string after '@{}'", name))?;
                let arg = self.str_arg(&t);
                let link = name == "link";
                if arg.value.is_empty() {
                    self.error(arg.span, if link { "empty link value" } else { "empty csource path" });
                } else if arg.value.starts_with('-') {
                    self.error(
                        arg.span,
                        if link {
                            "a link value names a library or a path; it cannot begin with '-'"
                        } else {
                            "a csource value names a C source path; it cannot begin with '-'"
                        },
                    );
                }
                if link {
                    DirectiveKind::Link(arg)
                } else {
                    DirectiveKind::CSource(arg)
                }
            }
            _ => {
                let msg = format!("unknown directive '{}'", name);
                return self.fail(Span::new(self.file, lo, name_tok.hi), msg);
            }
        };
        Ok(Directive { kind, span: self.span_from(lo) })
    }

    /// One segment of an import path: an identifier, or a keyword spelled
    /// like one (module names are file names).
    fn path_segment(&mut self) -> PResult<Ident<'a>> {
        let t = self.tok();
        let text = self.text_of(t);
        let wordlike = !text.is_empty()
            && text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            && !text.as_bytes()[0].is_ascii_digit();
        if wordlike && t.kind != Tok::Eof {
            let t = self.advance();
            Ok(self.mk_ident(&t))
        } else {
            self.expected("a module name")
        }
    }

    fn item(&mut self) -> PResult<Item<'a>> {
        let doc = self.doc_here();
        let lo = self.lo();
        if self.at(Tok::At) {
            return self.fail(self.span_here(), "a directive must come before every item");
        }
        let mut vis = Visibility::Private;
        if self.eat(Tok::Export) {
            vis = Visibility::Export;
            if self.at(Tok::Str) {
                let t = self.advance();
                let abi = self.str_arg(&t);
                if abi.value != "C" {
                    return self.fail(abi.span, "the only supported export ABI is \"C\"");
                }
                vis = Visibility::ExportC;
                if self.at_word("async") && self.nth(1) == Tok::Func {
                    return self.fail(self.span_here(), "an async func cannot be an exported C function");
                }
                if self.at_word("owning") && self.nth(1) == Tok::Func {
                    return self.fail(self.span_here(), "an owning func cannot be an exported C function");
                }
                if !self.at(Tok::Func) {
                    return self.fail(self.span_here(), "only a func can be an exported C function");
                }
            }
        }
        let exported = vis != Visibility::Private;
        let item = match self.kind() {
            Tok::Func => Item::Func(self.func(lo, doc, vis, false, false)?),
            Tok::Ident if self.at_word("async") || self.at_word("owning") => {
                let word = self.text_of(self.tok());
                let is_async = word == "async";
                self.advance();
                if !self.at(Tok::Func) {
                    let msg = format!("expected 'func' after '{}'", word);
                    return self.fail(self.span_here(), msg);
                }
                Item::Func(self.func(lo, doc, vis, is_async, !is_async)?)
            }
            Tok::Struct => Item::Struct(self.struct_item(lo, doc, exported)?),
            Tok::Enum => Item::Enum(self.enum_item(lo, doc, exported)?),
            Tok::Interface => Item::Interface(self.interface_item(lo, doc, exported)?),
            Tok::Foreign => Item::Foreign(self.foreign_item(lo, exported)?),
            Tok::Impl if !exported => Item::Impl(self.impl_item(lo, doc)?),
            Tok::Monad if !exported => Item::Monad(self.monad_item(lo)?),
            _ if exported => return self.fail(self.span_here(), "expected an item after 'export'"),
            _ => return self.fail(self.span_here(), "expected an item"),
        };
        Ok(item)
    }

    /// `func name<T>(params) -> Ret { body }`; the current token is `func`.
    fn func(&mut self, lo: u32, doc: Option<Span>, vis: Visibility, is_async: bool, is_owning: bool) -> PResult<&'a FuncItem<'a>> {
        self.expect(Tok::Func, "'func'")?;
        let name = self.ident("a function name after 'func'")?;
        let generics = self.generics()?;
        let params = self.params()?;
        self.expect(Tok::Arrow, "'->' and a return type (write '-> void' for none)")?;
        let ret = self.parse_type()?;
        let body = self.block()?;
        Ok(self.alloc(FuncItem {
            span: self.span_from(lo),
            doc,
            vis,
            is_async,
            is_owning,
            name,
            generics,
            params,
            ret,
            body,
        }))
    }

    fn generics(&mut self) -> PResult<&'a [Ident<'a>]> {
        if !self.eat(Tok::Lt) {
            return Ok(&[]);
        }
        let mut v = vec![self.ident("a type parameter name")?];
        while self.eat(Tok::Comma) {
            v.push(self.ident("a type parameter name")?);
        }
        self.expect_gt("'>' to close the type parameters")?;
        Ok(self.slice(v))
    }

    /// `(a: T, using b: U)`.
    fn params(&mut self) -> PResult<&'a [Param<'a>]> {
        self.expect(Tok::LParen, "'(' to open the parameter list")?;
        let mut v = Vec::new();
        while !self.at(Tok::RParen) {
            let lo = self.lo();
            let using = self.eat(Tok::Using);
            let name = self.ident("a parameter name")?;
            self.expect(Tok::Colon, "':' and the parameter type")?;
            let ty = self.parse_type()?;
            v.push(Param { span: self.span_from(lo), using, name, ty });
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        self.expect(Tok::RParen, "')' to close the parameter list")?;
        Ok(self.slice(v))
    }

    /// `name: Type` fields separated by commas, up to `close`.
    fn fields(&mut self, close: Tok, closer: &str) -> PResult<&'a [Field<'a>]> {
        let mut v = Vec::new();
        while !self.at(close) {
            let lo = self.lo();
            let name = self.ident("a field name")?;
            self.expect(Tok::Colon, "':' and the field type")?;
            let ty = self.parse_type()?;
            v.push(Field { span: self.span_from(lo), name, ty });
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        self.expect(close, closer)?;
        Ok(self.slice(v))
    }

    fn struct_item(&mut self, lo: u32, doc: Option<Span>, exported: bool) -> PResult<&'a StructItem<'a>> {
        self.advance();
        let name = self.ident("a struct name")?;
        let generics = self.generics()?;
        self.expect(Tok::LBrace, "'{' to open the struct fields")?;
        let fields = self.fields(Tok::RBrace, "'}' after the struct fields")?;
        Ok(self.alloc(StructItem { span: self.span_from(lo), doc, exported, name, generics, fields }))
    }

    fn enum_item(&mut self, lo: u32, doc: Option<Span>, exported: bool) -> PResult<&'a EnumItem<'a>> {
        self.advance();
        let name = self.ident("an enum name")?;
        let generics = self.generics()?;
        self.expect(Tok::LBrace, "'{' to open the enum variants")?;
        let mut variants = Vec::new();
        while !self.at(Tok::RBrace) {
            let vlo = self.lo();
            let vname = self.ident("a variant name")?;
            let fields = if self.eat(Tok::LParen) { self.fields(Tok::RParen, "')' after the variant fields")? } else { &[] };
            variants.push(Variant { span: self.span_from(vlo), name: vname, fields });
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        self.expect(Tok::RBrace, "'}' after the enum variants")?;
        Ok(self.alloc(EnumItem { span: self.span_from(lo), doc, exported, name, generics, variants: self.slice(variants) }))
    }

    fn interface_item(&mut self, lo: u32, doc: Option<Span>, exported: bool) -> PResult<&'a InterfaceItem<'a>> {
        self.advance();
        let name = self.ident("an interface name")?;
        let generics = self.generics()?;
        self.expect(Tok::LBrace, "'{' to open the interface body")?;
        let mut methods = Vec::new();
        while !self.at(Tok::RBrace) {
            if !self.at(Tok::Ident) {
                return self.fail(self.span_here(), "unexpected token in interface body");
            }
            let mdoc = self.doc_here();
            let mlo = self.lo();
            let mname = self.ident("a method name")?;
            let params = self.params()?;
            self.expect(Tok::Arrow, "'->' and a return type")?;
            let ret = self.parse_type()?;
            methods.push(MethodSig { span: self.span_from(mlo), doc: mdoc, name: mname, params, ret });
            self.eat(Tok::Semi);
        }
        self.advance();
        Ok(self.alloc(InterfaceItem { span: self.span_from(lo), doc, exported, name, generics, methods: self.slice(methods) }))
    }

    fn impl_item(&mut self, lo: u32, doc: Option<Span>) -> PResult<&'a ImplItem<'a>> {
        self.advance();
        let first = self.ident("a type or interface name after 'impl'")?;
        let (interface, target) = if self.eat(Tok::For) { (Some(first), self.ident("a type name after 'for'")?) } else { (None, first) };
        self.expect(Tok::LBrace, "'{' to open the impl block")?;
        let mut methods = Vec::new();
        while !self.at(Tok::RBrace) {
            let mdoc = self.doc_here();
            let mlo = self.lo();
            if self.at_word("async") && self.nth(1) == Tok::Func {
                return self.fail(self.span_here(), "a method cannot be async");
            }
            if self.at_word("owning") && self.nth(1) == Tok::Func {
                return self.fail(self.span_here(), "a method cannot be owning; owning marks a top level func");
            }
            if !self.at(Tok::Func) {
                return self.fail(self.span_here(), "expected a method (func) in impl block");
            }
            let f = self.func(mlo, mdoc, Visibility::Private, false, false)?;
            methods.push(*f);
        }
        self.advance();
        Ok(self.alloc(ImplItem { span: self.span_from(lo), doc, interface, target, methods: self.slice(methods) }))
    }

    fn foreign_item(&mut self, lo: u32, exported: bool) -> PResult<&'a ForeignItem<'a>> {
        self.advance();
        if !self.at(Tok::Str) {
            return self.fail(self.span_here(), "expected a calling convention string after 'foreign', such as \"C\"");
        }
        let t = self.advance();
        let abi = self.str_arg(&t);
        self.expect(Tok::LBrace, "'{' to open the foreign block")?;
        let mut funcs = Vec::new();
        while !self.at(Tok::RBrace) {
            if !self.at(Tok::Func) {
                return self.fail(self.span_here(), "unexpected token in foreign block");
            }
            let fdoc = self.doc_here();
            let flo = self.lo();
            self.advance();
            let name = self.ident("a function name after 'func'")?;
            self.expect(Tok::LParen, "'(' to open the parameter list")?;
            let mut params = Vec::new();
            let mut variadic = false;
            while !self.at(Tok::RParen) {
                if self.at(Tok::Ellipsis) {
                    let sp = self.span_here();
                    self.advance();
                    variadic = true;
                    if !self.at(Tok::RParen) {
                        return self.fail(sp, "'...' must be the last parameter of a variadic foreign function");
                    }
                    break;
                }
                let plo = self.lo();
                let pname = self.ident("a parameter name")?;
                self.expect(Tok::Colon, "':' and the parameter type")?;
                let ty = self.parse_type()?;
                params.push(Param { span: self.span_from(plo), using: false, name: pname, ty });
                if !self.eat(Tok::Comma) {
                    break;
                }
            }
            self.expect(Tok::RParen, "')' to close the parameter list")?;
            self.expect(Tok::Arrow, "'->' and a return type")?;
            let ret = self.parse_type()?;
            funcs.push(ForeignFunc { span: self.span_from(flo), doc: fdoc, name, params: self.slice(params), variadic, ret });
            self.eat(Tok::Semi);
        }
        self.advance();
        Ok(self.alloc(ForeignItem { span: self.span_from(lo), exported, abi, funcs: self.slice(funcs) }))
    }

    fn monad_item(&mut self, lo: u32) -> PResult<&'a MonadItem<'a>> {
        self.advance();
        let name = self.ident("a monad name")?;
        self.expect(Tok::LBrace, "'{' to open the monad block")?;
        let mut funcs = Vec::new();
        while !self.at(Tok::RBrace) {
            let fdoc = self.doc_here();
            let flo = self.lo();
            let vis = if self.eat(Tok::Export) { Visibility::Export } else { Visibility::Private };
            if !self.at(Tok::Func) {
                return self.expected("a func in the monad block");
            }
            let f = self.func(flo, fdoc, vis, false, false)?;
            funcs.push(*f);
        }
        self.advance();
        let has = |n: &str| funcs.iter().any(|f| f.name.name == n);
        if !has("bind") || !has("unit") {
            self.error(name.span, "a monad block must define both 'bind' and 'unit'");
        }
        Ok(self.alloc(MonadItem { span: self.span_from(lo), name, funcs: self.slice(funcs) }))
    }

    // ------------------------------------------------------------------
    // Types

    /// Consumes a `>` closing type arguments, splitting `>>`, `>=`, `>>=`.
    fn expect_gt(&mut self, what: &str) -> PResult<()> {
        match self.kind() {
            Tok::Gt => {
                self.advance();
            }
            Tok::Shr => self.split_first(Tok::Gt),
            Tok::GtEq => self.split_first(Tok::Eq),
            Tok::ShrEq => self.split_first(Tok::GtEq),
            _ => return self.expected(what),
        }
        Ok(())
    }

    fn parse_type(&mut self) -> PResult<&'a Type<'a>> {
        self.enter(Nest::Type)?;
        let r = self.type_inner();
        self.leave(Nest::Type);
        r
    }

    fn type_inner(&mut self) -> PResult<&'a Type<'a>> {
        let lo = self.lo();
        match self.kind() {
            Tok::Star | Tok::StarStar => {
                if self.at(Tok::StarStar) {
                    self.split_first(Tok::Star);
                } else {
                    self.advance();
                }
                let raw = self.at_word("raw") && matches!(self.nth(1), Tok::Ident | Tok::Star | Tok::StarStar);
                if raw {
                    self.advance();
                }
                let inner = self.parse_type()?;
                let kind = if raw { TypeKind::RawPtr(inner) } else { TypeKind::Ptr(inner) };
                return Ok(self.ty(kind, self.span_from(lo)));
            }
            _ => {}
        }
        let mut t = self.base_type()?;
        // Suffixes apply left to right: int64[3][2] is 2 of int64[3].
        while self.at(Tok::LBracket) {
            self.advance();
            if self.eat(Tok::RBracket) {
                t = self.ty(TypeKind::Slice(t), self.span_from(lo));
                continue;
            }
            if !self.at(Tok::Int) {
                return self.expected("an integer length or ']' in the array type");
            }
            let n = self.advance();
            let len = match n.lit {
                Lit::Int(v, _) => v,
                _ => 0,
            };
            self.expect(Tok::RBracket, "']' after the array length")?;
            t = self.ty(TypeKind::Array { elem: t, len }, self.span_from(lo));
        }
        Ok(t)
    }

    fn base_type(&mut self) -> PResult<&'a Type<'a>> {
        let lo = self.lo();
        match self.kind() {
            Tok::LParen => {
                self.advance();
                let mut elems = Vec::new();
                let mut trailing_comma = false;
                while !self.at(Tok::RParen) {
                    elems.push(self.parse_type()?);
                    trailing_comma = false;
                    if !self.eat(Tok::Comma) {
                        break;
                    }
                    trailing_comma = true;
                }
                self.expect(Tok::RParen, "')' to close the type list")?;
                if self.at(Tok::Arrow) {
                    self.advance();
                    let ret = self.parse_type()?;
                    let params = self.slice(elems.into_iter().map(|t| *t).collect());
                    return Ok(self.ty(TypeKind::Func { params, ret }, self.span_from(lo)));
                }
                match elems.len() {
                    0 => Ok(self.ty(TypeKind::Unit, self.span_from(lo))),
                    1 if !trailing_comma => Ok(elems[0]),
                    _ => {
                        let elems = self.slice(elems.into_iter().map(|t| *t).collect());
                        Ok(self.ty(TypeKind::Tuple(elems), self.span_from(lo)))
                    }
                }
            }
            Tok::Ident => {
                let t = self.advance();
                let name = self.mk_ident(&t);
                if name.name == "void" {
                    return Ok(self.ty(TypeKind::Void, name.span));
                }
                if !self.at(Tok::Lt) {
                    return Ok(self.ty(TypeKind::Named { name, args: &[] }, name.span));
                }
                self.advance();
                let mut args = Vec::new();
                loop {
                    let a = self.parse_type()?;
                    args.push(*a);
                    if !self.eat(Tok::Comma) {
                        break;
                    }
                }
                self.expect_gt("'>' to close the type arguments")?;
                if name.name == "collector" {
                    if args.len() != 1 {
                        return self.fail(self.span_from(lo), "collector takes one element type: collector<T>");
                    }
                    let inner = self.alloc(args.pop().unwrap_or(Type { kind: TypeKind::Unit, span: name.span }));
                    return Ok(self.ty(TypeKind::Collector(inner), self.span_from(lo)));
                }
                Ok(self.ty(TypeKind::Named { name, args: self.slice(args) }, self.span_from(lo)))
            }
            _ => self.expected("a type"),
        }
    }

    // ------------------------------------------------------------------
    // Blocks and statements

    fn block(&mut self) -> PResult<&'a Block<'a>> {
        self.enter(Nest::Block)?;
        let r = self.block_inner();
        self.leave(Nest::Block);
        r
    }

    fn block_inner(&mut self) -> PResult<&'a Block<'a>> {
        let lo = self.lo();
        self.expect(Tok::LBrace, "'{' to open a block")?;
        let saved = std::mem::replace(&mut self.no_struct, false);
        let mut stmts = Vec::new();
        loop {
            if self.fatal {
                self.no_struct = saved;
                return Err(Fail);
            }
            match self.kind() {
                Tok::RBrace => break,
                Tok::Eof => {
                    self.no_struct = saved;
                    return self.expected("'}' to close the block");
                }
                _ => {}
            }
            let start = self.pos;
            match self.stmt() {
                Ok(Some(s)) => stmts.push(s),
                Ok(None) => {}
                Err(Fail) => self.recover_stmt(start),
            }
        }
        self.no_struct = saved;
        self.advance();
        Ok(self.alloc(Block { span: self.span_from(lo), stmts: self.slice(stmts) }))
    }

    /// After a failed statement: skip to the next line that starts at the
    /// statement's own brace depth, or to the `}` closing its block.
    fn recover_stmt(&mut self, start: usize) {
        let d0 = self.braces[start];
        if self.pos == start && !matches!(self.kind(), Tok::RBrace | Tok::Eof) {
            self.advance();
        }
        while !self.at(Tok::Eof) {
            let d = self.braces[self.pos];
            if d <= d0 && (self.at(Tok::RBrace) || self.nl_before()) {
                return;
            }
            self.advance();
        }
    }

    /// Skips a misplaced declaration: up to and including its `{ ... }`.
    fn skip_decl_block(&mut self) {
        while !matches!(self.kind(), Tok::LBrace | Tok::RBrace | Tok::Eof) {
            self.advance();
        }
        if !self.at(Tok::LBrace) {
            return;
        }
        let mut depth = 0;
        loop {
            match self.kind() {
                Tok::Eof => return,
                Tok::LBrace => depth += 1,
                Tok::RBrace => {
                    depth -= 1;
                    if depth == 0 {
                        self.advance();
                        return;
                    }
                }
                _ => {}
            }
            self.advance();
        }
    }

    /// One statement. `Ok(None)` for a skipped misplaced declaration.
    fn stmt(&mut self) -> PResult<Option<Stmt<'a>>> {
        let lo = self.lo();
        let kind = match self.kind() {
            Tok::Break => {
                self.advance();
                StmtKind::Break
            }
            Tok::Continue => {
                self.advance();
                StmtKind::Continue
            }
            Tok::Return => {
                self.advance();
                if matches!(self.kind(), Tok::RBrace | Tok::Eof) || self.nl_before() {
                    StmtKind::Return(None)
                } else {
                    StmtKind::Return(Some(self.await_or_expr()?))
                }
            }
            Tok::Defer => {
                self.advance();
                StmtKind::Defer(self.await_or_expr()?)
            }
            Tok::If => StmtKind::If(self.if_stmt()?),
            Tok::While => {
                self.advance();
                let cond = self.expr_no_struct()?;
                let body = self.block()?;
                StmtKind::While { cond, body }
            }
            Tok::For => {
                self.advance();
                let first = self.ident("a loop variable name after 'for'")?;
                let second = if self.eat(Tok::Comma) { Some(self.ident("a second loop variable name")?) } else { None };
                self.expect(Tok::In, "'in' after the loop variable")?;
                let iter = self.expr_no_struct()?;
                let body = self.block()?;
                StmtKind::For(self.alloc(ForStmt { first, second, iter, body }))
            }
            Tok::Match => {
                let m = self.match_expr()?;
                StmtKind::Match(m)
            }
            Tok::Do => match self.do_form(true)? {
                DoForm::While(body, cond) => StmtKind::DoWhile { body, cond },
                DoForm::Monadic(d) => StmtKind::Expr(self.expr(ExprKind::Do(d), d.span)),
            },
            Tok::Mut => {
                self.advance();
                if self.at_word("ref") && self.nth(1) == Tok::Ident {
                    return self.fail(self.span_here(), "'mut' and 'ref' do not combine; a binding is one or the other");
                }
                StmtKind::Let(self.binding(BindMode::Mut)?)
            }
            // `parallel { ... }`: a contextual keyword at statement start.
            Tok::Ident if self.at_word("parallel") && self.nth(1) == Tok::LBrace && !self.nth_tok(1).nl_before => {
                self.advance();
                StmtKind::Parallel(self.block()?)
            }
            Tok::Ident if self.at_word("ref") && self.nth(1) == Tok::Ident && !self.nth_tok(1).nl_before => {
                self.advance();
                StmtKind::Let(self.binding(BindMode::Ref)?)
            }
            Tok::Ident if matches!(self.nth(1), Tok::Colon | Tok::ColonEq | Tok::Comma) => {
                StmtKind::Let(self.binding(BindMode::Plain)?)
            }
            Tok::Struct | Tok::Enum | Tok::Interface | Tok::Impl | Tok::Func => {
                let what = match self.kind() {
                    Tok::Struct => "a struct",
                    Tok::Enum => "an enum",
                    Tok::Interface => "an interface",
                    Tok::Impl => "an impl block",
                    _ => "a func",
                };
                let sp = self.span_here();
                self.error(sp, format!("{} is declared at the top level, not inside a function body", what));
                self.skip_decl_block();
                return Ok(None);
            }
            _ => {
                let e = self.await_or_expr()?;
                self.after_expr_stmt(e)?
            }
        };
        Ok(Some(Stmt { kind, span: self.span_from(lo) }))
    }

    /// What follows an expression at statement start: an assignment, a
    /// compound assignment, `++`/`--`, or nothing (an expression statement).
    fn after_expr_stmt(&mut self, e: &'a Expr<'a>) -> PResult<StmtKind<'a>> {
        let k = self.kind();
        let is_assign = k == Tok::Eq || compound_op(k).is_some();
        let is_incdec = matches!(k, Tok::PlusPlus | Tok::MinusMinus) && !self.nl_before();
        if (is_assign || is_incdec) && !e.is_place() {
            return self.fail(e.span, "the left side of an assignment must be a place: a name, a field, an index, or a dereference");
        }
        if k == Tok::Eq {
            self.advance();
            let value = self.await_or_expr()?;
            return Ok(StmtKind::Assign { place: e, value });
        }
        if let Some(op) = compound_op(k) {
            self.advance();
            let value = self.expr_top()?;
            return Ok(StmtKind::CompoundAssign { op, place: e, value });
        }
        if is_incdec {
            self.advance();
            return Ok(StmtKind::IncDec { place: e, inc: k == Tok::PlusPlus });
        }
        Ok(StmtKind::Expr(e))
    }

    /// `name [: T] (, name [: T])* (:= | =) value`, after any `mut`/`ref`.
    fn binding(&mut self, mode: BindMode) -> PResult<&'a Binding<'a>> {
        let mut names = Vec::new();
        loop {
            let name = self.ident("a binding name")?;
            let ty = if self.eat(Tok::Colon) { Some(self.parse_type()?) } else { None };
            names.push(BindName { name, ty });
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        let walrus = match self.kind() {
            Tok::ColonEq => true,
            Tok::Eq => {
                if let Some(n) = names.iter().find(|n| n.ty.is_none()) {
                    let sp = n.name.span;
                    return self.fail(sp, "destructuring binding needs ':=' or a type on each name");
                }
                false
            }
            _ => return self.expected("':=' or '=' in the binding"),
        };
        self.advance();
        let value = self.await_or_expr()?;
        Ok(self.alloc(Binding { mode, names: self.slice(names), walrus, value }))
    }

    /// `await` at the head of an expression is the await statement form.
    fn at_await(&self) -> bool {
        self.at_word("await") && {
            let next = self.nth_tok(1);
            !next.nl_before && next.kind != Tok::LParen && starts_expr(next.kind)
        }
    }

    /// An expression in a statement position where `await e` is allowed.
    fn await_or_expr(&mut self) -> PResult<&'a Expr<'a>> {
        if self.at_await() {
            let lo = self.lo();
            self.advance();
            let operand = self.expr_top()?;
            return Ok(self.expr(ExprKind::Await(operand), self.span_from(lo)));
        }
        self.expr_top()
    }

    fn if_stmt(&mut self) -> PResult<&'a IfStmt<'a>> {
        let lo = self.lo();
        self.expect(Tok::If, "'if'")?;
        let cond = self.expr_no_struct()?;
        let then = self.block()?;
        let els = if self.eat(Tok::Else) {
            if self.at(Tok::If) {
                // An else-if chain nests, so it counts against the limit.
                self.enter(Nest::Block)?;
                let r = self.if_stmt();
                self.leave(Nest::Block);
                Some(Else::If(r?))
            } else {
                Some(Else::Block(self.block()?))
            }
        } else {
            None
        };
        Ok(self.alloc(IfStmt { span: self.span_from(lo), cond, then, els }))
    }

    /// `do [M] { ... }` and, when `stmt`, `do { ... } while cond`.
    fn do_form(&mut self, stmt: bool) -> PResult<DoForm<'a>> {
        self.enter(Nest::Block)?;
        let r = self.do_inner(stmt);
        self.leave(Nest::Block);
        r
    }

    fn do_inner(&mut self, stmt: bool) -> PResult<DoForm<'a>> {
        let lo = self.lo();
        self.expect(Tok::Do, "'do'")?;
        let monad = if self.at(Tok::Ident) { Some(self.ident("a monad name")?) } else { None };
        let blo = self.lo();
        self.expect(Tok::LBrace, "'{' to open the do block")?;
        let saved = std::mem::replace(&mut self.no_struct, false);
        let mut elems = Vec::new();
        while !self.at(Tok::RBrace) {
            if self.at(Tok::Eof) || self.fatal {
                self.no_struct = saved;
                return self.expected("'}' to close the do block");
            }
            let elo = self.lo();
            if self.at(Tok::Ident) && self.nth(1) == Tok::LArrow {
                let name = self.ident("a name")?;
                self.advance();
                let value = self.expr_top()?;
                elems.push(RawDoElem::Bind(self.span_from(elo), name, value));
                continue;
            }
            let start = self.pos;
            match self.stmt() {
                Ok(Some(s)) => elems.push(RawDoElem::Stmt(s)),
                Ok(None) => {}
                Err(Fail) => {
                    self.no_struct = saved;
                    self.recover_stmt(start);
                    if self.fatal {
                        return Err(Fail);
                    }
                }
            }
        }
        self.no_struct = saved;
        self.advance();
        let body_span = self.span_from(blo);
        let is_while = stmt && self.at(Tok::While) && !self.nl_before();
        if is_while {
            if let Some(m) = monad {
                return self.fail(m.span, "a 'do while' loop takes no monad name");
            }
            self.advance();
            let mut stmts = Vec::new();
            for e in elems {
                match e {
                    RawDoElem::Bind(sp, _, _) => {
                        return self.fail(sp, "monadic bind '<-' is not allowed in a do while loop");
                    }
                    RawDoElem::Stmt(s) => stmts.push(s),
                }
            }
            let body = self.alloc(Block { span: body_span, stmts: self.slice(stmts) });
            let cond = self.expr_no_struct()?;
            return Ok(DoForm::While(body, cond));
        }
        let mut out = Vec::new();
        let n = elems.len();
        for (i, e) in elems.into_iter().enumerate() {
            match e {
                RawDoElem::Bind(span, name, value) => {
                    if i + 1 == n {
                        return self.fail(span, "a do block must end in an expression, not a 'x <- e' bind");
                    }
                    out.push(DoElem::Bind { span, name, value });
                }
                RawDoElem::Stmt(Stmt { kind: StmtKind::Expr(e), .. }) => out.push(DoElem::Expr(e)),
                RawDoElem::Stmt(s) => {
                    return self.fail(s.span, "do notation allows only 'x <- e' binds and a final expression");
                }
            }
        }
        Ok(DoForm::Monadic(self.alloc(DoBlock { span: self.span_from(lo), monad, elems: self.slice(out) })))
    }

    // ------------------------------------------------------------------
    // Expressions

    /// A full expression with struct literals enabled.
    fn expr_top(&mut self) -> PResult<&'a Expr<'a>> {
        let saved = std::mem::replace(&mut self.no_struct, false);
        let r = self.expr_any();
        self.no_struct = saved;
        r
    }

    /// A full expression with struct literals disabled (a statement head).
    fn expr_no_struct(&mut self) -> PResult<&'a Expr<'a>> {
        let saved = std::mem::replace(&mut self.no_struct, true);
        let r = self.expr_any();
        self.no_struct = saved;
        r
    }

    /// Range := Pipe [('..' | '..=') Pipe]
    fn expr_any(&mut self) -> PResult<&'a Expr<'a>> {
        self.enter(Nest::Expr)?;
        let r = self.range();
        self.leave(Nest::Expr);
        r
    }

    fn range(&mut self) -> PResult<&'a Expr<'a>> {
        let lo = self.lo();
        let lhs = self.pipe()?;
        if matches!(self.kind(), Tok::DotDot | Tok::DotDotEq) && !self.nl_before() {
            let inclusive = self.advance().kind == Tok::DotDotEq;
            let hi = self.pipe()?;
            return Ok(self.expr(ExprKind::Range { lo: lhs, hi, inclusive }, self.span_from(lo)));
        }
        Ok(lhs)
    }

    /// Pipe := Bin ('|>' Bin)*, rewritten into calls as it is read.
    fn pipe(&mut self) -> PResult<&'a Expr<'a>> {
        let lo = self.lo();
        let mut lhs = self.binary(3)?;
        while self.at(Tok::PipeGt) && !self.nl_before() {
            self.advance();
            let rhs = self.binary(3)?;
            let span = self.span_from(lo);
            lhs = match &rhs.kind {
                ExprKind::Call { callee, args } => {
                    let mut v = vec![*lhs];
                    v.extend(args.iter().map(|a| *a));
                    self.expr(ExprKind::Call { callee, args: self.slice(v) }, span)
                }
                ExprKind::Name(_) | ExprKind::Field { .. } => {
                    let args = self.slice(vec![*lhs]);
                    self.expr(ExprKind::Call { callee: rhs, args }, span)
                }
                _ => return self.fail(rhs.span, "the right side of '|>' must be a function name or call"),
            };
        }
        Ok(lhs)
    }

    /// Precedence climbing over levels 3 (`||`) to 12 (`**`).
    fn binary(&mut self, min: u8) -> PResult<&'a Expr<'a>> {
        let lo = self.lo();
        let mut lhs = self.unary()?;
        let mut last_cmp = false;
        while let Some((op, level)) = binop(self.kind()) {
            if self.nl_before() || level < min {
                break;
            }
            if op.is_comparison() && last_cmp {
                return self.fail(self.span_here(), "comparison operators cannot be chained");
            }
            self.advance();
            // `**` is right associative; everything else is left.
            let rhs = if op == BinOp::Pow { self.binary_nested(level)? } else { self.binary_nested(level + 1)? };
            lhs = self.expr(ExprKind::Binary { op, lhs, rhs }, self.span_from(lo));
            last_cmp = op.is_comparison();
        }
        Ok(lhs)
    }

    fn binary_nested(&mut self, min: u8) -> PResult<&'a Expr<'a>> {
        self.enter(Nest::Expr)?;
        let r = self.binary(min);
        self.leave(Nest::Expr);
        r
    }

    fn unary(&mut self) -> PResult<&'a Expr<'a>> {
        let lo = self.lo();
        let op = match self.kind() {
            Tok::Minus => UnOp::Neg,
            Tok::Bang => UnOp::Not,
            Tok::Tilde => UnOp::BitNot,
            Tok::Star | Tok::StarStar => UnOp::Deref,
            _ => return self.postfix(),
        };
        if self.at(Tok::StarStar) {
            self.split_first(Tok::Star);
        } else {
            self.advance();
        }
        self.enter(Nest::Expr)?;
        let operand = self.unary();
        self.leave(Nest::Expr);
        let operand = operand?;
        Ok(self.expr(ExprKind::Unary { op, operand }, self.span_from(lo)))
    }

    fn postfix(&mut self) -> PResult<&'a Expr<'a>> {
        let lo = self.lo();
        let mut e = self.primary()?;
        loop {
            if self.nl_before() {
                break;
            }
            match self.kind() {
                Tok::LParen => {
                    self.advance();
                    let args = self.expr_list(Tok::RParen, "')' to close the argument list")?;
                    e = self.expr(ExprKind::Call { callee: e, args }, self.span_from(lo));
                }
                Tok::LBracket => {
                    self.advance();
                    let index = self.expr_top()?;
                    self.expect(Tok::RBracket, "']' to close the index")?;
                    e = self.expr(ExprKind::Index { base: e, index }, self.span_from(lo));
                }
                Tok::Dot => {
                    self.advance();
                    let name = self.ident("a field name after '.'")?;
                    e = self.expr(ExprKind::Field { base: e, name }, self.span_from(lo));
                }
                _ => break,
            }
        }
        Ok(e)
    }

    /// Comma-separated expressions up to `close` (trailing comma allowed);
    /// struct literals are enabled inside.
    fn expr_list(&mut self, close: Tok, closer: &str) -> PResult<&'a [Expr<'a>]> {
        let mut v = Vec::new();
        while !self.at(close) {
            let e = self.expr_top()?;
            v.push(*e);
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        self.expect(close, closer)?;
        Ok(self.slice(v))
    }

    fn primary(&mut self) -> PResult<&'a Expr<'a>> {
        let lo = self.lo();
        let here = self.span_here();
        match self.kind() {
            Tok::Int => {
                let t = self.advance();
                let (value, suffix) = match t.lit {
                    Lit::Int(v, s) => (v, s),
                    _ => (0, None),
                };
                Ok(self.expr(ExprKind::Int { value, suffix }, here))
            }
            Tok::Float => {
                let t = self.advance();
                let (value, suffix) = match t.lit {
                    Lit::Float(v, s) => (v, s),
                    _ => (0.0, None),
                };
                Ok(self.expr(ExprKind::Float { value, suffix }, here))
            }
            Tok::Str => {
                let t = self.advance();
                let (bytes, braces) = match t.lit {
                    Lit::Str(b, br) => (b, br),
                    _ => (Vec::new(), Vec::new()),
                };
                let lit = self.alloc(StrLit {
                    bytes: self.arena.alloc_slice_copy(&bytes),
                    escaped_braces: self.arena.alloc_slice_copy(&braces),
                });
                Ok(self.expr(ExprKind::Str(lit), here))
            }
            Tok::FStr => {
                let t = self.advance();
                let pieces = match t.lit {
                    Lit::FStr(p) => p,
                    _ => Vec::new(),
                };
                let parts = self.fstring_parts(pieces)?;
                Ok(self.expr(ExprKind::FStr(parts), here))
            }
            Tok::Char => {
                let t = self.advance();
                let v = if let Lit::Char(c) = t.lit { c } else { 0 };
                Ok(self.expr(ExprKind::Char(v), here))
            }
            Tok::Rune => {
                let t = self.advance();
                let v = if let Lit::Rune(c) = t.lit { c } else { 0 };
                Ok(self.expr(ExprKind::Rune(v), here))
            }
            Tok::True | Tok::False => {
                let v = self.advance().kind == Tok::True;
                Ok(self.expr(ExprKind::Bool(v), here))
            }
            Tok::Lambda => {
                self.advance();
                let params = self.params()?;
                self.expect(Tok::Arrow, "'->' and the lambda's return type")?;
                let ret = self.parse_type()?;
                let body = self.block()?;
                let l = self.alloc(Lambda { span: self.span_from(lo), params, ret, body });
                Ok(self.expr(ExprKind::Lambda(l), self.span_from(lo)))
            }
            Tok::Match => {
                let m = self.match_expr()?;
                Ok(self.expr(ExprKind::Match(m), m.span))
            }
            Tok::Do => match self.do_form(false)? {
                DoForm::Monadic(d) => Ok(self.expr(ExprKind::Do(d), d.span)),
                DoForm::While(..) => self.fail(here, "a do while loop is a statement, not a value"),
            },
            Tok::LBracket => {
                self.advance();
                let elems = self.expr_list(Tok::RBracket, "']' to close the array literal")?;
                Ok(self.expr(ExprKind::Array(elems), self.span_from(lo)))
            }
            Tok::LParen => {
                self.advance();
                if self.eat(Tok::RParen) {
                    return Ok(self.expr(ExprKind::Unit, self.span_from(lo)));
                }
                let first = self.expr_top()?;
                if self.eat(Tok::RParen) {
                    return Ok(self.expr(ExprKind::Paren(first), self.span_from(lo)));
                }
                self.expect(Tok::Comma, "')' or ',' in the parenthesized expression")?;
                let rest = self.expr_list(Tok::RParen, "')' to close the tuple")?;
                let mut v = vec![*first];
                v.extend(rest.iter().map(|e| *e));
                Ok(self.expr(ExprKind::Tuple(self.slice(v)), self.span_from(lo)))
            }
            Tok::Ident => {
                if self.at_word("await") && self.at_await() {
                    return self.fail(here, AWAIT_MID_EXPR);
                }
                if self.at_word("collector") && self.collector_mint_ahead() {
                    return self.collector_mint();
                }
                let t = self.advance();
                let name = self.mk_ident(&t);
                if !self.no_struct && self.at(Tok::LBrace) && self.struct_lit_ahead() {
                    return self.struct_lit(name);
                }
                Ok(self.expr(ExprKind::Name(name), here))
            }
            _ => self.expected("an expression"),
        }
    }

    /// After `Name`, at `{`: `{ }` or `{ ident :` opens a struct literal.
    fn struct_lit_ahead(&self) -> bool {
        match self.nth(1) {
            Tok::RBrace => true,
            Tok::Ident => self.nth(2) == Tok::Colon,
            _ => false,
        }
    }

    fn struct_lit(&mut self, name: Ident<'a>) -> PResult<&'a Expr<'a>> {
        self.advance(); // '{'
        let mut fields = Vec::new();
        while !self.at(Tok::RBrace) {
            let flo = self.lo();
            let fname = self.ident("a field name in the struct literal")?;
            self.expect(Tok::Colon, "':' after the field name")?;
            let value = self.expr_top()?;
            fields.push(FieldInit { span: self.span_from(flo), name: fname, value });
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        self.expect(Tok::RBrace, "'}' to close the struct literal")?;
        Ok(self.expr(ExprKind::StructLit { name, fields: self.slice(fields) }, self.span_from(name.span.lo)))
    }

    /// At `collector`: is this `collector<T>(...)`? Scans the angle brackets
    /// without consuming, accepting only tokens that can appear in a type,
    /// so `collector < n` stays a comparison.
    fn collector_mint_ahead(&self) -> bool {
        if self.nth(1) != Tok::Lt {
            return false;
        }
        let mut depth: i32 = 0;
        let mut i = 1;
        loop {
            let t = self.nth_tok(i);
            if i > 1 && t.nl_before {
                return false;
            }
            match t.kind {
                Tok::Lt => depth += 1,
                Tok::Gt => depth -= 1,
                Tok::Shr => depth -= 2,
                Tok::Ident | Tok::Star | Tok::StarStar | Tok::LBracket | Tok::RBracket | Tok::Int | Tok::LParen
                | Tok::RParen | Tok::Comma | Tok::Arrow => {}
                _ => return false,
            }
            i += 1;
            if depth <= 0 {
                return depth == 0 && self.nth(i) == Tok::LParen;
            }
        }
    }

    fn collector_mint(&mut self) -> PResult<&'a Expr<'a>> {
        let lo = self.lo();
        self.advance(); // collector
        self.advance(); // <
        let ty = self.parse_type()?;
        if self.at(Tok::Comma) {
            return self.fail(self.span_here(), "collector takes one element type: collector<T>");
        }
        self.expect_gt("'>' after the collector element type")?;
        self.expect(Tok::LParen, "'(' and the collected value")?;
        let args = self.expr_list(Tok::RParen, "')' after the collected value")?;
        if args.len() != 1 {
            return self.fail(self.span_from(lo), "collector takes one value: collector<T>(value)");
        }
        let value = self.alloc(args[0]);
        Ok(self.expr(ExprKind::Collector { ty, value }, self.span_from(lo)))
    }

    /// Parses each hole of an f-string from its source range.
    fn fstring_parts(&mut self, pieces: Vec<FPiece>) -> PResult<&'a [FStrPart<'a>]> {
        let mut parts = Vec::new();
        for p in pieces {
            match p {
                FPiece::Text(t) => parts.push(FStrPart::Text(self.arena.alloc_slice_copy(&t))),
                FPiece::Hole { lo, hi } => {
                    let sub = lex(self.file, self.src, lo as usize, hi as usize, self.diags);
                    let saved_braces = std::mem::replace(&mut self.braces, brace_depths(&sub.tokens));
                    let saved_toks = std::mem::replace(&mut self.toks, sub.tokens);
                    let saved_pos = std::mem::replace(&mut self.pos, 0);
                    let saved_hi = self.prev_hi;
                    let r = self.expr_top().and_then(|e| {
                        if self.at(Tok::Eof) {
                            Ok(e)
                        } else {
                            self.expected("'}' to close the interpolation hole")
                        }
                    });
                    self.toks = saved_toks;
                    self.braces = saved_braces;
                    self.pos = saved_pos;
                    self.prev_hi = saved_hi;
                    parts.push(FStrPart::Hole(r?));
                }
            }
        }
        Ok(self.slice(parts))
    }

    /// `match scrutinee { Pat => body, ... }`.
    fn match_expr(&mut self) -> PResult<&'a Match<'a>> {
        let lo = self.lo();
        self.expect(Tok::Match, "'match'")?;
        let scrutinee = self.expr_no_struct()?;
        self.expect(Tok::LBrace, "'{' to open the match arms")?;
        let saved = std::mem::replace(&mut self.no_struct, false);
        let r = self.arms();
        self.no_struct = saved;
        let arms = r?;
        Ok(self.alloc(Match { span: self.span_from(lo), scrutinee, arms }))
    }

    fn arms(&mut self) -> PResult<&'a [Arm<'a>]> {
        let mut arms = Vec::new();
        while !self.at(Tok::RBrace) {
            let lo = self.lo();
            let pat = self.pattern()?;
            self.expect(Tok::FatArrow, "'=>' after the match pattern")?;
            let body = if self.at(Tok::LBrace) {
                let b = self.block()?;
                self.eat(Tok::Comma);
                ArmBody::Block(b)
            } else {
                let body = if self.at(Tok::Return) {
                    self.advance();
                    if matches!(self.kind(), Tok::Comma | Tok::RBrace) || self.nl_before() {
                        ArmBody::Return(None)
                    } else {
                        ArmBody::Return(Some(self.await_or_expr()?))
                    }
                } else {
                    ArmBody::Expr(self.expr_top()?)
                };
                if !self.eat(Tok::Comma) && !self.at(Tok::RBrace) {
                    return self.expected("',' or '}' after the match arm");
                }
                body
            };
            arms.push(Arm { span: self.span_from(lo), pat, body });
        }
        self.advance();
        Ok(self.slice(arms))
    }

    fn pattern(&mut self) -> PResult<Pattern<'a>> {
        let lo = self.lo();
        let name = self.ident("a pattern (a variant, a name, or '_')")?;
        if name.name == "_" {
            return Ok(Pattern { kind: PatKind::Wildcard, span: name.span });
        }
        if !self.eat(Tok::LParen) {
            return Ok(Pattern { kind: PatKind::Name(name), span: name.span });
        }
        let mut binders = Vec::new();
        while !self.at(Tok::RParen) {
            binders.push(self.ident("a binder name in the variant pattern")?);
            if !self.eat(Tok::Comma) {
                break;
            }
        }
        self.expect(Tok::RParen, "')' to close the variant pattern")?;
        Ok(Pattern { kind: PatKind::Variant { name, binders: self.slice(binders) }, span: self.span_from(lo) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_src(src: &str) -> (String, Vec<String>) {
        let arena = Bump::new();
        let mut d = Diagnostics::new();
        let f = parse_file(&arena, FileId(0), src, &mut d);
        let mut out = String::new();
        for it in f.items {
            if let Item::Func(func) = it {
                for s in func.body.stmts {
                    out.push_str(&show_stmt(s));
                    out.push('\n');
                }
            }
        }
        (out, d.iter().map(|d| d.message.clone()).collect())
    }

    /// Parses statements inside `func main() -> void { ... }` and shows them.
    fn body(src: &str) -> String {
        let (out, errs) = parse_src(&format!("func main() -> void {{\n{}\n}}\n", src));
        assert!(errs.is_empty(), "unexpected errors {:?} for {}", errs, src);
        out.trim_end().to_string()
    }

    fn body_errs(src: &str) -> Vec<String> {
        parse_src(&format!("func main() -> void {{\n{}\n}}\n", src)).1
    }

    fn file_errs(src: &str) -> Vec<String> {
        parse_src(src).1
    }

    fn show_ty(t: &Type) -> String {
        match &t.kind {
            TypeKind::Named { name, args } if args.is_empty() => name.name.to_string(),
            TypeKind::Named { name, args } => {
                format!("{}<{}>", name.name, args.iter().map(show_ty).collect::<Vec<_>>().join(","))
            }
            TypeKind::Ptr(x) => format!("*{}", show_ty(x)),
            TypeKind::RawPtr(x) => format!("*raw {}", show_ty(x)),
            TypeKind::Slice(x) => format!("{}[]", show_ty(x)),
            TypeKind::Array { elem, len } => format!("{}[{}]", show_ty(elem), len),
            TypeKind::Tuple(x) => format!("({})", x.iter().map(show_ty).collect::<Vec<_>>().join(",")),
            TypeKind::Func { params, ret } => {
                format!("fn({})->{}", params.iter().map(show_ty).collect::<Vec<_>>().join(","), show_ty(ret))
            }
            TypeKind::Void => "void".into(),
            TypeKind::Unit => "()".into(),
            TypeKind::Collector(x) => format!("collector<{}>", show_ty(x)),
            TypeKind::Infer => "?".into(),
        }
    }

    fn show(e: &Expr) -> String {
        use ExprKind as K;
        let list = |v: &[Expr]| v.iter().map(show).collect::<Vec<_>>().join(" ");
        match &e.kind {
            K::Int { value, suffix } => format!("{}{}", value, suffix.map(|s| s.type_name()).unwrap_or("")),
            K::Float { value, .. } => format!("{:?}", value),
            K::Str(s) => format!("{:?}", String::from_utf8_lossy(s.bytes)),
            K::FStr(p) => {
                let parts: Vec<String> = p
                    .iter()
                    .map(|p| match p {
                        FStrPart::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                        FStrPart::Hole(e) => show(e),
                    })
                    .collect();
                format!("(f {})", parts.join(" "))
            }
            K::Char(c) => format!("'{}'", *c as char),
            K::Rune(r) => format!("r{}", r),
            K::Bool(b) => b.to_string(),
            K::Name(n) => n.name.to_string(),
            K::Unary { op, operand } => format!("({:?} {})", op, show(operand)),
            K::Binary { op, lhs, rhs } => format!("({} {} {})", op.symbol(), show(lhs), show(rhs)),
            K::Range { lo, hi, inclusive } => format!("({} {} {})", if *inclusive { "..=" } else { ".." }, show(lo), show(hi)),
            K::Call { callee, args } => format!("(call {} {})", show(callee), list(args)).replace(" )", ")"),
            K::Index { base, index } => format!("(index {} {})", show(base), show(index)),
            K::Field { base, name } => format!("(. {} {})", show(base), name.name),
            K::StructLit { name, fields } => format!(
                "(struct {}{})",
                name.name,
                fields.iter().map(|f| format!(" {}:{}", f.name.name, show(f.value))).collect::<String>()
            ),
            K::Array(v) => format!("[{}]", list(v)),
            K::Tuple(v) => format!("(tuple {})", list(v)),
            K::Unit => "()".into(),
            K::Paren(x) => format!("(paren {})", show(x)),
            K::Lambda(l) => format!("(lambda {} -> {})", l.params.len(), show_ty(l.ret)),
            K::Match(m) => format!("(match {} {})", show(m.scrutinee), m.arms.len()),
            K::Do(d) => format!("(do {} {})", d.monad.map(|m| m.name).unwrap_or("-"), d.elems.len()),
            K::Collector { ty, value } => format!("(collector {} {})", show_ty(ty), show(value)),
            K::Await(x) => format!("(await {})", show(x)),
        }
    }

    fn show_stmt(s: &Stmt) -> String {
        match &s.kind {
            StmtKind::Let(b) => {
                let names: Vec<String> = b
                    .names
                    .iter()
                    .map(|n| match n.ty {
                        Some(t) => format!("{}:{}", n.name.name, show_ty(t)),
                        None => n.name.name.to_string(),
                    })
                    .collect();
                format!("(let {:?} {} {} {})", b.mode, names.join(","), if b.walrus { ":=" } else { "=" }, show(b.value))
            }
            StmtKind::Assign { place, value } => format!("(= {} {})", show(place), show(value)),
            StmtKind::CompoundAssign { op, place, value } => format!("({}= {} {})", op.symbol(), show(place), show(value)),
            StmtKind::IncDec { place, inc } => format!("({} {})", if *inc { "++" } else { "--" }, show(place)),
            StmtKind::If(i) => format!("(if {} {})", show(i.cond), i.then.stmts.len()),
            StmtKind::While { cond, body } => format!("(while {} {})", show(cond), body.stmts.len()),
            StmtKind::DoWhile { body, cond } => format!("(dowhile {} {})", body.stmts.len(), show(cond)),
            StmtKind::For(f) => format!(
                "(for {}{} {} {})",
                f.first.name,
                f.second.map(|s| format!(",{}", s.name)).unwrap_or_default(),
                show(f.iter),
                f.body.stmts.len()
            ),
            StmtKind::Match(m) => format!("(matchstmt {} {})", show(m.scrutinee), m.arms.len()),
            StmtKind::Return(e) => format!("(return{})", e.map(|e| format!(" {}", show(e))).unwrap_or_default()),
            StmtKind::Break => "(break)".into(),
            StmtKind::Continue => "(continue)".into(),
            StmtKind::Defer(e) => format!("(defer {})", show(e)),
            StmtKind::Parallel(b) => format!("(parallel {})", b.stmts.len()),
            StmtKind::Expr(e) => show(e),
        }
    }

    #[test]
    fn precedence_ladder() {
        assert_eq!(body("x := 1 + 2 << 3"), "(let Plain x := (<< (+ 1 2) 3))");
        assert_eq!(body("x := 1 << 2 + 3"), "(let Plain x := (<< 1 (+ 2 3)))");
        assert_eq!(body("x := 4 | 2 ^ 3 & 1"), "(let Plain x := (| 4 (^ 2 (& 3 1))))");
        assert_eq!(body("x := 2 * 3 ** 2"), "(let Plain x := (* 2 (** 3 2)))");
        assert_eq!(body("x := 2 ** 3 ** 2"), "(let Plain x := (** 2 (** 3 2)))");
        assert_eq!(body("x := -2 ** 2"), "(let Plain x := (** (Neg 2) 2))");
        assert_eq!(body("x := 7 & 1 + 1"), "(let Plain x := (& 7 (+ 1 1)))");
        assert_eq!(body("x := a || b && c == d"), "(let Plain x := (|| a (&& b (== c d))))");
        assert_eq!(body("x := a - b - c"), "(let Plain x := (- (- a b) c))");
        assert_eq!(body("x := **p"), "(let Plain x := (Deref (Deref p)))");
        assert_eq!(body("x := !f(1)[2].y"), "(let Plain x := (Not (. (index (call f 1) 2) y)))");
        assert_eq!(body_errs("x := a < b < c"), vec!["comparison operators cannot be chained"]);
        assert_eq!(body("x := (a < b) == c"), "(let Plain x := (== (paren (< a b)) c))");
    }

    #[test]
    fn ranges_and_pipes() {
        assert_eq!(body("s := xs[1..3]"), "(let Plain s := (index xs (.. 1 3)))");
        assert_eq!(body("s := xs[i..=j + 1]"), "(let Plain s := (index xs (..= i (+ j 1))))");
        assert_eq!(body("y := x |> f(a) |> g"), "(let Plain y := (call g (call f x a)))");
        assert_eq!(body("y := x |> m.f(a)"), "(let Plain y := (call (. m f) x a))");
        assert_eq!(body_errs("y := x |> 3"), vec!["the right side of '|>' must be a function name or call"]);
    }

    #[test]
    fn newline_rule() {
        assert_eq!(body("x := a\n-b"), "(let Plain x := a)\n(Neg b)");
        assert_eq!(body("x := a -\nb"), "(let Plain x := (- a b))");
        assert_eq!(body("f\n(1)"), "f\n(paren 1)");
        assert_eq!(body_errs("x := a /* \n */ + b"), vec!["expected an expression, found Plus"]);
        assert_eq!(body("x := a /* */ + b"), "(let Plain x := (+ a b))");
        assert_eq!(body_errs("x := 1\n++"), vec!["expected an expression, found PlusPlus"]);
        assert_eq!(body("i++\nj--"), "(++ i)\n(-- j)");
        assert_eq!(body("return\nx := 1"), "(return)\n(let Plain x := 1)");
    }

    #[test]
    fn statements() {
        assert_eq!(body("mut x: int64 = 5"), "(let Mut x:int64 = 5)");
        assert_eq!(body("ref r := v"), "(let Ref r := v)");
        assert_eq!(body("ref := 1"), "(let Plain ref := 1)");
        assert_eq!(body("q, e := divide(7, 2)"), "(let Plain q,e := (call divide 7 2))");
        assert_eq!(body("a: int64, b: error = f()"), "(let Plain a:int64,b:error = (call f))");
        assert_eq!(body_errs("a, b = f()"), vec!["destructuring binding needs ':=' or a type on each name"]);
        assert_eq!(body("(*p).a = 1"), "(= (. (paren (Deref p)) a) 1)");
        assert_eq!(body("xs[i] += 2"), "(+= (index xs i) 2)");
        assert_eq!(body("x <<= 1"), "(<<= x 1)");
        assert_eq!(
            body_errs("f() = 1"),
            vec!["the left side of an assignment must be a place: a name, a field, an index, or a dereference"]
        );
        assert!(!body_errs("xs[0..2] = ys").is_empty());
        assert_eq!(body("if x { } else if y { a() } else { }"), "(if x 0)");
        assert_eq!(body("while i < n { i++ }"), "(while (< i n) 1)");
        assert_eq!(body("do { i++ } while i < 3"), "(dowhile 1 (< i 3))");
        assert_eq!(body("for k, v in m { }"), "(for k,v m 0)");
        assert_eq!(body("for x in xs { println(x) }"), "(for x xs 1)");
        assert_eq!(body("match s { A => 1, B(x) => { }, _ => return }"), "(matchstmt s 3)");
        assert_eq!(body("defer free(p)"), "(defer (call free p))");
        assert_eq!(body("break\ncontinue"), "(break)\n(continue)");
        assert_eq!(body("return (0, error {})"), "(return (tuple 0 (struct error)))");
    }

    #[test]
    fn struct_literals_off_in_heads() {
        assert_eq!(body("if x { y() }"), "(if x 1)");
        assert_eq!(body("p := Point { x: 1, y: f(2) }"), "(let Plain p := (struct Point x:1 y:(call f 2)))");
        assert_eq!(body("if ok(Point { x: 1 }) { }"), "(if (call ok (struct Point x:1)) 0)");
        assert_eq!(body("match v { A => Point { x: 1 }, B => Point {} }"), "(matchstmt v 2)");
    }

    #[test]
    fn await_forms() {
        assert_eq!(body("v, e := await f"), "(let Plain v,e := (await f))");
        assert_eq!(body("await f"), "(await f)");
        assert_eq!(body("return await g(1)"), "(return (await (call g 1)))");
        assert_eq!(body("await(f)"), "(call await f)");
        assert_eq!(body("await := 3"), "(let Plain await := 3)");
        assert_eq!(
            body_errs("x := 1 + await f"),
            vec!["'await' cannot appear mid-expression; give the awaited value a name, as in v, e := await f"]
        );
    }

    #[test]
    fn types() {
        assert_eq!(body("x: Map<string, Vector<int64>> = m"), "(let Plain x:Map<string,Vector<int64>> = m)");
        assert_eq!(body("x: Vector<Vector<int64>>= m"), "(let Plain x:Vector<Vector<int64>> = m)");
        assert_eq!(body("x: **int64 = p"), "(let Plain x:**int64 = p)");
        assert_eq!(body("x: *raw int8 = p"), "(let Plain x:*raw int8 = p)");
        assert_eq!(body("x: *raw = p"), "(let Plain x:*raw = p)");
        assert_eq!(body("x: int64[3][2] = p"), "(let Plain x:int64[3][2] = p)");
        assert_eq!(body("x: *int64[] = p"), "(let Plain x:*int64[] = p)");
        assert_eq!(body("x: (int64, error) = p"), "(let Plain x:(int64,error) = p)");
        assert_eq!(body("f: (int64, int64) -> bool = p"), "(let Plain f:fn(int64,int64)->bool = p)");
        assert_eq!(body("f: () -> void = p"), "(let Plain f:fn()->void = p)");
        assert_eq!(body("c: collector<Node> = p"), "(let Plain c:collector<Node> = p)");
        assert_eq!(body("u: () = p"), "(let Plain u:() = p)");
    }

    #[test]
    fn literals_and_collector() {
        assert_eq!(body("x := collector<Node>(Node { v: 1 })"), "(let Plain x := (collector Node (struct Node v:1)))");
        assert_eq!(body("b := collector < n"), "(let Plain b := (< collector n))");
        assert_eq!(body("s := f\"a{x + 1}b\""), "(let Plain s := (f \"a\" (+ x 1) \"b\"))");
        assert_eq!(body("t := (1, 2u8, 'c', r'x', 1.5, true)"), "(let Plain t := (tuple 1 2uint8 'c' r120 1.5 true))");
        assert_eq!(body("a := [1, 2, 3,]"), "(let Plain a := [1 2 3])");
        assert_eq!(body("u := ()"), "(let Plain u := ())");
        assert_eq!(body("l := lambda (x: int64) -> int64 { return x }"), "(let Plain l := (lambda 1 -> int64))");
        assert_eq!(body("r := do M { x <- f()\n g(x) }"), "(let Plain r := (do M 2))");
        assert_eq!(body("r := do { f() }"), "(let Plain r := (do - 1))");
    }

    #[test]
    fn do_errors() {
        assert_eq!(body_errs("do M { x := 1 \n x }"), vec!["do notation allows only 'x <- e' binds and a final expression"]);
        assert_eq!(body_errs("r := do M { x <- f() }"), vec!["a do block must end in an expression, not a 'x <- e' bind"]);
        assert_eq!(body_errs("do M { i++ } while x"), vec!["a 'do while' loop takes no monad name"]);
        assert_eq!(body_errs("do { x <- f() } while x"), vec!["monadic bind '<-' is not allowed in a do while loop"]);
    }

    #[test]
    fn items() {
        let src = "@paradigm oop\n@import std.io\n@import \"github.com/u/r/m\"\n@link \"m\"\n\
                   /** doc */\nexport func f<T>(using a: *Arena, x: T) -> void { }\n\
                   export \"C\" func g() -> int64 { return 1 }\n\
                   async func h() -> void { }\nowning func k() -> *int64 { return alloc(1) }\n\
                   struct P<T> { a: T, b: T, }\nenum Shape { Dot, Square(side: float64) }\n\
                   interface Display { toString() -> string; }\nimpl Display for P { func toString() -> string { return \"p\" } }\n\
                   export foreign \"C\" { func printf(fmt: *raw char, ...) -> int32; func abs(n: int32) -> int32 }\n\
                   monad M { export func bind(m: int64, f: (int64) -> int64) -> int64 { return f(m) } func unit(x: int64) -> int64 { return x } }\n";
        let arena = Bump::new();
        let mut d = Diagnostics::new();
        let f = parse_file(&arena, FileId(0), src, &mut d);
        assert!(d.is_empty(), "{:?}", d);
        assert_eq!(f.directives.len(), 4);
        assert_eq!(f.items.len(), 10);
        let Item::Func(func) = f.items[0] else { panic!() };
        assert!(func.doc.is_some() && func.vis == Visibility::Export && func.params[0].using);
        let Item::Func(g) = f.items[1] else { panic!() };
        assert_eq!(g.vis, Visibility::ExportC);
        let Item::Func(h) = f.items[2] else { panic!() };
        assert!(h.is_async);
        let Item::Func(k) = f.items[3] else { panic!() };
        assert!(k.is_owning);
        let Item::Enum(e) = f.items[5] else { panic!() };
        assert_eq!(e.variants[1].fields.len(), 1);
        let Item::Impl(i) = f.items[7] else { panic!() };
        assert_eq!((i.interface.unwrap().name, i.target.name), ("Display", "P"));
        let Item::Foreign(fo) = f.items[8] else { panic!() };
        assert!(fo.funcs[0].variadic && !fo.funcs[1].variadic && fo.exported);
    }

    #[test]
    fn item_errors() {
        assert_eq!(file_errs("@bogus x\n"), vec!["unknown directive 'bogus'"]);
        assert_eq!(file_errs("@paradigm weird\n"), vec!["unknown paradigm 'weird'"]);
        assert_eq!(file_errs("async struct S {}"), vec!["expected 'func' after 'async'"]);
        assert_eq!(file_errs("owning x"), vec!["expected 'func' after 'owning'"]);
        assert_eq!(file_errs("export \"D\" func f() -> void {}"), vec!["the only supported export ABI is \"C\""]);
        assert_eq!(file_errs("export \"C\" struct S {}"), vec!["only a func can be an exported C function"]);
        assert_eq!(file_errs("export \"C\" async func f() -> void {}"), vec!["an async func cannot be an exported C function"]);
        assert_eq!(file_errs("impl S { async func f() -> void {} }"), vec!["a method cannot be async"]);
        assert_eq!(file_errs("impl S { x }"), vec!["expected a method (func) in impl block"]);
        assert_eq!(file_errs("foreign { }"), vec!["expected a calling convention string after 'foreign', such as \"C\""]);
        assert_eq!(file_errs("foreign \"C\" { x }"), vec!["unexpected token in foreign block"]);
        assert_eq!(
            file_errs("foreign \"C\" { func f(..., x: int32) -> void }"),
            vec!["'...' must be the last parameter of a variadic foreign function"]
        );
        assert_eq!(file_errs("interface I { 5 }"), vec!["unexpected token in interface body"]);
        assert_eq!(file_errs("monad M { func bind() -> void {} }"), vec!["a monad block must define both 'bind' and 'unit'"]);
        assert_eq!(file_errs("x"), vec!["expected an item"]);
        assert_eq!(file_errs("export impl S {}"), vec!["expected an item after 'export'"]);
        assert_eq!(
            body_errs("struct P { x: int64 }\ny := 1"),
            vec!["a struct is declared at the top level, not inside a function body"]
        );
        assert_eq!(body_errs("enum E { A }"), vec!["an enum is declared at the top level, not inside a function body"]);
    }

    #[test]
    fn recovery_reports_later_statements() {
        let errs = body_errs("x := )\ny := 1\nz := ]\n");
        assert_eq!(errs, vec!["expected an expression, found RParen", "expected an expression, found RBracket"]);
        let errs = file_errs("func a() -> void { x := ) }\nfunc b() -> void { y := ] }\n");
        assert_eq!(errs.len(), 2);
    }

    #[test]
    fn depth_limits() {
        let deep = format!("x := {}1{}", "(".repeat(2000), ")".repeat(2000));
        assert_eq!(body_errs(&deep), vec!["expression nesting is too deep; simplify the expression"]);
        let deep = format!("x := {}1", "- ".repeat(5000));
        assert_eq!(body_errs(&deep), vec!["expression nesting is too deep; simplify the expression"]);
        let deep = format!("{}{}", "if x {\n".repeat(2000), "}\n".repeat(2000));
        assert_eq!(body_errs(&deep), vec!["block nesting is too deep; simplify the function"]);
        let deep = format!("x: {}int64 = 1", "*".repeat(3000));
        assert_eq!(body_errs(&deep), vec!["type nesting is too deep; simplify the type"]);
        let deep = format!("if a {{ }}{}", " else if a { }".repeat(3000));
        assert_eq!(body_errs(&deep), vec!["block nesting is too deep; simplify the function"]);
        // Mixed nesting: every kind stays under its own limit until one trips.
        let deep = format!("x := {}1{}", "f(lambda () -> void { g(".repeat(499), ") })".repeat(499));
        assert_eq!(body_errs(&deep).len(), 1);
        let deep = format!("x := {}", "match a { X => [(".repeat(400));
        assert_eq!(body_errs(&deep), vec!["expression nesting is too deep; simplify the expression"]);
        let deep = format!("x: {}int64 = 1", "(Vector<".repeat(400));
        assert_eq!(body_errs(&deep), vec!["type nesting is too deep; simplify the type"]);
        let ok = format!("x := {}1{}", "(".repeat(200), ")".repeat(200));
        assert!(body_errs(&ok).is_empty());
    }

    /// Parses every program of the conformance corpus (when present).
    /// Programs the manifest expects to run or check clean must parse without
    /// diagnostics; the parse errors of the others are printed for review
    /// (`cargo test corpus -- --nocapture`).
    #[test]
    fn corpus_parses() {
        let root = std::path::Path::new("/work/shared/conformance");
        let Ok(manifest) = std::fs::read_to_string(root.join("manifest")) else {
            return;
        };
        // file -> (modes, err_has lines)
        let mut expect: std::collections::HashMap<String, (Vec<String>, Vec<String>)> = Default::default();
        for rec in manifest.split("\n---") {
            let (mut mode, mut file, mut errs) = (String::new(), String::new(), Vec::new());
            for line in rec.lines() {
                if let Some(v) = line.strip_prefix("mode ") {
                    mode = v.to_string();
                } else if let Some(v) = line.strip_prefix("file ") {
                    file = v.to_string();
                } else if let Some(v) = line.strip_prefix("err_has ") {
                    errs.push(v.to_string());
                }
            }
            if !file.is_empty() {
                let e = expect.entry(file).or_default();
                e.0.push(mode);
                e.1.extend(errs);
            }
        }
        let mut files = Vec::new();
        let mut stack = vec![root.join("examples")];
        while let Some(dir) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&dir) else { continue };
            for ent in rd.flatten() {
                let p = ent.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().map_or(false, |e| e == "dusk") {
                    files.push(p);
                }
            }
        }
        files.sort();
        let mut bad = Vec::new();
        let mut with_errors = 0;
        for path in &files {
            let Ok(src) = std::fs::read_to_string(path) else { continue };
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().to_string();
            let arena = Bump::new();
            let mut d = Diagnostics::new();
            parse_file(&arena, FileId(0), &src, &mut d);
            if d.is_empty() {
                continue;
            }
            with_errors += 1;
            let (modes, err_has) = expect.get(&rel).cloned().unwrap_or_default();
            let msgs: Vec<String> = d.iter().map(|d| d.message.clone()).collect();
            let expected_fail = modes.iter().any(|m| m == "check_fail");
            let matched = err_has.iter().any(|h| msgs.iter().any(|m| m.contains(h.as_str())));
            println!(
                "{} [{}] {}\n    got: {:?}\n    err_has: {:?}",
                if matched { "ok  " } else if expected_fail { "CHK " } else { "BAD " },
                modes.join(","),
                rel,
                msgs,
                err_has
            );
            if !expected_fail {
                bad.push(rel);
            }
        }
        println!("{} files, {} with parse errors, {} unexpected", files.len(), with_errors, bad.len());
        assert!(bad.is_empty(), "programs that should parse cleanly: {:?}", bad);
    }

    /// Random mutations of real programs must never panic or overflow the
    /// stack. Runs for a couple of seconds over a few corpus files (or a
    /// built-in sample when the corpus is absent).
    #[test]
    fn mutations_never_panic() {
        let dir = std::path::Path::new("/work/shared/conformance/examples");
        let mut seeds: Vec<String> = ["hello.dusk", "fstr_match_arms.dusk", "asyncawaitdefer.dusk", "sizeof_suffix.dusk"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
            .collect();
        seeds.push(
            "@paradigm functional\nstruct P<T> { a: T }\nenum E { A(x: int64), B }\n\
             func main() -> int32 {\n  mut x: int64 = 1 + 2 ** 3\n  s := f\"a{x}b{P { a: 1 }.a}\"\n  \
             match e { A(v) => v, B => { } }\n  r := do M { y <- g(x)\n h(y) }\n  xs[1..=2] |> sum\n  \
             c := collector<Map<int64, Vector<int64>>>(m)\n  return 0\n}\n"
                .to_string(),
        );
        let alphabet = b"{}()[]<>\"'f r:=.,;-+*/|&!@#\\\n u{7b}0123456789 lambda match do await ";
        let mut rng: u64 = 0x9E3779B97F4A7C15;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        let mut runs = 0;
        while std::time::Instant::now() < deadline {
            let seed = &seeds[(next() as usize) % seeds.len()];
            let mut bytes = seed.as_bytes().to_vec();
            for _ in 0..1 + next() % 8 {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                match next() % 4 {
                    0 => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at, alphabet[(next() as usize) % alphabet.len()]),
                    2 => {
                        let end = (at + (next() as usize) % 40).min(bytes.len());
                        let chunk = bytes[at..end].to_vec();
                        let to = (next() as usize) % bytes.len();
                        bytes.splice(to..to, chunk);
                    }
                    _ => bytes.truncate(at),
                }
            }
            let src = String::from_utf8_lossy(&bytes).into_owned();
            let arena = Bump::new();
            let mut d = Diagnostics::new();
            parse_file(&arena, FileId(0), &src, &mut d);
            runs += 1;
        }
        assert!(runs > 100);
    }
}
