#pragma once

#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <string_view>

#include "net/gate.hpp"

// What the gate decides on, read from a Beast request head. One definition for the server and
// for the fuzz target that checks the gate's promises on the same fields.
namespace sealbridge::net {

template <class Message>
std::string_view header_value(const Message& request, std::string_view name) {
  auto it = request.find(name);
  return it == request.end() ? std::string_view{} : it->value();
}

template <class Message>
request_view view_of(const Message& request) {
  request_view view;
  view.method = request.method_string();
  view.target = request.target();
  view.host = header_value(request, "Host");
  view.origin = header_value(request, "Origin");
  view.has_origin = request.find(boost::beast::http::field::origin) != request.end();
  view.content_type = header_value(request, "Content-Type");
  view.sec_fetch_site = header_value(request, "Sec-Fetch-Site");
  view.sec_fetch_mode = header_value(request, "Sec-Fetch-Mode");
  view.access_control_request_method = header_value(request, "Access-Control-Request-Method");
  view.access_control_request_headers = header_value(request, "Access-Control-Request-Headers");
  view.access_control_request_private_network =
      header_value(request, "Access-Control-Request-Private-Network");
  view.is_websocket_upgrade = boost::beast::websocket::is_upgrade(request);
  return view;
}

}  // namespace sealbridge::net
