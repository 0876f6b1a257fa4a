//! Name resolution and type checking.
//!
//! Input: the parsed files of one program (user files, std modules, runtime).
//! Output: `Checked`, the program plus side tables keyed by AST node address
//! (the type of every expression, what every name and call resolves to, the
//! local each binding declares). The lowering reads only `Checked`.
//!
//! Rules follow the spec and the digest's wording for diagnostics. Constructs
//! the code generator cannot lower yet get `not supported yet: <construct>`.

use crate::ast::*;
use crate::diag::Diagnostics;
use crate::source::{FileId, SourceMap, Span};
use crate::types::{prim, TyId, TyKind, Types};
use std::collections::{HashMap, HashSet};

mod closures;
pub use closures::{Functional, LambdaDecl};
mod enums;
pub use enums::ArmRes;
mod std_builtins;
mod monads;
mod concurrency;
pub use concurrency::Launch;
mod async_fn;
mod tasks;
mod parallel;
pub use tasks::TaskOp;
mod iface;
pub use iface::{vtable_symbol, VTable};
mod ownership;
mod collector;
mod containers;
mod allocators;
pub use allocators::{AllocMethod, AllocRecv, Ambient};
pub use containers::ContainerLoop;
mod cabi;
pub use cabi::{Cabi, Callback, LinkKind};
#[path = "check_generic.rs"]
mod generic;

#[path = "check_heap.rs"]
pub mod heap;

/// Key of a side table: the address of the AST node (nodes live in the
/// arena for the whole compilation, so addresses are stable and unique).
pub fn key<T>(n: &T) -> usize {
    n as *const T as usize
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct LocalId(pub u32);

#[derive(Clone, Debug)]
pub struct Local {
    pub name: String,
    pub ty: TyId,
    pub mutable: bool,
}

/// What a `Name` expression refers to.
#[derive(Copy, Clone, Debug)]
pub enum NameRes {
    Local(LocalId),
    Func(u32),
}

/// Print family target.
#[derive(Clone, Debug)]
pub struct PrintCall {
    pub fd: i32,
    pub newline: bool,
    /// Format mode: the pieces of the literal; the holes take args[1..].
    pub format: Option<Vec<FmtPiece>>,
}

/// What a `Call` expression does.
#[derive(Clone, Debug)]
pub enum CallRes {
    Func(u32),
    /// `x.m(args)` on a struct: the receiver is the callee's base.
    Method(u32),
    /// `e.exists()`, `e.toString()` on an error.
    ErrorExists,
    ErrorToString,
    Cast(TyId),
    Print(PrintCall),
    /// `x.ignore()`: evaluate x, discard it.
    Ignore,
    /// `alloc`, `free`, `move` (check_heap.rs).
    Heap(heap::HeapOp),
    /// `sizeof(T or e)` folded to a constant.
    Sizeof(u64),
    PtrAdd,
    Cstr,
    /// A runtime-mode intrinsic (`__syscall`, `__rt_state`, ...).
    Intrinsic(&'static str),
    /// `__sys_nr("write")`, resolved per target by the lowering.
    SysNr(String),
    /// A concurrency intrinsic (`__atomic_add`, `__ctx_switch`, ...): a call
    /// to this routine of the runtime assembly (`asm/<arch>/conc.rs`).
    AsmCall(&'static str),
    /// `__fn_addr("__rt_name")`: the code address of a runtime function.
    FnAddr(String),
    /// A call through a function value: the callee expression (for `s.f(x)`
    /// the field `s.f`) evaluates to the closure.
    Closure,
    /// `map`, `filter`, `fold`, `reduce`, `foreach`.
    Functional(Functional),
    /// `e.check(f)`: calls `f(e)` when the error exists.
    ErrorCheck,
    /// `E.V(args)`: construct variant `V` (its tag) of the enum the call's type names.
    Variant(u32),
    /// `spawn(lambda ...)`, `submit(lambda ...)` (check/concurrency.rs).
    Launch(Launch),
    /// `join(t)`.
    Join,
    /// `task_spawn`, `task_spawn_stack`, `task_join` (check/tasks.rs).
    Task(TaskOp),
    /// `x.m(args)` on an interface value: a call through this vtable slot.
    Dynamic(u32),
    /// A call of `Cabi::foreign[i]`, by the platform C ABI (check/cabi.rs).
    Foreign(u32),
}

pub struct FuncDecl<'a> {
    pub item: &'a FuncItem<'a>,
    pub file: FileId,
    /// The link symbol.
    pub symbol: String,
    pub params: Vec<TyId>,
    pub ret: TyId,
    pub locals: Vec<Local>,
    /// A method's receiver struct: `self` arrives as a pointer to the
    /// caller's storage and is local 0.
    pub receiver: Option<TyId>,
    /// Part of the runtime (`rt/`): a runtime service the compiler calls.
    pub runtime: bool,
    /// The lambdas written in the body, each lifted to its own function.
    pub lambdas: Vec<LambdaDecl<'a>>,
}

#[derive(Default)]
pub struct Info {
    pub expr_ty: HashMap<usize, TyId>,
    pub names: HashMap<usize, NameRes>,
    pub calls: HashMap<usize, CallRes>,
    /// Ident node -> local it declares (bindings, params, for binders).
    pub decls: HashMap<usize, LocalId>,
    /// A `parallel` statement -> the locals its branches reach through the
    /// enclosing frame (check/parallel.rs).
    pub parallels: HashMap<usize, Vec<LocalId>>,
    /// Lambda node -> its index in the enclosing function's `lambdas`.
    pub lambdas: HashMap<usize, usize>,
    /// A payload-less `E.V` (a `Field` node) -> the variant it constructs.
    pub variant_values: HashMap<usize, u32>,
    /// Match arm node -> what its pattern tests.
    pub arms: HashMap<usize, ArmRes>,
    /// The vtable of every complete `impl I for S`.
    pub vtables: Vec<VTable>,
    /// Bare lambda literals (by key) minted into `collector<F>` at a
    /// direct call's argument (check/collector.rs).
    pub minted: HashSet<usize>,
    /// `for` over a `*Vector`/`*Map` (ForStmt node) -> its accessor calls.
    pub container_loops: HashMap<usize, ContainerLoop>,
    /// Errors reported after the escape analysis, which still reads the
    /// construct they reject (`self` sent as a pointer through a generic
    /// parameter: the analysis names the thread escape first).
    pub deferred: Vec<(Span, String)>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MainForm {
    NoArgs,
    ArgcArgv,
}

pub struct Checked<'a> {
    pub sm: SourceMap,
    pub types: Types,
    pub funcs: Vec<FuncDecl<'a>>,
    pub info: Info,
    pub main: Option<(u32, MainForm)>,
    /// A `do` expression (by key) -> the calls it desugars to, checked in its place.
    pub dos: HashMap<usize, &'a Expr<'a>>,
    /// The standard library's files (runtime files are `FuncDecl::runtime`).
    pub library: HashSet<FileId>,
    /// The C boundary: foreign functions, callbacks, `@link`/`@csource`.
    pub cabi: Cabi<'a>,
}

/// One parsed file handed to the checker.
pub struct ParsedFile<'a> {
    pub ast: File<'a>,
    /// Module path for imported files (`std.io`), empty for the root.
    pub module: String,
    pub is_root: bool,
    pub runtime: bool,
    /// Loaded from the standard library (`std/`): may call `__rt_*` runtime
    /// functions, since std services are built on the runtime.
    pub library: bool,
}

const CAST_NAMES: [&str; 12] = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "char", "rune", "float32", "float64"];
const BUILTINS: [&str; 27] = [
    "alloc", "free", "move", "print", "println", "printerr", "sizeof", "hash", "spawn", "join", "submit", "async_run", "alloc_bytes",
    "ptr_add", "cstr", "read_file", "write_file", "read_line", "read_all", "parse_float", "debug_alloc", "debug_free", "debug_leaks",
    "debug_double_frees", "map", "filter", "fold",
];
const MORE_BUILTINS: [&str; 2] = ["reduce", "foreach"];

fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name) || MORE_BUILTINS.contains(&name)
}

struct Paradigms {
    procedural: bool,
    functional: bool,
    oop: bool,
}

/// Program-wide tables built before any body is checked.
struct Globals {
    /// Exported (and root-file) functions by name.
    global: HashMap<String, u32>,
    /// Private functions per file.
    private: HashMap<(u32, String), u32>,
    /// Runtime functions by name (visible to runtime files only).
    runtime: HashMap<String, u32>,
    /// Standard-library files: they see the runtime's `__rt_*` functions too.
    library: HashSet<FileId>,
}

/// `arena` is the one the files' ASTs live in: generic instances copy
/// their bodies into it.
pub fn check<'a>(arena: &'a bumpalo::Bump, sm: SourceMap, files: &[ParsedFile<'a>], diags: &mut Diagnostics) -> Checked<'a> {
    let library = files.iter().filter(|f| f.library).map(|f| f.ast.file).collect();
    let mut c = Checker { types: Types::new(), funcs: Vec::new(), info: Info::default(), diags, g: Globals { global: HashMap::new(), private: HashMap::new(), runtime: HashMap::new(), library }, structs: HashMap::new(), methods: HashMap::new(), interfaces: Default::default(), arena, tparams: Vec::new(), gen: Default::default(), enums: HashMap::new(), own: Default::default(), ifaces: Default::default(), monads: Default::default(), cabi: Default::default(), asyncs: Default::default() };
    c.cabi.links = cabi::collect_links(&sm, files);
    c.collect(files);
    let main = c.find_main(files);
    let declared = c.funcs.len();
    // A worklist: checking a body may append generic instances to `funcs`.
    let mut i = 0;
    while i < c.funcs.len() {
        let f = &files.iter().find(|f| f.ast.file == c.funcs[i].file).unwrap();
        let par = if i < declared { paradigms(&f.ast, c.diags, f.runtime) } else { paradigms(&f.ast, &mut Diagnostics::new(), f.runtime) };
        c.check_func(i as u32, &par, f.runtime);
        i += 1;
    }
    c.check_templates(files);
    if let Err(t) = c.types.complete_instances() {
        // Report at the declaration of the type that keeps growing.
        let (is_struct, name) = match c.types.kind(t) {
            TyKind::Struct(id, _) => (true, c.types.structs[*id as usize].name.clone()),
            TyKind::Enum(id, _) => (false, c.types.enums[*id as usize].name.clone()),
            _ => (false, String::new()),
        };
        let decl = files.iter().flat_map(|f| f.ast.items).find_map(|item| match item {
            Item::Struct(st) if is_struct && st.name.name == name => Some(st.name.span),
            Item::Enum(en) if !is_struct && en.name.name == name => Some(en.name.span),
            _ => None,
        });
        let msg = format!("generic type instances do not terminate: '{}' nests itself under ever larger type arguments", name);
        match decl {
            Some(span) => c.diags.error(span, msg),
            None => c.diags.error_global(msg),
        }
    }
    if c.diags.has_errors() {
        // The escape analysis will not run to report these after it.
        for (span, msg) in std::mem::take(&mut c.info.deferred) {
            c.diags.error(span, msg);
        }
    }
    c.types.erase_collectors();
    let Checker { types, funcs, info, monads, g, cabi, .. } = c;
    Checked { sm, types, funcs, info, main, dos: monads.dos, library: g.library, cabi }
}

fn paradigms(f: &File, diags: &mut Diagnostics, runtime: bool) -> Paradigms {
    let mut p = Paradigms { procedural: false, functional: false, oop: false };
    let mut any = false;
    for d in f.directives {
        if let DirectiveKind::Paradigm(id) = &d.kind {
            any = true;
            match id.name {
                "procedural" => p.procedural = true,
                "functional" => p.functional = true,
                "oop" => p.oop = true,
                other if !runtime => diags.error(id.span, format!("unknown paradigm '{}'", other)),
                _ => {}
            }
        }
    }
    if !any {
        p.procedural = true;
    }
    p
}

struct Checker<'a, 'd> {
    types: Types,
    funcs: Vec<FuncDecl<'a>>,
    info: Info,
    diags: &'d mut Diagnostics,
    g: Globals,
    /// Struct names to their ids in `types.structs`.
    structs: HashMap<String, u32>,
    /// (struct id, method name) -> function.
    methods: HashMap<(u32, String), u32>,
    /// Declared interface names (interface values are not lowered yet).
    interfaces: std::collections::HashSet<String>,
    /// Enum names to their ids in `types.enums`.
    enums: HashMap<String, u32>,
    /// The arena of the AST (generic instances copy their bodies into it).
    arena: &'a bumpalo::Bump,
    /// Type parameter names in scope and what they stand for: abstract
    /// `Param` types in a generic declaration, ground types in an instance.
    tparams: Vec<(String, TyId)>,
    /// Generic templates and their instances.
    gen: generic::Generics<'a>,
    /// Interfaces by name and the impls of them.
    ifaces: iface::Ifaces<'a>,
    /// Ownership verdicts of managed-pointer bindings (check_heap.rs).
    own: ownership::Ownership,
    /// Monad blocks and `do` desugarings (check/monads.rs).
    monads: monads::Monads<'a>,
    /// Foreign functions and the C boundary (check/cabi.rs).
    cabi: cabi::Cabi<'a>,
    /// Await shapes (check/async_fn.rs).
    asyncs: async_fn::AsyncCx,
}

/// A local's checking state.
struct LocalState {
    name: String,
    ty: TyId,
    mutable: bool,
    used: bool,
    /// Unused-variable checking applies to let-style bindings only.
    check_unused: bool,
    span: Span,
    /// An `error` binding not yet handled (exists/check/ignore/return/pass on).
    error_unhandled: bool,
}

struct FnCx<'p> {
    locals: Vec<LocalState>,
    scopes: Vec<Vec<LocalId>>,
    ret: TyId,
    loops: u32,
    file: FileId,
    par: &'p Paradigms,
    runtime: bool,
    lam: closures::LambdaCx,
    /// The `using` parameter: `alloc` and `free` in this body go through it.
    allocator: Option<LocalId>,
}

