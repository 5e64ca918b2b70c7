#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "secrets/secrets.hpp"
#include "support/temp_dir.hpp"

namespace {

router::core::EnvLookup no_env() {
  return [](std::string_view) { return std::optional<std::string>(); };
}

}  // namespace

// The key file used to be written through "<key>.tmp-<pid>" opened with O_CREAT|O_TRUNC: whoever
// could write to the directory planted a symlink there and received the master key in a file of
// their choosing (or had one of the router owner's files overwritten).
TEST_CASE("key store: a symlink at the temporary name never receives the master key", "[secrets]") {
  router::test::TempDir dir;
  const auto key_file = dir / "router.key";
  const auto target = dir / "attacker-owned.txt";
  router::test::write_file(target, "untouched\n");
  // Every name the old scheme could use in this process, for the key file and for a staged key.
  for (const auto& base : {key_file.string(), key_file.string() + ".new"}) {
    std::filesystem::create_symlink(target, base + ".tmp-" + std::to_string(::getpid()));
  }

  const router::secrets::KeyStore keys(key_file, no_env());
  const auto key = keys.load_or_create();
  keys.stage(router::secrets::MasterKey::generate());

  CHECK(router::test::read_file(target) == "untouched\n");
  CHECK(std::filesystem::is_regular_file(std::filesystem::symlink_status(key_file)));
  CHECK(std::filesystem::is_regular_file(std::filesystem::symlink_status(key_file.string() + ".new")));
  CHECK((std::filesystem::status(key_file).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  CHECK(keys.load()->fingerprint() == key.fingerprint());
  // No temporary file is left behind: only the key, the staged key, the target and the two planted links.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  CHECK(entries == 5);
}
