// Fiber context switch for x86-64 System V (Linux, ELF).
//
// void gosim_fiber_switch_raw(void** save_sp /*rdi*/, void* load_sp /*rsi*/)
//   Pushes the callee-saved state of the running fiber on its own stack,
//   stores rsp in *save_sp, loads load_sp into rsp, pops the other fiber's
//   state and jumps to its resume address. Everything else is caller-saved,
//   so the compiler has already spilled what it needs across this call.
//
// Frame of a suspended fiber (Fiber::sp points at +0; see frame.h):
//   +56  resume address (the return address pushed by `call`, or
//        gosim_fiber_trampoline in a new fiber's boot frame)
//   +48  rbp      +40 rbx      +32 r12      +24 r13      +16 r14     +8 r15
//   +4   x87 control word (fnstcw; 2 bytes + 2 zero bytes of padding)
//   +0   MXCSR (stmxcsr; only its control bits matter: the status flags,
//        bits 0-5, are caller-saved)
//   = 64 bytes. At the call, rsp % 16 == 8 (return address pushed); after six
//   pushes and 8 more bytes rsp % 16 == 0 again.
//
// We return with `pop %rcx; jmp *%rcx` rather than `ret`: a `ret` here always
// mispredicts (the return stack buffer predicts the caller of the fiber we
// left), while the indirect predictor learns regular switch patterns
// (anchors/limit/switch.cpp: ~3 ns vs ~10 ns). Boost.Context and Go's gogo
// do the same.
#include "frame.h"

    .text
    .globl gosim_fiber_switch_raw
    .hidden gosim_fiber_switch_raw
    .type gosim_fiber_switch_raw,@function
    .p2align 4
gosim_fiber_switch_raw:
    .cfi_startproc
    pushq %rbp
    .cfi_adjust_cfa_offset 8
    pushq %rbx
    .cfi_adjust_cfa_offset 8
    pushq %r12
    .cfi_adjust_cfa_offset 8
    pushq %r13
    .cfi_adjust_cfa_offset 8
    pushq %r14
    .cfi_adjust_cfa_offset 8
    pushq %r15
    .cfi_adjust_cfa_offset 8
    pushq $0                   // control words slot, padding zeroed
    .cfi_adjust_cfa_offset 8
    stmxcsr GOSIM_FRAME_MXCSR(%rsp)
    fnstcw GOSIM_FRAME_X87CW(%rsp)
    // Reload with the stores' own sizes (store-to-load forwarding works;
    // one 8-byte reload of both would stall ~10 cycles).
    movl GOSIM_FRAME_MXCSR(%rsp), %eax
    movzwl GOSIM_FRAME_X87CW(%rsp), %edx

    movq %rsp, (%rdi)          // suspend: *save_sp = rsp
    movq %rsi, %rsp            // resume the other fiber's frame

    // ldmxcsr and fldcw are slow (microcoded, serializing): load them only
    // when the resumed fiber's control words differ, which is rare. MXCSR
    // bits 0-5 are status flags (caller-saved): ignored.
    xorl GOSIM_FRAME_MXCSR(%rsp), %eax
    andl $-64, %eax
    cmpw GOSIM_FRAME_X87CW(%rsp), %dx
    jne 2f
    testl %eax, %eax
    jne 2f
1:
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    popq %rcx
    jmpq *%rcx
2:
    ldmxcsr GOSIM_FRAME_MXCSR(%rsp)
    fldcw GOSIM_FRAME_X87CW(%rsp)
    jmp 1b
    .cfi_endproc
    .size gosim_fiber_switch_raw, .-gosim_fiber_switch_raw

// First code a new fiber runs, reached by the jump above from its boot frame
// (Fiber::boot, written by init_boot_frame in fiber.cpp, not on the new stack)
// with rbx = top of the fiber's stack (16-byte aligned), r12 = entry,
// r13 = arg, r14 = its canary (or 0). It moves to the fiber's own stack, whose
// first touch this is (so the page fault happens on the M that runs the
// goroutine, not on its creator), leaves 16 zero bytes at its top and calls
// gosim_fiber_boot(arg, entry, canary) with the ABI's rsp % 16 == 8. rbp = 0
// ends the frame-pointer chain and the CFI marks the return address
// undefined, so debuggers and unwinders stop here.
    .globl gosim_fiber_trampoline
    .hidden gosim_fiber_trampoline
    .type gosim_fiber_trampoline,@function
    .p2align 4
gosim_fiber_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %rbx, %rsp
    pushq $0
    pushq $0
    xorl %ebp, %ebp
    movq %r13, %rdi
    movq %r12, %rsi
    movq %r14, %rdx
    call gosim_fiber_boot@PLT  // never returns
    ud2
    .cfi_endproc
    .size gosim_fiber_trampoline, .-gosim_fiber_trampoline

    .section .note.GNU-stack,"",@progbits
