// Signals that steer training. Handlers only record the signal; the trainer acts at the next
// step boundary.
//   SIGINT, SIGTERM  finish the step, checkpoint, stop (a second SIGINT ends the process at once)
//   SIGUSR1          checkpoint now and go on (a cluster's "preemption soon" warning)
// SIGXFSZ is ignored, so that exceeding a file size limit fails a write with an error that
// forge reports instead of killing the process.
#pragma once

namespace forge {

void install_stop_handlers();

// The signal that asked to stop, or 0.
int stop_signal();

// True once after each SIGUSR1.
bool take_checkpoint_request();

}  // namespace forge
