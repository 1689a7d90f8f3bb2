// A search's space: the train flags a search varies and how. Written as the flag's value on the
// command line or in a --config file, which is how a search tells them from fixed flags:
//   --lr loguniform:1e-4:1e-1   --dropout uniform:0:0.5   --n_hidden int:32:256
//   --batch_size logint:16:256  --optimizer choice:adam,sgd
// Every sampler works in the unit cube: coordinate u in [0, 1) of a dimension becomes a value
// (log-scaled dimensions are uniform in the log of the value), so samplers know nothing of flags.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace forge {

enum class DimensionKind { uniform, loguniform, integer, log_integer, choice };

struct Dimension {
  std::string flag;  // without "--"
  DimensionKind kind;
  double low = 0, high = 0;          // the numeric kinds: low <= value <= high
  std::vector<std::string> choices;  // choice

  bool is_log() const { return kind == DimensionKind::loguniform || kind == DimensionKind::log_integer; }
  bool is_categorical() const { return kind == DimensionKind::choice; }
  // The value at unit coordinate u in [0, 1), as the flag's text ("0.00316", "128", "adam").
  std::string value_at(double u) const;
  // The unit coordinate of a value this dimension produced (its choice's index for a choice).
  double unit_of(const std::string& value) const;
  // `value` as this numeric dimension writes its values: inside [low, high], whole for the integer
  // kinds, to 4 significant digits otherwise.
  std::string clamped_text(double value) const;
  // How many values the dimension can take; 0 for a continuous one.
  size_t count() const;
  // "loguniform:1e-4:1e-1", as written.
  std::string text() const;
};

// The dimension written as `value` for `flag`, or nullopt when `value` is a plain value (a fixed
// flag). Throws Error(ExitCode::usage) naming the flag for a space that cannot be searched: an
// unknown kind, missing or extra bounds, bounds that are no numbers, an empty or inverted range,
// a log scale over a non-positive bound, integer bounds that are not whole, an empty choice.
std::optional<Dimension> parse_dimension(const std::string& flag, const std::string& value);

// Whether `value` is written as a space (starts with a kind and a colon).
bool looks_like_dimension(const std::string& value);

}  // namespace forge
