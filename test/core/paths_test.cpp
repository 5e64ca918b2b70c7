#include <catch2/catch.hpp>

#include <map>

#include "core/error.hpp"
#include "core/paths.hpp"

namespace {

router::core::EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

}  // namespace

TEST_CASE("resolve_paths: --db beats ROUTER_DB beats the XDG default", "[core]") {
  using router::core::resolve_paths;
  const auto env = fake_env({{"ROUTER_DB", "/srv/env/r.db"}, {"HOME", "/home/u"}, {"XDG_DATA_HOME", "/xdg"}});

  SECTION("--db wins") {
    const auto p = resolve_paths(std::string("/data/main.db"), env);
    CHECK(p.config_db == "/data/main.db");
    CHECK(p.logs_db == "/data/main-logs.db");
    CHECK(p.key_file == "/data/main.key");
    CHECK(p.backups_dir == "/data/backups");
    CHECK(p.source == "--db");
  }
  SECTION("ROUTER_DB next") {
    const auto p = resolve_paths(std::nullopt, env);
    CHECK(p.config_db == "/srv/env/r.db");
    CHECK(p.logs_db == "/srv/env/r-logs.db");
    CHECK(p.source == "ROUTER_DB");
  }
  SECTION("XDG_DATA_HOME when absolute") {
    const auto p = resolve_paths(std::nullopt, fake_env({{"HOME", "/home/u"}, {"XDG_DATA_HOME", "/xdg"}}));
    CHECK(p.config_db == "/xdg/router/router.db");
    CHECK(p.logs_db == "/xdg/router/router-logs.db");
    CHECK(p.key_file == "/xdg/router/router.key");
    CHECK(p.source == "default");
  }
  SECTION("HOME/.local/share when XDG_DATA_HOME is unset, empty or relative") {
    for (const std::string xdg : {"", "relative/dir"}) {
      std::map<std::string, std::string> vars{{"HOME", "/home/u"}};
      if (!xdg.empty()) {
        vars["XDG_DATA_HOME"] = xdg;
      }
      const auto p = resolve_paths(std::nullopt, fake_env(vars));
      CHECK(p.config_db == "/home/u/.local/share/router/router.db");
    }
  }
  SECTION("an empty ROUTER_DB is ignored") {
    const auto p = resolve_paths(std::nullopt, fake_env({{"ROUTER_DB", ""}, {"HOME", "/h"}}));
    CHECK(p.config_db == "/h/.local/share/router/router.db");
  }
  SECTION("relative --db is made absolute") {
    const auto p = resolve_paths(std::string("rel/x.db"), env);
    CHECK(p.config_db.is_absolute());
    CHECK(p.config_db.filename() == "x.db");
    CHECK(p.logs_db.filename() == "x-logs.db");
  }
  SECTION("a name without extension still gets siblings") {
    const auto p = resolve_paths(std::string("/d/conf"), env);
    CHECK(p.logs_db == "/d/conf-logs.db");
    CHECK(p.key_file == "/d/conf.key");
  }
  SECTION("no rule resolves") {
    CHECK_THROWS_AS(resolve_paths(std::nullopt, fake_env({})), router::core::Error);
    CHECK_THROWS_AS(resolve_paths(std::string(""), env), router::core::Error);
  }
}
