// Issue 19 item 2: a typo in --db must not create a database. Read-only commands refuse a
// missing one with exit 6; a mutating command that creates one says so on stderr.
#include <catch2/catch.hpp>

#include "support/cli.hpp"

using router::test::TempDir;

TEST_CASE("read-only commands never create a database", "[cli][readonly]") {
  TempDir dir;
  const auto typo = dir / "typo" / "x.db";
  const std::vector<std::vector<std::string>> commands = {
      {"list"},           {"provider", "list"}, {"provider", "show", "p"}, {"model", "list"}, {"config", "list"},
      {"config", "get", "server.listen"},       {"log"},                   {"show", "1"},      {"history"},
      {"stats"},          {"route"},            {"key", "list"},           {"test"},           {"provider", "test", "p"},
  };
  for (const auto& args : commands) {
    const auto r = router::test::run_router(typo.string(), args);
    INFO(args.front() << (args.size() > 1 ? " " + args[1] : ""));
    CHECK(r.exit_code == 6);
    CHECK(r.err == "error: no database at " + typo.string() + " (create it with `router migrate`)\n");
    CHECK(r.out.empty());
  }
  CHECK_FALSE(std::filesystem::exists(dir / "typo"));  // not even the directory
}

TEST_CASE("a mutating command that creates the database says so on stderr", "[cli][readonly]") {
  TempDir dir;
  const auto db = dir / "new" / "router.db";
  auto r = router::test::run_router(db.string(), {"config", "set", "routing.max_attempts", "2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("note: created a new config database at " + db.string()) != std::string::npos);
  CHECK(r.err.find("note: created a new logs database at ") != std::string::npos);
  CHECK(r.out.find("note:") == std::string::npos);
  // The second time there is nothing to say.
  r = router::test::run_router(db.string(), {"config", "set", "routing.max_attempts", "3"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("created") == std::string::npos);
  // And read-only commands work on it.
  CHECK(router::test::run_router(db.string(), {"list"}).exit_code == 0);
}
