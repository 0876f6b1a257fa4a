//! dusk's types, interned: a `TyId` is a small index, equal types have equal
//! ids, so the checker compares types with `==` and the lowering asks for
//! layouts by id.

use std::collections::HashMap;

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TyId(pub u32);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TyKind {
    /// `int8`..`int64`, `uint8`..`uint64`.
    Int { bits: u8, signed: bool },
    Float { bits: u8 },
    Bool,
    /// A byte; unsigned magnitude.
    Char,
    /// A Unicode scalar, 32 bits.
    Rune,
    /// Pointer to NUL-terminated bytes.
    Str,
    Void,
    Error,
    /// `*raw T`.
    RawPtr(TyId),
    /// `*void`: an opaque word.
    VoidPtr,
    /// Managed `*T` (data pointer + generation).
    Ptr(TyId),
    Slice(TyId),
    Array(TyId, u64),
    Tuple(Vec<TyId>),
    /// `(A, B) -> R`.
    Func(Vec<TyId>, TyId),
    /// A user struct/enum/interface by declaration index, with type arguments.
    Struct(u32, Vec<TyId>),
    Enum(u32, Vec<TyId>),
    Interface(u32, Vec<TyId>),
    /// A generic type parameter (declaration-local index and name).
    Param(u32, String),
    Thread,
    /// `collector<T>`: a value on the collected heap (check/collector.rs).
    /// Only the checker tells it apart; `erase_collectors` turns it into its
    /// representation for the passes after checking.
    Collector(TyId),
    /// A green-thread handle (`task_spawn`).
    Task,
    /// The type of an expression that already produced a diagnostic:
    /// compatible with everything so one mistake reports once.
    Err,
}

pub struct Types {
    kinds: Vec<TyKind>,
    map: HashMap<TyKind, TyId>,
    /// Struct declarations, indexed by the id in `TyKind::Struct`.
    pub structs: Vec<StructDef>,
    /// Enum declarations, indexed by the id in `TyKind::Enum`.
    pub enums: Vec<EnumDef>,
    /// Interface declarations, indexed by the id in `TyKind::Interface`.
    pub interfaces: Vec<InterfaceDef>,
    /// The field lists of generic struct instances (`Box<int64>`), with the
    /// type arguments substituted; filled by `instantiate_fields`.
    inst_fields: HashMap<TyId, Vec<(String, TyId)>>,
    /// The payload types of each variant of generic enum instances
    /// (`Maybe<int64>`), substituted; filled by `instantiate_fields` too.
    inst_variants: HashMap<TyId, Vec<Vec<TyId>>>,
}

/// A struct's name and fields in declaration order (fields are resolved
/// after every struct name is known, so they may refer to each other).
#[derive(Clone, Debug)]
pub struct StructDef {
    pub name: String,
    /// Type parameter names (`struct Box<T>`); field types refer to them as
    /// `TyKind::Param(index, name)`.
    pub generics: Vec<String>,
    pub fields: Vec<(String, TyId)>,
}

impl StructDef {
    pub fn field(&self, name: &str) -> Option<(usize, TyId)> {
        self.fields.iter().position(|(n, _)| n == name).map(|i| (i, self.fields[i].1))
    }
}

/// An enum's name and variants in declaration order; a variant's index is
/// its tag. Payload fields are named in the declaration, positional in use.
#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    /// Type parameter names (`enum Maybe<T>`); payload types refer to them
    /// as `TyKind::Param(index, name)`.
    pub generics: Vec<String>,
    pub variants: Vec<VariantDef>,
}

#[derive(Clone, Debug)]
pub struct VariantDef {
    pub name: String,
    pub fields: Vec<(String, TyId)>,
}

impl EnumDef {
    pub fn variant(&self, name: &str) -> Option<u32> {
        self.variants.iter().position(|v| v.name == name).map(|i| i as u32)
    }
}

/// An interface's name and method signatures in declaration order; a
/// method's index is its vtable slot.
#[derive(Clone, Debug)]
pub struct InterfaceDef {
    pub name: String,
    pub generics: Vec<String>,
    pub methods: Vec<MethodSigDef>,
}

