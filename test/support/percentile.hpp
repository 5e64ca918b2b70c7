#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace router::test {

/// The exact nearest-rank percentile, computed independently of core::Histogram:
/// sorted[ceil(p·n/100) - 1]. 0 for no values.
[[nodiscard]] inline std::int64_t exact_percentile(std::vector<std::int64_t> values, int p) {
  if (values.empty()) {
    return 0;
  }
  std::sort(values.begin(), values.end());
  const auto n = static_cast<std::int64_t>(values.size());
  const std::int64_t rank = std::max<std::int64_t>(1, (p * n + 99) / 100);
  return values[static_cast<std::size_t>(rank - 1)];
}

/// The relative error bound docs/stats.md promises for rollup percentiles: a literal, so
/// loosening the implementation's constant fails the tests.
inline constexpr double kDocumentedPercentileBound = 1.0 / 64;

}  // namespace router::test
