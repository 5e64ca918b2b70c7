#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "config/legacy_env.hpp"
#include "config/service.hpp"
#include "core/error.hpp"
#include "db/sqlite/config_repository.hpp"
#include "db/sqlite/database.hpp"
#include "db/sqlite/schema.hpp"
#include "secrets/secrets.hpp"
#include "support/cli.hpp"
#include "support/temp_dir.hpp"

using router::config::Actor;
using router::config::ConfigInput;
using router::config::ConfigService;
using router::config::Mode;
using router::config::NewProvider;
using router::config::ProviderEdit;
using router::core::Error;
using router::core::ErrorCode;

namespace {

struct Fixture {
  router::test::TempDir dir;
  std::filesystem::path db_path = dir / "router.db";
  std::filesystem::path key_file = dir / "router.key";
  std::map<std::string, std::string, std::less<>> env;
  router::db::Database db = router::db::open_current(db_path, router::db::DbKind::kConfig);
  std::unique_ptr<ConfigService> service = make_service();
  Actor actor{"tester", router::config::Source::kCli, ""};

  [[nodiscard]] router::secrets::KeyStore key_store() {
    return router::secrets::KeyStore(key_file, [this](std::string_view name) -> std::optional<std::string> {
      const auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    });
  }
  // A fresh service is what a later process would see: nothing cached.
  [[nodiscard]] std::unique_ptr<ConfigService> make_service() { return std::make_unique<ConfigService>(db, key_store()); }
  ConfigService& svc() { return *service; }

  std::int64_t revision_count() {
    const auto revs = router::db::RevisionRepository(db).list(100000);
    return static_cast<std::int64_t>(revs.size());
  }

  std::string stored_sealed(std::string_view provider, std::string_view key) {
    const auto v = router::db::ProviderRepository(db).find_config(provider, key);
    REQUIRE(v);
    return std::string(boost::json::parse(v->value_json).as_string());
  }
};

NewProvider openai(std::string id, std::string secret = "sk-test-0000000000001111") {
  NewProvider p;
  p.id = std::move(id);
  p.type = "openai";
  p.config = {ConfigInput::plain("baseURL", "https://api.example.com/v1"), ConfigInput::secret("apiKey", std::move(secret))};
  return p;
}

template <typename F>
ErrorCode code_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  FAIL("expected an error");
  return ErrorCode::kInternal;
}

template <typename F>
std::string message_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("expected an error");
  return {};
}

}  // namespace

TEST_CASE("ConfigService: every mutation is one revision, and a no-op writes none", "[config]") {
  Fixture f;
  const auto added = f.svc().add_provider(openai("a"), f.actor);
  REQUIRE(added.revision == 1);
  CHECK(added.changes.size() == 3);  // provider + baseURL + apiKey
  CHECK(f.revision_count() == 1);

  SECTION("the same values again change nothing") {
    ProviderEdit same;
    same.config = {ConfigInput::plain("baseURL", "https://api.example.com/v1"),
                   ConfigInput::secret("apiKey", "sk-test-0000000000001111")};
    const auto o = f.svc().edit_provider("a", same, f.actor);
    CHECK_FALSE(o.changed());
    CHECK_FALSE(o.revision);
    CHECK(f.revision_count() == 1);
  }
  SECTION("a changed secret is one update, recorded masked") {
    ProviderEdit edit;
    edit.config = {ConfigInput::secret("apiKey", "sk-test-0000000000002222")};
    const auto o = f.svc().edit_provider("a", edit, f.actor);
    REQUIRE(o.changes.size() == 1);
    CHECK(o.changes[0].op == "update");
    CHECK(o.changes[0].after->at("value") == "sk-…2222");
    CHECK_FALSE(o.changes[0].after->contains("sealed"));
    const auto rev = f.svc().revision_document(*o.revision);
    CHECK(boost::json::serialize(rev).find("enc:v1:") == std::string::npos);
    CHECK(boost::json::serialize(rev).find("0000000000002222") == std::string::npos);
  }
}

