//! The C boundary: `foreign "C"` declarations and the calls into them,
//! callbacks (dusk functions handed to C as bare code pointers), variadic
//! foreign calls, `export "C"` functions, and the `@link` / `@csource`
//! directives.
//!
//! The boundary is the raw pointer layer only: a value crosses when C has a
//! bare word (or a plain struct) for it. A managed `*T` carries a generation
//! C cannot read, a string or slice is a fat view, a closure carries an
//! environment; none of them cross. Each rule reports where the offending
//! type is written, in the wording of the spec (spec.md "Foreign Functions").
//!
//! Foreign functions live in their own table (`Cabi::foreign`), not in
//! `Checker::funcs`: they have no body to check or lower. A call resolves to
//! `CallRes::Foreign(i)`; the lowering (src/lower/cabi.rs) places the
//! arguments by the platform C ABI.

use super::*;

/// One function of a `foreign "C"` block.
pub struct ForeignDecl<'a> {
    pub func: &'a ForeignFunc<'a>,
    /// The C symbol it binds (its name, never privatized).
    pub symbol: String,
    pub params: Vec<TyId>,
    pub ret: TyId,
    pub variadic: bool,
    /// A parameter has a function type: a bare C function pointer.
    pub callback: bool,
    /// A parameter or the result is a struct passed by value.
    pub by_value: bool,
}

/// A callback argument of a foreign call: what code address it passes.
#[derive(Copy, Clone, Debug)]
pub enum Callback {
    /// A capture-free lambda literal: `funcs[owner].lambdas[index]`.
    Lambda { owner: u32, index: usize },
    /// The name of a top-level dusk function.
    Func(u32),
}

/// What a `@link` or `@csource` directive names.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// `@link "m"`: a library name (`-lm`).
    Library,
    /// `@link "x.o"`, `@link "lib/libx.a"`: a file, resolved against the
    /// declaring file's directory.
    File,
    /// `@csource "x.c"`: a C source, resolved the same way.
    CSource,
}

#[derive(Clone, Debug)]
pub struct LinkInput {
    pub kind: LinkKind,
    /// As written in the directive.
    pub value: String,
    /// A file's path resolved against the declaring file (the value itself
    /// for a library name).
    pub path: String,
    pub span: Span,
}

/// The boundary's side tables, handed to the lowering in `Checked::cabi`.
#[derive(Default)]
pub struct Cabi<'a> {
    pub foreign: Vec<ForeignDecl<'a>>,
    by_name: HashMap<String, u32>,
    /// A `Name` expression (by key) naming a foreign function used as a value.
    pub values: HashMap<usize, u32>,
    /// A callback argument expression (by key) and the code it passes.
    pub callbacks: HashMap<usize, Callback>,
    /// Every `@link` and `@csource` of the program: first appearance wins,
    /// in file load order.
    pub links: Vec<LinkInput>,
}

impl<'a> Cabi<'a> {
    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.by_name.get(name).copied()
    }
}

/// Collect `@link` and `@csource` values program-wide, deduplicated, first
/// appearance first. (The parser already refused empty values and values
/// beginning with '-'.)
pub fn collect_links(sm: &SourceMap, files: &[ParsedFile]) -> Vec<LinkInput> {
    let mut out: Vec<LinkInput> = Vec::new();
    for f in files {
        let dir = std::path::Path::new(sm.path(f.ast.file)).parent().map(|p| p.to_path_buf()).unwrap_or_default();
        for d in f.ast.directives {
            let (kind, arg) = match &d.kind {
                DirectiveKind::Link(a) if is_link_path(a.value) => (LinkKind::File, a),
                DirectiveKind::Link(a) => (LinkKind::Library, a),
                DirectiveKind::CSource(a) => (LinkKind::CSource, a),
                _ => continue,
            };
            if arg.value.is_empty() || arg.value.starts_with('-') {
                continue;
            }
            let path = if kind == LinkKind::Library { arg.value.to_string() } else { dir.join(arg.value).to_string_lossy().into_owned() };
            if out.iter().any(|l| l.kind == kind && l.path == path) {
                continue;
            }
            out.push(LinkInput { kind, value: arg.value.to_string(), path, span: d.span });
        }
    }
    out
}

