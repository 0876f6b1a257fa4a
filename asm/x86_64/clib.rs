//! x86-64 entry points of dc's variadic C functions (src/clib.rs): a C
//! caller passes `printf`'s arguments in registers (integers in rdi..r9,
//! doubles in xmm0..xmm7, al the count of those) and then on the stack. A
//! shim stores all of them in a frame block, integers at +0 (six words) and
//! doubles at +64 (eight), and calls the dusk formatter with that block and
//! the address of the first stack argument (rt/clib.dusk walks them the way
//! va_arg does).

use super::{Call, Routine};
use crate::obj::RelocKind;
use dynasmrt::{dynasm, x64::X64Relocation, DynasmApi, DynasmLabelApi, VecAssembler};

fn shim(name: &'static str, target: &'static str) -> Routine {
    let mut a = VecAssembler::<X64Relocation>::new(0);
    let call = a.new_dynamic_label();
    dynasm!(a
        ; .arch x64
        ; push rbp
        ; mov rbp, rsp
        ; sub rsp, 128
        ; mov [rsp], rdi
        ; mov [rsp + 8], rsi
        ; mov [rsp + 16], rdx
        ; mov [rsp + 24], rcx
        ; mov [rsp + 32], r8
        ; mov [rsp + 40], r9
        ; movsd [rsp + 64], xmm0
        ; movsd [rsp + 72], xmm1
        ; movsd [rsp + 80], xmm2
        ; movsd [rsp + 88], xmm3
        ; movsd [rsp + 96], xmm4
        ; movsd [rsp + 104], xmm5
        ; movsd [rsp + 112], xmm6
        ; movsd [rsp + 120], xmm7
        ; mov rdi, rsp
        ; lea rsi, [rbp + 16]
        ; =>call
        ; call =>call
    );
    let call_end = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; leave
        ; ret
    );
    let code = a.finalize().expect("x86-64 C library shim assembles");
    Routine { name, code, calls: vec![Call { field: call_end - 4, kind: RelocKind::X86Plt32, addend: -4, target }] }
}

pub fn routines() -> Vec<Routine> {
    vec![
        shim("__c_printf", "__c_printf_va"),
        shim("__c_sprintf", "__c_sprintf_va"),
        shim("__c_snprintf", "__c_snprintf_va"),
    ]
}
