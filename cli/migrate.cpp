#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "command.hpp"
#include "config/documents.hpp"
#include "config/dry_run_db.hpp"
#include "config/legacy_env.hpp"
#include "config/service.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/schema.hpp"
#include "mutation.hpp"

namespace router::cli {

namespace {

struct Options {
  bool dry_run = false;
  bool no_backup = false;
  bool verbose = false;
  std::string from_env;
  MutationOptions mutation;
};

constexpr std::size_t kMaxEnvFile = 1 << 20;

config::LegacyImport read_legacy_env(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw core::Error(core::ErrorCode::kInvalidArgument, fmt::format("cannot read '{}'", file));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxEnvFile) {
    throw core::Error(core::ErrorCode::kInvalidArgument, fmt::format("'{}' is larger than 1 MiB: not a .env file", file));
  }
  return config::plan_legacy_import(config::parse_dotenv(text.str()));
}

void print_import(const Context& ctx, const std::string& file, const config::LegacyImport& plan,
                  const config::Mutation& outcome) {
  const auto& out = ctx.out();
  if (!outcome.changed()) {
    out.line(fmt::format("{:<7}{}  nothing to import: the configuration already matches", "import", file));
  } else if (outcome.dry_run) {
    out.line(fmt::format("{:<7}{}  would make {} change(s):", "import", file, outcome.changes.size()));
  } else {
    out.line(fmt::format("{:<7}{}  recorded r{} with {} change(s):", "import", file, *outcome.revision,
                         outcome.changes.size()));
  }
  if (outcome.changed()) {
    print_changes(out, outcome.changes, "  ");
  }
  for (const auto& i : plan.inferred) {
    out.line(fmt::format("  inferred {}", i));
  }
  for (const auto& i : plan.ignored) {
    out.line(out.dim(fmt::format("  ignored {}: {}", i.name, i.reason)));
  }
}

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

  std::optional<config::LegacyImport> legacy;
  std::optional<config::Mutation> imported;
  if (!opt.from_env.empty()) {
    legacy = read_legacy_env(opt.from_env);  // a bad file fails before anything changes
  }
  const auto actor = make_actor(opt.mutation, ctx, config::Source::kMigrate);

  if (opt.dry_run) {
    if (legacy) {
      config::with_migrated_config_db(paths.config_db, [&](db::Database& db) {
        config::ConfigService service(db, secrets::KeyStore(paths.key_file, ctx.env()));
        imported = service.import_legacy(*legacy, actor, config::Mode::kDryRun);
      });
    }
    if (out.json()) {
      boost::json::array dbs;
      for (const auto& p : plans) {
        dbs.push_back(plan_json(p, opt.verbose));
      }
      boost::json::object doc{{"dry_run", true}, {"pending_count", pending}, {"databases", std::move(dbs)}};
      if (imported) {
        doc["import"] = config::import_document(*imported, *legacy);
      }
      out.print_json(doc);
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
      if (imported) {
        print_import(ctx, opt.from_env, *legacy, *imported);
      }
    }
    return pending == 0 && !(imported && imported->changed()) ? core::kExitOk : core::kExitPending;
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
  if (legacy) {
    ctx.open_databases();
    imported = ctx.config().import_legacy(*legacy, actor, config::Mode::kApply);
    if (!out.json()) {
      print_import(ctx, opt.from_env, *legacy, *imported);
    }
  }
  if (out.json()) {
    boost::json::array dbs;
    for (const auto& p : plans) {
      dbs.push_back(plan_json(p, opt.verbose));
    }
    boost::json::object doc{{"dry_run", false}, {"applied_count", pending}, {"databases", std::move(dbs)}};
    if (imported) {
      doc["import"] = config::import_document(*imported, *legacy);
    }
    out.print_json(doc);
  }
  return core::kExitOk;
}

}  // namespace

Runner setup_migrate(CLI::App& sub) {
  auto opt = std::make_shared<Options>();
  sub.add_flag("--dry-run", opt->dry_run, "Print the plan and change nothing; exit 10 when work is pending");
  sub.add_flag("--no-backup", opt->no_backup, "Skip the automatic backup into backups/");
  sub.add_flag("--verbose,-v", opt->verbose, "Also print each migration's SQL");
  sub.add_option("--from-env", opt->from_env,
                 "Then import a legacy .env of the earlier implementation (one revision; idempotent)");
  add_mutation_options(sub, opt->mutation);
  sub.footer("Exit codes: 0 done or nothing pending, 10 (--dry-run) migrations or import changes pending, 2 "
             "unreadable or inconsistent .env, 6 database or master key unavailable.");
  return [opt](Context& ctx) { return run(*opt, ctx); };
}

}  // namespace router::cli
