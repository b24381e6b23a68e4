#include "loopback.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "stats.hpp"

namespace sealbridge::bench {

namespace {

void no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool read_all(int fd, char* data, std::size_t size) {
  while (size > 0) {
    auto n = ::read(fd, data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    auto n = ::write(fd, data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::chrono::nanoseconds loopback_round_trip(std::size_t size, int rounds) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("loopback listener failed");

  std::thread echo([&] {
    int fd = ::accept(listener, nullptr, nullptr);
    no_delay(fd);
    std::vector<char> buffer(size);
    while (read_all(fd, buffer.data(), size) && write_all(fd, buffer.data(), size)) {
    }
    ::close(fd);
  });

  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0)
    throw std::runtime_error("loopback connect failed");
  no_delay(fd);
  std::vector<char> buffer(size, 'x');
  for (int i = 0; i < 100; ++i) {  // warm-up
    write_all(fd, buffer.data(), size);
    read_all(fd, buffer.data(), size);
  }
  auto start = bench_clock::now();
  for (int i = 0; i < rounds; ++i) {
    write_all(fd, buffer.data(), size);
    read_all(fd, buffer.data(), size);
  }
  auto elapsed = bench_clock::now() - start;
  ::close(fd);
  echo.join();
  ::close(listener);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed / rounds);
}

}  // namespace sealbridge::bench
