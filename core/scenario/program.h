// A scenario compiled to flat code, and the cursor that walks it.
//
// Both engines run goroutines the same way: a G holds a Cursor (a pc, its
// argument n, its repeat depth) and the counters of the repeats it is in
// (LoopCounters, kept apart so the simulator can keep them out of line for
// the goroutines whose function has no repeat at all); `next_effect` runs the
// control instructions (loops, ifs, jumps) and stops at the next op that does
// something to the scheduler. The engine performs that op (advance virtual
// time, or spin for real; park on a sim channel, or on a real one) and calls
// next_effect again. This keeps op semantics in one place.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "scenario/scenario.h"

namespace gosim::scenario {

// Deepest nesting of repeat ops; the validator rejects deeper scenarios.
inline constexpr int kMaxLoopDepth = 8;

enum class Code : std::uint8_t {
  // Effects, performed by the engine (same meaning as OpKind).
  Compute, Go, Send, Recv, Close, Select, Lock, Unlock, WgAdd, WgDone, WgWait,
  Syscall, NetWait, Sleep, Yield, Alloc, Gc,
  // Control, performed by next_effect.
  LoopBegin,  // push k iterations; if k == 0 jump to target (past the loop)
  LoopEnd,    // count down the top counter; if iterations remain jump to target (body start)
  IfNot,      // if !(n cmp k) jump to target
  Jump,       // jump to target
  Return,     // the function's end: the goroutine exits
};

struct Instr {
  Code code = Code::Return;
  Cond::Cmp cmp = Cond::Cmp::Lt;  // IfNot
  bool retain = false;            // Alloc
  bool arg_uses_n = true;         // Go: child's n = (arg_uses_n ? n : 0) + arg_k
  std::int32_t target = -1;       // function, channel, mutex, wait group, jump pc or select index
  std::int32_t loc = -1;          // index into Program::locs
  std::int64_t k = 0;             // Go count, WgAdd delta, Alloc bytes, loop count, cond constant
  std::int64_t arg_k = 0;         // Go: see arg_uses_n
  DurationSpec dur;               // Compute, Syscall, NetWait, Sleep
};

struct SelectArm {
  bool is_send = false;
  std::int32_t chan = -1;
  std::int32_t pc = -1;  // where this arm's body starts
};

struct SelectTable {
  std::vector<SelectArm> arms;
  std::int32_t default_pc = -1;  // -1: no default, the select blocks
};

struct Program {
  std::shared_ptr<const Scenario> scenario;  // names, config, description
  std::vector<Instr> code;
  std::vector<std::int32_t> entry_pc;  // per function
  std::vector<SelectTable> selects;
  std::vector<SourceLoc> locs;         // per op, for messages at run time
  std::vector<std::uint8_t> loop_depth;  // per function: deepest repeat nesting (0: no repeat)
};

// Compiles a validated scenario. The scenario must satisfy the validator's
// rules (indices in range, repeat nesting <= kMaxLoopDepth).
Program compile(std::shared_ptr<const Scenario> scenario);

// Where a goroutine is in its function. 16 bytes: the simulator keeps one in
// each of up to millions of Gs.
struct Cursor {
  std::int64_t n = 0;  // the goroutine's argument
  std::int32_t pc = 0;
  std::uint8_t loop_depth = 0;  // repeats it is inside: counters in use
};

// The iteration counters of the repeats a goroutine is inside, innermost last.
struct LoopCounters {
  std::uint32_t left[kMaxLoopDepth] = {};
};

inline Cursor start_cursor(const Program& p, std::int32_t function, std::int64_t n) {
  Cursor c;
  c.pc = p.entry_pc[static_cast<std::size_t>(function)];
  c.n = n;
  return c;
}

// Runs control instructions from c.pc and returns the next effect, leaving
// c.pc just past it; returns nullptr when the function returns. `loops` may
// be null only for a function without repeats (Program::loop_depth == 0).
const Instr* next_effect(const Program& p, Cursor& c, LoopCounters* loops);

// After a Select effect: continue in arm `arm`'s body (or the default body if
// arm == -1).
void enter_select_arm(const Program& p, Cursor& c, const Instr& select, int arm);

}  // namespace gosim::scenario
