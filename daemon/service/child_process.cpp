#include "service/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

namespace sealbridge::service {

namespace {

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct fd_pair {
  int ours = -1;
  int theirs = -1;
  ~fd_pair() {
    close_fd(ours);
    close_fd(theirs);
  }
};

struct spawn_setup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  spawn_setup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
  }
  ~spawn_setup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
  spawn_setup(const spawn_setup&) = delete;
  spawn_setup& operator=(const spawn_setup&) = delete;
};

[[noreturn]] void fail(const char* what, int err) {
  throw error(errc::internal, std::string("consent dialog: ") + what + ": " + std::strerror(err));
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail("fcntl", errno);
}

}  // namespace

child_process::child_process(const std::filesystem::path& program,
                             const std::vector<std::string>& environment) {
  if (::access(program.c_str(), X_OK) != 0)
    throw error(errc::not_supported, "the consent dialog program is missing or not executable");

  fd_pair in, out;
  int sockets[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) fail("socketpair", errno);
  in.ours = sockets[0];
  in.theirs = sockets[1];
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) fail("pipe2", errno);
  out.ours = pipe_fds[0];
  out.theirs = pipe_fds[1];
  set_nonblocking(in.ours);
  set_nonblocking(out.ours);
  // Only the writer's end half-closes: the dialog reads its request to EOF.
  ::shutdown(in.theirs, SHUT_WR);

  spawn_setup setup;
  posix_spawn_file_actions_adddup2(&setup.actions, in.theirs, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&setup.actions, out.theirs, STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Descriptors other threads open without O_CLOEXEC (a driver's, say) stay with the daemon.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, STDERR_FILENO + 1);
#endif
  // The daemon's threads may block or ignore signals; the dialog starts with none of that.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&setup.attributes, &none);
  posix_spawnattr_setsigdefault(&setup.attributes, &all);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  posix_spawnattr_setflags(
      &setup.attributes,
      static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP));

  std::vector<char*> envp;
  for (const auto& entry : environment) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  std::string program_text = program.string();
  char* argv[] = {program_text.data(), nullptr};

  pid_t pid = -1;
  const int rc =
      ::posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attributes, argv, envp.data());
  if (rc == ENOENT || rc == EACCES || rc == ENOEXEC)
    throw error(errc::not_supported, std::string("consent dialog: ") + std::strerror(rc));
  if (rc != 0) fail("posix_spawn", rc);

  pid_ = pid;
  stdin_ = in.ours;
  stdout_ = out.ours;
  in.ours = -1;
  out.ours = -1;
}

child_process::~child_process() {
  close_stdin();
  close_stdout();
  kill_and_reap();
}

void child_process::close_stdin() noexcept {
  close_fd(stdin_);
}
void child_process::close_stdout() noexcept {
  close_fd(stdout_);
}

long child_process::write_stdin(const char* data, std::size_t size) noexcept {
  for (;;) {
    const ssize_t n = ::send(stdin_, data, size, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<long>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

void child_process::kill() noexcept {
  // The whole group: the dialog and anything it started. Never after reaping, when the pid
  // may already belong to someone else.
  if (pid_ > 0 && !status_ && ::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
}

std::optional<int> child_process::try_reap() noexcept {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == pid_)
    status_ = status;
  else if (r < 0)
    status_ = 0;  // ECHILD: someone else reaped it; nothing left to wait for
  return status_;
}

int child_process::kill_and_reap() noexcept {
  if (pid_ <= 0) return 0;
  if (!status_) {
    kill();
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid_, &status, 0);
    while (r < 0 && errno == EINTR);
    status_ = r == pid_ ? status : 0;
  }
  return *status_;
}

}  // namespace sealbridge::service
