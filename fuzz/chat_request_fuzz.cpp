// The validation of a client's /v1/chat/completions body, then its translation for an
// OpenAI-compatible upstream: any bytes are accepted or refused with a core::Error, never a crash,
// and an accepted request keeps the promises the proxy relies on.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "core/json.hpp"
#include "providers/provider.hpp"

namespace {

const router::providers::ProviderPtr& provider() {
  static const auto p =
      router::providers::make_provider("oa", "openai", boost::json::object{{"baseURL", "http://127.0.0.1:9/v1"}});
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  router::providers::ChatRequest req;
  try {
    req = router::providers::parse_chat_request(body);
  } catch (const router::core::Error& e) {
    if (e.code() != router::core::ErrorCode::kInvalidArgument) {
      __builtin_trap();  // a client's bad body is a 400, nothing else
    }
    return 0;
  }
  if (req.raw.data() != body.data() || req.raw.size() != body.size() || req.model.size() > 256) {
    __builtin_trap();
  }
  // What the proxy does next with a valid request: the upstream body must be JSON again.
  for (const char* model : {"gpt-test", ""}) {
    try {
      auto ex = provider()->chat(req, model, router::providers::ChatContext{});
      const auto upstream = ex->request();
      if (!router::core::is_valid_json(upstream.body)) {
        __builtin_trap();
      }
    } catch (const router::core::Error&) {
    }
  }
  return 0;
}
