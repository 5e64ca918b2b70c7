// Entry point: builds the CLI from the command table, meets each command's Needs, runs it, and
// maps errors to exit codes (DESIGN.md §8). Commands never print "error:" or choose exit codes
// for failures themselves.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/context.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/version.hpp"

namespace {

using router::cli::Command;
using router::cli::Needs;
using router::cli::Runner;

struct Bound {
  Runner runner;
  Needs needs;
};

void print_error(std::string_view message) {
  const std::string line = fmt::format("error: {}\n", message);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

std::vector<std::string> names_under(std::string_view group) {
  std::vector<std::string> names;
  for (const auto& c : router::cli::commands()) {
    const auto space = c.path.find(' ');
    if (group.empty()) {
      std::string first(c.path.substr(0, space));
      if (names.empty() || names.back() != first) {
        names.push_back(std::move(first));
      }
    } else if (space != std::string_view::npos && c.path.substr(0, space) == group) {
      names.emplace_back(c.path.substr(space + 1));
    }
  }
  return names;
}

// CLI11 reports an unknown command as "arguments were not expected"; check the command words
// first so the user gets "unknown command 'x' (did you mean 'y'?)". `path` receives the known
// command words ("provider add"), so a later parse error can point to that command's help.
bool check_command_words(int argc, char** argv, std::string& path) {
  std::vector<std::string> words;
  for (int i = 1; i < argc && words.size() < 2; ++i) {
    const std::string_view a = argv[i];
    if (a == "--db") {
      ++i;
      continue;
    }
    if (a == "--" || a.starts_with("-")) {
      if (a == "--help" || a == "-h" || a == "--version") {
        return true;
      }
      continue;
    }
    words.emplace_back(a);
    const auto top = names_under("");
    if (words.size() == 1) {
      if (std::find(top.begin(), top.end(), words[0]) == top.end()) {
        print_error(fmt::format("unknown command '{}'{}; run 'router --help' for the list", words[0],
                                router::core::did_you_mean(words[0], top)));
        return false;
      }
      path = words[0];
      if (names_under(words[0]).empty()) {
        return true;  // a single-word command: its arguments follow
      }
    } else {
      const auto verbs = names_under(words[0]);
      if (std::find(verbs.begin(), verbs.end(), words[1]) == verbs.end()) {
        print_error(fmt::format("unknown command '{} {}'{}; run 'router help {}' for the list", words[0], words[1],
                                router::core::did_you_mean(words[1], verbs), words[0]));
        return false;
      }
      path += " " + words[1];
    }
  }
  return true;
}

int run(int argc, char** argv) {
  std::string path;
  if (!check_command_words(argc, argv, path)) {
    return router::core::kExitUsage;
  }
  CLI::App root{"OpenAI-compatible LLM provider router and its admin CLI", "router"};
  root.set_version_flag("--version", fmt::format("router {}", router::core::kVersion));
  root.set_help_all_flag("--help-all", "Show help for every command");
  root.require_subcommand(0, 1);
  root.fallthrough();  // global flags are accepted after the command too
  root.footer("Global flags go before or after the command. 'router help <command>' explains one.");

  router::cli::GlobalOptions global;
  root.add_option("--db", global.db, "Configuration database (default: $ROUTER_DB or ~/.local/share/router/router.db)");
  root.add_flag("--json", global.json, "Print JSON documents instead of tables");
  root.add_flag("--no-color", global.no_color, "Never colour the output");

  std::map<const CLI::App*, Bound> bound;
  std::map<std::string, CLI::App*> groups;
  for (const Command& c : router::cli::commands()) {
    CLI::App* parent = &root;
    std::string_view verb = c.path;
    if (const auto space = c.path.find(' '); space != std::string_view::npos) {
      const std::string group(c.path.substr(0, space));
      auto& g = groups[group];
      if (g == nullptr) {
        g = root.add_subcommand(group, std::string(router::cli::group_summary(group)));
        g->require_subcommand(1);
      }
      parent = g;
      verb = c.path.substr(space + 1);
    }
    CLI::App* sub = parent->add_subcommand(std::string(verb), std::string(c.summary));
    bound[sub] = Bound{c.setup(*sub), c.needs};
  }

  try {
    root.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return root.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return root.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string msg = e.what();
    if (!msg.empty()) {
      msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
    }
    print_error(fmt::format("{} (see 'router {}--help')", msg, path.empty() ? "" : path + " "));
    return router::core::kExitUsage;
  }

  const CLI::App* leaf = &root;
  while (true) {
    const auto subs = leaf->get_subcommands();
    if (subs.empty()) {
      break;
    }
    leaf = subs.front();
  }
  const auto it = bound.find(leaf);
  if (it == bound.end()) {
    std::fputs(root.help().c_str(), stdout);
    return router::core::kExitUsage;
  }

  std::unique_ptr<router::cli::Context> ctx_holder;
  try {
    ctx_holder = std::make_unique<router::cli::Context>(global, router::core::process_env, root,
                                                        ::isatty(STDOUT_FILENO) == 1);
    auto& ctx = *ctx_holder;
    switch (it->second.needs) {
      case Needs::kNothing:
        break;
      case Needs::kPaths:
        (void)ctx.paths();
        break;
      case Needs::kDatabases:
        ctx.open_databases();
        break;
      case Needs::kExisting:
        ctx.open_databases(false);
        break;
    }
    const int rc = it->second.runner(ctx);
    std::fflush(stdout);
    ctx.out().flush_notes();
    return rc;
  } catch (const router::core::Error& e) {
    std::fflush(stdout);
    print_error(e.what());
    if (ctx_holder) {
      ctx_holder->out().flush_notes();
    }
    return router::core::exit_code(e.code());
  } catch (const std::exception& e) {
    std::fflush(stdout);
    print_error(fmt::format("internal error: {}", e.what()));
    if (ctx_holder) {
      ctx_holder->out().flush_notes();
    }
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
