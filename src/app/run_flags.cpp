#include "app/run_flags.hpp"

#include "app/train_flags.hpp"
#include "runs/manifest.hpp"
#include "runs/run_files.hpp"

namespace forge {

FlagSet train_flag_set(const PreparedPlugin& data, const PreparedPlugin& model) {
  FlagSet set = forge_flag_set();
  set.declare(data.loaded.flags, plugin_label(data));
  set.declare(model.loaded.flags, plugin_label(model));
  return set;
}

Flags read_saved_flags(const std::string& run_dir) {
  json saved = read_json(flags_file(run_dir));
  Flags flags;
  for (const auto& spec : train_flags()) flags.set(spec.name, spec.default_value);
  for (const auto& [name, value] : saved.items())
    flags.set(name, value.is_string() ? value.get<std::string>() : value.dump());
  return flags;
}

void write_saved_flags(const std::string& run_dir, const FlagSet& set, const Flags& flags) {
  write_json_atomically(flags_file(run_dir), flags_to_json(set, flags));
}

json flags_to_json(const FlagSet& set, const Flags& flags) {
  json out = json::object();
  for (const auto& [name, text] : flags.all()) {
    switch (set.spec(name).type) {
      case FlagType::integer:
        out[name] = std::stoll(text);
        break;
      case FlagType::real:
        out[name] = std::stod(text);
        break;
      case FlagType::boolean:
        out[name] = flags.boolean(name);
        break;
      case FlagType::text:
        out[name] = text;
        break;
    }
  }
  return out;
}

}  // namespace forge
