// The contract between forge and its plugins, torch-free: the plugin ABI version, flag
// declarations, the flag values a plugin reads, and the macros that export a plugin.
//
// A data plugin exports `load(const forge::Flags&) -> forge::DataMap`; a model plugin exports
// `load(const forge::Flags&, const forge::DataMap&) -> std::shared_ptr<forge::Model>`.
// See forge/data.hpp and forge/model.hpp, and plugins/ for complete examples.
#pragma once

#include <boost/config.hpp>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace forge {

// Bumped whenever a type that crosses the plugin boundary changes layout or meaning.
// forge refuses to load a plugin built for another version (it rebuilds from source instead
// when it has the source).
inline constexpr int plugin_abi_version = 5;

enum class FlagType { integer, real, text, boolean };

// One flag a plugin (or forge itself) declares: it becomes a `--name` command-line option,
// a key in config files, and a value saved with every run.
struct FlagSpec {
  std::string name;
  FlagType type;
  std::string default_value;  // as it would be written on the command line
  std::string help;
};

inline FlagSpec integer_flag(std::string name, long long value, std::string help) {
  return {std::move(name), FlagType::integer, std::to_string(value), std::move(help)};
}
inline FlagSpec real_flag(std::string name, std::string value, std::string help) {
  return {std::move(name), FlagType::real, std::move(value), std::move(help)};
}
inline FlagSpec text_flag(std::string name, std::string value, std::string help) {
  return {std::move(name), FlagType::text, std::move(value), std::move(help)};
}
inline FlagSpec bool_flag(std::string name, bool value, std::string help) {
  return {std::move(name), FlagType::boolean, value ? "true" : "false", std::move(help)};
}

// The resolved value of every flag, forge's and the plugins'. Values were type-checked
// when parsed, so the getters only fail for a name nobody declared.
class BOOST_SYMBOL_VISIBLE Flags {
 public:
  Flags() = default;
  explicit Flags(std::map<std::string, std::string> values) : values_(std::move(values)) {}

  bool has(const std::string& name) const { return values_.count(name) != 0; }
  const std::string& text(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) throw std::out_of_range("no flag named --" + name);
    return it->second;
  }
  long long integer(const std::string& name) const { return std::stoll(text(name)); }
  double real(const std::string& name) const { return std::stod(text(name)); }
  bool boolean(const std::string& name) const {
    const std::string& v = text(name);
    return v == "true" || v == "1" || v == "yes" || v == "on";
  }
  const std::map<std::string, std::string>& all() const { return values_; }
  void set(const std::string& name, std::string value) { values_[name] = std::move(value); }

 private:
  std::map<std::string, std::string> values_;
};

enum class PluginKind { data, model };

class DataMap;  // forge/data.hpp
class Model;    // forge/model.hpp

// The signatures of the two kinds of `load`; the plugin macros check them at compile time.
using DataLoadFunction = DataMap (*)(const Flags&);
using ModelLoadFunction = std::shared_ptr<Model> (*)(const Flags&, const DataMap&);
using FlagsFunction = std::vector<FlagSpec> (*)();

}  // namespace forge

// Exports `fn` under the symbol `name` as Boost.DLL's aliases do (a pointer variable that
// boost::dll::shared_library::get_alias reads). Unlike BOOST_DLL_ALIAS it takes the function's
// address outside the alias namespace, so the function may itself be called `load`.
#define FORGE_DETAIL_EXPORT_ALIAS(fn, name)                                                                      \
  static const auto forge_detail_target_##name = &fn;                                                            \
  namespace forge_exports {                                                                                      \
  extern "C" BOOST_SYMBOL_EXPORT const void* name;                                                               \
  const void* name = reinterpret_cast<const void*>(reinterpret_cast<std::intptr_t>(forge_detail_target_##name)); \
  }

// Exported identity of a plugin: the ABI it was built for and whether it is a data or a
// model plugin. forge reads these before it touches anything else in the library.
#define FORGE_PLUGIN_IDENTITY(kind_name, flags_fn)                                            \
  static_assert(std::is_same<decltype(&flags_fn), forge::FlagsFunction>::value,               \
                "a plugin's flags function must be: std::vector<forge::FlagSpec> flags()");   \
  extern "C" BOOST_SYMBOL_EXPORT int forge_plugin_abi() { return forge::plugin_abi_version; } \
  extern "C" BOOST_SYMBOL_EXPORT const char* forge_plugin_kind() { return #kind_name; }       \
  FORGE_DETAIL_EXPORT_ALIAS(flags_fn, forge_flags)

// Exports the plugin's `load` entry point.
#define FORGE_PLUGIN_LOAD(load_fn) FORGE_DETAIL_EXPORT_ALIAS(load_fn, load)

// The usual way to declare a plugin: its flags and its load function.
#define FORGE_DATA_PLUGIN(flags_fn, load_fn)                                               \
  static_assert(std::is_same<decltype(&load_fn), forge::DataLoadFunction>::value,          \
                "a data plugin's load must be: forge::DataMap load(const forge::Flags&)"); \
  FORGE_PLUGIN_IDENTITY(data, flags_fn)                                                    \
  FORGE_PLUGIN_LOAD(load_fn)
#define FORGE_MODEL_PLUGIN(flags_fn, load_fn)                                      \
  static_assert(std::is_same<decltype(&load_fn), forge::ModelLoadFunction>::value, \
                "a model plugin's load must be: std::shared_ptr<forge::Model> "    \
                "load(const forge::Flags&, const forge::DataMap&)");               \
  FORGE_PLUGIN_IDENTITY(model, flags_fn)                                           \
  FORGE_PLUGIN_LOAD(load_fn)
