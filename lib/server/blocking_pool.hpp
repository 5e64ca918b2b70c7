#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "server/dispatcher.hpp"

namespace router::server {

struct Shared;

/// A few threads for the admin API's blocking work (SQLite reads that may scan the logs, writes
/// that may wait busy_timeout for another writer), so that no I/O worker ever waits on a
/// database: a slow stats query or a locked configuration stalls only other admin calls. Each
/// thread owns its AdminStore (its own connections). Handing a call over takes a mutex; the
/// client request path never does.
class BlockingPool {
 public:
  static constexpr std::size_t kThreads = 2;

  BlockingPool(const Shared& shared, std::size_t threads = kThreads);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  /// Runs `handler` on a pool thread. It answers with reply()/answer(), which write on the
  /// call's I/O worker; an error it throws is answered the same way.
  void run(Call&& call, BlockingHandler handler);
  /// Finishes the calls being handled, drops the queued ones (their clients see the close), joins.
  void stop();

 private:
  struct Job {
    std::unique_ptr<Call> call;
    BlockingHandler handler;
  };
  void loop(const Shared& shared);
  static void execute(Job& job, AdminStore& store);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace router::server