TEST_CASE("ConfigService: validation errors carry their codes", "[config]") {
  Fixture f;
  f.svc().add_provider(openai("alpha"), f.actor);
  CHECK(code_of([&] { (void)f.svc().add_provider(openai("alpha"), f.actor); }) == ErrorCode::kConflict);
  CHECK(code_of([&] { (void)f.svc().add_provider(openai("Bad_Id"), f.actor); }) == ErrorCode::kInvalidArgument);
  auto no_url = openai("beta");
  no_url.config.erase(no_url.config.begin());
  CHECK(message_of([&] { (void)f.svc().add_provider(no_url, f.actor); }).find("requires config 'baseURL'") !=
        std::string::npos);
  auto plain_secret = openai("gamma");
  plain_secret.config[1] = ConfigInput::plain("apiKey", "sk-xxxxxxxxxxxxxxxx");
  CHECK(message_of([&] { (void)f.svc().add_provider(plain_secret, f.actor); }).find("give it with --secret apiKey=VALUE") != std::string::npos);
  auto secret_url = openai("delta");
  secret_url.config[0] = ConfigInput::secret("baseURL", "https://x.example/v1");
  CHECK(code_of([&] { (void)f.svc().add_provider(secret_url, f.actor); }) == ErrorCode::kInvalidArgument);
  auto bad_env = openai("eps");
  bad_env.config[1] = ConfigInput::secret("apiKey", "env:NOT A NAME");
  CHECK(code_of([&] { (void)f.svc().add_provider(bad_env, f.actor); }) == ErrorCode::kInvalidArgument);
  CHECK(message_of([&] { (void)f.svc().edit_provider("alpah", ProviderEdit{}, f.actor); }) ==
        "provider 'alpah' not found (did you mean 'alpha'?)");
  CHECK(code_of([&] { (void)f.svc().set_active_provider("nope", f.actor); }) == ErrorCode::kNotFound);
  f.svc().set_provider_enabled("alpha", false, f.actor);
  CHECK(code_of([&] { (void)f.svc().set_active_provider("alpha", f.actor); }) == ErrorCode::kConflict);
  f.svc().set_provider_enabled("alpha", true, f.actor);
  f.svc().set_active_provider("alpha", f.actor);
  CHECK(code_of([&] { (void)f.svc().set_provider_enabled("alpha", false, f.actor); }) == ErrorCode::kConflict);
  CHECK(code_of([&] { (void)f.svc().remove_provider("alpha", f.actor); }) == ErrorCode::kConflict);
  ProviderEdit unset_required;
  unset_required.unset = {"baseURL"};
  CHECK(code_of([&] { (void)f.svc().edit_provider("alpha", unset_required, f.actor); }) == ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().set_setting("routing.fallbak", "true", f.actor); }) == ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().revert(99, f.actor); }) == ErrorCode::kNotFound);
}

TEST_CASE("ConfigService: a new default link clears the old one in the same revision", "[config]") {
  Fixture f;
  f.svc().add_provider(openai("p"), f.actor);
  f.svc().link_model("p", "m1", {true, std::nullopt}, f.actor);
  const auto o = f.svc().link_model("p", "m2", {true, std::string("upstream-2")}, f.actor);
  REQUIRE(o.changes.size() == 3);  // model m2 created, m1 no longer default, m2 linked as default
  CHECK(o.changes[0].entity == "model");
  CHECK(o.changes[1].key == "p/m1");
  CHECK(o.changes[1].after->at("default") == false);
  CHECK(o.changes[2].after->at("default") == true);
  // Reverting restores m1 as the default: the reverse order keeps the one-default index happy.
  f.svc().revert(*o.revision, f.actor);
  const auto links = router::db::ModelRepository(f.db).links_of_provider("p");
  REQUIRE(links.size() == 1);
  CHECK(links[0].model_id == "m1");
  CHECK(links[0].is_default);
}

