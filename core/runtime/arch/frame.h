// Frame layout of a suspended fiber, shared by the assembly (switch_<arch>.S)
// and C++ (fiber.cpp builds the first frame of a new fiber). A suspended
// fiber's Fiber::sp points at the lowest byte of this frame; offsets are in
// bytes from there. Plain #defines so that the assembler can include it.
#pragma once

#if defined(__x86_64__)
// System V x86-64: rbx rbp r12-r15 are callee-saved; the MXCSR control bits
// and the x87 control word are callee-saved too ("preserved across calls").
#define GOSIM_FRAME_MXCSR 0   // 4 bytes, stmxcsr
#define GOSIM_FRAME_X87CW 4   // 2 bytes, fnstcw (+2 bytes padding)
#define GOSIM_FRAME_R15 8
#define GOSIM_FRAME_R14 16
#define GOSIM_FRAME_R13 24    // first entry: arg
#define GOSIM_FRAME_R12 32    // first entry: entry
#define GOSIM_FRAME_RBX 40
#define GOSIM_FRAME_RBP 48
#define GOSIM_FRAME_PC 56     // resume address, popped and jumped to
#define GOSIM_FRAME_SIZE 64   // including the resume address
// Initial control words (the ABI's process start values).
#define GOSIM_INIT_MXCSR 0x1F80
#define GOSIM_INIT_X87CW 0x037F

#elif defined(__aarch64__)
// AAPCS64: x19-x28, x29 (fp), x30 (lr) and the low 64 bits of v8-v15
// (d8-d15) are callee-saved; FPCR (rounding, flush-to-zero, trap enables)
// must be preserved across calls too.
#define GOSIM_FRAME_X19 0     // first entry: entry
#define GOSIM_FRAME_X20 8     // first entry: arg
#define GOSIM_FRAME_X21 16
#define GOSIM_FRAME_X22 24
#define GOSIM_FRAME_X23 32
#define GOSIM_FRAME_X24 40
#define GOSIM_FRAME_X25 48
#define GOSIM_FRAME_X26 56
#define GOSIM_FRAME_X27 64
#define GOSIM_FRAME_X28 72
#define GOSIM_FRAME_X29 80    // frame pointer; 0 on first entry (end of chain)
#define GOSIM_FRAME_X30 88    // resume address (lr); first entry: trampoline
#define GOSIM_FRAME_D8 96     // d8-d15: 8 bytes each, up to 160
#define GOSIM_FRAME_FPCR 160  // 8 bytes (+8 bytes padding)
#define GOSIM_FRAME_SIZE 176  // multiple of 16: sp stays 16-byte aligned
#define GOSIM_INIT_FPCR 0

#else
#error "gosim fibers support x86-64 and AArch64 only"
#endif
