#include <spdlog/spdlog.h>

#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include "api/error_reply.hpp"
#include "core/forget_copies.hpp"
#include "net/document_body.hpp"
#include "net/log_text.hpp"
#include "net/request_view_of.hpp"
#include "net/sessions.hpp"
#include "net/static_files.hpp"
#include "net/wipe_buffer.hpp"
#include "service/document_store.hpp"

namespace sealbridge::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using http_response = http::response<http::string_body>;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == beast::error_code(http::error::bad_target).category() &&
         ec != http::error::partial_message;
}

// One HTTP connection, plain or TLS. Requests are handled one at a time: the next header is
// read only after the previous response is written, which bounds the memory a client can pin.
// The head is read first on its own; the route then picks how the body is read (into memory
// for /rpc, onto disk for /documents), under the route's limit.
template <class Stream>
class http_session : public std::enable_shared_from_this<http_session<Stream>> {
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;
  using head_parser = http::request_parser<http::empty_body>;
  using rpc_parser = http::request_parser<http::string_body>;
  using document_parser = http::request_parser<document_body>;
  using file_response = http::response<http::file_body>;

 public:
  http_session(plain_stream&& stream, wiped_flat_buffer&& buffer, connection_slot slot)
      : slot_(std::move(slot)),
        stream_(make_stream(std::move(stream), slot_.state())),
        buffer_(std::move(buffer)) {}

  auto get_executor() { return stream_.get_executor(); }
  void evict() noexcept {
    spdlog::debug("http connection evicted to make room for a new one");
    close_now();
  }

  void start() {
    guarded("start", [&] {
      slot_.enter(connection_phase::opening, this->shared_from_this());
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
    slot_.enter(connection_phase::opening);
    head_request_ = false;
    log_method_ = log_target_ = log_origin_ = "-";
    origin_.clear();
    gate_headers_.clear();
    lease_.release();
    rpc_parser_.reset();
    document_parser_.reset();
    head_parser_.emplace();
    head_parser_->header_limit(static_cast<std::uint32_t>(limits().header_bytes));
    // The route's own limit is applied once the head is read and the gate has passed it.
    head_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    // One deadline for waiting for and reading the whole head, however the bytes trickle in.
    lowest().expires_after(limits().header_timeout);
    http::async_read_header(stream_, buffer_, *head_parser_,
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              self->guarded("read header", [&] { self->on_header(ec); });
                            });
  }

  // The gate runs on the header alone, so a rejected request never gets to send its body.
  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& request = head_parser_->get();
    head_request_ = request.method() == http::verb::head;
    version_ = request.version();
    keep_alive_ = request.keep_alive();
    auto view = view_of(request);
    log_method_ = log_text(view.method);
    log_target_ = log_text(view.target);
    log_origin_ = log_text(view.origin);
    origin_ = std::string(view.origin);
    const bool has_body = !head_parser_->is_done();

    if (request.count(http::field::host) > 1 || request.count(http::field::origin) > 1) {
      return reply_error(400, errc::bad_request, "duplicate Host or Origin header", {}, true);
    }
    // RFC 9112 6.1: a request whose final transfer coding is not chunked cannot be framed.
    if (auto te = request.count(http::field::transfer_encoding); te > 0) {
      auto value = header_value(request, "Transfer-Encoding");
      if (te > 1 || !beast::iequals(trim(value), "chunked")) {
        return reply_error(400, errc::bad_request, "unsupported Transfer-Encoding", {}, true);
      }
    }
    auto decision = state().gate_rules.check(view);
    if (!decision.allowed) {
      bool close = has_body || !keep_alive_;
      if (decision.status >= 400) {
        spdlog::warn("gate: {} {} -> {} {} (host={}, origin={})", log_method_, log_target_,
                     decision.status, decision.detail, log_text(view.host), log_origin_);
        return reply_error(decision.status, decision.code, decision.detail,
                           std::move(decision.headers), close);
      }
      return reply_empty(decision.status, decision.headers, close);
    }
    gate_headers_ = std::move(decision.headers);

    switch (route_of(view.target)) {
      case route::websocket:
        return upgrade(has_body);
      case route::rpc:
        return begin_rpc_body();
      case route::documents:
        return begin_document_upload();
      case route::document:
        return serve_document(std::string(document_id_of(view.target)), has_body);
      case route::static_file:
        return serve_static(std::string(view.target), has_body);
    }
  }

