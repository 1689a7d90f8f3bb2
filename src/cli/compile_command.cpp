// forge compile: build a plugin source into the cache and print the library's path.
#include "cli/commands.hpp"
#include "plugin_host/plugin_compiler.hpp"
#include "plugin_host/plugin_resolver.hpp"

#include <forge/error.hpp>

#include <chrono>
#include <iostream>

namespace forge {

int compile_command(const Args& args) {
  if (args.size() != 1 || args[0] == "--help" || args[0] == "-h") {
    std::cout << "usage: forge compile SOURCE.cpp\n"
                 "Compiles a plugin into forge's cache (or finds it there) and prints the library's path;\n"
                 "says on stderr how long that took.\n";
    if (args.size() == 1) return 0;
    throw Error(ExitCode::usage, "forge compile needs exactly one plugin source");
  }
  std::string source = resolve_plugin(args[0]);
  if (!is_plugin_source(source)) throw Error(ExitCode::usage, source + " is not a C++ source (.cpp, .cc or .cxx)");
  auto started = std::chrono::steady_clock::now();
  CompiledPlugin compiled = compile_plugin(source);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cerr << (compiled.from_cache ? "cached build found in " : "compiled in ") << seconds << " s\n";
  std::cout << compiled.library << std::endl;
  return 0;
}

}  // namespace forge
