#include "scenario/program.h"

#include <algorithm>
#include <cassert>

namespace gosim::scenario {
namespace {

class Compiler {
 public:
  explicit Compiler(Program& p) : p_(p) {}

  void function(const Function& f) {
    p_.entry_pc.push_back(pc());
    depth_ = max_depth_ = 0;
    ops(f.ops);
    emit(Code::Return, f.loc);
    p_.loop_depth.push_back(static_cast<std::uint8_t>(max_depth_));
  }

 private:
  std::int32_t pc() const { return static_cast<std::int32_t>(p_.code.size()); }

  Instr& emit(Code code, const SourceLoc& loc) {
    Instr& in = p_.code.emplace_back();
    in.code = code;
    in.loc = static_cast<std::int32_t>(p_.locs.size());
    p_.locs.push_back(loc);
    return in;
  }

  void ops(const std::vector<Op>& list) {
    for (const Op& op : list) this->op(op);
  }

  void op(const Op& op) {
    switch (op.kind) {
      case OpKind::Repeat: {
        std::int32_t begin = pc();
        emit(Code::LoopBegin, op.loc).k = op.count;
        std::int32_t body = pc();
        max_depth_ = std::max(max_depth_, ++depth_);
        ops(op.body);
        --depth_;
        emit(Code::LoopEnd, op.loc).target = body;
        p_.code[static_cast<std::size_t>(begin)].target = pc();
        return;
      }
      case OpKind::If: {
        std::int32_t test = pc();
        Instr& in = emit(Code::IfNot, op.loc);
        in.cmp = op.cond.cmp;
        in.k = op.cond.k;
        ops(op.body);
        if (op.else_body.empty()) {
          p_.code[static_cast<std::size_t>(test)].target = pc();
        } else {
          std::int32_t skip = pc();
          emit(Code::Jump, op.loc);
          p_.code[static_cast<std::size_t>(test)].target = pc();
          ops(op.else_body);
          p_.code[static_cast<std::size_t>(skip)].target = pc();
        }
        return;
      }
      case OpKind::Select: {
        auto index = static_cast<std::int32_t>(p_.selects.size());
        p_.selects.emplace_back();
        emit(Code::Select, op.loc).target = index;
        // Arm bodies follow the select, each ending in a jump past them all.
        std::vector<std::int32_t> exits;
        SelectTable table;
        for (const SelectCase& c : op.cases) {
          table.arms.push_back({c.is_send, c.chan, pc()});
          ops(c.body);
          exits.push_back(pc());
          emit(Code::Jump, c.loc);
        }
        if (op.has_default) {
          table.default_pc = pc();
          ops(op.else_body);
          exits.push_back(pc());
          emit(Code::Jump, op.loc);
        }
        for (std::int32_t e : exits) p_.code[static_cast<std::size_t>(e)].target = pc();
        p_.selects[static_cast<std::size_t>(index)] = std::move(table);
        return;
      }
      default:
        break;
    }
    Instr& in = emit(static_cast<Code>(op.kind), op.loc);
    in.target = op.target;
    in.dur = op.dur;
    in.retain = op.retain;
    in.k = op.count;
    in.arg_uses_n = op.arg.uses_n;
    in.arg_k = op.arg.k;
  }

  Program& p_;
  int depth_ = 0, max_depth_ = 0;  // repeat nesting in the function being compiled
};

// Effects share their numbering with OpKind so the leaf case above is a cast.
#define GOSIM_SAME(name) static_assert(static_cast<int>(Code::name) == static_cast<int>(OpKind::name))
GOSIM_SAME(Compute); GOSIM_SAME(Go); GOSIM_SAME(Send); GOSIM_SAME(Recv); GOSIM_SAME(Close);
GOSIM_SAME(Select); GOSIM_SAME(Lock); GOSIM_SAME(Unlock); GOSIM_SAME(WgAdd); GOSIM_SAME(WgDone);
GOSIM_SAME(WgWait); GOSIM_SAME(Syscall); GOSIM_SAME(NetWait); GOSIM_SAME(Sleep); GOSIM_SAME(Yield);
GOSIM_SAME(Alloc); GOSIM_SAME(Gc);
#undef GOSIM_SAME

}  // namespace

Program compile(std::shared_ptr<const Scenario> scenario) {
  Program p;
  Compiler c(p);
  for (const Function& f : scenario->functions) c.function(f);
  p.scenario = std::move(scenario);
  return p;
}

const Instr* next_effect(const Program& p, Cursor& c, LoopCounters* loops) {
  // fresh[d]: the current iteration of the loop at depth d began during this
  // call. If such an iteration reaches its LoopEnd, it ran no effect; since
  // control flow depends only on n (constant) and inner loop counters (reset
  // every iteration), every remaining iteration would run none either, so the
  // loop is left at once. Without this, `repeat 4e9 { if n > 5 {...} }` with
  // n = 0, or nested empty loops, would spin here for hours.
  bool fresh[kMaxLoopDepth] = {};
  for (;;) {
    const Instr& in = p.code[static_cast<std::size_t>(c.pc)];
    switch (in.code) {
      case Code::LoopBegin:
        if (in.k <= 0) {
          c.pc = in.target;
        } else {
          assert(loops && c.loop_depth < kMaxLoopDepth);
          fresh[c.loop_depth] = true;
          loops->left[c.loop_depth++] = static_cast<std::uint32_t>(in.k);
          ++c.pc;
        }
        continue;
      case Code::LoopEnd: {
        const int top = c.loop_depth - 1;
        if (!fresh[top] && --loops->left[top] > 0) {
          fresh[top] = true;
          c.pc = in.target;
        } else {
          fresh[top] = false;
          --c.loop_depth;
          ++c.pc;
        }
        continue;
      }
      case Code::IfNot:
        c.pc = Cond{in.cmp, in.k}.eval(c.n) ? c.pc + 1 : in.target;
        continue;
      case Code::Jump:
        c.pc = in.target;
        continue;
      case Code::Return:
        return nullptr;
      default:
        ++c.pc;
        return &in;
    }
  }
}

void enter_select_arm(const Program& p, Cursor& c, const Instr& select, int arm) {
  const SelectTable& t = p.selects[static_cast<std::size_t>(select.target)];
  c.pc = arm < 0 ? t.default_pc : t.arms[static_cast<std::size_t>(arm)].pc;
}

const char* op_name(OpKind kind) {
  switch (kind) {
    case OpKind::Compute: return "compute";
    case OpKind::Go: return "go";
    case OpKind::Send: return "send";
    case OpKind::Recv: return "recv";
    case OpKind::Close: return "close";
    case OpKind::Select: return "select";
    case OpKind::Lock: return "lock";
    case OpKind::Unlock: return "unlock";
    case OpKind::WgAdd: return "wg_add";
    case OpKind::WgDone: return "wg_done";
    case OpKind::WgWait: return "wg_wait";
    case OpKind::Syscall: return "syscall";
    case OpKind::NetWait: return "netwait";
    case OpKind::Sleep: return "sleep";
    case OpKind::Yield: return "yield";
    case OpKind::Alloc: return "alloc";
    case OpKind::Gc: return "gc";
    case OpKind::Repeat: return "repeat";
    case OpKind::If: return "if";
  }
  return "?";
}

}  // namespace gosim::scenario
