// Where this process stands in a data-parallel run, as its launcher says in the environment
// (torchrun's conventions: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), torch-free,
// so that commands which only ask "am I rank 0?" need not load libtorch.
#pragma once

#include <string>

namespace forge {

// This process's place in a data-parallel run.
struct WorldPosition {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr;
  int master_port = 0;
  // FORGE_DIST_SECRET: every key of the rendezvous lives under a prefix derived from it, so a
  // process that reaches the port but knows no secret cannot address the run's keys.
  std::string secret;
  // torchrun's agent hosts the store (TORCHELASTIC_USE_AGENT_STORE): every rank, rank 0 too, is
  // its client, under the prefix of the agent's attempt (TORCHELASTIC_RESTART_COUNT).
  bool agent_store = false;
  int attempt = 0;
};

// From RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT, FORGE_DIST_SECRET and torchrun's
// TORCHELASTIC_USE_AGENT_STORE and TORCHELASTIC_RESTART_COUNT; a world of
// one when RANK and WORLD_SIZE are unset. Throws Error(ExitCode::usage) naming a malformed or
// missing variable (forge's launcher sets the secret for its workers; other launchers must).
WorldPosition world_from_environment();

// This process's place on its node: LOCAL_RANK, else RANK, else 0. Reads nothing else, so a
// command that does not train data-parallel (eval in a job step) is not held to the rest.
int local_rank_from_environment();

// The local address this host reaches `master_addr` from: what Gloo binds to. (A host name
// that resolves to 127.0.0.1 would make peers on other hosts connect to themselves.)
std::string local_address_towards(const std::string& master_addr, int master_port);

// Who carries the exchanges between the ranks.
}  // namespace forge
