#include <spdlog/spdlog.h>

#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <fstream>
#include <optional>
#include <type_traits>
#include <vector>

#include "api/error_reply.hpp"
#include "net/log_text.hpp"
#include "net/sessions.hpp"
#include "net/static_files.hpp"

namespace sealbridge::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using http_response = http::response<http::string_body>;

constexpr std::uintmax_t kMaxStaticFileBytes = 64 * 1024 * 1024;

std::string_view header(const http_request& request, std::string_view name) {
  auto it = request.find(name);
  return it == request.end() ? std::string_view{} : it->value();
}

request_view view_of(const http_request& request) {
  request_view view;
  view.method = request.method_string();
  view.target = request.target();
  view.host = header(request, "Host");
  view.origin = header(request, "Origin");
  view.has_origin = request.find(http::field::origin) != request.end();
  view.content_type = header(request, "Content-Type");
  view.sec_fetch_site = header(request, "Sec-Fetch-Site");
  view.sec_fetch_mode = header(request, "Sec-Fetch-Mode");
  view.access_control_request_method = header(request, "Access-Control-Request-Method");
  view.access_control_request_headers = header(request, "Access-Control-Request-Headers");
  view.access_control_request_private_network =
      header(request, "Access-Control-Request-Private-Network");
  view.is_websocket_upgrade = beast::websocket::is_upgrade(request);
  return view;
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == beast::error_code(http::error::bad_target).category() &&
         ec != http::error::partial_message;
}

