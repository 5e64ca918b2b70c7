#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "command.hpp"
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
/// revision, then one line per change (old → new, secrets masked).
void report(const Context& ctx, const config::Mutation& outcome, std::string_view headline);
/// One aligned line per change (op, entity, key, old → new for updates, the entity in short for
/// creations and deletions), each with `indent`.
void print_changes(const Output& out, const std::vector<config::ChangeRecord>& changes, std::string_view indent);

/// A required positional argument.
struct Positional {
  const char* name;
  const char* help;
};
/// Runs the mutation with the positional values in declaration order.
using Apply = std::function<config::Mutation(config::ConfigService& service, const std::vector<std::string>& args,
                                            const config::Actor& actor)>;
/// The headline report() prints, from the positional values.
using Headline = std::function<std::string(const std::vector<std::string>& args)>;

/// The shape most mutating commands share: required positionals plus -m/--actor; the runner
/// applies the mutation and reports its outcome.
[[nodiscard]] Runner positional_mutation(CLI::App& sub, std::vector<Positional> positionals, Apply apply,
                                         Headline headline);

/// Removes with the service's removal `remove(service, id, actor, mode)`.
using Removal = std::function<config::Mutation(config::ConfigService& service, const std::string& id,
                                              const config::Actor& actor, config::Mode mode)>;
/// `provider remove` and `model remove`: ID, --yes, -m/--actor. The runner prints what the removal
/// deletes (a dry run), asks on a terminal unless --yes, requires --yes without one
/// (kInvalidArgument), then removes. `noun` is "provider" or "model".
[[nodiscard]] Runner removal_command(CLI::App& sub, std::string_view noun, Removal remove);

}  // namespace router::cli
