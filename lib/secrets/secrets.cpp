#include "secrets/secrets.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/ids.hpp"
#include "core/paths.hpp"
#include "core/text.hpp"

namespace router::secrets {

using core::Error;
using core::ErrorCode;

namespace {

constexpr std::size_t kNonce = 12;
constexpr std::size_t kTag = 16;
// Binds every ciphertext to this scheme; a value sealed for anything else does not open.
constexpr std::string_view kAad = "router-secret-v1";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx new_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) {
    throw Error(ErrorCode::kInternal, "cannot allocate a cipher context");
  }
  return ctx;
}

std::string read_key_file(const std::filesystem::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorCode::kUnavailable, fmt::format("cannot read master key file '{}': {}", p.string(),
                                                     std::strerror(errno)));
  }
  std::string text(256, '\0');
  const ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0) {
    throw Error(ErrorCode::kUnavailable, fmt::format("cannot read master key file '{}'", p.string()));
  }
  text.resize(static_cast<std::size_t>(n));
  return std::string(core::trim(text));
}

// Writes the key to a temporary file first, so no reader ever sees a partial key file. The
// temporary name is unpredictable and created exclusively (mkostemp: O_EXCL, 0600), so a symlink
// planted in the directory cannot redirect the key into a file of someone else's choosing.
// exclusive: install with link(2), which fails when the file exists (another process won the
// race; the caller re-reads). Otherwise rename(2) over the destination.
void write_key_file(const std::filesystem::path& p, const MasterKey& key, bool exclusive) {
  core::ensure_parent_dir(p);
  std::string tmp = p.string() + ".tmp-XXXXXX";
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot create master key file '{}': {}", p.string(), std::strerror(errno)));
  }
  const std::string text = key.to_base64() + "\n";
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  int rc = -1;
  if (ok) {
    rc = exclusive ? ::link(tmp.c_str(), p.c_str()) : ::rename(tmp.c_str(), p.c_str());
  }
  const int err = errno;
  ::unlink(tmp.c_str());
  if (!ok || (rc != 0 && !(exclusive && err == EEXIST))) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot write master key file '{}': {}", p.string(), std::strerror(err)));
  }
}

std::filesystem::path staged_path(const std::filesystem::path& file) { return file.string() + ".new"; }

}  // namespace

MasterKey MasterKey::generate() {
  MasterKey k;
  core::random_bytes(k.bytes_);
  return k;
}

MasterKey MasterKey::from_base64(std::string_view text, std::string_view origin) {
  const auto raw = core::base64_decode(core::trim(text));
  if (!raw || raw->size() != 32) {
    throw Error(ErrorCode::kInvalidArgument,
                fmt::format("invalid master key in {}: expected base64 of exactly 32 bytes", origin));
  }
  MasterKey k;
  std::copy(raw->begin(), raw->end(), k.bytes_.begin());
  return k;
}

MasterKey::~MasterKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

std::string MasterKey::to_base64() const { return core::base64_encode(bytes_); }

std::string MasterKey::fingerprint() const {
  std::string input = "router-master-key-fingerprint:";
  input.append(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  const std::string h = core::sha256_hex(input);
  OPENSSL_cleanse(input.data(), input.size());
  return h.substr(0, 16);
}

KeyStore::KeyStore(std::filesystem::path key_file, core::EnvLookup env)
    : file_(std::move(key_file)), env_(std::move(env)) {}

bool KeyStore::from_env() const {
  const auto v = env_("ROUTER_MASTER_KEY");
  return v && !v->empty();
}

std::optional<MasterKey> KeyStore::load() const {
  if (const auto v = env_("ROUTER_MASTER_KEY"); v && !v->empty()) {
    return MasterKey::from_base64(*v, "ROUTER_MASTER_KEY");
  }
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) {
    return std::nullopt;
  }
  return MasterKey::from_base64(read_key_file(file_), fmt::format("'{}'", file_.string()));
}

MasterKey KeyStore::load_or_create() const {
  if (auto k = load()) {
    return *k;
  }
  write_key_file(file_, MasterKey::generate(), true);
  auto k = load();
  if (!k) {
    throw Error(ErrorCode::kUnavailable, fmt::format("master key file '{}' vanished", file_.string()));
  }
  return *k;
}

void KeyStore::export_key(const MasterKey& key, const std::filesystem::path& destination) {
  std::error_code ec;
  if (std::filesystem::exists(destination, ec)) {
    throw Error(ErrorCode::kUnavailable, fmt::format("'{}' already exists", destination.string()));
  }
  write_key_file(destination, key, true);
}

