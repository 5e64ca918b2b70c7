#include <catch2/catch.hpp>

#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <string>
#include <utility>

#include "server/dispatcher.hpp"
#include "support/temp_dir.hpp"

using router::server::Access;

namespace {

using Endpoint = std::pair<std::string, std::string>;  // METHOD, OpenAPI path

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// "/v1/models/{id*}" → "/v1/models/{id}": OpenAPI has no rest-of-path parameters.
std::string openapi_path(std::string_view pattern) {
  std::string out(pattern);
  out.erase(std::remove(out.begin(), out.end(), '*'), out.end());
  return out;
}

std::set<Endpoint> table_endpoints() {
  std::set<Endpoint> out;
  for (const auto& r : router::server::routes()) {
    out.emplace(std::string(boost::beast::http::to_string(r.verb)), openapi_path(r.pattern));
  }
  return out;
}

// CHECKs that both sets hold the same endpoints, naming each one that only `a` or only `b` has.
void check_same(const std::set<Endpoint>& a, std::string_view a_name, const std::set<Endpoint>& b,
                std::string_view b_name) {
  for (const auto& e : a) {
    INFO("in " << a_name << ", not in " << b_name << ": " << e.first << " " << e.second);
    CHECK(b.contains(e));
  }
  for (const auto& e : b) {
    INFO("in " << b_name << ", not in " << a_name << ": " << e.first << " " << e.second);
    CHECK(a.contains(e));
  }
}

boost::json::object openapi() {
  return boost::json::parse(router::test::read_file(std::string(ROUTER_SOURCE_DIR) + "/docs/openapi.json")).as_object();
}

}  // namespace

TEST_CASE("admin docs: the route table and docs/openapi.json list the same endpoints, both ways", "[server][admin]") {
  const auto doc = openapi();
  CHECK(doc.at("openapi").as_string().starts_with("3.1"));
  const auto table = table_endpoints();
  REQUIRE(table.size() == router::server::routes().size());  // no route listed twice

  std::set<Endpoint> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      documented.emplace(upper(std::string(method)), std::string(path));
      INFO(method << " " << path);
      // Every {param} of the path is declared as a path parameter, and only those.
      std::set<std::string> in_path;
      const std::string p(path);
      const std::regex template_param(R"(\{([^}]+)\})");
      for (std::sregex_iterator it(p.begin(), p.end(), template_param), end; it != end; ++it) {
        in_path.insert((*it)[1]);
      }
      std::set<std::string> declared;
      if (const auto* params = operation.as_object().if_contains("parameters")) {
        for (const auto& param : params->as_array()) {
          if (param.as_object().contains("in") && param.at("in") == "path") {
            declared.emplace(param.at("name").as_string());
          }
        }
      }
      CHECK(in_path == declared);
      CHECK(operation.as_object().contains("operationId"));
      CHECK(operation.at("responses").as_object().size() >= 2);
    }
  }
  check_same(table, "the route table", documented, "docs/openapi.json");
}

TEST_CASE("admin docs: docs/openapi.json requires the admin key exactly on admin routes", "[server][admin]") {
  const auto doc = openapi();
  for (const auto& r : router::server::routes()) {
    std::string method(boost::beast::http::to_string(r.verb));
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    INFO(method << " " << r.pattern);
    const auto& operation = doc.at("paths").at(openapi_path(r.pattern)).at(method).as_object();
    const auto* security = operation.if_contains("security");
    const bool admin_only =
        security != nullptr && security->as_array().size() == 1 && security->at(0).as_object().contains("adminKey");
    CHECK(admin_only == (r.access == Access::kAdmin));
  }
}

TEST_CASE("admin docs: docs/api.md has one section per route, both ways", "[server][admin]") {
  const auto md = router::test::read_file(std::string(ROUTER_SOURCE_DIR) + "/docs/api.md");
  std::set<Endpoint> headings;
  const std::regex heading(R"(^### (GET|POST|PUT|PATCH|DELETE) (/\S*)$)");
  std::size_t start = 0;
  std::size_t sections = 0;
  while (start < md.size()) {
    const auto end = md.find('\n', start);
    const std::string line = md.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::smatch m;
    if (std::regex_match(line, m, heading)) {
      ++sections;
      headings.emplace(m[1], m[2]);
    }
    start = end == std::string::npos ? md.size() : end + 1;
  }
  CHECK(sections == headings.size());  // no endpoint documented twice
  // Parameter names may read better in prose ({model} for the table's {id*}); positions must match.
  const std::regex param(R"(\{[^}]+\})");
  auto normalise = [&](const std::string& path) { return std::regex_replace(path, param, "{}"); };
  std::set<Endpoint> table;
  for (const auto& [method, path] : table_endpoints()) {
    table.emplace(method, normalise(path));
  }
  std::set<Endpoint> documented;
  for (const auto& [method, path] : headings) {
    documented.emplace(method, normalise(path));
  }
  check_same(table, "the route table", documented, "docs/api.md");
}
