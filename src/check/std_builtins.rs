//! The builtins the standard library stands on (digest 7.1): `hash`, the
//! stdin readers `read_line` and `read_all`, `parse_float`, and the file
//! builtins `read_file` and `write_file`. Each is a
//! plain call of a runtime service (rt/std.dusk), except `hash` of an
//! integer, char or rune, which is the value widened to int64 by its own
//! signedness (spec "Hash"), so it is checked as that cast.

use super::*;

const HASH_ARITY: &str = "hash(v) takes exactly one value";

impl<'a, 'd> Checker<'a, 'd> {
    /// `None` when `name` is not one of these builtins.
    pub(super) fn std_builtin(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, name: &str, args: &'a [Expr<'a>]) -> Option<TyId> {
        Some(match name {
            "hash" => self.hash_call(cx, e, args),
            "read_line" => self.runtime_call(cx, e, "__rt_std_read_line", args),
            "read_all" => self.runtime_call(cx, e, "__rt_std_read_all", args),
            "parse_float" => self.runtime_call(cx, e, "__rt_std_parse_float", args),
            "read_file" => self.runtime_call(cx, e, "__rt_std_read_file", args),
            "write_file" => self.runtime_call(cx, e, "__rt_std_write_file", args),
            _ => return None,
        })
    }

    fn hash_call(&mut self, cx: &mut FnCx, e: &'a Expr<'a>, args: &'a [Expr<'a>]) -> TyId {
        let [v] = args else {
            self.err(e.span, HASH_ARITY);
            for a in args {
                self.expr(cx, a, None);
            }
            return prim::I64;
        };
        let t = self.expr(cx, v, None);
        if t == prim::STR {
            // Strings hash by content: a runtime service.
            return self.rt_service_checked(e, "__rt_std_hash_str");
        }
        // An open type parameter (a template body) passes; its instances are
        // checked at their ground types.
        if !self.types.is_integral(t) && t != prim::ERR {
            let n = match self.types.kind(t) {
                TyKind::Ptr(_) => "a managed pointer".to_string(),
                TyKind::RawPtr(_) | TyKind::VoidPtr => "a raw pointer".to_string(),
                _ => format!("'{}'", self.tyname(t)),
            };
            self.err(v.span, format!("cannot hash {}; a map key is an integer, char, rune, or string", n));
        }
        self.info.calls.insert(key(e), CallRes::Cast(prim::I64));
        prim::I64
    }

    /// As `runtime_call` (check_heap.rs) for arguments already checked.
    fn rt_service_checked(&mut self, e: &'a Expr<'a>, rt: &str) -> TyId {
        let Some(&f) = self.g.runtime.get(rt) else {
            self.err(e.span, format!("the runtime lacks '{}'", rt));
            return prim::ERR;
        };
        self.info.calls.insert(key(e), CallRes::Func(f));
        self.funcs[f as usize].ret
    }
}