/// A `@link` value naming a file rather than a library: it contains a path
/// separator or ends in `.a`, `.o` or `.so`.
fn is_link_path(v: &str) -> bool {
    v.contains('/') || v.ends_with(".a") || v.ends_with(".o") || v.ends_with(".so")
}

/// A scalar or raw word: what every position of the boundary admits.
pub fn is_c_word(t: &Types, ty: TyId) -> bool {
    matches!(t.kind(ty), TyKind::Int { .. } | TyKind::Float { .. } | TyKind::Bool | TyKind::Char | TyKind::Rune | TyKind::RawPtr(_) | TyKind::VoidPtr | TyKind::Err)
}

/// How a diagnostic names a kind of type that cannot cross.
fn kind_phrase(t: &Types, ty: TyId) -> String {
    match t.kind(ty) {
        TyKind::Ptr(_) => "a managed pointer".into(),
        TyKind::Str => "a string".into(),
        TyKind::Slice(_) => "a slice".into(),
        TyKind::Array(..) => "an array".into(),
        TyKind::Tuple(_) => "a tuple".into(),
        TyKind::Func(..) => "a closure".into(),
        TyKind::Error => "an error value".into(),
        TyKind::Thread => "a thread handle".into(),
        TyKind::Interface(..) => "an interface".into(),
        TyKind::Enum(..) => "an enum".into(),
        TyKind::Struct(..) => "a struct".into(),
        TyKind::Void => "void".into(),
        _ => t.name(ty),
    }
}

const MANAGED_ADVICE: &str = "use *raw T or *void, since a managed *T carries a generation C cannot read";

impl<'a, 'd> Checker<'a, 'd> {
    // ----- declarations -------------------------------------------------

