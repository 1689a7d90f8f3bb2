// The run's callbacks (forge/callback.hpp) in the order they are called: forge's own, then the
// model's. Checks their names, gives each its saved state and gathers their states for a
// checkpoint.
#pragma once

#include <forge/callback.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace forge {

class CallbackList {
 public:
  CallbackList() = default;
  // Throws Error(ExitCode::plugin) for a null callback, a name that is not 1 to 64 letters,
  // digits, '_' and '-', or a name taken twice (a model's callback named like one of forge's).
  explicit CallbackList(std::vector<std::shared_ptr<Callback>> callbacks);

  // Gives each callback the state a checkpoint holds of it (one it holds nothing of starts
  // afresh); the state of a callback this run lacks is dropped, with a line saying so.
  void restore(const std::map<std::string, CallbackState>& saved);
  // Every callback's state, by name (none for those whose state is empty).
  std::map<std::string, CallbackState> states() const;

  // Calls `moment` on each in order.
  template <class Moment>
  void each(Moment moment) {
    for (const auto& callback : callbacks_) moment(*callback);
  }

 private:
  std::vector<std::shared_ptr<Callback>> callbacks_;
};

}  // namespace forge
