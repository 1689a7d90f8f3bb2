#include "search/search_space.hpp"

#include <forge/error.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace forge {
namespace {

const std::vector<std::pair<std::string, DimensionKind>> kinds{{"uniform", DimensionKind::uniform},
                                                               {"loguniform", DimensionKind::loguniform},
                                                               {"int", DimensionKind::integer},
                                                               {"logint", DimensionKind::log_integer},
                                                               {"choice", DimensionKind::choice}};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.push_back("");
  return parts;
}

// Shortest text that reads back as the same double ("0.001", "3.1622776601683794e-05").
std::string number_text(double value) {
  char text[64];
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

// `value` to 4 significant digits (what a person would write), kept inside [low, high].
std::string readable(double value, double low, double high) {
  char text[64];
  std::snprintf(text, sizeof text, "%.4g", value);
  return number_text(std::clamp(std::strtod(text, nullptr), low, high));
}

}  // namespace

bool looks_like_dimension(const std::string& value) {
  const auto colon = value.find(':');
  if (colon == std::string::npos) return false;
  const std::string kind = value.substr(0, colon);
  return std::any_of(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == kind; });
}

std::optional<Dimension> parse_dimension(const std::string& flag, const std::string& value) {
  if (!looks_like_dimension(value)) return std::nullopt;
  const std::string kind = value.substr(0, value.find(':')), rest = value.substr(value.find(':') + 1);
  Dimension d{flag, std::find_if(kinds.begin(), kinds.end(), [&](const auto& k) { return k.first == kind; })->second};
  auto bad = [&](const std::string& why) {
    return Error(ExitCode::usage, "the space --" + flag + " " + value + " " + why);
  };
  if (d.kind == DimensionKind::choice) {
    d.choices = split(rest, ',');
    if (d.choices.empty() || std::any_of(d.choices.begin(), d.choices.end(), [](auto& c) { return c.empty(); }))
      throw bad("has an empty choice; write choice:A,B,...");
    for (size_t i = 0; i < d.choices.size(); ++i)
      if (std::find(d.choices.begin(), d.choices.begin() + long(i), d.choices[i]) != d.choices.begin() + long(i))
        throw bad("names " + d.choices[i] + " twice");
    return d;
  }
  const std::vector<std::string> bounds = split(rest, ':');
  if (bounds.size() != 2) throw bad("needs two bounds; write " + kind + ":LOW:HIGH");
  double parsed[2];
  for (int i = 0; i < 2; ++i) {
    char* end = nullptr;
    parsed[i] = std::strtod(bounds[size_t(i)].c_str(), &end);
    if (bounds[size_t(i)].empty() || *end != '\0' || !std::isfinite(parsed[i]))
      throw bad("has a bound that is no number: '" + bounds[size_t(i)] + "'");
  }
  d.low = parsed[0];
  d.high = parsed[1];
  if (!(d.low < d.high)) throw bad("is an empty or inverted range (LOW must be below HIGH)");
  if (d.is_log() && d.low <= 0) throw bad("takes the log of a bound that is not positive");
  const bool integral = d.kind == DimensionKind::integer || d.kind == DimensionKind::log_integer;
  if (integral && (d.low != std::floor(d.low) || d.high != std::floor(d.high)))
    throw bad("has bounds that are not whole numbers");
  return d;
}

std::string Dimension::value_at(double u) const {
  u = std::clamp(u, 0.0, std::nextafter(1.0, 0.0));
  switch (kind) {
    case DimensionKind::choice:
      return choices[std::min(choices.size() - 1, size_t(u * double(choices.size())))];
    case DimensionKind::uniform:
      return readable(low + u * (high - low), low, high);
    case DimensionKind::loguniform:
      return readable(std::exp(std::log(low) + u * (std::log(high) - std::log(low))), low, high);
    case DimensionKind::integer:  // each of the high - low + 1 values an equal share of [0, 1)
      return std::to_string(int64_t(low) + std::min(int64_t(high - low), int64_t(u * (high - low + 1))));
    case DimensionKind::log_integer: {  // uniform in log over [low - 0.5, high + 0.5), then rounded
      const double a = std::log(low - 0.5 > 0 ? low - 0.5 : low), b = std::log(high + 0.5);
      const double v = std::round(std::exp(a + u * (b - a)));
      return std::to_string(int64_t(std::clamp(v, low, high)));
    }
  }
  return "";
}

double Dimension::unit_of(const std::string& value) const {
  switch (kind) {
    case DimensionKind::choice: {
      const auto it = std::find(choices.begin(), choices.end(), value);
      return (double(it - choices.begin()) + 0.5) / double(choices.size());
    }
    case DimensionKind::uniform:
      return (std::strtod(value.c_str(), nullptr) - low) / (high - low);
    case DimensionKind::loguniform:
      return (std::log(std::strtod(value.c_str(), nullptr)) - std::log(low)) / (std::log(high) - std::log(low));
    case DimensionKind::integer:
      return (std::strtod(value.c_str(), nullptr) - low + 0.5) / (high - low + 1);
    case DimensionKind::log_integer: {
      const double a = std::log(low - 0.5 > 0 ? low - 0.5 : low), b = std::log(high + 0.5);
      return (std::log(std::strtod(value.c_str(), nullptr)) - a) / (b - a);
    }
  }
  return 0;
}

std::string Dimension::clamped_text(double value) const {
  if (kind == DimensionKind::integer || kind == DimensionKind::log_integer)
    return std::to_string(int64_t(std::clamp(std::round(value), low, high)));
  return readable(value, low, high);
}

size_t Dimension::count() const {
  if (kind == DimensionKind::choice) return choices.size();
  if (kind == DimensionKind::integer || kind == DimensionKind::log_integer) return size_t(high - low + 1);
  return 0;
}

std::string Dimension::text() const {
  for (const auto& [name, k] : kinds)
    if (k == kind) {
      if (kind != DimensionKind::choice) return name + ":" + number_text(low) + ":" + number_text(high);
      std::string list;
      for (const auto& c : choices) list += (list.empty() ? "" : ",") + c;
      return name + ":" + list;
    }
  return "";
}

}  // namespace forge
