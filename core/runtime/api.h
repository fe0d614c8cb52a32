// gosim::rt — goroutines for C++ on gosim's M:N runtime (the scheduler of
// `gosim run --mode real`, a model of Go 1.19's).
//
//   #include "runtime/api.h"
//   namespace rt = gosim::rt;
//
//   rt::Result r = rt::run([] {                 // the main goroutine
//     rt::Chan<int> results(16);                 // make(chan int, 16)
//     rt::WaitGroup wg;
//     for (int i = 0; i < 10; i++) {
//       wg.add(1);
//       rt::go([&, i] { results.send(i * i); wg.done(); });
//     }
//     wg.wait();
//     results.close();
//     int sum = 0;
//     while (auto v = results.recv()) sum += *v;  // range over the channel
//   }, {.procs = 4});
//
// Rules, as in Go: everything below must be called from a goroutine (inside
// rt::run); when main returns the run ends and other goroutines are unwound
// (GoroutineUnwind below);
// a deadlock ends the run with Go's message. Unlike Go, one run at a time per
// process, and channel elements must be trivially copyable (they are copied
// bytewise into the receiver's stack). Blocking OS calls inside goroutines
// should be wrapped in rt::blocking(...) so the P is handed off (entersyscall).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gosim::runtime {
struct Chan;
struct Mutex;
struct WaitGroup;
}  // namespace gosim::runtime

namespace gosim::rt::detail {
struct ChanBox;  // a runtime::Chan and its entry in the unwinder's registry (api.cpp)
struct MutexBox;
struct WaitGroupBox;
}  // namespace gosim::rt::detail

namespace gosim::rt {

struct Options {
  int procs = 0;                        // GOMAXPROCS; 0 = number of CPUs
  std::size_t stack_size = 64 * 1024;   // per goroutine (lazily committed)
  std::chrono::nanoseconds max_wall_time = std::chrono::minutes(10);  // watchdog
  std::int64_t max_goroutines = 10'000'000;
};

struct Result {
  enum class Status { Ok, Deadlock, LimitExceeded, Error };
  Status status = Status::Ok;
  std::string message;          // e.g. "fatal error: all goroutines are asleep - deadlock!"
  std::int64_t threads_created = 0;  // OS threads the run started (Ms, incl. sysmon)
  bool ok() const { return status == Status::Ok; }
};

// Runs main as the main goroutine on the calling thread and returns when it returns.
// Goroutines still parked when the run ends (main returned, deadlock, panic,
// limit) are unwound before run returns: see GoroutineUnwind.
Result run(std::function<void()> main, Options options = {});

// Thrown by the runtime inside a goroutine that is still parked (or runnable)
// when the run ends, at the point where it is blocked (channel, select,
// mutex, WaitGroup, sleep, syscall, yield, ...), so that its frames are
// destroyed on its own stack and everything they own is freed. Go simply
// exits the process instead; a C++ library must give the memory back.
//
// Like abi::__forced_unwind (pthread_cancel), it is not a std::exception,
// and code that catches it with `catch (...)` must rethrow it (`throw;`). A
// goroutine that swallows it runs on until it returns (fine) or blocks again:
// then it is left blocked and its remaining frames leak (a message on stderr).
// Destructors that run during the unwinding may use channels, mutexes and
// wait groups; if one blocks, it waits until another unwinding goroutine
// unblocks it, else it is left blocked as above.
class GoroutineUnwind {
 public:
  GoroutineUnwind(const GoroutineUnwind&) = default;
  const char* what() const noexcept { return "gosim: goroutine unwound at the end of the run"; }

