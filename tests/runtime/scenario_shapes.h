// Scenario pieces the real-mode tests build in code (the scenario model of
// scenario/program.h, without a JSON file).
#pragma once

#include <cstdint>

#include "scenario/program.h"

namespace gosim::test {

// wg.Done() on wait group 0.
inline scenario::Op wg_done_op() {
  scenario::Op done;
  done.kind = scenario::OpKind::WgDone;
  done.target = 0;
  return done;
}

// main (function 0): wg.Add(workers); go worker() x workers; wg.Wait(), with
// wait group 0 and the worker as function 1.
inline scenario::Function wait_group_main(std::int64_t workers) {
  scenario::Function main;
  main.name = "main";
  main.ops.resize(3);
  main.ops[0].kind = scenario::OpKind::WgAdd;
  main.ops[0].target = 0;
  main.ops[0].count = workers;
  main.ops[1].kind = scenario::OpKind::Go;
  main.ops[1].target = 1;
  main.ops[1].count = workers;
  main.ops[2].kind = scenario::OpKind::WgWait;
  main.ops[2].target = 0;
  return main;
}

}  // namespace gosim::test
