#include "support/admin_api.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "core/error.hpp"

namespace router::test {

namespace {

std::string error_field(const boost::json::value& json, std::string_view field) {
  if (!json.is_object()) {
    return {};
  }
  const auto* err = json.as_object().if_contains("error");
  if (err == nullptr || !err->is_object()) {
    return {};
  }
  const auto* v = err->as_object().if_contains(field);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

AdminReply to_reply(HttpResponse&& r) {
  AdminReply out{std::move(r), nullptr};
  boost::system::error_code ec;
  auto v = boost::json::parse(out.http.body, ec);
  if (!ec) {
    out.json = std::move(v);
  }
  return out;
}

}  // namespace

std::string AdminReply::error_type() const { return error_field(json, "type"); }
std::string AdminReply::error_message() const { return error_field(json, "message"); }
std::string AdminReply::error_param() const { return error_field(json, "param"); }

void check_error(const AdminReply& r, int status, std::string_view type, std::string_view part) {
  INFO(r.http.body);
  CHECK(r.status() == status);
  CHECK(r.error_type() == type);
  CHECK(r.error_message().find(part) != std::string::npos);
}

void check_openai_error(const HttpResponse& r, int status) {
  INFO(r.status << " " << r.body << r.error);
  CHECK(r.status == status);
  CHECK(r.header("content-type") == "application/json");
  const auto reply = to_reply(HttpResponse(r));
  const auto* err = reply.json.is_object() ? reply.json.as_object().if_contains("error") : nullptr;
  CHECK((err != nullptr && err->is_object()));
  if (err == nullptr || !err->is_object()) {
    return;
  }
  CHECK(!reply.error_message().empty());
  CHECK(reply.error_type() == core::error_type(core::code_for_status(status)));
  CHECK(err->as_object().contains("code"));
  CHECK(err->as_object().contains("param"));
}

AdminFixture::AdminFixture() { add_key("ops", "admin", kAdminKey); }

AdminReply AdminFixture::call(const std::string& method, const std::string& target, const std::string& body,
                              const std::string& message) {
  Headers headers{{"Authorization", "Bearer " + kAdminKey}};
  if (!body.empty()) {
    headers.emplace_back("Content-Type", "application/json");
  }
  if (!message.empty()) {
    headers.emplace_back("X-Router-Message", message);
  }
  return to_reply(http_request(port(), method, target, body, headers));
}

AdminReply AdminFixture::call_as(const std::string& authorization, const std::string& method, const std::string& target,
                                 const std::string& body) {
  Headers headers;
  if (!authorization.empty()) {
    headers.emplace_back("Authorization", authorization);
  }
  return to_reply(http_request(port(), method, target, body, headers));
}

}  // namespace router::test