void KeyStore::stage(const MasterKey& key) const { write_key_file(staged_path(file_), key, false); }

void KeyStore::commit_staged() const {
  std::error_code ec;
  std::filesystem::rename(staged_path(file_), file_, ec);
  if (ec) {
    throw Error(ErrorCode::kUnavailable, fmt::format("cannot install the new master key '{}': {} (the new key is in "
                                                     "'{}')",
                                                     file_.string(), ec.message(), staged_path(file_).string()));
  }
}

void KeyStore::discard_staged() const {
  std::error_code ec;
  std::filesystem::remove(staged_path(file_), ec);
}

std::optional<MasterKey> KeyStore::staged() const {
  std::error_code ec;
  const auto p = staged_path(file_);
  if (!std::filesystem::exists(p, ec)) {
    return std::nullopt;
  }
  return MasterKey::from_base64(read_key_file(p), fmt::format("'{}'", p.string()));
}

bool is_sealed(std::string_view stored) noexcept { return stored.starts_with(kSealedPrefix); }

bool is_env_ref(std::string_view stored) noexcept { return stored.starts_with(kEnvPrefix); }

bool is_valid_env_ref(std::string_view stored) noexcept {
  if (!is_env_ref(stored)) {
    return false;
  }
  const auto name = stored.substr(kEnvPrefix.size());
  if (name.empty() || name.size() > 128 || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_valid_env_glob(std::string_view pattern) noexcept {
  return !pattern.empty() && pattern.size() <= 128 && std::all_of(pattern.begin(), pattern.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '*' ||
           c == '?';
  });
}

namespace {

// Iterative glob match with single-star backtracking: linear in practice, no recursion.
bool glob_match(std::string_view pattern, std::string_view name) noexcept {
  std::size_t p = 0;
  std::size_t n = 0;
  std::size_t star = std::string_view::npos;
  std::size_t resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') {
    ++p;
  }
  return p == pattern.size();
}

}  // namespace

std::optional<std::string> env_ref_refusal(std::string_view name, std::span<const std::string> allow) {
  if (name.starts_with("ROUTER_")) {
    return fmt::format("environment variable {} (ROUTER_* variables are the router's own and never allowed)", name);
  }
  if (std::none_of(allow.begin(), allow.end(), [&](const std::string& g) { return glob_match(g, name); })) {
    return fmt::format("environment variable {}, which setting secrets.env_allow does not allow ({})", name,
                       allow.empty() ? std::string("empty: env: references are disabled")
                                     : "patterns: " + core::join(allow, ","));
  }
  return std::nullopt;
}

std::string seal(const MasterKey& key, std::string_view plaintext) {
  std::string blob(kNonce + plaintext.size() + kTag, '\0');
  auto* out = reinterpret_cast<unsigned char*>(blob.data());
  core::random_bytes(std::span(out, kNonce));
  auto ctx = new_ctx();
  int len = 0;
  bool ok = EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), out) == 1 &&
            EVP_EncryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(kAad.data()),
                              static_cast<int>(kAad.size())) == 1 &&
            EVP_EncryptUpdate(ctx.get(), out + kNonce, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx.get(), out + kNonce + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTag),
                                out + kNonce + plaintext.size()) == 1;
  if (!ok) {
    throw Error(ErrorCode::kInternal, "AES-256-GCM sealing failed");
  }
  return std::string(kSealedPrefix) + core::base64_encode(blob);
}

std::string unseal(const MasterKey& key, std::string_view sealed) {
  if (!is_sealed(sealed)) {
    throw Error(ErrorCode::kInvalidArgument, "not a sealed value");
  }
  const auto blob = core::base64_decode(sealed.substr(kSealedPrefix.size()));
  if (!blob || blob->size() < kNonce + kTag) {
    throw Error(ErrorCode::kUnavailable, "a sealed secret is damaged (bad encoding)");
  }
  const std::size_t n = blob->size() - kNonce - kTag;
  std::string plain(n, '\0');
  auto ctx = new_ctx();
  int len = 0;
  std::array<unsigned char, kTag> tag{};
  std::copy(blob->end() - kTag, blob->end(), tag.begin());
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), blob->data()) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(kAad.data()),
                        static_cast<int>(kAad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, blob->data() + kNonce,
                        static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTag), tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) == 1;
  if (!ok) {
    OPENSSL_cleanse(plain.data(), plain.size());
    throw Error(ErrorCode::kUnavailable, "a sealed secret does not open with this master key");
  }
  return plain;
}

std::string Secret::masked() const { return core::mask_secret(value_); }

}  // namespace router::secrets
