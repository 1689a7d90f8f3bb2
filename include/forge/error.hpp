// forge's one error type. Code inside forge throws forge::Error with the exit code the CLI
// will return, and so does the public API (forge/run.hpp); exceptions from libtorch, Boost and
// plugins are caught where they cross into forge and rethrown as an Error that names the thing at fault.
#pragma once

#include <stdexcept>
#include <string>

namespace forge {

// Exit codes of the forge executable (documented in `forge --help`, whose list docs/reference/exit-codes.md
// and the man pages are generated from).
enum class ExitCode : int {
  ok = 0,
  failure = 1,        // training or evaluation failed at run time
  usage = 2,          // unknown flag, bad value, missing argument
  compile = 3,        // a plugin source did not compile
  plugin = 4,         // plugin missing, not a plugin, wrong kind, no load, ABI mismatch
  run = 5,            // not a run folder, no checkpoint, corrupt checkpoint
  data = 6,           // a data plugin could not load its data
  interrupted = 130,  // SIGINT (143 for SIGTERM)
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace forge
