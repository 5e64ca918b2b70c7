#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "core/clock.hpp"
#include "routing/policy.hpp"

using router::core::ErrorCode;
using router::routing::AttemptFailure;
using router::routing::Next;
using router::routing::Snapshot;
namespace db = router::db;

namespace {

// A snapshot built by hand, the way load_snapshot orders it (priority high first, then id), so
// the policy is tested without a database.
class SnapshotBuilder {
 public:
  SnapshotBuilder& provider(std::string id, std::int64_t priority = 0, bool enabled = true, std::string default_model = {}) {
    router::routing::ProviderEntry e;
    e.row.id = id;
    e.row.type = "lm-studio";
    e.row.enabled = enabled;
    e.row.priority = priority;
    boost::json::object cfg{{"baseURL", "http://127.0.0.1:9/v1"}};
    if (!default_model.empty()) {
      cfg["defaultModel"] = default_model;
    }
    e.impl = router::providers::make_provider(std::move(id), "lm-studio", std::move(cfg));
    snap_->providers.push_back(std::move(e));
    return *this;
  }
  SnapshotBuilder& broken(std::string id) {
    router::routing::ProviderEntry e;
    e.row.id = std::move(id);
    e.row.type = "openai";
    e.problem = "apiKey: no value";
    snap_->providers.push_back(std::move(e));
    return *this;
  }
  SnapshotBuilder& link(const std::string& provider, const std::string& model, std::optional<std::string> upstream = {},
                        bool is_default = false) {
    links_.push_back(db::ModelLink{provider, model, is_default, std::move(upstream)});
    return *this;
  }
  SnapshotBuilder& set(std::string key, std::string value_json) {
    settings_.push_back(db::Setting{std::move(key), std::move(value_json)});
    return *this;
  }
  /// Gives every provider a breaker from `breakers` (what the server's snapshots carry).
  SnapshotBuilder& breakers(router::routing::Breakers& b) {
    breakers_ = &b;
    return *this;
  }
  std::shared_ptr<const Snapshot> build() {
    for (auto& p : snap_->providers) {
      if (breakers_ != nullptr) {
        p.breaker = breakers_->of(p.row.id);
      }
    }
    std::vector<std::string> problems;
    snap_->settings = router::config::Settings(settings_, &problems);
    REQUIRE(problems.empty());
    snap_->hot = router::routing::HotSettings(snap_->settings);
    snap_->active_ = snap_->settings.string("active_provider");
    std::stable_sort(snap_->providers.begin(), snap_->providers.end(), [](const auto& a, const auto& b) {
      return a.row.priority != b.row.priority ? a.row.priority > b.row.priority : a.row.id < b.row.id;
    });
    for (const auto& l : links_) {
      snap_->links_by_model[l.model_id].push_back(l);
      if (l.is_default) {
        snap_->default_link[l.provider_id] = l;
      }
      snap_->links[l.provider_id + "/" + l.model_id] = l;
    }
    return snap_;
  }

 private:
  std::shared_ptr<Snapshot> snap_ = std::make_shared<Snapshot>();
  std::vector<db::Setting> settings_;
  std::vector<db::ModelLink> links_;
  router::routing::Breakers* breakers_ = nullptr;
};

// "provider:model" per candidate, in order.
std::vector<std::string> tried(const router::routing::Plan& p) {
  std::vector<std::string> out;
  for (const auto& c : p.candidates) {
    out.push_back(c.provider->row.id + ":" + c.model);
  }
  return out;
}

using V = std::vector<std::string>;

AttemptFailure failed(ErrorCode code, std::optional<int> status = {}, std::optional<int> retry_like = {},
                      bool output_started = false) {
  return AttemptFailure{code, status, retry_like, output_started};
}

}  // namespace