    /// Every `foreign` block of the program, in file order.
    pub(super) fn declare_foreign_blocks(&mut self, files: &[ParsedFile<'a>]) {
        for f in files {
            for item in f.ast.items {
                if let Item::Foreign(block) = item {
                    self.declare_foreign(block);
                }
            }
        }
    }

    /// `foreign "C" { ... }`: resolve and check each signature, then enter
    /// the functions into the program-wide foreign table.
    pub(super) fn declare_foreign(&mut self, block: &'a ForeignItem<'a>) {
        if block.abi.value != "C" {
            self.err(block.abi.span, "the only supported foreign calling convention is \"C\"");
            return;
        }
        for func in block.funcs {
            let name = func.name.name;
            if is_builtin(name) || CAST_NAMES.contains(&name) {
                self.err(func.name.span, format!("'{}' is a builtin; a function cannot take its name", name));
                continue;
            }
            let params: Vec<TyId> = func.params.iter().map(|p| self.resolve_type(p.ty)).collect();
            let ret = self.resolve_type(func.ret);
            let mut decl = ForeignDecl { func, symbol: name.to_string(), params, ret, variadic: func.variadic, callback: false, by_value: false };
            self.foreign_signature(&mut decl);
            // The same C symbol may be declared in several files (or twice);
            // the declarations must agree.
            if let Some(prev) = self.cabi.lookup(name) {
                let p = &self.cabi.foreign[prev as usize];
                if p.params != decl.params || p.ret != decl.ret || p.variadic != decl.variadic {
                    self.err(func.name.span, format!("foreign function '{}' is declared again with a different signature", name));
                }
                continue;
            }
            if self.g.global.contains_key(name) || self.gen.global.contains_key(name) {
                self.err(func.name.span, format!("duplicate definition of '{}'", name));
                continue;
            }
            let id = self.cabi.foreign.len() as u32;
            self.cabi.foreign.push(decl);
            self.cabi.by_name.insert(name.to_string(), id);
        }
    }

    /// The boundary rules for one foreign signature; sets `callback` and
    /// `by_value`.
    fn foreign_signature(&mut self, d: &mut ForeignDecl<'a>) {
        let fname = d.func.name.name;
        for (p, &t) in d.func.params.iter().zip(&d.params.clone()) {
            let span = p.ty.span;
            match self.types.kind(t).clone() {
                _ if is_c_word(&self.types, t) => {}
                TyKind::Struct(..) if d.variadic => {
                    self.err(span, format!("foreign function '{}' is variadic and cannot take a struct by value; a variadic foreign function takes only scalars and raw pointers", fname));
                }
                TyKind::Struct(..) => {
                    d.by_value = true;
                    self.c_plain_struct(t, span);
                }
                TyKind::Func(..) if d.variadic => {
                    self.err(span, format!("foreign function '{}' is variadic and cannot take a function pointer parameter; a C callback and a varargs tail cannot be combined", fname));
                }
                TyKind::Func(ps, r) => {
                    d.callback = true;
                    self.callback_signature(fname, &ps, r, span);
                }
                TyKind::Ptr(_) => self.err(span, format!("foreign function '{}': parameter '{}' is a managed pointer; {}", fname, p.name.name, MANAGED_ADVICE)),
                TyKind::Array(..) => self.err(span, format!("foreign function '{}': parameter '{}' is an array; pass its backing as a *raw T", fname, p.name.name)),
                _ => {
                    let k = kind_phrase(&self.types, t);
                    self.err(span, format!("foreign function '{}': parameter '{}' is {}; the C boundary takes scalars, raw pointers, and nested plain structs", fname, p.name.name, k));
                }
            }
        }
        let (ret, span) = (d.ret, d.func.ret.span);
        match self.types.kind(ret).clone() {
            _ if is_c_word(&self.types, ret) => {}
            TyKind::Void => {}
            TyKind::Struct(..) => {
                d.by_value = true;
                self.c_plain_struct(ret, span);
            }
            TyKind::Func(..) => self.err(span, format!("foreign function '{}' cannot return a function pointer; a returned C function pointer has no dusk value to call, only an argument callback is supported", fname)),
            TyKind::Ptr(_) => self.err(span, format!("foreign function '{}' returns a managed pointer; {}", fname, MANAGED_ADVICE)),
            _ => {
                let k = kind_phrase(&self.types, ret);
                self.err(span, format!("foreign function '{}' returns {}; the C boundary takes scalars, raw pointers, and nested plain structs", fname, k));
            }
        }
    }

    /// A callback's own signature: one level of scalars and raw pointers.
    fn callback_signature(&mut self, fname: &str, params: &[TyId], ret: TyId, span: Span) {
        for &t in params.iter().chain(std::iter::once(&ret)) {
            if is_c_word(&self.types, t) || (t == ret && t == prim::VOID) {
                continue;
            }
            let what = match self.types.kind(t) {
                TyKind::Func(..) => "a nested function type cannot cross".to_string(),
                _ => format!("{} cannot cross", kind_phrase(&self.types, t)),
            };
            self.err(span, format!("foreign function '{}': a C callback's own parameters and return must be scalars or raw pointers; {}", fname, what));
            return;
        }
    }

    /// A struct crossing by value must be C plain: every field an integer,
    /// char, rune, float64, raw pointer, nested plain struct, or a fixed
    /// array of those. Reports the first field that is not.
    fn c_plain_struct(&mut self, t: TyId, span: Span) -> bool {
        let TyKind::Struct(sid, args) = self.types.kind(t).clone() else { return false };
        let sname = self.types.structs[sid as usize].name.clone();
        if !args.is_empty() {
            self.err(span, format!("struct '{}' is generic; instantiate a concrete struct or pass a pointer to it", self.tyname(t)));
            return false;
        }
        let fields = self.types.struct_fields(t).to_vec();
        if fields.is_empty() {
            self.err(span, format!("struct '{}' has no fields; C cannot size it at the boundary", sname));
            return false;
        }
        fields.iter().all(|(name, ft)| self.c_plain_field(name, *ft, span))
    }

    fn c_plain_field(&mut self, name: &str, t: TyId, span: Span) -> bool {
        let advice = match self.types.kind(t).clone() {
            TyKind::Int { .. } | TyKind::Char | TyKind::Rune | TyKind::RawPtr(_) | TyKind::VoidPtr | TyKind::Err => return true,
            TyKind::Float { bits: 64 } => return true,
            TyKind::Array(e, _) => return self.c_plain_field(name, e, span),
            TyKind::Struct(_, args) if args.is_empty() => return self.c_plain_struct(t, span),
            TyKind::Struct(..) => "is a generic struct; instantiate it or pass a pointer to it".to_string(),
            TyKind::Bool => "is bool; use char or int8 at the boundary".to_string(),
            TyKind::Float { .. } => "is float32; use float64 or pass by pointer".to_string(),
            TyKind::Ptr(_) => format!("is a managed pointer; {}", MANAGED_ADVICE),
            _ => format!("is {}; the C boundary takes scalars, raw pointers, and nested plain structs", kind_phrase(&self.types, t)),
        };
        self.err(span, format!("field '{}' {}", name, advice));
        false
    }

    /// `export "C" func f(...)`: a C ABI entry point under its bare name.
    pub(super) fn check_export_c(&mut self, func: &'a FuncItem<'a>) {
        let name = func.name.name;
        if !func.generics.is_empty() {
            // Refused with the generic declaration (check_generic.rs).
            return;
        }
        if name == "main" || name == "dusk__main" {
            self.err(func.name.span, "an exported C function cannot be named 'main'");
            return;
        }
        if name.starts_with("cool_") {
            self.err(func.name.span, "an exported C function name cannot start with 'cool_'");
            return;
        }
        let sig: Vec<(Option<&str>, &'a Type<'a>)> = func.params.iter().map(|p| (Some(p.name.name), p.ty)).chain(std::iter::once((None, func.ret))).collect();
        for (pname, ty) in sig {
            let t = self.resolve_type(ty);
            let what = match pname {
                Some(p) => format!("exported C function '{}': parameter '{}'", name, p),
                None => format!("exported C function '{}': the result", name),
            };
            let problem = match self.types.kind(t) {
                TyKind::Bool => "cannot be bool; use char or int8 at the boundary".to_string(),
                _ if is_c_word(&self.types, t) => continue,
                TyKind::Void if pname.is_none() => continue,
                TyKind::Struct(..) => "is a struct by value, which an export does not take yet; pass a *raw pointer to it".to_string(),
                TyKind::Ptr(_) => format!("is a managed pointer; {}", MANAGED_ADVICE),
                _ => format!("is {}; the C boundary takes scalars, raw pointers, and *void", kind_phrase(&self.types, t)),
            };
            self.err(ty.span, format!("{} {}", what, problem));
        }
    }

    // ----- uses ---------------------------------------------------------

    /// A foreign function named as a value (`f := abs`): only a plain one,
    /// since the indirect call goes through an ordinary closure thunk.
    pub(super) fn foreign_value(&mut self, e: &Expr, fid: u32) -> TyId {
        let d = &self.cabi.foreign[fid as usize];
        let name = d.symbol.clone();
        let refuse = if d.variadic {
            Some(format!("'{}' is a variadic foreign function; call it directly, it cannot be taken as a value", name))
        } else if d.by_value {
            Some(format!("'{}' is a foreign function that passes a struct by value; call it directly, it cannot be taken as a value", name))
        } else if d.callback {
            Some(format!("'{}' is a foreign function that takes a C callback; call it directly, it cannot be taken as a value", name))
        } else {
            None
        };
        if let Some(msg) = refuse {
            self.err(e.span, msg);
            return prim::ERR;
        }
        let (params, ret) = (d.params.clone(), d.ret);
        self.cabi.values.insert(key(e), fid);
        self.types.func(params, ret)
    }

    /// `f(args)` for a foreign `f`: fixed arguments as for any call, a
    /// callback argument by the callback rules, a vararg tail by the
    /// variadic rules.
    pub(super) fn foreign_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, fid: u32, args: &'a [Expr<'a>]) -> TyId {
        let (params, ret, variadic) = {
            let d = &self.cabi.foreign[fid as usize];
            (d.params.clone(), d.ret, d.variadic)
        };
        if variadic && args.len() < params.len() {
            self.err(e.span, format!("expected at least {} argument(s), found {}", params.len(), args.len()));
            return ret;
        }
        if !variadic && args.len() != params.len() {
            self.err(e.span, format!("expected {} argument(s), found {}", params.len(), args.len()));
        }
        for (i, a) in args.iter().enumerate() {
            match params.get(i) {
                Some(&p) if matches!(self.types.kind(p), TyKind::Func(..)) => self.callback_arg(cx, a, i + 1, p),
                Some(&p) => {
                    let t = self.expr(cx, a, Some(p));
                    if !self.assignable(t, p) {
                        self.err(a.span, format!("argument {} has the wrong type", i + 1));
                    }
                }
                None if variadic => self.vararg(cx, a, i + 1),
                None => {
                    self.expr(cx, a, None);
                }
            }
        }
        self.info.calls.insert(key(e), CallRes::Foreign(fid));
        ret
    }

    /// An argument in the `...` tail: a bare word C's calling convention
    /// already knows how to place.
    fn vararg(&mut self, cx: &mut FnCx, a: &'a Expr<'a>, n: usize) {
        let t = self.expr(cx, a, None);
        if is_c_word(&self.types, t) {
            return;
        }
        let advice = match self.types.kind(t) {
            TyKind::Ptr(_) => format!("is a managed pointer; pass a *raw T or *void, since a managed *T carries a generation C cannot read"),
            TyKind::Str => "is a string; pass a *raw char, a string view cannot cross a C vararg directly".to_string(),
            TyKind::Slice(_) => "is a slice; pass its backing as a *raw T".to_string(),
            TyKind::Array(..) => "is an array; pass its backing as a *raw T".to_string(),
            TyKind::Tuple(_) => "is a tuple; pass its elements individually".to_string(),
            TyKind::Struct(..) => "is a struct; pass a pointer to it".to_string(),
            TyKind::Param(..) => return,
            _ => format!("is {}; it cannot ride a C vararg", kind_phrase(&self.types, t)),
        };
        self.err(a.span, format!("argument {} to a variadic foreign function {}", n, advice));
    }

    /// A callback argument: a capture-free lambda literal or the bare name
    /// of a top-level, non-generic dusk function, whose signature equals the
    /// callback's exactly (C reads different widths from different registers).
    fn callback_arg(&mut self, cx: &mut FnCx, a: &'a Expr<'a>, n: usize, want: TyId) {
        let inner = a.unparen();
        let shape = format!("callback argument {} must be a capture-free lambda literal or the name of a top-level function; a closure value has no bare C function pointer", n);
        match &inner.kind {
            ExprKind::Lambda(l) => {
                // No expected type: the literal's own written signature is
                // what must equal the callback's.
                let t = self.expr(cx, a, None);
                let Some((owner, index)) = self.lambda_decl_of(l) else { return };
                if let Some(&cap) = self.funcs[owner as usize].lambdas[index].captures.first() {
                    let name = cx.locals[cap.0 as usize].name.clone();
                    self.err(a.span, format!("this callback captures '{}'; C has no environment for it, pass state through the *void user data argument the API carries", name));
                    return;
                }
                if t != want && t != prim::ERR {
                    self.err(a.span, format!("callback argument {}: expected {}, found {}", n, self.tyname(want), self.tyname(t)));
                    return;
                }
                self.cabi.callbacks.insert(key(a), Callback::Lambda { owner, index });
            }
            ExprKind::Name(id) if cx.lookup(id.name).is_none() => {
                if let Some(f) = self.lookup_func(cx, id.name) {
                    let (params, ret) = (self.funcs[f as usize].params.clone(), self.funcs[f as usize].ret);
                    let t = self.types.func(params, ret);
                    self.info.expr_ty.insert(key(a), t);
                    if t != want {
                        self.err(a.span, format!("callback argument {}: expected {}, found {}", n, self.tyname(want), self.tyname(t)));
                        return;
                    }
                    self.cabi.callbacks.insert(key(a), Callback::Func(f));
                } else if self.lookup_template(cx, id.name).is_some() {
                    self.err(a.span, format!("callback argument {} cannot be the generic function '{}'; a C callback needs one concrete function, and a generic function has none until it is instantiated", n, id.name));
                } else if self.cabi.lookup(id.name).is_some() {
                    self.err(a.span, shape);
                } else {
                    self.expr(cx, a, Some(want));
                }
            }
            _ => {
                let t = self.expr(cx, a, Some(want));
                if t != prim::ERR {
                    self.err(a.span, shape);
                }
            }
        }
    }

    /// The lifted declaration of lambda `l`: (owning function, index).
    fn lambda_decl_of(&self, l: &Lambda) -> Option<(u32, usize)> {
        for (fi, f) in self.funcs.iter().enumerate() {
            if let Some(i) = f.lambdas.iter().position(|d| std::ptr::eq(d.lambda, l)) {
                return Some((fi as u32, i));
            }
        }
        None
    }
}
