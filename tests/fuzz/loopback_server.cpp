#include "tests/fuzz/loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/dispatcher.hpp"
#include "api/params.hpp"
#include "net/server.hpp"
#include "service/document_store.hpp"

namespace sealbridge::fuzz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kPortal = "https://portal.example.com";
// Longer than any deadline of the server's own (see options() below): hitting it means the
// server kept a connection open with nothing left to do.
constexpr int kClientDeadlineSeconds = 15;

// Methods that exercise what a session does with replies: size, pushes, errors.
api::dispatcher* make_dispatcher() {
  auto* d = new api::dispatcher(1);
  d->add("probe.params", [](const json& params, const api::call_context&) {
    return json{{"token", api::required_string(params, "token")},
                {"pin", api::optional_string(params, "pin").has_value()},
                {"confirm", api::optional_bool(params, "confirm_final_try", false)}};
  });
  // A reply of `bytes` bytes (capped), to reach the outbox and reply limits.
  d->add("probe.big", [](const json& params, const api::call_context&) {
    auto n = params.is_object() && params.contains("bytes") && params["bytes"].is_number_unsigned()
                 ? std::min<std::uint64_t>(params["bytes"].get<std::uint64_t>(), 1u << 20)
                 : 16u;
    return json{{"data", std::string(static_cast<std::size_t>(n), 'x')}};
  });
  // `count` notifications of `bytes` each (capped), pushed to the calling WebSocket session.
  d->add("probe.push", [](const json& params, const api::call_context& context) {
    std::uint64_t count = 1, bytes = 16;
    if (params.is_object()) {
      if (params.contains("count") && params["count"].is_number_unsigned())
        count = std::min<std::uint64_t>(params["count"].get<std::uint64_t>(), 300);
      if (params.contains("bytes") && params["bytes"].is_number_unsigned())
        bytes = std::min<std::uint64_t>(params["bytes"].get<std::uint64_t>(), 64 * 1024);
    }
    std::uint64_t pushed = 0;
    if (auto sink = context.sink.lock()) {
      for (; pushed < count; ++pushed) {
        sink->push(json{{"jsonrpc", "2.0"},
                        {"method", "probe.event"},
                        {"params", {{"n", pushed}, {"pad", std::string(bytes, 'p')}}}}
                       .dump());
      }
    }
    return json{{"pushed", pushed}};
  });
  d->add("probe.fail", [](const json&, const api::call_context&) -> json {
    throw error(errc::busy, "probe failure");
  });
  return d;
}

net::server_options options(service::document_store* documents, const fs::path& webroot) {
  net::server_options o;
  o.addresses = {"127.0.0.1"};
  o.port = 0;
  o.allowed_origins = {kPortal, "http://127.0.0.2:18080"};
  o.webroot = webroot;
  o.documents = documents;
  o.threads = 1;
  // Small limits, so short inputs reach them.
  o.limit.header_bytes = 8 * 1024;
  o.limit.body_bytes = 64 * 1024;
  o.limit.websocket_message_bytes = 16 * 1024;
  o.limit.document_bytes = 64 * 1024;
  o.limit.reply_bytes = 512 * 1024;
  o.limit.outbox_bytes = 256 * 1024;
  o.limit.outbox_pause_bytes = 64 * 1024;
  o.limit.total_bytes = 4 * 1024 * 1024;
  o.limit.idle_timeout = std::chrono::seconds(5);
  o.limit.header_timeout = std::chrono::seconds(5);
  o.limit.body_timeout = std::chrono::seconds(5);
  o.limit.handshake_timeout = std::chrono::seconds(5);
  o.limit.drain_timeout = std::chrono::seconds(1);
  return o;
}

service::document_store* documents_store() {
  static auto* store = [] {
    auto dir = fs::temp_directory_path() / ("sb-fuzz-documents-" + std::to_string(::getpid()));
    service::document_limits limit;
    limit.max_bytes = 64 * 1024;
    limit.max_total_bytes = 16 * 1024 * 1024;
    limit.ttl = std::chrono::seconds(0);  // forget_documents() drops everything stored
    return new service::document_store(dir, limit);
  }();
  return store;
}

