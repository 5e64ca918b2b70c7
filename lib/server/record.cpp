#include "server/record.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"

namespace router::server {

namespace {

using core::Error;
using core::ErrorCode;

constexpr std::size_t kMaxRecordBytes = 16 * 1024;

std::string prefix_for(const std::filesystem::path& config_db) { return config_db.stem().string() + ".serve-"; }

std::filesystem::path record_path(const std::filesystem::path& config_db, int pid) {
  return config_db.parent_path() / fmt::format("{}{}.json", prefix_for(config_db), pid);
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool process_exists(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

std::optional<ServerRecord> parse_record(const std::filesystem::path& file) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(kMaxRecordBytes)) {
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const auto v = boost::json::parse(text.str(), ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  const auto& o = v.as_object();
  const auto str = [&](std::string_view k) {
    const auto* f = o.if_contains(k);
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  const auto num = [&](std::string_view k) {
    const auto* f = o.if_contains(k);
    return f != nullptr && f->is_int64() ? f->as_int64() : std::int64_t{0};
  };
  ServerRecord r;
  r.pid = static_cast<int>(std::clamp<std::int64_t>(num("pid"), 0, INT_MAX));
  r.host = str("host");
  r.listen = str("listen");
  r.version = str("version");
  r.database_id = str("database_id");
  r.started_ms = num("started_ms");
  r.token = str("token");
  r.file = file;
  r.heartbeat_ms = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  if (r.pid == 0 || r.listen.empty()) {
    return std::nullopt;
  }
  const bool fresh = now_ms() - r.heartbeat_ms < std::chrono::milliseconds(kHeartbeatStale).count();
  r.alive = fresh && (r.host != host_name() || process_exists(r.pid));
  return r;
}

// Written beside the final name and renamed over it, so a reader never sees half a record; the
// temporary name is opened O_EXCL|O_NOFOLLOW so a planted symlink cannot redirect the write.
void write_record(const std::filesystem::path& file, const ServerRecord& r) {
  const std::string text = boost::json::serialize(boost::json::object{{"pid", r.pid},
                                                                      {"host", r.host},
                                                                      {"listen", r.listen},
                                                                      {"version", r.version},
                                                                      {"database_id", r.database_id},
                                                                      {"started_ms", r.started_ms},
                                                                      {"token", r.token}}) +
                           "\n";
  const std::string tmp = file.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot write the server record '{}': {}", tmp, std::strerror(errno)));
  }
  const auto n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size()) || ::rename(tmp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw Error(ErrorCode::kUnavailable,
                fmt::format("cannot write the server record '{}': {}", file.string(), std::strerror(err)));
  }
}

}  // namespace

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) {
    return {};
  }
  return buf;
}

std::vector<ServerRecord> read_server_records(const std::filesystem::path& config_db) {
  std::vector<ServerRecord> out;
  const auto prefix = prefix_for(config_db);
  std::error_code ec;
  const auto dir = config_db.parent_path().empty() ? std::filesystem::path(".") : config_db.parent_path();
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (name.starts_with(prefix) && name.ends_with(".json")) {
      if (auto r = parse_record(it->path())) {
        out.push_back(std::move(*r));
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const ServerRecord& a, const ServerRecord& b) { return a.started_ms < b.started_ms; });
  return out;
}

std::vector<ServerRecord> live_servers(const std::filesystem::path& config_db) {
  auto all = read_server_records(config_db);
  std::erase_if(all, [](const ServerRecord& r) { return !r.alive; });
  return all;
}

RecordKeeper::RecordKeeper(const std::filesystem::path& config_db, ServerRecord record)
    : file_(record_path(config_db, record.pid)) {
  const auto here = host_name();
  for (const auto& r : read_server_records(config_db)) {
    if (r.host == here && !process_exists(r.pid)) {
      std::error_code ec;
      std::filesystem::remove(r.file, ec);  // a crashed server's leftover
    }
  }
  write_record(file_, record);
  beat_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, kHeartbeatInterval, [this] { return stop_; })) {
      if (::utimensat(AT_FDCWD, file_.c_str(), nullptr, AT_SYMLINK_NOFOLLOW) != 0) {
        core::log::warn("cannot refresh the server record '{}': {}", file_.string(), std::strerror(errno));
      }
    }
  });
}

RecordKeeper::~RecordKeeper() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  beat_.join();
  std::error_code ec;
  std::filesystem::remove(file_, ec);
}

}  // namespace router::server