  void upgrade(bool has_body) {
    if (has_body) {
      return reply_error(400, errc::bad_request, "WebSocket upgrade with a body", {}, true);
    }
    if (!state().connections.websocket_allowed()) {
      spdlog::warn("websocket: session limit ({}) reached; refusing origin={}",
                   limits().max_websockets, log_origin_);
      return reply_error(503, errc::busy, "too many WebSocket sessions", {}, true);
    }
    spdlog::debug("{} {} -> 101 origin={}", log_method_, log_target_, log_origin_);
    // From here the WebSocket stream applies its own timeouts.
    lowest().expires_never();
    http_request request(std::move(head_parser_->release().base()));
    head_parser_.reset();
    return start_websocket_session(std::move(stream_), std::move(request), std::move(slot_));
  }

  // Checks the declared length against `limit` and takes the body's bytes from the shared
  // budget; false when it has answered instead.
  bool admit_body(std::uint64_t limit, bool counts_in_memory) {
    auto length = head_parser_->content_length();
    if (length && *length > limit) {
      reply_error(413, errc::payload_too_large, "body exceeds the size limit", gate_headers_, true);
      return false;
    }
    if (counts_in_memory && !head_parser_->is_done() &&
        !lease_.grow(length ? static_cast<std::size_t>(*length)
                            : static_cast<std::size_t>(limit))) {
      spdlog::warn("memory budget exhausted; refusing a request from origin={}", log_origin_);
      reply_error(503, errc::busy, "the daemon is busy; try again", gate_headers_, true);
      return false;
    }
    return true;
  }

  void begin_rpc_body() {
    if (!admit_body(limits().body_bytes, true)) return;
    rpc_parser_.emplace(std::move(*head_parser_));
    head_parser_.reset();
    rpc_parser_->body_limit(limits().body_bytes);
    if (rpc_parser_->is_done()) return call_rpc();
    read_body(*rpc_parser_, [](http_session& self) { self.call_rpc(); });
  }

  void begin_document_upload() {
    auto* store = state().options.documents;
    if (!store) return reply_error(404, errc::not_found, "no document store", gate_headers_, true);
    if (!admit_body(limits().document_bytes, false)) return;
    std::string name;
    if (auto it = head_parser_->get().find("X-Document-Name"); it != head_parser_->get().end()) {
      auto decoded = service::decode_document_name(it->value());
      if (!decoded) {
        return reply_error(400, errc::bad_request,
                           "X-Document-Name must be a percent-encoded UTF-8 file name of at most "
                           "255 bytes",
                           gate_headers_, true);
      }
      name = std::move(*decoded);
    }
    auto media_type = document_media_type(header_value(head_parser_->get(), "Content-Type"));
    document_parser_.emplace(std::move(*head_parser_));
    head_parser_.reset();
    document_parser_->body_limit(limits().document_bytes);
    try {
      document_parser_->get().body().writer.emplace(store->begin(origin_, media_type, name));
    } catch (const sealbridge::error& e) {
      spdlog::error("cannot store a document: {}", e.what());
      document_parser_.reset();
      return reply_error(500, e.code(), e.detail(), gate_headers_, true);
    }
    if (document_parser_->is_done()) return on_document_uploaded();
    read_body(*document_parser_, [](http_session& self) { self.on_document_uploaded(); });
  }

