#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "loopback_exchange.hpp"

namespace sealbridge::tray {
namespace {

class socket_fd {
 public:
  explicit socket_fd(int fd) : fd_(fd) {}
  ~socket_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

exchange_result loopback_exchange(std::uint16_t port, const std::string& request,
                                  std::chrono::milliseconds timeout, std::size_t max_response) {
  exchange_result out;
  socket_fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) {
    out.failure = std::string("socket: ") + std::strerror(errno);
    return out;
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // bounds connect too

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    out.failure = std::string("connect: ") + std::strerror(errno);
    return out;
  }
  out.connected = true;

  for (std::size_t sent = 0; sent < request.size();) {
    auto n = ::send(sock.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      out.failure = std::string("send: ") + std::strerror(errno);
      return out;
    }
    sent += static_cast<std::size_t>(n);
  }

  char chunk[16384];
  for (;;) {
    auto n = ::recv(sock.get(), chunk, sizeof chunk, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      out.failure = errno == EAGAIN || errno == EWOULDBLOCK
                        ? std::string("no answer in time")
                        : std::string("recv: ") + std::strerror(errno);
      return out;
    }
    out.response.append(chunk, static_cast<std::size_t>(n));
    if (out.response.size() > max_response) {
      out.failure = "response too large";
      return out;
    }
  }
  return out;
}

}  // namespace sealbridge::tray
