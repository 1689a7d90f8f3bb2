#include "runs/git_state.hpp"

#include "core/process.hpp"

namespace forge {
namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

GitState git_state(const std::string& dir) {
  GitState state;
  ProcessResult root = run_process({"git", "-C", dir, "rev-parse", "--show-toplevel"});
  if (root.exit_status != 0) return state;
  state.in_repository = true;
  state.root = trimmed(root.output);
  ProcessResult head = run_process({"git", "-C", dir, "rev-parse", "--verify", "-q", "HEAD"});
  if (head.exit_status == 0) {
    state.commit = trimmed(head.output);
    state.diff = run_process({"git", "-C", dir, "diff", "HEAD"}).output;
  }
  return state;
}

}  // namespace forge
