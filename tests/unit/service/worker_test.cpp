#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

#include "core/error.hpp"
#include "service/worker.hpp"

using namespace sealbridge;

TEST_CASE("a single-threaded worker runs jobs in order and returns results") {
  service::worker w("test");
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) w.post([&order, i] { order.push_back(i); });
  CHECK(w.run([] { return 42; }) == 42);
  REQUIRE(order.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(order[i] == i);
}

TEST_CASE("exceptions of run() reach the caller; the worker survives") {
  service::worker w("test");
  CHECK_THROWS_AS(w.run([]() -> int { throw error(errc::token_removed); }), error);
  w.post([] { throw std::runtime_error("escaped"); });
  CHECK(w.run([] { return 1; }) == 1);
}

TEST_CASE("run() from the worker's own thread does not deadlock") {
  service::worker w("test");
  CHECK(w.run([&w] { return w.run([] { return 7; }); }) == 7);
}

TEST_CASE("the destructor finishes queued jobs") {
  std::atomic<int> done{0};
  {
    service::worker w("test", 2);
    for (int i = 0; i < 20; ++i) w.post([&done] { ++done; });
  }
  CHECK(done == 20);
}