 private:
  GoroutineUnwind() = default;
  friend struct UnwindAccess;
};
struct UnwindAccess {
  [[noreturn]] static void throw_unwind() { throw GoroutineUnwind(); }
};

namespace detail {
// A goroutine's closure, type-erased: the runtime keeps it in the G itself
// (G::closure) when it fits, else a pointer to a heap copy (api.cpp).
struct ClosureOps {
  void (*call)(void* obj);
  void (*destroy)(void* obj);
  void (*relocate)(void* dst, void* src);  // move-constructs at dst from src
};
inline constexpr std::size_t kClosureInlineBytes = 48;  // G::closure minus the ops pointer
template <typename Fn>
inline constexpr bool closure_fits = sizeof(Fn) <= kClosureInlineBytes && alignof(Fn) <= 16 &&
                                     std::is_nothrow_move_constructible_v<Fn>;
template <typename Fn>
inline constexpr ClosureOps inline_ops = {
    [](void* o) { (*static_cast<Fn*>(o))(); },
    [](void* o) { static_cast<Fn*>(o)->~Fn(); },
    [](void* d, void* s) { ::new (d) Fn(std::move(*static_cast<Fn*>(s))); },
};
template <typename Fn>
inline constexpr ClosureOps heap_ops = {
    [](void* o) { (**static_cast<Fn**>(o))(); },
    [](void* o) { delete *static_cast<Fn**>(o); },
    [](void* d, void* s) { ::new (d) Fn*(*static_cast<Fn**>(s)); },
};
// Starts a goroutine running ops->call on a relocated copy of *obj; false if
// a limit ended the run instead (nothing was relocated).
bool go_closure(const ClosureOps* ops, void* obj);
}  // namespace detail

// go f(): starts a goroutine running a copy of f (any callable with no
// arguments; a lambda's captures are moved into the new G when they fit).
template <typename F>
  requires std::is_invocable_v<std::decay_t<F>&>
void go(F&& f) {
  using Fn = std::decay_t<F>;
  if constexpr (detail::closure_fits<Fn>) {
    Fn tmp(std::forward<F>(f));
    detail::go_closure(&detail::inline_ops<Fn>, &tmp);
  } else {
    Fn* p = new Fn(std::forward<F>(f));
    if (!detail::go_closure(&detail::heap_ops<Fn>, &p)) delete p;
  }
}
// runtime.Gosched(): yields; the goroutine goes to the global run queue.
void yield();
// time.Sleep(d).
void sleep(std::chrono::nanoseconds d);
// Runs fn as a blocking system call: the P is left for sysmon to hand off
// while fn blocks its thread (entersyscall/exitsyscall).
void blocking(const std::function<void()>& fn);
// A blocking system call that sleeps d in the kernel (nanosleep).
void syscall_sleep(std::chrono::nanoseconds d);
// A cooperative preemption point: yields if sysmon asked this goroutine to
// stop (it ran 10 ms) or the world is stopping. Long loops should call it;
// there is no signal-based preemption.
void checkpoint();
// Burns the CPU for d of wall time, with a preemption point every ~20 us.
void compute(std::chrono::nanoseconds d);
// Goroutines alive, and OS threads alive, now.
std::int64_t num_goroutine();
std::int64_t num_threads();
// The current goroutine's id.
std::int64_t goid();

namespace detail {
runtime::Chan* chan_new(std::size_t elemsize, std::size_t cap, ChanBox** box);
void chan_free(ChanBox* box);
void chan_send(runtime::Chan* c, const void* v);
bool chan_try_send(runtime::Chan* c, const void* v);
bool chan_recv(runtime::Chan* c, void* v);                 // false: closed and empty
int chan_try_recv(runtime::Chan* c, void* v);              // -1 would block, 0 closed, 1 received
void chan_close(runtime::Chan* c);
std::size_t chan_len(runtime::Chan* c);
struct RawCase {
  runtime::Chan* c;
  bool is_send;
  void* elem;
};
int select(RawCase* cases, int n, bool has_default, bool* recv_ok);
}  // namespace detail

// chan T (make(chan T, cap)).
template <typename T>
class Chan {
  static_assert(std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T>,
                "rt::Chan<T> needs a trivially copyable, default-constructible T");

 public:
  explicit Chan(std::size_t capacity = 0) : c_(detail::chan_new(sizeof(T), capacity, &box_)) {}
  ~Chan() { detail::chan_free(box_); }
  Chan(const Chan&) = delete;
  Chan& operator=(const Chan&) = delete;

