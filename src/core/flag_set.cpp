#include "core/flag_set.hpp"

#include "core/suggest.hpp"

#include <forge/error.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>
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

// A switch takes the next argument as its value only when it is spelled out: "1" or "no"
// could be a run folder (cd checkpoints/mlp; forge eval --force 1).
bool is_switch_value(const std::string& v) { return v == "true" || v == "false"; }

}  // namespace

void FlagSet::declare(const std::vector<FlagSpec>& specs, const std::string& owner) {
  for (const auto& spec : specs) {
    if (const Declared* d = find(spec.name))
      throw Error(ExitCode::plugin, "flag --" + spec.name + " of " + owner + " is already declared by " + d->owner +
                                        "; rename it in the plugin");
    declared_.push_back({spec, owner});
  }
}

void FlagSet::add_short_name(char letter, const std::string& flag) {
  for (auto& d : declared_)
    if (d.spec.name == flag) d.short_name = letter;
}

void FlagSet::take_operands(std::vector<std::string> names, size_t required) {
  operand_names_ = std::move(names);
  required_operands_ = std::min(required, operand_names_.size());
}

void FlagSet::set_defaults(const Flags& values) {
  for (auto& d : declared_)
    if (values.has(d.spec.name)) d.spec.default_value = values.text(d.spec.name);
}

const FlagSet::Declared* FlagSet::find(const std::string& name) const {
  for (const auto& d : declared_)
    if (d.spec.name == name) return &d;
  return nullptr;
}

const FlagSet::Declared* FlagSet::find_short(char letter) const {
  for (const auto& d : declared_)
    if (d.short_name == letter) return &d;
  return nullptr;
}

bool FlagSet::declares(const std::string& name) const { return find(name) != nullptr; }

const FlagSpec& FlagSet::spec(const std::string& name) const {
  if (const Declared* d = find(name)) return d->spec;
  unknown_flag("--" + name);
}

std::vector<std::string> FlagSet::names() const {
  std::vector<std::string> out;
  for (const auto& d : declared_) out.push_back(d.spec.name);
  return out;
}

void FlagSet::unknown_flag(const std::string& typed) const {
  const std::string bare =
      typed.substr(typed.find_first_not_of('-') == std::string::npos ? typed.size() : typed.find_first_not_of('-'));
  std::string message = "unknown flag " + typed;
  std::string suggestion = closest_name(bare, names());
  if (!suggestion.empty())
    message += "; did you mean --" + suggestion + "?";
  else
    message += " for forge " + command_ + "; see forge " + command_ + " --help";
  throw Error(ExitCode::usage, message);
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

CommandLine FlagSet::parse_command_line(const std::vector<std::string>& args, const std::string& config_file) const {
  CommandLine line;
  for (const auto& arg : args)
    if (arg == "--help" || arg == "-h") {
      line.help = true;
      return line;
    }
  const std::string see = "; see forge " + command_ + " --help";
  std::map<std::string, std::string> given;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool is_long = arg.size() > 2 && arg.compare(0, 2, "--") == 0;
    const bool is_short = arg.size() == 2 && arg[0] == '-' && arg[1] != '-' && !std::isdigit((unsigned char)arg[1]);
    if (!is_long && !is_short) {  // an operand
      const bool last_repeats = !operand_names_.empty() && operand_names_.back().size() > 3 &&
                                operand_names_.back().compare(operand_names_.back().size() - 3, 3, "...") == 0;
      if (line.operands.size() < operand_names_.size() || last_repeats)
        line.operands.push_back(arg);
      else if (forwards_undeclared_)
        line.forwarded.push_back(arg);
      else if (operand_names_.empty())
        throw Error(ExitCode::usage, "unexpected argument '" + arg + "'; flags are written --name value" + see);
      else
        throw Error(ExitCode::usage, "unexpected argument '" + arg + "': forge " + command_ + " takes " +
                                         std::to_string(operand_names_.size()) + " operand(s) (" +
                                         operand_names_.front() + (operand_names_.size() > 1 ? "…" : "") + ")" + see);
      continue;
    }
    const size_t equals = is_long ? arg.find('=') : std::string::npos;
    const std::string written = arg.substr(0, equals);
    const Declared* declared = is_long ? find(written.substr(2)) : find_short(arg[1]);
    if (!declared) {
      if (!forwards_undeclared_) unknown_flag(written);
      line.forwarded.push_back(arg);
      continue;
    }
    const FlagSpec& spec = declared->spec;
    std::string value;
    if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (spec.type == FlagType::boolean) {
      value = i + 1 < args.size() && is_switch_value(args[i + 1]) ? args[++i] : "true";
    } else {
      // The next argument, whatever it starts with ("--sort -accuracy", "--lr -1" for its
      // range check to refuse), unless it is another --flag.
      if (i + 1 == args.size() || args[i + 1].compare(0, 2, "--") == 0)
        throw Error(ExitCode::usage, written + " needs a value" + see);
      value = args[++i];
    }
    if (!given.emplace(spec.name, normalise(spec.name, value)).second)
      throw Error(ExitCode::usage, "flag --" + spec.name + " is given more than once");
  }
  if (line.operands.size() < required_operands_)
    throw Error(ExitCode::usage, "forge " + command_ + " needs " + operand_names_[line.operands.size()] + see);
  if (!config_file.empty()) read_config_file(config_file, given);
  for (const auto& d : declared_) {
    auto value = given.find(d.spec.name);
    line.flags.set(d.spec.name, value == given.end() ? d.spec.default_value : value->second);
  }
  return line;
}

