#include <signal.h>

#include <CLI/CLI.hpp>

#include <cstdio>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "db/sqlite/schema.hpp"
#include "server/server.hpp"

namespace router::cli {

namespace {

struct Options {
  std::string listen;
  unsigned threads = 0;
  bool migrate = false;
  std::int64_t grace_s = 30;
};

int run(const Options& opt, Context& ctx) {
  const auto& paths = ctx.paths();
  if (opt.migrate) {
    for (const auto kind : {db::DbKind::kConfig, db::DbKind::kLogs}) {
      auto plan = db::plan_migrations(kind == db::DbKind::kConfig ? paths.config_db : paths.logs_db, kind);
      db::apply_migrations(plan, paths.backups_dir, true, [&](const db::Migration& m) {
        core::log::info("applied migration {} to the {} database", m.name, db::kind_name(kind));
      });
    }
  }
  // Signals are taken synchronously by this thread (sigwait); every worker thread inherits the
  // blocked mask, so a SIGTERM can never interrupt a handler midway.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  server::ServeOptions so;
  so.paths = paths;
  so.env = ctx.env();
  if (!opt.listen.empty()) {
    so.listen = opt.listen;
  }
  if (opt.threads > 0) {
    so.threads = opt.threads;
  }
  so.grace = std::chrono::seconds(opt.grace_s);
  server::Server server(std::move(so));
  server.start();
  for (const auto& w : server.warnings()) {
    core::log::warn("{}", w);
  }
  core::log::info("router listening on http://{} (config {}, pid {})", server.address(), paths.config_db.string(),
                  ::getpid());
  int sig = 0;
  sigwait(&signals, &sig);
  core::log::info("{} received: finishing in-flight requests and writing the request log", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server.stop();
  core::log::info("stopped");
  return 0;
}

}  // namespace

Runner setup_serve(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_option("--listen", opt->listen, "Address to listen on, host:port (default: setting server.listen)");
  sub.add_option("--threads", opt->threads, "I/O threads (default: setting server.threads; 0 = one per core)")
      ->check(CLI::Range(0, 64));
  sub.add_flag("--migrate", opt->migrate, "Apply pending migrations (with a backup) before starting");
  sub.add_option("--grace", opt->grace_s, "Seconds SIGTERM waits for in-flight requests (default 30)")
      ->check(CLI::Range(0, 3600));
  sub.footer("SIGTERM/SIGINT: stop accepting, finish in-flight requests, write the log queue, exit 0.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
