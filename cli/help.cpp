#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include "command.hpp"
#include "context.hpp"
#include "core/error.hpp"
#include "core/text.hpp"

namespace router::cli {

namespace {

int run(Context& ctx, const std::vector<std::string>& words) {
  const CLI::App* app = &ctx.root();
  for (const auto& w : words) {
    const CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (const auto* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
      names.push_back(sub->get_name());
      if (sub->get_name() == w) {
        next = sub;
      }
    }
    if (next == nullptr) {
      throw core::Error(core::ErrorCode::kInvalidArgument,
                        fmt::format("unknown command '{}'{}; run 'router {}--help' for the list", w,
                                    core::did_you_mean(w, names), app == &ctx.root() ? "" : app->get_name() + " "));
    }
    app = next;
  }
  // CLI11 appends the command's own name to the prefix: "router provider" + "edit".
  std::string prefix = "router";
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    prefix += " " + words[i];
  }
  std::fputs(app->help(words.empty() ? "" : prefix).c_str(), stdout);
  return 0;
}

}  // namespace

Runner setup_help(CLI::App& sub) {
  auto words = std::make_shared<std::vector<std::string>>();
  sub.add_option("command", *words, "The command to explain, e.g. 'provider add'");
  return [words](Context& ctx) { return run(ctx, *words); };
}

}  // namespace router::cli