#[derive(Clone, Debug)]
pub struct MethodSigDef {
    pub name: String,
    pub params: Vec<TyId>,
    pub ret: TyId,
}

impl InterfaceDef {
    /// The slot of method `name`.
    pub fn method(&self, name: &str) -> Option<usize> {
        self.methods.iter().position(|m| m.name == name)
    }
}

/// Ids of the primitive types, fixed at construction.
pub mod prim {
    use super::TyId;
    pub const I8: TyId = TyId(0);
    pub const I16: TyId = TyId(1);
    pub const I32: TyId = TyId(2);
    pub const I64: TyId = TyId(3);
    pub const U8: TyId = TyId(4);
    pub const U16: TyId = TyId(5);
    pub const U32: TyId = TyId(6);
    pub const U64: TyId = TyId(7);
    pub const F32: TyId = TyId(8);
    pub const F64: TyId = TyId(9);
    pub const BOOL: TyId = TyId(10);
    pub const CHAR: TyId = TyId(11);
    pub const RUNE: TyId = TyId(12);
    pub const STR: TyId = TyId(13);
    pub const VOID: TyId = TyId(14);
    pub const ERROR: TyId = TyId(15);
    pub const VOIDPTR: TyId = TyId(16);
    pub const THREAD: TyId = TyId(17);
    pub const ERR: TyId = TyId(18);
    pub const TASK: TyId = TyId(19);
}

impl Default for Types {
    fn default() -> Self {
        Self::new()
    }
}

impl Types {
    pub fn new() -> Types {
        let mut t = Types { kinds: Vec::new(), map: HashMap::new(), structs: Vec::new(), enums: Vec::new(), interfaces: Vec::new(), inst_fields: HashMap::new(), inst_variants: HashMap::new() };
        for (bits, signed) in [(8, true), (16, true), (32, true), (64, true), (8, false), (16, false), (32, false), (64, false)] {
            t.intern(TyKind::Int { bits, signed });
        }
        t.intern(TyKind::Float { bits: 32 });
        t.intern(TyKind::Float { bits: 64 });
        for k in [TyKind::Bool, TyKind::Char, TyKind::Rune, TyKind::Str, TyKind::Void, TyKind::Error, TyKind::VoidPtr, TyKind::Thread, TyKind::Err, TyKind::Task] {
            t.intern(k);
        }
        t
    }

    pub fn intern(&mut self, k: TyKind) -> TyId {
        if let Some(&id) = self.map.get(&k) {
            return id;
        }
        let id = TyId(self.kinds.len() as u32);
        self.kinds.push(k.clone());
        self.map.insert(k, id);
        id
    }

    pub fn kind(&self, t: TyId) -> &TyKind {
        &self.kinds[t.0 as usize]
    }

    /// The primitive named `name` as written in source, if it is one.
    pub fn primitive(name: &str) -> Option<TyId> {
        use prim::*;
        Some(match name {
            "int8" => I8,
            "int16" => I16,
            "int32" => I32,
            "int64" => I64,
            "uint8" => U8,
            "uint16" => U16,
            "uint32" => U32,
            "uint64" => U64,
            "float32" => F32,
            "float64" => F64,
            "bool" => BOOL,
            "char" => CHAR,
            "rune" => RUNE,
            "string" => STR,
            "void" => VOID,
            "error" => ERROR,
            "thread" => THREAD,
            "task" => TASK,
            _ => return None,
        })
    }

    pub fn int(bits: u8, signed: bool) -> TyId {
        use prim::*;
        match (bits, signed) {
            (8, true) => I8,
            (16, true) => I16,
            (32, true) => I32,
            (64, true) => I64,
            (8, false) => U8,
            (16, false) => U16,
            (32, false) => U32,
            _ => U64,
        }
    }