TEST_CASE("ConfigService: reverting every revision in reverse restores each earlier configuration exactly", "[config]") {
  Fixture f;
  std::vector<std::vector<std::string>> snapshots{router::test::config_snapshot(f.db_path)};
  std::vector<std::int64_t> revs;
  auto step = [&](const router::config::Mutation& o) {
    REQUIRE(o.revision);
    revs.push_back(*o.revision);
    snapshots.push_back(router::test::config_snapshot(f.db_path));
  };
  step(f.svc().add_provider(openai("a"), f.actor));
  step(f.svc().add_provider(openai("b", "sk-test-bbbbbbbbbbbbbbbb"), f.actor));
  step(f.svc().set_active_provider("a", f.actor).outcome);
  step(f.svc().link_model("b", "gpt-x", {true, std::string("gpt-x-2025")}, f.actor));
  ProviderEdit edit;
  edit.name = "Bee";
  edit.priority = 7;
  edit.config = {ConfigInput::secret("apiKey", "sk-test-cccccccccccccccc"), ConfigInput::plain("timeout", "30s")};
  step(f.svc().edit_provider("b", edit, f.actor));
  step(f.svc().set_setting("routing.max_attempts", "5", f.actor));
  step(f.svc().create_api_key("ci", false, f.actor).outcome);
  step(f.svc().revoke_api_key("ci", f.actor));
  step(f.svc().remove_provider("b", f.actor));

  for (std::size_t i = revs.size(); i-- > 0;) {
    INFO("reverting r" << revs[i]);
    const auto o = f.svc().revert(revs[i], f.actor);
    CHECK(o.revision);
    CHECK(router::test::config_snapshot(f.db_path) == snapshots[i]);
    if (i + 1 == revs.size()) {
      // Undoing the removal restored the original ciphertext, and it still opens.
      CHECK(f.svc().provider_document("b", true).at("config").as_array().at(1).at("value") ==
            "sk-test-cccccccccccccccc");
    }
  }
  CHECK(snapshots.front().empty());
}

TEST_CASE("ConfigService: revert refuses when a later revision changed the same entity", "[config]") {
  Fixture f;
  const auto r1 = *f.svc().add_provider(openai("a"), f.actor).revision;
  ProviderEdit edit;
  edit.config = {ConfigInput::plain("baseURL", "https://other.example/v1")};
  const auto r2 = *f.svc().edit_provider("a", edit, f.actor).revision;
  const auto before = router::test::config_snapshot(f.db_path);
  const auto msg = message_of([&] { (void)f.svc().revert(r1, f.actor); });
  CHECK(msg == fmt::format("cannot revert r{}: r{} changed config 'baseURL' of provider 'a' since; revert r{} first",
                           r1, r2, r2));
  CHECK(code_of([&] { (void)f.svc().revert(r1, f.actor); }) == ErrorCode::kConflict);
  CHECK(router::test::config_snapshot(f.db_path) == before);  // nothing half-applied

  SECTION("a later link blocks deleting the provider") {
    f.svc().revert(r2, f.actor);
    const auto r4 = *f.svc().link_model("a", "m", {}, f.actor).revision;
    CHECK(message_of([&] { (void)f.svc().revert(r1, f.actor); }).find(fmt::format("r{} changed", r4)) !=
          std::string::npos);
  }
  SECTION("a revert may not leave the active provider missing or disabled") {
    f.svc().revert(r2, f.actor);
    f.svc().set_active_provider("a", f.actor);
    CHECK(message_of([&] { (void)f.svc().revert(r1, f.actor); }).find("active provider") != std::string::npos);
    f.svc().add_provider(openai("b"), f.actor);
    const auto sw = f.svc().set_active_provider("b", f.actor).outcome.revision;
    f.svc().set_provider_enabled("a", false, f.actor);
    CHECK(code_of([&] { (void)f.svc().revert(*sw, f.actor); }) == ErrorCode::kConflict);
  }
}

