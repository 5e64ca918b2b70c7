#include "config/master_key.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "db/sqlite/config_repository.hpp"

namespace router::config {

using core::Error;
using core::ErrorCode;

namespace {

// The stored text of a sensitive value is a JSON string; anything else is not sealed.
std::optional<std::string> sealed_text(const db::ProviderConfigValue& v) {
  if (!v.sensitive) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(v.value_json, ec);
  if (ec || !parsed.is_string() || !secrets::is_sealed(parsed.as_string())) {
    return std::nullopt;
  }
  return std::string(parsed.as_string());
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::vector<std::string> q;
  q.reserve(names.size());
  for (const auto& n : names) {
    q.push_back(fmt::format("'{}'", n));
  }
  return core::join(q, ", ");
}

}  // namespace

MasterKeyAccess::MasterKeyAccess(db::Database& db, secrets::KeyStore keys) : db_(db), keys_(std::move(keys)) {}

std::string MasterKeyAccess::origin() const {
  return keys_.from_env() ? std::string("ROUTER_MASTER_KEY") : fmt::format("'{}'", keys_.file().string());
}

std::vector<std::string> MasterKeyAccess::sealed_providers() {
  std::vector<std::string> out;
  for (const auto& v : db::ProviderRepository(db_).all_configs()) {
    if (sealed_text(v) && (out.empty() || out.back() != v.provider_id)) {
      out.push_back(v.provider_id);
    }
  }
  return out;
}

void MasterKeyAccess::finish_interrupted_rotation(const std::optional<std::string>& recorded) {
  if (staged_checked_ || keys_.from_env()) {
    return;
  }
  staged_checked_ = true;
  // Rotation commits the database before renaming <key>.new over the key file. A staged key whose
  // fingerprint the database already records was committed: finish the rename. Any other staged
  // key belongs to a rotation that never committed (or is committing right now) and is left alone.
  const auto staged = keys_.staged();
  if (staged && recorded && staged->fingerprint() == *recorded) {
    install_staged(*recorded);
  }
}

void MasterKeyAccess::install_staged(const std::string& fingerprint) {
  try {
    keys_.commit_staged();
  } catch (const Error&) {
    // Another process may have finished the same rename first.
    const auto now = keys_.load();
    if (!now || now->fingerprint() != fingerprint) {
      throw;
    }
  }
}

std::optional<secrets::MasterKey> MasterKeyAccess::current() {
  const auto recorded = db::SettingsRepository(db_).meta(kFingerprintMeta);
  finish_interrupted_rotation(recorded);
  if (cached_ && recorded && cached_->fingerprint() == *recorded) {
    return cached_;
  }
  auto key = keys_.load();
  if (!key && dry_run_) {
    key = ephemeral_;  // a dry run's first seal used a throwaway key; it must open what it sealed
  }
  if (!recorded) {
    // Nothing was sealed through this service yet, but a restored or hand-made database may hold
    // sealed values anyway: adopt the key only if it opens them.
    for (const auto& v : db::ProviderRepository(db_).all_configs()) {
      const auto sealed = sealed_text(v);
      if (!sealed) {
        continue;
      }
      bool opens = false;
      if (key) {
        try {
          (void)secrets::unseal(*key, *sealed);
          opens = true;
        } catch (const Error&) {
        }
      }
      if (!opens) {
        throw Error(ErrorCode::kUnavailable,
                    fmt::format("the master key {} does not open the sealed secrets of provider(s) {}; restore the "
                                "key they were sealed with",
                                key ? origin() : std::string("(none found)"), quoted_list(sealed_providers())));
      }
      break;
    }
    cached_ = key;
    return key;
  }
  const auto holders = sealed_providers();
  const std::string affected = holders.empty() ? std::string("sealed values in the revision history")
                                               : fmt::format("the sealed secrets of provider(s) {}", quoted_list(holders));
  if (!key) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("master key missing: {} need the key with fingerprint {}; restore '{}' or set "
                            "ROUTER_MASTER_KEY",
                            affected, *recorded, keys_.file().string()));
  }
  if (key->fingerprint() != *recorded) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("wrong master key: {} has fingerprint {}, but {} were sealed under {}; restore that key",
                            origin(), key->fingerprint(), affected, *recorded));
  }
  cached_ = key;
  return key;
}

secrets::MasterKey MasterKeyAccess::for_sealing() {
  db::SettingsRepository settings(db_);
  const auto recorded = settings.meta(kFingerprintMeta);
  auto key = current();
  if (!key) {
    if (dry_run_) {
      if (!ephemeral_) {
        ephemeral_ = secrets::MasterKey::generate();
      }
      return *ephemeral_;
    }
    key = keys_.load_or_create();
  }
  if (!recorded) {
    settings.put_meta(kFingerprintMeta, key->fingerprint());
  }
  cached_ = key;
  return *key;
}

std::optional<secrets::MasterKey> MasterKeyAccess::for_masking() {
  try {
    return current();
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace router::config
