#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dialects/egress.hpp"

namespace router::test {

/// Feeds the chat.completion.chunk objects of a JSON-lines transcript under test/fixtures/
/// through `egress` (chunk() for each line) and returns the SSE bytes it rendered. `end` says
/// whether the stream completes (end()) or is left for the caller to end or fail.
[[nodiscard]] std::string render_stream(dialects::Egress& egress, std::string_view jsonl_fixture, bool end = true);

/// The expected-output fixture `name`, compared by the caller. With ROUTER_REGEN_FIXTURES set in
/// the environment, `actual` is written to the fixture first (review the diff before committing).
[[nodiscard]] std::string expected_fixture(std::string_view name, const std::string& actual);

/// The event names of an SSE body, in order ("message_start", ...).
[[nodiscard]] std::vector<std::string> sse_event_names(const std::string& body);

}  // namespace router::test
