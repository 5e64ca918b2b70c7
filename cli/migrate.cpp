#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "db/schema.hpp"

namespace router::cli {

namespace {

struct Options {
  bool dry_run = false;
  bool no_backup = false;
  bool verbose = false;
};

boost::json::object plan_json(const db::MigrationPlan& plan, bool verbose) {
  boost::json::array migrations;
  for (const auto* m : plan.status.pending) {
    boost::json::object o{{"version", m->version}, {"name", m->name}};
    if (verbose) {
      o["sql"] = m->sql;
    }
    migrations.push_back(std::move(o));
  }
  return {{"database", db::kind_name(plan.kind)},
          {"path", plan.path.string()},
          {"exists", plan.exists},
          {"current_version", plan.status.current},
          {"latest_version", plan.status.latest},
          {"backup", plan.backup ? boost::json::value(plan.backup->string()) : nullptr},
          {"migrations", std::move(migrations)}};
}

void print_plan_header(const Context& ctx, const db::MigrationPlan& plan) {
  const auto& out = ctx.out();
  std::string state;
  if (!plan.exists) {
    state = " (new database)";
  } else if (plan.status.up_to_date()) {
    state = " (up to date)";
  }
  out.line(fmt::format("{:<7}{}  v{} → v{}{}", db::kind_name(plan.kind), plan.path.string(), plan.status.current,
                       plan.status.latest, out.dim(state)));
}

int run(const Options& opt, Context& ctx) {
  const auto& paths = ctx.paths();
  std::vector<db::MigrationPlan> plans;
  plans.push_back(db::plan_migrations(paths.config_db, db::DbKind::kConfig));
  plans.push_back(db::plan_migrations(paths.logs_db, db::DbKind::kLogs));
  std::size_t pending = 0;
  for (const auto& p : plans) {
    pending += p.status.pending.size();
  }
  const auto& out = ctx.out();

  if (opt.dry_run) {
    if (out.json()) {
      boost::json::array dbs;
      for (const auto& p : plans) {
        dbs.push_back(plan_json(p, opt.verbose));
      }
      out.print_json(boost::json::object{{"dry_run", true}, {"pending_count", pending}, {"databases", std::move(dbs)}});
    } else {
      for (const auto& p : plans) {
        print_plan_header(ctx, p);
        for (const auto* m : p.status.pending) {
          out.line(fmt::format("  would apply {}", m->name));
          if (opt.verbose) {
            out.line(out.dim(std::string(m->sql)));
          }
        }
      }
      out.line(pending == 0 ? "nothing to migrate"
                            : fmt::format("{} migration(s) pending: run 'router migrate' to apply them", pending));
    }
    return pending == 0 ? core::kExitOk : core::kExitPending;
  }

  for (auto& p : plans) {
    if (!out.json()) {
      print_plan_header(ctx, p);
    }
    const bool had_pending = !p.status.pending.empty();
    db::apply_migrations(p, paths.backups_dir, !opt.no_backup, [&](const db::Migration& m) {
      if (!out.json()) {
        out.line(fmt::format("  applied {}", m.name));
      }
    });
    if (!out.json() && p.backup) {
      out.line(fmt::format("  backup  {}", p.backup->string()));
    }
    if (!out.json() && !had_pending) {
      out.line("  nothing to do");
    }
  }
  if (out.json()) {
    boost::json::array dbs;
    for (const auto& p : plans) {
      dbs.push_back(plan_json(p, opt.verbose));
    }
    out.print_json(boost::json::object{{"dry_run", false}, {"applied_count", pending}, {"databases", std::move(dbs)}});
  }
  return core::kExitOk;
}

}  // namespace

Runner setup_migrate(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_flag("--dry-run", opt->dry_run, "Print the plan and change nothing; exit 10 when work is pending");
  sub.add_flag("--no-backup", opt->no_backup, "Skip the automatic backup into backups/");
  sub.add_flag("--verbose,-v", opt->verbose, "Also print each migration's SQL");
  sub.footer("Exit codes: 0 done or nothing pending, 10 (--dry-run) migrations pending, 6 database unavailable.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
