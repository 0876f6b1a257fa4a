//! The lexer: source text -> tokens.
//!
//! `logos` recognises the regular tokens (keywords, identifiers, numbers,
//! operators by longest match). The irregular ones -- nested block comments,
//! strings, chars, runes and interpolated strings -- are recognised by their
//! opener and then scanned by hand here, because they need depth counting,
//! escape decoding and precise error positions.
//!
//! Newlines are not tokens: each token records `nl_before` instead, which the
//! parser uses for the newline rule (a block comment spanning a newline
//! counts as one).

use crate::ast::LitSuffix;
use crate::diag::Diagnostics;
use crate::source::{FileId, Span};
use logos::Logos;

#[derive(Logos, Clone, Copy, Debug, PartialEq, Eq)]
#[logos(skip r"[ \t\r]+")]
pub enum Tok {
    // --- internal: consumed by `lex`, never in its output ---
    #[token("\n")]
    Newline,
    #[regex(r"//[^\n]*")]
    LineComment,
    #[token("/*")]
    BlockCommentOpen,
    #[token("\"")]
    StrOpen,
    #[token("f\"")]
    FStrOpen,
    #[token("'")]
    CharOpen,
    #[token("r'")]
    RuneOpen,

    // --- literals (Str/FStr/Char/Rune are built from the openers above) ---
    #[regex(r"[0-9]+([A-Za-z][A-Za-z0-9]*)?")]
    Int,
    #[regex(r"[0-9]+\.[0-9]+([A-Za-z][A-Za-z0-9]*)?")]
    Float,
    Str,
    FStr,
    Char,
    Rune,
    #[regex(r"[A-Za-z_][A-Za-z0-9_]*")]
    Ident,

    // --- keywords ---
    #[token("func")]
    Func,
    #[token("lambda")]
    Lambda,
    #[token("struct")]
    Struct,
    #[token("enum")]
    Enum,
    #[token("interface")]
    Interface,
    #[token("impl")]
    Impl,
    #[token("foreign")]
    Foreign,
    #[token("monad")]
    Monad,
    #[token("export")]
    Export,
    #[token("mut")]
    Mut,
    #[token("using")]
    Using,
    #[token("defer")]
    Defer,
    #[token("match")]
    Match,
    #[token("return")]
    Return,
    #[token("if")]
    If,
    #[token("else")]
    Else,
    #[token("for")]
    For,
    #[token("while")]
    While,
    #[token("do")]
    Do,
    #[token("in")]
    In,
    #[token("break")]
    Break,
    #[token("continue")]
    Continue,
    #[token("true")]
    True,
    #[token("false")]
    False,

    // --- operators and punctuation ---
    #[token(":=")]
    ColonEq,
    #[token("->")]
    Arrow,
    #[token("=>")]
    FatArrow,
    #[token("<-")]
    LArrow,
    #[token("..")]
    DotDot,
    #[token("..=")]
    DotDotEq,
    #[token("...")]
    Ellipsis,
    #[token("==")]
    EqEq,
    #[token("!=")]
    NotEq,
    #[token("<=")]
    LtEq,
    #[token(">=")]
    GtEq,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("&")]
    Amp,
    #[token("|")]
    Pipe,
    #[token("^")]
    Caret,
    #[token("~")]
    Tilde,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("**")]
    StarStar,
    #[token("|>")]
    PipeGt,
    #[token("++")]
    PlusPlus,
    #[token("--")]
    MinusMinus,
    #[token("+=")]
    PlusEq,
    #[token("-=")]
    MinusEq,
    #[token("*=")]
    StarEq,
    #[token("/=")]
    SlashEq,
    #[token("%=")]
    PercentEq,
    #[token("&=")]
    AmpEq,
    #[token("|=")]
    PipeEq,
    #[token("^=")]
    CaretEq,
    #[token("<<=")]
    ShlEq,
    #[token(">>=")]
    ShrEq,
    #[token("=")]
    Eq,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("%")]
    Percent,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("!")]
    Bang,
    #[token(":")]
    Colon,
    #[token(";")]
    Semi,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("@")]
    At,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,

    /// End of input (always the last token).
    Eof,
}

impl Tok {
    /// How a token appears in messages: its kind name, as the reference
    /// prints it (`expected an expression, found PlusPlus`).
    pub fn name(self) -> String {
        format!("{:?}", self)
    }
}

