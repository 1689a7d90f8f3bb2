// --valid_fraction: a validation set carved from `train` when the data plugin gives none.
#pragma once

#include <forge/data.hpp>

namespace forge {

// Moves round(fraction × size) rows of `train`, chosen by a generator seeded from `seed`
// alone, into a new `valid` set; both keep their rows in the original order. Throws
// Error(ExitCode::usage) when the fraction leaves either set empty.
void carve_validation_split(DataMap& data, double fraction, int64_t seed);

}  // namespace forge
