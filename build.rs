//! Embeds `std/`, `rt/` into the dc binary, so one file is the whole toolchain.
use std::{env, fs, path::Path};

fn collect(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, root, out);
        } else if p.extension().map_or(false, |e| e == "dusk") {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, p.canonicalize().unwrap().to_string_lossy().into_owned()));
        }
    }
}

fn main() {
    // Read at run time: env!() would bake in the checkout the build script
    // was first compiled in, and a copied target/ would embed that one.
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest);
    let mut files = Vec::new();
    for d in ["std", "rt"] {
        println!("cargo:rerun-if-changed={}", d);
        collect(&root.join(d), root, &mut files);
    }
    let mut src = String::from("/// (path relative to the repository, contents)\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        src.push_str(&format!("    ({:?}, include_str!({:?})),\n", rel, abs));
        println!("cargo:rerun-if-changed={}", abs);
    }
    src.push_str("];\n");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("embedded.rs"), src).unwrap();
}
