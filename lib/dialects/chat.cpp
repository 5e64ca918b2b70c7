#include "dialects/chat.hpp"

#include <boost/json/serialize.hpp>

namespace router::dialects {

std::string ChatEgress::reply(const boost::json::object& completion) { return boost::json::serialize(completion); }

void ChatEgress::chunk(const boost::json::object& chunk, std::string& out) {
  out += "data: ";
  out += boost::json::serialize(chunk);
  out += "\n\n";
}

void ChatEgress::end(std::string& out) { out += "data: [DONE]\n\n"; }

void ChatEgress::fail(core::ErrorCode code, std::string_view message, std::string& out) {
  // No "event:" line: the OpenAI SDKs raise an APIError for a data line holding "error".
  out += "data: ";
  out += core::error_json(code, message);
  out += "\n\n";
}

std::string ChatEgress::error_body(core::ErrorCode code, std::string_view message, std::string_view param) const {
  return core::error_json(code, message, param);
}

std::string ChatEgress::upstream_error(int /*status*/, std::string_view openai_body) const {
  return std::string(openai_body);
}

}  // namespace router::dialects
