#include "net/server.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/thread_name.hpp"
#include "net/sessions.hpp"
#include "service/document_store.hpp"

namespace sealbridge::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

// Reads the first bytes of a connection to tell a TLS ClientHello from plain HTTP, so one port
// serves https/wss and http/ws alike.
class detect_session : public std::enable_shared_from_this<detect_session> {
 public:
  detect_session(tcp::socket&& socket, connection_slot slot)
      : slot_(std::move(slot)), stream_(std::move(socket)) {}

  auto get_executor() { return stream_.get_executor(); }
  void evict() noexcept {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  void start() {
    slot_.enter(connection_phase::opening, shared_from_this());
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_after(self->slot_.state().options.limit.handshake_timeout);
      beast::async_detect_ssl(self->stream_, self->buffer_,
                              [self](beast::error_code ec, bool tls) { self->on_detect(ec, tls); });
    });
  }

 private:
  void on_detect(beast::error_code ec, bool tls) noexcept {
    try {
      if (ec) return;
      if (!tls) return start_http_session(std::move(stream_), std::move(buffer_), std::move(slot_));
      if (slot_.state().tls) {
        return start_https_session(std::move(stream_), std::move(buffer_), std::move(slot_));
      }
      spdlog::debug("TLS ClientHello while TLS is not configured; closing");
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
    } catch (const std::exception& e) {
      spdlog::error("connection setup failed: {}", e.what());
    }
  }

  connection_slot slot_;
  beast::tcp_stream stream_;
  wiped_flat_buffer buffer_;
};

class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(asio::io_context& io, tcp::acceptor&& acceptor, std::shared_ptr<server_state> state)
      : io_(io), acceptor_(std::move(acceptor)), retry_(io), state_(std::move(state)) {}

  void start() { do_accept(); }

 private:
  void do_accept() {
    // Each connection gets its own strand, so sessions are safe with several I/O threads.
    acceptor_.async_accept(asio::make_strand(io_),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(beast::error_code ec, tcp::socket socket) noexcept {
    if (ec == asio::error::operation_aborted) return;
    try {
      if (ec) {
        // E.g. out of file descriptors: retrying at once would spin.
        spdlog::warn("accept failed: {}", ec.message());
        retry_.expires_after(std::chrono::milliseconds(200));
        retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
          if (!wait_ec) self->do_accept();
        });
        return;
      }
      // At the cap the connection that has waited longest without a request in hand is
      // closed to make room: a flood of idle or dribbling connections cannot lock out the
      // seal tool or a portal, while requests being served and WebSocket sessions are kept.
      if (auto ticket = state_->connections.admit()) {
        // Some replies go out in several writes (a WebSocket message over 4 KiB is sent as
        // several frames): with Nagle's algorithm each write after the first waited for the
        // client's delayed ACK, some 40 ms on Linux, for every such reply.
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<detect_session>(std::move(socket),
                                         connection_slot(state_, std::move(ticket)))
            ->start();
      } else {
        spdlog::warn("connection limit ({}) reached with every connection busy; refusing one",
                     state_->options.limit.max_connections);
        beast::error_code ignored;
        socket.close(ignored);
      }
    } catch (const std::exception& e) {
      spdlog::error("accept: {}", e.what());
    }
    do_accept();
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<server_state> state_;
};

// Removes expired documents every minute, so an idle daemon does not keep them past their ttl.
class document_janitor : public std::enable_shared_from_this<document_janitor> {
 public:
  document_janitor(asio::io_context& io, service::document_store& store)
      : timer_(io), store_(store) {}

  void start() {
    timer_.expires_after(std::chrono::minutes(1));
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      try {
        self->store_.expire();
      } catch (const std::exception& e) {
        spdlog::warn("removing expired documents: {}", e.what());
      }
      self->start();
    });
  }

 private:
  asio::steady_timer timer_;
  service::document_store& store_;
};

