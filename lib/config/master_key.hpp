#pragma once

#include <optional>
#include <string>
#include <vector>

#include "secrets/secrets.hpp"

namespace router::db {
class Database;
}

namespace router::config {

/// The meta key holding the fingerprint of the key every sealed value is sealed under.
inline constexpr std::string_view kFingerprintMeta = "master_key_fingerprint";

/// Guards the master key against the database: the fingerprint recorded in meta at the first seal
/// must match the key the KeyStore yields, so a lost or swapped key is a clear error naming the
/// affected providers instead of undecryptable garbage. Every method runs inside the caller's
/// transaction on `db`.
class MasterKeyAccess {
 public:
  MasterKeyAccess(db::Database& db, secrets::KeyStore keys);

  /// The key secrets are sealed under, after finishing an interrupted rotation (the staged key
  /// already matches the recorded fingerprint). nullopt when no key exists and none was ever
  /// needed. Throws kUnavailable naming the providers with sealed values when the key is missing
  /// or is not the recorded one.
  [[nodiscard]] std::optional<secrets::MasterKey> current();
  /// The key to seal with: current(), or at the first seal a new key file, recording its
  /// fingerprint in meta (in the caller's transaction). In dry-run mode nothing is created: a
  /// throwaway key stands in when none exists.
  [[nodiscard]] secrets::MasterKey for_sealing();
  /// current() without throwing, for masks: nullopt when the key is unavailable.
  [[nodiscard]] std::optional<secrets::MasterKey> for_masking();

  void set_dry_run(bool dry_run) noexcept { dry_run_ = dry_run; }
  [[nodiscard]] const secrets::KeyStore& store() const noexcept { return keys_; }
  /// Renames the staged key over the key file; succeeds when another process already did it.
  void install_staged(const std::string& fingerprint);
  /// Forgets the cached key (after a rotation).
  void reset() noexcept { cached_.reset(); }
  /// Providers holding sealed values, for error messages.
  [[nodiscard]] std::vector<std::string> sealed_providers();

 private:
  void finish_interrupted_rotation(const std::optional<std::string>& recorded);
  [[nodiscard]] std::string origin() const;

  db::Database& db_;
  secrets::KeyStore keys_;
  std::optional<secrets::MasterKey> cached_;
  std::optional<secrets::MasterKey> ephemeral_;
  bool staged_checked_ = false;
  bool dry_run_ = false;
};

}  // namespace router::config