    pub fn is_int(&self, t: TyId) -> bool {
        matches!(self.kind(t), TyKind::Int { .. })
    }
    pub fn is_signed(&self, t: TyId) -> bool {
        matches!(self.kind(t), TyKind::Int { signed: true, .. })
    }
    pub fn is_float(&self, t: TyId) -> bool {
        matches!(self.kind(t), TyKind::Float { .. })
    }
    pub fn is_numeric(&self, t: TyId) -> bool {
        self.is_int(t) || self.is_float(t)
    }
    /// Integers and the integer-like scalars char and rune.
    pub fn is_integral(&self, t: TyId) -> bool {
        self.is_int(t) || t == prim::CHAR || t == prim::RUNE
    }
    pub fn int_bits(&self, t: TyId) -> u8 {
        match self.kind(t) {
            TyKind::Int { bits, .. } => *bits,
            TyKind::Char | TyKind::Bool => 8,
            TyKind::Rune => 32,
            TyKind::Float { bits } => *bits,
            _ => 64,
        }
    }

    pub fn raw_ptr(&mut self, t: TyId) -> TyId {
        self.intern(TyKind::RawPtr(t))
    }
    pub fn ptr(&mut self, t: TyId) -> TyId {
        self.intern(TyKind::Ptr(t))
    }
    pub fn slice(&mut self, t: TyId) -> TyId {
        self.intern(TyKind::Slice(t))
    }
    pub fn array(&mut self, t: TyId, n: u64) -> TyId {
        self.intern(TyKind::Array(t, n))
    }
    pub fn tuple(&mut self, ts: Vec<TyId>) -> TyId {
        self.intern(TyKind::Tuple(ts))
    }
    pub fn func(&mut self, params: Vec<TyId>, ret: TyId) -> TyId {
        self.intern(TyKind::Func(params, ret))
    }

    /// `collector<t>`, interning its representation too (`rep`).
    pub fn collector(&mut self, t: TyId) -> TyId {
        match self.kind(t) {
            TyKind::Func(..) | TyKind::Slice(_) => {}
            _ => {
                self.ptr(t);
            }
        }
        self.intern(TyKind::Collector(t))
    }

    /// What a value of type `t` is made of: a plain `collector<T>` is the
    /// managed `*T` of its block, a closure or slice collector the closure
    /// or slice itself; any other type is itself.
    pub fn rep(&self, t: TyId) -> TyId {
        match self.kind(t) {
            TyKind::Collector(inner) => match self.kind(*inner) {
                TyKind::Func(..) | TyKind::Slice(_) => *inner,
                _ => self.map.get(&TyKind::Ptr(*inner)).copied().unwrap_or(t),
            },
            _ => t,
        }
    }

    /// After checking, a `collector<T>` is only its representation: every
    /// pass that follows (escape analysis, lowering, layout) sees the
    /// managed pointer, closure or slice it is made of. The interned id
    /// stays valid; only its kind changes, so the types that mention it
    /// need no rewriting.
    pub fn erase_collectors(&mut self) {
        let reps: Vec<(usize, TyId)> = (0..self.kinds.len()).filter(|&i| matches!(self.kinds[i], TyKind::Collector(_))).map(|i| (i, self.rep(TyId(i as u32)))).collect();
        for (i, rep) in reps {
            self.kinds[i] = self.kinds[rep.0 as usize].clone();
        }
    }

    /// The enum declaration behind an enum type.
    pub fn enum_def(&self, t: TyId) -> Option<&EnumDef> {
        match self.kind(t) {
            TyKind::Enum(id, _) => Some(&self.enums[*id as usize]),
            _ => None,
        }
    }

    /// The payload field types of variant `v` of the enum type `t`, as this
    /// instance sees them: a generic enum's instance has its type arguments
    /// substituted (`instantiate_fields` must have seen it first; the
    /// checker's `complete_instances` guarantees it for the lowering).
    pub fn variant_fields(&self, t: TyId, v: u32) -> Vec<TyId> {
        if let Some(vs) = self.inst_variants.get(&t) {
            return vs.get(v as usize).cloned().unwrap_or_default();
        }
        match self.enum_def(t) {
            Some(d) => d.variants[v as usize].fields.iter().map(|f| f.1).collect(),
            None => Vec::new(),
        }
    }

