// Per-M state, reached through a call the compiler cannot see through.
//
// A goroutine (fiber) can be suspended on one OS thread and resumed on
// another. Compilers compute the address of a thread_local once per function
// and keep it across calls (it is constant for a thread), so code that reads
// a thread_local, switches, and reads it again may read the *old* thread's
// variable. current_m() is defined out of line (noinline, no IPA, with an asm
// memory barrier) in tls.cpp, so every call really asks the running thread.
// Never use thread_local directly in code that can switch fibers.
#pragma once

namespace gosim::runtime {

struct M;  // the scheduler's machine (an OS thread); opaque here

// The M of the OS thread running the caller right now.
M* current_m();

// Binds m to the calling OS thread (at M start-up; nullptr when it exits).
void set_current_m(M* m);

}  // namespace gosim::runtime