impl<'p> FnCx<'p> {
    fn lookup(&self, name: &str) -> Option<LocalId> {
        for s in self.scopes.iter().rev() {
            for &id in s.iter().rev() {
                if self.locals[id.0 as usize].name == name {
                    return Some(id);
                }
            }
        }
        None
    }
}

fn int_range(bits: u8, signed: bool) -> (i128, i128) {
    if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

impl<'a, 'd> Checker<'a, 'd> {
    fn err(&mut self, span: Span, msg: impl Into<String>) {
        let msg = msg.into();
        if self.first_report(span, &msg) {
            self.diags.error(span, msg);
        }
    }

    fn tyname(&self, t: TyId) -> String {
        self.types.name(t)
    }

    // ----- declarations -------------------------------------------------

    fn collect(&mut self, files: &[ParsedFile<'a>]) {
        // Struct names first, then their fields, so fields may name any struct.
        let mut struct_items = Vec::new();
        let mut enum_items = Vec::new();
        for f in files {
            for item in f.ast.items {
                if let Item::Enum(en) = item {
                    enum_items.extend(self.declare_enum(en));
                }
                if let Item::Interface(it) = item {
                    self.interfaces.insert(it.name.name.to_string());
                    self.declare_interface(it);
                }
                if let Item::Struct(st) = item {
                    if self.structs.contains_key(st.name.name) || self.enums.contains_key(st.name.name) || Types::primitive(st.name.name).is_some() {
                        self.err(st.name.span, format!("duplicate definition of '{}'", st.name.name));
                        continue;
                    }
                    let id = self.types.structs.len() as u32;
                    let generics = st.generics.iter().map(|g| g.name.to_string()).collect();
                    self.types.structs.push(crate::types::StructDef { name: st.name.name.to_string(), generics, fields: Vec::new() });
                    self.structs.insert(st.name.name.to_string(), id);
                    struct_items.push((id, *st));
                }
            }
        }
        for &(id, st) in &struct_items {
            let mut fields: Vec<(String, TyId)> = Vec::new();
            let generic_tys = self.generic_struct_fields(&st);
            for (fld, t) in st.fields.iter().zip(generic_tys) {
                if fields.iter().any(|(n, _)| n == fld.name.name) {
                    self.err(fld.name.span, format!("duplicate field '{}'", fld.name.name));
                }
                fields.push((fld.name.name.to_string(), t));
            }
            self.types.structs[id as usize].fields = fields;
        }
        self.define_enums(&enum_items);
        self.reject_struct_cycles(&struct_items);
        self.define_interfaces();
        for (fi, f) in files.iter().enumerate() {
            for item in f.ast.items {
                match item {
                    Item::Func(func) if func.vis == Visibility::ExportC => {
                        self.check_export_c(func);
                        self.declare_func(fi as u32, f, func)
                    }
                    Item::Func(func) => self.declare_func(fi as u32, f, func),
                    Item::Impl(im) => self.declare_impl(fi as u32, f, im),
                    Item::Struct(_) => {}
                    Item::Enum(_) => {}
                    Item::Interface(it) => {
                        if !f.runtime && !paradigms(&f.ast, &mut Diagnostics::new(), true).oop {
                            self.err(it.span, format!("the '{}' interface requires the oop paradigm; add '@paradigm oop'", it.name.name));
                        }
                    }
                    // After every dusk function, so a name clash is seen either way.
                    Item::Foreign(_) => {}
                    Item::Monad(m) => self.declare_monad(f, m),
                }
            }
        }
        self.declare_foreign_blocks(files);
    }

    /// `impl S { ... }` / `impl I for S { ... }`: methods become functions
    /// named `S.m` taking the receiver first.
    fn declare_impl(&mut self, _fi: u32, f: &ParsedFile<'a>, im: &'a ImplItem<'a>) {
        if !f.runtime && !paradigms(&f.ast, &mut Diagnostics::new(), true).oop {
            self.err(im.span, format!("the impl of '{}' requires the oop paradigm; add '@paradigm oop'", im.target.name));
        }
        if let Some(i) = &im.interface {
            // Interfaces are checked for shape only once interface values exist.
            let _ = i;
        }
        if self.enums.contains_key(im.target.name) {
            self.err(im.target.span, format!("methods are supported on struct types only; '{}' is an enum, match on it instead", im.target.name));
            return;
        }
        let Some(&sid) = self.structs.get(im.target.name) else {
            self.err(im.target.span, format!("unknown type '{}'; no type of that name is declared or imported", im.target.name));
            return;
        };
        let recv = self.types.intern(TyKind::Struct(sid, vec![]));
        if !self.impl_head(im, sid) {
            return;
        }
        for m in im.methods {
            if self.methods.contains_key(&(sid, m.name.name.to_string())) || self.gen.methods.contains_key(&(sid, m.name.name.to_string())) {
                self.err(m.name.span, format!("duplicate method '{}' on '{}'", m.name.name, im.target.name));
                continue;
            }
            if !self.types.structs[sid as usize].generics.is_empty() || !m.generics.is_empty() {
                self.declare_method_template(f, sid, m);
                continue;
            }
            let mut params = Vec::new();
            for p in m.params {
                params.push(self.resolve_type(p.ty));
            }
            let ret = self.resolve_type(m.ret);
            self.refuse_interface_return(ret, m.ret.span);

            let id = self.funcs.len() as u32;
            let symbol = format!("{}.{}", im.target.name, m.name.name);
            self.funcs.push(FuncDecl { item: m, file: f.ast.file, symbol, params, ret, locals: Vec::new(), receiver: Some(recv), runtime: f.runtime, lambdas: Vec::new() });
            self.methods.insert((sid, m.name.name.to_string()), id);
        }
        self.impl_complete(im, sid);
    }

    fn declare_func(&mut self, fi: u32, f: &ParsedFile<'a>, func: &'a FuncItem<'a>) {
        let name = func.name.name;
        if !f.runtime {
            if is_builtin(name) {
                self.err(func.name.span, format!("'{}' is a builtin; a function cannot take its name", name));
                return;
            }
            if CAST_NAMES.contains(&name) {
                self.err(func.name.span, format!("'{}' is a primitive type name; a function cannot take it", name));
                return;
            }
        }
        if !func.generics.is_empty() {
            self.declare_template(fi, f, func);
            return;
        }
        let mut params = Vec::new();
        for p in func.params {
            params.push(self.resolve_type(p.ty));
        }
        let ret = self.resolve_type(func.ret);
        self.refuse_interface_return(ret, func.ret.span);
        self.check_owning(func, ret);
        if func.is_async {
            self.async_signature(func, &params, ret);
        }

        let id = self.funcs.len() as u32;
        let exported = func.vis != Visibility::Private || f.is_root;
        let symbol = if f.runtime || exported { name.to_string() } else { format!("{}.{}", name, fi) };
        let table_dup = if f.runtime {
            self.g.runtime.insert(name.to_string(), id)
        } else if exported {
            self.g.global.insert(name.to_string(), id)
        } else {
            self.g.private.insert((fi, name.to_string()), id)
        };
        if table_dup.is_some() || self.template_taken(fi, f.runtime, name) {
            self.err(func.name.span, format!("duplicate definition of '{}'", name));
        }
        self.funcs.push(FuncDecl { item: func, file: f.ast.file, symbol, params, ret, locals: Vec::new(), receiver: None, runtime: f.runtime, lambdas: Vec::new() });
        let _ = fi;
    }

    fn find_main(&mut self, files: &[ParsedFile<'a>]) -> Option<(u32, MainForm)> {
        let root = files.iter().find(|f| f.is_root)?;
        let id = *self.g.global.get("main")?;
        let f = &self.funcs[id as usize];
        if f.file != root.ast.file {
            return None;
        }
        let item = f.item;
        let ret_ok = f.ret == prim::I32 || f.ret == prim::I64;
        let form = match f.params.as_slice() {
            [] => MainForm::NoArgs,
            [a, b] if *a == prim::I32 && matches!(self.types.kind(*b), TyKind::Slice(e) if *e == prim::STR) => MainForm::ArgcArgv,
            _ => {
                self.err(item.name.span, "main takes no parameters or (argc: int32, argv: string[]); the allocator form is not supported yet");
                return None;
            }
        };
        if !ret_ok {
            self.err(item.ret.span, "main returns int32 (or int64), the process exit status");
            return None;
        }
        Some((id, form))
    }

    fn resolve_type(&mut self, t: &Type) -> TyId {
        let ty = self.resolve_type_here(t);
        self.open_in_template(ty)
    }

    fn resolve_type_here(&mut self, t: &Type) -> TyId {
        match &t.kind {
            TypeKind::Named { name, args } => {
                if let Some(t) = self.tparam(name.name) {
                    if !args.is_empty() {
                        self.err(name.span, format!("'{}' takes no type arguments", name.name));
                    }
                    return t;
                }
                if let Some(p) = Types::primitive(name.name) {
                    if !args.is_empty() {
                        self.err(t.span, format!("'{}' takes no type arguments", name.name));
                    }
                    return p;
                }
                if let Some(&id) = self.structs.get(name.name) {
                    return self.struct_type(id, name, args, t.span);
                }
                if let Some(&id) = self.enums.get(name.name) {
                    return self.enum_type(id, args, t.span);
                }
                if let Some(t) = self.interface_type(name, args, t.span) {
                    return t;
                }
                self.err(name.span, format!("unknown type '{}'; no type of that name is declared or imported", name.name));
                prim::ERR
            }
            TypeKind::Ptr(inner) => {
                if matches!(inner.kind, TypeKind::Void) {
                    return prim::VOIDPTR;
                }
                let i = self.resolve_type(inner);
                self.types.ptr(i)
            }
            TypeKind::RawPtr(inner) => {
                let i = self.resolve_type(inner);
                self.types.raw_ptr(i)
            }
            TypeKind::Slice(inner) => {
                let i = self.resolve_type(inner);
                self.types.slice(i)
            }
            TypeKind::Array { elem, len } => {
                let i = self.resolve_type(elem);
                self.types.array(i, *len)
            }
            TypeKind::Tuple(ts) => {
                let v: Vec<TyId> = ts.iter().map(|t| self.resolve_type(t)).collect();
                self.types.tuple(v)
            }
            TypeKind::Func { params, ret } => {
                let v: Vec<TyId> = params.iter().map(|t| self.resolve_type(t)).collect();
                let r = self.resolve_type(ret);
                self.types.func(v, r)
            }
            TypeKind::Void | TypeKind::Unit => prim::VOID,
            TypeKind::Collector(inner) => self.collector_type(inner),
            TypeKind::Infer => prim::ERR,
        }
    }

    // ----- bodies -------------------------------------------------------

    fn check_func(&mut self, id: u32, par: &Paradigms, runtime: bool) {
        let (item, file, params, ret, receiver) = {
            let f = &self.funcs[id as usize];
            (f.item, f.file, f.params.clone(), f.ret, f.receiver)
        };
        // A generic instance: its type parameter names stand for its type arguments.
        let env = self.gen.env.get(&id).cloned();
        let generic = env.is_some();
        let saved = std::mem::replace(&mut self.gen.in_generic, generic);
        let locals = self.with_tparams(env.unwrap_or_default(), |c| c.check_body(Some(id), item, file, &params, ret, receiver, par, runtime));
        self.gen.in_generic = saved;
        self.funcs[id as usize].locals = locals;
    }

    /// Checks one body; returns its locals (a receiver is local 0).
    fn check_body(&mut self, func: Option<u32>, item: &'a FuncItem<'a>, file: FileId, params: &[TyId], ret: TyId, receiver: Option<TyId>, par: &Paradigms, runtime: bool) -> Vec<Local> {
        let mut cx = FnCx { locals: Vec::new(), scopes: vec![Vec::new()], ret, loops: 0, file, par, runtime, lam: closures::LambdaCx::new(func), allocator: None };
        self.own_begin(item);
        if let Some(recv) = receiver {
            let lid = LocalId(cx.locals.len() as u32);
            cx.locals.push(LocalState { name: "self".into(), ty: recv, mutable: true, used: false, check_unused: false, span: item.name.span, error_unhandled: false });
            cx.scopes.last_mut().unwrap().push(lid);
        }
        for (p, &ty) in item.params.iter().zip(params) {
            let l = self.declare(&mut cx, &p.name, ty, false, false);
            if p.using && cx.allocator.is_none() {
                cx.allocator = Some(l);
            }
        }
        self.own_params(&cx, item);
        self.block_stmts(&mut cx, item.body);
        if ret != prim::VOID && ret != prim::ERR && !block_returns(item.body) {
            self.err(item.body.span, "not all paths in this function return a value");
        }
        self.close_scope(&mut cx);
        cx.locals.into_iter().map(|l| Local { name: l.name, ty: l.ty, mutable: l.mutable }).collect()
    }

    fn declare(&mut self, cx: &mut FnCx, id: &Ident, ty: TyId, mutable: bool, check_unused: bool) -> LocalId {
        let scope = cx.scopes.last().unwrap();
        if let Some(&prev) = scope.iter().find(|l| cx.locals[l.0 as usize].name == id.name) {
            if id.name != "_" {
                self.err(id.span, format!("'{}' is already declared in this scope", id.name));
                // One mistake, one report: the earlier binding is not also "unused".
                cx.locals[prev.0 as usize].used = true;
            }
        }
        self.own_declare(id);
        let lid = LocalId(cx.locals.len() as u32);
        cx.locals.push(LocalState { name: id.name.to_string(), ty, mutable, used: false, check_unused, span: id.span, error_unhandled: ty == prim::ERROR });
        cx.scopes.last_mut().unwrap().push(lid);
        self.info.decls.insert(key(id), lid);
        lid
    }

    fn close_scope(&mut self, cx: &mut FnCx) {
        let s = cx.scopes.pop().unwrap();
        for l in s {
            let st = &cx.locals[l.0 as usize];
            if st.error_unhandled && st.name != "_" && !cx.runtime {
                let (span, name) = (st.span, st.name.clone());
                self.err(span, format!("the error '{}' is never handled; inspect it with exists, handle it with check, or discard it with ignore", name));
            } else if st.check_unused && !st.used && st.name != "_" {
                let (span, name) = (st.span, st.name.clone());
                self.err(span, format!("unused variable '{}'", name));
            }
        }
    }

    fn block(&mut self, cx: &mut FnCx, b: &'a Block<'a>) {
        cx.scopes.push(Vec::new());
        self.block_stmts(cx, b);
        self.close_scope(cx);
    }

    fn block_stmts(&mut self, cx: &mut FnCx, b: &'a Block<'a>) {
        for s in b.stmts {
            self.stmt(cx, s);
        }
    }

    fn gate(&mut self, cx: &FnCx, ok: bool, span: Span, what: &str, p: &str) {
        if !ok && !cx.runtime {
            self.err(span, format!("{} requires the {} paradigm; add '@paradigm {}'", what, p, p));
        }
    }

    fn stmt(&mut self, cx: &mut FnCx, s: &'a Stmt<'a>) {
        self.note_await(s);
        match &s.kind {
            StmtKind::Let(b) => self.let_stmt(cx, s, b),
            StmtKind::Assign { place, value } => {
                let pt = self.place(cx, place);
                let vt = match self.char_array_init(value, pt) {
                    Some(t) => t,
                    None => self.expr(cx, value, Some(pt)),
                };
                if !self.assignable(vt, pt) {
                    self.err(value.span, "assignment type mismatch");
                }
                self.own_assign(cx, place, value);
            }
            StmtKind::CompoundAssign { op, place, value } => {
                let pt = self.place(cx, place);
                self.mark_read(cx, place);
                let vt = self.expr(cx, value, Some(pt));
                if pt == prim::STR && *op == BinOp::Add {
                    if vt != prim::STR && vt != prim::ERR {
                        self.err(value.span, "assignment type mismatch");
                    }
                } else {
                    self.binary_types(*op, pt, vt, s.span, Some(value));
                }
            }
            StmtKind::IncDec { place, .. } => {
                let pt = self.place(cx, place);
                self.mark_read(cx, place);
                if !self.types.is_integral(pt) && pt != prim::ERR {
                    self.err(place.span, format!("'++' and '--' need an integer, not {}", self.tyname(pt)));
                }
            }
            StmtKind::If(i) => self.if_stmt(cx, i),
            StmtKind::While { cond, body } => {
                self.gate(cx, cx.par.procedural, s.span, "the 'while' loop", "procedural");
                let t = self.expr(cx, cond, Some(prim::BOOL));
                if t != prim::BOOL && t != prim::ERR {
                    self.err(cond.span, "while condition must be a bool");
                }
                let entry = self.own.loop_enter();
                cx.loops += 1;
                self.block(cx, body);
                cx.loops -= 1;
                // `while true` is left only through a break.
                let forever = matches!(cond.unparen().kind, ExprKind::Bool(true));
                self.own.loop_leave((!forever).then_some(entry));
            }
            StmtKind::DoWhile { body, cond } => {
                self.gate(cx, cx.par.procedural, s.span, "the 'do while' loop", "procedural");
                self.own.loop_enter();
                cx.loops += 1;
                self.block(cx, body);
                cx.loops -= 1;
                self.own.loop_leave(None);
                let t = self.expr(cx, cond, Some(prim::BOOL));
                if t != prim::BOOL && t != prim::ERR {
                    self.err(cond.span, "while condition must be a bool");
                }
            }
            StmtKind::For(f) => {
                self.gate(cx, cx.par.procedural, s.span, "the 'for' loop", "procedural");
                let ExprKind::Range { lo, hi, .. } = &f.iter.unparen().kind else {
                    let t = self.expr(cx, f.iter, None);
                    let (elem, second_ty) = match self.types.kind(self.types.rep(t)) {
                        TyKind::Array(e, _) | TyKind::Slice(e) => (*e, None),
                        TyKind::Str => (prim::CHAR, None),
                        TyKind::Err => (prim::ERR, None),
                        _ => match self.container_for(cx, f, t) {
                            Some(binders) => binders,
                            None => {
                                let n = match f.iter.unparen().kind {
                                    ExprKind::Int { suffix: None, .. } => "an integer literal".to_string(),
                                    ExprKind::Float { suffix: None, .. } => "a float literal".to_string(),
                                    _ => self.tyname(t),
                                };
                                self.err(f.iter.span, format!("cannot iterate {}; a for loop takes an array, a slice, a string, a *Vector, or a *Map", n));
                                (prim::ERR, None)
                            }
                        },
                    };
                    if let (Some(second), None) = (&f.second, second_ty) {
                        self.err(second.span, "two loop names bind a map's key and value; this iterand has only elements");
                    }
                    cx.scopes.push(Vec::new());
                    let binder = self.declare(cx, &f.first, elem, false, false);
                    self.own_borrow(cx, binder);
                    if let (Some(second), Some(vt)) = (&f.second, second_ty) {
                        let binder = self.declare(cx, second, vt, false, false);
                        self.own_borrow(cx, binder);
                    }
                    let entry = self.own.loop_enter();
                    cx.loops += 1;
                    self.block(cx, f.body);
                    cx.loops -= 1;
                    self.own.loop_leave(Some(entry));
                    self.close_scope(cx);
                    return;
                };
                let (lt, ht) = self.operands(cx, lo, hi, None);
                let ty = if lt == prim::ERR { ht } else { lt };
                if !(self.types.is_integral(ty) || ty == prim::ERR) || (lt != ht && lt != prim::ERR && ht != prim::ERR) {
                    self.err(f.iter.span, "a range needs two integers of the same type");
                }
                if let Some(second) = &f.second {
                    self.err(second.span, "two loop names bind a map's key and value; this iterand has only elements");
                }
                self.info.expr_ty.insert(key(f.iter), ty);
                cx.scopes.push(Vec::new());
                self.declare(cx, &f.first, ty, false, false);
                let entry = self.own.loop_enter();
                cx.loops += 1;
                self.block(cx, f.body);
                cx.loops -= 1;
                self.own.loop_leave(Some(entry));
                self.close_scope(cx);
            }
            StmtKind::Match(m) => self.match_stmt(cx, m),
            StmtKind::Return(v) => self.return_stmt(cx, *v, s.span),
            StmtKind::Break => {
                self.gate(cx, cx.par.procedural, s.span, "the 'break' statement", "procedural");
                if cx.loops == 0 {
                    self.err(s.span, "break is only legal inside a loop");
                }
                self.own.jump();
            }
            StmtKind::Continue => {
                self.gate(cx, cx.par.procedural, s.span, "the 'continue' statement", "procedural");
                if cx.loops == 0 {
                    self.err(s.span, "continue is only legal inside a loop");
                }
                self.own.jump();
            }
            StmtKind::Defer(e) => self.defer_stmt(cx, s, e),
            StmtKind::Parallel(b) => self.parallel_stmt(cx, s, b),
            StmtKind::Expr(e) => {
                let t = self.expr(cx, e, None);
                if t == prim::ERROR {
                    self.err(e.span, "this expression's error result is ignored; bind it and handle the error with exists, check, or ignore");
                }
                self.future_dropped(e);
                if is_noreturn_call(e) {
                    self.own.end_path();
                }
            }
        }
    }

    /// A string literal initializes a `char[N]` directly (let and assignment
    /// positions only) when its byte length is exactly N. The literal then
    /// has type `char[N]`: its N bytes are copied, the NUL is not.
    fn char_array_init(&mut self, value: &'a Expr<'a>, target: TyId) -> Option<TyId> {
        let TyKind::Array(el, n) = *self.types.kind(target) else { return None };
        let ExprKind::Str(s) = &value.unparen().kind else { return None };
        if el != prim::CHAR {
            return None;
        }
        if s.bytes.len() as u64 != n {
            self.err(value.span, format!("the string literal has {} byte(s); the annotation says char[{}]", s.bytes.len(), n));
        }
        self.info.expr_ty.insert(key(value), target);
        self.info.expr_ty.insert(key(value.unparen()), target);
        Some(target)
    }

    /// `defer e`: only at the top level of the function body, where the
    /// lowering can replay it (lexically registered) before every return.
    fn defer_stmt(&mut self, cx: &mut FnCx, s: &'a Stmt<'a>, e: &'a Expr<'a>) {
        // The body's statements run in the function's (or lambda's)
        // outermost scope; any block (if, loop, match arm) opens another.
        if cx.scopes.len() != cx.lam.body_depth() {
            self.err(s.span, "a defer inside a conditional or loop is not supported; register it at the top level of the function");
        }
        let t = self.expr(cx, e, None);
        if t == prim::ERROR {
            self.err(e.span, "this expression's error result is ignored; bind it and handle the error with exists, check, or ignore");
        }
    }

    /// `f"..{e}.."`: a fresh heap string; each hole must be printable.
    fn fstring(&mut self, cx: &mut FnCx, parts: &'a [FStrPart<'a>]) -> TyId {
        for p in parts {
            if let FStrPart::Hole(h) = p {
                let t = self.expr(cx, h, None);
                self.printable(t, h.span);
            }
        }
        prim::STR
    }

    /// `return` / `return e` (also a `Pat => return e` match arm).
    fn return_stmt(&mut self, cx: &mut FnCx, v: Option<&'a Expr<'a>>, span: Span) {
        let ret = cx.ret;
        match v {
            None => {
                if ret != prim::VOID && ret != prim::ERR {
                    self.err(span, "missing return value");
                }
            }
            Some(e) => {
                self.mark_handled(cx, e);
                let t = self.expr(cx, e, Some(ret));
                if ret == prim::VOID {
                    if t != prim::VOID {
                        self.err(e.span, "return type does not match the function's return type");
                    }
                } else if !self.assignable(t, ret) && !self.self_for_pointer(cx, e, Some(ret)) {
                    self.err(e.span, "return type does not match the function's return type");
                }
            }
        }
        self.own_return(v);
    }

    fn let_stmt(&mut self, cx: &mut FnCx, s: &'a Stmt<'a>, b: &'a Binding<'a>) {
        if b.mode == BindMode::Mut {
            self.gate(cx, cx.par.procedural, s.span, "the 'mut' keyword", "procedural");
        }
        if b.names.len() != 1 {
            let anns: Vec<Option<TyId>> = b.names.iter().map(|n| n.ty.map(|t| self.resolve_type(t))).collect();
            let expected = if anns.iter().all(|a| a.is_some()) { Some(self.types.tuple(anns.iter().map(|a| a.unwrap()).collect())) } else { None };
            let vt = self.expr(cx, b.value, expected);
            self.task_detach(b);
            let members = match self.types.kind(vt) {
                TyKind::Tuple(ts) if ts.len() == b.names.len() => ts.clone(),
                TyKind::Err => vec![prim::ERR; b.names.len()],
                _ => {
                    self.err(b.value.span, "destructuring binding expects a tuple of matching arity");
                    vec![prim::ERR; b.names.len()]
                }
            };
            let mut lids = Vec::new();
            for ((n, ann), mt) in b.names.iter().zip(anns).zip(members) {
                let ty = match ann {
                    Some(a) => {
                        if !self.assignable(mt, a) {
                            self.err(n.name.span, format!("'{}' has a type annotation that does not match its value", n.name.name));
                        }
                        a
                    }
                    None => mt,
                };
                let l = self.declare(cx, &n.name, ty, b.mode == BindMode::Mut, true);
                lids.push(l);
            }
            self.own_destructure(cx, b.mode, b.value, &lids);
            return;
        }
        let n = &b.names[0];
        let ann = n.ty.map(|t| self.resolve_type(t));
        let vt = match ann.and_then(|a| self.char_array_init(b.value, a)) {
            Some(t) => t,
            None => self.expr(cx, b.value, ann),
        };
        let ty = match ann {
            Some(a) => {
                if !self.assignable(vt, a) {
                    self.err(n.name.span, format!("'{}' has a type annotation that does not match its value", n.name.name));
                }
                a
            }
            None => {
                if vt == prim::VOID {
                    self.err(b.value.span, "cannot bind a void value");
                }
                if let TyKind::Tuple(ts) = self.types.kind(vt) {
                    if ts.last() == Some(&prim::ERROR) && matches!(b.value.unparen().kind, ExprKind::Call { .. }) {
                        self.err(b.value.span, "a fallible result must be destructured; bind the value and the error, as in `v, e := f()`");
                    }
                }
                if b.mode == BindMode::Mut { self.mut_tuple_slots(b.value, vt) } else { vt }
            }
        };
        self.reserved_binding(&n.name, ty);
        if b.mode == BindMode::Ref && self.is_collector(ty) {
            self.err(n.name.span, collector::NOT_REF);
        }
        let l = self.declare(cx, &n.name, ty, b.mode == BindMode::Mut, true);
        self.own_binding(cx, b.mode, b.value, l);
    }

    /// The type of a `mut` binding inferred from a tuple literal: an array
    /// literal member is a slot a later reassignment may fill with a slice,
    /// so it is inferred as a slice (the array literal views into it).
    fn mut_tuple_slots(&mut self, value: &Expr, vt: TyId) -> TyId {
        let (ExprKind::Tuple(xs), TyKind::Tuple(ts)) = (&value.unparen().kind, self.types.kind(vt).clone()) else { return vt };
        if xs.len() != ts.len() {
            return vt;
        }
        let mut widened = false;
        let mut out = Vec::new();
        for (x, t) in xs.iter().zip(ts) {
            match (&x.unparen().kind, self.types.kind(t).clone()) {
                (ExprKind::Array(_), TyKind::Array(el, n)) if n > 0 => {
                    widened = true;
                    out.push(self.types.slice(el));
                }
                _ => out.push(t),
            }
        }
        if widened { self.types.tuple(out) } else { vt }
    }

    fn if_stmt(&mut self, cx: &mut FnCx, i: &'a IfStmt<'a>) {
        let t = self.expr(cx, i.cond, Some(prim::BOOL));
        if t != prim::BOOL && t != prim::ERR {
            self.err(i.cond.span, "if condition must be a bool");
        }
        let mut br = self.own.branches();
        self.block(cx, i.then);
        self.own.branch_done(&mut br);
        self.own.branch(&br);
        match &i.els {
            None => {}
            Some(Else::Block(b)) => self.block(cx, b),
            Some(Else::If(ii)) => self.if_stmt(cx, ii),
        }
        self.own.branch_done(&mut br);
        self.own.merge(br);
    }

    /// `v` may be stored where `t` is expected.
    fn assignable(&self, v: TyId, t: TyId) -> bool {
        if v == t || v == prim::ERR || t == prim::ERR {
            return true;
        }
        match (self.types.kind(v), self.types.kind(t)) {
            // *void accepts any raw or managed pointer, and converts to a
            // managed one (untracked: generation 0).
            (TyKind::RawPtr(_) | TyKind::Ptr(_), TyKind::VoidPtr) | (TyKind::VoidPtr, TyKind::Ptr(_)) => true,
            // An array is viewed as a slice of its elements (a frame view).
            (TyKind::Array(a, _), TyKind::Slice(b)) => a == b,
            // ... also as a member of a tuple or an element of an array.
            (TyKind::Tuple(_), TyKind::Tuple(_)) | (TyKind::Array(..), TyKind::Array(..)) => self.views_as(v, t),
            // char <-> integers convert implicitly, as do rune <-> integers.
            (TyKind::Int { .. }, TyKind::Char) | (TyKind::Char, TyKind::Int { .. }) => true,
            (TyKind::Int { .. }, TyKind::Rune) | (TyKind::Rune, TyKind::Int { .. }) => true,
            // A struct is boxed into an interface it implements.
            (TyKind::Struct(..), TyKind::Interface(..)) => self.implements(v, t),
            // A collector boxed into an interface is reported by name (collector_boxing).
            (TyKind::Collector(_), TyKind::Interface(..)) => true,
            (TyKind::Collector(_), _) => self.collector_widens(v, t),
            _ => false,
        }
    }

    /// Whether a value of type `v` becomes one of type `t` by viewing
    /// arrays as slices, member by member (`(int64[3], int64)` as
    /// `(int64[], int64)`); the lowering builds the converted aggregate.
    pub(crate) fn views_as(&self, v: TyId, t: TyId) -> bool {
        if v == t {
            return true;
        }
        match (self.types.kind(v), self.types.kind(t)) {
            (TyKind::Array(a, _), TyKind::Slice(b)) => a == b,
            (TyKind::Tuple(a), TyKind::Tuple(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| self.views_as(*x, *y)),
            (TyKind::Array(a, n), TyKind::Array(b, m)) => n == m && self.views_as(*a, *b),
            _ => false,
        }
    }

    /// Type of an assignable place; reports immutability.
    fn place(&mut self, cx: &mut FnCx, p: &'a Expr<'a>) -> TyId {
        match &p.unparen().kind {
            ExprKind::Name(id) => match cx.lookup(id.name) {
                Some(l) => {
                    self.info.names.insert(key(p.unparen()), NameRes::Local(l));
                    let captured = self.mutates_capture(cx, l, id.name, p.span);
                    let st = &cx.locals[l.0 as usize];
                    if !st.mutable && !captured {
                        self.err(p.span, format!("cannot assign to immutable '{}'", id.name));
                    }
                    let t = st.ty;
                    self.info.expr_ty.insert(key(p.unparen()), t);
                    t
                }
                None => {
                    self.err(p.span, format!("cannot assign to undefined name '{}'", id.name));
                    prim::ERR
                }
            },
            ExprKind::Index { base, .. } => {
                let bt = self.expr(cx, base, None);
                match self.types.kind(bt) {
                    TyKind::Str => {
                        self.err(p.span, "a string is immutable; build a new one with a StringBuilder");
                        prim::ERR
                    }
                    // Err: unknown here (an open type parameter in a generic template).
                    TyKind::RawPtr(_) | TyKind::Ptr(_) | TyKind::Slice(_) | TyKind::Err => self.expr(cx, p.unparen(), None),
                    _ => {
                        // Arrays need a mutable root binding, unless a slice or
                        // pointer on the way writes through to storage elsewhere.
                        if self.stores_in_frame(base) {
                          if let Some(root) = root_name(base) {
                            if let Some(l) = cx.lookup(root) {
                                if !self.mutates_capture(cx, l, root, p.span) && !cx.locals[l.0 as usize].mutable {
                                    self.err(p.span, format!("cannot assign to immutable '{}'", root));
                                }
                            }
                          }
                        }
                        self.expr(cx, p.unparen(), None)
                    }
                }
            }
            ExprKind::Unary { op: UnOp::Deref, .. } => self.expr(cx, p.unparen(), None),
            ExprKind::Field { base, name } => {
                // A field store needs the root binding `mut`, unless it goes through a deref.
                let through_deref = matches!(root_base(base).kind, ExprKind::Unary { op: UnOp::Deref, .. });
                if !through_deref {
                    if let Some(root) = root_name(base) {
                        if let Some(l) = cx.lookup(root) {
                            // `p.f = v` on a pointer gets the explicit-deref message below instead.
                            let through_pointer = matches!(self.types.kind(cx.locals[l.0 as usize].ty), TyKind::Ptr(_) | TyKind::RawPtr(_));
                            if !through_pointer && !self.mutates_capture(cx, l, root, p.span) && !cx.locals[l.0 as usize].mutable {
                                self.err(p.span, format!("cannot assign to immutable '{}'", root));
                            }
                        }
                    }
                }
                let bt = self.expr(cx, base, None);
                if bt == prim::ERROR && name.name == "message" {
                    self.err(p.span, "an error's message is read only; build a new error instead");
                    return prim::ERR;
                }
                if matches!(self.types.kind(bt), TyKind::Ptr(_) | TyKind::RawPtr(_)) {
                    self.err(p.span, "a field store through a pointer needs an explicit dereference; write (*p).field");
                    return prim::ERR;
                }
                let t = self.expr(cx, p.unparen(), None);
                t
            }
            _ => {
                self.err(p.span, "the left side of an assignment must be a place: a name, a field, an index, or a dereference");
                prim::ERR
            }
        }
    }

    /// Whether a store into the place `e` (already typed) lands in the
    /// root binding's own storage: false once a slice, pointer or deref on
    /// the access path points elsewhere.
    fn stores_in_frame(&self, e: &Expr) -> bool {
        let e = e.unparen();
        match &e.kind {
            ExprKind::Index { base, .. } | ExprKind::Field { base, .. } => {
                let bt = self.info.expr_ty.get(&key(base.unparen())).or_else(|| self.info.expr_ty.get(&key(*base))).copied().unwrap_or(prim::ERR);
                !matches!(self.types.kind(bt), TyKind::Slice(_) | TyKind::RawPtr(_) | TyKind::Ptr(_)) && self.stores_in_frame(base)
            }
            ExprKind::Unary { op: UnOp::Deref, .. } => false,
            _ => true,
        }
    }

    /// `e` names an error binding whose obligation is now discharged.
    fn mark_handled(&mut self, cx: &mut FnCx, e: &Expr) {
        match &e.unparen().kind {
            ExprKind::Name(id) => {
                if let Some(l) = cx.lookup(id.name) {
                    cx.locals[l.0 as usize].error_unhandled = false;
                }
            }
            ExprKind::Tuple(xs) => {
                for x in xs.iter() {
                    self.mark_handled(cx, x);
                }
            }
            _ => {}
        }
    }

    fn mark_read(&mut self, cx: &mut FnCx, p: &Expr) {
        if let ExprKind::Name(id) = &p.unparen().kind {
            if let Some(l) = cx.lookup(id.name) {
                cx.locals[l.0 as usize].used = true;
            }
        }
    }

    // ----- expressions --------------------------------------------------

    fn expr(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, expected: Option<TyId>) -> TyId {
        let t = self.expr_inner(cx, e, expected);
        let t = self.collector_boxing(e, t, expected);
        let t = self.check_conversion(e, t, expected);
        self.info.expr_ty.insert(key(e), t);
        t
    }

    /// Type a pair of operands so a bare literal takes the other side's type.
    fn operands(&mut self, cx: &mut FnCx, l: &'a Expr<'a>, r: &'a Expr<'a>, expected: Option<TyId>) -> (TyId, TyId) {
        if is_bare_literal(l) && is_bare_literal(r) {
            // Two literals take the type the context expects (`x: float32 = 1.0 / 3.0`).
            let lt = self.expr(cx, l, expected);
            let rt = self.expr(cx, r, Some(lt));
            (lt, rt)
        } else if is_bare_literal(l) {
            let rt = self.expr(cx, r, None);
            let lt = self.expr(cx, l, Some(rt));
            (lt, rt)
        } else {
            let lt = self.expr(cx, l, None);
            let rt = self.expr(cx, r, Some(lt));
            (lt, rt)
        }
    }

    fn int_literal(&mut self, e: &Expr, value: u64, negative: bool, suffix: Option<LitSuffix>, expected: Option<TyId>) -> TyId {
        let ty = match suffix {
            Some(s) => Types::primitive(s.type_name()).unwrap(),
            None => match expected {
                Some(t) if self.types.is_integral(t) || self.types.is_float(t) => t,
                _ => prim::I64,
            },
        };
        if self.types.is_float(ty) {
            return ty;
        }
        let (bits, signed) = match self.types.kind(ty) {
            TyKind::Int { bits, signed } => (*bits, *signed),
            TyKind::Char => (8, false),
            // A rune is an i32 (digest 3.1): -1 is a rune, an invalid scalar.
            TyKind::Rune => (32, true),
            _ => (64, true),
        };
        let v = if negative { -(value as i128) } else { value as i128 };
        let (lo, hi) = int_range(bits, signed);
        // A `u`-suffixed literal names a bit pattern; unsuffixed ones are signed magnitudes.
        if suffix.is_none() && !negative && value > i64::MAX as u64 && !(expected.is_some() && !signed) {
            self.err(e.span, "invalid integer literal");
        } else if v < lo || v > hi {
            let shown = if negative { format!("-{}", value) } else { value.to_string() };
            let msg = if negative && !signed {
                format!("literal {} does not fit in {}; an unsigned type holds no negative value, cast if the wrap is meant", shown, self.tyname(ty))
            } else if signed {
                format!("literal {} does not fit in {} bits", shown, bits)
            } else {
                format!("literal {} does not fit in {}", shown, self.tyname(ty))
            };
            self.err(e.span, msg);
        }
        ty
    }

    fn expr_inner(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, expected: Option<TyId>) -> TyId {
        match &e.kind {
            ExprKind::Int { value, suffix } => self.int_literal(e, *value, false, *suffix, expected),
            ExprKind::Float { suffix, .. } => match (suffix, expected) {
                (Some(LitSuffix::F32), _) => prim::F32,
                (Some(_), _) => prim::F64,
                (None, Some(t)) if t == prim::F32 => prim::F32,
                _ => prim::F64,
            },
            ExprKind::Str(_) => prim::STR,
            ExprKind::Char(_) => prim::CHAR,
            ExprKind::Rune(_) => prim::RUNE,
            ExprKind::Bool(_) => prim::BOOL,
            ExprKind::Paren(inner) => self.expr(cx, inner, expected),
            ExprKind::Name(id) => self.name(cx, e, id),
            ExprKind::Unary { op, operand } => self.unary(cx, e, *op, operand, expected),
            ExprKind::Binary { op, lhs, rhs } => self.binary(cx, e, *op, lhs, rhs, expected),
            ExprKind::Call { callee, args } => self.call(cx, e, callee, args, expected),
            ExprKind::Index { base, index } => self.index(cx, e, base, index),
            ExprKind::Field { base, name } => {
                if let Some(t) = self.enum_value(cx, e, base, name, expected) {
                    return t;
                }
                let bt = self.expr(cx, base, None);
                match (self.types.kind(self.types.rep(bt)).clone(), name.name) {
                    (TyKind::Slice(_) | TyKind::Array(..), "len") => prim::I64,
                    (TyKind::Array(..), _) => {
                        self.err(name.span, format!("a fixed array has no field '{}'", name.name));
                        prim::ERR
                    }
                    (TyKind::Error, "message") => prim::STR,
                    (TyKind::Error, f) => {
                        self.err(name.span, format!("error has no field '{}'; it carries only 'message'", f));
                        prim::ERR
                    }
                    (TyKind::Struct(id, _), f) => match self.struct_field_of(bt, f) {
                        Some((_, t)) => t,
                        None => {
                            let sn = self.types.structs[id as usize].name.clone();
                            self.err(name.span, format!("'{}' has no field '{}'", sn, f));
                            prim::ERR
                        }
                    },
                    _ if bt == prim::ERR => prim::ERR,
                    (TyKind::Ptr(_) | TyKind::RawPtr(_), _) => {
                        self.err(e.span, "a field read through a pointer needs an explicit dereference; write (*p).field");
                        prim::ERR
                    }
                    _ => {
                        self.err(e.span, format!("{} has no field '{}'", self.tyname(bt), name.name));
                        prim::ERR
                    }
                }
            }
            ExprKind::Range { .. } => {
                self.err(e.span, "a range is only meaningful as an index or a for loop iterand");
                prim::ERR
            }
            ExprKind::FStr(parts) => self.fstring(cx, parts),
            ExprKind::StructLit { name, fields } => self.struct_literal(cx, e, name, fields, expected),
            ExprKind::Array(elems) => self.array_literal(cx, e, elems, expected),
            ExprKind::Tuple(xs) => {
                let want: Option<Vec<TyId>> = expected.and_then(|t| match self.types.kind(t) {
                    TyKind::Tuple(ts) if ts.len() == xs.len() => Some(ts.clone()),
                    _ => None,
                });
                let mut ts = Vec::new();
                for (i, x) in xs.iter().enumerate() {
                    let w = want.as_ref().map(|w| w[i]);
                    let t = self.expr(cx, x, w);
                    if let Some(w) = w {
                        self.tuple_member_box(t, w, x.span);
                    }
                    ts.push(match w {
                        Some(w) if self.assignable(t, w) => w,
                        _ => t,
                    });
                }
                self.types.tuple(ts)
            }
            ExprKind::Unit => prim::VOID,
            ExprKind::Lambda(l) => self.lambda(cx, l, expected),
            ExprKind::Match(m) => self.match_expr(cx, m, expected),
            ExprKind::Do(d) => self.do_block(cx, e, d, expected),
            ExprKind::Collector { ty, value } => self.collector_mint(cx, ty, value),
            ExprKind::Await(x) => self.await_expr(cx, e, x),
        }
    }

    fn struct_literal(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &Ident, fields: &'a [FieldInit<'a>], expected: Option<TyId>) -> TyId {
        if name.name == "error" {
            for f in fields {
                if f.name.name != "message" {
                    self.err(f.name.span, format!("'error' has no field '{}'", f.name.name));
                }
                let t = self.expr(cx, f.value, Some(prim::STR));
                if t != prim::STR && t != prim::ERR {
                    self.err(f.value.span, "an error's message is a string");
                }
            }
            return prim::ERROR;
        }
        let Some(&id) = self.structs.get(name.name) else {
            for f in fields {
                self.expr(cx, f.value, None);
            }
            self.err(name.span, format!("unknown type '{}'; no type of that name is declared or imported", name.name));
            return prim::ERR;
        };
        if !self.types.structs[id as usize].generics.is_empty() {
            return self.generic_struct_literal(cx, e, id, fields, expected);
        }
        let def = self.types.structs[id as usize].clone();
        for f in fields {
            match def.field(f.name.name) {
                Some((_, ft)) => {
                    let t = self.expr(cx, f.value, Some(ft));
                    if !self.assignable(t, ft) {
                        self.err(f.value.span, format!("field '{}' of '{}' has the wrong type", f.name.name, def.name));
                    }
                }
                None => {
                    self.expr(cx, f.value, None);
                    self.err(f.name.span, format!("'{}' has no field '{}'", def.name, f.name.name));
                }
            }
        }
        for (fname, _) in &def.fields {
            if !fields.iter().any(|f| f.name.name == fname) {
                self.err(e.span, format!("'{}' is missing field '{}'", def.name, fname));
            }
        }
        let _ = e;
        self.types.intern(TyKind::Struct(id, vec![]))
    }

    fn array_literal(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, elems: &'a [Expr<'a>], expected: Option<TyId>) -> TyId {
        let want = expected.and_then(|t| match self.types.kind(t) {
            TyKind::Array(el, _) | TyKind::Slice(el) => Some(*el),
            _ => None,
        });
        let Some(first) = elems.first() else {
            return match want {
                Some(el) => self.types.array(el, 0),
                // An open expected type (a generic body's `T[0]`) asks nothing.
                None if expected == Some(prim::ERR) => prim::ERR,
                None => {
                    self.err(e.span, "an empty array literal needs a type annotation");
                    prim::ERR
                }
            };
        };
        let el = match want {
            Some(w) => w,
            // A payload-less generic variant (`Opt.None`) takes its type
            // from a sibling that has one.
            None => {
                let first = elems.iter().find(|x| self.context_rank(cx, x) < 2).unwrap_or(first);
                self.expr(cx, first, None)
            }
        };
        for x in elems {
            let t = self.expr(cx, x, Some(el));
            if !self.assignable(t, el) {
                self.err(x.span, "array elements must all have the same type");
            }
        }
        if el == prim::ERR {
            return prim::ERR;
        }
        self.types.array(el, elems.len() as u64)
    }

    fn unsupported(&mut self, e: &Expr, what: &str) -> TyId {
        self.err(e.span, format!("not supported yet: {}", what));
        prim::ERR
    }

    fn name(&mut self, cx: &mut FnCx, e: &Expr, id: &Ident) -> TyId {
        if let Some(l) = cx.lookup(id.name) {
            cx.locals[l.0 as usize].used = true;
            self.own_use(cx, e, l);
            self.info.names.insert(key(e), NameRes::Local(l));
            self.note_capture(cx, l);
            return cx.locals[l.0 as usize].ty;
        }
        if let Some(f) = self.lookup_func(cx, id.name) {
            self.async_name_value(e, f);
            return self.func_value(e, f);
        }
        if let Some(f) = self.cabi.lookup(id.name) {
            return self.foreign_value(e, f);
        }
        if self.lookup_template(cx, id.name).is_some() {
            return self.unsupported(e, "generic functions as values");
        }
        if self.bare_variant(id) {
            return prim::ERR;
        }
        self.err(e.span, format!("undefined name '{}'", id.name));
        prim::ERR
    }

    fn lookup_func(&self, cx: &FnCx, name: &str) -> Option<u32> {
        if cx.runtime || (name.starts_with("__rt_") && self.g.library.contains(&cx.file)) {
            if let Some(&f) = self.g.runtime.get(name) {
                return Some(f);
            }
        }
        let fi = self.funcs.iter().position(|f| f.file == cx.file);
        let _ = fi;
        // Private functions of this file, then exported ones.
        for ((file, n), &id) in self.g.private.iter() {
            let _ = file;
            if n == name && self.funcs[id as usize].file == cx.file {
                return Some(id);
            }
        }
        self.g.global.get(name).copied()
    }

    fn unary(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, op: UnOp, operand: &'a Expr<'a>, expected: Option<TyId>) -> TyId {
        if op == UnOp::Neg {
            if let ExprKind::Int { value, suffix } = &operand.unparen().kind {
                let t = self.int_literal(e, *value, true, *suffix, expected);
                self.info.expr_ty.insert(key(operand), t);
                return t;
            }
        }
        let t = self.expr(cx, operand, if op == UnOp::Deref { None } else { expected });
        if t == prim::ERR {
            return t;
        }
        match op {
            UnOp::Neg => {
                if self.types.is_int(t) && !self.types.is_signed(t) {
                    self.err(e.span, format!("cannot negate {}; an unsigned value has no negation, cast to a signed width first", self.tyname(t)));
                } else if !self.types.is_numeric(t) {
                    self.err(e.span, "unary minus needs a numeric operand");
                }
                t
            }
            UnOp::Not => {
                if t != prim::BOOL {
                    self.err(e.span, "'!' needs a bool operand");
                }
                prim::BOOL
            }
            UnOp::BitNot => {
                if !self.types.is_integral(t) {
                    self.err(e.span, "'~' needs an integer operand");
                }
                t
            }
            UnOp::Deref => match self.types.kind(self.types.rep(t)).clone() {
                TyKind::RawPtr(inner) | TyKind::Ptr(inner) => inner,
                TyKind::VoidPtr => {
                    self.err(e.span, "cannot dereference a *void; it is opaque, convert it to a typed pointer first");
                    prim::ERR
                }
                _ if self.self_for_pointer(cx, operand, None) => prim::ERR,
                _ => {
                    self.err(e.span, "cannot dereference a non pointer value");
                    prim::ERR
                }
            },
        }
    }

    fn binary(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, op: BinOp, l: &'a Expr<'a>, r: &'a Expr<'a>, expected: Option<TyId>) -> TyId {
        if matches!(op, BinOp::And | BinOp::Or) {
            let lt = self.expr(cx, l, Some(prim::BOOL));
            let rt = self.expr(cx, r, Some(prim::BOOL));
            if (lt != prim::BOOL && lt != prim::ERR) || (rt != prim::BOOL && rt != prim::ERR) {
                self.err(e.span, "logical operators need bool operands");
            }
            return prim::BOOL;
        }
        let want = if op.is_comparison() { None } else { expected };
        let (lt, rt) = self.operands(cx, l, r, want);
        self.binary_types(op, lt, rt, e.span, Some(r))
    }

    /// The result type of `lt op rt`, reporting mismatches.
    fn binary_types(&mut self, op: BinOp, lt: TyId, rt: TyId, span: Span, rhs: Option<&Expr>) -> TyId {
        if lt == prim::ERR || rt == prim::ERR {
            return if op.is_comparison() { prim::BOOL } else { prim::ERR };
        }
        let what = match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => "arithmetic".to_string(),
            _ if op.is_comparison() => "comparison".to_string(),
            _ => format!("'{}'", op.symbol()),
        };
        let mixes = |c: &Self| -> Option<String> {
            if lt == rt {
                return None;
            }
            let (a, b) = (c.tyname(lt), c.tyname(rt));
            if c.types.is_int(lt) && c.types.is_int(rt) {
                if c.types.is_signed(lt) != c.types.is_signed(rt) {
                    return Some(format!("{} mixes {} and {}; cast to one signedness", what, a, b));
                }
                return Some(format!("{} mixes {} and {}; match the widths", what, a, b));
            }
            // An int against a float is not a width mismatch: no width fixes it.
            if op == BinOp::Pow && c.types.is_int(lt) != c.types.is_int(rt) && c.types.is_numeric(lt) && c.types.is_numeric(rt) {
                return Some("'**' needs two operands of the same numeric type".to_string());
            }
            if c.types.is_numeric(lt) && c.types.is_numeric(rt) {
                return Some(format!("{} mixes {} and {}; match the widths", what, a, b));
            }
            None
        };
        if op.is_comparison() {
            if let Some(m) = mixes(self) {
                self.err(span, m);
                return prim::BOOL;
            }
            if !self.assignable(rt, lt) && !self.assignable(lt, rt) {
                self.err(span, "comparison needs two operands of the same type");
                return prim::BOOL;
            }
            match self.types.kind(lt) {
                TyKind::Str if !matches!(op, BinOp::Eq | BinOp::Ne) => self.err(span, "strings compare with == and !=; they have no ordering"),
                TyKind::RawPtr(_) | TyKind::Ptr(_) | TyKind::VoidPtr => self.err(span, "pointers do not compare; compare the values they point to"),
                TyKind::Error => self.err(span, "an error does not compare; test it with exists()"),
                TyKind::Array(..) => self.err(span, "cannot compare an array; compare its parts instead"),
                TyKind::Slice(_) => self.err(span, "cannot compare a slice; compare its parts instead"),
                TyKind::Func(..) => self.err(span, "cannot compare a function; compare the results of calling it instead"),
                TyKind::Enum(..) => self.err(span, "cannot compare an enum; match on it instead"),
                TyKind::Interface(..) => self.err(span, "cannot compare an interface value; compare its parts instead"),
                TyKind::Struct(..) => self.err(span, "cannot compare a struct; compare its fields instead"),
                TyKind::Tuple(_) => self.err(span, "cannot compare a tuple; compare its parts instead"),
                TyKind::Thread => self.err(span, "cannot compare a thread handle"),
                TyKind::Void => self.err(span, "cannot compare void values; the calls return nothing"),
                TyKind::Collector(_) => self.err(span, "cannot compare a collector; compare its parts instead"),
                TyKind::Task => self.err(span, "cannot compare a task handle"),
                _ => {}
            }
            return prim::BOOL;
        }
        if op == BinOp::Add && lt == prim::STR && rt == prim::STR {
            return prim::STR;
        }
        if let Some(m) = mixes(self) {
            self.err(span, m);
            return lt;
        }
        let integral = self.types.is_integral(lt) && self.types.is_integral(rt);
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Rem => {
                if lt != rt || !(self.types.is_numeric(lt) || integral) {
                    self.err(span, "arithmetic needs two operands of the same numeric type");
                }
            }
            BinOp::Pow => {
                if lt != rt || !self.types.is_numeric(lt) {
                    self.err(span, "'**' needs two operands of the same numeric type");
                } else if self.types.is_int(lt) {
                    if let Some(ExprKind::Unary { op: UnOp::Neg, operand }) = rhs.map(|r| &r.unparen().kind) {
                        if matches!(operand.unparen().kind, ExprKind::Int { .. }) {
                            self.err(span, "'**' on integers needs a nonnegative exponent");
                        }
                    }
                }
            }
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor => {
                if !integral || lt != rt {
                    self.err(span, "bitwise operators need integer operands");
                }
            }
            BinOp::Shl | BinOp::Shr => {
                if !integral || lt != rt {
                    self.err(span, "shift operators need integer operands");
                } else if let Some(r) = rhs {
                    let bits = self.types.int_bits(lt);
                    match &r.unparen().kind {
                        ExprKind::Unary { op: UnOp::Neg, operand } if matches!(operand.unparen().kind, ExprKind::Int { .. }) => {
                            self.err(r.span, "shift amount is negative")
                        }
                        ExprKind::Int { value, .. } if *value >= bits as u64 => {
                            self.err(r.span, format!("shift amount {} is out of range for {}", value, self.tyname(lt)))
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        lt
    }

    fn index(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, base: &'a Expr<'a>, index: &'a Expr<'a>) -> TyId {
        let bt = self.expr(cx, base, None);
        if let ExprKind::Range { lo, hi, .. } = &index.unparen().kind {
            return self.range_index(cx, e, bt, index, lo, hi);
        }
        self.index_operand(cx, index);
        match self.types.kind(self.types.rep(bt)) {
            TyKind::RawPtr(inner) | TyKind::Slice(inner) | TyKind::Array(inner, _) => *inner,
            // `p[i]` through a managed pointer: element i past the checked block start.
            TyKind::Ptr(inner) => *inner,
            TyKind::Str => prim::CHAR,
            TyKind::Err => prim::ERR,
            _ => {
                self.err(e.span, format!("cannot index {}", self.tyname(bt)));
                prim::ERR
            }
        }
    }

    /// An index operand: int64, nothing else converts implicitly.
    fn index_operand(&mut self, cx: &mut FnCx, index: &'a Expr<'a>) {
        let it = self.expr(cx, index, Some(prim::I64));
        if it != prim::ERR && it != prim::I64 {
            if self.types.is_integral(it) {
                self.err(index.span, format!("cannot index with {}; an index is int64, cast the index", self.tyname(it)));
            } else {
                self.err(index.span, format!("an index must be an integer, not {}", self.tyname(it)));
            }
        }
    }

    /// `base[lo..hi]` / `base[lo..=hi]`: a slice view of an array, a slice or
    /// a string (a `char[]`), bounds-checked at run time by the lowering.
    fn range_index(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, bt: TyId, range: &'a Expr<'a>, lo: &'a Expr<'a>, hi: &'a Expr<'a>) -> TyId {
        self.index_operand(cx, lo);
        self.index_operand(cx, hi);
        self.info.expr_ty.insert(key(range), prim::I64);
        if range.unparen() as *const Expr != range as *const Expr {
            self.info.expr_ty.insert(key(range.unparen()), prim::I64);
        }
        match self.types.kind(self.types.rep(bt)) {
            TyKind::Slice(el) | TyKind::Array(el, _) => {
                let el = *el;
                self.types.slice(el)
            }
            TyKind::Str => self.types.slice(prim::CHAR),
            TyKind::Err => prim::ERR,
            TyKind::RawPtr(_) | TyKind::VoidPtr => {
                self.err(e.span, "cannot take a range slice of a raw pointer; it has no length to check the range against");
                prim::ERR
            }
            _ => {
                self.err(e.span, format!("cannot index {}", self.tyname(bt)));
                prim::ERR
            }
        }
    }

    fn call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, callee: &'a Expr<'a>, args: &'a [Expr<'a>], expected: Option<TyId>) -> TyId {
        match &callee.kind {
            ExprKind::Name(id) if cx.lookup(id.name).is_none() => self.call_named(cx, e, id, args, expected),
            ExprKind::Field { base, name } => {
                if let Some(t) = self.monad_call(cx, e, base, name, args, expected) {
                    return t;
                }
                if let Some(t) = self.enum_ctor(cx, e, base, name, args, expected) {
                    return t;
                }
                if name.name == "ignore" && args.is_empty() {
                    self.mark_handled(cx, base);
                    self.expr(cx, base, None);
                    self.info.calls.insert(key(e), CallRes::Ignore);
                    return prim::VOID;
                }
                // `std.io.print_line(x)`: a qualified call through a module path.
                if is_module_path(base) && root_name(base).map_or(false, |r| cx.lookup(r).is_none()) {
                    return self.call_named(cx, e, name, args, expected);
                }
                let bt = self.expr(cx, base, None);
                if bt == prim::ERR {
                    return bt;
                }
                self.method_call(cx, e, callee, base, bt, name, args, expected)
            }
            ExprKind::Lambda(_) => {
                self.err(e.span, "a lambda literal cannot be called where it is written; bind it to a name and call the name");
                prim::ERR
            }
            _ if matches!(callee.unparen().kind, ExprKind::Lambda(_)) => {
                self.err(e.span, "a lambda literal cannot be called where it is written; bind it to a name and call the name");
                prim::ERR
            }
            _ => {
                let t = self.expr(cx, callee, None);
                if t == prim::ERR {
                    // Still read the arguments (an open function type in a template).
                    for a in args {
                        self.expr(cx, a, None);
                    }
                    return t;
                }
                self.closure_call(cx, e, self.types.rep(t), args)
            }
        }
    }

    fn method_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, callee: &'a Expr<'a>, base: &'a Expr<'a>, bt: TyId, name: &Ident, args: &'a [Expr<'a>], expected: Option<TyId>) -> TyId {
        if bt == prim::ERROR && name.name == "check" {
            return self.error_check(cx, e, base, args);
        }
        if bt == prim::ERROR {
            let res = match name.name {
                "exists" => (CallRes::ErrorExists, prim::BOOL),
                "toString" => (CallRes::ErrorToString, prim::STR),
                _ => {
                    return self.unsupported(e, &format!("the error method '{}'", name.name));
                }
            };
            self.mark_handled(cx, base);
            self.args_against(cx, args, &[], e.span, None);
            self.info.calls.insert(key(e), res.0);
            return res.1;
        }
        // Through a managed pointer the receiver is the pointee (the lowering
        // checks the generation).
        let bt = match self.types.kind(self.types.rep(bt)) {
            TyKind::Ptr(inner) if matches!(self.types.kind(*inner), TyKind::Struct(..)) => *inner,
            _ => bt,
        };
        // A closure-typed field is called like a method.
        let sid = match self.types.kind(bt) {
            TyKind::Struct(id, _) => *id,
            TyKind::Enum(..) => {
                self.err(name.span, format!("'{}' is not defined; methods on the enum '{}' are not supported, match on it instead", name.name, self.types.enum_def(bt).map_or(String::new(), |d| d.name.clone())));
                for a in args {
                    self.expr(cx, a, None);
                }
                return prim::ERR;
            }
            TyKind::Interface(iid, _) => {
                let iid = *iid;
                return self.iface_method_call(cx, e, iid, name, args);
            }
            _ => return self.unsupported(e, &format!("methods on {}", self.tyname(bt))),
        };
        if let Some(t) = self.generic_method_call(cx, e, sid, bt, name, args, expected) {
            return t;
        }
        let Some(&f) = self.methods.get(&(sid, name.name.to_string())) else {
            if let Some(t) = self.field_closure_call(cx, e, callee, bt, name.name, args) {
                return t;
            }
            let sn = self.types.structs[sid as usize].name.clone();
            self.err(name.span, format!("no method '{}' on type '{}'", name.name, sn));
            for a in args {
                self.expr(cx, a, None);
            }
            return prim::ERR;
        };
        let (params, ret) = (self.funcs[f as usize].params.clone(), self.funcs[f as usize].ret);
        self.reject_bare_collector_lambdas(args, &params, collector::ArgSite::Method);
        self.args_against(cx, args, &params, e.span, None);
        self.info.calls.insert(key(e), CallRes::Method(f));
        ret
    }

    fn args_against(&mut self, cx: &mut FnCx, args: &'a [Expr<'a>], params: &[TyId], span: Span, fname: Option<&str>) {
        if args.len() != params.len() {
            self.err(span, format!("expected {} argument(s), found {}", params.len(), args.len()));
        }
        for (i, a) in args.iter().enumerate() {
            let want = params.get(i).copied();
            if want == Some(prim::ERROR) {
                self.mark_handled(cx, a);
            }
            let t = match self.collector_arg(cx, a, want) {
                Some(t) => t,
                None => self.expr(cx, a, want),
            };
            if let Some(w) = want {
                if !self.assignable(t, w) && !self.self_for_pointer(cx, a, Some(w)) {
                    match fname {
                        Some(f) => self.err(a.span, format!("argument {} to '{}' has the wrong type", i + 1, f)),
                        None => self.err(a.span, format!("argument {} has the wrong type", i + 1)),
                    }
                }
            }
        }
    }

    fn call_named(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, id: &Ident, args: &'a [Expr<'a>], expected: Option<TyId>) -> TyId {
        let name = id.name;
        self.pumping_rule(cx, id);
        if let Some(f) = self.lookup_func(cx, name) {
            let (params, ret) = (self.funcs[f as usize].params.clone(), self.funcs[f as usize].ret);
            self.args_against(cx, args, &params, e.span, None);
            self.info.calls.insert(key(e), CallRes::Func(f));
            return self.async_call_ret(f, ret);
        }
        if let Some(f) = self.cabi.lookup(name) {
            return self.foreign_call(cx, e, f, args);
        }
        if let Some(tid) = self.lookup_template(cx, name) {
            return self.call_template(cx, e, tid, args, expected, &[]);
        }
        if CAST_NAMES.contains(&name) {
            let to = Types::primitive(name).unwrap();
            if args.len() != 1 {
                self.err(e.span, format!("{}(v) takes exactly one value", name));
                for a in args {
                    self.expr(cx, a, None);
                }
                return to;
            }
            let t = self.expr(cx, &args[0], None);
            if t != prim::ERR && !(self.types.is_integral(t) || self.types.is_float(t) || t == prim::BOOL) {
                let what = match self.types.kind(t) {
                    TyKind::RawPtr(_) | TyKind::VoidPtr => "a raw pointer".to_string(),
                    TyKind::Ptr(_) => "a managed pointer".to_string(),
                    _ => self.tyname(t),
                };
                self.err(args[0].span, format!("a numeric cast takes an integer, char, rune, or float value; {} does not cast", what));
            }
            self.info.calls.insert(key(e), CallRes::Cast(to));
            return to;
        }
        match name {
            "print" | "println" | "printerr" => return self.print_call(cx, e, name, args),
            "sizeof" => {
                if args.len() != 1 {
                    self.err(e.span, "sizeof takes a type or a value");
                    return prim::I64;
                }
                let t = self.sizeof_operand(cx, &args[0]);
                // A failure is reported once, at the end of checking.
                let _ = self.types.complete_instances();
                let size = crate::layout::size_of(&self.types, t);
                self.info.calls.insert(key(e), CallRes::Sizeof(size));
                return prim::I64;
            }
            "ptr_add" => {
                if args.len() != 2 {
                    self.err(e.span, format!("expected 2 argument(s), found {}", args.len()));
                    return prim::ERR;
                }
                let pt = self.expr(cx, &args[0], None);
                let nt = self.expr(cx, &args[1], Some(prim::I64));
                if !matches!(self.types.kind(pt), TyKind::RawPtr(_) | TyKind::VoidPtr | TyKind::Err) {
                    self.err(args[0].span, "ptr_add takes a raw pointer; use *raw T or *void, not a managed *T");
                }
                if nt != prim::I64 && nt != prim::ERR {
                    self.err(args[1].span, "argument 2 has the wrong type");
                }
                self.info.calls.insert(key(e), CallRes::PtrAdd);
                return pt;
            }
            "cstr" => {
                let rc = self_raw_char(&mut self.types);
                self.args_against(cx, args, &[rc], e.span, None);
                self.info.calls.insert(key(e), CallRes::Cstr);
                return prim::STR;
            }
            _ => {}
        }
        if let Some(t) = self.heap_builtin(cx, e, name, args, expected) {
            return t;
        }
        if let Some(t) = self.concurrency_builtin(cx, e, name, args) {
            return t;
        }
        if let Some(t) = self.async_builtin(cx, e, name, args) {
            return t;
        }
        if let Some(t) = self.task_builtin(cx, e, name, args) {
            return t;
        }
        if let Some(t) = self.std_builtin(cx, e, name, args) {
            return t;
        }
        if cx.runtime {
            if let Some(t) = self.intrinsic(cx, e, name, args, expected) {
                return t;
            }
        }
        if let Some(t) = self.functional_builtin(cx, e, name, args) {
            return t;
        }
        if is_builtin(name) {
            return self.unsupported(e, &format!("the '{}' builtin", name));
        }
        if self.bare_variant(id) {
            for a in args {
                self.expr(cx, a, None);
            }
            return prim::ERR;
        }
        self.err(id.span, format!("undefined name '{}'", name));
        for a in args {
            self.expr(cx, a, None);
        }
        prim::ERR
    }

    fn intrinsic(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>], expected: Option<TyId>) -> Option<TyId> {
        let (n, ret): (&'static str, TyId) = match name {
            "__syscall" => {
                self.args_against(cx, args, &[prim::I64; 7], e.span, Some(name));
                ("__syscall", prim::I64)
            }
            "__sys_nr" => {
                let s = match args {
                    [a] => match &a.kind {
                        ExprKind::Str(s) => Some(String::from_utf8_lossy(s.bytes).into_owned()),
                        _ => None,
                    },
                    _ => None,
                };
                let Some(s) = s else {
                    self.err(e.span, "__sys_nr takes one string literal");
                    return Some(prim::I64);
                };
                if crate::lower::syscall_number(&s, dc_backend::Arch::X86_64).is_none() {
                    self.err(e.span, format!("unknown system call '{}'", s));
                }
                self.info.calls.insert(key(e), CallRes::SysNr(s));
                return Some(prim::I64);
            }
            "__rt_state" => {
                self.args_against(cx, args, &[], e.span, Some(name));
                ("__rt_state", self.types.raw_ptr(prim::U8))
            }
            "__ptr_int" => {
                if args.len() != 1 {
                    self.err(e.span, "__ptr_int takes one pointer");
                } else {
                    let t = self.expr(cx, &args[0], None);
                    if !matches!(self.types.kind(t), TyKind::RawPtr(_) | TyKind::VoidPtr | TyKind::Str | TyKind::Err) {
                        self.err(args[0].span, "__ptr_int takes a raw pointer or a string");
                    }
                }
                ("__ptr_int", prim::I64)
            }
            "__int_ptr" => {
                self.args_against(cx, args, &[prim::I64], e.span, Some(name));
                let t = match expected {
                    Some(t) if matches!(self.types.kind(t), TyKind::RawPtr(_) | TyKind::VoidPtr) => t,
                    _ => self.types.raw_ptr(prim::U8),
                };
                ("__int_ptr", t)
            }
            "__str_ptr" => {
                self.args_against(cx, args, &[prim::STR], e.span, Some(name));
                ("__str_ptr", self.types.raw_ptr(prim::U8))
            }
            "__f64_bits" => {
                self.args_against(cx, args, &[prim::F64], e.span, Some(name));
                ("__f64_bits", prim::U64)
            }
            "__f64_from_bits" => {
                self.args_against(cx, args, &[prim::U64], e.span, Some(name));
                ("__f64_from_bits", prim::F64)
            }
            "__fn_addr" => return Some(self.fn_addr(e, args)),
            _ => return self.asm_intrinsic(cx, e, name, args),
        };
        self.info.calls.insert(key(e), CallRes::Intrinsic(n));
        Some(ret)
    }

    /// A concurrency intrinsic: int64 arguments, an int64 result (undefined
    /// for the routines that have none: store, fence, switch).
    fn asm_intrinsic(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>]) -> Option<TyId> {
        let (symbol, arity) = crate::lower::asm_routine(name)?;
        self.args_against(cx, args, &vec![prim::I64; arity], e.span, Some(name));
        self.info.calls.insert(key(e), CallRes::AsmCall(symbol));
        Some(prim::I64)
    }

    /// `__fn_addr("__rt_name")`: a runtime function's code address, for the
    /// routines that start code on another stack or thread.
    fn fn_addr(&mut self, e: &'a Expr<'a>, args: &'a [Expr<'a>]) -> TyId {
        let name = match args {
            [a] => match &a.kind {
                ExprKind::Str(s) => Some(String::from_utf8_lossy(s.bytes).into_owned()),
                _ => None,
            },
            _ => None,
        };
        match name.as_deref().and_then(|n| self.g.runtime.get(n)) {
            Some(&f) => {
                let sym = self.funcs[f as usize].symbol.clone();
                self.info.calls.insert(key(e), CallRes::FnAddr(sym));
            }
            None => self.err(e.span, "__fn_addr takes the name of a runtime function as a string literal"),
        }
        prim::I64
    }

    fn print_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>]) -> TyId {
        let fd = if name == "printerr" { 2 } else { 1 };
        let newline = name != "print";
        let mut format = None;
        let mut values = args;
        if let Some(first) = args.first() {
            if let ExprKind::Str(s) = &first.kind {
                self.info.expr_ty.insert(key(first), prim::STR);
                match s.format_pieces() {
                    Ok(pieces) => {
                        let holes = pieces.iter().filter(|p| **p == FmtPiece::Hole).count();
                        if holes != args.len() - 1 {
                            self.err(e.span, format!("format string has {} hole(s) but {} argument(s) were given", holes, args.len() - 1));
                        }
                        format = Some(pieces);
                    }
                    Err(m) => self.err(first.span, m),
                }
                values = &args[1..];
            }
        }
        for a in values {
            let t = self.expr(cx, a, None);
            self.printable(t, a.span);
        }
        self.info.calls.insert(key(e), CallRes::Print(PrintCall { fd, newline, format }));
        prim::VOID
    }

    fn printable(&mut self, t: TyId, span: Span) {
        match self.types.kind(t) {
            TyKind::Int { .. } | TyKind::Float { .. } | TyKind::Bool | TyKind::Char | TyKind::Rune | TyKind::Str | TyKind::Err | TyKind::Error => {}
            // Character arrays and slices print as text.
            TyKind::Array(el, _) | TyKind::Slice(el) if *el == prim::CHAR => {}
            TyKind::Struct(id, _) => {
                let id = *id;
                if !self.methods.contains_key(&(id, "toString".to_string())) && !self.generic_to_string(t, span) {
                    let n = self.types.structs[id as usize].name.clone();
                    self.err(span, format!("'{}' has no Display impl; add 'impl Display for {}' with 'toString() -> string' to print it", n, n));
                }
            }
            TyKind::Interface(iid, _) => {
                let iid = *iid;
                self.printable_iface(iid, span);
            }
            TyKind::RawPtr(_) | TyKind::Ptr(_) | TyKind::VoidPtr => self.err(span, "cannot print a pointer; dereference it or print its fields"),
            TyKind::Void => self.err(span, "cannot print a void value"),
            TyKind::Thread => self.err(span, "cannot print a thread handle; join it instead"),
            TyKind::Task => self.err(span, "cannot print a task handle; join it instead"),
            TyKind::Enum(..) => {
                let n = self.types.enum_def(t).map_or(String::new(), |d| d.name.clone());
                self.err(span, format!("cannot print the enum '{}'; match on it and print its parts", n))
            }
            _ => {
                let n = self.tyname(t);
                self.err(span, format!("cannot print {}; print its elements instead", n))
            }
        }
    }
}

