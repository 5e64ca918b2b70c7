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
  static const auto r = router::fuzz::chat_request(R"({"model":"claude","stream":true,"messages":[{"role":"user","content":"hi"}],
      "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]})",
                                                   false);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto split = router::fuzz::split_input(data, size, 64);
  if (!split) {
    return 0;
  }
  const auto [piece, input] = *split;
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
