#include <catch2/catch.hpp>

#include <array>
#include <thread>

#include <boost/json.hpp>

#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "support/cli.hpp"

using router::test::CliDb;

// Each process changes a different field of the same provider row, so a lost update (a write
// based on a stale read) would show up twice: in the final row, and as a revision whose "before"
// is not the previous revision's "after".
TEST_CASE("cli provider edit: two processes × 200 edits lose no update and never see a lock error", "[cli][slow]") {
  constexpr int kEdits = 200;
  CliDb t;
  REQUIRE(t.run({"provider", "add", "p", "--type", "lm-studio"}).exit_code == 0);

  std::array<std::vector<std::string>, 2> failures;
  auto worker = [&](int w) {
    for (int i = 1; i <= kEdits; ++i) {
      const std::vector<std::string> args =
          w == 0 ? std::vector<std::string>{"provider", "edit", "p", "--priority", std::to_string(i)}
                 : std::vector<std::string>{"provider", "edit", "p", "--description", "b-" + std::to_string(i)};
      const auto r = t.run(args);
      if (r.exit_code != 0 || !r.err.empty()) {
        failures[static_cast<std::size_t>(w)].push_back(std::to_string(r.exit_code) + ": " + r.err);
      }
    }
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  a.join();
  b.join();
  for (const auto& f : failures) {
    CHECK(f.empty());
    for (const auto& line : f) {
      UNSCOPED_INFO(line);
    }
  }

  const auto p = t.json({"provider", "show", "p"});
  CHECK(p.at("priority") == kEdits);
  CHECK(p.at("description").as_string() == "b-" + std::to_string(kEdits));

  router::db::Database db(t.db);
  router::db::RevisionRepository revisions(db);
  const auto revs = revisions.list(10 * kEdits);
  REQUIRE(revs.size() == 2 * kEdits + 1);
  std::optional<std::string> previous_after;
  int priority_edits = 0;
  int description_edits = 0;
  for (auto it = revs.rbegin(); it != revs.rend(); ++it) {
    INFO("r" << it->rev);
    const auto changes = revisions.changes(it->rev);
    REQUIRE(changes.size() == 1);
    const auto& c = changes.front();
    REQUIRE(c.entity == "provider");
    if (previous_after) {
      CHECK(boost::json::parse(*c.before_json) == boost::json::parse(*previous_after));
      const auto before = boost::json::parse(*c.before_json).as_object();
      const auto after = boost::json::parse(*c.after_json).as_object();
      priority_edits += before.at("priority") != after.at("priority") ? 1 : 0;
      description_edits += before.at("description") != after.at("description") ? 1 : 0;
    }
    previous_after = c.after_json;
  }
  CHECK(priority_edits == kEdits);
  CHECK(description_edits == kEdits);
}