TEST_CASE("ConfigService: a missing or wrong master key is a clear error naming the providers", "[config]") {
  Fixture f;
  f.svc().add_provider(openai("sealed-one"), f.actor);
  REQUIRE(std::filesystem::exists(f.key_file));
  CHECK((std::filesystem::status(f.key_file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  const auto recorded = router::db::SettingsRepository(f.db).meta("master_key_fingerprint");
  REQUIRE(recorded);
  CHECK(*recorded == f.key_store().load()->fingerprint());

  SECTION("missing") {
    std::filesystem::remove(f.key_file);
    auto fresh = f.make_service();
    const auto msg = message_of([&] { (void)fresh->provider_document("sealed-one", true); });
    CHECK(msg.find("master key missing") != std::string::npos);
    CHECK(msg.find("'sealed-one'") != std::string::npos);
    CHECK(code_of([&] { (void)fresh->add_provider(openai("other"), f.actor); }) == ErrorCode::kUnavailable);
    CHECK_FALSE(std::filesystem::exists(f.key_file));  // never silently replaced by a new key
    // Reads that only mask keep working, without garbage.
    const auto doc = fresh->provider_document("sealed-one", false);
    CHECK(doc.at("config").as_array().at(1).at("value") == "(sealed: master key unavailable)");
  }
  SECTION("wrong") {
    f.env["ROUTER_MASTER_KEY"] = router::secrets::MasterKey::generate().to_base64();
    auto fresh = f.make_service();
    const auto msg = message_of([&] { (void)fresh->master_key(); });
    CHECK(msg.find("wrong master key") != std::string::npos);
    CHECK(msg.find("'sealed-one'") != std::string::npos);
    CHECK(code_of([&] { (void)fresh->master_key(); }) == ErrorCode::kUnavailable);
  }
}

TEST_CASE("ConfigService: rotation re-seals configs and history, and reverts still apply", "[config]") {
  Fixture f;
  const auto r1 = *f.svc().add_provider(openai("a", "sk-test-first-000000001"), f.actor).revision;
  ProviderEdit edit;
  edit.config = {ConfigInput::secret("apiKey", "sk-test-second-00000002")};
  const auto r2 = *f.svc().edit_provider("a", edit, f.actor).revision;
  const auto old_key = *f.key_store().load();
  const auto old_sealed = f.stored_sealed("a", "apiKey");

  const auto rot = f.svc().rotate_master_key(std::nullopt);
  CHECK(rot.rotated);
  CHECK(rot.configs_resealed == 1);
  CHECK(rot.history_resealed == 3);  // r1 after, r2 before and after
  const auto new_key = *f.key_store().load();
  CHECK(new_key.fingerprint() == rot.new_fingerprint);
  CHECK_FALSE(std::filesystem::exists(f.key_file.string() + ".new"));
  const auto new_sealed = f.stored_sealed("a", "apiKey");
  CHECK(new_sealed != old_sealed);
  CHECK(router::secrets::unseal(new_key, new_sealed) == "sk-test-second-00000002");
  CHECK_THROWS(router::secrets::unseal(old_key, new_sealed));
  for (const auto& c : router::db::RevisionRepository(f.db).changes_of("provider_config")) {
    for (const auto& text : {c.before_json, c.after_json}) {
      if (text && text->find("sealed") != std::string::npos) {
        const auto sealed = boost::json::parse(*text).at("sealed").as_string();
        CHECK_NOTHROW(router::secrets::unseal(new_key, sealed));
      }
    }
  }
  // Revert compares ciphertexts: the live value and r2's "after" were re-sealed identically.
  auto fresh = f.make_service();
  fresh->revert(r2, f.actor);
  CHECK(fresh->provider_document("a", true).at("config").as_array().at(1).at("value") == "sk-test-first-000000001");
  (void)r1;
}

TEST_CASE("ConfigService: an interrupted rotation is finished by the next start", "[config]") {
  Fixture f;
  f.svc().add_provider(openai("a", "sk-test-interrupted-0001"), f.actor);
  const auto old_text = router::test::read_file(f.key_file);

  SECTION("after the commit, before the rename") {
    const auto rot = f.svc().rotate_master_key(std::nullopt);
    // Put the files back as they were between the database commit and the rename.
    std::filesystem::rename(f.key_file, f.key_file.string() + ".new");
    router::test::write_file(f.key_file, old_text);
    auto later = f.make_service();
    const auto key = later->master_key();
    REQUIRE(key);
    CHECK(key->fingerprint() == rot.new_fingerprint);
    CHECK_FALSE(std::filesystem::exists(f.key_file.string() + ".new"));
    CHECK(later->provider_document("a", true).at("config").as_array().at(1).at("value") == "sk-test-interrupted-0001");
  }
  SECTION("before the commit: the staged key is left alone") {
    f.key_store().stage(router::secrets::MasterKey::generate());
    auto later = f.make_service();
    CHECK(later->provider_document("a", true).at("config").as_array().at(1).at("value") == "sk-test-interrupted-0001");
    CHECK(router::test::read_file(f.key_file) == old_text);
    CHECK(std::filesystem::exists(f.key_file.string() + ".new"));
    // A later rotation replaces the stale staged key and succeeds.
    CHECK(later->rotate_master_key(std::nullopt).rotated);
    CHECK(later->provider_document("a", true).at("config").as_array().at(1).at("value") == "sk-test-interrupted-0001");
  }
}

TEST_CASE("ConfigService: rotation with ROUTER_MASTER_KEY needs ROUTER_NEW_MASTER_KEY", "[config]") {
  Fixture f;
  const auto env_key = router::secrets::MasterKey::generate();
  f.env["ROUTER_MASTER_KEY"] = env_key.to_base64();
  f.service = f.make_service();
  f.svc().add_provider(openai("a", "sk-test-env-key-0000001"), f.actor);
  CHECK_FALSE(std::filesystem::exists(f.key_file));
  CHECK(message_of([&] { (void)f.svc().rotate_master_key(std::nullopt); }).find("ROUTER_NEW_MASTER_KEY") !=
        std::string::npos);
  const auto next = router::secrets::MasterKey::generate();
  const auto rot = f.svc().rotate_master_key(next.to_base64());
  CHECK(rot.from_env);
  CHECK(rot.new_fingerprint == next.fingerprint());
  CHECK(router::secrets::unseal(next, f.stored_sealed("a", "apiKey")) == "sk-test-env-key-0000001");
  // Until the variable is switched, the old key is refused clearly.
  CHECK(code_of([&] { (void)f.make_service()->master_key(); }) == ErrorCode::kUnavailable);
  f.env["ROUTER_MASTER_KEY"] = next.to_base64();
  CHECK(f.make_service()->master_key()->fingerprint() == next.fingerprint());
}

TEST_CASE("ConfigService: the legacy import is one revision, idempotent, and a dry run changes nothing", "[config]") {
  Fixture f;
  const auto plan = router::config::plan_legacy_import(router::config::parse_dotenv(
      "LM_STUDIO_BASE_URL=http://10.0.0.2:1234/v1\n"
      "LM_STUDIO_DEFAULT_MODEL=qwen3-coder\n"
      "OPENAI_API_KEY=sk-legacy-openai-0000001\n"
      "DEFAULT_PROVIDER=lm-studio-default\n"));
  const Actor migrate{"tester", router::config::Source::kMigrate, ""};

  const auto dry = f.svc().import_legacy(plan, migrate, Mode::kDryRun);
  CHECK(dry.dry_run);
  CHECK(dry.changes.size() > 5);
  CHECK_FALSE(dry.revision);
  CHECK(f.revision_count() == 0);
  CHECK(router::test::config_snapshot(f.db_path).empty());
  CHECK_FALSE(std::filesystem::exists(f.key_file));  // a dry run creates no key either

  const auto applied = f.svc().import_legacy(plan, migrate, Mode::kApply);
  REQUIRE(applied.revision);
  CHECK(applied.changes.size() == dry.changes.size());
  CHECK(f.revision_count() == 1);
  CHECK(router::db::RevisionRepository(f.db).find(*applied.revision)->source == "migrate");
  const auto snapshot = router::test::config_snapshot(f.db_path);

  const auto again = f.make_service()->import_legacy(plan, migrate, Mode::kApply);
  CHECK_FALSE(again.changed());
  CHECK(f.revision_count() == 1);
  CHECK(router::test::config_snapshot(f.db_path) == snapshot);
  CHECK(f.svc().providers_document({}).at("active_provider") == "lm-studio");
}

TEST_CASE("ConfigService: replace_provider replaces every field and the whole config in one revision", "[config]") {
  Fixture f;
  auto p = openai("a");
  p.name = "Alpha";
  p.priority = 5;
  p.description = "first";
  p.config.push_back(ConfigInput::plain("timeout", "30s"));
  f.svc().add_provider(p, f.actor);
  const auto revisions = f.revision_count();

  NewProvider put;
  put.id = "a";
  put.type = "openai";
  put.config = {ConfigInput::from_json("baseURL", "https://replaced.example/v1"),
                ConfigInput::from_json("apiKey", "sk-test-0000000000001111")};
  const auto o = f.svc().replace_provider(put, f.actor);
  REQUIRE(o.revision);
  CHECK(f.revision_count() == revisions + 1);
  const auto doc = f.svc().provider_document("a", false);
  CHECK(doc.at("name") == "a");  // not given: the default, not the old value
  CHECK(doc.at("priority") == 0);
  CHECK(doc.at("description") == "");
  const auto stored = router::db::ProviderRepository(f.db).configs("a");
  REQUIRE(stored.size() == 2);  // timeout removed
  CHECK(stored[0].key == "apiKey");
  CHECK(stored[1].key == "baseURL");
  // The same secret again kept its ciphertext: only baseURL, timeout and the provider changed.
  CHECK(o.changes.size() == 3);

  SECTION("errors change nothing") {
    const auto before = router::test::config_snapshot(f.db_path);
    put.id = "ghost";
    CHECK(code_of([&] { (void)f.svc().replace_provider(put, f.actor); }) == ErrorCode::kNotFound);
    put.id = "a";
    put.config.erase(put.config.begin());  // baseURL is required
    CHECK(code_of([&] { (void)f.svc().replace_provider(put, f.actor); }) == ErrorCode::kInvalidArgument);
    CHECK(router::test::config_snapshot(f.db_path) == before);
    f.svc().add_provider(openai("b"), f.actor);
    f.svc().set_active_provider("a", f.actor);
    const auto with_b = router::test::config_snapshot(f.db_path);
    put = NewProvider{"a", "openai", std::string("b"), 0, "", true, {ConfigInput::from_json("baseURL", "https://x.example/v1")}};
    CHECK(code_of([&] { (void)f.svc().replace_provider(put, f.actor); }) == ErrorCode::kConflict);  // name taken
    put.name = std::nullopt;
    put.enabled = false;
    CHECK(code_of([&] { (void)f.svc().replace_provider(put, f.actor); }) == ErrorCode::kConflict);  // active
    CHECK(router::test::config_snapshot(f.db_path) == with_b);
  }
  SECTION("the type may change, with the new type's schema") {
    NewProvider lm{"a", "lm-studio", std::nullopt, 0, "", true, {}};
    f.svc().replace_provider(lm, f.actor);
    CHECK(f.svc().provider_document("a", false).at("type") == "lm-studio");
    CHECK(router::db::ProviderRepository(f.db).configs("a").empty());
    lm.config = {ConfigInput::from_json("apiKey", "sk-test-0000000000001111")};
    CHECK(code_of([&] { (void)f.svc().replace_provider(lm, f.actor); }) == ErrorCode::kInvalidArgument);
  }
  SECTION("a revert restores the replaced provider exactly") {
    const auto after = router::test::config_snapshot(f.db_path);
    f.svc().revert(*o.revision, f.actor);
    CHECK(f.svc().provider_document("a", false).at("name") == "Alpha");
    CHECK(router::db::ProviderRepository(f.db).configs("a").size() == 3);
    CHECK(router::test::config_snapshot(f.db_path) != after);
  }
}

TEST_CASE("ConfigService: the config of a provider is replaced, or unset key by key", "[config]") {
  Fixture f;
  auto p = openai("a");
  p.config.push_back(ConfigInput::plain("timeout", "30s"));
  f.svc().add_provider(p, f.actor);

  const auto o = f.svc().replace_provider_config("a", {ConfigInput::from_json("baseURL", "https://b.example/v1")}, f.actor);
  REQUIRE(o.revision);
  CHECK(o.changes.size() == 3);  // baseURL updated, apiKey and timeout deleted
  REQUIRE(router::db::ProviderRepository(f.db).configs("a").size() == 1);
  CHECK(code_of([&] { (void)f.svc().replace_provider_config("a", {}, f.actor); }) == ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().replace_provider_config("b", {}, f.actor); }) == ErrorCode::kNotFound);
  CHECK(code_of([&] {
          (void)f.svc().replace_provider_config("a", {ConfigInput::from_json("baseURL", "https://b.example/v1"),
                                                      ConfigInput::from_json("nope", 1)},
                                                f.actor);
        }) == ErrorCode::kInvalidArgument);

  f.svc().edit_provider("a", ProviderEdit{{}, {}, {}, {}, {ConfigInput::plain("timeout", "10s")}, {}}, f.actor);
  CHECK(f.svc().unset_provider_config("a", "timeout", f.actor).revision);
  CHECK(code_of([&] { (void)f.svc().unset_provider_config("a", "timeout", f.actor); }) == ErrorCode::kNotFound);
  CHECK(code_of([&] { (void)f.svc().unset_provider_config("a", "baseURL", f.actor); }) == ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().unset_provider_config("a", "nope", f.actor); }) == ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().unset_provider_config("zz", "timeout", f.actor); }) == ErrorCode::kNotFound);
}

