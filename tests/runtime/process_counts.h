// What a run must give back: the process's threads and open file descriptors,
// counted from /proc, for the back-to-baseline checks of the runtime tests.
#pragma once

#include <dirent.h>

#include <thread>

namespace gosim::test {

inline int count_dir(const char* path) {
  int n = 0;
  if (DIR* d = opendir(path)) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') n++;
    closedir(d);
  }
  return n;
}
// TSan starts its own background thread the first time the program creates a
// thread; make that happen before any baseline is taken, so it is never
// counted as a thread a run left behind.
inline void start_sanitizer_threads() {
#if defined(GOSIM_TSAN)
  static const bool started = [] {
    std::thread([] {}).join();
    return true;
  }();
  (void)started;
#endif
}
inline int threads_now() {
  start_sanitizer_threads();
  return count_dir("/proc/self/task");
}
inline int fds_now() { return count_dir("/proc/self/fd"); }

}  // namespace gosim::test
