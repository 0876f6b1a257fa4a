//! The driver: runs the stages in order (load and parse, check, lower, back
//! end, object, link) and the `run` verb. Each stage hands the next one
//! plain data; see docs/architecture.md.

use crate::{BuildArgs, CommonArgs, RunArgs};
use dc_backend::Arch;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `--target` values: our short names and the usual triples.
pub fn parse_target(t: Option<&str>) -> Result<Arch, String> {
    let Some(t) = t else {
        return Ok(if cfg!(target_arch = "aarch64") { Arch::Aarch64 } else { Arch::X86_64 });
    };
    let arch = t.split('-').next().unwrap_or("");
    match arch {
        "x86_64" | "amd64" | "x64" => Ok(Arch::X86_64),
        "aarch64" | "arm64" => Ok(Arch::Aarch64),
        _ => Err(format!("unknown target '{}'; dc builds for x86_64-linux and aarch64-linux", t)),
    }
}

fn host_arch() -> Arch {
    if cfg!(target_arch = "aarch64") {
        Arch::Aarch64
    } else {
        Arch::X86_64
    }
}

/// What a build produces, in memory.
pub enum Output {
    Exe(Vec<u8>),
    Obj(Vec<u8>),
    Text(String),
}

#[derive(Copy, Clone, PartialEq, Eq)]
pub enum Emit {
    Exe,
    Obj,
    Asm,
    Ir,
}

/// Front end only: load, parse, check. Diagnostics go to stderr.
pub fn check(a: &CommonArgs) -> i32 {
    if let Err(e) = parse_target(a.target.as_deref()) {
        eprintln!("dc: error: {}", e);
        return 2;
    }
    let fe = crate::compile::FrontEnd::new();
    match fe.check(Path::new(&a.file)) {
        Ok(_) => 0,
        Err(()) => 1,
    }
}

/// Compile `file` for `arch` into the requested output.
pub fn compile(file: &Path, arch: Arch, emit: Emit, opt: bool, debug: bool) -> Result<Output, ()> {
    let fe = crate::compile::FrontEnd::new();
    let checked = fe.check(file)?;
    let c_objects = crate::compile::c_boundary(&checked, arch, emit == Emit::Exe)?;
    let module = crate::compile::lower(&checked, arch);
    if emit == Emit::Ir {
        // Show the IR the back end will see.
        let mut m = module.clone();
        if opt {
            m.functions = dc_backend::optimize_functions(&m.functions, debug).map_err(|e| eprintln!("dc: internal error: {}", e))?;
        }
        return Ok(Output::Text(dc_backend::print::print_module(&m)));
    }
    let mut obj = dc_backend::compile_module_opt(&module, arch, opt, debug).map_err(|e| eprintln!("dc: internal error: {}", e))?;
    for (c_name, imp) in crate::clib::FUNCTIONS {
        obj.define_weak_alias(c_name, imp);
    }
    match emit {
        Emit::Asm => {
            let isa = dc_backend::isa::for_arch(arch);
            Ok(Output::Text(dc_backend::listing(&obj, isa.as_ref())))
        }
        Emit::Obj => dc_backend::elf::write_object(&obj).map(Output::Obj).map_err(|e| eprintln!("dc: internal error: {}", e)),
        _ => {
            let isa = dc_backend::isa::for_arch(arch);
            let mut entry = dc_backend::obj::Object::new(arch);
            isa.runtime_asm(&mut entry);
            for (c_name, imp) in crate::clib::FUNCTIONS {
                entry.define_weak_alias(c_name, imp);
            }
            // The program, the runtime entry, then any `@link`ed objects.
            let mut files = Vec::new();
            for o in [&obj, &entry] {
                files.push(dc_backend::elf::write_object(o).map_err(|e| eprintln!("dc: internal error: {}", e))?);
            }
            files.extend(c_objects);
            dc_backend::link::link(&files, "_start").map(Output::Exe).map_err(|e| eprintln!("dc: error: {}", e))
        }
    }
}

