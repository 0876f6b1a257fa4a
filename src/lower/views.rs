//! Aggregates converted by viewing arrays as slices member by member: a
//! `(int64[3], int64)` value where a `(int64[], int64)` is expected, or an
//! `int64[3][2]` where an `int64[][2]` is. The converted aggregate is built
//! in a fresh temporary; each slice member views the array member of the
//! source value in place (so it is a view of wherever the source lives).

use super::*;
use crate::layout::member_offset;

impl<'c, 'a, 's> FnLower<'c, 'a, 's> {
    /// Whether `have` differs from `want` only by arrays viewed as slices
    /// inside tuples or arrays (a bare array-to-slice view is not this).
    pub(super) fn needs_view_conversion(&self, have: TyId, want: TyId) -> bool {
        have != want && matches!((self.c.types.kind(have), self.c.types.kind(want)), (TyKind::Tuple(_), TyKind::Tuple(_)) | (TyKind::Array(..), TyKind::Array(..)))
    }

    /// A value of type `have` as one of type `want`: an array (member)
    /// viewed as a slice, or an integer-like conversion.
    pub(super) fn convert_value(&mut self, v: Value, have: TyId, want: TyId) -> Value {
        match (self.c.types.kind(have), self.c.types.kind(want)) {
            _ if have == want => v,
            (TyKind::Array(..), TyKind::Slice(_)) => self.view_convert(v, have, want),
            _ if self.needs_view_conversion(have, want) => self.view_convert(v, have, want),
            _ if is_aggregate(&self.c.types, want) => v,
            _ => self.convert_int(v, have, want),
        }
    }

    /// The value at `src` (of type `have`) as a value of type `want`.
    pub(super) fn view_convert(&mut self, src: Value, have: TyId, want: TyId) -> Value {
        if have == want {
            return src;
        }
        match (self.c.types.kind(have).clone(), self.c.types.kind(want).clone()) {
            (TyKind::Array(_, n), TyKind::Slice(_)) => {
                let len = self.b.iconst(Type::I64, n as i64);
                let slot = self.b.new_slot(16, 8);
                let s = self.b.slot_addr(slot);
                self.b.store(src, s, 0);
                self.b.store(len, s, 8);
                s
            }
            (TyKind::Tuple(hs), TyKind::Tuple(ws)) => {
                let out = self.temp(want);
                for (i, (h, w)) in hs.iter().zip(&ws).enumerate() {
                    let from = member_offset(&self.c.types, have, i) as i32;
                    let to = member_offset(&self.c.types, want, i) as i32;
                    self.convert_member(src, from, *h, out, to, *w);
                }
                out
            }
            (TyKind::Array(h, n), TyKind::Array(w, _)) => {
                let out = self.temp(want);
                let (hs, ws) = (self.stride(h), self.stride(w));
                let len = self.b.iconst(Type::I64, n as i64);
                self.count_loop(None, len, &mut |s, i| {
                    let at = s.element_addr(src, i, hs);
                    let to = s.element_addr(out, i, ws);
                    s.convert_member(at, 0, h, to, 0, w);
                });
                out
            }
            _ => src,
        }
    }

    /// Converts the member of type `h` at `src + from` into the member of
    /// type `w` at `dst + to`.
    fn convert_member(&mut self, src: Value, from: i32, h: TyId, dst: Value, to: i32, w: TyId) {
        let v = self.member_value(src, from, h);
        let v = self.view_convert(v, h, w);
        if is_aggregate(&self.c.types, w) {
            let o = self.b.iconst(Type::I64, to as i64);
            let at = self.b.bin(IB::Add, dst, o);
            self.copy_mem(at, v, w);
        } else {
            self.b.store(v, dst, to);
        }
    }
}
