// Channels (Go: chan.go, select.go). Elements are copied with memcpy, so the
// C++ API (api.h) restricts them to trivially copyable types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "runtime/g.h"
#include "runtime/lock.h"

namespace gosim::runtime {

// A waiting G on a channel (Go: sudog). Lives on the waiting G's stack, which
// stays valid while the G is parked.
struct Sudog {
  G* g = nullptr;
  void* elem = nullptr;  // where to copy from (send) or to (receive)
  Sudog* next = nullptr;
  Sudog* prev = nullptr;
  struct Chan* c = nullptr;
  bool is_select = false;
  bool success = false;  // false: woken by close
  std::int32_t arm = -1;  // select case index
};

struct WaitQ {
  Sudog* first = nullptr;
  Sudog* last = nullptr;
  void enqueue(Sudog* s);
  // Skips select sudogs whose G was already won by another case (selectDone).
  Sudog* dequeue();
  void remove(Sudog* s);
};

struct Chan {
  Chan(std::size_t elemsize, std::size_t capacity, std::int32_t id);
  Lock lock;
  std::size_t elemsize;
  std::size_t dataqsiz;  // capacity (0: unbuffered)
  std::size_t qcount = 0;
  std::size_t sendx = 0, recvx = 0;
  std::unique_ptr<unsigned char[]> buf;
  bool closed = false;
  WaitQ recvq, sendq;
  std::int32_t id;  // scenario index (trace GoBlock.a0), -1 for API channels
};

// chansend: blocks if needed (block=false: returns false instead). Panics on a closed channel.
bool chansend(Chan* c, const void* elem, bool block);
// chanrecv: returns false if it would block (block=false). *received is false
// when the channel is closed and empty (elem zeroed).
bool chanrecv(Chan* c, void* elem, bool block, bool* received);
void closechan(Chan* c);

struct SelectCase {
  Chan* c = nullptr;
  bool is_send = false;
  void* elem = nullptr;
};
// selectgo: returns the index of the case that ran, or -1 if none was ready
// and `block` is false (a default arm). *recv_ok as chanrecv's *received.
int selectgo(SelectCase* cases, int n, bool block, bool* recv_ok);

}  // namespace gosim::runtime
