// forge compile: build a plugin source into the cache and print the library's path.
#include "cli/command_help.hpp"
#include "cli/commands.hpp"
#include "plugin_host/plugin_compiler.hpp"
#include "plugin_host/plugin_resolver.hpp"

#include <forge/error.hpp>

#include <chrono>
#include <iostream>

namespace forge {

namespace {

const char* usage =
    "usage: forge compile SOURCE.cpp\n"
    "Compiles a plugin into forge's cache (or finds it there) and prints the library's path;\n"
    "says on stderr how long that took.\n";

}  // namespace

int compile_command(const Args& args) {
  FlagSet syntax("compile");
  syntax.take_operands({"SOURCE.cpp"}, 1);
  const std::optional<CommandLine> line = read_command_line(args, usage, syntax);
  if (!line) return 0;
  std::string source = resolve_plugin(line->operands[0]);
  if (!is_plugin_source(source)) throw Error(ExitCode::usage, source + " is not a C++ source (.cpp, .cc or .cxx)");
  auto started = std::chrono::steady_clock::now();
  CompiledPlugin compiled = compile_plugin(source);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cerr << (compiled.from_cache ? "cached build found in " : "compiled in ") << seconds << " s\n";
  std::cout << compiled.library << std::endl;
  return 0;
}

}  // namespace forge
