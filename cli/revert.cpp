#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "mutation.hpp"
#include "views.hpp"

namespace router::cli {

Runner setup_revert(CLI::App& sub) {
  sub.footer("Records a new revision that restores what the revision changed. Exit codes: 2 not a revision "
             "number, 3 no such revision, 4 a later revision changed the same entities (revert that one first).");
  return positional_mutation(
      sub, {{"rev", "Revision to undo (12 or r12)"}},
      [](config::ConfigService& s, const std::vector<std::string>& args, const config::Actor& a) {
        return s.revert(config::parse_revision(args[0]), a);
      },
      [](const std::vector<std::string>& args) { return fmt::format("reverted r{}", config::parse_revision(args[0])); });
}

}  // namespace router::cli
