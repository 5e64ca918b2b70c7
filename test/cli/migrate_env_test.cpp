#include <catch2/catch.hpp>

#include <filesystem>

#include <boost/json.hpp>

#include "support/cli.hpp"

using Catch::Matchers::Contains;
using router::test::CliDb;

namespace {

// A .env as users of the earlier Node.js implementation have it.
constexpr const char* kLegacyEnv = R"(# provider router
PORT=3001
HOST=0.0.0.0
export DEFAULT_PROVIDER=lm-studio-default

LM_STUDIO_BASE_URL=http://192.168.0.22:1234/v1   # the GPU box
LM_STUDIO_DEFAULT_MODEL="qwen3-coder-30b"
QWEN_PROXY_BASE_URL='http://localhost:3000'
QWEN_TOKEN=umid-token-0000000001
QWEN_COOKIES="token=eyJhbGciOiJIUzI1NiJ9.e30.x; bx-umidtoken=umid-token-0000000001"
OPENAI_API_KEY=sk-legacy-openai-000000000001
ANTHROPIC_API_KEY=sk-ant-legacy-00000000001
REQUEST_TIMEOUT=60000
LOG_LEVEL=debug
USE_LEGACY_CONFIG=false
NODE_ENV=production
)";

}  // namespace

TEST_CASE("cli migrate --from-env: imports the legacy .env once, a re-run changes nothing", "[cli]") {
  CliDb t;
  const auto env_file = (t.dir / ".env").string();
  router::test::write_file(env_file, kLegacyEnv);

  // A dry run on a machine without a database: prints the plan, creates nothing, exits 10.
  auto r = t.run({"migrate", "--from-env", env_file, "--dry-run"});
  INFO(r.err);
  CHECK(r.exit_code == 10);
  CHECK_THAT(r.out, Contains("would make 26 change(s)") && Contains("lm-studio/qwen3-coder-30b") &&
                        Contains("ignored USE_LEGACY_CONFIG") && Contains("ignored NODE_ENV"));
  CHECK_THAT(r.out, !Contains("sk-legacy-openai-000000000001"));
  CHECK_FALSE(std::filesystem::exists(t.db));
  CHECK_FALSE(std::filesystem::exists(t.dir / "router.key"));

  const auto doc = t.json({"migrate", "--from-env", env_file});
  const auto& imported = doc.at("import").as_object();
  CHECK(imported.at("revision") == 1);
  CHECK(imported.at("changes").as_array().size() == 26);
  CHECK(imported.at("active_provider") == "lm-studio");
  CHECK(imported.at("ignored_variables").as_array().size() == 2);
  CHECK(imported.at("imported_variables").as_array().size() == 12);

  const auto providers = t.json({"provider", "list"});
  CHECK(providers.at("active_provider") == "lm-studio");
  std::vector<std::string> ids;
  for (const auto& p : providers.at("providers").as_array()) {
    ids.emplace_back(p.at("id").as_string());
  }
  CHECK(ids == std::vector<std::string>{"lm-studio", "qwen-direct", "qwen-proxy", "anthropic", "openai"});
  const auto lm = t.json({"provider", "show", "lm-studio"});
  CHECK(lm.at("models").as_array().at(0) ==
        boost::json::parse(R"({"model_id":"qwen3-coder-30b","default":true,"upstream_model":null})"));
  CHECK(t.json({"provider", "show", "qwen-direct", "--reveal"}).at("config").as_array().at(0).at("value") ==
        "umid-token-0000000001");
  CHECK(t.json({"provider", "show", "openai"}).at("config").as_array().at(0).at("value") == "https://api.openai.com/v1");
  const auto models = t.json({"model", "list"}).at("models").as_array();
  REQUIRE(models.size() == 2);
  CHECK(models.at(1).at("id") == "qwen3-max");
  CHECK(models.at(1).at("providers").as_array().size() == 2);  // qwen-direct and qwen-proxy
  CHECK(t.json({"config", "get", "server.listen"}).at("value") == "0.0.0.0:3001");
  CHECK(t.json({"config", "get", "log.level"}).at("value") == "debug");
  CHECK(t.json({"show", "1"}).at("source") == "migrate");
  const auto secrets = router::test::read_file(t.db) + router::test::read_file(t.db + "-wal");
  CHECK(secrets.find("sk-legacy-openai") == std::string::npos);
  CHECK(secrets.find("umid-token") == std::string::npos);

  const auto snapshot = router::test::config_snapshot(t.db);
  r = t.run({"migrate", "--from-env", env_file});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("nothing to import: the configuration already matches"));
  r = t.run({"migrate", "--from-env", env_file, "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(router::test::config_snapshot(t.db) == snapshot);
  CHECK(t.json({"log"}).at("revisions").as_array().size() == 1);
}

TEST_CASE("cli migrate --from-env: bad files and unknown default providers are refused", "[cli]") {
  CliDb t;
  const auto env_file = (t.dir / ".env").string();
  auto r = t.run({"migrate", "--from-env", (t.dir / "missing.env").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("cannot read"));
  router::test::write_file(env_file, "QWEN_TOKEN=abc\n");
  r = t.run({"migrate", "--from-env", env_file});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("QWEN_COOKIES"));
  CHECK_FALSE(std::filesystem::exists(t.db));  // refused before anything was created
  router::test::write_file(env_file, "DEFAULT_PROVIDER=qwen-direct\n");
  r = t.run({"migrate", "--from-env", env_file});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Contains("DEFAULT_PROVIDER=qwen-direct: provider 'qwen-direct' not found"));
  CHECK(t.json({"log"}).at("revisions").as_array().empty());
}
