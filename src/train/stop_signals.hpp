// SIGINT and SIGTERM ask training to stop: the handler only records the signal, and the
// trainer checkpoints and stops at the next step boundary. A second SIGINT ends the process
// at once.
#pragma once

namespace forge {

void install_stop_handlers();

// The signal that asked to stop, or 0.
int stop_signal();

}  // namespace forge