fn write_output(out: Output, path: &Path) -> Result<(), String> {
    let (bytes, exec) = match out {
        Output::Exe(b) => (b, true),
        Output::Obj(b) => (b, false),
        Output::Text(s) => (s.into_bytes(), false),
    };
    std::fs::write(path, &bytes).map_err(|e| format!("cannot write '{}': {}", path.display(), e))?;
    if exec {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|e| format!("cannot make '{}' executable: {}", path.display(), e))?;
    }
    Ok(())
}

fn parse_emit(s: &str) -> Result<Emit, String> {
    match s {
        "exe" => Ok(Emit::Exe),
        "obj" => Ok(Emit::Obj),
        "asm" => Ok(Emit::Asm),
        "ir" => Ok(Emit::Ir),
        _ => Err(format!("unknown --emit kind '{}'; use exe, obj, asm or ir", s)),
    }
}

pub fn build(a: &BuildArgs) -> i32 {
    let (arch, emit) = match (parse_target(a.common.target.as_deref()), parse_emit(&a.emit)) {
        (Ok(t), Ok(e)) => (t, e),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("dc: error: {}", e);
            return 2;
        }
    };
    let file = Path::new(&a.common.file);
    let out_path = match &a.output {
        Some(o) => PathBuf::from(o),
        None => {
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "a.out".into());
            PathBuf::from(match emit {
                Emit::Exe => stem,
                Emit::Obj => format!("{}.o", stem),
                Emit::Asm => format!("{}.s", stem),
                Emit::Ir => format!("{}.ir", stem),
            })
        }
    };
    let Ok(out) = compile(file, arch, emit, opt_level(&a.common), !a.strip) else { return 1 };
    if let Err(e) = write_output(out, &out_path) {
        eprintln!("dc: error: {}", e);
        return 1;
    }
    0
}

/// Optimisation is on unless `-O0` asks for the IR as lowered (mem2reg and
/// the cleanups are cheap, so they are the default).
fn opt_level(c: &CommonArgs) -> bool {
    c.opt.as_deref() != Some("0")
}

pub fn run(a: &RunArgs) -> i32 {
    let arch = match parse_target(a.common.target.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("dc: error: {}", e);
            return 2;
        }
    };
    let file = Path::new(&a.common.file);
    let Ok(out) = compile(file, arch, Emit::Exe, opt_level(&a.common), true) else { return 1 };
    let dir = std::env::temp_dir().join(format!("dc-run-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("dc: error: cannot create '{}': {}", dir.display(), e);
        return 1;
    }
    let exe = dir.join(file.file_stem().unwrap_or_default());
    if let Err(e) = write_output(out, &exe) {
        eprintln!("dc: error: {}", e);
        return 1;
    }
    let mut cmd = if arch == host_arch() {
        Command::new(&exe)
    } else {
        let qemu = match arch {
            Arch::Aarch64 => "qemu-aarch64",
            Arch::X86_64 => "qemu-x86_64",
        };
        let mut c = Command::new(qemu);
        c.arg(&exe);
        c
    };
    cmd.args(&a.args);
    let status = cmd.status();
    let _ = std::fs::remove_dir_all(&dir);
    match status {
        Ok(s) => {
            use std::os::unix::process::ExitStatusExt;
            if let Some(code) = s.code() {
                code
            } else {
                // Killed by a signal: report it the way a shell does.
                128 + s.signal().unwrap_or(0)
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && arch != host_arch() => {
            eprintln!("dc: error: running an {} program on this machine needs qemu (install the Debian package qemu-user)", match arch {
                Arch::Aarch64 => "aarch64",
                Arch::X86_64 => "x86-64",
            });
            1
        }
        Err(e) => {
            eprintln!("dc: error: cannot run '{}': {}", exe.display(), e);
            1
        }
    }
}
