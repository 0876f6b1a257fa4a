//! The front half of the pipeline: load the root file and everything it
//! imports (std from the copy embedded in dc), add the runtime, parse, check,
//! and lower to IR.

use crate::check::{self, Checked, ParsedFile};
use crate::diag::Diagnostics;
use crate::source::{FileId, SourceMap, Span};
use bumpalo::Bump;
use dc_backend::Arch;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// Where library source comes from: the copy inside dc, or a source tree
/// named by `DC_HOME` during development.
fn library_file(rel: &str) -> Option<(String, String)> {
    if let Ok(home) = std::env::var("DC_HOME") {
        let p = Path::new(&home).join(rel);
        return std::fs::read_to_string(&p).ok().map(|t| (p.to_string_lossy().into_owned(), t));
    }
    embedded::EMBEDDED.iter().find(|(p, _)| *p == rel).map(|(p, t)| (format!("<dc>/{}", p), t.to_string()))
}

fn runtime_files() -> Vec<(String, String)> {
    if let Ok(home) = std::env::var("DC_HOME") {
        let mut v: Vec<(String, String)> = std::fs::read_dir(Path::new(&home).join("rt"))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.path().extension().map_or(false, |x| x == "dusk"))
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok().map(|t| (e.path().to_string_lossy().into_owned(), t)))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        return v;
    }
    embedded::EMBEDDED.iter().filter(|(p, _)| p.starts_with("rt/")).map(|(p, t)| (format!("<dc>/{}", p), t.to_string())).collect()
}

/// A source found for an import: its text and the module path it has.
struct Found {
    path: String,
    text: String,
    /// From the standard library rather than the program's own tree.
    library: bool,
}

/// Resolve `@import a.b.c` from the file at `from`: a local module, a leaf
/// symbol of a local module, then the same two under the standard library.
fn resolve_import(from: &Path, dotted: &[&str]) -> Option<Found> {
    let dir = from.parent().unwrap_or(Path::new("."));
    let rel = dotted.join("/") + ".dusk";
    let local = dir.join(&rel);
    if local.is_file() {
        return std::fs::read_to_string(&local).ok().map(|text| Found { path: local.to_string_lossy().into_owned(), text, library: false });
    }
    if dotted.len() > 1 {
        let parent = dir.join(dotted[..dotted.len() - 1].join("/") + ".dusk");
        if parent.is_file() {
            return std::fs::read_to_string(&parent).ok().map(|text| Found { path: parent.to_string_lossy().into_owned(), text, library: false });
        }
    }
    if let Some((path, text)) = library_file(&rel) {
        return Some(Found { path, text, library: true });
    }
    if dotted.len() > 1 {
        let prel = dotted[..dotted.len() - 1].join("/") + ".dusk";
        if let Some((path, text)) = library_file(&prel) {
            return Some(Found { path, text, library: true });
        }
    }
    None
}

/// Everything the front end made; owns the arena the AST lives in.
pub struct FrontEnd {
    arena: Bump,
}

pub fn front_end_in<'a>(arena: &'a Bump, root: &Path) -> Result<Checked<'a>, ()> {
    let text = match std::fs::read_to_string(root) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("dc: error: cannot read '{}': {}", root.display(), e);
            return Err(());
        }
    };
    front_end_text(arena, root, text, true).map_err(|rendered| eprint!("{}", rendered))
}

