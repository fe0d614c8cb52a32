#include "scenario/recursion.h"

#include <algorithm>
#include <functional>

#include <fmt/format.h>

namespace gosim::scenario {
namespace {

// A go op seen from the recursion check: an edge between functions, and what
// the enclosing ifs say about the parent's n where it runs.
struct Edge {
  std::int32_t from = 0;
  std::int32_t to = 0;
  const Op* op = nullptr;
  bool lower_bound = false;  // some enclosing if implies n >= c (or n > c, n == c)
  bool upper_bound = false;  // some enclosing if implies n <= c (or n < c, n == c)
};

struct Bounds {
  bool lower = false;
  bool upper = false;
};

// What "n cmp k" (taken == true) or its negation (taken == false) bounds.
Bounds bounds_of(Cond::Cmp cmp, bool taken) {
  using C = Cond::Cmp;
  switch (cmp) {
    case C::Gt:
    case C::Ge: return taken ? Bounds{true, false} : Bounds{false, true};
    case C::Lt:
    case C::Le: return taken ? Bounds{false, true} : Bounds{true, false};
    case C::Eq: return taken ? Bounds{true, true} : Bounds{};
    case C::Ne: return taken ? Bounds{} : Bounds{true, true};
  }
  return {};
}

void collect(const std::vector<Op>& ops, std::int32_t fn, Bounds b, std::vector<Edge>& out) {
  for (const Op& op : ops) {
    switch (op.kind) {
      case OpKind::Go:
        if (op.target >= 0) out.push_back({fn, op.target, &op, b.lower, b.upper});
        break;
      case OpKind::Repeat:
        collect(op.body, fn, b, out);
        break;
      case OpKind::If: {
        Bounds t = bounds_of(op.cond.cmp, true), f = bounds_of(op.cond.cmp, false);
        collect(op.body, fn, {b.lower || t.lower, b.upper || t.upper}, out);
        collect(op.else_body, fn, {b.lower || f.lower, b.upper || f.upper}, out);
        break;
      }
      case OpKind::Select:
        for (const SelectCase& c : op.cases) collect(c.body, fn, b, out);
        collect(op.else_body, fn, b, out);
        break;
      default:
        break;
    }
  }
}

// Strongly connected components of the spawn graph (Tarjan).
std::vector<std::int32_t> components(std::size_t n, const std::vector<Edge>& edges) {
  std::vector<std::vector<std::int32_t>> adj(n);
  for (const Edge& e : edges) adj[static_cast<std::size_t>(e.from)].push_back(e.to);
  std::vector<std::int32_t> index(n, -1), low(n, 0), comp(n, -1), stack;
  std::vector<bool> on_stack(n, false);
  std::int32_t next = 0, ncomp = 0;
  std::function<void(std::int32_t)> visit = [&](std::int32_t v) {
    auto vi = static_cast<std::size_t>(v);
    index[vi] = low[vi] = next++;
    stack.push_back(v);
    on_stack[vi] = true;
    for (std::int32_t w : adj[vi]) {
      auto wi = static_cast<std::size_t>(w);
      if (index[wi] < 0) {
        visit(w);
        low[vi] = std::min(low[vi], low[wi]);
      } else if (on_stack[wi]) {
        low[vi] = std::min(low[vi], index[wi]);
      }
    }
    if (low[vi] == index[vi]) {
      std::int32_t w;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[static_cast<std::size_t>(w)] = false;
        comp[static_cast<std::size_t>(w)] = ncomp;
      } while (w != v);
      ++ncomp;
    }
  };
  for (std::size_t v = 0; v < n; ++v) {
    if (index[v] < 0) visit(static_cast<std::int32_t>(v));
  }
  return comp;
}

// A cycle among `edges` (all inside one component), as the edges along it; empty if none.
std::vector<const Edge*> find_cycle(std::size_t n, const std::vector<const Edge*>& edges) {
  std::vector<std::vector<const Edge*>> adj(n);
  for (const Edge* e : edges) adj[static_cast<std::size_t>(e->from)].push_back(e);
  std::vector<int> state(n, 0);  // 0 new, 1 on path, 2 done
  std::vector<const Edge*> path;
  std::vector<const Edge*> cycle;
  std::function<bool(std::int32_t)> dfs = [&](std::int32_t v) {
    state[static_cast<std::size_t>(v)] = 1;
    for (const Edge* e : adj[static_cast<std::size_t>(v)]) {
      auto w = static_cast<std::size_t>(e->to);
      path.push_back(e);
      if (state[w] == 1) {
        // The cycle is the part of the path from the edge leaving e->to.
        auto start = std::find_if(path.begin(), path.end(), [&](const Edge* p) { return p->from == e->to; });
        cycle.assign(start, path.end());
        return true;
      }
      if (state[w] == 0 && dfs(e->to)) return true;
      path.pop_back();
    }
    state[static_cast<std::size_t>(v)] = 2;
    return false;
  };
  for (std::size_t v = 0; v < n; ++v) {
    if (state[v] == 0 && dfs(static_cast<std::int32_t>(v))) break;
  }
  return cycle;
}

}  // namespace

