#include "train/callback_list.hpp"

#include "core/plain_name.hpp"

#include <forge/error.hpp>

#include <spdlog/spdlog.h>

#include <set>

namespace forge {

CallbackList::CallbackList(std::vector<std::shared_ptr<Callback>> callbacks) : callbacks_(std::move(callbacks)) {
  std::set<std::string> names;
  for (const auto& callback : callbacks_) {
    if (!callback) throw Error(ExitCode::plugin, "the model's callbacks() returned a null callback");
    const std::string name = callback->name();
    if (!is_plain_name(name))
      throw Error(ExitCode::plugin, "a callback is named '" + name +
                                        "': a callback's name keys its state in checkpoints, so it must be 1 to 64 " +
                                        "letters, digits, '_' and '-'");
    if (!names.insert(name).second)
      throw Error(ExitCode::plugin, "two callbacks are named '" + name +
                                        "' (forge's own are ema, keep_best, early_stopping, learning_rates and " +
                                        "progress_bar): each needs a name of its own");
  }
}

void CallbackList::restore(const std::map<std::string, CallbackState>& saved) {
  std::set<std::string> taken;
  for (const auto& callback : callbacks_) {
    auto found = saved.find(callback->name());
    if (found == saved.end()) continue;
    callback->load_state(found->second);
    taken.insert(found->first);
  }
  for (const auto& [name, state] : saved)
    if (!taken.count(name)) spdlog::info("the checkpoint's state of callback '{}' is dropped: this run has none", name);
}

std::map<std::string, CallbackState> CallbackList::states() const {
  std::map<std::string, CallbackState> out;
  for (const auto& callback : callbacks_) {
    CallbackState state = callback->state();
    if (!state.empty()) out[callback->name()] = std::move(state);
  }
  return out;
}

}  // namespace forge
