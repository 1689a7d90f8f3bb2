// Where the plugin named by `--data` / `--model` lives. A path (anything with a '/') is taken
// as it is. A bare name is looked up in the search path — the built-in plugins first, then
// each folder of FORGE_PLUGIN_PATH — and never taken from the current directory when it has no
// extension (`mnist` is the built-in, whatever ./mnist is). A name with an extension
// (`net.cpp`, `mnist.so`) is the file here when there is one; when the search path has it too,
// the name is ambiguous and refused.
#pragma once

#include <string>
#include <vector>

namespace forge {

// The folders searched for bare plugin names, in order.
std::vector<std::string> plugin_search_path();

// True for C++ sources forge compiles (.cpp, .cc, .cxx).
bool is_plugin_source(const std::string& path);

// The file `name` refers to. Throws Error(ExitCode::plugin) naming the plugin and the folders
// searched when there is none, Error(ExitCode::usage) when it is ambiguous.
std::string resolve_plugin(const std::string& name);

}  // namespace forge
