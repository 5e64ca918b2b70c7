#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/service.hpp"

namespace CLI {
class App;
}

namespace router::cli {

class Context;
class Output;

/// -m/--message and --actor, which every mutating command takes.
struct MutationOptions {
  std::string message;
  std::string actor;
};
void add_mutation_options(CLI::App& sub, MutationOptions& opt);
/// The revision's actor: --actor, else $USER, else $LOGNAME, else "unknown".
[[nodiscard]] config::Actor make_actor(const MutationOptions& opt, const Context& ctx,
                                       config::Source source = config::Source::kCli);

/// "key=value" → {key, value}; throws kInvalidArgument naming the option.
[[nodiscard]] std::pair<std::string, std::string> split_assignment(std::string_view arg, std::string_view option);
/// --set and --secret arguments as service inputs. A secret value of "-" is read from stdin, so
/// it stays out of the shell history and the process list.
[[nodiscard]] std::vector<config::ConfigInput> config_inputs(const std::vector<std::string>& sets,
                                                             const std::vector<std::string>& secrets);

/// Prints what a mutation did: the outcome document with --json; else `headline` with the
/// revision, and the changes when there are several.
void report(const Context& ctx, const config::Outcome& outcome, std::string_view headline);
/// One aligned line per change (op, entity, key, the new value in short), each with `indent`.
void print_changes(const Output& out, const std::vector<config::ChangeRecord>& changes, std::string_view indent);

/// Destructive commands: shows nothing itself; asks on a terminal unless `yes`, and without a
/// terminal requires `yes` (kInvalidArgument). Returns false when the user declined.
[[nodiscard]] bool confirmed(const Context& ctx, std::string_view what, bool yes);

}  // namespace router::cli
