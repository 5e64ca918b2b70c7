#include <catch2/catch.hpp>

#include <algorithm>

#include "config/legacy_env.hpp"
#include "core/error.hpp"

using router::config::parse_dotenv;
using router::config::plan_legacy_import;

namespace {

const router::config::LegacyProvider* find(const router::config::LegacyImport& plan, std::string_view id) {
  for (const auto& p : plan.providers) {
    if (p.provider.id == id) {
      return &p;
    }
  }
  return nullptr;
}

std::optional<std::string> config_text(const router::config::LegacyProvider& p, std::string_view key) {
  for (const auto& c : p.provider.config) {
    if (c.key == key) {
      return c.text;
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("parse_dotenv: comments, export, quotes, inline comments and multi-line values", "[config]") {
  const auto vars = parse_dotenv(
      "# a comment\n"
      "\n"
      "export A=1\n"
      "B = two words   # trailing comment\n"
      "C='single # not a comment'\n"
      "D=\"line1\\nline2 \\\"q\\\"\"\n"
      "E=\"spans\n"
      "two lines\"\n"
      "F=http://host/path#frag\n"
      "G=\n"
      "A=override\r\n");
  REQUIRE(vars.size() == 8);
  CHECK(vars[0].name == "A");
  CHECK(vars[0].value == "1");
  CHECK(vars[1].value == "two words");
  CHECK(vars[2].value == "single # not a comment");
  CHECK(vars[3].value == "line1\nline2 \"q\"");
  CHECK(vars[4].value == "spans\ntwo lines");
  CHECK(vars[4].line == 7);
  CHECK(vars[5].value == "http://host/path#frag");
  CHECK(vars[6].value.empty());
  CHECK(vars[7].value == "override");
  CHECK(vars[7].line == 11);
}

TEST_CASE("parse_dotenv: malformed lines name the line and never the value", "[config]") {
  const auto fails_with = [](const std::string& text) {
    try {
      (void)parse_dotenv(text);
    } catch (const router::core::Error& e) {
      CHECK(e.code() == router::core::ErrorCode::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(fails_with("OK=1\nnot an assignment\n") == ".env line 2: expected NAME=VALUE");
  CHECK(fails_with("KEY=\"sk-secret-unterminated\n") == ".env line 1: unterminated double-quoted value");
  CHECK(fails_with("KEY='sk-secret\n") == ".env line 1: unterminated quoted value");
  CHECK(fails_with("KEY=\"sk-secret\" trailing\n").find("sk-secret") == std::string::npos);
}

TEST_CASE("plan_legacy_import: the earlier implementation's variables map to providers", "[config]") {
  const auto plan = plan_legacy_import(parse_dotenv(
      "LM_STUDIO_BASE_URL=http://192.168.0.22:1234/v1\n"
      "QWEN_TOKEN=tok-1\nQWEN_COOKIES=token=abc\n"
      "QWEN_BASE_URL=https://chat.qwen.ai\n"
      "QWEN_API_KEY=sk-dashscope\n"
      "ANTHROPIC_API_KEY=sk-ant\n"
      "REQUEST_TIMEOUT=60000\nPORT=4000\nLOG_LEVEL=WARN\n"
      "DEFAULT_PROVIDER=QWEN_DIRECT\n"
      "LOG_REQUESTS=true\nMYSTERY=1\n"));
  REQUIRE(find(plan, "lm-studio"));
  CHECK(config_text(*find(plan, "lm-studio"), "baseURL") == "http://192.168.0.22:1234/v1");
  CHECK(config_text(*find(plan, "lm-studio"), "timeout") == "60000ms");  // the legacy value was milliseconds: imported with its unit
  // Issue 19 item 14: LM Studio gets no cloud model name as its default (was "qwen3-max").
  CHECK_FALSE(find(plan, "lm-studio")->default_model);
  CHECK_FALSE(find(plan, "lm-studio")->default_model_explicit);
  REQUIRE(find(plan, "qwen-direct"));
  CHECK(config_text(*find(plan, "qwen-direct"), "baseURL") == "https://chat.qwen.ai");
  REQUIRE(find(plan, "qwen-dashscope"));
  CHECK(find(plan, "qwen-dashscope")->provider.type == "openai");
  CHECK(config_text(*find(plan, "qwen-dashscope"), "baseURL") == "https://dashscope.aliyuncs.com/compatible-mode/v1");
  CHECK(find(plan, "anthropic"));
  CHECK_FALSE(find(plan, "openai"));
  CHECK_FALSE(find(plan, "qwen-proxy"));
  CHECK(plan.active_provider == "qwen-direct");
  CHECK_FALSE(plan.active_is_fallback);
  CHECK(plan.settings == std::vector<std::pair<std::string, std::string>>{{"server.listen", "127.0.0.1:4000"},
                                                                          {"log.level", "warn"}});
  REQUIRE(plan.ignored.size() == 2);
  CHECK(plan.ignored[0].name == "LOG_REQUESTS");
  CHECK(plan.ignored[1].name == "MYSTERY");
}

TEST_CASE("plan_legacy_import: legacy DEFAULT_PROVIDER spellings and fallbacks", "[config]") {
  CHECK(plan_legacy_import(parse_dotenv("DEFAULT_PROVIDER=lm-studio-default\n")).active_provider == "lm-studio");
  CHECK(plan_legacy_import(parse_dotenv("DEFAULT_PROVIDER=LMStudio\n")).active_provider == "lm-studio");
  const auto proxy = plan_legacy_import(parse_dotenv("DEFAULT_PROVIDER=qwen_proxy\n"));
  CHECK(proxy.active_provider == "qwen-proxy");
  CHECK(find(proxy, "qwen-proxy"));  // needs nothing from the file, as the old seeder did
  // The old "qwen-direct" with only an API key was DashScope's OpenAI-compatible endpoint.
  CHECK(plan_legacy_import(parse_dotenv("QWEN_API_KEY=sk-x\nDEFAULT_PROVIDER=qwen-direct\n")).active_provider ==
        "qwen-dashscope");
  const auto single = plan_legacy_import(parse_dotenv("OPENAI_API_KEY=sk-x\n"));
  CHECK(single.active_provider == "openai");
  CHECK(single.active_is_fallback);
  CHECK(config_text(*find(single, "openai"), "baseURL") == "https://api.openai.com/v1");
}

TEST_CASE("plan_legacy_import: inconsistent files are refused", "[config]") {
  CHECK_THROWS_WITH(plan_legacy_import(parse_dotenv("QWEN_TOKEN=t\n")),
                    "QWEN_TOKEN is set but QWEN_COOKIES is not: the qwen-direct provider needs both");
  CHECK_THROWS_WITH(plan_legacy_import(parse_dotenv("ANTHROPIC_BASE_URL=https://x.example\n")),
                    "ANTHROPIC_API_KEY is missing: the anthropic provider needs it");
  const auto no_key = plan_legacy_import(parse_dotenv("QWEN_BASE_URL=https://dashscope.aliyuncs.com/v1\n"));
  REQUIRE(no_key.ignored.size() == 1);
  CHECK(no_key.ignored[0].reason == "an OpenAI-compatible Qwen URL without QWEN_API_KEY");
}
