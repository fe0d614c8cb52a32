// Stack overflow becomes a clear error naming the goroutine, never silent
// corruption: the canary below a pooled stack is checked at every switch away.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "runtime/fiber.h"
#include "runtime/stack.h"

using namespace gosim::runtime;

namespace {

struct Overflow {
  Fiber main, co;
  std::size_t depth = 0;  // frames of ~1 KiB to use
};

// ~1 KiB per frame, all of it written, so the deepest frames run over the
// canary below the stack. Not ASan-instrumented: ASan would move buf to its
// heap "fake stack" instead of the fiber's stack.
__attribute__((noinline, no_sanitize("address"))) std::size_t burn(std::size_t depth) {
  volatile unsigned char buf[1024];
  for (auto& b : buf) b = 0xAB;
  if (depth == 0) return buf[0];
  return burn(depth - 1) + buf[depth % sizeof buf];
}

void overflow_body(void* p) {
  auto* o = static_cast<Overflow*>(p);
  volatile std::size_t r = burn(o->depth);
  (void)r;
  fiber_switch(o->co, o->main);  // the check happens here
  fiber_exit(o->co, o->main);
}

const Fiber* reported = nullptr;
int reports = 0;
void record(const Fiber& f) {
  reported = &f;
  reports++;
}

// Unguarded stacks (canary only), as at scale; a spare stack below the one
// that overflows takes the overwrites past the canary.
StackConfig canary_only() {
  return StackConfig{.stack_size = 32 * 1024, .stacks_per_slab = 4, .guarded_stacks = 0,
                     .cache_watermark = 4};
}

}  // namespace

TEST_CASE("fiber overflow: a stack within its size leaves the canary intact") {
  StackPool pool(canary_only());
  Stack spare = pool.allocate(), s = pool.allocate();
  Overflow o;
  o.depth = (s.size - 4096) / 1024 / 2;
  fiber_init_thread(o.main);
  fiber_init(o.co, s, overflow_body, &o);
  o.co.id = 7;
  reports = 0;
  auto old = set_stack_overflow_handler(record);
  fiber_switch(o.main, o.co);
  CHECK(reports == 0);
  CHECK(fiber_stack_ok(o.co));
  fiber_switch(o.main, o.co);
  set_stack_overflow_handler(old);
  fiber_destroy(o.co);
  pool.free(s);
  pool.free(spare);
}

TEST_CASE("fiber overflow: the switch away reports the goroutine") {
  StackPool pool(canary_only());
  Stack spare = pool.allocate(), s = pool.allocate();
  Overflow o;
  // Past the usable stack and the slack page below it, onto the canary.
  o.depth = (s.size + 4096) / 1024 + 2;
  fiber_init_thread(o.main);
  fiber_init(o.co, s, overflow_body, &o);
  o.co.id = 42;
  reports = 0;
  reported = nullptr;
  auto old = set_stack_overflow_handler(record);
  fiber_switch(o.main, o.co);
  CHECK(reports == 1);
  CHECK(reported == &o.co);
  CHECK_FALSE(fiber_stack_ok(o.co));
  char buf[256];
  std::string msg = stack_overflow_message(o.co, buf, sizeof buf);
  CHECK(msg.find("stack overflow in goroutine 42") != std::string::npos);
  fiber_switch(o.main, o.co);  // reported again on the final switch
  CHECK(reports == 2);
  set_stack_overflow_handler(old);
  fiber_destroy(o.co);
  pool.free(s);
  pool.free(spare);
}

TEST_CASE("fiber overflow: by default the process dies with the message") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child dies for real: without doctest's crash handler.
    signal(SIGABRT, SIG_DFL);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    StackPool pool(canary_only());
    Stack spare = pool.allocate(), s = pool.allocate();
    (void)spare;
    Overflow o;
    o.depth = (s.size + 4096) / 1024 + 2;
    fiber_init_thread(o.main);
    fiber_init(o.co, s, overflow_body, &o);
    o.co.id = 1234;
    fiber_switch(o.main, o.co);
    _exit(0);  // not reached: the default handler aborts
  }
  close(fds[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) err.append(buf, std::size_t(n));
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGABRT);
  CHECK(err.find("fatal error: stack overflow in goroutine 1234") != std::string::npos);
}

TEST_CASE("fiber overflow: a guard page fault names the goroutine, then SIGSEGV") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Without doctest's crash handlers: ours must run, then the default.
    signal(SIGSEGV, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    StackPool pool(StackConfig{.stack_size = 32 * 1024, .stacks_per_slab = 4, .guarded_stacks = 4,
                               .cache_watermark = 4});
    install_stack_guard_handler();  // replaced by SIG_DFL above
    Stack s = pool.allocate();
    Overflow o;
    o.depth = (s.size + 4096) / 1024 + 2;
    fiber_init_thread(o.main);  // sets up the alternate signal stack
    fiber_init(o.co, s, overflow_body, &o);
    o.co.id = 77;
    fiber_switch(o.main, o.co);
    _exit(0);  // not reached
  }
  close(fds[1]);
  std::string err;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) err.append(buf, std::size_t(n));
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  INFO("child stderr: " << err);
  CHECK_FALSE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
#if !defined(GOSIM_ASAN) && !defined(GOSIM_TSAN)
  // (Under a sanitizer its own SIGSEGV report ends the child instead.)
  CHECK(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGSEGV);
#endif
  CHECK(err.find("fatal error: stack overflow in goroutine 77") != std::string::npos);
  CHECK(err.find("guard page") != std::string::npos);
}