void check_recursion(const Scenario& s, std::string_view file, std::vector<Diagnostic>& errors) {
  const std::size_t n = s.functions.size();
  std::vector<Edge> edges;
  for (std::size_t f = 0; f < n; ++f) collect(s.functions[f].ops, static_cast<std::int32_t>(f), {}, edges);
  edges.erase(std::remove_if(edges.begin(), edges.end(),
                             [&](const Edge& e) { return static_cast<std::size_t>(e.to) >= n; }),
              edges.end());
  std::vector<std::int32_t> comp = components(n, edges);

  auto report = [&](const Op& op, std::string message) {
    errors.push_back({std::string(file), op.loc.line, op.loc.column, op.loc.path + "/go", std::move(message),
                      ""});
  };
  auto name = [&](std::int32_t f) { return s.functions[static_cast<std::size_t>(f)].name; };

  // Each component with an edge inside it is a set of mutually recursive functions.
  std::int32_t ncomp = n ? *std::max_element(comp.begin(), comp.end()) + 1 : 0;
  for (std::int32_t c = 0; c < ncomp; ++c) {
    std::vector<const Edge*> inner;
    for (const Edge& e : edges) {
      if (comp[static_cast<std::size_t>(e.from)] == c && comp[static_cast<std::size_t>(e.to)] == c) {
        inner.push_back(&e);
      }
    }
    if (inner.empty()) continue;
    // n must move one way only around the cycles, or one edge could undo another.
    bool fixed = false, down = false, up = false;
    for (const Edge* e : inner) {
      if (!e->op->arg.uses_n) {
        report(*e->op, fmt::format("recursive spawn of \"{}\" passes a fixed arg ({}): it restarts the "
                                   "recursion and never ends; pass \"n-1\" (or \"n+1\") instead",
                                   name(e->to), e->op->arg.k));
        fixed = true;
      } else if (e->op->arg.k < 0) {
        down = true;
      } else if (e->op->arg.k > 0) {
        up = true;
      }
    }
    if (fixed) continue;
    if (down && up) {
      for (const Edge* e : inner) {
        if (e->op->arg.k > 0) {
          report(*e->op, fmt::format("recursive spawns through \"{}\" both decrease and increase n, so their "
                                     "depth has no bound; make every recursive go use \"n-K\" (or every one "
                                     "\"n+K\")", name(e->from)));
          break;
        }
      }
      continue;
    }
    // Edges that move n towards a bound checked by an enclosing if end the
    // recursion; every cycle must contain one.
    std::vector<const Edge*> unbounded;
    for (const Edge* e : inner) {
      bool bounded = down ? (e->op->arg.k < 0 && e->lower_bound) : (e->op->arg.k > 0 && e->upper_bound);
      if (!bounded) unbounded.push_back(e);
    }
    std::vector<const Edge*> cycle = find_cycle(n, unbounded);
    if (cycle.empty()) continue;
    std::string chain = name(cycle.front()->from);
    for (const Edge* e : cycle) chain += " -> " + name(e->to);
    report(*cycle.front()->op,
           fmt::format("unbounded recursive spawn: {} can repeat forever. Every cycle of go ops needs a go "
                       "with arg \"n-K\" inside an if that bounds n from below (e.g. {{\"if\": \"n > 0\", "
                       "\"then\": [{{\"go\": \"{}\", \"arg\": \"n-1\"}}]}}), or \"n+K\" inside an upper bound",
                       chain, name(cycle.front()->to)));
  }
}

}  // namespace gosim::scenario