/// The decoded value of a literal token.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    None,
    Int(u64, Option<LitSuffix>),
    Float(f64, Option<LitSuffix>),
    /// Bytes after escapes, and offsets of braces that came from `\u` escapes.
    Str(Vec<u8>, Vec<u32>),
    Char(u8),
    Rune(u32),
    FStr(Vec<FPiece>),
}

/// A piece of an interpolated string: cooked text, or the source byte range
/// of a hole's expression (the parser lexes and parses it in place).
#[derive(Clone, Debug, PartialEq)]
pub enum FPiece {
    Text(Vec<u8>),
    Hole { lo: u32, hi: u32 },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: Tok,
    pub lo: u32,
    pub hi: u32,
    /// A newline (or a block comment containing one) precedes the token.
    pub nl_before: bool,
    pub lit: Lit,
}

pub struct Lexed {
    /// The tokens, ending with one `Eof`.
    pub tokens: Vec<Token>,
    /// Byte ranges of doc comments (`/** ... */`), in order.
    pub docs: Vec<(u32, u32)>,
}

/// Lexes `src[lo..hi]` (byte offsets, on char boundaries); token positions
/// are offsets into the whole `src`. Errors go to `diags`; lexing always
/// continues, so the token stream is complete.
pub fn lex(file: FileId, src: &str, lo: usize, hi: usize, diags: &mut Diagnostics) -> Lexed {
    let mut s = Scanner { file, src: &src.as_bytes()[..hi], diags };
    let mut tokens = Vec::new();
    let mut docs = Vec::new();
    let mut nl = true;
    let mut lx = Tok::lexer(&src[lo..hi]);
    while let Some(res) = lx.next() {
        let r = lx.span();
        let (tlo, thi) = (lo + r.start, lo + r.end);
        let kind = match res {
            Ok(k) => k,
            Err(()) => {
                // One whole scalar is the offending character.
                let ch_len = src[tlo..].chars().next().map(|c| c.len_utf8()).unwrap_or(1);
                s.error(tlo, tlo + ch_len, "unexpected character");
                if thi < tlo + ch_len {
                    lx.bump(tlo + ch_len - thi);
                }
                continue;
            }
        };
        let mut lit = Lit::None;
        let mut end = thi;
        let kind = match kind {
            Tok::Newline => {
                nl = true;
                continue;
            }
            Tok::LineComment => continue,
            Tok::BlockCommentOpen => {
                let (e, has_nl) = s.block_comment(tlo);
                let b = s.src;
                if b.len() > tlo + 3 && b[tlo + 2] == b'*' && b[tlo + 3] != b'*' && b[tlo + 3] != b'/' {
                    docs.push((tlo as u32, e as u32));
                }
                nl |= has_nl;
                lx.bump(e - thi);
                continue;
            }
            Tok::StrOpen => {
                let (e, bytes, braces) = s.string(tlo, thi);
                end = e;
                lit = Lit::Str(bytes, braces);
                Tok::Str
            }
            Tok::FStrOpen => {
                let (e, pieces) = s.fstring(tlo, thi);
                end = e;
                lit = Lit::FStr(pieces);
                Tok::FStr
            }
            Tok::CharOpen => {
                let (e, v) = s.char_lit(tlo, thi, false);
                end = e;
                lit = Lit::Char(v as u8);
                Tok::Char
            }
            Tok::RuneOpen => {
                let (e, v) = s.char_lit(tlo, thi, true);
                end = e;
                lit = Lit::Rune(v);
                Tok::Rune
            }
            Tok::Int => {
                lit = s.int_lit(tlo, thi);
                Tok::Int
            }
            Tok::Float => {
                lit = s.float_lit(tlo, thi);
                Tok::Float
            }
            k => k,
        };
        if end > thi {
            lx.bump(end - thi);
        }
        tokens.push(Token { kind, lo: tlo as u32, hi: end as u32, nl_before: nl, lit });
        nl = false;
    }
    tokens.push(Token { kind: Tok::Eof, lo: hi as u32, hi: hi as u32, nl_before: nl, lit: Lit::None });
    Lexed { tokens, docs }
}

/// Hand scanning of the irregular tokens over the raw bytes.
struct Scanner<'s, 'd> {
    file: FileId,
    /// The source up to the end of the lexed range.
    src: &'s [u8],
    diags: &'d mut Diagnostics,
}