TEST_CASE("ConfigService: an edit can enable or disable, never the active provider", "[config]") {
  Fixture f;
  f.svc().add_provider(openai("a"), f.actor);
  f.svc().add_provider(openai("b"), f.actor);
  f.svc().set_active_provider("a", f.actor);
  ProviderEdit off;
  off.enabled = false;
  CHECK(code_of([&] { (void)f.svc().edit_provider("a", off, f.actor); }) == ErrorCode::kConflict);
  CHECK(f.svc().edit_provider("b", off, f.actor).revision);
  CHECK(f.svc().provider_document("b", false).at("enabled") == false);
}

TEST_CASE("ConfigService: a masked value is never stored as a secret", "[config]") {
  Fixture f;
  f.svc().add_provider(openai("a"), f.actor);
  const auto shown = f.svc().provider_document("a", false).at("config").as_array().at(1).at("value");  // apiKey
  REQUIRE(shown == "sk-…1111");
  for (const std::string& masked : {std::string(shown.as_string()), std::string("••••")}) {
    ProviderEdit edit;
    edit.config = {ConfigInput::from_json("apiKey", boost::json::string(masked))};
    CHECK(message_of([&] { (void)f.svc().edit_provider("a", edit, f.actor); }).find("looks masked") != std::string::npos);
  }
}

