// forge's own flags: the table `forge train` declares beside the plugins' flags, which every
// saved run's flags.json is read against.
#pragma once

#include "core/flag_set.hpp"

#include <vector>

namespace forge {

// The flags of `forge train` itself, in the order --help lists them.
std::vector<FlagSpec> train_flags();

// A parser of forge's flags alone (declared by "forge"): --help before the plugins are known.
FlagSet forge_flag_set();

}  // namespace forge
