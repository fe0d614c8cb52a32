#include "trace/atomic_file.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace gosim {

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    std::remove(temp_.c_str());
  }
}

bool AtomicFile::open(const std::string& path, std::string* error) {
  path_ = path;
  temp_ = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(temp_.data());
  if (fd < 0) {
    if (error) *error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return false;
  }
  ::fchmod(fd, 0644);
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    ::close(fd);
    std::remove(temp_.c_str());
    if (error) *error = fmt::format("cannot write {}: {}", path, std::strerror(errno));
    return false;
  }
  return true;
}

bool AtomicFile::write(std::string_view bytes) {
  if (!file_ || failed_) return false;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) failed_ = true;
  return !failed_;
}

bool AtomicFile::commit(std::string* error) {
  if (!file_) {
    if (error) *error = fmt::format("cannot write {}: not open", path_);
    return false;
  }
  bool ok = !failed_ && std::fflush(file_) == 0 && !std::ferror(file_);
  int saved = errno;
  ok = (std::fclose(file_) == 0) && ok;
  file_ = nullptr;
  if (ok && std::rename(temp_.c_str(), path_.c_str()) != 0) {
    saved = errno;
    ok = false;
  }
  if (!ok) {
    std::remove(temp_.c_str());
    if (error) *error = fmt::format("cannot write {}: {}", path_, std::strerror(saved ? saved : EIO));
  }
  return ok;
}

bool write_file_atomically(const std::string& path, std::string_view bytes, std::string* error) {
  AtomicFile f;
  return f.open(path, error) && (f.write(bytes) || true) && f.commit(error);
}

}  // namespace gosim
