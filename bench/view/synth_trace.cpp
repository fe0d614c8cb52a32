// gosim_synth_trace OUT.json EVENTS [GOMAXPROCS]: writes a synthetic but
// consistent gosim trace of about EVENTS events (tests/view/synth_trace.h,
// shared with the HTML page tests), for the HTML view's render benchmark
// when a trace of exactly that size is wanted (render_bench.py --synth).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "synth_trace.h"
#include "trace/gosim_json.h"

using namespace gosim::trace;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT.json EVENTS [GOMAXPROCS]\n", argv[0]);
    return 2;
  }
  std::string path = argv[1];
  long long target = std::atoll(argv[2]);
  int nprocs = argc > 3 ? std::atoi(argv[3]) : 8;
  if (target < 1 || nprocs < 1 || nprocs > 256) {
    std::fprintf(stderr, "EVENTS must be positive and GOMAXPROCS 1..256\n");
    return 2;
  }
  Trace t = gosim::test::synthetic_trace(static_cast<std::size_t>(target), nprocs);
  std::string error;
  auto w = GosimJsonWriter::create(path, &error);
  if (!w) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  replay(t, *w);
  if (!w->commit(&error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  std::printf("%zu events\n", t.events.size());
  return 0;
}
