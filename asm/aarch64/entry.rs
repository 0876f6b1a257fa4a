//! AArch64 process entry. The kernel starts `_start` with sp pointing at
//! argc, then the argv pointers from [sp, #8], a null, the envp pointers and
//! the auxiliary vector.

use super::{Call, Routine};
use crate::obj::RelocKind;
use dynasmrt::{aarch64::Aarch64Relocation, dynasm, DynasmApi, DynasmLabelApi, VecAssembler};

/// exit_group(2) on AArch64.
const SYS_EXIT_GROUP: u64 = 94;

/// `_start`: call `__dc_entry(argc, argv)`; should it return, exit with 0xff.
pub fn start() -> Routine {
    let mut a = VecAssembler::<Aarch64Relocation>::new(0);
    // The call targets itself until the linker points it at __dc_entry.
    let call = a.new_dynamic_label();
    dynasm!(a
        ; .arch aarch64
        ; mov x29, xzr              // no caller frame: backtraces stop here
        ; mov x30, xzr              // and no return address
        ; ldr x0, [sp]              // argc
        ; add x1, sp, 8             // argv
        ; mov x9, sp
        ; and x9, x9, 0xfffffffffffffff0
        ; mov sp, x9                // AAPCS64 wants sp 16-aligned
    );
    let call_at = a.offset().0;
    dynasm!(a
        ; .arch aarch64
        ; =>call
        ; bl =>call                 // __dc_entry (imm26 filled in by the linker)
        ; mov x0, 0xff              // __dc_entry exits itself; if it returns, fail loudly
        ; mov x8, SYS_EXIT_GROUP
        ; svc 0
        ; brk 0                     // not reached
    );
    let code = a.finalize().expect("the AArch64 entry assembles");
    Routine { name: "_start", code, calls: vec![Call { field: call_at, kind: RelocKind::A64Call26, addend: 0, target: "__dc_entry" }] }
}