TEST_CASE("ConfigService: replace_model replaces name, description and capabilities", "[config]") {
  Fixture f;
  f.svc().add_model({"m", "Em", "old", {"vision"}}, f.actor);
  const auto o = f.svc().replace_model({"m", "", "new", {"tools", "tools"}}, f.actor);
  REQUIRE(o.changes.size() == 1);
  CHECK(o.changes[0].after->at("name") == "");
  CHECK(o.changes[0].after->at("capabilities") == boost::json::array{"tools"});
  CHECK(code_of([&] { (void)f.svc().replace_model({"ghost", "", "", {}}, f.actor); }) == ErrorCode::kNotFound);
  CHECK(code_of([&] { (void)f.svc().replace_model({"m", "", "", {"Bad Cap"}}, f.actor); }) ==
        ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().replace_model({"../m", "", "", {}}, f.actor); }) == ErrorCode::kInvalidArgument);
}

TEST_CASE("ConfigService: put_settings is one revision, and all or nothing", "[config]") {
  Fixture f;
  f.svc().add_provider(openai("a"), f.actor);
  f.svc().set_setting("routing.max_attempts", "5", f.actor);
  const auto revisions = f.revision_count();
  const auto before = router::test::config_snapshot(f.db_path);

  using Values = std::vector<std::pair<std::string, boost::json::value>>;
  CHECK(code_of([&] {
          (void)f.svc().put_settings(Values{{"routing.fallback", false}, {"routing.max_attempts", 99}}, f.actor);
        }) == ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().put_settings(Values{{"routing.fallback", false}, {"nope", 1}}, f.actor); }) ==
        ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().put_settings(Values{{"routing.fallback", false}, {"active_provider", "ghost"}},
                                                 f.actor); }) == ErrorCode::kNotFound);
  CHECK(code_of([&] { (void)f.svc().put_settings(Values{{"log.level", "warn"}, {"log.level", "info"}}, f.actor); }) ==
        ErrorCode::kInvalidArgument);
  CHECK(code_of([&] { (void)f.svc().put_settings(Values{}, f.actor); }) == ErrorCode::kInvalidArgument);
  CHECK(router::test::config_snapshot(f.db_path) == before);
  CHECK(f.revision_count() == revisions);

  const auto o = f.svc().put_settings(
      Values{{"routing.fallback", false}, {"server.read_timeout", "45s"}, {"routing.max_attempts", nullptr},
             {"active_provider", "a"}},
      f.actor);
  REQUIRE(o.revision);
  CHECK(f.revision_count() == revisions + 1);
  CHECK(o.changes.size() == 4);
  const auto s = f.svc().settings_document().at("settings").as_array();
  auto value_of = [&](std::string_view key) {
    for (const auto& item : s) {
      if (item.at("key").as_string() == key) {
        return item.at("value");
      }
    }
    return boost::json::value();
  };
  CHECK(value_of("routing.fallback") == false);
  CHECK(value_of("server.read_timeout") == 45000);
  CHECK(value_of("routing.max_attempts") == 3);  // unset: the default again
  CHECK(value_of("active_provider") == "a");
}

TEST_CASE("ConfigService: revisions page with before, revision numbers parse with or without r", "[config]") {
  Fixture f;
  for (const char* level : {"warn", "error", "debug"}) {
    f.svc().set_setting("log.level", level, f.actor);
  }
  const auto page = f.svc().revisions_document(2, 3).at("revisions").as_array();
  REQUIRE(page.size() == 2);
  CHECK(page[0].at("rev") == 2);
  CHECK(page[1].at("rev") == 1);
  CHECK(router::config::parse_revision("r12") == 12);
  CHECK(router::config::parse_revision("7") == 7);
  CHECK(code_of([] { (void)router::config::parse_revision("r0"); }) == ErrorCode::kInvalidArgument);
  CHECK(code_of([] { (void)router::config::parse_revision("x"); }) == ErrorCode::kInvalidArgument);
}
