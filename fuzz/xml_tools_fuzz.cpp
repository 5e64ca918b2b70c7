// The XML tool-call parser: any text, split anywhere, must give the same call and text as the
// whole-reply parser, never crash, and never show bytes that were not in the input.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/text.hpp"
#include "providers/xml_tools.hpp"

namespace {

const std::vector<router::providers::ToolSpec>& tools() {
  static const auto t = router::providers::function_tools(boost::json::parse(R"({"tools":[
    {"type":"function","function":{"name":"read","parameters":{"type":"object","properties":{
      "filePath":{"type":"string"},"limit":{"type":"integer"},"all":{"type":"boolean"},
      "items":{"type":"array"},"opts":{"type":"object"},"ratio":{"type":["number","null"]}}}}},
    {"type":"function","function":{"name":"read_all","parameters":{}}},
    {"type":"function","function":{"name":"a","parameters":{"properties":{"b":{"default":3}}}}}]})")
                                                                                 .as_object());
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t piece = 1 + data[0] % 16;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (!router::core::is_valid_utf8(text)) {
    return 0;  // answer text comes out of parsed JSON strings, which are valid UTF-8
  }

  router::providers::ToolCallFilter filter(tools());
  std::string shown;
  for (std::size_t off = 0; off < text.size(); off += piece) {
    shown += filter.feed(text.substr(off, piece));
  }
  shown += filter.finish();
  const auto whole = router::providers::parse_tool_reply(text, tools());
  if (filter.call().has_value() != whole.call.has_value()) {
    __builtin_trap();
  }
  if (whole.call) {
    if (filter.call()->arguments != whole.call->arguments || filter.call()->name != whole.call->name) {
      __builtin_trap();
    }
    (void)boost::json::parse(whole.call->arguments);  // must be valid JSON: throws (and aborts) if not
    (void)router::providers::tool_call_xml(whole.call->name, whole.call->arguments);
  } else if (shown != text) {
    __builtin_trap();  // without a call every byte goes through, in order
  }
  (void)router::providers::tools_prompt(tools());
  return 0;
}
