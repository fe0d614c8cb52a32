// Fiber context switch for AArch64 (AAPCS64, Linux, ELF).
//
// void gosim_fiber_switch_raw(void** save_sp /*x0*/, void* load_sp /*x1*/)
//   Stores the callee-saved state of the running fiber on its own stack,
//   stores sp in *save_sp, loads load_sp into sp, reloads the other fiber's
//   state and returns into it through its saved x30.
//
// Frame of a suspended fiber (Fiber::sp points at +0; see frame.h):
//   +0   x19 x20     +16  x21 x22     +32  x23 x24     +48  x25 x26
//   +64  x27 x28     +80  x29 (fp) x30 (lr = resume address)
//   +96  d8 d9       +112 d10 d11     +128 d12 d13     +144 d14 d15
//   +160 FPCR (+8 bytes padding)
//   = 176 bytes, a multiple of 16, so sp stays 16-byte aligned as the
//   architecture requires. Only the low 64 bits of v8-v15 are callee-saved.
//
// FPCR holds the rounding mode, flush-to-zero and trap enables, which the
// ABI says a call must preserve; writing it can be slow, so it is written
// only when the resumed fiber's value differs.
#include "frame.h"

    .text
    .globl gosim_fiber_switch_raw
    .hidden gosim_fiber_switch_raw
    .type gosim_fiber_switch_raw,%function
    .p2align 4
gosim_fiber_switch_raw:
    .cfi_startproc
    sub sp, sp, #GOSIM_FRAME_SIZE
    .cfi_adjust_cfa_offset GOSIM_FRAME_SIZE
    stp x19, x20, [sp, #GOSIM_FRAME_X19]
    stp x21, x22, [sp, #GOSIM_FRAME_X21]
    stp x23, x24, [sp, #GOSIM_FRAME_X23]
    stp x25, x26, [sp, #GOSIM_FRAME_X25]
    stp x27, x28, [sp, #GOSIM_FRAME_X27]
    stp x29, x30, [sp, #GOSIM_FRAME_X29]
    stp d8, d9, [sp, #GOSIM_FRAME_D8]
    stp d10, d11, [sp, #GOSIM_FRAME_D8 + 16]
    stp d12, d13, [sp, #GOSIM_FRAME_D8 + 32]
    stp d14, d15, [sp, #GOSIM_FRAME_D8 + 48]
    mrs x9, fpcr
    str x9, [sp, #GOSIM_FRAME_FPCR]

    mov x10, sp
    str x10, [x0]              // suspend: *save_sp = sp
    mov sp, x1                 // resume the other fiber's frame

    ldr x10, [sp, #GOSIM_FRAME_FPCR]
    cmp x9, x10
    b.eq 1f
    msr fpcr, x10
1:
    ldp x19, x20, [sp, #GOSIM_FRAME_X19]
    ldp x21, x22, [sp, #GOSIM_FRAME_X21]
    ldp x23, x24, [sp, #GOSIM_FRAME_X23]
    ldp x25, x26, [sp, #GOSIM_FRAME_X25]
    ldp x27, x28, [sp, #GOSIM_FRAME_X27]
    ldp x29, x30, [sp, #GOSIM_FRAME_X29]
    ldp d8, d9, [sp, #GOSIM_FRAME_D8]
    ldp d10, d11, [sp, #GOSIM_FRAME_D8 + 16]
    ldp d12, d13, [sp, #GOSIM_FRAME_D8 + 32]
    ldp d14, d15, [sp, #GOSIM_FRAME_D8 + 48]
    add sp, sp, #GOSIM_FRAME_SIZE
    ret
    .cfi_endproc
    .size gosim_fiber_switch_raw, .-gosim_fiber_switch_raw

// First code a new fiber runs, reached by the `ret` above from its boot frame
// (Fiber::boot, written by init_boot_frame in fiber.cpp, not on the new stack)
// with x21 = top of the fiber's stack (16-byte aligned), x19 = entry,
// x20 = arg, x22 = its canary (or 0). It moves to the fiber's own stack, whose
// first touch this is, pushes a zero frame record and calls
// gosim_fiber_boot(arg, entry, canary). x29 = 0 ends the frame-record chain
// and the CFI marks the return address undefined, so debuggers and unwinders
// stop here.
    .globl gosim_fiber_trampoline
    .hidden gosim_fiber_trampoline
    .type gosim_fiber_trampoline,%function
    .p2align 4
gosim_fiber_trampoline:
    .cfi_startproc
    .cfi_undefined x30
    mov sp, x21
    stp xzr, xzr, [sp, #-16]!
    mov x29, #0
    mov x0, x20
    mov x1, x19
    mov x2, x22
    bl gosim_fiber_boot        // gosim_fiber_boot(arg, entry, canary); never returns
    brk #0
    .cfi_endproc
    .size gosim_fiber_trampoline, .-gosim_fiber_trampoline

    .section .note.GNU-stack,"",%progbits