/// The front end on source already in memory: `root` names it in diagnostics
/// and anchors its local imports. On failure the diagnostics come back
/// rendered. `runtime: false` leaves out rt/ (whose checking dominates the
/// time on small inputs); only the fuzz driver does that.
pub fn front_end_text<'a>(arena: &'a Bump, root: &Path, text: String, runtime: bool) -> Result<Checked<'a>, String> {
    let mut sm = SourceMap::new();
    let mut diags = Diagnostics::new();
    let mut files: Vec<ParsedFile<'a>> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let root_id = sm.add(root.to_string_lossy().into_owned(), text);
    seen.insert(canonical(&root.to_string_lossy()));
    let mut queue: VecDeque<(FileId, String, bool, bool)> = VecDeque::new();
    queue.push_back((root_id, String::new(), true, false));
    while let Some((id, module, is_root, library)) = queue.pop_front() {
        let src: &'a str = arena.alloc_str(sm.text(id));
        let ast = crate::parser::parse_file(arena, id, src, &mut diags);
        let from = PathBuf::from(sm.path(id));
        for d in ast.directives {
            if let crate::ast::DirectiveKind::Import(imp) = &d.kind {
                let (dotted, span): (Vec<&str>, Span) = match imp {
                    crate::ast::ImportPath::Dotted(ids) => (ids.iter().map(|i| i.name).collect(), d.span),
                    crate::ast::ImportPath::Str(s) => {
                        diags.error(s.span, format!("cannot resolve import '{}'", s.value));
                        continue;
                    }
                };
                match resolve_import(&from, &dotted) {
                    Some(found) => {
                        if seen.insert(canonical(&found.path)) {
                            let fid = sm.add(found.path, found.text);
                            queue.push_back((fid, dotted.join("."), false, found.library));
                        }
                    }
                    None => diags.error(span, format!("cannot resolve import '{}'", dotted.join("."))),
                }
            }
        }
        // dc's C library implements the C math functions with std.libm's.
        if ast.items.iter().any(|i| matches!(i, crate::ast::Item::Foreign(_))) {
            if let Some(found) = resolve_import(&from, &["std", "libm"]) {
                if seen.insert(canonical(&found.path)) {
                    let fid = sm.add(found.path, found.text);
                    queue.push_back((fid, "std.libm".into(), false, found.library));
                }
            }
        }
        // An async func's call returns a std.async.future Future, and the
        // await and async_run keywords call into that module.
        if ast.items.iter().any(|i| matches!(i, crate::ast::Item::Func(f) if f.is_async)) {
            if let Some(found) = resolve_import(&from, &["std", "async", "future"]) {
                if seen.insert(canonical(&found.path)) {
                    let fid = sm.add(found.path, found.text);
                    queue.push_back((fid, "std.async.future".into(), false, found.library));
                }
            }
        }
        files.push(ParsedFile { ast, module, is_root, runtime: false, library });
    }
    for (path, text) in if runtime { runtime_files() } else { Vec::new() } {
        let id = sm.add(path, text);
        let src: &'a str = arena.alloc_str(sm.text(id));
        let ast = crate::parser::parse_file(arena, id, src, &mut diags);
        files.push(ParsedFile { ast, module: String::new(), is_root: false, runtime: true, library: false });
    }
    if diags.has_errors() {
        return Err(diags.render_all(&sm));
    }
    let checked = check::check(arena, sm, &files, &mut diags);
    if !diags.has_errors() {
        crate::escape::check(&checked, &mut diags);
    }
    if checked.main.is_none() && !diags.has_errors() {
        diags.error(Span::new(root_id, 0, 0), "the program has no 'main' function");
    }
    if diags.has_errors() {
        return Err(diags.render_all(&checked.sm));
    }
    Ok(checked)
}

fn canonical(p: &str) -> String {
    std::fs::canonicalize(p).map(|c| c.to_string_lossy().into_owned()).unwrap_or_else(|_| p.to_string())
}

impl FrontEnd {
    pub fn new() -> FrontEnd {
        FrontEnd { arena: Bump::new() }
    }
    pub fn check(&self, root: &Path) -> Result<Checked<'_>, ()> {
        front_end_in(&self.arena, root)
    }
}

pub fn lower(c: &Checked, arch: Arch) -> dc_backend::ir::Module {
    crate::lower::lower(c, arch)
}

