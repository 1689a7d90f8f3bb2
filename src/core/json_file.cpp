#include "core/json_file.hpp"

#include "core/atomic_file.hpp"

#include <forge/error.hpp>

#include <fstream>

namespace forge {

json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ExitCode::run, "cannot read " + path);
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw Error(ExitCode::run, path + " is not valid JSON (" + e.what() + ")");
  }
}

void write_json_atomically(const std::string& path, const json& value) {
  write_file_atomically(path, value.dump(2) + "\n");
}

}  // namespace forge
