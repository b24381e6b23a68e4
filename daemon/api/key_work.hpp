#pragma once

#include <string>
#include <utility>

#include "api/responder.hpp"
#include "service/token_registry.hpp"

namespace sealbridge::api {

// Runs `work(key)` on the key's worker and answers with `shape(result)`; the calling API
// thread returns at once. Whatever either throws becomes the error reply. Both callables are
// copied into the worker's queue: hold move-only state (PINs) through a shared_ptr.
template <class Work, class Shape>
void on_key(service::token_registry& tokens, const std::string& token, responder reply, Work work,
            Shape shape) {
  tokens.submit(
      token,
      [reply, work = std::move(work), shape = std::move(shape)](service::token_access& key) {
        reply.ok(shape(work(key)));
      },
      [reply](std::exception_ptr thrown) { reply.fail(thrown); });
}

}  // namespace sealbridge::api