/// What the C boundary needs from the build, checked before lowering (see
/// docs/architecture.md, "The C boundary"). dc links its own static
/// executables with no C library and carries no C compiler, so:
/// - every foreign function the program uses must be defined by what dc
///   links: a dusk function of the program or the runtime (an `export "C"`
///   function, a runtime symbol), or an `@link`ed relocatable object;
/// - an `@link` library name, an archive or shared object, and a
///   `@csource` file cannot be honoured;
/// - a foreign result the IR cannot take back yet (a struct in two
///   registers) is refused.
/// Each refusal is reported where the program asks for it. `link` is false
/// when the output is not linked (`--emit obj/asm/ir`): then only the rules
/// about the code itself apply. Returns the `@link`ed objects' bytes.
pub fn c_boundary(c: &Checked, arch: Arch, link: bool) -> Result<Vec<Vec<u8>>, ()> {
    use crate::check::{CallRes, LinkKind};
    let mut diags = Diagnostics::new();
    let mut used: Vec<u32> = c.info.calls.values().filter_map(|r| if let CallRes::Foreign(f) = r { Some(*f) } else { None }).collect();
    used.extend(c.cabi.values.values().copied());
    used.sort_unstable();
    used.dedup();
    for &f in &used {
        let d = &c.cabi.foreign[f as usize];
        if let Some(why) = crate::lower::c_result_unsupported(c, d.ret, arch) {
            diags.error(d.func.ret.span, format!("not supported yet: foreign function '{}' returns {}", d.symbol, why));
        }
    }
    let mut objects = Vec::new();
    let mut defined: HashSet<String> = c.funcs.iter().map(|f| f.symbol.clone()).collect();
    defined.extend(crate::clib::SHIMS.iter().map(|s| s.to_string()));
    // dc's own C library (src/clib.rs): a name whose implementation is here.
    for (c_name, imp) in crate::clib::FUNCTIONS {
        if defined.contains(*imp) {
            defined.insert(c_name.to_string());
        }
    }
    if link {
        for l in &c.cabi.links {
            match l.kind {
                LinkKind::CSource => diags.error(l.span, format!("@csource '{}' needs a C compiler, which dc does not carry; compile it to an object yourself and name the object with @link", l.value)),
                LinkKind::Library if crate::clib::is_provided_library(&l.value) => {}
                LinkKind::Library => diags.error(l.span, format!("@link '{}' names a C library, which dc cannot link: dc builds static executables with no C library; name a relocatable object (.o) instead", l.value)),
                LinkKind::File if !l.value.ends_with(".o") => {
                    diags.error(l.span, format!("@link '{}': dc's linker reads relocatable objects (.o) only, not archives or shared objects", l.value))
                }
                LinkKind::File => match std::fs::read(&l.path) {
                    Ok(bytes) => match dc_backend::link::defined_symbols(&bytes) {
                        Ok((a, _)) if a != arch => diags.error(l.span, format!("@link '{}' is an object for {}, but the target is {}", l.value, arch_name(a), arch_name(arch))),
                        Ok((_, syms)) => {
                            defined.extend(syms);
                            objects.push(bytes);
                        }
                        Err(e) => diags.error(l.span, format!("@link '{}': {}", l.value, e)),
                    },
                    Err(e) => diags.error(l.span, format!("@link '{}': cannot read '{}': {}", l.value, l.path, e)),
                },
            }
        }
        for &f in &used {
            let d = &c.cabi.foreign[f as usize];
            if !defined.contains(&d.symbol) {
                diags.error(
                    d.func.name.span,
                    format!("foreign function '{}' binds the C symbol '{}', which nothing dc links defines: dc's own C library has no such function; define it in an @link'ed object, or build with --emit obj and link with a C toolchain", d.symbol, d.symbol),
                );
            }
        }
    }
    if diags.has_errors() {
        diags.print_all(&c.sm);
        return Err(());
    }
    Ok(objects)
}

fn arch_name(a: Arch) -> &'static str {
    match a {
        Arch::X86_64 => "x86-64",
        Arch::Aarch64 => "aarch64",
    }
}
