#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "support/http_client.hpp"
#include "support/server_fixture.hpp"

namespace router::test {

/// The admin key every AdminFixture creates.
inline const std::string kAdminKey = "rk-admin-test-key-0000000000000000000000000000";

/// One admin API answer: the response and its body parsed (null when the body is not JSON).
struct AdminReply {
  HttpResponse http;
  boost::json::value json;

  [[nodiscard]] int status() const noexcept { return http.status; }
  /// json["error"]["type"], "" when the answer is not an error document.
  [[nodiscard]] std::string error_type() const;
  [[nodiscard]] std::string error_message() const;
  [[nodiscard]] std::string error_param() const;  ///< "" when null
};

/// CHECKs that `r` is an error answer with `status` and `type` whose message contains `part`.
void check_error(const AdminReply& r, int status, std::string_view type, std::string_view part);

/// CHECKs that `r` answers `status` with the OpenAI error document of DESIGN.md §7:
/// {"error":{"message","type","code","param"}}, the type the status's error code has.
void check_openai_error(const HttpResponse& r, int status);

/// A ServerFixture with an admin key ("ops") and calls to the admin API, each on a fresh
/// connection. Start it with start() as usual.
class AdminFixture : public ServerFixture {
 public:
  AdminFixture();

  /// `method target` with the admin key; `message` goes into X-Router-Message when not empty.
  AdminReply call(const std::string& method, const std::string& target, const std::string& body = {},
                  const std::string& message = {});
  AdminReply get(const std::string& target) { return call("GET", target); }
  /// Like call(), with an explicit Authorization value ("" for none).
  AdminReply call_as(const std::string& authorization, const std::string& method, const std::string& target,
                     const std::string& body = {});
};

}  // namespace router::test