/// An escape's decoded value.
enum Esc {
    /// A one-byte escape (`\n`, `\0`, ...).
    Byte(u8),
    /// `\u{...}`: a Unicode scalar.
    Scalar(u32),
}

impl<'s, 'd> Scanner<'s, 'd> {
    fn error(&mut self, lo: usize, hi: usize, msg: &str) {
        self.diags.error(Span::new(self.file, lo as u32, hi as u32), msg);
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.src.get(i).copied()
    }

    /// Scans a nested block comment whose `/*` is at `open`. Returns the end
    /// offset and whether it contains a newline.
    fn block_comment(&mut self, open: usize) -> (usize, bool) {
        let b = self.src;
        let mut i = open + 2;
        let mut depth = 1;
        let mut has_nl = false;
        while i < b.len() {
            match (b[i], b.get(i + 1)) {
                (b'/', Some(b'*')) => {
                    depth += 1;
                    i += 2;
                }
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        return (i, has_nl);
                    }
                }
                (c, _) => {
                    has_nl |= c == b'\n';
                    i += 1;
                }
            }
        }
        self.error(open, open + 2, "unterminated block comment");
        (b.len(), has_nl)
    }

    /// Decodes the escape whose backslash is at `i`. Returns the value and
    /// the offset after it, or reports an error and returns None with the
    /// offset to resume at.
    fn escape(&mut self, i: usize) -> (Option<Esc>, usize) {
        let c = match self.at(i + 1) {
            Some(c) => c,
            None => return (None, i + 1),
        };
        let byte = match c {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'0' => 0,
            b'\\' => b'\\',
            b'"' => b'"',
            b'\'' => b'\'',
            b'u' => return self.unicode_escape(i),
            _ => {
                // Skip the whole escaped scalar so decoding stays aligned.
                let len = scalar_at(self.src, i + 1).map(|ch| ch.len_utf8()).unwrap_or(1);
                self.error(i, i + 1 + len, "unknown escape");
                return (None, i + 1 + len);
            }
        };
        (Some(Esc::Byte(byte)), i + 2)
    }

    fn unicode_escape(&mut self, i: usize) -> (Option<Esc>, usize) {
        let mut j = i + 2;
        if self.at(j) != Some(b'{') {
            self.error(i, j, "expected '{' after \\u");
            return (None, j);
        }
        j += 1;
        let digits_lo = j;
        while let Some(c) = self.at(j) {
            if !c.is_ascii_hexdigit() {
                break;
            }
            j += 1;
        }
        if self.at(j) != Some(b'}') {
            self.error(i, j, "unterminated \\u escape; expected '}'");
            return (None, j);
        }
        let digits = &self.src[digits_lo..j];
        let end = j + 1;
        if digits.is_empty() || digits.len() > 6 {
            self.error(i, end, "\\u escape needs 1 to 6 hex digits");
            return (None, end);
        }
        let v = u32::from_str_radix(std::str::from_utf8(digits).unwrap_or("0"), 16).unwrap_or(0);
        if (0xD800..=0xDFFF).contains(&v) {
            self.error(i, end, "\\u escape is a surrogate code point, not a scalar value");
            return (None, end);
        }
        if v > 0x10FFFF {
            self.error(i, end, "\\u escape is above 0x10FFFF, the Unicode maximum");
            return (None, end);
        }
        (Some(Esc::Scalar(v)), end)
    }

    /// Appends an escape's bytes to `out`; a `\u{7b}`/`\u{7d}` brace is noted
    /// in `braces`.
    fn push_escape(out: &mut Vec<u8>, braces: &mut Vec<u32>, e: Esc) {
        match e {
            Esc::Byte(b) => out.push(b),
            Esc::Scalar(v) => {
                if v == 0x7b || v == 0x7d {
                    braces.push(out.len() as u32);
                }
                let ch = char::from_u32(v).unwrap_or('\u{FFFD}');
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
        }
    }

    /// A plain string: `open` is the quote, `body` the first content byte.
    fn string(&mut self, open: usize, body: usize) -> (usize, Vec<u8>, Vec<u32>) {
        let mut out = Vec::new();
        let mut braces = Vec::new();
        let mut i = body;
        loop {
            match self.at(i) {
                None => {
                    self.error(open, body, "unterminated string literal");
                    return (i, out, braces);
                }
                Some(b'"') => break,
                Some(b'\\') => {
                    if self.at(i + 1).is_none() {
                        i += 1;
                        continue;
                    }
                    let (e, next) = self.escape(i);
                    if let Some(e) = e {
                        Self::push_escape(&mut out, &mut braces, e);
                    }
                    i = next;
                }
                Some(c) => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        if std::str::from_utf8(&out).is_err() {
            self.error(open, i + 1, "string literal is not valid UTF-8");
        }
        (i + 1, out, braces)
    }

    /// An interpolated string `f"..."`: `open` is the `f`, `body` the first
    /// content byte.
    fn fstring(&mut self, open: usize, body: usize) -> (usize, Vec<FPiece>) {
        let mut pieces = Vec::new();
        let mut text = Vec::new();
        let mut braces = Vec::new();
        let mut i = body;
        loop {
            match self.at(i) {
                None => {
                    self.error(open, body, "unterminated string literal");
                    break;
                }
                Some(b'"') => {
                    i += 1;
                    break;
                }
                Some(b'\\') => {
                    if self.at(i + 1).is_none() {
                        i += 1;
                        continue;
                    }
                    let (e, next) = self.escape(i);
                    if let Some(e) = e {
                        Self::push_escape(&mut text, &mut braces, e);
                    }
                    i = next;
                }
                Some(b'{') if self.at(i + 1) == Some(b'{') => {
                    text.push(b'{');
                    i += 2;
                }
                Some(b'}') if self.at(i + 1) == Some(b'}') => {
                    text.push(b'}');
                    i += 2;
                }
                Some(b'}') => {
                    self.error(i, i + 1, "unmatched '}' in an interpolated string; write '}}' for a literal brace");
                    i += 1;
                }
                Some(b'{') => {
                    if !text.is_empty() {
                        pieces.push(FPiece::Text(std::mem::take(&mut text)));
                    }
                    match self.hole(open, body, i) {
                        Some((lo, hi)) => {
                            if self.src[lo..hi].iter().all(|c| c.is_ascii_whitespace()) {
                                self.error(i, hi + 1, "an interpolation hole needs an expression; '{}' is the format placeholder for println, an f-string writes the expression inline");
                            } else {
                                pieces.push(FPiece::Hole { lo: lo as u32, hi: hi as u32 });
                            }
                            i = hi + 1;
                        }
                        None => {
                            i = self.src.len();
                            break;
                        }
                    }
                }
                Some(c) => {
                    text.push(c);
                    i += 1;
                }
            }
        }
        if !text.is_empty() {
            pieces.push(FPiece::Text(text));
        }
        (i, pieces)
    }

    /// Finds the extent of the hole whose `{` is at `brace`: returns the
    /// expression's byte range (the closing `}` is at `hi`). Braces inside
    /// are balanced; strings and chars inside are skipped whole.
    fn hole(&mut self, open: usize, body: usize, brace: usize) -> Option<(usize, usize)> {
        let b = self.src;
        let mut depth = 1;
        let mut i = brace + 1;
        while i < b.len() {
            match b[i] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some((brace + 1, i));
                    }
                }
                b'"' => {
                    let nested_f = i > 0 && b[i - 1] == b'f' && (i < 2 || !is_ident_byte(b[i - 2]));
                    if nested_f {
                        self.error(i - 1, i + 1, "an interpolated string cannot nest inside another; bind the inner one first");
                    }
                    i = skip_quoted(b, i + 1, b'"');
                    continue;
                }
                b'\'' => {
                    i = skip_quoted(b, i + 1, b'\'');
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        self.error(open, body, "unterminated string literal");
        None
    }

    /// A char (`'c'`) or rune (`r'c'`) literal; `body` is the first content
    /// byte. Returns the end offset and the value (0 after an error).
    fn char_lit(&mut self, open: usize, body: usize, rune: bool) -> (usize, u32) {
        let what = if rune { "rune" } else { "char" };
        let (value, after) = match self.at(body) {
            None | Some(b'\n') => {
                self.error(open, body, &format!("unterminated {} literal", what));
                return (body, 0);
            }
            Some(b'\'') => {
                self.error(open, body + 1, &format!("empty {} literal", what));
                return (body + 1, 0);
            }
            Some(b'\\') => {
                let (e, next) = self.escape(body);
                let v = match e {
                    Some(Esc::Byte(b)) => b as u32,
                    Some(Esc::Scalar(v)) => {
                        if !rune && v > 0x7f {
                            self.error(body, next, "a char is one byte; this escape does not fit, use a rune literal or a string");
                            0
                        } else {
                            v
                        }
                    }
                    None => 0,
                };
                (v, next)
            }
            Some(_) => {
                let ch = scalar_at(self.src, body).unwrap_or('\u{FFFD}');
                let next = body + ch.len_utf8();
                if !rune && ch.len_utf8() > 1 {
                    self.error(open, next, "a char is one byte; use a rune literal r'...' or a string");
                    (0, next)
                } else {
                    (ch as u32, next)
                }
            }
        };
        if self.at(after) == Some(b'\'') {
            return (after + 1, value);
        }
        // More than one character, or no closing quote on this line.
        let mut j = after;
        while let Some(c) = self.at(j) {
            if c == b'\n' {
                break;
            }
            if c == b'\'' {
                self.error(open, j + 1, &format!("{} literal must contain exactly one character", what));
                return (j + 1, 0);
            }
            j += 1;
        }
        self.error(open, body, &format!("unterminated {} literal", what));
        (after.min(self.src.len()), 0)
    }

    /// Splits a numeric token into digits and suffix.
    fn split_suffix(&self, lo: usize, hi: usize) -> (&'s str, &'s str) {
        let t = std::str::from_utf8(&self.src[lo..hi]).unwrap_or("");
        let cut = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
        (&t[..cut], &t[cut..])
    }

    fn suffix(&mut self, lo: usize, hi: usize, s: &str) -> Option<LitSuffix> {
        if s.is_empty() {
            return None;
        }
        let sfx = LitSuffix::from_str(s);
        if sfx.is_none() {
            self.error(lo, hi, &format!("unknown literal suffix '{}'", s));
        }
        sfx
    }

    fn int_lit(&mut self, lo: usize, hi: usize) -> Lit {
        let (digits, sfx_text) = self.split_suffix(lo, hi);
        let sfx = self.suffix(lo, hi, sfx_text);
        let v = match digits.parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                self.error(lo, hi, "invalid integer literal");
                return Lit::Int(0, sfx);
            }
        };
        let unsigned_or_float = sfx.map_or(false, |s| s.is_unsigned() || s.is_float());
        if !unsigned_or_float && v > i64::MAX as u64 {
            self.error(lo, hi, "invalid integer literal");
            return Lit::Int(0, sfx);
        }
        Lit::Int(v, sfx)
    }

    fn float_lit(&mut self, lo: usize, hi: usize) -> Lit {
        let t = std::str::from_utf8(&self.src[lo..hi]).unwrap_or("");
        let dot = t.find('.').unwrap_or(0);
        let cut = t[dot..].find(|c: char| c.is_ascii_alphabetic()).map(|c| c + dot).unwrap_or(t.len());
        let (num, sfx_text) = (&t[..cut], &t[cut..]);
        let mut sfx = self.suffix(lo, hi, sfx_text);
        if let Some(s) = sfx {
            if !s.is_float() {
                self.error(lo, hi, &format!("unknown literal suffix '{}'", sfx_text));
                sfx = None;
            }
        }
        Lit::Float(num.parse::<f64>().unwrap_or(0.0), sfx)
    }
}

