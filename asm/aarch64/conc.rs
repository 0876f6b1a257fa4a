//! AArch64 concurrency primitives the runtime (rt/thread.dusk) cannot
//! express in dusk: the fence, the green-thread context switch, the clone
//! trampoline that starts an OS thread on a fresh stack, an indirect call and
//! setting the TLS register. Every routine follows AAPCS64, so the runtime
//! calls them as ordinary functions (see docs/concurrency.md).
//!
//! The atomics and reading the thread pointer are IR operations the emitter
//! writes inline (backend/src/isa/aarch64/emit.rs `atomic`): ARMv8.0
//! exclusive-access loops (no LSE, so they run on every core and under
//! qemu) ending with `dmb ish`, full barriers like x86's locked
//! instructions.

use super::Routine;
use dynasmrt::{aarch64::Aarch64Relocation, dynasm, DynasmApi, DynasmLabelApi, VecAssembler};

const SYS_CLONE: u64 = 220;
const SYS_EXIT: u64 = 93;
/// The system-register operand of `mrs`/`msr` for TPIDR_EL0
/// (op0=3 op1=3 CRn=13 CRm=0 op2=2).
const TPIDR_EL0: u32 = 0x5e82;

fn asm() -> VecAssembler<Aarch64Relocation> {
    VecAssembler::<Aarch64Relocation>::new(0)
}

fn routine(name: &'static str, a: VecAssembler<Aarch64Relocation>) -> Routine {
    Routine { name, code: a.finalize().expect("AArch64 concurrency routine assembles"), calls: vec![] }
}

/// `__dc_fence()`: a full barrier.
fn fence() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch aarch64 ; dmb ish ; ret);
    routine("__dc_fence", a)
}

/// `__dc_ctx_switch(save: *int64, to_sp: int64)`: store the callee-saved
/// registers (x19-x28, fp, lr, d8-d15) below sp, store sp through `save`,
/// load `to_sp`, reload the other context's registers and return through its
/// lr. The caller-saved ones need no saving: the switch is a call.
fn ctx_switch() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch aarch64
        ; sub sp, sp, 160
        ; stp x19, x20, [sp]
        ; stp x21, x22, [sp, 16]
        ; stp x23, x24, [sp, 32]
        ; stp x25, x26, [sp, 48]
        ; stp x27, x28, [sp, 64]
        ; stp x29, x30, [sp, 80]
        ; stp d8, d9, [sp, 96]
        ; stp d10, d11, [sp, 112]
        ; stp d12, d13, [sp, 128]
        ; stp d14, d15, [sp, 144]
        ; mov x2, sp
        ; str x2, [x0]
        ; mov sp, x1
        ; ldp x19, x20, [sp]
        ; ldp x21, x22, [sp, 16]
        ; ldp x23, x24, [sp, 32]
        ; ldp x25, x26, [sp, 48]
        ; ldp x27, x28, [sp, 64]
        ; ldp x29, x30, [sp, 80]
        ; ldp d8, d9, [sp, 96]
        ; ldp d10, d11, [sp, 112]
        ; ldp d12, d13, [sp, 128]
        ; ldp d14, d15, [sp, 144]
        ; add sp, sp, 160
        ; ret
    );
    routine("__dc_ctx_switch", a)
}

/// `__dc_ctx_init(stack_top, fn, arg) -> int64`: lay out a context on a
/// fresh stack so that the first `__dc_ctx_switch` to the returned stack
/// pointer returns into the boot code below, which calls `fn(arg)`. `fn`
/// must never return (a task ends by switching away); if it does, the boot
/// code traps. The frame is `__dc_ctx_switch`'s 160 bytes with x19 = fn,
/// x20 = arg, fp = 0 and lr = boot; everything else zero.
fn ctx_init() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch aarch64
        ; and x0, x0, 0xfffffffffffffff0
        ; sub x0, x0, 160
        ; mov x3, 0
        ; ->clear:
        ; str xzr, [x0, x3]
        ; add x3, x3, 8
        ; cmp x3, 160
        ; b.ne ->clear
        ; stp x1, x2, [x0]              // x19 = fn, x20 = arg
        ; adr x4, ->boot
        ; str x4, [x0, 88]              // lr
        ; ret
        ; ->boot:
        ; mov x0, x20
        ; blr x19
        ; brk 0
    );
    routine("__dc_ctx_init", a)
}

/// `__dc_thread_clone(flags, stack_top, ptid, tls, ctid, fn, arg) -> int64`:
/// the clone system call (AArch64 orders it flags, stack, ptid, tls, ctid:
/// our own argument order). The parent gets the child's tid (or -errno); the
/// child starts on `stack_top` (16-aligned), calls `fn(arg)` and, when that
/// returns, ends only itself with exit(0). fn and arg travel on the child's
/// stack, since the child has no other memory of its own yet.
fn thread_clone() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch aarch64
        ; sub x1, x1, 16
        ; stp x6, x5, [x1]              // arg, fn
        ; mov x8, SYS_CLONE
        ; svc 0
        ; cbnz x0, ->parent
        ; ldp x0, x5, [sp]              // the child, on the new stack
        ; add sp, sp, 16
        ; mov x29, xzr                  // no caller frame
        ; mov x30, xzr
        ; blr x5
        ; mov x0, 0
        ; mov x8, SYS_EXIT
        ; svc 0
        ; brk 0
        ; ->parent:
        ; ret
    );
    routine("__dc_thread_clone", a)
}

/// `__dc_call1(fn, arg) -> int64`: call a code pointer with one argument.
fn call1() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch aarch64 ; mov x2, x0 ; mov x0, x1 ; br x2);
    routine("__dc_call1", a)
}

/// `__dc_call2(fn, a, b) -> int64`: an indirect call with two arguments
/// (dc's C library calls a C comparator with it).
fn call2() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch aarch64 ; mov x16, x0 ; mov x0, x1 ; mov x1, x2 ; br x16);
    routine("__dc_call2", a)
}

/// `__dc_tls_set(p) -> int64`: make `p` this thread's TPIDR_EL0; returns 0.
fn tls_set() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch aarch64 ; msr TPIDR_EL0, x0 ; mov x0, 0 ; ret);
    routine("__dc_tls_set", a)
}

/// `__dc_gc_spill(buf) -> int64`: store the callee-saved registers (x19-x28,
/// the frame pointer and the link register) into the twelve words at `buf`
/// and return the stack pointer. The collector scans both, so a collected
/// pointer living only in a callee-saved register is still seen.
fn gc_spill() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch aarch64
        ; stp x19, x20, [x0]
        ; stp x21, x22, [x0, 16]
        ; stp x23, x24, [x0, 32]
        ; stp x25, x26, [x0, 48]
        ; stp x27, x28, [x0, 64]
        ; stp x29, x30, [x0, 80]
        ; mov x0, sp
        ; ret
    );
    routine("__dc_gc_spill", a)
}

/// `__dc_gc_sp() -> int64`: the stack pointer (the collector's stack top,
/// recorded when the program starts).
fn gc_sp() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch aarch64 ; mov x0, sp ; ret);
    routine("__dc_gc_sp", a)
}

pub fn routines() -> Vec<Routine> {
    vec![
        fence(),
        ctx_switch(),
        ctx_init(),
        thread_clone(),
        call1(),
        call2(),
        tls_set(),
        gc_spill(),
        gc_sp(),
    ]
}
