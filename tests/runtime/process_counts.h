// What a run must give back: the process's threads and open file descriptors,
// counted from /proc, for the back-to-baseline checks of the runtime tests.
#pragma once

#include <dirent.h>

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
inline int threads_now() { return count_dir("/proc/self/task"); }
inline int fds_now() { return count_dir("/proc/self/fd"); }

}  // namespace gosim::test
