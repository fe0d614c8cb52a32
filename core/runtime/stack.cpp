// Stack pool: slabs of fixed-size stacks, lazily committed. See stack.h.
#include "runtime/stack.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <tuple>

namespace gosim::runtime {

namespace {

constexpr std::size_t kTopReserve = 16;  // above the usable stack: next slot's canary

// Guarded slabs, read lock-free by the SIGSEGV handler. An entry is live
// while hi != 0; entries are reused after their pool is destroyed.
struct GuardRange {
  std::atomic<std::uintptr_t> lo{0};
  std::atomic<std::uintptr_t> hi{0};
  std::size_t slot_size = 0;
  std::size_t page = 0;
  std::atomic<const std::int64_t*>* owners = nullptr;
};
constexpr int kMaxGuardRanges = 1024;
GuardRange guard_ranges[kMaxGuardRanges];
std::atomic<int> guard_range_end{0};  // entries [0, end) were ever used
std::mutex guard_ranges_mu;
struct sigaction prev_segv;

void segv_handler(int sig, siginfo_t* info, void* uctx) {
  const auto a = reinterpret_cast<std::uintptr_t>(info->si_addr);
  const int end = guard_range_end.load(std::memory_order_acquire);
  for (int i = 0; i < end; i++) {
    GuardRange& r = guard_ranges[i];
    const std::uintptr_t lo = r.lo.load(std::memory_order_acquire);
    if (a < lo || a >= r.hi.load(std::memory_order_acquire)) continue;
    const std::size_t slot = (a - lo) / r.slot_size;
    if ((a - lo) % r.slot_size >= r.page) break;  // not a guard page
    const std::int64_t* id = r.owners[slot].load(std::memory_order_acquire);
    const std::uintptr_t stack_lo = lo + slot * r.slot_size + r.page;
    char buf[320];
    int n = std::snprintf(buf, sizeof buf,
                          "gosim: fatal error: stack overflow in goroutine %" PRId64
                          " (stack [%#" PRIxPTR ", %#" PRIxPTR "), %zu bytes): hit the guard page at %#" PRIxPTR
                          "; raise the stack size\n",
                          id != nullptr ? *id : std::int64_t{-1}, stack_lo,
                          stack_lo + r.slot_size - r.page - kTopReserve,
                          r.slot_size - r.page - kTopReserve, a);
    if (n > 0) {
      ssize_t w = write(STDERR_FILENO, buf, std::min<std::size_t>(std::size_t(n), sizeof buf - 1));
      (void)w;
    }
    // Returning re-runs the faulting access under the previous disposition
    // (the default: die of SIGSEGV; or a sanitizer's handler).
    sigaction(SIGSEGV, &prev_segv, nullptr);
    return;
  }
  // Not ours: hand over to whoever handled SIGSEGV before us.
  if ((prev_segv.sa_flags & SA_SIGINFO) && prev_segv.sa_sigaction != nullptr) {
    prev_segv.sa_sigaction(sig, info, uctx);
  } else if (prev_segv.sa_handler != SIG_DFL && prev_segv.sa_handler != SIG_IGN) {
    prev_segv.sa_handler(sig);
  } else {
    sigaction(SIGSEGV, &prev_segv, nullptr);  // re-fault with the default action
  }
}

int register_guard_range(std::uintptr_t lo, std::uintptr_t hi, std::size_t slot_size, std::size_t page,
                         std::atomic<const std::int64_t*>* owners) {
  std::lock_guard lock(guard_ranges_mu);
  int end = guard_range_end.load(std::memory_order_relaxed);
  int i = 0;
  while (i < end && guard_ranges[i].hi.load(std::memory_order_relaxed) != 0) i++;
  if (i == kMaxGuardRanges) return -1;  // no name in the message, still a SIGSEGV
  GuardRange& r = guard_ranges[i];
  r.hi.store(0, std::memory_order_relaxed);
  r.slot_size = slot_size;
  r.page = page;
  r.owners = owners;
  r.lo.store(lo, std::memory_order_release);
  r.hi.store(hi, std::memory_order_release);
  if (i == end) guard_range_end.store(end + 1, std::memory_order_release);
  return i;
}

void unregister_guard_range(int i) {
  if (i < 0) return;
  std::lock_guard lock(guard_ranges_mu);
  guard_ranges[i].hi.store(0, std::memory_order_release);
  guard_ranges[i].lo.store(0, std::memory_order_release);
}

}  // namespace

void install_stack_guard_handler() {
  static std::mutex mu;
  std::lock_guard lock(mu);
  struct sigaction cur {};
  sigaction(SIGSEGV, nullptr, &cur);
  if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == segv_handler) return;
  struct sigaction sa {};
  sa.sa_sigaction = segv_handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, &prev_segv);
}