  template <class Parser, class Next>
  void read_body(Parser& parser, Next next) {
    auto expect = header_value(parser.get(), "Expect");
    if (expect.size() == 12 && beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      lowest().expires_after(limits().body_timeout);
      return asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                               [self = this->shared_from_this(), &parser, next](
                                   beast::error_code write_ec, std::size_t) {
                                 self->guarded("continue", [&] {
                                   if (!write_ec) self->read_body_now(parser, next);
                                 });
                               });
    }
    lowest().expires_after(limits().body_timeout);
    read_body_now(parser, next);
  }

  // The deadline was set once for the whole body: a client trickling bytes cannot extend it.
  template <class Parser, class Next>
  void read_body_now(Parser& parser, Next next) {
    http::async_read(stream_, buffer_, parser,
                     [self = this->shared_from_this(), next](beast::error_code ec, std::size_t) {
                       self->guarded("read body", [&] {
                         if (ec) return self->on_read_error(ec);
                         next(*self);
                       });
                     });
  }

  void on_read_error(beast::error_code ec) {
    if (document_parser_) {
      // The partial upload is removed now, not when the connection finally closes.
      auto failure = std::move(document_parser_->get().body().failure);
      document_parser_.reset();
      if (failure) {
        int status = failure->code() == errc::payload_too_large ? 413 : 500;
        return reply_error(status, failure->code(), failure->detail(), gate_headers_, true);
      }
    }
    if (ec == http::error::end_of_stream) return do_eof();
    if (ec == http::error::body_limit) {
      return reply_error(413, errc::payload_too_large, "body exceeds the size limit", gate_headers_,
                         true);
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

  void call_rpc() {
    auto request = rpc_parser_->release();
    rpc_parser_.reset();
    wipe_consumed(buffer_);
    forget_recent_copies(request.body().size());  // the parser copied the body on this thread
    slot_.enter(connection_phase::working);
    api::call_context context;
    context.origin = origin_;
    context.via = api::transport::http;

    // Nothing is pending on the socket while the handler works, so the server keeps the
    // session parked; the callback only holds a weak reference and never touches the session
    // outside its executor.
    awaiting_reply_ = true;
    state().park(this, this->shared_from_this());
    std::weak_ptr<http_session> weak = this->shared_from_this();
    auto shared_state = slot_.shared_state();
    try {
      state().handler.handle(
          context, std::move(request.body()), [weak, shared_state](std::string reply) {
            shared_state->post_to(weak, [reply = std::move(reply)](http_session& self) mutable {
              self.guarded("reply", [&] { self.on_reply(std::move(reply)); });
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
    auto keep = state().unpark(this);
    reply_error(500, e.code(), e.detail(), std::move(gate_headers_), !keep_alive_);
  }

  void on_reply(std::string reply) {
    if (!awaiting_reply_) return;
    awaiting_reply_ = false;
    auto keep = state().unpark(this);
    lease_.release();  // the request body now belongs to the handler, which has finished
    if (reply.size() > limits().reply_bytes) {
      spdlog::error("reply of {} bytes exceeds the limit; replaced by an error", reply.size());
      return reply_error(500, errc::internal, "the reply exceeds the size limit",
                         std::move(gate_headers_), !keep_alive_);
    }
    if (!lease_.grow(reply.size())) {
      spdlog::warn("memory budget exhausted; dropping a reply of {} bytes", reply.size());
      return reply_error(503, errc::busy, "the daemon is busy; try again", std::move(gate_headers_),
                         !keep_alive_);
    }
    http_response response{reply.empty() ? http::status::no_content : http::status::ok, version_};
    if (!reply.empty()) {
      response.set(http::field::content_type, "application/json; charset=utf-8");
      response.body() = std::move(reply);
    }
    for (auto& [name, value] : gate_headers_) response.set(name, value);
    send(std::move(response), !keep_alive_);
  }

  void on_document_uploaded() {
    slot_.enter(connection_phase::working);
    service::document_info info;
    try {
      info = document_parser_->get().body().writer->commit();
    } catch (const sealbridge::error& e) {
      spdlog::error("cannot store a document: {}", e.what());
      document_parser_.reset();
      return reply_error(500, e.code(), e.detail(), gate_headers_, !keep_alive_);
    }
    document_parser_.reset();
    spdlog::info("document {} stored: {} bytes of {} from origin={}", info.id, info.size,
                 info.media_type, log_origin_);
    http_response response{http::status::created, version_};
    response.set(http::field::content_type, "application/json; charset=utf-8");
    response.set(http::field::cache_control, "no-store");
    response.body() = "{\"document\":\"" + info.id + "\",\"size\":" + std::to_string(info.size) +
                      ",\"sha256\":\"" + info.sha256_hex + "\"}";
    for (auto& [name, value] : gate_headers_) response.set(name, value);
    send(std::move(response), !keep_alive_);
  }

  void serve_document(const std::string& id, bool has_body) {
    auto* store = state().options.documents;
    bool close = has_body || !keep_alive_;
    auto method = head_parser_->get().method();
    head_parser_.reset();
    if (!store) return reply_error(404, errc::not_found, "no such document", gate_headers_, close);
    if (method == http::verb::delete_) {
      if (!store->remove(id, origin_)) {
        return reply_error(404, errc::not_found, "no such document", gate_headers_, close);
      }
      spdlog::info("document {} removed by origin={}", id, log_origin_);
      return reply_empty(204, gate_headers_, close);
    }
    auto info = store->find(id, origin_);
    if (!info) return reply_error(404, errc::not_found, "no such document", gate_headers_, close);
    file_response response{http::status::ok, version_};
    beast::error_code ec;
    response.body().open(info->path.string().c_str(), beast::file_mode::scan, ec);
    if (ec) return reply_error(404, errc::not_found, "no such document", gate_headers_, close);
    response.set(http::field::content_type, info->media_type);
    response.set(http::field::cache_control, "no-store");
    for (auto& [name, value] : gate_headers_) response.set(name, value);
    send(std::move(response), close);
  }

  void serve_static(const std::string& request_target, bool has_body) {
    head_parser_.reset();
    auto target = resolve_static_path(state().options.webroot, request_target);
    bool close = has_body || !keep_alive_;
    if (target.status != 200) {
      return reply_error(target.status, target.status == 400 ? errc::bad_request : errc::not_found,
                         target.status == 400 ? "unsafe path" : "no such file",
                         std::move(gate_headers_), close);
    }
    // Streamed from the file in pieces rather than read into memory whole.
    file_response response{http::status::ok, version_};
    beast::error_code ec;
    response.body().open(target.file.string().c_str(), beast::file_mode::scan, ec);
    if (ec) return reply_error(404, errc::not_found, "file not readable", {}, close);
    for (auto& [name, value] : static_headers(target.file, state().gate_rules.port())) {
      response.set(name, value);
    }
    for (auto& [name, value] : gate_headers_) response.set(name, value);
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

  template <class Body>
  void send(http::response<Body>&& response, bool close) {
    slot_.enter(connection_phase::writing);
    head_parser_.reset();
    response.set(http::field::server, "SealBridge");
    response.set("X-Content-Type-Options", "nosniff");
    response.keep_alive(!close);
    response.prepare_payload();
    spdlog::debug("{} {} -> {} origin={}", log_method_, log_target_, response.result_int(),
                  log_origin_);
    lowest().expires_after(limits().idle_timeout);
    if constexpr (std::is_same_v<Body, http::string_body>) {
      if (head_request_) response.body().clear();  // Content-Length still describes the GET body
      string_response_ = std::move(response);
      write(*string_response_, close);
    } else {
      file_response_ = std::move(response);
      if (head_request_) {
        // The head alone: Content-Length describes the GET body.
        file_serializer_.emplace(*file_response_);
        return http::async_write_header(
            stream_, *file_serializer_,
            [self = this->shared_from_this(), close](beast::error_code ec, std::size_t) {
              self->guarded("write", [&] { self->on_write(ec, close); });
            });
      }
      write(*file_response_, close);
    }
  }

  template <class Response>
  void write(Response& response, bool close) {
    http::async_write(stream_, response,
                      [self = this->shared_from_this(), close](beast::error_code ec, std::size_t) {
                        self->guarded("write", [&] { self->on_write(ec, close); });
                      });
  }

  void on_write(beast::error_code ec, bool close) {
    string_response_.reset();
    file_serializer_.reset();
    file_response_.reset();
    lease_.release();
    if (ec) {
      spdlog::debug("http write failed: {}", ec.message());
      return;
    }
    if (close) return do_eof();
    do_read();
  }

  void do_eof() {
    slot_.enter(connection_phase::opening);
    if constexpr (is_tls) {
      lowest().expires_after(limits().handshake_timeout);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {});
    } else {
      beast::error_code ignored;
      lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      // Closing a socket with unread input makes the kernel send RST, which can destroy the
      // response (e.g. a 413 or 403) before the client reads it. So the unread rest of a
      // rejected request is drained, bounded in size and by one deadline for the whole drain
      // (never extended by the bytes that arrive), before the socket closes.
      lowest().expires_after(limits().drain_timeout);
      linger();
    }
  }

  void linger() {
    if (drain_.empty()) drain_.resize(4096);
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
  wiped_flat_buffer buffer_;
  std::optional<head_parser> head_parser_;
  std::optional<rpc_parser> rpc_parser_;
  std::optional<document_parser> document_parser_;
  std::optional<http_response> string_response_;
  std::optional<file_response> file_response_;
  std::optional<http::response_serializer<http::file_body>> file_serializer_;
  byte_lease lease_{slot_.state().budget};
  header_list gate_headers_;
  std::string origin_;
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

void start_http_session(plain_stream&& stream, wiped_flat_buffer&& buffer, connection_slot slot) {
  std::make_shared<http_session<plain_stream>>(std::move(stream), std::move(buffer),
                                               std::move(slot))
      ->start();
}

void start_https_session(plain_stream&& stream, wiped_flat_buffer&& buffer, connection_slot slot) {
  std::make_shared<http_session<tls_stream>>(std::move(stream), std::move(buffer), std::move(slot))
      ->start();
}

}  // namespace sealbridge::net
