#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "command.hpp"
#include "mutation.hpp"

namespace router::cli {

Runner setup_key_revoke(CLI::App& sub) {
  sub.footer("The key stops working at once; the row stays for the audit trail. Exit codes: 3 unknown key.");
  return positional_mutation(
      sub, {{"name", "Key name"}},
      [](config::ConfigService& s, const std::vector<std::string>& args, const config::Actor& a) {
        return s.revoke_api_key(args[0], a);
      },
      [](const std::vector<std::string>& args) { return fmt::format("revoked key '{}'", args[0]); });
}

}  // namespace router::cli