TEST_CASE("policy: the active provider comes first, then linked enabled providers by priority, then id", "[routing]") {
  const auto s = SnapshotBuilder()
                     .provider("act", 0)
                     .provider("zed", 5)
                     .provider("bee", 5)
                     .provider("top", 9)
                     .provider("unlinked", 20)
                     .link("act", "m")
                     .link("zed", "m")
                     .link("bee", "m")
                     .link("top", "m")
                     .set("active_provider", "\"act\"")
                     .set("routing.max_attempts", "10")
                     .build();
  const auto p = plan(*s, "m", std::nullopt);
  CHECK_FALSE(p.refusal);
  CHECK(tried(p) == V{"act:m", "top:m", "bee:m", "zed:m"});
  SECTION("the active provider is tried first even when it is not linked to the model") {
    const auto s2 = SnapshotBuilder().provider("act").provider("other", 3).link("other", "m")
                        .set("active_provider", "\"act\"").build();
    CHECK(tried(plan(*s2, "m", std::nullopt)) == V{"act:m", "other:m"});
  }
}

TEST_CASE("policy: a disabled or misconfigured provider is never a candidate", "[routing]") {
  const auto s = SnapshotBuilder()
                     .provider("act", 0, false)
                     .provider("off", 9, false)
                     .broken("bad")
                     .provider("on", 1)
                     .link("off", "m")
                     .link("bad", "m")
                     .link("on", "m")
                     .set("active_provider", "\"act\"")
                     .build();
  CHECK(tried(plan(*s, "m", std::nullopt)) == V{"on:m"});
  SECTION("nothing usable: the refusal says why, provider by provider") {
    const auto s2 = SnapshotBuilder().provider("act", 0, false).provider("off", 9, false).link("off", "m")
                        .set("active_provider", "\"act\"").build();
    const auto p = plan(*s2, "m", std::nullopt);
    CHECK(p.candidates.empty());
    REQUIRE(p.refusal);
    CHECK(p.refusal->code() == ErrorCode::kNoProvider);
    CHECK(std::string(p.refusal->what()) == "no provider can serve model 'm' (act: disabled; off: disabled)");
  }
}

TEST_CASE("policy: X-Router-Provider pins the request to one provider", "[routing]") {
  const auto s = SnapshotBuilder()
                     .provider("act", 9)
                     .provider("pin", 0)
                     .provider("off", 0, false)
                     .link("act", "m")
                     .set("active_provider", "\"act\"")
                     .build();
  SECTION("only the pinned provider, linked or not") {
    CHECK(tried(plan(*s, "m", std::string("pin"))) == V{"pin:m"});
  }
  SECTION("a pinned provider that does not exist is 404, said once") {
    const auto p = plan(*s, "m", std::string("nope"));
    CHECK(p.candidates.empty());
    REQUIRE(p.refusal);
    CHECK(p.refusal->code() == ErrorCode::kNotFound);
    CHECK(std::string(p.refusal->what()) ==
          "provider 'nope' (X-Router-Provider) does not exist (act: request pinned to 'nope'; off: request pinned to "
          "'nope'; pin: request pinned to 'nope')");
  }
  SECTION("a pinned provider that is disabled is 503 no provider") {
    const auto p = plan(*s, "m", std::string("off"));
    REQUIRE(p.refusal);
    CHECK(p.refusal->code() == ErrorCode::kNoProvider);
    CHECK(std::string(p.refusal->what()) ==
          "no provider can serve model 'm' (act: request pinned to 'off'; pin: request pinned to 'off'; off: disabled)");
  }
}

TEST_CASE("policy: the model sent upstream follows DESIGN.md §5 rule 2", "[routing]") {
  const auto s = SnapshotBuilder()
                     .provider("act", 0, true, "act-config-default")
                     .provider("fb", 5, true, "fb-config-default")
                     .provider("linkdef", 3)
                     .provider("none", 1)
                     .link("act", "gpt", std::string("act-gpt-upstream"))
                     .link("fb", "gpt")
                     .link("linkdef", "small", std::string("small-upstream"), true)
                     .set("active_provider", "\"act\"")
                     .set("routing.max_attempts", "10")
                     .build();
  SECTION("a linked upstream_model replaces the name; a plain link sends it unchanged") {
    CHECK(tried(plan(*s, "gpt", std::nullopt)) == V{"act:act-gpt-upstream", "fb:gpt"});
  }
  SECTION("an unnamed or 'default' model: the default link's upstream model, else defaultModel") {
    const V expected{"act:act-config-default", "fb:fb-config-default", "linkdef:small-upstream"};
    CHECK(tried(plan(*s, "", std::nullopt)) == expected);
    CHECK(tried(plan(*s, "default", std::nullopt)) == expected);
  }
  SECTION("no default anywhere: refused with the reason") {
    const auto s2 = SnapshotBuilder().provider("act").set("active_provider", "\"act\"").build();
    const auto p = plan(*s2, "", std::nullopt);
    REQUIRE(p.refusal);
    CHECK(p.refusal->code() == ErrorCode::kNoProvider);
    CHECK(std::string(p.refusal->what()) ==
          "no provider can serve model 'default' (act: no default model (link one with --default or set defaultModel))");
  }
}

