// The only thread_local of the runtime's per-M state; see tls.h for why it is
// reached through these out-of-line functions only.
#include "runtime/tls.h"

#if defined(__clang__)
#define GOSIM_OPAQUE __attribute__((noinline))
#else
// noipa: also no pure/const discovery or cloning across the call.
#define GOSIM_OPAQUE __attribute__((noipa))
#endif

namespace gosim::runtime {

namespace {
thread_local M* tls_current_m = nullptr;
}

GOSIM_OPAQUE M* current_m() {
  M* m = tls_current_m;
  // Clobbers memory: no caller may treat this function as pure.
  asm volatile("" : "+r"(m) : : "memory");
  return m;
}

GOSIM_OPAQUE void set_current_m(M* m) {
  asm volatile("" : "+r"(m) : : "memory");
  tls_current_m = m;
}

}  // namespace gosim::runtime
