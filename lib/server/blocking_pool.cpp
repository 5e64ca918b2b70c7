#include "server/blocking_pool.hpp"

#include "core/log.hpp"
#include "server/admin.hpp"
#include "server/answer.hpp"
#include "server/context.hpp"

namespace router::server {

BlockingPool::BlockingPool(const Shared& shared, std::size_t threads) {
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, &shared] { loop(shared); });
  }
}

BlockingPool::~BlockingPool() { stop(); }

void BlockingPool::run(Call&& call, BlockingHandler handler) {
  Job job{std::make_unique<Call>(std::move(call)), handler};
  {
    const std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void BlockingPool::stop() {
  std::deque<Job> dropped;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
}

void BlockingPool::loop(const Shared& shared) {
  AdminStore store(shared);  // this thread's connections, opened at its first call
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    execute(job, store);
  }
}

void BlockingPool::execute(Job& job, AdminStore& store) {
  Call& call = *job.call;
  try {
    job.handler(call, store);
  } catch (const core::Error& e) {
    if (call.session) {
      return answer(call, error_response(call, chat_egress(), {e.code(), e.what(), e.param()}));
    }
    core::log::error("admin handler failed after answering: {}", e.what());
  } catch (const std::exception& e) {
    core::log::error("internal error on {} {}: {}", std::string_view(call.request.method_string()), call.path, e.what());
  }
  if (call.session) {  // a handler bug, but the client still gets an answer
    answer(call, error_response(call, chat_egress(), {core::ErrorCode::kInternal, "internal error"}));
  }
}

}  // namespace router::server
