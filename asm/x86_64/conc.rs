//! x86-64 concurrency primitives the runtime (rt/thread.dusk) cannot express
//! in dusk: the fence, the green-thread context switch, the clone trampoline
//! that starts an OS thread on a fresh stack, an indirect call and setting
//! the TLS register. Every routine follows the System V calling convention,
//! so the runtime calls them as ordinary functions (see docs/concurrency.md).
//! The atomics and reading the thread pointer are IR operations the
//! emitter writes inline (`Op::Atomic`, `Op::ThreadPointer`).

use super::Routine;
use dynasmrt::{dynasm, x64::X64Relocation, DynasmApi, DynasmLabelApi, VecAssembler};

const SYS_CLONE: i32 = 56;
const SYS_EXIT: i32 = 60;
const SYS_ARCH_PRCTL: i32 = 158;
const ARCH_SET_FS: i32 = 0x1002;

fn asm() -> VecAssembler<X64Relocation> {
    VecAssembler::<X64Relocation>::new(0)
}

fn routine(name: &'static str, a: VecAssembler<X64Relocation>) -> Routine {
    Routine { name, code: a.finalize().expect("x86-64 concurrency routine assembles"), calls: vec![] }
}

/// `__dc_fence()`: a full barrier.
fn fence() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch x64 ; mfence ; ret);
    routine("__dc_fence", a)
}

/// `__dc_ctx_switch(save: *int64, to_sp: int64)`: push the callee-saved
/// registers, store rsp through `save`, load `to_sp`, pop the other context's
/// registers and return into it. The caller-saved registers need no saving:
/// the switch is a call, so the compiler already assumes they die.
fn ctx_switch() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch x64
        ; push rbp
        ; push rbx
        ; push r12
        ; push r13
        ; push r14
        ; push r15
        ; mov [rdi], rsp
        ; mov rsp, rsi
        ; pop r15
        ; pop r14
        ; pop r13
        ; pop r12
        ; pop rbx
        ; pop rbp
        ; ret
    );
    routine("__dc_ctx_switch", a)
}

/// `__dc_ctx_init(stack_top, fn, arg) -> int64`: lay out a context on a
/// fresh stack so that the first `__dc_ctx_switch` to the returned stack
/// pointer "returns" into the boot code below, which calls `fn(arg)` with
/// rsp 16-aligned. `fn` must never return (a task ends by switching away);
/// if it does, the boot code traps.
///
/// Frame, from the returned sp up: r15 r14 r13 r12=fn rbx rbp=0, boot, 0.
fn ctx_init() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch x64
        ; and rdi, -16
        ; lea rax, [rdi - 64]
        ; mov QWORD [rax], 0            // r15
        ; mov QWORD [rax + 8], 0        // r14
        ; mov [rax + 16], rdx           // r13 = arg
        ; mov [rax + 24], rsi           // r12 = fn
        ; mov QWORD [rax + 32], 0       // rbx
        ; mov QWORD [rax + 40], 0       // rbp: backtraces stop here
        ; lea rcx, [->boot]
        ; mov [rax + 48], rcx           // the return address
        ; mov QWORD [rax + 56], 0
        ; ret
        ; ->boot:
        ; mov rdi, r13
        ; and rsp, -16
        ; call r12
        ; ud2
    );
    routine("__dc_ctx_init", a)
}

/// `__dc_thread_clone(flags, stack_top, ptid, tls, ctid, fn, arg) -> int64`:
/// the clone system call. The parent gets the child's tid (or -errno); the
/// child starts on `stack_top` (16-aligned), calls `fn(arg)` and, when that
/// returns, ends only itself with exit(0). fn and arg travel on the child's
/// stack, since the child has no other memory of its own yet.
///
/// Linux x86-64 orders clone's arguments flags, stack, ptid, ctid, tls.
fn thread_clone() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch x64
        ; mov r10, r8                   // ctid
        ; mov r8, rcx                   // tls
        ; mov rax, [rsp + 8]            // arg (the 7th argument)
        ; sub rsi, 16
        ; mov [rsi], rax
        ; mov [rsi + 8], r9             // fn
        ; mov eax, SYS_CLONE
        ; syscall
        ; test rax, rax
        ; jnz ->parent
        ; xor ebp, ebp                  // the child: no caller frame
        ; pop rdi
        ; pop rax
        ; call rax
        ; xor edi, edi
        ; mov eax, SYS_EXIT
        ; syscall
        ; ud2
        ; ->parent:
        ; ret
    );
    routine("__dc_thread_clone", a)
}

/// `__dc_call1(fn, arg) -> int64`: call a code pointer with one argument.
fn call1() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch x64 ; mov rax, rdi ; mov rdi, rsi ; jmp rax);
    routine("__dc_call1", a)
}

/// `__dc_call2(fn, a, b) -> int64`: an indirect call with two arguments
/// (dc's C library calls a C comparator with it).
fn call2() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch x64 ; mov rax, rdi ; mov rdi, rsi ; mov rsi, rdx ; jmp rax);
    routine("__dc_call2", a)
}

/// `__dc_tls_set(p) -> int64`: make `p` this thread's fs base (0 or -errno).
fn tls_set() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch x64
        ; mov rsi, rdi
        ; mov edi, ARCH_SET_FS
        ; mov eax, SYS_ARCH_PRCTL
        ; syscall
        ; ret
    );
    routine("__dc_tls_set", a)
}

/// `__dc_gc_spill(buf) -> int64`: store the callee-saved registers (rbx,
/// rbp, r12-r15) into the six words at `buf` and return the caller's stack
/// pointer. The collector scans both, so a collected pointer living only in
/// a callee-saved register at the collection point is still seen.
fn gc_spill() -> Routine {
    let mut a = asm();
    dynasm!(a
        ; .arch x64
        ; mov [rdi], rbx
        ; mov [rdi + 8], rbp
        ; mov [rdi + 16], r12
        ; mov [rdi + 24], r13
        ; mov [rdi + 32], r14
        ; mov [rdi + 40], r15
        ; lea rax, [rsp + 8]
        ; ret
    );
    routine("__dc_gc_spill", a)
}

/// `__dc_gc_sp() -> int64`: the caller's stack pointer (the collector's
/// stack top, recorded when the program starts).
fn gc_sp() -> Routine {
    let mut a = asm();
    dynasm!(a ; .arch x64 ; lea rax, [rsp + 8] ; ret);
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
