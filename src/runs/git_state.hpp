// The state of the git repository a plugin source lives in, recorded with each run so the
// exact code can be found again: the commit and the uncommitted diff.
#pragma once

#include <string>

namespace forge {

struct GitState {
  bool in_repository = false;
  std::string root;    // top folder of the repository
  std::string commit;  // HEAD, 40 hex digits ("" in a repository without commits)
  std::string diff;    // `git diff HEAD`: uncommitted changes to tracked files
};

// Asks git about the repository holding `dir`; in_repository is false when there is none or
// git is not installed.
GitState git_state(const std::string& dir);

}  // namespace forge
