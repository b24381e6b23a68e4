#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"

namespace sealbridge::api {

// How a method answers: exactly once, from any thread. A method that finishes later (on a
// key's worker, after a dialog) keeps a copy and answers then; the API thread that started it
// is free at once. If every copy is dropped without an answer, the request is still answered
// (INTERNAL), so no page ever waits on a reply that cannot come.
class responder {
 public:
  // `deliver` receives the reply object (null for a notification), exactly once.
  using deliver_fn = std::function<void(nlohmann::json reply)>;
  responder(const nlohmann::json* id, deliver_fn deliver);

  void ok(nlohmann::json result) const;
  void fail(const sealbridge::error& e) const;
  // Maps whatever was thrown: an `error` keeps its code, anything else becomes INTERNAL (the
  // text goes to the log, not to a web page).
  void fail(std::exception_ptr thrown) const;

  // Runs `fn` and answers with what it throws; for the synchronous part of a method.
  template <class F>
  void guard(F&& fn) const noexcept {
    try {
      fn();
    } catch (...) {
      fail(std::current_exception());
    }
  }

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace sealbridge::api
