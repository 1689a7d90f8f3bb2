#include "cli/engine_path.hpp"

#include "core/process.hpp"

#include <forge/error.hpp>

#include <boost/filesystem.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace fs = boost::filesystem;

namespace forge {

std::string engine_path() {
  const fs::path dir = fs::path(own_executable()).parent_path();
  for (const fs::path& candidate : {dir / "forge-engine", dir / ".." / "lib" / "forge" / "forge-engine"})
    if (fs::is_regular_file(candidate)) return candidate.lexically_normal().string();
  throw Error(ExitCode::failure, "forge-engine (which runs train, resume, eval and check-resume) is neither in " +
                                     dir.string() + " nor in " + (dir.parent_path() / "lib" / "forge").string() +
                                     "; reinstall forge or rebuild it");
}

void exec_engine(char** argv) {
  std::string engine = engine_path();
  ::execv(engine.c_str(), argv);
  throw Error(ExitCode::failure, "cannot start " + engine + ": " + std::strerror(errno));
}

}  // namespace forge
