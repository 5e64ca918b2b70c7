#include "dialects/egress.hpp"

#include "providers/provider.hpp"

namespace router::dialects {

std::string Egress::upstream_error(int status, std::string_view openai_body) const {
  if (openai_body.empty()) {
    return {};  // a 204 or 304 has no body to render
  }
  const auto message = providers::upstream_message(openai_body).value_or("the provider answered with an error");
  return error_body(core::code_for_status(status), message, {});
}

}  // namespace router::dialects
