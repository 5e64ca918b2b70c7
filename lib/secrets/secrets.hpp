#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/paths.hpp"

namespace router::secrets {

/// The 32-byte key every stored secret is sealed under. Wiped from memory on destruction; never
/// printed (fingerprint() identifies it).
class MasterKey {
 public:
  [[nodiscard]] static MasterKey generate();
  /// Base64 of exactly 32 bytes; throws kInvalidArgument naming `origin` otherwise.
  [[nodiscard]] static MasterKey from_base64(std::string_view text, std::string_view origin);

  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;
  ~MasterKey();

  [[nodiscard]] std::string to_base64() const;
  /// 16 hex digits of a domain-separated SHA-256: safe to store and show.
  [[nodiscard]] std::string fingerprint() const;
  [[nodiscard]] std::span<const std::uint8_t, 32> bytes() const noexcept { return bytes_; }

 private:
  MasterKey() = default;
  std::array<std::uint8_t, 32> bytes_{};
};

/// Where the master key lives: env ROUTER_MASTER_KEY (base64) when set, else the key file
/// (<stem>.key, mode 0600, created on first need).
class KeyStore {
 public:
  KeyStore(std::filesystem::path key_file, core::EnvLookup env);

  /// The key, or nullopt when neither the variable nor the file exists. Throws kInvalidArgument
  /// for a malformed key, kUnavailable for an unreadable file.
  [[nodiscard]] std::optional<MasterKey> load() const;
  /// load(), creating the key file with a fresh key when there is none.
  [[nodiscard]] MasterKey load_or_create() const;
  /// True when ROUTER_MASTER_KEY is set (the file is then ignored).
  [[nodiscard]] bool from_env() const;
  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }

  /// Writes `key` to `destination` as a key file (0600, fsynced; never over an existing file:
  /// kUnavailable). `router backup --with-key`.
  static void export_key(const MasterKey& key, const std::filesystem::path& destination);
  /// Writes `key` to <file>.new (0600, fsynced). Used by rotation before the database commit.
  void stage(const MasterKey& key) const;
  /// Renames <file>.new over the key file (after the database commit).
  void commit_staged() const;
  /// Removes a staged key (rotation failed before commit).
  void discard_staged() const;
  /// The staged key, if a rotation was interrupted between commit and rename.
  [[nodiscard]] std::optional<MasterKey> staged() const;

 private:
  std::filesystem::path file_;
  core::EnvLookup env_;
};

inline constexpr std::string_view kSealedPrefix = "enc:v1:";
inline constexpr std::string_view kEnvPrefix = "env:";

[[nodiscard]] bool is_sealed(std::string_view stored) noexcept;
[[nodiscard]] bool is_env_ref(std::string_view stored) noexcept;
/// A valid environment variable name after "env:" ([A-Za-z_][A-Za-z0-9_]*).
[[nodiscard]] bool is_valid_env_ref(std::string_view stored) noexcept;

/// A pattern of setting secrets.env_allow: 1 to 128 of letters, digits, '_', and the wildcards
/// '*' (any run of characters) and '?' (one character).
[[nodiscard]] bool is_valid_env_glob(std::string_view pattern) noexcept;
/// Why an env: reference may not name variable `name`, or nullopt when it may: the name must
/// match one of the `allow` globs (whole name, case-sensitive), and ROUTER_* names (the master
/// key, the database path) are refused whatever the patterns say. Checked when a reference is
/// written and again whenever one is resolved, so narrowing the setting disarms stored ones.
[[nodiscard]] std::optional<std::string> env_ref_refusal(std::string_view name, std::span<const std::string> allow);

/// AES-256-GCM with a fresh random 96-bit nonce: "enc:v1:" + base64(nonce | ciphertext | tag).
[[nodiscard]] std::string seal(const MasterKey& key, std::string_view plaintext);
/// Opens a sealed value. Throws kUnavailable when the tag does not verify (wrong master key or
/// a damaged value) and kInvalidArgument when the text is not a sealed value.
[[nodiscard]] std::string unseal(const MasterKey& key, std::string_view sealed);

/// A plaintext secret in memory. Formatting it (fmt) prints the masked form, so a secret cannot
/// reach a log line or message by accident; reveal() is the explicit way to the bytes.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] std::string masked() const;
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace router::secrets

template <>
struct fmt::formatter<router::secrets::Secret> : fmt::formatter<std::string_view> {
  template <typename Ctx>
  auto format(const router::secrets::Secret& s, Ctx& ctx) const {
    const std::string m = s.masked();
    return fmt::formatter<std::string_view>::format(m, ctx);
  }
};
