//! AArch64 entry points of dc's variadic C functions (src/clib.rs). On
//! Linux (AAPCS64) variadic arguments travel like named ones: integers in
//! x0..x7, doubles in d0..d7, the rest on the stack. A shim stores all of
//! them in a frame block, integers at +0 and doubles at +64 (eight words
//! each), and calls the dusk formatter with that block and the address of
//! the first stack argument (rt/clib.dusk walks them the way va_arg does).

use super::{Call, Routine};
use crate::obj::RelocKind;
use dynasmrt::{aarch64::Aarch64Relocation, dynasm, DynasmApi, DynasmLabelApi, VecAssembler};

fn shim(name: &'static str, target: &'static str) -> Routine {
    let mut a = VecAssembler::<Aarch64Relocation>::new(0);
    let call = a.new_dynamic_label();
    dynasm!(a
        ; .arch aarch64
        ; stp x29, x30, [sp, -144]!
        ; mov x29, sp
        ; stp x0, x1, [sp, 16]
        ; stp x2, x3, [sp, 32]
        ; stp x4, x5, [sp, 48]
        ; stp x6, x7, [sp, 64]
        ; stp d0, d1, [sp, 80]
        ; stp d2, d3, [sp, 96]
        ; stp d4, d5, [sp, 112]
        ; stp d6, d7, [sp, 128]
        ; add x0, sp, 16
        ; add x1, sp, 144
    );
    let call_at = a.offset().0;
    dynasm!(a
        ; .arch aarch64
        ; =>call
        ; bl =>call
        ; ldp x29, x30, [sp], 144
        ; ret
    );
    let code = a.finalize().expect("AArch64 C library shim assembles");
    Routine { name, code, calls: vec![Call { field: call_at, kind: RelocKind::A64Call26, addend: 0, target }] }
}

pub fn routines() -> Vec<Routine> {
    vec![
        shim("__c_printf", "__c_printf_va"),
        shim("__c_sprintf", "__c_sprintf_va"),
        shim("__c_snprintf", "__c_snprintf_va"),
    ]
}
