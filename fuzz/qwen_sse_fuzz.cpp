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
  static const auto r = [] {
    router::providers::ChatRequest req;
    req.body = boost::json::parse(R"({"model":"qwen3-max","stream":true,"messages":[
      {"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"read"}],
      "tools":[{"type":"function","function":{"name":"read","parameters":{"type":"object",
        "properties":{"filePath":{"type":"string"},"n":{"type":"integer"}}}}}]})")
                   .as_object();
    req.stream = true;
    req.include_usage = true;
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
