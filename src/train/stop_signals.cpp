#include "train/stop_signals.hpp"

#include <csignal>
#include <unistd.h>

namespace forge {
namespace {

volatile std::sig_atomic_t requested = 0;

void on_signal(int signal) {
  if (requested == SIGINT && signal == SIGINT) ::_exit(130);  // the impatient second Ctrl-C
  requested = signal;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int stop_signal() { return requested; }

}  // namespace forge