  void send(const T& v) { detail::chan_send(c_, &v); }       // ch <- v (panics if closed)
  bool try_send(const T& v) { return detail::chan_try_send(c_, &v); }
  std::optional<T> recv() {                                    // v, ok := <-ch
    T v{};
    if (!detail::chan_recv(c_, &v)) return std::nullopt;
    return v;
  }
  // select { case v := <-ch: ... default: }: nullopt if it would block or is closed.
  std::optional<T> try_recv() {
    T v{};
    if (detail::chan_try_recv(c_, &v) != 1) return std::nullopt;
    return v;
  }
  void close() { detail::chan_close(c_); }
  std::size_t len() const { return detail::chan_len(c_); }
  runtime::Chan* raw() const { return c_; }

 private:
  detail::ChanBox* box_ = nullptr;  // declared first: chan_new sets it while c_ is initialized
  runtime::Chan* c_;
};

// Select cases: rt::select(rt::on_recv(ch, [](int v, bool ok) {...}),
//                          rt::on_send(ch2, 5, [] {...}),
//                          rt::otherwise([] {...}));     // optional default
// Returns the index of the case that ran (the default is the last index).
template <typename T, typename F>
struct RecvCase {
  Chan<T>& ch;
  F f;
  T value{};
};
template <typename T, typename F>
struct SendCase {
  Chan<T>& ch;
  T value;
  F f;
};
template <typename F>
struct DefaultCase {
  F f;
};
template <typename T, typename F>
RecvCase<T, F> on_recv(Chan<T>& ch, F f) { return {ch, std::move(f)}; }
template <typename T, typename F>
SendCase<T, F> on_send(Chan<T>& ch, T v, F f) { return {ch, v, std::move(f)}; }
template <typename F>
DefaultCase<F> otherwise(F f) { return {std::move(f)}; }

namespace detail {
template <typename C>
struct IsDefault : std::false_type {};
template <typename F>
struct IsDefault<DefaultCase<F>> : std::true_type {};

template <typename T, typename F>
void fill(RawCase& r, RecvCase<T, F>& c) { r = {c.ch.raw(), false, &c.value}; }
template <typename T, typename F>
void fill(RawCase& r, SendCase<T, F>& c) { r = {c.ch.raw(), true, &c.value}; }
template <typename T, typename F>
void fire(RecvCase<T, F>& c, bool ok) { c.f(c.value, ok); }
template <typename T, typename F>
void fire(SendCase<T, F>& c, bool) { c.f(); }
template <typename F>
void fire(DefaultCase<F>& c, bool) { c.f(); }
}  // namespace detail

template <typename... Cs>
int select(Cs... cases) {
  constexpr int n = sizeof...(Cs);
  constexpr int ndefault = (0 + ... + (detail::IsDefault<Cs>::value ? 1 : 0));
  static_assert(ndefault <= 1, "at most one default case");
  std::tuple<Cs...> cs(std::move(cases)...);
  detail::RawCase raw[n > 0 ? n : 1];
  int map[n > 0 ? n : 1];  // raw index -> case index
  int nraw = 0;
  int default_index = -1;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          auto& c = std::get<I>(cs);
          if constexpr (detail::IsDefault<std::decay_t<decltype(c)>>::value) {
            default_index = static_cast<int>(I);
          } else {
            detail::fill(raw[nraw], c);
            map[nraw++] = static_cast<int>(I);
          }
        }(),
        ...);
  }(std::index_sequence_for<Cs...>{});
  bool ok = false;
  int r = detail::select(raw, nraw, default_index >= 0, &ok);
  int chosen = r < 0 ? default_index : map[r];
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((static_cast<int>(I) == chosen ? detail::fire(std::get<I>(cs), ok) : void()), ...);
  }(std::index_sequence_for<Cs...>{});
  return chosen;
}

// sync.Mutex (normal and starvation modes). BasicLockable: works with std::lock_guard.
class Mutex {
 public:
  Mutex();
  ~Mutex();
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock();
  void unlock();
  bool try_lock();

 private:
  detail::MutexBox* box_;
  runtime::Mutex* m_;
};

// sync.WaitGroup.
class WaitGroup {
 public:
  WaitGroup();
  ~WaitGroup();
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;
  void add(std::int64_t delta);
  void done() { add(-1); }
  void wait();

 private:
  detail::WaitGroupBox* box_;
  runtime::WaitGroup* wg_;
};

}  // namespace gosim::rt
