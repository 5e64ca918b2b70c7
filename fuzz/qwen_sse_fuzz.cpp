// The qwen-direct stream translator (and its non-streaming reply and error mapping): arbitrary
// upstream bytes, split anywhere, with XML tools enabled.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "providers/provider.hpp"

namespace {

const router::providers::ProviderPtr& provider() {
  static const auto p = router::providers::make_provider(
      "qw", "qwen-direct",
      boost::json::object{{"token", "t"}, {"cookies", "token=a.b.c"}, {"baseURL", "http://127.0.0.1:9"},
                          {"sessionTtl", 1000}, {"thinking", true}});
  return p;
}

const router::providers::ChatRequest& request() {
  static const auto r = router::fuzz::chat_request(R"({"model":"qwen3-max","stream":true,"messages":[
      {"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"read"}],
      "tools":[{"type":"function","function":{"name":"read","parameters":{"type":"object",
        "properties":{"filePath":{"type":"string"},"n":{"type":"integer"}}}}}]})",
                                                   true);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto split = router::fuzz::split_input(data, size, 64);
  if (!split) {
    return 0;
  }
  const auto [piece, input] = *split;
  router::fuzz::OneSessionStore store;
  store.state = router::providers::SessionState{"chat", "parent"};
  auto ex = provider()->chat(request(), "qwen3-max", router::providers::ChatContext{&store});
  (void)ex->request();
  router::fuzz::drive(*ex, input, piece);
  auto again = provider()->chat(request(), "qwen3-max", router::providers::ChatContext{&store});
  router::fuzz::replies(*again, input);
  try {
    (void)provider()->parse_models(input);
  } catch (const router::core::Error&) {
  }
  return 0;
}
