#pragma once

// Internal to daemon/net: the entry points from one connection stage to the next. Each session
// template is instantiated in exactly one .cpp file, so Beast's templates compile once.

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/server_state.hpp"
#include "net/wipe_buffer.hpp"

namespace sealbridge::net {

using plain_stream = boost::beast::tcp_stream;
using tls_stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
using http_request = boost::beast::http::request<boost::beast::http::string_body>;

// `buffer` holds the bytes already read while detecting TLS.
void start_http_session(plain_stream&& stream, wiped_flat_buffer&& buffer, connection_slot slot);
void start_https_session(plain_stream&& stream, wiped_flat_buffer&& buffer, connection_slot slot);

// The request has passed the gate; the session performs the WebSocket handshake.
void start_websocket_session(plain_stream&& stream, http_request&& request, connection_slot slot);
void start_websocket_session(tls_stream&& stream, http_request&& request, connection_slot slot);

}  // namespace sealbridge::net
