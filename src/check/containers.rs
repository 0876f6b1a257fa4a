//! `for` over the standard containers: `for x in v` over a `*Vector<T>`,
//! `for k in m` and `for k, v in m` over a `*Map<K, V>`.
//!
//! The spec lowers a container loop into the index loop a program would
//! write by hand against the containers' own accessors (`vec_len`/`vec_get`,
//! `map_len`/`map_key_at`/`map_val_at`), so the container layout stays in
//! std and code generation never learns it. The checker resolves those
//! accessors here, as instances of the std templates in scope, and records
//! them for the lowering (`Info::container_loops`).

use super::*;

/// The accessor instances a container loop calls each iteration.
#[derive(Clone, Copy, Debug)]
pub struct ContainerLoop {
    /// `vec_len` / `map_len`: re-read every iteration (growth is visited,
    /// shrinking stops early).
    pub len: u32,
    /// `vec_get` / `map_key_at`: the first binder.
    pub get: u32,
    /// `map_val_at`: the second binder of the pair form.
    pub val: Option<u32>,
}

/// Which standard container a struct type is.
#[derive(Clone, Copy, PartialEq)]
enum Container {
    Vector,
    Map,
}

impl<'a, 'd> Checker<'a, 'd> {
    fn container_kind(&self, t: TyId) -> Option<(Container, Vec<TyId>)> {
        let TyKind::Struct(sid, args) = self.types.kind(t) else { return None };
        match (self.types.structs[*sid as usize].name.as_str(), args.len()) {
            ("Vector", 1) => Some((Container::Vector, args.clone())),
            ("Map", 2) => Some((Container::Map, args.clone())),
            _ => None,
        }
    }

    /// The binder types of `for first[, second] in <iterand of type t>` when
    /// `t` is a standard container (or one by value, which is reported);
    /// None when `t` is no container at all.
    pub(super) fn container_for(&mut self, cx: &mut FnCx, f: &'a ForStmt<'a>, t: TyId) -> Option<(TyId, Option<TyId>)> {
        if let Some((_, args)) = self.container_kind(t) {
            self.err(f.iter.span, "iterate the container through a pointer, as in v: *Vector<T>");
            return Some((args[0], f.second.map(|_| prim::ERR)));
        }
        let TyKind::Ptr(inner) = self.types.kind(t) else { return None };
        let (kind, args) = self.container_kind(*inner)?;
        let (len, get, module) = match kind {
            Container::Vector => ("vec_len", "vec_get", "std.vector"),
            Container::Map => ("map_len", "map_key_at", "std.map"),
        };
        let mut second = None;
        let mut val = None;
        if let Some(s) = &f.second {
            if kind == Container::Map {
                second = Some(args[1]);
                val = self.container_accessor(cx, "map_val_at", t, &args, s.span, "the map pair form needs map_val_at in scope; import std.map to iterate key and value");
            } else {
                self.err(s.span, "two loop names bind a map's key and value; this iterand has only elements");
                second = Some(prim::ERR);
            }
        }
        let missing = |name: &str| format!("a for loop over this container needs {} in scope; import {}", name, module);
        let len_f = self.container_accessor(cx, len, t, &args, f.iter.span, &missing(len));
        let get_f = self.container_accessor(cx, get, t, &args, f.iter.span, &missing(get));
        if let (Some(len), Some(get)) = (len_f, get_f) {
            if f.second.is_none() || val.is_some() {
                self.info.container_loops.insert(key(f), ContainerLoop { len, get, val });
            }
        }
        Some((args[0], second))
    }

    /// The instance of std accessor `name` over container pointer type `t`.
    /// None inside a template (instances check again with ground types) or
    /// when the accessor is not in scope (reported with `missing`).
    fn container_accessor(&mut self, cx: &FnCx, name: &str, t: TyId, args: &[TyId], span: Span, missing: &str) -> Option<u32> {
        let Some(tid) = self.lookup_template(cx, name) else {
            self.err(span, missing);
            return None;
        };
        if self.gen.in_template || !args.iter().all(|&a| self.ground(a)) {
            return None;
        }
        let f = self.instance(tid, args.to_vec(), span)?;
        // A user struct that happens to be called Vector is no std container.
        if self.funcs[f as usize].params.first() != Some(&t) {
            self.err(span, missing);
            return None;
        }
        Some(f)
    }
}