fs::path make_webroot() {
  auto base = fs::temp_directory_path() / ("sb-fuzz-webroot-" + std::to_string(::getpid()));
  fs::create_directories(base / "webroot" / "sub");
  std::ofstream(base / "webroot" / "index.html") << "<html>seal tool</html>";
  std::ofstream(base / "webroot" / "sub" / "index.html") << "<html>sub</html>";
  std::ofstream(base / "webroot" / "app.js") << "console.log(1);";
  std::ofstream(base / "secret.txt") << "secret";
  return base / "webroot";
}

[[noreturn]] void hung(const char* what) {
  std::fprintf(stderr, "loopback_server: %s: no answer and no close within %d s\n", what,
               kClientDeadlineSeconds);
  std::abort();
}

int connect_to(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    std::perror("socket");
    std::abort();
  }
  timeval deadline{kClientDeadlineSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &deadline, sizeof deadline);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int attempt = 0;; ++attempt) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return fd;
    if (attempt > 100) {
      std::perror("connect");
      std::abort();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Closing with a reset leaves no TIME_WAIT behind, so millions of connections do not exhaust
// the ephemeral ports.
void close_hard(int fd) {
  linger hard{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  ::close(fd);
}

// False when the server has closed (or reset) the connection; the rest is then not sent.
bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) hung("send");
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void read_to_end(int fd, std::string& out) {
  char chunk[16384];
  for (;;) {
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      // Only the start matters to the callers; the rest is read to see the close.
      if (out.size() < (1u << 20)) out.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) hung("recv");
    return;  // reset by the server: closed as well
  }
}

// Reads up to the end of a response head.
bool read_head(int fd, std::string& out) {
  char c;
  while (out.size() < 16384) {
    auto n = ::recv(fd, &c, 1, 0);
    if (n == 1) {
      out.push_back(c);
      if (out.size() >= 4 && out.compare(out.size() - 4, 4, "\r\n\r\n") == 0) return true;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) hung("recv head");
    return false;
  }
  return false;
}

}  // namespace

loopback_server& loopback_server::instance() {
  // Never destroyed: the server keeps running until the process exits.
  static auto* server = new loopback_server();
  return *server;
}

loopback_server::loopback_server() {
  // The server logs every refusal; millions of them would only slow the run down (the text
  // is still built: log_text() runs as an argument).
  spdlog::set_level(spdlog::level::off);
  static auto* dispatcher = make_dispatcher();
  static auto* srv = new net::server(options(documents_store(), make_webroot()), *dispatcher);
  srv->start();
  port_ = srv->port();
  static std::promise<void> stopped;
  std::thread([] {
    srv->run();
    stopped.set_value();
    // Parked, not ended: a live thread's OpenSSL state (error queue, random generator) is not
    // reported as leaked, as it would be after the thread ended.
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }).detach();
  // The server thread may still be closing the last input's connection when main() returns,
  // and it logs while doing so: stop it before static destruction takes spdlog's registry away
  // (handlers registered after the registry was built run before it is destroyed).
  std::atexit([] {
    srv->stop();
    stopped.get_future().wait();
  });
}

std::string loopback_server::with_port(std::string_view text) const {
  const std::string_view placeholder = "16116";
  const auto port = std::to_string(port_);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.substr(i, placeholder.size()) == placeholder) {
      out += port;
      i += placeholder.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

std::string loopback_server::exchange(std::string_view bytes) const {
  int fd = connect_to(port_);
  std::string reply;
  if (send_all(fd, bytes)) ::shutdown(fd, SHUT_WR);
  read_to_end(fd, reply);
  close_hard(fd);
  return reply;
}

std::string loopback_server::websocket_exchange(std::string_view frames) const {
  int fd = connect_to(port_);
  const std::string upgrade = with_port(
      "GET /ws HTTP/1.1\r\n"
      "Host: 127.0.0.1:16116\r\n"
      "Origin: https://portal.example.com\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "\r\n");
  std::string head;
  std::string reply;
  if (!send_all(fd, upgrade) || !read_head(fd, head) || head.rfind("HTTP/1.1 101", 0) != 0) {
    std::fprintf(stderr, "loopback_server: WebSocket upgrade refused:\n%s\n", head.c_str());
    std::abort();
  }
  if (send_all(fd, frames)) ::shutdown(fd, SHUT_WR);
  read_to_end(fd, reply);
  close_hard(fd);
  return reply;
}

void loopback_server::forget_documents() const {
  documents_store()->expire();
}

}  // namespace sealbridge::fuzz