std::optional<std::string> read_file(const std::filesystem::path& file) {
  std::error_code ec;
  auto size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxStaticFileBytes) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  std::string data(static_cast<std::size_t>(size), '\0');
  if (!in.read(data.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  return data;
}

// One HTTP connection, plain or TLS. Requests are handled one at a time: the next header is
// read only after the previous response is written, which bounds the memory a client can pin.
template <class Stream>
class http_session : public std::enable_shared_from_this<http_session<Stream>> {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

 public:
  http_session(plain_stream&& stream, beast::flat_buffer&& buffer, connection_slot slot)
      : slot_(std::move(slot)),
        stream_(make_stream(std::move(stream), slot_.state())),
        buffer_(std::move(buffer)) {}

  void start() {
    guarded("start", [&] {
      if constexpr (is_tls) {
        lowest().expires_after(limits().handshake_timeout);
        // The buffered overload: detection already consumed the start of the ClientHello.
        stream_.async_handshake(
            asio::ssl::stream_base::server, buffer_.data(),
            [self = this->shared_from_this()](beast::error_code ec, std::size_t used) {
              self->guarded("handshake", [&] { self->on_handshake(ec, used); });
            });
      } else {
        do_read();
      }
    });
  }

 private:
  static Stream make_stream(plain_stream&& stream, server_state& state) {
    if constexpr (is_tls) {
      return Stream(std::move(stream), *state.tls);
    } else {
      return std::move(stream);
    }
  }

  server_state& state() { return slot_.state(); }
  const net::limits& limits() { return state().options.limit; }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // The daemon must survive anything a client sends: no exception leaves a completion handler.
  template <class Function>
  void guarded(const char* where, Function&& function) noexcept {
    try {
      function();
    } catch (const std::exception& e) {
      spdlog::error("http session: {}: {}", where, e.what());
      close_now();
    } catch (...) {
      spdlog::error("http session: {}: unknown exception", where);
      close_now();
    }
  }

  void close_now() noexcept {
    beast::error_code ignored;
    lowest().socket().close(ignored);
  }

  void on_handshake(beast::error_code ec, std::size_t used) {
    if (ec) {
      spdlog::debug("TLS handshake failed: {}", ec.message());
      return;
    }
    buffer_.consume(used);
    do_read();
  }

  void do_read() {
    head_request_ = false;
    log_method_ = log_target_ = log_origin_ = "-";
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits().header_bytes));
    parser_->body_limit(limits().body_bytes);
    lowest().expires_after(limits().idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->guarded("read header", [&] { self->on_header(ec); });
                            });
  }

  // The gate runs on the header alone, so a rejected request never gets to send its body.
  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& request = parser_->get();
    head_request_ = request.method() == http::verb::head;
    version_ = request.version();
    auto view = view_of(request);
    log_method_ = log_text(view.method);
    log_target_ = log_text(view.target);
    log_origin_ = log_text(view.origin);

    if (request.count(http::field::host) > 1 || request.count(http::field::origin) > 1) {
      return reply_error(400, errc::bad_request, "duplicate Host or Origin header", {}, true);
    }
    auto decision = state().gate_rules.check(view);
    if (!decision.allowed) {
      bool close = !parser_->is_done() || !request.keep_alive();
      if (decision.status >= 400) {
        spdlog::warn("gate: {} {} -> {} {} (host={}, origin={})", log_method_, log_target_,
                     decision.status, decision.detail, log_text(view.host), log_origin_);
        return reply_error(decision.status, decision.code, decision.detail,
                           std::move(decision.headers), close);
      }
      return reply_empty(decision.status, decision.headers, close);
    }
    gate_headers_ = std::move(decision.headers);

    if (route_of(view.target) == route::websocket) {
      if (!parser_->is_done()) {
        return reply_error(400, errc::bad_request, "WebSocket upgrade with a body", {}, true);
      }
      spdlog::debug("{} {} -> 101 origin={}", log_method_, log_target_, log_origin_);
      // From here the WebSocket stream applies its own timeouts.
      lowest().expires_never();
      return start_websocket_session(std::move(stream_), parser_->release(), std::move(slot_));
    }
    if (parser_->is_done()) return route_request();

    auto expect = header(request, "Expect");
    if (expect.size() == 12 && beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(
          stream_, asio::buffer(kContinue.data(), kContinue.size()),
          [self = this->shared_from_this()](beast::error_code write_ec, std::size_t) {
            self->guarded("continue", [&] {
              if (!write_ec) self->do_read_body();
            });
          });
    }
    do_read_body();
  }

  void do_read_body() {
    lowest().expires_after(limits().idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       self->guarded("read body", [&] {
                         if (ec) return self->on_read_error(ec);
                         self->route_request();
                       });
                     });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return do_eof();
    if (ec == http::error::body_limit) {
      return reply_error(413, errc::payload_too_large, "body exceeds the size limit", {}, true);
    }
    if (ec == http::error::header_limit) {
      return reply_error(431, errc::bad_request, "header exceeds the size limit", {}, true);
    }
    if (is_parse_error(ec)) {
      spdlog::warn("malformed HTTP request: {}", ec.message());
      return reply_error(400, errc::bad_request, "malformed HTTP request", {}, true);
    }
    // Timeouts, resets and truncated TLS: nothing useful can be written any more. A missing
    // close_notify is harmless because HTTP frames its own messages.
    spdlog::debug("http connection closed: {}", ec.message());
  }

  void route_request() {
    auto request = parser_->release();
    if (route_of(request.target()) == route::rpc) return call_rpc(std::move(request));
    serve_static(request);
  }

  void call_rpc(http_request&& request) {
    keep_alive_ = request.keep_alive();
    api::call_context context;
    context.origin = std::string(header(request, "Origin"));
    context.via = api::transport::http;

    // Nothing is pending on the socket while the handler works, so the session keeps itself
    // alive; the callback only holds a weak reference that cannot outlive the io_context.
    awaiting_reply_ = true;
    self_ = this->shared_from_this();
    std::weak_ptr<http_session> weak = self_;
    auto shared_state = slot_.shared_state();
    auto executor = stream_.get_executor();
    try {
      state().handler.handle(
          context, std::move(request.body()), [weak, shared_state, executor](std::string reply) {
            auto self = weak.lock();
            if (!self) return;
            shared_state->post_if_open(executor, [self, reply = std::move(reply)]() mutable {
              self->guarded("reply", [&] { self->on_reply(std::move(reply)); });
            });
          });
    } catch (const sealbridge::error& e) {
      on_handler_failure(e);
    } catch (const std::exception& e) {
      spdlog::error("request handler threw: {}", e.what());
      on_handler_failure(sealbridge::error(errc::internal, "request handler failed"));
    }
  }

  void on_handler_failure(const sealbridge::error& e) {
    if (!awaiting_reply_) return;
    awaiting_reply_ = false;
    auto keep = std::move(self_);
    reply_error(500, e.code(), e.detail(), std::move(gate_headers_), !keep_alive_);
  }

  void on_reply(std::string reply) {
    if (!awaiting_reply_) return;
    awaiting_reply_ = false;
    auto keep = std::move(self_);
    http_response response{reply.empty() ? http::status::no_content : http::status::ok, version_};
    if (!reply.empty()) {
      response.set(http::field::content_type, "application/json; charset=utf-8");
      response.body() = std::move(reply);
    }
    for (auto& [name, value] : gate_headers_) response.set(name, value);
    send(std::move(response), !keep_alive_);
  }

  void serve_static(const http_request& request) {
    auto target = resolve_static_path(state().options.webroot, request.target());
    bool close = !request.keep_alive();
    if (target.status != 200) {
      return reply_error(target.status, target.status == 400 ? errc::bad_request : errc::not_found,
                         target.status == 400 ? "unsafe path" : "no such file", {}, close);
    }
    auto data = read_file(target.file);
    if (!data) return reply_error(404, errc::not_found, "file not readable", {}, close);

    http_response response{http::status::ok, version_};
    for (auto& [name, value] : static_headers(target.file, state().gate_rules.port())) {
      response.set(name, value);
    }
    response.body() = std::move(*data);
    send(std::move(response), close);
  }

  void reply_error(int status, errc code, const std::string& detail, header_list headers,
                   bool close) {
    http_response response{static_cast<http::status>(status), version_};
    response.set(http::field::content_type, "application/json; charset=utf-8");
    response.body() = api::error_reply_text(sealbridge::error(code, detail));
    for (auto& [name, value] : headers) response.set(name, value);
    send(std::move(response), close);
  }

  void reply_empty(int status, const header_list& headers, bool close) {
    http_response response{static_cast<http::status>(status), version_};
    for (auto& [name, value] : headers) response.set(name, value);
    send(std::move(response), close);
  }

  void send(http_response&& response, bool close) {
    response.set(http::field::server, "SealBridge");
    response.set("X-Content-Type-Options", "nosniff");
    response.keep_alive(!close);
    response.prepare_payload();
    if (head_request_) response.body().clear();  // Content-Length still describes the GET body
    spdlog::debug("{} {} -> {} origin={}", log_method_, log_target_, response.result_int(),
                  log_origin_);

    response_ = std::move(response);
    lowest().expires_after(limits().idle_timeout);
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this(), close](beast::error_code ec, std::size_t) {
                        self->guarded("write", [&] { self->on_write(ec, close); });
                      });
  }

  void on_write(beast::error_code ec, bool close) {
    response_.reset();
    if (ec) {
      spdlog::debug("http write failed: {}", ec.message());
      return;
    }
    if (close) return do_eof();
    do_read();
  }

  void do_eof() {
    if constexpr (is_tls) {
      lowest().expires_after(limits().handshake_timeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      linger();
    }
  }

  // Closing a socket with unread input makes the kernel send RST, which can destroy the
  // response (e.g. a 413 or 403) before the client reads it. So the unread rest of a rejected
  // request is drained briefly, bounded in time and size, before the socket closes.
  void linger() {
    if (drain_.empty()) drain_.resize(4096);
    lowest().expires_after(std::chrono::seconds(2));
    lowest().async_read_some(asio::buffer(drain_), [self = this->shared_from_this()](
                                                       beast::error_code ec, std::size_t n) {
      self->guarded("linger", [&] {
        self->drained_ += n;
        if (!ec && self->drained_ < self->limits().body_bytes) self->linger();
      });
    });
  }

  connection_slot slot_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http_response> response_;
  header_list gate_headers_;
  std::shared_ptr<http_session> self_;
  unsigned version_ = 11;
  bool head_request_ = false;
  bool keep_alive_ = true;
  bool awaiting_reply_ = false;
  std::string log_method_;
  std::string log_target_;
  std::string log_origin_;
  std::vector<char> drain_;
  std::size_t drained_ = 0;
};

}  // namespace

void start_http_session(plain_stream&& stream, beast::flat_buffer&& buffer, connection_slot slot) {
  std::make_shared<http_session<plain_stream>>(std::move(stream), std::move(buffer),
                                               std::move(slot))
      ->start();
}

void start_https_session(plain_stream&& stream, beast::flat_buffer&& buffer, connection_slot slot) {
  std::make_shared<http_session<tls_stream>>(std::move(stream), std::move(buffer), std::move(slot))
      ->start();
}

}  // namespace sealbridge::net
