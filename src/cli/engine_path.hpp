// Where `forge` finds `forge-engine`, the executable that runs the commands needing libtorch.
#pragma once

#include <string>

namespace forge {

// forge-engine beside the running executable (the build tree), or in ../lib/forge (an
// installed prefix). Throws forge::Error when neither exists.
std::string engine_path();

// Replaces this process with forge-engine, given the same arguments (argv[0] included), so
// the process id, terminal and signals stay the user's. Returns only by throwing.
[[noreturn]] void exec_engine(char** argv);

}  // namespace forge
