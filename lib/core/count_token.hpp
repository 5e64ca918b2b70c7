#pragma once

#include <atomic>
#include <utility>

namespace router::core {

/// Counts one in an atomic counter for as long as it lives, and moves with what it counts
/// (requests in flight, open connections). Empty when default-constructed or moved from.
class CountToken {
 public:
  CountToken() = default;
  explicit CountToken(std::atomic<int>& counter) : counter_(&counter) { counter_->fetch_add(1, std::memory_order_relaxed); }
  CountToken(CountToken&& o) noexcept : counter_(std::exchange(o.counter_, nullptr)) {}
  CountToken& operator=(CountToken&& o) noexcept {
    std::swap(counter_, o.counter_);
    return *this;
  }
  CountToken(const CountToken&) = delete;
  CountToken& operator=(const CountToken&) = delete;
  ~CountToken() { release(); }

  /// Gives the count back now (idempotent).
  void release() noexcept {
    if (counter_ != nullptr) {
      std::exchange(counter_, nullptr)->fetch_sub(1, std::memory_order_relaxed);
    }
  }
  explicit operator bool() const noexcept { return counter_ != nullptr; }

 private:
  std::atomic<int>* counter_ = nullptr;
};

}  // namespace router::core
