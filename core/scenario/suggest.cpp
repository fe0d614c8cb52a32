#include "scenario/suggest.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace gosim::scenario {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  const std::size_t n = a.size(), m = b.size();
  // Three rows suffice: the transposition looks two rows back.
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1])) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

std::optional<std::string> suggest(std::string_view word, const std::vector<std::string>& candidates) {
  if (word.empty() || word.size() > 256) return std::nullopt;  // long garbage is no typo
  const std::string* best = nullptr;
  std::size_t best_distance = 0;
  for (const std::string& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (!best || d < best_distance) {
      best = &c;
      best_distance = d;
    }
  }
  std::size_t allowed = std::max<std::size_t>(word.size() >= 5 ? 2 : 1, word.size() / 3);
  if (best && best_distance <= allowed && best_distance < std::max(word.size(), best->size())) {
    return *best;
  }
  // A key written without its section: "spawn" for "costs.spawn".
  for (const std::string& c : candidates) {
    if (c.size() > word.size() + 1 && c.ends_with(word) && c[c.size() - word.size() - 1] == '.') {
      return c;
    }
  }
  return std::nullopt;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  auto s = suggest(word, candidates);
  return s ? fmt::format("did you mean \"{}\"?", *s) : std::string();
}

}  // namespace gosim::scenario
