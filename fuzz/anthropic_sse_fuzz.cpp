// The anthropic stream translator (and its reply, error mapping and request translation):
// arbitrary upstream bytes, split anywhere.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "providers/anthropic.hpp"
#include "providers/provider.hpp"

namespace {

const router::providers::ProviderPtr& provider() {
  static const auto p = router::providers::make_provider(
      "an", "anthropic", boost::json::object{{"apiKey", "k"}, {"baseURL", "http://127.0.0.1:9"}, {"maxTokens", 64}});
  return p;
}

const router::providers::ChatRequest& request() {
  static const auto r = [] {
    router::providers::ChatRequest req;
    req.body = boost::json::parse(R"({"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}],
      "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})")
                   .as_object();
    req.stream = true;
    return req;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::size_t piece = 1 + data[0] % 64;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto ex = provider()->chat(request(), "claude", router::providers::ChatContext{});
  (void)ex->request();
  router::fuzz::drive(*ex, input, piece);
  router::fuzz::replies(*ex, input);
  // The same bytes as a client request body: translation must fail cleanly or succeed.
  boost::system::error_code ec;
  const auto body = boost::json::parse(input, ec);
  if (!ec && body.is_object()) {
    std::vector<std::string> ignored;
    try {
      (void)boost::json::serialize(router::providers::anthropic_request(body.as_object(), "claude", 64, ignored));
    } catch (const router::core::Error&) {
    }
  }
  return 0;
}
