// "Did you mean ...?" for misspelt keys and names.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gosim::scenario {

// Edit distance with adjacent transpositions (optimal string alignment), so
// "capcaity" is one edit from "capacity". Case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, if it is close enough to be a plausible
// typo (at most max(1, len/3) edits, 2 for words of 5+ letters at least), or
// one of them ends with "." + word ("spawn" -> "costs.spawn"). Ties go to the
// earlier candidate.
std::optional<std::string> suggest(std::string_view word, const std::vector<std::string>& candidates);

// `did you mean "x"?`, or "" if nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace gosim::scenario