void stack_guard_thread_init() {
  stack_t cur{};
  if (sigaltstack(nullptr, &cur) != 0 || !(cur.ss_flags & SS_DISABLE)) return;  // has one
  // The handler runs while the fiber's stack is exhausted: it needs its own.
  struct AltStack {
    void* mem = nullptr;
    std::size_t size = 0;
    ~AltStack() {
      if (mem == nullptr) return;
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
      munmap(mem, size);
    }
  };
  static thread_local AltStack alt;
  const std::size_t size = 64 * 1024;
  void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return;
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = size;
  if (sigaltstack(&ss, nullptr) != 0) {
    munmap(mem, size);
    return;
  }
  alt.mem = mem;
  alt.size = size;
}

StackPool::StackPool(StackConfig config) : config_(config) {
  page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (config_.stack_size % page_ != 0 || config_.stack_size < 4 * page_) {
    throw std::invalid_argument("StackConfig::stack_size must be a multiple of the page size, >= 4 pages");
  }
  if (config_.stacks_per_slab == 0 || config_.stacks_per_slab > (1u << 20)) {
    throw std::invalid_argument("StackConfig::stacks_per_slab must be in [1, 2^20]");
  }
}

StackPool::~StackPool() {
  for (Slab& s : slabs_) {
    unregister_guard_range(s.guard_range);
    munmap(s.base, s.bytes);
  }
}

unsigned char* StackPool::slot_base(std::uint32_t slab, std::uint32_t slot) const {
  return slabs_[slab].base + page_ + std::size_t{slot} * config_.stack_size;
}

Stack StackPool::make_stack(std::uint32_t slab, std::uint32_t slot) const {
  unsigned char* base = slot_base(slab, slot);
  Stack s;
  s.lo = base + page_;  // above the guard/slack page
  s.size = config_.stack_size - page_ - kTopReserve;
  s.canary = reinterpret_cast<std::uint64_t*>(base) - 1;  // last word of the slot below
  s.slab = slab;
  s.slot = slot;
  if (slot < slabs_[slab].guarded) s.owner = &slabs_[slab].owners[slot];
  return s;
}

void StackPool::new_slab_locked() {
  const std::size_t n = config_.stacks_per_slab;
  const std::size_t bytes = page_ + n * config_.stack_size;
  // MAP_NORESERVE: address space only; a page costs memory when first touched.
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Transparent huge pages would turn one touched page per stack into 2 MiB.
  madvise(p, bytes, MADV_NOHUGEPAGE);
  Slab slab;
  slab.base = static_cast<unsigned char*>(p);
  slab.bytes = bytes;
  slab.state.assign(n, SlotState::kFresh);
  slab.guarded = std::min(n, config_.guarded_stacks > guarded_ ? config_.guarded_stacks - guarded_ : 0);
  slabs_.push_back(std::move(slab));
  fresh_slot_ = 0;
  const auto idx = static_cast<std::uint32_t>(slabs_.size() - 1);
  for (std::size_t i = 0; i < slabs_.back().guarded; i++) {
    if (mprotect(slot_base(idx, static_cast<std::uint32_t>(i)), page_, PROT_NONE) != 0) {
      slabs_.back().guarded = i;  // out of VMAs: the rest rely on the canary
      break;
    }
  }
  Slab& sl = slabs_.back();
  guarded_ += sl.guarded;
  if (sl.guarded > 0) {
    sl.owners.reset(new std::atomic<const std::int64_t*>[sl.guarded]);
    for (std::size_t i = 0; i < sl.guarded; i++) sl.owners[i].store(nullptr, std::memory_order_relaxed);
    auto lo = reinterpret_cast<std::uintptr_t>(slot_base(idx, 0));
    sl.guard_range = register_guard_range(lo, lo + sl.guarded * config_.stack_size, config_.stack_size,
                                          page_, sl.owners.get());
    install_stack_guard_handler();
  }
}

