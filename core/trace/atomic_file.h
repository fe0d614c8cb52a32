// Output files are written to a temporary name beside the target and renamed
// into place only when complete, so a failed or interrupted run never leaves a
// half-written file (and never clobbers a good one).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace gosim {

class AtomicFile {
 public:
  AtomicFile() = default;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();  // removes the temporary file unless committed

  // Creates "<path>.tmp-XXXXXX" in the target's directory. False and *error on failure.
  bool open(const std::string& path, std::string* error);
  bool write(std::string_view bytes);  // false after any write error
  std::FILE* stream() { return file_; }
  // Flushes, closes and renames onto the target. False and *error on failure.
  bool commit(std::string* error);
  const std::string& path() const { return path_; }

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
  std::string temp_;
  bool failed_ = false;
};

// Writes a whole file atomically.
bool write_file_atomically(const std::string& path, std::string_view bytes, std::string* error);

}  // namespace gosim