/// The scalar starting at byte `i`, decoded from its own bytes only
/// (validating the rest of the file per literal made lexing quadratic).
fn scalar_at(src: &[u8], i: usize) -> Option<char> {
    let chunk = src.get(i..(i + 4).min(src.len()))?;
    let valid = match std::str::from_utf8(chunk) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&chunk[..e.valid_up_to()]).ok()?,
    };
    valid.chars().next()
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Skips a quoted run starting after its opening `quote`; returns the offset
/// after the closing quote (or the end of input). Backslash escapes skip the
/// next byte.
fn skip_quoted(b: &[u8], mut i: usize, quote: u8) -> usize {
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == quote {
            return i + 1;
        }
        if quote == b'\'' && b[i] == b'\n' {
            return i;
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> (Vec<Token>, Vec<String>) {
        let mut d = Diagnostics::new();
        let l = lex(FileId(0), src, 0, src.len(), &mut d);
        (l.tokens, d.iter().map(|d| d.message.clone()).collect())
    }

    fn kinds(src: &str) -> Vec<Tok> {
        let (t, e) = run(src);
        assert!(e.is_empty(), "{:?}", e);
        t.iter().map(|t| t.kind).collect()
    }

    fn errs(src: &str) -> Vec<String> {
        run(src).1
    }

    #[test]
    fn operators_longest_match() {
        use Tok::*;
        assert_eq!(
            kinds(":= -> => <- .. ..= ... == != <= >= && || & | ^ ~ << >> ** |> ++ -- += -= *= /= %= &= |= ^= <<= >>= = + - * / % < > ! : ; , . @ ( ) { } [ ]"),
            vec![
                ColonEq, Arrow, FatArrow, LArrow, DotDot, DotDotEq, Ellipsis, EqEq, NotEq, LtEq, GtEq, AndAnd, OrOr,
                Amp, Pipe, Caret, Tilde, Shl, Shr, StarStar, PipeGt, PlusPlus, MinusMinus, PlusEq, MinusEq, StarEq,
                SlashEq, PercentEq, AmpEq, PipeEq, CaretEq, ShlEq, ShrEq, Eq, Plus, Minus, Star, Slash, Percent, Lt,
                Gt, Bang, Colon, Semi, Comma, Dot, At, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Eof
            ]
        );
        assert_eq!(kinds("x<-1"), vec![Ident, LArrow, Int, Eof]);
        assert_eq!(kinds("1..5"), vec![Int, DotDot, Int, Eof]);
    }

    #[test]
    fn keywords_and_contextual_words() {
        use Tok::*;
        assert_eq!(
            kinds("func lambda async owning await ref raw self void collector _ true false funcs"),
            vec![Func, Lambda, Ident, Ident, Ident, Ident, Ident, Ident, Ident, Ident, Ident, True, False, Ident, Eof]
        );
    }

    #[test]
    fn integer_literals() {
        let (t, e) = run("42 7i8 255u8 18446744073709551615u64 9223372036854775807 5f32");
        assert!(e.is_empty(), "{:?}", e);
        assert_eq!(t[0].lit, Lit::Int(42, None));
        assert_eq!(t[1].lit, Lit::Int(7, Some(LitSuffix::I8)));
        assert_eq!(t[2].lit, Lit::Int(255, Some(LitSuffix::U8)));
        assert_eq!(t[3].lit, Lit::Int(u64::MAX, Some(LitSuffix::U64)));
        assert_eq!(t[4].lit, Lit::Int(i64::MAX as u64, None));
        assert_eq!(t[5].lit, Lit::Int(5, Some(LitSuffix::F32)));
        assert_eq!(errs("9223372036854775808"), vec!["invalid integer literal"]);
        assert_eq!(errs("99999999999999999999u64"), vec!["invalid integer literal"]);
        assert_eq!(errs("1e10"), vec!["unknown literal suffix 'e10'"]);
        assert_eq!(errs("3xyz"), vec!["unknown literal suffix 'xyz'"]);
    }

    #[test]
    fn float_literals() {
        let (t, e) = run("1.5 2.25f32 1. .5");
        assert!(e.is_empty());
        assert_eq!(t[0].lit, Lit::Float(1.5, None));
        assert_eq!(t[1].lit, Lit::Float(2.25, Some(LitSuffix::F32)));
        assert_eq!(t[2].kind, Tok::Int);
        assert_eq!(t[3].kind, Tok::Dot);
        assert_eq!(t[4].kind, Tok::Dot);
        assert_eq!(t[5].kind, Tok::Int);
    }

    #[test]
    fn strings_and_escapes() {
        let (t, e) = run(r#""a\n\t\\\"\u{48}\u{4e2d}" "x
y""#);
        assert!(e.is_empty(), "{:?}", e);
        assert_eq!(t[0].lit, Lit::Str("a\n\t\\\"H中".as_bytes().to_vec(), vec![]));
        assert_eq!(t[1].lit, Lit::Str(b"x\ny".to_vec(), vec![]));
        let (t, _) = run(r#""v\u{7b}{}\u{7d}""#);
        assert_eq!(t[0].lit, Lit::Str(b"v{{}}".to_vec(), vec![1, 4]));
        assert_eq!(errs(r#""\x""#), vec!["unknown escape"]);
        assert_eq!(errs(r#""\u41""#), vec!["expected '{' after \\u"]);
        assert_eq!(errs(r#""\u{41""#), vec!["unterminated \\u escape; expected '}'"]);
        assert_eq!(errs(r#""\u{}""#), vec!["\\u escape needs 1 to 6 hex digits"]);
        assert_eq!(errs(r#""\u{1234567}""#), vec!["\\u escape needs 1 to 6 hex digits"]);
        assert_eq!(errs(r#""\u{D800}""#), vec!["\\u escape is a surrogate code point, not a scalar value"]);
        assert_eq!(errs(r#""\u{110000}""#), vec!["\\u escape is above 0x10FFFF, the Unicode maximum"]);
        assert_eq!(errs("\"abc"), vec!["unterminated string literal"]);
    }

    #[test]
    fn chars_and_runes() {
        let (t, e) = run(r"'a' '\n' '\u{41}' r'中' r'\u{1F600}' r'x'");
        assert!(e.is_empty(), "{:?}", e);
        assert_eq!(t[0].lit, Lit::Char(b'a'));
        assert_eq!(t[1].lit, Lit::Char(b'\n'));
        assert_eq!(t[2].lit, Lit::Char(0x41));
        assert_eq!(t[3].lit, Lit::Rune(0x4e2d));
        assert_eq!(t[4].lit, Lit::Rune(0x1F600));
        assert_eq!(t[5].lit, Lit::Rune(b'x' as u32));
        assert_eq!(errs("''"), vec!["empty char literal"]);
        assert_eq!(errs("r''"), vec!["empty rune literal"]);
        assert_eq!(errs("'ab'"), vec!["char literal must contain exactly one character"]);
        assert_eq!(errs("'a"), vec!["unterminated char literal"]);
        assert_eq!(errs("'中'"), vec!["a char is one byte; use a rune literal r'...' or a string"]);
        assert_eq!(errs(r"'\u{e9}'"), vec!["a char is one byte; this escape does not fit, use a rune literal or a string"]);
        assert_eq!(errs("r'ab'"), vec!["rune literal must contain exactly one character"]);
    }

    #[test]
    fn comments_and_newlines() {
        let (t, e) = run("a /* x /* y */ z */ b // c\nd /* \n */ e /** doc */ f");
        assert!(e.is_empty());
        let names: Vec<(Tok, bool)> = t.iter().map(|t| (t.kind, t.nl_before)).collect();
        assert_eq!(
            names,
            vec![
                (Tok::Ident, true),
                (Tok::Ident, false),
                (Tok::Ident, true),
                (Tok::Ident, true),
                (Tok::Ident, false),
                (Tok::Eof, false)
            ]
        );
        let mut d = Diagnostics::new();
        let src = "/** doc */ /**/ /*** banner */ func";
        let l = lex(FileId(0), src, 0, src.len(), &mut d);
        assert_eq!(l.docs, vec![(0, 10)]);
        assert_eq!(errs("a /* /* */ b"), vec!["unterminated block comment"]);
        let (_, e) = run("x /* \" */ y");
        assert!(e.is_empty());
    }

    #[test]
    fn unexpected_characters() {
        assert_eq!(errs("a # b"), vec!["unexpected character"]);
        assert_eq!(errs("a é b ?"), vec!["unexpected character", "unexpected character"]);
    }

    #[test]
    fn fstrings() {
        let src = r#"f"n={n} s={s + "}"} {{x}}""#;
        let (t, e) = run(src);
        assert!(e.is_empty(), "{:?}", e);
        let Lit::FStr(p) = &t[0].lit else { panic!() };
        assert_eq!(p[0], FPiece::Text(b"n=".to_vec()));
        let FPiece::Hole { lo, hi } = p[1] else { panic!() };
        assert_eq!(&src[lo as usize..hi as usize], "n");
        assert_eq!(p[2], FPiece::Text(b" s=".to_vec()));
        let FPiece::Hole { lo, hi } = p[3] else { panic!() };
        assert_eq!(&src[lo as usize..hi as usize], "s + \"}\"");
        assert_eq!(p[4], FPiece::Text(b" {x}".to_vec()));
        assert_eq!(t[1].kind, Tok::Eof);
        assert_eq!(
            errs(r#"f"a}b""#),
            vec!["unmatched '}' in an interpolated string; write '}}' for a literal brace"]
        );
        assert_eq!(errs(r#"f"{ f"x" }""#), vec!["an interpolated string cannot nest inside another; bind the inner one first"]);
        assert_eq!(
            errs(r#"f"{}""#),
            vec!["an interpolation hole needs an expression; '{}' is the format placeholder for println, an f-string writes the expression inline"]
        );
        assert_eq!(errs(r#"f"abc"#), vec!["unterminated string literal"]);
        assert_eq!(errs(r#"f"ab{c"#), vec!["unterminated string literal"]);
    }
}