fn self_raw_char(t: &mut Types) -> TyId {
    t.raw_ptr(prim::CHAR)
}

/// An unsuffixed numeric literal, possibly negated: it adapts to the type
/// beside it.
fn is_bare_literal(e: &Expr) -> bool {
    match &e.unparen().kind {
        ExprKind::Int { suffix: None, .. } | ExprKind::Float { suffix: None, .. } => true,
        ExprKind::Unary { op: UnOp::Neg, operand } => is_bare_literal(operand),
        _ => false,
    }
}

/// The innermost base of a field/index chain.
fn root_base<'x>(e: &'x Expr<'x>) -> &'x Expr<'x> {
    match &e.unparen().kind {
        ExprKind::Field { base, .. } | ExprKind::Index { base, .. } => root_base(base),
        _ => e.unparen(),
    }
}

fn root_name<'x>(e: &'x Expr<'x>) -> Option<&'x str> {
    match &e.unparen().kind {
        ExprKind::Name(id) => Some(id.name),
        ExprKind::Field { base, .. } | ExprKind::Index { base, .. } => root_name(base),
        _ => None,
    }
}

fn is_module_path(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Name(_) => true,
        ExprKind::Field { base, .. } => is_module_path(base),
        _ => false,
    }
}

/// Whether every path through `b` ends in a `return` (or never falls off).
pub fn block_returns(b: &Block) -> bool {
    b.stmts.last().map_or(false, stmt_returns)
}

