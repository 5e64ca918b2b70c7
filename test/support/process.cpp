#include "support/process.hpp"

#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/temp_dir.hpp"

extern char** environ;

namespace router::test {

namespace {

std::vector<std::string> make_env(const ProcessOptions& opts) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos) {
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const auto& name : opts.unset_env) {
    env.erase(name);
  }
  for (const auto& [k, v] : opts.env) {
    env[k] = v;
  }
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) {
    out.push_back(k + "=" + v);
  }
  return out;
}

std::vector<char*> c_array(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

int spawn(const std::vector<std::string>& argv_in, const ProcessOptions& opts, int in_fd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t all;
  sigfillset(&all);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> argv = argv_in;
  std::vector<std::string> envv = make_env(opts);
  auto cargv = c_array(argv);
  auto cenv = c_array(envv);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, cargv[0], &fa, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    throw std::runtime_error(std::string("posix_spawn failed: ") + std::strerror(rc));
  }
  return pid;
}

int decode(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  if (WIFSIGNALED(status)) {
    return -WTERMSIG(status);
  }
  return -1;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& opts) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  const int pid = spawn(argv, opts, in[0], out[1], err[1]);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ProcessResult r;
  std::size_t written = 0;
  int in_fd = in[1];
  if (opts.stdin_data.empty()) {
    ::close(in_fd);
    in_fd = -1;
  } else {
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
  }
  const auto deadline = std::chrono::steady_clock::now() + opts.timeout;
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open) {
    pollfd fds[3];
    nfds_t n = 0;
    if (out_open) fds[n++] = {out[0], POLLIN, 0};
    if (err_open) fds[n++] = {err[0], POLLIN, 0};
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, n, static_cast<int>(std::min<long>(left.count(), 1000))) < 0 && errno != EINTR) {
      break;
    }
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) {
        continue;
      }
      if (fds[i].fd == in_fd) {
        const ssize_t w = ::write(in_fd, opts.stdin_data.data() + written, opts.stdin_data.size() - written);
        if (w > 0) {
          written += static_cast<std::size_t>(w);
        }
        if (w < 0 || written == opts.stdin_data.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        (fds[i].fd == out[0] ? out_open : err_open) = false;
      } else {
        (fds[i].fd == out[0] ? r.out : r.err).append(buf, static_cast<std::size_t>(got));
      }
    }
  }
  if (in_fd >= 0) {
    ::close(in_fd);
  }
  ::close(out[0]);
  ::close(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = r.timed_out ? -1 : decode(status);
  return r;
}

Child::Child(const std::vector<std::string>& argv, const ProcessOptions& opts, const std::string& log_path) {
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (devnull < 0 || log < 0) {
    throw std::runtime_error("cannot open child log " + log_path);
  }
  pid_ = spawn(argv, opts, devnull, log, log);
  ::close(devnull);
  ::close(log);
}

Child::~Child() {
  if (running()) {
    stop(SIGKILL, std::chrono::milliseconds(5000));
  }
}

bool Child::running() {
  if (status_ || pid_ < 0) {
    return false;
  }
  int status = 0;
  const int rc = ::waitpid(pid_, &status, WNOHANG);
  if (rc == pid_) {
    status_ = status;
    return false;
  }
  return rc == 0;
}

int Child::stop(int sig, std::chrono::milliseconds timeout) {
  if (running()) {
    ::kill(pid_, sig);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (running()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      status_ = status;
    }
  }
  return status_ ? decode(*status_) : -1;
}

ProcessResult run_router(const std::string& db, const std::vector<std::string>& args, const ProcessOptions& opts) {
  std::vector<std::string> argv{ROUTER_BINARY, "--db", db};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions o = opts;
  o.unset_env.push_back("ROUTER_DB");
  o.unset_env.push_back("ROUTER_MASTER_KEY");
  o.env.emplace("NO_COLOR", "1");
  return run_process(argv, o);
}

std::uint16_t wait_for_listen_port(const std::string& log, std::chrono::milliseconds wait, const std::string& host) {
  const std::regex re("listening on http://" + host + R"(:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string text = read_file(log);
    if (std::regex_search(text, m, re)) {
      return static_cast<std::uint16_t>(std::stoi(m[1]));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

Rss process_rss(int pid) {
  Rss out;
  std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(status, line)) {
    const auto kib = [&line] { return static_cast<std::size_t>(std::stoull(line.substr(line.find(':') + 1))) * 1024; };
    if (line.starts_with("VmRSS:")) {
      out.now = kib();
    } else if (line.starts_with("VmHWM:")) {
      out.peak = kib();
    }
  }
  return out;
}

int open_fds() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n - 1;  // the iterator's own descriptor
}

}  // namespace router::test
