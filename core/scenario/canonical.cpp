// canonical_json and the scenario hash. The canonical form is built from the
// model, not the text, so key order, whitespace, optional keys left at their
// defaults and spelling variants ("1000us" vs "1ms") all hash the same.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "scenario/load.h"

namespace gosim::scenario {
namespace {

using json = nlohmann::json;  // keys sorted: that is the canonical order

json duration_json(const DurationSpec& d) {
  switch (d.dist) {
    case DurationSpec::Dist::Fixed: return format_duration(d.a);
    case DurationSpec::Dist::Uniform: return {{"uniform", {format_duration(d.a), format_duration(d.b)}}};
    case DurationSpec::Dist::Exp: return {{"exp", format_duration(d.a)}};
  }
  return nullptr;
}

json arg_json(const ArgExpr& a) {
  if (!a.uses_n) return a.k;
  if (a.k == 0) return "n";
  return a.k < 0 ? fmt::format("n-{}", -a.k) : fmt::format("n+{}", a.k);
}

std::string cond_text(const Cond& c) {
  const char* op = "<";
  switch (c.cmp) {
    case Cond::Cmp::Lt: op = "<"; break;
    case Cond::Cmp::Le: op = "<="; break;
    case Cond::Cmp::Gt: op = ">"; break;
    case Cond::Cmp::Ge: op = ">="; break;
    case Cond::Cmp::Eq: op = "=="; break;
    case Cond::Cmp::Ne: op = "!="; break;
  }
  return fmt::format("n {} {}", op, c.k);
}

struct Names {
  const Scenario& s;
  const std::string& of(OpKind kind, std::int32_t i) const {
    static const std::string kNone = "?";
    auto at = [&](const auto& v) -> const std::string& {
      return i >= 0 && static_cast<std::size_t>(i) < v.size() ? v[static_cast<std::size_t>(i)].name : kNone;
    };
    switch (kind) {
      case OpKind::Go: return at(s.functions);
      case OpKind::Send:
      case OpKind::Recv:
      case OpKind::Close: return at(s.channels);
      case OpKind::Lock:
      case OpKind::Unlock: return at(s.mutexes);
      default: return at(s.waitgroups);
    }
  }
  const std::string& channel(std::int32_t i) const { return of(OpKind::Send, i); }
};

json ops_json(const std::vector<Op>& ops, const Names& names);

json op_json(const Op& op, const Names& names) {
  const std::string key = op_name(op.kind);
  switch (op.kind) {
    case OpKind::Compute:
    case OpKind::Syscall:
    case OpKind::NetWait:
    case OpKind::Sleep: return {{key, duration_json(op.dur)}};
    case OpKind::Go:
      return {{key, names.of(op.kind, op.target)}, {"count", op.count}, {"arg", arg_json(op.arg)}};
    case OpKind::Send:
    case OpKind::Recv:
    case OpKind::Close:
    case OpKind::Lock:
    case OpKind::Unlock:
    case OpKind::WgDone:
    case OpKind::WgWait: return {{key, names.of(op.kind, op.target)}};
    case OpKind::WgAdd: return {{key, names.of(op.kind, op.target)}, {"delta", op.count}};
    case OpKind::Yield:
    case OpKind::Gc: return {{key, true}};
    case OpKind::Alloc: return {{key, format_bytes(op.count)}, {"retain", op.retain}};
    case OpKind::Repeat: return {{key, op.count}, {"do", ops_json(op.body, names)}};
    case OpKind::If:
      return {{key, cond_text(op.cond)}, {"then", ops_json(op.body, names)}, {"else", ops_json(op.else_body, names)}};
    case OpKind::Select: {
      json cases = json::array();
      for (const SelectCase& c : op.cases) {
        cases.push_back({{c.is_send ? "send" : "recv", names.channel(c.chan)}, {"do", ops_json(c.body, names)}});
      }
      json out = {{key, cases}};
      if (op.has_default) out["default"] = ops_json(op.else_body, names);
      return out;
    }
  }
  return nullptr;
}

json ops_json(const std::vector<Op>& ops, const Names& names) {
  json out = json::array();
  for (const Op& op : ops) out.push_back(op_json(op, names));
  return out;
}

}  // namespace

std::string canonical_json(const Scenario& s) {
  Names names{s};
  json doc = {{"gosim", 1}, {"name", s.name}, {"description", s.description}};
  doc["entry"] = s.entry >= 0 && static_cast<std::size_t>(s.entry) < s.functions.size()
                     ? s.functions[static_cast<std::size_t>(s.entry)].name
                     : "main";
  doc["config"] = config_to_json(s.config);
  doc["channels"] = json::object();
  for (const Channel& c : s.channels) doc["channels"][c.name] = {{"capacity", c.capacity}};
  doc["mutexes"] = json::array();
  for (const Mutex& m : s.mutexes) doc["mutexes"].push_back(m.name);
  doc["waitgroups"] = json::array();
  for (const WaitGroup& w : s.waitgroups) doc["waitgroups"].push_back(w.name);
  doc["functions"] = json::object();
  for (const Function& f : s.functions) doc["functions"][f.name] = ops_json(f.ops, names);
  return doc.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

std::string scenario_hash(const Scenario& s) {
  // FNV-1a 64.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : canonical_json(s)) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace gosim::scenario
