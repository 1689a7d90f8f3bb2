// Numbers read out of names (a checkpoint's step, a run's number, a temporary file's pid): one
// strict parser, so that no name forge reads can throw out of range or slip a sign past it.
#pragma once

#include <cstdint>
#include <string>

namespace forge {

// The number that `text` spells in decimal digits alone (no sign, space or suffix), when it is
// at most `largest`; -1 otherwise.
int64_t parse_decimal(const std::string& text, int64_t largest);

}  // namespace forge
