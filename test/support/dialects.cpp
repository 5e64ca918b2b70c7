#include "support/dialects.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <boost/json.hpp>

#include "support/fixtures.hpp"

namespace router::test {

std::string render_stream(dialects::Egress& egress, std::string_view jsonl_fixture, bool end) {
  std::istringstream lines(fixture(jsonl_fixture));
  std::string line;
  std::string out;
  while (std::getline(lines, line)) {
    if (!line.empty()) {
      egress.chunk(boost::json::parse(line).as_object(), out);
    }
  }
  if (end) {
    egress.end(out);
  }
  return out;
}

std::string expected_fixture(std::string_view name, const std::string& actual) {
  if (std::getenv("ROUTER_REGEN_FIXTURES") != nullptr) {
    std::ofstream(std::string(ROUTER_FIXTURES) + "/" + std::string(name), std::ios::binary) << actual;
  }
  return fixture(name);
}

std::vector<std::string> sse_event_names(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = body.find("event: ", pos)) != std::string::npos) {
    const auto end = body.find('\n', pos);
    out.push_back(body.substr(pos + 7, end - pos - 7));
    pos = end;
  }
  return out;
}

}  // namespace router::test