Flags FlagSet::parse(const std::vector<std::string>& args, const std::string& config_file) const {
  return parse_command_line(args, config_file).flags;
}

// The flags of `config_file` that the command line left out, into `given`.
void FlagSet::read_config_file(const std::string& config_file, std::map<std::string, std::string>& given) const {
  po::options_description description;
  for (const auto& d : declared_) description.add_options()(d.spec.name.c_str(), po::value<std::string>());
  std::ifstream config(config_file);
  if (!config) throw Error(ExitCode::usage, "cannot read config file " + config_file);
  po::variables_map read;
  try {
    po::store(po::parse_config_file(config, description), read);
  } catch (const po::unknown_option& e) {
    std::string name = e.get_option_name();
    name.erase(0, name.find_first_not_of('-'));
    try {
      unknown_flag("--" + name);
    } catch (const Error& unknown) {
      throw Error(ExitCode::usage, std::string(unknown.what()) + " (in " + config_file + ")");
    }
  } catch (const po::multiple_occurrences& e) {
    throw Error(ExitCode::usage, "flag " + e.get_option_name() + " is given more than once in " + config_file);
  } catch (const po::error& e) {
    throw Error(ExitCode::usage, "config file " + config_file + ": " + e.what());
  }
  for (const auto& [name, value] : read) given.emplace(name, normalise(name, value.as<std::string>()));
}

std::string FlagSet::help() const {
  std::ostringstream out;
  std::string owner;
  for (const auto& d : declared_) {
    if (d.owner != owner) {
      owner = d.owner;
      out << "\n" << owner << " flags:\n";
    }
    std::string left = "  --" + d.spec.name + (d.short_name ? std::string(", -") + d.short_name : "") + " <" +
                       type_name(d.spec.type) + ">";
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

std::vector<std::pair<std::string, std::string>> config_entries(const std::string& config_file) {
  std::ifstream config(config_file);
  if (!config) throw Error(ExitCode::usage, "cannot read config file " + config_file);
  std::vector<std::pair<std::string, std::string>> entries;
  try {
    for (const auto& option : po::parse_config_file(config, po::options_description(), true).options)
      entries.emplace_back(option.string_key, option.value.empty() ? "" : option.value.front());
  } catch (const po::error& e) {
    throw Error(ExitCode::usage, "config file " + config_file + ": " + e.what());
  }
  return entries;
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
