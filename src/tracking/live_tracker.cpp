#include "tracking/live_tracker.hpp"

#include "tracking/run_sync.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace forge {

struct LiveTracker::Shared {
  Shared(const std::string& uri, const std::string& dir, const std::string& parent)
      : client(uri, HttpCredentials::from_environment(), /*timeout_s=*/10), run_dir(dir), sync(client, dir, parent) {}

  MlflowClient client;
  std::string run_dir;
  RunSync sync;

  std::mutex mutex;
  std::condition_variable wake, done_changed;
  bool stopping = false, closing = false, done = false;
  // finish() stopped waiting: the process may be exiting, so this thread says nothing more.
  std::atomic<bool> abandoned{false};
  // How the last attempt failed: the end of the run retries at once what failed at once, but
  // does not wait again for a server that ran out of time.
  enum class Miss { none, no_answer, timed_out, server_error } last_miss = Miss::none;
  bool warned = false, refused = false;

  // One attempt; false when the server did not take everything.
  bool attempt(bool closing_now) {
    try {
      sync.send(closing_now);
      if (last_miss != Miss::none && !abandoned)
        spdlog::info("tracking: {} answers again; sending what it missed", client.uri());
      last_miss = Miss::none;
      return true;
    } catch (const MlflowError& e) {
      if (e.refused()) {
        refused = true;
        if (!abandoned)
          spdlog::warn("tracking: {} refused the run: {}; tracking stops, training goes on (forge sync {} tries again)",
                       client.uri(), e.what(), run_dir);
        return false;
      }
      missed(Miss::server_error, e.what());
    } catch (const HttpUnreachable& e) {
      missed(e.timed_out() ? Miss::timed_out : Miss::no_answer, e.what());
    } catch (const std::exception& e) {
      // The run folder itself (a file being replaced): the next attempt reads it again.
      missed(Miss::server_error, e.what());
    }
    return false;
  }

  void missed(Miss how, const std::string& why) {
    last_miss = how;
    if (warned || abandoned) return;
    warned = true;
    spdlog::warn(
        "tracking: {} did not take the run's metrics ({}); training goes on, and what it missed is sent "
        "when it answers (or by: forge sync {})",
        client.uri(), why, run_dir);
  }

  void loop(double interval_s) {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping && !refused) {
      lock.unlock();
      attempt(false);
      lock.lock();
      wake.wait_for(lock, std::chrono::duration<double>(interval_s), [&] { return stopping; });
    }
    if (closing && !refused) {
      lock.unlock();
      // A server that ran out of time last time is not waited for at the end. What failed at
      // once is tried again: a server that answered with an error, or a file of the run read
      // while it was replaced, a few times, a second apart.
      bool sent = false;
      for (int tries = 0; !sent && !refused && !abandoned && last_miss != Miss::timed_out && tries < 3; ++tries) {
        if (tries > 0 && last_miss != Miss::server_error) break;
        if (tries > 0) std::this_thread::sleep_for(std::chrono::seconds(1));
        sent = attempt(true);
      }
      lock.lock();
      if (!sent) sync.read_new_rows();  // to count what is left
      // After the warning that the server was not answering, this is its sequel, not another warning.
      if (!sent && !refused && !abandoned)
        spdlog::log(
            warned ? spdlog::level::info : spdlog::level::warn,
            "tracking: {} of {} metric rows, the status and the artifacts are not on {}: forge sync {} sends them",
            sync.rows_read() - sync.rows_sent(), sync.rows_read(), client.uri(), run_dir);
    }
    done = true;
    done_changed.notify_all();
  }
};

LiveTracker::LiveTracker(const std::string& uri, const std::string& run_dir, const std::string& parent_run_id,
                         double interval_s)
    : shared_(std::make_shared<Shared>(uri, run_dir, parent_run_id)) {
  std::thread([shared = shared_, interval_s] { shared->loop(interval_s); }).detach();
}

void LiveTracker::finish(double patience_s) {
  std::unique_lock<std::mutex> lock(shared_->mutex);
  shared_->stopping = shared_->closing = true;
  shared_->wake.notify_all();
  if (!shared_->done_changed.wait_for(lock, std::chrono::duration<double>(patience_s), [&] { return shared_->done; })) {
    shared_->abandoned = true;
    spdlog::warn("tracking: {} is slow; the rest of the run is left for: forge sync {}", shared_->client.uri(),
                 shared_->run_dir);
  }
}

LiveTracker::~LiveTracker() {
  std::unique_lock<std::mutex> lock(shared_->mutex);
  shared_->stopping = true;
  shared_->wake.notify_all();
  // An attempt under way ends within the request's timeout; the process need not wait for it
  // (the thread owns what it uses).
  if (!shared_->done_changed.wait_for(lock, std::chrono::seconds(2), [&] { return shared_->done; }))
    shared_->abandoned = true;
}

}  // namespace forge
