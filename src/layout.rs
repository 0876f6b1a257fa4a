//! Sizes and alignments of dusk types, as the spec's layout table gives
//! them (observable through `sizeof`), and their machine-level IR types.

use crate::types::{TyId, TyKind, Types};
use dc_backend::ir::Type;

pub fn size_align(t: &Types, ty: TyId) -> (u64, u64) {
    match t.kind(ty) {
        TyKind::Int { bits, .. } | TyKind::Float { bits } => ((*bits / 8) as u64, (*bits / 8) as u64),
        TyKind::Bool | TyKind::Char => (1, 1),
        TyKind::Rune => (4, 4),
        TyKind::Str | TyKind::Error | TyKind::RawPtr(_) | TyKind::VoidPtr => (8, 8),
        TyKind::Ptr(_) | TyKind::Slice(_) | TyKind::Func(..) | TyKind::Thread | TyKind::Task | TyKind::Interface(..) => (16, 8),
        // Every collector kind is a two-word value (`sizeof` during checking).
        TyKind::Collector(_) => (16, 8),
        TyKind::Void => (0, 1),
        TyKind::Array(e, n) => {
            let (s, a) = size_align(t, *e);
            (round_up(s, a) * n, a)
        }
        TyKind::Tuple(ts) => record_layout(t, ts).0,
        TyKind::Struct(..) => {
            let fields: Vec<TyId> = t.struct_fields(ty).iter().map(|f| f.1).collect();
            record_layout(t, &fields).0
        }
        TyKind::Enum(..) => (enum_size(t, ty), 8),
        TyKind::Param(..) | TyKind::Err => (8, 8),
    }
}

pub fn size_of(t: &Types, ty: TyId) -> u64 {
    size_align(t, ty).0
}

pub fn round_up(x: u64, a: u64) -> u64 {
    (x + a - 1) / a * a
}

/// The IR type of a scalar dusk type; `None` for void and for aggregates,
/// which live in memory and travel by address.
pub fn ir_type(t: &Types, ty: TyId) -> Option<Type> {
    Some(match t.kind(ty) {
        TyKind::Int { bits: 8, .. } | TyKind::Bool | TyKind::Char => Type::I8,
        TyKind::Int { bits: 16, .. } => Type::I16,
        TyKind::Int { bits: 32, .. } | TyKind::Rune => Type::I32,
        TyKind::Int { .. } => Type::I64,
        TyKind::Float { bits: 32 } => Type::F32,
        TyKind::Float { .. } => Type::F64,
        TyKind::Str | TyKind::Error | TyKind::RawPtr(_) | TyKind::VoidPtr => Type::I64,
        _ => return None,
    })
}

/// Whether values of `ty` live in memory (structs, slices, arrays, ...).
pub fn is_aggregate(t: &Types, ty: TyId) -> bool {
    ir_type(t, ty).is_none() && !matches!(t.kind(ty), TyKind::Void | TyKind::Err)
}

/// C layout of a record (struct fields, tuple members): (size, align) and
/// the offset of each member.
pub fn record_layout(t: &Types, members: &[TyId]) -> ((u64, u64), Vec<u64>) {
    let mut off = 0;
    let mut align = 1;
    let mut offsets = Vec::with_capacity(members.len());
    for &e in members {
        let (s, a) = size_align(t, e);
        off = round_up(off, a);
        offsets.push(off);
        off += s;
        align = align.max(a);
    }
    ((round_up(off, align), align), offsets)
}

/// Offset of member `i` of a struct or tuple type.
pub fn member_offset(t: &Types, ty: TyId, i: usize) -> u64 {
    let members: Vec<TyId> = match t.kind(ty) {
        TyKind::Struct(..) => t.struct_fields(ty).iter().map(|f| f.1).collect(),
        TyKind::Tuple(ts) => ts.clone(),
        _ => return 0,
    };
    record_layout(t, &members).1[i]
}

/// An enum is a tag word (8 bytes; the tag itself is the smallest integer
/// that numbers the variants, padded to the word) followed by payload lanes:
/// each variant lays its payload out as a C record at `ENUM_PAYLOAD`, and the
/// lanes are the largest such record rounded up to whole words.
pub const ENUM_PAYLOAD: u64 = 8;

fn enum_size(t: &Types, ty: TyId) -> u64 {
    let n = t.enum_def(ty).map_or(0, |d| d.variants.len()) as u32;
    let payload = (0..n).map(|v| record_layout(t, &t.variant_fields(ty, v)).0 .0).max().unwrap_or(0);
    ENUM_PAYLOAD + round_up(payload, 8)
}

/// Offset, from the start of the enum value, of payload field `i` of
/// variant `v` of the enum type `ty`.
pub fn variant_field_offset(t: &Types, ty: TyId, v: u32, i: usize) -> u64 {
    ENUM_PAYLOAD + record_layout(t, &t.variant_fields(ty, v)).1[i]
}
