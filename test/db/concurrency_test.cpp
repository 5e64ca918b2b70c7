#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "core/error.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/schema.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

// Child process: write in many short transactions for `ms`; exit 0 only if none failed.
[[noreturn]] void writer_child(const std::filesystem::path& path, int ms, const char* table) {
  int rc = 0;
  try {
    router::db::Database db(path);
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    int i = 0;
    while (std::chrono::steady_clock::now() < end) {
      db.write([&] {
        SQLite::Statement ins(db.sqlite(), std::string("INSERT INTO ") + table + " (key, value) VALUES (?, ?)");
        ins.bind(1, "w" + std::to_string(::getpid()) + "-" + std::to_string(i++));
        ins.bind(2, std::string(2000, 'x'));
        ins.exec();
      });
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer failed: %s\n", e.what());
    rc = 1;
  }
  std::fflush(stderr);
  ::_exit(rc);
}

int wait_child(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("Database: backups and writes in other processes never surface 'database is locked'", "[db][slow]") {
  router::test::TempDir dir;
  const auto path = dir / "router.db";
  { (void)router::db::open_current(path, router::db::DbKind::kConfig); }
  { (void)router::db::open_current(dir / "router-logs.db", router::db::DbKind::kLogs); }

  // Two writer processes contend with each other and with the real `router backup`.
  const pid_t w1 = ::fork();
  if (w1 == 0) {
    writer_child(path, 2500, "meta");
  }
  const pid_t w2 = ::fork();
  if (w2 == 0) {
    writer_child(path, 2500, "meta");
  }
  int backups = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(2000);
  while (std::chrono::steady_clock::now() < end) {
    const auto r = router::test::run_router(path.string(), {"backup", (dir / "bk").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("locked") == std::string::npos);
    ++backups;
  }
  CHECK(wait_child(w1) == 0);
  CHECK(wait_child(w2) == 0);
  CHECK(backups >= 2);

  // Every backup is a consistent database.
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "bk")) {
    SQLite::Database b(e.path().string());
    CHECK(b.execAndGet("PRAGMA integrity_check").getString() == "ok");
    ++checked;
  }
  CHECK(checked >= 2);
}
