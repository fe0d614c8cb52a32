// The scenario model: what a scenario file says, after parsing and validation.
//
// A scenario names functions made of ops, the channels, mutexes and wait
// groups they use, the entry function and a config. Ops form a tree here
// (repeat, if and select have bodies); program.h compiles the tree into flat
// code that both engines execute with one cursor. Nothing in this room knows
// about engines or traces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "scenario/config.h"
#include "scenario/units.h"

namespace gosim::scenario {

// Where something came from in the scenario file, for messages at run time.
struct SourceLoc {
  std::int32_t line = 0;    // 1-based; 0 = unknown
  std::int32_t column = 0;  // 1-based
  std::string path;         // JSON path, e.g. "/functions/main/3"
};

// A duration, fixed or drawn from the goroutine's seeded random stream.
struct DurationSpec {
  enum class Dist : std::uint8_t {
    Fixed,    // a
    Uniform,  // uniform integer in [a, b]
    Exp,      // exponential with mean a
  };
  Dist dist = Dist::Fixed;
  Nanos a = 0;
  Nanos b = 0;

  static DurationSpec fixed(Nanos d) { return {Dist::Fixed, d, d}; }
  bool operator==(const DurationSpec&) const = default;
};

// Every goroutine carries one integer argument, n (0 for the entry function).
// A `go` op computes the child's n as `n + k` (uses_n) or `k`, which is how
// recursive fan-out trees of bounded depth are written.
struct ArgExpr {
  bool uses_n = true;
  std::int64_t k = 0;
  std::int64_t eval(std::int64_t n) const { return uses_n ? n + k : k; }
  bool operator==(const ArgExpr&) const = default;
};

// `n <cmp> k`, the condition of an `if` op.
struct Cond {
  enum class Cmp : std::uint8_t { Lt, Le, Gt, Ge, Eq, Ne };
  Cmp cmp = Cmp::Lt;
  std::int64_t k = 0;
  bool eval(std::int64_t n) const {
    switch (cmp) {
      case Cmp::Lt: return n < k;
      case Cmp::Le: return n <= k;
      case Cmp::Gt: return n > k;
      case Cmp::Ge: return n >= k;
      case Cmp::Eq: return n == k;
      case Cmp::Ne: return n != k;
    }
    return false;
  }
  bool operator==(const Cond&) const = default;
};

enum class OpKind : std::uint8_t {
  Compute,  // run on the CPU for dur (with safe points)
  Go,       // start `count` goroutines running function `target` with n = arg
  Send,     // send on channel `target`
  Recv,     // receive from channel `target`
  Close,    // close channel `target`
  Select,   // wait on `cases`; run `else_body` instead if has_default and none is ready
  Lock,     // sync.Mutex.Lock on mutex `target`
  Unlock,   // sync.Mutex.Unlock on mutex `target`
  WgAdd,    // WaitGroup.Add(count) on wait group `target` (count may be negative)
  WgDone,   // WaitGroup.Done on `target`
  WgWait,   // WaitGroup.Wait on `target`
  Syscall,  // a blocking system call lasting dur (the M blocks in the kernel)
  NetWait,  // a network read that becomes ready after dur (parks in the netpoller)
  Sleep,    // time.Sleep(dur)
  Yield,    // runtime.Gosched()
  Alloc,    // allocate `count` bytes; kept live until the goroutine ends if retain
  Gc,       // runtime.GC()
  Repeat,   // run `body` `count` times
  If,       // run `body` if cond holds for n, else `else_body`
};

// The name of an op as written in scenario files ("compute", "wg_add", ...).
const char* op_name(OpKind kind);

struct Op;

struct SelectCase {
  bool is_send = false;
  std::int32_t chan = -1;
  std::vector<Op> body;  // ops run after this case wins
  SourceLoc loc;
};

struct Op {
  OpKind kind = OpKind::Compute;
  DurationSpec dur;               // Compute, Syscall, NetWait, Sleep
  std::int32_t target = -1;       // function, channel, mutex or wait group index
  std::int64_t count = 1;         // Go: goroutines; Repeat: iterations; WgAdd: delta; Alloc: bytes
  ArgExpr arg;                    // Go: the child's n
  bool retain = false;            // Alloc
  Cond cond;                      // If
  std::vector<Op> body;           // Repeat body, If then-branch
  std::vector<Op> else_body;      // If else-branch, Select default
  bool has_default = false;       // Select
  std::vector<SelectCase> cases;  // Select
  SourceLoc loc;
};

struct Function {
  std::string name;
  std::vector<Op> ops;
  SourceLoc loc;
};

struct Channel {
  std::string name;
  std::int64_t capacity = 0;  // 0 = unbuffered
  SourceLoc loc;
};

struct Mutex {
  std::string name;
  SourceLoc loc;
};

struct WaitGroup {
  std::string name;
  SourceLoc loc;
};

struct Scenario {
  std::string name;
  std::string description;  // the lesson this scenario teaches
  std::string file;         // the file it was read from ("" if from memory)
  std::string hash;         // 16 hex digits: FNV-1a 64 of the canonical JSON
  std::vector<Function> functions;
  std::vector<Channel> channels;
  std::vector<Mutex> mutexes;
  std::vector<WaitGroup> waitgroups;
  std::int32_t entry = 0;  // index into functions
  Config config;
};

}  // namespace gosim::scenario
