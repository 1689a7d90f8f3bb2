// Where the plugin named by `--data` / `--model` lives. A path (anything with a '/', or a
// file that exists) is taken as it is; a bare name (`mnist`, `mnist.so`) is looked up in the
// search path: the built-in plugins first, then each folder of FORGE_PLUGIN_PATH.
#pragma once

#include <string>
#include <vector>

namespace forge {

// The folders searched for bare plugin names, in order.
std::vector<std::string> plugin_search_path();

// True for C++ sources forge compiles (.cpp, .cc, .cxx).
bool is_plugin_source(const std::string& path);

// The file `name` refers to. Throws Error(ExitCode::plugin) naming the plugin and the folders
// searched when there is none.
std::string resolve_plugin(const std::string& name);

}  // namespace forge
