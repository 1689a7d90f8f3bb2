#include "core/flag_set.hpp"

#include "core/suggest.hpp"

#include <forge/error.hpp>

#include <boost/program_options.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

namespace po = boost::program_options;

namespace forge {
namespace {

const char* type_name(FlagType type) {
  switch (type) {
    case FlagType::integer:
      return "integer";
    case FlagType::real:
      return "number";
    case FlagType::text:
      return "text";
    case FlagType::boolean:
      return "true|false";
  }
  return "?";
}

const char* expected(FlagType type) {
  switch (type) {
    case FlagType::integer:
      return "an integer";
    case FlagType::real:
      return "a number";
    case FlagType::text:
      return "text";
    case FlagType::boolean:
      return "true or false";
  }
  return "?";
}

bool parses_as_integer(const std::string& v) {
  try {
    size_t used = 0;
    std::stoll(v, &used);
    return used == v.size();
  } catch (const std::exception&) {
    return false;
  }
}

bool parses_as_real(const std::string& v) {
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    return used == v.size() && std::isfinite(d);
  } catch (const std::exception&) {
    return false;
  }
}

std::string strip_dashes(std::string name) {
  name.erase(0, name.find_first_not_of('-'));
  auto eq = name.find('=');
  return eq == std::string::npos ? name : name.substr(0, eq);
}

[[noreturn]] void unknown_flag(const std::string& typed, const std::vector<std::string>& known) {
  std::string message = "unknown flag --" + typed;
  std::string suggestion = closest_name(typed, known);
  if (!suggestion.empty())
    message += "; did you mean --" + suggestion + "?";
  else
    message += "; see --help for the flags forge and the plugins accept";
  throw Error(ExitCode::usage, message);
}

}  // namespace

void FlagSet::declare(const std::vector<FlagSpec>& specs, const std::string& owner) {
  for (const auto& spec : specs) {
    for (const auto& d : declared_)
      if (d.spec.name == spec.name)
        throw Error(ExitCode::plugin, "flag --" + spec.name + " of " + owner + " is already declared by " + d.owner +
                                          "; rename it in the plugin");
    declared_.push_back({spec, owner});
  }
}

void FlagSet::set_defaults(const Flags& values) {
  for (auto& d : declared_)
    if (values.has(d.spec.name)) d.spec.default_value = values.text(d.spec.name);
}

bool FlagSet::declares(const std::string& name) const {
  for (const auto& d : declared_)
    if (d.spec.name == name) return true;
  return false;
}

const FlagSpec& FlagSet::spec(const std::string& name) const {
  for (const auto& d : declared_)
    if (d.spec.name == name) return d.spec;
  unknown_flag(name, names());
}

std::vector<std::string> FlagSet::names() const {
  std::vector<std::string> out;
  for (const auto& d : declared_) out.push_back(d.spec.name);
  return out;
}

std::string FlagSet::normalise(const std::string& name, const std::string& value) const {
  const FlagSpec& s = spec(name);
  auto wrong = [&] {
    return Error(ExitCode::usage, "invalid value '" + value + "' for --" + name + ": expected " + expected(s.type));
  };
  switch (s.type) {
    case FlagType::integer:
      if (!parses_as_integer(value)) throw wrong();
      return std::to_string(std::stoll(value));
    case FlagType::real:
      if (!parses_as_real(value)) throw wrong();
      return value;
    case FlagType::boolean:
      if (value == "true" || value == "1" || value == "yes" || value == "on") return "true";
      if (value == "false" || value == "0" || value == "no" || value == "off") return "false";
      throw wrong();
    case FlagType::text:
      return value;
  }
  return value;
}

Flags FlagSet::parse(const std::vector<std::string>& args, const std::string& config_file) const {
  po::options_description description;
  for (const auto& d : declared_) {
    auto* semantic = po::value<std::string>();
    if (d.spec.type == FlagType::boolean) semantic->implicit_value("true");
    description.add_options()(d.spec.name.c_str(), semantic, d.spec.help.c_str());
  }
  po::variables_map given;
  try {
    // No abbreviations: "--n_hid" must not silently mean "--n_hidden".
    auto style = po::command_line_style::unix_style ^ po::command_line_style::allow_guessing;
    po::positional_options_description no_positionals;
    po::store(po::command_line_parser(args).options(description).positional(no_positionals).style(style).run(), given);
    if (!config_file.empty()) {
      std::ifstream config(config_file);
      if (!config) throw Error(ExitCode::usage, "cannot read config file " + config_file);
      po::store(po::parse_config_file(config, description), given);
    }
  } catch (const po::unknown_option& e) {
    unknown_flag(strip_dashes(e.get_option_name()), names());
  } catch (const po::multiple_occurrences& e) {
    throw Error(ExitCode::usage, "flag " + e.get_option_name() + " is given more than once");
  } catch (const po::too_many_positional_options_error&) {
    throw Error(ExitCode::usage, "unexpected argument; flags are written --name value");
  } catch (const po::error& e) {
    throw Error(ExitCode::usage, std::string(e.what()) +
                                     (config_file.empty() ? "" : " (in " + config_file + " or on the command line)"));
  }
  Flags flags;
  for (const auto& d : declared_) {
    const std::string& name = d.spec.name;
    flags.set(name, given.count(name) ? normalise(name, given[name].as<std::string>()) : d.spec.default_value);
  }
  return flags;
}

std::string FlagSet::help() const {
  std::ostringstream out;
  std::string owner;
  for (const auto& d : declared_) {
    if (d.owner != owner) {
      owner = d.owner;
      out << "\n" << owner << " flags:\n";
    }
    std::string left = "  --" + d.spec.name + " <" + type_name(d.spec.type) + ">";
    out << left << std::string(left.size() < 34 ? 34 - left.size() : 1, ' ') << d.spec.help;
    if (!d.spec.default_value.empty()) out << " (default: " << d.spec.default_value << ")";
    out << "\n";
  }
  return out.str();
}

std::string find_flag_value(const std::vector<std::string>& args, const std::string& name) {
  const std::string bare = "--" + name, with_value = bare + "=";
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == bare && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind(with_value, 0) == 0) return args[i].substr(with_value.size());
  }
  return "";
}

std::string find_config_value(const std::string& config_file, const std::string& name) {
  std::ifstream config(config_file);
  if (!config) throw Error(ExitCode::usage, "cannot read config file " + config_file);
  po::options_description wanted;
  wanted.add_options()(name.c_str(), po::value<std::string>());
  po::variables_map found;
  try {
    po::store(po::parse_config_file(config, wanted, /*allow_unregistered=*/true), found);
  } catch (const po::error& e) {
    throw Error(ExitCode::usage, "config file " + config_file + ": " + e.what());
  }
  return found.count(name) ? found[name].as<std::string>() : "";
}

bool switch_given(const std::vector<std::string>& args, const std::string& name) {
  const std::string bare = "--" + name, with_value = bare + "=";
  auto on = [](const std::string& value) { return value == "true" || value == "1" || value == "yes"; };
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == bare) return i + 1 == args.size() || args[i + 1].rfind("-", 0) == 0 || on(args[i + 1]);
    if (args[i].rfind(with_value, 0) == 0) return on(args[i].substr(with_value.size()));
  }
  return false;
}

std::string given_or_configured(const std::vector<std::string>& args, const std::string& name) {
  std::string value = find_flag_value(args, name);
  const std::string config = find_flag_value(args, "config");
  if (value.empty() && !config.empty()) value = find_config_value(config, name);
  return value;
}

}  // namespace forge
