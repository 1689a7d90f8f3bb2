#include "core/world_position.hpp"

#include <forge/error.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace forge {
namespace {

int integer_variable(const char* name, int fallback, bool required) {
  const char* text = std::getenv(name);
  if (!text || !*text) {
    if (required) throw Error(ExitCode::usage, std::string("data-parallel: ") + name + " is not set");
    return fallback;
  }
  try {
    size_t used;
    int value = std::stoi(text, &used);
    if (used == std::string(text).size() && value >= 0) return value;
  } catch (const std::exception&) {
  }
  throw Error(ExitCode::usage, std::string("data-parallel: ") + name + "=" + text + " is not a whole number");
}

}  // namespace

WorldPosition world_from_environment() {
  WorldPosition world;
  if (!std::getenv("RANK") && !std::getenv("WORLD_SIZE")) return world;
  world.world_size = integer_variable("WORLD_SIZE", 1, true);
  world.rank = integer_variable("RANK", 0, true);
  world.local_rank = local_rank_from_environment();
  if (world.world_size < 1 || world.rank >= world.world_size)
    throw Error(ExitCode::usage, "data-parallel: RANK=" + std::to_string(world.rank) +
                                     " does not fit WORLD_SIZE=" + std::to_string(world.world_size));
  const char* addr = std::getenv("MASTER_ADDR");
  world.master_addr = addr && *addr ? addr : "127.0.0.1";
  world.master_port = integer_variable("MASTER_PORT", 29500, false);
  const char* secret = std::getenv("FORGE_DIST_SECRET");
  if (world.world_size > 1 && !(secret && *secret))
    throw Error(ExitCode::usage,
                "data-parallel: FORGE_DIST_SECRET is not set; forge's launcher (--nproc_per_node) "
                "sets it for its workers; with another launcher, set it to the same secret for "
                "every rank, e.g. export FORGE_DIST_SECRET=$(od -An -tx1 -N16 /dev/urandom | tr -d ' ')");
  world.secret = secret ? secret : "";
  const char* agent_store = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  world.agent_store = agent_store && std::string(agent_store) == "True";
  world.attempt = integer_variable("TORCHELASTIC_RESTART_COUNT", 0, false);
  return world;
}

int local_rank_from_environment() { return integer_variable("LOCAL_RANK", integer_variable("RANK", 0, false), false); }

std::string local_address_towards(const std::string& master_addr, int master_port) {
  addrinfo hints{}, *found = nullptr;
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  if (getaddrinfo(master_addr.c_str(), std::to_string(master_port).c_str(), &hints, &found) != 0 || !found)
    throw Error(ExitCode::usage, "data-parallel: cannot resolve --master_addr " + master_addr);
  // Connecting a UDP socket sends nothing; it only makes the kernel choose the route.
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  socklen_t length = sizeof local;
  bool ok = fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0;
  if (fd >= 0) ::close(fd);
  freeaddrinfo(found);
  if (!ok) throw Error(ExitCode::failure, "data-parallel: no route from this host to --master_addr " + master_addr);
  char text[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, &local.sin_addr, text, sizeof text);
}

}  // namespace forge
