// Issue 19 items 13 (the systemd unit and scripts/install) and 16 (scripts/test runs the static
// smoke tests: ROUTER_TESTS is explicit, and no ctest call passes on zero tests).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <regex>
#include <sstream>

#include "support/cli.hpp"

namespace {

const std::filesystem::path kSource = ROUTER_SOURCE_DIR;

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::istringstream in(router::test::read_file(p));
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) {
    out.push_back(l);
  }
  return out;
}

}  // namespace

TEST_CASE("scripts: every ctest call fails on zero tests, the release configure enables the tests", "[scripts]") {
  int calls = 0;
  for (const auto& e : std::filesystem::directory_iterator(kSource / "scripts")) {
    for (const auto& l : lines_of(e.path())) {
      const auto first = l.find_first_not_of(" \t");
      if (first != std::string::npos && l.compare(first, 6, "ctest ") == 0) {
        ++calls;
        INFO(e.path().filename().string() << ": " << l);
        CHECK(l.find("--no-tests=error") != std::string::npos);
      }
    }
  }
  CHECK(calls >= 3);
  bool release_configure = false;
  for (const auto& l : lines_of(kSource / "scripts" / "test")) {
    if (l.starts_with("cmake -S . -B build/release")) {
      release_configure = true;
      CHECK(l.find("-DROUTER_TESTS=ON") != std::string::npos);
    }
  }
  CHECK(release_configure);
}

TEST_CASE("scripts: the systemd unit runs as the fixed router user, hardened", "[scripts]") {
  const auto unit = router::test::read_file(kSource / "scripts" / "router.service");
  for (const char* line : {"\nUser=router\n", "\nGroup=router\n", "\nUMask=0077\n", "\nLimitNOFILE=65536\n",
                           "\nEnvironmentFile=-/etc/router/router.env\n", "\nStateDirectoryMode=3770\n"}) {
    INFO(line);
    CHECK(unit.find(line) != std::string::npos);
  }
  CHECK(unit.find("DynamicUser") == std::string::npos);
  // systemd's own rating, when this machine has systemd-analyze (Debian 12 does).
  if (std::filesystem::exists("/usr/bin/systemd-analyze")) {
    const auto r = router::test::run_process(
        {"/usr/bin/systemd-analyze", "security", "--offline=yes", (kSource / "scripts" / "router.service").string()});
    std::smatch m;
    const std::regex re(R"(Overall exposure level for router\.service: (\d+\.\d))");
    REQUIRE(std::regex_search(r.out, m, re));
    CHECK(std::stod(m[1]) <= 3.0);
  }
}

TEST_CASE("scripts/install stages the binary, the unit and the environment file", "[scripts]") {
  router::test::TempDir dest;
  const auto r = router::test::run_process(
      {(kSource / "scripts" / "install").string(), "--binary", ROUTER_BINARY, "--destdir", dest.path().string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  struct stat st {};
  REQUIRE(::stat((dest / "usr/local/bin/router").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0755);
  REQUIRE(::stat((dest / "etc/router/router.env").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
  CHECK(router::test::read_file(dest / "etc/router/router.env").find("ROUTER_DB=/var/lib/router/router.db") !=
        std::string::npos);
  CHECK(router::test::read_file(dest / "etc/systemd/system/router.service") ==
        router::test::read_file(kSource / "scripts" / "router.service"));
}
