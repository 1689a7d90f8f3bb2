// "Did you mean ...?" for mistyped names.
#pragma once

#include <string>
#include <vector>

namespace forge {

// Levenshtein distance between two strings.
size_t edit_distance(const std::string& a, const std::string& b);

// The known name closest to `typed`, or "" when none is close enough to be a plausible typo.
std::string closest_name(const std::string& typed, const std::vector<std::string>& known);

}  // namespace forge
