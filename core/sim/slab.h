// A growable table of fixed chunks: what the simulator keeps its G slots and
// sudogs in.
//
// Go allocates each g once (malg) and never moves it; allg only grows. A
// std::vector of a million 136-byte Gs instead doubles and copies itself
// ~20 times on the way, so every page is faulted in twice and half the
// spawn time goes to copying Gs and to the kernel. Chunks of 2^Shift
// elements never move: growth costs one allocation per chunk, elements keep
// their address (references stay valid across emplace_back), and memory is
// touched only for the elements created. Indexing is one extra load from a
// small chunk table that stays in cache.
//
// Chunks after the first are 2 MiB-aligned and offered to the kernel as
// transparent huge pages (MADV_HUGEPAGE): a million-G run then takes a few
// hundred page faults instead of tens of thousands, and random G accesses
// stop missing the TLB. Small runs stay within the first chunk, which is
// left to ordinary pages so they do not pay for zeroing 2 MiB pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace gosim::sim {

template <class T, unsigned Shift = 12>
class Slab {
  static_assert(std::is_trivially_destructible_v<T>, "Slab never runs destructors");
  static constexpr std::size_t kChunk = std::size_t{1} << Shift;
  static constexpr std::size_t kMask = kChunk - 1;

  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kChunkBytes = kChunk * sizeof(T);
  static constexpr std::size_t kAlign = kChunkBytes >= kHugePage ? kHugePage : alignof(T);

  struct Free {
    void operator()(T* p) const { ::operator delete(static_cast<void*>(p), std::align_val_t{kAlign}); }
  };

 public:
  T& operator[](std::size_t i) { return chunks_[i >> Shift].get()[i & kMask]; }
  const T& operator[](std::size_t i) const { return chunks_[i >> Shift].get()[i & kMask]; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // A value-initialised element at the end; the chunk's other slots stay
  // untouched (raw memory) until they are created.
  // Stack use (free lists): chunks stay allocated when elements are popped,
  // so a list that grows to a million entries is never copied.
  void push_back(const T& v) { emplace_back() = v; }
  T& back() { return (*this)[size_ - 1]; }
  void pop_back() { --size_; }

  T& emplace_back() {
    if ((size_ & kMask) == 0 && (size_ >> Shift) == chunks_.size()) [[unlikely]] {
      void* raw = ::operator new(kChunkBytes, std::align_val_t{kAlign});
#if defined(MADV_HUGEPAGE)
      // Only a hint: without THP the chunk simply uses 4 KiB pages.
      if (kAlign == kHugePage && !chunks_.empty()) madvise(raw, kChunkBytes / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
      chunks_.emplace_back(static_cast<T*>(raw));
    }
    T* slot = chunks_[size_ >> Shift].get() + (size_ & kMask);
    ++size_;
    return *::new (static_cast<void*>(slot)) T{};
  }

 private:
  std::vector<std::unique_ptr<T, Free>> chunks_;
  std::size_t size_ = 0;
};

}  // namespace gosim::sim
