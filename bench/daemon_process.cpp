#include "daemon_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "stats.hpp"

extern char** environ;

namespace sealbridge::bench {

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  auto address = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::uint16_t port_from_runtime_file(const std::filesystem::path& file, pid_t pid) {
  std::ifstream in(file);
  if (!in) return 0;
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || j.value("pid", -1) != pid) return 0;
  return j.value("port", std::uint16_t{0});
}

}  // namespace

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  auto address = loopback(0);
  socklen_t size = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

daemon_process::daemon_process(const daemon_options& options) {
  std::filesystem::create_directories(options.state_dir);
  std::filesystem::remove(options.state_dir / "daemon.json");
  std::string listen = "127.0.0.1:" + std::to_string(options.port);
  std::vector<std::string> args{options.binary.string(),
                                "--config",
                                options.config.string(),
                                "--state-dir",
                                options.state_dir.string(),
                                "--listen",
                                listen};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  for (const auto& e : options.environment) env_strings.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO,
                                   (options.state_dir / "stderr.txt").c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  auto start = bench_clock::now();
  int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + options.binary.string());

  auto deadline = start + std::chrono::seconds(15);
  while (bench_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("daemon exited during start-up; see " +
                               (options.state_dir / "stderr.txt").string());
    }
    if (options.port != 0) {
      if (accepts(options.port)) {
        time_to_listen_ =
            std::chrono::duration_cast<std::chrono::microseconds>(bench_clock::now() - start);
        port_ = options.port;
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        continue;
      }
    }
    // daemon.json is written once the tokens are being watched: the daemon is ready for work.
    if (auto port = port_from_runtime_file(options.state_dir / "daemon.json", pid_)) {
      port_ = port;
      time_to_ready_ =
          std::chrono::duration_cast<std::chrono::microseconds>(bench_clock::now() - start);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop();
  throw std::runtime_error("daemon did not start within 15 s");
}

daemon_process::~daemon_process() {
  stop();
}

memory_use daemon_process::memory() const {
  memory_use out;
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    auto value = [&] { return std::stod(line.substr(line.find(':') + 1)); };
    if (line.rfind("VmRSS:", 0) == 0) out.rss_mib = value() / 1024;
    if (line.rfind("VmHWM:", 0) == 0) out.peak_mib = value() / 1024;
    if (line.rfind("Threads:", 0) == 0) out.threads = static_cast<int>(value());
  }
  std::ifstream rollup("/proc/" + std::to_string(pid_) + "/smaps_rollup");
  while (std::getline(rollup, line)) {
    auto value = [&] { return std::stod(line.substr(line.find(':') + 1)); };
    if (line.rfind("Pss:", 0) == 0) out.pss_mib = value() / 1024;
    if (line.rfind("Anonymous:", 0) == 0) out.anonymous_mib = value() / 1024;
  }
  return out;
}

namespace {

struct stat_line {
  std::string name;  // the command (a thread's name for /proc/PID/task/TID/stat)
  double cpu_seconds = 0;
};

stat_line read_stat(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  stat_line out;
  const auto open = text.find('('), close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  out.name = text.substr(open + 1, close - open - 1);
  // Fields after the command name, which is in parentheses and may hold spaces.
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  out.cpu_seconds = (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  return out;
}

std::string thread_kind(const std::string& name) {
  const auto end = name.find_first_of(" 0123456789");
  return end == 0 ? name : name.substr(0, end);
}

}  // namespace

double daemon_process::cpu_seconds() const {
  return read_stat("/proc/" + std::to_string(pid_) + "/stat").cpu_seconds;
}

std::map<std::string, double> daemon_process::cpu_seconds_by_thread() const {
  std::map<std::string, double> out;
  std::error_code ignored;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid_) + "/task", ignored)) {
    auto line = read_stat(task.path() / "stat");
    if (!line.name.empty()) out[thread_kind(line.name)] += line.cpu_seconds;
  }
  return out;
}

void daemon_process::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto deadline = bench_clock::now() + std::chrono::seconds(5);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (bench_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
}

}  // namespace sealbridge::bench