TEST_CASE("policy: routing.max_attempts bounds the candidates and the attempts", "[routing]") {
  auto b = SnapshotBuilder().provider("a", 3).provider("b", 2).provider("c", 1).link("a", "m").link("b", "m").link("c", "m");
  const auto s = b.set("active_provider", "\"a\"").set("routing.max_attempts", "2").build();
  const auto p = plan(*s, "m", std::nullopt);
  CHECK(tried(p) == V{"a:m", "b:m"});
  const auto refused = failed(ErrorCode::kUpstreamFailed);
  CHECK(after_failure(*s, refused, 1, p.candidates.size()) == Next::kRetry);
  CHECK(after_failure(*s, refused, 2, p.candidates.size()) == Next::kAnswer);
  // Even if a caller held more candidates than the setting allows.
  CHECK(after_failure(*s, refused, 2, 3) == Next::kAnswer);
}

TEST_CASE("policy: routing.fallback off tries the active provider alone", "[routing]") {
  const auto s = SnapshotBuilder()
                     .provider("act", 0)
                     .provider("fb", 9)
                     .link("act", "m")
                     .link("fb", "m")
                     .set("active_provider", "\"act\"")
                     .set("routing.fallback", "false")
                     .build();
  const auto p = plan(*s, "m", std::nullopt);
  CHECK(tried(p) == V{"act:m"});
  CHECK(after_failure(*s, failed(ErrorCode::kUpstreamFailed), 1, 2) == Next::kAnswer);
  CHECK(after_failure(*s, failed(ErrorCode::kUpstreamFailed, 503), 1, 2) == Next::kAnswer);
  SECTION("an unusable active provider is refused, naming fallback") {
    const auto s2 = SnapshotBuilder().provider("act", 0, false).provider("fb").link("fb", "m")
                        .set("active_provider", "\"act\"").set("routing.fallback", "false").build();
    const auto p2 = plan(*s2, "m", std::nullopt);
    REQUIRE(p2.refusal);
    CHECK(std::string(p2.refusal->what()) ==
          "no provider can serve model 'm' (act: disabled; fb: routing.fallback is off)");
  }
}