    /// `t` with every type parameter `Param(i, _)` replaced by `args[i]`
    /// (a parameter beyond `args` stays as it is).
    pub fn subst(&mut self, t: TyId, args: &[TyId]) -> TyId {
        if args.is_empty() || !self.has_param(t) {
            return t;
        }
        let k = match self.kind(t).clone() {
            TyKind::Param(i, _) => return args.get(i as usize).copied().unwrap_or(t),
            TyKind::RawPtr(e) => TyKind::RawPtr(self.subst(e, args)),
            TyKind::Ptr(e) => TyKind::Ptr(self.subst(e, args)),
            TyKind::Collector(e) => {
                let e = self.subst(e, args);
                return self.collector(e);
            }
            TyKind::Slice(e) => TyKind::Slice(self.subst(e, args)),
            TyKind::Array(e, n) => TyKind::Array(self.subst(e, args), n),
            TyKind::Tuple(ts) => TyKind::Tuple(ts.iter().map(|&e| self.subst(e, args)).collect()),
            TyKind::Func(ps, r) => {
                let ps = ps.iter().map(|&e| self.subst(e, args)).collect();
                TyKind::Func(ps, self.subst(r, args))
            }
            TyKind::Struct(id, xs) => TyKind::Struct(id, xs.iter().map(|&e| self.subst(e, args)).collect()),
            TyKind::Enum(id, xs) => TyKind::Enum(id, xs.iter().map(|&e| self.subst(e, args)).collect()),
            TyKind::Interface(id, xs) => TyKind::Interface(id, xs.iter().map(|&e| self.subst(e, args)).collect()),
            k => k,
        };
        self.intern(k)
    }

    /// Whether `t` mentions a type parameter (is not ground).
    pub fn has_param(&self, t: TyId) -> bool {
        match self.kind(t) {
            TyKind::Param(..) => true,
            TyKind::RawPtr(e) | TyKind::Ptr(e) | TyKind::Slice(e) | TyKind::Array(e, _) | TyKind::Collector(e) => self.has_param(*e),
            TyKind::Tuple(ts) => ts.iter().any(|&e| self.has_param(e)),
            TyKind::Func(ps, r) => ps.iter().any(|&e| self.has_param(e)) || self.has_param(*r),
            TyKind::Struct(_, xs) | TyKind::Enum(_, xs) | TyKind::Interface(_, xs) => xs.iter().any(|&e| self.has_param(e)),
            _ => false,
        }
    }

    /// The fields of a struct type, with a generic struct's type arguments
    /// substituted (`instantiate_fields` must have seen an instance first;
    /// the checker's `complete_instances` guarantees it for the lowering).
    pub fn struct_fields(&self, ty: TyId) -> &[(String, TyId)] {
        match self.kind(ty) {
            TyKind::Struct(id, args) => match self.inst_fields.get(&ty) {
                Some(f) if !args.is_empty() => f,
                _ => &self.structs[*id as usize].fields,
            },
            _ => &[],
        }
    }

    /// Field `name` of struct type `ty`: its index and (substituted) type.
    pub fn struct_field(&self, ty: TyId, name: &str) -> Option<(usize, TyId)> {
        let fs = self.struct_fields(ty);
        fs.iter().position(|(n, _)| n == name).map(|i| (i, fs[i].1))
    }

    /// Computes and caches the substituted field list of a generic struct
    /// instance (`Box<int64>` from `struct Box<T> { v: T }`), or the
    /// substituted payloads of a generic enum instance.
    pub fn instantiate_fields(&mut self, ty: TyId) {
        if let TyKind::Enum(id, args) = self.kind(ty).clone() {
            if args.is_empty() || self.inst_variants.contains_key(&ty) {
                return;
            }
            let decl: Vec<Vec<TyId>> = self.enums[id as usize].variants.iter().map(|v| v.fields.iter().map(|f| f.1).collect()).collect();
            let vs = decl.into_iter().map(|fs| fs.into_iter().map(|t| self.subst(t, &args)).collect()).collect();
            self.inst_variants.insert(ty, vs);
            return;
        }
        let TyKind::Struct(id, args) = self.kind(ty).clone() else { return };
        if args.is_empty() || self.inst_fields.contains_key(&ty) {
            return;
        }
        let decl = self.structs[id as usize].fields.clone();
        let fields = decl.into_iter().map(|(n, t)| (n, self.subst(t, &args))).collect();
        self.inst_fields.insert(ty, fields);
    }

