#include "dialects/chat.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/text.hpp"

namespace router::dialects {

std::string openai_error_json(core::ErrorCode code, std::string_view message, std::string_view param,
                              std::string_view code_name) {
  boost::json::object err{
      {"message", core::to_valid_utf8(message)},
      {"type", core::error_type(code)},
      {"param", param.empty() ? boost::json::value(nullptr) : boost::json::value(core::to_valid_utf8(param))},
      {"code", code_name.empty() ? core::error_name(code) : code_name}};
  return boost::json::serialize(boost::json::object{{"error", std::move(err)}});
}

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
  out += openai_error_json(code, message);
  out += "\n\n";
}

std::string ChatEgress::error_body(core::ErrorCode code, std::string_view message, std::string_view param) const {
  return openai_error_json(code, message, param);
}

}  // namespace router::dialects