TEST_CASE("policy: which failures move on to the next candidate", "[routing]") {
  const auto s = SnapshotBuilder().provider("a").build();  // default routing.retry_on: 408, 409, 429, 5xx
  auto next = [&](const AttemptFailure& f) { return after_failure(*s, f, 1, 3); };

  SECTION("failures before any response: connection errors and timeouts retry") {
    CHECK(next(failed(ErrorCode::kUpstreamFailed)) == Next::kRetry);
    CHECK(next(failed(ErrorCode::kUpstreamTimeout)) == Next::kRetry);
  }
  SECTION("a request that cannot be translated for the provider is the client's: never retried") {
    CHECK(next(failed(ErrorCode::kInvalidArgument)) == Next::kAnswer);
  }
  SECTION("upstream statuses follow routing.retry_on") {
    for (const int status : {408, 409, 429, 500, 502, 503, 504, 529}) {
      CAPTURE(status);
      CHECK(next(failed(router::core::code_for_status(status), status)) == Next::kRetry);
    }
    for (const int status : {400, 401, 403, 404, 413, 422, 304}) {
      CAPTURE(status);
      CHECK(next(failed(router::core::code_for_status(status), status)) == Next::kAnswer);
    }
  }
  SECTION("an unusable 2xx (malformed, empty, a block page) retries") {
    CHECK(next(failed(ErrorCode::kUpstreamFailed, 200)) == Next::kRetry);
    CHECK(next(failed(ErrorCode::kUnauthenticated, 200)) == Next::kRetry);
    CHECK(next(failed(ErrorCode::kUpstreamFailed, 204)) == Next::kRetry);
  }
  SECTION("a timeout while reading a 2xx answer answers; an upstream's own 408/504 follows retry_on") {
    CHECK(next(failed(ErrorCode::kUpstreamTimeout, 200)) == Next::kAnswer);
    CHECK(next(failed(ErrorCode::kUpstreamTimeout, 504)) == Next::kRetry);
    CHECK(next(failed(ErrorCode::kUpstreamTimeout, 408)) == Next::kRetry);
  }
  SECTION("never after the first byte reached the client") {
    CHECK(next(failed(ErrorCode::kUpstreamFailed, std::nullopt, std::nullopt, true)) == Next::kAnswer);
    CHECK(next(failed(ErrorCode::kUpstreamFailed, 200, std::nullopt, true)) == Next::kAnswer);
    CHECK(next(failed(ErrorCode::kUpstreamFailed, 503, std::nullopt, true)) == Next::kAnswer);
  }
  SECTION("never beyond the last candidate") {
    CHECK(after_failure(*s, failed(ErrorCode::kUpstreamFailed, 503), 3, 3) == Next::kAnswer);
    CHECK(after_failure(*s, failed(ErrorCode::kUpstreamFailed), 1, 1) == Next::kAnswer);
  }
}

TEST_CASE("policy: a custom routing.retry_on, and retry_like", "[routing]") {
  const auto s = SnapshotBuilder().provider("a").set("routing.retry_on", R"(["503","4xx"])").build();
  auto next = [&](const AttemptFailure& f) { return after_failure(*s, f, 1, 3); };
  CHECK(next(failed(ErrorCode::kUpstreamFailed, 503)) == Next::kRetry);
  CHECK(next(failed(ErrorCode::kInvalidArgument, 400)) == Next::kRetry);
  CHECK(next(failed(ErrorCode::kUpstreamFailed, 500)) == Next::kAnswer);
  CHECK(next(failed(ErrorCode::kUpstreamFailed, 502)) == Next::kAnswer);
  // Anthropic's 529 "overloaded" is retried wherever a 503 would be.
  CHECK(next(failed(ErrorCode::kUpstreamFailed, 529)) == Next::kAnswer);
  CHECK(next(failed(ErrorCode::kUpstreamFailed, 529, 503)) == Next::kRetry);
  CHECK(next(failed(ErrorCode::kUpstreamFailed, 529, 500)) == Next::kAnswer);
}

