#include <winsock2.h>
// After winsock2.h, which must come before windows.h:
#include <ws2tcpip.h>

#include <string>

#include "core/win32_text.hpp"
#include "loopback_exchange.hpp"

namespace sealbridge::tray {
namespace {

// Winsock needs WSAStartup once per process before any socket call; the tray never unloads
// it, so there is no matching WSACleanup.
bool winsock_ready() {
  static const bool ready = [] {
    WSADATA data{};
    return WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  return ready;
}

class unique_socket {
 public:
  explicit unique_socket(SOCKET s) : socket_(s) {}
  ~unique_socket() {
    if (socket_ != INVALID_SOCKET) closesocket(socket_);
  }
  unique_socket(const unique_socket&) = delete;
  unique_socket& operator=(const unique_socket&) = delete;
  SOCKET get() const { return socket_; }

 private:
  SOCKET socket_;
};

std::string socket_error(const char* call) {
  const int code = WSAGetLastError();
  return std::string(call) + ": " + win32_error_text(static_cast<unsigned long>(code));
}

// Windows ignores SO_SNDTIMEO for connect, and a refused loopback connect is retried for about
// two seconds: connect without blocking and wait for the outcome ourselves.
bool connect_within(SOCKET s, const sockaddr_in& addr, std::chrono::milliseconds timeout,
                    std::string& failure) {
  u_long non_blocking = 1;
  ioctlsocket(s, FIONBIO, &non_blocking);
  if (connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 &&
      WSAGetLastError() != WSAEWOULDBLOCK) {
    failure = socket_error("connect");
    return false;
  }
  fd_set writable;
  fd_set failed;
  FD_ZERO(&writable);
  FD_ZERO(&failed);
  FD_SET(s, &writable);
  FD_SET(s, &failed);
  timeval tv{static_cast<long>(timeout.count() / 1000),
             static_cast<long>((timeout.count() % 1000) * 1000)};
  const int ready = select(0, nullptr, &writable, &failed, &tv);
  if (ready == 0) {
    failure = "connect: no answer in time";
    return false;
  }
  int error = 0;
  int length = sizeof error;
  getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &length);
  if (ready < 0 || FD_ISSET(s, &failed) || error != 0) {
    failure = "connect: " + win32_error_text(static_cast<unsigned long>(error));
    return false;
  }
  non_blocking = 0;
  ioctlsocket(s, FIONBIO, &non_blocking);
  return true;
}

}  // namespace

exchange_result loopback_exchange(std::uint16_t port, const std::string& request,
                                  std::chrono::milliseconds timeout, std::size_t max_response) {
  exchange_result out;
  if (!winsock_ready()) {
    out.failure = "WSAStartup failed";
    return out;
  }
  unique_socket sock(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
  if (sock.get() == INVALID_SOCKET) {
    out.failure = socket_error("socket");
    return out;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!connect_within(sock.get(), addr, timeout, out.failure)) return out;
  out.connected = true;

  const DWORD timeout_ms = static_cast<DWORD>(timeout.count());
  setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&timeout_ms),
             sizeof timeout_ms);
  setsockopt(sock.get(), SOL_SOCKET, SO_SNDTIMEO, reinterpret_cast<const char*>(&timeout_ms),
             sizeof timeout_ms);

  for (std::size_t sent = 0; sent < request.size();) {
    const int n =
        send(sock.get(), request.data() + sent, static_cast<int>(request.size() - sent), 0);
    if (n <= 0) {
      out.failure = socket_error("send");
      return out;
    }
    sent += static_cast<std::size_t>(n);
  }

  char chunk[16384];
  for (;;) {
    const int n = recv(sock.get(), chunk, sizeof chunk, 0);
    if (n == 0) break;
    if (n < 0) {
      out.failure = WSAGetLastError() == WSAETIMEDOUT ? std::string("no answer in time")
                                                      : socket_error("recv");
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
