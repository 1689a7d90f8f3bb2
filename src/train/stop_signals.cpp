#include "train/stop_signals.hpp"

#include <unistd.h>
#include <csignal>

namespace forge {
namespace {

volatile std::sig_atomic_t stop_requested = 0;
volatile std::sig_atomic_t checkpoint_requested = 0;

void on_stop(int signal) {
  if (stop_requested == SIGINT && signal == SIGINT) ::_exit(130);  // the impatient second Ctrl-C
  stop_requested = signal;
}

void on_checkpoint(int) { checkpoint_requested = 1; }

void handle(int signal, void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  // Interrupted reads and writes (a pwrite on NFS, a worker's open) resume rather than fail:
  // the trainer looks at the signal at its next step boundary, or while it waits for a batch.
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(signal, &action, nullptr);
}

}  // namespace

void install_stop_handlers() {
  handle(SIGINT, on_stop);
  handle(SIGTERM, on_stop);
  handle(SIGUSR1, on_checkpoint);
  handle(SIGXFSZ, SIG_IGN);
}

int stop_signal() { return stop_requested; }

bool take_checkpoint_request() {
  if (!checkpoint_requested) return false;
  checkpoint_requested = 0;
  return true;
}

}  // namespace forge