TEST_CASE("breaker: failures open it, the cooldown half-opens it, one trial decides", "[routing]") {
  router::routing::Breaker b;
  using State = router::routing::Breaker::State;
  const std::int64_t t0 = 1'000'000;
  b.failed(t0, 3, 30'000);
  b.failed(t0, 3, 30'000);
  CHECK(b.state(t0) == State::kClosed);
  b.succeeded();  // a success in between starts the count again
  b.failed(t0, 3, 30'000);
  b.failed(t0, 3, 30'000);
  CHECK(b.state(t0) == State::kClosed);
  b.failed(t0 + 1, 3, 30'000);
  CHECK(b.state(t0 + 1) == State::kOpen);
  CHECK(b.open_until() == t0 + 30'001);
  CHECK(b.state(t0 + 30'001) == State::kHalfOpen);
  CHECK(b.take_trial(t0 + 30'001, 30'000));
  CHECK_FALSE(b.take_trial(t0 + 30'002, 30'000));  // one trial at a time
  // The trial failed: open again for a whole cooldown, at once (not after 3 more failures).
  b.failed(t0 + 30'100, 3, 30'000);
  CHECK(b.state(t0 + 30'100) == State::kOpen);
  CHECK(b.open_until() == t0 + 60'100);
  // A trial whose request never reported is given up after a cooldown.
  CHECK(b.take_trial(t0 + 60'100, 30'000));
  CHECK_FALSE(b.take_trial(t0 + 70'000, 30'000));
  CHECK(b.take_trial(t0 + 90'100, 30'000));
  b.succeeded();
  CHECK(b.state(t0 + 90'200) == State::kClosed);
  CHECK(b.consecutive_failures() == 0);

  router::routing::Breaker never;
  for (int i = 0; i < 100; ++i) {
    never.failed(t0, 0, 30'000);  // routing.breaker.failures = 0
  }
  CHECK(never.state(t0) == State::kClosed);
}

TEST_CASE("policy: an open breaker's provider is skipped, or tried alone as the last resort", "[routing]") {
  router::routing::Breakers breakers;
  const auto s = SnapshotBuilder()
                     .provider("act", 0)
                     .provider("fb", 5)
                     .link("act", "m")
                     .link("fb", "m")
                     .set("active_provider", "\"act\"")
                     .breakers(breakers)
                     .build();
  const auto now = router::core::now_ms();
  for (int i = 0; i < 3; ++i) {
    breakers.of("act")->failed(now, 3, 60'000);
  }
  CHECK(tried(plan(*s, "m", std::nullopt)) == V{"fb:m"});
  const auto d = decide(*s, "m", std::nullopt);
  REQUIRE(d.skipped.size() == 1);
  CHECK(d.skipped[0].provider_id == "act");
  CHECK_THAT(d.skipped[0].reason, Catch::Matchers::StartsWith("circuit open until ") &&
                                      Catch::Matchers::EndsWith("after 3 consecutive failures"));

  SECTION("every candidate open: they are tried anyway, in order") {
    for (int i = 0; i < 3; ++i) {
      breakers.of("fb")->failed(now, 3, 60'000);
    }
    CHECK(tried(plan(*s, "m", std::nullopt)) == V{"act:m", "fb:m"});
    const auto explained = decide(*s, "m", std::nullopt);
    REQUIRE(explained.candidates.size() == 2);
    CHECK_THAT(explained.candidates[0].why, Catch::Matchers::Contains("no other candidate"));
  }
  SECTION("after the cooldown one request gets the trial, the others the fallback") {
    const auto s2 = SnapshotBuilder()
                        .provider("act", 0)
                        .provider("fb", 5)
                        .link("act", "m")
                        .link("fb", "m")
                        .set("active_provider", "\"act\"")
                        .set("routing.breaker.cooldown", "1000")
                        .breakers(breakers)
                        .build();
    auto& b = *breakers.of("act");
    b.succeeded();
    for (int i = 0; i < 3; ++i) {
      b.failed(now - 5'000, 3, 1'000);  // opened 5 s ago for 1 s: half-open now
    }
    CHECK(tried(plan(*s2, "m", std::nullopt)) == V{"act:m", "fb:m"});  // the trial
    CHECK(tried(plan(*s2, "m", std::nullopt)) == V{"fb:m"});            // its trial is taken
  }
}

TEST_CASE("policy: which failed attempts count against a provider's breaker", "[routing]") {
  using router::routing::counts_against;
  CHECK(counts_against(failed(ErrorCode::kUpstreamFailed)));       // refused, reset
  CHECK(counts_against(failed(ErrorCode::kUpstreamTimeout)));
  CHECK(counts_against(failed(ErrorCode::kUpstreamFailed, 503)));
  CHECK(counts_against(failed(ErrorCode::kRateLimited, 429)));
  CHECK(counts_against(failed(ErrorCode::kUpstreamFailed, 200)));  // an unusable 2xx
  CHECK(counts_against(failed(ErrorCode::kInvalidArgument, 529, 503)));
  CHECK_FALSE(counts_against(failed(ErrorCode::kInvalidArgument, 400)));  // the request's fault
  CHECK_FALSE(counts_against(failed(ErrorCode::kUnauthenticated, 401)));
  CHECK_FALSE(counts_against(failed(ErrorCode::kInvalidArgument)));  // could not translate it
  CHECK_FALSE(counts_against(failed(ErrorCode::kClientClosed)));
}
