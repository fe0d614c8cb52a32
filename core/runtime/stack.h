// Goroutine stacks: fixed-size, carved out of large lazily committed slabs,
// pooled and reused. See docs/context-switch.md ("Stacks").
//
// Slab layout (P = page size, S = slot size = StackConfig::stack_size):
//
//   base                    base+P            base+P+S             ...
//   | header page          | slot 0           | slot 1             |
//   |            canary0 ->|guard|  stack 0   |guard|  stack 1     |
//                       (top 8 bytes)  (usable ends 16 bytes below the slot top,
//                                       whose last 8 bytes are canary 1)
//
// Slot i = [guard or slack page | usable stack | 16 bytes]. The overflow
// canary of stack i is the last word of slot i-1, i.e. in the page that also
// holds the hottest frames of stack i-1, so arming it costs no extra resident
// page. A stack that overflows runs into its guard page (PROT_NONE for the
// first `guarded_stacks` stacks: SIGSEGV) or slack page (untouched address
// space: harmless), then into the canary, which every switch away checks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace gosim::runtime {

inline constexpr std::uint64_t kStackCanary = 0x5AFE57AC4C0DE5AFull;

struct Stack {
  void* lo = nullptr;              // lowest usable byte
  std::size_t size = 0;            // usable bytes above lo
  std::uint64_t* canary = nullptr; // overflow canary below the guard/slack page
  // Guarded stacks: where fiber_init records the id of the fiber using it,
  // so that a guard-page fault can name the goroutine.
  std::atomic<const std::int64_t*>* owner = nullptr;
  std::uint32_t slab = 0;          // pool internals
  std::uint32_t slot = 0;
};

// (Re)writes s's canary.
inline void stack_arm_canary(const Stack& s) {
  if (s.canary != nullptr) __atomic_store_n(s.canary, kStackCanary, __ATOMIC_RELAXED);
}

struct StackConfig {
  // Address space per stack, including its guard/slack page (a multiple of
  // the page size; at least 4 pages). Only touched pages become resident.
  std::size_t stack_size = 64 * 1024;
  std::size_t stacks_per_slab = 256;
  // The first N stacks carved get a PROT_NONE guard page. Each one splits
  // its slab's mapping (2 more VMAs): keep N far below vm.max_map_count
  // (65530 by default). Beyond N, overflow is caught by the canary only.
  std::size_t guarded_stacks = 4096;
  // Freed stacks kept resident for reuse; beyond this, the oldest freed
  // stacks' pages are returned to the kernel (MADV_DONTNEED).
  std::size_t cache_watermark = 1024;
};

struct StackPoolStats {
  std::size_t slabs = 0;
  std::size_t in_use = 0;
  std::size_t cached = 0;    // freed, pages kept
  std::size_t released = 0;  // freed, pages returned to the kernel
  std::size_t guarded = 0;   // stacks with a PROT_NONE guard page
  std::size_t mapped_bytes = 0;
};

class StackPool {
 public:
  explicit StackPool(StackConfig config = {});
  ~StackPool();  // unmaps every slab: no stack may be in use
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  // A stack with its canary armed. Throws std::bad_alloc if mmap fails.
  // arm_canary = false touches none of the stack's memory (the canary lies in
  // the top page of the stack below): a fiber_init'ed fiber arms it when it
  // first runs, so a fresh stack's pages are first touched by that thread.
  Stack allocate(bool arm_canary = true);
  // Returns s to the pool (most recently freed stacks are reused first).
  void free(const Stack& s);
  // Returns the pages of every cached stack to the kernel.
  void trim();

  StackPoolStats stats() const;
  const StackConfig& config() const { return config_; }
  // True if addr lies in the guard page of one of this pool's stacks.
  bool in_guard_page(const void* addr) const;

 private:
  enum class SlotState : std::uint8_t { kFresh, kInUse, kCached, kReleased };
  struct Slab {
    unsigned char* base = nullptr;
    std::size_t bytes = 0;
    std::size_t guarded = 0;  // slots [0, guarded) have a guard page
    std::vector<SlotState> state;
    std::unique_ptr<std::atomic<const std::int64_t*>[]> owners;  // guarded slots
    int guard_range = -1;     // index in the signal handler's table
  };

  Stack make_stack(std::uint32_t slab, std::uint32_t slot) const;
  unsigned char* slot_base(std::uint32_t slab, std::uint32_t slot) const;
  void release_locked(std::uint32_t slab, std::uint32_t slot);
  void new_slab_locked();

  StackConfig config_;
  std::size_t page_;
  mutable std::mutex mu_;
  std::vector<Slab> slabs_;
  std::size_t fresh_slot_ = 0;  // next never-used slot of the last slab
  std::deque<std::pair<std::uint32_t, std::uint32_t>> cached_;  // oldest first
  std::vector<std::pair<std::uint32_t, std::uint32_t>> released_;
  std::size_t in_use_ = 0;
  std::size_t guarded_ = 0;
};

// The process-wide pool (default config), never destroyed.
StackPool& default_stack_pool();

// Guard pages: a fault in one prints "gosim: fatal error: stack overflow in
// goroutine <id> ..." and then dies of SIGSEGV (the previous handler runs).
// The SIGSEGV handler is installed when the first guarded slab is mapped;
// install_stack_guard_handler() (re)installs it if another handler replaced
// it. It runs on a per-thread alternate signal stack, which fiber_init_thread
// sets up through stack_guard_thread_init() (no-op if the thread has one).
void install_stack_guard_handler();
void stack_guard_thread_init();

}  // namespace gosim::runtime