    /// Instantiates the fields of every generic struct (and the payloads of
    /// every generic enum) instance interned so far, and of the instances
    /// those name in turn. Fails if the instances do not close (a type
    /// nesting itself under ever larger type arguments, as in
    /// `struct P<T> { next: *P<P<T>> }`), with the instance it gave up on.
    pub fn complete_instances(&mut self) -> Result<(), TyId> {
        // Closing instances adds a few types per instance the program names;
        // 64K more means growth, and is still quick to reach.
        let limit = self.kinds.len() + (1 << 16);
        let mut i = 0;
        while i < self.kinds.len() {
            if self.kinds.len() > limit {
                // The newest instance is one of the growing ones.
                let newest = (0..self.kinds.len()).rev().find(|&j| matches!(&self.kinds[j], TyKind::Struct(_, a) | TyKind::Enum(_, a) if !a.is_empty()));
                return Err(TyId(newest.unwrap_or(i) as u32));
            }
            if matches!(&self.kinds[i], TyKind::Struct(_, a) | TyKind::Enum(_, a) if !a.is_empty()) {
                self.instantiate_fields(TyId(i as u32));
            }
            i += 1;
        }
        Ok(())
    }

    /// The name of a type as diagnostics print it.
    pub fn name(&self, t: TyId) -> String {
        self.display(t, &|k| match k {
            TyKind::Struct(id, _) => self.structs[*id as usize].name.clone(),
            TyKind::Enum(id, _) => self.enums[*id as usize].name.clone(),
            TyKind::Interface(id, _) => self.interfaces[*id as usize].name.clone(),
            _ => "<type>".to_string(),
        })
    }

    pub fn display(&self, t: TyId, names: &dyn Fn(&TyKind) -> String) -> String {
        match self.kind(t) {
            TyKind::Int { bits, signed } => format!("{}int{}", if *signed { "" } else { "u" }, bits),
            TyKind::Float { bits } => format!("float{}", bits),
            TyKind::Bool => "bool".into(),
            TyKind::Char => "char".into(),
            TyKind::Rune => "rune".into(),
            TyKind::Str => "string".into(),
            TyKind::Void => "void".into(),
            TyKind::Error => "error".into(),
            TyKind::Thread => "thread".into(),
            TyKind::Task => "task".into(),
            TyKind::VoidPtr => "*void".into(),
            TyKind::RawPtr(e) => format!("*raw {}", self.display(*e, names)),
            TyKind::Ptr(e) => format!("*{}", self.display(*e, names)),
            TyKind::Collector(e) => format!("collector<{}>", self.display(*e, names)),
            TyKind::Slice(e) => format!("{}[]", self.display(*e, names)),
            TyKind::Array(e, n) => format!("{}[{}]", self.display(*e, names), n),
            TyKind::Tuple(ts) => format!("({})", ts.iter().map(|t| self.display(*t, names)).collect::<Vec<_>>().join(", ")),
            TyKind::Func(ps, r) => format!(
                "({}) -> {}",
                ps.iter().map(|t| self.display(*t, names)).collect::<Vec<_>>().join(", "),
                self.display(*r, names)
            ),
            k @ (TyKind::Struct(_, args) | TyKind::Enum(_, args) | TyKind::Interface(_, args)) => {
                let base = names(k);
                if args.is_empty() {
                    base
                } else {
                    format!("{}<{}>", base, args.iter().map(|t| self.display(*t, names)).collect::<Vec<_>>().join(", "))
                }
            }
            TyKind::Param(_, n) => n.clone(),
            TyKind::Err => "<error>".into(),
        }
    }
}