bool open_acceptor(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, beast::error_code& ec) {
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return false;
  if (endpoint.address().is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
#ifndef _WIN32
  // On Windows SO_REUSEADDR would let another process steal the port; elsewhere it only lets a
  // restarted daemon bind while old connections sit in TIME_WAIT.
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
#endif
  acceptor.bind(endpoint, ec);
  if (ec) return false;
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  return !ec;
}

std::unique_ptr<asio::ssl::context> make_tls_context(const server_options& options) {
  std::error_code fs_ec;
  if (options.tls_certificate.empty() || options.tls_private_key.empty() ||
      !std::filesystem::exists(options.tls_certificate, fs_ec) ||
      !std::filesystem::exists(options.tls_private_key, fs_ec)) {
    return nullptr;
  }
  try {
    auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    context->set_options(asio::ssl::context::default_workarounds |
                         asio::ssl::context::single_dh_use);
    context->use_certificate_chain_file(options.tls_certificate.string());
    context->use_private_key_file(options.tls_private_key.string(), asio::ssl::context::pem);
    return context;
  } catch (const std::exception& e) {
    // Plain HTTP keeps working (the SDK relies on it), so a broken certificate is not fatal.
    spdlog::error("TLS disabled: cannot load certificate or key: {}", e.what());
    return nullptr;
  }
}

}  // namespace

struct server::impl {
  impl(server_options opts, api::request_handler& h)
      : options(std::move(opts)), handler(h), io(static_cast<int>(std::max(1u, options.threads))) {}

  ~impl() {
    if (state) state->close();
    io.stop();
  }

  server_options options;
  api::request_handler& handler;
  asio::io_context io;
  std::shared_ptr<server_state> state;
  std::vector<std::shared_ptr<listener>> listeners;
};

server::server(server_options options, api::request_handler& handler)
    : impl_(std::make_unique<impl>(std::move(options), handler)) {}

server::~server() = default;

void server::start() {
  auto& d = *impl_;
  if (d.state) throw sealbridge::error(errc::internal, "server already started");

  std::vector<tcp::acceptor> acceptors;
  std::vector<std::string> bound;
  std::uint16_t port = d.options.port;
  for (const auto& text : d.options.addresses) {
    beast::error_code ec;
    auto address = asio::ip::make_address(text, ec);
    if (ec || !address.is_loopback()) {
      throw sealbridge::error(errc::io_error, "refusing to listen on non-loopback address " + text);
    }
    tcp::acceptor acceptor(d.io);
    if (!open_acceptor(acceptor, tcp::endpoint(address, port), ec)) {
      if (address.is_v6()) {
        // A host without IPv6 loopback is normal; another process holding [::1]:PORT is not
        // (pages using localhost may reach it instead of us), so say so either way.
        spdlog::warn("not listening on [{}]:{}: {}", text, port, ec.message());
        continue;
      }
      throw sealbridge::error(errc::io_error, "cannot listen on " + text + ":" +
                                                  std::to_string(port) + ": " + ec.message());
    }
    if (port == 0) port = acceptor.local_endpoint().port();
    acceptors.push_back(std::move(acceptor));
    bound.push_back(address.is_v6() ? "[" + text + "]" : text);
  }
  if (acceptors.empty()) throw sealbridge::error(errc::io_error, "no address to listen on");

  d.state = std::make_shared<server_state>(d.options, d.handler, port);
  d.state->tls = make_tls_context(d.options);
  for (auto& acceptor : acceptors) {
    auto l = std::make_shared<listener>(d.io, std::move(acceptor), d.state);
    l->start();
    d.listeners.push_back(std::move(l));
  }
  if (d.options.documents) std::make_shared<document_janitor>(d.io, *d.options.documents)->start();
  std::string addresses;
  for (const auto& name : bound) {
    addresses += (addresses.empty() ? "" : ", ") + name + ":" + std::to_string(port);
  }
  spdlog::info("listening on {} (TLS {})", addresses, d.state->tls ? "on" : "off");
}

std::uint16_t server::port() const {
  return impl_->state ? impl_->state->gate_rules.port() : 0;
}

bool server::tls() const {
  return impl_->state && impl_->state->tls;
}

void server::run() {
  auto& io = impl_->io;
  auto worker = [&io] {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        // Sessions catch their own exceptions; this is the last line of defence.
        spdlog::error("I/O thread: {}", e.what());
      }
    }
  };
  std::vector<std::thread> extra;
  // The calling (main) thread keeps the program's name, which ps and pgrep show.
  for (unsigned i = 1; i < impl_->options.threads; ++i)
    extra.emplace_back([&worker] {
      name_this_thread("io");
      worker();
    });
  worker();
  for (auto& t : extra) t.join();
}

void server::stop() {
  impl_->io.stop();
}

}  // namespace sealbridge::net
