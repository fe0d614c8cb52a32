// Running the gosim binary from a test: arguments in, exit status and output out.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace gosim::test {

struct CliResult {
  int exit_code = -1;  // -1: killed (timeout or signal)
  std::string out;
  std::string err;
};

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A fresh empty directory for one test's files.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::path(GOSIM_BINARY_DIR) / "test-tmp" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string source_path(const std::string& rel) { return std::string(GOSIM_SOURCE_DIR) + "/" + rel; }

// Runs `gosim args...` with stdin from /dev/null; kills it after timeout_s.
// env entries ("NO_COLOR=1") are added to the environment.
inline CliResult run_gosim(const std::vector<std::string>& args, int timeout_s = 120,
                           const std::vector<std::string>& env = {}) {
  static int counter = 0;
  auto dir = std::filesystem::path(GOSIM_BINARY_DIR) / "test-tmp" / "cli-output";
  std::filesystem::create_directories(dir);
  std::string tag = std::to_string(::getpid()) + "-" + std::to_string(counter++);
  auto out_path = dir / (tag + ".out");
  auto err_path = dir / (tag + ".err");
  std::string binary = std::string(GOSIM_BINARY_DIR) + "/gosim";
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv{binary.data()};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  CliResult r;
  int status = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return r;
}

}  // namespace gosim::test
