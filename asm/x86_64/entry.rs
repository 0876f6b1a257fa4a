//! x86-64 process entry. The kernel starts `_start` with the stack holding
//! argc at [rsp], then the argv pointers from [rsp + 8], a null, the envp
//! pointers and the auxiliary vector; every register but rsp is zero/garbage.

use super::{Call, Routine};
use crate::obj::RelocKind;
use dynasmrt::{dynasm, x64::X64Relocation, DynasmApi, DynasmLabelApi, VecAssembler};

/// exit_group(2) on x86-64.
const SYS_EXIT_GROUP: i32 = 231;

/// `_start`: call `__dc_entry(argc, argv)`; should it return, exit with 0xff.
pub fn start() -> Routine {
    let mut a = VecAssembler::<X64Relocation>::new(0);
    // The call targets itself until the linker points it at __dc_entry.
    let call = a.new_dynamic_label();
    dynasm!(a
        ; .arch x64
        ; xor ebp, ebp              // no caller frame: backtraces stop here
        ; mov rdi, [rsp]            // argc
        ; lea rsi, [rsp + 8]        // argv
        ; and rsp, -16              // the SysV ABI wants rsp 16-aligned at a call
        ; =>call
        ; call =>call               // __dc_entry (rel32 filled in by the linker)
    );
    let call_end = a.offset().0;
    dynasm!(a
        ; .arch x64
        ; mov edi, 0xff             // __dc_entry exits itself; if it returns, fail loudly
        ; mov eax, SYS_EXIT_GROUP
        ; syscall
        ; hlt                       // not reached
    );
    let code = a.finalize().expect("the x86-64 entry assembles");
    // The rel32 is the call's last 4 bytes, relative to the next instruction.
    Routine { name: "_start", code, calls: vec![Call { field: call_end - 4, kind: RelocKind::X86Plt32, addend: -4, target: "__dc_entry" }] }
}
