#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "core/error.hpp"

namespace router::core {

/// A value or the core::Error that stopped it: the expected-style result of the data path, which
/// does not throw once a request is parsed (GCC 12's C++20 has no std::expected).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit by design

  [[nodiscard]] bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  [[nodiscard]] T& operator*() & { return value(); }
  [[nodiscard]] T* operator->() { return &value(); }
  [[nodiscard]] const Error& error() const& { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

/// What a Result<void> holds when it succeeded.
struct Done {};

/// Runs `f` and returns its value, or the core::Error it threw. The one place where a throwing
/// translation (providers' Exchange methods, which report malformed upstream data by throwing)
/// meets the data path, so the proxy core itself has no try/catch.
template <typename F>
auto capture(F&& f) noexcept -> Result<std::conditional_t<std::is_void_v<std::invoke_result_t<F>>, Done,
                                                          std::invoke_result_t<F>>> {
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      std::forward<F>(f)();
      return Done{};
    } else {
      return std::forward<F>(f)();
    }
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, e.what());
  }
}

}  // namespace router::core