Stack StackPool::allocate(bool arm_canary) {
  std::uint32_t slab = 0;
  std::uint32_t slot = 0;
  {
    std::lock_guard lock(mu_);
    if (!cached_.empty()) {
      std::tie(slab, slot) = cached_.back();
      cached_.pop_back();
    } else if (!released_.empty()) {
      std::tie(slab, slot) = released_.back();
      released_.pop_back();
    } else {
      if (slabs_.empty() || fresh_slot_ == config_.stacks_per_slab) new_slab_locked();
      slab = static_cast<std::uint32_t>(slabs_.size() - 1);
      slot = static_cast<std::uint32_t>(fresh_slot_++);
    }
    slabs_[slab].state[slot] = SlotState::kInUse;
    in_use_++;
  }
  Stack s = make_stack(slab, slot);
  if (arm_canary) stack_arm_canary(s);
  return s;
}

void StackPool::free(const Stack& s) {
  std::lock_guard lock(mu_);
  slabs_[s.slab].state[s.slot] = SlotState::kCached;
  in_use_--;
  cached_.emplace_back(s.slab, s.slot);
  while (cached_.size() > config_.cache_watermark) {
    auto [slab, slot] = cached_.front();
    cached_.pop_front();
    release_locked(slab, slot);
  }
}

void StackPool::trim() {
  std::lock_guard lock(mu_);
  while (!cached_.empty()) {
    auto [slab, slot] = cached_.front();
    cached_.pop_front();
    release_locked(slab, slot);
  }
}

// Returns a freed slot's pages to the kernel. Its top page also holds the
// canary of the slot above, so that page goes only while that slot is not in
// use (a running neighbour checks its canary concurrently); otherwise it goes
// when the neighbour is released (allocate() re-arms canaries anyway).
void StackPool::release_locked(std::uint32_t slab, std::uint32_t slot) {
  Slab& sl = slabs_[slab];
  sl.state[slot] = SlotState::kReleased;
  released_.emplace_back(slab, slot);
  unsigned char* base = slot_base(slab, slot);
  const bool above_in_use = slot + 1 < sl.state.size() && sl.state[slot + 1] == SlotState::kInUse;
  const std::size_t bytes = above_in_use ? config_.stack_size - page_ : config_.stack_size;
  madvise(base, bytes, MADV_DONTNEED);
  // The slot below keeps its top page (our canary) while we were in use.
  if (slot > 0 && sl.state[slot - 1] == SlotState::kReleased) {
    madvise(base - page_, page_, MADV_DONTNEED);
  }
}

StackPoolStats StackPool::stats() const {
  std::lock_guard lock(mu_);
  StackPoolStats st;
  st.slabs = slabs_.size();
  st.in_use = in_use_;
  st.cached = cached_.size();
  st.released = released_.size();
  st.guarded = guarded_;
  for (const Slab& s : slabs_) st.mapped_bytes += s.bytes;
  return st;
}

bool StackPool::in_guard_page(const void* addr) const {
  std::lock_guard lock(mu_);
  auto a = reinterpret_cast<const unsigned char*>(addr);
  for (std::uint32_t i = 0; i < slabs_.size(); i++) {
    const Slab& s = slabs_[i];
    if (a < s.base + page_ || a >= s.base + s.bytes) continue;
    std::size_t off = static_cast<std::size_t>(a - (s.base + page_));
    return off / config_.stack_size < s.guarded && off % config_.stack_size < page_;
  }
  return false;
}

StackPool& default_stack_pool() {
  static StackPool* pool = new StackPool();
  return *pool;
}

}  // namespace gosim::runtime