fn stmt_returns(s: &Stmt) -> bool {
    match &s.kind {
        StmtKind::Return(_) => true,
        StmtKind::If(i) => if_returns(i),
        StmtKind::While { cond, body } => matches!(cond.unparen().kind, ExprKind::Bool(true)) && !contains_break(body),
        StmtKind::Expr(e) => is_noreturn_call(e),
        StmtKind::Match(m) => enums::match_returns(m),
        _ => false,
    }
}

fn is_noreturn_call(e: &Expr) -> bool {
    if let ExprKind::Call { callee, .. } = &e.kind {
        if let ExprKind::Name(id) = &callee.kind {
            return matches!(id.name, "__rt_exit" | "__rt_fault" | "__rt_fault_at");
        }
    }
    false
}

fn if_returns(i: &IfStmt) -> bool {
    block_returns(i.then)
        && match &i.els {
            None => false,
            Some(Else::Block(b)) => block_returns(b),
            Some(Else::If(ii)) => if_returns(ii),
        }
}

fn contains_break(b: &Block) -> bool {
    b.stmts.iter().any(|s| match &s.kind {
        StmtKind::Break => true,
        StmtKind::If(i) => if_contains_break(i),
        StmtKind::Match(m) => m.arms.iter().any(|a| matches!(a.body, ArmBody::Block(b) if contains_break(b))),
        _ => false,
    })
}

fn if_contains_break(i: &IfStmt) -> bool {
    contains_break(i.then)
        || match &i.els {
            None => false,
            Some(Else::Block(b)) => contains_break(b),
            Some(Else::If(ii)) => if_contains_break(ii),
        }
}
